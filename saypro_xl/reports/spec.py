"""A report as plain data: workbook → sheets → blocks.

The report modules (findings, timeline, agenda, pack) build these records from
a Scorecard; `render.write_workbook` is the one routine that turns any of them
into an .xlsx file. Tests read the numbers straight from the records.

Cells hold only None, str, int, float or datetime.date values. Formats are
referred to by style name (see render.STYLES), so the spec stays plain data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Union

CellValue = Union[None, str, int, float, dt.date]

# Column kinds decide how a value is written and which number format it gets.
KINDS = ("text", "number", "integer", "percent", "date", "time", "weeks")


@dataclass(frozen=True)
class Text:
    """One line or paragraph spread across the sheet's columns.

    style: "title" | "subtitle" | "heading" | "subheading" | "paragraph" | "note" | "alert"
    """

    text: str
    style: str = "paragraph"


@dataclass(frozen=True)
class Bullets:
    items: tuple[str, ...]


@dataclass(frozen=True)
class Column:
    header: str
    kind: str = "text"
    span: int = 1  # how many sheet columns the cell covers (merged)
    style: str = ""  # extra style name for the data cells ("" = by kind)
    header_value: CellValue = None  # written in the header cell instead of `header` (e.g. a week's date)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"Column {self.header!r}: kind {self.kind!r} is not one of {KINDS}")


@dataclass(frozen=True)
class ConditionalRule:
    """A formula rule over some of a table's columns, for every data row.

    The formula is a template; the renderer replaces
      {col:Header}  the row's cell in that column, column fixed  ($D5)
      {header}      the current column's header cell, row fixed  (J$4)
      {cell}        the current cell itself                      (J5)
    with references for the table's top-left data cell, as Excel expects.
    """

    first_column: str
    last_column: str
    formula: str
    style: str
    stop_if_true: bool = False


@dataclass(frozen=True)
class Table:
    key: str  # unique within the workbook; charts point at tables by key
    columns: tuple[Column, ...]
    rows: tuple[tuple[CellValue, ...], ...]
    row_styles: tuple[str, ...] = ()  # per row: "" or a style for the whole row ("group")
    rules: tuple[ConditionalRule, ...] = ()
    empty_text: str = "None."  # shown under the header when there are no rows
    header_style: str = "header"

    def __post_init__(self) -> None:
        width = len(self.columns)
        for i, row in enumerate(self.rows):
            if len(row) != width:
                raise ValueError(f"Table {self.key!r} row {i} has {len(row)} cells, expected {width}")
        if self.row_styles and len(self.row_styles) != len(self.rows):
            raise ValueError(f"Table {self.key!r}: row_styles must match rows")

    def column_index(self, header: str) -> int:
        for i, column in enumerate(self.columns):
            if column.header == header:
                return i
        raise KeyError(f"Table {self.key!r} has no column {header!r}")

    def column_values(self, header: str) -> list[CellValue]:
        i = self.column_index(header)
        return [row[i] for row, style in zip(self.rows, self.row_styles or [""] * len(self.rows))
                if style != "group"]

    def records(self) -> list[dict[str, CellValue]]:
        """Data rows (group header rows left out) as header → value dictionaries."""
        headers = [c.header for c in self.columns]
        styles = self.row_styles or ("",) * len(self.rows)
        return [dict(zip(headers, row)) for row, style in zip(self.rows, styles) if style != "group"]


@dataclass(frozen=True)
class Series:
    """A chart series: values (and categories) are columns of a table."""

    name: str
    table: str
    values: str
    categories: str
    kind: str = ""  # "" = the chart's kind; "line" on a column chart makes a combination
    secondary_axis: bool = False
    colour: str = ""
    point_colours: tuple[str, ...] = ()  # pie slices


@dataclass(frozen=True)
class Chart:
    kind: str  # "column" | "bar" | "line" | "pie"
    title: str
    series: tuple[Series, ...]
    stacked: bool = False
    x_title: str = ""
    y_title: str = ""
    y_percent: bool = False
    y2_percent: bool = False
    y2_max: float | None = None
    width_columns: int = 8  # size in sheet columns/rows at the sheet's widths
    height_rows: int = 18
    beside_previous: bool = False  # place to the right of the previous chart


@dataclass(frozen=True)
class PageBreak:
    """Start a new printed page here."""


Block = Union[Text, Bullets, Table, Chart, PageBreak]


@dataclass(frozen=True)
class Sheet:
    name: str
    column_widths: tuple[float, ...]
    blocks: tuple[Block, ...]
    landscape: bool = True
    fit_to_width: bool = True
    freeze_rows: int = 0  # freeze panes below this many rows (0 = none)
    freeze_columns: int = 0
    freeze_table: str = ""  # freeze panes just below this table's header row
    repeat_header_row: int = 0  # Excel row number to repeat on printed pages (0 = none)

    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]

    def charts(self) -> list[Chart]:
        return [b for b in self.blocks if isinstance(b, Chart)]

    def table(self, key: str) -> Table:
        for t in self.tables():
            if t.key == key:
                return t
        raise KeyError(f"Sheet {self.name!r} has no table {key!r}")

    def texts(self) -> list[str]:
        out: list[str] = []
        for b in self.blocks:
            if isinstance(b, Text):
                out.append(b.text)
            elif isinstance(b, Bullets):
                out.extend(b.items)
        return out


@dataclass(frozen=True)
class Workbook:
    file_name: str
    title: str
    sheets: tuple[Sheet, ...] = field(default_factory=tuple)

    def sheet(self, name: str) -> Sheet:
        for s in self.sheets:
            if s.name == name:
                return s
        raise KeyError(f"Workbook {self.file_name!r} has no sheet {name!r}")

    def table(self, key: str) -> Table:
        for s in self.sheets:
            for t in s.tables():
                if t.key == key:
                    return t
        raise KeyError(f"Workbook {self.file_name!r} has no table {key!r}")
