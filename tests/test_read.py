"""The tracker reader: records from workbooks made by another tool, issues at exact cells,
one sentence for files that are not usable trackers."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import io
import os
import time
import zipfile

import pytest
import xlsxwriter
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from saypro_xl import rules
from saypro_xl.model import (
    Action,
    ActionStatus,
    Actual,
    Approval,
    Cause,
    CauseCategory,
    Direction,
    Evidence,
    Fishbone,
    Frequency,
    Health,
    KpiStatus,
    Objective,
    Settings,
    Severity,
    Strategy,
    TargetType,
    Trend,
    Update,
)
from saypro_xl.read import (
    EXCEL_ERROR_CODES,
    CellError,
    FileRowSource,
    TrackerFileError,
    cell_ref,
    column_letter,
    load_tracker,
    parse_date_text,
    read_tracker,
)

from builders import ExcelError, small_tracker_rows, write_tracker_openpyxl

d = dt.date

EXPECTED_SETTINGS = Settings(
    organisation="SayPro", report_title="Q1 Gap Review", prepared_by="M&E Team",
    as_of=d(2025, 3, 31), meeting_date=d(2025, 4, 2), facilitator="Thandi",
    attendees=("Thandi", "Sipho", "Lerato"), tolerance_pct=5.0, trend_periods=3,
    email_to=("lead@example.org", "ops@example.org"), email_cc=(), output_folder="reports",
)
EXPECTED_OBJECTIVES = (
    Objective("K1", "Sales", "Leads converted", "%", Direction.HIGHER, 60.0, TargetType.ABSOLUTE,
              80.0, None, Frequency.MONTHLY, "Ana", row=2),
    Objective("K2", "Support", "Response time", "hours", Direction.LOWER, 20.0,
              TargetType.PCT_CHANGE, -50.0, 10.0, Frequency.WEEKLY, "Ben", row=3),
)
EXPECTED_ACTUALS = (
    Actual("K1", d(2025, 1, 31), 75.0, "CRM", "", row=2),
    Actual("K1", d(2025, 2, 28), 72.0, "CRM", "", row=3),
    Actual("K1", d(2025, 3, 31), 70.0, "CRM", "staff on leave", row=4),
    Actual("K2", d(2025, 3, 21), 10.5, "", "", row=5),
    Actual("K2", d(2025, 3, 28), 10.3, "", "", row=6),
)
EXPECTED_CAUSES = (
    Cause("C1", "K1", CauseCategory.LACK_OF_TRAINING, Fishbone.PEOPLE, "New staff not trained on CRM",
          ("No onboarding", "Trainer left"), "Leads lost", 60.0, Evidence.SURVEY, True, row=2),
    Cause("C2", "K2", CauseCategory.INEFFICIENT_PROCESS, Fishbone.PROCESS, "Tickets routed by hand",
          (), "", 40.0, Evidence.DATA, False, row=3),
)
EXPECTED_ACTIONS = (
    Action("A1", "C1", "K1", "Sales", "CRM training", Strategy.TRAINING, "Ana", d(2025, 3, 3), 2.0,
           None, "Session 1; 2", ActionStatus.IN_PROGRESS, 50.0, Approval.YES, escalate=False, row=2),
    Action("A2", "C2", "K2", "Support", "Auto-routing", Strategy.TECHNOLOGY, "Ben", d(2025, 3, 1), 2.0,
           None, "", ActionStatus.IN_PROGRESS, 40.0, Approval.PENDING, row=3),
    Action("A3", "C2", "K2", "Support", "Routing rules review", Strategy.PROCESS_IMPROVEMENT, "Ben",
           d(2025, 3, 10), 4.0, d(2025, 4, 30), "", ActionStatus.IN_PROGRESS, 50.0, Approval.YES, row=4),
)
EXPECTED_UPDATES = (
    Update(d(2025, 3, 10), "A1", "Ana", ActionStatus.IN_PROGRESS, 50.0, "first session held", row=2),
    Update(d(2025, 3, 17), "A1", "Ana", ActionStatus.DONE, 100.0, "all sessions held", row=3),
)


def _no_rows(records):
    return tuple(dataclasses.replace(r, row=0) for r in records)


def _load(tmp_path, name="tracker.xlsx", **overrides):
    kwargs = small_tracker_rows()
    kwargs.update(overrides)
    return load_tracker(write_tracker_openpyxl(tmp_path / name, **kwargs))


# ------------------------------------------------------------------ conformant trackers


@pytest.mark.parametrize("as_tables", [True, False], ids=["tables", "plain-ranges"])
def test_conformant_tracker_loads_exact_records(tmp_path, as_tables):
    tracker = _load(tmp_path, as_tables=as_tables)
    assert tracker.issues == ()
    assert tracker.settings == EXPECTED_SETTINGS
    assert tracker.objectives == EXPECTED_OBJECTIVES
    assert tracker.actuals == EXPECTED_ACTUALS
    assert tracker.causes == EXPECTED_CAUSES
    assert tracker.actions == EXPECTED_ACTIONS
    assert tracker.updates == EXPECTED_UPDATES
    assert tracker.source == "tracker.xlsx"


@pytest.mark.parametrize("as_tables", [True, False], ids=["tables", "plain-ranges"])
def test_odd_headers_order_extra_columns_and_blank_rows_load_the_same(tmp_path, as_tables):
    kwargs = small_tracker_rows()
    # blank rows between records, an extra column on every sheet, and each sheet's columns reversed
    for sheet in ("objectives", "actuals", "causes", "actions", "updates"):
        rows = [dict(r, **{"Notes (ours)": "x"}) for r in kwargs[sheet]]
        kwargs[sheet] = [rows[0], None, *rows[1:], None]
    from saypro_xl import contract

    columns = {name: [c.header for c in cols if not c.computed][::-1] + ["Due Date"]
               for name, cols in contract.INPUT_SHEETS.items()}
    kwargs.update(
        as_tables=as_tables, columns=columns,
        header_text=lambda h: f"  {h.upper().replace(' ', '   ')} ",
        sheet_title=lambda name: name.lower(),
        first_row=3, first_col=2,
    )
    tracker = load_tracker(write_tracker_openpyxl(tmp_path / "odd.xlsx", **kwargs))
    assert tracker.issues == ()
    assert tracker.settings == EXPECTED_SETTINGS
    assert _no_rows(tracker.objectives) == _no_rows(EXPECTED_OBJECTIVES)
    assert _no_rows(tracker.actuals) == _no_rows(EXPECTED_ACTUALS)
    assert _no_rows(tracker.causes) == _no_rows(EXPECTED_CAUSES)
    assert _no_rows(tracker.actions) == _no_rows(EXPECTED_ACTIONS)
    assert _no_rows(tracker.updates) == _no_rows(EXPECTED_UPDATES)
    # header on row 3, first record on row 4, a blank row 5, so the second record is on row 6
    assert [o.row for o in tracker.objectives] == [4, 6]
    assert [a.row for a in tracker.actuals] == [4, 6, 7, 8, 9]


def test_grid_starts_at_a1_whatever_the_used_range(tmp_path):
    path = write_tracker_openpyxl(tmp_path / "offset.xlsx", **small_tracker_rows(), first_row=3,
                                  first_col=2, as_tables=False)
    rows = FileRowSource(path).rows("Objectives")
    assert rows[0] == [] or all(v is None for v in rows[0])
    assert rows[2][1] == "KPI ID"
    assert rows[3][1] == "K1"


def test_score_of_openpyxl_tracker(tmp_path):
    card = rules.score(_load(tmp_path))
    assert card.as_of == d(2025, 3, 31)
    kpis = {k.kpi_id: k for k in card.kpis}
    assert (kpis["K1"].status, kpis["K1"].trend, kpis["K1"].gap_pct) == (
        KpiStatus.OFF_TRACK, Trend.DECLINING, -0.125)
    assert kpis["K2"].status is KpiStatus.AT_RISK
    assert kpis["K2"].target == pytest.approx(10.0)
    actions = {a.action_id: a for a in card.actions}
    assert actions["A1"].health is Health.DONE and actions["A1"].pct_complete == 100.0
    assert actions["A2"].health is Health.OVERDUE and actions["A2"].due_date == d(2025, 3, 15)
    assert (actions["A3"].health, actions["A3"].slippage_days) == (Health.ON_TRACK, 23)


def test_due_date_equal_to_formula_or_uncached_formula_is_not_typed_over(tmp_path):
    kwargs = small_tracker_rows()
    kwargs["actions"][0]["Due Date"] = d(2025, 3, 17)  # start 3 March + 2 weeks: the formula's result
    kwargs["actions"][1]["Due Date"] = "=H3+7*I3"  # openpyxl stores no cached value
    tracker = load_tracker(write_tracker_openpyxl(tmp_path / "due.xlsx", **kwargs))
    assert tracker.issues == ()
    assert [a.due_date_typed for a in tracker.actions] == [None, None, d(2025, 4, 30)]


def test_cached_formula_values_and_errors_from_a_saved_workbook(tmp_path):
    # As Excel saves them: t="e" error caches, a zero cache in a date-formatted formula cell.
    path = tmp_path / "cached.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("Data")
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_formula("A1", "=NA()", None, "#N/A")
    sheet.write_formula("B1", "=1/0", None, "#DIV/0!")
    sheet.write_formula("C1", "=D1+7", date_format, 0)
    sheet.write_string("D1", "#N/A")
    sheet.write_formula("A2", "=DATE(2025,1,1)", date_format, 45658)
    book.close()
    rows = FileRowSource(path).rows("Data")
    assert rows[0] == [CellError("#N/A"), CellError("#DIV/0!"), dt.time(0, 0), "#N/A"]
    assert rows[1][0] == d(2025, 1, 1)


def test_error_values_are_put_back_whichever_sheet_is_read_first(tmp_path):
    # A sheet the guard found no t="e" in is not scanned again; one it did is, and gets its codes.
    path = tmp_path / "two.xlsx"
    book = xlsxwriter.Workbook(path)
    book.add_worksheet("Clean").write_number("A1", 1)
    book.add_worksheet("Errors").write_formula("A1", "=NA()", None, "#N/A")
    book.close()
    for isolated in (False, True):
        source = FileRowSource(path, isolated=isolated)
        assert source.rows("Clean") == [[1.0]]
        assert source.rows("Errors") == [[CellError("#N/A")]]
        assert FileRowSource(path, isolated=isolated).rows("Errors") == [[CellError("#N/A")]]


# ------------------------------------------------------------------------ planted errors


def _plant(sheet, index, header, value):
    def change(kwargs):
        row = kwargs[sheet][index]
        if value is _DELETE:
            row.pop(header)
        else:
            row[header] = value
    return change


def _plain_number_date(sheet, index, header, serial):
    def change(kwargs):
        for row in kwargs[sheet]:  # the others as ISO text, so only the planted cell is a number
            row[header] = row[header].isoformat()
        kwargs[sheet][index][header] = serial
        kwargs["number_formats"] = {header: "General"}
    return change


def _append(sheet, row):
    def change(kwargs):
        kwargs[sheet].append(row)
    return change


_DELETE = object()
E, W = Severity.ERROR, Severity.WARNING

# (id, change, expected issue text, severity, what the records then hold)
PLANTED = [
    ("text-date-impossible", _plant("actions", 0, "Start Date", "31/02/2025"),
     'Actions!H2: Start Date "31/02/2025" is not a date (use 2025-02-28 or a date cell)', E,
     lambda t: [a.action_id for a in t.actions] == ["A2", "A3"]),
    ("text-date-month-first", _plant("actions", 0, "Start Date", "03/31/2025"),
     'Actions!H2: Start Date "03/31/2025" is not a date (use 2025-03-31 or a date cell)', E,
     lambda t: len(t.actions) == 2),
    ("text-date-junk", _plant("actions", 0, "Start Date", "next week"),
     'Actions!H2: Start Date "next week" is not a date (use 2025-02-28 or a date cell)', E,
     lambda t: len(t.actions) == 2),
    ("blank-required", _plant("actions", 0, "Owner", None),
     "Actions!G2: Owner is blank; fill it in or delete the row", E,
     lambda t: [a.action_id for a in t.actions] == ["A2", "A3"]),
    ("text-for-number", _plant("objectives", 0, "Target Value", "eighty"),
     'Objectives!I2: Target Value "eighty" is not a number or a wording we read; type a number, or e.g. '
     '"15% increase", "30% reduction", "+5 pp", "2-week reduction" or "reach 90"', E,
     lambda t: [o.kpi_id for o in t.objectives] == ["K2"] and len(t.actuals) == 5),
    ("number-as-text", _plant("actuals", 1, "Actual", " 72.5 "),
     'Actuals!C3: Actual "72.5" is text, read as the number 72.5; retype it as a number', W,
     lambda t: t.actuals[1].actual == 72.5),
    ("unknown-kpi", _plant("actuals", 1, "KPI ID", "K9"),
     'Actuals!A3: KPI ID "K9" is not on the Objectives sheet; add it there or correct the ID', E,
     lambda t: len(t.actuals) == 4),
    ("kpi-wrong-case", _plant("causes", 0, "KPI ID", "k1"),
     'Causes!B2: KPI ID "k1" is not on the Objectives sheet (did you mean "K1"?); add it there or '
     "correct the ID", E,
     lambda t: [c.cause_id for c in t.causes] == ["C2"]),
    ("action-unknown-cause", _plant("actions", 1, "Cause ID", "C9"),
     'Actions!B3: Cause ID "C9" is not on the Causes sheet; add it there or correct the ID', E,
     lambda t: t.actions[1].cause_id == "" and t.actions[1].kpi_id == "K2"),
    ("action-unknown-kpi", _plant("actions", 2, "KPI ID", "K7"),
     'Actions!C4: KPI ID "K7" is not on the Objectives sheet; add it there or correct the ID', E,
     lambda t: t.actions[2].kpi_id == "" and len(t.actions) == 3),
    ("action-kpi-differs-from-cause", _plant("actions", 1, "KPI ID", "K1"),
     'Actions!C3: KPI ID "K1" differs from the KPI of cause "C2" (K2); correct one of them', W,
     lambda t: t.actions[1].kpi_id == "K1"),
    ("update-unknown-action", _plant("updates", 1, "Action ID", "A9"),
     'Updates!B3: Action ID "A9" is not on the Actions sheet; add it there or correct the ID', E,
     lambda t: len(t.updates) == 1),
    ("duplicate-action-id", _plant("actions", 2, "Action ID", "A1"),
     'Actions!A4: Action ID "A1" is used again (first at row 2); give each action its own ID', E,
     lambda t: [a.action_id for a in t.actions] == ["A1", "A2"]),
    ("duplicate-kpi-id", _append("objectives", {"KPI ID": "K1", "Department": "Ops", "KPI": "Other",
                                                 "Direction": "Higher is better", "Target Type": "Absolute",
                                                 "Target Value": 1, "Frequency": "Weekly"}),
     'Objectives!A4: KPI ID "K1" is used again (first at row 2); give each KPI its own ID', E,
     lambda t: [o.kpi_id for o in t.objectives] == ["K1", "K2"] and t.objectives[0].kpi == "Leads converted"),
    ("error-cell-optional", _plant("actuals", 0, "Comment", ExcelError("#N/A")),
     "Actuals!E2: Comment holds the Excel error #N/A, read as blank; type the value or fix the formula",
     W, lambda t: t.actuals[0].comment == "" and len(t.actuals) == 5),
    ("error-cell-required", _plant("actuals", 0, "Actual", ExcelError("#DIV/0!")),
     "Actuals!C2: Actual holds the Excel error #DIV/0!; type the value or fix the formula", E,
     lambda t: len(t.actuals) == 4),
    ("pct-over-100", _plant("actions", 1, "% Complete", 150),
     "Actions!L3: % Complete 150 is outside 0–100; type a percentage between 0 and 100", E,
     lambda t: t.actions[1].pct_complete is None and len(t.actions) == 3),
    ("pct-negative", _plant("updates", 0, "% Complete", -0.2),
     "Updates!E2: % Complete -0.2 is outside 0–100; type a percentage between 0 and 100", E,
     lambda t: t.updates[0].pct_complete is None),
    ("timeline-zero", _plant("actions", 1, "Timeline (weeks)", 0),
     "Actions!I3: Timeline (weeks) 0 must be more than 0; type the number of weeks, e.g. 2", E,
     lambda t: [a.action_id for a in t.actions] == ["A1", "A3"]),
    ("due-before-start", _plant("actions", 2, "Due Date", d(2025, 3, 1)),
     "Actions!S4: Due Date 2025-03-01 is before Start Date 2025-03-10; correct one of them", E,
     lambda t: t.actions[2].due_date_typed is None and len(t.actions) == 3),
    ("unknown-choice-optional", _plant("actions", 0, "Strategy", "Trainng"),
     'Actions!F2: Strategy "Trainng" is not one of the choices (Adjust strategy, Reallocate resources, '
     "Training, Process improvement, Technology); pick one from the drop-down", E,
     lambda t: t.actions[0].strategy is None and len(t.actions) == 3),
    ("unknown-choice-required", _plant("objectives", 1, "Direction", "Down"),
     'Objectives!E3: Direction "Down" is not one of the choices (Higher is better, Lower is better); '
     "pick one from the drop-down", E,
     lambda t: [o.kpi_id for o in t.objectives] == ["K1"]),
    ("baseline-needed", _plant("objectives", 1, "Baseline", None),
     'Objectives!F3: Baseline is blank but Target Type "% change from baseline" needs it; fill in the '
     "baseline or use an Absolute target", E,
     lambda t: t.objectives[1].baseline is None),
    ("duplicate-period", _plant("actuals", 1, "Period End", d(2025, 1, 31)),
     'Actuals!B3: KPI "K1" already has an actual for 2025-01-31 (row 2); the lower row counts, delete '
     "the one that is wrong", W,
     lambda t: [a.period_end for a in t.actuals[:2]] == [d(2025, 1, 31)] * 2),
    ("objective-tolerance-fraction", _plant("objectives", 1, "Tolerance %", 0.1),
     None, None, lambda t: t.objectives[1].tolerance_pct == 10.0),
    ("objective-tolerance-too-big", _plant("objectives", 1, "Tolerance %", 150),
     "Objectives!K3: Tolerance % 150 is outside 0–100; type a percentage such as 5", E,
     lambda t: t.objectives[1].tolerance_pct is None and len(t.objectives) == 2),
    ("negative-weight", _plant("causes", 1, "Weight", -4),
     "Causes!L3: Weight -4 is negative; type 0 or more", E, lambda t: t.causes[1].weight is None),
    ("confirmed-as-boolean", _plant("causes", 1, "Confirmed", True),
     None, None, lambda t: t.causes[1].confirmed is True),
    ("pct-as-text", _plant("actions", 1, "% Complete", "45%"),
     None, None, lambda t: t.actions[1].pct_complete == 45.0),
    ("serial-number-date", _plain_number_date("updates", 0, "Date", 45726),
     "Updates!A2: Date 45726 is a plain number, read as the date 2025-03-10; format the cell as a date",
     W, lambda t: t.updates[0].date == d(2025, 3, 10)),
]


@pytest.mark.parametrize("change, expected, severity, records_ok",
                         [p[1:] for p in PLANTED], ids=[p[0] for p in PLANTED])
def test_planted_error_reported_at_its_cell(tmp_path, change, expected, severity, records_ok):
    kwargs = copy.deepcopy(small_tracker_rows())
    change(kwargs)
    tracker = load_tracker(write_tracker_openpyxl(tmp_path / "planted.xlsx", **kwargs))
    assert [str(i) for i in tracker.issues] == ([expected] if expected else [])
    assert [i.severity for i in tracker.issues] == ([severity] if severity else [])
    assert records_ok(tracker)


def test_text_dates_day_first_and_iso_are_accepted(tmp_path):
    kwargs = small_tracker_rows()
    kwargs["actions"][0]["Start Date"] = "3/3/2025"
    kwargs["actions"][1]["Start Date"] = "01/03/2025"
    kwargs["actions"][2]["Start Date"] = "2025-03-10"
    tracker = load_tracker(write_tracker_openpyxl(tmp_path / "text-dates.xlsx", **kwargs))
    assert tracker.issues == ()
    assert [a.start_date for a in tracker.actions] == [d(2025, 3, 3), d(2025, 3, 1), d(2025, 3, 10)]


def test_missing_required_column_is_one_error_and_no_rows(tmp_path):
    from saypro_xl import contract

    headers = [c.header for c in contract.ACTIONS if not c.computed and c.header != "Owner"]
    kwargs = small_tracker_rows()
    for row in kwargs["actions"]:
        row.pop("Owner")
    tracker = load_tracker(write_tracker_openpyxl(tmp_path / "no-owner.xlsx", **kwargs,
                                                  columns={"Actions": headers}))
    assert [str(i) for i in tracker.issues] == [
        'Actions!S1: Column "Owner" is missing; add it to the header row (row 1)',
    ]  # the updates point into a sheet that could not be read: no reference errors pile on
    assert tracker.issues[0].severity is Severity.ERROR
    assert tracker.actions == ()


def test_missing_column_is_pointed_at_the_first_free_header_cell(tmp_path):
    from saypro_xl import contract

    headers = [c.header for c in contract.OBJECTIVES if not c.computed and c.header != "Frequency"]
    tracker = _load(tmp_path, columns={"Objectives": [*headers, "Our notes"]},
                    objectives=[{k: v for k, v in row.items() if k != "Frequency"}
                                for row in small_tracker_rows()["objectives"]])
    assert [str(i) for i in tracker.issues] == [
        'Objectives!N1: Column "Frequency" is missing; add it to the header row (row 1)']
    assert tracker.objectives == () and len(tracker.actuals) == 5  # references into it go unchecked


def test_missing_optional_column_is_a_warning(tmp_path):
    from saypro_xl import contract

    headers = [c.header for c in contract.CAUSES if c.header != "Weight"]
    kwargs = small_tracker_rows()
    for row in kwargs["causes"]:
        row.pop("Weight", None)
    tracker = load_tracker(write_tracker_openpyxl(tmp_path / "no-weight.xlsx", **kwargs,
                                                  columns={"Causes": headers}))
    assert [(i.severity, str(i)) for i in tracker.issues] == [
        (Severity.WARNING, 'Causes!N1: Column "Weight" is missing, read as blank; add it to the header '
                           "row (row 1)")]
    assert [c.weight for c in tracker.causes] == [None, None]


def test_missing_causes_sheet_leaves_cause_references_unchecked(tmp_path):
    tracker = _load(tmp_path, omit_sheets=("Causes",))
    assert [(i.severity, i.sheet, i.cell) for i in tracker.issues] == [(Severity.WARNING, "Causes", "")]
    assert [a.cause_id for a in tracker.actions] == ["C1", "C2", "C2"]


def test_missing_sheets(tmp_path):
    tracker = _load(tmp_path, omit_sheets=("Actions", "Updates", "Settings"))
    assert [(i.severity, str(i)) for i in tracker.issues] == [
        (Severity.WARNING, 'Settings: The workbook has no "Settings" sheet, defaults apply; add it with '
                           "the columns Setting | Value"),
        (Severity.ERROR, 'Actions: The workbook has no "Actions" sheet; add it with the headers Action ID, '
                         "Cause ID, KPI ID, Department, Action, Strategy, Owner, Start Date, Timeline "
                         "(weeks), Milestones, Status, % Complete, Approved, Resources Needed, "
                         "Obstacles, Escalate, Expected Outcome, Last Update"),
        (Severity.WARNING, 'Updates: The workbook has no "Updates" sheet, read as empty; add it with the '
                           "headers Date, Action ID, Reporter, Status, % Complete, Note"),
    ]
    assert tracker.settings == Settings()
    assert len(tracker.objectives) == 2 and tracker.actions == () and tracker.updates == ()


def test_template_written_tracker_reads_back_the_same(tmp_path):
    from saypro_xl.template import write_tracker

    original = _load(tmp_path)
    write_tracker(tmp_path / "template.xlsx", original)
    again = load_tracker(tmp_path / "template.xlsx")
    assert again.issues == ()
    assert again.settings == original.settings
    for records in ("objectives", "actuals", "causes", "actions", "updates"):
        assert _no_rows(getattr(again, records)) == _no_rows(getattr(original, records)), records
    assert again.actions[2].due_date_typed == d(2025, 4, 30)


def test_empty_template_reads_as_empty_and_clean(tmp_path):
    from saypro_xl.template import write_tracker

    write_tracker(tmp_path / "blank.xlsx")
    tracker = load_tracker(tmp_path / "blank.xlsx")
    assert (tracker.issues, tracker.objectives, tracker.actions) == ((), (), ())
    assert (tracker.settings.tolerance_pct, tracker.settings.trend_periods, tracker.settings.as_of) == (
        5.0, 3, None)


# ------------------------------------------------------------------------------ settings


@pytest.mark.parametrize("typed, points", [
    (5, 5.0), (0.05, 5.0),  # points, or a 5 % cell's fraction
    (1, 1.0), (0.5, 50.0),  # 1 or more is points; below 1 a fraction
    ("7.5", 7.5), ("5%", 5.0), (" 0.5 % ", 0.5),  # text: a number, or a percentage as typed
])
def test_tolerance_setting_fraction_or_points(tmp_path, typed, points):
    kwargs = small_tracker_rows()
    kwargs["settings"]["Tolerance %"] = typed
    tracker = load_tracker(write_tracker_openpyxl(tmp_path / "tol.xlsx", **kwargs))
    assert tracker.settings.tolerance_pct == points


def test_bad_settings_keep_defaults_and_name_the_setting(tmp_path):
    kwargs = small_tracker_rows()
    kwargs["settings"].update({"Tolerance %": "five", "Trend Periods": 1, "As Of Date": "31/13/2025"})
    tracker = load_tracker(write_tracker_openpyxl(tmp_path / "bad-settings.xlsx", **kwargs))
    assert [str(i) for i in tracker.issues] == [
        'Settings!B5: As Of Date "31/13/2025" is not a date (use 2025-02-28 or a date cell)',
        'Settings!B9: Tolerance % "five" is not a number; type a number such as 12.5',
        "Settings!B10: Trend Periods 1 must be a whole number of 2 or more; type e.g. 3",
    ]
    assert [i.column for i in tracker.issues] == ["As Of Date", "Tolerance %", "Trend Periods"]
    assert (tracker.settings.as_of, tracker.settings.tolerance_pct, tracker.settings.trend_periods) == (
        None, 5.0, 3)


def test_blank_as_of_is_none(tmp_path):
    kwargs = small_tracker_rows()
    kwargs["settings"]["As Of Date"] = None
    assert _load(tmp_path, settings=kwargs["settings"]).settings.as_of is None


# --------------------------------------------------------------------------- hostile files


def _ole_bytes(*stream_names: str) -> bytes:
    """The start of an OLE compound file whose directory names the given streams."""
    directory = b"".join(name.encode("utf-16-le") + b"\0\0" for name in stream_names)
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + directory + b"\0" * 512


def _zip_of(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


HOSTILE = [
    ("SayPro.xls", _ole_bytes("Root Entry", "Workbook"),
     "SayPro.xls is an old .xls workbook; save it as .xlsx (File > Save As > Excel Workbook) and try again."),
    ("locked.xlsx", _ole_bytes("Root Entry", "EncryptionInfo", "EncryptedPackage"),
     "locked.xlsx is password-protected; remove the password (File > Info > Protect Workbook > Encrypt "
     "with Password, clear it), save it and try again."),
    ("random.xlsx", bytes(range(256)) * 8,
     "random.xlsx is not an Excel workbook; open the tracker in Excel and save it as .xlsx "
     "(File > Save As > Excel Workbook)."),
    ("empty.xlsx", b"",
     "empty.xlsx is empty (0 bytes); save the tracker again from Excel and try again."),
    ("notes.xlsx", _zip_of({"notes.txt": b"hello"}),
     "notes.xlsx is a zip file but not an Excel workbook; give the tracker .xlsx file instead."),
    ("cut.xlsx", b"PK\x03\x04" + b"\x14\x00" * 40,
     "cut.xlsx is damaged (its zip container cannot be opened); open it in Excel, save a fresh copy "
     "and try again."),
]


@pytest.mark.parametrize("name, data, message", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_file_gives_one_sentence(tmp_path, name, data, message):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(TrackerFileError) as caught:
        load_tracker(path)
    assert str(caught.value) == message
    assert caught.value.__suppress_context__ or caught.value.__cause__ is None


def _rewrite_member(source, target, member, change):
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            data = old.read(info.filename)
            new.writestr(info, change(data) if info.filename == member else data)


@pytest.mark.parametrize("member, message", [
    ("xl/workbook.xml", "bad.xlsx is damaged; open it in Excel, save a fresh copy and try again."),
    ("xl/worksheets/sheet2.xml", 'bad.xlsx is damaged: sheet "Objectives" cannot be read; open it in '
                                 "Excel, save a fresh copy and try again."),
])
def test_damaged_workbook_parts(tmp_path, member, message):
    good = write_tracker_openpyxl(tmp_path / "good.xlsx", **small_tracker_rows())
    _rewrite_member(good, tmp_path / "bad.xlsx", member, lambda data: data[: len(data) // 2])
    with pytest.raises(TrackerFileError) as caught:
        load_tracker(tmp_path / "bad.xlsx")
    assert str(caught.value) == message


def test_really_encrypted_workbook(tmp_path):
    msoffcrypto = pytest.importorskip("msoffcrypto.format.ooxml", reason="msoffcrypto-tool not installed")
    plain = write_tracker_openpyxl(tmp_path / "plain.xlsx", **small_tracker_rows())
    with open(plain, "rb") as source, open(tmp_path / "secret.xlsx", "wb") as target:
        msoffcrypto.OOXMLFile(source).encrypt("pa55word", target)
    with pytest.raises(TrackerFileError, match=r"^secret\.xlsx is password-protected; "):
        load_tracker(tmp_path / "secret.xlsx")


def test_missing_path_and_folder(tmp_path):
    with pytest.raises(TrackerFileError, match=r'^Tracker file ".*nope\.xlsx" was not found; check the path'):
        load_tracker(tmp_path / "nope.xlsx")
    with pytest.raises(TrackerFileError, match=r"is a folder, not a workbook; give the path"):
        load_tracker(tmp_path)


def test_reading_leaves_the_file_untouched(tmp_path):
    path = write_tracker_openpyxl(tmp_path / "keep.xlsx", **small_tracker_rows())
    old = dt.datetime(2024, 1, 2, 3, 4, 5).timestamp()
    os.utime(path, (old, old))
    before = path.read_bytes()
    tracker = load_tracker(path)
    assert len(tracker.actions) == 3
    assert path.read_bytes() == before
    assert path.stat().st_mtime == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.xlsx"]  # no lock or temp file left


# ------------------------------------------------------------------- parsing properties


@given(st.dates(min_value=d(1900, 1, 1), max_value=d(2100, 12, 31)))
def test_date_text_round_trip(day):
    assert parse_date_text(day.isoformat()) == day
    assert parse_date_text(f"{day.day}/{day.month}/{day.year}") == day
    assert parse_date_text(day.strftime("%d/%m/%Y")) == day
    assert parse_date_text(f" {day:%d.%m.%Y} ") == day


@given(st.integers(1, 31), st.integers(1, 12), st.integers(1900, 2100))
def test_day_first_text_is_a_date_exactly_when_the_calendar_has_it(day, month, year):
    try:
        real = d(year, month, day)
    except ValueError:
        real = None
    assert parse_date_text(f"{day:02d}/{month:02d}/{year}") == real


@pytest.mark.parametrize("text", ["next week", "2025/02/28", "28/02/25", "13-2025", "", "2025-2-30"])
def test_junk_date_text_is_rejected(text):
    assert parse_date_text(text) is None


@given(st.integers(0, 20000))
def test_column_letters(index):
    letters = column_letter(index)
    assert letters.isalpha() and letters.isupper()
    value = 0
    for ch in letters:
        value = value * 26 + ord(ch) - 64
    assert value - 1 == index


def test_cell_ref():
    assert [cell_ref(13, 7), cell_ref(0, 0), cell_ref(9, 26)] == ["H14", "A1", "AA10"]


# ------------------------------------------------------------------------ row sources


class ListSource:
    """A row source from lists, as the Excel door hands them over."""

    name = "live"

    def __init__(self, sheets):
        self._sheets = sheets

    def sheet_names(self):
        return list(self._sheets)

    def rows(self, sheet):
        return self._sheets[sheet]


def test_read_tracker_from_any_row_source_and_error_values():
    tracker = read_tracker(ListSource({
        "objectives": [
            [],  # blank rows above the used range come as empty lists from the live source

            ["KPI ID", "Department", "KPI", "Direction", "Target Type", "Target Value", "Frequency"],
            ["K1", "Sales", "Leads", "higher is better", "ABSOLUTE", 80, "monthly"],
        ],
        "Actuals": [["KPI ID", "Period End", "Actual", "Source"],
                    ["K1", dt.datetime(2025, 1, 31, 0, 0), 70.0, CellError("#REF!")]],
        "Actions": [["Action ID", "Department", "Action", "Owner", "Start Date", "Timeline (weeks)",
                     "Status"]],
    }))
    assert tracker.source == "live"
    assert tracker.objectives[0].direction is Direction.HIGHER and tracker.objectives[0].row == 3
    assert tracker.actuals == (Actual("K1", d(2025, 1, 31), 70.0, "", "", row=2),)
    messages = [str(i) for i in tracker.issues]
    assert ("Actuals!D2: Source holds the Excel error #REF!, read as blank; type the value or fix the "
            "formula") in messages


def test_big_tracker_reads_fast(tmp_path):
    from openpyxl import Workbook

    path = tmp_path / "big.xlsx"
    book = Workbook(write_only=True)
    from saypro_xl import contract

    sheets = {}
    for name in ["Settings", *contract.INPUT_SHEETS]:
        sheets[name] = book.create_sheet(name)
    sheets["Settings"].append(["Setting", "Value"])
    sheets["Objectives"].append([c.header for c in contract.OBJECTIVES if not c.computed])
    for k in range(100):
        sheets["Objectives"].append([f"K{k}", "Dept", "KPI", "", "Higher is better", 10, None, "Absolute", 20,
                                     None, None, "Weekly", "Owner"])
    sheets["Actuals"].append([c.header for c in contract.ACTUALS])
    for i in range(20000):
        sheets["Actuals"].append([f"K{i % 100}", d(2024, 1, 1) + dt.timedelta(days=i // 100), float(i % 37)])
    sheets["Causes"].append(["Cause ID", "KPI ID", "Description"])
    sheets["Actions"].append([c.header for c in contract.ACTIONS if not c.computed])
    for i in range(5000):
        sheets["Actions"].append([f"A{i}", None, f"K{i % 100}", "Dept", "Do it", "Training", "Owner",
                                  d(2025, 1, 1), 3, "", "In progress", 0.25, "Yes", "", "", "No", "", None])
    sheets["Updates"].append(["Date", "Action ID", "Reporter", "Status", "% Complete", "Note"])
    book.save(path)

    started = time.perf_counter()
    tracker = load_tracker(path)
    elapsed = time.perf_counter() - started
    assert (len(tracker.actuals), len(tracker.actions), tracker.errors) == (20000, 5000, ())
    assert tracker.actions[-1].pct_complete == 25.0
    assert elapsed < 6, f"reading took {elapsed:.1f} s"


def _actions_source(pct):
    headers = ["Action ID", "Department", "Action", "Owner", "Start Date", "Timeline (weeks)", "Status",
               "% Complete"]
    return ListSource({
        "Objectives": [["KPI ID", "Department", "KPI", "Direction", "Target Type", "Target Value",
                        "Frequency"]],
        "Actuals": [["KPI ID", "Period End", "Actual"]],
        "Actions": [headers, ["A1", "Ops", "Fix", "Ana", d(2025, 1, 6), 2.0, "In progress", pct]],
    })


@given(st.floats(0, 1))
def test_percent_complete_fraction_is_scaled(fraction):
    tracker = read_tracker(_actions_source(fraction))
    assert tracker.actions[0].pct_complete == fraction * 100


@given(st.floats(1, 100, exclude_min=True))
def test_percent_complete_points_are_kept(points):
    tracker = read_tracker(_actions_source(points))
    assert tracker.actions[0].pct_complete == points


@given(st.one_of(st.floats(100, 1e9, exclude_min=True), st.floats(-1e9, 0, exclude_max=True)))
def test_percent_complete_out_of_range_is_an_error_and_blank(value):
    tracker = read_tracker(_actions_source(value))
    assert tracker.actions[0].pct_complete is None
    assert [(i.severity, i.cell, i.column) for i in tracker.errors] == [(Severity.ERROR, "H2", "% Complete")]


# Cell texts as staff type them: no surrounding spaces, and not an Excel error code.
_texts = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zs", "Zl", "Zp")),
                 min_size=1, max_size=12).filter(
    lambda t: t.strip() == t and t.upper() not in EXCEL_ERROR_CODES)


@st.composite
def _actions(draw):
    start = draw(st.dates(min_value=d(2000, 1, 1), max_value=d(2090, 1, 1)))
    weeks = draw(st.sampled_from([0.5, 1.0, 2.0, 3.0, 4.0, 12.0]))
    typed = draw(st.one_of(st.none(), st.integers(0, 400).map(lambda n: start + dt.timedelta(days=n))))
    if typed == rules.original_due(start, weeks):
        typed = None  # equal to the formula: not typed over
    return Action(
        action_id=draw(_texts), cause_id="", kpi_id="", department=draw(_texts), action=draw(_texts),
        strategy=draw(st.one_of(st.none(), st.sampled_from(list(Strategy)))), owner=draw(_texts),
        start_date=start, timeline_weeks=weeks, due_date_typed=typed,
        milestones=draw(st.one_of(st.just(""), _texts)),
        status=draw(st.sampled_from(list(ActionStatus))),
        pct_complete=draw(st.one_of(st.none(), st.just(0.0), st.floats(1, 100, exclude_min=True))),
        approved=draw(st.one_of(st.none(), st.sampled_from(list(Approval)))),
        escalate=draw(st.booleans()), last_update=draw(st.one_of(st.none(), st.dates())), row=2,
    )


def _action_row(action: Action, headers):
    due = action.due_date_typed or rules.original_due(action.start_date, action.timeline_weeks)
    values = {
        "Action ID": action.action_id, "Department": action.department, "Action": action.action,
        "Strategy": action.strategy and action.strategy.value.upper(), "Owner": action.owner,
        "Start Date": action.start_date, "Timeline (weeks)": action.timeline_weeks, "Due Date": due,
        "Milestones": action.milestones or None, "Status": action.status.value,
        "% Complete": action.pct_complete, "Approved": action.approved and action.approved.value,
        "Escalate": "Yes" if action.escalate else "no", "Last Update": action.last_update,
    }
    return [values.get(h) for h in headers]


@given(st.lists(_actions(), min_size=1, max_size=5, unique_by=lambda a: a.action_id))
def test_action_rows_round_trip(actions):
    from saypro_xl import contract

    headers = [c.header for c in contract.ACTIONS]
    rows = [headers] + [_action_row(a, headers) for a in actions]
    tracker = read_tracker(ListSource({"Objectives": [["KPI ID", "KPI"]], "Actuals": [["KPI ID"]],
                                       "Actions": rows}))
    assert tracker.actions == tuple(dataclasses.replace(a, row=i) for i, a in enumerate(actions, start=2))
    assert [i for i in tracker.issues if i.sheet == "Actions"] == []


def test_sheet_without_header_row_and_empty_required_sheet():
    tracker = read_tracker(ListSource({
        "Settings": [],
        "Objectives": [["Our KPIs"], ["K1", "Sales"]],
        "Actuals": [],
        "Causes": [], "Updates": [],
        "Actions": [["Action ID", "Department", "Action", "Owner", "Start Date", "Timeline (weeks)",
                     "Status"]],
    }))
    assert [str(i) for i in tracker.errors] == [
        "Objectives: No header row found in the first 10 rows; put the headers KPI ID, Department, KPI, "
        "Unit, Direction, Baseline, Baseline Date, Target Type, Target Value, Target Date, Tolerance %, Frequency, "
        "Owner in one row",
        "Actuals: The sheet is empty; add the headers KPI ID, Period End, Actual, Source, Comment and its "
        "rows",
    ]


def test_baseline_and_target_dates_are_read_and_optional(tmp_path):
    from saypro_xl import contract

    rows = small_tracker_rows()
    rows["objectives"][0].update({"Baseline Date": dt.date(2025, 1, 1), "Target Date": "30/06/2025"})
    tracker = _load(tmp_path, **rows)
    assert tracker.issues == ()
    k1, k2 = tracker.objectives
    assert (k1.baseline_date, k1.target_date) == (dt.date(2025, 1, 1), dt.date(2025, 6, 30))
    assert (k2.baseline_date, k2.target_date) == (None, None)
    # An older tracker without the two columns reads without a word.
    older = [c.header for c in contract.OBJECTIVES
             if not c.computed and c.header not in ("Baseline Date", "Target Date")]
    plain = small_tracker_rows()
    old = write_tracker_openpyxl(tmp_path / "old.xlsx", columns={"Objectives": older}, **plain)
    assert load_tracker(old).issues == ()


def test_a_target_date_not_after_the_baseline_date_is_a_warning(tmp_path):
    rows = small_tracker_rows()
    rows["objectives"][0].update({"Baseline Date": dt.date(2025, 6, 30), "Target Date": dt.date(2025, 6, 1)})
    tracker = _load(tmp_path, **rows)
    assert [str(i) for i in tracker.issues] == [
        "Objectives!J2: Target Date 2025-06-01 is not after Baseline Date 2025-06-30; put the target date "
        "later (pace needs a path from baseline to target)"]
    assert tracker.warnings == tracker.issues


# ------------------------------------------------------------ the plain-row fast path

# Each input column's cells as a mix of what the fast path takes (clean text, number and date
# cells, exact choices) and everything it must leave to the full reader: blanks, padded or
# error-looking text, error values, booleans, ints, non-finite numbers, text numbers and dates,
# serials, choices in other case, out-of-range percentages, datetimes with a time. IDs come from
# a few values, so rows repeat them and point at ones no sheet has.
_NAN, _INF = float("nan"), float("inf")
_ERR = CellError("#REF!")
_IDS = ["K1", "K2", "K3", "C1", "C2", "A1", "A2", "k1", " K1", "K1 ", "#N/A", "#1", "", None, 1.0, True, _ERR]
_TEXTS = ["Sales", "two words", "Ünïcode ✓", None, "", "  ", " pad", "pad ", "#REF!", "#tag", _ERR, 3.0, 2.5,
          True, d(2025, 1, 31), "line\nbreak"]
_NUMBERS = [10.0, 0.0, -0.0, -5.0, 0.5, 1.0, 80.0, 150.0, 7, None, "", "12", "1,234", "abc", " 3 ", _NAN, _INF,
            True, _ERR, d(2025, 1, 1)]
_DATES = [d(2025, 1, 31), dt.datetime(2025, 1, 31), d(2024, 12, 31), d(2025, 1, 6), d(2025, 1, 20),
          dt.datetime(2025, 1, 20, 12, 30), None, "", "2025-01-31", "31/01/2025", "junk", 45688.0, 5.0, True,
          _ERR, dt.time(0, 0), dt.timedelta(0)]
_PERCENTS = [0.5, 1.0, 0.0, 50.0, 100.0, 150.0, -1.0, "45%", "x%", None, _NAN, True, 60]
_TOLERANCES = [0.05, 5.0, 1.0, 0.0, 150.0, -0.5, "5%", None, "abc", _INF]


def _choices(enum):
    values = [m.value for m in enum]
    return values + [values[0].upper(), f" {values[-1]}", "nope", None, "", True, _ERR]


def _pool(sheet, column):
    """The cells a column of the equivalence test draws from."""
    header = column.header
    if header.endswith("ID"):
        return _IDS
    if column.kind == "choice":
        enum = {"Direction": Direction, "Target Type": TargetType, "Frequency": Frequency,
                "Category": CauseCategory, "Fishbone": Fishbone, "Evidence": Evidence, "Strategy": Strategy,
                "Status": ActionStatus, "Approved": Approval}.get(header)
        return _choices(enum) if enum else ["Yes", "No", "yes", "Pending", None, True, False, _ERR]
    if header == "% Complete":
        return _PERCENTS
    if header == "Tolerance %":
        return _TOLERANCES
    if header == "Target Value":
        return _NUMBERS + ["15% increase", "reduce by 5", "up 10"]
    if header == "Timeline (weeks)":
        return [2.0, 1.5, 0.0, -1.0, 1e12, None, "3", True, 4]
    if header == "Start Date":  # 2 weeks from 2025-01-06 is the Due Date formula's 2025-01-20
        return [d(2025, 1, 6), dt.datetime(2025, 1, 6, 9), d(2025, 1, 31), *_DATES]
    if header == "Due Date":  # the formula's date, none, one before the start, a typed one, 0
        return [d(2025, 1, 20), None, d(2024, 12, 31), d(2025, 3, 3), 0.0, -0.0, *_DATES]
    if header == "Weight":
        return [10.0, 0.0, -5.0, *_NUMBERS]
    if column.kind == "date":
        return _DATES
    if column.kind in ("number", "percent", "int"):
        return _NUMBERS
    return _TEXTS


@st.composite
def _input_sheets(draw):
    from saypro_xl import contract

    sheets = {}
    for name, columns in contract.INPUT_SHEETS.items():
        kept = [c for c in columns if c.required or draw(st.integers(0, 5))]  # an optional column may be missing
        if draw(st.booleans()):
            kept = draw(st.permutations(kept))
        rows = [[c.header for c in kept]]
        for _ in range(draw(st.integers(0, 10))):
            # A plain-looking row (each pool starts with values the fast path may take), then up to
            # three cells of anything.
            row = [_pool(name, c)[draw(st.sampled_from([0, 0, 1, 2]))] for c in kept]
            for _ in range(draw(st.sampled_from([0, 1, 1, 1, 2, 3])) if kept else 0):
                at = draw(st.integers(0, len(kept) - 1))
                row[at] = draw(st.sampled_from(_pool(name, kept[at])))
            if draw(st.integers(0, 9)) == 0:
                row = row[:draw(st.integers(0, len(row)))]  # a short row, as a live range may hand over
            rows.append(row)
        sheets[name] = rows
    return sheets


@hypothesis_settings(max_examples=200)
@given(_input_sheets())
def test_plain_row_fast_path_reads_exactly_as_the_full_path(sheets):
    fast, full = _fast_and_full(sheets)
    assert fast.issues == full.issues
    assert fast == full


def test_plain_rows_take_the_fast_path(tmp_path, monkeypatch):
    """The sample tracker is all plain rows: none of its input rows needs a _Row (else the fast
    path would be silently dead and the test above vacuous)."""
    from saypro_xl import read

    made = []

    class CountedRow(read._Row):
        def __init__(self, sheet, *args):
            made.append(sheet.title)
            super().__init__(sheet, *args)

    monkeypatch.setattr(read, "_Row", CountedRow)
    tracker = _load(tmp_path)
    assert tracker.issues == () and len(tracker.actuals) == 5
    assert [title for title in made if title != "Settings"] == []


def _fast_and_full(sheets):
    from saypro_xl import read

    fast = read_tracker(ListSource(copy.deepcopy(sheets)))
    read._PLAIN_ROWS = False
    try:
        full = read_tracker(ListSource(copy.deepcopy(sheets)))
    finally:
        read._PLAIN_ROWS = True
    return fast, full


def test_every_single_cell_change_reads_the_same_both_ways():
    """Two plain rows per sheet, then each cell of the first row in turn given each value of its
    column's pool: every test of the fast path meets the value that must make it step aside."""
    from saypro_xl import contract

    # Row 1 refers to K1, C1, A1 and row 2 to K2, C2, A2; a target needing its baseline, and the
    # second actual on the same day as the first (for the other KPI).
    own = {"KPI ID": "K1", "Cause ID": "C1", "Action ID": "A1", "Target Date": d(2025, 12, 31),
           "Target Type": TargetType.CHANGE.value}
    second = {"KPI ID": "K2", "Cause ID": "C2", "Action ID": "A2"}
    base = {}
    for name, columns in contract.INPUT_SHEETS.items():
        kept = [c for c in columns if not c.computed or c.header == "Due Date"]
        first = [own.get(c.header, _pool(name, c)[0]) for c in kept]
        again = [second.get(c.header, v) for c, v in zip(kept, first)]
        base[name] = ([c.header for c in kept], first, again, kept)
    sheets = {name: [headers, list(first), list(again)] for name, (headers, first, again, _) in base.items()}
    sheets["Settings"] = [["Setting", "Value"]]
    fast, full = _fast_and_full(sheets)
    assert fast == full and [str(i) for i in fast.issues] == []  # the base is plain, and all of it reads
    assert (len(fast.objectives), len(fast.actuals), len(fast.causes), len(fast.actions), len(fast.updates)) \
        == (2, 2, 2, 2, 2)
    tried = 0
    for name, (headers, first, again, kept) in base.items():
        for at, column in enumerate(kept):
            for value in [*_pool(name, column), "K2", "C2", "A2"]:
                changed = copy.deepcopy(sheets)
                changed[name][1][at] = value
                fast, full = _fast_and_full(changed)
                assert fast.issues == full.issues, (name, column.header, value)
                assert fast == full, (name, column.header, value)
                tried += 1
    assert tried > 1000
