"""The SMTP server engine's command handlers: HELO/EHLO, MAIL, RCPT, DATA, RSET, NOOP, VRFY,
EXPN, HELP, QUIT and DEBUG: functions of the connection and the command's argument, each
returning (reply, accepted, note), in the table :data:`HANDLERS`; the engine
(:class:`ServerConnection`) picks the handler from its personality's table and moves the state.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from .address import Address, AddressError, parse_params, split_path
from .caching import BoundedCache
from .events import Envelope
from .explain import COMMANDS
from .personalities import ExpnPolicy, HelpStyle, VrfyPolicy
from .policy import Stage
from .records import unchecked_constructor
from .replies import Reply, ReplyKind
from .reply_texts import HELP_LIST, HELP_TOPIC, HELP_TOPICS
from .states import Input

if TYPE_CHECKING:
    from .server import ServerConnection

K = ReplyKind
_FROM = re.compile(r"^FROM:\s*(.*)$", re.IGNORECASE | re.DOTALL)
_TO = re.compile(r"^TO:\s*(.*)$", re.IGNORECASE | re.DOTALL)
_SP_HT = re.compile(r"[ \t]")
#: A space on either side of the colon (RFC 5321 section 3.3 permits none)
_SPACED = {
    _FROM: re.compile(r"^FROM(?:\s+:|:\s)", re.IGNORECASE),
    _TO: re.compile(r"^TO(?:\s+:|:\s)", re.IGNORECASE),
}

_Envelope = unchecked_constructor(Envelope)  # (bench_engine: see server.py's constructors)

Outcome = tuple[Reply, bool, str | None]  # what a command handler returns: reply, accepted, note
Params = tuple[tuple[str, str | None], ...]  # MAIL/RCPT parameters: (("SIZE", "1000"), ...)
#: a command handler: the connection and the command's argument in, the Outcome out
Handler = Callable[["ServerConnection", str], Outcome]


def fault_reply(conn: ServerConnection, stage: Stage, argument: str) -> Reply | None:
    verdict = conn.policy.fault(stage, argument, conn.envelope)
    return None if verdict is None else conn._verdict(verdict)


def greeting_command(
    conn: ServerConnection, argument: str, esmtp: bool
) -> tuple[Reply, bool, str | None]:
    if not argument:
        return conn._reply(K.EHLO_SYNTAX if esmtp else K.HELO_SYNTAX), False, None
    fault = fault_reply(conn, Stage.HELO, argument)
    if fault is not None and fault.code >= 400:
        return fault, False, None
    conn.helo_name = _first_word(argument)
    conn.esmtp = esmtp
    if not esmtp:
        return conn._reply(K.HELO_OK), True, None
    return conn._reply(K.EHLO_OK, extra_lines=conn._shared.ehlo_lines), True, None


def _helo(conn: ServerConnection, argument: str) -> tuple[Reply, bool, str | None]:
    return greeting_command(conn, argument, esmtp=False)


def _ehlo(conn: ServerConnection, argument: str) -> tuple[Reply, bool, str | None]:
    return greeting_command(conn, argument, esmtp=True)


def _path(
    conn: ServerConnection,
    argument: str,
    pattern: re.Pattern[str],
    syntax: ReplyKind,
    bad: ReplyKind,
) -> tuple[Address, Params] | Reply:
    brackets = conn.personality.require_angle_brackets
    if conn.personality.no_space_at_colon and _SPACED[pattern].match(argument):
        return conn._reply(K.SPACE_AT_COLON)
    key = (argument, pattern, brackets)
    parsed = _PATHS.get(key)  # clients name the same mailboxes again and again
    if parsed is not None:
        return parsed
    match = pattern.match(argument)
    if match is None:
        return conn._reply(syntax)
    text = match.group(1)
    try:
        path, rest = split_path(text, require_brackets=brackets)
    except AddressError as exc:
        if exc.too_long:
            return conn._reply(K.ADDRESS_TOO_LONG, address=text[:60])
        return conn._reply(syntax)
    try:
        address = Address.parse(path)
    except AddressError as exc:
        kind = K.ADDRESS_TOO_LONG if exc.too_long else bad
        return conn._reply(kind, address=f"<{path[:60]}>")
    parsed = address, parse_params(rest)
    return _PATHS.put(key, parsed)


def _mail(conn: ServerConnection, argument: str) -> tuple[Reply, bool, str | None]:
    parsed = _path(conn, argument, _FROM, K.MAIL_SYNTAX, K.BAD_SENDER_SYNTAX)
    if isinstance(parsed, Reply):
        return parsed, False, None
    address, params = parsed
    text = str(address)
    shown = f"<{text}>"
    unqualified = address.domain is None and not address.is_null
    if unqualified and not conn.personality.allow_unqualified:
        return conn._reply(K.DOMAIN_REQUIRED, address=shown), False, None
    problem = _mail_params(conn, params) if params else None
    if problem is not None:
        return problem, False, None
    return open_transaction(conn, address, text, shown, params)


def open_transaction(
    conn: ServerConnection, address: Address, text: str, shown: str, params: Params
) -> tuple[Reply, bool, str | None]:
    """A MAIL command past its syntax checks: faults, the policy, the new envelope."""
    fault = fault_reply(conn, Stage.MAIL, text)
    if fault is not None:
        return fault, fault.code < 400, None
    verdict = conn.policy.check_sender(address, conn.envelope, conn.client_ip)
    if not verdict.accepted:
        return conn._verdict(verdict), False, verdict.note
    conn.envelope = _Envelope(
        sender=address,
        recipients=(),
        mail_params=params,
        helo_name=conn.helo_name,
        esmtp=conn.esmtp,
        auth=conn.sasl_username,
    )
    conn._rcpt_rejected = False
    fields = {"address": shown, **verdict.fields}
    return (
        conn._reply(verdict.kind, spec=verdict.spec, extra_lines=(), **fields),
        True,
        verdict.note,
    )


def _mail_params(
    conn: ServerConnection, params: tuple[tuple[str, str | None], ...]
) -> Reply | None:
    p = conn.personality
    for key, value in params:
        option = key if value is None else f"{key}={value}"
        if not conn.esmtp:
            return conn._reply(K.UNSUPPORTED_OPTION, option=option)
        if key == "SIZE" and p.offers("SIZE"):
            if value is None or not value.isdigit():
                return conn._reply(K.MAIL_SYNTAX)
            if int(value) > p.max_message_size:
                return conn._reply(K.MESSAGE_SIZE_EXCEEDS)
        elif key == "BODY" and p.offers("8BITMIME"):
            if (value or "").upper() not in ("7BIT", "8BITMIME"):
                return conn._reply(K.UNSUPPORTED_OPTION, option=option)
        else:
            return conn._reply(K.UNSUPPORTED_OPTION, option=option)
    return None


def _rcpt(conn: ServerConnection, argument: str) -> tuple[Reply, bool, str | None]:
    parsed = _path(conn, argument, _TO, K.RCPT_SYNTAX, K.BAD_RECIPIENT_SYNTAX)
    if isinstance(parsed, Reply):
        if conn.debug_mode and _is_pipe(argument):
            return _pipe_recipient(conn, argument)
        return parsed, False, None
    address, params = parsed
    text = str(address)
    shown = f"<{text}>"
    if params:
        key, value = params[0]
        option = key if value is None else f"{key}={value}"
        return conn._reply(K.UNSUPPORTED_OPTION, option=option), False, None
    if conn.debug_mode and _is_pipe(address.local):
        return _pipe_recipient(conn, argument)
    if (
        address.domain is None
        and not address.is_postmaster
        and not conn.personality.allow_unqualified
    ):
        return conn._reply(K.DOMAIN_REQUIRED, address=shown), False, None
    if len(conn.envelope.recipients) >= conn.personality.max_recipients:
        return conn._reply(K.TOO_MANY_RECIPIENTS), False, None
    fault = fault_reply(conn, Stage.RCPT, text)
    if fault is not None and fault.code >= 400:
        conn._rcpt_rejected = True
        return fault, False, None
    verdict = conn.policy.check_recipient(address, conn.envelope, conn.client_ip)
    if not verdict.accepted:
        conn._rcpt_rejected = True
        return conn._verdict(verdict), False, verdict.note
    add_recipient(conn, address)
    fields = {"address": shown, **verdict.fields}
    return (
        conn._reply(verdict.kind, spec=verdict.spec, extra_lines=(), **fields),
        True,
        verdict.note,
    )


def add_recipient(conn: ServerConnection, address: Address) -> None:
    e = conn.envelope  # (what dataclasses.replace does, at a fraction of its cost)
    conn.envelope = _Envelope(
        sender=e.sender,
        recipients=(*e.recipients, address),
        mail_params=e.mail_params,
        helo_name=e.helo_name,
        esmtp=e.esmtp,
        auth=e.auth,
    )


def _pipe_recipient(conn: ServerConnection, argument: str) -> tuple[Reply, bool, str | None]:
    text = _TO.match(argument)
    shown = (text.group(1) if text else argument).strip()
    add_recipient(conn, Address(shown.strip("<>"), None))
    note = (
        "DEBUG mode: in 1988 this recipient was a pipe into a program and sendmail ran "
        "it; the simulator records it and executes nothing"
    )
    return conn._reply(K.RCPT_PIPE_OK, address=shown), True, note


def _data_cmd(conn: ServerConnection, argument: str) -> tuple[Reply, bool, str | None]:
    if argument:
        return conn._reply(K.NO_ARGUMENT_ALLOWED, verb="DATA"), False, None
    fault = fault_reply(conn, Stage.DATA, "")
    if fault is not None and fault.code >= 400:
        return fault, False, None
    return conn._reply(K.DATA_START), True, None


def _rset(conn: ServerConnection, argument: str) -> tuple[Reply, bool, str | None]:
    if argument:
        return conn._reply(K.NO_ARGUMENT_ALLOWED, verb="RSET"), False, None
    return conn._reply(K.RSET_OK), True, None


def _noop(conn: ServerConnection, argument: str) -> tuple[Reply, bool, str | None]:
    return conn._reply(K.NOOP_OK), True, None  # NOOP ignores its argument (4.1.1.9)


def _quit(conn: ServerConnection, argument: str) -> tuple[Reply, bool, str | None]:
    if argument:
        return conn._reply(K.NO_ARGUMENT_ALLOWED, verb="QUIT"), False, None
    return conn._reply(K.BYE), True, None


def _vrfy(conn: ServerConnection, argument: str) -> tuple[Reply, bool, str | None]:
    policy = conn.personality.vrfy
    if policy is VrfyPolicy.DISABLED:
        return conn._reply(K.VRFY_DISABLED), True, None
    if not argument:
        return conn._reply(K.VRFY_SYNTAX), False, None
    if policy is VrfyPolicy.AMBIGUOUS:
        return conn._reply(K.VRFY_AMBIGUOUS, argument=argument), True, None
    if policy is VrfyPolicy.CHECKED_252:
        if conn.policy.is_unknown_local(argument):
            return (
                conn._reply(K.VRFY_UNKNOWN, argument=argument, address=_qualified(conn, argument)),
                True,
                None,
            )
        return conn._reply(K.VRFY_AMBIGUOUS, argument=argument), True, None
    found = conn.policy.verify(argument)
    if found is None:
        if conn.policy.is_unknown_local(argument):
            return (
                conn._reply(K.VRFY_UNKNOWN, argument=argument, address=_qualified(conn, argument)),
                True,
                None,
            )
        if not conn.personality.esmtp:
            # RFC 821 (section 3.3) had no 252: VRFY of a mailing list may answer with its
            # members, as EXPN does, and a 1988 sendmail did.
            members = conn.policy.expand(argument)
            if members:
                first, *rest = [f"{name} <{addr}>" for name, addr in members]
                note = (
                    "VRFY of a list answered with its members, as RFC 821 allowed: "
                    "another way addresses were harvested (RFC 2505)"
                )
                reply = conn._reply(K.VRFY_OK, address=first, extra_lines=tuple(rest))
                return reply, True, note
        return conn._reply(K.VRFY_AMBIGUOUS, argument=argument), True, None
    name, address = found
    return conn._reply(K.VRFY_OK, address=f"{name} <{address}>"), True, None


def _qualified(conn: ServerConnection, argument: str) -> str:
    text = argument.strip().strip("<>")
    try:
        return f"<{conn.policy.qualify(Address.parse(text))}>"
    except AddressError:
        return f"<{text}>"


def _expn(conn: ServerConnection, argument: str) -> tuple[Reply, bool, str | None]:
    if conn.personality.expn is ExpnPolicy.DISABLED:
        return conn._reply(K.EXPN_DISABLED), True, None
    if not argument:
        return conn._reply(K.EXPN_SYNTAX), False, None
    members = conn.policy.expand(argument)
    if not members:
        return conn._reply(K.EXPN_UNKNOWN, argument=argument), True, None
    first, *rest = [f"{name} <{addr}>" for name, addr in members]
    note = "EXPN revealed a list's members: spammers harvested addresses this way (RFC 2505)"
    return conn._reply(K.EXPN_OK, address=first, extra_lines=tuple(rest)), True, note


def _help(conn: ServerConnection, argument: str) -> tuple[Reply, bool, str | None]:
    # the commands this server implements, and those it recognises to refuse (Postfix 3.9's
    # help_cmd() lists every entry of its command table, STARTTLS and AUTH included)
    verbs = sorted({*conn._shared.verbs, *conn.personality.recognised})
    if conn.personality.help is HelpStyle.LIST:
        listed = HELP_LIST.format(verbs=" ".join(verbs))
        return conn._reply(K.HELP_OK, argument=listed), True, None
    topic = _first_word(argument).upper()
    if not topic:
        server, topics = _named(conn.personality.name), "  ".join(verbs)
        lines = tuple(line.format(server=server, topics=topics) for line in HELP_TOPICS)
        return conn._reply(K.HELP_OK, argument=lines[0], extra_lines=lines[1:]), True, None
    info = COMMANDS.get(topic)
    if info is None or topic not in verbs:
        return conn._reply(K.HELP_UNKNOWN_TOPIC, argument=_first_word(argument)), False, None
    about = tuple(line.format(syntax=info.syntax, purpose=info.purpose) for line in HELP_TOPIC)
    return conn._reply(K.HELP_OK, argument=about[0], extra_lines=about[1:]), True, None


def _debug(conn: ServerConnection, argument: str) -> tuple[Reply, bool, str | None]:
    conn.debug_mode = True
    note = (
        "DEBUG accepted: this is the hole the Morris worm (1988) used; a recipient may now "
        "be a pipe to a program"
    )
    return conn._reply(K.DEBUG_OK), True, note


def _first_word(text: str) -> str:
    """Up to the first SMTP space (SP or HTAB; str.split() would also split on U+00A0 and
    friends, and find no word at all in an argument made only of them)."""
    if "\t" not in text:
        return text.partition(" ")[0]
    return _SP_HT.split(text, maxsplit=1)[0]


def _is_pipe(text: str) -> bool:
    t = text.strip().lstrip("<").lstrip('"').lstrip()
    if t.upper().startswith("TO:"):
        t = t[3:].strip().lstrip("<").lstrip('"').lstrip()
    return t.startswith("|")


#: (MAIL or RCPT argument, _FROM or _TO, angle brackets required) -> the parsed path and its
#: parameters; only paths that parse are kept, so a bad one is diagnosed afresh each time.
_PATHS: BoundedCache[tuple[str, re.Pattern[str], bool], tuple[Address, Params]] = BoundedCache(1024)


#: Input -> handler, for the personalities without a CommandSyntax of their own
HANDLERS: dict[Input, Handler] = {
    Input.HELO: _helo,
    Input.EHLO: _ehlo,
    Input.MAIL: _mail,
    Input.RCPT: _rcpt,
    Input.DATA: _data_cmd,
    Input.RSET: _rset,
    Input.NOOP: _noop,
    Input.VRFY: _vrfy,
    Input.EXPN: _expn,
    Input.HELP: _help,
    Input.QUIT: _quit,
    Input.DEBUG: _debug,
}


def _named(name: str) -> str:
    """``Postfix 1.1.13``, but ``the RFC 5321 reference server``."""
    return f"the {name}" if name.endswith("server") else name
