"""One real TCP connection, carried into the world as a simulated one.

:class:`RealClient` is two things at once: an asyncio protocol for the real socket and
the client :class:`~smtp_sim.world.network.Endpoint` of a simulated TCP connection from a
pseudo-host (``client-127.0.0.1``) to the target server. Bytes read from the socket are sent
over the simulated connection, so the server's own session (the same engine and MTA as for any
simulated client) answers; what it sends back is written to the socket. The server side never
knows the difference.

TLS: after the simulated server's ``220`` to STARTTLS (its engine is then ``tls_active``) the
socket makes a real TLS handshake (``loop.start_tls``); on a ``--listen-tls`` port the same,
first thing, and only then is the client admitted and connected into the world. Either way the
world gets the same plaintext as before, and the trace says which protocol version and cipher
the real handshake chose (or why it failed).
"""

from __future__ import annotations

import asyncio
import re
import ssl
from typing import TYPE_CHECKING, Any

from ..protocol.caching import BoundedCache
from ..protocol.pop3_server import IDLE_TIMEOUT as POP3_IDLE_TIMEOUT
from ..protocol.replies import ReplyKind
from ..protocol.states import State
from ..world.network import POP3_PORT, EngineSession, TcpConnection
from ..world.trace import Kind, Layer
from .telnet import TelnetFilter
from .tls import HANDSHAKE_TIMEOUT

if TYPE_CHECKING:
    from .bridge import BoundListener, Bridge

SUMMARY_WIDTH = 100
LINES_PER_TURN = 64  # command lines sent into the world per turn of the event loop
READ_SIZE = 65536  # bytes read from a socket at most at once
HOLD_LIMIT = READ_SIZE  # bytes of a line without its end held back (see _ready)
#: Of a message over the size limit, this many bytes past the limit still go into the world
#: (so the server knows it is too big); the rest is read and thrown away until the final dot.
SKIP_SLACK = 65536
#: A message that goes on without its final dot past this many times the size limit gets the
#: server's 552 at once, and the connection is closed (after reading what the client still
#: sends, so that it can read the reply: closing with unread bytes would reset it).
DATA_CUTOFF = 4
#: Bytes of a message's start the trace keeps (its records of the content); the whole
#: message goes on into the world and its mailbox, which keeps it on disk.
MESSAGE_EXCERPT = 16384
LINGER = 10.0  # seconds a connection being closed is still read (and what it sends ignored)
# Why a connection is not served (Bridge.admit).
STOPPING, FULL, ADDRESS = "stopping", "full", "address"


# (patterns, not reply texts: the replies themselves come from the engine's catalog)
_AUTH_FAILED = re.compile(rb"(?:\A|\n)535 ")  # SMTP AUTH's failure (smtpd_sasl_authenticate)
_READY = re.compile(rb"(?:220) ")  # STARTTLS's go-ahead, at the start of the last line


class RealClient(asyncio.BufferedProtocol):
    """A real client: socket side (``connection_made`` ...) and world side (``on_open`` ...).

    A buffered protocol: the socket reads into one buffer kept for the connection's life
    instead of a fresh 256 KiB bytes object per read (which costs the allocator an mmap,
    an mremap and a munmap each time)."""

    def __init__(self, bridge: Bridge, listener: BoundListener) -> None:
        self.bridge = bridge
        self.listener = listener
        self.transport: asyncio.Transport | None = None
        self.peer: tuple[str, int] = ("?", 0)
        self.host: str | None = None  # the pseudo-host standing for the peer in the world
        self.conn: TcpConnection | None = None
        self.last_active = 0.0
        self.spoke = False  # the client has sent something
        self.closed = False  # the socket is closing or closed
        self._backlog = bytearray()  # bytes read, not yet sent into the world
        self._eof = False  # the peer half-closed; passed on once the backlog is sent
        self._unanswered = 0  # bytes received since the server last sent anything
        self._feeding = False  # a turn of the backlog is scheduled
        self._write_paused = False  # the socket's send buffer is full: the peer is not reading
        self._reading = True
        self._pop3 = self.pop3 = listener.pop3
        self._max_unanswered = listener.max_unanswered
        self._buffer = memoryview(bytearray(READ_SIZE))
        self._timer: asyncio.TimerHandle | None = None
        self._held: bytearray | None = None  # replies held back after a wrong password
        self._failures_seen = 0  # the POP3 engine's failed passwords already held for
        self._close_after_held = False
        size = listener.max_message_size
        self._pass_limit = size + SKIP_SLACK  # message bytes passed into the world at most
        self._cutoff = DATA_CUTOFF * size
        self._message_bytes = 0  # of the message under way, passed into the world
        self._skipped = 0  # ... read and thrown away (over the size limit)
        self._tail = b""  # the last bytes thrown away: the final dot may straddle two reads
        self._draining = False  # closing: what the client still sends is read and ignored
        self._telnet = TelnetFilter()
        self._telnet_noted = False
        self._loop = asyncio.get_running_loop()
        self.tls = listener.implicit_tls  # the socket speaks TLS (or is making its handshake)
        self._handshake: asyncio.Task[None] | None = None  # STARTTLS's, under way
        self._before_handshake = bytearray()  # what the server said meanwhile (sent after)
        self._implicit_pending = self.tls  # the server's engine is still to be told
        self._engine: Any = None  # the simulated server's engine, once its end exists
        # (no real TLS to start after STARTTLS: POP3, or the bridge has no certificate)
        self._no_starttls = self._pop3 or bridge.tls is None

    @property
    def peer_text(self) -> str:
        ip, port = self.peer
        return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"

    @property
    def target(self) -> str:
        return self.listener.target

    # -- the real socket ------------------------------------------------------------------

    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        peer = transport.get_extra_info("peername")
        if peer:
            self.peer = (str(peer[0]), int(peer[1]))
        self.last_active = self._loop.time()
        if self.tls and transport.get_extra_info("ssl_object") is None:
            # An implicit-TLS port: the handshake first (then this again, inside TLS), so
            # that a failed one is in the trace too
            self._handshake = self._loop.create_task(self._tls_handshake(implicit=True))
            return
        bridge = self.bridge
        bridge.advance()
        why = bridge.admit(self)
        if why is not None:
            self._refuse(why)
            return
        world = bridge.world
        self.host = bridge.pseudo_host(self.peer[0], self.target)
        world.record(
            Layer.INFO,
            Kind.NOTE,
            self.host,
            self.target,
            f"real client {self.peer_text} connected to {self.listener.address_text}",
            info=(("real_peer", self.peer_text), ("listen", self.listener.address_text)),
        )
        if self.tls:
            self._note_tls("before the greeting (implicit TLS, RFC 8314)")
        self.conn = world.network.connect(
            self.host, self.target, self.listener.sim_port, self, on_fail=self._failed
        )
        self._arm_timer()
        bridge.advance()

    def get_buffer(self, sizehint: int) -> memoryview:
        return self._buffer

    def buffer_updated(self, nbytes: int) -> None:
        self.data_received(self._buffer[:nbytes])

    def data_received(self, data: bytes | memoryview) -> None:
        if self._draining or self.conn is None or self.closed:
            return
        self.last_active = self._loop.time()
        self.spoke = True
        self._unanswered += len(data)
        in_data = self._in_data()
        if self._unanswered > self._max_unanswered and not in_data:
            self.bridge.advance()
            self._flooded()
            self.bridge.advance()
            return
        text, answer = self._telnet.feed(bytes(data), in_message=in_data)
        if answer:
            self._refuse_options(answer)
        self._backlog += text
        if not self._feeding:
            self._feed()

    def _refuse_options(self, answer: bytes) -> None:
        """A telnet client negotiates options: refused (telnet.py); said once in the trace."""
        assert self.transport is not None
        self.transport.write(answer)
        if not self._telnet_noted:
            self._telnet_noted = True
            self.bridge.world.record(
                Layer.INFO,
                Kind.NOTE,
                self.host or "",
                self.target,
                f"real client {self.peer_text} negotiates telnet options "
                f"({', '.join(self._telnet.asked[:6])}): refused (WONT/DONT), as a line-mode "
                "service does; the server echoes nothing and reads whole lines (CR NUL, from "
                "telnet's character mode, counts as a line end)",
                conn=self.conn.id if self.conn is not None else None,
                info=(("real_peer", self.peer_text),),
            )

    def eof_received(self) -> bool:
        """The peer half-closed: the FIN follows its last bytes into the world; the socket
        stays open for the replies and closes when the simulated server closes its side."""
        if self._draining:
            return False  # it has read our last reply and is done: close
        if self.conn is not None and not self.closed:
            self._backlog += self._telnet.flush()
            self._eof = True
            if not self._feeding:
                self._feed()
        # (TLS has no half-close: asyncio's SSL transport closes whatever is answered here)
        return not self.tls

    def pause_writing(self) -> None:
        """The client does not read its replies: stop reading its commands until it does."""
        self._write_paused = True
        self._update_reading()

    def resume_writing(self) -> None:
        self._write_paused = False
        if not self._feeding:
            self._feed()

    def connection_lost(self, exc: Exception | None) -> None:
        if self.closed and self not in self.bridge.clients:
            return  # (already called, after a failed STARTTLS handshake)
        self.closed = True
        self._cancel_timer()
        bridge = self.bridge
        bridge.forget(self)
        conn = self.conn
        if conn is None or self.host is None:
            return
        bridge.advance()
        self._backlog += self._telnet.flush()
        if self._backlog and conn.state == "ESTABLISHED":
            # Read before the connection went: the server sees it before the end, as over TCP.
            in_data = self._in_data()
            self._send(self._take_all(), in_data)
            bridge.advance()
        if conn.state != "CLOSED" and self.host not in conn.closed_by:
            # Gone without waiting for the server: a message not yet ended is lost.
            conn.close(self.host)
        bridge.world.record(
            Layer.INFO,
            Kind.NOTE,
            self.host,
            self.target,
            f"real client {self.peer_text} disconnected",
            info=(("real_peer", self.peer_text),),
        )
        bridge.advance()

    # -- the simulated connection (Endpoint) ----------------------------------------------

    def on_open(self, conn: TcpConnection) -> None:
        if (self._backlog or self._eof) and not self._feeding:
            self._feeding = True  # not from inside the world's run: on the next turn
            self._loop.call_soon(self._feed)

    def on_data(self, conn: TcpConnection, data: bytes) -> None:
        self._unanswered = 0
        if self._implicit_pending:
            self._implicit_tls()
        if self.closed or self.transport is None:
            return
        if self._held is not None or self._password_failed(data):
            self._hold(data)
            return
        if self._handshake is not None:
            self._before_handshake += data
            return
        self.transport.write(data)
        if self._tls_due() and _ends_with_220(data):
            self._start_tls()

    def on_close(self, conn: TcpConnection) -> None:
        """The server closed its side (after QUIT, 421, a timeout...): so do we (once the
        answer to a wrong password, held back, is written)."""
        if self.host is not None:
            conn.close(self.host)
        if self._draining:
            return
        if self._held is not None:
            self._close_after_held = True
            return
        self._close_socket()

    def _failed(self, reason: str) -> None:
        self._close_socket()

    # -- TLS ------------------------------------------------------------------------------

    def _implicit_tls(self) -> None:
        """Tell the server's engine it is inside TLS from the start (an implicit-TLS port):
        EHLO then offers no STARTTLS, and AUTH where only TLS may have it, as Postfix with
        smtpd_tls_wrappermode = yes. Its end exists once the connection is accepted, which
        (no latency to the pseudo-host) is before the greeting and any command."""
        engine = self._server_engine()
        if engine is not None:
            engine.tls_active = True
            self._implicit_pending = False

    def _tls_due(self) -> bool:
        """The simulated server has taken STARTTLS (its engine is in TLS) and the socket is
        not in TLS yet: the handshake follows the 220."""
        if self.tls or self._no_starttls:
            return False
        return bool(getattr(self._server_engine(), "tls_active", False))

    def _server_engine(self) -> Any:
        """The simulated server's engine (None before its end of the connection exists)."""
        engine = self._engine
        if engine is None and self.conn is not None:
            engine = self._engine = getattr(self.conn.server_end, "engine", None)
        return engine

    def _start_tls(self) -> None:
        """After the 220: the real handshake. What the client sent behind STARTTLS before it
        is thrown away, as the server's engine did with what reached it (RFC 3207 section 4.2;
        a client that does so is probing for the STARTTLS command injection, CVE-2011-0411)."""
        self.tls = True
        if self._backlog:
            self.bridge.world.record(
                Layer.INFO,
                Kind.NOTE,
                self.host or "",
                self.target,
                f"real client {self.peer_text} sent {len(self._backlog)} bytes after STARTTLS "
                "before the TLS handshake: thrown away unread (RFC 3207 section 4.2)",
                conn=self.conn.id if self.conn is not None else None,
                info=(("real_peer", self.peer_text),),
            )
            self._backlog.clear()
        self._handshake = self._loop.create_task(self._tls_handshake())

    async def _tls_handshake(self, *, implicit: bool = False) -> None:
        """STARTTLS's handshake (``implicit``: a --listen-tls port's, before anything)."""
        transport, tls = self.transport, self.bridge.tls
        assert transport is not None and tls is not None
        try:
            upgraded = await self._loop.start_tls(
                transport,
                self,
                tls.context,
                server_side=True,
                ssl_handshake_timeout=HANDSHAKE_TIMEOUT,
            )
        except OSError as exc:  # (ssl.SSLError, a reset, the handshake timeout)
            # asyncio has closed the socket, and its SSL layer tells this protocol nothing
            # more (no connection_lost before a handshake): the bridge forgets it here.
            self._handshake = None
            self._tls_failed(exc, implicit)
            return
        self._handshake = None
        if upgraded is None or self.closed:
            return
        self.transport = upgraded
        self._reading = True
        self.last_active = self._loop.time()
        if implicit:
            self.connection_made(upgraded)
            return
        self.bridge.advance(arm=False)
        self._note_tls("after STARTTLS")
        held, self._before_handshake = bytes(self._before_handshake), bytearray()
        if held:
            upgraded.write(held)
        if (self._backlog or self._eof) and not self._feeding:
            self._feed()
        self.bridge.advance()

    def _tls_failed(self, exc: OSError, implicit: bool = False) -> None:
        if self.closed:  # (closed by us meanwhile: the bridge is stopping)
            self.connection_lost(None)
            return
        reason = (
            exc.reason
            if isinstance(exc, ssl.SSLError) and exc.reason
            else (type(exc).__name__ if not str(exc) else str(exc))
        )
        if implicit:  # (not admitted yet: no pseudo-host, no simulated connection)
            where, source, destination = "on an implicit-TLS port", self.target, None
            why = "a client speaking plain SMTP there, or one that does not trust the certificate"
        else:
            where, source, destination = "after STARTTLS", self.host or "", self.target
            why = "a client that does not trust the self-signed certificate stops here"
        self.bridge.advance(arm=False)
        self.bridge.world.record(
            Layer.INFO,
            Kind.ERROR,
            source,
            destination,
            f"real client {self.peer_text}: the TLS handshake {where} failed ({reason}); "
            f"disconnected ({why}: see --tls-cert)",
            conn=self.conn.id if self.conn is not None else None,
            info=(("real_peer", self.peer_text), ("tls", "failed")),
        )
        self.connection_lost(None)

    def _note_tls(self, when: str) -> None:
        transport = self.transport
        ssl_object = transport.get_extra_info("ssl_object") if transport is not None else None
        if ssl_object is None:
            return
        version = ssl_object.version() or "TLS"
        cipher = ssl_object.cipher()
        name, bits = (cipher[0], cipher[2]) if cipher else ("?", 0)
        self.bridge.world.record(
            Layer.INFO,
            Kind.NOTE,
            self.host or "",
            self.target,
            f"TLS started with real client {self.peer_text} {when}: {version}, cipher {name} "
            f"({bits}-bit key). On the real network the rest of the session is ciphertext; "
            "the log shows it as plaintext, as the two ends see it",
            conn=self.conn.id if self.conn is not None else None,
            info=(
                ("real_peer", self.peer_text),
                ("tls", "started"),
                ("tls_version", version),
                ("cipher", name),
            ),
        )

    # -- what the bridge asks -------------------------------------------------------------

    def timed_out(self) -> None:
        """Idle too long: the server's own timeout path answers (421 / -ERR), then closes."""
        conn = self.conn
        server = conn.server_end if conn is not None else None
        hook = getattr(server, "timeout", None)
        if conn is None or hook is None or conn.state == "CLOSED":
            self._close_socket()
            return
        self.bridge.stats.timed_out += 1
        self.bridge.world.record(
            Layer.INFO,
            Kind.NOTE,
            self.host or "",
            self.target,
            f"real client {self.peer_text} idle for {self.idle_limit():g} s: timed out",
            info=(("real_peer", self.peer_text),),
        )
        hook()

    def shut_down(self) -> None:
        """The bridge is stopping: SMTP answers 421 (a message in DATA is not taken); other
        sessions are cut (POP3 without QUIT deletes nothing)."""
        conn = self.conn
        if conn is None or conn.state == "CLOSED":
            self._close_socket()
            return
        hook = getattr(conn.server_end, "shutdown", None)
        if hook is not None and conn.state == "ESTABLISHED":
            hook()
        else:
            conn.abort("the server is shutting down")
            self._close_socket()

    def idle_limit(self) -> float:
        """Seconds of silence allowed now: the bridge's setting, or RFC 5321 4.5.3.2 (5 min
        for a command, 3 min for a block of data) and RFC 1939 (10 min) by default; no more
        than the bridge's busy timeout for a client that has said nothing while the service
        is busy."""
        limit = self._idle_limit()
        if not self.spoke and self.bridge.busy(self.pop3, self.peer[0]):
            return min(limit, self.bridge.busy_timeout)
        return limit

    def _idle_limit(self) -> float:
        configured = self.bridge.idle_timeout
        if configured is not None:
            return configured
        server = self.conn.server_end if self.conn is not None else None
        if isinstance(server, EngineSession):  # the simulated server's own rule, by its state
            return server.idle_limit()
        # (before the server's end is there: what it will start with)
        if self.listener.sim_port == POP3_PORT:
            return POP3_IDLE_TIMEOUT
        return float(self.listener.timeouts["server_command"])

    # -- inside ---------------------------------------------------------------------------

    def _feed(self) -> None:
        """Send the backlog into the world one bounded turn at a time (at most
        LINES_PER_TURN command lines, or up to the end of a message), so a client that
        pipelines thousands of commands in one read cannot hold the others up."""
        self._feeding = False
        conn = self.conn
        if conn is None or self.closed or conn.state == "SYN_SENT":
            return
        if self._held is not None:  # after a wrong password: nothing more until it is answered
            self._update_reading()
            return
        if self._handshake is not None:
            return  # (the handshake's end feeds what came inside TLS)
        if self._implicit_pending:
            self._implicit_tls()
        if self._tls_due():
            return  # the 220 to STARTTLS is on its way: what follows is thrown away
        bridge = self.bridge
        bridge.advance(arm=False)  # the clock catches up, so the record has the right time
        if self._backlog and not self._write_paused:
            in_data = self._in_data()
            if in_data and self._message_bytes >= self._pass_limit:
                self._skip()
                if self._draining:
                    return
            else:
                data = self._take(in_data)
                if data:
                    self._send(data, in_data)
            if self._backlog and self._ready():
                self._feeding = True
                self._loop.call_soon(self._feed)
        if self._eof and not self._backlog and self.host not in conn.closed_by:
            conn.close(self.host or "")
        bridge.advance()
        if self._backlog or not self._reading or self._write_paused:
            self._update_reading()  # (reading, with nothing waiting: nothing to change)

    def _password_failed(self, data: bytes) -> bool:
        """The server has just refused a password: POP3's engine counts them; SMTP AUTH's
        failure is its 535 (Postfix's smtpd_sasl_authenticate(); nothing else answers 535)."""
        if not self.pop3:
            return _AUTH_FAILED.search(data) is not None
        return getattr(self._server_engine(), "auth_failures", 0) > self._failures_seen

    def _hold(self, data: bytes) -> None:
        """Hold replies back after a wrong password, as Dovecot does (so guessing is slow:
        its auth_failure_delay holds the answer to Postfix's SASL requests the same way);
        no further command is read meanwhile."""
        if self._held is None:
            if self.pop3:
                engine = self.conn.server_end.engine  # type: ignore[union-attr]
                self._failures_seen = engine.auth_failures
            self._held = bytearray()
            self._loop.call_later(self.bridge.auth_failure_delay(self.peer[0]), self._release)
        self._held += data

    def _release(self) -> None:
        held, self._held = self._held, None
        if self.closed or self.transport is None or held is None:
            return
        self.transport.write(bytes(held))
        if self._close_after_held:
            self._close_socket()
        elif (self._backlog or self._eof) and not self._feeding:
            self._feed()

    def _skip(self) -> None:
        """Past the size limit inside a message: read and throw away up to the final dot,
        then pass the dot on (the server has counted enough to answer 552); past
        DATA_CUTOFF times the limit without one, answer 552 now and close."""
        backlog = self._backlog
        joined = self._tail + bytes(backlog)
        end = joined.find(b"\r\n.\r\n")
        if end < 0:
            self._skipped += len(backlog)
            self._tail = joined[-4:]
            backlog.clear()
            if self._message_bytes + self._skipped > self._cutoff:
                self._cut_off()
            return
        cut = end + 5 - len(self._tail)
        skipped = self._skipped + cut - 5
        del backlog[:cut]
        self._tail = b""
        conn = self.conn
        assert conn is not None and self.host is not None
        conn.send(
            self.host,
            b"\r\n.\r\n",
            Kind.CONTENT,
            f"the final dot, after {skipped:,} more bytes of message content read and "
            "thrown away (over the size limit)",
            (("bytes", 5), ("skipped", skipped)),
        )
        self._message_bytes = self._skipped = 0

    def _cut_off(self) -> None:
        """A message far over the size limit and no final dot: 552, then close."""
        conn = self.conn
        assert conn is not None
        reply = self.listener.reply_bytes(ReplyKind.MESSAGE_TOO_BIG)
        total = self._message_bytes + self._skipped
        self._draining = True  # before the abort, which closes the simulated side
        self.bridge.world.record(
            Layer.INFO,
            Kind.ERROR,
            self.host or "",
            self.target,
            f"real client {self.peer_text} sent {total:,} bytes of message without its final "
            f"dot: {reply.decode('utf-8', 'replace').strip()}, disconnected (the message is "
            "not delivered)",
            conn=conn.id,
            info=(("real_peer", self.peer_text), ("bytes", total)),
        )
        conn.abort("the server cut off a message far over its size limit")
        self._close_gently(reply)

    def _close_gently(self, reply: bytes) -> None:
        """Write the last reply, send FIN, and go on reading (ignoring it) until the client
        closes or LINGER seconds pass: closing a socket with unread bytes would send a reset
        that destroys the reply before the client reads it."""
        self._draining = True
        self._backlog.clear()
        self._cancel_timer()
        transport = self.transport
        if transport is None or self.closed:
            return
        transport.write(reply)
        if transport.can_write_eof():
            transport.write_eof()
        if not self._reading:
            self._reading = True
            transport.resume_reading()
        self._timer = self._loop.call_later(LINGER, self._close_socket)

    def _in_data(self) -> bool:
        """True while the SMTP server reads message content (after its 354)."""
        if self._pop3:
            return False
        engine = self._server_engine()
        return engine is not None and engine.state is State.DATA

    def _ready(self) -> int:
        """How much of the backlog may go into the world now: whole lines. A line typed a
        character at a time (telnet does that) goes as one segment once its end arrives, so
        the trace and the live log show the command, not its letters; a line without its end
        goes only when the client closes, or once HOLD_LIMIT bytes of it are waiting (then
        without its end: a line longer than that)."""
        backlog = self._backlog
        if self._eof:
            return len(backlog)
        whole = backlog.rfind(b"\n") + 1
        if whole == 0 and len(backlog) >= HOLD_LIMIT:  # one line longer than the hold limit
            return len(backlog)
        return whole

    def _take(self, in_data: bool) -> bytes:
        backlog = self._backlog
        ready = self._ready()
        if in_data:
            # Up to what may be the end of the message: the engine decides whether it is (a
            # cut too early only means one more turn).
            if backlog.startswith(b".\r\n"):
                cut = 3
            else:
                found = backlog.find(b"\n.\r\n", 0, ready)
                cut = found + 4 if found >= 0 else ready
        elif backlog.count(b"\n", 0, ready) <= LINES_PER_TURN:
            cut = ready
        else:
            cut = -1
            for _ in range(LINES_PER_TURN):
                cut = backlog.find(b"\n", cut + 1)
            cut += 1
        if cut == 0:
            return b""
        if cut == len(backlog):
            return self._take_all()
        data = bytes(backlog[:cut])
        del backlog[:cut]
        return data

    def _take_all(self) -> bytes:
        data = bytes(self._backlog)
        self._backlog.clear()
        return data

    def _update_reading(self) -> None:
        """Read from the socket only when the backlog is sent (all but a line still being
        typed) and the peer reads its replies."""
        want = not self._ready() and not self._write_paused
        if want == self._reading or self.transport is None or self.closed:
            return
        self._reading = want
        if want:
            self.transport.resume_reading()
        else:
            self.transport.pause_reading()

    def _send(self, data: bytes, in_data: bool) -> None:
        conn = self.conn
        assert conn is not None and self.host is not None
        if in_data:
            ends = data.endswith(b"\r\n.\r\n") or (not self._message_bytes and data == b".\r\n")
            done = " and the final dot" if ends else ""
            before = self._message_bytes
            self._message_bytes = 0 if ends else before + len(data)
            recorded = None
            if before + len(data) > MESSAGE_EXCERPT:
                # The trace keeps the message's start; all of it is in the mailbox (on disk).
                room = max(0, MESSAGE_EXCERPT - before)
                recorded = data[: data.rfind(b"\n", 0, room) + 1] if room else b""
                if ends:
                    recorded += b".\r\n" if recorded.endswith(b"\r\n") else b"\r\n.\r\n"
                done += (
                    f"; the trace keeps the first {MESSAGE_EXCERPT // 1024} KB of the "
                    "message, its mailbox all of it"
                )
            conn.send(
                self.host,
                data,
                Kind.CONTENT,
                f"message content ({len(data)} bytes){done}",
                (("bytes", len(data)),),
                recorded=recorded,
            )
            return
        data, summary, info = _command_record(data, self._pop3)
        conn.send(self.host, data, Kind.COMMAND, summary, info)

    def _flooded(self) -> None:
        """Far more bytes than a message may have, and no reply in between (no line end, or
        no final dot): every byte would stay in the trace, so the connection is cut; a
        message under way is not delivered."""
        conn = self.conn
        assert conn is not None
        limit = self.listener.max_unanswered
        self.bridge.world.record(
            Layer.INFO,
            Kind.ERROR,
            self.host or "",
            self.target,
            f"real client {self.peer_text} sent over {limit:,} bytes without a reply: disconnected",
            info=(("real_peer", self.peer_text),),
        )
        conn.abort(f"the client sent over {limit:,} bytes without a reply")
        self._close_socket()

    def _refuse(self, why: str) -> None:
        """Past a connection limit (or stopping): one 421 (or -ERR) line, then close."""
        bridge = self.bridge
        self.closed = True
        ip = self.peer[0]
        reply = self.listener.refusal(why, ip)
        service = "POP3" if self.pop3 else "SMTP"
        because = {
            FULL: f"{bridge.max_connections} {service} connections already open (the limit)",
            ADDRESS: f"{bridge.max_per_address} {service} connections already open "
            f"from {ip} (the limit per address)",
        }
        shown = reply.decode("utf-8", "replace").strip()
        bridge.world.record(
            Layer.INFO,
            Kind.ERROR,
            self.target,
            None,
            f"real client {self.peer_text} refused: "
            f"{because.get(why, 'the server is shutting down')}" + (f": {shown}" if shown else ""),
            info=(("real_peer", self.peer_text),),
        )
        assert self.transport is not None
        if reply:
            self.transport.write(reply)
        self.transport.close()

    def _close_socket(self) -> None:
        self._cancel_timer()
        if not self.closed and self.transport is not None:
            self.closed = True
            self.transport.close()  # after what is buffered has been written

    def rearm(self) -> None:
        """Set the idle timer again from the last activity (the limit may have changed)."""
        if self._timer is not None and not self.closed:
            self._timer.cancel()
            self._arm_timer()

    def _arm_timer(self) -> None:
        self._timer = self._loop.call_at(self.last_active + self.idle_limit(), self._check_idle)

    def _check_idle(self) -> None:
        self._timer = None
        if self.closed:
            return
        due = self.last_active + self.idle_limit()
        if self._loop.time() < due:  # there was traffic since: wait for the rest
            self._timer = self._loop.call_at(due, self._check_idle)
            return
        self.bridge.advance()
        self.timed_out()
        self.bridge.advance()

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


def _ends_with_220(data: bytes) -> bool:
    """The server's output ends with a 220 line: STARTTLS's "220 2.0.0 Ready to start TLS"
    (an earlier reply that left in its own segment does not start the handshake)."""
    if not data.endswith(b"\n"):
        return False
    start = data.rfind(b"\n", 0, len(data) - 1) + 1
    return _READY.match(data, start) is not None


# Most command chunks recur word for word (EHLO, DATA, QUIT, the same MAIL FROM...): their
# records share the bytes, summary and info of the first (the trace keeps every record).
_CACHE_LIMIT = 4096  # entries (and as many of the previous generation)
_COMMANDS: BoundedCache[tuple[bytes, bool], tuple[bytes, str, tuple[tuple[str, Any], ...]]] = (
    BoundedCache(_CACHE_LIMIT)
)
_CACHE_MAX_CHUNK = 512  # bytes: longer chunks are seldom repeated


def _command_record(data: bytes, pop3: bool) -> tuple[bytes, str, tuple[tuple[str, Any], ...]]:
    """The bytes, summary and info of a command record (shared with earlier equal ones)."""
    key = (data, pop3)
    cached = _COMMANDS.get(key) if len(data) <= _CACHE_MAX_CHUNK else None
    if cached is not None:
        return cached
    summary, verbs = _command_summary(data)
    info: tuple[tuple[str, Any], ...] = (("verbs", verbs), ("verb", verbs[0] if verbs else ""))
    if pop3:
        info = (("pop3", True), *info)
    record = (data, summary, info)
    if len(data) <= _CACHE_MAX_CHUNK:
        _COMMANDS.put(key, record)
    return record


def _command_summary(data: bytes) -> tuple[str, tuple[str, ...]]:
    """A one-line summary of a chunk of command bytes and the verbs of its complete lines."""
    if data.endswith(b"\r\n") and data.count(b"\n") == 1 and len(data) <= SUMMARY_WIDTH:
        text = data[:-2].decode("utf-8", "replace")  # the usual case: one command
        return text, (text.split(" ", 1)[0].upper(),)
    lines = data.split(b"\n")
    complete = [line.rstrip(b"\r") for line in lines[:-1]]
    verbs = tuple(line.split(b" ", 1)[0].decode("utf-8", "replace").upper() for line in complete)
    if not complete:
        return f"(part of a line, {len(data)} bytes)", ()
    first = complete[0].decode("utf-8", "replace")
    if len(first) > SUMMARY_WIDTH:
        first = f"{first[:SUMMARY_WIDTH]}... ({len(complete[0])} bytes)"
    extra = len(complete) - 1
    return (f"{first} (+{extra} pipelined)" if extra else first), verbs
