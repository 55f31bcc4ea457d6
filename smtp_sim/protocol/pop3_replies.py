"""The POP3 reply catalog, and what each POP3 command and reply means, for learners.

POP3 (RFC 1939) has no numeric reply codes: every reply starts with a status indicator, ``+OK``
(it worked) or ``-ERR`` (it did not), then free text. Some replies to a ``+OK`` go on for
several lines (a message, a listing) and end with a line holding a single dot; a line of the
body that starts with a dot gets a second dot ("byte-stuffing", RFC 1939 section 3).

Every reply text the POP3 engine sends comes from :data:`POP3_REPLIES`, and each entry carries
its explanation and its RFC section. :func:`explain_pop3` explains commands and the two status
indicators. Texts are templates; the fields they may use are ``{hostname}``, ``{user}``,
``{count}``, ``{size}``, ``{msg}``, ``{uid}``, ``{verb}``, ``{state}``, ``{syntax}`` and
``{left}``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from .explain_data import LEAVING_WORDS

__all__ = [
    "POP3_COMMANDS",
    "POP3_REPLIES",
    "STATUS_INDICATORS",
    "Pop3CommandInfo",
    "Pop3Reply",
    "Pop3ReplyKind",
    "Pop3ReplySpec",
    "UnknownPop3Topic",
    "explain_pop3",
    "explain_pop3_reply",
    "render_pop3",
]


class Pop3ReplyKind(StrEnum):
    """What a POP3 reply means to the engine, independent of its wording."""

    GREETING = "greeting"
    CAPA_OK = "capa_ok"
    USER_OK = "user_ok"
    PASS_OK = "pass_ok"
    PASS_BAD = "pass_bad"
    NEED_USER = "need_user"
    STAT_OK = "stat_ok"
    LIST_ALL = "list_all"
    LIST_ONE = "list_one"
    UIDL_ALL = "uidl_all"
    UIDL_ONE = "uidl_one"
    RETR_OK = "retr_ok"
    TOP_OK = "top_ok"
    DELE_OK = "dele_ok"
    NOOP_OK = "noop_ok"
    RSET_OK = "rset_ok"
    QUIT_OK = "quit_ok"
    QUIT_UPDATED = "quit_updated"
    UPDATE_FAILED = "update_failed"
    NO_SUCH_MESSAGE = "no_such_message"
    ALREADY_DELETED = "already_deleted"
    SYNTAX = "syntax"
    WRONG_STATE = "wrong_state"
    UNKNOWN_COMMAND = "unknown_command"
    LINE_TOO_LONG = "line_too_long"
    TOO_MANY_ERRORS = "too_many_errors"
    TOO_MANY_AUTH_FAILURES = "too_many_auth_failures"
    AUTOLOGOUT = "autologout"
    TOO_MANY_CONNECTIONS = "too_many_connections"


@dataclass(frozen=True, slots=True)
class Pop3ReplySpec:
    """One reply: its status, its text template, what it means and where the RFC says so."""

    ok: bool
    text: str
    explanation: str
    rfc: str


K = Pop3ReplyKind
S = Pop3ReplySpec
_ANY_ERR = (
    "Any -ERR like this also counts towards the server's error budget: after too "
    "many, the server closes the connection."
)
_NOT_COUNTED = (
    "A mistake about one message does not count towards the error budget: the "
    "session simply goes on."
)

#: Texts follow RFC 1939's own examples where it has them (sections 4 to 7).
POP3_REPLIES: Mapping[Pop3ReplyKind, Pop3ReplySpec] = MappingProxyType(
    {
        K.GREETING: S(
            True,
            "{hostname} POP3 server ready",
            "The server's one-line greeting when the TCP connection opens. The session is now in "
            "the AUTHORIZATION state: the client must say who it is (USER and PASS) before it can "
            "see any mail.",
            "RFC 1939 section 4",
        ),
        K.CAPA_OK: S(
            True,
            "Capability list follows",
            "A multi-line reply: one capability per line (TOP, UIDL, USER, PIPELINING...), then a "
            "line with a single dot. A client asks first so it knows which optional commands it "
            "may use.",
            "RFC 2449 sections 5 and 6",
        ),
        K.USER_OK: S(
            True,
            "{user}: send PASS",
            "The user name was noted; the next command must be PASS with the password. This "
            "server says +OK to any name and only checks at PASS, so a stranger cannot use USER to "
            "learn which mailboxes exist (RFC 1939 section 7 allows this: 'the server may return a "
            "positive response even though no such mailbox exists').",
            "RFC 1939 section 7 (USER)",
        ),
        K.PASS_OK: S(
            True,
            "{user}'s maildrop has {count} messages ({size} octets)",
            "Name and password were right: the server locked the maildrop (so no other session "
            "changes it) and the session moved to the TRANSACTION state. Message numbers 1, 2, "
            "... now stay fixed until the session ends.",
            "RFC 1939 sections 4 and 7 (PASS)",
        ),
        K.PASS_BAD: S(
            False,
            "invalid user name or password",
            "The name and password do not match (RFC 1939's own wording is '-ERR invalid "
            "password'). The session stays in the AUTHORIZATION state; start again with USER, or "
            "QUIT. The password crossed the network in plain text: anyone on the path can read "
            "it, which is why real servers wrap POP3 in TLS (port 995). Each failure is answered "
            "only after a pause (Dovecot waits about two seconds, longer for an address that keeps "
            "failing), and after three this server hangs up, so guessing passwords is slow.",
            "RFC 1939 sections 7 (PASS) and 13",
        ),
        K.NEED_USER: S(
            False,
            "send USER first",
            "PASS is only allowed straight after a successful USER command; anything in between "
            "means starting again with USER. " + _ANY_ERR,
            "RFC 1939 section 7 (PASS)",
        ),
        K.STAT_OK: S(
            True,
            "{count} {size}",
            "The 'drop listing': the number of messages and their total size in octets, exactly "
            "two numbers so programs can read them. Messages marked for deletion are not counted.",
            "RFC 1939 section 5 (STAT)",
        ),
        K.LIST_ALL: S(
            True,
            "{count} messages ({size} octets)",
            "A multi-line 'scan listing': one line 'number size' per message not marked as "
            "deleted, then a line with a single dot.",
            "RFC 1939 section 5 (LIST)",
        ),
        K.LIST_ONE: S(
            True,
            "{msg} {size}",
            "The scan listing of one message: its number and its exact size in octets.",
            "RFC 1939 section 5 (LIST)",
        ),
        K.UIDL_ALL: S(
            True,
            "unique-id listing follows",
            "A multi-line listing: 'number unique-id' per message. The unique-id never changes "
            "between sessions, so a client that leaves mail on the server knows which messages it "
            "has already downloaded.",
            "RFC 1939 section 7 (UIDL)",
        ),
        K.UIDL_ONE: S(
            True,
            "{msg} {uid}",
            "One message's number and its unique-id, which stays the same in every session.",
            "RFC 1939 section 7 (UIDL)",
        ),
        K.RETR_OK: S(
            True,
            "{size} octets",
            "The whole message follows, line by line, then a line with a single dot. A line of "
            "the message that starts with a dot is sent with a second dot in front "
            "(byte-stuffing); the client removes it again. Retrieving does not delete: that is "
            "DELE's job.",
            "RFC 1939 sections 3 and 5 (RETR)",
        ),
        K.TOP_OK: S(
            True,
            "top of message follows",
            "The message's header, the blank line after it, and the first n lines of its body "
            "follow, byte-stuffed and ended by a line with a single dot. A client uses it to show "
            "subjects without downloading whole messages.",
            "RFC 1939 section 7 (TOP)",
        ),
        K.DELE_OK: S(
            True,
            "message {msg} deleted",
            "The message is only MARKED as deleted: it disappears from STAT and LIST now, but the "
            "server removes it only when the client ends the session with QUIT (the UPDATE "
            "state). RSET, or a broken connection, keeps it.",
            "RFC 1939 section 5 (DELE)",
        ),
        K.NOOP_OK: S(
            True,
            "",
            "NOOP does nothing; the +OK shows the server is still there.",
            "RFC 1939 section 5 (NOOP)",
        ),
        K.RSET_OK: S(
            True,
            "maildrop has {count} messages ({size} octets)",
            "Every deletion mark of this session is removed: nothing will be deleted at QUIT.",
            "RFC 1939 section 5 (RSET)",
        ),
        K.QUIT_OK: S(
            True,
            "{hostname} POP3 server signing off",
            "QUIT before logging in: the server says goodbye and closes; nothing in any mailbox "
            "changes.",
            "RFC 1939 section 4 (QUIT)",
        ),
        K.QUIT_UPDATED: S(
            True,
            "{hostname} POP3 server signing off ({left})",
            "QUIT after logging in: the session entered the UPDATE state, the server removed "
            "every message marked with DELE, unlocked the maildrop and closed the connection.",
            "RFC 1939 section 6 (QUIT)",
        ),
        K.UPDATE_FAILED: S(
            False,
            "some deleted messages not removed",
            "The session ended, but the server could not remove every message marked for "
            "deletion; the rest stay in the maildrop.",
            "RFC 1939 section 6 (QUIT)",
        ),
        K.NO_SUCH_MESSAGE: S(
            False,
            "no such message, only {count} messages in maildrop",
            "No message has that number. Numbers run from 1 to the count that STAT gave at the "
            "start of the session. " + _NOT_COUNTED,
            "RFC 1939 section 5",
        ),
        K.ALREADY_DELETED: S(
            False,
            "message {msg} already deleted",
            "That message is marked as deleted in this session; commands may not refer to it "
            "(RSET brings it back). " + _NOT_COUNTED,
            "RFC 1939 section 5 (DELE)",
        ),
        K.SYNTAX: S(
            False,
            "syntax: {syntax}",
            "The command is known but its arguments are wrong (missing, not a number, or too "
            "many). " + _ANY_ERR,
            "RFC 1939 section 3",
        ),
        K.WRONG_STATE: S(
            False,
            "{verb} is not allowed in the {state} state",
            "Each POP3 command belongs to a state: USER and PASS to AUTHORIZATION, STAT, LIST, "
            "RETR, DELE, NOOP, RSET, TOP and UIDL to TRANSACTION; QUIT and CAPA work in both. "
            + _ANY_ERR,
            "RFC 1939 sections 4, 5 and 9",
        ),
        K.UNKNOWN_COMMAND: S(
            False,
            "unknown command",
            "The server does not know this command (POP3 keywords are three or four letters, "
            "case-insensitive; APOP and SASL's AUTH are not offered here). " + _ANY_ERR,
            "RFC 1939 section 3",
        ),
        K.LINE_TOO_LONG: S(
            False,
            "command line too long",
            "A POP3 command line may be at most 255 octets including its CRLF. The server threw "
            "the line away up to its end and is ready for the next command. " + _ANY_ERR,
            "RFC 2449 section 4",
        ),
        K.TOO_MANY_ERRORS: S(
            False,
            "too many errors, closing connection",
            "The client made too many mistakes (or guessed too many passwords); the server hangs "
            "up without entering the UPDATE state, so nothing is deleted.",
            "RFC 1939 sections 6 and 8",
        ),
        K.TOO_MANY_AUTH_FAILURES: S(
            False,
            "too many failed logins, closing connection",
            "Three wrong passwords in one session: this server hangs up (Dovecot's login process "
            "hangs up after three bad commands in a row, but keeps answering wrong passwords, "
            "each after a pause). Connecting again is allowed, but every failure is answered "
            "slowly, so guessing a password takes a very long time.",
            "RFC 1939 section 13 (guessing passwords) and RFC 2449 section 8",
        ),
        K.AUTOLOGOUT: S(
            False,
            "autologout: idle too long, closing connection",
            "The client was silent too long. RFC 1939 lets a server log it out after at least "
            "10 minutes; the session ends without the UPDATE state, so nothing is deleted.",
            "RFC 1939 section 3",
        ),
        K.TOO_MANY_CONNECTIONS: S(
            False,
            "[SYS/TEMP] too many connections, try again later",
            "Sent instead of the greeting when the server already has as many sessions as it "
            "allows; it closes the connection at once. [SYS/TEMP] says the problem is the "
            "server's and passes: the client may try again later. Such codes in brackets are "
            "allowed because CAPA lists RESP-CODES.",
            "RFC 3206 section 4 and RFC 2449 section 8",
        ),
    }
)


@dataclass(frozen=True, slots=True)
class Pop3Reply:
    """One POP3 reply as it goes on the wire.

    ``text`` follows the status indicator; ``lines`` is the body of a multi-line reply before
    byte-stuffing (``None`` for a single-line reply).
    """

    ok: bool
    text: str = ""
    lines: tuple[bytes, ...] | None = None
    kind: Pop3ReplyKind | None = None

    def __post_init__(self) -> None:
        if "\r" in self.text or "\n" in self.text:
            raise ValueError("reply text may not contain CR or LF")
        if self.lines is not None:
            if not self.ok:
                raise ValueError("only a +OK reply has a multi-line body")
            if any(b"\r\n" in line for line in self.lines):
                raise ValueError("a body line may not contain CRLF")

    @property
    def indicator(self) -> str:
        return "+OK" if self.ok else "-ERR"

    @property
    def status_line(self) -> str:
        return f"{self.indicator} {self.text}" if self.text else self.indicator

    @property
    def multiline(self) -> bool:
        return self.lines is not None

    def to_bytes(self) -> bytes:
        """The wire form: status line, then the byte-stuffed body and ``.`` when multi-line."""
        head = self.status_line.encode("utf-8", "replace") + b"\r\n"
        if self.lines is None:
            return head
        body = b"".join(
            (b"." + line if line[:1] == b"." else line) + b"\r\n" for line in self.lines
        )
        return head + body + b".\r\n"

    def __str__(self) -> str:
        return self.status_line


class _Fields(dict[str, object]):
    def __missing__(self, key: str) -> str:
        return ""


def render_pop3(
    kind: Pop3ReplyKind,
    *,
    lines: tuple[bytes, ...] | None = None,
    text: str | None = None,
    **fields: object,
) -> Pop3Reply:
    """Build the reply of ``kind`` from the catalog (``text`` overrides the template)."""
    spec = POP3_REPLIES[kind]
    template = spec.text if text is None else text
    rendered = template.format_map(_Fields({k: str(v) for k, v in fields.items()}))
    return Pop3Reply(spec.ok, rendered, lines, kind)


# -- commands ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Pop3CommandInfo:
    """One POP3 command, for learners (``states`` must match the engine's table)."""

    verb: str
    syntax: str
    states: tuple[str, ...]
    purpose: str
    details: str
    replies: tuple[Pop3ReplyKind, ...]
    example: tuple[str, ...]
    rfc: str


C = Pop3CommandInfo
_AUTH = ("AUTHORIZATION",)
_TX = ("TRANSACTION",)
_BOTH = ("AUTHORIZATION", "TRANSACTION")

POP3_COMMANDS: Mapping[str, Pop3CommandInfo] = MappingProxyType(
    {
        info.verb: info
        for info in (
            C(
                "USER",
                "USER name",
                _AUTH,
                "Names the mailbox (maildrop) the client wants to open.",
                "The first half of plain-text login; PASS must follow at once. Many servers answer +OK "
                "to any name so that USER cannot be used to find out which mailboxes exist.",
                (K.USER_OK, K.SYNTAX),
                ("C: USER bob@cs.tcd.ie", "S: +OK bob@cs.tcd.ie: send PASS"),
                "RFC 1939 section 7",
            ),
            C(
                "PASS",
                "PASS string",
                _AUTH,
                "Gives the password for the name sent with USER; if it is right the maildrop is locked "
                "and the session enters the TRANSACTION state.",
                "The whole rest of the line is the password, spaces included. It crosses the network in "
                "plain text, so anyone who can see the traffic learns it: real services use POP3 over "
                "TLS (port 995) or STLS (RFC 2595).",
                (K.PASS_OK, K.PASS_BAD, K.NEED_USER),
                ("C: PASS secret", "S: +OK bob@cs.tcd.ie's maildrop has 2 messages (320 octets)"),
                "RFC 1939 sections 7 and 13",
            ),
            C(
                "STAT",
                "STAT",
                _TX,
                "Asks how many messages there are and how big they are together.",
                "The reply is exactly '+OK count size' (the drop listing); messages marked with DELE "
                "are left out.",
                (K.STAT_OK,),
                ("C: STAT", "S: +OK 2 320"),
                "RFC 1939 section 5",
            ),
            C(
                "LIST",
                "LIST [msg]",
                _TX,
                "Lists the size of every message, or of one message.",
                "Without an argument the reply is multi-line: 'number size' per message, then a dot. "
                "With a number, one line. Sizes are exact octet counts, CRLF counted as two.",
                (K.LIST_ALL, K.LIST_ONE, K.NO_SUCH_MESSAGE, K.ALREADY_DELETED),
                ("C: LIST", "S: +OK 2 messages (320 octets)", "S: 1 120", "S: 2 200", "S: ."),
                "RFC 1939 section 5",
            ),
            C(
                "UIDL",
                "UIDL [msg]",
                _TX,
                "Lists the unique-id of every message, or of one message.",
                "A unique-id is 1 to 70 printable characters and stays the same across sessions, so a "
                "client that keeps mail on the server can tell which messages are new.",
                (K.UIDL_ALL, K.UIDL_ONE, K.NO_SUCH_MESSAGE, K.ALREADY_DELETED),
                (
                    "C: UIDL",
                    "S: +OK unique-id listing follows",
                    "S: 1 whqtswO00WBw418f9t5JxYwZ",
                    "S: 2 QhdPYR:00WBw1Ph7x7",
                    "S: .",
                ),
                "RFC 1939 section 7",
            ),
            C(
                "RETR",
                "RETR msg",
                _TX,
                "Downloads one whole message.",
                "The message follows the +OK line and ends with a line holding a single dot; lines "
                "starting with a dot are byte-stuffed. RETR does not delete the message.",
                (K.RETR_OK, K.NO_SUCH_MESSAGE, K.ALREADY_DELETED, K.SYNTAX),
                ("C: RETR 1", "S: +OK 120 octets", "S: <the message, byte-stuffed>", "S: ."),
                "RFC 1939 section 5",
            ),
            C(
                "DELE",
                "DELE msg",
                _TX,
                "Marks a message for deletion.",
                "The message is removed only when the session ends with QUIT (the UPDATE state); until "
                "then RSET can unmark it, and a broken connection deletes nothing.",
                (K.DELE_OK, K.NO_SUCH_MESSAGE, K.ALREADY_DELETED, K.SYNTAX),
                ("C: DELE 1", "S: +OK message 1 deleted"),
                "RFC 1939 section 5",
            ),
            C(
                "NOOP",
                "NOOP",
                _TX,
                "Does nothing; the server answers +OK.",
                "Useful to check that the connection is alive.",
                (K.NOOP_OK,),
                ("C: NOOP", "S: +OK"),
                "RFC 1939 section 5",
            ),
            C(
                "RSET",
                "RSET",
                _TX,
                "Unmarks every message marked with DELE in this session.",
                "Nothing is deleted at QUIT after an RSET, unless DELE is used again.",
                (K.RSET_OK,),
                ("C: RSET", "S: +OK maildrop has 2 messages (320 octets)"),
                "RFC 1939 section 5",
            ),
            C(
                "TOP",
                "TOP msg n",
                _TX,
                "Shows a message's header and the first n lines of its body.",
                "TOP 1 0 gives just the header (and the blank line after it). If n is larger than the "
                "body, the whole message is sent.",
                (K.TOP_OK, K.NO_SUCH_MESSAGE, K.SYNTAX),
                (
                    "C: TOP 1 10",
                    "S: +OK top of message follows",
                    "S: <header, blank line, 10 lines>",
                    "S: .",
                ),
                "RFC 1939 section 7",
            ),
            C(
                "QUIT",
                "QUIT",
                _BOTH,
                "Ends the session.",
                "In the AUTHORIZATION state it just closes. In the TRANSACTION state the session first "
                "enters the UPDATE state: messages marked with DELE are removed, the maildrop is "
                "unlocked, and then the connection closes.",
                (K.QUIT_OK, K.QUIT_UPDATED, K.UPDATE_FAILED),
                ("C: QUIT", "S: +OK mail.cs.tcd.ie POP3 server signing off (maildrop empty)"),
                "RFC 1939 sections 4 and 6",
            ),
            C(
                "CAPA",
                "CAPA",
                _BOTH,
                "Asks which optional commands and extensions the server supports.",
                "Added by the POP3 extension mechanism (1998). The reply lists one capability per line, "
                "e.g. TOP, UIDL, USER, RESP-CODES (-ERR replies may start with a code in brackets, "
                "such as [SYS/TEMP]) and PIPELINING (the client may send several commands without "
                "waiting).",
                (K.CAPA_OK,),
                (
                    "C: CAPA",
                    "S: +OK Capability list follows",
                    "S: USER",
                    "S: TOP",
                    "S: UIDL",
                    "S: .",
                ),
                "RFC 2449 section 5",
            ),
        )
    }
)

#: The two status indicators.
STATUS_INDICATORS: Mapping[str, str] = MappingProxyType(
    {
        "+OK": "+OK: the positive status indicator. The command worked; any text after it is "
        "for people, except where RFC 1939 fixes the format (STAT, LIST n, UIDL n). For "
        "a multi-line reply the lines follow, ended by a line with a single dot "
        "(RFC 1939 section 3).",
        "-ERR": "-ERR: the negative status indicator. The command failed and nothing changed; "
        "the text says why, for people only: POP3 has no reply codes to tell failures "
        "apart (RFC 2449 section 8 adds optional codes in square brackets). "
        "RFC 1939 section 3.",
    }
)

_OVERVIEW = (
    "POP3 (Post Office Protocol version 3, RFC 1939): how a mail program fetches mail from "
    "its mailbox on a server, on TCP port 110. SMTP pushes mail to the server; POP3 pulls it "
    "down.",
    "States: AUTHORIZATION (USER, PASS) -> TRANSACTION (STAT, LIST, UIDL, RETR, TOP, DELE, "
    "NOOP, RSET) -> UPDATE (after QUIT: marked messages are removed) -> closed.",
    "Replies start with +OK or -ERR; multi-line replies end with a line holding a single dot.",
    f"Commands: {', '.join(POP3_COMMANDS)}. Ask e.g. 'pop3 retr' or '+OK'.",
)


class UnknownPop3Topic(ValueError):
    """Neither a POP3 command nor a status indicator."""


def explain_pop3(topic: str = "") -> str:
    """Explain a POP3 command ("RETR", "list 2"), a status indicator ("+OK", "-ERR"), or
    POP3 itself ("" or "POP3"). Raises :class:`UnknownPop3Topic` for anything else."""
    if not isinstance(topic, str):
        raise UnknownPop3Topic(f"cannot explain {topic!r} as POP3")
    words = re.split(r"\s+", topic.strip(), maxsplit=1)
    word = words[0].upper()
    if word in ("", "POP3", "POP"):
        return "\n".join(_OVERVIEW)
    if word in STATUS_INDICATORS:
        return STATUS_INDICATORS[word]
    info = POP3_COMMANDS.get(word)
    if info is None:
        raise UnknownPop3Topic(
            f"cannot explain {topic!r}: not a POP3 command this simulator knows "
            f"({', '.join(POP3_COMMANDS)}) nor +OK/-ERR"
        )
    lines = [
        f"{info.verb} (POP3): {info.purpose}",
        f"Syntax: {info.syntax}",
        f"Allowed in: {' and '.join(info.states)} state",
        f"Details: {info.details}",
        "Example:",
        *(f"  {line}" for line in info.example),
        "Replies:",
        *(f"  {_shown(kind)}" for kind in info.replies),
        f"RFC: {info.rfc}",
    ]
    return "\n".join(lines)


def _shown(kind: Pop3ReplyKind) -> str:
    spec = POP3_REPLIES[kind]
    status = "+OK" if spec.ok else "-ERR"
    text = re.sub(r"\{(\w+)\}", r"<\1>", spec.text)
    return f"{status} {text}".rstrip()


#: What a template's field may hold, as read back off the wire (other fields: any text).
_FIELD_PATTERNS = {"count": r"\d+", "size": r"\d+", "msg": r"\d+", "user": r"\S+"}
_FIELD_PATTERNS |= {"hostname": r"\S+", "uid": r"\S+", "verb": r"\S+"}


def _template_pattern(template: str) -> re.Pattern[str]:
    pieces = re.split(r"\{([a-z_]+)\}", template)  # text, field, text, field, ..., text
    return re.compile(
        "".join(
            _FIELD_PATTERNS.get(piece, ".+?") if i % 2 else re.escape(piece)
            for i, piece in enumerate(pieces)
        )
        + r"\Z",
        re.DOTALL,
    )


#: Each reply's text template as a pattern, to know a reply read off the wire by its text.
_TEXT_PATTERNS = tuple(
    (kind, spec.ok, _template_pattern(spec.text)) for kind, spec in POP3_REPLIES.items()
)


def pop3_reply_kind(ok: bool, text: str) -> Pop3ReplyKind | None:
    """The catalog's kind of a reply read off the wire (a client sees only +OK/-ERR and the
    text): the one kind whose template the text fits, None when none or several do (STAT's
    "2 320" is also LIST n's)."""
    found = [kind for kind, good, pattern in _TEXT_PATTERNS if good == ok and pattern.match(text)]
    return found[0] if len(found) == 1 else None


def explain_pop3_reply(reply: Pop3Reply, command: str | None = None) -> str:
    """A short summary of a reply seen in a session: its meaning and its RFC section. A
    reply read off the wire (no kind) is known by its text where the text is the catalog's
    (after a failed PASS, "start again with USER", not "nothing changed"). Given the
    ``command`` line an unknown command answers, a "Next:" line comes first: the verb it
    resembles (``del 1``: DELE 1), QUIT for a word for leaving."""
    kind = reply.kind or pop3_reply_kind(reply.ok, reply.text)
    if kind is None:
        return STATUS_INDICATORS[reply.indicator]
    spec = POP3_REPLIES[kind]
    said = f"{reply.status_line}\n{spec.explanation} ({spec.rfc})"
    advice = (
        _unknown_advice(command)
        if kind is Pop3ReplyKind.UNKNOWN_COMMAND and command is not None
        else None
    )
    return f"Next: {advice}\n{said}" if advice else said


#: Words meant as a POP3 verb: what a student types for DELE, RETR, LIST, USER, PASS.
_MEANT = {
    "DEL": "DELE",
    "DELETE": "DELE",
    "RM": "DELE",
    "GET": "RETR",
    "READ": "RETR",
    "RETRIEVE": "RETR",
    "SHOW": "RETR",
    "LS": "LIST",
    "DIR": "LIST",
    "RESET": "RSET",
    "LOGIN": "USER",
    "PASSWORD": "PASS",
    "HEAD": "TOP",
}

#: SMTP's verbs: typed to a POP3 server, they are a wrong port, not a typo.
_SMTP_VERBS = frozenset({"HELO", "EHLO", "MAIL", "RCPT", "DATA", "VRFY", "EXPN", "STARTTLS"})


def _unknown_advice(command: str) -> str | None:
    import difflib

    words = command.strip().split(None, 1)
    if not words:
        return (
            "An empty line is no command: the server answered -ERR and nothing changed. "
            "Type a POP3 command: USER name, PASS password, STAT, LIST, RETR n, DELE n or "
            "QUIT (RFC 1939 section 3)."
        )
    verb = words[0].upper()
    rest = f" {words[1].strip()}" if len(words) > 1 else ""
    glued = re.fullmatch(r"([A-Z]+)(\d+)", verb)  # (RETR1: the number glued to the verb)
    if glued is not None and glued.group(1) in POP3_COMMANDS:
        return (
            f"A space goes between the command and the message number: type "
            f"{glued.group(1)} {glued.group(2)} (RFC 1939 section 3)."
        )
    if verb.rstrip("();.!") in LEAVING_WORDS or verb.rstrip("();.!") == "QUIT" != verb:
        return (
            f"{words[0]!r} is not how POP3 says goodbye: type QUIT (RFC 1939 sections 4 "
            "and 6; after a login it also deletes the messages marked with DELE)."
        )
    if verb in ("TELNET", "CONNECT", "OPEN"):
        return (
            "You are still connected: this POP3 server took the line as a POP3 command. Type "
            "QUIT first, then telnet again."
        )
    if verb in _SMTP_VERBS:
        return (
            f"{verb} is an SMTP command (sending mail, on port 25 or 587); this is a POP3 "
            "server (collecting mail, port 110). QUIT, then telnet to port 25 to send."
        )
    meant = _MEANT.get(verb)
    if meant is None:
        verbs = list(POP3_COMMANDS)
        close = difflib.get_close_matches(verb, verbs, n=3, cutoff=0.5)
        # (of equally close verbs, the one with the same first letter)
        meant = next(iter(sorted(close, key=lambda v: v[0] != verb[:1])), None)
    if meant is None:
        return None
    syntax = POP3_COMMANDS[meant].syntax
    return (
        f"{words[0]!r} is not a POP3 command: type {meant}{rest} (the form is {syntax}; "
        f"{POP3_COMMANDS[meant].rfc})."
    )
