"""Every branch of the rules in DESIGN.md, with hand-computed numbers."""

import datetime as dt

import pytest
from hypothesis import given, strategies as st

from saypro_xl import rules
from saypro_xl.model import (
    Action,
    ActionStatus,
    Actual,
    Cause,
    Direction,
    Frequency,
    Health,
    KpiStatus,
    Objective,
    Settings,
    TargetType,
    Tracker,
    Trend,
    Update,
)

D = dt.date
HIGHER, LOWER = Direction.HIGHER, Direction.LOWER


# --------------------------------------------------------------------- target


@pytest.mark.parametrize(
    "kind, value, baseline, expected",
    [
        (TargetType.ABSOLUTE, 40, None, 40.0),
        (TargetType.ABSOLUTE, 40, 10, 40.0),
        (TargetType.PCT_CHANGE, 15, 20, 23.0),
        (TargetType.PCT_CHANGE, -30, 10, 7.0),
        (TargetType.CHANGE, -2, 3, 1.0),
        (TargetType.CHANGE, 5, 0, 5.0),
    ],
)
def test_target_by_type(kind, value, baseline, expected):
    assert rules.target(kind, value, baseline) == pytest.approx(expected)


def test_relative_target_without_baseline_is_unknown():
    assert rules.target(TargetType.PCT_CHANGE, 15, None) is None
    assert rules.target(TargetType.CHANGE, 15, None) is None
    assert rules.target(TargetType.ABSOLUTE, None, 5) is None


# ------------------------------------------------------------ gap and status


def test_gap_higher_is_better_behind():
    assert rules.gap(HIGHER, 20, 17) == -3
    assert rules.gap_pct(HIGHER, 20, 17) == pytest.approx(-0.15)


def test_gap_lower_is_better_behind():
    # response time 5 h against a 4 h target: 1 h behind, 25 %
    assert rules.gap(LOWER, 4, 5) == -1
    assert rules.gap_pct(LOWER, 4, 5) == pytest.approx(-0.25)


def test_gap_ahead_is_positive():
    assert rules.gap(LOWER, 4, 3) == 1
    assert rules.gap_pct(HIGHER, 10, 12) == pytest.approx(0.2)


def test_gap_pct_blank_when_target_zero_and_uses_abs_target():
    assert rules.gap_pct(LOWER, 0, 2) is None
    assert rules.gap_pct(HIGHER, -10, -12) == pytest.approx(-0.2)


@pytest.mark.parametrize(
    "direction, target, actual, tolerance, expected",
    [
        (HIGHER, 20, None, 5, KpiStatus.NO_DATA),
        (HIGHER, None, 3, 5, KpiStatus.NO_DATA),
        (HIGHER, 20, 20, 5, KpiStatus.ON_TRACK),
        (HIGHER, 20, 25, 5, KpiStatus.ON_TRACK),
        (HIGHER, 20, 19, 5, KpiStatus.AT_RISK),  # exactly 5 % short: within tolerance
        (HIGHER, 20, 18.9, 5, KpiStatus.OFF_TRACK),
        (LOWER, 4, 4.2, 5, KpiStatus.AT_RISK),
        (LOWER, 4, 4.21, 5, KpiStatus.OFF_TRACK),
        (LOWER, 4, 3, 5, KpiStatus.ON_TRACK),
        (LOWER, 0, 0.001, 50, KpiStatus.OFF_TRACK),  # any shortfall against zero
        (LOWER, 0, 0, 5, KpiStatus.ON_TRACK),
        (HIGHER, 20, 15, 30, KpiStatus.AT_RISK),
    ],
)
def test_status(direction, target, actual, tolerance, expected):
    assert rules.kpi_status(direction, target, actual, tolerance) is expected


# ---------------------------------------------------------------------- trend


def test_trend_needs_two_values():
    assert rules.trend(HIGHER, 10, []) is None
    assert rules.trend(HIGHER, 10, [5]) is None


def test_trend_direction_aware():
    assert rules.trend(HIGHER, 10, [5, 6, 7]) is Trend.IMPROVING
    assert rules.trend(LOWER, 10, [5, 6, 7]) is Trend.DECLINING
    assert rules.trend(LOWER, 10, [7, 6, 5]) is Trend.IMPROVING


def test_trend_stable_under_one_percent_of_target_per_period():
    # slope 0.09 per period against |target| 10 -> 0.9 % : Stable; 0.1 -> 1 %: not
    assert rules.trend(HIGHER, 10, [1.0, 1.09, 1.18]) is Trend.STABLE
    assert rules.trend(HIGHER, 10, [1.0, 1.1, 1.2]) is Trend.IMPROVING
    assert rules.trend(HIGHER, -10, [1.0, 0.85]) is Trend.DECLINING  # |target| scales


def test_trend_least_squares_not_endpoints():
    assert rules.least_squares_slope([1, 3, 2]) == pytest.approx(0.5)
    assert rules.least_squares_slope([4, 4]) == 0


def test_trend_with_zero_target_only_flat_is_stable():
    assert rules.trend(LOWER, 0, [2, 2, 2]) is Trend.STABLE
    assert rules.trend(LOWER, 0, [2, 2, 2.01]) is Trend.DECLINING


def _objective(**kw):
    base = dict(kpi_id="K1", department="Sales", kpi="Conversion", direction=HIGHER,
                target_type=TargetType.ABSOLUTE, target_value=20.0, frequency=Frequency.WEEKLY)
    base.update(kw)
    return Objective(**base)


def test_score_kpi_uses_latest_by_period_end_not_row_order():
    actuals = [
        Actual("K1", D(2025, 3, 14), 19.5, row=2),
        Actual("K1", D(2025, 3, 7), 10, row=3),
        Actual("K2", D(2025, 3, 21), 99, row=4),
    ]
    s = rules.score_kpi(_objective(), actuals, D(2025, 3, 20))
    assert s.latest_actual == 19.5
    assert s.latest_period_end == D(2025, 3, 14)
    assert s.status is KpiStatus.AT_RISK
    assert s.gap == pytest.approx(-0.5)
    assert s.trend is Trend.IMPROVING


def test_same_period_end_lowest_row_wins():
    actuals = [Actual("K1", D(2025, 3, 14), 12, row=5), Actual("K1", D(2025, 3, 14), 21, row=9)]
    assert rules.score_kpi(_objective(), actuals, D(2025, 3, 20)).latest_actual == 21


def test_per_kpi_tolerance_overrides_settings():
    actuals = [Actual("K1", D(2025, 3, 14), 17)]  # 15 % short
    assert rules.score_kpi(_objective(), actuals, D(2025, 3, 20), 5).status is KpiStatus.OFF_TRACK
    assert rules.score_kpi(_objective(tolerance_pct=20), actuals, D(2025, 3, 20), 5).status is KpiStatus.AT_RISK


def test_single_actual_has_no_trend_and_watch_needs_declining():
    one = rules.score_kpi(_objective(), [Actual("K1", D(2025, 3, 14), 25)], D(2025, 3, 20))
    assert one.trend is None and not one.watch and one.status is KpiStatus.ON_TRACK
    falling = [Actual("K1", D(2025, 3, d), v) for d, v in ((1, 30), (8, 27), (15, 25))]
    s = rules.score_kpi(_objective(), falling, D(2025, 3, 20))
    assert (s.status, s.trend, s.watch, s.status_label) == (
        KpiStatus.ON_TRACK, Trend.DECLINING, True, "On Track · Watch")


def test_trend_uses_only_last_n_periods():
    values = [(1, 30), (8, 10), (15, 11), (22, 12)]  # falls first, then rises
    actuals = [Actual("K1", D(2025, 3, d), v) for d, v in values]
    assert rules.score_kpi(_objective(), actuals, D(2025, 3, 25), trend_periods=3).trend is Trend.IMPROVING
    assert rules.score_kpi(_objective(), actuals, D(2025, 3, 25), trend_periods=4).trend is Trend.DECLINING


@pytest.mark.parametrize(
    "frequency, days_old, stale",
    [(Frequency.WEEKLY, 14, False), (Frequency.WEEKLY, 15, True),
     (Frequency.BIWEEKLY, 28, False), (Frequency.BIWEEKLY, 29, True),
     (Frequency.MONTHLY, 62, False), (Frequency.MONTHLY, 63, True)],
)
def test_stale_after_two_periods(frequency, days_old, stale):
    as_of = D(2025, 6, 30)
    assert rules.is_stale(frequency, as_of - dt.timedelta(days=days_old), as_of) is stale
    assert rules.is_stale(frequency, None, as_of) is False


# --------------------------------------------------------------------- health

AS_OF = D(2025, 4, 25)


@pytest.mark.parametrize(
    "status, pct, start, due, escalate, expected",
    [
        (ActionStatus.DONE, 100, D(2025, 3, 1), D(2025, 3, 8), False, Health.DONE),
        (ActionStatus.CANCELLED, 0, D(2025, 3, 1), D(2025, 3, 8), True, Health.CANCELLED),
        (ActionStatus.IN_PROGRESS, 90, D(2025, 3, 1), D(2025, 4, 24), False, Health.OVERDUE),
        (ActionStatus.BLOCKED, 90, D(2025, 3, 1), D(2025, 4, 24), False, Health.OVERDUE),
        (ActionStatus.IN_PROGRESS, 90, D(2025, 4, 1), D(2025, 4, 25), False, Health.ON_TRACK),  # due today
        (ActionStatus.BLOCKED, 50, D(2025, 4, 1), D(2025, 5, 1), False, Health.BLOCKED),
        (ActionStatus.IN_PROGRESS, 50, D(2025, 4, 1), D(2025, 5, 1), True, Health.BLOCKED),
        (ActionStatus.NOT_STARTED, 0, D(2025, 4, 24), D(2025, 5, 1), False, Health.LATE_START),
        (ActionStatus.NOT_STARTED, 0, D(2025, 4, 25), D(2025, 5, 2), False, Health.NOT_STARTED),
        (ActionStatus.IN_PROGRESS, 0, D(2025, 4, 28), D(2025, 5, 5), False, Health.NOT_STARTED),
        # 24 of 30 days elapsed = 80 %: 59 % is 21 points behind, 60 % is 20
        (ActionStatus.IN_PROGRESS, 59, D(2025, 4, 1), D(2025, 5, 1), False, Health.AT_RISK),
        (ActionStatus.IN_PROGRESS, 60, D(2025, 4, 1), D(2025, 5, 1), False, Health.ON_TRACK),
    ],
)
def test_action_health_first_match_wins(status, pct, start, due, escalate, expected):
    assert rules.action_health(status, pct, start, due, escalate, AS_OF) is expected


def _action(**kw):
    base = dict(action_id="A1", cause_id="C1", kpi_id="K1", department="Sales", action="Train",
                owner="Sales Manager", start_date=D(2025, 4, 1), timeline_weeks=2,
                status=ActionStatus.IN_PROGRESS, pct_complete=10)
    base.update(kw)
    return Action(**base)


def test_newest_update_wins_over_actions_row():
    updates = [
        Update(D(2025, 4, 8), "A1", status=ActionStatus.IN_PROGRESS, pct_complete=40, row=2),
        Update(D(2025, 4, 14), "A1", status=ActionStatus.DONE, pct_complete=100, row=3),
        Update(D(2025, 4, 10), "A1", status=ActionStatus.BLOCKED, pct_complete=50, row=4),
        Update(D(2025, 4, 20), "A2", status=ActionStatus.CANCELLED, row=5),
    ]
    s = rules.score_action(_action(), updates, AS_OF)
    assert (s.status, s.pct_complete, s.health, s.last_update) == (
        ActionStatus.DONE, 100, Health.DONE, D(2025, 4, 14))


def test_update_without_status_keeps_row_status_but_takes_percent():
    s = rules.score_action(_action(timeline_weeks=4), [Update(D(2025, 4, 20), "A1", pct_complete=80)], AS_OF)
    assert (s.status, s.pct_complete, s.health) == (ActionStatus.IN_PROGRESS, 80, Health.ON_TRACK)


def test_due_date_and_slippage():
    planned = rules.score_action(_action(timeline_weeks=3), [], D(2025, 4, 2))
    assert planned.original_due == D(2025, 4, 22) and planned.due_date == D(2025, 4, 22)
    assert planned.slippage_days == 0
    moved = rules.score_action(_action(timeline_weeks=3, due_date_typed=D(2025, 4, 29)), [], D(2025, 4, 2))
    assert moved.due_date == D(2025, 4, 29) and moved.slippage_days == 7


# --------------------------------------------------------------------- Pareto


def _cause(cid, weight, row):
    return Cause(cid, "K1", description=cid, weight=weight, row=row)


def test_pareto_ranks_and_marks_vital_few():
    items = rules.pareto([_cause("C1", 10, 2), _cause("C2", 50, 3), _cause("C3", 30, 4), _cause("C4", 10, 5)])
    assert [i.cause.cause_id for i in items] == ["C2", "C3", "C1", "C4"]
    assert [round(i.cumulative_share, 2) for i in items] == [0.5, 0.8, 0.9, 1.0]
    assert [i.vital_few for i in items] == [True, True, False, False]


def test_pareto_tie_at_the_line_is_kept_together():
    items = rules.pareto([_cause("C1", 70, 2), _cause("C2", 15, 3), _cause("C3", 15, 4)])
    # C2 crosses 80 %; C3 weighs the same, so it is vital too. Ties keep sheet order.
    assert [i.cause.cause_id for i in items] == ["C1", "C2", "C3"]
    assert [i.vital_few for i in items] == [True, True, True]


def test_pareto_zero_total_has_no_shares():
    items = rules.pareto([_cause("C1", None, 2), _cause("C2", 0, 3)])
    assert [i.share for i in items] == [None, None]
    assert not any(i.vital_few for i in items)


def test_findings_of_missing_cause_and_missing_action():
    tracker = Tracker(
        settings=Settings(as_of=D(2025, 4, 25)),
        objectives=(_objective(), _objective(kpi_id="K2")),
        actuals=(Actual("K1", D(2025, 4, 18), 10), Actual("K2", D(2025, 4, 18), 10)),
        causes=(Cause("C1", "K1", description="x", confirmed=True), Cause("C2", "K2", description="y")),
        actions=(_action(cause_id="C1"),),
    )
    card = rules.score(tracker)
    assert card.as_of == D(2025, 4, 25)
    assert [k.kpi_id for k in rules.gaps_without_confirmed_cause(card)] == ["K2"]
    assert [c.cause_id for c in rules.causes_without_action(tracker)] == ["C2"]


# ------------------------------------------------------------------ properties

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)


@given(direction=st.sampled_from(Direction), target=finite, actual=finite,
       tolerance=st.floats(min_value=0, max_value=100))
def test_status_agrees_with_gap(direction, target, actual, tolerance):
    status = rules.kpi_status(direction, target, actual, tolerance)
    g = rules.gap(direction, target, actual)
    if g >= 0:
        assert status is KpiStatus.ON_TRACK
    else:
        assert status in (KpiStatus.AT_RISK, KpiStatus.OFF_TRACK)
        pct = rules.gap_pct(direction, target, actual)
        if pct is not None and -pct > tolerance / 100:
            assert status is KpiStatus.OFF_TRACK


@given(direction=st.sampled_from(Direction), target=finite, actual=finite)
def test_flipping_direction_flips_gap(direction, target, actual):
    other = Direction.LOWER if direction is Direction.HIGHER else Direction.HIGHER
    assert rules.gap(direction, target, actual) == -rules.gap(other, target, actual)


@given(st.lists(st.floats(min_value=0, max_value=1000), min_size=1, max_size=30))
def test_pareto_cumulative_is_monotone_and_ends_at_one(weights):
    items = rules.pareto([_cause(f"C{i}", w, i) for i, w in enumerate(weights)])
    assert [i.weight for i in items] == sorted(weights, reverse=True)
    if sum(weights) > 0:
        cum = [i.cumulative_share for i in items]
        assert cum == sorted(cum) and cum[-1] == pytest.approx(1.0)
        first_cross = next(n for n, c in enumerate(cum) if c >= 0.8 - 1e-12)
        assert all(i.vital_few for i in items[: first_cross + 1])


@given(
    status=st.sampled_from(ActionStatus),
    pct=st.floats(min_value=0, max_value=100),
    start_offset=st.integers(-60, 60),
    weeks=st.integers(1, 8),
    escalate=st.booleans(),
)
def test_health_is_always_decided_and_done_wins(status, pct, start_offset, weeks, escalate):
    start = AS_OF + dt.timedelta(days=start_offset)
    due = rules.original_due(start, weeks)
    health = rules.action_health(status, pct, start, due, escalate, AS_OF)
    assert isinstance(health, Health)
    if status is ActionStatus.DONE:
        assert health is Health.DONE
    elif status is not ActionStatus.CANCELLED and due < AS_OF:
        assert health is Health.OVERDUE


def test_half_days_round_up_like_excel_round():
    assert rules.original_due(D(2025, 4, 1), 1.5) == D(2025, 4, 12)  # 10.5 days -> 11
    assert rules.original_due(D(2025, 4, 1), 0.5) == D(2025, 4, 5)  # 3.5 days -> 4
    assert rules.original_due(D(2025, 4, 1), None) is None
