"""IPv6 loopback works like IPv4. (The bridge's layer: tests/test_layers.py.)"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from conftest import classroom, in_thread

from smtp_sim.bridge.bridge import Bridge

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench" / "bench_bridge.py"


def _ipv6_loopback() -> bool:
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as sock:
            sock.bind(("::1", 0))
        return True
    except OSError:
        return False


@pytest.mark.skipif(not _ipv6_loopback(), reason="no IPv6 loopback here")
async def test_ipv6_loopback():
    bridge = Bridge(classroom(), ["[::1]:0=mail.cs.tcd.ie"])
    await bridge.start()

    def talk() -> bytes:
        with socket.create_connection(("::1", bridge.listeners[0].port), timeout=10) as sock:
            sock.sendall(b"HELO v6.example\r\nQUIT\r\n")
            out = b""
            while chunk := sock.recv(4096):
                out += chunk
            return out

    try:
        out = await in_thread(talk)
    finally:
        await bridge.stop()
    assert out == (
        b"220 mail.cs.tcd.ie ESMTP Postfix (1.1.13)\r\n250 mail.cs.tcd.ie\r\n221 Bye\r\n"
    )
    assert "client-::1" in bridge.world.network.hosts
    assert str(bridge.listeners[0]).startswith("[::1]:")
