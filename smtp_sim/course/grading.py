"""Playing a lesson headless: its own solutions (``--solve``) or a student's recorded input
(``--answers FILE``), step by step, with the result an autograder can read.

Exit statuses (like swaks's per-stage codes): 0 when every step passed; ``10 + N`` when step N
(counting from 1) is the first that did not pass; 2 for an invalid lesson or answers file.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..world.world import World
from .attempt import (
    ATTEMPT_FORMAT,
    ATTEMPT_VERSION,
    Attempt,
    AttemptError,
    attempt_json,
    attempt_text,
    read_answers,
    read_attempt,
)
from .lesson import Lesson, Quiz, console_refusal
from .session import LessonSession, replay

__all__ = [
    "ATTEMPT_FORMAT",
    "ATTEMPT_VERSION",
    "Attempt",
    "AttemptError",
    "Grade",
    "StepResult",
    "attempt_json",
    "attempt_text",
    "grade_attempt",
    "play",
    "read_answers",
    "read_attempt",
    "solve",
]

FIRST_STEP_EXIT = 10


@dataclass
class StepResult:
    index: int
    id: str
    title: str
    passed: bool
    reached: bool = True  # False: an earlier step never passed, so this one never began
    missing: list[str] = field(default_factory=list)  # what was not met (checks, the quiz)
    solution: str = ""  # --solve: the solution line that went wrong, and how


@dataclass
class Grade:
    lesson: str
    steps: list[StepResult] = field(default_factory=list)
    grading: list[bool] = field(default_factory=list)
    world: World | None = field(default=None, repr=False, compare=False)  # for exports
    grading_checks: list[str] = field(default_factory=list)  # what each grading check asks
    warnings: list[str] = field(default_factory=list)  # solution lines the console refused
    #: Each quiz of the lesson, in order: each answer given, right (True) or not.
    quiz_tries: list[list[bool]] = field(default_factory=list)

    @property
    def quiz_right_first_try(self) -> int:
        return sum(1 for tries in self.quiz_tries if tries and tries[0])

    @property
    def wrong_tries(self) -> int:
        return sum(tries.count(False) for tries in self.quiz_tries)

    @property
    def score(self) -> float:
        """Per cent of the steps and grading checks passed."""
        total = len(self.steps) + len(self.grading)
        done = sum(s.passed for s in self.steps) + sum(self.grading)
        return round(100.0 * done / total, 1) if total else 100.0

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
        """One line per step and grading check; under a step that failed, what it still
        needed; a step after it that never began is marked ``(not reached)``."""
        lines = [f"lesson {self.lesson}"]
        for s in self.steps:
            mark = "PASS" if s.passed else "FAIL"
            later = "" if s.passed or s.reached else " (not reached: an earlier step failed)"
            lines.append(f"  {mark}  step {s.index + 1}: {s.title}{later}")
            if s.solution:
                lines.append(f"          {s.solution}")
            lines += [f"          not met: {what}" for what in s.missing]
        for i, ok in enumerate(self.grading, 1):
            what = self.grading_checks[i - 1] if i <= len(self.grading_checks) else ""
            lines.append(
                f"  {'PASS' if ok else 'FAIL'}  grading check {i}" + (f": {what}" if what else "")
            )
        done = sum(s.passed for s in self.steps)
        summary = f"{done} of {len(self.steps)} steps passed"
        if self.grading:
            summary += f"; {sum(self.grading)} of {len(self.grading)} grading checks passed"
        lines.append(summary)
        return "\n".join(lines)


def _grade(session: LessonSession) -> Grade:
    session.run_idle(horizon=3600.0)
    session.evaluate()
    lesson = session.lesson
    steps = []
    tries = []
    for i, step in enumerate(lesson.steps):
        progress = session.progress[i]
        # (a quiz closed after max_tries wrong answers lets the student go on, not pass)
        done = progress.done and (step.quiz is None or progress.quiz_correct)
        reached = progress.done or i <= session.index
        steps.append(
            StepResult(
                i,
                step.id,
                step.title,
                done,
                reached,
                [] if done or not reached else session.not_met(i),
            )
        )
        if step.quiz is not None:
            tries.append([step.quiz.grade(answer) for answer in progress.answers])
    return Grade(
        lesson.id,
        steps,
        session.grade(),
        session.world,
        [check.describe() for check in lesson.grading],
        quiz_tries=tries,
    )


def solve(lesson: Lesson, *, seed: int | None = None) -> Grade:
    """Type each step's solution, exactly the author's lines and nothing else (a quiz is
    answered only by the solution's own ``/answer`` line). A step its solution does not pass
    fails, with the line that went wrong (a wrong answer, a line the console refused) or
    else the last one typed."""
    session = LessonSession(lesson, seed=seed)
    warnings = []
    trouble: dict[int, str] = {}
    for i, step in enumerate(lesson.steps):
        if session.index != i:
            break  # an earlier step did not pass: later solutions would be typed out of place
        if not step.solution:
            trouble[i] = "the step has no solution: --solve types only the author's lines"
        for n, line in enumerate(step.solution, 1):
            said = f"solution line {n} {line.strip()!r}"
            refused = console_refusal(line, session.world, session.current)
            if refused is not None:  # `smtp-sim check` refuses what it can know beforehand
                warnings.append(
                    f"step {i + 1} ({step.id}): the console refused the solution "
                    f"line {line.strip()!r}: {refused[0]} (expected {refused[1]})"
                )
                trouble.setdefault(i, f"{said}: the console refused it: {refused[0]}")
            was_right = session.progress[i].quiz_correct
            session.enter(line)
            quiz = step.quiz
            if (
                quiz is not None
                and line.strip().lower().startswith("/answer")
                and refused is None
                and not was_right
                and session.index == i
                and not session.progress[i].quiz_correct
            ):
                trouble.setdefault(
                    i, f"{said}: not the quiz's answer (its answer is {_answer_shown(quiz)})"
                )
        if not session.progress[i].done:
            session.run_idle(horizon=600.0)
            session.evaluate()
        if not session.progress[i].done and i not in trouble and step.solution:
            trouble[i] = (
                f"after solution line {len(step.solution)} "
                f"{step.solution[-1].strip()!r}, the step had not passed"
            )
    grade = _grade(session)
    grade.warnings = warnings
    for result in grade.steps:
        if not result.passed and result.index in trouble:
            result.solution = trouble[result.index]
    return grade


def _answer_shown(quiz: Quiz) -> str:
    if quiz.choices:
        assert quiz.correct is not None
        return f"{quiz.solution.upper()} ({quiz.correct}), {quiz.choices[quiz.correct - 1]!r}"
    return f"{quiz.solution!r}"


def play(lesson: Lesson, lines: list[str], *, seed: int | None = None) -> Grade:
    """Type a student's recorded lines, exactly as they typed them."""
    session = LessonSession(lesson, seed=seed)
    for line in lines:
        session.enter(line)
    return _grade(session)


def grade_attempt(lesson: Lesson, attempt: Attempt, *, seed: int | None = None) -> Grade:
    """Grade an attempt: replayed at its recorded clock steps when it has them (the same
    session the student saw), else typed line by line (:func:`play`)."""
    if attempt.steps is None:
        return play(lesson, attempt.lines, seed=seed)
    session = replay(lesson, list(zip(attempt.steps, attempt.lines, strict=True)), seed=seed)
    return _grade(session)
