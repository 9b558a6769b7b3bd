"""The findings report, section by section as the organisation writes it (see the seeds)."""

from __future__ import annotations

from dataclasses import replace

from .. import rules, wording
from ..model import (ActionScore, ActionStatus, Approval, EscalationLevel, Evidence, Fishbone, Health, KpiScore,
                     KpiStatus, Scorecard, Verdict)
from . import facts as f
from . import spec as s
from .names import report_file_name

# The findings sheet is a document on a 9-column grid; tables merge columns to fit it.
GRID = (14, 20, 20, 13, 12, 12, 12, 15, 13, 12)

# The fixed texts (objectives of the analysis, standing next steps, the conclusion's close) are
# data in saypro_xl/wording.py: our words, or the organisation's from its Wording sheet.

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


def findings_sheets(card: Scorecard, prefix: str = "", detail: bool = True) -> tuple[s.Sheet, ...]:
    """The Findings sheet; `prefix` keeps table keys unique when the pack composes sheets.

    `detail=False` is the leadership pack's short form: the summary, the decisions
    asked for and the next steps, without the per-department pages, the analysis
    objectives or the Pareto (the findings report has them), so the pack reads in minutes.
    """
    sections = [_executive_summary(card, prefix, short=not detail)]
    if detail:
        sections += [_objectives(card), _detailed_findings(card, prefix)]
    if detail:
        sections.append(_outlook(card, prefix))
    sections += [_summary_table(card, prefix, page_break=detail)]
    if not detail:  # the full report has them with the fishbone and the Pareto, at the end
        sections.append(_themes(card, prefix, compact=True))
    sections += [_flagged(card, prefix, short=not detail), _conclusion(card)]
    if detail:  # last, as DESIGN.md lists it: the evidence behind the conclusion
        sections.append(_pareto(card, prefix))
    pointer: list[s.Block] = [] if detail else [s.Text(
        f"The short form. Per department — KPIs, root causes with their 5 whys, evidence, actions, resources "
        f"and expected outcomes — see the findings report, {report_file_name('findings', card.as_of)}.", "note")]
    blocks: list[s.Block] = _title(card) + pointer + _numbered(sections)
    return (s.Sheet("Findings", GRID, tuple(blocks)),)


def _numbered(sections: list[list[s.Block]]) -> list[s.Block]:
    """Number each section's heading in the order the sections are shown: 1. …, 2. …"""
    out: list[s.Block] = []
    n = 0
    for blocks in sections:
        for block in blocks:
            if isinstance(block, s.Text) and block.style == "heading":
                n += 1
                block = s.Text(f"{n}. {block.text}", "heading")
            out.append(block)
    return out


def _objectives(card: Scorecard) -> list[s.Block]:
    return [s.PageBreak(),  # not left as a lone heading at the foot of the summary page
            s.Text("Objectives of the Performance Gap Analysis", "heading"),
            s.Text(wording.text(card.tracker, "findings.objectives.intro"), "paragraph"),
            s.Bullets(wording.items(card.tracker, "findings.objectives"))]


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


def behind_departments(card: Scorecard) -> list[str]:
    return [d for d in f.departments(card) if any(k.status in f.BEHIND for k in f.kpis_of(card, d))]


def no_gap_text(card: Scorecard, kpis: list[KpiScore] | None = None) -> str:
    """What to say when no KPI is behind target — true for an empty tracker too."""
    kpis = card.kpis if kpis is None else kpis
    if not kpis:
        return "No KPIs are recorded yet."
    if all(k.status is KpiStatus.NO_DATA for k in kpis):
        return "No KPI has an actual value yet, so no gap can be measured."
    return "No KPI is behind target: every KPI with an actual value meets it."


def summary_paragraph(card: Scorecard) -> str:
    """The executive summary in a few sentences, each one true of this scorecard."""
    org = card.tracker.settings.organisation or "the organisation"
    if not card.kpis and not card.actions:
        return (f"The tracker of {org} holds no KPIs or corrective actions as of {f.date_text(card.as_of)}. "
                "Fill in the Objectives, Actuals and Actions sheets, then build this report again.")
    depts = f.departments(card)
    counts = dict(status_counts(card))
    behind = behind_departments(card)
    sentences = [
        f"Performance gaps of {org} as of {f.date_text(card.as_of)}: {f.plural(len(card.kpis), 'KPI')} in "
        f"{f.plural(len(depts), 'department')}"
        + (f" ({f.listing(depts)})" if depts else "") + ".",
    ]
    if card.kpis:
        sentences.append(f"{counts['Off Track']} off track, {counts['At Risk']} at risk, "
                         f"{counts['On Track']} on track and {counts['No Data']} without data yet.")
        if behind:
            sentences.append(f"{f.plural(len(behind), 'department')} behind target: {f.listing(behind)}.")
            if themes_sentence(card):
                sentences.append(themes_sentence(card))
        else:
            sentences.append(no_gap_text(card))
    done = sum(1 for a in card.actions if a.status is ActionStatus.DONE)
    cancelled = sum(1 for a in card.actions if a.status is ActionStatus.CANCELLED)
    open_ = f.open_actions(card)
    late = sum(1 for a in open_ if a.health in (Health.OVERDUE, Health.BLOCKED))
    if card.actions:
        closed = [f"{done} done"] + ([f"{cancelled} cancelled"] if cancelled else [])
        sentences.append(f"Of {f.plural(len(card.actions), 'corrective action')}, {len(open_)} "
                         f"{'is' if len(open_) == 1 else 'are'} open and {' and '.join(closed)}; "
                         f"{late} of the open ones {'is' if late == 1 else 'are'} overdue or blocked.")
    else:
        sentences.append("No corrective action is recorded yet.")
    return " ".join(sentences)


def _executive_summary(card: Scorecard, prefix: str, short: bool = False) -> list[s.Block]:
    """`short`: the pack's form — the paragraph and every KPI behind target; the status counts,
    departments and top causes are on the pack's Dashboard and in its common themes already."""
    intro = wording.text(card.tracker, "findings.summary.intro")  # the organisation's opening, if any
    blocks: list[s.Block] = [s.Text("Executive Summary", "heading"),
                             s.Text(" ".join(p for p in (intro, summary_paragraph(card)) if p), "paragraph")]
    if short:
        return blocks + [s.Text("KPIs behind target, biggest gap first", "subheading"),
                         gaps_table(card, prefix + "biggest_gaps")]

    blocks.append(s.Text("KPIs by status", "subheading"))
    blocks.append(s.Table(
        prefix + "status_counts",
        (s.Column("Status", span=2), s.Column("KPIs", "integer")),
        tuple((name, n) for name, n in status_counts(card)) + (("Total", len(card.kpis)),),
        row_styles=("",) * (len(f.STATUS_ORDER) + 1) + ("total",),
    ))

    blocks.append(s.Text("Departments behind target", "subheading"))
    rows = []
    for d in behind_departments(card):
        mine = f.worst_first([k for k in f.kpis_of(card, d) if k.status in f.BEHIND])
        worst = mine[0]
        rows.append((d, len(mine), len(f.kpis_of(card, d)), f.kpi_label(worst), worst.status.value,
                     worst.gap_pct, worst.progress))
    blocks.append(s.Table(
        prefix + "departments_behind",
        (s.Column("Department", span=2), s.Column("KPIs behind", "integer"), s.Column("KPIs", "integer"),
         s.Column("Furthest behind", span=3), s.Column("Status"), s.Column("Gap %", "percent"),
         s.Column("Progress", "percent")),
        tuple(rows), rules=STATUS_RULES, empty_text=no_gap_text(card),
    ))

    blocks.append(s.Text("KPIs behind target, biggest gap first", "subheading"))
    blocks.append(gaps_table(card, prefix + "biggest_gaps"))

    blocks.append(s.Text("Top causes", "subheading"))
    top = [p for p in f.pareto_items(card) if p.weight > 0][:5]
    blocks.append(s.Table(
        prefix + "top_causes",
        (s.Column("Cause ID"), s.Column("Cause", span=3), s.Column("KPI"), s.Column("Department", span=2),
         s.Column("Fishbone"), s.Column("Weight", "number"), s.Column("Share", "percent")),
        tuple((p.cause.cause_id, p.cause.description, p.cause.kpi_id, f.department_of_kpi(card, p.cause.kpi_id),
               _choice(p.cause.fishbone), p.weight, p.share) for p in top),
        empty_text="No weighted causes recorded.",
    ))
    return blocks


def gaps_table(card: Scorecard, key: str) -> s.Table:
    """Every KPI behind target, Target 0 included (no Gap %, but a Gap and a Progress)."""
    behind = f.worst_first(f.behind(card))
    return s.Table(
        key,
        (s.Column("Department", span=2), s.Column("KPI", span=2), s.Column("Target", "number"),
         s.Column("Actual", "number"), s.Column("Gap", "number"), s.Column("Gap %", "percent"),
         s.Column("Progress", "percent"), s.Column("Status")),
        tuple((f.department_name(k.objective.department), f.kpi_label(k), k.target, k.latest_actual, k.gap,
               k.gap_pct, k.progress, k.status_label) for k in behind),
        rules=STATUS_RULES, empty_text=no_gap_text(card),
    )


def _choice(value) -> str:
    return value.value if value is not None else ""


def _detailed_findings(card: Scorecard, prefix: str) -> list[s.Block]:
    blocks: list[s.Block] = [s.Text("Detailed Findings and Proposed Corrective Actions", "heading")]
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
            blocks.append(s.Text("Performance gap: none. " + no_gap_text(card, kpis), "paragraph"))
        blocks.append(s.Table(
            f"{key}_kpis",
            (s.Column("KPI ID"), s.Column("KPI affected", span=2), s.Column("Target", "number"),
             s.Column("Actual", "number"), s.Column("Gap", "number"), s.Column("Gap %", "percent"),
             s.Column("Progress", "percent"), s.Column("Status"), s.Column("Trend")),
            tuple((k.kpi_id, f.kpi_label(k), k.target, k.latest_actual, k.gap, k.gap_pct, k.progress,
                   k.status_label, k.trend.value if k.trend else "") for k in kpis),
            rules=STATUS_RULES, empty_text="No KPIs recorded for this department.",
        ))
        causes = f.causes_of(card, [k.kpi_id for k in kpis])
        blocks.append(s.Table(
            f"{key}_causes",
            (s.Column("Cause ID"), s.Column("Root cause", span=2), s.Column("Category"), s.Column("Fishbone"),
             s.Column("Why chain (5 whys)", span=2), s.Column("Impact"), s.Column("Evidence"),
             s.Column("Confirmed")),
            tuple((c.cause_id, c.description, _choice(c.category), _choice(c.fishbone), " → ".join(c.whys),
                   c.impact, _choice(c.evidence), f.yes_no(c.confirmed)) for c in causes),
            empty_text="No root causes recorded yet.",
        ))
        actions = f.actions_of(card, dept)
        blocks.append(s.Table(
            f"{key}_actions",
            (s.Column("Action ID"), s.Column("Proposed corrective action", span=2), s.Column("Strategy"),
             s.Column("Owner"), s.Column("Start", "date"), s.Column("Timeline (weeks)", "weeks"),
             s.Column("Due", "date"), s.Column("Approved"), s.Column("Health")),
            tuple((a.action_id, a.action.action, _choice(a.action.strategy), a.action.owner, a.action.start_date,
                   a.action.timeline_weeks, a.due_date, a.action.approved.value if a.action.approved else "Pending",
                   a.health.value) for a in actions),
            rules=HEALTH_RULES, empty_text="No corrective action proposed yet.",
        ))
        planned = [a for a in actions if a.action.resources_needed or a.action.expected_outcome]
        if planned:
            blocks.append(s.Table(
                f"{key}_resources",
                (s.Column("Action ID"), s.Column("Resources needed", span=4),
                 s.Column("Expected outcome of the action", span=5)),
                tuple((a.action_id, a.action.resources_needed or "None stated", a.action.expected_outcome)
                      for a in planned),
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


def _summary_table(card: Scorecard, prefix: str, page_break: bool = True) -> list[s.Block]:
    return [
        *([s.PageBreak()] if page_break else []),
        s.Text("Summary of Findings and Corrective Actions", "heading"),
        summary_table(card, prefix + "summary"),
    ]


def summary_table(card: Scorecard, key: str) -> s.Table:
    return s.Table(key,
                   (s.Column("Department"), s.Column("Key Gap", span=3),
                    s.Column("Proposed Corrective Actions", span=5), s.Column("Timeline")),
                   tuple(summary_rows(card)), empty_text="No departments recorded.")


def resources_to_approve(card: Scorecard) -> list[ActionScore]:
    """Open actions that name resources: what leadership is asked to allocate, pending approval first."""
    found = [a for a in f.open_actions(card) if a.action.resources_needed]
    return sorted(found, key=lambda a: (a.action.approved is Approval.YES, a.action.row))


def resources_table(card: Scorecard, key: str, department_span: int = 2) -> s.Table:
    """`department_span` 1 fits the table to a 9-column grid (the agenda's)."""
    return s.Table(
        key,
        (s.Column("Action ID"), s.Column("Action", span=2), s.Column("Department", span=department_span),
         s.Column("Owner", span=2), s.Column("Resources needed", span=2), s.Column("Approved")),
        tuple((a.action_id, a.action.action, f.action_department(card, a), a.action.owner,
               a.action.resources_needed, a.action.approved.value if a.action.approved else "Pending")
              for a in resources_to_approve(card)),
        rules=(s.ConditionalRule("Approved", "Approved", '={cell}<>"Yes"', "warn"),),
        empty_text="No open action asks for resources.",
    )


LADDER_ORDER = (EscalationLevel.LEADERSHIP, EscalationLevel.HEAD, EscalationLevel.OWNER)


def escalation_table(card: Scorecard, key: str) -> s.Table:
    """Open actions on the escalation ladder, grouped by level (leadership first), longest first."""
    columns = (s.Column("Level"), s.Column("Action ID"), s.Column("Action", span=2), s.Column("Owner"),
               s.Column("Department"), s.Column("Days", "integer"), s.Column("Why", span=2))
    rows: list[tuple] = []
    styles: list[str] = []
    for level in LADDER_ORDER:
        found = sorted((a for a in card.actions if a.escalation and a.escalation.level is level),
                       key=lambda a: (-a.escalation.days, a.action.row))
        if not found:
            continue
        rows.append((f"{level.value} ({len(found)})",) + (None,) * (len(columns) - 1))
        styles.append("group")
        for a in found:
            rows.append((level.value, a.action_id, a.action.action, a.action.owner, f.action_department(card, a),
                         a.escalation.days, a.escalation.reason + (f"; {a.action.obstacles}" if a.action.obstacles
                                                                   else "")))
            styles.append("")
    return s.Table(key, columns, tuple(rows), row_styles=tuple(styles),
                   empty_text="No action is overdue, blocked or escalated.")


def _flagged(card: Scorecard, prefix: str, short: bool = False) -> list[s.Block]:
    """`short`: the pack's form — what leadership must act on; the gaps to diagnose and the causes
    without an action are named in its next steps (the full report lists them in tables)."""
    no_cause = rules.gaps_without_confirmed_cause(card)
    no_action = rules.causes_without_action(card.tracker)
    decisions: list[s.Block] = [
        s.Text("Flagged for Attention", "heading"),
        s.Text("Overdue, blocked or escalated actions, by who must act (the escalation ladder):", "subheading"),
        escalation_table(card, prefix + "escalations"),
        s.Text("Resources to allocate before the actions can run (open actions that name them):", "subheading"),
        resources_table(card, prefix + "resources"),
    ]
    if short:
        return decisions
    return decisions + [
        s.Text("Gaps with no confirmed root cause — diagnose before acting:", "subheading"),
        s.Table(prefix + "gaps_without_cause",
                (s.Column("KPI ID"), s.Column("KPI", span=2), s.Column("Department", span=2),
                 s.Column("Status", span=2), s.Column("Gap %", "percent"), s.Column("Progress", "percent"),
                 s.Column("Causes logged", "integer")),
                tuple((k.kpi_id, f.kpi_label(k), f.department_name(k.objective.department), k.status_label,
                       k.gap_pct, k.progress, len(f.causes_of(card, [k.kpi_id]))) for k in no_cause),
                rules=STATUS_RULES,
                empty_text=("None: every gap has a confirmed cause." if f.behind(card) else no_gap_text(card))),
        s.Text("Causes with no corrective action — propose an action or close the cause:", "subheading"),
        s.Table(prefix + "causes_without_action",
                (s.Column("Cause ID"), s.Column("Cause", span=3), s.Column("KPI"),
                 s.Column("Department", span=2), s.Column("Fishbone"), s.Column("Confirmed"),
                 s.Column("Weight", "number")),
                tuple((c.cause_id, c.description, c.kpi_id, f.department_of_kpi(card, c.kpi_id),
                       _choice(c.fishbone), f.yes_no(c.confirmed), c.weight) for c in no_action),
                empty_text=("None: every cause has at least one action." if card.tracker.causes
                            else "No causes recorded.")),
    ]


def pareto_table(card: Scorecard, key: str) -> s.Table:
    items = f.pareto_items(card)
    return s.Table(
        key,
        (s.Column("Rank", "integer"), s.Column("Cause ID"), s.Column("Cause", span=2), s.Column("KPI"),
         s.Column("Fishbone"), s.Column("Weight", "number"), s.Column("Share", "percent"),
         s.Column("Cumulative share", "percent"), s.Column("Vital few")),
        tuple((i + 1, p.cause.cause_id, p.cause.description, p.cause.kpi_id, _choice(p.cause.fishbone), p.weight,
               p.share, p.cumulative_share, f.yes_no(p.vital_few)) for i, p in enumerate(items)),
        rules=(s.ConditionalRule("Rank", "Vital few", '={col:Vital few}="Yes"', "warn"),),
        empty_text="No causes recorded.",
    )


def running_share_chart(key: str, title: str, bars: str, running: str, categories: str, **layout) -> s.Chart:
    """A Pareto chart: bars largest first, and the running share as a line on a 0–100 % axis."""
    return s.Chart(
        "column", title,
        (s.Series(bars, key, bars, categories, colour="#2F5496"),
         s.Series(running, key, running, categories, kind="line", secondary_axis=True, colour="#C00000")),
        y2_percent=True, y2_max=1.0, width_columns=6, **layout,
    )


def pareto_chart(key: str, title: str = "Pareto of root causes") -> s.Chart:
    return running_share_chart(key, title, "Weight", "Cumulative share", "Cause ID", y_title="Weight", height_rows=16)


# The vital few mean something only when they are few: past half of the weighted
# causes, the weight is spread and no small group explains most of it.
CONCENTRATED_SHARE = 0.5


def pareto_reading(card: Scorecard) -> str:
    """One sentence on what the Pareto says, true whether or not a vital few exists."""
    weighted = [p for p in f.pareto_items(card) if p.weight > 0]
    if not card.tracker.causes:
        return "No root causes are recorded yet."
    if not weighted:
        return "No cause has a weight yet: give each cause a Weight to rank them."
    vital = [p for p in weighted if p.vital_few]
    if len(weighted) < 3:
        return (f"Only {f.plural(len(weighted), 'weighted cause')}: too few to single out a vital few; "
                "each needs its own action.")
    if len(vital) > CONCENTRATED_SHARE * len(weighted):
        return (f"The causes weigh about equally: it takes {len(vital)} of the {len(weighted)} weighted causes "
                f"to reach {int(rules.VITAL_FEW_SHARE * 100)} % of the weight, so no small group explains most "
                "of the gaps; work on them side by side.")
    return (f"A vital few stand out: {len(vital)} of the {len(weighted)} weighted causes "
            f"({f.listing([p.cause.cause_id for p in vital])}) carry {int(rules.VITAL_FEW_SHARE * 100)} % or more "
            "of the weight (highlighted); corrective effort there pays most.")


def fishbone_rows(card: Scorecard) -> list[tuple]:
    """Fishbone category | Causes | Confirmed | Weight | Share | Evidence | Departments."""
    causes = card.tracker.causes
    total = sum(max(c.weight or 0.0, 0.0) for c in causes)
    rows = []
    for bone in [*Fishbone, None]:
        mine = [c for c in causes if c.fishbone is bone]
        if not mine:
            continue
        weight = sum(max(c.weight or 0.0, 0.0) for c in mine)
        evidence = [(e.value, sum(1 for c in mine if c.evidence is e)) for e in Evidence]
        unstated = sum(1 for c in mine if c.evidence is None)
        evidence_text = ", ".join(f"{name} {n}" for name, n in evidence if n)
        if unstated:
            evidence_text += (", " if evidence_text else "") + f"none stated {unstated}"
        depts = list(dict.fromkeys(f.department_of_kpi(card, c.kpi_id) for c in mine))
        rows.append((bone.value if bone else "Not classified", len(mine), sum(1 for c in mine if c.confirmed),
                     weight, weight / total if total else None, evidence_text, f.listing(depts)))
    return rows


def fishbone_table(card: Scorecard, key: str) -> s.Table:
    return s.Table(
        key,
        (s.Column("Fishbone category", span=2), s.Column("Causes", "integer"), s.Column("Confirmed", "integer"),
         s.Column("Weight", "number"), s.Column("Share of weight", "percent"), s.Column("Evidence", span=2),
         s.Column("Departments", span=2)),
        tuple(fishbone_rows(card)), empty_text="No causes recorded.",
    )


def themes_table(card: Scorecard, key: str) -> s.Table:
    """Cause categories by their share of the gaps behind target, largest first, with a running total."""
    return themes_table_of(rules.theme_shares(card.kpis, card.tracker.causes), key)


def themes_table_of(themes: list, key: str, department_span: int = 6) -> s.Table:
    running, rows = 0.0, []
    for t in themes:
        running += t.share
        rows.append((t.name, t.share, round(running, rules.RATIO_DIGITS), f.listing(list(t.departments))))
    return s.Table(
        key,
        (s.Column("Theme (cause category)", span=2), s.Column("Share of gaps", "percent"),
         s.Column("Cumulative", "percent"), s.Column("Departments", span=department_span)),
        tuple(rows),
        empty_text="No KPI behind target has a confirmed cause yet, so no theme can be drawn.",
    )


def themes_chart(key: str, title: str = "Common themes across departments") -> s.Chart:
    return running_share_chart(key, title, "Share of gaps", "Cumulative", "Theme (cause category)",
                               y_percent=True, height_rows=14)


def themes_sentence(card: Scorecard, top: int = 3) -> str:
    """'Common themes across departments: Inefficient process (33 % of the gaps; …), …' or ''."""
    themes = rules.theme_shares(card.kpis, card.tracker.causes)[:top]
    if not themes:
        return ""
    named = [f"{t.name.lower()} ({t.share * 100:.0f} % of the gaps; {f.listing(list(t.departments))})"
             for t in themes]
    return "Common themes across departments: " + "; ".join(named) + "."


def _themes(card: Scorecard, prefix: str, compact: bool = False) -> list[s.Block]:
    """`compact`: the pack's form, the table narrowed and its chart beside it."""
    key = prefix + "themes"
    table = themes_table_of(rules.theme_shares(card.kpis, card.tracker.causes), key,
                            department_span=2 if compact else 6)
    chart = themes_chart(key)
    if compact:
        chart = replace(chart, width_columns=4, height_rows=max(10, len(table.rows) + 3), beside_previous=True,
                        font_size=7, title_size=9, legend="none", label_rotation=-45)
    return [  # no forced page: it follows the conclusion wherever the page planner finds room
        s.Text("Root Causes: Common Themes Across Departments", "heading"),
        s.Text("Each KPI behind target with confirmed causes counts as one gap, shared among its causes by "
               "weight; a theme's share is its part of all such gaps.", "note"),
        table,
        chart,
    ]


def _pareto(card: Scorecard, prefix: str) -> list[s.Block]:
    key = prefix + "pareto"
    return _themes(card, prefix) + [
        s.PageBreak(),
        s.Text("Root Causes: Fishbone Categories and Pareto", "heading"),
        s.Text("Root causes by fishbone category, with the evidence behind them", "subheading"),
        fishbone_table(card, prefix + "fishbone"),
        s.Text("Pareto of root causes", "subheading"),
        s.Text(pareto_reading(card), "note"),
        pareto_table(card, key),
        pareto_chart(key),
    ]


def next_steps(card: Scorecard) -> list[str]:
    """The fixed next steps, then the ones this scorecard calls for, naming KPIs and actions."""
    steps = list(wording.items(card.tracker, "findings.next_steps"))
    pending = f.pending_approval(card)
    if pending:
        steps.append(f"Approve or reject the {f.plural(len(pending), 'action')} waiting for approval: "
                     f"{f.listing(f.action_names(pending), '; ')}.")
    no_cause = rules.gaps_without_confirmed_cause(card)
    if no_cause:
        steps.append("Confirm the root cause of " + f.listing(f.kpi_names(card, [k.kpi_id for k in no_cause]), "; ")
                     + ".")
    no_action = rules.causes_without_action(card.tracker)
    if no_action:
        steps.append("Propose corrective actions for the causes without one: "
                     + f.listing([f"{c.cause_id} {c.description}".strip() for c in no_action], "; ") + ".")
    return steps


def outlook_table(card: Scorecard, key: str) -> s.Table:
    """Every KPI with data: will it make its target, and is its variation ordinary?"""
    kpis = [k for k in f.worst_first(list(card.kpis)) if k.latest_actual is not None]
    return s.Table(
        key,
        (s.Column("KPI ID"), s.Column("KPI", span=2), s.Column("Status"), s.Column("Progress", "percent"),
         s.Column("Pace"), s.Column("Projection", span=2), s.Column("Variation"), s.Column("Assurance")),
        tuple((k.kpi_id, f.kpi_label(k), k.status_label, k.progress, k.pace.value if k.pace else "No target date"
               if k.objective.target_date is None else "",
               f.projection_text(k), k.variation.value if k.variation else "Under 12 actuals",
               k.assurance.value if k.assurance else "") for k in kpis),
        rules=STATUS_RULES + (s.ConditionalRule("Pace", "Pace", '={cell}="Behind"', "bad"),
                              s.ConditionalRule("Pace", "Pace", '={cell}="Ahead"', "good")),
        empty_text="No KPI has an actual value yet.",
    )


def _outlook(card: Scorecard, prefix: str) -> list[s.Block]:
    behind = f.worst_first(f.behind(card))
    return [
        s.PageBreak(),
        s.Text("Will We Make It? Pace, Projection and Variation", "heading"),
        s.Text("Pace compares the latest actual with a straight path from the baseline to the target by its "
               "Target Date; the projection extends the line through the last actuals; variation reads all "
               "actuals as an XmR chart (12 or more) — see docs/reading-the-signals.md.", "note"),
        outlook_table(card, prefix + "outlook"),
        s.Text("KPIs behind target, in plain words", "subheading"),
        s.Bullets(tuple(f.outlook_sentence(k) for k in behind) or (no_gap_text(card),)),
    ]


def what_worked(card: Scorecard) -> str:
    """The finished actions judged on their KPI: what worked, what did not, what is too early to tell."""
    judged: dict[Verdict, list[str]] = {}
    for a in card.actions:
        if a.effectiveness is not None:
            judged.setdefault(a.effectiveness.verdict, []).append(f"{a.action_id} {a.action.action}")
    if not judged:
        return "No finished action can be judged on its KPI yet."
    parts = []
    for verdict, words in ((Verdict.EFFECTIVE, "Worked (its KPI improved by at least a tenth of the planned "
                                               "change)"),
                           (Verdict.NO_CLEAR_CHANGE, "No clear change yet"),
                           (Verdict.WORSE, "Followed by a worse KPI"),
                           (Verdict.TOO_EARLY, "Too early to judge"),
                           (Verdict.NO_BASELINE, "No actuals before the start to judge against")):
        if verdict in judged:
            parts.append(f"{words}: {f.listing(judged[verdict], '; ')}.")
    return " ".join(parts)


def conclusion_text(card: Scorecard) -> str:
    if not card.kpis:
        return "No KPIs are recorded yet, so there is nothing to conclude; record objectives and actuals first."
    depts = behind_departments(card)
    off = sum(1 for k in card.kpis if k.status is KpiStatus.OFF_TRACK)
    if not depts:
        return no_gap_text(card) + " " + wording.text(card.tracker, "findings.conclusion.on_target")
    return (
        "Performance is below target in " + f.listing(depts) + ". "
        + f"{f.plural(off, 'KPI')} {'is' if off == 1 else 'are'} off track. "
        + wording.text(card.tracker, "findings.conclusion")
    )


def _conclusion(card: Scorecard) -> list[s.Block]:
    return [s.Text("Conclusion and Next Steps", "heading"), s.Text(conclusion_text(card), "paragraph"),
            s.Text("What the finished actions did: " + what_worked(card), "paragraph"),
            s.Text("Next Steps:", "subheading"), s.Bullets(tuple(next_steps(card)))]
