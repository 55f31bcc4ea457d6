"""The course overview: every lesson of the course in order, with the student's progress
(done, steps ticked so far, not begun); Enter opens the one selected."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ...course.lesson import Lesson
from ...course.progress import Progress


def progress_label(lesson: Lesson, progress: Progress) -> tuple[str, str]:
    """(a mark, a word on it) for a lesson: done, N of M steps, or not begun."""
    record = progress.lessons.get(lesson.id)
    total = len(lesson.steps)
    if record is not None and record.completed:
        return "\u2714", "done"
    done = len(set(record.steps_done) & {s.id for s in lesson.steps}) if record else 0
    if done:
        return "\u25d1", f"{done} of {total} steps"
    return "\u00b7", "not begun"


def lessons_done(lessons: list[Lesson], progress: Progress) -> str:
    done = sum(1 for lesson in lessons if progress_label(lesson, progress)[1] == "done")
    return f"{done} of {len(lessons)} lessons done"


def course_overview(lessons: list[Lesson], progress: Progress) -> list[Text]:
    """One line a lesson: its mark, number, title, minutes and progress."""
    rows = []
    for n, lesson in enumerate(lessons, 1):
        mark, word = progress_label(lesson, progress)
        row = Text()
        row.append(f"{mark} ", style="bold green" if word == "done" else "")
        row.append(f"{n:>2}. {lesson.title}", style="bold" if lesson.id == progress.current else "")
        row.append(f"  ({lesson.minutes} min)  {word}", style="dim")
        rows.append(row)
    return rows


class CourseScreen(ModalScreen[str | None]):
    """Dismissed with the chosen lesson's id, or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "dismiss", "Close", id="course.close"),
    ]
    DEFAULT_CSS = """
    CourseScreen { align: center middle; }
    CourseScreen > Vertical { width: 90%; max-width: 90; height: auto; max-height: 90%;
                              border: thick $accent; background: $surface; }
    CourseScreen #course-heading { padding: 0 1; text-style: bold; }
    CourseScreen OptionList { height: auto; max-height: 100%; border: none; }
    """

    def __init__(self, lessons: list[Lesson], progress: Progress) -> None:
        super().__init__()
        self.lessons = lessons
        self.progress = progress

    def compose(self) -> ComposeResult:
        rows = course_overview(self.lessons, self.progress)
        with Vertical():
            yield Static(
                "The course \u2014 "
                + lessons_done(self.lessons, self.progress)
                + ". Enter opens a lesson, Escape closes.",
                id="course-heading",
            )
            options = [
                Option(row, id=lesson.id) for row, lesson in zip(rows, self.lessons, strict=True)
            ]
            yield OptionList(*options)

    def on_mount(self) -> None:
        ids = [lesson.id for lesson in self.lessons]
        if self.progress.current in ids:
            self.query_one(OptionList).highlighted = ids.index(self.progress.current)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)
