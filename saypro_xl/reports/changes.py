"""What changed between two scorecards of the same tracker (the 'since last meeting' list)."""

from __future__ import annotations

from dataclasses import dataclass

from ..model import Scorecard
from . import facts as f

NEW_ACTION = "New action"
CLOSED_ACTION = "Closed action"
REMOVED_ACTION = "Removed action"
STATUS_CHANGED = "Status changed"
HEALTH_CHANGED = "Health changed"
DUE_SLIPPED = "Due date slipped"
KPI_STATUS_CHANGED = "KPI status changed"
NEW_KPI = "New KPI"


@dataclass(frozen=True)
class Change:
    kind: str
    subject_id: str
    subject: str
    before: str
    after: str
    owner: str
    department: str


def changes_since(older: Scorecard, newer: Scorecard) -> list[Change]:
    """Action and KPI changes from `older` to `newer`, in the newer tracker's row order."""
    out: list[Change] = []
    before = {a.action_id: a for a in older.actions}
    now_ids = {a.action_id for a in newer.actions}
    for a in newer.actions:
        dept = f.action_department(newer, a)

        def change(kind: str, was: str, is_: str) -> Change:
            return Change(kind, a.action_id, a.action.action, was, is_, a.action.owner, dept)

        old = before.get(a.action_id)
        if old is None:
            out.append(change(NEW_ACTION, "—", f"{a.status.value} · {a.health.value}"))
            continue
        closed_now = a.status in f.CLOSED and old.status not in f.CLOSED
        if closed_now:
            out.append(change(CLOSED_ACTION, old.status.value, a.status.value))
        elif a.status != old.status:
            out.append(change(STATUS_CHANGED, old.status.value, a.status.value))
        if a.health != old.health and not closed_now:
            out.append(change(HEALTH_CHANGED, old.health.value, a.health.value))
        if a.due_date and old.due_date and a.due_date > old.due_date:
            days = (a.due_date - old.due_date).days
            out.append(change(DUE_SLIPPED, f.date_text(old.due_date), f"{f.date_text(a.due_date)} (+{days} days)"))
    for old in older.actions:
        if old.action_id not in now_ids:
            out.append(Change(REMOVED_ACTION, old.action_id, old.action.action, old.status.value, "—",
                              old.action.owner, f.action_department(older, old)))
    old_kpis = {k.kpi_id: k for k in older.kpis}
    for k in newer.kpis:
        was = old_kpis.get(k.kpi_id)
        if was is None:
            out.append(Change(NEW_KPI, k.kpi_id, f.kpi_label(k), "—", k.status_label,
                              k.objective.owner, k.objective.department))
        elif was.status_label != k.status_label:
            out.append(Change(KPI_STATUS_CHANGED, k.kpi_id, f.kpi_label(k), was.status_label, k.status_label,
                              k.objective.owner, k.objective.department))
    return out
