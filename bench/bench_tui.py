"""The app's responsiveness, each figure beside a baseline measured in the same run.

1. Start-up: wall time from a fresh Python process to the first painted frame, smtp-sim's app
   (on the built-in course) against the smallest Textual app (one Static). Goal: at most 1.5x.
   smtp-sim's first frame is its layout with "Loading lesson..." where the lesson panel and
   the views go; the lesson is read after it. Two more marks, against the same baseline: the
   lesson on screen (its title, steps, the step's text and task in the lesson panel, from the
   lesson's preview, and the console taking keys; goal: at most 2x), and the network views
   drawn (the lesson validated, its world built, the map, flow and events filled).
2. Key press to screen update with 100,000 trace records loaded: the event list and the flow
   diagram each get a cursor key; the time until the screen has been refreshed, against the same
   key pressed in the smallest app. Goal: under 50 ms.
3. CPU while paused and idle: CPU seconds used by an app process left alone for a while,
   against the smallest app. Goal: near zero (no polling loops).

Run: PYTHONPATH=. python bench/bench_tui.py [--rounds N] [--quick] [--startup-only]
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

# Each mark is a line on standard output, timed by the benchmark when it reads it: "painted"
# after the first screen refresh, "lesson" after the refresh that shows the lesson (smtp-sim
# only; MainScreen.when_shown), "ready" after the one that shows its network views too
# (MainScreen.when_loaded). Then the app exits; its exit is not timed.
STARTUP_END = """

def mark(name, done=False):
    print(name, flush=True)
    if done:
        app.exit()

app.call_later(lambda: app.call_after_refresh(mark, "painted", {minimal}))
if not {minimal}:
    app.main.when_shown(lambda: app.call_after_refresh(mark, "lesson"))
    app.main.when_loaded(lambda: app.call_after_refresh(mark, "ready", True))
app.run(headless=True, size=(120, 40))
"""


def _startup_script(kind: str) -> str:
    minimal = kind == "minimal"
    make = "Minimal()" if minimal else 'build_app("app", None)'
    prelude = MINIMAL_APP if minimal else SMTP_SIM_APP
    return textwrap.dedent(prelude) + f"app = {make}\n" + STARTUP_END.format(minimal=minimal)


def _time_marks(script: str, env: dict[str, str], expect: tuple[str, ...]) -> dict[str, float]:
    """Seconds from starting the process to each mark it prints."""
    with tempfile.TemporaryFile("w+") as errors:
        started = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-c", script],
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
            env=env,
            cwd=ROOT,
        )
        marks = {}
        assert proc.stdout is not None
        for line in proc.stdout:
            marks[line.strip()] = time.perf_counter() - started
        proc.wait(timeout=120)
        if not set(expect) <= set(marks):
            errors.seek(0)
            raise SystemExit(f"no {' or '.join(expect)} from the app:\n{errors.read()[-2000:]}")
    return marks


def measure_startup(rounds: int, env: dict[str, str]) -> dict[str, list[float]]:
    """Start-up marks of both apps, alternating (a slow patch of the machine hits both), after
    one untimed start of each (it fills the bytecode cache, see bytecode_env)."""
    minimal, ours = _startup_script("minimal"), _startup_script("smtp-sim")
    _time_marks(minimal, env, ("painted",))
    marks_of_ours = ("painted", "lesson", "ready")
    _time_marks(ours, env, marks_of_ours)
    times: dict[str, list[float]] = {
        "minimal": [],
        "smtp-sim": [],
        "smtp-sim lesson": [],
        "smtp-sim ready": [],
    }
    for _ in range(rounds):
        times["minimal"].append(_time_marks(minimal, env, ("painted",))["painted"])
        marks = _time_marks(ours, env, marks_of_ours)
        times["smtp-sim"].append(marks["painted"])
        times["smtp-sim lesson"].append(marks["lesson"])
        times["smtp-sim ready"].append(marks["ready"])
    return times


def bytecode_env(env: dict[str, str], cache: str | None) -> dict[str, str]:
    """Python's bytecode cache for every module, in ``cache`` (PYTHONPYCACHEPREFIX), as after
    an install: with PYTHONDONTWRITEBYTECODE set, smtp-sim's modules would be compiled from
    source at every start while Textual's come compiled from site-packages."""
    env = dict(env)
    if cache is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = cache
    return env


def _synthetic_records(world, n: int) -> None:
    from smtp_sim.world.trace import Kind, Layer

    hosts = ["pc.crepes.fr", "smtp.crepes.fr", "mail.cs.tcd.ie"]
    for i in range(n):
        src, dst = hosts[i % 2], hosts[(i % 2) + 1]
        if i % 2:
            world.trace.add(
                i * 0.001,
                Layer.SMTP,
                Kind.REPLY,
                dst,
                src,
                "250 2.1.5 Ok",
                data=b"250 2.1.5 Ok\r\n",
                conn=i // 10,
                info=(("codes", (250,)),),
            )
        else:
            world.trace.add(
                i * 0.001,
                Layer.SMTP,
                Kind.COMMAND,
                src,
                dst,
                f"RCPT TO:<user{i}@cs.tcd.ie>",
                data=f"RCPT TO:<user{i}@cs.tcd.ie>\r\n".encode(),
                conn=i // 10,
                info=(("verb", "RCPT"), ("verbs", ("RCPT",))),
            )


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
        _synthetic_records(app.main.playback.world, records)
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
    proc = subprocess.Popen(
        [sys.executable, "-c", script],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
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
    parser.add_argument("--startup-only", action="store_true", help="only the start-up figures")
    parser.add_argument(
        "--no-bytecode-cache",
        dest="bytecode_cache",
        action="store_false",
        help="keep the environment's bytecode setting for the app processes "
        "(with PYTHONDONTWRITEBYTECODE, smtp-sim is compiled at every start)",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.records, args.presses, args.idle = 2, 10_000, 6, 2.0
    data = tempfile.mkdtemp(prefix="smtp-sim-bench-")
    env = dict(os.environ, SMTP_SIM_DATA_DIR=data, PYTHONPATH=str(ROOT))
    cache = os.path.join(data, "pycache") if args.bytecode_cache else None
    env = bytecode_env(env, cache)
    print(
        f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, {args.rounds} rounds, "
        f"bytecode {'cached' if cache else 'as the environment says'}"
    )

    startup = measure_startup(args.rounds, env)
    m_min = statistics.median(startup["minimal"])
    m_ours = statistics.median(startup["smtp-sim"])
    m_lesson = statistics.median(startup["smtp-sim lesson"])
    m_ready = statistics.median(startup["smtp-sim ready"])
    ratio, lesson_ratio, ready_ratio = m_ours / m_min, m_lesson / m_min, m_ready / m_min
    print(
        f"start-up to first frame: smtp-sim {m_ours * 1000:.0f} ms, minimal app "
        f"{m_min * 1000:.0f} ms, ratio {ratio:.2f} (goal <= 1.5)"
    )
    print(
        f"start-up to the lesson on screen: smtp-sim {m_lesson * 1000:.0f} ms, "
        f"ratio {lesson_ratio:.2f} to the minimal app's first frame (goal <= 2)"
    )
    print(
        f"start-up to the network views drawn: smtp-sim {m_ready * 1000:.0f} ms, "
        f"ratio {ready_ratio:.2f} to the minimal app's first frame"
    )
    result = {
        "startup_ms": round(m_ours * 1000, 1),
        "startup_minimal_ms": round(m_min * 1000, 1),
        "startup_ratio": round(ratio, 2),
        "lesson_shown_ms": round(m_lesson * 1000, 1),
        "lesson_shown_ratio": round(lesson_ratio, 2),
        "views_drawn_ms": round(m_ready * 1000, 1),
        "views_drawn_ratio": round(ready_ratio, 2),
        "bytecode_cached": cache is not None,
    }
    if args.startup_only:
        print(json.dumps(result))
        return 0

    presses = measure_keypress(args.records, args.presses)
    medians = {k: statistics.median(v) * 1000 for k, v in presses.items()}
    for tab in ("tab-events", "tab-flow"):
        extra = medians[tab] - medians["minimal"]
        print(
            f"key press to screen, {args.records:,} records, {tab[4:]}: {medians[tab]:.1f} ms "
            f"(minimal app {medians['minimal']:.1f} ms; +{extra:.1f} ms) (goal < 50 ms)"
        )

    idle_min = measure_idle("minimal", args.idle, env)
    idle_ours = measure_idle("smtp-sim", args.idle, env)
    print(
        f"CPU while idle for {args.idle:g} s: smtp-sim {idle_ours:.2f} s "
        f"({idle_ours / args.idle:.1%}), minimal app {idle_min:.2f} s "
        f"({idle_min / args.idle:.1%}) (goal: near zero)"
    )
    print(
        json.dumps(
            {
                **result,
                "keypress_ms": {k: round(v, 1) for k, v in medians.items()},
                "idle_cpu_fraction": round(idle_ours / args.idle, 4),
                "idle_cpu_fraction_minimal": round(idle_min / args.idle, 4),
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
