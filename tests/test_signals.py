"""Rules part two end to end: the signals tracker (signals_fixture.py, written by openpyxl) through
`saypro-xl status --json`. Every expected value is worked out by hand from DESIGN.md."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from saypro_xl import cli
from signals_fixture import write_signals_tracker


@pytest.fixture(scope="module")
def status(tmp_path_factory):
    path = write_signals_tracker(tmp_path_factory.mktemp("signals") / "signals.xlsx")
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert cli.main(["status", str(path), "--json"]) == 0
    data = json.loads(out.getvalue())
    return {k["kpi_id"]: k for k in data["kpis"]}, {a["action_id"]: a for a in data["actions"]}


def test_steady_fall_towards_the_target(status):
    resp = status[0]["RESP"]
    # 12.5 h against 10: 25 % behind, Off Track; (12.5 − 20) / (10 − 20) = 0.75 of the way.
    assert (resp["latest_actual"], resp["gap"], resp["gap_pct"], resp["status"]) == (12.5, -2.5, -0.25, "Off Track")
    assert resp["progress"] == 0.75
    # Path 20 (7 Mar) → 10 (25 Jul, 140 days); 27 Jun is day 112: 20 − 10 × 0.8 = 12.
    # 0.5 worse than the path, band 5 % × 10 = 0.5: not more than the band, On Pace.
    assert (resp["target_date"], resp["expected"], resp["pace"]) == ("2025-07-25", 12.0, "On Pace")
    # Line through 13.5, 13, 12.5: 0.5 a week down; from 13 on 20 Jun to 10 is 6 weeks: 1 Aug, 7 days late.
    assert resp["projected_date"] == "2025-08-01"
    assert resp["projection"] == "late by 7 days: reaches the target around 2025-08-01"
    # 16 points, mean 16.25, every moving range 0.5: limits 16.25 ± 1.33 = 14.92 … 17.58.
    # 12.5 is below the lower limit: lower is better, an improvement. Target 10 is below the
    # lower limit: the process as it runs never meets it.
    assert resp["process_limits"] == {"mean": 16.25, "lower": 14.92, "upper": 17.58, "points": 16}
    assert (resp["variation"], resp["special_cause"]) == ("Special cause improvement", "outside the process limits")
    assert resp["assurance"] == "Consistently failing"


def test_step_change_after_an_action(status):
    leads = status[0]["LEADS"]
    # 121 against 130: −9, 6.9 % behind, Off Track; (121 − 100) / 30 = 0.7.
    assert (leads["gap"], leads["status"], leads["progress"]) == (-9.0, "Off Track", 0.7)
    assert leads["gap_pct"] == pytest.approx(-9 / 130)
    # Target Date is today: the path stands at 130; 9 short, band 1.5: Behind.
    assert (leads["expected"], leads["pace"]) == (130.0, "Behind")
    # 121, 119, 121: a flat line, not at this rate.
    assert (leads["projected_date"], leads["projection"]) == (None, "not at this rate")
    # Mean 1,760 / 16 = 110; moving ranges 7 × 2 + 18 + 7 × 2 = 46 over 15; upper 110 + 2.66 × 46/15.
    assert leads["process_limits"]["upper"] == pytest.approx(110 + 2.66 * 46 / 15)
    assert (leads["variation"], leads["assurance"]) == ("Special cause improvement", "Consistently failing")
    a1 = status[1]["A1"]
    # Before the 21 Apr start: 101, 99, 101 (4, 11, 18 Apr) → 100.33; after the 2 May Done: 119, 121,
    # 119 (9, 16, 23 May) → 119.67; +19.33 against 10 % × |130 − 100| = 3: Effective.
    assert a1["effectiveness"] == "Effective"
    detail = a1["effectiveness_detail"]
    assert detail["completed"] == "2025-05-02"
    assert detail["before_mean"] == pytest.approx(301 / 3) and detail["after_mean"] == pytest.approx(359 / 3)
    assert detail["change"] == pytest.approx(58 / 3) and detail["threshold"] == 3.0


def test_noisy_flat_series(status):
    csat = status[0]["CSAT"]
    # 4.3 against 4.5: 4.4 % behind, within 5 %: At Risk. No baseline, no target date.
    assert (csat["status"], csat["progress"], csat["expected"], csat["pace"]) == ("At Risk", None, None, None)
    # 4.4, 4.1, 4.3: the line falls, not at this rate.
    assert csat["projection"] == "not at this rate"
    # Mean 4.2; moving ranges 0.4, 0.3, 0.2, 0.3 … sum 4.5 over 15 = 0.3; limits 4.2 ± 0.798.
    assert csat["process_limits"] == {"mean": 4.2, "lower": 3.402, "upper": 4.998, "points": 16}
    assert (csat["variation"], csat["special_cause"], csat["assurance"]) == ("Common cause", None, "Hit and miss")
    assert status[1]["A3"]["effectiveness"] is None  # open: not judged yet


def test_target_zero(status):
    delay = status[0]["DELAY"]
    # Target 14 − 14 = 0: any delay is Off Track; no Gap %, but Progress (6.5 − 14) / (0 − 14).
    assert (delay["target"], delay["gap"], delay["gap_pct"], delay["status"]) == (0.0, -6.5, None, "Off Track")
    assert delay["progress"] == pytest.approx(7.5 / 14)
    # Path 14 → 0 over 140 days, day 112: 2.8; 3.7 worse, band 0.7: Behind.
    assert delay["expected"] == pytest.approx(2.8) and delay["pace"] == "Behind"
    # 7.5, 7, 6.5: from 7 on 20 Jun, 14 weeks to 0: 26 Sep, 63 days after 25 Jul.
    assert delay["projected_date"] == "2025-09-26"
    assert delay["projection"].startswith("late by 63 days")
    assert (delay["variation"], delay["assurance"]) == ("Special cause improvement", "Consistently failing")
    a2 = status[1]["A2"]
    # Before 2 Jun: 9.5, 9, 8.5 → 9; after 16 Jun only 20 and 27 Jun: too early.
    assert a2["effectiveness"] == "Too early"
    assert a2["effectiveness_detail"]["before_mean"] == 9.0
    assert a2["effectiveness_detail"]["after_points"] == 2


# ------------------------------------------------------------------ in the reports


@pytest.fixture(scope="module")
def card(tmp_path_factory):
    from saypro_xl import rules
    from saypro_xl.read import load_tracker

    path = write_signals_tracker(tmp_path_factory.mktemp("signals_card") / "signals.xlsx")
    return rules.score(load_tracker(path))


def test_monthly_agenda_judges_every_finished_action(card):
    from saypro_xl.reports import agenda

    rows = {r["Action ID"]: r for r in agenda.agenda_workbook(card, "monthly").table("impact").records()}
    assert list(rows) == ["A1", "A2"]  # A3 is open
    a1 = rows["A1"]
    assert (a1["KPI ID"], a1["Verdict"], a1["Change"]) == ("LEADS", "Effective", "19.33 better")
    assert a1["Before"] == pytest.approx(301 / 3) and a1["After"] == pytest.approx(359 / 3)
    assert (rows["A2"]["Verdict"], rows["A2"]["Change"], rows["A2"]["After"]) == ("Too early", "", 6.75)


def test_weekly_kpi_review_shows_pace_and_signal_of_each_open_action(card):
    from saypro_xl.reports import agenda

    rows = agenda.agenda_workbook(card, "weekly").table("action_kpis").records()
    # Open actions: only A3 (CSAT). At Risk, no target date, common cause; the line falls.
    assert [(r["KPI ID"], r["Open actions"], r["Status"], r["Pace"], r["Variation"], r["Projection"])
            for r in rows] == [("CSAT", "A3", "At Risk", "", "Common cause", "not at this rate")]


def test_findings_say_whether_each_kpi_will_make_it(card):
    from saypro_xl.reports import findings

    book = findings.findings_workbook(card)
    rows = {r["KPI ID"]: r for r in book.table("outlook").records()}
    assert (rows["DELAY"]["Pace"], rows["DELAY"]["Variation"], rows["DELAY"]["Assurance"]) == (
        "Behind", "Special cause improvement", "Consistently failing")
    assert rows["DELAY"]["Projection"] == "late: reaches the target around 26 Sep 2025, 63 days after its due date"
    assert rows["CSAT"]["Pace"] == "No target date"
    words = book.sheet("Findings").texts()
    assert ("Response time (hours): on pace for its target (path at 12 on 27 Jun 2025; target due 25 Jul 2025); "
            "late: reaches the target around 1 Aug 2025, 7 days after its due date. Variation: something has "
            "changed for the better (special cause): outside the process limits; as it runs, it will keep "
            "missing the target until the process changes.") in words
    assert ("What the finished actions did: Worked (its KPI improved by at least a tenth of the planned change): "
            "A1 Retarget campaigns. Too early to judge: A2 Remove the assembly bottleneck.") in words


def test_the_pack_draws_an_xmr_chart_for_each_kpi_behind_with_its_actions_marked(card):
    from saypro_xl.reports import pack

    book = pack.pack_workbook(card)
    charts = book.sheet("Signals").charts()
    # All four KPIs are behind target; worst first: Off Track RESP (−25 %), LEADS (−6.9 %), DELAY (no
    # Gap %: target 0), then At Risk CSAT.
    assert [c.title.split()[0] for c in charts] == ["RESP", "LEADS", "DELAY", "CSAT"]
    leads = charts[1]
    assert "Special cause improvement (outside the process limits)" in leads.title
    assert [se.name for se in leads.series] == ["Actual", "Target", "Mean", "Lower limit", "Upper limit",
                                               "Expected path", "Action started", "Action completed"]
    key = leads.series[0].table.rsplit("_", 1)[0]
    # A1 started on Monday 21 April: the latest actual by then is 101 (18 April, k = 5); it was completed
    # on Friday 2 May, itself a period end (k = 7): 101.
    assert book.table(f"{key}_started").rows == ((dt.date(2025, 4, 21), 101.0, "A1"),)
    assert book.table(f"{key}_completed").rows == ((dt.date(2025, 5, 2), 101.0, "A1 done"),)
    lines = book.table(f"{key}_lines").records()
    assert lines[0]["Upper limit"] == pytest.approx(110 + 2.66 * 46 / 15) and lines[0]["Target"] == 130.0
    # CSAT has no Target Date: no expected path.
    assert book.table(f"{charts[3].series[0].table.rsplit('_', 1)[0]}_path").rows == ()
