"""The line-by-line terminal session behind ``smtp-sim session``: a telnet you can pipe into.

Standard output carries exactly the server's reply lines; notes and explanations go to standard
error. A line typed at a terminal ends with a bare LF; like telnet, we send it as CRLF.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, TextIO

from .protocol.events import CommandReplied, ConnectionClosed, MessageReceived, Signal
from .protocol.explain import explain_reply
from .protocol.server import ServerConnection

if TYPE_CHECKING:
    from .scenario.model import Scenario


def _lines(stream: TextIO) -> Iterator[bytes]:
    if stream.isatty():
        with contextlib.suppress(ImportError):
            import readline  # noqa: F401  (line editing and history for input())
        while True:
            try:
                yield input().encode("utf-8")
            except EOFError:
                return
    else:
        for raw in stream.buffer:
            yield raw.rstrip(b"\n").rstrip(b"\r")


def run_session(
    server: ServerConnection,
    *,
    stdin: TextIO,
    stdout: TextIO,
    stderr: TextIO,
    explain: bool = False,
) -> int:
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
                command = (
                    event.command.raw.decode("utf-8", "replace")
                    if isinstance(event, CommandReplied)
                    else None
                )
                for line in explain_reply(
                    reply.code, reply.enhanced, command=command, text=" ".join(reply.lines)
                ).splitlines():
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


def run_world_session(
    world,
    terminal,
    server: str,
    port: int,
    *,
    stdin: TextIO,
    stdout: TextIO,
    stderr: TextIO,
    explain: bool = False,
) -> int:
    """The same loop inside a scenario's network: lines travel over simulated TCP."""
    from .world.trace import Kind, Layer

    shown = 0
    notes_from = len(world.trace)

    def flush() -> None:
        nonlocal shown, notes_from
        for item in terminal.output[shown:]:
            if item.pop3 is not None:
                stdout.write(item.text + "\n")
            elif item.reply is not None:
                stdout.write(item.text + "\n")
                if explain:
                    for line in explain_reply(item.reply.code, item.reply.enhanced).splitlines():
                        print(f"  | {line}", file=stderr)
            else:
                print(f"note: {item.text}", file=stderr)
        stdout.flush()
        shown = len(terminal.output)
        for record in world.trace.since(notes_from):
            if record.layer in (Layer.QUEUE, Layer.MAILBOX) or (
                record.layer is Layer.INFO and record.kind is not Kind.NOTE
            ):
                print(f"note: [{record.time:9.3f}] {record.src}: {record.summary}", file=stderr)
        notes_from = len(world.trace)

    terminal.connect(server, port)
    terminal.run_until_answer()
    flush()
    for line in _lines(stdin):
        if terminal.state != "open":
            break
        terminal.type_line(line.decode("utf-8", "replace"))
        terminal.run_until_answer()
        flush()
    terminal.close()
    world.run(until=world.now + 3600)  # let the mail travel on: relays, retries, bounces
    flush()
    return 0


def main_world_session(
    scenario: str | Scenario, server: str | None, port: int, from_host: str | None, explain: bool
) -> int:
    """``scenario``: a file, a built-in id, or one already read."""
    from .scenario.build import build_world
    from .scenario.files import load_scenario
    from .scenario.model import Scenario
    from .scenario.problems import ScenarioError
    from .world.student_terminal import StudentTerminal

    try:
        spec = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
        world = build_world(spec)
    except ScenarioError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 2
    hosts = world.network.hosts
    if server is None:
        server = next((h for h in hosts if h in world.mtas), None)
    if from_host is None:
        from_host = next((h.name for h in hosts.values() if h.role == "client"), next(iter(hosts)))
    if server is None or world.host_named(server) is None:
        print(
            f"smtp-sim session: no host named {server!r}; hosts: {', '.join(hosts)}",
            file=sys.stderr,
        )
        return 2
    if from_host not in hosts:
        print(
            f"smtp-sim session: no host named {from_host!r}; hosts: {', '.join(hosts)}",
            file=sys.stderr,
        )
        return 2
    terminal = StudentTerminal(world, from_host)
    try:
        return run_world_session(
            world,
            terminal,
            server,
            port,
            stdin=sys.stdin,
            stdout=sys.stdout,
            stderr=sys.stderr,
            explain=explain,
        )
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


def main_session(personality: str, hostname: str, explain: bool) -> int:
    server = ServerConnection(personality, hostname)
    try:
        return run_session(
            server, stdin=sys.stdin, stdout=sys.stdout, stderr=sys.stderr, explain=explain
        )
    except KeyboardInterrupt:
        print("", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
