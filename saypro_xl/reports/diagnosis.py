"""The diagnosis workbook: one printable page per KPI behind target whose cause is not confirmed yet.

For the workshops and one-to-one conversations in which a department works out why
a KPI is behind (DESIGN.md, Outputs 5). Each KPI gets a sheet: the questions for
its department with Answer and Theme columns, a five-whys ladder, the root cause to
carry back into the tracker, a fishbone grid holding the causes already typed for
it, the signs to look for of the themes in play, and a SWOT grid. The words come
from saypro_xl.diagnosis_questions; this module only lays them out.

Every sheet is protected without a password; only the shaded cells take typing,
and Theme, Category, Fishbone, Evidence and Seen? are drop-downs.
"""

from __future__ import annotations

import re

from .. import rules
from ..diagnosis_questions import (FISHBONE_PROMPTS, SIGNS, SWOT_PROMPTS, WHY_QUESTIONS, QuestionSet,
                                   question_set_for, questions_for)
from ..model import Cause, CauseCategory, Evidence, Fishbone, KpiScore, Scorecard
from . import facts as f
from . import spec as s
from .names import report_file_name

TITLE = "Diagnosis Workbook"
COVER = "How to use"

# A KPI's page: six columns, about 118 characters wide, printed portrait on one A4 page.
GRID = (12, 26, 20, 20, 18, 22)
COVER_GRID = (9, 24, 16, 10, 8, 14, 26, 9)

INPUT = "input"
SEEN_CHOICES = ("Yes", "No", "Not sure")
NOT_PLACED = "Not placed yet"

HOW_TO = (
    "Hold the session with the people who do the work: a workshop for the team, or one-to-one talks where "
    "people may speak more freely. Open the KPI's sheet on screen or print it; each KPI prints on one page.",
    "Type only in the shaded cells; everything else is protected so the layout survives the meeting.",
    "Ask the questions in order. Note what people say under Answer, then pick the theme it points to under Theme.",
    "Climb the why ladder from the gap down, one answer per rung, until the answer is something the team "
    "can change. Chains already typed in the tracker are shown beside it to test, not to copy.",
    "Put every cause raised on a bone of the fishbone. The causes already in the tracker sit there unconfirmed: "
    "check each one against the data before anyone acts on it.",
    "Use the signs to look for to weigh each theme: which of them do the numbers and the team actually show?",
    "Fill the SWOT grid with what helps and what hinders, inside the team and outside it.",
    "Afterwards, type the root cause into the tracker's Causes sheet with its Category, Fishbone and Evidence, "
    "and set Confirmed to Yes once the evidence holds.",
)
EMPTY_NOTE = ("When a KPI falls behind target and no cause of it is confirmed, this workbook gives it a page for a "
              "workshop with its department: questions to ask, a five-whys ladder, a fishbone grid, signs to look "
              "for and a SWOT grid.")
PROTECTION_NOTE = ("The sheets are protected without a password, only to keep the layout intact: use Review › "
                   "Unprotect Sheet to change anything else. Rows can be made taller for long answers.")


def diagnosis_kpis(card: Scorecard) -> list[KpiScore]:
    """KPIs behind target (At Risk or Off Track) with no confirmed cause, worst first."""
    return f.worst_first(rules.gaps_without_confirmed_cause(card))


def candidate_causes(card: Scorecard, kpi: KpiScore) -> list[Cause]:
    """The causes already typed for a KPI (none confirmed, or it would not be diagnosed), in sheet order."""
    return f.causes_of(card, [kpi.kpi_id])


def cause_label(cause: Cause) -> str:
    """'RC-08 Outdated production equipment (Resource shortage)'."""
    category = f" ({cause.category.value})" if cause.category else ""
    return f"{cause.cause_id} {cause.description}".strip() + category


def sign_categories(question_set: QuestionSet, causes: list[Cause]) -> list[CauseCategory]:
    """The themes in play for a KPI: its candidate causes' categories first, then those its questions probe."""
    typed = [c.category for c in causes if c.category is not None]
    ordered = [c for c in CauseCategory if c in typed]
    return ordered + [c for c in question_set.themes if c not in ordered]


def signs_text(category: CauseCategory) -> str:
    return "\n".join(f"• {sign}" for sign in SIGNS[category])


_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def sheet_names(kpis: list[KpiScore]) -> list[str]:
    """A sheet name per KPI: its ID made legal for Excel (31 characters, no []:*?/\\), unique ignoring case."""
    taken = {COVER.casefold(), "history"}
    names = []
    for i, kpi in enumerate(kpis, start=1):
        base = _SHEET_FORBIDDEN.sub("_", kpi.kpi_id).strip().strip("'")[:31] or f"KPI {i}"
        name, n = base, 2
        while name.casefold() in taken:
            suffix = f" ({n})"
            name, n = base[:31 - len(suffix)] + suffix, n + 1
        taken.add(name.casefold())
        names.append(name)
    return names


# ------------------------------------------------------------------ the cover


def nothing_to_diagnose(card: Scorecard) -> str:
    """Why the workbook holds no KPI page, in one plain sentence."""
    day = f.date_text(card.as_of)
    if not card.kpis:
        return "The tracker has no KPIs yet, so there is nothing to diagnose."
    behind = f.behind(card)
    if not behind:
        return f"No KPI is behind target as of {day}, so there is nothing to diagnose."
    return (f"Every KPI behind target as of {day} ({f.plural(len(behind), 'KPI')}) already has a confirmed "
            "cause, so there is nothing left to diagnose; the findings report carries their causes and actions.")


def cover_sheet(card: Scorecard, kpis: list[KpiScore], names: list[str]) -> s.Sheet:
    settings = card.tracker.settings
    blocks: list[s.Block] = [
        s.Text(TITLE, "title"),
        s.Text(" · ".join(p for p in (settings.organisation, f"Data as of {f.date_text(card.as_of)}") if p),
               "subtitle"),
    ]
    if not kpis:
        blocks += [s.Text(nothing_to_diagnose(card), "paragraph"), s.Text(EMPTY_NOTE, "note")]
        return s.Sheet(COVER, COVER_GRID, tuple(blocks), landscape=False, protect=True)
    blocks += [
        s.Text(f"{f.plural(len(kpis), 'KPI')} behind target without a confirmed cause. Each has a sheet of its "
               "own to run a workshop or a one-to-one conversation with its department: the questions to ask, "
               "a five-whys ladder, a fishbone grid with the causes typed so far, the signs to look for and a "
               "SWOT grid.", "paragraph"),
        s.Text("KPIs to diagnose", "heading"),
        s.Table("diagnosis_kpis",
                (s.Column("KPI ID"), s.Column("KPI"), s.Column("Department"), s.Column("Status"),
                 s.Column("Gap %", "percent"), s.Column("Questions"), s.Column("Causes typed, unconfirmed"),
                 s.Column("Sheet")),
                tuple((k.kpi_id, f.kpi_label(k), f.department_name(k.objective.department), k.status_label,
                       k.gap_pct, question_set_for(k.objective.department).name,
                       "\n".join(cause_label(c) for c in candidate_causes(card, k)) or "None yet", name)
                      for k, name in zip(kpis, names)),
                rules=(s.ConditionalRule("Status", "Status", '=LEFT({cell},9)="Off Track"', "bad"),
                       s.ConditionalRule("Status", "Status", '=LEFT({cell},7)="At Risk"', "warn"))),
        s.Text("How to use it", "heading"),
        s.Bullets(HOW_TO),
        s.Text(PROTECTION_NOTE, "note"),
        s.Text("Signs to look for, by theme", "heading"),
        s.Text("What each cause category tends to look like from the outside; each KPI's sheet repeats the "
               "themes in play for it. A theme is only a cause once the data backs it.", "note"),
        s.Table("signs_all", (s.Column("Theme", span=2), s.Column("Signs to look for", span=6)),
                tuple((c.value, signs_text(c)) for c in CauseCategory)),
    ]
    return s.Sheet(COVER, COVER_GRID, tuple(blocks), landscape=False, protect=True)


# ------------------------------------------------------------------ one KPI


def _cause_note(causes: list[Cause]) -> str:
    if not causes:
        return "No cause has been typed for it yet."
    return (f"{f.plural(len(causes), 'cause')} typed, none confirmed: "
            f"{f.listing([c.cause_id for c in causes])}.")


def kpi_sheet(card: Scorecard, kpi: KpiScore, n: int, name: str) -> s.Sheet:
    """The page of one KPI; table keys start with k<n>_ so they stay unique in the workbook."""
    key = f"k{n}_"
    department = f.department_name(kpi.objective.department)
    question_set = question_set_for(kpi.objective.department)
    causes = candidate_causes(card, kpi)
    owner = f"Owner: {kpi.objective.owner}" if kpi.objective.owner else ""
    label = f.kpi_label(kpi)
    blocks: list[s.Block] = [
        s.Text(f"{kpi.kpi_id} · {label}", "title"),
        s.Text(" · ".join(p for p in (department, owner, f"Data as of {f.date_text(card.as_of)}") if p),
               "subtitle"),
        s.Text(f"{f.gap_sentence(kpi)} {_cause_note(causes)}", "note"),
        s.Table(key + "session",
                (s.Column("Session date", span=2, style=INPUT), s.Column("Facilitator", span=2, style=INPUT),
                 s.Column("Who took part", span=2, style=INPUT)),
                ((None, None, None),)),
        s.Text(f"Questions for {question_set.name}" if question_set.name != "General"
               else f'General questions (no question set matches the department "{department}")', "heading"),
        s.Table(key + "questions",
                (s.Column("Topic"), s.Column("Question", span=2), s.Column("Answer", span=2, style=INPUT, min_lines=3),
                 s.Column("Theme", style=INPUT, choices=tuple(CauseCategory.choices()))),
                tuple((q.topic, q.text, None, None) for q in questions_for(kpi.objective.department))),
        s.Text("Five whys", "heading"),
        s.Table(key + "whys",
                (s.Column("Why"), s.Column("Ask"), s.Column("Already typed", span=2),
                 s.Column("Answer", span=2, style=INPUT, min_lines=2)),
                tuple((f"Why {i}", question.format(kpi=label), _typed_whys(causes, i), None)
                      for i, question in enumerate(WHY_QUESTIONS, start=1))),
        s.Table(key + "root_cause",
                (s.Column("Root cause found (type it into the tracker's Causes sheet)", span=3, style=INPUT,
                          min_lines=2),
                 s.Column("Category", style=INPUT, choices=tuple(CauseCategory.choices())),
                 s.Column("Fishbone", style=INPUT, choices=tuple(Fishbone.choices())),
                 s.Column("Evidence", style=INPUT, choices=tuple(Evidence.choices()))),
                ((None, None, None, None),)),
        s.Text("Fishbone", "heading"),
        s.Table(key + "fishbone",
                (s.Column("Bone"), s.Column("What belongs here"), s.Column("Causes already typed", span=2),
                 s.Column("Causes raised in this session", span=2, style=INPUT, min_lines=2)),
                fishbone_rows(causes)),
        s.Text("Signs to look for", "heading"),
        s.Table(key + "signs",
                (s.Column("Theme"), s.Column("Signs to look for", span=4),
                 s.Column("Seen here?", style=INPUT, choices=SEEN_CHOICES)),
                tuple((c.value, signs_text(c), None) for c in sign_categories(question_set, causes))),
        s.Text("SWOT", "heading"),
        *swot_tables(key),
    ]
    return s.Sheet(name, GRID, tuple(blocks), landscape=False, fit_to_page=True, protect=True)


def _typed_whys(causes: list[Cause], rung: int) -> str:
    """What the tracker already holds at this rung of the ladder, per candidate cause."""
    return "\n".join(f"{c.cause_id}: {c.whys[rung - 1]}" for c in causes if len(c.whys) >= rung)


def fishbone_rows(causes: list[Cause]) -> tuple[tuple, ...]:
    """One row per bone with the candidate causes typed on it; causes without a bone in a last row."""
    rows = [(bone.value, FISHBONE_PROMPTS[bone],
             "\n".join(cause_label(c) for c in causes if c.fishbone is bone), None) for bone in Fishbone]
    loose = [cause_label(c) for c in causes if c.fishbone is None]
    if loose:
        rows.append((NOT_PLACED, "typed without a bone: place each one above", "\n".join(loose), None))
    return tuple(rows)


def swot_tables(key: str) -> list[s.Table]:
    """The SWOT as two tables of two empty cells: strengths and weaknesses, then opportunities and threats."""
    (s_head, s_ask), (w_head, w_ask), (o_head, o_ask), (t_head, t_ask) = SWOT_PROMPTS
    return [
        s.Table(key + "swot_inside",
                (s.Column(f"{s_head}: {s_ask}", span=3, style=INPUT, min_lines=5),
                 s.Column(f"{w_head}: {w_ask}", span=3, style=INPUT, min_lines=5)),
                ((None, None),)),
        s.Table(key + "swot_outside",
                (s.Column(f"{o_head}: {o_ask}", span=3, style=INPUT, min_lines=5),
                 s.Column(f"{t_head}: {t_ask}", span=3, style=INPUT, min_lines=5)),
                ((None, None),)),
    ]


def diagnosis_workbook(card: Scorecard) -> s.Workbook:
    kpis = diagnosis_kpis(card)
    names = sheet_names(kpis)
    sheets = [cover_sheet(card, kpis, names)]
    sheets += [kpi_sheet(card, kpi, n, name) for n, (kpi, name) in enumerate(zip(kpis, names), start=1)]
    return s.Workbook(report_file_name("diagnosis", card.as_of), TITLE, tuple(sheets))
