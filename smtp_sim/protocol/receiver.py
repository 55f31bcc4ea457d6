"""The bytes a peer sent and an engine has not read yet, framed into lines: the one line reader
of the SMTP and POP3 server engines (the idea of h11's ``ReceiveBuffer``).

    incoming = LineReceiver()
    incoming.feed(b"HELO a\\r\\nMAIL FROM:<>\\r\\n")
    incoming.line(limit=512, keep=80)     # (b"HELO a", False)

A line ends at LF; one CR before it is dropped (a bare LF ends a line too, as every server
modelled here reads it). Memory stays bounded: past ``limit`` octets without an LF the bytes
are dropped as they come, only the first ``keep`` kept, and the whole line is reported as
over-long when its LF arrives, so the session stays in step with the client.
"""

from __future__ import annotations


class LineReceiver:
    """Bytes in with :meth:`feed`, command lines out with :meth:`line`; the DATA phase and
    BDAT chunks take the raw bytes with :meth:`take`, :meth:`take_all` and :meth:`unread`."""

    __slots__ = ("_data", "_discarding", "closed")

    def __init__(self) -> None:
        self._data = bytearray()
        self._discarding: bytes | None = None  # the first octets of an over-long line
        #: the peer closed its side (``feed(b"")``); what is buffered may still be read
        self.closed = False

    def feed(self, data: bytes) -> None:
        """Bytes from the peer; ``b""`` says it closed."""
        if data:
            self._data += data
        else:
            self.closed = True

    def __len__(self) -> int:
        return len(self._data)

    def __bool__(self) -> bool:
        return bool(self._data)

    def line(self, limit: int, keep: int) -> tuple[bytes, bool] | None:
        """The next line without its line ending, and whether it was longer than ``limit``
        octets with its CRLF (then only its first ``keep`` octets are given); None until an
        LF arrives."""
        buf = self._data
        nl = buf.find(b"\n")
        if nl < 0:
            if len(buf) > limit:  # keep memory bounded; the line is answered at its end
                if self._discarding is None:
                    self._discarding = bytes(buf[:keep])
                keep_cr = buf.endswith(b"\r")  # (it may be the CR of the CRLF)
                buf.clear()
                if keep_cr:
                    buf += b"\r"
            return None
        raw = bytes(buf[:nl])
        del buf[: nl + 1]
        if self._discarding is not None:
            prefix, self._discarding = self._discarding, None
            return prefix, True
        if raw.endswith(b"\r"):
            raw = raw[:-1]
        if len(raw) + 2 > limit:
            return raw[:keep], True
        return raw, False

    def take(self, count: int) -> bytes:
        """Up to ``count`` octets as they came (a BDAT chunk's)."""
        piece = bytes(self._data[:count])
        del self._data[: len(piece)]
        return piece

    def take_all(self) -> bytearray:
        """Everything buffered (the DATA phase scans it for the end of the message)."""
        data, self._data = self._data, bytearray()
        return data

    def unread(self, data: bytes | bytearray) -> None:
        """Put back what follows the end of a message: the next commands."""
        self._data[:0] = data

    def clear(self) -> None:
        """Forget what is buffered (the session is over)."""
        self._data.clear()
        self._discarding = None
