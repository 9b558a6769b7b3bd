"""The findings report, section by section as the organisation writes it (see the seeds)."""

from __future__ import annotations

from .. import rules
from ..model import KpiStatus, Scorecard
from . import facts as f
from . import spec as s
from .names import report_file_name

# The findings sheet is a document on a 9-column grid; tables merge columns to fit it.
GRID = (11, 20, 20, 13, 12, 12, 12, 17, 13)

ANALYSIS_OBJECTIVES = (
    "Identify performance discrepancies: Highlight areas where actual performance deviates from "
    "established objectives and KPIs.",
    "Diagnose root causes: Pinpoint underlying factors contributing to performance gaps.",
    "Provide corrective actions: Offer specific, actionable recommendations to address performance issues.",
    "Engage leadership: Ensure that leadership teams are aligned on corrective actions and timelines "
    "for improvement.",
)

NEXT_STEPS = (
    "Leadership Review: Leadership teams should review the report and approve the proposed corrective actions.",
    "Execution of Action Plans: Begin implementing the corrective actions according to the proposed timelines.",
    "Ongoing Monitoring: Continuously track progress and adjust strategies as necessary to ensure that "
    "performance gaps are successfully closed.",
)

STATUS_RULES = (
    s.ConditionalRule("Status", "Status", '=LEFT({cell},9)="Off Track"', "bad"),
    s.ConditionalRule("Status", "Status", '=LEFT({cell},7)="At Risk"', "warn"),
    s.ConditionalRule("Status", "Status", '=LEFT({cell},8)="On Track"', "good"),
)
HEALTH_RULES = (
    s.ConditionalRule("Health", "Health", '=OR({cell}="Overdue",{cell}="Blocked")', "bad"),
    s.ConditionalRule("Health", "Health", '=OR({cell}="At Risk",{cell}="Late Start")', "warn"),
    s.ConditionalRule("Health", "Health", '=OR({cell}="On Track",{cell}="Done")', "good"),
)


def findings_workbook(card: Scorecard) -> s.Workbook:
    return s.Workbook(
        file_name=report_file_name("findings", card.as_of),
        title=card.tracker.settings.report_title or "Performance Gap Analysis Report",
        sheets=findings_sheets(card),
    )


def findings_sheets(card: Scorecard, prefix: str = "") -> tuple[s.Sheet, ...]:
    """The Findings sheet; `prefix` keeps table keys unique when the pack composes sheets."""
    blocks: list[s.Block] = []
    blocks += _title(card)
    blocks += _executive_summary(card, prefix)
    blocks += [s.Text("2. Objectives of the Performance Gap Analysis", "heading"),
               s.Text("The performance gap analysis aimed to:", "paragraph"),
               s.Bullets(ANALYSIS_OBJECTIVES)]
    blocks += _detailed_findings(card, prefix)
    blocks += _summary_table(card, prefix)
    blocks += _flagged(card, prefix)
    blocks += _pareto(card, prefix)
    blocks += _conclusion(card)
    return (s.Sheet("Findings", GRID, tuple(blocks)),)


def _title(card: Scorecard) -> list[s.Block]:
    settings = card.tracker.settings
    parts = [p for p in (settings.organisation, "Findings and Recommendations",
                         f"As of {f.date_text(card.as_of)}",
                         f"Prepared by {settings.prepared_by}" if settings.prepared_by else "") if p]
    return [s.Text(settings.report_title or "Performance Gap Analysis Report", "title"),
            s.Text(" · ".join(parts), "subtitle")]


def status_counts(card: Scorecard) -> list[tuple[str, int]]:
    counts = [(status.value, sum(1 for k in card.kpis if k.status is status)) for status in f.STATUS_ORDER]
    counts.append(("Watch (On Track but declining)", sum(1 for k in card.kpis if k.watch)))
    return counts


def _executive_summary(card: Scorecard, prefix: str) -> list[s.Block]:
    depts = f.departments(card)
    counts = dict(status_counts(card))
    behind = f.behind(card)
    behind_depts = [d for d in depts if any(k.status in f.BEHIND for k in f.kpis_of(card, d))]
    org = card.tracker.settings.organisation or "the organisation"
    text = (
        f"This report presents the findings of the performance gap analysis of {org} as of "
        f"{f.date_text(card.as_of)}. It covers {len(card.kpis)} KPIs in {len(depts)} "
        f"department{'s' if len(depts) != 1 else ''} ({f.listing(depts) or 'none'}): "
        f"{counts['Off Track']} off track, {counts['At Risk']} at risk, {counts['On Track']} on track "
        f"and {counts['No Data']} without data. {len(behind_depts)} department"
        f"{'s are' if len(behind_depts) != 1 else ' is'} behind target"
        f"{': ' + f.listing(behind_depts) if behind_depts else ''}. "
        f"{len(card.actions)} corrective actions are proposed or under way; "
        f"{sum(1 for a in card.actions if a.health.value in ('Overdue', 'Blocked'))} are overdue or blocked."
    )
    blocks: list[s.Block] = [s.Text("1. Executive Summary", "heading"), s.Text(text, "paragraph")]

    blocks.append(s.Text("KPIs by status", "subheading"))
    blocks.append(s.Table(
        prefix + "status_counts",
        (s.Column("Status", span=2), s.Column("KPIs", "integer")),
        tuple((name, n) for name, n in status_counts(card)) + (("Total", len(card.kpis)),),
        row_styles=("",) * (len(f.STATUS_ORDER) + 1) + ("total",),
    ))

    blocks.append(s.Text("Departments behind target", "subheading"))
    rows = []
    for d in behind_depts:
        mine = f.worst_first([k for k in f.kpis_of(card, d) if k.status in f.BEHIND])
        worst = mine[0]
        rows.append((d, len(mine), sum(1 for k in f.kpis_of(card, d)), f.kpi_label(worst), worst.gap_pct))
    blocks.append(s.Table(
        prefix + "departments_behind",
        (s.Column("Department", span=2), s.Column("KPIs behind", "integer"), s.Column("KPIs", "integer"),
         s.Column("Biggest gap", span=3), s.Column("Gap %", "percent")),
        tuple(rows), empty_text="No department is behind target.",
    ))

    blocks.append(s.Text("Biggest gaps", "subheading"))
    blocks.append(s.Table(
        prefix + "biggest_gaps",
        (s.Column("Department", span=2), s.Column("KPI", span=2), s.Column("Target", "number"),
         s.Column("Actual", "number"), s.Column("Gap", "number"), s.Column("Gap %", "percent"),
         s.Column("Status")),
        tuple((k.objective.department, f.kpi_label(k), k.target, k.latest_actual, k.gap, k.gap_pct,
               k.status_label) for k in f.worst_first(behind)[:5]),
        rules=STATUS_RULES, empty_text="Every KPI with data is on target.",
    ))

    blocks.append(s.Text("Top causes", "subheading"))
    top = [p for p in f.pareto_items(card) if p.weight > 0][:5]
    blocks.append(s.Table(
        prefix + "top_causes",
        (s.Column("Cause ID"), s.Column("Cause", span=3), s.Column("KPI"), s.Column("Department", span=2),
         s.Column("Weight", "number"), s.Column("Share", "percent")),
        tuple((p.cause.cause_id, p.cause.description, p.cause.kpi_id, f.department_of_kpi(card, p.cause.kpi_id),
               p.weight, p.share) for p in top),
        empty_text="No weighted causes recorded.",
    ))
    return blocks


def _detailed_findings(card: Scorecard, prefix: str) -> list[s.Block]:
    blocks: list[s.Block] = [s.Text("3. Detailed Findings and Proposed Corrective Actions", "heading")]
    for n, dept in enumerate(f.departments(card)):
        if n:  # one department per printed page, so a reader can hand each its own page
            blocks.append(s.PageBreak())
        letter = chr(ord("A") + n) if n < 26 else str(n + 1)
        key = f"{prefix}dept{n + 1}"
        kpis = f.kpis_of(card, dept)
        blocks.append(s.Text(f"{letter}. {dept}", "subheading"))
        behind = f.worst_first([k for k in kpis if k.status in f.BEHIND])
        if behind:
            blocks.append(s.Text("Performance gap: " + f.listing([f.gap_sentence(k) for k in behind], " "), "paragraph"))
        else:
            blocks.append(s.Text("Performance gap: none — every KPI with data is on target.", "paragraph"))
        blocks.append(s.Table(
            f"{key}_kpis",
            (s.Column("KPI ID"), s.Column("KPI affected", span=2), s.Column("Target", "number"),
             s.Column("Actual", "number"), s.Column("Gap", "number"), s.Column("Gap %", "percent"),
             s.Column("Status"), s.Column("Trend")),
            tuple((k.kpi_id, f.kpi_label(k), k.target, k.latest_actual, k.gap, k.gap_pct, k.status_label,
                   k.trend.value if k.trend else "") for k in kpis),
            rules=STATUS_RULES, empty_text="No KPIs recorded for this department.",
        ))
        causes = f.causes_of(card, [k.kpi_id for k in kpis])
        blocks.append(s.Text("Root causes (5 whys) and impact", "note"))
        blocks.append(s.Table(
            f"{key}_causes",
            (s.Column("Cause ID"), s.Column("Root cause", span=2), s.Column("Category"),
             s.Column("Why chain (5 whys)", span=3), s.Column("Impact"), s.Column("Confirmed")),
            tuple((c.cause_id, c.description, c.category.value if c.category else "",
                   " → ".join(c.whys), c.impact, f.yes_no(c.confirmed)) for c in causes),
            empty_text="No root causes recorded yet.",
        ))
        actions = f.actions_of(card, dept)
        blocks.append(s.Text("Proposed corrective actions", "note"))
        blocks.append(s.Table(
            f"{key}_actions",
            (s.Column("Action ID"), s.Column("Corrective action", span=2), s.Column("Owner"),
             s.Column("Start", "date"), s.Column("Timeline (weeks)", "weeks"), s.Column("Due", "date"),
             s.Column("Approved"), s.Column("Health")),
            tuple((a.action_id, a.action.action, a.action.owner, a.action.start_date, a.action.timeline_weeks,
                   a.due_date, a.action.approved.value if a.action.approved else "Pending", a.health.value)
                  for a in actions),
            rules=HEALTH_RULES, empty_text="No corrective action proposed yet.",
        ))
    return blocks


def summary_rows(card: Scorecard) -> list[tuple[str, str, str, str]]:
    """Department | Key Gap | Proposed Corrective Actions | Timeline, as in the seeds."""
    rows = []
    for dept in f.departments(card):
        kpis = f.worst_first([k for k in f.kpis_of(card, dept) if k.status in f.BEHIND])
        key_gap = f.listing([
            f"{f.kpi_label(k)} {f.number_text(k.latest_actual)} vs {f.number_text(k.target)}"
            + (f" ({f.percent_text(k.gap_pct)})" if k.gap_pct is not None else "")
            for k in kpis
        ], "; ") or "No gap"
        actions = [a for a in f.actions_of(card, dept) if a.status.value != "Cancelled"]
        rows.append((dept, key_gap, f.listing([a.action.action for a in actions], "; ") or "None proposed",
                     f.weeks_text([a.action.timeline_weeks for a in actions])))
    return rows


def _summary_table(card: Scorecard, prefix: str) -> list[s.Block]:
    return [
        s.PageBreak(),
        s.Text("4. Summary of Findings and Corrective Actions", "heading"),
        s.Table(prefix + "summary",
                (s.Column("Department"), s.Column("Key Gap", span=3),
                 s.Column("Proposed Corrective Actions", span=4), s.Column("Timeline")),
                tuple(summary_rows(card)), empty_text="No departments recorded."),
    ]


def _flagged(card: Scorecard, prefix: str) -> list[s.Block]:
    no_cause = rules.gaps_without_confirmed_cause(card)
    no_action = rules.causes_without_action(card.tracker)
    return [
        s.Text("5. Flagged for Attention", "heading"),
        s.Text("Gaps with no confirmed root cause — diagnose before acting:", "subheading"),
        s.Table(prefix + "gaps_without_cause",
                (s.Column("KPI ID"), s.Column("KPI", span=2), s.Column("Department", span=2),
                 s.Column("Status", span=2), s.Column("Gap %", "percent"), s.Column("Causes logged", "integer")),
                tuple((k.kpi_id, f.kpi_label(k), k.objective.department, k.status_label, k.gap_pct,
                       len(f.causes_of(card, [k.kpi_id]))) for k in no_cause),
                rules=STATUS_RULES, empty_text="None: every gap has a confirmed cause."),
        s.Text("Causes with no corrective action — propose an action or close the cause:", "subheading"),
        s.Table(prefix + "causes_without_action",
                (s.Column("Cause ID"), s.Column("Cause", span=3), s.Column("KPI"),
                 s.Column("Department", span=2), s.Column("Confirmed"), s.Column("Weight", "number")),
                tuple((c.cause_id, c.description, c.kpi_id, f.department_of_kpi(card, c.kpi_id),
                       f.yes_no(c.confirmed), c.weight) for c in no_action),
                empty_text="None: every cause has at least one action."),
    ]


def pareto_table(card: Scorecard, key: str) -> s.Table:
    items = f.pareto_items(card)
    return s.Table(
        key,
        (s.Column("Rank", "integer"), s.Column("Cause ID"), s.Column("Cause", span=2), s.Column("KPI"),
         s.Column("Weight", "number"), s.Column("Share", "percent"), s.Column("Cumulative share", "percent"),
         s.Column("Vital few")),
        tuple((i + 1, p.cause.cause_id, p.cause.description, p.cause.kpi_id, p.weight, p.share,
               p.cumulative_share, f.yes_no(p.vital_few)) for i, p in enumerate(items)),
        rules=(s.ConditionalRule("Rank", "Vital few", '={col:Vital few}="Yes"', "warn"),),
        empty_text="No causes recorded.",
    )


def pareto_chart(key: str, title: str = "Pareto of root causes") -> s.Chart:
    return s.Chart(
        "column", title,
        (s.Series("Weight", key, "Weight", "Cause ID", colour="#2F5496"),
         s.Series("Cumulative share", key, "Cumulative share", "Cause ID", kind="line",
                  secondary_axis=True, colour="#C00000")),
        y_title="Weight", y2_percent=True, y2_max=1.0, width_columns=6, height_rows=16,
    )


def _pareto(card: Scorecard, prefix: str) -> list[s.Block]:
    key = prefix + "pareto"
    return [
        s.PageBreak(),
        s.Text("6. Pareto of Root Causes", "heading"),
        s.Text(f"Causes ranked by weight; the vital few (highlighted) account for {int(rules.VITAL_FEW_SHARE * 100)} % "
               "of the total weight and are where corrective effort pays most.", "note"),
        pareto_table(card, key),
        pareto_chart(key),
    ]


def _conclusion(card: Scorecard) -> list[s.Block]:
    depts = [d for d in f.departments(card) if any(k.status in f.BEHIND for k in f.kpis_of(card, d))]
    off = sum(1 for k in card.kpis if k.status is KpiStatus.OFF_TRACK)
    text = (
        ("The performance gap analysis has identified underperformance in " + f.listing(depts) + ". "
         if depts else "No department is currently behind target. ")
        + f"{off} KPI{'s are' if off != 1 else ' is'} off track. By implementing the recommended corrective "
        "actions within their timelines, the gaps can be closed and operations aligned with strategic "
        "objectives. Regular progress monitoring and periodic assessments will be essential to ensure "
        "the effectiveness of these actions."
    )
    steps = list(NEXT_STEPS)
    pending = f.pending_approval(card)
    if pending:
        steps.append(f"Approve or reject the {len(pending)} action{'s' if len(pending) != 1 else ''} pending "
                     f"approval: {f.listing([a.action_id for a in pending])}.")
    no_cause = rules.gaps_without_confirmed_cause(card)
    if no_cause:
        steps.append("Confirm the root cause of " + f.listing([k.kpi_id for k in no_cause]) + ".")
    no_action = rules.causes_without_action(card.tracker)
    if no_action:
        steps.append("Propose corrective actions for causes " + f.listing([c.cause_id for c in no_action]) + ".")
    return [s.Text("7. Conclusion and Next Steps", "heading"), s.Text(text, "paragraph"),
            s.Text("Next Steps:", "subheading"), s.Bullets(tuple(steps))]
