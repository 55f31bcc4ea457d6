"""DNS: a zone of A, MX and TXT records, and lookups that show up in the trace.

Mail routing follows RFC 5321 section 5.1: look up the domain's MX records and try them in order
of preference (lowest number first); with no MX record, the domain's own A record is the implicit
MX; with neither, the domain does not exist for mail.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from ..protocol.caching import BoundedCache
from .trace import Kind, Layer

#: A record's info: (name, value) pairs
Info = tuple[tuple[str, Any], ...]

if TYPE_CHECKING:
    from .clock import Clock
    from .network import Host, Network
    from .trace import Recorder

DNS_TIMEOUT = 5.0


class DnsFailure(StrEnum):
    NXDOMAIN = "NXDOMAIN"  # the name does not exist: permanent
    NO_MAIL = "no MX or A record"  # permanent
    SERVFAIL = "SERVFAIL"  # the server failed: temporary
    TIMEOUT = "timeout"  # no answer: temporary

    @property
    def temporary(self) -> bool:
        return self in (DnsFailure.SERVFAIL, DnsFailure.TIMEOUT)


@dataclass(frozen=True, slots=True)
class MxRecord:
    domain: str
    priority: int
    host: str


@dataclass
class Zone:
    a: dict[str, str] = field(default_factory=dict)  # name -> IPv4 address
    mx: dict[str, list[MxRecord]] = field(default_factory=dict)
    broken: dict[str, DnsFailure] = field(default_factory=dict)  # injected failures per name
    txt: dict[str, list[str]] = field(default_factory=dict)  # name -> TXT strings, in order

    def add_a(self, name: str, ip: str) -> None:
        self.a[name.lower()] = ip

    def add_mx(self, domain: str, priority: int, host: str) -> None:
        records = self.mx.setdefault(domain.lower(), [])
        records.append(MxRecord(domain.lower(), priority, host.lower()))
        records.sort(key=lambda r: (r.priority, r.host))

    def add_txt(self, name: str, text: str) -> None:
        self.txt.setdefault(name.lower().rstrip("."), []).append(text)


@dataclass(frozen=True, slots=True)
class MailRoute:
    """Where mail for a domain goes: hosts in the order to try them."""

    domain: str
    hosts: tuple[tuple[int, str], ...]  # (preference, host name)
    implicit: bool = False  # True when no MX existed and the A record was used


class Resolver:
    """Answers mail-routing questions, with a query and an answer record in the trace."""

    def __init__(
        self,
        clock: Clock,
        recorder: Recorder,
        zone: Zone,
        network: Network,
        server: str | None = None,
    ) -> None:
        self.clock = clock
        self.recorder = recorder
        self.zone = zone
        self.network = network
        self._aliases: dict[str, str] = {}  # another name of a host (an MTA's hostname) -> host
        self.server = server  # the DNS server's host name; None answers locally
        self.down = False
        self.lookups = 0
        # Summaries and info of the query and answer records, shared by equal lookups (a
        # busy relay asks the same question thousands of times; the trace keeps every one).
        # (scenarios look up a handful of names; bounded just in case)
        self._records: BoundedCache[tuple[object, ...], tuple[str, Info]] = BoundedCache(1024)

    def mail_route(
        self,
        client: str,
        domain: str,
        callback: Callable[[MailRoute | DnsFailure], None],
        message: str | None = None,
    ) -> None:
        domain = domain.lower().rstrip(".")
        self.lookups += 1
        dst = self.server or "DNS"
        query = self._records.get(("query", domain))
        if query is None:
            query = (f"query MX {domain}?", (("rrtype", "MX"), ("name", domain)))
            self._remember(("query", domain), query)
        self.recorder.log(
            Layer.DNS, Kind.QUERY, client, dst, query[0], message=message, info=query[1]
        )
        rtt = self._rtt(client)
        if rtt is None:
            self.clock.call_later(
                DNS_TIMEOUT, self._answer, client, domain, DnsFailure.TIMEOUT, callback, message
            )
            return
        self.clock.call_later(
            rtt, self._answer, client, domain, self._resolve(domain), callback, message
        )

    def _rtt(self, client: str) -> float | None:
        if self.down:
            return None
        if self.server is None:
            return 0.0
        net = self.network
        there = net.latency(client, self.server)
        back = net.latency(self.server, client)
        if there is None or back is None or not net.hosts[self.server].up:
            return None
        return there + back

    def _resolve(self, domain: str) -> MailRoute | DnsFailure:
        zone = self.zone
        if domain in zone.broken:
            return zone.broken[domain]
        records = zone.mx.get(domain)
        if records:
            return MailRoute(domain, tuple((r.priority, r.host) for r in records))
        if domain in zone.a:
            return MailRoute(domain, ((0, domain),), implicit=True)
        known = any(name == domain or name.endswith("." + domain) for name in zone.a)
        return DnsFailure.NO_MAIL if known else DnsFailure.NXDOMAIN

    def _answer(
        self,
        client: str,
        domain: str,
        result: MailRoute | DnsFailure,
        callback: Callable[[MailRoute | DnsFailure], None],
        message: str | None,
    ) -> None:
        src = self.server or "DNS"
        key: tuple[object, ...] = ("answer", domain, result)
        if isinstance(result, MailRoute) and result.implicit:
            key += (self.zone.a.get(domain),)  # the summary names the address
        answer = self._records.get(key)
        if answer is None:
            answer = self._describe(domain, result)
            self._remember(key, answer)
        self.recorder.log(
            Layer.DNS, Kind.ANSWER, src, client, answer[0], message=message, info=answer[1]
        )
        callback(result)

    def _describe(self, domain: str, result: MailRoute | DnsFailure) -> tuple[str, Info]:
        """The summary and info of an answer record."""
        if isinstance(result, DnsFailure):
            summary = f"MX {domain}: {result.value}"
            info: Info = (("rrtype", "MX"), ("name", domain), ("failure", result.value))
        elif result.implicit:
            summary = f"MX {domain}: none; using its A record {self.zone.a.get(domain)}"
            info = (("rrtype", "MX"), ("name", domain), ("answers", ()), ("fallback", "A"))
        else:
            shown = ", ".join(f"{pref} {host}" for pref, host in result.hosts)
            summary = f"MX {domain}: {shown}"
            info = (("rrtype", "MX"), ("name", domain), ("answers", result.hosts))
        return summary, info

    def _remember(self, key: tuple[object, ...], value: tuple[str, Info]) -> None:
        self._records.put(key, value)

    def lookup(self, client: str, rrtype: str, name: str, message: str | None = None) -> list[str]:
        """The ``rrtype`` (TXT, A or MX) records of ``name``, answered at once: a query and an
        answer record in the trace, no time passing (the mail-authentication checks ask
        while the client waits for the reply to its final dot). MX answers read
        ``PREFERENCE HOST``; an empty list is no record (NXDOMAIN or no data alike)."""
        name = name.lower().rstrip(".")
        zone = self.zone
        found: list[str]
        if rrtype == "TXT":
            found = list(zone.txt.get(name, ()))
        elif rrtype == "A":
            found = [zone.a[name]] if name in zone.a else []
        elif rrtype == "MX":
            found = [f"{r.priority} {r.host}" for r in zone.mx.get(name, ())]
        else:
            found = []
        self.lookups += 1
        dst = self.server or "DNS"
        info: Info = (("rrtype", rrtype), ("name", name))
        self.recorder.log(
            Layer.DNS,
            Kind.QUERY,
            client,
            dst,
            f"query {rrtype} {name}?",
            message=message,
            info=info,
        )
        shown = "; ".join(f'"{t}"' if rrtype == "TXT" else t for t in found) or "no record"
        self.recorder.log(
            Layer.DNS,
            Kind.ANSWER,
            dst,
            client,
            f"{rrtype} {name}: {shown}",
            message=message,
            info=(*info, ("answers", tuple(found))),
        )
        return found

    def address_of(self, name: str) -> str | None:
        return self.zone.a.get(name.lower())

    def add_alias(self, name: str, host: str) -> None:
        """``name`` is another name of the host ``host`` (an MTA's own hostname)."""
        self._aliases[name.lower()] = host

    def host_named(self, name: str) -> Host | None:
        """The host a name gives, as the simulation finds it at once (no query in the trace):
        a host's own name, another name of it, or an A record naming a host's address."""
        name = name.lower().rstrip(".")
        hosts = self.network.hosts
        host = hosts.get(name)
        if host is None and name in self._aliases:
            host = hosts[self._aliases[name]]
        if host is None and name in self.zone.a:  # an A record naming a host's address
            host = self.network.host_by_ip(self.zone.a[name])
        return host
