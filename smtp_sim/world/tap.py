"""Who else is on the link: a tap that reads what crosses it, an attacker that changes it.

A **tap** (a scenario's ``tap = true`` on a ``[[links]]`` entry, or the console's ``/tap``)
is a passive observer: for every segment that crosses its link it writes a ``TAP``/``tapped``
record with the octets as they crossed (``data``) and a summary of what they say to someone
without the keys: the command or reply before STARTTLS, the handshake's names (the
certificate crosses in the clear in this model, world/tls.py), and after it only ciphertext,
shown as hex.

An **attacker** (``attacker = "striptls"`` on a link, or ``/fault striptls``) is active: it
removes the STARTTLS line from EHLO replies crossing its link (the STRIPTLS downgrade, RFC
7672 section 1.3 and RFC 8461 section 1), so that an opportunistic client never starts TLS.
The server's reply record keeps what the server wrote; a ``TAP``/``tampered`` record says what
was removed; the client reads the changed reply. A client whose policy requires TLS refuses
(protocol/delivery.py, ``TlsPolicy.REQUIRED``).

Taps and attackers are looked at only while a link has one (``Network.watching``), so a world
without them runs as before, to the byte.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .tls import ALERT, APPLICATION_DATA, certificate_seen, is_record, records
from .trace import Kind, Layer
from .visible import visible

if TYPE_CHECKING:
    from .network import Link, Network, TcpConnection

ATTACKS = ("striptls",)
_LAST_STARTTLS = re.compile(rb"(?i)250 STARTTLS\r\n\Z")  # the reply's last line offers it
EXCERPT = 24  # octets of ciphertext a tap record's summary shows
#: an EHLO reply's STARTTLS line (RFC 3207 section 4: the keyword, no parameters)
_STARTTLS_LINE = re.compile(rb"250[- ]STARTTLS\r\n", re.IGNORECASE)


def link_named(network: Network, a: str, b: str) -> Link | None:
    return network.link_between(a, b)


def link_names(network: Network) -> str:
    """The links as the console names them (``/tap A B``), for a message."""
    return "; ".join(f"{link.a} {link.b}" for link in network.links) or "none"


def crossing(conn: TcpConnection, side: str, dst: str, wire: bytes) -> bytes:
    """The segment ``wire`` from ``side`` to ``dst`` crosses its path's links in order: each
    attacker may change it, each tap records it. Returns what arrives."""
    path = conn._path(side, dst)
    if path is None:
        return wire
    for link in path:
        if link.attacker == "striptls" and side == conn.server and not is_record(wire):
            wire = _strip(conn, link, side, dst, wire)
        if link.tap:
            _tapped(conn, link, side, dst, wire)
    return wire


def _strip(conn: TcpConnection, link: Link, side: str, dst: str, wire: bytes) -> bytes:
    lines = wire.split(b"\r\n")
    out = _STARTTLS_LINE.sub(b"", wire)
    if out == wire:
        return wire
    # a STARTTLS that was the reply's last line leaves the line before it last (250-: 250 )
    if _LAST_STARTTLS.search(wire) and len(lines) > 2:
        head, _, last = out[:-2].rpartition(b"\r\n")
        out = (head + b"\r\n" if head else b"") + last[:3] + b" " + last[4:] + b"\r\n"
    conn.trace.append(
        conn.clock.now,
        Layer.TAP,
        Kind.TAMPERED,
        side,
        dst,
        f"attacker on {link.name}: removed STARTTLS from the EHLO reply (STRIPTLS "
        "downgrade): the client is not told that the server offers TLS",
        out,
        conn.id,
        conn.message,
        (("link", link.name), ("attack", "striptls")),
    )
    return out


def _tapped(conn: TcpConnection, link: Link, side: str, dst: str, wire: bytes) -> None:
    encrypted = conn.tls is not None and is_record(wire)
    if encrypted:
        what = "; ".join(_record_seen(conn, t, payload) for t, payload in records(wire))
        what = f"{len(wire)} bytes of TLS: {what}"
    else:
        first, _, rest = wire.partition(b"\r\n")
        lines = rest.count(b"\r\n")
        more = f" (+{lines} lines)" if lines else ""
        what = f"plaintext: {visible(first.decode('utf-8', 'replace'))}{more}"
    conn.trace.append(
        conn.clock.now,
        Layer.TAP,
        Kind.TAPPED,
        side,
        dst,
        f"{what} (tap on {link.name})",  # (what it read first: the Events column is narrow)
        wire,
        conn.id,
        conn.message,
        (("link", link.name), ("encrypted", encrypted)),
    )


def _record_seen(conn: TcpConnection, content_type: int, payload: bytes) -> str:
    """One TLS record as someone without the keys reads it."""
    if content_type == APPLICATION_DATA:
        # (past the record's 8-octet sequence number: the encrypted octets themselves)
        return f"ciphertext {payload[8 : 8 + EXCERPT].hex(' ')} ... (unreadable without the keys)"
    if content_type == ALERT:
        return "an alert (the handshake is refused)"
    if payload[:1] == b"\x01":
        return f"ClientHello in the clear (the client asks for {conn.server})"
    if payload[:1] == b"\x02":
        subject = certificate_seen(payload)
        return f"ServerHello + Certificate in the clear (who the server says it is: {subject})"
    return "an encrypted handshake message (Finished)"


def attach_tap(network: Network, link: Link) -> str:
    link.tap = True
    network.watch_changed()
    return f"a tap on the link {link.name} records every segment that crosses it"


def attack(network: Network, link: Link, kind: str | None) -> str:
    link.attacker = kind
    network.watch_changed()
    if kind is None:
        return f"the attacker on the link {link.name} is gone"
    return (
        f"an attacker on the link {link.name} strips STARTTLS from the EHLO replies that cross it"
    )
