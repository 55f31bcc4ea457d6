"""Real sockets on 127.0.0.1, ephemeral ports: a bridge in the test's event loop, and clients.

Blocking clients (smtplib, poplib, raw sockets) run in a thread (``await in_thread(fn)``) so
the bridge keeps serving in the loop meanwhile.
"""

from __future__ import annotations

import asyncio
import mailbox
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest

from smtp_sim.bridge.bridge import Bridge
from smtp_sim.bridge.listen import ListenSpec
from smtp_sim.bridge.maildir import folder_name, from_file
from smtp_sim.scenario.build import build_world
from smtp_sim.scenario.files import load_scenario
from smtp_sim.world.world import World

SERVER = "mail.cs.tcd.ie"  # postfix-1.1, the server of the slides, in the classroom scenario
T = TypeVar("T")


def classroom(messages: bool = False) -> World:
    """The classroom network, by default without its own timeline of messages."""
    scenario = load_scenario("classroom")
    if not messages:
        scenario = scenario.model_copy(update={"messages": []})
    return build_world(scenario)


async def in_thread(fn: Callable[..., T], *args: Any) -> T:
    return await asyncio.to_thread(fn, *args)


def smtp_port(bridge: Bridge, index: int = 0) -> int:
    return bridge.listeners[index].port


def maildir_messages(root: Path, address: str) -> list[bytes]:
    """The messages in ``address``'s Maildir, CRLF line ends again (the files have LF)."""
    path = root / folder_name(address)
    if not path.is_dir():
        return []
    box = mailbox.Maildir(path, create=False)
    return [from_file(box.get_bytes(key)) for key in sorted(box.keys())]


class Raw:
    """A raw socket client that reads whole SMTP replies (or POP3 lines) with a deadline."""

    def __init__(self, port: int, timeout: float = 15.0, source: str | None = None) -> None:
        """``source``: connect from that loopback address (127.0.0.2...), not 127.0.0.1."""
        self.sock = socket.create_connection(
            ("127.0.0.1", port), timeout=timeout, source_address=(source, 0) if source else None
        )
        self.timeout = timeout
        self.buf = b""

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _fill(self) -> bool:
        chunk = self.sock.recv(65536)
        if not chunk:
            return False
        self.buf += chunk
        return True

    def reply(self) -> bytes:
        """One complete SMTP reply (all its lines), exactly as received."""
        out = b""
        while True:
            nl = self.buf.find(b"\r\n")
            if nl < 0:
                if not self._fill():
                    raise EOFError(f"closed after {out + self.buf!r}")
                continue
            line, self.buf = self.buf[: nl + 2], self.buf[nl + 2 :]
            out += line
            if line[3:4] != b"-":
                return out

    def replies(self, n: int) -> list[bytes]:
        return [self.reply() for _ in range(n)]

    def line(self) -> bytes:
        while b"\r\n" not in self.buf:
            if not self._fill():
                raise EOFError(f"closed after {self.buf!r}")
        line, _, self.buf = self.buf.partition(b"\r\n")
        return line + b"\r\n"

    def rest(self) -> bytes:
        """Everything until the server closes the connection."""
        while self._fill():
            pass
        out, self.buf = self.buf, b""
        return out

    def close(self) -> None:
        self.sock.close()


def open_transaction(port: int, helo: bytes = b"EHLO client.example") -> Raw:
    """Connected, greeted, and inside DATA for alice@crepes.fr -> bob@cs.tcd.ie."""
    raw = Raw(port)
    assert raw.reply().startswith(b"220 ")
    raw.send(helo + b"\r\n")
    assert raw.reply().startswith(b"250")
    raw.send(b"MAIL FROM:<alice@crepes.fr>\r\n")
    assert raw.reply().startswith(b"250")
    raw.send(b"RCPT TO:<bob@cs.tcd.ie>\r\n")
    assert raw.reply().startswith(b"250")
    raw.send(b"DATA\r\n")
    assert raw.reply().startswith(b"354")
    return raw


async def wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


@pytest.fixture
def maildir(tmp_path: Path) -> Path:
    return tmp_path / "maildir"


@pytest.fixture
async def serve(maildir: Path):
    """``await serve(**bridge_options)``: a started bridge exposing mail.cs.tcd.ie, SMTP on
    ``listeners[0]`` and POP3 on ``listeners[1]``, writing the Maildir; stopped afterwards."""
    bridges: list[Bridge] = []

    async def start(*, world: World | None = None, target: str = SERVER, **options: Any) -> Bridge:
        listen = [
            ListenSpec(port=0, target=target, sim_port=25),
            ListenSpec(port=0, target=target, sim_port=110),
        ]
        options.setdefault("maildir", maildir)
        bridge = Bridge(world or classroom(), listen, **options)
        await bridge.start()
        bridges.append(bridge)
        return bridge

    yield start
    for bridge in bridges:
        await bridge.stop(grace=1.0)
