"""The SMTP sessions of an MTA on the simulated network, and how their bytes become records.

:class:`SmtpServerSession` is the server end of a connection to an MTA (port 25 or 587): bytes
to the MTA's :class:`ServerConnection`, replies back to the wire. :class:`SmtpClientSession`
is the client end of a relay connection: a :class:`MailSender` carrying one queue entry, or,
with the MTA's connection cache, one after another. ``send_client_bytes`` writes a client's
bytes as trace records (the user agents' too). Recurring commands and replies share their
record fields (see ``_COMMANDS``).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from ..protocol.caching import BoundedCache
from ..protocol.delivery import DeliveryResult, MailSender, Step, TlsPolicy
from ..protocol.events import (
    CommandReplied,
    ConnectionClosed,
    MessageReceived,
    Signal,
    TlsStarted,
)
from ..protocol.server import ServerConnection
from ..protocol.states import State
from .network import SUBMISSIONS_PORT, EngineSession, TcpConnection
from .tls import await_client_hello, start_client_tls
from .trace import Kind, Layer

if TYPE_CHECKING:
    from ..protocol.personalities import Personality
    from ..protocol.policy import MailPolicy
    from .clock import Clock
    from .dns import Resolver
    from .network import Host, Network
    from .queue import QueueEntry
    from .stamps import Stamps
    from .trace import Recorder


class ServingMta(Protocol):
    """What a server session asks of its MTA (:class:`~smtp_sim.world.mta.MTA`)."""

    host: Host
    hostname: str
    personality: Personality
    reply_delay: float
    sessions: dict[int, SmtpServerSession]
    clock: Clock
    recorder: Recorder
    stamps: Stamps
    network: Network
    resolver: Resolver

    def policy_for(self, client_host: str, client_ip: str, port: int) -> MailPolicy: ...
    def receive(self, event: MessageReceived, conn: TcpConnection) -> None: ...


class RelayingMta(Protocol):
    """What a relay session asks of its MTA (:class:`~smtp_sim.world.relay.Relaying`)."""

    host: Host
    hostname: str
    pipelining: bool
    connection_cache: float
    tls_policy: TlsPolicy

    def park(self, session: SmtpClientSession, conn: TcpConnection) -> None: ...
    def unpark(self, session: SmtpClientSession) -> None: ...


# Enum members read on every segment, bound once (a class attribute of an enum is slower).
_NEED_DATA, _CLOSED = Signal.NEED_DATA, Signal.CLOSED
_REPLY, _COMMAND, _CONTENT_KIND = Kind.REPLY, Kind.COMMAND, Kind.CONTENT
_CONTENT, _DONE, _IDLE = Step.CONTENT, Step.DONE, Step.IDLE


def _reverse_name(resolver: Resolver, name: str, ip: str) -> str | None:
    """The client's name as a reverse lookup of its address finds it: a scenario's hosts have
    their names in the world's DNS both ways; a name that is no DNS name (a real client behind
    smtp-sim serve is ``client-127.0.0.5``: its last label is a number) is not found."""
    last = name.rstrip(".").rpartition(".")[2]
    if not last.isalpha() or resolver.address_of(name) != ip:
        return None
    return name


class SmtpServerSession(EngineSession):
    """The server end of one connection: bytes to the engine, replies back to the wire."""

    __slots__ = ("_conn", "_held_until", "engine", "mta")  # (see TcpConnection)

    def __init__(self, mta: ServingMta, conn: TcpConnection) -> None:
        self.mta = mta
        self._held_until = 0.0  # simulated time before which replies wait (the tarpit)
        # A weak reference: the connection holds the session (``server_end``), and a strong
        # one back would make a cycle, so every finished session (engine, buffers, message)
        # would wait for the garbage collector instead of going when its connection goes.
        # Whoever drives the session (the connection, the clock, the bridge) holds the conn.
        self._conn = weakref.ref(conn)
        client = mta.network.hosts[conn.client]
        self.engine = ServerConnection(
            mta.personality,
            mta.hostname,
            mta.policy_for(conn.client, client.ip, conn.port),
            client_ip=client.ip,
            client_name=_reverse_name(mta.resolver, conn.client, client.ip),
            # (sendmail 8 writes its banner's $b with arpadate(): "Mon, 7 Dec 2026 03:27:56 GMT")
            date=(
                mta.stamps.arpa_date_text()
                if mta.personality.id == "sendmail-8"
                else mta.stamps.date_text()
            ),
        )
        if conn.port == SUBMISSIONS_PORT:  # TLS from the first byte (smtpd_tls_wrappermode)
            self.engine.tls_active = True
            # A simulated mail program has sent its ClientHello already (conn.tls); a person
            # at the simulated telnet cannot: the server waits for one, and what they type
            # fails the handshake. (A real client over the bridge made its handshake on the
            # real socket, bridge/real_client.py: inside the simulation it speaks plaintext.)
            if getattr(conn.client_end, "may_fall_silent", False):
                await_client_hello(conn)
        mta.sessions[conn.id] = self

    @property
    def conn(self) -> TcpConnection | None:
        """The connection, while anything still holds it."""
        return self._conn()

    def idle_limit(self) -> float:
        """RFC 5321 4.5.3.2 as the personality keeps it: 5 minutes for the next command, 3
        for the next block of message content."""
        timeouts = self.engine.personality.timeouts
        return float(
            timeouts["data_block" if self.engine.state is State.DATA else "server_command"]
        )

    def shutdown(self) -> None:
        """The server is going down: 421 and close; a message still in DATA is not taken."""
        self.engine.shutdown()
        self._pump()

    def _pump(self) -> None:
        engine = self.engine
        conn = self.conn
        if conn is None:  # the connection is gone (nothing holds it): nobody to answer
            return
        mta = self.mta
        # Replies to commands that came in one segment (a pipelining client) leave together,
        # as one segment, the way a server flushes its output when it has read all its input.
        pending = b""
        while True:
            event = engine.next_event()
            if event is _NEED_DATA or event is _CLOSED:
                break
            out = engine.data_to_send()
            kind = type(event)
            if kind is CommandReplied:
                if out:
                    pending += out
                if event.note:
                    if pending:
                        self._write(conn, pending, True)
                        pending = b""
                    mta.recorder.log(
                        Layer.INFO, Kind.NOTE, mta.host.name, conn.client, event.note, conn=conn.id
                    )
                continue
            if pending:
                self._write(conn, pending, True)
                pending = b""
            if out:
                # (the reply to a message names its queue id: remembering it would only churn)
                self._write(conn, out, kind is not MessageReceived)
            if kind is MessageReceived:
                if event.accepted:
                    mta.receive(event, conn)
            elif kind is TlsStarted:
                # (the handshake is the client's to start: world/tls.py)
                mta.recorder.log(
                    Layer.INFO,
                    Kind.NOTE,
                    mta.host.name,
                    conn.client,
                    "TLS started: after the 220 the client and the server make a TLS "
                    "handshake; the session starts over inside TLS (the client must send "
                    "EHLO again, RFC 3207 section 4.2)",
                    conn=conn.id,
                    info=(("tls", "started"),),
                )
            elif kind is ConnectionClosed:
                mta.sessions.pop(conn.id, None)
                self._stop_idle_timer()
                if event.lost_data and not event.by_server:
                    # (Postfix logs "lost connection after DATA from ...")
                    mta.recorder.log(
                        Layer.INFO,
                        Kind.NOTE,
                        mta.host.name,
                        conn.client,
                        "lost connection after DATA: the client went away before "
                        "the final dot, so the message was not accepted and nothing "
                        "is delivered",
                        conn=conn.id,
                    )
                delay = max(mta.reply_delay, self._held_until - mta.clock.now)
                if delay > 0:
                    mta.clock.call_later(delay, conn.close, mta.host.name)
                else:
                    conn.close(mta.host.name)
                return
        if pending:
            self._write(conn, pending, True)

    def _write(self, conn: TcpConnection, out: bytes, remember: bool) -> None:
        out, summary, info = _reply_record(out, self.engine.state, remember)
        mta = self.mta
        delay = mta.reply_delay
        owed = self.engine.take_delay()
        if owed or self._held_until:
            # the tarpit (Postfix's smtpd_error_sleep_time past the soft error limit), in
            # simulated time: these replies wait, and later ones never overtake them
            now = mta.clock.now
            delay = max(delay + owed, self._held_until + owed - now)
            self._held_until = now + delay if delay > 0 else 0.0
        if delay > 0:  # a slow server (a fault, the tarpit): the reply leaves later
            mta.clock.call_later(delay, conn.send, mta.host.name, out, _REPLY, summary, info)
        else:
            conn.send(mta.host.name, out, _REPLY, summary, info)


class SmtpClientSession:
    """The client end of a relay connection: a MailSender speaking over a TCP connection.

    It carries one queue entry, or (with the MTA's connection cache) one after another: when a
    transaction ends well the session is parked idle in the cache, and the next entry for the
    same destination domain goes over it without a new lookup, handshake or greeting.
    """

    __slots__ = (
        "domain",
        "done",
        "entry",
        "finished",
        "idle_since",
        "mta",
        "sender",
        "target",
    )  # (see TcpConnection)

    def __init__(
        self,
        mta: RelayingMta,
        entry: QueueEntry,
        target: str,
        done: Callable[[DeliveryResult], None],
    ) -> None:
        self.mta = mta
        self.entry = entry
        self.domain = entry.domain
        self.target = target
        self.done: Callable[[DeliveryResult], None] | None = done
        cache = mta.connection_cache > 0
        self.sender = MailSender(
            mta.hostname,
            entry.sender,
            entry.recipients,
            entry.content,
            pipeline=mta.pipelining,
            keep_open=cache,
            tls_policy=mta.tls_policy,
        )
        self.finished = False
        self.idle_since = -1.0

    def on_open(self, conn: TcpConnection) -> None:
        pass

    def on_data(self, conn: TcpConnection, data: bytes) -> None:
        sender = self.sender
        was_tls = sender.tls
        sender.receive_data(data)
        client_tls(conn, self.mta.host.name, sender, was_tls, self._refused)
        self._write(conn)
        if sender.step is _DONE:
            self._finish(conn)
        elif sender.step is _IDLE and self.done is not None:
            done, self.done = self.done, None
            done(sender.result)
            if sender.step is _IDLE:  # (nobody took it over at once)
                self.mta.park(self, conn)

    def _write(self, conn: TcpConnection) -> None:
        sender = self.sender
        out = sender.data_to_send()
        if out:
            send_client_bytes(conn, self.mta.host.name, out, sender.step is _CONTENT)

    def carry(
        self, conn: TcpConnection, entry: QueueEntry, done: Callable[[DeliveryResult], None]
    ) -> None:
        """Take the next entry over this idle connection."""
        self.entry = entry
        self.done = done
        self.idle_since = -1.0
        conn.message = entry.message
        self.sender.next_message(entry.sender, entry.recipients, entry.content)
        self._write(conn)

    def expire(self, conn: TcpConnection, since: float) -> None:
        """The cache's time is up for this connection (unless it was used since): QUIT."""
        if self.idle_since != since or self.sender.step is not _IDLE:
            return
        self.mta.unpark(self)
        conn.message = None
        self.sender.quit()
        self._write(conn)

    def on_close(self, conn: TcpConnection) -> None:
        self.sender.connection_lost()
        self._finish(conn)

    def _refused(self, conn: TcpConnection, reason: str) -> None:
        """The TLS handshake failed or the policy refused the certificate: close."""
        self.sender.abandon(reason)
        self._finish(conn)

    def _finish(self, conn: TcpConnection) -> None:
        if self.finished:
            return
        self.finished = True
        self.mta.unpark(self)
        conn.close(self.mta.host.name)
        if self.done is not None:
            done, self.done = self.done, None
            done(self.sender.result)


def client_tls(
    conn: TcpConnection,
    client: str,
    sender: MailSender,
    was_tls: bool,
    refused: Callable[[TcpConnection, str], None],
) -> None:
    """After a client read a reply: STARTTLS's 220 starts the handshake (what the client
    writes next waits for it, world/tls.py); a policy that requires TLS and was not offered
    it (a STRIPTLS attacker, a server without STARTTLS) says why it stops."""
    if sender.tls and not was_tls and conn.tls is None:
        start_client_tls(
            conn,
            sender.tls_policy or TlsPolicy.OPPORTUNISTIC,
            lambda reason: refused(conn, reason),
        )
    elif sender.tls_refusal is not None and not was_tls and sender.step is Step.QUIT:
        conn.trace.append(
            conn.clock.now,
            Layer.TLS,
            Kind.ERROR,
            client,
            conn.server,
            f"{client} refuses to go on: {sender.tls_refusal}; it says QUIT without sending "
            "the message (a downgrade by an attacker on the path looks just like this)",
            b"",
            conn.id,
            conn.message,
            (("verdict", "refused"), ("problems", ("no_starttls",))),
        )


def send_client_bytes(conn: TcpConnection, host: str, out: bytes, content: bool) -> None:
    """Write a client's bytes as trace records: the message content, or command lines."""
    if content:
        size = len(out)
        described = _CONTENTS.get(size)
        if described is None:
            described = (f"message content ({size} bytes) and the final dot", (("bytes", size),))
            _CONTENTS.put(size, described)
        conn.send(host, out, _CONTENT_KIND, *described)
        return
    cached = _COMMANDS.get(out)
    if cached is None:
        lines = out.decode("utf-8", "replace").split("\r\n")[:-1]
        verbs = tuple(line.split(" ", 1)[0].upper() for line in lines)
        summary = lines[0] if len(lines) == 1 else f"{lines[0]} (+{len(lines) - 1} pipelined)"
        cached = (out, summary, (("verbs", verbs), ("verb", verbs[0])))
        _COMMANDS.put(out, cached)
    out, summary, info = cached
    conn.send(host, out, _COMMAND, summary, info)


# Most commands and replies recur word for word (EHLO, "250 2.1.0 Ok", DATA, QUIT...).  The
# trace keeps every one of them, so the record of a recurring one shares the bytes, summary
# and info of the first instead of holding its own equal copies: in a world of thousands of
# messages that is most of the trace's memory after the records themselves.  The values are
# immutable and equal, so nothing observable changes.
_CACHE_LIMIT = 4096  # entries per table (and as many of the previous generation)
_COMMANDS: BoundedCache[bytes, tuple[bytes, str, tuple[tuple[str, object], ...]]] = BoundedCache(
    _CACHE_LIMIT
)
_REPLIES: BoundedCache[tuple[bytes, str], tuple[bytes, str, tuple[tuple[str, object], ...]]] = (
    BoundedCache(_CACHE_LIMIT)
)
#: by size: summary, info
_CONTENTS: BoundedCache[int, tuple[str, tuple[tuple[str, object], ...]]] = BoundedCache(
    _CACHE_LIMIT
)
#: one of each
_INFOS: BoundedCache[tuple[tuple[str, object], ...], tuple[tuple[str, object], ...]] = BoundedCache(
    _CACHE_LIMIT
)


def _reply_record(
    out: bytes, state: State, remember: bool = True
) -> tuple[bytes, str, tuple[tuple[str, object], ...]]:
    """The bytes, summary and info of a reply record (shared with earlier equal replies)."""
    key = (out, state)  # (a State is a StrEnum: the key equals (out, state.value))
    cached = _REPLIES.get(key) if remember else None
    if cached is None:
        info = (("codes", _codes(out)), ("state", state.value))
        shared = _INFOS.get(info)  # ("250 ... queued as <id>" differ in their text only)
        if shared is None:
            _INFOS.put(info, info)
            shared = info
        cached = (out, _reply_summary(out), shared)
        if remember:
            _REPLIES.put(key, cached)
    return cached


def _codes(out: bytes) -> tuple[int, ...]:
    codes = []
    for line in out.split(b"\r\n"):
        if len(line) >= 4 and line[3:4] == b" " and line[:3].isdigit():
            codes.append(int(line[:3]))
        elif len(line) == 3 and line.isdigit():
            codes.append(int(line))
    return tuple(codes)


def _reply_summary(out: bytes) -> str:
    lines = out.decode("utf-8", "replace").split("\r\n")[:-1]
    if len(lines) == 1:
        return lines[0]
    finals = [ln for ln in lines if len(ln) > 3 and ln[3] == " "]
    if len(finals) > 1:
        return f"{finals[0]} (+{len(finals) - 1} more)"
    return f"{lines[0]} (+{len(lines) - 1} lines)"
