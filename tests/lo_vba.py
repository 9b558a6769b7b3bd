"""Open a macro workbook in LibreOffice headless, list its VBA modules and run one macro.

Run with the system Python that has the UNO bridge (not the project venv):

    python3 tests/lo_vba.py BOOK.xlsm MACRO SHEET CELL [UNLOAD,MODULES]

Prints one JSON object: {"modules": [...], "sources": {module: the Basic text
LibreOffice imported}, "ran": true|false, "error": str|null,
"marker": value of SHEET!CELL after the run}. "ran" only says the call
returned: LibreOffice reports Basic errors in a dialog, not to the caller, so
the marker cell is the proof that the macro ran. UNLOAD names modules to take
out of the loaded project in memory before the run (the file is not changed):
LibreOffice compiles a library as a whole, and its Basic rejects parts of
xlwings' own modules (docs/vba.md). LibreOffice gets a private
profile so parallel runs never share one.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid

import uno
from com.sun.star.beans import PropertyValue

ALWAYS_EXECUTE_NO_WARN = 4  # com.sun.star.document.MacroExecMode


def _property(name, value):
    prop = PropertyValue()
    prop.Name, prop.Value = name, value
    return prop


def _connect(pipe: str, process: subprocess.Popen, timeout: float = 90.0):
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", local
    )
    deadline = time.monotonic() + timeout
    while True:
        try:
            return resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
        except Exception:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("LibreOffice did not start (no UNO connection).")
            time.sleep(0.5)


def run(book: str, macro: str, sheet: str, cell: str, unload: tuple[str, ...] = ()) -> dict:
    profile = tempfile.mkdtemp(prefix="lo_vba_")
    pipe = "saypro_vba_" + uuid.uuid4().hex
    soffice = os.environ.get("SOFFICE") or shutil.which("soffice") or shutil.which("libreoffice")
    process = subprocess.Popen(
        [
            soffice,
            "--headless",
            "--invisible",
            "--norestore",
            "--nologo",
            f"-env:UserInstallation=file://{profile}",
            f"--accept=pipe,name={pipe};urp;",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    result = {"modules": [], "sources": {}, "ran": False, "error": None, "marker": None}
    try:
        context = _connect(pipe, process)
        desktop = context.ServiceManager.createInstanceWithContext(
            "com.sun.star.frame.Desktop", context
        )
        url = uno.systemPathToFileUrl(os.path.abspath(book))
        document = desktop.loadComponentFromURL(
            url,
            "_blank",
            0,
            (_property("Hidden", True), _property("MacroExecutionMode", ALWAYS_EXECUTE_NO_WARN)),
        )
        if document is None:
            raise RuntimeError(f"LibreOffice could not open {book}.")
        libraries = document.BasicLibraries
        if libraries.hasByName("VBAProject"):
            libraries.loadLibrary("VBAProject")
            library = libraries.getByName("VBAProject")
            result["modules"] = sorted(library.getElementNames())
            result["sources"] = {name: library.getByName(name) for name in result["modules"]}
            for name in unload:
                if library.hasByName(name):
                    library.removeByName(name)
        try:
            script = document.getScriptProvider().getScript(
                f"vnd.sun.star.script:VBAProject.{macro}?language=Basic&location=document"
            )
            script.invoke((), (), ())
            result["ran"] = True
        except Exception as error:  # report the engine's own words to the test
            result["error"] = f"{type(error).__name__}: {getattr(error, 'Message', error)}"
        target = document.Sheets.getByName(sheet).getCellRangeByName(cell)
        result["marker"] = target.getString()
        document.close(True)
    finally:
        try:
            if "desktop" in locals():
                desktop.terminate()
        except Exception:
            pass  # the bridge drops as LibreOffice exits
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(profile, ignore_errors=True)
    return result


if __name__ == "__main__":
    book, macro, sheet, cell = sys.argv[1:5]
    unload = tuple(filter(None, sys.argv[5].split(","))) if len(sys.argv) > 5 else ()
    print(json.dumps(run(book, macro, sheet, cell, unload)))
