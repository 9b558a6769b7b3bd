"""Read a tracker workbook into typed records and validation issues.

Two steps, two parts of this module:

1. A *row source* hands over each sheet as a grid of plain values (row 0 = Excel
   row 1, column 0 = column A). `FileRowSource` reads a file with python-calamine;
   the Excel door hands live rows from xlwings through the same `RowSource` shape.
2. `read_tracker(source)` finds the contract's sheets and columns by header, turns
   rows into records, and reports every problem as an `Issue` naming the cell and
   the fix. A row whose required field is unusable is left out of the records
   (and reported); an unusable optional field becomes blank (and is reported).

Decisions worth knowing:

- Missing Objectives, Actuals or Actions sheet is an error. A missing Causes or
  Updates sheet is a warning (read as empty: the findings then flag gaps without
  causes), and a missing Settings sheet is a warning (defaults apply).
- An Excel error value (#N/A, #DIV/0!, ...) is treated as blank: a warning in an
  optional field, an error in a required one (the row is then left out).
- Percentages: Excel percent cells store 50 % as 0.5, and the reader cannot see
  the cell format. For % Complete every value <= 1 is a fraction (so 1 = 100 %).
  For Tolerance % values below 1 are fractions and 1 or more are points, so a
  typed 1 means 1 % (a 100 % tolerance would be meaningless).
- Text that reads as a number in a number column is accepted with a warning;
  text dates are accepted in ISO (2025-02-28) and day-first (28/02/2025,
  28/2/2025) form only; a whole number in a date column is read as an Excel
  date serial (with a warning) when it lies in 1990–2100.
- Actions' Due Date is a formula in the template: a date there counts as typed
  over only when it differs from Start + 7 × weeks.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Protocol, Sequence

from . import contract, guard, wording
from .contract import Column, normalise_header
from .model import (
    Action,
    ActionStatus,
    Actual,
    Approval,
    Cause,
    CauseCategory,
    Direction,
    Evidence,
    Fishbone,
    Frequency,
    Issue,
    Objective,
    Person,
    Role,
    Settings,
    Severity,
    Strategy,
    TargetType,
    Tracker,
    Update,
    YesNo,
    _Choice,
)
from .rules import original_due
from .target_words import TargetWordingError, check_against_type, read_target_wording

HEADER_SCAN_ROWS = 10  # the header row is looked for in the first rows of a sheet
EXCEL_ERROR_CODES = frozenset(
    {"#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!",
     "#GETTING_DATA", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!"}
)
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
# Password-protected .xlsx files are OLE containers holding an "EncryptionInfo" stream;
# its directory entry stores the name in UTF-16LE.
_ENCRYPTION_STREAM = "EncryptionInfo".encode("utf-16-le")
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_SERIAL_RANGE = (32874, 73050)  # 1990-01-01 .. 2099-12-31 as Excel date serials


class TrackerFileError(Exception):
    """The file itself cannot be read as a tracker workbook; the message says how to fix it."""


@dataclass(frozen=True)
class CellError:
    """An Excel error value such as #N/A in a cell."""

    code: str

    def __str__(self) -> str:
        return self.code


class RowSource(Protocol):
    """Where rows come from: a file on disk or a live workbook."""

    name: str

    def sheet_names(self) -> list[str]: ...

    def rows(self, sheet: str) -> list[list[object]]: ...


# ------------------------------------------------------------------ the file source


class FileRowSource:
    """Rows of an .xlsx/.xlsm file, read with python-calamine.

    The file is read once into memory and never opened for writing. Values are
    None, str, float, bool, datetime.date/datetime/time/timedelta or CellError;
    empty cells are None and the grid starts at A1 whatever the used range.
    """

    def __init__(self, path: str | Path, isolated: bool = False):
        """`isolated`: calamine parses in a child process (guard.parse_isolated), so even a
        parser abort or a memory blow-up ends as one sentence; the checks of saypro_xl.guard
        run before any parsing either way."""
        self.path = Path(path)
        self.name = self.path.name
        data = _read_file(self.path)
        _check_signature(self.name, data)
        self._data = data
        self._package = _guarded(self.name, data)
        self._cache: dict[str, list[list[object]]] = {}
        self._error_cells: dict[str, dict[tuple[int, int], str]] | None = None
        self._parts: dict[str, str] | None = None  # sheet name -> part, as _scan_error_cells finds them
        self._totals: dict[str, list[tuple[int, int, int]]] | None = None
        self._grids: dict[str, list[list[object]]] | None = None  # parsed by the child, not yet used
        # The sheets the reader will ask for are measured before anything is parsed; what the
        # parser gets has Excel 365's error values (#SPILL!...) it cannot read written as #N/A.
        wanted = [t for t in self._package.sheet_parts if normalise_header(t) in _READ_SHEET_KEYS]
        for sheet in wanted:
            self._check_sheet(sheet)
        try:
            self._parse_data = guard.calamine_compatible(self._package)
        except (guard.RefusedWorkbook, guard.DamagedPackage):
            raise _not_a_workbook(self.name, data) from None
        if isolated and guard.can_isolate():
            parsed = self._parse_isolated(wanted)
            if parsed is not None:
                self._names, self._grids = parsed.names, dict(parsed.grids)
                return
        try:
            from python_calamine import CalamineWorkbook

            self._book = CalamineWorkbook.from_filelike(io.BytesIO(self._parse_data))
        except Exception:  # calamine raises its own error kinds for every bad container
            raise _not_a_workbook(self.name, data) from None
        except BaseException as exc:  # a Rust panic in calamine arrives as pyo3's PanicException
            if type(exc).__name__ != "PanicException":
                raise
            raise _not_a_workbook(self.name, data) from None
        self._names = list(self._book.sheet_names)

    def sheet_names(self) -> list[str]:
        return list(self._names)

    def rows(self, sheet: str) -> list[list[object]]:
        if sheet not in self._cache:
            isolated = self._grids is not None
            grid = self._grid(sheet)
            # The child process already gave None for "" (guard.Parsed), and its rows are ours.
            rows = grid if isolated else [[None if v == "" else v for v in row] for row in grid]
            # calamine shows error cells as empty text; put the error codes back.
            for (r, c), code in self._errors_of(sheet).items():
                if r < len(rows) and c < len(rows[r]):
                    rows[r][c] = CellError(code)
            # A table's totals row (Table Design > Total Row) sums the data; it is not a row of it.
            if self._totals is None:
                self._totals = _scan_totals_rows(self._data)
            for r, first, last in self._totals.get(sheet, ()):
                if r < len(rows):
                    rows[r][first:last + 1] = [None] * len(rows[r][first:last + 1])
            self._cache[sheet] = rows
        return self._cache[sheet]

    def _grid(self, sheet: str) -> list[list[object]]:
        """calamine's grid of one sheet, once the guard has measured it."""
        self._check_sheet(sheet)
        if self._grids is not None:
            if sheet not in self._grids:  # a sheet the first parse did not foresee
                self._grids.update(getattr(self._parse_isolated([sheet]), "grids", {}))
            if sheet in self._grids:
                return self._grids.pop(sheet)
            raise self._damaged_sheet(sheet)
        try:
            return self._book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        except Exception:  # calamine's parser text would not help the user
            raise self._damaged_sheet(sheet) from None
        except BaseException as exc:  # pyo3's PanicException: a Rust panic, not a dead process
            if type(exc).__name__ != "PanicException":
                raise
            raise self._damaged_sheet(sheet) from None

    def _damaged_sheet(self, sheet: str) -> TrackerFileError:
        return TrackerFileError(f'{self.name} is damaged: sheet "{sheet}" cannot be read; '
                                "open it in Excel, save a fresh copy and try again.")

    def _check_sheet(self, sheet: str) -> None:
        try:
            self._package.check_sheet(sheet)
        except guard.RefusedWorkbook as exc:
            raise TrackerFileError(str(exc)) from None
        except guard.DamagedPackage:
            raise self._damaged_sheet(sheet) from None

    def _parse_isolated(self, sheets: list[str]) -> guard.Parsed | None:
        for sheet in sheets:
            self._check_sheet(sheet)
        try:
            return guard.parse_isolated(self._parse_data, sheets)
        except guard.ParseFailed as failed:
            if failed.kind == "open":
                raise _not_a_workbook(self.name, self._data) from None
            if failed.kind == "sheet":
                raise self._damaged_sheet(failed.sheet) from None
            raise TrackerFileError(guard.failure_sentence(self.name, failed)) from None

    def _errors_of(self, sheet: str) -> dict[tuple[int, int], str]:
        if self._error_cells is None:
            # The guard read this sheet's part whole before the parse: without a t="e" there, the
            # scan (every sheet inflated once more) cannot find one.
            if self._parts is None:
                self._parts = _sheet_parts_of(self._data)
            part = self._parts.get(sheet)
            if part is not None and self._package.without_errors(part):
                return {}
            self._error_cells = _scan_error_cells(self._data)
        return self._error_cells.get(sheet, {})


# The sheets read_tracker reads, by normalised name: an isolated parse reads them in one go.
_READ_SHEET_KEYS = frozenset(normalise_header(name) for name in (
    *contract.INPUT_SHEETS, contract.SETTINGS_SHEET, contract.PEOPLE_SHEET, contract.WORDING_SHEET))


def _guarded(name: str, data: bytes) -> guard.Package:
    """The checks of saypro_xl.guard on the zip, as a TrackerFileError sentence when refused."""
    try:
        return guard.open_package(data, name)
    except guard.RefusedWorkbook as exc:
        raise TrackerFileError(str(exc)) from None
    except guard.DamagedPackage:
        raise _not_a_workbook(name, data) from None


def _read_file(path: Path) -> bytes:
    name = path.name
    if not path.exists():
        raise TrackerFileError(f'Tracker file "{path}" was not found; check the path and try again.')
    if path.is_dir():
        raise TrackerFileError(
            f'"{path}" is a folder, not a workbook; give the path of the tracker .xlsx file.'
        )
    try:
        return path.read_bytes()
    except PermissionError:
        raise TrackerFileError(
            f"{name} cannot be read (permission denied); close it in other programs or copy it "
            "somewhere you can read, and try again."
        ) from None
    except OSError as exc:
        raise TrackerFileError(
            f"{name} cannot be read ({exc.strerror}); check the file and try again."
        ) from None


def _check_signature(name: str, data: bytes) -> None:
    if not data:
        raise TrackerFileError(f"{name} is empty (0 bytes); save the tracker again from Excel and try again.")
    if data.startswith(_OLE_MAGIC):
        if _ENCRYPTION_STREAM in data:
            raise TrackerFileError(
                f"{name} is password-protected; remove the password (File > Info > Protect Workbook "
                "> Encrypt with Password, clear it), save it and try again."
            )
        raise TrackerFileError(
            f"{name} is an old .xls workbook; save it as .xlsx (File > Save As > Excel Workbook) "
            "and try again."
        )
    if not data.startswith(_ZIP_MAGIC):
        raise TrackerFileError(
            f"{name} is not an Excel workbook; open the tracker in Excel and save it as .xlsx "
            "(File > Save As > Excel Workbook)."
        )


def _not_a_workbook(name: str, data: bytes) -> TrackerFileError:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = set(archive.namelist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, NotImplementedError, OSError):
        return TrackerFileError(
            f"{name} is damaged (its zip container cannot be opened); open it in Excel, "
            "save a fresh copy and try again."
        )
    if "xl/workbook.xml" not in members and "xl/workbook.bin" not in members:
        return TrackerFileError(
            f"{name} is a zip file but not an Excel workbook; give the tracker .xlsx file instead."
        )
    return TrackerFileError(f"{name} is damaged; open it in Excel, save a fresh copy and try again.")


_CELL_TAG = re.compile(rb'<(?:\w+:)?c\b([^>]*?\bt="e"[^>]*?)(/?)>')
_CELL_REF = re.compile(rb'\br="([A-Z]+)([0-9]+)"')
_CELL_END = re.compile(rb"</(?:\w+:)?c>")
_VALUE = re.compile(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")
_SHEET_TAG = re.compile(rb"<(?:\w+:)?sheet\b[^>]*>")
_ATTR = re.compile(rb'([\w:]+)="([^"]*)"')
_REL_TAG = re.compile(rb"<(?:\w+:)?Relationship\b[^>]*>")


def _scan_error_cells(data: bytes) -> dict[str, dict[tuple[int, int], str]]:
    """Error cells (t="e") of each worksheet of an .xlsx/.xlsm, by sheet name.

    calamine turns error values into empty text, which would hide a #N/A; a plain
    scan of the sheet XML finds them without a second full workbook reader.
    """
    found: dict[str, dict[tuple[int, int], str]] = {}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            targets = _sheet_parts(archive)
            for sheet, part in targets.items():
                try:
                    xml = archive.read(part)
                except (KeyError, zipfile.BadZipFile, zlib.error, EOFError):  # a sheet no one reads may be damaged
                    continue
                if b't="e"' not in xml:
                    continue
                cells: dict[tuple[int, int], str] = {}
                for tag in _CELL_TAG.finditer(xml):
                    ref = _CELL_REF.search(tag.group(1))
                    if not ref:
                        continue
                    code = "#N/A"
                    if not tag.group(2):  # not self-closing: the value sits before </c>
                        end = _CELL_END.search(xml, tag.end())
                        value = _VALUE.search(xml, tag.end(), end.start() if end else len(xml))
                        if value:
                            code = value.group(1).decode("utf-8", "replace").strip() or code
                    row = int(ref.group(2)) - 1
                    cells[(row, _column_index(ref.group(1).decode()))] = code
                found[sheet] = cells
    except (zipfile.BadZipFile, KeyError, ValueError):
        return {}
    return found


def _sheet_parts_of(data: bytes) -> dict[str, str]:
    """_sheet_parts of the zip `data`, or {} when the zip cannot tell."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return _sheet_parts(archive)
    except (zipfile.BadZipFile, KeyError, ValueError, zlib.error, EOFError):
        return {}


_TABLE_REF = re.compile(rb'\bref="([A-Z]+)([0-9]+):([A-Z]+)([0-9]+)"')
_TOTALS_COUNT = re.compile(rb'\btotalsRowCount="([0-9]+)"')


def _scan_totals_rows(data: bytes) -> dict[str, list[tuple[int, int, int]]]:
    """The totals rows of each sheet's tables, by sheet name: (row, first column, last column), 0-based."""
    found: dict[str, list[tuple[int, int, int]]] = {}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = set(archive.namelist())
            for sheet, part in _sheet_parts(archive).items():
                folder, _, file_name = part.rpartition("/")
                rels = f"{folder}/_rels/{file_name}.rels"
                if rels not in members:
                    continue
                for tag in _REL_TAG.finditer(archive.read(rels)):
                    attrs = dict(_ATTR.findall(tag.group(0)))
                    if not attrs.get(b"Type", b"").endswith(b"/table"):
                        continue
                    target = attrs.get(b"Target", b"").decode("utf-8", "replace")
                    table = target.lstrip("/") if target.startswith("/") else guard.resolved_target(folder, target)
                    if table not in members:
                        continue
                    xml = archive.read(table)[:4096]  # the attributes sit in the opening tag
                    count, ref = _TOTALS_COUNT.search(xml), _TABLE_REF.search(xml)
                    if not (count and ref and int(count.group(1))):
                        continue
                    first, last = _column_index(ref.group(1).decode()), _column_index(ref.group(3).decode())
                    top, bottom = int(ref.group(2)) - 1, int(ref.group(4)) - 1
                    totals = min(int(count.group(1)), bottom - top)  # never more rows than the table has
                    found.setdefault(sheet, []).extend(
                        (row, first, last) for row in range(bottom - totals + 1, bottom + 1))
    except (zipfile.BadZipFile, KeyError, ValueError, zlib.error, EOFError):
        return {}
    return found


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    workbook = archive.read("xl/workbook.xml")
    rels = archive.read("xl/_rels/workbook.xml.rels")
    by_id = {}
    for tag in _REL_TAG.finditer(rels):
        attrs = dict(_ATTR.findall(tag.group(0)))
        target = attrs.get(b"Target", b"").decode()
        target = target.lstrip("/") if target.startswith("/") else "xl/" + target
        by_id[attrs.get(b"Id", b"").decode()] = target
    parts = {}
    for tag in _SHEET_TAG.finditer(workbook):
        attrs = {k.split(b":")[-1]: v for k, v in _ATTR.findall(tag.group(0))}
        name = _xml_unescape(attrs.get(b"name", b"").decode("utf-8"))
        rid = attrs.get(b"id", b"").decode()
        if rid in by_id:
            parts[name] = by_id[rid]
    return parts


def _xml_unescape(text: str) -> str:
    return (text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
            .replace("&apos;", "'").replace("&amp;", "&"))


def _column_index(letters: str) -> int:
    index = 0
    for ch in letters:
        index = index * 26 + (ord(ch) - 64)
    return index - 1


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def cell_ref(row_index: int, col_index: int) -> str:
    """A1 reference of a 0-based grid position."""
    return f"{column_letter(col_index)}{row_index + 1}"


# --------------------------------------------------------------------- value parsing


def _show(value: object) -> str:
    """A value as a message quotes it."""
    if isinstance(value, str):
        return f'"{value.strip()}"'
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.date, dt.datetime)):
        return value.strftime("%Y-%m-%d")
    return str(value)


_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_DAY_FIRST = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")


def parse_date_text(text: str) -> dt.date | None:
    """ISO yyyy-mm-dd or day-first dd/mm/yyyy (also d/m/yyyy, with / . or -); else None."""
    text = text.strip()
    match = _ISO_DATE.match(text)
    if match:
        year, month, day = (int(g) for g in match.groups())
    else:
        match = _DAY_FIRST.match(text)
        if not match:
            return None
        day, month, year = (int(g) for g in match.groups())
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _date_hint(text: str) -> str:
    """An example the user can type instead: the nearest real date when the shape was right."""
    text = text.strip()
    parts = None
    if m := _ISO_DATE.match(text):
        parts = (int(m.group(1)), int(m.group(2)), int(m.group(3)))
    elif m := _DAY_FIRST.match(text):
        day, month = int(m.group(1)), int(m.group(2))
        if month > 12 >= day:  # typed month-first (02/28/2025): offer the date it meant
            day, month = month, day
        parts = (int(m.group(3)), month, day)
    if parts and 1 <= parts[1] <= 12 and parts[2] >= 1:
        year, month, day = parts
        for last in (31, 30, 29, 28):
            try:
                return dt.date(year, month, min(day, last)).isoformat()
            except ValueError:
                continue
    return "2025-02-28"


# 1,234 or 1,234,567.5: commas between groups of three are thousands separators. A lone comma
# (10,3) stays unread: it may be a decimal comma or a typo, and guessing would change the value.
_THOUSANDS = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")


def _number_from_text(text: str) -> float | None:
    cleaned = text.strip().replace("\u00a0", "").replace(" ", "")
    if _THOUSANDS.fullmatch(cleaned):
        cleaned = cleaned.replace(",", "")
    try:
        number = float(cleaned)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _split_list(value: object) -> tuple[str, ...]:
    if value is None or isinstance(value, CellError):
        return ()
    return tuple(p.strip() for p in re.split(r"[;,]", str(value)) if p.strip())


def _as_text(value: object) -> str:
    if value is None or isinstance(value, CellError):
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _error_code(value: object) -> str | None:
    if isinstance(value, CellError):
        return value.code
    if isinstance(value, str) and value.strip().upper() in EXCEL_ERROR_CODES:
        return value.strip().upper()
    return None


# ------------------------------------------------------------------- the row reader


@dataclass
class _Sheet:
    """One located input sheet: its real name, header row and column positions."""

    title: str
    header_row: int
    columns: dict[str, int]  # normalised contract header -> 0-based column
    _by_header: dict[str, int | None] = field(default_factory=dict)

    def column_of(self, header: str) -> int | None:
        """0-based column of a contract header as spelled in the contract (cached: rows ask often)."""
        try:
            return self._by_header[header]
        except KeyError:
            col = self._by_header[header] = self.columns.get(normalise_header(header))
            return col


# Characters a typed value may carry that would break a message's one line, or rearrange or
# restyle the terminal it is printed on: control characters, line separators, bidi overrides.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _one_line(text: str) -> str:
    """`text` with every unprintable character shown as an escape: a line break as \\n, ESC as \\u001b."""
    return _UNPRINTABLE.sub(lambda m: {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(m.group(), f"\\u{ord(m.group()):04x}"),
                            text)


class _Issues:
    def __init__(self) -> None:
        self.items: list[Issue] = []

    def add(self, severity: Severity, sheet: str, cell: str, column: str, message: str) -> None:
        self.items.append(Issue(severity, _one_line(sheet), cell, column, _one_line(message)))

    def error(self, sheet: str, cell: str, column: str, message: str) -> None:
        self.add(Severity.ERROR, sheet, cell, column, message)

    def warning(self, sheet: str, cell: str, column: str, message: str) -> None:
        self.add(Severity.WARNING, sheet, cell, column, message)


class _Row:
    """Typed access to one data row; every problem becomes an Issue at its cell.

    `usable` turns False when a required field cannot be read: the caller then
    leaves the row out of the records.
    """

    def __init__(self, sheet: _Sheet, values: Sequence[object], index: int, issues: _Issues):
        self.sheet = sheet
        self.values = values
        self.index = index
        self.excel_row = index + 1
        self.issues = issues
        self.usable = True

    # -- plumbing
    def cell(self, header: str) -> str:
        col = self.sheet.column_of(header)
        return cell_ref(self.index, col) if col is not None else ""

    def raw(self, header: str) -> object:
        col = self.sheet.column_of(header)
        if col is None or col >= len(self.values):
            return None
        return self.values[col]

    def flag(self, header: str, message: str, required: bool, severity: Severity | None = None) -> None:
        if required:
            self.usable = False
        self.issues.add(severity or Severity.ERROR, self.sheet.title, self.cell(header), header, message)

    def _present(self, header: str, required: bool) -> object:
        """The raw value, or None after reporting a blank required field or an error value."""
        value = self.raw(header)
        code = _error_code(value)
        if code:
            if required:
                self.flag(header, f"{header} holds the Excel error {code}; type the value or fix "
                                  "the formula", True)
            else:
                self.flag(header, f"{header} holds the Excel error {code}, read as blank; "
                                  "type the value or fix the formula", False, Severity.WARNING)
            return None
        if isinstance(value, str) and not value.strip():
            value = None
        if value is None and required:
            self.flag(header, f"{header} is blank; fill it in or delete the row", True)
        return value

    # -- kinds
    def text(self, header: str, required: bool = False) -> str:
        value = self.raw(header)
        # Most cells: text with nothing to strip that cannot be an error code (those start with #).
        if type(value) is str and value and value[0] != "#" and not value[0].isspace() \
                and not value[-1].isspace():
            return value
        return _as_text(self._present(header, required))

    def number(self, header: str, required: bool = False) -> float | None:
        value = self.raw(header)
        if type(value) is float and math.isfinite(value):  # most cells: a number cell
            return value
        value = self._present(header, required)
        if value is None:
            return None
        if isinstance(value, bool):
            self.flag(header, f"{header} {_show(value)} is not a number; type a number", required)
            return None
        if isinstance(value, (int, float)):
            if not math.isfinite(value):
                self.flag(header, f"{header} is not a finite number; type a number", required)
                return None
            return float(value)
        if isinstance(value, str):
            number = _number_from_text(value)
            if number is not None:
                self.flag(header, f"{header} {_show(value)} is text, read as the number "
                                  f"{_show(number)}; retype it as a number", False, Severity.WARNING)
                return number
        self.flag(header, f"{header} {_show(value)} is not a number; type a number such as 12.5",
                  required)
        return None

    def date(self, header: str, required: bool = False) -> dt.date | None:
        value = self.raw(header)
        if type(value) is dt.date:  # most cells: a date cell
            return value
        value = self._present(header, required)
        if value is None:
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            parsed = parse_date_text(value)
            if parsed is not None:
                return parsed
            self.flag(header, f"{header} {_show(value)} is not a date (use {_date_hint(value)} "
                              "or a date cell)", required)
            return None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if float(value).is_integer() and _SERIAL_RANGE[0] <= value <= _SERIAL_RANGE[1]:
                day = _EXCEL_EPOCH + dt.timedelta(days=int(value))
                self.flag(header, f"{header} {_show(value)} is a plain number, read as the date "
                                  f"{day.isoformat()}; format the cell as a date", False,
                          Severity.WARNING)
                return day
        self.flag(header, f"{header} {_show(value)} is not a date (use 2025-02-28 or a date cell)",
                  required)
        return None

    def choice(self, header: str, enum: type[_Choice], required: bool = False) -> _Choice | None:
        value = self._present(header, required)
        if value is None:
            return None
        if isinstance(value, bool) and enum is YesNo:
            return YesNo.YES if value else YesNo.NO
        member = enum.parse(_as_text(value))
        if member is None:
            options = ", ".join(enum.choices())
            self.flag(header, f"{header} {_show(value)} is not one of the choices ({options}); "
                              "pick one from the drop-down", required)
        return member

    def yes_no(self, header: str) -> bool:
        return self.choice(header, YesNo) is YesNo.YES

    def percent_text(self, header: str) -> float | None:
        """Points of a percentage typed as text ("45%"), which needs no scaling; else None."""
        value = self.raw(header)
        if isinstance(value, str) and value.strip().endswith("%"):
            return _number_from_text(value.strip()[:-1])
        return None

    def percent_complete(self, header: str) -> float | None:
        """0..100; values <= 1 are fractions (Excel stores 50 % as 0.5)."""
        value = self.raw(header)
        points = self.percent_text(header)
        if points is not None:
            return self._in_percent_range(header, points, value)
        number = self.number(header)
        if number is None:
            return None
        scaled = number * 100 if 0 <= number <= 1 else number
        return self._in_percent_range(header, scaled, value)

    def _in_percent_range(self, header: str, points: float, shown: object) -> float | None:
        if 0 <= points <= 100:
            return points
        self.flag(header, f"{header} {_show(shown)} is outside 0–100; type a percentage between "
                          "0 and 100", False)
        return None

    def tolerance(self, header: str, name: str | None = None) -> float | None:
        """Tolerance in percent points; `name` is what messages call it (default: the header)."""
        name = name or header
        points = self.percent_text(header)
        number = points / 100 if points is not None and points < 1 else points
        if number is None:
            number = self.number(header)
        return _tolerance_points(number, lambda msg: self.flag(header, f"{name} {msg}", False))


def _tolerance_points(number: float | None, report: Callable[[str], None]) -> float | None:
    """Tolerance in percent points: below 1 is a fraction (a 5 % cell holds 0.05)."""
    if number is None:
        return None
    points = number * 100 if 0 <= number < 1 else number
    if not 0 <= points <= 100:
        report(f"{_show(number)} is outside 0–100; type a percentage such as 5")
        return None
    return points


# ---------------------------------------------------------------- locating sheets


def _find_sheet(source: RowSource, wanted: str) -> str | None:
    key = normalise_header(wanted)
    for name in source.sheet_names():
        if normalise_header(name) == key:
            return name
    return None


def _locate(title: str, grid: list[list[object]], columns: tuple[Column, ...]) -> _Sheet | None:
    """The header row is the one among the first rows with most contract headers."""
    wanted = {normalise_header(c.header) for c in columns}
    best_row, best_hits = -1, 0
    for r, row in enumerate(grid[:HEADER_SCAN_ROWS]):
        hits = sum(1 for v in row if isinstance(v, str) and normalise_header(v) in wanted)
        if hits > best_hits:
            best_row, best_hits = r, hits
    if best_row < 0:
        return None
    positions: dict[str, int] = {}
    for c, value in enumerate(grid[best_row]):
        if isinstance(value, str):
            key = normalise_header(value)
            if key in wanted and key not in positions:  # first of a repeated header wins
                positions[key] = c
    return _Sheet(title, best_row, positions)


def _data_rows(
    sheet: _Sheet, grid: list[list[object]], columns: tuple[Column, ...]
) -> Iterable[tuple[int, list[object]]]:
    """Rows below the header with any input column filled (computed-only rows are blank)."""
    inputs = [sheet.columns[k] for k in (normalise_header(c.header) for c in columns if not c.computed)
              if k in sheet.columns]
    for index in range(sheet.header_row + 1, len(grid)):
        row = grid[index]
        width = len(row)
        for col in inputs:
            if col < width:
                v = row[col]
                if v is not None and not (isinstance(v, str) and not v.strip()):
                    yield index, row
                    break


# ------------------------------------------------------------------ the whole tracker

_REQUIRED_SHEETS = (contract.OBJECTIVES_SHEET, contract.ACTUALS_SHEET, contract.ACTIONS_SHEET)


@dataclass
class _Ids:
    """IDs seen in a sheet's ID column (on any row, usable or not) and where first."""

    first_row: dict[str, int] = field(default_factory=dict)
    readable: bool = True  # False when the sheet is missing or unreadable: references go unchecked
    kpi_of: dict[str, str] = field(default_factory=dict)  # cause ID -> its KPI ID

    def suggest(self, value: str) -> str:
        for known in self.first_row:
            if known.casefold() == value.casefold():
                return f' (did you mean "{known}"?)'
        return ""


def read_tracker(source: RowSource) -> Tracker:
    """Typed records and validation issues of a tracker from any row source."""
    issues = _Issues()
    settings = _read_settings(source, issues)
    sheets: dict[str, tuple[_Sheet, list[list[object]]] | None] = {}
    for name, columns in contract.INPUT_SHEETS.items():
        sheets[name] = _open_sheet(source, name, columns, issues)

    objectives, kpi_ids = _read_objectives(sheets[contract.OBJECTIVES_SHEET], issues)
    actuals = _read_actuals(sheets[contract.ACTUALS_SHEET], kpi_ids, issues)
    causes, cause_ids = _read_causes(sheets[contract.CAUSES_SHEET], kpi_ids, issues)
    actions, action_ids = _read_actions(sheets[contract.ACTIONS_SHEET], kpi_ids, cause_ids, issues)
    updates = _read_updates(sheets[contract.UPDATES_SHEET], action_ids, issues)
    own_wording = _read_wording(source, issues)
    people = _read_people(source, objectives, actions, issues)
    _check_owners(people, sheets, objectives, actions, issues)
    return Tracker(
        settings=settings,
        objectives=tuple(objectives),
        actuals=tuple(actuals),
        causes=tuple(causes),
        actions=tuple(actions),
        updates=tuple(updates),
        issues=tuple(issues.items),
        source=source.name,
        wording=own_wording,
        people=people,
    )


def first_error_sentence(tracker: Tracker, how_to_list_all: str) -> str:
    """Why a tracker with errors is refused: the first error, and how to see the rest.

    Every door (CLI, batch, Excel buttons) says it the same way; only the hint differs,
    e.g. 'run `saypro-xl validate T.xlsx`' or 'click Validate to list them'.
    """
    first = tracker.errors[0]
    more = len(tracker.errors) - 1
    return f"{first} (and {more} more; {how_to_list_all})" if more else str(first)


def load_tracker(path: str | Path, isolated: bool = True) -> Tracker:
    """Read a tracker file; TrackerFileError (one sentence) when the file is unusable.

    The file is checked by saypro_xl.guard before any parser touches it and, `isolated`, parsed
    in a child process, so no file can take the caller down (see FileRowSource).
    """
    return read_tracker(FileRowSource(path, isolated=isolated))


def _open_sheet(source: RowSource, name: str, columns: tuple[Column, ...], issues: _Issues):
    title = _find_sheet(source, name)
    headers = ", ".join(c.header for c in columns if not c.computed)
    if title is None:
        if name in _REQUIRED_SHEETS:
            issues.error(name, "", "", f'The workbook has no "{name}" sheet; add it with the '
                                       f"headers {headers}")
        else:
            issues.warning(name, "", "", f'The workbook has no "{name}" sheet, read as empty; add it with '
                                         f"the headers {headers}")
        return None
    grid = source.rows(title)
    sheet = _locate(title, grid, columns)
    if sheet is None:
        if grid:  # an empty optional sheet is fine; a sheet with content but no headers is not
            issues.error(title, "", "", f"No header row found in the first {HEADER_SCAN_ROWS} rows; "
                                        f"put the headers {headers} in one row")
        elif name in _REQUIRED_SHEETS:
            issues.error(title, "", "", f"The sheet is empty; add the headers {headers} and its rows")
        return None
    missing_required = False
    used = [c for c, v in enumerate(grid[sheet.header_row]) if v is not None]
    where = cell_ref(sheet.header_row, max(used) + 1)  # the first free cell right of the headers
    for column in columns:
        if column.computed or column.optional or normalise_header(column.header) in sheet.columns:
            continue
        if column.required:
            missing_required = True
            issues.error(title, where, column.header, f'Column "{column.header}" is missing; add it to '
                                                      f"the header row (row {sheet.header_row + 1})")
        else:
            issues.warning(title, where, column.header, f'Column "{column.header}" is missing, read as '
                                                        f"blank; add it to the header row (row "
                                                        f"{sheet.header_row + 1})")
    if missing_required:
        return None  # no row could be read without it
    return sheet, grid


def _rows(opened, issues: _Issues, columns: tuple[Column, ...],
          plain: Callable[[int, Sequence[object]], bool] | None = None) -> Iterable[_Row]:
    """The data rows as _Row readers; `plain(index, values)` may take a row whole first (see below)."""
    if opened is None:
        return
    sheet, grid = opened
    if plain is None or not _PLAIN_ROWS:
        for index, values in _data_rows(sheet, grid, columns):
            yield _Row(sheet, values, index, issues)
        return
    inputs = [sheet.columns[k] for k in (normalise_header(c.header) for c in columns if not c.computed)
              if k in sheet.columns]
    for index in range(sheet.header_row + 1, len(grid)):
        values = grid[index]
        if plain(index, values):
            continue
        width = len(values)
        for col in inputs:  # as _data_rows: a row with any input column filled
            if col < width:
                v = values[col]
                if v is not None and not (isinstance(v, str) and not v.strip()):
                    yield _Row(sheet, values, index, issues)
                    break


# ------------------------------------------------------------------ the plain-row fast path
#
# Nearly every row of a tracker is plain: clean text, finite numbers, date cells, drop-down
# choices spelled as the list spells them, and nothing a check would flag. Each sheet reader
# hands `_rows` a `plain` function that reads such a row whole, with a few type tests per cell
# instead of a _Row method per field, builds its record and returns True. Anything it is not
# sure of (a cell of another kind, a blank required field, a row a check would flag) makes it
# return False before it changes anything, and the row takes the full path, which says what is
# wrong: so records and issues are the same either way (tests/test_read.py compares the two).

_PLAIN_ROWS = True  # False: every row takes the full path (the tests' reference)
_MISS = object()  # what a plain_* helper returns for a cell the fast path leaves to _Row
_FAR = 1 << 62  # the column of a header the sheet lacks: past the end of every row
_PLAIN_CHOICES = {enum: {m.value: m for m in enum} for enum in (
    Direction, TargetType, Frequency, CauseCategory, Fishbone, Evidence, Strategy, ActionStatus,
    Approval, YesNo)}


def _plain_columns(opened, *headers: str) -> list[int]:
    sheet = opened[0]
    return [_FAR if (col := sheet.column_of(h)) is None else col for h in headers]


def _plain_text(value: object) -> object:
    """_Row.text of an optional plain cell: clean text as is, a blank as ""."""
    if value is None:
        return ""
    if type(value) is str and value and value[0] != "#" and not value[0].isspace() \
            and not value[-1].isspace():
        return value
    return _MISS


def _plain_number(value: object) -> object:
    """_Row.number of an optional plain cell: a finite number cell, or None for a blank."""
    if value is None or (type(value) is float and math.isfinite(value)):
        return value
    return _MISS


def _plain_date(value: object) -> object:
    """_Row.date of an optional plain cell: a date cell (a datetime's day), or None for a blank."""
    if value is None or type(value) is dt.date:
        return value
    if type(value) is dt.datetime:
        return value.date()
    return _MISS


def _plain_choice(value: object, enum: type[_Choice]) -> object:
    """_Row.choice of an optional plain cell: a choice spelled exactly as the list, or None for a blank."""
    if value is None:
        return None
    if type(value) is str:
        return _PLAIN_CHOICES[enum].get(value, _MISS)
    return _MISS


def _plain_percent(value: object) -> object:
    """_Row.percent_complete of a plain cell: a number cell in range (<= 1 a fraction), or None."""
    if value is None:
        return None
    if type(value) is float and math.isfinite(value):
        points = value * 100 if 0 <= value <= 1 else value
        if 0 <= points <= 100:
            return points
    return _MISS


def _plain_tolerance(value: object) -> object:
    """_Row.tolerance of a plain cell: a number cell in range (below 1 a fraction), or None."""
    if value is None:
        return None
    if type(value) is float and math.isfinite(value):
        points = value * 100 if 0 <= value < 1 else value
        if 0 <= points <= 100:
            return points
    return _MISS


def _plain_objectives(opened, records: list[Objective], ids: _Ids) -> Callable[[int, Sequence[object]], bool]:
    """_read_objectives for a plain row (a numeric Target Value; no check would flag it)."""
    (c_id, c_department, c_kpi, c_unit, c_direction, c_baseline, c_baseline_date, c_type, c_value, c_target_date,
     c_tolerance, c_frequency, c_owner) = _plain_columns(
        opened, "KPI ID", "Department", "KPI", "Unit", "Direction", "Baseline", "Baseline Date", "Target Type",
        "Target Value", "Target Date", "Tolerance %", "Frequency", "Owner")
    first_row = ids.first_row
    needs_baseline = (TargetType.PCT_CHANGE, TargetType.CHANGE)

    def plain(index: int, values: Sequence[object]) -> bool:
        n = len(values)
        kpi_id = _plain_text(values[c_id] if c_id < n else None)
        department = _plain_text(values[c_department] if c_department < n else None)
        kpi = _plain_text(values[c_kpi] if c_kpi < n else None)
        if kpi_id is _MISS or not kpi_id or kpi_id in first_row or department is _MISS or not department \
                or kpi is _MISS or not kpi:
            return False
        direction = _plain_choice(values[c_direction] if c_direction < n else None, Direction)
        target_type = _plain_choice(values[c_type] if c_type < n else None, TargetType)
        frequency = _plain_choice(values[c_frequency] if c_frequency < n else None, Frequency)
        if direction is None or direction is _MISS or target_type is None or target_type is _MISS \
                or frequency is None or frequency is _MISS:
            return False
        target_value = values[c_value] if c_value < n else None
        if type(target_value) is not float or not math.isfinite(target_value):
            return False  # a worded target, a blank or text: the full path says how it reads it
        baseline = _plain_number(values[c_baseline] if c_baseline < n else None)
        if baseline is _MISS or (baseline is None and target_type in needs_baseline):
            return False
        baseline_date = _plain_date(values[c_baseline_date] if c_baseline_date < n else None)
        target_date = _plain_date(values[c_target_date] if c_target_date < n else None)
        if baseline_date is _MISS or target_date is _MISS \
                or (baseline_date and target_date and target_date <= baseline_date):
            return False
        tolerance = _plain_tolerance(values[c_tolerance] if c_tolerance < n else None)
        unit = _plain_text(values[c_unit] if c_unit < n else None)
        owner = _plain_text(values[c_owner] if c_owner < n else None)
        if tolerance is _MISS or unit is _MISS or owner is _MISS:
            return False
        first_row[kpi_id] = index + 1
        records.append(Objective(
            kpi_id=kpi_id, department=department, kpi=kpi, unit=unit, direction=direction, baseline=baseline,
            target_type=target_type, target_value=target_value, tolerance_pct=tolerance, frequency=frequency,
            owner=owner, row=index + 1, baseline_date=baseline_date, target_date=target_date,
        ))
        return True

    return plain


def _plain_actuals(opened, records: list[Actual], kpi_ids: _Ids,
                   seen: dict[tuple[str, dt.date], int]) -> Callable[[int, Sequence[object]], bool]:
    """_read_actuals for a plain row (a known KPI, no second actual for its date): the most rows
    of all, so its cells are tested inline."""
    c_id, c_day, c_value, c_source, c_comment = _plain_columns(
        opened, "KPI ID", "Period End", "Actual", "Source", "Comment")
    known = kpi_ids.first_row if kpi_ids.readable else None
    isfinite, date, datetime = math.isfinite, dt.date, dt.datetime

    def plain(index: int, values: Sequence[object]) -> bool:
        n = len(values)
        kpi_id = values[c_id] if c_id < n else None
        if type(kpi_id) is not str or not kpi_id or kpi_id[0] == "#" or kpi_id[0].isspace() \
                or kpi_id[-1].isspace() or (known is not None and kpi_id not in known):
            return False
        day = values[c_day] if c_day < n else None
        if type(day) is not date:
            if type(day) is not datetime:
                return False
            day = day.date()
        actual = values[c_value] if c_value < n else None
        if type(actual) is not float or not isfinite(actual):
            return False
        source = values[c_source] if c_source < n else None
        if source is None:
            source = ""
        elif type(source) is not str or not source or source[0] == "#" or source[0].isspace() \
                or source[-1].isspace():
            return False
        comment = values[c_comment] if c_comment < n else None
        if comment is None:
            comment = ""
        elif type(comment) is not str or not comment or comment[0] == "#" or comment[0].isspace() \
                or comment[-1].isspace():
            return False
        key = (kpi_id, day)
        if key in seen:
            return False
        seen[key] = index + 1
        records.append(Actual(kpi_id, day, actual, source, comment, index + 1))  # the fields' order
        return True

    return plain


def _plain_causes(opened, records: list[Cause], kpi_ids: _Ids,
                  ids: _Ids) -> Callable[[int, Sequence[object]], bool]:
    """_read_causes for a plain row (a new Cause ID, a known KPI, a Weight of 0 or more)."""
    (c_id, c_kpi, c_description, c_category, c_fishbone, c_impact, c_weight, c_evidence,
     c_confirmed) = _plain_columns(opened, "Cause ID", "KPI ID", "Description", "Category", "Fishbone", "Impact",
                                   "Weight", "Evidence", "Confirmed")
    c_whys = _plain_columns(opened, *(f"Why {n}" for n in range(1, 6)))
    known = kpi_ids.first_row if kpi_ids.readable else None
    first_row, kpi_of = ids.first_row, ids.kpi_of

    def plain(index: int, values: Sequence[object]) -> bool:
        n = len(values)
        cause_id = _plain_text(values[c_id] if c_id < n else None)
        kpi_id = _plain_text(values[c_kpi] if c_kpi < n else None)
        description = _plain_text(values[c_description] if c_description < n else None)
        if cause_id is _MISS or not cause_id or cause_id in first_row or kpi_id is _MISS or not kpi_id \
                or (known is not None and kpi_id not in known) or description is _MISS or not description:
            return False
        category = _plain_choice(values[c_category] if c_category < n else None, CauseCategory)
        fishbone = _plain_choice(values[c_fishbone] if c_fishbone < n else None, Fishbone)
        evidence = _plain_choice(values[c_evidence] if c_evidence < n else None, Evidence)
        confirmed = _plain_choice(values[c_confirmed] if c_confirmed < n else None, YesNo)
        weight = _plain_number(values[c_weight] if c_weight < n else None)
        impact = _plain_text(values[c_impact] if c_impact < n else None)
        if category is _MISS or fishbone is _MISS or evidence is _MISS or confirmed is _MISS or weight is _MISS \
                or (weight is not None and weight < 0) or impact is _MISS:
            return False
        whys = []
        for c in c_whys:
            why = _plain_text(values[c] if c < n else None)
            if why is _MISS:
                return False
            if why:
                whys.append(why)
        first_row[cause_id] = index + 1
        kpi_of[cause_id] = kpi_id
        records.append(Cause(
            cause_id=cause_id, kpi_id=kpi_id, category=category, fishbone=fishbone, description=description,
            whys=tuple(whys), impact=impact, weight=weight, evidence=evidence, confirmed=confirmed is YesNo.YES,
            row=index + 1,
        ))
        return True

    return plain


def _plain_actions(opened, records: list[Action], kpi_ids: _Ids, cause_ids: _Ids,
                   ids: _Ids) -> Callable[[int, Sequence[object]], bool]:
    """_read_actions for a plain row (a new Action ID, known references that agree, weeks > 0, a
    Due Date that is the formula's, blank, or typed over on or after the start)."""
    (c_id, c_cause, c_kpi, c_department, c_action, c_strategy, c_owner, c_start, c_weeks, c_due, c_milestones,
     c_status, c_pct, c_approved, c_resources, c_obstacles, c_escalate, c_outcome, c_last) = _plain_columns(
        opened, "Action ID", "Cause ID", "KPI ID", "Department", "Action", "Strategy", "Owner", "Start Date",
        "Timeline (weeks)", "Due Date", "Milestones", "Status", "% Complete", "Approved", "Resources Needed",
        "Obstacles", "Escalate", "Expected Outcome", "Last Update")
    known_kpis = kpi_ids.first_row if kpi_ids.readable else None
    known_causes = cause_ids.first_row if cause_ids.readable else None
    kpi_of_cause, first_row = cause_ids.kpi_of, ids.first_row

    def plain(index: int, values: Sequence[object]) -> bool:
        n = len(values)
        action_id = _plain_text(values[c_id] if c_id < n else None)
        cause_id = _plain_text(values[c_cause] if c_cause < n else None)
        kpi_id = _plain_text(values[c_kpi] if c_kpi < n else None)
        if action_id is _MISS or not action_id or action_id in first_row or cause_id is _MISS or kpi_id is _MISS \
                or (cause_id and known_causes is not None and cause_id not in known_causes) \
                or (kpi_id and known_kpis is not None and kpi_id not in known_kpis):
            return False
        cause_kpi = kpi_of_cause.get(cause_id, "")
        if kpi_id and cause_kpi and kpi_id != cause_kpi:
            return False
        department = _plain_text(values[c_department] if c_department < n else None)
        action = _plain_text(values[c_action] if c_action < n else None)
        owner = _plain_text(values[c_owner] if c_owner < n else None)
        if department is _MISS or not department or action is _MISS or not action or owner is _MISS or not owner:
            return False
        start = _plain_date(values[c_start] if c_start < n else None)
        weeks = values[c_weeks] if c_weeks < n else None
        if start is None or start is _MISS or type(weeks) is not float or not math.isfinite(weeks) or weeks <= 0:
            return False
        try:
            due = original_due(start, weeks)
        except (OverflowError, ValueError):
            return False
        typed = values[c_due] if c_due < n else None
        if typed is None or (type(typed) is float and typed == 0):
            typed = None  # the formula with no cached value, or a blank
        else:
            typed = _plain_date(typed)
            if typed is _MISS or typed < start:
                return False
            if typed == due:
                typed = None
        strategy = _plain_choice(values[c_strategy] if c_strategy < n else None, Strategy)
        status = _plain_choice(values[c_status] if c_status < n else None, ActionStatus)
        approved = _plain_choice(values[c_approved] if c_approved < n else None, Approval)
        escalate = _plain_choice(values[c_escalate] if c_escalate < n else None, YesNo)
        pct = _plain_percent(values[c_pct] if c_pct < n else None)
        last_update = _plain_date(values[c_last] if c_last < n else None)
        if strategy is _MISS or status is None or status is _MISS or approved is _MISS or escalate is _MISS \
                or pct is _MISS or last_update is _MISS:
            return False
        milestones = _plain_text(values[c_milestones] if c_milestones < n else None)
        resources = _plain_text(values[c_resources] if c_resources < n else None)
        obstacles = _plain_text(values[c_obstacles] if c_obstacles < n else None)
        outcome = _plain_text(values[c_outcome] if c_outcome < n else None)
        if milestones is _MISS or resources is _MISS or obstacles is _MISS or outcome is _MISS:
            return False
        first_row[action_id] = index + 1
        records.append(Action(
            action_id=action_id, cause_id=cause_id, kpi_id=kpi_id, department=department, action=action,
            strategy=strategy, owner=owner, start_date=start, timeline_weeks=weeks, due_date_typed=typed,
            milestones=milestones, status=status, pct_complete=pct, approved=approved, resources_needed=resources,
            obstacles=obstacles, escalate=escalate is YesNo.YES, expected_outcome=outcome,
            last_update=last_update, row=index + 1,
        ))
        return True

    return plain


def _plain_updates(opened, records: list[Update], action_ids: _Ids) -> Callable[[int, Sequence[object]], bool]:
    """_read_updates for a plain row (an update of a known action)."""
    c_date, c_id, c_reporter, c_status, c_pct, c_note = _plain_columns(
        opened, "Date", "Action ID", "Reporter", "Status", "% Complete", "Note")
    known = action_ids.first_row if action_ids.readable else None

    def plain(index: int, values: Sequence[object]) -> bool:
        n = len(values)
        date = _plain_date(values[c_date] if c_date < n else None)
        action_id = _plain_text(values[c_id] if c_id < n else None)
        if date is None or date is _MISS or action_id is _MISS or not action_id \
                or (known is not None and action_id not in known):
            return False
        status = _plain_choice(values[c_status] if c_status < n else None, ActionStatus)
        pct = _plain_percent(values[c_pct] if c_pct < n else None)
        reporter = _plain_text(values[c_reporter] if c_reporter < n else None)
        note = _plain_text(values[c_note] if c_note < n else None)
        if status is _MISS or pct is _MISS or reporter is _MISS or note is _MISS:
            return False
        records.append(Update(date=date, action_id=action_id, reporter=reporter, status=status, pct_complete=pct,
                              note=note, row=index + 1))
        return True

    return plain


def _claim_id(row: _Row, header: str, value: str, ids: _Ids, what: str) -> bool:
    """Record an ID; False (and an error) when an earlier row already has it."""
    if value in ids.first_row:
        row.flag(header, f'{header} "{value}" is used again (first at row {ids.first_row[value]}); '
                         f"give each {what} its own ID", True)
        return False
    ids.first_row[value] = row.excel_row
    return True


def _check_ref(row: _Row, header: str, value: str, ids: _Ids, sheet: str, required: bool) -> bool:
    """False (and an error) when a non-blank reference points to no row of the other sheet."""
    if not value or value in ids.first_row or not ids.readable:
        return True
    row.flag(header, f'{header} "{value}" is not on the {sheet} sheet{ids.suggest(value)}; add it '
                     f"there or correct the ID", required)
    return False


def _read_objectives(opened, issues: _Issues) -> tuple[list[Objective], _Ids]:
    records: list[Objective] = []
    ids = _Ids(readable=opened is not None)
    plain = _plain_objectives(opened, records, ids) if opened is not None else None
    for row in _rows(opened, issues, contract.OBJECTIVES, plain):
        kpi_id = row.text("KPI ID", required=True)
        if kpi_id and not _claim_id(row, "KPI ID", kpi_id, ids, "KPI"):
            continue
        department = row.text("Department", required=True)
        kpi = row.text("KPI", required=True)
        direction = row.choice("Direction", Direction, required=True)
        baseline = row.number("Baseline")
        baseline_date = row.date("Baseline Date")
        raw_value = row.raw("Target Value")
        worded = isinstance(raw_value, str) and raw_value.strip() and _number_from_text(raw_value) is None
        target_type = row.choice("Target Type", TargetType, required=not worded)
        if worded:
            target_type, target_value = _worded_target(row, str(raw_value), target_type, direction,
                                                       row.text("Unit"))
        else:
            target_value = row.number("Target Value", required=True)
        target_date = row.date("Target Date")
        if baseline_date and target_date and target_date <= baseline_date:
            row.flag("Target Date", f"Target Date {target_date.isoformat()} is not after Baseline Date "
                                    f"{baseline_date.isoformat()}; put the target date later (pace needs "
                                    "a path from baseline to target)", False, Severity.WARNING)
        tolerance = row.tolerance("Tolerance %")
        frequency = row.choice("Frequency", Frequency, required=True)
        if target_type in (TargetType.PCT_CHANGE, TargetType.CHANGE) and baseline is None \
                and row.raw("Baseline") is None:
            row.flag("Baseline", f'Baseline is blank but Target Type "{target_type}" needs it; fill '
                                 "in the baseline or use an Absolute target", False)
        if not row.usable:
            continue
        records.append(Objective(
            kpi_id=kpi_id, department=department, kpi=kpi, unit=row.text("Unit"),
            direction=direction, baseline=baseline, target_type=target_type,
            target_value=target_value, tolerance_pct=tolerance, frequency=frequency,
            owner=row.text("Owner"), row=row.excel_row,
            baseline_date=baseline_date, target_date=target_date,
        ))
    return records, ids


def _worded_target(row: _Row, text: str, explicit: TargetType | None, direction: Direction | None,
                   unit: str) -> tuple[TargetType | None, float | None]:
    """A Target Value typed in words ("15% increase"): read it, say how, or refuse it at its cell."""
    if direction is None:  # the Direction's own error is already reported
        row.flag("Target Value", f'Target Value "{text}" is worded; it can be read once the Direction is set',
                 True)
        return explicit, None
    try:
        reading = read_target_wording(text, direction, unit)
        check_against_type(reading, explicit, text)
    except TargetWordingError as problem:
        row.flag("Target Value", str(problem), True)
        return explicit, None
    row.flag("Target Value", f'Target Value "{text}" read as {reading.explained}; type the Target Type and '
                             "a number to silence this", False, Severity.WARNING)
    return reading.target_type, reading.value


def _read_actuals(opened, kpi_ids: _Ids, issues: _Issues) -> list[Actual]:
    records: list[Actual] = []
    seen: dict[tuple[str, dt.date], int] = {}
    plain = _plain_actuals(opened, records, kpi_ids, seen) if opened is not None else None
    for row in _rows(opened, issues, contract.ACTUALS, plain):
        kpi_id = row.text("KPI ID", required=True)
        _check_ref(row, "KPI ID", kpi_id, kpi_ids, contract.OBJECTIVES_SHEET, required=True)
        period_end = row.date("Period End", required=True)
        actual = row.number("Actual", required=True)
        if not row.usable:
            continue
        key = (kpi_id, period_end)
        if key in seen:
            row.flag("Period End", f'KPI "{kpi_id}" already has an actual for {period_end.isoformat()} '
                                   f"(row {seen[key]}); the lower row counts, delete the one that is "
                                   "wrong", False, Severity.WARNING)
        seen.setdefault(key, row.excel_row)
        records.append(Actual(kpi_id=kpi_id, period_end=period_end, actual=actual,
                              source=row.text("Source"), comment=row.text("Comment"), row=row.excel_row))
    return records


def _read_causes(opened, kpi_ids: _Ids, issues: _Issues) -> tuple[list[Cause], _Ids]:
    records: list[Cause] = []
    ids = _Ids(readable=opened is not None)
    plain = _plain_causes(opened, records, kpi_ids, ids) if opened is not None else None
    for row in _rows(opened, issues, contract.CAUSES, plain):
        cause_id = row.text("Cause ID", required=True)
        if cause_id and not _claim_id(row, "Cause ID", cause_id, ids, "cause"):
            continue
        kpi_id = row.text("KPI ID", required=True)
        _check_ref(row, "KPI ID", kpi_id, kpi_ids, contract.OBJECTIVES_SHEET, required=True)
        description = row.text("Description", required=True)
        category = row.choice("Category", CauseCategory)
        fishbone = row.choice("Fishbone", Fishbone)
        whys = tuple(w for w in (row.text(f"Why {n}") for n in range(1, 6)) if w)
        weight = row.number("Weight")
        if weight is not None and weight < 0:
            row.flag("Weight", f"Weight {_show(weight)} is negative; type 0 or more", False)
            weight = None
        evidence = row.choice("Evidence", Evidence)
        confirmed = row.yes_no("Confirmed")
        if not row.usable:
            continue
        ids.kpi_of[cause_id] = kpi_id
        records.append(Cause(
            cause_id=cause_id, kpi_id=kpi_id, category=category, fishbone=fishbone,
            description=description, whys=whys, impact=row.text("Impact"), weight=weight,
            evidence=evidence, confirmed=confirmed, row=row.excel_row,
        ))
    return records, ids


def _read_actions(opened, kpi_ids: _Ids, cause_ids: _Ids, issues: _Issues) -> tuple[list[Action], _Ids]:
    records: list[Action] = []
    ids = _Ids(readable=opened is not None)
    plain = _plain_actions(opened, records, kpi_ids, cause_ids, ids) if opened is not None else None
    for row in _rows(opened, issues, contract.ACTIONS, plain):
        action_id = row.text("Action ID", required=True)
        if action_id and not _claim_id(row, "Action ID", action_id, ids, "action"):
            continue
        cause_id = row.text("Cause ID")
        if not _check_ref(row, "Cause ID", cause_id, cause_ids, contract.CAUSES_SHEET, required=False):
            cause_id = ""
        kpi_id = row.text("KPI ID")
        if not _check_ref(row, "KPI ID", kpi_id, kpi_ids, contract.OBJECTIVES_SHEET, required=False):
            kpi_id = ""
        cause_kpi = cause_ids.kpi_of.get(cause_id, "")
        if kpi_id and cause_kpi and kpi_id != cause_kpi:
            row.flag("KPI ID", f'KPI ID "{kpi_id}" differs from the KPI of cause "{cause_id}" ({cause_kpi}); '
                               "correct one of them", False, Severity.WARNING)
        department = row.text("Department", required=True)
        action = row.text("Action", required=True)
        strategy = row.choice("Strategy", Strategy)
        owner = row.text("Owner", required=True)
        start = row.date("Start Date", required=True)
        weeks = row.number("Timeline (weeks)", required=True)
        if weeks is not None and weeks <= 0:
            row.flag("Timeline (weeks)", f"Timeline (weeks) {_show(weeks)} must be more than 0; type "
                                         "the number of weeks, e.g. 2", True)
            weeks = None
        if weeks is not None and start is not None:
            try:
                original_due(start, weeks)
            except (OverflowError, ValueError):  # past 31 Dec 9999: no calendar has that due date
                row.flag("Timeline (weeks)", f"Timeline (weeks) {_show(weeks)} puts the due date past the "
                                             "year 9999; type the number of weeks, e.g. 2", True)
                weeks = None
        due_typed = _typed_due_date(row, start, weeks)
        status = row.choice("Status", ActionStatus, required=True)
        pct = row.percent_complete("% Complete")
        approved = row.choice("Approved", Approval)
        escalate = row.yes_no("Escalate")
        last_update = row.date("Last Update")
        if not row.usable:
            continue
        records.append(Action(
            action_id=action_id, cause_id=cause_id, kpi_id=kpi_id, department=department,
            action=action, strategy=strategy, owner=owner, start_date=start,
            timeline_weeks=weeks, due_date_typed=due_typed, milestones=row.text("Milestones"),
            status=status, pct_complete=pct, approved=approved,
            resources_needed=row.text("Resources Needed"), obstacles=row.text("Obstacles"),
            escalate=escalate, expected_outcome=row.text("Expected Outcome"),
            last_update=last_update, row=row.excel_row,
        ))
    return records, ids


def _typed_due_date(row: _Row, start: dt.date | None, weeks: float | None) -> dt.date | None:
    """A Due Date that differs from Start + 7 × weeks was typed over; anything else is the formula."""
    value = row.raw("Due Date")
    # A formula with no or a zero cached value shows as blank, 0 or midnight: not typed.
    if value is None or _error_code(value) or isinstance(value, (bool, dt.time, dt.timedelta)):
        return None
    if isinstance(value, (int, float)) and value == 0:
        return None
    if isinstance(value, str) and not value.strip():
        return None
    due = row.date("Due Date")
    if due is None or start is None or weeks is None:
        return None
    if due == original_due(start, weeks):
        return None
    if due < start:
        row.flag("Due Date", f"Due Date {due.isoformat()} is before Start Date {start.isoformat()}; "
                             "correct one of them", False)
        return None
    return due


def _read_updates(opened, action_ids: _Ids, issues: _Issues) -> list[Update]:
    records: list[Update] = []
    plain = _plain_updates(opened, records, action_ids) if opened is not None else None
    for row in _rows(opened, issues, contract.UPDATES, plain):
        date = row.date("Date", required=True)
        action_id = row.text("Action ID", required=True)
        _check_ref(row, "Action ID", action_id, action_ids, contract.ACTIONS_SHEET, required=True)
        status = row.choice("Status", ActionStatus)
        pct = row.percent_complete("% Complete")
        if not row.usable:
            continue
        records.append(Update(date=date, action_id=action_id, reporter=row.text("Reporter"),
                              status=status, pct_complete=pct, note=row.text("Note"), row=row.excel_row))
    return records


# ------------------------------------------------------------------------- people

# One plain address, as a mail server takes it: local part (RFC 5322 atom characters and dots),
# @, a domain of dot-separated labels. No display name, no second address, no spaces.
_EMAIL_ADDRESS = re.compile(
    r"(?!\.)(?!.*\.\.)[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+(?<!\.)"
    r"@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+"
)


def is_email_address(text: str) -> bool:
    """True for one bare address such as thandi@example.org (what the People sheet's Email holds)."""
    return bool(_EMAIL_ADDRESS.fullmatch(text))


def _read_people(source: RowSource, objectives: Sequence[Objective], actions: Sequence[Action],
                 issues: _Issues) -> tuple[Person, ...]:
    """The optional People sheet; no sheet, no people, no warning (older trackers lack it).

    An Email that is not an address is an error at its cell (the person stays, without an
    address); a blank Email a warning. A Department Head needs a Department, spelled as the
    Objectives or Actions sheets spell it.
    """
    if _find_sheet(source, contract.PEOPLE_SHEET) is None:
        return ()
    known = {normalise_header(r.department) for r in (*objectives, *actions) if r.department}
    people: list[Person] = []
    for row in _rows(_open_sheet(source, contract.PEOPLE_SHEET, contract.PEOPLE, issues), issues,
                     contract.PEOPLE):
        name = row.text("Name", required=True)
        role = row.choice("Role", Role, required=True)
        department = row.text("Department")
        email = row.text("Email")
        if email and not is_email_address(email):
            several = len(re.findall(r"@", email)) > 1
            row.flag("Email", f"Email {_show(email)} is not " + ("one address" if several else "an email address")
                     + "; type " + ("one address per row" if several else "one address") + ", e.g. "
                     "thandi@example.org", False)
            email = ""
        elif not email and name:
            row.flag("Email", f'Email is blank, so {_show(name)} gets no reminders; type their address, e.g. '
                              "thandi@example.org", False, Severity.WARNING)
        if role is Role.HEAD:
            if not department:
                row.flag("Department", f"Department is blank, but {_show(name)} is a Department Head; type "
                                       "the department they head, as the Actions sheet spells it", False)
            elif known and normalise_header(department) not in known:
                row.flag("Department", f"Department {_show(department)} is on no Objectives or Actions row, "
                                       "so no escalation reaches this Department Head; type it as those "
                                       "sheets spell it", False, Severity.WARNING)
        if not row.usable:
            continue
        people.append(Person(name=name, role=role, department=department, email=email, row=row.excel_row))
    return tuple(people)


def _check_owners(people: Sequence[Person], sheets: dict, objectives: Sequence[Objective],
                  actions: Sequence[Action], issues: _Issues) -> None:
    """A warning at every Owner cell whose name is not on a non-empty People sheet."""
    if not people:
        return
    names = {normalise_header(p.name) for p in people}
    for sheet_name, records in ((contract.OBJECTIVES_SHEET, objectives), (contract.ACTIONS_SHEET, actions)):
        opened = sheets.get(sheet_name)
        if opened is None:
            continue
        sheet, _grid = opened
        column = sheet.column_of("Owner")
        for record in records:
            if not record.owner or normalise_header(record.owner) in names:
                continue
            cell = cell_ref(record.row - 1, column) if column is not None else ""
            issues.warning(sheet.title, cell, "Owner",
                           f'Owner "{record.owner}" is not on the People sheet, so reminders cannot reach '
                           f'them; add a People row with Name "{record.owner}" and their Email, or correct '
                           "the name")


# ------------------------------------------------------------------------ wording


def _read_wording(source: RowSource, issues: _Issues) -> tuple[tuple[str, str], ...]:
    """The optional Wording sheet: (key, text) pairs in row order; no sheet, no pairs, no warning.

    A blank Wording keeps our default; an unknown key is a warning naming the nearest
    known one; a text over wording.MAX_CHARS is an error. A one-text key on several rows:
    the first row counts (a warning at the others).
    """
    if _find_sheet(source, contract.WORDING_SHEET) is None:
        return ()
    pairs: list[tuple[str, str]] = []
    first_row: dict[str, int] = {}
    for row in _rows(_open_sheet(source, contract.WORDING_SHEET, contract.WORDING, issues), issues,
                     contract.WORDING):
        words = row.text("Wording")
        if not words:
            continue
        typed = row.text("Text")
        if not typed:
            row.flag("Text", "Text is blank, so the wording beside it is not used; type the text it replaces, "
                             'e.g. "findings.conclusion", or delete the row', False, Severity.WARNING)
            continue
        key = wording.known_key(typed)
        if key is None:
            row.flag("Text", f'Text "{typed}" is not a text the reports use, so its wording is not used; type '
                             f'"{wording.closest_key(typed)}" (the nearest) or another key from the '
                             "template's Wording sheet", False, Severity.WARNING)
            continue
        if len(words) > wording.MAX_CHARS:
            row.flag("Wording", f'Wording of "{key}" is {len(words):,} characters, more than the '
                                f"{wording.MAX_CHARS:,} a report shows at a glance; shorten it", False)
            continue
        if key in first_row and not wording.entry(key).many:
            row.flag("Text", f'Text "{key}" is worded again (first at row {first_row[key]}); the first row '
                             "counts, delete the other", False, Severity.WARNING)
            continue
        first_row.setdefault(key, row.excel_row)
        pairs.append((key, words))
    return tuple(pairs)


# ----------------------------------------------------------------------- settings

_SETTING_FIELDS = {
    "Organisation": "organisation",
    "Report Title": "report_title",
    "Prepared By": "prepared_by",
    "As Of Date": "as_of",
    "Meeting Date": "meeting_date",
    "Facilitator": "facilitator",
    "Attendees": "attendees",
    "Tolerance %": "tolerance_pct",
    "Trend Periods": "trend_periods",
    "Email To": "email_to",
    "Email Cc": "email_cc",
    "Output Folder": "output_folder",
    "Escalate To Head After (days)": "escalate_head_after_days",
    "Escalate To Leadership After (days)": "escalate_leadership_after_days",
    "History File": "history_file",
}
_DAY_SETTINGS = {"Escalate To Head After (days)", "Escalate To Leadership After (days)"}
_LIST_SETTINGS = {"Attendees", "Email To", "Email Cc"}
_DATE_SETTINGS = {"As Of Date", "Meeting Date"}


def _read_settings(source: RowSource, issues: _Issues) -> Settings:
    """Settings sheet: Setting | Value pairs; blanks keep the defaults."""
    title = _find_sheet(source, contract.SETTINGS_SHEET)
    if title is None:
        issues.warning(contract.SETTINGS_SHEET, "", "", 'The workbook has no "Settings" sheet, defaults '
                                                       "apply; add it with the columns Setting | Value")
        return Settings()
    grid = source.rows(title)
    name_col, value_col, first = 0, 1, 0
    for r, row in enumerate(grid[:HEADER_SCAN_ROWS]):
        keys = [normalise_header(v) if isinstance(v, str) else "" for v in row]
        if "setting" in keys and "value" in keys:
            name_col, value_col, first = keys.index("setting"), keys.index("value"), r + 1
            break
    sheet = _Sheet(title, first - 1, {"value": value_col})
    wanted = {normalise_header(k): k for k in _SETTING_FIELDS}
    values: dict[str, object] = {}
    for index in range(first, len(grid)):
        row = grid[index]
        if name_col >= len(row) or not isinstance(row[name_col], str):
            continue
        name = wanted.get(normalise_header(row[name_col]))
        if name is None or name in values:
            continue
        reader = _Row(sheet, row, index, issues)
        values[name] = _setting_value(reader, name)
    settings = Settings(**{_SETTING_FIELDS[k]: v for k, v in values.items() if v is not None})
    if settings.escalate_leadership_after_days < settings.escalate_head_after_days:
        issues.warning(title, "", "Escalate To Leadership After (days)",
                       f"Escalate To Leadership After ({settings.escalate_leadership_after_days} days) is sooner "
                       f"than Escalate To Head After ({settings.escalate_head_after_days} days), so department "
                       "heads are skipped; make it the larger number")
    return settings


def _setting_value(row: _Row, name: str) -> object:
    """One setting's typed value, or None to keep the default (after reporting a bad value)."""
    raw = row.raw("Value")
    if name in _LIST_SETTINGS:
        return _split_list(raw)
    if name in _DATE_SETTINGS:
        return _settings_cell(row, name, lambda: row.date("Value"))
    if name == "Tolerance %":
        return _settings_cell(row, name, lambda: row.tolerance("Value", name))
    if name == "Trend Periods":
        def periods() -> int | None:
            number = row.number("Value")
            if number is None:
                return None
            if not number.is_integer() or number < 2:
                row.flag("Value", f"Trend Periods {_show(number)} must be a whole number of 2 or more; "
                                  "type e.g. 3", False)
                return None
            return int(number)
        return _settings_cell(row, name, periods)
    if name in _DAY_SETTINGS:
        def days() -> int | None:
            number = row.number("Value")
            if number is None:
                return None
            if not number.is_integer() or number < 0:
                row.flag("Value", f"{name} {_show(number)} must be a whole number of days, 0 or more; "
                                  "type e.g. 7", False)
                return None
            return int(number)
        return _settings_cell(row, name, days)
    text = row.text("Value")
    return text or None


def _settings_cell(row: _Row, name: str, parse: Callable[[], object]) -> object:
    """Run a Value parser with messages that name the setting, not the Value column."""
    before = len(row.issues.items)
    result = parse()
    for i in range(before, len(row.issues.items)):
        issue = row.issues.items[i]
        message = issue.message
        if message.startswith("Value "):
            message = f"{name} " + message[len("Value "):]
        row.issues.items[i] = Issue(issue.severity, issue.sheet, issue.cell, name, message)
    return result
