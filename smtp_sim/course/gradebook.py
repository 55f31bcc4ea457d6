"""``smtp-sim grade LESSON ATTEMPT...``: a class's attempts graded in one process.

The lesson is read, checked and its network resolved once; each attempt then gets a fresh
world built from that network (``grade_attempt``), so 60 attempts cost 60 short simulations,
not 60 interpreters. One :class:`Row` per attempt: who, which file, steps passed, quiz
answers right on the first try, wrong quiz tries, the grade, and the first step not met and
why. Printed as a table with a summary, written as CSV (``--csv``, for a spreadsheet) or as
JSON, one object per attempt (``--json``; ``smtp-sim run LESSON --answers FILE --report json``
prints the same object for one attempt).
"""

from __future__ import annotations

import csv
import io
import json
import statistics
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TextIO

from ..scenario.problems import ScenarioError
from ..textio import hang, wrap
from .attempt import Attempt, AttemptError, read_attempt
from .grading import Grade, grade_attempt
from .lesson import Lesson, load_lesson

COLUMNS = (
    "student",
    "file",
    "steps_passed",
    "steps",
    "quiz_right_first_try",
    "quizzes",
    "wrong_quiz_tries",
    "grade",
    "first_step_not_met",
    "why",
)


@dataclass
class Row:
    student: str
    file: str
    steps_passed: int = 0
    steps: int = 0
    quiz_right_first_try: int = 0
    quizzes: int = 0
    wrong_quiz_tries: int = 0
    grade: float = 0.0
    first_step_not_met: str = ""  # "4 rcpt: Give the recipient", "" when all passed
    why: str = ""  # what that step still needed; or why the file could not be graded
    exit_status: int = 0
    error: bool = False  # the attempt file could not be graded
    passed: list[str] = field(default_factory=list)  # ids of the steps passed

    def as_json(self) -> dict[str, object]:
        data = asdict(self)
        data.pop("passed")
        data["steps_passed_ids"] = self.passed
        return data


def row(lesson: Lesson, grade: Grade, student: str, file: str) -> Row:
    failed = grade.first_failure
    first, why = "", ""
    if failed is not None:
        first = f"{failed.index + 1} {failed.id}: {failed.title}"
        why = "; ".join(([failed.solution] if failed.solution else []) + failed.missing)
    elif not all(grade.grading):
        bad = [i for i, ok in enumerate(grade.grading) if not ok]
        first = "grading"
        why = "; ".join(grade.grading_checks[i] for i in bad if i < len(grade.grading_checks))
    return Row(
        student,
        file,
        sum(s.passed for s in grade.steps),
        len(lesson.steps),
        grade.quiz_right_first_try,
        len(grade.quiz_tries),
        grade.wrong_tries,
        grade.score,
        first,
        why,
        grade.exit_status,
        passed=[s.id for s in grade.steps if s.passed],
    )


def grade_one(
    lesson: Lesson, path: str, *, student: str | None = None, seed: int | None = None
) -> Row:
    """One attempt file graded against ``lesson`` (whose scenario is already resolved)."""
    name = student or Path(path).stem
    try:
        attempt: Attempt = read_attempt(path)
    except AttemptError as exc:
        return Row(
            name,
            path,
            steps=len(lesson.steps),
            why=str(exc).replace("\n", "; "),
            exit_status=2,
            error=True,
        )
    if attempt.lesson is not None and attempt.lesson != lesson.id:
        return Row(
            student or attempt.student or name,
            path,
            steps=len(lesson.steps),
            why=f"an attempt at the lesson {attempt.lesson!r}, not {lesson.id!r}",
            exit_status=2,
            error=True,
        )
    grade = grade_attempt(lesson, attempt, seed=seed if seed is not None else attempt.seed)
    return row(lesson, grade, student or attempt.student or name, path)


def resolved(lesson: Lesson) -> Lesson:
    """The lesson with its network read once (every attempt's world is built from it)."""
    return lesson.model_copy(update={"scenario": lesson.resolved_scenario()})


def table(rows: list[Row]) -> str:
    head = ("student", "file", "steps", "quiz 1st", "wrong", "grade", "first step not met")
    body = [
        (
            r.student,
            Path(r.file).name,
            f"{r.steps_passed}/{r.steps}",
            f"{r.quiz_right_first_try}/{r.quizzes}",
            str(r.wrong_quiz_tries),
            "-" if r.error else f"{r.grade:g}",
            ("unusable: " + r.why)
            if r.error
            else (f"{r.first_step_not_met} ({r.why})" if r.first_step_not_met else ""),
        )
        for r in rows
    ]
    widths = [
        max(len(h), *(len(b[i]) for b in body)) if body else len(h) for i, h in enumerate(head)
    ]
    widths[-1] = 0
    last = sum(widths) + 2 * (len(widths) - 1)  # where the free text of the last column starts
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()
        for cells in (head, *body)
    ]
    lines[1:] = [hang(line, last) for line in lines[1:]]  # (the heading stays one line)
    return "\n".join(lines)


def summary(rows: list[Row], lesson: Lesson) -> str:
    graded = [r for r in rows if not r.error]
    if not graded:
        return f"{len(rows)} attempt{'s' * (len(rows) != 1)}, none could be graded"
    grades = [r.grade for r in graded]
    complete = sum(r.steps_passed == r.steps and not r.first_step_not_met for r in graded)
    text = (
        f"{len(rows)} attempt{'s' * (len(rows) != 1)} at {lesson.id}: {complete} complete; grade mean "
        f"{statistics.fmean(grades):.1f}, median {statistics.median(grades):g}, lowest "
        f"{min(grades):g}; {sum(r.wrong_quiz_tries for r in graded)} wrong quiz tries"
    )
    stuck: dict[str, int] = {}
    for r in graded:
        if r.first_step_not_met:
            stuck[r.first_step_not_met] = stuck.get(r.first_step_not_met, 0) + 1
    if stuck:
        where, count = max(stuck.items(), key=lambda kv: kv[1])
        plural = "s" if count != 1 else ""
        text += f"\nmost often the first step not met: step {where} ({count} attempt{plural})"
    unusable = len(rows) - len(graded)
    if unusable:
        text += f"\n{unusable} attempt file{'s' if unusable != 1 else ''} could not be graded"
    return text


def csv_text(rows: list[Row]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for r in rows:
        writer.writerow([getattr(r, c) for c in COLUMNS])
    return out.getvalue()


def grade_files(
    ref: str,
    paths: list[str],
    *,
    csv_path: str | None,
    as_json: bool,
    seed: int | None,
    stdout: TextIO,
    stderr: TextIO,
) -> int:
    """The ``grade`` command: 0 when every attempt was graded (whatever its grade), 2 when
    the lesson cannot be used or an attempt file could not be graded (its row says why), 1
    when the CSV file cannot be written."""
    try:
        lesson = resolved(load_lesson(ref))
    except ScenarioError as exc:
        for problem in exc.problems:
            print(problem, file=stderr)
        return 2
    if lesson.is_presentation:
        print(
            f"smtp-sim grade: {ref} is a presentation (no [[steps]]): nothing to grade", file=stderr
        )
        return 2
    rows = [grade_one(lesson, path, seed=seed) for path in paths]
    if as_json:
        for r in rows:
            print(json.dumps(r.as_json(), ensure_ascii=False), file=stdout)
    else:
        print(table(rows), file=stdout)
        print(wrap(summary(rows, lesson)), file=stdout)
    status = 2 if any(r.error for r in rows) else 0
    if csv_path is not None:
        try:
            Path(csv_path).write_text(csv_text(rows), encoding="utf-8", newline="")
        except OSError as exc:
            print(f"smtp-sim grade: cannot write {csv_path}: {exc.strerror or exc}", file=stderr)
            return 1
    for r in rows:
        if r.error:
            print(f"smtp-sim grade: {r.file}: not graded: {r.why}", file=stderr)
    return status
