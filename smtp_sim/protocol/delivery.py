"""A sans-IO driver that sends one message over a :class:`ClientConnection`.

The simulated mail clients and MTAs use it: feed it the server's bytes, write what it returns,
read the outcome when ``done``.  It says EHLO (falling back to HELO when the server does not know
EHLO), MAIL FROM with SIZE when offered, the RCPTs (pipelined when PIPELINING is offered), DATA
when at least one recipient was accepted, the dot-stuffed content, and QUIT.

Two things a busy production MTA does are there for the asking:

* ``pipeline=True``: when the server offers PIPELINING, MAIL, every RCPT and DATA go out as one
  group (RFC 2920 section 3.1), and the replies are matched to them in order;
* ``keep_open=True``: after a transaction the session stays open (``Step.IDLE``, ``idle`` is
  true) instead of saying QUIT, so that the next message goes over the same connection
  (:meth:`MailSender.next_message`), as Postfix's connection cache and sendmail's queue runs do;
  :meth:`MailSender.quit` ends it.

With ``credentials=(user, password)`` it authenticates after EHLO when the server offers AUTH
PLAIN (RFC 4954, RFC 4616): one ``AUTH PLAIN`` with the initial response, base64 of
``\0user\0password``; a refusal ends the session (the message is not sent unauthenticated).
A server that offers no AUTH PLAIN gets the mail without it. Such a client first says
STARTTLS when the server offers it (RFC 3207; a password should not cross the network in the
clear), and EHLO again after the 220; the caller sees ``tls`` become true (the handshake is
the caller's).

With a ``tls_policy`` it says STARTTLS whenever the server offers it, with or without
credentials. :attr:`TlsPolicy.OPPORTUNISTIC` (RFC 7435; Postfix's smtp_tls_security_level =
may) sends in plaintext when STARTTLS is not offered; :attr:`TlsPolicy.REQUIRED` (an MTA-STS
policy in ``enforce`` mode, RFC 8461 section 5; Postfix's ``encrypt``/``secure``) refuses: it
says QUIT, sends nothing, and ``tls_refusal`` says why (a temporary failure: the message waits
in the queue). How a certificate is judged is the caller's, who ends the session with
:meth:`MailSender.abandon` when its policy refuses one. ``implicit_tls``: the connection is in
TLS from its first byte (port 465, RFC 8314 section 3), so STARTTLS is never said.
"""

from __future__ import annotations

from base64 import b64encode
from dataclasses import dataclass, field
from enum import StrEnum

from .errors import ProtocolError
from .events import ReplyReceived
from .replies import Reply
from .smtp_client import ClientConnection


class TlsPolicy(StrEnum):
    """What a client does about TLS (see the module's docstring)."""

    OPPORTUNISTIC = "opportunistic"  # STARTTLS when offered; any certificate (warned about)
    REQUIRED = "required"  # TLS with a valid certificate, or no delivery (MTA-STS enforce)


class Step(StrEnum):
    GREETING = "greeting"
    EHLO = "ehlo"
    HELO = "helo"
    STARTTLS = "starttls"
    AUTH = "auth"
    MAIL = "mail"
    RCPT = "rcpt"
    DATA = "data"
    CONTENT = "content"
    QUIT = "quit"
    DONE = "done"
    IDLE = "idle"  # a transaction ended, the session stays open for the next (keep_open)


# The steps as plain globals: reading ``Step.DONE`` goes through the enum's metaclass.
_GREETING, _EHLO, _HELO, _STARTTLS, _AUTH, _MAIL, _RCPT, _DATA, _CONTENT, _QUIT, _DONE, _IDLE = Step


@dataclass(slots=True)
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

    __slots__ = (
        "_esmtp",
        "_grouped",
        "_mail_reply",
        "_out",
        "_rcpt_queue",
        "_rcpt_waiting",
        "client",
        "content",
        "credentials",
        "helo_name",
        "keep_open",
        "pipeline",
        "recipients",
        "result",
        "sender",
        "starttls_refused",
        "step",
        "tls",
        "tls_policy",
        "tls_refusal",
    )

    def __init__(
        self,
        helo_name: str,
        sender: str,
        recipients: list[str],
        content: bytes,
        *,
        esmtp: bool = True,
        pipeline: bool = False,
        keep_open: bool = False,
        credentials: tuple[str, str] | None = None,
        tls_policy: TlsPolicy | None = None,
        implicit_tls: bool = False,
    ) -> None:
        self.client = ClientConnection()
        self.credentials = credentials  # (user, password) for AUTH PLAIN when offered
        self.tls = implicit_tls  # STARTTLS answered 220 (or TLS from the start: port 465)
        self.tls_policy = tls_policy  # None: STARTTLS only before AUTH (credentials given)
        self.tls_refusal: str | None = None  # why a REQUIRED policy ended the session
        self.starttls_refused = False  # the server answered STARTTLS with an error
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
        self.pipeline = pipeline
        self.keep_open = keep_open
        self._grouped = False  # this transaction's MAIL/RCPT/DATA went out as one group
        self._mail_reply: Reply | None = None  # the reply to a grouped MAIL

    @property
    def done(self) -> bool:
        return self.step is _DONE

    @property
    def idle(self) -> bool:
        """A transaction is over and the session is open for another (``keep_open``)."""
        return self.step is _IDLE

    def next_message(self, sender: str, recipients: list[str], content: bytes) -> None:
        """Start another transaction on the open session (only when ``idle``)."""
        if self.step is not _IDLE:
            raise ValueError(f"the session is not idle but at {self.step.value}")
        self.sender = sender
        self.recipients = list(recipients)
        self.content = content
        self.result = DeliveryResult()
        self._mail()

    def quit(self) -> None:
        """End an idle session: QUIT (the reply ends it)."""
        if self.step is _IDLE:
            self.step = _QUIT
            self._send("QUIT")

    def data_to_send(self) -> bytes:
        out = bytes(self._out)
        self._out.clear()
        return out

    def abandon(self, reason: str) -> None:
        """The caller ends the session at once (a TLS handshake its policy refuses: the
        connection is closed, not QUIT); ``reason`` is the result's error."""
        if self.step is not _DONE:
            self.result.error = reason
            self.step = _DONE
        self._out.clear()

    def connection_lost(self) -> None:
        if self.step is not _DONE:
            self.result.error = f"connection lost during {self.step.value}"
            self.step = _DONE

    def receive_data(self, data: bytes) -> list[ReplyReceived]:
        """Feed server bytes; returns the replies parsed (for a transcript)."""
        client = self.client
        client.receive_data(data)
        seen: list[ReplyReceived] = []
        while self.step is not _DONE:
            try:
                event = client.next_event()
            except ProtocolError as exc:
                self.result.error = str(exc)
                self.step = _DONE
                break
            if type(event) is not ReplyReceived:  # a Signal: nothing more to read
                if client.closed:
                    self.connection_lost()
                break
            seen.append(event)
            self._on_reply(event.reply)
        return seen

    def _send(self, command: str) -> None:
        self._out += self.client.send(command)

    def _fail(self, reply: Reply, step: Step | None = None) -> None:
        self.result.failure = reply
        self.result.failed_step = step or self.step
        if reply.code == 421:
            self.step = _DONE
        else:
            self.step = _QUIT
            self._send("QUIT")

    def _on_reply(self, reply: Reply) -> None:
        step = self.step
        code = reply.code
        if code == 421 and step is not _QUIT:
            self.result.failure = self.result.failure or reply
            self.result.failed_step = self.result.failed_step or step
            self.step = _DONE
            return
        if self._grouped and step in (_MAIL, _RCPT, _DATA):
            self._on_grouped_reply(reply)
            return
        if step is _RCPT:
            self._rcpt_answered(self._rcpt_waiting.pop(0), reply)
            if not self._rcpt_waiting:
                if self._rcpt_queue:
                    self._send_rcpts()
                elif self.result.accepted:
                    self.step = _DATA
                    self._send("DATA")
                else:
                    self._nobody_accepted()
        elif step is _MAIL:
            if code != 250:
                self._fail(reply)
                return
            self.step = _RCPT
            self._rcpt_queue = list(self.recipients)
            self._send_rcpts()
        elif step is _DATA:
            if code != 354:
                self._fail(reply)
                return
            self.step = _CONTENT
            self._out += self.client.send_data(self.content)
        elif step is _CONTENT:
            self.result.final = reply
            if self.keep_open and self.result.delivered:
                self.step = _IDLE
            else:
                self.step = _QUIT
                self._send("QUIT")
        elif step is _QUIT:
            self.step = _DONE
        elif step is _GREETING:
            if code != 220:
                self._fail(reply)
                return
            self.step = _EHLO if self._esmtp else _HELO
            self._send(f"{'EHLO' if self._esmtp else 'HELO'} {self.helo_name}")
        elif step is _EHLO:
            if code == 250:
                self._authenticate_or_mail()
            elif reply.reply_class == 5:  # an old server without EHLO (RFC 5321 4.1.4)
                self.step = _HELO
                self._send(f"HELO {self.helo_name}")
            else:
                self._fail(reply)
        elif step is _HELO:
            if code == 250:
                self._mail()
            else:
                self._fail(reply)
        elif step is _STARTTLS:
            if code == 220:
                self.tls = True
                self.step = _EHLO
                self._send(f"EHLO {self.helo_name}")
            elif self.tls_policy is TlsPolicy.OPPORTUNISTIC:
                # Postfix's smtp client at "may" (smtp_proto.c of v3.7.11): the server refused
                # STARTTLS although it offered it: "try to continue in plain-text mode"
                self.starttls_refused = True
                self._authenticate_or_mail()
            elif self.tls_policy is TlsPolicy.REQUIRED:
                # (smtp_proto.c: "TLS is required, but host %s refused to start TLS: %s")
                self.tls_refusal = "TLS is required, but the server refused to start TLS: " + (
                    " ".join(reply.wire_lines())
                )
                self.result.error = self.tls_refusal
                self._fail(reply)
            else:
                self._fail(reply)
        elif step is _AUTH:
            if code == 235:
                self._mail()
            else:
                self._fail(reply)

    def _authenticate_or_mail(self) -> None:
        """After EHLO: AUTH PLAIN when there are credentials and the server offers PLAIN."""
        policy = self.tls_policy
        if (
            not self.tls
            and not self.starttls_refused
            and (self.credentials is not None or policy is not None)
            and self.client.offers("STARTTLS")
        ):
            self.step = _STARTTLS
            self._send("STARTTLS")
            return
        if not self.tls and policy is TlsPolicy.REQUIRED:
            self.tls_refusal = (
                "TLS is required (MTA-STS, RFC 8461 section 5) but the server did not offer "
                "STARTTLS: nothing is sent in plaintext"
            )
            self.result.error = self.tls_refusal
            self.result.failed_step = _EHLO
            self.step = _QUIT
            self._send("QUIT")
            return
        mechanisms = self.client.extensions.get("AUTH", "").upper().split()
        if self.credentials is None or "PLAIN" not in mechanisms:
            self._mail()
            return
        user, password = self.credentials
        token = b64encode(f"\0{user}\0{password}".encode()).decode("ascii")
        self.step = _AUTH
        self._send(f"AUTH PLAIN {token}")

    def _mail(self) -> None:
        self.step = _MAIL
        command = f"MAIL FROM:<{self.sender}>"
        if self.client.offers("SIZE"):
            command += f" SIZE={len(self.content)}"
        self._send(command)
        self._grouped = self.pipeline and self.client.pipelining
        if self._grouped:  # RFC 2920: MAIL, the RCPTs and DATA in one group
            self._mail_reply = None
            self._rcpt_queue = []
            self._rcpt_waiting = list(self.recipients)
            for rcpt in self.recipients:
                self._send(f"RCPT TO:<{rcpt}>")
            self._send("DATA")

    def _on_grouped_reply(self, reply: Reply) -> None:
        """The replies to a pipelined MAIL, RCPT... DATA group, in the order sent."""
        code = reply.code
        result = self.result
        if self.step is _MAIL:
            self._mail_reply = reply
            self.step = _RCPT if self._rcpt_waiting else _DATA
            return
        mail_ok = self._mail_reply is not None and self._mail_reply.code == 250
        if self.step is _RCPT:
            rcpt = self._rcpt_waiting.pop(0)
            if mail_ok:  # (after a refused MAIL the RCPTs' 503s say nothing about them)
                self._rcpt_answered(rcpt, reply)
            if not self._rcpt_waiting:
                self.step = _DATA
            return
        # The reply to DATA.
        self._grouped = False
        if code == 354:
            if mail_ok and result.accepted:
                self.step = _CONTENT
                self._out += self.client.send_data(self.content)
            else:  # a server that took DATA with nobody to deliver to: send no message
                self.step = _CONTENT
                self._out += self.client.send_data(b"")
                if self._mail_reply is not None and not mail_ok:
                    result.failure, result.failed_step = self._mail_reply, _MAIL
                else:
                    result.failed_step = _RCPT
                # (nothing delivered: the reply to the dot ends the session with QUIT)
            return
        if not mail_ok and self._mail_reply is not None:
            self._fail(self._mail_reply, _MAIL)
        elif not result.accepted:
            self._nobody_accepted()
        else:
            self._fail(reply, _DATA)

    def _rcpt_answered(self, rcpt: str, reply: Reply) -> None:
        if reply.code == 250 or reply.code == 251:
            self.result.accepted.append(rcpt)
        else:
            self.result.rejected[rcpt] = reply

    def _nobody_accepted(self) -> None:
        """Every RCPT was refused: no DATA, no message; QUIT."""
        self.result.failed_step = _RCPT
        self.step = _QUIT
        self._send("QUIT")

    def _send_rcpts(self) -> None:
        batch = self._rcpt_queue if self.client.pipelining else self._rcpt_queue[:1]
        for rcpt in list(batch):
            self._send(f"RCPT TO:<{rcpt}>")
            self._rcpt_waiting.append(rcpt)
        del self._rcpt_queue[: len(batch)]
