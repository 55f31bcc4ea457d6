"""What a telnet client sends besides the text typed, undone before it enters the world.

A telnet client speaks the Network Virtual Terminal (RFC 854): in character mode (``^]``
``mode character``) Enter is CR NUL, and the client negotiates options with IAC DO/WILL
(RFC 855). SMTP and POP3 are line-mode services: the bridge turns CR NUL into CR LF, strips
every IAC sequence (``IAC IAC`` is a data byte 255), answers each DO with WONT and each WILL
with DONT (so the client echoes locally and keeps its line discipline; the server echoes
nothing), and says so in the trace once.

Inside a message (after 354) nothing is changed unless the client has negotiated before: a
byte 255 in 8-bit content from an ordinary mail program is content. Before a client has
negotiated, a byte 255 counts as telnet's IAC only when it starts a negotiation a telnet client
really opens with (DO or WILL with an option of :data:`OPTIONS`; DONT and WONT only answer
a request, and the bridge makes none); otherwise it is a data byte
and reaches the server as it came, as it does on a real MTA (which knows no telnet: Postfix
answers ``HELO \xff`` with ``500 5.5.2 Error: bad UTF-8 syntax``, docs/conformance.md).
"""

from __future__ import annotations

IAC, DONT, DO, WONT, WILL, SB, SE = 255, 254, 253, 252, 251, 250, 240
_ANSWER = {DO: WONT, WILL: DONT}  # refuse whatever is asked or offered
#: A few option names for the trace (RFC 857, 858, 1091, 1073, 1079, 1184, 1572).
OPTIONS = {
    1: "ECHO",
    3: "SUPPRESS-GO-AHEAD",
    5: "STATUS",
    24: "TERMINAL-TYPE",
    31: "WINDOW-SIZE",
    32: "TERMINAL-SPEED",
    33: "REMOTE-FLOW-CONTROL",
    34: "LINEMODE",
    35: "X-DISPLAY-LOCATION",
    36: "OLD-ENVIRON",
    37: "AUTHENTICATION",
    38: "ENCRYPT",
    39: "NEW-ENVIRON",
    0: "BINARY",
}
_VERBS = {DO: "DO", DONT: "DONT", WILL: "WILL", WONT: "WONT"}


class TelnetFilter:
    """Bytes from one client in, (text, answer) out; a sequence split between reads waits."""

    def __init__(self) -> None:
        self.negotiated = False  # the client has sent an IAC sequence
        self.asked: list[str] = []  # what it asked, for the trace ("DO ECHO", ...)
        self._pending = b""

    def feed(self, data: bytes, *, in_message: bool = False) -> tuple[bytes, bytes]:
        """The text to pass on and the bytes to answer with (WONT/DONT)."""
        if self._pending:
            data, self._pending = self._pending + data, b""
        elif (IAC not in data and b"\r\0" not in data and not data.endswith(b"\r")) or (
            in_message and not self.negotiated
        ):
            return data, b""  # the usual case, at C speed
        if in_message and not self.negotiated:
            return data, b""
        out = bytearray()
        answer = bytearray()
        i, n = 0, len(data)
        while i < n:
            byte = data[i]
            if byte == 13:  # CR: CR NUL is a line end typed in character mode
                if i + 1 == n:
                    self._pending = data[i:]
                    break
                out += b"\r\n" if data[i + 1] == 0 else b"\r"
                i += 2 if data[i + 1] == 0 else 1
            elif byte != IAC:
                stop = min(
                    (j for j in (data.find(b"\r", i), data.find(b"\xff", i)) if j >= 0), default=n
                )
                out += data[i:stop]
                i = stop
            else:
                used = self._command(data, i, answer, out)
                if used == 0:  # the rest of the sequence is in the next read
                    self._pending = data[i:]
                    break
                i += used
        return bytes(out), bytes(answer)

    def flush(self) -> bytes:
        """What is held back at the end (the client closed): a lone CR stays a CR."""
        rest, self._pending = self._pending, b""
        return rest if rest[:1] == b"\r" else b""

    def _command(self, data: bytes, i: int, answer: bytearray, out: bytearray) -> int:
        """Handle the IAC sequence at ``i``: the number of bytes it takes (0: incomplete)."""
        n = len(data)
        if i + 1 == n:
            return 0
        verb = data[i + 1]
        if verb == IAC:  # an escaped 255: a data byte
            out.append(IAC)
            return 2
        if not self.negotiated:
            if verb not in _ANSWER:  # a client opens with DO or WILL (we never ask): data
                out.append(IAC)
                return 1
            if i + 2 == n:
                return 0
            if data[i + 2] not in OPTIONS:
                out.append(IAC)
                return 1
        self.negotiated = True
        if verb in _VERBS:
            if i + 2 == n:
                return 0
            option = data[i + 2]
            self.asked.append(f"{_VERBS[verb]} {OPTIONS.get(option, str(option))}")
            if verb in _ANSWER:
                answer += bytes((IAC, _ANSWER[verb], option))
            return 3
        if verb == SB:  # subnegotiation: up to IAC SE
            end = data.find(bytes((IAC, SE)), i + 2)
            return 0 if end < 0 else end + 2 - i
        return 2  # NOP, AYT, GA... : nothing to do
