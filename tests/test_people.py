"""The optional People sheet: read with the other sheets' row machinery, owners matched to it,
bad addresses caught at their cells, and written by the template as a table with a Role drop-down."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.table import Table, TableStyleInfo

from builders import small_tracker_rows, write_tracker_openpyxl
from saypro_xl import contract, template
from saypro_xl.model import Person, Role, Severity
from saypro_xl.read import is_email_address, load_tracker
from saypro_xl.sample import sample_tracker

PEOPLE_HEADERS = ("Name", "Role", "Department", "Email")


def add_people_sheet(path: Path, rows, headers=PEOPLE_HEADERS, title: str = "People") -> Path:
    """Add a People sheet (an Excel table, as staff would make it) to a workbook written by openpyxl."""
    book = load_workbook(path)
    ws = book.create_sheet(title)
    ws.append(list(headers))
    for row in rows:
        ws.append(list(row))
    ref = f"A1:{chr(ord('A') + len(headers) - 1)}{max(len(rows), 1) + 1}"
    table = Table(displayName=contract.TABLE_NAMES[contract.PEOPLE_SHEET], ref=ref)
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    ws.add_table(table)
    book.save(path)
    return path


def small_tracker(tmp_path: Path, people=None, **changes) -> Path:
    """The builders' small tracker (owners Ana and Ben, departments Sales and Support), plus People."""
    rows = small_tracker_rows()
    rows.update(changes)
    path = write_tracker_openpyxl(tmp_path / "tracker.xlsx", **rows)
    if people is not None:
        add_people_sheet(path, people)
    return path


EVERYONE = [
    ("Ana", "Owner", "Sales", "ana@example.org"),
    ("Ben", "Department Head", "Support", "ben@example.org"),
    ("Lerato", "Leadership", None, "lerato@example.org"),
    ("Thandi", "M&E", None, "thandi@example.org"),
]


def people_issues(tracker):
    return [(i.severity, f"{i.sheet}!{i.cell}", i.message) for i in tracker.issues]


# ------------------------------------------------------------------ reading


def test_people_are_read_in_row_order_with_their_rows(tmp_path):
    tracker = load_tracker(small_tracker(tmp_path, EVERYONE))
    assert tracker.issues == ()
    assert tracker.people == (
        Person("Ana", Role.OWNER, "Sales", "ana@example.org", row=2),
        Person("Ben", Role.HEAD, "Support", "ben@example.org", row=3),
        Person("Lerato", Role.LEADERSHIP, "", "lerato@example.org", row=4),
        Person("Thandi", Role.ME, "", "thandi@example.org", row=5),
    )


def test_no_people_sheet_reads_cleanly_with_no_people(tmp_path):
    tracker = load_tracker(small_tracker(tmp_path))
    assert (tracker.people, tracker.issues) == ((), ())


def test_an_empty_people_sheet_asks_nothing_of_the_owners(tmp_path):
    tracker = load_tracker(small_tracker(tmp_path, []))
    assert (tracker.people, tracker.issues) == ((), ())


def test_owners_match_names_whatever_the_case_and_spaces(tmp_path):
    people = [("  ANA ", "Owner", "Sales", "ana@example.org"),
              ("ben", "Department Head", " support", "ben@example.org")]
    tracker = load_tracker(small_tracker(tmp_path, people))
    assert tracker.issues == ()
    assert [p.name for p in tracker.people] == ["ANA", "ben"]


def test_an_owner_missing_from_the_people_sheet_is_a_warning_at_each_owner_cell(tmp_path):
    # Only Ana is on the sheet. Ben owns K2 (Objectives row 3) and A2, A3 (Actions rows 3, 4).
    # Objectives' input headers put Owner in column M; Actions' put it in column G.
    tracker = load_tracker(small_tracker(tmp_path, [("Ana", "Owner", "Sales", "ana@example.org")]))
    message = ('Owner "Ben" is not on the People sheet, so reminders cannot reach them; add a People row '
               'with Name "Ben" and their Email, or correct the name')
    assert people_issues(tracker) == [
        (Severity.WARNING, "Objectives!M3", message),
        (Severity.WARNING, "Actions!G3", message),
        (Severity.WARNING, "Actions!G4", message),
    ]
    assert tracker.errors == ()


@pytest.mark.parametrize("typed, message", [
    ("ana@", 'Email "ana@" is not an email address; type one address, e.g. thandi@example.org'),
    ("ana at example.org", 'Email "ana at example.org" is not an email address; type one address, '
                           "e.g. thandi@example.org"),
    ("Ana <ana@example.org>", 'Email "Ana <ana@example.org>" is not an email address; type one address, '
                              "e.g. thandi@example.org"),
    ("ana@example.org; ben@example.org", 'Email "ana@example.org; ben@example.org" is not one address; '
                                         "type one address per row, e.g. thandi@example.org"),
])
def test_an_email_that_is_not_an_address_is_an_error_at_its_cell(tmp_path, typed, message):
    people = [("Ana", "Owner", "Sales", typed), ("Ben", "Department Head", "Support", "ben@example.org")]
    tracker = load_tracker(small_tracker(tmp_path, people))
    assert people_issues(tracker) == [(Severity.ERROR, "People!D2", message)]
    # The person stays (so Ana's actions are not also flagged as unowned), without an address.
    assert tracker.people[0] == Person("Ana", Role.OWNER, "Sales", "", row=2)


def test_a_line_break_in_an_email_cell_is_not_an_address(tmp_path):
    people = [("Ana", "Owner", "Sales", "ana@example.org\nBcc: all@example.org"),
              ("Ben", "Owner", "Support", "ben@example.org")]
    tracker = load_tracker(small_tracker(tmp_path, people))
    [issue] = tracker.errors
    assert (issue.sheet, issue.cell, issue.column) == ("People", "D2", "Email")


def test_a_blank_email_is_a_warning(tmp_path):
    people = [("Ana", "Owner", "Sales", None), ("Ben", "Owner", "Support", "ben@example.org")]
    tracker = load_tracker(small_tracker(tmp_path, people))
    assert people_issues(tracker) == [
        (Severity.WARNING, "People!D2", 'Email is blank, so "Ana" gets no reminders; type their address, '
                                        "e.g. thandi@example.org")]


def test_a_department_head_needs_a_department_the_tracker_knows(tmp_path):
    people = [("Ana", "Department Head", None, "ana@example.org"),
              ("Ben", "Department Head", "Suport", "ben@example.org")]
    tracker = load_tracker(small_tracker(tmp_path, people))
    assert people_issues(tracker) == [
        (Severity.ERROR, "People!C2", 'Department is blank, but "Ana" is a Department Head; type the '
                                      "department they head, as the Actions sheet spells it"),
        (Severity.WARNING, "People!C3", 'Department "Suport" is on no Objectives or Actions row, so no '
                                        "escalation reaches this Department Head; type it as those sheets "
                                        "spell it"),
    ]


def test_a_role_not_on_the_list_drops_the_row_and_its_owner_is_then_missing(tmp_path):
    people = [("Ana", "Boss", "Sales", "ana@example.org"), ("Ben", "Owner", "Support", "ben@example.org")]
    tracker = load_tracker(small_tracker(tmp_path, people))
    assert [p.name for p in tracker.people] == ["Ben"]
    first = tracker.issues[0]
    assert (first.severity, first.sheet, first.cell) == (Severity.ERROR, "People", "B2")
    assert first.message == ('Role "Boss" is not one of the choices (Owner, Department Head, Leadership, '
                             "M&E); pick one from the drop-down")
    assert [(i.sheet, i.cell) for i in tracker.warnings] == [("Objectives", "M2"), ("Actions", "G2")]


def test_people_headers_are_found_in_any_order_and_case_extra_columns_ignored(tmp_path):
    path = small_tracker(tmp_path)
    add_people_sheet(path, [("ana@example.org", "Ana", "owner", "Sales", "desk 4"),
                            ("ben@example.org", " Ben ", "OWNER", "Support", None)],
                     headers=("EMAIL", "name", "ROLE", "department", "Notes"), title="people")
    tracker = load_tracker(path)
    assert tracker.issues == ()
    assert tracker.people == (Person("Ana", Role.OWNER, "Sales", "ana@example.org", row=2),
                              Person("Ben", Role.OWNER, "Support", "ben@example.org", row=3))


@pytest.mark.parametrize("text, ok", [
    ("thandi@example.org", True), ("t.mokoena+saypro@mail.example.co.za", True), ("O'Neil@example.org", True),
    ("thandi@localhost", False), ("@example.org", False), ("thandi@", False), ("thandi@@example.org", False),
    (".thandi@example.org", False), ("thandi.@example.org", False), ("th..andi@example.org", False),
    ("thandi@-example.org", False), ("thandi @example.org", False), ("thandi@example.org\r\n", False),
    ("<thandi@example.org>", False), ("thandi@example.org,", False),
])
def test_what_counts_as_an_address(text, ok):
    assert is_email_address(text) is ok


# ------------------------------------------------------------------ the template


def test_the_template_has_a_people_table_with_a_role_drop_down(tmp_path):
    book = load_workbook(template.write_tracker(tmp_path / "Tracker.xlsx"))
    assert book.sheetnames.index("People") == book.sheetnames.index("Updates") + 1
    ws = book["People"]
    [table] = ws.tables.values()
    assert table.name == "tblPeople"
    assert [c.name for c in table.tableColumns] == ["Name", "Role", "Department", "Email"]
    assert table.ref == f"A1:D{template.BLANK_ROWS + 1}"
    checks = {str(v.sqref): v for v in ws.data_validations.dataValidation}
    role = checks[f"B2:B{template.BLANK_ROWS + 1}"]
    assert (role.type, role.formula1) == ("list", "lstRole")
    assert role.errorStyle in (None, "stop")  # absent means stop: only a Role of the list is taken
    department = checks[f"C2:C{template.BLANK_ROWS + 1}"]
    assert (department.type, department.formula1) == ("list", "lstDepartments")
    # lstRole names the Lists cells that hold exactly the Role choices.
    target = book.defined_names["lstRole"].attr_text
    sheet, cells = target.split("!")
    first, last = cells.replace("$", "").split(":")
    lists = book[sheet]
    assert [row[0].value for row in lists[first:last]] == ["Owner", "Department Head", "Leadership", "M&E"]


def test_the_sample_people_read_back_clean_and_cover_every_owner_and_head(tmp_path):
    tracker = load_tracker(template.write_tracker(tmp_path / "Sample.xlsx", sample_tracker()))
    assert tracker.issues == ()
    assert [(p.name, p.role, p.department, p.email) for p in tracker.people] == [
        (p.name, p.role, p.department, p.email) for p in sample_tracker().people]
    names = {p.name for p in tracker.people}
    assert {a.owner for a in tracker.actions} | {o.owner for o in tracker.objectives} <= names
    heads = {p.department for p in tracker.people if p.role is Role.HEAD}
    assert heads == {a.department for a in tracker.actions}
    assert [p.name for p in tracker.people if p.role is Role.LEADERSHIP] == [
        "Chief Executive Officer", "Chief Operating Officer"]
    assert all(p.email.endswith("@example.org") for p in tracker.people)
