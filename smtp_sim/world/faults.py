"""Faults: things that go wrong, applied now or scheduled on the timeline, all deterministic.

Each kind of fault is one small function registered in :data:`FAULT_KINDS`; the scenario
file's ``[[faults]]`` entries and the app's fault menu both call :func:`apply_fault`.
Every fault writes a FAULT record to the trace saying what changed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..protocol.policy import Stage
from .dns import DnsFailure
from .mta import Fault
from .trace import Kind, Layer

if TYPE_CHECKING:
    from .world import World


class FaultError(ValueError):
    """A fault that cannot be applied (unknown host, bad parameter); the message says why."""


@dataclass(frozen=True, slots=True)
class FaultKind:
    name: str
    summary: str
    params: tuple[str, ...]
    apply: Callable[..., str]


def _host(world: World, name: str):
    host = world.host_named(name)
    if host is None:
        raise FaultError(f"no host named {name!r}; hosts: {', '.join(world.network.hosts)}")
    return host


def _mta(world: World, name: str):
    host = _host(world, name)
    mta = world.mtas.get(host.name)
    if mta is None:
        raise FaultError(f"{name} is not a mail server")
    return mta


def _link(world: World, a: str, b: str):
    link = world.network.link_between(_host(world, a).name, _host(world, b).name)
    if link is None:
        raise FaultError(f"no link between {a} and {b}")
    return link


def host_down(world: World, host: str) -> str:
    h = _host(world, host)
    h.up = False
    world.network.topology_changed()
    for conn in list(world.network.connections.values()):
        if h.name in (conn.client, conn.server):
            conn.abort(f"{h.name} went down")
    return f"{h.name} is down"


def host_up(world: World, host: str) -> str:
    h = _host(world, host)
    h.up = True
    world.network.topology_changed()
    return f"{h.name} is up again"


def link_down(world: World, a: str, b: str) -> str:
    link = _link(world, a, b)
    link.up = False
    world.network.topology_changed()
    return f"the link {link.a} \u2014 {link.b} is down"


def link_up(world: World, a: str, b: str) -> str:
    link = _link(world, a, b)
    link.up = True
    world.network.topology_changed()
    return f"the link {link.a} \u2014 {link.b} is up again"


def latency(world: World, a: str, b: str, extra: float) -> str:
    link = _link(world, a, b)
    link.extra_latency = float(extra)
    world.network.topology_changed()
    return f"the link {link.a} \u2014 {link.b} now adds {float(extra) * 1000:g} ms"


def loss(world: World, a: str, b: str, probability: float) -> str:
    p = float(probability)
    if not 0.0 <= p < 1.0:
        raise FaultError("loss probability must be at least 0 and below 1")
    link = _link(world, a, b)
    link.loss = p
    return f"the link {link.a} \u2014 {link.b} now loses {p:.0%} of its segments"


_DNS = {"nxdomain": DnsFailure.NXDOMAIN, "no-mx": DnsFailure.NO_MAIL,
        "servfail": DnsFailure.SERVFAIL}


def dns_failure(world: World, domain: str, failure: str = "servfail") -> str:
    if failure == "clear":
        world.zone.broken.pop(domain.lower(), None)
        return f"DNS answers for {domain} are normal again"
    try:
        world.zone.broken[domain.lower()] = _DNS[failure]
    except KeyError:
        raise FaultError(f"DNS failure must be one of {', '.join(_DNS)} or clear") from None
    return f"DNS lookups for {domain} now fail: {_DNS[failure].value}"


def dns_down(world: World) -> str:
    world.resolver.down = True
    return "the DNS server does not answer"


def dns_up(world: World) -> str:
    world.resolver.down = False
    return "the DNS server answers again"


def reply(world: World, host: str, stage: str, code: int, text: str = "",
          addresses: tuple[str, ...] | list[str] = (), enhanced: str | None = None) -> str:
    mta = _mta(world, host)
    try:
        st = Stage(stage)
    except ValueError:
        stages = ", ".join(s.value for s in Stage)
        raise FaultError(f"stage must be one of {stages}") from None
    code = int(code)
    if not 400 <= code <= 599:
        raise FaultError("an injected reply must be a 4xx or 5xx code")
    text = text or ("Service temporarily unavailable" if code < 500 else "Rejected")
    mta.faults.append(Fault(st, code, text, enhanced,
                            tuple(a.lower() for a in addresses)))
    who = f" for {', '.join(addresses)}" if addresses else ""
    return f"{mta.hostname} now answers {code} {text} at {st.value}{who}"


def clear_replies(world: World, host: str) -> str:
    mta = _mta(world, host)
    mta.faults.clear()
    return f"{mta.hostname} answers normally again"


def greylist(world: World, host: str) -> str:
    mta = _mta(world, host)
    mta.faults.append(Fault(Stage.RCPT, 450, "Recipient address rejected: Greylisted, "
                            "see https://postgrey.schweikert.ch/", "4.2.0",
                            once_per_sender=True))
    return f"{mta.hostname} greylists: 450 for the first try of every sender and recipient"


def mailbox_full(world: World, address: str) -> str:
    box = world.mailbox(address)
    if box is None:
        raise FaultError(f"no mailbox {address!r}")
    box.quota = box.size
    return f"the mailbox of {box.address} is full ({box.size} bytes)"


def slow_server(world: World, host: str, delay: float) -> str:
    mta = _mta(world, host)
    mta.reply_delay = float(delay)
    return f"{mta.hostname} now waits {float(delay):g} s before each reply"


def _flag(value: Any, name: str) -> bool:
    """A yes/no parameter: a TOML boolean, or the console's text (`enabled=false`)."""
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("true", "yes", "on", "1"):
            return True
        if text in ("false", "no", "off", "0"):
            return False
        raise FaultError(f"{name} must be true or false, not {value!r}")
    return bool(value)


def open_relay(world: World, host: str, enabled: bool | str = True) -> str:
    mta = _mta(world, host)
    enabled = _flag(enabled, "enabled")
    mta.open_relay = enabled
    state = "an OPEN RELAY: it relays mail from anyone" if enabled else "no longer an open relay"
    return f"{mta.hostname} is {state}"


def busy_relay(world: World, host: str, enabled: bool | str = True,
               cache: float | str = 2.0) -> str:
    """Relay as a busy Postfix does (PIPELINING groups and a connection cache), or not."""
    mta = _mta(world, host)
    enabled = _flag(enabled, "enabled")
    try:
        seconds = float(cache)
    except (TypeError, ValueError):
        raise FaultError(f"cache must be a number of seconds, not {cache!r}") from None
    if not enabled:
        mta.pipelining, mta.connection_cache = False, 0.0
        return (f"{mta.hostname} relays the classic way: a new connection for every message, "
                "one command per round trip")
    if seconds <= 0:
        raise FaultError(f"cache must be more than 0 seconds, not {cache!r}")
    mta.pipelining, mta.connection_cache = True, seconds
    return (f"{mta.hostname} relays like a busy server: MAIL, RCPT and DATA in one group "
            f"(PIPELINING), and an idle connection kept {seconds:g} s for more mail")


FAULT_KINDS: dict[str, FaultKind] = {
    k.name: k
    for k in (
        FaultKind("host-down", "take a host down", ("host",), host_down),
        FaultKind("host-up", "bring a host back up", ("host",), host_up),
        FaultKind("link-down", "cut a link", ("a", "b"), link_down),
        FaultKind("link-up", "restore a link", ("a", "b"), link_up),
        FaultKind("latency", "add latency to a link (seconds)", ("a", "b", "extra"), latency),
        FaultKind("loss", "lose a share of a link's segments", ("a", "b", "probability"), loss),
        FaultKind("dns-failure", "make DNS lookups of a domain fail", ("domain", "failure"),
                  dns_failure),
        FaultKind("dns-down", "stop the DNS server answering", (), dns_down),
        FaultKind("dns-up", "let the DNS server answer again", (), dns_up),
        FaultKind("reply", "make a server answer a chosen code at a chosen stage",
                  ("host", "stage", "code", "text", "addresses", "enhanced"), reply),
        FaultKind("clear-replies", "remove injected replies", ("host",), clear_replies),
        FaultKind("greylist", "greylist: 450 on the first try", ("host",), greylist),
        FaultKind("mailbox-full", "fill a mailbox (552)", ("address",), mailbox_full),
        FaultKind("slow-server", "delay every reply of a server", ("host", "delay"),
                  slow_server),
        FaultKind("open-relay", "make a server relay for anyone", ("host", "enabled"),
                  open_relay),
        FaultKind("busy-relay", "relay with PIPELINING groups and a connection cache",
                  ("host", "enabled", "cache"), busy_relay),
    )
}


def apply_fault(world: World, kind: str, **params: Any) -> str:
    """Apply a fault now; returns the sentence written to the trace."""
    fault = FAULT_KINDS.get(kind)
    if fault is None:
        raise FaultError(f"unknown fault {kind!r}; known: {', '.join(FAULT_KINDS)}")
    unknown = set(params) - set(fault.params)
    if unknown:
        raise FaultError(f"fault {kind} takes {', '.join(fault.params) or 'no parameters'}; "
                         f"not {', '.join(sorted(unknown))}")
    try:
        text = fault.apply(world, **params)
    except TypeError as exc:
        raise FaultError(f"fault {kind}: {exc}") from None
    world.record(Layer.FAULT, Kind.FAULT, "instructor", None, text,
                 info=(("fault", kind), *((k, _plain(v)) for k, v in sorted(params.items()))))
    return text


def schedule_fault(world: World, at: float, kind: str, **params: Any) -> None:
    """Apply a fault at virtual time ``at`` (validated now, so errors surface at load time)."""
    if kind not in FAULT_KINDS:
        raise FaultError(f"unknown fault {kind!r}; known: {', '.join(FAULT_KINDS)}")
    world.clock.at(at, lambda: apply_fault(world, kind, **params), priority=0,
                   label=f"fault {kind}")


def _plain(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value
