"""Rules, part two (DESIGN.md): expected path and pace, projection, XmR signals, assurance,
effectiveness. Every expected value is worked out by hand in the comments."""

from __future__ import annotations

import datetime as dt

import pytest

from saypro_xl import rules
from saypro_xl.model import (
    Action, ActionStatus, Actual, Assurance, Direction, Frequency, Objective, Pace, Settings, TargetType,
    Tracker, Update, Variation, Verdict,
)

HIGHER, LOWER = Direction.HIGHER, Direction.LOWER
D = dt.date


def objective(direction=HIGHER, baseline=50.0, target=100.0, baseline_date=None, target_date=None, kpi_id="K1"):
    return Objective(kpi_id, "Ops", "KPI", "", direction, baseline, TargetType.ABSOLUTE, target,
                     frequency=Frequency.WEEKLY, baseline_date=baseline_date, target_date=target_date)


def actuals(kpi_id: str, start: dt.date, values, step_days: int = 7) -> tuple[Actual, ...]:
    return tuple(Actual(kpi_id, start + dt.timedelta(days=step_days * i), float(v), row=i + 2)
                 for i, v in enumerate(values))


# ------------------------------------------------------------ expected path and pace


def test_expected_value_runs_straight_from_start_to_target():
    # 50 on 1 Jan to 100 on 1 May (120 days): on 2 March (60 days) halfway, 75.
    assert rules.expected_value(50, D(2025, 1, 1), 100, D(2025, 5, 1), D(2025, 3, 2)) == 75
    assert rules.expected_value(50, D(2025, 1, 1), 100, D(2025, 5, 1), D(2025, 6, 30)) == 100  # after: target
    assert rules.expected_value(50, D(2025, 1, 1), 100, D(2025, 5, 1), D(2024, 12, 1)) == 50  # before: start


@pytest.mark.parametrize("actual, expected_pace", [
    (78.0, Pace.AHEAD),  # 3 above the path, band 5 % × 50 = 2.5
    (77.5, Pace.ON_PACE),  # exactly the band: not more than it
    (72.5, Pace.ON_PACE),
    (72.0, Pace.BEHIND),  # 3 short of 75
])
def test_pace_higher_is_better(actual, expected_pace):
    assert rules.pace(HIGHER, 100.0, 50.0, 75.0, actual, 5.0) is expected_pace


def test_pace_lower_is_better_target_zero():
    # The seeds' production delay: 14 days on 28 Mar, 0 by 23 May (56 days); on 25 Apr (28 days)
    # the path is at 7; band 5 % × 14 = 0.7; 9 days is 2 worse: Behind. 6 days is 1 better: Ahead.
    kpi = objective(LOWER, 14.0, 0.0, D(2025, 3, 28), D(2025, 5, 23))
    series = (Actual("K1", D(2025, 4, 4), 11.0), Actual("K1", D(2025, 4, 25), 9.0))
    score = rules.score_kpi(kpi, series, D(2025, 4, 25))
    assert score.expected == pytest.approx(7.0)
    assert score.pace is Pace.BEHIND
    better = rules.score_kpi(kpi, (Actual("K1", D(2025, 4, 25), 6.0),), D(2025, 4, 25))
    assert better.pace is Pace.AHEAD


def test_pace_without_baseline_starts_at_the_first_actual():
    # First actual 60 on 6 Jan; target 100 on 3 Mar (56 days); latest 3 Feb (28 days): path 80.
    kpi = objective(HIGHER, None, 100.0, None, D(2025, 3, 3))
    score = rules.score_kpi(kpi, actuals("K1", D(2025, 1, 6), [60, 70, 75, 78, 79]), D(2025, 3, 1))
    assert score.expected == pytest.approx(80.0)
    assert score.pace is Pace.ON_PACE  # 79 is 1 short; band 5 % × 40 = 2


def test_pace_is_blank_without_target_date_actuals_or_planned_change():
    series = actuals("K1", D(2025, 1, 6), [60, 70])
    assert rules.score_kpi(objective(), series, D(2025, 3, 1)).pace is None  # no Target Date
    assert rules.score_kpi(objective(target_date=D(2025, 5, 1)), (), D(2025, 3, 1)).pace is None
    flat = objective(HIGHER, 100.0, 100.0, D(2025, 1, 1), D(2025, 5, 1))  # target = start
    assert rules.score_kpi(flat, series, D(2025, 3, 1)).pace is None


def test_pace_after_the_target_date_compares_with_the_target():
    kpi = objective(HIGHER, 50.0, 100.0, D(2025, 1, 1), D(2025, 2, 1))
    score = rules.score_kpi(kpi, (Actual("K1", D(2025, 3, 1), 96.0),), D(2025, 3, 1))
    assert score.expected == 100.0 and score.pace is Pace.BEHIND  # 4 short, band 2.5


# -------------------------------------------------------------------- projection


def test_projection_reaches_the_target_on_course_or_late():
    # 70, 75, 80 on days 0, 7, 14: 5 per week. From the mean (day 7, 75) to 100 takes 25 / (5/7) = 35
    # days: day 42.
    series = actuals("K1", D(2025, 1, 6), [70, 75, 80])
    reach = D(2025, 1, 6) + dt.timedelta(days=42)
    on_course = rules.projection(HIGHER, 100.0, reach, series)
    assert (on_course.projected_date, on_course.on_course, on_course.days_late) == (reach, True, None)
    assert on_course.text == f"on course: reaches the target around {reach.isoformat()}"
    late = rules.projection(HIGHER, 100.0, reach - dt.timedelta(days=2), series)
    assert (late.projected_date, late.on_course, late.days_late) == (reach, False, 2)
    assert late.text.startswith("late by 2 days")
    undated = rules.projection(HIGHER, 100.0, None, series)
    assert undated.projected_date == reach and undated.on_course is None


def test_projection_rounds_to_the_nearest_day():
    # Target 100.5: 25.5 / (5/7) = 35.7 days after day 7 → day 42.7 → day 43.
    series = actuals("K1", D(2025, 1, 6), [70, 75, 80])
    assert rules.projection(HIGHER, 100.5, None, series).projected_date == D(2025, 1, 6) + dt.timedelta(days=43)


def test_projection_lower_is_better():
    # 10, 9, 8 weekly, target 5: 1 a week down; from (day 7, 9) to 5 is 4 weeks: day 35.
    series = actuals("K1", D(2025, 1, 6), [10, 9, 8])
    assert rules.projection(LOWER, 5.0, None, series).projected_date == D(2025, 1, 6) + dt.timedelta(days=35)


def test_projection_of_a_slow_improvement_trend_calls_stable():
    # 500, 501, 502 weekly against 1000: 0.1 % of the target a period is Stable, but it is improving:
    # 499 / (1/7) = 3,493 days after day 7 → day 3,500.
    series = actuals("K1", D(2025, 1, 6), [500, 501, 502])
    assert rules.trend(HIGHER, 1000.0, [500, 501, 502]).value == "Stable"
    assert rules.projection(HIGHER, 1000.0, None, series).projected_date == D(2025, 1, 6) + dt.timedelta(days=3500)


@pytest.mark.parametrize("values, text", [
    ([70, 70, 70], "not at this rate"),  # flat
    ([80, 75, 70], "not at this rate"),  # moving away
    ([90, 95, 100], "target met"),
])
def test_no_projected_date(values, text):
    found = rules.projection(HIGHER, 100.0, D(2025, 6, 1), actuals("K1", D(2025, 1, 6), values))
    assert (found.projected_date, found.text) == (None, text)


def test_projection_needs_two_points_on_different_days():
    assert rules.projection(HIGHER, 100.0, None, actuals("K1", D(2025, 1, 6), [70])) is None
    same_day = (Actual("K1", D(2025, 1, 6), 70.0), Actual("K1", D(2025, 1, 6), 75.0))
    assert rules.projection(HIGHER, 100.0, None, same_day) is None


# ---------------------------------------------------------------- XmR and assurance

STEADY = [10, 12, 11, 13, 12, 11, 10, 12, 11, 13, 12, 11]


def test_process_limits_by_hand():
    # mean 138 / 12 = 11.5; moving ranges 2,1,2,1,1,1,2,1,2,1,1 → 15 / 11; limits 11.5 ± 2.66 × 15/11.
    limits = rules.process_limits(STEADY)
    assert limits.mean == pytest.approx(11.5)
    assert limits.mean_moving_range == pytest.approx(15 / 11)
    assert limits.upper == pytest.approx(11.5 + 2.66 * 15 / 11)
    assert limits.lower == pytest.approx(11.5 - 2.66 * 15 / 11)
    assert rules.process_limits(STEADY[:11]) is None  # fewer than 12 points


def test_common_cause():
    assert rules.special_cause(HIGHER, STEADY, rules.process_limits(STEADY)) == (Variation.COMMON, "")


def test_outside_the_limits_is_improvement_or_concern_by_direction():
    # Last point 20: mean 147 / 12 = 12.25, moving ranges sum 22 → 2; upper 12.25 + 5.32 = 17.57 < 20.
    values = STEADY[:-1] + [20]
    limits = rules.process_limits(values)
    assert limits.upper == pytest.approx(17.57)
    assert rules.special_cause(HIGHER, values, limits) == (Variation.IMPROVEMENT, "outside the process limits")
    assert rules.special_cause(LOWER, values, limits) == (Variation.CONCERN, "outside the process limits")


def test_a_run_of_seven_above_the_mean():
    # Mean 31 / 12 = 2.583; mR 12 / 11; upper 5.49: the last 3 is inside, 7 in a row above the mean.
    values = [1, 2, 1, 2, 1, 3, 4, 3, 4, 3, 4, 3]
    variation, reason = rules.special_cause(HIGHER, values, rules.process_limits(values))
    assert (variation, reason) == (Variation.IMPROVEMENT, "7 points in a row above the mean")


def test_a_run_of_rising_points():
    # Mean 53.2 / 12 = 4.433; mR 14.2 / 11; upper 7.87: 5.2 is inside, 4 above the mean; the last
    # 7 steps rise (3 → 4.0 → … → 5.2): 8 points. Lower is better, so rising is a concern.
    values = [3, 6, 3, 6, 3, 4.0, 4.2, 4.4, 4.6, 4.8, 5.0, 5.2]
    variation, reason = rules.special_cause(LOWER, values, rules.process_limits(values))
    assert (variation, reason) == (Variation.CONCERN, "8 points in a row rising")


def test_two_of_three_near_a_limit():
    # Sum 145.5, mean 12.125; mR 15.5 / 11 = 1.409; upper 15.873; two-thirds line 14.624.
    # 15 and 15.5 are beyond it, inside the limit; only 3 above the mean, 4 rising.
    values = [10, 12, 11, 13, 12, 11, 10, 12, 11, 13, 15, 15.5]
    variation, reason = rules.special_cause(HIGHER, values, rules.process_limits(values))
    assert (variation, reason) == (Variation.IMPROVEMENT, "2 of the last 3 points near a process limit")


@pytest.mark.parametrize("direction, target, expected", [
    (HIGHER, 16.0, Assurance.FAILING),  # above the upper limit 15.13: no value in range meets it
    (HIGHER, 7.0, Assurance.PASSING),  # below the lower limit 7.87
    (HIGHER, 12.0, Assurance.HIT_AND_MISS),
    (LOWER, 7.0, Assurance.FAILING),
    (LOWER, 16.0, Assurance.PASSING),
    (LOWER, 12.0, Assurance.HIT_AND_MISS),
])
def test_assurance(direction, target, expected):
    assert rules.assurance(direction, target, rules.process_limits(STEADY)) is expected


def test_variation_on_the_score_needs_twelve_actuals():
    kpi = objective(HIGHER, None, 16.0)
    few = rules.score_kpi(kpi, actuals("K1", D(2025, 1, 6), STEADY[:11]), D(2025, 6, 1))
    assert (few.limits, few.variation, few.assurance) == (None, None, None)
    full = rules.score_kpi(kpi, actuals("K1", D(2025, 1, 6), STEADY), D(2025, 6, 1))
    assert (full.variation, full.assurance) == (Variation.COMMON, Assurance.FAILING)


# ------------------------------------------------------------------ effectiveness


def _tracker(action_status=ActionStatus.DONE, after=(70, 71, 72), direction=HIGHER, baseline=50.0,
             target=100.0, updates=None, last_update=None):
    # Three weeks before the start (3 Mar): 60, 61, 62. Done on 20 Mar. Weekly after: `after`.
    before = [Actual("K1", D(2025, 2, 10) + dt.timedelta(days=7 * i), v, row=i + 2)
              for i, v in enumerate((60.0, 61.0, 62.0))]
    later = [Actual("K1", D(2025, 3, 24) + dt.timedelta(days=7 * i), float(v), row=i + 10)
             for i, v in enumerate(after)]
    action = Action("A1", "C1", "K1", "Ops", "Fix it", start_date=D(2025, 3, 3), timeline_weeks=2,
                    status=action_status, last_update=last_update, row=2)
    done = (Update(D(2025, 3, 20), "A1", status=ActionStatus.DONE, pct_complete=100.0, row=2),)
    return Tracker(Settings(tolerance_pct=5.0, trend_periods=3),
                   objectives=(objective(direction, baseline, target),), actuals=tuple(before + later),
                   actions=(action,), updates=done if updates is None else updates)


def _judge(tracker, as_of=D(2025, 6, 1)):
    return rules.score(tracker, as_of).actions[0].effectiveness


def test_effective():
    # Before 60, 61, 62 → 61; after 70, 71, 72 → 71; +10 against 10 % of |100 − 50| = 5.
    found = _judge(_tracker())
    assert (found.verdict, found.completed, found.before_mean, found.after_mean, found.change, found.threshold) == (
        Verdict.EFFECTIVE, D(2025, 3, 20), 61.0, 71.0, 10.0, 5.0)


@pytest.mark.parametrize("after, verdict", [
    ((64, 64, 64), Verdict.NO_CLEAR_CHANGE),  # +3 < 5
    ((66, 66, 66), Verdict.EFFECTIVE),  # +5: on the threshold counts
    ((56, 56, 56), Verdict.WORSE),  # −5
    ((70, 71), Verdict.TOO_EARLY),  # only 2 of the 3 periods after
])
def test_verdicts(after, verdict):
    assert _judge(_tracker(after=after)).verdict is verdict


def test_too_early_when_the_later_actuals_are_after_as_of():
    assert _judge(_tracker(), as_of=D(2025, 4, 1)).verdict is Verdict.TOO_EARLY  # only 24 and 31 March


def test_no_data_before_the_start():
    tracker = _tracker()
    late_only = tuple(a for a in tracker.actuals if a.period_end > D(2025, 3, 3))
    from dataclasses import replace

    assert _judge(replace(tracker, actuals=late_only)).verdict is Verdict.NO_BASELINE


def test_lower_is_better_without_a_baseline_uses_tolerance_of_target():
    # Target 50 lower-is-better, no baseline: threshold 5 % × 50 = 2.5. Before mean 61, after 57
    # → 4 better: Effective.
    found = _judge(_tracker(direction=LOWER, baseline=None, target=50.0, after=(57, 57, 57)))
    assert (found.verdict, found.change, found.threshold) == (Verdict.EFFECTIVE, 4.0, 2.5)


def test_completion_date_falls_back_to_last_update_then_due():
    tracker = _tracker(updates=(), last_update=D(2025, 3, 18))
    assert _judge(tracker).completed == D(2025, 3, 18)
    assert _judge(_tracker(updates=())).completed == D(2025, 3, 17)  # due: 3 Mar + 2 weeks


def test_open_actions_are_not_judged():
    assert _judge(_tracker(action_status=ActionStatus.IN_PROGRESS, updates=())) is None
