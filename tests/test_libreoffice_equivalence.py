"""The template's native formulas compute what saypro_xl.rules computes — proved by LibreOffice.

Many randomised trackers are written with write_tracker, recalculated by a
headless LibreOffice (one process for the whole batch) and every computed cell
is compared with rules.score(), KPI by KPI and action by action. The cached
values the writer stores are replaced by a sentinel first, so a pass means the
engine really recalculated and did not just echo Python's numbers.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
import lo_recalc  # noqa: E402

from saypro_xl import contract, rules, template  # noqa: E402
from saypro_xl.model import (  # noqa: E402
    Action,
    ActionStatus,
    Actual,
    Direction,
    Frequency,
    Objective,
    Scorecard,
    Settings,
    TargetType,
    Tracker,
    Update,
)
from saypro_xl.sample import sample_tracker  # noqa: E402

pytestmark = pytest.mark.libreoffice

SKIP_REASON = lo_recalc.missing_reason()
needs_libreoffice = pytest.mark.skipif(SKIP_REASON is not None, reason=SKIP_REASON or "")

RANDOM_TRACKERS = 80
SENTINEL = -987654.0  # a cached value no formula can produce
EPOCH = dt.date(1899, 12, 30)
KPI_COLUMNS = ("Target", "Latest Actual", "Gap", "Gap %")


def _col(sheet: str, header: str) -> int:
    return [c.header for c in contract.INPUT_SHEETS[sheet]].index(header)


# ------------------------------------------------------------------ random trackers


def _random_tracker(rng: random.Random) -> Tracker:
    # One tracker in four leaves As Of blank (= today) and has rows dated after today: the
    # formulas' look-up for that case differs from the one for a typed As Of.
    blank_as_of = rng.random() < 0.25
    as_of = dt.date.today() if blank_as_of else dt.date(2025, 1, 1) + dt.timedelta(days=rng.randrange(0, 365))
    # A few days after As Of too: As Of is a cut-off, in the formulas as in the rules.
    date_pool = [as_of - dt.timedelta(days=d) for d in rng.sample(range(-10, 90), 5)]
    objectives = []
    for n in range(rng.randint(1, 6)):
        target_type = rng.choice(list(TargetType))
        value = rng.choice([0.0, round(rng.uniform(-50, 200), 2), float(rng.randint(1, 100))])
        objectives.append(Objective(
            kpi_id=f"K{n + 1}", department=rng.choice(["Sales", "Marketing", "Operations"]),
            kpi=f"KPI {n + 1}", direction=rng.choice(list(Direction)),
            baseline=rng.choice([None, 0.0, *[round(rng.uniform(1, 150), 2)] * 3]),
            target_type=target_type, target_value=rng.choice([value, value, value, value, None]),
            tolerance_pct=rng.choice([None, None, 0.0, 1.0, 2.5, 10.0, 20.0]),
            frequency=rng.choice(list(Frequency)),
        ))
    if rng.random() < 0.4:
        # A KPI exactly on the tolerance line: At Risk, not Off Track (<= in both engines).
        tgt, tol = rng.choice([100.0, 200.0, 50.0]), rng.choice([5.0, 10.0, 20.0])
        direction = rng.choice(list(Direction))
        objectives.append(Objective(
            kpi_id=f"K{len(objectives) + 1}", department="Sales", kpi="On the line",
            direction=direction, target_type=TargetType.ABSOLUTE, target_value=tgt,
            tolerance_pct=tol, frequency=Frequency.WEEKLY))
    actuals = []
    for o in objectives:
        if o.kpi == "On the line":
            step = o.target_value * o.tolerance_pct / 100
            edge = o.target_value - step if o.direction is Direction.HIGHER else o.target_value + step
            actuals.append(Actual(o.kpi_id, rng.choice(date_pool), edge))
            continue
        tgt = rules.target(o.target_type, o.target_value, o.baseline)
        for _ in range(rng.randint(0, 4)):
            if tgt is not None and rng.random() < 0.15:
                value = tgt  # exactly on target
            else:
                centre = tgt if tgt else 50.0
                value = round(centre * rng.uniform(0.7, 1.3) + rng.uniform(-2, 2), 2)
            actuals.append(Actual(o.kpi_id, rng.choice(date_pool), value))
    if rng.random() < 0.3:
        actuals.append(Actual("K99", rng.choice(date_pool), 1.0))  # a KPI nobody tracks
    rng.shuffle(actuals)
    actions = []
    for n in range(rng.randint(0, 6)):
        start = rng.choice([None, as_of + dt.timedelta(days=rng.randint(-40, 10))])
        weeks = rng.choice([1.0, 2.0, 3.0, 4.0, 0.5, 1.5, 2.5, None])
        planned = rules.original_due(start, weeks)
        typed = (planned + dt.timedelta(days=rng.randint(1, 14))
                 if planned and rng.random() < 0.2 else None)
        actions.append(Action(
            action_id=f"A{n + 1}", cause_id="C1", kpi_id="K1", department=rng.choice(["Sales", "Ops"]),
            action=f"Action {n + 1}", start_date=start, timeline_weeks=weeks, due_date_typed=typed,
            status=rng.choice(list(ActionStatus)),
            pct_complete=rng.choice([None, 0.0, float(rng.randrange(0, 101, 5)), 37.0]),
            escalate=rng.random() < 0.15,
        ))
    if rng.random() < 0.3:
        # Well behind schedule: most of the time gone, little done (At Risk unless overridden).
        actions.append(Action(
            action_id=f"A{len(actions) + 1}", cause_id="C1", kpi_id="K1", department="Sales",
            action="Behind", start_date=as_of - dt.timedelta(days=20), timeline_weeks=4.0,
            status=ActionStatus.IN_PROGRESS, pct_complete=float(rng.choice([0, 10, 25, 40]))))
    updates = []
    update_days = [as_of - dt.timedelta(days=d) for d in rng.sample(range(-3, 30), 4)]
    for _ in range(rng.randint(0, 8)):
        if not actions:
            break
        updates.append(Update(
            date=rng.choice(update_days), action_id=rng.choice(actions).action_id,
            status=rng.choice([None, *ActionStatus]),
            pct_complete=rng.choice([None, float(rng.randrange(0, 101, 10))]),
        ))
    settings = Settings(organisation="Test", as_of=None if blank_as_of else as_of,
                        tolerance_pct=rng.choice([1.0, 5.0, 10.0, 12.5]))
    return template.as_written(Tracker(settings=settings, objectives=tuple(objectives),
                                       actuals=tuple(actuals), actions=tuple(actions),
                                       updates=tuple(updates)))


def _near(a: float, b: float) -> bool:
    """Close enough that a spreadsheet's 15-digit comparisons may disagree with Python's."""
    return a != b and abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def _on_a_knife_edge(card: Scorecard) -> bool:
    """A result that rests on a comparison decided in the 16th digit (documented limit)."""
    for k in card.kpis:
        if k.target is None or k.latest_actual is None:
            continue
        short = rules.shortfall(k.objective.direction, k.target, k.latest_actual)
        if _near(short, 0.0) or _near(k.target, k.latest_actual):
            return True
        if k.target and _near(short / abs(k.target), k.tolerance_pct / 100):
            return True
    for a in card.actions:
        start, due = a.action.start_date, a.due_date
        if start and due and due > start:
            elapsed = min(max((card.as_of - start).days / (due - start).days, 0.0), 1.0)
            if abs(a.pct_complete - (elapsed * 100 - 20)) < 1e-6:
                return True
    return False


def _random_trackers(count: int, seed: int = 20250425) -> list[Tracker]:
    rng = random.Random(seed)
    made: list[Tracker] = []
    while len(made) < count:
        tracker = _random_tracker(rng)
        if not _on_a_knife_edge(rules.score(tracker)):
            made.append(tracker)
    return made


# ------------------------------------------------------------------ comparing


def _expected_cell(value) -> object:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return float((value - EPOCH).days)
    return value


def _same(got: object, want: object) -> bool:
    if isinstance(want, (int, float)) and isinstance(got, (int, float)):
        return abs(got - want) <= 1e-9 * max(1.0, abs(want))
    return got == want


def _mismatches(card: Scorecard, result: dict) -> list[str]:
    problems = []
    objectives = result["sheets"][contract.OBJECTIVES_SHEET]
    for i, k in enumerate(card.kpis, start=1):
        row = objectives[i]
        expected = {"Target": k.target, "Latest Actual": k.latest_actual, "Gap": k.gap,
                    "Gap %": k.gap_pct, "Progress": k.progress, "Status": k.status.value}
        for header, want in expected.items():
            got = row[_col(contract.OBJECTIVES_SHEET, header)]
            if not _same(got, _expected_cell(want)):
                problems.append(f"{k.kpi_id} {header}: LibreOffice {got!r}, rules {want!r}")
    actions = result["sheets"][contract.ACTIONS_SHEET]
    for i, a in enumerate(card.actions, start=1):
        row = actions[i]
        for header, want in (("Due Date", a.due_date), ("Health", a.health.value)):
            got = row[_col(contract.ACTIONS_SHEET, header)]
            if not _same(got, _expected_cell(want)):
                problems.append(f"{a.action_id} {header}: LibreOffice {got!r}, rules {want!r}")
    for sheet, cells in result["errors"].items():
        if cells:
            problems.append(f"error values in {sheet}: {cells[:5]}")
    return problems


def _blank_rows_are_blank(result: dict, card: Scorecard) -> bool:
    objectives = result["sheets"][contract.OBJECTIVES_SHEET]
    below = objectives[len(card.kpis) + 1:]
    return all(row[_col(contract.OBJECTIVES_SHEET, "Status")] == "" for row in below)


# ------------------------------------------------------------------ tests


@needs_libreoffice
def test_random_trackers_recalculated_by_libreoffice_equal_the_rules(tmp_path, monkeypatch):
    trackers = _random_trackers(RANDOM_TRACKERS)
    # Cached values become a sentinel: only a real recalculation can produce the rules' numbers.
    monkeypatch.setattr(template, "_cached", lambda value: SENTINEL)
    # Fewer blank rows below the records: same formulas, a quarter of the writing time.
    monkeypatch.setattr(template, "BLANK_ROWS", 8)
    monkeypatch.setattr(template, "SPARE_ROWS", 3)
    jobs = []
    for n, tracker in enumerate(trackers):
        path = template.write_tracker(tmp_path / f"random_{n:03d}.xlsx", tracker)
        jobs.append({"path": str(path), "sheets": [contract.OBJECTIVES_SHEET, contract.ACTIONS_SHEET]})
    results = lo_recalc.recalculate(jobs)

    failures = []
    for n, (tracker, result) in enumerate(zip(trackers, results)):
        card = rules.score(tracker)
        failures += [f"tracker {n}: {p}" for p in _mismatches(card, result)]
        assert _blank_rows_are_blank(result, card), f"tracker {n}: a blank row shows a status"
    assert failures == []
    # The batch really exercised every branch of the rules.
    cards = [rules.score(t) for t in trackers]
    assert {k.status.value for c in cards for k in c.kpis} == {"No Data", "On Track", "At Risk", "Off Track"}
    healths = {a.health.value for c in cards for a in c.actions}
    assert healths == {"Done", "Cancelled", "Overdue", "Blocked", "Late Start", "Not Started",
                       "At Risk", "On Track"}
    assert any(a.slippage_days for c in cards for a in c.actions)
    # The cut-off was exercised: rows after As Of exist and were left out on both sides, with
    # As Of typed and with As Of blank (today).
    for typed in (True, False):
        some = [t for t in trackers if (t.settings.as_of is not None) == typed]
        as_of = {id(t): t.settings.as_of or dt.date.today() for t in some}
        assert any(a.period_end > as_of[id(t)] for t in some for a in t.actuals)
        assert any(u.date > as_of[id(t)] for t in some for u in t.updates)
    assert any(k.progress is not None for c in cards for k in c.kpis)
    assert any(k.objective.kpi == "On the line" and k.status.value == "At Risk"
               for c in cards for k in c.kpis)


@needs_libreoffice
def test_changing_as_of_in_settings_moves_health_like_the_rules(tmp_path):
    tracker = sample_tracker()
    path = template.write_tracker(tmp_path / "sample.xlsx", tracker)
    later = tracker.settings.as_of + dt.timedelta(days=30)
    as_of_cell = f"B{list(contract.SETTINGS_DEFAULTS).index('As Of Date') + 2}"
    [result] = lo_recalc.recalculate([{
        "path": str(path), "sheets": [contract.OBJECTIVES_SHEET, contract.ACTIONS_SHEET],
        "set": [[contract.SETTINGS_SHEET, as_of_cell, float((later - EPOCH).days)]],
    }])
    card = rules.score(template.as_written(tracker), as_of=later)
    assert _mismatches(card, result) == []
    assert [a.health for a in card.actions] != [a.health for a in rules.score(tracker).actions]


@needs_libreoffice
def test_blank_as_of_means_today(tmp_path):
    tracker = _random_trackers(1, seed=7)[0]
    undated = template.as_written(Tracker(
        settings=Settings(as_of=None, tolerance_pct=tracker.settings.tolerance_pct),
        objectives=tracker.objectives, actuals=tracker.actuals, actions=tracker.actions,
        updates=tracker.updates))
    path = template.write_tracker(tmp_path / "today.xlsx", undated)
    [result] = lo_recalc.recalculate([{"path": str(path), "sheets": [contract.OBJECTIVES_SHEET,
                                                                     contract.ACTIONS_SHEET]}])
    assert _mismatches(rules.score(undated, as_of=dt.date.today()), result) == []


@needs_libreoffice
def test_sample_tracker_recalculated_by_libreoffice_equals_the_rules(tmp_path):
    tracker = sample_tracker()
    path = template.write_tracker(tmp_path / "sample.xlsx", tracker)
    [result, sales] = lo_recalc.recalculate([
        {"path": str(path), "sheets": [contract.OBJECTIVES_SHEET, contract.ACTIONS_SHEET,
                                       contract.DASHBOARD_SHEET]},
        {"path": str(path), "sheets": [contract.DASHBOARD_SHEET],
         "set": [[contract.DASHBOARD_SHEET, "C3", "Sales"]]},
    ])
    card = rules.score(template.as_written(tracker))
    assert _mismatches(card, result) == []

    def dashboard_counts(rows, first_label: str, n: int) -> dict[str, float]:
        start = next(i for i, row in enumerate(rows) if row[1] == first_label)
        return {rows[i][1]: rows[i][2] for i in range(start + 1, start + 1 + n)}

    everyone = result["sheets"][contract.DASHBOARD_SHEET]
    statuses = dashboard_counts(everyone, "KPI status", 4)
    assert statuses == {s: float(sum(k.status.value == s for k in card.kpis)) for s in statuses}
    behind_pace = next(row[2] for row in everyone if row[1] == "KPIs behind pace")
    assert behind_pace == float(sum(k.pace is not None and k.pace.value == "Behind" for k in card.kpis))
    health = dashboard_counts(everyone, "Action health", 8)
    assert health == {h: float(sum(a.health.value == h for a in card.actions)) for h in health}
    # The selector re-points the charts' source cells to one department.
    sales_health = dashboard_counts(sales["sheets"][contract.DASHBOARD_SHEET], "Action health", 8)
    assert sales_health == {
        h: float(sum(a.health.value == h for a in card.actions if a.action.department == "Sales"))
        for h in sales_health}
    assert sum(sales_health.values()) == 3
    # Alert lists name the off-track KPIs and overdue actions of the selected department.
    listed = {row[12] for row in everyone if isinstance(row[12], str)}
    assert {k.kpi_id for k in card.kpis if k.status.value == "Off Track"} <= listed
    assert {a.action_id for a in card.actions if a.health.value == "Overdue"} <= listed
    sales_listed = {row[12] for row in sales["sheets"][contract.DASHBOARD_SHEET] if isinstance(row[12], str)}
    assert {"SAL-02"} <= sales_listed and not {"MKT-01", "CA-04"} & sales_listed
    by_department = {row[1]: row[2:10] for row in everyone if row[1] == "Sales"}
    sales_kpis = [k for k in card.kpis if k.objective.department == "Sales"]
    assert by_department["Sales"][0] == float(len(sales_kpis))


@needs_libreoffice
def test_tolerances_typed_as_fractions_count_as_percent_points(tmp_path):
    """Staff may type 10% (stored 0.1) or 10: the formulas read both as the reader does."""
    tracker = template.as_written(sample_tracker())
    path = template.write_tracker(tmp_path / "sample.xlsx", tracker)
    tolerance_col = chr(ord("A") + _col(contract.OBJECTIVES_SHEET, "Tolerance %"))
    settings_row = list(contract.SETTINGS_DEFAULTS).index("Tolerance %") + 2
    [result] = lo_recalc.recalculate([{
        "path": str(path), "sheets": [contract.OBJECTIVES_SHEET, contract.ACTIONS_SHEET],
        "set": [[contract.OBJECTIVES_SHEET, f"{tolerance_col}2", 0.02],
                [contract.SETTINGS_SHEET, f"B{settings_row}", 0.1]],
    }])
    first = dataclasses.replace(tracker.objectives[0], tolerance_pct=2.0)
    changed = dataclasses.replace(
        tracker, objectives=(first, *tracker.objectives[1:]),
        settings=dataclasses.replace(tracker.settings, tolerance_pct=10.0))
    card = rules.score(changed)
    assert _mismatches(card, result) == []
    # The change mattered: SAL-01 is now Off Track, OPS-02 and SAL-02 within 10 %.
    statuses = {k.kpi_id: k.status.value for k in card.kpis}
    assert (statuses["SAL-01"], statuses["SAL-02"], statuses["OPS-02"]) == ("Off Track", "At Risk", "At Risk")


@needs_libreoffice
def test_helper_columns_cached_by_the_writer_equal_what_libreoffice_computes(tmp_path):
    """The hidden look-up columns hold, before any recalculation, what the formulas compute."""
    import openpyxl

    trackers = _random_trackers(12, seed=99) + [sample_tracker()]
    helpers = {sheet: [c.header for c in columns if c.hidden] for sheet, columns in contract.INPUT_SHEETS.items()}
    helpers = {sheet: headers for sheet, headers in helpers.items() if headers}
    assert set(helpers) == {contract.OBJECTIVES_SHEET, contract.ACTUALS_SHEET, contract.ACTIONS_SHEET,
                            contract.UPDATES_SHEET}
    paths = [template.write_tracker(tmp_path / f"t{n}.xlsx", t) for n, t in enumerate(trackers)]
    results = lo_recalc.recalculate([{"path": str(p), "sheets": list(helpers)} for p in paths])
    compared = 0
    for path, tracker, result in zip(paths, trackers, results):
        cached = openpyxl.load_workbook(path, data_only=True)
        for sheet, headers in helpers.items():
            records = len(getattr(tracker, {"Objectives": "objectives", "Actuals": "actuals",
                                            "Actions": "actions", "Updates": "updates"}[sheet]))
            for header in headers:
                col = _col(sheet, header)
                want = [cached[sheet].cell(r, col + 1).value for r in range(2, records + 2)]
                got = [row[col] for row in result["sheets"][sheet][1:records + 1]]
                assert got == [float(v) for v in want], (path.name, sheet, header)
                compared += records
    assert compared > 300  # every helper cell of 13 trackers
