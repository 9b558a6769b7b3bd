"""The fixed texts of the reports, as data: our default wording, or the organisation's own.

Every sentence a report prints that does not come from the tracker's rows — the
objectives of the analysis, the standing next steps, the agendas' titles, purposes,
attendees and the blurb under each agenda item — has a key here and a default
written by this project. An organisation words its reports its own way on the
tracker's optional **Wording** sheet (Text | Wording); the reader puts those rows in
`Tracker.wording`, and the report builders ask `text(tracker, key)` or
`items(tracker, key)`, so every door (CLI, batch, Excel buttons) gets the same words.

The seeds gave the structure — which objectives, which meetings, which agenda items —
not the sentences: every default here is ours, and a test keeps it that way.

Floor: imports only model.py and contract.py of ours.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from .contract import normalise_header
from .model import Tracker

# Longer than this, a text no longer reads at a glance in a report cell: an error at its cell.
MAX_CHARS = 1000


@dataclass(frozen=True)
class Text:
    """One fixed text of the reports."""

    key: str  # what the Wording sheet's Text column names, e.g. "findings.objectives"
    default: tuple[str, ...]  # our wording: one entry, or one per bullet for a list
    where: str  # where it appears, for the template and docs/wording.md
    many: bool = False  # a list: each Wording row with this key is one bullet, in row order


def _one(key: str, default: str, where: str) -> Text:
    return Text(key, (default,) if default else (), where)


def _list(key: str, where: str, *default: str) -> Text:
    return Text(key, tuple(default), where, many=True)


def _section(kind: str, name: str, title: str, default: str) -> Text:
    return _one(f"agenda.{kind}.section.{name}", default,
                f'{_MEETINGS[kind]} agenda: the note under the item "{title}"')


_MEETINGS = {"follow-up": "Follow-up meeting", "weekly": "Weekly meeting", "monthly": "Monthly review"}

# The one table of keys: what each is for, and our default. docs/wording.md lists the same.
TEXTS: tuple[Text, ...] = (
    # ------------------------------------------------------------------ findings report
    _one("findings.summary.intro", "",
         "Findings report and pack: an opening sentence before the executive summary's figures "
         "(none by default)"),
    _one("findings.objectives.intro", "This analysis set out to:",
         'Findings report: the line above the bullets of "Objectives of the Performance Gap Analysis"'),
    _list("findings.objectives",
          'Findings report: the bullets of "Objectives of the Performance Gap Analysis" (one row each)',
          "Find the gaps: show where results fall short of the objectives and KPI targets.",
          "Explain them: trace each gap back to the causes behind it.",
          "Say what to do: propose concrete corrective actions, each with an owner and a timeline.",
          "Get leadership's agreement: settle the actions and their timelines with the people who "
          "approve them."),
    _one("findings.conclusion",
         "Carrying out the proposed corrective actions on their timelines should close these gaps; "
         "weekly progress checks and a monthly look at the KPIs will show whether they work.",
         "Findings report and pack: the closing sentence of the conclusion when KPIs are behind target"),
    _one("findings.conclusion.on_target",
         "Keep reporting actuals on schedule so a new gap shows early.",
         "Findings report and pack: the closing sentence of the conclusion when no KPI is behind target"),
    _list("findings.next_steps",
          "Findings report and pack: the standing next steps, before those drawn from the data "
          "(one row each)",
          "Leadership reads this report and approves, changes or turns down each proposed action.",
          "Owners start the approved actions on the dates and timelines set out here.",
          "The KPIs and actions are checked every week, and the plan is changed where it is not "
          "working, until each gap is closed."),
    # ------------------------------------------------------------------- agendas: meetings
    _one("agenda.follow-up.title", "Follow-up Meeting with Leadership",
         "Follow-up meeting agenda: the meeting's name in the title"),
    _one("agenda.weekly.title", "Weekly / Bi-weekly Monitoring Meeting",
         "Weekly meeting agenda: the meeting's name in the title"),
    _one("agenda.monthly.title", "Monthly Performance Review",
         "Monthly review agenda: the meeting's name in the title"),
    _one("agenda.follow-up.purpose",
         "Agree with leadership on what the analysis found, decide on the proposed corrective actions, "
         "name an owner for each, fix their dates and milestones, and settle how progress will be followed up.",
         "Follow-up meeting agenda: Purpose"),
    _one("agenda.weekly.purpose",
         "Check that every corrective action is moving as planned, and deal with any that is not.",
         "Weekly meeting agenda: Purpose"),
    _one("agenda.monthly.purpose",
         "Step back over the month: how far the corrective actions have got, and what they have changed "
         "in the results.",
         "Monthly review agenda: Purpose"),
    _one("agenda.follow-up.attendees",
         "Senior leaders, the heads of the departments concerned and the Monitoring & Evaluation team",
         "Follow-up meeting agenda: Attendees, when the Settings sheet names none"),
    _one("agenda.weekly.attendees",
         "Heads of department, team leaders, the owners of the actions and the Monitoring & Evaluation team",
         "Weekly meeting agenda: Attendees, when the Settings sheet names none"),
    _one("agenda.monthly.attendees",
         "Senior leaders, the heads of the departments concerned and the Monitoring & Evaluation team",
         "Monthly review agenda: Attendees, when the Settings sheet names none"),
    # ---------------------------------------------------------------- agendas: item notes
    _section("follow-up", "findings", "Review the findings",
             "Does leadership agree with the gaps found and the causes put forward for them?"),
    _section("follow-up", "approve", "Approve corrective actions",
             "For each action: does it fit our priorities, and can it be done in the time proposed? "
             "Approve it, change it or add to it."),
    _section("follow-up", "ownership", "Assign ownership",
             "Name one person or team to lead each action and answer for it."),
    _section("follow-up", "timelines", "Timelines and milestones",
             "Settle the due dates, and the milestones at which progress will be checked."),
    _section("follow-up", "monitoring", "Follow-up monitoring plan",
             "Agree how often owners report, who checks the KPIs, and how leadership hears of progress."),
    _section("weekly", "progress", "Progress reports",
             "Each owner says where their actions stand."),
    _section("weekly", "challenges", "Challenges and solutions",
             "Name what is in the way and agree who clears it, and by when."),
    _section("weekly", "kpi-review", "KPI review",
             "Look at the KPI behind each action: is the work moving the number?"),
    _section("weekly", "adjustments", "Adjustments",
             "Change the plan where the figures show it is not working."),
    _section("weekly", "next-steps", "Next steps",
             "Agree what each owner will have done by the next meeting."),
    _section("monthly", "kpi-review", "Comprehensive KPI review",
             "Each department's figures for the month, and what they tell us."),
    _section("monthly", "impact", "Impact assessment",
             "Have the finished actions made a lasting difference to the objectives?"),
    _section("monthly", "adjustments", "Strategic adjustments",
             "Decide what to change in the plan for the coming month so that results keep improving."),
    _section("monthly", "next-steps", "Next steps",
             "Agree the actions and owners for the coming month."),
    _one("agenda.section.changes",
         "What moved since the previous tracker: status and health, new and closed actions, "
         "slipped due dates and KPIs that changed status.",
         'Any agenda given an older tracker: the note under the item "Changes since last meeting"'),
)

_BY_KEY: dict[str, Text] = {t.key: t for t in TEXTS}
_BY_NORMAL: dict[str, Text] = {normalise_header(t.key): t for t in TEXTS}


def keys() -> tuple[str, ...]:
    """Every key, in the order of the table (the template's and the docs' order)."""
    return tuple(_BY_KEY)


def entry(key: str) -> Text:
    """The text of a key; KeyError naming the nearest key when a report asks for an unknown one."""
    try:
        return _BY_KEY[key]
    except KeyError:
        raise KeyError(f'No fixed text "{key}"; the nearest is "{closest_key(key)}"') from None


def known_key(typed: str) -> str | None:
    """The key a Wording row names (case- and space-insensitive), or None when it names none."""
    found = _BY_NORMAL.get(normalise_header(typed).replace(" ", ""))
    return found.key if found else None


def closest_key(typed: str) -> str:
    """The known key most like `typed`, for a message that says what was probably meant."""
    wanted = normalise_header(typed).replace(" ", "")
    ranked = max(enumerate(keys()), key=lambda pair: (difflib.SequenceMatcher(None, wanted, pair[1]).ratio(),
                                                      -pair[0]))
    return ranked[1]


def items(tracker: Tracker | None, key: str) -> tuple[str, ...]:
    """The organisation's wording of a key, row by row; our default when it gave none."""
    known = entry(key)
    own = tuple(words for k, words in (tracker.wording if tracker is not None else ()) if k == known.key)
    if own:
        return own if known.many else own[:1]
    return known.default


def text(tracker: Tracker | None, key: str) -> str:
    """One text (the first row for a list key); "" for an optional text nobody worded."""
    found = items(tracker, key)
    return found[0] if found else ""
