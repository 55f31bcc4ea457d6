"""The trace: one append-only list of immutable records, the single source of what happened.

The UI, the lesson checks and the exports all read it. SMTP and POP3 records carry the exact
bytes that crossed the wire, CRLF included.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Layer(StrEnum):
    TCP = "TCP"
    DNS = "DNS"
    SMTP = "SMTP"
    POP3 = "POP3"
    QUEUE = "QUEUE"
    MAILBOX = "MAILBOX"
    FAULT = "FAULT"
    INFO = "INFO"


class Kind(StrEnum):
    # TCP
    SYN = "SYN"
    SYN_ACK = "SYN-ACK"
    ACK = "ACK"
    FIN = "FIN"
    RST = "RST"
    RETRANSMIT = "retransmit"
    TIMEOUT = "timeout"
    # SMTP / POP3: bytes on the wire
    COMMAND = "command"  # a client's command line(s)
    REPLY = "reply"  # a server's reply (or replies, when written together)
    CONTENT = "content"  # the message content after 354, dot-stuffed, with the final dot
    # DNS
    QUERY = "query"
    ANSWER = "answer"
    # QUEUE
    QUEUED = "queued"
    ATTEMPT = "attempt"
    DEFERRED = "deferred"
    SENT = "sent"
    BOUNCED = "bounced"
    EXPIRED = "expired"
    # MAILBOX
    STORED = "stored"
    RETRIEVED = "retrieved"
    DELETED = "deleted"
    # INFO / FAULT
    NOTE = "note"
    ERROR = "error"
    NARRATION = "narration"
    FAULT = "fault"


@dataclass(frozen=True, slots=True)
class TraceRecord:
    """One observable thing. ``time`` is virtual seconds; ``data`` the exact bytes (SMTP/POP3).

    ``info`` holds typed details as (key, value) pairs: ``verb``/``verbs`` for commands,
    ``codes`` for replies, ``rrtype``/``answers`` for DNS, ``queue_id``/``reason`` for the queue.
    """

    seq: int
    time: float
    layer: Layer
    kind: Kind
    src: str
    dst: str | None
    summary: str
    data: bytes = b""
    conn: int | None = None
    message: str | None = None  # the message's trace id (follows it across hops)
    info: tuple[tuple[str, Any], ...] = ()

    def get(self, key: str, default: Any = None) -> Any:
        for k, v in self.info:
            if k == key:
                return v
        return default

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "seq": self.seq,
            "time": round(self.time, 6),
            "layer": self.layer.value,
            "kind": self.kind.value,
            "src": self.src,
            "dst": self.dst,
            "summary": self.summary,
        }
        if self.data:
            out["data"] = self.data.decode("utf-8", "surrogateescape").encode(
                "utf-8", "backslashreplace").decode("utf-8")
        if self.conn is not None:
            out["conn"] = self.conn
        if self.message is not None:
            out["message"] = self.message
        if self.info:
            out["info"] = {k: _jsonable(v) for k, v in self.info}
        return out


def _jsonable(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


class Trace:
    """Append-only. Listeners are told of each new record (the UI, live exports)."""

    def __init__(self) -> None:
        self.records: list[TraceRecord] = []
        self._listeners: list[Callable[[TraceRecord], None]] = []

    def __len__(self) -> int:
        return len(self.records)

    def __iter__(self) -> Iterator[TraceRecord]:
        return iter(self.records)

    def __getitem__(self, index: int) -> TraceRecord:
        return self.records[index]

    def subscribe(self, listener: Callable[[TraceRecord], None]) -> None:
        self._listeners.append(listener)

    def add(self, time: float, layer: Layer, kind: Kind, src: str, dst: str | None,
            summary: str, *, data: bytes = b"", conn: int | None = None,
            message: str | None = None, info: tuple[tuple[str, Any], ...] = ()) -> TraceRecord:
        records = self.records
        record = TraceRecord(len(records), time, layer, kind, src, dst, summary, data, conn,
                             message, info)
        records.append(record)
        if self._listeners:
            for listener in self._listeners:
                listener(record)
        return record

    def since(self, seq: int) -> list[TraceRecord]:
        return self.records[seq:]
