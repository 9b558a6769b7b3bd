"""The diagnosis workbook: which KPIs get a page, what each page holds, and the file it becomes.

The sample tracker (as of 2025-04-25) has eight KPIs behind target. Six of them
have a confirmed cause (SAL-01: RC-01, RC-02; MKT-01: RC-03, RC-04; CS-01: RC-05;
CS-02: RC-06; OPS-01: RC-07; EER-01: RC-09, RC-10). Two do not: SAL-02 (Off Track,
no cause typed at all) and OPS-02 (At Risk, its only cause RC-08 "Outdated production
equipment" is unconfirmed, typed as Resource shortage on the Technology bone).
SAL-02 is Off Track and OPS-02 At Risk, so SAL-02 comes first.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import uuid
from dataclasses import replace

import openpyxl
import pytest

from saypro_xl import cli, rules
from saypro_xl.diagnosis_questions import (DEPARTMENT_SETS, FISHBONE_PROMPTS, GENERAL, OPENING_QUESTIONS, SIGNS,
                                           WHY_QUESTIONS, question_set_for, questions_for)
from saypro_xl.model import Cause, CauseCategory, Fishbone, KpiStatus
from saypro_xl.reports import DEFAULT_REPORT_KINDS, REPORT_KINDS, build_reports, report_file_name, report_spec
from saypro_xl.reports import diagnosis
from saypro_xl.sample import sample_tracker

THEMES = ("Resource shortage,Lack of training,Inefficient process,Poor customer engagement,Misalignment,"
          "Communication,Motivation,Other")


@pytest.fixture(scope="module")
def card():
    return rules.score(sample_tracker())


@pytest.fixture(scope="module")
def book(card):
    return report_spec("diagnosis", card)


def section(book, sheet: str, part: str):
    """A table of a KPI's page by its part name ('questions', 'whys', 'fishbone', ...)."""
    found = [t for t in book.sheet(sheet).tables() if t.key.split("_", 1)[1] == part]
    assert len(found) == 1, (sheet, part)
    return found[0]


# ------------------------------------------------------------------ which KPIs


def test_the_sample_facts_the_expectations_rest_on(card):
    status = {k.kpi_id: k.status for k in card.kpis}
    assert status["SAL-02"] is KpiStatus.OFF_TRACK and status["OPS-02"] is KpiStatus.AT_RISK
    assert [c.cause_id for c in card.tracker.causes if c.kpi_id == "SAL-02"] == []
    (rc08,) = [c for c in card.tracker.causes if c.kpi_id == "OPS-02"]
    assert (rc08.cause_id, rc08.confirmed, rc08.category, rc08.fishbone) == \
        ("RC-08", False, CauseCategory.RESOURCE_SHORTAGE, Fishbone.TECHNOLOGY)
    behind = [k.kpi_id for k in card.kpis if k.status in (KpiStatus.AT_RISK, KpiStatus.OFF_TRACK)]
    assert behind == ["SAL-01", "SAL-02", "MKT-01", "CS-01", "CS-02", "OPS-01", "OPS-02", "EER-01"]


def test_only_gaps_without_a_confirmed_cause_get_a_page(card, book):
    assert [k.kpi_id for k in diagnosis.diagnosis_kpis(card)] == ["SAL-02", "OPS-02"]
    assert [s.name for s in book.sheets] == ["How to use", "SAL-02", "OPS-02"]
    assert book.file_name == "Diagnosis_Workbook_2025-04-25.xlsx"
    cover = book.table("diagnosis_kpis").records()
    assert [(r["KPI ID"], r["Department"], r["Status"], r["Questions"], r["Causes typed, unconfirmed"], r["Sheet"])
            for r in cover] == [
        ("SAL-02", "Sales", "Off Track", "Sales", "None yet", "SAL-02"),
        ("OPS-02", "Operations", "At Risk", "Operations / Production",
         "RC-08 Outdated production equipment (Resource shortage)", "OPS-02"),
    ]


# ------------------------------------------------------------------ what a page holds


def test_sales_questions_for_sal_02_and_operations_questions_for_ops_02(book):
    texts = book.sheet("SAL-02").texts()
    assert "Questions for Sales" in texts
    sal = section(book, "SAL-02", "questions")
    assert [c.header for c in sal.columns] == ["Topic", "Question", "Answer", "Theme"]
    assert sal.column_values("Question") == [q.text for q in OPENING_QUESTIONS + question_set_for("Sales").questions]
    assert "Of the leads handed over by marketing, how many are worth a call, and what is missing from the rest?" \
        in sal.column_values("Question")
    assert sal.column_values("Answer") == [None] * 8 and sal.column_values("Theme") == [None] * 8

    assert "Questions for Operations / Production" in book.sheet("OPS-02").texts()
    ops = section(book, "OPS-02", "questions")
    assert ops.column_values("Topic") == ["The gap", "Where it bites", "Bottlenecks", "Equipment",
                                          "People on the line", "Systems", "Coordination", "Defects"]
    assert "At which stage does work queue up, and for how long does it wait there?" in ops.column_values("Question")


def test_a_department_no_set_matches_gets_the_general_questions(card):
    legal = replace(card, kpis=tuple(replace(k, objective=replace(k.objective, department="Legal"))
                                     if k.kpi_id == "SAL-02" else k for k in card.kpis))
    book = report_spec("diagnosis", legal)
    assert 'General questions (no question set matches the department "Legal")' in book.sheet("SAL-02").texts()
    assert section(book, "SAL-02", "questions").column_values("Topic") == [
        "The gap", "Where it bites", "Obstacles", "Resources", "Skills", "Process", "Shared goals", "Information"]


def test_answer_and_theme_cells_are_inputs_and_theme_is_a_drop_down_of_the_categories(book):
    columns = {c.header: c for c in section(book, "SAL-02", "questions").columns}
    assert columns["Answer"].style == "input" and columns["Theme"].style == "input"
    assert columns["Question"].style == "" and columns["Topic"].style == ""
    assert ",".join(columns["Theme"].choices) == THEMES
    root = {c.header.split(" (")[0]: c for c in section(book, "OPS-02", "root_cause").columns}
    assert root["Category"].choices == tuple(CauseCategory.choices())
    assert root["Fishbone"].choices == ("People", "Process", "Technology", "Environment")
    assert root["Evidence"].choices == ("Data", "Survey", "Interview", "Workshop")
    assert all(sheet.protect for sheet in book.sheets)
    assert all(sheet.fit_to_page and not sheet.landscape for sheet in book.sheets[1:])


def test_rc_08_sits_on_the_technology_bone_of_ops_02(book):
    rows = {r["Bone"]: r for r in section(book, "OPS-02", "fishbone").records()}
    assert list(rows) == ["People", "Process", "Technology", "Environment"]
    assert rows["Technology"]["Causes already typed"] == "RC-08 Outdated production equipment (Resource shortage)"
    assert [rows[b]["Causes already typed"] for b in ("People", "Process", "Environment")] == ["", "", ""]
    assert rows["Technology"]["What belongs here"] == FISHBONE_PROMPTS[Fishbone.TECHNOLOGY]
    assert all(r["Causes raised in this session"] is None for r in rows.values())
    sal = section(book, "SAL-02", "fishbone").records()
    assert [r["Causes already typed"] for r in sal] == ["", "", "", ""]


def test_the_why_ladder_shows_the_chain_already_typed(book):
    ops = section(book, "OPS-02", "whys").records()
    assert [r["Why"] for r in ops] == ["Why 1", "Why 2", "Why 3", "Why 4", "Why 5"]
    assert ops[0]["Ask"] == "Why is First-pass quality rate (%) behind its target?"
    assert [r["Already typed"] for r in ops] == [
        "RC-08: Quality varies between batches", "RC-08: Older machines drift out of tolerance", "", "", ""]
    assert [r["Ask"] for r in ops[1:]] == list(WHY_QUESTIONS[1:])
    sal = section(book, "SAL-02", "whys").records()
    assert sal[0]["Ask"] == "Why is Monthly sales revenue (USD) behind its target?"
    assert {r["Already typed"] for r in sal} == {""}


def test_signs_to_look_for_cover_the_themes_in_play(book):
    ops = section(book, "OPS-02", "signs").records()
    # RC-08's category first, then what the operations questions probe, in category order.
    assert [r["Theme"] for r in ops] == ["Resource shortage", "Inefficient process", "Communication"]
    assert ops[0]["Signs to look for"] == "\n".join(f"• {sign}" for sign in SIGNS[CauseCategory.RESOURCE_SHORTAGE])
    assert "• work waits for a person, a machine, stock or a budget sign-off" in ops[0]["Signs to look for"]
    sal = section(book, "SAL-02", "signs").records()
    assert [r["Theme"] for r in sal] == ["Resource shortage", "Lack of training", "Inefficient process",
                                        "Poor customer engagement", "Misalignment"]
    assert [r["Theme"] for r in book.table("signs_all").records()] == CauseCategory.choices()


def test_swot_grid_is_four_empty_cells(book):
    inside, outside = section(book, "SAL-02", "swot_inside"), section(book, "SAL-02", "swot_outside")
    heads = [c.header.split(":")[0] for c in inside.columns + outside.columns]
    assert heads == ["Strengths (inside the team)", "Weaknesses (inside the team)", "Opportunities (outside)",
                     "Threats (outside)"]
    assert inside.rows == ((None, None),) and outside.rows == ((None, None),)
    assert all(c.style == "input" and c.min_lines == 5 for c in inside.columns + outside.columns)


def test_a_cause_without_a_bone_is_listed_to_be_placed(card):
    causes = tuple(replace(c, fishbone=None) if c.cause_id == "RC-08" else c for c in card.tracker.causes)
    other = replace(card, tracker=replace(card.tracker, causes=causes))
    rows = section(report_spec("diagnosis", other), "OPS-02", "fishbone").records()
    assert [r["Bone"] for r in rows] == ["People", "Process", "Technology", "Environment", "Not placed yet"]
    assert rows[2]["Causes already typed"] == "" and \
        rows[4]["Causes already typed"] == "RC-08 Outdated production equipment (Resource shortage)"


# ------------------------------------------------------------------ nothing to diagnose


def test_nothing_to_diagnose_is_said_plainly(card):
    confirmed = tuple(replace(c, confirmed=True) for c in card.tracker.causes) + (
        Cause("RC-99", "SAL-02", CauseCategory.MISALIGNMENT, Fishbone.PROCESS, "Price list out of date",
              confirmed=True),)
    all_known = replace(card, tracker=replace(card.tracker, causes=confirmed))
    book = report_spec("diagnosis", all_known)
    assert [s.name for s in book.sheets] == ["How to use"]
    assert book.sheet("How to use").texts()[2] == (
        "Every KPI behind target as of 25 Apr 2025 (8 KPIs) already has a confirmed cause, so there is nothing "
        "left to diagnose; the findings report carries their causes and actions.")

    on_track = replace(card, kpis=tuple(replace(k, status=KpiStatus.ON_TRACK) for k in card.kpis))
    assert report_spec("diagnosis", on_track).sheet("How to use").texts()[2] == \
        "No KPI is behind target as of 25 Apr 2025, so there is nothing to diagnose."
    empty = replace(card, kpis=())
    assert report_spec("diagnosis", empty).sheet("How to use").texts()[2] == \
        "The tracker has no KPIs yet, so there is nothing to diagnose."


def test_an_empty_diagnosis_workbook_still_opens(card, tmp_path):
    empty = replace(card, kpis=())
    (path,) = build_reports(empty, tmp_path, only=["diagnosis"])
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["How to use"]
    assert wb["How to use"]["A3"].value == "The tracker has no KPIs yet, so there is nothing to diagnose."


# ------------------------------------------------------------------ the question sets


@pytest.mark.parametrize(("department", "expected"), [
    ("Sales", "Sales"),
    ("Sales & Marketing", "Sales"),  # first match wins
    ("Marketing", "Marketing"),
    ("Customer Support", "Customer Support"),
    ("Help Desk", "Customer Support"),
    ("Operations", "Operations / Production"),
    ("Production", "Operations / Production"),
    ("Employee Engagement & Retention", "HR / Training"),
    ("HR", "HR / Training"),
    ("Training and Development", "HR / Training"),
    ("Finance", "Finance"),
    ("Accounts Payable", "Finance"),
    ("Salesforce Admin", "General"),  # words, not letters: "salesforce" is not "sales"
    ("Legal", "General"),
    ("", "General"),
])
def test_departments_are_matched_loosely_on_their_words(department, expected):
    assert question_set_for(department).name == expected


def test_question_sets_are_complete(card):
    assert [q.name for q in DEPARTMENT_SETS] == ["Sales", "Marketing", "Customer Support", "Operations / Production",
                                                 "HR / Training", "Finance"]
    for question_set in (*DEPARTMENT_SETS, GENERAL):
        topics = [q.topic for q in question_set.questions]
        assert len(topics) == len(set(topics)) == 6, question_set.name
        assert all(q.text.endswith("?") for q in question_set.questions), question_set.name
    assert questions_for("Legal") == OPENING_QUESTIONS + GENERAL.questions
    assert set(SIGNS) == set(CauseCategory) and all(SIGNS.values())
    assert set(FISHBONE_PROMPTS) == set(Fishbone)
    assert len(WHY_QUESTIONS) == 5 and "{kpi}" in WHY_QUESTIONS[0]


def test_the_question_module_stands_on_the_model_only():
    from test_layers import imports_of

    assert imports_of("diagnosis_questions.py") == {"saypro_xl.model", "saypro_xl.model.CauseCategory",
                                                    "saypro_xl.model.Fishbone"}


def test_sheet_names_are_legal_and_unique(card):
    kpi = card.kpis[0]
    kpis = [replace(kpi, objective=replace(kpi.objective, kpi_id=i))
            for i in ("OPS/02", "a", "A", "How to use", "x" * 40, "[]")]
    assert diagnosis.sheet_names(kpis) == ["OPS_02", "a", "A (2)", "How to use (2)", "x" * 31, "__"]


# ------------------------------------------------------------------ the file


def test_report_kinds_keep_the_four_by_default(card, tmp_path):
    assert REPORT_KINDS[-1] == "diagnosis" and "diagnosis" not in DEFAULT_REPORT_KINDS
    assert report_file_name("diagnosis", card) == "Diagnosis_Workbook_2025-04-25.xlsx"
    names = sorted(p.name for p in build_reports(card, tmp_path))
    assert names == ["Findings_Report_2025-04-25.xlsx", "Implementation_Timeline_2025-04-25.xlsx",
                     "Leadership_Pack_2025-04-25.xlsx", "Meeting_Agenda_follow-up_2025-04-29.xlsx"]  # Meeting Date


@pytest.fixture(scope="module")
def written(card, tmp_path_factory):
    out = tmp_path_factory.mktemp("diagnosis")
    (path,) = build_reports(card, out, only=["diagnosis"])
    return path


def _header_row(ws, first_cell: str) -> int:
    return next(row[0].row for row in ws.iter_rows(max_col=1) if row[0].value == first_cell)


def test_file_is_protected_without_a_password_with_inputs_unlocked(written):
    assert written.name == "Diagnosis_Workbook_2025-04-25.xlsx"
    wb = openpyxl.load_workbook(written)
    assert wb.sheetnames == ["How to use", "SAL-02", "OPS-02"]
    for ws in wb.worksheets:
        assert ws.protection.sheet is True, ws.title
        assert ws.protection.password is None, ws.title
        assert ws.protection.formatRows is False  # rows may be made taller for a long answer
    ws = wb["SAL-02"]
    top = _header_row(ws, "Topic")
    assert [ws.cell(top, c).value for c in (1, 2, 4, 6)] == ["Topic", "Question", "Answer", "Theme"]
    first, last = top + 1, top + 8
    assert ws.cell(last, 1).value == "Pipeline support" and ws.cell(last + 1, 1).value is None
    for row in range(first, last + 1):
        assert [ws.cell(row, c).protection.locked for c in range(1, 7)] == [True, True, True, False, False, False]
    assert ws.cell(top, 4).protection.locked  # headers stay locked
    swot = next(c.row for c in ws["A"] if str(c.value).startswith("Strengths (inside the team): "))
    assert not ws.cell(swot + 1, 1).protection.locked and not ws.cell(swot + 1, 4).protection.locked


def test_theme_column_has_the_category_drop_down(written):
    ws = openpyxl.load_workbook(written)["OPS-02"]
    top = _header_row(ws, "Topic")
    lists = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    theme = lists[f"F{top + 1}:F{top + 8}"]
    assert (theme.type, theme.formula1) == ("list", f'"{THEMES}"')
    root = _header_row(ws, "Root cause found (type it into the tracker's Causes sheet)")
    assert lists[f"E{root + 1}"].formula1 == '"People,Process,Technology,Environment"'
    signs = _header_row(ws, "Theme")
    assert lists[f"F{signs + 1}:F{signs + 3}"].formula1 == '"Yes,No,Not sure"'


def test_each_kpi_prints_portrait_on_one_page(written):
    wb = openpyxl.load_workbook(written)
    for name in ("SAL-02", "OPS-02"):
        ws = wb[name]
        assert ws.page_setup.orientation == "portrait"
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToHeight in (None, 1)
        technology = next(row for row in ws.iter_rows(max_col=3) if row[0].value == "Technology")
        if name == "OPS-02":
            assert technology[2].value == "RC-08 Outdated production equipment (Resource shortage)"


def test_openxml_audit_finds_no_error_in_protection_or_drop_downs(written):
    audit = pytest.importorskip("openxml_audit")
    result = audit.OpenXmlValidator(file_format=audit.FileFormat.OFFICE_2010, max_errors=0).validate(written)
    errors = [f"{e.part_uri} {e.path}: {e.description}" for e in result.errors
              if e.severity == audit.ValidationSeverity.ERROR]
    assert errors == []


# ------------------------------------------------------------------ the command line


def test_cli_only_diagnosis_writes_only_that_file(tmp_path, capsys):
    tracker = tmp_path / "tracker.xlsx"
    assert cli.main(["new-tracker", str(tracker), "--sample"]) == 0
    out = tmp_path / "out"
    assert cli.main(["report", str(tracker), "-o", str(out), "--only", "diagnosis", "--no-history"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["Diagnosis_Workbook_2025-04-25.xlsx"]
    assert capsys.readouterr().out.splitlines()[-1] == f"Wrote {out / 'Diagnosis_Workbook_2025-04-25.xlsx'}"
    everything = tmp_path / "all"
    assert cli.main(["report", str(tracker), "-o", str(everything)]) == 0
    assert not list(everything.glob("Diagnosis_*")) and len(list(everything.glob("*.xlsx"))) == 4


# ------------------------------------------------------------------ LibreOffice


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_prints_the_cover_and_one_page_per_kpi(written, tmp_path):
    profile = tmp_path / f"lo_profile_{uuid.uuid4().hex}"
    result = subprocess.run(
        ["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "pdf",
         "--outdir", str(tmp_path), str(written)],
        capture_output=True, text=True, timeout=240, env={**os.environ, "HOME": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    pdf = (tmp_path / (written.stem + ".pdf")).read_bytes()
    assert pdf[:5] == b"%PDF-"
    pages = len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))
    assert pages == 3  # the cover, SAL-02, OPS-02

