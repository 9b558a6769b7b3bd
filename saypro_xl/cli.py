"""The `saypro-xl` command: parse, call one core function, print the result or one sentence.

Top floor of the package: it imports the rest, nothing imports it.

Exit codes (also in the README):
  0  done; for `validate`, the tracker has no errors (warnings may remain)
  1  the tracker has validation errors, a batch had failures, mail could not be sent,
     or an output could not be written
  2  a file cannot be used (missing, not a workbook, encrypted, .xls) or the command line is wrong
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from . import __version__

EXIT_OK, EXIT_FINDINGS, EXIT_UNUSABLE = 0, 1, 2


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
    cells = [[("" if v is None else str(v)) for v in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    line = lambda values: "  ".join(v.ljust(w) for v, w in zip(values, widths)).rstrip()
    return "\n".join([line(headers), line(["-" * w for w in widths]), *map(line, cells)])


def _num(value: float | None, digits: int = 2) -> str:
    return "" if value is None else f"{value:,.{digits}f}"


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value * 100:+.1f}%"


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
        print(json.dumps([
            {"severity": i.severity.value, "sheet": i.sheet, "cell": i.cell,
             "column": i.column, "message": i.message}
            for i in issues
        ], indent=2))
    elif issues:
        print(_table(["Severity", "Where", "Column", "Problem"],
                     [[i.severity.value, f"{i.sheet}!{i.cell}" if i.cell else i.sheet, i.column, i.message]
                      for i in issues]))
        print(f"\n{len(tracker.errors)} error(s), {len(tracker.warnings)} warning(s) in {args.tracker.name}")
    else:
        print(f"{args.tracker.name}: no problems found")
    return EXIT_FINDINGS if tracker.errors else EXIT_OK


def kpi_json(k) -> dict:
    o = k.objective
    return {
        "kpi_id": o.kpi_id, "department": o.department, "kpi": o.kpi, "unit": o.unit,
        "direction": o.direction.value, "target": k.target, "latest_actual": k.latest_actual,
        "latest_period_end": _iso(k.latest_period_end), "gap": k.gap, "gap_pct": k.gap_pct,
        "status": k.status.value, "trend": k.trend.value if k.trend else None,
        "watch": k.watch, "stale": k.stale, "status_label": k.status_label,
    }


def action_json(a) -> dict:
    x = a.action
    return {
        "action_id": x.action_id, "department": x.department, "action": x.action, "owner": x.owner,
        "kpi_id": x.kpi_id, "cause_id": x.cause_id, "start_date": _iso(x.start_date),
        "timeline_weeks": x.timeline_weeks, "original_due": _iso(a.original_due),
        "due_date": _iso(a.due_date), "slippage_days": a.slippage_days, "status": a.status.value,
        "pct_complete": a.pct_complete, "health": a.health.value, "last_update": _iso(a.last_update),
    }


def cmd_status(args) -> int:
    from .rules import score

    tracker = _load(args.tracker)
    card = score(tracker, args.as_of)
    if not card.kpis and not card.actions and not args.json:
        print(f"{args.tracker.name}: no KPIs or actions yet; fill the Objectives and Actions sheets.")
        return EXIT_OK
    if args.json:
        print(json.dumps({"as_of": card.as_of.isoformat(),
                          "kpis": [kpi_json(k) for k in card.kpis],
                          "actions": [action_json(a) for a in card.actions]}, indent=2))
    else:
        print(f"{tracker.settings.organisation or args.tracker.name} — status on {card.as_of:%Y-%m-%d}\n")
        print(_table(["KPI", "Department", "Target", "Latest", "Gap", "Gap %", "Status", "Trend"],
                     [[k.kpi_id, k.objective.department, _num(k.target), _num(k.latest_actual),
                       _num(k.gap), _pct(k.gap_pct), k.status_label, k.trend or ""] for k in card.kpis]))
        print()
        print(_table(["Action", "Department", "Owner", "Due", "Slip", "Status", "% Done", "Health"],
                     [[a.action_id, a.action.department, a.action.owner, _iso(a.due_date),
                       f"{a.slippage_days:+d}d" if a.slippage_days else "", a.status,
                       f"{a.pct_complete:.0f}%", a.health] for a in card.actions]))
    if tracker.errors:
        print(f"\nNote: {len(tracker.errors)} validation error(s); rows with errors were left out "
              f"(run `saypro-xl validate {args.tracker}`).", file=sys.stderr)
    return EXIT_OK


def cmd_report(args) -> int:
    from .reports import build_reports
    from .rules import score
    from .xlsx import WriteError

    card = score(_load_clean(args.tracker), args.as_of)
    # The older tracker is scored on its own As Of date, so health that changed only
    # because time passed shows up as a change.
    since = score(_load_clean(args.since)) if args.since else None
    # A relative Output Folder in Settings is relative to the tracker, as the Excel buttons read it.
    out_dir = args.output or args.tracker.parent / (card.tracker.settings.output_folder or ".")
    try:
        paths = build_reports(card, out_dir, only=args.only, meeting=args.meeting, since=since)
    except (ValueError, WriteError) as exc:
        raise CliError(str(exc), EXIT_FINDINGS) from None
    for path in paths:
        print(f"Wrote {path}")
    return EXIT_OK


def cmd_batch(args) -> int:
    from .batch import run_batch

    def progress(done: int, total: int, name: str) -> None:
        if not sys.stderr.isatty():
            return
        filled = int(30 * done / total) if total else 30
        print(f"\r[{'#' * filled}{'.' * (30 - filled)}] {done}/{total} {name[:40]:<40}",
              end="" if done < total else "\n", file=sys.stderr, flush=True)

    result = run_batch(args.paths, args.output, jobs=args.jobs, as_of=args.as_of,
                       only=args.only, meeting=args.meeting, progress=progress)
    if not result.outcomes:
        raise CliError("No .xlsx or .xlsm trackers found in the paths given.", EXIT_UNUSABLE)
    failed = [o for o in result.outcomes if not o.ok]
    for outcome in result.outcomes:
        mark = "ok    " if outcome.ok else "FAILED"
        detail = f"{len(outcome.outputs)} report(s)" if outcome.ok else outcome.error
        print(f"{mark} {outcome.path}: {detail}")
    if result.consolidated_pack:
        print(f"Consolidated pack: {result.consolidated_pack}")
    if result.consolidated_error:
        print(f"FAILED consolidated pack: {result.consolidated_error}")
    print(f"{len(result.outcomes) - len(failed)} built, {len(failed)} failed")
    return EXIT_OK if result.ok else EXIT_FINDINGS


def cmd_mail(args) -> int:
    from .mail import MailError, build_message, parse_smtp_target, save_eml, send_smtp

    try:
        message = build_message(args.pack, to=args.to, cc=args.cc, subject=args.subject,
                                sender=args.sender)
        if args.eml:
            print(f"Wrote {save_eml(message, args.eml)}")
        else:
            host, port = parse_smtp_target(args.smtp)
            send_smtp(message, host, port, starttls=args.starttls, user=args.user)
            print(f"Sent {args.pack.name} to {', '.join(args.to + args.cc)} via {host}:{port}")
    except MailError as exc:
        raise CliError(str(exc), EXIT_FINDINGS) from None
    return EXIT_OK


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
    for package in ("xlwings", "openpyxl", "pandas", "xlsxwriter", "python-calamine"):
        try:
            rows.append((package, md.version(package), True))
        except md.PackageNotFoundError:
            rows.append((package, "not installed", False))
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    rows.append(("LibreOffice", soffice or "not found (only needed for tests and PDF previews)", True))
    workbook = Path(__file__).resolve().parent.parent / "workbooks" / "SayPro_Tracker.xlsm"
    rows.append(_workbook_version_row(workbook))
    return rows


def _workbook_version_row(workbook: Path) -> tuple[str, str, bool]:
    """The commonest 'could not load xlwings DLL': the workbook's VBA and the package disagree."""
    import importlib.metadata as md

    if not workbook.exists():
        return ("Workbook xlwings", "no SayPro_Tracker.xlsm beside the package to check", True)
    try:
        from .excel.build import xlwings_version_of

        embedded = xlwings_version_of(workbook)
    except Exception as exc:  # a check must never crash doctor
        return ("Workbook xlwings", f"could not read {workbook.name}: {exc}", False)
    installed = md.version("xlwings")
    if embedded is None:
        return ("Workbook xlwings", f"{workbook.name} has no xlwings module: rebuild with "
                "`saypro-xl build-workbook`", False)
    ok = embedded == installed
    note = "matches" if ok else f"differs from installed {installed}: rebuild with `saypro-xl build-workbook`"
    return ("Workbook xlwings", f"{workbook.name} has {embedded} — {note}", ok)


def cmd_doctor(args) -> int:
    rows = doctor_lines()
    print(_table(["Check", "Finding", ""], [[c, f, "ok" if ok else "PROBLEM"] for c, f, ok in rows]))
    return EXIT_OK if all(ok for _, _, ok in rows) else EXIT_FINDINGS


# ------------------------------------------------------------------ parser


def build_parser() -> argparse.ArgumentParser:
    from .reports import MEETING_KINDS, REPORT_KINDS

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
        epilog="Exit codes: 0 done; 1 validation errors, batch failures or mail not sent; "
               "2 unusable file or wrong command line.",
    )
    parser.add_argument("--version", action="version", version=f"saypro-xl {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("new-tracker", help="write an empty (or sample) tracker workbook",
                       description="Write the tracker workbook of the contract: input tables, "
                                   "drop-downs, native formulas, dashboard.")
    p.add_argument("path", type=Path, metavar="PATH", help="the .xlsx file to create")
    p.add_argument("--sample", action="store_true", help="fill it with the SayPro sample scenario")
    p.add_argument("--force", action="store_true", help="replace PATH if it exists")
    p.set_defaults(func=cmd_new_tracker)

    p = sub.add_parser("validate", help="check a tracker and list every problem with its cell",
                       description="Check a tracker against the contract; list each problem with its "
                                   "sheet, cell and fix. Exit 0 clean, 1 errors, 2 unusable file.")
    p.add_argument("tracker", type=Path, metavar="TRACKER")
    p.add_argument("--json", action="store_true", help="print the issues as JSON")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("status", help="KPI status and action health on a date",
                       description="Score every KPI (target, gap, status, trend) and action (due, health).")
    p.add_argument("tracker", type=Path, metavar="TRACKER")
    p.add_argument("--as-of", type=_date, metavar="DATE", help="YYYY-MM-DD (default: Settings' As Of Date, else today)")
    p.add_argument("--json", action="store_true", help="print KPI and action objects as JSON")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("report", help="write the findings, timeline, agenda and leadership pack workbooks",
                       description="Write the report workbooks of one tracker.")
    p.add_argument("tracker", type=Path, metavar="TRACKER")
    p.add_argument("-o", "--output", type=Path, metavar="DIR",
                   help="folder for the reports (default: Settings' Output Folder, else the tracker's folder)")
    p.add_argument("--as-of", type=_date, metavar="DATE", help="YYYY-MM-DD (default: Settings, else today)")
    p.add_argument("--only", type=kinds, default=list(REPORT_KINDS), metavar="KINDS",
                   help=f"comma-separated subset of {','.join(REPORT_KINDS)}")
    p.add_argument("--meeting", choices=MEETING_KINDS, default="follow-up", help="agenda kind")
    p.add_argument("--since", type=Path, metavar="OLDER",
                   help="an older copy of the tracker: adds 'changes since last meeting' to the agenda")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("batch", help="reports for many trackers plus one consolidated pack",
                       description="Build every report for each tracker found (files or folders), one "
                                   "folder per tracker, and an organisation-wide pack. A bad tracker is "
                                   "reported and skipped; exit 1 if any failed.")
    p.add_argument("paths", type=Path, nargs="+", metavar="PATH")
    p.add_argument("-o", "--output", type=Path, required=True, metavar="DIR")
    p.add_argument("-j", "--jobs", type=int, default=1, metavar="N", help="parallel processes (default 1)")
    p.add_argument("--as-of", type=_date, metavar="DATE")
    p.add_argument("--only", type=kinds, default=list(REPORT_KINDS), metavar="KINDS")
    p.add_argument("--meeting", choices=MEETING_KINDS, default="follow-up")
    p.set_defaults(func=cmd_batch)

    p = sub.add_parser("mail", help="email the leadership pack (SMTP) or save it as .eml",
                       description="Send a macro-free pack by SMTP, or save the message as .eml. The "
                                   "SMTP password is read only from the SAYPRO_SMTP_PASSWORD variable.")
    p.add_argument("pack", type=Path, metavar="PACK")
    p.add_argument("--to", type=_csv, required=True, metavar="ADDR[,ADDR]")
    p.add_argument("--cc", type=_csv, default=[], metavar="ADDR[,ADDR]")
    p.add_argument("--subject")
    p.add_argument("--from", dest="sender", metavar="ADDR", help="sender address")
    how = p.add_mutually_exclusive_group(required=True)
    how.add_argument("--smtp", metavar="HOST:PORT")
    how.add_argument("--eml", type=Path, metavar="OUT.eml")
    p.add_argument("--starttls", action="store_true", help="upgrade the SMTP connection with STARTTLS")
    p.add_argument("--user", help="SMTP login; the password comes from SAYPRO_SMTP_PASSWORD")
    p.set_defaults(func=cmd_mail)

    p = sub.add_parser("build-workbook", help="build the macro-enabled tracker (.xlsm) from source",
                       description="Build the .xlsm: template sheets, Home buttons, xlwings.conf, the VBA "
                                   "project (xlwings module, UDF wrappers, macros/) and the SayPro ribbon.")
    p.add_argument("-o", "--output", type=Path, default=Path("workbooks/SayPro_Tracker.xlsm"), metavar="PATH")
    p.add_argument("--sample", action="store_true", help="fill it with the sample scenario")
    p.set_defaults(func=cmd_build_workbook)

    p = sub.add_parser("doctor", help="versions, LibreOffice, and the workbook's xlwings version",
                       description="Report Python, package and xlwings versions, whether LibreOffice is "
                                   "found, and whether the workbook's embedded xlwings version matches.")
    p.set_defaults(func=cmd_doctor)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "jobs", 1) < 1:
        parser.error("-j/--jobs must be 1 or more")
    if getattr(args, "user", None) and getattr(args, "eml", None):
        parser.error("--user only applies with --smtp")
    try:
        return args.func(args)
    except CliError as exc:
        print(f"saypro-xl: {exc}", file=sys.stderr)
        return exc.code
    except OSError as exc:  # an output folder not writable, a disk full...
        where = exc.filename or "the output"
        print(f"saypro-xl: could not write {where}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_FINDINGS
    except KeyboardInterrupt:
        print("saypro-xl: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
