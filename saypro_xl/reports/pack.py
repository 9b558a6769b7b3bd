"""The leadership pack: a dashboard of native charts, then the findings, timeline and agenda sheets.

The pack is a composition of the same sheet specs the other reports use; only
the dashboard is its own. Values only: no macros, no external links.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import replace

from .. import rules
from ..model import Health, KpiScore, KpiStatus, Pace, Scorecard
from . import facts as f
from . import spec as s
from .agenda import agenda_sheets
from .findings import findings_sheets, themes_chart, themes_table_of
from .names import report_file_name
from .timeline import timeline_sheets

# The Dashboard prints on one landscape A4 page at 100 %: ten columns of 104 pixels fill the
# printable width (27.7 cm between 1 cm margins), and the rows below add up to its height.
GRID = (14.14,) * 10
CHART_DATA_GRID = (12, 34, 24, 12, 12, 12, 12, 12, 12, 12)
CHART_DATA_SHEET = "Chart Data"
MAX_PERFORMANCE_BARS = 12  # one legible bar each in the chart's height
MAX_DEPARTMENT_BARS = 10  # more bars than this and an app leaves out every other label
MAX_TREND_LINES = 5  # more lines than this on one chart cannot be told apart
MAX_ALERTS = 7  # lines, "… and N more" included
KPI_LABEL_CHARS = 26  # a category label stays on one line beside a bar
DEPARTMENT_LABEL_CHARS = 24
NO_BREAK_SPACE = "\u00a0"
CHART_FONT = 8
PERFORMANCE_ROWS = 15  # chart heights in rows of 20 pixels: two bands of charts fill the page
HEALTH_ROWS = 12
TITLE_FONT = 10
STATUS_COLOURS = {"Off Track": "#C00000", "At Risk": "#FFC000", "On Track": "#70AD47", "No Data": "#A6A6A6"}
HEALTH_COLOURS = {
    "Overdue": "#C00000", "Blocked": "#ED7D31", "Late Start": "#FFC000", "At Risk": "#FFE699",
    "Not Started": "#BDD7EE", "On Track": "#4472C4", "Done": "#70AD47", "Cancelled": "#A6A6A6",
}
TREND_COLOURS = ("#C00000", "#2F5496", "#ED7D31", "#7030A0", "#548235")
TARGET_COLOUR = "#375623"


def short_label(text: str, limit: int) -> str:
    """The text, or its first words and an ellipsis, in at most `limit` characters.

    Chart categories only: a long department or KPI name would wrap over three
    lines beside a bar. The tables keep the full name.
    """
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit - 1]
    if " " in cut and cut.rindex(" ") >= limit // 2:
        cut = cut[:cut.rindex(" ")]
    return cut.rstrip(" ,;:-–—&/") + "…"


def chart_label(text: str, limit: int) -> str:
    """A category label on one line: shortened, its spaces no-break spaces (apps wrap labels at spaces)."""
    return short_label(text, limit).replace(" ", NO_BREAK_SPACE)


def kpi_chart_label(k: KpiScore) -> str:
    """'CS-02 Average resolution time', and '(no baseline)' when Progress cannot be drawn."""
    name = f"{k.kpi_id} {short_label(k.objective.kpi, KPI_LABEL_CHARS)}".strip()
    return chart_label(name if k.progress is not None else f"{name} (no baseline)", 2 * KPI_LABEL_CHARS)


def count_unit(largest: float) -> int:
    """The major unit of a count axis: a whole number (1, 2, 5, 10, 20, …), at most ten steps."""
    unit = 1
    while largest / unit > 10:
        unit = unit * 5 // 2 if str(unit)[0] == "2" else unit * 2
    return unit


def share_axis(values: list[float]) -> tuple[float, float, float]:
    """(min, max, major unit) of a Progress axis: always from 0 % (the baseline) to 100 % (the target).

    A Progress axis never starts above zero, so a bar's length is the improvement
    achieved and no line looks steeper than it is; values beyond either end widen the
    axis to the next gridline, which falls on 0 % and 100 % as well.
    """
    low, high = min([0.0, *values]), max([1.0, *values])
    unit = 0.25
    while (high - low) / unit > 8:
        unit *= 2
    return math.floor(low / unit) * unit, math.ceil(high / unit) * unit, unit


def date_axis(first: dt.date, as_of: dt.date) -> tuple[dt.date, dt.date, int]:
    """(first day, last day, step in days) of a time axis that ends on the As Of date.

    Whole weeks per step, at most six steps, and the first tick on or before the first actual,
    so every tick falls on a day that means something: the As Of date and whole weeks before it.
    """
    span = max(1, (as_of - first).days)
    step = 7 * max(1, math.ceil(span / 7 / 6))
    return as_of - dt.timedelta(days=step * math.ceil(span / step)), as_of, step


def key_figures(card: Scorecard) -> tuple:
    return (
        len(card.kpis),
        sum(1 for k in card.kpis if k.status is KpiStatus.OFF_TRACK),
        sum(1 for k in card.kpis if k.status is KpiStatus.AT_RISK),
        sum(1 for k in card.kpis if k.status is KpiStatus.ON_TRACK),
        sum(1 for k in card.kpis if k.status is KpiStatus.NO_DATA),
        len(card.actions),
        sum(1 for a in card.actions if a.health.value == "Overdue"),
        sum(1 for a in card.actions if a.health.value == "Blocked"),
        len(f.pending_approval(card)),
    )


KEY_FIGURE_COLUMNS = tuple(s.Column(h, "integer") for h in (
    "KPIs", "Off Track", "At Risk", "On Track", "No Data", "Actions", "Overdue", "Blocked", "Pending approval"))
# The tile colours of the key figures when the count is not zero.
KEY_FIGURE_STYLES = ("", "bad", "warn", "good", "muted", "", "bad", "bad", "warn")


def key_figure_tiles(card: Scorecard) -> s.Figures:
    tiles = [s.Figure(column.header, value, style if value else "muted" if style else "")
             for column, value, style in zip(KEY_FIGURE_COLUMNS, key_figures(card), KEY_FIGURE_STYLES)]
    return s.Figures((*tiles[:5], None, *tiles[5:]))  # a gap between the KPIs and the actions


def health_by_department(card: Scorecard) -> list[tuple]:
    return [(d, *(sum(1 for a in f.actions_of(card, d) if a.health is h) for h in f.HEALTH_ORDER))
            for d in f.departments(card) if f.actions_of(card, d)]


TROUBLE = tuple(i for i, h in enumerate(f.HEALTH_ORDER) if h.value in ("Overdue", "Blocked", "Late Start", "At Risk"))


def charted_departments(rows: list[tuple]) -> list[tuple]:
    """The departments' health rows a chart can label legibly: all, or the MAX_DEPARTMENT_BARS with the
    most actions in trouble (Overdue, Blocked, Late Start, At Risk), kept in department order."""
    if len(rows) <= MAX_DEPARTMENT_BARS:
        return rows
    trouble = sorted(range(len(rows)), key=lambda i: (-sum(rows[i][1 + j] for j in TROUBLE), i))
    return [rows[i] for i in sorted(trouble[:MAX_DEPARTMENT_BARS])]


def charted_kpis(card: Scorecard) -> list[KpiScore]:
    """KPIs with an actual, worst first (Target 0 included), as many as the chart can show."""
    return f.worst_first([k for k in card.kpis if k.status is not KpiStatus.NO_DATA])[:MAX_PERFORMANCE_BARS]


def trend_kpis(card: Scorecard) -> list[KpiScore]:
    """The KPIs behind target furthest behind first, Target 0 included, as many as one chart can show."""
    return f.worst_first(f.behind(card))[:MAX_TREND_LINES]


def _progress_series(card: Scorecard, k: KpiScore) -> list[tuple]:
    mine = sorted(f.actuals_of(card, k.kpi_id), key=lambda a: (a.period_end, a.row))
    return [(a.period_end, a.actual, rules.progress(k.objective.baseline, k.target, a.actual)) for a in mine]


def dashboard_sheets(card: Scorecard, prefix: str = "d_") -> tuple[s.Sheet, s.Sheet]:
    """The Dashboard (one printed page: figures, alerts, four charts) and the hidden sheet of its chart data."""
    settings = card.tracker.settings
    shown = charted_kpis(card)
    with_data = sum(1 for k in card.kpis if k.status is not KpiStatus.NO_DATA)
    perf = s.Table(prefix + "performance",
                   (s.Column("KPI ID"), s.Column("KPI"), s.Column("Department"), s.Column("Status"),
                    s.Column("Target", "number"), s.Column("Actual", "number"), s.Column("Gap", "number"),
                    s.Column("Gap %", "percent"), s.Column("Progress", "percent"), s.Column("Chart label")),
                   tuple((k.kpi_id, f.kpi_label(k), f.department_name(k.objective.department), k.status.value,
                          k.target, k.latest_actual, k.gap, k.gap_pct, k.progress, kpi_chart_label(k))
                         for k in shown),
                   empty_text="No KPI has an actual yet.")
    mix = s.Table(prefix + "status_mix", (s.Column("KPI status"), s.Column("KPIs", "integer"),
                                          s.Column("Behind pace", "integer")),
                  tuple((st.value, sum(1 for k in card.kpis if k.status is st),
                         sum(1 for k in card.kpis if k.status is st and k.pace is Pace.BEHIND))
                        for st in f.STATUS_ORDER))
    all_departments = health_by_department(card)
    health_rows = charted_departments(all_departments)
    health = s.Table(prefix + "health",
                     (s.Column("Department"), s.Column("Chart label"))
                     + tuple(s.Column(h.value, "integer") for h in f.HEALTH_ORDER),
                     tuple((d, chart_label(d, DEPARTMENT_LABEL_CHARS), *counts) for d, *counts in health_rows),
                     empty_text="No actions recorded.")
    present = [h for i, h in enumerate(f.HEALTH_ORDER) if any(row[1 + i] for row in health_rows)]

    behind = f.behind(card)
    trended = trend_kpis(card)
    trend_tables: list[s.Block] = []
    trend_series: list[s.Series] = []
    progress_values: list[float] = []
    dates = []
    for i, k in enumerate(trended):
        key = f"{prefix}trend_{i + 1}"
        points = _progress_series(card, k)
        progress_values += [p for _, _, p in points if p is not None]
        dates += [d for d, _, _ in points]
        label = kpi_chart_label(k)  # heads the Progress column: the chart names the line from that cell
        trend_tables += [s.Text(f"Trend {i + 1}: {k.kpi_id} {f.kpi_label(k)} ({k.status.value}), "
                                f"Progress by period end", "subheading"),
                         s.Table(key, (s.Column("Period end", "date"), s.Column("Actual", "number"),
                                       s.Column(label, "percent")), tuple(points))]
        trend_series.append(s.Series(label, key, label, "Period end", colour=TREND_COLOURS[i % len(TREND_COLOURS)],
                                     name_from_header=True))
    first_day, last_day, step = date_axis(min(dates, default=card.as_of), card.as_of)
    if dates:
        target_key = prefix + "trend_target"
        trend_tables += [s.Text("Target met (100 % of the planned improvement)", "subheading"),
                         s.Table(target_key, (s.Column("Period end", "date"), s.Column("Progress", "percent")),
                                 ((first_day, 1.0), (last_day, 1.0)))]
        trend_series.append(s.Series("Target met", target_key, "Progress", "Period end",
                                     colour=TARGET_COLOUR, dashed=True))

    perf_min, perf_max, perf_unit = share_axis([k.progress for k in shown if k.progress is not None])
    trend_min, trend_max, trend_unit = share_axis(progress_values)
    largest_department = max((sum(row[1:]) for row in health_rows), default=0)
    largest_status = max((row[1] for row in mix.rows), default=0)
    of_all = f" — the {len(shown)} furthest behind of {with_data}" if len(shown) < with_data else ""
    of_behind = f"{len(trended)} of the {len(behind)} KPIs behind target, worst first" \
        if len(trended) < len(behind) else "the KPIs behind target"
    common = {"font_size": CHART_FONT, "title_size": TITLE_FONT}
    performance_chart = s.Chart(
        "bar", f"Progress to target{of_all} (0 % = baseline, 100 % = target met)",
        (s.Series("Progress", perf.key, "Progress", "Chart label",
                  point_colours=tuple(STATUS_COLOURS[k.status.value] for k in shown)),),
        value_min=perf_min, value_max=perf_max, value_major_unit=perf_unit, value_format="0%",
        data_labels="0%", width_columns=5, height_rows=PERFORMANCE_ROWS, **common)
    # Progress, not the actual values: one axis for KPIs in hours, dollars and percent, defined
    # when the target is 0 (where Gap % is not), and zero is the baseline, so the lines start
    # where each KPI started and none is stretched to look steeper than it is.
    trend_chart = s.Chart(
        "scatter", f"Progress over time: {of_behind}",
        tuple(trend_series), value_min=trend_min, value_max=trend_max, value_major_unit=trend_unit,
        value_format="0%", category_format="d mmm", category_min=first_day, category_max=last_day,
        category_major_unit=step, legend="right", width_columns=5,
        height_rows=PERFORMANCE_ROWS, **common)
    # The status mix gains pace: beside each status, how many of its KPIs are behind the path
    # to their Target Date (a KPI On Track today can already be falling behind).
    status_chart = s.Chart(
        "column", "KPIs by status, and behind pace",
        (s.Series("KPIs", mix.key, "KPIs", "KPI status",
                  point_colours=tuple(STATUS_COLOURS[st.value] for st in f.STATUS_ORDER)),
         s.Series("Behind pace", mix.key, "Behind pace", "KPI status", colour=SIGNAL_COLOURS["path"])),
        value_min=0, value_major_unit=count_unit(largest_status), value_format="0", data_labels="0",
        label_rotation=0, width_columns=3, height_rows=HEALTH_ROWS, **common)
    health_chart = s.Chart(
        "bar", "Corrective actions by department and health" + (
            f" — the {len(health_rows)} of {len(all_departments)} departments with the most in trouble"
            if len(health_rows) < len(all_departments) else ""),
        tuple(s.Series(h.value, health.key, h.value, "Chart label", colour=HEALTH_COLOURS[h.value])
              for h in present),
        stacked=True, value_min=0, value_major_unit=count_unit(largest_department), value_format="0",
        legend="right", width_columns=7, height_rows=HEALTH_ROWS, **common)
    grid = s.ChartGrid(((0, 0, performance_chart), (0, 5, trend_chart),
                        (PERFORMANCE_ROWS, 0, status_chart), (PERFORMANCE_ROWS, 3, health_chart)))

    org = settings.organisation
    dashboard = s.Sheet("Dashboard", GRID, (
        s.Text("Leadership Pack" + (f" — {org}" if org else ""), "title"),
        s.Text(f"{settings.report_title} · As of {f.date_text(card.as_of)}"
               + (f" · Prepared by {settings.prepared_by}" if settings.prepared_by else "")
               + " · Sheets: Dashboard, " + ("Signals, " if signal_kpis(card) else "") + "Findings, Timeline, Agenda",
               "subtitle"),
        key_figure_tiles(card),
        *_alerts(card),
        grid,
    ), fit_to_page=True)
    data = s.Sheet(CHART_DATA_SHEET, CHART_DATA_GRID, (
        s.Text("Chart data: the numbers behind the Dashboard's charts", "title"),
        s.Text("Key figures", "subheading"),
        s.Table(prefix + "key_figures", KEY_FIGURE_COLUMNS, (key_figures(card),)),
        s.Text("Progress to target by KPI, worst first (Progress = (actual − baseline) / (target − baseline))",
               "subheading"),
        perf,
        s.Text("KPIs by status", "subheading"), mix,
        s.Text("Corrective actions by department and health", "subheading"), health,
        *trend_tables,
    ), hidden=True)
    return dashboard, data


def _kpi_alert(k: KpiScore) -> str:
    """'Off Track — Sales: Monthly sales revenue (USD) 281,000 against a target of 300,000 (6.3 % behind)'."""
    if k.gap_pct is not None:
        share = f" ({f.percent_text(-k.gap_pct)} behind)"
    elif k.progress is not None:
        share = f" ({f.progress_text(k)} so far)"
    else:
        share = ""
    return (f"{k.status.value} — {f.department_name(k.objective.department)}: {f.kpi_label(k)} "
            f"{f.number_text(k.latest_actual)} against a target of {f.number_text(k.target)}{share}")


def _alerts(card: Scorecard) -> list[s.Block]:
    """KPIs off track and actions overdue or blocked, at most MAX_ALERTS lines, actions kept in view."""
    off = f.worst_first([k for k in card.kpis if k.status is KpiStatus.OFF_TRACK])
    late = [a for a in card.actions if a.health.value in ("Overdue", "Blocked")]
    kpi_items = [_kpi_alert(k) for k in off]
    action_items = [f"{a.health.value} — {a.action_id} {a.action.action} (owner {a.action.owner or 'not set'}, "
                    f"due {f.date_text(a.due_date)})" for a in late]
    if not kpi_items and not action_items:
        return [s.Text("No KPI is off track and no action is overdue or blocked.", "note")]
    if len(kpi_items) + len(action_items) > MAX_ALERTS:
        room = MAX_ALERTS - 1
        actions_shown = min(len(action_items), max(room // 3, room - len(kpi_items)))
        kpis_shown = min(len(kpi_items), room - actions_shown)
        actions_shown = min(len(action_items), room - kpis_shown)
        more = []
        if len(kpi_items) > kpis_shown:
            more.append(f.plural(len(kpi_items) - kpis_shown, "more KPI") + " off track (Findings)")
        if len(action_items) > actions_shown:
            more.append(f.plural(len(action_items) - actions_shown, "more action") + " overdue or blocked (Timeline)")
        kpi_items, action_items = kpi_items[:kpis_shown], action_items[:actions_shown]
        action_items.append("… and " + " and ".join(more) + ".")
    return [s.Text("Alerts", "subheading"), s.Bullets(tuple(kpi_items + action_items))]


# ------------------------------------------------------------------ signals (XmR)

MAX_SIGNAL_CHARTS = 6  # two a row: one printed page; the findings' outlook lists every KPI
SIGNAL_ROWS = 15
SIGNAL_COLOURS = {"actual": "#1F3864", "mean": "#7F7F7F", "limit": "#ED7D31", "target": "#375623",
                  "path": "#7030A0", "started": "#2F5496", "completed": "#548235"}


def signal_kpis(card: Scorecard) -> list[KpiScore]:
    """KPIs behind target or with a special cause (DESIGN.md), worst first."""
    special = [k for k in card.kpis if k.variation is not None and k.special_cause]
    # Not behind: by status, which is what `in f.behind(card)` asked, without a scan per KPI.
    chosen = f.behind(card) + [k for k in special if k.status not in f.BEHIND]
    return f.worst_first(chosen)


def _value_at(points: list, day: dt.date) -> float | None:
    """The latest actual on or before `day` (else the first): where an action's marker sits."""
    before = [value for when, value in points if when <= day]
    return before[-1] if before else (points[0][1] if points else None)


def signal_chart(card: Scorecard, k: KpiScore, key: str) -> tuple[s.Chart, list[s.Block]]:
    """An XmR chart of one KPI: actuals, mean and process limits (12+ actuals), target, the expected
    path, and the days its actions started and were completed; plus the tables it draws from."""
    mine = sorted(f.actuals_of(card, k.kpi_id), key=lambda a: (a.period_end, a.row))
    points = [(a.period_end, a.actual) for a in mine]
    first, last, step = date_axis(points[0][0] if points else card.as_of, card.as_of)
    o = k.objective
    lines: list[tuple] = []
    for day in (first, last):
        lines.append((day, k.target, *(
            (k.limits.mean, k.limits.lower, k.limits.upper) if k.limits else (None, None, None))))
    path: list[tuple] = []
    start = rules.path_start(o, mine)
    if start is not None and k.target is not None and o.target_date is not None:
        for day in sorted({max(first, start[1]), min(last, o.target_date), last}):
            if first <= day <= last:
                path.append((day, rules.expected_value(start[0], start[1], k.target, o.target_date, day)))
    started, completed = [], []
    for a in card.actions:
        if a.action.kpi_id != k.kpi_id:
            continue
        if a.action.start_date and first <= a.action.start_date <= last:
            started.append((a.action.start_date, _value_at(points, a.action.start_date), a.action_id))
        if a.effectiveness is not None and first <= a.effectiveness.completed <= last:
            completed.append((a.effectiveness.completed, _value_at(points, a.effectiveness.completed),
                              f"{a.action_id} done"))
    day_col = s.Column("Day", "date")
    tables = [
        s.Table(f"{key}_actuals", (day_col, s.Column("Actual", "number")), tuple(points)),
        s.Table(f"{key}_lines", (day_col, s.Column("Target", "number"), s.Column("Mean", "number"),
                                 s.Column("Lower limit", "number"), s.Column("Upper limit", "number")),
                tuple(lines)),
        s.Table(f"{key}_path", (day_col, s.Column("Expected path", "number")), tuple(path),
                empty_text="No Target Date: no expected path."),
        s.Table(f"{key}_started", (day_col, s.Column("Value", "number"), s.Column("Action")), tuple(started),
                empty_text="No linked action started in this period."),
        s.Table(f"{key}_completed", (day_col, s.Column("Value", "number"), s.Column("Action")), tuple(completed),
                empty_text="No linked action completed in this period."),
    ]
    c = SIGNAL_COLOURS
    series = [s.Series("Actual", tables[0].key, "Actual", "Day", colour=c["actual"])]
    if k.target is not None:
        series.append(s.Series("Target", tables[1].key, "Target", "Day", colour=c["target"], dashed=True))
    if k.limits:
        series += [s.Series("Mean", tables[1].key, "Mean", "Day", colour=c["mean"], dashed=True),
                   s.Series("Lower limit", tables[1].key, "Lower limit", "Day", colour=c["limit"], dashed=True),
                   s.Series("Upper limit", tables[1].key, "Upper limit", "Day", colour=c["limit"], dashed=True)]
    series += [s.Series("Expected path", tables[2].key, "Expected path", "Day", colour=c["path"], dashed=True),
               s.Series("Action started", tables[3].key, "Value", "Day", colour=c["started"], line=False,
                        marker="triangle", label_column="Action"),
               s.Series("Action completed", tables[4].key, "Value", "Day", colour=c["completed"], line=False,
                        marker="diamond", label_column="Action")]
    values = [v for _, v in points] + [v for row in lines for v in row[1:] if v is not None] + \
        [v for _, v in path]
    reading = (f"{k.variation.value}" + (f" ({k.special_cause})" if k.special_cause else "")
               if k.variation else "under 12 actuals: no process limits yet")
    chart = s.Chart(
        "scatter", f"{k.kpi_id} {short_label(f.kpi_label(k), 40)} — {k.status.value}; {reading}",
        tuple(series),
        # From zero when every value is positive, so a small change does not look like a cliff.
        value_min=0 if min(values, default=0) >= 0 else None,
        value_format="#,##0.##", category_format="d mmm", category_min=first, category_max=last,
        category_major_unit=step, legend="bottom", width_columns=5, height_rows=SIGNAL_ROWS,
        font_size=CHART_FONT, title_size=TITLE_FONT)
    caption = s.Text(f"Signals {k.kpi_id}: {f.kpi_label(k)}", "subheading")
    return chart, [caption, *tables]


def signals_sheet(card: Scorecard, over_time=(), prefix: str = "x_") -> tuple[s.Sheet | None, list[s.Block]]:
    """The Signals sheet (XmR charts, two a row; then the status mix and open actions over time
    when the history has earlier As Ofs) and the chart-data blocks it draws from."""
    kpis = signal_kpis(card)
    history_charts, history_data = over_time_blocks(card, over_time)
    if not kpis and not history_charts:
        return None, []
    shown = kpis[:MAX_SIGNAL_CHARTS]
    blocks: list[s.Block] = [
        s.Text("Signals: KPIs behind target or with a special cause", "title"),
        s.Text(("Each chart: actuals (dark blue), target (green, dashed), the expected path to the Target Date "
                "(purple), and with 12 or more actuals the mean and process limits (grey and orange); triangles "
                "mark the day a linked action started, diamonds the day it was completed. How to read them: "
                "docs/reading-the-signals.md." + (f" The {len(shown)} furthest behind of {len(kpis)}; the "
                                                  "findings report's outlook lists all." if len(shown) < len(kpis)
                                                  else "")), "note"),
    ]
    data: list[s.Block] = [s.Text("Signals: the numbers behind each chart", "subheading")]
    for i, k in enumerate(shown):
        chart, tables = signal_chart(card, k, f"{prefix}{i + 1}")
        blocks.append(replace(chart, beside_previous=i % 2 == 1))
        data += tables
    return s.Sheet("Signals", GRID, tuple(blocks + history_charts)), data + history_data


OPEN_HEALTH = tuple(h for h in f.HEALTH_ORDER if h not in (Health.DONE, Health.CANCELLED))


def over_time_blocks(card: Scorecard, points, prefix: str = "o_") -> tuple[list[s.Block], list[s.Block]]:
    """Charts of the KPI status mix and the open actions by health at each recorded As Of, this
    one included; ([], []) with fewer than two As Ofs. Returns (charts, their data tables)."""
    merged = {p.as_of: (dict(p.kpi_status), dict(p.action_health)) for p in points if p.as_of <= card.as_of}
    merged[card.as_of] = ({st.value: sum(1 for k in card.kpis if k.status is st) for st in f.STATUS_ORDER},
                          {h.value: sum(1 for a in f.open_actions(card) if a.health is h) for h in OPEN_HEALTH})
    if len(merged) < 2:
        return [], []
    days = sorted(merged)
    # As Of as text: one column per recorded date, not a calendar axis with gaps between them.
    status = s.Table(prefix + "status", (s.Column("As of"),)
                     + tuple(s.Column(st.value, "integer") for st in f.STATUS_ORDER),
                     tuple((f.date_text(d), *(int(merged[d][0].get(st.value, 0)) for st in f.STATUS_ORDER))
                           for d in days))
    health = s.Table(prefix + "health", (s.Column("As of"),)
                     + tuple(s.Column(h.value, "integer") for h in OPEN_HEALTH),
                     tuple((f.date_text(d), *(int(merged[d][1].get(h.value, 0)) for h in OPEN_HEALTH))
                           for d in days))
    largest_kpis = max(sum(row[1:]) for row in status.rows)
    largest_actions = max(sum(row[1:]) for row in health.rows)
    common = {"font_size": CHART_FONT, "title_size": TITLE_FONT, "stacked": True, "value_min": 0,
              "value_format": "0", "legend": "bottom", "height_rows": SIGNAL_ROWS,
              "width_columns": 5, "label_rotation": 0}
    charts: list[s.Block] = [
        s.Text("Over time: KPI status and open actions at each recorded As Of", "heading"),
        s.Chart("column", "KPI status mix over time",
                tuple(s.Series(st.value, status.key, st.value, "As of", colour=STATUS_COLOURS[st.value])
                      for st in f.STATUS_ORDER), value_major_unit=count_unit(largest_kpis), **common),
        s.Chart("column", "Open actions by health over time",
                tuple(s.Series(h.value, health.key, h.value, "As of", colour=HEALTH_COLOURS[h.value])
                      for h in OPEN_HEALTH), value_major_unit=count_unit(largest_actions),
                beside_previous=True, **common),
    ]
    data: list[s.Block] = [s.Text("Over time (the history store and this As Of)", "subheading"), status, health]
    return charts, data


def pack_workbook(card: Scorecard, meeting: str = "follow-up", since: Scorecard | None = None,
                  over_time=()) -> s.Workbook:
    dashboard, chart_data = dashboard_sheets(card)
    signals, signal_data = signals_sheet(card, over_time)
    if signal_data:
        chart_data = replace(chart_data, blocks=chart_data.blocks + tuple(signal_data))
    return s.Workbook(
        report_file_name("pack", card.as_of),
        "Leadership Pack",
        (dashboard,
         *((signals,) if signals else ()),
         *findings_sheets(card, prefix="f_", detail=False),
         *timeline_sheets(card, prefix="t_"),
         *agenda_sheets(card, meeting, since, prefix="a_"),
         chart_data),
    )


# ------------------------------------------------------------------ many trackers


def _organisation(card: Scorecard) -> str:
    return card.tracker.settings.organisation or card.tracker.source or "Unnamed tracker"


def consolidated_workbook(cards: list[Scorecard]) -> s.Workbook:
    """One organisation-wide pack over many trackers, each tracker named by Organisation and source."""
    if not cards:
        raise ValueError("A consolidated pack needs at least one tracker.")
    ordered = sorted(cards, key=lambda c: (_organisation(c).casefold(), c.tracker.source, c.as_of))
    latest = max(c.as_of for c in ordered)
    summary = s.Table("c_summary",
                      (s.Column("Organisation", span=2), s.Column("Source", span=2), s.Column("As of", "date"))
                      + KEY_FIGURE_COLUMNS,
                      tuple((_organisation(c), c.tracker.source, c.as_of, *key_figures(c)) for c in ordered))
    kpis = s.Table("c_kpis",
                   (s.Column("Organisation"), s.Column("Source"), s.Column("Department"), s.Column("KPI ID"),
                    s.Column("KPI"), s.Column("Target", "number"), s.Column("Actual", "number"),
                    s.Column("Gap", "number"), s.Column("Gap %", "percent"), s.Column("Status"), s.Column("Trend")),
                   tuple((_organisation(c), c.tracker.source, k.objective.department, k.kpi_id, f.kpi_label(k),
                          k.target, k.latest_actual, k.gap, k.gap_pct, k.status_label,
                          k.trend.value if k.trend else "") for c in ordered for k in c.kpis))
    actions = s.Table("c_actions",
                      (s.Column("Organisation"), s.Column("Source"), s.Column("Department"), s.Column("Action ID"),
                       s.Column("Action"), s.Column("Owner"), s.Column("Due", "date"),
                       s.Column("Slippage (days)", "integer"), s.Column("Status"), s.Column("Health")),
                      tuple((_organisation(c), c.tracker.source, f.action_department(c, a), a.action_id,
                             a.action.action, a.action.owner, a.due_date, a.slippage_days, a.status.value,
                             a.health.value) for c in ordered for a in c.actions))
    # Trackers of one organisation share its name; their file names tell them apart.
    label = "Source" if all(c.tracker.source for c in ordered) else "Organisation"
    largest = max(len(c.kpis) for c in ordered)
    chart = s.Chart("bar", "KPI status by tracker",
                    tuple(s.Series(h, summary.key, h, label, colour=STATUS_COLOURS[h])
                          for h in ("Off Track", "At Risk", "On Track", "No Data")),
                    stacked=True, value_min=0, value_major_unit=count_unit(largest), value_format="0",
                    width_columns=8, height_rows=max(10, 3 + 2 * len(ordered)))
    # Common themes across every tracker: a KPI behind target is a gap within its own tracker.
    themes = rules.themes_across([(c.kpis, c.tracker.causes) for c in ordered])
    themes_key = "c_themes"
    theme_blocks: list[s.Block] = [
        s.Text("Common themes across trackers and departments", "heading"),
        s.Text("Each KPI behind target with confirmed causes, in any tracker, counts as one gap, shared among "
               "its causes by weight.", "note"),
        themes_table_of(themes, themes_key, department_span=9),
        themes_chart(themes_key, "Common themes across trackers"),
    ]
    return s.Workbook(
        f"Leadership_Pack_Consolidated_{latest.isoformat()}.xlsx",
        "Leadership Pack — all trackers",
        (
            s.Sheet("Overview", (14, 14, 14, 14, 11) + (9,) * 9,
                    (s.Text("Leadership Pack — all trackers", "title"),
                     s.Text(f"{f.plural(len(ordered), 'tracker')} · latest As Of {f.date_text(latest)}", "subtitle"),
                     summary, chart, *theme_blocks)),
            s.Sheet("All KPIs", (18, 16, 16, 9, 30, 10, 10, 10, 9, 16, 11), (kpis,), freeze_table=kpis.key),
            s.Sheet("All Actions", (18, 16, 16, 9, 34, 14, 11, 10, 11, 11), (actions,), freeze_table=actions.key),
        ),
    )
