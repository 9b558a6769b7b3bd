"""Who is reminded of what (DESIGN.md, Outputs 6), and the words of each reminder.

Pure: a Scorecard and its tracker's People in, one `Reminder` per address out, with its
subject, plain text and HTML. Nothing here sends, writes or reads a file; `saypro_xl.mail`
turns a reminder into a message and delivers it.

Who gets what, on the As Of date:

- **Owners**: their own open actions (not Done or Cancelled) that are overdue, blocked
  (health Blocked: status Blocked or Escalate = Yes) or due within a week (As Of to As Of + 7
  days). An Owner is matched to a People row by Name, case- and space-insensitively, whatever
  that row's Role.
- **Department heads**: the open actions of their department that the escalation ladder
  (`rules.escalation`) sends to the Department Head. The head of a department is every People
  row with Role Department Head and that Department (matched like names).
- **Leadership**: every action the ladder sends to Leadership, to every People row with Role
  Leadership.

The ladder names one level per action, so an action 20 days overdue reaches its owner and
leadership, not its department head. An action a person would get twice (a head who owns an
action of their own department) is listed once, among their own. People rows that share an
address make one message. Whatever cannot be addressed (an owner not on the People sheet,
a department without a head, a person without an Email) is said in `Plan.unreached`.
"""

from __future__ import annotations

import datetime as dt
import html
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .contract import normalise_header
from .model import ActionScore, ActionStatus, EscalationLevel, Health, Person, Role, Scorecard

DUE_SOON_DAYS = 7  # an owner hears of an open action due within this many days of As Of
OWNER = EscalationLevel.OWNER.value
HEAD = EscalationLevel.HEAD.value
LEADERSHIP = EscalationLevel.LEADERSHIP.value
LEVELS = (OWNER, HEAD, LEADERSHIP)


@dataclass(frozen=True)
class Section:
    """The actions one person gets in one capacity: as their owner, as head, as leadership."""

    level: str  # "Owner", "Department Head" or "Leadership"
    actions: tuple[ActionScore, ...]


@dataclass(frozen=True)
class Reminder:
    """One message: one address, the sections it gets, in the order Owner, Head, Leadership."""

    name: str  # the Name of the first People row with this address
    address: str
    sections: tuple[Section, ...]

    @property
    def levels(self) -> tuple[str, ...]:
        return tuple(s.level for s in self.sections)

    @property
    def action_ids(self) -> tuple[str, ...]:
        return tuple(a.action_id for s in self.sections for a in s.actions)


@dataclass(frozen=True)
class Plan:
    """Every reminder of one As Of date, and one sentence per group of actions no one gets."""

    as_of: dt.date
    organisation: str
    reminders: tuple[Reminder, ...]
    unreached: tuple[str, ...] = ()


# ------------------------------------------------------------------ who gets what


def _key(text: str) -> str:
    return normalise_header(text)


def is_open(score: ActionScore) -> bool:
    return score.status not in (ActionStatus.DONE, ActionStatus.CANCELLED)


def owner_should_hear(score: ActionScore, as_of: dt.date, within_days: int = DUE_SOON_DAYS) -> bool:
    """An open action that is overdue, blocked, or due between As Of and As Of + `within_days`."""
    if not is_open(score):
        return False
    if score.health in (Health.OVERDUE, Health.BLOCKED):
        return True
    return score.due_date is not None and as_of <= score.due_date <= as_of + dt.timedelta(days=within_days)


def plan_reminders(card: Scorecard, people: Sequence[Person] | None = None,
                   within_days: int = DUE_SOON_DAYS) -> Plan:
    """Who gets which actions on the Scorecard's As Of date; `people` defaults to the tracker's."""
    people = tuple(card.tracker.people if people is None else people)
    as_of = card.as_of
    by_name: dict[str, list[Person]] = defaultdict(list)
    heads: dict[str, list[Person]] = defaultdict(list)
    leadership = [p for p in people if p.role is Role.LEADERSHIP]
    for person in people:
        by_name[_key(person.name)].append(person)
        if person.role is Role.HEAD and person.department:
            heads[_key(person.department)].append(person)

    # address key -> level -> action IDs; the first People row with each address names the message
    wanted: dict[str, dict[str, list[str]]] = defaultdict(lambda: {level: [] for level in LEVELS})
    first: dict[str, Person] = {}
    for person in people:
        if person.email:
            first.setdefault(person.email.casefold(), person)
    unreached: dict[tuple[str, str], list[str]] = defaultdict(list)  # (kind, subject) -> action IDs

    def give(person: Person, level: str, action_id: str) -> None:
        if not person.email:
            unreached[("no email", f"{person.name}\x00{person.row}")].append(action_id)
            return
        key = person.email.casefold()
        if action_id not in wanted[key][level]:
            wanted[key][level].append(action_id)

    for score in card.actions:
        if owner_should_hear(score, as_of, within_days):
            rows = by_name.get(_key(score.action.owner), [])
            if not rows:
                unreached[("no owner", score.action.owner)].append(score.action_id)
            else:
                give(_addressed(rows), OWNER, score.action_id)
        level = score.escalation.level.value if score.escalation else None
        if level == HEAD:
            department = score.action.department
            found = heads.get(_key(department), [])
            if not found:
                unreached[("no head", department)].append(score.action_id)
            for person in found:
                give(person, HEAD, score.action_id)
        elif level == LEADERSHIP:
            if not leadership:
                unreached[("no leadership", "")].append(score.action_id)
            for person in leadership:
                give(person, LEADERSHIP, score.action_id)

    by_id = {a.action_id: a for a in card.actions}
    reminders = []
    for key in first:  # People order
        levels = wanted.get(key)
        if levels is None:
            continue
        own = set(levels[OWNER])
        sections = []
        for level in LEVELS:
            ids = [i for i in levels[level] if level == OWNER or i not in own]
            if ids:
                sections.append(Section(level, tuple(by_id[i] for i in ids)))
        if sections:
            reminders.append(Reminder(first[key].name, first[key].email, tuple(sections)))
    return Plan(as_of, card.tracker.settings.organisation, tuple(reminders),
                tuple(_unreached_sentence(kind, subject, ids) for (kind, subject), ids in unreached.items()))


def _addressed(rows: Sequence[Person]) -> Person:
    """Of the People rows with an owner's name, the first that has an Email (else the first)."""
    return next((p for p in rows if p.email), rows[0])


def _ids(ids: Iterable[str]) -> tuple[str, str]:
    """('action R2', 'reaches') or ('actions R2, R5', 'reach')."""
    ids = list(dict.fromkeys(ids))
    if len(ids) == 1:
        return f"action {ids[0]}", "reaches"
    return "actions " + ", ".join(ids), "reach"


def _unreached_sentence(kind: str, subject: str, ids: list[str]) -> str:
    actions, reach = _ids(ids)
    if kind == "no owner":
        return (f'Owner "{subject}" of {actions} is not on the People sheet, so no reminder reaches them; '
                f'add a People row with Name "{subject}" and their Email.')
    if kind == "no email":
        name, row = subject.split("\x00")
        return (f'"{name}" (People row {row}) has no Email, so {actions} {reach} no one through them; '
                "type their address in the Email column.")
    if kind == "no head":
        return (f'No Department Head of "{subject}" is on the People sheet, so {actions}, escalated to '
                f'the department head, {reach} no one; add a People row with Role "Department Head" and '
                f'Department "{subject}".')
    return (f"No one on the People sheet has Role \"Leadership\", so {actions}, escalated to leadership, "
            f"{reach} no one; add a People row with Role \"Leadership\".")


# ------------------------------------------------------------------ the words


def why(score: ActionScore, as_of: dt.date) -> str:
    """Why the action is in a reminder: 'overdue by 13 days', 'blocked for 5 days', 'due in 3 days'."""
    escalation = score.escalation
    if escalation is not None:
        parts = []
        if escalation.reason.startswith("overdue"):
            parts.append(f"overdue by {_days(escalation.days)}")
        elif escalation.reason.startswith("blocked"):
            parts.append(f"blocked for {_days(escalation.days)}" if escalation.days else "blocked")
        if escalation.reason.endswith("flagged Escalate"):
            parts.append("flagged Escalate")
        return ", ".join(parts)
    if score.health is Health.BLOCKED:
        return "blocked"
    if score.due_date is not None:
        days = (score.due_date - as_of).days
        return "due today" if days == 0 else f"due in {_days(days)}"
    return ""


def _days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


SECTION_TITLES = {
    OWNER: "Your actions: due within a week, overdue or blocked",
    HEAD: "Escalated to you as Department Head",
    LEADERSHIP: "Escalated to Leadership",
}
COLUMNS = ("Action ID", "Department", "Action", "Owner", "Due", "Status", "% Complete", "Why")


def _one_line(text: str) -> str:
    """Tracker text on one line: a line break typed in a cell must not shape a header or a list."""
    return " ".join(str(text).split())


def subject(plan: Plan, reminder: Reminder) -> str:
    """'SayPro reminder – 2025-04-25: 3 actions to follow up' (one line, whatever Settings hold)."""
    count = len(reminder.action_ids)
    organisation = _one_line(plan.organisation) or "SayPro"
    return (f"{organisation} reminder – {plan.as_of.isoformat()}: {count} "
            f"{'action' if count == 1 else 'actions'} to follow up")


def row_cells(score: ActionScore, as_of: dt.date) -> tuple[str, ...]:
    """One action as the table shows it, in COLUMNS order, as plain text."""
    a = score.action
    return (a.action_id, a.department, a.action, a.owner,
            score.due_date.isoformat() if score.due_date else "", score.status.value,
            f"{score.pct_complete:.0f}%", why(score, as_of))


def text_body(plan: Plan, reminder: Reminder) -> str:
    """The plain-text part: a greeting, one list per section, what to do next."""
    organisation = _one_line(plan.organisation) or "SayPro"
    lines = [f"Hello {_one_line(reminder.name)},", "",
             f"On {plan.as_of.isoformat()} these corrective actions in the {organisation} tracker need "
             "your attention.", ""]
    for section in reminder.sections:
        lines.append(f"{SECTION_TITLES[section.level]}:")
        for score in section.actions:
            action_id, department, action, owner, due, status, pct, reason = map(
                _one_line, row_cells(score, plan.as_of))
            lines.append(f"- {action_id} ({department}): {action}")
            lines.append(f"  owner {owner}; due {due or 'not set'}; {status}, {pct} complete; {reason}")
        lines.append("")
    lines += ["Record progress, blockers and new dates on the Updates sheet of the tracker before the "
              "next meeting.", "", "Sent by saypro-xl."]
    return "\n".join(lines) + "\n"


def html_body(plan: Plan, reminder: Reminder) -> str:
    """The HTML part: the same sections as tables. Every tracker string is escaped."""
    e = lambda text: html.escape(str(text), quote=True)
    organisation = _one_line(plan.organisation) or "SayPro"
    cell = 'style="border:1px solid #bfbfbf;padding:4px 8px;text-align:left;vertical-align:top"'
    parts = ['<!DOCTYPE html>', '<html><head><meta charset="utf-8"><title>'
             f"{e(subject(plan, reminder))}</title></head>",
             '<body style="font-family:Calibri,Arial,sans-serif;font-size:14px;color:#1f1f1f">',
             f"<p>Hello {e(_one_line(reminder.name))},</p>",
             f"<p>On {e(plan.as_of.isoformat())} these corrective actions in the {e(organisation)} tracker "
             "need your attention.</p>"]
    for section in reminder.sections:
        parts.append(f'<h3 style="color:#1f4e78">{e(SECTION_TITLES[section.level])}</h3>')
        parts.append('<table style="border-collapse:collapse">')
        parts.append("<tr>" + "".join(f'<th {cell} scope="col">{e(h)}</th>' for h in COLUMNS) + "</tr>")
        for score in section.actions:
            parts.append("<tr>" + "".join(f"<td {cell}>{e(v)}</td>" for v in row_cells(score, plan.as_of))
                         + "</tr>")
        parts.append("</table>")
    parts += ["<p>Record progress, blockers and new dates on the Updates sheet of the tracker before the "
              "next meeting.</p>", '<p style="color:#595959">Sent by saypro-xl.</p>', "</body></html>"]
    return "\n".join(parts) + "\n"
