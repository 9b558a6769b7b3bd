"""What the reports say must be true and complete: worked out by hand on the sample tracker
(As Of 2025-04-25) and on an empty one, from DESIGN.md and the sample's own rows."""

from __future__ import annotations

import pytest

from saypro_xl import rules
from saypro_xl.model import Settings, Tracker
from saypro_xl.reports import agenda, findings, report_spec
from saypro_xl.sample import sample_tracker


@pytest.fixture(scope="module")
def card():
    return rules.score(sample_tracker())


@pytest.fixture(scope="module")
def empty():
    return rules.score(Tracker(settings=Settings(organisation="Empty Org")), as_of=None)


def test_progress_on_the_scores(card):
    by_id = {k.kpi_id: k for k in card.kpis}
    # (actual − baseline) / (target − baseline)
    assert by_id["OPS-01"].progress == pytest.approx((9 - 14) / (0 - 14))  # 5 of the planned 14 days
    assert by_id["SAL-01"].progress == pytest.approx((13.3 - 12) / (13.8 - 12))
    assert by_id["CS-02"].progress == pytest.approx((5.2 - 6) / (4 - 6))
    assert by_id["EER-02"].progress is None  # no actual yet


def test_every_kpi_behind_target_is_listed_worst_first_target_zero_included(card):
    table = findings.findings_workbook(card).table("biggest_gaps")
    labels = table.column_values("KPI")
    # Off Track by Gap %: CS-02 −30 %, EER-01 −8.3 %, MKT-01 −6.7 %, SAL-02 −6.3 %, then OPS-01
    # (target 0: no Gap %); At Risk: CS-01 −8.6 %, OPS-02 −4.4 %, SAL-01 −3.6 %.
    assert labels == [
        "Average resolution time (hours)", "Employee turnover rate (annualised) (%)",
        "Qualified leads generated per month (leads)", "Monthly sales revenue (USD)",
        "Average production delay (days)", "Average first response time (hours)",
        "First-pass quality rate (%)", "Lead-to-sale conversion rate (%)",
    ]
    ops = table.records()[4]
    assert (ops["Target"], ops["Actual"], ops["Gap"], ops["Gap %"]) == (0.0, 9.0, -9.0, None)
    assert ops["Progress"] == pytest.approx(5 / 14)


def test_departments_behind_name_their_furthest_behind_kpi(card):
    rows = {r["Department"]: r for r in findings.findings_workbook(card).table("departments_behind").records()}
    # Operations: OPS-01 is Off Track (target 0) and outranks OPS-02, only At Risk.
    assert rows["Operations"]["Furthest behind"] == "Average production delay (days)"
    assert rows["Operations"]["Status"] == "Off Track"
    assert rows["Operations"]["KPIs behind"] == 2
    assert list(rows) == ["Sales", "Marketing", "Customer Support", "Operations",
                          "Employee Engagement & Retention"]


def test_summary_counts_open_and_done_actions_truthfully(card):
    text = findings.summary_paragraph(card)
    # 15 actions: CA-01, CA-07 done on their rows and CA-13 by its 21 April update; CA-04 is overdue
    # (due 14 April) and CA-08 blocked: 12 open, 2 of them overdue or blocked.
    assert "Of 15 corrective actions, 12 are open and 3 done; 2 of the open ones are overdue or blocked." in text
    assert "proposed or under way" not in text
    assert "5 off track, 3 at risk, 2 on track and 1 without data yet." in text


def test_fishbone_and_evidence_of_the_causes(card):
    rows = {r["Fishbone category"]: r for r in findings.findings_workbook(card).table("fishbone").records()}
    total = 73.0  # 8+6+7+5+9+7+8+6+8+6+3
    assert list(rows) == ["People", "Process", "Technology", "Environment"]
    people = rows["People"]  # RC-02, RC-05, RC-09, RC-11 (RC-11 unconfirmed)
    assert (people["Causes"], people["Confirmed"], people["Weight"]) == (4, 3, 26.0)
    assert people["Share of weight"] == pytest.approx(26 / total)
    assert people["Evidence"] == "Data 1, Survey 1, Interview 1, Workshop 1"
    process = rows["Process"]  # RC-01, RC-03, RC-04, RC-07
    assert (process["Causes"], process["Confirmed"], process["Weight"], process["Evidence"]) == (
        4, 4, 28.0, "Data 3, Survey 1")
    assert rows["Technology"]["Departments"] == "Customer Support, Operations"
    causes = findings.findings_workbook(card).table("dept4_causes").records()  # Operations
    assert [(c["Cause ID"], c["Fishbone"], c["Evidence"]) for c in causes] == [
        ("RC-07", "Process", "Data"), ("RC-08", "Technology", "Interview")]


def test_strategy_resources_and_expected_outcome_reach_the_findings(card):
    book = findings.findings_workbook(card)
    sales = book.table("dept1_actions").records()
    assert [(a["Action ID"], a["Strategy"]) for a in sales] == [
        ("CA-01", "Adjust strategy"), ("CA-02", "Technology"), ("CA-03", "Training")]
    plans = {r["Action ID"]: r for r in book.table("dept1_resources").records()}
    assert plans["CA-02"]["Resources needed"] == "CRM administrator time"
    assert plans["CA-02"]["Expected outcome of the action"] == "Leads prioritised by likelihood to convert"
    assert plans["CA-01"]["Resources needed"] == "None stated"


def test_resources_to_approve_pending_first(card):
    rows = findings.findings_workbook(card).table("resources").records()
    # Open actions naming resources: CA-06, CA-11, CA-15 pending; CA-02, CA-08 approved.
    assert [(r["Action ID"], r["Approved"]) for r in rows] == [
        ("CA-06", "Pending"), ("CA-11", "Pending"), ("CA-15", "Pending"), ("CA-02", "Yes"), ("CA-08", "Yes")]
    assert rows[1]["Resources needed"] == "Capital budget approval"
    follow_up = agenda.agenda_workbook(card, "follow-up")
    assert follow_up.table("resources").column_values("Action ID") == ["CA-06", "CA-11", "CA-15", "CA-02", "CA-08"]


def test_pareto_of_nearly_equal_weights_says_so(card):
    # Weights 9, 8, 8, 8, 7, 7, 6, 6, 6, 5, 3 of 73: 80 % (58.4) is crossed by the 8th (59),
    # weight 6, and the 9th ties with it: 9 of 11 "vital" — not a vital few.
    reading = findings.pareto_reading(card)
    assert reading.startswith("The causes weigh about equally: it takes 9 of the 11 weighted causes")
    assert "vital few stand out" not in reading


def test_pareto_with_a_real_vital_few(card):
    from dataclasses import replace

    causes = card.tracker.causes
    heavy = tuple(replace(c, weight=50.0 if c.cause_id in ("RC-01", "RC-05") else 1.0) for c in causes)
    lopsided = rules.score(replace(card.tracker, causes=heavy), card.as_of)
    # 50 + 50 = 100 of 109: the first two reach 91.7 %.
    assert findings.pareto_reading(lopsided).startswith(
        "A vital few stand out: 2 of the 11 weighted causes (RC-01, RC-05)")


def test_next_steps_name_kpis_and_actions(card):
    steps = findings.next_steps(card)
    assert ("Approve or reject the 3 actions waiting for approval: CA-06 Launch retargeting campaigns; "
            "CA-11 Upgrade production equipment; CA-15 Review and adjust compensation packages.") in steps
    # SAL-02 has no cause at all; OPS-02's only cause (RC-08) is unconfirmed.
    assert ("Confirm the root cause of Monthly sales revenue (Sales); "
            "First-pass quality rate (Operations).") in steps
    assert ("Propose corrective actions for the causes without one: RC-11 Sales and marketing work in silos."
            in steps)


def test_agenda_heading_of_slipped_actions_is_true(card):
    weekly = agenda.agenda_workbook(card, "weekly")
    slipped = weekly.table("slipped").records()
    texts = weekly.sheet("Agenda").texts()
    assert "Actions that slipped, started late or fell behind schedule" in texts
    assert "Slipped or late-starting actions" not in texts
    # CA-10 slipped 11 days; CA-09 started late; CA-03 is 20 % done a week and a half into three weeks.
    assert {(r["Action ID"], r["Health"]) for r in slipped} == {
        ("CA-03", "At Risk"), ("CA-09", "Late Start"), ("CA-10", "On Track")}


def test_agenda_kpi_tables_show_progress(card):
    weekly = agenda.agenda_workbook(card, "weekly")
    rows = {r["KPI ID"]: r for r in weekly.table("kpis_attention").records()}
    assert rows["OPS-01"]["Gap %"] is None and rows["OPS-01"]["Progress"] == pytest.approx(5 / 14)


def test_an_empty_tracker_says_nothing_untrue(empty):
    book = findings.findings_workbook(empty)
    texts = " ".join(book.sheet("Findings").texts())
    assert "holds no KPIs or corrective actions" in texts
    assert "every KPI with data is on target" not in texts.lower()
    assert "No KPIs are recorded yet" in findings.conclusion_text(empty)
    assert book.table("biggest_gaps").empty_text == "No KPIs are recorded yet."
    assert book.table("departments_behind").empty_text == "No KPIs are recorded yet."
    for kind in ("findings", "timeline", "agenda", "pack"):
        spec = report_spec(kind, empty)
        words = " ".join(t for sheet in spec.sheets for t in sheet.texts())
        assert "on target" not in words or "No KPI" in words, kind


def test_common_themes_across_departments(card):
    text = findings.summary_paragraph(card)
    # Six gaps with confirmed causes: inefficient process CS-02 + OPS-01 = 2/6; misalignment
    # SAL-01 8/14 + MKT-01 7/12 = 1.155/6 = 19 %; resource shortage CS-01 = 1/6 (ties with motivation,
    # EER-01: the category list's order decides).
    assert ("Common themes across departments: inefficient process (33 % of the gaps; Customer Support, "
            "Operations); misalignment (19 % of the gaps; Sales, Marketing); resource shortage (17 % of the "
            "gaps; Customer Support).") in text
    rows = findings.findings_workbook(card).table("themes").records()
    assert [r["Theme (cause category)"] for r in rows] == [
        "Inefficient process", "Misalignment", "Resource shortage", "Motivation", "Lack of training",
        "Poor customer engagement"]
    assert rows[-1]["Cumulative"] == pytest.approx(1.0)


def test_the_pack_groups_escalations_by_level_and_shows_the_themes(card):
    from saypro_xl.reports import pack

    book = pack.pack_workbook(card)
    ladder = book.table("f_escalations")
    # CA-08 blocked and flagged Escalate → leadership; CA-04 due 14 April, 11 days overdue → head.
    assert [row[0] for row, style in zip(ladder.rows, ladder.row_styles) if style == "group"] == [
        "Leadership (1)", "Department Head (1)"]
    assert [(r["Action ID"], r["Level"], r["Days"]) for r in ladder.records()] == [
        ("CA-08", "Leadership", 3), ("CA-04", "Department Head", 11)]
    assert book.table("f_themes").column_values("Theme (cause category)")[0] == "Inefficient process"
