"""The leadership pack: a one-page Dashboard of native charts whose data sits on a last, hidden sheet.

Spec first (what the charts show, Target 0 included, honest axes), then the file read
back with openpyxl, then LibreOffice's printout of the sample: one Dashboard page,
the whole pack within ten.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import uuid
import zipfile
from dataclasses import replace

import openpyxl
import pytest

from saypro_xl import rules
from saypro_xl.model import KpiStatus
from saypro_xl.reports import build_consolidated_pack, build_reports, pack, render
from saypro_xl.reports import facts as f
from saypro_xl.reports import spec as s
from saypro_xl.sample import sample_tracker

from report_fixtures import EVIL, clinic_tracker

NBSP = "\u00a0"
SHEETS = ["Dashboard", "Signals", "Findings", "Timeline", "Agenda", "Chart Data"]


@pytest.fixture(scope="module")
def sample():
    return rules.score(sample_tracker())


@pytest.fixture(scope="module")
def book(sample):
    return pack.pack_workbook(sample)


def charts_by_title(book) -> dict[str, s.Chart]:
    return {c.title.split(":")[0].split(" (")[0]: c for c in book.sheet("Dashboard").charts()}


# ----------------------------------------------------------------------- spec


def test_dashboard_holds_no_tables_and_its_data_is_on_the_last_hidden_sheet(book):
    assert [sh.name for sh in book.sheets] == SHEETS
    assert [sh.hidden for sh in book.sheets] == [False, False, False, False, False, True]
    dashboard, data = book.sheet("Dashboard"), book.sheet("Chart Data")
    assert dashboard.tables() == [] and dashboard.fit_to_page and not data.fit_to_page
    assert len(dashboard.charts()) == 4
    on_data_sheet = {t.key for t in data.tables()}
    assert {se.table for c in dashboard.charts() for se in c.series} <= on_data_sheet
    assert book.table("d_key_figures").rows == ((11, 5, 3, 2, 1, 15, 1, 1, 3),)


def test_a_hidden_first_sheet_is_refused():
    hidden = s.Sheet("Data", (10,), (), hidden=True)
    with pytest.raises(ValueError, match="first sheet cannot be hidden"):
        s.Workbook("x.xlsx", "x", (hidden,))


def test_key_figures_are_tiles_coloured_by_what_they_count(book):
    [tiles] = [b for b in book.sheet("Dashboard").blocks if isinstance(b, s.Figures)]
    assert [(t.label, t.value, t.style) if t else None for t in tiles.items] == [
        ("KPIs", 11, ""), ("Off Track", 5, "bad"), ("At Risk", 3, "warn"), ("On Track", 2, "good"),
        ("No Data", 1, "muted"), None, ("Actions", 15, ""), ("Overdue", 1, "bad"), ("Blocked", 1, "bad"),
        ("Pending approval", 3, "warn")]


def test_every_kpi_with_data_is_charted_worst_first_target_zero_included(book, sample):
    rows = book.table("d_performance").records()
    ids = [r["KPI ID"] for r in rows]
    # EER-02 has no actual; the five Off Track come first, by Gap %: −30 %, −8.3 %, −6.7 %, −6.3 %,
    # then OPS-01, whose target is 0 (no Gap %) but whose Progress is (9 − 14) / (0 − 14) = 5/14.
    assert len(ids) == 10 and "EER-02" not in ids
    assert ids[:4] == ["CS-02", "EER-01", "MKT-01", "SAL-02"] and set(ids[:5]) == {*ids[:4], "OPS-01"}
    assert ids == [k.kpi_id for k in f.worst_first([k for k in sample.kpis if k.status is not KpiStatus.NO_DATA])]
    ops = rows[ids.index("OPS-01")]
    assert (ops["Target"], ops["Actual"], ops["Gap"], ops["Gap %"], ops["Status"]) == (0.0, 9.0, -9.0, None, "Off Track")
    assert ops["Progress"] == pytest.approx(5 / 14)
    assert ops["Chart label"] == f"OPS-01{NBSP}Average{NBSP}production{NBSP}delay"
    assert rows[0]["Progress"] == pytest.approx((5.2 - 6) / (4 - 6))  # CS-02: 40 % of the way from 6 h to 4 h
    chart = charts_by_title(book)["Progress to target"]
    assert [se.values for se in chart.series] == ["Progress"]
    assert chart.series[0].point_colours == ("#C00000",) * 5 + ("#FFC000",) * 3 + ("#70AD47",) * 2


def test_the_trend_chart_follows_the_kpis_furthest_behind_target_zero_included(book):
    chart = charts_by_title(book)["Progress over time"]
    assert chart.kind == "scatter"
    assert chart.title == "Progress over time: 5 of the 8 KPIs behind target, worst first"
    names = [se.name.replace(NBSP, " ") for se in chart.series]
    assert names == ["CS-02 Average resolution time", "EER-01 Employee turnover rate…", "MKT-01 Qualified leads…",
                     "SAL-02 Monthly sales revenue", "OPS-01 Average production delay", "Target met"]
    ops = book.table(chart.series[4].table)
    assert [r[:2] for r in ops.rows] == [(dt.date(2025, 4, 4), 14.0), (dt.date(2025, 4, 11), 11.0),
                                         (dt.date(2025, 4, 18), 9.0)]
    assert [r[2] for r in ops.rows] == pytest.approx([0.0, 3 / 14, 5 / 14])
    # the dashed target line spans the time axis, which ends on the As Of date in whole fortnights
    assert book.table("d_trend_target").rows == ((dt.date(2025, 1, 31), 1.0), (dt.date(2025, 4, 25), 1.0))
    assert (chart.category_min, chart.category_max, chart.category_major_unit) == (
        dt.date(2025, 1, 31), dt.date(2025, 4, 25), 14)
    assert chart.series[-1].dashed and not any(se.dashed for se in chart.series[:-1])
    # each KPI's line is named by the header cell of its Progress column, written as text
    assert all(se.name_from_header and se.values == se.name for se in chart.series[:-1])


def test_progress_axes_start_at_the_baseline_and_reach_the_target(book):
    charts = charts_by_title(book)
    trend, bars = charts["Progress over time"], charts["Progress to target"]
    # EER-01 started 13.9 % worse than its baseline (24.5 against 24): the axis goes one gridline below 0 %.
    assert (trend.value_min, trend.value_max, trend.value_major_unit, trend.value_format) == (-0.25, 1.0, 0.25, "0%")
    # MKT-02 is at 120 % of its planned improvement: the axis ends on the next gridline, 125 %.
    assert (bars.value_min, bars.value_max, bars.value_major_unit, bars.data_labels) == (0.0, 1.25, 0.25, "0%")


@pytest.mark.parametrize("values, axis", [
    ([], (0.0, 1.0, 0.25)),
    ([0.4, 0.6], (0.0, 1.0, 0.25)),
    ([-0.139, 0.62], (-0.25, 1.0, 0.25)),
    ([-1.6, 0.9], (-2.0, 1.0, 0.5)),  # Northwind's FIN-01: 58 days against a baseline of 50 and a target of 45
    ([11.0], (0.0, 12.0, 2.0)),
])
def test_share_axis(values, axis):
    assert pack.share_axis(values) == axis


def test_count_charts_have_whole_number_axes(book):
    charts = charts_by_title(book)
    status, health = charts["KPIs by status, and behind pace"], charts["Corrective actions by department and health"]
    for chart in (status, health):
        assert (chart.value_min, chart.value_major_unit, chart.value_format) == (0, 1, "0"), chart.title
    # Behind pace: none in the sample (each KPI with a Target Date is ahead of or on its path).
    assert book.table("d_status_mix").rows == (
        ("Off Track", 5, 0), ("At Risk", 3, 0), ("On Track", 2, 0), ("No Data", 1, 0))
    # a series per health that occurs: no Cancelled action in the sample, so no empty legend entry
    assert [se.name for se in health.series] == ["Overdue", "Blocked", "Late Start", "At Risk", "Not Started",
                                                 "On Track", "Done"]


@pytest.mark.parametrize("largest, unit", [
    (0, 1), (3, 1), (10, 1), (11, 2), (20, 2), (21, 5), (50, 5), (51, 10), (101, 20), (3000, 500)])
def test_count_unit(largest, unit):
    assert pack.count_unit(largest) == unit


def test_long_department_names_are_shortened_in_charts_only(book):
    health = {r["Department"]: r for r in book.table("d_health").records()}
    assert health["Employee Engagement & Retention"]["Chart label"] == f"Employee{NBSP}Engagement…"
    assert health["Customer Support"]["Chart label"] == f"Customer{NBSP}Support"
    assert (health["Employee Engagement & Retention"]["Done"], health["Marketing"]["Overdue"]) == (1, 1)


def test_the_health_chart_keeps_the_departments_with_most_actions_in_trouble(sample, monkeypatch):
    trouble = [0, 3, 1, 0, 2, 2, 0, 1, 4, 0, 1, 0]  # Overdue actions of D00 … D11, five On Track each
    rows = [(f"D{i:02d}", n, 0, 0, 0, 0, 5, 0, 0) for i, n in enumerate(trouble)]
    assert [r[0] for r in pack.charted_departments(rows)] == [
        "D00", "D01", "D02", "D03", "D04", "D05", "D06", "D07", "D08", "D10"]  # D09, D11: none in trouble
    # the sample: Customer Support has 2 in trouble (Blocked, Late Start), Sales 1 (At Risk), Marketing 1 (Overdue)
    monkeypatch.setattr(pack, "MAX_DEPARTMENT_BARS", 3)
    book = pack.pack_workbook(sample)
    assert [r["Department"] for r in book.table("d_health").records()] == ["Sales", "Marketing", "Customer Support"]
    assert charts_by_title(book)["Corrective actions by department and health — the 3 of 5 departments with the "
                                 "most in trouble"].stacked


@pytest.mark.parametrize("text, limit, short", [
    ("Sales", 24, "Sales"),
    ("Employee Engagement & Retention", 24, "Employee Engagement…"),
    ("Leads followed up within 48 hours", 26, "Leads followed up within…"),
    ("Supercalifragilisticexpialidocious", 10, "Supercali…"),
    ("  Spaces   inside  ", 24, "Spaces inside"),
])
def test_short_label(text, limit, short):
    assert pack.short_label(text, limit) == short
    assert len(pack.short_label(text, limit)) <= limit


def test_a_kpi_without_gap_or_progress_is_labelled_not_dropped():
    """Target 0 and no baseline: no Gap %, no Progress; still charted, last of its status, with a label."""
    tracker = clinic_tracker()
    fin = replace(tracker.objectives[0], baseline=None, target_value=0.0)
    card = rules.score(replace(tracker, objectives=(fin, *tracker.objectives[1:])))
    book = pack.pack_workbook(card)
    rows = {r["KPI ID"]: r for r in book.table("d_performance").records()}
    assert (rows["FIN-01"]["Status"], rows["FIN-01"]["Gap %"], rows["FIN-01"]["Progress"]) == ("Off Track", None, None)
    assert rows["FIN-01"]["Chart label"].replace(NBSP, " ") == "FIN-01 Days sales outstanding (no baseline)"
    trend = charts_by_title(book)["Progress over time"]
    assert "FIN-01 Days sales outstanding (no baseline)" in [se.name.replace(NBSP, " ") for se in trend.series]


def test_alerts_are_short_and_capped_keeping_actions_in_view(book, sample, monkeypatch):
    [bullets] = [b for b in book.sheet("Dashboard").blocks if isinstance(b, s.Bullets)]
    assert len(bullets.items) == 7  # five KPIs off track, one action overdue, one blocked: all fit
    assert bullets.items[4] == ("Off Track — Operations: Average production delay (days) 9 against a target of 0 "
                                "(36 % of the planned improvement so far)")
    assert bullets.items[5] == ("Overdue — CA-04 Refine audience segmentation and targeting "
                                "(owner Marketing Manager, due 14 Apr 2025)")
    monkeypatch.setattr(pack, "MAX_ALERTS", 4)
    [capped] = [b for b in pack.dashboard_sheets(sample)[0].blocks if isinstance(b, s.Bullets)]
    assert [item.split(" — ")[0] for item in capped.items[:3]] == ["Off Track", "Off Track", "Overdue"]
    assert capped.items[3] == ("… and 3 more KPIs off track (Findings) and 1 more action overdue or blocked "
                               "(Timeline).")


@pytest.mark.parametrize("first, as_of, axis", [
    (dt.date(2025, 1, 31), dt.date(2025, 4, 25), (dt.date(2025, 1, 31), dt.date(2025, 4, 25), 14)),
    (dt.date(2025, 4, 25), dt.date(2025, 4, 25), (dt.date(2025, 4, 18), dt.date(2025, 4, 25), 7)),
    (dt.date(2024, 4, 25), dt.date(2025, 4, 25), (dt.date(2024, 4, 12), dt.date(2025, 4, 25), 63)),
])
def test_date_axis(first, as_of, axis):
    assert pack.date_axis(first, as_of) == axis


def test_the_consolidated_pack_counts_trackers_in_words_and_whole_numbers(sample):
    book = pack.consolidated_workbook([sample])
    overview = book.sheet("Overview")
    assert overview.texts()[1] == "1 tracker · latest As Of 25 Apr 2025"
    chart, themes = overview.charts()
    assert (chart.value_min, chart.value_major_unit, chart.value_format) == (0, 2, "0")  # 11 KPIs: 0, 2, … 12
    assert themes.title == "Common themes across trackers"


# ------------------------------------------------------------------ the file


@pytest.fixture(scope="module")
def pack_file(tmp_path_factory, sample):
    [path] = build_reports(sample, tmp_path_factory.mktemp("pack"), only=["pack"])
    return path


def fit(pages) -> int:
    """fitToWidth / fitToHeight as read back: a file leaves out the default, 1 page."""
    return 1 if pages is None else int(pages)


def test_the_file_hides_the_chart_data_and_anchors_the_charts_on_the_dashboard(pack_file):
    wb = openpyxl.load_workbook(pack_file)
    assert wb.sheetnames == SHEETS
    assert [ws.sheet_state for ws in wb.worksheets] == ["visible"] * 5 + ["hidden"]
    assert wb.active.title == "Dashboard"
    dashboard = wb["Dashboard"]
    # title, subtitle, two rows of tiles and a blank one, "Alerts" and seven alerts and a blank one: row 15
    anchors = sorted((c.anchor._from.row, c.anchor._from.col) for c in dashboard._charts)
    assert anchors == [(14, 0), (14, 5), (29, 0), (29, 3)]
    assert len(wb["Signals"]._charts) == 6  # XmR charts of the KPIs behind target, worst first
    assert len(wb["Findings"]._charts) == 1  # the common themes across departments
    assert not [c for ws in wb.worksheets[3:] for c in ws._charts]
    setup = dashboard.page_setup
    assert (fit(setup.fitToWidth), fit(setup.fitToHeight), setup.orientation, setup.paperSize) == (
        1, 1, "landscape", 9)
    assert dashboard.sheet_properties.pageSetUpPr.fitToPage
    assert dashboard.print_area == "'Dashboard'!$A$1:$J$41"  # ten columns; 14 rows, then 15 + 12 rows of charts
    # The other sheets print at a fixed scale that fits their columns across the page, so Excel and
    # LibreOffice end pages on the same rows and the page planner's breaks hold in both.
    findings = wb["Findings"]
    assert not findings.sheet_properties.pageSetUpPr or not findings.sheet_properties.pageSetUpPr.fitToPage
    assert 40 <= findings.page_setup.scale < 100
    assert findings.row_breaks.brk  # placed by the planner
    labels = [c for row in wb["Chart Data"].iter_rows() for c in row if isinstance(c.value, str) and NBSP in c.value]
    assert labels and all(c.data_type == "s" for c in labels)


def test_the_charts_read_the_hidden_sheet_with_whole_number_count_axes(pack_file):
    with zipfile.ZipFile(pack_file) as z:
        charts = [z.read(n).decode() for n in sorted(z.namelist()) if n.startswith("xl/charts/chart")]
    assert len(charts) == 4 + 6 + 1  # the Dashboard's four, the Signals sheet's six, the findings' themes
    for xml in charts:
        refs = re.findall(r"<c:f>([^<]*)</c:f>", xml)
        # The Dashboard's and the Signals' charts read the hidden sheet; the themes chart reads
        # the themes table printed above it on the Findings sheet.
        assert refs and (all(r.startswith("'Chart Data'!") for r in refs)
                         or all(r.startswith("Findings!") for r in refs))
    status = next(x for x in charts if "KPIs by status" in x)
    assert '<c:majorUnit val="1"/>' in status and '<c:numFmt formatCode="0" sourceLinked="0"/>' in status
    trend = next(x for x in charts if "<c:scatterChart>" in x and "Progress over time" in x)
    assert '<c:min val="-0.25"/>' in trend and '<c:max val="1.0"/>' in trend
    assert f'<c:min val="{render.excel_serial(dt.date(2025, 1, 31))}"/>' in trend


def test_names_typed_in_the_tracker_reach_the_charts_as_text(tmp_path):
    """A KPI named like a reference and a department typed as a formula stay characters."""
    tracker = clinic_tracker()
    odd = replace(tracker.objectives[4], kpi="Sales!A1", department=EVIL)  # PAT-01, off track
    card = rules.score(replace(tracker, objectives=(*tracker.objectives[:4], odd, tracker.objectives[5]),
                               actions=tuple(replace(a, department=EVIL) if a.department == "Patient Services"
                                             else a for a in tracker.actions)))
    [path] = build_reports(card, tmp_path, only=["pack"])
    with zipfile.ZipFile(path) as z:
        trend = next(x for x in (z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/"))
                     if "<c:scatterChart>" in x)
    assert f"<c:v>PAT-01{NBSP}Sales!A1</c:v>" in trend
    assert re.search(r"<c:tx><c:strRef><c:f>'Chart Data'!\$C\$\d+</c:f>", trend)
    data = openpyxl.load_workbook(path)["Chart Data"]
    cells = [c for row in data.iter_rows() for c in row
             if isinstance(c.value, str) and (EVIL in c.value or "Sales!A1" in c.value)]
    assert cells and all(c.data_type == "s" for c in cells)
    assert {c.value for c in cells} >= {EVIL, f"PAT-01{NBSP}Sales!A1"}


def test_same_scorecard_same_pack_bytes(tmp_path, sample, pack_file):
    [again] = build_reports(sample, tmp_path, only=["pack"])
    assert again.read_bytes() == pack_file.read_bytes()


def test_the_consolidated_file_says_one_tracker(tmp_path, sample):
    ws = openpyxl.load_workbook(build_consolidated_pack([sample], tmp_path))["Overview"]
    assert ws["A2"].value == "1 tracker · latest As Of 25 Apr 2025"


# ----------------------------------------------------------------- LibreOffice

FOOTER = re.compile(r"^\s*(\S.*?)\s{2,}Page (\d+) of (\d+)\s*$", re.M)


def pdf_pages_per_sheet(pdf) -> list[str]:
    """The sheet of every printed page, read from the footer render.py puts on each ("&A … Page &P of &N")."""
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    sheets = []
    for page in text.split("\f"):
        found = FOOTER.findall(page)
        if found:
            sheets.append(found[-1][0])
    return sheets


def smallest_word_height(pdf, page: int) -> float:
    """The height in points of the smallest word box on a page (pdftotext -bbox)."""
    xml = subprocess.run(["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"],
                         capture_output=True, text=True, check=True).stdout
    boxes = re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)"', xml)
    return min(float(y1) - float(y0) for y0, y1 in boxes)


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftotext") is None,
                    reason="LibreOffice (soffice) or poppler's pdftotext is not installed")
def test_libreoffice_prints_the_dashboard_on_one_page_and_the_pack_within_ten(pack_file, tmp_path):
    profile = tmp_path / f"lo_profile_{uuid.uuid4().hex}"
    result = subprocess.run(
        ["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "pdf",
         "--outdir", str(tmp_path), str(pack_file)],
        capture_output=True, text=True, timeout=240, env={**os.environ, "HOME": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    pdf = tmp_path / (pack_file.stem + ".pdf")
    sheets = pdf_pages_per_sheet(pdf)
    counts = {name: sheets.count(name) for name in dict.fromkeys(sheets)}
    assert list(counts) == ["Dashboard", "Signals", "Findings", "Timeline", "Agenda"], counts  # Chart Data prints nothing
    assert counts["Dashboard"] == 1, counts
    # Nothing shrunk out of reading: the charts' 8-point text is drawn at least 7 points tall (at 100 %
    # DejaVu's 8 points measure 7.8), so the one page was not bought by scaling the sheet down.
    assert smallest_word_height(pdf, 1) >= 7.0
    assert len(sheets) <= 10, counts
