"""The reader's row source over a workbook open in Excel (xlwings).

The file reader (python-calamine) and this adapter hand the core the same
rows, so a button reads the edits staff have not saved yet and everything
after the rows is shared. One COM call per sheet: the used range's values
in one block, padded so that row 0 is Excel row 1 and column 0 is column A.

Nothing here imports xlwings: the book object comes from the caller
(`xw.Book.caller()` in Excel, a stand-in in tests).
"""

from __future__ import annotations

import datetime as dt

from ..read import EXCEL_ERROR_CODES, CellError

# xlwings gives error cells as these texts with err_to_str=True; the reader knows the same set.
EXCEL_ERROR_TEXTS = EXCEL_ERROR_CODES


class XlwingsRowSource:
    """RowSource over a live xlwings Book: `name`, `sheet_names()`, `rows(sheet)`."""

    def __init__(self, book):
        self.book = book
        self.name = book.name
        self._cache: dict[str, list[list]] = {}

    def sheet_names(self) -> list[str]:
        return [sheet.name for sheet in self.book.sheets]

    def rows(self, sheet: str) -> list[list]:
        if sheet not in self._cache:
            self._cache[sheet] = _sheet_rows(self.book.sheets[sheet])
        return self._cache[sheet]


def _sheet_rows(sheet) -> list[list]:
    used = sheet.used_range
    # err_to_str keeps "#N/A" distinguishable from a blank; ndim=2 keeps a single cell a table.
    block = used.options(ndim=2, err_to_str=True).value or []
    top_blank_rows = used.row - 1
    left_blank_columns = used.column - 1
    rows: list[list] = [[] for _ in range(top_blank_rows)]
    for values in block:
        rows.append([None] * left_blank_columns + [cell_value(v) for v in values])
    while rows and all(v is None for v in rows[-1]):
        rows.pop()  # an empty sheet's used range is A1 holding None
    return rows


def cell_value(value):
    """One cell as the reader expects it: error texts become CellError, whole floats stay floats."""
    if isinstance(value, str) and value in EXCEL_ERROR_TEXTS:
        return CellError(value)
    if isinstance(value, (str, bool, int, float, dt.date)) or value is None:
        return value
    return str(value)  # anything exotic (a currency type) reaches the reader as text
