"""How every workbook of the project is opened and put in place.

One place for the two promises every output keeps: user text is never turned
into a formula, link or number behind the user's back, and a file appears
whole or not at all.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import glob
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import xlsxwriter
from xlsxwriter.exceptions import FileCreateError

# Pinned so the same tracker on the same As Of date gives the same file content.
DOCUMENT_CREATED = dt.datetime(2000, 1, 1)

SAFE_OPTIONS = {
    "strings_to_formulas": False,  # a cause typed as =HYPERLINK(...) stays text
    "strings_to_urls": False,
    "strings_to_numbers": False,
    "nan_inf_to_errors": True,
    "remove_timezone": True,
}


class WriteError(Exception):
    """xlsxwriter refused part of the content (truncated text, dropped URL...)."""


class FileInUse(PermissionError):
    """The finished file could not replace the one already there (open in Excel on Windows, say)."""


# A temporary a killed process left behind (power cut, kill -9) is removed by the next write of
# the same file once it is this old: no writer takes an hour over one report.
STALE_TEMPORARY_SECONDS = 3600


def checked(return_code: int, what: str) -> None:
    """xlsxwriter reports losses by return code; a loss is an error here, not a warning."""
    if return_code not in (0, None):
        raise WriteError(f"Could not write {what} (xlsxwriter code {return_code}).")


@contextlib.contextmanager
def atomic_path(final: Path | str) -> Iterator[Path]:
    """Yield a temporary path beside `final`; rename it into place only on success.

    A crash leaves neither a half-written file nor a destroyed previous one. Any OSError on
    the way (folder not creatable or not writable, disk full, a folder squatting on the name)
    is raised again as the same kind of OSError whose filename is `final`, never the hidden
    temporary, and whose strerror says what stood in the way (see `write_error_sentence`).
    """
    final = Path(final)
    tmp_path: Path | None = None
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        _remove_stale_temporaries(final)
        fd, tmp = tempfile.mkstemp(prefix=f".{final.stem}.", suffix=final.suffix, dir=final.parent)
        os.close(fd)
        tmp_path = Path(tmp)
        yield tmp_path
        # mkstemp makes the file private (0600); give it the mode a normal save would.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp_path, 0o666 & ~umask)
        try:
            os.replace(tmp_path, final)
        except PermissionError as exc:  # Windows refuses to replace a file another program holds open
            if not final.is_file():
                raise
            raise FileInUse(exc.errno, "the file there cannot be replaced, perhaps because it is open in "
                                       "another program", str(final)) from exc
    except FileCreateError as exc:  # xlsxwriter wraps the OSError of its own save
        cause = exc.args[0] if exc.args and isinstance(exc.args[0], OSError) else OSError(str(exc))
        raise _naming(final, cause) from exc
    except OSError as exc:
        raise _naming(final, exc) from exc
    finally:
        if tmp_path is not None:
            with contextlib.suppress(OSError):  # still held by a failed writer (Windows): nothing more to do
                tmp_path.unlink(missing_ok=True)


def _remove_stale_temporaries(final: Path) -> None:
    """Temporaries of `final` that a killed process left behind, once STALE_TEMPORARY_SECONDS old."""
    now = time.time()
    for old in final.parent.glob(f".{glob.escape(final.stem)}.{'?' * 8}{glob.escape(final.suffix)}"):
        with contextlib.suppress(OSError):  # gone already, or not ours to remove
            if now - old.stat().st_mtime > STALE_TEMPORARY_SECONDS:
                old.unlink()


def _naming(final: Path, cause: OSError) -> OSError:
    """`cause` again, as the same kind of OSError, about `final` instead of the temporary."""
    if final.is_dir():
        reason = "a folder of that name is in the way"
    else:
        reason = _obstacle(final.parent) or cause.strerror or str(cause) or type(cause).__name__
    try:
        error = type(cause)(cause.errno, reason, str(final))
    except TypeError:  # an OSError subclass with a constructor of its own
        error = OSError(cause.errno, reason, str(final))
    return error


def _obstacle(folder: Path) -> str | None:
    """'x is a file, not a folder' when a file stands where the output folder (or one above it) should be."""
    for place in (folder, *folder.parents):
        if place.exists():
            return None if place.is_dir() else f"{place} is a file, not a folder"
    return None


def write_error_sentence(error: OSError, how: str = "choose a folder you can write to") -> str:
    """'Could not write Findings_Report_2025-04-25.xlsx in /x/reports: Permission denied; <how>.'

    One sentence for every door: the file and the folder the user asked for, what the
    operating system said, and what to do.
    """
    reason = error.strerror or str(error) or type(error).__name__
    if error.filename:
        target = Path(os.fsdecode(error.filename))
        where = f"{target.name} in {target.parent}"
    else:
        where = "the output"
    if isinstance(error, FileInUse):
        how = f"close it there and try again, or {how}"
    elif error.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        how = f"free some space on that disk and try again, or {how}"
    return f"Could not write {where}: {reason}; {how}."


class _Workbook(xlsxwriter.Workbook):
    """xlsxwriter's Workbook with its scratch files (one per XML part, written while closing) in a
    folder of its own, removed when close() ends, also when it fails: a full disk leaves nothing
    behind in the system's temporary folder."""

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._scratch.cleanup()


def new_workbook(path: Path | str, **extra) -> xlsxwriter.Workbook:
    """An xlsxwriter workbook with the project's safe options and a pinned creation date."""
    scratch = tempfile.TemporaryDirectory(prefix="saypro-xl-")
    workbook = _Workbook(str(path), {**SAFE_OPTIONS, "tmpdir": scratch.name, **extra})
    workbook._scratch = scratch  # removed at close(), or when the workbook is dropped unclosed
    workbook.set_properties({"created": DOCUMENT_CREATED})
    return workbook
