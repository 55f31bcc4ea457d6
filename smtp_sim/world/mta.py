"""Mail transfer agents: accept mail over SMTP, deliver it locally or relay it hop by hop.

An MTA listens on ports 25 and 587 with a :class:`ServerConnection` of its personality per
connection. Accepted mail gets a ``Received:`` header, then each recipient is either local
(aliases and lists expanded, stored in a mailbox) or remote (queued per domain, routed by MX
lookup, tried in order of preference, retried on temporary failure, bounced on permanent).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING

from ..protocol import (
    Address,
    CommandReplied,
    ConnectionClosed,
    Envelope,
    MailPolicy,
    MailSender,
    MessageReceived,
    Personality,
    ReplyKind,
    ServerConnection,
    Signal,
    Stage,
    State,
    Verdict,
)
from ..protocol.delivery import DeliveryResult, Step
from .dns import DnsFailure, MailRoute
from .mailbox import Mailbox
from .network import SMTP_PORT, SUBMISSION_PORT, EngineSession, Host, TcpConnection
from .queue import EntryState, MailQueue, QueueEntry
from .trace import Kind, Layer

if TYPE_CHECKING:
    from .world import World

# Enum members read on every segment, bound once (a class attribute of an enum is slower).
_NEED_DATA, _CLOSED = Signal.NEED_DATA, Signal.CLOSED
_REPLY, _COMMAND, _CONTENT_KIND = Kind.REPLY, Kind.COMMAND, Kind.CONTENT
_CONTENT, _DONE, _IDLE = Step.CONTENT, Step.DONE, Step.IDLE

#: Postfix-like backoff: first retry after 5 minutes, doubling up to about 67 minutes.
DEFAULT_RETRY = (300.0, 600.0, 1200.0, 2400.0, 4000.0)
DEFAULT_LIFETIME = 5 * 24 * 3600.0  # Postfix's maximal_queue_lifetime: 5 days


@dataclass
class Fault:
    """A server answering a chosen reply at a chosen stage, for chosen addresses (or all)."""

    stage: Stage
    code: int
    text: str
    enhanced: str | None = None
    addresses: tuple[str, ...] = ()  # empty: every address
    once_per_sender: bool = False  # greylisting: only the first try of a sender/recipient pair
    seen: set[tuple[str, str]] = field(default_factory=set)


class MTAPolicy(MailPolicy):
    """The MTA's answers for one connection: local users and lists, relaying, faults."""

    def __init__(self, mta: MTA, client_host: str, client_ip: str, port: int) -> None:
        super().__init__(
            mta.domains, mta.users, mta.lists, relay=mta.open_relay, relay_clients=mta.relay_clients
        )
        self.mta = mta
        self.client_host = client_host
        self.client_ip = client_ip
        self.port = port

    def fault(self, stage: Stage, argument: str, envelope: Envelope) -> Verdict | None:
        for fault in self.mta.faults:
            if fault.stage is not stage:
                continue
            if fault.addresses and argument.lower() not in fault.addresses:
                continue
            if fault.once_per_sender:
                key = (str(envelope.sender or ""), argument.lower())
                if key in fault.seen:
                    continue
                fault.seen.add(key)
            from ..protocol import ReplySpec

            return Verdict(
                ReplyKind.TEMPORARY_FAILURE if fault.code < 500 else ReplyKind.LOCAL_ERROR,
                spec=ReplySpec(fault.code, fault.enhanced, fault.text),
            )
        return None

    def check_recipient(self, address: Address, envelope: Envelope, client_ip: str) -> Verdict:
        relaying = (
            self.client_host in self.relay_clients
            or self.relay
            or (address.domain or "").lower() in self.mta.relay_domains
        )
        if not self.is_local(address) and relaying:
            return Verdict(ReplyKind.RCPT_OK, {"address": address.bracketed})
        if self.is_local(address) and address.local.lower() in self.mta.aliases:
            return Verdict(ReplyKind.RCPT_OK, {"address": address.bracketed})
        verdict = super().check_recipient(address, envelope, client_ip)
        if verdict.accepted and self.is_local(address):
            box = self.mta.mailbox_for(str(self.qualify(address)))
            if box is not None and not box.has_room_for(1):
                return Verdict(ReplyKind.MAILBOX_FULL, {"address": address.bracketed})
        return verdict

    def accept_message(self, envelope: Envelope, content: bytes) -> Verdict:
        return Verdict(ReplyKind.QUEUED, {"queue_id": self.mta.next_queue_id()})


class SmtpServerSession(EngineSession):
    """The server end of one connection: bytes to the engine, replies back to the wire."""

    __slots__ = ("_conn", "engine", "mta")  # (slots: see TcpConnection)

    def __init__(self, mta: MTA, conn: TcpConnection) -> None:
        self.mta = mta
        # A weak reference: the connection holds the session (``server_end``), and a strong
        # one back would make a cycle, so every finished session (engine, buffers, message)
        # would wait for the garbage collector instead of going when its connection goes.
        # Whoever drives the session (the connection, the clock, the bridge) holds the conn.
        self._conn = weakref.ref(conn)
        client = mta.world.network.hosts[conn.client]
        self.engine = ServerConnection(
            mta.personality,
            mta.hostname,
            MTAPolicy(mta, conn.client, client.ip, conn.port),
            client_ip=client.ip,
            date=mta.world.date_text(),
        )
        mta.sessions[conn.id] = self

    @property
    def conn(self) -> TcpConnection | None:
        """The connection, while anything still holds it."""
        return self._conn()

    def shutdown(self) -> None:
        """The server is going down: 421 and close; a message still in DATA is not taken."""
        self.engine.shutdown()
        self._pump()

    def _pump(self) -> None:
        engine = self.engine
        conn = self.conn
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
                    mta.world.log(Layer.INFO, Kind.NOTE, mta.host.name, conn.client,
                                  event.note, conn=conn.id)
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
            elif kind is ConnectionClosed:
                mta.sessions.pop(conn.id, None)
                delay = mta.reply_delay
                if delay > 0:
                    mta.world.clock.call_later(delay, conn.close, mta.host.name)
                else:
                    conn.close(mta.host.name)
                return
        if pending:
            self._write(conn, pending, True)

    def _write(self, conn: TcpConnection, out: bytes, remember: bool) -> None:
        out, summary, info = _reply_record(out, self.engine.state, remember)
        mta = self.mta
        delay = mta.reply_delay
        if delay > 0:  # a slow server (a fault): the reply leaves later
            mta.world.clock.call_later(delay, conn.send, mta.host.name, out, _REPLY, summary,
                                       info)
        else:
            conn.send(mta.host.name, out, _REPLY, summary, info)


class SmtpClientSession:
    """The client end of a relay connection: a MailSender speaking over a TCP connection.

    It carries one queue entry, or (with the MTA's connection cache) one after another: when a
    transaction ends well the session is parked idle in the cache, and the next entry for the
    same destination domain goes over it without a new lookup, handshake or greeting.
    """

    __slots__ = ("domain", "done", "entry", "finished", "idle_since", "mta", "sender",
                 "target")  # (see TcpConnection)

    def __init__(
        self, mta: MTA, entry: QueueEntry, target: str, done: Callable[[DeliveryResult], None]
    ) -> None:
        self.mta = mta
        self.entry = entry
        self.domain = entry.domain
        self.target = target
        self.done: Callable[[DeliveryResult], None] | None = done
        cache = mta.connection_cache > 0
        self.sender = MailSender(mta.hostname, entry.sender, entry.recipients, entry.content,
                                 pipeline=mta.pipelining, keep_open=cache)
        self.finished = False
        self.idle_since = -1.0

    def on_open(self, conn: TcpConnection) -> None:
        pass

    def on_data(self, conn: TcpConnection, data: bytes) -> None:
        sender = self.sender
        sender.receive_data(data)
        self._write(conn)
        if sender.step is _DONE:
            self._finish(conn)
        elif sender.step is _IDLE and self.done is not None:
            done, self.done = self.done, None
            done(sender.result)
            if sender.step is _IDLE:  # (nobody took it over at once)
                self.mta._park(self, conn)

    def _write(self, conn: TcpConnection) -> None:
        sender = self.sender
        out = sender.data_to_send()
        if out:
            send_client_bytes(conn, self.mta.host.name, out, sender.step is _CONTENT)

    def carry(self, conn: TcpConnection, entry: QueueEntry,
              done: Callable[[DeliveryResult], None]) -> None:
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
        self.mta._unpark(self)
        conn.message = None
        self.sender.quit()
        self._write(conn)

    def on_close(self, conn: TcpConnection) -> None:
        self.sender.connection_lost()
        self._finish(conn)

    def _finish(self, conn: TcpConnection) -> None:
        if self.finished:
            return
        self.finished = True
        self.mta._unpark(self)
        conn.close(self.mta.host.name)
        if self.done is not None:
            done, self.done = self.done, None
            done(self.sender.result)


def send_client_bytes(conn: TcpConnection, host: str, out: bytes, content: bool) -> None:
    """Write a client's bytes as trace records: the message content, or command lines."""
    if content:
        size = len(out)
        described = _CONTENTS.get(size)
        if described is None:
            described = (f"message content ({size} bytes) and the final dot", (("bytes", size),))
            _remember(_CONTENTS, size, described)
        conn.send(host, out, _CONTENT_KIND, *described)
        return
    cached = _COMMANDS.get(out)
    if cached is None:
        lines = out.decode("utf-8", "replace").split("\r\n")[:-1]
        verbs = tuple(line.split(" ", 1)[0].upper() for line in lines)
        summary = lines[0] if len(lines) == 1 else f"{lines[0]} (+{len(lines) - 1} pipelined)"
        cached = (out, summary, (("verbs", verbs), ("verb", verbs[0])))
        _remember(_COMMANDS, out, cached)
    out, summary, info = cached
    conn.send(host, out, _COMMAND, summary, info)


# Most commands and replies recur word for word (EHLO, "250 2.1.0 Ok", DATA, QUIT...).  The
# trace keeps every one of them, so the record of a recurring one shares the bytes, summary
# and info of the first instead of holding its own equal copies: in a world of thousands of
# messages that is most of the trace's memory after the records themselves.  The values are
# immutable and equal, so nothing observable changes.
_COMMANDS: dict[bytes, tuple[bytes, str, tuple[tuple[str, object], ...]]] = {}
_REPLIES: dict[tuple[bytes, str], tuple[bytes, str, tuple[tuple[str, object], ...]]] = {}
_CONTENTS: dict[int, tuple[str, tuple[tuple[str, object], ...]]] = {}  # by size: summary, info
_INFOS: dict[tuple[tuple[str, object], ...], tuple[tuple[str, object], ...]] = {}  # one of each
_CACHE_LIMIT = 4096  # entries per table; a full table starts again (unique queue ids...)


def _remember(table: dict, key: object, value: object) -> None:
    if len(table) >= _CACHE_LIMIT:
        table.clear()
    table[key] = value


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
            _remember(_INFOS, info, info)
            shared = info
        cached = (out, _reply_summary(out), shared)
        if remember:
            _remember(_REPLIES, key, cached)
    return cached


_ADDRESSES: dict[str, Address] = {}  # Address.parse of recipients seen before (immutable)


def _parse_address(text: str) -> Address:
    """``Address.parse(text)``, remembered: a relay expands the same addresses again and again."""
    address = _ADDRESSES.get(text)
    if address is None:
        address = Address.parse(text)  # (a ValueError is not remembered)
        _remember(_ADDRESSES, text, address)
    return address


def _wait_text(seconds: float) -> str:
    """A retry delay as a person says it: "30 s", "1.5 min", "5 min", "67 min", "2 h"."""
    if seconds < 60:
        return f"{seconds:g} s"
    minutes = seconds / 60
    if minutes < 10:
        return f"{round(minutes, 1):g} min"
    if minutes < 120:
        return f"{round(minutes):d} min"
    return f"{round(minutes / 60, 1):g} h"


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


class MTA:
    def __init__(
        self,
        world: World,
        host: Host,
        *,
        hostname: str,
        personality: Personality,
        domains: list[str],
        users: dict[str, str],
        lists: dict[str, list[str]],
        aliases: dict[str, str] | None = None,
        relay_clients: list[str] | None = None,
        open_relay: bool = False,
        retry: tuple[float, ...] = DEFAULT_RETRY,
        lifetime: float = DEFAULT_LIFETIME,
        quota: int | None = None,
        relay_domains: list[str] | None = None,
        pipelining: bool = False,
        connection_cache: float = 0.0,
    ) -> None:
        self.world = world
        self.host = host
        self.hostname = hostname
        self.personality = personality
        self.domains = [d.lower() for d in domains]
        self.users = dict(users)
        self.lists = {k: list(v) for k, v in lists.items()}
        self.aliases = dict(aliases or {})
        self.relay_clients = list(relay_clients or [])
        # Domains it accepts for and passes on (Postfix relay_domains), as a backup MX does.
        self.relay_domains = [d.lower() for d in relay_domains or []]
        self.open_relay = open_relay
        self.retry = retry
        self.lifetime = lifetime
        self.queue = MailQueue()
        self.faults: list[Fault] = []
        self.passwords: dict[str, str] = {}  # POP3 logins; the default is "secret"
        self.reply_delay = 0.0
        # How it sends: MAIL, RCPT and DATA as one group when the server offers PIPELINING
        # (RFC 2920), and how long an idle connection is kept for more mail to the same domain
        # (Postfix's connection cache; 0: every message its own connection, the classic).
        self.pipelining = pipelining
        self.connection_cache = connection_cache
        self._idle: dict[str, list[tuple[SmtpClientSession, TcpConnection]]] = {}
        self.sessions: dict[int, SmtpServerSession] = {}
        self.mailboxes: dict[str, Mailbox] = {}
        self._queue_counter = 0
        self._salt = sum(hostname.encode()) * 7919
        for domain in self.domains:
            for local, name in self.users.items():
                address = f"{local}@{domain}"
                self.mailboxes[address] = Mailbox(address, name, quota)
        host.listen(SMTP_PORT, self._accept)
        host.listen(SUBMISSION_PORT, self._accept)

    # -- identity ---------------------------------------------------------------------------

    def next_queue_id(self) -> str:
        n = self._queue_counter
        self._queue_counter += 1
        return f"{(0xA04537DB3 + self._salt + n * 0x1F3A5C7) & 0xFFFFFFFFF:09X}"

    def is_local_domain(self, domain: str | None) -> bool:
        return domain is None or domain.lower() in self.domains

    def mailbox_for(self, address: str) -> Mailbox | None:
        return self.mailboxes.get(address.lower()) or self.mailboxes.get(address)

    def _accept(self, conn: TcpConnection) -> SmtpServerSession:
        return SmtpServerSession(self, conn)

    # -- receiving --------------------------------------------------------------------------

    def receive(self, event: MessageReceived, conn: TcpConnection) -> None:
        """Stamp an accepted message and send each recipient's copy on its way."""
        world = self.world
        envelope = event.envelope
        message = conn.message or world.new_message_id()
        queue_id = event.queue_id or self.next_queue_id()
        client = world.network.hosts[conn.client]
        sender = str(envelope.sender or "")
        rcpts = [str(r) for r in envelope.recipients]
        stamped = self._received(envelope, client, queue_id, rcpts) + event.content
        remote: dict[str, list[str]] = {}
        for rcpt in rcpts:
            for final in self.expand(rcpt, message):
                domain = final.rpartition("@")[2].lower()
                if self.is_local_domain(domain):
                    self.store(sender, final, stamped, message)
                else:
                    remote.setdefault(domain, []).append(final)
        for i, (domain, group) in enumerate(remote.items()):
            self.enqueue(
                sender, group, domain, stamped, message, queue_id=queue_id if i == 0 else None
            )

    def _received(self, envelope: Envelope, client: Host, queue_id: str, rcpts: list[str]) -> bytes:
        helo = envelope.helo_name or client.name
        proto = "ESMTP" if envelope.esmtp else "SMTP"
        date = self.world.date_text()
        # Like Postfix, name the recipient only when there is exactly one.
        target = f"\r\n\tfor <{rcpts[0]}>" if len(rcpts) == 1 else ""
        return (
            f"Received: from {helo} ({client.name} [{client.ip}])\r\n"
            f"\tby {self.hostname} ({self.personality.name}) with {proto} id {queue_id}"
            f"{target}; {date}\r\n"
        ).encode()

    def expand(self, rcpt: str, message: str | None, depth: int = 0) -> list[str]:
        """The final addresses for ``rcpt``: aliases and lists of our domains expanded."""
        try:
            address = _parse_address(rcpt)
        except ValueError:
            self.world.log(
                Layer.MAILBOX,
                Kind.ERROR,
                self.host.name,
                None,
                f"cannot deliver to {rcpt!r}: not an address",
                message=message,
            )
            return []
        if address.domain is None:
            if address.local.lstrip('"').startswith("|"):
                self.world.log(
                    Layer.INFO,
                    Kind.NOTE,
                    self.host.name,
                    None,
                    f"a 1988 sendmail would now run the program {address.local}; "
                    "the simulator executes nothing",
                    message=message,
                )
                return []
            address = Address(address.local, self.domains[0] if self.domains else None)
        if not self.is_local_domain(address.domain) or depth >= 8:
            return [str(address)]
        local = address.local.lower()
        if local in self.aliases:
            target = self.aliases[local]
            full = target if "@" in target else f"{target}@{address.domain}"
            return self.expand(full, message, depth + 1)
        if local in self.lists:
            out: list[str] = []
            for member in self.lists[local]:
                full = member if "@" in member else f"{member}@{address.domain}"
                out.extend(self.expand(full, message, depth + 1))
            return out
        return [str(address)]

    def route(self, sender: str, rcpt: str, content: bytes, message: str | None) -> None:
        """Deliver ``content`` to ``rcpt``: into a local mailbox, or onto the queue."""
        for final in self.expand(rcpt, message):
            domain = final.rpartition("@")[2].lower()
            if self.is_local_domain(domain):
                self.store(sender, final, content, message)
            else:
                self.enqueue(sender, [final], domain, content, message)

    def store(self, sender: str, rcpt: str, content: bytes, message: str | None) -> None:
        world = self.world
        box = self.mailbox_for(rcpt)
        if box is None:
            box = self.mailboxes.setdefault(rcpt.lower(), Mailbox(rcpt.lower(), ""))
        data = f"Return-Path: <{sender}>\r\nDelivered-To: {rcpt}\r\n".encode() + content
        stored = box.deliver(data, sender, world.clock.now, message)
        world.log(
            Layer.MAILBOX,
            Kind.STORED,
            self.host.name,
            None,
            f"stored in the mailbox of {box.address} (message {stored.uid})",
            message=message,
            info=(("mailbox", box.address), ("uid", stored.uid), ("bytes", len(data))),
        )

    # -- the queue and relaying -------------------------------------------------------------

    def enqueue(
        self,
        sender: str,
        recipients: list[str],
        domain: str,
        content: bytes,
        message: str | None,
        queue_id: str | None = None,
    ) -> QueueEntry:
        world = self.world
        entry = QueueEntry(
            queue_id or self.next_queue_id(),
            sender,
            recipients,
            domain.lower(),
            content,
            world.clock.now,
            message,
        )
        self.queue.add(entry)
        world.log(
            Layer.QUEUE,
            Kind.QUEUED,
            self.host.name,
            None,
            f"{entry.queue_id} queued for {', '.join(recipients)} (to {domain})",
            message=message,
            info=(("queue_id", entry.queue_id), ("domain", domain)),
        )
        world.clock.call_later(0.0, self.attempt, entry)
        return entry

    def attempt(self, entry: QueueEntry) -> None:
        if entry.finished or entry.state is EntryState.ACTIVE:
            return
        world = self.world
        entry.state = EntryState.ACTIVE
        entry.attempts += 1
        cached = self._take_idle(entry.domain)
        via = "" if cached is None else f" over the open connection to {cached[0].target}"
        world.log(
            Layer.QUEUE,
            Kind.ATTEMPT,
            self.host.name,
            None,
            f"{entry.queue_id} delivery attempt {entry.attempts} to {entry.domain}{via}",
            message=entry.message,
            info=(("queue_id", entry.queue_id), ("attempt", entry.attempts)),
        )
        if cached is not None:
            session, conn = cached
            session.carry(conn, entry, partial(self._cached_done, entry, session.target))
            return
        # (partial objects rather than closures here and in _try_hosts: the collector looks at
        # everything alive while a message is on its way, and a closure is several objects)
        world.resolver.mail_route(
            self.host.name, entry.domain, partial(self._routed, entry), entry.message
        )

    # -- the connection cache ----------------------------------------------------------------

    def _park(self, session: SmtpClientSession, conn: TcpConnection) -> None:
        """Keep an idle relay connection for more mail to its domain, for a while."""
        now = self.world.clock.now
        session.idle_since = now
        self._idle.setdefault(session.domain, []).append((session, conn))
        self.world.clock.call_later(self.connection_cache, session.expire, conn, now)

    def _unpark(self, session: SmtpClientSession) -> None:
        idle = self._idle.get(session.domain)
        if idle:
            for i, (s, _) in enumerate(idle):
                if s is session:
                    del idle[i]
                    break
        session.idle_since = -1.0

    def _take_idle(self, domain: str) -> tuple[SmtpClientSession, TcpConnection] | None:
        """The most recently parked open connection to ``domain``, if any."""
        idle = self._idle.get(domain)
        while idle:
            session, conn = idle.pop()
            if conn.state == "ESTABLISHED" and session.sender.idle:
                return session, conn
        return None

    def _cached_done(self, entry: QueueEntry, target: str, result: DeliveryResult) -> None:
        if result.error is not None and result.final is None and result.failure is None:
            # The cached connection died under us: start afresh (lookup, new connection).
            self.world.resolver.mail_route(
                self.host.name, entry.domain, partial(self._routed, entry), entry.message
            )
            return
        self._attempt_done(entry, target, [], [], result)

    def _routed(self, entry: QueueEntry, result: MailRoute | DnsFailure) -> None:
        if isinstance(result, DnsFailure):
            reason = f"DNS lookup of {entry.domain} failed: {result.value}"
            if result.temporary:
                self.defer(entry, reason)
            else:
                self.fail(entry, f"Host or domain name not found ({result.value})", None)
            return
        hosts = [h for _, h in result.hosts]
        if self.hostname in hosts or self.host.name in hosts:
            # We are an MX for this domain: only more preferred hosts may be used (5.1).
            mine = min(p for p, h in result.hosts if h in (self.hostname, self.host.name))
            hosts = [h for p, h in result.hosts if p < mine]
            if not hosts:
                self.fail(entry, f"mail for {entry.domain} loops back to myself", None)
                return
        self._try_hosts(entry, hosts, [])

    def _try_hosts(self, entry: QueueEntry, hosts: list[str], reasons: list[str]) -> None:
        world = self.world
        if not hosts:
            self.defer(entry, "; ".join(reasons) or "no mail host answered")
            return
        target, rest = hosts[0], hosts[1:]
        target_host = world.host_named(target)
        if target_host is None:
            reasons.append(f"{target}: no address record")
            self._try_hosts(entry, rest, reasons)
            return

        done = partial(self._attempt_done, entry, target_host.name, rest, reasons)
        session = SmtpClientSession(self, entry, target_host.name, done)
        world.network.connect(
            self.host.name,
            target_host.name,
            SMTP_PORT,
            session,
            on_fail=partial(self._connect_failed, entry, rest, reasons),
            message=entry.message,
        )

    def _connect_failed(
        self, entry: QueueEntry, rest: list[str], reasons: list[str], reason: str
    ) -> None:
        reasons.append(reason)
        self._try_hosts(entry, rest, reasons)

    def _attempt_done(
        self,
        entry: QueueEntry,
        target: str,
        rest: list[str],
        reasons: list[str],
        result: DeliveryResult,
    ) -> None:
        world = self.world
        if result.delivered and not result.rejected:
            entry.state = EntryState.SENT
            entry.relayed_to = target
            reply = result.final
            world.log(
                Layer.QUEUE,
                Kind.SENT,
                self.host.name,
                target,
                f"{entry.queue_id} relayed to {target}: {reply}",
                message=entry.message,
                info=(("queue_id", entry.queue_id), ("relay", target)),
            )
            return
        if result.delivered and result.rejected:
            # Some recipients accepted, some refused: bounce the refused ones only.
            entry.state = EntryState.SENT
            entry.relayed_to = target
            for rcpt, reply in result.rejected.items():
                self._bounce_or_defer(entry, [rcpt], reply, target)
            return
        reply = result.final or result.failure
        if reply is None and result.rejected:
            reply = next(iter(result.rejected.values()))
        if reply is None:
            reasons.append(f"{target}: {result.error or 'no reply'}")
            self._try_hosts(entry, rest, reasons)
            return
        if (
            reply.reply_class == 4
            and rest
            and result.failed_step in (Step.GREETING, Step.EHLO, Step.HELO)
        ):
            reasons.append(f"{target} said {reply}")
            self._try_hosts(entry, rest, reasons)
            return
        self._bounce_or_defer(entry, entry.recipients, reply, target)

    def _bounce_or_defer(
        self, entry: QueueEntry, recipients: list[str], reply, target: str
    ) -> None:
        text = f"{target} said: {str(reply).replace(chr(10), ' ')}"
        if reply.reply_class == 4:
            self.defer(entry, text)
        else:
            self.fail(entry, text, reply, recipients)

    def defer(self, entry: QueueEntry, reason: str) -> None:
        world = self.world
        age = world.clock.now - entry.arrived
        if age >= self.lifetime:
            self.fail(entry, f"gave up after {entry.attempts} attempts: {reason}", None)
            return
        delay = self.retry[min(entry.attempts - 1, len(self.retry) - 1)]
        entry.state = EntryState.DEFERRED
        entry.last_reason = reason
        entry.next_attempt = world.clock.now + delay
        entry.history.append((world.clock.now, reason))
        world.log(
            Layer.QUEUE,
            Kind.DEFERRED,
            self.host.name,
            None,
            f"{entry.queue_id} deferred ({reason}); next try in {_wait_text(delay)}",
            message=entry.message,
            info=(("queue_id", entry.queue_id), ("reason", reason), ("retry_in", delay)),
        )
        world.clock.call_later(delay, self.attempt, entry)

    def fail(
        self, entry: QueueEntry, reason: str, reply, recipients: list[str] | None = None
    ) -> None:
        from .bounce import build_bounce

        world = self.world
        entry.last_reason = reason
        entry.history.append((world.clock.now, reason))
        rcpts = recipients or entry.recipients
        if entry.sender == "":
            entry.state = EntryState.EXPIRED
            world.log(
                Layer.QUEUE,
                Kind.EXPIRED,
                self.host.name,
                None,
                f"{entry.queue_id} undeliverable bounce dropped ({reason}): a bounce "
                "is never bounced",
                message=entry.message,
                info=(("queue_id", entry.queue_id), ("reason", reason)),
            )
            return
        if set(rcpts) >= set(entry.recipients):
            entry.state = EntryState.BOUNCED
        world.log(
            Layer.QUEUE,
            Kind.BOUNCED,
            self.host.name,
            None,
            f"{entry.queue_id} bounced to <{entry.sender}>: {reason}",
            message=entry.message,
            info=(("queue_id", entry.queue_id), ("reason", reason)),
        )
        bounce = build_bounce(self, entry, rcpts, reason, reply)
        bounce_id = world.new_message_id()
        self.route("", entry.sender, bounce, bounce_id)
