"""The tracker template as written: contract sheets and tables, formulas, formats, safety.

Read back with openpyxl (an independent reader). That the formulas compute what
the rules compute is proved by LibreOffice in test_libreoffice_equivalence.py.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from xml.etree.ElementTree import canonicalize
from pathlib import Path

import openpyxl
import pytest

from saypro_xl import contract, rules, template
from saypro_xl.model import Cause, Settings, Tracker
from saypro_xl.sample import sample_tracker

SAMPLE = Path(__file__).parents[1] / "workbooks" / "SayPro_Tracker_Sample.xlsx"
COMPUTED_FORMULAS = {
    contract.OBJECTIVES_SHEET: ("Target", "Latest Actual", "Gap", "Gap %", "Status", "Newest Actual Row",
                                "Actual Row"),
    contract.ACTIONS_SHEET: ("Due Date", "Health", "Newest Update Row", "Update Row"),
    contract.ACTUALS_SHEET: ("Sort Key",),
    contract.UPDATES_SHEET: ("Sort Key",),
}
# Functions Excel 2010 or LibreOffice 7.4 lacks: the template must not use them.
NOT_PORTABLE = ("FILTER", "LET", "LAMBDA", "MAXIFS", "MINIFS", "XLOOKUP", "XMATCH", "IFS",
                "SWITCH", "TEXTJOIN", "CONCAT", "UNIQUE", "SORT", "SEQUENCE", "IFNA")


@pytest.fixture(scope="module")
def blank(tmp_path_factory) -> openpyxl.Workbook:
    path = template.write_tracker(tmp_path_factory.mktemp("blank") / "Tracker.xlsx")
    return openpyxl.load_workbook(path)


@pytest.fixture(scope="module")
def sample_path(tmp_path_factory) -> Path:
    return template.write_tracker(tmp_path_factory.mktemp("sample") / "Sample.xlsx", sample_tracker())


def _headers(ws) -> list[str]:
    return [cell.value for cell in ws[1] if cell.value is not None]


def _column(sheet: str, header: str) -> int:
    """1-based column of a contract header."""
    return [c.header for c in contract.INPUT_SHEETS[sheet]].index(header) + 1


def test_sheets_come_in_tab_order_with_the_contract_tables(blank):
    assert blank.sheetnames == ["Home", "Dashboard", "Objectives", "Actuals", "Causes", "Actions",
                                "Updates", "People", "Settings", "Wording", "Lists"]
    for sheet, columns in contract.INPUT_SHEETS.items():
        ws = blank[sheet]
        [table] = ws.tables.values()
        assert table.name == contract.TABLE_NAMES[sheet]
        assert [col.name for col in table.tableColumns] == [c.header for c in columns]
        assert _headers(ws) == [c.header for c in columns]
        assert table.ref.endswith(str(template.BLANK_ROWS + 1))  # room for 50 rows
        assert ws.freeze_panes == "B2"


def test_settings_hold_the_contract_defaults(blank):
    ws = blank[contract.SETTINGS_SHEET]
    assert [ws.cell(1, 1).value, ws.cell(1, 2).value] == ["Setting", "Value"]
    rows = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(2, 2 + len(contract.SETTINGS_DEFAULTS))}
    assert rows == {k: (v if v != "" else None) for k, v in contract.SETTINGS_DEFAULTS.items()}


def test_computed_columns_are_formulas_down_every_blank_row(blank):
    for sheet, headers in COMPUTED_FORMULAS.items():
        ws = blank[sheet]
        for header in headers:
            col = _column(sheet, header)
            cells = [ws.cell(r, col).value for r in range(2, template.BLANK_ROWS + 2)]
            assert all(isinstance(v, str) and v.startswith("=") for v in cells), (sheet, header)
            assert len(set(cells)) == 1  # one calculated column, not per-row variants


def test_formulas_use_only_functions_excel_2010_and_libreoffice_share():
    formulas = {f"{sheet} {header}": f for sheet, made in template.FORMULAS.items() for header, f in made().items()}
    used = {name for f in formulas.values() for name in re.findall(r"([A-Z][A-Z0-9.]*)\(", f)}
    assert used <= {"IF", "NOT", "ISNUMBER", "AND", "OR", "INDEX", "MOD", "SUMPRODUCT", "MAX",
                    "MIN", "INT", "ROW", "ABS", "ROUND", "IFERROR", "CHOOSE", "MATCH"}
    assert not used & set(NOT_PORTABLE)


def test_table_scans_do_not_depend_on_the_volatile_as_of(blank):
    """TODAY() makes a formula, and all that depends on it, recalculate at every edit in Excel as in
    LibreOffice. The look-ups that scan a whole table must not depend on it, or typing one number
    into a large tracker redoes every scan; they use AsOfLimit, the typed As Of only."""
    formulas = {f"{sheet} {header}": f for sheet, made in template.FORMULAS.items() for header, f in made().items()}
    scans = ["Actuals Sort Key", "Updates Sort Key", "Objectives Newest Actual Row", "Actions Newest Update Row"]
    for name in scans:
        assert template.AS_OF_NAME not in formulas[name] and "TODAY" not in formulas[name], name
    assert "TODAY" not in blank.defined_names[template.AS_OF_LIMIT_NAME].attr_text
    # Health reads its action's Update Row (nine times) instead of scanning Updates each time.
    assert "SUMPRODUCT" not in formulas["Actions Health"]
    assert formulas["Actions Health"].count("tblActions[[#This Row],[Update Row]]") == 9
    # The rows that scan always carry no As Of; the per-row cells that read As Of scan only when
    # the newest row is dated after it: one SUMPRODUCT, in the IF's last branch.
    assert "SUMPRODUCT" not in formulas["Objectives Latest Actual"]
    for name in ("Objectives Actual Row", "Actions Update Row"):
        assert formulas[name].count("SUMPRODUCT") == 1, name
        assert formulas[name].index("SUMPRODUCT") > formulas[name].index(f"<={template.AS_OF_NAME},"), name


def test_helper_columns_are_hidden_and_hold_the_rows_they_point_to(tmp_path):
    """The hidden helper cells carry correct cached values: a spreadsheet that does not recalculate
    on open shows what the formulas would compute."""
    tracker = sample_tracker()
    book = openpyxl.load_workbook(template.write_tracker(tmp_path / "s.xlsx", tracker), data_only=True)
    actuals, objectives = book[contract.ACTUALS_SHEET], book[contract.OBJECTIVES_SHEET]
    key_col = _column(contract.ACTUALS_SHEET, "Sort Key")
    assert actuals.column_dimensions[openpyxl.utils.get_column_letter(key_col)].hidden
    written = template.as_written(tracker)
    # OPS-01's newest actual by hand: the latest Period End of its rows (ties: the lower row).
    rows = [a for a in written.actuals if a.kpi_id == "OPS-01" and a.period_end <= tracker.settings.as_of]
    newest = max(rows, key=lambda a: (a.period_end, a.row))
    ops = next(r for r in range(2, len(written.objectives) + 2) if objectives.cell(r, 1).value == "OPS-01")
    assert objectives.cell(ops, _column(contract.OBJECTIVES_SHEET, "Newest Actual Row")).value == newest.row
    epoch = dt.date(1899, 12, 30)
    assert actuals.cell(newest.row, key_col).value == (newest.period_end - epoch).days * 2**21 + newest.row


def test_choice_columns_have_drop_downs_fed_from_lists(blank):
    ws = blank[contract.ACTIONS_SHEET]
    sources = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            sources[rng.min_col] = (dv.type, dv.formula1, rng.max_row)
    assert sources[_column("Actions", "Status")] == ("list", "lstActionStatus", template.BLANK_ROWS + 1)
    assert sources[_column("Actions", "Strategy")][1] == "lstStrategy"
    assert sources[_column("Actions", "Escalate")][1] == "lstYesNo"
    assert sources[_column("Actions", "Department")][1] == "lstDepartments"
    assert sources[_column("Actions", "% Complete")][0] == "decimal"
    names = blank.defined_names
    assert names["lstActionStatus"].attr_text == "Lists!$H$2:$H$6"
    lists = blank[contract.LISTS_SHEET]
    assert [lists.cell(r, 8).value for r in range(2, 7)] == ["Not started", "In progress", "Blocked",
                                                             "Done", "Cancelled"]
    assert "TODAY()" in names[template.AS_OF_NAME].attr_text


def test_home_keeps_the_button_area_empty(blank):
    ws = blank[contract.HOME_SHEET]
    assert ws["B1"].value == "SayPro"
    assert any("Objectives" in str(ws.cell(r, 2).value) for r in range(1, 11))
    assert all(ws.cell(r, 2).value is None for r in range(12, 21))


def test_computed_columns_look_different_from_inputs(blank):
    ws = blank[contract.OBJECTIVES_SHEET]
    target, value = _column("Objectives", "Target"), _column("Objectives", "Target Value")
    assert ws.cell(2, target).fill.fgColor.rgb != ws.cell(2, value).fill.fgColor.rgb
    assert ws.cell(1, target).fill.fgColor.rgb != ws.cell(1, value).fill.fgColor.rgb
    assert ws.cell(2, _column("Objectives", "Gap %")).number_format == "0.0%"
    actions = blank[contract.ACTIONS_SHEET]
    assert actions.cell(2, _column("Actions", "Start Date")).number_format == "yyyy-mm-dd"
    assert actions.cell(2, _column("Actions", "% Complete")).number_format == "0%"


def test_filled_tracker_caches_the_rules_results(sample_path):
    """Viewers that never recalculate still show what the rules say."""
    values = openpyxl.load_workbook(sample_path, data_only=True)
    formulas = openpyxl.load_workbook(sample_path)
    card = rules.score(template.as_written(sample_tracker()))
    objectives = values[contract.OBJECTIVES_SHEET]
    for row, k in enumerate(card.kpis, start=2):
        assert objectives.cell(row, 1).value == k.kpi_id
        assert objectives.cell(row, _column("Objectives", "Status")).value == k.status.value
        assert objectives.cell(row, _column("Objectives", "Target")).value == pytest.approx(k.target)
        trend = objectives.cell(row, _column("Objectives", "Trend")).value
        assert trend == (k.trend.value if k.trend else None)
    actions = values[contract.ACTIONS_SHEET]
    for row, a in enumerate(card.actions, start=2):
        assert actions.cell(row, _column("Actions", "Health")).value == a.health.value
        pct = actions.cell(row, _column("Actions", "% Complete")).value
        assert pct == pytest.approx(a.action.pct_complete / 100)
    # A typed-over due date is a date value; every other due date is the formula.
    due_col = _column("Actions", "Due Date")
    typed = {a.action_id for a in card.actions if a.action.due_date_typed}
    assert typed == {"CA-10"}
    for row, a in enumerate(card.actions, start=2):
        cell = formulas[contract.ACTIONS_SHEET].cell(row, due_col).value
        if a.action_id in typed:
            assert cell == dt.datetime(2025, 5, 2)
        else:
            assert str(cell).startswith("=")


def test_user_text_that_looks_like_a_formula_stays_text(tmp_path):
    tracker = Tracker(settings=Settings(organisation="=1+1"),
                      causes=(Cause("C1", "K1", description='=HYPERLINK("http://x","y")',
                                    whys=("+44 20 7946 0000", "http://example.org")),))
    path = template.write_tracker(tmp_path / "t.xlsx", tracker)
    ws = openpyxl.load_workbook(path)[contract.CAUSES_SHEET]
    cell = ws.cell(2, _column("Causes", "Description"))
    assert cell.value == '=HYPERLINK("http://x","y")'
    assert cell.data_type == "s"
    assert ws.cell(2, _column("Causes", "Why 1")).data_type == "s"
    assert ws.cell(2, _column("Causes", "Why 2")).hyperlink is None
    assert openpyxl.load_workbook(path)[contract.SETTINGS_SHEET]["B2"].data_type == "s"


def test_dashboard_counts_are_live_formulas_with_charts(sample_path):
    wb = openpyxl.load_workbook(sample_path)
    ws = wb[contract.DASHBOARD_SHEET]
    assert ws["C3"].value == "All"
    assert [dv.formula1 for dv in ws.data_validations.dataValidation] == ["lstDepartmentFilter"]
    formulas = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)
                and c.value.startswith("=")]
    assert any("COUNTIFS(tblObjectives[Department]" in f for f in formulas)
    assert any("$C$3" in f and "tblActions[Health]" in f for f in formulas)
    assert len(ws._charts) == 2
    assert ws.conditional_formatting  # alerts turn red / amber
    cached = openpyxl.load_workbook(sample_path, data_only=True)[contract.DASHBOARD_SHEET]
    labels = {cached.cell(r, 2).value: cached.cell(r, 3).value for r in range(7, 11)}
    card = rules.score(sample_tracker())
    assert labels["KPIs off track"] == sum(k.status.value == "Off Track" for k in card.kpis)
    assert labels["Actions overdue"] == sum(a.health.value == "Overdue" for a in card.actions)


def test_write_is_atomic_and_returns_the_path(tmp_path):
    target = tmp_path / "sub" / "Tracker.xlsx"
    assert template.write_tracker(target) == target
    assert target.exists()
    assert [p.name for p in target.parent.iterdir()] == ["Tracker.xlsx"]


def _parts(path: Path) -> dict[str, str]:
    """Each part of the package, XML in canonical form (attribute order, quoting, spacing)."""
    parts = {}
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            data = z.read(name)
            if name.endswith((".xml", ".rels", ".vml")):
                parts[name] = canonicalize(data.decode("utf-8"), strip_text=True)
            else:
                parts[name] = data.hex()
    # The creation date is pinned; drop it anyway so a future pin change is not a content change.
    parts.pop("docProps/core.xml", None)
    return parts


def test_committed_sample_workbook_is_what_the_code_writes(tmp_path):
    fresh = template.write_tracker(tmp_path / "SayPro_Tracker_Sample.xlsx", sample_tracker())
    committed, regenerated = _parts(SAMPLE), _parts(fresh)
    assert sorted(committed) == sorted(regenerated)
    changed = [name for name in committed if committed[name] != regenerated[name]]
    assert changed == [], f"regenerate {SAMPLE.name}: parts differ: {changed}"


def test_the_reader_gets_back_the_sample_and_scores_it_alike(sample_path):
    from saypro_xl.read import load_tracker

    tracker = load_tracker(sample_path)
    assert tracker.issues == ()
    got, want = rules.score(tracker), rules.score(template.as_written(sample_tracker()))
    assert [k.status_label for k in got.kpis] == [k.status_label for k in want.kpis]
    assert [a.health for a in got.actions] == [a.health for a in want.actions]
    assert [(a.action_id, a.slippage_days) for a in got.actions if a.slippage_days] == [("CA-10", 11)]
    assert [a.pct_complete for a in got.actions] == [a.pct_complete for a in want.actions]
    assert tracker.settings == sample_tracker().settings


def test_the_blank_template_reads_as_an_empty_tracker(tmp_path):
    from saypro_xl.read import load_tracker

    tracker = load_tracker(template.write_tracker(tmp_path / "Tracker.xlsx"))
    assert (tracker.objectives, tracker.actions, tracker.errors) == ((), (), ())


def test_a_tracker_path_must_be_xlsx(tmp_path):
    with pytest.raises(ValueError, match=r'"Tracker.xlsm" must end in \.xlsx'):
        template.write_tracker(tmp_path / "Tracker.xlsm")
    assert list(tmp_path.iterdir()) == []


def test_home_instructions_end_above_the_tools_heading(tmp_path):
    from saypro_xl.template import HOME_BUTTON_ROWS, HOME_LINES, write_tracker

    # Heading on row 3, one line a row from row 4: the last must sit above the tools heading (row 11).
    assert 3 + len(HOME_LINES) - 1 < HOME_BUTTON_ROWS[0]
    ws = openpyxl.load_workbook(write_tracker(tmp_path / "t.xlsx"))["Home"]
    texts = [ws.cell(r, 2).value for r in range(1, HOME_BUTTON_ROWS[0] + 1)]
    assert all(line in texts for line in HOME_LINES)
    assert ws.cell(HOME_BUTTON_ROWS[0], 2).value.startswith("SayPro tools")
