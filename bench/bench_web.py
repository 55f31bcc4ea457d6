"""How many browser sessions of ``smtp-sim web`` one machine holds while staying responsive.

smtp-sim's sessions are forked from a preloaded zygote (smtp_sim/web_fork.py): each session's
PSS and start-up CPU below include its share of the zygote's (the zygote's divided by N).

For each number of sessions N (``--sessions 1,10,20``), a fresh server (``smtp-sim web --port
0`` in its own process) gets N websocket clients speaking textual-serve's protocol, as browsers
do (``["resize", ...]``, ``["stdin", "a"]``); each client gets its own app process. Then:

- idle: nobody types for ``--idle`` seconds (10): CPU time (user + system, from /proc) and
  resident memory of every app process. An idle session must cost next to no CPU.
- typing: every session types ``--keys`` characters at ``--rate`` keys a second (a student
  typing), all at once; the latency of each key is the time until the app's next screen
  update arrives on the websocket (the echo). Median and 95th percentile over all keys, and
  the CPU per session while typing.

The baseline, measured in the same run, is a bare Textual app (a header, an input, a footer)
served the same way: what textual-serve and Textual cost on this machine before smtp-sim
adds anything. Linux only (/proc). Prints one JSON object as its last line.

    PYTHONPATH=. python bench/bench_web.py                 # 1, 10 and 20 sessions, ~3 min
    PYTHONPATH=. python bench/bench_web.py --sessions 30   # one size
    PYTHONPATH=. python bench/bench_web.py --quick         # smoke: 2 sessions, short
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shlex
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
TICK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")
WIDTH, HEIGHT = 120, 40
RESPONSIVE_P95 = 0.100  # seconds: a key echoed within 100 ms feels instant

BARE_APP = """
from textual.app import App
from textual.widgets import Footer, Header, Input
class Bare(App):
    def compose(self):
        yield Header()
        yield Input(placeholder="type here")
        yield Footer()
Bare().run()
"""


# -- /proc --------------------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime


def rss_mib(pid: int) -> float:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE / 2**20
    except OSError:
        return 0.0


def pss_mib(pid: int) -> float:
    """Proportional set size: pages shared between sessions (Python, Textual) counted once
    across them, so N sessions x PSS is what they really take."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def machine_busy(since: tuple[int, int] | None = None):
    """Without ``since``: a sample of /proc/stat; with it: the per cent of all CPUs busy."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    sample = (sum(fields), idle)
    if since is None:
        return sample
    total, idle_delta = sample[0] - since[0], sample[1] - since[1]
    return 100.0 * (total - idle_delta) / max(1, total)


def children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry.name))
    return out


def sessions_of(server_pid: int) -> list[int]:
    """The server's session processes: its children, or, when it forks them from a zygote
    (smtp_sim/web_fork.py), the zygote's children."""
    out = []
    for pid in children(server_pid):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"smtp_sim.web_fork" in cmdline:
            out.extend(children(pid))
        elif b"-m" in cmdline or b"-c" in cmdline:
            out.append(pid)
    return out


# -- the server ---------------------------------------------------------------------------------


def start_server(command: str | None, sessions: int) -> tuple[subprocess.Popen, str]:
    """``smtp-sim web --port 0`` (or the same server running ``command``) in its own process,
    admitting ``sessions`` visitors at least (the server's own cap is 40 by default)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    cap = max(40, sessions)
    if command is None:
        args = [sys.executable, "-m", "smtp_sim", "web", "--port", "0", "--max-sessions", str(cap)]
    else:
        code = (
            "import sys, asyncio\nfrom smtp_sim.web import WebServer\n"
            f"server = WebServer({command!r}, '127.0.0.1', 0, max_sessions={cap})\n"
            "stop = asyncio.Event()\n"
            "asyncio.run(server.run(lambda url: print('serving on', url, file=sys.stderr, "
            "flush=True), stop))\n"
        )
        args = [sys.executable, "-c", code]
    proc = subprocess.Popen(args, env=env, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    while True:
        line = proc.stderr.readline()
        if not line:
            raise SystemExit(f"the server did not start: {proc.wait()}")
        if " on http://" in line:
            return proc, line.rsplit(" on ", 1)[1].strip()


def descendants(pid: int) -> list[int]:
    """``pid``'s children, their children, and so on."""
    out, todo = [], [pid]
    while todo:
        found = children(todo.pop())
        out.extend(found)
        todo.extend(found)
    return out


def started_at(pid: int) -> int | None:
    """The process's start time (clock ticks since boot): a pid reused is another process.
    None once it has ended (a zombie has ended: only its parent's wait is missing)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return None if fields[0] == "Z" else int(fields[19])
    except (OSError, IndexError, ValueError):
        return None


def stop_server(proc: subprocess.Popen) -> None:
    """SIGTERM to the server, then SIGKILL to any process of its own it left behind (its
    sessions, its zygote), each named on stderr: one left running would count in the next
    run's figures (the baseline's, the next size's) and hold the machine."""
    family = {pid: started_at(pid) for pid in descendants(proc.pid)}
    proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    time.sleep(0.5)  # (the sessions' own SIGTERM handling)
    for pid, started in family.items():
        if started is None or started_at(pid) != started:
            continue  # ended (or the pid is another process's now)
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            os.kill(pid, signal.SIGKILL)
        except (OSError, ProcessLookupError):
            continue
        for _ in range(100):  # (SIGKILL is delivered, not waited for: until it has ended)
            if started_at(pid) != started:
                break
            time.sleep(0.05)
        print(
            f"bench_web: killed process {pid} ({command.strip()[:80]}), left behind by the "
            "server after SIGTERM",
            file=sys.stderr,
            flush=True,
        )


# -- a browser ----------------------------------------------------------------------------------


class Browser:
    """One websocket session: counts screen updates, times key echoes."""

    def __init__(self, http: aiohttp.ClientSession, url: str) -> None:
        self.http = http
        self.url = url.replace("http", "ws", 1) + f"/ws?width={WIDTH}&height={HEIGHT}"
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.received = 0
        self.updates = 0
        self.drawn = asyncio.Event()
        self._update = asyncio.Event()
        self._reader: asyncio.Task | None = None

    async def open(self) -> None:
        self.ws = await self.http.ws_connect(self.url, max_msg_size=0)
        await self.ws.send_json(["resize", {"width": WIDTH, "height": HEIGHT}])
        await self.ws.send_json(["focus"])
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.ws is not None
        async for message in self.ws:
            if message.type == aiohttp.WSMsgType.BINARY:
                self.received += len(message.data)
                self.updates += 1
                if self.received > 5000:
                    self.drawn.set()
                self._update.set()

    async def key(self, char: str, timeout: float = 10.0) -> float:
        """Send one key; seconds until the next screen update arrives."""
        assert self.ws is not None
        self._update.clear()
        started = time.perf_counter()
        await self.ws.send_json(["stdin", char])
        await asyncio.wait_for(self._update.wait(), timeout)
        return time.perf_counter() - started

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self._reader is not None:
            self._reader.cancel()


async def settle(apps: list[int], quiet: float = 0.01, longest: float = 120.0) -> None:
    """Wait until the sessions have finished starting: each reads its lesson and builds its
    views after its first frame, so "drawn" is not "idle". Quiet: the sessions together use
    less than ``quiet`` of a CPU per session over a second (or ``longest`` seconds passed)."""
    await asyncio.sleep(3)
    deadline = time.perf_counter() + longest
    before = sum(cpu_seconds(pid) for pid in apps)
    while time.perf_counter() < deadline:
        await asyncio.sleep(1.0)
        now = sum(cpu_seconds(pid) for pid in apps)
        if now - before < quiet * max(1, len(apps)):
            return
        before = now


async def measure(
    url: str, server_pid: int, sessions: int, idle: float, keys: int, rate: float
) -> dict:
    async with aiohttp.ClientSession() as http:
        browsers = [Browser(http, url) for _ in range(sessions)]
        started = time.perf_counter()
        for browser in browsers:  # a class arriving, not all in the same millisecond
            await browser.open()
            await asyncio.sleep(0.05)
        await asyncio.wait_for(
            asyncio.gather(*(b.drawn.wait() for b in browsers)), 30 + 3 * sessions
        )
        startup = time.perf_counter() - started
        apps = sessions_of(server_pid)
        zygotes = [
            pid
            for pid in children(server_pid)
            if pid not in apps and b"web_fork" in Path(f"/proc/{pid}/cmdline").read_bytes()
        ]
        await settle(apps)  # the lessons load after the first frame: wait until they have
        startup_cpu = [cpu_seconds(pid) for pid in apps]  # from exec to the lesson loaded

        cpu0 = {pid: cpu_seconds(pid) for pid in [*apps, server_pid]}
        updates0 = sum(b.updates for b in browsers)
        t0 = time.perf_counter()
        await asyncio.sleep(idle)
        span = time.perf_counter() - t0
        idle_cpu = [(cpu_seconds(pid) - cpu0[pid]) / span for pid in apps]
        idle_updates = (sum(b.updates for b in browsers) - updates0) / span / max(1, sessions)
        rss = [rss_mib(pid) for pid in apps]
        pss = [pss_mib(pid) for pid in apps]
        # A zygote's memory and its imports' CPU serve every session: each carries its share.
        zygote_pss = sum(pss_mib(z) for z in zygotes)
        zygote_cpu = sum(cpu_seconds(z) for z in zygotes)
        share = max(1, len(apps))

        first = [await b.key("x") for b in browsers]  # the first key of each session
        for b in browsers:
            await b.key("\x7f")
        await asyncio.sleep(1)

        cpu1 = {pid: cpu_seconds(pid) for pid in [*apps, server_pid]}
        machine1 = machine_busy()
        own1 = time.process_time()
        t1 = time.perf_counter()
        latencies: list[float] = []

        async def typist(browser: Browser, offset: float) -> None:
            await asyncio.sleep(offset)
            for n in range(keys):  # a key, then backspace: the line stays short
                key = "abcdefghij"[n // 2 % 10] if n % 2 == 0 else "\x7f"
                latencies.append(await browser.key(key))
                await asyncio.sleep(max(0.0, 1 / rate - latencies[-1]))

        await asyncio.gather(*(typist(b, i / (rate * sessions)) for i, b in enumerate(browsers)))
        busy = time.perf_counter() - t1
        typing_cpu = [(cpu_seconds(pid) - cpu1[pid]) / busy for pid in apps]
        server_cpu = (cpu_seconds(server_pid) - cpu1[server_pid]) / busy
        # CPU time per key: what a key costs whatever else the machine is doing (a loaded
        # machine slows the typists down, so the per cent above falls with the key rate).
        per_key = busy / max(1, len(latencies))
        own_cpu = (time.process_time() - own1) / busy
        machine = machine_busy(machine1)
        for browser in browsers:
            await browser.close()
    latencies.sort()
    return {
        "sessions": sessions,
        "processes": len(apps),
        "startup_s": round(startup, 2),
        "rss_mib_per_session": round(statistics.median(rss), 1) if rss else None,
        "pss_mib_per_session": round(statistics.median(pss) + zygote_pss / share, 1)
        if pss
        else None,
        "startup_cpu_s_per_session": round(statistics.median(startup_cpu) + zygote_cpu / share, 2)
        if startup_cpu
        else None,
        "forked": bool(zygotes),
        "own_pss_mib_per_session": round(statistics.median(pss), 1) if pss else None,
        "own_startup_cpu_s_per_session": round(statistics.median(startup_cpu), 2)
        if startup_cpu
        else None,
        "zygote_pss_mib": round(zygote_pss, 1),
        "zygote_cpu_s": round(zygote_cpu, 2),
        "idle_cpu_pct_per_session": round(100 * statistics.median(idle_cpu), 2),
        "idle_cpu_pct_max": round(100 * max(idle_cpu), 2),
        "idle_updates_per_s_per_session": round(idle_updates, 2),
        "typing_cpu_pct_per_session": round(100 * statistics.median(typing_cpu), 1),
        "typing_server_cpu_pct": round(100 * server_cpu, 1),
        "typing_cpu_ms_per_key": round(1000 * sum(typing_cpu) * per_key, 2),
        "typing_server_cpu_ms_per_key": round(1000 * server_cpu * per_key, 2),
        "typing_bench_client_cpu_pct": round(100 * own_cpu, 1),
        "typing_machine_busy_pct": round(machine, 1),
        "first_key_ms_median": round(1000 * statistics.median(first), 1),
        "first_key_ms_max": round(1000 * max(first), 1),
        "key_latency_ms_median": round(1000 * statistics.median(latencies), 1),
        "key_latency_ms_p95": round(1000 * latencies[int(0.95 * (len(latencies) - 1))], 1),
        "responsive": latencies[int(0.95 * (len(latencies) - 1))] <= RESPONSIVE_P95,
    }


def run(command: str | None, sessions: int, args: argparse.Namespace) -> dict:
    proc, url = start_server(command, sessions)
    try:
        return asyncio.run(measure(url, proc.pid, sessions, args.idle, args.keys, args.rate))
    finally:
        stop_server(proc)


def show(label: str, r: dict) -> None:
    if r.get("forked"):
        print(
            f"{label:9} forked from a zygote ({r['zygote_pss_mib']:.1f} MiB PSS, "
            f"{r['zygote_cpu_s']:.2f} s CPU, shared by the sessions): each session's own PSS "
            f"{r['own_pss_mib_per_session']:.1f} MiB, own start-up CPU "
            f"{r['own_startup_cpu_s_per_session']:.2f} s; with its share of the zygote:",
            flush=True,
        )
    print(
        f"{label:9} {r['sessions']:3} sessions: PSS {r['pss_mib_per_session']:6.1f} MiB, RSS "
        f"{r['rss_mib_per_session']:6.1f} MiB each, start-up CPU "
        f"{r['startup_cpu_s_per_session']:.2f} s each, "
        f"idle CPU {r['idle_cpu_pct_per_session']:5.2f}% each (max "
        f"{r['idle_cpu_pct_max']:.2f}%, {r['idle_updates_per_s_per_session']:.1f} "
        f"updates/s), typing CPU {r['typing_cpu_pct_per_session']:5.1f}% each, "
        f"{r['typing_cpu_ms_per_key']:.2f} ms a key (the server's "
        f"{r['typing_server_cpu_ms_per_key']:.2f} ms; machine "
        f"{r['typing_machine_busy_pct']:.0f}% busy, this client "
        f"{r['typing_bench_client_cpu_pct']:.0f}%), key echo median "
        f"{r['key_latency_ms_median']:6.1f} ms p95 {r['key_latency_ms_p95']:6.1f} ms, first "
        f"key {r['first_key_ms_median']:.0f} ms (max {r['first_key_ms_max']:.0f})"
        f"{'' if r['responsive'] else '  NOT responsive'}",
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sessions",
        default="1,10,20",
        help="comma-separated numbers of concurrent sessions (default 1,10,20)",
    )
    parser.add_argument("--idle", type=float, default=10.0, help="idle seconds measured")
    parser.add_argument(
        "--keys",
        type=int,
        default=20,
        help="keys typed per session (a character, then backspace, ...)",
    )
    parser.add_argument("--rate", type=float, default=5.0, help="keys a second per session")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--quick", action="store_true", help="2 sessions, 2 s idle, 5 keys")
    args = parser.parse_args(argv)
    if args.quick:
        args.sessions, args.idle, args.keys = "2", 2.0, 5
    sizes = [int(n) for n in args.sessions.split(",")]
    bare = f"exec {shlex.quote(sys.executable)} -c {shlex.quote(BARE_APP)}"
    results: dict[str, list[dict]] = {"smtp_sim": [], "baseline": []}
    print(
        f"smtp-sim web, {WIDTH}x{HEIGHT} sessions, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}",
        flush=True,
    )
    for n in sizes:
        r = run(None, n, args)
        results["smtp_sim"].append(r)
        show("smtp-sim", r)
        if not args.no_baseline:
            b = run(bare, n, args)
            results["baseline"].append(b)
            show("baseline", b)
    for ours, bare_run in zip(results["smtp_sim"], results["baseline"], strict=False):
        pss = ours["pss_mib_per_session"] / max(bare_run["pss_mib_per_session"], 0.1)
        cpu = ours["startup_cpu_s_per_session"] / max(bare_run["startup_cpu_s_per_session"], 0.01)
        ours["pss_ratio_to_baseline"] = round(pss, 2)
        ours["startup_cpu_ratio_to_baseline"] = round(cpu, 2)
        print(
            f"{ours['sessions']:3} sessions: PSS {pss:.2f}x the bare Textual app's "
            f"(goal 1.3x), start-up CPU {cpu:.2f}x (goal 1.5x)",
            flush=True,
        )
    held = [r["sessions"] for r in results["smtp_sim"] if r["responsive"]]
    print(
        json.dumps(
            {
                "benchmark": "bench_web",
                "cpu_count": os.cpu_count(),
                "python": platform.python_version(),
                "width": WIDTH,
                "height": HEIGHT,
                "responsive_p95_ms": RESPONSIVE_P95 * 1000,
                "most_responsive_sessions": max(held) if held else 0,
                **results,
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
