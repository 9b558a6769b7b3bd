"""Speed and memory of saypro_xl on a big tracker, as ratios measured in one run.

    python benchmarks/bench.py [--kpis 2000] [--actuals-per-kpi 12] [--actions-per-kpi 3]

Ratios, not seconds, so the numbers mean the same on a laptop and a CI box:

- reader: our calamine reader (typed records and full validation) against openpyxl's
  read-only mode merely iterating the same cells — target: not slower (at least 1x).
- KPI scoring: the pandas rules (rules_frame) on ready DataFrames against the row-at-a-time
  rules over the same KPIs — target: at least 1.5x faster. Reported beside it, with no target:
  the same including turning the records into DataFrames, which eats most of the gain when
  the data starts as records.
- reports: all four report workbooks against reading the tracker once — reported, no target.
- memory: peak Python allocation while reading, against the file size — target: under 40x.

Exit 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import random
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import openpyxl

from saypro_xl import rules
from saypro_xl.model import (
    Action, ActionStatus, Actual, Cause, Direction, Frequency, Objective, Settings, TargetType, Tracker, Update,
)
from saypro_xl.read import load_tracker
from saypro_xl.reports import build_reports
from saypro_xl.rules_frame import score_kpis_frame, score_kpis_table, tracker_frames
from saypro_xl.template import write_tracker

AS_OF = dt.date(2025, 6, 30)


def big_tracker(kpis: int, actuals_per_kpi: int, actions_per_kpi: int, seed: int = 7) -> Tracker:
    rnd = random.Random(seed)
    departments = [f"Department {i:02d}" for i in range(12)]
    objectives, actuals, causes, actions, updates = [], [], [], [], []
    for k in range(kpis):
        kid = f"K{k:05d}"
        objectives.append(Objective(
            kpi_id=kid, department=departments[k % len(departments)], kpi=f"Indicator {k}", unit="%",
            direction=rnd.choice(list(Direction)), baseline=float(rnd.randint(10, 90)),
            target_type=rnd.choice(list(TargetType)), target_value=float(rnd.randint(-20, 60)),
            frequency=rnd.choice(list(Frequency)), owner=f"Owner {k % 40}", row=k + 2))
        for p in range(actuals_per_kpi):
            actuals.append(Actual(kid, AS_OF - dt.timedelta(days=7 * (actuals_per_kpi - p)),
                                  float(rnd.randint(0, 100)), "CRM", "", row=len(actuals) + 2))
        cid = f"C{k:05d}"
        causes.append(Cause(cid, kid, description=f"Cause of {kid}", weight=float(rnd.randint(1, 50)),
                            confirmed=rnd.random() < 0.7, row=k + 2))
        for a in range(actions_per_kpi):
            aid = f"A{k:05d}{a}"
            start = AS_OF - dt.timedelta(days=rnd.randint(-20, 60))
            actions.append(Action(aid, cid, kid, objectives[-1].department, f"Action {aid}",
                                  owner=f"Owner {a}", start_date=start, timeline_weeks=rnd.randint(1, 4),
                                  status=rnd.choice(list(ActionStatus)), pct_complete=float(rnd.randint(0, 100)),
                                  row=len(actions) + 2))
            updates.append(Update(AS_OF - dt.timedelta(days=rnd.randint(0, 14)), aid, "M&E",
                                  pct_complete=float(rnd.randint(0, 100)), row=len(updates) + 2))
    return Tracker(Settings(organisation="Benchmark", as_of=AS_OF), tuple(objectives), tuple(actuals),
                   tuple(causes), tuple(actions), tuple(updates))


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - start, result


def openpyxl_iterate(path: Path) -> int:
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    cells = sum(1 for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for _ in row)
    wb.close()
    return cells


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kpis", type=int, default=10000)
    parser.add_argument("--actuals-per-kpi", type=int, default=12)
    parser.add_argument("--actions-per-kpi", type=int, default=1)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.xlsx"
        tracker = big_tracker(args.kpis, args.actuals_per_kpi, args.actions_per_kpi)
        write_tracker(path, tracker)
        size = path.stat().st_size

        t_openpyxl, _ = timed(openpyxl_iterate, path)
        t_read, loaded = timed(load_tracker, path)
        tracemalloc.start()
        load_tracker(path)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()

        kpis_only = dataclasses.replace(loaded, actions=(), updates=())
        t_scalar, _ = timed(rules.score, kpis_only, AS_OF)
        t_frame_total, _ = timed(score_kpis_table, kpis_only, AS_OF)
        objectives, actuals = tracker_frames(kpis_only)
        t_frame, _ = timed(score_kpis_frame, objectives, actuals, AS_OF,
                           kpis_only.settings.tolerance_pct, kpis_only.settings.trend_periods)
        card = rules.score(loaded, AS_OF)
        t_reports, _ = timed(build_reports, card, Path(tmp) / "out")

    rows = [
        ("reader speed vs openpyxl read-only iteration", t_openpyxl / t_read, 1.0, "x faster"),
        ("pandas KPI rules on frames vs row-at-a-time", t_scalar / t_frame, 1.5, "x faster"),
        ("  the same, building the frames included", t_scalar / t_frame_total, None, "x faster"),
        ("four reports vs one read", t_reports / t_read, None, "x the read time"),
        ("peak memory while reading vs file size", peak / size, 40.0, "x the file (at most)"),
    ]
    print(f"tracker: {len(loaded.objectives)} KPIs, {len(loaded.actuals)} actuals, "
          f"{len(loaded.actions)} actions, {size / 1e6:.1f} MB")
    missed = 0
    for name, ratio, target, unit in rows:
        if target is None:
            verdict = ""
        elif unit.endswith("(at most)"):
            verdict = "ok" if ratio <= target else "MISSED"
        else:
            verdict = "ok" if ratio >= target else "MISSED"
        missed += verdict == "MISSED"
        goal = f"target {target:g}" if target else "no target"
        print(f"{name:48s} {ratio:8.2f} {unit:22s} {goal:12s} {verdict}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
