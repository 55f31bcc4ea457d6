"""The pull side: an MTA's host serves its mailboxes over POP3 (port 110), and a user agent
collects its mail with USER, PASS, LIST, RETR, DELE and QUIT.

    service = install_pop3(world.mtas["mail.cs.tcd.ie"])
    fetch_mail(world, world.agents["bob@cs.tcd.ie"], "mail.cs.tcd.ie")
    world.run()

Logins: the user name is the full address (``bob@cs.tcd.ie``) or its local part (``bob``, in
the MTA's first domain that has it). The password is ``mta.passwords[address]`` when the MTA
has such a dict and an entry for the address, else :data:`DEFAULT_PASSWORD` ("secret").

Trace: every command and reply crosses the simulated TCP connection (layer POP3, with
``("pop3", True)`` in ``info``); a retrieved message adds a MAILBOX ``retrieved`` record, and
each message removed at QUIT a MAILBOX ``deleted`` record, both with the message's trace id.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Protocol

from ..protocol.errors import RemoteProtocolError
from ..protocol.events import Signal
from ..protocol.pop3_client import Pop3ReplyParser, multiline_for, unstuffed_content
from ..protocol.pop3_replies import Pop3Reply
from ..protocol.pop3_server import (
    IDLE_TIMEOUT,
    Pop3Closed,
    Pop3CommandReplied,
    Pop3ServerConnection,
)
from .mailbox import DEFAULT_PASSWORD, Mailbox, StoredMessage
from .network import POP3_PORT, EngineSession, TcpConnection
from .trace import Kind, Layer

if TYPE_CHECKING:
    from .agent import UserAgent
    from .mta import MTA
    from .network import Host, Network
    from .trace import Recorder


class MailWorld(Protocol):
    """What collecting mail asks of the world (a :class:`~smtp_sim.world.world.World`): its
    names, its network, its recorder."""

    network: Network
    recorder: Recorder

    def host_named(self, name: str) -> Host | None: ...


#: Bytes of one reply the trace keeps (RETR of a big message: the mailbox has all of it).
REPLY_RECORD_LIMIT = 65536


# -- the server side --------------------------------------------------------------------------


class MailboxMaildrop:
    """A :class:`Mailbox` seen through the POP3 engine's ``Maildrop`` protocol."""

    def __init__(self, box: Mailbox) -> None:
        self.box = box
        self.stored: dict[str, StoredMessage] = {}  # uid -> message, as of the login

    @property
    def messages(self) -> Sequence[tuple[str, bytes]]:
        self.stored = {m.unique_id: m for m in self.box.messages}
        return [(uid, m.data) for uid, m in self.stored.items()]

    def listing(self) -> list[tuple[str, int]]:
        """(unique-id, size as POP3 sends it) per message, without reading any (the engine
        reads one at RETR or TOP: a mailbox kept on disk is not loaded at login)."""
        self.stored = {m.unique_id: m for m in self.box.messages}
        return [(uid, m.wire_size) for uid, m in self.stored.items()]

    def load(self, uid: str) -> bytes:
        stored = self.stored.get(uid)
        return stored.data if stored is not None else b""

    def delete(self, uids: Sequence[str]) -> bool:
        for uid in uids:
            stored = self.stored.get(uid)
            if stored is not None:
                self.box.remove(stored.uid)
        return True


class Pop3Service:
    """POP3 for one MTA: checks logins against its mailboxes, one session per connection."""

    def __init__(
        self,
        mta: MTA,
        passwords: Mapping[str, str] | None = None,
        default_password: str = DEFAULT_PASSWORD,
    ) -> None:
        self.mta = mta
        self.passwords = passwords
        self.default_password = default_password
        self.sessions: dict[int, Pop3ServerSession] = {}

    def password_for(self, address: str) -> str:
        table = self.passwords
        if table is None:
            table = getattr(self.mta, "passwords", None)
        found = table.get(address) if isinstance(table, Mapping) else None
        return found if found is not None else self.default_password

    def mailbox_for_user(self, user: str) -> Mailbox | None:
        name = user.strip().lower()
        if "@" in name:
            return self.mta.mailbox_for(name)
        for domain in self.mta.domains:
            box = self.mta.mailbox_for(f"{name}@{domain}")
            if box is not None:
                return box
        return None

    def authenticate(self, user: str, password: str) -> MailboxMaildrop | None:
        box = self.mailbox_for_user(user)
        if box is None or password != self.password_for(box.address):
            return None
        added, dropped = box.sync(self.mta.clock.now)  # what a Maildir holds now
        if added or dropped:
            self.mta.recorder.record(
                Layer.INFO,
                Kind.NOTE,
                self.mta.host.name,
                None,
                f"the mailbox of {box.address} follows its Maildir: {added} message"
                f"{'s' * (added != 1)} found there, {dropped} gone from it",
                info=(("mailbox", box.address),),
            )
        return MailboxMaildrop(box)

    def accept(self, conn: TcpConnection) -> Pop3ServerSession:
        return Pop3ServerSession(self, conn)


def install_pop3(
    mta: MTA,
    *,
    passwords: Mapping[str, str] | None = None,
    default_password: str = DEFAULT_PASSWORD,
) -> Pop3Service:
    """Make the MTA's host listen on port 110, serving that MTA's mailboxes."""
    service = Pop3Service(mta, passwords, default_password)
    mta.host.listen(POP3_PORT, service.accept)
    return service


class _Provider:
    """Remembers the maildrop it handed out, so the session can name retrieved messages."""

    def __init__(self, service: Pop3Service) -> None:
        self.service = service
        self.maildrop: MailboxMaildrop | None = None

    def authenticate(self, user: str, password: str) -> MailboxMaildrop | None:
        maildrop = self.service.authenticate(user, password)
        if maildrop is not None:
            self.maildrop = maildrop
        return maildrop


class Pop3ServerSession(EngineSession):
    """The server end of one POP3 connection: bytes to the engine, replies back to the wire."""

    def __init__(self, service: Pop3Service, conn: TcpConnection) -> None:
        self.service = service
        self.conn = conn
        self.provider = _Provider(service)
        self.engine = Pop3ServerConnection(service.mta.hostname, self.provider)
        service.sessions[conn.id] = self

    def idle_limit(self) -> float:
        return IDLE_TIMEOUT

    def _pump(self) -> None:
        engine = self.engine
        conn = self.conn
        host = self.service.mta.host.name
        recorder = self.service.mta.recorder
        while True:
            event = engine.next_event()
            if event is Signal.NEED_DATA or event is Signal.CLOSED:
                break
            if isinstance(event, Pop3CommandReplied):
                for uid in event.deleted:  # removed in UPDATE, before the goodbye is sent
                    self._record(Kind.DELETED, uid, "deleted from", "at QUIT")
            out = engine.data_to_send()
            if out:
                summary, recorded = _reply_summary(out), None
                if len(out) > REPLY_RECORD_LIMIT:  # a big message: the trace keeps its start
                    recorded = out[:REPLY_RECORD_LIMIT]
                    summary += (
                        f" ({len(out):,} bytes; the trace keeps the first "
                        f"{REPLY_RECORD_LIMIT // 1024} KB)"
                    )
                conn.send(
                    host,
                    out,
                    Kind.REPLY,
                    summary,
                    info=(
                        ("pop3", True),
                        ("ok", out.startswith(b"+OK")),
                        ("state", engine.state.value),
                        ("bytes", len(out)),
                    ),
                    recorded=recorded,
                )
            if isinstance(event, Pop3CommandReplied):
                if event.note:
                    recorder.record(
                        Layer.INFO, Kind.NOTE, host, conn.client, event.note, conn=conn.id
                    )
                if event.ok and event.command.verb == "RETR" and event.uid is not None:
                    self._record(Kind.RETRIEVED, event.uid, "retrieved from", f"by {conn.client}")
            elif isinstance(event, Pop3Closed):
                self.service.sessions.pop(conn.id, None)
                self._stop_idle_timer()
                conn.close(host)
                break

    def _record(self, kind: Kind, uid: str, what: str, how: str) -> None:
        maildrop = self.provider.maildrop
        if maildrop is None:
            return
        stored = maildrop.stored.get(uid)
        self.service.mta.recorder.record(
            Layer.MAILBOX,
            kind,
            self.service.mta.host.name,
            None,
            f"message {uid} {what} the mailbox of {maildrop.box.address} {how} (POP3)",
            conn=self.conn.id,
            message=stored.message if stored else None,
            info=(
                ("mailbox", maildrop.box.address),
                ("uid", stored.uid if stored else 0),
                ("bytes", stored.size if stored else 0),
            ),
        )


def _reply_summary(out: bytes) -> str:
    lines = out.decode("utf-8", "replace").split("\r\n")[:-1]
    if len(lines) == 1:
        return lines[0]
    return f"{lines[0]} (+{len(lines) - 1} lines)"


# -- the client side --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FetchedMessage:
    """A message a user agent downloaded over POP3 (``data`` un-stuffed, CRLF endings)."""

    data: bytes
    number: int
    server: str
    time: float


class FetchStep(Enum):
    GREETING = "greeting"
    USER = "USER"
    PASS = "PASS"
    LIST = "LIST"
    RETR = "RETR"
    DELE = "DELE"
    QUIT = "QUIT"
    DONE = "done"


class Pop3Fetch:
    """A mail program collecting mail: USER, PASS, LIST, then RETR (and DELE) for each
    message, then QUIT. One command at a time, each answered before the next."""

    def __init__(
        self,
        recorder: Recorder,
        agent: UserAgent,
        server: str,
        user: str,
        password: str,
        *,
        delete: bool = True,
        on_done: Callable[[Pop3Fetch], None] | None = None,
    ) -> None:
        self.recorder = recorder
        self.agent = agent
        self.server = server
        self.user = user
        self.password = password
        self.delete = delete
        self.on_done = on_done
        self.step = FetchStep.GREETING
        self.parser = Pop3ReplyParser()
        self.retrieved: list[FetchedMessage] = []
        self.error: str | None = None
        self.conn: TcpConnection | None = None
        self._todo: list[int] = []
        self._current: int | None = None

    @property
    def done(self) -> bool:
        return self.step is FetchStep.DONE

    def on_open(self, conn: TcpConnection) -> None:
        self.conn = conn

    def on_data(self, conn: TcpConnection, data: bytes) -> None:
        self.parser.receive_data(data)
        while not self.done:
            try:
                reply = self.parser.next_reply()
            except RemoteProtocolError as exc:
                self._fail(conn, f"garbled reply: {exc}", quit_first=False)
                return
            if reply is None:
                return
            self._on_reply(conn, reply)

    def on_close(self, conn: TcpConnection) -> None:
        if not self.done:
            self._fail(conn, "the server closed the connection", quit_first=False)

    def failed(self, reason: str) -> None:
        """The TCP connection could not be opened."""
        self.error = reason
        self.step = FetchStep.DONE
        self._note(f"mail client: cannot fetch mail: {reason}", Kind.ERROR)
        if self.on_done is not None:
            self.on_done(self)

    def _on_reply(self, conn: TcpConnection, reply: Pop3Reply) -> None:
        step = self.step
        if not reply.ok and step is not FetchStep.QUIT:
            self._fail(
                conn, f"{step.value} refused: {reply}", quit_first=step is not FetchStep.GREETING
            )
            return
        if step is FetchStep.GREETING:
            self._send(conn, FetchStep.USER, f"USER {self.user}")
        elif step is FetchStep.USER:
            self._send(conn, FetchStep.PASS, f"PASS {self.password}")
        elif step is FetchStep.PASS:
            self._send(conn, FetchStep.LIST, "LIST")
        elif step is FetchStep.LIST:
            self._todo = [int(line.split()[0]) for line in reply.lines or () if line.split()]
            self._next_message(conn)
        elif step is FetchStep.RETR:
            self._store(reply)
            if self.delete:
                self._send(conn, FetchStep.DELE, f"DELE {self._current}")
            else:
                self._next_message(conn)
        elif step is FetchStep.DELE:
            self._next_message(conn)
        elif step is FetchStep.QUIT:
            self._finish(conn)

    def _next_message(self, conn: TcpConnection) -> None:
        if self._todo:
            self._current = self._todo.pop(0)
            self._send(conn, FetchStep.RETR, f"RETR {self._current}")
        else:
            self._send(conn, FetchStep.QUIT, "QUIT")

    def _send(self, conn: TcpConnection, step: FetchStep, line: str) -> None:
        self.step = step
        self.parser.expect(multiline_for(line))
        verb = line.split(" ", 1)[0]
        conn.send(
            self.agent.host.name,
            line.encode() + b"\r\n",
            Kind.COMMAND,
            line,
            info=(("pop3", True), ("verb", verb), ("verbs", (verb,))),
        )

    def _store(self, reply: Pop3Reply) -> None:
        fetched = FetchedMessage(
            unstuffed_content(reply), self._current or 0, self.server, self.recorder.clock.now
        )
        self.retrieved.append(fetched)
        inbox = getattr(self.agent, "inbox", None)
        if inbox is None:
            inbox = []
            self.agent.inbox = inbox  # type: ignore[attr-defined]
        inbox.append(fetched)

    def _fail(self, conn: TcpConnection, reason: str, *, quit_first: bool) -> None:
        """Give up; politely (QUIT, then close) when the server is still listening. QUIT
        also removes what was already retrieved and marked with DELE, as real clients do."""
        self.error = reason
        if quit_first:
            self._send(conn, FetchStep.QUIT, "QUIT")
        else:
            self._finish(conn)

    def _finish(self, conn: TcpConnection) -> None:
        if self.done:
            return
        self.step = FetchStep.DONE
        conn.close(self.agent.host.name)
        n = len(self.retrieved)
        if self.error is None:
            self._note(
                f"mail client: {n} message{'s' * (n != 1)} fetched from {self.server}"
                f"{' and deleted there' if self.delete and n else ''}",
                Kind.NOTE,
            )
        else:
            self._note(f"mail client: fetching failed: {self.error}", Kind.ERROR)
        if self.on_done is not None:
            self.on_done(self)

    def _note(self, text: str, kind: Kind) -> None:
        self.recorder.record(Layer.INFO, kind, self.agent.host.name, None, text)


def fetch_mail(
    world: MailWorld,
    agent: UserAgent,
    server_host: str,
    password: str = DEFAULT_PASSWORD,
    delete: bool = True,
    on_done: Callable[[Pop3Fetch], None] | None = None,
    *,
    user: str | None = None,
) -> Pop3Fetch:
    """Connect from the agent's host to ``server_host`` port 110 and collect the agent's mail
    (into ``agent.inbox``, a list created on first use). Returns the running fetch."""
    target = world.host_named(server_host)
    name = target.name if target is not None else server_host
    fetch = Pop3Fetch(
        world.recorder, agent, name, user or agent.address, password, delete=delete, on_done=on_done
    )
    world.recorder.record(
        Layer.INFO,
        Kind.NOTE,
        agent.host.name,
        name,
        f"{agent.address} checks for new mail at {name}:{POP3_PORT} (POP3)",
    )
    if target is None:
        fetch.failed(f"could not resolve {server_host}")
        return fetch
    world.network.connect(agent.host.name, name, POP3_PORT, fetch, on_fail=fetch.failed)
    return fetch
