"""``smtp-sim run``: a scenario run headless to its end (or ``--until``), its trace printed.

The world runs in virtual time as fast as the machine allows. When standard error is a terminal
and the run takes a while, a progress bar shows the virtual time reached there (never in a pipe,
never on standard output, which carries only the trace).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from .scenario.build import build_world
from .scenario.files import load_scenario
from .scenario.problems import ScenarioError
from .world.transcript import to_jsonl, to_text
from .world.world import World

FORMATS = ("text", "jsonl")
STEPS_PER_CHUNK = 2000
PROGRESS_AFTER = 0.5  # wall-clock seconds before a progress bar is worth showing


def run_scenario(
    ref: str | Path,
    *,
    until: float | None = None,
    fmt: str = "text",
    output: str | Path | None = None,
    seed: int | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    on_world: Callable[[World], int] | None = None,
) -> int:
    """Load, run and export one scenario. Returns the exit status: 0, or 2 for a scenario
    that is not valid (its problems on ``stderr``, one line each), 1 when the output cannot
    be written. ``on_world`` then writes further exports (the flow diagram) and returns a
    status too."""
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}")
    try:
        world = build_world(load_scenario(ref), seed=seed)
    except ScenarioError as exc:
        for problem in exc.problems:
            print(problem, file=stderr)
        return 2
    try:
        advance(world, until, stderr)
    except KeyboardInterrupt:
        print("smtp-sim run: interrupted", file=stderr)
        return 130
    status = write_trace(world, fmt, output, stdout, stderr)
    if on_world is not None:  # (tried even when the trace could not be written)
        status = max(status, on_world(world))
    return status


def write_trace(
    world: World, fmt: str, output: str | Path | None, stdout: TextIO, stderr: TextIO
) -> int:
    """The trace as text or JSON Lines, to ``output`` or ``stdout``: 0, or 1 when the file
    cannot be written."""
    text = to_text(world.trace) if fmt == "text" else to_jsonl(world.trace)
    if output is not None:
        try:
            Path(output).write_text(text, encoding="utf-8")
        except OSError as exc:
            print(f"smtp-sim run: cannot write {output}: {exc.strerror}", file=stderr)
            return 1
        return 0
    try:
        stdout.write(text)
        stdout.flush()
    except BrokenPipeError:  # e.g. piped into head: not an error
        silence(stdout)
    return 0


def advance(world: World, until: float | None, stderr: TextIO) -> None:
    """Run ``world`` to its end or to ``until``, in chunks, with a progress bar on a terminal."""
    show = _is_terminal(stderr)
    started = time.monotonic()
    progress: Any = None
    task: Any = None
    try:
        while True:
            world.run(until, max_steps=STEPS_PER_CHUNK)
            nxt = world.peek()
            if nxt is None or (until is not None and nxt > until):
                break
            if show and progress is None and time.monotonic() - started > PROGRESS_AFTER:
                progress, task = _start_progress(stderr, until)
            if progress is not None:
                progress.update(
                    task,
                    completed=world.now if until else None,
                    description=f"virtual time {world.now:,.1f} s, {len(world.trace):,} records",
                )
        world.run(until)  # moves the clock to ``until`` when nothing more happens before it
    finally:
        if progress is not None:
            progress.stop()


def _start_progress(stderr: TextIO, until: float | None) -> tuple[Any, Any]:
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=Console(file=stderr),
        transient=True,
    )
    task = progress.add_task("running", total=until)
    progress.start()
    return progress, task


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def silence(stream: TextIO) -> None:
    """After a broken pipe, point the stream at /dev/null so exiting does not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
    except (AttributeError, OSError, ValueError):
        pass
