"""Hosts, links and TCP: enough of a network to teach that "SMTP uses TCP".

A TCP connection is modelled as the three-way handshake (SYN, SYN-ACK, ACK), a byte stream in
each direction delivered after the path's latency, and the close (FIN). Connecting to a port
where nothing listens gets a RST (connection refused); to a host that is down or unreachable, the
SYN goes unanswered and the client gives up after its connect timeout.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from .trace import Kind, Layer

if TYPE_CHECKING:
    import random

    from .clock import Clock, Scheduled
    from .tls import TlsChannel, TlsKeys, TlsOffer
    from .trace import Trace

CONNECT_TIMEOUT = 30.0  # virtual seconds a client waits for SYN-ACK before giving up
RETRANSMIT_TIMEOUT = 1.0  # RFC 6298's initial RTO
MAX_RETRANSMITS = 5

SMTP_PORT = 25
SUBMISSION_PORT = 587
SUBMISSIONS_PORT = 465  # submission over implicit TLS (RFC 8314 section 7.3)
POP3_PORT = 110
APP_LAYER = {
    SMTP_PORT: Layer.SMTP,
    SUBMISSION_PORT: Layer.SMTP,
    SUBMISSIONS_PORT: Layer.SMTP,
    POP3_PORT: Layer.POP3,
}


class Endpoint(Protocol):
    """What sits on one end of a connection: a server session, an MTA's client, a student."""

    def on_open(self, conn: TcpConnection) -> None: ...
    def on_data(self, conn: TcpConnection, data: bytes) -> None: ...
    def on_close(self, conn: TcpConnection) -> None: ...


class EngineSession:
    """The server end of one connection driving a sans-IO engine (``self.engine``): bytes in,
    then ``_pump`` turns the engine's events and replies into trace records and segments.

    It also keeps the server's idle timer, as a real server does: a client silent for
    :meth:`idle_limit` virtual seconds (RFC 5321 4.5.3.2: 5 minutes for a command, 3 inside
    DATA; RFC 1939: 10 minutes for POP3) gets the engine's timeout reply (421, -ERR) and is
    disconnected. One timer a session, re-armed lazily: data only notes the time. Only a
    client that can fall silent is timed (a person at a telnet: its endpoint says
    ``may_fall_silent``); the simulated mail programs and MTAs never pause mid-session, and a
    connection from a real machine is timed by the bridge, in real time."""

    __slots__ = ("_idle", "_last")
    engine: Any
    _idle: Scheduled | None
    _last: float

    def _pump(self) -> None:  # pragma: no cover - every subclass has its own
        raise NotImplementedError

    def idle_limit(self) -> float:  # pragma: no cover - every subclass has its own
        raise NotImplementedError

    def on_open(self, conn: TcpConnection) -> None:
        clock = conn.clock
        self._last = clock.now
        self._idle = None
        if getattr(conn.client_end, "may_fall_silent", False):
            self._idle = clock.schedule(
                self.idle_limit(), self._check_idle, conn, label="server idle timer"
            )
        self._pump()

    def on_data(self, conn: TcpConnection, data: bytes) -> None:
        self._last = conn.clock.now
        self.engine.receive_data(data)
        self._pump()

    def _check_idle(self, conn: TcpConnection) -> None:
        self._idle = None
        if self.engine.closed:
            return
        clock = conn.clock
        limit = self.idle_limit()
        due = self._last + limit
        if clock.now < due:  # the client spoke since: wait for the rest
            self._idle = clock.schedule(
                due - clock.now, self._check_idle, conn, label="server idle timer"
            )
            return
        conn.trace.append(
            clock.now,
            Layer.INFO,
            Kind.NOTE,
            conn.server,
            conn.client,
            f"the client was silent for {limit:g} s: the server's idle timeout "
            "(RFC 5321 4.5.3.2) ends the session",
            conn=conn.id,
        )
        self.timeout()

    def _stop_idle_timer(self) -> None:
        """The session is over: its timer must not keep the clock going."""
        if self._idle is not None:
            self._idle.cancel()
            self._idle = None

    def on_close(self, conn: TcpConnection) -> None:
        self.engine.receive_data(b"")
        self._pump()

    def timeout(self) -> None:
        """The client was silent too long (the caller keeps the timer): the engine says so
        (421, or -ERR for POP3) and closes."""
        self.engine.timeout()
        self._pump()


@dataclass
class Host:
    name: str
    ip: str
    role: str = "host"
    up: bool = True
    listeners: dict[int, Callable[[TcpConnection], Endpoint]] = field(default_factory=dict)
    description: str = ""
    tls: TlsOffer | None = None  # what it offers of TLS (world/tls.py); None: the defaults
    tls_name: str = ""  # the name its certificate is made for (its MTA's), besides its own

    def listen(self, port: int, factory: Callable[[TcpConnection], Endpoint]) -> None:
        self.listeners[port] = factory


@dataclass
class Link:
    a: str
    b: str
    latency: float = 0.01
    up: bool = True
    loss: float = 0.0  # probability that a segment is lost (retransmitted after the RTO)
    extra_latency: float = 0.0
    tap: bool = False  # an observer records what crosses it (world/tap.py)
    attacker: str | None = None  # "striptls": STARTTLS removed from EHLO replies crossing it

    @property
    def name(self) -> str:
        return f"{self.a} \u2014 {self.b}"

    def other(self, name: str) -> str:
        return self.b if name == self.a else self.a

    @property
    def delay(self) -> float:
        return self.latency + self.extra_latency


_UNKNOWN: Any = object()  # not in the route cache yet


class Network:
    """The hosts and links, routes, and the TCP connections open between hosts: it schedules
    on ``clock``, writes segments to ``trace`` and draws packet loss from ``rng``."""

    def __init__(self, clock: Clock, trace: Trace, rng: random.Random) -> None:
        self.clock = clock
        self.trace = trace
        self.rng = rng
        self.hosts: dict[str, Host] = {}
        self.links: list[Link] = []
        self._adjacent: dict[str, list[Link]] = {}
        self._ips: dict[str, Host] = {}
        self._route_cache: dict[tuple[str, str], list[Link] | None] = {}
        self._conn_ids = itertools.count(1)
        self._ports = itertools.count(49152)
        self.connections: dict[int, TcpConnection] = {}
        self.tls_keys: TlsKeys | None = None  # the world's CA and certificates (world/tls.py)
        self.watching = False  # a link has a tap or an attacker: segments are looked at

    def watch_changed(self) -> None:
        """A tap or an attacker came or went (segments are looked at only while one is on)."""
        self.watching = any(link.tap or link.attacker for link in self.links)

    def add_host(self, host: Host) -> Host:
        if host.name in self.hosts:
            raise ValueError(f"duplicate host {host.name!r}")
        self.hosts[host.name] = host
        self._ips[host.ip] = host
        self._adjacent.setdefault(host.name, [])
        return host

    def add_link(self, link: Link) -> Link:
        for end in (link.a, link.b):
            if end not in self.hosts:
                raise ValueError(f"link to unknown host {end!r}")
        self.links.append(link)
        self._adjacent[link.a].append(link)
        self._adjacent[link.b].append(link)
        self.topology_changed()
        return link

    def link_between(self, a: str, b: str) -> Link | None:
        for link in self._adjacent.get(a, ()):
            if link.other(a) == b:
                return link
        return None

    def host_by_ip(self, ip: str) -> Host | None:
        return self._ips.get(ip)

    def topology_changed(self) -> None:
        self._route_cache.clear()

    def route(self, a: str, b: str) -> list[Link] | None:
        """The lowest-latency path of links that are up, through hosts that are up."""
        key = (a, b)
        path: list[Link] | None = self._route_cache.get(key, _UNKNOWN)
        if path is _UNKNOWN:
            path = self._route_cache[key] = self._dijkstra(a, b)
        return path

    def _dijkstra(self, a: str, b: str) -> list[Link] | None:
        if a == b:
            return []
        best: dict[str, float] = {a: 0.0}
        prev: dict[str, Link] = {}
        heap: list[tuple[float, str]] = [(0.0, a)]
        while heap:
            dist, node = heapq.heappop(heap)
            if node == b:
                break
            if dist > best.get(node, float("inf")):
                continue
            for link in self._adjacent.get(node, ()):
                nxt = link.other(node)
                if not link.up or (nxt != b and not self.hosts[nxt].up):
                    continue
                d = dist + link.delay
                if d < best.get(nxt, float("inf")):
                    best[nxt] = d
                    prev[nxt] = link
                    heapq.heappush(heap, (d, nxt))
        if b not in prev:
            return None
        path = []
        node = b
        while node != a:
            link = prev[node]
            path.append(link)
            node = link.other(node)
        path.reverse()
        return path

    def latency(self, a: str, b: str) -> float | None:
        path = self.route(a, b)
        if path is None:
            return None
        return sum(link.delay for link in path)

    def reachable(self, a: str, b: str) -> bool:
        return self.hosts[a].up and self.hosts[b].up and self.route(a, b) is not None

    def connect(
        self,
        client: str,
        server: str,
        port: int,
        endpoint: Endpoint,
        *,
        on_fail: Callable[[str], None],
        message: str | None = None,
    ) -> TcpConnection:
        """Open a TCP connection; ``endpoint.on_open`` is called once established, ``on_fail``
        with a reason when refused or timed out."""
        conn = TcpConnection(
            self,
            next(self._conn_ids),
            client,
            next(self._ports),
            server,
            port,
            endpoint,
            on_fail,
            message,
        )
        self.connections[conn.id] = conn
        conn.start()
        return conn


def _latency(path: list[Link]) -> float:
    """The sum of the links' delays."""
    delay: float = 0  # summed as sum() does, from int 0, so the floats come out the same
    for link in path:
        delay += link.latency + link.extra_latency  # Link.delay, inlined
    return delay


class TcpConnection:
    """One TCP connection between a client endpoint and the server's listener."""

    # Slots: a busy world has thousands of connections in flight, and the garbage collector
    # looks at each (a __dict__ would be one more object per connection).
    __slots__ = (
        "__weakref__",
        "_early",
        "_timer",
        "bytes_sent",
        "client",
        "client_end",
        "client_port",
        "clock",
        "closed_by",
        "id",
        "layer",
        "message",
        "network",
        "on_fail",
        "port",
        "server",
        "server_end",
        "state",
        "tls",
        "trace",
    )

    def __init__(
        self,
        network: Network,
        conn_id: int,
        client: str,
        client_port: int,
        server: str,
        port: int,
        endpoint: Endpoint,
        on_fail: Callable[[str], None],
        message: str | None,
    ) -> None:
        self.network = network
        self.clock = network.clock
        self.trace = network.trace
        self.id = conn_id
        self.client = client
        self.client_port = client_port
        self.server = server
        self.port = port
        self.client_end = endpoint
        self.server_end: Endpoint | None = None
        self.on_fail = on_fail
        self.state = "SYN_SENT"
        self.message = message  # the message trace id this connection carries, if known
        self.layer = APP_LAYER.get(port, Layer.TCP)
        self._timer: Any = None
        self.closed_by: set[str] = set()
        self.bytes_sent = {client: 0, server: 0}
        self._early: list[bytes] = []  # data that arrived before the server accepted
        self.tls: TlsChannel | None = None  # after STARTTLS's 220, or on port 465

    # -- handshake --------------------------------------------------------------------------

    def _tcp(
        self, kind: Kind, src: str, dst: str, summary: str, info: tuple[tuple[str, Any], ...] = ()
    ) -> None:
        self.trace.append(
            self.clock.now, Layer.TCP, kind, src, dst, summary, b"", self.id, self.message, info
        )

    def start(self) -> None:
        sport, dport = self.client_port, self.port
        # (the ports in the info too: a capture file names them in every segment's header)
        self._tcp(
            Kind.SYN,
            self.client,
            self.server,
            f"SYN {sport} \u2192 {dport}",
            (("ports", (sport, dport)),),
        )
        clock = self.clock
        self._timer = clock.schedule(CONNECT_TIMEOUT, self._connect_timeout)
        delay = self._delay(self.client, self.server)
        if delay is None:
            return  # the SYN is lost; the timer will fire
        clock.call_later(delay, self._syn_arrives)

    def _path(self, src: str, dst: str) -> list[Link] | None:
        """The links a segment from ``src`` crosses to ``dst``; None when it cannot get there."""
        net = self.network
        hosts = net.hosts
        if not hosts[src].up:
            return None
        path = net.route(src, dst)
        if path is None or not hosts[dst].up:
            return None
        return path

    def _delay(self, src: str, dst: str) -> float | None:
        path = self._path(src, dst)
        return None if path is None else _latency(path)

    def _syn_arrives(self) -> None:
        if self.state != "SYN_SENT":
            return
        host = self.network.hosts[self.server]
        back = self._delay(self.server, self.client)
        factory = host.listeners.get(self.port)
        if factory is None:
            self._tcp(
                Kind.RST,
                self.server,
                self.client,
                f"RST: nothing listens on port {self.port} (connection refused)",
            )
            if back is not None:
                self.clock.call_later(back, self._refused)
            return
        self._tcp(
            Kind.SYN_ACK, self.server, self.client, f"SYN-ACK {self.port} \u2192 {self.client_port}"
        )
        if back is not None:
            self.clock.call_later(back, self._synack_arrives, factory)

    def _refused(self) -> None:
        if self.state != "SYN_SENT":
            return
        self.state = "CLOSED"
        self._cancel_timer()
        self.network.connections.pop(self.id, None)
        self.on_fail(f"connection refused by {self.server} port {self.port}")

    def _connect_timeout(self) -> None:
        if self.state != "SYN_SENT":
            return
        self.state = "CLOSED"
        self._tcp(
            Kind.TIMEOUT,
            self.client,
            self.server,
            f"no answer from {self.server} after {CONNECT_TIMEOUT:g} s: connection timed out",
        )
        self.network.connections.pop(self.id, None)
        self.on_fail(f"connection to {self.server} port {self.port} timed out")

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _synack_arrives(self, factory: Callable[[TcpConnection], Endpoint]) -> None:
        if self.state != "SYN_SENT":
            return
        self._cancel_timer()
        self.state = "ESTABLISHED"
        self._tcp(Kind.ACK, self.client, self.server, "ACK: connection established")
        delay = self._delay(self.client, self.server)
        self.client_end.on_open(self)
        if delay is not None:
            self.clock.call_later(delay, self._accept, factory)

    def _accept(self, factory: Callable[[TcpConnection], Endpoint]) -> None:
        if self.state not in ("ESTABLISHED", "CLOSING"):
            return
        self.server_end = factory(self)
        self.server_end.on_open(self)
        for chunk in self._early:
            self.server_end.on_data(self, chunk)
        self._early.clear()

    # -- data -------------------------------------------------------------------------------

    def peer_of(self, side: str) -> str:
        return self.server if side == self.client else self.client

    def send(
        self,
        side: str,
        data: bytes,
        kind: Kind,
        summary: str,
        info: tuple[tuple[str, Any], ...] = (),
        *,
        recorded: bytes | None = None,
    ) -> None:
        """``side`` (a host name) writes ``data``; it arrives after the path's latency.
        ``recorded``: what the trace keeps instead of ``data`` (an excerpt of a big message,
        whose whole is kept on disk: smtp-sim serve)."""
        if self.state not in ("ESTABLISHED", "CLOSING") or side in self.closed_by:
            return
        dst = self.server if side == self.client else self.client
        wire = data
        tls = self.tls
        if tls is not None and tls.engaged(side):
            if tls.failed:
                return
            if not tls.ready(side):  # its side of the handshake is not done: later
                tls.hold(side, (side, data, kind, summary, info, recorded))
                return
            # the ends read and write plaintext; the link carries the records
            wire = tls.seal(side, data)
            info = (*info, ("ciphertext", wire.hex()))
        self.bytes_sent[side] += len(data)
        self.trace.append(
            self.clock.now,
            self.layer,
            kind,
            side,
            dst,
            summary,
            data if recorded is None else recorded,
            self.id,
            self.message,
            info,
        )
        if self.network.watching:
            from .tap import crossing

            wire = crossing(self, side, dst, wire)
        self._transmit(side, dst, wire, 0)

    def send_tls(
        self, side: str, wire: bytes, summary: str, info: tuple[tuple[str, Any], ...]
    ) -> None:
        """A TLS handshake flight (or alert) from ``side``: recorded as it crosses the link."""
        if self.state not in ("ESTABLISHED", "CLOSING") or side in self.closed_by:
            return
        dst = self.peer_of(side)
        self.trace.append(
            self.clock.now,
            Layer.TLS,
            Kind.HANDSHAKE,
            side,
            dst,
            summary,
            wire,
            self.id,
            self.message,
            info,
        )
        if self.network.watching:
            from .tap import crossing

            wire = crossing(self, side, dst, wire)
        self._transmit(side, dst, wire, 0)

    def _transmit(self, side: str, dst: str, data: bytes, attempt: int) -> None:
        # (the hot path of every segment: _path and Network.route, inlined)
        net = self.network
        hosts = net.hosts
        path = None
        if hosts[side].up and hosts[dst].up:
            path = net._route_cache.get((side, dst), _UNKNOWN)
            if path is _UNKNOWN:
                path = net.route(side, dst)
        if path is not None:
            delay = 0  # summed as sum() does, from int 0, so the floats come out the same
            for link in path:
                # a lossy link draws once per segment, in path order, up to the first loss
                if link.loss > 0 and net.rng.random() < link.loss:
                    break
                delay += link.latency + link.extra_latency
            else:  # not lost
                self.clock.call_later(delay, self._deliver, dst, data)
                return
        if attempt >= MAX_RETRANSMITS:
            self._broken(f"{dst} unreachable: gave up after {attempt} retransmissions")
            return
        rto = RETRANSMIT_TIMEOUT * (2**attempt)
        self.clock.call_later(rto, self._retransmit, side, dst, data, attempt + 1)

    def _retransmit(self, side: str, dst: str, data: bytes, attempt: int) -> None:
        if self.state == "CLOSED":
            return
        self._tcp(
            Kind.RETRANSMIT,
            side,
            dst,
            f"retransmission #{attempt} of {len(data)} bytes (no ACK received)",
        )
        self._transmit(side, dst, data, attempt)

    def _deliver(self, dst: str, data: bytes) -> None:
        if self.state == "CLOSED":
            return
        if self.tls is not None:
            opened = self.tls.deliver(dst, data)
            if opened is None:
                return
            data = opened
        if dst == self.client:
            self.client_end.on_data(self, data)
        elif self.server_end is None:
            self._early.append(data)
        else:
            self.server_end.on_data(self, data)

    def _broken(self, reason: str) -> None:
        if self.state == "CLOSED":
            return
        self.state = "CLOSED"
        self._tcp(Kind.RST, self.client, self.server, f"connection broken: {reason}")
        self.network.connections.pop(self.id, None)
        for end in (self.client_end, self.server_end):
            if end is not None:
                end.on_close(self)

    def close(self, side: str) -> None:
        """``side`` closes its half (FIN). The peer's ``on_close`` runs when the FIN arrives."""
        if self.state == "CLOSED" or side in self.closed_by:
            return
        if self.state == "SYN_SENT":
            self.state = "CLOSED"
            self._cancel_timer()
            self.network.connections.pop(self.id, None)
            return
        self.closed_by.add(side)
        dst = self.peer_of(side)
        self._tcp(Kind.FIN, side, dst, "FIN: no more data from this side")
        self.state = "CLOSING"
        delay = self._delay(side, dst)
        if delay is not None:
            self.clock.call_later(delay, self._fin_arrives, dst)
        if len(self.closed_by) == 2:
            self.state = "CLOSED"
            self.network.connections.pop(self.id, None)

    def _fin_arrives(self, dst: str) -> None:
        end = self.client_end if dst == self.client else self.server_end
        if end is not None:
            end.on_close(self)
        if len(self.closed_by) == 2:
            self.state = "CLOSED"

    def abort(self, reason: str) -> None:
        """The connection dies (a host went down): both ends learn at once."""
        self._broken(reason)
