"""The checks that carry state from record to record, as scans fed in batches.

A reply is judged by what came before it on its connection (the verb it answers, whether the
student typed there), so :class:`~smtp_sim.course.checks.ReplyCheck` and
:class:`~smtp_sim.course.checks.Pop3Reply` read the records as a scan: their ``passed()`` is
one scan over the step's records, and their watch in ``course/incremental.py`` keeps one scan
open as the trace grows. One definition for both.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..world.trace import Kind, Layer, TraceRecord

if TYPE_CHECKING:
    from .checks import CheckContext, Pop3Reply, ReplyCheck


class ReplyScan:
    """:class:`ReplyCheck` over records fed in order, in batches."""

    def __init__(self, check: ReplyCheck) -> None:
        self.check = check
        self.to = check.to.upper() if check.to else None
        self.last_verb: dict[int | None, str] = {}  # connection -> the verb last sent on it
        self.last_line: dict[int | None, str] = {}  # connection -> the line (``command``)
        self.student_conns: set[int | None] = set()  # connections the student typed on
        self.found = False  # a reply that passes, on a connection known to be the student's
        # Connections with a reply that passes but came before anything showed the connection
        # was the student's: it counts while that connection is the terminal's.
        self.pending: set[int | None] = set()

    def feed(self, records: Sequence[TraceRecord]) -> None:
        if self.found:
            return
        c = self.check
        last_verb, student_conns = self.last_verb, self.student_conns
        for r in records:
            kind = r.kind
            if kind is Kind.COMMAND:
                last_verb[r.conn] = r.get("verb", "")
                if c.command:
                    self.last_line[r.conn] = r.data.decode("utf-8", "replace")
                if r.get("student"):
                    student_conns.add(r.conn)
            elif kind is Kind.CONTENT:
                # The student types the lone dot as a line of its own; a mail server sends
                # the message in chunks, the last ending with the final dot.
                if r.get("student"):
                    student_conns.add(r.conn)
                if r.data.rstrip(b"\r\n") == b"." or r.data.endswith(b"\r\n.\r\n"):
                    last_verb[r.conn] = "<end of data>"
                    self.last_line[r.conn] = "."
            if kind is not Kind.REPLY:
                continue
            if c.host and r.src != c.host:
                continue
            if self.to and last_verb.get(r.conn, "").upper() != self.to:
                continue
            if c.command and not re.search(c.command, self.last_line.get(r.conn, ""), re.I):
                continue
            codes = r.get("codes", ())
            if c.code is not None and c.code not in codes:
                continue
            if c.reply_class is not None and not any(
                code // 100 == c.reply_class for code in codes
            ):
                continue
            if not c.student or r.conn in student_conns:
                self.found = True
                return
            self.pending.add(r.conn)

    def passed(self, ctx: CheckContext) -> bool:
        if self.found:
            return True
        term = ctx.terminal
        return term is not None and term.conn is not None and term.conn.id in self.pending


class Pop3Scan:
    """:class:`Pop3Reply` over records fed in order, in batches."""

    def __init__(self, check: Pop3Reply) -> None:
        self.check = check
        self.to = check.to.upper() if check.to else None
        self.last_verb: dict[int | None, str] = {}
        self.found = False

    def feed(self, records: Sequence[TraceRecord]) -> None:
        if self.found:
            return
        c = self.check
        last_verb = self.last_verb
        for r in records:
            if r.layer is not Layer.POP3:
                continue
            if r.kind is Kind.COMMAND:
                if c.student and not r.get("student"):
                    continue
                last_verb[r.conn] = r.get("verb", "")
            elif r.kind is Kind.REPLY and r.conn in last_verb:
                if self.to and last_verb[r.conn].upper() != self.to:
                    continue
                if bool(r.get("ok")) == c.ok:
                    self.found = True
                    return

    def passed(self, ctx: CheckContext) -> bool:
        return self.found
