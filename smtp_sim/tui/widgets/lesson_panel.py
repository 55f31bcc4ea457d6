"""The lesson panel: the steps ticking off, the current step's text, its task, hints and quiz."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Input, Static

from ..literal import literal

if TYPE_CHECKING:
    from textual.await_complete import AwaitComplete
    from textual.widgets import Markdown

    from ...course.session import LessonSession


class LessonPanel(Vertical):
    DEFAULT_CSS = """
    LessonPanel { width: 44; border-right: tall $primary-background; }
    LessonPanel #lesson-title { height: auto; padding: 0 1; text-style: bold; color: $accent; }
    LessonPanel #steps { height: auto; max-height: 10; padding: 0 1; }
    LessonPanel #step-scroll { height: 1fr; }
    LessonPanel #task { height: auto; padding: 0 1; margin-top: 1; text-style: bold; }
    LessonPanel #hint { height: auto; padding: 0 1; color: $warning; }
    LessonPanel #quiz { height: auto; padding: 0 1; }
    LessonPanel #quiz Button { width: 100%; margin-bottom: 0; }
    LessonPanel #complete { height: auto; padding: 1; background: $success 20%; display: none; }
    LessonPanel.-complete #complete { display: block; }
    """

    class QuizAnswered(Message):
        def __init__(self, answer: str) -> None:
            super().__init__()
            self.answer = answer

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._shown: tuple | None = None
        self.hint_text = ""
        self.quiz_feedback = ""
        #: The step text's last update (the Markdown widget mounts it in the background):
        #: await it to know the text is on screen.
        self.text_updated: AwaitComplete | None = None

    def compose(self) -> ComposeResult:
        # Imported here: markdown-it comes with the lesson, not with the app's first frame.
        from textual.widgets import Markdown

        yield Static("", id="lesson-title")
        yield Static("", id="steps")
        with VerticalScroll(id="step-scroll"):
            yield Markdown("", id="step-text")
            yield Static("", id="task")
            yield Static("", id="hint")
            yield Vertical(id="quiz")
        yield Static("", id="complete")

    def show(self, session: LessonSession) -> None:
        """Bring the panel up to date with the session (cheap when nothing changed)."""
        lesson = session.lesson
        step = session.current
        progress = session.progress[session.index] if step is not None else None
        key = (lesson.id, session.index, tuple(session.passed_steps()),
               progress.quiz_correct if progress else None, self.hint_text, self.quiz_feedback)
        if key == self._shown:
            return
        new_step = self._shown is None or self._shown[:2] != key[:2]
        self._shown = key
        self.query_one("#lesson-title", Static).update(literal(lesson.title))
        steps = Text()
        for i, (s, p) in enumerate(zip(lesson.steps, session.progress, strict=True)):
            mark, style = ("\u2714", "green") if p.done else (
                ("\u25b6", "bold") if i == session.index else ("\u00b7", "dim"))
            steps.append(f"{mark} {i + 1}. ", style=style)
            steps.append(s.title + "\n", style=style)
        self.query_one("#steps", Static).update(steps)
        self.set_class(session.complete and bool(lesson.steps), "-complete")
        if session.complete and lesson.steps:
            self.query_one("#complete", Static).update(Text(
                "\u2714 Lesson complete! Every check passed. Choose the next lesson from the "
                "command palette (ctrl+p), or keep exploring.", style="bold"))
        if step is None:
            self.text_updated = self._step_text().update(
                f"## {lesson.title}\n\n{lesson.summary}\n\nFree play: connect with "
                "`telnet HOST PORT`, or inject faults from the command palette.")
            return
        if new_step:
            text = f"### Step {session.index + 1}: {step.title}\n{step.text}"
            self.text_updated = self._step_text().update(text)
            self.query_one("#step-scroll", VerticalScroll).scroll_home(animate=False)
            self._build_quiz(session)
        task = Text("Task: ", style="bold cyan")
        task.append(literal(step.task or "see above"))
        if progress and progress.done:
            task.append("  \u2714 done", style="bold green")
        self.query_one("#task", Static).update(task)
        hint = self.query_one("#hint", Static)
        hint.update(literal(f"Hint: {self.hint_text}") if self.hint_text else "")
        if self.quiz_feedback:
            self.query_one("#quiz-feedback", Static).update(literal(self.quiz_feedback))

    def _step_text(self) -> Markdown:
        from textual.widgets import Markdown

        return self.query_one("#step-text", Markdown)

    def _build_quiz(self, session: LessonSession) -> None:
        box = self.query_one("#quiz", Vertical)
        box.remove_children()
        self.hint_text = ""
        self.quiz_feedback = ""
        step = session.current
        if step is None or step.quiz is None:
            return
        quiz = step.quiz
        widgets = [Static(literal(quiz.question, style="bold"))]
        if quiz.choices:
            for i, choice in enumerate(quiz.choices):
                letter = chr(ord("A") + i)
                button = Button(literal(f"{letter}. {choice}"), id=f"choice-{i}",
                                classes="choice")
                button.quiz_answer = letter.lower()  # type: ignore[attr-defined]
                widgets.append(button)
        else:
            widgets.append(Input(placeholder="your answer, then Enter", id="short-answer"))
        widgets.append(Static("", id="quiz-feedback"))
        box.mount(*widgets)

    @on(Button.Pressed, ".choice")
    def _choice(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(self.QuizAnswered(getattr(event.button, "quiz_answer", "")))

    @on(Input.Submitted, "#short-answer")
    def _short(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.QuizAnswered(event.value))

