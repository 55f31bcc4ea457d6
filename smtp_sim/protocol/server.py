"""The sans-IO SMTP server engine: bytes in, events and reply bytes out, no sockets.

    conn = ServerConnection(personality="postfix-1.1", hostname="mail.cs.tcd.ie")
    conn.receive_data(b"HELO FooBar\\r\\n")
    while (event := conn.next_event()) is not Signal.NEED_DATA: ...
    wire.write(conn.data_to_send())

One chunk holding several pipelined commands needs no special case: keep calling
``next_event()``.  ``receive_data(b"")`` says the peer closed.  Every state change goes through
``states.TRANSITIONS``; every reply text comes from the personality's catalog.
"""

from __future__ import annotations

import re
from collections import deque
from functools import lru_cache

from .caching import BoundedCache
from .events import (
    Command,
    CommandReplied,
    ConnectionClosed,
    Envelope,
    Event,
    Greeting,
    MessageReceived,
    Signal,
    TlsStarted,
)
from .personalities import (
    DEFAULT_PERSONALITY,
    BareLinefeed,
    CommandSyntax,
    DebugPolicy,
    Personality,
    get_personality,
)
from .policy import MailPolicy, Stage, Verdict, default_policy
from .postfix_syntax import Token, is_header, smtpd_tokens, valid_utf8
from .receiver import LineReceiver
from .records import unchecked_constructor
from .replies import Reply, ReplyKind, ReplySpec, render
from .server_auth import SASL_RESPONSE_LIMIT, SaslExchange, sasl_response
from .server_commands import fault_reply
from .server_postfix import RECOGNISED_HANDLERS, Chunk
from .server_sendmail import sendmail_line
from .server_shared import _personal, _shared
from .states import GUARDS, TRANSITIONS, Input, State, refusal, transitions

K = ReplyKind
DEFAULT_DATE = "Thu, 1 Jan 2026 00:00:00 +0000"
_HTTP_VERBS = frozenset({"GET", "POST", "HEAD", "PUT", "CONNECT", "OPTIONS", "DELETE"})
_HEADER_LIKE = re.compile(r"^[!-9;-~]+:")  # "Subject: hi" typed as a command
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_FROM = re.compile(r"^FROM:\s*(.*)$", re.IGNORECASE | re.DOTALL)
_TO = re.compile(r"^TO:\s*(.*)$", re.IGNORECASE | re.DOTALL)
_SP_HT = re.compile(r"[ \t]")
_END_OF_DATA = b"\r\n.\r\n"
_LF_END_OF_DATA = re.compile(rb"\n\.\r*\n")  # BareLinefeed.LINE_END: a line "." ends DATA
_LF_FIRST_LINE_DOT = re.compile(rb"\.\r*\n")
_TRAILING_CRS = re.compile(rb"\r+$", re.MULTILINE)
_BARE_CR_OR_LF = re.compile(rb"\r(?!\n)|(?<!\r)\n")  # BareLinefeed.CLOSE

#: (state, input) -> (next state, guard or None): ``TRANSITIONS`` with ``GUARDS`` folded in, so
#: that a command costs one lookup. Derived from the tables in states.py, which stay the source.
_MOVES: dict[tuple[State, Input], tuple[State, tuple[str, ReplyKind] | None]] = {
    (state, inp): (target, GUARDS.get((state, inp))) for state, inp, target in transitions()
}
_AFTER_DATA = TRANSITIONS[State.DATA][Input.END_OF_DATA]

# Enum members read on every command, bound once: ``State.CLOSED`` is an attribute lookup
# through the enum's metaclass, several times the cost of reading a global. bench_engine:
# +4% (3,227 against 3,106 tx/s, CPU time, 50 interleaved pairs in one process, 2026-12-06).
_READY, _DATA, _CLOSED = State.READY, State.DATA, State.CLOSED
_NEED_DATA = Signal.NEED_DATA


# The events this engine builds, constructed without their __init__ checks (see records.py):
# the values are the engine's own (an upper-cased verb, a Reply, a State, ...). bench_engine:
# +8% (2,874 against 2,670 tx/s with the classes' own __init__, CPU time, 50 interleaved pairs
# in one process, 2026-12-06; with server_commands.py's _Envelope).
_Command = unchecked_constructor(Command)
_CommandReplied = unchecked_constructor(CommandReplied)
_Greeting = unchecked_constructor(Greeting)
_MessageReceived = unchecked_constructor(MessageReceived)
_ConnectionClosed = unchecked_constructor(ConnectionClosed)
_Envelope = unchecked_constructor(Envelope)


class ServerConnection:
    """One SMTP session seen from the server. See the module docstring for the loop."""

    # (no base class, so the slots hold: 280 bytes a connection instead of 1,640 with a
    # __dict__; bench_engine's speed: +1.5%, within its noise. The bridge and big worlds keep
    # many connections.)
    __slots__ = (
        "_bdat",
        "_bdat_error",
        "_chunk",
        "_data",
        "_data_dropped",
        "_data_scan",
        "_events",
        "_in",
        "_out",
        "_owed",
        # (sendmail's: server_sendmail.py)
        "_protocol_error",
        "_rcpt_rejected",
        "_refusing",
        "_sasl",
        "_shared",
        "_shown_recipients",
        "_typed_verb",
        "_words",
        "bad_commands",
        "client_ip",
        "client_name",
        "date",
        "debug_mode",
        "envelope",
        "error_count",
        "esmtp",
        "helo_name",
        "hostname",
        "messages_accepted",
        "personality",
        "policy",
        "sasl_username",
        "state",
        "tls_active",
    )

    def __init__(
        self,
        personality: Personality | str = DEFAULT_PERSONALITY,
        hostname: str = "mail.example.com",
        policy: MailPolicy | None = None,
        *,
        client_ip: str = "192.0.2.1",
        client_name: str | None = None,
        date: str = DEFAULT_DATE,
    ) -> None:
        if isinstance(personality, str):
            personality = get_personality(personality)
        self.personality = personality
        self.hostname = hostname
        if policy is None:
            policy = default_policy(
                hostname, personality.relay_refusal, personality.queue_id_digits
            )
            policy.queue_id_style = personality.queue_id_style
        self.policy = policy
        self.client_ip = client_ip
        #: the client's name as the server's reverse lookup of client_ip found it (None: no
        #: name; sendmail then greets "[192.0.2.1]" and says why it refuses to relay)
        self.client_name = client_name
        self.date = date
        self.state = State.CONNECTED
        self.envelope = _blank_envelope(None, False)
        self.helo_name: str | None = None
        self.esmtp = False
        self.debug_mode = False
        self.error_count = 0
        self.bad_commands = 0  # unknown commands (sendmail's n_badcmds)
        self._shown_recipients: dict[str, str] = {}  # sendmail: mailbox -> first RCPT's text
        self._protocol_error = False  # sendmail: a HELO/EHLO came with commands behind it
        self._typed_verb = ""  # the verb as typed (sendmail's "helo requires domain address")
        self.messages_accepted = 0
        self._in = LineReceiver()
        self._out = bytearray()
        self._events: deque[Event] = deque()
        self._rcpt_rejected = False
        self._refusing = False  # greeted with 554: only QUIT gets anything but 503
        self._data = bytearray()
        self._data_dropped = 0
        self._data_scan = 0
        self._shared = _shared(personality, hostname)
        self._words: tuple[Token, ...] = ()  # the command line's words (CommandSyntax.POSTFIX)
        #: BDAT (RFC 3030): the message so far (None: no BDAT transaction), whether an earlier
        #: chunk failed (the rest is discarded), and the chunk being read
        self._bdat: bytearray | None = None
        self._bdat_error = False
        self._chunk: Chunk | None = None
        self._owed = 0.0  # seconds of tarpit the replies sent since take_delay() wait
        self.tls_active = False  # after STARTTLS's 220 (RFC 3207)
        self.sasl_username: str | None = None  # after AUTH's 235 (RFC 4954)
        self._sasl: SaslExchange | None = None  # an AUTH waiting for its 334's answer
        self._greet()

    # -- the sans-IO interface ------------------------------------------------------------

    def receive_data(self, data: bytes) -> None:
        """Feed bytes from the client; ``b""`` means the client closed its side."""
        if self.state is _CLOSED:
            return
        if data:
            self._in += data
        else:
            self._in.closed = True

    def next_event(self) -> Event | Signal:
        """The next thing that happened, or NEED_DATA / CLOSED."""
        events = self._events
        while not events:
            state = self.state
            if state is _CLOSED:
                return Signal.CLOSED
            if not self._in and not self._in.closed:
                return _NEED_DATA  # nothing to read (the usual second call after a reply)
            progressed = self._process_data() if state is _DATA else self._process_command()
            if not progressed and not events:
                if self._in.closed:
                    lost = self.state is _DATA
                    self._close("the client closed the connection", by_server=False, lost=lost)
                    break
                return _NEED_DATA
        return events.popleft()

    def take_delay(self) -> float:
        """The seconds the server waits before the replies produced since the last call
        (Postfix: smtpd_error_sleep_time before each reply once the session has made
        smtpd_soft_error_limit errors); the caller holds the replies back that long."""
        owed, self._owed = self._owed, 0.0
        return owed

    def _tarpit(self) -> None:
        limit = self.personality.soft_error_limit
        if limit is not None and self.error_count >= limit:
            self._owed += self.personality.error_sleep

    def data_to_send(self) -> bytes:
        """The reply bytes produced so far, removed from the outgoing buffer."""
        out = bytes(self._out)
        self._out.clear()
        return out

    def timeout(self) -> None:
        """The client was silent too long (RFC 5321 4.5.3.2): 421 and close."""
        if self.state is not State.CLOSED:
            reply = self._reply(K.TIMEOUT)
            self._send(reply)
            self._close("timeout", by_server=True, reply=reply, lost=self.state is State.DATA)

    def shutdown(self) -> None:
        """The server is going down: 421 and close (RFC 5321 3.8)."""
        if self.state is not State.CLOSED:
            reply = self._reply(K.SHUTDOWN)
            self._send(reply)
            self._close(
                "server shutdown", by_server=True, reply=reply, lost=self.state is State.DATA
            )

    @property
    def closed(self) -> bool:
        return self.state is State.CLOSED

    @property
    def waiting_for_data(self) -> bool:
        return self.state is State.DATA

    # -- replies --------------------------------------------------------------------------

    def _reply(
        self,
        kind: ReplyKind,
        *,
        spec: ReplySpec | None = None,
        extra_lines: tuple[str, ...] = (),
        **fields: str,
    ) -> Reply:
        """The reply of ``kind`` in this personality's words (or ``spec``'s), rendered once and
        then shared with every connection of the same personality and hostname."""
        shared = self._shared
        # The cache key: the kind alone, (kind, extra lines, fields), (spec, kind, extra lines,
        # fields) or, for a text naming the client or the date, (one of those, client, ip,
        # date). Keys of different shapes never compare equal.
        key: object
        if spec is None:  # the catalog's template: the kind names it
            key = (kind, extra_lines, tuple(fields.items())) if fields or extra_lines else kind
            personal = kind in shared.personal
        else:
            key = (spec, kind, extra_lines, tuple(fields.items()))
            personal = _personal(spec.text)
        if personal:  # the text depends on who is connected, or when
            key = (key, self.helo_name, self.client_ip, self.client_name, self.date)
        reply = shared.replies.get(key)
        if reply is None:
            base = {
                "hostname": self.hostname,
                "client": self.helo_name or "",
                "ip": self.client_ip,
                "date": self.date,
                "size": shared.size,
                **self._peer_fields(),
            }
            base.update(fields)
            reply = render(
                spec or shared.specs[kind],
                enhanced_codes=self.personality.enhanced_codes,
                kind=kind,
                extra_lines=extra_lines,
                **base,
            )
            shared.replies.put(key, reply)
        return reply

    def _peer_fields(self) -> dict[str, str]:
        """The client as the server's reverse lookup named it: {peer} "name [ip]" or "[ip]",
        {peer_name} the name or "[ip]", {peer_resolve} OK or FAIL (sendmail's macros
        $_, ${client_name} and ${client_resolve})."""
        literal = f"[{self.client_ip}]"
        name = self.client_name
        return {
            "peer": f"{name} {literal}" if name else literal,
            "peer_name": name or literal,
            "peer_resolve": "OK" if name else "FAIL",
        }

    def _verdict(self, verdict: Verdict) -> Reply:
        return self._reply(verdict.kind, spec=verdict.spec, extra_lines=(), **verdict.fields)

    def _send(self, reply: Reply) -> None:
        self._out += reply.to_bytes()

    def _close(
        self, reason: str, *, by_server: bool, reply: Reply | None = None, lost: bool = False
    ) -> None:
        self.state = State.CLOSED
        self._in.clear()
        self._data.clear()
        self._events.append(
            _ConnectionClosed(reason=reason, by_server=by_server, reply=reply, lost_data=lost)
        )

    def _greet(self) -> None:
        fault = self.policy.fault(Stage.CONNECT, "", self.envelope)
        if fault is not None:
            reply = self._verdict(fault)
            self._send(reply)
            self._events.append(_Greeting(reply=reply))
            if reply.code == 421:
                self._close("refused at connect", by_server=True, reply=reply)
            elif reply.code >= 500:
                self._refusing = True
            return
        reply = self._shared.greeting(self.date, self._peer_fields())
        self._send(reply)
        self._events.append(_Greeting(reply=reply))

    # -- command phase --------------------------------------------------------------------

    def _process_chunk(self) -> bool:
        """The octets of a BDAT chunk (RFC 3030): content, or skipped before a refusal."""
        chunk = self._chunk
        assert chunk is not None
        left, final, refusal, command = chunk.left, chunk.final, chunk.refusal, chunk.command
        assert command is not None
        if left:
            if not self._in:
                return False
            piece = self._in.take(left)
            if refusal is None and self._bdat is not None:
                self._bdat += piece
            chunk.left = left - len(piece)
            if chunk.left:
                return True
        self._chunk = None
        state = self.state
        if refusal is not None:  # skip_bdat()
            self._answer(command, refusal, state, False)
            if final:
                if state is State.MAIL or state is State.RCPT:
                    self.state = State.READY
                self._reset_transaction()
            else:
                self._bdat_error = True
            return True
        if not final:
            self._answer(
                command, self._reply(K.CHUNK_OK, size=str(command_size(command))), state, True
            )
            return True
        raw, self._bdat = bytes(self._bdat or b""), None
        if raw and not raw.endswith(b"\n"):
            raw += b"\r\n"  # Postfix ends the last line (and counts the CRLF in its size)
        self._data_dropped = 0
        self._finish_data(raw, stuffed=False)
        return True

    def _process_command(self) -> bool:
        if self._chunk is not None:
            return self._process_chunk()
        if self._sasl is not None:
            return self._sasl_line()
        limit = self.personality.max_command_line
        truncate = self.personality.syntax is CommandSyntax.POSTFIX
        line = self._in.line(limit, limit if truncate else 80)
        if line is None:
            return False
        raw, too_long = line
        if truncate:
            # Postfix's smtp_get(): a line past line_length_limit is cut there and the rest
            # skipped up to the newline; trailing CRs go
            self._handle_line(raw[:limit].rstrip(b"\r"))
            return True
        if too_long:
            command = _Command(raw=raw, verb="", argument="")
            self._answer(command, self._reply(K.LINE_TOO_LONG), self.state, False)
            return True
        self._handle_line(raw)
        return True

    def _handle_line(self, raw: bytes) -> None:
        if self.personality.syntax is CommandSyntax.POSTFIX:
            self._postfix_line(raw)
            return
        if self.personality.syntax is CommandSyntax.SENDMAIL:
            sendmail_line(self, raw)
            return
        text = raw.decode("utf-8", "replace")
        stripped = text.strip(" \t")
        verb_word, _, argument = stripped.partition(" ")
        verb = verb_word.upper()
        argument = argument.strip(" \t")
        state = self.state
        p = self.personality
        # (a printable line holds no control character: the regex only runs on the others)
        if not stripped or (not stripped.isprintable() and _CONTROL.search(stripped)):
            command = _Command(raw=raw, verb="", argument=stripped)
            self._answer(command, self._reply(K.BAD_SYNTAX, line=_echo(stripped)), state, False)
            return
        command = _Command(raw, verb, argument)
        # (a header line has its colon in the first word: only such a word needs the regex)
        if p.break_rules_on_http and (
            verb in _HTTP_VERBS or (":" in verb_word and _HEADER_LIKE.match(stripped))
        ):
            self._break_rules(command, state)
            return
        inp = self._shared.verbs.get(verb)  # None: not a command, or not this server's
        if inp is None:
            note = None
            if verb in _PROBES and p.debug is DebugPolicy.NOTED:
                note = _PROBES[verb]
            reply = self._reply(K.UNKNOWN_COMMAND, line=_echo(stripped))
            self._answer(command, reply, state, False, note)
            return
        self._dispatch(command, inp, argument, state)

    def _postfix_line(self, raw: bytes) -> None:
        """A command line as Postfix's smtpd_proto() reads it (CommandSyntax.POSTFIX)."""
        state = self.state
        p = self.personality
        if p.check_utf8 and not raw.isascii() and not valid_utf8(raw):
            command = _Command(raw=raw, verb="", argument="")
            self._answer(command, self._reply(K.BAD_UTF8), state, False)
            return
        nul = raw.find(b"\0")  # the rest of the line is lost to C's strings
        text = (raw if nul < 0 else raw[:nul]).decode("utf-8", "replace")
        words, verb, argument = _postfix_words(text)
        if not words:
            command = _Command(raw=raw, verb="", argument="")
            self._answer(command, self._reply(K.BAD_SYNTAX, line=""), state, False)
            return
        first = words[0].text
        command = _Command(raw, verb, argument)
        inp = self._shared.verbs.get(verb)
        if inp is None and verb in p.recognised:
            if self._sync_error(command, state):
                return
            self._words = words
            outcome = RECOGNISED_HANDLERS[verb](self, argument)
            if outcome is None:  # BDAT: the answer comes once its octets are read
                assert self._chunk is not None
                self._chunk.command = command
                if self._chunk.left == 0:
                    self._process_chunk()
                return
            reply, accepted, note = outcome
            self._answer(command, reply, state, accepted, note)
            if reply.code == 521 and not self.closed:  # smtpd_chat_reply(): hang up
                self._close("521", by_server=True, reply=reply)
            elif reply.kind is K.TLS_READY and not self.closed:
                self._start_tls()
            return
        if inp is None:
            if (
                verb in p.forbidden_commands
                or (p.forbid_headers and is_header(first))
                or (p.forbid_non_letter and not (first[0].isascii() and first[0].isalpha()))
            ):
                self._break_rules(command, state)
                return
            self._answer(command, self._reply(K.UNKNOWN_COMMAND, line=""), state, False)
            return
        self._words = words
        self._dispatch(command, inp, argument, state)

    def _sasl_line(self) -> bool:
        """A line answering a 334 challenge: a SASL response, not a command (RFC 4954), read
        up to smtpd_sasl_resp_limit (smtpd_chat_query_limit(): past it, 500 and the rest of
        the line is skipped)."""
        line = self._in.line(SASL_RESPONSE_LIMIT + 2, SASL_RESPONSE_LIMIT)
        if line is None:
            return False
        raw, too_long = line
        raw = raw.rstrip(b"\r")
        state = self.state
        command = _Command(raw=raw, verb="", argument="")
        if too_long:
            self._sasl = None
            self._answer(command, self._reply(K.SASL_RESPONSE_TOO_LONG), state, False)
            return True
        reply, accepted, note = sasl_response(self, raw.decode("utf-8", "replace"))
        self._answer(command, reply, state, accepted, note)
        return True

    def _start_tls(self) -> None:
        """After STARTTLS's 220 (Postfix's starttls_cmd()): the plaintext the client sent
        behind the command is discarded, and the session starts over (RFC 3207 section 4.2:
        no HELO/EHLO name, no transaction; the client must EHLO again)."""
        discarded = len(self._in)
        self._in.clear()
        self.tls_active = True
        self.helo_name = None
        self.esmtp = False
        self._reset_transaction()
        self.state = State.CONNECTED
        self._events.append(TlsStarted(discarded=discarded))

    def _break_rules(self, command: Command, state: State) -> None:
        reply = self._reply(K.BREAK_RULES)
        self._send(reply)
        self._events.append(
            _CommandReplied(
                command=command,
                reply=reply,
                state_before=state,
                state_after=State.CLOSED,
                accepted=False,
                note="an HTTP request or a header line sent as an SMTP command",
            )
        )
        self._close("non-SMTP command", by_server=True, reply=reply, lost=False)

    def _dispatch(self, command: Command, inp: Input, argument: str, state: State) -> None:
        p = self.personality
        if self._sync_error(command, state):
            return
        if self._refusing and inp is not Input.QUIT:
            self._answer(command, self._reply(K.BAD_SEQUENCE), state, False)
            return
        move = _MOVES.get((state, inp))
        if move is None:
            kind = refusal(state, inp)
            if kind is K.NEED_RCPT and state is State.MAIL:
                kind = K.NO_VALID_RECIPIENTS if self._rcpt_rejected else p.data_without_recipients
            self._answer(command, self._reply(kind), state, False)
            return
        target, guard = move
        if guard is not None and getattr(p, guard[0]):
            self._answer(command, self._reply(guard[1]), state, False)
            return
        reply, accepted, note = self._shared.handlers[inp](self, argument)
        if accepted:
            if target is _READY or target is State.CONNECTED:
                self._reset_transaction()
            self.state = target
            if target is _DATA:
                self._data.clear()
                self._data_dropped = 0
                self._data_scan = 0
        self._answer(command, reply, state, accepted, note)
        if target is _CLOSED and accepted:
            self._close("QUIT", by_server=True, reply=reply)

    def _answer(
        self, command: Command, reply: Reply, before: State, accepted: bool, note: str | None = None
    ) -> None:
        self._tarpit()
        self._out += reply.to_bytes()
        # (positional: command, reply, state_before, state_after, accepted, note)
        self._events.append(_CommandReplied(command, reply, before, self.state, accepted, note))
        if reply.code == 421 and self.state is not _CLOSED:  # 421: the server closes (RFC 5321
            self._close(reply.text, by_server=True, reply=reply)  # section 3.8)
        elif reply.code >= 400 and self.state is not _CLOSED:
            self.error_count += 1
            limit = self.personality.error_limit
            if limit is not None and self.error_count >= limit:
                last = self._reply(K.TOO_MANY_ERRORS)
                self._tarpit()
                self._send(last)
                self._close("too many errors", by_server=True, reply=last)

    def _sync_error(self, command: Command, state: State) -> bool:
        """More input already waits behind a command that may not be pipelined (before EHLO,
        without PIPELINING, or a group's last command): with forbid_unauth_pipelining, 554
        and the connection closes (Postfix smtpd_forbid_unauth_pipelining)."""
        p = self.personality
        if (
            not self._in
            or not p.forbid_unauth_pipelining
            or (self.esmtp and p.offers("PIPELINING") and command.verb not in p.pipeline_last)
        ):
            return False
        reply = self._reply(K.SYNC_ERROR)
        self._send(reply)
        self._events.append(
            _CommandReplied(
                command=command,
                reply=reply,
                state_before=state,
                state_after=State.CLOSED,
                accepted=False,
                note="the client sent more commands before the reply without PIPELINING",
            )
        )
        self._close("improper pipelining", by_server=True, reply=reply)
        return True

    def _reset_transaction(self) -> None:
        self.envelope = _blank_envelope(self.helo_name, self.esmtp)
        self._rcpt_rejected = False
        self._bdat = None
        self._bdat_error = False

    # -- DATA phase -----------------------------------------------------------------------

    def _process_data(self) -> bool:
        if not self._in:
            return False
        data = self._data
        data += self._in  # (the receiver is the buffer: the DATA phase reads it whole)
        self._in.clear()
        if self.personality.bare_linefeed is BareLinefeed.LINE_END:
            return self._process_data_lf(data)
        if self.personality.bare_linefeed is BareLinefeed.CLOSE and self._bare_line_end(data):
            return True
        if self._data_dropped == 0 and data.startswith(b".\r\n"):
            end = -2  # an empty message: the DATA line's CRLF precedes the dot
        else:
            found = data.find(_END_OF_DATA, self._data_scan)
            if found < 0:
                self._keep_scanning(data, 4)
                return True
            end = found
        raw = bytes(data[: end + 2]) if end >= 0 else b""
        self._in[:0] = data[end + 5 :] if end >= 0 else data[3:]  # the next commands
        data.clear()
        self._finish_data(raw)
        return True

    def _bare_line_end(self, data: bytearray) -> bool:
        """BareLinefeed.CLOSE: a bare CR or LF before the end of the message gets a 421 and
        the connection closes (True). A CR at the very end may be the start of a CRLF."""
        end = data.find(_END_OF_DATA)
        region = data[: end + 2] if end >= 0 else data.rstrip(b"\r")
        found = _BARE_CR_OR_LF.search(region) if region else None
        if found is None:
            return False
        cr = found.group() == b"\r"
        reply = self._reply(K.BARE_CR_REJECTED if cr else K.BARE_LF_REJECTED)
        self._send(reply)
        self._close("bare CR or LF in the message", by_server=True, reply=reply, lost=True)
        return True

    def _keep_scanning(self, data: bytearray, overlap: int) -> None:
        """No end of data yet: the next search starts ``overlap`` octets back, and beyond the
        size limit the content is dropped (the 552 comes after the dot)."""
        self._data_scan = max(0, len(data) - overlap)
        if len(data) > self.personality.max_message_size + 8:
            drop = len(data) - overlap
            self._data_dropped += drop
            del data[:drop]
            self._data_scan = 0

    def _process_data_lf(self, data: bytearray) -> bool:
        """BareLinefeed.LINE_END (Postfix before 3.9): a bare LF ends a line as CRLF does, a
        line "." (trailing CRs dropped) ends DATA; the content is given on with CRLF."""
        first = self._data_dropped == 0 and _LF_FIRST_LINE_DOT.match(data)
        if first:
            raw, rest = b"", bytes(data[first.end() :])
        else:
            found = _LF_END_OF_DATA.search(data, self._data_scan)
            if found is None:
                self._keep_scanning(data, 64)
                return True
            content = bytes(data[: found.start() + 1])
            raw = _TRAILING_CRS.sub(b"", content.replace(b"\r\n", b"\n")).replace(b"\n", b"\r\n")
            rest = bytes(data[found.end() :])
        self._in[:0] = rest
        data.clear()
        self._finish_data(raw)
        return True

    def _finish_data(self, raw: bytes, stuffed: bool = True) -> None:
        p = self.personality
        size = len(raw) + self._data_dropped
        params = self.envelope.mail_params
        declared = dict(params).get("SIZE") if params else None
        kind: ReplyKind | None = None
        if size > p.max_message_size or (
            declared and declared.isdigit() and size > int(declared) and size > p.max_message_size
        ):
            kind = K.MESSAGE_TOO_BIG
        elif raw and p.max_data_line and _has_long_line(raw, p.max_data_line - 2):
            kind = K.DATA_LINE_TOO_LONG
        elif p.reject_nul and b"\0" in raw:
            kind = K.NUL_REJECTED
        elif p.bare_linefeed is BareLinefeed.REJECT and (
            raw.count(b"\n") != raw.count(b"\r\n") or raw.count(b"\r") != raw.count(b"\r\n")
        ):
            kind = K.BARE_LF_REJECTED
        content = raw
        if stuffed:  # (BDAT's chunks are sent as they are, RFC 3030 section 2)
            content = raw[1:] if raw.startswith(b".") else raw
            content = content.replace(b"\r\n.", b"\r\n")
        envelope = self.envelope
        if kind is not None:
            reply = self._reply(kind)
            accepted = False
            queue_id = None
            content = b""
        else:
            fault = fault_reply(self, Stage.END_OF_DATA, "")
            verdict = self.policy.accept_message(envelope, content) if fault is None else None
            if (
                verdict is not None
                and not stuffed
                and verdict.kind is K.QUEUED
                and verdict.spec is None
            ):  # Postfix: "Ok: 123 bytes queued as ..."
                verdict = Verdict(K.CHUNKS_QUEUED, {**verdict.fields, "size": str(size)})
            if fault is not None:
                reply = fault
            else:
                assert verdict is not None
                reply = self._verdict(verdict)
            accepted = reply.code < 400
            queue_id = verdict.fields.get("queue_id") if verdict is not None else None
        self._tarpit()
        self._send(reply)
        self.state = _AFTER_DATA
        self._reset_transaction()
        if accepted:
            self.messages_accepted += 1
            if p.syntax is CommandSyntax.POSTFIX:
                self.error_count = 0  # common_post_message_handling(): a fresh start
        self._events.append(
            _MessageReceived(
                envelope=envelope,
                content=content,
                reply=reply,
                accepted=accepted,
                queue_id=queue_id,
                size=size,
            )
        )
        if reply.code >= 400:
            self.error_count += 1


#: Old back doors that today's sendmail refuses and logs as attack probes (DebugPolicy.NOTED).
_PROBES = {
    "DEBUG": "DEBUG refused and logged: the Morris worm (1988) used it to run programs",
    "WIZ": "WIZ refused and logged: the old sendmail 'wizard' back door (with its password it "
    "gave a shell); a client trying it is probing for holes",
}


def command_size(command: Command) -> int:
    """The octet count of a BDAT command (its first argument)."""
    return int(command.argument.split()[0])


def _has_long_line(raw: bytes, limit: int) -> bool:
    """``max(map(len, raw.split(b"\r\n"))) > limit`` without splitting: the line starting at
    ``start`` is short enough when a CRLF begins within ``limit`` octets of it, and every line
    up to the last such CRLF is then short enough too; so jump there and look again. A message
    of n octets takes about n / limit jumps, none at all when it is no longer than ``limit``."""
    start = 0
    while len(raw) - start > limit:
        crlf = raw.rfind(b"\r\n", start, start + limit + 2)
        if crlf < 0:
            return True
        start = crlf + 2
    return False


def _echo(line: str) -> str:
    """A command line fit to quote in a reply (sendmail's ``Command unrecognized: "..."``): a
    reply may not hold CR or LF, and sendmail shortens long lines (``shortenstring``)."""
    line = _CONTROL.sub("?", line)
    return line if len(line) <= 203 else f"{line[:100]}...{line[-100:]}"


_WORDS: BoundedCache[str, tuple[tuple[Token, ...], str, str]] = BoundedCache(1024)
_WORDS_MAX_LINE = 512  # characters: longer lines are seldom repeated


def _postfix_words(text: str) -> tuple[tuple[Token, ...], str, str]:
    """A command line's words as ``smtpd_token()`` splits them, its verb (upper case) and its
    argument (the other words, one space apart); a short line's are remembered, as a client
    repeats its lines word for word (the same MAIL FROM and RCPT TO for every message)."""
    found = _WORDS.get(text)
    if found is not None:
        return found
    words = tuple(smtpd_tokens(text))
    parsed = (
        (words, words[0].text.upper(), " ".join(w.text for w in words[1:]))
        if words
        else ((), "", "")
    )
    if len(text) <= _WORDS_MAX_LINE:
        _WORDS.put(text, parsed)
    return parsed


@lru_cache(maxsize=256)
def _blank_envelope(helo_name: str | None, esmtp: bool) -> Envelope:
    """The envelope of a session with no transaction open (immutable, so shared)."""
    return Envelope(helo_name=helo_name, esmtp=esmtp)
