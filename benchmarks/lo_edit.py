"""How long LibreOffice takes to bring a tracker's native formulas up to date after one edit.

    python benchmarks/lo_edit.py TRACKER.xlsx ...      (the venv's Python: runs the UNO one)

For each tracker (written by the template, e.g. benchmarks/generate.py): LibreOffice headless
loads it, recalculates everything once (`calculateAll`, "full"), then a person's edits are typed
through UNO, one cell at a time, and only what depends on each is recalculated (`calculate`):

- an Actual (every KPI's newest-actual look-up reads the Actuals table);
- an update's % Complete (every action's Health reads the newest update);
- a new actual typed into the first empty row of the Actuals table: its KPI ID, Period End and
  Actual, each a separate edit;
- As Of cleared in Settings (blank means today, a volatile date), then an Actual again.

Prints one JSON object per tracker (seconds; `worst_edit` is the slowest single edit other than
changing As Of itself, which is rare and redoes every look-up). Needs soffice and a Python with
the UNO bridge, found as tests/lo_recalc.py finds them.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def as_of_cell() -> str:
    sys.path.insert(0, str(ROOT))
    from saypro_xl import contract

    return f"B{list(contract.SETTINGS_DEFAULTS).index('As Of Date') + 2}"


def measure(paths: list[Path | str]) -> list[dict] | None:
    """The timings of each tracker, or None when LibreOffice or its UNO bridge is missing."""
    sys.path.insert(0, str(ROOT / "tests"))
    import lo_recalc

    python, soffice = lo_recalc.find_uno_python(), lo_recalc.find_soffice()
    if python is None or soffice is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        answer = Path(tmp) / "answer.json"
        subprocess.run([python, __file__, "--worker", soffice, str(answer), as_of_cell(), *map(str, paths)],
                       check=True)
        return json.loads(answer.read_text())


def main(paths: list[str]) -> int:
    results = measure(paths)
    if results is None:
        sys.path.insert(0, str(ROOT / "tests"))
        import lo_recalc

        print(lo_recalc.missing_reason(), file=sys.stderr)
        return 2
    for result in results:
        print(json.dumps(result))
    return 0


def _timed(doc, cell, value) -> float:
    start = time.perf_counter()
    if isinstance(value, str):
        cell.setString(value)
    elif value is None:
        cell.setString("")
    else:
        cell.setValue(value)
    doc.calculate()
    return time.perf_counter() - start


def _edits(doc, settings_as_of: str) -> dict[str, float]:
    actuals, updates = doc.Sheets.getByName("Actuals"), doc.Sheets.getByName("Updates")
    settings = doc.Sheets.getByName("Settings")
    timings = {}
    actual = actuals.getCellRangeByName("C2")
    timings["an Actual"] = _timed(doc, actual, actual.getValue() + 0.5)
    timings["an update's % Complete"] = _timed(doc, updates.getCellRangeByName("E2"), 0.3)
    cursor = actuals.createCursor()
    cursor.gotoEndOfUsedArea(False)  # the table's last row: blank rows below the records included
    ids = [row[0] for row in actuals.getCellRangeByName(f"A2:A{cursor.RangeAddress.EndRow + 1}").getDataArray()]
    free = ids.index("") + 2  # the first row of the table without a KPI ID
    kpi, period_end = ids[0], actuals.getCellRangeByName("B2").getValue()
    for header, column, value in (("KPI ID", "A", kpi), ("Period End", "B", period_end + 7),
                                  ("Actual", "C", 1.0)):
        timings[f"a new actual's {header}"] = _timed(doc, actuals.getCellRangeByName(f"{column}{free}"), value)
    timings["clearing As Of"] = _timed(doc, settings.getCellRangeByName(settings_as_of), None)
    timings["an Actual, As Of blank"] = _timed(doc, actual, actual.getValue() + 0.5)
    return timings


def _worker(soffice: str, answer: str, settings_as_of: str, paths: list[str]) -> None:  # the UNO Python
    import uno
    from com.sun.star.beans import PropertyValue

    sys.path.insert(0, str(ROOT / "tests"))
    import lo_recalc

    results = []
    with lo_recalc.headless_desktop(soffice, "bench") as desktop:
        hidden = PropertyValue()
        hidden.Name, hidden.Value = "Hidden", True
        for path in paths:
            start = time.perf_counter()
            doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(str(Path(path).resolve())), "_blank", 0,
                                               (hidden,))
            result = {"path": path, "load_seconds": time.perf_counter() - start}
            try:
                start = time.perf_counter()
                doc.calculateAll()
                result["full_seconds"] = time.perf_counter() - start
                result["edits"] = _edits(doc, settings_as_of)
                result["worst_edit"] = max(v for k, v in result["edits"].items() if k != "clearing As Of")
            finally:
                doc.close(True)
            results.append(result)
    Path(answer).write_text(json.dumps(results))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        _worker(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:])
    else:
        sys.exit(main(sys.argv[1:]))
