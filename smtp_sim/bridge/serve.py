"""``smtp-sim serve``: a scenario's servers on real TCP ports until SIGINT or SIGTERM.

Standard output carries the live log: every trace record as the swaks-style transcript of
``smtp-sim run`` (each real connection opens with a line naming the peer's real address).
Standard error carries what the listeners are, warnings, and the summary at the end.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from ..world.export import record_lines
from ..world.scenario import Scenario, ScenarioError, build_world, load_scenario
from ..world.trace import Kind, TraceRecord
from .bridge import DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_PER_ADDRESS, Bridge, BridgeError
from .listen import ListenError, ListenSpec

DEFAULT_SCENARIO = "classroom"
#: At exit, relays already under way in the simulation get this many virtual seconds (run
#: at once) to finish; what still waits in a queue after that is kept in DIR/_queue.
SHUTDOWN_DRAIN = 60.0
LOG_LINE_LIMIT = 1000  # characters of one transcript line shown (a 1 MB line is cut)
LOG_CONTENT_LINES = 60  # lines of one segment of message content shown (the rest counted)


class LiveLog:
    """A trace listener that prints each record's transcript lines as they happen."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def __call__(self, record: TraceRecord) -> None:
        try:
            lines = record_lines(record)
            if record.kind is Kind.CONTENT and len(lines) > LOG_CONTENT_LINES:
                # (a big attachment would scroll the log for minutes: the start, then a count)
                shown = LOG_CONTENT_LINES - 2  # (then the count, then the last line)
                hidden = len(lines) - shown - 1
                last = lines[-1]
                lines = lines[:shown]
                lines.append(f"{lines[-1].partition(': ')[0]}: ... {hidden:,} more lines of "
                             f"message content ({len(record.data):,} bytes in this segment) "
                             "not shown")
                lines.append(last)  # (the final dot, when this segment ends the message)
            for line in lines:
                if len(line) > LOG_LINE_LIMIT:
                    line = f"{line[:LOG_LINE_LIMIT]}... ({len(line) - LOG_LINE_LIMIT} more " \
                           "characters)"
                self.stream.write(line + "\n")
            self.stream.flush()
        except (BrokenPipeError, ValueError):  # the reader went away: keep serving
            pass


def serve(scenario: str | Path | Scenario = DEFAULT_SCENARIO, listen: Sequence[ListenSpec] = (), *,
          maildir: str | Path | None = None, timeout: float | None = None,
          max_connections: int = DEFAULT_MAX_CONNECTIONS,
          max_per_address: int = DEFAULT_MAX_PER_ADDRESS, messages: bool = True,
          quiet: bool = False, seed: int | None = None, stdout: TextIO | None = None,
          stderr: TextIO | None = None) -> int:
    """Serve ``scenario`` (a file, a built-in id, or one already read) until SIGINT/SIGTERM.
    Returns the exit status: 0 after a clean stop, 1 when a
    port cannot be opened, 2 for a scenario or ``--listen`` that is not valid."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    try:
        spec = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
        if not messages:
            spec = spec.model_copy(update={"messages": []})
        world = build_world(spec, seed=seed)
    except ScenarioError as exc:
        for problem in exc.problems:
            print(problem, file=err)
        return 2

    def error(text: str) -> None:
        print(f"smtp-sim serve: {text}", file=err, flush=True)

    try:
        bridge = Bridge(world, list(listen) or [ListenSpec()], maildir=maildir,
                        idle_timeout=timeout, max_connections=max_connections,
                        max_per_address=max_per_address,
                        on_record=None if quiet else LiveLog(out), on_error=error)
    except (ListenError, ValueError) as exc:
        error(str(exc))
        return 2
    return asyncio.run(_serve(bridge, err))


async def _serve(bridge: Bridge, err: TextIO) -> int:
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    signals = (signal.SIGINT, signal.SIGTERM)
    for sig in signals:
        loop.add_signal_handler(sig, stopping.set)
    try:
        for bound in bridge.listeners:
            if bound.spec.exposed:
                print(f"smtp-sim serve: warning: {bound.spec.host} is not a loopback address: "
                      "other machines can connect, and the simulated servers accept mail "
                      "from anyone who can", file=err)
        try:
            await bridge.start()
        except BridgeError as exc:
            print(f"smtp-sim serve: {exc}", file=err)
            return 1
        for bound in bridge.listeners:
            print(f"smtp-sim serve: listening on {bound}", file=err)
        if bridge.maildir is not None:
            print(f"smtp-sim serve: delivered mail goes to {bridge.maildir.directory}/<address>/"
                  " (Maildir); POP3 serves what is there", file=err)
            if bridge.loaded:
                print(f"smtp-sim serve: {bridge.loaded} message{'s' * (bridge.loaded != 1)} "
                      "already in the Maildir are in the mailboxes again", file=err)
        print("smtp-sim serve: Ctrl-C stops", file=err, flush=True)
        await stopping.wait()
        print("smtp-sim serve: stopping", file=err, flush=True)
        await bridge.stop(drain=SHUTDOWN_DRAIN)
        _report(bridge, err)
        return 0
    finally:
        for sig in signals:
            loop.remove_signal_handler(sig)


def _report(bridge: Bridge, err: TextIO) -> None:
    stats = bridge.stats
    left = bridge.queued()
    written = bridge.maildir.written if bridge.maildir is not None else None
    if left and bridge.maildir is not None:
        for host, entry in left:
            bridge.maildir.write_queue(host, entry)
    parts = [f"{stats.connections} connection{'s' * (stats.connections != 1)}"]
    if stats.refused:
        parts.append(f"{stats.refused} refused")
    if stats.timed_out:
        parts.append(f"{stats.timed_out} timed out")
    if written is not None:
        parts.append(f"{written} message{'s' * (written != 1)} written to the Maildir")
    print(f"smtp-sim serve: stopped: {', '.join(parts)}", file=err)
    for host, entry in left:
        where = " (kept in _queue/)" if bridge.maildir is not None else ""
        print(f"smtp-sim serve: still queued at {host}: {entry.queue_id} for "
              f"{', '.join(entry.recipients)}{where}", file=err)
    err.flush()
