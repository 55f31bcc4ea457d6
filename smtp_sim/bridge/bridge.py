"""The Bridge: real TCP listeners in front of simulated servers, the world's clock at wall pace.

    bridge = Bridge(world, [parse_listen("2525=mail.cs.tcd.ie")], maildir="out",
                    on_record=print_record)
    await bridge.start()          # listening; runs inside the caller's asyncio loop
    ...
    await bridge.stop()           # 421 to open sessions, then closes

Each real connection becomes a simulated TCP connection from a pseudo-host named after the
peer (``client-127.0.0.1``, linked to the target with no latency) to the target's listener,
so the simulated server answers with its own engine, personality and MTA: a real client gets
exactly the replies a simulated one would, and accepted mail is relayed, queued, delivered or
bounced as usual.

Time: virtual seconds run at wall-clock pace from :meth:`Bridge.start` (virtual time there plus
the wall seconds since). A timer sleeps until the next scheduled event's moment; bytes from a
socket bring the clock up to now before they enter the world. The pacing lives here, never in
the model: the world stays free of asyncio and of any clock reading.
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..protocol.personalities import RFC5321_TIMEOUTS, Personality
from ..protocol.pop3_replies import Pop3ReplyKind, render_pop3
from ..protocol.replies import DEFAULT_REPLIES, ReplyKind, render
from ..world.network import POP3_PORT
from ..world.queue import QueueEntry
from ..world.trace import TraceRecord
from ..world.world import World
from .listen import SIM_POP3, SIM_SUBMISSIONS, ListenError, ListenSpec, parse_listen
from .maildir import MaildirWriter, spool
from .real_client import ADDRESS, FULL, STOPPING, RealClient

if TYPE_CHECKING:
    from .tls import TlsSetup

DEFAULT_MAX_CONNECTIONS = 100  # per service (SMTP, POP3): Postfix's default_process_limit
#: Connections one client address may hold open per service: Postfix's
#: smtpd_client_connection_count_limit, (default_process_limit + 1) / 2 (mail_params.h, 3.12).
DEFAULT_MAX_PER_ADDRESS = 50
#: Under load, a connection that has sent nothing yet gets this long: Postfix's smtpd_timeout
#: "${stress?{10}:{300}}s" (mail_params.h): ten seconds when the server is overloaded.
BUSY_TIMEOUT = 10.0
#: A wrong POP3 password is answered only after a pause: Dovecot 2.3.19's auth_failure_delay
#: is 2 s (src/auth/auth-settings.c; on loopback its replies came after 1.5 to 2 s), and an
#: address that failed within the last 29 s (its AUTH_PENALTY_TIMEOUT, auth-penalty.h) waits
#: longer (6 s was seen).
AUTH_FAILURE_DELAYS = (2.0, 6.0)
# Bytes of records' data the trace keeps (the newest): a lab's serve runs for hours, and every
# message leaves an excerpt in the trace; past this the oldest excerpts go (Trace.limit_data).
TRACE_DATA_BUDGET = 32 * 2**20
AUTH_PENALTY_WINDOW = 29.0
CLOSE_GRACE = 5.0  # wall seconds stop() waits for sockets to flush before cutting them


class BridgeError(Exception):
    """The bridge cannot start: a listen address is in use, or names nothing in the world."""


@dataclass
class BoundListener:
    """A listen spec resolved against the world (and, once started, its real socket)."""

    spec: ListenSpec
    target: str  # the host's name in the world
    sim_port: int
    hostname: str  # the name its server greets with
    personality: Personality | None  # the MTA's, for the refusal's wording
    server: asyncio.Server | None = None
    sockets: list[tuple[str, int]] = field(default_factory=list)

    @property
    def port(self) -> int:
        """The real port (the one the OS chose when the spec said 0)."""
        return self.sockets[0][1] if self.sockets else self.spec.port

    @property
    def address_text(self) -> str:
        host = self.spec.host
        return f"[{host}]:{self.port}" if ":" in host else f"{host}:{self.port}"

    @property
    def max_unanswered(self) -> int:
        """Bytes of commands a client may send without any reply before it is cut off: twice
        the message size limit. (Inside a message the engine answers an over-size one only at
        its final dot: see RealClient._skip.)"""
        return 2 * self.max_message_size

    @property
    def timeouts(self) -> Any:
        return self.personality.timeouts if self.personality is not None else RFC5321_TIMEOUTS

    @property
    def pop3(self) -> bool:
        return self.sim_port == POP3_PORT

    @property
    def implicit_tls(self) -> bool:
        """TLS from the first byte (``--listen-tls``, RFC 8314), not after STARTTLS."""
        return self.spec.tls

    @property
    def max_message_size(self) -> int:
        p = self.personality
        return p.max_message_size if p is not None else 10_240_000

    def reply_bytes(self, kind: ReplyKind, **fields: str) -> bytes:
        """One SMTP reply of ``kind`` in the target's words, as bytes for the socket."""
        p = self.personality
        spec = p.reply(kind) if p is not None else DEFAULT_REPLIES[kind]
        return render(
            spec,
            enhanced_codes=p.enhanced_codes if p is not None else True,
            kind=kind,
            hostname=self.hostname,
            size=str(self.max_message_size),
            extra_lines=(),
            **fields,
        ).to_bytes()

    def refusal(self, why: str, client: str = "") -> bytes:
        """What a client gets instead of the greeting when it cannot be served (``why`` is
        what :meth:`Bridge.admit` said): the service is full, its address has too many
        connections open, or the bridge is stopping (nothing, for POP3)."""
        if self.pop3:
            if why == STOPPING:
                return b""
            return render_pop3(Pop3ReplyKind.TOO_MANY_CONNECTIONS).to_bytes()
        kind = {
            STOPPING: ReplyKind.SHUTDOWN,
            FULL: ReplyKind.TOO_MANY_CONNECTIONS,
            ADDRESS: ReplyKind.TOO_MANY_CONNECTIONS_FROM,
        }[why]
        return self.reply_bytes(kind, client=client)

    def __str__(self) -> str:
        service = "POP3" if self.sim_port == POP3_PORT else "SMTP"
        if self.implicit_tls:
            service += " inside TLS from the start, RFC 8314"
        return f"{self.address_text} -> {self.target} port {self.sim_port} ({service})"


@dataclass
class BridgeStats:
    connections: int = 0  # real connections admitted
    refused: int = 0  # turned away at the connection limit
    timed_out: int = 0


class Bridge:
    """Real sockets in front of a :class:`World`. See the module docstring."""

    def __init__(
        self,
        world: World,
        listen: Iterable[ListenSpec | str] = (ListenSpec(),),
        *,
        maildir: str | Path | None = None,
        idle_timeout: float | None = None,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        max_per_address: int = DEFAULT_MAX_PER_ADDRESS,
        busy_timeout: float = BUSY_TIMEOUT,
        auth_failure_delays: tuple[float, float] = AUTH_FAILURE_DELAYS,
        trace_data_budget: int | None = TRACE_DATA_BUDGET,
        on_record: Callable[[TraceRecord], None] | None = None,
        on_error: Callable[[str], None] | None = None,
        tls: TlsSetup | None = None,
    ) -> None:
        """``tls``: the certificate for STARTTLS (a real handshake after the simulated server's
        220) and for ``--listen-tls`` ports; None: no TLS (a STARTTLS's 220 is followed by
        plaintext, and a ``--listen-tls`` port is refused). ``idle_timeout`` overrides the RFC 5321 per-state timeouts (seconds, for every
        session); ``on_record`` is called with every new trace record while the bridge runs
        (the live log, an app's views); ``on_error`` with problems worth showing (a Maildir
        that cannot be written).

        Limits, each for SMTP and POP3 apart (so silent SMTP sockets cannot keep POP3 users
        out): ``max_connections`` open at once, ``max_per_address`` of them from one client
        address; and while a service is busy (three quarters full, or the address at its
        limit) a connection that has sent nothing yet is timed out after ``busy_timeout``
        seconds, as Postfix does under stress. A failed POP3 password is answered after
        ``auth_failure_delays[0]`` seconds, or ``[1]`` when the address failed shortly
        before (real time: this is the socket layer; the engine reads no clock).
        ``trace_data_budget``: bytes of records' data the world's trace keeps, the newest
        (None: all), so memory does not grow with the mail received."""
        if max_connections < 1:
            raise ValueError("max_connections must be at least 1")
        if max_per_address < 1:
            raise ValueError("max_per_address must be at least 1")
        if idle_timeout is not None and idle_timeout <= 0:
            raise ValueError("the idle timeout (--timeout) must be more than 0 seconds")
        self.world = world
        self.tls = tls
        if trace_data_budget is not None:
            world.trace.limit_data(trace_data_budget)
        specs = [parse_listen(s) if isinstance(s, str) else s for s in listen]
        given = [(spec.host, spec.port) for spec in specs if spec.port]
        for host, port in given:
            if given.count((host, port)) > 1:
                raise ListenError(f"{host}:{port} is given twice: one --listen per port")
        self.listeners = [self._resolve(spec) for spec in specs]
        self.idle_timeout = idle_timeout
        self.max_connections = max_connections
        self.max_per_address = max_per_address
        self.busy_timeout = busy_timeout
        self.auth_failure_delays = auth_failure_delays
        self._auth_failed: dict[str, float] = {}  # address -> when its last password failed
        self.on_error = on_error
        # The mailboxes' store, where message bodies live (not in memory): the Maildir (which
        # then holds an earlier run's mail), or a temporary spool. Its unique names are
        # POP3's UIDL, never the same for two messages, across runs too.
        self.maildir = MaildirWriter(world, maildir, on_error) if maildir is not None else None
        self.loaded = 0  # messages found in the Maildir at start
        self._spool = None
        if self.maildir is not None:
            self.loaded = self.maildir.take_in()
        else:
            _, self._spool = spool(world, on_error)
        self.stats = BridgeStats()
        self.clients: set[RealClient] = set()
        # (pop3, None) and (pop3, ip) -> how many of the clients are such
        self._open: dict[tuple[bool, str | None], int] = {}
        self.running = False
        self.accepting = False  # running, and not yet stopping
        self._callbacks: list[Callable[[TraceRecord], None]] = []
        if on_record is not None:
            self._callbacks.append(on_record)
        self._pseudo: dict[tuple[str, str], str] = {}
        self._spare_ips = (f"100.64.{n // 250}.{n % 250 + 1}" for n in range(250 * 250))
        self._loop: asyncio.AbstractEventLoop | None = None
        self._t0 = 0.0
        self._v0 = 0.0
        self._timer: asyncio.TimerHandle | None = None
        self._timer_target = 0.0
        self._no_clients = asyncio.Event()
        self._subscribed = False

    # -- setting up -------------------------------------------------------------------------

    def _resolve(self, spec: ListenSpec) -> BoundListener:
        world = self.world
        if spec.target is None:
            if not world.mtas:
                raise ListenError("the scenario has no mail server to expose")
            name = next(iter(world.mtas))
        else:
            host = world.host_named(spec.target)
            if host is None:
                raise ListenError(f"{spec}: no host named {spec.target!r} in the scenario")
            name = host.name
        sim_port = spec.simulated_port
        listeners = world.network.hosts[name].listeners
        if spec.tls:
            if self.tls is None:
                raise ListenError(f"{spec}: implicit TLS (--listen-tls) needs a certificate")
            if spec.sim_port is None and SIM_SUBMISSIONS in listeners:
                sim_port = SIM_SUBMISSIONS  # the host serves implicit TLS itself
            if sim_port == SIM_POP3:
                raise ListenError(f"{spec}: POP3 over TLS (port 995) is not served; use --listen")
        if sim_port not in listeners:
            raise ListenError(f"{spec}: nothing listens on {name} port {sim_port}")
        mta = world.mtas.get(name)
        return BoundListener(
            spec, name, sim_port, mta.hostname if mta else name, mta.personality if mta else None
        )

    def subscribe(self, callback: Callable[[TraceRecord], None]) -> None:
        """Call ``callback`` with every new trace record while the bridge runs."""
        self._callbacks.append(callback)
        self._listen()

    def _listen(self) -> None:
        """Hear the trace's records once someone wants them (without a listener the trace
        builds no record object for each row: serve --quiet's busy path)."""
        if self._callbacks and not self._subscribed:
            self.world.trace.subscribe(self._dispatch)
            self._subscribed = True

    async def start(self) -> None:
        """Open every listener; from now on the world's clock follows the wall clock."""
        if self.running:
            return
        loop = asyncio.get_running_loop()
        self._loop = loop
        self._t0 = loop.time()
        self._v0 = self.world.now
        self._listen()
        opened: list[asyncio.Server] = []
        try:
            for bound in self.listeners:
                spec = bound.spec
                # (an implicit-TLS port too: RealClient makes the handshake, and records
                # the ones that fail)
                bound.server = await loop.create_server(
                    partial(RealClient, self, bound), spec.host, spec.port
                )
                opened.append(bound.server)
                bound.sockets = [sock.getsockname()[:2] for sock in bound.server.sockets]
        except OSError as exc:
            for server in opened:
                server.close()
            self._loop = None
            raise BridgeError(f"cannot listen on {spec}: {exc.strerror or exc}") from None
        self.running = True
        self.accepting = True
        self._no_clients.set()
        self._arm()

    # -- the clock --------------------------------------------------------------------------

    def virtual_now(self) -> float:
        """The virtual time that corresponds to this wall-clock moment."""
        if self._loop is None:
            return self.world.now
        return self._v0 + (self._loop.time() - self._t0)

    def advance(self, *, arm: bool = True) -> None:
        """Run every event due by now; then (``arm``) sleep until the next one."""
        loop = self._loop
        if loop is None:
            return
        self.world.clock.run(self._v0 + (loop.time() - self._t0))
        if arm and self.running:
            self._arm()

    def _arm(self) -> None:
        if not self.running or self._loop is None:
            return
        nxt = self.world.clock.peek()
        if nxt is None:
            self._cancel_timer()
            return
        if self._timer is not None:
            if self._timer_target <= nxt:
                return  # an earlier wake-up is set; it re-arms when it fires
            self._timer.cancel()
        self._timer_target = nxt
        self._timer = self._loop.call_at(self._t0 + (nxt - self._v0), self._tick)

    def _tick(self) -> None:
        target = self._timer_target
        self._timer = None
        # call_at may fire a hair early: run up to the moment it was set for.
        self.world.run(max(self.virtual_now(), target))
        self._arm()

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    # -- connections ------------------------------------------------------------------------

    def admit(self, client: RealClient) -> str | None:
        """Count a new connection in; else why not (STOPPING, FULL, ADDRESS: the client
        then says 421 or -ERR)."""
        why = None
        if not self.accepting:
            why = STOPPING
        elif self.open_count(client.pop3) >= self.max_connections:
            why = FULL
        elif self.open_count(client.pop3, client.peer[0]) >= self.max_per_address:
            why = ADDRESS
        if why is not None:
            self.stats.refused += 1
            self._hurry(client.pop3)
            return why
        self.clients.add(client)
        self._count(client, 1)
        self._no_clients.clear()
        self.stats.connections += 1
        self._hurry(client.pop3)
        return None

    def open_count(self, pop3: bool, ip: str | None = None) -> int:
        """Connections open to the SMTP (or POP3) listeners, from ``ip`` if given."""
        return self._open.get((pop3, ip), 0)

    def _count(self, client: RealClient, step: int) -> None:
        """Keep the counts of open_count (asked for each connection about every other)."""
        for key in ((client.pop3, None), (client.pop3, client.peer[0])):
            left = self._open.get(key, 0) + step
            if left:
                self._open[key] = left
            else:
                del self._open[key]

    def busy(self, pop3: bool, ip: str) -> bool:
        """The service is three quarters full, or ``ip`` holds its share of it."""
        return (
            4 * self.open_count(pop3) >= 3 * self.max_connections
            or self.open_count(pop3, ip) >= self.max_per_address
        )

    def _hurry(self, pop3: bool) -> None:
        """The load changed: silent connections of this service get their timers set again
        (shorter while it is busy)."""
        for other in list(self.clients):
            if other.pop3 == pop3 and not other.spoke:
                other.rearm()

    def auth_failure_delay(self, ip: str) -> float:
        """Seconds to hold the answer to a wrong POP3 password from ``ip``."""
        now = self._loop.time() if self._loop is not None else 0.0
        last = self._auth_failed.get(ip)
        self._auth_failed[ip] = now
        first, later = self.auth_failure_delays
        return later if last is not None and now - last < AUTH_PENALTY_WINDOW else first

    def forget(self, client: RealClient) -> None:
        if client in self.clients:
            self.clients.discard(client)
            self._count(client, -1)
        if not self.clients:
            self._no_clients.set()

    def pseudo_host(self, ip: str, target: str) -> str:
        """The world's host standing for real peers at ``ip`` that talk to ``target``.

        One per peer address (and target, so that it never becomes a shortcut between two
        simulated hosts), linked to the target with no latency. Its address in the world is
        the real one, unless a scenario host already has it."""
        key = (ip, target)
        name = self._pseudo.get(key)
        if name is not None:
            return name
        world = self.world
        targets = {bound.target for bound in self.listeners}
        name = f"client-{ip}" if len(targets) == 1 else f"client-{ip}-{target}"
        base, n = name, 2
        while name in world.network.hosts:
            name, n = f"{base}-{n}", n + 1
        sim_ip = ip
        try:
            ipaddress.ip_address(ip)
        except ValueError:
            sim_ip = ""
        while not sim_ip or world.network.host_by_ip(sim_ip) is not None:
            sim_ip = next(self._spare_ips)
        world.add_host(
            name, sim_ip, "client", description=f"a real mail client at {ip} (smtp-sim serve)"
        )
        world.add_link(name, target, latency=0.0)
        self._pseudo[key] = name
        return name

    # -- stopping ---------------------------------------------------------------------------

    async def stop(self, *, drain: float = 0.0, grace: float = CLOSE_GRACE) -> None:
        """Stop accepting; open SMTP sessions get 421 (a message still in DATA is not taken,
        one already answered 250 is in its mailbox or queue, and in the Maildir); then wait
        up to ``grace`` seconds for the sockets to flush. ``drain`` > 0 then runs the world
        that many virtual seconds further at once, so relays under way can finish."""
        if not self.running or not self.accepting:
            return  # not started, or already stopping
        self.accepting = False
        for bound in self.listeners:
            if bound.server is not None:
                bound.server.close()
        self.advance()
        for client in list(self.clients):
            client.shut_down()
        self.advance()  # the clock keeps pace while the sockets drain
        try:
            await asyncio.wait_for(self._no_clients.wait(), grace)
        except TimeoutError:
            for client in list(self.clients):
                if client.transport is not None:
                    client.transport.abort()
            await asyncio.sleep(0)
        for bound in self.listeners:
            if bound.server is not None:
                await bound.server.wait_closed()
        self.advance()
        self.running = False
        self._cancel_timer()
        if drain > 0:
            self.world.run(self.world.now + drain)
        self._loop = None

    def queued(self) -> list[tuple[str, QueueEntry]]:
        """``(host, entry)`` for every message still waiting in a simulated queue."""
        return [
            (host, entry) for host, mta in self.world.mtas.items() for entry in mta.queue.waiting()
        ]

    # -- records ----------------------------------------------------------------------------

    def _dispatch(self, record: TraceRecord) -> None:
        if self._loop is None:
            return
        for callback in self._callbacks:
            try:
                callback(record)
            except Exception as exc:  # a view's bug must not break a mail session
                if self.on_error is not None:
                    self.on_error(f"record listener {callback!r} failed: {exc!r}")
