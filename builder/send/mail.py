"""Send to Kindle by mail: the reader's EPUB as an attachment, through the user's SMTP server.

Amazon converts a mailed EPUB itself, so this path needs no Calibre. The server comes from
FICPRESS_SMTP_* environment variables or an `[smtp]` table in the config file; the password
only ever from the environment (never the command line, where `ps` and shell history see it).
"""

from __future__ import annotations

import os
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path
from typing import Any, Literal, cast

from builder import config
from builder.errors import MailError, UsageError

MAIL_LIMIT = 50 * 1000 * 1000
"""Send to Kindle takes documents of at most 50 MB by mail."""
TIMEOUT = 60
PREFIX = "FICPRESS_SMTP_"
Security = Literal["starttls", "ssl", "none"]
SECURITY = ("starttls", "ssl", "none")
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}
SETUP_HINT = (
    "set FICPRESS_SMTP_HOST, FICPRESS_SMTP_FROM, FICPRESS_SMTP_USER and FICPRESS_SMTP_PASSWORD "
    "(or an [smtp] table in ~/.config/ficpress/config.toml, with the password in the environment)"
)


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    """How to reach the user's outgoing mail server."""

    host: str
    port: int
    security: Security
    sender: str
    user: str | None = None
    password: str | None = None
    cafile: Path | None = None
    """Extra certificate authority to trust (a self-hosted server); None: the system's."""


@dataclass(frozen=True, slots=True)
class Sent:
    """What was mailed, and where."""

    filename: str
    size: int
    address: str
    server: str


def _file_settings(path: Path) -> dict[str, Any]:
    # Read as every config value is (size-limited, regular files only, errors with the line).
    table = config.section("smtp", path)
    if "password" in table:
        raise UsageError(
            "keep the SMTP password out of files: set FICPRESS_SMTP_PASSWORD instead", path=path
        )
    return table


def settings(environ: Mapping[str, str] | None = None) -> SmtpSettings:
    """The SMTP settings from the environment, over the config file's."""
    environ = os.environ if environ is None else environ
    path = config.path(environ)
    values = {key: str(value) for key, value in _file_settings(path).items()}
    for key in ("host", "port", "security", "user", "from", "cafile"):
        if environ.get(PREFIX + key.upper()):
            values[key] = environ[PREFIX + key.upper()]
    host = values.get("host")
    if not host:
        raise UsageError(f"--kindle-email needs an outgoing mail server: {SETUP_HINT}")
    security = values.get("security", "starttls").lower()
    if security not in SECURITY:
        raise UsageError(f"SMTP security {security!r}: choose from {', '.join(SECURITY)}")
    try:
        port = int(values.get("port") or DEFAULT_PORTS[security])
    except ValueError:
        raise UsageError(f"SMTP port {values['port']!r} is not a number") from None
    user = values.get("user") or None
    password = environ.get(PREFIX + "PASSWORD") or None
    if user and not password:
        raise UsageError(f"SMTP user {user} has no password: set FICPRESS_SMTP_PASSWORD")
    if user and security == "none":
        raise UsageError(
            "refusing to send an SMTP password without encryption: "
            "set FICPRESS_SMTP_SECURITY to starttls or ssl"
        )
    sender = values.get("from") or (user if user and "@" in user else None)
    if not sender:
        raise UsageError(
            "set FICPRESS_SMTP_FROM to your address (the one on Amazon's approved senders list)"
        )
    return SmtpSettings(
        host=host,
        port=port,
        security=cast(Security, security),  # checked against SECURITY above
        sender=check_address(sender, "FICPRESS_SMTP_FROM"),
        user=user,
        password=password,
        cafile=Path(values["cafile"]) if values.get("cafile") else None,
    )


def check_address(address: str, what: str = "--kindle-email") -> str:
    """`address` if it is one plain mail address (no name, no list, no header tricks)."""
    _name, parsed = parseaddr(address)
    local, at, domain = parsed.rpartition("@")
    if (
        parsed != address.strip()
        or not at
        or not local
        or "." not in domain
        or any(character in parsed for character in " ,;<>\r\n\t")
    ):
        raise UsageError(f"{what} {address!r}: give one mail address, like name@kindle.com")
    return parsed


def message(book: bytes, filename: str, address: str, sender: str) -> EmailMessage:
    """The mail: a short note and the EPUB attached as application/epub+zip."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = address
    # The file name, not the title: titles may hold the reader's name, and Amazon reads the
    # title from the book's own metadata anyway.
    mail["Subject"] = filename
    mail["Date"] = formatdate(localtime=True)
    mail["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2])
    mail.set_content(f"{filename}, made by ficpress for Send to Kindle.\n")
    mail.add_attachment(book, maintype="application", subtype="epub+zip", filename=filename)
    return mail


def send(book: bytes, filename: str, address: str, server: SmtpSettings) -> Sent:
    """Mail `book` to `address` (a Send to Kindle address) through `server`."""
    address = check_address(address)
    if len(book) > MAIL_LIMIT:
        raise MailError(
            f"{filename} is {megabytes(len(book))}; Send to Kindle by mail takes at most "
            f"{megabytes(MAIL_LIMIT)}: copy it over USB with --device auto instead"
        )
    mail = message(book, filename, address, server.sender)
    where = f"{server.host}:{server.port}"
    try:
        context = ssl.create_default_context(cafile=str(server.cafile) if server.cafile else None)
        connection = (
            smtplib.SMTP_SSL(server.host, server.port, timeout=TIMEOUT, context=context)
            if server.security == "ssl"
            else smtplib.SMTP(server.host, server.port, timeout=TIMEOUT)
        )
        with connection:
            connection.ehlo()
            if server.security == "starttls":
                if not connection.has_extn("starttls"):
                    raise MailError(
                        f"{where} does not offer STARTTLS; refusing to send in the clear "
                        "(FICPRESS_SMTP_SECURITY=ssl for port 465)"
                    )
                connection.starttls(context=context)
                connection.ehlo()
            _check_size(connection, len(mail.as_bytes()), where)
            if server.user and server.password:
                connection.login(server.user, server.password)
            connection.send_message(mail, from_addr=server.sender, to_addrs=[address])
    except smtplib.SMTPAuthenticationError:
        raise MailError(
            f"{where} refused the login for {server.user}: check FICPRESS_SMTP_USER and "
            "FICPRESS_SMTP_PASSWORD"
        ) from None
    except smtplib.SMTPRecipientsRefused:
        raise MailError(f"{where} refused the address {address}") from None
    except smtplib.SMTPResponseException as error:
        detail = error.smtp_error
        if isinstance(detail, bytes):
            detail = detail.decode("utf-8", "replace")
        raise MailError(f"{where} refused the mail: {error.smtp_code} {detail}") from None
    except smtplib.SMTPException as error:
        raise MailError(f"{where}: {error}") from None
    except ssl.SSLError as error:
        raise MailError(f"{where}: secure connection failed: {error.reason}") from None
    except OSError as error:
        raise MailError(f"cannot reach {where}: {error.strerror or error}") from None
    return Sent(filename, len(book), address, where)


def _check_size(connection: smtplib.SMTP, size: int, where: str) -> None:
    # A server that announces SIZE would refuse a larger mail only after it was uploaded.
    limit = connection.esmtp_features.get("size", "")
    if limit.isdigit() and 0 < int(limit) < size:
        raise MailError(
            f"the mail is {megabytes(size)} but {where} takes at most {megabytes(int(limit))}"
        )


def megabytes(size: int) -> str:
    """Mail sizes in decimal units, as Amazon and mail servers state their limits."""
    return f"{size / 1e6:.1f} MB" if size >= 100_000 else f"{size / 1000:.0f} kB"
