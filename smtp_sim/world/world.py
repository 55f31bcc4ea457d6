"""The World: one simulated network with its clock, trace, DNS, MTAs, mailboxes and clients."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

from ..protocol.delivery import TlsPolicy
from ..protocol.personalities import Personality, get_personality
from .agent import UserAgent
from .clock import Clock
from .dns import Resolver, Zone
from .mailbox import Mailbox
from .mta import MTA
from .network import Host, Link, Network
from .pop3_service import install_pop3
from .stamps import Stamps
from .tls import TlsKeys
from .trace import Kind, Layer, Recorder, Trace, TraceRecord

DEFAULT_START = datetime(2026, 1, 5, 9, 0, 0, tzinfo=UTC)


class World:
    """Everything that happens is scheduled on ``clock`` and written to ``trace``.

    The world wires the parts together and hands each only what it uses: the network gets
    the clock, the trace and the random numbers; the resolver the clock, a recorder and the
    network; an MTA or a mail program those and the stamps (dates, message ids)."""

    def __init__(self, *, seed: int = 0, start: datetime = DEFAULT_START) -> None:
        self.clock = Clock()
        self.trace = Trace()
        self.recorder = Recorder(self.trace, self.clock)
        self.stamps = Stamps(self.clock, start)
        self.rng = random.Random(seed)
        self.seed = seed
        self.network = Network(self.clock, self.trace, self.rng)
        self.network.tls_keys = TlsKeys(seed, self.stamps)  # (certificates made when asked)
        self.zone = Zone()
        self.resolver = Resolver(self.clock, self.recorder, self.zone, self.network)
        self.mtas: dict[str, MTA] = {}
        self.agents: dict[str, UserAgent] = {}

    # -- time and identity ------------------------------------------------------------------

    @property
    def now(self) -> float:
        return self.clock.now

    @property
    def start(self) -> datetime:
        """The calendar moment of the clock's 0."""
        return self.stamps.start

    @start.setter
    def start(self, start: datetime) -> None:
        self.stamps.start = start

    def date_text(self, t: float | None = None) -> str:
        return self.stamps.date_text(t)

    def new_message_id(self) -> str:
        return self.stamps.new_message_id()

    def record(
        self,
        layer: Layer,
        kind: Kind,
        src: str,
        dst: str | None,
        summary: str,
        *,
        data: bytes = b"",
        conn: int | None = None,
        message: str | None = None,
        info: tuple[tuple[str, Any], ...] = (),
    ) -> TraceRecord:
        return self.recorder.record(
            layer, kind, src, dst, summary, data=data, conn=conn, message=message, info=info
        )

    def log(
        self,
        layer: Layer,
        kind: Kind,
        src: str,
        dst: str | None,
        summary: str,
        *,
        data: bytes = b"",
        conn: int | None = None,
        message: str | None = None,
        info: tuple[tuple[str, Any], ...] = (),
    ) -> None:
        """:meth:`record` without building the record to return (the model's own path)."""
        self.trace.append(self.clock.now, layer, kind, src, dst, summary, data, conn, message, info)

    # -- building ---------------------------------------------------------------------------

    def add_host(self, name: str, ip: str, role: str = "host", description: str = "") -> Host:
        host = self.network.add_host(Host(name, ip, role, description=description))
        self.zone.add_a(name, ip)
        return host

    def add_link(self, a: str, b: str, latency: float = 0.01) -> Link:
        return self.network.add_link(Link(a, b, latency))

    def set_dns_server(self, name: str | None) -> None:
        self.resolver.server = name

    def add_mta(
        self,
        host: str,
        *,
        personality: Personality | str = "postfix-3",
        hostname: str | None = None,
        domains: list[str] = (),  # type: ignore[assignment]
        users: dict[str, str] | None = None,
        lists: dict[str, list[str]] | None = None,
        **kwargs: Any,
    ) -> MTA:
        if isinstance(personality, str):
            personality = get_personality(personality)
        h = self.network.hosts[host]
        mta = MTA(
            h,
            clock=self.clock,
            recorder=self.recorder,
            stamps=self.stamps,
            network=self.network,
            resolver=self.resolver,
            hostname=hostname or host,
            personality=personality,
            domains=list(domains),
            users=dict(users or {}),
            lists=dict(lists or {}),
            **kwargs,
        )
        self.mtas[host] = mta
        install_pop3(mta)  # every mail server also lets its users collect mail (port 110)
        if mta.hostname != host:
            self.resolver.add_alias(mta.hostname, host)
            self.zone.add_a(mta.hostname, h.ip)
        return mta

    def add_agent(
        self,
        host: str,
        address: str,
        name: str,
        outgoing: str,
        port: int = 587,
        *,
        pipelining: bool = False,
        password: str | None = None,
        tls_policy: TlsPolicy = TlsPolicy.OPPORTUNISTIC,
    ) -> UserAgent:
        agent = UserAgent(
            self.stamps,
            self.recorder,
            self.network,
            self.network.hosts[host],
            address,
            name,
            outgoing,
            port,
            pipelining=pipelining,
            password=password,
            tls_policy=tls_policy,
        )
        self.agents[address.lower()] = agent
        return agent

    def host_named(self, name: str) -> Host | None:
        return self.resolver.host_named(name)

    # -- running ----------------------------------------------------------------------------

    def run(self, until: float | None = None, *, max_steps: int | None = None) -> None:
        self.clock.run(until, max_steps=max_steps)

    def step(self) -> bool:
        return self.clock.step()

    def peek(self) -> float | None:
        return self.clock.peek()

    # -- looking at it ----------------------------------------------------------------------

    def mailbox(self, address: str) -> Mailbox | None:
        for mta in self.mtas.values():
            box = mta.mailbox_for(address)
            if box is not None:
                return box
        return None

    def mailboxes(self) -> list[Mailbox]:
        return [box for mta in self.mtas.values() for box in mta.mailboxes.values()]
