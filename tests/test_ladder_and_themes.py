"""The escalation ladder and common themes (DESIGN.md, rules part two), worked out by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from saypro_xl import rules
from saypro_xl.model import (
    Action, ActionStatus, Actual, Cause, CauseCategory, Direction, EscalationLevel, Fishbone, Frequency,
    Objective, Settings, TargetType, Tracker, Update,
)

AS_OF = dt.date(2025, 6, 30)
D = dt.date


def _action(action_id, *, due_days_ago=None, status=ActionStatus.IN_PROGRESS, escalate=False, last_update=None):
    # A 1-week action whose due date is `due_days_ago` before As Of (or 3 weeks ahead).
    due = AS_OF - dt.timedelta(days=due_days_ago) if due_days_ago is not None else AS_OF + dt.timedelta(weeks=3)
    return Action(action_id, "C1", "K1", "Ops", f"Action {action_id}", owner="Ann",
                  start_date=due - dt.timedelta(weeks=1), timeline_weeks=1, status=status, pct_complete=50,
                  escalate=escalate, last_update=last_update)


def _ladder(actions, updates=(), **settings):
    tracker = Tracker(Settings(**settings), actions=tuple(actions), updates=tuple(updates))
    return {a.action_id: a.escalation for a in rules.score(tracker, AS_OF).actions}


def test_overdue_actions_climb_the_ladder():
    ladder = _ladder([_action("A6", due_days_ago=6), _action("A13", due_days_ago=13),
                      _action("A27", due_days_ago=27), _action("A7", due_days_ago=7),
                      _action("A14", due_days_ago=14), _action("OK")])
    # Due 6 days ago: under 7 → the owner; 7 and 13 → the department head; 14 and 27 → leadership.
    assert {k: (v.level, v.days, v.reason) for k, v in ladder.items() if v} == {
        "A6": (EscalationLevel.OWNER, 6, "overdue"),
        "A7": (EscalationLevel.HEAD, 7, "overdue"),
        "A13": (EscalationLevel.HEAD, 13, "overdue"),
        "A14": (EscalationLevel.LEADERSHIP, 14, "overdue"),
        "A27": (EscalationLevel.LEADERSHIP, 27, "overdue"),
    }
    assert ladder["OK"] is None


def test_due_yesterday_is_one_day_overdue():
    assert _ladder([_action("A", due_days_ago=1)])["A"].days == 1


def test_blocked_counts_from_the_update_that_blocked_it():
    # Blocked by an update on 20 June: 10 days on 30 June → the department head.
    updates = [Update(D(2025, 6, 10), "B", status=ActionStatus.IN_PROGRESS),
               Update(D(2025, 6, 20), "B", status=ActionStatus.BLOCKED)]
    found = _ladder([_action("B")], updates)["B"]
    assert (found.level, found.days, found.reason) == (EscalationLevel.HEAD, 10, "blocked")
    # Without such an update: from Last Update (25 June, 5 days: the owner), else 0 days.
    row_blocked = _action("R", status=ActionStatus.BLOCKED, last_update=D(2025, 6, 25))
    assert _ladder([row_blocked])["R"].days == 5
    assert _ladder([_action("Z", status=ActionStatus.BLOCKED)])["Z"].days == 0


def test_escalate_yes_goes_straight_to_leadership():
    found = _ladder([_action("E", escalate=True)])["E"]
    assert (found.level, found.days, found.reason) == (EscalationLevel.LEADERSHIP, 0, "flagged Escalate")
    late = _ladder([_action("F", escalate=True, due_days_ago=3)])["F"]
    assert (late.level, late.days, late.reason) == (EscalationLevel.LEADERSHIP, 3, "overdue, flagged Escalate")


def test_thresholds_come_from_settings_and_closed_actions_are_off_the_ladder():
    ladder = _ladder([_action("A", due_days_ago=4), _action("D", due_days_ago=40, status=ActionStatus.DONE)],
                     escalate_head_after_days=3, escalate_leadership_after_days=5)
    assert ladder["A"].level is EscalationLevel.HEAD and ladder["D"] is None


# --------------------------------------------------------------------- themes


def _objective(kpi_id, department, target=100.0):
    return Objective(kpi_id, department, kpi_id, "", Direction.HIGHER, None, TargetType.ABSOLUTE, target,
                     frequency=Frequency.MONTHLY)


def _cause(cause_id, kpi_id, category, fishbone, weight, confirmed=True):
    return Cause(cause_id, kpi_id, category, fishbone, cause_id, weight=weight, confirmed=confirmed)


def test_themes_share_each_gap_among_its_confirmed_causes():
    objectives = (_objective("S1", "Sales"), _objective("M1", "Marketing"), _objective("O1", "Ops"),
                  _objective("OK", "Ops"))
    actuals = tuple(Actual(k, D(2025, 6, 1), v) for k, v in (("S1", 80), ("M1", 70), ("O1", 97), ("OK", 120)))
    T, R, P = CauseCategory.LACK_OF_TRAINING, CauseCategory.RESOURCE_SHORTAGE, CauseCategory.INEFFICIENT_PROCESS
    causes = (
        _cause("c1", "S1", T, Fishbone.PEOPLE, 3),  # S1: 3 of 4 training, 1 of 4 resources
        _cause("c2", "S1", R, Fishbone.PEOPLE, 1),
        _cause("c3", "M1", T, Fishbone.PROCESS, None),  # M1: no weights → halves
        _cause("c4", "M1", P, Fishbone.PROCESS, None),
        _cause("c5", "O1", R, Fishbone.ENVIRONMENT, 5),  # O1 (At Risk: 3 % behind) all resources
        _cause("c6", "O1", P, Fishbone.PROCESS, 5, confirmed=False),  # unconfirmed: left out
        _cause("c7", "OK", P, Fishbone.PROCESS, 9),  # on target: not a gap
    )
    card = rules.score(Tracker(Settings(), objectives=objectives, actuals=actuals, causes=causes), AS_OF)
    themes = rules.theme_shares(card.kpis, causes)
    # Three gaps. Training 0.75 + 0.5 = 1.25 / 3; resources 0.25 + 1 = 1.25 / 3; process 0.5 / 3.
    # Training and resources tie: the category list's order (resources first) breaks it.
    assert [(t.name, t.departments, t.gaps) for t in themes] == [
        ("Resource shortage", ("Sales", "Ops"), 3), ("Lack of training", ("Sales", "Marketing"), 3),
        ("Inefficient process", ("Marketing",), 3)]
    assert [t.share for t in themes] == [pytest.approx(1.25 / 3), pytest.approx(1.25 / 3), pytest.approx(0.5 / 3)]
    assert sum(t.share for t in themes) == pytest.approx(1.0)
    bones = rules.theme_shares(card.kpis, causes, by="fishbone")
    # People: S1 whole (1); Process: M1 whole (1); Environment: O1 whole (1) — each 1/3.
    assert [(t.name, t.share) for t in bones] == [
        ("People", pytest.approx(1 / 3)), ("Process", pytest.approx(1 / 3)), ("Environment", pytest.approx(1 / 3))]


def test_no_themes_without_confirmed_causes_of_gaps():
    card = rules.score(Tracker(Settings(), objectives=(_objective("S1", "Sales"),),
                               actuals=(Actual("S1", D(2025, 6, 1), 50),)), AS_OF)
    assert rules.theme_shares(card.kpis, ()) == []


def test_status_json_of_the_sample_carries_themes_and_escalations(tmp_path, capsys):
    import json

    from saypro_xl import cli

    path = tmp_path / "sample.xlsx"
    assert cli.main(["new-tracker", str(path), "--sample"]) == 0
    capsys.readouterr()
    assert cli.main(["status", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    # Six gaps behind target have confirmed causes (SAL-02 has none, OPS-02 only an unconfirmed one).
    # Inefficient process: CS-02 and OPS-01 whole → 2/6. Misalignment: SAL-01 8/14 + MKT-01 7/12.
    themes = {t["category"]: t for t in data["themes"]}
    assert [t["category"] for t in data["themes"]][:2] == ["Inefficient process", "Misalignment"]
    assert themes["Inefficient process"]["share"] == pytest.approx(2 / 6)
    assert themes["Misalignment"]["share"] == pytest.approx((8 / 14 + 7 / 12) / 6)
    assert themes["Misalignment"]["departments"] == ["Sales", "Marketing"]
    assert themes["Lack of training"]["share"] == pytest.approx(6 / 14 / 6)
    # CA-04 was due 14 April: 11 days overdue on 25 April → its department head. CA-08 is blocked
    # (update of 22 April) and flagged Escalate → leadership.
    ladder = {a["action_id"]: a["escalation"] for a in data["actions"] if a["escalation"]}
    assert ladder == {"CA-04": {"level": "Department Head", "days": 11, "reason": "overdue"},
                      "CA-08": {"level": "Leadership", "days": 3, "reason": "blocked, flagged Escalate"}}


def test_themes_across_trackers_keep_each_trackers_kpis_apart():
    from saypro_xl.reports import pack

    # Two trackers, each with its own K1 behind target and one confirmed cause: two gaps, not one.
    def card(category, department):
        objective = _objective("K1", department)
        cause = _cause("c1", "K1", category, Fishbone.PROCESS, 2)
        tracker = Tracker(Settings(organisation=department), objectives=(objective,),
                          actuals=(Actual("K1", D(2025, 6, 1), 50),), causes=(cause,), source=f"{department}.xlsx")
        return rules.score(tracker, AS_OF)

    cards = [card(CauseCategory.MOTIVATION, "HR"), card(CauseCategory.MOTIVATION, "Ops"),
             card(CauseCategory.COMMUNICATION, "Sales")]
    themes = rules.themes_across([(c.kpis, c.tracker.causes) for c in cards])
    # Three gaps: motivation 2 of 3, communication 1 of 3.
    assert [(t.name, t.share, t.departments, t.gaps) for t in themes] == [
        ("Motivation", pytest.approx(2 / 3), ("HR", "Ops"), 3), ("Communication", pytest.approx(1 / 3), ("Sales",), 3)]
    book = pack.consolidated_workbook(cards)
    assert book.table("c_themes").column_values("Theme (cause category)") == ["Motivation", "Communication"]
