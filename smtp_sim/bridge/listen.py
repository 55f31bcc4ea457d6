"""``--listen [HOST:]PORT[=HOSTNAME[:PORT]]``: which real port leads to which simulated server.

    2525                        127.0.0.1:2525 -> the scenario's first MTA, port 25
    2525=mail.cs.tcd.ie         127.0.0.1:2525 -> mail.cs.tcd.ie port 25
    2110=mail.cs.tcd.ie         127.0.0.1:2110 -> mail.cs.tcd.ie port 110 (POP3)
    0.0.0.0:2525=mx1:587        every interface (a warning is printed) -> mx1 port 587
    [::1]:0=mail.cs.tcd.ie      IPv6 loopback, an ephemeral port (tests)

Without ``:PORT`` after the host name, the simulated port follows the real one: a real port
ending in 110 (110, 1110, 2110...) is POP3's 110, one ending in 587 is submission's 587,
anything else is SMTP's 25. A ``--listen-tls`` port (implicit TLS, RFC 8314's port 465) leads
to the submission port 587 (or the host's 465 when it has one), inside TLS from the start.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 2525
SIM_SMTP, SIM_SUBMISSION, SIM_POP3 = 25, 587, 110
SIM_SUBMISSIONS = 465  # submission over implicit TLS (RFC 8314 section 7.3)


class ListenError(ValueError):
    """A ``--listen`` value that cannot be understood, or names nothing in the scenario."""


@dataclass(frozen=True, slots=True)
class ListenSpec:
    """One real listening socket and the simulated server behind it."""

    port: int = DEFAULT_PORT
    host: str = DEFAULT_HOST
    target: str | None = None  # a host name in the scenario; None: its first MTA
    sim_port: int | None = None  # None: follows ``port`` (see the module docstring)
    explicit_host: bool = False  # the address was given, not defaulted
    tls: bool = False  # implicit TLS (--listen-tls): the handshake before the greeting

    @property
    def simulated_port(self) -> int:
        if self.sim_port is not None:
            return self.sim_port
        if self.tls:
            return SIM_SUBMISSION
        text = str(self.port)
        if text.endswith(str(SIM_POP3)):
            return SIM_POP3
        if text.endswith(str(SIM_SUBMISSION)):
            return SIM_SUBMISSION
        return SIM_SMTP

    @property
    def exposed(self) -> bool:
        """True when the address is reachable from other machines (not a loopback)."""
        return not is_loopback(self.host)

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        target = f"={self.target}" if self.target else ""
        port = f":{self.sim_port}" if self.sim_port is not None else ""
        return f"{host}:{self.port}{target}{port}"


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _port(text: str, what: str, *, allow_zero: bool) -> int:
    if not text.isdigit():
        raise ListenError(f"{what} {text!r} is not a number")
    port = int(text)
    if not (0 if allow_zero else 1) <= port <= 65535:
        raise ListenError(f"{what} {port} is out of range (1-65535)")
    return port


def parse_listen(text: str, *, tls: bool = False) -> ListenSpec:
    """Parse ``[HOST:]PORT[=HOSTNAME[:PORT]]``; raises :class:`ListenError`. ``tls``: a
    ``--listen-tls`` port (implicit TLS)."""
    address, sep, target_text = text.strip().partition("=")
    if not address:
        raise ListenError("give a port, e.g. 2525 or 127.0.0.1:2525")
    host, explicit = DEFAULT_HOST, False
    if address.startswith("["):  # [IPv6]:PORT
        end = address.find("]")
        if end < 0 or address[end + 1 : end + 2] != ":":
            raise ListenError(f"{address!r}: write an IPv6 address as [ADDRESS]:PORT")
        host, port_text, explicit = address[1:end], address[end + 2 :], True
    elif ":" in address:
        host, _, port_text = address.rpartition(":")
        explicit = True
        if host.isdigit() and port_text and not port_text.isdigit() and not sep:
            raise ListenError(
                f"{address!r}: did you mean {host}={port_text}? (PORT=HOSTNAME "
                "puts a real port in front of a host of the scenario)"
            )
        if ":" in host:
            raise ListenError(f"{address!r}: write an IPv6 address as [ADDRESS]:PORT")
    else:
        port_text = address
    if explicit and not host:
        raise ListenError(f"{address!r}: the address before the port is empty")
    port = _port(port_text, "port", allow_zero=True)
    target: str | None = None
    sim_port: int | None = None
    if sep:
        name, colon, sim_text = target_text.partition(":")
        if not name:
            raise ListenError(f"{text!r}: nothing after '=': give a host name of the scenario")
        target = name.lower().rstrip(".")
        if colon:
            sim_port = _port(sim_text, "simulated port", allow_zero=False)
    return ListenSpec(
        port=port, host=host, target=target, sim_port=sim_port, explicit_host=explicit, tls=tls
    )
