"""``smtp-sim serve``: a scenario's servers on real TCP ports until SIGINT or SIGTERM.

Standard output carries the live log: every trace record as the swaks-style transcript of
``smtp-sim run`` (each real connection opens with a line naming the peer's real address).
Standard error carries what the listeners are, warnings, and the summary at the end.
"""

from __future__ import annotations

import asyncio
import gc
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from ..scenario.build import build_world
from ..scenario.files import load_scenario
from ..scenario.model import Scenario
from ..scenario.problems import ScenarioError
from ..textio import wrap
from ..world.trace import Kind, TraceRecord
from ..world.transcript import record_lines
from .bridge import DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_PER_ADDRESS, Bridge, BridgeError
from .listen import ListenError, ListenSpec
from .tls import TlsError, load, offer_tls_and_auth, self_signed, served_names

DEFAULT_SCENARIO = "classroom"
#: At exit, relays already under way in the simulation get this many virtual seconds (run
#: at once) to finish; what still waits in a queue after that is kept in DIR/_queue.
SHUTDOWN_DRAIN = 60.0
LOG_LINE_LIMIT = 1000  # characters of one transcript line shown (a 1 MB line is cut)
LOG_CONTENT_LINES = 60  # lines of one segment of message content shown (the rest counted)


class _Shortened:
    """One message under way in the live log: lines shown so far, and what was left out."""

    __slots__ = ("bytes", "cut", "hidden", "prefix", "shown")

    def __init__(self) -> None:
        self.cut = False  # the trace kept only an excerpt of it
        self.shown = 0
        self.hidden = 0
        self.bytes = 0
        self.prefix = ""

    def count_line(self) -> list[str]:
        if not self.hidden and not self.cut:
            return []
        return [
            f"{self.prefix}: ... the rest of the message not shown ({self.hidden:,} more "
            f"lines here, {self.bytes:,} bytes in the message)"
        ]


class LiveLog:
    """A trace listener that prints each record's transcript lines as they happen.

    A message's content is shortened once, whatever the number of segments it came in: its
    first lines, then (when it ends, or its connection moves on) one line counting the rest,
    then its final dot."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self._messages: dict[int | None, _Shortened] = {}

    def __call__(self, record: TraceRecord) -> None:
        try:
            if record.kind is Kind.CONTENT:
                lines = self._content(record)
            else:
                pending = self._messages.pop(record.conn, None) if self._messages else None
                lines = (pending.count_line() if pending else []) + record_lines(record)
            for line in lines:
                if len(line) > LOG_LINE_LIMIT:
                    line = (
                        f"{line[:LOG_LINE_LIMIT]}... ({len(line) - LOG_LINE_LIMIT} more characters)"
                    )
                self.stream.write(line + "\n")
            self.stream.flush()
        except (BrokenPipeError, ValueError):  # the reader went away: keep serving
            pass

    def _content(self, record: TraceRecord) -> list[str]:
        # (a big attachment would scroll the log for minutes: the start, then a count)
        lines = record_lines(record)
        data = record.data
        ends = data.endswith(b"\r\n.\r\n") or data == b".\r\n"
        message = self._messages.get(record.conn)
        if message is None:
            message = self._messages[record.conn] = _Shortened()
        size = record.get("bytes", len(data))
        message.bytes += size
        message.cut = message.cut or size > len(data)
        body = lines[:-1] if ends else lines
        room = max(0, LOG_CONTENT_LINES - 2 - message.shown)
        shown = body[:room]
        message.shown += len(shown)
        message.hidden += len(body) - len(shown)
        if lines:
            message.prefix = lines[-1].partition(": ")[0]
        if not ends:
            return shown
        del self._messages[record.conn]
        return shown + message.count_line() + lines[-1:]  # (the final dot stays in view)


def serve(
    scenario: str | Path | Scenario = DEFAULT_SCENARIO,
    listen: Sequence[ListenSpec] = (),
    *,
    maildir: str | Path | None = None,
    timeout: float | None = None,
    max_connections: int = DEFAULT_MAX_CONNECTIONS,
    max_per_address: int = DEFAULT_MAX_PER_ADDRESS,
    messages: bool = True,
    quiet: bool = False,
    seed: int | None = None,
    tls_cert: str | Path | None = None,
    tls_key: str | Path | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Serve ``scenario`` (a file, a built-in id, or one already read) until SIGINT/SIGTERM.

    The served Postfix 3 servers offer STARTTLS and AUTH PLAIN LOGIN (after STARTTLS) where
    the scenario does not say otherwise; the certificate is ``tls_cert`` and ``tls_key``
    (PEM files), or a self-signed one made now for the served host names. A listen spec with
    ``tls`` is an implicit-TLS port (RFC 8314). Returns the exit status: 0 after a clean stop,
    1 when a port cannot be opened, 2 for a scenario, ``--listen`` or certificate that is not
    valid."""
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
        print(wrap(f"smtp-sim serve: {text}"), file=err, flush=True)

    specs = list(listen) or [ListenSpec()]
    if (tls_cert is None) != (tls_key is None):
        error("give --tls-cert and --tls-key together (a certificate and its private key)")
        return 2
    try:
        if tls_cert is not None and tls_key is not None:
            tls = load(tls_cert, tls_key)
        else:
            tls = self_signed(served_names(world, specs), [s.host for s in specs])
    except TlsError as exc:
        error(str(exc))
        return 2
    try:
        bridge = Bridge(
            world,
            specs,
            maildir=maildir,
            idle_timeout=timeout,
            max_connections=max_connections,
            max_per_address=max_per_address,
            on_record=None if quiet else LiveLog(out),
            on_error=error,
            tls=tls,
        )
    except (ListenError, ValueError) as exc:
        error(str(exc))
        return 2
    smtp = [bound.target for bound in bridge.listeners if not bound.pop3]
    notes = offer_tls_and_auth(world, smtp, spec)
    tls_served = [
        bound.hostname
        for bound in bridge.listeners
        if bound.implicit_tls
        or (bound.target in world.mtas and world.mtas[bound.target].personality.starttls)
    ]
    if tls_served:  # (else no client will see the certificate)
        notes += [tls.describe(), *tls.warnings(dict.fromkeys(tls_served))]
    return asyncio.run(_serve(bridge, err, notes))


async def _serve(bridge: Bridge, err: TextIO, notes: Sequence[str] = ()) -> int:
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    signals = (signal.SIGINT, signal.SIGTERM)
    for sig in signals:
        loop.add_signal_handler(sig, stopping.set)
    try:
        for bound in bridge.listeners:
            if bound.spec.exposed:
                print(
                    wrap(
                        f"smtp-sim serve: warning: {bound.spec.host} is not a loopback address: "
                        "other machines can connect, and the simulated servers accept mail "
                        "from anyone who can"
                    ),
                    file=err,
                )
        # What start-up built (the modules, the scenario's world) lives as long as serve: the
        # garbage collector need not walk it again in every full collection while mail flows.
        # (Before the listeners open: the first clients do not wait for this collection.)
        gc.collect()
        gc.freeze()
        try:
            await bridge.start()
        except BridgeError as exc:
            print(wrap(f"smtp-sim serve: {exc}"), file=err)
            return 1
        for bound in bridge.listeners:
            print(wrap(f"smtp-sim serve: listening on {bound}"), file=err)
        for note in notes:
            print(wrap(f"smtp-sim serve: {note}"), file=err)
        if bridge.maildir is not None:
            print(
                wrap(
                    f"smtp-sim serve: delivered mail goes to {bridge.maildir.directory}/<address>/"
                    " (Maildir); POP3 serves what is there"
                ),
                file=err,
            )
            if bridge.loaded:
                print(
                    wrap(
                        f"smtp-sim serve: {bridge.loaded} message{'s' * (bridge.loaded != 1)} "
                        "already in the Maildir are in the mailboxes again"
                    ),
                    file=err,
                )
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
    print(wrap(f"smtp-sim serve: stopped: {', '.join(parts)}"), file=err)
    for host, entry in left:
        where = " (kept in _queue/)" if bridge.maildir is not None else ""
        print(
            wrap(
                f"smtp-sim serve: still queued at {host}: {entry.queue_id} for "
                f"{', '.join(entry.recipients)}{where}"
            ),
            file=err,
        )
    err.flush()
