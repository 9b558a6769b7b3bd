"""What to ask, and what to look for, when a KPI is behind target and nobody knows why yet.

The organisation diagnoses its gaps in workshops and one-to-one conversations with
the department that owns the KPI, using targeted questions, five whys, a fishbone
and a SWOT (see DESIGN.md, Outputs 5). This module holds that material as data, in
the project's own words: one question set per department the organisation names
(Sales, Marketing, Customer Support, Operations / Production, HR / Training,
Finance) and a general set for any other department; the "signs to look for" of
each cause category; the prompts of the fishbone bones, the why ladder and the SWOT.
The diagnosis workbook (reports/diagnosis.py) lays it out; nothing here writes files.

Floor 2: imports only saypro_xl.model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .model import CauseCategory, Fishbone

C = CauseCategory


@dataclass(frozen=True)
class Question:
    topic: str  # a few words naming what the question is about, shown beside it
    text: str
    probes: CauseCategory | None = None  # the theme an answer most often points to (None: any)


@dataclass(frozen=True)
class QuestionSet:
    name: str  # shown as "questions for <name>"
    keywords: tuple[str, ...]  # lower-case words or phrases that mark a department as this one
    questions: tuple[Question, ...]

    @property
    def themes(self) -> tuple[CauseCategory, ...]:
        """The categories its questions probe, in the order of CauseCategory."""
        probed = {q.probes for q in self.questions if q.probes is not None}
        return tuple(c for c in CauseCategory if c in probed)


# Asked first of every KPI, whatever its department: pin the problem down before looking for causes.
OPENING_QUESTIONS = (
    Question("The gap", "When did this KPI first fall behind, and has the gap held steady, grown or come and gone?"),
    Question("Where it bites", "Which customers, products, sites or shifts show the shortfall most, and which "
                               "show none?"),
)

SALES = QuestionSet(
    "Sales",
    ("sales", "sale", "selling", "business development", "account management", "commercial"),
    (
        Question("Converting leads", "At which stage of the pipeline do most deals stall or drop out, and what "
                                     "do buyers say when they go?", C.POOR_CUSTOMER_ENGAGEMENT),
        Question("Lead quality", "Of the leads handed over by marketing, how many are worth a call, and what "
                                 "is missing from the rest?", C.MISALIGNMENT),
        Question("Product knowledge", "Which products, prices or objections do representatives feel least "
                                      "ready to handle?", C.LACK_OF_TRAINING),
        Question("Sales steps", "Is every step from first contact to signed deal written down, and does each "
                                "representative work through the same steps?", C.INEFFICIENT_PROCESS),
        Question("Follow-up", "How soon is a new lead contacted, and what delays the follow-up: time, "
                              "reminders, the CRM?", C.RESOURCE_SHORTAGE),
        Question("Pipeline support", "Does the team have enough people, tools and hours to work the whole "
                                     "pipeline, or are some leads left untouched?", C.RESOURCE_SHORTAGE),
    ),
)

MARKETING = QuestionSet(
    "Marketing",
    ("marketing", "campaign", "campaigns", "brand", "advertising", "digital", "lead generation",
     "customer engagement", "communications"),
    (
        Question("Audience", "Are the campaigns seen by the buyers we mean to reach, and what tells us so?",
                 C.POOR_CUSTOMER_ENGAGEMENT),
        Question("Lead quality", "What share of the leads passed to sales become real opportunities, and do "
                                 "both teams define a good lead alike?", C.MISALIGNMENT),
        Question("Messaging", "Which messages draw replies and which fall flat? Do they speak to the "
                              "customer's problem or to our features?", C.POOR_CUSTOMER_ENGAGEMENT),
        Question("Budget", "Does the campaign budget match the lead target, and where was it cut or held "
                           "back this period?", C.RESOURCE_SHORTAGE),
        Question("Data", "Can the team see campaign results soon enough to change course while a campaign "
                         "still runs?", C.RESOURCE_SHORTAGE),
        Question("Hand-over", "What happens to a lead between marketing and sales: where does it wait, and "
                              "where does it get lost?", C.INEFFICIENT_PROCESS),
    ),
)

CUSTOMER_SUPPORT = QuestionSet(
    "Customer Support",
    ("customer support", "customer service", "customer services", "customer care", "customer success",
     "client services", "client support", "support", "helpdesk", "help desk", "service desk", "call centre",
     "call center", "contact centre", "contact center"),
    (
        Question("Repeat issues", "Which problems do customers bring up again and again, and which could be "
                                  "fixed where they start?", C.INEFFICIENT_PROCESS),
        Question("Tools and skills", "Do agents have the tools and know-how to settle an issue at the first "
                                     "contact? Where do they get stuck?", C.LACK_OF_TRAINING),
        Question("Workload", "When does ticket volume peak, and how many agents are on duty at those "
                             "hours?", C.RESOURCE_SHORTAGE),
        Question("Ticket path", "How many steps, queues and hand-offs does a ticket pass through before it "
                                "is solved?", C.INEFFICIENT_PROCESS),
        Question("Other teams", "When a fix needs another department, how does support hear back, and how "
                                "long does that take?", C.COMMUNICATION),
        Question("Customer voice", "What do customers tell us after a ticket is closed, and who acts on "
                                   "it?", C.POOR_CUSTOMER_ENGAGEMENT),
    ),
)

OPERATIONS = QuestionSet(
    "Operations / Production",
    ("operations", "operation", "ops", "production", "manufacturing", "delivery", "logistics", "supply chain",
     "plant", "factory", "fulfilment", "fulfillment", "warehouse", "procurement", "quality"),
    (
        Question("Bottlenecks", "At which stage does work queue up, and for how long does it wait there?",
                 C.INEFFICIENT_PROCESS),
        Question("Equipment", "Which machines or tools cause stoppages, rework or uneven quality, and how "
                              "old are they?", C.RESOURCE_SHORTAGE),
        Question("People on the line", "Is each shift staffed with enough trained people, or does work wait "
                                       "for a few experts?", C.RESOURCE_SHORTAGE),
        Question("Systems", "Which planning or tracking systems, or manual steps, slow production or "
                            "delivery down?", C.RESOURCE_SHORTAGE),
        Question("Coordination", "Do orders, schedules and changes reach production in time from sales and "
                                 "planning?", C.COMMUNICATION),
        Question("Defects", "Where are defects found, and how far back along the line is their cause "
                            "traced?", C.INEFFICIENT_PROCESS),
    ),
)

HR_TRAINING = QuestionSet(
    "HR / Training",
    ("hr", "human resources", "human resource", "people", "talent", "training", "learning", "employee",
     "employees", "engagement", "retention", "recruitment", "recruiting", "staff", "workforce", "culture",
     "personnel"),
    (
        Question("Career growth", "Can people see a next step for themselves here, and who helps them take "
                                  "it?", C.MOTIVATION),
        Question("Workload and balance", "Where do hours, workload or stress push people to switch off or "
                                         "leave?", C.MOTIVATION),
        Question("Skills", "Which skills do new starters and current staff lack for their roles, and does "
                           "our training close that gap?", C.LACK_OF_TRAINING),
        Question("Being heard", "When staff raise a concern, what happens next, and do they ever hear "
                                "back?", C.COMMUNICATION),
        Question("Pay and benefits", "How do our pay and benefits compare with what leavers are offered "
                                     "elsewhere?", C.MOTIVATION),
        Question("Managers", "Do managers give regular feedback and recognition, and are they trained to "
                             "do so?", C.LACK_OF_TRAINING),
    ),
)

FINANCE = QuestionSet(
    "Finance",
    ("finance", "financial", "accounts", "accounting", "budget", "budgets", "treasury", "payroll", "billing",
     "cost", "costs"),
    (
        Question("Budget basis", "Was the budget for this area built on realistic volumes and prices, and "
                                 "who agreed it?", C.MISALIGNMENT),
        Question("Cost overruns", "Which cost lines run over plan, and how late in the month is an overrun "
                                  "first noticed?", C.INEFFICIENT_PROCESS),
        Question("Reporting", "How many days after month end are the figures ready, and what holds them "
                              "up?", C.INEFFICIENT_PROCESS),
        Question("Figures from others", "Do departments send their figures complete and on time, and do they "
                                        "know what finance needs?", C.COMMUNICATION),
        Question("Approvals", "Do spending approvals hold work up elsewhere, and which ones wait longest?",
                 C.INEFFICIENT_PROCESS),
        Question("Systems and skills", "Are the team's systems and skills up to the volume and detail of the "
                                       "work asked of it?", C.RESOURCE_SHORTAGE),
    ),
)

GENERAL = QuestionSet(
    "General",
    (),
    (
        Question("Obstacles", "What gets in the way most often when the team works towards this target?"),
        Question("Resources", "Are people, tools, budget or materials short for this work, and which is "
                              "shortest?", C.RESOURCE_SHORTAGE),
        Question("Skills", "Does everyone involved know how to do their part well? Who would gain most from "
                           "training?", C.LACK_OF_TRAINING),
        Question("Process", "Where does work wait, get redone or need a workaround?", C.INEFFICIENT_PROCESS),
        Question("Shared goals", "Does the team read this target the way the teams it depends on read it?",
                 C.MISALIGNMENT),
        Question("Information", "Which information from other teams arrives late, partly or not at all?",
                 C.COMMUNICATION),
    ),
)

# First match wins, in this order (a "Sales Support" team is asked the sales questions).
DEPARTMENT_SETS = (SALES, MARKETING, CUSTOMER_SUPPORT, OPERATIONS, HR_TRAINING, FINANCE)


def _words(text: str) -> str:
    return " " + " ".join(re.findall(r"[a-z0-9]+", text.casefold())) + " "


def question_set_for(department: str) -> QuestionSet:
    """The question set of a department, matched loosely on its words; GENERAL when none fits.

    "Employee Engagement & Retention" → HR / Training, "Production" → Operations / Production.
    """
    words = _words(department)
    for candidate in DEPARTMENT_SETS:
        if any(_words(keyword) in words for keyword in candidate.keywords):
            return candidate
    return GENERAL


def questions_for(department: str) -> tuple[Question, ...]:
    """Everything to ask about one KPI: the opening questions, then its department's set."""
    return OPENING_QUESTIONS + question_set_for(department).questions


# What each cause category tends to look like from the outside: read while listening, tick what you see.
SIGNS: dict[CauseCategory, tuple[str, ...]] = {
    C.RESOURCE_SHORTAGE: (
        "staff routinely work late or drop tasks just to keep up",
        "work waits for a person, a machine, stock or a budget sign-off",
        "the team makes do with old, slow or too few tools",
    ),
    C.LACK_OF_TRAINING: (
        "mistakes cluster around new starters, new products or new tools",
        "people ask the same how-to questions, or work around a system instead of using it",
        "every hard case ends up with the same one or two experienced people",
    ),
    C.INEFFICIENT_PROCESS: (
        "work piles up at one step while the steps after it sit idle",
        "tasks are often redone, corrected or sent back",
        "two people doing the same job do it in two different ways",
    ),
    C.POOR_CUSTOMER_ENGAGEMENT: (
        "plenty of contacts, but few replies, sign-ups or purchases",
        "satisfaction scores slip, or complaints and bad reviews rise",
        "customers go quiet after the first conversation",
    ),
    C.MISALIGNMENT: (
        "two teams judge the same work by different targets",
        "hand-overs between teams are argued over (what counts as a good lead, a finished job)",
        "priorities change without the teams they affect agreeing to it",
    ),
    C.COMMUNICATION: (
        "teams learn of changes late, or second-hand",
        "questions sent to another department wait days for an answer",
        "several people report the same problem without knowing about each other",
    ),
    C.MOTIVATION: (
        "sick days, lateness or resignations are going up",
        "few people offer ideas or join anything optional",
        "staff say they see no future, or no fair reward for extra effort",
    ),
    C.OTHER: (
        "the cause sits outside these headings (market, regulation, weather, a supplier): note what points to it",
    ),
}

# What belongs on each bone of the fishbone, as a reminder beside the grid.
FISHBONE_PROMPTS: dict[Fishbone, str] = {
    Fishbone.PEOPLE: "skills, staffing levels, morale, turnover",
    Fishbone.PROCESS: "steps, hand-offs, rules, approvals, routing",
    Fishbone.TECHNOLOGY: "systems, software, machines, automation",
    Fishbone.ENVIRONMENT: "demand peaks, market, workplace, outside pressure",
}

# The why ladder: the first rung names the KPI, the rest keep digging until the answer can be acted on.
WHY_QUESTIONS = (
    "Why is {kpi} behind its target?",
    "Why does that happen?",
    "And what causes that?",
    "What lies behind that?",
    "Why has nobody fixed it yet?",
)

# The SWOT grid: heading, then the prompt shown under it.
SWOT_PROMPTS = (
    ("Strengths (inside the team)", "What already works here that a fix can build on?"),
    ("Weaknesses (inside the team)", "What in the team, its steps or its tools holds this KPI back?"),
    ("Opportunities (outside)", "What outside the team (partners, markets, new tools) could help close the gap?"),
    ("Threats (outside)", "What outside pressure (competitors, the economy, suppliers) could widen it?"),
)
