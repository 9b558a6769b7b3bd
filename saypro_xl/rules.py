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
    Assurance,
    Cause,
    CauseCategory,
    Direction,
    Effectiveness,
    Escalation,
    EscalationLevel,
    Fishbone,
    Frequency,
    Health,
    KpiScore,
    KpiStatus,
    Objective,
    Pace,
    ParetoItem,
    ProcessLimits,
    Projection,
    Scorecard,
    TargetType,
    Theme,
    Tracker,
    Trend,
    Update,
    Variation,
    Verdict,
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
    start = path_start(objective, mine)
    expected = None
    if start is not None and latest is not None and tgt is not None and objective.target_date is not None:
        expected = expected_value(start[0], start[1], tgt, objective.target_date, latest.period_end)
    limits = process_limits([a.actual for a in mine])
    variation, reason = special_cause(objective.direction, [a.actual for a in mine], limits) if limits else (None, "")
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
        expected=expected,
        pace=pace(objective.direction, tgt, start[0] if start else None, expected, actual, tolerance),
        projection=projection(objective.direction, tgt, objective.target_date,
                              mine[-trend_periods:] if trend_periods >= 1 else []),
        limits=limits,
        variation=variation,
        special_cause=reason,
        assurance=assurance(objective.direction, tgt, limits),
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
    first_kpi: dict[str, KpiScore] = {}
    for k in kpis:
        first_kpi.setdefault(k.kpi_id, k)
    actions = tuple(_judged(a, first_kpi, by_kpi, by_action, settings.trend_periods) for a in actions)
    actions = tuple(replace(a, escalation=escalation(a, by_action.get(a.action_id, ()), when,
                                                     settings.escalate_head_after_days,
                                                     settings.escalate_leadership_after_days))
                    for a in actions)
    return Scorecard(tracker=tracker, as_of=when, kpis=kpis, actions=actions)


def _judged(score_: ActionScore, kpis: dict[str, KpiScore], by_kpi: dict[str, list[Actual]],
            by_action: dict[str, list[Update]], periods: int) -> ActionScore:
    """The action with its effectiveness when it is Done and has a KPI (first KPI of that ID)."""
    if score_.status is not ActionStatus.DONE:
        return score_
    kpi = kpis.get(score_.action.kpi_id)
    if kpi is None:
        return score_
    found = effectiveness(score_, kpi.objective, kpi.target, actuals_in_order(by_kpi.get(kpi.kpi_id, ())),
                          by_action.get(score_.action_id, ()), max(periods, 1), kpi.tolerance_pct)
    return replace(score_, effectiveness=found)


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


# ------------------------------------------------- rules, part two: will we make it?

PROCESS_LIMIT_SIGMAS = 2.66  # XmR: mean ± 2.66 × mean moving range
MIN_XMR_POINTS = 12
RUN_LENGTH = 7  # points on one side of the mean, or rising / falling, for a special cause
EFFECTIVE_SHARE = 0.10  # of the planned improvement |Target − Baseline|


def _better(direction: Direction, difference: float) -> float:
    """A difference turned direction-aware: positive always means better."""
    return difference if direction is Direction.HIGHER else -difference


def path_start(objective: Objective, actuals_oldest_first: Sequence[Actual]) -> tuple[float, dt.date] | None:
    """Start of the expected path: Baseline (else the first actual) on Baseline Date (else its Period End)."""
    first = actuals_oldest_first[0] if actuals_oldest_first else None
    value = objective.baseline if objective.baseline is not None else (first.actual if first else None)
    day = objective.baseline_date or (first.period_end if first else None)
    if value is None or day is None:
        return None
    return value, day


def expected_value(start_value: float, start_date: dt.date, target_: float, target_date: dt.date,
                   day: dt.date) -> float:
    """Where the straight path from the start to the target stands on `day` (flat after the Target Date)."""
    span = (target_date - start_date).days
    share = 1.0 if span <= 0 else min(max((day - start_date).days / span, 0.0), 1.0)
    return start_value + (target_ - start_value) * share


def pace(direction: Direction, target_: float | None, start_value: float | None, expected: float | None,
         actual: float | None, tolerance_pct: float) -> Pace | None:
    """Ahead / On Pace / Behind the expected path, with a band of tolerance % of the planned change."""
    if None in (target_, start_value, expected, actual) or target_ == start_value:
        return None
    band = round(tolerance_pct / 100 * abs(target_ - start_value), RATIO_DIGITS)
    lead = round(_better(direction, actual - expected), RATIO_DIGITS)
    if lead > band:
        return Pace.AHEAD
    if lead < -band:
        return Pace.BEHIND
    return Pace.ON_PACE


def _line(points: Sequence[Actual]) -> tuple[float, float, float] | None:
    """Least-squares (slope per day, mean day, mean value) of value against Period End."""
    xs = [p.period_end.toordinal() for p in points]
    ys = [p.actual for p in points]
    n = len(points)
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mean_x) ** 2 for x in xs)
    if sxx == 0:
        return None
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys)) / sxx
    return slope, mean_x, mean_y


def projection(direction: Direction, target_: float | None, target_date: dt.date | None,
               recent: Sequence[Actual]) -> Projection | None:
    """When the line through the recent actuals (oldest first) reaches the target, judged against Target Date."""
    if target_ is None or len(recent) < 2:
        return None
    if shortfall(direction, target_, recent[-1].actual) <= 0:
        return Projection(None, "target met")
    line = _line(recent)
    if line is None:
        return None
    slope, mean_x, mean_y = line
    if round(_better(direction, slope), 12) <= 0:
        return Projection(None, "not at this rate")
    day = math.floor(mean_x + (target_ - mean_y) / slope + 0.5)
    if not 1 <= day <= dt.date.max.toordinal():
        return Projection(None, "not at this rate")
    when = dt.date.fromordinal(day)
    if target_date is None:
        return Projection(when, f"reaches the target around {when.isoformat()}")
    late = (when - target_date).days
    if late <= 0:
        return Projection(when, f"on course: reaches the target around {when.isoformat()}", True)
    return Projection(when, f"late by {late} days: reaches the target around {when.isoformat()}", False, late)


def process_limits(values: Sequence[float]) -> ProcessLimits | None:
    """XmR limits over all the values: mean ± 2.66 × mean moving range; None under 12 points."""
    if len(values) < MIN_XMR_POINTS:
        return None
    mean = sum(values) / len(values)
    moving = [abs(b - a) for a, b in zip(values, values[1:])]
    mr = sum(moving) / len(moving)
    return ProcessLimits(mean, mr, mean - PROCESS_LIMIT_SIGMAS * mr, mean + PROCESS_LIMIT_SIGMAS * mr, len(values))


def _run_from_end(flags: Sequence[int]) -> tuple[int, int]:
    """(sign, length) of the run of equal non-zero signs that ends the sequence."""
    if not flags or flags[-1] == 0:
        return 0, 0
    length = 0
    for flag in reversed(flags):
        if flag != flags[-1]:
            break
        length += 1
    return flags[-1], length


def special_cause(direction: Direction, values: Sequence[float], limits: ProcessLimits) -> tuple[Variation, str]:
    """The NHS 'Making Data Count' reading of the latest point; the first test that fires wins.

    A point exactly on the mean breaks a run on one side; an unchanged value breaks a rising
    or falling run.
    """
    latest = values[-1]
    side = 0
    reason = ""
    if latest > limits.upper or latest < limits.lower:
        side, reason = (1 if latest > limits.upper else -1), "outside the process limits"
    if not side:
        sign, length = _run_from_end([(v > limits.mean) - (v < limits.mean) for v in values])
        if length >= RUN_LENGTH:
            side, reason = sign, f"{length} points in a row {'above' if sign > 0 else 'below'} the mean"
    if not side:
        steps = [(b > a) - (b < a) for a, b in zip(values, values[1:])]
        sign, length = _run_from_end(steps)
        if length + 1 >= RUN_LENGTH:
            side, reason = sign, f"{length + 1} points in a row {'rising' if sign > 0 else 'falling'}"
    if not side:
        high = limits.mean + 2 / 3 * (limits.upper - limits.mean)
        low = limits.mean - 2 / 3 * (limits.mean - limits.lower)
        last3 = values[-3:]
        for sign, beyond in ((1, lambda v: v > high), (-1, lambda v: v < low)):
            if beyond(latest) and sum(1 for v in last3 if beyond(v)) >= 2:
                side, reason = sign, "2 of the last 3 points near a process limit"
    if not side:
        return Variation.COMMON, ""
    good = side > 0 if direction is Direction.HIGHER else side < 0
    return (Variation.IMPROVEMENT if good else Variation.CONCERN), reason


def assurance(direction: Direction, target_: float | None, limits: ProcessLimits | None) -> Assurance | None:
    """Can the process as it runs meet the target? Compares the target with the process limits."""
    if target_ is None or limits is None:
        return None
    if direction is Direction.HIGHER:
        if target_ > limits.upper:
            return Assurance.FAILING
        if target_ <= limits.lower:
            return Assurance.PASSING
    else:
        if target_ < limits.lower:
            return Assurance.FAILING
        if target_ >= limits.upper:
            return Assurance.PASSING
    return Assurance.HIT_AND_MISS


def completion_date(score: ActionScore, updates: Iterable[Update]) -> dt.date | None:
    """When a Done action finished: the newest update that set it Done, else Last Update, else Due Date."""
    done = [u for u in updates if u.action_id == score.action_id and u.status is ActionStatus.DONE]
    if done:
        return max(done, key=lambda u: (u.date, u.row)).date
    return score.action.last_update or score.due_date


def effectiveness(score: ActionScore, objective: Objective, target_: float | None,
                  actuals_oldest_first: Sequence[Actual], updates: Iterable[Update],
                  periods: int, tolerance_pct: float) -> Effectiveness | None:
    """Did a finished action move its KPI? Mean of N actuals after completion against N before the start."""
    if score.status is not ActionStatus.DONE or target_ is None:
        return None
    completed = completion_date(score, updates)
    if completed is None:
        return None
    start = score.action.start_date or completed
    before = [a.actual for a in actuals_oldest_first if a.period_end < start][-periods:]
    after = [a.actual for a in actuals_oldest_first if a.period_end > completed][:periods]
    if objective.baseline is not None:
        threshold = EFFECTIVE_SHARE * abs(target_ - objective.baseline)
    else:
        threshold = tolerance_pct / 100 * abs(target_)
    before_mean = sum(before) / len(before) if before else None
    after_mean = sum(after) / len(after) if after else None
    if not before or len(after) < periods:
        verdict = Verdict.NO_BASELINE if not before else Verdict.TOO_EARLY
        return Effectiveness(verdict, completed, before_mean, after_mean, None, threshold, len(before), len(after))
    change = round(_better(objective.direction, after_mean - before_mean), RATIO_DIGITS)
    bar = round(threshold, RATIO_DIGITS)
    if bar == 0:  # nothing planned to move: any real change in the right direction counts
        verdict = Verdict.EFFECTIVE if change > 0 else Verdict.WORSE if change < 0 else Verdict.NO_CLEAR_CHANGE
    elif change >= bar:
        verdict = Verdict.EFFECTIVE
    elif change <= -bar:
        verdict = Verdict.WORSE
    else:
        verdict = Verdict.NO_CLEAR_CHANGE
    return Effectiveness(verdict, completed, before_mean, after_mean, change, threshold, len(before), len(after))


# --------------------------------------------- themes and the escalation ladder

NOT_CATEGORISED = "Not categorised"


def blocked_since(score_: ActionScore, updates: Iterable[Update]) -> dt.date | None:
    """The date of the newest update that set the action Blocked, else its Last Update."""
    blocked = [u for u in updates if u.action_id == score_.action_id and u.status is ActionStatus.BLOCKED]
    if blocked:
        return max(blocked, key=lambda u: (u.date, u.row)).date
    return score_.action.last_update


def escalation(score_: ActionScore, updates: Iterable[Update], as_of: dt.date,
               head_after_days: int = 7, leadership_after_days: int = 14) -> Escalation | None:
    """Who must hear about an open action: Escalate = Yes goes to leadership; an overdue or blocked
    action goes to its owner, then its department head, then leadership as the days add up."""
    if score_.status in (ActionStatus.DONE, ActionStatus.CANCELLED):
        return None
    if score_.health is Health.OVERDUE and score_.due_date is not None:
        days, reason = (as_of - score_.due_date).days, "overdue"
    elif score_.health is Health.BLOCKED and score_.status is ActionStatus.BLOCKED:
        since = blocked_since(score_, updates)
        days, reason = (max((as_of - since).days, 0) if since else 0), "blocked"
    elif score_.action.escalate:
        days, reason = 0, "flagged Escalate"
    else:
        return None
    if score_.action.escalate:
        return Escalation(EscalationLevel.LEADERSHIP, days, reason if reason == "flagged Escalate"
                          else f"{reason}, flagged Escalate")
    if days < head_after_days:
        level = EscalationLevel.OWNER
    elif days < leadership_after_days:
        level = EscalationLevel.HEAD
    else:
        level = EscalationLevel.LEADERSHIP
    return Escalation(level, days, reason)


def theme_shares(kpis: Sequence[KpiScore], causes: Iterable[Cause], by: str = "category") -> list[Theme]:
    """The common themes across gaps: each KPI behind target with confirmed causes is one gap,
    shared among its confirmed causes by Weight (equally when none has a weight); a theme's share
    is the sum of its parts over the number of such gaps. Largest first; ties keep list order."""
    return themes_across([(kpis, causes)], by)


def themes_across(trackers: Sequence[tuple[Sequence[KpiScore], Iterable[Cause]]], by: str = "category") -> list[Theme]:
    """theme_shares over several trackers at once (a batch): a KPI ID names a gap within its own
    tracker only, so two trackers' K1 are two gaps."""
    gaps: list[tuple[str, list[Cause]]] = []  # (department, confirmed causes) per gap
    for kpis, causes in trackers:
        behind = {k.kpi_id: k for k in kpis if k.status in (KpiStatus.AT_RISK, KpiStatus.OFF_TRACK)}
        confirmed: dict[str, list[Cause]] = defaultdict(list)
        for cause in causes:
            if cause.confirmed and cause.kpi_id in behind:
                confirmed[cause.kpi_id].append(cause)
        gaps += [(behind[kpi_id].objective.department.strip() or "(No department)", confirmed[kpi_id])
                 for kpi_id in behind if confirmed.get(kpi_id)]
    if not gaps:
        return []
    order = [m.value for m in (CauseCategory if by == "category" else Fishbone)] + [NOT_CATEGORISED]
    parts: dict[str, float] = defaultdict(float)
    departments: dict[str, list[str]] = defaultdict(list)
    for dept, mine in gaps:
        weights = [max(c.weight or 0.0, 0.0) for c in mine]
        total = sum(weights)
        for cause, weight in zip(mine, weights):
            value = cause.category if by == "category" else cause.fishbone
            name = value.value if value is not None else NOT_CATEGORISED
            parts[name] += weight / total if total else 1 / len(mine)
            if dept not in departments[name]:
                departments[name].append(dept)
    themes = [Theme(name, round(parts[name] / len(gaps), RATIO_DIGITS), tuple(departments[name]), len(gaps))
              for name in order if name in parts]
    return sorted(themes, key=lambda t: -t.share)
