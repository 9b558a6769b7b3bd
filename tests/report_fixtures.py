"""A second scenario for the reports, built in code from model records.

Northwind Clinics: departments unlike the sample's, lower-is-better KPIs, an
overdue and a blocked action, approvals pending, a cause with no action, a gap
with no confirmed cause, and a cause typed as a formula that must stay text.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from saypro_xl.model import (
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
    Settings,
    Strategy,
    TargetType,
    Tracker,
    Update,
)

AS_OF = dt.date(2025, 5, 12)
MEETING = dt.date(2025, 5, 14)
EVIL = '=HYPERLINK("http://evil","x")'


def _actuals(kpi_id: str, values: list[float], ends: list[dt.date]) -> list[Actual]:
    return [Actual(kpi_id, end, v, source="Monthly report", row=i + 2) for i, (v, end) in enumerate(zip(values, ends))]


MONTH_ENDS = [dt.date(2025, 2, 28), dt.date(2025, 3, 31), dt.date(2025, 4, 30)]
WEEK_ENDS = [dt.date(2025, 4, 25), dt.date(2025, 5, 2), dt.date(2025, 5, 9)]


def clinic_tracker() -> Tracker:
    settings = Settings(
        organisation="Northwind Clinics",
        report_title="Performance Gap Analysis Report",
        prepared_by="M&E Team",
        as_of=AS_OF,
        meeting_date=MEETING,
        facilitator="Zanele P.",
        attendees=("Lerato M.", "Sipho D.", "Naledi K."),
        tolerance_pct=5.0,
        trend_periods=3,
    )
    objectives = (
        Objective("FIN-01", "Finance", "Days sales outstanding", "days", Direction.LOWER, 50.0,
                  TargetType.ABSOLUTE, 45.0, None, Frequency.MONTHLY, "Lerato M.", row=2),
        Objective("FIN-02", "Finance", "Invoice error rate", "%", Direction.LOWER, 4.0,
                  TargetType.PCT_CHANGE, -25.0, None, Frequency.MONTHLY, "Lerato M.", row=3),
        Objective("LOG-01", "Logistics", "On-time delivery", "%", Direction.HIGHER, 85.0,
                  TargetType.ABSOLUTE, 95.0, None, Frequency.WEEKLY, "Sipho D.", row=4),
        Objective("LOG-02", "Logistics", "Delivery lead time", "days", Direction.LOWER, 6.0,
                  TargetType.CHANGE, -1.0, None, Frequency.WEEKLY, "Sipho D.", row=5),
        Objective("PAT-01", "Patient Services", "Complaint resolution time", "hours", Direction.LOWER, 36.0,
                  TargetType.ABSOLUTE, 24.0, 10.0, Frequency.WEEKLY, "Naledi K.", row=6),
        Objective("PAT-02", "Patient Services", "Patient satisfaction score", "of 5", Direction.HIGHER, 4.0,
                  TargetType.ABSOLUTE, 4.5, None, Frequency.MONTHLY, "Naledi K.", row=7),
    )
    actuals = (
        *_actuals("FIN-01", [52, 55, 58], MONTH_ENDS),
        *_actuals("FIN-02", [3.6, 3.4, 3.1], MONTH_ENDS),
        *_actuals("LOG-01", [88, 86, 84], WEEK_ENDS),
        *_actuals("LOG-02", [4.8, 4.9, 5.0], WEEK_ENDS),
        *_actuals("PAT-01", [30, 31], WEEK_ENDS[1:]),
    )
    causes = (
        Cause("C-F1", "FIN-01", CauseCategory.INEFFICIENT_PROCESS, Fishbone.PROCESS,
              "Invoices are sent days after delivery",
              ("Drivers return delivery notes weekly", "Notes are on paper", "No mobile proof of delivery"),
              "Cash arrives two weeks late", 40.0, Evidence.DATA, True, row=2),
        Cause("C-F2", "FIN-01", CauseCategory.COMMUNICATION, Fishbone.PEOPLE, EVIL,
              ("Debtors are not called",), "Overdue invoices age", 15.0, Evidence.INTERVIEW, True, row=3),
        Cause("C-F3", "FIN-02", CauseCategory.LACK_OF_TRAINING, Fishbone.PEOPLE, "Manual data entry errors",
              ("New clerks", "No checklist"), "Credit notes and rework", 20.0, Evidence.DATA, True, row=4),
        Cause("C-L1", "LOG-01", CauseCategory.RESOURCE_SHORTAGE, Fishbone.ENVIRONMENT,
              "Two delivery vans out of service", ("Vans not serviced on schedule", "No fleet plan"),
              "Late deliveries to clinics", 35.0, Evidence.DATA, True, row=5),
        Cause("C-L2", "LOG-01", CauseCategory.MISALIGNMENT, Fishbone.PROCESS,
              "Route plans ignore clinic opening hours", ("Routes planned centrally",),
              "Missed drop-off windows", 10.0, Evidence.WORKSHOP, True, row=6),
        Cause("C-P1", "PAT-01", CauseCategory.COMMUNICATION, Fishbone.TECHNOLOGY,
              "Complaints are routed by email", ("No ticketing tool",), "Complaints wait in inboxes",
              25.0, Evidence.SURVEY, False, row=7),
    )
    actions = (
        Action("A-01", "C-F1", "FIN-01", "Finance", "Invoice on delivery with a mobile app",
               Strategy.TECHNOLOGY, "Thabo N.", dt.date(2025, 4, 7), 3, None, "App live at two depots",
               ActionStatus.IN_PROGRESS, 60, Approval.YES, "App licences", "", False, "DSO under 50", row=2),
        Action("A-02", "C-F2", "FIN-01", "Finance", "Weekly debtor call list",
               Strategy.PROCESS_IMPROVEMENT, "Lerato M.", dt.date(2025, 4, 21), 4, None, "",
               ActionStatus.IN_PROGRESS, 40, Approval.YES, "", "", False, "Fewer aged debts", row=3),
        Action("A-03", "C-F3", "FIN-02", "Finance", "Train clerks on invoice checks",
               Strategy.TRAINING, "Lerato M.", dt.date(2025, 5, 19), 1, None, "Checklist issued",
               ActionStatus.NOT_STARTED, 0, Approval.PENDING, "Trainer", "", False, "Error rate 3 %", row=4),
        Action("A-04", "C-L1", "LOG-01", "Logistics", "Hire two relief vans",
               Strategy.REALLOCATE_RESOURCES, "Sipho D.", dt.date(2025, 4, 14), 2, dt.date(2025, 5, 26),
               "Contract signed", ActionStatus.BLOCKED, 30, Approval.YES, "Budget", "Budget not released",
               True, "On-time delivery 95 %", row=5),
        Action("A-05", "C-L1", "LOG-01", "Logistics", "Service schedule for the fleet",
               Strategy.PROCESS_IMPROVEMENT, "Sipho D.", dt.date(2025, 3, 31), 2, None, "",
               ActionStatus.DONE, 100, Approval.YES, "", "", False, "No breakdowns", row=6),
        Action("A-06", "C-P1", "PAT-01", "Patient Services", "Ticketing tool for complaints",
               Strategy.TECHNOLOGY, "Naledi K.", dt.date(2025, 5, 5), 6, None, "Tool chosen; staff trained",
               ActionStatus.NOT_STARTED, 0, Approval.PENDING, "Licence", "", False, "Resolution under 24 h", row=7),
    )
    updates = (
        Update(dt.date(2025, 5, 9), "A-01", "Thabo N.", ActionStatus.IN_PROGRESS, 70, "Waiting on licences", row=2),
        Update(dt.date(2025, 5, 8), "A-02", "Lerato M.", None, 50, "Half the list called", row=3),
    )
    return Tracker(settings, objectives, actuals, causes, actions, updates, source="northwind.xlsx")


def clinic_tracker_week_before() -> Tracker:
    """The same tracker one week earlier, for the 'changes since last meeting' section."""
    now = clinic_tracker()
    older_as_of = AS_OF - dt.timedelta(days=7)
    actions = []
    for a in now.actions:
        if a.action_id == "A-06":
            continue  # added since
        if a.action_id == "A-04":
            a = replace(a, due_date_typed=None, status=ActionStatus.IN_PROGRESS, escalate=False, obstacles="")
        if a.action_id == "A-05":
            a = replace(a, status=ActionStatus.IN_PROGRESS, pct_complete=80)
        actions.append(a)
    actuals = tuple(x for x in now.actuals if not (x.kpi_id == "FIN-02" and x.period_end == MONTH_ENDS[-1]))
    return replace(
        now,
        settings=replace(now.settings, as_of=older_as_of, meeting_date=MEETING - dt.timedelta(days=7)),
        actions=tuple(actions),
        actuals=actuals,
        updates=(),
    )
