"""Inspector: one trace record in full.

Its fields; the exact bytes, one wire line per screen line with CR and LF made visible (␍␊,
a bare ␊ marked); for a reply what it means and where the RFC says so; for a command what it
does; and for message content (or a stored message) the headers, the Received: chain, the MIME
tree and each part encoded beside decoded.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text
from textual.reactive import var

from ...protocol.explain import REPLY_CODES, UnknownTopic, explain_command, explain_reply
from ...protocol.pop3_replies import UnknownPop3Topic, explain_pop3
from ...world.mailbox import StoredMessage
from ...world.trace import Kind, Layer, TraceRecord
from ...world.visible import decode, visible
from ...world.world import World
from ..controller import event_number
from ..literal import literal
from ..message_text import heading, message_sections, unstuff
from ..wire import human_size, split_wire_lines, wire_line
from .following import TraceFollower
from .text_pane import TextPane

MAX_WIRE_LINES = 400
_REPLY_LINE = re.compile(r"^(\d{3})(?:[ -]|$)(?:(\d\.\d{1,3}\.\d{1,3})(?:\s|$))?")


def find_stored(world: World, record: TraceRecord) -> StoredMessage | None:
    """The stored message a MAILBOX record speaks of (by mailbox and uid), else the first
    stored copy of the record's message (by trace id)."""
    address, uid = record.get("mailbox"), record.get("uid")
    if address and uid is not None:
        box = world.mailbox(address)
        if box is not None:
            for stored in (*box.messages, *box.junk):
                if stored.uid == uid:
                    return stored
        return None
    if record.message is None:
        return None
    for box in world.mailboxes():
        for stored in (*box.messages, *box.junk):
            if stored.message == record.message:
                return stored
    return None


def _format(value: Any) -> str:
    if isinstance(value, tuple | list):
        return ", ".join(
            " ".join(map(str, v)) if isinstance(v, tuple | list) else str(v) for v in value
        )
    if isinstance(value, bytes):
        return decode(value)
    return str(value)


#: The trace's keys in words (the Inspector showed 'student  True', 'data_line', 'rrtype').
FIELD_NAMES = {
    "a": "one end",
    "b": "other end",
    "attempt": "delivery attempt",
    "ciphertext": "encrypted bytes (hex)",
    "code": "reply code",
    "codes": "reply code",
    "correct": "answer",
    "disposition": "DMARC disposition",
    "dkim": "DKIM",
    "dkim_domain": "DKIM signing domain",
    "dmarc": "DMARC",
    "domain": "destination domain",
    "enhanced": "enhanced status code",
    "fallback": "fallback record",
    "fault": "fault",
    "from_domain": "From: domain",
    "helo_spf": "SPF of the HELO name",
    "issuer": "certificate issuer",
    "name": "name asked",
    "names": "certificate names",
    "not_after": "valid until",
    "not_before": "valid from",
    "ok": "reply",
    "passed": "step",
    "ports": "ports (client, server)",
    "published": "published record",
    "queue_id": "queue id",
    "relay": "next hop",
    "retry_in": "next try in",
    "rrtype": "record type",
    "section": "part of the message",
    "selector": "DKIM selector",
    "server_name": "server name asked (SNI)",
    "spf": "SPF",
    "spf_identity": "SPF identity",
    "stage": "at the command",
    "state": "session state",
    "step": "lesson step",
    "subject": "certificate subject",
    "text": "reply text",
    "uid": "message number",
    "verb": "command",
    "verdict": "certificate check",
}
#: Flags shown as words of their own (name, value), or not at all (None: the title says it).
FLAG_ROWS: dict[str, tuple[tuple[str, str], tuple[str, str]] | None] = {
    "student": (("typed by the student", "yes"), ("typed by the student", "no")),
    "data_line": (("line", "a line of the message (after DATA)"), ("line", "a command line")),
    "correct": (("answer", "right"), ("answer", "wrong")),
    "passed": (("check", "passed"), ("check", "not passed")),
    "encrypted": (("encrypted", "yes (TLS)"), ("encrypted", "no (readable on the wire)")),
    "ok": (("reply", "+OK (positive)"), ("reply", "-ERR (negative)")),
    "pop3": None,
}


def field_rows(key: str, value: Any) -> list[tuple[str, str]]:
    """A trace field as the Inspector's rows: its name in words and its value."""
    if key in FLAG_ROWS and isinstance(value, bool):
        flag = FLAG_ROWS[key]
        return [] if flag is None else [flag[0] if value else flag[1]]
    if key == "verbs":  # (one: the command row says it; more came in one segment, pipelined)
        return [] if len(value) <= 1 else [("commands", _format(value))]
    if key == "retry_in" and isinstance(value, int | float):
        return [(FIELD_NAMES[key], f"{value:g} s of virtual time")]
    text = _format(value)
    if isinstance(value, bool):
        text = "yes" if value else "no"
    return [(FIELD_NAMES.get(key, key.replace("_", " ")), text)]


class Inspector(TextPane):
    """The selected record in full; :meth:`show` it, scroll to read."""

    #: The main screen's revision, bound with ``data_bind``: the view follows the playback
    #: on its own (widgets/following.py).
    revision: var[int] = var(0, init=False)

    def __init__(
        self,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self.record: TraceRecord | None = None
        self.world: World | None = None
        self.follower = TraceFollower()

    # -- the contract ----------------------------------------------------------------------

    def watch_revision(self, revision: int) -> None:
        """Another lesson: nothing of the last one stays (even a record equal to one of the
        new trace's)."""
        pb = self.follower.new_playback(revision)
        if pb is not None:
            self.show(None, pb.world)

    def show(self, record: TraceRecord | None, world: World) -> None:
        """Show ``record`` (None: a hint to pick one) as it is in ``world``."""
        self.record = record
        self.world = world
        self.set_content(self._build)

    def reset(self, world: World) -> None:
        """A rebuilt world: keep showing the same record if the new trace still has it."""
        record = self.record
        if record is not None and record.seq < len(world.trace):
            same = world.trace[record.seq]
            record = same if same == record else None
        else:
            record = None
        self.show(record, world)

    def advance(self, world: World, new: Sequence[TraceRecord]) -> None:
        """Records were added; what is shown does not change (a stored message stays)."""
        self.world = world

    # -- building --------------------------------------------------------------------------

    def _build(self, width: int) -> list[RenderableType]:
        record, world = self.record, self.world
        if record is None or world is None:
            return [
                Text(
                    "Select a record in the event list or the flow diagram (Enter or a "
                    "click) to see it here in full.",
                    style=self.style("pane--muted"),
                )
            ]
        out: list[RenderableType] = [self._title(record), self._fields(record, world)]
        if record.data:
            out += self._wire(record)
        out += self._explanation(record)
        out += self._message(record, world, width)
        return out

    def _title(self, record: TraceRecord) -> Text:
        title = Text(end="")
        title.append(f"#{event_number(record)}  ", self.style("pane--muted"))
        title.append(f"{record.layer.value} {record.kind.value}", self.style("pane--heading"))
        title.append("  ")
        title.append_text(literal(record.summary, self._summary_style(record)))
        return title

    def _summary_style(self, record: TraceRecord):
        if record.kind is Kind.REPLY:
            first = record.summary[:1]
            digit = {"+": "2", "-": "5"}.get(first, first)
            if digit and digit in "2345":
                return self.style(f"pane--reply-{digit}")
        if record.kind is Kind.COMMAND:
            return self.style("pane--client")
        return self.style("pane--value")

    def _fields(self, record: TraceRecord, world: World) -> Table:
        label, value = self.style("pane--label"), self.style("pane--value")
        table = Table.grid(padding=(0, 2))
        table.add_column(style=label, no_wrap=True)
        table.add_column(style=value)

        def row(name: str, text: str) -> None:
            table.add_row(name, literal(text))

        row("time", f"{record.time:.3f} s of virtual time ({world.date_text(record.time)})")
        row("from", self._host(record.src, world))
        row("to", self._host(record.dst, world) if record.dst else "—")
        if record.conn is not None:
            conn = world.network.connections.get(record.conn)
            detail = (
                (f" {conn.client}:{conn.client_port} → {conn.server}:{conn.port} ({conn.state})")
                if conn is not None
                else " (closed now)"
            )
            row("connection", f"#{record.conn}{detail}")
        if record.message is not None:
            row("message", f"{record.message} (follows the message across hops)")
        if record.data and record.get("bytes") is None:
            row("bytes", f"{len(record.data)} ({human_size(len(record.data))})")
        for key, item in record.info:
            for name, text in field_rows(key, item):
                row(name, text)
        if record.layer is Layer.QUEUE:
            self._queue_rows(record, world, row)
        return table

    @staticmethod
    def _host(name: str, world: World) -> str:
        host = world.network.hosts.get(name)
        if host is None:
            return name
        state = "" if host.up else ", DOWN"
        return f"{name} ({host.ip}, {host.role}{state})"

    @staticmethod
    def _queue_rows(record: TraceRecord, world: World, row) -> None:
        mta = world.mtas.get(record.src)
        queue_id = record.get("queue_id")
        entry = mta.queue.entries.get(queue_id) if mta is not None and queue_id else None
        if entry is None:
            return
        nxt = f", next attempt at {entry.next_attempt:.1f} s" if entry.next_attempt else ""
        row("queue entry", f"{entry.state.value}, {entry.attempts} attempt(s){nxt}")
        if entry.last_reason:
            row("last reason", entry.last_reason)

    def _wire(self, record: TraceRecord) -> list[RenderableType]:
        lines = split_wire_lines(record.data)
        client = record.kind in (Kind.COMMAND, Kind.CONTENT)
        prefix = "C:" if client else "S:" if record.kind is Kind.REPLY else "  "
        prefix_style = self.style("pane--client" if client else "pane--server")
        text, eol, bad = (
            self.style("pane--value"),
            self.style("pane--eol"),
            self.style("pane--bad-eol"),
        )
        table = Table.grid(padding=(0, 1))
        table.add_column(style=prefix_style, no_wrap=True, justify="right")
        table.add_column(overflow="fold")
        for number, line in enumerate(lines[:MAX_WIRE_LINES], 1):
            gutter = f"{prefix}{number:>4}" if len(lines) > 1 else prefix
            table.add_row(gutter, wire_line(line, text=text, eol=eol, bad_eol=bad))
        out: list[RenderableType] = [
            heading(
                f"Bytes on the wire ({len(record.data)} bytes, {len(lines)} "
                f"line{'s' if len(lines) != 1 else ''}; \\r\\n ends each line)",
                self.style,
            ),
            table,
        ]
        if len(lines) > MAX_WIRE_LINES:
            out.append(
                Text(f"… {len(lines) - MAX_WIRE_LINES} more lines", style=self.style("pane--muted"))
            )
        if any(line.endswith(b"\n") and not line.endswith(b"\r\n") for line in lines) or any(
            b"\r" in line.rstrip(b"\r\n") for line in lines
        ):
            out.append(
                Text(
                    "A bare \\n or \\r (highlighted) is not a line end in SMTP: servers "
                    "that accept it can be fooled (SMTP smuggling).",
                    style=self.style("pane--bad-eol"),
                )
            )
        return out

    def _explanation(self, record: TraceRecord) -> list[RenderableType]:
        if record.layer not in (Layer.SMTP, Layer.POP3):
            return []
        muted = self.style("pane--muted")
        texts: list[Text] = []
        if record.kind is Kind.REPLY:
            texts = self._reply_texts(record)
        elif record.kind is Kind.COMMAND:
            texts = self._command_texts(record)
        elif record.kind is Kind.CONTENT:
            texts = [
                Text(
                    "The message itself, sent after the 354 reply. Lines that begin with "
                    "a dot get a second one (dot-stuffing) and a line holding only a dot "
                    "ends it (RFC 5321 section 4.5.2).",
                    style=muted,
                )
            ]
        if not texts:
            return []
        return [heading("What it means", self.style), *texts]

    def _reply_texts(self, record: TraceRecord) -> list[Text]:
        value = self.style("pane--value")
        muted = self.style("pane--muted")
        if record.layer is Layer.POP3:
            indicator = "+OK" if record.summary.startswith("+OK") else "-ERR"
            try:
                return [Text(explain_pop3(indicator), style=value)]
            except UnknownPop3Topic:
                return []
        seen: list[tuple[int, str | None]] = []
        for line in decode(record.data).split("\r\n"):
            match = _REPLY_LINE.match(line)
            if match:
                pair = (int(match.group(1)), match.group(2))
                if pair not in seen and (pair[0], None) not in seen:
                    seen.append(pair)
        texts = []
        for code, enhanced in seen:
            try:
                explanation = explain_reply(code, enhanced)
            except UnknownTopic:
                texts.append(
                    Text(
                        f"{code}: not a valid SMTP reply code (200-599).",
                        style=self.style("pane--reply-5"),
                    )
                )
                continue
            digit = str(code)[0]
            texts.append(Text(explanation, style=self.style(f"pane--reply-{digit}")))
            info = REPLY_CODES.get(code)
            if info is not None:
                texts.append(Text(f"RFC: {info.rfc}", style=muted))
            texts.append(Text(""))
        return texts[:-1] if texts and not texts[-1].plain else texts

    def _command_texts(self, record: TraceRecord) -> list[Text]:
        verbs = record.get("verbs") or ((record.get("verb"),) if record.get("verb") else ())
        if not verbs:
            verbs = (record.summary.split(" ", 1)[0],)
        value = self.style("pane--value")
        muted = self.style("pane--muted")
        texts: list[Text] = []
        for verb in dict.fromkeys(str(v) for v in verbs if v):
            try:
                if record.layer is Layer.POP3:
                    texts.append(Text(explain_pop3(verb), style=value))
                    continue
                lines = explain_command(verb).splitlines()
            except (UnknownTopic, UnknownPop3Topic):
                texts.append(
                    Text(f"{visible(verb)}: not a command this simulator knows.", style=muted)
                )
                continue
            keep = [
                line
                for line in lines
                if not line.startswith(("  ", "Success replies", "Error replies"))
            ]
            for line in keep:
                texts.append(Text(line, style=muted if line.startswith("RFC:") else value))
        return texts

    def _message(self, record: TraceRecord, world: World, width: int) -> list[RenderableType]:
        style = self.style
        if record.kind is Kind.CONTENT and record.data:
            return [
                heading("The message, as DATA carried it (dot-stuffing undone)", style),
                *message_sections(unstuff(record.data), style, width),
            ]
        stored = find_stored(world, record)
        if record.layer is Layer.MAILBOX:
            if stored is None:
                return [
                    heading("The message", style),
                    Text(
                        "It is no longer in the mailbox (deleted, or fetched with POP3 "
                        "and removed).",
                        style=style("pane--muted"),
                    ),
                ]
            return [
                heading(
                    f"The message as stored for {visible(stored.recipient)} (message {stored.uid})",
                    style,
                ),
                *message_sections(stored.data, style, width),
            ]
        if stored is not None:
            return [
                Text(
                    f"\nThis message ({record.message}) was stored for "
                    f"{visible(stored.recipient)} as message {stored.uid}: its MAILBOX "
                    "record shows it in full.",
                    style=style("pane--muted"),
                )
            ]
        return []
