"""Server personalities as data: how each real server greets, words its replies and bends rules.

A personality is a frozen record; the engine reads it and never branches on a personality's id.
To add a server, add one :class:`Personality` to :data:`PERSONALITIES`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from .replies import DEFAULT_REPLIES, REPLY_FALLBACKS, ReplyKind, ReplySpec

S = ReplySpec
K = ReplyKind


class VrfyPolicy(StrEnum):
    VERIFY = "verify"  # 250 with the full name: the 1980s behaviour that let anyone harvest users
    CHECKED_252 = "checked-252"  # Postfix: 550 for unknown local users, 252 otherwise
    AMBIGUOUS = "ambiguous"  # always 252: "cannot verify, but will try delivery"
    DISABLED = "disabled"  # 502


class ExpnPolicy(StrEnum):
    EXPAND = "expand"  # 250 with the list's members
    DISABLED = "disabled"  # 502: recognised but refused
    UNRECOGNIZED = "unrecognized"  # the server has no EXPN at all


class DebugPolicy(StrEnum):
    ENABLED = "enabled"  # 200 Debug set (sendmail compiled with SMTPDEBUG, 1988)
    UNRECOGNIZED = "unrecognized"  # answered like any unknown command
    NOTED = "noted"  # unknown command, and logged as a probe


class HelpStyle(StrEnum):
    NONE = "none"  # HELP is not implemented
    LIST = "list"  # one 214 line listing the commands (Postfix 3.9)
    FULL = "full"  # a general text and per-command syntax (sendmail, the RFC reference)


class CommandSyntax(StrEnum):
    """How the server reads a command line and the address in it."""

    # the verb up to a space, the rest its argument, paths by RFC 5321's grammar (address.py)
    RFC5321 = "rfc5321"
    # Postfix's own parsers (postfix_syntax.py): words split at any white space, <...> kept
    # whole, an RFC 822 address parser, a line cut at a NUL (C strings) and truncated at
    # line_length_limit instead of refused
    POSTFIX = "postfix"
    # sendmail 8's reader (sendmail_syntax.py, server_sendmail.py): eighth bits cleared, a NUL
    # ends the line, the verb ends at any white space, addresses taken apart as sendmail does
    SENDMAIL = "sendmail"


class BareLinefeed(StrEnum):
    KEEP = "keep"  # bare CR or LF inside DATA is content, never a line end
    REJECT = "reject"  # Postfix smtpd_forbid_bare_newline=reject: 550 after the final dot
    # Postfix before 3.9 (smtpd_forbid_bare_newline=no): a bare LF ends a line, so
    # <LF>.<LF> (or <CR><LF>.<LF>) ends DATA too, and trailing CRs are dropped from every line
    LINE_END = "line-end"
    # sendmail 8.17.1.9 (Debian's fix for SMTP smuggling): a bare LF or CR in the content is
    # answered at once with 421 and the connection closed; the message is lost
    CLOSE = "close"


#: RFC 5321 section 4.5.3.2 timeouts, in seconds.
RFC5321_TIMEOUTS: Mapping[str, int] = MappingProxyType(
    {
        "greeting": 300,
        "mail": 300,
        "rcpt": 300,
        "data_init": 120,
        "data_block": 180,
        "data_term": 600,
        "server_command": 300,
    }
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Personality:
    """Everything that makes one server's SMTP different from another's."""

    id: str
    name: str
    description: str
    banner: str
    version: str = ""  # as the server names itself (sendmail's $v, which HELP shows)
    esmtp: bool = True
    extensions: tuple[str, ...] = ()
    enhanced_codes: bool = True
    require_angle_brackets: bool = True
    #: MAIL FROM: <a> and RCPT TO: <b> refused (SPACE_AT_COLON): "spaces are not permitted on
    #: either side of the colon following FROM in the MAIL command or TO in the RCPT
    #: command" (RFC 5321 section 3.3); Postfix and sendmail take the space
    no_space_at_colon: bool = False
    require_helo: bool = True
    allow_unqualified: bool = False
    vrfy: VrfyPolicy = VrfyPolicy.AMBIGUOUS
    expn: ExpnPolicy = ExpnPolicy.DISABLED
    debug: DebugPolicy = DebugPolicy.UNRECOGNIZED
    help: HelpStyle = HelpStyle.FULL
    max_recipients: int = 100
    max_message_size: int = 10_240_000
    max_command_line: int = 512
    #: octets of one line of message content, CRLF included (RFC 5321 4.5.3.1.6); a longer
    #: line is refused with a 500 after the final dot. None: no limit (Postfix breaks a line
    #: past line_length_limit, 2048, into pieces it joins again, and refuses nothing).
    max_data_line: int | None = 1000
    error_limit: int | None = 20  # errors (4xx/5xx replies) before 421; None: no limit
    break_rules_on_http: bool = False
    forbid_unauth_pipelining: bool = False
    #: commands that must end a pipelined group (RFC 2920 section 3.1): with
    #: forbid_unauth_pipelining, more input behind one is a synchronization error, as behind
    #: any command before EHLO (Postfix's SMTPD_CMD_FLAG_LAST)
    pipeline_last: frozenset[str] = frozenset()
    bare_linefeed: BareLinefeed = BareLinefeed.KEEP
    syntax: CommandSyntax = CommandSyntax.RFC5321
    # -- read with CommandSyntax.POSTFIX only --
    #: verbs (upper case) that end the session with BREAK_RULES (Postfix smtpd_forbid_cmds;
    #: 1.1.13's "Received:", "Subject:", "From:" entries of its command table)
    forbidden_commands: frozenset[str] = frozenset()
    forbid_headers: bool = False  # a first word like "Subject:" ends the session (is_header)
    forbid_non_letter: bool = False  # so does one not starting with a letter (/^[^A-Z]/)
    check_utf8: bool = False  # 500 BAD_UTF8 for a command that is not UTF-8 (smtputf8_enable)
    #: verbs recognised and refused (no TLS, no SASL, no fast flush): STARTTLS, AUTH, ETRN...
    recognised: frozenset[str] = frozenset()
    #: STARTTLS offered and accepted (RFC 3207; Postfix smtpd_tls_security_level = may)
    starttls: bool = False
    #: SMTP AUTH (RFC 4954): the SASL mechanisms offered, as EHLO lists them (Postfix
    #: smtpd_sasl_auth_enable = yes with Dovecot's PLAIN and LOGIN); empty: not enabled
    sasl_mechanisms: tuple[str, ...] = ()
    #: AUTH only inside TLS (Postfix smtpd_tls_auth_only): before STARTTLS, EHLO does not
    #: offer it and AUTH is "not enabled"
    tls_auth_only: bool = False
    #: what a refused relay gets: RELAY_DENIED (5xx) or RELAY_DEFERRED (454, Postfix's
    #: defer_unauth_destination); a scenario's smtpd_relay_restrictions overrides it
    relay_refusal: ReplyKind = ReplyKind.RELAY_DENIED
    #: DATA inside a transaction with no accepted recipient (Postfix: NO_VALID_RECIPIENTS)
    data_without_recipients: ReplyKind = ReplyKind.NEED_RCPT
    #: hexadecimal digits of a queue id (Postfix: 5 for the microseconds + the inode number)
    queue_id_digits: int = 9
    #: errors after which every reply waits error_sleep seconds (Postfix
    #: smtpd_soft_error_limit, smtpd_error_sleep_time); None: never
    soft_error_limit: int | None = None
    error_sleep: float = 0.0
    #: False: EHLO says "SIZE" without a number and SIZE= is never refused (RFC 1870 section
    #: 4: no fixed maximum; sendmail's default MaxMessageSize=0); max_message_size then only
    #: bounds the simulator's memory
    size_limit_advertised: bool = True
    queue_id_style: str = "postfix"  # how queue ids look: postfix (hex), sendmail (base 60)
    # -- read with CommandSyntax.SENDMAIL only --
    #: unknown commands allowed before "421 Too many bad commands" replaces the next reply
    #: (sendmail's MAXBADCOMMANDS); None: no such limit
    bad_command_limit: int | None = None
    #: verbs recognised and refused as not implemented (sendmail: SEND, SOML, SAML, TURN)
    unimplemented_verbs: frozenset[str] = frozenset()
    #: VRFY and EXPN need HELO/EHLO first (sendmail's needvrfyhelo, needexpnhelo)
    require_helo_for_vrfy: bool = False
    #: a NUL octet in the content: refused after the final dot (sendmail: 554 5.6.1)
    reject_nul: bool = False
    timeouts: Mapping[str, int] = field(default_factory=lambda: RFC5321_TIMEOUTS)
    replies: Mapping[ReplyKind, ReplySpec] = field(default_factory=dict)

    def reply(self, kind: ReplyKind) -> ReplySpec:
        """The template this personality uses for ``kind``."""
        spec = self.replies.get(kind)
        while spec is None and kind in REPLY_FALLBACKS:
            kind = REPLY_FALLBACKS[kind]
            spec = self.replies.get(kind)
        return spec or DEFAULT_REPLIES[kind]

    def offers(self, keyword: str) -> bool:
        """True if the EHLO reply lists ``keyword`` (SIZE, PIPELINING, ...)."""
        if not self.esmtp:
            return False
        return any(ext.split()[0].upper() == keyword.upper() for ext in self.extensions)

    def ehlo_keywords(self, tls_active: bool = False) -> list[str]:
        """The extension lines of the EHLO reply, SIZE filled with the size limit; STARTTLS
        (outside TLS) and AUTH where they are offered, after ETRN as Postfix's ehlo_cmd()
        lists them."""
        out = []
        for ext in self.extensions:
            if ext.upper() == "SIZE" and self.size_limit_advertised:
                out.append(f"SIZE {self.max_message_size}")
            else:
                out.append(ext)
        security = []
        if self.starttls and not tls_active:
            security.append("STARTTLS")
        if self.auth_offered(tls_active):
            security.append("AUTH " + " ".join(self.sasl_mechanisms))
        at = out.index("ETRN") + 1 if "ETRN" in out else len(out)
        out[at:at] = security
        return out

    def auth_offered(self, tls_active: bool) -> bool:
        """True when EHLO lists AUTH and AUTH is enabled (smtpd_sasl_is_active())."""
        return bool(self.sasl_mechanisms) and (tls_active or not self.tls_auth_only)


_POSTFIX_COMMON: dict[ReplyKind, ReplySpec] = {
    K.HELO_OK: S(250, None, "{hostname}"),
    K.HELO_SYNTAX: S(501, None, "Syntax: HELO hostname"),
    K.EHLO_SYNTAX: S(501, None, "Syntax: EHLO hostname"),
    K.DATA_START: S(354, None, "End data with <CR><LF>.<CR><LF>"),
    K.QUEUED: S(250, "2.0.0", "Ok: queued as {queue_id}"),
    K.MAIL_OK: S(250, "2.1.0", "Ok"),
    K.RCPT_OK: S(250, "2.1.5", "Ok"),
    K.RSET_OK: S(250, "2.0.0", "Ok"),
    K.NOOP_OK: S(250, "2.0.0", "Ok"),
    K.BYE: S(221, "2.0.0", "Bye"),
    K.NESTED_MAIL: S(503, "5.5.1", "Error: nested MAIL command"),
    K.NEED_MAIL: S(503, "5.5.1", "Error: need MAIL command"),
    K.NEED_RCPT: S(503, "5.5.1", "Error: need RCPT command"),
    K.NEED_HELO: S(503, "5.5.1", "Error: send HELO/EHLO first"),
    K.NO_VALID_RECIPIENTS: S(554, "5.5.1", "Error: no valid recipients"),
    K.MAIL_SYNTAX: S(501, "5.5.4", "Syntax: MAIL FROM:<address>"),
    K.RCPT_SYNTAX: S(501, "5.5.4", "Syntax: RCPT TO:<address>"),
    K.NO_ARGUMENT_ALLOWED: S(501, "5.5.4", "Syntax: {verb}"),
    K.UNSUPPORTED_OPTION: S(555, "5.5.4", "Unsupported option: {option}"),
    K.TOO_MANY_RECIPIENTS: S(452, "4.5.3", "Error: too many recipients"),
    K.VRFY_AMBIGUOUS: S(252, "2.0.0", "{argument}"),
    K.VRFY_DISABLED: S(502, "5.5.1", "VRFY command is disabled"),
    K.VRFY_SYNTAX: S(501, "5.5.4", "Syntax: VRFY address"),
    K.RELAY_DENIED: S(554, "5.7.1", "{address}: Relay access denied"),
    K.USER_UNKNOWN: S(
        550, "5.1.1", "{address}: Recipient address rejected: User unknown in local recipient table"
    ),
    K.VRFY_UNKNOWN: S(
        550, "5.1.1", "{address}: Recipient address rejected: User unknown in local recipient table"
    ),
    K.TOO_MANY_ERRORS: S(421, "4.7.0", "{hostname} Error: too many errors"),
    K.BAD_SYNTAX: S(500, "5.5.2", "Error: bad syntax"),
    K.UNKNOWN_COMMAND: S(500, "5.5.2", "Error: command not recognized"),
    K.NOT_IMPLEMENTED: S(502, "5.5.2", "Error: command not implemented"),
    K.LINE_TOO_LONG: S(500, "5.5.2", "Error: line too long"),
    K.DATA_LINE_TOO_LONG: S(500, "5.5.2", "Error: line too long"),
    K.BREAK_RULES: S(221, "2.7.0", "Error: I can break rules, too. Goodbye."),
    K.MESSAGE_SIZE_EXCEEDS: S(552, "5.3.4", "Message size exceeds fixed limit"),
    K.MESSAGE_TOO_BIG: S(552, "5.3.4", "Error: message file too big"),
    K.MAILBOX_FULL: S(552, "5.2.2", "{address}: Mailbox full"),
    K.BAD_SENDER_SYNTAX: S(501, "5.1.7", "Bad sender address syntax"),
    K.BAD_RECIPIENT_SYNTAX: S(501, "5.1.3", "Bad recipient address syntax"),
    K.ADDRESS_TOO_LONG: S(501, "5.1.3", "Bad address syntax: path too long"),
    K.TIMEOUT: S(421, "4.4.2", "{hostname} Error: timeout exceeded"),
    K.SHUTDOWN: S(421, "4.3.0", "{hostname} Server shutting down"),
    K.SYNC_ERROR: S(554, "5.5.0", "Error: SMTP protocol synchronization"),
    K.HELP_OK: S(214, "2.0.0", "{argument}"),
}

POSTFIX_1_1 = Personality(
    id="postfix-1.1",
    name="Postfix 1.1.13",
    description=(
        "The server of the course slides (mail.cs.tcd.ie, 2003): classic replies without "
        "enhanced status codes, addresses accepted without angle brackets, no HELP, no EXPN."
    ),
    banner="{hostname} ESMTP Postfix (1.1.13)",
    # smtpd.c ehlo_cmd() of v1.1.13
    extensions=("PIPELINING", "SIZE", "VRFY", "ETRN", "XVERP", "8BITMIME"),
    enhanced_codes=False,
    require_angle_brackets=False,
    require_helo=False,
    allow_unqualified=True,
    vrfy=VrfyPolicy.CHECKED_252,
    expn=ExpnPolicy.UNRECOGNIZED,
    debug=DebugPolicy.UNRECOGNIZED,
    help=HelpStyle.NONE,
    max_recipients=1000,
    max_command_line=2048,
    max_data_line=None,
    break_rules_on_http=False,
    # v1.1.13: smtpd.c (smtpd_proto, its command table), smtpd_chat.c, mail_params.h
    syntax=CommandSyntax.POSTFIX,
    forbidden_commands=frozenset({"RECEIVED:", "SUBJECT:", "FROM:"}),
    recognised=frozenset({"ETRN"}),
    relay_refusal=K.RELAY_DENIED,
    data_without_recipients=K.NO_VALID_RECIPIENTS,
    # (1.1.13's smtp_get() also ends a line at a bare LF, so <LF>.<LF> ended DATA: not
    # modelled here, the course's smuggling lesson shows it with postfix-3.7)
    error_limit=101,  # "error_count > var_smtpd_hard_erlim" with DEF_SMTPD_HARD_ERLIM 100
    # (not modelled: 1.1.13's smtpd_chat.c makes each 4xx/5xx reply wait 5 s, and past 10
    # errors every reply as many seconds as there were errors; a student's every typo would
    # cost 5 s with the course's server)
    replies={
        **_POSTFIX_COMMON,
        K.MAIL_SYNTAX: S(501, None, "Syntax: MAIL FROM: <address>"),
        K.RCPT_SYNTAX: S(501, None, "Syntax: RCPT TO: <address>"),
        K.USER_UNKNOWN: S(550, None, "{address}: User unknown"),
        K.VRFY_UNKNOWN: S(550, None, "{address}: User unknown"),
        K.UNKNOWN_COMMAND: S(502, None, "Error: command not implemented"),
        K.NOT_IMPLEMENTED: S(502, None, "Error: command not implemented"),
        K.BAD_SYNTAX: S(500, None, "Error: bad syntax"),
        K.BAD_SENDER_SYNTAX: S(501, None, "Bad address syntax"),
        K.BAD_RECIPIENT_SYNTAX: S(501, None, "Bad address syntax"),
        K.BAD_SIZE_SYNTAX: S(501, None, "Bad message size syntax"),
        K.NO_VALID_RECIPIENTS: S(554, None, "Error: no valid recipients"),
        K.TOO_MANY_ERRORS: S(421, None, "Error: too many errors"),
        K.BYE: S(221, None, "Bye"),
        K.BREAK_RULES: S(221, None, "Error: I can break rules, too. Goodbye."),
        K.VRFY_SYNTAX: S(501, None, "Syntax: VRFY address"),
        K.RELAY_DENIED: S(554, None, "{address}: Relay access denied"),
        K.ETRN_SYNTAX: S(500, None, "Syntax: ETRN domain"),  # etrn_cmd() of v1.1.13
        K.ETRN_BAD_DOMAIN: S(501, None, "Error: invalid parameter syntax"),
        K.ETRN_IN_TRANSACTION: S(503, None, "Error: MAIL transaction in progress"),
        K.ETRN_UNAVAILABLE: S(459, None, "<{argument}>: service unavailable"),
    },
)

#: What Postfix 3.7 and 3.9 share (smtpd.c of v3.7.11 and v3.9.0): the parsers, the commands
#: it recognises without TLS, SASL or fast flush, and the replies to them.
_POSTFIX_3_RULES: dict[str, Any] = dict(
    enhanced_codes=True,
    require_angle_brackets=False,
    require_helo=False,  # smtpd_helo_required = no
    allow_unqualified=True,
    vrfy=VrfyPolicy.CHECKED_252,
    expn=ExpnPolicy.UNRECOGNIZED,
    debug=DebugPolicy.UNRECOGNIZED,
    max_recipients=1000,
    max_command_line=2048,  # line_length_limit
    max_data_line=None,
    syntax=CommandSyntax.POSTFIX,
    # smtpd_forbid_cmds = CONNECT GET POST regexp:{{/^[^A-Z]/ Bogus}}, and is_header()
    forbidden_commands=frozenset({"CONNECT", "GET", "POST"}),
    forbid_headers=True,
    forbid_non_letter=True,
    check_utf8=True,  # smtputf8_enable = yes
    recognised=frozenset({"STARTTLS", "AUTH", "ETRN", "XCLIENT", "XFORWARD", "BDAT"}),
    relay_refusal=K.RELAY_DEFERRED,  # smtpd_relay_restrictions = ... defer_unauth_destination
    data_without_recipients=K.NO_VALID_RECIPIENTS,
    queue_id_digits=11,
    # smtpd_cmd_table: SMTPD_CMD_FLAG_LAST
    pipeline_last=frozenset({"HELO", "EHLO", "DATA", "NOOP", "VRFY"}),
    soft_error_limit=10,  # smtpd_soft_error_limit
    error_sleep=1.0,  # smtpd_error_sleep_time
)

#: ehlo_cmd() without TLS or SASL set up (STARTTLS and AUTH are then not offered)
_POSTFIX_3_EHLO = (
    "PIPELINING",
    "SIZE",
    "VRFY",
    "ETRN",
    "ENHANCEDSTATUSCODES",
    "8BITMIME",
    "DSN",
    "SMTPUTF8",
    "CHUNKING",
)

_POSTFIX_3_REPLIES: dict[ReplyKind, ReplySpec] = {
    **_POSTFIX_COMMON,
    K.RELAY_DEFERRED: S(454, "4.7.1", "{address}: Relay access denied"),
    K.VRFY_SYNTAX: S(501, "5.5.4", "Syntax: VRFY address [SMTPUTF8]"),
    K.BAD_UTF8: S(500, "5.5.2", "Error: bad UTF-8 syntax"),
    K.BAD_SIZE_SYNTAX: S(501, "5.5.4", "Bad message size syntax"),
    K.BAD_MAIL_PARAMETER: S(501, "5.5.4", "Bad {option} parameter syntax"),
    K.BAD_RCPT_PARAMETER: S(501, "5.5.4", "Error: Bad {option} parameter syntax"),
    K.TLS_NOT_AVAILABLE: S(502, "5.5.1", "Error: command not implemented"),
    K.AUTH_NOT_ENABLED: S(503, "5.5.1", "Error: authentication not enabled"),
    K.IN_TRANSACTION: S(503, "5.5.1", "Error: MAIL transaction in progress"),
    K.NOT_AUTHORIZED: S(550, "5.7.0", "Error: insufficient authorization"),
    K.ATTRIBUTE_SYNTAX: S(501, "5.5.4", "Syntax: {verb} attribute=value..."),
    K.ETRN_SYNTAX: S(500, None, "Syntax: ETRN domain"),
    K.ETRN_BAD_DOMAIN: S(501, None, "Error: invalid parameter syntax"),
    K.ETRN_IN_TRANSACTION: S(503, None, "Error: MAIL transaction in progress"),
    K.ETRN_UNAVAILABLE: S(459, None, "<{argument}>: service unavailable"),
    K.BDAT_SYNTAX: S(521, "5.5.4", "Syntax: BDAT count [LAST]"),
    K.BDAT_NULL: S(551, "5.7.1", "Null BDAT request"),
    K.BDAT_DISCARDED: S(551, "5.0.0", "Discarded {size} bytes after earlier error"),
    K.CHUNK_TOO_BIG: S(552, "5.3.4", "Chunk exceeds message size limit"),
    K.CHUNK_OK: S(250, "2.0.0", "Ok: {size} bytes"),
    K.AFTER_BDAT: S(503, "5.5.1", "Error: {verb} after BDAT"),
    K.CHUNKS_QUEUED: S(250, "2.0.0", "Ok: {size} bytes queued as {queue_id}"),
    # starttls_cmd() of smtpd.c (v3.7.11); recorded from the reference with TLS on
    K.TLS_READY: S(220, "2.0.0", "Ready to start TLS"),
    K.TLS_ALREADY_ACTIVE: S(554, "5.5.1", "Error: TLS already active"),
    K.TLS_LOCAL_PROBLEM: S(454, "4.7.0", "TLS not available due to local problem"),
    # smtpd_sasl_auth_cmd() of smtpd_sasl_proto.c and smtpd_sasl_authenticate() of
    # smtpd_sasl_glue.c (v3.7.11); {reason} is Dovecot's (xsasl_dovecot_server.c); recorded
    # from the reference with Dovecot SASL (tests/protocol/data/postfix-3.7-auth/)
    K.AUTH_CHALLENGE: S(334, None, "{challenge}"),
    K.AUTH_OK: S(235, "2.7.0", "Authentication successful"),
    K.AUTH_FAILED: S(535, "5.7.8", "Error: authentication failed: {reason}"),
    K.AUTH_ABORTED: S(501, "5.7.0", "Authentication aborted"),
    K.AUTH_SYNTAX: S(501, "5.5.4", "Syntax: AUTH mechanism"),
    K.ALREADY_AUTHENTICATED: S(503, "5.5.1", "Error: already authenticated"),
    # smtpd_sasl_mail_opt() of smtpd_sasl_proto.c
    K.MULTIPLE_AUTH_PARAMETERS: S(503, "5.5.4", "Error: multiple AUTH= options"),
    # smtpd_sasl_authenticate(): a response past smtpd_sasl_resp_limit
    K.SASL_RESPONSE_TOO_LONG: S(500, "5.5.6", "SASL response limit exceeded"),
}

POSTFIX_3 = Personality(
    id="postfix-3",
    name="Postfix 3.9",
    description=(
        "Today's Postfix: enhanced status codes, VRFY answers 252, no EXPN, HELP lists the "
        "commands, bare newlines never end DATA, and HTTP or header lines end the session."
    ),
    banner="{hostname} ESMTP Postfix",
    extensions=_POSTFIX_3_EHLO,
    help=HelpStyle.LIST,  # help_cmd(), new in 3.9
    forbid_unauth_pipelining=True,  # smtpd_forbid_unauth_pipelining = yes from 3.9
    bare_linefeed=BareLinefeed.KEEP,  # smtpd_forbid_bare_newline = normalize from 3.9
    **_POSTFIX_3_RULES,
    replies=_POSTFIX_3_REPLIES,
)

#: Debian 12's Postfix 3.7.11 as conformance/setup_postfix.sh configures it: measured against
#: with conformance/harness.py (docs/conformance.md).
POSTFIX_3_7 = Personality(
    id="postfix-3.7",
    name="Postfix 3.7",
    description=(
        "Debian 12's Postfix 3.7.11: like today's, but no HELP, pipelining after HELO "
        "tolerated and a bare <LF>.<LF> ends DATA (the 2023 SMTP smuggling defaults came "
        "with 3.9)."
    ),
    banner="{hostname} ESMTP Postfix",
    extensions=_POSTFIX_3_EHLO,
    help=HelpStyle.NONE,
    forbid_unauth_pipelining=False,  # smtpd_forbid_unauth_pipelining = no (3.7.10+)
    bare_linefeed=BareLinefeed.LINE_END,  # smtpd_forbid_bare_newline = no (3.7.10+)
    **_POSTFIX_3_RULES,
    replies=_POSTFIX_3_REPLIES,
)

#: Debian 12's sendmail 8.17.1.9 with Debian's default sendmail.mc (debian-mta.m4: the banner,
#: PrivacyOptions needmailhelo,needexpnhelo,needvrfyhelo,...; no MaxMessageSize), every text
#: recorded from the real server by conformance/harness.py (conformance/setup_sendmail.sh).
SENDMAIL_8 = Personality(
    id="sendmail-8",
    name="Sendmail 8.17",
    description=(
        "Debian 12's sendmail with its default configuration: HELO is required before MAIL, "
        "VRFY and EXPN, which then answer truthfully; DEBUG is refused and logged as a probe."
    ),
    banner=(
        "{hostname} ESMTP Sendmail 8.17.1.9/8.17.1.9/Debian-2+deb12u2; {date}; (No UCE/UBE) "
        "logging access from: {peer_name}({peer_resolve})-{peer}"
    ),
    version="8.17.1.9",
    extensions=(
        "ENHANCEDSTATUSCODES",
        "PIPELINING",
        "EXPN",
        "VERB",
        "8BITMIME",
        "SIZE",
        "DSN",
        "ETRN",
        "DELIVERBY",
        "HELP",
    ),
    enhanced_codes=True,
    require_angle_brackets=False,
    require_helo=True,
    allow_unqualified=True,
    vrfy=VrfyPolicy.VERIFY,
    expn=ExpnPolicy.EXPAND,
    debug=DebugPolicy.NOTED,
    help=HelpStyle.FULL,
    max_recipients=100_000,  # MaxRecipientsPerMessage=0: no limit
    max_command_line=2048,  # srvrsmtp.c: a longer command is an attack (421)
    max_data_line=None,
    error_limit=None,  # only unknown commands count (bad_command_limit)
    syntax=CommandSyntax.SENDMAIL,
    size_limit_advertised=False,
    queue_id_style="sendmail",
    bad_command_limit=25,  # MAXBADCOMMANDS
    unimplemented_verbs=frozenset({"SEND", "SOML", "SAML", "TURN"}),
    recognised=frozenset({"ETRN", "VERB", "STARTTLS", "AUTH"}),
    require_helo_for_vrfy=True,
    bare_linefeed=BareLinefeed.CLOSE,
    reject_nul=True,
    replies={
        K.HELO_OK: S(250, None, "{hostname} Hello {peer}, pleased to meet you"),
        K.EHLO_OK: S(250, None, "{hostname} Hello {peer}, pleased to meet you"),
        K.HELO_SYNTAX: S(501, "5.0.0", "{verb} requires domain address"),
        K.EHLO_SYNTAX: S(501, "5.0.0", "{verb} requires domain address"),
        K.HELO_INVALID: S(501, "5.0.0", "Invalid domain name"),
        K.MAIL_OK: S(250, "2.1.0", "{address}... Sender ok"),
        K.RCPT_OK: S(250, "2.1.5", "{address}... Recipient ok"),
        K.DATA_START: S(354, None, "End data with <CR><LF>.<CR><LF>"),
        K.QUEUED: S(250, "2.0.0", "{queue_id} Message accepted for delivery"),
        K.BYE: S(221, "2.0.0", "{hostname} closing connection"),
        K.RSET_OK: S(250, "2.0.0", "Reset state"),
        K.NOOP_OK: S(250, "2.0.0", "OK"),
        K.VERB_OK: S(250, "2.0.0", "Verbose mode"),
        K.UNKNOWN_COMMAND: S(500, "5.5.1", 'Command unrecognized: "{line}"'),
        K.BAD_SYNTAX: S(500, "5.5.1", 'Command unrecognized: "{line}"'),
        K.NOT_IMPLEMENTED: S(502, "5.5.1", 'Command not implemented: "{line}"'),
        K.NESTED_MAIL: S(503, "5.5.0", "Sender already specified"),
        K.NEED_MAIL: S(503, "5.0.0", "Need MAIL before RCPT"),
        K.DATA_NEED_MAIL: S(503, "5.0.0", "Need MAIL command"),
        K.NEED_RCPT: S(503, "5.0.0", "Need RCPT (recipient)"),
        K.NO_VALID_RECIPIENTS: S(503, "5.0.0", "Need RCPT (recipient)"),
        K.NEED_HELO: S(503, "5.0.0", "Polite people say HELO first"),
        K.VRFY_NEED_HELO: S(503, "5.0.0", "I demand that you introduce yourself first"),
        K.BAD_SEQUENCE: S(550, "5.0.0", "Command rejected"),
        K.SYNC_ERROR: S(554, "5.5.0", "SMTP protocol error"),
        K.MAIL_SYNTAX: S(501, "5.5.2", 'Syntax error in parameters scanning "{word}"'),
        K.RCPT_SYNTAX: S(501, "5.5.2", 'Syntax error in parameters scanning "{word}"'),
        K.USER_UNKNOWN: S(550, "5.1.1", "{address}... User unknown"),
        K.RELAY_DENIED: S(550, "5.7.1", "{address}... Relaying denied"),
        K.RELAY_DENIED_NO_PTR: S(
            550, "5.7.1", "{address}... Relaying denied. IP name lookup failed {peer_name}"
        ),
        K.SENDER_DOMAIN_REQUIRED: S(
            553, "5.5.4", "{address}... Domain name required for sender address {argument}"
        ),
        K.SENDER_LITERAL: S(
            553, "5.5.4", "{address}... Real domain name required for sender address"
        ),
        K.SENDER_DOMAIN_UNKNOWN: S(
            553, "5.1.8", "{address}... Domain of sender address {argument} does not exist"
        ),
        K.VRFY_OK: S(250, "2.1.5", "{address}"),
        K.EXPN_OK: S(250, "2.1.5", "{address}"),
        # (with PrivacyOptions=goaway, novrfy or noexpn: with_privacy_options)
        K.VRFY_AMBIGUOUS: S(
            252, "2.5.2", "Cannot VRFY user; try RCPT to attempt delivery (or try finger)"
        ),
        K.EXPN_DISABLED: S(502, "5.7.0", "Sorry, we do not allow this operation"),
        K.VRFY_REMOTE: S(252, "2.1.5", "{address}"),
        K.VRFY_UNKNOWN: S(550, "5.1.1", "{argument}... User unknown"),
        K.VRFY_SYNTAX: S(501, "5.5.2", "Argument required"),
        K.TOO_MANY_ERRORS: S(421, "4.7.0", "{hostname} Too many bad commands; closing connection"),
        K.LINE_TOO_LONG: S(421, "4.7.0", "{hostname} Command too long, possible attack {peer}"),
        K.TOO_MANY_RECIPIENTS: S(452, "4.5.3", "Too many recipients"),
        K.MESSAGE_TOO_BIG: S(552, "5.2.3", "Message exceeds maximum fixed size ({size})"),
        K.MESSAGE_SIZE_EXCEEDS: S(
            552, "5.2.3", "Message size exceeds fixed maximum message size ({size})"
        ),
        K.UNSUPPORTED_OPTION: S(555, "5.5.4", "{option} parameter unrecognized"),
        K.PARAMETER_NOT_IMPLEMENTED: S(501, "5.5.4", "Unknown BODY type {option}"),
        K.HELP_OK: S(214, "2.0.0", "{argument}"),
        K.HELP_UNKNOWN_TOPIC: S(504, "5.3.0", 'HELP topic "{argument}" unknown'),
        K.ETRN_OK: S(250, "2.0.0", "Queuing for node {argument} started"),
        K.ETRN_SYNTAX: S(500, "5.5.2", "Parameter required"),
        K.ETRN_QUEUE_UNKNOWN: S(459, "4.5.4", "Queue {argument} unknown"),
        K.TLS_NOT_AVAILABLE: S(454, "4.3.3", "TLS not available after start"),
        K.NO_PARAMETERS_ALLOWED: S(501, "5.5.2", "Syntax error (no parameters allowed)"),
        K.AUTH_NOT_ENABLED: S(503, "5.3.3", "AUTH not available"),
        K.DOMAIN_REQUIRED: S(553, "5.5.4", "{address}... Domain name required for sender address"),
        K.BARE_LF_REJECTED: S(421, "4.5.0", "Bare linefeed (LF) not allowed"),
        K.BARE_CR_REJECTED: S(421, "4.5.0", "Bare carriage return (CR) not allowed"),
        K.NUL_REJECTED: S(554, "5.6.1", "NUL byte not allowed"),
        K.MAILBOX_FULL: S(552, "5.2.2", "{address}... Mailbox full"),
        K.TIMEOUT: S(421, "4.4.1", "{hostname} Lost input channel: timeout waiting for input"),
        K.SHUTDOWN: S(421, "4.3.0", "{hostname} Shutting down"),
    },
)

SENDMAIL_1988 = Personality(
    id="sendmail-1988",
    name="Sendmail 5.61 (1988)",
    description=(
        "The sendmail of the Morris worm (RFC 821, no ESMTP): DEBUG answers 200 Debug set and "
        "then accepts a pipe to a program as a recipient, VRFY really verifies, EXPN expands "
        "lists. Only a simulation: nothing is ever executed."
    ),
    banner="{hostname} Sendmail 5.61 ready at {date}",
    esmtp=False,
    extensions=(),
    enhanced_codes=False,
    require_angle_brackets=False,
    require_helo=False,
    allow_unqualified=True,
    vrfy=VrfyPolicy.VERIFY,
    expn=ExpnPolicy.EXPAND,
    debug=DebugPolicy.ENABLED,
    help=HelpStyle.FULL,
    replies={
        K.HELO_OK: S(250, None, "{hostname} Hello {client}, pleased to meet you"),
        K.HELO_SYNTAX: S(501, None, "HELO requires domain address"),
        K.MAIL_OK: S(250, None, "{address}... Sender ok"),
        K.RCPT_OK: S(250, None, "{address}... Recipient ok"),
        K.RCPT_PIPE_OK: S(250, None, "{address}... Recipient ok"),
        K.DATA_START: S(354, None, 'Enter mail, end with "." on a line by itself'),
        K.QUEUED: S(250, None, "Ok"),
        K.BYE: S(221, None, "{hostname} closing connection"),
        K.RSET_OK: S(250, None, "Reset state"),
        K.NOOP_OK: S(200, None, "OK"),
        K.UNKNOWN_COMMAND: S(500, None, "Command unrecognized"),
        K.BAD_SYNTAX: S(500, None, "Command unrecognized"),
        K.NOT_IMPLEMENTED: S(502, None, "Command not implemented"),
        K.NESTED_MAIL: S(503, None, "Sender already specified"),
        K.NEED_MAIL: S(503, None, "Need MAIL before RCPT"),
        K.NEED_RCPT: S(503, None, "Need RCPT (recipient)"),
        K.NO_VALID_RECIPIENTS: S(503, None, "Need RCPT (recipient)"),
        K.MAIL_SYNTAX: S(501, None, 'Syntax error in parameters scanning "from"'),
        K.RCPT_SYNTAX: S(501, None, 'Syntax error in parameters scanning "to"'),
        K.USER_UNKNOWN: S(550, None, "{address}... User unknown"),
        K.VRFY_UNKNOWN: S(550, None, "{argument}... User unknown"),
        K.EXPN_UNKNOWN: S(550, None, "{argument}... User unknown"),
        K.RELAY_DENIED: S(550, None, "{address}... Relaying denied"),
        K.VRFY_OK: S(250, None, "{address}"),
        K.EXPN_OK: S(250, None, "{address}"),
        K.TOO_MANY_RECIPIENTS: S(552, None, "Too many recipients"),
        K.DEBUG_OK: S(200, None, "Debug set"),
        K.HELP_UNKNOWN_TOPIC: S(504, None, 'HELP topic "{argument}" unknown'),
        K.HELP_OK: S(214, None, "{argument}"),
        K.TOO_MANY_ERRORS: S(421, None, "{hostname} Too many bad commands; closing connection"),
        K.MESSAGE_TOO_BIG: S(552, None, "Message too large"),
        K.NO_ARGUMENT_ALLOWED: S(501, None, "Syntax error in parameters"),
        # RFC 821 has no MAIL/RCPT parameters and no 555 (that came with RFC 1869/5321)
        K.UNSUPPORTED_OPTION: S(501, None, "Syntax error in parameters"),
        K.MAILBOX_FULL: S(552, None, "{address}... Mailbox full"),
        K.TIMEOUT: S(421, None, "{hostname} Lost input channel: timeout waiting for input"),
        K.SHUTDOWN: S(421, None, "{hostname} Shutting down"),
        K.DATA_LINE_TOO_LONG: S(500, None, "Line too long"),
        K.LINE_TOO_LONG: S(500, None, "Line too long"),
    },
)

RFC5321 = Personality(
    id="rfc5321",
    name="RFC 5321 reference server",
    description=(
        "A strict server that does exactly what RFC 5321 says, in the RFC's own words: EHLO or "
        "HELO first, angle brackets required, VRFY verifies, EXPN expands mailing lists."
    ),
    banner="{hostname} Service ready",
    extensions=("PIPELINING", "SIZE", "ENHANCEDSTATUSCODES", "8BITMIME", "VRFY", "EXPN", "HELP"),
    enhanced_codes=True,
    require_angle_brackets=True,
    no_space_at_colon=True,
    require_helo=True,
    vrfy=VrfyPolicy.VERIFY,
    expn=ExpnPolicy.EXPAND,
    debug=DebugPolicy.UNRECOGNIZED,
    help=HelpStyle.FULL,
    replies={},
)


def with_privacy_options(p: Personality, options: str) -> Personality:
    """sendmail configured with ``PrivacyOptions=goaway`` (Debian's default .mc has not it):
    VRFY answers 252 for any name, at any time; EXPN is refused with 502; EHLO lists neither
    EXPN nor VERB; MAIL still wants HELO first. Recorded from the reference with goaway set."""
    if options != "goaway":
        raise ValueError(f"unknown PrivacyOptions {options!r}; known: goaway")
    return replace(
        p,
        vrfy=VrfyPolicy.AMBIGUOUS,
        expn=ExpnPolicy.DISABLED,
        require_helo=True,
        require_helo_for_vrfy=False,
        extensions=tuple(x for x in p.extensions if x not in ("EXPN", "VERB")),
    )


PERSONALITIES: Mapping[str, Personality] = MappingProxyType(
    {p.id: p for p in (POSTFIX_1_1, POSTFIX_3_7, POSTFIX_3, SENDMAIL_8, SENDMAIL_1988, RFC5321)}
)

DEFAULT_PERSONALITY = "postfix-3"


#: smtpd_forbid_bare_newline's values (Postfix 3.9: normalize by default; 3.7.10+: no)
BARE_NEWLINE = MappingProxyType(
    {"no": BareLinefeed.LINE_END, "normalize": BareLinefeed.KEEP, "reject": BareLinefeed.REJECT}
)


#: the mechanisms AUTH offers when smtpd_sasl_auth_enable = yes (Dovecot's auth_mechanisms =
#: plain login, the reference's: "250-AUTH PLAIN LOGIN")
SASL_MECHANISMS = ("PLAIN", "LOGIN")
#: smtpd_tls_security_level's values the simulator knows (encrypt, which refuses mail
#: before STARTTLS, is not modelled)
TLS_SECURITY_LEVELS = ("none", "may")


def configured(
    p: Personality,
    *,
    disable_vrfy_command: bool | None = None,
    smtpd_helo_required: bool | None = None,
    message_size_limit: int | None = None,
    smtpd_forbid_unauth_pipelining: bool | None = None,
    smtpd_forbid_bare_newline: str | None = None,
    smtpd_hard_error_limit: int | None = None,
    smtpd_soft_error_limit: int | None = None,
    smtpd_sasl_auth_enable: bool | None = None,
    smtpd_tls_security_level: str | None = None,
    smtpd_tls_auth_only: bool | None = None,
) -> Personality:
    """``p`` with a site's settings, named as in Postfix's main.cf (None: the personality's
    own). A scenario's [hosts.mta] table passes them. smtpd_sasl_auth_enable offers AUTH
    PLAIN LOGIN (Dovecot's mechanisms), smtpd_tls_security_level ``may`` offers STARTTLS
    (``none``: not)."""
    changes: dict[str, Any] = {}
    if smtpd_sasl_auth_enable is not None:
        changes["sasl_mechanisms"] = SASL_MECHANISMS if smtpd_sasl_auth_enable else ()
    if smtpd_tls_security_level is not None:
        if smtpd_tls_security_level not in TLS_SECURITY_LEVELS:
            known = ", ".join(TLS_SECURITY_LEVELS)
            raise ValueError(
                f"smtpd_tls_security_level {smtpd_tls_security_level!r}; known: {known}"
            )
        changes["starttls"] = smtpd_tls_security_level == "may"
    if smtpd_tls_auth_only is not None:
        changes["tls_auth_only"] = smtpd_tls_auth_only
    if disable_vrfy_command is not None:
        if disable_vrfy_command:
            changes["vrfy"] = VrfyPolicy.DISABLED
            changes["extensions"] = tuple(e for e in p.extensions if e.upper() != "VRFY")
        elif p.vrfy is VrfyPolicy.DISABLED:
            changes["vrfy"] = VrfyPolicy.CHECKED_252
    if smtpd_helo_required is not None:
        changes["require_helo"] = smtpd_helo_required
    if message_size_limit is not None:
        changes["max_message_size"] = message_size_limit
    if smtpd_forbid_unauth_pipelining is not None:
        changes["forbid_unauth_pipelining"] = smtpd_forbid_unauth_pipelining
    if smtpd_forbid_bare_newline is not None:
        changes["bare_linefeed"] = BARE_NEWLINE[smtpd_forbid_bare_newline]
    if smtpd_hard_error_limit is not None:
        changes["error_limit"] = smtpd_hard_error_limit
    if smtpd_soft_error_limit is not None:
        changes["soft_error_limit"] = smtpd_soft_error_limit
    return replace(p, **changes) if changes else p


def get_personality(ident: str) -> Personality:
    """Look a personality up by id; raises ``KeyError`` with the known ids in the message."""
    try:
        return PERSONALITIES[ident]
    except KeyError:
        known = ", ".join(PERSONALITIES)
        raise KeyError(f"unknown personality {ident!r}; known: {known}") from None
