"""The lesson format: TOML, pure data, never code.

A lesson is a scenario (by id or inline) plus ordered steps. A step has Markdown prose, a task,
automatic checks, progressive hints, an optional quiz, and a solution (the exact input that
solves it, which ``smtp-sim run LESSON --solve`` types to prove the lesson can be solved).
Instructor scenarios use the same file: a timeline of scripted events and grading checks.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..world.scenario import (
    Duration,
    Problem,
    Scenario,
    ScenarioError,
    builtin_dir,
    load_scenario,
    problems_from_validation,
)
from .checks import AnyCheck

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Quiz(_Model):
    """Multiple choice (``choices`` and ``correct``, counted from 1) or a short answer
    (``accept``: accepted variants, compared without case, extra spaces or end punctuation)."""

    question: str
    choices: list[str] = Field(default_factory=list)
    correct: int | None = Field(default=None, ge=1)
    accept: list[str] = Field(default_factory=list)
    explanation: str = ""

    @model_validator(mode="after")
    def _one_kind(self) -> Quiz:
        if self.choices:
            if self.correct is None:
                raise ValueError("a multiple-choice quiz needs `correct` (1 for the first choice)")
            if self.correct > len(self.choices):
                raise ValueError(f"`correct` is {self.correct} but there are only "
                                 f"{len(self.choices)} choices")
            if self.accept:
                raise ValueError("use either `choices` with `correct`, or `accept`, not both")
        elif not self.accept:
            raise ValueError("a quiz needs `choices` with `correct`, or `accept` (short answer)")
        return self

    def grade(self, answer: str) -> bool:
        given = _normal(answer)
        if self.choices:
            assert self.correct is not None
            letter = chr(ord("a") + self.correct - 1)
            right = _normal(self.choices[self.correct - 1])
            return given in (letter, str(self.correct), right)
        return given in {_normal(a) for a in self.accept}

    @property
    def solution(self) -> str:
        if self.choices:
            assert self.correct is not None
            return chr(ord("a") + self.correct - 1)
        return self.accept[0]


def _normal(text: str) -> str:
    return " ".join(text.casefold().split()).strip(" .!?;:'\"`")


class Step(_Model):
    id: str
    title: str
    text: str  # Markdown shown in the lesson panel
    task: str = ""  # one line: what to do now
    checks: list[AnyCheck] = Field(default_factory=list)
    hints: list[str] = Field(default_factory=list)
    quiz: Quiz | None = None
    solution: list[str] = Field(default_factory=list)

    @field_validator("id")
    @classmethod
    def _slug(cls, v: str) -> str:
        if not _SLUG.match(v):
            raise ValueError("a step id is lower-case letters, digits and hyphens, like "
                             "`send-helo`")
        return v

    @model_validator(mode="after")
    def _something_to_do(self) -> Step:
        if not self.checks and self.quiz is None:
            raise ValueError("a step needs `checks` or a `quiz`: no step is only text to read")
        return self


class TimelineEvent(_Model):
    """Something scripted: a narration, a pause for the presenter, a fault, a message sent."""

    at: Duration = 0.0
    action: Literal["narrate", "pause", "fault", "send"]
    text: str = ""
    fault: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    sender: str | None = Field(default=None, alias="from")
    to: list[str] = Field(default_factory=list)
    subject: str = ""
    body: str = ""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    @model_validator(mode="after")
    def _complete(self) -> TimelineEvent:
        if self.action == "fault" and not self.fault:
            raise ValueError("a fault event needs `fault` (its kind, e.g. host-down)")
        if self.action == "send" and (not self.sender or not self.to):
            raise ValueError("a send event needs `from` and `to`")
        if self.action in ("narrate", "pause") and not self.text:
            raise ValueError(f"a {self.action} event needs `text`")
        return self


class Lesson(_Model):
    id: str
    title: str
    summary: str
    topics: list[str] = Field(default_factory=list)
    minutes: int = Field(default=10, ge=1, le=240)
    order: int | None = None  # position in the built-in course
    scenario: str | Scenario = "classroom"
    console: str | None = None  # the host whose terminal the student types at
    timeline: list[TimelineEvent] = Field(default_factory=list)
    grading: list[AnyCheck] = Field(default_factory=list)
    steps: list[Step] = Field(min_length=1)

    @field_validator("id")
    @classmethod
    def _slug(cls, v: str) -> str:
        if not _SLUG.match(v):
            raise ValueError("a lesson id is lower-case letters, digits and hyphens")
        return v

    @model_validator(mode="after")
    def _unique_steps(self) -> Lesson:
        seen: set[str] = set()
        for step in self.steps:
            if step.id in seen:
                raise ValueError(f"two steps have the id {step.id!r}")
            seen.add(step.id)
        return self

    def resolved_scenario(self) -> Scenario:
        if isinstance(self.scenario, Scenario):
            return self.scenario
        return load_scenario(self.scenario)


class LessonError(ScenarioError):
    """A lesson file is invalid; ``problems`` lists every one, one line each."""


def is_lesson_file(data: dict[str, Any]) -> bool:
    return "steps" in data


def load_lesson(ref: str | Path) -> Lesson:
    """Load a lesson from a path or a built-in id. Raises LessonError with every problem."""
    path = _find(ref)
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise LessonError([Problem(source, None, "", f"cannot read the file: {exc.strerror}")])
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = _toml_line(str(exc))
        raise LessonError([Problem(source, line, "", f"not valid TOML: {exc}")]) from None
    try:
        lesson = Lesson.model_validate(data)
    except ValidationError as exc:
        raise LessonError(problems_from_validation(exc, source, text)) from None
    if isinstance(lesson.scenario, str):
        try:
            lesson.resolved_scenario()
        except ScenarioError as exc:
            raise LessonError([Problem(source, _line_of(text, "scenario"), "scenario",
                                       f"scenario {lesson.scenario!r}: {p.message}")
                               for p in exc.problems]) from None
    return lesson


def _line_of(text: str, key: str) -> int | None:
    for i, line in enumerate(text.splitlines(), 1):
        if line.strip().startswith(f"{key} ") or line.strip().startswith(f"{key}="):
            return i
    return None


def _toml_line(message: str) -> int | None:
    match = re.search(r"line (\d+)", message)
    return int(match.group(1)) if match else None


def _find(ref: str | Path) -> Path:
    path = Path(ref)
    if path.suffix == ".toml" or path.exists() or "/" in str(ref):
        return path
    candidate = builtin_dir() / f"{ref}.toml"
    if candidate.exists():
        return candidate
    known = ", ".join(lesson_ids()) or "none"
    raise LessonError([Problem(str(ref), None, "", f"no lesson file or built-in lesson named "
                                                     f"{ref!r} (built-in: {known})")])


def builtin_lessons() -> list[Lesson]:
    """The built-in course, in order."""
    lessons = []
    for path in sorted(builtin_dir().glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        if is_lesson_file(data):
            lessons.append(load_lesson(path))
    return sorted(lessons, key=lambda le: (le.order if le.order is not None else 999, le.id))


def lesson_ids() -> list[str]:
    out = []
    for path in sorted(builtin_dir().glob("*.toml")):
        try:
            if is_lesson_file(tomllib.loads(path.read_text(encoding="utf-8"))):
                out.append(path.stem)
        except (OSError, tomllib.TOMLDecodeError):
            continue
    return out
