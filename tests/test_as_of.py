"""As Of is a cut-off: rows dated after it change nothing, in the rules and in every report.

The tracker is the small contract-conformant one of builders.py, written by openpyxl,
As Of 2025-03-31. The later rows would each change a figure if they counted:
- K1's 4 April actual of 85 would put it On Track (target 80) and its trend Improving;
- a 3 April "Done" update of A2 would make the overdue A2 Done;
- a 2 April "Blocked" update of A3 would make it Blocked.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from builders import small_tracker_rows, write_tracker_openpyxl
from saypro_xl import cli, rules
from saypro_xl.model import Health, KpiStatus, Trend
from saypro_xl.read import load_tracker
from saypro_xl.reports import MEETING_KINDS, REPORT_KINDS, report_spec

AS_OF = dt.date(2025, 3, 31)


def _later_rows(rows: dict) -> dict:
    later = dict(rows)
    later["actuals"] = rows["actuals"] + [
        {"KPI ID": "K1", "Period End": dt.date(2025, 4, 4), "Actual": 85, "Source": "CRM"},
        {"KPI ID": "K2", "Period End": dt.date(2025, 4, 11), "Actual": 9},
    ]
    later["updates"] = rows["updates"] + [
        {"Date": dt.date(2025, 4, 3), "Action ID": "A2", "Reporter": "Ben", "Status": "Done",
         "% Complete": 100, "Note": "routing live"},
        {"Date": dt.date(2025, 4, 2), "Action ID": "A3", "Reporter": "Ben", "Status": "Blocked",
         "% Complete": 50, "Note": "vendor delay"},
    ]
    return later


@pytest.fixture(scope="module")
def trackers(tmp_path_factory):
    base = tmp_path_factory.mktemp("without")
    more = tmp_path_factory.mktemp("with")
    plain = write_tracker_openpyxl(base / "tracker.xlsx", **small_tracker_rows())
    later = write_tracker_openpyxl(more / "tracker.xlsx", **_later_rows(small_tracker_rows()))
    return load_tracker(plain), load_tracker(later)


def test_the_later_rows_are_read(trackers):
    plain, later = trackers
    assert not later.errors
    assert len(later.actuals) == len(plain.actuals) + 2
    assert len(later.updates) == len(plain.updates) + 2


def test_scores_on_as_of_ignore_later_rows(trackers):
    plain, later = trackers
    card = rules.score(later, AS_OF)
    k1, k2 = card.kpis
    # K1 on 31 March: 70 against 80, 12.5 % behind → Off Track; 75 → 72 → 70 Declining.
    assert (k1.latest_actual, k1.status, k1.trend) == (70.0, KpiStatus.OFF_TRACK, Trend.DECLINING)
    assert k1.latest_period_end == dt.date(2025, 3, 31)
    # A2 was due 15 March and not done by 31 March: Overdue, not Done. A3 In progress, not Blocked.
    healths = {a.action_id: a.health for a in card.actions}
    assert healths == {"A1": Health.DONE, "A2": Health.OVERDUE, "A3": Health.ON_TRACK}
    assert card.kpis == rules.score(plain, AS_OF).kpis
    assert card.actions == rules.score(plain, AS_OF).actions


def test_the_later_rows_count_once_as_of_moves_past_them(trackers):
    _, later = trackers
    card = rules.score(later, dt.date(2025, 4, 30))
    k1 = card.kpis[0]
    assert (k1.latest_actual, k1.status, k1.trend) == (85.0, KpiStatus.ON_TRACK, Trend.IMPROVING)
    assert {a.action_id: a.health for a in card.actions}["A2"] is Health.DONE


def test_the_scorecard_carries_the_tracker_as_it_stood(trackers):
    _, later = trackers
    card = rules.score(later, AS_OF)
    assert all(a.period_end <= AS_OF for a in card.tracker.actuals)
    assert all(u.date <= AS_OF for u in card.tracker.updates)
    assert len(card.tracker.actuals) == len(later.actuals) - 2


@pytest.mark.parametrize("kind", REPORT_KINDS)
def test_every_report_of_as_of_is_the_report_of_that_day(trackers, kind):
    plain, later = trackers
    for meeting in MEETING_KINDS:
        older = rules.score(plain, dt.date(2025, 3, 17))
        with_rows = report_spec(kind, rules.score(later, AS_OF), meeting, since=rules.score(later, dt.date(2025, 3, 17)))
        without = report_spec(kind, rules.score(plain, AS_OF), meeting, since=older)
        assert with_rows == without, (kind, meeting)


def test_status_json_is_the_same_with_and_without_later_rows(trackers, tmp_path, capsys):
    plain = write_tracker_openpyxl(tmp_path / "a.xlsx", **small_tracker_rows())
    later = write_tracker_openpyxl(tmp_path / "b.xlsx", **_later_rows(small_tracker_rows()))
    outputs = []
    for path in (plain, later):
        assert cli.main(["status", str(path), "--as-of", AS_OF.isoformat(), "--json"]) == 0
        outputs.append(json.loads(capsys.readouterr().out))
    assert outputs[0] == outputs[1]
    assert outputs[1]["kpis"][0]["status"] == "Off Track"
