"""A fuzzed reader: any workbook, of any shape and cell values, yields records plus validation
issues, or one clean sentence (TrackerFileError) — never another exception, never a hang.

Three generators, each bounded (max_examples, a deadline per example) so the file runs in a few
seconds in CI; raise FUZZ_EXAMPLES to search longer (`FUZZ_EXAMPLES=5000 pytest tests/test_fuzz_reader.py`).

- workbooks written XML by hand from random sheets, header rows, headers (respelled, duplicated,
  missing, foreign) and cells (text with any character, numbers with NaN and 1e309, booleans,
  date serials, error codes, formula-looking text), at random places and with implicit positions;
- random bytes changed, cut or added in a valid tracker, read in the child process as the CLI does;
- whatever reads also scores without raising, as `saypro-xl status` scores it.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import random
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from hostile_corpus import CONTROL_TEXT, FORMULA_LIKE

from saypro_xl import contract
from saypro_xl.model import Tracker
from saypro_xl.read import TrackerFileError, load_tracker
from saypro_xl.rules import score

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "0"))
FUZZ = settings(max_examples=EXAMPLES or 60, deadline=dt.timedelta(seconds=5),
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

SHEETS = [contract.SETTINGS_SHEET, *contract.INPUT_SHEETS, contract.PEOPLE_SHEET, contract.WORDING_SHEET]
HEADERS = {name: [c.header for c in columns] for name, columns in contract.INPUT_SHEETS.items()}
HEADERS[contract.SETTINGS_SHEET] = ["Setting", "Value"]
HEADERS[contract.PEOPLE_SHEET] = ["Name", "Role", "Department", "Email"]
HEADERS[contract.WORDING_SHEET] = ["Text", "Wording"]
CHOICES = ["Higher is better", "Lower is better", "Absolute", "% change from baseline", "Weekly", "Monthly",
           "In progress", "Done", "Blocked", "Yes", "No", "Pending", "People", "Process", "Owner",
           "Department Head", "Leadership", "K1", "K2", "C1", "A1", "15% increase", "+5 pp", "2-week reduction",
           "As Of Date", "Tolerance %", "Trend Periods", "28/02/2025", "2025-02-30", "31.03.2025", "1,234.5",
           " 75 ", "#N/A", "50 %", "lead@example.org", "a@b, c@d"]
ERRORS = ["#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!"]


def _xml_text(text: str) -> str:
    """Text as Excel stores it: XML-escaped, control characters as _xHHHH_."""
    text = text.replace("_x", "_x005F_x")
    text = "".join(f"_x{ord(ch):04X}_" if ord(ch) < 32 and ch not in "\t\n\r" or 0xD800 <= ord(ch) <= 0xDFFF
                   or ch in "\ufffe\uffff" else ch for ch in text)
    return escape(text)


junk = st.one_of(
    st.none(),
    st.text(max_size=40),
    st.sampled_from(CHOICES + list(FORMULA_LIKE) + [CONTROL_TEXT]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-10**12, 10**12),
    st.booleans(),
    st.sampled_from([f"serial:{n}" for n in (0, 1, 45000, 45716.5, 73050, 2958465, 2958466, -5)]),
    st.sampled_from([f"error:{e}" for e in ERRORS]),
    st.sampled_from(["raw:NaN", "raw:INF", "raw:-INF", "raw:1e309", "raw:"]),
)
# A number cell calamine cannot parse makes the whole sheet unreadable (one sentence): rare, so
# that most examples reach the reader's own checks.
unreadable = st.sampled_from(["raw:abc", "raw:1,5", "raw: 5 "])
IDS = {"KPI ID": ["K1", "K2", "K3", "k1", " K2 "], "Cause ID": ["C1", "C2"], "Action ID": ["A1", "A2", "A3"]}


def plausible(column) -> st.SearchStrategy:
    """Values a person might type in this column, mostly right."""
    if column.header in IDS:
        return st.sampled_from(IDS[column.header])
    if column.kind == "choice":
        return st.sampled_from(list(column.choices))
    if column.kind in ("number", "int"):
        return st.one_of(st.integers(-100, 200), st.floats(-1e6, 1e6),
                         st.sampled_from(["12", "1 234", "15% increase"]))
    if column.kind == "percent":
        return st.one_of(st.floats(0, 1), st.integers(0, 100), st.sampled_from(["50 %", "50%"]))
    if column.kind == "date":
        return st.one_of(st.integers(45000, 46000).map(lambda n: f"serial:{n}"),
                         st.sampled_from(["2025-02-28", "28/02/2025", "31/02/2025", "2025-13-01"]))
    if column.kind == "bool":
        return st.sampled_from(["Yes", "No", "yes", "Y"])
    return st.text(min_size=1, max_size=30)


def column_values(column) -> st.SearchStrategy:
    return st.integers(0, 5).flatmap(lambda n: junk if n == 0 else plausible(column))


COLUMNS = dict(contract.INPUT_SHEETS)
COLUMNS[contract.SETTINGS_SHEET] = (contract.Column("Setting", "choice", choices=tuple(contract.SETTINGS_DEFAULTS)),
                                   contract.Column("Value"))
COLUMNS[contract.PEOPLE_SHEET] = contract.PEOPLE
COLUMNS[contract.WORDING_SHEET] = (contract.Column("Text"), contract.Column("Wording"))


def _cell(ref: str | None, value: object) -> str:
    r = f' r="{ref}"' if ref else ""
    if value is None:
        return f'<c{r} s="1"/>'
    if isinstance(value, bool):
        return f'<c{r} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, float)):
        return f'<c{r} t="n"><v>{value!r}</v></c>'
    if value.startswith("serial:"):
        return f'<c{r} s="1"><v>{value[7:]}</v></c>'  # style 1 is a date format
    if value.startswith("error:"):
        return f'<c{r} t="e"><v>{escape(value[6:])}</v></c>'
    if value.startswith("raw:"):
        return f'<c{r} t="n"><v>{escape(value[4:])}</v></c>'
    return f'<c{r} t="inlineStr"><is><t xml:space="preserve">{_xml_text(value)}</t></is></c>'


@st.composite
def sheet_xml(draw, name: str) -> str:
    columns = list(COLUMNS.get(name, ()))
    foreign = [contract.Column(h) for h in ("Notes", "", "Total", "KPI ID")]
    chosen = draw(st.lists(st.sampled_from(columns + foreign), max_size=len(columns) + 3)
                  if draw(st.integers(0, 3)) == 0 else st.permutations(columns))
    respell = draw(st.sampled_from([str, str.upper, str.lower, lambda h: f"  {h} ", lambda h: h.replace(" ", "  ")]))
    header_row = draw(st.sampled_from([0, 0, 0, 1, 2, 9, 10, 12]))
    first_col = draw(st.integers(0, 3))
    rows = [[None] * first_col + [respell(c.header) for c in chosen]]
    for _ in range(draw(st.integers(0, 8))):
        rows.append([None] * first_col + [draw(column_values(c)) for c in chosen]
                    + draw(st.lists(junk, max_size=2)))
    if len(rows) > 1 and draw(st.integers(0, 39)) == 0:  # one cell calamine cannot parse, now and then
        row = draw(st.integers(1, len(rows) - 1))
        rows[row].append(draw(unreadable))
    parts = []
    implicit = draw(st.integers(0, 4)) == 0
    for r, row in enumerate(rows, start=header_row + 1 + draw(st.integers(0, 2))):
        cells = []
        for c, value in enumerate(row):
            if value is None and not draw(st.booleans()):
                continue
            ref = None if implicit and c == len(cells) else f"{_letters(c)}{r}"
            cells.append(_cell(ref, value))
        parts.append(f'<row r="{r}">{"".join(cells)}</row>')
    return ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            + "".join(parts) + "</sheetData></worksheet>")


def _letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@st.composite
def workbooks(draw) -> bytes:
    names = draw(st.one_of(st.just(list(SHEETS)), st.permutations(SHEETS),
                           st.lists(st.sampled_from(SHEETS), unique=True, max_size=len(SHEETS))))
    titles = [draw(st.sampled_from([n, n, n, n.upper(), f" {n} ", n.lower()])) for n in names]
    titles += draw(st.lists(st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=12)
                            .filter(lambda t: not set(t) & set("[]:*?/\\")), max_size=2))
    seen, sheets = set(), []
    for i, title in enumerate(titles):
        if title.casefold() in seen:
            continue
        seen.add(title.casefold())
        name = names[i] if i < len(names) else "Extra"
        state = draw(st.sampled_from(["visible", "visible", "hidden", "veryHidden"]))
        sheets.append((title, state, draw(sheet_xml(name))))
    return _package(sheets)


def _package(sheets: list[tuple[str, str, str]]) -> bytes:
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ' \
         'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    overrides = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
                        f'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                        for i in range(1, len(sheets) + 1))
    members = {
        "[Content_Types].xml": '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                               '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
                               'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
                               '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
                               'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/styles.xml" '
                               'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+'
                               f'xml"/>{overrides}</Types>',
        "_rels/.rels": '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                       '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                       'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f"<workbook {ns}><sheets>" + "".join(
            f"<sheet name={quoteattr(title)} sheetId=\"{i}\" state=\"{state}\" r:id=\"rId{i}\"/>"
            for i, (title, state, _) in enumerate(sheets, start=1)) + "</sheets></workbook>",
        "xl/_rels/workbook.xml.rels": '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                                      'relationships">' + "".join(
            f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            f'worksheet" Target="worksheets/sheet{i}.xml"/>' for i in range(1, len(sheets) + 1))
            + '<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
              'styles" Target="styles.xml"/></Relationships>',
        "xl/styles.xml": '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                         '<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs>'
                         "</styleSheet>",
    }
    for i, (_, _, xml) in enumerate(sheets, start=1):
        members[f"xl/worksheets/sheet{i}.xml"] = xml
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in members.items():
            archive.writestr(name, text.encode("utf-8"))
    return buffer.getvalue()


def read_or_refuse(path: Path, isolated: bool) -> Tracker | None:
    """The reader's whole contract: a Tracker, or TrackerFileError with one sentence naming the file."""
    try:
        tracker = load_tracker(path, isolated=isolated)
    except TrackerFileError as exc:
        sentence = str(exc)
        assert path.name in sentence and "\n" not in sentence and sentence.endswith("."), sentence
        event(f"refused: {sentence.split(path.name, 1)[1][:30]}")
        return None
    event(f"read: {'errors' if tracker.errors else 'no errors'}, {'some' if tracker.objectives else 'no'} KPIs")
    for issue in tracker.issues:
        assert issue.message and "\n" not in issue.message, issue
        assert issue.sheet, issue
    return tracker


@FUZZ
@given(data=workbooks())
def test_any_workbook_reads_into_records_and_issues_or_one_sentence(tmp_path, data):
    path = tmp_path / "fuzzed.xlsx"
    path.write_bytes(data)
    tracker = read_or_refuse(path, isolated=False)
    if tracker is not None:  # what reads also scores, errors or not, as `saypro-xl status` does
        card = score(tracker, dt.date(2025, 6, 30))
        assert len(card.kpis) == len(tracker.objectives) and len(card.actions) == len(tracker.actions)


@pytest.fixture(scope="module")
def valid_tracker(tmp_path_factory) -> bytes:
    """The sample tracker as our template writes it: with Home, Dashboard and Lists, sheets the
    reader never opens, whose damage must not matter either."""
    from saypro_xl.sample import sample_tracker
    from saypro_xl.template import write_tracker

    return write_tracker(tmp_path_factory.mktemp("fuzz") / "T.xlsx", sample_tracker()).read_bytes()


@settings(FUZZ, max_examples=EXAMPLES or 30)
@given(seed=st.integers(0, 2**32 - 1), how=st.sampled_from(["flip", "cut", "insert", "zero"]))
def test_damaged_bytes_read_in_the_child_give_records_or_one_sentence(tmp_path, valid_tracker, seed, how):
    rnd = random.Random(seed)
    data = bytearray(valid_tracker)
    if how == "flip":
        for _ in range(rnd.randint(1, 12)):
            data[rnd.randrange(len(data))] ^= 1 << rnd.randrange(8)
    elif how == "cut":
        del data[rnd.randrange(len(data)):]
    elif how == "insert":
        at = rnd.randrange(len(data))
        data[at:at] = rnd.randbytes(rnd.randint(1, 64))
    else:
        at = rnd.randrange(len(data))
        data[at:at + rnd.randint(1, 256)] = bytes(min(256, len(data) - at))
    path = tmp_path / "damaged.xlsx"
    path.write_bytes(bytes(data))
    tracker = read_or_refuse(path, isolated=True)  # asserts the reader's contract inside
    assert tracker is None or all(i.sheet for i in tracker.issues)


def test_the_generator_makes_trackers_the_reader_accepts(tmp_path):
    """The workbooks above are real workbooks: one built with every sheet in order reads cleanly."""
    sheets = [(name, "visible", "") for name in SHEETS]
    rows = {
        contract.OBJECTIVES_SHEET: [["KPI ID", "Department", "KPI", "Unit", "Direction", "Baseline", "Target Type",
                                     "Target Value", "Frequency", "Owner"],
                                    ["K1", "Sales", "Leads", "%", "Higher is better", 50, "Absolute", 80, "Monthly",
                                     "Ana"]],
        contract.ACTUALS_SHEET: [["KPI ID", "Period End", "Actual"], ["K1", "serial:45716", 70]],
        contract.ACTIONS_SHEET: [HEADERS[contract.ACTIONS_SHEET][:3]],
    }
    built = []
    for name, state, _ in sheets:
        body = "".join(f'<row r="{r}">' + "".join(_cell(f"{_letters(c)}{r}", v) for c, v in enumerate(row))
                       + "</row>" for r, row in enumerate(rows.get(name, []), start=1))
        built.append((name, state, '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                                   f"<sheetData>{body}</sheetData></worksheet>"))
    path = tmp_path / "built.xlsx"
    path.write_bytes(_package(built))
    tracker = load_tracker(path)
    assert [(o.kpi_id, o.target_value) for o in tracker.objectives] == [("K1", 80.0)]
    assert [(a.kpi_id, a.period_end, a.actual) for a in tracker.actuals] == [("K1", dt.date(2025, 2, 28), 70.0)]
