"""Explanations for learners: what a reply code, an enhanced status code or a command means.

Plain text only (no markup), built from the tables in :mod:`.explain_data`, which cite RFC 5321
(SMTP), RFC 821 and RFC 3463 (enhanced status codes) section by section.

>>> print(explain("354").splitlines()[0])
354 Start mail input; end with <CRLF>.<CRLF>
"""

from __future__ import annotations

import re
from collections.abc import Collection

from .explain_data import (
    ALIASES,
    CATEGORY_MEANING,
    CLASS_MEANING,
    CLASS_NAME,
    COMMANDS,
    CONNECTION,
    ENHANCED_CLASSES,
    ENHANCED_CODES,
    ENHANCED_SUBJECTS,
    LEAVING_WORDS,
    REPLY_CODES,
    RFC5321_VERBS,
    UNKNOWN_VERB_REPLY,
    CodeInfo,
    CommandInfo,
    EnhancedInfo,
)
from .pop3_replies import POP3_COMMANDS, STATUS_INDICATORS, UnknownPop3Topic, explain_pop3

__all__ = [
    "CATEGORY_MEANING",
    "CLASS_MEANING",
    "COMMANDS",
    "ENHANCED_CLASSES",
    "ENHANCED_CODES",
    "ENHANCED_SUBJECTS",
    "REPLY_CODES",
    "CodeInfo",
    "CommandInfo",
    "EnhancedInfo",
    "UnknownTopic",
    "explain",
    "explain_code",
    "explain_command",
    "explain_enhanced",
    "explain_reply",
]

_CODE_RE = re.compile(r"^\d{3}$")
_ENHANCED_RE = re.compile(r"^(\d)\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})$")
_ENHANCED_SHAPE_RE = re.compile(r"^\d+\.\d+\.\d+$")


class UnknownTopic(ValueError):
    """Raised for a topic that is neither a reply code, an enhanced code nor a command."""

    def __init__(self, topic: object, reason: str = "") -> None:
        self.topic = topic
        why = f" ({reason})" if reason else ""
        super().__init__(
            f"cannot explain {topic!r}{why}; ask for a 3-digit reply code from 200 to 599 "
            f"(e.g. 354), an enhanced status code (e.g. 5.7.1) or a command: "
            f"{', '.join(COMMANDS)}; or a POP3 command (e.g. 'pop3 retr')"
        )


# -- reply codes ------------------------------------------------------------------------------


_NEXT_BY_CLASS = {
    2: "it worked, go on with the next command.",
    3: "send the information the server is waiting for.",
    4: "try again later.",
    5: "do not repeat the request unchanged.",
}


def _check_code(code: int) -> None:
    if isinstance(code, bool) or not isinstance(code, int) or not 200 <= code <= 599:
        raise UnknownTopic(code, "SMTP reply codes run from 200 to 599")


def _class_line(code: int) -> str:
    return f"Class {code // 100}yz: {CLASS_MEANING[code // 100]}"


def _category_line(code: int) -> str:
    digit = code // 10 % 10
    if digit in CATEGORY_MEANING:
        return f"Category x{digit}z: {CATEGORY_MEANING[digit]}"
    return f"Category x{digit}z: not allowed; RFC 5321 section 4.2 limits the second digit to 0-5."


def _sent_for(commands: tuple[str, ...]) -> str:
    if set(RFC5321_VERBS) <= set(commands):
        return "any command (RFC 5321 section 4.3.2)"
    names = [
        "the connection opening (instead of a command)" if c == CONNECTION else c for c in commands
    ]
    return ", ".join(names)


def explain_code(code: int) -> str:
    """A reply code explained: title, what its digits mean, what to do next, the RFC section.

    A well-formed code that RFC 5321 does not define (e.g. 432) is explained from its digits.
    Raises :class:`UnknownTopic` for anything outside 200..599.
    """
    _check_code(code)
    info = REPLY_CODES.get(code)
    if info is None:
        return "\n".join(
            (
                f"{code} (not defined by RFC 5321)",
                _class_line(code),
                _category_line(code),
                f"Meaning: {code} is not defined by RFC 5321 (sections 4.2.2 and 4.2.3 list every "
                f"code). A server should send only the listed codes; a client must handle an "
                f"unknown one by its first digit alone (RFC 5321 sections 4.2 and 4.3.2).",
                f"Next step: act on the first digit: {_NEXT_BY_CLASS[code // 100]}",
            )
        )
    return "\n".join(
        (
            f"{code} {info.title}",
            _class_line(code),
            _category_line(code),
            f"Meaning: {info.meaning}",
            f"Next step: {info.next_step}",
            f"Sent in reply to: {_sent_for(info.commands)}",
            f"RFC: {info.rfc}",
        )
    )


# -- enhanced status codes --------------------------------------------------------------------


def _parse_enhanced(code: str) -> tuple[int, int, int]:
    text = code.strip() if isinstance(code, str) else code
    match = _ENHANCED_RE.match(text) if isinstance(text, str) else None
    if match is None:
        raise UnknownTopic(
            code,
            "an enhanced status code looks like 5.7.1: three numbers, "
            "the last two of 1-3 digits without leading zeros",
        )
    klass, subject, detail = (int(g) for g in match.groups())
    if klass not in ENHANCED_CLASSES:
        raise UnknownTopic(code, "the first number of an enhanced code is 2, 4 or 5")
    return klass, subject, detail


def _subject_title(subject: int) -> str:
    return ENHANCED_SUBJECTS[subject].split(":", 1)[0]


def explain_enhanced(code: str) -> str:
    """An RFC 3463 enhanced status code (``5.7.1``) explained: class, subject and detail.

    A detail RFC 3463 does not define is explained from its class and subject.
    """
    klass, subject, detail = _parse_enhanced(code)
    text = f"{klass}.{subject}.{detail}"
    info = ENHANCED_CODES.get(f"{subject}.{detail}")
    lines = [
        f"{text} {info.title}" if info else f"{text} (detail not defined by RFC 3463)",
        f"Class {klass}: {ENHANCED_CLASSES[klass]}",
    ]
    if subject in ENHANCED_SUBJECTS:
        lines.append(f"Subject {subject}: {ENHANCED_SUBJECTS[subject]}")
    else:
        lines.append(
            f"Subject {subject}: not defined by RFC 3463 (subjects run 0 to 7); "
            f"report it by its class alone."
        )
    if subject not in ENHANCED_SUBJECTS:
        lines.append(f"Detail {detail}: cannot be interpreted without a known subject.")
        lines.append("RFC: RFC 3463 section 2")
    elif info:
        lines.append(f"Detail {detail}: {info.meaning}")
        lines.append(f"RFC: {info.rfc} (written {info.code}: the class comes from the reply)")
    else:
        lines.append(
            f"Detail {detail}: not in RFC 3463; a client reports the class and subject "
            f"when it does not know the detail (RFC 3463 section 2). Later RFCs add "
            f"codes to the IANA registry of enhanced status codes (RFC 5248)."
        )
        lines.append("RFC: RFC 3463 section 2")
    return "\n".join(lines)


# -- commands ---------------------------------------------------------------------------------


def _titles(codes: tuple[int, ...]) -> list[str]:
    return [f"  {c} {REPLY_CODES[c].title}" if c in REPLY_CODES else f"  {c}" for c in codes]


def explain_command(verb: str) -> str:
    """A command explained: syntax, purpose, details, possible replies, an example, the RFC.

    Case-insensitive; ``"rcpt to:<x@y>"`` works too (only the first word counts).
    """
    word = _first_word(verb)
    prefix: list[str] = []
    if word in ALIASES:
        word, note = ALIASES[word]
        prefix = [f"{note} {UNKNOWN_VERB_REPLY}", ""]
    info = COMMANDS.get(word)
    if info is None:
        raise UnknownTopic(verb, "not a command this simulator knows")
    lines = [
        *prefix,
        f"{info.verb}: {info.purpose}",
        f"Syntax: {info.syntax}",
        f"Example: {info.example}",
        f"Details: {info.details}",
        "Success replies:",
        *_titles(info.success),
        "Error replies:" if info.errors else "Error replies: none listed",
        *_titles(info.errors),
        f"RFC: {info.rfc}",
    ]
    return "\n".join(lines)


def _first_word(text: str) -> str:
    if not isinstance(text, str):
        raise UnknownTopic(text)
    words = re.split(r"[\s:]+", text.strip(), maxsplit=1)
    return words[0].upper() if words else ""


# -- dispatch ---------------------------------------------------------------------------------


def explain(topic: str) -> str:
    """Explain ``topic``: a reply code ("354"), an enhanced code ("5.7.1") or a command
    ("VRFY", "rcpt to"). POP3 commands and +OK/-ERR fall back to :func:`explain_pop3`;
    "pop3 quit" picks POP3 where SMTP has the same verb. Raises :class:`UnknownTopic` for
    anything else."""
    if not isinstance(topic, str):
        raise UnknownTopic(topic)
    text = topic.strip()
    if not text:
        raise UnknownTopic(topic, "empty")
    if _CODE_RE.match(text):
        return explain_code(int(text))
    if _ENHANCED_SHAPE_RE.match(text):
        return explain_enhanced(text)
    word = _first_word(text)
    if word == "POP3":
        rest = re.split(r"[\s:]+", text, maxsplit=1)[1:]
        try:
            return explain_pop3(rest[0] if rest else "")
        except UnknownPop3Topic:
            raise UnknownTopic(topic, "not a POP3 command this simulator knows") from None
    if word in COMMANDS or word in ALIASES:
        return explain_command(word)
    if word in POP3_COMMANDS or word in STATUS_INDICATORS:
        return explain_pop3(word)
    raise UnknownTopic(topic)


def explain_reply(
    code: int,
    enhanced: str | None = None,
    *,
    command: str | None = None,
    text: str = "",
    greeting: str | None = None,
    esmtp: bool | None = None,
    login: str | None = None,
    domains: Collection[str] | None = None,
    client: str | None = None,
) -> str:
    """A short summary (1-3 lines) of a reply seen in a session: what it is, what to do next,
    and the enhanced code's meaning when there is one. Given the ``command`` line it answers
    (and the reply's ``text``), "Next" fits the case: a misspelt verb is named, with the
    command it resembles; a missing argument gets an example of that command; a relay
    refusal (whatever its code) is explained as one. ``greeting``: HELO or EHLO, the one this
    session uses (the advice names it). What is known of the server: ``esmtp`` False for one
    without SMTP's extensions (its greeting's advice is HELO, not EHLO); ``login``, on a
    submission port of a server that takes AUTH, what logging in takes there ("AUTH", or
    "STARTTLS, then AUTH"): a relay refused there asks for it. What is known of the network:
    ``domains``, the mail domains it has (a relay refused for one of them is no typo; for
    none, the nearest is named); ``client``, the student's host (the examples' HELO name)."""
    _check_code(code)
    info: CodeInfo | None = REPLY_CODES.get(code)
    klass = CLASS_NAME.get(code // 100, "")
    advice = (
        _next_for(code, command, text, greeting, login, domains, client)
        if command is not None
        else None
    )
    if advice is None and code == 220 and esmtp is False and _verb(command) != "STARTTLS":
        advice = _HELO_ONLY
    if info is None:
        lines = [
            f"{code}: not defined by RFC 5321; first digit {code // 100} = {klass}.",
            f"Next: {advice or _NEXT_BY_CLASS[code // 100]}",
        ]
    else:
        title = info.title
        if code == 554 and _verb(command) not in ("", "TELNET", "CONNECT", "OPEN"):
            title = title.split(" (", 1)[0]  # ("No SMTP service here" is the greeting's)
        lines = [f"{code} {title} ({klass}).", f"Next: {advice or info.next_step}"]
    if enhanced:
        lines.append(_enhanced_summary(enhanced))
    return "\n".join(lines)


def _verb(command: str | None) -> str:
    words = command.split(None, 1) if command else []
    return words[0].upper() if words else ""


#: The greeting of a server without SMTP's extensions (RFC 1869): HELO, not EHLO.
_HELO_ONLY = (
    "Identify yourself: send HELO <your-domain>. This greeting does not say ESMTP: the "
    "server is older than SMTP's extensions (RFC 821 only) and answers EHLO with 500. "
    "Every server must take HELO (RFC 5321 section 4.1.1.1)."
)

#: EHLO refused (500 or 502): the client falls back to HELO (RFC 5321 sections 3.2, 4.1.1.1).
_EHLO_REFUSED = (
    "This server does not know EHLO: it is older than SMTP's extensions (ESMTP). Fall back "
    'to HELO <your-domain>: after a "command not recognized" to EHLO a client "SHOULD be '
    'able to fall back and send HELO" (RFC 5321 section 3.2), and every server must take '
    "HELO (section 4.1.1.1)."
)

#: Verbs a server may know beyond RFC 5321's, so not taken for typos.
_OTHER_VERBS = (
    "DEBUG",
    "WIZ",
    "TURN",
    "SEND",
    "SOML",
    "SAML",
    "ETRN",
    "ATRN",
    "STARTTLS",
    "AUTH",
    "BDAT",
    "XCLIENT",
    "XFORWARD",
)

#: POP3's commands that SMTP does not share (RFC 1939, RFC 2449's CAPA): typed to an SMTP
#: server, they are a wrong port, not a typo.
POP3_VERBS = frozenset(POP3_COMMANDS) - set(RFC5321_VERBS) | {"APOP", "STLS"}

#: What a command looks like with its argument, for a 501.
_EXAMPLES = {
    "HELO": "HELO followed by your host's name, e.g. HELO pc.crepes.fr",
    "EHLO": "EHLO followed by your host's name, e.g. EHLO pc.crepes.fr",
    "MAIL": "MAIL FROM:<sender@domain> (RFC 5321 puts no space after the colon, though Postfix "
    "takes one; angle brackets around the address; <> for a bounce)",
    "RCPT": "RCPT TO:<recipient@domain> (RFC 5321 puts no space after the colon, though "
    "Postfix takes one; angle brackets around the address)",
    "VRFY": "VRFY and a user name or address, e.g. VRFY bob",
    "EXPN": "EXPN and a list name, e.g. EXPN staff",
    "DATA": "DATA alone: the message comes after the 354",
    "RSET": "RSET alone",
    "QUIT": "QUIT alone",
}


#: What comes after a 250 to each command of a mail transaction.
_AFTER_250 = {
    "HELO": "MAIL FROM:<sender> starts a message.",
    "EHLO": "MAIL FROM:<sender> starts a message; the lines of the 250 list what this server "
    "offers.",
    "MAIL": "RCPT TO:<recipient>, once for each recipient.",
    "RCPT": "Another RCPT TO for one more recipient, or DATA to send the message.",
    "RSET": "The transaction is gone: MAIL FROM:<sender> starts a new one.",
}


#: A relay refusal, as Postfix ("Relay access denied", whatever the code) and sendmail
#: ("Relaying denied") word it.
_RELAY_DENIED = re.compile(r"relay(ing)?\s+(access\s+)?denied", re.I)


def _relay_advice(
    code: int, command: str, login: str | None = None, domains: Collection[str] | None = None
) -> str:
    if login is not None:  # the submission port of a server that takes AUTH
        return (
            f"Log in first ({login}): the submission port relays mail to other domains "
            "only for users who have authenticated (RFC 6409, RFC 4954; Postfix's "
            "permit_sasl_authenticated). Then MAIL FROM and RCPT TO again."
        )
    import difflib

    domain = command.rpartition("@")[2].strip().strip(">").strip() if "@" in command else ""
    if domain and domains is not None and domain.lower() in {d.lower() for d in domains}:
        # (a real domain of this network: the refusal is the point, not a typo)
        return (
            f"Relaying refused: {domain} is not this server's own domain, and it passes mail "
            "on to other domains (relays) only for its own users, not for a stranger. A "
            f"server that relayed for anyone would be an open relay. Mail for {domain} goes "
            "to that domain's own server (its MX), or through your own provider's."
        )
    guess = (
        difflib.get_close_matches(domain.lower(), sorted(domains), n=1, cutoff=0.6)
        if domain and domains
        else []
    )
    return (
        "Relaying refused"
        + (f": is {domain} spelt right?" if domain else ".")
        + (f" (did you mean {guess[0]}?)" if guess else "")
        + " This server takes mail from strangers only for its own domains; mail for "
        "anywhere else it passes on (relays) only for its own users. A typo in the "
        "recipient's domain is the usual cause: the mail then looks bound for elsewhere."
        + (
            " The 4 says the refusal may not be final, yet the same RCPT fails again until "
            "the server's policy changes."
            if code // 100 == 4
            else ""
        )
        + " For another domain, send through your own provider's server."
    )


def _missing_colon(verb: str, rest: str) -> str | None:
    """MAIL FROM or RCPT TO typed without its colon ("mail from alice@crepes.fr")."""
    word = {"MAIL": "FROM", "RCPT": "TO"}.get(verb)
    if (
        word is None
        or re.match(rf"{word}\s*:", rest, re.I)
        or not re.match(rf"{word}\b", rest, re.I)
    ):
        return None
    address = rest.split(None, 1)[1].strip().strip("<>") if len(rest.split()) > 1 else ""
    example = (
        f"{verb} {word}:<{address or ('sender@domain' if verb == 'MAIL' else 'recipient@domain')}>"
    )
    return (
        f"The colon after {word} is missing: type {example} (the form is "
        f"{_EXAMPLES[verb].split(' (')[0]})."
    )


def _sequence_advice(verb: str, text: str, greeting: str | None) -> str | None:
    """What a 503 (bad sequence) asks for first, in this session's words."""
    greet = greeting or "HELO (or EHLO)"
    if verb == "RCPT":
        return "RCPT TO comes after MAIL FROM: send MAIL FROM:<sender> first, then RCPT TO again."
    if verb == "DATA":
        return (
            "DATA needs a recipient accepted first: MAIL FROM:<sender>, then "
            "RCPT TO:<recipient>, then DATA."
        )
    if verb == "MAIL" and ("nested" in text.lower() or "already" in text.lower()):
        return (
            "A message is already under way (an earlier MAIL was accepted, and MAIL may "
            "come only when no transaction is open, RFC 5321 section 4.1.1.2). To start "
            "over with this sender, type RSET first (it drops the transaction, section "
            "4.1.1.5), then MAIL FROM again; or go on with RCPT TO and DATA."
        )
    if verb == "MAIL":
        return f"Greet the server first: {greet} and your host's name, then MAIL FROM again."
    if greeting is not None:
        return (
            f"Send the missing step first ({greeting}, then MAIL, RCPT, DATA), or RSET to "
            "start the transaction over."
        )
    return None


#: A parameter with spaces around its '=' (or a space instead of it): "SIZE = 10".
_SPACED_PARAMETER = re.compile(
    r"\s(SIZE|BODY|RET|ENVID|NOTIFY|ORCPT|AUTH)(\s+=\s*|\s*=\s+|\s+)([^\s=]+)", re.I
)

#: A path with a parameter glued to its closing bracket: "FROM:<a@b>SIZE=10".
_GLUED_PARAMETER = re.compile(r"^\S+\s+(FROM|TO)\s*:\s*(<[^>]*>)([A-Za-z][\w-]*=\S*)", re.I)


def _verify_advice(code: int, verb: str, argument: str) -> str:
    """VRFY or EXPN answered 252 (will not tell) or 550 (no such user or list)."""
    name = argument.strip("<>") or "that name"
    if code == 252:
        what = (
            f"neither confirms nor denies that {name} exists"
            if verb == "VRFY"
            else f"will not list the members of {name}"
        )
        return (
            f"The server {what}: 252 is 'Cannot VRFY user, but will accept "
            "message and attempt delivery' (RFC 5321 sections 3.5.3 and 4.2.3), the answer "
            "of a server that does not verify addresses (or will not tell, against address "
            "harvesting: section 7.3). RCPT TO, in a mail transaction, is where an address "
            "is really accepted or refused."
        )
    if verb == "VRFY":
        return (
            f"The server knows no user {name}: VRFY asks whether a name is a user or "
            "mailbox here (RFC 5321 section 3.5.1), and 550 says no. Check the spelling "
            "(VRFY takes a user name, e.g. VRFY bob, or an address)."
        )
    return (
        f"The server knows no list or user {name}: EXPN asks for the members of a mailing "
        "list or alias (RFC 5321 section 3.5.1), and 550 says there is none by that name. "
        "Check the spelling, or VRFY the name to see whether it is a user."
    )


def _auth_refused_advice(login: str | None) -> str:
    """AUTH answered 'authentication not enabled' (Postfix's 503)."""
    if login is not None and login.startswith("STARTTLS"):
        return (
            "This server takes AUTH only inside TLS, so that the password does not cross "
            "the network in clear (RFC 4954 section 4; Postfix's smtpd_tls_auth_only): "
            "type STARTTLS first (RFC 3207), then EHLO again, then AUTH."
        )
    return (
        "The server does not offer AUTH on this connection (its EHLO reply has no AUTH "
        "line). Mail programs log in on the submission port, 587 (RFC 6409), where a "
        "server may offer it, often only after STARTTLS."
    )


def _next_for(
    code: int,
    command: str,
    text: str,
    greeting: str | None = None,
    login: str | None = None,
    domains: Collection[str] | None = None,
    client: str | None = None,
) -> str | None:
    """Advice for this reply to this command line, or None for the code's general advice."""
    import difflib

    words = command.strip().split(None, 1)
    verb = words[0].upper() if words else ""
    if _RELAY_DENIED.search(text):
        return _relay_advice(code, command, login, domains)
    if code in (500, 501, 502) and not command.strip():
        return (
            f"An empty line is no command: the server answered {code} and nothing changed "
            "(an empty line means something only inside a message, after DATA's 354: it "
            "ends the header section, RFC 5322 section 2.1). Type the next command; every "
            "error counts towards the server's limit before it hangs up."
        )
    leaving = verb.rstrip("();.!")
    if code in (500, 501, 502) and (leaving in LEAVING_WORDS or verb != leaving == "QUIT"):
        return (
            f"{words[0]!r} is not how SMTP says goodbye: type QUIT (RFC 5321 section "
            "4.1.1.10): the server says goodbye with 221 and closes the connection, and the "
            "telnet prompt comes back."
        )
    if code in (500, 502) and "too long" in text.lower():
        return (
            "The line was longer than this server takes: send shorter lines (RFC 5321 "
            "section 4.5.3.1.4 guarantees 512 octets for a command line)."
        )
    if code in (500, 502) and verb.startswith("."):
        return (
            "The server is not reading a message now (no DATA is open): an earlier line "
            "holding only '.' ended it. Start a new one with MAIL FROM, RCPT TO and DATA."
        )
    if code in (500, 502) and verb in ("TELNET", "CONNECT", "OPEN"):
        return (
            "You are still connected: this server took the line as an SMTP command. Type "
            "QUIT first, then telnet to the other host."
        )
    if code in (500, 502) and verb in POP3_VERBS:
        return (
            f"{verb} is a POP3 command (RFC 1939: collecting mail from a mailbox, on port "
            "110); this is an SMTP server, which takes mail to deliver. QUIT, then telnet "
            "to the mail server on port 110."
        )
    if code in (500, 502) and verb and verb not in RFC5321_VERBS and verb not in _OTHER_VERBS:
        if verb in ALIASES:
            meant, why = ALIASES[verb]
            return (
                f"{why} This server answered {code}, as to any command it does not "
                f"know. Type {meant} instead."
            )
        guesses = difflib.get_close_matches(verb, RFC5321_VERBS, n=3, cutoff=0.5)
        # (of equally close verbs, the one with the same first letter: ELHO is EHLO)
        guess = sorted(guesses, key=lambda g: g[0] != verb[0])[:1]
        maybe = f" Did you mean {guess[0]}?" if guess else ""
        return (
            f"{verb!r} is not an SMTP command: check the spelling and type it "
            f"again.{maybe} Verbs are case-insensitive; HELP lists them."
        )
    if code in (500, 502) and verb in ("DEBUG", "WIZ"):
        return (
            f"{verb} was an old sendmail back door (the Morris worm used DEBUG in 1988); "
            "servers today refuse it. Go on without it."
        )
    if code == 221 and verb and verb != "QUIT":
        return (
            "The server hung up on you: it took this line for a confused or hostile client "
            "(Postfix drops a command line that looks like a header, an HTTP request, or "
            "one that does not start with a letter, such as a lone '.' outside DATA). "
            "Connect again and start over."
        )
    glued = _GLUED_PARAMETER.match(command.strip()) if verb in ("MAIL", "RCPT") else None
    if glued is not None and code // 100 in (2, 5):
        fixed = f"{verb} {glued.group(1).upper()}:{glued.group(2)} {glued.group(3)}"
        if code // 100 == 2:
            role = "sender" if verb == "MAIL" else "recipient"
            return (
                f"Accepted, but read the reply: the server took {glued.group(2)}"
                f"{glued.group(3)} as the {role}'s address, parameter and all. A space must "
                "come between the address's '>' and the parameter (RFC 5321 section "
                f"4.1.1.2). Type RSET, then MAIL FROM again, with {fixed}."
            )
        return (
            f"A space must come between the address's '>' and the parameter: type {fixed} "
            "(RFC 5321 section 4.1.1.2: the path, then SP and the parameters). Without it "
            "the server reads the parameter as part of the address."
        )
    spaced = (
        _SPACED_PARAMETER.search(command)
        if code in (501, 555) and verb in ("MAIL", "RCPT")
        else None
    )
    if spaced is not None:
        name, value = spaced.group(1).upper(), spaced.group(3)
        return (
            f"A parameter's value comes after '=', with no spaces around it: {name}={value} "
            "(RFC 5321 section 4.1.2's esmtp-param). Send the command again with it."
        )
    if verb in ("VRFY", "EXPN") and code in (252, 550):
        return _verify_advice(code, verb, words[1].strip() if len(words) > 1 else "")
    if code in (452, 552) and "too many recipients" in text.lower():
        return (
            "The server takes no more recipients in this transaction (RFC 821 gave this "
            "552; RFC 5321 section 4.5.3.1.10 says 452, and that a client SHOULD also be "
            "prepared for a 552 here and take it as temporary). The recipients accepted so "
            "far still count: send DATA for them, then a new transaction (MAIL FROM) for "
            "the rest."
        )
    if code == 552 and verb == "RCPT" and "full" in text.lower():
        return (
            "This recipient's mailbox is full (552: exceeded storage allocation, RFC 5321 "
            "section 4.2.2): the server takes no mail for it until its owner makes room. "
            "Recipients accepted before still count: go on with another RCPT TO, or DATA; "
            "tell this one another way, or try again much later."
        )
    if code == 503 and verb == "AUTH" and re.search(r"not (enabled|available)", text, re.I):
        return _auth_refused_advice(login)
    if code == 502 and verb in ("VRFY", "EXPN"):
        return (
            f"This server keeps {verb} switched off (it would help spammers harvest "
            "addresses, RFC 5321 section 7.3). Go on without it: RCPT TO tells whether "
            "a recipient is accepted."
        )
    if code in (500, 502) and verb == "EHLO":
        return _EHLO_REFUSED
    if code in (500, 501, 555):
        colon = _missing_colon(verb, words[1] if len(words) > 1 else "")
        if colon is not None:
            return colon
    if code == 503 and verb == "AUTH" and "already" in text.lower():
        return (
            "You are logged in already: after a successful AUTH the server refuses any "
            "other with 503 (RFC 4954 section 4). Go on with MAIL FROM; to log in again, "
            "QUIT and connect again."
        )
    if code == 503:
        sequence = _sequence_advice(verb, text, greeting)
        if sequence is not None:
            return sequence
    if code == 501 and verb in ("MAIL", "RCPT"):
        keyword = {"MAIL": "FROM", "RCPT": "TO"}[verb]
        rest = words[1] if len(words) > 1 else ""
        first = rest.split(":", 1)[0].split()[0] if rest.split() else ""
        if first and first.upper() != keyword:
            return (
                f"{verb} is followed by {keyword}: ({first!r} is not {keyword}): type "
                f"{_EXAMPLES[verb].split(' (')[0]}."
            )
    if code == 501 and verb in ("MAIL", "RCPT"):
        # (walkA: a task's list comma copied with the command, 'mail from:<ada@x>,')
        after = re.search(r">\s*([^\s\w<>]+)\s*$", words[1] if len(words) > 1 else "")
        if after is not None:
            section = "4.1.1.2" if verb == "MAIL" else "4.1.1.3"
            fixed = f"{words[0]} {words[1][: after.start() + 1]}"
            return (
                f"The {after.group(1)!r} after the > is not part of the command: the address "
                "ends at > (only a parameter such as SIZE=1000 may follow, after a space; "
                f"RFC 5321 section {section}). Type the line again without it: {fixed}"
            )
    if code == 501 and verb in _EXAMPLES:
        example = _EXAMPLES[verb]
        if client and verb in ("HELO", "EHLO"):
            example = f"{verb} followed by your host's name, e.g. {verb} {client}"
        return f"Fix the argument and resend: {example}."
    if code == 550 and verb == "RCPT":  # (the general advice also covers a refused message)
        return (
            "This recipient is refused for good: check its spelling, and do not retry it "
            "unchanged. Recipients accepted before still count: go on with another RCPT TO, "
            "or DATA."
        )
    if code == 250 and verb in _AFTER_250:
        return _AFTER_250[verb]
    return None


def _enhanced_summary(enhanced: str) -> str:
    try:
        klass, subject, detail = _parse_enhanced(enhanced)
    except UnknownTopic:
        return f"{enhanced}: not an RFC 3463 enhanced status code."
    info = ENHANCED_CODES.get(f"{subject}.{detail}")
    what = ENHANCED_CLASSES[klass].split(":", 1)[0]
    if subject not in ENHANCED_SUBJECTS:
        return f"{enhanced}: {what}; subject {subject} is not defined by RFC 3463."
    if info is None:
        return f"{enhanced}: {what}, {_subject_title(subject)} (detail not in RFC 3463)."
    rfc = info.rfc.split(" (", 1)[0]  # (a note in brackets is the long explanation's)
    if detail == 0:  # "Other ...": the title only repeats the subject
        about = "" if subject == 0 else f", {_subject_title(subject)}"
        return f"{enhanced}: {what}{about}, no more detail ({rfc})."
    return f"{enhanced} {info.title}: {what}, {_subject_title(subject)} ({rfc})."
