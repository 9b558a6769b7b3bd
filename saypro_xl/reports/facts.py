"""Views of a Scorecard that several reports share, and how values read in text.

Everything here is ordered by the tracker's own row order, never by dict or set
iteration of unordered things, so the same Scorecard gives the same report.
"""

from __future__ import annotations

import datetime as dt

from .. import rules
from ..model import (ActionScore, ActionStatus, Actual, Approval, Assurance, Cause, Health, KpiScore, KpiStatus,
                     Pace, Scorecard, Variation)

BEHIND = (KpiStatus.OFF_TRACK, KpiStatus.AT_RISK)
CLOSED = (ActionStatus.DONE, ActionStatus.CANCELLED)
STATUS_ORDER = (KpiStatus.OFF_TRACK, KpiStatus.AT_RISK, KpiStatus.ON_TRACK, KpiStatus.NO_DATA)
HEALTH_ORDER = (Health.OVERDUE, Health.BLOCKED, Health.LATE_START, Health.AT_RISK,
                Health.NOT_STARTED, Health.ON_TRACK, Health.DONE, Health.CANCELLED)


NO_DEPARTMENT = "(No department)"
LISTED_IN_TEXT = 12  # names listed inline in a sentence or cell before "and N more"


def listing(names: list[str], separator: str = ", ", limit: int = LISTED_IN_TEXT) -> str:
    """Join names for a sentence or a cell, naming at most `limit` of them.

    A big tracker would otherwise put thousands of names in one cell, past what a
    cell holds (32,767 characters) and past what anyone reads; the tables list them all.
    """
    shown = list(names[:limit])
    if len(names) > limit:
        shown.append(f"and {len(names) - limit} more")
    return separator.join(shown)


def department_name(raw: str) -> str:
    """A blank Department still gets a heading, so no row drops out of a report."""
    return raw.strip() or NO_DEPARTMENT


class _Index:
    """Look-ups of one Scorecard, built once: reports ask them per department, KPI and action,
    and a scan of the whole card per question is quadratic on a big tracker."""

    def __init__(self, card: Scorecard) -> None:
        self.kpi_by_id = {k.kpi_id: k for k in card.kpis}  # the last KPI of an ID, as a dict keeps it
        self.kpi_department = {i: department_name(k.objective.department) for i, k in self.kpi_by_id.items()}
        self.kpis_of: dict[str, list[KpiScore]] = {}
        for k in card.kpis:
            self.kpis_of.setdefault(department_name(k.objective.department), []).append(k)
        self.action_department: dict[int, str] = {}  # by id() of the ActionScore
        self.actions_of: dict[str, list[ActionScore]] = {}
        for a in card.actions:
            dept = department_name(a.action.department) if a.action.department.strip() else \
                department_name(self.kpi_department.get(a.action.kpi_id, ""))
            self.action_department[id(a)] = dept
            self.actions_of.setdefault(dept, []).append(a)
        self.departments = list(dict.fromkeys([*self.kpis_of, *self.actions_of]))
        self.causes_by_kpi: dict[str, list[tuple[int, Cause]]] = {}
        for n, c in enumerate(card.tracker.causes):
            self.causes_by_kpi.setdefault(c.kpi_id, []).append((n, c))
        self._actuals = card.tracker.actuals
        self._actuals_by_kpi: dict[str, list[Actual]] | None = None  # built when first asked for

    def actuals_of(self, kpi_id: str) -> list[Actual]:
        if self._actuals_by_kpi is None:
            self._actuals_by_kpi = {}
            for a in self._actuals:
                self._actuals_by_kpi.setdefault(a.kpi_id, []).append(a)
        return self._actuals_by_kpi.get(kpi_id, [])


# The indexes of the last few Scorecards seen, each kept with its card so an id() is never
# mistaken for that of a card since freed. A report run asks about one or two cards at a time.
_INDEXES: dict[int, tuple[Scorecard, _Index]] = {}
_INDEXES_KEPT = 4


def _index(card: Scorecard) -> _Index:
    found = _INDEXES.get(id(card))
    if found is not None and found[0] is card:
        return found[1]
    index = _Index(card)
    while len(_INDEXES) >= _INDEXES_KEPT:
        del _INDEXES[next(iter(_INDEXES))]
    _INDEXES[id(card)] = (card, index)
    return index


def departments(card: Scorecard) -> list[str]:
    """Departments in the order they first appear in Objectives, then in Actions."""
    return list(_index(card).departments)


def kpis_of(card: Scorecard, department: str) -> list[KpiScore]:
    return list(_index(card).kpis_of.get(department, ()))


def kpi_by_id(card: Scorecard) -> dict[str, KpiScore]:
    return dict(_index(card).kpi_by_id)


def department_of_kpi(card: Scorecard, kpi_id: str) -> str:
    return _index(card).kpi_department.get(kpi_id, NO_DEPARTMENT)


def causes_of(card: Scorecard, kpi_ids: set[str] | list[str]) -> list[Cause]:
    """The causes of these KPIs, in sheet order."""
    by_kpi = _index(card).causes_by_kpi
    found = [pair for kpi_id in set(kpi_ids) for pair in by_kpi.get(kpi_id, ())]
    return [c for _, c in sorted(found, key=lambda pair: pair[0])]


def actuals_of(card: Scorecard, kpi_id: str) -> list[Actual]:
    """The actuals of one KPI, in sheet order (the scorecard's: up to its As Of)."""
    return list(_index(card).actuals_of(kpi_id))


def actions_of(card: Scorecard, department: str) -> list[ActionScore]:
    return list(_index(card).actions_of.get(department, ()))


def action_department(card: Scorecard, score: ActionScore) -> str:
    """The action's own Department, else its KPI's department."""
    found = _index(card).action_department.get(id(score))
    if found is not None:
        return found
    # An ActionScore that is not one of the card's own (a test's, or a replaced copy).
    return department_name(score.action.department) if score.action.department.strip() else \
        department_of_kpi(card, score.action.kpi_id)


def open_actions(card: Scorecard) -> list[ActionScore]:
    return [a for a in card.actions if a.status not in CLOSED]


def pending_approval(card: Scorecard) -> list[ActionScore]:
    """Open actions whose Approved is Pending or blank."""
    return [a for a in open_actions(card) if a.action.approved in (Approval.PENDING, None)]


def behind(card: Scorecard) -> list[KpiScore]:
    return [k for k in card.kpis if k.status in BEHIND]


def worst_first(kpis: list[KpiScore]) -> list[KpiScore]:
    """Status first (Off Track, At Risk, On Track, No Data), then Gap % (most behind first),
    then Progress (least achieved first); sheet order breaks ties.

    A KPI with Target 0 has no Gap % but is still behind: it ranks with its status,
    after those with a Gap %, so it is never dropped from a list of gaps (DESIGN.md).
    """
    def key(k: KpiScore) -> tuple:
        return (STATUS_ORDER.index(k.status),
                k.gap_pct is None, k.gap_pct if k.gap_pct is not None else 0.0,
                k.progress is None, k.progress if k.progress is not None else 0.0)

    return sorted(kpis, key=key)


def kpi_names(card: Scorecard, kpi_ids: list[str]) -> list[str]:
    """'Average production delay (Operations)' for each ID, as people name KPIs; the ID when unknown."""
    known = kpi_by_id(card)
    return [f"{known[i].objective.kpi} ({department_name(known[i].objective.department)})"
            if i in known else i for i in kpi_ids]


def action_names(actions: list[ActionScore]) -> list[str]:
    """'CA-06 Launch retargeting campaigns' for each action."""
    return [f"{a.action_id} {a.action.action}".strip() for a in actions]


def plural(count: int, singular: str, many: str | None = None) -> str:
    """'1 tracker', '2 trackers', '0 KPIs'."""
    return f"{count} {singular if count == 1 else (many or singular + 's')}"


def kpi_label(kpi: KpiScore) -> str:
    unit = f" ({kpi.objective.unit})" if kpi.objective.unit else ""
    return f"{kpi.objective.kpi}{unit}"


def number_text(value: float | None) -> str:
    if value is None:
        return "—"
    value = value + 0.0  # -0.0 reads as "−0"; make it 0
    if float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def percent_text(fraction: float | None) -> str:
    return "—" if fraction is None else f"{fraction * 100:.1f} %"


def date_text(day: dt.date | None) -> str:
    return "—" if day is None else f"{day.day} {day:%b %Y}"


def weeks_text(values: list[float]) -> str:
    """'1–3 weeks', '2 weeks', '1 week'; '—' when no action has a timeline."""
    known = [v for v in values if v is not None]
    if not known:
        return "—"
    low, high = min(known), max(known)
    if low == high:
        return f"{number_text(low)} week" + ("" if low == 1 else "s")
    return f"{number_text(low)}–{number_text(high)} weeks"


def progress_text(kpi: KpiScore) -> str:
    """'36 % of the planned improvement' or '' when Progress is unknown."""
    if kpi.progress is None:
        return ""
    return f"{kpi.progress * 100:.0f} % of the planned improvement"


def gap_sentence(kpi: KpiScore) -> str:
    """'On-time delivery (%): 84 against a target of 95 — gap −11 (11.6 % behind), Off Track, Declining.'"""
    if kpi.status is KpiStatus.NO_DATA:
        return f"{kpi_label(kpi)}: no actual recorded yet (target {number_text(kpi.target)})."
    gap = number_text(kpi.gap).replace("-", "−")
    if kpi.gap_pct is None:
        share = f" ({progress_text(kpi)} so far)" if kpi.progress is not None and kpi.gap and kpi.gap < 0 else ""
    elif kpi.gap_pct < 0:
        share = f" ({percent_text(-kpi.gap_pct)} behind)"
    else:
        share = f" ({percent_text(kpi.gap_pct)} ahead)"
    trend = f", {kpi.trend.value}" if kpi.trend else ""
    return (f"{kpi_label(kpi)}: {number_text(kpi.latest_actual)} against a target of "
            f"{number_text(kpi.target)} — gap {gap}{share}, {kpi.status_label}{trend}.")


def pareto_items(card: Scorecard):
    return rules.pareto(card.tracker.causes)


def yes_no(flag: bool) -> str:
    return "Yes" if flag else "No"


# ------------------------------------------------- will we make it, did it work (part two)

PACE_WORDS = {
    Pace.AHEAD: "ahead of the path to its target",
    Pace.ON_PACE: "on pace for its target",
    Pace.BEHIND: "behind the path to its target",
}
VARIATION_WORDS = {
    Variation.COMMON: "the ups and downs are ordinary noise (common cause)",
    Variation.IMPROVEMENT: "something has changed for the better (special cause)",
    Variation.CONCERN: "something has changed for the worse (special cause)",
}
ASSURANCE_WORDS = {
    Assurance.PASSING: "as it runs, it meets the target every period",
    Assurance.FAILING: "as it runs, it will keep missing the target until the process changes",
    Assurance.HIT_AND_MISS: "as it runs, it will meet the target in some periods and miss it in others",
}


def pace_text(kpi: KpiScore) -> str:
    """'behind the path to its target (26 expected by now; due 30 May 2025)' or ''."""
    if kpi.pace is None:
        return ""
    return (f"{PACE_WORDS[kpi.pace]} (path at {number_text(kpi.expected)} on {date_text(kpi.latest_period_end)}; "
            f"target due {date_text(kpi.objective.target_date)})")


def projection_text(kpi: KpiScore) -> str:
    """The projection in a few words, dates as people read them."""
    p = kpi.projection
    if p is None:
        return "too few actuals to project"
    if p.projected_date is None:
        return p.text
    when = date_text(p.projected_date)
    if p.on_course is None:
        return f"reaches the target around {when} at this rate"
    if p.on_course:
        return f"on course: reaches the target around {when}, by its due date"
    return f"late: reaches the target around {when}, {plural(p.days_late or 0, 'day')} after its due date"


def signal_text(kpi: KpiScore) -> str:
    """Variation and assurance in plain words; a note when there are too few points."""
    if kpi.variation is None:
        return "too few actuals (under 12) to read its variation"
    words = VARIATION_WORDS[kpi.variation]
    if kpi.special_cause:
        words += f": {kpi.special_cause}"
    if kpi.assurance is not None:
        words += "; " + ASSURANCE_WORDS[kpi.assurance]
    return words


def outlook_sentence(kpi: KpiScore) -> str:
    """'Response time (hours): behind the path … ; late: reaches … . Variation: … .'"""
    parts = [p for p in (pace_text(kpi), projection_text(kpi)) if p]
    # Under 12 actuals there is no variation to read: saying so on every line is noise.
    variation = f" Variation: {signal_text(kpi)}." if kpi.variation is not None else ""
    return f"{kpi_label(kpi)}: {'; '.join(parts)}.{variation}"


def effect_text(score: ActionScore) -> str:
    """'19.33 better', '2 worse', 'no change' (direction-aware); '' when not judged."""
    e = score.effectiveness
    if e is None or e.change is None:
        return ""
    if e.change > 0:
        return f"{number_text(e.change)} better"
    if e.change < 0:
        return f"{number_text(-e.change)} worse"
    return "no change"
