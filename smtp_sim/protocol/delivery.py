"""A sans-IO driver that sends one message over a :class:`ClientConnection`.

The simulated mail clients and MTAs use it: feed it the server's bytes, write what it returns,
read the outcome when ``done``.  It says EHLO (falling back to HELO when the server does not know
EHLO), MAIL FROM with SIZE when offered, the RCPTs (pipelined when PIPELINING is offered), DATA
when at least one recipient was accepted, the dot-stuffed content, and QUIT.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from .client import ClientConnection
from .errors import ProtocolError
from .events import ReplyReceived
from .replies import Reply


class Step(StrEnum):
    GREETING = "greeting"
    EHLO = "ehlo"
    HELO = "helo"
    MAIL = "mail"
    RCPT = "rcpt"
    DATA = "data"
    CONTENT = "content"
    QUIT = "quit"
    DONE = "done"


@dataclass
class DeliveryResult:
    """How it went: per-recipient replies and the reply to the content."""

    accepted: list[str] = field(default_factory=list)
    rejected: dict[str, Reply] = field(default_factory=dict)
    final: Reply | None = None  # the reply after <CRLF>.<CRLF>
    failure: Reply | None = None  # a reply that stopped the transaction before the content
    failed_step: Step | None = None
    error: str | None = None  # a protocol error or a lost connection

    @property
    def delivered(self) -> bool:
        return self.final is not None and self.final.code < 400 and bool(self.accepted)

    @property
    def temporary(self) -> bool:
        """True when a retry may succeed (4xx, or no reply at all)."""
        reply = self.final or self.failure
        if self.error is not None:
            return True
        return reply is not None and reply.reply_class == 4


class MailSender:
    """Send ``content`` from ``sender`` to ``recipients`` (addresses without brackets)."""

    def __init__(self, helo_name: str, sender: str, recipients: list[str], content: bytes,
                 *, esmtp: bool = True) -> None:
        self.client = ClientConnection()
        self.helo_name = helo_name
        self.sender = sender
        self.recipients = list(recipients)
        self.content = content
        self.step = Step.GREETING
        self.result = DeliveryResult()
        self._esmtp = esmtp
        self._out = bytearray()
        self._rcpt_queue: list[str] = []
        self._rcpt_waiting: list[str] = []

    @property
    def done(self) -> bool:
        return self.step is Step.DONE

    def data_to_send(self) -> bytes:
        out = bytes(self._out)
        self._out.clear()
        return out

    def connection_lost(self) -> None:
        if not self.done:
            self.result.error = f"connection lost during {self.step.value}"
            self.step = Step.DONE

    def receive_data(self, data: bytes) -> list[ReplyReceived]:
        """Feed server bytes; returns the replies parsed (for a transcript)."""
        self.client.receive_data(data)
        seen: list[ReplyReceived] = []
        while not self.done:
            try:
                event = self.client.next_event()
            except ProtocolError as exc:
                self.result.error = str(exc)
                self.step = Step.DONE
                break
            if not isinstance(event, ReplyReceived):
                if self.client.closed and not self.done:
                    self.connection_lost()
                break
            seen.append(event)
            self._on_reply(event.reply)
        return seen

    def _send(self, command: str) -> None:
        self._out += self.client.send(command)

    def _fail(self, reply: Reply) -> None:
        self.result.failure = reply
        self.result.failed_step = self.step
        if reply.code == 421:
            self.step = Step.DONE
        else:
            self.step = Step.QUIT
            self._send("QUIT")

    def _on_reply(self, reply: Reply) -> None:
        step = self.step
        if reply.code == 421 and step is not Step.QUIT:
            self.result.failure = self.result.failure or reply
            self.result.failed_step = self.result.failed_step or step
            self.step = Step.DONE
            return
        if step is Step.GREETING:
            if reply.code != 220:
                self._fail(reply)
                return
            self.step = Step.EHLO if self._esmtp else Step.HELO
            self._send(f"{'EHLO' if self._esmtp else 'HELO'} {self.helo_name}")
        elif step is Step.EHLO:
            if reply.code == 250:
                self._mail()
            elif reply.reply_class == 5:  # an old server without EHLO (RFC 5321 4.1.4)
                self.step = Step.HELO
                self._send(f"HELO {self.helo_name}")
            else:
                self._fail(reply)
        elif step is Step.HELO:
            if reply.code == 250:
                self._mail()
            else:
                self._fail(reply)
        elif step is Step.MAIL:
            if reply.code != 250:
                self._fail(reply)
                return
            self.step = Step.RCPT
            self._rcpt_queue = list(self.recipients)
            self._send_rcpts()
        elif step is Step.RCPT:
            rcpt = self._rcpt_waiting.pop(0)
            if reply.code in (250, 251):
                self.result.accepted.append(rcpt)
            else:
                self.result.rejected[rcpt] = reply
            if not self._rcpt_waiting:
                if self._rcpt_queue:
                    self._send_rcpts()
                elif self.result.accepted:
                    self.step = Step.DATA
                    self._send("DATA")
                else:
                    self.result.failed_step = Step.RCPT
                    self.step = Step.QUIT
                    self._send("QUIT")
        elif step is Step.DATA:
            if reply.code != 354:
                self._fail(reply)
                return
            self.step = Step.CONTENT
            self._out += self.client.send_data(self.content)
        elif step is Step.CONTENT:
            self.result.final = reply
            self.step = Step.QUIT
            self._send("QUIT")
        elif step is Step.QUIT:
            self.step = Step.DONE

    def _mail(self) -> None:
        self.step = Step.MAIL
        command = f"MAIL FROM:<{self.sender}>"
        if self.client.offers("SIZE"):
            command += f" SIZE={len(self.content)}"
        self._send(command)

    def _send_rcpts(self) -> None:
        batch = self._rcpt_queue if self.client.pipelining else self._rcpt_queue[:1]
        for rcpt in list(batch):
            self._send(f"RCPT TO:<{rcpt}>")
            self._rcpt_waiting.append(rcpt)
        del self._rcpt_queue[: len(batch)]
