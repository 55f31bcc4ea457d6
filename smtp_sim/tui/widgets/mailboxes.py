"""MailboxView: every user's mailbox, like a mail reader: a tree of mailboxes and messages on
the left, the selected message (headers, body, attachments) on the right.

Everything shown is literal text: a subject holding ``[bold]`` or an escape sequence displays
as typed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from email.utils import parseaddr, parsedate_to_datetime
from typing import ClassVar

from rich.console import RenderableType
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.reactive import var
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from ...world.mailbox import Mailbox, StoredMessage
from ...world.trace import Layer, TraceRecord
from ...world.world import World
from ..literal import literal
from ..message_text import (
    attachments,
    decoded_text,
    header_value,
    heading,
    parse,
    raw_headers,
    received_chain,
    report_sections,
)
from ..wire import human_size
from .following import TraceFollower
from .text_pane import TextPane

MAX_BODY_LINES = 400

#: (mailbox address, uid); uid None for the mailbox itself (and its Junk folder).
NodeData = tuple[str, int | None]


class MailboxView(Horizontal):
    """Mailboxes and their messages; select one to read it."""

    #: The main screen's revision, bound with ``data_bind``: the view follows the playback
    #: on its own (widgets/following.py).
    revision: var[int] = var(0, init=False)

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "mailbox--address",
        "mailbox--count",
        "mailbox--subject",
        "mailbox--meta",
    }

    DEFAULT_CSS = """
    MailboxView {
        height: 1fr;
    }
    MailboxView > #mailbox-tree {
        width: auto;
        min-width: 24;
        max-width: 45%;
        height: 1fr;
    }
    MailboxView.-browsing > #mailbox-tree {
        max-width: 70%;
    }
    MailboxView > #mailbox-message {
        width: 1fr;
        min-width: 14;
        height: 1fr;
    }
    """

    @dataclass
    class MessageSelected(Message):
        """A message was chosen in the tree: ``on_mailbox_view_message_selected``."""

        view: MailboxView
        address: str
        stored: StoredMessage

        @property
        def control(self) -> MailboxView:
            return self.view

    def __init__(
        self,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        # (nothing chosen yet: born browsing, not restyled into it once mounted)
        self.set_class(True, "-browsing", update=False)
        self.follower = TraceFollower()
        self.world: World | None = None
        self.selected: tuple[str, int] | None = None
        self._boxes: dict[str, TreeNode[NodeData]] = {}
        self._junk: dict[str, TreeNode[NodeData]] = {}  # a mailbox's Junk folder, once used
        self._messages: dict[tuple[str, int], TreeNode[NodeData]] = {}

    def compose(self) -> ComposeResult:
        tree: Tree[NodeData] = Tree("Mailboxes", id="mailbox-tree")
        tree.show_root = False
        tree.guide_depth = 3
        yield tree
        yield TextPane(id="mailbox-message")

    @property
    def mailbox_tree(self) -> Tree[NodeData]:  # (not `tree`: DOMNode.tree is a debug view)
        return self.query_one("#mailbox-tree", Tree)

    @property
    def reader(self) -> TextPane:
        return self.query_one("#mailbox-message", TextPane)

    # -- the contract ----------------------------------------------------------------------

    def watch_revision(self, revision: int) -> None:
        self.follower.follow(self, revision)

    def reset(self, world: World) -> None:
        self.world = world
        self.mailbox_tree.clear()
        self._boxes.clear()
        self._junk.clear()
        self._messages.clear()
        self._sync(world)
        if self.selected is not None and self._stored(*self.selected) is None:
            self.selected = None
        self._show_selected()

    def advance(self, world: World, new: Sequence[TraceRecord]) -> None:
        """Only MAILBOX records (stored, retrieved, deleted) change what a mailbox holds."""
        self.world = world
        if any(record.layer is Layer.MAILBOX for record in new):
            self._sync(world)
            if self.selected is not None and self._stored(*self.selected) is None:
                self.selected = None
                self._show_selected()

    # -- model state -----------------------------------------------------------------------

    def mailbox_addresses(self) -> list[str]:
        return list(self._boxes)

    def message_count(self, address: str) -> int:
        """The messages in the inbox of ``address`` (its Junk folder: :meth:`junk_count`)."""
        node = self._boxes.get(address)
        if node is None:
            return 0
        return sum(1 for child in node.children if child.data and child.data[1] is not None)

    def junk_count(self, address: str) -> int:
        """The messages DMARC quarantined for ``address`` (world/mail_auth.py)."""
        node = self._junk.get(address)
        return len(node.children) if node is not None else 0

    def select_message(self, address: str, uid: int) -> None:
        """Show a message in the reader (and highlight it in the tree)."""
        node = self._messages.get((address, uid))
        if node is None:
            return
        if node.parent is not None:
            node.parent.expand()
        self.mailbox_tree.move_cursor(node)
        self._choose(address, uid)

    # -- the tree --------------------------------------------------------------------------

    def _sync(self, world: World) -> None:
        tree = self.mailbox_tree
        for box in sorted(world.mailboxes(), key=lambda b: b.address):
            node = self._boxes.get(box.address)
            if node is None:
                node = tree.root.add(self._box_label(box), data=(box.address, None), expand=True)
                self._boxes[box.address] = node
            else:
                node.set_label(self._box_label(box))
            present = {stored.uid for stored in (*box.messages, *box.junk)}
            for (address, uid), child in list(self._messages.items()):
                if address == box.address and uid not in present:
                    child.remove()
                    del self._messages[(address, uid)]
            junk = self._junk.get(box.address)  # (the inbox's messages come before it)
            for stored in box.messages:
                if (box.address, stored.uid) not in self._messages:
                    leaf = node.add_leaf(
                        self._message_label(stored), data=(box.address, stored.uid), before=junk
                    )
                    self._messages[(box.address, stored.uid)] = leaf
            if box.junk:
                self._sync_junk(node, box)

    def _sync_junk(self, node: TreeNode[NodeData], box: Mailbox) -> None:
        """The Junk folder under its mailbox: what DMARC quarantined (``p=quarantine``)."""
        folder = self._junk.get(box.address)
        label = Text("Junk", self._style("mailbox--address"))
        label.append(f" ({len(box.junk)})", self._style("mailbox--count"))
        label.append("  quarantined by DMARC", self._style("mailbox--meta"))
        if folder is None:
            folder = node.add(label, data=(box.address, None), expand=True)
            self._junk[box.address] = folder
        else:
            folder.set_label(label)
        for stored in box.junk:
            if (box.address, stored.uid) not in self._messages:
                leaf = folder.add_leaf(self._message_label(stored), data=(box.address, stored.uid))
                self._messages[(box.address, stored.uid)] = leaf

    def _style(self, name: str) -> Style:
        """A component's colour and attributes, without a background (the tree's shows)."""
        full = self.get_component_rich_style(name, default=Style())
        return Style(color=full.color, bold=full.bold, italic=full.italic)

    def _box_label(self, box: Mailbox) -> Text:
        label = literal(box.address, self._style("mailbox--address"))
        count = len(box.messages)
        label.append(f" ({count})", self._style("mailbox--count"))
        if box.owner:
            label.append("  ")
            label.append_text(literal(box.owner, self._style("mailbox--meta")))
        return label

    def _message_label(self, stored: StoredMessage) -> Text:
        """``2. Subject · Sender · 09:00:05 · 1.2 KiB``: what a mail reader's list shows."""
        # Each field on its own: a message typed by hand often has no From: or Date: at all.
        try:
            message = parse(stored.data)
        except Exception:  # a message the parser rejects still gets a line
            message = None
        subject, sender, date = "(unreadable)", stored.sender or "(no sender)", ""
        if message is not None:
            subject = _field(lambda: header_value(message, "Subject")) or "(no subject)"
            name, address = _field(lambda: parseaddr(header_value(message, "From"))) or ("", "")
            sender = name or address or stored.sender or "(no sender)"
            date = (
                _field(
                    lambda: parsedate_to_datetime(header_value(message, "Date")).strftime(
                        "%H:%M:%S"
                    )
                )
                or ""
            )
        meta = self._style("mailbox--meta")
        label = Text(f"{stored.uid}. ", end="")
        label.append_text(literal(subject, self._style("mailbox--subject")))
        label.append(" · ", meta)
        label.append_text(literal(sender, meta))
        if date:
            label.append(f" · {date}", meta)
        label.append(f" · {human_size(len(stored.data))}", meta)
        return label

    @on(Tree.NodeHighlighted, "#mailbox-tree")
    @on(Tree.NodeSelected, "#mailbox-tree")
    def _node_chosen(self, event: Tree.NodeHighlighted | Tree.NodeSelected) -> None:
        event.stop()
        data = event.node.data
        if data is None or data[1] is None:
            return
        self._choose(data[0], data[1])

    def _choose(self, address: str, uid: int) -> None:
        if self.selected == (address, uid):
            return
        self.selected = (address, uid)
        self._show_selected()
        stored = self._stored(address, uid)
        if stored is not None:
            self.post_message(self.MessageSelected(self, address, stored))

    # -- the reader ------------------------------------------------------------------------

    def _stored(self, address: str, uid: int) -> StoredMessage | None:
        box = self.world.mailbox(address) if self.world is not None else None
        if box is None:
            return None
        return next((m for m in (*box.messages, *box.junk) if m.uid == uid), None)

    def _show_selected(self) -> None:
        stored = self._stored(*self.selected) if self.selected is not None else None
        reader = self.reader
        # Nothing to read yet: the list takes the width its lines need (a message chosen,
        # the reader gets the most of it back).
        self.set_class(stored is None, "-browsing")
        if stored is None:
            reader.set_content(
                lambda width: [
                    Text(
                        # (walkA, mx-lookup at 80x24: no key was named; Tab and Enter
                        # went to the console)
                        "Choose a message on the left to read it: click it, or press "
                        "ctrl+g, then Up/Down and Enter (Escape: back to the console).",
                        style=reader.style("pane--muted"),
                    )
                ]
            )
            return
        reader.set_content(lambda width: self._read(stored, reader))

    def _read(self, stored: StoredMessage, reader: TextPane) -> list[RenderableType]:
        style = reader.style
        message = parse(stored.data)
        fields = Table.grid(padding=(0, 2))
        fields.add_column(style=style("pane--label"), no_wrap=True)
        fields.add_column(style=style("pane--value"))
        for name in ("From", "To", "Cc", "Subject", "Date"):
            value = header_value(message, name)
            if value or name in ("From", "Subject"):
                fields.add_row(name, literal(value))
        fields.add_row(
            "Envelope", literal(f"MAIL FROM:<{stored.sender}>  RCPT TO:<{stored.recipient}>")
        )
        delivered = self.world.date_text(stored.time) if self.world is not None else ""
        fields.add_row(
            "Delivered",
            literal(f"{stored.time:.3f} s ({delivered}), {human_size(len(stored.data))}"),
        )
        out: list[RenderableType] = [
            fields,
            heading("Body", style),
            self._body(message),
            *report_sections(message, style),
        ]
        files = attachments(message)
        if files:
            out.append(heading(f"Attachments ({len(files)})", style))
            table = Table.grid(padding=(0, 2))
            table.add_column(style=style("pane--value"))
            table.add_column(style=style("pane--mime"))
            table.add_column(style=style("pane--label"), justify="right")
            for info in files:
                table.add_row(
                    literal(info.filename or "(no name)"),
                    literal(info.content_type),
                    human_size(info.size),
                )
            out.append(table)
        out += [
            heading("Received: chain", style),
            *received_chain(message, style),
            heading("All headers", style),
            raw_headers(stored.data, style),
        ]
        return out

    @staticmethod
    def _body(message) -> Text:
        try:
            part = message.get_body(preferencelist=("plain", "html"))
        except Exception:
            part = None
        if part is None:
            return Text("(no text body)", end="")
        text = decoded_text(part).replace("\r\n", "\n").rstrip("\n")
        lines = text.split("\n")
        out = Text(end="")
        for index, line in enumerate(lines[:MAX_BODY_LINES]):
            if index:
                out.append("\n")
            out.append_text(literal(line.expandtabs(8)))
        if len(lines) > MAX_BODY_LINES:
            out.append(f"\n… {len(lines) - MAX_BODY_LINES} more lines")
        return out


def _field(read):
    """One header's value, or None when it is missing or malformed."""
    try:
        return read()
    except Exception:
        return None
