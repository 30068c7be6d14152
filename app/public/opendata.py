"""The open-data files of a public revision, built once when it is made public.

- ``revision.json``: the revision's canonical JSON, byte for byte what its content hash is the
  SHA-256 of ({lang: {unit code: report}}, sorted keys, no spaces, UTF-8).
- ``units.csv`` / ``units.json``: one row per unit (overall index, interval, band, rank, change).
- ``indicators.csv`` / ``indicators.json``: one row per unit and element or criterion.
- ``datapackage.json``: a Frictionless data package describing them (schema, units of measure,
  licence, method, every file's SHA-256 and the revision's).

Estimates the revision marks unreliable are left empty in the tables, with the reason; numbers
are the revision's (rounded to 9 decimals when frozen), written in their shortest form.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from app.i18n import translate
from app.public.withheld import places_gained, withheld_reason
from app.reporting.schemas import flat_rank

CSV = "text/csv; charset=utf-8"
JSON = "application/json"
PERCENT = "percent (0–100)"
POINTS = "percentage points"

# (name, type, description) of each table's columns, in order.
UNIT_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("round", "string", "Round code"),
    ("revision", "integer", "Revision of the round's published figures"),
    ("unit_code", "string", "Unit code"),
    ("unit_name", "string", "Unit name (Vietnamese)"),
    ("unit_name_en", "string", "Unit name (English)"),
    ("level", "string", "Unit level"),
    ("parent_code", "string", "Code of the unit above (empty: the top unit)"),
    ("respondents", "integer", "Responses that answered at least one criterion (n)"),
    ("index", "number", f"Overall satisfaction index, {PERCENT}; empty when withheld"),
    ("se", "number", f"Standard error of the index, {POINTS}"),
    ("ci95_low", "number", f"95% interval, lower bound, {PERCENT}"),
    ("ci95_high", "number", f"95% interval, upper bound, {PERCENT}"),
    ("reliable", "boolean", "n and relative SE within the limits of the method"),
    ("withheld_reason", "string", "Why the index is not published (empty: published)"),
    ("band", "string", "Score band of the round"),
    ("rank", "integer", "Rank among the units under the same parent (1 = best)"),
    ("ranked", "integer", "Units ranked under the same parent"),
    ("previous_index", "number", f"Index in the previous round, {PERCENT}"),
    ("change_points", "number", f"Index minus the previous round's, {POINTS}"),
    ("change_significant", "boolean", "The change exceeds 1.96 of its standard error"),
    ("previous_rank", "integer", "Rank in the previous round among the same units"),
    ("change_places", "integer", "Places gained since the previous round (+ up, − down)"),
    ("target", "number", f"The unit's target, {PERCENT}"),
    ("target_status", "string", "met | not_met | not_determinable"),
)
INDICATOR_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("round", "string", "Round code"),
    ("revision", "integer", "Revision of the round's published figures"),
    ("unit_code", "string", "Unit code"),
    ("kind", "string", "element | criterion"),
    ("element", "string", "Code of the element (of a criterion: its element)"),
    ("code", "string", "Element or criterion code"),
    ("name", "string", "Name (Vietnamese)"),
    ("name_en", "string", "Name (English)"),
    ("respondents", "integer", "Valid answers (criterion) or responses (element)"),
    ("index", "number", f"Share satisfied, {PERCENT}; empty when withheld"),
    ("se", "number", f"Standard error, {POINTS}"),
    ("ci95_low", "number", f"95% interval, lower bound, {PERCENT}"),
    ("ci95_high", "number", f"95% interval, upper bound, {PERCENT}"),
    ("reliable", "boolean", "n and relative SE within the limits of the method"),
    ("withheld_reason", "string", "Why the index is not published (empty: published)"),
    ("band", "string", "Score band of the round"),
    ("previous_index", "number", f"Index in the previous round, {PERCENT}"),
    ("change_points", "number", f"Index minus the previous round's, {POINTS}"),
)
LICENCES = {
    "CC-BY-4.0": (
        "Creative Commons Attribution 4.0",
        "https://creativecommons.org/licenses/by/4.0/",
    ),
    "CC0-1.0": ("CC0 1.0", "https://creativecommons.org/publicdomain/zero/1.0/"),
    "ODC-BY-1.0": (
        "Open Data Commons Attribution License 1.0",
        "https://opendatacommons.org/licenses/by/1-0/",
    ),
}


@dataclass(frozen=True)
class File:
    name: str
    media_type: str
    content: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


@dataclass(frozen=True)
class Meta:
    """What the descriptor states about the revision."""

    round_code: str
    round_name: str
    revision: int
    content_hash: str
    frozen_at: str
    published_at: str
    base_url: str  # where the files are served: .../open-data/{round}/{revision}/
    licence: str
    provisional: bool = False  # frozen while the round was open ("tạm tính")


PROVISIONAL_NOTE = (
    " Provisional figures (tạm tính): frozen while the round was still collecting responses; "
    "the final figures are published after the round closes."
)


def canonical(body: dict[str, dict[str, dict[str, Any]]]) -> bytes:
    """The bytes the revision's content hash is the SHA-256 of (app.reporting.snapshots)."""
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def _ci(row: dict[str, Any]) -> tuple[Any, Any]:
    ci = row.get("ci95") or [None, None]
    return ci[0], ci[1]


def _shown(row: dict[str, Any], reliability: dict[str, Any]) -> dict[str, Any]:
    """index/se/interval, empty with the reason when withheld."""
    reason = withheld_reason(row, reliability)
    low, high = _ci(row)
    if reason is not None:
        return {
            "index": None,
            "se": None,
            "ci95_low": None,
            "ci95_high": None,
            "withheld_reason": translate("en", reason),
            "reliable": False,
        }
    return {
        "index": row.get("index"),
        "se": row.get("se"),
        "ci95_low": low,
        "ci95_high": high,
        "withheld_reason": "",
        "reliable": bool(row.get("reliable")),
    }


def _change(row: dict[str, Any], rank: int | None) -> dict[str, Any]:
    prev = row.get("previous") or {}
    places = places_gained(prev, rank)
    return {
        "previous_index": prev.get("index"),
        "change_points": prev.get("delta"),
        "change_significant": prev.get("significant"),
        "previous_rank": prev.get("rank"),
        "change_places": places,
    }


def unit_rows(round_code: str, revision: int, body: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per unit of the revision, by code."""
    vi, en = body["vi"], body.get("en", {})
    parents = {c["code"]: code for code, report in vi.items() for c in report["children"]}
    rows = []
    for code in sorted(vi):
        report = flat_rank(vi[code])  # either shape of rank_of (frozen before or after v1.1)
        reliability = report["design"]["reliability"]
        rank = report.get("rank")
        target = report.get("target") or {}
        rows.append(
            {
                "round": round_code,
                "revision": revision,
                "unit_code": code,
                "unit_name": report["unit"]["name"],
                "unit_name_en": en.get(code, report)["unit"]["name"],
                "level": report["unit"]["level"],
                "parent_code": parents.get(code, ""),
                "respondents": report["respondents"],
                **_shown(report, reliability),
                "band": report.get("band") or "",
                "rank": rank,
                "ranked": report.get("rank_of"),
                **_change(report, rank),
                "target": target.get("value"),
                "target_status": target.get("status") or "",
            }
        )
    return [{name: row[name] for name, _, _ in UNIT_FIELDS} for row in rows]


def indicator_rows(round_code: str, revision: int, body: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per unit and element, then that element's criteria."""
    vi, en = body["vi"], body.get("en", {})
    rows = []
    for code in sorted(vi):
        report = vi[code]
        reliability = report["design"]["reliability"]
        english = {e["code"]: e for e in en.get(code, report)["elements"]}
        for element in report["elements"]:
            en_el = english.get(element["code"], element)
            en_crit = {c["code"]: c for c in en_el["criteria"]}
            items = [("element", element, en_el)] + [
                ("criterion", c, en_crit.get(c["code"], c)) for c in element["criteria"]
            ]
            for kind, item, item_en in items:
                rows.append(
                    {
                        "round": round_code,
                        "revision": revision,
                        "unit_code": code,
                        "kind": kind,
                        "element": element["code"],
                        "code": item["code"],
                        "name": item["name"],
                        "name_en": item_en["name"],
                        "respondents": item.get("respondents", 0),
                        **_shown(item, reliability),
                        "band": item.get("band") or "",
                        **{
                            k: v
                            for k, v in _change(item, None).items()
                            if k in ("previous_index", "change_points")
                        },
                    }
                )
    return [{name: row[name] for name, _, _ in INDICATOR_FIELDS} for row in rows]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(int(value)) if value.is_integer() else repr(value)
    return str(value)


def _csv(fields: Iterable[tuple[str, str, str]], rows: list[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    names = [name for name, _, _ in fields]
    writer.writerow(names)
    writer.writerows([_cell(row[n]) for n in names] for row in rows)
    return out.getvalue().encode()


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=1, sort_keys=False).encode() + b"\n"


def _schema(fields: Iterable[tuple[str, str, str]], key: list[str]) -> dict[str, Any]:
    return {
        "fields": [{"name": n, "type": t, "description": d} for n, t, d in fields],
        "primaryKey": key,
        "missingValues": [""],
    }


def descriptor(meta: Meta, files: list[File], method: dict[str, Any]) -> dict[str, Any]:
    """The Frictionless data package (v1 descriptor, read by frictionless v5) of the files."""
    title, path = LICENCES.get(meta.licence, (meta.licence, ""))
    schemas = {
        "units": _schema(UNIT_FIELDS, ["unit_code"]),
        "indicators": _schema(INDICATOR_FIELDS, ["unit_code", "kind", "code"]),
    }
    resources: list[dict[str, Any]] = []
    for f in files:
        stem, ext = f.name.rsplit(".", 1)
        resource: dict[str, Any] = {
            "name": stem if ext == "csv" else f"{stem}-{ext}",
            "path": f.name,
            "format": ext,
            "mediatype": f.media_type.split(";")[0],
            "encoding": "utf-8",
            "bytes": len(f.content),
            "hash": f"sha256:{f.sha256}",
        }
        if stem in schemas:
            resource["profile"] = "tabular-data-resource"
            resource["schema"] = schemas[stem]
            if ext == "json":  # frictionless parses JSON tables whole: it counts no bytes
                del resource["bytes"]
        if f.name == "revision.json":
            resource["description"] = (
                "The revision's canonical JSON ({lang: {unit: report}}); its SHA-256 is the "
                "revision's content hash"
            )
        resources.append(resource)
    kind = "provisional, " if meta.provisional else ""
    return {
        "profile": "data-package",
        "name": f"sipas-{meta.round_code.lower()}-r{meta.revision}".replace("_", "-"),
        "title": f"{meta.round_name} ({kind}revision {meta.revision})",
        "description": "Citizen satisfaction with administrative services (SIPAS): published "
        "indices of every unit, with standard errors, 95% intervals, bands and changes."
        + PROVISIONAL_NOTE
        * meta.provisional,
        "homepage": meta.base_url,
        "version": str(meta.revision),
        "created": meta.published_at,
        "licenses": [{"name": meta.licence, "title": title, "path": path}],
        "keywords": ["SIPAS", "satisfaction", "public administration", "Vietnam"],
        "sipas": {
            "round": meta.round_code,
            "revision": meta.revision,
            "provisional": meta.provisional,
            "content_hash": f"sha256:{meta.content_hash}",
            "frozen_at": meta.frozen_at,
            "units_of_measure": {"index": PERCENT, "se": POINTS, "change_points": POINTS},
            "method": method,
        },
        "resources": resources,
    }


def method_summary(body: dict[str, Any], top_code: str) -> dict[str, Any]:
    """What the descriptor says about the method: instrument, design, reliability limits."""
    report = body["en"].get(top_code) or body["vi"][top_code]
    return {
        "instrument": report["form"],
        "instrument_version": report["form_version"],
        "measure": report.get("measure"),
        "aggregation": report["aggregation"],
        "design": report["design"],
        "weight_set": (report.get("weight_set") or {}).get("name"),
        "withheld": "estimates failing the reliability limits are published without a number",
    }


def build_files(meta: Meta, body: dict[str, Any], top_code: str) -> list[File]:
    """Every file of a public revision, the descriptor last."""
    units = unit_rows(meta.round_code, meta.revision, body)
    indicators = indicator_rows(meta.round_code, meta.revision, body)
    files = [
        File("units.csv", CSV, _csv(UNIT_FIELDS, units)),
        File("indicators.csv", CSV, _csv(INDICATOR_FIELDS, indicators)),
        File("units.json", JSON, _json(units)),
        File("indicators.json", JSON, _json(indicators)),
        File("revision.json", JSON, canonical(body)),
    ]
    package = descriptor(meta, files, method_summary(body, top_code))
    return [*files, File("datapackage.json", JSON, _json(package))]
