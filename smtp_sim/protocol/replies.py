"""The reply catalog: every reply the SMTP server engine can send, by kind.

Each :class:`ReplyKind` has a default code, enhanced status code (RFC 3463) and text, taken from
RFC 5321's own wording.  Personalities (see ``personalities.py``) override the text, and sometimes
the code, of the kinds they answer differently.  The engine, the simulator, the lessons, the
explanations and the tests all import reply texts from here and nowhere else.

Texts are templates; the fields they may use are ``{hostname}``, ``{client}``, ``{address}``,
``{argument}``, ``{verb}``, ``{option}``, ``{queue_id}``, ``{date}`` and ``{ip}``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class ReplyKind(StrEnum):
    """What a reply means to the engine, independent of its wording."""

    GREETING = "greeting"
    SERVICE_UNAVAILABLE = "service_unavailable"
    HELO_OK = "helo_ok"
    EHLO_OK = "ehlo_ok"
    HELO_SYNTAX = "helo_syntax"
    EHLO_SYNTAX = "ehlo_syntax"
    MAIL_OK = "mail_ok"
    MAIL_SYNTAX = "mail_syntax"
    #: MAIL FROM: <a> or RCPT TO :<b>, where RFC 5321 section 3.3 permits no space (the
    #: strict reference server's; Postfix and sendmail take the space)
    SPACE_AT_COLON = "space_at_colon"
    NESTED_MAIL = "nested_mail"
    NEED_HELO = "need_helo"
    SENDER_REJECTED = "sender_rejected"
    RCPT_OK = "rcpt_ok"
    RCPT_PIPE_OK = "rcpt_pipe_ok"
    RCPT_SYNTAX = "rcpt_syntax"
    NEED_MAIL = "need_mail"
    USER_UNKNOWN = "user_unknown"
    RELAY_DENIED = "relay_denied"
    RELAY_DEFERRED = "relay_deferred"
    TOO_MANY_RECIPIENTS = "too_many_recipients"
    MAILBOX_FULL = "mailbox_full"
    ADDRESS_TOO_LONG = "address_too_long"
    BAD_SENDER_SYNTAX = "bad_sender_syntax"
    BAD_RECIPIENT_SYNTAX = "bad_recipient_syntax"
    DOMAIN_REQUIRED = "domain_required"
    DATA_START = "data_start"
    NEED_RCPT = "need_rcpt"
    NO_VALID_RECIPIENTS = "no_valid_recipients"
    QUEUED = "queued"
    MESSAGE_TOO_BIG = "message_too_big"
    MESSAGE_SIZE_EXCEEDS = "message_size_exceeds"
    DATA_LINE_TOO_LONG = "data_line_too_long"
    BARE_LF_REJECTED = "bare_lf_rejected"
    RSET_OK = "rset_ok"
    NOOP_OK = "noop_ok"
    VRFY_OK = "vrfy_ok"
    VRFY_AMBIGUOUS = "vrfy_ambiguous"
    VRFY_DISABLED = "vrfy_disabled"
    VRFY_UNKNOWN = "vrfy_unknown"
    VRFY_SYNTAX = "vrfy_syntax"
    EXPN_OK = "expn_ok"
    EXPN_DISABLED = "expn_disabled"
    EXPN_UNKNOWN = "expn_unknown"
    EXPN_SYNTAX = "expn_syntax"
    HELP_OK = "help_ok"
    HELP_UNKNOWN_TOPIC = "help_unknown_topic"
    DEBUG_OK = "debug_ok"
    BYE = "bye"
    UNKNOWN_COMMAND = "unknown_command"
    NOT_IMPLEMENTED = "not_implemented"
    NO_ARGUMENT_ALLOWED = "no_argument_allowed"
    BAD_SYNTAX = "bad_syntax"
    BAD_SEQUENCE = "bad_sequence"
    LINE_TOO_LONG = "line_too_long"
    UNSUPPORTED_OPTION = "unsupported_option"
    PARAMETER_NOT_IMPLEMENTED = "parameter_not_implemented"
    TOO_MANY_ERRORS = "too_many_errors"
    BREAK_RULES = "break_rules"
    SYNC_ERROR = "sync_error"
    TIMEOUT = "timeout"
    SHUTDOWN = "shutdown"
    TOO_MANY_CONNECTIONS = "too_many_connections"
    TOO_MANY_CONNECTIONS_FROM = "too_many_connections_from"
    LOCAL_ERROR = "local_error"
    TEMPORARY_FAILURE = "temporary_failure"
    BAD_UTF8 = "bad_utf8"
    BAD_SIZE_SYNTAX = "bad_size_syntax"
    BAD_MAIL_PARAMETER = "bad_mail_parameter"
    BAD_RCPT_PARAMETER = "bad_rcpt_parameter"
    TLS_NOT_AVAILABLE = "tls_not_available"
    AUTH_NOT_ENABLED = "auth_not_enabled"
    IN_TRANSACTION = "in_transaction"
    NOT_AUTHORIZED = "not_authorized"
    ATTRIBUTE_SYNTAX = "attribute_syntax"
    ETRN_SYNTAX = "etrn_syntax"
    ETRN_BAD_DOMAIN = "etrn_bad_domain"
    ETRN_IN_TRANSACTION = "etrn_in_transaction"
    ETRN_UNAVAILABLE = "etrn_unavailable"
    BDAT_SYNTAX = "bdat_syntax"
    BDAT_NULL = "bdat_null"
    BDAT_DISCARDED = "bdat_discarded"
    CHUNK_TOO_BIG = "chunk_too_big"
    CHUNK_OK = "chunk_ok"
    AFTER_BDAT = "after_bdat"
    CHUNKS_QUEUED = "chunks_queued"
    TLS_READY = "tls_ready"  # STARTTLS accepted: the handshake follows (RFC 3207)
    TLS_ALREADY_ACTIVE = "tls_already_active"
    TLS_LOCAL_PROBLEM = "tls_local_problem"  # STARTTLS offered, but the server cannot start it
    AUTH_CHALLENGE = "auth_challenge"  # 334 and a base64 challenge (RFC 4954 section 4)
    AUTH_OK = "auth_ok"
    AUTH_FAILED = "auth_failed"
    AUTH_ABORTED = "auth_aborted"  # the client answered a challenge with "*"
    AUTH_SYNTAX = "auth_syntax"
    ALREADY_AUTHENTICATED = "already_authenticated"
    MULTIPLE_AUTH_PARAMETERS = "multiple_auth_parameters"  # MAIL ... AUTH=<a> AUTH=<b>
    SASL_RESPONSE_TOO_LONG = "sasl_response_too_long"
    # Finer kinds a personality may word apart; one it leaves out is answered as the kind
    # REPLY_FALLBACKS names (so a server that does not distinguish them needs nothing).
    DATA_NEED_MAIL = "data_need_mail"  # DATA with no MAIL (sendmail: "Need MAIL command")
    VRFY_NEED_HELO = "vrfy_need_helo"  # VRFY/EXPN before HELO (sendmail's needvrfyhelo)
    HELO_INVALID = "helo_invalid"  # a HELO/EHLO name the server refuses
    RELAY_DENIED_NO_PTR = "relay_denied_no_ptr"  # relay refused, the client has no name
    VRFY_REMOTE = "vrfy_remote"  # VRFY of an address the server would relay
    SENDER_DOMAIN_REQUIRED = "sender_domain_required"  # at RCPT: the sender is unqualified
    SENDER_DOMAIN_UNKNOWN = "sender_domain_unknown"  # at RCPT: the sender's domain is unknown
    SENDER_LITERAL = "sender_literal"  # at RCPT: the sender's domain is an address literal
    VERB_OK = "verb_ok"  # sendmail's VERB
    ETRN_OK = "etrn_ok"
    ETRN_QUEUE_UNKNOWN = "etrn_queue_unknown"
    NO_PARAMETERS_ALLOWED = "no_parameters_allowed"
    BARE_CR_REJECTED = "bare_cr_rejected"  # a bare CR in the content (else as a bare LF)
    NUL_REJECTED = "nul_rejected"  # a NUL octet in the content


@dataclass(frozen=True, slots=True)
class ReplySpec:
    """A reply template: code, enhanced status code (or None) and text template."""

    code: int
    enhanced: str | None
    text: str


S = ReplySpec

#: RFC 5321's own wording (sections 4.2.2, 4.2.3, 4.3.2 and the examples of appendix D).
DEFAULT_REPLIES: dict[ReplyKind, ReplySpec] = {
    ReplyKind.GREETING: S(220, None, "{hostname} Service ready"),
    ReplyKind.SERVICE_UNAVAILABLE: S(
        421, "4.3.2", "{hostname} Service not available, closing transmission channel"
    ),
    ReplyKind.HELO_OK: S(250, None, "{hostname}"),
    ReplyKind.EHLO_OK: S(250, None, "{hostname}"),
    ReplyKind.HELO_SYNTAX: S(501, "5.5.4", "Syntax: HELO hostname"),
    ReplyKind.EHLO_SYNTAX: S(501, "5.5.4", "Syntax: EHLO hostname"),
    ReplyKind.MAIL_OK: S(250, "2.1.0", "OK"),
    ReplyKind.MAIL_SYNTAX: S(501, "5.5.4", "Syntax: MAIL FROM:<address>"),
    # (501's text of section 4.2.2, then section 3.3's words)
    ReplyKind.SPACE_AT_COLON: S(
        501,
        "5.5.4",
        "Syntax error in parameters or arguments: spaces are not permitted on either side "
        "of the colon",
    ),
    ReplyKind.NESTED_MAIL: S(503, "5.5.1", "Bad sequence of commands: nested MAIL command"),
    ReplyKind.NEED_HELO: S(503, "5.5.1", "Bad sequence of commands: send HELO or EHLO first"),
    ReplyKind.SENDER_REJECTED: S(553, "5.1.7", "{address}: Sender address rejected"),
    ReplyKind.RCPT_OK: S(250, "2.1.5", "OK"),
    ReplyKind.RCPT_PIPE_OK: S(250, "2.1.5", "OK"),
    ReplyKind.RCPT_SYNTAX: S(501, "5.5.4", "Syntax: RCPT TO:<address>"),
    ReplyKind.NEED_MAIL: S(503, "5.5.1", "Bad sequence of commands: need MAIL command"),
    ReplyKind.USER_UNKNOWN: S(
        550, "5.1.1", "{address}: Requested action not taken: mailbox unavailable"
    ),
    # RFC 5321 3.6.2: a server that declines to relay for policy reasons SHOULD answer 550
    # (4.3.2 lists no 554 for RCPT; Postfix's 554 is its own wording, kept in personalities.py)
    ReplyKind.RELAY_DENIED: S(550, "5.7.1", "{address}: Relay access denied"),
    # A relay refused for now (Postfix's defer_unauth_destination): the client may try later
    ReplyKind.RELAY_DEFERRED: S(454, "4.7.1", "{address}: Relay access denied"),
    ReplyKind.TOO_MANY_RECIPIENTS: S(452, "4.5.3", "Too many recipients"),
    ReplyKind.MAILBOX_FULL: S(
        552, "5.2.2", "{address}: Requested mail action aborted: exceeded storage allocation"
    ),
    ReplyKind.ADDRESS_TOO_LONG: S(501, "5.1.3", "{address}: Path too long"),
    ReplyKind.BAD_SENDER_SYNTAX: S(501, "5.1.7", "{address}: Bad sender address syntax"),
    ReplyKind.BAD_RECIPIENT_SYNTAX: S(501, "5.1.3", "{address}: Bad recipient address syntax"),
    ReplyKind.DOMAIN_REQUIRED: S(553, "5.1.8", "{address}: Domain name required"),
    ReplyKind.DATA_START: S(354, None, "Start mail input; end with <CRLF>.<CRLF>"),
    ReplyKind.NEED_RCPT: S(503, "5.5.1", "Bad sequence of commands: need RCPT command"),
    ReplyKind.NO_VALID_RECIPIENTS: S(554, "5.5.1", "No valid recipients"),
    ReplyKind.QUEUED: S(250, "2.0.0", "OK: queued as {queue_id}"),
    ReplyKind.MESSAGE_TOO_BIG: S(
        552, "5.3.4", "Requested mail action aborted: exceeded storage allocation"
    ),
    ReplyKind.MESSAGE_SIZE_EXCEEDS: S(
        552, "5.3.4", "Message size exceeds fixed maximum message size"
    ),
    ReplyKind.DATA_LINE_TOO_LONG: S(500, "5.5.2", "Line too long"),
    ReplyKind.BARE_LF_REJECTED: S(550, "5.5.2", "{hostname} Error: bare <LF> received"),
    ReplyKind.RSET_OK: S(250, "2.0.0", "OK"),
    ReplyKind.NOOP_OK: S(250, "2.0.0", "OK"),
    ReplyKind.VRFY_OK: S(250, "2.1.5", "{address}"),
    ReplyKind.VRFY_AMBIGUOUS: S(
        252, "2.0.0", "Cannot VRFY user, but will accept message and attempt delivery"
    ),
    ReplyKind.VRFY_DISABLED: S(502, "5.5.1", "VRFY command is disabled"),
    ReplyKind.VRFY_UNKNOWN: S(
        550, "5.1.1", "{argument}: Requested action not taken: mailbox unavailable"
    ),
    ReplyKind.VRFY_SYNTAX: S(501, "5.5.4", "Syntax: VRFY address"),
    ReplyKind.EXPN_OK: S(250, "2.1.5", "{address}"),
    ReplyKind.EXPN_DISABLED: S(502, "5.5.1", "EXPN command is disabled"),
    ReplyKind.EXPN_UNKNOWN: S(550, "5.1.1", "{argument}: Requested action not taken: no such list"),
    ReplyKind.EXPN_SYNTAX: S(501, "5.5.4", "Syntax: EXPN list"),
    ReplyKind.HELP_OK: S(214, "2.0.0", "{argument}"),
    ReplyKind.HELP_UNKNOWN_TOPIC: S(504, "5.5.1", 'HELP topic "{argument}" unknown'),
    ReplyKind.DEBUG_OK: S(200, None, "Debug set"),
    ReplyKind.BYE: S(221, "2.0.0", "{hostname} Service closing transmission channel"),
    ReplyKind.UNKNOWN_COMMAND: S(500, "5.5.2", "Syntax error, command unrecognized"),
    ReplyKind.NOT_IMPLEMENTED: S(502, "5.5.1", "Command not implemented"),
    ReplyKind.NO_ARGUMENT_ALLOWED: S(501, "5.5.4", "Syntax: {verb} takes no argument"),
    ReplyKind.BAD_SYNTAX: S(500, "5.5.2", "Syntax error, command unrecognized"),
    ReplyKind.BAD_SEQUENCE: S(503, "5.5.1", "Bad sequence of commands"),
    ReplyKind.LINE_TOO_LONG: S(500, "5.5.2", "Line too long"),
    ReplyKind.UNSUPPORTED_OPTION: S(
        555, "5.5.4", "MAIL FROM/RCPT TO parameters not recognized or not implemented: {option}"
    ),
    ReplyKind.PARAMETER_NOT_IMPLEMENTED: S(504, "5.5.4", "Command parameter not implemented"),
    ReplyKind.TOO_MANY_ERRORS: S(
        421, "4.7.0", "{hostname} Too many errors, closing transmission channel"
    ),
    ReplyKind.BREAK_RULES: S(221, "2.7.0", "Error: I can break rules, too. Goodbye."),
    ReplyKind.SYNC_ERROR: S(554, "5.5.0", "Error: SMTP protocol synchronization"),
    ReplyKind.TIMEOUT: S(421, "4.4.2", "{hostname} Error: timeout exceeded"),
    ReplyKind.SHUTDOWN: S(
        421, "4.3.2", "{hostname} Service not available, closing transmission channel"
    ),
    # Sent instead of the greeting when a server is full (smtp-sim serve's connection limit);
    # RFC 5321 3.8 allows a 421 at any time.
    ReplyKind.TOO_MANY_CONNECTIONS: S(421, "4.7.0", "{hostname} Too many connections"),
    # One client address past its share (Postfix 3.12 smtpd.c, smtpd_client_connection_count_limit).
    ReplyKind.TOO_MANY_CONNECTIONS_FROM: S(
        421, "4.7.0", "{hostname} Error: too many connections from {client}"
    ),
    ReplyKind.LOCAL_ERROR: S(451, "4.3.0", "Requested action aborted: local error in processing"),
    ReplyKind.TEMPORARY_FAILURE: S(
        450, "4.2.0", "Requested mail action not taken: mailbox unavailable"
    ),
    # RFC 6531 section 3.7.4 (invalid UTF-8 in a command); RFC 3463 5.5.2 syntax error
    ReplyKind.BAD_UTF8: S(500, "5.5.2", "Syntax error: invalid UTF-8"),
    # RFC 1870 section 6: a SIZE value that is not a number is a syntax error (501)
    ReplyKind.BAD_SIZE_SYNTAX: S(501, "5.5.4", "Syntax error in SIZE parameter"),
    ReplyKind.BAD_MAIL_PARAMETER: S(501, "5.5.4", "Syntax error in {option} parameter"),
    ReplyKind.BAD_RCPT_PARAMETER: S(501, "5.5.4", "Syntax error in {option} parameter"),
    # RFC 3207 section 4: STARTTLS when TLS is not available
    ReplyKind.TLS_NOT_AVAILABLE: S(454, "4.7.0", "TLS not available due to temporary reason"),
    # RFC 4954 section 4: AUTH when the server offers no mechanism
    ReplyKind.AUTH_NOT_ENABLED: S(503, "5.5.1", "Authentication not enabled"),
    ReplyKind.IN_TRANSACTION: S(
        503, "5.5.1", "Bad sequence of commands: mail transaction in progress"
    ),
    ReplyKind.NOT_AUTHORIZED: S(550, "5.7.0", "Not authorized"),
    ReplyKind.ATTRIBUTE_SYNTAX: S(501, "5.5.4", "Syntax: {verb} attribute=value..."),
    # RFC 1985 section 5: ETRN's replies (458, 459, 500, 501, 503 in the RFC's own list)
    ReplyKind.ETRN_SYNTAX: S(500, "5.5.2", "Syntax error"),
    ReplyKind.ETRN_BAD_DOMAIN: S(501, "5.5.4", "Syntax error in parameters"),
    ReplyKind.ETRN_IN_TRANSACTION: S(503, "5.5.1", "Bad sequence of commands"),
    ReplyKind.ETRN_UNAVAILABLE: S(459, None, "Node {argument} not allowed: service unavailable"),
    # RFC 3030 (CHUNKING): BDAT <size> [LAST]; 521 (RFC 7504) ends the session
    ReplyKind.BDAT_SYNTAX: S(521, "5.5.4", "Syntax: BDAT count [LAST]"),
    ReplyKind.BDAT_NULL: S(551, "5.7.1", "Null BDAT request"),
    ReplyKind.BDAT_DISCARDED: S(551, "5.0.0", "Discarded {size} octets after an earlier error"),
    ReplyKind.CHUNK_TOO_BIG: S(552, "5.3.4", "Chunk exceeds message size limit"),
    ReplyKind.CHUNK_OK: S(250, "2.0.0", "{size} octets received"),
    ReplyKind.AFTER_BDAT: S(503, "5.5.1", "Bad sequence of commands: {verb} after BDAT"),
    ReplyKind.CHUNKS_QUEUED: S(250, "2.0.0", "OK: {size} octets queued as {queue_id}"),
    # RFC 3207 section 4: "220 Ready to start TLS"; 454 when TLS cannot start. Already in
    # TLS: a second STARTTLS is out of sequence (section 4.2 forbids it)
    ReplyKind.TLS_READY: S(220, "2.0.0", "Ready to start TLS"),
    ReplyKind.TLS_ALREADY_ACTIVE: S(503, "5.5.1", "Bad sequence of commands: TLS already active"),
    ReplyKind.TLS_LOCAL_PROBLEM: S(454, "4.7.0", "TLS not available due to temporary reason"),
    # RFC 4954 sections 4 and 6: a challenge is "334 " and base64 (no enhanced code); 235
    # 2.7.0 on success, 535 5.7.8 for bad credentials, 501 for "*" and for bad syntax, 503 for
    # AUTH after a successful AUTH
    ReplyKind.AUTH_CHALLENGE: S(334, None, "{challenge}"),
    ReplyKind.AUTH_OK: S(235, "2.7.0", "Authentication Succeeded"),
    ReplyKind.AUTH_FAILED: S(535, "5.7.8", "Authentication credentials invalid"),
    ReplyKind.AUTH_ABORTED: S(501, "5.7.0", "Authentication aborted"),
    ReplyKind.AUTH_SYNTAX: S(501, "5.5.4", "Syntax: AUTH mechanism [initial-response]"),
    ReplyKind.ALREADY_AUTHENTICATED: S(
        503, "5.5.1", "Bad sequence of commands: already authenticated"
    ),
    ReplyKind.MULTIPLE_AUTH_PARAMETERS: S(503, "5.5.4", "Multiple AUTH= parameters"),
    # RFC 4954 section 4: a response longer than the server accepts; 5.5.6 "Authentication
    # Exchange line is too long" (section 6)
    ReplyKind.SASL_RESPONSE_TOO_LONG: S(500, "5.5.6", "Authentication Exchange line is too long"),
}


#: The kind answered in place of a finer kind that a personality does not word itself.
REPLY_FALLBACKS: dict[ReplyKind, ReplyKind] = {
    ReplyKind.DATA_NEED_MAIL: ReplyKind.NEED_RCPT,
    ReplyKind.VRFY_NEED_HELO: ReplyKind.NEED_HELO,
    ReplyKind.HELO_INVALID: ReplyKind.HELO_SYNTAX,
    ReplyKind.RELAY_DENIED_NO_PTR: ReplyKind.RELAY_DENIED,
    ReplyKind.VRFY_REMOTE: ReplyKind.VRFY_AMBIGUOUS,
    ReplyKind.SENDER_DOMAIN_REQUIRED: ReplyKind.DOMAIN_REQUIRED,
    ReplyKind.SENDER_DOMAIN_UNKNOWN: ReplyKind.SENDER_REJECTED,
    ReplyKind.SENDER_LITERAL: ReplyKind.SENDER_REJECTED,
    ReplyKind.VERB_OK: ReplyKind.NOOP_OK,
    ReplyKind.ETRN_OK: ReplyKind.NOOP_OK,
    ReplyKind.ETRN_QUEUE_UNKNOWN: ReplyKind.NOT_IMPLEMENTED,
    ReplyKind.NO_PARAMETERS_ALLOWED: ReplyKind.NO_ARGUMENT_ALLOWED,
    ReplyKind.BARE_CR_REJECTED: ReplyKind.BARE_LF_REJECTED,
    ReplyKind.NUL_REJECTED: ReplyKind.LOCAL_ERROR,
}
# (so the finer kinds read as their fallback's RFC wording unless a personality words them)
DEFAULT_REPLIES.update({k: DEFAULT_REPLIES[v] for k, v in REPLY_FALLBACKS.items()})

_ENHANCED_RE = re.compile(r"^([245])\.(\d{1,3})\.(\d{1,3})$")


def is_enhanced_code(text: str) -> bool:
    """True for an RFC 3463 enhanced status code such as ``5.7.1``."""
    return _ENHANCED_RE.match(text) is not None


class _WireCache:
    """Base of :class:`Reply` holding one slot that is not a field: the reply's wire bytes,
    computed on the first ``to_bytes()``. Equality, hashing, ``repr`` and pickling ignore it."""

    __slots__ = ("_wire",)
    _wire: bytes


@dataclass(frozen=True, slots=True)
class Reply(_WireCache):
    """One SMTP reply, single- or multi-line, exactly as it goes on the wire.

    ``lines`` hold the text after the code (and after the enhanced code when there is one).
    """

    code: int
    lines: tuple[str, ...]
    enhanced: str | None = None
    kind: ReplyKind | None = None

    def __post_init__(self) -> None:
        if not 200 <= self.code <= 599:
            raise ValueError(f"reply code {self.code} is not between 200 and 599")
        if not self.lines:
            raise ValueError("a reply has at least one line")
        if self.enhanced is not None and not is_enhanced_code(self.enhanced):
            raise ValueError(f"{self.enhanced!r} is not an enhanced status code")
        for line in self.lines:
            if "\r" in line or "\n" in line:
                raise ValueError("reply text may not contain CR or LF")

    @property
    def reply_class(self) -> int:
        """The first digit: 2 success, 3 intermediate, 4 transient failure, 5 permanent."""
        return self.code // 100

    @property
    def text(self) -> str:
        """The text lines joined with newlines (without codes)."""
        return "\n".join(self.lines)

    @property
    def is_positive(self) -> bool:
        return self.code < 400

    def wire_lines(self) -> list[str]:
        """``250-first``, ..., ``250 last``: a dash after the code of every line but the last;
        an empty last line is the code alone, except 334's: RFC 4954's continue-req is
        "334" SP [base64] CRLF, so an empty challenge is "334 "."""
        prefix = f"{self.enhanced} " if self.enhanced else ""
        *first, last = self.lines
        out = [f"{self.code}-{prefix}{line}" for line in first]
        body = prefix + last
        out.append(f"{self.code} {body}" if body or self.code == 334 else str(self.code))
        return out

    def to_bytes(self) -> bytes:
        try:
            return self._wire
        except AttributeError:
            pass
        wire = ("\r\n".join(self.wire_lines()) + "\r\n").encode("utf-8", "replace")
        # The fields are frozen, so their encoding never changes: keep it (not a field).
        object.__setattr__(self, "_wire", wire)
        return wire

    def __str__(self) -> str:
        return "\n".join(self.wire_lines())


def render(
    spec: ReplySpec,
    *,
    enhanced_codes: bool,
    kind: ReplyKind | None = None,
    extra_lines: tuple[str, ...] = (),
    **fields: str,
) -> Reply:
    """Fill a template and build the :class:`Reply`.

    HELO/EHLO replies and the greeting carry no enhanced code (RFC 2034 section 3 exempts them),
    and neither does any reply of a personality that does not use them.
    """
    text = spec.text.format_map(_Fields(fields))
    lines = tuple(text.split("\n")) + extra_lines
    enhanced = spec.enhanced if enhanced_codes else None
    # (checked: rendered replies are cached per personality, so few are built; building them
    # without the checks bought nothing bench_engine could see)
    return Reply(code=spec.code, lines=lines, enhanced=enhanced, kind=kind)


class _Fields(dict[str, object]):
    """format_map helper: a missing field renders as empty text instead of raising."""

    def __missing__(self, key: str) -> str:
        return ""
