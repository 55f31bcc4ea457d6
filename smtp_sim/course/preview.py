"""A lesson's first look, read straight from its TOML: what the app's lesson panel shows while
the lesson is validated (pydantic) and its world built.

Standard library only (tomllib; the placeholders' module when a text names a server, as
``{{postfix-3}}``): no pydantic, no simulation. It reads what the panel shows first: the title,
the steps' titles, the current step's text and its task. Nothing is validated here: a file
that does not read as a lesson gives no preview (None), and the app waits for the validated
lesson, which says what is wrong. Where the lesson opens (the current step, a returning
student's too) is :class:`StepCursor`'s, which the session moves (course/session.py).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..scenario.builtin import builtin_dir, list_builtin, names_a_file

if TYPE_CHECKING:
    from .progress import LessonProgress, Progress


@dataclass
class StepCursor:
    """Which of a lesson's ``count`` steps is current. The session moves it (a step done, the
    app's previous and next step); :meth:`resumed` places it where a returning student's
    session will be once its progress is restored, for the preview."""

    count: int
    index: int = 0

    @property
    def current(self) -> int | None:
        """The current step's index (None: no steps, the sandbox)."""
        return min(self.index, self.count - 1) if self.count else None

    def go_to(self, index: int) -> bool:
        """Make step ``index`` current; False (and nothing moved) when there is none."""
        if 0 <= index < self.count:
            self.index = index
            return True
        return False

    def advance(self) -> bool:
        """The next step is current; False at the last step."""
        return self.go_to(self.index + 1)

    @classmethod
    def resumed(cls, step_ids: Sequence[str], saved: LessonProgress | None) -> StepCursor:
        """Where a lesson opens: a returning student's unfinished lesson has its lines typed
        again, its steps ticking off in order as each passes, so at the first step not done;
        a finished lesson, or one without saved lines, at its first step (see the controller's
        ``_restore_progress``)."""
        cursor = cls(len(step_ids))
        if saved is None or saved.completed or not saved.inputs:
            return cursor
        done = set(saved.steps_done)
        while step_ids[cursor.index] in done and cursor.advance():
            pass
        return cursor


@dataclass(frozen=True)
class LessonPreview:
    """What the lesson panel shows of a lesson before the lesson itself is read."""

    id: str
    title: str
    #: Each step's title, and whether the returning student had done it.
    steps: tuple[str, ...]
    done: tuple[bool, ...]
    #: The current step (:class:`StepCursor`), its text (Markdown) and task line.
    index: int
    text: str
    task: str


def step_task(task: str, has_quiz: bool) -> str:
    """The task line's text: the step's task, else what to do (the panel says it so too)."""
    return task or ("answer the question below" if has_quiz else "see above")


def lesson_file(ref: str) -> Path:
    """The file of ``ref``, a path or a built-in id (as ``read_document`` finds it)."""
    path = Path(ref)
    if names_a_file(ref) or path.exists():
        return path
    return builtin_dir() / f"{ref}.toml"


def preview_lesson(ref: str, progress: Progress | None = None) -> LessonPreview | None:
    """The preview of the lesson ``ref`` (a path or a built-in id), at the step where the
    student left it (``progress``); None when the file does not read as a lesson."""
    try:
        data = tomllib.loads(lesson_file(ref).read_text(encoding="utf-8"))
        return _preview(data, progress)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, KeyError, ValueError, TypeError):
        return None


def _preview(data: dict[str, Any], progress: Progress | None) -> LessonPreview | None:
    steps = data.get("steps")
    ident, title = data.get("id"), data.get("title")
    if not isinstance(ident, str) or not isinstance(title, str) or not steps:
        return None
    if not isinstance(steps, list) or not all(isinstance(s, dict) for s in steps):
        return None
    ids = [str(step.get("id", "")) for step in steps]
    saved = progress.lessons.get(ident) if progress is not None else None
    index = StepCursor.resumed(ids, saved).index
    done = (
        set(saved.steps_done) if saved is not None and saved.inputs and not saved.completed else ()
    )
    step = steps[index]
    return LessonPreview(
        id=ident,
        title=_filled(title),
        steps=tuple(_filled(str(s["title"])) for s in steps),
        done=tuple(s in done for s in ids),
        index=index,
        text=_filled(str(step["text"])),
        task=step_task(_filled(str(step.get("task", ""))), isinstance(step.get("quiz"), dict)),
    )


def _filled(text: str) -> str:
    """``text`` with its placeholders filled, as the lesson's model fills them."""
    if "{{" not in text:
        return text
    from .placeholders import fill_placeholders  # (a server named: the protocol's data)

    return fill_placeholders(text)


_TOP_KEY = re.compile(r"^(id|order)\s*=\s*(\"[^\"]*\"|\d+)", re.M)
_STEPS = re.compile(r"^\s*\[\[steps\]\]", re.M)


def first_lesson_file() -> str | None:
    """The id of the built-in lesson with the lowest ``order`` (lesson 1), found without
    validating every file: its top-level keys read with a regular expression."""
    best: tuple[int, str] | None = None
    directory = builtin_dir()
    for ident in list_builtin():
        try:
            source = (directory / f"{ident}.toml").read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if not _STEPS.search(source):
            continue
        top = source.split("\n[", 1)[0]  # the top-level keys come before the first table
        keys = dict(_TOP_KEY.findall(top))
        order = int(keys["order"]) if keys.get("order", "").isdigit() else 999
        if best is None or (order, ident) < best:
            best = (order, ident)
    return best[1] if best else None
