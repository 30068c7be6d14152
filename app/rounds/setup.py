"""Creating a round over a unit's subtree, with its design (weights, strata, PSUs, fpc).

Coverage. By default a round covers the *leaf* units under ROOT (or ROOT itself if it has no
children): responses are collected at counters, and every unit above them is reported by
pooling its subtree, so covering inner units too would only add empty strata. ``cover="all"``
covers ROOT and every descendant (for surveys that collect at several levels). Units inactive
on the round's first day (merged away) are left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import Actor, record
from app.errors import AppError
from app.forms.registry import Catalogue
from app.models import Round, RoundUnit, Unit
from app.models.round import WEIGHTINGS
from app.rounds.inference import check_inference
from app.rounds.service import create_round, refuse_overlap
from app.units.service import UnitTree, load_tree

PSUS = ("column", "day")
Cover = Literal["leaves", "all"]


@dataclass(frozen=True)
class RoundSpec:
    code: str
    form: str
    root: str
    name: str
    starts_on: date
    ends_on: date
    weighting: str = "volume"
    strata: str | None = None  # "unit", "column", or a unit level
    psu: str | None = None  # "column" or "day"
    fpc: bool = False
    cover: Cover = "leaves"
    status: str = "draft"
    ci: str = "logit"  # a share's interval: logit | beta | wilson
    lonely_psu: str = "adjust"  # single-PSU strata: adjust | average | certainty | remove | fail


def _check_design(spec: RoundSpec, levels: set[str]) -> None:
    if spec.weighting not in WEIGHTINGS:
        raise AppError(f"weighting is one of {', '.join(WEIGHTINGS)}")
    if spec.strata not in (None, "unit", "column") and spec.strata not in levels:
        known = ", ".join(sorted(levels))
        raise AppError(f"strata: 'unit', 'column' or a unit level under the root ({known})")
    if spec.psu not in (None, *PSUS):
        raise AppError("psu is 'column' or 'day'")
    if spec.fpc and spec.psu is not None:
        raise AppError(
            "the finite-population correction applies to single-stage designs: with PSUs "
            "(two-stage) it is not supported; leave psu empty or fpc off"
        )
    if spec.fpc and spec.strata == "column":
        raise AppError(
            "the finite-population correction needs each stratum's size N_h: strata from the "
            "response's stratum column have none; use strata = unit or a unit level"
        )
    check_inference(spec.ci, spec.lonely_psu)
    if spec.status not in ("draft", "open"):
        raise AppError("a new round is a draft or open")


async def _covered(session: AsyncSession, tree: UnitTree, spec: RoundSpec) -> list[tuple[int, str]]:
    """(id, code) of the units to cover, active on the first day (read whole: no IN list of
    a hundred thousand ids)."""
    root = tree.get(spec.root)
    ids = tree.subtree_ids(root.id)
    if spec.cover == "leaves":
        ids = {u for u in ids if not tree.children.get(u)}
    rows = await session.execute(select(Unit.id, Unit.code, Unit.inactive_from))
    return sorted(
        (
            (uid, code)
            for uid, code, gone in rows
            if uid in ids and (gone is None or gone > spec.starts_on)
        ),
        key=lambda pair: pair[1],
    )


async def create_round_over(
    session: AsyncSession, actor: Actor, catalogue: Catalogue, spec: RoundSpec
) -> tuple[Round, list[tuple[int, str]]]:
    """Create the round, declare its design and cover ROOT's units (volumes unknown); audited."""
    catalogue.get(spec.form)  # 404 for an unknown instrument
    tree = await load_tree(session)
    root = tree.get(spec.root)
    _check_design(spec, {tree.by_id[u].level for u in tree.subtree_ids(root.id)})
    units = await _covered(session, tree, spec)
    if not units:
        raise AppError(f"no active unit to cover under {spec.root}")
    round_ = await create_round(
        session,
        actor,
        code=spec.code,
        name=spec.name,
        form_code=spec.form,
        starts_on=spec.starts_on,
        ends_on=spec.ends_on,
        status=spec.status,
    )
    round_.weighting, round_.design_strata = spec.weighting, spec.strata
    round_.design_psu, round_.design_fpc = spec.psu, spec.fpc
    round_.design_ci, round_.design_lonely_psu = spec.ci, spec.lonely_psu
    await session.flush()
    rows = [{"round_id": round_.id, "unit_id": uid, "volume": None} for uid, _ in units]
    await session.execute(insert(RoundUnit), rows)
    if spec.status == "open":
        await refuse_overlap(session, round_)
    changes = {
        "weighting": spec.weighting,
        "strata": spec.strata,
        "psu": spec.psu,
        "fpc": spec.fpc,
        "ci": spec.ci,
        "lonely_psu": spec.lonely_psu,
        "cover": spec.cover,
        "units": [code for _, code in units],
    }
    await record(session, actor, "round.design", "round", spec.code, root.id, changes)
    return round_, units
