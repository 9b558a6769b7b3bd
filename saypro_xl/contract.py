"""The tracker workbook contract of DESIGN.md, as data.

The template writes these sheets and headers; the readers find columns by
these headers (case- and space-insensitive). Keep both doors on this one list.
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import (
    ActionStatus,
    Approval,
    CauseCategory,
    Direction,
    Evidence,
    Fishbone,
    Frequency,
    Role,
    Strategy,
    TargetType,
    YesNo,
)


@dataclass(frozen=True)
class Column:
    header: str
    kind: str = "text"  # text | number | percent | date | int | choice | bool
    required: bool = False
    computed: bool = False  # a formula in the template; never trusted on read
    choices: tuple[str, ...] = ()
    width: float = 14
    # Added after trackers were in use: a sheet without this header still reads
    # cleanly (no warning), the column counts as blank.
    optional: bool = False
    # A formula's working column (computed, never read): the template hides it.
    hidden: bool = False


def _helper(header: str) -> Column:
    """A hidden computed column that lets the native formulas do a look-up once per row."""
    return Column(header, "int", computed=True, width=12, optional=True, hidden=True)


def _choice(header: str, enum, required: bool = False, width: float = 16) -> Column:
    return Column(header, "choice", required, choices=tuple(enum.choices()), width=width)


SETTINGS_SHEET = "Settings"
OBJECTIVES_SHEET = "Objectives"
ACTUALS_SHEET = "Actuals"
CAUSES_SHEET = "Causes"
ACTIONS_SHEET = "Actions"
UPDATES_SHEET = "Updates"
HOME_SHEET = "Home"
DASHBOARD_SHEET = "Dashboard"
LISTS_SHEET = "Lists"
XLWINGS_CONF_SHEET = "xlwings.conf"
WORDING_SHEET = "Wording"  # optional: the organisation's own words for the reports' fixed texts
PEOPLE_SHEET = "People"  # optional: names, roles and addresses for reminders and escalations

# Setting name -> default shown in the template ("" = blank).
SETTINGS_DEFAULTS: dict[str, object] = {
    "Organisation": "SayPro",
    "Report Title": "Performance Gap Analysis Report",
    "Prepared By": "Monitoring & Evaluation Team",
    "As Of Date": "",
    "Meeting Date": "",
    "Facilitator": "",
    "Attendees": "",
    "Tolerance %": 5,
    "Trend Periods": 3,
    "Email To": "",
    "Email Cc": "",
    "Output Folder": "",
    "Escalate To Head After (days)": 7,
    "Escalate To Leadership After (days)": 14,
    "History File": "",
}

OBJECTIVES = (
    Column("KPI ID", required=True, width=10),
    Column("Department", required=True, width=20),
    Column("KPI", required=True, width=34),
    Column("Unit", width=10),
    _choice("Direction", Direction, required=True, width=18),
    Column("Baseline", "number"),
    Column("Baseline Date", "date", width=12, optional=True),
    _choice("Target Type", TargetType, required=True, width=22),
    Column("Target Value", "number", required=True),
    Column("Target Date", "date", width=12, optional=True),
    Column("Target", "number", computed=True),
    Column("Tolerance %", "number", width=12),
    _choice("Frequency", Frequency, required=True, width=12),
    Column("Owner", width=18),
    Column("Latest Actual", "number", computed=True),
    Column("Gap", "number", computed=True),
    Column("Gap %", "percent", computed=True, width=10),
    # Optional on read: older trackers lack it, and readers recompute it anyway.
    Column("Progress", "percent", computed=True, width=10),
    Column("Status", computed=True),
    Column("Trend", computed=True, width=12),
    Column("Pace", computed=True, width=10),
    _helper("Newest Actual Row"),
    _helper("Actual Row"),
)

ACTUALS = (
    Column("KPI ID", required=True, width=10),
    Column("Period End", "date", required=True, width=12),
    Column("Actual", "number", required=True),
    Column("Source", width=18),
    Column("Comment", width=40),
    _helper("Sort Key"),
)

CAUSES = (
    Column("Cause ID", required=True, width=10),
    Column("KPI ID", required=True, width=10),
    _choice("Category", CauseCategory, width=22),
    _choice("Fishbone", Fishbone, width=14),
    Column("Description", required=True, width=40),
    Column("Why 1", width=28),
    Column("Why 2", width=28),
    Column("Why 3", width=28),
    Column("Why 4", width=28),
    Column("Why 5", width=28),
    Column("Impact", width=36),
    Column("Weight", "number", width=10),
    _choice("Evidence", Evidence, width=12),
    _choice("Confirmed", YesNo, width=11),
)

ACTIONS = (
    Column("Action ID", required=True, width=10),
    Column("Cause ID", width=10),
    Column("KPI ID", width=10),
    Column("Department", required=True, width=20),
    Column("Action", required=True, width=40),
    _choice("Strategy", Strategy, width=20),
    Column("Owner", required=True, width=18),
    Column("Start Date", "date", required=True, width=12),
    Column("Timeline (weeks)", "number", required=True, width=12),
    Column("Due Date", "date", computed=True, width=12),
    Column("Milestones", width=30),
    _choice("Status", ActionStatus, required=True, width=13),
    Column("% Complete", "percent", width=11),
    _choice("Approved", Approval, width=11),
    Column("Resources Needed", width=24),
    Column("Obstacles", width=24),
    _choice("Escalate", YesNo, width=10),
    Column("Expected Outcome", width=30),
    Column("Last Update", "date", width=12),
    Column("Health", computed=True, width=12),
    _helper("Newest Update Row"),
    _helper("Update Row"),
)

UPDATES = (
    Column("Date", "date", required=True, width=12),
    Column("Action ID", required=True, width=10),
    Column("Reporter", width=18),
    _choice("Status", ActionStatus, width=13),
    Column("% Complete", "percent", width=11),
    Column("Note", width=50),
    _helper("Sort Key"),
)

# Optional: a tracker without this sheet reads cleanly and the reports use our default words.
# Text names a fixed text (a key of saypro_xl.wording); a key on several rows of a list text
# (e.g. findings.objectives) gives one bullet per row. The last two columns are the template's
# guidance, written by it and never read (hence "computed").
WORDING = (
    Column("Text", required=True, width=30),
    Column("Wording", width=70),
    Column("Default Wording", computed=True, width=70),
    Column("Where It Appears", computed=True, width=44),
)

# Optional: who reminders and escalations are addressed to. Owners in Actions and Objectives
# are matched to Name; the Department Head of a department is the row with that Role and
# Department. A tracker without this sheet reads cleanly; `saypro-xl remind` needs it.
PEOPLE = (
    Column("Name", required=True, width=26),
    _choice("Role", Role, required=True, width=18),
    Column("Department", width=24),
    Column("Email", width=32),
)

INPUT_SHEETS: dict[str, tuple[Column, ...]] = {
    OBJECTIVES_SHEET: OBJECTIVES,
    ACTUALS_SHEET: ACTUALS,
    CAUSES_SHEET: CAUSES,
    ACTIONS_SHEET: ACTIONS,
    UPDATES_SHEET: UPDATES,
}

# Excel table name of each input sheet (tables let staff add rows; formulas use them).
TABLE_NAMES = {
    OBJECTIVES_SHEET: "tblObjectives",
    ACTUALS_SHEET: "tblActuals",
    CAUSES_SHEET: "tblCauses",
    ACTIONS_SHEET: "tblActions",
    UPDATES_SHEET: "tblUpdates",
    WORDING_SHEET: "tblWording",
    PEOPLE_SHEET: "tblPeople",
}


def normalise_header(text: object) -> str:
    """Case- and space-insensitive key for a header or sheet name."""
    return " ".join(str(text or "").split()).casefold()
