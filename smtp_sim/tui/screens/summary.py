"""The end of a lesson: what was learnt, the commands and ports met, the time taken, the quiz
score, and the next lesson (Enter opens it; Escape stays in the lesson to look around)."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

from ...course.lesson_summary import LessonSummary

#: What the course's ports are for (the console's help and lesson 1's table name the same).
PORT_NAMES = {
    25: "SMTP",
    110: "POP3",
    465: "submission over TLS",
    587: "submission",
    2525: "SMTP (alternative port)",
}


def took(seconds: float) -> str:
    """A duration as a person says it: "under a minute", "1 minute", "12 minutes", "1 h 05"."""
    minutes = int(seconds // 60)
    if minutes < 1:
        return "under a minute"
    if minutes < 60:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{minutes // 60} h {minutes % 60:02d}"


def summary_markdown(summary: LessonSummary, seconds: float | None) -> str:
    lines = [f"# Lesson complete: {summary.title}", "", "## What you learnt", ""]
    lines += [f"- {' '.join(point.split())}" for point in summary.points]
    lines += ["", "## How it went", ""]
    lines.append(f"- **Steps:** {summary.steps_passed} of {summary.steps_total} passed")
    lines.append(f"- **Quiz:** {summary.quiz_line}")
    if summary.commands:
        commands = ", ".join(f"`{verb}`" for verb in summary.commands)
        lines.append(f"- **Commands you typed:** {commands}")
    if summary.ports:
        ports = ", ".join(
            f"{port} ({PORT_NAMES[port]})" if port in PORT_NAMES else str(port)
            for port in summary.ports
        )
        lines.append(f"- **Ports you connected to:** {ports}")
    if seconds is not None:
        lines.append(f"- **Time taken:** {took(seconds)}")
    lines.append("")
    if summary.next_lesson is not None:
        lines.append(
            f"**Next:** {summary.next_lesson[1]}: press **Enter** to open it, "
            "**Escape** to stay here and look around."
        )
    else:
        lines.append(
            "That was the last lesson of the course. **Escape** (or Enter) to stay here; "
            "ctrl+p opens any lesson again."
        )
    return "\n".join(lines)


class SummaryScreen(ModalScreen[str | None]):
    """Dismissed with the next lesson's id (Enter) or None (Escape)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "next", "Next lesson", id="summary.next"),
        Binding("escape,q", "dismiss", "Stay here", id="summary.stay"),
    ]
    DEFAULT_CSS = """
    SummaryScreen { align: center middle; }
    SummaryScreen > VerticalScroll { width: 90%; max-width: 90; height: auto; max-height: 90%;
                                     border: thick $success; background: $surface;
                                     padding: 0 1; }
    """

    def __init__(self, summary: LessonSummary, seconds: float | None = None) -> None:
        super().__init__()
        self.summary = summary
        self.seconds = seconds

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Markdown(summary_markdown(self.summary, self.seconds))

    def action_next(self) -> None:
        following = self.summary.next_lesson
        self.dismiss(following[0] if following is not None else None)
