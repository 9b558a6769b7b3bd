"""An independent check of every file saypro-xl writes: openxml-audit finds no error.

openxml-audit (MIT, pure Python) validates an OOXML package against the ECMA-376
schemas, the relationships and content types, and rules Excel itself enforces. It
is not part of saypro_xl: the files are written by the real `saypro-xl` commands
(the template, the sample, the macro-enabled tracker, every report of one tracker,
the agenda of each meeting kind, the reports of an empty tracker, a batch with its
consolidated pack, and any other workbook those commands write, such as a report
kind added later), then audited as Office 2010 reads them, the oldest Excel
the tracker's formulas target. A failure lists every finding with its part, its
place in the part and the message, so the writer that made it can be fixed.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from openxml_audit import FileFormat, OpenXmlValidator, ValidationSeverity

from saypro_xl import cli

REPO = Path(__file__).resolve().parents[1]
AS_OF = "2025-04-25"
MEETINGS = ("follow-up", "weekly", "monthly")


def run(*args) -> None:
    """One `saypro-xl` command, in this process (the same door as the console script)."""
    code = cli.main([str(arg) for arg in args])
    assert code == 0, f"saypro-xl {' '.join(map(str, args))} exited {code}"


def one(folder: Path, pattern: str) -> list[Path]:
    found = sorted(folder.glob(pattern))
    assert len(found) == 1, f"{pattern} in {folder.name}: {[p.name for p in found]}"
    return found


def four_reports(folder: Path) -> list[Path]:
    """Findings, timeline, follow-up agenda and pack, as `report` writes them by default."""
    return [path for pattern in ("Findings_Report_*.xlsx", "Implementation_Timeline_*.xlsx",
                                 "Meeting_Agenda_follow-up_*.xlsx", "Leadership_Pack_2*.xlsx")
            for path in one(folder, pattern)]


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("written")


@pytest.fixture(scope="module")
def written(root) -> dict[str, list[Path]]:
    """What each command wrote, by a label that says how it was made."""
    template = root / "SayPro_Tracker.xlsx"
    sample = root / "SayPro_Tracker_Sample.xlsx"
    run("new-tracker", template)
    run("new-tracker", sample, "--sample")
    run("build-workbook", "-o", root / "SayPro_Tracker.xlsm")
    run("build-workbook", "-o", root / "sample-macro" / "SayPro_Tracker.xlsm", "--sample")

    reports = root / "reports"
    run("report", sample, "-o", reports, "--as-of", AS_OF)  # all four; the agenda follow-up
    for meeting in MEETINGS[1:]:
        run("report", sample, "-o", reports, "--as-of", AS_OF, "--only", "agenda", "--meeting", meeting)
    since = root / "since"
    run("report", sample, "-o", since, "--as-of", AS_OF, "--only", "agenda", "--meeting", "weekly",
        "--since", template)  # the empty template as the older copy: every action is new
    empty = root / "empty"
    run("report", template, "-o", empty, "--as-of", AS_OF)
    batch = root / "batch"
    run("batch", sample, template, "-o", batch, "--as-of", AS_OF)

    files = {
        "new-tracker": [template],
        "new-tracker --sample": [sample],
        "committed sample": [REPO / "workbooks" / "SayPro_Tracker_Sample.xlsx"],
        "build-workbook": [root / "SayPro_Tracker.xlsm"],
        "build-workbook --sample": [root / "sample-macro" / "SayPro_Tracker.xlsm"],
        "findings": one(reports, "Findings_Report_*.xlsx"),
        "timeline": one(reports, "Implementation_Timeline_*.xlsx"),
        "pack": one(reports, "Leadership_Pack_*.xlsx"),
        **{f"agenda {meeting}": one(reports, f"Meeting_Agenda_{meeting}_*.xlsx") for meeting in MEETINGS},
        "agenda --since": one(since, "Meeting_Agenda_weekly_*.xlsx"),
        "empty tracker's reports": four_reports(empty),
        "batch: consolidated pack": one(batch, "Leadership_Pack_Consolidated_*.xlsx"),
        "batch: each tracker's reports": [path for folder in sorted(p for p in batch.iterdir() if p.is_dir())
                                          for path in four_reports(folder)],
    }
    # A report kind added later is audited too, under this label, until it gets its own.
    named = {path for paths in files.values() for path in paths}
    files["anything else written"] = sorted(
        path for path in root.rglob("*") if path.suffix in (".xlsx", ".xlsm") and path not in named)
    return files


@pytest.fixture(scope="module")
def validator() -> OpenXmlValidator:
    return OpenXmlValidator(file_format=FileFormat.OFFICE_2010, max_errors=0)


def audit_errors(validator: OpenXmlValidator, path: Path) -> list[str]:
    """Every error openxml-audit reports for `path`, one line each: part, place, message."""
    result = validator.validate(path)
    return [
        f"{error.part_uri or '(package)'} {error.path or '-'}: {error.description} "
        f"[{error.error_type.value}{', ' + error.id if error.id else ''}]"
        for error in result.errors
        if error.severity == ValidationSeverity.ERROR
    ]


LABELS = [
    "new-tracker", "new-tracker --sample", "committed sample", "build-workbook", "build-workbook --sample",
    "findings", "timeline", "pack", "agenda follow-up", "agenda weekly", "agenda monthly", "agenda --since",
    "empty tracker's reports", "batch: consolidated pack", "batch: each tracker's reports",
    "anything else written",
]


@pytest.mark.parametrize("label", LABELS)
def test_openxml_audit_finds_no_error(written, validator, label):
    failures = []
    for path in written[label]:
        errors = audit_errors(validator, path)
        if errors:
            failures.append(f"{path.name}: {len(errors)} error(s)\n" + "\n".join(f"  {line}" for line in errors))
    assert failures == [], f"openxml-audit found errors in what `{label}` wrote:\n" + "\n".join(failures)


def test_every_command_wrote_what_is_audited(root, written):
    # Under root: 2 trackers + 2 .xlsm + 4 reports and 2 more agendas + 1 --since agenda + 4
    # reports of the empty tracker + the batch's 4 reports of each of its 2 trackers and its
    # consolidated pack = 24; and the committed sample beside them.
    named = [path for label in LABELS if label != "anything else written" for path in written[label]]
    assert len(set(named)) == len(named) == 1 + 2 + 2 + 6 + 1 + 4 + 9  # with the committed sample
    assert sum(root in path.parents for path in named) == 24
    assert len(written["batch: each tracker's reports"]) == 8  # two trackers, four reports each


def rewrite_part(source: Path, target: Path, part: str, old: str, new: str) -> Path:
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == part:
                text = data.decode("utf-8")
                assert old in text
                data = text.replace(old, new, 1).encode("utf-8")
            out.writestr(info, data)
    return target


def test_the_audit_reads_our_parts_and_names_the_place_of_an_error(written, validator, tmp_path):
    # Not a vacuous pass: one foreign element in a sheet of the pack, and one in a chart,
    # are each reported with their part and their place in it.
    pack = written["pack"][0]
    sheet = rewrite_part(pack, tmp_path / "sheet.xlsx", "xl/worksheets/sheet1.xml", "<sheetData>",
                         "<sheetData><bogus/>")
    assert audit_errors(validator, sheet) == [
        "/xl/worksheets/sheet1.xml /worksheet[1]/sheetData[1]: Unexpected element 'bogus' found [schema]"]
    chart = rewrite_part(pack, tmp_path / "chart.xlsx", "xl/charts/chart1.xml", "<c:plotArea>",
                         "<c:plotArea><c:bogus/>")
    errors = audit_errors(validator, chart)
    assert any(line.startswith("/xl/charts/chart1.xml /chartSpace[1]/chart[1]/plotArea[1]: Unexpected element 'bogus'")
               for line in errors), errors
