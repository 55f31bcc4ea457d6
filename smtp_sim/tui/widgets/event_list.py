"""EventList: every trace record, one per line, like Packet Tracer's event list.

Columns: number, virtual time, source, destination, layer, kind, summary. Filter by layer and by
host with :meth:`EventList.set_filter`; an active filter is named in the border title (with how
many records pass it) and outlives resets (stepping back rebuilds the world). Line API, so
100,000 records stay fast.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.content import Content

from ...world.trace import Kind, Layer, TraceRecord
from ...world.visible import pieces, visible
from ..controller import event_number
from ..filtering import KEEP, Keep
from ..literal import CONTROL_STYLE
from .flow_diagram import abbreviate
from .record_lines import RECORD_COMPONENTS, RecordLines, layers_of, record_component

if TYPE_CHECKING:
    from ...world.world import World  # a type only: the first frame must not load the world


_MIN_HOST = 4
_MAX_HOST = 24
_MIN_TIME = 7  # "123.456"
_MIN_SUMMARY = 28  # cells the summary keeps before the hosts' names are shortened
_TOLD_APART = 10  # the room in which a host's name is its labels that tell it apart
_TOLD_APART_NARROW = 6  # ... below 60 columns (80x24's 45): "pc.cr…", "mail", "smtp"
_SUMMARY_LIMIT = 400  # characters of a summary worth preparing for one screen line


def fit(text: str, width: int) -> str:
    """``text`` padded or cut to exactly ``width`` cells, with … when cut."""
    if width <= 0:
        return ""
    if cell_len(text) <= width:
        return set_cell_size(text, width)
    return set_cell_size(text, width - 1) + "…"


class EventList(RecordLines):
    """Every trace record: time, source, destination, layer, kind and summary."""

    COMPONENT_CLASSES: ClassVar[set[str]] = set(RECORD_COMPONENTS)

    DEFAULT_CSS = """
    EventList {
        height: 1fr;
        overflow-x: hidden;
        overflow-y: auto;
    }
    EventList.-filtered {
        border-top: solid $accent;
        border-title-align: left;
    }
    """

    class RecordHighlighted(RecordLines.RecordHighlighted):
        """The cursor moved onto a record: ``on_event_list_record_highlighted``."""

    class RecordSelected(RecordLines.RecordSelected):
        """A record was chosen (Enter or click): ``on_event_list_record_selected``."""

    def __init__(
        self,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._layers: frozenset[Layer] | None = None
        self._host: str | None = None
        self._hosts: set[str] = set()  # every host named so far (the network's and the bridge's)
        self._short: dict[int, dict[str, str]] = {}  # room -> each host's name shortened to it
        self._time_width = _MIN_TIME

    # -- filters -------------------------------------------------------------------------------

    @property
    def shown_layers(self) -> frozenset[Layer] | None:  # (not `layers`: Widget.layers is CSS)
        """The layers shown; None shows every layer."""
        return self._layers

    @property
    def host(self) -> str | None:
        """Only records from or to this host are shown; None shows every host."""
        return self._host

    def set_filter(
        self, *, layers: Iterable[Layer | str] | Keep | None = KEEP, host: str | Keep | None = KEEP
    ) -> None:
        """Show only ``layers`` (None: all) and records whose source or destination is
        ``host`` (None: any). A filter left out stays as it is. The cursor stays on its
        record when that record still passes."""
        if layers is not KEEP:
            self._layers = layers_of(layers)
        if host is not KEEP:
            name = (host or "").strip().lower().rstrip(".")
            self._host = name or None
        self._refilter()
        self._show_filter()

    @property
    def filter_text(self) -> str:
        """The filter in words ("layer SMTP · host mail.cs.tcd.ie"); "" when none is set."""
        parts = []
        if self._layers is not None:
            names = sorted(layer.value for layer in self._layers)
            parts.append(
                ("layers " if len(names) > 1 else "layer ") + ", ".join(names)
                if names
                else "no layer"
            )
        if self._host is not None:
            parts.append(f"host {self._host}")
        return " · ".join(parts)

    def _show_filter(self) -> None:
        text = self.filter_text
        self.set_class(bool(text), "-filtered")
        if text:  # literal: a host name is data, never markup
            self.border_title = Content(
                f"Filter: {visible(text)} — {len(self._rows):,} of {len(self._all):,}"
            )
        else:
            self.border_title = None

    def matches(self, record: TraceRecord) -> bool:
        if self._layers is not None and record.layer not in self._layers:
            return False
        host = self._host
        return host is None or record.src == host or record.dst == host

    # -- hooks -----------------------------------------------------------------------------------

    def reset(self, world: World) -> None:
        super().reset(world)
        self._show_filter()

    def advance(self, world: World, new: Sequence[TraceRecord]) -> None:
        super().advance(world, new)
        if new and self.filter_text:  # the counts in the title
            self._show_filter()

    def world_changed(self, world: World) -> None:
        if self._host is not None and self._host not in world.network.hosts:
            self._host = None  # another network (another lesson): its hosts are gone
        self._hosts = set(world.network.hosts)
        self._short = {}
        self._time_width = _MIN_TIME

    def rows_added(self, rows: list[TraceRecord]) -> None:
        hosts = self._hosts
        before = len(hosts)
        for record in rows[-2000:]:  # enough to notice a new name without scanning 100,000
            hosts.add(record.src)
            if record.dst is not None:
                hosts.add(record.dst)
        widest = max(_MIN_TIME, len(f"{rows[-1].time:.3f}")) if rows else self._time_width
        if len(hosts) != before or widest > self._time_width:
            self._time_width = max(widest, self._time_width)
            self._short = {}
            self._strips.clear()

    # -- rendering -------------------------------------------------------------------------------

    def _columns(self, width: int) -> tuple[int, int, int, int, int]:
        """Widths of number, time, host, layer and kind; 0 hides a column when narrow. The
        hosts get the width of their longest name, as long as the summary keeps
        ``_MIN_SUMMARY`` cells; names longer than that are shortened to the labels that tell
        them apart (``mail.cs``, ``smtp``), not cut."""
        number = max(3, len(str(len(self._all)))) if width >= 40 else 0
        layer = 7 if width >= 100 else 0  # (narrow: the kind's colour says the layer)
        kind = 10 if width >= 60 else 0  # (narrower: the summary says it, "SYN 49152 → 25")
        time = self._time_width
        fixed = sum(w + 1 for w in (number, time, layer, kind) if w)
        room = (width - fixed - _MIN_SUMMARY) // 2 - 1
        longest = max((len(name) for name in self._hosts), default=_MIN_HOST)
        # At least the labels that tell the hosts apart ("pc.crepes", "mail"), never "pc.…";
        # below 60 columns in fewer cells: the summary had 11 cells at 80x24
        apart = _TOLD_APART if width >= 60 else _TOLD_APART_NARROW
        told_apart = max(map(len, self._names(apart).values()), default=_MIN_HOST)
        host = max(_MIN_HOST, min(longest, _MAX_HOST, max(room, told_apart)))
        if host < longest:  # as wide as the shortened names need, no wider
            host = max(_MIN_HOST, max(map(len, self._names(host).values()), default=0))
        return number, time, host, layer, kind

    def _names(self, room: int) -> dict[str, str]:
        """Each host's name as it fits ``room`` cells (see :func:`abbreviate`)."""
        short = self._short.get(room)
        if short is None:
            names = sorted(self._hosts)
            short = self._short[room] = dict(
                zip(names, abbreviate([visible(n) for n in names], room), strict=True)
            )
        return short

    def _host_name(self, name: str, room: int) -> str:
        return self._names(room).get(name) or visible(name)

    def render_header(self, width: int) -> list[Segment]:
        number, time, host, layer, kind = self._columns(width)
        style = self.component_style("records--header")
        cells = []
        if number:
            cells.append(fit("No.", number))
        source, destination = ("Source", "Destination") if host >= 11 else ("From", "To")
        cells += [f"{'time s':>{time}}", fit(source, host), fit(destination, host)]
        if layer:
            cells.append(fit("Layer", layer))
        if kind:
            cells.append(fit("Kind", kind))
        cells.append("Summary")
        return [Segment(" ".join(cells), style)]  # the line gets the header background

    def render_row(self, record: TraceRecord, width: int) -> list[Segment]:
        number, time, host, layer, kind = self._columns(width)
        style = self.component_style
        host_style = style("records--host")
        dim = style("records--dim")
        layer_style = style(f"records--layer-{record.layer.value.lower()}")
        out: list[Segment] = []
        space = Segment(" ")
        if number:
            out += [Segment(fit(str(event_number(record)), number), dim), space]
        out += [Segment(f"{record.time:>{time}.3f}"[-time:], style("records--time")), space]
        out += [Segment(fit(self._host_name(record.src, host), host), host_style), space]
        dst = self._host_name(record.dst, host) if record.dst else "·"
        out += [Segment(fit(dst, host), host_style if record.dst else dim), space]
        if layer:
            out += [Segment(fit(record.layer.value, layer), layer_style), space]
        if kind:
            out += [Segment(fit(record.kind.value, kind), layer_style), space]
        out += self._summary(record)
        return out

    def _summary(self, record: TraceRecord) -> list[Segment]:
        text = record.summary[:_SUMMARY_LIMIT]
        style = self.component_style(record_component(record))
        if record.kind in (Kind.REPLY, Kind.COMMAND):
            head, sep, rest = text.partition(" ")
            rest_style = style if record.kind is Kind.REPLY else None
            return [*_literal(head + sep, style + Style(bold=True)), *_literal(rest, rest_style)]
        if record.layer is Layer.TCP:
            return _literal(text, self.component_style("records--dim"))
        return _literal(text, style if record.layer is not Layer.INFO else None)


def _literal(text: str, style: Style | None) -> list[Segment]:
    """Segments showing ``text`` literally, control characters as reversed stand-ins (^[)."""
    return [
        Segment(piece, (style or Style()) + CONTROL_STYLE if stand_in else style)
        for piece, stand_in in pieces(text)
    ]
