"""Benchmark: grading long attempts, beside the same lines typed with nothing to grade.

    PYTHONPATH=. python bench/bench_grading.py [--sizes 1000,2000,4000] [--rounds N] [--quick]

An attempt is graded as ``smtp-sim run foobar --answers FILE`` grades a plain-text file
(``grading.play``): each line typed into a ``LessonSession`` on the FooBar lesson, the world run
until the line is answered, the step's checks asked after every clock event, then the world run
idle and the grading checks asked. Three attempts, each stuck on one step so its checks keep
failing while the trace grows:

* noop:      ``telnet mail.cs.tcd.ie 25``, then N NOOPs (on step 2, HELO);
* mail-rset: telnet, ``helo x``, then N/2 ``mail from:<a@b.c>`` / ``rset`` pairs (on step 3,
             which wants the sender alice@crepes.fr);
* message:   the session up to DATA, then an N-line message and the dot (on step 6 until the
             dot's 250; the lines inside DATA get no reply, so nothing runs between them).

The baseline, measured in the same run (the two alternate), types the same lines into a
session of the same lesson with its steps and grading checks removed: the same world, terminal
and session code, nothing to check. Grading is linear when its ratio to the baseline stays
flat as N grows. Each run checks the grade (exit status, steps passed) and that both sessions
made the same trace, so a broken grader cannot look fast. The report ends with one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from smtp_sim.course.grading import Grade, play
from smtp_sim.course.lesson import Lesson, load_lesson
from smtp_sim.world.trace import Kind

LESSON = "foobar"
CONNECT = "telnet mail.cs.tcd.ie 25"


def noop_attempt(n: int) -> list[str]:
    return [CONNECT] + ["NOOP"] * n


def mail_rset_attempt(n: int) -> list[str]:
    return [CONNECT, "helo x"] + ["mail from:<a@b.c>", "rset"] * (n // 2)


def message_attempt(n: int) -> list[str]:
    return (
        [
            CONNECT,
            "helo FooBar",
            "mail from: alice@crepes.fr",
            "rcpt to: bob@cs.tcd.ie",
            "data",
            "Subject: FooBar",
            "",
        ]
        + [f"Hello World line {i}" for i in range(n)]
        + [".", "quit"]
    )


@dataclass(frozen=True)
class Attempt:
    name: str
    lines: Callable[[int], list[str]]
    exit_status: int  # what grading it must give
    steps_passed: int


ATTEMPTS = (
    Attempt("noop", noop_attempt, 12, 1),
    Attempt("mail-rset", mail_rset_attempt, 13, 2),
    Attempt("message", message_attempt, 18, 7),
)

FULL = {"rounds": 5, "sizes": (1000, 2000, 4000)}
QUICK = {"rounds": 1, "sizes": (100, 200)}


class BenchError(Exception):
    """A grade or a trace was not what the attempt must give."""


def ungraded(lesson: Lesson) -> Lesson:
    """The same lesson with nothing to check: the baseline's session."""
    return lesson.model_copy(update={"steps": [], "grading": []})


def check_grade(grade: Grade, attempt: Attempt, n: int) -> None:
    passed = sum(s.passed for s in grade.steps)
    if grade.exit_status != attempt.exit_status or passed != attempt.steps_passed:
        raise BenchError(
            f"{attempt.name} N={n}: exit status {grade.exit_status}, {passed} steps "
            f"passed; expected {attempt.exit_status} and {attempt.steps_passed}"
        )


def _wire(grade: Grade) -> list[tuple]:
    """The trace without the lesson's notes ("step N done"), which only the graded run has."""
    assert grade.world is not None
    return [
        (r.time, r.layer, r.kind, r.src, r.dst, r.summary, r.data, r.conn)
        for r in grade.world.trace
        if not (r.kind is Kind.NOTE and r.src == "lesson")
    ]


def run_pair(lesson: Lesson, attempt: Attempt, n: int) -> tuple[float, float, int]:
    """Grade the attempt, then type it ungraded: the two times and the graded trace's size."""
    lines = attempt.lines(n)
    start = time.perf_counter()
    graded = play(lesson, lines)
    middle = time.perf_counter()
    plain = play(ungraded(lesson), lines)
    end = time.perf_counter()
    check_grade(graded, attempt, n)
    if _wire(graded) != _wire(plain):
        raise BenchError(f"{attempt.name} N={n}: grading changed what happened in the world")
    assert graded.world is not None
    return middle - start, end - middle, len(graded.world.trace)


@dataclass
class Result:
    attempt: str
    n: int
    graded: list[float]
    baseline: list[float]
    records: int

    @property
    def graded_median(self) -> float:
        return statistics.median(self.graded)

    @property
    def baseline_median(self) -> float:
        return statistics.median(self.baseline)

    @property
    def ratio(self) -> float:
        return self.graded_median / self.baseline_median


def measure(lesson: Lesson, attempt: Attempt, sizes: tuple[int, ...], rounds: int) -> list[Result]:
    results = {n: Result(attempt.name, n, [], [], 0) for n in sizes}
    for _ in range(rounds):  # (sizes interleaved, so a slow patch of the machine hits all)
        for n in sizes:
            graded, baseline, records = run_pair(lesson, attempt, n)
            results[n].graded.append(graded)
            results[n].baseline.append(baseline)
            results[n].records = records
    return [results[n] for n in sizes]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, help="rounds per size (default 5, quick 1)")
    parser.add_argument("--sizes", help="comma-separated line counts (default 1000,2000,4000)")
    parser.add_argument(
        "--attempts",
        help="comma-separated: " + ",".join(a.name for a in ATTEMPTS) + " (default all)",
    )
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    args = parser.parse_args(argv)
    cfg = dict(QUICK if args.quick else FULL)
    if args.rounds is not None:
        cfg["rounds"] = args.rounds
    if args.sizes:
        try:
            cfg["sizes"] = tuple(int(s) for s in args.sizes.split(","))
        except ValueError:
            parser.error("--sizes takes numbers separated by commas")
    names = args.attempts.split(",") if args.attempts else [a.name for a in ATTEMPTS]
    attempts = [a for a in ATTEMPTS if a.name in names]
    if len(attempts) != len(names):
        parser.error(f"--attempts: choose from {', '.join(a.name for a in ATTEMPTS)}")
    if cfg["rounds"] < 1 or min(cfg["sizes"]) < 2:
        parser.error("--rounds must be at least 1 and every size at least 2")

    lesson = load_lesson(LESSON)
    print("smtp-sim grading benchmark: long attempts stuck on one step of the FooBar lesson")
    print(
        f"Python {platform.python_version()} ({platform.python_implementation()}) {sys.executable}"
    )
    print(
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs; "
        f"{cfg['rounds']} rounds, sizes {', '.join(f'{n:,}' for n in cfg['sizes'])} lines"
    )
    print("baseline: the same lines typed into the lesson with its steps and grading removed")
    try:
        play(lesson, noop_attempt(50))  # warm-up: imports, the scenario's caches
        results = [r for a in attempts for r in measure(lesson, a, cfg["sizes"], cfg["rounds"])]
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1

    print()
    print(
        f"{'attempt':<10} {'lines':>7} {'records':>8} {'graded':>9} {'baseline':>9} "
        f"{'ratio':>6}  {'µs a line, graded':>18}  graded min-max"
    )
    for r in results:
        print(
            f"{r.attempt:<10} {r.n:>7,} {r.records:>8,} {r.graded_median:>8.3f}s "
            f"{r.baseline_median:>8.3f}s {r.ratio:>6.2f}  {r.graded_median / r.n * 1e6:>18,.0f}"
            f"  {min(r.graded):.3f}-{max(r.graded):.3f}s"
        )
    growth = {}
    for a in attempts:
        rows = [r for r in results if r.attempt == a.name]
        first, last = rows[0], rows[-1]
        growth[a.name] = last.graded_median / first.graded_median
        print(
            f"{a.name}: {last.n / first.n:g}x the lines took {growth[a.name]:.1f}x the time "
            f"to grade (baseline {last.baseline_median / first.baseline_median:.1f}x); the "
            f"ratio to the baseline went {first.ratio:.2f} -> {last.ratio:.2f}"
        )
    print(
        json.dumps(
            {
                "benchmark": "bench_grading",
                "python": platform.python_version(),
                "cpu_count": os.cpu_count(),
                "rounds": cfg["rounds"],
                "results": [
                    {
                        "attempt": r.attempt,
                        "lines": r.n,
                        "trace_records": r.records,
                        "graded_median_s": round(r.graded_median, 4),
                        "baseline_median_s": round(r.baseline_median, 4),
                        "ratio": round(r.ratio, 3),
                    }
                    for r in results
                ],
                "growth": {k: round(v, 2) for k, v in growth.items()},
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
