"""The Export dialog (ctrl+s): what to export, and where (in a terminal) or to the browser."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from ..exporting import EXPORT_KINDS, export_filename


@dataclass(frozen=True)
class ExportChoice:
    kind: str  # an ExportKind id
    directory: Path | None  # None: the browser downloads it (smtp-sim web)
    student: str = ""  # the name or student id typed (put in the attempt and its name)


class ExportScreen(ModalScreen[ExportChoice | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="export.cancel"),
    ]
    DEFAULT_CSS = """
    ExportScreen { align: center middle; }
    ExportScreen > Vertical { width: 72; max-width: 95%; height: auto; max-height: 90%;
                              border: thick $accent; background: $surface; padding: 0 1; }
    ExportScreen #export-title { text-style: bold; color: $accent; margin-bottom: 1; }
    ExportScreen OptionList { height: auto; max-height: 12; }
    ExportScreen #export-dir-label { margin-top: 1; color: $text-muted; }
    ExportScreen #export-note { margin-top: 1; color: $text-muted; }
    """

    def __init__(self, lesson_id: str, directory: Path | None, student: str | None = None) -> None:
        super().__init__()
        self.lesson_id = lesson_id
        self.directory = directory
        self.student = student or ""

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Export", id="export-title")
            yield Static(
                "Your name or student id (in every attempt you export):", id="export-student-label"
            )
            yield Input(
                self.student, placeholder="e.g. Ada Lovelace or 21364589", id="export-student"
            )
            yield OptionList(
                *(Option(Text(kind.label), id=kind.id) for kind in EXPORT_KINDS), id="export-kinds"
            )
            if self.directory is not None:
                yield Static("Into the folder:", id="export-dir-label")
                yield Input(str(self.directory), id="export-dir")
            yield Static(self._note(EXPORT_KINDS[0].id), id="export-note")

    def on_mount(self) -> None:
        # asked once: with no name yet, the name field comes first
        self.query_one("#export-student" if not self.student else "#export-kinds").focus()

    def _typed_student(self) -> str:
        return " ".join(self.query_one("#export-student", Input).value.split())

    def _note(self, kind: str) -> Text:
        name = export_filename(self.lesson_id, kind, self.student)
        where = "your browser downloads it" if self.directory is None else "Enter saves it"
        return Text(f"{name}: {where}. Esc cancels.")

    @on(OptionList.OptionHighlighted)
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id is not None:
            self.query_one("#export-note", Static).update(self._note(event.option.id))

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        directory = None
        if self.directory is not None:
            text = self.query_one("#export-dir", Input).value.strip()
            directory = Path(text).expanduser() if text else self.directory
        assert event.option.id is not None
        student = self._typed_student()
        if event.option.id == "attempt" and not student:
            self.query_one("#export-note", Static).update(
                Text("Type your name or student id first: your teacher grades the attempt by it.")
            )
            self.query_one("#export-student", Input).focus()
            return
        self.dismiss(ExportChoice(event.option.id, directory, student))

    @on(Input.Changed, "#export-student")
    def _student_changed(self) -> None:
        self.student = self._typed_student()
        option = self.query_one(OptionList).highlighted_option
        if option is not None and option.id is not None:
            self.query_one("#export-note", Static).update(self._note(option.id))

    @on(Input.Submitted)
    def _dir_submitted(self) -> None:
        kinds = self.query_one(OptionList)
        kinds.focus()
        if kinds.highlighted is None:
            kinds.highlighted = 0

    def action_cancel(self) -> None:
        self.dismiss(None)
