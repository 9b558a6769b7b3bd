"""The rules of DESIGN.md as pure functions over records.

No file, workbook or Excel object is touched here: readers hand records in,
reports take scores out. The tracker template re-states the same rules as
native formulas; tests prove the two agree through LibreOffice.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace

from .model import (
    Action,
    ActionScore,
    ActionStatus,
    Actual,
    Cause,
    Direction,
    Frequency,
    Health,
    KpiScore,
    KpiStatus,
    Objective,
    ParetoItem,
    Scorecard,
    TargetType,
    Tracker,
    Trend,
    Update,
)

STABLE_SLOPE_SHARE = 0.01  # under 1 % of |target| per period counts as Stable
AT_RISK_LAG_POINTS = 20.0  # % complete this far behind elapsed time is At Risk
VITAL_FEW_SHARE = 0.80
# Ratios are rounded before they meet a threshold, so 4.2 against a target of 4
# is exactly 5 % behind (binary floats say 5.000000000000004 %). The native
# formulas round the same way, which keeps Excel, LibreOffice and Python agreeing.
RATIO_DIGITS = 10
STALE_AFTER_DAYS = {Frequency.WEEKLY: 14, Frequency.BIWEEKLY: 28, Frequency.MONTHLY: 62}


# ------------------------------------------------------------------------ KPIs


def target(target_type: TargetType, target_value: float | None, baseline: float | None) -> float | None:
    """The number to hit; None when an input it needs is missing."""
    if target_value is None:
        return None
    if target_type is TargetType.ABSOLUTE:
        return float(target_value)
    if baseline is None:
        return None
    if target_type is TargetType.PCT_CHANGE:
        return baseline * (1 + target_value / 100)
    return baseline + target_value


def shortfall(direction: Direction, target_: float, actual: float) -> float:
    """How far the actual is short of the target; negative or zero means met."""
    return target_ - actual if direction is Direction.HIGHER else actual - target_


def gap(direction: Direction, target_: float | None, actual: float | None) -> float | None:
    """Gap = −shortfall: negative means behind target."""
    if target_ is None or actual is None:
        return None
    return -shortfall(direction, target_, actual)


def gap_pct(direction: Direction, target_: float | None, actual: float | None) -> float | None:
    """Gap as a fraction of |target| with the sign of the gap; None when target is 0."""
    if target_ is None or actual is None or target_ == 0:
        return None
    return -shortfall(direction, target_, actual) / abs(target_)


def progress(baseline: float | None, target_: float | None, actual: float | None) -> float | None:
    """Share of the planned improvement achieved: (Actual − Baseline) / (Target − Baseline).

    Direction needs no special case: both differences carry the same sign when the
    KPI moves the right way. None without a baseline or actual, or when Target = Baseline.
    """
    if baseline is None or target_ is None or actual is None or target_ == baseline:
        return None
    return round((actual - baseline) / (target_ - baseline), RATIO_DIGITS)


def kpi_status(
    direction: Direction, target_: float | None, actual: float | None, tolerance_pct: float
) -> KpiStatus:
    if actual is None or target_ is None:
        return KpiStatus.NO_DATA
    short = shortfall(direction, target_, actual)
    if short <= 0:
        return KpiStatus.ON_TRACK
    if target_ == 0:
        return KpiStatus.OFF_TRACK  # any shortfall against a zero target
    if round(short / abs(target_), RATIO_DIGITS) <= tolerance_pct / 100:
        return KpiStatus.AT_RISK
    return KpiStatus.OFF_TRACK


def least_squares_slope(values: Sequence[float]) -> float:
    """Slope of values against their order 0, 1, 2, …"""
    n = len(values)
    mean_x = (n - 1) / 2
    mean_y = sum(values) / n
    sxx = sum((i - mean_x) ** 2 for i in range(n))
    sxy = sum((i - mean_x) * (v - mean_y) for i, v in enumerate(values))
    return sxy / sxx


def trend(direction: Direction, target_: float | None, values_oldest_first: Sequence[float]) -> Trend | None:
    """Direction-aware trend of the given actuals; None with fewer than two.

    The slope is judged relative to |target|; with no usable target (missing
    or 0) only an exactly flat series is Stable.
    """
    if len(values_oldest_first) < 2:
        return None
    slope = least_squares_slope(values_oldest_first)
    improvement = slope if direction is Direction.HIGHER else -slope
    if target_:
        relative = round(improvement / abs(target_), RATIO_DIGITS)
        if abs(relative) < STABLE_SLOPE_SHARE:
            return Trend.STABLE
    elif improvement == 0:
        return Trend.STABLE
    return Trend.IMPROVING if improvement > 0 else Trend.DECLINING


def is_stale(frequency: Frequency, latest_period_end: dt.date | None, as_of: dt.date) -> bool:
    """Latest actual older than two reporting periods before As Of (never when no data)."""
    if latest_period_end is None:
        return False
    return latest_period_end < as_of - dt.timedelta(days=STALE_AFTER_DAYS[frequency])


def actuals_in_order(actuals: Iterable[Actual]) -> list[Actual]:
    """Oldest first by Period End; rows break ties, so the lowest row of a date counts last."""
    return sorted(actuals, key=lambda a: (a.period_end, a.row))


def score_kpi(
    objective: Objective,
    actuals: Iterable[Actual],
    as_of: dt.date,
    default_tolerance_pct: float = 5.0,
    trend_periods: int = 3,
) -> KpiScore:
    """Score one KPI from its own actuals up to As Of (others, and later ones, are ignored).

    As Of is a cut-off: an actual whose Period End is after it did not exist on
    that day, so a report for a past date is the report of that day.
    """
    mine = [a for a in actuals_in_order(actuals) if a.kpi_id == objective.kpi_id and a.period_end <= as_of]
    latest = mine[-1] if mine else None
    tgt = target(objective.target_type, objective.target_value, objective.baseline)
    actual = latest.actual if latest else None
    tolerance = objective.tolerance_pct if objective.tolerance_pct is not None else default_tolerance_pct
    status = kpi_status(objective.direction, tgt, actual, tolerance)
    recent = [a.actual for a in mine[-trend_periods:]] if trend_periods >= 1 else []
    kpi_trend = trend(objective.direction, tgt, recent)
    return KpiScore(
        objective=objective,
        target=tgt,
        latest_actual=actual,
        latest_period_end=latest.period_end if latest else None,
        gap=gap(objective.direction, tgt, actual),
        gap_pct=gap_pct(objective.direction, tgt, actual),
        status=status,
        trend=kpi_trend,
        watch=status is KpiStatus.ON_TRACK and kpi_trend is Trend.DECLINING,
        stale=is_stale(objective.frequency, latest.period_end if latest else None, as_of),
        tolerance_pct=tolerance,
        progress=progress(objective.baseline, tgt, actual),
    )


# --------------------------------------------------------------------- actions


def original_due(start: dt.date | None, timeline_weeks: float | None) -> dt.date | None:
    """Start + 7 × weeks, what the Due Date column computes unless typed over.

    Half days round up (1.5 weeks = 10.5 days -> 11), as Excel's ROUND does, not to
    even as Python's round() would; the template's formula is a plain ROUND.
    """
    if start is None or timeline_weeks is None:
        return None
    return start + dt.timedelta(days=math.floor(7 * timeline_weeks + 0.5))


def newest_update(action_id: str, updates: Iterable[Update]) -> Update | None:
    """The newest update of an action by date; on the same date the lower row wins."""
    mine = [u for u in updates if u.action_id == action_id]
    return max(mine, key=lambda u: (u.date, u.row)) if mine else None


def action_health(
    status: ActionStatus,
    pct_complete: float,
    start: dt.date | None,
    due: dt.date | None,
    escalate: bool,
    as_of: dt.date,
) -> Health:
    """First match wins, in the order DESIGN.md gives."""
    if status is ActionStatus.DONE:
        return Health.DONE
    if status is ActionStatus.CANCELLED:
        return Health.CANCELLED
    if due is not None and due < as_of:
        return Health.OVERDUE
    if status is ActionStatus.BLOCKED or escalate:
        return Health.BLOCKED
    if start is not None and start < as_of and status is ActionStatus.NOT_STARTED:
        return Health.LATE_START
    if (start is not None and start > as_of) or status is ActionStatus.NOT_STARTED:
        return Health.NOT_STARTED
    if start is not None and due is not None and due > start:
        elapsed = min(max((as_of - start).days / (due - start).days, 0.0), 1.0)
        if pct_complete < elapsed * 100 - AT_RISK_LAG_POINTS:
            return Health.AT_RISK
    return Health.ON_TRACK


def score_action(action: Action, updates: Iterable[Update], as_of: dt.date) -> ActionScore:
    """Score one action on As Of; updates dated after As Of are ignored (As Of is a cut-off)."""
    update = newest_update(action.action_id, (u for u in updates if u.date <= as_of))
    status = update.status if update and update.status is not None else action.status
    if update and update.pct_complete is not None:
        pct = update.pct_complete
    else:
        pct = action.pct_complete if action.pct_complete is not None else 0.0
    planned = original_due(action.start_date, action.timeline_weeks)
    due = action.due_date_typed or planned
    slip = (due - planned).days if due and planned else 0
    known = [d for d in (action.last_update, update.date if update else None) if d]
    last = max(known) if known else None
    return ActionScore(
        action=action,
        status=status,
        pct_complete=float(pct),
        original_due=planned,
        due_date=due,
        slippage_days=slip,
        health=action_health(status, pct, action.start_date, due, action.escalate, as_of),
        last_update=last,
    )


# ---------------------------------------------------------------------- Pareto


def pareto(causes: Iterable[Cause]) -> list[ParetoItem]:
    """Causes ranked by Weight (missing counts 0), with cumulative share and the vital few.

    Ties keep sheet order. The vital few run up to and including the cause whose
    cumulative share reaches 80 %, plus any cause tied in weight with that one —
    splitting equal weights across the line would be arbitrary.
    """
    ranked = sorted(causes, key=lambda c: (-(c.weight or 0.0), c.row))
    total = sum(max(c.weight or 0.0, 0.0) for c in ranked)
    items: list[ParetoItem] = []
    running = 0.0
    cutoff_weight: float | None = None
    for cause in ranked:
        weight = max(cause.weight or 0.0, 0.0)
        running += weight
        share = weight / total if total else None
        cumulative = running / total if total else None
        if cutoff_weight is None and cumulative is not None and cumulative >= VITAL_FEW_SHARE - 1e-12:
            cutoff_weight = weight
            vital = True
        elif cutoff_weight is None:
            vital = total > 0
        else:
            vital = weight == cutoff_weight and weight > 0
        items.append(ParetoItem(cause, weight, share, cumulative, vital))
    return items


# ------------------------------------------------------------------ whole sheet


def resolve_as_of(tracker: Tracker, as_of: dt.date | None = None) -> dt.date:
    """An explicit date wins, then Settings' As Of Date, then today."""
    return as_of or tracker.settings.as_of or dt.date.today()


def as_it_stood(tracker: Tracker, as_of: dt.date) -> Tracker:
    """The tracker as it stood on As Of: actuals and updates dated after it left out.

    As Of is a cut-off, so a report for a past date is the report that would have
    been made that day. Every other sheet is kept as it is (it carries no dates to
    cut on); the same object comes back when nothing is cut.
    """
    actuals = tuple(a for a in tracker.actuals if a.period_end <= as_of)
    updates = tuple(u for u in tracker.updates if u.date <= as_of)
    if len(actuals) == len(tracker.actuals) and len(updates) == len(tracker.updates):
        return tracker
    return replace(tracker, actuals=actuals, updates=updates)


def score(tracker: Tracker, as_of: dt.date | None = None) -> Scorecard:
    """Score every KPI and action of a tracker on one As Of date.

    The Scorecard's tracker is the tracker as it stood on that date (see
    as_it_stood), so reports built from it never see a later row.
    """
    when = resolve_as_of(tracker, as_of)
    tracker = as_it_stood(tracker, when)
    by_kpi: dict[str, list[Actual]] = defaultdict(list)
    for a in tracker.actuals:
        by_kpi[a.kpi_id].append(a)
    by_action: dict[str, list[Update]] = defaultdict(list)
    for u in tracker.updates:
        by_action[u.action_id].append(u)
    settings = tracker.settings
    kpis = tuple(
        score_kpi(o, by_kpi.get(o.kpi_id, ()), when, settings.tolerance_pct, settings.trend_periods)
        for o in tracker.objectives
    )
    actions = tuple(score_action(a, by_action.get(a.action_id, ()), when) for a in tracker.actions)
    return Scorecard(tracker=tracker, as_of=when, kpis=kpis, actions=actions)


def gaps_without_confirmed_cause(card: Scorecard) -> list[KpiScore]:
    """KPIs behind target (At Risk or Off Track) with no confirmed cause: a finding."""
    confirmed = {c.kpi_id for c in card.tracker.causes if c.confirmed}
    return [
        k for k in card.kpis
        if k.status in (KpiStatus.AT_RISK, KpiStatus.OFF_TRACK) and k.kpi_id not in confirmed
    ]


def causes_without_action(tracker: Tracker) -> list[Cause]:
    """Causes that no corrective action addresses: a finding."""
    addressed = {a.cause_id for a in tracker.actions if a.cause_id}
    return [c for c in tracker.causes if c.cause_id not in addressed]
