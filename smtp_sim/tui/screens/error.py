"""Shown instead of the app when a lesson or scenario file cannot be used: every problem, one
line each, and how to check the file. Never a traceback."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Footer, Static


class ProblemApp(App):
    TITLE = "smtp-sim: this file cannot be used"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q,escape,ctrl+q", "quit", "Quit", id="problems.quit"),
    ]
    DEFAULT_CSS = """
    #problems { padding: 1 2; }
    #advice { padding: 0 2; color: $text-muted; }
    """

    def __init__(self, what: str, problems: list[str]) -> None:
        super().__init__()
        self.what = what
        self.problems = problems

    def compose(self) -> ComposeResult:
        text = Text(f"{self.what} has problems:\n\n", style="bold red")
        for problem in self.problems:
            text.append(f"  \u2022 {problem}\n")
        with VerticalScroll():
            yield Static(text, id="problems")
            yield Static(Text("Fix them and try again; `smtp-sim check FILE` lists the same "
                              "problems on the command line."), id="advice")
        yield Footer()
