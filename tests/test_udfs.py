"""The Excel custom functions, called directly with what Excel hands them."""

import datetime as dt
import gc
import io
import re

import pytest

from saypro_xl import rules
from saypro_xl.excel import udfs
from saypro_xl.model import Direction, KpiStatus
from saypro_xl.read import load_tracker

from builders import small_tracker_rows, write_tracker_openpyxl
from fake_book import FakeBook

HIGHER, LOWER = "Higher is better", "Lower is better"


# ------------------------------------------------------------------- SAYPRO_TARGET


@pytest.mark.parametrize(
    "kind, value, baseline, expected",
    [
        ("Absolute", 80.0, None, 80.0),
        ("% change from baseline", 15.0, 20.0, 23.0),
        ("% change from baseline", -50.0, 20.0, 10.0),
        ("Change from baseline", -2.0, 3.0, 1.0),
        ("  absolute ", "40", None, 40.0),  # case, spaces and numeric text as Excel may give them
    ],
)
def test_target(kind, value, baseline, expected):
    assert udfs.SAYPRO_TARGET(kind, value, baseline) == pytest.approx(expected)


@pytest.mark.parametrize(
    "args, message",
    [
        (("Relative", 1.0, 2.0), "#SAYPRO! target_type must be Absolute, % change from baseline or Change from baseline"),
        (("Absolute", None, 2.0), "#SAYPRO! target_value is blank"),
        (("Absolute", "lots", 2.0), '#SAYPRO! target_value must be a number, not "lots"'),
        (("Change from baseline", 5.0, None), "#SAYPRO! baseline is blank (needed for Change from baseline)"),
        (("Absolute", True, None), "#SAYPRO! target_value must be a number, not True"),
    ],
)
def test_target_bad_input(args, message):
    assert udfs.SAYPRO_TARGET(*args) == message


# ------------------------------------------------------------- gap, gap %, status


@pytest.mark.parametrize(
    "direction, target, actual, gap, gap_pct",
    [
        (HIGHER, 80.0, 70.0, -10.0, -0.125),
        (HIGHER, 80.0, 88.0, 8.0, 0.1),
        (LOWER, 10.0, 10.3, -0.3, -0.03),
        (LOWER, 10.0, 8.0, 2.0, 0.2),
    ],
)
def test_gap_and_gap_pct(direction, target, actual, gap, gap_pct):
    assert udfs.SAYPRO_GAP(direction, target, actual) == pytest.approx(gap)
    assert udfs.SAYPRO_GAP_PCT(direction, target, actual) == pytest.approx(gap_pct)
    way = Direction.parse(direction)
    assert udfs.SAYPRO_GAP_PCT(direction, target, actual) == rules.gap_pct(way, target, actual)


def test_gap_blanks_show_as_empty_text_not_zero():
    assert udfs.SAYPRO_GAP(HIGHER, 80.0, None) == ""
    assert udfs.SAYPRO_GAP_PCT(HIGHER, 0.0, 3.0) == ""  # no percentage of a zero target
    assert udfs.SAYPRO_GAP(LOWER, 0.0, 3.0) == -3.0


def test_gap_bad_direction_and_blank_target():
    assert udfs.SAYPRO_GAP("Up", 1.0, 2.0) == "#SAYPRO! direction must be Higher is better or Lower is better"
    assert udfs.SAYPRO_GAP_PCT(HIGHER, None, 2.0) == ""  # like the native Gap % column
    assert udfs.SAYPRO_GAP(HIGHER, "eighty", 2.0) == '#SAYPRO! target must be a number, not "eighty"'


@pytest.mark.parametrize(
    "direction, target, actual, tolerance, expected",
    [
        (HIGHER, 80.0, None, None, "No Data"),
        (HIGHER, 80.0, 80.0, None, "On Track"),
        (HIGHER, 80.0, 76.0, None, "At Risk"),  # 5 % behind: exactly the default tolerance
        (HIGHER, 80.0, 75.9, None, "Off Track"),
        (LOWER, 10.0, 10.9, 10.0, "At Risk"),
        (LOWER, 10.0, 10.9, 0.1, "At Risk"),  # a 10 % percent cell arrives as 0.1
        (LOWER, 10.0, 11.1, 10.0, "Off Track"),
        (LOWER, 0.0, 0.5, None, "Off Track"),  # any shortfall against a zero target
        (HIGHER, None, 5.0, None, "No Data"),
    ],
)
def test_status(direction, target, actual, tolerance, expected):
    assert udfs.SAYPRO_STATUS(direction, target, actual, tolerance) == expected


def test_status_matches_rules_on_a_grid_of_values():
    for actual in [60.0, 75.0, 76.0, 79.99, 80.0, 95.0]:
        for tolerance in [0.0, 5.0, 20.0]:
            expected = rules.kpi_status(Direction.HIGHER, 80.0, actual, tolerance)
            assert udfs.SAYPRO_STATUS(HIGHER, 80.0, actual, tolerance) == expected.value


def test_status_bad_tolerance():
    assert udfs.SAYPRO_STATUS(HIGHER, 80.0, 70.0, -5.0) == "#SAYPRO! tolerance_pct must be between 0 and 100 %"
    assert udfs.SAYPRO_STATUS(HIGHER, 80.0, 70.0, "five") == '#SAYPRO! tolerance_pct must be a number, not "five"'


# ---------------------------------------------------------------------- trend


def test_trend_over_a_column_range_skips_blanks():
    # slope +5 per period on a target of 100 = 5 % > 1 %: Improving
    column = [[90.0], [None], [95.0], [100.0]]
    assert udfs.SAYPRO_TREND(HIGHER, 100.0, column) == "Improving"
    assert udfs.SAYPRO_TREND(LOWER, 100.0, column) == "Declining"


def test_trend_stable_and_too_few():
    assert udfs.SAYPRO_TREND(HIGHER, 100.0, [100.0, 100.5, 100.9]) == "Stable"  # 0.45 % a period
    assert udfs.SAYPRO_TREND(HIGHER, 100.0, 42.0) == ""  # one cell arrives as a bare value
    assert udfs.SAYPRO_TREND(HIGHER, 100.0, [[1.0, "n/a"]]) == '#SAYPRO! actuals_range must be a number, not "n/a"'


# --------------------------------------------------------------------- health

AS_OF = dt.datetime(2025, 3, 31)


@pytest.mark.parametrize(
    "status, pct, start, due, escalate, expected",
    [
        ("Done", 1.0, dt.datetime(2025, 1, 1), dt.datetime(2025, 2, 1), "No", "Done"),
        ("In progress", 50.0, dt.datetime(2025, 3, 1), dt.datetime(2025, 3, 15), "No", "Overdue"),
        ("In progress", 50.0, dt.datetime(2025, 3, 1), dt.datetime(2025, 4, 30), "Yes", "Blocked"),
        ("Not started", 0.0, dt.datetime(2025, 3, 20), dt.datetime(2025, 4, 30), None, "Late Start"),
        ("Not started", None, dt.datetime(2025, 4, 20), dt.datetime(2025, 4, 30), None, "Not Started"),
        # 30 of 60 days elapsed = 50 %; 25 % done is more than 20 points behind
        ("In progress", 0.25, dt.datetime(2025, 3, 1), dt.datetime(2025, 4, 30), "No", "At Risk"),
        ("In progress", 0.35, dt.datetime(2025, 3, 1), dt.datetime(2025, 4, 30), "No", "On Track"),
        ("in progress", "35%", dt.datetime(2025, 3, 1), dt.datetime(2025, 4, 30), False, "On Track"),
    ],
)
def test_health(status, pct, start, due, escalate, expected):
    assert udfs.SAYPRO_HEALTH(status, pct, start, due, escalate, AS_OF) == expected


def test_health_takes_serial_numbers_and_iso_text_for_dates():
    # =SAYPRO_HEALTH(..., TODAY()) hands over a serial number; 45747 is 2025-03-31
    assert udfs.SAYPRO_HEALTH("In progress", 0.25, "2025-03-01", dt.date(2025, 4, 30), None, 45747.0) == "At Risk"


def test_health_blank_as_of_is_today():
    today = dt.date.today()
    due_yesterday = dt.datetime.combine(today - dt.timedelta(days=1), dt.time())
    start = due_yesterday - dt.timedelta(days=14)
    assert udfs.SAYPRO_HEALTH("In progress", 0.9, start, due_yesterday) == "Overdue"


@pytest.mark.parametrize(
    "args, message",
    [
        (("Started", 0.5, None, None, None, AS_OF),
         "#SAYPRO! status must be Not started, In progress, Blocked, Done or Cancelled"),
        (("In progress", 150.0, None, None, None, AS_OF), "#SAYPRO! pct_complete must be between 0 and 100 %"),
        (("In progress", 0.5, "31/02/2025", None, None, AS_OF), '#SAYPRO! start must be a date, not "31/02/2025"'),
        (("In progress", 0.5, None, None, "Maybe", AS_OF), "#SAYPRO! escalate must be Yes or No"),
    ],
)
def test_health_bad_input(args, message):
    assert udfs.SAYPRO_HEALTH(*args) == message


# ------------------------------------------------------------- the table forms


@pytest.fixture
def tracker_file(tmp_path):
    return write_tracker_openpyxl(tmp_path / "tracker.xlsx", **small_tracker_rows())


def _range_values(path, sheet):
    """What Excel hands a UDF for Sheet!<table>[#All]: floats, datetimes, None for blanks."""
    book = FakeBook.from_file(path)
    return book.sheets[sheet].used_range.options(ndim=2).value


def test_status_table_scores_a_real_tracker_like_the_rules(tracker_file):
    table = udfs.SAYPRO_STATUS_TABLE(
        _range_values(tracker_file, "Objectives"), _range_values(tracker_file, "Actuals"), AS_OF, 5.0, 3.0
    )
    # K1: target 80, latest 70 → gap −10, −12.5 %, Off Track, 75 → 72 → 70 Declining
    # K2: lower is better, target 20 × (1 − 50 %) = 10, latest 10.3 → At Risk within its own 10 %;
    #     two actuals 10.5 → 10.3 fall by 2 % of target a period: Improving
    # Progress: K1 (70 − 60) / (80 − 60) = 0.5; K2 (10.3 − 20) / (10 − 20) = 0.97
    # K1 has no Target Date (no pace) and falls 75 → 72 → 70 against a higher target: not at this rate.
    assert table[0] == ["KPI ID", "Target", "Latest Actual", "Gap", "Gap %", "Status", "Trend", "Progress",
                        "Pace", "Projected Date", "Projection"]
    assert table[1] == ["K1", 80.0, 70.0, -10.0, -0.125, "Off Track", "Declining", 0.5, "", "", "not at this rate"]
    assert table[2][:3] == ["K2", 10.0, 10.3]
    assert table[2][3] == pytest.approx(-0.3)
    assert table[2][4] == pytest.approx(-0.03)
    assert table[2][5:7] == ["At Risk", "Improving"]
    assert table[2][7] == pytest.approx(0.97)
    # K2 falls 0.2 a week towards 10 from 10.4 (mean of 21 and 28 Mar): about two weeks on, early April.
    assert table[2][8] == "" and table[2][10].startswith("reaches the target around 2025-04-0")

    card = rules.score(load_tracker(tracker_file))
    for row, kpi in zip(table[1:], card.kpis):
        assert row[0] == kpi.kpi_id and row[5] == kpi.status_label
        assert row[6] == (kpi.trend.value if kpi.trend else "")
        assert row[3] == pytest.approx(kpi.gap)


@pytest.mark.parametrize("baseline, target, actual, expected", [
    (60, 80, 70, 0.5),  # half the planned rise
    (20, 10, 12.5, 0.75),  # lower is better: 7.5 of the planned 10 fall, no special case
    (20, 10, 25, -0.5),  # worse than the baseline: negative
    (60, 80, 90, 1.5),  # beyond the target
    (None, 80, 70, ""),  # no baseline
    (80, 80, 70, ""),  # target = baseline: no planned improvement
    (60, 80, None, ""),  # no actual
])
def test_progress(baseline, target, actual, expected):
    got = udfs.SAYPRO_PROGRESS(baseline, target, actual)
    assert got == (pytest.approx(expected) if expected != "" else "")


def test_progress_bad_input():
    assert udfs.SAYPRO_PROGRESS("lots", 80, 70) == '#SAYPRO! baseline must be a number, not "lots"'


def test_table_form_ignores_actuals_after_as_of(tracker_file):
    """As Of is a cut-off: on 2025-03-25 K1's 31 March actual (70) did not exist yet."""
    table = udfs.SAYPRO_STATUS_TABLE(
        _range_values(tracker_file, "Objectives"), _range_values(tracker_file, "Actuals"),
        dt.datetime(2025, 3, 25), 5.0, 3.0)
    # K1 latest = 72 (28 Feb): gap −8, −10 %, Off Track; 75 → 72 falls 3 = 3.75 % of 80: Declining;
    # progress (72 − 60) / 20 = 0.6. K2 latest = 10.5 (21 Mar): 5 % behind, within its 10 %: At Risk.
    assert table[1][:8] == ["K1", 80.0, 72.0, -8.0, -0.1, "Off Track", "Declining", 0.6]
    assert table[2][2] == 10.5 and table[2][5] == "At Risk" and table[2][6] == ""


def test_status_table_marks_stale_and_watch_like_the_status_column(tracker_file):
    late = dt.datetime(2025, 6, 30)  # K1's last actual (March) is now older than 62 days
    table = udfs.SAYPRO_STATUS_TABLE(
        _range_values(tracker_file, "Objectives"), _range_values(tracker_file, "Actuals"), late
    )
    assert table[1][5] == "Off Track · Stale"
    assert KpiStatus.OFF_TRACK.value in table[1][5]


def test_status_table_reports_the_first_bad_row(tracker_file):
    objectives = _range_values(tracker_file, "Objectives")
    direction = objectives[0].index("Direction")
    objectives[2][direction] = "Upwards"
    text = udfs.SAYPRO_STATUS_TABLE(objectives, _range_values(tracker_file, "Actuals"), AS_OF)
    assert text.startswith('#SAYPRO! Objectives range row 3: Direction "Upwards" is not one of the choices')


def test_status_table_bad_arguments(tracker_file):
    objectives = _range_values(tracker_file, "Objectives")
    actuals = _range_values(tracker_file, "Actuals")
    assert udfs.SAYPRO_STATUS_TABLE(objectives, actuals, AS_OF, 5, 1) == (
        "#SAYPRO! trend_periods must be a whole number of 2 or more"
    )
    assert udfs.SAYPRO_STATUS_TABLE(objectives, actuals, "soon") == '#SAYPRO! as_of must be a date, not "soon"'


def _fresh_status_table(*args):
    """SAYPRO_STATUS_TABLE computed anew: no answer or row remembered from an earlier call."""
    udfs._STATUS_TABLES.clear()
    udfs._KPI_ROWS = ((), {})
    return udfs.SAYPRO_STATUS_TABLE(*args)


def test_status_table_after_one_edit_is_the_table_computed_anew(tracker_file):
    objectives = _range_values(tracker_file, "Objectives")
    actuals = _range_values(tracker_file, "Actuals")
    header = actuals[0]
    edits = [("Actual", 71.0), ("Actual", 0.0), ("Actual", -0.0), ("Actual", 70.0), ("Period End", None),
             ("Period End", dt.datetime(2025, 3, 30)), ("KPI ID", "K2"), ("Actual", "seventy")]
    udfs.SAYPRO_STATUS_TABLE(objectives, actuals, AS_OF)  # the rows to reuse
    for column, value in edits:
        changed = [list(row) for row in actuals]
        changed[3][header.index(column)] = value
        remembered = repr(udfs.SAYPRO_STATUS_TABLE(objectives, changed, AS_OF))
        assert remembered == repr(_fresh_status_table(objectives, changed, AS_OF)), (column, value)
    # The same instant in two time zones is two days to the reader: never taken for the same cell.
    day = header.index("Period End")
    for zone in (dt.timezone(dt.timedelta(hours=2)), dt.timezone.utc):
        changed = [list(row) for row in actuals]
        # Midnight after As Of at UTC+2 is As Of itself, 22:00, in UTC: the actual counts only then.
        after = AS_OF + dt.timedelta(days=1)
        changed[3][day] = dt.datetime(after.year, after.month, after.day,
                                      tzinfo=dt.timezone(dt.timedelta(hours=2))).astimezone(zone)
        remembered = repr(udfs.SAYPRO_STATUS_TABLE(objectives, changed, AS_OF))
        assert remembered == repr(_fresh_status_table(objectives, changed, AS_OF)), zone
    target = objectives[0].index("Target Value")
    for value in (0.0, -0.0, 81.0):
        changed = [list(row) for row in objectives]
        changed[1][target] = value
        remembered = repr(udfs.SAYPRO_STATUS_TABLE(changed, actuals, AS_OF))
        assert remembered == repr(_fresh_status_table(changed, actuals, AS_OF)), value


def test_status_table_remembers_answers_by_their_exact_arguments(tracker_file):
    objectives = _range_values(tracker_file, "Objectives")
    actuals = _range_values(tracker_file, "Actuals")
    first = _fresh_status_table(objectives, actuals, AS_OF, 5.0, 3.0)
    again = udfs.SAYPRO_STATUS_TABLE(objectives, actuals, AS_OF, 5.0, 3.0)
    assert again == first and again is not first and again[1] is not first[1]  # each caller its own copy
    again[1][0] = "changed by the caller"
    assert udfs.SAYPRO_STATUS_TABLE(objectives, actuals, AS_OF, 5.0, 3.0) == first
    # Equal to Python but not the same cell: True is not the number 1, -0.0 not 0.0.
    column = objectives[0].index("Target Value")
    fresh = {}
    for value in (1.0, True, -0.0, 0.0, "80", None):
        changed = [list(row) for row in objectives]
        changed[1][column] = value
        fresh[repr(value)] = repr(_fresh_status_table(changed, actuals, AS_OF, 5.0, 3.0))  # repr: -0.0 is not 0.0
    udfs._STATUS_TABLES.clear()
    for value in (1.0, True, -0.0, 0.0, "80", None):
        changed = [list(row) for row in objectives]
        changed[1][column] = value
        assert repr(udfs.SAYPRO_STATUS_TABLE(changed, actuals, AS_OF, 5.0, 3.0)) == fresh[repr(value)], value
    assert fresh["1.0"] != fresh["True"] and fresh["-0.0"] != fresh["0.0"]
    # A cell that is not a value (a list, as no range hands over) is never taken for the same.
    assert not udfs._same_cells(udfs._cells_key([[[1]]]), udfs._cells_key([[[True]]]))
    assert udfs._same_cells(udfs._cells_key([[1.0, "a"]], 3), udfs._cells_key([[1.0, "a"]], 3))
    # As Of, tolerance and trend periods are part of what is remembered, and only a few answers are kept.
    calls = [(dt.datetime(2025, 3, day), tolerance, periods) for day in (20, 25, 31) for tolerance, periods
             in ((5.0, 3.0), (1.0, 2.0), (20.0, 3.0))]
    fresh = [_fresh_status_table(objectives, actuals, *call) for call in calls]
    assert len({repr(answer) for answer in fresh}) > 3  # the calls do differ
    for _ in range(2):
        for call, answer in zip(calls, fresh):
            assert udfs.SAYPRO_STATUS_TABLE(objectives, actuals, *call) == answer, call
            assert len(udfs._STATUS_TABLES) <= udfs._REMEMBERED
    assert gc.isenabled()  # paused while a table is computed, and restored


def test_status_table_error_texts_are_the_same_remembered_or_not(tracker_file):
    objectives = _range_values(tracker_file, "Objectives")
    objectives[2][objectives[0].index("Direction")] = "Upwards"
    actuals = _range_values(tracker_file, "Actuals")
    text = _fresh_status_table(objectives, actuals, AS_OF)
    assert text.startswith('#SAYPRO! Objectives range row 3: Direction "Upwards" is not one of the choices')
    assert udfs.SAYPRO_STATUS_TABLE(objectives, actuals, AS_OF) == text
    assert udfs.SAYPRO_STATUS_TABLE(objectives, actuals, AS_OF, 5, 1) == (
        "#SAYPRO! trend_periods must be a whole number of 2 or more"
    )


def test_pareto_on_a_real_causes_range(tracker_file):
    table = udfs.SAYPRO_PARETO(_range_values(tracker_file, "Causes"))
    assert table == [
        ["Rank", "Cause ID", "Weight", "Share", "Cumulative", "Vital Few"],
        [1, "C1", 60.0, 0.6, 0.6, "Yes"],
        [2, "C2", 40.0, 0.4, 1.0, "Yes"],  # C2 crosses 80 %: it belongs to the vital few
    ]
    expected = rules.pareto(load_tracker(tracker_file).causes)
    assert [row[1] for row in table[1:]] == [item.cause.cause_id for item in expected]


def test_pareto_ranks_heaviest_first_and_cuts_at_80_percent():
    causes = [
        ["Cause ID", "KPI ID", "Description", "Weight"],
        ["C1", "K1", "a", 10.0],
        ["C2", "K1", "b", 50.0],
        ["C3", "K2", "c", 30.0],
        ["C4", "K2", "d", None],
        ["C5", "K3", "e", 10.0],
    ]
    table = udfs.SAYPRO_PARETO(causes)
    # 50 + 30 = 80 of 100: C2 and C3 are the vital few; C4's blank weight counts 0
    assert [r[1] for r in table[1:]] == ["C2", "C3", "C1", "C5", "C4"]
    assert [r[4] for r in table[1:]] == pytest.approx([0.5, 0.8, 0.9, 1.0, 1.0])
    assert [r[5] for r in table[1:]] == ["Yes", "Yes", "No", "No", "No"]


def test_pareto_all_zero_weights_gives_blank_shares():
    table = udfs.SAYPRO_PARETO([["Cause ID", "KPI ID", "Description", "Weight"], ["C1", "K1", "a", 0.0]])
    assert table[1] == [1, "C1", 0.0, "", "", "No"]


def test_pareto_reports_a_bad_row():
    text = udfs.SAYPRO_PARETO([["Cause ID", "KPI ID", "Description", "Weight"], ["C1", "K1", "a", -3.0]])
    assert text == "#SAYPRO! Causes range row 2: Weight -3 is negative; type 0 or more"


# --------------------------------------------------- xlwings metadata and wrappers


def test_every_function_has_wizard_help():
    functions = udfs.saypro_functions()
    assert sorted(functions) == [
        "SAYPRO_GAP", "SAYPRO_GAP_PCT", "SAYPRO_HEALTH", "SAYPRO_PACE", "SAYPRO_PARETO", "SAYPRO_PROGRESS",
        "SAYPRO_PROJECTION", "SAYPRO_STATUS", "SAYPRO_STATUS_TABLE", "SAYPRO_TARGET", "SAYPRO_TREND",
    ]
    for name, function in functions.items():
        info = function.__xlfunc__
        assert info["category"] == "SayPro"
        assert 0 < len(info["ret"]["doc"]) <= 255, name  # Excel's MacroOptions limit
        for argument in info["args"]:
            assert not argument["doc"].startswith("Positional argument"), (name, argument["name"])
            assert len(argument["doc"]) <= 255


def test_table_arguments_arrive_two_dimensional():
    args = {a["name"]: a for a in udfs.SAYPRO_STATUS_TABLE.__xlfunc__["args"]}
    assert args["objectives_range_with_headers"]["options"] == {"ndim": 2}
    assert args["actuals_range_with_headers"]["options"] == {"ndim": 2}
    assert udfs.SAYPRO_PARETO.__xlfunc__["args"][0]["options"] == {"ndim": 2}


class _WorkbookName:
    Name = "SayPro_Tracker.xlsm"  # all the generator reads of the workbook


def test_xlwings_generator_writes_a_wrapper_for_each_function():
    vba = io.StringIO()
    udfs.load_xlwings_udfs().generate_vba_wrapper("saypro_xl.excel.udfs", udfs, vba, _WorkbookName())
    text = vba.getvalue()
    declared = re.findall(r"^Function (SAYPRO_\w+)\((.*)\)$", text, flags=re.M)
    assert dict(declared) == {
        "SAYPRO_GAP": "direction, target, actual",
        "SAYPRO_GAP_PCT": "direction, target, actual",
        "SAYPRO_HEALTH": "status, pct_complete, start, due, Optional escalate, Optional as_of",
        "SAYPRO_PARETO": "causes_range_with_headers",
        "SAYPRO_STATUS": "direction, target, actual, Optional tolerance_pct",
        "SAYPRO_STATUS_TABLE": (
            "objectives_range_with_headers, actuals_range_with_headers, "
            "Optional as_of, Optional tolerance_pct, Optional trend_periods"
        ),
        "SAYPRO_PACE": ("direction, target, target_date, actual, actual_date, baseline, baseline_date, "
                        "Optional tolerance_pct"),
        "SAYPRO_PROGRESS": "baseline, target, actual",
        "SAYPRO_PROJECTION": "direction, target, target_date, period_ends_range, actuals_range",
        "SAYPRO_TARGET": "target_type, target_value, Optional baseline",
        "SAYPRO_TREND": "direction, target, actuals_range",
    }
    assert text.count("End Function") == 11
    assert 'XLPy.CallUDF("saypro_xl.excel.udfs", "SAYPRO_GAP", Array(direction, target, actual), ThisWorkbook' in text


def test_importing_the_udfs_leaves_no_com_stand_ins_behind():
    import sys

    assert "pythoncom" not in sys.modules or sys.platform.startswith("win")


def test_table_forms_on_the_template_tables_agree_with_the_native_cached_values(tmp_path, tracker_file):
    """tblObjectives[#All] of our template: 50 rows, most blank, computed columns filled by formulas."""
    from saypro_xl.template import write_tracker

    path = write_tracker(tmp_path / "SayPro_Tracker.xlsx", load_tracker(tracker_file))
    objectives = _range_values(path, "Objectives")
    assert len(objectives) > 40  # the table's blank rows come along and are skipped
    table = udfs.SAYPRO_STATUS_TABLE(objectives, _range_values(path, "Actuals"), AS_OF)
    header = objectives[0]
    native = {row[0]: row for row in objectives[1:] if row[0]}
    assert [row[0] for row in table[1:]] == ["K1", "K2"]
    for row in table[1:]:
        cached = native[row[0]]
        for name in ("Target", "Latest Actual", "Gap", "Gap %", "Status", "Trend", "Progress"):
            assert row[table[0].index(name)] == pytest.approx(cached[header.index(name)]), (row[0], name)
        assert row[table[0].index("Pace")] == (cached[header.index("Pace")] or "")  # blank: no Target Date
    pareto = udfs.SAYPRO_PARETO(_range_values(path, "Causes"))
    assert [r[1] for r in pareto[1:]] == ["C1", "C2"]


def test_udf_module_text_is_what_import_functions_writes():
    text = udfs.xlwings_udfs_vba("SayPro_Tracker.xlsm")
    assert text.splitlines()[:3] == [
        'Attribute VB_Name = "xlwings_udfs"',
        "'Autogenerated code by xlwings - changes will be lost with next import!",
        """#Const App = "Microsoft Excel" 'Adjust when using outside of Excel""",
    ]
    generated = io.StringIO()
    udfs.load_xlwings_udfs().generate_vba_wrapper("saypro_xl.excel.udfs", udfs, generated, _WorkbookName())
    assert text.endswith(generated.getvalue())
    assert "ActiveWorkbook" not in text  # a workbook, not an add-in: ThisWorkbook
    assert "ActiveWorkbook" in udfs.xlwings_udfs_vba("SayPro.xlam")


def test_function_help_vba_registers_every_function_within_vba_limits():
    text = udfs.function_help_vba()
    assert text.startswith("Public Sub SayPro_RegisterFunctionHelp()\n    On Error Resume Next\n")
    assert text.rstrip().endswith("End Sub")
    registered = re.findall(r"""Macro:="'" & ThisWorkbook.Name & "'!(SAYPRO_\w+)", _""", text)
    assert registered == sorted(udfs.saypro_functions())
    assert text.isascii()  # VBA source is stored in the ANSI code page
    assert max(len(line) for line in text.splitlines()) < 1024
    statements = text.split("Application.MacroOptions")[1:]
    assert all(s.count(" _\n") <= 24 for s in statements)  # VBA's line-continuation limit
    assert 'Description:="Scores every KPI in one call: KPI ID, Target, Latest Actual, Gap, Gap %, Status, Trend, Progress, Pace, Projection."' in text
    assert '"The Causes table (or some of its rows) with its header row, e.g. tblCauses[#All].")' in text


# ------------------------------------------------------------ pace and projection

JUN = dt.datetime


@pytest.mark.parametrize("actual, expected", [
    (12.5, "On Pace"),  # path 20 (7 Mar) → 10 (25 Jul): 12 on 27 Jun; 0.5 worse = the 5 % band
    (13.0, "Behind"),  # 1 worse
    (11.0, "Ahead"),  # 1 better
])
def test_pace(actual, expected):
    got = udfs.SAYPRO_PACE("Lower is better", 10, JUN(2025, 7, 25), actual, JUN(2025, 6, 27), 20, JUN(2025, 3, 7))
    assert got == expected


def test_pace_blank_without_target_date_and_bad_input():
    assert udfs.SAYPRO_PACE("Lower is better", 10, None, 12.5, JUN(2025, 6, 27), 20, JUN(2025, 3, 7)) == ""
    assert udfs.SAYPRO_PACE("Down", 10, None, 12.5, None, 20, None).startswith("#SAYPRO! direction")


def test_projection():
    days = [[JUN(2025, 6, 13)], [JUN(2025, 6, 20)], [JUN(2025, 6, 27)]]
    # 13.5, 13, 12.5: half an hour a week down; from 13 on 20 Jun to 10 is six weeks: 1 Aug.
    assert udfs.SAYPRO_PROJECTION("Lower is better", 10, JUN(2025, 7, 25), days, [[13.5], [13], [12.5]]) == \
        JUN(2025, 8, 1)
    assert udfs.SAYPRO_PROJECTION("Lower is better", 10, None, days, [[13.5], [13.5], [13.5]]) == "not at this rate"
    assert udfs.SAYPRO_PROJECTION("Lower is better", 10, None, days, [[13], [11], [9]]) == "target met"
    assert udfs.SAYPRO_PROJECTION("Lower is better", 10, None, days[:1], [[13]]) == "too few actuals"
    assert udfs.SAYPRO_PROJECTION("Lower is better", 10, None, days, [[13], [12]]) == (
        "#SAYPRO! period_ends_range and actuals_range must be the same size")
