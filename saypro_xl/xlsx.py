"""How every workbook of the project is opened and put in place.

One place for the two promises every output keeps: user text is never turned
into a formula, link or number behind the user's back, and a file appears
whole or not at all.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import xlsxwriter

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


def checked(return_code: int, what: str) -> None:
    """xlsxwriter reports losses by return code; a loss is an error here, not a warning."""
    if return_code not in (0, None):
        raise WriteError(f"Could not write {what} (xlsxwriter code {return_code}).")


@contextlib.contextmanager
def atomic_path(final: Path | str) -> Iterator[Path]:
    """Yield a temporary path beside `final`; rename it into place only on success.

    A crash leaves neither a half-written file nor a destroyed previous one.
    """
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{final.stem}.", suffix=final.suffix, dir=final.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        # mkstemp makes the file private (0600); give it the mode a normal save would.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp_path, 0o666 & ~umask)
        os.replace(tmp_path, final)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def new_workbook(path: Path | str, **extra) -> xlsxwriter.Workbook:
    """An xlsxwriter workbook with the project's safe options and a pinned creation date."""
    workbook = xlsxwriter.Workbook(str(path), {**SAFE_OPTIONS, **extra})
    workbook.set_properties({"created": DOCUMENT_CREATED})
    return workbook
