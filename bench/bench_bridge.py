"""Benchmark: real clients under load against ``smtp-sim serve``, beside aiosmtpd.

    PYTHONPATH=. python bench/bench_bridge.py [--rounds N] [--clients 50] [--messages 40]

Each round starts a fresh server in its own process and sends it the same load: ``--clients``
concurrent SMTP clients (asyncio, one connection each, EHLO then ``--messages`` transactions
MAIL / RCPT / DATA / 1 KB body / dot, waiting for every reply, then QUIT). Both servers write
every message into a Maildir as they accept it:

* the bridge: ``smtp-sim serve classroom --listen 127.0.0.1:0=mail.cs.tcd.ie --maildir DIR
  --no-messages --quiet`` (the simulated Postfix 1.1 of mail.cs.tcd.ie; each message is
  stamped, stored in bob's simulated mailbox and written to ``DIR/bob@cs.tcd.ie/``);
* the baseline: an aiosmtpd ``SMTP`` server whose handler writes each message into
  ``DIR/bob@cs.tcd.ie/`` with the standard library's ``mailbox.Maildir.add`` (the bridge
  writes the same kind of file: unique name, fsync, a link into ``new/``).

After each round the Maildir must hold every message exactly once (each carries a unique
``X-Bench-Id``), or the benchmark fails. Rounds alternate the two servers. The report gives
the median messages per second of each; the last line of standard output is one JSON object.

    PYTHONPATH=. python bench/bench_bridge.py --soak [--soak-mb 300] [--soak-minutes 0]

The soak: memory, not speed. Each server gets ``--soak-mb`` megabytes of mail (default 300;
``--soak-mb 2000 --soak-minutes 20`` is the long run: 2 GB spread over 20 minutes) as 5 MB
messages from ``--soak-clients`` (5) concurrent clients, and its resident memory (VmRSS) is
sampled all along: at the start, the peak, and at the end. The bridge then also serves a POP3
session that retrieves and deletes every message, and its memory is read again. Both servers
must have stored every message once.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import json
import mailbox
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RECIPIENT = "bob@cs.tcd.ie"
SENDER = "alice@crepes.fr"
BODY_SIZE = 1024
FULL = {"rounds": 5, "clients": 50, "messages": 40}
QUICK = {"rounds": 1, "clients": 5, "messages": 4}
GOAL = 1.5  # the bridge's rate at least this many times aiosmtpd's (issue 17)
_ID = re.compile(rb"^X-Bench-Id: (\S+)\r?$", re.MULTILINE)
_LISTENING = re.compile(r"listening on 127\.0\.0\.1:(\d+)")
_FILLER = (
    "Hi Bob, here is the draft of the quarterly report we talked about on Monday. The numbers "
    "for the second half are still provisional because the finance team has not closed the "
    "books yet, so please treat the totals in section three as estimates. Thanks, Alice. "
)


class BenchError(Exception):
    """A server did not answer or store the load as it should."""


@functools.cache
def _filler_lines() -> tuple[str, ...]:
    return tuple(textwrap.wrap(_FILLER * (BODY_SIZE // len(_FILLER) + 2), width=70))


def make_message(client: int, number: int, size: int = BODY_SIZE) -> bytes:
    """A message of ``size`` bytes with a unique X-Bench-Id, CRLF lines, no leading dots."""
    ident = f"c{client:03d}-m{number:04d}"
    text = (
        f"From: Alice <{SENDER}>\r\nTo: Bob <{RECIPIENT}>\r\nSubject: load {ident}\r\n"
        f"Message-ID: <{ident}@bench.example>\r\nX-Bench-Id: {ident}\r\n\r\n"
    )
    lines = iter(_filler_lines())
    while len(text) < size - 74:
        text += next(lines) + "\r\n"
    text += "x" * (size - len(text) - 2) + "\r\n"
    return text.encode("ascii")


# -- the clients ------------------------------------------------------------------------------


async def _reply(reader: asyncio.StreamReader, code: bytes, what: str) -> None:
    while True:
        line = await reader.readline()
        if not line.endswith(b"\r\n") or line[:3] != code:
            raise BenchError(f"{what}: expected {code.decode()}, got {line[:200]!r}")
        if line[3:4] != b"-":
            return


async def run_client(
    port: int, client: int, messages: int, *, big: bool = False, pause: float = 0.0
) -> int:
    """One client: EHLO, ``messages`` transactions, QUIT. ``big``: 5 MB messages (the soak),
    each made when it is sent, with ``pause`` seconds after each."""
    bodies = [] if big else [make_message(client, number) + b".\r\n" for number in range(messages)]
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        await _reply(reader, b"220", "greeting")
        writer.write(b"EHLO bench.example\r\n")
        await _reply(reader, b"250", "EHLO")
        for number in range(messages):
            writer.write(f"MAIL FROM:<{SENDER}>\r\n".encode())
            await _reply(reader, b"250", "MAIL")
            writer.write(f"RCPT TO:<{RECIPIENT}>\r\n".encode())
            await _reply(reader, b"250", "RCPT")
            writer.write(b"DATA\r\n")
            await _reply(reader, b"354", "DATA")
            writer.write(make_big_message(client, number) + b".\r\n" if big else bodies[number])
            await writer.drain()
            await _reply(reader, b"250", "end of data")
            if pause:
                await asyncio.sleep(pause)
        writer.write(b"QUIT\r\n")
        await _reply(reader, b"221", "QUIT")
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
    return messages


async def run_load(port: int, clients: int, messages: int) -> float:
    """Seconds for ``clients`` concurrent clients to send ``messages`` each."""
    started = time.perf_counter()
    cpu = time.process_time()
    done = await asyncio.gather(*(run_client(port, c, messages) for c in range(clients)))
    elapsed = time.perf_counter() - started
    run_load.client_cpu = (time.process_time() - cpu) / (clients * messages) * 1e6  # type: ignore[attr-defined]
    if sum(done) != clients * messages:
        raise BenchError("not every message was sent")
    return elapsed


def check_maildir(directory: Path, clients: int, messages: int) -> None:
    """Every message in ``directory/bob@cs.tcd.ie`` exactly once."""
    box = mailbox.Maildir(directory / RECIPIENT, create=False)
    seen: Counter[bytes] = Counter()
    for key in box.iterkeys():
        found = _ID.search(box.get_bytes(key))
        seen[found.group(1) if found else b"?"] += 1
    expected = {f"c{c:03d}-m{m:04d}".encode() for c in range(clients) for m in range(messages)}
    twice = [k for k, n in seen.items() if n > 1]
    missing = expected - set(seen)
    if twice or missing or set(seen) != expected:
        raise BenchError(
            f"Maildir: {len(missing)} missing, {len(twice)} twice, "
            f"{len(set(seen) - expected)} unexpected, {sum(seen.values())} in all"
        )


# -- the servers ------------------------------------------------------------------------------


def bridge_command(maildir: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "smtp_sim",
        "serve",
        "classroom",
        "--listen",
        "127.0.0.1:0=mail.cs.tcd.ie",
        "--maildir",
        str(maildir),
        "--no-messages",
        "--quiet",
        "--max-connections",
        "200",
    ]


def aiosmtpd_command(maildir: Path) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), "--serve-aiosmtpd", str(maildir)]


class Server:
    """A server process; its listening port read from its standard error."""

    def __init__(self, command: list[str], ports: int = 1) -> None:
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(
                p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p
            ),
        }
        self.proc = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        self.port = self._port(ports)

    def _port(self, count: int = 1) -> int:
        """The first listening port; ``self.ports`` gets the first ``count`` of them."""
        assert self.proc.stderr is not None
        seen = []
        self.ports: list[int] = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = self.proc.stderr.readline()
            if not line:
                break
            seen.append(line)
            found = _LISTENING.search(line)
            if found:
                self.ports.append(int(found.group(1)))
                if len(self.ports) == count:
                    return self.ports[0]
        self.proc.kill()
        raise BenchError(f"the server did not start: {''.join(seen)}")

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            _, err = self.proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise BenchError("the server did not stop on SIGTERM") from None
        if self.proc.returncode not in (0, -signal.SIGTERM):
            raise BenchError(f"the server exited with {self.proc.returncode}: {err}")


def default_dir() -> str | None:
    """A RAM file system when there is one (Linux's /dev/shm): with the Maildir on a disk,
    the disk's speed at creating small files is measured instead of the servers."""
    shm = Path("/dev/shm")
    return str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process so far (Linux /proc), or None."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(
    command, clients: int, messages: int, directory: str | None = None
) -> tuple[float, float | None, float]:
    """One round against a fresh server: messages per second, the server's CPU microseconds
    per message (None where /proc is missing) and the clients' (this process's), after
    checking the Maildir."""
    with tempfile.TemporaryDirectory(prefix="bench-bridge-", dir=directory) as tmp:
        maildir = Path(tmp) / "maildir"
        server = Server(command(maildir))
        try:
            before = cpu_seconds(server.proc.pid)
            elapsed = asyncio.run(run_load(server.port, clients, messages))
            after = cpu_seconds(server.proc.pid)
        finally:
            server.stop()
        check_maildir(maildir, clients, messages)
    total = clients * messages
    cpu = None if before is None or after is None else (after - before) / total * 1e6
    return total / elapsed, cpu, run_load.client_cpu  # type: ignore[attr-defined]


def serve_aiosmtpd(maildir: str) -> None:
    """The baseline server (run in its own process by the benchmark)."""
    from aiosmtpd.smtp import SMTP

    root = Path(maildir)
    root.mkdir(parents=True, exist_ok=True)
    boxes: dict[str, mailbox.Maildir] = {}

    class MaildirHandler:
        async def handle_DATA(self, server, session, envelope) -> str:
            for rcpt in envelope.rcpt_tos:
                box = boxes.get(rcpt.lower())
                if box is None:
                    box = boxes[rcpt.lower()] = mailbox.Maildir(root / rcpt.lower(), create=True)
                box.add(envelope.original_content)
            return "250 Message accepted for delivery"

    async def main() -> None:
        loop = asyncio.get_running_loop()
        handler = MaildirHandler()
        server = await loop.create_server(
            lambda: SMTP(handler, hostname="mail.cs.tcd.ie"), "127.0.0.1", 0
        )
        stop = asyncio.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        port = server.sockets[0].getsockname()[1]
        print(f"aiosmtpd: listening on 127.0.0.1:{port}", file=sys.stderr, flush=True)
        await stop.wait()
        server.close()

    asyncio.run(main())


# -- the soak ---------------------------------------------------------------------------------

SOAK_MESSAGE = 5_000_000  # bytes: under the simulated Postfix's 10,240,000 limit


def make_big_message(client: int, number: int, size: int = SOAK_MESSAGE) -> bytes:
    """A ``size``-byte message with a unique X-Bench-Id (the 1 KB filler, repeated)."""
    head = make_message(client, number)
    filler = make_message(client, number).split(b"\r\n\r\n", 1)[1]
    return head + filler * ((size - len(head)) // len(filler))


def rss_mb(pid: int) -> float | None:
    """Resident memory of a process in MB (Linux /proc), or None."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


async def sample_rss(pid: int, samples: list[float], stop: asyncio.Event) -> None:
    while not stop.is_set():
        value = rss_mb(pid)
        if value is not None:
            samples.append(value)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.2)


async def soak_load(
    port: int, pid: int, clients: int, messages: int, pause: float
) -> tuple[float, list[float]]:
    samples: list[float] = []
    stop = asyncio.Event()
    sampler = asyncio.ensure_future(sample_rss(pid, samples, stop))
    started = time.perf_counter()
    try:
        await asyncio.gather(
            *(run_client(port, c, messages, big=True, pause=pause) for c in range(clients))
        )
    finally:
        stop.set()
        await sampler
    return time.perf_counter() - started, samples


def pop3_drain(port: int) -> int:
    """Retrieve and delete every message over POP3 (the bridge only); how many there were."""
    import poplib

    pop = poplib.POP3("127.0.0.1", port, timeout=60)
    pop.user("bob")
    pop.pass_("secret")
    count = len(pop.list()[1])
    for n in range(1, count + 1):
        pop.retr(n)
        pop.dele(n)
    pop.quit()
    return count


def soak_one(
    name: str, clients: int, messages: int, pause: float, directory: str | None
) -> dict[str, float | None]:
    """One server through the soak: RSS at start, peak, end (and after POP3: the bridge)."""
    with tempfile.TemporaryDirectory(prefix="bench-soak-", dir=directory) as tmp:
        maildir = Path(tmp) / "maildir"
        if name == "bridge":
            command = [*bridge_command(maildir), "--listen", "127.0.0.1:0=mail.cs.tcd.ie:110"]
            server = Server(command, ports=2)
        else:
            server = Server(aiosmtpd_command(maildir))
        pid = server.proc.pid
        result: dict[str, float | None] = {}
        try:
            time.sleep(0.5)
            result["start"] = rss_mb(pid)
            elapsed, samples = asyncio.run(soak_load(server.port, pid, clients, messages, pause))
            time.sleep(0.5)
            result["end"] = rss_mb(pid)
            result["peak"] = max(
                [*samples, *(v for v in (result["end"],) if v is not None)], default=None
            )
            result["mb_per_s"] = clients * messages * SOAK_MESSAGE / 1e6 / elapsed
            if name == "bridge":
                if pop3_drain(server.ports[1]) != clients * messages:
                    raise BenchError("POP3 did not list every message")
                time.sleep(0.5)
                result["after_pop3"] = rss_mb(pid)
        finally:
            server.stop()
        box = mailbox.Maildir(maildir / RECIPIENT, create=False)
        left = len(box.keys())
        expected = 0 if name == "bridge" else clients * messages
        if left != expected:
            raise BenchError(f"{name}: {left} messages in the Maildir, expected {expected}")
    return result


def soak(args: argparse.Namespace, reference: bool, directory: str | None) -> int:
    clients = args.soak_clients
    messages = max(1, round(args.soak_mb * 1e6 / SOAK_MESSAGE / clients))
    total_mb = clients * messages * SOAK_MESSAGE / 1e6
    pause = args.soak_minutes * 60 / messages if args.soak_minutes else 0.0
    print(
        f"smtp-sim bridge soak: {clients} clients x {messages} messages of "
        f"{SOAK_MESSAGE / 1e6:g} MB = {total_mb:,.0f} MB per server"
        + (f", spread over {args.soak_minutes:g} minutes" if pause else "")
    )
    print(
        f"Python {platform.python_version()}, {platform.system()} {platform.machine()}, "
        f"{os.cpu_count()} CPUs; resident memory (VmRSS) sampled every 0.2 s"
    )
    results = {}
    try:
        for name in ("bridge", "aiosmtpd") if reference else ("bridge",):
            results[name] = found = soak_one(name, clients, messages, pause, directory)

            def mb(key: str, found: dict = found) -> str:
                value = found.get(key)
                return "?" if value is None else f"{value:,.0f} MB"

            extra = (
                f", after a POP3 session retrieving and deleting all: {mb('after_pop3')}"
                if name == "bridge"
                else ""
            )
            print(
                f"  {name:8} RSS start {mb('start')}, peak {mb('peak')}, end {mb('end')}"
                f"{extra}; {found['mb_per_s']:.1f} MB/s of mail",
                flush=True,
            )
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(
        json.dumps(
            {
                "benchmark": "bench_bridge_soak",
                "mb_of_mail": round(total_mb),
                "clients": clients,
                "message_bytes": SOAK_MESSAGE,
                "rss_mb": {k: {kk: _round(vv) for kk, vv in v.items()} for k, v in results.items()},
            },
            sort_keys=True,
        )
    )
    return 0


# -- the report -------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, help="rounds per server (default 5, quick 1)")
    parser.add_argument("--clients", type=int, help="concurrent clients (default 50)")
    parser.add_argument("--messages", type=int, help="messages per client (default 40)")
    parser.add_argument("--quick", action="store_true", help="small counts, for a smoke run")
    parser.add_argument("--no-reference", action="store_true", help="skip aiosmtpd")
    parser.add_argument(
        "--dir",
        help="where the Maildirs go (default /dev/shm when it exists, "
        "else the system's temporary directory)",
    )
    parser.add_argument(
        "--soak",
        action="store_true",
        help="measure memory (RSS) under a large volume of mail instead",
    )
    parser.add_argument(
        "--soak-mb",
        type=float,
        default=300,
        help="megabytes of mail per server in the soak (default 300)",
    )
    parser.add_argument(
        "--soak-minutes",
        type=float,
        default=0,
        help="spread the soak's mail over this many minutes (default: at once)",
    )
    parser.add_argument(
        "--soak-clients", type=int, default=5, help="concurrent clients in the soak (default 5)"
    )
    parser.add_argument("--serve-aiosmtpd", metavar="DIR", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_aiosmtpd:
        serve_aiosmtpd(args.serve_aiosmtpd)
        return 0
    cfg = dict(QUICK if args.quick else FULL)
    for key in ("rounds", "clients", "messages"):
        if getattr(args, key) is not None:
            cfg[key] = getattr(args, key)
    if min(cfg.values()) < 1:
        parser.error("--rounds, --clients and --messages must be at least 1")
    try:
        import aiosmtpd

        version = getattr(aiosmtpd, "__version__", "?")
    except ImportError:
        version = None
    reference = version is not None and not args.no_reference
    total = cfg["clients"] * cfg["messages"]
    directory = args.dir or default_dir()
    if args.soak:
        if args.soak_mb <= 0 or args.soak_clients < 1 or args.soak_minutes < 0:
            parser.error("--soak-mb and --soak-clients must be positive")
        return soak(args, reference, directory)
    print(
        f"smtp-sim bridge benchmark: {cfg['clients']} concurrent clients x {cfg['messages']} "
        f"messages = {total:,} messages of {BODY_SIZE} bytes per round, {cfg['rounds']} rounds"
    )
    print(
        f"Python {platform.python_version()} ({platform.python_implementation()}), "
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs; each server in "
        "its own process, the clients in this one"
    )
    print(f"Maildirs in {directory or tempfile.gettempdir()}")
    load_before = _load_average()
    if load_before is not None:
        print(f"load average at the start: {load_before:.2f} (on {os.cpu_count()} CPUs)")
    if not reference:
        print("aiosmtpd reference skipped" + (" (not installed)" if version is None else ""))

    bridge_rates: list[float] = []
    reference_rates: list[float] = []
    cpu: dict[str, list[float]] = {"bridge": [], "aiosmtpd": []}
    client_cpu: dict[str, list[float]] = {"bridge": [], "aiosmtpd": []}
    try:
        for n in range(cfg["rounds"]):
            runs = [("bridge", bridge_command, bridge_rates)]
            if reference:
                runs.append(("aiosmtpd", aiosmtpd_command, reference_rates))
            if n % 2:
                runs.reverse()  # alternate who goes first
            for name, command, rates in runs:
                rate, used, client = measure(command, cfg["clients"], cfg["messages"], directory)
                rates.append(rate)
                client_cpu[name].append(client)
                shown = ""
                if used is not None:
                    cpu[name].append(used)
                    shown = f", server CPU {used:5.0f} us/message"
                shown += f", clients' CPU {client:4.0f} us/message"
                print(f"  round {n + 1}: {name:8} {rate:8,.0f} messages/s{shown}", flush=True)
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1

    bridge = statistics.median(bridge_rates)
    baseline = statistics.median(reference_rates) if reference_rates else None
    ratio = bridge / baseline if baseline else None
    print()
    cpu_median = {k: statistics.median(v) if v else None for k, v in cpu.items()}

    client_median = {k: statistics.median(v) if v else None for k, v in client_cpu.items()}

    def cpu_text(name: str) -> str:
        value, client = cpu_median[name], client_median[name]
        text = "" if value is None else f"; server CPU median {value:,.0f} us/message"
        return text + ("" if client is None else f", clients' {client:,.0f}")

    print(
        f"bridge   (smtp-sim serve) median {bridge:8,.0f} messages/s "
        f"(min {min(bridge_rates):,.0f}, max {max(bridge_rates):,.0f}){cpu_text('bridge')}"
    )
    if baseline is not None:
        print(
            f"aiosmtpd {version:16} median {baseline:8,.0f} messages/s "
            f"(min {min(reference_rates):,.0f}, max {max(reference_rates):,.0f})"
            f"{cpu_text('aiosmtpd')}"
        )
        met = bridge >= GOAL * baseline
        print(
            f"ratio bridge / aiosmtpd: {ratio:.2f}; goal (at least {GOAL:g}x aiosmtpd's "
            f"rate) {'met' if met else 'NOT met'}"
        )
    print("every message was in the Maildir exactly once, in every round")
    load_after = _load_average()
    if load_after is not None:
        print(
            f"load average at the end: {load_after:.2f} (on {os.cpu_count()} CPUs; the clients "
            "and the server share them with whatever else runs, so on a busy machine the rates "
            "follow the CPU time per message of server and clients together)"
        )
    print(
        json.dumps(
            {
                "benchmark": "bench_bridge",
                "bridge_median_msg_per_s": round(bridge, 1),
                "bridge_cpu_us_per_msg": _round(cpu_median["bridge"]),
                "client_cpu_us_per_msg": {k: _round(v) for k, v in client_median.items()},
                "load_average": [_round(load_before), _round(load_after)],
                "reference_cpu_us_per_msg": _round(cpu_median["aiosmtpd"]),
                "clients": cfg["clients"],
                "cpu_count": os.cpu_count(),
                "goal_met": None if baseline is None else bridge >= GOAL * baseline,
                "messages_per_client": cfg["messages"],
                "python": platform.python_version(),
                "ratio": None if ratio is None else round(ratio, 2),
                "reference_median_msg_per_s": None if baseline is None else round(baseline, 1),
                "maildir_in": directory or tempfile.gettempdir(),
                "rounds": cfg["rounds"],
            },
            sort_keys=True,
        )
    )
    return 0


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _load_average() -> float | None:
    """The one-minute load average (None where the system has none)."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return None


if __name__ == "__main__":
    raise SystemExit(main())
