"""Seeded synthetic trackers that follow the contract, in three sizes.

    python benchmarks/generate.py large /tmp/large.xlsx [--seed 1]

- small: the organisation's own sample (saypro_xl.sample), as `new-tracker --sample` writes it;
- medium: 10 departments × 20 KPIs × 26 weekly periods (5,200 actuals), 300 causes, 400 actions,
  800 updates;
- large: 100 departments × 50 KPIs × 52 weekly periods (260,000 actuals), 15,000 causes,
  20,000 actions, 40,000 updates;
- 40x25x52: 40 departments × 25 KPIs × 52 weeks (52,000 actuals), 4,000 actions, 8,000 updates:
  the size the native formulas are timed on in LibreOffice (benchmarks/lo_edit.py).

The same size and seed give the same tracker, written by the project's own template
(saypro_xl.template.write_tracker: the native formulas and tables a real tracker has), so
every benchmark measures the files staff actually fill. Texts are of the length people type:
the renderer sizes rows by measuring them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
from dataclasses import dataclass
from pathlib import Path

from saypro_xl.model import (
    Action, ActionStatus, Actual, Approval, Cause, CauseCategory, Direction, Evidence, Fishbone, Frequency,
    Objective, Settings, Strategy, TargetType, Tracker, Update,
)
from saypro_xl.sample import sample_tracker
from saypro_xl.template import write_tracker

AS_OF = dt.date(2025, 6, 27)  # a Friday: weekly periods end on Fridays


@dataclass(frozen=True)
class Size:
    departments: int
    kpis_per_department: int
    periods: int  # weekly actuals per KPI
    causes: int
    actions: int
    updates: int


SIZES = {
    "medium": Size(10, 20, 26, causes=300, actions=400, updates=800),
    "large": Size(100, 50, 52, causes=15_000, actions=20_000, updates=40_000),
    # The size issue 12 sets the native formulas' target on (LibreOffice after one edit <= 5 s).
    "40x25x52": Size(40, 25, 52, causes=1_500, actions=4_000, updates=8_000),
}
SIZE_NAMES = ("small", *SIZES)

DEPARTMENT_WORDS = ("Sales", "Marketing", "Customer Support", "Operations", "Human Resources", "Finance",
                    "Procurement", "Logistics", "Quality Assurance", "Training", "Partnerships", "Research")
KPI_WORDS = ("conversion rate", "response time", "resolution time", "first-pass quality", "on-time delivery",
             "staff turnover", "engagement score", "cost per lead", "backlog", "training completion",
             "customer satisfaction", "invoice cycle time")
ACTION_VERBS = ("Introduce", "Retrain the team on", "Automate", "Reassign staff to", "Simplify", "Review weekly",
                "Pilot a new approach to", "Publish a dashboard for", "Hire temporary support for")
CAUSE_TEXTS = ("Too few staff at peak hours", "New starters never trained on the system",
               "Approvals wait on one manager", "Follow-up calls are not scheduled",
               "Targets were set without the team", "Hand-overs between shifts lose tickets",
               "No incentive for first-time resolution", "The ordering form asks for data twice")


def department_name(i: int) -> str:
    return f"{DEPARTMENT_WORDS[i % len(DEPARTMENT_WORDS)]} {i // len(DEPARTMENT_WORDS) + 1:02d}"


def synthetic_tracker(size: str, seed: int = 1) -> Tracker:
    """The tracker of the given size; `small` is the sample, whatever the seed."""
    if size == "small":
        return sample_tracker()
    spec = SIZES[size]
    rnd = random.Random(f"{size}-{seed}")
    first_period = AS_OF - dt.timedelta(weeks=spec.periods - 1)
    objectives: list[Objective] = []
    actuals: list[Actual] = []
    for d in range(spec.departments):
        dept = department_name(d)
        for k in range(spec.kpis_per_department):
            kid = f"K{d:03d}-{k:02d}"
            direction = Direction.HIGHER if rnd.random() < 0.6 else Direction.LOWER
            baseline = float(rnd.randint(20, 80))
            step = 1 if direction is Direction.HIGHER else -1
            target_type = rnd.choice((TargetType.ABSOLUTE, TargetType.PCT_CHANGE, TargetType.CHANGE))
            value = {TargetType.ABSOLUTE: baseline + step * rnd.randint(5, 20),
                     TargetType.PCT_CHANGE: float(step * rnd.randint(5, 30)),
                     TargetType.CHANGE: float(step * rnd.randint(2, 15))}[target_type]
            objectives.append(Objective(
                kid, dept, f"{KPI_WORDS[k % len(KPI_WORDS)].capitalize()} {k + 1}", "%", direction, baseline,
                target_type, value, None if rnd.random() < 0.8 else float(rnd.choice((5, 10))),
                Frequency.WEEKLY, f"Owner {d:03d}-{k % 5}", row=len(objectives) + 2,
                baseline_date=first_period - dt.timedelta(weeks=1),
                target_date=AS_OF + dt.timedelta(weeks=rnd.randint(-4, 26))))
            level, drift = baseline, step * rnd.uniform(-0.3, 0.6)
            for p in range(spec.periods):
                level += drift + rnd.gauss(0, 1.5)
                actuals.append(Actual(kid, first_period + dt.timedelta(weeks=p), round(level, 2),
                                      "Monthly report" if p % 4 else "CRM", "", row=len(actuals) + 2))
    causes: list[Cause] = []
    for i in range(spec.causes):
        kpi = objectives[i % len(objectives)]
        text = CAUSE_TEXTS[rnd.randrange(len(CAUSE_TEXTS))]
        causes.append(Cause(
            f"C{i + 1:05d}", kpi.kpi_id, rnd.choice(list(CauseCategory)), rnd.choice(list(Fishbone)),
            f"{text} ({kpi.kpi_id})", tuple(f"Because {w.lower()}" for w in rnd.sample(CAUSE_TEXTS, 3)),
            "Delays reach the customer", float(rnd.randint(1, 40)), rnd.choice(list(Evidence)),
            rnd.random() < 0.7, row=i + 2))
    by_id = {o.kpi_id: o for o in objectives}
    actions: list[Action] = []
    for i in range(spec.actions):
        cause = causes[i % len(causes)]
        kpi = by_id[cause.kpi_id]
        start = AS_OF - dt.timedelta(days=rnd.randint(-28, 140))
        status = rnd.choices(list(ActionStatus), weights=(3, 6, 1, 3, 1))[0]
        actions.append(Action(
            f"A{i + 1:05d}", cause.cause_id, kpi.kpi_id, kpi.department,
            f"{rnd.choice(ACTION_VERBS)} {KPI_WORDS[i % len(KPI_WORDS)]} in {kpi.department}",
            rnd.choice(list(Strategy)), f"Owner {i % 97:02d}", start, float(rnd.randint(1, 8)),
            None, "Plan agreed; first check-in; review" if rnd.random() < 0.3 else "", status,
            float(rnd.choice((0, 10, 25, 50, 75, 100))), rnd.choice(list(Approval)),
            "Two staff days a week" if rnd.random() < 0.4 else "",
            "Waiting on budget" if status is ActionStatus.BLOCKED else "", rnd.random() < 0.05,
            "The KPI back within tolerance" if rnd.random() < 0.5 else "", None, row=i + 2))
    updates: list[Update] = []
    for i in range(spec.updates):
        action = actions[i % len(actions)]
        day = min(AS_OF, action.start_date + dt.timedelta(days=7 * (1 + i // len(actions)) + rnd.randint(0, 3)))
        updates.append(Update(day, action.action_id, "M&E", rnd.choice((None, *ActionStatus)),
                              float(rnd.choice((10, 25, 50, 75, 100))), "Weekly check-in", row=i + 2))
    settings = Settings(organisation=f"Benchmark {size}", prepared_by="M&E", as_of=AS_OF,
                        meeting_date=AS_OF + dt.timedelta(days=3), facilitator="Head of M&E",
                        attendees=("Department heads",))
    return Tracker(settings, tuple(objectives), tuple(actuals), tuple(causes), tuple(actions), tuple(updates))


def write_synthetic(size: str, path: Path | str, seed: int = 1) -> Path:
    """Write the tracker of `size` to `path` (the project's template, filled)."""
    return write_tracker(path, synthetic_tracker(size, seed))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("size", choices=SIZE_NAMES)
    parser.add_argument("path", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    write_synthetic(args.size, args.path, args.seed)
    print(f"Wrote {args.path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
