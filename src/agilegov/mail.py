"""Sending e-mail: through the SMTP server of ``AGILEGOV_SMTP_URL``, or, with
none set, into a folder (one ``.eml`` file a mail) that an operator reads.

Callers build the subject and body in the recipient's language and send only
after their transaction has committed, so a mail never announces a change that
was rolled back."""

import smtplib
import ssl
import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

from agilegov import clock
from agilegov.settings import Settings

# Connecting and every exchange with the server give up after this many seconds,
# so a server that hangs cannot hold a request for long.
SMTP_TIMEOUT_SECONDS = 20


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    implicit_tls: bool
    starttls: bool
    user: str | None
    password: str | None

    @classmethod
    def of(cls, url: str) -> "SmtpServer":
        """``smtp://[user:pass@]host[:port][?starttls=1]`` or ``smtps://…`` (TLS from the start)."""
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("the SMTP URL is smtp://[user:pass@]host[:port] or smtps://…")
        implicit_tls = parts.scheme == "smtps"
        starttls = parse_qs(parts.query).get("starttls", ["0"])[-1] in ("1", "true", "yes")
        return cls(
            host=parts.hostname,
            port=parts.port or (465 if implicit_tls else 25),
            implicit_tls=implicit_tls,
            starttls=starttls,
            user=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
        )


class Mailer:
    """Sends mails as the settings say."""

    def __init__(self, settings: Settings) -> None:
        self.sender = settings.mail_from
        self.folder = settings.mail_dir
        self.server = SmtpServer.of(settings.smtp_url) if settings.smtp_url else None
        self.public_url = settings.public_url

    def link(self, path: str, token: str | None = None) -> str:
        """The address of ``path`` on the site, carrying ``token`` when given."""
        return f"{self.public_url}{path}" + (f"?{urlencode({'token': token})}" if token else "")

    def where(self) -> str:
        """Where mails go, for the operator (never with the server's password)."""
        if self.server is None:
            return str(self.folder)
        scheme = "smtps" if self.server.implicit_tls else "smtp"
        return f"{scheme}://{self.server.host}:{self.server.port}"

    def message(self, mail: Mail) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = mail.to
        message["Subject"] = mail.subject
        message["Date"] = formatdate(clock.now().timestamp(), usegmt=True)
        message["Message-ID"] = make_msgid(domain=self.sender.rpartition("@")[2] or None)
        message.set_content(mail.body)
        return message

    def send(self, mail: Mail) -> None:
        """Send ``mail``; raises ``OSError`` (``smtplib.SMTPException`` among them)
        when it could not be handed over."""
        message = self.message(mail)
        if self.server is None:
            self._write(message)
        else:
            self._submit(self.server, message)

    def _write(self, message: EmailMessage) -> None:
        # The mails carry sign-up and reset links: only the operator reads them.
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        stamp = clock.now().strftime("%Y%m%dT%H%M%S%fZ")
        path = self.folder / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
        path.write_bytes(message.as_bytes())
        path.chmod(0o600)

    @staticmethod
    def _submit(server: SmtpServer, message: EmailMessage) -> None:
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if server.implicit_tls:
            smtp = smtplib.SMTP_SSL(
                server.host, server.port, timeout=SMTP_TIMEOUT_SECONDS, context=context
            )
        else:
            smtp = smtplib.SMTP(server.host, server.port, timeout=SMTP_TIMEOUT_SECONDS)
        with smtp:
            if server.starttls:
                smtp.starttls(context=context)
            if server.user is not None:
                smtp.login(server.user, server.password or "")
            smtp.send_message(message)


def mails_in(folder: Path) -> list[Path]:
    """The mails written to ``folder``, oldest first."""
    return sorted(folder.glob("*.eml")) if folder.is_dir() else []
