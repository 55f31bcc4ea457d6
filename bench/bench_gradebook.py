"""Benchmark: a class's gradebook, ``smtp-sim grade foobar`` on 60 attempts in one process.

    PYTHONPATH=. python bench/bench_gradebook.py [--attempts 60] [--rounds 3] [--quick]

Sixty attempts at the FooBar lesson as a class hands them in: exported from sessions as the
app exports them (JSON with the clock step of each input, a student name), some complete,
some stopped at each step, some with wrong quiz tries. Timed, wall clock, in the same run:

- grade:     ``smtp-sim grade foobar ATTEMPT... --csv FILE``, one process (goal: under 3 s
             for 60);
- start-up:  the same command on one attempt: what one process costs before grading much;
- per file:  the old way, one ``smtp-sim run foobar --answers FILE`` process per attempt,
             measured on ``--per-file`` attempts (10) and given per attempt and times 60.

Every run checks the gradebook: one CSV row per attempt, each with the steps passed that
grading the attempt in this process gives, so a broken grader cannot look fast. The report
ends with one JSON line.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from smtp_sim.course.attempt import attempt_json
from smtp_sim.course.gradebook import grade_one, resolved
from smtp_sim.course.lesson import load_lesson
from smtp_sim.course.session import LessonSession

ROOT = Path(__file__).resolve().parent.parent
LESSON = "foobar"
GOAL_S = 3.0


class BenchError(Exception):
    """The gradebook was not what grading the attempts gives."""


def class_attempts(count: int) -> list[tuple[str, list[str]]]:
    """(student, lines) for a class: complete, stopped after k lines, wrong quiz tries."""
    lesson = load_lesson(LESSON)
    solution = [line for step in lesson.steps for line in step.solution]
    plain = [line for line in solution if not line.startswith("/answer")]
    out = []
    for i in range(count):
        kind = i % 4
        if kind == 0:
            lines = solution
        elif kind == 1:
            lines = solution[: 1 + i % len(plain)]
        elif kind == 2:
            lines = [*plain, "/answer a", "/answer c", "/answer b"]
        else:
            lines = [*plain[:3], "rcpt to: carol@example.org", *plain[4:]]
        out.append((f"s{21360000 + i}", lines))
    return out


def write_attempts(directory: Path, count: int) -> list[Path]:
    """Each attempt typed into a session as a student would, exported as the app does."""
    lesson = load_lesson(LESSON)
    paths = []
    for student, lines in class_attempts(count):
        session = LessonSession(lesson)
        for line in lines:
            session.enter(line)
        path = directory / f"smtp-sim-{LESSON}-attempt-{student}.json"
        path.write_text(json.dumps(attempt_json(session, student=student)), encoding="utf-8")
        paths.append(path)
    return paths


def _smtp_sim(*args: str) -> float:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "smtp_sim", *args], env=env, capture_output=True, text=True
    )
    took = time.perf_counter() - start
    if done.returncode not in (0, *range(10, 40)):
        raise BenchError(
            f"smtp-sim {' '.join(args[:3])}...: exit {done.returncode}: {done.stderr[-400:]}"
        )
    return took


def check_book(book: Path, paths: list[Path]) -> None:
    lesson = resolved(load_lesson(LESSON))
    with book.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    if len(rows) != len(paths):
        raise BenchError(f"{len(rows)} rows for {len(paths)} attempts")
    for row, path in zip(rows, paths, strict=True):
        expected = grade_one(lesson, str(path))
        if (row["student"], int(row["steps_passed"])) != (expected.student, expected.steps_passed):
            raise BenchError(
                f"{path.name}: the gradebook says {row['steps_passed']} steps "
                f"for {row['student']}; grading it here gives "
                f"{expected.steps_passed} for {expected.student}"
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--per-file", type=int, default=10, help="attempts graded one process each (the old way)"
    )
    parser.add_argument("--quick", action="store_true", help="8 attempts, 1 round, 2 per file")
    args = parser.parse_args(argv)
    if args.quick:
        args.attempts, args.rounds, args.per_file = 8, 1, 2
    if args.attempts < 1 or args.rounds < 1 or args.per_file < 1:
        parser.error("--attempts, --rounds and --per-file are at least 1")
    print(
        f"smtp-sim gradebook benchmark: {args.attempts} attempts at {LESSON}, {args.rounds} rounds"
    )
    print(
        f"Python {platform.python_version()} {sys.executable}; {platform.system()} "
        f"{platform.machine()}, {os.cpu_count()} CPUs"
    )
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        paths = write_attempts(directory, args.attempts)
        book = directory / "book.csv"
        names = [str(p) for p in paths]
        grade, startup, per_file = [], [], []
        try:
            for _ in range(args.rounds):  # (interleaved: a slow patch of the machine hits all)
                startup.append(_smtp_sim("grade", LESSON, names[0]))
                grade.append(_smtp_sim("grade", LESSON, *names, "--csv", str(book)))
                check_book(book, paths)
                per_file.append(
                    sum(
                        _smtp_sim("run", LESSON, "--answers", name)
                        for name in names[: args.per_file]
                    )
                    / args.per_file
                )
        except BenchError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    g, s, p = (statistics.median(x) for x in (grade, startup, per_file))
    print(
        f"grade, {args.attempts} attempts, one process: {g:.2f} s median "
        f"({min(grade):.2f}-{max(grade):.2f}); goal under {GOAL_S:g} s: "
        f"{'met' if g < GOAL_S else 'NOT met'}"
    )
    print(
        f"start-up baseline, one attempt:          {s:.2f} s; grading the class added "
        f"{(g - s) / max(args.attempts - 1, 1) * 1000:.1f} ms an attempt"
    )
    print(
        f"one process per attempt (the old way):    {p:.2f} s an attempt, "
        f"{p * args.attempts:.1f} s for {args.attempts} ({p * args.attempts / g:.0f}x)"
    )
    print(
        json.dumps(
            {
                "benchmark": "bench_gradebook",
                "attempts": args.attempts,
                "rounds": args.rounds,
                "grade_median_s": round(g, 3),
                "startup_median_s": round(s, 3),
                "per_process_attempt_s": round(p, 3),
                "per_process_total_s": round(p * args.attempts, 2),
                "goal_s": GOAL_S,
                "goal_met": g < GOAL_S,
                "cpu_count": os.cpu_count(),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
