"""The tracker workbook: the contract's sheets as Excel tables, with native formulas.

The computed columns (Target, Latest Actual, Gap, Gap %, Status, Due Date,
Health) are formulas that restate saypro_xl.rules, so the workbook shows gaps
and health where Python is absent (Mac, Excel on the web, a recipient). They
use only functions that Excel 2010+ and LibreOffice 7.4 both evaluate, and
structured references written in the Excel 2007 form
(`tblObjectives[[#This Row],[KPI ID]]`), which LibreOffice understands.
When a tracker is given, its records are written and the rules' own results
become the formulas' cached values, so viewers that do not recalculate still
show the right numbers. Trend has no portable formula: it is written as a
plain value from Python (docs/formulas.md).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from . import contract as c
from . import wording
from .model import (
    ActionStatus,
    Approval,
    CauseCategory,
    Direction,
    Evidence,
    Fishbone,
    Frequency,
    Health,
    KpiStatus,
    Pace,
    Role,
    Scorecard,
    Settings,
    Strategy,
    TargetType,
    Tracker,
    YesNo,
)
from .rules import score
from .xlsx import atomic_path, checked, new_workbook

# Sheet tabs, left to right: what staff open first, then the inputs, then plumbing.
TAB_ORDER = (
    c.HOME_SHEET,
    c.DASHBOARD_SHEET,
    c.OBJECTIVES_SHEET,
    c.ACTUALS_SHEET,
    c.CAUSES_SHEET,
    c.ACTIONS_SHEET,
    c.UPDATES_SHEET,
    c.PEOPLE_SHEET,
    c.SETTINGS_SHEET,
    c.WORDING_SHEET,
    c.LISTS_SHEET,
)

BLANK_ROWS = 50  # an empty table still carries drop-downs and formulas this far
SPARE_ROWS = 20  # blank rows below the records of a filled tracker
DEFAULT_DEPARTMENTS = (
    "Sales",
    "Marketing",
    "Customer Support",
    "Operations",
    "Employee Engagement & Retention",
)
DEPARTMENT_SLOTS = 20  # rows of the Lists department column and the Dashboard table

# Names the formulas use; Settings cells move if the settings list changes.
AS_OF_NAME = "AsOfDate"
# The typed As Of, or the last day a spreadsheet knows when it is blank. Unlike AsOfDate it
# holds no TODAY(), so formulas that use it are not volatile (see _sort_key).
AS_OF_LIMIT_NAME = "AsOfLimit"
LAST_SERIAL = 2958465  # 9999-12-31
TOLERANCE_NAME = "DefaultTolerance"
SETTINGS_TABLE = "tblSettings"

# A date serial times this plus the row number sorts by date, then row; MOD recovers the row.
ROW_KEY = 2097152  # 2**21 > Excel's 1,048,576 rows

DATE_FORMAT = "yyyy-mm-dd"
EXCEL_EPOCH = dt.date(1899, 12, 30)

# Choice lists on the Lists sheet: defined name -> (header, values).
CHOICE_LISTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "lstDirection": ("Direction", tuple(Direction.choices())),
    "lstTargetType": ("Target Type", tuple(TargetType.choices())),
    "lstFrequency": ("Frequency", tuple(Frequency.choices())),
    "lstCategory": ("Category", tuple(CauseCategory.choices())),
    "lstFishbone": ("Fishbone", tuple(Fishbone.choices())),
    "lstEvidence": ("Evidence", tuple(Evidence.choices())),
    "lstStrategy": ("Strategy", tuple(Strategy.choices())),
    "lstActionStatus": ("Action Status", tuple(ActionStatus.choices())),
    "lstApproval": ("Approved", tuple(Approval.choices())),
    "lstYesNo": ("Yes / No", tuple(YesNo.choices())),
    "lstKpiStatus": ("KPI Status", tuple(KpiStatus.choices())),
    "lstHealth": ("Health", tuple(Health.choices())),
    "lstRole": ("Role", tuple(Role.choices())),
}
DEPARTMENTS_NAME = "lstDepartments"
DEPARTMENT_FILTER_NAME = "lstDepartmentFilter"
ALL_DEPARTMENTS = "All"

# Which list feeds each choice column (sheet, header) -> defined name.
CHOICE_SOURCES = {
    "Direction": "lstDirection",
    "Target Type": "lstTargetType",
    "Frequency": "lstFrequency",
    "Category": "lstCategory",
    "Fishbone": "lstFishbone",
    "Evidence": "lstEvidence",
    "Strategy": "lstStrategy",
    "Status": "lstActionStatus",
    "Approved": "lstApproval",
    "Confirmed": "lstYesNo",
    "Escalate": "lstYesNo",
    "Role": "lstRole",
}

# Columns of every sheet written as an Excel table of input rows: the contract's input sheets
# and the optional People sheet (not an input sheet: a tracker without it reads cleanly).
TABLE_SHEETS: dict[str, tuple[c.Column, ...]] = {**c.INPUT_SHEETS, c.PEOPLE_SHEET: c.PEOPLE}

# Numbers shown as typed (weeks, weights, tolerance points) rather than with two decimals.
PLAIN_NUMBER_HEADERS = {"Timeline (weeks)", "Weight", "Tolerance %"}

STATUS_COLOURS = {  # fill, font: the same traffic lights in every sheet
    "On Track": ("#C6EFCE", "#006100"),
    "Done": ("#C6EFCE", "#006100"),
    "At Risk": ("#FFEB9C", "#9C5700"),
    "Late Start": ("#FFEB9C", "#9C5700"),
    "Off Track": ("#FFC7CE", "#9C0006"),
    "Overdue": ("#FFC7CE", "#9C0006"),
    "Blocked": ("#F8CBAD", "#833C0B"),
}

COMPUTED_NOTES = {
    "Due Date": "Calculated: Start Date + 7 × Timeline (weeks). Type a date over it to move the "
                "deadline; the difference is reported as slippage.",
    "Trend": "Filled in by SayPro tools (Python) from the last actuals; no spreadsheet formula.",
    "Pace": "Ahead, On Pace or Behind the straight path from Baseline to Target by the Target Date. "
            "Filled in by SayPro tools (Python); no spreadsheet formula.",
}
COMPUTED_NOTE = "Calculated by a formula: do not type here."


# ------------------------------------------------------------------ formulas


def _this(table: str, header: str) -> str:
    """A same-row structured reference in the Excel 2007 form LibreOffice also reads."""
    return f"{table}[[#This Row],[{header}]]"


def _sort_key(date: str, valid: str) -> str:
    """A record's (day, row) as one number, 0 when it cannot count: the Sort Key helper column.

    Computed once per input row. It applies a typed As Of (AsOfLimit) but not today's date:
    TODAY() makes every formula that mentions it volatile, recalculated at every edit, and a
    scan of a whole table on every keystroke is what froze large trackers.
    """
    return f"=IF({valid},IF(INT({date})<={AS_OF_LIMIT_NAME},INT({date})*{ROW_KEY}+ROW(),0),0)"


def _newest_overall(table: str, id_header: str, key: str) -> str:
    """Sheet row of the newest record of `key` up to a typed As Of (0 if none): MAX over Sort Key.

    The largest Sort Key is the latest date and, on a tie, the bottom-most row, exactly as
    rules.actuals_in_order / newest_update order records.
    """
    return f"MOD(SUMPRODUCT(MAX(({table}[{id_header}]={key})*{table}[Sort Key])),{ROW_KEY})"


def _newest_as_of(table: str, id_header: str, date_header: str, value_header: str, key: str,
                  newest: str, date_column: str) -> str:
    """Sheet row of the newest record of `key` dated on or before As Of; 0 if none.

    `newest` is the record's newest row up to a typed As Of (a helper cell, not volatile). As Of
    is a cut-off (rules.score_kpi / score_action): when that row is on or before As Of it is the
    answer, in constant time. Only with As Of blank (today) and a record dated after today does
    the formula scan the table again with the cut-off applied.
    """
    ids, dates, values = f"{table}[{id_header}]", f"{table}[{date_header}]", f"{table}[{value_header}]"
    match = f"({ids}={key})*ISNUMBER({dates})*(INT({dates})<={AS_OF_NAME})"
    if value_header != date_header:
        match += f"*ISNUMBER({values})"
    scan = f"MOD(SUMPRODUCT(MAX({match}*(INT({dates})*{ROW_KEY}+ROW({dates})))),{ROW_KEY})"
    return f"IF({newest}=0,0,IF(INT(INDEX({date_column},{newest}))<={AS_OF_NAME},{newest},{scan}))"


def _points(expr: str, upper: str) -> str:
    """Percent points from a cell that may hold a fraction (a 5 % cell holds 0.05), as read.py."""
    return f"IF(AND({expr}>=0,{expr}{upper}1),{expr}*100,{expr})"


def objective_formulas() -> dict[str, str]:
    """Formulas of the Objectives table's computed columns, by header."""
    t = c.TABLE_NAMES[c.OBJECTIVES_SHEET]
    kpi, direction = _this(t, "KPI ID"), _this(t, "Direction")
    baseline, target_type, value = _this(t, "Baseline"), _this(t, "Target Type"), _this(t, "Target Value")
    target, latest, gap = _this(t, "Target"), _this(t, "Latest Actual"), _this(t, "Gap")
    tolerance = _this(t, "Tolerance %")
    newest = _this(t, "Actual Row")  # looked up once per KPI
    tolerance_points = f"IF(ISNUMBER({tolerance}),{_points(tolerance, '<')},{TOLERANCE_NAME})"
    return {
        "Target": (
            f'=IF(NOT(ISNUMBER({value})),"",IF({target_type}="{TargetType.ABSOLUTE}",{value},'
            f'IF(NOT(ISNUMBER({baseline})),"",'
            f'IF({target_type}="{TargetType.PCT_CHANGE}",{baseline}*(1+{value}/100),'
            f'IF({target_type}="{TargetType.CHANGE}",{baseline}+{value},"")))))'
        ),
        "Latest Actual": (
            f'=IF({kpi}="","",IF({newest}=0,"",INDEX(Actuals!$C:$C,{newest})))'
        ),
        "Gap": (
            f'=IF(OR({target}="",{latest}=""),"",IF({direction}="{Direction.HIGHER}",{latest}-{target},'
            f'IF({direction}="{Direction.LOWER}",{target}-{latest},"")))'
        ),
        "Gap %": f'=IF({gap}="","",IF({target}=0,"",{gap}/ABS({target})))',
        # Rounded as rules.progress rounds, so both engines show the same share.
        "Progress": (
            f'=IF(OR({latest}="",{target}="",NOT(ISNUMBER({baseline}))),"",'
            f'IF({target}={baseline},"",ROUND(({latest}-{baseline})/({target}-{baseline}),10)))'
        ),
        "Status": (
            f'=IF({kpi}="","",IF({gap}="","{KpiStatus.NO_DATA}",IF({gap}>=0,"{KpiStatus.ON_TRACK}",'
            f'IF({target}=0,"{KpiStatus.OFF_TRACK}",'
            f'IF(-{gap}/ABS({target})<={tolerance_points}/100,"{KpiStatus.AT_RISK}","{KpiStatus.OFF_TRACK}")))))'
        ),
        "Newest Actual Row": f"={_newest_overall('tblActuals', 'KPI ID', kpi)}",
        "Actual Row": "=" + _newest_as_of("tblActuals", "KPI ID", "Period End", "Actual", kpi,
                                          _this(t, "Newest Actual Row"), "Actuals!$B:$B"),
    }


def action_formulas() -> dict[str, str]:
    """Formulas of the Actions table's computed columns, by header."""
    t = c.TABLE_NAMES[c.ACTIONS_SHEET]
    action_id, start, weeks = _this(t, "Action ID"), _this(t, "Start Date"), _this(t, "Timeline (weeks)")
    due, own_status, own_pct = _this(t, "Due Date"), _this(t, "Status"), _this(t, "% Complete")
    escalate = _this(t, "Escalate")
    newest = _this(t, "Update Row")  # looked up once per action, read nine times below
    row_status = f'IF({own_status}="","{ActionStatus.NOT_STARTED}",{own_status})'
    update_status = "INDEX(Updates!$D:$D,{n})".format(n=newest)
    status = f'IF({newest}=0,{row_status},IF({update_status}="",{row_status},{update_status}))'
    update_pct = "INDEX(Updates!$E:$E,{n})".format(n=newest)
    row_points = f"IF(ISNUMBER({own_pct}),{_points(own_pct, '<=')},0)"
    pct_points = (f"IF({newest}=0,{row_points},IF(ISNUMBER({update_pct}),"
                  f"{_points(update_pct, '<=')},{row_points}))")
    as_of = AS_OF_NAME
    overdue = f"AND(ISNUMBER({due}),{due}<{as_of})"
    escalated = f'{escalate}="{YesNo.YES}"'
    elapsed = f"MIN(MAX(({as_of}-{start})/({due}-{start}),0),1)"
    in_progress = (
        f'IF({overdue},"{Health.OVERDUE}",IF({escalated},"{Health.BLOCKED}",'
        f'IF(AND(ISNUMBER({start}),{start}>{as_of}),"{Health.NOT_STARTED}",'
        f'IF(AND(ISNUMBER({start}),ISNUMBER({due})),IF({due}>{start},'
        f'IF({pct_points}<{elapsed}*100-20,"{Health.AT_RISK}","{Health.ON_TRACK}"),'
        f'"{Health.ON_TRACK}"),"{Health.ON_TRACK}"))))'
    )
    not_started = (
        f'IF({overdue},"{Health.OVERDUE}",IF({escalated},"{Health.BLOCKED}",'
        f'IF(AND(ISNUMBER({start}),{start}<{as_of}),"{Health.LATE_START}","{Health.NOT_STARTED}")))'
    )
    blocked = f'IF({overdue},"{Health.OVERDUE}","{Health.BLOCKED}")'
    statuses = ",".join(f'"{s}"' for s in (ActionStatus.DONE, ActionStatus.CANCELLED,
                                           ActionStatus.BLOCKED, ActionStatus.NOT_STARTED,
                                           ActionStatus.IN_PROGRESS))
    # The effective status is looked up once; each branch then knows it (no LET in Excel 2010).
    health = (
        f'=IF({action_id}="","",IFERROR(CHOOSE(MATCH({status},{{{statuses}}},0),'
        f'"{Health.DONE}","{Health.CANCELLED}",{blocked},{not_started},{in_progress}),""))'
    )
    rounded_days = f"ROUND(7*{weeks},0)"  # half days round up, as rules.original_due does
    return {
        "Due Date": f'=IF(AND(ISNUMBER({start}),ISNUMBER({weeks})),{start}+{rounded_days},"")',
        "Health": health,
        "Newest Update Row": f"={_newest_overall('tblUpdates', 'Action ID', action_id)}",
        "Update Row": "=" + _newest_as_of("tblUpdates", "Action ID", "Date", "Date", action_id,
                                          _this(t, "Newest Update Row"), "Updates!$A:$A"),
    }


def actual_formulas() -> dict[str, str]:
    t = c.TABLE_NAMES[c.ACTUALS_SHEET]
    date = _this(t, "Period End")
    return {"Sort Key": _sort_key(date, f"AND(ISNUMBER({date}),ISNUMBER({_this(t, 'Actual')}))"),
}


def update_formulas() -> dict[str, str]:
    date = _this(c.TABLE_NAMES[c.UPDATES_SHEET], "Date")
    return {"Sort Key": _sort_key(date, f"ISNUMBER({date})")}


FORMULAS: dict[str, Callable[[], dict[str, str]]] = {
    c.OBJECTIVES_SHEET: objective_formulas,
    c.ACTIONS_SHEET: action_formulas,
    c.ACTUALS_SHEET: actual_formulas,
    c.UPDATES_SHEET: update_formulas,
}


# ------------------------------------------------------------------ record rows


def _yes_no(flag: bool) -> str:
    return YesNo.YES.value if flag else YesNo.NO.value


def _choice(value) -> str | None:
    return value.value if value is not None else None


def _record_rows(tracker: Tracker, card: Scorecard) -> dict[str, list[dict[str, object]]]:
    """Each input sheet's rows as header -> value; computed columns hold cached results."""
    kpis = {id(k.objective): k for k in card.kpis}
    actions = {id(a.action): a for a in card.actions}
    limit = tracker.settings.as_of or dt.date.max  # AsOfLimit: the typed As Of only
    actual_keys = [_key_of(a.period_end, a.row, limit) for a in tracker.actuals]
    update_keys = [_key_of(u.date, u.row, limit) for u in tracker.updates]
    newest_actual = _newest_rows(zip((a.kpi_id for a in tracker.actuals), actual_keys))
    newest_update = _newest_rows(zip((u.action_id for u in tracker.updates), update_keys))
    actual_as_of = _newest_rows((a.kpi_id, k) for a, k in zip(tracker.actuals, actual_keys)
                                if a.period_end <= card.as_of)
    update_as_of = _newest_rows((u.action_id, k) for u, k in zip(tracker.updates, update_keys)
                                if u.date <= card.as_of)
    objectives = []
    for o in tracker.objectives:
        k = kpis[id(o)]
        objectives.append({
            "KPI ID": o.kpi_id, "Department": o.department, "KPI": o.kpi, "Unit": o.unit,
            "Direction": _choice(o.direction), "Baseline": o.baseline, "Baseline Date": o.baseline_date,
            "Target Type": _choice(o.target_type), "Target Value": o.target_value, "Target Date": o.target_date,
            "Target": k.target, "Tolerance %": o.tolerance_pct, "Frequency": _choice(o.frequency),
            "Owner": o.owner, "Latest Actual": k.latest_actual, "Gap": k.gap, "Gap %": k.gap_pct,
            "Progress": k.progress, "Status": k.status.value, "Trend": _choice(k.trend),
            "Pace": _choice(k.pace),
            "Newest Actual Row": newest_actual.get(o.kpi_id.casefold(), 0),
            "Actual Row": actual_as_of.get(o.kpi_id.casefold(), 0),
        })
    actuals = [{"KPI ID": a.kpi_id, "Period End": a.period_end, "Actual": a.actual,
                "Source": a.source, "Comment": a.comment, "Sort Key": key}
               for a, key in zip(tracker.actuals, actual_keys)]
    causes = []
    for cause in tracker.causes:
        row = {"Cause ID": cause.cause_id, "KPI ID": cause.kpi_id, "Category": _choice(cause.category),
               "Fishbone": _choice(cause.fishbone), "Description": cause.description,
               "Impact": cause.impact, "Weight": cause.weight, "Evidence": _choice(cause.evidence),
               "Confirmed": _yes_no(cause.confirmed)}
        for n, why in enumerate(cause.whys[:5], start=1):
            row[f"Why {n}"] = why
        causes.append(row)
    action_rows = []
    for a in tracker.actions:
        s = actions[id(a)]
        action_rows.append({
            "Action ID": a.action_id, "Cause ID": a.cause_id, "KPI ID": a.kpi_id,
            "Department": a.department, "Action": a.action, "Strategy": _choice(a.strategy),
            "Owner": a.owner, "Start Date": a.start_date, "Timeline (weeks)": a.timeline_weeks,
            "Due Date": s.due_date, "Milestones": a.milestones, "Status": _choice(a.status),
            "% Complete": None if a.pct_complete is None else a.pct_complete / 100,
            "Approved": _choice(a.approved), "Resources Needed": a.resources_needed,
            "Obstacles": a.obstacles, "Escalate": _yes_no(a.escalate),
            "Expected Outcome": a.expected_outcome, "Last Update": a.last_update,
            "Health": s.health.value,
            "Newest Update Row": newest_update.get(a.action_id.casefold(), 0),
            "Update Row": update_as_of.get(a.action_id.casefold(), 0),
        })
    updates = [{"Date": u.date, "Action ID": u.action_id, "Reporter": u.reporter,
                "Status": _choice(u.status),
                "% Complete": None if u.pct_complete is None else u.pct_complete / 100,
                "Note": u.note, "Sort Key": key} for u, key in zip(tracker.updates, update_keys)]
    return {c.OBJECTIVES_SHEET: objectives, c.ACTUALS_SHEET: actuals, c.CAUSES_SHEET: causes,
            c.ACTIONS_SHEET: action_rows, c.UPDATES_SHEET: updates}


def _key_of(day: dt.date, row: int, limit: dt.date) -> int:
    """The Sort Key formula's value for a record read into the model (its date and actual are valid)."""
    return _serial(day) * ROW_KEY + row if day <= limit else 0


def _newest_rows(keyed) -> dict[str, int]:
    """Sheet row of the largest Sort Key per ID, IDs compared as the spreadsheets compare text."""
    best: dict[str, int] = {}
    for record_id, key in keyed:
        folded = record_id.casefold()
        best[folded] = max(best.get(folded, 0), key)
    return {record_id: key % ROW_KEY for record_id, key in best.items()}


def as_written(tracker: Tracker) -> Tracker:
    """The tracker with each record's row set to the sheet row the template writes it to.

    Ties between equal dates are broken by row, so the cached results must come
    from the rows as they will stand in the workbook.
    """
    def renumber(records):
        return tuple(dataclasses.replace(r, row=i) for i, r in enumerate(records, start=2))

    return dataclasses.replace(
        tracker,
        objectives=renumber(tracker.objectives), actuals=renumber(tracker.actuals),
        causes=renumber(tracker.causes), actions=renumber(tracker.actions),
        updates=renumber(tracker.updates), people=renumber(tracker.people),
    )


PEOPLE_NOTE = ("Who reminders and escalations go to. Name as typed in the Owner columns (case and "
               "spaces do not matter); Role from the list; a Department Head's Department as the "
               "Actions sheet spells it; one Email per row.")


def _people_rows(tracker: Tracker | None) -> list[dict[str, object]]:
    if tracker is None:
        return []
    return [{"Name": p.name, "Role": _choice(p.role), "Department": p.department, "Email": p.email}
            for p in tracker.people]


def _serial(day: dt.date) -> int:
    return (day - EXCEL_EPOCH).days


# ------------------------------------------------------------------ the writer


class _Formats:
    """Every cell format of the template, made once per workbook."""

    def __init__(self, wb: Workbook):
        grey = {"bg_color": "#EDEDED", "font_color": "#404040"}
        self.text = wb.add_format({"text_wrap": False, "valign": "top"})
        self.date = wb.add_format({"num_format": DATE_FORMAT, "align": "left", "valign": "top"})
        self.number = wb.add_format({"num_format": "#,##0.00", "valign": "top"})
        self.plain_number = wb.add_format({"num_format": "General", "align": "center", "valign": "top"})
        self.percent = wb.add_format({"num_format": "0%", "valign": "top"})
        self.computed = {
            "text": wb.add_format({**grey, "valign": "top"}),
            "number": wb.add_format({**grey, "num_format": "#,##0.00", "valign": "top"}),
            "percent": wb.add_format({**grey, "num_format": "0.0%", "valign": "top"}),
            "date": wb.add_format({**grey, "num_format": DATE_FORMAT, "align": "left",
                                   "valign": "top"}),
        }
        self.computed_header = wb.add_format({"bold": True, "font_color": "#FFFFFF",
                                              "bg_color": "#7F7F7F", "text_wrap": True,
                                              "valign": "top", "border": 1})
        self.input_header = wb.add_format({"bold": True, "font_color": "#FFFFFF",
                                           "bg_color": "#1F4E78", "text_wrap": True,
                                           "valign": "top", "border": 1})
        self.title = wb.add_format({"bold": True, "font_size": 18, "font_color": "#1F4E78"})
        self.subtitle = wb.add_format({"italic": True, "font_color": "#595959"})
        self.heading = wb.add_format({"bold": True, "font_size": 12, "font_color": "#1F4E78",
                                      "bottom": 2, "bottom_color": "#1F4E78"})
        self.label = wb.add_format({"bold": True})
        self.note = wb.add_format({"text_wrap": True, "valign": "top", "font_color": "#404040"})
        self.key_input = wb.add_format({"bg_color": "#FFFFFF", "border": 1})
        self.key_computed = wb.add_format({**grey, "border": 1})
        self.selector = wb.add_format({"bold": True, "bg_color": "#FFF2CC", "border": 2,
                                       "border_color": "#BF8F00"})
        self.count = wb.add_format({"num_format": "0", "align": "center", "border": 1})
        self.big_count = wb.add_format({"num_format": "0", "align": "center", "bold": True,
                                        "font_size": 14, "border": 1})
        self.table_head = wb.add_format({"bold": True, "font_color": "#FFFFFF", "bg_color": "#1F4E78",
                                         "border": 1, "text_wrap": True, "valign": "top"})
        self.cell = wb.add_format({"border": 1})
        self.centred = wb.add_format({"num_format": "0", "align": "center"})
        self.alert_text = wb.add_format({})
        self.alert_pct = wb.add_format({"num_format": "0.0%"})
        self.alert_date = wb.add_format({"num_format": DATE_FORMAT, "align": "left"})
        self.date_value = wb.add_format({"num_format": DATE_FORMAT, "align": "left", "border": 1})
        self.traffic = {name: wb.add_format({"bg_color": fill, "font_color": font})
                        for name, (fill, font) in STATUS_COLOURS.items()}

    def input(self, column: c.Column):
        if column.kind == "date":
            return self.date
        if column.kind == "percent":
            return self.percent
        if column.kind in ("number", "int"):
            return self.plain_number if column.header in PLAIN_NUMBER_HEADERS else self.number
        return self.text

    def output(self, column: c.Column):
        kind = column.kind if column.kind in self.computed else "text"
        return self.computed[kind]


def _write_value(ws: Worksheet, row: int, col: int, value: object, fmt, where: str) -> None:
    """One input cell: text always as text (a typed '=HYPERLINK(...)' stays a string)."""
    if value is None or value == "":
        checked(ws.write_blank(row, col, None, fmt), where)
    elif isinstance(value, bool):
        checked(ws.write_string(row, col, _yes_no(value), fmt), where)
    elif isinstance(value, dt.date):
        checked(ws.write_datetime(row, col, dt.datetime.combine(value, dt.time()), fmt), where)
    elif isinstance(value, (int, float)):
        checked(ws.write_number(row, col, value, fmt), where)
    else:
        checked(ws.write_string(row, col, str(value), fmt), where)


def _cached(value: object) -> object:
    """A rules result as the cached value of a formula cell ("" for none)."""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return _serial(value)
    return value


def _write_input_sheet(wb: Workbook, ws: Worksheet, sheet: str, rows: Sequence[dict[str, object]],
                       fmt: _Formats) -> None:
    columns = TABLE_SHEETS[sheet]
    formulas = FORMULAS.get(sheet, dict)()
    data_rows = max(BLANK_ROWS, len(rows) + SPARE_ROWS) if rows else BLANK_ROWS
    last_row = data_rows  # header in row 0, data in 1..data_rows
    table_columns = []
    for col in columns:
        spec = {"header": col.header,
                "header_format": fmt.computed_header if col.computed else fmt.input_header,
                "format": fmt.output(col) if col.computed else fmt.input(col)}
        if col.header in formulas:
            spec["formula"] = formulas[col.header]
        table_columns.append(spec)
    checked(ws.add_table(0, 0, last_row, len(columns) - 1, {
        "name": c.TABLE_NAMES[sheet], "columns": table_columns,
        "style": "Table Style Light 15", "autofilter": True,
    }), f"the {sheet} table")
    ws.set_row(0, 32)
    for j, col in enumerate(columns):
        ws.set_column(j, j, _width(col, rows), None if col.computed else fmt.input(col),
                      {"hidden": True} if col.hidden else None)
        if col.computed and not col.hidden:
            ws.write_comment(0, j, COMPUTED_NOTES.get(col.header, COMPUTED_NOTE),
                             {"x_scale": 2, "y_scale": 1.2})
    for i, record in enumerate(rows, start=1):
        for j, col in enumerate(columns):
            where = f"{sheet}!{_cell_name(i, j)}"
            value = record.get(col.header)
            if col.header in formulas:
                if sheet == c.ACTIONS_SHEET and col.header == "Due Date" and _typed_over(record):
                    _write_value(ws, i, j, value, fmt.output(col), where)
                else:
                    checked(ws.write_formula(i, j, formulas[col.header], fmt.output(col),
                                             _cached(value)), where)
            elif col.computed:  # Trend: Python's value, written as a plain value
                _write_value(ws, i, j, value, fmt.output(col), where)
            else:
                _write_value(ws, i, j, value, fmt.input(col), where)
    for i in range(len(rows) + 1, last_row + 1):  # blank rows: formulas show nothing yet
        for j, col in enumerate(columns):
            where = f"{sheet}!{_cell_name(i, j)}"
            if col.header in formulas:
                checked(ws.write_formula(i, j, formulas[col.header], fmt.output(col), ""), where)
            else:  # formatted, so a date typed here shows as a date
                checked(ws.write_blank(i, j, None, fmt.output(col) if col.computed else fmt.input(col)),
                        where)
    for j, col in enumerate(columns):
        source = CHOICE_SOURCES.get(col.header)
        if col.header == "Department":
            checked(ws.data_validation(1, j, last_row, j, {
                "validate": "list", "source": f"={DEPARTMENTS_NAME}", "error_type": "warning",
                "error_title": "New department?",
                "error_message": "This department is not on the Lists sheet. Keep it, or pick one "
                                 "from the list."}), f"{sheet} Department drop-down")
        elif source and col.kind == "choice":
            checked(ws.data_validation(1, j, last_row, j, {
                "validate": "list", "source": f"={source}", "error_type": "stop",
                "error_title": col.header,
                "error_message": f"Pick a {col.header} from the list."}), f"{sheet} {col.header} drop-down")
        elif col.kind == "percent" and not col.computed:
            checked(ws.data_validation(1, j, last_row, j, {
                "validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 1,
                "error_title": col.header,
                "error_message": "Type a percentage between 0% and 100%, e.g. 40%."}),
                f"{sheet} {col.header} check")
    _traffic_lights(ws, columns, last_row, fmt)
    ws.freeze_panes(1, 1)


def _width(column: c.Column, rows: Sequence[dict[str, object]]) -> float:
    """The contract width, widened (up to a limit) so short texts like department names show whole."""
    longest = max((len(v) for r in rows if isinstance(v := r.get(column.header), str)), default=0)
    return max(column.width, min(32.0, longest + 2.0)) if column.kind in ("text", "choice") else column.width


def _typed_over(record: dict[str, object]) -> bool:
    return bool(record.get("_due_typed"))


def _traffic_lights(ws: Worksheet, columns: Sequence[c.Column], last_row: int, fmt: _Formats) -> None:
    for j, col in enumerate(columns):
        if col.header not in ("Status", "Health") or not col.computed:
            continue
        for word, cell_format in fmt.traffic.items():
            ws.conditional_format(1, j, last_row, j, {"type": "cell", "criteria": "==",
                                                      "value": f'"{word}"', "format": cell_format})


def _cell_name(row: int, col: int) -> str:
    from xlsxwriter.utility import xl_rowcol_to_cell

    return xl_rowcol_to_cell(row, col)


# ------------------------------------------------------------------ other sheets


HOME_LINES = (
    "How to use this tracker",
    "1. Settings: fill Organisation, As Of Date (blank = today), Tolerance % and the meeting details. "
    "Optional: People (names, roles, emails for reminders) and Wording (your own report texts).",
    "2. Objectives: one row per KPI with its Direction, Baseline, Target Type and Target Value.",
    "3. Actuals: add a row per KPI per period (Period End, Actual). The newest Period End counts.",
    "4. Causes: the root causes found (5 Whys, Fishbone, Weight for the Pareto).",
    "5. Actions: corrective actions with owner, Start Date and Timeline (weeks); Due Date fills in.",
    "6. Updates: log each weekly / bi-weekly check-in; the newest update sets an action's "
    "status and % complete.",
    "White cells are yours to fill; grey cells with grey headers are calculated — do not type there "
    "(Due Date excepted: type over it to move a deadline). Dashboard: pick a department (or All) in the "
    "yellow cell to see its KPI status and action health.",
)
# The lines fill rows 4 to 10; the tools heading sits on row 11, above the buttons (a test holds it).
HOME_BUTTON_ROWS = (11, 20)  # B12:B21 stay empty: the .xlsm builder puts buttons there


def _write_home(ws: Worksheet, settings: Settings, fmt: _Formats) -> None:
    ws.hide_gridlines(2)
    ws.set_column(0, 0, 3)
    ws.set_column(1, 1, 110)
    checked(ws.write_string(0, 1, settings.organisation or str(c.SETTINGS_DEFAULTS["Organisation"]),
                            fmt.title), "Home title")
    checked(ws.write_string(1, 1, "Performance gap & corrective action tracker", fmt.subtitle),
            "Home subtitle")
    checked(ws.write_string(2, 1, HOME_LINES[0], fmt.heading), "Home heading")
    for i, line in enumerate(HOME_LINES[1:], start=3):
        checked(ws.write_string(i, 1, line, fmt.note), "Home instructions")
    checked(ws.write_string(HOME_BUTTON_ROWS[0] - 1, 1, "SayPro tools (buttons appear here in the "
                            "macro-enabled tracker)", fmt.heading), "Home tools heading")
    ws.set_row(3, 30)  # Settings and the optional sheets: two lines
    ws.set_row(9, 30)
    ws.activate()


WORDING_SPARE_ROWS = 10  # room below the keys for more bullets of a list text


def wording_rows(tracker: Tracker | None) -> list[tuple[str, str, str, str]]:
    """Text | Wording | Default Wording | Where It Appears: every key, a list key once per bullet.

    The tracker's own wording fills the Wording column (so a written tracker reads back the
    same); a list it words longer than our default gets rows of its own below.
    """
    own = tracker.wording if tracker is not None else ()
    rows = []
    for text in wording.TEXTS:
        mine = [words for key, words in own if key == text.key]
        for i in range(max(len(text.default), len(mine), 1)):
            rows.append((text.key, mine[i] if i < len(mine) else "",
                         text.default[i] if i < len(text.default) else "", text.where))
    return rows


def _write_wording(wb: Workbook, ws: Worksheet, tracker: Tracker | None, fmt: _Formats) -> None:
    """The optional Wording sheet: every fixed text of the reports with our default beside it."""
    columns = c.WORDING
    rows = wording_rows(tracker)
    last_row = len(rows) + WORDING_SPARE_ROWS
    mine = wb.add_format({"text_wrap": True, "valign": "top"})
    ours = wb.add_format({"text_wrap": True, "valign": "top", "bg_color": "#EDEDED", "font_color": "#404040"})
    checked(ws.add_table(0, 0, last_row, len(columns) - 1, {
        "name": c.TABLE_NAMES[c.WORDING_SHEET], "style": "Table Style Light 15", "autofilter": True,
        "columns": [{"header": col.header,
                     "header_format": fmt.computed_header if col.computed else fmt.input_header}
                    for col in columns]}), "the Wording table")
    for i, row in enumerate(rows, start=1):
        for j, (col, value) in enumerate(zip(columns, row)):
            _write_value(ws, i, j, value, ours if col.computed else mine, f"Wording!{_cell_name(i, j)}")
    for i in range(len(rows) + 1, last_row + 1):
        for j, col in enumerate(columns):
            checked(ws.write_blank(i, j, None, ours if col.computed else mine), f"Wording!{_cell_name(i, j)}")
    for j, col in enumerate(columns):
        ws.set_column(j, j, col.width)
    ws.set_row(0, 32)
    ws.write_comment(0, 1, "Type your own words here to replace the default beside it; leave blank to keep "
                           "ours. Rows with the same Text make a list: one bullet per filled row, in order. "
                           "The grey columns are guidance and are never read.", {"x_scale": 2, "y_scale": 1.5})
    ws.freeze_panes(1, 1)


def _write_settings(ws: Worksheet, settings: Settings | None, fmt: _Formats) -> dict[str, str]:
    """Setting | Value rows; returns setting name -> absolute cell of its value."""
    values = _settings_values(settings)
    names = list(c.SETTINGS_DEFAULTS)
    checked(ws.add_table(0, 0, len(names), 1, {
        "name": SETTINGS_TABLE, "style": "Table Style Light 15", "autofilter": False,
        "columns": [{"header": "Setting", "header_format": fmt.input_header},
                    {"header": "Value", "header_format": fmt.input_header}]}), "the Settings table")
    cells = {}
    for i, name in enumerate(names, start=1):
        checked(ws.write_string(i, 0, name, fmt.label), f"Settings!A{i + 1}")
        value = values.get(name)
        cell_format = fmt.date if name in ("As Of Date", "Meeting Date") else fmt.text
        _write_value(ws, i, 1, value, cell_format, f"Settings!B{i + 1}")
        cells[name] = f"{c.SETTINGS_SHEET}!$B${i + 1}"
    ws.set_column(0, 0, 34)  # "Escalate To Leadership After (days)" in full
    ws.set_column(1, 1, 48)
    ws.set_column(2, 2, 70)
    hints = {"As Of Date": "Blank = today. The date gaps and action health are judged on.",
             "Tolerance %": "A KPI behind target by up to this share is At Risk; beyond it Off Track.",
             "Trend Periods": "How many latest actuals the Trend looks at.",
             "Attendees": "Separate names with ; or ,",
             "Email To": "Separate addresses with ; or ,",
             "Escalate To Head After (days)": "An action overdue or blocked this long goes to its "
                                              "department head (before that: its owner).",
             "Escalate To Leadership After (days)": "… and this long, to leadership.",
             "History File": "Blank = saypro_history.sqlite in the output folder."}
    for i, name in enumerate(names, start=1):
        if name in hints:
            checked(ws.write_string(i, 2, hints[name], fmt.subtitle), f"Settings!C{i + 1}")
    ws.freeze_panes(1, 0)
    return cells


def _settings_values(settings: Settings | None) -> dict[str, object]:
    if settings is None:
        return dict(c.SETTINGS_DEFAULTS)
    return {
        "Organisation": settings.organisation, "Report Title": settings.report_title,
        "Prepared By": settings.prepared_by, "As Of Date": settings.as_of,
        "Meeting Date": settings.meeting_date, "Facilitator": settings.facilitator,
        "Attendees": "; ".join(settings.attendees), "Tolerance %": settings.tolerance_pct,
        "Trend Periods": settings.trend_periods, "Email To": "; ".join(settings.email_to),
        "Email Cc": "; ".join(settings.email_cc), "Output Folder": settings.output_folder,
        "Escalate To Head After (days)": settings.escalate_head_after_days,
        "Escalate To Leadership After (days)": settings.escalate_leadership_after_days,
        "History File": settings.history_file,
    }


def _departments(tracker: Tracker | None) -> list[str]:
    if tracker is None:
        return list(DEFAULT_DEPARTMENTS)
    seen: dict[str, None] = {}
    for record in (*tracker.objectives, *tracker.actions):
        if record.department and record.department.casefold() not in {d.casefold() for d in seen}:
            seen[record.department] = None
    return list(seen)[:DEPARTMENT_SLOTS] or list(DEFAULT_DEPARTMENTS)


def _write_lists(wb: Workbook, ws: Worksheet, departments: Sequence[str], fmt: _Formats) -> None:
    col = 0
    for name, (header, values) in CHOICE_LISTS.items():
        checked(ws.write_string(0, col, header, fmt.table_head), f"Lists header {header}")
        for i, value in enumerate(values, start=1):
            checked(ws.write_string(i, col, value), f"Lists {header}")
        letter = _cell_name(0, col).rstrip("1")
        wb.define_name(name, f"={c.LISTS_SHEET}!${letter}$2:${letter}${len(values) + 1}")
        ws.set_column(col, col, max(14, len(max(values, key=len)) + 2))
        col += 1
    # Departments: staff may add names below; the drop-downs grow with them.
    dept_col, filter_col = col, col + 1
    dept_letter = _cell_name(0, dept_col).rstrip("1")
    filter_letter = _cell_name(0, filter_col).rstrip("1")
    checked(ws.write_string(0, dept_col, "Departments", fmt.table_head), "Lists Departments")
    checked(ws.write_string(0, filter_col, "Dashboard filter", fmt.table_head), "Lists filter")
    for i in range(1, DEPARTMENT_SLOTS + 1):
        if i <= len(departments):
            checked(ws.write_string(i, dept_col, departments[i - 1], fmt.key_input), "Lists department")
        else:
            checked(ws.write_blank(i, dept_col, None, fmt.key_input), "Lists department")
    checked(ws.write_string(1, filter_col, ALL_DEPARTMENTS), "Lists filter")
    for i in range(1, DEPARTMENT_SLOTS + 1):
        cached = departments[i - 1] if i <= len(departments) else ""
        checked(ws.write_formula(i + 1, filter_col, f'=IF({dept_letter}{i + 1}="","",{dept_letter}{i + 1})',
                                 None, cached), "Lists filter")
    last = DEPARTMENT_SLOTS + 1
    wb.define_name(DEPARTMENTS_NAME, f"=OFFSET({c.LISTS_SHEET}!${dept_letter}$2,0,0,"
                                     f"MAX(1,COUNTA({c.LISTS_SHEET}!${dept_letter}$2:${dept_letter}${last})),1)")
    wb.define_name(DEPARTMENT_FILTER_NAME, f"=OFFSET({c.LISTS_SHEET}!${filter_letter}$2,0,0,"
                                           f"1+COUNTA({c.LISTS_SHEET}!${dept_letter}$2:${dept_letter}${last}),1)")
    ws.set_column(dept_col, filter_col, 32)
    checked(ws.write_string(DEPARTMENT_SLOTS + 3, dept_col,
                            "Add departments in the white cells above; the drop-downs and the "
                            "Dashboard follow.", fmt.subtitle), "Lists note")
    ws.freeze_panes(1, 0)


# Dashboard layout (0-based rows/cols).
SELECTOR_CELL = (2, 2)  # C3
DASH_STATUS_ROW = 11  # header of the KPI status mix block (B12)
DASH_DEPT_ROW = 32  # header of the by-department table (B33), below the charts


def _write_dashboard(wb: Workbook, ws: Worksheet, departments: Sequence[str],
                     card: Scorecard | None, fmt: _Formats) -> None:
    """Live counts by department, alerts and charts; a selector cell re-points the charts."""
    obj, act = c.TABLE_NAMES[c.OBJECTIVES_SHEET], c.TABLE_NAMES[c.ACTIONS_SHEET]
    ws.hide_gridlines(2)
    ws.set_column(0, 0, 2)
    ws.set_column(1, 1, 34)
    ws.set_column(2, 9, 11)
    checked(ws.write_string(0, 1, "Dashboard", fmt.title), "Dashboard title")
    sel_row, sel_col = SELECTOR_CELL
    selector = f"$C${sel_row + 1}"
    checked(ws.write_string(sel_row, 1, "Department (pick one, or All)", fmt.label), "Dashboard label")
    checked(ws.merge_range(sel_row, sel_col, sel_row, sel_col + 1, ALL_DEPARTMENTS, fmt.selector),
            "Dashboard selector")
    checked(ws.data_validation(sel_row, sel_col, sel_row, sel_col, {
        "validate": "list", "source": f"={DEPARTMENT_FILTER_NAME}",
        "error_title": "Department", "error_message": "Pick a department from the list, or All."}),
        "Dashboard selector")
    checked(ws.write_string(sel_row + 1, 1, "As Of date", fmt.label), "Dashboard label")
    as_of_cached = _serial(card.as_of) if card else ""
    checked(ws.write_formula(sel_row + 1, sel_col, f"={AS_OF_NAME}", fmt.date_value, as_of_cached),
            "Dashboard As Of")

    in_dept_obj = f'((({selector}="{ALL_DEPARTMENTS}")+({obj}[Department]={selector}))>0)'
    in_dept_act = f'((({selector}="{ALL_DEPARTMENTS}")+({act}[Department]={selector}))>0)'

    def kpi_count(status: str) -> str:
        return f'=SUMPRODUCT(({obj}[Status]="{status}")*{in_dept_obj})'

    def health_count(health: str) -> str:
        return f'=SUMPRODUCT(({act}[Health]="{health}")*{in_dept_act})'

    kpi_counts = _count_by(card, "kpi") if card else {}
    health_counts = _count_by(card, "health") if card else {}

    # Alerts: the four numbers a meeting starts from, red or amber when not zero.
    checked(ws.write_string(5, 1, "Alerts for the selected department", fmt.heading), "Dashboard")
    alerts = (
        ("KPIs off track", kpi_count(KpiStatus.OFF_TRACK.value), kpi_counts.get(KpiStatus.OFF_TRACK.value, 0), "red"),
        ("KPIs at risk", kpi_count(KpiStatus.AT_RISK.value), kpi_counts.get(KpiStatus.AT_RISK.value, 0), "amber"),
        ("Actions overdue", health_count(Health.OVERDUE.value), health_counts.get(Health.OVERDUE.value, 0), "red"),
        ("Actions blocked or escalated", health_count(Health.BLOCKED.value),
         health_counts.get(Health.BLOCKED.value, 0), "red"),
        # Pace is Python's value (see docs/formulas.md), counted live like the rest.
        ("KPIs behind pace", f'=SUMPRODUCT(({obj}[Pace]="{Pace.BEHIND.value}")*{in_dept_obj})',
         sum(1 for k in card.kpis if k.pace is Pace.BEHIND) if card else 0, "amber"),
    )
    red, amber = fmt.traffic["Off Track"], fmt.traffic["At Risk"]
    for i, (label, formula, cached, colour) in enumerate(alerts, start=6):
        checked(ws.write_string(i, 1, label, fmt.cell), "Dashboard alert")
        checked(ws.write_formula(i, 2, formula, fmt.big_count, cached), "Dashboard alert")
        ws.conditional_format(i, 2, i, 2, {"type": "cell", "criteria": ">", "value": 0,
                                           "format": red if colour == "red" else amber})

    # KPI status mix and action health of the selected department: the charts' sources.
    status_names = [KpiStatus.ON_TRACK, KpiStatus.AT_RISK, KpiStatus.OFF_TRACK, KpiStatus.NO_DATA]
    checked(ws.write_string(DASH_STATUS_ROW, 1, "KPI status", fmt.table_head), "Dashboard")
    checked(ws.write_string(DASH_STATUS_ROW, 2, "KPIs", fmt.table_head), "Dashboard")
    for i, status in enumerate(status_names, start=DASH_STATUS_ROW + 1):
        checked(ws.write_string(i, 1, status.value, fmt.cell), "Dashboard")
        checked(ws.write_formula(i, 2, kpi_count(status.value), fmt.count,
                                 kpi_counts.get(status.value, 0)), "Dashboard")
    health_row = DASH_STATUS_ROW + len(status_names) + 2
    checked(ws.write_string(health_row, 1, "Action health", fmt.table_head), "Dashboard")
    checked(ws.write_string(health_row, 2, "Actions", fmt.table_head), "Dashboard")
    for i, health in enumerate(Health, start=health_row + 1):
        checked(ws.write_string(i, 1, health.value, fmt.cell), "Dashboard")
        checked(ws.write_formula(i, 2, health_count(health.value), fmt.count,
                                 health_counts.get(health.value, 0)), "Dashboard")

    # Status counts by department (every department on the Lists sheet), live COUNTIFS.
    headers = ["Department", "KPIs", *[s.value for s in status_names], "Actions",
               Health.OVERDUE.value, Health.BLOCKED.value]
    top = DASH_DEPT_ROW
    checked(ws.write_string(top - 1, 1, "Status by department", fmt.heading), "Dashboard")
    for j, header in enumerate(headers, start=1):
        checked(ws.write_string(top, j, header, fmt.table_head), "Dashboard")
    dept_letter = _cell_name(0, len(CHOICE_LISTS)).rstrip("1")
    by_dept = _by_department(card) if card else {}
    for i in range(DEPARTMENT_SLOTS):
        r = top + 1 + i
        name_cell = f"$B{r + 1}"
        dept = departments[i] if i < len(departments) else ""
        checked(ws.write_formula(r, 1, f'=IF({c.LISTS_SHEET}!${dept_letter}${i + 2}="","",'
                                       f'{c.LISTS_SHEET}!${dept_letter}${i + 2})', None, dept), "Dashboard")
        counts = by_dept.get(dept.casefold(), {}) if dept else {}
        cells = [
            ("KPIs", f'COUNTIFS({obj}[Department],{name_cell},{obj}[KPI ID],"<>")'),
            *[(f"kpi:{s.value}", f'COUNTIFS({obj}[Department],{name_cell},{obj}[Status],"{s.value}")')
              for s in status_names],
            ("Actions", f'COUNTIFS({act}[Department],{name_cell},{act}[Action ID],"<>")'),
            *[(f"action:{h.value}", f'COUNTIFS({act}[Department],{name_cell},{act}[Health],"{h.value}")')
              for h in (Health.OVERDUE, Health.BLOCKED)],
        ]
        for j, (key, formula) in enumerate(cells, start=2):
            cached = counts.get(key, 0) if dept else ""
            checked(ws.write_formula(r, j, f'=IF({name_cell}="","",{formula})', fmt.centred, cached),
                    "Dashboard")
    last = top + DEPARTMENT_SLOTS
    # Rows of unused department slots stay borderless until a department is added on Lists.
    ws.conditional_format(top + 1, 1, last, len(headers), {
        "type": "formula", "criteria": f'=$B{top + 2}<>""', "format": fmt.cell})
    for header, colour in ((KpiStatus.OFF_TRACK.value, red), (KpiStatus.AT_RISK.value, amber),
                           (Health.OVERDUE.value, red), (Health.BLOCKED.value, red)):
        j = 1 + headers.index(header)
        ws.conditional_format(top + 1, j, last, j, {"type": "cell", "criteria": ">", "value": 0,
                                                   "format": colour})

    # Charts read the selected department's blocks above, so the selector re-points them.
    sheet = f"'{c.DASHBOARD_SHEET}'"
    status_chart = wb.add_chart({"type": "column"})
    status_chart.add_series({
        "name": "KPIs",
        "categories": f"={sheet}!$B${DASH_STATUS_ROW + 2}:$B${DASH_STATUS_ROW + 1 + len(status_names)}",
        "values": f"={sheet}!$C${DASH_STATUS_ROW + 2}:$C${DASH_STATUS_ROW + 1 + len(status_names)}",
        "points": [{"fill": {"color": STATUS_COLOURS[s.value][1] if s.value in STATUS_COLOURS else "#A6A6A6"}}
                   for s in status_names],
        "data_labels": {"value": True},
    })
    status_chart.set_title({"name": "KPI status mix (selected department)", "name_font": {"size": 11}})
    status_chart.set_legend({"none": True})
    status_chart.set_y_axis({"major_gridlines": {"visible": False}, "min": 0})
    status_chart.set_size({"width": 520, "height": 260})
    ws.insert_chart(2, 4, status_chart)
    health_chart = wb.add_chart({"type": "bar"})
    n_health = len(Health)
    health_chart.add_series({
        "name": "Actions",
        "categories": f"={sheet}!$B${health_row + 2}:$B${health_row + 1 + n_health}",
        "values": f"={sheet}!$C${health_row + 2}:$C${health_row + 1 + n_health}",
        "fill": {"color": "#2E75B6"}, "data_labels": {"value": True},
    })
    health_chart.set_title({"name": "Action health (selected department)", "name_font": {"size": 11}})
    health_chart.set_legend({"none": True})
    health_chart.set_y_axis({"reverse": True})
    health_chart.set_x_axis({"major_gridlines": {"visible": False}, "min": 0})
    health_chart.set_size({"width": 520, "height": 300})
    ws.insert_chart(16, 4, health_chart)
    _write_alert_lists(ws, card, in_dept_obj, in_dept_act, fmt)
    ws.freeze_panes(4, 0)


ALERT_SLOTS = 10
ALERT_COL = 12  # column M; column L holds each line's sheet row (hidden)
NOT_FOUND = 1000000000  # a "row" past any sheet: the slot stays empty


def _write_alert_lists(ws: Worksheet, card: Scorecard | None, in_dept_obj: str, in_dept_act: str,
                       fmt: _Formats) -> None:
    """Off-track KPIs and overdue actions of the selected department, listed by name.

    The k-th match is SMALL over (match × row + no-match × 10^9) inside SUMPRODUCT,
    which both engines evaluate as an array without Ctrl+Shift+Enter.
    """
    obj, act = c.TABLE_NAMES[c.OBJECTIVES_SHEET], c.TABLE_NAMES[c.ACTIONS_SHEET]
    kpis = [k for k in card.kpis if k.status is KpiStatus.OFF_TRACK] if card else []
    late = [a for a in card.actions if a.health is Health.OVERDUE] if card else []
    blocks = (
        (2, "KPIs off track", f'({obj}[Status]="{KpiStatus.OFF_TRACK}")*{in_dept_obj}', f"{obj}[Status]",
         c.OBJECTIVES_SHEET, (("KPI ID", "A", 10), ("KPI", "C", 34), ("Department", "B", 30),
                              ("Gap %", "O", 10)),
         [(k.kpi_id, k.objective.kpi, k.objective.department, k.gap_pct, k.objective.row) for k in kpis]),
        (2 + ALERT_SLOTS + 3, "Actions overdue", f'({act}[Health]="{Health.OVERDUE}")*{in_dept_act}',
         f"{act}[Health]", c.ACTIONS_SHEET, (("Action ID", "A", 10), ("Action", "E", 42),
                                             ("Owner", "G", 22), ("Due Date", "J", 10)),
         [(a.action_id, a.action.action, a.action.owner, _serial(a.due_date) if a.due_date else "",
           a.action.row) for a in late]),
    )
    ws.set_column(ALERT_COL - 1, ALERT_COL - 1, 4, None, {"hidden": True})
    for top, title, match, column, sheet, fields, cached_rows in blocks:
        checked(ws.write_string(top - 1, ALERT_COL, f"{title} (selected department)", fmt.heading),
                "Dashboard alerts")
        for j, (header, _, width) in enumerate(fields):
            ws.set_column(ALERT_COL + j, ALERT_COL + j, width)
            checked(ws.write_string(top, ALERT_COL + j, header, fmt.table_head), "Dashboard alerts")
        for k in range(1, ALERT_SLOTS + 1):
            r = top + k
            cached = cached_rows[k - 1] if k <= len(cached_rows) else None  # as written: "All"
            row_formula = (f"=IFERROR(SUMPRODUCT(SMALL({match}*ROW({column})+"
                           f"(1-{match})*{NOT_FOUND},{k})),{NOT_FOUND})")
            checked(ws.write_formula(r, ALERT_COL - 1, row_formula, None,
                                     cached[-1] if cached else NOT_FOUND), "Dashboard alerts")
            for j, (header, letter, _) in enumerate(fields):
                cell_format = fmt.alert_pct if header == "Gap %" else (
                    fmt.alert_date if header == "Due Date" else fmt.alert_text)
                formula = (f'=IF($L{r + 1}>={NOT_FOUND},"",'
                           f'INDEX({sheet}!${letter}:${letter},$L{r + 1}))')
                checked(ws.write_formula(r, ALERT_COL + j, formula, cell_format,
                                         _cached(cached[j]) if cached else ""), "Dashboard alerts")
        ws.conditional_format(top + 1, ALERT_COL, top + ALERT_SLOTS, ALERT_COL + len(fields) - 1, {
            "type": "formula", "criteria": f'=$M{top + 2}<>""', "format": fmt.traffic["Off Track"]})


def _count_by(card: Scorecard, what: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    items = [k.status.value for k in card.kpis] if what == "kpi" else [a.health.value for a in card.actions]
    for item in items:
        counts[item] = counts.get(item, 0) + 1
    return counts


def _by_department(card: Scorecard) -> dict[str, dict[str, int]]:
    """Cached values of the by-department table; COUNTIFS matches names case-insensitively."""
    out: dict[str, dict[str, int]] = {}
    def add(department: str, key: str) -> None:
        row = out.setdefault(department.casefold(), {})
        row[key] = row.get(key, 0) + 1

    for k in card.kpis:
        add(k.objective.department, "KPIs")
        add(k.objective.department, f"kpi:{k.status.value}")
    for a in card.actions:
        add(a.action.department, "Actions")
        add(a.action.department, f"action:{a.health.value}")
    return out


def _print_setup(ws: Worksheet, repeat_header: bool) -> None:
    """Landscape A4, one page wide: wide tables print legibly instead of in strips."""
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
    if repeat_header:
        ws.repeat_rows(0)


# ------------------------------------------------------------------ entry points


def populate_tracker_workbook(workbook: Workbook, tracker: Tracker | None = None) -> dict[str, Worksheet]:
    """Add the tracker's sheets to an open xlsxwriter workbook; returns them by sheet name.

    The .xlsm builder calls this, then adds buttons on "Home" (B12:B20 are left
    empty for them), an xlwings.conf sheet and the VBA project.
    """
    fmt = _Formats(workbook)
    written = as_written(tracker) if tracker is not None else None
    card = score(written) if written is not None else None
    sheets = {name: workbook.add_worksheet(name) for name in TAB_ORDER}
    settings_cells = _write_settings(sheets[c.SETTINGS_SHEET], written.settings if written else None, fmt)
    as_of_cell, tolerance_cell = settings_cells["As Of Date"], settings_cells["Tolerance %"]
    workbook.define_name(AS_OF_NAME, f'=IF(ISNUMBER({as_of_cell}),INT({as_of_cell}),TODAY())')
    workbook.define_name(AS_OF_LIMIT_NAME, f'=IF(ISNUMBER({as_of_cell}),INT({as_of_cell}),{LAST_SERIAL})')
    workbook.define_name(TOLERANCE_NAME, f"=IF(ISNUMBER({tolerance_cell}),"
                                         f"{_points(tolerance_cell, '<')},{c.SETTINGS_DEFAULTS['Tolerance %']})")
    departments = _departments(written)
    _write_lists(workbook, sheets[c.LISTS_SHEET], departments, fmt)
    rows = _record_rows(written, card) if written is not None else {}
    if written is not None:
        for row, action in zip(rows[c.ACTIONS_SHEET], written.actions):
            row["_due_typed"] = action.due_date_typed is not None
    for sheet in c.INPUT_SHEETS:
        _write_input_sheet(workbook, sheets[sheet], sheet, rows.get(sheet, []), fmt)
    _write_input_sheet(workbook, sheets[c.PEOPLE_SHEET], c.PEOPLE_SHEET, _people_rows(written), fmt)
    sheets[c.PEOPLE_SHEET].write_comment(0, 0, PEOPLE_NOTE, {"x_scale": 2, "y_scale": 1.5})
    _write_home(sheets[c.HOME_SHEET], written.settings if written else Settings(), fmt)
    _write_wording(workbook, sheets[c.WORDING_SHEET], written, fmt)
    _write_dashboard(workbook, sheets[c.DASHBOARD_SHEET], departments, card, fmt)
    for name, ws in sheets.items():
        _print_setup(ws, repeat_header=name in TABLE_SHEETS)
    sheets[c.DASHBOARD_SHEET].fit_to_pages(1, 1)
    for name in (c.SETTINGS_SHEET, c.WORDING_SHEET, c.LISTS_SHEET):
        sheets[name].set_tab_color("#A6A6A6")
    sheets[c.DASHBOARD_SHEET].set_tab_color("#1F4E78")
    return sheets


def write_tracker(path: Path | str, tracker: Tracker | None = None) -> Path:
    """Write the tracker workbook to `path` (the blank template, or filled with `tracker`).

    The file appears whole or not at all. Returns the path written.
    """
    final = Path(path)
    if final.suffix.lower() != ".xlsx":
        raise ValueError(f'Tracker file "{final.name}" must end in .xlsx (the macro-enabled '
                         "tracker is built by build-workbook).")
    with atomic_path(final) as tmp:
        workbook = new_workbook(tmp)
        populate_tracker_workbook(workbook, tracker)
        workbook.close()
    return final
