"""Freezing a round's figures: numbered revisions with a content hash, served as published.

A revision holds the satisfaction report (with bands, targets and previous-round changes) of
every unit whose subtree the round covers, in Vietnamese and English. Its content hash is the
SHA-256 of the canonical JSON (sorted keys, no spaces, UTF-8) of {lang: {unit code: report}},
with numbers rounded to 9 decimals so that the order of a database sum cannot change it.
Reports of a frozen round serve the latest revision; freezing again after a correction writes
the next revision (the earlier ones stay readable); freezing unchanged figures writes nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import Actor, record
from app.config import Settings, get_settings
from app.errors import Conflict, NotFound
from app.forms.registry import Catalogue
from app.models import ReportSnapshot, ReportSnapshotItem, Round
from app.reporting.comparison_schemas import SnapshotRef
from app.reporting.comparisons import compare_report, load_comparisons
from app.reporting.schemas import SatisfactionReport
from app.reporting.service import ReportTarget, satisfaction_report
from app.rounds.service import covered_unit_ids
from app.statistics.load import round_engine
from app.statistics.ranks import RANK_DECIMALS
from app.units.history import as_of_for, hierarchy_as_of
from app.units.service import UnitNode, UnitTree

LANGS = ("vi", "en")
# Figures are frozen once collection is over (open → closed → published); a published round
# may be frozen again after a correction.
FREEZABLE = ("closed", "published")
# While a round collects, a provisional revision ("tạm tính") may be frozen and made public;
# the round stays open and reports keep serving current figures.
PROVISIONAL_WHILE = "open"
Body = dict[str, dict[str, dict[str, Any]]]  # lang -> unit code -> report
Progress = Callable[[int, int], Awaitable[None]]  # (units done, units in all)
PROGRESS_STEPS = 20  # a freeze tells its progress about this often


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, RANK_DECIMALS)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


def content_hash(body: Body) -> str:
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def reported_units(tree: UnitTree, covered: set[int]) -> list[UnitNode]:
    """Every unit whose subtree holds a covered unit: the covered ones and their ancestors."""
    found = {node.id: node for unit_id in covered for node in tree.ancestors(unit_id)}
    return sorted(found.values(), key=lambda n: n.code)


@dataclass(frozen=True)
class RoundReports:
    body: Body
    unit_ids: dict[str, int]  # unit code -> id
    top_unit_id: int  # the round's top unit: the audit trail's scope


def check_freezable(catalogue: Catalogue, round_: Round, provisional: bool = False) -> None:
    """Refuse (409) a round whose figures cannot be frozen: final figures of a round not
    closed yet (its invitation links would stop answering while citizens still respond), a
    provisional revision of a round no longer open, or a round scored in points."""
    if provisional and round_.status != PROVISIONAL_WHILE:
        raise Conflict(
            f"round {round_.code} is {round_.status}: provisional figures are frozen while "
            "the round is open; freeze its final figures instead"
        )
    if not provisional and round_.status not in FREEZABLE:
        raise Conflict(
            f"round {round_.code} is {round_.status}: close it before freezing its figures"
        )
    form = catalogue.get(round_.form_code)
    if form.instrument.aggregation.is_points:
        raise Conflict(f"{form.instrument.code} is scored in points; freezing covers shares only")


async def round_reports(
    session: AsyncSession,
    catalogue: Catalogue,
    round_: Round,
    settings: Settings | None = None,
    progress: Progress | None = None,
) -> RoundReports:
    """Every unit's report in every language, as served live (estimates with their SEs);
    ``progress`` is told how many units are done about ``PROGRESS_STEPS`` times.

    One engine over every subtree serves all the units' reports: the responses are read
    once, not once per unit and language (a freeze of 400 units re-read them 800 times)."""
    settings = settings or get_settings()
    form = catalogue.get(round_.form_code)
    if form.instrument.aggregation.is_points:
        raise Conflict(f"{form.instrument.code} is scored in points; freezing covers shares only")
    when = as_of_for(round_.starts_on, None, settings.today())
    tree = await hierarchy_as_of(session, when.day)
    covered = await covered_unit_ids(session, round_.id)
    top = tree.common_ancestor(covered)
    if top is None:
        raise Conflict(f"round {round_.code} covers no unit: nothing to freeze")
    target = ReportTarget(round_, form, tree, covered, top, when)
    cmp = await load_comparisons(session, catalogue, target, units=None, live=True)
    units = reported_units(tree, covered)
    engine = await round_engine(session, round_, form, settings.timezone, tree, live=True)
    body: Body = {lang: {} for lang in LANGS}
    step = max(1, len(units) // PROGRESS_STEPS)
    for done, unit in enumerate(units):  # the live report of each unit, standard errors and all
        if progress is not None and done % step == 0:
            await progress(done, len(units))
        for lang in LANGS:
            live = await satisfaction_report(
                session,
                catalogue,
                round_.code,
                unit.code,
                lang,
                settings=settings,
                live=True,
                engine=engine,
            )
            report = compare_report(live, cmp)
            body[lang][unit.code] = _rounded(report.model_dump(mode="json"))
    if progress is not None:  # the job's last progress says every unit was done
        await progress(len(units), len(units))
    return RoundReports(body, {u.code: u.id for u in units}, top.id)


async def latest_snapshot(
    session: AsyncSession, round_id: int, final_only: bool = True
) -> ReportSnapshot | None:
    """The round's latest final revision (or latest of any kind: ``final_only=False``)."""
    query = select(ReportSnapshot).where(ReportSnapshot.round_id == round_id)
    if final_only:
        query = query.where(ReportSnapshot.provisional.is_(False))
    return await session.scalar(query.order_by(ReportSnapshot.revision.desc()).limit(1))


async def get_snapshot(
    session: AsyncSession, round_: Round, revision: int | None
) -> ReportSnapshot | None:
    """The given revision (404 if absent; provisional ones too), or the latest final one
    (None if the round has none: reports then serve current figures)."""
    if revision is None:
        return await latest_snapshot(session, round_.id)
    found = await session.scalar(
        select(ReportSnapshot).where(
            ReportSnapshot.round_id == round_.id, ReportSnapshot.revision == revision
        )
    )
    if found is None:
        raise NotFound(f"round {round_.code} has no revision {revision}")
    return found


async def freeze_round(
    session: AsyncSession,
    catalogue: Catalogue,
    actor: Actor,
    round_: Round,
    note: str = "",
    settings: Settings | None = None,
    provisional: bool = False,
) -> tuple[ReportSnapshot, bool]:
    """Write the next revision of the round's figures and mark the round published (a
    provisional revision: the round stays open); audited.

    Returns (revision, created); unchanged figures return the latest revision, not created.
    A round not closed is refused (409, ``check_freezable``), unless ``provisional``. In one
    transaction: for small rounds, the demo and the CLI; requests enqueue a job
    (app.reporting.jobs).
    """
    check_freezable(catalogue, round_, provisional)
    reports = await round_reports(session, catalogue, round_, settings)
    return await store_revision(session, actor, round_, note, reports, provisional)


async def store_revision(
    session: AsyncSession,
    actor: Actor,
    round_: Round,
    note: str,
    reports: RoundReports,
    provisional: bool = False,
) -> tuple[ReportSnapshot, bool]:
    """Write ``reports`` as the round's next revision (unless the latest of the same kind,
    final or provisional, has the same hash) and, if final, mark the round published;
    audited. (revision, created)."""
    digest = content_hash(reports.body)
    latest = await latest_snapshot(session, round_.id, final_only=False)
    same_kind = await latest_snapshot(session, round_.id, final_only=not provisional)
    if same_kind is not None and same_kind.provisional is not provisional:
        same_kind = None
    if same_kind is not None and same_kind.content_hash == digest:
        return same_kind, False
    snapshot = ReportSnapshot(
        round_id=round_.id,
        revision=(latest.revision if latest else 0) + 1,
        content_hash=digest,
        note=note,
        provisional=provisional,
        created_by=actor.label,
    )
    session.add(snapshot)
    await session.flush()
    items = [
        {"snapshot_id": snapshot.id, "unit_id": reports.unit_ids[code], "lang": lang, "body": body}
        for lang, by_unit in reports.body.items()
        for code, body in by_unit.items()
    ]
    await session.execute(insert(ReportSnapshotItem), items)
    after = round_.status if provisional else "published"
    changes = {
        "revision": snapshot.revision,
        "content_hash": digest,
        "note": note,
        "provisional": provisional,
        "status": [round_.status, after],
    }
    round_.status = after
    await record(session, actor, "round.freeze", "round", round_.code, reports.top_unit_id, changes)
    return snapshot, True


def snapshot_ref(snapshot: ReportSnapshot) -> SnapshotRef:
    return SnapshotRef(
        revision=snapshot.revision,
        provisional=snapshot.provisional,
        content_hash=snapshot.content_hash,
        frozen_at=snapshot.created_at,
    )


async def frozen_report(
    session: AsyncSession, snapshot: ReportSnapshot, round_: Round, unit: UnitNode, lang: str
) -> SatisfactionReport:
    item = await session.get(ReportSnapshotItem, (snapshot.id, unit.id, lang))
    if item is None:
        raise NotFound(
            f"unit {unit.code} is not in the published figures of round {round_.code} "
            f"(revision {snapshot.revision})"
        )
    report = SatisfactionReport.model_validate(item.body)
    report.snapshot = snapshot_ref(snapshot)
    return report


async def frozen_items(
    session: AsyncSession, snapshot: ReportSnapshot, unit_ids: list[int], lang: str
) -> dict[int, SatisfactionReport]:
    """Frozen reports of many units (for rankings), by unit id, read in chunks of ids."""
    found: dict[int, SatisfactionReport] = {}
    for start in range(0, len(unit_ids), 10_000):
        rows = await session.execute(
            select(ReportSnapshotItem.unit_id, ReportSnapshotItem.body).where(
                ReportSnapshotItem.snapshot_id == snapshot.id,
                ReportSnapshotItem.lang == lang,
                ReportSnapshotItem.unit_id.in_(unit_ids[start : start + 10_000]),
            )
        )
        found.update((uid, SatisfactionReport.model_validate(body)) for uid, body in rows)
    return found


async def list_revisions(session: AsyncSession, round_: Round) -> list[tuple[ReportSnapshot, int]]:
    """Every revision of the round, newest first, with its number of unit reports."""
    units = (
        select(func.count(func.distinct(ReportSnapshotItem.unit_id)))
        .where(ReportSnapshotItem.snapshot_id == ReportSnapshot.id)
        .scalar_subquery()
    )
    rows = await session.execute(
        select(ReportSnapshot, units)
        .where(ReportSnapshot.round_id == round_.id)
        .order_by(ReportSnapshot.revision.desc())
    )
    return [(snapshot, int(n)) for snapshot, n in rows]
