"""The `saypro-xl` command: parse, call one core function, print the result or one sentence.

Top floor of the package: it imports the rest, nothing imports it.

Exit codes (also in the README):
  0    done; for `validate`, the tracker has no errors (warnings may remain)
  1    the tracker has validation errors, a batch had failures, mail could not be sent,
       or an output could not be written
  2    a file cannot be used (missing, not a workbook, encrypted, .xls, a history file that is not
       one) or the command line is wrong
  141  the reader of the output went away (`saypro-xl status T | head -1`): stop quietly,
       with the code a shell gives a Unix tool stopped by SIGPIPE (128 + 13)

Output: in a terminal, tables are drawn by rich with statuses and health in their RAG
colours; piped, redirected or with NO_COLOR set, they are plain aligned text for grep and cut.
Text from the tracker is always printed as text, never read as rich markup.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import math
import os
import platform
import shutil
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from . import __version__

EXIT_OK, EXIT_FINDINGS, EXIT_UNUSABLE = 0, 1, 2
EXIT_BROKEN_PIPE = 128 + 13  # what a shell reports for a tool stopped by SIGPIPE

# JSON numbers carry what a value means, not binary noise: 13.799999999999999 -> 13.8.
SIGNIFICANT_DIGITS = 10

# RAG colours of the terminal tables (rich styles); plain output has none.
RED, AMBER, GREEN, GREY = "bold red", "yellow", "green", "dim"
KPI_STATUS_STYLE = {"Off Track": RED, "At Risk": AMBER, "On Track": GREEN, "No Data": GREY}
HEALTH_STYLE = {"Overdue": RED, "Blocked": RED, "At Risk": AMBER, "Late Start": AMBER,
                "On Track": GREEN, "Done": GREEN, "Not Started": GREY, "Cancelled": GREY}
SEVERITY_STYLE = {"error": RED, "warning": AMBER}
CHECK_STYLE = {"ok": GREEN, "PROBLEM": RED}

# What the user can do when an output cannot be written, per command (see write_error_sentence).
HINT_FOLDER = "choose a folder you can write to with -o"
HINT_DEFAULT = "check the folder and the free disk space, then try again"


class CliError(Exception):
    """One sentence for the user, and the exit code to leave with."""

    def __init__(self, message: str, code: int = EXIT_FINDINGS):
        super().__init__(message)
        self.code = code


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f'"{text}" is not a date (use YYYY-MM-DD, e.g. 2025-04-25)')


def _since(text: str) -> dt.date | Path:
    """`--since`: a date written YYYY-MM-DD (a snapshot in the history), else an older tracker file."""
    if len(text) == 10 and text[4] == "-" and text[7] == "-" and text.replace("-", "").isdigit():
        return _date(text)
    return Path(text)


def _csv(text: str) -> list[str]:
    return [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]


# ----------------------------------------------------------------- helpers


def _load(path: Path):
    from .read import TrackerFileError, load_tracker

    try:
        return load_tracker(path)
    except TrackerFileError as exc:
        raise CliError(str(exc), EXIT_UNUSABLE) from None


def _load_clean(path: Path):
    """A tracker good enough to report on: errors mean rows were dropped, so refuse."""
    from .read import first_error_sentence

    tracker = _load(path)
    if tracker.errors:
        sentence = first_error_sentence(tracker, f"run `saypro-xl validate {path}`")
        raise CliError(f"{path.name}: {sentence}", EXIT_FINDINGS)
    return tracker


def _table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Plain aligned columns: a header line, a dashed rule, one line per row (greppable)."""
    cells = [[("" if v is None else str(v)) for v in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    line = lambda values: "  ".join(v.ljust(w) for v, w in zip(values, widths)).rstrip()
    return "\n".join([line(headers), line(["-" * w for w in widths]), *map(line, cells)])


# Control characters typed in a tracker (an ANSI escape, a carriage return) must not drive the
# reader's terminal: each is shown as its visible Unicode "control picture" (ESC → ␛).
_CONTROLS = {c: 0x2400 + c for c in range(0x20)} | {0x7F: 0x2421}


def _split(cell: object) -> tuple[str, str | None]:
    """A table cell is its text, or (text, rich style) to colour it in a terminal."""
    if isinstance(cell, tuple):
        text, style = cell
    else:
        text, style = cell, None
    return ("" if text is None else str(text).translate(_CONTROLS)), style


def use_colour(stream) -> bool:
    """Rich, coloured tables only for a terminal, and never when NO_COLOR is set (no-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _console(stream):
    from rich.console import Console

    # markup/emoji/highlight off: tracker text such as "[red]" or ":smile:" prints as typed.
    return Console(file=stream, markup=False, emoji=False, highlight=False)


def print_table(headers: Sequence[str], rows: Sequence[Sequence[object]], stream=None,
                right: Sequence[str] = ()) -> None:
    """A table on `stream` (stdout): rich with RAG colours in a terminal, else `_table`'s plain text.

    Columns named in `right` (numbers) are right-aligned in the terminal; the plain text keeps
    every column left-aligned, as scripts have always read it.
    """
    stream = stream or sys.stdout
    if not use_colour(stream):
        print(_table(headers, [[_split(c)[0] for c in row] for row in rows]), file=stream)
        return
    from rich import box
    from rich.table import Table
    from rich.text import Text

    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, collapse_padding=True,
                  header_style="bold")
    for header in headers:
        table.add_column(Text(header), justify="right" if header in right else "left")
    for row in rows:
        table.add_row(*(Text(text, style=style or "") for text, style in map(_split, row)))
    _console(stream).print(table)


def json_ready(value):
    """`value` with every float rounded to SIGNIFICANT_DIGITS (NaN and infinities become null)."""
    if isinstance(value, float):
        return float(f"{value:.{SIGNIFICANT_DIGITS}g}") if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: json_ready(v) for key, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(v) for v in value]
    return value


def print_json(value) -> None:
    print(json.dumps(json_ready(value), indent=2))


def _num(value: float | None, digits: int = 2) -> str:
    return "" if value is None else f"{value:,.{digits}f}"


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value * 100:+.1f}%"


def _share(value: float | None) -> str:
    """Progress as a whole percentage: 0.5 → '50%'."""
    return "" if value is None else f"{value * 100:.0f}%"


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


# ---------------------------------------------------------------- commands


def cmd_new_tracker(args) -> int:
    from .template import write_tracker
    from .xlsx import WriteError

    path: Path = args.path
    if path.suffix.lower() != ".xlsx":
        raise CliError(f"{path.name}: a tracker is an .xlsx file; give a name ending in .xlsx "
                       "(use `saypro-xl build-workbook` for the macro-enabled .xlsm).", EXIT_UNUSABLE)
    if path.exists() and not args.force:
        raise CliError(f"{path} already exists; choose another name or add --force to replace it.",
                       EXIT_UNUSABLE)
    tracker = None
    if args.sample:
        from .sample import sample_tracker

        tracker = sample_tracker()
    try:
        write_tracker(path, tracker)
    except (ValueError, WriteError) as exc:
        raise CliError(str(exc), EXIT_FINDINGS) from None
    print(f"Wrote {'sample ' if args.sample else ''}tracker {path}")
    return EXIT_OK


def cmd_validate(args) -> int:
    tracker = _load(args.tracker)
    issues = tracker.issues
    if args.json:
        print_json([
            {"severity": i.severity.value, "sheet": i.sheet, "cell": i.cell,
             "column": i.column, "message": i.message}
            for i in issues
        ])
    elif issues:
        print_table(["Severity", "Where", "Column", "Problem"],
                    [[(i.severity.value, SEVERITY_STYLE.get(i.severity.value)),
                      f"{i.sheet}!{i.cell}" if i.cell else i.sheet, i.column,
                      (i.message, SEVERITY_STYLE.get(i.severity.value))]
                     for i in issues])
        print(f"\n{len(tracker.errors)} error(s), {len(tracker.warnings)} warning(s) in {args.tracker.name}")
    else:
        print(f"{args.tracker.name}: no problems found")
    return EXIT_FINDINGS if tracker.errors else EXIT_OK


def kpi_json(k) -> dict:
    """One KPI score as JSON: one key per line, so a new score field is a one-line change."""
    o = k.objective
    return {
        "kpi_id": o.kpi_id,
        "department": o.department,
        "kpi": o.kpi,
        "unit": o.unit,
        "direction": o.direction.value,
        "target": k.target,
        "latest_actual": k.latest_actual,
        "latest_period_end": _iso(k.latest_period_end),
        "gap": k.gap,
        "gap_pct": k.gap_pct,
        "progress": k.progress,  # a fraction: 1.0 = the planned improvement achieved
        "status": k.status.value,
        "trend": k.trend.value if k.trend else None,
        "watch": k.watch,
        "stale": k.stale,
        "status_label": k.status_label,
        # Will we make it? (DESIGN.md, rules part two)
        "baseline_date": _iso(o.baseline_date),
        "target_date": _iso(o.target_date),
        "expected": k.expected,  # the expected path's value on the latest actual's date
        "pace": k.pace.value if k.pace else None,
        "projected_date": _iso(k.projection.projected_date) if k.projection else None,
        "projection": k.projection.text if k.projection else None,
        "variation": k.variation.value if k.variation else None,
        "special_cause": k.special_cause or None,
        "assurance": k.assurance.value if k.assurance else None,
        "process_limits": ({"mean": k.limits.mean, "lower": k.limits.lower, "upper": k.limits.upper,
                            "points": k.limits.points} if k.limits else None),
    }


def action_json(a) -> dict:
    x = a.action
    return {
        "action_id": x.action_id, "department": x.department, "action": x.action, "owner": x.owner,
        "kpi_id": x.kpi_id, "cause_id": x.cause_id, "start_date": _iso(x.start_date),
        "timeline_weeks": x.timeline_weeks, "original_due": _iso(a.original_due),
        "due_date": _iso(a.due_date), "slippage_days": a.slippage_days, "status": a.status.value,
        "pct_complete": a.pct_complete, "health": a.health.value, "last_update": _iso(a.last_update),
        # Did it work? Done actions with a KPI only; null while open.
        "effectiveness": a.effectiveness.verdict.value if a.effectiveness else None,
        "effectiveness_detail": _effectiveness_json(a.effectiveness),
        # Who must hear about it: null unless overdue, blocked or flagged Escalate.
        "escalation": ({"level": a.escalation.level.value, "days": a.escalation.days,
                        "reason": a.escalation.reason} if a.escalation else None),
    }


def _effectiveness_json(e) -> dict | None:
    if e is None:
        return None
    return {"completed": _iso(e.completed), "before_mean": e.before_mean, "after_mean": e.after_mean,
            "change": e.change, "threshold": e.threshold, "before_points": e.before_points,
            "after_points": e.after_points}


def theme_json(t) -> dict:
    return {"category": t.name, "share": t.share, "departments": list(t.departments), "gaps": t.gaps}


def cmd_status(args) -> int:
    from .rules import score, theme_shares

    tracker = _load(args.tracker)
    card = score(tracker, args.as_of)
    if not card.kpis and not card.actions and not args.json:
        print(f"{args.tracker.name}: no KPIs or actions yet; fill the Objectives and Actions sheets.")
        return EXIT_OK
    if args.json:
        print_json({"as_of": card.as_of.isoformat(),
                    "kpis": [kpi_json(k) for k in card.kpis],
                    "actions": [action_json(a) for a in card.actions],
                    "themes": [theme_json(t) for t in theme_shares(card.kpis, card.tracker.causes)],
                    "fishbone_themes": [theme_json(t) for t in theme_shares(card.kpis, card.tracker.causes,
                                                                            by="fishbone")]})
    else:
        print(f"{_split(tracker.settings.organisation or args.tracker.name)[0]} — status on {card.as_of:%Y-%m-%d}\n")
        print_table(["KPI", "Department", "Target", "Latest", "Gap", "Gap %", "Progress", "Status", "Trend",
                     "Pace"],
                    [[k.kpi_id, k.objective.department, _num(k.target), _num(k.latest_actual),
                      _num(k.gap), _pct(k.gap_pct), _share(k.progress),
                      (k.status_label, KPI_STATUS_STYLE.get(k.status.value)),
                      k.trend.value if k.trend else "", k.pace.value if k.pace else ""] for k in card.kpis],
                    right=("Target", "Latest", "Gap", "Gap %", "Progress"))
        print()
        print_table(["Action", "Department", "Owner", "Due", "Slip", "Status", "% Done", "Health"],
                    [[a.action_id, a.action.department, a.action.owner, _iso(a.due_date),
                      f"{a.slippage_days:+d}d" if a.slippage_days else "", a.status.value,
                      f"{a.pct_complete:.0f}%", (a.health.value, HEALTH_STYLE.get(a.health.value))]
                     for a in card.actions],
                    right=("Slip", "% Done"))
    if tracker.errors:
        print(f"\nNote: {len(tracker.errors)} validation error(s); rows with errors were left out "
              f"(run `saypro-xl validate {args.tracker}`).", file=sys.stderr)
    return EXIT_OK


@contextlib.contextmanager
def _history_errors() -> Iterator[None]:
    """A history file that is not one is an unusable file (2); one that cannot be written, 1."""
    from .history import HistoryError, UnusableHistory

    try:
        yield
    except UnusableHistory as exc:
        raise CliError(str(exc), EXIT_UNUSABLE) from None
    except HistoryError as exc:
        raise CliError(str(exc), EXIT_FINDINGS) from None


def _snapshot_since(store: Path, tracker: str, day: dt.date, as_of: dt.date):
    """`--since DATE`: the newest snapshot of `tracker` on or before `day`, as the older Scorecard."""
    from . import history

    if day > as_of:
        raise CliError(f"--since {day}: that is after the As Of date {as_of}; give the date of the last "
                       "meeting, on or before it.", EXIT_UNUSABLE)
    older = history.scorecard(store, tracker, on_or_before=day)
    if older is not None:
        return older
    if not store.exists():
        raise CliError(f"--since {day}: there is no history file {store.name} in {store.parent} yet; give an "
                       "older copy of the tracker instead, or with --history the file earlier runs recorded in.",
                       EXIT_UNUSABLE)
    kept = history.series(store, tracker)
    if kept:
        raise CliError(f"--since {day}: {store.name} in {store.parent} holds no snapshot of {tracker} on or "
                       f"before that date (the first is {kept[0].as_of}); give a later date, or an older copy "
                       "of the tracker.", EXIT_UNUSABLE)
    raise CliError(f"--since {day}: {store.name} in {store.parent} holds no snapshot of {tracker}; give an "
                   "older copy of the tracker, or with --history the file earlier runs recorded in.", EXIT_UNUSABLE)


def cmd_report(args) -> int:
    from . import history
    from .batch import tracker_name
    from .reports import build_reports
    from .rules import score
    from .xlsx import WriteError

    card = score(_load_clean(args.tracker), args.as_of)
    # A relative Output Folder in Settings is relative to the tracker, as the Excel buttons read it.
    out_dir = args.output or args.tracker.parent / (card.tracker.settings.output_folder or ".")
    store = history.history_path(args.tracker, card.tracker.settings, out_dir, args.history)
    name = tracker_name(args.tracker)
    with _history_errors():
        if not args.no_history:
            history.check(store)  # a file that is not a history is refused before any report is written
        if isinstance(args.since, dt.date):
            since = _snapshot_since(store, name, args.since, card.as_of)
        else:
            # The older tracker is scored on its own As Of date, so health that changed only
            # because time passed shows up as a change.
            since = score(_load_clean(args.since)) if args.since else None
        # Earlier As Ofs of this tracker: the pack charts the status mix and open actions over time.
        over_time = [] if args.no_history else history.series(store, name, until=card.as_of)
    try:
        paths = build_reports(card, out_dir, only=args.only, meeting=args.meeting, since=since,
                              over_time=over_time, jobs=args.jobs or os.cpu_count() or 1)
    except (ValueError, WriteError) as exc:
        raise CliError(str(exc), EXIT_FINDINGS) from None
    for path in paths:
        print(f"Wrote {path}")
    if not args.no_history:
        with _history_errors():
            history.record(store, card, name, history.content_hash(args.tracker))
        print(f"Recorded {name} as of {card.as_of:%Y-%m-%d} in {store}")
    return EXIT_OK


@contextlib.contextmanager
def progress_bar(stream) -> Iterator[Callable[[int, int, str], None] | None]:
    """A rich progress bar on `stream` (stderr) when it is a terminal; None (no bar) otherwise."""
    isatty = getattr(stream, "isatty", None)
    if not (isatty and isatty()):
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("Building reports"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TextColumn("{task.fields[name]}", markup=False))  # a tracker's name is never markup
    with Progress(*columns, console=_console(stream)) as bar:
        task = bar.add_task("batch", total=None, name="")

        def update(done: int, total: int, name: str) -> None:
            bar.update(task, total=total, completed=done, name=name)

        yield update


def cmd_batch(args) -> int:
    from .batch import run_batch

    with _history_errors(), progress_bar(sys.stderr) as progress:
        result = run_batch(args.paths, args.output, jobs=args.jobs, as_of=args.as_of,
                           only=args.only, meeting=args.meeting, progress=progress,
                           dashboard=not args.no_dashboard,
                           record_history=not args.no_history, history_file=args.history)
    if not result.outcomes:
        raise CliError("No .xlsx or .xlsm trackers found in the paths given; give tracker files "
                       "or folders that hold them.", EXIT_UNUSABLE)
    failed = [o for o in result.outcomes if not o.ok]
    for outcome in result.outcomes:
        mark = "ok    " if outcome.ok else "FAILED"
        detail = f"{len(outcome.outputs)} report(s)" if outcome.ok else outcome.error
        print(f"{mark} {outcome.path}: {detail}")
    if result.consolidated_pack:
        print(f"Consolidated pack: {result.consolidated_pack}")
    if result.consolidated_error:
        print(f"FAILED consolidated pack: {result.consolidated_error}")
    if result.dashboard:
        print(f"Dashboard: {result.dashboard}")
    if result.dashboard_error:
        print(f"FAILED dashboard: {result.dashboard_error}")
    stores: dict[Path, int] = {}
    for outcome in result.outcomes:
        if outcome.history:
            stores[outcome.history] = stores.get(outcome.history, 0) + 1
    for store, count in stores.items():
        print(f"History: {count} scorecard(s) recorded in {store}")
    for outcome in result.outcomes:
        if outcome.history_error:
            print(f"FAILED history of {outcome.path}: {outcome.history_error}")
    print(f"{len(result.outcomes) - len(failed)} built, {len(failed)} failed")
    return EXIT_OK if result.ok else EXIT_FINDINGS


def cmd_dashboard(args) -> int:
    from .batch import run_dashboard

    result = run_dashboard(args.paths, args.output, as_of=args.as_of)
    if not result.outcomes:
        raise CliError("No .xlsx or .xlsm trackers found in the paths given; give tracker files "
                       "or folders that hold them.", EXIT_UNUSABLE)
    for outcome in result.failed:
        print(f"FAILED {outcome.path}: {outcome.error}")
    shown = len(result.outcomes) - len(result.failed)
    if result.page:
        print(f"Wrote dashboard {result.page} ({shown} of {len(result.outcomes)} tracker(s))")
    elif result.error:
        print(f"FAILED dashboard: {result.error}")
    else:
        print("No dashboard written: no tracker could be read.")
    return EXIT_OK if result.ok else EXIT_FINDINGS


def cmd_mail(args) -> int:
    from .mail import (MailError, MailInputError, build_message, default_smtp_port, describe_attachment,
                       parse_smtp_target, save_eml, send_smtp)

    try:
        # The server is checked before anything is built, so a typo costs nothing.
        server = parse_smtp_target(args.smtp, default_smtp_port(args.starttls)) if args.smtp else None
        message = build_message(args.pack, to=args.to, cc=args.cc, subject=args.subject,
                                sender=args.sender)
        what = describe_attachment(args.pack).phrase
        if server is None:
            print(f"Wrote {save_eml(message, args.eml)} with {what}")
        else:
            host, port = server
            send_smtp(message, host, port, starttls=args.starttls, user=args.user)
            print(f"Sent {what} to {', '.join(args.to + args.cc)} via {host}:{port}")
    except MailInputError as exc:
        raise CliError(str(exc), EXIT_UNUSABLE) from None
    except MailError as exc:
        raise CliError(str(exc), EXIT_FINDINGS) from None
    return EXIT_OK


def cmd_remind(args) -> int:
    from .mail import MailInputError, check_address, default_smtp_port, parse_smtp_target
    from .reminders import plan_reminders
    from .rules import score

    if args.user and not args.smtp:
        raise CliError("--user only applies with --smtp; drop it, or send with --smtp HOST[:PORT].",
                       EXIT_UNUSABLE)
    if not (args.smtp or args.eml_dir or args.dry_run):
        raise CliError("Say how to deliver the reminders: --smtp HOST[:PORT], --eml-dir DIR, or --dry-run "
                       "to list them.", EXIT_UNUSABLE)
    try:
        # The server and sender are checked before the tracker is read, so a typo costs nothing.
        server = parse_smtp_target(args.smtp, default_smtp_port(args.starttls)) if args.smtp else None
        if args.sender is not None:
            check_address(args.sender, "sender address")
    except MailInputError as exc:
        raise CliError(str(exc), EXIT_UNUSABLE) from None
    tracker = _load_clean(args.tracker)
    if not tracker.people:
        raise CliError(f"{args.tracker.name} has no People sheet with anyone on it, and reminders need it: "
                       "add a People sheet with the headers Name, Role, Department, Email and a row per "
                       "owner, department head and leader (a tracker from `saypro-xl new-tracker` has one).",
                       EXIT_UNUSABLE)
    plan = plan_reminders(score(tracker, args.as_of))
    try:
        return _deliver_reminders(args, plan, server, _split(tracker.settings.organisation or args.tracker.name)[0])
    finally:  # after what was done, so the last lines on screen say what reached no one
        for sentence in plan.unreached:
            print(f"Note: {sentence}", file=sys.stderr)


def _deliver_reminders(args, plan, server: tuple[str, int] | None, title: str) -> int:
    """Print, save or send the plan's reminders, as the options of `remind` say."""
    from .mail import MailError, MailInputError, reminder_file_name, reminder_message, save_eml, send_smtp_all

    if not plan.reminders:
        why = "" if plan.unreached else ": no open action is due within a week, overdue, blocked or escalated"
        print(f"{args.tracker.name}: no reminder to send on {plan.as_of:%Y-%m-%d}{why}.")
        return EXIT_OK
    if args.dry_run:
        print(f"{title} — reminders on {plan.as_of:%Y-%m-%d} (dry run: nothing sent or written)\n")
        print_table(["Name", "Address", "Level", "Actions"],
                    [[r.name, r.address, ", ".join(r.levels), ", ".join(r.action_ids)] for r in plan.reminders])
        return EXIT_OK
    try:
        messages = [reminder_message(plan, r, sender=args.sender) for r in plan.reminders]
    except MailInputError as exc:  # read.py checks every Email; this guards a tracker built in code
        raise CliError(str(exc), EXIT_UNUSABLE) from None
    who = [f"{r.name} <{r.address}> ({', '.join(r.action_ids)})" for r in plan.reminders]
    if server is None:
        args.eml_dir.mkdir(parents=True, exist_ok=True)
        for reminder, message, person in zip(plan.reminders, messages, who):
            path = save_eml(message, args.eml_dir / reminder_file_name(plan, reminder))
            print(f"Wrote {path} for {person}")
        return EXIT_OK
    host, port = server
    try:
        results = send_smtp_all(messages, host, port, starttls=args.starttls, user=args.user)
    except MailError as exc:
        raise CliError(str(exc), EXIT_FINDINGS) from None
    for person, problem in zip(who, results):
        print(f"FAILED {person}: {problem}" if problem else f"Sent to {person}")
    failed = sum(1 for p in results if p)
    print(f"{len(results) - failed} reminder(s) sent via {host}:{port}, {failed} failed")
    return EXIT_FINDINGS if failed else EXIT_OK


def cmd_build_workbook(args) -> int:
    from .excel.build import BuildError, build_workbook
    from .xlsx import WriteError

    try:
        path = build_workbook(args.output, sample=args.sample)
    except (BuildError, WriteError) as exc:
        raise CliError(str(exc), EXIT_UNUSABLE) from None
    print(f"Wrote macro-enabled tracker {path}")
    return EXIT_OK


def doctor_lines() -> list[tuple[str, str, bool]]:
    """(check, finding, ok) rows for `saypro-xl doctor`."""
    import importlib.metadata as md

    rows: list[tuple[str, str, bool]] = [
        ("Python", f"{platform.python_version()} ({sys.executable})", sys.version_info >= (3, 11)),
        ("saypro_xl", __version__, True),
    ]
    for package in ("xlwings", "openpyxl", "pandas", "xlsxwriter", "python-calamine", "rich"):
        try:
            rows.append((package, md.version(package), True))
        except md.PackageNotFoundError:
            rows.append((package, "not installed", False))
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    rows.append(("LibreOffice", soffice or "not found (only needed for tests and PDF previews)", True))
    rows.append(_workbook_version_row(DOCTOR_WORKBOOK))
    return rows


# The macro-enabled tracker of this checkout, the one whose embedded xlwings doctor compares.
DOCTOR_WORKBOOK = Path(__file__).resolve().parent.parent / "workbooks" / "SayPro_Tracker.xlsm"


def _workbook_version_row(workbook: Path) -> tuple[str, str, bool]:
    """The commonest 'could not load xlwings DLL': the workbook's VBA and the package disagree."""
    import importlib.metadata as md

    if not workbook.exists():
        return ("Workbook xlwings", f"no workbook at {workbook} to check (a checkout has one; "
                "build it with `saypro-xl build-workbook`)", True)
    try:
        from .excel.build import xlwings_version_of

        embedded = xlwings_version_of(workbook)
    except Exception as exc:  # a check must never crash doctor
        return ("Workbook xlwings", f"could not read {workbook}: {exc}", False)
    installed = md.version("xlwings")
    if embedded is None:
        return ("Workbook xlwings", f"{workbook} has no xlwings module: rebuild with "
                "`saypro-xl build-workbook`", False)
    ok = embedded == installed
    note = "matches" if ok else f"differs from installed {installed}: rebuild with `saypro-xl build-workbook`"
    return ("Workbook xlwings", f"{workbook} has {embedded} — {note}", ok)


def cmd_doctor(args) -> int:
    rows = doctor_lines()
    print_table(["Check", "Finding", "Result"],
                [[c, f, ("ok", CHECK_STYLE["ok"]) if ok else ("PROBLEM", CHECK_STYLE["PROBLEM"])]
                 for c, f, ok in rows])
    return EXIT_OK if all(ok for _, _, ok in rows) else EXIT_FINDINGS


# ------------------------------------------------------------------ parser


def _history_options(p: argparse.ArgumentParser) -> None:
    """--history PATH and --no-history, the same on report and batch."""
    where = p.add_mutually_exclusive_group()
    where.add_argument("--history", type=Path, metavar="PATH",
                       help="the SQLite history file to record this run's scorecard in (default: Settings' "
                            "History File, from the tracker's folder, else saypro_history.sqlite in the "
                            "output folder)")
    where.add_argument("--no-history", action="store_true", help="do not record this run in the history")


def build_parser() -> argparse.ArgumentParser:
    from .reports import DEFAULT_REPORT_KINDS, MEETING_KINDS, REPORT_KINDS

    def kinds(text: str) -> list[str]:
        chosen = _csv(text)
        unknown = [k for k in chosen if k not in REPORT_KINDS]
        if unknown or not chosen:
            raise argparse.ArgumentTypeError(
                f"unknown report kind {', '.join(unknown) or '(none)'}; choose from {','.join(REPORT_KINDS)}")
        return chosen

    parser = argparse.ArgumentParser(
        prog="saypro-xl",
        description="Performance-gap and corrective-action tracker: create, validate, score and report.",
        epilog="Exit codes: 0 done; 1 validation errors, batch failures, mail not sent or an output not "
               "written; 2 unusable file or wrong command line; 141 the output was closed early "
               "(e.g. by head). Tables are coloured in a terminal, plain when piped or with NO_COLOR.",
    )
    parser.add_argument("--version", action="version", version=f"saypro-xl {__version__}",
                        help="print the version and exit")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                help="one of these; `saypro-xl COMMAND --help` lists its options")
    tracker_help = "the tracker workbook (.xlsx, or the macro-enabled .xlsm)"
    as_of_help = "the As Of date, YYYY-MM-DD (default: Settings' As Of Date, else today)"
    only_help = (f"comma-separated subset of {','.join(REPORT_KINDS)} (default: {','.join(DEFAULT_REPORT_KINDS)}; "
                 "diagnosis only when named)")
    meeting_help = "the agenda's meeting kind (default: follow-up)"

    p = sub.add_parser("new-tracker", help="write an empty (or sample) tracker workbook",
                       description="Write the tracker workbook of the contract: input tables, "
                                   "drop-downs, native formulas, dashboard.")
    p.add_argument("path", type=Path, metavar="PATH", help="the .xlsx file to create")
    p.add_argument("--sample", action="store_true", help="fill it with the SayPro sample scenario")
    p.add_argument("--force", action="store_true", help="replace PATH if it exists")
    p.set_defaults(func=cmd_new_tracker, write_hint="give a PATH in a folder you can write to")

    p = sub.add_parser("validate", help="check a tracker and list every problem with its cell",
                       description="Check a tracker against the contract; list each problem with its "
                                   "sheet, cell and fix. Exit 0 clean, 1 errors, 2 unusable file.")
    p.add_argument("tracker", type=Path, metavar="TRACKER", help=tracker_help)
    p.add_argument("--json", action="store_true", help="print the issues as JSON")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("status", help="KPI status and action health on a date",
                       description="Score every KPI (target, gap, progress, status, trend) and action "
                                   "(due, health). In a terminal statuses and health show in RAG colours.")
    p.add_argument("tracker", type=Path, metavar="TRACKER", help=tracker_help)
    p.add_argument("--as-of", type=_date, metavar="DATE", help=as_of_help)
    p.add_argument("--json", action="store_true",
                   help="print KPI and action objects as JSON (numbers to 10 significant digits)")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("report", help="write the findings, timeline, agenda and leadership pack workbooks",
                       description="Write the report workbooks of one tracker; `--only diagnosis` writes the "
                                   "diagnosis workbook for workshops on the gaps without a confirmed cause.")
    p.add_argument("tracker", type=Path, metavar="TRACKER", help=tracker_help)
    p.add_argument("-o", "--output", type=Path, metavar="DIR",
                   help="folder for the reports (default: Settings' Output Folder, else the tracker's folder)")
    p.add_argument("--as-of", type=_date, metavar="DATE", help=as_of_help)
    p.add_argument("--only", type=kinds, default=list(DEFAULT_REPORT_KINDS), metavar="KINDS", help=only_help)
    p.add_argument("--meeting", choices=MEETING_KINDS, default="follow-up", help=meeting_help)
    p.add_argument("--since", type=_since, metavar="OLDER|DATE",
                   help="an older copy of the tracker, or a date (YYYY-MM-DD: the newest snapshot of this "
                        "tracker in the history on or before it): adds 'changes since last meeting' to the agenda")
    p.add_argument("-j", "--jobs", type=int, metavar="N",
                   help="processes writing big reports side by side (default: one per processor core, "
                        "at most one per report; small reports are always written in one)")
    _history_options(p)
    p.set_defaults(func=cmd_report, write_hint=HINT_FOLDER)

    p = sub.add_parser("batch", help="reports for many trackers plus one consolidated pack",
                       description="Build every report for each tracker found (files or folders), one "
                                   "folder per tracker, and an organisation-wide pack. A bad tracker is "
                                   "reported and skipped; exit 1 if any failed. In a terminal a progress "
                                   "bar runs on stderr.")
    p.add_argument("paths", type=Path, nargs="+", metavar="PATH",
                   help="tracker files, or folders whose .xlsx/.xlsm trackers are all taken (not subfolders)")
    p.add_argument("-o", "--output", type=Path, required=True, metavar="DIR",
                   help="folder for the results: one subfolder per tracker, the consolidated pack at the top")
    p.add_argument("-j", "--jobs", type=int, default=1, metavar="N", help="parallel processes (default 1)")
    p.add_argument("--as-of", type=_date, metavar="DATE", help=as_of_help.replace("Settings'", "each tracker's"))
    p.add_argument("--only", type=kinds, default=list(DEFAULT_REPORT_KINDS), metavar="KINDS",
                   help=only_help + "; the consolidated pack needs pack")
    p.add_argument("--meeting", choices=MEETING_KINDS, default="follow-up", help=meeting_help)
    p.add_argument("--no-dashboard", action="store_true",
                   help="do not write the web dashboard (index.html at the top of DIR)")
    _history_options(p)
    p.set_defaults(func=cmd_batch, write_hint=HINT_FOLDER)

    p = sub.add_parser("dashboard", help="one self-contained web page (index.html) for one tracker or many",
                       description="Write DIR/index.html: KPI tiles and alerts, the KPI and action tables, "
                                   "KPI charts, and filters by tracker, department, action item and time "
                                   "period. Everything is inside the one file (no network): open it from a "
                                   "file share or an email, or copy DIR to any web server. A bad tracker is "
                                   "reported and left out; exit 1 if any failed.")
    p.add_argument("paths", type=Path, nargs="+", metavar="PATH",
                   help="tracker files, or folders whose .xlsx/.xlsm trackers are all taken (not subfolders)")
    p.add_argument("-o", "--output", type=Path, required=True, metavar="DIR", help="folder for index.html")
    p.add_argument("--as-of", type=_date, metavar="DATE", help=as_of_help.replace("Settings'", "each tracker's"))
    p.set_defaults(func=cmd_dashboard, write_hint=HINT_FOLDER)

    p = sub.add_parser("mail", help="email the leadership pack (SMTP) or save it as .eml",
                       description="Send a macro-free workbook, normally the leadership pack, by SMTP, or "
                                   "save the message as .eml; the message says what is attached. The "
                                   "SMTP password is read only from the SAYPRO_SMTP_PASSWORD variable.")
    p.add_argument("pack", type=Path, metavar="PACK",
                   help="the workbook to attach: the leadership pack, or another macro-free .xlsx")
    p.add_argument("--to", type=_csv, required=True, metavar="ADDR[,ADDR]", help="recipients")
    p.add_argument("--cc", type=_csv, default=[], metavar="ADDR[,ADDR]", help="copy recipients")
    p.add_argument("--subject", help="the subject (default: names what is attached, e.g. "
                                     "'SayPro Leadership Pack – 2025-04-25')")
    p.add_argument("--from", dest="sender", metavar="ADDR",
                   help="sender address (default: the SMTP login if it is an address, else user@host; "
                        "none in an .eml)")
    how = p.add_mutually_exclusive_group(required=True)
    how.add_argument("--smtp", metavar="HOST[:PORT]",
                     help="send through this SMTP server; the port defaults to 587 with --starttls, else 25")
    how.add_argument("--eml", type=Path, metavar="OUT.eml", help="save the message to this file instead")
    p.add_argument("--starttls", action="store_true", help="upgrade the SMTP connection with STARTTLS")
    p.add_argument("--user", help="SMTP login; the password comes from SAYPRO_SMTP_PASSWORD")
    p.set_defaults(func=cmd_mail, write_hint="give an --eml path in a folder you can write to")

    p = sub.add_parser("remind", help="email each person on the People sheet the actions they must follow up",
                       description="One message per person on the People sheet: owners get their open "
                                   "actions due within a week, overdue or blocked; department heads and "
                                   "leadership get what the escalation ladder sends them. Plain text and an "
                                   "HTML table, no attachment. The SMTP password is read only from the "
                                   "SAYPRO_SMTP_PASSWORD variable. Exit 2 when the tracker has no People sheet.")
    p.add_argument("tracker", type=Path, metavar="TRACKER", help=tracker_help)
    p.add_argument("--as-of", type=_date, metavar="DATE", help=as_of_help)
    how = p.add_mutually_exclusive_group()
    how.add_argument("--smtp", metavar="HOST[:PORT]",
                     help="send through this SMTP server; the port defaults to 587 with --starttls, else 25")
    how.add_argument("--eml-dir", type=Path, metavar="DIR",
                     help="save one .eml per person in DIR instead (Reminder_<as-of>_<address>.eml)")
    p.add_argument("--starttls", action="store_true", help="upgrade the SMTP connection with STARTTLS")
    p.add_argument("--user", help="SMTP login; the password comes from SAYPRO_SMTP_PASSWORD")
    p.add_argument("--from", dest="sender", metavar="ADDR",
                   help="sender address (default: the SMTP login if it is an address, else user@host; "
                        "none in an .eml)")
    p.add_argument("--dry-run", action="store_true",
                   help="send and write nothing: print one line per person (name, address, level, action IDs)")
    p.set_defaults(func=cmd_remind, write_hint="give an --eml-dir in a folder you can write to")

    p = sub.add_parser("build-workbook", help="build the macro-enabled tracker (.xlsm) from source",
                       description="Build the .xlsm: template sheets, Home buttons, xlwings.conf, the VBA "
                                   "project (xlwings module, UDF wrappers, macros/) and the SayPro ribbon.")
    p.add_argument("-o", "--output", type=Path, default=Path("workbooks/SayPro_Tracker.xlsm"), metavar="PATH",
                   help="the .xlsm file to write (default: workbooks/SayPro_Tracker.xlsm)")
    p.add_argument("--sample", action="store_true", help="fill it with the sample scenario")
    p.set_defaults(func=cmd_build_workbook, write_hint=HINT_FOLDER)

    p = sub.add_parser("doctor", help="versions, LibreOffice, and the workbook's xlwings version",
                       description="Report Python, package and xlwings versions, whether LibreOffice is "
                                   "found, and whether the workbook's embedded xlwings version matches "
                                   "(naming the workbook checked).")
    p.set_defaults(func=cmd_doctor)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; the exit code. Output cut short by its reader ends quietly with 141."""
    try:
        try:
            return _run(argv)
        finally:
            sys.stdout.flush()  # a pipe closed early fails here rather than at interpreter exit
    except BrokenPipeError:
        # The Python documentation's recipe: point stdout at devnull so the flush at
        # shutdown does not fail a second time and print "Exception ignored ...".
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return EXIT_BROKEN_PIPE


def _run(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "jobs", None) is not None and args.jobs < 1:
        parser.error("-j/--jobs must be 1 or more")
    if getattr(args, "user", None) and getattr(args, "eml", None):
        parser.error("--user only applies with --smtp")
    try:
        return args.func(args)
    except CliError as exc:
        print(f"saypro-xl: {exc}", file=sys.stderr)
        return exc.code
    except BrokenPipeError:
        raise
    except OSError as exc:  # an output folder not writable, a disk full...
        from .xlsx import write_error_sentence

        print(f"saypro-xl: {write_error_sentence(exc, getattr(args, 'write_hint', HINT_DEFAULT))}",
              file=sys.stderr)
        return EXIT_FINDINGS
    except KeyboardInterrupt:
        print("saypro-xl: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
