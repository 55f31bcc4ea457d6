"""The presenter: ``smtp-sim present SCENARIO|LESSON`` on a projector.

The network map and the flow diagram large, the narration of the timeline in big bold text
under them, the high-contrast theme. One key plays the simulation to the next pause point,
another goes back to the previous one. Readable from the back of a room at 100x30.

Pause points are the timeline's ``pause`` events. A lesson with steps and no pauses is walked
through instead: each "next" types the next step's solution (and answers its quiz), the step's
title and task as the narration. A scenario without pauses stops after each delivery,
deferral, bounce and fault (with whatever else happens at the same virtual moment).
Everything is stepped through the same deterministic :class:`Playback` as the app: going back
rebuilds the world at the clock step where the earlier pause point was reached, so it looks
exactly as it did then.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import PurePath
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Footer, Markdown, Static

from ..course.lesson import Lesson, Quiz
from ..course.playback import Playback
from ..world.trace import Kind, Layer, TraceRecord
from .big_text import headline, render
from .theme import HIGH_CONTRAST
from .widgets.flow_diagram import FlowDiagram
from .widgets.network_map import NetworkMap

SPEED = 20  # events per second while playing to the next pause
MAX_STEPS = 200_000  # events played at most for one "next" (a runaway scenario stops here)
NARRATION_FRAME = 6  # the narration box's borders and padding (presenter.tcss), in columns
_AUTO_STOP_KINDS = frozenset({Kind.STORED, Kind.BOUNCED, Kind.DEFERRED, Kind.FAULT})


def is_pause(record: TraceRecord) -> bool:
    return record.kind is Kind.NARRATION and bool(record.get("pause"))


def is_auto_stop(record: TraceRecord) -> bool:
    """Where a timeline without pauses stops: something worth a word happened."""
    return record.kind in _AUTO_STOP_KINDS or record.layer is Layer.FAULT


def quiz_lines(quiz: Quiz) -> list[str]:
    """A quiz as the room sees it once answered: the question, each choice with its letter,
    the right one marked (a short answer: what is accepted)."""
    lines = [quiz.question]
    if quiz.choices:
        for k, choice in enumerate(quiz.choices, 1):
            mark = "\u2714" if k == quiz.correct else " "
            lines.append(f"{mark} {chr(ord('A') + k - 1)}. {choice}")
    else:
        lines.append("\u2714 " + " / ".join(quiz.accept))
    return lines


class PresenterApp(App):
    CSS_PATH: ClassVar[list[str | PurePath]] = ["styles/views.tcss", "styles/presenter.tcss"]
    TITLE = "smtp-sim presenter"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space,right,n", "next", "Next pause", priority=True, id="present.next"),
        Binding("left,p,backspace", "previous", "Back", priority=True, id="present.previous"),
        Binding("home", "restart", "Start", priority=True, id="present.start"),
        Binding("f1,question_mark", "help", "Help", id="present.help"),
        Binding("ctrl+t", "high_contrast", "Contrast", show=False, id="present.contrast"),
        Binding("q,ctrl+q", "quit", "Quit", priority=True, id="present.quit"),
    ]

    def __init__(self, lesson: Lesson, *, seed: int | None = None, animate: bool = True) -> None:
        """``animate``: play to the next pause at SPEED events a second, so the audience
        sees the message move hop by hop (pressing next again jumps there at once)."""
        super().__init__()
        self.lesson = lesson
        self.playback = Playback(lesson, seed=seed)
        self.plays_to_pause = animate  # (not self.animate: App.animate is a method)
        self.pause_total = sum(1 for event in lesson.timeline if event.action == "pause")
        self.stops: list[int] = [0]  # clock steps of the pause points reached so far
        # A lesson's steps, walked through: how many are shown, the clock step after each.
        self.walkthrough = bool(lesson.steps) and not self.pause_total
        self._label_next_key()
        self.shown = 0
        self._step_stops: list[tuple[int, int]] = [(0, 0)]  # (clock step, inputs) after each
        self.playing = False
        self._timer: Timer | None = None
        self._generation = -1
        self._narration: TraceRecord | None = None
        self.headline = ""  # the narration's words drawn in large letters now, if any
        self.register_theme(HIGH_CONTRAST)
        self.theme = HIGH_CONTRAST.name

    @property
    def stop_word(self) -> str:
        """What "next" goes to in this mode: a lesson's next step, the timeline's next pause,
        or (a scenario without pauses) the next automatic stop."""
        if self.walkthrough:
            return "step"
        return "pause" if self.pause_total else "stop"

    def _label_next_key(self) -> None:
        """Name the "next" key in the footer and the help after what it goes to."""
        description = f"Next {self.stop_word}"
        for bindings in self._bindings.key_to_bindings.values():
            bindings[:] = [
                replace(binding, description=description)
                if binding.id == "present.next"
                else binding
                for binding in bindings
            ]

    # -- layout -------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static("", id="present-bar")
        with Horizontal(id="present-views"):
            yield NetworkMap(id="present-map", compact=True)  # the whole network fits
            yield FlowDiagram(id="present-flow", wide_labels=True)
        with VerticalScroll(id="present-narration-box"):
            yield Static("", id="present-narration")
        yield Footer()

    def on_resize(self, event: events.Resize) -> None:
        # (event.size: this runs before App's own handler has taken the new size)
        self.set_class(event.size.width < 120, "-narrow")
        self.set_class(event.size.height < 30, "-short")
        if self.query("#present-narration"):  # (the headline fits the new width)
            self._show_narration(event.size.width)

    def on_mount(self) -> None:
        self.sub_title = self.lesson.title
        self._timer = self.set_interval(1 / SPEED, self._tick, pause=True)
        self.refresh_views()

    # -- the model ----------------------------------------------------------------------------

    @property
    def narration(self) -> str:
        """The text on screen now: the latest narration (or stop) record, else the title."""
        if self.walkthrough and self.shown:
            step = self.lesson.steps[self.shown - 1]
            lines = [f"Step {self.shown}: {step.title}"]
            if step.task:
                lines.append(step.task)
            if step.quiz is not None:
                lines += quiz_lines(step.quiz)
            return "\n".join(lines)
        if self._narration is not None:
            return self._narration.summary
        return self.lesson.summary or self.lesson.title

    @property
    def pauses_reached(self) -> int:
        return len(self.playback.session.pauses)

    def _stops_at(self, record: TraceRecord) -> bool:
        return is_pause(record) if self.pause_total else is_auto_stop(record)

    def _shows(self, record: TraceRecord) -> bool:
        if record.kind is Kind.NARRATION:
            return True
        return not self.pause_total and is_auto_stop(record)

    def _step(self) -> bool:
        """One event; True when it reached a pause point (or the end)."""
        pb = self.playback
        seen = len(pb.world.trace)
        if not pb.step_forward():
            return True
        if any(self._stops_at(r) for r in pb.world.trace.records[seen:]):
            if self.pause_total:
                return True
            # An automatic stop waits for the rest of its moment (a list's other members).
            while pb.world.clock.peek() == pb.world.now and pb.step_forward():
                pass
            return True
        return False

    # -- actions ------------------------------------------------------------------------------

    def action_next(self) -> None:
        if self.walkthrough:
            self._type_next_step()
            return
        if self.playing:
            self._finish()
            return
        if self.playback.at_end:
            self.notify("The end: nothing more is scheduled.")
            return
        if self.plays_to_pause:
            self.playing = True
            if self._timer is not None:
                self._timer.resume()
            self._update_bar()
        else:
            self._finish()

    def action_previous(self) -> None:
        self._stop_playing()
        if self.walkthrough:
            if self.shown == 0:
                self.notify("This is the beginning.")
                return
            self.shown -= 1
            steps, inputs = self._step_stops[self.shown]
            self.playback.go_to_step(steps, inputs=inputs)
            self.refresh_views()
            return
        now = self.playback.steps
        earlier = [s for s in self.stops if s < now]
        if not earlier:
            self.notify("This is the beginning.")
            return
        self.playback.go_to_step(earlier[-1])
        self.refresh_views()

    def action_restart(self) -> None:
        self._stop_playing()
        self.shown = 0
        self.playback.reset()
        self.refresh_views()

    def action_help(self) -> None:
        self.push_screen(PresenterHelp(self._help_bindings()))

    def _help_bindings(self) -> list[BindingType]:
        """The class bindings, the "next" key described for this mode (as in the footer)."""
        description = f"Next {self.stop_word}"
        return [
            replace(binding, description=description)
            if isinstance(binding, Binding) and binding.id == "present.next"
            else binding
            for binding in self.BINDINGS
        ]

    def action_high_contrast(self) -> None:
        self.theme = "textual-dark" if self.theme == HIGH_CONTRAST.name else HIGH_CONTRAST.name

    def _tick(self) -> None:
        if self._step():
            self._arrive()
        else:
            self.refresh_views()

    def _type_next_step(self) -> None:
        """Walk-through: type the next step's solution as a student would, answer its quiz."""
        steps = self.lesson.steps
        if self.shown >= len(steps):
            self.notify(f"That was the last of the {len(steps)} steps.")
            return
        step = steps[self.shown]
        for line in step.solution:  # (a quiz is answered by the solution's /answer line)
            self.playback.enter(line)
        self.shown += 1
        del self._step_stops[self.shown :]
        self._step_stops.append((self.playback.steps, len(self.playback.session.inputs)))
        self.refresh_views()

    def _finish(self) -> None:
        for _ in range(MAX_STEPS):
            if self._step():
                break
        self._arrive()

    def _arrive(self) -> None:
        self._stop_playing()
        steps = self.playback.steps
        if steps not in self.stops:
            self.stops.append(steps)
            self.stops.sort()
        self.refresh_views()

    def _stop_playing(self) -> None:
        self.playing = False
        if self._timer is not None:
            self._timer.pause()

    # -- the views ----------------------------------------------------------------------------

    def refresh_views(self) -> None:
        pb = self.playback
        world = pb.world
        views = (self.query_one(NetworkMap), self.query_one(FlowDiagram))
        if pb.generation != self._generation:
            self._generation = pb.generation
            pb.seen = 0
            new = pb.new_records()
            self._narration = None
            for view in views:
                view.reset(world)
        else:
            new = pb.new_records()
            if new:
                for view in views:
                    view.advance(world, new)
        for record in reversed(new):
            if self._shows(record):
                self._narration = record
                break
        self._show_narration()
        self._update_bar()

    def _show_narration(self, screen_width: int | None = None) -> None:
        """The narration, its headline in large letters when one fits the box's width: the
        author's ``headline``, a walked-through step's title, the title card's lesson title,
        else the narration's first clause when that is short enough."""
        shown = self.query_one("#present-narration", Static)
        width = (screen_width or self.size.width) - NARRATION_FRAME
        text = self.narration
        big: tuple[str, str, str] | None = None
        walked = self.walkthrough and self.shown
        if walked:
            step = self.lesson.steps[self.shown - 1]
            rest = text.partition("\n")[2]
            drawn = render(step.title, width)
            big = (step.title, drawn, rest) if drawn else None
        elif self._narration is not None and self._narration.get("headline"):
            words = str(self._narration.get("headline"))
            drawn = render(words, width)
            big = (words, drawn, text) if drawn else None
        elif self._narration is None:  # the title card
            drawn = render(self.lesson.title, width)
            big = (self.lesson.title, drawn, text) if drawn else None
        if big is None and not walked:  # (a step: its title or nothing; "Step 3" says little)
            big = headline(text, width)
        self.headline = big[0] if big else ""
        if big is None:
            shown.update(Text(text, style="bold"))
            return
        out = Text(big[1], style="bold")
        if big[2]:
            out.append("\n" + big[2], style="bold")
        shown.update(out)

    def _update_bar(self) -> None:
        pb = self.playback
        bar = Text()
        bar.append(f" {self.lesson.title} ", style="bold reverse")
        if self.walkthrough:
            bar.append(f"  step {self.shown} of {len(self.lesson.steps)}")
        elif self.pause_total:
            bar.append(f"  pause {self.pauses_reached} of {self.pause_total}")
        else:
            bar.append(f"  stop {sum(1 for s in self.stops if 0 < s <= pb.steps)}")
        bar.append(f"   t = {pb.world.now:,.3f} s")
        if self.playing:
            bar.append(f"   \u25b6 playing (space: jump to the {self.stop_word})", style="bold")
        elif pb.at_end:
            bar.append("   the end", style="bold")
        self.query_one("#present-bar", Static).update(bar)


class PresenterHelp(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f1,question_mark,q", "dismiss", "Close help", id="present-help.close"),
    ]
    DEFAULT_CSS = """
    PresenterHelp { align: center middle; }
    PresenterHelp > VerticalScroll { width: 80%; max-width: 90; height: 80%;
                                     border: thick $accent; background: $surface; }
    """

    def __init__(self, bindings: list[BindingType]) -> None:
        super().__init__()
        self._keys = bindings

    def compose(self) -> ComposeResult:
        rows = [
            "# Presenter",
            "",
            "Space plays the simulation to the next pause of the timeline; the narration "
            "shows under the map and the flow diagram. Back returns to the previous pause "
            "exactly as it was. A lesson without pauses is walked through: space types "
            "the next step's solution. A scenario without pauses stops after each "
            "delivery, deferral, bounce and fault.",
            "",
            "| keys | action |",
            "| --- | --- |",
        ]
        for binding in self._keys:
            if isinstance(binding, Binding):
                rows.append(f"| `{binding.key}` | {binding.description} |")
        with VerticalScroll():
            yield Markdown("\n".join(rows))
