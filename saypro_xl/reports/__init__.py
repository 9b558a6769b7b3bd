"""The four report workbooks leadership reads, and the diagnosis workbook, built from a Scorecard.

Each report is first a plain spec (see spec.py), then written by one routine
(render.write_workbook). Reports never read files: the caller scores a tracker
with rules.score and hands the Scorecard in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from pathlib import Path

from ..model import Scorecard
from . import spec
from .agenda import DEFAULT_START, agenda_workbook, meeting_date
from .diagnosis import diagnosis_workbook
from .findings import findings_workbook
from .names import MEETING_KINDS, safe_file_part
from .names import report_file_name as _file_name
from .pack import consolidated_workbook, pack_workbook
from .render import write_workbook, write_workbooks
from .timeline import timeline_workbook

# Every kind a caller may ask for; the diagnosis workbook (for workshops with a department,
# not for leadership) is written only when asked for by name.
REPORT_KINDS = ("findings", "timeline", "agenda", "pack", "diagnosis")
DEFAULT_REPORT_KINDS = ("findings", "timeline", "agenda", "pack")

__all__ = [
    "DEFAULT_REPORT_KINDS", "MEETING_KINDS", "REPORT_KINDS", "build_consolidated_pack", "build_reports",
    "report_file_name", "report_spec", "safe_file_part",
]


def report_file_name(kind: str, card: Scorecard, meeting: str = "follow-up") -> str:
    """'Findings_Report_2025-05-12.xlsx', 'Meeting_Agenda_weekly_2025-05-14.xlsx' (meeting date or As Of)…"""
    return _file_name(kind, card.as_of, meeting, meeting_date(card))


def report_spec(kind: str, card: Scorecard, meeting: str = "follow-up", since: Scorecard | None = None,
                start: dt.time = DEFAULT_START, over_time: Sequence = ()) -> spec.Workbook:
    """The plain description of one report, before any file is written.

    `over_time`: earlier As Ofs of this tracker (objects with as_of, kpi_status and
    action_health, such as history.Snapshot), for the pack's charts over time.
    """
    if kind == "findings":
        return findings_workbook(card)
    if kind == "timeline":
        return timeline_workbook(card)
    if kind == "agenda":
        return agenda_workbook(card, meeting, since, start)
    if kind == "pack":
        return pack_workbook(card, meeting, since, over_time)
    if kind == "diagnosis":
        return diagnosis_workbook(card)
    raise ValueError(f"Report kind {kind!r} is not one of {', '.join(REPORT_KINDS)}.")


def build_reports(card: Scorecard, out_dir: Path | str, only: Iterable[str] = DEFAULT_REPORT_KINDS,
                  meeting: str = "follow-up", since: Scorecard | None = None,
                  over_time: Sequence = (), jobs: int = 1) -> list[Path]:
    """Write the chosen reports into out_dir and return their paths, in REPORT_KINDS order.

    By default the four leadership reports; the diagnosis workbook only when `only` names it.
    `jobs` > 1 lets big reports be written by that many processes side by side (write_workbooks).

    Raises ValueError for an unknown report or meeting kind (before anything is
    written) and xlsx.WriteError / OSError when a file cannot be written; a file
    that fails leaves any previous file of that name untouched.
    """
    wanted = list(dict.fromkeys(only))
    unknown = [k for k in wanted if k not in REPORT_KINDS]
    if unknown:
        raise ValueError(f"Unknown report {unknown[0]!r}: choose from {', '.join(REPORT_KINDS)}.")
    if meeting not in MEETING_KINDS:
        raise ValueError(f"Unknown meeting kind {meeting!r}: choose from {', '.join(MEETING_KINDS)}.")
    specs = [report_spec(k, card, meeting, since, over_time=over_time) for k in REPORT_KINDS if k in wanted]
    return write_workbooks(specs, out_dir, jobs)


def build_consolidated_pack(cards: list[Scorecard], out_dir: Path | str) -> Path:
    """One organisation-wide pack over many trackers: Overview (with chart), All KPIs, All Actions."""
    return write_workbook(consolidated_workbook(list(cards)), out_dir)
