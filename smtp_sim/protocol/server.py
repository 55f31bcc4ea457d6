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
from collections.abc import Callable
from functools import lru_cache

from .address import Address, AddressError, parse_params, split_path
from .events import (
    Command,
    CommandReplied,
    ConnectionClosed,
    Envelope,
    Event,
    Greeting,
    MessageReceived,
    Signal,
)
from .explain import COMMANDS
from .personalities import (
    DEFAULT_PERSONALITY,
    BareLinefeed,
    DebugPolicy,
    ExpnPolicy,
    HelpStyle,
    Personality,
    VrfyPolicy,
    get_personality,
)
from .policy import MailPolicy, Stage, Verdict, default_policy
from .records import unchecked_constructor
from .replies import Reply, ReplyKind, ReplySpec, render
from .states import COMMAND_VERBS, GUARDS, TRANSITIONS, Input, State, refusal, transitions

K = ReplyKind
DEFAULT_DATE = "Thu, 1 Jan 2026 00:00:00 +0000"
_HTTP_VERBS = frozenset({"GET", "POST", "HEAD", "PUT", "CONNECT", "OPTIONS", "DELETE"})
_HEADER_LIKE = re.compile(r"^[!-9;-~]+:")  # "Subject: hi" typed as a command
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_FROM = re.compile(r"^FROM:\s*(.*)$", re.IGNORECASE | re.DOTALL)
_TO = re.compile(r"^TO:\s*(.*)$", re.IGNORECASE | re.DOTALL)
_SP_HT = re.compile(r"[ \t]")
_END_OF_DATA = b"\r\n.\r\n"

#: (state, input) -> (next state, guard or None): ``TRANSITIONS`` with ``GUARDS`` folded in, so
#: that a command costs one lookup. Derived from the tables in states.py, which stay the source.
_MOVES: dict[tuple[State, Input], tuple[State, tuple[str, ReplyKind] | None]] = {
    (state, inp): (target, GUARDS.get((state, inp))) for state, inp, target in transitions()
}
_AFTER_DATA = TRANSITIONS[State.DATA][Input.END_OF_DATA]

# Enum members read on every command, bound once: ``State.CLOSED`` is an attribute lookup
# through the enum's metaclass, several times the cost of reading a global.
_READY, _DATA, _CLOSED = State.READY, State.DATA, State.CLOSED
_NEED_DATA = Signal.NEED_DATA

Outcome = tuple[Reply, bool, str | None]  # what a command handler returns: reply, accepted, note
Params = tuple[tuple[str, str | None], ...]  # MAIL/RCPT parameters: (("SIZE", "1000"), ...)

# The events this engine builds, constructed without their __init__ checks (see records.py):
# the values are the engine's own (an upper-cased verb, a Reply, a State, ...).
_Command = unchecked_constructor(Command)
_CommandReplied = unchecked_constructor(CommandReplied)
_Greeting = unchecked_constructor(Greeting)
_MessageReceived = unchecked_constructor(MessageReceived)
_ConnectionClosed = unchecked_constructor(ConnectionClosed)
_Envelope = unchecked_constructor(Envelope)


class ServerConnection:
    """One SMTP session seen from the server. See the module docstring for the loop."""

    __slots__ = (
        "_data", "_data_dropped", "_data_scan", "_discarding", "_events", "_in", "_out",
        "_peer_closed", "_rcpt_rejected", "_refusing", "_shared", "client_ip", "date",
        "debug_mode", "envelope", "error_count", "esmtp", "helo_name", "hostname",
        "messages_accepted", "personality", "policy", "state",
    )

    def __init__(
        self,
        personality: Personality | str = DEFAULT_PERSONALITY,
        hostname: str = "mail.example.com",
        policy: MailPolicy | None = None,
        *,
        client_ip: str = "192.0.2.1",
        date: str = DEFAULT_DATE,
    ) -> None:
        if isinstance(personality, str):
            personality = get_personality(personality)
        self.personality = personality
        self.hostname = hostname
        self.policy = policy if policy is not None else default_policy(hostname)
        self.client_ip = client_ip
        self.date = date
        self.state = State.CONNECTED
        self.envelope = _blank_envelope(None, False)
        self.helo_name: str | None = None
        self.esmtp = False
        self.debug_mode = False
        self.error_count = 0
        self.messages_accepted = 0
        self._in = bytearray()
        self._out = bytearray()
        self._events: deque[Event] = deque()
        self._peer_closed = False
        self._discarding: bytes | None = None  # prefix of an over-long command line
        self._rcpt_rejected = False
        self._refusing = False  # greeted with 554: only QUIT gets anything but 503
        self._data = bytearray()
        self._data_dropped = 0
        self._data_scan = 0
        self._shared = _shared(personality, hostname)
        self._greet()

    # -- the sans-IO interface ------------------------------------------------------------

    def receive_data(self, data: bytes) -> None:
        """Feed bytes from the client; ``b""`` means the client closed its side."""
        if self.state is _CLOSED:
            return
        if data:
            self._in += data
        else:
            self._peer_closed = True

    def next_event(self) -> Event | Signal:
        """The next thing that happened, or NEED_DATA / CLOSED."""
        events = self._events
        while not events:
            state = self.state
            if state is _CLOSED:
                return Signal.CLOSED
            if not self._in and not self._peer_closed:
                return _NEED_DATA  # nothing to read (the usual second call after a reply)
            progressed = self._process_data() if state is _DATA else self._process_command()
            if not progressed and not events:
                if self._peer_closed:
                    lost = self.state is _DATA
                    self._close("the client closed the connection", by_server=False, lost=lost)
                    break
                return _NEED_DATA
        return events.popleft()

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
            self._close("server shutdown", by_server=True, reply=reply,
                        lost=self.state is State.DATA)

    @property
    def closed(self) -> bool:
        return self.state is State.CLOSED

    @property
    def waiting_for_data(self) -> bool:
        return self.state is State.DATA

    # -- replies --------------------------------------------------------------------------

    def _reply(self, kind: ReplyKind, *, spec: ReplySpec | None = None,
               extra_lines: tuple[str, ...] = (), **fields: str) -> Reply:
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
            key = (key, self.helo_name, self.client_ip, self.date)
        reply = shared.replies.get(key)
        if reply is None:
            base = {
                "hostname": self.hostname,
                "client": self.helo_name or "",
                "ip": self.client_ip,
                "date": self.date,
                "size": shared.size,
            }
            base.update(fields)
            reply = render(
                spec or shared.specs[kind],
                enhanced_codes=self.personality.enhanced_codes,
                kind=kind,
                extra_lines=extra_lines,
                **base,
            )
            shared.remember(key, reply)
        return reply

    def _verdict(self, verdict: Verdict) -> Reply:
        return self._reply(verdict.kind, spec=verdict.spec, **verdict.fields)

    def _send(self, reply: Reply) -> None:
        self._out += reply.to_bytes()

    def _close(self, reason: str, *, by_server: bool, reply: Reply | None = None,
               lost: bool = False) -> None:
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
        reply = self._shared.greeting(self.date)
        self._send(reply)
        self._events.append(_Greeting(reply=reply))

    # -- command phase --------------------------------------------------------------------

    def _process_command(self) -> bool:
        buf = self._in
        limit = self.personality.max_command_line
        nl = buf.find(b"\n")
        if nl < 0:
            if len(buf) > limit:
                if self._discarding is None:
                    self._discarding = bytes(buf[:80])
                keep_cr = buf.endswith(b"\r")
                buf.clear()
                if keep_cr:
                    buf += b"\r"
            return False
        raw = bytes(buf[:nl])
        del buf[: nl + 1]
        if raw.endswith(b"\r"):
            raw = raw[:-1]
        if self._discarding is not None or len(raw) + 2 > limit:
            prefix = self._discarding if self._discarding is not None else raw[:80]
            self._discarding = None
            command = _Command(raw=prefix, verb="", argument="")
            self._answer(command, self._reply(K.LINE_TOO_LONG), self.state, False)
            return True
        self._handle_line(raw)
        return True

    def _handle_line(self, raw: bytes) -> None:
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
            reply = self._reply(K.BREAK_RULES)
            self._send(reply)
            self._events.append(_CommandReplied(
                command=command, reply=reply, state_before=state, state_after=State.CLOSED,
                accepted=False, note="an HTTP request or a header line sent as an SMTP command"))
            self._close("non-SMTP command", by_server=True, reply=reply, lost=False)
            return
        if self._in and p.forbid_unauth_pipelining and not self._may_pipeline():
            reply = self._reply(K.SYNC_ERROR)
            self._send(reply)
            self._events.append(_CommandReplied(
                command=command, reply=reply, state_before=state, state_after=State.CLOSED,
                accepted=False,
                note="the client sent more commands before the reply without PIPELINING"))
            self._close("improper pipelining", by_server=True, reply=reply)
            return
        inp = self._shared.verbs.get(verb)  # None: not a command, or not this server's
        if inp is None:
            note = None
            if verb == "DEBUG" and p.debug is DebugPolicy.NOTED:
                note = "DEBUG refused and logged: the Morris worm (1988) used it to run programs"
            reply = self._reply(K.UNKNOWN_COMMAND, line=_echo(stripped))
            self._answer(command, reply, state, False, note)
            return
        if self._refusing and inp is not Input.QUIT:
            self._answer(command, self._reply(K.BAD_SEQUENCE), state, False)
            return
        move = _MOVES.get((state, inp))
        if move is None:
            kind = refusal(state, inp)
            if kind is K.NEED_RCPT and state is State.MAIL and self._rcpt_rejected:
                kind = K.NO_VALID_RECIPIENTS
            self._answer(command, self._reply(kind), state, False)
            return
        target, guard = move
        if guard is not None and getattr(p, guard[0]):
            self._answer(command, self._reply(guard[1]), state, False)
            return
        reply, accepted, note = _HANDLERS[inp](self, argument)
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

    def _answer(self, command: Command, reply: Reply, before: State, accepted: bool,
                note: str | None = None) -> None:
        self._out += reply.to_bytes()
        # (positional: command, reply, state_before, state_after, accepted, note)
        self._events.append(_CommandReplied(command, reply, before, self.state, accepted, note))
        if reply.code >= 400 and self.state is not _CLOSED:
            self.error_count += 1
            if self.error_count >= self.personality.error_limit:
                last = self._reply(K.TOO_MANY_ERRORS)
                self._send(last)
                self._close("too many errors", by_server=True, reply=last)

    def _may_pipeline(self) -> bool:
        return self.esmtp and self.personality.offers("PIPELINING")

    def _reset_transaction(self) -> None:
        self.envelope = _blank_envelope(self.helo_name, self.esmtp)
        self._rcpt_rejected = False

    # -- command handlers: (reply, accepted, note) ----------------------------------------

    def _fault(self, stage: Stage, argument: str) -> Reply | None:
        verdict = self.policy.fault(stage, argument, self.envelope)
        return None if verdict is None else self._verdict(verdict)

    def _greeting_command(self, argument: str, esmtp: bool) -> tuple[Reply, bool, str | None]:
        if not argument:
            return self._reply(K.EHLO_SYNTAX if esmtp else K.HELO_SYNTAX), False, None
        fault = self._fault(Stage.HELO, argument)
        if fault is not None and fault.code >= 400:
            return fault, False, None
        self.helo_name = _first_word(argument)
        self.esmtp = esmtp
        if not esmtp:
            return self._reply(K.HELO_OK), True, None
        return self._reply(K.EHLO_OK, extra_lines=self._shared.ehlo_lines), True, None

    def _helo(self, argument: str) -> tuple[Reply, bool, str | None]:
        return self._greeting_command(argument, esmtp=False)

    def _ehlo(self, argument: str) -> tuple[Reply, bool, str | None]:
        return self._greeting_command(argument, esmtp=True)

    def _path(self, argument: str, pattern: re.Pattern[str], syntax: ReplyKind,
              bad: ReplyKind) -> tuple[Address, Params] | Reply:
        brackets = self.personality.require_angle_brackets
        key = (argument, pattern, brackets)
        parsed = _PATHS.get(key)  # clients name the same mailboxes again and again
        if parsed is not None:
            return parsed
        match = pattern.match(argument)
        if match is None:
            return self._reply(syntax)
        text = match.group(1)
        try:
            path, rest = split_path(text, require_brackets=brackets)
        except AddressError as exc:
            if exc.too_long:
                return self._reply(K.ADDRESS_TOO_LONG, address=text[:60])
            return self._reply(syntax)
        try:
            address = Address.parse(path)
        except AddressError as exc:
            kind = K.ADDRESS_TOO_LONG if exc.too_long else bad
            return self._reply(kind, address=f"<{path[:60]}>")
        parsed = address, parse_params(rest)
        if len(_PATHS) >= _MAX_PATHS:
            _PATHS.clear()
        _PATHS[key] = parsed
        return parsed

    def _mail(self, argument: str) -> tuple[Reply, bool, str | None]:
        parsed = self._path(argument, _FROM, K.MAIL_SYNTAX, K.BAD_SENDER_SYNTAX)
        if isinstance(parsed, Reply):
            return parsed, False, None
        address, params = parsed
        text = str(address)
        shown = f"<{text}>"
        unqualified = address.domain is None and not address.is_null
        if unqualified and not self.personality.allow_unqualified:
            return self._reply(K.DOMAIN_REQUIRED, address=shown), False, None
        problem = self._mail_params(params) if params else None
        if problem is not None:
            return problem, False, None
        fault = self._fault(Stage.MAIL, text)
        if fault is not None:
            return fault, fault.code < 400, None
        verdict = self.policy.check_sender(address, self.envelope, self.client_ip)
        if not verdict.accepted:
            return self._verdict(verdict), False, verdict.note
        self.envelope = _Envelope(sender=address, recipients=(), mail_params=params,
                                  helo_name=self.helo_name, esmtp=self.esmtp)
        self._rcpt_rejected = False
        fields = {"address": shown, **verdict.fields}
        return self._reply(verdict.kind, spec=verdict.spec, **fields), True, verdict.note

    def _mail_params(self, params: tuple[tuple[str, str | None], ...]) -> Reply | None:
        p = self.personality
        for key, value in params:
            option = key if value is None else f"{key}={value}"
            if not self.esmtp:
                return self._reply(K.UNSUPPORTED_OPTION, option=option)
            if key == "SIZE" and p.offers("SIZE"):
                if value is None or not value.isdigit():
                    return self._reply(K.MAIL_SYNTAX)
                if int(value) > p.max_message_size:
                    return self._reply(K.MESSAGE_SIZE_EXCEEDS)
            elif key == "BODY" and p.offers("8BITMIME"):
                if (value or "").upper() not in ("7BIT", "8BITMIME"):
                    return self._reply(K.UNSUPPORTED_OPTION, option=option)
            else:
                return self._reply(K.UNSUPPORTED_OPTION, option=option)
        return None

    def _rcpt(self, argument: str) -> tuple[Reply, bool, str | None]:
        parsed = self._path(argument, _TO, K.RCPT_SYNTAX, K.BAD_RECIPIENT_SYNTAX)
        if isinstance(parsed, Reply):
            if self.debug_mode and _is_pipe(argument):
                return self._pipe_recipient(argument)
            return parsed, False, None
        address, params = parsed
        text = str(address)
        shown = f"<{text}>"
        if params:
            key, value = params[0]
            option = key if value is None else f"{key}={value}"
            return self._reply(K.UNSUPPORTED_OPTION, option=option), False, None
        if self.debug_mode and _is_pipe(address.local):
            return self._pipe_recipient(argument)
        if (address.domain is None and not address.is_postmaster
                and not self.personality.allow_unqualified):
            return self._reply(K.DOMAIN_REQUIRED, address=shown), False, None
        if len(self.envelope.recipients) >= self.personality.max_recipients:
            return self._reply(K.TOO_MANY_RECIPIENTS), False, None
        fault = self._fault(Stage.RCPT, text)
        if fault is not None and fault.code >= 400:
            self._rcpt_rejected = True
            return fault, False, None
        verdict = self.policy.check_recipient(address, self.envelope, self.client_ip)
        if not verdict.accepted:
            self._rcpt_rejected = True
            return self._verdict(verdict), False, verdict.note
        self._add_recipient(address)
        fields = {"address": shown, **verdict.fields}
        return self._reply(verdict.kind, spec=verdict.spec, **fields), True, verdict.note

    def _add_recipient(self, address: Address) -> None:
        e = self.envelope  # (what dataclasses.replace does, at a fraction of its cost)
        self.envelope = _Envelope(sender=e.sender, recipients=(*e.recipients, address),
                                  mail_params=e.mail_params, helo_name=e.helo_name, esmtp=e.esmtp)

    def _pipe_recipient(self, argument: str) -> tuple[Reply, bool, str | None]:
        text = _TO.match(argument)
        shown = (text.group(1) if text else argument).strip()
        self._add_recipient(Address(shown.strip("<>"), None))
        note = ("DEBUG mode: in 1988 this recipient was a pipe into a program and sendmail ran "
                "it; the simulator records it and executes nothing")
        return self._reply(K.RCPT_PIPE_OK, address=shown), True, note

    def _data_cmd(self, argument: str) -> tuple[Reply, bool, str | None]:
        if argument:
            return self._reply(K.NO_ARGUMENT_ALLOWED, verb="DATA"), False, None
        fault = self._fault(Stage.DATA, "")
        if fault is not None and fault.code >= 400:
            return fault, False, None
        return self._reply(K.DATA_START), True, None

    def _rset(self, argument: str) -> tuple[Reply, bool, str | None]:
        if argument:
            return self._reply(K.NO_ARGUMENT_ALLOWED, verb="RSET"), False, None
        return self._reply(K.RSET_OK), True, None

    def _noop(self, argument: str) -> tuple[Reply, bool, str | None]:
        return self._reply(K.NOOP_OK), True, None  # NOOP ignores its argument (4.1.1.9)

    def _quit(self, argument: str) -> tuple[Reply, bool, str | None]:
        if argument:
            return self._reply(K.NO_ARGUMENT_ALLOWED, verb="QUIT"), False, None
        return self._reply(K.BYE), True, None

    def _vrfy(self, argument: str) -> tuple[Reply, bool, str | None]:
        policy = self.personality.vrfy
        if policy is VrfyPolicy.DISABLED:
            return self._reply(K.VRFY_DISABLED), True, None
        if not argument:
            return self._reply(K.VRFY_SYNTAX), False, None
        if policy is VrfyPolicy.AMBIGUOUS:
            return self._reply(K.VRFY_AMBIGUOUS, argument=argument), True, None
        if policy is VrfyPolicy.CHECKED_252:
            if self.policy.is_unknown_local(argument):
                return self._reply(K.VRFY_UNKNOWN, argument=argument,
                                   address=self._qualified(argument)), True, None
            return self._reply(K.VRFY_AMBIGUOUS, argument=argument), True, None
        found = self.policy.verify(argument)
        if found is None:
            if self.policy.is_unknown_local(argument):
                return self._reply(K.VRFY_UNKNOWN, argument=argument,
                                   address=self._qualified(argument)), True, None
            if not self.personality.esmtp:
                # RFC 821 (section 3.3) had no 252: VRFY of a mailing list may answer with its
                # members, as EXPN does, and a 1988 sendmail did.
                members = self.policy.expand(argument)
                if members:
                    first, *rest = [f"{name} <{addr}>" for name, addr in members]
                    note = ("VRFY of a list answered with its members, as RFC 821 allowed: "
                            "another way addresses were harvested (RFC 2505)")
                    reply = self._reply(K.VRFY_OK, address=first, extra_lines=tuple(rest))
                    return reply, True, note
            return self._reply(K.VRFY_AMBIGUOUS, argument=argument), True, None
        name, address = found
        return self._reply(K.VRFY_OK, address=f"{name} <{address}>"), True, None

    def _qualified(self, argument: str) -> str:
        text = argument.strip().strip("<>")
        try:
            return f"<{self.policy.qualify(Address.parse(text))}>"
        except AddressError:
            return f"<{text}>"

    def _expn(self, argument: str) -> tuple[Reply, bool, str | None]:
        if self.personality.expn is ExpnPolicy.DISABLED:
            return self._reply(K.EXPN_DISABLED), True, None
        if not argument:
            return self._reply(K.EXPN_SYNTAX), False, None
        members = self.policy.expand(argument)
        if not members:
            return self._reply(K.EXPN_UNKNOWN, argument=argument), True, None
        first, *rest = [f"{name} <{addr}>" for name, addr in members]
        note = "EXPN revealed a list's members: spammers harvested addresses this way (RFC 2505)"
        return self._reply(K.EXPN_OK, address=first, extra_lines=tuple(rest)), True, note

    def _help(self, argument: str) -> tuple[Reply, bool, str | None]:
        verbs = sorted(self._shared.verbs)  # the commands this server implements
        if self.personality.help is HelpStyle.LIST:
            return self._reply(K.HELP_OK, argument="Commands: " + " ".join(verbs)), True, None
        topic = _first_word(argument).upper()
        if not topic:
            lines = (
                f"This is {self.personality.name} (simulated)",
                "Topics:",
                "    " + "  ".join(verbs),
                'For more info use "HELP <topic>".',
                "End of HELP info",
            )
            return self._reply(K.HELP_OK, argument=lines[0], extra_lines=lines[1:]), True, None
        info = COMMANDS.get(topic)
        if info is None or topic not in verbs:
            return self._reply(K.HELP_UNKNOWN_TOPIC, argument=_first_word(argument)), False, None
        lines = (info.syntax, f"    {info.purpose}", "End of HELP info")
        return self._reply(K.HELP_OK, argument=lines[0], extra_lines=lines[1:]), True, None

    def _debug(self, argument: str) -> tuple[Reply, bool, str | None]:
        self.debug_mode = True
        note = ("DEBUG accepted: this is the hole the Morris worm (1988) used; a recipient may now "
                "be a pipe to a program")
        return self._reply(K.DEBUG_OK), True, note

    # -- DATA phase -----------------------------------------------------------------------

    def _process_data(self) -> bool:
        if not self._in:
            return False
        data = self._data
        data += self._in
        self._in.clear()
        if self._data_dropped == 0 and data.startswith(b".\r\n"):
            end = -2  # an empty message: the DATA line's CRLF precedes the dot
        else:
            found = data.find(_END_OF_DATA, self._data_scan)
            if found < 0:
                self._data_scan = max(0, len(data) - 4)
                limit = self.personality.max_message_size
                if len(data) > limit + 8:  # keep memory bounded; the 552 comes after the dot
                    drop = len(data) - 4
                    self._data_dropped += drop
                    del data[:drop]
                    self._data_scan = 0
                return True
            end = found
        raw = bytes(data[: end + 2]) if end >= 0 else b""
        self._in[:0] = data[end + 5 :] if end >= 0 else data[3:]
        data.clear()
        self._finish_data(raw)
        return True

    def _finish_data(self, raw: bytes) -> None:
        p = self.personality
        size = len(raw) + self._data_dropped
        params = self.envelope.mail_params
        declared = dict(params).get("SIZE") if params else None
        kind: ReplyKind | None = None
        if size > p.max_message_size or (declared and declared.isdigit() and size > int(declared)
                                         and size > p.max_message_size):
            kind = K.MESSAGE_TOO_BIG
        elif raw and _has_long_line(raw, p.max_data_line - 2):
            kind = K.DATA_LINE_TOO_LONG
        elif p.bare_linefeed is BareLinefeed.REJECT and (
            raw.count(b"\n") != raw.count(b"\r\n") or raw.count(b"\r") != raw.count(b"\r\n")
        ):
            kind = K.BARE_LF_REJECTED
        content = raw[1:] if raw.startswith(b".") else raw
        content = content.replace(b"\r\n.", b"\r\n")
        envelope = self.envelope
        if kind is not None:
            reply = self._reply(kind)
            accepted = False
            queue_id = None
            content = b""
        else:
            fault = self._fault(Stage.END_OF_DATA, "")
            verdict = self.policy.accept_message(envelope, content) if fault is None else None
            reply = fault if fault is not None else self._verdict(verdict)
            accepted = reply.code < 400
            queue_id = verdict.fields.get("queue_id") if verdict is not None else None
        self._send(reply)
        self.state = _AFTER_DATA
        self._reset_transaction()
        if accepted:
            self.messages_accepted += 1
        self._events.append(_MessageReceived(envelope=envelope, content=content, reply=reply,
                                            accepted=accepted, queue_id=queue_id, size=size))
        if reply.code >= 400:
            self.error_count += 1


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


def _first_word(text: str) -> str:
    """Up to the first SMTP space (SP or HTAB; str.split() would also split on U+00A0 and
    friends, and find no word at all in an argument made only of them)."""
    if "\t" not in text:
        return text.partition(" ")[0]
    return _SP_HT.split(text, maxsplit=1)[0]


def _echo(line: str) -> str:
    """A command line fit to quote in a reply (sendmail's ``Command unrecognized: "..."``): a
    reply may not hold CR or LF, and sendmail shortens long lines (``shortenstring``)."""
    line = _CONTROL.sub("?", line)
    return line if len(line) <= 203 else f"{line[:100]}...{line[-100:]}"


def _is_pipe(text: str) -> bool:
    t = text.strip().lstrip("<").lstrip('"').lstrip()
    if t.upper().startswith("TO:"):
        t = t[3:].strip().lstrip("<").lstrip('"').lstrip()
    return t.startswith("|")


_HANDLERS: dict[Input, Callable[[ServerConnection, str], Outcome]] = {
    Input.HELO: ServerConnection._helo,
    Input.EHLO: ServerConnection._ehlo,
    Input.MAIL: ServerConnection._mail,
    Input.RCPT: ServerConnection._rcpt,
    Input.DATA: ServerConnection._data_cmd,
    Input.RSET: ServerConnection._rset,
    Input.NOOP: ServerConnection._noop,
    Input.VRFY: ServerConnection._vrfy,
    Input.EXPN: ServerConnection._expn,
    Input.HELP: ServerConnection._help,
    Input.QUIT: ServerConnection._quit,
    Input.DEBUG: ServerConnection._debug,
}


def _implemented(p: Personality, verb: str) -> bool:
    if verb == "EHLO":
        return p.esmtp
    if verb == "EXPN":
        return p.expn is not ExpnPolicy.UNRECOGNIZED
    if verb == "HELP":
        return p.help is not HelpStyle.NONE
    if verb == "DEBUG":
        return p.debug is DebugPolicy.ENABLED
    return True


def _personal(template: str) -> bool:
    """True when a template may name a field that differs between the connections of one
    server: the client's HELO name, its IP address or the date (conservative: a substring)."""
    return "{client" in template or "{ip" in template or "{date" in template


@lru_cache(maxsize=256)
def _blank_envelope(helo_name: str | None, esmtp: bool) -> Envelope:
    """The envelope of a session with no transaction open (immutable, so shared)."""
    return Envelope(helo_name=helo_name, esmtp=esmtp)


#: (MAIL or RCPT argument, _FROM or _TO, angle brackets required) -> the parsed path and its
#: parameters; only paths that parse are kept, so a bad one is diagnosed afresh each time.
_PATHS: dict[tuple[str, re.Pattern[str], bool], tuple[Address, Params]] = {}
_MAX_PATHS = 1024  # the cache starts over when full

_MAX_SHARED = 64  # personality/hostname pairs
_MAX_REPLIES = 512  # rendered replies per pair (a queue id makes a new one per message); the
# cache starts over when full


class _Shared:
    """What every connection of one personality at one hostname shares, worked out once: the
    template of each reply kind, the verbs the personality implements, its EHLO keywords, and
    the replies rendered so far (a Reply keeps its wire bytes), so that a reply is formatted
    once rather than once per connection. Personalities are immutable records."""

    __slots__ = ("_banner_dated", "ehlo_lines", "greetings", "hostname", "personal", "personality",
                 "replies", "size", "specs", "verbs")

    def __init__(self, personality: Personality, hostname: str) -> None:
        self.personality = personality
        self.hostname = hostname
        self.specs = {kind: personality.reply(kind) for kind in ReplyKind}
        self.personal = frozenset(k for k, spec in self.specs.items() if _personal(spec.text))
        self.verbs = {v: Input(v) for v in COMMAND_VERBS if _implemented(personality, v)}
        self.ehlo_lines = tuple(personality.ehlo_keywords())
        self.size = str(personality.max_message_size)
        self.replies: dict[object, Reply] = {}  # see ServerConnection._reply for the keys
        self.greetings: dict[str | None, Reply] = {}  # by date, or None for a dateless banner
        self._banner_dated = "{date" in personality.banner

    def remember(self, key: object, reply: Reply) -> None:
        if len(self.replies) >= _MAX_REPLIES:
            self.replies.clear()
        self.replies[key] = reply

    def greeting(self, date: str) -> Reply:
        """The 220 banner (no enhanced code, RFC 2034 section 3), with the hostname and date."""
        key = date if self._banner_dated else None
        reply = self.greetings.get(key)
        if reply is None:
            reply = render(
                ReplySpec(220, None, self.personality.banner),
                enhanced_codes=False,
                kind=K.GREETING,
                hostname=self.hostname,
                date=date,
            )
            if len(self.greetings) >= _MAX_REPLIES:
                self.greetings.clear()
            self.greetings[key] = reply
        return reply


_SHARED: dict[tuple[int, str], _Shared] = {}


def _shared(personality: Personality, hostname: str) -> _Shared:
    # Keyed by id(): a Personality holds dicts and is not hashable. The entry keeps the
    # personality alive, so no other object can take its id while the entry exists.
    key = (id(personality), hostname)
    found = _SHARED.get(key)
    if found is None or found.personality is not personality:
        if len(_SHARED) >= _MAX_SHARED:
            _SHARED.clear()
        found = _SHARED[key] = _Shared(personality, hostname)
    return found
