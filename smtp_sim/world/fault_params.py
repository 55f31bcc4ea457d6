"""What the parameters of a fault take: how a value from a file or the console is read, and
what it must name in the world (a host, a mail server, a link, a mailbox). The fault kinds
(world/faults.py) list one :class:`ParamType` per parameter, so a scenario check, the console
and the JSON schema all learn the same rules from one table.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..protocol.policy import Stage
from .dns import DnsFailure
from .values import DURATION_HELP, parse_duration, shown_value

if TYPE_CHECKING:
    from .mailbox import Mailbox
    from .mta import MTA as MailServer
    from .network import Host, Link
    from .world import World


class FaultError(ValueError):
    """A fault that cannot be applied: ``message`` says why, ``key`` names the parameter at
    fault (``"kind"`` for the kind, None for the fault as a whole) and ``expected`` what would
    do. ``str()`` joins them for the console: ``KEY: MESSAGE (expected EXPECTED)``."""

    def __init__(
        self, message: str, *, key: str | None = None, expected: str | None = None
    ) -> None:
        text = f"{key}: {message}" if key else message
        super().__init__(f"{text} (expected {expected})" if expected else text)
        self.message = message
        self.key = key
        self.expected = expected


# -- what a parameter takes ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ParamType:
    """What one fault parameter takes. ``read`` turns a file's value (or the console's text)
    into the value the fault's function gets, raising ValueError when it cannot; ``find``
    checks in a world that the value names something there, raising FaultError when not."""

    expected: str
    schema: dict[str, Any]
    read: Callable[[Any], Any]
    find: Callable[[World, Any], object] | None = None
    #: The names a world offers for it (to say what to write when it is missing).
    known: Callable[[World], Iterable[str]] | None = None

    def expected_in(self, world: World | None) -> str:
        """What it takes, with the names of ``world`` when it names something there."""
        if world is None or self.known is None:
            return self.expected
        return f"{self.expected}: {_some(self.known(world))}"


def _read_name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{shown_value(value)} is not a name")
    return value.strip()


def _read_text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"wrong type: {shown_value(value)}")
    return value


def _read_positive_duration(value: Any) -> float:
    seconds = parse_duration(value)
    if seconds <= 0:
        raise ValueError(f"{shown_value(value)} is not more than 0 seconds")
    return seconds


def _read_probability(value: Any) -> float:
    try:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise ValueError
        p = float(value)
    except ValueError:
        raise ValueError(f"{shown_value(value)} is not a number") from None
    if not 0.0 <= p < 1.0:  # (NaN fails too)
        raise ValueError(f"{shown_value(value)} is out of range")
    return p


def _read_code(value: Any) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{shown_value(value)} is not a reply code")
    if not 400 <= value <= 599:
        raise ValueError(f"{value} is not a 4xx or 5xx code")
    return value


def _read_flag(value: Any) -> bool:
    """A yes/no parameter: a TOML boolean, or the console's text (``enabled=false``)."""
    if isinstance(value, bool):
        return value
    text = value.strip().lower() if isinstance(value, str) else None
    if text in ("true", "yes", "on", "1"):
        return True
    if text in ("false", "no", "off", "0"):
        return False
    raise ValueError(f"{shown_value(value)} is not true or false")


def _read_addresses(value: Any) -> tuple[str, ...]:
    """A list of addresses, or one string (the console's ``addresses=a@x,b@y``)."""
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not all(
        isinstance(a, str) and a.strip() for a in items
    ):
        raise ValueError(f"{shown_value(value)} is not a list of addresses")
    return tuple(a.strip().lower() for a in items)


_ENHANCED = re.compile(r"^[245]\.\d{1,3}\.\d{1,3}$")


def _read_enhanced(value: Any) -> str:
    if not isinstance(value, str) or not _ENHANCED.match(value.strip()):
        raise ValueError(f"{shown_value(value)} is not an enhanced status code")
    return value.strip()


def _choice(noun: str, values: Iterable[str]) -> Callable[[Any], str]:
    known = {v.lower(): v for v in values}

    def read(value: Any) -> str:
        if isinstance(value, str) and value.strip().lower() in known:
            return known[value.strip().lower()]
        raise ValueError(f"{shown_value(value)} is not a {noun}")

    return read


def _some(names: Iterable[str], limit: int = 12) -> str:
    names = list(names)
    more = f", ... ({len(names) - limit} more)" if len(names) > limit else ""
    return ", ".join(names[:limit]) + more if names else "none in this network"


def did_you_mean(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.7)
    return f"; did you mean {close[0]!r}?" if close else ""


def find_host(world: World, name: str) -> Host:
    host = world.host_named(name)
    if host is None:
        hosts = list(world.network.hosts)
        raise FaultError(
            f"no host named {name!r}{did_you_mean(name, hosts)}",
            expected=f"a host of this network: {_some(hosts)}",
        )
    return host


def find_mta(world: World, name: str) -> MailServer:
    host = find_host(world, name)
    mta = world.mtas.get(host.name)
    if mta is None:
        raise FaultError(
            f"{name} is not a mail server",
            expected=f"a host with a mail server: {_some(world.mtas)}",
        )
    return mta


def find_link(world: World, a: str, b: str) -> Link:
    link = world.network.link_between(find_host(world, a).name, find_host(world, b).name)
    if link is None:
        links = [link.name for link in world.network.links]
        raise FaultError(
            f"no link between {a} and {b}", expected=f"two hosts joined by a link: {_some(links)}"
        )
    return link


def find_mailbox(world: World, address: str) -> Mailbox:
    box = world.mailbox(address)
    if box is None:
        known = [b.address for b in world.mailboxes()]
        raise FaultError(
            f"no mailbox {address!r}{did_you_mean(address, known)}",
            expected=f"the address of a user with a mailbox: {_some(known)}",
        )
    return box


DNS_FAILURES = {
    "nxdomain": DnsFailure.NXDOMAIN,
    "no-mx": DnsFailure.NO_MAIL,
    "servfail": DnsFailure.SERVFAIL,
}
_STRING = {"type": "string"}

HOST = ParamType(
    "the name of a host", _STRING, _read_name, find_host, lambda world: world.network.hosts
)
MTA = ParamType(
    "the name of a host with a mail server", _STRING, _read_name, find_mta, lambda world: world.mtas
)
MAILBOX = ParamType(
    "the address of a user with a mailbox",
    _STRING,
    _read_name,
    find_mailbox,
    lambda world: [box.address for box in world.mailboxes()],
)
DOMAIN = ParamType("a domain name", _STRING, _read_name)
TEXT = ParamType("a string", _STRING, _read_text)
DURATION = ParamType(DURATION_HELP, {"type": ["number", "string"], "minimum": 0}, parse_duration)
POSITIVE_DURATION = ParamType(
    f"more than 0 seconds: {DURATION_HELP}",
    {"type": ["number", "string"], "exclusiveMinimum": 0},
    _read_positive_duration,
)
PROBABILITY = ParamType(
    "a number from 0 up to (not including) 1, like 0.2",
    {"type": "number", "minimum": 0, "exclusiveMaximum": 1},
    _read_probability,
)
CODE = ParamType(
    "a reply code from 400 to 599, like 450 or 550",
    {"type": "integer", "minimum": 400, "maximum": 599},
    _read_code,
)
_STAGES = [s.value for s in Stage]
STAGE = ParamType(f"one of {', '.join(_STAGES)}", {"enum": _STAGES}, _choice("stage", _STAGES))
_DNS_CHOICES = [*DNS_FAILURES, "clear"]
DNS_FAILURE = ParamType(
    f"one of {', '.join(_DNS_CHOICES)}",
    {"enum": _DNS_CHOICES},
    _choice("DNS failure", _DNS_CHOICES),
)
FLAG = ParamType("true or false", {"type": "boolean"}, _read_flag)
_TLS_POLICIES = ["opportunistic", "required"]
TLS_POLICY = ParamType(
    f"one of {', '.join(_TLS_POLICIES)}",
    {"enum": _TLS_POLICIES},
    _choice("TLS policy", _TLS_POLICIES),
)
ADDRESSES = ParamType(
    'a list of addresses like ["bob@cs.tcd.ie"]',
    {"type": "array", "items": _STRING},
    _read_addresses,
)
ENHANCED = ParamType(
    "an enhanced status code like 4.2.0 or 5.1.1",
    {"type": "string", "pattern": _ENHANCED.pattern},
    _read_enhanced,
)
