"""The implementation timeline: one row per action, grouped by department, and a week grid.

The bars of the grid are conditional formats whose formulas read the row's
Start, Due and Health cells and the column's week-start date, so a person who
edits a date in the file sees the bar move; no cell is filled by hand.
"""

from __future__ import annotations

import datetime as dt

from ..model import Scorecard
from . import facts as f
from . import spec as s
from .findings import HEALTH_RULES
from .names import report_file_name

MILESTONE = "◆"
TABLE_WIDTHS = (24, 7, 32, 14, 10.5, 8.5, 10.5, 10.5, 8.5, 10.5, 8, 10.5)
WEEK_WIDTH = 4.2
FIXED_COLUMNS = (
    s.Column("Department"), s.Column("Action ID"), s.Column("Action"), s.Column("Owner"),
    s.Column("Start", "date"), s.Column("Timeline (weeks)", "weeks"), s.Column("Due", "date"),
    s.Column("Original Due", "date"), s.Column("Slippage (days)", "integer"), s.Column("Status"),
    s.Column("% Complete", "integer"), s.Column("Health"),
)


def week_start(day: dt.date) -> dt.date:
    """The Monday of the day's week."""
    return day - dt.timedelta(days=day.weekday())


def grid_weeks(card: Scorecard) -> list[dt.date]:
    """Week-start dates from the earliest start to the latest due (and the As Of week)."""
    days = [card.as_of]
    for a in card.actions:
        days += [d for d in (a.action.start_date, a.due_date, a.original_due) if d]
    first, last = week_start(min(days)), week_start(max(days))
    return [first + dt.timedelta(weeks=i) for i in range((last - first).days // 7 + 1)]


def week_header(week: dt.date) -> str:
    return f"Week of {week.isoformat()}"


def grid_rules(as_of: dt.date, first: str, last: str) -> tuple[s.ConditionalRule, ...]:
    """Bars, in priority order: overdue (runs on to the As Of week), blocked, done, planned; then As Of."""
    as_of_cell = f"DATE({as_of.year},{as_of.month},{as_of.day})"
    inside = '{col:Start}<>"",{header}+6>={col:Start}'
    return tuple(
        s.ConditionalRule(first, last, formula, style, stop_if_true=True)
        for formula, style in (
            (f'=AND({{col:Health}}="Overdue",{inside},{{header}}<=MAX({{col:Due}},{as_of_cell}))', "bar_overdue"),
            (f'=AND({{col:Health}}="Blocked",{inside},{{header}}<={{col:Due}})', "bar_blocked"),
            (f'=AND({{col:Health}}="Done",{inside},{{header}}<={{col:Due}})', "bar_done"),
            (f'=AND({{col:Due}}<>"",{inside},{{header}}<={{col:Due}})', "bar"),
            (f"=AND({{header}}<={as_of_cell},{{header}}+6>={as_of_cell})", "as_of_week"),
        )
    )


def timeline_table(card: Scorecard, key: str = "timeline") -> s.Table:
    weeks = grid_weeks(card)
    columns = FIXED_COLUMNS + tuple(
        s.Column(week_header(w), "text", style="grid", header_value=w) for w in weeks
    )
    rows: list[tuple] = []
    styles: list[str] = []
    for dept in f.departments(card):
        actions = f.actions_of(card, dept)
        if not actions:
            continue
        rows.append((dept,) + (None,) * (len(columns) - 1))
        styles.append("group")
        for a in actions:
            due_week = week_start(a.due_date) if a.due_date else None
            marks = tuple(MILESTONE if w == due_week else None for w in weeks)
            rows.append((dept, a.action_id, a.action.action, a.action.owner, a.action.start_date,
                         a.action.timeline_weeks, a.due_date, a.original_due, a.slippage_days,
                         a.status.value, round(a.pct_complete), a.health.value) + marks)
            styles.append("")
    first, last = week_header(weeks[0]), week_header(weeks[-1])
    rules = grid_rules(card.as_of, first, last) + HEALTH_RULES + (s.ConditionalRule("Slippage (days)", "Slippage (days)", "={cell}>0", "warn"),)
    return s.Table(key, columns, tuple(rows), row_styles=tuple(styles), rules=rules,
                   empty_text="No corrective actions recorded.")


def timeline_sheets(card: Scorecard, prefix: str = "") -> tuple[s.Sheet, ...]:
    settings = card.tracker.settings
    table = timeline_table(card, prefix + "timeline")
    weeks = len(table.columns) - len(FIXED_COLUMNS)
    title = "Implementation Timeline" + (f" — {settings.organisation}" if settings.organisation else "")
    legend = (f"As of {f.date_text(card.as_of)}. Bars run from Start to Due: blue planned, green done, "
              f"orange blocked, red overdue (running on to the As Of week); {MILESTONE} marks the due week; "
              "the shaded column is the As Of week. Slippage = Due − Original Due (Start + 7 × weeks).")
    return (s.Sheet(
        "Timeline", TABLE_WIDTHS + (WEEK_WIDTH,) * weeks,
        (s.Text(title, "title"), s.Text(legend, "note"), table),
        freeze_table=table.key, freeze_columns=3,
    ),)


def timeline_workbook(card: Scorecard) -> s.Workbook:
    return s.Workbook(report_file_name("timeline", card.as_of), "Implementation Timeline", timeline_sheets(card))
