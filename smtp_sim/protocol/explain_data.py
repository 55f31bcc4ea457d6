"""The facts behind the explanations: reply codes, enhanced status codes and commands.

Sources: RFC 5321 (SMTP, 2008; sections cited per entry), RFC 821 (1982) for what changed,
RFC 3463 (enhanced mail system status codes) and the source of real servers (sendmail, Postfix).
Texts are plain ASCII, one line each (HELP replies quote ``CommandInfo.syntax`` and ``purpose``).
:mod:`smtp_sim.protocol.explain` renders them; import the names from there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from .reply_texts import CODE_TEXTS


@dataclass(frozen=True, slots=True)
class CodeInfo:
    """One three-digit reply code."""

    code: int
    title: str
    meaning: str
    next_step: str
    rfc: str
    commands: tuple[str, ...]  # RFC 5321 section 4.3.2; CONNECTION for the greeting


@dataclass(frozen=True, slots=True)
class EnhancedInfo:
    """One RFC 3463 detail code; ``code`` is written the RFC's way, e.g. ``X.7.1``."""

    code: str
    title: str
    meaning: str
    rfc: str


@dataclass(frozen=True, slots=True)
class CommandInfo:
    """One SMTP command verb."""

    verb: str
    syntax: str
    purpose: str
    details: str
    rfc: str
    success: tuple[int, ...]
    errors: tuple[int, ...]
    example: str


#: Stands for "the connection was just opened" in ``CodeInfo.commands`` (220 and 554 greetings).
CONNECTION = "(connection)"

#: The commands of RFC 5321; any of them may also get 500, 501 or 421 (section 4.3.2).
RFC5321_VERBS = (
    "EHLO",
    "HELO",
    "MAIL",
    "RCPT",
    "DATA",
    "RSET",
    "VRFY",
    "EXPN",
    "HELP",
    "NOOP",
    "QUIT",
)
ANY_COMMAND_CODES = (421, 500, 501)

_TX = ("MAIL", "RCPT", "DATA")

CLASS_NAME: Mapping[int, str] = MappingProxyType(
    {
        2: "Positive Completion",
        3: "Positive Intermediate",
        4: "Transient Negative Completion",
        5: "Permanent Negative Completion",
    }
)

CLASS_MEANING: Mapping[int, str] = MappingProxyType(
    {
        2: "Positive Completion: the requested action has been completed; the client may send its "
        "next command (RFC 5321 section 4.2.1).",
        3: "Positive Intermediate: the command was accepted but the action waits for more "
        "information, which the client must send next; in base SMTP only DATA gets one, 354 "
        "(RFC 5321 section 4.2.1); extensions add others, e.g. 334 for each SMTP AUTH "
        "challenge (RFC 4954 section 4).",
        4: "Transient Negative Completion: the command was not accepted and nothing happened, but "
        "the condition is temporary; the client should try again later, from the start of the "
        "command sequence, and a mail server keeps the message queued meanwhile "
        "(RFC 5321 section 4.2.1).",
        5: "Permanent Negative Completion: the command was not accepted and nothing happened; the "
        "client should not repeat the same request unchanged, but fix the command, the address "
        "or the message first (RFC 5321 section 4.2.1).",
    }
)

CATEGORY_MEANING: Mapping[int, str] = MappingProxyType(
    {
        0: "Syntax: syntax errors, syntactically correct commands that fit no functional category, "
        "and unimplemented or superfluous commands.",
        1: "Information: replies to requests for information, such as status or help.",
        2: "Connections: replies about the transmission channel (the connection itself).",
        3: "Unspecified: RFC 5321 gives x3z no meaning and defines no code with it.",
        4: "Unspecified: RFC 5321 gives x4z no meaning and defines no code with it.",
        5: "Mail system: the status of the receiving mail system with respect to the requested "
        "transfer or other mail system action.",
    }
)


def _c(
    code: int, title: str, meaning: str, next_step: str, rfc: str, commands: tuple[str, ...]
) -> tuple[int, CodeInfo]:
    return code, CodeInfo(code, title, meaning, next_step, rfc, commands)


REPLY_CODES: Mapping[int, CodeInfo] = MappingProxyType(
    dict(
        [
            _c(
                200,
                "Nonstandard success (old sendmail, e.g. 'Debug set')",
                "Defined by no RFC (neither RFC 821 nor RFC 5321): sendmail of the 1980s answered its "
                "private DEBUG command with '200 Debug set' (and NOOP with '200 OK'); in debug mode it "
                "accepted a program as a recipient, the hole the Morris worm used in 1988 "
                "(CVE-1999-0095). Reply-code lists call 200 a 'nonstandard success response' and point "
                "to RFC 876, a 1983 survey of SMTP implementations.",
                "As a 2yz reply it means success: carry on. A modern server never sends 200.",
                "Not in RFC 5321 (nor RFC 821): RFC 821-era sendmail DEBUG",
                ("DEBUG",),
            ),
            _c(
                211,
                CODE_TEXTS[211],
                "A reply to HELP (or a status request) carrying system status or help information. "
                "Most servers answer HELP with 214 instead.",
                "Read it; nothing changed, send your next command.",
                "RFC 5321 section 4.2.2",
                ("HELP",),
            ),
            _c(
                214,
                CODE_TEXTS[214],
                "Information on how to use the server or the meaning of a non-standard command; useful "
                "only to a human reader. Often a multi-line reply (214-... lines, then '214 ').",
                "Read it; nothing changed, send your next command.",
                "RFC 5321 section 4.1.1.8",
                ("HELP",),
            ),
            _c(
                220,
                CODE_TEXTS[220],
                "The greeting sent as soon as the connection opens: the first word after the code is "
                "the server's name, often followed by its software and version (section 3.1). STARTTLS "
                "(RFC 3207) also uses 220, for 'Ready to start TLS'.",
                "Identify yourself: send EHLO <your-domain> (or HELO for plain SMTP). A client waits "
                "up to 5 minutes for this greeting (section 4.5.3.2.1).",
                "RFC 5321 section 3.1",
                (CONNECTION,),
            ),
            _c(
                221,
                CODE_TEXTS[221],
                "The answer to QUIT: the server now closes the connection (section 4.1.1.10). Postfix "
                "also sends a 221 ('Error: I can break rules, too. Goodbye.') when it drops a client "
                "whose command line looks like a header (From: ...), is an HTTP or proxy request "
                "(GET, POST, CONNECT) or, since Postfix 3.7, does not start with a letter, such as a "
                "lone '.' outside DATA (its smtpd_forbidden_commands).",
                "Nothing more: the session is over. Open a new connection to send more mail.",
                "RFC 5321 section 4.1.1.10",
                ("QUIT",),
            ),
            _c(
                250,
                CODE_TEXTS[250],
                "The command succeeded. After the final '.' of the data it means the server has taken "
                "responsibility for delivering the message (sections 4.1.1.4 and 6.1). The reply to "
                "EHLO is a multi-line 250 listing the server's extensions.",
                "Send the next command: after EHLO/HELO a MAIL, after MAIL a RCPT, after RCPT another "
                "RCPT or DATA, after the data's 250 another MAIL or QUIT.",
                "RFC 5321 section 4.2.2",
                ("EHLO", "HELO", "MAIL", "RCPT", "DATA", "RSET", "VRFY", "EXPN", "NOOP"),
            ),
            _c(
                251,
                CODE_TEXTS[251],
                "The recipient is accepted but lives elsewhere; the server will forward the mail to "
                "the address it names (section 3.4). Many servers forward silently with 250 instead, "
                "so as not to disclose addresses (section 7.7).",
                "Carry on as after 250. Do not update an address book from it unless you trust the "
                "server (section 7.4).",
                "RFC 5321 section 3.4",
                ("RCPT", "VRFY"),
            ),
            _c(
                252,
                CODE_TEXTS[252],
                "The server does not confirm or deny the address now, but would accept mail for it "
                "(section 3.5.3). A server that disables VRFY for security must answer 252 rather than "
                "something that looks like a verification (section 7.3). RFC 821 had no 252.",
                "Treat the address as unknown: to find out, send the mail (MAIL, RCPT); the RCPT reply "
                "says whether the recipient is accepted.",
                "RFC 5321 section 3.5.3",
                ("VRFY", "EXPN"),
            ),
            _c(
                235,
                CODE_TEXTS[235],
                "SMTP AUTH succeeded: the server now knows the client as a user of its own, and "
                "may let it do what strangers may not, typically relay mail to other domains "
                "(submission, RFC 6409). Only one AUTH succeeds in a session (RFC 4954 section 4).",
                "Go on with MAIL FROM. Do not send AUTH again in this session.",
                "RFC 4954 section 6",
                ("AUTH",),
            ),
            _c(
                334,
                CODE_TEXTS[334],
                "A SASL challenge during AUTH: the text after '334 ' is base64 (empty for PLAIN "
                "without an initial response; 'VXNlcm5hbWU6' is 'Username:' and 'UGFzc3dvcmQ6' is "
                "'Password:' for LOGIN). The next line the client sends is its answer, not a command "
                "(RFC 4954 section 4).",
                "Send the answer in base64 on one line (PLAIN: '\\0user\\0password' encoded), or "
                "'*' to cancel the exchange (the server then answers 501).",
                "RFC 4954 section 4",
                ("AUTH",),
            ),
            _c(
                354,
                CODE_TEXTS[354],
                "The server accepted DATA and now reads the message itself: header lines, an empty "
                "line, the body, then a line holding only '.' (section 4.1.1.4). It is the only 3yz "
                "reply in base SMTP; the AUTH extension uses 334 for its challenges (RFC 4954).",
                "Send the message, doubling any '.' that starts a line (section 4.5.2), then "
                "<CRLF>.<CRLF>; then wait for the final reply (250 or an error).",
                "RFC 5321 section 4.1.1.4",
                ("DATA",),
            ),
            _c(
                421,
                CODE_TEXTS[421],
                "The server is ending the session and closes the connection. It may answer any command "
                "with 421, or send it unsolicited (section 3.8): on shutdown, on overload, after a "
                "timeout (it waits at least 5 minutes for a command, section 4.5.3.2.7) or, common "
                "practice, after too many bad commands (section 7.8). RFC 821 also listed it as the "
                "failure reply to connection opening.",
                "Treat it as temporary: the session is over; reconnect later and repeat any unfinished "
                "transaction from MAIL.",
                "RFC 5321 section 3.8",
                RFC5321_VERBS,
            ),
            _c(
                450,
                CODE_TEXTS[450],
                "A temporary refusal, e.g. the mailbox is busy or temporarily blocked for policy "
                "reasons (greylisting servers answer 450 or 451 to a first attempt).",
                "Keep the message queued and retry later; after RCPT the other recipients are not "
                "affected.",
                "RFC 5321 section 4.2.2",
                ("RCPT", "DATA"),
            ),
            _c(
                451,
                CODE_TEXTS[451],
                "Something failed on the server (e.g. a DNS lookup or the disk); nothing was done, but "
                "the same request may succeed later. A client whose connection breaks in the middle of "
                "a transaction treats it as a 451 (section 3.8).",
                "Retry later: reconnect and repeat the transaction.",
                "RFC 5321 section 4.2.2",
                _TX,
            ),
            _c(
                452,
                CODE_TEXTS[452],
                "Temporary: the server is short of storage, or, in reply to RCPT, this transaction has "
                "too many recipients. A server must accept at least 100 recipients "
                "(section 4.5.3.1.8); RFC 821 used 552 for 'too many recipients'.",
                "After RCPT: send the message to the accepted recipients with DATA and the others in a "
                "later transaction. Otherwise retry later.",
                "RFC 5321 section 4.5.3.1.10",
                _TX,
            ),
            _c(
                521,
                CODE_TEXTS[521],
                "RFC 7504 (section 3): the server will not take mail at all and closes the connection "
                "(instead of 554 in the greeting, or after a command that makes it give up: Postfix "
                "answers a malformed BDAT with '521 5.5.4 Syntax: BDAT count [LAST]' and hangs up, "
                "since it cannot tell where the chunk's octets end).",
                "Reconnect and send a well-formed command; this server will not read on after a 521.",
                "RFC 7504 section 3",
                (CONNECTION, "BDAT"),
            ),
            _c(
                535,
                CODE_TEXTS[535],
                "AUTH failed: the user name or password is wrong, the mechanism is unknown, or the "
                "response was not valid base64 (5.7.8, RFC 4954 section 6). The session goes on, "
                "unauthenticated; many servers slow down after repeated failures.",
                "Check the credentials (and their base64 encoding) and try AUTH again, or send as a "
                "stranger: local recipients only, no relaying.",
                "RFC 4954 section 6",
                ("AUTH",),
            ),
            _c(
                454,
                "Temporary failure: TLS or authentication not available now",
                "Not among RFC 5321's codes: SMTP extensions define it, STARTTLS for 'TLS not "
                "available due to temporary reason' (RFC 3207 section 4) and AUTH for '4.7.0 "
                "Temporary authentication failure' (RFC 4954 section 6). Postfix also uses it to "
                "refuse relaying with its default relay rule, defer_unauth_destination (Postfix 2.11 "
                "and later): '454 4.7.1 <address>: Relay access denied', the refusal of "
                "reject_unauth_destination 'with a non-permanent error code' (postconf(5)).",
                "A transient failure: a mail server keeps the message and retries. After a relay "
                "refusal the same request keeps failing until the server's policy changes: send "
                "through your own provider's server instead.",
                "RFC 3207 section 4; RFC 4954 section 6",
                ("STARTTLS", "AUTH", "RCPT"),
            ),
            _c(
                459,
                "ETRN refused: node not allowed",
                "RFC 1985 (section 5) lists 459 'Node <x> not allowed: <reason>' among ETRN's "
                "replies: the server will not start delivering its queue for that domain (Postfix "
                "answers '459 <domain>: service unavailable' unless the domain is in "
                "fast_flush_domains; sendmail '459 4.5.4 Queue ... unknown' for a #queue it lacks).",
                "Nothing to fix on the client: this server keeps no queue it will flush for you.",
                "RFC 1985 section 5",
                ("ETRN",),
            ),
            _c(
                455,
                CODE_TEXTS[455],
                "Temporary: the server cannot handle an ESMTP parameter given after the address in "
                "MAIL FROM or RCPT TO (e.g. SIZE=...) right now (section 4.1.1.11). RFC 821 had no "
                "such code.",
                "Retry later, or send the command without that parameter.",
                "RFC 5321 section 4.1.1.11",
                ("MAIL", "RCPT"),
            ),
            _c(
                500,
                CODE_TEXTS[500],
                "The server does not know the command verb, or the line was too long (over 512 octets "
                "with CRLF, section 4.5.3.1.4) or garbled. A server must not close the connection just "
                "because it does not understand a command: the session goes on (section 3.8).",
                "Check the verb (RCPT, not RECV) and resend; verbs are case-insensitive.",
                "RFC 5321 section 4.2.4",
                RFC5321_VERBS,
            ),
            _c(
                501,
                CODE_TEXTS[501],
                "The verb is known but its argument is wrong: missing (HELO without a domain), a "
                "malformed or over-long address (a path is at most 256 octets, section 4.5.3.1.3), or "
                "any argument to DATA, RSET or QUIT (section 4.3.2). The server stays in the state it "
                "was in (section 4.1.4).",
                "Fix the argument and resend, e.g. MAIL FROM:<alice@crepes.fr> (no space after the "
                "colon, angle brackets around the address).",
                "RFC 5321 section 4.3.2",
                RFC5321_VERBS,
            ),
            _c(
                502,
                CODE_TEXTS[502],
                "The server recognizes the command but does not implement it, e.g. VRFY or EXPN "
                "switched off (section 4.2.4). A verb the server does not know at all should get 500, "
                "though some old servers answer 502 (Postfix 1.1 did, to every unknown verb). "
                "An old server without ESMTP may answer EHLO with 502.",
                "Do not retry it; do without it (after EHLO got 500 or 502, fall back to HELO).",
                "RFC 5321 section 4.2.4",
                ("EHLO", "HELO", "VRFY", "EXPN", "HELP"),
            ),
            _c(
                503,
                CODE_TEXTS[503],
                "The command is valid but not now: RCPT before MAIL, DATA before an accepted RCPT, MAIL "
                "inside an open transaction, or MAIL before HELO/EHLO. The server stays in the state "
                "it was in (section 4.1.4). After a 554 greeting, everything but QUIT gets 503 "
                "(section 3.1).",
                "Send the missing step first (EHLO, then MAIL, RCPT, DATA), or RSET to start the "
                "transaction over.",
                "RFC 5321 section 4.1.4",
                _TX,
            ),
            _c(
                504,
                CODE_TEXTS[504],
                "The command is implemented but not the parameter given with it (section 4.2.1), e.g. "
                "HELP about a topic the server has no help for.",
                "Use the command without that parameter, or with another one.",
                "RFC 5321 section 4.2.1",
                ("EHLO", "HELO", "VRFY", "EXPN", "HELP"),
            ),
            _c(
                550,
                CODE_TEXTS[550],
                "Permanent: e.g. the mailbox was not found, no access, or the command was rejected for "
                "policy reasons, such as refusing to relay mail for a stranger (sections 3.6.2, 7.9).",
                "Do not retry this address unchanged; check its spelling. After RCPT the other "
                "recipients still count; after the data, the whole message was refused.",
                "RFC 5321 section 4.2.2",
                ("EHLO", "HELO", "MAIL", "RCPT", "DATA", "VRFY", "EXPN"),
            ),
            _c(
                551,
                CODE_TEXTS[551],
                "The server knows the recipient is elsewhere and will not forward the mail; the text "
                "names the address to use instead (section 3.4).",
                "Send to the address it gives (if you trust the server, section 7.4) or report the "
                "failure to the sender.",
                "RFC 5321 section 3.4",
                ("RCPT", "VRFY"),
            ),
            _c(
                552,
                CODE_TEXTS[552],
                "Permanent: the message is too big for the mailbox or for the server's size limit "
                "(announced by the SIZE extension, RFC 1870). RFC 821 also used 552 for 'too many "
                "recipients'; RFC 5321 uses 452 and asks clients to treat a 552 to RCPT as temporary "
                "(section 4.5.3.1.10).",
                "Do not resend unchanged: make the message smaller or deliver it another way.",
                "RFC 5321 section 4.2.2",
                _TX,
            ),
            _c(
                553,
                CODE_TEXTS[553],
                "The address itself is not acceptable, e.g. its syntax is wrong or the domain is "
                "missing. VRFY also uses 553 for 'User ambiguous' (section 3.5.1).",
                "Fix the address (local-part@domain, in angle brackets) and resend.",
                "RFC 5321 section 4.2.2",
                ("MAIL", "RCPT", "VRFY"),
            ),
            _c(
                554,
                CODE_TEXTS[554],
                "As the greeting, instead of 220: this server will not take mail from you (section "
                "3.1); it still waits for QUIT and answers other commands with 503. To DATA or after "
                "the data: the transaction failed, e.g. no valid recipients or a policy rejection. "
                "Postfix refuses relaying with 554 5.7.1 when told to reject it (Postfix 1.1 always "
                "did; today reject_unauth_destination), though section 7.9 suggests 550; its default "
                "since Postfix 2.11, defer_unauth_destination, answers 454 4.7.1 instead.",
                "At connection: send QUIT and deliver elsewhere. After DATA: do not resend unchanged.",
                "RFC 5321 section 3.1",
                (CONNECTION, "DATA"),
            ),
            _c(
                555,
                CODE_TEXTS[555],
                "Permanent: an ESMTP parameter after the address (e.g. SIZE=, BODY=8BITMIME) is unknown "
                "to the server or was not offered in its EHLO reply (section 4.1.1.11). RFC 821 had no "
                "such code.",
                "Resend without the parameter; only use parameters of extensions the EHLO reply listed.",
                "RFC 5321 section 4.1.1.11",
                ("MAIL", "RCPT"),
            ),
        ]
    )
)

ENHANCED_CLASSES: Mapping[int, str] = MappingProxyType(
    {
        2: "Success: the report is about a positive delivery action; the detail may note changes "
        "made for delivery.",
        4: "Persistent Transient Failure: the message as sent is valid, but a temporary condition "
        "persists; sending it later may succeed.",
        5: "Permanent Failure: resending the message in its current form is unlikely to work; "
        "the message or the destination must change.",
    }
)

ENHANCED_SUBJECTS: Mapping[int, str] = MappingProxyType(
    {
        0: "Other or Undefined Status: no further subject information.",
        1: "Addressing Status: about the sender's or recipient's address, its syntax or validity; "
        "the sender can usually correct these.",
        2: "Mailbox Status: about the recipient's mailbox, generally under the recipient's control.",
        3: "Mail System Status: about the destination system, under its administrator's control.",
        4: "Network and Routing Status: about the delivery infrastructure, such as directory "
        "(DNS) and routing services.",
        5: "Mail Delivery Protocol Status: about the delivery protocol itself (SMTP commands, "
        "syntax, sequence), including implementation errors or an unreliable connection.",
        6: "Message Content or Media Status: about the message content, e.g. translation, "
        "transcoding or unsupported media.",
        7: "Security or Policy Status: about policy (per-host or per-recipient filtering) or "
        "cryptographic operations.",
    }
)

_PERM = "Only useful as a permanent failure."
_PTRANS = "Only useful as a persistent transient failure."

_DETAILS: dict[str, tuple[str, str]] = {
    "0.0": (
        "Other undefined Status",
        "The only undefined code: used when only the class of the problem is known.",
    ),
    "1.0": ("Other address status", "Something about the address specified caused this status."),
    "1.1": (
        "Bad destination mailbox address",
        "The mailbox does not exist: the part of the address left of the '@' is invalid "
        "(5.1.1 is the classic 'user unknown'). " + _PERM,
    ),
    "1.2": (
        "Bad destination system address",
        "The destination system does not exist or cannot accept mail: the part right of "
        "the '@' is invalid for mail. " + _PERM,
    ),
    "1.3": (
        "Bad destination mailbox address syntax",
        "The destination address is syntactically invalid (in any of its parts). " + _PERM,
    ),
    "1.4": (
        "Destination mailbox address ambiguous",
        "The address matches more than one recipient on the destination system, e.g. "
        "when names are mapped to mailboxes heuristically.",
    ),
    "1.5": (
        "Destination address valid",
        "The address as given is valid; used in positive reports (code 2.1.5), e.g. for an "
        "accepted RCPT.",
    ),
    "1.6": (
        "Destination mailbox has moved, No forwarding address",
        "The address was once valid but no longer accepts mail. " + _PERM,
    ),
    "1.7": (
        "Bad sender's mailbox address syntax",
        "The sender's address is syntactically invalid (in any of its parts).",
    ),
    "1.8": (
        "Bad sender's system address",
        "The sender's system does not exist or cannot accept return mail: the domain "
        "right of the '@' is invalid for mail.",
    ),
    "2.0": (
        "Other or undefined mailbox status",
        "The mailbox exists, but something about it caused this status.",
    ),
    "2.1": (
        "Mailbox disabled, not accepting messages",
        "The mailbox exists but accepts no messages: permanent if it will never be "
        "re-enabled, transient if disabled only for a while.",
    ),
    "2.2": (
        "Mailbox full",
        "The recipient is over a per-mailbox quota or the mailbox's capacity; they can "
        "delete mail to make room, so RFC 3463 says to use it as a persistent transient "
        "failure (code 4.2.2), though many servers send 552 5.2.2.",
    ),
    "2.3": (
        "Message length exceeds administrative limit",
        "A per-mailbox message size limit, smaller than the system's own limit, was "
        "exceeded. To be used as a permanent failure.",
    ),
    "2.4": (
        "Mailing list expansion problem",
        "The mailbox is a mailing list that could not be expanded; permanent or "
        "persistent transient.",
    ),
    "3.0": (
        "Other or undefined mail system status",
        "The destination system exists and normally accepts mail, but something about "
        "the system caused this status.",
    ),
    "3.1": (
        "Mail system full",
        "The mail system's storage is exhausted; the recipient cannot fix it by deleting "
        "mail. " + _PTRANS,
    ),
    "3.2": (
        "System not accepting network messages",
        "The host of the mailbox is not accepting messages, e.g. imminent shutdown, "
        "excessive load or maintenance; permanent or persistent transient.",
    ),
    "3.3": (
        "System not capable of selected features",
        "Features requested for the message are not supported by the destination "
        "system, e.g. at a gateway that cannot map them.",
    ),
    "3.4": (
        "Message too big for system",
        "The message is larger than the per-message size limit, physical or "
        "administrative. " + _PERM,
    ),
    "3.5": (
        "System incorrectly configured",
        "The system is not configured in a way that lets it accept this message.",
    ),
    "4.0": (
        "Other or undefined network or routing status",
        "Something went wrong with the network or routing and no more specific code fits.",
    ),
    "4.1": (
        "No answer from host",
        "The outbound connection attempt was not answered: the remote system was busy or "
        "unable to take the call. " + _PTRANS,
    ),
    "4.2": (
        "Bad connection",
        "The connection was made but the transaction could not be completed, because of "
        "a time-out or poor connection quality. " + _PTRANS,
    ),
    "4.3": (
        "Directory server failure",
        "The message could not be forwarded because a directory server, e.g. a DNS "
        "server, was unavailable. " + _PTRANS,
    ),
    "4.4": (
        "Unable to route",
        "The next hop could not be found because the directory server had no routing "
        "information (e.g. DNS returns only an SOA record); permanent or persistent "
        "transient.",
    ),
    "4.5": (
        "Mail system congestion",
        "The mail system was too congested to deliver the message. " + _PTRANS,
    ),
    "4.6": (
        "Routing loop detected",
        "The message was forwarded too many times, because of wrong routing tables or a "
        "user's forwarding loop. " + _PTRANS,
    ),
    "4.7": (
        "Delivery time expired",
        "The message was too old: it stayed on a host too long or outlived a "
        "time-to-live set by the sender. The code of the actual problem is preferred "
        "when known.",
    ),
    "5.0": (
        "Other or undefined protocol status",
        "Something was wrong with the protocol needed to deliver the message to the next "
        "hop and no more specific code fits (Postfix since 3.9: 554 5.5.0 to a client that "
        "pipelines without PIPELINING having been offered).",
    ),
    "5.1": (
        "Invalid command",
        "A mail transaction command was out of sequence or not supported (e.g. "
        "503 5.5.1 need MAIL command). " + _PERM,
    ),
    "5.2": (
        "Syntax error",
        "A command could not be interpreted: its syntax was wrong or it was not "
        "recognized (e.g. 500 5.5.2 command not recognized; Postfix also uses 5.5.2 to "
        "reject a bare <LF> in the data). " + _PERM,
    ),
    "5.3": (
        "Too many recipients",
        "More recipients were given than the protocol could deliver; normally the message "
        "is split and the rest sent later (in SMTP usually 452 4.5.3 to a RCPT).",
    ),
    "5.4": (
        "Invalid command arguments",
        "A valid command was given invalid arguments, out of range or naming unrecognized "
        "features (e.g. 501 5.5.4 for MAIL FROM syntax, 555 5.5.4 for an unknown "
        "parameter). " + _PERM,
    ),
    "5.5": (
        "Wrong protocol version",
        "A protocol version mismatch that the two sides could not resolve automatically.",
    ),
    "6.0": (
        "Other or undefined media error",
        "Something about the message content made it undeliverable and no more specific code fits.",
    ),
    "6.1": (
        "Media not supported",
        "The media (content type) of the message is not supported by the delivery "
        "protocol or the next system on the path. " + _PERM,
    ),
    "6.2": (
        "Conversion required and prohibited",
        "The content must be converted before delivery, but the sender (in the message) "
        "or the sending host's policy forbids conversion.",
    ),
    "6.3": (
        "Conversion required but not supported",
        "The content must be converted to go on, but a host on the path cannot do it, "
        "e.g. a gateway that takes 8-bit mail but cannot downgrade it to 7-bit for the "
        "next hop.",
    ),
    "6.4": (
        "Conversion with loss performed",
        "A warning: delivery succeeded but needed a conversion that lost data; a "
        "permanent failure if the sender forbade lossy conversion.",
    ),
    "6.5": (
        "Conversion Failed",
        "A required conversion was attempted and failed; permanent or persistent transient.",
    ),
    "7.0": (
        "Other or undefined security status",
        "Something security-related caused this status and no more specific code fits; "
        "also used when security policy forbids saying more.",
    ),
    "7.1": (
        "Delivery not authorized, message refused",
        "The sender is not authorized to send to this destination, e.g. per-host or "
        "per-recipient filtering; the usual code for a refused relay "
        "(550 5.7.1 from sendmail, 554 5.7.1 Relay access denied from Postfix). RFC 3463 "
        "calls it useful only as a permanent failure, yet Postfix's default "
        "defer_unauth_destination answers 454 4.7.1, a refusal to be retried.",
    ),
    "7.2": (
        "Mailing list expansion prohibited",
        "The sender is not authorized to send to the intended mailing list. " + _PERM,
    ),
    "7.3": (
        "Security conversion required but not possible",
        "Delivery needed a conversion from one secure messaging protocol to another, "
        "which was not possible. " + _PERM,
    ),
    "7.4": (
        "Security features not supported",
        "The message used security features (e.g. secure authentication) that the "
        "delivery protocol could not support. " + _PERM,
    ),
    "7.5": (
        "Cryptographic failure",
        "A transport system allowed to validate or decrypt the message could not, "
        "because information such as a key was missing or invalid.",
    ),
    "7.6": (
        "Cryptographic algorithm not supported",
        "A transport system allowed to validate or decrypt the message could not, "
        "because it does not support the algorithm.",
    ),
    "7.7": (
        "Message integrity failure",
        "A transport system allowed to validate the message found it corrupted or "
        "altered; usable as a permanent, persistent transient or success code.",
    ),
}

ENHANCED_CODES: Mapping[str, EnhancedInfo] = MappingProxyType(
    {
        **{
            key: EnhancedInfo(f"X.{key}", title, meaning, f"RFC 3463 section 3.{int(key[0]) + 1}")
            for key, (title, meaning) in _DETAILS.items()
        },
        # registered by SMTP AUTH, not RFC 3463
        "5.6": EnhancedInfo(
            "X.5.6",
            "Authentication Exchange line is too long",
            "A line of the AUTH exchange (an initial response or the answer to a 334) is "
            "longer than the server accepts (500 5.5.6).",
            "RFC 4954 section 6",
        ),
        "7.8": EnhancedInfo(
            "X.7.8",
            "Authentication credentials invalid",
            "The SASL mechanism failed: the user name or the password is wrong, or the "
            "response could not be read (535 5.7.8).",
            "RFC 4954 section 6",
        ),
    }
)

_ANY = "Any command may also get 500, 501 or 421 (RFC 5321 section 4.3.2)."

COMMANDS: Mapping[str, CommandInfo] = MappingProxyType(
    {
        info.verb: info
        for info in (
            CommandInfo(
                "HELO",
                "HELO <SP> <domain>",
                "Identifies the client to the server and opens a plain (non-extended) SMTP session.",
                "The greeting of RFC 821; the argument is the client's own fully-qualified domain "
                "name. The server answers with one 250 line naming itself and never lists extensions "
                "to HELO (section 3.2). HELO or EHLO must come before the first MAIL (sections "
                "4.1.1.1, 4.1.4), and a 250 to either means no transaction is in progress. A server "
                "may check the name against the client's IP address but must not refuse mail because "
                "they differ (section 4.1.4). Servers must still accept HELO from old clients "
                "(appendix F.3); new clients should send EHLO. " + _ANY,
                "RFC 5321 section 4.1.1.1",
                (250,),
                (504, 550, 502),
                "HELO client.crepes.fr",
            ),
            CommandInfo(
                "EHLO",
                "EHLO <SP> ( <domain> / <address-literal> )",
                "Identifies the client and asks the server to list the SMTP service extensions "
                "(ESMTP) it supports.",
                "Introduced with the SMTP service extensions of RFC 1425 (February 1993), revised "
                "as RFC 1651 (1994) and RFC 1869 (1995), now part of RFC 5321. The reply is a "
                "multi-line 250: the first line names the server, each other line is an extension "
                "keyword, e.g. SIZE (message size limit, RFC 1870), 8BITMIME "
                "(8-bit bodies, RFC 6152), PIPELINING (several commands without waiting, RFC 2920), "
                "ENHANCEDSTATUSCODES (x.y.z codes in replies, RFC 2034 and RFC 3463), STARTTLS "
                "(RFC 3207), AUTH (RFC 4954), DSN (RFC 3461). A client may use only the extensions "
                "listed. A client without a meaningful name sends an address literal such as "
                "[192.0.2.1]. EHLO or HELO must come first (section 4.1.4); a second EHLO later in "
                "the session resets the transaction exactly like RSET (section 4.1.4). If the server "
                "answers 500 or 502 (an RFC 821 server), fall back to HELO (section 3.2). " + _ANY,
                "RFC 5321 section 4.1.1.1",
                (250,),
                (504, 550, 502),
                "EHLO client.crepes.fr",
            ),
            CommandInfo(
                "MAIL",
                "MAIL FROM:<reverse-path> [SP <mail-parameters>]",
                "Starts a mail transaction and gives the envelope sender, the address bounces go to.",
                "Needs HELO/EHLO first and no open transaction (otherwise 503); it clears the sender, "
                "recipient and data buffers (section 4.1.1.2). No space before or after the colon, "
                "and the address goes in angle brackets (section 3.3). The envelope sender need not "
                "match the From: line inside the message. The null reverse-path MAIL FROM:<> is used "
                "by bounces and other delivery notifications; nothing is ever sent back to <>, so "
                "notifications cannot loop (sections 4.5.5, 6.1), and servers must accept it "
                "(RFC 1123 section 5.2.9). Parameters after the "
                "address (e.g. SIZE=12345, BODY=8BITMIME) are allowed only for extensions the EHLO "
                "reply listed: unknown ones get 555, ones that cannot be met now 455 (section "
                "4.1.1.11). Limits (section 4.5.3.1): local part 64 octets, domain 255, the whole "
                "path 256, the command line 512 with CRLF. The client waits up to 5 minutes for the "
                "reply (section 4.5.3.2.2). " + _ANY,
                "RFC 5321 section 4.1.1.2",
                (250,),
                (552, 451, 452, 550, 553, 503, 455, 555),
                "MAIL FROM:<alice@crepes.fr>",
            ),
            CommandInfo(
                "RCPT",
                "RCPT TO:<forward-path> [SP <rcpt-parameters>]",
                "Names one recipient of the message; repeat it for each recipient.",
                "Only after an accepted MAIL (otherwise 503, section 3.3); each accepted RCPT adds "
                "the address to the recipient buffer (section 4.1.1.3). A refused recipient (550 "
                "unknown, 551 elsewhere, 553 bad address, 450/451 try later) does not end the "
                "transaction: the others still get the message. A server must accept at least 100 "
                "recipients; past its limit it answers 452 too many recipients (RFC 821 said 552) and "
                "the client sends the rest in another transaction (sections 4.5.3.1.8, 4.5.3.1.10). "
                "RCPT TO:<postmaster>, without a domain and in any case, must be accepted, as must "
                "postmaster at every domain the server serves (section 4.5.1). Whom a server relays "
                "for (mail for domains it does not serve) is its site's policy, but it must be able "
                "to refuse relaying for strangers (RFC 2505 section 2.1; section 7.9: SHOULD, with "
                "550): sendmail answers 550 5.7.1, Postfix 554 5.7.1 or, by default, 454 4.7.1; an "
                "open relay accepts anything from anyone. The client waits up to 5 minutes for the reply "
                "(section 4.5.3.2.3). The course slides' 'RECV TO' is a slip for RCPT TO. " + _ANY,
                "RFC 5321 section 4.1.1.3",
                (250, 251),
                (550, 551, 552, 553, 450, 451, 452, 503, 455, 555),
                "RCPT TO:<bob@someschool.edu>",
            ),
            CommandInfo(
                "DATA",
                "DATA",
                "Asks to send the message itself; after 354 the client sends the header lines, an "
                "empty line, the body and a line holding only '.'.",
                "Only after at least one accepted RCPT, otherwise 503 (or 554 no valid recipients) "
                "and the client must not send the text (section 3.3); DATA takes no argument (501). "
                "After the 354 every line is message content, not a command, until the end-of-data "
                "line. Transparency (section 4.5.2): the client adds a '.' to every line that starts "
                "with '.', the server removes it, so a lone '.' can only be the end. Only "
                "<CRLF>.<CRLF> ends the data; a server must not take <LF>.<LF> (bare line feeds) as "
                "the end (section 4.1.1.4). SMTP smuggling (SEC Consult, December 2023; "
                "CVE-2023-51764 Postfix, CVE-2023-51765 Sendmail, CVE-2023-51766 Exim) exploited "
                "servers that disagreed on this: a sending server passed <LF>.<CR><LF> through, the "
                "receiving server took it as the end of the data and ran the rest as new commands, "
                "delivering a forged second message. After the dot the server answers 250, taking "
                "responsibility for delivery (section 6.1), or an error (552, 554, 451, 452, 450, "
                "550); it adds a Received: trace line at the top (section 4.4). Text lines are at "
                "most 1000 octets with CRLF (section 4.5.3.1.6); servers accept at least 64K octets "
                "of content (section 4.5.3.1.7). Client timeouts: 2 minutes for the 354, 3 minutes "
                "per data block, 10 minutes for the reply after the dot (section 4.5.3.2). " + _ANY,
                "RFC 5321 section 4.1.1.4",
                (354, 250),
                (503, 554, 552, 451, 452, 450, 550),
                "DATA",
            ),
            CommandInfo(
                "RSET",
                "RSET",
                "Aborts the current mail transaction: sender, recipients and data are discarded.",
                "Allowed at any time, even before HELO/EHLO (section 4.1.4); the answer is always "
                "250, and a server must not close the connection because of RSET (section 4.1.1.5). "
                "The session itself goes on, so the client can start again with MAIL. RSET takes no "
                "argument (501). " + _ANY,
                "RFC 5321 section 4.1.1.5",
                (250,),
                (),
                "RSET",
            ),
            CommandInfo(
                "NOOP",
                "NOOP [SP <string>]",
                "Does nothing except make the server answer 250 OK.",
                "Changes no buffer or state and is allowed at any time (section 4.1.1.9). An "
                "argument is ignored, not an error. Clients use it to check that the connection is "
                "alive or to keep an idle session from reaching the server's 5-minute command "
                "timeout (section 4.5.3.2.7). Old sendmail answered it with '200 OK'. " + _ANY,
                "RFC 5321 section 4.1.1.9",
                (250,),
                (),
                "NOOP",
            ),
            CommandInfo(
                "VRFY",
                "VRFY <SP> <string>",
                "Asks whether a user name or mailbox exists, and for its full address.",
                "Changes no buffers; allowed at any time, even before EHLO (sections 4.1.1.6, "
                "4.1.4). 250 must mean the address was really verified, e.g. '250 Mark Crispin "
                "<Admin.MRC@foo.com>' (sections 3.5.1, 3.5.3); 251/551 mean it is forwarded or lives "
                "elsewhere, 553 that it is ambiguous, 550 that it is unknown, 252 'cannot verify, but "
                "will accept mail and try'. Spammers used VRFY and EXPN to harvest valid addresses "
                "(RFC 2505 section 2.11), so most servers disable them: section 7.3 says a server "
                "that disables VRFY for security must answer 252, never something that looks like a "
                "verification; some answer 502. VRFY is one of the commands every server must "
                "implement (section 4.5.1; mandatory since RFC 1123). " + _ANY,
                "RFC 5321 section 4.1.1.6",
                (250, 251, 252),
                (550, 551, 553, 502, 504),
                "VRFY bob",
            ),
            CommandInfo(
                "EXPN",
                "EXPN <SP> <string>",
                "Asks the server to expand a mailing list or alias into the addresses of its members.",
                "Changes no buffers; allowed at any time (section 4.1.1.7). A successful reply is a "
                "multi-line 250 with one mailbox per line (section 3.5.1). EXPN is optional; a server "
                "that supports it must list EXPN in its EHLO reply (section 3.5.2). Mailing lists "
                "became a favourite source of addresses for spammers (section 7.3, RFC 2505 section "
                "2.11), so most servers refuse EXPN (502, or 252) or, like Postfix, do not have it "
                "at all. " + _ANY,
                "RFC 5321 section 4.1.1.7",
                (250, 252),
                (550, 500, 502, 504),
                "EXPN staff",
            ),
            CommandInfo(
                "HELP",
                "HELP [SP <string>]",
                "Asks the server for help text, in general or about one command.",
                "Changes no buffers; allowed at any time (section 4.1.1.8). The answer is 214 "
                "(often multi-line) or 211; 504 for a topic the server has no help for, 502 if it "
                "has no HELP. The text is meant for people, not programs; section 7.5 discusses "
                "whether to reveal software versions in it. " + _ANY,
                "RFC 5321 section 4.1.1.8",
                (211, 214),
                (502, 504),
                "HELP RCPT",
            ),
            CommandInfo(
                "QUIT",
                "QUIT",
                "Ends the session: the server answers 221 and closes the connection.",
                "Allowed at any time; an unfinished transaction is aborted, but a message already "
                "accepted with 250 after its data stays accepted (section 4.1.1.10). The server must "
                "not close the connection before QUIT except after a 421 or a timeout (section 3.8), "
                "and the client should send QUIT rather than just hang up. QUIT takes no argument "
                "(501). " + _ANY,
                "RFC 5321 section 4.1.1.10",
                (221,),
                (),
                "QUIT",
            ),
            CommandInfo(
                "DEBUG",
                "DEBUG [SP <flags>]",
                "A private sendmail command, in no RFC, that switched on debug mode: the door the "
                "Morris worm walked through in 1988.",
                "Sendmail compiled with SMTPDEBUG answered DEBUG with '200 Debug set'; in debug mode "
                "it accepted a recipient that was a pipe to a program, so a stranger could run "
                "commands on the server. On 2 November 1988 the Morris worm sent 'debug', then "
                "'mail from:</dev/null>', 'rcpt to:<\"| sed '1,/^$/d' | /bin/sh ; exit 0\">', "
                "'data', a shell script, a lone '.' and 'quit' (CVE-1999-0095); it also used a "
                "fingerd buffer overflow and rsh/rexec. Sendmail built without SMTPDEBUG logs the "
                "attempt and answers like any unknown command; modern sendmail says "
                "'500 5.5.1 Command unrecognized: \"debug\"'. The simulator never runs anything.",
                "Not in any RFC: sendmail extension (CVE-1999-0095)",
                (200,),
                (500,),
                "DEBUG",
            ),
            CommandInfo(
                "TURN",
                "TURN",
                "Obsolete RFC 821 command asking client and server to swap roles, so that the server "
                "sends its queued mail back over the same connection.",
                "RFC 821 answered it with 250 (roles swapped), 502 (refused), or 500/503. Without "
                "authentication anyone could claim to be a host and collect its mail, so RFC 5321 "
                "appendix F.1 deprecates it: it SHOULD NOT be used unless the server can "
                "authenticate the client. Its successors are ETRN (RFC 1985), which asks the server "
                "to open a new connection of its own, and ATRN (On-Demand Mail Relay, RFC 2645), "
                "which requires authentication. Today's servers answer TURN with 500 or 502.",
                "RFC 821 section 4.1.1; RFC 5321 appendix F.1",
                (250,),
                (502, 500, 503),
                "TURN",
            ),
        )
    }
)

#: Names that are not SMTP commands but that learners type; mapped to what they meant. The
#: note names no reply code: the reply a server gave is explained beside it (explain.py).
ALIASES: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "RECV": (
            "RCPT",
            "RECV is not an SMTP command: the course slides' 'RECV TO' is a slip for RCPT TO.",
        ),
    }
)

#: What a server answers to a verb it does not know, for the alias notes above.
UNKNOWN_VERB_REPLY = (
    "A server answers it like any command it does not know: 500 (RFC 5321 "
    "section 4.2.4), or 502 from some old servers such as Postfix 1.1."
)

#: What people type to leave a shell, an FTP client or an editor: SMTP's and POP3's way is
#: QUIT (the advice under a reply says so, for either protocol).
LEAVING_WORDS = frozenset(
    {"EXIT", "LOGOUT", "LOGOFF", "BYE", "GOODBYE", "CLOSE", "END", "STOP", "LEAVE"}
    | {"DISCONNECT", "SIGNOFF", "Q", ":Q", ":WQ"}
)
