"""Playing a lesson headless: its own solutions (``--solve``) or a student's recorded input
(``--answers FILE``), step by step, with the result an autograder can read.

Exit statuses (like swaks's per-stage codes): 0 when every step passed; ``10 + N`` when step N
(counting from 1) is the first that did not pass; 2 for an invalid lesson or answers file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

from ..world.world import World
from .lesson import Lesson
from .session import LessonSession, replay

FIRST_STEP_EXIT = 10


@dataclass
class StepResult:
    index: int
    id: str
    title: str
    passed: bool


@dataclass
class Grade:
    lesson: str
    steps: list[StepResult] = field(default_factory=list)
    grading: list[bool] = field(default_factory=list)
    world: World | None = field(default=None, repr=False, compare=False)  # for exports

    @property
    def passed(self) -> bool:
        return all(s.passed for s in self.steps) and all(self.grading)

    @property
    def first_failure(self) -> StepResult | None:
        return next((s for s in self.steps if not s.passed), None)

    @property
    def exit_status(self) -> int:
        failed = self.first_failure
        if failed is not None:
            return FIRST_STEP_EXIT + failed.index + 1
        return 0 if all(self.grading) else FIRST_STEP_EXIT

    def report(self) -> str:
        lines = [f"lesson {self.lesson}"]
        for s in self.steps:
            mark = "PASS" if s.passed else "FAIL"
            lines.append(f"  {mark}  step {s.index + 1}: {s.title}")
        for i, ok in enumerate(self.grading, 1):
            lines.append(f"  {'PASS' if ok else 'FAIL'}  grading check {i}")
        done = sum(s.passed for s in self.steps)
        lines.append(f"{done} of {len(self.steps)} steps passed")
        return "\n".join(lines)


def _grade(session: LessonSession) -> Grade:
    session.run_idle(horizon=3600.0)
    session.evaluate()
    lesson = session.lesson
    steps = [StepResult(i, step.id, step.title, session.progress[i].done)
             for i, step in enumerate(lesson.steps)]
    return Grade(lesson.id, steps, session.grade(), session.world)


def solve(lesson: Lesson, *, seed: int | None = None) -> Grade:
    """Type each step's solution (and answer its quiz) in turn."""
    session = LessonSession(lesson, seed=seed)
    for i, step in enumerate(lesson.steps):
        if session.index != i:
            break  # an earlier step did not pass: later solutions would be typed out of place
        for line in step.solution:
            session.enter(line)
        if step.quiz is not None and not session.progress[i].done:
            session.enter(f"/answer {step.quiz.solution}")
        if not session.progress[i].done:
            session.run_idle(horizon=600.0)
            session.evaluate()
    return _grade(session)


def play(lesson: Lesson, lines: list[str], *, seed: int | None = None) -> Grade:
    """Type a student's recorded lines, exactly as they typed them."""
    session = LessonSession(lesson, seed=seed)
    for line in lines:
        session.enter(line)
    return _grade(session)


ATTEMPT_FORMAT = "smtp-sim-attempt"
ATTEMPT_VERSION = 1


@dataclass
class Attempt:
    """Everything a student typed, in order. ``steps`` holds the clock step of each input
    when known (an exported attempt), so a re-grade replays it exactly as it happened; a plain
    text file has only the lines, typed one after the other as each is answered."""

    lines: list[str]
    steps: list[int] | None = None
    lesson: str | None = None
    seed: int | None = None


def attempt_json(session: LessonSession, *, seed: int | None = None) -> dict[str, Any]:
    """A session's attempt as the app exports it: every input with the virtual time and the
    clock step at which it was typed. ``smtp-sim run LESSON --answers FILE`` grades it."""
    times = session.input_times
    return {
        "format": ATTEMPT_FORMAT,
        "version": ATTEMPT_VERSION,
        "lesson": session.lesson.id,
        "seed": seed,
        "inputs": [{"line": line, "time": round(time, 6), "step": step}
                   for (step, line), time in zip(session.inputs, times, strict=True)],
    }


def attempt_text(session: LessonSession, *, seed: int | None = None) -> str:
    return json.dumps(attempt_json(session, seed=seed), indent=2, ensure_ascii=False) + "\n"


def read_attempt(path: str | Path) -> Attempt:
    """An answers file: plain text, one typed line per line; or the app's JSON export of an
    attempt (``{"inputs": [{"line": ..., "step": ...}, ...]}``). Raises ValueError with a
    clear message."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValueError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: cannot read: {exc}") from None
    if p.suffix == ".json":
        try:
            return _parse_attempt(json.loads(text))
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}: not an smtp-sim attempt file ({exc})") from None
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return Attempt([line.rstrip("\r") for line in lines])


def _parse_attempt(data: Any) -> Attempt:
    items = data["inputs"]
    if not isinstance(items, list):
        raise TypeError("`inputs` is not a list")
    lines = [str(item["line"]) for item in items]
    steps: list[int] | None = None
    if items and all(isinstance(item.get("step"), int) for item in items):
        steps = [item["step"] for item in items]
        if any(b < a for a, b in pairwise(steps)) or min(steps) < 0:
            raise ValueError("the `step` of each input must be 0 or more and never decrease")
    lesson = data.get("lesson")
    seed = data.get("seed")
    return Attempt(lines, steps, str(lesson) if lesson is not None else None,
                   seed if isinstance(seed, int) else None)


def read_answers(path: str | Path) -> list[str]:
    """The lines of an answers file (see :func:`read_attempt`)."""
    return read_attempt(path).lines


def grade_attempt(lesson: Lesson, attempt: Attempt, *, seed: int | None = None) -> Grade:
    """Grade an attempt: replayed at its recorded clock steps when it has them (the same
    session the student saw), else typed line by line (:func:`play`)."""
    if attempt.steps is None:
        return play(lesson, attempt.lines, seed=seed)
    session = replay(lesson, list(zip(attempt.steps, attempt.lines, strict=True)), seed=seed)
    return _grade(session)
