"""A round's sampling design as the standard errors use it, and the SQL that keys responses.

Strata: none (one stratum: the round), the response's unit, the response's own ``stratum``
column, or the ancestor of the response's unit at a named level (a unit without one is its
own stratum). PSUs: each response (with replacement), the response's ``psu`` column (a
response without one is its own PSU) or the counter-day (unit and local date of submission).
The fpc applies only with unit strata and single-response PSUs: f_h = n_h / N_h with N_h the
unit's volume (unknown volume: no correction; more responses than volume: f_h = 1).
Single-PSU strata: R's survey.lonely.psu = "adjust" (the PSU is centred at the full sample's
mean of PSU totals, which is zero for linearised ratios), chosen because it never hides a
stratum's variability; R's default "fail" would refuse the report.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np

from app.models import Round
from app.units.service import UnitTree

LONELY_PSU = "adjust"
VARIANCE_METHOD = (
    "Taylor linearisation of ratios; PSUs with replacement within strata; "
    f"single-PSU strata: survey.lonely.psu='{LONELY_PSU}'"
)
CI_METHOD = (
    "logit: expit(logit(p) ± t(0.975, df)·SE/(p(1−p))), as R svyciprop(method='logit'); "
    "df = PSUs with data − strata with data"
)
DEFF_METHOD = (
    "design variance / variance under simple random sampling with replacement of the same "
    "answers (R svymean(deff='replace'))"
)


@dataclass(frozen=True)
class Design:
    weighting: str
    strata: str | None  # None | 'unit' | 'column' | a unit level
    psu: str | None  # None | 'column' | 'day'
    fpc: bool  # applied (see the module docstring for when it can be)
    fpc_requested: bool
    timezone: str

    @classmethod
    def of(cls, round_: Round, timezone: str) -> Design:
        applies = round_.design_strata == "unit" and round_.design_psu is None
        return cls(
            weighting=round_.weighting,
            strata=round_.design_strata,
            psu=round_.design_psu,
            fpc=bool(round_.design_fpc) and applies,
            fpc_requested=bool(round_.design_fpc),
            timezone=timezone,
        )

    @property
    def clustered(self) -> bool:
        return self.psu is not None

    def signature(self, instrument_hash: str) -> str:
        """What maintained tallies depend on: the keys of cells and the criteria counted."""
        day_zone = self.timezone if self.psu == "day" else ""
        strata = "column" if self.strata == "column" else ""
        return f"v1|{strata}|{self.psu or ''}|{day_zone}|{instrument_hash}"[:255]

    def skey_sql(self, alias: str) -> str:
        return f"COALESCE({alias}.stratum, '')" if self.strata == "column" else "''"

    def pkey_sql(self, alias: str, dialect: str) -> str:
        """The PSU key: '' for single-response PSUs, else 'p:' + the PSU's label."""
        if self.psu == "column":
            label = f"COALESCE({alias}.psu, '#' || CAST({alias}.response_id AS TEXT))"
        elif self.psu == "day":
            if dialect == "postgresql":
                label = f"to_char(timezone(CAST(:tz AS TEXT), {alias}.submitted_at), 'YYYY-MM-DD')"
            else:
                label = f"date({alias}.submitted_at, :tz)"
        else:
            return "''"
        return f"'p:' || {label}"

    def tz_param(self, dialect: str) -> str:
        """PostgreSQL: the zone name; SQLite: the zone's current UTC offset (no tz database)."""
        if dialect == "postgresql":
            return self.timezone
        offset = datetime.now(ZoneInfo(self.timezone)).utcoffset()
        minutes = int(offset.total_seconds() // 60) if offset else 0
        return f"{minutes:+d} minutes"

    def describe(self) -> dict[str, object]:
        return {
            "weighting": self.weighting,
            "strata": self.strata,
            "psu": self.psu,
            "fpc": self.fpc,
            "lonely_psu": LONELY_PSU,
            "variance_method": VARIANCE_METHOD,
            "ci_method": CI_METHOD,
            "deff_method": DEFF_METHOD,
        }


PART_SEP = "\x1f"  # between a split cell's stratum key and its category (a bound parameter)


def split_key(skey: str) -> tuple[str, str | None]:
    """(stratum key, category) of a cell's key: None for cells of no split, '' for responses
    that did not answer the question split by."""
    stratum, sep, part = skey.partition(PART_SEP)
    return (stratum, part[1:]) if sep else (stratum, None)


@dataclass(frozen=True)
class Strata:
    """The strata of a set of cells (unit, stratum key) and their variance factors."""

    of_cell: np.ndarray  # stratum number of every cell
    scale: np.ndarray  # per stratum: c_h = (1 − f_h)·n_h/(n_h − 1), multiplies Σ_j z_hj²
    centre: np.ndarray  # per stratum: c_h/n_h, multiplies (Σ_j z_hj)²; 0 for a single PSU
    numbers: dict[object, int]  # stratum label -> number

    @classmethod
    def of(
        cls,
        design: Design,
        tree: UnitTree,
        cells: Sequence[tuple[int, str]],
        psus: np.ndarray,
        volumes: Mapping[int, int | None],
    ) -> Strata:
        """``psus``: every cell's PSUs among all the round's valid responses (n_h counts
        them all, as R's ``subset`` keeps them)."""
        numbers: dict[object, int] = {}
        stratum = _stratum_numbers(design, tree, cells, numbers)
        count = len(numbers)
        per_stratum = np.zeros(count)
        np.add.at(per_stratum, stratum, psus)
        remaining = np.ones(count)
        if design.fpc:
            for k, (unit, _skey) in enumerate(cells):
                volume = volumes.get(unit)
                if volume:
                    remaining[stratum[k]] = max(0.0, 1.0 - per_stratum[stratum[k]] / volume)
        remaining[remaining < 1e-7] = 0.0  # a census stratum: no variance (as R)
        several = per_stratum > 1
        scale = np.where(
            several, remaining * per_stratum / np.maximum(per_stratum - 1, 1), remaining
        )
        centre = np.where(several, scale / np.maximum(per_stratum, 1), 0.0)
        return cls(stratum, scale, centre, numbers)

    def numbers_of(
        self, design: Design, tree: UnitTree, cells: Sequence[tuple[int, str]]
    ) -> np.ndarray:
        """The stratum numbers of other cells of the same sample (e.g. split by category)."""
        return _stratum_numbers(design, tree, cells, dict(self.numbers))


def _stratum_numbers(
    design: Design,
    tree: UnitTree,
    cells: Sequence[tuple[int, str]],
    numbers: dict[object, int],
) -> np.ndarray:
    """Stratum number of every cell; ``numbers`` (label -> number) grows as labels appear."""
    labels: list[object] = []
    for unit, skey in cells:
        if design.strata is None:
            labels.append(0)
        elif design.strata == "unit":
            labels.append(unit)
        elif design.strata == "column":
            labels.append(split_key(skey)[0])
        else:
            level = [a.id for a in tree.ancestors(unit) if a.level == design.strata]
            labels.append(level[0] if level else ("own", unit))
    return np.array([numbers.setdefault(label, len(numbers)) for label in labels], dtype=int)
