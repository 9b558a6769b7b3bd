"""The leadership pack: a dashboard of native charts, then the findings, timeline and agenda sheets.

The pack is a composition of the same sheet specs the other reports use; only
the dashboard is its own. Values only: no macros, no external links.
"""

from __future__ import annotations

from ..model import KpiStatus, Scorecard
from . import facts as f
from . import spec as s
from .agenda import agenda_sheets
from .findings import findings_sheets
from .names import report_file_name
from .timeline import timeline_sheets

GRID = (12,) * 10
MAX_TREND_CHARTS = 4
MAX_ALERTS = 8
STATUS_COLOURS = {"Off Track": "#C00000", "At Risk": "#FFC000", "On Track": "#70AD47", "No Data": "#A6A6A6"}
HEALTH_COLOURS = {
    "Overdue": "#C00000", "Blocked": "#ED7D31", "Late Start": "#FFC000", "At Risk": "#FFE699",
    "Not Started": "#BDD7EE", "On Track": "#4472C4", "Done": "#70AD47", "Cancelled": "#A6A6A6",
}


def attainment(gap_pct: float | None) -> float | None:
    """Performance as a share of target, direction-aware: 1 + gap % (1.0 = exactly on target)."""
    return None if gap_pct is None else 1 + gap_pct


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


def health_by_department(card: Scorecard) -> list[tuple]:
    return [(d, *(sum(1 for a in f.actions_of(card, d) if a.health is h) for h in f.HEALTH_ORDER))
            for d in f.departments(card) if f.actions_of(card, d)]


def dashboard_sheet(card: Scorecard, prefix: str = "d_") -> s.Sheet:
    settings = card.tracker.settings
    measured = [k for d in f.departments(card) for k in f.kpis_of(card, d) if k.gap_pct is not None]
    off_track = f.worst_first([k for k in card.kpis if k.status is KpiStatus.OFF_TRACK])[:MAX_TREND_CHARTS]
    perf = s.Table(prefix + "performance",
                   (s.Column("KPI ID"), s.Column("KPI", span=2), s.Column("Department"), s.Column("Target", "number"),
                    s.Column("Actual", "number"), s.Column("Gap", "number"), s.Column("Gap %", "percent"),
                    s.Column("Attainment", "percent"), s.Column("On target", "percent")),
                   tuple((k.kpi_id, f.kpi_label(k), k.objective.department, k.target, k.latest_actual, k.gap,
                          k.gap_pct, attainment(k.gap_pct), 1.0) for k in measured),
                   empty_text="No KPI has an actual yet.")
    mix = s.Table(prefix + "status_mix", (s.Column("KPI status", span=2), s.Column("KPIs", "integer")),
                  tuple((st.value, sum(1 for k in card.kpis if k.status is st)) for st in f.STATUS_ORDER))
    health = s.Table(prefix + "health",
                     (s.Column("Department", span=2),) + tuple(s.Column(h.value, "integer") for h in f.HEALTH_ORDER),
                     tuple(health_by_department(card)), empty_text="No actions recorded.")
    charts: list[s.Block] = [
        s.Chart("column", "Performance against target (100 % = on target)",
                (s.Series("Attainment", perf.key, "Attainment", "KPI ID", colour="#2F5496"),
                 s.Series("On target", perf.key, "On target", "KPI ID", kind="line", colour="#C00000")),
                y_percent=True, width_columns=5, height_rows=15),
        s.Chart("pie", "KPI status mix",
                (s.Series("KPIs", mix.key, "KPIs", "KPI status",
                          point_colours=tuple(STATUS_COLOURS[st.value] for st in f.STATUS_ORDER)),),
                width_columns=5, height_rows=15, beside_previous=True),
        s.PageBreak(),
        s.Chart("bar", "Action health by department",
                tuple(s.Series(h.value, health.key, h.value, "Department", colour=HEALTH_COLOURS[h.value])
                      for h in f.HEALTH_ORDER),
                stacked=True, width_columns=5, height_rows=15),
    ]
    trend_tables: list[s.Block] = []
    for i, k in enumerate(off_track):
        key = f"{prefix}trend_{i + 1}"
        mine = sorted((a for a in card.tracker.actuals if a.kpi_id == k.kpi_id), key=lambda a: (a.period_end, a.row))
        trend_tables += [s.Text(f"Trend: {k.kpi_id} {f.kpi_label(k)}", "subheading"),
                         s.Table(key, (s.Column("Period end", span=2), s.Column("Actual", "number"),
                                       s.Column("Target", "number")),
                                 tuple((a.period_end.isoformat(), a.actual, k.target) for a in mine))]
        if i % 4 == 3:  # two rows of charts per printed page
            charts.append(s.PageBreak())
        charts.append(s.Chart("line", f"{k.kpi_id} {f.kpi_label(k)} — Off Track",
                              (s.Series("Actual", key, "Actual", "Period end", colour="#C00000"),
                               s.Series("Target", key, "Target", "Period end", colour="#70AD47")),
                              width_columns=5, height_rows=15, beside_previous=(i % 2 == 0)))
    org = settings.organisation
    blocks: list[s.Block] = [
        s.Text("Leadership Pack" + (f" — {org}" if org else ""), "title"),
        s.Text(f"{settings.report_title} · As of {f.date_text(card.as_of)}"
               + (f" · Prepared by {settings.prepared_by}" if settings.prepared_by else "")
               + " · Sheets: Dashboard, Findings, Timeline, Agenda", "subtitle"),
        s.Table(prefix + "key_figures", KEY_FIGURE_COLUMNS, (key_figures(card),)),
        *_alerts(card),
        s.Text("Charts", "heading"),
        *charts,
        s.PageBreak(),
        s.Text("Chart data", "heading"),
        s.Text("Target vs actual by KPI (attainment = 1 + gap %, direction-aware)", "subheading"),
        perf,
        s.Text("KPI status mix", "subheading"), mix,
        s.Text("Action health by department", "subheading"), health,
        *trend_tables,
    ]
    return s.Sheet("Dashboard", GRID, tuple(blocks))


def _alerts(card: Scorecard) -> list[s.Block]:
    off = f.worst_first([k for k in card.kpis if k.status is KpiStatus.OFF_TRACK])
    late = [a for a in card.actions if a.health.value in ("Overdue", "Blocked")]
    items = [f"Off track: {k.objective.department} — {f.gap_sentence(k)}" for k in off]
    items += [f"{a.health.value}: {a.action_id} {a.action.action} (owner {a.action.owner or 'not set'}, "
              f"due {f.date_text(a.due_date)})" for a in late]
    if not items:
        return [s.Text("No KPI is off track and no action is overdue or blocked.", "note")]
    if len(items) > MAX_ALERTS:  # keep the first charts on the first page
        items = items[:MAX_ALERTS - 1] + [f"… and {len(items) - MAX_ALERTS + 1} more: see the Findings and Timeline sheets."]
    return [s.Text("Alerts", "heading"), s.Bullets(tuple(items))]


def pack_workbook(card: Scorecard, meeting: str = "follow-up", since: Scorecard | None = None) -> s.Workbook:
    return s.Workbook(
        report_file_name("pack", card.as_of),
        "Leadership Pack",
        (dashboard_sheet(card),
         *findings_sheets(card, prefix="f_", detail=False),
         *timeline_sheets(card, prefix="t_"),
         *agenda_sheets(card, meeting, since, prefix="a_")),
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
    chart = s.Chart("bar", "KPI status by tracker",
                    tuple(s.Series(h, summary.key, h, label, colour=STATUS_COLOURS[h])
                          for h in ("Off Track", "At Risk", "On Track", "No Data")),
                    stacked=True, width_columns=8, height_rows=max(10, 3 + 2 * len(ordered)))
    return s.Workbook(
        f"Leadership_Pack_Consolidated_{latest.isoformat()}.xlsx",
        "Leadership Pack — all trackers",
        (
            s.Sheet("Overview", (14, 14, 14, 14, 11) + (9,) * 9,
                    (s.Text("Leadership Pack — all trackers", "title"),
                     s.Text(f"{len(ordered)} trackers · latest As Of {f.date_text(latest)}", "subtitle"),
                     summary, chart)),
            s.Sheet("All KPIs", (18, 16, 16, 9, 30, 10, 10, 10, 9, 16, 11), (kpis,), freeze_table=kpis.key),
            s.Sheet("All Actions", (18, 16, 16, 9, 34, 14, 11, 10, 11, 11), (actions,), freeze_table=actions.key),
        ),
    )
