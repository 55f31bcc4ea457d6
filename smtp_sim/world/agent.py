"""User agents (mail clients): compose with the stdlib ``email`` package, submit over SMTP."""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr, parsedate_to_datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from ..protocol.delivery import DeliveryResult, MailSender, Step, TlsPolicy
from .network import SUBMISSION_PORT, SUBMISSIONS_PORT, Host, TcpConnection
from .sessions import client_tls, send_client_bytes
from .tls import start_client_tls
from .trace import Kind, Layer

if TYPE_CHECKING:
    from .network import Network
    from .stamps import Stamps
    from .trace import Recorder


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    content_type: str  # e.g. "image/gif"
    data: bytes


# -- the common case without the email package -------------------------------------------
#
# Composing with EmailMessage costs about half a millisecond (header objects, parse trees and
# folding); a world sending thousands of messages spends more time there than in SMTP.  For the
# common case, a short ASCII text message with plain addresses, the bytes are written directly:
# exactly the bytes EmailMessage writes (tests/world/test_compose_plain.py compares the two).
# Anything outside that case, or any doubt, returns None and the email package composes it.

_ATOM = r"[A-Za-z0-9_+-]+"
_DOT_ATOM = rf"{_ATOM}(?:\.{_ATOM})*"
_PLAIN_ADDRESS = re.compile(rf"{_DOT_ATOM}@{_DOT_ATOM}")
_PLAIN_NAME_ADDR = re.compile(rf"[A-Za-z0-9]+(?: [A-Za-z0-9]+)* <{_DOT_ATOM}@{_DOT_ATOM}>")
_PLAIN_MESSAGE_ID = re.compile(rf"<{_DOT_ATOM}@{_DOT_ATOM}>")
_PLAIN_TEXT = re.compile(r"[!-~]+(?: [!-~]+)*")  # printable ASCII words, single spaces
MAX_LINE = 78  # email.policy's max_line_length: longer header lines would be folded
_CONTENT, _DONE = Step.CONTENT, Step.DONE


@lru_cache(maxsize=64)
def _date_is_canonical(date: str) -> bool:
    """True when the Date header would be written as given (DateHeader re-formats it)."""
    try:
        return format_datetime(parsedate_to_datetime(date)) == date
    except (TypeError, ValueError):
        return False


def compose_plain(
    sender: str,
    to: list[str],
    cc: list[str] | None,
    subject: str,
    date: str,
    message_id: str,
    body: str,
) -> bytes | None:
    """What ``EmailMessage`` (policy SMTP) makes of a plain text message, or None when the
    message is not simple enough to be sure (the caller then uses the email package)."""
    if not (_PLAIN_ADDRESS.fullmatch(sender) or _PLAIN_NAME_ADDR.fullmatch(sender)):
        return None
    if not to or not all(_PLAIN_ADDRESS.fullmatch(a) for a in to):
        return None
    if cc and not all(_PLAIN_ADDRESS.fullmatch(a) for a in cc):
        return None
    if not _PLAIN_TEXT.fullmatch(subject) or "=?" in subject:
        return None
    if not _PLAIN_MESSAGE_ID.fullmatch(message_id) or not _date_is_canonical(date):
        return None
    if not body.isascii():
        return None
    lines = body.encode("ascii").splitlines()
    if lines and max(map(len, lines)) > MAX_LINE:
        return None
    headers = [f"From: {sender}", f"To: {', '.join(to)}"]
    if cc:
        headers.append(f"Cc: {', '.join(cc)}")
    headers += [f"Subject: {subject}", f"Date: {date}", f"Message-ID: {message_id}"]
    if max(map(len, headers)) > MAX_LINE:
        return None
    headers += [
        'Content-Type: text/plain; charset="utf-8"',
        "Content-Transfer-Encoding: 7bit",
        "MIME-Version: 1.0",
        "",
    ]
    return (
        "\r\n".join(headers).encode("ascii")
        + b"\r\n"
        + b"".join(line + b"\r\n" for line in lines)
        + (b"" if lines else b"\r\n")
    )


class UserAgent:
    """Alice's mail program on her computer: it writes messages and hands them to her
    provider's server (the submission port 587 by default), which relays them onwards."""

    def __init__(
        self,
        stamps: Stamps,
        recorder: Recorder,
        network: Network,
        host: Host,
        address: str,
        name: str,
        outgoing: str,
        port: int = SUBMISSION_PORT,
        *,
        pipelining: bool = False,
        password: str | None = None,
        tls_policy: TlsPolicy = TlsPolicy.OPPORTUNISTIC,
    ) -> None:
        self.stamps = stamps
        #: STARTTLS when offered (required: TLS or nothing); port 465: TLS from the start
        self.tls_policy = tls_policy
        #: AUTH PLAIN with the address and this password when the server offers it (RFC 4954)
        self.password = password
        self.recorder = recorder
        self.network = network
        self.pipelining = pipelining  # MAIL, RCPT and DATA in one group when offered (RFC 2920)
        self.host = host
        self.address = address
        self.name = name
        self.outgoing = outgoing
        self.port = port
        self.sent: list[tuple[str, DeliveryResult]] = []

    def compose(
        self,
        to: list[str],
        subject: str,
        body: str,
        *,
        attachments: tuple[Attachment, ...] = (),
        cc: list[str] | None = None,
        transfer_encoding: str | None = None,
        message: str | None = None,
        header_from: str | None = None,
    ) -> bytes:
        """The message as bytes with CRLF line endings (RFC 5322 + MIME). ``header_from``:
        the From: written instead of the user's own (a forged one: what DMARC is for)."""
        sender = formataddr((self.name, self.address)) if self.name else self.address
        if header_from is not None:
            sender = header_from
        date = self.stamps.date_text()
        domain = self.address.rpartition("@")[2] or self.host.name
        message_id = f"<{message or self.stamps.new_message_id()}.{self.host.name}@{domain}>"
        if not attachments and not transfer_encoding:
            plain = compose_plain(sender, to, cc, subject, date, message_id, body)
            if plain is not None:
                return plain
        msg = EmailMessage()
        msg["From"] = sender
        msg["To"] = ", ".join(to)
        if cc:
            msg["Cc"] = ", ".join(cc)
        msg["Subject"] = subject
        msg["Date"] = date
        msg["Message-ID"] = message_id
        if transfer_encoding:
            msg.set_content(body, cte=transfer_encoding)
        else:
            msg.set_content(body)
        for att in attachments:
            maintype, _, subtype = att.content_type.partition("/")
            if maintype == "text":
                msg.add_attachment(
                    att.data.decode("utf-8", "replace"),
                    subtype=subtype or "plain",
                    filename=att.filename,
                )
            else:
                msg.add_attachment(
                    att.data,
                    maintype=maintype,
                    subtype=subtype or "octet-stream",
                    filename=att.filename,
                )
        if msg.is_multipart():  # the stdlib's boundary is random: same run, same bytes
            msg.set_boundary(f"=_{message or 'part'}.{self.host.name}_=")
        return msg.as_bytes(policy=SMTP)

    def send(self, to: list[str], subject: str, body: str, **kwargs: Any) -> str:
        """Compose and submit; returns the message's trace id."""
        message = self.stamps.new_message_id()
        content = self.compose(to, subject, body, message=message, **kwargs)
        self.submit(list(to) + list(kwargs.get("cc") or []), content, message)
        return message

    def submit(self, recipients: list[str], content: bytes, message: str) -> None:
        self.recorder.log(
            Layer.INFO,
            Kind.NOTE,
            self.host.name,
            self.outgoing,
            f"{self.address} presses Send: to {', '.join(recipients)} "
            f"via {self.outgoing}:{self.port}",
            message=message,
        )
        session = _SubmitSession(self, recipients, content, message)
        self.network.connect(
            self.host.name,
            self.outgoing,
            self.port,
            session,
            on_fail=session.failed,
            message=message,
        )


class _SubmitSession:
    __slots__ = ("agent", "finished", "message", "sender")  # (see TcpConnection)

    def __init__(
        self, agent: UserAgent, recipients: list[str], content: bytes, message: str
    ) -> None:
        self.agent = agent
        self.message = message
        credentials = None if agent.password is None else (agent.address, agent.password)
        self.sender = MailSender(
            agent.host.name,
            agent.address,
            recipients,
            content,
            pipeline=agent.pipelining,
            credentials=credentials,
            tls_policy=agent.tls_policy,
            implicit_tls=agent.port == SUBMISSIONS_PORT,
        )
        self.finished = False

    def on_open(self, conn: TcpConnection) -> None:
        if conn.port == SUBMISSIONS_PORT:  # implicit TLS: the handshake before the greeting
            start_client_tls(conn, self.agent.tls_policy, lambda why: self._refused(conn, why))

    def _refused(self, conn: TcpConnection, reason: str) -> None:
        self.sender.abandon(reason)
        self._finish(conn)

    def on_data(self, conn: TcpConnection, data: bytes) -> None:
        sender = self.sender
        was_tls = sender.tls
        sender.receive_data(data)
        client_tls(conn, self.agent.host.name, sender, was_tls, self._refused)
        out = sender.data_to_send()
        if out:
            send_client_bytes(conn, self.agent.host.name, out, sender.step is _CONTENT)
        if sender.step is _DONE:
            self._finish(conn)

    def on_close(self, conn: TcpConnection) -> None:
        self.sender.connection_lost()
        self._finish(conn)

    def failed(self, reason: str) -> None:
        self.agent.recorder.log(
            Layer.INFO,
            Kind.ERROR,
            self.agent.host.name,
            None,
            f"mail client: cannot send: {reason}",
            message=self.message,
        )

    def _finish(self, conn: TcpConnection) -> None:
        if self.finished:
            return
        self.finished = True
        conn.close(self.agent.host.name)
        result = self.sender.result
        self.agent.sent.append((self.message, result))
        if result.delivered:
            text = f"mail client: the server accepted the message ({result.final})"
            kind = Kind.NOTE
        else:
            reply = result.final or result.failure or next(iter(result.rejected.values()), None)
            text = f"mail client: sending failed: {reply or result.error}"
            kind = Kind.ERROR
        self.agent.recorder.log(
            Layer.INFO, kind, self.agent.host.name, None, text, message=self.message
        )
