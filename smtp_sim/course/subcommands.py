"""The course's command-line functions: ``lessons``, ``check``, ``schema`` and running a lesson
with ``--solve`` or ``--answers``. ``cli.py`` parses the options and calls these."""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import TextIO

from ..scenario.builtin import list_builtin
from ..scenario.files import parse_document, parse_scenario, read_document
from ..scenario.model import Scenario
from ..scenario.problems import Issue, ScenarioError, TomlLocator, to_problems
from ..textio import hang, wrap
from ..world.world import World
from .authoring import explain_issues
from .grading import Grade, grade_attempt, read_attempt, solve
from .lesson import Lesson, builtin_lessons, is_lesson_source, parse_lesson
from .progress import ProgressStore
from .session import LessonSession

#: ``exports(world, presentation) -> exit status``: what ``smtp-sim run`` writes after a run.
Exports = Callable[[World, bool], int]

#: The JSON Schemas shipped for editors (``python -m smtp_sim.course.subcommands`` rewrites them).
SCHEMA_DIR = Path(str(resources.files("smtp_sim") / "schema"))


def is_lesson(ref: str) -> bool:
    try:
        source, _ = read_document(ref)
    except ScenarioError:
        return False
    return is_lesson_source(source)


def run_lesson(
    ref: str,
    *,
    answers: str | None,
    seed: int | None,
    stdout: TextIO,
    stderr: TextIO,
    exports: Exports | None = None,
    report: str = "text",
    student: str | None = None,
) -> int:
    """Grade a lesson (its own solutions, or ``answers``) and print the report; a
    presentation (no steps) is played to its end instead. ``exports(world, presentation)``
    then writes what the command line asked for (the trace, the flow diagram) and returns
    an exit status; for a presentation it is where the trace goes."""
    try:
        source, file = read_document(ref)
        if not is_lesson_source(source):
            print(
                wrap(_not_a_lesson(ref, file, "--answers" if answers is not None else "--solve")),
                file=stderr,
            )
            return 2
        lesson = parse_lesson(source, file)
    except ScenarioError as exc:
        for problem in exc.problems:
            print(problem, file=stderr)
        return 2
    if lesson.is_presentation and answers is None:
        session = LessonSession(lesson, seed=seed)
        session.run_idle()
        return exports(session.world, True) if exports is not None else 0
    if answers is not None:
        try:
            attempt = read_attempt(answers)
        except ValueError as exc:  # AttemptError: every problem, one line each
            for line in str(exc).splitlines():
                print(f"smtp-sim run: {line}", file=stderr)
            return 2
        if attempt.lesson is not None and attempt.lesson != lesson.id:
            print(
                wrap(
                    f"smtp-sim run: {answers} is an attempt at the lesson "
                    f"{attempt.lesson!r}, not {lesson.id!r}"
                ),
                file=stderr,
            )
            return 2
        grade: Grade = grade_attempt(
            lesson, attempt, seed=seed if seed is not None else attempt.seed
        )
    else:
        for warning in lesson_warnings(lesson, source, file):
            print(warning, file=stderr)
        grade = solve(lesson, seed=seed)
    for warning in grade.warnings:
        print(wrap(f"smtp-sim run: warning: {warning}"), file=stderr)
    if report == "json":  # the object `smtp-sim grade --json` prints for each attempt
        from .gradebook import row

        who = (
            student
            or (attempt.student if answers is not None else None)
            or (Path(answers).stem if answers is not None else "(solution)")
        )
        print(
            json.dumps(
                row(lesson, grade, who, answers or "(solution)").as_json(), ensure_ascii=False
            ),
            file=stdout,
        )
    else:
        print(grade.report(), file=stdout)  # (one line an item, as scripts read it: not wrapped)
    if exports is not None and grade.world is not None:
        status = exports(grade.world, False)
        if status:
            return status
    return grade.exit_status


def _not_a_lesson(ref: str, file: str, option: str) -> str:
    """What ``run SCENARIO --solve`` (or ``--answers``) says: a scenario has nothing to grade."""
    try:
        ids = ", ".join(lesson.id for lesson in builtin_lessons())
    except ScenarioError:
        ids = ""
    known = f"the built-in lessons: {ids}; " if ids else ""
    name = ref if ref == file else f"{ref} ({file})"
    return (
        f"smtp-sim run: {name} is a scenario (a network, with no [[steps]]), not a lesson: "
        f"{option} needs a lesson ({known}`smtp-sim lessons` lists them). Without "
        f"{option}, `smtp-sim run {ref}` runs the scenario and prints its trace."
    )


def list_lessons(stdout: TextIO, stderr: TextIO) -> int:
    store = ProgressStore()
    progress = store.load()
    if progress.warning:
        print(wrap(f"warning: {progress.warning}"), file=stderr)
    try:
        lessons = builtin_lessons()
    except ScenarioError as exc:
        for problem in exc.problems:
            print(problem, file=stderr)
        return 2
    for n, lesson in enumerate(lessons, 1):
        lp = progress.lessons.get(lesson.id)
        done = len(lp.steps_done) if lp else 0
        total = len(lesson.steps)
        mark = "done" if lp and lp.completed else f"{done}/{total}"
        here = " <- you are here" if progress.current == lesson.id else ""
        before = f"{n:2}. {lesson.id:20} {mark:>6}  {lesson.minutes:3} min  "
        print(hang(f"{before}{lesson.title}{here}", len(before)), file=stdout)
    return 0


def check_files(paths: list[str], stdout: TextIO, stderr: TextIO) -> int:
    """Validate lessons and scenarios; every problem one line; exit 2 if any."""
    bad = 0
    for ref in paths:
        try:
            source, file = read_document(ref)
            if is_lesson_source(source):
                lesson = parse_document(source, Lesson, file)
                kind = "presentation" if lesson.is_presentation else "lesson"
                if _is_builtin(file) and explain_issues(lesson):
                    raise ScenarioError(
                        to_problems(explain_issues(lesson), file, TomlLocator(source))
                    )
                for warning in lesson_warnings(lesson, source, file):
                    print(warning, file=stderr)
            else:
                parse_scenario(source, file)
                kind = "scenario"
        except ScenarioError as exc:
            bad += 1
            for problem in exc.problems:
                print(problem, file=stderr)
            continue
        print(f"{file}: ok ({kind})", file=stdout)
    return 2 if bad else 0


def _is_builtin(file: str) -> bool:
    from ..scenario.builtin import builtin_dir

    try:
        return Path(file).resolve().parent == builtin_dir().resolve()
    except OSError:
        return False


def lesson_warnings(lesson: Lesson, source: str, file: str) -> list[str]:
    """``FILE:LINE: KEY: warning: ...`` for what a lesson may mean but is usually a mistake."""
    issues = [Issue(i.loc, f"warning: {i.message}", i.expected) for i in lesson.warnings()]
    return [str(p) for p in to_problems(issues, file, TomlLocator(source))]


def schemas() -> dict[str, dict]:
    """JSON Schemas of the two file formats, generated from the same pydantic models."""
    out = {}
    for name, model in (("lesson", Lesson), ("scenario", Scenario)):
        schema = model.model_json_schema(by_alias=True)
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["$id"] = f"https://smtp-sim.invalid/{name}.schema.json"
        out[name] = schema
    return out


def schema_text(name: str) -> str:
    return json.dumps(schemas()[name], indent=2, sort_keys=True) + "\n"


def write_schemas(directory: Path = SCHEMA_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name in ("lesson", "scenario"):
        path = directory / f"{name}.schema.json"
        path.write_text(schema_text(name), encoding="utf-8")
        written.append(path)
    return written


def builtin_ids() -> list[str]:
    return list_builtin()


if __name__ == "__main__":  # regenerate the shipped schemas
    for written in write_schemas():
        print(written)
