"""RecordLines: the shared base of the views that show one trace record per line.

A line-API widget (``ScrollView`` + ``render_line``): only the visible lines are ever rendered,
so a trace of 100,000 records scrolls and filters as fast as one of 100. It keeps the records
that pass its filter, a cursor, and follows the newest record unless the user scrolled up.
Subclasses say which records they show (``matches``) and how a line looks (``render_row``).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.reactive import var
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...world.trace import Kind, Layer, TraceRecord
from ..theme import text_style
from .following import TraceFollower

if TYPE_CHECKING:
    from ...world.world import World  # a type only: the first frame must not load the world

#: Component classes shared by every record view (their colours live in styles/views.tcss).
RECORD_COMPONENTS = {
    "records--header",
    "records--cursor",
    "records--time",
    "records--host",
    "records--dim",
    "records--command",
    "records--content",
    "records--reply-2",
    "records--reply-3",
    "records--reply-4",
    "records--reply-5",
    *(f"records--layer-{layer.value.lower()}" for layer in Layer),
}


def reply_class(record: TraceRecord) -> int | None:
    """The first digit of a reply (2..5), POP3's +OK as 2 and -ERR as 5; None for others."""
    if record.kind is not Kind.REPLY:
        return None
    codes = record.get("codes")
    if codes:
        return int(codes[0]) // 100
    summary = record.summary
    if summary.startswith("+OK"):
        return 2
    if summary.startswith("-ERR"):
        return 5
    if summary[:3].isdigit():
        return int(summary[0])
    return None


def record_component(record: TraceRecord) -> str:
    """The component class that colours a record's summary (and its arrow in the flow)."""
    digit = reply_class(record)
    if digit in (2, 3, 4, 5):
        return f"records--reply-{digit}"
    if record.kind is Kind.COMMAND:
        return "records--command"
    if record.kind is Kind.CONTENT:
        return "records--content"
    return f"records--layer-{record.layer.value.lower()}"


class RecordLines(ScrollView, can_focus=True, inherit_bindings=False):
    """One trace record per line, with a cursor; the base of EventList and FlowDiagram."""

    #: The main screen's revision, bound with ``data_bind``: the view follows the playback
    #: on its own (widgets/following.py).
    revision: var[int] = var(0, init=False)

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor_up", "Previous record", show=False),
        Binding("down", "cursor_down", "Next record", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home", "first", "First record", show=False),
        Binding("end", "last", "Newest record (follow)", show=False),
        Binding("enter", "select", "Inspect record", show=False),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = set(RECORD_COMPONENTS)

    DEFAULT_CSS = """
    RecordLines {
        height: 1fr;
        overflow-x: hidden;
        overflow-y: auto;
    }
    """

    #: Lines at the top that stay put while the records scroll (a column header).
    header_height: ClassVar[int] = 1

    @dataclass
    class RecordHighlighted(Message):
        """The cursor moved onto a record (by key or mouse). Floods are merged."""

        view: RecordLines
        record: TraceRecord

        @property
        def control(self) -> RecordLines:
            return self.view

        def can_replace(self, message: Message) -> bool:
            return type(message) is type(self) and message.view is self.view

    @dataclass
    class RecordSelected(Message):
        """A record was chosen (Enter or a click): the app shows it in the Inspector."""

        view: RecordLines
        record: TraceRecord

        @property
        def control(self) -> RecordLines:
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
        self.follower = TraceFollower()
        self.world: World | None = None
        self._all: list[TraceRecord] = []
        self._rows: list[TraceRecord] = []
        self._cursor: int | None = None
        self._strips: LRUCache[tuple, Strip] = LRUCache(maxsize=2048)
        self._styles: dict[str, Style] = {}
        self._follow = True  # stick to the newest record until the user scrolls up
        self._unseen = 0  # rows added below while not following (said in the border)

    # -- the contract the app drives -----------------------------------------------------------

    def watch_revision(self, revision: int) -> None:
        self.follower.follow(self, revision)

    def reset(self, world: World) -> None:
        """Show ``world`` from scratch (its whole trace so far)."""
        self.world = world
        self._all = list(world.trace.records)
        self.world_changed(world)
        self._refilter(keep_cursor=False)
        self._follow = True
        self._scroll_to_end()
        self._say_unseen(0)

    def advance(self, world: World, new: Sequence[TraceRecord]) -> None:
        """Show the records appended since the last call; follows them if at the bottom."""
        self.world = world
        self._all.extend(new)
        added = [record for record in new if self.matches(record)]
        if not added:
            return
        self.rows_added(added)
        self._rows.extend(added)
        self._set_virtual_size()
        if self._follow:
            self._scroll_to_end()
        else:  # the student scrolled up to read: stay, and say what came below
            self._say_unseen(self._unseen + len(added))
        self.refresh()

    def _say_unseen(self, count: int) -> None:
        self._unseen = count
        self.set_class(bool(count), "-unseen")  # (a bottom border to carry the words)
        self.border_subtitle = (
            (f"{count:,} new event{'s' if count != 1 else ''} below (End to follow)")
            if count
            else None
        )

    # -- what subclasses provide ---------------------------------------------------------------

    def matches(self, record: TraceRecord) -> bool:
        """Whether this view shows ``record``."""
        return True

    def world_changed(self, world: World) -> None:
        """A new world (reset): recompute anything derived from its topology."""

    def rows_added(self, rows: list[TraceRecord]) -> None:
        """``rows`` are about to be appended (after a reset they all are, at once)."""

    def render_header(self, width: int) -> list[Segment]:
        return []

    def render_row(self, record: TraceRecord, width: int) -> list[Segment]:
        return [Segment(record.summary)]

    # -- model state (what tests and the app read) ---------------------------------------------

    @property
    def rows(self) -> Sequence[TraceRecord]:
        """The records shown, oldest first."""
        return self._rows

    @property
    def row_count(self) -> int:
        return len(self._rows)

    @property
    def cursor_row(self) -> int | None:
        return self._cursor

    @property
    def cursor_record(self) -> TraceRecord | None:
        return None if self._cursor is None else self._rows[self._cursor]

    @property
    def following(self) -> bool:
        """True while the view sticks to the newest record (the user has not scrolled up)."""
        return self._follow

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        # Scrolling up (wheel, keys, the scrollbar) stops following; reaching the end resumes.
        self._follow = new_value >= self.max_scroll_y
        if self._follow and self._unseen:
            self._say_unseen(0)

    def _scroll_to_end(self) -> None:
        # force: right after the virtual size grows the scrollbar is not laid out yet
        self.scroll_to(y=self.max_scroll_y, animate=False, immediate=True, force=True)
        self._follow = True
        if self._unseen:
            self._say_unseen(0)

    def move_cursor(self, row: int | None, *, scroll: bool = True) -> None:
        """Put the cursor on ``row`` (clamped), scroll it into view and post RecordHighlighted."""
        if row is None or not self._rows:
            self._cursor = None
            self.refresh()
            return
        row = max(0, min(row, len(self._rows) - 1))
        if row == self._cursor:
            return
        self._cursor = row
        if scroll:
            self._scroll_to_row(row)
        self.refresh()
        self.post_message(self.RecordHighlighted(self, self._rows[row]))

    def select_row(self, row: int) -> None:
        """Move the cursor to ``row`` and post RecordSelected for it."""
        self.move_cursor(row)
        if self._cursor is not None:
            self.post_message(self.RecordSelected(self, self._rows[self._cursor]))

    def row_of(self, record: TraceRecord) -> int | None:
        """The line showing ``record`` (by its sequence number), if it passes the filter."""
        seqs = _SeqView(self._rows)
        index = bisect_left(seqs, record.seq)
        if index < len(self._rows) and self._rows[index].seq == record.seq:
            return index
        return None

    # -- filtering -----------------------------------------------------------------------------

    def _refilter(self, *, keep_cursor: bool = True) -> None:
        current = self.cursor_record if keep_cursor else None
        matches = self.matches
        self._rows = [record for record in self._all if matches(record)]
        self.filter_changed(self._rows)
        self._cursor = None
        if current is not None:
            self._cursor = self.row_of(current)
        self._strips.clear()
        self._set_virtual_size()
        if self._cursor is not None:
            self._scroll_to_row(self._cursor, center=True)
        self.refresh()

    def filter_changed(self, rows: list[TraceRecord]) -> None:
        """The set of shown rows was rebuilt (reset or a new filter)."""
        self.rows_added(rows)

    # -- rendering -----------------------------------------------------------------------------

    def component_style(self, name: str) -> Style:
        """A component's text style (colour and attributes, no background), cached."""
        style = self._styles.get(name)
        if style is None:
            style = self._styles[name] = text_style(self, name)
        return style

    def component_background(self, name: str) -> Style:
        """A component's whole style, background included (for a line's base)."""
        return self.rich_style + self.get_component_rich_style(name, default=Style())

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()
        self._strips.clear()

    def _set_virtual_size(self) -> None:
        self.virtual_size = Size(0, len(self._rows) + self.header_height)

    def on_resize(self) -> None:
        self._strips.clear()
        if self._follow:
            self._scroll_to_end()

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.rich_style
        if y < self.header_height:
            key: tuple = ("header", y, width)
            strip = self._strips.get(key)
            if strip is None:
                header = self.component_background("records--header")
                segments = self.render_header(width) if y == 0 else []
                strip = Strip(segments).adjust_cell_length(width).apply_style(header)
                self._strips[key] = strip
            return strip
        index = self.scroll_offset.y + y - self.header_height
        if index >= len(self._rows):
            return Strip.blank(width, base)
        record = self._rows[index]
        selected = index == self._cursor
        key = (record.seq, width, selected)
        strip = self._strips.get(key)
        if strip is None:
            strip = Strip(self.render_row(record, width)).adjust_cell_length(width)
            strip = strip.apply_style(base)
            if selected:  # the cursor's colours win, so the line stays legible on any theme
                cursor = self.get_component_rich_style("records--cursor", default=Style())
                over = Style(color=cursor.color, bgcolor=cursor.bgcolor, bold=cursor.bold)
                strip = Strip(
                    [Segment(text, (style or Style()) + over) for text, style, _ in strip],
                    strip.cell_length,
                )
            self._strips[key] = strip
        return strip

    # -- navigation ----------------------------------------------------------------------------

    @property
    def _page(self) -> int:
        return max(1, self.scrollable_content_region.height - self.header_height)

    def _scroll_to_row(self, row: int, *, center: bool = False) -> None:
        top = int(self.scroll_offset.y)
        page = self._page
        if center:
            target = max(0, row - page // 2)
        elif row < top:
            target = row
        elif row >= top + page:
            target = row - page + 1
        else:
            return
        self.scroll_to(y=target, animate=False, immediate=True, force=True)

    def _visible_rows(self) -> tuple[int, int]:
        top = int(self.scroll_offset.y)
        return top, min(len(self._rows), top + self._page) - 1

    def action_cursor_up(self) -> None:
        if self._cursor is None:
            self.move_cursor(self._visible_rows()[1])
        else:
            self.move_cursor(self._cursor - 1)

    def action_cursor_down(self) -> None:
        if self._cursor is None:
            self.move_cursor(self._visible_rows()[0])
        else:
            self.move_cursor(self._cursor + 1)

    def action_page_up(self) -> None:
        start = self._visible_rows()[1] if self._cursor is None else self._cursor
        self.move_cursor(start - self._page)

    def action_page_down(self) -> None:
        start = self._visible_rows()[0] if self._cursor is None else self._cursor
        self.move_cursor(start + self._page)

    def action_first(self) -> None:
        self.move_cursor(0)
        self.scroll_to(y=0, animate=False, immediate=True, force=True)

    def action_last(self) -> None:
        """Go to the newest record and follow the simulation again."""
        self.move_cursor(len(self._rows) - 1, scroll=False)
        self._scroll_to_end()

    def action_select(self) -> None:
        if self._cursor is None:
            self.action_cursor_up()
        if self._cursor is not None:
            self.post_message(self.RecordSelected(self, self._rows[self._cursor]))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y < self.header_height:
            return
        row = int(self.scroll_offset.y) + offset.y - self.header_height
        if 0 <= row < len(self._rows):
            self.focus()
            self.select_row(row)


class _SeqView(Sequence[int]):
    """The rows' sequence numbers, for bisect, without copying 100,000 of them."""

    def __init__(self, rows: list[TraceRecord]) -> None:
        self._rows = rows

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, index):  # type: ignore[override]
        return self._rows[index].seq


def layers_of(layers: Iterable[Layer | str] | None) -> frozenset[Layer] | None:
    """Normalise a layer filter: None (every layer) or a frozenset of Layer."""
    if layers is None:
        return None
    return frozenset(Layer(layer) for layer in layers)
