"""Reminders: who gets which actions, worked out by hand from DESIGN.md; the messages as they
arrive at a real SMTP server on loopback and as .eml files, read back with email.parser."""

from __future__ import annotations

import datetime as dt
import email
import email.parser
import email.policy
import socket
from html.parser import HTMLParser
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from builders import write_tracker_openpyxl
from saypro_xl import cli, rules
from saypro_xl.mail import reminder_message
from saypro_xl.model import EscalationLevel, Severity
from saypro_xl.read import load_tracker
from saypro_xl.reminders import plan_reminders, why
from test_people import add_people_sheet

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")

d = dt.date
AS_OF = d(2025, 6, 30)
HOSTILE = "<img src=x onerror=alert(1)>"

# ------------------------------------------------------------------ the hand-worked scenario
#
# As Of 2025-06-30, default ladder: Escalate To Head After 7 days, To Leadership After 14.
# Due Date = Start Date + 7 × Timeline (weeks).
#
# R1  Sales       Ana    start 06-10, 2 wk → due 06-24: overdue 30 − 24 = 6 days  → Owner
#                        (its Action is typed as HTML, to prove the message escapes it)
# R2  Support     Ben    start 06-03, 2 wk → due 06-17: overdue 13 days           → Department Head
# R3  Operations  Dan    start 05-20, 2 wk → due 06-03: overdue 27 days           → Leadership
# R4  Sales       "  ANA " (Ana, typed loosely) start 06-02, 6 wk → due 07-14, not overdue;
#                        an update of 06-20 set it Blocked: blocked 30 − 20 = 10 days → Department Head
# R5  Finance     Hana   start 06-16, 6 wk → due 07-28; Escalate = Yes (health Blocked) → Leadership
# R6  Sales       Gus    start 06-12, 3 wk → due 07-03: due in 3 days, not escalated
# R7  Support     Ben    start 06-26, 2 wk → due 07-10: due in 10 days: nobody hears of it
# R8  Operations  Dan    start 05-01, 2 wk → due 05-15, Done: nobody hears of it
# R9  Sales       Gus    start 06-06, 2 wk → due 06-20: overdue 10 days           → Department Head,
#                        who is Gus himself: he sees it once, among his own
# R10 Marketing   Zed    start 06-08, 2 wk → due 06-22: overdue 8 days            → Department Head,
#                        but Marketing has none and Zed is not on the People sheet: no one gets it
#
# People: Ana (Owner, Sales), Ben (Owner, Support), Carla (Head, Support), Dan (Owner, Operations),
# Eve and Finn (Leadership), Gus (Head, Sales), Hana (Owner, Finance), Olga (Head, Operations),
# Ivo (M&E).
#
# So, one message each, in People order:
#   Ana   Owner: R1 (overdue 6 days), R4 (blocked 10 days)
#   Ben   Owner: R2 (overdue 13 days)                 — not R7, due in 10 days
#   Carla Department Head: R2
#   Dan   Owner: R3 (overdue 27 days)                 — not R8, done
#   Eve   Leadership: R3, R5
#   Finn  Leadership: R3, R5
#   Gus   Owner: R6 (due in 3 days), R9 (overdue 10 days); Department Head: R4 (R9 not twice)
#   Hana  Owner: R5 (flagged Escalate)
#   Olga gets nothing: R3 skips her rung (27 days is past 14). Ivo (M&E) gets nothing.
#   Not reached: R10 (owner Zed not on the sheet; no head of Marketing).

EXPECTED = [
    ("Ana", "ana@example.org", ("Owner",), ("R1", "R4")),
    ("Ben", "ben@example.org", ("Owner",), ("R2",)),
    ("Carla", "carla@example.org", ("Department Head",), ("R2",)),
    ("Dan", "dan@example.org", ("Owner",), ("R3",)),
    ("Eve", "eve@example.org", ("Leadership",), ("R3", "R5")),
    ("Finn", "finn@example.org", ("Leadership",), ("R3", "R5")),
    ("Gus", "gus@example.org", ("Owner", "Department Head"), ("R6", "R9", "R4")),
    ("Hana", "hana@example.org", ("Owner",), ("R5",)),
]
UNREACHED = (
    'Owner "Zed" of action R10 is not on the People sheet, so no reminder reaches them; add a People row '
    'with Name "Zed" and their Email.',
    'No Department Head of "Marketing" is on the People sheet, so action R10, escalated to the department '
    'head, reaches no one; add a People row with Role "Department Head" and Department "Marketing".',
)

PEOPLE = [
    ("Ana", "Owner", "Sales", "ana@example.org"),
    ("Ben", "Owner", "Support", "ben@example.org"),
    ("Carla", "Department Head", "Support", "carla@example.org"),
    ("Dan", "Owner", "Operations", "dan@example.org"),
    ("Eve", "Leadership", None, "eve@example.org"),
    ("Finn", "Leadership", None, "finn@example.org"),
    ("Gus", "Department Head", "Sales", "gus@example.org"),
    ("Hana", "Owner", "Finance", "hana@example.org"),
    ("Olga", "Department Head", "Operations", "olga@example.org"),
    ("Ivo", "M&E", None, "ivo@example.org"),
]


def _action(action_id, department, owner, start, weeks, status="In progress", pct=50, escalate="No",
            action=None):
    return {"Action ID": action_id, "Department": department, "Action": action or f"Action {action_id}",
            "Strategy": "Process improvement", "Owner": owner, "Start Date": start,
            "Timeline (weeks)": weeks, "Status": status, "% Complete": pct, "Approved": "Yes",
            "Escalate": escalate}


def scenario_rows(organisation: str = "SayPro") -> dict:
    return dict(
        settings={"Organisation": organisation, "As Of Date": AS_OF},
        objectives=[
            {"KPI ID": "K1", "Department": "Sales", "KPI": "Leads converted", "Unit": "%",
             "Direction": "Higher is better", "Baseline": 10, "Target Type": "Absolute", "Target Value": 15,
             "Frequency": "Monthly", "Owner": "Gus"},
            {"KPI ID": "K2", "Department": "Support", "KPI": "First response time", "Unit": "hours",
             "Direction": "Lower is better", "Baseline": 6, "Target Type": "Absolute", "Target Value": 4,
             "Frequency": "Weekly", "Owner": "Carla"},
        ],
        actuals=[{"KPI ID": "K1", "Period End": d(2025, 5, 31), "Actual": 11},
                 {"KPI ID": "K2", "Period End": d(2025, 6, 27), "Actual": 5}],
        actions=[
            _action("R1", "Sales", "Ana", d(2025, 6, 10), 2, action=HOSTILE),
            _action("R2", "Support", "Ben", d(2025, 6, 3), 2),
            _action("R3", "Operations", "Dan", d(2025, 5, 20), 2),
            _action("R4", "Sales", "  ANA ", d(2025, 6, 2), 6),
            _action("R5", "Finance", "Hana", d(2025, 6, 16), 6, escalate="Yes"),
            _action("R6", "Sales", "Gus", d(2025, 6, 12), 3, pct=90),
            _action("R7", "Support", "Ben", d(2025, 6, 26), 2, pct=10),
            _action("R8", "Operations", "Dan", d(2025, 5, 1), 2, status="Done", pct=100),
            _action("R9", "Sales", "Gus", d(2025, 6, 6), 2),
            _action("R10", "Marketing", "Zed", d(2025, 6, 8), 2),
        ],
        updates=[{"Date": d(2025, 6, 20), "Action ID": "R4", "Reporter": "Ana", "Status": "Blocked",
                  "% Complete": 30, "Note": "waiting on the CRM vendor"}],
    )


def write_scenario(tmp_path: Path, people=PEOPLE, **changes) -> Path:
    rows = scenario_rows()
    rows.update(changes)
    path = write_tracker_openpyxl(tmp_path / "Scenario.xlsx", **rows)
    if people is not None:
        add_people_sheet(path, people)
    return path


@pytest.fixture
def scenario(tmp_path) -> Path:
    return write_scenario(tmp_path)


def as_rows(plan):
    return [(r.name, r.address, r.levels, r.action_ids) for r in plan.reminders]


# ------------------------------------------------------------------ who gets what


def test_the_scenario_reads_with_one_warning_the_unknown_owner(scenario):
    tracker = load_tracker(scenario)
    assert [(i.severity, i.sheet, i.cell) for i in tracker.issues] == [(Severity.WARNING, "Actions", "G11")]


def test_the_ladder_gives_the_levels_worked_out_by_hand(scenario):
    card = rules.score(load_tracker(scenario))
    ladder = {a.action_id: (a.escalation.level, a.escalation.days, a.escalation.reason)
              for a in card.actions if a.escalation}
    assert ladder == {
        "R1": (EscalationLevel.OWNER, 6, "overdue"),
        "R2": (EscalationLevel.HEAD, 13, "overdue"),
        "R3": (EscalationLevel.LEADERSHIP, 27, "overdue"),
        "R4": (EscalationLevel.HEAD, 10, "blocked"),
        "R5": (EscalationLevel.LEADERSHIP, 0, "flagged Escalate"),
        "R9": (EscalationLevel.HEAD, 10, "overdue"),
        "R10": (EscalationLevel.HEAD, 8, "overdue"),
    }


def test_each_person_gets_exactly_the_actions_worked_out_by_hand(scenario):
    plan = plan_reminders(rules.score(load_tracker(scenario)))
    assert plan.as_of == AS_OF
    assert as_rows(plan) == EXPECTED
    assert plan.unreached == UNREACHED


def test_why_each_action_is_in_a_reminder(scenario):
    card = rules.score(load_tracker(scenario))
    assert {a.action_id: why(a, AS_OF) for a in card.actions if a.action_id != "R8"} == {
        "R1": "overdue by 6 days", "R2": "overdue by 13 days", "R3": "overdue by 27 days",
        "R4": "blocked for 10 days", "R5": "flagged Escalate", "R6": "due in 3 days",
        "R7": "due in 10 days", "R9": "overdue by 10 days", "R10": "overdue by 8 days",
    }


def test_a_custom_ladder_moves_the_messages(tmp_path):
    # Head after 5 days, leadership after 30: R1 (6 days) now goes to Gus as head, R3 (27 days)
    # to Olga as head of Operations and no longer to leadership; R5 (flagged) still does.
    settings = {"Organisation": "SayPro", "As Of Date": AS_OF, "Escalate To Head After (days)": 5,
                "Escalate To Leadership After (days)": 30}
    plan = plan_reminders(rules.score(load_tracker(write_scenario(tmp_path, settings=settings))))
    by_name = {name: (levels, ids) for name, _, levels, ids in as_rows(plan)}
    assert by_name["Gus"] == (("Owner", "Department Head"), ("R6", "R9", "R1", "R4"))
    assert by_name["Olga"] == (("Department Head",), ("R3",))
    assert by_name["Eve"] == by_name["Finn"] == (("Leadership",), ("R5",))


def test_rows_sharing_an_address_make_one_message(tmp_path):
    # Gus is also on the sheet as a leader, with the same address in capitals: one message.
    people = PEOPLE + [("Gus", "Leadership", None, "GUS@example.org")]
    plan = plan_reminders(rules.score(load_tracker(write_scenario(tmp_path, people=people))))
    [gus] = [r for r in plan.reminders if r.name == "Gus"]
    assert (gus.address, gus.levels, gus.action_ids) == (
        "gus@example.org", ("Owner", "Department Head", "Leadership"), ("R6", "R9", "R4", "R3", "R5"))


def test_a_person_without_an_email_is_named_as_unreached(tmp_path):
    people = [p if p[0] != "Carla" else ("Carla", "Department Head", "Support", None) for p in PEOPLE]
    plan = plan_reminders(rules.score(load_tracker(write_scenario(tmp_path, people=people))))
    assert "Carla" not in [r.name for r in plan.reminders]
    assert plan.unreached[0] == ('"Carla" (People row 4) has no Email, so action R2 reaches no one through '
                                 "them; type their address in the Email column.")


# ------------------------------------------------------------------ the messages


class TagCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.cells = set(), []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)

    def handle_data(self, data):
        if data.strip():
            self.cells.append(data.strip())


def parts_of(message) -> tuple[str, str]:
    """(plain text, HTML) of a parsed reminder; asserts it has exactly these two parts and no attachment."""
    assert message.get_content_type() == "multipart/alternative"
    assert list(message.iter_attachments()) == []
    kinds = [p.get_content_type() for p in message.iter_parts()]
    assert kinds == ["text/plain", "text/html"]
    return (message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content())


def test_the_html_escapes_tracker_text_and_the_text_keeps_it(scenario):
    plan = plan_reminders(rules.score(load_tracker(scenario)))
    ana = plan.reminders[0]
    parsed = email.message_from_bytes(reminder_message(plan, ana).as_bytes(), policy=email.policy.default)
    text, html = parts_of(parsed)
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<img" not in html
    collector = TagCollector()
    collector.feed(html)
    assert collector.tags == {"html", "head", "meta", "title", "body", "p", "h3", "table", "tr", "th", "td"}
    assert HOSTILE in collector.cells  # a reader of the HTML sees the characters as typed
    assert f"- R1 (Sales): {HOSTILE}" in text


def test_eml_files_one_per_person_with_recipient_subject_and_ids_in_both_parts(scenario, tmp_path, capsys):
    out = tmp_path / "reminders"
    assert cli.main(["remind", str(scenario), "--eml-dir", str(out)]) == 0
    stdout, stderr = capsys.readouterr()
    assert stderr == "".join(f"Note: {s}\n" for s in UNREACHED)
    files = sorted(p.name for p in out.iterdir())
    assert files == sorted(f"Reminder_2025-06-30_{address}.eml" for _, address, _, _ in EXPECTED)
    assert stdout.splitlines()[0] == f"Wrote {out / 'Reminder_2025-06-30_ana@example.org.eml'} for Ana <ana@example.org> (R1, R4)"
    all_ids = {f"R{n}" for n in range(1, 11)}
    for name, address, levels, ids in EXPECTED:
        with open(out / f"Reminder_2025-06-30_{address}.eml", "rb") as handle:
            message = email.parser.BytesParser(policy=email.policy.default).parse(handle)
        assert message["To"] == address
        assert message["From"] is None  # a draft, as `mail --eml` writes
        assert message["Cc"] is None and message["Bcc"] is None
        count = len(ids)
        assert message["Subject"] == (f"SayPro reminder – 2025-06-30: {count} "
                                      f"{'action' if count == 1 else 'actions'} to follow up")
        text, html = parts_of(message)
        assert text.startswith(f"Hello {name},\n")
        for part in (text, html):
            present = {i for i in all_ids if f"{i} (" in part or f">{i}<" in part}
            assert present == set(ids), (name, part)


def test_the_head_section_names_the_owner_and_the_reason(scenario):
    plan = plan_reminders(rules.score(load_tracker(scenario)))
    [gus] = [r for r in plan.reminders if r.name == "Gus"]
    text, html = parts_of(email.message_from_bytes(reminder_message(plan, gus).as_bytes(),
                                                   policy=email.policy.default))
    assert text.splitlines()[4:12] == [
        "Your actions: due within a week, overdue or blocked:",
        "- R6 (Sales): Action R6",
        "  owner Gus; due 2025-07-03; In progress, 90% complete; due in 3 days",
        "- R9 (Sales): Action R9",
        "  owner Gus; due 2025-06-20; In progress, 50% complete; overdue by 10 days",
        "",
        "Escalated to you as Department Head:",
        "- R4 (Sales): Action R4",
    ]
    assert "  owner ANA; due 2025-07-14; Blocked, 30% complete; blocked for 10 days" in text
    collector = TagCollector()
    collector.feed(html)
    r4 = collector.cells.index("R4")
    assert collector.cells[r4:r4 + 8] == ["R4", "Sales", "Action R4", "ANA", "2025-07-14", "Blocked", "30%",
                                          "blocked for 10 days"]


def test_dry_run_prints_one_line_per_person_and_sends_nothing(scenario, tmp_path, capsys):
    assert cli.main(["remind", str(scenario), "--dry-run"]) == 0
    stdout, stderr = capsys.readouterr()
    lines = stdout.splitlines()
    assert lines[0] == "SayPro — reminders on 2025-06-30 (dry run: nothing sent or written)"
    assert lines[2].split() == ["Name", "Address", "Level", "Actions"]
    people = lines[4:]
    assert len(people) == len(EXPECTED)
    for line, (name, address, levels, ids) in zip(people, EXPECTED):
        assert line.startswith(name + " ") and f" {address} " in line
        assert line.endswith(", ".join(ids))
        assert ", ".join(levels) in line
    assert stderr.count("Note: ") == 2
    assert list(tmp_path.glob("*.eml")) == []


def test_dry_run_checks_the_smtp_target_before_reading(scenario, capsys):
    assert cli.main(["remind", str(scenario), "--dry-run", "--smtp", "mail.example.org:99999"]) == 2
    assert capsys.readouterr().err == ("saypro-xl: SMTP port 99999 is out of range; use a port from 1 to "
                                       "65535, e.g. 587.\n")


# ------------------------------------------------------------------ refusals


def test_a_tracker_without_a_people_sheet_is_refused_in_one_sentence(tmp_path, capsys):
    path = write_scenario(tmp_path, people=None)
    assert cli.main(["remind", str(path), "--dry-run"]) == 2
    assert capsys.readouterr().err == (
        "saypro-xl: Scenario.xlsx has no People sheet with anyone on it, and reminders need it: add a People "
        "sheet with the headers Name, Role, Department, Email and a row per owner, department head and "
        "leader (a tracker from `saypro-xl new-tracker` has one).\n")


def test_an_empty_people_sheet_is_refused_the_same_way(tmp_path, capsys):
    path = write_scenario(tmp_path, people=[])
    assert cli.main(["remind", str(path), "--eml-dir", str(tmp_path / "out")]) == 2
    assert "has no People sheet with anyone on it" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_a_tracker_with_errors_is_refused_like_report(tmp_path, capsys):
    people = PEOPLE[:-1] + [("Ivo", "M&E", None, "ivo(at)example.org")]
    path = write_scenario(tmp_path, people=people)
    assert cli.main(["remind", str(path), "--dry-run"]) == 1
    assert capsys.readouterr().err == ('saypro-xl: Scenario.xlsx: People!D11: Email "ivo(at)example.org" is '
                                       "not an email address; type one address, e.g. thandi@example.org\n")


@pytest.mark.parametrize("argv, message", [
    (["--eml-dir", "out", "--user", "me"], "--user only applies with --smtp; drop it, or send with --smtp "
                                           "HOST[:PORT]."),
    ([], "Say how to deliver the reminders: --smtp HOST[:PORT], --eml-dir DIR, or --dry-run to list them."),
    (["--eml-dir", "out", "--from", "me@example.org\r\nBcc: all@example.org"],
     'The sender address "me@example.org\\r\\nBcc: all@example.org" contains a line break or control '
     "character; give it on one line."),
])
def test_wrong_command_lines_are_exit_2_before_anything_is_written(scenario, tmp_path, capsys, argv, message,
                                                                   monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["remind", str(scenario), *argv]) == 2
    assert capsys.readouterr().err == f"saypro-xl: {message}\n"
    assert not (tmp_path / "out").exists()


def test_a_line_break_in_the_organisation_stays_out_of_the_headers(tmp_path, capsys):
    settings = {"Organisation": "SayPro\nBcc: everyone@example.org", "As Of Date": AS_OF}
    path = write_scenario(tmp_path, settings=settings)
    assert cli.main(["remind", str(path), "--eml-dir", str(tmp_path / "out")]) == 0
    raw = (tmp_path / "out" / "Reminder_2025-06-30_ana@example.org.eml").read_bytes()
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["Bcc"] is None
    assert message["Subject"] == "SayPro Bcc: everyone@example.org reminder – 2025-06-30: 2 actions to follow up"
    assert b"\r\nBcc:" not in raw


def test_nothing_to_remind_is_said_and_exit_0(tmp_path, capsys):
    # On 2025-05-01 the earliest due date is R8's, 05-15, two weeks out (and R8 is Done); nothing is
    # overdue or blocked (R4's Blocked update is dated 06-20, after As Of). R5, flagged Escalate,
    # would go to leadership, so it is left out here.
    settings = {"Organisation": "SayPro", "As Of Date": d(2025, 5, 1)}
    rows = scenario_rows()
    actions = [a for a in rows["actions"] if a["Action ID"] != "R5"]
    path = write_scenario(tmp_path, settings=settings, actions=actions)
    assert cli.main(["remind", str(path), "--dry-run"]) == 0
    assert capsys.readouterr().out == ("Scenario.xlsx: no reminder to send on 2025-05-01: no open action is "
                                       "due within a week, overdue, blocked or escalated.\n")


# ------------------------------------------------------------------ a real SMTP server on loopback


class Inbox:
    """Keeps each envelope; refuses the recipients it is told to, as a real server would."""

    def __init__(self, refuse: set[str] = frozenset()):
        self.envelopes, self.refuse = [], refuse

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp():
    def start(**options):
        inbox = Inbox(options.pop("refuse", frozenset()))
        controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), **options)
        controller.start()
        started.append(controller)
        return inbox, controller.port

    started = []
    yield start
    for controller in started:
        controller.stop()


def test_every_reminder_reaches_a_real_smtp_server(scenario, smtp, capsys):
    inbox, port = smtp()
    code = cli.main(["remind", str(scenario), "--smtp", f"127.0.0.1:{port}", "--from", "me@example.org"])
    stdout, _ = capsys.readouterr()
    assert code == 0, stdout
    assert [e.rcpt_tos for e in inbox.envelopes] == [[address] for _, address, _, _ in EXPECTED]
    assert {e.mail_from for e in inbox.envelopes} == {"me@example.org"}
    for envelope, (name, address, levels, ids) in zip(inbox.envelopes, EXPECTED):
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        assert (message["To"], message["From"]) == (address, "me@example.org")
        text, html = parts_of(message)
        for action_id in ids:
            assert f"- {action_id} (" in text and f">{action_id}<" in html
    assert stdout.splitlines()[-1] == f"8 reminder(s) sent via 127.0.0.1:{port}, 0 failed"
    assert "Sent to Gus <gus@example.org> (R6, R9, R4)" in stdout


def test_a_refused_person_is_listed_and_the_others_still_get_theirs(scenario, smtp, capsys):
    inbox, port = smtp(refuse={"finn@example.org"})
    assert cli.main(["remind", str(scenario), "--smtp", f"127.0.0.1:{port}"]) == 1
    stdout, _ = capsys.readouterr()
    assert [e.rcpt_tos[0] for e in inbox.envelopes] == [a for _, a, _, _ in EXPECTED if a != "finn@example.org"]
    assert (f"FAILED Finn <finn@example.org> (R3, R5): SMTP server 127.0.0.1:{port} refused every recipient "
            "(finn@example.org); check the addresses.") in stdout.splitlines()
    assert stdout.splitlines()[-1] == f"7 reminder(s) sent via 127.0.0.1:{port}, 1 failed"


def test_the_login_uses_only_the_environment_and_one_connection(scenario, smtp, monkeypatch, capsys):
    from aiosmtpd.smtp import AuthResult, LoginPassword

    logins = []

    def authenticate(server, session, envelope, mechanism, auth_data):
        assert isinstance(auth_data, LoginPassword)
        logins.append((auth_data.login.decode(), auth_data.password.decode()))
        return AuthResult(success=auth_data.password == b"s3cret pass")

    inbox, port = smtp(authenticator=authenticate, auth_required=True, auth_require_tls=False)
    monkeypatch.setenv("SAYPRO_SMTP_PASSWORD", "s3cret pass")
    assert cli.main(["remind", str(scenario), "--smtp", f"127.0.0.1:{port}", "--user", "me@example.org"]) == 0
    assert logins == [("me@example.org", "s3cret pass")]  # eight messages, one login
    assert len(inbox.envelopes) == 8
    assert {e.mail_from for e in inbox.envelopes} == {"me@example.org"}


def test_no_password_is_sent_in_clear_to_another_machine(scenario, monkeypatch, capsys):
    monkeypatch.setenv("SAYPRO_SMTP_PASSWORD", "s3cret pass")
    code = cli.main(["remind", str(scenario), "--smtp", "smtp.example.org", "--user", "me@example.org"])
    assert code == 1
    assert capsys.readouterr().err.endswith(
        "saypro-xl: Refusing to send the password for me@example.org unencrypted to smtp.example.org:25; "
        "add --starttls.\n")


def test_a_server_that_is_not_there_is_one_sentence(scenario, capsys):
    port = free_port()
    assert cli.main(["remind", str(scenario), "--smtp", f"127.0.0.1:{port}"]) == 1
    assert capsys.readouterr().err.endswith(
        f"saypro-xl: Could not connect to SMTP server 127.0.0.1:{port}: Connection refused.\n")
