"""User agents (mail clients): compose with the stdlib ``email`` package, submit over SMTP."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formataddr
from typing import TYPE_CHECKING

from ..protocol import MailSender
from ..protocol.delivery import DeliveryResult, Step
from .mta import send_client_bytes
from .network import SUBMISSION_PORT, Host, TcpConnection
from .trace import Kind, Layer

if TYPE_CHECKING:
    from .world import World


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    content_type: str  # e.g. "image/gif"
    data: bytes


class UserAgent:
    """Alice's mail program on her computer: it writes messages and hands them to her
    provider's server (the submission port 587 by default), which relays them onwards."""

    def __init__(self, world: World, host: Host, address: str, name: str, outgoing: str,
                 port: int = SUBMISSION_PORT) -> None:
        self.world = world
        self.host = host
        self.address = address
        self.name = name
        self.outgoing = outgoing
        self.port = port
        self.sent: list[tuple[str, DeliveryResult]] = []

    def compose(self, to: list[str], subject: str, body: str, *,
                attachments: tuple[Attachment, ...] = (), cc: list[str] | None = None,
                transfer_encoding: str | None = None, message: str | None = None) -> bytes:
        """The message as bytes with CRLF line endings (RFC 5322 + MIME)."""
        msg = EmailMessage()
        msg["From"] = formataddr((self.name, self.address)) if self.name else self.address
        msg["To"] = ", ".join(to)
        if cc:
            msg["Cc"] = ", ".join(cc)
        msg["Subject"] = subject
        msg["Date"] = self.world.date_text()
        domain = self.address.rpartition("@")[2] or self.host.name
        msg["Message-ID"] = f"<{message or self.world.new_message_id()}.{self.host.name}@{domain}>"
        if transfer_encoding:
            msg.set_content(body, cte=transfer_encoding)
        else:
            msg.set_content(body)
        for att in attachments:
            maintype, _, subtype = att.content_type.partition("/")
            if maintype == "text":
                msg.add_attachment(att.data.decode("utf-8", "replace"), subtype=subtype or "plain",
                                   filename=att.filename)
            else:
                msg.add_attachment(att.data, maintype=maintype, subtype=subtype or "octet-stream",
                                   filename=att.filename)
        if msg.is_multipart():  # the stdlib's boundary is random: same run, same bytes
            msg.set_boundary(f"=_{message or 'part'}.{self.host.name}_=")
        return msg.as_bytes(policy=SMTP)

    def send(self, to: list[str], subject: str, body: str, **kwargs) -> str:
        """Compose and submit; returns the message's trace id."""
        message = self.world.new_message_id()
        content = self.compose(to, subject, body, message=message, **kwargs)
        self.submit(list(to) + list(kwargs.get("cc") or []), content, message)
        return message

    def submit(self, recipients: list[str], content: bytes, message: str) -> None:
        world = self.world
        world.record(Layer.INFO, Kind.NOTE, self.host.name, self.outgoing,
                     f"{self.address} presses Send: to {', '.join(recipients)} "
                     f"via {self.outgoing}:{self.port}", message=message)
        session = _SubmitSession(self, recipients, content, message)
        world.network.connect(self.host.name, self.outgoing, self.port, session,
                              on_fail=session.failed, message=message)


class _SubmitSession:
    def __init__(self, agent: UserAgent, recipients: list[str], content: bytes,
                 message: str) -> None:
        self.agent = agent
        self.message = message
        self.sender = MailSender(agent.host.name, agent.address, recipients, content)
        self.finished = False

    def on_open(self, conn: TcpConnection) -> None:
        pass

    def on_data(self, conn: TcpConnection, data: bytes) -> None:
        self.sender.receive_data(data)
        out = self.sender.data_to_send()
        if out:
            send_client_bytes(conn, self.agent.host.name, out, self.sender.step is Step.CONTENT)
        if self.sender.done:
            self._finish(conn)

    def on_close(self, conn: TcpConnection) -> None:
        self.sender.connection_lost()
        self._finish(conn)

    def failed(self, reason: str) -> None:
        self.agent.world.record(Layer.INFO, Kind.ERROR, self.agent.host.name, None,
                                f"mail client: cannot send: {reason}", message=self.message)

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
        self.agent.world.record(Layer.INFO, kind, self.agent.host.name, None, text,
                                message=self.message)
