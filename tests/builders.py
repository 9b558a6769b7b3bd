"""Fixture builders: contract-conformant trackers written by openpyxl, not by our template.

`write_tracker_openpyxl` proves the reader takes a workbook "made by another tool".
Rows are dicts keyed by contract header (extra keys become extra columns); a `None`
in a row list writes a blank row. Values are written as given, so a test can plant
text where a number belongs, a text date, a formula ("=H2+7*I2") or an Excel error
(`ExcelError("#N/A")`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping, Sequence

from openpyxl import Workbook
from openpyxl.worksheet.table import Table, TableStyleInfo

from saypro_xl import contract

Row = Mapping[str, object] | None


@dataclass(frozen=True)
class ExcelError:
    """An error value (#N/A, #DIV/0!, ...) to write into a cell as Excel would store it."""

    code: str


def write_tracker_openpyxl(
    path: str | Path,
    *,
    objectives: Sequence[Row] = (),
    actuals: Sequence[Row] = (),
    causes: Sequence[Row] = (),
    actions: Sequence[Row] = (),
    updates: Sequence[Row] = (),
    settings: Mapping[str, object] | None = None,
    as_tables: bool = True,
    columns: Mapping[str, Sequence[str]] | None = None,
    header_text: Callable[[str], str] = lambda header: header,
    sheet_title: Callable[[str], str] = lambda name: name,
    omit_sheets: Sequence[str] = (),
    first_row: int = 1,
    first_col: int = 1,
    number_formats: Mapping[str, str] | None = None,
) -> Path:
    """Write a tracker workbook with openpyxl and return its path.

    - Each input sheet gets a header row of every contract column that is not
      computed (or the headers `columns[sheet]` lists, in that order, contract or
      not), followed by any extra keys the rows carry.
    - `as_tables`: wrap each input sheet in an Excel table named as the contract
      says (tblActions, ...); otherwise a plain range.
    - `header_text` respells headers (e.g. `str.upper`); `sheet_title` respells
      sheet names; `omit_sheets` leaves sheets out (use contract names).
    - `first_row`/`first_col` (1-based) place the header row elsewhere than A1.
    - `number_formats` maps a header to an Excel number format for its cells
      (dates get "yyyy-mm-dd" by default).
    - `settings` maps setting names to values; omitted names are left blank.
    """
    path = Path(path)
    formats = {"Period End": "yyyy-mm-dd", "Start Date": "yyyy-mm-dd", "Due Date": "yyyy-mm-dd",
               "Last Update": "yyyy-mm-dd", "Date": "yyyy-mm-dd", **(number_formats or {})}
    book = Workbook()
    book.remove(book.active)
    if contract.SETTINGS_SHEET not in omit_sheets:
        ws = book.create_sheet(sheet_title(contract.SETTINGS_SHEET))
        ws.append(["Setting", "Value"])
        for name, value in (settings or {}).items():
            ws.append([name, _cell_value(value)])
            _mark_error(ws.cell(ws.max_row, 2), value)
            if isinstance(value, (dt.date, dt.datetime)):
                ws.cell(ws.max_row, 2).number_format = "yyyy-mm-dd"
    given = {
        contract.OBJECTIVES_SHEET: objectives,
        contract.ACTUALS_SHEET: actuals,
        contract.CAUSES_SHEET: causes,
        contract.ACTIONS_SHEET: actions,
        contract.UPDATES_SHEET: updates,
    }
    for sheet, rows in given.items():
        if sheet in omit_sheets:
            continue
        headers = list((columns or {}).get(sheet) or
                       [c.header for c in contract.INPUT_SHEETS[sheet] if not c.computed])
        for row in rows:
            for key in row or {}:
                if key not in headers:
                    headers.append(key)
        ws = book.create_sheet(sheet_title(sheet))
        for c, header in enumerate(headers):
            ws.cell(first_row, first_col + c, header_text(header))
        for r, row in enumerate(rows, start=first_row + 1):
            for c, header in enumerate(headers):
                if row is None or header not in row:
                    continue
                cell = ws.cell(r, first_col + c, _cell_value(row[header]))
                _mark_error(cell, row[header])
                if header in formats and not isinstance(row[header], (str, ExcelError)):
                    cell.number_format = formats[header]
        if as_tables:
            last_row = max(first_row + len(rows), first_row + 1)
            ref = (f"{ws.cell(first_row, first_col).coordinate}:"
                   f"{ws.cell(last_row, first_col + len(headers) - 1).coordinate}")
            table = Table(displayName=contract.TABLE_NAMES[sheet], ref=ref)
            table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
            ws.add_table(table)
    book.save(path)
    return path


def _cell_value(value: object) -> object:
    return value.code if isinstance(value, ExcelError) else value


def _mark_error(cell, value: object) -> None:
    if isinstance(value, ExcelError):
        cell.data_type = "e"  # stored as <c t="e"><v>#N/A</v></c>, as Excel saves an error


# ------------------------------------------------------------- a small valid tracker

def small_tracker_rows() -> dict[str, object]:
    """Keyword arguments for `write_tracker_openpyxl`: two KPIs, causes, actions, updates.

    As of 2025-03-31: K1 (higher is better, target 80) is at 70 → Off Track beyond 5 %;
    K2 (lower is better, target 10) is at 10.3 → At Risk; A1 is Done by its update,
    A2 is Overdue (due 2025-03-15), A3 has a typed-over due date (2025-04-30).
    """
    d = dt.date
    return dict(
        settings={
            "Organisation": "SayPro",
            "Report Title": "Q1 Gap Review",
            "Prepared By": "M&E Team",
            "As Of Date": d(2025, 3, 31),
            "Meeting Date": d(2025, 4, 2),
            "Facilitator": "Thandi",
            "Attendees": "Thandi; Sipho, Lerato",
            "Tolerance %": 5,
            "Trend Periods": 3,
            "Email To": "lead@example.org; ops@example.org",
            "Email Cc": "",
            "Output Folder": "reports",
        },
        objectives=[
            {"KPI ID": "K1", "Department": "Sales", "KPI": "Leads converted", "Unit": "%",
             "Direction": "Higher is better", "Baseline": 60, "Target Type": "Absolute",
             "Target Value": 80, "Tolerance %": None, "Frequency": "Monthly", "Owner": "Ana"},
            {"KPI ID": "K2", "Department": "Support", "KPI": "Response time", "Unit": "hours",
             "Direction": "Lower is better", "Baseline": 20, "Target Type": "% change from baseline",
             "Target Value": -50, "Tolerance %": 10, "Frequency": "Weekly", "Owner": "Ben"},
        ],
        actuals=[
            {"KPI ID": "K1", "Period End": d(2025, 1, 31), "Actual": 75, "Source": "CRM"},
            {"KPI ID": "K1", "Period End": d(2025, 2, 28), "Actual": 72, "Source": "CRM"},
            {"KPI ID": "K1", "Period End": d(2025, 3, 31), "Actual": 70, "Source": "CRM",
             "Comment": "staff on leave"},
            {"KPI ID": "K2", "Period End": d(2025, 3, 21), "Actual": 10.5},
            {"KPI ID": "K2", "Period End": d(2025, 3, 28), "Actual": 10.3},
        ],
        causes=[
            {"Cause ID": "C1", "KPI ID": "K1", "Category": "Lack of training", "Fishbone": "People",
             "Description": "New staff not trained on CRM", "Why 1": "No onboarding",
             "Why 2": "Trainer left", "Impact": "Leads lost", "Weight": 60, "Evidence": "Survey",
             "Confirmed": "Yes"},
            {"Cause ID": "C2", "KPI ID": "K2", "Category": "Inefficient process",
             "Fishbone": "Process", "Description": "Tickets routed by hand", "Weight": 40,
             "Evidence": "Data", "Confirmed": "No"},
        ],
        actions=[
            {"Action ID": "A1", "Cause ID": "C1", "KPI ID": "K1", "Department": "Sales",
             "Action": "CRM training", "Strategy": "Training", "Owner": "Ana",
             "Start Date": d(2025, 3, 3), "Timeline (weeks)": 2, "Milestones": "Session 1; 2",
             "Status": "In progress", "% Complete": 0.5, "Approved": "Yes", "Escalate": "No"},
            {"Action ID": "A2", "Cause ID": "C2", "KPI ID": "K2", "Department": "Support",
             "Action": "Auto-routing", "Strategy": "Technology", "Owner": "Ben",
             "Start Date": d(2025, 3, 1), "Timeline (weeks)": 2, "Status": "In progress",
             "% Complete": 40, "Approved": "Pending", "Escalate": "No"},
            {"Action ID": "A3", "Cause ID": "C2", "KPI ID": "K2", "Department": "Support",
             "Action": "Routing rules review", "Strategy": "Process improvement", "Owner": "Ben",
             "Start Date": d(2025, 3, 10), "Timeline (weeks)": 4, "Due Date": d(2025, 4, 30),
             "Status": "In progress", "% Complete": 50, "Approved": "Yes", "Escalate": "No"},
        ],
        updates=[
            {"Date": d(2025, 3, 10), "Action ID": "A1", "Reporter": "Ana", "Status": "In progress",
             "% Complete": 50, "Note": "first session held"},
            {"Date": d(2025, 3, 17), "Action ID": "A1", "Reporter": "Ana", "Status": "Done",
             "% Complete": 1, "Note": "all sessions held"},
        ],
    )
