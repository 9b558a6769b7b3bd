"""LibreOffice headless as an independent spreadsheet engine for the tests.

Two halves in one file:
- imported by pytest (the venv): `find_soffice()`, `find_uno_python()`,
  `recalculate(jobs)` and `convert(path, out_dir, to)`; they run LibreOffice in
  subprocesses and never import `uno` themselves;
- run as a script by the Python that has the UNO bridge (Debian's python3-uno
  lives in the system Python, not in a venv): one soffice process for a whole
  batch of workbooks, each loaded hidden, recalculated with calculateAll() and
  read back as JSON.

Every soffice gets its own -env:UserInstallation profile so parallel runs do
not collide on the default profile's lock.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

SYSTEM_PYTHONS = ("/usr/bin/python3",)
START_TIMEOUT_S = 60


def find_soffice() -> str | None:
    """soffice / libreoffice on PATH (or $SOFFICE), else None."""
    explicit = os.environ.get("SOFFICE")
    if explicit and Path(explicit).exists():
        return explicit
    return shutil.which("soffice") or shutil.which("libreoffice")


def find_uno_python() -> str | None:
    """A Python interpreter that can `import uno` (the system one on Debian), else None."""
    candidates = [os.environ.get("UNO_PYTHON"), *SYSTEM_PYTHONS, shutil.which("python3")]
    for python in candidates:
        if not python or not Path(python).exists():
            continue
        probe = subprocess.run([python, "-c", "import uno"], capture_output=True, timeout=60)
        if probe.returncode == 0:
            return python
    return None


def missing_reason() -> str | None:
    """Why LibreOffice recalculation cannot run here, or None when it can."""
    if find_soffice() is None:
        return ("LibreOffice (soffice) is not installed; install Debian's libreoffice-calc-nogui "
                "to run the native-formula proof")
    if find_uno_python() is None:
        return ("no Python with the LibreOffice UNO bridge (import uno) was found; install "
                "Debian's python3-uno or set UNO_PYTHON")
    return None


def _profile_dir(tag: str) -> Path:
    """A fresh LibreOffice user profile folder (removed by the caller when done)."""
    return Path(tempfile.gettempdir()) / f"lo_saypro_{tag}_{uuid.uuid4().hex[:10]}"


def recalculate(jobs: list[dict], timeout: float = 600) -> list[dict]:
    """Recalculate workbooks in one LibreOffice and read cell values back.

    Each job: {"path": str, "sheets": [names], "set": [[sheet, "C3", value], ...]}
    ("set" is optional: cells typed before the recalculation). Each result:
    {"path", "sheets": {name: rows of values}, "errors": {name: ["A1", ...]}}, where
    values are float, str ("" for empty) as LibreOffice reports them.
    """
    python = find_uno_python()
    soffice = find_soffice()
    if python is None or soffice is None:
        raise RuntimeError(missing_reason())
    with tempfile.TemporaryDirectory(prefix="lo_jobs_") as tmp:
        request = Path(tmp) / "jobs.json"
        answer = Path(tmp) / "answer.json"
        request.write_text(json.dumps({"soffice": soffice, "jobs": jobs}), encoding="utf-8")
        done = subprocess.run([python, __file__, str(request), str(answer)],
                              capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0 or not answer.exists():
            raise RuntimeError(f"LibreOffice recalculation failed:\n{done.stdout}\n{done.stderr}")
        return json.loads(answer.read_text(encoding="utf-8"))


def convert(path: Path | str, out_dir: Path | str, to: str = "pdf", timeout: float = 180) -> Path:
    """Convert a workbook with soffice --convert-to; returns the file made."""
    soffice = find_soffice()
    if soffice is None:
        raise RuntimeError(missing_reason())
    path, out_dir = Path(path), Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    profile = _profile_dir("convert")
    try:
        done = subprocess.run(
            [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
             "--convert-to", to, "--outdir", str(out_dir), str(path)],
            capture_output=True, text=True, timeout=timeout)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    made = out_dir / f"{path.stem}.{to.split(':')[0]}"
    if done.returncode != 0 or not made.exists():
        raise RuntimeError(f"soffice could not convert {path.name}:\n{done.stdout}\n{done.stderr}")
    return made


# ------------------------------------------------------------ the UNO worker


def _worker(request_path: str, answer_path: str) -> None:  # runs under the UNO Python
    import uno  # noqa: F401  (only here: the venv has no UNO)
    from com.sun.star.beans import PropertyValue
    from com.sun.star.sheet.FormulaResult import ERROR as FORMULA_ERROR

    request = json.loads(Path(request_path).read_text(encoding="utf-8"))
    with headless_desktop(request["soffice"], "recalc") as desktop:

        def prop(name, value):
            p = PropertyValue()
            p.Name, p.Value = name, value
            return p

        results = []
        for job in request["jobs"]:
            url = uno.systemPathToFileUrl(str(Path(job["path"]).resolve()))
            doc = desktop.loadComponentFromURL(url, "_blank", 0, (prop("Hidden", True),))
            if doc is None:
                raise RuntimeError(f"LibreOffice could not open {job['path']}")
            try:
                for sheet_name, cell, value in job.get("set", []):
                    target = doc.Sheets.getByName(sheet_name).getCellRangeByName(cell)
                    if isinstance(value, (int, float)):
                        target.setValue(value)
                    else:
                        target.setString(str(value))
                doc.calculateAll()  # xlsx loads keep cached values; force the engine to run
                sheets, errors = {}, {}
                for name in job["sheets"]:
                    sheet = doc.Sheets.getByName(name)
                    cursor = sheet.createCursor()
                    cursor.gotoEndOfUsedArea(False)
                    end = cursor.getRangeAddress()
                    area = sheet.getCellRangeByPosition(0, 0, end.EndColumn, end.EndRow)
                    sheets[name] = [list(row) for row in area.getDataArray()]
                    bad = []
                    found = area.queryFormulaCells(FORMULA_ERROR)
                    for address in found.getRangeAddresses():
                        for r in range(address.StartRow, address.EndRow + 1):
                            for c in range(address.StartColumn, address.EndColumn + 1):
                                bad.append(sheet.getCellByPosition(c, r).AbsoluteName)
                    errors[name] = bad
                results.append({"path": job["path"], "sheets": sheets, "errors": errors})
            finally:
                doc.close(True)
        Path(answer_path).write_text(json.dumps(results), encoding="utf-8")


@contextlib.contextmanager
def headless_desktop(soffice: str, kind: str):
    """A headless LibreOffice of its own (private profile, a pipe) for the block; its Desktop.

    Runs under the UNO Python. Ends the office and removes its profile afterwards, however the
    block ends.
    """
    import uno

    pipe = f"saypro_{kind}_{uuid.uuid4().hex[:12]}"
    profile = _profile_dir(kind)
    office = subprocess.Popen(
        [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--invisible",
         "--norestore", "--nologo", "--nodefault", f"--accept=pipe,name={pipe};urp;"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext(
            "com.sun.star.bridge.UnoUrlResolver", local)
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
                break
            except Exception:
                if time.monotonic() > deadline or office.poll() is not None:
                    raise RuntimeError("soffice did not start")
                time.sleep(0.25)
        desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        yield desktop
        try:
            desktop.terminate()
        except Exception:
            pass  # the bridge drops as soffice exits
    finally:
        try:
            office.wait(timeout=30)
        except subprocess.TimeoutExpired:
            office.kill()
            office.wait()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    _worker(sys.argv[1], sys.argv[2])
