"""File names of the reports: fixed words, an ISO date, and sanitised user text."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

MEETING_KINDS = ("follow-up", "weekly", "monthly")

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}


def safe_file_part(text: str, fallback: str = "Unnamed", max_length: int = 60) -> str:
    """Department or organisation text made safe for a file name on Windows, Mac and Linux.

    Accents are folded to ASCII, anything but letters, digits, '.', '_' and '-'
    becomes '_', leading dots are dropped (no hidden files, no '..'), and
    Windows device names get a trailing '_'.
    """
    folded = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode("ascii")
    part = _UNSAFE.sub("_", folded).strip("._-")[:max_length].rstrip("._-")
    if not part:
        return fallback
    if part.split(".")[0].upper() in _RESERVED:
        part += "_"
    return part


def report_file_name(kind: str, as_of: dt.date, meeting: str = "follow-up",
                     meeting_date: dt.date | None = None) -> str:
    day = as_of.isoformat()
    if kind == "findings":
        return f"Findings_Report_{day}.xlsx"
    if kind == "timeline":
        return f"Implementation_Timeline_{day}.xlsx"
    if kind == "pack":
        return f"Leadership_Pack_{day}.xlsx"
    if kind == "diagnosis":
        return f"Diagnosis_Workbook_{day}.xlsx"
    if kind == "agenda":
        if meeting not in MEETING_KINDS:
            raise ValueError(f"Meeting kind {meeting!r} is not one of {', '.join(MEETING_KINDS)}.")
        return f"Meeting_Agenda_{meeting}_{(meeting_date or as_of).isoformat()}.xlsx"
    raise ValueError(f"Report kind {kind!r} is not one of findings, timeline, agenda, pack, diagnosis.")
