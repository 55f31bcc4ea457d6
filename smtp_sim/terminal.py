"""The line-by-line terminal session behind ``smtp-sim session``: a telnet you can pipe into.

Standard output carries exactly the server's reply lines; notes and explanations go to standard
error. A line typed at a terminal ends with a bare LF; like telnet, we send it as CRLF.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import TextIO

from .protocol import CommandReplied, ConnectionClosed, MessageReceived, ServerConnection, Signal
from .protocol.explain import explain_reply


def _lines(stream: TextIO) -> Iterator[bytes]:
    if stream.isatty():
        try:
            import readline  # noqa: F401  (line editing and history for input())
        except ImportError:
            pass
        while True:
            try:
                yield input().encode("utf-8")
            except EOFError:
                return
    else:
        for raw in stream.buffer:
            yield raw.rstrip(b"\n").rstrip(b"\r")


def run_session(server: ServerConnection, *, stdin: TextIO, stdout: TextIO, stderr: TextIO,
                explain: bool = False) -> int:
    """Drive ``server`` from ``stdin`` until QUIT, a close, or the end of input. Returns 0."""

    def flush() -> bool:
        """Write replies, report notes; False once the server closed."""
        open_ = True
        while True:
            event = server.next_event()
            if event is Signal.NEED_DATA:
                break
            if event is Signal.CLOSED:
                open_ = False
                break
            reply = getattr(event, "reply", None)
            if isinstance(event, CommandReplied) and event.note:
                print(f"note: {event.note}", file=stderr)
            if isinstance(event, MessageReceived) and event.accepted:
                rcpts = ", ".join(str(r) for r in event.envelope.recipients)
                print(f"note: message of {event.size} bytes accepted for {rcpts}", file=stderr)
            if isinstance(event, ConnectionClosed):
                print(f"note: connection closed ({event.reason})", file=stderr)
                open_ = False
            if explain and reply is not None and not isinstance(event, ConnectionClosed):
                for line in explain_reply(reply.code, reply.enhanced).splitlines():
                    print(f"  | {line}", file=stderr)
        out = server.data_to_send()
        if out:
            stdout.write(out.decode("utf-8", "replace").replace("\r\n", "\n"))
            stdout.flush()
        return open_

    if not flush():
        return 0
    for line in _lines(stdin):
        server.receive_data(line + b"\r\n")
        if not flush():
            return 0
    server.receive_data(b"")
    flush()
    return 0


def main_session(personality: str, hostname: str, explain: bool) -> int:
    server = ServerConnection(personality, hostname)
    try:
        return run_session(server, stdin=sys.stdin, stdout=sys.stdout, stderr=sys.stderr,
                           explain=explain)
    except KeyboardInterrupt:
        print("", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
