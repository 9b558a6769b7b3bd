"""The page planner: breaks placed by row heights, never inside a keep range."""

from __future__ import annotations

import pytest

from saypro_xl.reports import render


def test_rows_fill_a_page_then_break():
    # Ten rows of 10 points on pages of 35: rows 0-2 fit (30), row 3 would make 40 → new page at 3.
    assert render.plan_pages([10.0] * 10, 35.0, [], []) == [3, 6, 9]


def test_a_break_moves_up_to_the_start_of_a_keep_range():
    # Rows 2-4 belong together (a heading and its table's first rows): the break that would fall
    # at 3 moves to 2; the next page then holds 2, 3, 4 and breaks at 5.
    assert render.plan_pages([10.0] * 8, 35.0, [], [(2, 4)]) == [2, 5]


def test_a_keep_range_taller_than_a_page_is_split():
    assert render.plan_pages([10.0] * 8, 35.0, [], [(0, 7)]) == [3, 6]


def test_forced_breaks_are_kept_and_restart_the_page():
    # A forced break at 2; then rows 2-4 fill the new page, 5 starts the next.
    assert render.plan_pages([10.0] * 7, 35.0, [2], []) == [2, 5]


def test_tall_rows_count_by_their_height():
    # 30 | 30 + 5 fills a page exactly | 5.
    assert render.plan_pages([30.0, 30.0, 5.0, 5.0], 35.0, [], []) == [1, 3]


def test_print_scale_fits_the_columns_across_the_page():
    # A 10-character column: (10 × 7 + 5) px × 0.75 pt × 1.36 for the wider app = 76.5 pt. Ten of
    # them, 765 pt, fit the 784.3 pt across a landscape A4 page within its margins: 100 %.
    assert render.print_scale((10.0,) * 10, landscape=True) == 1.0
    # Twenty, 1,530 pt: 784.3 / 1,530 = 0.5126, rounded down to whole percent.
    assert render.print_scale((10.0,) * 20, landscape=True) == pytest.approx(0.51)
    assert render.print_scale((10.0,) * 200, landscape=True) == render.MIN_SCALE


# ------------------------------------------------- in LibreOffice, on the sample's reports

import shutil  # noqa: E402
import subprocess  # noqa: E402

import lo_recalc  # noqa: E402
from saypro_xl import rules  # noqa: E402
from saypro_xl.reports import build_reports, report_spec  # noqa: E402
from saypro_xl.reports import spec as s  # noqa: E402
from saypro_xl.sample import sample_tracker  # noqa: E402

SKIP = lo_recalc.missing_reason() or (None if shutil.which("pdftotext") else "pdftotext is not installed")


def _captions(spec) -> set[str]:
    return {" ".join(b.text.split()) for sheet in spec.sheets for b in sheet.blocks
            if isinstance(b, s.Text) and b.style in ("heading", "subheading")}


@pytest.mark.libreoffice
@pytest.mark.skipif(SKIP is not None, reason=SKIP or "")
@pytest.mark.parametrize("kind, meeting", [("findings", "follow-up"), ("agenda", "follow-up"),
                                           ("agenda", "weekly"), ("agenda", "monthly"), ("pack", "follow-up")])
def test_no_heading_is_left_alone_at_the_foot_of_a_page(tmp_path, kind, meeting):
    card = rules.score(sample_tracker())
    [path] = build_reports(card, tmp_path, only=[kind], meeting=meeting)
    pdf = lo_recalc.convert(path, tmp_path)
    pages = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                           check=True).stdout.split("\f")
    captions = _captions(report_spec(kind, card, meeting))
    orphans = []
    for number, page in enumerate(pages, start=1):
        lines = [" ".join(line.split()) for line in page.splitlines() if line.strip()]
        body = [line for line in lines if not line.startswith(("Findings Page", "Agenda Page", "Timeline Page",
                                                                "Dashboard Page"))]
        if body and body[-1] in captions:
            orphans.append((number, body[-1]))
    assert orphans == []
    assert len([p for p in pages if p.strip()]) <= {"findings": 10, "agenda": 4, "pack": 10}[kind]
