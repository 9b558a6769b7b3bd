"""Mail: the pack reaches a real SMTP server on loopback byte-identical; bad headers never leave."""

from __future__ import annotations

import email
import email.policy
import shutil
import socket
import ssl
import subprocess
import zipfile
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from saypro_xl.mail import (
    MailError,
    MailInputError,
    build_message,
    default_subject,
    parse_smtp_target,
    save_eml,
    send_smtp,
    split_addresses,
)
from saypro_xl.xlsx import new_workbook

# aiosmtpd warns (rightly) about AUTH without TLS; these servers live on loopback only.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# ------------------------------------------------------------------ fixtures


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    path = tmp_path / "Leadership_Pack_2025-04-25.xlsx"
    workbook = new_workbook(path)
    sheet = workbook.add_worksheet("Dashboard")
    sheet.write_string(0, 0, "KPI")
    sheet.write_number(1, 0, 42.5)
    workbook.close()
    return path


class Inbox:
    """An aiosmtpd handler that keeps what it was given."""

    def __init__(self) -> None:
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A real SMTP server on loopback; with `login=True` it demands AUTH before mail."""

    def __init__(self, login: bool = False, tls_context: ssl.SSLContext | None = None) -> None:
        self.inbox = Inbox()
        self.logins: list[tuple[str, str]] = []
        self.port = free_port()
        options = {}
        if tls_context:
            options.update(tls_context=tls_context, require_starttls=True)
        if login:
            options.update(
                authenticator=self.authenticate,
                auth_required=True,
                # Plain AUTH is acceptable only because this is loopback.
                auth_require_tls=bool(tls_context),
            )
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port, **options)

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        assert isinstance(auth_data, LoginPassword)
        login, password = auth_data.login.decode(), auth_data.password.decode()
        self.logins.append((login, password))
        ok = (login, password) == ("me@saypro.example", "s3cret pass")
        return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535 itself


@pytest.fixture
def smtp_server():
    server = Server()
    server.controller.start()
    yield server
    server.controller.stop()


@pytest.fixture
def auth_server():
    server = Server(login=True)
    server.controller.start()
    yield server
    server.controller.stop()


def attachment_of(parsed) -> tuple[str, str, bytes]:
    parts = list(parsed.iter_attachments())
    assert len(parts) == 1
    part = parts[0]
    return part.get_content_type(), part.get_filename(), part.get_payload(decode=True)


# ------------------------------------------------------------------ building


def test_default_subject_comes_from_the_file_name():
    assert default_subject(Path("Leadership_Pack_2025-04-25.xlsx")) == "SayPro Leadership Pack – 2025-04-25"
    assert default_subject(Path("Leadership_Pack_Consolidated_2025-05-02.xlsx")) == (
        "SayPro Leadership Pack Consolidated – 2025-05-02"
    )
    # Not a pack by its name (and no file to look inside): called what it is, a workbook.
    assert default_subject(Path("SayPro_Consolidated_Pack_2025-05-02.xlsx")) == (
        "SayPro workbook SayPro_Consolidated_Pack_2025-05-02.xlsx"
    )
    assert default_subject(Path("pack.xlsx")) == "SayPro workbook pack.xlsx"


def test_message_has_headers_body_and_the_exact_attachment(pack):
    message = build_message(pack, ["ceo@saypro.example"], cc=["Jane Doe <coo@saypro.example>"],
                            sender="me@saypro.example")
    assert message["To"] == "ceo@saypro.example"
    assert message["Cc"] == "Jane Doe <coo@saypro.example>"
    assert message["From"] == "me@saypro.example"
    assert message["Subject"] == "SayPro Leadership Pack – 2025-04-25"
    body = message.get_body(("plain",)).get_content()
    assert "Leadership_Pack_2025-04-25.xlsx" in body
    assert "no macros" in body
    assert attachment_of(message) == (XLSX_TYPE, pack.name, pack.read_bytes())


@pytest.mark.parametrize(
    "field, kwargs",
    [
        ("subject", {"subject": "Pack\r\nBcc: victim@evil.example"}),
        ("subject", {"subject": "Pack\nX-Injected: 1"}),
        ("subject", {"subject": "Pack\x00"}),
        ("To address", {"to": ["ceo@saypro.example\nBcc: victim@evil.example"]}),
        ("Cc address", {"cc": ["coo@saypro.example\r\n"]}),
        ("sender address", {"sender": "me@saypro.example\nBcc: x@evil.example"}),
    ],
)
def test_a_line_break_in_a_header_is_refused(pack, field, kwargs):
    args = {"to": ["ceo@saypro.example"], **kwargs}
    expected = f"^The {field} .* contains a line break or control character; give it on one line.$"
    with pytest.raises(MailError, match=expected):
        build_message(pack, **args)


def test_empty_to_and_bad_addresses_are_refused(pack):
    with pytest.raises(MailError, match="^The message has no recipient; give at least one To address.$"):
        build_message(pack, [])
    with pytest.raises(MailError, match='^The To address "ceo.saypro.example" is not a mail address'):
        build_message(pack, ["ceo.saypro.example"])
    with pytest.raises(MailError, match='^The Cc address "a b@saypro.example" is not a mail address'):
        build_message(pack, ["ceo@saypro.example"], cc=["a b@saypro.example"])
    with pytest.raises(MailError, match='^The To address "a@saypro.example, b@saypro.example" holds more'):
        build_message(pack, ["a@saypro.example, b@saypro.example"])
    with pytest.raises(MailError, match="is not a mail address"):
        build_message(pack, ["a@b@saypro.example"])
    # A display name may hold a comma when quoted.
    message = build_message(pack, ['"Doe, Jane" <jane@saypro.example>'])
    assert message["To"].addresses[0].addr_spec == "jane@saypro.example"


def test_missing_attachment_is_refused(tmp_path):
    with pytest.raises(MailInputError, match=r"Leadership_Pack_2025-04-25.xlsx does not exist; check the path, "
                                             r"or build the pack first with `saypro-xl report`.$"):
        build_message(tmp_path / "Leadership_Pack_2025-04-25.xlsx", ["ceo@saypro.example"])


def test_a_macro_workbook_is_refused(tmp_path, pack):
    xlsm = tmp_path / "Tracker.xlsm"
    xlsm.write_bytes(pack.read_bytes())
    with pytest.raises(MailError, match=r"^Tracker.xlsm is a macro-capable workbook \(.xlsm\)"):
        build_message(xlsm, ["ceo@saypro.example"])

    # Renaming an .xlsm to .xlsx does not hide its VBA project.
    disguised = tmp_path / "Leadership_Pack_2025-04-26.xlsx"
    with zipfile.ZipFile(pack) as src, zipfile.ZipFile(disguised, "w") as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item))
        dst.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0 not really VBA")
    with pytest.raises(MailError, match=r"contains macros \(vbaProject.bin\) although it is named .xlsx"):
        build_message(disguised, ["ceo@saypro.example"])


def test_a_file_that_is_not_a_workbook_is_refused(tmp_path):
    junk = tmp_path / "Leadership_Pack_2025-04-25.xlsx"
    junk.write_bytes(b"this is not a zip")
    with pytest.raises(MailError, match="is not a readable .xlsx workbook"):
        build_message(junk, ["ceo@saypro.example"])


def test_split_addresses():
    assert split_addresses(["a@x.example, b@x.example", "c@x.example;", " "]) == [
        "a@x.example", "b@x.example", "c@x.example",
    ]


# ------------------------------------------------------------------ .eml


def test_eml_is_written_and_parses_back_byte_identical(tmp_path, pack):
    message = build_message(pack, ["ceo@saypro.example"], cc=["coo@saypro.example"], subject="April pack")
    out = save_eml(message, tmp_path / "out" / "pack.eml")
    assert out == tmp_path / "out" / "pack.eml"
    assert [p.name for p in out.parent.iterdir()] == ["pack.eml"]  # no temporary left behind
    parsed = email.message_from_bytes(out.read_bytes(), policy=email.policy.default)
    assert parsed["Subject"] == "April pack"
    assert parsed["To"] == "ceo@saypro.example"
    assert parsed["Cc"] == "coo@saypro.example"
    assert parsed["From"] is None  # a draft: the mail client fills the sender
    assert attachment_of(parsed) == (XLSX_TYPE, pack.name, pack.read_bytes())


# ------------------------------------------------------------------ SMTP


def test_pack_is_delivered_byte_identical(smtp_server, pack):
    message = build_message(pack, ["ceo@saypro.example", "cfo@saypro.example"], cc=["coo@saypro.example"],
                            sender="me@saypro.example")
    send_smtp(message, "127.0.0.1", smtp_server.port)

    [envelope] = smtp_server.inbox.envelopes
    assert envelope.mail_from == "me@saypro.example"
    assert sorted(envelope.rcpt_tos) == ["ceo@saypro.example", "cfo@saypro.example", "coo@saypro.example"]
    received = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
    assert received["To"] == "ceo@saypro.example, cfo@saypro.example"
    assert received["Cc"] == "coo@saypro.example"
    assert received["Subject"] == "SayPro Leadership Pack – 2025-04-25"
    assert attachment_of(received) == (XLSX_TYPE, pack.name, pack.read_bytes())


def test_missing_sender_is_filled_in_when_sending(smtp_server, pack):
    send_smtp(build_message(pack, ["ceo@saypro.example"]), "127.0.0.1", smtp_server.port)
    [envelope] = smtp_server.inbox.envelopes
    assert "@" in envelope.mail_from


def test_login_uses_the_password_from_the_environment(auth_server, pack, monkeypatch):
    monkeypatch.setenv("SAYPRO_SMTP_PASSWORD", "s3cret pass")
    message = build_message(pack, ["ceo@saypro.example"])
    send_smtp(message, "127.0.0.1", auth_server.port, user="me@saypro.example")
    assert auth_server.logins == [("me@saypro.example", "s3cret pass")]
    [envelope] = auth_server.inbox.envelopes
    assert envelope.mail_from == "me@saypro.example"  # the login doubles as sender
    received = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
    assert attachment_of(received)[2] == pack.read_bytes()


def test_another_variable_can_hold_the_password(auth_server, pack, monkeypatch):
    monkeypatch.delenv("SAYPRO_SMTP_PASSWORD", raising=False)
    monkeypatch.setenv("PACK_MAIL_PW", "s3cret pass")
    send_smtp(build_message(pack, ["ceo@saypro.example"]), "127.0.0.1", auth_server.port,
              user="me@saypro.example", password_env="PACK_MAIL_PW")
    assert len(auth_server.inbox.envelopes) == 1


def test_a_wrong_password_is_one_sentence(auth_server, pack, monkeypatch):
    monkeypatch.setenv("SAYPRO_SMTP_PASSWORD", "guess")
    with pytest.raises(MailError, match=rf"^SMTP server 127.0.0.1:{auth_server.port} refused the login of "
                                        r"me@saypro.example \(535 [^)]*\); the message is saved as "
                                        r"Leadership_Pack_2025-04-25\.unsent\.eml in .+: open it in your "
                                        r"mail app and send it from there\.$"):
        send_smtp(build_message(pack, ["ceo@saypro.example"]), "127.0.0.1", auth_server.port,
                  user="me@saypro.example")
    assert auth_server.inbox.envelopes == []


def test_user_without_password_variable_names_the_variable(auth_server, pack, monkeypatch):
    monkeypatch.delenv("SAYPRO_SMTP_PASSWORD", raising=False)
    with pytest.raises(MailError, match="^SMTP user me@saypro.example needs a password: "
                                        "set the environment variable SAYPRO_SMTP_PASSWORD.$"):
        send_smtp(build_message(pack, ["ceo@saypro.example"]), "127.0.0.1", auth_server.port,
                  user="me@saypro.example")
    assert auth_server.logins == []


def test_password_is_not_sent_unencrypted_to_another_machine(pack, monkeypatch):
    monkeypatch.setenv("SAYPRO_SMTP_PASSWORD", "s3cret pass")
    # Refused before any connection is attempted, so no network is needed.
    with pytest.raises(MailError, match="^Refusing to send the password for me@saypro.example unencrypted "
                                        "to smtp.saypro.example:587; add --starttls.$"):
        send_smtp(build_message(pack, ["ceo@saypro.example"]), "smtp.saypro.example", 587,
                  user="me@saypro.example")


def test_starttls_against_a_server_without_it_is_refused(smtp_server, pack):
    port = smtp_server.port
    with pytest.raises(MailError, match=rf"^SMTP server 127.0.0.1:{port} does not offer STARTTLS;"):
        send_smtp(build_message(pack, ["ceo@saypro.example"]), "127.0.0.1", port, starttls=True)
    assert smtp_server.inbox.envelopes == []


@pytest.fixture
def self_signed(tmp_path) -> tuple[Path, Path]:
    if not shutil.which("openssl"):
        pytest.skip("the openssl command is not installed, so no certificate can be made for STARTTLS")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )
    return cert, key


def test_starttls_login_and_delivery(self_signed, pack, monkeypatch):
    cert, key = self_signed
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    server = Server(login=True, tls_context=context)
    server.controller.start()
    try:
        # The client verifies the server's certificate against the default trust store,
        # which OpenSSL lets a test point at one file.
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))
        monkeypatch.setenv("SAYPRO_SMTP_PASSWORD", "s3cret pass")
        send_smtp(build_message(pack, ["ceo@saypro.example"]), "127.0.0.1", server.port,
                  starttls=True, user="me@saypro.example")
    finally:
        server.controller.stop()
    assert server.logins == [("me@saypro.example", "s3cret pass")]
    [envelope] = server.inbox.envelopes
    received = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
    assert attachment_of(received)[2] == pack.read_bytes()


def test_starttls_with_an_untrusted_certificate_is_one_sentence(self_signed, pack, monkeypatch):
    cert, key = self_signed
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    server = Server(tls_context=context)
    server.controller.start()
    try:
        monkeypatch.delenv("SSL_CERT_FILE", raising=False)
        with pytest.raises(MailError, match=rf"^TLS with SMTP server 127.0.0.1:{server.port} failed: "
                                            r"CERTIFICATE_VERIFY_FAILED; the message is saved as "
                                            r"Leadership_Pack_2025-04-25\.unsent\.eml in "):
            send_smtp(build_message(pack, ["ceo@saypro.example"]), "127.0.0.1", server.port, starttls=True)
    finally:
        server.controller.stop()
    assert server.inbox.envelopes == []


def test_no_server_listening_is_one_sentence(pack):
    port = free_port()
    with pytest.raises(MailError, match=rf"^Could not connect to SMTP server 127.0.0.1:{port}: "
                                        r"Connection refused; the message is saved as "
                                        r"Leadership_Pack_2025-04-25\.unsent\.eml in .+: open it in your "
                                        r"mail app and send it from there\.$"):
        send_smtp(build_message(pack, ["ceo@saypro.example"]), "127.0.0.1", port, timeout=5)


def test_header_injection_is_refused_before_connecting(smtp_server, pack):
    with pytest.raises(MailError, match="line break"):
        send_smtp(build_message(pack, ["ceo@saypro.example"], subject="Hi\nBcc: x@evil.example"),
                  "127.0.0.1", smtp_server.port)
    assert smtp_server.inbox.envelopes == []


# ------------------------------------------------------------------ HOST:PORT


@pytest.mark.parametrize(
    "text, expected",
    [
        ("smtp.example.org:587", ("smtp.example.org", 587)),
        ("127.0.0.1:25", ("127.0.0.1", 25)),
        ("[::1]:2525", ("::1", 2525)),
        (" mail:465 ", ("mail", 465)),
    ],
)
def test_parse_smtp_target(text, expected):
    assert parse_smtp_target(text) == expected


@pytest.mark.parametrize(
    "text", ["smtp.example.org", "smtp.example.org:", ":25", "a b:25", "host:port", "::1:25"]
)
def test_parse_smtp_target_refuses_junk(text):
    with pytest.raises(MailError, match=r"must be HOST:PORT, e.g. smtp.example.org:587.$"):
        parse_smtp_target(text)


def test_parse_smtp_target_refuses_a_port_out_of_range():
    with pytest.raises(MailError, match="^SMTP port 70000 is out of range"):
        parse_smtp_target("smtp.example.org:70000")
