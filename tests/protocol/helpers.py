"""Shared helpers for the protocol tests: drive engines in memory, no sockets, no clocks."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from smtp_sim.protocol.delivery import MailSender
from smtp_sim.protocol.events import (
    CommandReplied,
    ConnectionClosed,
    Event,
    MessageReceived,
    Signal,
)
from smtp_sim.protocol.personalities import PERSONALITIES, Personality
from smtp_sim.protocol.server import ServerConnection

HOST = "mail.cs.tcd.ie"  # the slides' server; it serves cs.tcd.ie (users alice, bob, postmaster)
PERSONALITY_IDS: tuple[str, ...] = tuple(PERSONALITIES)
DATE = "Thu, 1 Jan 2026 00:00:00 +0000"  # ServerConnection's default date


def crlf(*lines: str) -> bytes:
    """Wire bytes: each line followed by CRLF."""
    return "".join(line + "\r\n" for line in lines).encode()


def drain(server: ServerConnection) -> list[Event]:
    """Every event available now (stops at NEED_DATA or CLOSED)."""
    events: list[Event] = []
    while True:
        event = server.next_event()
        if event is Signal.NEED_DATA or event is Signal.CLOSED:
            return events
        events.append(event)


@dataclass
class Run:
    server: ServerConnection
    out: bytes = b""
    events: list[Event] = field(default_factory=list)

    def feed(self, *chunks: bytes) -> Run:
        """Feed chunks one after another, draining events and reply bytes after each."""
        for chunk in chunks:
            self.server.receive_data(chunk)
            self._collect()
        if not chunks:
            self._collect()
        return self

    def _collect(self) -> None:
        self.events += drain(self.server)
        self.out += self.server.data_to_send()

    @property
    def replied(self) -> list[CommandReplied]:
        return [e for e in self.events if isinstance(e, CommandReplied)]

    @property
    def messages(self) -> list[MessageReceived]:
        return [e for e in self.events if isinstance(e, MessageReceived)]

    @property
    def closes(self) -> list[ConnectionClosed]:
        return [e for e in self.events if isinstance(e, ConnectionClosed)]

    @property
    def out_lines(self) -> list[str]:
        return self.out.decode().split("\r\n")[:-1]

    def take(self) -> bytes:
        """The reply bytes produced since the last take()."""
        out, self.out = self.out, b""
        return out


def start(personality: str | Personality, hostname: str = HOST, **kwargs) -> Run:
    """A fresh server with its greeting already drained into ``Run.out``."""
    run = Run(ServerConnection(personality, hostname, **kwargs))
    return run.feed()


def session(
    personality: str | Personality, chunks: Iterable[bytes], hostname: str = HOST, **kwargs
) -> Run:
    return start(personality, hostname, **kwargs).feed(*chunks)


def greeting_command(personality: str | Personality) -> bytes:
    """EHLO where the server knows it, HELO otherwise."""
    p = PERSONALITIES[personality] if isinstance(personality, str) else personality
    return b"EHLO client.example\r\n" if p.esmtp else b"HELO client.example\r\n"


def open_transaction(personality: str | Personality, **kwargs) -> Run:
    """A server in DATA state: greeted, MAIL from alice@crepes.fr, RCPT to bob, DATA sent
    (one command per chunk, so servers that forbid unauthorised pipelining stay happy)."""
    run = start(personality, **kwargs)
    run.feed(
        greeting_command(personality),
        b"MAIL FROM:<alice@crepes.fr>\r\n",
        b"RCPT TO:<bob@cs.tcd.ie>\r\n",
        b"DATA\r\n",
    )
    assert run.replied[-1].reply.code == 354, run.out
    run.take()
    return run


def converse(server: ServerConnection, sender: MailSender, max_rounds: int = 100) -> Run:
    """Join a MailSender and a ServerConnection in memory until the sender is done."""
    run = Run(server)
    run.feed()
    for _ in range(max_rounds):
        if sender.done:
            break
        from_server = run.take()
        if not from_server and server.closed:
            sender.connection_lost()
            break
        sender.receive_data(from_server)
        to_server = sender.data_to_send()
        if to_server:
            run.feed(to_server)
    else:  # pragma: no cover - a failing test reports this
        raise AssertionError("the conversation did not finish")
    return run
