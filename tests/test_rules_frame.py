"""The vectorised KPI rules give exactly what the row-at-a-time rules give."""

import datetime as dt
import math

from hypothesis import given, settings, strategies as st

from saypro_xl import rules
from saypro_xl.model import Actual, Direction, Frequency, Objective, Settings, TargetType, Tracker
from saypro_xl.rules_frame import score_kpis_table

AS_OF = dt.date(2025, 4, 25)
numbers = st.one_of(st.none(), st.integers(-50, 200).map(float), st.floats(-100, 100, allow_nan=False))


@st.composite
def trackers(draw):
    n = draw(st.integers(1, 8))
    objectives = []
    for i in range(n):
        objectives.append(Objective(
            kpi_id=f"K{i}", department="D", kpi=f"kpi {i}",
            direction=draw(st.sampled_from(Direction)),
            baseline=draw(numbers),
            target_type=draw(st.sampled_from(TargetType)),
            target_value=draw(numbers),
            tolerance_pct=draw(st.one_of(st.none(), st.integers(0, 30).map(float))),
            frequency=draw(st.sampled_from(Frequency)),
        ))
    actuals = []
    for row in range(draw(st.integers(0, 30))):
        actuals.append(Actual(
            kpi_id=f"K{draw(st.integers(0, n))}",  # K{n} has no objective: ignored
            period_end=AS_OF - dt.timedelta(days=draw(st.integers(-20, 120))),  # some after As Of: cut off
            actual=draw(st.integers(-50, 200).map(float)),
            row=row + 2,
        ))
    return Tracker(settings=Settings(tolerance_pct=draw(st.sampled_from([0.0, 5.0, 10.0])),
                                     trend_periods=draw(st.integers(1, 5))),
                   objectives=tuple(objectives), actuals=tuple(actuals))


def same(a, b):
    if a is None or (isinstance(a, float) and math.isnan(a)):
        return b is None or (isinstance(b, float) and math.isnan(b))
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


@settings(max_examples=150, deadline=None)
@given(trackers())
def test_frame_equals_scalar_rules(tracker):
    card = rules.score(tracker, AS_OF)
    frame = score_kpis_table(tracker, AS_OF)
    assert list(frame["kpi_id"]) == [k.kpi_id for k in card.kpis]
    for k, row in zip(card.kpis, frame.itertuples()):
        assert same(k.target, row.target), k.kpi_id
        assert same(k.latest_actual, row.latest_actual)
        assert same(k.gap, row.gap) and same(k.gap_pct, row.gap_pct)
        assert row.status == k.status.value
        assert row.trend == (k.trend.value if k.trend else None)
        assert same(k.progress, row.progress)
        assert (bool(row.watch), bool(row.stale)) == (k.watch, k.stale)
