"""SayPro's own scenario from its performance-gap analysis, as a filled tracker.

Five departments, their KPIs and targets from the monitoring plan's KPI table,
the root causes the analysis found, the fifteen corrective actions with their
1–4 week timelines, a few periods of actuals and the weekly updates. The As Of
date is fixed so the sample workbook and everything built from it are the same
on every run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from .model import (
    Action,
    ActionStatus,
    Actual,
    Approval,
    Cause,
    CauseCategory,
    Direction,
    Evidence,
    Fishbone,
    Frequency,
    Objective,
    Person,
    Role,
    Settings,
    Strategy,
    TargetType,
    Tracker,
    Update,
)

AS_OF = dt.date(2025, 4, 25)
D = dt.date

SALES, MARKETING, SUPPORT = "Sales", "Marketing", "Customer Support"
OPERATIONS, PEOPLE = "Operations", "Employee Engagement & Retention"

HIGHER, LOWER = Direction.HIGHER, Direction.LOWER
ABSOLUTE, PCT, CHANGE = TargetType.ABSOLUTE, TargetType.PCT_CHANGE, TargetType.CHANGE
WEEKLY, MONTHLY = Frequency.WEEKLY, Frequency.MONTHLY

SETTINGS = Settings(
    organisation="SayPro",
    report_title="Performance Gap Analysis Report",
    prepared_by="SayPro Monitoring & Evaluation Team",
    as_of=AS_OF,
    meeting_date=D(2025, 4, 29),
    facilitator="Head of Monitoring & Evaluation",
    attendees=("Chief Executive Officer", "Head of Sales", "Head of Marketing",
               "Customer Support Manager", "Operations Manager", "HR Manager",
               "Monitoring & Evaluation Team"),
    tolerance_pct=5.0,
    trend_periods=3,
)

OBJECTIVES = (
    Objective("SAL-01", SALES, "Lead-to-sale conversion rate", "%", HIGHER, 12.0, PCT, 15.0,
              None, WEEKLY, "Head of Sales"),
    Objective("SAL-02", SALES, "Monthly sales revenue", "USD", HIGHER, 250000.0, ABSOLUTE, 300000.0,
              None, MONTHLY, "Head of Sales"),
    Objective("SAL-03", SALES, "Leads followed up within 48 hours", "%", HIGHER, 82.0, ABSOLUTE, 90.0,
              None, WEEKLY, "Sales Team Lead"),
    Objective("MKT-01", MARKETING, "Qualified leads generated per month", "leads", HIGHER, 150.0, PCT,
              20.0, None, MONTHLY, "Head of Marketing"),
    Objective("MKT-02", MARKETING, "Campaign engagement rate", "%", HIGHER, 2.5, CHANGE, 0.5,
              None, WEEKLY, "Digital Marketing Specialist"),
    Objective("CS-01", SUPPORT, "Average first response time", "hours", LOWER, 5.0, PCT, -30.0,
              10.0, WEEKLY, "Customer Support Manager"),
    Objective("CS-02", SUPPORT, "Average resolution time", "hours", LOWER, 6.0, ABSOLUTE, 4.0,
              None, WEEKLY, "Customer Support Manager"),
    Objective("OPS-01", OPERATIONS, "Average production delay", "days", LOWER, 14.0, CHANGE, -14.0,
              None, WEEKLY, "Operations Manager"),
    Objective("OPS-02", OPERATIONS, "First-pass quality rate", "%", HIGHER, 88.0, PCT, 10.0,
              None, WEEKLY, "Quality Lead"),
    Objective("EER-01", PEOPLE, "Employee turnover rate (annualised)", "%", LOWER, 24.0, PCT, -15.0,
              None, MONTHLY, "HR Manager"),
    Objective("EER-02", PEOPLE, "Employee engagement score", "score /100", HIGHER, 62.0, PCT, 10.0,
              None, MONTHLY, "HR Manager"),
)

# Weekly KPIs start from the week before the first weekly figure and are due by the end of
# May, when the 1–4 week actions have had a month to show; monthly KPIs from the year end to
# the end of June, two monthly reviews later.
_WEEKLY_PATH, _MONTHLY_PATH = (D(2025, 3, 21), D(2025, 5, 30)), (D(2024, 12, 31), D(2025, 6, 30))
OBJECTIVES = tuple(
    replace(o, baseline_date=path[0], target_date=path[1])
    for o in OBJECTIVES
    for path in [_WEEKLY_PATH if o.frequency is WEEKLY else _MONTHLY_PATH]
)

WEEKS = (D(2025, 3, 28), D(2025, 4, 4), D(2025, 4, 11), D(2025, 4, 18))
HISTORY_WEEKS = tuple(D(2024, 12, 27) + dt.timedelta(weeks=k) for k in range(12))  # to 14 March
MONTHS = (D(2025, 1, 31), D(2025, 2, 28), D(2025, 3, 31))


def _series(kpi_id: str, dates, values, source: str, comments=()) -> list[Actual]:
    notes = list(comments) + [""] * (len(values) - len(comments))
    return [Actual(kpi_id, day, value, source, note) for day, value, note in zip(dates, values, notes)]


ACTUALS = tuple(
    _series("SAL-01", WEEKS, (11.6, 11.9, 12.4, 13.3), "CRM pipeline report")
    + _series("SAL-02", MONTHS, (255000.0, 262000.0, 281000.0), "Finance ledger")
    + _series("SAL-03", WEEKS[1:], (95.0, 93.0, 91.0), "CRM activity log",
              ("", "", "Follow-ups slipping as the team attends training"))
    + _series("MKT-01", MONTHS, (148.0, 155.0, 168.0), "Marketing automation")
    + _series("MKT-02", WEEKS[1:], (2.6, 2.9, 3.1), "Ad platform dashboard")
    # Support kept its helpdesk history: twelve ordinary weeks around five hours before the
    # analysis, so the XmR chart shows the drop after the peak-hour staffing as a special cause.
    + _series("CS-01", HISTORY_WEEKS, (5.2, 4.9, 5.1, 5.4, 5.0, 4.8, 5.3, 5.1, 4.9, 5.2, 5.0, 5.1),
              "Helpdesk report")
    + _series("CS-01", WEEKS, (5.0, 4.6, 4.1, 3.8), "Helpdesk report",
              ("Peak-hour queues", "", "Extra peak-hour shifts started", ""))
    + _series("CS-02", WEEKS[1:], (6.1, 5.6, 5.2), "Helpdesk report")
    + _series("OPS-01", WEEKS[1:], (14.0, 11.0, 9.0), "Production schedule")
    + _series("OPS-02", WEEKS[2:], (90.0, 92.5), "Quality control log")
    + _series("EER-01", MONTHS, (24.5, 23.8, 22.1), "HR information system")
)

CAUSES = (
    Cause("RC-01", "SAL-01", CauseCategory.MISALIGNMENT, Fishbone.PROCESS,
          "Unqualified leads passed from marketing to sales",
          ("Many leads handed to sales never buy",
           "Marketing qualifies on form fills, not on buying intent",
           "There is no shared definition of a qualified lead",
           "Sales and marketing set their targets separately"),
          "Sales time spent on low-potential prospects; missed revenue", 8.0, Evidence.DATA, True),
    Cause("RC-02", "SAL-01", CauseCategory.LACK_OF_TRAINING, Fishbone.PEOPLE,
          "Ineffective follow-up of leads by sales representatives",
          ("Deals stall after the first call",
           "Representatives do not follow up consistently or send the information asked for",
           "No follow-up routine or objection-handling training"),
          "Lower conversion of good leads", 6.0, Evidence.INTERVIEW, True),
    Cause("RC-03", "MKT-01", CauseCategory.MISALIGNMENT, Fishbone.PROCESS,
          "Campaigns reach the wrong audience segments",
          ("Campaign clicks do not turn into qualified leads",
           "Targeting is based on old segment definitions",
           "Segments were not reviewed since the product range changed"),
          "Too few high-quality leads enter the pipeline", 7.0, Evidence.DATA, True),
    Cause("RC-04", "MKT-01", CauseCategory.POOR_CUSTOMER_ENGAGEMENT, Fishbone.PROCESS,
          "Campaign messaging does not resonate with the target audience",
          ("Engagement rates are low", "Messages describe features, not customer pain points"),
          "Low engagement and conversion of campaigns", 5.0, Evidence.SURVEY, True),
    Cause("RC-05", "CS-01", CauseCategory.RESOURCE_SHORTAGE, Fishbone.PEOPLE,
          "Understaffing during peak demand periods",
          ("Response times spike on mornings and weekends",
           "Too few agents are scheduled at peak times",
           "Rosters follow office hours, not ticket volume"),
          "Customer dissatisfaction and churn", 9.0, Evidence.DATA, True),
    Cause("RC-06", "CS-02", CauseCategory.INEFFICIENT_PROCESS, Fishbone.TECHNOLOGY,
          "Slow, unintuitive ticketing system",
          ("Tickets take long to resolve", "Agents re-categorise and re-route tickets by hand",
           "The ticketing system has no prioritisation rules"),
          "Longer resolution times and negative feedback", 7.0, Evidence.WORKSHOP, True),
    Cause("RC-07", "OPS-01", CauseCategory.INEFFICIENT_PROCESS, Fishbone.PROCESS,
          "Bottlenecks at key production stages",
          ("Orders ship two weeks late", "Work queues build up at assembly and inspection",
           "Stages are scheduled in large batches", "The process was never mapped end to end"),
          "Missed deadlines and delayed deliveries", 8.0, Evidence.DATA, True),
    Cause("RC-08", "OPS-02", CauseCategory.RESOURCE_SHORTAGE, Fishbone.TECHNOLOGY,
          "Outdated production equipment",
          ("Quality varies between batches", "Older machines drift out of tolerance"),
          "Inconsistent product quality and rework", 6.0, Evidence.INTERVIEW, False),
    Cause("RC-09", "EER-01", CauseCategory.MOTIVATION, Fishbone.PEOPLE,
          "Lack of career development opportunities",
          ("Good people leave within two years", "They see no path to grow inside SayPro",
           "There are no mentorship or skills programmes"),
          "High turnover, recruitment cost and low morale", 8.0, Evidence.SURVEY, True),
    Cause("RC-10", "EER-01", CauseCategory.MOTIVATION, Fishbone.ENVIRONMENT,
          "Compensation packages are not competitive",
          ("Exit interviews cite pay", "Packages were last benchmarked three years ago"),
          "Top talent leaves for competitors", 6.0, Evidence.SURVEY, True),
    Cause("RC-11", "MKT-01", CauseCategory.COMMUNICATION, Fishbone.PEOPLE,
          "Sales and marketing work in silos",
          ("Feedback on lead quality does not reach marketing",),
          "Lead quality problems persist unnoticed", 3.0, Evidence.WORKSHOP, False),
)


def _action(action_id, cause_id, kpi_id, department, action, strategy, owner, start, weeks,
            milestones, status, pct, approved, expected, *, resources="", obstacles="",
            escalate=False, due_typed=None, last_update=None) -> Action:
    return Action(action_id, cause_id, kpi_id, department, action, strategy, owner, start, weeks,
                  due_typed, milestones, status, pct, approved, resources, obstacles, escalate,
                  expected, last_update)


DONE, PROGRESS, NOT_STARTED = ActionStatus.DONE, ActionStatus.IN_PROGRESS, ActionStatus.NOT_STARTED
YES, PENDING = Approval.YES, Approval.PENDING

ACTIONS = (
    _action("CA-01", "RC-01", "SAL-01", SALES, "Revise lead qualification criteria with marketing",
            Strategy.ADJUST_STRATEGY, "Head of Sales", D(2025, 4, 7), 1,
            "Criteria drafted; agreed with marketing", DONE, 100.0, YES,
            "Only high-potential leads reach sales", last_update=D(2025, 4, 11)),
    _action("CA-02", "RC-01", "SAL-01", SALES, "Implement a lead scoring system in the CRM",
            Strategy.TECHNOLOGY, "Sales Operations Lead", D(2025, 4, 14), 2,
            "Scoring model; CRM configuration; go-live", PROGRESS, 40.0, YES,
            "Leads prioritised by likelihood to convert", resources="CRM administrator time",
            last_update=D(2025, 4, 18)),
    _action("CA-03", "RC-02", "SAL-01", SALES, "Sales training programme on follow-up and closing",
            Strategy.TRAINING, "Sales Training Manager", D(2025, 4, 14), 3,
            "Six sessions; follow-up playbook", PROGRESS, 10.0, YES,
            "Consistent follow-up and higher conversion", obstacles="Sessions compete with quota work"),
    _action("CA-04", "RC-03", "MKT-01", MARKETING, "Refine audience segmentation and targeting",
            Strategy.ADJUST_STRATEGY, "Marketing Manager", D(2025, 4, 7), 1,
            "Segment analysis; new targeting rules", PROGRESS, 50.0, YES,
            "Campaigns reach the most responsive segments", obstacles="Waiting on CRM data export",
            last_update=D(2025, 4, 18)),
    _action("CA-05", "RC-04", "MKT-01", MARKETING, "Revise campaign messaging around customer pain points",
            Strategy.ADJUST_STRATEGY, "Content Lead", D(2025, 4, 14), 2,
            "Message tests; new copy live", PROGRESS, 30.0, YES, "Higher campaign engagement"),
    _action("CA-06", "RC-04", "MKT-01", MARKETING, "Launch retargeting campaigns",
            Strategy.TECHNOLOGY, "Digital Marketing Specialist", D(2025, 4, 28), 2,
            "Audiences built; ads live", NOT_STARTED, 0.0, PENDING,
            "Interested visitors re-engaged and converted", resources="Retargeting ad budget"),
    _action("CA-07", "RC-05", "CS-01", SUPPORT, "Increase staffing during peak hours",
            Strategy.REALLOCATE_RESOURCES, "Customer Support Manager", D(2025, 4, 7), 1,
            "Peak rota published", DONE, 100.0, YES, "Shorter queues at peak times",
            last_update=D(2025, 4, 11)),
    _action("CA-08", "RC-05", "CS-01", SUPPORT, "Implement AI chatbot and live chat tools",
            Strategy.TECHNOLOGY, "IT Systems Lead", D(2025, 4, 14), 2,
            "Vendor selected; pilot on website", PROGRESS, 30.0, YES,
            "Basic inquiries answered instantly", resources="Chat platform licence",
            obstacles="Vendor contract awaiting legal sign-off", escalate=True),
    _action("CA-09", "RC-06", "CS-02", SUPPORT, "Optimise the ticketing system (categories and priorities)",
            Strategy.PROCESS_IMPROVEMENT, "Support Operations Lead", D(2025, 4, 21), 1,
            "Routing rules; priority levels", NOT_STARTED, 0.0, YES, "Faster resolution of tickets"),
    _action("CA-10", "RC-07", "OPS-01", OPERATIONS, "Map and streamline production processes",
            Strategy.PROCESS_IMPROVEMENT, "Operations Manager", D(2025, 4, 7), 2,
            "Process map; bottleneck fixes", PROGRESS, 50.0, YES,
            "Production back on schedule", due_typed=D(2025, 5, 2), last_update=D(2025, 4, 18)),
    _action("CA-11", "RC-08", "OPS-02", OPERATIONS, "Upgrade production equipment",
            Strategy.TECHNOLOGY, "Production Lead", D(2025, 5, 5), 3,
            "Quotes; purchase; installation", NOT_STARTED, 0.0, PENDING,
            "Consistent quality and faster runs", resources="Capital budget approval"),
    _action("CA-12", "RC-07", "OPS-01", OPERATIONS, "Train production teams in lean manufacturing",
            Strategy.TRAINING, "Continuous Improvement Lead", D(2025, 4, 14), 2,
            "Lean workshops; waste walk", PROGRESS, 60.0, YES, "Less waste, shorter cycles"),
    _action("CA-13", "RC-09", "EER-01", PEOPLE, "Conduct an employee engagement survey",
            Strategy.ADJUST_STRATEGY, "HR Business Partner", D(2025, 4, 14), 1,
            "Survey sent; results summarised", PROGRESS, 80.0, YES,
            "Clear picture of engagement and reasons for turnover", last_update=D(2025, 4, 18)),
    _action("CA-14", "RC-09", "EER-01", PEOPLE, "Develop career growth and mentorship programmes",
            Strategy.TRAINING, "Learning & Development Lead", D(2025, 4, 14), 4,
            "Mentor pairs; skills courses; career paths", PROGRESS, 25.0, YES,
            "Higher retention of high performers"),
    _action("CA-15", "RC-10", "EER-01", PEOPLE, "Review and adjust compensation packages",
            Strategy.REALLOCATE_RESOURCES, "HR Manager", D(2025, 4, 28), 3,
            "Market benchmark; proposal to leadership", NOT_STARTED, 0.0, PENDING,
            "Pay in line with the industry", resources="Salary benchmark survey"),
)

UPDATES = (
    Update(D(2025, 4, 11), "CA-01", "Head of Sales", DONE, 100.0, "Criteria agreed with marketing."),
    Update(D(2025, 4, 11), "CA-07", "Customer Support Manager", DONE, 100.0, "Peak rota in place."),
    Update(D(2025, 4, 18), "CA-02", "Sales Operations Lead", PROGRESS, 40.0, "Scoring model drafted."),
    Update(D(2025, 4, 18), "CA-04", "Marketing Manager", PROGRESS, 80.0,
           "Segment analysis done; final targeting rules wait on the CRM export."),
    Update(D(2025, 4, 18), "CA-10", "Operations Manager", PROGRESS, 50.0,
           "Process map finished; due date moved to 2 May after the bottleneck review."),
    Update(D(2025, 4, 21), "CA-13", "HR Business Partner", DONE, 100.0, "Survey closed; 78% response."),
    Update(D(2025, 4, 22), "CA-08", "IT Systems Lead", ActionStatus.BLOCKED, 30.0,
           "Vendor contract awaiting legal sign-off; escalated to the COO."),
    Update(D(2025, 4, 25), "CA-02", "Sales Operations Lead", PROGRESS, 60.0, "CRM configuration under test."),
    Update(D(2025, 4, 25), "CA-03", "Sales Training Manager", PROGRESS, 20.0,
           "Two of six sessions delivered."),
    Update(D(2025, 4, 25), "CA-05", "Content Lead", PROGRESS, 70.0, "New copy in A/B test."),
    Update(D(2025, 4, 25), "CA-10", "Operations Manager", PROGRESS, 70.0, "Assembly bottleneck removed."),
)


# Everyone the sample's owners, escalations and reminders name: each owner of a KPI or an
# action, the head of each department, leadership, and the M&E team. Addresses are examples.
OWNER, HEAD, LEADERSHIP, M_AND_E = Role.OWNER, Role.HEAD, Role.LEADERSHIP, Role.ME
PEOPLE_ROWS = (
    ("Head of Sales", HEAD, SALES, "head.sales@example.org"),
    ("Sales Team Lead", OWNER, SALES, "sales.lead@example.org"),
    ("Sales Operations Lead", OWNER, SALES, "sales.operations@example.org"),
    ("Sales Training Manager", OWNER, SALES, "sales.training@example.org"),
    ("Head of Marketing", HEAD, MARKETING, "head.marketing@example.org"),
    ("Marketing Manager", OWNER, MARKETING, "marketing.manager@example.org"),
    ("Content Lead", OWNER, MARKETING, "content.lead@example.org"),
    ("Digital Marketing Specialist", OWNER, MARKETING, "digital.marketing@example.org"),
    ("Customer Support Manager", HEAD, SUPPORT, "support.manager@example.org"),
    ("Support Operations Lead", OWNER, SUPPORT, "support.operations@example.org"),
    ("IT Systems Lead", OWNER, SUPPORT, "it.systems@example.org"),
    ("Operations Manager", HEAD, OPERATIONS, "operations.manager@example.org"),
    ("Quality Lead", OWNER, OPERATIONS, "quality.lead@example.org"),
    ("Production Lead", OWNER, OPERATIONS, "production.lead@example.org"),
    ("Continuous Improvement Lead", OWNER, OPERATIONS, "continuous.improvement@example.org"),
    ("HR Manager", HEAD, PEOPLE, "hr.manager@example.org"),
    ("HR Business Partner", OWNER, PEOPLE, "hr.partner@example.org"),
    ("Learning & Development Lead", OWNER, PEOPLE, "learning.development@example.org"),
    ("Chief Executive Officer", LEADERSHIP, "", "ceo@example.org"),
    ("Chief Operating Officer", LEADERSHIP, "", "coo@example.org"),
    ("Head of Monitoring & Evaluation", M_AND_E, "", "me.head@example.org"),
)
PEOPLE_SHEET_ROWS = tuple(Person(name, role, department, email) for name, role, department, email in PEOPLE_ROWS)


def sample_tracker() -> Tracker:
    """SayPro's scenario on a fixed As Of date (2025-04-25)."""
    return Tracker(settings=SETTINGS, objectives=OBJECTIVES, actuals=ACTUALS, causes=CAUSES,
                   actions=ACTIONS, updates=UPDATES, source="SayPro sample tracker",
                   people=PEOPLE_SHEET_ROWS)
