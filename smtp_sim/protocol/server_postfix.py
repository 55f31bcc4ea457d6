"""The command handlers of a personality with ``CommandSyntax.POSTFIX``: what Postfix's
``smtpd.c`` does with each command's words (v3.7.11; 1.1.13 where a personality says so
through its data). The engine (:class:`ServerConnection`) reads the line, splits it with
:func:`postfix_syntax.smtpd_tokens` into ``conn._words`` and calls the handler of the verb
from :data:`POSTFIX_HANDLERS`; every reply comes from the personality's catalog.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .address import Address
from .personalities import VrfyPolicy
from .policy import Stage, Verdict
from .postfix_syntax import (
    Token,
    domain_ok,
    extract_address,
    split_address,
    valid_hostname,
    valid_literal,
)
from .replies import Reply, ReplyKind
from .server_auth import pf_auth, pf_starttls
from .server_commands import (
    HANDLERS,
    Handler,
    Outcome,
    add_recipient,
    fault_reply,
    open_transaction,
)
from .states import Input, State

if TYPE_CHECKING:
    from .events import Command
    from .server import ServerConnection

K = ReplyKind
_DSN_NOTIFY = frozenset({"SUCCESS", "FAILURE", "DELAY"})


@dataclass(slots=True)
class Chunk:
    """The BDAT chunk being read (RFC 3030)."""

    left: int  # octets still to read
    final: bool  # BDAT ... LAST
    refusal: Reply | None  # the reply to send once it is skipped (None: it is content)
    command: Command | None  # the BDAT command (set once the handler returns)


def _in_transaction(conn: ServerConnection) -> bool:
    return conn.state is State.MAIL or conn.state is State.RCPT


def _pf_greeting(conn: ServerConnection, esmtp: bool) -> Outcome:
    words = conn._words
    if len(words) < 2:
        return conn._reply(K.EHLO_SYNTAX if esmtp else K.HELO_SYNTAX), False, None
    name = " ".join(w.text for w in words[1:])  # collapse_args()
    fault = fault_reply(conn, Stage.HELO, name)
    if fault is not None and fault.code >= 400:
        return fault, False, None
    conn.helo_name = name
    conn.esmtp = esmtp
    if not esmtp:
        return conn._reply(K.HELO_OK), True, None
    lines = conn._shared.ehlo_lines_tls if conn.tls_active else conn._shared.ehlo_lines
    return conn._reply(K.EHLO_OK, extra_lines=lines), True, None


def _pf_helo(conn: ServerConnection, argument: str) -> Outcome:
    return _pf_greeting(conn, False)


def _pf_ehlo(conn: ServerConnection, argument: str) -> Outcome:
    return _pf_greeting(conn, True)


def _pf_address(
    conn: ServerConnection, word: Token, bad: ReplyKind, allow_empty: bool
) -> str | Reply:
    """extract_addr() and smtpd_check_addr(): the address, or the reply refusing it."""
    if word.error:
        return conn._reply(bad)
    address = extract_address(word.text)
    if (
        address is None
        or (not address and not allow_empty)
        or not domain_ok(address, conn.personality.check_utf8)
    ):
        return conn._reply(bad)
    return address


def _pf_mail(conn: ServerConnection, argument: str) -> Outcome:
    words = conn._words
    p = conn.personality
    if len(words) < 3 or words[1].text.lower() != "from:":
        return conn._reply(K.MAIL_SYNTAX), False, None
    text = _pf_address(conn, words[2], K.BAD_SENDER_SYNTAX, True)
    if isinstance(text, Reply):
        return text, False, None
    size = 0
    seen: set[str] = set()
    auth_seen = False
    params = []
    for word in words[3:]:
        arg = word.text
        key, eq, value = arg.partition("=")
        upper = key.upper()
        params.append((upper, value if eq else None))
        if arg.upper() in ("BODY=8BITMIME", "BODY=7BIT"):
            continue
        if upper == "SIZE" and eq:
            if not value.isdigit() or not value.isascii():
                return conn._reply(K.BAD_SIZE_SYNTAX), False, None
            size = int(value)
        elif arg.upper() == "SMTPUTF8" and p.offers("SMTPUTF8"):
            continue
        elif upper == "AUTH" and eq and "AUTH" in p.recognised:
            # smtpd_sasl_mail_opt(): kept but not used (the sender's own AUTH= is not
            # trusted); a second one after a non-empty one is refused
            if auth_seen:
                return conn._reply(K.MULTIPLE_AUTH_PARAMETERS), False, None
            auth_seen = value != "<>"
            continue
        elif upper == "RET" and eq and p.offers("DSN"):
            if "RET" in seen or value.upper() not in ("FULL", "HDRS"):
                return conn._reply(K.BAD_MAIL_PARAMETER, option="RET"), False, None
        elif upper == "ENVID" and eq and p.offers("DSN"):
            decoded = _xtext(value)
            if "ENVID" in seen or decoded is None or not decoded.isprintable():
                return conn._reply(K.BAD_MAIL_PARAMETER, option="ENVID"), False, None
        else:
            return conn._reply(K.UNSUPPORTED_OPTION, option=arg), False, None
        seen.add(upper)
    if size > p.max_message_size:
        return conn._reply(K.MESSAGE_SIZE_EXCEEDS), False, None
    return open_transaction(conn, _address(text), text, f"<{text}>", tuple(params))


def _pf_rcpt(conn: ServerConnection, argument: str) -> Outcome:
    words = conn._words
    p = conn.personality
    if len(words) < 3 or words[1].text.lower() != "to:":
        return conn._reply(K.RCPT_SYNTAX), False, None
    if conn._bdat is not None or conn._bdat_error:
        return conn._reply(K.AFTER_BDAT, verb="RCPT"), False, None
    text = _pf_address(conn, words[2], K.BAD_RECIPIENT_SYNTAX, False)
    if isinstance(text, Reply):
        return text, False, None
    seen: set[str] = set()
    for word in words[3:]:
        arg = word.text
        key, eq, value = arg.partition("=")
        upper = key.upper()
        if upper == "NOTIFY" and eq and p.offers("DSN"):
            if "NOTIFY" in seen or not _notify_ok(value):
                return conn._reply(K.BAD_RCPT_PARAMETER, option="NOTIFY"), False, None
        elif upper == "ORCPT" and eq and p.offers("DSN"):
            kind, semi, coded = value.partition(";")
            if "ORCPT" in seen or not semi or not kind or _xtext(coded) is None:
                return conn._reply(K.BAD_RCPT_PARAMETER, option="ORCPT"), False, None
        else:
            return conn._reply(K.UNSUPPORTED_OPTION, option=arg), False, None
        seen.add(upper)
    if len(conn.envelope.recipients) >= p.max_recipients:
        return conn._reply(K.TOO_MANY_RECIPIENTS), False, None
    address = _address(text)
    fault = fault_reply(conn, Stage.RCPT, text)
    if fault is not None and fault.code >= 400:
        conn._rcpt_rejected = True
        return fault, False, None
    verdict = _pf_check_recipient(conn, text, address)
    if not verdict.accepted:
        conn._rcpt_rejected = True
        return conn._verdict(verdict), False, verdict.note
    add_recipient(conn, address)
    fields = {"address": f"<{text}>", **verdict.fields}
    return (
        conn._reply(verdict.kind, spec=verdict.spec, extra_lines=(), **fields),
        True,
        verdict.note,
    )


def _pf_check_recipient(conn: ServerConnection, text: str, address: Address) -> Verdict:
    """smtpd_check_rcpt(): the bare name postmaster always passes (RFC 5321 4.5.1);
    replies name the address as the client wrote it, unqualified or not."""
    if text.lower() == "postmaster":
        return Verdict(K.RCPT_OK, {"address": "<postmaster>"})
    verdict = conn.policy.check_recipient(address, conn.envelope, conn.client_ip)
    if verdict.fields.get("address") is not None:
        # smtpd_check_reject() passes its text through printable(..., ' ')
        shown = text if verdict.accepted else _printable(text)
        verdict = Verdict(
            verdict.kind,
            {**verdict.fields, "address": f"<{shown}>"},
            verdict.spec,
            verdict.note,
        )
    return verdict


def _pf_vrfy(conn: ServerConnection, argument: str) -> Outcome:
    p = conn.personality
    if p.vrfy is VrfyPolicy.DISABLED:
        return conn._reply(K.VRFY_DISABLED), False, None
    words = list(conn._words)
    if len(words) > 1 and p.offers("SMTPUTF8") and words[-1].text.upper() == "SMTPUTF8":
        words.pop()
    if len(words) < 2:
        return conn._reply(K.VRFY_SYNTAX), False, None
    shown = " ".join(w.text for w in words[1:])
    text = _pf_address(
        conn, Token(shown, any(w.error for w in words[1:])), K.BAD_RECIPIENT_SYNTAX, False
    )
    if isinstance(text, Reply):
        return text, False, None
    if p.vrfy is VrfyPolicy.CHECKED_252:
        verdict = _pf_check_recipient(conn, text, _address(text))
        if not verdict.accepted:
            return conn._verdict(verdict), False, verdict.note
        return conn._reply(K.VRFY_AMBIGUOUS, argument=shown), True, None
    return HANDLERS[Input.VRFY](conn, shown)


def _pf_data(conn: ServerConnection, argument: str) -> Outcome:
    if conn._bdat is not None or conn._bdat_error:
        return conn._reply(K.AFTER_BDAT, verb="DATA"), False, None
    return HANDLERS[Input.DATA](conn, argument)


def _pf_bdat(conn: ServerConnection, argument: str) -> Outcome | None:
    """bdat_cmd(): None when the chunk's octets are to be read first (the engine then
    reads them, see ServerConnection._process_chunk, and answers)."""
    words = conn._words
    if (
        not 2 <= len(words) <= 3
        or not (words[1].text.isascii() and words[1].text.isdigit())
        or (len(words) == 3 and words[2].text.upper() != "LAST")
    ):
        return conn._reply(K.BDAT_SYNTAX), False, None  # (521: the session ends)
    size = int(words[1].text)
    final = len(words) == 3
    refusal: Reply | None = None
    if size == 0 and not final:
        refusal = conn._reply(K.BDAT_NULL)
    elif conn._bdat_error:
        refusal = conn._reply(K.BDAT_DISCARDED, size=str(size))
    elif conn._bdat is None and not conn.envelope.recipients:
        refusal = conn._reply(K.NO_VALID_RECIPIENTS if _in_transaction(conn) else K.NEED_RCPT)
    elif len(conn._bdat or b"") + size > conn.personality.max_message_size:
        refusal = conn._reply(K.CHUNK_TOO_BIG)
    elif conn._bdat is None:
        conn._bdat = bytearray()
    conn._chunk = Chunk(size, final, refusal, None)
    return None


def _pf_quit(conn: ServerConnection, argument: str) -> Outcome:
    return conn._reply(K.BYE), True, None  # "Don't bother checking the syntax."


def _pf_etrn(conn: ServerConnection, argument: str) -> Outcome:
    words = conn._words
    if conn.personality.require_helo and conn.helo_name is None:
        return conn._reply(K.NEED_HELO), False, None
    if _in_transaction(conn):
        return conn._reply(K.ETRN_IN_TRANSACTION), False, None
    if len(words) != 2:
        return conn._reply(K.ETRN_SYNTAX), False, None
    domain = words[1].text
    if domain[:1] in ("@", "#"):
        domain = domain[1:]
    if not valid_hostname(domain) and not (
        domain.startswith("[") and domain.endswith("]") and valid_literal(domain)
    ):
        return conn._reply(K.ETRN_BAD_DOMAIN), False, None
    # no fast_flush_domains here: flush_send_site() answers FLUSH_STAT_DENY
    return conn._reply(K.ETRN_UNAVAILABLE, argument=domain), False, None


def _pf_xcommand(conn: ServerConnection, verb: str) -> Outcome:
    if _in_transaction(conn):
        return conn._reply(K.IN_TRANSACTION), False, None
    if len(conn._words) < 2:
        return conn._reply(K.ATTRIBUTE_SYNTAX, verb=verb), False, None
    return conn._reply(K.NOT_AUTHORIZED), False, None


def _pf_xclient(conn: ServerConnection, argument: str) -> Outcome:
    return _pf_xcommand(conn, "XCLIENT")


def _pf_xforward(conn: ServerConnection, argument: str) -> Outcome:
    return _pf_xcommand(conn, "XFORWARD")


def _printable(text: str) -> str:
    """Postfix's printable(text, ' '): ASCII control characters become spaces."""
    if text.isprintable():
        return text
    return "".join(" " if c < " " or c == "\x7f" else c for c in text)


def _address(text: str) -> Address:
    local, domain = split_address(text)
    if domain is not None and domain.endswith("."):
        domain = domain[:-1]
    return Address(local, domain)


def _xtext(text: str) -> str | None:
    """xtext_unquote() (RFC 3461 section 4): '+' and two hex digits, or None."""
    out = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "+":
            pair = text[i + 1 : i + 3]
            if len(pair) != 2 or not all(c in "0123456789ABCDEFabcdef" for c in pair):
                return None
            out.append(chr(int(pair, 16)))
            i += 3
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _notify_ok(value: str) -> bool:
    """dsn_notify_mask(): NEVER alone, or some of SUCCESS, FAILURE, DELAY."""
    words = [w.upper() for w in value.split(",")]
    if words == ["NEVER"]:
        return True
    return bool(words) and all(w in _DSN_NOTIFY for w in words)


#: Input -> handler for CommandSyntax.POSTFIX (the others are CommandHandlers' own).
POSTFIX_HANDLERS: dict[Input, Handler] = {
    **HANDLERS,
    Input.HELO: _pf_helo,
    Input.EHLO: _pf_ehlo,
    Input.MAIL: _pf_mail,
    Input.RCPT: _pf_rcpt,
    Input.VRFY: _pf_vrfy,
    Input.QUIT: _pf_quit,
    Input.DATA: _pf_data,
}

#: Verbs a personality may recognise (Personality.recognised) outside the state table: each
#: is answered, with a refusal unless the personality offers it (STARTTLS and AUTH:
#: server_auth.py; no fast flush, no XCLIENT rights), and none moves the session through the
#: table (after STARTTLS's 220 the engine starts the session over: _start_tls).
RECOGNISED_HANDLERS: dict[str, Callable[[ServerConnection, str], Outcome | None]] = {
    "ETRN": _pf_etrn,
    "STARTTLS": pf_starttls,
    "AUTH": pf_auth,
    "XCLIENT": _pf_xclient,
    "XFORWARD": _pf_xforward,
    "BDAT": _pf_bdat,
}
