"""FlowDiagram: the conversation as a sequence chart, like Wireshark's flow graph.

One lane per host that appears (in order of first appearance, so lanes never reorder while
the simulation runs), one arrow per record with its summary on it, virtual time on the left.
SMTP and POP3 by default; :meth:`FlowDiagram.set_layers` adds TCP, DNS and the rest. Lanes
spread across the width; when they are too close, host names are abbreviated.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style

from ...world.trace import Kind, Layer, TraceRecord
from ...world.visible import visible
from ...world.world import World
from .record_lines import RECORD_COMPONENTS, RecordLines, layers_of, record_component

DEFAULT_LAYERS = frozenset({Layer.SMTP, Layer.POP3})
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


class FlowDiagram(RecordLines):
    """A sequence chart of the trace: lanes for hosts, arrows for commands and replies."""

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
        wide_labels: bool = False,
    ) -> None:
        """``wide_labels`` (the presenter's): a label longer than its arrow is written beside
        it, where the row has the most room, instead of cut to the arrow's length."""
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self.wide_labels = wide_labels
        self._layers: frozenset[Layer] = layers_of(layers) or DEFAULT_LAYERS
        self._lanes: list[str] = []
        self._lane_index: dict[str, int] = {}
        self._geometry: tuple[int, int, list[int], list[str]] | None = None

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

    def matches(self, record: TraceRecord) -> bool:
        # (a connection that failed is drawn too: the SYN nobody answered, the refusal; in
        # an MX-fallback lesson the dead primary is the moment to see)
        return record.layer in self._layers or (
            record.layer is Layer.TCP
            and record.kind in _FAILURES
            and bool(self._layers & DEFAULT_LAYERS)
        )

    def world_changed(self, world: World) -> None:
        self._lanes = []
        self._lane_index = {}

    def filter_changed(self, rows: list[TraceRecord]) -> None:
        self._lanes = []
        self._lane_index = {}
        self.rows_added(rows)

    def rows_added(self, rows: list[TraceRecord]) -> None:
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

    # -- geometry --------------------------------------------------------------------------

    def _layout(self, width: int) -> tuple[list[int], list[str]]:
        """The x of each lane and its (maybe abbreviated) name, for this width."""
        cached = self._geometry
        if cached is not None and cached[0] == width and cached[1] == len(self._lanes):
            return cached[2], cached[3]
        count = max(1, len(self._lanes))
        area = max(count, width - TIME_WIDTH)
        spacing = area / count
        centres = [TIME_WIDTH + int(spacing * (i + 0.5)) for i in range(len(self._lanes))]
        names = abbreviate([visible(n) for n in self._lanes], max(1, int(spacing) - 1))
        self._geometry = (width, len(self._lanes), centres, names)
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

    def render_row(self, record: TraceRecord, width: int) -> list[Segment]:
        centres, _ = self._layout(width)
        cells = _Cells(width)
        cells.put(
            0,
            f"{record.time:>{TIME_WIDTH - 1}.3f}"[-(TIME_WIDTH - 1) :],
            self.component_style("records--time"),
        )
        lane = self.component_style("flow--lane")
        for x in centres:
            cells.put(x, LANE, lane)
        style = self.component_style(record_component(record))
        if record.layer is Layer.TCP:
            style = self.component_style("records--dim")
        label = visible(record.summary[:_LABEL_LIMIT])
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
