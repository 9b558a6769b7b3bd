"""Checks on a workbook file before any parser touches it, and a parse that cannot take the process down.

Trackers arrive by email and shared drives, so a file is untrusted until these checks pass.
python-calamine (Rust) is fast and safe against most damage, but two things it cannot survive
or refuse on its own:

- a sheet whose cells span a huge grid (one value at A1 and one at XFD1048576, as Excel can
  write when a whole sheet was formatted or a stray value sits far away): calamine allocates the
  whole grid at once and the process ABORTS — no exception, no cleanup;
- a decompression bomb: a few MB of zip that inflate to GBs (a sharedStrings part of 1.5 GB is
  read in full, slowly, into memory).

So, in this order, on the bytes already in memory (the file is read once and never written):

1. the zip's central directory: file size, member count, each member's declared inflated size
   and compression ratio, their total, compression methods Excel writes (stored, deflate);
2. every XML part the parser reads at open (workbook, relationships, shared strings, styles...)
   is inflated by us, counting the bytes that really come out (a central directory can lie),
   stopping at the first limit crossed; a DOCTYPE (the only home of entity declarations) is
   refused — Excel never writes one;
3. each sheet, just before it is parsed: its part is inflated the same way and the cell
   references are scanned (never parsed into a tree) for the grid it spans from A1, which is
   what calamine allocates; over MAX_SHEET_CELLS is refused, naming the far corner.

`parse_isolated` then runs calamine in a child Python process with a memory limit (POSIX) and
a timeout, so anything the checks above do not foresee ends as one sentence, not a dead process.

Limits are set from what real trackers need: the benchmark tracker of 100 departments x 50 KPIs
x 52 weekly actuals (260,000 actuals, 20,000 actions, 40,000 updates, written by our template) is
a 10.6 MB file inflating to 183 MB, its largest part 97 MB at a ratio of 39, its largest sheet
1.3 million cells; it reads in about 4 s. Every limit sits at least five times above it
(docs/SECURITY.md has the numbers and the tests that prove each guard).

This module imports nothing of ours; the child process runs parse_child.py, which imports only
python-calamine and the standard library, so it starts in a few hundredths of a second.
"""

from __future__ import annotations

import gc
import html
import io
import json
import os
import pickle
import re
import struct
import subprocess
import sys
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import Iterable, Iterator

MiB = 1024 * 1024
GiB = 1024 * MiB

MAX_FILE_BYTES = 256 * MiB  # the .xlsx on disk (benchmark: 10.6 MB)
MAX_MEMBERS = 10_000  # parts in the zip (benchmark: 49)
MAX_MEMBER_BYTES = 768 * MiB  # one part, inflated (benchmark: 121 MB, the Actuals sheet with its Sort Key)
MAX_TOTAL_BYTES = 1536 * MiB  # all parts, inflated (benchmark: 242 MB with the hidden helper columns)
MAX_RATIO = 250  # inflated / compressed of one part (benchmark: 39; deflate's own ceiling ~1030)
RATIO_FROM_BYTES = 16 * MiB  # small parts may compress any amount: 1 KB of blanks harms no one
MAX_SHEET_CELLS = 16 * MiB  # rows x columns from A1 of one sheet read (benchmark: 1.3 million)
PARSE_TIMEOUT_SECONDS = 120  # the child parse (benchmark: about 3 s of parsing)
PARSE_MEMORY_BYTES = 4 * GiB  # address space of the child parse (benchmark: under 1 GB)

EXCEL_COMPRESSION = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}
_XML_SUFFIXES = (".xml", ".rels", ".vml")
_IN_CHUNK = 256 * 1024  # compressed bytes fed to zlib at a time
_OUT_CHUNK = 4 * MiB  # inflated bytes produced at a time
_PROLOG_BYTES = 64 * 1024  # how far the root element may sit from the start of a part

FIX_EXTENT = ("delete the rows and columns beyond your data (select them, right-click > Delete), "
              "save it and try again")
FIX_SIZE = ("remove pictures, pasted objects and sheets the tracker does not need, or split it by "
            "department, and try again")
FIX_RESAVE = "open it in Excel, save a fresh copy (File > Save As > Excel Workbook) and try again"
FIX_SENDER = ("it is not a workbook as Excel saves one, so ask its sender for a copy saved from Excel "
              "(File > Save As > Excel Workbook)")


class RefusedWorkbook(Exception):
    """The file is refused before parsing; the text is one sentence naming it and the fix."""


class DamagedPackage(Exception):
    """The zip container itself cannot be read; read.py words it as it words any damaged file."""


def _mb(count: int) -> str:
    return f"{count / MiB:,.0f} MB" if count >= MiB else f"{count:,} bytes"


# ------------------------------------------------------------------ the package


@dataclass
class Package:
    """A workbook zip that passed the checks of open_package; sheets are checked one by one."""

    name: str
    data: bytes
    members: dict[str, zipfile.ZipInfo]
    sheet_parts: dict[str, str] = field(default_factory=dict)  # sheet name -> part, per workbook.xml
    _checked: set[str] = field(default_factory=set)
    error_parts: set[str] = field(default_factory=set)  # checked sheets holding error cells (t="e")
    scanned: set[str] = field(default_factory=set)  # sheet parts check_sheet read whole (error_parts among them)
    unique_names: bool = True  # no part name twice in the zip (readers differ on which one they take)

    def label(self, part: str) -> str:
        """How a message names a part: 'sheet "Actuals"', the shared text, or the part's path."""
        for title, sheet_part in self.sheet_parts.items():
            if sheet_part == part:
                return f'sheet "{title}"'
        if part == "xl/sharedStrings.xml":
            return "the shared text of its cells (xl/sharedStrings.xml)"
        return f"part {part}"

    def check_sheet(self, title: str) -> None:
        """Refuse the sheet `title` before calamine parses it (see the module docstring, step 3).

        A name not found in workbook.xml (a spelling calamine decodes differently) checks every
        worksheet part: never less safe than knowing which one it is.
        """
        if title in self._checked:
            return
        part = self.sheet_parts.get(title)
        parts = [part] if part in self.members else sorted(
            set(self.sheet_parts.values()) & set(self.members) | _worksheet_parts(self.members))
        for one in parts:
            extent = sheet_extent(_inflated(self, self.members[one]))
            if extent.errors:
                self.error_parts.add(one)
            if not extent.stopped:
                self.scanned.add(one)
            if extent.cells > MAX_SHEET_CELLS:
                corner = f"{_column_letters(extent.columns)}{extent.rows}"
                raise RefusedWorkbook(
                    f"{self.name}: {self.label(one)} holds values{' at least' if extent.stopped else ''} as "
                    f"far as {corner}, a grid of {extent.cells:,} cells from A1, "
                    f"more than the {MAX_SHEET_CELLS:,} saypro-xl reads in one sheet; {FIX_EXTENT}."
                )
        self._checked.add(title)

    def without_errors(self, part: str) -> bool:
        """True when `part` is a sheet part that check_sheet read whole and found no error cell
        (t="e") in, and no other part has its name: no reader can find an error value there."""
        return self.unique_names and part in self.scanned and part not in self.error_parts


def open_package(data: bytes, name: str) -> Package:
    """Steps 1 and 2 of the module docstring; the Package, or RefusedWorkbook / DamagedPackage."""
    if len(data) > MAX_FILE_BYTES:
        raise RefusedWorkbook(
            f"{name} is {_mb(len(data))}, more than the {_mb(MAX_FILE_BYTES)} saypro-xl reads; {FIX_SIZE}."
        )
    try:
        infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, OSError,
            NotImplementedError, struct.error) as exc:
        raise DamagedPackage(str(exc)) from None
    if len(infos) > MAX_MEMBERS:
        raise RefusedWorkbook(
            f"{name} holds {len(infos):,} parts, more than the {MAX_MEMBERS:,} saypro-xl reads; {FIX_SENDER}."
        )
    members: dict[str, zipfile.ZipInfo] = {}
    for info in infos:
        members.setdefault(info.filename, info)  # a name twice: readers take the first
    package = Package(name, data, members, unique_names=len(members) == len(infos))
    for part in _WORKBOOK_PARTS:  # first, so that later sentences can name sheets
        if part in members:
            _check_declared(package, members[part])
    package.sheet_parts = _sheet_parts(package)
    declared_total = 0
    for info in infos:
        _check_declared(package, info)
        declared_total += info.file_size
    if declared_total > MAX_TOTAL_BYTES:
        raise RefusedWorkbook(_too_big_total(name, declared_total))
    worksheets = _worksheet_parts(members) | set(package.sheet_parts.values())
    inflated_total = 0
    for info in members.values():
        if info.filename in worksheets or not info.filename.lower().endswith(_XML_SUFFIXES):
            continue  # sheets are checked when read; pictures and the like are never parsed
        for chunk in _inflated(package, info):
            inflated_total += len(chunk)
            if inflated_total > MAX_TOTAL_BYTES:
                raise RefusedWorkbook(_too_big_total(name, inflated_total))
    return package


def _check_declared(package: Package, info: zipfile.ZipInfo) -> None:
    name, what = package.name, package.label(info.filename)
    if info.flag_bits & 0x1:
        raise RefusedWorkbook(f"{name}: {what} is zip-encrypted, which Excel never does; {FIX_SENDER}.")
    if info.compress_type not in EXCEL_COMPRESSION:
        raise RefusedWorkbook(f"{name}: {what} uses zip compression method {info.compress_type}, which "
                              f"Excel never writes; {FIX_SENDER}.")
    if info.file_size > RATIO_FROM_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        raise RefusedWorkbook(_bomb(package, info.filename, info.file_size, info.compress_size))
    if info.file_size > MAX_MEMBER_BYTES:
        raise RefusedWorkbook(_too_big_part(package, info.filename, info.file_size))


def _too_big_part(package: Package, part: str, size: int) -> str:
    return (f"{package.name}: {package.label(part)} inflates to {_mb(size)} or more, more than the "
            f"{_mb(MAX_MEMBER_BYTES)} saypro-xl reads in one part; {FIX_SIZE}.")


def _too_big_total(name: str, size: int) -> str:
    return (f"{name} inflates to {_mb(size)} or more, more than the {_mb(MAX_TOTAL_BYTES)} saypro-xl "
            f"reads; {FIX_SIZE}.")


def _bomb(package: Package, part: str, inflated: int, compressed: int) -> str:
    ratio = inflated // max(compressed, 1)
    return (f"{package.name}: {package.label(part)} inflates to {_mb(inflated)} or more from "
            f"{_mb(compressed)}, {ratio:,} to 1 where Excel's own files stay below {MAX_RATIO} to 1: a "
            f"decompression bomb, so it is not read; {FIX_SENDER}.")


def _inflated(package: Package, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """The part's bytes as they really inflate, in chunks, stopped at the first limit crossed.

    Our own inflater on the raw stream, not zipfile's (which stops at the declared size) nor the
    parser's (which may not stop at all): what is counted is what a parser would get. The prolog
    of an XML part is checked for a DOCTYPE on the way.
    """
    part, data = info.filename, package.data
    header = data[info.header_offset:info.header_offset + 30]
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        raise DamagedPackage(f"no local header for {part}")
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    start = info.header_offset + 30 + name_len + extra_len
    raw = memoryview(data)[start:start + info.compress_size]
    is_xml = part.lower().endswith(_XML_SUFFIXES)
    head: bytes | None = b""
    produced = 0

    def checked(chunk: bytes, consumed: int) -> bytes:
        nonlocal produced, head
        produced += len(chunk)
        if produced > RATIO_FROM_BYTES and produced > MAX_RATIO * max(consumed, 1):
            raise RefusedWorkbook(_bomb(package, part, produced, consumed))
        if produced > MAX_MEMBER_BYTES:
            raise RefusedWorkbook(_too_big_part(package, part, produced))
        if is_xml and head is not None:
            head += chunk[:_PROLOG_BYTES]
            if len(head) >= _PROLOG_BYTES:
                _check_prolog(package, part, head)
                head = None
        return chunk

    if info.compress_type == zipfile.ZIP_STORED:
        for at in range(0, len(raw), _OUT_CHUNK):
            yield checked(bytes(raw[at:at + _OUT_CHUNK]), at + _OUT_CHUNK)
    else:
        inflater = zlib.decompressobj(-15)
        at = 0
        pending = b""
        try:
            while not inflater.eof:
                if not pending and at < len(raw):
                    pending = raw[at:at + _IN_CHUNK]
                    at += len(pending)
                # max_length bounds every step, the last one too (flush() would not be bounded).
                chunk = inflater.decompress(pending, _OUT_CHUNK)
                pending = inflater.unconsumed_tail
                if chunk:
                    yield checked(chunk, at - len(pending))
                elif not pending and at >= len(raw):
                    break  # the stream ended without its final block: the parser will say so
        except zlib.error as exc:
            raise DamagedPackage(f"{part}: {exc}") from None
    if is_xml and head is not None:
        _check_prolog(package, part, head)


_ELEMENT_START = re.compile(rb"<[A-Za-z_]")


def _check_prolog(package: Package, part: str, head: bytes) -> None:
    """Refuse a DOCTYPE (and with it every entity declaration) before the root element."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with a byte-order mark
        head = head.decode("utf-16", "replace").encode("utf-8", "replace")
    elif head[:4] in (b"<\x00?\x00", b"\x00<\x00?"):  # UTF-16 without one
        codec = "utf-16-le" if head[0] == 0x3C else "utf-16-be"
        head = head.decode(codec, "replace").encode("utf-8", "replace")
    root = _ELEMENT_START.search(head)
    prolog = (head[:root.start()] if root else head).upper()
    if b"<!DOCTYPE" in prolog or b"<!ENTITY" in prolog:
        raise RefusedWorkbook(
            f"{package.name}: {package.label(part)} declares a DOCTYPE or XML entities, which Excel never "
            f"writes and which can expand to gigabytes, so it is not read; {FIX_SENDER}."
        )


# ------------------------------------------------------------------ sheets


_REL_TAG = re.compile(rb"<(?:[\w.-]+:)?Relationship\b[^>]*>")
_SHEET_TAG = re.compile(rb"<(?:[\w.-]+:)?sheet\b[^>]*>")
_ATTR = re.compile(rb'([\w:.-]+)\s*=\s*(?:"([^"]*)"|\'([^\']*)\')')


def _attrs(tag: bytes) -> dict[str, str]:
    return {key.decode("utf-8", "replace").split(":")[-1]: html.unescape((a or b).decode("utf-8", "replace"))
            for key, a, b in _ATTR.findall(tag)}


_WORKBOOK_PARTS = ("xl/workbook.xml", "xl/_rels/workbook.xml.rels")


def _read_small(package: Package, part: str) -> bytes:
    info = package.members.get(part)
    return b"".join(_inflated(package, info)) if info else b""


def _worksheet_parts(members: dict[str, zipfile.ZipInfo]) -> set[str]:
    return {n for n in members if n.startswith("xl/worksheets/") and n.endswith(".xml")}


def _sheet_parts(package: Package) -> dict[str, str]:
    """Sheet name -> worksheet part, as workbook.xml and its relationships say (both checked already)."""
    workbook = _read_small(package, "xl/workbook.xml")
    rels = _read_small(package, "xl/_rels/workbook.xml.rels")
    targets = {}
    for tag in _REL_TAG.finditer(rels):
        attrs = _attrs(tag.group(0))
        target = attrs.get("Target", "")
        targets[attrs.get("Id", "")] = target.lstrip("/") if target.startswith("/") else resolved_target("xl", target)
    parts = {}
    for tag in _SHEET_TAG.finditer(workbook):
        attrs = _attrs(tag.group(0))
        if attrs.get("id") in targets:
            parts.setdefault(attrs.get("name", ""), targets[attrs["id"]])
    return parts


def resolved_target(folder: str, target: str) -> str:
    """A relationship target relative to `folder`, as a path inside the zip (shared with read.py)."""
    parts = folder.split("/")
    for piece in target.split("/"):
        if piece == "..":
            parts = parts[:-1]
        elif piece not in ("", "."):
            parts.append(piece)
    return "/".join(parts)


# The cells calamine places: <c> with an explicit r="B7", or without one (the next column of the
# current row). Only cells with content count (a self-closing <c .../> is a formatted blank).
# Excel, openpyxl, xlsxwriter and LibreOffice write every cell as <c r="B7" ...>: a fast path
# with a few C-speed regex passes per chunk; anything else is walked tag by tag.
_CANON = rb'<c r="[A-Z]{1,3}[0-9]{1,7}"'
_NOT_CANON = re.compile(rb'<c(?:[\t\n\r/>]| (?!r="[A-Z]{1,3}[0-9]{1,7}"))')
_PREFIXED_CELL = re.compile(rb':c[\s/>]')  # <x:c ...>: two patterns, each with a literal start, scan fastest
_CANON_LETTERS = re.compile(rb'<c r="([A-Z]{1,3})[0-9]')
_CANON_ROWS = re.compile(rb'<c r="[A-Z]{1,3}([0-9]{1,7})"')
_CANON_CELL = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"')
_ERROR_TYPE = re.compile(rb"""t=["']e["']""")  # t="e" or t='e': one pass, faster than two `in`s
_ROW_NUMBER = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?row\s+r="[0-9]+"')
_ANY_TAG = re.compile(rb"<(/?)(?:[A-Za-z_][\w.-]*:)?(row|c)(?=[\s/>])([^>]*)>")
_R_ATTR = re.compile(rb'(?:^|\s)r\s*=\s*(?:"([^"]*)"|\'([^\']*)\')')
_REF = re.compile(rb"^\s*([A-Za-z]*)\s*([0-9]*)\s*$")


def _greater(text: str, low: str, high: str, lead: bytes) -> bytes:
    """A regex matching exactly the numerals over the characters low..high that count above `text`
    (a canonical numeral): longer ones, whose first character `lead` matches, or as long ones with
    a greater character where they first differ."""
    every = f"[{low}-{high}]".encode()
    alternatives = [lead + every + b"{%d,}" % len(text)]
    for i, character in enumerate(text):
        if character != high:
            rest = len(text) - i - 1
            alternatives.append(text[:i].encode() + f"[{chr(ord(character) + 1)}-{high}]".encode()
                                + (every + b"{%d}" % rest if rest else b""))
    return b"|".join(alternatives)


def _above(number: int) -> bytes:
    """A regex matching exactly the decimal numbers (no leading zero) greater than `number`."""
    return _greater(str(number), "0", "9", rb"[1-9]")


def _letters_above(number: int) -> bytes:
    """A regex matching exactly the column letters (A-Z, no more than _NOT_CANON lets through)
    of the columns after column `number` (1-based; 0 matches every column)."""
    return _greater(_column_letters(number) if number > 0 else "", "A", "Z", rb"[A-Z]")


def _number(digits: bytes) -> int:
    return int(digits) if len(digits) <= 12 else 10 ** 12  # beyond any sheet: refused


def _column_number(letters: bytes) -> int:
    if len(letters) > 8:
        return 10 ** 12  # beyond any sheet: refused
    number = 0
    for ch in letters.upper():
        number = number * 26 + ch - 64
    return number


def _column_letters(number: int) -> str:
    letters = ""
    while number > 0:
        number, rem = divmod(number - 1, 26)
        letters = chr(65 + rem) + letters
    return letters or "A"


class _Extent:
    """The far corner (rows, columns, 1-based from A1) of the cells with content, chunk by chunk."""

    def __init__(self) -> None:
        self.rows = self.columns = 0
        self.stopped = False  # reading stopped once the grid was already too big
        self.errors = False  # holds error cells (t="e"), whose codes calamine may not know
        self._row = self._column = 0  # the position of the last row / cell seen

    @property
    def cells(self) -> int:
        return self.rows * self.columns

    def feed(self, text: bytes, start: int = 0, end: int | None = None) -> None:
        """Take in text[start:end] (bounds, not a slice: a chunk is megabytes)."""
        end = len(text) if end is None else end
        self.errors = self.errors or _ERROR_TYPE.search(text, start, end) is not None
        if _NOT_CANON.search(text, start, end) or _PREFIXED_CELL.search(text, start, end):
            self._walk(text[start:end])
            return
        tail = text.rfind(b'<c r="', start, end)  # each one canonical here (_NOT_CANON found no other)
        if tail < 0:  # no cell at all (formatted empty rows, say): only where the rows got to
            last = max(text.rfind(b"<row", start, end), text.rfind(b":row", start, end))
            if last >= 0:
                self._walk(text[last:end] if _ROW_NUMBER.match(text, last, end) else text[start:end])
            return
        cell = _CANON_CELL.match(text, tail, end)
        columns = max(self.columns, _column_number(cell.group(1)))
        last = int(cell.group(2))  # rows ascend: the last cell's is the most
        self._walk(text[tail:end])  # where the chunk leaves the position, for implicit cells to come
        # Two passes with no match as a rule (each faster than listing the chunk's cells): a cell
        # right of the columns so far, a cell below the last one's row (rows out of order).
        if re.compile(rb'<c r="(?:' + _letters_above(columns) + rb')[0-9]').search(text, start, end):
            columns = max(columns, max(map(_column_number, set(_CANON_LETTERS.findall(text, start, end)))))
        if re.compile(rb'<c r="[A-Z]{1,3}+0*(?:' + _above(last) + rb')"').search(text, start, end):  # B030 is row 30
            last = max(map(int, set(_CANON_ROWS.findall(text, start, end))))
        self.columns = columns
        self.rows = max(self.rows, last)

    def _walk(self, text: bytes) -> None:
        for closing, kind, attrs in _ANY_TAG.findall(text):
            if closing:
                continue
            ref = _R_ATTR.search(attrs)
            value = (ref.group(1) if ref.group(1) is not None else ref.group(2)) if ref else None
            parts = _REF.match(value) if value is not None else None
            if kind == b"row":
                self._row = _number(parts.group(2)) if parts and parts.group(2) else self._row + 1
                self._column = 0
                continue
            if parts and parts.group(1):
                self._column = _column_number(parts.group(1))
                if parts.group(2):
                    self._row = _number(parts.group(2))
            else:
                self._column += 1
            if attrs.rstrip().endswith(b"/"):
                continue  # a formatted blank: calamine leaves it out
            self.rows = max(self.rows, self._row or 1)
            self.columns = max(self.columns, self._column)


def sheet_extent(chunks: Iterable[bytes]) -> _Extent:
    """The far corner from A1 of the cells with content in a worksheet part's chunks.

    Stops reading (extent.stopped) as soon as the grid passes MAX_SHEET_CELLS.
    """
    extent = _Extent()
    carry = b""
    chunks = iter(chunks)
    for chunk in chunks:
        text = carry + chunk
        cut = text.rfind(b"<")
        if cut < 0:  # all text content: no tag can start in it
            carry = b""
            continue
        if len(text) - cut > 1 * MiB:  # a tag a megabyte long is no cell: read it as it stands
            cut = len(text)
            extent.errors = True  # a t="e" may now straddle two pieces: count it as there
        extent.feed(text, 0, cut)  # text[:cut], not copied out
        carry = text[cut:]
        if extent.cells > MAX_SHEET_CELLS:
            extent.stopped = b"<c" in carry or next(chunks, None) is not None  # more may follow
            return extent
    if carry:
        extent.feed(carry)
    return extent


# ------------------------------------------------------------------ error codes calamine refuses


# calamine reads these error values (as empty text; read.py puts the codes back from the XML).
# Any other — Excel 365's #SPILL!, #CALC!, #FIELD!... — makes it refuse the whole sheet.
CALAMINE_ERRORS = frozenset({"#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!"})
_ERROR_VALUE = re.compile(rb'(\bt\s*=\s*["\']e["\'][^>]*>\s*'  # an error cell, then perhaps its formula
                          rb"(?:<(?:[\w.-]+:)?f\b[^>]*?(?:/>|>[^<]*</(?:[\w.-]+:)?f>)\s*)?"
                          rb"<((?:[\w.-]+:)?)v>)([^<]*)(</\2v>)")


def calamine_compatible(package: Package) -> bytes:
    """The package's bytes with every error value calamine does not know (#SPILL!, #CALC!...)
    written as #N/A in the sheets checked so far, so that a sheet Excel 365 saved still reads.
    The codes themselves are read from the original bytes (read.py), so nothing is lost.
    The bytes unchanged when no sheet needs it, as almost always.
    """
    changed = {}
    for part in sorted(package.error_parts):
        xml = b"".join(_inflated(package, package.members[part]))
        fixed = _ERROR_VALUE.sub(lambda m: m.group(0) if m.group(3).decode("utf-8", "replace").strip()
                                 in CALAMINE_ERRORS else m.group(1) + b"#N/A" + m.group(4), xml)
        if fixed != xml:
            changed[part] = fixed
    if not changed:
        return package.data
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package.data)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as target:
        for name, info in package.members.items():
            data = changed.get(name)
            if data is None:
                data = b"".join(_inflated(package, info))
            target.writestr(zipfile.ZipInfo(name, info.date_time), data, zipfile.ZIP_DEFLATED)
    return out.getvalue()


# ------------------------------------------------------------------ the isolated parse


@dataclass(frozen=True)
class Parsed:
    """What the child process read: the workbook's sheet names and the grids asked for (an empty
    cell is None in them, not calamine's "")."""

    names: list[str]
    grids: dict[str, list[list[object]]]


class ParseFailed(Exception):
    """The child could not parse: `kind` is open, sheet, memory, timeout or crash."""

    def __init__(self, kind: str, detail: str = "", sheet: str = ""):
        super().__init__(detail or kind)
        self.kind, self.detail, self.sheet = kind, detail, sheet


def can_isolate() -> bool:
    """A child Python can be started (not inside a frozen app or an interpreter without one)."""
    return bool(sys.executable) and not getattr(sys, "frozen", False)


_CHILD_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "parse_child.py")
_CHILD_UNAVAILABLE, _CHILD_OUT_OF_MEMORY = 5, 3  # exit codes of parse_child.py


def parse_isolated(data: bytes, titles: Iterable[str], timeout: float | None = None,
                   memory: int | None = None) -> Parsed | None:
    """Parse `data` with calamine in a child process: sheet names and the grids of `titles`.

    None when no child can run here (the caller parses in-process, still behind the checks).
    Raises ParseFailed when the child fails, runs out of memory, or passes the timeout.
    """
    if not can_isolate():
        return None
    timeout = PARSE_TIMEOUT_SECONDS if timeout is None else timeout
    memory = PARSE_MEMORY_BYTES if memory is None else memory
    command = [sys.executable, "-P", _CHILD_SCRIPT, json.dumps(list(titles)), str(memory)]
    env = {**os.environ, "RUST_BACKTRACE": "0", "PYTHONDONTWRITEBYTECODE": "1"}
    try:
        done = subprocess.run(command, input=data, capture_output=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        raise ParseFailed("timeout") from None
    except OSError:
        return None
    if done.returncode == _CHILD_UNAVAILABLE:
        return None
    if done.returncode != 0:
        text = done.stderr.decode("utf-8", "replace")
        if done.returncode == _CHILD_OUT_OF_MEMORY or "memory allocation" in text or "MemoryError" in text:
            raise ParseFailed("memory")
        how = f"signal {-done.returncode}" if done.returncode < 0 else f"exit code {done.returncode}"
        raise ParseFailed("crash", how)
    # Every row arrives at once and none is garbage or in a cycle: the collector would only walk
    # them (about half the time of the load). Paused for the load alone and restored as it was.
    enabled = gc.isenabled()
    gc.disable()
    try:
        answer = pickle.loads(done.stdout)
    finally:
        if enabled:
            gc.enable()
    if "error" in answer:
        raise ParseFailed(answer["error"], answer.get("detail", ""), answer.get("sheet", ""))
    return Parsed(answer["names"], answer["grids"])


def failure_sentence(name: str, failed: ParseFailed) -> str:
    """One sentence for a child parse that ran out of memory or time, or died."""
    if failed.kind == "memory":
        return (f"{name} needs more than the {_mb(PARSE_MEMORY_BYTES)} of memory saypro-xl gives one "
                f"workbook, so it was not read; {FIX_SIZE}.")
    if failed.kind == "timeout":
        return f"{name} took longer than {PARSE_TIMEOUT_SECONDS:g} s to read, so it was stopped; {FIX_SIZE}."
    return f"{name} could not be read: the workbook reader stopped ({failed.detail}); {FIX_RESAVE}."
