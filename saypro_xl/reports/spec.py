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
    choices: tuple[str, ...] = ()  # a drop-down of these values on the data cells (data validation)
    min_lines: int = 0  # rows at least this many lines tall: room to type or write an answer

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
    """A chart series: values (and categories) are columns of a table.

    On a scatter chart the categories column holds the x values (e.g. dates).
    """

    name: str
    table: str
    values: str
    categories: str
    kind: str = ""  # "" = the chart's kind; "line" on a column chart makes a combination
    secondary_axis: bool = False
    colour: str = ""
    point_colours: tuple[str, ...] = ()  # pie slices, or one colour per bar
    dashed: bool = False  # a reference line (e.g. the target) rather than data
    markers: bool = True  # line and scatter series: a marker on each point
    # Name the series by the header cell of its values column instead of by `name` (which
    # should then equal that header): text typed in the tracker, such as a KPI name, reaches
    # the chart from a cell written as text, never as a string the chart library might read
    # as a reference ("Sales!A1").
    name_from_header: bool = False
    line: bool = True  # False: markers only (e.g. the days an action started and finished)
    marker: str = ""  # marker shape ("circle", "triangle", "diamond", "square"); "" = circle
    label_column: str = ""  # a column of the same table whose text labels each point


CHART_KINDS = ("column", "bar", "line", "pie", "scatter")


@dataclass(frozen=True)
class Chart:
    """A native chart. "value axis" is the vertical axis, or the horizontal one of a bar chart.

    value_min / value_max / value_major_unit fix the value axis instead of leaving it
    to the spreadsheet app (whose automatic minimum need not be zero);
    value_format is its number format ("0" for counts, "0%" for shares).
    """

    kind: str  # see CHART_KINDS
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
    beside_previous: bool = False  # place to the right of the previous chart, or of the table just before
    value_min: float | None = None
    value_max: float | None = None
    value_major_unit: float | None = None
    value_format: str = ""
    category_format: str = ""  # number format of the category (x) axis, e.g. "d mmm" for dates
    # A scatter chart's x axis is a value axis too: its bounds and step (dates or numbers).
    category_min: float | dt.date | None = None
    category_max: float | dt.date | None = None
    category_major_unit: float | None = None
    label_rotation: int | None = None  # category labels; None = -30° on column and line charts
    data_labels: str = ""  # number format of a label on every point ("" = no labels)
    legend: str = ""  # "" = at the bottom when there are several series, "none", "bottom", "right"
    font_size: float = 0  # axis, legend and label text in points (0 = the app's default)
    title_size: float = 11

    def __post_init__(self) -> None:
        if self.kind not in CHART_KINDS:
            raise ValueError(f"Chart {self.title!r}: kind {self.kind!r} is not one of {CHART_KINDS}")


@dataclass(frozen=True)
class ChartGrid:
    """Charts placed at (row, column) offsets from the grid's top-left cell, in sheet rows and columns.

    For a dashboard that must fit one page: the charts sit where they are put,
    and the rows after the grid start below its lowest chart.
    """

    cells: tuple[tuple[int, int, Chart], ...]

    @property
    def height_rows(self) -> int:
        return max((r + c.height_rows for r, _, c in self.cells), default=0)


@dataclass(frozen=True)
class Figure:
    """A key figure: a big number over its label, e.g. 5 · Off Track."""

    label: str
    value: int | float
    style: str = ""  # "" | "good" | "warn" | "bad" | "muted": the tile's colours


@dataclass(frozen=True)
class Figures:
    """A row of key-figure tiles, one sheet column each, from the first column; None leaves a gap."""

    items: tuple[Figure | None, ...]


@dataclass(frozen=True)
class PageBreak:
    """Start a new printed page here."""


Block = Union[Text, Bullets, Table, Chart, ChartGrid, Figures, PageBreak]


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
    fit_to_page: bool = False  # print on one page (1 wide × 1 tall); the layout should fit at about 100 %
    hidden: bool = False  # hidden sheets print nothing (chart data); never the first sheet
    protect: bool = False  # protect the sheet without a password: only cells of the "input" style take typing

    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]

    def charts(self) -> list[Chart]:
        out: list[Chart] = []
        for b in self.blocks:
            if isinstance(b, Chart):
                out.append(b)
            elif isinstance(b, ChartGrid):
                out.extend(c for _, _, c in b.cells)
        return out

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

    def __post_init__(self) -> None:
        if self.sheets and self.sheets[0].hidden:
            raise ValueError(f"Workbook {self.file_name!r}: the first sheet cannot be hidden")

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
