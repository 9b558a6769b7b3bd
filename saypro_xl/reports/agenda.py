"""Meeting agendas: the three meetings of the seeds, time-boxed, with items drawn from the data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from .. import rules, wording
from ..model import ActionScore, Health, KpiScore, Scorecard
from . import facts as f
from . import spec as s
from .changes import changes_since
from .findings import escalation_table, resources_table
from .names import MEETING_KINDS, report_file_name

GRID = (9, 13, 24, 20, 19, 12, 11, 13, 22)
DEFAULT_START = dt.time(9, 0)

# Days until the next meeting of each kind: "due before the next meeting" looks this far ahead.
NEXT_MEETING_DAYS = {"follow-up": 14, "weekly": 7, "monthly": 31}

# Each meeting's title, purpose and default attendees, and the note under each agenda item, are
# data in saypro_xl/wording.py ("agenda.<kind>.title", "agenda.<kind>.purpose",
# "agenda.<kind>.attendees", "agenda.<kind>.section.<name>"): our words, or the organisation's.


@dataclass(frozen=True)
class Section:
    title: str
    minutes: int
    purpose_key: str  # the wording key of the note under the heading (saypro_xl/wording.py)
    tables: tuple[str, ...]  # names of item tables (see _item_tables) shown under the section
    lead: str = ""  # "" = the facilitator


SECTIONS: dict[str, tuple[Section, ...]] = {
    "follow-up": (
        Section("Review the findings", 15,
                "agenda.follow-up.section.findings",
                ("kpis_attention", "gaps_without_cause")),
        Section("Approve corrective actions", 20,
                "agenda.follow-up.section.approve", ("pending_approval", "resources")),
        Section("Assign ownership", 10,
                "agenda.follow-up.section.ownership",
                ("ownership", "causes_without_action")),
        Section("Timelines and milestones", 10,
                "agenda.follow-up.section.timelines",
                ("due_soon", "milestones")),
        Section("Follow-up monitoring plan", 10,
                "agenda.follow-up.section.monitoring",
                ("overdue_blocked", "monitoring")),
    ),
    "weekly": (
        Section("Progress reports", 20,
                "agenda.weekly.section.progress", ("progress",),
                "Action owners"),
        Section("Challenges and solutions", 15,
                "agenda.weekly.section.challenges", ("escalations",)),
        Section("KPI review", 15,
                "agenda.weekly.section.kpi-review",
                ("action_kpis", "kpis_attention"), "KPI owners"),
        Section("Adjustments", 10,
                "agenda.weekly.section.adjustments",
                ("slipped", "pending_approval")),
        Section("Next steps", 10,
                "agenda.weekly.section.next-steps", ("due_soon",)),
    ),
    "monthly": (
        Section("Comprehensive KPI review", 30,
                "agenda.monthly.section.kpi-review", ("all_kpis",),
                "Department heads"),
        Section("Impact assessment", 20,
                "agenda.monthly.section.impact", ("impact",)),
        Section("Strategic adjustments", 20,
                "agenda.monthly.section.adjustments",
                ("kpis_attention", "overdue_blocked", "pending_approval", "causes_without_action")),
        Section("Next steps", 10, "agenda.monthly.section.next-steps", ("due_soon",)),
    ),
}
CHANGES_SECTION = Section("Changes since last meeting", 10, "agenda.section.changes", ("changes",))

ACTION_COLUMNS = (s.Column("Action ID"), s.Column("Action", span=2), s.Column("Owner"), s.Column("Department"),
                  s.Column("Due", "date"), s.Column("Health"), s.Column("Note", span=2))
KPI_COLUMNS = (s.Column("KPI ID"), s.Column("KPI", span=2), s.Column("Department"), s.Column("Owner"),
               s.Column("Gap %", "percent"), s.Column("Progress", "percent"), s.Column("Status"), s.Column("Trend"))
STATUS_RULES = (
    s.ConditionalRule("Status", "Status", '=LEFT({cell},9)="Off Track"', "bad"),
    s.ConditionalRule("Status", "Status", '=LEFT({cell},7)="At Risk"', "warn"),
)
HEALTH_RULES = (
    s.ConditionalRule("Health", "Health", '=OR({cell}="Overdue",{cell}="Blocked")', "bad"),
    s.ConditionalRule("Health", "Health", '=OR({cell}="At Risk",{cell}="Late Start")', "warn"),
)


def meeting_date(card: Scorecard) -> dt.date:
    return card.tracker.settings.meeting_date or card.as_of


def due_before_next_meeting(card: Scorecard, kind: str) -> list[ActionScore]:
    """Open actions, not yet overdue, due from the meeting up to the next one."""
    start = meeting_date(card)
    end = start + dt.timedelta(days=NEXT_MEETING_DAYS[kind])
    found = [a for a in f.open_actions(card)
             if a.due_date and a.health is not Health.OVERDUE and a.due_date <= end]
    return sorted(found, key=lambda a: (a.due_date, a.action.row))


def overdue_blocked_escalated(card: Scorecard) -> list[ActionScore]:
    return [a for a in f.open_actions(card)
            if a.health in (Health.OVERDUE, Health.BLOCKED) or a.action.escalate]


def kpis_needing_attention(card: Scorecard) -> list[KpiScore]:
    """Off track or at risk (worst first), then On Track · Watch (declining)."""
    return f.worst_first(f.behind(card)) + [k for k in card.kpis if k.watch]


def _action_note(a: ActionScore) -> str:
    parts = [f"{a.status.value}, {round(a.pct_complete)} %"]
    if a.action.escalate:
        parts.append("escalated")
    if a.slippage_days:
        parts.append(f"slipped {a.slippage_days} days")
    if a.action.obstacles:
        parts.append(a.action.obstacles)
    return "; ".join(parts)


def _action_rows(card: Scorecard, actions: list[ActionScore]) -> tuple[tuple, ...]:
    return tuple((a.action_id, a.action.action, a.action.owner, f.action_department(card, a), a.due_date,
                  a.health.value, _action_note(a)) for a in actions)


def _kpi_rows(kpis: list[KpiScore]) -> tuple[tuple, ...]:
    return tuple((k.kpi_id, f.kpi_label(k), k.objective.department, k.objective.owner, k.gap_pct, k.progress,
                  k.status_label, k.trend.value if k.trend else "") for k in kpis)


def _item_tables(card: Scorecard, kind: str, since: Scorecard | None) -> dict[str, Callable[[str], list[s.Block]]]:
    """Each item table as a function of its key prefix, built only when a section asks for it."""

    def actions(title: str, name: str, found: list[ActionScore], empty: str):
        return lambda p: [s.Text(title, "subheading"),
                          s.Table(p + name, ACTION_COLUMNS, _action_rows(card, found), rules=HEALTH_RULES,
                                  empty_text=empty)]

    def kpis(title: str, name: str, found: list[KpiScore], empty: str):
        return lambda p: [s.Text(title, "subheading"),
                          s.Table(p + name, KPI_COLUMNS, _kpi_rows(found), rules=STATUS_RULES, empty_text=empty)]

    window = NEXT_MEETING_DAYS[kind]
    open_ = f.open_actions(card)
    by_owner = sorted(open_, key=lambda a: (a.action.owner.casefold(), a.action.row))
    done = [a for a in card.actions if a.status.value == "Done"]
    kpi_of = f.kpi_by_id(card)

    def changes(p: str) -> list[s.Block]:
        found = changes_since(since, card) if since is not None else []
        return [s.Text(f"Compared with the tracker as of {f.date_text(since.as_of if since else None)}", "subheading"),
                s.Table(p + "changes",
                        (s.Column("Change", span=2), s.Column("ID"), s.Column("Item", span=2), s.Column("Before"),
                         s.Column("After", span=2), s.Column("Owner")),
                        tuple((c.kind, c.subject_id, c.subject, c.before, c.after, c.owner) for c in found),
                        empty_text="No changes since the last meeting.")]

    def monitoring(p: str) -> list[s.Block]:
        return [s.Text("KPI reporting schedule", "subheading"),
                s.Table(p + "monitoring",
                        (s.Column("KPI ID"), s.Column("KPI", span=2), s.Column("Department"), s.Column("Owner"),
                         s.Column("Frequency"), s.Column("Latest data", "date"), s.Column("Status", span=2)),
                        tuple((k.kpi_id, f.kpi_label(k), k.objective.department, k.objective.owner,
                               k.objective.frequency.value, k.latest_period_end, k.status_label) for k in card.kpis),
                        rules=STATUS_RULES, empty_text="No KPIs recorded.")]

    def milestones(p: str) -> list[s.Block]:
        found = [a for a in open_ if a.action.milestones]
        return [s.Text("Milestones to confirm", "subheading"),
                s.Table(p + "milestones",
                        (s.Column("Action ID"), s.Column("Action", span=2), s.Column("Owner"),
                         s.Column("Start", "date"), s.Column("Due", "date"), s.Column("Milestones", span=3)),
                        tuple((a.action_id, a.action.action, a.action.owner, a.action.start_date, a.due_date,
                               a.action.milestones) for a in found),
                        empty_text="No milestones recorded yet: set them in the meeting.")]

    def impact(p: str) -> list[s.Block]:
        """Every finished action with its KPI before and after, and the verdict (DESIGN.md, part two)."""
        rows = []
        for a in done:
            e = a.effectiveness
            verdict = e.verdict.value if e else ("No KPI to judge by" if a.action.kpi_id not in kpi_of
                                                 else "Not judged")
            rows.append((a.action_id, a.action.action, a.action.kpi_id, e.completed if e else None,
                         e.before_mean if e else None, e.after_mean if e else None,
                         f.effect_text(a), verdict))
        return [s.Text("Finished actions: the KPI before the start and after completion (mean of the last / "
                       "first actuals)", "subheading"),
                s.Table(p + "impact",
                        (s.Column("Action ID"), s.Column("Action", span=2), s.Column("KPI ID"),
                         s.Column("Completed", "date"), s.Column("Before", "number"), s.Column("After", "number"),
                         s.Column("Change"), s.Column("Verdict")),
                        tuple(rows),
                        rules=(s.ConditionalRule("Verdict", "Verdict", '={cell}="Effective"', "good"),
                               s.ConditionalRule("Verdict", "Verdict", '={cell}="Worse"', "bad"),
                               s.ConditionalRule("Verdict", "Verdict", '={cell}="No clear change"', "warn")),
                        empty_text="No action completed yet.")]

    def action_kpis(p: str) -> list[s.Block]:
        """The KPI of each open action, with its pace and signal: is the work moving the number?"""
        by_kpi: dict[str, list[str]] = {}
        for a in open_:
            if a.action.kpi_id in kpi_of:
                by_kpi.setdefault(a.action.kpi_id, []).append(a.action_id)
        kpis = f.worst_first([kpi_of[i] for i in by_kpi])
        return [s.Text("KPIs of the open actions: pace and signal", "subheading"),
                s.Table(p + "action_kpis",
                        (s.Column("KPI ID"), s.Column("KPI", span=2), s.Column("Open actions"), s.Column("Status"),
                         s.Column("Progress", "percent"), s.Column("Pace"), s.Column("Variation"),
                         s.Column("Projection")),
                        tuple((k.kpi_id, f.kpi_label(k), ", ".join(by_kpi[k.kpi_id]), k.status_label, k.progress,
                               k.pace.value if k.pace else "", k.variation.value if k.variation else "Under 12 actuals",
                               f.projection_text(k)) for k in kpis),
                        rules=STATUS_RULES + (s.ConditionalRule("Pace", "Pace", '={cell}="Behind"', "bad"),),
                        empty_text="No open action names a KPI.")]

    def resources(p: str) -> list[s.Block]:
        return [s.Text("Resources to approve (open actions that name them; not yet approved first)", "subheading"),
                resources_table(card, p + "resources", department_span=1)]

    def gaps_without_cause(p: str) -> list[s.Block]:
        return kpis("Gaps with no confirmed root cause", "gaps_without_cause",
                    rules.gaps_without_confirmed_cause(card), "None: every gap has a confirmed cause.")(p)

    def causes_without_action(p: str) -> list[s.Block]:
        found = rules.causes_without_action(card.tracker)
        return [s.Text("Causes with no corrective action (assign an owner to propose one)", "subheading"),
                s.Table(p + "causes_without_action",
                        (s.Column("Cause ID"), s.Column("Cause", span=3), s.Column("KPI ID"), s.Column("Department"),
                         s.Column("Confirmed"), s.Column("Weight", "number", span=2)),
                        tuple((c.cause_id, c.description, c.kpi_id, f.department_of_kpi(card, c.kpi_id),
                               f.yes_no(c.confirmed), c.weight) for c in found),
                        empty_text="None: every cause has an action.")]

    return {
        "kpis_attention": kpis("KPIs off track, at risk or declining (Watch)", "kpis_attention",
                               kpis_needing_attention(card), "Every KPI is on track and steady."),
        "all_kpis": kpis("All KPIs by department", "all_kpis",
                         [k for d in f.departments(card) for k in f.kpis_of(card, d)], "No KPIs recorded."),
        "pending_approval": actions("Actions pending approval", "pending_approval", f.pending_approval(card),
                                    "No action is waiting for approval."),
        "ownership": actions("Open actions and their owners", "ownership",
                             sorted(open_, key=lambda a: (a.action.owner != "", a.action.row)),
                             "No open actions."),
        "due_soon": actions(f"Actions due before the next meeting (within {window} days of "
                            f"{f.date_text(meeting_date(card))})", "due_soon",
                            due_before_next_meeting(card, kind), "No action falls due before the next meeting."),
        "overdue_blocked": actions("Overdue, blocked or escalated actions", "overdue_blocked",
                                   overdue_blocked_escalated(card), "No action is overdue, blocked or escalated."),
        "progress": actions("Open actions by owner", "progress", by_owner, "No open actions."),
        "escalations": lambda p: [s.Text("Overdue, blocked or escalated actions, by who must act "
                                         "(the escalation ladder)", "subheading"),
                                  escalation_table(card, p + "escalations")],
        "slipped": actions("Actions that slipped, started late or fell behind schedule", "slipped",
                           [a for a in open_ if a.slippage_days > 0 or a.health in (Health.LATE_START, Health.AT_RISK)],
                           "No action has slipped, started late or fallen behind schedule."),
        "resources": resources,
        "action_kpis": action_kpis,
        "changes": changes,
        "monitoring": monitoring,
        "milestones": milestones,
        "impact": impact,
        "gaps_without_cause": gaps_without_cause,
        "causes_without_action": causes_without_action,
    }


def time_boxes(sections: tuple[Section, ...], start: dt.time) -> list[tuple[str, str]]:
    """(start, end) as 'HH:MM' for each section, back to back from `start`."""
    clock = dt.datetime.combine(dt.date(2000, 1, 1), start)
    out = []
    for section in sections:
        end = clock + dt.timedelta(minutes=section.minutes)
        out.append((f"{clock:%H:%M}", f"{end:%H:%M}"))
        clock = end
    return out


def agenda_sections(kind: str, since: Scorecard | None) -> tuple[Section, ...]:
    if kind not in MEETING_KINDS:
        raise ValueError(f"Meeting kind {kind!r} is not one of {', '.join(MEETING_KINDS)}.")
    return ((CHANGES_SECTION,) if since is not None else ()) + SECTIONS[kind]


def agenda_sheets(card: Scorecard, kind: str = "follow-up", since: Scorecard | None = None,
                  start: dt.time = DEFAULT_START, prefix: str = "") -> tuple[s.Sheet, ...]:
    settings = card.tracker.settings
    sections = agenda_sections(kind, since)
    boxes = time_boxes(sections, start)
    facilitator = settings.facilitator or "To be confirmed"
    attendees = ", ".join(settings.attendees) or wording.text(card.tracker, f"agenda.{kind}.attendees")
    title = wording.text(card.tracker, f"agenda.{kind}.title")
    when = meeting_date(card)
    blocks: list[s.Block] = [
        s.Text(f"Meeting Agenda — {title}", "title"),
        s.Text(" · ".join(p for p in (settings.organisation, f.date_text(when),
                                      f"{boxes[0][0]}–{boxes[-1][1]}") if p), "subtitle"),
        s.Table(prefix + "details", (s.Column("Meeting", span=2), s.Column("Detail", span=7)), (
            ("Purpose", wording.text(card.tracker, f"agenda.{kind}.purpose")),
            ("Date and time", f"{f.date_text(when)}, {boxes[0][0]}–{boxes[-1][1]}"),
            ("Facilitator", facilitator),
            ("Attendees", attendees),
            ("Data as of", f.date_text(card.as_of)),
        ), header_style="header"),
        s.Text("Agenda", "heading"),
        s.Table(prefix + "agenda",
                (s.Column("#", "integer"), s.Column("Time"), s.Column("Item", span=3), s.Column("Lead", span=3),
                 s.Column("Minutes", "integer")),
                tuple((i + 1, f"{b[0]}–{b[1]}", sec.title, sec.lead or facilitator, sec.minutes)
                      for i, (sec, b) in enumerate(zip(sections, boxes)))
                + ((None, None, "Total", None, sum(sec.minutes for sec in sections)),),
                row_styles=("",) * len(sections) + ("total",)),
    ]
    tables = _item_tables(card, kind, since)
    for i, (section, box) in enumerate(zip(sections, boxes)):
        blocks.append(s.Text(f"{i + 1}. {section.title} ({box[0]}–{box[1]})", "heading"))
        blocks.append(s.Text(wording.text(card.tracker, section.purpose_key), "note"))
        for name in section.tables:
            blocks.extend(tables[name](prefix))
    return (s.Sheet("Agenda", GRID, tuple(blocks), landscape=True),)


def agenda_workbook(card: Scorecard, kind: str = "follow-up", since: Scorecard | None = None,
                    start: dt.time = DEFAULT_START) -> s.Workbook:
    return s.Workbook(report_file_name("agenda", card.as_of, kind, meeting_date(card)),
                      f"Meeting Agenda — {wording.text(card.tracker, f'agenda.{kind}.title')}",
                      agenda_sheets(card, kind, since, start))
