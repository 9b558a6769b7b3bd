"""The whole regeneration against its floor, in one run: time and peak memory, reported as ratios.

    python benchmarks/bench.py [--size small|medium|large] [--work DIR] [--batch N]

On one generated tracker (benchmarks/generate.py; large by default) and in one run:

- floor    python-calamine reading every sheet of the tracker, then xlsxwriter in constant-memory
           mode writing the same cells the project's four reports contain (every value, and every
           formatted blank, at its place; no formats, merges or charts): the cost no implementation
           can avoid with these two libraries;
- project  `saypro-xl report TRACKER` writing all four reports (on a big tracker, in as many
           processes as the machine has cores, up to four: its default);
- naive    what a user would otherwise script: openpyxl (read-only) reading every sheet into
           pandas, and pandas `to_excel` writing the same values, sheet by sheet, with pandas'
           openpyxl writer (judged) and its xlsxwriter one (shown);
- batch    `saypro-xl batch` over N medium trackers (40; copies of the sample at --size small)
           with -j 1, then -j 2, and both again with --no-dashboard;
- UDFs     the Python side of SAYPRO_STATUS per call, and of SAYPRO_STATUS_TABLE over 5,000 KPIs
           (each with its last three actuals, as Excel hands the ranges over: header row first),
           cold (judged), with the same ranges again, and after one Actual changed.
- formulas the tracker's native formulas in LibreOffice headless (benchmarks/lo_edit.py): a full
           recalculation, then the slowest single edit a person makes (an Actual, an update, each
           cell of a new actual, an Actual with As Of blank); on the medium tracker and on
           40 × 25 × 52 at --size large (on the tracker itself otherwise). Skipped, and said so,
           where LibreOffice is missing.

Each of floor, project, naive and batch runs in a process of its own, timed from its start
(interpreter and imports included) to its end, its peak memory the process's peak resident set
(VmHWM, benchmarks/peak.py; for batch, the main process's). For project the peak judged is the
larger of that and the whole process tree's proportional set size (its writer processes too),
sampled ten times a second.
The floor and naive processes first load the cells to write from a pickle; that load is timed
by the process itself and taken off. Targets (issue 12) are judged on the large tracker only:

    project / floor <= 1.5    naive / project >= 2.5    project peak <= 1 GB
    -j 1 / -j 2 >= 1.6        SAYPRO_STATUS <= 20 us     SAYPRO_STATUS_TABLE <= 50 ms
    one edit, medium <= 0.3 s                            one edit, 40 x 25 x 52 <= 5 s

It prints a table and ends with one line of ratios; exit 1 when a target is missed (large only).
Generated trackers and outputs go to --work (a temporary folder by default), never the checkout.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import pickle
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import AS_OF, SIZE_NAMES, write_synthetic  # noqa: E402
from lo_edit import measure as formula_timings  # noqa: E402
from peak import PEAK_FILE, tree_pss_mb, write_peak  # noqa: E402

TARGETS = {  # name: (limit, "max" | "min")
    "project / floor": (1.5, "max"),
    "naive / project": (2.5, "min"),
    "project peak MB": (1024.0, "max"),
    "-j 1 / -j 2": (1.6, "min"),
    "SAYPRO_STATUS us": (20.0, "max"),
    "SAYPRO_STATUS_TABLE ms": (50.0, "max"),
    "one edit, medium s": (0.3, "max"),
    "one edit, 40x25x52 s": (5.0, "max"),
}
UDF_KPIS = 5000
UDF_ACTUALS_PER_KPI = 3
STATUS_CALLS = 50_000


@dataclass
class Run:
    seconds: float
    peak_mb: float | None
    output: str = ""
    tree_peak_mb: float | None = None  # the process and its children together, sampled


# ------------------------------------------------------------------ processes


def saypro_command() -> list[str]:
    """`saypro-xl` exactly as its console script runs it (`sys.exit(main())`), which also writes
    its peak memory, when it ends, to the file named by SAYPRO_BENCH_PEAK_FILE."""
    code = (f"import sys; sys.path.insert(0, {str(Path(__file__).resolve().parent)!r}); import atexit, peak; "
            "atexit.register(peak.write_peak); sys.path.pop(0); "
            "from saypro_xl.cli import main; sys.exit(main())")
    return [sys.executable, "-c", code]


def run_process(command: list[str]) -> Run:
    """Run a command to its end: wall time, its peak resident memory (main process), stdout, and
    the peak of the whole process tree (its worker processes too), sampled ten times a second."""
    with tempfile.TemporaryDirectory() as tmp:
        peak_file, out_file, err_file = Path(tmp) / "peak", Path(tmp) / "out", Path(tmp) / "err"
        env = {**os.environ, PEAK_FILE: str(peak_file)}
        tree_peak = None
        with open(out_file, "wb") as out, open(err_file, "wb") as err:
            start = time.perf_counter()
            process = subprocess.Popen(command, stdout=out, stderr=err, env=env)
            while process.poll() is None:
                now = tree_pss_mb(process.pid)
                if now is not None:
                    tree_peak = max(tree_peak or 0.0, now)
                time.sleep(0.1)
            seconds = time.perf_counter() - start
        text = out_file.read_bytes().decode(errors="replace")
        if process.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed ({process.returncode}):\n{text}\n"
                               f"{err_file.read_bytes().decode(errors='replace')}")
        peak = float(peak_file.read_text()) if peak_file.exists() else None
    return Run(seconds, peak, text, tree_peak)


def run_child(kind: str, *args: str) -> Run:
    """This script as a child doing `kind`; the child's setup time (loading its pickle) is taken off."""
    run = run_process([sys.executable, str(Path(__file__).resolve()), "--child", kind, *args])
    setup = json.loads(run.output.strip().splitlines()[-1])["setup_seconds"]
    return Run(run.seconds - setup, run.peak_mb, run.output)


# ------------------------------------------------------------------ the cells of the reports

_CELL = re.compile(rb'<c r="([A-Z]+)(\d+)"[^>]*?(/?)>')


def _column(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n - 1


def report_cells(paths: list[Path]) -> list[tuple[str, list[tuple[str, list[list[tuple[int, object]]]]]]]:
    """[(file name, [(sheet, rows)])]: every cell of every sheet, each row [(column, value)],
    value None for a formatted blank. Values by python-calamine, positions from the sheet XML."""
    from python_calamine import CalamineWorkbook

    books = []
    for path in paths:
        book = CalamineWorkbook.from_path(str(path))
        sheets = []
        with zipfile.ZipFile(path) as archive:
            for i, name in enumerate(book.sheet_names, start=1):
                grid = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
                rows: dict[int, list[tuple[int, object]]] = {}
                for letters, number, _ in _CELL.findall(archive.read(f"xl/worksheets/sheet{i}.xml")):
                    r, c = int(number) - 1, _column(letters)
                    value = grid[r][c] if r < len(grid) and c < len(grid[r]) else ""
                    rows.setdefault(r, []).append((c, None if value == "" else value))
                sheets.append((name, [rows.get(r, []) for r in range(max(rows, default=-1) + 1)]))
        books.append((path.name, sheets))
    return books


def count_cells(books) -> tuple[int, int]:
    """(cells, of which hold a value)."""
    cells = values = 0
    for _, sheets in books:
        for _, rows in sheets:
            for row in rows:
                cells += len(row)
                values += sum(1 for _, v in row if v is not None)
    return cells, values


# ------------------------------------------------------------------ children


def child_floor(tracker: str, cells_file: str, out_dir: str) -> None:
    start = time.perf_counter()
    with open(cells_file, "rb") as handle:
        books = pickle.load(handle)
    gc.freeze()  # the cells to write are input, not work: no collection walks them
    setup = time.perf_counter() - start

    import xlsxwriter
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(tracker)
    read = sum(len(book.get_sheet_by_name(name).to_python(skip_empty_area=False)) for name in book.sheet_names)
    for file_name, sheets in books:
        workbook = xlsxwriter.Workbook(str(Path(out_dir) / file_name), {"constant_memory": True})
        blank = workbook.add_format({"border": 1})
        day = workbook.add_format({"num_format": "d mmm yyyy"})
        for name, rows in sheets:
            ws = workbook.add_worksheet(name)
            for r, row in enumerate(rows):
                for c, value in row:
                    if value is None:
                        ws.write_blank(r, c, None, blank)
                    elif isinstance(value, str):
                        ws.write_string(r, c, value)
                    elif isinstance(value, bool):
                        ws.write_boolean(r, c, value)
                    elif isinstance(value, (int, float)):
                        ws.write_number(r, c, value)
                    elif isinstance(value, (dt.date, dt.time)):
                        ws.write_datetime(r, c, value, day)
                    else:
                        ws.write_string(r, c, str(value))
        workbook.close()
    write_peak()
    print(json.dumps({"setup_seconds": setup, "rows_read": read}))


def child_naive(tracker: str, cells_file: str, out_dir: str, engine: str) -> None:
    start = time.perf_counter()
    with open(cells_file, "rb") as handle:
        books = pickle.load(handle)
    grids = []  # each sheet as the grid of values a script would hold (blanks as None)
    for file_name, sheets in books:
        out = []
        for name, rows in sheets:
            width = max((c + 1 for row in rows for c, _ in row), default=1)
            grid = [[None] * width for _ in rows]
            for r, row in enumerate(rows):
                for c, value in row:
                    grid[r][c] = value
            out.append((name, grid))
        grids.append((file_name, out))
    del books
    gc.freeze()  # the grids to write are input, not work: no collection walks them
    setup = time.perf_counter() - start

    import openpyxl
    import pandas as pd

    wb = openpyxl.load_workbook(tracker, read_only=True, data_only=True)
    frames = {}
    for ws in wb.worksheets:
        rows = list(ws.iter_rows(values_only=True))
        frames[ws.title] = pd.DataFrame(rows[1:], columns=None) if rows else pd.DataFrame()
    wb.close()
    for file_name, sheets in grids:
        with pd.ExcelWriter(Path(out_dir) / file_name, engine=engine) as writer:
            for name, grid in sheets:
                pd.DataFrame(grid).to_excel(writer, sheet_name=name, index=False, header=False)
    write_peak()
    print(json.dumps({"setup_seconds": setup, "sheets_read": len(frames)}))


# ------------------------------------------------------------------ the UDFs


def udf_ranges(tracker_path: Path, kpis: int) -> tuple[list[list], list[list]]:
    """Objectives and Actuals as Excel hands them to a UDF ([#All]: header row, datetimes, None for
    blanks), for `kpis` KPIs (the generated ones, repeated under new IDs when there are fewer)."""
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(tracker_path))

    def sheet(name: str) -> list[list]:
        rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        return [[None if v == "" else dt.datetime.combine(v, dt.time()) if type(v) is dt.date else v
                 for v in row] for row in rows]

    objectives, actuals = sheet("Objectives"), sheet("Actuals")
    oid, aid = objectives[0].index("KPI ID"), actuals[0].index("KPI ID")
    day = actuals[0].index("Period End")
    by_kpi: dict[str, list[list]] = {}
    for row in actuals[1:]:
        by_kpi.setdefault(row[aid], []).append(row)
    base = [row for row in objectives[1:] if row[oid]]
    out_objectives, out_actuals = [objectives[0]], [actuals[0]]
    for i in range(kpis):
        row = list(base[i % len(base)])
        kid = row[oid] if i < len(base) else f"{row[oid]}-{i // len(base)}"
        row[oid] = kid
        out_objectives.append(row)
        mine = sorted(by_kpi.get(base[i % len(base)][oid], []), key=lambda r: r[day])[-UDF_ACTUALS_PER_KPI:]
        out_actuals += [[kid if j == aid else v for j, v in enumerate(r)] for r in mine]
    return out_objectives, out_actuals


def udf_costs(tracker_path: Path) -> tuple[float, dict[str, float], int]:
    """(µs per SAYPRO_STATUS call, ms per SAYPRO_STATUS_TABLE call by case, KPIs in the table).

    The table function keeps its last answers and each KPI's row between calls (Excel calls it
    again on every recalculation), so it is timed in three cases, each the best of three: cold
    (nothing kept: a workbook just opened; the figure judged), the same ranges again, and one
    Actual changed since the last call (typing into the tracker).
    """
    from saypro_xl.excel import udfs

    cases = [("Higher is better", 95.0, 84.0, 5.0), ("Lower is better", 4.0, 4.2, None),
             ("Higher is better", 80.0, None, 5.0), ("Lower is better", 10.0, 9.0, 10.0)]
    calls = [cases[i % len(cases)] for i in range(STATUS_CALLS)]
    status = udfs.SAYPRO_STATUS
    start = time.perf_counter()
    for args in calls:
        status(*args)
    per_call = (time.perf_counter() - start) / len(calls) * 1e6

    objectives, actuals = udf_ranges(tracker_path, UDF_KPIS)
    as_of = dt.datetime.combine(AS_OF, dt.time())
    value = actuals[0].index("Actual")

    def forget() -> None:  # what a freshly started Python holds
        udfs._STATUS_TABLES.clear()
        udfs._KPI_ROWS = ((), {})

    def timed(prepare) -> float:
        best = float("inf")
        for attempt in range(3):  # best of three: one call is short enough for a stray pause to dominate
            ranges = prepare(attempt)
            start = time.perf_counter()
            table = udfs.SAYPRO_STATUS_TABLE(*ranges, as_of, 5, 3)
            best = min(best, time.perf_counter() - start)
            if isinstance(table, str):
                raise RuntimeError(f"SAYPRO_STATUS_TABLE refused the benchmark's ranges: {table}")
        return best * 1000

    def cold(attempt):
        forget()
        return objectives, actuals

    def same(attempt):
        forget()
        udfs.SAYPRO_STATUS_TABLE(objectives, actuals, as_of, 5, 3)
        return objectives, actuals

    def one_edit(attempt):
        forget()
        udfs.SAYPRO_STATUS_TABLE(objectives, actuals, as_of, 5, 3)
        edited = [list(row) for row in actuals]
        edited[1 + attempt][value] = (edited[1 + attempt][value] or 0) + 1.5
        return objectives, edited

    table_ms = {"cold": timed(cold), "same ranges": timed(same), "one Actual changed": timed(one_edit)}
    forget()
    return per_call, table_ms, UDF_KPIS


# ------------------------------------------------------------------ the run


def prepare_batch(folder: Path, size: str, count: int, one: Path) -> None:
    """`count` trackers in `folder`: medium ones of different seeds (copies of the sample at small)."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        target = folder / f"tracker_{i + 1:02d}.xlsx"
        if target.exists():
            continue
        if size == "small":
            shutil.copyfile(one, target)
        else:
            write_synthetic("medium", target, seed=i + 1)


def fmt_mb(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f}"


def verdict(name: str, value: float | None, judged: bool) -> str:
    limit, kind = TARGETS[name]
    if not judged or value is None:
        return f"({'<=' if kind == 'max' else '>='} {limit:g} on large)"
    ok = value <= limit if kind == "max" else value >= limit
    return f"{'ok' if ok else 'MISSED'} ({'<=' if kind == 'max' else '>='} {limit:g})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=SIZE_NAMES, default="large")
    parser.add_argument("--work", type=Path, help="folder for the generated trackers and outputs; kept, and "
                        "trackers already there are reused (default: a temporary folder, removed)")
    parser.add_argument("--batch", type=int, help="trackers in the batch run (default 40; 4 at --size small)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        {"floor": child_floor, "naive": child_naive}[args.child[0]](*args.child[1:])
        return 0

    work = args.work or Path(tempfile.mkdtemp(prefix="saypro-bench-"))
    try:
        return _bench(args, work)
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)


def _bench(args, work: Path) -> int:
    work.mkdir(parents=True, exist_ok=True)
    tracker = work / f"{args.size}_{args.seed}.xlsx"
    if not tracker.exists():
        print(f"generating the {args.size} tracker …", file=sys.stderr)
        write_synthetic(args.size, tracker, args.seed)
    batch_count = args.batch or (4 if args.size == "small" else 40)
    batch_dir = work / f"batch_{'small' if args.size == 'small' else 'medium'}"
    print(f"generating {batch_count} trackers for the batch …", file=sys.stderr)
    prepare_batch(batch_dir, args.size, batch_count, tracker)

    cmd = saypro_command()
    outputs = {name: work / f"out_{name}" for name in ("project", "floor", "naive", "naive_xw", "j1", "j2",
                                                        "j1_reports", "j2_reports")}
    for folder in outputs.values():
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)

    print("project …", file=sys.stderr)
    project = run_process(cmd + ["report", str(tracker), "-o", str(outputs["project"])])
    reports = sorted(outputs["project"].glob("*.xlsx"))
    books = report_cells(reports)
    cells, values = count_cells(books)
    cells_file = work / "cells.pickle"
    with open(cells_file, "wb") as handle:
        pickle.dump(books, handle, protocol=pickle.HIGHEST_PROTOCOL)
    del books
    print("floor …", file=sys.stderr)
    floor = run_child("floor", str(tracker), str(cells_file), str(outputs["floor"]))
    print("naive …", file=sys.stderr)
    naive = run_child("naive", str(tracker), str(cells_file), str(outputs["naive"]), "openpyxl")
    naive_xw = run_child("naive", str(tracker), str(cells_file), str(outputs["naive_xw"]), "xlsxwriter")
    print("batch -j 1, -j 2 …", file=sys.stderr)
    j1 = run_process(cmd + ["batch", str(batch_dir), "-o", str(outputs["j1"]), "-j", "1"])
    j2 = run_process(cmd + ["batch", str(batch_dir), "-o", str(outputs["j2"]), "-j", "2"])
    # The same without the web page, which the parent process builds alone after the workers.
    j1_reports = run_process(cmd + ["batch", str(batch_dir), "-o", str(outputs["j1_reports"]), "-j", "1",
                                    "--no-dashboard"])
    j2_reports = run_process(cmd + ["batch", str(batch_dir), "-o", str(outputs["j2_reports"]), "-j", "2",
                                    "--no-dashboard"])
    print("UDFs …", file=sys.stderr)
    status_us, table_ms, table_kpis = udf_costs(tracker)
    print("formulas in LibreOffice …", file=sys.stderr)
    if args.size == "large":
        big = work / f"40x25x52_{args.seed}.xlsx"
        if not big.exists():
            write_synthetic("40x25x52", big, args.seed)
        formula_books = {"medium": batch_dir / "tracker_01.xlsx", "40x25x52": big}
    else:
        formula_books = {args.size: tracker}
    timings = formula_timings(list(formula_books.values()))
    formulas = dict(zip(formula_books, timings)) if timings is not None else {}

    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(tracker))
    rows = {name: max(0, len(book.get_sheet_by_name(name).to_python()) - 1)
            for name in ("Objectives", "Actuals", "Causes", "Actions", "Updates")}
    print(f"tracker: {args.size} ({tracker.stat().st_size / 1e6:.1f} MB): "
          + ", ".join(f"{n:,} {name.lower()}" for name, n in rows.items()))
    print(f"reports: {len(reports)} workbooks, {cells:,} cells ({values:,} with a value), "
          f"{sum(p.stat().st_size for p in reports) / 1e6:.1f} MB; machine: {os.cpu_count()} cores, "
          f"Python {sys.version.split()[0]}, {sys.platform}")
    print()
    print(f"{'measure':58s} {'seconds':>9s} {'peak MB':>8s}")
    table = [
        ("floor: calamine read + xlsxwriter constant_memory write", floor),
        ("project: saypro-xl report (all four)", project),
        ("naive: openpyxl read + pandas to_excel (openpyxl)", naive),
        ("  the same, pandas writing with xlsxwriter", naive_xw),
        (f"batch: {batch_count} {'small' if args.size == 'small' else 'medium'} trackers, -j 1", j1),
        (f"batch: {batch_count} {'small' if args.size == 'small' else 'medium'} trackers, -j 2", j2),
        ("  the same, --no-dashboard, -j 1", j1_reports),
        ("  the same, --no-dashboard, -j 2", j2_reports),
    ]
    for name, run in table:
        print(f"{name:58s} {run.seconds:9.2f} {fmt_mb(run.peak_mb):>8s}"
              + ("  (main process)" if name.startswith(("batch", "  the same, --")) else ""))
        if run is project:
            print(f"{'  project with its writer processes (sampled)':58s} {'':9s} {fmt_mb(run.tree_peak_mb):>8s}")
    print(f"{'UDF: SAYPRO_STATUS, per call':58s} {status_us / 1e6:9.6f}")
    for case, ms in table_ms.items():
        print(f"{f'UDF: SAYPRO_STATUS_TABLE, {table_kpis:,} KPIs, {case}':58s} {ms / 1e3:9.3f}")
    if not formulas:
        print("formulas: not measured (LibreOffice or its UNO bridge is missing)")
    for name, timing in formulas.items():
        print(f"{f'formulas, {name}: full recalculation':58s} {timing['full_seconds']:9.3f}")
        print(f"{f'formulas, {name}: slowest single edit':58s} {timing['worst_edit']:9.3f}")
    print()

    judged = args.size == "large"
    ratios = {
        "project / floor": project.seconds / floor.seconds,
        "naive / project": naive.seconds / project.seconds,
        # The larger of the main process's exact peak and the sampled peak of all its processes.
        "project peak MB": max((m for m in (project.peak_mb, project.tree_peak_mb) if m is not None),
                               default=None),
        "-j 1 / -j 2": j1.seconds / j2.seconds,
        "SAYPRO_STATUS us": status_us,
        "SAYPRO_STATUS_TABLE ms": table_ms["cold"],
        "one edit, medium s": formulas.get("medium", {}).get("worst_edit"),
        "one edit, 40x25x52 s": formulas.get("40x25x52", {}).get("worst_edit"),
    }
    missed = 0
    extra = {  # no targets: what lies behind two of the judged ratios
        "naive / project": ("  pandas writing with xlsxwriter", naive_xw.seconds / project.seconds),
        "-j 1 / -j 2": ("  --no-dashboard", j1_reports.seconds / j2_reports.seconds),
        "SAYPRO_STATUS_TABLE ms": ("  after one Actual changed", table_ms["one Actual changed"]),
    }
    def shown(name: str, value: float | None, digits: int) -> str:
        if value is None:
            return "n/a"
        return f"{value:.2f}" if "/" in name or name.endswith(" s") else f"{value:,.{digits}f}"

    for name, value in ratios.items():
        mark = verdict(name, value, judged)
        missed += mark.startswith("MISSED")
        print(f"{name:34s} {shown(name, value, 1):>10s}  {mark}")
        if name in extra:
            print(f"{extra[name][0]:34s} {extra[name][1]:10.2f}  (no target)")
    print("ratios: " + " · ".join(f"{name} {shown(name, value, 0)}" for name, value in ratios.items())
          + f" ({args.size})")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
