"""Benchmark: full SMTP transactions through the sans-IO server engine, beside a real server.

    PYTHONPATH=. python bench/bench_engine.py [--rounds N] [--quick]

Each engine transaction is a fresh ``ServerConnection`` (postfix-3, mail.example.com) driven the
way a real I/O loop drives it: one command per ``receive_data`` call, ``next_event`` until
``NEED_DATA``, ``data_to_send`` for the reply, and every reply code checked, so a broken engine
fails instead of looking fast.  The reference, measured in the same run, sends the same
transactions with ``smtplib`` to an aiosmtpd ``Controller`` on 127.0.0.1 (ephemeral port).

The report ends with one JSON line holding the medians (see bench/README.md).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import smtplib
import statistics
import sys
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass

from smtp_sim.protocol.events import (
    CommandReplied,
    ConnectionClosed,
    Greeting,
    MessageReceived,
    Signal,
)
from smtp_sim.protocol.server import ServerConnection

GOAL_TX_PER_S = 20_000
PERSONALITY = "postfix-3"
SERVER_HOSTNAME = "mail.example.com"
CLIENT_HOSTNAME = "client.example.org"
SENDER = "alice@example.org"
RECIPIENT = "bob@example.com"  # a local user of the default policy for mail.example.com
BODY_SIZE = 1024

FULL = {
    "rounds": 7,
    "engine_tx": 2_000,
    "reference_tx": 300,
    "warmup_engine": 200,
    "warmup_reference": 20,
}
QUICK = {
    "rounds": 3,
    "engine_tx": 200,
    "reference_tx": 20,
    "warmup_engine": 20,
    "warmup_reference": 2,
}

_TEXT = (
    "Hi Bob, here is the draft of the quarterly report we talked about on Monday. "
    "The numbers for the second half are still provisional because the finance team "
    "has not closed the books yet, so please treat the totals in section three as "
    "estimates. I have moved the regional breakdown to an appendix and shortened the "
    "summary to a single page, which should make it easier to read in the meeting. "
    "Could you check the figures for the northern office against your own records "
    "and let me know by Thursday if anything looks wrong? Thanks, Alice."
)


class BenchError(Exception):
    """A transaction did not go as a working server would answer it."""


def make_body(size: int = BODY_SIZE) -> bytes:
    """A plain message of exactly ``size`` bytes: headers, then ~70-character CRLF lines."""
    lines = [
        f"From: Alice <{SENDER}>",
        f"To: Bob <{RECIPIENT}>",
        "Subject: Quarterly report draft",
        "Date: Thu, 1 Jan 2026 00:00:00 +0000",
        "Message-ID: <bench-0001@example.org>",
        "",
    ]
    wrapped = textwrap.wrap(_TEXT, width=70)
    while sum(len(x) + 2 for x in lines) < size:
        lines.extend(wrapped)
    # Cut to size - 2, never inside a line ending, and end the last line with CRLF.
    text = "".join(x + "\r\n" for x in lines)[: size - 2].rstrip("\r\n")
    body = (text.ljust(size - 2, ".") + "\r\n").encode("ascii")
    lines = body.decode("ascii").split("\r\n")
    if any(x.startswith(".") for x in lines):
        raise ValueError("the benchmark body must not need dot-stuffing")
    return body


# -- the engine ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Step:
    """One write from the client and the reply code it must get (None: no reply yet)."""

    data: bytes
    code: bytes | None


def engine_script(body: bytes) -> tuple[Step, ...]:
    return (
        Step(f"EHLO {CLIENT_HOSTNAME}\r\n".encode(), b"250"),
        Step(f"MAIL FROM:<{SENDER}>\r\n".encode(), b"250"),
        Step(f"RCPT TO:<{RECIPIENT}>\r\n".encode(), b"250"),
        Step(b"DATA\r\n", b"354"),
        Step(body, None),
        Step(b".\r\n", b"250"),
        Step(b"QUIT\r\n", b"221"),
    )


def default_connection() -> ServerConnection:
    return ServerConnection(personality=PERSONALITY, hostname=SERVER_HOSTNAME)


def _check_reply(out: bytes, code: bytes, what: str) -> None:
    # The first line carries the code, and so must the last one, followed by a space:
    # that is what tells a client the (possibly multi-line) reply is complete.
    last = out.rfind(b"\n", 0, len(out) - 1) + 1
    if (
        not out.endswith(b"\r\n")
        or out[:3] != code
        or out[last : last + 3] != code
        or out[last + 3 : last + 4] != b" "
    ):
        raise BenchError(f"{what}: expected a complete {code.decode()} reply, got {out[:200]!r}")


def run_engine_transactions(
    count: int,
    body: bytes | None = None,
    connection_factory: Callable[[], ServerConnection] = default_connection,
) -> int:
    """Run ``count`` transactions through fresh server engines; return messages accepted.

    Raises BenchError when any reply, event or final state is not what a working server gives.
    """
    body = make_body() if body is None else body
    script = engine_script(body)
    need_data = Signal.NEED_DATA
    closed = Signal.CLOSED
    accepted = 0
    for _ in range(count):
        conn = connection_factory()
        event = conn.next_event()
        if type(event) is not Greeting or conn.next_event() is not need_data:
            raise BenchError(f"greeting: unexpected event {event!r}")
        _check_reply(conn.data_to_send(), b"220", "greeting")
        for step in script:
            conn.receive_data(step.data)
            replied = 0
            while (event := conn.next_event()) is not need_data and event is not closed:
                kind = type(event)
                if kind is CommandReplied:
                    if not event.accepted:
                        raise BenchError(f"{step.data[:20]!r} refused: {event.reply}")
                    replied += 1
                elif kind is MessageReceived:
                    if not event.accepted or event.content != body:
                        raise BenchError(f"message not accepted intact: {event.reply}")
                    accepted += 1
                    replied += 1
                elif kind is not ConnectionClosed:
                    raise BenchError(f"unexpected event {event!r}")
            out = conn.data_to_send()
            if step.code is None:
                if out or replied:
                    raise BenchError(f"reply to a partial message: {out[:200]!r}")
            else:
                if replied != 1:
                    raise BenchError(f"{step.data[:20]!r}: {replied} replies, expected 1")
                _check_reply(out, step.code, repr(step.data[:20]))
        if not conn.closed:
            raise BenchError("the session is still open after QUIT")
    if accepted != count:
        raise BenchError(f"{accepted} of {count} messages accepted")
    return accepted


def time_engine(count: int, body: bytes) -> float:
    """Transactions per second for one round of ``count`` engine transactions."""
    start = time.perf_counter()
    run_engine_transactions(count, body)
    return count / (time.perf_counter() - start)


# -- the reference: smtplib -> aiosmtpd over loopback TCP ----------------------------------


class CountingHandler:
    """aiosmtpd handler: accepts every message, keeps a count, discards the content."""

    def __init__(self) -> None:
        self.messages = 0
        self.octets = 0

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages += 1
        self.octets += len(envelope.content)
        return "250 2.0.0 Ok: queued"


class ReferenceServer:
    """An aiosmtpd Controller on 127.0.0.1 with a port the OS picks. Use as a context manager."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        class EphemeralController(Controller):
            # Controller connects to self.port to wake the server; with port 0 that would
            # fail, so learn the real port from the bound socket first.
            def _trigger_server(self) -> None:
                self.port = self.server.sockets[0].getsockname()[1]
                super()._trigger_server()

        self.handler = CountingHandler()
        self.controller = EphemeralController(
            self.handler, hostname="127.0.0.1", port=0, server_hostname=SERVER_HOSTNAME
        )

    def __enter__(self) -> ReferenceServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()

    @property
    def port(self) -> int:
        return self.controller.port


def _expect(reply: tuple[int, bytes], code: int, what: str) -> None:
    if reply[0] != code:
        raise BenchError(f"reference {what}: expected {code}, got {reply[0]} {reply[1][:200]!r}")


def run_reference_transactions(server: ReferenceServer, count: int, body: bytes) -> int:
    """``count`` sequential smtplib transactions, each on a new connection. Returns accepted."""
    before = server.handler.messages
    for _ in range(count):
        client = smtplib.SMTP("127.0.0.1", server.port, local_hostname=CLIENT_HOSTNAME, timeout=10)
        try:
            _expect(client.ehlo(), 250, "EHLO")
            _expect(client.mail(SENDER), 250, "MAIL")
            _expect(client.rcpt(RECIPIENT), 250, "RCPT")
            _expect(client.data(body), 250, "end of data")  # data() checks the 354 itself
            _expect(client.quit(), 221, "QUIT")
        finally:
            client.close()
    accepted = server.handler.messages - before
    if accepted != count:
        raise BenchError(f"reference: {accepted} of {count} messages arrived")
    return accepted


def time_reference(server: ReferenceServer, count: int, body: bytes) -> float:
    start = time.perf_counter()
    run_reference_transactions(server, count, body)
    return count / (time.perf_counter() - start)


# -- the report ---------------------------------------------------------------------------


def _aiosmtpd_version() -> str | None:
    try:
        from importlib.metadata import version

        return version("aiosmtpd")
    except Exception:
        return None


def _summary(rates: list[float]) -> str:
    return (
        f"median {statistics.median(rates):>10,.0f} tx/s   "
        f"(min {min(rates):,.0f}, max {max(rates):,.0f})"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, help="rounds per measurement (default 7, quick 3)")
    parser.add_argument("--quick", action="store_true", help="small counts, for a smoke run")
    parser.add_argument("--engine-tx", type=int, help="engine transactions per round")
    parser.add_argument("--reference-tx", type=int, help="aiosmtpd transactions per round")
    parser.add_argument("--no-reference", action="store_true", help="skip the aiosmtpd part")
    args = parser.parse_args(argv)
    cfg = dict(QUICK if args.quick else FULL)
    for key in ("rounds", "engine_tx", "reference_tx"):
        if getattr(args, key) is not None:
            cfg[key] = getattr(args, key)
    if min(cfg["rounds"], cfg["engine_tx"], cfg["reference_tx"]) < 1:
        parser.error("--rounds, --engine-tx and --reference-tx must be at least 1")

    body = make_body()
    aiosmtpd_version = None if args.no_reference else _aiosmtpd_version()
    print(
        "smtp-sim engine benchmark: full SMTP transactions "
        "(EHLO, MAIL, RCPT, DATA, 1 KB body, dot, QUIT)"
    )
    print(
        f"Python {platform.python_version()} ({platform.python_implementation()}) {sys.executable}"
    )
    print(
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs; "
        "everything runs in this process (the aiosmtpd server in a thread)"
    )
    print(
        f"personality {PERSONALITY}, hostname {SERVER_HOSTNAME}, body {len(body)} bytes, "
        f"{cfg['rounds']} rounds: engine {cfg['engine_tx']:,} tx/round, "
        f"aiosmtpd {cfg['reference_tx']:,} tx/round"
    )
    if not args.no_reference and aiosmtpd_version is None:
        print("aiosmtpd is not installed: reference skipped (pip install aiosmtpd)")

    engine_rates: list[float] = []
    reference_rates: list[float] = []
    server = None
    if aiosmtpd_version is not None:
        server = ReferenceServer().__enter__()
    try:
        run_engine_transactions(cfg["warmup_engine"], body)
        if server is not None:
            run_reference_transactions(server, cfg["warmup_reference"], body)
        # Alternate the two so that a slow patch of the machine hits both alike.
        for _ in range(cfg["rounds"]):
            engine_rates.append(time_engine(cfg["engine_tx"], body))
            if server is not None:
                reference_rates.append(time_reference(server, cfg["reference_tx"], body))
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        if server is not None:
            server.__exit__(None, None, None)

    engine = statistics.median(engine_rates)
    reference = statistics.median(reference_rates) if reference_rates else None
    ratio = engine / reference if reference else None
    print()
    print(f"engine     ServerConnection in-process        {_summary(engine_rates)}")
    if reference is not None:
        print(
            f"reference  smtplib -> aiosmtpd {aiosmtpd_version:<6} 127.0.0.1  "
            f"{_summary(reference_rates)}"
        )
        print(f"ratio      engine / reference = {ratio:.1f}x")
    met = engine >= GOAL_TX_PER_S
    print(
        f"goal       engine >= {GOAL_TX_PER_S:,} tx/s: {'met' if met else 'NOT met'} "
        f"({engine / GOAL_TX_PER_S:.0%} of goal)"
    )
    print(
        json.dumps(
            {
                "benchmark": "bench_engine",
                "python": platform.python_version(),
                "cpu_count": os.cpu_count(),
                "rounds": cfg["rounds"],
                "engine_tx_per_round": cfg["engine_tx"],
                "reference_tx_per_round": cfg["reference_tx"] if reference is not None else None,
                "engine_median_tx_per_s": round(engine, 1),
                "reference_median_tx_per_s": round(reference, 1) if reference is not None else None,
                "ratio": round(ratio, 2) if ratio is not None else None,
                "goal_tx_per_s": GOAL_TX_PER_S,
                "goal_met": met,
            },
            sort_keys=True,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
