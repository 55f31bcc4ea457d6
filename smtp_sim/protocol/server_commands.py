"""The SMTP server engine's command handlers: HELO/EHLO, MAIL, RCPT, DATA, RSET, NOOP, VRFY,
EXPN, HELP, QUIT and DEBUG. Each returns (reply, accepted, note); the engine
(:class:`ServerConnection`, which inherits :class:`CommandHandlers`) moves the state.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from .address import Address, AddressError, parse_params, split_path
from .events import Envelope
from .explain import COMMANDS
from .personalities import ExpnPolicy, HelpStyle, VrfyPolicy
from .policy import Stage
from .records import unchecked_constructor
from .replies import Reply, ReplyKind
from .states import Input

K = ReplyKind
_FROM = re.compile(r"^FROM:\s*(.*)$", re.IGNORECASE | re.DOTALL)
_TO = re.compile(r"^TO:\s*(.*)$", re.IGNORECASE | re.DOTALL)
_SP_HT = re.compile(r"[ \t]")

_Envelope = unchecked_constructor(Envelope)

Outcome = tuple[Reply, bool, str | None]  # what a command handler returns: reply, accepted, note
Params = tuple[tuple[str, str | None], ...]  # MAIL/RCPT parameters: (("SIZE", "1000"), ...)


class CommandHandlers:
    """The handlers of :class:`ServerConnection` (see the module)."""

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

    def _path(
        self, argument: str, pattern: re.Pattern[str], syntax: ReplyKind, bad: ReplyKind
    ) -> tuple[Address, Params] | Reply:
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
        return self._open_transaction(address, text, shown, params)

    def _open_transaction(
        self, address: Address, text: str, shown: str, params: Params
    ) -> tuple[Reply, bool, str | None]:
        """A MAIL command past its syntax checks: faults, the policy, the new envelope."""
        fault = self._fault(Stage.MAIL, text)
        if fault is not None:
            return fault, fault.code < 400, None
        verdict = self.policy.check_sender(address, self.envelope, self.client_ip)
        if not verdict.accepted:
            return self._verdict(verdict), False, verdict.note
        self.envelope = _Envelope(
            sender=address,
            recipients=(),
            mail_params=params,
            helo_name=self.helo_name,
            esmtp=self.esmtp,
        )
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
        if (
            address.domain is None
            and not address.is_postmaster
            and not self.personality.allow_unqualified
        ):
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
        self.envelope = _Envelope(
            sender=e.sender,
            recipients=(*e.recipients, address),
            mail_params=e.mail_params,
            helo_name=e.helo_name,
            esmtp=e.esmtp,
        )

    def _pipe_recipient(self, argument: str) -> tuple[Reply, bool, str | None]:
        text = _TO.match(argument)
        shown = (text.group(1) if text else argument).strip()
        self._add_recipient(Address(shown.strip("<>"), None))
        note = (
            "DEBUG mode: in 1988 this recipient was a pipe into a program and sendmail ran "
            "it; the simulator records it and executes nothing"
        )
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
                return (
                    self._reply(
                        K.VRFY_UNKNOWN, argument=argument, address=self._qualified(argument)
                    ),
                    True,
                    None,
                )
            return self._reply(K.VRFY_AMBIGUOUS, argument=argument), True, None
        found = self.policy.verify(argument)
        if found is None:
            if self.policy.is_unknown_local(argument):
                return (
                    self._reply(
                        K.VRFY_UNKNOWN, argument=argument, address=self._qualified(argument)
                    ),
                    True,
                    None,
                )
            if not self.personality.esmtp:
                # RFC 821 (section 3.3) had no 252: VRFY of a mailing list may answer with its
                # members, as EXPN does, and a 1988 sendmail did.
                members = self.policy.expand(argument)
                if members:
                    first, *rest = [f"{name} <{addr}>" for name, addr in members]
                    note = (
                        "VRFY of a list answered with its members, as RFC 821 allowed: "
                        "another way addresses were harvested (RFC 2505)"
                    )
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
        # the commands this server implements, and those it recognises to refuse (Postfix 3.9's
        # help_cmd() lists every entry of its command table, STARTTLS and AUTH included)
        verbs = sorted({*self._shared.verbs, *self.personality.recognised})
        if self.personality.help is HelpStyle.LIST:
            return self._reply(K.HELP_OK, argument="Commands: " + " ".join(verbs)), True, None
        topic = _first_word(argument).upper()
        if not topic:
            lines = (
                f"This is {_named(self.personality.name)} (simulated)",
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
        note = (
            "DEBUG accepted: this is the hole the Morris worm (1988) used; a recipient may now "
            "be a pipe to a program"
        )
        return self._reply(K.DEBUG_OK), True, note


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
_PATHS: dict[tuple[str, re.Pattern[str], bool], tuple[Address, Params]] = {}
_MAX_PATHS = 1024  # the cache starts over when full


_HANDLERS: dict[Input, Callable[[CommandHandlers, str], Outcome]] = {
    Input.HELO: CommandHandlers._helo,
    Input.EHLO: CommandHandlers._ehlo,
    Input.MAIL: CommandHandlers._mail,
    Input.RCPT: CommandHandlers._rcpt,
    Input.DATA: CommandHandlers._data_cmd,
    Input.RSET: CommandHandlers._rset,
    Input.NOOP: CommandHandlers._noop,
    Input.VRFY: CommandHandlers._vrfy,
    Input.EXPN: CommandHandlers._expn,
    Input.HELP: CommandHandlers._help,
    Input.QUIT: CommandHandlers._quit,
    Input.DEBUG: CommandHandlers._debug,
}


def _named(name: str) -> str:
    """``Postfix 1.1.13``, but ``the RFC 5321 reference server``."""
    return f"the {name}" if name.endswith("server") else name
