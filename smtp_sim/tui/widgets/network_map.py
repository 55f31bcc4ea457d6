"""NetworkMap: the hosts and links as a picture in text, with the message in flight lit up.

The layout is computed from the topology, never hard-coded: the busiest router (the exchange)
sits on top, each of its neighbours heads a column with the hosts behind it drawn as a tree
(an organisation around its router). When the columns do not fit the width, the same tree is
drawn top-down instead. Hosts and links that are down are marked ✗ in red; each MTA shows its
queue length, each host its open connections; the path of the last SMTP or POP3 record is
highlighted, so the message is seen moving hop by hop as the simulation advances.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.console import RenderableType
from rich.text import Text
from textual.reactive import var

from ...world.network import Host, Link
from ...world.trace import Layer, TraceRecord
from ...world.visible import visible
from ...world.world import World
from .following import TraceFollower
from .text_pane import PANE_COMPONENTS, TextPane

ICONS = {"router": "⇄", "mta": "✉", "dns": "◎", "client": "▣"}
DEFAULT_ICON = "□"
DOWN = "✗"
COLUMN_GAP = 2
_FLIGHT_LAYERS = (Layer.SMTP, Layer.POP3)
_MIN_SUMMARY = 12  # cells of the in-flight summary worth showing before the route is dropped
_MAX_SUMMARY = 60


def _ellipsize(text: str, width: int) -> str:
    """``text`` cut to ``width`` cells, ending in … when cut."""
    if cell_len(text) <= width:
        return text
    return set_cell_size(text, max(0, width - 1)) + "\u2026"


@dataclass
class TreeNode:
    """A host in the spanning tree the picture is drawn from."""

    host: str
    link: Link | None  # the link to its parent
    children: list[TreeNode] = field(default_factory=list)


def spanning_trees(
    hosts: Sequence[str], links: Sequence[Link], roles: dict[str, str]
) -> tuple[list[TreeNode], list[Link]]:
    """Trees covering every host (breadth first, from the router with most links; then one
    tree per part not connected to it), and the links left out of them (they close loops)."""
    order = {name: i for i, name in enumerate(hosts)}
    adjacent: dict[str, list[tuple[str, Link]]] = {name: [] for name in hosts}
    for link in links:
        if link.a in adjacent and link.b in adjacent:
            adjacent[link.a].append((link.b, link))
            adjacent[link.b].append((link.a, link))
    for name in adjacent:
        adjacent[name].sort(key=lambda pair: order[pair[0]])

    def rank(name: str) -> tuple[int, int, int]:
        return (roles.get(name) != "router", -len(adjacent[name]), order[name])

    used: set[int] = set()
    seen: set[str] = set()
    roots: list[TreeNode] = []
    for start in sorted(hosts, key=rank):
        if start in seen:
            continue
        root = TreeNode(start, None)
        roots.append(root)
        seen.add(start)
        queue = deque([root])
        while queue:
            node = queue.popleft()
            for other, link in adjacent[node.host]:
                if other in seen:
                    continue
                seen.add(other)
                used.add(id(link))
                child = TreeNode(other, link)
                node.children.append(child)
                queue.append(child)
    extra = [link for link in links if id(link) not in used]
    return roots, extra


def latency_label(link: Link) -> str:
    def ms(seconds: float) -> str:
        return f"{seconds * 1000:g}ms" if seconds < 1 else f"{seconds:g}s"

    text = ms(link.latency)
    if link.extra_latency:
        text += f"+{ms(link.extra_latency)}"
    if link.loss:
        text += f" {link.loss:.0%} loss"
    return text


class _Canvas:
    """Rows of cells, each a character and a component class name; grows as drawn on."""

    def __init__(self) -> None:
        self.rows: list[list[tuple[str, str | None]]] = []

    @property
    def width(self) -> int:
        return max((len(row) for row in self.rows), default=0)

    @property
    def height(self) -> int:
        return len(self.rows)

    def put(self, x: int, y: int, text: str, key: str | None) -> int:
        """Write ``text`` at (x, y); returns the x after it."""
        while len(self.rows) <= y:
            self.rows.append([])
        row = self.rows[y]
        if len(row) < x + len(text):
            row.extend([(" ", None)] * (x + len(text) - len(row)))
        for i, char in enumerate(text):
            row[x + i] = (char, key)
        return x + len(text)

    def get(self, x: int, y: int) -> str:
        if y < len(self.rows) and x < len(self.rows[y]):
            return self.rows[y][x][0]
        return " "

    def blit(self, other: _Canvas, x: int, y: int) -> None:
        for dy, row in enumerate(other.rows):
            for dx, (char, key) in enumerate(row):
                if char != " " or key is not None:
                    self.put(x + dx, y + dy, char, key)

    def to_text(self, style_of) -> Text:
        out = Text(no_wrap=True, overflow="ignore", end="")
        for index, row in enumerate(self.rows):
            if index:
                out.append("\n")
            run: list[str] = []
            current: str | None = None
            for char, key in row:
                if key != current and run:
                    out.append("".join(run), style_of(current) if current else None)
                    run = []
                current = key
                run.append(char)
            if run:
                out.append("".join(run), style_of(current) if current else None)
        return out


class NetworkMap(TextPane):
    """The network as a picture: hosts by role, links, what is down, queues, the flow."""

    #: The main screen's revision, bound with ``data_bind``: the view follows the playback
    #: on its own (widgets/following.py).
    revision: var[int] = var(0, init=False)

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        *PANE_COMPONENTS,
        "map--host",
        "map--role",
        "map--router",
        "map--mta",
        "map--dns",
        "map--client",
        "map--detail",
        "map--busy",
        "map--link",
        "map--active",
        "map--down",
        "map--down-host",
        "map--title",
    }

    def __init__(
        self,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
        compact: bool = False,
    ) -> None:
        """``compact`` (the presenter's): one line a host, its address and an empty queue
        left out, so a whole network fits a projector's 30 rows."""
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self.compact = compact
        self.follower = TraceFollower(quiet_time=True)  # (the map shows the time)
        self.world: World | None = None
        self.in_flight: TraceRecord | None = None
        self._active: set[int] = set()  # id() of the links on the in-flight path
        self._mode = "wide"

    # -- the contract ----------------------------------------------------------------------

    def watch_revision(self, revision: int) -> None:
        self.follower.follow(self, revision)

    def reset(self, world: World) -> None:
        self.world = world
        self.in_flight = None
        for record in reversed(world.trace.records):
            if record.layer in _FLIGHT_LAYERS and record.dst is not None:
                self.in_flight = record
                break
        self._update()

    def advance(self, world: World, new: Sequence[TraceRecord]) -> None:
        self.world = world
        for record in reversed(new):
            if record.layer in _FLIGHT_LAYERS and record.dst is not None:
                self.in_flight = record
                break
        self._update()

    # -- model state -----------------------------------------------------------------------

    @property
    def active_links(self) -> list[tuple[str, str]]:
        """The links lit up (the in-flight record's path), as (a, b) host pairs."""
        if self.world is None:
            return []
        return [(link.a, link.b) for link in self.world.network.links if id(link) in self._active]

    @property
    def layout_mode(self) -> str:
        """ "wide" (columns under the exchange) or "tall" (one tree, top-down)."""
        return self._mode

    def queue_length(self, host: str) -> int:
        mta = self.world.mtas.get(host) if self.world is not None else None
        return len(mta.queue) if mta is not None else 0

    def open_connections(self, host: str | None = None) -> int:
        """Connections not closed, of ``host`` or of the whole network. A host that is down
        has none: an attempt to reach it is its client's (the SYN waiting for an answer)."""
        if self.world is None:
            return 0
        if host is not None and not self.world.network.hosts[host].up:
            return 0
        return sum(
            1
            for conn in self.world.network.connections.values()
            if conn.state != "CLOSED" and (host is None or host in (conn.client, conn.server))
        )

    # -- drawing ---------------------------------------------------------------------------

    def _update(self) -> None:
        world = self.world
        self._active = set()
        record = self.in_flight
        if world is not None and record is not None and record.dst is not None:
            path = world.network.route(record.src, record.dst)
            if path is None:
                direct = world.network.link_between(record.src, record.dst)
                path = [direct] if direct is not None else []
            self._active = {id(link) for link in path}
        self.set_content(self._build, keep_scroll=True)

    def _build(self, width: int) -> list[RenderableType]:
        world = self.world
        if world is None or not world.network.hosts:
            return [Text("No network yet.", style=self.style("map--title"))]
        hosts = world.network.hosts
        roles = {name: host.role for name, host in hosts.items()}
        roots, extra = spanning_trees(list(hosts), world.network.links, roles)
        main, others = roots[0], roots[1:]
        picture = self._wide(main, hosts)
        self._mode = "wide"
        if picture is None or picture.width > width:
            picture = _Canvas()
            self._tree(picture, main, hosts, 0, 0, latency=True)
            self._mode = "tall"
        out: list[RenderableType] = [
            self._caption(world, width),
            Text(""),
            picture.to_text(self.style),
        ]
        for root in others:
            canvas = _Canvas()
            self._tree(canvas, root, hosts, 0, 0, latency=True)
            out += [
                Text("\nnot connected to the rest:", style=self.style("map--title")),
                canvas.to_text(self.style),
            ]
        if extra:
            out.append(Text("\nalso linked (closing a loop):", style=self.style("map--title")))
            for link in extra:
                out.append(self._link_line(link))
        return out

    def _caption(self, world: World, width: int) -> Text:
        """One line, never wrapped: the time, open connections and what is in flight. When
        narrow: shorter labels, then the route shortened and dropped, then the summary cut."""
        title = self.style("map--title")
        conns = self.open_connections()
        long = Text(f"t = {world.now:,.3f} s   open connections: {conns}", title, end="")
        short = Text(f"t = {world.now:,.3f} s  conns: {conns}", title, end="")
        record = self.in_flight
        if record is None:
            heads = [long, short]
        else:
            summary = _ellipsize(visible(record.summary), _MAX_SUMMARY)
            src, dst = visible(record.src), visible(record.dst or "")
            routes = [f"  {src} \u2192 {dst}", f"  \u2192 {dst}", ""]
            heads = [self._flight(long, "   in flight: ", summary, routes[0])]
            heads += [self._flight(short, "  \u25b8 ", summary, route) for route in routes]
            room = width - self._flight(short, "  \u25b8 ", "", "").cell_len
            if room >= _MIN_SUMMARY:
                heads.append(self._flight(short, "  \u25b8 ", _ellipsize(summary, room), ""))
        for head in heads:
            if head.cell_len <= width:
                return head
        out = heads[-1].copy()
        out.truncate(max(width, 1), overflow="ellipsis")
        return out

    def _flight(self, head: Text, label: str, summary: str, route: str) -> Text:
        out = head.copy()
        out.append(label, self.style("map--title"))
        out.append(summary, self.style("map--active"))
        out.append(route, self.style("map--detail"))
        return out

    def _link_key(self, link: Link | None) -> str:
        if link is None:
            return "map--link"
        if not link.up:
            return "map--down"
        return "map--active" if id(link) in self._active else "map--link"

    def _link_line(self, link: Link) -> Text:
        key = self._link_key(link)
        out = Text(f"  {visible(link.a)} ", end="")
        out.append(
            "━━" if key == "map--active" else f"─{DOWN}─" if not link.up else "──", self.style(key)
        )
        out.append(f" {visible(link.b)}  ")
        out.append(latency_label(link), self.style("map--detail"))
        return out

    def _block(self, canvas: _Canvas, host: Host, x: int, y: int) -> int:
        """A host's label lines at (x, y): icon and name, address, queue and connections.
        Returns the number of lines."""
        role_key = f"map--{host.role}" if host.role in ICONS else "map--host"
        icon = ICONS.get(host.role, DEFAULT_ICON)
        after = canvas.put(x, y, icon, "map--down" if not host.up else role_key)
        after = canvas.put(after, y, " ", None)
        flight = self.in_flight
        name_key = "map--down-host" if not host.up else "map--host"
        if flight is not None and host.name in (flight.src, flight.dst) and host.up:
            name_key = "map--active"
        after = canvas.put(after, y, visible(host.name), name_key)
        if self.compact:
            if not host.up:
                canvas.put(after, y, f" {DOWN} down", "map--down")
            row = y + 1
        else:
            after = canvas.put(x + 2, y + 1, host.ip, "map--detail")
            if not host.up:
                canvas.put(after, y + 1, f" {DOWN} down", "map--down")
            row = y + 2
        mta = self.world.mtas.get(host.name) if self.world is not None else None
        if mta is not None and not (self.compact and not mta.queue):
            waiting = len(mta.queue)
            canvas.put(x + 2, row, f"queue: {waiting}", "map--busy" if waiting else "map--detail")
            row += 1
        conns = self.open_connections(host.name)
        if conns:
            canvas.put(x + 2, row, f"conns: {conns}", "map--busy")
            row += 1
        return row - y

    def _tree(
        self,
        canvas: _Canvas,
        node: TreeNode,
        hosts: dict[str, Host],
        x: int,
        y: int,
        *,
        latency: bool,
    ) -> int:
        """Draw ``node`` and its subtree top-down at (x, y); returns the next free row."""
        lines = self._block(canvas, hosts[node.host], x, y)
        row = y + lines
        bar_x = x  # under the icon
        child_rows: list[tuple[int, TreeNode]] = []
        for child in node.children:
            child_rows.append((row, child))
            label = f"─{latency_label(child.link)}─" if latency and child.link else "─"
            if child.link is not None and not child.link.up and latency:
                label += DOWN
            start = bar_x + 1 + len(label) + 1
            row = self._tree(canvas, child, hosts, start, row, latency=latency)
        # The connectors, drawn last so a lit link's line wins where lines share cells.
        ordered = sorted(
            enumerate(child_rows), key=lambda item: self._link_key(item[1][1].link) == "map--active"
        )
        for index, (child_row, child) in ordered:
            key = self._link_key(child.link)
            last = index == len(child_rows) - 1
            for yy in range(y + 1, child_row):
                current = canvas.get(bar_x, yy)
                if key == "map--active":  # through an earlier sibling's ├ as ┠
                    canvas.put(bar_x, yy, "┠" if current in ("├", "┠") else "┃", key)
                elif current == " ":
                    canvas.put(bar_x, yy, "│", "map--link")
            canvas.put(bar_x, child_row, "└" if last else "├", key)
            label = f"─{latency_label(child.link)}─" if latency and child.link else "─"
            if child.link is not None and not child.link.up:
                label = f"─{DOWN}{label[1:]}" if latency else DOWN
            if key == "map--active":
                label = label.replace("─", "━")
            canvas.put(bar_x + 1, child_row, label, key)
        return row

    def _wide(self, hub: TreeNode, hosts: dict[str, Host]) -> _Canvas | None:
        """The exchange on top, a bus under it, one column per neighbour. None when the hub
        has no neighbours (the tree layout says it as well)."""
        if not hub.children:
            return None
        columns = []
        for child in hub.children:
            canvas = _Canvas()
            self._tree(canvas, child, hosts, 0, 0, latency=False)
            columns.append(canvas)
        lefts, x = [], 1
        for canvas, child in zip(columns, hub.children, strict=True):
            lefts.append(x)
            label = len(latency_label(child.link)) + 2 if child.link else 0
            x += max(canvas.width, label) + COLUMN_GAP
        drops = [left + 0 for left in lefts]
        picture = _Canvas()
        # the hub in a box, centred over the bus
        block = _Canvas()
        block_lines = self._block(block, hosts[hub.host], 0, 0)
        box_width = block.width + 4
        centre = (drops[0] + drops[-1]) // 2
        left = max(0, centre - box_width // 2)
        centre = max(centre, left + 2)
        hub_key = "map--link"
        picture.put(left, 0, "╭" + "─" * (box_width - 2) + "╮", hub_key)
        for line in range(block_lines):
            picture.put(left, 1 + line, "│", hub_key)
            picture.put(left + box_width - 1, 1 + line, "│", hub_key)
        picture.blit(block, left + 2, 1)
        bottom = 1 + block_lines
        picture.put(left, bottom, "╰" + "─" * (box_width - 2) + "╯", hub_key)
        bus = bottom + 1
        active = [
            i for i, child in enumerate(hub.children) if self._link_key(child.link) == "map--active"
        ]
        lo, hi = min(drops[0], centre), max(drops[-1], centre)
        for xx in range(lo, hi + 1):
            picture.put(xx, bus, "─", "map--link")
        for i in active:  # light the bus from the hub to the active column
            a, b = sorted((centre, drops[i]))
            for xx in range(a, b + 1):
                picture.put(xx, bus, "━", "map--active")
        lit = bool(active)
        picture.put(centre, bottom, "┰" if lit else "┬", "map--active" if lit else hub_key)
        for i, (drop, child) in enumerate(zip(drops, hub.children, strict=True)):
            key = self._link_key(child.link)
            lit_here = key == "map--active"
            glyph = (
                ("┏" if lit_here else "┌")
                if drop == lo
                else ("┓" if lit_here else "┐")
                if drop == hi
                else "┳"
                if lit_here
                else "┬"
            )
            if drop == centre:
                glyph = "╋" if lit_here else "┼"
            picture.put(drop, bus, glyph, key if key != "map--down" else "map--link")
            picture.put(
                drop,
                bus + 1,
                "┃" if key == "map--active" else DOWN if key == "map--down" else "│",
                key,
            )
            detail = latency_label(child.link) if child.link else ""
            if key == "map--down":
                detail += " down"
            picture.put(
                drop + 2, bus + 1, detail, "map--down" if key == "map--down" else "map--detail"
            )
            picture.blit(columns[i], lefts[i] - 0, bus + 2)
        if centre not in drops:
            picture.put(centre, bus, "┻" if lit else "┴", "map--active" if lit else "map--link")
        return picture
