"""FlowDiagram: the conversation as a sequence chart, like Wireshark's flow graph.

One lane per host that appears (in order of first appearance, so lanes never reorder while
the simulation runs), one arrow per record with its summary on it, virtual time on the left.
SMTP and POP3 by default; :meth:`FlowDiagram.set_layers` adds TCP, DNS and the rest, and the
student switches the TCP and DNS lanes on and off with ctrl+l or a click on the header's
``☐ TCP DNS`` (on from the start in a lesson whose file says ``flow_layers``). A connection
that failed is drawn whatever the layers: its SYN nobody answered and the timeout or refusal.
Lanes spread across the width, the outer ones as near the edges as their names allow; when
they are too close, host names are abbreviated. A label longer than its arrow goes beside it
where the row has more room (``wide_labels``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, ClassVar, Protocol

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.strip import Strip

from ...world.trace import Kind, Layer, TraceRecord
from ...world.visible import visible
from ...world.world import World
from .record_lines import RECORD_COMPONENTS, RecordLines, layers_of, record_component

if TYPE_CHECKING:
    from ...course.lesson import Lesson

DEFAULT_LAYERS = frozenset({Layer.SMTP, Layer.POP3})
#: What the toggle (ctrl+l, the header's ☐ TCP DNS) adds: the segments and the lookups.
NETWORK_LAYERS = frozenset({Layer.TCP, Layer.DNS})
TOGGLE_ON = "\u2611 TCP DNS"
TOGGLE_OFF = "\u2610 TCP DNS"
_FAILURES = frozenset({Kind.TIMEOUT, Kind.RST})  # TCP records drawn: connections that failed
TIME_WIDTH = 10  # "   12.345 "
_LABEL_LIMIT = 300

LANE = "│"
LINE = "─"
HEAD_RIGHT = "▶"
HEAD_LEFT = "◀"
NOTE = "●"


def abbreviate(names: list[str], room: int) -> list[str]:
    """Host names that fit ``room`` cells: the name itself, else its shortest leading labels
    that no other lane shares ("smtp", "pc.crepes"), cut with … when still too long."""
    out = []
    for name in names:
        if len(name) <= room:
            out.append(name)
            continue
        parts = name.split(".")
        short = name
        for k in range(1, len(parts) + 1):
            candidate = ".".join(parts[:k])
            if not any(
                other != name and (other == candidate or other.startswith(candidate + "."))
                for other in names
            ):
                short = candidate
                break
        if len(short) > room:
            short = short[: max(0, room - 1)] + "…" if room > 1 else short[:room]
        out.append(short)
    return out


class _LessonApp(Protocol):
    """An app showing a lesson (the app's and the presenter's): its file may ask for lanes."""

    lesson: Lesson


class FlowDiagram(RecordLines):
    """A sequence chart of the trace: lanes for hosts, arrows for commands and replies."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *RecordLines.BINDINGS,
        Binding(
            "ctrl+l",
            "toggle_network",
            "TCP and DNS lanes",
            tooltip="Show or hide the TCP segments (SYN, SYN-ACK, ACK, FIN) and the DNS lookups",
        ),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {*RECORD_COMPONENTS, "flow--lane", "flow--lane-header"}

    DEFAULT_CSS = """
    FlowDiagram {
        height: 1fr;
        overflow-x: hidden;
        overflow-y: auto;
    }
    """

    class RecordHighlighted(RecordLines.RecordHighlighted):
        """The cursor moved onto an arrow: ``on_flow_diagram_record_highlighted``."""

    class RecordSelected(RecordLines.RecordSelected):
        """An arrow was chosen (Enter or click): ``on_flow_diagram_record_selected``."""

    def __init__(
        self,
        *,
        layers: Iterable[Layer | str] = DEFAULT_LAYERS,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
        wide_labels: bool = True,
    ) -> None:
        """``wide_labels``: a label longer than its arrow is written beside it, where the row
        has the most room, instead of cut to the arrow's length."""
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self.wide_labels = wide_labels
        self._layers: frozenset[Layer] = layers_of(layers) or DEFAULT_LAYERS
        self._lanes: list[str] = []
        self._lane_index: dict[str, int] = {}
        self._geometry: tuple[int, int, list[int], list[str]] | None = None
        self._failed: set[int] = set()  # connections whose SYN got no SYN-ACK
        self._answered: set[int] = set()  # connections whose SYN got one
        self._in_data: dict[int | None, bool] = {}  # a 354 seen, no empty line yet
        self._header_ends: set[int] = set()  # seqs of the empty lines that end the headers
        self._lesson: object = None  # the lesson whose flow_layers were applied

    # -- model -----------------------------------------------------------------------------

    @property
    def shown_layers(self) -> frozenset[Layer]:  # (not `layers`: Widget.layers is CSS)
        return self._layers

    @property
    def lanes(self) -> list[str]:
        """The hosts with a lane, left to right."""
        return list(self._lanes)

    def set_layers(self, layers: Iterable[Layer | str]) -> None:
        """Show records of these layers (SMTP and POP3 by default). Lanes are recomputed."""
        self._layers = layers_of(layers) or frozenset()
        self._refilter()

    @property
    def network_shown(self) -> bool:
        """Whether the TCP or the DNS lane is on (the toggle's state: ☑ turns both off)."""
        return bool(self._layers & NETWORK_LAYERS)

    def action_toggle_network(self) -> None:
        """ctrl+l, or a click on the header's ☐ TCP DNS: the TCP and DNS lanes on or off."""
        if self.network_shown:
            self.set_layers(self._layers - NETWORK_LAYERS)
        else:
            self.set_layers(self._layers | NETWORK_LAYERS)
        self._strips.clear()

    def matches(self, record: TraceRecord) -> bool:
        # (a connection that failed is drawn too: the SYN nobody answered, the refusal; in
        # an MX-fallback lesson the dead primary is the moment to see)
        if record.layer in self._layers:
            return True
        if record.layer is not Layer.TCP or not self._layers & DEFAULT_LAYERS:
            return False
        return record.kind in _FAILURES or (
            record.kind is Kind.SYN and record.conn is not None and record.conn in self._failed
        )

    def reset(self, world: World) -> None:
        self._lesson_layers()
        self._failed, self._answered = set(), set()
        self._note_failures(world.trace.records)
        super().reset(world)

    def advance(self, world: World, new: Sequence[TraceRecord]) -> None:
        if self._note_failures(new) and Layer.TCP not in self._layers:
            # A SYN drawn after the fact: its connection failed (rows rebuilt, in order).
            self.world = world
            self._all.extend(new)
            self._refilter()
            if self.following:
                self._scroll_to_end()
            return
        super().advance(world, new)

    def _note_failures(self, records: Iterable[TraceRecord]) -> bool:
        """Remember which connections failed; True when one did among ``records``."""
        failed = False
        for record in records:
            if record.layer is not Layer.TCP or record.conn is None:
                continue
            if record.kind is Kind.SYN_ACK:
                self._answered.add(record.conn)
            elif record.kind in _FAILURES and record.conn not in self._answered:
                self._failed.add(record.conn)
                failed = True
        return failed

    def _lesson_layers(self) -> None:
        """A lesson whose file says ``flow_layers = ["tcp", "dns"]`` opens with those lanes on
        (once per lesson: the student's toggle then stands, across steps back and resets)."""
        lesson = self._shown_lesson()
        if lesson is None or lesson is self._lesson:
            return
        self._lesson = lesson
        names = getattr(lesson, "flow_layers", ()) or ()
        extra = layers_of(name.upper() for name in names) or frozenset()
        self._layers = (self._layers - NETWORK_LAYERS) | extra

    def _shown_lesson(self) -> object:
        """The lesson on screen, if any: the app's main screen holds it (the presenter's app
        holds it itself; an export's app has none)."""
        if not self.is_attached:
            return None
        return getattr(self.screen, "lesson", None) or getattr(self.app, "lesson", None)

    def world_changed(self, world: World) -> None:
        self._lanes = []
        self._lane_index = {}

    def filter_changed(self, rows: list[TraceRecord]) -> None:
        self._lanes = []
        self._lane_index = {}
        self._in_data = {}
        self._header_ends = set()
        self.rows_added(rows)

    def rows_added(self, rows: list[TraceRecord]) -> None:
        self._find_header_ends(rows)
        index = self._lane_index
        before = len(self._lanes)
        lanes = self._lanes
        for record in rows:
            src, dst = record.src, record.dst
            if src in index and (dst is None or dst in index):
                continue
            # The client side first, so a conversation reads left to right: a reply (or a
            # SYN-ACK) introduces its destination, the client, before its source.
            pair = (dst, src) if record.kind in (Kind.REPLY, Kind.SYN_ACK) else (src, dst)
            for host in pair:
                if host is not None and host not in index:
                    index[host] = len(lanes)
                    lanes.append(host)
        if len(self._lanes) != before:
            self._geometry = None
            self._strips.clear()

    def _find_header_ends(self, rows: list[TraceRecord]) -> None:
        """The empty line typed after a message's headers (the first one after a 354): its
        arrow is labelled as the end of the headers (RFC 5322 section 2.1)."""
        in_data = self._in_data
        for record in rows:
            if record.layer is not Layer.SMTP:
                continue
            if record.kind is Kind.REPLY:
                in_data[record.conn] = record.summary.startswith("354")
            elif record.kind is Kind.CONTENT and record.data == b"\r\n":
                if in_data.get(record.conn):
                    self._header_ends.add(record.seq)
                in_data[record.conn] = False

    def label_of(self, record: TraceRecord) -> str:
        """The words on a record's arrow: its summary, or what an empty line is."""
        if record.kind is Kind.CONTENT and record.data == b"\r\n" and not record.summary:
            if record.seq in self._header_ends:
                return "(empty line: the headers end, the body begins)"
            return "(empty line)"
        return visible(record.summary[:_LABEL_LIMIT])

    # -- geometry --------------------------------------------------------------------------

    def _layout(self, width: int) -> tuple[list[int], list[str]]:
        """The x of each lane and its (maybe abbreviated) name, for this width: the outer
        lanes as near the edges as their names allow, the others evenly between (the longer
        the arrows, the more of their labels fits)."""
        cached = self._geometry
        if cached is not None and cached[0] == width and cached[1] == len(self._lanes):
            return cached[2], cached[3]
        count = len(self._lanes)
        full = [visible(n) for n in self._lanes]
        area = max(max(count, 1), width - TIME_WIDTH)
        if count < 2:
            centres = [TIME_WIDTH + area // 2] * count
            names = abbreviate(full, max(1, area - 1))
        elif count == 2:  # (a student's own session) the lanes at the edges, names beside
            centres = [TIME_WIDTH + 1, width - 3]
            names = abbreviate(full, max(1, (area - 1) // 2))
        else:
            spacing = area / count  # (as evenly spread: the names' room at the least)
            names = abbreviate(full, max(1, int(spacing) - 1))
            for _ in range(2):  # wider room, longer names, wider margins: twice settles it
                left = cell_len(names[0]) // 2 + 1
                right = (cell_len(names[-1]) + 1) // 2 + 1
                wider = max(spacing, (area - left - right) / (count - 1))
                names = abbreviate(full, max(1, int(wider) - 1))
            spacing = max(spacing, (area - left - right) / (count - 1))
            names = abbreviate(full, max(1, int(spacing) - 1))
            start = TIME_WIDTH + (left if spacing > area / count else int(area / count / 2))
            centres = [start + int(spacing * i) for i in range(count)]
        self._geometry = (width, count, centres, names)
        return centres, names

    def lane_x(self, host: str) -> int | None:
        """The column of ``host``'s lane at the current width (for tests and the app)."""
        index = self._lane_index.get(host)
        if index is None:
            return None
        return self._layout(self.scrollable_content_region.width)[0][index]

    # -- rendering -------------------------------------------------------------------------

    def render_header(self, width: int) -> list[Segment]:
        centres, names = self._layout(width)
        cells = _Cells(width)
        cells.put(0, f"{'time s':>{TIME_WIDTH - 1}}", None)
        style = self.component_style("flow--lane-header")
        for x, name in zip(centres, names, strict=True):
            start = max(TIME_WIDTH, min(width - cell_len(name), x - cell_len(name) // 2))
            cells.put(start, name, style)
        return cells.segments()

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        if y or self._shown_lesson() is None:
            return strip  # (the toggle is the app's; an export's header says "time s")
        toggle = TOGGLE_ON if self.network_shown else TOGGLE_OFF
        style = self.component_style("flow--lane-header") + Style(underline=True)
        cells = Strip([Segment(f"{toggle:<{TIME_WIDTH - 1}}", style)])
        return Strip.join([cells, strip.crop(TIME_WIDTH - 1, strip.cell_length)])

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is not None and offset.y == 0 and offset.x < TIME_WIDTH - 1:
            event.prevent_default()  # (RecordLines.on_click, a line's click, runs otherwise)
            self.action_toggle_network()

    def render_row(self, record: TraceRecord, width: int) -> list[Segment]:
        centres, _ = self._layout(width)
        cells = _Cells(width)
        cells.put(0, time_text(record.time), self.component_style("records--time"))
        lane = self.component_style("flow--lane")
        for x in centres:
            cells.put(x, LANE, lane)
        style = self.component_style(record_component(record))
        if record.layer is Layer.TCP:
            style = self.component_style("records--dim")
        label = self.label_of(record)
        src = self._lane_index.get(record.src)
        dst = self._lane_index.get(record.dst) if record.dst is not None else None
        if src is None:
            return cells.segments()
        a = centres[src]
        if dst is None or dst == src:
            cells.put(a, NOTE, style)
            room = width - a - 3
            if room >= 3:
                cells.put(a + 2, _fit(label, room), style)
            return cells.segments()
        b = centres[dst]
        lo, hi = min(a, b), max(a, b)
        for x in range(lo + 1, hi):
            cells.put(x, LINE, style)
        if a < b:
            cells.put(hi - 1, HEAD_RIGHT, style)
        else:
            cells.put(lo + 1, HEAD_LEFT, style)
        # The label sits between the arrow's first and last two cells, a space either side.
        span = hi - lo - 5
        left, right = lo - TIME_WIDTH - 2, width - hi - 3  # the room beside the arrow
        if self.wide_labels and cell_len(label) > span - 2 and max(left, right) > span:
            if left >= right:  # right-aligned, ending two cells before the arrow
                text = _fit(label, left)
                cells.put(lo - 1 - cell_len(text), text, style)
            else:
                cells.put(hi + 2, _fit(label, right), style)
        elif span >= 3:
            text = f" {_fit(label, span - 2)} "
            start = lo + 3 + (span - cell_len(text)) // 2
            bold = style + Style(bold=True) if record.kind is Kind.COMMAND else style
            cells.put(start, text, bold)
        return cells.segments()


def time_text(time: float) -> str:
    """A time for the time column, right-aligned: thousandths while they fit, fewer decimals
    (rounded, never cut) for the times of a lesson that waits days (432165.2)."""
    room = TIME_WIDTH - 1
    for places in (3, 1, 0):
        text = f"{time:>{room}.{places}f}"
        if len(text) <= room:
            return text
    return text


def _fit(text: str, room: int) -> str:
    if cell_len(text) <= room:
        return text
    return set_cell_size(text, room - 1) + "…"


class _Cells:
    """One screen line as cells, so lanes, arrows and labels can be drawn over each other."""

    def __init__(self, width: int) -> None:
        self.width = width
        self.text: list[str] = [" "] * width
        self.style: list[Style | None] = [None] * width

    def put(self, x: int, text: str, style: Style | None) -> None:
        for char in text:
            size = cell_len(char)
            if x < 0 or x + size > self.width:
                return
            self.text[x] = char
            self.style[x] = style
            if size == 2:  # a wide character covers the next cell
                self.text[x + 1] = ""
                self.style[x + 1] = style
            x += size

    def segments(self) -> list[Segment]:
        out: list[Segment] = []
        run: list[str] = []
        current: Style | None = None
        for char, style in zip(self.text, self.style, strict=True):
            if style is not current and run:
                out.append(Segment("".join(run), current))
                run = []
            current = style
            run.append(char)
        if run:
            out.append(Segment("".join(run), current))
        return out
