"""The sans-IO SMTP client engine: commands out as bytes, replies in as bytes, parsed.

    client = ClientConnection()
    client.receive_data(b"220 mail.example.com ESMTP\\r\\n")
    event = client.next_event()           # ReplyReceived(reply=Reply(220, ...))
    wire.write(client.send("EHLO me.example"))

It parses single- and multi-line replies, refuses malformed ones with RemoteProtocolError,
learns the extensions from the EHLO reply, pipelines only when PIPELINING was offered
(RFC 2920), and dot-stuffs message bodies (RFC 5321 section 4.5.2).
"""

from __future__ import annotations

import re
from collections import deque
from functools import lru_cache

from .caching import BoundedCache
from .errors import LocalProtocolError, RemoteProtocolError
from .events import ReplyReceived, Signal
from .replies import Reply

MAX_COMMAND_LINE = 512
MAX_REPLY_LINE = 2048  # RFC 5321 says 512; real servers send longer, we tolerate up to this
_REPLY_LINE = re.compile(rb"^([2-5][0-9][0-9])([ -]|$)(.*)$", re.DOTALL)
_ENHANCED = re.compile(r"^([245]\.\d{1,3}\.\d{1,3})(?: |$)")
# Commands after which a pipelining client must wait for the reply (RFC 2920 section 3.1).
_GROUP_ENDERS = frozenset({"EHLO", "HELO", "DATA", "VRFY", "EXPN", "TURN", "QUIT", "NOOP"})

#: The wire bytes of one complete reply -> the event it gave, shared by every client (a world
#: of thousands of sessions hears "250 2.1.0 Ok" thousands of times). Unique replies ("queued
#: as <id>") fill it; when full it starts over and the common ones are parsed once more.
_SEEN: BoundedCache[bytes, ReplyReceived] = BoundedCache(4096)


@lru_cache(maxsize=256)
def _extensions(lines: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """The (KEYWORD, parameters) pairs an EHLO reply's lines offer (after the greeting line)."""
    pairs = {}
    for line in lines[1:]:
        keyword, _, params = line.partition(" ")
        pairs[keyword.upper()] = params  # (a keyword offered twice: the last one counts)
    return tuple(pairs.items())


def parse_reply_lines(lines: list[bytes]) -> Reply:
    """Build a :class:`Reply` from its wire lines (without CRLF). Raises RemoteProtocolError."""
    code: int | None = None
    texts: list[str] = []
    for i, line in enumerate(lines):
        match = _REPLY_LINE.match(line)
        if match is None:
            shown = line[:60].decode("utf-8", "replace")
            raise RemoteProtocolError(
                f"malformed reply line {shown!r}: expected a 3-digit code "
                "from 200 to 599 followed by a space or a hyphen"
            )
        line_code = int(match.group(1))
        if code is None:
            code = line_code
        elif line_code != code:
            raise RemoteProtocolError(
                f"multi-line reply changed its code from {code} to {line_code}"
            )
        last = match.group(2) != b"-"
        if last != (i == len(lines) - 1):
            raise RemoteProtocolError("a multi-line reply must end with a line 'NNN text'")
        texts.append(match.group(3).decode("utf-8", "replace"))
    assert code is not None
    enhanced = None
    found = [_ENHANCED.match(t) for t in texts]
    if all(found) and all(m.group(1)[0] == str(code)[0] for m in found if m):
        enhanced = found[0].group(1) if found[0] else None
        if enhanced and all(m.group(1) == enhanced for m in found if m):
            texts = [t[len(enhanced) :].lstrip(" ") for t in texts]
        else:
            enhanced = None
    return Reply(code=code, lines=tuple(texts) or ("",), enhanced=enhanced)


class ClientConnection:
    """One SMTP session seen from the client."""

    __slots__ = ("_in", "_lines", "_pending", "closed", "esmtp", "extensions", "last_reply")

    def __init__(self) -> None:
        self._in = bytearray()
        self._lines: list[bytes] = []
        self._pending: deque[str] = deque(["<greeting>"])
        self.extensions: dict[str, str] = {}
        self.esmtp = False
        self.closed = False
        self.last_reply: Reply | None = None

    # -- incoming -------------------------------------------------------------------------

    def receive_data(self, data: bytes) -> None:
        if not data:
            self.closed = True
        self._in += data

    def next_event(self) -> ReplyReceived | Signal:
        buf = self._in
        if not buf:
            return Signal.CLOSED if self.closed else Signal.NEED_DATA
        # Most replies recur word for word: when the bytes waiting are exactly one reply seen
        # before, the event is the one that reply gave then (events and replies are immutable).
        whole = bytes(buf) if not self._lines else None
        event = _SEEN.get(whole) if whole is not None else None
        if event is None:
            event = self._parse_next()
            if event is None:
                return Signal.CLOSED if self.closed else Signal.NEED_DATA
            if whole is not None and not buf:  # the bytes were this one reply and nothing else
                _SEEN.put(whole, event)
        else:
            buf.clear()
        reply = event.reply
        command = self._pending.popleft() if self._pending else "<unsolicited>"
        self._learn(command, reply)
        self.last_reply = reply
        return event

    def _parse_next(self) -> ReplyReceived | None:
        """The next complete reply taken from the buffer, or None when it is not complete."""
        buf = self._in
        while True:
            nl = buf.find(b"\n")
            if nl < 0:
                if len(buf) > MAX_REPLY_LINE + 1:  # + 1: a CR may be waiting for its LF
                    raise RemoteProtocolError(
                        f"reply line longer than {MAX_REPLY_LINE} octets without CRLF"
                    )
                return None
            line = bytes(buf[:nl])
            del buf[: nl + 1]
            if line.endswith(b"\r"):
                line = line[:-1]
            if len(line) > MAX_REPLY_LINE:  # the same verdict however the bytes were chunked
                raise RemoteProtocolError(f"reply line longer than {MAX_REPLY_LINE} octets")
            self._lines.append(line)
            # (only a line with a hyphen after three characters can continue a reply)
            if line[3:4] == b"-" and _REPLY_LINE.match(line) is not None:
                continue
            raw_lines, self._lines = self._lines, []
            raw = b"".join(x + b"\r\n" for x in raw_lines)
            # (one of several replies in a segment, a pipelining client's: seen before?)
            event = _SEEN.get(raw)
            if event is None:
                event = ReplyReceived(reply=parse_reply_lines(raw_lines), raw=raw)
                if buf:  # (a reply alone in the buffer is remembered by next_event)
                    _SEEN.put(raw, event)
            return event

    def _learn(self, command: str, reply: Reply) -> None:
        code = reply.code
        if code == 250:
            verb = command.split(" ", 1)[0].upper()
            if verb == "EHLO":
                self.esmtp = True
                self.extensions = dict(_extensions(reply.lines))
            elif verb == "HELO":
                self.esmtp = False
                self.extensions = {}
        elif code == 421 or (code == 221 and command.split(" ", 1)[0].upper() == "QUIT"):
            self.closed = True

    # -- outgoing -------------------------------------------------------------------------

    @property
    def pipelining(self) -> bool:
        return self.esmtp and "PIPELINING" in self.extensions

    @property
    def awaiting(self) -> int:
        """How many replies are still owed to us."""
        return len(self._pending)

    def offers(self, keyword: str) -> bool:
        return keyword.upper() in self.extensions

    def send(self, command: str) -> bytes:
        """The bytes for one command line. Raises LocalProtocolError when it would break rules."""
        if self.closed:
            raise LocalProtocolError("the connection is closed")
        if "\r" in command or "\n" in command:
            raise LocalProtocolError("a command may not contain CR or LF")
        line = command.encode("utf-8")
        if len(line) + 2 > MAX_COMMAND_LINE:
            raise LocalProtocolError(
                f"command line is {len(line) + 2} octets; the limit is {MAX_COMMAND_LINE}"
            )
        if self._pending:
            last = self._pending[-1].split(" ", 1)[0].upper()
            if not self.pipelining:
                raise LocalProtocolError(
                    f"wait for the reply to {self._pending[0]!r}: the server did not offer "
                    "PIPELINING"
                )
            if last in _GROUP_ENDERS or last == "<GREETING>":
                raise LocalProtocolError(f"{last} must be the last command of a pipelined group")
        self._pending.append(command)
        return line + b"\r\n"

    def send_data(self, body: bytes) -> bytes:
        """The message content, line endings made CRLF, dot-stuffed, ending <CRLF>.<CRLF>.

        Call it after the 354 reply to DATA.
        """
        if self._pending:
            raise LocalProtocolError("send the message only after the 354 reply to DATA")
        self._pending.append("<end of data>")
        return stuff(body) + b".\r\n"


def stuff(body: bytes) -> bytes:
    """Normalise line endings to CRLF, double every leading dot, end with CRLF."""
    crs = body.count(b"\r")
    if crs != body.count(b"\n") or crs != body.count(b"\r\n"):  # a bare CR or LF
        body = body.replace(b"\r\n", b"\n").replace(b"\r", b"\n").replace(b"\n", b"\r\n")
    if body and not body.endswith(b"\r\n"):
        body += b"\r\n"
    if body.startswith(b"."):
        body = b"." + body
    # Every line now ends with CRLF, so a CRLF followed by a dot starts a line with a dot.
    return body.replace(b"\r\n.", b"\r\n..")
