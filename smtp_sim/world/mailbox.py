"""Mailboxes: where delivered mail waits for its owner, exportable for a real mail reader.

A mailbox may be backed by a :class:`MailStore` (``smtp-sim serve --maildir``: a Maildir on
disk). The store is told of each message delivered and removed, and names each message with a
key that stays the same across runs (a Maildir's unique name); POP3's UIDL is derived from it
(RFC 1939 section 7). Simulations have no store: the mailbox is then all there is.
"""

from __future__ import annotations

import hashlib
import mailbox as stdlib_mailbox
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

#: a user's password where the MTA's ``passwords`` has none (POP3 and SMTP AUTH logins)
DEFAULT_PASSWORD = "secret"
_UNIQUE_ID = re.compile(r"^[\x21-\x7e]{1,70}$")  # RFC 1939 section 7 (UIDL)


@dataclass(frozen=True, slots=True)
class StoredMessage:
    uid: int
    body: bytes | None  # the message as delivered, CRLF line endings, Return-Path first;
    # None when only its store has it (read again with ``loader``: see ``data``)
    sender: str  # the envelope sender ("" for a bounce)
    recipient: str
    time: float  # virtual delivery time
    message: str | None = None  # trace id
    key: str | None = None  # the store's name for it (a Maildir unique name), if it has one
    size: int = -1  # bytes of ``data`` (computed from the body when there is one)
    wire_size: int = -1  # bytes POP3 sends for it (RFC 1939 section 11: CRLF, ending in CRLF)
    loader: Callable[[], bytes | None] | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.body is not None:
            object.__setattr__(self, "size", len(self.body))
            object.__setattr__(self, "wire_size", wire_size(self.body))
        elif self.loader is None or self.size < 0 or self.wire_size < 0:
            raise ValueError("a message kept only in its store needs its sizes and a loader")

    @property
    def data(self) -> bytes:
        """The message's bytes: in memory, or read from its store (smtp-sim serve keeps
        mailboxes on disk, so memory does not grow with the mail received)."""
        if self.body is not None:
            return self.body
        assert self.loader is not None
        found = self.loader()
        return found if found is not None else b""

    @property
    def unique_id(self) -> str:
        """POP3's unique-id (UIDL): derived from the store's key, so it is the same after a
        restart and never names another message; the mailbox number without a store. A key
        that is not 1-70 printable characters is hashed (RFC 1939 section 7)."""
        key = self.key
        if key is None:
            return str(self.uid)
        if _UNIQUE_ID.match(key):
            return key
        return hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()[:40]

    def parsed(self) -> EmailMessage:
        return message_from_bytes(self.data, policy=policy.default)

    @property
    def subject(self) -> str:
        return str(self.parsed().get("Subject", ""))


class MailStore(Protocol):
    """Where a mailbox's messages are kept outside the simulation (a Maildir)."""

    #: True when the store has every message's bytes, so memory need not keep them.
    keeps_bodies: bool

    def added(self, box: Mailbox, data: bytes) -> str | None:
        """Keep a message just delivered; return its key (None: it could not be kept)."""
        ...

    def removed(self, box: Mailbox, stored: StoredMessage) -> None:
        """The message was deleted (POP3 DELE then QUIT): remove it from the store too."""
        ...

    def keys(self, box: Mailbox) -> list[str] | None:
        """The keys of every message the store holds for ``box`` now, oldest first (None:
        the store cannot tell)."""
        ...

    def load(self, box: Mailbox, key: str) -> bytes | None:
        """The message kept under ``key``, CRLF line ends (None: it is gone)."""
        ...


@dataclass
class Mailbox:
    address: str
    owner: str = ""
    quota: int | None = None  # bytes; None is unlimited
    messages: list[StoredMessage] = field(default_factory=list)
    _next_uid: int = 1
    store: MailStore | None = field(default=None, compare=False, repr=False)
    # The Junk folder: what DMARC quarantined (world/mail_auth.py). POP3 serves the inbox
    # only, as Dovecot's POP3 does.
    junk: list[StoredMessage] = field(default_factory=list)

    @property
    def size(self) -> int:
        return sum(m.size for m in self.messages)

    def has_room_for(self, size: int) -> bool:
        return self.quota is None or self.size + size <= self.quota

    def deliver(
        self, data: bytes, sender: str, time: float, message: str | None = None
    ) -> StoredMessage:
        store = self.store
        key = store.added(self, data) if store is not None else None
        if key is not None and store is not None and store.keeps_bodies:
            # (built as _on_disk would make it, without a first copy holding the bytes)
            stored = StoredMessage(
                self._next_uid,
                None,
                sender,
                self.address,
                time,
                message,
                key,
                len(data),
                wire_size(data),
                lambda: store.load(self, key),
            )
        else:
            stored = StoredMessage(self._next_uid, data, sender, self.address, time, message, key)
        self._next_uid += 1
        self.messages.append(stored)
        return stored

    def deliver_junk(
        self, data: bytes, sender: str, time: float, message: str | None = None
    ) -> StoredMessage:
        """Store a message in the Junk folder (kept in memory only, never in the store)."""
        stored = StoredMessage(self._next_uid, data, sender, self.address, time, message)
        self._next_uid += 1
        self.junk.append(stored)
        return stored

    def _on_disk(self, stored: StoredMessage) -> StoredMessage:
        """The same message without its bytes in memory: its store reads them when asked."""
        store, key = self.store, stored.key
        assert store is not None and key is not None
        return replace(stored, body=None, loader=lambda: store.load(self, key))

    def remove(self, uid: int) -> None:
        gone = [m for m in self.messages if m.uid == uid]
        self.messages = [m for m in self.messages if m.uid != uid]
        if self.store is not None:
            for stored in gone:
                self.store.removed(self, stored)

    def sync(self, time: float) -> tuple[int, int]:
        """Make the mailbox hold what its store holds: messages the store no longer has are
        dropped (a mail reader deleted them from the Maildir), ones it has and the mailbox
        does not are added (written before a restart). Returns (added, dropped)."""
        store = self.store
        found = store.keys(self) if store is not None else None
        if store is None or found is None:
            return 0, 0
        on_disk = set(found)
        kept = [m for m in self.messages if m.key is None or m.key in on_disk]
        dropped = len(self.messages) - len(kept)
        known = {m.key for m in kept}
        added = 0
        for key in found:
            if key in known:
                continue
            data = store.load(self, key)
            if data is None:
                continue
            stored = StoredMessage(
                self._next_uid, data, _return_path(data), self.address, time, None, key
            )
            kept.append(self._on_disk(stored) if store.keeps_bodies else stored)
            self._next_uid += 1
            added += 1
        self.messages = kept
        return added, dropped

    def export_maildir(self, directory: str | Path) -> Path:
        """Write every message into a Maildir at ``directory`` (created if missing)."""
        path = Path(directory)
        box = stdlib_mailbox.Maildir(path, create=True)
        try:
            for m in self.messages:
                box.add(stdlib_mailbox.MaildirMessage(m.data))
        finally:
            box.close()
        return path

    def export_mbox(self, file: str | Path) -> Path:
        """Write every message into an mbox file (``From `` lines escaped by the stdlib)."""
        path = Path(file)
        box = stdlib_mailbox.mbox(path, create=True)
        try:
            box.lock()
            for m in self.messages:
                msg = stdlib_mailbox.mboxMessage(m.data)
                msg.set_from(m.sender or "MAILER-DAEMON")
                box.add(msg)
            box.flush()
            box.unlock()
        finally:
            box.close()
        return path


def _return_path(data: bytes) -> str:
    """The envelope sender recorded in a stored message's first line (``Return-Path: <x>``)."""
    first = data.split(b"\n", 1)[0].rstrip(b"\r")
    if first[:12].lower() != b"return-path:":
        return ""
    return first[12:].strip().strip(b"<>").decode("utf-8", "replace")


def wire_size(data: bytes) -> int:
    """len(pop3.wire_form(data)) without building it: every bare LF becomes CRLF, and a
    message not ending in a line end gets one."""
    extra = data.count(b"\n") - data.count(b"\r\n")
    return len(data) + extra + (0 if not data or data.endswith(b"\n") else 2)
