"""Client side of POP3, sans-IO: split the server's bytes into replies and undo byte-stuffing.

A POP3 reply does not say whether more lines follow: the client knows from what it asked
(RFC 1939 section 3). So the client calls :meth:`Pop3ReplyParser.expect` for every command it
sends, in order; the greeting is expected from the start.

    parser = Pop3ReplyParser()
    parser.expect(multiline_for(b"RETR 1"))
    parser.receive_data(chunk)
    while (reply := parser.next_reply()) is not None: ...
"""

from __future__ import annotations

from collections import deque

from .errors import RemoteProtocolError
from .pop3_replies import Pop3Reply

_MULTILINE_ALWAYS = frozenset({"RETR", "TOP", "CAPA"})
_MULTILINE_WITHOUT_ARGUMENT = frozenset({"LIST", "UIDL"})
MAX_REPLY_LINE = 512  # octets including CRLF (RFC 1939 section 3); bodies are not limited


def multiline_for(command: bytes | str) -> bool:
    """True when a +OK to this command line is followed by lines and a dot."""
    text = command.decode("utf-8", "replace") if isinstance(command, bytes) else command
    verb, _, argument = text.strip().partition(" ")
    verb = verb.upper()
    return verb in _MULTILINE_ALWAYS or (
        verb in _MULTILINE_WITHOUT_ARGUMENT and not argument.strip()
    )


class Pop3ReplyParser:
    """Bytes from a POP3 server in, :class:`Pop3Reply` objects out (bodies un-stuffed)."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self._expect: deque[bool] = deque([False])  # the greeting is one line
        self._status: Pop3Reply | None = None  # a +OK whose body is still arriving
        self._body: list[bytes] = []

    def expect(self, multiline: bool) -> None:
        """Say that a command was sent whose positive reply is multi-line (or not)."""
        self._expect.append(multiline)

    def receive_data(self, data: bytes) -> None:
        self._buf += data

    @property
    def waiting(self) -> int:
        """How many replies are still expected."""
        return len(self._expect)

    def next_reply(self) -> Pop3Reply | None:
        """The next complete reply, or None until more bytes arrive.

        Raises :class:`RemoteProtocolError` for a status line that is neither +OK nor -ERR,
        for an over-long status line, or for a reply nobody asked for.
        """
        while True:
            nl = self._buf.find(b"\r\n")
            if nl < 0:
                if self._status is None and len(self._buf) > MAX_REPLY_LINE:
                    raise RemoteProtocolError("POP3 status line longer than 512 octets")
                return None
            line = bytes(self._buf[:nl])
            del self._buf[: nl + 2]
            if self._status is not None:
                if line == b".":
                    status, self._status = self._status, None
                    body, self._body = tuple(self._body), []
                    return Pop3Reply(status.ok, status.text, body)
                self._body.append(line[1:] if line.startswith(b".") else line)
                continue
            return self._status_line(line)

    def _status_line(self, line: bytes) -> Pop3Reply | None:
        if not self._expect:
            raise RemoteProtocolError(f"unexpected POP3 reply {line[:60]!r}")
        multiline = self._expect.popleft()
        text = line.decode("utf-8", "replace")
        if "\r" in text or "\n" in text:
            raise RemoteProtocolError(f"bare CR or LF in a POP3 status line: {line[:60]!r}")
        if text == "+OK" or text.startswith("+OK "):
            reply = Pop3Reply(True, text[4:])
        elif text == "-ERR" or text.startswith("-ERR "):
            return Pop3Reply(False, text[5:])
        else:
            raise RemoteProtocolError(f"POP3 reply must start with +OK or -ERR: {line[:60]!r}")
        if not multiline:
            return reply
        self._status = reply
        return self.next_reply()


def unstuffed_content(reply: Pop3Reply) -> bytes:
    """A RETR reply's message: the body lines joined with CRLF (what the server stored)."""
    return b"".join(line + b"\r\n" for line in reply.lines or ())
