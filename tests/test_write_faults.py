"""Faults while writing: a folder that refuses, a file held open, a full disk, a crash half-way.

Every output goes through saypro_xl.xlsx.atomic_path: written beside its target under a hidden
temporary name, renamed into place only when whole. So whatever fails, the previous report is
untouched, no temporary is left behind, and the message names the file, the folder and what to do.
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import pytest

from builders import small_tracker_rows, write_tracker_openpyxl

from saypro_xl import cli, xlsx

REPORT = "Findings_Report_2025-03-31.xlsx"
PREVIOUS = b"PK\x03\x04 last week's findings report, as leadership received it"


@pytest.fixture
def tracker(tmp_path) -> Path:
    return write_tracker_openpyxl(tmp_path / "Tracker.xlsx", **small_tracker_rows())


@pytest.fixture
def out(tmp_path) -> Path:
    """A report folder holding last run's report, which a failed run must leave as it was."""
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / REPORT).write_bytes(PREVIOUS)
    return folder


@pytest.fixture
def system_temp(tmp_path, monkeypatch) -> Path:
    """The system's temporary folder, moved where the test can see what is left in it."""
    folder = tmp_path / "system-temp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def report(tracker: Path, out: Path, capsys) -> tuple[int, str]:
    code = cli.main(["report", str(tracker), "-o", str(out), "--only", "findings"])
    captured = capsys.readouterr()
    assert captured.out == ""
    return code, captured.err


def untouched(out: Path) -> None:
    assert sorted(p.name for p in out.iterdir()) == [REPORT]  # no temporary left beside it
    assert (out / REPORT).read_bytes() == PREVIOUS


def test_a_read_only_folder(tracker, out, capsys, monkeypatch):
    if os.name == "posix" and os.geteuid() != 0:
        out.chmod(0o555)
    else:  # root (and Windows) write anyway: refuse as the operating system would for a user
        def refuse(*args, **kwargs):
            raise PermissionError(errno.EACCES, "Permission denied", kwargs.get("dir"))
        monkeypatch.setattr(tempfile, "mkstemp", refuse)
    try:
        code, err = report(tracker, out, capsys)
    finally:
        out.chmod(0o755)
    assert code == 1
    assert err == (f"saypro-xl: Could not write {REPORT} in {out}: Permission denied; choose a folder you can "
                   "write to with -o.\n")
    untouched(out)


def test_a_report_held_open_in_another_program(tracker, out, capsys, monkeypatch):
    """Windows will not replace a file Excel holds open; the rename into place fails."""
    real_replace = os.replace

    def held_open(source, target):
        if Path(target).name == REPORT:
            raise PermissionError(errno.EACCES, "The process cannot access the file because it is being used "
                                                "by another process")
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", held_open)
    code, err = report(tracker, out, capsys)
    assert code == 1
    assert err == (f"saypro-xl: Could not write {REPORT} in {out}: the file there cannot be replaced, perhaps "
                   "because it is open in another program; close it there and try again, or choose a folder "
                   "you can write to with -o.\n")
    untouched(out)




@pytest.fixture
def full_disk(monkeypatch, system_temp):
    """Every way our writers put bytes on disk fails half-way with ENOSPC."""
    real_zip_write, real_write_bytes, real_write_text = zipfile.ZipFile.write, Path.write_bytes, Path.write_text

    def zip_write(self, filename, arcname=None, *args, **kwargs):
        if arcname and arcname.startswith("xl/worksheets/"):  # a few parts are in, the sheets do not fit
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_zip_write(self, filename, arcname, *args, **kwargs)

    def half_then_full(real):
        def write(self, data, *args, **kwargs):
            real(self, data[: len(data) // 2], *args, **kwargs)
            raise OSError(errno.ENOSPC, "No space left on device")
        return write

    monkeypatch.setattr(zipfile.ZipFile, "write", zip_write)
    monkeypatch.setattr(Path, "write_bytes", half_then_full(real_write_bytes))
    monkeypatch.setattr(Path, "write_text", half_then_full(real_write_text))
    return system_temp


FULL = "No space left on device; free some space on that disk and try again, or "


def test_a_full_disk_while_writing_a_report(tracker, out, capsys, full_disk):
    code, err = report(tracker, out, capsys)
    assert code == 1
    assert err == f"saypro-xl: Could not write {REPORT} in {out}: {FULL}choose a folder you can write to with -o.\n"
    untouched(out)
    assert list(full_disk.iterdir()) == []  # xlsxwriter's scratch files are gone too


def test_a_full_disk_while_writing_the_dashboard_and_a_mail(tracker, tmp_path, capsys, monkeypatch):
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("last week's page")
    assert cli.main(["report", str(tracker), "-o", str(tmp_path), "--only", "pack"]) == 0
    pack = tmp_path / "Leadership_Pack_2025-03-31.xlsx"
    (tmp_path / "pack.eml").write_text("last week's message")
    capsys.readouterr()
    real_write_bytes, real_write_text = Path.write_bytes, Path.write_text

    def half_then_full(real):
        def write(self, data, *args, **kwargs):
            real(self, data[: len(data) // 2], *args, **kwargs)
            raise OSError(errno.ENOSPC, "No space left on device")
        return write

    monkeypatch.setattr(Path, "write_bytes", half_then_full(real_write_bytes))
    monkeypatch.setattr(Path, "write_text", half_then_full(real_write_text))
    assert cli.main(["dashboard", str(tracker), "-o", str(site)]) == 1
    assert f"FAILED dashboard: Could not write index.html in {site}: {FULL}" in capsys.readouterr().out
    assert cli.main(["mail", str(pack), "--to", "lead@example.org", "--eml", str(tmp_path / "pack.eml")]) == 1
    assert capsys.readouterr().err == (f"saypro-xl: Could not write pack.eml in {tmp_path}: {FULL}give an --eml "
                                       "path in a folder you can write to.\n")
    monkeypatch.undo()
    assert [p.name for p in site.iterdir()] == ["index.html"]
    assert (site / "index.html").read_text() == "last week's page"
    assert (tmp_path / "pack.eml").read_text() == "last week's message"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_a_crash_half_way_through_a_report(tracker, out, capsys, monkeypatch, system_temp):
    """Ctrl+C (or any crash) while the zip is being written: nothing half-written survives."""
    real_zip_write = zipfile.ZipFile.write

    def interrupted(self, filename, arcname=None, *args, **kwargs):
        if arcname and arcname.startswith("xl/worksheets/"):
            raise KeyboardInterrupt
        return real_zip_write(self, filename, arcname, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "write", interrupted)
    code, err = report(tracker, out, capsys)
    assert (code, err) == (130, "saypro-xl: interrupted\n")
    untouched(out)
    assert list(system_temp.iterdir()) == []


KILLED_WRITER = """
import os, signal, sys
from saypro_xl.xlsx import atomic_path
with atomic_path(sys.argv[1]) as tmp:
    tmp.write_bytes(b"PK half a report")
    os.kill(os.getpid(), signal.SIGKILL)  # power cut, kill -9: no finally runs
"""


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL")
def test_a_temporary_left_by_a_killed_writer_is_cleared_by_the_next_write(out):
    final = out / REPORT
    done = subprocess.run([sys.executable, "-c", KILLED_WRITER, str(final)], capture_output=True)
    assert done.returncode == -9
    [left] = [p for p in out.iterdir() if p.name != REPORT]
    assert left.name.startswith(".Findings_Report_2025-03-31.") and left.suffix == ".xlsx"
    assert final.read_bytes() == PREVIOUS  # the killed write never replaced the last report

    with xlsx.atomic_path(out / "Other.xlsx") as tmp:  # another file's write leaves it alone
        tmp.write_bytes(b"other")
    assert left.exists()
    with xlsx.atomic_path(final) as tmp:  # a young temporary may be a writer still at work
        tmp.write_bytes(b"new")
    assert left.exists()
    old = time.time() - xlsx.STALE_TEMPORARY_SECONDS - 60
    os.utime(left, (old, old))
    with xlsx.atomic_path(final) as tmp:
        tmp.write_bytes(b"newer")
    assert sorted(p.name for p in out.iterdir()) == sorted(["Other.xlsx", REPORT])
    assert final.read_bytes() == b"newer"


def test_two_batch_runs_into_one_folder_do_not_corrupt_each_other(tmp_path):
    trackers = tmp_path / "in"
    trackers.mkdir()
    rows = small_tracker_rows()
    for name in ("North.xlsx", "South.xlsx", "East.xlsx"):
        write_tracker_openpyxl(trackers / name, **rows)
    command = [sys.executable, "-m", "saypro_xl.cli", "batch", str(trackers), "-j", "2", "--no-dashboard"]
    runs = [subprocess.Popen([*command, "-o", str(tmp_path / "shared")], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], results
    alone = subprocess.run([*command, "-o", str(tmp_path / "alone")], capture_output=True, text=True)
    assert alone.returncode == 0
    shared = sorted(p.relative_to(tmp_path / "shared") for p in (tmp_path / "shared").rglob("*.xlsx"))
    expected = sorted(p.relative_to(tmp_path / "alone") for p in (tmp_path / "alone").rglob("*.xlsx"))
    assert shared == expected and len(shared) == 3 * 4 + 1
    for relative in shared:  # whole, and the very bytes a run alone writes
        assert (tmp_path / "shared" / relative).read_bytes() == (tmp_path / "alone" / relative).read_bytes()
    assert not [p for p in (tmp_path / "shared").rglob(".*")]
