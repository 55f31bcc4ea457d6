"""Faults: things that go wrong, applied now or scheduled on the timeline, all deterministic.

Each kind of fault is one small function registered in :data:`FAULT_KINDS` with what each of
its parameters takes (a :class:`ParamType`: how a value is read, what it must name in the world).
:func:`check_fault` holds the rules: :func:`apply_fault` (the scenario file's ``[[faults]]``, a
lesson's timeline, the console's ``/fault`` and the app's palette) asks it before anything
changes, and the scenario and lesson checks ask it too, so ``smtp-sim check`` refuses exactly
what would fail at run time. Every fault writes a FAULT record to the trace saying what changed.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..protocol.delivery import TlsPolicy
from ..protocol.policy import Stage
from ..protocol.reply_texts import GREYLIST, fault_text
from .fault_params import (
    ADDRESSES,
    CODE,
    DNS_FAILURE,
    DNS_FAILURES,
    DOMAIN,
    DURATION,
    ENHANCED,
    FLAG,
    HOST,
    MAILBOX,
    MTA,
    POSITIVE_DURATION,
    PROBABILITY,
    STAGE,
    TEXT,
    TLS_POLICY,
    FaultError,
    ParamType,
    did_you_mean,
    find_host,
    find_link,
    find_mailbox,
    find_mta,
)
from .mta import Fault
from .tap import attack
from .trace import Kind, Layer

if TYPE_CHECKING:
    from .world import World


# -- the faults ---------------------------------------------------------------------------------


def host_down(world: World, host: str) -> str:
    h = find_host(world, host)
    h.up = False
    world.network.topology_changed()
    for conn in list(world.network.connections.values()):
        if h.name in (conn.client, conn.server):
            conn.abort(f"{h.name} went down")
    return f"{h.name} is down"


def host_up(world: World, host: str) -> str:
    h = find_host(world, host)
    h.up = True
    world.network.topology_changed()
    return f"{h.name} is up again"


def link_down(world: World, a: str, b: str) -> str:
    link = find_link(world, a, b)
    link.up = False
    world.network.topology_changed()
    return f"the link {link.a} \u2014 {link.b} is down"


def link_up(world: World, a: str, b: str) -> str:
    link = find_link(world, a, b)
    link.up = True
    world.network.topology_changed()
    return f"the link {link.a} \u2014 {link.b} is up again"


def latency(world: World, a: str, b: str, extra: float) -> str:
    link = find_link(world, a, b)
    link.extra_latency = extra
    world.network.topology_changed()
    return f"the link {link.a} \u2014 {link.b} now adds {extra * 1000:g} ms"


def loss(world: World, a: str, b: str, probability: float) -> str:
    link = find_link(world, a, b)
    link.loss = probability
    return f"the link {link.a} \u2014 {link.b} now loses {probability:.0%} of its segments"


def striptls(world: World, a: str, b: str, enabled: bool = True) -> str:
    link = find_link(world, a, b)
    if not enabled:
        return attack(world.network, link, None)
    return attack(world.network, link, "striptls")


def tls_policy(world: World, host: str, policy: str) -> str:
    mta = find_mta(world, host)
    mta.tls_policy = TlsPolicy(policy)
    if mta.tls_policy is TlsPolicy.REQUIRED:
        return (
            f"{mta.hostname} now relays only over TLS with a valid certificate (MTA-STS "
            "enforce, RFC 8461 section 5)"
        )
    return f"{mta.hostname} now uses TLS when offered, and goes on without it (RFC 7435)"


def dns_failure(world: World, domain: str, failure: str = "servfail") -> str:
    if failure == "clear":
        world.zone.broken.pop(domain.lower(), None)
        return f"DNS answers for {domain} are normal again"
    world.zone.broken[domain.lower()] = DNS_FAILURES[failure]
    return f"DNS lookups for {domain} now fail: {DNS_FAILURES[failure].value}"


def dns_down(world: World) -> str:
    world.resolver.down = True
    return "the DNS server does not answer"


def dns_up(world: World) -> str:
    world.resolver.down = False
    return "the DNS server answers again"


def reply(
    world: World,
    host: str,
    stage: str,
    code: int,
    text: str = "",
    addresses: tuple[str, ...] = (),
    enhanced: str | None = None,
) -> str:
    mta = find_mta(world, host)
    st = Stage(stage)
    text = text or fault_text(code)
    mta.faults.append(Fault(st, code, text, enhanced, tuple(addresses)))
    who = f" for {', '.join(addresses)}" if addresses else ""
    return f"{mta.hostname} now answers {code} {text} at {st.value}{who}"


def clear_replies(world: World, host: str) -> str:
    mta = find_mta(world, host)
    mta.faults.clear()
    return f"{mta.hostname} answers normally again"


def greylist(world: World, host: str) -> str:
    mta = find_mta(world, host)
    mta.faults.append(
        Fault(Stage.RCPT, GREYLIST.code, GREYLIST.text, GREYLIST.enhanced, once_per_sender=True)
    )
    return f"{mta.hostname} greylists: 450 for the first try of every sender and recipient"


def mailbox_full(world: World, address: str) -> str:
    box = find_mailbox(world, address)
    box.quota = box.size
    return f"the mailbox of {box.address} is full ({box.size} bytes)"


def slow_server(world: World, host: str, delay: float) -> str:
    mta = find_mta(world, host)
    mta.reply_delay = delay
    return f"{mta.hostname} now waits {delay:g} s before each reply"


def open_relay(world: World, host: str, enabled: bool = True) -> str:
    mta = find_mta(world, host)
    mta.open_relay = enabled
    state = "an OPEN RELAY: it relays mail from anyone" if enabled else "no longer an open relay"
    return f"{mta.hostname} is {state}"


def busy_relay(world: World, host: str, enabled: bool = True, cache: float = 2.0) -> str:
    """Relay as a busy Postfix does (PIPELINING groups and a connection cache), or not."""
    mta = find_mta(world, host)
    if not enabled:
        mta.pipelining, mta.connection_cache = False, 0.0
        return (
            f"{mta.hostname} relays the classic way: a new connection for every message, "
            "one command per round trip"
        )
    mta.pipelining, mta.connection_cache = True, cache
    return (
        f"{mta.hostname} relays like a busy server: MAIL, RCPT and DATA in one group "
        f"(PIPELINING), and an idle connection kept {cache:g} s for more mail"
    )


# -- the table ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FaultKind:
    """One kind of fault: its function, and what each of its parameters takes (in order).
    Which parameters are required, and their defaults, are the function's own."""

    name: str
    summary: str
    params: dict[str, ParamType]
    apply: Callable[..., str]
    defaults: dict[str, Any]
    check: Callable[[World, dict[str, Any]], object] | None = None  # across parameters

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(name for name in self.params if name not in self.defaults)

    def json_schema(self) -> dict[str, Any]:
        """The parameters as JSON Schema properties (for the scenario file's schema)."""
        props = {}
        for name, ptype in self.params.items():
            props[name] = {**ptype.schema, "description": ptype.expected}
            if name in self.defaults and self.defaults[name] is not None:
                props[name]["default"] = _plain(self.defaults[name])
        return props


def _kind(
    name: str,
    summary: str,
    apply: Callable[..., str],
    *,
    check: Callable[[World, dict[str, Any]], object] | None = None,
    **params: ParamType,
) -> FaultKind:
    signature = inspect.signature(apply).parameters
    assert list(signature)[1:] == list(params), f"{name}: the table and {apply.__name__} differ"
    defaults = {
        n: p.default
        for n, p in signature.items()
        if n in params and p.default is not inspect.Parameter.empty
    }
    return FaultKind(name, summary, params, apply, defaults, check)


def _linked(world: World, values: dict[str, Any]) -> object:
    return find_link(world, values["a"], values["b"])


FAULT_KINDS: dict[str, FaultKind] = {
    k.name: k
    for k in (
        _kind("host-down", "take a host down", host_down, host=HOST),
        _kind("host-up", "bring a host back up", host_up, host=HOST),
        _kind("link-down", "cut a link", link_down, check=_linked, a=HOST, b=HOST),
        _kind("link-up", "restore a link", link_up, check=_linked, a=HOST, b=HOST),
        _kind(
            "latency",
            "add latency to a link (seconds)",
            latency,
            check=_linked,
            a=HOST,
            b=HOST,
            extra=DURATION,
        ),
        _kind(
            "loss",
            "lose a share of a link's segments",
            loss,
            check=_linked,
            a=HOST,
            b=HOST,
            probability=PROBABILITY,
        ),
        _kind(
            "striptls",
            "an attacker on a link strips STARTTLS from EHLO replies (enabled=no: gone)",
            striptls,
            check=_linked,
            a=HOST,
            b=HOST,
            enabled=FLAG,
        ),
        _kind(
            "tls-policy",
            "what a server does about TLS when it relays (required: TLS or nothing)",
            tls_policy,
            host=MTA,
            policy=TLS_POLICY,
        ),
        _kind(
            "dns-failure",
            "make DNS lookups of a domain fail",
            dns_failure,
            domain=DOMAIN,
            failure=DNS_FAILURE,
        ),
        _kind("dns-down", "stop the DNS server answering", dns_down),
        _kind("dns-up", "let the DNS server answer again", dns_up),
        _kind(
            "reply",
            "make a server answer a chosen code at a chosen stage",
            reply,
            host=MTA,
            stage=STAGE,
            code=CODE,
            text=TEXT,
            addresses=ADDRESSES,
            enhanced=ENHANCED,
        ),
        _kind("clear-replies", "remove injected replies", clear_replies, host=MTA),
        _kind("greylist", "greylist: 450 on the first try", greylist, host=MTA),
        _kind("mailbox-full", "fill a mailbox (552)", mailbox_full, address=MAILBOX),
        _kind(
            "slow-server", "delay every reply of a server", slow_server, host=MTA, delay=DURATION
        ),
        _kind("open-relay", "make a server relay for anyone", open_relay, host=MTA, enabled=FLAG),
        _kind(
            "busy-relay",
            "relay with PIPELINING groups and a connection cache",
            busy_relay,
            host=MTA,
            enabled=FLAG,
            cache=POSITIVE_DURATION,
        ),
    )
}


def check_fault(
    kind: str, params: Mapping[str, Any], world: World | None = None
) -> tuple[dict[str, Any], list[FaultError]]:
    """Every mistake in one fault, each a FaultError with its ``key``: an unknown kind, unknown
    or missing parameters, values that do not read; with ``world``, also names it does not
    have (hosts, mail servers, links, mailboxes). Returns the values read (what the fault's
    function gets) and the mistakes. :func:`apply_fault` and the scenario and lesson checks
    all ask this, so a file is refused for exactly what would fail when it runs."""
    fault = FAULT_KINDS.get(kind) if isinstance(kind, str) else None
    if fault is None:
        hint = did_you_mean(str(kind), FAULT_KINDS)
        return {}, [
            FaultError(
                f"unknown fault kind {kind!r}{hint}",
                key="kind",
                expected=f"one of {', '.join(FAULT_KINDS)}",
            )
        ]
    takes = (
        f"the parameters of {kind}: {', '.join(fault.params)}"
        if fault.params
        else f"no parameters for {kind}"
    )
    errors = [
        FaultError(
            f"unknown key {key!r} for fault {kind}{did_you_mean(key, fault.params)}",
            key=key,
            expected=takes,
        )
        for key in params
        if key not in fault.params
    ]
    values: dict[str, Any] = {}
    for name, ptype in fault.params.items():
        if name not in params:
            if name not in fault.defaults:
                errors.append(
                    FaultError(
                        f"fault {kind} needs {name}=...",
                        key=name,
                        expected=ptype.expected_in(world),
                    )
                )
            continue
        try:
            value = ptype.read(params[name])
            if world is not None and ptype.find is not None:
                ptype.find(world, value)
        except FaultError as exc:
            errors.append(
                FaultError(exc.message, key=name, expected=exc.expected or ptype.expected)
            )
        except ValueError as exc:
            errors.append(FaultError(str(exc), key=name, expected=ptype.expected))
        else:
            values[name] = value
    if not errors and world is not None and fault.check is not None:
        try:
            fault.check(world, values)
        except FaultError as exc:
            errors.append(exc)
    return values, errors


def _one(errors: list[FaultError]) -> FaultError:
    return errors[0] if len(errors) == 1 else FaultError("; ".join(map(str, errors)))


def apply_fault(world: World, kind: str, **params: Any) -> str:
    """Apply a fault now; returns the sentence written to the trace. FaultError (see
    :func:`check_fault`) when it cannot be applied; the world is then unchanged."""
    values, errors = check_fault(kind, params, world)
    if errors:
        raise _one(errors)
    text = FAULT_KINDS[kind].apply(world, **values)
    world.record(
        Layer.FAULT,
        Kind.FAULT,
        "instructor",
        None,
        text,
        info=(("fault", kind), *((k, _plain(v)) for k, v in sorted(params.items()))),
    )
    return text


def schedule_fault(world: World, at: float, kind: str, **params: Any) -> None:
    """Apply a fault at virtual time ``at``. Checked now (FaultError), so a mistake surfaces
    when the world is built; should it fail anyway when its time comes, the trace says so in
    an ERROR record: nothing escapes the clock."""
    _, errors = check_fault(kind, params, world)
    if errors:
        raise _one(errors)
    world.clock.at(at, _apply_scheduled, world, kind, params, priority=0, label=f"fault {kind}")


def _apply_scheduled(world: World, kind: str, params: dict[str, Any]) -> None:
    try:
        apply_fault(world, kind, **params)
    except FaultError as exc:
        world.record(
            Layer.INFO,
            Kind.ERROR,
            "instructor",
            None,
            f"fault {kind} failed: {exc}",
            info=(("fault", kind),),
        )


def _plain(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value
