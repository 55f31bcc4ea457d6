"""sendmail 8's command reader and handlers (CommandSyntax.SENDMAIL), mixed into the server
engine (:class:`ServerConnection`). The states and their moves stay the engine's; this module
reads the line as sendmail does (sendmail_syntax.py) and words the answers through the
personality's catalog. What each reply says was recorded from Debian 12's sendmail 8.17 (see
tests/protocol/fixtures/sendmail-8.17-*.json and docs/conformance.md).
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from .address import Address
from .events import Command, Envelope
from .personalities import DebugPolicy, ExpnPolicy, VrfyPolicy
from .policy import Stage
from .replies import Reply, ReplyKind, ReplySpec
from .reply_texts import HELP_END
from .sendmail_helpfile import HELPFILE
from .sendmail_syntax import (
    Path,
    command_text,
    echo,
    helo_name_ok,
    parse_params,
    parse_path,
    seven_bit,
    shorten,
    skipword,
    split_command,
)
from .server_commands import (
    HANDLERS,
    Handler,
    Outcome,
    add_recipient,
    fault_reply,
    greeting_command,
)
from .states import Input

if TYPE_CHECKING:
    from .server import ServerConnection

K = ReplyKind
_ERROR = ReplySpec(553, "5.0.0", "{problem}")  # (code and enhanced code replaced per error)
#: MAIL and RCPT parameters sendmail 8.17 knows without SMTPUTF8, AUTH or DELIVERBY options
_MAIL_PARAMS = frozenset({"SIZE", "BODY", "ENVID", "RET", "AUTH", "BY"})
_RCPT_PARAMS = frozenset({"NOTIFY", "ORCPT"})
_BODY_TYPES = frozenset({"7BIT", "8BITMIME"})
_RET_VALUES = frozenset({"HDRS", "FULL"})
#: recipients exempt from the sender checks (Debian's access file: Spam:postmaster@ FRIEND ...)
_FRIENDS = frozenset({"postmaster", "abuse", "spam"})
_NOTIFY_VALUES = frozenset({"SUCCESS", "FAILURE", "DELAY", "NEVER"})
#: (code, enhanced code, text) of a parameter sendmail refuses, by keyword; {v}: its value
_PARAM_ERRORS = {
    "SIZE": (501, "5.5.2", "SIZE requires a value"),
    "BODY": (501, "5.5.4", "Unknown BODY type {v}"),
    "RET": (501, "5.5.2", 'Bad argument "{v}" to RET'),
    "NOTIFY": (501, "5.5.4", 'Bad argument "{v}"  to NOTIFY'),
    "ORCPT": (501, "5.5.4", "Syntax error in ORCPT parameter value"),
}
#: after a protocol error (HELO/EHLO with more commands already sent), these are refused
_REFUSED_AFTER_ERROR = frozenset({"MAIL", "RCPT", "DATA", "VRFY", "EXPN", "HELP", "ETRN", "VERB"})


def sendmail_line(conn: ServerConnection, raw: bytes) -> None:
    text = command_text(raw)
    verb_word, argument = split_command(text)
    verb = verb_word.upper()
    state = conn.state
    p = conn.personality
    command = Command(raw=raw, verb=verb, argument=argument)
    if verb in p.unimplemented_verbs:
        reply = conn._reply(K.NOT_IMPLEMENTED, line=echo(text))
        conn._answer(command, reply, state, False)
        return
    if conn._protocol_error and verb in _REFUSED_AFTER_ERROR:
        conn._answer(command, conn._reply(K.BAD_SEQUENCE), state, False)
        return
    inp = conn._shared.verbs.get(verb)
    if inp is None and verb in p.recognised:  # answered without a move of the state
        reply, accepted, note = SENDMAIL_RECOGNISED[verb](conn, argument)
        conn._answer(command, reply, state, accepted, note)
        return
    if inp is None:
        conn.bad_commands += 1
        limit = p.bad_command_limit
        if limit is not None and conn.bad_commands > limit:
            reply = conn._reply(K.TOO_MANY_ERRORS)
            conn._answer(command, reply, state, False)  # (a 421: the engine closes)
            return
        note = _probe_note(verb) if p.debug is DebugPolicy.NOTED else None
        conn._answer(command, conn._reply(K.UNKNOWN_COMMAND, line=echo(text)), state, False, note)
        return
    if inp in (Input.HELO, Input.EHLO) and conn._in:
        # sendmail 8.17 refuses a HELO/EHLO with more commands already behind it
        conn._protocol_error = True
        conn._answer(command, conn._reply(K.SYNC_ERROR), state, False)
        return
    conn._typed_verb = verb_word
    conn._dispatch(command, inp, argument, state)


# -- HELO / EHLO ----------------------------------------------------------------------


def _sm_greeting(conn: ServerConnection, argument: str, esmtp: bool) -> Outcome:
    if not argument:
        kind = K.EHLO_SYNTAX if esmtp else K.HELO_SYNTAX
        return conn._reply(kind, verb=conn._typed_verb), False, None
    if not helo_name_ok(argument):
        return conn._reply(K.HELO_INVALID), False, None
    if esmtp and conn._protocol_error:  # sendmail then offers no extension but this one
        conn.helo_name, conn.esmtp = argument.split()[0], True
        lines = tuple(x for x in conn._shared.ehlo_lines if x == "ENHANCEDSTATUSCODES")
        return conn._reply(K.EHLO_OK, extra_lines=lines), True, None
    return greeting_command(conn, argument, esmtp)


def _sm_helo(conn: ServerConnection, argument: str) -> Outcome:
    return _sm_greeting(conn, argument, False)


def _sm_ehlo(conn: ServerConnection, argument: str) -> Outcome:
    return _sm_greeting(conn, argument, True)


# -- MAIL / RCPT ----------------------------------------------------------------------


def _sm_path(conn: ServerConnection, argument: str, word: str, syntax: ReplyKind) -> Path | Reply:
    rest, first = skipword(argument, word)
    if rest is None:
        return conn._reply(syntax, word=_shown(first))
    path = _parsed(rest, word == "from")
    if path.error is not None:
        code, enhanced, problem = path.error
        spec = ReplySpec(code, enhanced, _ERROR.text)
        kind = K.BAD_SENDER_SYNTAX if word == "from" else K.BAD_RECIPIENT_SYNTAX
        return conn._reply(kind, spec=spec, problem=problem)
    return path


def _sm_params(conn: ServerConnection, path: Path, known: frozenset[str]) -> Reply | None:
    for key, value in parse_params(path.params):
        upper = key.upper()
        if upper not in known:
            return conn._reply(K.UNSUPPORTED_OPTION, option=seven_bit(key))
        if not _param_ok(upper, value):
            code, enhanced, text = _PARAM_ERRORS[upper]
            problem = text.replace("{v}", seven_bit(value or ""))
            return conn._reply(
                K.PARAMETER_NOT_IMPLEMENTED,
                spec=ReplySpec(code, enhanced, "{problem}"),
                problem=problem,
            )
    return None


def _sm_mail(conn: ServerConnection, argument: str) -> Outcome:
    path = _sm_path(conn, argument, "from", K.MAIL_SYNTAX)
    if isinstance(path, Reply):
        return path, False, None
    problem = _sm_params(conn, path, _MAIL_PARAMS)
    if problem is not None:
        return problem, False, None
    fault = fault_reply(conn, Stage.MAIL, path.shown)
    if fault is not None:
        return fault, fault.code < 400, None
    sender = Address(path.local, path.domain) if path.local else Address("", None)
    conn.envelope = Envelope(
        sender=sender,
        recipients=(),
        mail_params=tuple(parse_params(path.params)),
        helo_name=conn.helo_name,
        esmtp=conn.esmtp,
        auth=conn.sasl_username,
    )
    conn._rcpt_rejected = False
    conn._shown_recipients = {}
    return conn._reply(K.MAIL_OK, address=_shown(path.shown)), True, None


def _sm_rcpt(conn: ServerConnection, argument: str) -> Outcome:
    path = _sm_path(conn, argument, "to", K.RCPT_SYNTAX)
    if isinstance(path, Reply):
        conn._rcpt_rejected = True
        return path, False, None
    problem = _sm_params(conn, path, _RCPT_PARAMS)
    if problem is not None:
        return problem, False, None
    shown = _shown(path.shown)
    local, domain = path.local, path.domain
    here = _sm_local_domain(conn, domain)
    if not here or "%" in local or "!" in local:
        fault = fault_reply(conn, Stage.RCPT, f"{local}@{domain}")
        if fault is not None and fault.code >= 400:
            conn._rcpt_rejected = True
            return fault, False, None
        verdict = conn.policy.check_recipient(Address(local, domain), conn.envelope, conn.client_ip)
        if not verdict.accepted or here:
            conn._rcpt_rejected = True
            kind = K.RELAY_DENIED if conn.client_name else K.RELAY_DENIED_NO_PTR
            return conn._reply(kind, address=shown), False, verdict.note
        return _sm_accept(conn, Address(local, domain), shown)
    problem = None if local.lower() in _FRIENDS else _sm_sender_problem(conn, shown)
    if problem is not None:
        conn._rcpt_rejected = True
        return problem, False, None
    mailbox = Address(local.split("+", 1)[0], conn.policy.primary_domain)
    fault = fault_reply(conn, Stage.RCPT, str(mailbox))
    if fault is not None and fault.code >= 400:
        conn._rcpt_rejected = True
        return fault, False, None
    verdict = conn.policy.check_recipient(mailbox, conn.envelope, conn.client_ip)
    if not verdict.accepted:
        conn._rcpt_rejected = True
        return conn._reply(K.USER_UNKNOWN, address=shown), False, verdict.note
    return _sm_accept(conn, mailbox, shown)


def _sm_sender_problem(conn: ServerConnection, shown: str) -> Reply | None:
    """The sender's checks, which Debian's FEATURE(delay_checks) makes at each RCPT: an
    unqualified sender, or one whose domain does not resolve, is refused there."""
    sender = conn.envelope.sender
    if sender is None or not sender.local:
        return None
    text = seven_bit(str(sender))
    if sender.domain is None:
        return conn._reply(K.SENDER_DOMAIN_REQUIRED, address=shown, argument=text)
    if sender.domain.startswith("["):  # an address literal is no domain name
        return conn._reply(K.SENDER_LITERAL, address=shown)
    if not _sm_local_domain(conn, sender.domain) and not conn.policy.domain_exists(sender.domain):
        return conn._reply(K.SENDER_DOMAIN_UNKNOWN, address=shown, argument=text)
    return None


def _sm_accept(conn: ServerConnection, mailbox: Address, shown: str) -> Outcome:
    # A second RCPT for a mailbox already taken is answered with the first one's text
    # (sendmail finds the duplicate in its send queue and reports that entry).
    key = str(mailbox).lower()
    first = conn._shown_recipients.setdefault(key, shown)
    if first is shown:
        add_recipient(conn, mailbox)
    return conn._reply(K.RCPT_OK, address=first), True, None


def _sm_local_domain(conn: ServerConnection, domain: str | None) -> bool:
    if domain is None:
        return True
    name = domain.lower().rstrip(".")
    return name == conn.hostname.lower() or conn.policy.is_local(Address("x", name))


# -- VRFY / EXPN ----------------------------------------------------------------------


def _sm_lookup(conn: ServerConnection, argument: str, expand: bool) -> Outcome:
    p = conn.personality  # (PrivacyOptions noexpn, novrfy: checked before anything else)
    if expand and p.expn is ExpnPolicy.DISABLED:
        return conn._reply(K.EXPN_DISABLED), True, None
    if not expand and p.vrfy is VrfyPolicy.AMBIGUOUS:
        return conn._reply(K.VRFY_AMBIGUOUS), True, None
    if not argument:
        return conn._reply(K.VRFY_SYNTAX), False, None
    word = argument.split()[-1]  # "VRFY alice extra": sendmail answers for "extra"
    path = _parsed(word, False)
    if path.error is not None:
        code, enhanced, problem = path.error
        if enhanced == "5.1.0":  # (too long: VRFY and EXPN say so in their own words)
            enhanced, problem = "5.1.1", f"{_shown(word)}... Address too long"
        return (
            conn._reply(
                K.VRFY_UNKNOWN, spec=ReplySpec(code, enhanced, "{problem}"), problem=problem
            ),
            False,
            None,
        )
    if not _sm_local_domain(conn, path.domain):  # EXPN: 250, VRFY: 252
        remote = seven_bit(f"<{path.local}@{path.domain}>")
        return conn._reply(K.EXPN_OK if expand else K.VRFY_REMOTE, address=remote), True, None
    local = path.local.split("+", 1)[0]
    if local.lower() == "postmaster":
        return conn._reply(K.VRFY_OK, address=f"<{local.lower()}@{conn.hostname}>"), True, None
    members = conn.policy.expand(local)
    if not members:
        return conn._reply(K.VRFY_UNKNOWN, argument=_shown(word)), False, None
    listed = conn.policy._list(local) is not None
    if listed and not expand:
        return conn._reply(K.VRFY_OK, address=f"<{local.lower()}@{conn.hostname}>"), True, None
    lines = [_sm_mailbox(conn, name, member) for name, member in reversed(members)]
    note = (
        "EXPN revealed a list's members: spammers harvested addresses this way (RFC 2505)"
        if listed
        else None
    )
    reply = conn._reply(
        K.EXPN_OK if expand else K.VRFY_OK, address=lines[0], extra_lines=tuple(lines[1:])
    )
    return reply, True, note


def _sm_mailbox(conn: ServerConnection, name: str, member: Address) -> str:
    mailbox = f"<{member.local.lower()}@{conn.hostname}>"
    return f"{name} {mailbox}" if name else mailbox


def _sm_vrfy(conn: ServerConnection, argument: str) -> Outcome:
    return _sm_lookup(conn, argument, False)


def _sm_expn(conn: ServerConnection, argument: str) -> Outcome:
    return _sm_lookup(conn, argument, True)


# -- DATA, HELP, and what sendmail recognises beyond RFC 5321 ------------------------


def _sm_data(conn: ServerConnection, argument: str) -> Outcome:
    return HANDLERS[Input.DATA](conn, "")  # sendmail ignores DATA's argument


def _sm_help(conn: ServerConnection, argument: str) -> Outcome:
    topic = argument.split()[0].lower() if argument.split() else "smtp"
    lines = _help_topics().get(topic)
    if lines is None:
        return conn._reply(K.HELP_UNKNOWN_TOPIC, argument=topic), False, None
    version = conn.personality.version
    lines = [line.replace("$v", version) for line in lines] + [HELP_END]
    return conn._reply(K.HELP_OK, argument=lines[0], extra_lines=tuple(lines[1:])), True, None


def _sm_etrn(conn: ServerConnection, argument: str) -> Outcome:
    if not argument:
        return conn._reply(K.ETRN_SYNTAX), False, None
    if argument.startswith("#"):
        return conn._reply(K.ETRN_QUEUE_UNKNOWN, argument=argument[1:]), False, None
    return conn._reply(K.ETRN_OK, argument=argument), True, None


def _sm_rset(conn: ServerConnection, argument: str) -> Outcome:
    return HANDLERS[Input.RSET](conn, "")  # sendmail ignores the arguments of RSET and QUIT


def _sm_quit(conn: ServerConnection, argument: str) -> Outcome:
    return HANDLERS[Input.QUIT](conn, "")


def _sm_verb(conn: ServerConnection, argument: str) -> Outcome:
    return conn._reply(K.VERB_OK), True, None


def _sm_starttls(conn: ServerConnection, argument: str) -> Outcome:
    if argument:
        return conn._reply(K.NO_PARAMETERS_ALLOWED), False, None
    return conn._reply(K.TLS_NOT_AVAILABLE), False, None


def _sm_auth(conn: ServerConnection, argument: str) -> Outcome:
    return conn._reply(K.AUTH_NOT_ENABLED), False, None


def _shown(text: str) -> str:
    return seven_bit(shorten(text))


def _param_ok(key: str, value: str | None) -> bool:
    if key == "SIZE":
        return value is not None
    if key == "BODY":
        return (value or "").upper() in _BODY_TYPES
    if key == "RET":
        return (value or "").upper() in _RET_VALUES
    if key == "NOTIFY":
        return all(v in _NOTIFY_VALUES for v in (value or "").upper().split(","))
    if key == "ORCPT":
        return ";" in (value or "")
    return True


@lru_cache(maxsize=4096)
def _parsed(text: str, sender: bool) -> Path:
    return parse_path(text, sender=sender)


@lru_cache(maxsize=1)
def _help_topics() -> dict[str, list[str]]:
    topics: dict[str, list[str]] = {}
    for line in HELPFILE.splitlines():
        if not line or line.startswith("#"):
            continue
        topic, _, text = line.partition("\t")
        if topic != "cpyr":
            topics.setdefault(topic, []).append(text)
    return topics


def _probe_note(verb: str) -> str | None:
    from .server import _PROBES  # (the engine's table of old back doors)

    return _PROBES.get(verb)


SENDMAIL_HANDLERS: dict[Input, Handler] = {
    **HANDLERS,
    Input.HELO: _sm_helo,
    Input.EHLO: _sm_ehlo,
    Input.MAIL: _sm_mail,
    Input.RCPT: _sm_rcpt,
    Input.DATA: _sm_data,
    Input.VRFY: _sm_vrfy,
    Input.EXPN: _sm_expn,
    Input.HELP: _sm_help,
    Input.RSET: _sm_rset,
    Input.QUIT: _sm_quit,
}
#: the verbs sendmail knows beyond RFC 5321's (Personality.recognised)
SENDMAIL_RECOGNISED: dict[str, Handler] = {
    "ETRN": _sm_etrn,
    "VERB": _sm_verb,
    "STARTTLS": _sm_starttls,
    "AUTH": _sm_auth,
}
