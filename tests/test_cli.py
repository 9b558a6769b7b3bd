"""The `saypro-xl` door: exact output and exit codes, help for every command, docs that cannot drift."""

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from saypro_xl import cli

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def run(*args, cwd=None):
    """Run the real console entry point in a child process, as a user would."""
    proc = subprocess.run([sys.executable, "-m", "saypro_xl.cli", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd)
    return proc.returncode, proc.stdout, proc.stderr


def subcommands():
    parser = cli.build_parser()
    action = next(a for a in parser._actions if a.dest == "command")
    return action.choices


def test_every_command_has_help_and_is_in_the_readme():
    commands = subcommands()
    assert set(commands) == {"new-tracker", "validate", "status", "report", "batch", "mail",
                             "remind", "dashboard", "build-workbook", "doctor"}
    for name, sub in commands.items():
        assert sub.description, f"{name} has no description"
        assert f"saypro-xl {name}" in README, f"README does not mention `saypro-xl {name}`"
        code, out, _ = run(name, "--help")
        assert code == 0 and out.startswith(f"usage: saypro-xl {name}")


def test_readme_states_the_exit_codes_the_cli_uses():
    for code in ("0", "1", "2"):
        assert re.search(rf"^\|\s*{code}\s*\|", README, re.M), f"exit code {code} missing from README"


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    path = tmp_path_factory.mktemp("sample") / "tracker.xlsx"
    code, out, err = run("new-tracker", path, "--sample")
    assert code == 0, err
    assert out.strip() == f"Wrote sample tracker {path}"
    return path


def test_new_tracker_refuses_to_overwrite(sample):
    before = sample.read_bytes()
    code, _, err = run("new-tracker", sample)
    assert code == 2
    assert err.strip() == f"saypro-xl: {sample} already exists; choose another name or add --force to replace it."
    assert sample.read_bytes() == before


def test_new_tracker_wants_xlsx(tmp_path):
    code, _, err = run("new-tracker", tmp_path / "t.xlsm")
    assert code == 2 and "give a name ending in .xlsx" in err


def test_validate_sample_is_clean_and_does_not_touch_it(sample):
    before = (sample.read_bytes(), sample.stat().st_mtime_ns)
    code, out, _ = run("validate", sample)
    assert code == 0, out
    assert out.strip() == f"{sample.name}: no problems found"
    assert (sample.read_bytes(), sample.stat().st_mtime_ns) == before
    code, out, _ = run("validate", sample, "--json")
    assert code == 0 and json.loads(out) == []


def test_status_json_matches_the_rules(sample):
    from saypro_xl.read import load_tracker
    from saypro_xl.rules import score

    card = score(load_tracker(sample))
    code, out, _ = run("status", sample, "--json")
    assert code == 0
    data = json.loads(out)
    assert data["as_of"] == card.as_of.isoformat()
    assert [k["kpi_id"] for k in data["kpis"]] == [k.kpi_id for k in card.kpis]
    ten = lambda v: None if v is None else float(f"{v:.10g}")  # JSON keeps 10 significant digits
    for got, k in zip(data["kpis"], card.kpis):
        assert (got["target"], got["latest_actual"], got["gap"], got["gap_pct"], got["progress"]) == (
            ten(k.target), ten(k.latest_actual), ten(k.gap), ten(k.gap_pct), ten(k.progress))
        assert got["status"] == k.status.value
        assert got["trend"] == (k.trend.value if k.trend else None)
    for got, a in zip(data["actions"], card.actions):
        assert (got["action_id"], got["due_date"], got["health"]) == (
            a.action_id, a.due_date.isoformat() if a.due_date else None, a.health.value)
    assert {a["health"] for a in data["actions"]} >= {"Overdue", "Blocked"}


def test_status_as_of_changes_health(sample):
    _, early, _ = run("status", sample, "--json", "--as-of", "2025-01-01")
    _, late, _ = run("status", sample, "--json", "--as-of", "2026-01-01")
    early_health = {a["health"] for a in json.loads(early)["actions"]}
    late_health = {a["health"] for a in json.loads(late)["actions"]}
    # months before any start nothing can be overdue; long after every due date, all open work is
    assert "Overdue" not in early_health and "Not Started" in early_health
    assert late_health <= {"Overdue", "Done", "Cancelled"} and "Overdue" in late_health


def test_status_table_lists_every_kpi(sample):
    code, out, _ = run("status", sample)
    from saypro_xl.read import load_tracker

    assert code == 0
    for objective in load_tracker(sample).objectives:
        assert re.search(rf"^{re.escape(objective.kpi_id)}\s", out, re.M)


def test_bad_date_is_a_usage_error(sample):
    code, _, err = run("status", sample, "--as-of", "31/02/2025")
    assert code == 2 and '"31/02/2025" is not a date (use YYYY-MM-DD' in err


@pytest.mark.parametrize(
    "name, content, expected",
    [
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504, ".xls"),
        ("junk.xlsx", b"this is not a workbook", "not"),
        ("empty.xlsx", b"", "empty"),
    ],
)
def test_hostile_files_give_one_sentence_and_exit_2(tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_bytes(content)
    for command in ("validate", "status", "report"):
        code, out, err = run(command, path)
        assert code == 2, (command, out, err)
        assert "Traceback" not in err and len(err.strip().splitlines()) == 1
        assert err.startswith("saypro-xl: ") and expected.lower() in err.lower()


def test_missing_file(tmp_path):
    code, _, err = run("validate", tmp_path / "nope.xlsx")
    assert code == 2 and "nope.xlsx" in err and "Traceback" not in err


def test_validate_reports_planted_error_cell(tmp_path, sample):
    import openpyxl

    broken = tmp_path / "broken.xlsx"
    wb = openpyxl.load_workbook(sample)
    ws = wb["Actions"]
    header = [c.value for c in ws[1]]
    col = header.index("Start Date") + 1
    ws.cell(row=3, column=col, value="31/02/2025")
    wb.save(broken)
    letter = openpyxl.utils.get_column_letter(col)
    code, out, _ = run("validate", broken)
    assert code == 1
    assert f"Actions!{letter}3" in out and "31/02/2025" in out
    code, out, _ = run("validate", broken, "--json")
    issues = json.loads(out)
    assert {"severity": "error", "sheet": "Actions", "cell": f"{letter}3", "column": "Start Date"}.items() <= issues[0].items()
    # a report is refused while rows are dropped, naming the first problem
    code, _, err = run("report", broken, "-o", tmp_path / "out")
    assert code == 1 and f"Actions!{letter}3" in err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_report_writes_all_four(sample, tmp_path):
    code, out, err = run("report", sample, "-o", tmp_path)
    assert code == 0, err
    written = sorted(p.name.split("_")[0] for p in tmp_path.glob("*.xlsx"))
    assert written == ["Findings", "Implementation", "Leadership", "Meeting"]
    assert out.count("Wrote ") == 4


def test_report_only_rejects_unknown_kind(sample, tmp_path):
    code, _, err = run("report", sample, "--only", "findings,gantt")
    assert code == 2 and "unknown report kind gantt" in err


def test_doctor_lists_versions():
    code, out, _ = run("doctor")
    import xlwings

    assert re.search(rf"^xlwings\s+{re.escape(xlwings.__version__)}\s+ok$", out, re.M)
    assert "LibreOffice" in out and "Python" in out
    assert code in (0, 1)


def readme_commands():
    block = re.search(r"<!-- quickstart -->\s*```(?:bash|sh)?\n(.*?)```", README, re.S)
    assert block, "README has no quickstart block"
    return [line for line in block.group(1).splitlines() if line.startswith("saypro-xl ")]


def test_readme_quickstart_examples_run(tmp_path):
    """The README's usage examples are run as written (in a scratch folder)."""
    commands = readme_commands()
    assert len(commands) >= 4
    for line in commands:
        args = shlex.split(line)[1:]
        code, out, err = run(*args, cwd=tmp_path)
        assert code == 0, f"{line}\n{out}\n{err}"


def test_status_of_an_empty_tracker_says_what_to_fill(tmp_path):
    path = tmp_path / "blank.xlsx"
    assert run("new-tracker", path)[0] == 0
    code, out, _ = run("status", path)
    assert (code, out.strip()) == (0, "blank.xlsx: no KPIs or actions yet; fill the Objectives and Actions sheets.")
    code, out, _ = run("status", path, "--json")
    assert code == 0 and json.loads(out)["kpis"] == []


def test_report_since_an_older_tracker_lists_the_changes(sample, tmp_path):
    import openpyxl

    older = tmp_path / "last_week.xlsx"
    wb = openpyxl.load_workbook(sample)
    ws = wb["Actions"]
    header = [c.value for c in ws[1]]
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(row=r, column=1).value == "CA-06")
    ws.cell(row=row, column=header.index("Status") + 1, value="Blocked")  # last week CA-06 was blocked
    wb.save(older)
    code, _, err = run("report", sample, "-o", tmp_path / "out", "--only", "agenda", "--meeting", "weekly",
                       "--since", older)
    assert code == 0, err
    (agenda,) = (tmp_path / "out").glob("Meeting_Agenda_weekly_*.xlsx")
    text = [str(c.value) for ws in openpyxl.load_workbook(agenda).worksheets
            for row in ws.iter_rows() for c in row if c.value is not None]
    assert any("Changes since last meeting" in t for t in text)
    changes = text[next(i for i, t in enumerate(text) if "Changes since last meeting" in t):]
    assert "CA-06" in changes and any("Blocked" in t for t in changes)
