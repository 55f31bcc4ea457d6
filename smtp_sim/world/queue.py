"""The MTA's mail queue: every message waiting to leave, with its state, visible at any time."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class EntryState(StrEnum):
    QUEUED = "queued"  # waiting for its first attempt
    ACTIVE = "active"  # an attempt is under way
    DEFERRED = "deferred"  # a temporary failure; waiting to retry
    SENT = "sent"  # accepted by the next hop
    BOUNCED = "bounced"  # failed for good; a bounce went to the sender
    EXPIRED = "expired"  # failed for good and no bounce could be sent


@dataclass(slots=True)  # (a world keeps every entry; slots spare the collector a dict each)
class QueueEntry:
    queue_id: str
    sender: str
    recipients: list[str]
    domain: str
    content: bytes
    arrived: float
    message: str | None = None
    state: EntryState = EntryState.QUEUED
    attempts: int = 0
    next_attempt: float | None = None
    last_reason: str = ""
    relayed_to: str | None = None
    history: list[tuple[float, str]] = field(default_factory=list)

    @property
    def finished(self) -> bool:
        return self.state in (EntryState.SENT, EntryState.BOUNCED, EntryState.EXPIRED)


class MailQueue:
    def __init__(self) -> None:
        self.entries: dict[str, QueueEntry] = {}

    def add(self, entry: QueueEntry) -> QueueEntry:
        self.entries[entry.queue_id] = entry
        return entry

    def waiting(self) -> list[QueueEntry]:
        return [e for e in self.entries.values() if not e.finished]

    def __len__(self) -> int:
        return sum(1 for e in self.entries.values() if not e.finished)
