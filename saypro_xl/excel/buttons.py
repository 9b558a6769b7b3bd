"""What the Home-sheet buttons and the SayPro ribbon tab run (through xlwings' RunPython).

The VBA side calls `import saypro_xl.excel.buttons as b; b.<name>()` with
name in HANDLERS. Each handler reads the workbook as it is on screen (saved
or not) through `live.XlwingsRowSource`, calls the core, and shows the user
one sentence: what was written where, or what to fix (and selects the cell).
Any other failure is logged with its traceback to a file beside the workbook
and shown as one sentence that names that file; no traceback ever reaches a
message box.

Every handler takes an optional `book` (a stand-in in tests); without one it
asks xlwings for the workbook that called it, so xlwings is imported only
when Excel is really there.
"""

from __future__ import annotations

import datetime as dt
import platform
import sys
import tempfile
import traceback
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

from .. import __version__, contract, rules
from ..contract import normalise_header
from ..model import Health, Issue, KpiStatus, Tracker
from ..read import column_letter, first_error_sentence, read_tracker
from ..template import HOME_BUTTON_ROWS
from .live import XlwingsRowSource

TITLE = "SayPro"
VALIDATION_SHEET = "Validation"
VALIDATION_HEADER = ["Severity", "Sheet", "Cell", "Column", "Message"]
# Home lines "Last refreshed: <time>" and "Last action: <sentence>" start with these labels.
HOME_RESERVED_ROWS = HOME_BUTTON_ROWS[1] + 1  # Home rows the template keeps for the .xlsm's buttons
LAST_REFRESHED_LABEL = "Last refreshed"
STATUS_LABEL = "Last action"
MEETING_KIND_SETTING = "Meeting Kind"  # optional Settings row, used when VBA passes no meeting
DEFAULT_MEETING = "weekly"
LOG_NAME = "saypro_xl_errors.log"

# Objectives / Actions columns Refresh fills, where the cell holds no formula.
OBJECTIVE_VALUES: dict[str, Callable] = {
    "Target": lambda k: k.target,
    "Latest Actual": lambda k: k.latest_actual,
    "Gap": lambda k: k.gap,
    "Gap %": lambda k: k.gap_pct,
    "Status": lambda k: k.status_label,
    "Progress": lambda k: k.progress,
    "Trend": lambda k: k.trend.value if k.trend else "",
    "Pace": lambda k: k.pace.value if k.pace else "",
}
ACTION_VALUES: dict[str, Callable] = {
    "Health": lambda a: a.health.value,
}


class UserFacingError(Exception):
    """Something the user can fix: one sentence, and the cell to select (sheet, A1) if any."""

    def __init__(self, message: str, cell: tuple[str, str] | None = None):
        super().__init__(message)
        self.cell = cell


# ------------------------------------------------------------------- the handlers


def validate(book=None) -> str:
    """Validate: list every issue on the Validation sheet and select the first bad cell."""
    return _run("Validate", _validate, book)


def refresh(book=None) -> str:
    """Refresh: score everything, fill computed cells that hold no formula, stamp the time on Home."""
    return _run("Refresh", _refresh, book)


def findings(book=None) -> str:
    """Findings report workbook beside the tracker (or in Settings' Output Folder)."""
    return _run("Findings report", lambda b: _report(b, "findings"), book)


def timeline(book=None) -> str:
    """Implementation timeline workbook (table and week-by-week Gantt)."""
    return _run("Timeline", lambda b: _report(b, "timeline"), book)


def agenda(meeting: str | None = None, book=None) -> str:
    """Meeting agenda: follow-up, weekly (also bi-weekly) or monthly.

    The meeting comes from the argument (the VBA InputBox may pass it), else
    Settings' optional "Meeting Kind" row, else weekly.
    """
    return _run("Agenda", lambda b: _report(b, "agenda", meeting=_meeting_of(b, meeting)), book)


def pack(book=None) -> str:
    """Leadership pack: one macro-free .xlsx with dashboard, findings, timeline and agenda."""
    return _run("Leadership pack", lambda b: _report(b, "pack"), book)


def email(book=None) -> str:
    """Leadership pack plus a ready-to-send .eml beside it, addressed from Settings' Email To/Cc."""
    return _run("Email pack", _email, book)


def diagnosis(book=None) -> str:
    """Diagnosis workbook: questions, 5 whys, fishbone and SWOT for each gap without a confirmed cause."""
    return _run("Diagnosis workbook", lambda b: _report(b, "diagnosis"), book)


def diagnostics(book=None) -> str:
    """Which Python, packages and workbook are in use: the first thing support asks for."""
    return _run("Diagnostics", _diagnostics, book)


HANDLERS = ("validate", "refresh", "findings", "timeline", "agenda", "pack", "email", "diagnosis", "diagnostics")


# ------------------------------------------------------------ the handler boundary


def _caller_book():
    import xlwings as xw  # only here: the core and the tests never need Excel

    return xw.Book.caller()


def _run(what: str, action: Callable[[object], str], book=None) -> str:
    """Run one button; the user sees exactly one sentence whatever happens. Returns it.

    Nothing goes to stderr: on the Mac, xlwings shows any stderr text in a message
    box, so a stray warning or traceback there would reach the user.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            if book is None:
                book = _caller_book()
            message = action(book)
            mode = "info"
        except UserFacingError as problem:
            message = str(problem)
            mode = "critical"
            if problem.cell:
                _select(book, *problem.cell)
        except Exception as crash:  # the boundary: nothing escapes to a VBA error box
            log = _log_crash(book, what, crash)
            reason = " ".join(str(crash).split())[:160] or type(crash).__name__
            message = f"{what} failed ({reason}); the details are in {log}."
            mode = "critical"
        if book is not None:
            _show(book, message, mode)
    return message


def _show(book, message: str, mode: str) -> None:
    try:
        book.app.alert(message, title=TITLE, buttons="ok", mode=mode)
    except Exception:  # no message box (e.g. an app without alert): leave the sentence on Home
        try:
            _write_home_line(book, STATUS_LABEL, message)
        except Exception:  # last resort: xlwings shows stderr text in a message box on the Mac
            print(message, file=sys.stderr)


def _log_crash(book, what: str, crash: Exception) -> str:
    """Append the traceback to the log beside the workbook (else in the temp folder); its path."""
    text = "".join(traceback.format_exception(crash))
    name = getattr(book, "name", "no workbook")
    folders = [_book_folder(book) if book is not None else None, Path(tempfile.gettempdir())]
    for folder in folders:
        if folder is None:
            continue
        path = folder / LOG_NAME
        try:
            with path.open("a", encoding="utf-8") as log:
                log.write(f"--- {dt.datetime.now():%Y-%m-%d %H:%M:%S} {what} in {name}\n{text}\n")
            return str(path)
        except OSError:
            continue
    return "no log (no folder could be written)"


def _select(book, sheet: str, cell: str) -> None:
    """Bring the bad cell on screen; a failure to select never hides the message."""
    try:
        target = book.sheets[sheet]
        target.activate()  # Excel selects only on the active sheet
        target.range(cell or "A1").select()
    except Exception:
        pass


# ----------------------------------------------------------------------- reading


def _read(book, source: XlwingsRowSource | None = None) -> Tracker:
    return read_tracker(source or XlwingsRowSource(book))


def _clean(book, source: XlwingsRowSource | None = None) -> Tracker:
    """A tracker good enough to score: errors mean rows were dropped, so stop at the first."""
    tracker = _read(book, source)
    if tracker.errors:
        sentence = first_error_sentence(tracker, "click Validate to list them")
        raise UserFacingError(f"{book.name}: {sentence}", _cell_of(tracker.errors[0]))
    return tracker


def _cell_of(issue: Issue) -> tuple[str, str] | None:
    return (issue.sheet, issue.cell) if issue.cell else None


def _book_folder(book) -> Path | None:
    """The folder of a saved workbook; None for a new one never saved (fullname has no folder)."""
    try:
        full = Path(str(book.fullname))
    except Exception:  # a workbook closing under us
        return None
    if not full.is_absolute() or str(book.fullname).startswith(("http://", "https://")):
        return None
    return full.parent


# ---------------------------------------------------------------------- Validate


def _validate(book) -> str:
    tracker = _read(book)
    issues = list(tracker.errors) + list(tracker.warnings)
    sheet = _fresh_sheet(book, VALIDATION_SHEET)
    rows = [VALIDATION_HEADER] + [[i.severity.value, i.sheet, i.cell, i.column, i.message] for i in issues]
    if not issues:
        rows.append(["", "", "", "", "No problems found."])
    sheet.range("A1").value = rows
    if not issues:
        return f"{book.name}: no problems found."
    first = issues[0]
    _select(book, *(_cell_of(first) or (VALIDATION_SHEET, "A2")))
    counts = f"{len(tracker.errors)} error(s), {len(tracker.warnings)} warning(s) in {book.name}"
    return f"{counts}; first: {first}. All are listed on the {VALIDATION_SHEET} sheet."


def _fresh_sheet(book, name: str):
    """The named sheet, emptied; added after the last sheet when missing."""
    try:
        sheet = book.sheets[name]
    except Exception:  # xlwings raises its own KeyError-like errors per platform
        sheets = list(book.sheets)
        return book.sheets.add(name, after=sheets[-1] if sheets else None)
    sheet.clear_contents()
    return sheet


# ----------------------------------------------------------------------- Refresh


def _refresh(book) -> str:
    source = XlwingsRowSource(book)  # one read of each sheet serves the reader and the writer
    tracker = _clean(book, source)
    card = rules.score(tracker)
    written = _fill_computed(book, source, contract.OBJECTIVES_SHEET, "KPI ID",
                             {k.objective.row: k for k in card.kpis}, OBJECTIVE_VALUES)
    due_dates = {"Due Date": lambda a: a.due_date}
    written += _fill_computed(book, source, contract.ACTIONS_SHEET, "Action ID",
                              {a.action.row: a for a in card.actions}, ACTION_VALUES, blank_only=due_dates)
    stamp = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    _write_home_line(book, LAST_REFRESHED_LABEL, f"{stamp} (as of {card.as_of.isoformat()})")
    off = sum(k.status is KpiStatus.OFF_TRACK for k in card.kpis)
    at_risk = sum(k.status is KpiStatus.AT_RISK for k in card.kpis)
    overdue = sum(a.health is Health.OVERDUE for a in card.actions)
    return (f"Refreshed {len(card.kpis)} KPIs and {len(card.actions)} actions as of {card.as_of.isoformat()}: "
            f"{off} off track, {at_risk} at risk, {overdue} action(s) overdue; {written} cell(s) updated.")


def _fill_computed(book, source, sheet_name: str, id_header: str, scores_by_row: dict,
                   columns: dict[str, Callable], blank_only: dict[str, Callable] | None = None) -> int:
    """Write each score into its row's computed cells; cells with a formula are left to Excel.

    `blank_only` columns are written only where the cell is empty too (a typed-over
    Due Date is the user's, not ours). One formula read and one write per run of rows.
    """
    title = next((n for n in source.sheet_names() if normalise_header(n) == normalise_header(sheet_name)), None)
    if title is None or not scores_by_row:
        return 0
    grid = source.rows(title)
    header_row, positions = _header_positions(grid, id_header)
    if header_row is None:
        return 0
    sheet = book.sheets[title]
    first, last = min(scores_by_row), max(scores_by_row)
    written = 0
    plan = [(h, f, False) for h, f in columns.items()] + [(h, f, True) for h, f in (blank_only or {}).items()]
    for header, value_of, only_blank in plan:
        col = positions.get(normalise_header(header))
        if col is None:
            continue
        formulas = _column_formulas(sheet, first, last, col + 1)
        updates: dict[int, object] = {}
        for row, score in scores_by_row.items():
            if formulas.get(row, "").startswith("="):
                continue
            current = grid[row - 1][col] if row - 1 < len(grid) and col < len(grid[row - 1]) else None
            if only_blank and current not in (None, ""):
                continue
            value = value_of(score)
            updates[row] = "" if value is None else value
        written += _write_runs(sheet, col + 1, updates)
    return written


def _header_positions(grid: list[list], id_header: str) -> tuple[int | None, dict[str, int]]:
    key = normalise_header(id_header)
    for r, row in enumerate(grid[:10]):
        names = [normalise_header(v) if isinstance(v, str) else "" for v in row]
        if key in names:
            positions: dict[str, int] = {}
            for c, name in enumerate(names):
                if name and name not in positions:
                    positions[name] = c
            return r + 1, positions
    return None, {}


def _column_formulas(sheet, first_row: int, last_row: int, column: int) -> dict[int, str]:
    """Row -> formula text of one column ("" for a plain value), in one call."""
    found = sheet.range((first_row, column), (last_row, column)).formula
    if isinstance(found, str):
        found = ((found,),)
    return {first_row + i: (row[0] if isinstance(row, (tuple, list)) else row) or "" for i, row in enumerate(found)}


def _write_runs(sheet, column: int, updates: dict[int, object]) -> int:
    """Write values down a column, one call per run of consecutive rows."""
    rows = sorted(updates)
    start = 0
    while start < len(rows):
        end = start
        while end + 1 < len(rows) and rows[end + 1] == rows[end] + 1:
            end += 1
        block = [[updates[r]] for r in rows[start:end + 1]]
        sheet.range((rows[start], column)).value = block
        start = end + 1
    return len(rows)


def _write_home_line(book, label: str, value) -> None:
    """Overwrite the Home cell that starts with `label` with "label: value".

    Without one, the line goes below Home's content and below the rows the
    template keeps for buttons, in the column the content uses.
    """
    try:
        home = book.sheets[contract.HOME_SHEET]
    except Exception:
        raise UserFacingError(f'{book.name} has no "{contract.HOME_SHEET}" sheet; add it back from the template.')
    grid = XlwingsRowSource(book).rows(home.name)
    wanted = normalise_header(label)
    line = f"{label}: {value}"
    for r, row in enumerate(grid):
        for c, cell in enumerate(row):
            if isinstance(cell, str) and normalise_header(cell).startswith(wanted):
                home.range((r + 1, c + 1)).value = line
                return
    text_columns = [c for row in grid for c, cell in enumerate(row) if isinstance(cell, str)]
    column = min(text_columns) + 1 if text_columns else 1
    home.range((max(len(grid), HOME_RESERVED_ROWS) + 2, column)).value = line


# ----------------------------------------------------------------------- reports


def _output_folder(book, tracker: Tracker) -> Path:
    """Settings' Output Folder (relative to the workbook's folder), else the workbook's folder."""
    folder = _book_folder(book)
    chosen = tracker.settings.output_folder.strip()
    if chosen:
        path = Path(chosen).expanduser()
        if path.is_absolute():
            return path
        if folder is not None:
            return folder / path
    if folder is None:
        raise UserFacingError(
            f"{book.name} has not been saved yet; save it first, or set an Output Folder on the Settings sheet.",
            _setting_cell(book, "Output Folder"),
        )
    return folder


def _report(book, kind: str, meeting: str | None = None) -> str:
    path = _build(book, kind, meeting)
    names = {"findings": "Findings report", "timeline": "Timeline", "agenda": "Agenda", "pack": "Leadership pack",
             "diagnosis": "Diagnosis workbook"}
    extra = f" ({meeting} meeting)" if kind == "agenda" else ""
    return f"{names[kind]}{extra} written to {path}."


def _build(book, kind: str, meeting: str | None = None) -> Path:
    tracker = _clean(book)
    card = rules.score(tracker)
    out_dir = _output_folder(book, tracker)
    from ..reports import build_reports  # reports stay unloaded for Validate and Refresh

    options = {"meeting": meeting} if meeting else {}
    try:
        paths = build_reports(card, out_dir, only=[kind], **options)
    except PermissionError as denied:
        where = denied.filename or out_dir
        raise UserFacingError(
            f"Could not write to {where}: close the report if it is open in Excel, or choose another "
            "Output Folder on the Settings sheet."
        ) from None
    return Path(paths[0])


def meeting_kind(text: object) -> str | None:
    """'Weekly', 'bi-weekly', 'Monthly review', 'follow up' -> the reports' meeting kind; None if unknown."""
    words = normalise_header(text).replace("_", " ")
    if not words:
        return None
    if "follow" in words or "approval" in words:
        return "follow-up"
    if "month" in words:
        return "monthly"
    if "week" in words:
        return "weekly"
    return None


def _meeting_of(book, asked: str | None) -> str:
    if asked is not None:
        kind = meeting_kind(asked)
        if kind is None:
            raise UserFacingError(f'Meeting "{asked}" is not one of follow-up, weekly or monthly; pick one of those.')
        return kind
    found = _setting(book, MEETING_KIND_SETTING)
    if found is not None and found[0] not in (None, ""):
        value, (sheet, cell) = found
        kind = meeting_kind(value)
        if kind is None:
            raise UserFacingError(
                f'{sheet}!{cell}: Meeting Kind "{value}" is not one of follow-up, weekly or monthly; '
                "type one of those.", (sheet, cell))
        return kind
    return DEFAULT_MEETING


# ------------------------------------------------------------------------- Email


def _email(book) -> str:
    from ..mail import MailError, build_message, save_eml

    tracker = _clean(book)
    settings = tracker.settings
    if not settings.email_to:
        raise UserFacingError(
            "Settings' Email To is blank; type at least one address there and click Email again.",
            _setting_cell(book, "Email To"),
        )
    pack_path = _build(book, "pack")
    try:
        message = build_message(pack_path, to=list(settings.email_to), cc=list(settings.email_cc))
        eml = save_eml(message, pack_path.with_suffix(".eml"))
    except MailError as problem:
        raise UserFacingError(str(problem), _setting_cell(book, "Email To")) from None
    return f"Leadership pack and an email to {', '.join(settings.email_to)} saved as {eml}; open it and press Send."


def _setting(book, name: str) -> tuple[object, tuple[str, str]] | None:
    """A Settings row's value and its cell, found as the reader finds them (Setting | Value headers)."""
    source = XlwingsRowSource(book)
    title = next((n for n in source.sheet_names()
                  if normalise_header(n) == normalise_header(contract.SETTINGS_SHEET)), None)
    grid = source.rows(title) if title else []
    name_col, value_col, first = 0, 1, 0
    for r, row in enumerate(grid[:10]):
        keys = [normalise_header(v) if isinstance(v, str) else "" for v in row]
        if "setting" in keys and "value" in keys:
            name_col, value_col, first = keys.index("setting"), keys.index("value"), r + 1
            break
    for r in range(first, len(grid)):
        row = grid[r]
        if name_col < len(row) and isinstance(row[name_col], str) \
                and normalise_header(row[name_col]) == normalise_header(name):
            value = row[value_col] if value_col < len(row) else None
            return value, (title, f"{column_letter(value_col)}{r + 1}")
    return None


def _setting_cell(book, name: str) -> tuple[str, str] | None:
    found = _setting(book, name)
    return found[1] if found else None


# ------------------------------------------------------------------- Diagnostics


def diagnostics_lines(book) -> list[str]:
    """What support needs to know, one fact per line."""
    import importlib.metadata as md

    lines = [
        f"Python {platform.python_version()} at {sys.executable}",
        f"saypro_xl {__version__} from {Path(__file__).resolve().parent.parent}",
    ]
    for package in ("xlwings", "openpyxl", "xlsxwriter", "python-calamine", "pandas"):
        try:
            lines.append(f"{package} {md.version(package)}")
        except md.PackageNotFoundError:
            lines.append(f"{package} not installed")
    lines.append(f"Workbook {book.fullname}")
    lines.append(f"System {platform.system()} {platform.release()}; UDFs work on Windows only")
    return lines


def _diagnostics(book) -> str:
    return "\n".join(diagnostics_lines(book))


def handler(name: str) -> Callable:
    """The handler a button name routes to (the VBA dispatcher's names)."""
    if name not in HANDLERS:
        raise KeyError(f"No SayPro button handler named {name!r}; use one of {', '.join(HANDLERS)}.")
    return globals()[name]


__all__: Sequence[str] = (*HANDLERS, "handler", "meeting_kind", "diagnostics_lines", "UserFacingError")
