"""The one routine that writes a report spec to an .xlsx file.

Every cell is written with the method of its type (write_string for text, so
a cause typed as =HYPERLINK(...) stays text), every xlsxwriter return code is
checked, and the file appears whole or not at all (xlsx.atomic_path).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gc
import math
import re
from dataclasses import dataclass
from pathlib import Path

from xlsxwriter.utility import xl_col_to_name

from .. import xlsx
from . import spec as s

FONT = {"font_name": "Calibri", "font_size": 10}
BORDER = {"border": 1, "border_color": "#BFBFBF"}

# Named styles a spec may use. Colours: a muted navy for structure, traffic-light fills for states.
STYLES: dict[str, dict] = {
    "title": {"bold": True, "font_size": 16, "font_color": "#1F3864"},
    "subtitle": {"italic": True, "font_color": "#595959"},
    "heading": {"bold": True, "font_size": 13, "font_color": "#1F3864", "bottom": 2, "bottom_color": "#1F3864"},
    "subheading": {"bold": True, "font_size": 11, "font_color": "#2F5496"},
    "paragraph": {"text_wrap": True, "valign": "top"},
    "note": {"italic": True, "font_color": "#595959", "text_wrap": True, "valign": "top"},
    "alert": {"bold": True, "font_color": "#9C0006", "text_wrap": True, "valign": "top"},
    "bullet": {"text_wrap": True, "valign": "top", "indent": 1},
    "header": {"bold": True, "font_color": "#FFFFFF", "bg_color": "#1F3864", "text_wrap": True,
               "valign": "vcenter", **BORDER},
    "grid_header": {"bold": True, "font_color": "#FFFFFF", "bg_color": "#1F3864", "rotation": 90,
                    "align": "center", "valign": "vcenter", **BORDER},
    "group": {"bold": True, "bg_color": "#D9E1F2", "font_color": "#1F3864", "text_wrap": False},
    "total": {"bold": True, "top": 2},
    "empty": {"italic": True, "font_color": "#595959"},
    "grid": {"align": "center", "valign": "vcenter", "font_color": "#000000"},
    # conditional-format styles (fill only; they sit on top of the cell format)
    "bar": {"bg_color": "#8EA9DB", "font_color": "#1F3864"},
    "bar_done": {"bg_color": "#A9D08E", "font_color": "#375623"},
    "bar_overdue": {"bg_color": "#FF7C80", "font_color": "#9C0006"},
    "bar_blocked": {"bg_color": "#F4B183", "font_color": "#833C0B"},
    "as_of_week": {"bg_color": "#FFF2CC"},
    "good": {"bg_color": "#C6EFCE", "font_color": "#006100"},
    "warn": {"bg_color": "#FFEB9C", "font_color": "#9C5700"},
    "bad": {"bg_color": "#FFC7CE", "font_color": "#9C0006"},
    "muted": {"font_color": "#808080"},
    # a cell to type in: unlocked on a protected sheet, a pale fill so it is found at a glance
    "input": {"locked": False, "bg_color": "#FFF9E5", "text_wrap": True, "valign": "top"},
}

KIND_FORMATS: dict[str, dict] = {
    "text": {"text_wrap": True, "valign": "top"},
    "number": {"num_format": "#,##0.0#", "valign": "top"},
    "integer": {"num_format": "0", "valign": "top", "align": "center"},
    "percent": {"num_format": "0.0%", "valign": "top"},
    "date": {"num_format": "d mmm yyyy", "valign": "top", "align": "left"},
    "time": {"num_format": "hh:mm", "valign": "top"},
    "weeks": {"num_format": "0.#", "valign": "top", "align": "center"},
}

# Every row gets this height explicitly (a one-line row of 10-point text), so Excel and
# LibreOffice lay out the same rows the same way and the page planner can count on it;
# left to themselves, LibreOffice fits rows to the font and Excel uses 15 points.
DEFAULT_ROW_POINTS = 12.75
BOLD_WIDTH = 1.1
LINE_POINTS = 12.75
COLUMN_PIXELS_PER_CHAR = 7
ROW_PIXELS = 17  # DEFAULT_ROW_POINTS at 96 dpi: charts are sized in rows
FIGURE_POINTS = 27


@dataclass
class _Placed:
    """Where a table landed, for charts to point at."""

    sheet: str
    first_data_row: int  # 0-based
    last_data_row: int
    column_starts: list[int]  # 0-based sheet column of each table column


class _Formats:
    """One xlsxwriter Format per distinct combination of style names."""

    def __init__(self, workbook) -> None:
        self.workbook = workbook
        self.cache: dict[tuple, object] = {}

    def get(self, *names: str, extra: tuple = ()) -> object:
        key = tuple(n for n in names if n) + extra
        if key not in self.cache:
            props = dict(FONT)
            for name in names:
                if not name:
                    continue
                props.update(KIND_FORMATS.get(name) or STYLES[name])
            props.update(dict(extra))
            self.cache[key] = self.workbook.add_format(props)
        return self.cache[key]

    def conditional(self, name: str) -> object:
        key = ("cf", name)
        if key not in self.cache:
            self.cache[key] = self.workbook.add_format(STYLES[name])
        return self.cache[key]


_NARROW = frozenset("iljtfr.,;:'!| ()-")
_WIDE = frozenset("mwMW@%&")


@functools.lru_cache(maxsize=1 << 16)  # words repeat: a report has a small vocabulary
def _text_width(text: str) -> float:
    """Width in 'average lowercase letters' of 10-point Calibri: capitals wide, i/l/t narrow."""
    return sum(0.55 if c in _NARROW else 1.3 if (c in _WIDE or c.isupper()) else 1.0 for c in text)


def lines_needed(text: str, width_chars: float) -> int:
    """A deterministic estimate of wrapped lines (greedy word wrap), so rows are tall enough in any app.

    Calibrated on LibreOffice's rendering of 10-point text: a column of width w
    holds about 1.12 × w average letters.
    """
    return _lines_needed(str(text), width_chars)


@functools.lru_cache(maxsize=1 << 16)  # the same text in the same width: names, statuses, labels
def _lines_needed(text: str, width_chars: float) -> int:
    capacity = max(1.0, width_chars * 1.12)
    total = 0
    for paragraph in text.split("\n"):
        lines, used = 1, 0.0
        for word in paragraph.split(" "):
            size = _text_width(word)
            if used and used + 0.55 + size > capacity:
                lines, used = lines + 1, 0.0
            if size > capacity:  # a long word breaks across lines
                extra = math.ceil(size / capacity) - 1
                lines, used = lines + extra, size - extra * capacity
            else:
                used = used + 0.55 + size if used else size
        total += lines
    return total


@contextlib.contextmanager
def without_cycle_collection():
    """Pause Python's cyclic garbage collector for a burst of allocation, then restore it.

    Writing a report allocates a few objects per cell (xlsxwriter keeps each as a small tuple
    with its format), and every collection of the oldest generation walks all of them again:
    on a big tracker that was a third of the time spent writing. Reference counting still
    frees everything that is not in a cycle; the collector resumes, as it was, afterwards.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def write_workbook(spec: s.Workbook, out_dir: Path | str) -> Path:
    """Write the spec to out_dir/spec.file_name atomically and return the path."""
    final = Path(out_dir) / spec.file_name
    with without_cycle_collection(), xlsx.atomic_path(final) as tmp:
        workbook = xlsx.new_workbook(tmp)
        try:
            workbook.set_properties({"title": spec.title, "created": xlsx.DOCUMENT_CREATED})
            _Renderer(workbook).write(spec)
        finally:
            workbook.close()
    return final


# Below this many cells in all the workbooks, writing them one after another is quicker than
# starting processes (the sample's four reports hold about 6,000).
PARALLEL_MIN_CELLS = 200_000

_FORKED: tuple[list[s.Workbook], Path] | None = None  # what forked writers inherit (see below)


def cell_count(spec: s.Workbook) -> int:
    """Cells of a workbook's tables: a measure of the time it takes to write."""
    return sum(len(t.rows) * len(t.columns) for sheet in spec.sheets for t in sheet.tables())


def write_workbooks(specs: list[s.Workbook], out_dir: Path | str, jobs: int = 1) -> list[Path]:
    """Write each spec as write_workbook does; returns the paths in the order of `specs`.

    With jobs > 1, big enough workbooks and an OS that can fork, up to `jobs` processes write
    them side by side, the largest first. The processes are forked, so each inherits the specs
    already built instead of receiving a pickled copy; where there is no fork (Windows, where
    Excel calls the tools) they are written one after another. Each file is still written
    atomically; an error in any one is raised here, as in the one-process case.
    """
    import multiprocessing

    global _FORKED
    jobs = min(jobs, len(specs))
    if (jobs <= 1 or "fork" not in multiprocessing.get_all_start_methods()
            or sum(cell_count(spec) for spec in specs) < PARALLEL_MIN_CELLS):
        return [write_workbook(spec, out_dir) for spec in specs]
    from concurrent.futures import ProcessPoolExecutor

    _FORKED = (specs, Path(out_dir))
    try:
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as pool:
            largest_first = sorted(range(len(specs)), key=lambda i: -cell_count(specs[i]))
            futures = {i: pool.submit(_write_forked, i) for i in largest_first}
            return [futures[i].result() for i in range(len(specs))]
    finally:
        _FORKED = None


def _write_forked(index: int) -> Path:
    specs, out_dir = _FORKED
    return write_workbook(specs[index], out_dir)


class _Renderer:
    def __init__(self, workbook) -> None:
        self.workbook = workbook
        self.formats = _Formats(workbook)
        self.placed: dict[str, _Placed] = {}
        self.pending_charts: list[tuple] = []
        self.tables: dict[str, s.Table] = {}
        self.row_points: dict[int, float] = {}  # heights set on the sheet being written

    def write(self, spec: s.Workbook) -> None:
        keys = [t.key for sheet in spec.sheets for t in sheet.tables()]
        if len(keys) != len(set(keys)):
            raise ValueError(f"{spec.file_name}: table keys must be unique, got {keys}")
        self.tables = {t.key: t for sheet in spec.sheets for t in sheet.tables()}
        for sheet in spec.sheets:
            self._write_sheet(sheet)
        # Charts last: a chart may point at a table on any sheet.
        for worksheet, sheet, chart, row, col in self.pending_charts:
            self._insert_chart(worksheet, sheet, chart, row, col)

    # ------------------------------------------------------------------ sheets

    def _write_sheet(self, sheet: s.Sheet) -> None:
        ws = self.workbook.add_worksheet(sheet.name)
        ws.hide_gridlines(2)
        ws.set_paper(9)  # A4
        if sheet.landscape:
            ws.set_landscape()
        scale = 1.0
        if sheet.fit_to_page:
            ws.fit_to_pages(1, 1)
        elif sheet.fit_to_width:
            # A fixed scale rather than "fit to width": each app would pick its own, and the page
            # planner could then not know where either one ends a page.
            used = max([len(sheet.column_widths)] + [sum(c.span for c in t.columns) for t in sheet.tables()])
            widths = tuple(sheet.column_widths) + (8.43,) * (used - len(sheet.column_widths))
            scale = print_scale(widths, sheet.landscape)
            xlsx.checked(ws.set_print_scale(round(scale * 100)), f"{sheet.name} print scale")
        if sheet.hidden:
            ws.hide()
        if sheet.protect:
            # No password: the protection keeps the layout from slips, not people out. Rows and
            # columns may still be resized to make room for a long answer.
            ws.protect("", {"format_rows": True, "format_columns": True})
        ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
        xlsx.checked(ws.set_footer("&L&A&RPage &P of &N"), f"{sheet.name} footer")
        for i, width in enumerate(sheet.column_widths):
            xlsx.checked(ws.set_column(i, i, width), f"{sheet.name} column width")
        if sheet.freeze_rows or sheet.freeze_columns:
            ws.freeze_panes(sheet.freeze_rows, sheet.freeze_columns)
        if sheet.repeat_header_row:
            xlsx.checked(ws.repeat_rows(sheet.repeat_header_row - 1), f"{sheet.name} print titles")
        row = 0
        previous_chart: tuple[int, int, s.Chart] | None = None
        breaks: list[int] = []
        self.row_points = {}
        keep: list[tuple[int, int]] = []  # row ranges the page planner must not split
        caption: int | None = None  # first row of the headings and notes that introduce the next block
        for block in sheet.blocks:
            if isinstance(block, s.PageBreak):
                if row > 0:
                    breaks.append(row)
                continue
            start = row
            if isinstance(block, s.Text):
                if block.style in ("heading",) and row > 0 and row not in breaks:
                    row += 1
                    start = row
                row = self._write_text(ws, sheet, row, block)
                if block.style in CAPTION_STYLES:
                    caption = start if caption is None else caption
                    continue
                keep.append((start if caption is None else caption, row - 1))
                caption = None
                previous_chart = None
                continue
            elif isinstance(block, s.Bullets):
                row = self._write_bullets(ws, sheet, row, block)
                # A caption stays with the first two bullets.
                keep.append((start if caption is None else caption, start + min(1, len(block.items) - 1)))
            elif isinstance(block, s.Table):
                row = self._write_table(ws, sheet, row, block)
                # Header and first rows stay with their caption; a short table stays whole.
                rows = max(1, len(block.rows))
                keep.append((start if caption is None else caption,
                             start + rows if rows <= SHORT_BLOCK_ROWS else start + KEEP_TABLE_ROWS))
                # A chart marked beside_previous right after a table stands to its right.
                previous_chart = (start, 0, s.Chart("column", "", (), width_columns=sum(
                    c.span for c in block.columns)))
                caption = None
                continue
            elif isinstance(block, s.Figures):
                row = self._write_figures(ws, sheet, row, block)
            elif isinstance(block, s.ChartGrid):
                for r, c, chart in block.cells:
                    self.pending_charts.append((ws, sheet, chart, row + r, c))
                row += block.height_rows
            elif isinstance(block, s.Chart):
                if block.beside_previous and previous_chart is not None:
                    prow, pcol, pchart = previous_chart
                    col = pcol + pchart.width_columns
                    self.pending_charts.append((ws, sheet, block, prow, col))
                    previous_chart = (prow, col, block)
                    row = max(row, prow + block.height_rows + 1)
                    keep.append((min(prow, keep[-1][0]) if keep else prow, row - 1))
                else:
                    self.pending_charts.append((ws, sheet, block, row, 0))
                    previous_chart = (row, 0, block)
                    row += block.height_rows + 1
                    keep.append((start if caption is None else caption, row - 1))
                caption = None
                continue
            caption = None
            previous_chart = None
        what = f"{sheet.name} row height"
        for r in range(row):  # explicit heights: both apps then agree where pages end
            if r not in self.row_points:
                self._height(ws, r, DEFAULT_ROW_POINTS, what)
        if sheet.fit_to_width and not sheet.fit_to_page and not sheet.hidden and row > 0:
            heights = [self.row_points.get(r, DEFAULT_ROW_POINTS) * round(scale * 100) / 100 for r in range(row)]
            breaks = plan_pages(heights, printable_height_points(sheet.landscape), sorted(set(breaks)), keep)
        if breaks:
            xlsx.checked(ws.set_h_pagebreaks(breaks), f"{sheet.name} page breaks")
        if sheet.fit_to_page and row > 0:
            # Only what the sheet holds, so no stray cell or empty row shrinks the page.
            last_col = max(1, len(sheet.column_widths)) - 1
            xlsx.checked(ws.print_area(0, 0, row - 1, last_col), f"{sheet.name} print area")

    def _height(self, ws, row: int, points: float, what: str) -> None:
        """Set a row's height and remember it, so the page planner knows where pages end."""
        xlsx.checked(ws.set_row(row, points), what)
        self.row_points[row] = points

    def _width(self, sheet: s.Sheet, first: int, count: int) -> float:
        widths = list(sheet.column_widths) or [8.43]
        return sum(widths[i] if i < len(widths) else 8.43 for i in range(first, first + count))

    def _span_write(self, ws, row: int, col: int, span: int, value, fmt, what: str) -> None:
        """Write one value over `span` merged columns, with the method of its type."""
        if span > 1:
            xlsx.checked(ws.merge_range(row, col, row, col + span - 1, None, fmt), what)
        self._write_value(ws, row, col, value, fmt, what)

    def _write_value(self, ws, row: int, col: int, value, fmt, what: str) -> None:
        if value is None or value == "":
            xlsx.checked(ws.write_blank(row, col, None, fmt), what)
        elif isinstance(value, bool):
            raise TypeError(f"{what}: booleans must be turned into text in the spec")
        elif isinstance(value, str):
            xlsx.checked(ws.write_string(row, col, value, fmt), what)
        elif isinstance(value, (int, float)):
            xlsx.checked(ws.write_number(row, col, value, fmt), what)
        elif isinstance(value, (dt.date, dt.time)):
            xlsx.checked(ws.write_datetime(row, col, value, fmt), what)
        else:
            raise TypeError(f"{what}: cannot write a {type(value).__name__}")

    def _write_text(self, ws, sheet: s.Sheet, row: int, block: s.Text) -> int:
        span = max(1, len(sheet.column_widths))
        fmt = self.formats.get(block.style)
        self._span_write(ws, row, 0, span, block.text, fmt, f"{sheet.name} text")
        if block.style in ("paragraph", "note", "alert"):
            lines = lines_needed(block.text, self._width(sheet, 0, span))
            if lines > 1:
                self._height(ws, row, LINE_POINTS * lines + 3, f"{sheet.name} row height")
        elif block.style == "title":
            self._height(ws, row, 24, f"{sheet.name} row height")
        elif block.style == "heading":
            self._height(ws, row, 20, f"{sheet.name} row height")
        return row + (2 if block.style in ("paragraph", "alert") else 1)

    def _write_figures(self, ws, sheet: s.Sheet, row: int, block: s.Figures) -> int:
        """Key-figure tiles: the number in large type over its label, coloured by the tile's style."""
        for col, item in enumerate(block.items):
            if item is None:
                continue
            colours = STYLES[item.style] if item.style else {"font_color": "#1F3864", "bg_color": "#F2F2F2"}
            tile = (("align", "center"), ("valign", "vcenter"), ("bg_color", colours.get("bg_color", "#F2F2F2")),
                    ("border", 1), ("border_color", "#FFFFFF"))
            number = self.formats.get("", extra=tile + (("bold", True), ("font_size", 18),
                                                         ("font_color", colours["font_color"]),
                                                         ("num_format", "#,##0.##")))
            label = self.formats.get("", extra=tile + (("font_size", 9), ("text_wrap", True),
                                                        ("font_color", colours["font_color"])))
            self._write_value(ws, row, col, item.value, number, f"{sheet.name} figure")
            self._write_value(ws, row + 1, col, item.label, label, f"{sheet.name} figure label")
        self._height(ws, row, FIGURE_POINTS, f"{sheet.name} row height")
        return row + 3

    def _write_bullets(self, ws, sheet: s.Sheet, row: int, block: s.Bullets) -> int:
        span = max(1, len(sheet.column_widths))
        fmt = self.formats.get("bullet")
        for item in block.items:
            text = f"•  {item}"
            self._span_write(ws, row, 0, span, text, fmt, f"{sheet.name} bullet")
            lines = lines_needed(text, self._width(sheet, 0, span) - 3)
            if lines > 1:
                self._height(ws, row, LINE_POINTS * lines + 3, f"{sheet.name} row height")
            row += 1
        return row + 1

    def _write_table(self, ws, sheet: s.Sheet, row: int, table: s.Table) -> int:
        starts, col = [], 0
        for column in table.columns:
            starts.append(col)
            col += column.span
        total_span = col
        header_row = row
        header_fmt = self.formats.get(table.header_style)
        header_lines = 1
        for column, start in zip(table.columns, starts):
            if column.header_value is not None:
                fmt = self.formats.get("grid_header", extra=(("num_format", "d mmm"),))
                self._span_write(ws, row, start, column.span, column.header_value, fmt,
                                 f"{sheet.name} {table.key} header")
                continue
            self._span_write(ws, row, start, column.span, column.header, header_fmt,
                             f"{sheet.name} {table.key} header")
            if table.header_style == "header":
                # Headers are bold, about a tenth wider than the regular text lines_needed measures.
                header_lines = max(header_lines, lines_needed(column.header,
                                                              self._width(sheet, start, column.span) / BOLD_WIDTH))
        if any(c.header_value is not None for c in table.columns):
            self._height(ws, row, 58, f"{sheet.name} header height")
        elif header_lines > 1:
            self._height(ws, row, LINE_POINTS * header_lines + 3, f"{sheet.name} header height")
        row += 1
        first_data_row = row
        if sheet.freeze_table == table.key:
            ws.freeze_panes(first_data_row, sheet.freeze_columns)
            if not sheet.repeat_header_row:
                xlsx.checked(ws.repeat_rows(header_row), f"{sheet.name} print titles")
        if not table.rows:
            self._span_write(ws, row, 0, total_span, table.empty_text, self.formats.get("empty"),
                             f"{sheet.name} {table.key} empty")
            self.placed[table.key] = _Placed(sheet.name, first_data_row, first_data_row - 1, starts)
            return row + 2
        row = self._write_rows(ws, sheet, row, table, starts)
        last_data_row = row - 1
        self.placed[table.key] = _Placed(sheet.name, first_data_row, last_data_row, starts)
        for rule in table.rules:
            self._conditional(ws, sheet, table, rule, header_row, first_data_row, last_data_row, starts)
        for column, start in zip(table.columns, starts):
            if column.choices:
                xlsx.checked(ws.data_validation(first_data_row, start, last_data_row, start + column.span - 1,
                                                {"validate": "list", "source": list(column.choices)}),
                             f"{sheet.name} {table.key} drop-down {column.header}")
        return row + 1

    def _write_rows(self, ws, sheet: s.Sheet, row: int, table: s.Table, starts: list[int]) -> int:
        """The data rows of a table, from `row`; returns the row after the last.

        The hot loop of every report: what does not change from cell to cell (formats, widths,
        what to measure, the message of a failed write) is worked out once per table.
        """
        what = f"{sheet.name} {table.key} cell"
        border = tuple(BORDER.items())
        columns = table.columns
        spans = [column.span for column in columns]
        widths = [self._width(sheet, start, column.span) for column, start in zip(columns, starts)]
        measured = [column.kind == "text" for column in columns]
        min_lines = max([1] + [column.min_lines for column in columns])
        formats: dict[str, list] = {}
        write_string, write_number, write_blank = _cell_writers(ws)
        merge = _merger(ws, what)
        cell = tuple(zip(starts, spans, widths, measured))
        styles = table.row_styles or ("",) * len(table.rows)
        for values, row_style in zip(table.rows, styles):
            fmts = formats.get(row_style)
            if fmts is None:
                fmts = formats[row_style] = [self.formats.get(c.kind, "", c.style, row_style, extra=border)
                                             for c in columns]
            lines = min_lines
            group = row_style == "group"
            for (start, span, width, measure), fmt, value in zip(cell, fmts, values):
                if span > 1:
                    merge(row, start, span, fmt)
                kind = type(value)
                if kind is str:
                    if value:
                        code = write_string(row, start, value, fmt)
                        if measure and not group:
                            needed = _lines_needed(value, width)
                            if needed > lines:
                                lines = needed
                    else:
                        code = write_blank(row, start, None, fmt)
                elif value is None:
                    code = write_blank(row, start, None, fmt)
                elif kind is float or kind is int:
                    code = write_number(row, start, value, fmt)
                elif kind is dt.date and value >= FIRST_PLAIN_SERIAL_DAY:
                    code = write_number(row, start, excel_serial(value), fmt)  # what write_datetime stores
                else:  # times, datetimes, and subclasses of str or float: by the general routine
                    self._write_value(ws, row, start, value, fmt, what)
                    code = 0
                    if isinstance(value, str) and measure and not group:
                        lines = max(lines, _lines_needed(str(value), width))
                if code:
                    xlsx.checked(code, what)
            if lines > 1:
                self._height(ws, row, LINE_POINTS * lines + 3, f"{sheet.name} row height")
            row += 1
        return row

    def _conditional(self, ws, sheet, table, rule, header_row, first_row, last_row, starts) -> None:
        first_col = starts[table.column_index(rule.first_column)]
        last_col = starts[table.column_index(rule.last_column)]
        formula = resolve_formula(rule.formula, table, starts, header_row, first_row, first_col)
        options = {"type": "formula", "criteria": formula, "format": self.formats.conditional(rule.style)}
        if rule.stop_if_true:
            options["stop_if_true"] = True
        xlsx.checked(ws.conditional_format(first_row, first_col, last_row, last_col, options),
                     f"{sheet.name} {table.key} conditional format")

    # ------------------------------------------------------------------ charts

    def _insert_chart(self, ws, sheet: s.Sheet, chart: s.Chart, row: int, col: int) -> None:
        usable = [se for se in chart.series if self.placed[se.table].last_data_row >= self.placed[se.table].first_data_row]
        if not usable:
            fmt = self.formats.get("empty")
            self._write_value(ws, row, col, f"{chart.title}: no data to chart.", fmt, f"{sheet.name} chart note")
            return
        primary = self._new_chart(chart.kind, chart.stacked)
        secondary = None
        for se in usable:
            target = primary
            if se.kind and se.kind != chart.kind:
                if secondary is None:
                    secondary = self._new_chart(se.kind, False)
                target = secondary
            target.add_series(self._series_options(chart, se))
        primary.set_title({"name": chart_text(chart.title), "name_font": {"size": chart.title_size, "bold": True}})
        primary.set_legend(self._legend(chart, len(usable)))
        if chart.kind != "pie":
            self._axes(primary, chart)
        if secondary is not None:
            y2 = {"min": 0}
            if chart.y2_percent:
                y2["num_format"] = "0%"
            if chart.y2_max is not None:
                y2["max"] = chart.y2_max
            secondary.set_y2_axis(y2)
            primary.combine(secondary)
        width_px = int(self._width(sheet, col, chart.width_columns) * COLUMN_PIXELS_PER_CHAR + 5 * chart.width_columns)
        primary.set_size({"width": width_px - 8, "height": chart.height_rows * ROW_PIXELS - 6})
        xlsx.checked(ws.insert_chart(row, col, primary, {"x_offset": 4, "y_offset": 3, "object_position": 1}),
                     f"{sheet.name} chart {chart.title}")

    def _legend(self, chart: s.Chart, series_count: int) -> dict:
        position = chart.legend or ("bottom" if series_count > 1 or chart.kind == "pie" else "none")
        if position == "none":
            return {"none": True}
        legend: dict = {"position": position}
        if chart.font_size:
            legend["font"] = {"size": chart.font_size}
        return legend

    def _axes(self, primary, chart: s.Chart) -> None:
        """The value axis (vertical; horizontal on a bar chart) and the category axis."""
        value_axis: dict = {"major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}}
        if chart.y_title:
            value_axis["name"] = chart_text(chart.y_title)
        number_format = chart.value_format or ("0%" if chart.y_percent else "")
        if number_format:
            value_axis["num_format"] = number_format
        for key, value in (("min", chart.value_min), ("max", chart.value_max),
                           ("major_unit", chart.value_major_unit)):
            if value is not None:
                value_axis[key] = value
        category_axis: dict = {}
        rotation = chart.label_rotation
        if rotation is None and chart.kind in ("column", "line"):
            rotation = -30
        category_font: dict = {}
        if rotation is not None:
            category_font["rotation"] = rotation
        if chart.font_size:
            category_font["size"] = chart.font_size
            value_axis["num_font"] = {"size": chart.font_size}
        if category_font:
            category_axis["num_font"] = category_font
        if chart.category_format:
            category_axis["num_format"] = chart.category_format
        for key, value in (("min", chart.category_min), ("max", chart.category_max),
                           ("major_unit", chart.category_major_unit)):
            if value is not None:
                category_axis[key] = excel_serial(value) if isinstance(value, dt.date) else value
        if chart.kind in ("bar", "scatter"):
            category_axis["label_position"] = "low"  # beside the plot, even when values go below zero
        if chart.x_title:
            category_axis["name"] = chart_text(chart.x_title)
        if chart.kind == "bar":
            # Top to bottom in table order, with the value axis kept at the bottom.
            category_axis.update({"reverse": True, "crossing": "max"})
            primary.set_x_axis(value_axis)
            primary.set_y_axis(category_axis)
        else:
            primary.set_y_axis(value_axis)
            primary.set_x_axis(category_axis)

    def _new_chart(self, kind: str, stacked: bool):
        options = {"type": kind}
        if stacked:
            options["subtype"] = "stacked"
        if kind == "scatter":
            options["subtype"] = "straight_with_markers"
        chart = self.workbook.add_chart(options)
        if chart is None:
            raise xlsx.WriteError(f"Could not create a {kind} chart.")
        return chart

    def _series_options(self, chart: s.Chart, se: s.Series) -> dict:
        placed = self.placed[se.table]
        vcol = placed.column_starts[self.tables[se.table].column_index(se.values)]
        ccol = placed.column_starts[self.tables[se.table].column_index(se.categories)]
        options: dict = {
            "name": [placed.sheet, placed.first_data_row - 1, vcol] if se.name_from_header else chart_text(se.name),
            "categories": [placed.sheet, placed.first_data_row, ccol, placed.last_data_row, ccol],
            "values": [placed.sheet, placed.first_data_row, vcol, placed.last_data_row, vcol],
        }
        kind = se.kind or chart.kind
        if se.secondary_axis:
            options["y2_axis"] = True
        if se.colour:
            if kind in ("line", "scatter"):
                options["line"] = {"color": se.colour, "width": 1.5 if se.dashed else 2.25}
                if se.dashed:
                    options["line"]["dash_type"] = "dash"
                options["marker"] = ({"type": "circle", "size": 5, "fill": {"color": se.colour},
                                      "border": {"color": se.colour}}
                                     if se.markers and not se.dashed else {"type": "none"})
            else:
                options["fill"] = {"color": se.colour}
                options["border"] = {"color": se.colour}
        if kind in ("line", "scatter") and not se.line:
            colour = se.colour or "#404040"
            options["line"] = {"none": True}
            options["marker"] = {"type": se.marker or "circle", "size": 8, "fill": {"color": colour},
                                 "border": {"color": colour}}
        elif se.marker and "marker" in options and options["marker"].get("type") != "none":
            options["marker"]["type"] = se.marker
        if se.label_column:
            lcol = placed.column_starts[self.tables[se.table].column_index(se.label_column)]
            sheet_ref = "'" + placed.sheet.replace("'", "''") + "'"
            options["data_labels"] = {
                "custom": [{"value": f"={sheet_ref}!${xl_col_to_name(lcol)}${r + 1}"}
                           for r in range(placed.first_data_row, placed.last_data_row + 1)],
                "position": "above"}
            if chart.font_size:
                options["data_labels"]["font"] = {"size": chart.font_size}
        if se.point_colours:
            options["points"] = [{"fill": {"color": c}, "border": {"color": c}} if kind != "pie"
                                 else {"fill": {"color": c}} for c in se.point_colours]
        if kind == "pie":
            options["data_labels"] = {"value": True, "position": "outside_end", "leader_lines": True}
        elif chart.data_labels and not se.dashed and not se.label_column:
            labels: dict = {"value": True, "num_format": chart.data_labels}
            if chart.font_size:
                labels["font"] = {"size": chart.font_size}
            options["data_labels"] = labels
        if kind == "column" and chart.kind == "column" and not chart.stacked:
            options["gap"] = 60
        if kind == "bar" and chart.kind == "bar":
            options["gap"] = 50
        return options


def _cell_writers(ws) -> tuple:
    """write_string, write_number, write_blank of the worksheet, taking (row, col, value, format).

    xlsxwriter's public methods first check whether the cell is given as "A1" text; a table
    row never is, so its cells go straight to the methods behind them (the same ones since
    xlsxwriter 3.1), and to the public ones if those are ever gone.
    """
    return tuple(getattr(ws, "_" + name, None) or getattr(ws, name)
                 for name in ("write_string", "write_number", "write_blank"))


def _merger(ws, what: str):
    """merge(row, col, span, fmt): merge `span` cells of a row, the rest of them formatted blanks.

    What xlsxwriter's merge_range does, less what a table row never needs: its check against
    earlier merges (a table's columns never overlap, and each row is new) and the A1 text of the
    range, built for that check's message. The value is written by the caller, once. Falls back
    to merge_range if xlsxwriter ever stops keeping its merges in `Worksheet.merge`.
    """
    merges = getattr(ws, "merge", None)
    write_blank = _cell_writers(ws)[2]
    if type(merges) is not list:
        def merge(row: int, col: int, span: int, fmt) -> None:
            xlsx.checked(ws.merge_range(row, col, row, col + span - 1, None, fmt), what)
        return merge

    def fast_merge(row: int, col: int, span: int, fmt) -> None:
        for c in range(col + 1, col + span):
            xlsx.checked(write_blank(row, c, None, fmt), what)
        merges.append([row, col, row, col + span - 1])
    return fast_merge


# xlsxwriter reads a chart title or name that looks like "Sheet!A1" as a cell reference; a
# KPI typed as "Sales!A1" must stay text. A zero-width space after the "!" breaks the pattern
# and prints nothing.
_LOOKS_LIKE_A_REFERENCE = re.compile(r"^=?[^!]+!\$?[A-Z]+\$?\d+")


def chart_text(text: str) -> str:
    """Chart text as typed, never read as a reference."""
    return text.replace("!", "!\u200b") if _LOOKS_LIKE_A_REFERENCE.match(text) else text


# From 1 March 1900 on, a date's serial is its days since 30 December 1899 (earlier ones go
# through the spreadsheet's leap-year slip of 1900, and are left to write_datetime).
FIRST_PLAIN_SERIAL_DAY = dt.date(1900, 3, 1)


def excel_serial(day: dt.date) -> int:
    """The number a spreadsheet stores for a date (1900 date system)."""
    return (day - dt.date(1899, 12, 30)).days


# ------------------------------------------------------------------ the page planner
#
# Spreadsheet apps break pages where the rows run out, which leaves a heading alone at
# the foot of a page and its table on the next. The planner knows every row's height,
# so it places the breaks itself: never inside a "keep" range (a caption with the
# first rows of what it introduces; a short table whole; a chart), with the
# explicit breaks of the spec kept. Measures are A4 with the renderer's margins and
# the sheet's print scale, less a little slack, since a break placed early costs a
# few blank lines and one placed late costs an orphan.

CAPTION_STYLES = ("title", "subtitle", "heading", "subheading", "note")
SHORT_BLOCK_ROWS = 6  # a table this short is never split
KEEP_TABLE_ROWS = 3  # a longer one keeps its header and first rows with its caption
A4_POINTS = (595.3, 841.9)  # width, height in portrait
MARGIN_POINTS = {"left": 0.4 * 72, "right": 0.4 * 72, "top": 0.5 * 72, "bottom": 0.6 * 72}
FOOTER_POINTS = 0.0  # the footer prints inside the bottom margin
SLACK = 0.985


def printable_width_points(landscape: bool) -> float:
    width = A4_POINTS[1] if landscape else A4_POINTS[0]
    return width - MARGIN_POINTS["left"] - MARGIN_POINTS["right"]


def printable_height_points(landscape: bool) -> float:
    height = A4_POINTS[0] if landscape else A4_POINTS[1]
    return (height - MARGIN_POINTS["top"] - MARGIN_POINTS["bottom"] - FOOTER_POINTS) * SLACK


# A column of width w prints (7w + 5) px at 0.75 pt a px in Excel; LibreOffice prints the
# same column about a third wider (1.34×, measured on its PDFs). The wider one decides the
# scale, so the sheet fits across the page in both (Excel then leaves room on the right).
WIDER_APP_FACTOR = 1.36
MIN_SCALE = 0.4  # below this nothing is readable anyway


def sheet_width_points(widths: tuple[float, ...]) -> float:
    return max(1.0, sum((w * COLUMN_PIXELS_PER_CHAR + 5) * 0.75 * WIDER_APP_FACTOR for w in widths))


def print_scale(widths: tuple[float, ...], landscape: bool) -> float:
    """The scale that fits the sheet's columns across one page, in whole percent, at most 100 %."""
    fit = printable_width_points(landscape) / sheet_width_points(widths)
    return max(MIN_SCALE, min(1.0, math.floor(fit * 100) / 100))


def plan_pages(heights: list[float], page: float, forced: list[int], keep: list[tuple[int, int]]) -> list[int]:
    """Rows that start a new page: the forced ones, plus a break wherever the next row would not
    fit — moved up to the start of a keep range it would split, unless that range began the page."""
    keep_start = {}
    for first, last in keep:
        for r in range(first, min(last, len(heights) - 1) + 1):
            keep_start[r] = min(keep_start.get(r, first), first)
    forced_set = set(forced)
    breaks: list[int] = []
    page_top, used = 0, 0.0
    r = 0
    while r < len(heights):
        if r in forced_set and r != page_top:
            breaks.append(r)
            page_top, used = r, 0.0
        if used + heights[r] > page and r > page_top:
            at = keep_start.get(r, r)
            if at <= page_top:  # the range is taller than what is left of a fresh page: split it
                at = r
            breaks.append(at)
            page_top, used = at, 0.0
            r = at
            continue
        used += heights[r]
        r += 1
    return sorted(set(breaks))


def resolve_formula(template: str, table: s.Table, starts: list[int], header_row: int,
                    first_row: int, first_col: int) -> str:
    """Turn a ConditionalRule template into an Excel formula for the range's top-left cell."""
    out = template
    for i, column in enumerate(table.columns):
        out = out.replace("{col:" + column.header + "}", f"${xl_col_to_name(starts[i])}{first_row + 1}")
    out = out.replace("{header}", f"{xl_col_to_name(first_col)}${header_row + 1}")
    out = out.replace("{cell}", f"{xl_col_to_name(first_col)}{first_row + 1}")
    if "{" in out:
        raise ValueError(f"Table {table.key!r}: unresolved reference in conditional rule {template!r}")
    return out
