"""The app's responsiveness, each figure beside a baseline measured in the same run.

1. Start-up: wall time from a fresh Python process to the first painted frame, smtp-sim's app
   (on the built-in course) against the smallest Textual app (one Static). Goal: at most 1.5x.
2. Key press to screen update with 100,000 trace records loaded: the event list and the flow
   diagram each get a cursor key; the time until the screen has been refreshed, against the same
   key pressed in the smallest app. Goal: under 50 ms.
3. CPU while paused and idle: CPU seconds used by an app process left alone for a while,
   against the smallest app. Goal: near zero (no polling loops).

Run: PYTHONPATH=. python bench/bench_tui.py [--rounds N] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

MINIMAL_APP = """
from textual.app import App
from textual.widgets import Static

class Minimal(App):
    def compose(self):
        yield Static("hello")
"""

SMTP_SIM_APP = """
from smtp_sim.tui.launch import build_app
"""


def _startup_script(kind: str) -> str:
    make = ("Minimal()" if kind == "minimal" else 'build_app("app", None)')
    prelude = MINIMAL_APP if kind == "minimal" else SMTP_SIM_APP
    return textwrap.dedent(prelude) + textwrap.dedent(f"""
import sys, time
app = {make}

def painted():
    sys.stdout.write("painted\\n")
    app.exit()

def first_paint():
    app.call_after_refresh(painted)

app.call_later(first_paint)
app.run(headless=True, size=(120, 40))
""")


def measure_startup(kind: str, rounds: int, env: dict[str, str]) -> list[float]:
    script = _startup_script(kind)
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                             env=env, cwd=ROOT, timeout=120)
        elapsed = time.perf_counter() - started
        if "painted" not in out.stdout:
            raise SystemExit(f"{kind} app did not paint:\n{out.stderr[-2000:]}")
        times.append(elapsed)
    return times


def _synthetic_records(world, n: int) -> None:
    from smtp_sim.world.trace import Kind, Layer

    hosts = ["pc.crepes.fr", "smtp.crepes.fr", "mail.cs.tcd.ie"]
    for i in range(n):
        src, dst = hosts[i % 2], hosts[(i % 2) + 1]
        if i % 2:
            world.trace.add(i * 0.001, Layer.SMTP, Kind.REPLY, dst, src, "250 2.1.5 Ok",
                            data=b"250 2.1.5 Ok\r\n", conn=i // 10, info=(("codes", (250,)),))
        else:
            world.trace.add(i * 0.001, Layer.SMTP, Kind.COMMAND, src, dst,
                            f"RCPT TO:<user{i}@cs.tcd.ie>",
                            data=f"RCPT TO:<user{i}@cs.tcd.ie>\r\n".encode(), conn=i // 10,
                            info=(("verb", "RCPT"), ("verbs", ("RCPT",))))


async def _press_times(app, focus: str | None, key: str, presses: int) -> list[float]:
    times = []
    async with app.run_test(size=(120, 40)) as pilot:
        if focus is not None:
            app.query_one("TabbedContent").active = focus
            await pilot.pause()
            widget = app.query_one({"tab-events": "EventList", "tab-flow": "FlowDiagram"}[focus])
            widget.focus()
        await pilot.pause()
        for i in range(presses):
            started = time.perf_counter()
            await pilot.press(key if i % 2 == 0 else "up")
            await pilot.pause()  # the screen has been refreshed
            times.append(time.perf_counter() - started)
    return times


def measure_keypress(records: int, presses: int) -> dict[str, list[float]]:
    from textual.app import App
    from textual.widgets import Static

    from smtp_sim.course.lesson import sandbox_lesson
    from smtp_sim.tui.app import SmtpSimApp

    class Minimal(App):
        def compose(self):
            yield Static("hello")

    results: dict[str, list[float]] = {}
    results["minimal"] = asyncio.run(_press_times(Minimal(), None, "down", presses))
    for tab in ("tab-events", "tab-flow"):
        app = SmtpSimApp(sandbox_lesson("classroom"), sandbox=True)
        _synthetic_records(app.playback.world, records)
        results[tab] = asyncio.run(_press_times(app, tab, "down", presses))
    return results


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def measure_idle(kind: str, seconds: float, env: dict[str, str]) -> float:
    prelude = MINIMAL_APP if kind == "minimal" else SMTP_SIM_APP
    make = "Minimal()" if kind == "minimal" else 'build_app("app", None)'
    script = textwrap.dedent(prelude) + f"\napp = {make}\napp.run(headless=True, size=(120, 40))\n"
    proc = subprocess.Popen([sys.executable, "-c", script], env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(4.0)  # start-up finished, first frames painted
        before = _cpu_seconds(proc.pid)
        time.sleep(seconds)
        return _cpu_seconds(proc.pid) - before
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--presses", type=int, default=30)
    parser.add_argument("--idle", type=float, default=10.0, help="idle seconds to measure")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.records, args.presses, args.idle = 2, 10_000, 6, 2.0
    data = tempfile.mkdtemp(prefix="smtp-sim-bench-")
    env = dict(os.environ, SMTP_SIM_DATA_DIR=data, PYTHONPATH=str(ROOT))
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, {args.rounds} rounds")

    minimal = measure_startup("minimal", args.rounds, env)
    ours = measure_startup("smtp-sim", args.rounds, env)
    m_min, m_ours = statistics.median(minimal), statistics.median(ours)
    ratio = m_ours / m_min
    print(f"start-up to first frame: smtp-sim {m_ours * 1000:.0f} ms, minimal app "
          f"{m_min * 1000:.0f} ms, ratio {ratio:.2f} (goal <= 1.5)")

    presses = measure_keypress(args.records, args.presses)
    medians = {k: statistics.median(v) * 1000 for k, v in presses.items()}
    for tab in ("tab-events", "tab-flow"):
        extra = medians[tab] - medians["minimal"]
        print(f"key press to screen, {args.records:,} records, {tab[4:]}: {medians[tab]:.1f} ms "
              f"(minimal app {medians['minimal']:.1f} ms; +{extra:.1f} ms) (goal < 50 ms)")

    idle_min = measure_idle("minimal", args.idle, env)
    idle_ours = measure_idle("smtp-sim", args.idle, env)
    print(f"CPU while idle for {args.idle:g} s: smtp-sim {idle_ours:.2f} s "
          f"({idle_ours / args.idle:.1%}), minimal app {idle_min:.2f} s "
          f"({idle_min / args.idle:.1%}) (goal: near zero)")
    print(json.dumps({
        "startup_ms": round(m_ours * 1000, 1), "startup_minimal_ms": round(m_min * 1000, 1),
        "startup_ratio": round(ratio, 2),
        "keypress_ms": {k: round(v, 1) for k, v in medians.items()},
        "idle_cpu_fraction": round(idle_ours / args.idle, 4),
        "idle_cpu_fraction_minimal": round(idle_min / args.idle, 4),
    }))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
