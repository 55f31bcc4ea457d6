"""The trace: one append-only list of immutable records, the single source of what happened.

The UI, the lesson checks and the exports all read it. SMTP and POP3 records carry the exact
bytes that crossed the wire, CRLF included.
"""

from __future__ import annotations

import operator
from array import array
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, overload
from weakref import KeyedRef

from ..protocol.records import unchecked_constructor

if TYPE_CHECKING:
    from .clock import Clock


class Layer(StrEnum):
    TCP = "TCP"
    DNS = "DNS"
    SMTP = "SMTP"
    POP3 = "POP3"
    QUEUE = "QUEUE"
    MAILBOX = "MAILBOX"
    FAULT = "FAULT"
    INFO = "INFO"
    TLS = "TLS"  # handshakes, certificate verdicts (world/tls.py)
    TAP = "TAP"  # what an observer on a link saw cross it (world/tap.py)


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
    # TLS / TAP
    HANDSHAKE = "handshake"  # a TLS handshake flight or alert, as it crossed the link
    TAPPED = "tapped"  # a segment as a tap on a link saw it
    TAMPERED = "tampered"  # an attacker on a link changed a segment


@dataclass(frozen=True, slots=True, weakref_slot=True)
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
            out["data"] = (
                self.data.decode("utf-8", "surrogateescape")
                .encode("utf-8", "backslashreplace")
                .decode("utf-8")
            )
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


# How the trace keeps a record: a row, the plain tuple ``(time, layer, kind, src, dst, summary,
# data, conn, message, info)`` (the seq is its index; the layer and kind are their numbers in
# _LAYERS and _KINDS, small ints).
Row = tuple[
    float,
    int,
    int,
    str,
    "str | None",
    str,
    bytes,
    "int | None",
    "str | None",
    tuple[tuple[str, Any], ...],
]
_LAYERS, _KINDS = tuple(Layer), tuple(Kind)
_LAYER_NUMBER = {layer: number for number, layer in enumerate(_LAYERS)}
_KIND_NUMBER = {kind: number for number, kind in enumerate(_KINDS)}
_new_record = unchecked_constructor(TraceRecord)  # TraceRecord(...) without its __init__


class Trace:
    """Append-only. Listeners are told of each new record (the UI, live exports).

    The records are kept as plain values, not as :class:`TraceRecord` objects. A large world
    keeps hundreds of thousands of records, and Python's cyclic garbage collector walks every
    container object (and looks at everything it refers to), again and again as the trace
    grows: that was a third of a big world's running time. A tuple holding only strings,
    numbers, bytes and such tuples is not tracked by the collector (it untracks one when it
    first looks at it), so the trace costs it almost nothing:

    * a new record is a row, the tuple ``(time, layer, kind, src, dst, summary, data, conn,
      message, info)`` (the record's fields after seq; layer and kind by number);
    * every ``CHUNK`` rows, the chunk is turned into columns, one tuple per field, which take
      less memory than the rows (one tuple per field instead of one per record), and the
      list of chunks stays short. The layers and kinds become ``bytes``, one byte a record;
      the times, when all are floats (an ``int`` stays an int), an ``array`` of doubles: most
      records happen at a moment of their own, and a float object is three times the size of
      a double.

    The :class:`TraceRecord` of a row is built when someone asks for it (indexing, iterating,
    ``records``, ``since``, ``add``, a listener). The trace remembers, weakly, the records it has
    handed out: while anyone holds a record, the trace hands out that same object for its seq.
    It also keeps the last ``KEEP`` records it built alive itself, so that readers going over
    the same records again and again (a lesson's checks after every step, the views) do not
    have them built again each time.

    A trace that runs for hours (``smtp-sim serve`` in a lab) may be given a budget for the
    bytes its records carry (:meth:`limit_data`): past it, the oldest chunks' bytes are
    dropped (their records keep everything else, ``data`` becomes ``b""`` and ``info`` says
    ``data_dropped``), so memory follows the budget, not the mail received.
    """

    CHUNK = 1024  # rows per chunk
    KEEP = 4096  # records built lately and kept alive

    def __init__(self) -> None:
        self._chunks: list[tuple[Sequence[Any], ...]] = []  # full chunks as columns, oldest first
        self._rows: list[Row] = []  # the chunk being filled (fewer than CHUNK rows)
        self._count = 0
        # seq -> a weak reference to the record handed out, while it lives (a lighter
        # WeakValueDictionary: the callback forgets the entry when the record goes)
        self._handed_out: dict[int, KeyedRef[int, TraceRecord]] = {}
        handed_out = self._handed_out

        def forget(ref: KeyedRef[int, TraceRecord]) -> None:
            if handed_out.get(ref.key) is ref:
                del handed_out[ref.key]

        self._forget = forget
        self._kept: deque[TraceRecord] = deque(maxlen=self.KEEP)
        self._listeners: list[Callable[[TraceRecord], None]] = []
        self.records = TraceRecords(self)  # every record, oldest first, as a read-only sequence
        self._data_budget: int | None = None
        self._data_bytes = 0  # bytes held by the sealed chunks' data columns
        self._dropped_chunks = 0  # the oldest chunks whose data went (limit_data)

    def limit_data(self, budget: int) -> None:
        """Keep at most about ``budget`` bytes of records' data (the newest chunk's rows and
        one chunk over it aside): older records lose their bytes, oldest first."""
        if self._data_budget is None:  # (bytes were not counted until now)
            self._data_bytes = sum(
                len(data) for chunk in self._chunks[self._dropped_chunks :] for data in chunk[6]
            )
        self._data_budget = budget
        self._drop_data()

    @property
    def data_dropped_before(self) -> int:
        """The seq before which records' data was dropped (0: none was)."""
        return self._dropped_chunks * self.CHUNK

    def _drop_data(self) -> None:
        budget = self._data_budget
        while budget is not None and self._data_bytes > budget:
            if self._dropped_chunks >= len(self._chunks):
                return
            columns = list(self._chunks[self._dropped_chunks])
            datas, infos = columns[6], columns[9]
            self._data_bytes -= sum(len(d) for d in datas)
            columns[6] = (b"",) * len(datas)
            columns[9] = tuple(
                (*info, ("data_dropped", len(data))) if data else info
                for data, info in zip(datas, infos, strict=True)
            )
            self._chunks[self._dropped_chunks] = tuple(columns)
            self._dropped_chunks += 1

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[TraceRecord]:
        record = self._record
        seq = 0
        while seq < self._count:  # (like a list's iterator, it sees records added meanwhile)
            yield record(seq)
            seq += 1

    @overload
    def __getitem__(self, index: int) -> TraceRecord: ...
    @overload
    def __getitem__(self, index: slice) -> list[TraceRecord]: ...

    def __getitem__(self, index: int | slice) -> TraceRecord | list[TraceRecord]:
        count = self._count
        if isinstance(index, slice):
            record = self._record
            return [record(seq) for seq in range(*index.indices(count))]
        seq = operator.index(index)
        if seq < 0:
            seq += count
        if not 0 <= seq < count:
            raise IndexError("trace index out of range")
        return self._record(seq)

    def subscribe(self, listener: Callable[[TraceRecord], None]) -> None:
        self._listeners.append(listener)

    def add(
        self,
        time: float,
        layer: Layer,
        kind: Kind,
        src: str,
        dst: str | None,
        summary: str,
        *,
        data: bytes = b"",
        conn: int | None = None,
        message: str | None = None,
        info: tuple[tuple[str, Any], ...] = (),
    ) -> TraceRecord:
        """Append a record and return it."""
        self.append(time, layer, kind, src, dst, summary, data, conn, message, info)
        return self._record(self._count - 1)

    def append(
        self,
        time: float,
        layer: Layer,
        kind: Kind,
        src: str,
        dst: str | None,
        summary: str,
        data: bytes = b"",
        conn: int | None = None,
        message: str | None = None,
        info: tuple[tuple[str, Any], ...] = (),
    ) -> None:
        """:meth:`add` for callers that do not want the record back (a busy world's path)."""
        rows = self._rows
        rows.append(
            (
                time,
                _LAYER_NUMBER[layer],
                _KIND_NUMBER[kind],
                src,
                dst,
                summary,
                data,
                conn,
                message,
                info,
            )
        )
        if len(rows) == self.CHUNK:
            self._seal()
        self._count += 1
        if self._listeners:
            record = self._record(self._count - 1)
            for listener in self._listeners:
                listener(record)

    def since(self, seq: int) -> list[TraceRecord]:
        return self[seq:]

    def _seal(self) -> None:
        """File the full chunk of rows as columns."""
        columns: list[Sequence[Any]] = list(zip(*self._rows, strict=True))
        if all(type(t) is float for t in columns[0]):
            columns[0] = array("d", columns[0])  # (reads back equal floats)
        columns[1], columns[2] = bytes(columns[1]), bytes(columns[2])  # (read back as ints)
        self._chunks.append(tuple(columns))
        self._rows.clear()
        if self._data_budget is not None:
            self._data_bytes += sum(len(d) for d in columns[6])
            self._drop_data()

    def _record(self, seq: int) -> TraceRecord:
        """The record at ``seq`` (0 <= seq < len), the same object while anyone holds it."""
        ref = self._handed_out.get(seq)
        record = ref() if ref is not None else None
        if record is None:
            chunk, i = divmod(seq, self.CHUNK)
            if chunk < len(self._chunks):
                times, layers, kinds, srcs, dsts, summaries, datas, conns, messages, infos = (
                    self._chunks[chunk]
                )
                record = _new_record(
                    seq,
                    times[i],
                    _LAYERS[layers[i]],
                    _KINDS[kinds[i]],
                    srcs[i],
                    dsts[i],
                    summaries[i],
                    datas[i],
                    conns[i],
                    messages[i],
                    infos[i],
                )
            else:
                time, layer, kind, src, dst, summary, data, conn, message, info = self._rows[i]
                record = _new_record(
                    seq,
                    time,
                    _LAYERS[layer],
                    _KINDS[kind],
                    src,
                    dst,
                    summary,
                    data,
                    conn,
                    message,
                    info,
                )
            self._handed_out[seq] = KeyedRef(record, self._forget, seq)
            self._kept.append(record)
        return record


class TraceRecords(Sequence[TraceRecord]):
    """``Trace.records``: the records of a trace as a read-only sequence (a live view: it grows
    with the trace). Indexing, slicing (a list), iterating, ``reversed()`` and ``len()``."""

    __slots__ = ("_trace",)

    def __init__(self, trace: Trace) -> None:
        self._trace = trace

    def __len__(self) -> int:
        return len(self._trace)

    @overload
    def __getitem__(self, index: int) -> TraceRecord: ...
    @overload
    def __getitem__(self, index: slice) -> list[TraceRecord]: ...

    def __getitem__(self, index: int | slice) -> TraceRecord | list[TraceRecord]:
        return self._trace[index]

    def __iter__(self) -> Iterator[TraceRecord]:
        return iter(self._trace)

    def __reversed__(self) -> Iterator[TraceRecord]:
        record = self._trace._record  # (a sibling in this module)
        return (record(seq) for seq in range(len(self._trace) - 1, -1, -1))


class Recorder:
    """What a component writes to the trace with: records stamped with the clock's time.

    Every part of the world that leaves records (the network, DNS, MTAs, mail programs) is
    given this, not the whole world."""

    __slots__ = ("clock", "trace")

    def __init__(self, trace: Trace, clock: Clock) -> None:
        self.trace = trace
        self.clock = clock

    def record(
        self,
        layer: Layer,
        kind: Kind,
        src: str,
        dst: str | None,
        summary: str,
        *,
        data: bytes = b"",
        conn: int | None = None,
        message: str | None = None,
        info: tuple[tuple[str, Any], ...] = (),
    ) -> TraceRecord:
        """Append a record at the clock's time and return it."""
        return self.trace.add(
            self.clock.now,
            layer,
            kind,
            src,
            dst,
            summary,
            data=data,
            conn=conn,
            message=message,
            info=info,
        )

    def log(
        self,
        layer: Layer,
        kind: Kind,
        src: str,
        dst: str | None,
        summary: str,
        *,
        data: bytes = b"",
        conn: int | None = None,
        message: str | None = None,
        info: tuple[tuple[str, Any], ...] = (),
    ) -> None:
        """:meth:`record` without building the record to return (the model's own path)."""
        self.trace.append(self.clock.now, layer, kind, src, dst, summary, data, conn, message, info)
