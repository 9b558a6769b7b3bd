"""The command line's small promises (issue 7, item 6): each papercut, fixed and held by a test.

Plain output is asserted line by line; the terminal look (rich, RAG colours, progress bar) is
asserted through a real pseudo-terminal, so the test sees what a person at a shell sees.
"""

from __future__ import annotations

import argparse
import ast
import email
import email.policy
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from builders import small_tracker_rows, write_tracker_openpyxl
from saypro_xl import cli

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
BOX_DRAWING = re.compile(r"[\u2500-\u257f\u2580-\u259f]")  # ─ │ ┃ ━ █ ...
QUOTED_FILE = re.compile(r"""["'][^"'\n]*\.(?:xlsx|xlsm|xls|eml)["']""")


def command(*args) -> list[str]:
    return [sys.executable, "-m", "saypro_xl.cli", *map(str, args)]


def plain_env(**extra) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "TERM")}
    return {**env, **extra}


def run(*args, env=None, cwd=None):
    proc = subprocess.run(command(*args), capture_output=True, text=True, env=env or plain_env(), cwd=cwd)
    return proc.returncode, proc.stdout, proc.stderr


def run_in_terminal(*args, stream: str = "stdout", env=None) -> tuple[int, str, str]:
    """Run the CLI with stdout (or stderr) on a pseudo-terminal; (code, terminal text, other stream)."""
    pty = pytest.importorskip("pty")
    master, slave = pty.openpty()
    other = subprocess.PIPE
    kwargs = {"stdout": slave, "stderr": other} if stream == "stdout" else {"stdout": other, "stderr": slave}
    proc = subprocess.Popen(command(*args), env=env or plain_env(COLUMNS="200", TERM="xterm-256color"),
                            **kwargs)
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    rest = proc.communicate()[0 if stream == "stderr" else 1]
    return proc.returncode, b"".join(chunks).decode("utf-8", "replace"), rest.decode("utf-8", "replace")


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    """The builders' small tracker, with tracker text that looks like rich markup."""
    rows = small_tracker_rows()
    rows["settings"] = {**rows["settings"], "Organisation": "[red]"}
    rows["objectives"][0] = {**rows["objectives"][0], "Department": "[bold]x[/bold]"}
    rows["actions"][0] = {**rows["actions"][0], "Department": "[bold]x[/bold]",
                          "Owner": ":smile: [link=https://example.org]Ana[/link]"}
    return write_tracker_openpyxl(tmp_path_factory.mktemp("small") / "small.xlsx", **rows)


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("sample") / "SayPro_Tracker.xlsx"
    assert run("new-tracker", path, "--sample")[0] == 0
    return path


@pytest.fixture(scope="module")
def pack(sample, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("pack")
    code, _, err = run("report", sample, "-o", out, "--only", "pack")
    assert code == 0, err
    (path,) = out.glob("Leadership_Pack_*.xlsx")
    return path


PLAIN_STATUS = """\
[red] — status on 2025-03-31

KPI  Department      Target  Latest  Gap     Gap %   Progress  Status     Trend      Pace
---  --------------  ------  ------  ------  ------  --------  ---------  ---------  ----
K1   [bold]x[/bold]  80.00   70.00   -10.00  -12.5%  50%       Off Track  Declining
K2   Support         10.00   10.30   -0.30   -3.0%   97%       At Risk    Improving

Action  Department      Owner                                         Due         Slip  Status       % Done  Health
------  --------------  --------------------------------------------  ----------  ----  -----------  ------  --------
A1      [bold]x[/bold]  :smile: [link=https://example.org]Ana[/link]  2025-03-17        Done         100%    Done
A2      Support         Ben                                           2025-03-15        In progress  40%     Overdue
A3      Support         Ben                                           2025-04-30  +23d  In progress  50%     On Track
"""


# ------------------------------------------------------------------ 1. a reader that goes away


def test_output_closed_early_exits_141_quietly(small):
    # The reading end is closed before the command writes a byte: every write fails with EPIPE,
    # deterministically, as when `| head -1` has already gone.
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        proc = subprocess.run(command("status", small), stdout=write_end, stderr=subprocess.PIPE,
                              env=plain_env())
    finally:
        os.close(write_end)
    assert proc.returncode == cli.EXIT_BROKEN_PIPE == 141
    assert proc.stderr == b""  # no "could not write the output: Broken pipe", no "Exception ignored"


def test_head_reads_the_first_line_and_the_command_stops_quietly(sample):
    # A real pipe that the reader closes after one line; the JSON is far bigger than that line.
    proc = subprocess.Popen(command("status", sample, "--json"), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=plain_env())
    first = proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read()
    proc.wait()
    assert first == b"{\n"
    assert proc.returncode in (0, 141)  # 0 only if it had already written everything
    assert err == b""


def test_help_into_a_closed_pipe_is_quiet_too():
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        proc = subprocess.run(command("--help"), stdout=write_end, stderr=subprocess.PIPE, env=plain_env())
    finally:
        os.close(write_end)
    # argparse swallows its own failure to write help and exits 0; quiet is what matters.
    assert (proc.returncode, proc.stderr) == (0, b"")


# ------------------------------------------------------------------ 2. JSON numbers


def test_json_floats_keep_ten_significant_digits():
    assert cli.json_ready({"a": 13.799999999999999, "b": [0.1 + 0.2, 2], "c": float("nan"),
                           "d": -1 / 3, "e": 123456789012.5, "f": True, "g": None}) == {
        "a": 13.8, "b": [0.3, 2], "c": None, "d": -0.3333333333, "e": 123456789000.0, "f": True, "g": None}


def test_status_json_has_no_binary_noise_and_carries_progress(sample):
    from saypro_xl.read import load_tracker
    from saypro_xl.rules import score

    code, out, _ = run("status", sample, "--json")
    assert code == 0
    for number in re.findall(r"(?<![\w.])-?(\d+\.\d+)", out):
        significant = number.replace(".", "").lstrip("0")
        assert len(significant) <= 10, f"{number} has more than 10 significant digits"
    card = score(load_tracker(sample))
    kpis = {k["kpi_id"]: k for k in json.loads(out)["kpis"]}
    sal = next(k for k in card.kpis if k.kpi_id == "SAL-01")
    assert sal.target == pytest.approx(13.8) and sal.target != 13.8  # 12 × 1.15 in binary
    assert kpis["SAL-01"]["target"] == 13.8
    assert '"target": 13.8,' in out
    for k in card.kpis:
        expected = None if k.progress is None else float(f"{k.progress:.10g}")
        assert kpis[k.kpi_id]["progress"] == expected
    assert any(k["progress"] is not None for k in kpis.values())


def test_validate_json_goes_through_the_same_rounding(small):
    code, out, _ = run("validate", small, "--json")
    assert code == 0 and json.loads(out) == []
    source = (ROOT / "saypro_xl" / "cli.py").read_text(encoding="utf-8")
    assert source.count("json.dumps(") == 1  # only print_json, which rounds, writes JSON


def test_kpi_json_has_one_key_per_line_for_new_fields():
    source = (ROOT / "saypro_xl" / "cli.py").read_text(encoding="utf-8")
    body = source[source.index("def kpi_json"):source.index("def action_json")]
    keys = re.findall(r'^\s+"(\w+)":', body, re.M)
    assert len(keys) == len(set(keys))
    # The fields the issues name are the interface: present, each on its own line.
    assert {"progress", "target_date", "expected", "pace", "projected_date", "projection", "variation",
            "assurance"} <= set(keys)


# ------------------------------------------------------------------ 3. mail exit codes and ports


def test_mail_of_a_missing_file_is_exit_2(tmp_path):
    missing = tmp_path / "Leadership_Pack_2025-04-25.xlsx"
    code, out, err = run("mail", missing, "--to", "ceo@saypro.example", "--eml", tmp_path / "m.eml")
    assert (code, out) == (2, "")
    assert err == (f"saypro-xl: The attachment {missing} does not exist; check the path, or build the "
                   "pack first with `saypro-xl report`.\n")


@pytest.mark.parametrize("starttls, port", [(False, 25), (True, 587)])
def test_smtp_without_a_port_uses_the_default_port(pack, monkeypatch, capsys, starttls, port):
    import saypro_xl.mail as mail

    sent = []
    monkeypatch.setattr(mail, "send_smtp", lambda message, host, port, **kw: sent.append((host, port, kw)))
    argv = ["mail", str(pack), "--to", "ceo@saypro.example", "--smtp", "smtp.saypro.example"]
    assert cli.main(argv + (["--starttls"] if starttls else [])) == 0
    assert sent == [("smtp.saypro.example", port, {"starttls": starttls, "user": None})]
    assert capsys.readouterr().out == (
        f"Sent {pack.name}, the leadership pack (dashboard, findings, implementation timeline and "
        f"meeting agenda) to ceo@saypro.example via smtp.saypro.example:{port}\n")


@pytest.mark.parametrize("target, sentence", [
    ("smtp.saypro.example:70000",
     "SMTP port 70000 is out of range; use a port from 1 to 65535, e.g. 587."),
    ("smtp.saypro.example:smtp",
     'SMTP server "smtp.saypro.example:smtp" must be HOST or HOST:PORT, e.g. smtp.example.org:587.'),
    ("smtp.saypro.example:",
     'SMTP server "smtp.saypro.example:" must be HOST or HOST:PORT, e.g. smtp.example.org:587.'),
])
def test_a_bad_port_is_exit_2_with_one_sentence(pack, target, sentence):
    code, out, err = run("mail", pack, "--to", "ceo@saypro.example", "--smtp", target)
    assert (code, out, err) == (2, "", f"saypro-xl: {sentence}\n")


def test_parse_smtp_target_with_a_default_port():
    from saypro_xl.mail import default_smtp_port, parse_smtp_target

    assert parse_smtp_target("smtp.example.org", 25) == ("smtp.example.org", 25)
    assert parse_smtp_target("[::1]", 587) == ("::1", 587)
    assert parse_smtp_target("mail:2525", 25) == ("mail", 2525)
    assert (default_smtp_port(False), default_smtp_port(True)) == (25, 587)


# ------------------------------------------------------------------ 4. mail says what is attached


def eml_of(path: Path, tmp_path: Path):
    out = tmp_path / f"{path.stem}.eml"
    code, stdout, err = run("mail", path, "--to", "ceo@saypro.example", "--eml", out)
    assert code == 0, err
    message = email.message_from_bytes(out.read_bytes(), policy=email.policy.default)
    return stdout, message, message.get_body(("plain",)).get_content().replace("\r\n", "\n")


def test_a_tracker_is_mailed_as_the_workbook_it_is(sample, tmp_path):
    out, message, body = eml_of(sample, tmp_path)
    assert message["Subject"] == "SayPro workbook SayPro_Tracker.xlsx"
    assert "Attached is the workbook SayPro_Tracker.xlsx.\n" in body
    assert "pack" not in body.lower() and "pack" not in message["Subject"].lower()
    assert out == f"Wrote {tmp_path / 'SayPro_Tracker.eml'} with the workbook SayPro_Tracker.xlsx\n"


def test_the_pack_is_called_the_pack(pack, tmp_path):
    _, message, body = eml_of(pack, tmp_path)
    assert message["Subject"] == f"SayPro Leadership Pack – {pack.stem.rsplit('_', 1)[1]}"
    assert (f"Attached is {pack.name}, the leadership pack (dashboard, findings, implementation "
            "timeline and meeting agenda).") in body
    assert "no macros and no external links" in body


def test_a_renamed_pack_is_still_known_by_its_sheets(pack, tmp_path):
    renamed = tmp_path / "april.xlsx"
    shutil.copyfile(pack, renamed)
    _, message, body = eml_of(renamed, tmp_path)
    assert message["Subject"] == "SayPro Leadership Pack – april.xlsx"
    assert "Attached is april.xlsx, the leadership pack (" in body


def test_a_macro_workbook_is_still_refused(sample, tmp_path):
    xlsm = tmp_path / "SayPro_Tracker.xlsm"
    shutil.copyfile(sample, xlsm)
    code, _, err = run("mail", xlsm, "--to", "ceo@saypro.example", "--eml", tmp_path / "x.eml")
    assert code == 2
    assert err == ("saypro-xl: SayPro_Tracker.xlsm is a macro-capable workbook (.xlsm); send the "
                   "macro-free leadership pack (.xlsx) instead.\n")
    assert not (tmp_path / "x.eml").exists()


# ------------------------------------------------------------------ 5. doctor


def test_doctor_names_the_workbook_and_titles_every_column():
    code, out, _ = run("doctor")
    lines = out.splitlines()
    assert re.split(r"\s{2,}", lines[0]) == ["Check", "Finding", "Result"]
    assert set(lines[1]) == {"-", " "}
    workbook = ROOT / "workbooks" / "SayPro_Tracker.xlsm"
    row = next(line for line in lines if line.startswith("Workbook xlwings"))
    assert f" {workbook} has " in row or f" no workbook at {workbook} to check" in row
    assert row.endswith(("  ok", "  PROBLEM"))
    assert code in (0, 1)


def test_doctor_says_which_workbook_it_looked_for(tmp_path, monkeypatch, capsys):
    missing = tmp_path / "workbooks" / "SayPro_Tracker.xlsm"
    monkeypatch.setattr(cli, "DOCTOR_WORKBOOK", missing)
    cli.main(["doctor"])
    out = capsys.readouterr().out
    assert (f"Workbook xlwings  no workbook at {missing} to check (a checkout has one; build it with "
            "`saypro-xl build-workbook`)  ok") in out


# ------------------------------------------------------------------ 6. help everywhere


def parsers() -> dict[str, argparse.ArgumentParser]:
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {"saypro-xl": parser, **{f"saypro-xl {name}": p for name, p in sub.choices.items()}}


def test_every_option_and_positional_of_every_command_has_help():
    missing = [f"{name} {'/'.join(action.option_strings) or action.dest}"
               for name, parser in parsers().items() for action in parser._actions
               if not action.help or action.help == argparse.SUPPRESS or not action.help.strip()]
    assert missing == []
    sub = next(a for a in cli.build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    assert all(choice.help for choice in sub._choices_actions)  # the one-line summary of each command


def test_batch_help_describes_every_option():
    code, out, _ = run("batch", "--help")
    assert code == 0
    for option in ("-o DIR, --output DIR", "-j N, --jobs N", "--as-of DATE", "--only KINDS", "--meeting"):
        block = out[out.index(option):].split("\n  -", 1)[0]
        assert len(block.split(None, 2)) > 2, f"{option} has no help in batch --help"


# ------------------------------------------------------------------ 7. write errors


def test_an_output_folder_under_a_file_names_the_target_and_the_fix(small, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file")
    out = blocker / "reports"
    code, stdout, err = run("report", small, "-o", out, "--only", "findings")
    assert (code, stdout) == (1, "")
    assert err == (f"saypro-xl: Could not write Findings_Report_2025-03-31.xlsx in {out}: {blocker} is a "
                   "file, not a folder; choose a folder you can write to with -o.\n")
    assert ".tmp" not in err and "/." not in err


def test_each_command_says_what_to_do_in_its_own_terms(small, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("a file")
    code, _, err = run("new-tracker", blocker / "T.xlsx")
    assert (code, err) == (1, f"saypro-xl: Could not write T.xlsx in {blocker}: {blocker} is a file, not a "
                              "folder; give a PATH in a folder you can write to.\n")
    pack = tmp_path / "Leadership_Pack_2025-03-31.xlsx"
    assert run("report", small, "-o", tmp_path, "--only", "pack")[0] == 0
    code, _, err = run("mail", pack, "--to", "ceo@saypro.example", "--eml", blocker / "pack.eml")
    assert (code, err) == (1, f"saypro-xl: Could not write pack.eml in {blocker}: {blocker} is a file, not a "
                              "folder; give an --eml path in a folder you can write to.\n")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="root writes into a read-only folder anyway; the file-under-a-file test covers root")
def test_a_read_only_folder_names_the_target_and_the_fix(small, tmp_path):
    out = tmp_path / "reports"
    out.mkdir()
    out.chmod(0o555)
    try:
        code, _, err = run("report", small, "-o", out, "--only", "findings")
    finally:
        out.chmod(0o755)
    assert code == 1
    assert err == (f"saypro-xl: Could not write Findings_Report_2025-03-31.xlsx in {out}: Permission "
                   "denied; choose a folder you can write to with -o.\n")
    assert list(out.iterdir()) == []


def test_atomic_path_reports_the_final_name_not_the_temporary(tmp_path):
    from saypro_xl.xlsx import atomic_path, write_error_sentence

    final = tmp_path / "Findings_Report_2025-04-25.xlsx"
    final.mkdir()  # a folder squatting on the name: the rename into place fails
    with pytest.raises(OSError) as caught:
        with atomic_path(final) as tmp:
            tmp.write_bytes(b"content")
    assert caught.value.filename == str(final)
    assert write_error_sentence(caught.value) == (
        f"Could not write Findings_Report_2025-04-25.xlsx in {tmp_path}: a folder of that name is in "
        "the way; choose a folder you can write to.")
    assert [p.name for p in tmp_path.iterdir()] == [final.name]  # the temporary is gone


# ------------------------------------------------------------------ 8. one way to show file names


MY_FILES = ("saypro_xl/cli.py", "saypro_xl/mail.py", "saypro_xl/batch.py", "saypro_xl/xlsx.py")
PATHLIKE = re.compile(r"(path|name|file|folder|dir|attachment|target|final|eml|pack|workbook|tracker|where)",
                      re.I)


def test_messages_never_quote_a_file_name_in_the_source():
    """File and folder names stand bare in every message; only values typed by the user are quoted."""
    offences = []
    for relative in MY_FILES:
        source = (ROOT / relative).read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(source)):
            if not isinstance(node, ast.JoinedStr):
                continue
            parts = node.values
            for i, part in enumerate(parts):
                if not isinstance(part, ast.FormattedValue):
                    continue
                expression = ast.get_source_segment(source, part.value) or ""
                if not PATHLIKE.search(expression):
                    continue
                before = parts[i - 1].value if i and isinstance(parts[i - 1], ast.Constant) else ""
                after = parts[i + 1].value if i + 1 < len(parts) and isinstance(parts[i + 1], ast.Constant) else ""
                if part.conversion == ord("r") or (before.endswith(('"', "'")) and after.startswith(('"', "'"))):
                    offences.append(f"{relative}:{node.lineno}: {expression}")
    assert offences == []


def test_messages_never_quote_a_file_name_when_run(sample, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    xlsm = tmp_path / "T.xlsm"
    shutil.copyfile(sample, xlsm)
    runs = [
        ("new-tracker", sample),
        ("new-tracker", tmp_path / "T.xlsm"),
        ("new-tracker", blocker / "T.xlsx"),
        ("mail", tmp_path / "missing.xlsx", "--to", "a@saypro.example", "--eml", tmp_path / "m.eml"),
        ("mail", xlsm, "--to", "a@saypro.example", "--eml", tmp_path / "m.eml"),
        ("mail", sample, "--to", "a@saypro.example", "--eml", blocker / "m.eml"),
        ("report", sample, "-o", blocker / "out", "--only", "findings"),
        ("batch", tmp_path / "missing.xlsx", "-o", tmp_path / "b"),
    ]
    for args in runs:
        code, out, err = run(*args)
        assert code != 0, args
        # The reader's own 'Tracker file "..." was not found' (saypro_xl/read.py, not this door's
        # words) reaches batch's stdout; everything this door words itself is checked.
        assert not QUOTED_FILE.search(err), (args, err)
        assert not QUOTED_FILE.search(out.replace('Tracker file "', "")), (args, out)


# ------------------------------------------------------------------ 9. after scripts/demo


def test_demo_and_readme_say_how_to_run_the_installed_command():
    demo = (ROOT / "scripts" / "demo").read_text(encoding="utf-8")
    tail = demo[demo.rindex("saypro-xl report"):]
    assert "echo" in tail and ".venv/bin/saypro-xl" in tail and ". .venv/bin/activate" in tail
    setup = README[README.index("## Set up on a fresh machine"):README.index("## Using it")]
    assert ". .venv/bin/activate" in setup and ".venv/bin/saypro-xl" in setup


# ------------------------------------------------------------------ 10. a quiet editable install


def test_editable_install_uses_the_simple_layout_setuptools_does_not_warn_about():
    """setuptools prints its framed "Editable installation ... Please be careful with folders"
    warning whenever package-dir maps a package elsewhere than its own folder. Every package
    lives where it is named, and the VBA source still ships inside the package."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    assert config["package-dir"] == {"": "."}
    for package in config["packages"]:
        assert (ROOT / Path(*package.split("."))).is_dir(), package
    assert config["package-data"]["saypro_xl"] == ["macros/*.bas", "macros/*.cls", "macros/*.xml"]
    dashboard = ROOT / "saypro_xl" / "dashboard"  # its template, script, styles and Chart.js ship too
    assert all(list(dashboard.glob(p)) for p in config["package-data"]["saypro_xl.dashboard"])
    shipped = ROOT / "saypro_xl" / "macros"
    if shipped.is_symlink():  # a checkout without symlinks (Windows default) has a text file here
        assert shipped.resolve() == (ROOT / "macros").resolve()
        assert (shipped / "SayPro.bas").read_bytes() == (ROOT / "macros" / "SayPro.bas").read_bytes()


# ------------------------------------------------------------------ 11. what the README says of names


def test_readme_says_the_agenda_is_named_with_the_meeting_date(small, tmp_path):
    reports = README[README.index("## Reports"):]
    assert "named with the As Of date, the agenda with the Meeting Date (else the As Of date)" in reports
    code, out, _ = run("report", small, "-o", tmp_path)
    assert code == 0
    # small_tracker_rows: As Of 2025-03-31, Meeting Date 2025-04-02
    assert sorted(p.name for p in tmp_path.glob("*.xlsx")) == [
        "Findings_Report_2025-03-31.xlsx", "Implementation_Timeline_2025-03-31.xlsx",
        "Leadership_Pack_2025-03-31.xlsx", "Meeting_Agenda_follow-up_2025-04-02.xlsx"]


# ------------------------------------------------------------------ 12. rich in a terminal, plain otherwise


def test_plain_status_is_stable_greppable_text(small):
    code, out, err = run("status", small)
    assert (code, err) == (0, "")
    assert out == PLAIN_STATUS
    assert not ANSI.search(out) and not BOX_DRAWING.search(out)


def test_status_in_a_terminal_has_rag_colours_and_prints_markup_literally(small):
    code, screen, _ = run_in_terminal("status", small)
    assert code == 0
    text = ANSI.sub("", screen).replace("\r\n", "\n")
    assert text.startswith("[red] — status on 2025-03-31\n")
    assert "[bold]x[/bold]" in text and ":smile: [link=https://example.org]Ana[/link]" in text
    assert "\x1b]8;" not in screen  # no hyperlink was made from the owner's text
    red, amber, green = "\x1b[1;31m", "\x1b[33m", "\x1b[32m"
    assert f"{red}Off Track" in screen and f"{amber}At Risk" in screen
    assert f"{red}Overdue" in screen and f"{green}Done" in screen and f"{green}On Track" in screen
    for line in ("K1   [bold]x[/bold]   80.00   70.00  -10.00  -12.5%       50%  Off Track  Declining",
                 "A2      Support         Ben                                           2025-03-15        "
                 "In progress     40%  Overdue"):
        assert line in text


def test_no_color_in_a_terminal_gives_the_plain_text(small):
    code, screen, _ = run_in_terminal("status", small, env=plain_env(NO_COLOR="1", COLUMNS="200"))
    assert code == 0
    assert screen.replace("\r\n", "\n") == PLAIN_STATUS


def test_validate_colours_errors_red_and_warnings_amber(tmp_path):
    from builders import ExcelError

    rows = small_tracker_rows()
    rows["actions"][1] = {**rows["actions"][1], "Start Date": "31/02/2025"}  # an error at Actions!H3
    rows["actuals"][0] = {**rows["actuals"][0], "Source": ExcelError("#N/A")}  # a warning
    path = write_tracker_openpyxl(tmp_path / "issues.xlsx", **rows)
    code, out, _ = run("validate", path)
    assert code == 1 and not ANSI.search(out)
    assert ('error     Actions!H3  Start Date  Start Date "31/02/2025" is not a date (use 2025-02-28 or '
            "a date cell)\n") in out
    assert "warning   Actuals!D2  Source      Source holds the Excel error #N/A, read as blank" in out
    code, screen, _ = run_in_terminal("validate", path)
    assert code == 1
    assert "\x1b[1;31merror" in screen and "\x1b[33mwarning" in screen


def test_batch_shows_a_rich_progress_bar_on_a_terminal_only(small, tmp_path):
    code, bar, out = run_in_terminal("batch", small, "-o", tmp_path / "t", "--only", "findings", stream="stderr")
    assert code == 0, out
    assert "Building reports" in ANSI.sub("", bar) and "1/1" in bar and "━" in bar
    assert out.splitlines()[-1] == "1 built, 0 failed"
    code, out, err = run("batch", small, "-o", tmp_path / "p", "--only", "findings")
    assert (code, err) == (0, "")


def test_progress_bar_prints_a_tracker_name_literally():
    import io

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    screen = Terminal()
    with cli.progress_bar(screen) as update:
        update(1, 1, "[red]Clinic[/red].xlsx")
    assert "[red]Clinic[/red].xlsx" in ANSI.sub("", screen.getvalue())
    with cli.progress_bar(io.StringIO()) as update:
        assert update is None


# ------------------------------------------------------------------ 13. README and --help agree


def test_readme_command_table_lists_every_option_of_every_command():
    sub = parsers()
    for name, parser in sub.items():
        if name == "saypro-xl":
            continue
        row = next((line for line in README.splitlines() if line.startswith(f"| `{name}")), None)
        assert row, f"README's command table has no row for {name}"
        for action in parser._actions:
            longest = max(action.option_strings, key=len, default=None)
            if longest and longest != "--help":
                assert longest in row or min(action.option_strings, key=len) in row, (name, longest)


def test_readme_exit_codes_are_the_cli_codes():
    table = README[README.index("Exit codes:"):]
    codes = re.findall(r"^\|\s*(\d+)\s*\|", table, re.M)
    assert codes == ["0", "1", "2", "141"]
    assert {cli.EXIT_OK, cli.EXIT_FINDINGS, cli.EXIT_UNUSABLE, cli.EXIT_BROKEN_PIPE} == {0, 1, 2, 141}
    epilog = cli.build_parser().epilog
    assert all(f"{code} " in epilog for code in codes)


def test_control_characters_typed_in_the_tracker_never_reach_the_terminal():
    # An xlsx cell can carry an escape as _x001B_, which readers turn back into the character:
    # the table shows each control character as its visible picture instead.
    import io

    out = io.StringIO()
    cli.print_table(["KPI", "Department"], [["K1", "Sales\x1b[2J\rX"]], stream=out)
    assert "\x1b" not in out.getvalue() and "\r" not in out.getvalue()
    assert "Sales␛[2J␍X" in out.getvalue()
