"""Send the leadership pack, or reminders: build the message, then deliver it by SMTP or save it as .eml.

Standard library only. Three promises: no header can be smuggled in through a subject or an
address, the pack that leaves is macro-free, and a password never appears on a command line
or in a file (it comes only from an environment variable). Reminders (saypro_xl.reminders) are
text messages without an attachment (build_text_message), sent over one connection
(send_smtp_all) with the same checks.
"""

from __future__ import annotations

import base64
import email.policy
import html
import json
import getpass
import ipaddress
import os
import re
import smtplib
import socket
import ssl
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, getaddresses, make_msgid, parseaddr
from pathlib import Path

from saypro_xl import reminders
from saypro_xl.reminders import Plan, Reminder
from saypro_xl.xlsx import atomic_path

XLSX_MIME = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
PASSWORD_ENV = "SAYPRO_SMTP_PASSWORD"

# Excel formats that can carry VBA; the pack must be opened by anyone without enabling anything.
MACRO_SUFFIXES = {".xlsm", ".xlsb", ".xltm", ".xlam", ".xls"}

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


# What most mail servers accept in one message (Gmail 25 MB; Exchange Online 35 MB by default,
# many organisations less). The attachment travels in base64, a third larger. A server that
# announces a smaller limit (SMTP SIZE) is held to its own.
MAX_MESSAGE_BYTES = 25_000_000


class MailError(Exception):
    """The message could not be built or delivered; the text is one sentence for the user."""


class _NotTried(MailError):
    """Refused before any server was asked (no password, a login that would go unencrypted)."""


class PackMessage(EmailMessage):
    """A message that carries a workbook (build_message): it knows the file, so that a failed
    send leaves the message beside it as an .eml to send from a mail app."""

    attachment: Path | None = None


class MailInputError(MailError):
    """What was given cannot be used (attachment, address, subject, server); nothing was sent.

    The command line exits 2 for these, as for any unusable file or wrong argument, and 1
    for a MailError met while delivering.
    """


# ------------------------------------------------------------------ addresses and headers


def _quoted(value: object) -> str:
    """A value the user typed, as every message shows one: in double quotes, control characters
    escaped (a line break shows as \\n). File names are never quoted."""
    shown = json.dumps(value if isinstance(value, str) else repr(value), ensure_ascii=False)
    # json escapes the ASCII controls; these line breaks and bidi overrides it leaves as they are.
    return re.sub("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]", lambda m: f"\\u{ord(m.group()):04x}", shown)


def _refuse_line_breaks(value: str, what: str) -> None:
    # A CR or LF in a header value would let text after it become a header of its own;
    # other control characters (NUL, form feed...) have no business in a header either, nor
    # the Unicode line breaks str.splitlines() honours (NEL, LINE and PARAGRAPH SEPARATOR).
    if any(ord(ch) < 32 and ch != "\t" or ch in "\x7f\x85\u2028\u2029" for ch in value):
        raise MailInputError(
            f"The {what} {_quoted(value)} contains a line break or control character; give it on one line."
        )


def check_address(address: str, what: str = "address") -> str:
    """Return `address` stripped, or raise MailError if it cannot be a single mail address."""
    if not isinstance(address, str):
        raise MailInputError(f"The {what} {_quoted(address)} is not text; give an address like name@example.org.")
    _refuse_line_breaks(address, what)
    address = address.strip()
    parsed = getaddresses([address])
    if len(parsed) > 1 and ("," in address or ";" in address):
        raise MailInputError(f"The {what} {_quoted(address)} holds more than one address; give each one separately.")
    bare = parsed[0][1] if len(parsed) == 1 else ""
    local, at, domain = bare.partition("@")
    if not (local and at and domain) or "@" in domain or any(ch.isspace() for ch in bare):
        raise MailInputError(f"The {what} {_quoted(address)} is not a mail address; give one like name@example.org.")
    return address


def split_addresses(values: Iterable[str]) -> list[str]:
    """Addresses from values that may each hold several, separated by commas or semicolons.

    Settings' Email To cell and a repeated --to option both end up here.
    """
    found: list[str] = []
    for value in values:
        for part in re.split(r"[,;]", value):
            if part.strip():
                found.append(part.strip())
    return found


PACK_NAME = re.compile(r"Leadership_Pack_(?!Consolidated_)", re.I)
CONSOLIDATED_NAME = re.compile(r"Leadership_Pack_Consolidated_", re.I)
# The sheets our writers give a pack; a renamed pack is still recognised by them.
PACK_SHEETS = {"Dashboard", "Findings", "Timeline", "Agenda"}
CONSOLIDATED_SHEETS = {"Overview", "All KPIs", "All Actions"}


@dataclass(frozen=True)
class Attached:
    """What a workbook about to be mailed is, in the words the message uses for it."""

    kind: str  # "pack", "consolidated pack" or "workbook"
    name: str  # the file name
    external_links: bool = False  # links to other workbooks a recipient may not reach

    @property
    def phrase(self) -> str:
        """'Leadership_Pack_2025-04-25.xlsx, the leadership pack (...)' or 'the workbook T.xlsx'."""
        if self.kind == "pack":
            return (f"{self.name}, the leadership pack (dashboard, findings, implementation "
                    "timeline and meeting agenda)")
        if self.kind == "consolidated pack":
            return f"{self.name}, the organisation-wide leadership pack (every tracker side by side)"
        return f"the workbook {self.name}"


def describe_attachment(attachment: Path) -> Attached:
    """Say truthfully what `attachment` is: a leadership pack by its file name
    (Leadership_Pack_*.xlsx) or its sheets, otherwise just a workbook by its name."""
    attachment = Path(attachment)
    sheets, links = _sheets_and_links(attachment)
    if CONSOLIDATED_NAME.match(attachment.name) or CONSOLIDATED_SHEETS <= sheets:
        kind = "consolidated pack"
    elif PACK_NAME.match(attachment.name) or PACK_SHEETS <= sheets:
        kind = "pack"
    else:
        kind = "workbook"
    return Attached(kind, attachment.name, links)


def _sheets_and_links(attachment: Path) -> tuple[set[str], bool]:
    """Sheet names and whether external-link parts exist; empty when the file cannot be read."""
    try:
        with zipfile.ZipFile(attachment) as package:
            names = package.namelist()
            workbook = package.read("xl/workbook.xml").decode("utf-8", "replace")
    except (OSError, KeyError, zipfile.BadZipFile):
        return set(), False
    sheets = {html.unescape(m) for m in re.findall(r"<(?:\w+:)?sheet\b[^>]*?\bname=\"([^\"]*)\"", workbook)}
    links = any(n.lower().startswith("xl/externallinks/") for n in names)
    return sheets, links


def default_subject(attachment: Path) -> str:
    """The subject naming what is attached.

    'Leadership_Pack_2025-04-25.xlsx' -> 'SayPro Leadership Pack – 2025-04-25'; a pack under
    another name -> 'SayPro Leadership Pack – pack.xlsx'; any other workbook ->
    'SayPro workbook Tracker.xlsx'.
    """
    attachment = Path(attachment)
    what = describe_attachment(attachment)
    if what.kind == "workbook":
        return f"SayPro workbook {attachment.name}"
    if not (PACK_NAME.match(attachment.name) or CONSOLIDATED_NAME.match(attachment.name)):
        title = "Leadership Pack Consolidated" if what.kind == "consolidated pack" else "Leadership Pack"
        return f"SayPro {title} – {attachment.name}"
    stem = attachment.stem
    date = _ISO_DATE.search(stem)
    title = _ISO_DATE.sub("", stem) if date else stem
    title = " ".join(re.sub(r"[_\-]+", " ", title).split())
    return f"SayPro {title} – {date.group(0)}" if date else f"SayPro {title}"


def _default_body(attachment: Path) -> str:
    what = describe_attachment(attachment)
    if what.external_links:
        safety = ("It has no macros, so it opens without enabling anything; it links to other "
                  "workbooks, whose values a recipient may not be able to refresh.")
    else:
        safety = ("It is a plain Excel workbook with no macros and no external links: it opens in "
                  "Excel, LibreOffice or a phone's mail app without enabling anything.")
    return f"Hello,\n\nAttached is {what.phrase}.\n\n{safety}\n\nSent by saypro-xl.\n"


def check_macro_free(attachment: Path) -> None:
    """Refuse a workbook that can carry VBA: by its extension, or by a vbaProject.bin inside."""
    suffix = attachment.suffix.lower()
    if suffix in MACRO_SUFFIXES:
        raise MailInputError(
            f"{attachment.name} is a macro-capable workbook ({suffix}); "
            "send the macro-free leadership pack (.xlsx) instead."
        )
    if suffix != ".xlsx":
        raise MailInputError(f"{attachment.name} is not an .xlsx workbook; send a macro-free .xlsx "
                             "such as the leadership pack.")
    try:
        with zipfile.ZipFile(attachment) as package:
            names = package.namelist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise MailInputError(f"{attachment.name} is not a readable .xlsx workbook ({exc}).") from None
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        raise MailInputError(
            f"{attachment.name} contains macros (vbaProject.bin) although it is named .xlsx; "
            "send the macro-free leadership pack instead."
        )


def build_message(
    attachment: Path,
    to: list[str],
    cc: Iterable[str] = (),
    subject: str | None = None,
    sender: str | None = None,
    body: str | None = None,
) -> EmailMessage:
    """A plain-text message with the pack attached, every header checked first.

    From is set only when `sender` is given: a saved .eml may stay a draft, and send_smtp
    fills it in when it is missing.
    """
    attachment = Path(attachment)
    to_addresses, cc_addresses, sender = _checked_addresses(to, cc, sender)
    if subject is None:
        subject = default_subject(attachment)
    subject = _checked_subject(subject)
    if not attachment.is_file():
        raise MailInputError(f"The attachment {attachment} does not exist; check the path, or build "
                             "the pack first with `saypro-xl report`.")
    check_macro_free(attachment)
    _check_size(attachment)

    message = _addressed(to_addresses, cc_addresses, subject, sender, PackMessage)
    message.set_content(body if body is not None else _default_body(attachment))
    maintype, subtype = XLSX_MIME
    message.add_attachment(
        attachment.read_bytes(), maintype=maintype, subtype=subtype, filename=attachment.name
    )
    message.attachment = attachment
    return message


def _encoded_size(size: int) -> int:
    """Bytes of `size` bytes in base64, in lines of 76 characters and CRLF, as a message carries them."""
    return (size + 56) // 57 * 78


def _check_size(attachment: Path, limit: int | None = None, server: str = "") -> None:
    limit = limit or MAX_MESSAGE_BYTES
    size = attachment.stat().st_size
    encoded = _encoded_size(size)
    if encoded + 64_000 > limit:  # the text and headers of the message need room too
        whose = f"SMTP server {server} accepts" if server else "most mail servers accept"
        raise MailInputError(
            f"{attachment.name} is {_mb(size)} MB, {_mb(encoded)} MB once encoded for mail, more than the "
            f"{_mb(limit)} MB {whose}; share it from a shared drive and mail the link instead."
        )


def _mb(count: int) -> str:
    """Megabytes as mail providers count them (10^6 bytes), to one decimal when it matters: 25, 18.4."""
    return f"{count / 1e6:,.1f}".removesuffix(".0")


def build_text_message(
    to: list[str] | str,
    subject: str,
    text: str,
    html_text: str | None = None,
    cc: Iterable[str] = (),
    sender: str | None = None,
) -> EmailMessage:
    """A message with no attachment: plain text, and an HTML alternative when given.

    The same checks as build_message: every address is one address, no header holds a line
    break. The HTML must already be escaped by its maker (see saypro_xl.reminders).
    """
    to_addresses, cc_addresses, sender = _checked_addresses(to, cc, sender)
    message = _addressed(to_addresses, cc_addresses, _checked_subject(subject), sender)
    message.set_content(text)
    if html_text is not None:
        message.add_alternative(html_text, subtype="html")
    return message


def _checked_addresses(to, cc, sender) -> tuple[list[str], list[str], str | None]:
    if isinstance(to, str):
        to = [to]
    if isinstance(cc, str):
        cc = [cc]
    to_addresses = [check_address(a, "To address") for a in to]
    cc_addresses = [check_address(a, "Cc address") for a in cc]
    if not to_addresses:
        raise MailInputError("The message has no recipient; give at least one To address.")
    if sender is not None:
        sender = check_address(sender, "sender address")
    return to_addresses, cc_addresses, sender


def _checked_subject(subject: str) -> str:
    _refuse_line_breaks(subject, "subject")
    if not subject.strip():
        raise MailInputError("The subject is empty; give a subject or leave it out for the default.")
    return subject.strip()


def _addressed(to: list[str], cc: list[str], subject: str, sender: str | None,
               kind: type[EmailMessage] = EmailMessage) -> EmailMessage:
    """A new message with its checked headers: Subject, From (when given), To, Cc, Date, Message-ID."""
    message = kind()
    message["Subject"] = subject
    if sender:
        message["From"] = sender
    message["To"] = ", ".join(to)
    if cc:
        message["Cc"] = ", ".join(cc)
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=_domain_of(sender) if sender else None)
    return message


def _domain_of(address: str) -> str:
    return parseaddr(address)[1].rsplit("@", 1)[-1]


# ------------------------------------------------------------------ delivery


def default_smtp_port(starttls: bool) -> int:
    """587 (submission, where STARTTLS is offered) with --starttls, else 25 (plain SMTP)."""
    return 587 if starttls else 25


def parse_smtp_target(target: str, default_port: int | None = None) -> tuple[str, int]:
    """'smtp.example.org:587' -> ('smtp.example.org', 587); '[::1]:25' for IPv6.

    Without a port ('smtp.example.org', '[::1]') the port is `default_port`; when that is
    None a port is required.
    """
    form = "HOST or HOST:PORT" if default_port else "HOST:PORT"
    usage = f"SMTP server {_quoted(target)} must be {form}, e.g. smtp.example.org:587."
    match = re.fullmatch(r"\[([0-9A-Fa-f:.]+)\](?::(\d+))?|([^\s:\[\]]+)(?::(\d+))?", target.strip())
    if not match:
        raise MailInputError(usage)
    host = match.group(1) or match.group(3)
    digits = match.group(2) or match.group(4)
    if digits is None:
        if default_port is None:
            raise MailInputError(usage)
        return host, default_port
    port = int(digits)
    if not 1 <= port <= 65535:
        raise MailInputError(f"SMTP port {port} is out of range; use a port from 1 to 65535, e.g. 587.")
    return host, port


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _server_text(exc: smtplib.SMTPResponseException) -> str:
    text = exc.smtp_error
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{exc.smtp_code} {' '.join(text.split())}".strip()


def _reason(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "timed out"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


def send_smtp(
    message: EmailMessage,
    host: str,
    port: int,
    *,
    starttls: bool = False,
    user: str | None = None,
    password_env: str = PASSWORD_ENV,
    timeout: float = 30,
) -> None:
    """Deliver `message` to every To and Cc recipient through one SMTP server.

    The password is read only from the environment variable `password_env`. A login is
    refused over an unencrypted connection unless the server is on this machine. A message
    without From gets the login (when it is an address) or user@this-host.
    Every failure becomes one MailError sentence naming the server.
    """
    had_sender = message["From"] is not None
    try:
        [problem] = send_smtp_all([message], host, port, starttls=starttls, user=user,
                                  password_env=password_env, timeout=timeout)
    except _NotTried:
        raise  # the command line is to change, not the message
    except MailInputError:
        raise  # a pack over the server's size: no mail app will send it either
    except MailError as exc:
        problem = str(exc)
    if problem:
        raise MailError(_kept(message, problem, had_sender))


def unsent_path(attachment: Path) -> Path:
    """Where a message that could not be sent is left: beside its workbook, <stem>.unsent.eml."""
    return attachment.with_name(f"{attachment.stem}.unsent.eml")


def _kept(message: EmailMessage, problem: str, had_sender: bool) -> str:
    """`problem`, and where the unsent message now waits, when it carries a workbook."""
    attachment = getattr(message, "attachment", None)
    if attachment is None:
        return problem
    if not had_sender:
        del message["From"]  # filled in for the server; the mail app puts its own
    message["X-Unsent"] = "1"  # Outlook opens it as a draft, ready to send
    path = unsent_path(attachment)
    try:
        save_eml(message, path)
    except OSError as exc:
        return f"{problem[:-1]}; it could not be saved as {path.name} either ({exc.strerror or exc})."
    return (f"{problem[:-1]}; the message is saved as {path.name} in {path.parent}: open it in your mail "
            "app and send it from there.")


def send_smtp_all(
    messages: Sequence[EmailMessage],
    host: str,
    port: int,
    *,
    starttls: bool = False,
    user: str | None = None,
    password_env: str = PASSWORD_ENV,
    timeout: float = 30,
) -> list[str | None]:
    """Deliver several messages over one SMTP connection (one login), with send_smtp's promises.

    A message the server refuses does not stop the others: the answer has one entry per
    message, None when every recipient took it, else the sentence saying who refused it. A
    failure of the connection or the login raises MailError; with several messages it says
    how many were sent before it. No sentence carries the password, not even where a server
    echoes the login it refused.
    """
    secrets = _secret_forms(user, os.environ.get(password_env) if user else None)
    try:
        results = _send_smtp_all(messages, host, port, starttls=starttls, user=user,
                                 password_env=password_env, timeout=timeout)
    except MailError as exc:
        raise type(exc)(_without_secrets(str(exc), secrets)) from None
    return [_without_secrets(r, secrets) if r else r for r in results]


def _secret_forms(user: str | None, password: str | None) -> list[str]:
    """The password as text and as AUTH PLAIN and AUTH LOGIN send it (base64)."""
    if not password:
        return []
    login = user or ""
    forms = (password, f"\0{login}\0{password}", f"{login}\0{login}\0{password}")
    secrets = [password] + [base64.b64encode(form.encode("utf-8")).decode("ascii") for form in forms]
    return [secret for secret in secrets if len(secret) >= 4]  # a 1-letter "password" would blank every "a"


def _without_secrets(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, "***")
    return text


def _send_smtp_all(
    messages: Sequence[EmailMessage],
    host: str,
    port: int,
    *,
    starttls: bool,
    user: str | None,
    password_env: str,
    timeout: float,
) -> list[str | None]:
    where = f"{host}:{port}"
    password = None
    if user:
        password = os.environ.get(password_env)
        if not password:
            raise _NotTried(
                f"SMTP user {user} needs a password: set the environment variable {password_env}."
            )
        if not starttls and not _is_loopback(host):
            raise _NotTried(
                f"Refusing to send the password for {user} unencrypted to {where}; add --starttls."
            )
    for message in messages:
        if message["From"] is None:
            message["From"] = user if user and "@" in user else _local_sender()

    results: list[str | None] = []
    sent, sending = 0, False
    try:
        with smtplib.SMTP(host, port, timeout=timeout) as smtp:
            smtp.ehlo()
            if starttls:
                if not smtp.has_extn("starttls"):
                    raise MailError(
                        f"SMTP server {where} does not offer STARTTLS; "
                        "drop --starttls or use a server that does."
                    )
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if user:
                if not smtp.has_extn("auth"):
                    raise MailError(
                        f"SMTP server {where} does not accept a login; drop --user for this server."
                    )
                smtp.login(user, password)
            limit = _server_limit(smtp)
            sending = True
            for message in messages:
                attachment = getattr(message, "attachment", None)
                if attachment is not None and limit:
                    _check_size(attachment, limit, where)
                problem = _send_one(smtp, message, where)
                results.append(problem)
                sent += problem is None
    except MailError:
        raise  # a MailInputError (a pack over the server's size) included
    except smtplib.SMTPAuthenticationError as exc:
        raise MailError(f"SMTP server {where} refused the login of {user} ({_server_text(exc)}).") from None
    except smtplib.SMTPResponseException as exc:
        raise MailError(f"SMTP server {where} answered with an error ({_server_text(exc)})"
                        f"{_how_many_sent(sent, messages, sending)}.") from None
    except smtplib.SMTPServerDisconnected as exc:
        raise MailError(f"SMTP server {where} closed the connection ({_reason(exc)})"
                        f"{_how_many_sent(sent, messages, sending)}.") from None
    except smtplib.SMTPException as exc:
        raise MailError(f"SMTP with {where} failed ({_reason(exc)}){_how_many_sent(sent, messages, sending)}.") from None
    except ssl.SSLError as exc:
        raise MailError(f"TLS with SMTP server {where} failed: {exc.reason or exc}.") from None
    except (OSError, UnicodeError) as exc:
        raise MailError(f"Could not connect to SMTP server {where}: {_reason(exc)}"
                        f"{_how_many_sent(sent, messages, sending)}.") from None
    return results


def _server_limit(smtp: smtplib.SMTP) -> int:
    """The message size the server announced (SMTP SIZE), when smaller than MAX_MESSAGE_BYTES; else 0."""
    try:
        announced = int(smtp.esmtp_features.get("size", "0").split()[0] or 0)
    except (ValueError, IndexError):
        return 0
    return announced if 0 < announced < MAX_MESSAGE_BYTES else 0


def _send_one(smtp: smtplib.SMTP, message: EmailMessage, where: str) -> str | None:
    """Send one message on an open connection; None when every recipient took it, else why not.

    smtplib resets the transaction after a refusal, so the next message can follow.
    """
    try:
        refused = smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused as exc:
        names = ", ".join(exc.recipients)
        return f"SMTP server {where} refused every recipient ({names}); check the addresses."
    except smtplib.SMTPSenderRefused as exc:
        return f"SMTP server {where} refused the sender {exc.sender} ({_server_text(exc)})."
    except smtplib.SMTPDataError as exc:
        return f"SMTP server {where} answered with an error ({_server_text(exc)})."
    if refused:
        names = ", ".join(sorted(refused))
        return f"SMTP server {where} refused {names}; the other recipients received the message."
    return None


def _how_many_sent(sent: int, messages: Sequence[EmailMessage], sending: bool) -> str:
    """'; 2 of 5 messages were sent before that' once sending began with several messages, else ''."""
    if len(messages) <= 1 or not sending:
        return ""
    return f"; {sent} of {len(messages)} messages were sent before that"


def _local_sender() -> str:
    """user@this-host, as command-line mailers do when no sender is given."""
    try:
        name = getpass.getuser()
    except (KeyError, OSError):  # no login name in some containers and services
        name = "saypro-xl"
    return f"{_safe_local_part(name)}@{socket.getfqdn()}"


def _safe_local_part(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", name) or "saypro-xl"


def save_eml(message: EmailMessage, path: Path) -> Path:
    """Write `message` as an .eml file (CRLF line ends, as mail clients expect); atomic."""
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_bytes(message.as_bytes(policy=email.policy.SMTP))
    return path


# ------------------------------------------------------------------ reminders


def reminder_message(plan: Plan, reminder: Reminder, sender: str | None = None) -> EmailMessage:
    """One reminder as a message to its person: plain text and an HTML table, no attachment."""
    return build_text_message(reminder.address, _header_text(reminders.subject(plan, reminder)),
                              reminders.text_body(plan, reminder), reminders.html_body(plan, reminder),
                              sender=sender)


def _header_text(text: str) -> str:
    """Tracker text (the Organisation in a reminder's subject) made fit for a header: control
    characters, line breaks and bidi overrides become spaces. A subject typed on the command line
    is refused instead (_refuse_line_breaks): its author can retype it; a tracker's cell may come
    from anywhere, and must not stop every reminder."""
    return " ".join(re.sub("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]", " ", text).split())


def reminder_file_name(plan: Plan, reminder: Reminder) -> str:
    """'Reminder_2025-04-25_thandi@example.org.eml': the As Of date and the address, lower case,
    anything but letters, digits and . _ @ - replaced, so each person gets one file on any disk."""
    address = re.sub(r"[^a-z0-9._@-]", "_", reminder.address.casefold())
    return f"Reminder_{plan.as_of.isoformat()}_{address}.eml"
