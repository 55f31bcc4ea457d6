"""A step's checks kept up to date as the trace grows, each record read once.

A lesson's checks run after every clock event, and each kind of check in ``checks.py`` looks at
every record since its step began. Asking them afresh each time made grading quadratic in the
length of an attempt (a student who types 4,000 NOOPs on one step). Here each check of the
step being worked on is *watched*: a :class:`Watch` is fed the records added since it last
looked and keeps what it needs, so the answer after each event costs no more than the new
records (and the few connections or messages involved).

Every watch gives exactly what ``check.passed(ctx)`` gives over all the records since the step
began (``tests/course/test_incremental.py`` compares them after every event of every built-in
lesson). Where it can, a watch lets the check itself decide, over the few records that can
matter, so the check's own code stays the definition:

* checks that pass when *some record* passes a test of its own (``sent``, ``data``, ``queue``,
  ``dns``, ``tcp``, ``mailbox-event``, ``narrated``, ``tls``, ``tap``) are asked about each batch of new records
  until one passes, and stay passed;
* ``connected`` and ``state`` ask about the terminal's connection now, so their watch keeps the
  first record that can count on each connection and hands the check the one for the
  terminal's current connection;
* ``mailbox`` is handed only the STORED records of its mailbox;
* ``reply`` and ``pop3`` carry state from record to record (the last verb on each connection,
  which connections are the student's): the check itself is a scan that can be fed in
  batches (``ReplyScan``, ``Pop3Scan`` in scans.py), and their watch keeps one scan open;
* ``quiz`` looks at no records; ``all``, ``any`` and ``not`` watch their parts;
* any other kind (a check registered elsewhere) is given every record since the step began,
  as before.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from ..world.trace import Kind, TraceRecord
from .checks import (
    AllOf,
    AnyOf,
    BaseCheck,
    CheckContext,
    Connected,
    DataLine,
    DnsLookup,
    MailboxEvent,
    MailboxHas,
    Narrated,
    Not,
    Pop3Reply,
    QueueEvent,
    QuizAnswered,
    ReplyCheck,
    Sent,
    SessionState,
    Tapped,
    TcpEvent,
    TlsEvent,
)
from .scans import Pop3Scan, ReplyScan


class Watch:
    """One check over a growing list of records: :meth:`feed` the new records, in order, then
    :meth:`passed` answers for all the records fed so far (``ctx.records`` is not read)."""

    def __init__(self, check: BaseCheck) -> None:
        self.check = check

    def feed(self, records: Sequence[TraceRecord]) -> None:
        raise NotImplementedError

    def passed(self, ctx: CheckContext) -> bool:
        raise NotImplementedError


class EveryRecord(Watch):
    """Any kind not known here: the check is asked about every record fed, as it always was."""

    def __init__(self, check: BaseCheck) -> None:
        super().__init__(check)
        self.records: list[TraceRecord] = []

    def feed(self, records: Sequence[TraceRecord]) -> None:
        self.records.extend(records)

    def passed(self, ctx: CheckContext) -> bool:
        return self.check.passed(replace(ctx, records=self.records))


class SomeRecord(Watch):
    """A check that passes when one record passes its test, whatever the others are: asked
    about the records not yet seen until it passes once."""

    def __init__(self, check: BaseCheck) -> None:
        super().__init__(check)
        self.found = False
        self.unseen: list[TraceRecord] = []

    def feed(self, records: Sequence[TraceRecord]) -> None:
        if not self.found:
            self.unseen.extend(records)

    def passed(self, ctx: CheckContext) -> bool:
        if not self.found and self.unseen:
            self.found = self.check.passed(replace(ctx, records=self.unseen))
            self.unseen = []
        return self.found


class NoRecords(Watch):
    """A check that reads no records (``quiz``)."""

    def feed(self, records: Sequence[TraceRecord]) -> None:
        pass

    def passed(self, ctx: CheckContext) -> bool:
        return self.check.passed(replace(ctx, records=()))


class FirstOnConnection(Watch):
    """``connected`` and ``state``: the check asks whether a record of one sort was seen on the
    terminal's current connection (on any, while it has none). Keep the first of each
    connection, and hand the check the one that matters now."""

    def __init__(self, check: BaseCheck, counts: Callable[[TraceRecord], bool]) -> None:
        super().__init__(check)
        self.counts = counts
        self.first: dict[int | None, TraceRecord] = {}

    def feed(self, records: Sequence[TraceRecord]) -> None:
        first, counts = self.first, self.counts
        for r in records:
            if r.conn not in first and counts(r):
                first[r.conn] = r

    def passed(self, ctx: CheckContext) -> bool:
        term = ctx.terminal
        if term is None or term.conn is None:
            witness = [next(iter(self.first.values()))] if self.first else []
        else:
            r = self.first.get(term.conn.id)
            witness = [] if r is None else [r]
        return self.check.passed(replace(ctx, records=witness))


class StoredIn(Watch):
    """``mailbox``: the check reads only the STORED records (of its mailbox)."""

    def __init__(self, check: MailboxHas) -> None:
        super().__init__(check)
        self.address = check.address
        self.stored: dict[str, list[TraceRecord]] = {}

    def feed(self, records: Sequence[TraceRecord]) -> None:
        for r in records:
            if r.kind is Kind.STORED:
                self.stored.setdefault(r.get("mailbox"), []).append(r)

    def passed(self, ctx: CheckContext) -> bool:
        box = ctx.world.mailbox(self.address)
        stored = self.stored.get(box.address, []) if box is not None else []
        return self.check.passed(replace(ctx, records=stored))


class Scanned(Watch):
    """``reply`` and ``pop3``: the check's own scan (checks.py), kept open as records come."""

    def __init__(self, check: BaseCheck, scan: ReplyScan | Pop3Scan) -> None:
        super().__init__(check)
        self.scan = scan

    def feed(self, records: Sequence[TraceRecord]) -> None:
        self.scan.feed(records)

    def passed(self, ctx: CheckContext) -> bool:
        return self.scan.passed(ctx)


class Combined(Watch):
    """``all``, ``any`` and ``not``: their parts watched, combined as the check does."""

    def __init__(
        self,
        check: BaseCheck,
        parts: list[Watch],
        combine: Callable[[list[Watch], CheckContext], bool],
    ) -> None:
        super().__init__(check)
        self.parts = parts
        self.combine = combine

    def feed(self, records: Sequence[TraceRecord]) -> None:
        for part in self.parts:
            part.feed(records)

    def passed(self, ctx: CheckContext) -> bool:
        return self.combine(self.parts, ctx)


_SOME_RECORD = (
    Sent,
    DataLine,
    QueueEvent,
    DnsLookup,
    TcpEvent,
    MailboxEvent,
    Narrated,
    TlsEvent,
    Tapped,
)


def watch(check: BaseCheck) -> Watch:
    """The watch for ``check`` (exact class: a subclass may have changed what it looks at)."""
    kind = type(check)
    if kind in _SOME_RECORD:
        return SomeRecord(check)
    if kind is QuizAnswered:
        return NoRecords(check)
    if kind is ReplyCheck:
        return Scanned(check, ReplyScan(check))  # type: ignore[arg-type]
    if kind is Pop3Reply:
        return Scanned(check, Pop3Scan(check))  # type: ignore[arg-type]
    if kind is MailboxHas:
        return StoredIn(check)  # type: ignore[arg-type]
    if kind is Connected:
        return FirstOnConnection(check, lambda r: r.kind is Kind.ACK)
    if kind is SessionState:
        state = check.state  # type: ignore[attr-defined]
        return FirstOnConnection(check, lambda r: r.kind is Kind.REPLY and r.get("state") == state)
    if kind is AllOf:
        return Combined(
            check,
            [watch(c) for c in check.checks],  # type: ignore[attr-defined]
            lambda parts, ctx: all(p.passed(ctx) for p in parts),
        )
    if kind is AnyOf:
        return Combined(
            check,
            [watch(c) for c in check.checks],  # type: ignore[attr-defined]
            lambda parts, ctx: any(p.passed(ctx) for p in parts),
        )
    if kind is Not:
        return Combined(
            check,
            [watch(check.check)],  # type: ignore[attr-defined]
            lambda parts, ctx: not parts[0].passed(ctx),
        )
    return EveryRecord(check)


class StepWatch:
    """The checks of one step, from the trace position where the step began."""

    def __init__(self, index: int, started_at: int, checks: Sequence[BaseCheck]) -> None:
        self.index = index
        self.started_at = started_at
        self.fed = started_at  # trace records fed so far end here
        self.watches = [watch(c) for c in checks]

    def catch_up(self, records: Sequence[TraceRecord]) -> None:
        """Feed the records from ``self.fed`` on (``records`` are exactly those)."""
        for w in self.watches:
            w.feed(records)
        self.fed += len(records)

    def passed(self, ctx: CheckContext) -> bool:
        return all(w.passed(ctx) for w in self.watches)
