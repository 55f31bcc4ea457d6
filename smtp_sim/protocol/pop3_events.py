"""What the POP3 engine reports (small frozen records) and what it asks of the mail store."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from .events import ClosedEvent, CommandEvent, GreetingEvent
from .pop3_replies import Pop3Reply
from .pop3_states import Pop3State

# -- what the engine asks of the mail store ---------------------------------------------------


class Maildrop(Protocol):
    """One user's mail, as the engine sees it once the password is right."""

    @property
    def messages(self) -> Sequence[tuple[str, bytes]]:
        """(unique-id, message bytes) in order; the engine takes a snapshot at login."""
        ...

    def delete(self, uids: Sequence[str]) -> bool | None:
        """Remove these messages (the UPDATE state). Return False if some were not removed."""
        ...

    # A maildrop may also offer ``listing() -> [(unique-id, wire size)]`` and
    # ``load(unique-id) -> bytes``: the engine then reads a message only when asked for it
    # (RETR, TOP), instead of copying the whole maildrop at login.


class MaildropProvider(Protocol):
    def authenticate(self, user: str, password: str) -> Maildrop | None:
        """The user's maildrop when the password is right, else None."""
        ...


class MemoryMaildrop:
    """A maildrop held in a list, for tests and lone sessions."""

    def __init__(self, messages: Iterable[tuple[str, bytes]] = ()) -> None:
        self._messages = list(messages)

    @property
    def messages(self) -> Sequence[tuple[str, bytes]]:
        return tuple(self._messages)

    def delete(self, uids: Sequence[str]) -> bool:
        gone = set(uids)
        self._messages = [m for m in self._messages if m[0] not in gone]
        return True


class MemoryProvider:
    """user -> (password, maildrop)."""

    def __init__(self, accounts: Mapping[str, tuple[str, Maildrop]]) -> None:
        self.accounts = dict(accounts)

    def authenticate(self, user: str, password: str) -> Maildrop | None:
        entry = self.accounts.get(user)
        return entry[1] if entry is not None and entry[0] == password else None


# -- events -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Pop3Greeting(GreetingEvent[Pop3Reply]):
    """The server's opening +OK."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Pop3CommandReplied(CommandEvent[Pop3Reply, Pop3State]):
    """A command line was read and answered."""

    uid: str | None = None  # the message the command touched (RETR, TOP, DELE, LIST n, UIDL n)
    deleted: tuple[str, ...] = ()  # QUIT: the messages removed in the UPDATE state
    note: str | None = None  # something a teacher should see

    def __post_init__(self) -> None:
        if self.deleted and self.command.verb != "QUIT":
            raise ValueError("only QUIT deletes messages")

    @property
    def ok(self) -> bool:
        return self.reply.ok

    @property
    def raw(self) -> bytes:
        """The reply exactly as sent, byte-stuffed, with the final dot."""
        return self.reply.to_bytes()


@dataclass(frozen=True, slots=True, kw_only=True)
class Pop3Closed(ClosedEvent):
    """The session ended. ``reply`` is the server's last word, if it had one."""

    reply: Pop3Reply | None = None
    updated: bool = False  # True when it went through UPDATE (marked messages were removed)
