"""Our own words, the organisation's choice of words: defaults, the Wording sheet, every door.

Trackers here are made by openpyxl (tests/builders.py), with a Wording sheet added the way
another tool or a person would add it, not by our template.
"""

from __future__ import annotations

import ast
import re
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet.table import Table

from saypro_xl import contract, rules, template, wording
from saypro_xl.excel import buttons
from saypro_xl.excel.live import XlwingsRowSource
from saypro_xl.model import Severity
from saypro_xl.read import load_tracker, read_tracker
from saypro_xl.reports import report_spec
from saypro_xl.reports import spec as s
from saypro_xl.sample import sample_tracker

from builders import small_tracker_rows, write_tracker_openpyxl
from fake_book import FakeBook

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "seeds"  # the organisation's source documents, beside the project
RUN = 7  # this many words in a row shared with a seed is a copied sentence, not a shared fact

OUR_OBJECTIVES = (
    "Find the gaps: show where results fall short of the objectives and KPI targets.",
    "Explain them: trace each gap back to the causes behind it.",
    "Say what to do: propose concrete corrective actions, each with an owner and a timeline.",
    "Get leadership's agreement: settle the actions and their timelines with the people who approve them.",
)
OUR_WEEKLY_PURPOSE = "Check that every corrective action is moving as planned, and deal with any that is not."


def _tracker(tmp_path: Path, wording_rows=None, headers=("Text", "Wording"), **changes) -> Path:
    """The small valid tracker, with a Wording sheet (an Excel table) when rows are given."""
    rows = small_tracker_rows()
    rows.update(changes)
    folder = tmp_path / "team share"
    folder.mkdir(exist_ok=True)
    path = write_tracker_openpyxl(folder / "Tracker.xlsx", **rows)
    if wording_rows is not None:
        book = openpyxl.load_workbook(path)
        ws = book.create_sheet(contract.WORDING_SHEET)
        ws.append(list(headers))
        for row in wording_rows:
            ws.append(list(row))
        ws.add_table(Table(displayName="tblWording", ref=f"A1:{chr(64 + len(headers))}{max(2, ws.max_row)}"))
        book.save(path)
    return path


def _card(path: Path):
    tracker = load_tracker(path)
    assert tracker.errors == (), tracker.errors
    return rules.score(tracker)


def _bullets_after(sheet: s.Sheet, line: str) -> tuple[str, ...]:
    """The bullets right below the paragraph `line`."""
    blocks = list(sheet.blocks)
    index = next(i for i, b in enumerate(blocks) if isinstance(b, s.Text) and b.text == line)
    bullets = blocks[index + 1]
    assert isinstance(bullets, s.Bullets)
    return bullets.items


def _purpose(book: s.Workbook, key: str = "details") -> str:
    return {r["Meeting"]: r["Detail"] for r in book.table(key).records()}["Purpose"]


# ------------------------------------------------------------------ the defaults


def test_without_a_wording_sheet_the_reports_use_our_words_and_nobody_is_warned(tmp_path):
    path = _tracker(tmp_path)
    tracker = load_tracker(path)
    assert tracker.wording == ()
    assert [i for i in tracker.issues if i.sheet == contract.WORDING_SHEET] == []
    card = rules.score(tracker)
    findings = report_spec("findings", card).sheet("Findings")
    assert _bullets_after(findings, "This analysis set out to:") == OUR_OBJECTIVES
    assert _bullets_after(findings, "Next Steps:")[:3] == (
        "Leadership reads this report and approves, changes or turns down each proposed action.",
        "Owners start the approved actions on the dates and timelines set out here.",
        "The KPIs and actions are checked every week, and the plan is changed where it is not working, "
        "until each gap is closed.",
    )
    weekly = report_spec("agenda", card, "weekly")
    assert weekly.title == "Meeting Agenda — Weekly / Bi-weekly Monitoring Meeting"
    assert _purpose(weekly) == OUR_WEEKLY_PURPOSE
    assert "Name what is in the way and agree who clears it, and by when." in weekly.sheet("Agenda").texts()


def test_default_attendees_are_ours_when_settings_name_none(tmp_path):
    rows = small_tracker_rows()
    rows["settings"]["Attendees"] = None
    card = _card(_tracker(tmp_path, settings=rows["settings"]))
    details = {r["Meeting"]: r["Detail"] for r in report_spec("agenda", card, "monthly").table("details").records()}
    assert details["Attendees"] == ("Senior leaders, the heads of the departments concerned and the "
                                    "Monitoring & Evaluation team")


def test_text_and_items_fall_back_to_the_default_and_refuse_an_unknown_key():
    assert wording.items(None, "findings.objectives") == OUR_OBJECTIVES
    assert wording.text(None, "agenda.weekly.purpose") == OUR_WEEKLY_PURPOSE
    assert wording.text(None, "findings.summary.intro") == ""  # an optional opening: none unless worded
    tracker = replace(sample_tracker(), wording=(("agenda.weekly.purpose", "First."),
                                                 ("agenda.weekly.purpose", "Second.")))
    assert wording.text(tracker, "agenda.weekly.purpose") == "First."
    assert wording.items(tracker, "agenda.weekly.purpose") == ("First.",)
    with pytest.raises(KeyError, match='No fixed text "findings.objective"; the nearest is "findings.objectives"'):
        wording.text(None, "findings.objective")


# --------------------------------------------------------- the organisation's words


def test_a_wording_sheet_rewords_the_objectives_and_the_weekly_purpose(tmp_path):
    path = _tracker(tmp_path, [
        ("findings.objectives", "Measure where each department stands."),
        ("agenda.weekly.purpose", "Keep this week's corrective work on course."),
        (" Findings.Objectives ", "Learn why, before acting."),  # case and spaces do not matter
        ("findings.next_steps", None),  # a blank wording keeps our default
        ("agenda.weekly.section.challenges", "What is stuck, and who will unstick it?"),
        ("findings.summary.intro", "Our quarterly look at where we fall short."),
    ])
    tracker = load_tracker(path)
    assert tracker.issues == ()
    assert tracker.wording == (
        ("findings.objectives", "Measure where each department stands."),
        ("agenda.weekly.purpose", "Keep this week's corrective work on course."),
        ("findings.objectives", "Learn why, before acting."),
        ("agenda.weekly.section.challenges", "What is stuck, and who will unstick it?"),
        ("findings.summary.intro", "Our quarterly look at where we fall short."),
    )
    card = rules.score(tracker)
    findings = report_spec("findings", card).sheet("Findings")
    assert _bullets_after(findings, "This analysis set out to:") == (
        "Measure where each department stands.", "Learn why, before acting.")
    assert _bullets_after(findings, "Next Steps:")[0] == (
        "Leadership reads this report and approves, changes or turns down each proposed action.")
    summary = findings.texts()[findings.texts().index("1. Executive Summary") + 1]
    assert summary.startswith("Our quarterly look at where we fall short. Performance gaps of SayPro as of ")
    weekly = report_spec("agenda", card, "weekly")
    assert _purpose(weekly) == "Keep this week's corrective work on course."
    assert "What is stuck, and who will unstick it?" in weekly.sheet("Agenda").texts()
    assert _purpose(report_spec("agenda", card, "monthly")) == wording.entry("agenda.monthly.purpose").default[0]
    # the leadership pack composes the same sheets, so it carries the same words
    pack = report_spec("pack", card, "weekly")
    assert _purpose(pack, "a_details") == "Keep this week's corrective work on course."


def test_an_unknown_text_is_a_warning_at_its_cell_naming_the_nearest_key(tmp_path):
    path = _tracker(tmp_path, [
        ("findings.conclusion", "We will close these gaps by the end of the quarter."),
        ("agenda.weekly.sectoin.chalenges", "What is stuck?"),
    ])
    tracker = load_tracker(path)
    [issue] = tracker.issues
    assert (issue.severity, issue.sheet, issue.cell, issue.column) == (Severity.WARNING, "Wording", "A3", "Text")
    assert issue.message == ('Text "agenda.weekly.sectoin.chalenges" is not a text the reports use, so its '
                             'wording is not used; type "agenda.weekly.section.challenges" (the nearest) or '
                             "another key from the template's Wording sheet")
    assert tracker.wording == (("findings.conclusion", "We will close these gaps by the end of the quarter."),)


def test_a_text_too_long_to_read_at_a_glance_is_an_error_at_its_cell(tmp_path):
    path = _tracker(tmp_path, [
        ("findings.objectives.intro", "a" * wording.MAX_CHARS),  # exactly the limit is fine
        ("agenda.monthly.purpose", "b" * (wording.MAX_CHARS + 1)),
    ])
    tracker = load_tracker(path)
    [issue] = tracker.issues
    assert (issue.severity, issue.sheet, issue.cell, issue.column) == (Severity.ERROR, "Wording", "B3", "Wording")
    assert str(issue) == ('Wording!B3: Wording of "agenda.monthly.purpose" is 1,001 characters, more than the '
                          "1,000 a report shows at a glance; shorten it")
    assert tracker.wording == (("findings.objectives.intro", "a" * 1000),)


def test_blank_rows_are_ignored_and_odd_rows_are_warned_at_their_cells(tmp_path):
    path = _tracker(tmp_path, [
        ("agenda.follow-up.purpose", "Decide, together, what we do next."),
        ("agenda.monthly.purpose", None),
        (None, None),
        (None, "Words with no text named"),
        ("agenda.follow-up.purpose", "A second purpose"),
    ])
    tracker = load_tracker(path)
    assert [(i.severity, i.cell, i.message) for i in tracker.issues] == [
        (Severity.WARNING, "A5", 'Text is blank, so the wording beside it is not used; type the text it '
                                 'replaces, e.g. "findings.conclusion", or delete the row'),
        (Severity.WARNING, "A6", 'Text "agenda.follow-up.purpose" is worded again (first at row 2); the first '
                                 "row counts, delete the other"),
    ]
    assert tracker.wording == (("agenda.follow-up.purpose", "Decide, together, what we do next."),)


def test_the_guidance_columns_of_the_template_are_never_read(tmp_path):
    path = _tracker(tmp_path, [
        ("agenda.monthly.title", None, "Monthly Performance Review", "Monthly review agenda"),
        ("agenda.weekly.title", "Weekly Check-in", "Weekly / Bi-weekly Monitoring Meeting", "Weekly agenda"),
    ], headers=("Text", "Wording", "Default Wording", "Where It Appears"))
    tracker = load_tracker(path)
    assert (tracker.issues, tracker.wording) == ((), (("agenda.weekly.title", "Weekly Check-in"),))
    assert report_spec("agenda", rules.score(tracker), "weekly").title == "Meeting Agenda — Weekly Check-in"


# --------------------------------------------------------------------- the doors


def test_the_excel_buttons_read_the_wording_sheet_of_the_live_workbook(tmp_path):
    path = _tracker(tmp_path, [("findings.objectives", "Measure where each department stands."),
                               ("findings.objectives", "Learn why, before acting.")])
    book = FakeBook.from_file(path)
    live = read_tracker(XlwingsRowSource(book))
    assert live.wording == load_tracker(path).wording == (
        ("findings.objectives", "Measure where each department stands."),
        ("findings.objectives", "Learn why, before acting."))
    message = buttons.findings(book=book)
    written = Path(book.fullname).parent / "reports" / "Findings_Report_2025-03-31.xlsx"
    assert message == f"Findings report written to {written}."
    cells = [c for row in openpyxl.load_workbook(written)["Findings"].iter_rows(values_only=True) for c in row
             if isinstance(c, str)]
    assert [c for c in cells if c.startswith("•  ")][:2] == [
        "•  Measure where each department stands.", "•  Learn why, before acting."]
    assert f"•  {OUR_OBJECTIVES[0]}" not in cells


# ------------------------------------------------------------------- the template


def test_the_template_lists_every_key_with_our_default_and_a_blank_wording(tmp_path):
    path = template.write_tracker(tmp_path / "Tracker.xlsx")
    ws = openpyxl.load_workbook(path)[contract.WORDING_SHEET]
    [table] = ws.tables.values()
    assert table.name == "tblWording"
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == ["Text", "Wording", "Default Wording", "Where It Appears"]
    listed = [r for r in rows[1:] if r[0]]
    assert list(dict.fromkeys(r[0] for r in listed)) == list(wording.keys())
    assert all(r[1] is None for r in rows[1:])
    assert tuple(r[2] for r in listed if r[0] == "findings.objectives") == OUR_OBJECTIVES
    assert [r[2] for r in listed if r[0] == "agenda.weekly.purpose"] == [OUR_WEEKLY_PURPOSE]
    tracker = load_tracker(path)
    assert (tracker.wording, tracker.errors) == ((), ())


def test_a_tracker_with_its_own_words_is_written_and_read_back_the_same(tmp_path):
    own = (("findings.objectives", "One."), ("findings.objectives", "Two."), ("findings.objectives", "Three."),
           ("findings.objectives", "Four."), ("findings.objectives", "Five, one more than ours."),
           ("agenda.monthly.title", "Month-end Review"))
    path = template.write_tracker(tmp_path / "Own.xlsx", replace(sample_tracker(), wording=own))
    tracker = load_tracker(path)
    assert tracker.issues == ()
    assert tracker.wording == own


# ------------------------------------------------------------- our own sentences


def _words(text: str) -> list[str]:
    """Lower-case words, punctuation dropped (apostrophes of either kind joined)."""
    return re.findall(r"[a-z0-9]+", re.sub(r"['’]", "", text.casefold()))


def _report_literals() -> list[tuple[str, str]]:
    """(where, text) of every string literal of saypro_xl/reports/*.py but docstrings.

    An f-string gives its fixed parts one by one: a run of words never spans a placeholder.
    """
    found = []
    for path in sorted((ROOT / "saypro_xl" / "reports").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip: set[int] = set()
        for node in ast.walk(tree):
            body = getattr(node, "body", None)
            if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and body \
                    and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                skip.add(id(body[0].value))
            if isinstance(node, ast.JoinedStr):
                skip.update(id(v) for v in node.values)
                found += [(f"{path.name}:{node.lineno}", v.value) for v in node.values
                          if isinstance(v, ast.Constant) and isinstance(v.value, str)]
        found += [(f"{path.name}:{node.lineno}", node.value) for node in ast.walk(tree)
                  if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip]
    return found


def _shipped_texts() -> list[tuple[str, str]]:
    ours = [(f"wording {t.key}", line) for t in wording.TEXTS for line in (*t.default, t.where)]
    return ours + _report_literals()


def _runs(documents: list[str]) -> set[tuple[str, ...]]:
    """Every run of RUN consecutive words of the documents."""
    runs = set()
    for document in documents:
        words = _words(document)
        runs.update(tuple(words[i:i + RUN]) for i in range(len(words) - RUN + 1))
    return runs


def _copies(texts: list[tuple[str, str]], runs: set[tuple[str, ...]]) -> list[str]:
    """One line per text that shares a run with the documents: where, the text, the first shared run."""
    copied = []
    for where, text in texts:
        words = _words(text)
        shared = [" ".join(words[i:i + RUN]) for i in range(len(words) - RUN + 1) if tuple(words[i:i + RUN]) in runs]
        if shared:
            copied.append(f'{where}: "{text}" shares "{shared[0]}" with a seed')
    return copied


def test_no_fixed_text_we_ship_copies_a_sentence_of_the_seeds():
    seeds = sorted(SEEDS.glob("*.txt")) if SEEDS.is_dir() else []
    if not seeds:
        pytest.skip("the organisation's seed documents (../shared/seeds) are not beside this checkout")
    runs = _runs([seed.read_text(encoding="utf-8") for seed in seeds])
    copied = _copies(_shipped_texts(), runs)
    assert copied == [], "reword these in our own words:\n" + "\n".join(copied)


def test_the_seed_check_catches_a_copy_whatever_its_case_and_punctuation():
    runs = _runs(["- Purpose: Ensure that all corrective actions are on track and are being executed as planned."])
    assert _copies([("x", "Ensure that ALL corrective actions are on-track, and so on")], runs) == [
        'x: "Ensure that ALL corrective actions are on-track, and so on" shares '
        '"ensure that all corrective actions are on" with a seed']
    # six shared words in a row are a shared fact or name, not a copied sentence
    assert _copies([("y", "We ensure that all corrective actions are owned.")], runs) == []
    assert _words("Leadership’s review") == _words("leaderships REVIEW") == ["leaderships", "review"]


# ------------------------------------------------------------------ floor and docs


def test_wording_sits_on_the_core_floor():
    tree = ast.parse((ROOT / "saypro_xl" / "wording.py").read_text(encoding="utf-8"))
    imported = {(node.level, node.module or "") for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {(0, a.name) for node in ast.walk(tree) if isinstance(node, ast.Import) for a in node.names}
    ours = {module for level, module in imported if level}
    assert ours <= {"model", "contract"}
    assert not {m for level, m in imported if not level and m.split(".")[0] in ("xlwings", "xlsxwriter", "saypro_xl")}


def test_docs_name_every_key_and_readme_links_them():
    doc = (ROOT / "docs" / "wording.md").read_text(encoding="utf-8")
    assert [k for k in wording.keys() if f"`{k}`" not in doc] == []
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/wording.md" in readme and "**Wording**" in readme
