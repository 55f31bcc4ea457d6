"""Mailboxes: where delivered mail waits for its owner, exportable for a real mail reader."""

from __future__ import annotations

import mailbox as stdlib_mailbox
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path


@dataclass(frozen=True, slots=True)
class StoredMessage:
    uid: int
    data: bytes  # the message as delivered, CRLF line endings, Return-Path first
    sender: str  # the envelope sender ("" for a bounce)
    recipient: str
    time: float  # virtual delivery time
    message: str | None = None  # trace id

    def parsed(self) -> EmailMessage:
        return message_from_bytes(self.data, policy=policy.default)  # type: ignore[return-value]

    @property
    def subject(self) -> str:
        return str(self.parsed().get("Subject", ""))


@dataclass
class Mailbox:
    address: str
    owner: str = ""
    quota: int | None = None  # bytes; None is unlimited
    messages: list[StoredMessage] = field(default_factory=list)
    _next_uid: int = 1

    @property
    def size(self) -> int:
        return sum(len(m.data) for m in self.messages)

    def has_room_for(self, size: int) -> bool:
        return self.quota is None or self.size + size <= self.quota

    def deliver(self, data: bytes, sender: str, time: float,
                message: str | None = None) -> StoredMessage:
        stored = StoredMessage(self._next_uid, data, sender, self.address, time, message)
        self._next_uid += 1
        self.messages.append(stored)
        return stored

    def remove(self, uid: int) -> None:
        self.messages = [m for m in self.messages if m.uid != uid]

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
