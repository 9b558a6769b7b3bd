"""A stand-in for the small part of the xlwings Book API the button handlers use.

Loaded from a real tracker file (values and formulas through openpyxl), it
behaves like xlwings on Windows where it matters to the handlers: numbers
come back as floats, dates as datetimes, blanks as None, `used_range` is the
bounding box of the filled cells (so it may not start at A1), and
`formula` gives "" for a plain value. It records what a user would see:
writes, the selected cell and message boxes.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
from openpyxl.worksheet.formula import ArrayFormula
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.utils.cell import coordinate_from_string

from saypro_xl.excel.live import EXCEL_ERROR_TEXTS


def _formula_text(value) -> str | None:
    if isinstance(value, ArrayFormula):
        return value.text
    if isinstance(value, str) and value.startswith("="):
        return value
    return None


def _cell_of(address: str) -> tuple[int, int]:
    letters, row = coordinate_from_string(address.replace("$", ""))
    return row, column_index_from_string(letters)


def _as_xlwings(value):
    """What COM hands Python: every number a float; times and dates as datetimes."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return float(value)
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    return value


class FakeApp:
    def __init__(self, book: "FakeBook"):
        self.book = book
        self.alerts: list[dict] = []
        self.alert_answer = "ok"
        self.status_bar = False

    def alert(self, prompt, title=None, buttons="ok", mode=None, callback=None):
        self.alerts.append({"prompt": prompt, "title": title, "buttons": buttons, "mode": mode})
        return self.alert_answer


class FakeRange:
    def __init__(self, sheet: "FakeSheet", top: int, left: int, bottom: int, right: int, options=None):
        self.sheet = sheet
        self.row, self.column = top, left
        self.last_cell_row, self.last_cell_column = bottom, right
        self._options = options or {}

    @property
    def shape(self) -> tuple[int, int]:
        return self.last_cell_row - self.row + 1, self.last_cell_column - self.column + 1

    @property
    def address(self) -> str:
        first = f"${get_column_letter(self.column)}${self.row}"
        if self.shape == (1, 1):
            return first
        return f"{first}:${get_column_letter(self.last_cell_column)}${self.last_cell_row}"

    def options(self, **options) -> "FakeRange":
        return FakeRange(self.sheet, self.row, self.column, self.last_cell_row, self.last_cell_column, options)

    def _block(self, source: dict) -> list[list]:
        return [
            [source.get((r, c)) for c in range(self.column, self.last_cell_column + 1)]
            for r in range(self.row, self.last_cell_row + 1)
        ]

    @property
    def value(self):
        block = [[_as_xlwings(v) for v in row] for row in self._block(self.sheet.values)]
        if not self._options.get("err_to_str"):  # xlwings' default hides error cells as None
            block = [[None if v in EXCEL_ERROR_TEXTS else v for v in row] for row in block]
        if self._options.get("ndim") == 2:
            return block
        if self.shape == (1, 1):
            return block[0][0]
        if self.shape[0] == 1:
            return block[0]
        if self.shape[1] == 1:
            return [row[0] for row in block]
        return block

    @value.setter
    def value(self, new):
        rows = new if isinstance(new, (list, tuple)) and new and isinstance(new[0], (list, tuple)) else None
        if rows is None:
            rows = [list(new)] if isinstance(new, (list, tuple)) else [[new]]
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                self.sheet.set_cell(self.row + i, self.column + j, v)
        self.sheet.book.writes.append((self.sheet.name, self.address, new))

    @property
    def formula(self):
        block = [["" if (r, c) not in self.sheet.formulas else self.sheet.formulas[(r, c)] for c in range(self.column, self.last_cell_column + 1)] for r in range(self.row, self.last_cell_row + 1)]
        if self.shape == (1, 1):
            return block[0][0] or _display(self.sheet.values.get((self.row, self.column)))
        return tuple(tuple(row) for row in block)

    def select(self) -> None:
        self.sheet.book.selections.append(f"{self.sheet.name}!{self.address.replace('$', '')}")

    def clear_contents(self) -> None:
        for r in range(self.row, self.last_cell_row + 1):
            for c in range(self.column, self.last_cell_column + 1):
                self.sheet.values.pop((r, c), None)
                self.sheet.formulas.pop((r, c), None)


def _display(value) -> str:
    return "" if value is None else str(value)


class FakeSheet:
    def __init__(self, book: "FakeBook", name: str):
        self.book = book
        self.name = name
        self.values: dict[tuple[int, int], object] = {}
        self.formulas: dict[tuple[int, int], str] = {}
        self.activated = False

    def set_cell(self, row: int, column: int, value) -> None:
        self.formulas.pop((row, column), None)
        if value is None or value == "":
            self.values.pop((row, column), None)
        elif isinstance(value, str) and value.startswith("="):
            self.formulas[(row, column)] = value
            self.values[(row, column)] = None
        else:
            self.values[(row, column)] = value

    def cell(self, address: str):
        """The value now at an A1 address (for assertions)."""
        return self.values.get(_cell_of(address))

    @property
    def used_range(self) -> FakeRange:
        filled = [k for k, v in self.values.items() if v is not None] + list(self.formulas)
        if not filled:
            return FakeRange(self, 1, 1, 1, 1)
        rows = [r for r, _ in filled]
        cols = [c for _, c in filled]
        return FakeRange(self, min(rows), min(cols), max(rows), max(cols))

    def range(self, first, last=None) -> FakeRange:
        top, left = _cell_of(first) if isinstance(first, str) and ":" not in first else (None, None)
        if isinstance(first, str) and ":" in first:
            a, b = first.split(":")
            (top, left), (bottom, right) = _cell_of(a), _cell_of(b)
            return FakeRange(self, top, left, bottom, right)
        if isinstance(first, tuple):
            top, left = first
        bottom, right = (top, left) if last is None else (_cell_of(last) if isinstance(last, str) else last)
        return FakeRange(self, top, left, bottom, right)

    def clear_contents(self) -> None:
        self.values.clear()
        self.formulas.clear()

    def activate(self) -> None:
        self.activated = True


class FakeSheets:
    def __init__(self, book: "FakeBook"):
        self.book = book
        self._sheets: list[FakeSheet] = []

    def __iter__(self):
        return iter(list(self._sheets))

    def __len__(self) -> int:
        return len(self._sheets)

    def __getitem__(self, key) -> FakeSheet:
        if isinstance(key, int):
            return self._sheets[key]
        for sheet in self._sheets:
            if sheet.name.casefold() == str(key).casefold():  # Excel sheet names ignore case
                return sheet
        raise KeyError(key)

    def __contains__(self, name: str) -> bool:
        return any(s.name.casefold() == name.casefold() for s in self._sheets)

    def add(self, name=None, before=None, after=None) -> FakeSheet:
        if name in self:
            raise ValueError(f"Sheet named '{name}' already present in workbook")
        sheet = FakeSheet(self.book, name or f"Sheet{len(self._sheets) + 1}")
        position = len(self._sheets) if after is None else self._sheets.index(after) + 1
        if before is not None:
            position = self._sheets.index(before)
        self._sheets.insert(position, sheet)
        self.book.added_sheets.append(sheet.name)
        return sheet


class FakeBook:
    def __init__(self, fullname: str | Path):
        self.fullname = str(fullname)
        self.name = Path(fullname).name
        self.sheets = FakeSheets(self)
        self.app = FakeApp(self)
        self.writes: list[tuple[str, str, object]] = []
        self.selections: list[str] = []
        self.added_sheets: list[str] = []

    @classmethod
    def from_file(cls, path: str | Path) -> "FakeBook":
        """A book holding what Excel would show for the file: cached values and formulas."""
        formulas = openpyxl.load_workbook(path)
        values = openpyxl.load_workbook(path, data_only=True)
        book = cls(Path(path).resolve())
        for ws in formulas.worksheets:
            sheet = FakeSheet(book, ws.title)
            book.sheets._sheets.append(sheet)
            shown = values[ws.title]
            for row in ws.iter_rows():
                for cell in row:
                    formula = _formula_text(cell.value)
                    if formula:
                        sheet.formulas[(cell.row, cell.column)] = formula
                        cached = shown.cell(cell.row, cell.column).value
                        if cached not in (None, ""):
                            sheet.values[(cell.row, cell.column)] = cached
                    elif cell.value is not None and not (isinstance(cell.value, str) and cell.value == ""):
                        sheet.values[(cell.row, cell.column)] = cell.value
        return book

    @property
    def alerts(self) -> list[dict]:
        return self.app.alerts
