"""The KPI rules of rules.py over whole tables at once, with pandas.

For big trackers and consolidated packs (thousands of KPIs, tens of thousands
of actuals) a row-at-a-time loop is the slow part; this module computes the
same columns with grouped, vectorised operations. rules.py stays the
definition: tests assert both give the same answer on random trackers.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from .model import Direction, Frequency, KpiStatus, TargetType, Tracker, Trend
from .rules import RATIO_DIGITS, STABLE_SLOPE_SHARE, STALE_AFTER_DAYS

KPI_COLUMNS = ["kpi_id", "target", "latest_actual", "latest_period_end", "gap", "gap_pct", "status", "trend",
               "watch", "stale", "progress"]


def tracker_frames(tracker: Tracker) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Objectives and actuals of a tracker as two DataFrames."""
    objectives = pd.DataFrame(
        {
            "kpi_id": [o.kpi_id for o in tracker.objectives],
            "direction": [o.direction.value for o in tracker.objectives],
            "baseline": pd.array([o.baseline for o in tracker.objectives], dtype="Float64"),
            "target_type": [o.target_type.value for o in tracker.objectives],
            "target_value": pd.array([o.target_value for o in tracker.objectives], dtype="Float64"),
            "tolerance_pct": pd.array([o.tolerance_pct for o in tracker.objectives], dtype="Float64"),
            "frequency": [o.frequency.value for o in tracker.objectives],
        }
    )
    actuals = pd.DataFrame(
        {
            "kpi_id": [a.kpi_id for a in tracker.actuals],
            "period_end": pd.to_datetime([a.period_end for a in tracker.actuals]),
            "actual": np.array([a.actual for a in tracker.actuals], dtype=float),
            "row": np.array([a.row for a in tracker.actuals], dtype=np.int64),
        }
    )
    return objectives, actuals


def _trend_slopes(actuals: pd.DataFrame, periods: int) -> pd.DataFrame:
    """Least-squares slope of the last `periods` actuals of each KPI against order 0, 1, 2…"""
    recent = actuals.groupby("kpi_id", sort=False).tail(periods).copy()
    recent["x"] = recent.groupby("kpi_id", sort=False).cumcount().astype(float)
    grouped = recent.groupby("kpi_id", sort=False)
    recent["n"] = grouped["x"].transform("size")
    recent["dx"] = recent["x"] - (recent["n"] - 1) / 2
    recent["dy"] = recent["actual"] - grouped["actual"].transform("mean")
    recent["dxdy"] = recent["dx"] * recent["dy"]
    recent["dxdx"] = recent["dx"] * recent["dx"]
    sums = recent.groupby("kpi_id", sort=False).agg(n=("n", "first"), sxy=("dxdy", "sum"), sxx=("dxdx", "sum"))
    sums["slope"] = np.where(sums["n"] >= 2, sums["sxy"] / sums["sxx"].where(sums["sxx"] > 0), np.nan)
    return sums[["n", "slope"]]


def score_kpis_frame(
    objectives: pd.DataFrame,
    actuals: pd.DataFrame,
    as_of: dt.date,
    default_tolerance_pct: float = 5.0,
    trend_periods: int = 3,
) -> pd.DataFrame:
    """One row per objective with the columns of KPI_COLUMNS (enum values as text)."""
    obj = objectives.reset_index(drop=True)
    value = obj["target_value"].astype("Float64")
    baseline = obj["baseline"].astype("Float64")
    target = pd.Series(pd.NA, index=obj.index, dtype="Float64")
    target = target.mask(obj["target_type"] == TargetType.ABSOLUTE.value, value)
    target = target.mask(obj["target_type"] == TargetType.PCT_CHANGE.value, baseline * (1 + value / 100))
    target = target.mask(obj["target_type"] == TargetType.CHANGE.value, baseline + value)
    target = target.astype(float)  # NA -> NaN for vector arithmetic

    # As Of is a cut-off: later actuals did not exist on that day.
    counted = actuals[actuals["period_end"] <= pd.Timestamp(as_of)]
    ordered = counted.sort_values(["kpi_id", "period_end", "row"], kind="stable")
    latest = ordered.groupby("kpi_id", sort=False).tail(1).set_index("kpi_id")
    # reindex, not map: map of an empty Series gives a datetime dtype in pandas 3
    latest_actual = pd.Series(latest["actual"].reindex(obj["kpi_id"]).to_numpy(dtype=float), index=obj.index)
    latest_end = pd.Series(pd.to_datetime(latest["period_end"].reindex(obj["kpi_id"]).to_numpy()), index=obj.index)

    sign = np.where(obj["direction"] == Direction.HIGHER.value, 1.0, -1.0)
    shortfall = sign * (target - latest_actual)
    gap = -shortfall
    abs_target = target.abs()
    gap_pct = (gap / abs_target).where(abs_target != 0)
    tolerance = obj["tolerance_pct"].astype("Float64").fillna(default_tolerance_pct).astype(float)
    ratio = (shortfall / abs_target.where(abs_target != 0)).round(RATIO_DIGITS)

    no_data = latest_actual.isna() | target.isna()
    status = np.select(
        [no_data, shortfall <= 0, target == 0, ratio <= tolerance / 100],
        [KpiStatus.NO_DATA.value, KpiStatus.ON_TRACK.value, KpiStatus.OFF_TRACK.value, KpiStatus.AT_RISK.value],
        default=KpiStatus.OFF_TRACK.value,
    )

    if trend_periods >= 2:
        slopes = _trend_slopes(ordered, trend_periods)
        slope = pd.Series(slopes["slope"].reindex(obj["kpi_id"]).to_numpy(dtype=float), index=obj.index)
    else:
        slope = pd.Series(np.nan, index=obj.index)
    improvement = sign * slope
    relative = (improvement / abs_target.where(abs_target != 0)).round(RATIO_DIGITS)
    stable = np.where(abs_target.fillna(0) != 0, relative.abs() < STABLE_SLOPE_SHARE, improvement == 0)
    trend = np.select(
        [slope.isna(), stable, improvement > 0],
        ["", Trend.STABLE.value, Trend.IMPROVING.value],
        default=Trend.DECLINING.value,
    )

    stale_days = obj["frequency"].map({f.value: d for f, d in STALE_AFTER_DAYS.items()}).fillna(
        STALE_AFTER_DAYS[Frequency.MONTHLY])
    cutoff = pd.Timestamp(as_of) - pd.to_timedelta(stale_days, unit="D")
    stale = latest_end.notna() & (latest_end < cutoff)

    planned = target - baseline.astype(float)
    progress = ((latest_actual - baseline.astype(float)) / planned.where(planned != 0)).round(RATIO_DIGITS)

    return pd.DataFrame(
        {
            "kpi_id": obj["kpi_id"],
            "target": target,
            "latest_actual": latest_actual,
            "latest_period_end": latest_end,
            "gap": gap.where(~no_data),
            "gap_pct": gap_pct.where(~no_data),
            "status": status,
            "trend": pd.Series(trend, index=obj.index, dtype=object).where(trend != "", None),
            "watch": (status == KpiStatus.ON_TRACK.value) & (trend == Trend.DECLINING.value),
            "stale": stale.astype(bool),
            "progress": progress,
        },
        columns=KPI_COLUMNS,
    )


def score_kpis_table(tracker: Tracker, as_of: dt.date | None = None) -> pd.DataFrame:
    """score_kpis_frame over a tracker, with its Settings' tolerance and trend periods."""
    objectives, actuals = tracker_frames(tracker)
    when = as_of or tracker.settings.as_of or dt.date.today()
    return score_kpis_frame(objectives, actuals, when, tracker.settings.tolerance_pct, tracker.settings.trend_periods)
