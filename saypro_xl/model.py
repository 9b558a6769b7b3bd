"""Records and enums of the tracker workbook contract.

Floor 1 of the package: this module imports nothing of ours, so every other
module (rules, readers, reports, the Excel door) can build on it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import Enum


class _Choice(str, Enum):
    """A drop-down value: its `.value` is exactly the text staff pick in Excel."""

    def __str__(self) -> str:  # f-strings and reports show the Excel text
        return self.value

    @classmethod
    def parse(cls, text: object) -> "_Choice | None":
        """Case- and space-insensitive lookup; None when the text is not a choice."""
        if text is None:
            return None
        wanted = " ".join(str(text).split()).casefold()
        for member in cls:
            if member.value.casefold() == wanted:
                return member
        return None

    @classmethod
    def choices(cls) -> list[str]:
        return [m.value for m in cls]


class Direction(_Choice):
    HIGHER = "Higher is better"
    LOWER = "Lower is better"


class TargetType(_Choice):
    ABSOLUTE = "Absolute"
    PCT_CHANGE = "% change from baseline"
    CHANGE = "Change from baseline"


class Frequency(_Choice):
    WEEKLY = "Weekly"
    BIWEEKLY = "Bi-weekly"
    MONTHLY = "Monthly"


class CauseCategory(_Choice):
    RESOURCE_SHORTAGE = "Resource shortage"
    LACK_OF_TRAINING = "Lack of training"
    INEFFICIENT_PROCESS = "Inefficient process"
    POOR_CUSTOMER_ENGAGEMENT = "Poor customer engagement"
    MISALIGNMENT = "Misalignment"
    COMMUNICATION = "Communication"
    MOTIVATION = "Motivation"
    OTHER = "Other"


class Fishbone(_Choice):
    PEOPLE = "People"
    PROCESS = "Process"
    TECHNOLOGY = "Technology"
    ENVIRONMENT = "Environment"


class Evidence(_Choice):
    DATA = "Data"
    SURVEY = "Survey"
    INTERVIEW = "Interview"
    WORKSHOP = "Workshop"


class Strategy(_Choice):
    ADJUST_STRATEGY = "Adjust strategy"
    REALLOCATE_RESOURCES = "Reallocate resources"
    TRAINING = "Training"
    PROCESS_IMPROVEMENT = "Process improvement"
    TECHNOLOGY = "Technology"


class ActionStatus(_Choice):
    NOT_STARTED = "Not started"
    IN_PROGRESS = "In progress"
    BLOCKED = "Blocked"
    DONE = "Done"
    CANCELLED = "Cancelled"


class Approval(_Choice):
    YES = "Yes"
    NO = "No"
    PENDING = "Pending"


class YesNo(_Choice):
    YES = "Yes"
    NO = "No"


class KpiStatus(_Choice):
    NO_DATA = "No Data"
    ON_TRACK = "On Track"
    AT_RISK = "At Risk"
    OFF_TRACK = "Off Track"


class Trend(_Choice):
    IMPROVING = "Improving"
    STABLE = "Stable"
    DECLINING = "Declining"


class Health(_Choice):
    DONE = "Done"
    CANCELLED = "Cancelled"
    OVERDUE = "Overdue"
    BLOCKED = "Blocked"
    LATE_START = "Late Start"
    NOT_STARTED = "Not Started"
    AT_RISK = "At Risk"
    ON_TRACK = "On Track"


class Pace(_Choice):
    """Where the latest actual stands against the expected path to the target."""

    AHEAD = "Ahead"
    ON_PACE = "On Pace"
    BEHIND = "Behind"


class Variation(_Choice):
    """The XmR reading of the latest point (NHS "Making Data Count")."""

    IMPROVEMENT = "Special cause improvement"
    CONCERN = "Special cause concern"
    COMMON = "Common cause"


class Assurance(_Choice):
    """Whether the process, as it runs, will meet the target."""

    PASSING = "Consistently passing"
    FAILING = "Consistently failing"
    HIT_AND_MISS = "Hit and miss"


class Verdict(_Choice):
    """Did a finished action move its KPI?"""

    EFFECTIVE = "Effective"
    NO_CLEAR_CHANGE = "No clear change"
    WORSE = "Worse"
    TOO_EARLY = "Too early"
    NO_BASELINE = "No data before"


class EscalationLevel(_Choice):
    """Who must hear about an overdue, blocked or escalated action."""

    OWNER = "Owner"
    HEAD = "Department Head"
    LEADERSHIP = "Leadership"


class Role(_Choice):
    """What a person on the People sheet is, for whom reminders and escalations are addressed."""

    OWNER = "Owner"
    HEAD = "Department Head"
    LEADERSHIP = "Leadership"
    ME = "M&E"


class Severity(_Choice):
    ERROR = "error"
    WARNING = "warning"


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class Settings:
    organisation: str = ""
    report_title: str = "Performance Gap Analysis Report"
    prepared_by: str = ""
    as_of: dt.date | None = None  # None means "today" at the moment of use
    meeting_date: dt.date | None = None
    facilitator: str = ""
    attendees: tuple[str, ...] = ()
    tolerance_pct: float = 5.0
    trend_periods: int = 3
    email_to: tuple[str, ...] = ()
    email_cc: tuple[str, ...] = ()
    output_folder: str = ""
    escalate_head_after_days: int = 7  # an overdue or blocked action goes to the department head
    escalate_leadership_after_days: int = 14  # … and to leadership after this many days
    history_file: str = ""  # blank: the history store in the output folder


@dataclass(frozen=True)
class Objective:
    kpi_id: str
    department: str
    kpi: str
    unit: str = ""
    direction: Direction = Direction.HIGHER
    baseline: float | None = None
    target_type: TargetType = TargetType.ABSOLUTE
    target_value: float | None = None
    tolerance_pct: float | None = None  # blank: Settings' Tolerance % applies
    frequency: Frequency = Frequency.MONTHLY
    owner: str = ""
    row: int = 0  # Excel row number, for messages
    baseline_date: dt.date | None = None  # optional: where the expected path starts
    target_date: dt.date | None = None  # optional: when the target is due


@dataclass(frozen=True)
class Actual:
    kpi_id: str
    period_end: dt.date
    actual: float
    source: str = ""
    comment: str = ""
    row: int = 0


@dataclass(frozen=True)
class Cause:
    cause_id: str
    kpi_id: str
    category: CauseCategory | None = None
    fishbone: Fishbone | None = None
    description: str = ""
    whys: tuple[str, ...] = ()  # Why 1..Why 5, blanks dropped
    impact: str = ""
    weight: float | None = None
    evidence: Evidence | None = None
    confirmed: bool = False
    row: int = 0


@dataclass(frozen=True)
class Action:
    action_id: str
    cause_id: str
    kpi_id: str
    department: str
    action: str
    strategy: Strategy | None = None
    owner: str = ""
    start_date: dt.date | None = None
    timeline_weeks: float | None = None
    due_date_typed: dt.date | None = None  # set only when Due Date was typed over
    milestones: str = ""
    status: ActionStatus = ActionStatus.NOT_STARTED
    pct_complete: float | None = None  # 0..100
    approved: Approval | None = None
    resources_needed: str = ""
    obstacles: str = ""
    escalate: bool = False
    expected_outcome: str = ""
    last_update: dt.date | None = None
    row: int = 0


@dataclass(frozen=True)
class Update:
    date: dt.date
    action_id: str
    reporter: str = ""
    status: ActionStatus | None = None
    pct_complete: float | None = None
    note: str = ""
    row: int = 0


@dataclass(frozen=True)
class Person:
    """One row of the optional People sheet: who reminders and escalations go to."""

    name: str
    role: Role
    department: str = ""
    email: str = ""  # blank: this person gets no reminders
    row: int = 0


@dataclass(frozen=True)
class Issue:
    """One validation finding, pointing at the cell to fix."""

    severity: Severity
    sheet: str
    cell: str  # A1 reference, e.g. "H14"; "" when the whole sheet is concerned
    column: str  # contract header, "" when not about one column
    message: str  # one sentence that names the fix

    def __str__(self) -> str:
        where = f"{self.sheet}!{self.cell}" if self.cell else self.sheet
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class Tracker:
    settings: Settings
    objectives: tuple[Objective, ...] = ()
    actuals: tuple[Actual, ...] = ()
    causes: tuple[Cause, ...] = ()
    actions: tuple[Action, ...] = ()
    updates: tuple[Update, ...] = ()
    issues: tuple[Issue, ...] = ()
    source: str = ""  # file name or workbook name it was read from
    # The organisation's own wording of the reports' fixed texts, from the optional Wording
    # sheet: (key, text) pairs in row order; keys as saypro_xl.wording spells them.
    wording: tuple[tuple[str, str], ...] = ()
    # The optional People sheet, in row order; empty when the tracker has none.
    people: tuple[Person, ...] = ()

    @property
    def errors(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.severity is Severity.ERROR)

    @property
    def warnings(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.severity is Severity.WARNING)


# ------------------------------------------------------------------ scored results


@dataclass(frozen=True)
class Projection:
    """Where the least-squares line through the last actuals reaches the target."""

    projected_date: dt.date | None  # None: target met, not improving, or too few points
    text: str  # one short sentence: "on course: 12 Jun 2025", "not at this rate", "target met"
    on_course: bool | None = None  # None without a Target Date or a projected date
    days_late: int | None = None  # projected date − Target Date when late


@dataclass(frozen=True)
class ProcessLimits:
    """XmR natural process limits of a KPI's actuals up to As Of."""

    mean: float
    mean_moving_range: float
    lower: float
    upper: float
    points: int


@dataclass(frozen=True)
class KpiScore:
    """What the rules say of one KPI on the As Of date."""

    objective: Objective
    target: float | None
    latest_actual: float | None
    latest_period_end: dt.date | None
    gap: float | None
    gap_pct: float | None  # a fraction: -0.15 means 15 % behind
    status: KpiStatus
    trend: Trend | None
    watch: bool  # On Track but Declining
    stale: bool  # latest actual older than two reporting periods
    tolerance_pct: float
    # Share of the planned improvement achieved: (actual − baseline) / (target − baseline).
    # None without a baseline, an actual, or when target = baseline. 1.0 = target reached.
    progress: float | None = None
    # Will we make it? (DESIGN.md, rules part two); None where the rule gives a blank.
    expected: float | None = None  # the expected path's value on the latest actual's date
    pace: Pace | None = None
    projection: Projection | None = None
    limits: ProcessLimits | None = None
    variation: Variation | None = None
    special_cause: str = ""  # which test fired: "outside the limits", "run of 7 above the mean"…
    assurance: Assurance | None = None

    @property
    def kpi_id(self) -> str:
        return self.objective.kpi_id

    @property
    def status_label(self) -> str:
        """Status as shown to people: 'On Track · Watch', 'Off Track · Stale'."""
        extras = (["Watch"] if self.watch else []) + (["Stale"] if self.stale else [])
        return " · ".join([self.status.value, *extras])


@dataclass(frozen=True)
class ActionScore:
    """What the rules say of one corrective action on the As Of date."""

    action: Action
    status: ActionStatus  # newest update wins over the Actions row
    pct_complete: float  # 0..100, newest update wins
    original_due: dt.date | None
    due_date: dt.date | None
    slippage_days: int  # due_date - original_due, 0 when not typed over
    health: Health
    last_update: dt.date | None
    effectiveness: "Effectiveness | None" = None  # Done actions with a KPI only
    escalation: "Escalation | None" = None  # open actions that are overdue, blocked or escalated

    @property
    def action_id(self) -> str:
        return self.action.action_id


@dataclass(frozen=True)
class Escalation:
    """The escalation ladder's answer for one open action (DESIGN.md, rules part two)."""

    level: EscalationLevel
    days: int  # overdue or blocked for this many days (0 when only flagged Escalate)
    reason: str  # "overdue", "blocked", "flagged Escalate"


@dataclass(frozen=True)
class Effectiveness:
    """Before and after a finished action, on its KPI (DESIGN.md, rules part two)."""

    verdict: Verdict
    completed: dt.date
    before_mean: float | None
    after_mean: float | None
    change: float | None  # direction-aware: positive = better
    threshold: float | None
    before_points: int
    after_points: int


@dataclass(frozen=True)
class ParetoItem:
    cause: Cause
    weight: float
    share: float | None  # of the total weight; None when the total is 0
    cumulative_share: float | None
    vital_few: bool


@dataclass(frozen=True)
class Theme:
    """A cause category (or fishbone bone) and its share of the gaps behind target."""

    name: str
    share: float  # of the gaps: 0.5 = half of the KPIs behind target, by weight
    departments: tuple[str, ...]
    gaps: int  # how many KPIs behind target with confirmed causes were shared out


@dataclass(frozen=True)
class Scorecard:
    """Everything the reports need: the tracker as it stood on As Of, and what the rules said of it."""

    tracker: Tracker
    as_of: dt.date
    kpis: tuple[KpiScore, ...] = field(default_factory=tuple)
    actions: tuple[ActionScore, ...] = field(default_factory=tuple)
