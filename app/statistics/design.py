"""A round's sampling design as the standard errors use it, and the SQL that keys responses.

Strata: none (one stratum: the round), the response's unit, the response's own ``stratum``
column, or the ancestor of the response's unit at a named level (a unit without one is its
own stratum). PSUs: each response (with replacement), the response's ``psu`` column (a
response without one is its own PSU) or the counter-day (unit and local date of submission).
The fpc applies to single-stage designs (each response its own PSU) whose strata have known
sizes: f_h = n_h / N_h with N_h the sum of the volumes of the covered units in stratum h (no
strata: every covered unit; a stratum with a unit of unknown volume: no correction; more
responses than volume: f_h = 1). Not supported, and refused when a round is created: fpc with
PSUs (two-stage) or with strata from the response's ``stratum`` column (no N_h is known).
Single-PSU strata follow the round's ``lonely_psu`` (R's survey.lonely.psu): "adjust" (the
PSU is centred at the full sample's mean of PSU totals, which is zero for linearised ratios),
"certainty" and "remove" (no variance from the stratum), "average" (the mean variance of the
other strata of the domain), "fail" (no estimate: an error naming the stratum).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np

from app.errors import Conflict
from app.models import Round
from app.units.service import UnitTree

VARIANCE_METHOD = (
    "Taylor linearisation of ratios; PSUs with replacement within strata; "
    "single-PSU strata: survey.lonely.psu='{lonely}'"
)
DF_TEXT = "df = PSUs in the domain − strata in the domain (R degf(subset(design, domain)))"
REPLICATE_DF_TEXT = (
    "df = rank of the domain's replicate weights − 1 (R degf(subset(svrepdesign, domain)))"
)
CI_METHODS = {
    "logit": (
        "logit: expit(logit(p) ± t(0.975, df)·SE/(p(1−p))), as R svyciprop(method='xlogit'); "
        "none at p = 0 or 1"
    ),
    "beta": (
        "beta (Korn–Graubard): [qbeta(0.025, n*p, n*(1−p)+1), qbeta(0.975, n*p+1, n*(1−p))], "
        "n* = p(1−p)/SE²·(t(0.975, n−1)/t(0.975, df))², as R svyciprop(method='beta'); "
        "SE 0: p(1−p)/SE² read as n"
    ),
    "wilson": (
        "wilson: score interval at the effective sample size m = p(1−p)/SE² (SE 0: n) with "
        "t(0.975, df): (p + t²/2m ± t·√(p(1−p)/m + t²/4m²))/(1 + t²/m)"
    ),
}
FPC_UNSUPPORTED = {
    "psu": "fpc not applied: the design has PSUs (two-stage fpc is not supported)",
    "column": "fpc not applied: strata from the response's stratum column have no known N_h",
}
CALIBRATION_TEXT = {
    "rake": (
        "calibration-aware: residuals on the raking margins as R's rake() design "
        "(svyrecvar: 10 sweeps of u − category mean)"
    ),
    "calibrate": (
        "calibration-aware: GREG residuals on the raking margins as R's "
        "calibrate(calfun = 'raking', bounds) design"
    ),
    "poststratify": "calibration-aware: residuals on the post-strata as R's postStratify()",
}
RECALIBRATED = {
    "rake": "raked again to the margins (R rake() on the replicate design)",
    "calibrate": "raked again within the bounds (R calibrate(calfun = 'raking', bounds) on "
    "the replicate design)",
    "poststratify": "post-stratified again (R postStratify() on the replicate design)",
}
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
    ci: str = "logit"  # CI_METHODS
    lonely_psu: str = "adjust"  # app.models.round.LONELY_PSU
    # how the active weight set calibrates (app.statistics.calibrated): rake | calibrate |
    # poststratify, set when estimates are made; None: weights taken as fixed
    calibration: str | None = None
    variance: str = "linearisation"  # app.models.round.VARIANCE_METHODS
    replicates: int = 80  # the bootstrap's
    seed: int = 0  # the bootstrap's: the round's id
    # when the stored replicate factors the SEs use were built (app.statistics.replicate_store)
    replicates_as_of: datetime | None = None

    @classmethod
    def of(cls, round_: Round, timezone: str) -> Design:
        return cls(
            weighting=round_.weighting,
            strata=round_.design_strata,
            psu=round_.design_psu,
            fpc=bool(round_.design_fpc)
            and fpc_unsupported(round_.design_strata, round_.design_psu) is None,
            fpc_requested=bool(round_.design_fpc),
            timezone=timezone,
            ci=round_.design_ci or "logit",
            lonely_psu=round_.design_lonely_psu or "adjust",
            variance=round_.design_variance or "linearisation",
            replicates=round_.design_replicates or 80,
            seed=round_.id or 0,
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

    def variance_text(self) -> str:
        """How the standard errors are computed, as every report and export states it."""
        if self.variance in REPLICATE_TEXT:
            text = REPLICATE_TEXT[self.variance].format(replicates=self.replicates, seed=self.seed)
            again = f"; each replicate {RECALIBRATED[self.calibration]}" if self.calibration else ""
            return f"{text}{again}; variance scale·Σ rscale·(θ_r − θ̄)² (R svrVar, mse = FALSE)"
        found = VARIANCE_METHOD.format(lonely=self.lonely_psu)
        return found + (f"; {CALIBRATION_TEXT[self.calibration]}" if self.calibration else "")

    def df_text(self) -> str:
        return DF_TEXT if self.variance == "linearisation" else REPLICATE_DF_TEXT

    def describe(self) -> dict[str, object]:
        unsupported = fpc_unsupported(self.strata, self.psu) if self.fpc_requested else None
        return {
            "weighting": self.weighting,
            "strata": self.strata,
            "psu": self.psu,
            "fpc": self.fpc,
            "fpc_note": unsupported,
            "lonely_psu": self.lonely_psu,
            "variance": self.variance,
            "variance_method": self.variance_text(),
            "ci": self.ci,
            "ci_method": f"{CI_METHODS[self.ci]}; {self.df_text()}",
            "df_method": self.df_text(),
            "deff_method": DEFF_METHOD,
            "replicates_as_of": self.replicates_as_of,
        }


REPLICATE_TEXT = {
    "jk1": "replicate weights: JK1 jackknife (one replicate per PSU; R as.svrepdesign(type='JK1'))",
    "jkn": "replicate weights: JKn jackknife (one replicate per PSU within strata; R "
    "as.svrepdesign(type='JKn'))",
    "bootstrap": "replicate weights: Rao–Wu bootstrap, {replicates} replicates, seed {seed} "
    "(numpy default_rng; R svrepdesign(type='bootstrap') with the exported factors)",
}


def fpc_unsupported(strata: str | None, psu: str | None) -> str | None:
    """Why the fpc cannot apply to a design (None: it can)."""
    if psu is not None:
        return FPC_UNSUPPORTED["psu"]
    if strata == "column":
        return FPC_UNSUPPORTED["column"]
    return None


PART_SEP = "\x1f"  # between a split cell's stratum key and its category (a bound parameter)


def split_key(skey: str) -> tuple[str, str | None]:
    """(stratum key, category) of a cell's key: None for cells of no split, '' for responses
    that did not answer the question split by."""
    stratum, sep, part = skey.partition(PART_SEP)
    return (stratum, part[1:]) if sep else (stratum, None)


class LonelyStratum(Conflict):
    """A domain holds a stratum with one PSU and the round's lonely_psu is 'fail'."""

    code = "lonely_psu"


@dataclass(frozen=True)
class Strata:
    """The strata of a set of cells (unit, stratum key) and their variance factors."""

    of_cell: np.ndarray  # stratum number of every cell
    scale: np.ndarray  # per stratum: c_h = (1 − f_h)·n_h/(n_h − 1), multiplies Σ_j z_hj²
    centre: np.ndarray  # per stratum: c_h/n_h, multiplies (Σ_j z_hj)²; 0 for a single PSU
    numbers: dict[object, int]  # stratum label -> number
    lonely: np.ndarray  # per stratum: a single PSU in the whole sample (not a census)
    lonely_psu: str = "adjust"  # the design's rule for them
    names: dict[int, str] = field(default_factory=dict)  # of the single-PSU strata

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
        them all, as R's ``subset`` keeps them); ``volumes``: of every covered unit."""
        numbers: dict[object, int] = {}
        stratum = _stratum_numbers(design, tree, cells, numbers)
        per_stratum = np.zeros(len(numbers))
        np.add.at(per_stratum, stratum, psus)
        remaining = _remaining(design, tree, per_stratum, numbers, volumes)
        remaining[remaining < 1e-7] = 0.0  # a census stratum: no variance (as R)
        several = per_stratum > 1
        # a single PSU: its square counts under "adjust"; "average" replaces it afterwards
        alone = remaining if design.lonely_psu == "adjust" else np.zeros_like(remaining)
        scale = np.where(several, remaining * per_stratum / np.maximum(per_stratum - 1, 1), alone)
        centre = np.where(several, scale / np.maximum(per_stratum, 1), 0.0)
        lonely = (per_stratum == 1) & (remaining > 0)
        names = {n: _name(label, tree) for label, n in numbers.items() if lonely[n]}
        return cls(stratum, scale, centre, numbers, lonely, design.lonely_psu, names)

    def lonely_factor(self, present: np.ndarray) -> float:
        """R's onestage(): under "average" strata with a single PSU add nothing and the sum is
        scaled by (strata present)/(present strata with several PSUs), NaN when there is
        none; under "fail" a present single-PSU stratum refuses the estimate. ``present``:
        per stratum, whether the domain has rows in it."""
        alone = present & self.lonely
        if not alone.any() or self.lonely_psu not in ("average", "fail"):
            return 1.0
        if self.lonely_psu == "fail":
            label = self.names.get(int(np.flatnonzero(alone)[0]), "?")
            raise LonelyStratum(
                f"stratum {label} has only one PSU and the round's lonely_psu is 'fail': "
                "choose adjust, average, certainty or remove to report it"
            )
        several = int((present & ~self.lonely).sum())
        return float(present.sum()) / several if several else math.nan

    def numbers_of(
        self, design: Design, tree: UnitTree, cells: Sequence[tuple[int, str]]
    ) -> np.ndarray:
        """The stratum numbers of other cells of the same sample (e.g. split by category)."""
        return _stratum_numbers(design, tree, cells, dict(self.numbers))


def _remaining(
    design: Design,
    tree: UnitTree,
    per_stratum: np.ndarray,
    numbers: dict[object, int],
    volumes: Mapping[int, int | None],
) -> np.ndarray:
    """1 − f_h per stratum: f_h = n_h/N_h, N_h the covered units' volumes (all known)."""
    remaining = np.ones(len(per_stratum))
    if not design.fpc:
        return remaining
    known: dict[int, float] = {}
    unknown: set[int] = set()
    units = list(volumes)
    labels = _stratum_numbers(design, tree, [(u, "") for u in units], {**numbers})
    for unit, h in zip(units, labels, strict=True):
        volume = volumes[unit]
        if int(h) >= len(per_stratum):
            continue  # a covered unit of a stratum without responses
        if volume is None:
            unknown.add(int(h))
        else:
            known[int(h)] = known.get(int(h), 0.0) + volume
    for h, population in known.items():
        if h not in unknown and population > 0:
            remaining[h] = max(0.0, 1.0 - per_stratum[h] / population)
    return remaining


def _name(label: object, tree: UnitTree) -> str:
    """A stratum's label as people know it: a unit's code, or the stratum column's value."""
    unit = label[1] if isinstance(label, tuple) else label
    if isinstance(unit, int) and unit in tree.by_id:
        return str(tree.by_id[unit].code)
    return "(the whole sample)" if unit == 0 else str(unit)


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
