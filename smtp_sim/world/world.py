"""The World: one simulated network with its clock, trace, DNS, MTAs, mailboxes and clients."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

from ..protocol.personalities import Personality, get_personality
from .agent import UserAgent
from .clock import Clock
from .dns import Resolver, Zone
from .mailbox import Mailbox
from .mta import MTA
from .network import Host, Link, Network
from .pop3_service import install_pop3
from .trace import Kind, Layer, Trace, TraceRecord

DEFAULT_START = datetime(2026, 1, 5, 9, 0, 0, tzinfo=UTC)


class World:
    """Everything that happens is scheduled on ``clock`` and written to ``trace``."""

    def __init__(self, *, seed: int = 0, start: datetime = DEFAULT_START) -> None:
        self.clock = Clock()
        self.trace = Trace()
        self.rng = random.Random(seed)
        self.seed = seed
        self.start = start
        self.network = Network(self)
        self.zone = Zone()
        self.resolver = Resolver(self, self.zone)
        self.mtas: dict[str, MTA] = {}
        self.agents: dict[str, UserAgent] = {}
        self._message_ids = itertools.count(1)
        self._by_alias: dict[str, str] = {}
        self._date_key: tuple[datetime, Any] | None = None
        self._date_text = ""
        self._date_span = (1.0, 0.0)  # clock times _date_text is right for (none yet)
        self._date_start = start

    # -- time and identity ------------------------------------------------------------------

    @property
    def now(self) -> float:
        return self.clock.now

    def date_text(self, t: float | None = None) -> str:
        now = self.clock.now if t is None else t
        # The text changes once a second (format_datetime drops the microseconds) but is asked
        # for several times per message (each session's greeting, each Received: line).
        low, high = self._date_span
        if low <= now <= high and self.start is self._date_start:
            return self._date_text
        start = self.start
        moment = start + timedelta(seconds=now)
        # Keyed with the zone too: equal instants in two zones are written differently.
        second = moment.replace(microsecond=0)
        key = (second, moment.tzinfo)
        if key != self._date_key:
            self._date_key = key
            self._date_text = format_datetime(moment)
        # The clock times that fall in the same second of the calendar, less a microsecond at
        # each end (timedelta rounds to microseconds): the same text without the arithmetic.
        low = (second - start).total_seconds()
        self._date_span = (low + 1e-6, low + 1 - 1e-6)
        self._date_start = start
        return self._date_text

    def new_message_id(self) -> str:
        return f"m{next(self._message_ids)}"

    def record(
        self, layer: Layer, kind: Kind, src: str, dst: str | None, summary: str, **kwargs: Any
    ) -> TraceRecord:
        return self.trace.add(self.clock.now, layer, kind, src, dst, summary, **kwargs)

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
            self,
            h,
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
            self._by_alias[mta.hostname.lower()] = host
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
    ) -> UserAgent:
        agent = UserAgent(
            self, self.network.hosts[host], address, name, outgoing, port, pipelining=pipelining
        )
        self.agents[address.lower()] = agent
        return agent

    def host_named(self, name: str) -> Host | None:
        name = name.lower().rstrip(".")
        host = self.network.hosts.get(name)
        if host is None and name in self._by_alias:
            host = self.network.hosts[self._by_alias[name]]
        if host is None and name in self.zone.a:  # an A record naming a host's address
            host = self.network.host_by_ip(self.zone.a[name])
        return host

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
