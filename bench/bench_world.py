"""Benchmark: messages through a simulated world, three SMTP hops each, beside the bare engines.

    PYTHONPATH=. python bench/bench_world.py [--messages N] [--rounds N] [--quick]

User agents on pc.crepes.fr send one message every 10 ms of virtual time, each to one person at
tcd.ie.  Every message crosses three MTAs, each hop found by an MX lookup:

    user agent -> smtp.crepes.fr (submission, 587) -> hub.tcd.ie (the campus hub, 25)
               -> mail.cs.tcd.ie (25) -> the recipient's mailbox

The hub forwards ``name@tcd.ie`` to ``name@cs.tcd.ie`` (an alias), so it really relays: it stamps
a Received: line, queues the message, looks up the MX of cs.tcd.ie and opens a new connection.
The MTAs relay as a busy Postfix does: MAIL, RCPT and DATA pipelined as one group (RFC 2920)
and an idle relay connection kept for 2 s for more mail to the same domain (Postfix's
connection cache), so most messages cross hops 2 and 3 over a connection already open; the
mail programs pipeline too but open a connection per message, as real ones do.
The world runs headless and keeps its full trace.  Four measurements alternate in each round:

* world:    the clock, TCP, DNS, queues, the trace and the engines, built and run to the end;
* classic:  the same world with pipelining and the connection cache off, as the lessons run it:
            every message its own connection on every hop, one command per round trip;
* deferred: the same, with the final server answering 451 at RCPT for a third of the recipients
            until a minute after the last send, so those messages wait in the hub's queue and go
            through on the retry five virtual minutes later;
* engines:  the baseline, the same messages (composed by the same user-agent code) pushed through
            three in-memory ServerConnection/MailSender pairs, no world at all.

After each run the benchmark checks that every message is in the right mailbox exactly once
with three Received: lines, newest first; any deviation exits 1, so a broken world cannot look
fast.  Memory is measured apart from the timed rounds.  The report ends with one JSON line.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field

from smtp_sim.protocol.delivery import MailSender
from smtp_sim.protocol.events import MessageReceived, Signal
from smtp_sim.protocol.personalities import get_personality
from smtp_sim.protocol.policy import MailPolicy
from smtp_sim.protocol.server import ServerConnection
from smtp_sim.world.agent import UserAgent
from smtp_sim.world.faults import apply_fault, schedule_fault
from smtp_sim.world.network import Host
from smtp_sim.world.queue import EntryState
from smtp_sim.world.trace import Kind, Layer
from smtp_sim.world.world import World

GOAL_MSG_PER_S = 5_000
GOAL_PEAK_MB = 200

FULL = {"messages": 10_000, "rounds": 3, "warmup": 200}
QUICK = {"messages": 300, "rounds": 3, "warmup": 30}

SPACING = 0.010  # virtual seconds between two sends
SENDERS = 10
RECIPIENTS = 99  # a third of them (33) get 451 in the deferred scenario
CLEAR_AFTER_LAST_SEND = 60.0  # the 451s stop this long after the last send (virtual seconds)
CONNECTION_CACHE = 2.0  # seconds an idle relay connection is kept (Postfix's default)

CLIENT = "pc.crepes.fr"
SUBMISSION = "smtp.crepes.fr"
HUB = "hub.tcd.ie"
FINAL = "mail.cs.tcd.ie"
DNS = "ns.example.net"
HOSTS = (
    (CLIENT, "10.0.1.10", "client"),
    (SUBMISSION, "10.0.1.25", "mta"),
    (HUB, "10.0.2.1", "mta"),
    (FINAL, "10.0.2.25", "mta"),
    (DNS, "10.0.0.53", "dns"),
)
LINKS = (
    (CLIENT, SUBMISSION, 0.002),
    (SUBMISSION, HUB, 0.030),
    (HUB, FINAL, 0.002),
    (SUBMISSION, DNS, 0.010),
    (HUB, DNS, 0.005),
)
# The hosts that stamp Received: lines, newest (top of the message) first.
RECEIVED_BY = (FINAL, HUB, SUBMISSION)
FIXED_DATE = "Mon, 05 Jan 2026 09:00:00 +0000"


class BenchError(Exception):
    """A message went missing, went twice, or went the wrong way."""


# -- the plan: who sends what to whom ------------------------------------------------------


def sender_locals() -> list[str]:
    return [f"student{i:02d}" for i in range(SENDERS)]


def recipient_locals() -> list[str]:
    return [f"staff{i:02d}" for i in range(RECIPIENTS)]


def deferred_locals() -> list[str]:
    """The recipients the final server answers 451 for in the deferred scenario."""
    return recipient_locals()[: RECIPIENTS // 3]


@dataclass(frozen=True, slots=True)
class Send:
    """Message ``index``: who sends it, to which address, and where it must end up."""

    index: int
    sender: str  # local part at crepes.fr
    recipient: str  # local part: written to <local>@tcd.ie, delivered to <local>@cs.tcd.ie

    @property
    def to(self) -> str:
        return f"{self.recipient}@tcd.ie"

    @property
    def mailbox(self) -> str:
        return f"{self.recipient}@cs.tcd.ie"

    @property
    def subject(self) -> str:
        return f"Lab report {self.index}"

    @property
    def body(self) -> str:
        return (
            f"Dear {self.recipient},\n\nplease find my notes for exercise {self.index % 12 + 1} "
            "below.\nThe relay test worked on the second try.\n\nRegards,\n"
            f"{self.sender}\n"
        )


def plan(messages: int) -> list[Send]:
    senders, recipients = sender_locals(), recipient_locals()
    return [
        Send(i, senders[i % len(senders)], recipients[i % len(recipients)]) for i in range(messages)
    ]


# -- the world -------------------------------------------------------------------------------


def build_three_hop_world(
    sends: list[Send], *, deferred: bool = False, seed: int = 1, classic: bool = False
) -> tuple[World, dict[str, Send]]:
    """A world with the sends scheduled on its clock, one every SPACING seconds.

    Returns the world and a dict that fills in, as the world runs, trace message id -> Send.
    """
    world = World(seed=seed)
    for name, ip, role in HOSTS:
        world.add_host(name, ip, role)
    for a, b, latency in LINKS:
        world.add_link(a, b, latency)
    world.set_dns_server(DNS)
    world.zone.add_mx("crepes.fr", 10, SUBMISSION)
    world.zone.add_mx("tcd.ie", 10, HUB)
    world.zone.add_mx("cs.tcd.ie", 10, FINAL)
    senders, recipients = sender_locals(), recipient_locals()
    busy = {} if classic else {"pipelining": True, "connection_cache": CONNECTION_CACHE}
    world.add_mta(
        SUBMISSION,
        **busy,
        domains=["crepes.fr"],
        users={s: s.title() for s in senders},
        relay_clients=[CLIENT],
    )
    world.add_mta(
        HUB,
        domains=["tcd.ie"],
        users={},
        aliases={r: f"{r}@cs.tcd.ie" for r in recipients},
        **busy,
    )
    world.add_mta(
        FINAL,
        personality="postfix-1.1",
        domains=["cs.tcd.ie"],
        users={r: r.title() for r in recipients},
    )
    agents = {
        s: world.add_agent(CLIENT, f"{s}@crepes.fr", s.title(), SUBMISSION, pipelining=not classic)
        for s in senders
    }
    if deferred:
        apply_fault(
            world,
            "reply",
            host=FINAL,
            stage="rcpt",
            code=451,
            text="4.3.0 Mailbox temporarily unavailable",
            addresses=[f"{r}@cs.tcd.ie" for r in deferred_locals()],
        )
        last_send = (len(sends) - 1) * SPACING if sends else 0.0
        schedule_fault(world, last_send + CLEAR_AFTER_LAST_SEND, "clear-replies", host=FINAL)
    sent: dict[str, Send] = {}

    def send(s: Send) -> None:
        message = agents[s.sender].send([s.to], s.subject, s.body)
        sent[message] = s

    schedule = world.clock.schedule
    for s in sends:
        schedule(s.index * SPACING, send, s)
    return world, sent


@dataclass
class WorldRun:
    world: World
    sent: dict[str, Send]
    seconds: float  # wall clock, building and running


def run_world(messages: int, *, deferred: bool = False, classic: bool = False) -> WorldRun:
    """Build the world and run it until nothing is left to happen; not checked (see check_world)."""
    start = time.perf_counter()
    world, sent = build_three_hop_world(plan(messages), deferred=deferred, classic=classic)
    world.run()
    return WorldRun(world, sent, time.perf_counter() - start)


def _received_by(data: bytes) -> list[str]:
    """The host after ``by`` in each Received: line of the header, top first."""
    head = data[: data.find(b"\r\n\r\n")].replace(b"\r\n\t", b" ").replace(b"\r\n ", b" ")
    hosts = []
    for line in head.split(b"\r\n"):
        if line[:9].lower() == b"received:":
            _, _, rest = line.partition(b" by ")
            hosts.append(rest.split(b" ", 1)[0].decode("ascii", "replace"))
    return hosts


def check_world(run: WorldRun, messages: int, *, deferred: bool = False) -> None:
    """Raise BenchError unless every message arrived once, in its mailbox, over three hops."""
    world, sent = run.world, run.sent
    if len(sent) != messages:
        raise BenchError(f"{len(sent)} of {messages} messages were sent")
    if world.peek() is not None:
        raise BenchError("the world still has events to run")
    seen: set[str] = set()
    final = world.mtas[FINAL]
    for box in final.mailboxes.values():
        for stored in box.messages:
            s = sent.get(stored.message or "")
            if s is None:
                raise BenchError(f"{box.address}: a message nobody sent ({stored.message})")
            if s.mailbox != box.address:
                raise BenchError(f"{stored.message} for {s.mailbox} is in {box.address}")
            if stored.message in seen:
                raise BenchError(f"{stored.message} delivered twice")
            seen.add(stored.message)
            hops = _received_by(stored.data)
            if tuple(hops) != RECEIVED_BY:
                raise BenchError(
                    f"{stored.message}: Received: chain {hops}, expected {list(RECEIVED_BY)}"
                )
    if len(seen) != messages:
        raise BenchError(f"{len(seen)} of {messages} messages delivered")
    for name, mta in world.mtas.items():
        if name != FINAL and any(box.messages for box in mta.mailboxes.values()):
            raise BenchError(f"{name} holds mail (a bounce?)")
        states = {e.state for e in mta.queue.entries.values()}
        if states - {EntryState.SENT}:
            raise BenchError(f"{name}: queue entries left {sorted(states)}")
    for agent in world.agents.values():
        if not all(result.delivered for _, result in agent.sent):
            raise BenchError(f"{agent.address}: a submission failed")
    errors = [r for r in world.trace if r.kind is Kind.ERROR]
    if errors:
        raise BenchError(f"{len(errors)} errors in the trace, first: {errors[0].summary}")
    late = set(deferred_locals()) if deferred else set()
    want = {m for m, s in sent.items() if s.recipient in late}
    got = {r.message for r in world.trace if r.layer is Layer.QUEUE and r.kind is Kind.DEFERRED}
    if got != want:
        raise BenchError(f"{len(got)} messages deferred, expected {len(want)}")


# -- the baseline: the same messages through three engine pairs, no world -------------------


class _DateOnly:
    """What UserAgent.compose asks of its stamps (the date), and nothing else."""

    @staticmethod
    def date_text() -> str:
        return FIXED_DATE


@dataclass(frozen=True, slots=True)
class Hop:
    server: str
    personality: str
    client: str  # the host that connects (its name is the HELO name)
    client_ip: str
    policy: Callable[[], MailPolicy]


def _hops() -> tuple[Hop, ...]:
    ip = {name: address for name, address, _ in HOSTS}
    senders = {s: s.title() for s in sender_locals()}
    recipients = {r: r.title() for r in recipient_locals()}
    return (
        Hop(
            SUBMISSION,
            "postfix-3",
            CLIENT,
            ip[CLIENT],
            lambda: MailPolicy(["crepes.fr"], senders, relay_clients=[ip[CLIENT]]),
        ),
        Hop(
            HUB, "postfix-3", SUBMISSION, ip[SUBMISSION], lambda: MailPolicy(["tcd.ie"], recipients)
        ),
        Hop(FINAL, "postfix-1.1", HUB, ip[HUB], lambda: MailPolicy(["cs.tcd.ie"], recipients)),
    )


def _drain(server: ServerConnection, accepted: list[MessageReceived]) -> bytes:
    need_data, closed = Signal.NEED_DATA, Signal.CLOSED
    while (event := server.next_event()) is not need_data and event is not closed:
        if type(event) is MessageReceived:
            if not event.accepted:
                raise BenchError(f"message refused: {event.reply}")
            accepted.append(event)
    return server.data_to_send()


def transfer(server: ServerConnection, sender: MailSender) -> MessageReceived:
    """One SMTP session between two engines joined in memory; the message the server took."""
    accepted: list[MessageReceived] = []
    out = _drain(server, accepted)
    while not sender.done:
        if not out:
            raise BenchError(f"the server fell silent during {sender.step.value}")
        sender.receive_data(out)
        data = sender.data_to_send()
        out = b""
        if data:
            server.receive_data(data)
            out = _drain(server, accepted)
    result = sender.result
    if not result.delivered or result.rejected or len(accepted) != 1:
        raise BenchError(f"engine transfer failed: {result}")
    return accepted[0]


@dataclass
class EngineRun:
    delivered: dict[str, list[bytes]] = field(default_factory=dict)  # mailbox -> contents
    seconds: float = 0.0
    compose_seconds: float = 0.0  # the part spent composing, in the user-agent code


def run_engines(messages: int) -> EngineRun:
    """The same sends, composed by UserAgent.compose, through three engine pairs each."""
    run = EngineRun()
    start = time.perf_counter()
    hops = _hops()
    client = Host(CLIENT, "10.0.1.10")
    agents = {
        # (compose needs no recorder or network: nothing is sent)
        s: UserAgent(_DateOnly(), None, None, client, f"{s}@crepes.fr", s.title(), SUBMISSION)  # type: ignore[arg-type]
        for s in sender_locals()
    }
    personalities = {hop.server: get_personality(hop.personality) for hop in hops}
    compose = 0.0
    clock = time.perf_counter
    for s in plan(messages):
        t = clock()
        content = agents[s.sender].compose([s.to], s.subject, s.body, message=f"m{s.index + 1}")
        compose += clock() - t
        sender_address, rcpt = f"{s.sender}@crepes.fr", s.to
        for hop in hops:
            if hop.server == FINAL:
                rcpt = s.mailbox  # the hub's alias
            server = ServerConnection(
                personalities[hop.server],
                hop.server,
                hop.policy(),
                client_ip=hop.client_ip,
                date=FIXED_DATE,
            )
            event = transfer(server, MailSender(hop.client, sender_address, [rcpt], content))
            if event.content != content:
                raise BenchError(f"{hop.server} received other bytes than were sent")
            content = (
                f"Received: from {hop.client} ({hop.client} [{hop.client_ip}])\r\n"
                f"\tby {hop.server} with ESMTP id {event.queue_id}\r\n"
                f"\tfor <{rcpt}>; {FIXED_DATE}\r\n"
            ).encode() + content
        run.delivered.setdefault(s.mailbox, []).append(content)
    run.seconds = clock() - start
    run.compose_seconds = compose
    return run


def check_engines(run: EngineRun, messages: int) -> None:
    total = sum(len(contents) for contents in run.delivered.values())
    if total != messages:
        raise BenchError(f"engines: {total} of {messages} messages delivered")
    for box, contents in run.delivered.items():
        for content in contents:
            if tuple(_received_by(content)) != RECEIVED_BY:
                raise BenchError(f"engines: wrong Received: chain in a message for {box}")


# -- memory --------------------------------------------------------------------------------


def max_rss_mb() -> float:
    """The process's peak resident set size so far (ru_maxrss: KiB on Linux, bytes on macOS)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def traced_peak_mb(messages: int) -> tuple[float, int]:
    """tracemalloc's peak over one checked world run, and the number of trace records."""
    gc.collect()
    tracemalloc.start()
    try:
        run = run_world(messages)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    check_world(run, messages)
    return peak / (1024 * 1024), len(run.world.trace)


# -- the report ----------------------------------------------------------------------------


def _summary(rates: list[float]) -> str:
    return (
        f"median {statistics.median(rates):>8,.0f} msg/s   "
        f"(min {min(rates):,.0f}, max {max(rates):,.0f})"
    )


class GcTimer:
    """Wall-clock seconds spent in the cyclic garbage collector while active."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._start = 0.0

    def _callback(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._start

    def __enter__(self) -> GcTimer:
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self._callback)


def _timed_world(
    messages: int,
    deferred: bool,
    records: list[int],
    gc_share: list[float] | None = None,
    classic: bool = False,
) -> float:
    with GcTimer() as collector:
        run = run_world(messages, deferred=deferred, classic=classic)
    check_world(run, messages, deferred=deferred)
    records.append(len(run.world.trace))
    if gc_share is not None:
        gc_share.append(collector.seconds / run.seconds)
    rate = messages / run.seconds
    del run
    gc.collect()  # free this world now, not inside the next timed run
    return rate


def _timed_engines(messages: int, compose_share: list[float]) -> float:
    run = run_engines(messages)
    check_engines(run, messages)
    compose_share.append(run.compose_seconds / run.seconds)
    rate = messages / run.seconds
    del run
    gc.collect()
    return rate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, help="messages per run (default 10,000)")
    parser.add_argument("--rounds", type=int, help="rounds (default 3)")
    parser.add_argument("--quick", action="store_true", help="300 messages, for a smoke run")
    parser.add_argument("--no-memory", action="store_true", help="skip the tracemalloc run")
    args = parser.parse_args(argv)
    cfg = dict(QUICK if args.quick else FULL)
    for key in ("messages", "rounds"):
        if getattr(args, key) is not None:
            cfg[key] = getattr(args, key)
    if min(cfg["rounds"], cfg["messages"]) < 1:
        parser.error("--messages and --rounds must be at least 1")
    messages = cfg["messages"]
    warmup = min(cfg["warmup"], messages)

    print("smtp-sim world benchmark: messages from user agents through three SMTP hops")
    print(
        f"Python {platform.python_version()} ({platform.python_implementation()}) {sys.executable}"
    )
    print(f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs; one core used")
    print(
        f"{messages:,} messages per run, one every {SPACING * 1000:g} ms of virtual time, "
        f"{SENDERS} senders, {RECIPIENTS} recipients; {cfg['rounds']} rounds; full trace kept"
    )
    print(f"path: user agent -> {SUBMISSION} -> {HUB} -> {FINAL} -> mailbox")

    world_rates: list[float] = []
    classic_rates: list[float] = []
    classic_records: list[int] = []
    deferred_rates: list[float] = []
    engine_rates: list[float] = []
    records: list[int] = []
    deferred_records: list[int] = []
    compose_share: list[float] = []
    gc_share: list[float] = []
    try:
        check_world(run_world(warmup), warmup)
        check_world(run_world(warmup, deferred=True), warmup, deferred=True)
        check_world(run_world(warmup, classic=True), warmup)
        check_engines(run_engines(warmup), warmup)
        gc.collect()
        # Alternate the three so that a slow patch of the machine hits all alike.
        for _ in range(cfg["rounds"]):
            world_rates.append(_timed_world(messages, False, records, gc_share))
            classic_rates.append(_timed_world(messages, False, classic_records, classic=True))
            deferred_rates.append(_timed_world(messages, True, deferred_records))
            engine_rates.append(_timed_engines(messages, compose_share))
        rss = max_rss_mb()
        peak, _ = (None, None) if args.no_memory else traced_peak_mb(messages)
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1

    world = statistics.median(world_rates)
    classic = statistics.median(classic_rates)
    deferred = statistics.median(deferred_rates)
    engines = statistics.median(engine_rates)
    share = statistics.median(compose_share)
    print()
    print(f"world      3 hops, TCP, DNS, queues, trace  {_summary(world_rates)}")
    print(
        f"           (Python's cyclic garbage collector: {statistics.median(gc_share):.0%} "
        "of the world's time)"
    )
    print(f"classic    no pipelining, no cache          {_summary(classic_rates)}")
    print(f"deferred   a third 451, retried after 5 min {_summary(deferred_rates)}")
    print(f"engines    3 engine pairs in memory         {_summary(engine_rates)}")
    print(f"           (of which composing the messages, UserAgent.compose: {share:.0%})")
    print(
        f"ratio      world / engines = {world / engines:.2f}   classic / engines = "
        f"{classic / engines:.2f}   deferred / engines = "
        f"{deferred / engines:.2f}   simulation layer adds "
        f"{(1 / world - 1 / engines) * 1e6:,.0f} µs per message"
    )
    print(
        f"trace      {records[0]:,} records ({records[0] / messages:.0f} per message); "
        f"classic {classic_records[0]:,} ({classic_records[0] / messages:.0f} per message); "
        f"deferred {deferred_records[0]:,}"
    )
    peak_text = "skipped" if peak is None else f"{peak:,.1f} MB"
    print(f"memory     tracemalloc peak {peak_text} (one world run); max RSS {rss:,.1f} MB")
    speed_met = world >= GOAL_MSG_PER_S
    memory_met = peak is not None and peak < GOAL_PEAK_MB and rss < GOAL_PEAK_MB
    print(
        f"goal       world >= {GOAL_MSG_PER_S:,} msg/s: {'met' if speed_met else 'NOT met'} "
        f"({world / GOAL_MSG_PER_S:.0%} of goal); memory < {GOAL_PEAK_MB} MB: "
        f"{'met' if memory_met else 'NOT met' if peak is not None else 'not measured'}"
    )
    print(
        json.dumps(
            {
                "benchmark": "bench_world",
                "python": platform.python_version(),
                "cpu_count": os.cpu_count(),
                "rounds": cfg["rounds"],
                "messages_per_round": messages,
                "world_median_msg_per_s": round(world, 1),
                "classic_median_msg_per_s": round(classic, 1),
                "classic_trace_records": classic_records[0],
                "deferred_median_msg_per_s": round(deferred, 1),
                "engines_median_msg_per_s": round(engines, 1),
                "ratio": round(world / engines, 3),
                "deferred_ratio": round(deferred / engines, 3),
                "compose_share_of_engines": round(share, 3),
                "gc_share_of_world": round(statistics.median(gc_share), 3),
                "trace_records": records[0],
                "tracemalloc_peak_mb": None if peak is None else round(peak, 1),
                "max_rss_mb": round(rss, 1),
                "goal_msg_per_s": GOAL_MSG_PER_S,
                "goal_peak_mb": GOAL_PEAK_MB,
                "goal_met": speed_met and memory_met,
            },
            sort_keys=True,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
