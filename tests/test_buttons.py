"""The button handlers, run against a stand-in Book loaded from real tracker files."""

import datetime as dt
import re
from pathlib import Path

import openpyxl
import pytest

from saypro_xl import contract
from saypro_xl.excel import buttons
from saypro_xl.excel.live import XlwingsRowSource
from saypro_xl.read import CellError, load_tracker, read_tracker

from builders import ExcelError, small_tracker_rows, write_tracker_openpyxl
from fake_book import FakeBook

ALL_COLUMNS = {sheet: [c.header for c in columns] for sheet, columns in contract.INPUT_SHEETS.items()}


def _with_home(path: Path) -> Path:
    """Add the Home sheet the template has: a label whose right-hand cell Refresh stamps."""
    book = openpyxl.load_workbook(path)
    home = book.create_sheet(contract.HOME_SHEET, 0)
    home["A1"] = "SayPro tracker"
    home["A3"] = "Last refreshed"
    book.save(path)
    return path


def _tracker(tmp_path, **changes) -> Path:
    rows = small_tracker_rows()
    rows.update(changes)
    folder = tmp_path / "team share"
    folder.mkdir()
    return _with_home(write_tracker_openpyxl(folder / "Tracker.xlsx", columns=ALL_COLUMNS, **rows))


@pytest.fixture
def book(tmp_path):
    return FakeBook.from_file(_tracker(tmp_path))


# ------------------------------------------------------------------ live rows


def test_live_rows_equal_the_file_readers_records(tmp_path):
    path = _tracker(tmp_path)
    live = read_tracker(XlwingsRowSource(FakeBook.from_file(path)))
    on_disk = load_tracker(path)
    assert live.objectives == on_disk.objectives
    assert live.actuals == on_disk.actuals
    assert live.actions == on_disk.actions
    assert live.updates == on_disk.updates
    assert live.settings == on_disk.settings
    assert live.issues == on_disk.issues


def test_live_rows_pad_a_used_range_that_does_not_start_at_a1(tmp_path):
    rows = small_tracker_rows()
    path = write_tracker_openpyxl(tmp_path / "offset.xlsx", first_row=3, first_col=2, **rows)
    book = FakeBook.from_file(path)
    assert book.sheets["Objectives"].used_range.address.startswith("$B$3")
    grid = XlwingsRowSource(book).rows("Objectives")
    assert grid[0] == [] and grid[1] == []
    assert grid[2][:3] == [None, "KPI ID", "Department"]
    assert grid[3][1] == "K1" and grid[3][9] == 80.0  # Target Value, as a float like COM gives it
    assert [o.row for o in read_tracker(XlwingsRowSource(book)).objectives] == [4, 5]


def test_live_rows_turn_error_texts_into_cell_errors(tmp_path):
    rows = small_tracker_rows()
    rows["actuals"][0]["Actual"] = ExcelError("#N/A")
    book = FakeBook.from_file(write_tracker_openpyxl(tmp_path / "na.xlsx", **rows))
    grid = XlwingsRowSource(book).rows("Actuals")
    assert grid[1][2] == CellError("#N/A")
    assert grid[1][1] == dt.datetime(2025, 1, 31)
    issue = read_tracker(XlwingsRowSource(book)).errors[0]
    assert (issue.sheet, issue.cell) == ("Actuals", "C2")


# ----------------------------------------------------------------------- Validate


def test_validate_lists_the_planted_error_and_selects_its_cell(tmp_path):
    rows = small_tracker_rows()
    rows["actions"][1]["Start Date"] = "31/02/2025"  # Actions row 3
    book = FakeBook.from_file(_tracker(tmp_path, actions=rows["actions"]))

    message = buttons.validate(book=book)

    sheet = book.sheets["Validation"]
    assert sheet.cell("A1") == "Severity" and sheet.cell("E1") == "Message"
    assert [sheet.cell(c) for c in ("A2", "B2", "C2", "D2")] == ["error", "Actions", "H3", "Start Date"]
    assert sheet.cell("E2") == 'Start Date "31/02/2025" is not a date (use 2025-02-28 or a date cell)'
    assert book.selections == ["Actions!H3"]
    assert book.sheets["Actions"].activated
    assert message.startswith("1 error(s), 0 warning(s) in Tracker.xlsx; first: Actions!H3: Start Date")
    assert book.alerts == [{"prompt": message, "title": "SayPro", "buttons": "ok", "mode": "info"}]


def test_validate_a_clean_tracker_says_so_and_clears_old_issues(book):
    old = book.sheets.add("Validation")
    old.range("A5").value = "stale issue from last time"
    message = buttons.validate(book=book)
    assert message == "Tracker.xlsx: no problems found."
    assert book.sheets["Validation"].cell("A5") is None
    assert book.sheets["Validation"].cell("E2") == "No problems found."
    assert book.selections == []


# ------------------------------------------------------------------------ Refresh


def test_refresh_writes_trend_status_and_health_and_stamps_home(book):
    message = buttons.refresh(book=book)

    objectives = book.sheets["Objectives"]
    # K1 75 → 72 → 70 against 80: Declining, Off Track; K2 10.5 → 10.3 (lower is better): Improving
    assert objectives.cell("T2") == "Declining" and objectives.cell("T3") == "Improving"
    assert objectives.cell("S2") == "Off Track" and objectives.cell("S3") == "At Risk"
    assert objectives.cell("K3") == pytest.approx(10.0)  # 20 × (1 − 50 %)
    assert objectives.cell("P2") == -10.0 and objectives.cell("Q2") == -0.125
    assert objectives.cell("R2") == 0.5  # progress (70 − 60) / (80 − 60)
    actions = book.sheets["Actions"]
    assert [actions.cell(f"T{r}") for r in (2, 3, 4)] == ["Done", "Overdue", "On Track"]
    assert actions.cell("J2") == dt.date(2025, 3, 17)  # blank Due Date filled with start + 2 weeks
    assert actions.cell("J4") == dt.datetime(2025, 4, 30)  # typed-over Due Date left alone
    stamp = book.sheets["Home"].cell("A3")
    assert re.fullmatch(r"Last refreshed: \d{4}-\d\d-\d\d \d\d:\d\d \(as of 2025-03-31\)", stamp)
    assert message.startswith("Refreshed 2 KPIs and 3 actions as of 2025-03-31: 1 off track, 1 at risk, "
                              "1 action(s) overdue;")
    assert book.alerts[-1]["mode"] == "info"


def test_refresh_leaves_native_formulas_in_place(book):
    objectives = book.sheets["Objectives"]
    objectives.set_cell(2, 19, '=IF(O2="","No Data","native")')  # Status, column S
    buttons.refresh(book=book)
    assert objectives.formulas[(2, 19)] == '=IF(O2="","No Data","native")'
    assert not any(w[0] == "Objectives" and w[1].startswith("$S$2") for w in book.writes)
    assert objectives.cell("S3") == "At Risk"


def test_refresh_writes_one_block_per_column_run(book):
    buttons.refresh(book=book)
    objective_writes = [w for w in book.writes if w[0] == "Objectives"]
    assert len(objective_writes) == 8  # Target, Latest Actual, Gap, Gap %, Progress, Status, Trend, Pace
    assert ("Objectives", "$T$2", [["Declining"], ["Improving"]]) in objective_writes


def test_refresh_stops_at_the_first_error_and_selects_it(tmp_path):
    rows = small_tracker_rows()
    rows["objectives"][1]["Direction"] = "Downwards"
    book = FakeBook.from_file(_tracker(tmp_path, objectives=rows["objectives"]))
    message = buttons.refresh(book=book)
    assert message.startswith('Tracker.xlsx: Objectives!E3: Direction "Downwards" is not one of the choices')
    assert book.selections == ["Objectives!E3"]
    assert book.alerts[-1]["mode"] == "critical"
    assert book.sheets["Objectives"].cell("T2") is None  # nothing refreshed


def test_refresh_adds_the_stamp_label_when_home_has_none(tmp_path):
    path = write_tracker_openpyxl(tmp_path / "nohome.xlsx", columns=ALL_COLUMNS, **small_tracker_rows())
    wb = openpyxl.load_workbook(path)
    wb.create_sheet("Home")["A1"] = "Welcome"
    wb.save(path)
    book = FakeBook.from_file(path)
    buttons.refresh(book=book)
    home = book.sheets["Home"]
    # below the rows the template keeps for buttons (to 21), in the column Home's text uses
    assert home.cell("A23").startswith("Last refreshed: ") and home.cell("A23").endswith("(as of 2025-03-31)")


# ------------------------------------------------------------- the boundary


def test_a_crash_shows_one_sentence_and_logs_the_traceback(book, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("disk on fire\nsecond line")

    monkeypatch.setattr(buttons.rules, "score", explode)
    message = buttons.refresh(book=book)
    log = Path(book.fullname).parent / buttons.LOG_NAME
    assert message == f"Refresh failed (disk on fire second line); the details are in {log}."
    assert "Traceback" not in book.alerts[-1]["prompt"] and "\n" not in book.alerts[-1]["prompt"]
    assert book.alerts[-1]["mode"] == "critical"
    assert "Traceback (most recent call last)" in log.read_text() and "RuntimeError" in log.read_text()


def test_without_a_message_box_the_sentence_goes_to_home(book):
    def no_alert(*args, **kwargs):
        raise NotImplementedError("alert")

    book.app.alert = no_alert
    message = buttons.validate(book=book)
    assert book.sheets["Home"].cell("A23") == f"Last action: {message}"


# -------------------------------------------------------------------- reports


def test_meeting_kind_accepts_what_people_type():
    assert buttons.meeting_kind("Weekly") == "weekly"
    assert buttons.meeting_kind("bi-weekly monitoring") == "weekly"
    assert buttons.meeting_kind("Monthly performance review") == "monthly"
    assert buttons.meeting_kind("follow up approval") == "follow-up"
    assert buttons.meeting_kind("quarterly") is None
    assert buttons.meeting_kind(None) is None


def test_agenda_with_an_unknown_meeting_names_the_choices(book):
    message = buttons.agenda("quarterly", book=book)
    assert message == 'Meeting "quarterly" is not one of follow-up, weekly or monthly; pick one of those.'


def test_unsaved_workbook_without_output_folder_asks_to_save(tmp_path):
    rows = small_tracker_rows()
    rows["settings"]["Output Folder"] = ""
    book = FakeBook.from_file(_tracker(tmp_path, settings=rows["settings"]))
    book.fullname = book.name = "Book1"  # what Excel reports for a workbook never saved
    message = buttons.findings(book=book)
    assert message == ("Book1 has not been saved yet; save it first, or set an Output Folder on the "
                       "Settings sheet.")
    assert book.selections == ["Settings!B13"]


def test_email_without_recipients_points_at_the_setting(tmp_path):
    rows = small_tracker_rows()
    rows["settings"]["Email To"] = ""
    book = FakeBook.from_file(_tracker(tmp_path, settings=rows["settings"]))
    message = buttons.email(book=book)
    assert message == "Settings' Email To is blank; type at least one address there and click Email again."
    assert book.selections == ["Settings!B11"]


def test_diagnostics_names_python_xlwings_and_the_workbook(book):
    message = buttons.diagnostics(book=book)
    lines = message.splitlines()
    assert lines[0].startswith("Python 3.") and " at " in lines[0]
    assert "xlwings 0.37.8" in lines
    assert f"Workbook {book.fullname}" in lines


def test_handler_names_are_the_vba_contract():
    assert buttons.HANDLERS == ("validate", "refresh", "findings", "timeline", "agenda", "pack", "email",
                                "diagnosis", "diagnostics")
    for name in buttons.HANDLERS:
        assert buttons.handler(name) is getattr(buttons, name)


@pytest.mark.parametrize(
    "handler, file_name, sentence",
    [
        (buttons.findings, "Findings_Report_2025-03-31.xlsx", "Findings report written to"),
        (buttons.timeline, "Implementation_Timeline_2025-03-31.xlsx", "Timeline written to"),
        (buttons.pack, "Leadership_Pack_2025-03-31.xlsx", "Leadership pack written to"),
        (buttons.diagnosis, "Diagnosis_Workbook_2025-03-31.xlsx", "Diagnosis workbook written to"),
    ],
)
def test_report_buttons_write_into_the_output_folder(book, handler, file_name, sentence):
    message = handler(book=book)
    # Settings' Output Folder is "reports": relative to the workbook's folder, not the current one
    expected = Path(book.fullname).parent / "reports" / file_name
    assert message == f"{sentence} {expected}."
    assert expected.is_file()
    assert openpyxl.load_workbook(expected).sheetnames  # a real workbook, readable by another tool
    assert book.alerts[-1]["mode"] == "info"


def test_report_goes_beside_the_workbook_without_an_output_folder(tmp_path):
    rows = small_tracker_rows()
    rows["settings"]["Output Folder"] = None
    book = FakeBook.from_file(_tracker(tmp_path, settings=rows["settings"]))
    message = buttons.findings(book=book)
    expected = Path(book.fullname).parent / "Findings_Report_2025-03-31.xlsx"
    assert message == f"Findings report written to {expected}."
    assert expected.is_file()


@pytest.mark.parametrize(
    "asked, setting, kind",
    [
        (None, None, "weekly"),  # nothing said: the weekly monitoring meeting
        (None, "Monthly review", "monthly"),  # Settings' optional Meeting Kind row
        ("follow-up", "Monthly review", "follow-up"),  # the VBA prompt's answer wins
    ],
)
def test_agenda_picks_the_meeting(tmp_path, asked, setting, kind):
    rows = small_tracker_rows()
    if setting:
        rows["settings"]["Meeting Kind"] = setting
    book = FakeBook.from_file(_tracker(tmp_path, settings=rows["settings"]))
    message = buttons.agenda(asked, book=book)
    expected = Path(book.fullname).parent / "reports" / f"Meeting_Agenda_{kind}_2025-04-02.xlsx"
    assert message == f"Agenda ({kind} meeting) written to {expected}."
    assert expected.is_file()


def test_agenda_with_a_bad_meeting_setting_selects_it(tmp_path):
    rows = small_tracker_rows()
    rows["settings"]["Meeting Kind"] = "Quarterly"
    book = FakeBook.from_file(_tracker(tmp_path, settings=rows["settings"]))
    message = buttons.agenda(book=book)
    assert message == ('Settings!B14: Meeting Kind "Quarterly" is not one of follow-up, weekly or monthly; '
                       "type one of those.")
    assert book.selections == ["Settings!B14"]


def test_email_saves_the_pack_and_an_addressed_eml(book):
    import email
    import email.policy

    message = buttons.email(book=book)
    folder = Path(book.fullname).parent / "reports"
    eml = folder / "Leadership_Pack_2025-03-31.eml"
    assert message == (f"Leadership pack and an email to lead@example.org, ops@example.org saved as {eml}; "
                       "open it and press Send.")
    parsed = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert parsed["To"] == "lead@example.org, ops@example.org"
    attachments = [part.get_filename() for part in parsed.iter_attachments()]
    assert attachments == ["Leadership_Pack_2025-03-31.xlsx"]


def test_a_report_open_in_excel_gives_a_sentence_not_a_traceback(book, monkeypatch):
    def locked(*args, **kwargs):
        raise PermissionError(13, "Permission denied", "reports/Findings_Report_2025-03-31.xlsx")

    monkeypatch.setattr("saypro_xl.reports.build_reports", locked)
    message = buttons.findings(book=book)
    assert message == ("Could not write to reports/Findings_Report_2025-03-31.xlsx: close the report if it is "
                       "open in Excel, or choose another Output Folder on the Settings sheet.")


# ------------------------------------------------- the tracker our template writes


@pytest.fixture
def template_book(tmp_path):
    from saypro_xl.template import write_tracker

    source = write_tracker_openpyxl(tmp_path / "rows.xlsx", **small_tracker_rows())
    path = write_tracker(tmp_path / "SayPro_Tracker.xlsx", load_tracker(source))
    return FakeBook.from_file(path)


def test_template_tracker_validates_clean(template_book):
    assert buttons.validate(book=template_book) == "SayPro_Tracker.xlsx: no problems found."


def test_refresh_on_the_template_fills_only_trend(template_book):
    objectives = template_book.sheets["Objectives"]
    objectives.set_cell(2, 20, None)  # Trend is a plain value there: clear it to see Refresh fill it
    objectives.set_cell(3, 20, None)
    formulas_before = {s.name: dict(s.formulas) for s in template_book.sheets}
    buttons.refresh(book=template_book)
    data_writes = [w for w in template_book.writes if w[0] in ("Objectives", "Actions")]
    # Trend and Pace (blank: no Target Date) are Python's; every other computed cell stays a formula.
    assert data_writes == [("Objectives", "$T$2", [["Declining"], ["Improving"]]),
                           ("Objectives", "$U$2", [[""], [""]])]
    assert {s.name: s.formulas for s in template_book.sheets if s.name != "Home"} == {
        name: f for name, f in formulas_before.items() if name != "Home"
    }
    assert template_book.sheets["Home"].cell("B23").startswith("Last refreshed: ")


def test_nothing_reaches_stderr_which_the_mac_would_show(book, monkeypatch, capsys):
    import warnings

    real_score = buttons.rules.score

    def noisy_score(*args, **kwargs):
        warnings.warn("a library grumbles", DeprecationWarning)
        return real_score(*args, **kwargs)

    monkeypatch.setattr(buttons.rules, "score", noisy_score)
    assert buttons.refresh(book=book).startswith("Refreshed 2 KPIs")
    monkeypatch.setattr(buttons.rules, "score", lambda *a, **k: 1 / 0)
    assert buttons.refresh(book=book).startswith("Refresh failed (division by zero)")
    assert capsys.readouterr().err == ""


def test_no_calling_workbook_gives_a_sentence_not_an_exception(monkeypatch, tmp_path):
    def no_excel():
        raise RuntimeError("Book.caller() is only available when called from Excel")

    monkeypatch.setattr(buttons, "_caller_book", no_excel)
    monkeypatch.setattr(buttons.tempfile, "gettempdir", lambda: str(tmp_path))
    message = buttons.validate()
    log = tmp_path / buttons.LOG_NAME
    assert message == ("Validate failed (Book.caller() is only available when called from Excel); "
                       f"the details are in {log}.")
    assert "RuntimeError" in log.read_text()
