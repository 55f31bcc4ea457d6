"""Shown instead of the app when a lesson or scenario file cannot be used: every problem, one
line each, and how to check the file. Never a traceback.

:class:`ProblemApp` when the command line finds the problem before the app starts (``--listen``);
:class:`ProblemScreen` when the app finds it while loading the lesson after its first frame."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Static

from ..theme import HIGH_CONTRAST

PROBLEM_CSS = """
#problems { padding: 1 2; }
#advice { padding: 0 2; color: $text-muted; }
"""


def compose_problems(what: str, problems: list[str]) -> ComposeResult:
    # (the theme's $error colour; the problems themselves literally: a file name may hold [)
    text = Content.assemble(
        (f"{what} has problems:\n\n", "bold $error"),
        *(Content(f"  \u2022 {problem}\n") for problem in problems),
    )
    with VerticalScroll():
        yield Static(text, id="problems")
        yield Static(
            Text(
                "Fix them and try again; `smtp-sim check FILE` lists the same "
                "problems on the command line."
            ),
            id="advice",
        )
    yield Footer()


class _ProblemPage:
    """The page, for an App or a Screen: what cannot be used and its problems."""

    def __init__(self, what: str, problems: list[str]) -> None:
        super().__init__()
        self.what = what
        self.problems = problems

    def compose(self) -> ComposeResult:
        yield from compose_problems(self.what, self.problems)


class ProblemApp(_ProblemPage, App):
    TITLE = "smtp-sim: this file cannot be used"
    shows_problems = True  # the command exits 2 after it, as `run` and `check` do
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q,escape,ctrl+q", "quit", "Quit", id="problems.quit"),
    ]
    DEFAULT_CSS = PROBLEM_CSS

    def __init__(self, what: str, problems: list[str]) -> None:
        super().__init__(what, problems)
        self.register_theme(HIGH_CONTRAST)  # (--theme, or the remembered theme, may name it)


class ProblemScreen(_ProblemPage, Screen[None]):
    """The same page inside the app; leaving it leaves the app (its own keys are hidden)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q,escape", "app.quit", "Quit", show=False, id="problems.quit"),
    ]
    DEFAULT_CSS = PROBLEM_CSS
