"""Key drivers of satisfaction in a round and unit group (a unit's subtree).

Outcome: the instrument's overall question (a rating question outside the elements, in a
section coded 'overall', e.g. HL1) where it has one; else the overall index of each response
(Σ_c a_c · 100·[criterion c satisfied], a_c the aggregation rule's coefficients for a response
that answered every criterion, app.improvement.gain). Predictors: the criteria's ratings.
Complete responses only (listwise: an N/A leaves the response out; a criterion answered N/A by
more than half the responses is left out first, with a warning), each with its design
weight (app.statistics.weighted). Importance: the Shapley (LMG) share of each predictor in the
weighted R² (app.improvement.shapley); with more than MAX_EXACT criteria, the elements' mean
ratings are the predictors instead (``grouped``). Performance: the criterion's design-based
index in the group. A group of more than MAX_RESPONSES responses is analysed on a systematic
1-in-m subsample by response id (design weights kept), so that the work is bounded.
Interval: each importance's 95 % design-based bootstrap interval (app.improvement.bootstrap,
REPLICATES replicates, seeded by the round and unit). Limits: below 10 complete responses per
predictor the shares are unstable (a warning says so) and no interval is given; below k + 2
there is no analysis.
"""

from __future__ import annotations

import numpy as np
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.config import Settings, get_settings
from app.errors import Conflict
from app.forms.registry import Catalogue
from app.forms.schema import Instrument, Question
from app.improvement import bootstrap
from app.improvement.bootstrap import METHOD as INTERVAL_METHOD
from app.improvement.bootstrap import MIN_PSUS, importance_interval
from app.improvement.gain import overall_coefficients
from app.improvement.matrix import MAX_RESPONSES, response_matrix
from app.improvement.schemas import Driver, DriverReport, IntervalInfo
from app.improvement.shapley import MAX_EXACT, shapley, weighted_correlation
from app.reporting.precision import uncertainty
from app.reporting.service import report_target
from app.statistics.design import Design
from app.statistics.load import round_engine

METHOD = (
    "Shapley (LMG) decomposition of the design-weighted least-squares R² of the outcome on "
    "the criteria's ratings; complete responses only"
)
PER_PREDICTOR = 10  # complete responses per predictor below which shares are unstable
MIN_ANSWERED = 0.5  # a criterion answered N/A by more responses than this is left out


def kept_criteria(instrument: Instrument, ratings: np.ndarray) -> np.ndarray:
    """The criteria answered (not N/A) by at least MIN_ANSWERED of the responses: one that
    most respondents could not rate (e.g. feedback handling) would empty the listwise set."""
    if not len(ratings):
        return np.ones(len(instrument.criteria), dtype=bool)
    return np.asarray((~np.isnan(ratings)).mean(axis=0) >= MIN_ANSWERED)


def overall_question(instrument: Instrument) -> Question | None:
    """The overall-satisfaction question: a rating outside the elements in section 'overall'."""
    for section in instrument.sections:
        if section.code == "overall":
            for q in section.items:
                if q.type == "rating" and not q.element and instrument.scale_of(q).satisfied:
                    return q
    return None


def outcome_of(
    instrument: Instrument, ratings: np.ndarray, overall: np.ndarray | None, kept: np.ndarray
) -> np.ndarray:
    """The overall question's rating, else each response's overall index (percent) over the
    criteria kept (those it answered)."""
    if overall is not None:
        return overall
    codes = [q.code for q in instrument.criteria]
    coef = overall_coefficients(
        instrument, {c: 1.0 for c, keep in zip(codes, kept, strict=True) if keep}
    )
    satisfied = np.column_stack(
        [
            np.isin(ratings[:, i], [float(v) for v in instrument.scale_of(q).satisfied])
            for i, q in enumerate(instrument.criteria)
        ]
    )
    return np.asarray(100.0 * satisfied @ np.array([coef.get(c, 0.0) for c in codes]))


def predictors(
    instrument: Instrument, ratings: np.ndarray, kept: np.ndarray
) -> tuple[list[tuple[str, str]], np.ndarray, bool]:
    """(code, element or criterion) of each predictor and their columns (``ratings``: the
    kept criteria's); elements' mean ratings when the criteria are too many for an exact
    decomposition."""
    criteria = [q for q, keep in zip(instrument.criteria, kept, strict=True) if keep]
    if len(criteria) <= MAX_EXACT:
        return [(q.code, "criterion") for q in criteria], ratings, False
    columns, names = [], []
    for element in instrument.elements:
        at = [i for i, q in enumerate(criteria) if q.element == element.code]
        if not at:
            continue
        columns.append(ratings[:, at].mean(axis=1))
        names.append((element.code, "element"))
    return names, np.column_stack(columns), True


def quadrant(
    importance: float, mean_importance: float, performance: float | None, mean_perf: float
) -> str:
    high_i = importance >= mean_importance
    high_p = performance is not None and performance >= mean_perf
    if high_i:
        return "keep_up" if high_p else "fix_first"
    return "possible_overkill" if high_p else "low_priority"


async def key_drivers(
    session: AsyncSession,
    catalogue: Catalogue,
    round_code: str,
    unit_code: str | None,
    principal: Principal | None,
    lang: str = "vi",
    settings: Settings | None = None,
) -> DriverReport:
    """Relative importance of each criterion for the overall measure in a unit's subtree."""
    settings = settings or get_settings()
    target = await report_target(session, catalogue, round_code, unit_code, principal)
    instrument = target.form.instrument
    if instrument.aggregation.is_points:
        raise Conflict(f"{instrument.code} is scored in points: no satisfaction drivers")
    subtree = target.tree.subtree_ids(target.unit.id)
    overall_q = overall_question(instrument)
    codes = [q.code for q in instrument.criteria] + ([overall_q.code] if overall_q else [])
    design = Design.of(target.round, settings.timezone)
    matrix = await response_matrix(
        session, target.round, subtree, codes, design, target.tree, MAX_RESPONSES
    )
    values, weights, step = matrix.values, matrix.weights, matrix.step
    k = len(instrument.criteria)
    ratings = values[:, :k]
    overall = values[:, k] if overall_q else None
    kept = kept_criteria(instrument, ratings)
    warnings = [
        f"{q.code} left out: answered (not N/A) by fewer than {MIN_ANSWERED:.0%} of responses"
        for i, q in enumerate(instrument.criteria)
        if not kept[i]
    ]
    columns = ratings[:, kept]
    complete = ~np.isnan(columns).any(axis=1) & (weights > 0)
    if overall is not None:
        complete &= ~np.isnan(overall)
    outcome = outcome_of(
        instrument, ratings[complete], overall[complete] if overall is not None else None, kept
    )
    names, x, grouped = predictors(instrument, columns[complete], kept)
    n, p = int(complete.sum()), len(names)
    if step > 1:
        warnings.append(
            f"a systematic 1-in-{step} subsample of the responses (by id) was analysed: "
            f"at most {MAX_RESPONSES} are read"
        )
    engine = await round_engine(
        session, target.round, target.form, settings.timezone, target.tree, domains=[subtree]
    )
    domain = engine.domain(subtree)
    figures = domain.elements if grouped else domain.criteria
    labels = {e.code: e.name.get(lang) for e in instrument.elements}
    labels |= {q.code: q.text.get(lang) for q in instrument.criteria}
    if n < p + 2:
        warnings.append(f"only {n} complete responses for {p} predictors: no analysis")
        return DriverReport(
            round=target.round.code,
            unit=target.unit.code,
            outcome=overall_q.code if overall_q else "overall_index",
            method=METHOD,
            n=n,
            predictors=p,
            r2=None,
            grouped=grouped,
            warnings=warnings,
            drivers=[],
        )
    if n < PER_PREDICTOR * p:
        warnings.append(
            f"{n} complete responses for {p} predictors (fewer than {PER_PREDICTOR} each): "
            "the shares are unstable; read them as indicative"
        )
    data = np.column_stack([outcome, x])
    shares = shapley(weighted_correlation(data, weights[complete]))
    psus = matrix.psus[complete]
    seed = (target.round.id, target.unit.id)
    interval = None
    if n >= PER_PREDICTOR * p and len(np.unique(psus)) >= MIN_PSUS:
        strata = matrix.strata[complete]
        replicates = bootstrap.REPLICATES  # read at the call (a test may lower it)
        interval = importance_interval(data, weights[complete], strata, psus, seed, replicates)
    else:
        warnings.append("no interval: too few complete responses or PSUs for the bootstrap")
    r2 = float(shares.sum())
    perf = [uncertainty(figures[c], settings)["index"] for c, _ in names]
    known = [v for v in perf if v is not None]
    mean_perf = float(np.mean(known)) if known else 0.0
    drivers = [
        Driver(
            code=code,
            name=labels[code],
            importance=float(shares[i]),
            ci95=[float(interval.low[i]), float(interval.high[i])] if interval else None,
            share=float(shares[i] / r2) if r2 > 0 else 0.0,
            performance=perf[i],
            quadrant=quadrant(float(shares[i]), r2 / p, perf[i], mean_perf),
        )
        for i, (code, _kind) in enumerate(names)
    ]
    drivers.sort(key=lambda d: (-d.importance, d.code))
    return DriverReport(
        round=target.round.code,
        unit=target.unit.code,
        outcome=overall_q.code if overall_q else "overall_index",
        method=METHOD,
        n=n,
        predictors=p,
        r2=r2,
        grouped=grouped,
        warnings=warnings,
        drivers=drivers,
        interval=IntervalInfo(
            method=INTERVAL_METHOD.format(
                replicates=interval.replicates, round=seed[0], unit=seed[1]
            ),
            replicates=interval.replicates,
            seed=list(seed),
        )
        if interval
        else None,
    )
