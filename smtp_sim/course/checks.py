"""Automatic checks: declarative predicates over the trace and the world since a step began.

Each kind of check is one small class with a ``kind`` literal and a ``passed(ctx)`` method,
registered with ``@check``; the lesson format accepts every registered kind. To add one, write a
class here (or anywhere imported before the lesson models are built) and decorate it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo

from ..scenario.problems import invalid_value
from ..world.trace import Kind, Layer, TraceRecord
from .scans import Pop3Scan, ReplyScan

if TYPE_CHECKING:
    from ..world.student_terminal import StudentTerminal
    from ..world.world import World


@dataclass
class CheckContext:
    """What a check may look at."""

    world: World
    records: Sequence[TraceRecord]  # the trace since the step began
    terminal: StudentTerminal | None = None
    quiz_correct: bool = False
    answers: list[str] = field(default_factory=list)


class BaseCheck(BaseModel):
    # strict: ``code = "220"`` or ``port = "25"`` is a string where the schema says integer
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    def passed(self, ctx: CheckContext) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError

    def describe(self) -> str:
        """What must happen, in a few words (grading reports name the checks not met)."""
        return self.__class__.__name__


REGISTRY: dict[str, type[BaseCheck]] = {}


def check(cls: type[BaseCheck]) -> type[BaseCheck]:
    """Register a check class under its ``kind``."""
    kind = cls.model_fields["kind"].default
    REGISTRY[kind] = cls
    return cls


def _regex(value: str, info: ValidationInfo) -> str:
    """The one check of every regular expression a lesson gives (patterns, subjects, headers,
    bodies): it must compile, so a typo is found when the file is read, not when it runs.
    The message names the key: the key path of a check other than the first kind loses it."""
    try:
        re.compile(value)
    except re.error as exc:
        raise invalid_value(
            f"`{info.field_name}` {value!r} is not a valid regular expression: {exc}",
            "a Python regular expression; escape ( ) [ ] . * + ? with a backslash "
            "to match them literally",
        ) from None
    return value


#: A regular expression, searched (not anchored) without regard to case.
Regex = Annotated[str, AfterValidator(_regex)]


#: Patterns that ask only for something there: "a body", not "a body matching /\\S/".
_ANYTHING = frozenset({"", ".", ".*", ".+", "\\S", "\\S+", "\\w", "\\w+", "[^\\s]"})
#: Patterns for an empty line.
_EMPTY = frozenset({"^$", "^\\s*$"})
#: What a simple pattern's escapes and spacing stand for, read as text.
_READ_AS = (("\\s*", " "), ("\\s+", " "), ("\\s", " "), ("\\.", "."), ("\\-", "-"))


#: Set by :func:`for_the_student`: a pattern that does not read as text is "as the task
#: describes", not a regular expression (the console's "Not yet" is read by a student; a
#: grading report by the instructor who wrote the pattern).
_FOR_STUDENT: ContextVar[bool] = ContextVar("for_student", default=False)
#: What the student has been shown of the step (its task and text, case folded), set by
#: :func:`for_the_student`: a check names a text (a host, an address, a code, a line) only
#: when it is there; anything else is what the student is to find, "as the task describes".
#: None: the step is not known, every text is named.
_SHOWN: ContextVar[str | None] = ContextVar("shown_to_student", default=None)


@contextmanager
def for_the_student(shown: str | None = None) -> Iterator[None]:
    """Checks describe themselves for a student inside this block (see :data:`_FOR_STUDENT`),
    naming only the texts that ``shown`` (the step's task and text) holds, when given."""
    token = _FOR_STUDENT.set(True)
    words = _SHOWN.set(" ".join(shown.casefold().split()) if shown is not None else None)
    try:
        yield
    finally:
        _SHOWN.reset(words)
        _FOR_STUDENT.reset(token)


def holds(shown: str, text: str) -> bool:
    """``shown`` (already case folded, spaces collapsed) holds ``text`` as a word or words of
    its own: "250" is not in "2501", "MAIL" not in "mailbox"."""
    text = " ".join(text.casefold().split())
    if not text:
        return True
    before = r"(?<![\w])" if re.match(r"\w", text) else ""
    after = r"(?![\w])" if re.search(r"\w$", text) else ""
    return re.search(before + re.escape(text) + after, shown) is not None


def _named(text: object) -> bool:
    """May a check name ``text`` here: always for the instructor, for a student only when the
    step's task or text holds it (a "Not yet" gives away no more than the task asks to find)."""
    shown = _SHOWN.get()
    return not _FOR_STUDENT.get() or shown is None or holds(shown, str(text))


def _reads_as(pattern: str) -> str | None:
    """The text a plain pattern matches (``^Subject:\\s*FooBar`` is "Subject: FooBar"), or
    None when it reads as no text."""
    text = pattern.removeprefix("^").removesuffix("$")
    # (a line that starts with a space, "^ \\.": the space is part of the text to type)
    lead = " " if pattern.startswith("^ ") else ""
    for escape, meaning in _READ_AS:
        text = text.replace(escape, meaning)
    text = " ".join(text.split())
    if text and not any(c in text for c in "\\[](){}|*+?^$"):
        return lead + text
    return None


def _shown(pattern: str) -> str:
    """A pattern as a student reads it: a plain one as the text it matches, in quotes
    (``^Subject:\\s*FooBar`` is "Subject: FooBar"), any other as ``/pattern/`` (or, for
    the student, "as the task describes", as is a text the step does not show)."""
    text = _reads_as(pattern)
    if text is not None and _named(text):
        # (a space at an end is invisible in quotes: walkC read '" ."' as the "." typed)
        if text.startswith(" "):
            return f'"{text}" (starting with a space)'
        if text.endswith(" "):
            return f'"{text}" (ending with a space)'
        return f'"{text}"'
    return "as the task describes" if _FOR_STUDENT.get() else f"/{pattern}/"


def _like(pattern: str, word: str = "like") -> str:
    """`` like "text"`` (or ``word`` for "like"), `` like /pattern/``; for the student, a
    pattern that reads as no text is `` as the task describes``."""
    shown = _shown(pattern)
    return f" {shown}" if shown.startswith("as ") else f" {word} {shown}"


def _student_commands(ctx: CheckContext, by: str) -> Iterator[TraceRecord]:
    for r in ctx.records:
        if (
            r.kind is Kind.COMMAND
            and r.layer in (Layer.SMTP, Layer.POP3)
            and (by == "anyone" or r.get("student"))
        ):
            yield r


@check
class Sent(BaseCheck):
    """The student (or anyone) sent a command: by verb, or a pattern on the line."""

    kind: Literal["sent"] = "sent"
    verb: str | None = None
    pattern: Regex | None = None
    by: Literal["student", "anyone"] = "student"

    def passed(self, ctx: CheckContext) -> bool:
        for r in _student_commands(ctx, self.by):
            line = r.data.decode("utf-8", "replace").rstrip("\r\n")
            if self.verb and self.verb.upper() not in r.get("verbs", ()):
                continue
            if self.pattern and not re.search(self.pattern, line, re.IGNORECASE):
                continue
            return True
        return False

    def describe(self) -> str:
        what = self.verb.upper() if self.verb and _named(self.verb) else "a command"
        if self.pattern:
            what += _like(self.pattern)
        elif self.verb and not _named(self.verb):
            what += " as the task describes"
        return what + (" sent by the student" if self.by == "student" else " sent by anyone")


@check
class DataLine(BaseCheck):
    """The student typed a line of message content (after 354) matching a pattern."""

    kind: Literal["data"] = "data"
    pattern: Regex = ".*"
    #: Where in the message: "headers", a header field in the header section (before the
    #: empty line; a "header" typed after it is body text), "body", a line after that empty
    #: line (RFC 5322 section 2.1), or "any" line after 354.
    section: Literal["any", "headers", "body"] = "any"

    def passed(self, ctx: CheckContext) -> bool:
        for r in ctx.records:
            if r.kind is Kind.CONTENT and r.get("student"):
                if self.section != "any" and r.get("section") != self.section:
                    continue
                line = r.data.decode("utf-8", "replace").rstrip("\r\n")
                if re.search(self.pattern, line, re.IGNORECASE):
                    return True
        return False

    def describe(self) -> str:
        where = {
            "any": "(after 354)",
            "headers": "in the message's headers (before the empty line)",
            "body": "in the body (after the empty line ending the headers)",
        }[self.section]
        line = "a header line" if self.section == "headers" else "a message line"
        if self.pattern in _ANYTHING:
            return f"{line} typed by the student {where}"
        if self.pattern in _EMPTY:
            return f"an empty message line typed by the student {where}"
        like = _like(self.pattern)
        field = re.match(r"\^([\w-]+):", self.pattern)
        if like.startswith(" as ") and field is not None and _named(field.group(1)):
            # (a header whose value reads as no text is still named: 'a "From:" header line')
            line = f'a "{field.group(1)}:" {"header line" if self.section == "headers" else "line"}'
        return f"{line}{like} typed by the student {where}"


#: A header field's start (RFC 5322 section 2.2), as the student terminal reads one.
_FIELD_START = re.compile(r"[\x21-\x39\x3b-\x7e]+[ \t]*:")


@check
class PartCheck(BaseCheck):
    """A MIME part the student typed in a message's body. RFC 2046 section 5.1.1: after its
    delimiter line (``--`` and the boundary) each part is built like a message, its header
    lines, an empty line, then its content. ``ended``: a part whose Content-Type matches
    ``type`` has its header lines ended by that empty line. ``unended``: a line that is no
    header field came among such a part's header lines, before any empty line (its content
    typed right after its headers: a mail program reads it as a broken header)."""

    kind: Literal["part"] = "part"
    boundary: str = "b"
    type: Regex = ".*"  # searched in the part's Content-Type value
    want: Literal["ended", "unended"] = "ended"

    def _parts(self, ctx: CheckContext) -> list[tuple[str, bool]]:
        """Each part's Content-Type and whether its header lines were ended as they should."""
        parts: list[tuple[str, bool]] = []
        heads: list[str] | None = None  # the open part's header lines, None outside one
        broken = False
        for r in ctx.records:
            if r.kind is not Kind.CONTENT or not r.get("student"):
                continue
            line = r.data.decode("utf-8", "replace").rstrip("\r\n")
            if r.get("section") != "body":  # (the final dot, a header: no part is open)
                heads = None
                continue
            delimiter = line.rstrip(" \t")
            if delimiter == f"--{self.boundary}":  # (a part begins: its header lines follow)
                heads, broken = [], False
                continue
            if delimiter == f"--{self.boundary}--":  # (the multipart's close)
                heads = None
                continue
            if heads is None:
                continue
            if line == "" or (not broken and line[:1] in (" ", "\t") and heads):
                if line == "":
                    parts.append((_content_type(heads), not broken))
                    heads = None
                continue
            if _FIELD_START.match(line) and not broken:
                heads.append(line)
                continue
            if not broken:  # (a line that is no header field: the part's headers are broken)
                parts.append((_content_type(heads), False))
                broken = True
        return parts

    def passed(self, ctx: CheckContext) -> bool:
        good = self.want == "ended"
        return any(
            ok is good and re.search(self.type, ctype, re.IGNORECASE)
            for ctype, ok in self._parts(ctx)
        )

    def describe(self) -> str:
        ctype = self.type.replace("\\", "")
        if self.type in _ANYTHING:
            which = "a part"
        else:
            which = f"a {ctype} part" if _named(ctype) else "the part the task describes"
        if self.want == "unended":
            return (
                f"{which} after --{self.boundary} whose content came right after its header "
                "lines, with no empty line between (RFC 2046 section 5.1.1)"
            )
        return (
            f"{which} after --{self.boundary} whose header lines end with an empty line "
            "before its content (RFC 2046 section 5.1.1)"
        )


def _content_type(heads: list[str]) -> str:
    for line in heads:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-type":
            return value.strip()
    return "text/plain"  # (RFC 2045 section 5.2: a part without one)


@check
class ReplyCheck(BaseCheck):
    """A server replied with a code (or a class: 2, 3, 4, 5), optionally to a given verb."""

    kind: Literal["reply"] = "reply"
    code: int | None = Field(default=None, ge=200, le=599)
    reply_class: int | None = Field(default=None, ge=2, le=5, alias="class")
    to: str | None = None  # the verb this reply answered
    #: A pattern the command line it answered must match ("alice@crepes\\.fr": the MAIL
    #: FROM that named Alice, accepted; a second MAIL refused with 503 does not count).
    command: Regex | None = None
    host: str | None = None
    student: bool = True  # only replies on the student's connections

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, populate_by_name=True)

    def passed(self, ctx: CheckContext) -> bool:
        scan = ReplyScan(self)
        scan.feed(ctx.records)
        return scan.passed(ctx)

    def describe(self) -> str:
        what = (
            f"a {self.code} reply"
            if self.code is not None and _named(self.code)
            else f"a {self.reply_class}xx reply"
            if self.reply_class is not None
            else "a reply"
        )
        if self.to and (self.to.startswith("<") or _named(self.to)):
            what += f" to {self.to}"
        if self.command:
            what += _like(self.command, "with" if self.to else "to a command like")
        if self.host and _named(self.host):
            what += f" from {self.host}"
        if self.code is not None and not _named(self.code):
            what += ", as the task describes," if self.student else ", as the task describes"
        return what + (" on the student's connection" if self.student else "")


@check
class SessionState(BaseCheck):
    """The server side of the student's session reached a state (READY, MAIL, RCPT, DATA...)."""

    kind: Literal["state"] = "state"
    state: Literal["CONNECTED", "READY", "MAIL", "RCPT", "DATA", "CLOSED"]
    #: True: the session is in the state now (whatever happened before in the step), rather
    #: than "a reply in this step moved it there".
    now: bool = False

    def passed(self, ctx: CheckContext) -> bool:
        term = ctx.terminal
        if self.now:
            server = term.conn.server_end if term is not None and term.conn is not None else None
            engine = getattr(server, "engine", None)
            state = getattr(engine, "state", None)
            return state is not None and state.value == self.state
        for r in ctx.records:
            if (
                r.kind is Kind.REPLY
                and r.get("state") == self.state
                and (term is None or term.conn is None or r.conn == term.conn.id)
            ):
                return True
        return False

    def describe(self) -> str:
        state = f"the state {self.state}" if _named(self.state) else "the state the task asks for"
        if self.now:
            return f"the student's session still in {state}"
        return f"the student's session reaching {state}"


@check
class Connected(BaseCheck):
    """The student's terminal opened a TCP connection (to a host, on a port)."""

    kind: Literal["connected"] = "connected"
    host: str | None = None
    port: int | None = None

    def passed(self, ctx: CheckContext) -> bool:
        term = ctx.terminal
        if term is None or term.peer is None or term.state not in ("open", "closed"):
            return False
        for r in ctx.records:
            if r.kind is Kind.ACK and term.conn is not None and r.conn == term.conn.id:
                host, port = term.peer
                return (self.host is None or self.host == host) and (
                    self.port is None or self.port == port
                )
        return False

    def describe(self) -> str:
        where = self.host if self.host and _named(self.host) else "a server"
        hidden = [v for v in (self.host, self.port) if v is not None and not _named(v)]
        if hidden:
            return f"a connection from the student's terminal to {where} as the task describes"
        return f"a connection from the student's terminal to {where}" + (
            f" on port {self.port}" if self.port is not None else ""
        )


@check
class MailboxHas(BaseCheck):
    """A mailbox holds a message (delivered during the step) whose headers or body match."""

    kind: Literal["mailbox"] = "mailbox"
    address: str
    subject: Regex | None = None
    header: dict[str, Regex] = Field(default_factory=dict)  # header name -> pattern
    body: Regex | None = None
    #: The whole message as stored, headers and body (a body line typed right after the
    #: headers, with no empty line between, belongs to the header section).
    text: Regex | None = None
    #: The MIME structure: the content types of the message's leaf parts, in order (what a
    #: mail program finds when it reads the boundaries), e.g. ["text/plain", "image/gif"].
    parts: list[str] | None = None
    count: int = Field(default=1, ge=1)
    during_step: bool = True

    def passed(self, ctx: CheckContext) -> bool:
        box = ctx.world.mailbox(self.address)
        if box is None:
            return False
        if self.during_step:
            uids = {
                r.get("uid")
                for r in ctx.records
                if r.kind is Kind.STORED and r.get("mailbox") == box.address
            }
            messages = [m for m in box.messages if m.uid in uids]
        else:
            messages = list(box.messages)
        return sum(1 for m in messages if self._matches(m)) >= self.count

    def _matches(self, stored: Any) -> bool:
        msg = stored.parsed()
        if self.subject and not re.search(self.subject, str(msg.get("Subject", "")), re.I):
            return False
        for name, pattern in self.header.items():
            values = [str(v) for v in msg.get_all(name, [])]
            if not any(re.search(pattern, v, re.I) for v in values):
                return False
        text = stored.data.decode("utf-8", "replace")
        if self.text and not re.search(self.text, text, re.I | re.M):
            return False
        if self.body:
            # The body follows the empty line that ends the header section (RFC 5322 section
            # 2.1): a message without one has no body, whatever its last lines say.
            body = text.partition("\r\n\r\n")[2]
            if not re.search(self.body, body, re.I | re.M):
                return False
        if self.parts is not None:
            leaves = [part.get_content_type() for part in msg.walk() if not part.is_multipart()]
            if leaves != [p.lower() for p in self.parts]:
                return False
        return True

    def describe(self) -> str:
        parts = []
        if self.subject:
            anything = self.subject in _ANYTHING
            parts.append("a subject" if anything else f"the subject {_shown(self.subject)}")
        for name, pattern in self.header.items():
            if not _named(name):
                parts.append("a header as the task describes")
                continue
            shown = _shown(pattern)
            parts.append(f"{name}: {shown}" if shown[0] in '"/' else f"a {name}: header {shown}")
        if self.text:
            parts.append(f"the text {_shown(self.text)}")
        if self.body:
            body = "a body" if self.body in _ANYTHING else f"the body {_shown(self.body)}"
            parts.append(f"{body} (after the empty line ending the headers)")
        if self.parts is not None:
            if all(_named(p) for p in self.parts):
                parts.append("the parts " + ", ".join(self.parts) + " in this order")
            else:
                parts.append("the parts the task describes")
        what = "a message" if self.count == 1 else f"{self.count} messages"
        box = f"the mailbox of {self.address}" if _named(self.address) else "the mailbox"
        text = f"{what} in {box}" + ("" if _named(self.address) else " the task names")
        if parts:
            text += " with " + ", ".join(parts)
        return text + (" delivered during the step" if self.during_step else "")


@check
class QueueEvent(BaseCheck):
    """A message was queued, attempted, deferred, sent (relayed), bounced or expired."""

    kind: Literal["queue"] = "queue"
    event: Literal["queued", "attempt", "deferred", "sent", "bounced", "expired"]
    host: str | None = None  # the MTA whose queue it was
    via: str | None = None  # for "sent": the next hop

    def passed(self, ctx: CheckContext) -> bool:
        for r in ctx.records:
            if r.layer is Layer.QUEUE and r.kind.value == self.event:
                if self.host and r.src != self.host:
                    continue
                if self.via and r.dst != self.via:
                    continue
                return True
        return False

    def describe(self) -> str:
        at = f" {self.host}" if self.host and _named(self.host) else " a server"
        if self.event == "sent":
            via = self.via and _named(self.via)
            return f"{at.strip()} passing the message on" + (f" to {self.via}" if via else "")
        return {
            "queued": f"a message queued at{at}",
            "attempt": f"a delivery attempt from{at}",
            "deferred": f"a delivery from{at} deferred (to be tried again later)",
            "bounced": f"a bounce from{at} (the message returned to its sender)",
            "expired": f"a message given up in the queue of{at}",
        }[self.event]


@check
class DnsLookup(BaseCheck):
    """A DNS lookup happened (of a domain), answered or failed."""

    kind: Literal["dns"] = "dns"
    domain: str | None = None
    answered: bool = True

    def passed(self, ctx: CheckContext) -> bool:
        kind = Kind.ANSWER if self.answered else Kind.QUERY
        return any(
            r.kind is kind and (self.domain is None or r.get("name") == self.domain.lower())
            for r in ctx.records
        )

    def describe(self) -> str:
        what = (
            f"a DNS lookup of {self.domain}"
            if self.domain and _named(self.domain)
            else "a DNS lookup"
        )
        return what + (" answered" if self.answered else "")


@check
class TcpEvent(BaseCheck):
    """A TCP segment of a kind was seen (SYN, SYN-ACK, ACK, FIN, RST)."""

    kind: Literal["tcp"] = "tcp"
    segment: Literal["SYN", "SYN-ACK", "ACK", "FIN", "RST", "retransmit"]
    host: str | None = None

    def passed(self, ctx: CheckContext) -> bool:
        return any(
            r.layer is Layer.TCP
            and r.kind.value == self.segment
            and (self.host is None or self.host in (r.src, r.dst))
            for r in ctx.records
        )

    def describe(self) -> str:
        host = self.host and _named(self.host)
        return f"a TCP {self.segment}" + (f" to or from {self.host}" if host else "")


@check
class TlsEvent(BaseCheck):
    """A TLS handshake message crossed (``step``: ClientHello, ServerHello+Certificate,
    Finished) or a client judged a server's TLS (``verdict``: valid, warned, refused),
    optionally between a given host and another (world/tls.py)."""

    kind: Literal["tls"] = "tls"
    step: Literal["ClientHello", "ServerHello+Certificate", "Finished"] | None = None
    verdict: Literal["valid", "warned", "refused"] | None = None
    host: str | None = None

    def passed(self, ctx: CheckContext) -> bool:
        return any(
            r.layer is Layer.TLS
            and (self.step is None or r.get("tls") == self.step)
            and (self.verdict is None or r.get("verdict") == self.verdict)
            and (self.host is None or self.host in (r.src, r.dst))
            for r in ctx.records
        )

    def describe(self) -> str:
        what = (
            f"a TLS {self.step}"
            if self.step
            else f"a TLS verdict: {self.verdict}"
            if self.verdict
            else "a TLS record"
        )
        return what + (f" to or from {self.host}" if self.host and _named(self.host) else "")


@check
class Tapped(BaseCheck):
    """A tap on a link saw a segment cross it (``encrypted``: as TLS records or not;
    ``pattern``: searched in the octets as they crossed; ``host``: on a connection to or from
    it), or with ``tampered = true`` an attacker on a link changed one (world/tap.py)."""

    kind: Literal["tap"] = "tap"
    pattern: Regex | None = None
    encrypted: bool | None = None
    tampered: bool = False
    host: str | None = None  # an end of the connection the segment belongs to

    def passed(self, ctx: CheckContext) -> bool:
        want = Kind.TAMPERED if self.tampered else Kind.TAPPED
        return any(
            r.layer is Layer.TAP
            and r.kind is want
            and (self.host is None or self.host in (r.src, r.dst))
            and (self.encrypted is None or bool(r.get("encrypted")) == self.encrypted)
            and (
                self.pattern is None
                or re.search(self.pattern, r.data.decode("latin-1"), re.I | re.M) is not None
            )
            for r in ctx.records
        )

    def describe(self) -> str:
        if self.tampered:
            return "an attacker on a link changing a segment"
        what = "a tap seeing " + (
            "ciphertext"
            if self.encrypted
            else "plaintext"
            if self.encrypted is False
            else "a segment"
        )
        what += _like(self.pattern, "matching") if self.pattern else ""
        return what + (f" to or from {self.host}" if self.host and _named(self.host) else "")


@check
class Pop3Reply(BaseCheck):
    """A POP3 server answered +OK (``ok = true``) or -ERR, optionally to a given command."""

    kind: Literal["pop3"] = "pop3"
    ok: bool = True
    to: str | None = None
    student: bool = True

    def passed(self, ctx: CheckContext) -> bool:
        scan = Pop3Scan(self)
        scan.feed(ctx.records)
        return scan.passed(ctx)

    def describe(self) -> str:
        to = self.to and _named(self.to)
        return f"a POP3 {'+OK' if self.ok else '-ERR'}" + (f" to {self.to}" if to else "")


@check
class MailboxEvent(BaseCheck):
    """A message was stored in, retrieved from (POP3 RETR) or deleted from a mailbox."""

    kind: Literal["mailbox-event"] = "mailbox-event"
    event: Literal["stored", "retrieved", "deleted"]
    address: str | None = None

    def passed(self, ctx: CheckContext) -> bool:
        return any(
            r.layer is Layer.MAILBOX
            and r.kind.value == self.event
            and (self.address is None or r.get("mailbox") == self.address.lower())
            for r in ctx.records
        )

    def describe(self) -> str:
        where = {"stored": "in", "retrieved": "from", "deleted": "from"}[self.event]
        named = self.address and _named(self.address)
        return f"a message {self.event} {where} " + (
            f"the mailbox of {self.address}" if named else "a mailbox"
        )


@check
class Narrated(BaseCheck):
    """The scenario's timeline reached a narration or pause (for instructor scenarios)."""

    kind: Literal["narrated"] = "narrated"
    pattern: Regex = ".*"

    def passed(self, ctx: CheckContext) -> bool:
        return any(
            r.kind is Kind.NARRATION and re.search(self.pattern, r.summary, re.I)
            for r in ctx.records
        )

    def describe(self) -> str:
        return f"a narration{_like(self.pattern, 'matching')}"


@check
class QuizAnswered(BaseCheck):
    """The step's quiz was answered correctly."""

    kind: Literal["quiz"] = "quiz"

    def passed(self, ctx: CheckContext) -> bool:
        return ctx.quiz_correct

    def describe(self) -> str:
        return "the quiz answered correctly"


@check
class AllOf(BaseCheck):
    kind: Literal["all"] = "all"
    checks: list[AnyCheck] = Field(min_length=1)

    def passed(self, ctx: CheckContext) -> bool:
        return all(c.passed(ctx) for c in self.checks)

    def describe(self) -> str:
        return "all of: " + "; ".join(c.describe() for c in self.checks)


@check
class AnyOf(BaseCheck):
    kind: Literal["any"] = "any"
    checks: list[AnyCheck] = Field(min_length=1)

    def passed(self, ctx: CheckContext) -> bool:
        return any(c.passed(ctx) for c in self.checks)

    def describe(self) -> str:
        return "one of: " + "; or ".join(c.describe() for c in self.checks)


@check
class Not(BaseCheck):
    kind: Literal["not"] = "not"
    check: AnyCheck

    def passed(self, ctx: CheckContext) -> bool:
        return not self.check.passed(ctx)

    def describe(self) -> str:
        return f"not ({self.check.describe()})"


if TYPE_CHECKING:  # (a type checker cannot read a union built at run time: any check)
    AnyCheck = BaseCheck
else:  # every registered kind, told apart by its `kind`
    AnyCheck = Annotated[Union[tuple(REGISTRY.values())], Field(discriminator="kind")]  # noqa: UP007

for _cls in (AllOf, AnyOf, Not):
    _cls.model_rebuild()
