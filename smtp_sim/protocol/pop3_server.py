"""The sans-IO POP3 server engine (RFC 1939): bytes in, events and reply bytes out, no sockets.

    conn = Pop3ServerConnection("mail.cs.tcd.ie", provider)
    conn.receive_data(b"USER bob\\r\\n")
    while (event := conn.next_event()) not in (Signal.NEED_DATA, Signal.CLOSED): ...
    wire.write(conn.data_to_send())

Like :class:`~smtp_sim.protocol.server.ServerConnection`: ``receive_data(b"")`` says the peer
closed; several pipelined commands in one chunk need no special case. The state changes only
through :data:`TRANSITIONS`; every reply text comes from :mod:`.pop3_replies`. The engine knows
nothing of the simulated world: it asks a :class:`MaildropProvider` to check a password and
hand over a :class:`Maildrop`, and tells the maildrop which messages to delete at QUIT.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable
from typing import NamedTuple

from .errors import LocalProtocolError
from .events import Command, Event, Signal
from .pop3_events import (
    Maildrop,
    MaildropProvider,
    MemoryMaildrop,
    MemoryProvider,
    Pop3Closed,
    Pop3CommandReplied,
    Pop3Greeting,
)
from .pop3_replies import Pop3Reply, Pop3ReplyKind, render_pop3
from .pop3_states import BUDGETED_STATES, POP3_VERBS, TRANSITIONS, Pop3Input, Pop3State, diagram
from .receiver import LineReceiver

__all__ = [
    "CAPABILITIES",
    "MAX_COMMAND_LINE",
    "POP3_VERBS",
    "TRANSITIONS",
    "Maildrop",
    "MaildropProvider",
    "MemoryMaildrop",
    "MemoryProvider",
    "Pop3Closed",
    "Pop3CommandReplied",
    "Pop3Greeting",
    "Pop3Input",
    "Pop3Reply",
    "Pop3ReplyKind",
    "Pop3ServerConnection",
    "Pop3State",
    "Signal",
    "diagram",
    "wire_form",
]

K = Pop3ReplyKind
MAX_COMMAND_LINE = 255  # octets including CRLF (RFC 2449 section 4)
ERROR_LIMIT = 10
#: Failed passwords before the server hangs up. Dovecot's pop3-login closes after 3 bad
#: commands in a row (CLIENT_MAX_BAD_COMMANDS, src/pop3-login/client.c, 2.3.19).
MAX_AUTH_FAILURES = 3
#: RESP-CODES: replies may carry [SYS/TEMP], [AUTH]... (RFC 2449 sections 6.4 and 8);
#: Dovecot 2.3 lists it too.
CAPABILITIES = (b"USER", b"TOP", b"UIDL", b"RESP-CODES", b"PIPELINING")
#: Mistakes about one message (no such number, already deleted): the session goes on and
#: they do not count towards the error budget, which is for commands the server cannot use.
NOT_COUNTED = frozenset({Pop3ReplyKind.NO_SUCH_MESSAGE, Pop3ReplyKind.ALREADY_DELETED})
_UID = re.compile(rb"^[\x21-\x7e]{1,70}$")  # RFC 1939 section 7 (UIDL)
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


#: RFC 1939 section 3: a server's autologout timer is at least 10 minutes.
IDLE_TIMEOUT = 600.0


class _Outcome(NamedTuple):
    reply: Pop3Reply
    accepted: bool
    uid: str | None = None
    note: str | None = None


def wire_form(data: bytes) -> bytes:
    """A message with CRLF line endings, ending in CRLF: what RETR sends before stuffing
    (and what its size counts, RFC 1939 section 11)."""
    out = re.sub(rb"\r?\n", b"\r\n", data)
    return out if not out or out.endswith(b"\r\n") else out + b"\r\n"


def _snapshot(maildrop: Maildrop) -> tuple[list[tuple[str, int]], Callable[[str], bytes]]:
    """The maildrop at login: (unique-id, size) per message, and how to read one (its wire
    form). A maildrop with ``listing()`` and ``load()`` hands over sizes only, so a big one is
    not read into memory at login; any other is copied."""
    listing = getattr(maildrop, "listing", None)
    load = getattr(maildrop, "load", None)
    if listing is not None and load is not None:
        return list(listing()), lambda uid: wire_form(load(uid))
    copies = {uid: wire_form(data) for uid, data in maildrop.messages}
    return [(uid, len(data)) for uid, data in copies.items()], copies.__getitem__


# -- the engine -------------------------------------------------------------------------------


class Pop3ServerConnection:
    """One POP3 session seen from the server. See the module docstring for the loop."""

    def __init__(
        self,
        hostname: str,
        maildrop_provider: MaildropProvider,
        *,
        banner: str | None = None,
        error_limit: int = ERROR_LIMIT,
        max_auth_failures: int = MAX_AUTH_FAILURES,
        max_command_line: int = MAX_COMMAND_LINE,
    ) -> None:
        self.hostname = hostname
        self.provider = maildrop_provider
        self.error_limit = error_limit
        self.max_auth_failures = max_auth_failures
        #: Failed PASS commands so far. The caller may delay the reply to each (smtp-sim
        #: serve's bridge waits as Dovecot does); the engine reads no clock.
        self.auth_failures = 0
        self.max_command_line = max_command_line
        self.state = Pop3State.AUTHORIZATION
        self.user: str | None = None  # after PASS: whose maildrop is open
        self.maildrop: Maildrop | None = None
        self.error_count = 0
        self._pending_user: str | None = None  # set by a successful USER
        self._previous_user: str | None = None  # ... and seen by the very next command only
        self._messages: list[tuple[str, int]] = []  # (uid, size) at login, numbered from 1
        self._load: Callable[[str], bytes] = lambda uid: b""  # a message's wire form
        self._marked: set[int] = set()  # message numbers marked with DELE
        self._in = LineReceiver()
        self._out = bytearray()
        self._events: deque[Event] = deque()
        reply = render_pop3(K.GREETING, text=banner, hostname=hostname)
        self._out += reply.to_bytes()
        self._events.append(Pop3Greeting(reply=reply))

    # -- the sans-IO interface ------------------------------------------------------------

    def receive_data(self, data: bytes) -> None:
        """Feed bytes from the client; ``b""`` means the client closed its side."""
        if self.state is Pop3State.CLOSED:
            return
        if data:
            self._in += data
        else:
            self._in.closed = True

    def next_event(self) -> Event | Signal:
        """The next thing that happened, or NEED_DATA / CLOSED."""
        while not self._events:
            if self.state is Pop3State.CLOSED:
                return Signal.CLOSED
            if not self._process_line():
                if self._in.closed:
                    self._close("the client closed the connection", by_server=False)
                    break
                return Signal.NEED_DATA
        return self._events.popleft()

    def data_to_send(self) -> bytes:
        """The reply bytes produced so far, removed from the outgoing buffer."""
        out = bytes(self._out)
        self._out.clear()
        return out

    def timeout(self) -> None:
        """The client was idle too long (RFC 1939 section 3): -ERR and close, no UPDATE."""
        if self.state is not Pop3State.CLOSED:
            reply = render_pop3(K.AUTOLOGOUT)
            self._out += reply.to_bytes()
            self._close("autologout", by_server=True, reply=reply)

    @property
    def closed(self) -> bool:
        return self.state is Pop3State.CLOSED

    @property
    def marked(self) -> tuple[str, ...]:
        """The unique-ids marked for deletion so far."""
        return tuple(self._messages[n - 1][0] for n in sorted(self._marked))

    # -- reading lines --------------------------------------------------------------------

    def _process_line(self) -> bool:
        line = self._in.line(self.max_command_line, 80)
        if line is None:
            return False
        raw, too_long = line
        if too_long:  # the -ERR comes at the line's end
            command = Command(raw=raw, verb="", argument="")
            self._answer(command, render_pop3(K.LINE_TOO_LONG), self.state)
            return True
        self._handle_line(raw)
        return True

    def _handle_line(self, raw: bytes) -> None:
        state = self.state
        # PASS must come straight after a successful USER (RFC 1939 section 7).
        self._previous_user, self._pending_user = self._pending_user, None
        text = raw.decode("utf-8", "replace")
        word, _, rest = text.partition(" ")
        verb = word.upper() if word.isascii() and word.isprintable() else ""
        argument = rest if verb == "PASS" else rest.strip(" ")
        command = Command(raw=raw, verb=verb, argument=argument)
        if verb not in POP3_VERBS or _CONTROL.search(text):
            self._answer(command, render_pop3(K.UNKNOWN_COMMAND), state)
            return
        inp = Pop3Input(verb)
        target = TRANSITIONS[state].get(inp)
        if target is None:
            self._answer(command, render_pop3(K.WRONG_STATE, verb=verb, state=state.value), state)
            return
        outcome = HANDLERS[inp](self, argument)
        deleted: tuple[str, ...] = ()
        if outcome.accepted:
            self.state = target
            if target is Pop3State.UPDATE:  # QUIT after login: its goodbye comes from UPDATE
                outcome, deleted = self._update()
        self._answer(command, outcome.reply, state, outcome.uid, deleted, outcome.note)
        if outcome.accepted and inp is Pop3Input.QUIT:
            self._close("QUIT", by_server=True, reply=outcome.reply, via=Pop3Input.COMMIT)

    def _answer(
        self,
        command: Command,
        reply: Pop3Reply,
        before: Pop3State,
        uid: str | None = None,
        deleted: tuple[str, ...] = (),
        note: str | None = None,
    ) -> None:
        self._out += reply.to_bytes()
        self._events.append(
            Pop3CommandReplied(
                command=command,
                reply=reply,
                state_before=before,
                state_after=self.state,
                uid=uid,
                deleted=deleted,
                note=note,
            )
        )
        if reply.kind is K.PASS_BAD:
            self.auth_failures += 1
            if self.auth_failures >= self.max_auth_failures:
                last = render_pop3(K.TOO_MANY_AUTH_FAILURES)
                self._out += last.to_bytes()
                self._close("too many failed logins", by_server=True, reply=last)
        elif not reply.ok and self.state in BUDGETED_STATES and reply.kind not in NOT_COUNTED:
            self.error_count += 1
            if self.error_count >= self.error_limit:
                last = render_pop3(K.TOO_MANY_ERRORS)
                self._out += last.to_bytes()
                self._close("too many errors", by_server=True, reply=last)

    def _close(
        self,
        reason: str,
        *,
        by_server: bool,
        reply: Pop3Reply | None = None,
        via: Pop3Input = Pop3Input.CLOSE,
    ) -> None:
        updated = self.state is Pop3State.UPDATE
        # QUIT before login already moved to CLOSED; every other way out is in the table.
        self.state = TRANSITIONS[self.state].get(via, Pop3State.CLOSED)
        self._in.clear()
        self._pending_user = None
        self._events.append(
            Pop3Closed(reason=reason, by_server=by_server, reply=reply, updated=updated)
        )

    # -- the maildrop ---------------------------------------------------------------------

    def _live(self) -> list[int]:
        return [n for n in range(1, len(self._messages) + 1) if n not in self._marked]

    def _totals(self) -> tuple[int, int]:
        """The messages not marked for deletion: how many, and their size in octets."""
        live = self._live()
        return len(live), sum(self._messages[n - 1][1] for n in live)

    def _number(self, text: str, syntax: str) -> int | _Outcome:
        if not text.isdigit() or not text.isascii():
            return _Outcome(render_pop3(K.SYNTAX, syntax=syntax), False)
        n = int(text)
        if not 1 <= n <= len(self._messages):
            return _Outcome(render_pop3(K.NO_SUCH_MESSAGE, count=len(self._messages)), False)
        if n in self._marked:
            return _Outcome(render_pop3(K.ALREADY_DELETED, msg=n), False)
        return n

    def _update(self) -> tuple[_Outcome, tuple[str, ...]]:
        """The UPDATE state: remove the marked messages, then say goodbye."""
        uids = self.marked
        if uids and self.maildrop is not None and self.maildrop.delete(uids) is False:
            return _Outcome(render_pop3(K.UPDATE_FAILED), True), uids
        left = len(self._messages) - len(uids)
        text = "maildrop empty" if left == 0 else f"{left} message{'s' * (left != 1)} left"
        return _Outcome(render_pop3(K.QUIT_UPDATED, hostname=self.hostname, left=text), True), uids


# -- command handlers: functions of the connection, as the SMTP engine's (server_commands.py)


def _no_argument(conn: Pop3ServerConnection, argument: str, verb: str) -> _Outcome | None:
    return _Outcome(render_pop3(K.SYNTAX, syntax=verb), False) if argument else None


def _user(conn: Pop3ServerConnection, argument: str) -> _Outcome:
    if not argument:
        return _Outcome(render_pop3(K.SYNTAX, syntax="USER name"), False)
    conn._pending_user = argument
    return _Outcome(render_pop3(K.USER_OK, user=argument), True)


def _pass(conn: Pop3ServerConnection, argument: str) -> _Outcome:
    user = conn._previous_user
    if user is None:
        return _Outcome(render_pop3(K.NEED_USER), False)
    if not argument:
        return _Outcome(render_pop3(K.SYNTAX, syntax="PASS string"), False)
    maildrop = conn.provider.authenticate(user, argument)
    if maildrop is None:
        return _Outcome(
            render_pop3(K.PASS_BAD),
            False,
            note=("wrong name or password: the password crossed the network in plain text"),
        )
    messages, conn._load = _snapshot(maildrop)
    for uid, _ in messages:
        if not _UID.match(uid.encode("utf-8", "replace")):
            raise LocalProtocolError(
                f"maildrop unique-id {uid!r} is not 1-70 printable "
                f"ASCII characters (RFC 1939 section 7)"
            )
    conn.user, conn.maildrop, conn._messages = user, maildrop, messages
    conn._marked.clear()
    count, size = conn._totals()
    return _Outcome(render_pop3(K.PASS_OK, user=user, count=count, size=size), True)


def _quit(conn: Pop3ServerConnection, argument: str) -> _Outcome:
    # Words after QUIT are ignored: the client wants to go (Dovecot does the same).
    return _Outcome(render_pop3(K.QUIT_OK, hostname=conn.hostname), True)


def _capa(conn: Pop3ServerConnection, argument: str) -> _Outcome:
    return _no_argument(conn, argument, "CAPA") or _Outcome(
        render_pop3(K.CAPA_OK, lines=CAPABILITIES), True
    )


def _stat(conn: Pop3ServerConnection, argument: str) -> _Outcome:
    bad = _no_argument(conn, argument, "STAT")
    if bad is not None:
        return bad
    count, size = conn._totals()
    return _Outcome(render_pop3(K.STAT_OK, count=count, size=size), True)


def _noop(conn: Pop3ServerConnection, argument: str) -> _Outcome:
    return _no_argument(conn, argument, "NOOP") or _Outcome(render_pop3(K.NOOP_OK), True)


def _rset(conn: Pop3ServerConnection, argument: str) -> _Outcome:
    bad = _no_argument(conn, argument, "RSET")
    if bad is not None:
        return bad
    conn._marked.clear()
    count, size = conn._totals()
    return _Outcome(render_pop3(K.RSET_OK, count=count, size=size), True)


def _listing(
    conn: Pop3ServerConnection,
    argument: str,
    syntax: str,
    describe: Callable[[int], str],
    one: Pop3ReplyKind,
    every: Pop3ReplyKind,
    field: str,
) -> _Outcome:
    if not argument:
        lines = tuple(f"{n} {describe(n)}".encode() for n in conn._live())
        count, size = conn._totals()
        return _Outcome(render_pop3(every, lines=lines, count=count, size=size), True)
    if " " in argument:
        return _Outcome(render_pop3(K.SYNTAX, syntax=syntax), False)
    n = conn._number(argument, syntax)
    if isinstance(n, _Outcome):
        return n
    uid = conn._messages[n - 1][0]
    fields = {"msg": n, field: describe(n)}
    return _Outcome(render_pop3(one, lines=None, text=None, **fields), True, uid)


def _list(conn: Pop3ServerConnection, argument: str) -> _Outcome:
    return _listing(
        conn,
        argument,
        "LIST [msg]",
        lambda n: str(conn._messages[n - 1][1]),
        K.LIST_ONE,
        K.LIST_ALL,
        "size",
    )


def _uidl(conn: Pop3ServerConnection, argument: str) -> _Outcome:
    return _listing(
        conn,
        argument,
        "UIDL [msg]",
        lambda n: conn._messages[n - 1][0],
        K.UIDL_ONE,
        K.UIDL_ALL,
        "uid",
    )


def _message(
    conn: Pop3ServerConnection, argument: str, syntax: str
) -> tuple[int, str, bytes] | _Outcome:
    n = conn._number(argument, syntax)
    if isinstance(n, _Outcome):
        return n
    uid = conn._messages[n - 1][0]
    data = conn._load(uid)
    return n, uid, data


def _retr(conn: Pop3ServerConnection, argument: str) -> _Outcome:
    found = _message(conn, argument, "RETR msg")
    if isinstance(found, _Outcome):
        return found
    _, uid, data = found
    lines = tuple(data[:-2].split(b"\r\n")) if data else ()
    return _Outcome(render_pop3(K.RETR_OK, lines=lines, size=len(data)), True, uid)


def _top(conn: Pop3ServerConnection, argument: str) -> _Outcome:
    msg, _, count = argument.partition(" ")
    if not count.isdigit() or not count.isascii():
        return _Outcome(render_pop3(K.SYNTAX, syntax="TOP msg n"), False)
    found = _message(conn, msg, "TOP msg n")
    if isinstance(found, _Outcome):
        return found
    _, uid, data = found
    lines = data[:-2].split(b"\r\n") if data else []
    blank = lines.index(b"") if b"" in lines else len(lines)
    shown = tuple(lines[: blank + 1 + int(count)])
    return _Outcome(render_pop3(K.TOP_OK, lines=shown), True, uid)


def _dele(conn: Pop3ServerConnection, argument: str) -> _Outcome:
    found = _message(conn, argument, "DELE msg")
    if isinstance(found, _Outcome):
        return found
    n, uid, _ = found
    conn._marked.add(n)
    return _Outcome(render_pop3(K.DELE_OK, msg=n), True, uid)


#: a command handler: the connection and the command's argument in, the outcome out
Pop3Handler = Callable[[Pop3ServerConnection, str], _Outcome]

#: Pop3Input -> handler (the state table, pop3_states.TRANSITIONS, says when each may run)
HANDLERS: dict[Pop3Input, Pop3Handler] = {
    Pop3Input.USER: _user,
    Pop3Input.PASS: _pass,
    Pop3Input.QUIT: _quit,
    Pop3Input.STAT: _stat,
    Pop3Input.LIST: _list,
    Pop3Input.UIDL: _uidl,
    Pop3Input.RETR: _retr,
    Pop3Input.DELE: _dele,
    Pop3Input.NOOP: _noop,
    Pop3Input.RSET: _rset,
    Pop3Input.TOP: _top,
    Pop3Input.CAPA: _capa,
}
