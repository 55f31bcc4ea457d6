"""What the engines report: small frozen records, built once and never changed."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Generic, TypeVar

from .address import Address
from .replies import Reply
from .states import State


class Signal(Enum):
    """Returned by ``next_event()`` when there is no event to report."""

    NEED_DATA = "NEED_DATA"  # feed more bytes with receive_data()
    CLOSED = "CLOSED"  # the session is over; nothing more will happen


@dataclass(frozen=True, slots=True, kw_only=True)
class Envelope:
    """The SMTP envelope (RFC 5321 section 2.3.1): who the message is from and for."""

    sender: Address | None = None
    recipients: tuple[Address, ...] = ()
    mail_params: tuple[tuple[str, str | None], ...] = ()
    helo_name: str | None = None
    esmtp: bool = False
    auth: str | None = None  # the SASL user when the client authenticated (RFC 4954)


@dataclass(frozen=True, slots=True, kw_only=True)
class Command:
    """One command line as the client sent it."""

    raw: bytes  # the line as received, without its line ending (truncated when over-long)
    verb: str  # upper-cased first word, "" for a blank or garbled line
    argument: str  # the rest of the line, leading spaces removed

    def __post_init__(self) -> None:
        if self.verb != self.verb.upper():
            raise ValueError("Command.verb must be upper-case")

    @property
    def line(self) -> str:
        return self.raw.decode("utf-8", "replace")


class Event:
    """Base class of everything ``next_event()`` returns besides a :class:`Signal`."""

    __slots__ = ()


# The three events both server engines report (SMTP here, POP3 in pop3_events.py), with the
# fields they share; each engine's own class names its reply and state types and adds the rest.
R = TypeVar("R")  # the reply: Reply or Pop3Reply
S = TypeVar("S")  # the state: State or Pop3State


@dataclass(frozen=True, slots=True, kw_only=True)
class GreetingEvent(Event, Generic[R]):
    """The server's opening reply."""

    reply: R


@dataclass(frozen=True, slots=True, kw_only=True)
class CommandEvent(Event, Generic[R, S]):
    """A command line was read and answered."""

    command: Command
    reply: R
    state_before: S
    state_after: S


@dataclass(frozen=True, slots=True, kw_only=True)
class ClosedEvent(Event):
    """The session ended."""

    reason: str
    by_server: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class Greeting(GreetingEvent[Reply]):
    """The server's opening reply (220, or 554/421 when it will not talk)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CommandReplied(CommandEvent[Reply, State]):
    """A command line was read and answered. ``accepted`` is True when the table moved."""

    accepted: bool
    note: str | None = None  # something a teacher should see (a DEBUG probe, a pipe recipient)


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageReceived(Event):
    """The final ``<CRLF>.<CRLF>`` arrived and was answered.

    ``content`` is the message after dot-unstuffing, every line ending in CRLF.
    """

    envelope: Envelope
    content: bytes
    reply: Reply
    accepted: bool
    queue_id: str | None = None
    size: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class ConnectionClosed(ClosedEvent):
    """The session ended. ``reply`` is the server's last word, if it had one."""

    reply: Reply | None = None
    lost_data: bool = False  # a message was in progress and is dropped


@dataclass(frozen=True, slots=True, kw_only=True)
class TlsStarted(Event):
    """STARTTLS was answered 220 (RFC 3207): from here the two ends talk inside TLS. The
    server forgot the session (section 4.2: the client must EHLO again) and discarded any
    input that followed the command; the world makes its handshake before the next bytes."""

    discarded: int = 0  # octets the client pipelined behind STARTTLS, dropped unread


@dataclass(frozen=True, slots=True, kw_only=True)
class ReplyReceived(Event):
    """Client side: a complete (possibly multi-line) reply arrived."""

    reply: Reply
    raw: bytes = field(default=b"")
