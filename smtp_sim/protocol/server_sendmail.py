"""sendmail 8's command reader and handlers (CommandSyntax.SENDMAIL), mixed into the server
engine (:class:`ServerConnection`). The states and their moves stay the engine's; this module
reads the line as sendmail does (sendmail_syntax.py) and words the answers through the
personality's catalog. What each reply says was recorded from Debian 12's sendmail 8.17 (see
tests/protocol/fixtures/sendmail-8.17-*.json and docs/conformance.md).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING

from .address import Address
from .events import Command, Envelope
from .personalities import DebugPolicy, ExpnPolicy, VrfyPolicy
from .policy import Stage
from .records import unchecked_constructor
from .replies import Reply, ReplyKind, ReplySpec
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
from .server_commands import _HANDLERS, Outcome
from .states import Input

if TYPE_CHECKING:
    from .server import ServerConnection

K = ReplyKind
_Command = unchecked_constructor(Command)
_Envelope = unchecked_constructor(Envelope)
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


class SendmailCommands:
    """The sendmail handlers of :class:`ServerConnection` (see the module)."""

    def _sendmail_line(self: ServerConnection, raw: bytes) -> None:
        text = command_text(raw)
        verb_word, argument = split_command(text)
        verb = verb_word.upper()
        state = self.state
        p = self.personality
        command = _Command(raw, verb, argument)
        if verb in p.unimplemented_verbs:
            reply = self._reply(K.NOT_IMPLEMENTED, line=echo(text))
            self._answer(command, reply, state, False)
            return
        if self._protocol_error and verb in _REFUSED_AFTER_ERROR:
            self._answer(command, self._reply(K.BAD_SEQUENCE), state, False)
            return
        inp = self._shared.verbs.get(verb)
        if inp is None and verb in p.recognised:  # answered without a move of the state
            reply, accepted, note = SENDMAIL_RECOGNISED[verb](self, argument)
            self._answer(command, reply, state, accepted, note)
            return
        if inp is None:
            self.bad_commands += 1
            limit = p.bad_command_limit
            if limit is not None and self.bad_commands > limit:
                reply = self._reply(K.TOO_MANY_ERRORS)
                self._answer(command, reply, state, False)  # (a 421: the engine closes)
                return
            note = _probe_note(verb) if p.debug is DebugPolicy.NOTED else None
            self._answer(
                command, self._reply(K.UNKNOWN_COMMAND, line=echo(text)), state, False, note
            )
            return
        if inp in (Input.HELO, Input.EHLO) and self._in:
            # sendmail 8.17 refuses a HELO/EHLO with more commands already behind it
            self._protocol_error = True
            self._answer(command, self._reply(K.SYNC_ERROR), state, False)
            return
        self._typed_verb = verb_word
        self._dispatch(command, inp, argument, state)

    # -- HELO / EHLO ----------------------------------------------------------------------

    def _sm_greeting(self: ServerConnection, argument: str, esmtp: bool) -> Outcome:
        if not argument:
            kind = K.EHLO_SYNTAX if esmtp else K.HELO_SYNTAX
            return self._reply(kind, verb=self._typed_verb), False, None
        if not helo_name_ok(argument):
            return self._reply(K.HELO_INVALID), False, None
        if esmtp and self._protocol_error:  # sendmail then offers no extension but this one
            self.helo_name, self.esmtp = argument.split()[0], True
            lines = tuple(x for x in self._shared.ehlo_lines if x == "ENHANCEDSTATUSCODES")
            return self._reply(K.EHLO_OK, extra_lines=lines), True, None
        return self._greeting_command(argument, esmtp)

    def _sm_helo(self: ServerConnection, argument: str) -> Outcome:
        return self._sm_greeting(argument, False)

    def _sm_ehlo(self: ServerConnection, argument: str) -> Outcome:
        return self._sm_greeting(argument, True)

    # -- MAIL / RCPT ----------------------------------------------------------------------

    def _sm_path(
        self: ServerConnection, argument: str, word: str, syntax: ReplyKind
    ) -> Path | Reply:
        rest, first = skipword(argument, word)
        if rest is None:
            return self._reply(syntax, word=_shown(first))
        path = _parsed(rest, word == "from")
        if path.error is not None:
            code, enhanced, problem = path.error
            spec = ReplySpec(code, enhanced, _ERROR.text)
            kind = K.BAD_SENDER_SYNTAX if word == "from" else K.BAD_RECIPIENT_SYNTAX
            return self._reply(kind, spec=spec, problem=problem)
        return path

    def _sm_params(self: ServerConnection, path: Path, known: frozenset[str]) -> Reply | None:
        for key, value in parse_params(path.params):
            upper = key.upper()
            if upper not in known:
                return self._reply(K.UNSUPPORTED_OPTION, option=seven_bit(key))
            if not _param_ok(upper, value):
                code, enhanced, text = _PARAM_ERRORS[upper]
                problem = text.replace("{v}", seven_bit(value or ""))
                return self._reply(
                    K.PARAMETER_NOT_IMPLEMENTED,
                    spec=ReplySpec(code, enhanced, "{problem}"),
                    problem=problem,
                )
        return None

    def _sm_mail(self: ServerConnection, argument: str) -> Outcome:
        path = self._sm_path(argument, "from", K.MAIL_SYNTAX)
        if isinstance(path, Reply):
            return path, False, None
        problem = self._sm_params(path, _MAIL_PARAMS)
        if problem is not None:
            return problem, False, None
        fault = self._fault(Stage.MAIL, path.shown)
        if fault is not None:
            return fault, fault.code < 400, None
        sender = Address(path.local, path.domain) if path.local else Address("", None)
        self.envelope = _Envelope(
            sender=sender,
            recipients=(),
            mail_params=tuple(parse_params(path.params)),
            helo_name=self.helo_name,
            esmtp=self.esmtp,
        )
        self._rcpt_rejected = False
        self._shown_recipients = {}
        return self._reply(K.MAIL_OK, address=_shown(path.shown)), True, None

    def _sm_rcpt(self: ServerConnection, argument: str) -> Outcome:
        path = self._sm_path(argument, "to", K.RCPT_SYNTAX)
        if isinstance(path, Reply):
            self._rcpt_rejected = True
            return path, False, None
        problem = self._sm_params(path, _RCPT_PARAMS)
        if problem is not None:
            return problem, False, None
        shown = _shown(path.shown)
        local, domain = path.local, path.domain
        here = self._sm_local_domain(domain)
        if not here or "%" in local or "!" in local:
            fault = self._fault(Stage.RCPT, f"{local}@{domain}")
            if fault is not None and fault.code >= 400:
                self._rcpt_rejected = True
                return fault, False, None
            verdict = self.policy.check_recipient(
                Address(local, domain), self.envelope, self.client_ip
            )
            if not verdict.accepted or here:
                self._rcpt_rejected = True
                kind = K.RELAY_DENIED if self.client_name else K.RELAY_DENIED_NO_PTR
                return self._reply(kind, address=shown), False, verdict.note
            return self._sm_accept(Address(local, domain), shown)
        problem = None if local.lower() in _FRIENDS else self._sm_sender_problem(shown)
        if problem is not None:
            self._rcpt_rejected = True
            return problem, False, None
        mailbox = Address(local.split("+", 1)[0], self.policy.primary_domain)
        fault = self._fault(Stage.RCPT, str(mailbox))
        if fault is not None and fault.code >= 400:
            self._rcpt_rejected = True
            return fault, False, None
        verdict = self.policy.check_recipient(mailbox, self.envelope, self.client_ip)
        if not verdict.accepted:
            self._rcpt_rejected = True
            return self._reply(K.USER_UNKNOWN, address=shown), False, verdict.note
        return self._sm_accept(mailbox, shown)

    def _sm_sender_problem(self: ServerConnection, shown: str) -> Reply | None:
        """The sender's checks, which Debian's FEATURE(delay_checks) makes at each RCPT: an
        unqualified sender, or one whose domain does not resolve, is refused there."""
        sender = self.envelope.sender
        if sender is None or not sender.local:
            return None
        text = seven_bit(str(sender))
        if sender.domain is None:
            return self._reply(K.SENDER_DOMAIN_REQUIRED, address=shown, argument=text)
        if sender.domain.startswith("["):  # an address literal is no domain name
            return self._reply(K.SENDER_LITERAL, address=shown)
        if not self._sm_local_domain(sender.domain) and not self.policy.domain_exists(
            sender.domain
        ):
            return self._reply(K.SENDER_DOMAIN_UNKNOWN, address=shown, argument=text)
        return None

    def _sm_accept(self: ServerConnection, mailbox: Address, shown: str) -> Outcome:
        # A second RCPT for a mailbox already taken is answered with the first one's text
        # (sendmail finds the duplicate in its send queue and reports that entry).
        key = str(mailbox).lower()
        first = self._shown_recipients.setdefault(key, shown)
        if first is shown:
            self._add_recipient(mailbox)
        return self._reply(K.RCPT_OK, address=first), True, None

    def _sm_local_domain(self: ServerConnection, domain: str | None) -> bool:
        if domain is None:
            return True
        name = domain.lower().rstrip(".")
        return name == self.hostname.lower() or self.policy.is_local(Address("x", name))

    # -- VRFY / EXPN ----------------------------------------------------------------------

    def _sm_lookup(self: ServerConnection, argument: str, expand: bool) -> Outcome:
        p = self.personality  # (PrivacyOptions noexpn, novrfy: checked before anything else)
        if expand and p.expn is ExpnPolicy.DISABLED:
            return self._reply(K.EXPN_DISABLED), True, None
        if not expand and p.vrfy is VrfyPolicy.AMBIGUOUS:
            return self._reply(K.VRFY_AMBIGUOUS), True, None
        if not argument:
            return self._reply(K.VRFY_SYNTAX), False, None
        word = argument.split()[-1]  # "VRFY alice extra": sendmail answers for "extra"
        path = _parsed(word, False)
        if path.error is not None:
            code, enhanced, problem = path.error
            if enhanced == "5.1.0":  # (too long: VRFY and EXPN say so in their own words)
                enhanced, problem = "5.1.1", f"{_shown(word)}... Address too long"
            return (
                self._reply(
                    K.VRFY_UNKNOWN, spec=ReplySpec(code, enhanced, "{problem}"), problem=problem
                ),
                False,
                None,
            )
        if not self._sm_local_domain(path.domain):  # EXPN: 250, VRFY: 252
            remote = seven_bit(f"<{path.local}@{path.domain}>")
            return self._reply(K.EXPN_OK if expand else K.VRFY_REMOTE, address=remote), True, None
        local = path.local.split("+", 1)[0]
        if local.lower() == "postmaster":
            return self._reply(K.VRFY_OK, address=f"<{local.lower()}@{self.hostname}>"), True, None
        members = self.policy.expand(local)
        if not members:
            return self._reply(K.VRFY_UNKNOWN, argument=_shown(word)), False, None
        listed = self.policy._list(local) is not None
        if listed and not expand:
            return self._reply(K.VRFY_OK, address=f"<{local.lower()}@{self.hostname}>"), True, None
        lines = [self._sm_mailbox(name, member) for name, member in reversed(members)]
        note = (
            "EXPN revealed a list's members: spammers harvested addresses this way (RFC 2505)"
            if listed
            else None
        )
        reply = self._reply(
            K.EXPN_OK if expand else K.VRFY_OK, address=lines[0], extra_lines=tuple(lines[1:])
        )
        return reply, True, note

    def _sm_mailbox(self: ServerConnection, name: str, member: Address) -> str:
        mailbox = f"<{member.local.lower()}@{self.hostname}>"
        return f"{name} {mailbox}" if name else mailbox

    def _sm_vrfy(self: ServerConnection, argument: str) -> Outcome:
        return self._sm_lookup(argument, False)

    def _sm_expn(self: ServerConnection, argument: str) -> Outcome:
        return self._sm_lookup(argument, True)

    # -- DATA, HELP, and what sendmail recognises beyond RFC 5321 ------------------------

    def _sm_data(self: ServerConnection, argument: str) -> Outcome:
        return self._data_cmd("")  # sendmail ignores DATA's argument

    def _sm_help(self: ServerConnection, argument: str) -> Outcome:
        topic = argument.split()[0].lower() if argument.split() else "smtp"
        lines = _help_topics().get(topic)
        if lines is None:
            return self._reply(K.HELP_UNKNOWN_TOPIC, argument=topic), False, None
        version = self.personality.version
        lines = [line.replace("$v", version) for line in lines] + ["End of HELP info"]
        return self._reply(K.HELP_OK, argument=lines[0], extra_lines=tuple(lines[1:])), True, None

    def _sm_etrn(self: ServerConnection, argument: str) -> Outcome:
        if not argument:
            return self._reply(K.ETRN_SYNTAX), False, None
        if argument.startswith("#"):
            return self._reply(K.ETRN_QUEUE_UNKNOWN, argument=argument[1:]), False, None
        return self._reply(K.ETRN_OK, argument=argument), True, None

    def _sm_rset(self: ServerConnection, argument: str) -> Outcome:
        return self._rset("")  # sendmail ignores the arguments of RSET and QUIT

    def _sm_quit(self: ServerConnection, argument: str) -> Outcome:
        return self._quit("")

    def _sm_verb(self: ServerConnection, argument: str) -> Outcome:
        return self._reply(K.VERB_OK), True, None

    def _sm_starttls(self: ServerConnection, argument: str) -> Outcome:
        if argument:
            return self._reply(K.NO_PARAMETERS_ALLOWED), False, None
        return self._reply(K.TLS_NOT_AVAILABLE), False, None

    def _sm_auth(self: ServerConnection, argument: str) -> Outcome:
        return self._reply(K.AUTH_NOT_ENABLED), False, None


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


SENDMAIL_HANDLERS: dict[Input, Callable[..., Outcome]] = {
    **_HANDLERS,
    Input.HELO: SendmailCommands._sm_helo,
    Input.EHLO: SendmailCommands._sm_ehlo,
    Input.MAIL: SendmailCommands._sm_mail,
    Input.RCPT: SendmailCommands._sm_rcpt,
    Input.DATA: SendmailCommands._sm_data,
    Input.VRFY: SendmailCommands._sm_vrfy,
    Input.EXPN: SendmailCommands._sm_expn,
    Input.HELP: SendmailCommands._sm_help,
    Input.RSET: SendmailCommands._sm_rset,
    Input.QUIT: SendmailCommands._sm_quit,
}
#: the verbs sendmail knows beyond RFC 5321's (Personality.recognised)
SENDMAIL_RECOGNISED: dict[str, Callable[..., Outcome]] = {
    "ETRN": SendmailCommands._sm_etrn,
    "VERB": SendmailCommands._sm_verb,
    "STARTTLS": SendmailCommands._sm_starttls,
    "AUTH": SendmailCommands._sm_auth,
}
