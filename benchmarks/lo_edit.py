"""How long LibreOffice takes to bring a tracker's native formulas up to date after one edit.

    python benchmarks/lo_edit.py TRACKER.xlsx ...      (the venv's Python: runs the UNO one)

For each tracker (written by the template, e.g. benchmarks/generate.py): LibreOffice headless
loads it, recalculates everything once (`calculateAll`, timed as "full"), then a person's edit
is typed through UNO and only what depends on it is recalculated (`calculate`, timed as
"after one edit"): an Actual (every KPI's Latest Actual, Gap, Status… look through the
Actuals table) and an update's % Complete (every action's Health looks through Updates).
Prints one JSON object per tracker. Needs soffice and a Python with the UNO bridge, found as
tests/lo_recalc.py finds them.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

EDITS = (("Actuals", "C2"), ("Updates", "E2"))  # Actual of the first actual; % Complete of the first update


def main(paths: list[str]) -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    import lo_recalc

    python, soffice = lo_recalc.find_uno_python(), lo_recalc.find_soffice()
    if python is None or soffice is None:
        print(lo_recalc.missing_reason(), file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        answer = Path(tmp) / "answer.json"
        subprocess.run([python, __file__, "--worker", soffice, str(answer), *map(str, paths)], check=True)
        for result in json.loads(answer.read_text()):
            print(json.dumps(result))
    return 0


def _worker(soffice: str, answer: str, paths: list[str]) -> None:  # runs under the UNO Python
    import uuid

    import uno
    from com.sun.star.beans import PropertyValue

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    import lo_recalc

    pipe = f"saypro_bench_{uuid.uuid4().hex[:12]}"
    profile = lo_recalc._profile_dir("bench")
    office = subprocess.Popen(
        [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--invisible", "--norestore",
         "--nologo", "--nodefault", f"--accept=pipe,name={pipe};urp;"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    results = []
    try:
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
        deadline = time.monotonic() + lo_recalc.START_TIMEOUT_S
        while True:
            try:
                ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
                break
            except Exception:
                if time.monotonic() > deadline or office.poll() is not None:
                    raise RuntimeError("soffice did not start")
                time.sleep(0.25)
        desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
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
                for sheet, cell in EDITS:
                    target = doc.Sheets.getByName(sheet).getCellRangeByName(cell)
                    start = time.perf_counter()
                    target.setValue(target.getValue() + 0.5 if sheet == "Actuals" else 0.3)
                    doc.calculate()
                    result[f"edit_{sheet.lower()}_seconds"] = time.perf_counter() - start
            finally:
                doc.close(True)
            results.append(result)
        Path(answer).write_text(json.dumps(results))
        try:
            desktop.terminate()
        except Exception:
            pass
    finally:
        try:
            office.wait(timeout=30)
        except subprocess.TimeoutExpired:
            office.kill()
            office.wait()
        import shutil

        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        _worker(sys.argv[2], sys.argv[3], sys.argv[4:])
    else:
        sys.exit(main(sys.argv[1:]))
