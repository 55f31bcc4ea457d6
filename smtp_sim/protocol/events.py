"""What the engines report: small frozen records, built once and never changed."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

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


@dataclass(frozen=True, slots=True, kw_only=True)
class Greeting(Event):
    """The server's opening reply (220, or 554/421 when it will not talk)."""

    reply: Reply


@dataclass(frozen=True, slots=True, kw_only=True)
class CommandReplied(Event):
    """A command line was read and answered. ``accepted`` is True when the table moved."""

    command: Command
    reply: Reply
    state_before: State
    state_after: State
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
class ConnectionClosed(Event):
    """The session ended. ``reply`` is the server's last word, if it had one."""

    reason: str
    by_server: bool
    reply: Reply | None = None
    lost_data: bool = False  # a message was in progress and is dropped


@dataclass(frozen=True, slots=True, kw_only=True)
class ReplyReceived(Event):
    """Client side: a complete (possibly multi-line) reply arrived."""

    reply: Reply
    raw: bytes = field(default=b"")
