"""A student's telnet inside the virtual network: ``telnet HOST PORT`` from a chosen host.

What the student types travels over a simulated TCP connection like any client's bytes, so the
server answers with the same engine and the mail is relayed and delivered like any other.
Everything typed is kept with its virtual time (``inputs``) so a session can be replayed.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..protocol.delivery import TlsPolicy
from ..protocol.errors import RemoteProtocolError
from ..protocol.pop3_client import Pop3ReplyParser, multiline_for
from ..protocol.pop3_replies import Pop3Reply
from ..protocol.replies import Reply
from ..protocol.smtp_client import parse_reply_lines
from .network import (
    POP3_PORT,
    SMTP_PORT,
    SUBMISSION_PORT,
    SUBMISSIONS_PORT,
    TcpConnection,
)
from .tls import start_client_tls
from .trace import Kind, Layer

if TYPE_CHECKING:
    from .world import World


@dataclass(frozen=True, slots=True)
class TerminalOutput:
    """One thing the terminal shows: a reply, or a line of its own (connected, closed...)."""

    time: float
    text: str
    reply: Reply | None = None
    local: bool = False  # True for the terminal's own messages, not the server's
    pop3: Pop3Reply | None = None  # a POP3 server's reply (+OK / -ERR)

    @property
    def answered(self) -> bool:
        return self.reply is not None or self.pop3 is not None


#: A header field's start (RFC 5322 section 2.2: printable ASCII but the colon, then ":"; the
#: obsolete syntax's spaces before the colon, section 4, accepted too).
_HEADER_FIELD = re.compile(r"[\x21-\x39\x3b-\x7e]+[ \t]*:")

#: What opens a connection at the console, as telnet's own words do.
_CONNECT_VERBS = ("telnet", "connect", "open")
#: What the usual mail ports serve, for the note after a refused connection.
_PORT_NAMES = {
    SMTP_PORT: "SMTP",
    SUBMISSION_PORT: "submission",
    SUBMISSIONS_PORT: "submission over TLS",
    POP3_PORT: "POP3",
}


class StudentTerminal:
    """A telnet client on ``host``. ``type_line`` sends; ``output`` collects what came back."""

    #: A person types here, and may stop: the server's idle timer runs (EngineSession).
    may_fall_silent = True

    def __init__(
        self, world: World, host: str, *, on_output: Callable[[TerminalOutput], None] | None = None
    ) -> None:
        if host not in world.network.hosts:
            raise ValueError(f"no host named {host!r} in this network")
        self.world = world
        self.host = host
        self.conn: TcpConnection | None = None
        self.connections: list[TcpConnection] = []  # every one it opened, in order
        self.state = "idle"  # idle, connecting, open, closed
        self.peer: tuple[str, int] | None = None
        self.in_data = False  # after a 354 reply, until the lone dot
        #: Where the next message line goes: "headers" (from the 354), "body" (after the
        #: empty line that ends the header section), None (after a line that is no header
        #: field ended the header section without that empty line: RFC 5322 section 2.1).
        self._section: str | None = None
        self.inputs: list[tuple[float, str]] = []
        self.output: list[TerminalOutput] = []
        # Everything the console shows, in order: typed lines, outputs, the simulator's notes.
        self.log: list[TerminalOutput | tuple[str, str]] = []
        self.on_output = on_output
        self._buffer = bytearray()
        self._lines: list[bytes] = []
        self._starttls_asked = False  # the last command was STARTTLS: a 220 starts TLS
        #: The last reply was 334: the next line is a SASL response, part of the AUTH
        #: exchange (RFC 4954 section 4), not a command of its own.
        self._sasl = False
        self._pop3_quit = False  # the last command was POP3's QUIT: its +OK closes
        self._pop3: Pop3ReplyParser | None = None

    # -- what the student does -------------------------------------------------------------

    def note(self, text: str) -> None:
        """A message from the simulator itself (not the network), kept in the console log."""
        self.log.append(("note", text))

    def enter(self, line: str) -> None:
        """A line typed at the console: while connected it goes to the server, as in telnet;
        otherwise ``telnet HOST [PORT]`` / ``connect HOST [PORT]`` opens a connection."""
        self.log.append(("typed", line))
        if self.state in ("open", "connecting"):
            self.type_line(line)
            return
        words = line.split()
        if not words:
            return
        verb = words[0].lower()
        if verb in _CONNECT_VERBS and 2 <= len(words) <= 3:
            port = 25
            if len(words) == 3:
                if not words[2].isdigit() or not 0 < int(words[2]) < 65536:
                    self.inputs.append((self.world.now, line))
                    self._show(f"telnet: {words[2]!r} is not a port number (try 25, 587 or 110)")
                    return
                port = int(words[2])
            elif self.world.host_named(words[1]) is not None:
                self._show(
                    "(no port given: 25, the SMTP port; a real telnet would try 23, its own)"
                )
            self.connect(words[1], port)
            return
        self.inputs.append((self.world.now, line))
        if verb in _CONNECT_VERBS:
            self._show("usage: telnet HOST [PORT]   (for example: telnet mail.cs.tcd.ie 25)")
        else:
            meant = difflib.get_close_matches(verb, _CONNECT_VERBS, n=1, cutoff=0.6)
            maybe = f" (did you mean {meant[0]}?)" if meant else ""
            self._show(
                f"Not connected, so {words[0]!r} goes nowhere{maybe}. First type: telnet HOST PORT"
            )

    def connect(self, server: str, port: int = 25) -> None:
        target = self.world.host_named(server)
        if target is None:
            self._show(f"telnet: could not resolve {server}: Name or service not known")
            return
        if self.state in ("connecting", "open"):
            self._show("telnet: already connected; type QUIT first")
            return
        self.inputs.append((self.world.now, f"telnet {server} {port}"))
        self.state = "connecting"
        self.peer = (target.name, port)
        self.in_data = False
        self._starttls_asked = False
        self._sasl = False
        self._pop3_quit = False
        self._buffer.clear()
        self._lines.clear()
        self._pop3 = Pop3ReplyParser() if port == POP3_PORT else None  # expects the greeting
        self._show(f"Trying {target.ip}...")
        self.conn = self.world.network.connect(
            self.host, target.name, port, self, on_fail=self._failed
        )
        self.connections.append(self.conn)

    def type_line(self, line: str) -> None:
        """Send one line as telnet does: the text and CRLF."""
        self.inputs.append((self.world.now, line))
        if self.state != "open" or self.conn is None:
            self._show("Not connected. Type: telnet HOST PORT")
            return
        data = line.encode("utf-8", "replace") + b"\r\n"
        if self.in_data:
            kind = Kind.CONTENT
            info: tuple[tuple[str, Any], ...] = (("student", True), ("data_line", True))
            section = self._section_of(line)
            if section is not None:  # (the checks' `section`: a header line, a body line)
                info += (("section", section),)
            summary = line if line != "." else ". (end of data)"
            if line == ".":
                self.in_data = False
        else:
            kind = Kind.COMMAND
            if self._pop3 is not None:
                self._pop3.expect(multiline_for(line))
            verb = line.strip().split(" ", 1)[0].upper()
            if self._sasl:  # (its "verb" is base64: the line answers AUTH's 334)
                verb = "AUTH"
            self._sasl = False
            info = (("student", True), ("verb", verb), ("verbs", (verb,)))
            summary = line
            self._starttls_asked = verb == "STARTTLS" and self._pop3 is None
            self._pop3_quit = verb == "QUIT" and self._pop3 is not None
        self.conn.send(self.host, data, kind, summary, info=info)

    def _section_of(self, line: str) -> str | None:
        """The part of the message ``line`` belongs to, as a mail program reads it: a header
        field (or its folded continuation) in the header section, a line of the body after
        the empty line; the empty line itself, the final dot and the lines of a message whose
        header section a non-header line broke belong to neither."""
        section = self._section
        if line == "." or section is None:
            return None
        if section == "headers":
            if line == "":
                self._section = "body"
                return None
            if line[:1] in (" ", "\t") or _HEADER_FIELD.match(line):
                return "headers"
            self._section = None
            return None
        return section

    def close(self) -> None:
        if self.conn is not None and self.state in ("open", "connecting"):
            self.conn.close(self.host)
            self.state = "closed"
            self._show("Connection closed.")

    # -- the network's side (Endpoint) -----------------------------------------------------

    def on_open(self, conn: TcpConnection) -> None:
        self.state = "open"
        self._show(f"Connected to {conn.server}.")

    def on_data(self, conn: TcpConnection, data: bytes) -> None:
        if self._pop3 is not None:
            self._pop3_data(data)
            return
        self._buffer += data
        while True:
            nl = self._buffer.find(b"\n")
            if nl < 0:
                return
            line = bytes(self._buffer[:nl]).rstrip(b"\r")
            del self._buffer[: nl + 1]
            self._lines.append(line)
            if len(line) > 3 and line[3:4] == b"-":
                continue
            lines, self._lines = self._lines, []
            try:
                reply = parse_reply_lines(lines)
            except RemoteProtocolError:
                for raw in lines:
                    self._show(raw.decode("utf-8", "replace"), local=False)
                continue
            if reply.code == 354:
                self.in_data = True
                self._section = "headers"
            self._sasl = reply.code == 334
            text = "\n".join(raw.decode("utf-8", "replace") for raw in lines)
            self._emit(TerminalOutput(self.world.now, text, reply))
            starttls, self._starttls_asked = self._starttls_asked, False
            if starttls and reply.code == 220 and conn.tls is None:
                self._start_tls(conn)

    def _start_tls(self, conn: TcpConnection) -> None:
        """STARTTLS answered 220: a person cannot make a TLS handshake by hand, so the console
        makes it, as ``openssl s_client -starttls smtp`` would (telnet itself cannot). From
        here on the link carries ciphertext; the student still types and reads plaintext."""
        self._show(
            "(telnet cannot speak TLS: the console makes the TLS handshake for you, as "
            "openssl s_client -starttls smtp would. From now on the link carries "
            "ciphertext; you still type and read plain text. Say EHLO again: RFC 3207 "
            "section 4.2.)"
        )
        start_client_tls(conn, TlsPolicy.OPPORTUNISTIC, self._tls_refused)

    def _tls_refused(self, reason: str) -> None:
        self._show(f"TLS handshake failed: {reason}")

    def _pop3_data(self, data: bytes) -> None:
        parser = self._pop3
        assert parser is not None
        parser.receive_data(data)
        while True:
            try:
                reply = parser.next_reply()
            except RemoteProtocolError as exc:
                self._show(f"(unreadable reply: {exc})")
                return
            if reply is None:
                return
            status = ("+OK" if reply.ok else "-ERR") + (f" {reply.text}" if reply.text else "")
            lines = [status]
            if reply.lines is not None:
                lines += [ln.decode("utf-8", "replace") for ln in reply.lines] + ["."]
            self._emit(TerminalOutput(self.world.now, "\n".join(lines), pop3=reply))

    def on_close(self, conn: TcpConnection) -> None:
        if self.state == "open":
            self.conn.close(self.host) if self.conn is not None else None
        self.state = "closed"
        self.in_data = False
        self._show("Connection closed by foreign host.")

    def _failed(self, reason: str) -> None:
        self.state = "closed"
        self._show(f"telnet: Unable to connect to remote host: {reason}")
        host = self.world.network.hosts.get(self.peer[0]) if self.peer is not None else None
        if host is not None and self.peer is not None and "refused" in reason:
            ports = ", ".join(
                f"{port} ({_PORT_NAMES[port]})" if port in _PORT_NAMES else str(port)
                for port in sorted(host.listeners)
            )
            self.note(
                f"Nothing listens on port {self.peer[1]} of {host.name}: its system refused "
                "the connection (a TCP reset). "
                + (f"Ports that take connections there: {ports}." if ports else "No port does.")
            )

    # -- output ----------------------------------------------------------------------------

    def _show(self, text: str, *, local: bool = True) -> None:
        self.world.record(
            Layer.INFO,
            Kind.NOTE if "Unable" not in text else Kind.ERROR,
            self.host,
            None,
            f"terminal: {text}",
            info=(("student", True),),
        )
        self._emit(TerminalOutput(self.world.now, text, None, local=local))

    def _emit(self, item: TerminalOutput) -> None:
        self.output.append(item)
        self.log.append(item)
        if self.on_output is not None:
            self.on_output(item)

    @property
    def prompt(self) -> str:
        """Where the student is and what the server waits for."""
        if self.state == "open" and self.peer:
            where = f"{self.peer[0]}:{self.peer[1]}"
            if self.in_data:
                return f"{where} DATA (end with a line holding only '.')"
            return f"{where}"
        if self.state == "connecting":
            return f"{self.host} (connecting)"
        return f"{self.host} (not connected)"

    @property
    def short_prompt(self) -> str:
        """:attr:`prompt` for a narrow screen (80 columns): in DATA, ``DATA: end with .``."""
        if self.state == "open" and self.peer and self.in_data:
            return f"{self.peer[0]}:{self.peer[1]} DATA: end with ."
        return self.prompt

    def settled(self, new: list[TerminalOutput]) -> bool:
        """True when ``new`` (the output since a line was typed) completes the exchange: a
        reply came, or the connection ended. After 221 or 421 the server closes the
        connection: wait for that too, so the next line typed is not sent into a closing
        connection (telnet shows "Connection closed by foreign host." at once); so does POP3's
        +OK to QUIT (RFC 1939 section 6), whose close waited for the next key."""
        if new and self.state in ("closed", "idle"):
            return True
        closing = any(item.reply is not None and item.reply.code in (221, 421) for item in new)
        closing = closing or (
            self._pop3_quit and any(item.pop3 is not None and item.pop3.ok for item in new)
        )
        return any(item.answered for item in new) and not (closing and self.state == "open")

    def run_until_answer(
        self, horizon: float = 60.0, step: Callable[[], object] | None = None
    ) -> None:
        """Advance the world until a reply arrives, the connection ends, or ``horizon`` virtual
        seconds pass. Lines typed inside DATA get no reply: for them nothing is run.
        ``step`` runs one clock event (default ``clock.step``; a lesson also checks its step)."""
        if self.in_data:
            return
        clock = self.world.clock
        advance = step or clock.step
        deadline = clock.now + horizon
        seen = len(self.output)
        while True:
            if self.settled(self.output[seen:]):
                break
            nxt = clock.peek()
            if nxt is None or nxt > deadline:
                break
            advance()
