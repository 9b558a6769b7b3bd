"""What the web dashboard shows, as plain data: Scorecards in, JSON-ready dicts out.

One structure feeds both halves of the page: the server-side tables (Jinja2, readable with
scripts off) and the JSON block that the page's script filters and charts. Display text is
worded here with the reports' own phrases (reports/facts.py), so the page and the workbooks
say the same thing; raw numbers travel beside it for the charts.

Nothing here reads a file or writes one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .. import rules
from ..model import ActionScore, Health, KpiScore, KpiStatus, Pace, Scorecard, Variation
from ..reports import facts

# The alerts of the seeds' dashboard: "performance metrics falling below the acceptable
# threshold", and the corrective actions that need someone's attention.
ALERT_KINDS = ("off-track", "at-risk", "behind-pace", "overdue", "blocked")
ALERT_TITLES = {
    "off-track": "KPIs off track",
    "at-risk": "KPIs at risk",
    "behind-pace": "KPIs behind pace",
    "overdue": "Actions overdue",
    "blocked": "Actions blocked",
}
ALERT_LABELS = {"off-track": "Off track", "at-risk": "At risk", "behind-pace": "Behind pace",
                "overdue": "Overdue", "blocked": "Blocked"}

# CSS classes of the RAG badges (the terminal and the workbooks use the same three colours).
STATUS_TONE = {"Off Track": "bad", "At Risk": "warn", "On Track": "good", "No Data": "none"}
HEALTH_TONE = {"Overdue": "bad", "Blocked": "bad", "At Risk": "warn", "Late Start": "warn",
               "On Track": "good", "Done": "good", "Not Started": "none", "Cancelled": "none"}
STATUS_ORDER = tuple(s.value for s in facts.STATUS_ORDER)
HEALTH_ORDER = tuple(h.value for h in facts.HEALTH_ORDER)
OPEN_HEALTH = tuple(h for h in HEALTH_ORDER if h not in (Health.DONE.value, Health.CANCELLED.value))


@dataclass(frozen=True)
class HistoryPoint:
    """One As Of of one tracker in the history store: how many KPIs had each status, and how
    many open actions each health. `departments` optionally breaks both down by department
    ({department: {"kpi_status": {...}, "action_health": {...}}}) so the department filter
    reaches the history view too."""

    as_of: dt.date
    kpi_status: Mapping[str, int]
    action_health: Mapping[str, int]
    departments: Mapping[str, Mapping[str, Mapping[str, int]]] | None = None


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _minus(text: str) -> str:
    """'-3.6 %' reads as '−3.6 %' (a real minus sign, as the reports' gap sentences write it)."""
    return text.replace("-", "\u2212") if text.startswith("-") else text


def _without_label(sentence: str, kpi: KpiScore) -> str:
    """The reports' sentences start with the KPI's label; beside its own heading that is said twice."""
    prefix = facts.kpi_label(kpi) + ": "
    if not sentence.startswith(prefix):
        return sentence
    rest = sentence[len(prefix):]
    return rest[:1].upper() + rest[1:]


def projection_short(kpi: KpiScore) -> str:
    """'around 24 Apr 2025, on course' · 'around 12 Jun 2025, 13 days late' · 'not at this rate'."""
    p = kpi.projection
    if p is None:
        return ""
    if p.projected_date is None:
        return p.text
    when = f"around {facts.date_text(p.projected_date)}"
    if p.on_course is None:
        return when
    return f"{when}, on course" if p.on_course else f"{when}, {facts.plural(p.days_late or 0, 'day')} late"


def tracker_names(cards: Sequence[Scorecard]) -> list[str]:
    """A distinct, readable name per scorecard: the tracker's file stem, numbered on a clash."""
    names: list[str] = []
    for card in cards:
        source = card.tracker.source or card.tracker.settings.organisation or "Tracker"
        base = source.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
        stem = base.rsplit(".", 1)[0] if base.lower().endswith((".xlsx", ".xlsm")) else base
        name, n = stem or "Tracker", 1
        while name.casefold() in {taken.casefold() for taken in names}:
            n += 1
            name = f"{stem} ({n})"
        names.append(name)
    return names


# ------------------------------------------------------------------ KPIs


def kpi_row(card: Scorecard, tracker: str, kpi: KpiScore) -> dict:
    o = kpi.objective
    # The card's index groups actuals and causes by KPI once; a scan of the tracker per KPI is quadratic.
    ordered = rules.actuals_in_order(facts.actuals_of(card, o.kpi_id))
    start = rules.path_start(o, ordered)
    path = None
    if start and kpi.target is not None and o.target_date and start[1] < o.target_date:
        path = {"start_date": start[1].isoformat(), "start_value": start[0],
                "target_date": o.target_date.isoformat(), "target": kpi.target}
    limits = ({"mean": kpi.limits.mean, "lower": kpi.limits.lower, "upper": kpi.limits.upper}
              if kpi.limits else None)
    causes = [{"id": c.cause_id, "text": c.description, "category": _text(c.category),
               "confirmed": c.confirmed} for c in facts.causes_of(card, [o.kpi_id])]
    status = kpi.status.value
    return {
        "key": f"{tracker}::{o.kpi_id}",
        "tracker": tracker,
        "department": facts.department_name(o.department),
        "id": o.kpi_id,
        "name": o.kpi,
        "unit": o.unit,
        "label": facts.kpi_label(kpi),
        "direction": o.direction.value,
        "owner": o.owner,
        "target": kpi.target,
        "target_text": facts.number_text(kpi.target),
        "target_date": _iso(o.target_date),
        "latest": kpi.latest_actual,
        "latest_text": facts.number_text(kpi.latest_actual),
        "latest_date": _iso(kpi.latest_period_end),
        "latest_date_text": facts.date_text(kpi.latest_period_end) if kpi.latest_period_end else "",
        "gap_pct": kpi.gap_pct,
        "gap_pct_text": _minus(facts.percent_text(kpi.gap_pct)),
        "progress_text": "—" if kpi.progress is None else f"{kpi.progress * 100:.0f} %",
        "status": status,
        "status_label": kpi.status_label,
        "tone": STATUS_TONE[status],
        "trend": _text(kpi.trend),
        "pace": _text(kpi.pace),
        "pace_tone": "bad" if kpi.pace is Pace.BEHIND else ("good" if kpi.pace else "none"),
        "variation": _text(kpi.variation),
        "variation_tone": {Variation.CONCERN: "bad", Variation.IMPROVEMENT: "good"}.get(kpi.variation, "none"),
        "assurance": _text(kpi.assurance),
        "projection": projection_short(kpi) if kpi.latest_actual is not None else "",
        "summary": _without_label(facts.gap_sentence(kpi), kpi),
        "outlook": _without_label(facts.outlook_sentence(kpi), kpi) if kpi.latest_actual is not None else "",
        "actuals": [[a.period_end.isoformat(), a.actual] for a in ordered],
        "actual_rows": [{"date": a.period_end.isoformat(), "date_text": facts.date_text(a.period_end),
                         "value_text": facts.number_text(a.actual), "comment": a.comment} for a in ordered],
        "path": path,
        "limits": limits,
        "causes": causes,
        "alerts": kpi_alerts(kpi),
    }


def kpi_alerts(kpi: KpiScore) -> list[str]:
    kinds = []
    if kpi.status is KpiStatus.OFF_TRACK:
        kinds.append("off-track")
    elif kpi.status is KpiStatus.AT_RISK:
        kinds.append("at-risk")
    if kpi.pace is Pace.BEHIND:
        kinds.append("behind-pace")
    return kinds


# ------------------------------------------------------------------ actions


def action_row(card: Scorecard, tracker: str, score: ActionScore) -> dict:
    a = score.action
    health = score.health.value
    esc = score.escalation
    escalation_text = ""
    if esc is not None:
        days = f", {facts.plural(esc.days, 'day')}" if esc.days else ""
        escalation_text = f"{esc.level.value} ({esc.reason}{days})"
    slip = f"slipped {facts.plural(score.slippage_days, 'day')}" if score.slippage_days > 0 else ""
    kpi_key = f"{tracker}::{a.kpi_id}" if a.kpi_id else ""
    return {
        "key": f"{tracker}::{a.action_id}",
        "tracker": tracker,
        "department": facts.action_department(card, score),
        "id": a.action_id,
        "text": a.action,
        "kpi": a.kpi_id,
        "kpi_key": kpi_key,
        "owner": a.owner,
        "start": _iso(a.start_date),
        "due": _iso(score.due_date),
        "due_text": facts.date_text(score.due_date),
        "slippage_text": slip,
        "status": score.status.value,
        "pct_complete": score.pct_complete,
        "pct_text": f"{score.pct_complete:.0f} %",
        "health": health,
        "tone": HEALTH_TONE[health],
        "escalation": escalation_text,
        "escalation_level": esc.level.value if esc else "",
        "effect": score.effectiveness.verdict.value if score.effectiveness else "",
        "open": health in OPEN_HEALTH,
        "alerts": [k for k, h in (("overdue", Health.OVERDUE), ("blocked", Health.BLOCKED)) if score.health is h],
    }


# ------------------------------------------------------------------ alerts


def alert_groups(kpis: list[dict], actions: list[dict]) -> list[list[dict]]:
    """The alerts in groups, in the page's order: for each kind, worst first, the KPIs' then the
    actions'. Trackers' groups put side by side, group by group, are the alerts of all of them."""
    groups = []
    for kind in ALERT_KINDS:
        groups.append([{"kind": kind, "title": ALERT_LABELS[kind], "tracker": k["tracker"],
                        "department": k["department"], "kpi_key": k["key"], "action_key": "",
                        "name": f"{k['id']} {k['name']}",
                        "detail": k["summary"] if kind != "behind-pace" else k["outlook"]}
                       for k in kpis if kind in k["alerts"]])
        groups.append([{"kind": kind, "title": ALERT_LABELS[kind], "tracker": a["tracker"],
                        "department": a["department"], "kpi_key": a["kpi_key"], "action_key": a["key"],
                        "name": f"{a['id']} {a['text']}", "detail": _action_alert_detail(a)}
                       for a in actions if kind in a["alerts"]])
    return groups


def _action_alert_detail(a: dict) -> str:
    detail = f"Due {a['due_text']}, owner {a['owner'] or '—'}"
    if a["escalation"]:
        detail += f"; escalate to {a['escalation']}"
    return detail


def alert_items(kpis: list[dict], actions: list[dict]) -> list[dict]:
    """One line per alert, worst kinds first, each pointing at its KPI or action row."""
    return [item for group in alert_groups(kpis, actions) for item in group]


def tile_counts(kpis: list[dict], actions: list[dict]) -> dict[str, int]:
    counts = {kind: 0 for kind in ALERT_KINDS}
    for row in (*kpis, *actions):
        for kind in row["alerts"]:
            counts[kind] += 1
    return counts


# ------------------------------------------------------------------ history


def current_point(card: Scorecard) -> HistoryPoint:
    """The scorecard itself as one point of history (the page always has today's)."""
    by_department: dict[str, dict[str, dict[str, int]]] = {}

    def bump(department: str, part: str, value: str) -> None:
        slot = by_department.setdefault(department, {"kpi_status": {}, "action_health": {}})[part]
        slot[value] = slot.get(value, 0) + 1

    status: dict[str, int] = {}
    for k in card.kpis:
        status[k.status.value] = status.get(k.status.value, 0) + 1
        bump(facts.department_name(k.objective.department), "kpi_status", k.status.value)
    health: dict[str, int] = {}
    for a in card.actions:
        if a.health.value in OPEN_HEALTH:
            health[a.health.value] = health.get(a.health.value, 0) + 1
            bump(facts.action_department(card, a), "action_health", a.health.value)
    return HistoryPoint(card.as_of, status, health, by_department)


def history_rows(card: Scorecard, points: Sequence[HistoryPoint] | None) -> list[dict]:
    """The tracker's history, oldest first, with the scorecard's own As Of in its place."""
    return _history_rows(card.as_of, current_point(card), points)


def _history_rows(as_of: dt.date, current: HistoryPoint, points: Sequence[HistoryPoint] | None) -> list[dict]:
    merged = {p.as_of: p for p in points or ()}
    merged.setdefault(as_of, current)
    rows = []
    for day in sorted(merged):
        p = merged[day]
        rows.append({
            "as_of": day.isoformat(),
            "as_of_text": facts.date_text(day),
            "kpi_status": {s: int(p.kpi_status.get(s, 0)) for s in STATUS_ORDER},
            "action_health": {h: int(p.action_health.get(h, 0)) for h in OPEN_HEALTH},
            "departments": {
                d: {"kpi_status": {s: int(v.get("kpi_status", {}).get(s, 0)) for s in STATUS_ORDER},
                    "action_health": {h: int(v.get("action_health", {}).get(h, 0)) for h in OPEN_HEALTH}}
                for d, v in sorted((p.departments or {}).items())
            } if p.departments is not None else None,
        })
    return rows


# ------------------------------------------------------------------ the page's data


@dataclass(frozen=True)
class TrackerData:
    """One tracker's share of the page's data, from its Scorecard alone (`saypro-xl batch` builds
    it in the tracker's worker). Its history, read from the store, is added when the page is put
    together."""

    entry: dict  # its entry in "trackers", but for "history"
    as_of: dt.date
    current: HistoryPoint  # the scorecard as today's point of history
    kpis: list[dict]
    actions: list[dict]

    @property
    def first_date(self) -> str | None:
        """Its earliest actual's date (ISO), if any."""
        return min((d for k in self.kpis for d, _ in k["actuals"]), default=None)

    @property
    def tiles(self) -> dict[str, int]:
        return tile_counts(self.kpis, self.actions)


def tracker_data(card: Scorecard, name: str) -> TrackerData:
    settings = card.tracker.settings
    kpis = [kpi_row(card, name, k) for k in card.kpis]
    actions = [action_row(card, name, a) for a in card.actions]
    entry = {
        "name": name,
        "organisation": settings.organisation,
        "title": settings.report_title,
        "source": card.tracker.source,
        "as_of": card.as_of.isoformat(),
        "as_of_text": facts.date_text(card.as_of),
        "departments": facts.departments(card),
        "kpi_count": len(kpis),
        "action_count": len(actions),
    }
    return TrackerData(entry, card.as_of, current_point(card), kpis, actions)


def check_names(names: Sequence[str], cards: int) -> None:
    if len(names) != cards or len({n.casefold() for n in names}) != len(names):
        raise ValueError("Each scorecard needs its own, distinct tracker name.")


def page_summary(parts: Sequence, history: Mapping[int, Sequence[HistoryPoint]] | None = None) -> dict:
    """The page's data but for its long lists (kpis, actions, alerts), from each tracker's share:
    TrackerData, or anything with its entry, as_of, current, first_date and tiles."""
    trackers = [{**part.entry, "history": _history_rows(part.as_of, part.current, (history or {}).get(index))}
                for index, part in enumerate(parts)]
    departments: list[str] = []
    for t in trackers:
        departments += [d for d in t["departments"] if d not in departments]
    as_ofs = sorted({p.as_of for p in parts})
    firsts = [p.first_date for p in parts if p.first_date is not None]
    dates = [*firsts, *(a.isoformat() for a in as_ofs)]
    tiles = {kind: sum(p.tiles[kind] for p in parts) for kind in ALERT_KINDS}
    return {
        "trackers": trackers,
        "departments": departments,
        "tiles": tiles,
        "tile_titles": ALERT_TITLES,
        "status_order": list(STATUS_ORDER),
        "health_order": list(OPEN_HEALTH),
        "as_of": as_ofs[-1].isoformat() if as_ofs else None,
        "as_of_text": facts.date_text(as_ofs[-1]) if as_ofs else "",
        "first_date": min(dates) if dates else None,
    }


def dashboard_data(cards: Sequence[Scorecard], names: Sequence[str] | None = None,
                   history: Mapping[int, Sequence[HistoryPoint]] | None = None) -> dict:
    """Everything the page shows, for one tracker or many.

    `names` label the trackers (default: their file stems, numbered on a clash); `history`
    maps a card's index to its earlier points (see HistoryPoint).
    """
    names = list(names) if names is not None else tracker_names(cards)
    check_names(names, len(cards))
    parts = [tracker_data(card, name) for card, name in zip(cards, names)]
    kpis = [k for p in parts for k in p.kpis]
    actions = [a for p in parts for a in p.actions]
    return {**page_summary(parts, history), "kpis": kpis, "actions": actions, "alerts": alert_items(kpis, actions)}
