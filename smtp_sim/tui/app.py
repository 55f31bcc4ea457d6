"""The Textual app: a view over a :class:`Playback` (a lesson or a sandbox) and its trace.

It owns no protocol logic: what the student types goes to the playback; after every change
the views are given the new trace records (or reset after a rebuild). Every action is a Binding
with a description and an id, so the footer, the help screen and the command palette explain
the app, and keys can be remapped.

From the command line the app is given a function that reads the lesson: it paints a first
frame (the header, "Loading lesson..." where the lesson panel and the tabbed views go, the
console's input line), reads the lesson, builds its world and imports the views in a thread,
then mounts the lesson panel, the tabs with their views and the footer in one frame
(``SmtpSimApp(load=...)``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, cast

from textual import events, on
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.reactive import var
from textual.screen import Screen
from textual.widgets import Header, Static, TabbedContent, TabPane

from ..course.progress import Progress, ProgressStore, default_store
from .console_keys import ConsoleActions, placeholder
from .controller import PlaybackController, Severity
from .exporting import ExportActions
from .filtering import KEEP, Keep
from .live import LiveActions, LiveBridge
from .loading import LOADING, TABS, LoadingActions, course_loader, make_views
from .palette import (
    BindingCommands,
    EventFilterCommands,
    ExportCommands,
    FaultCommands,
    LessonCommands,
    TabCommands,
)
from .playing import PlayingActions
from .theme import HIGH_CONTRAST
from .widgets.console import Console
from .widgets.footer import KeyFooter
from .widgets.lesson_panel import LessonPanel

if TYPE_CHECKING:
    from textual.timer import Timer

    from ..bridge.listen import ListenSpec
    from ..course.lesson import Lesson
    from ..course.playback import Playback
    from ..world.trace import Layer, TraceRecord
    from ..world.world import World
    from .widgets.event_list import EventList
    from .widgets.inspector import Inspector

#: The views given every new trace record, by id.
TRACE_VIEWS = ("map", "flow", "events", "mailboxes", "queues")


class _DefaultScreen(Screen[None]):
    # Straight to the console's input line (with "*" the tabs would have it first, and the
    # footer would be built twice before the first frame).
    AUTO_FOCUS = "#line"


class TraceView(Protocol):
    """What the views given trace records have in common (their modules load with the
    lesson, after the first frame)."""

    def reset(self, world: World) -> None: ...
    def advance(self, world: World, new: Sequence[TraceRecord]) -> None: ...


class SmtpSimApp(LoadingActions, PlayingActions, ConsoleActions, LiveActions, ExportActions, App):
    CSS_PATH: ClassVar[list[str | PurePath]] = ["styles/views.tcss", "styles/app.tcss"]
    TITLE = "smtp-sim"
    COMMANDS = App.COMMANDS | {
        BindingCommands,
        EventFilterCommands,
        LessonCommands,
        FaultCommands,
        ExportCommands,
        TabCommands,
    }
    # The palette (BindingCommands) and the help screen list these: "Description (KEY)", the
    # tooltip as the explanation. ctrl+f: the console's input does not use it.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "help", "Help", id="app.help", tooltip="Every key, and how to use the app"),
        Binding("f2", "hint", "Hint", id="lesson.hint", tooltip="A hint for this step"),
        Binding(
            "f3",
            "previous_step",
            "Prev step",
            id="lesson.previous",
            tooltip="The lesson's previous step",
        ),
        Binding("f4", "next_step", "Next step", id="lesson.next", tooltip="The lesson's next step"),
        Binding(
            "f5",
            "play_pause",
            "Play/Pause",
            id="sim.play",
            tooltip="Run the simulation event by event, or pause it",
        ),
        Binding(
            "f6",
            "step_back",
            "Step back",
            id="sim.back",
            tooltip="Undo the last event (the network is replayed up to it)",
        ),
        Binding(
            "f7",
            "step_forward",
            "Step forward",
            id="sim.step",
            tooltip="Run the next scheduled event",
        ),
        Binding(
            "f8",
            "speed",
            "Speed",
            id="sim.speed",
            tooltip="Cycle the playing speed (events per second)",
        ),
        Binding(
            "f9",
            "reset",
            "Reset",
            id="sim.reset",
            tooltip="Back to the start; typed lines stay in the history",
        ),
        Binding(
            "f10",
            "toggle_lesson",
            "Lesson panel",
            id="view.lesson_panel",
            tooltip="Show or hide the lesson panel",
        ),
        Binding(
            "ctrl+t",
            "high_contrast",
            "High contrast",
            id="view.high_contrast",
            tooltip="Switch the high-contrast theme on or off",
        ),
        Binding(
            "ctrl+f",
            "filter_events",
            "Filter events",
            id="events.filter",
            tooltip="Show one layer or one host in the event list",
        ),
        Binding(
            "ctrl+s",
            "export",
            "Export\u2026",
            id="app.export",
            tooltip="Save the transcript, the trace, your attempt or a picture",
        ),
        Binding(
            "ctrl+q",
            "quit",
            "Quit",
            id="app.quit",
            priority=True,
            tooltip="Leave smtp-sim (progress is saved)",
        ),
        Binding(
            "escape",
            "focus_console",
            "Back to the console",
            show=False,
            id="app.console",
            tooltip="Back to the console's input line, from anywhere",
        ),
    ]
    #: Lesson keys: hidden when the lesson has no steps (the sandbox).
    STEP_ACTIONS: ClassVar[frozenset[str]] = frozenset({"hint", "previous_step", "next_step"})
    #: What the footer keeps when the line is too narrow for every key (binding ids, most
    #: important first); F1 and the palette list them all.
    FOOTER_PRIORITY: ClassVar[tuple[str, ...]] = (
        "app.help",
        "lesson.hint",
        "sim.play",
        "sim.step",
        "sim.back",
        "app.quit",
        "events.filter",
        "app.export",
        "lesson.next",
        "lesson.previous",
        "sim.reset",
        "sim.speed",
        "view.lesson_panel",
        "view.high_contrast",
    )

    # Shorter descriptions for a footer too narrow for every key (the tooltips, F1 and the
    # palette keep the full ones).
    FOOTER_SHORT: ClassVar[dict[str, str]] = {
        "lesson.previous": "Prev",
        "lesson.next": "Next",
        "sim.play": "Play",
        "sim.back": "Back",
        "sim.step": "Step",
        "events.filter": "Filter",
        "app.export": "Export",
        "view.lesson_panel": "Panel",
        "view.high_contrast": "Contrast",
    }

    def __init__(
        self,
        lesson: Lesson | None = None,
        *,
        load: Callable[[], Lesson] | None = None,
        load_name: str = "The course",
        sandbox: bool = False,
        store: ProgressStore | None = None,
        seed: int | None = None,
        listen: Sequence[ListenSpec] | None = None,
        export_dir: str | Path | None = None,
    ) -> None:
        """Give ``lesson``, or ``load``: a function that reads the lesson, called in a thread
        after the first frame is on screen (the command line's way: the views and the lesson
        panel show "Loading lesson..." for a moment); a ScenarioError it raises is shown as the
        problem page for ``load_name``. Until the lesson is on screen only Help, Quit and the
        theme work, and lines typed are entered once it is (:attr:`is_loaded`).

        ``listen`` (with ``lesson`` only): real ports in front of the scenario's servers
        (``--listen``); raises ListenError when one names nothing in the scenario.
        ``export_dir``: where exports go (default: the current directory)."""
        super().__init__()
        if (lesson is None) == (load is None):
            raise TypeError("SmtpSimApp needs a lesson or a load function (not both)")
        self.controller = PlaybackController(self, store=store, seed=seed, sandbox=sandbox)
        self._loading = load
        self._load_name = load_name
        self._problems: list[str] | None = None
        self._typed_while_loading: list[str] = []
        self._on_loaded: list[Callable[[], object]] = []
        if lesson is not None:
            from ..course.playback import Playback

            # (opened once mounted: open() tells the views)
            self.controller.progress = store.load() if store is not None else Progress()
            self.controller.lesson = lesson
            self.controller.playback = Playback(lesson, seed=seed)
        self._generation = -1
        self._shown_playback: Playback | None = None
        self._log_seen = 0
        self._explained = 0
        self._shown_now = 0.0  # the virtual time the views last showed
        self._timer: Timer | None = None
        self.export_dir = Path(export_dir) if export_dir is not None else None
        self.live: LiveBridge | None = None
        if listen is not None:
            if lesson is None:
                raise TypeError("listen needs the lesson itself, not a load function")
            self.live = LiveBridge(
                self.playback.world, listen, self.post_message, on_error=self._live_error
            )
            self.controller.live = self.live
        self.register_theme(HIGH_CONTRAST)

    # -- the controller's state, and what it tells the app ------------------------------------

    @property
    def playback(self) -> Playback:
        return self.controller.playback

    @property
    def lesson(self) -> Lesson:
        return self.controller.lesson

    @property
    def progress(self) -> Progress:
        return self.controller.progress

    @progress.setter
    def progress(self, progress: Progress) -> None:
        self.controller.progress = progress

    @property
    def store(self) -> ProgressStore | None:
        return self.controller.store

    @property
    def seed(self) -> int | None:
        return self.controller.seed

    @property
    def sandbox(self) -> bool:
        return self.controller.sandbox

    #: Bumped by the controller at every change (its one "changed"): the views follow, in
    #: the same handler (a key's effect is on screen with it). Floods are merged before
    #: they get here: the bridge's records by LiveRecords (can_replace), the timer's ticks
    #: by its pace.
    revision: var[int] = var(0, init=False)

    def playback_changed(self) -> None:
        self.revision += 1

    def watch_revision(self) -> None:
        # (none on screen while the app closes, or under another screen: the views catch up
        # at the next change, from their own counts of what they were given)
        if self.query(f"#{TRACE_VIEWS[0]}"):
            self.refresh_views()

    def say(
        self,
        text: str,
        *,
        title: str = "",
        severity: Severity = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        self.notify(text, title=title, severity=severity, timeout=timeout, markup=markup)

    # -- layout -------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        # While the lesson loads: placeholders where the lesson panel and the views go.
        views = make_views() if self._loading is None else {}
        yield Header()
        with Horizontal(id="main"):
            if views:
                yield LessonPanel(id="lesson")
            else:
                yield Static(LOADING, id="lesson-loading")
            with Vertical(id="right"):
                if views:
                    with TabbedContent(id="views"):
                        for title, pane in TABS:
                            with TabPane(title, id=pane):
                                yield views[pane]
                else:  # (the tab bar is the costliest part of the first frame: it comes later)
                    yield Static(LOADING, id="views-loading", classes="loading")
                yield Console(id="console")
                with VerticalScroll(id="explain-box"):  # (a long explanation scrolls)
                    yield Static("", id="explain")
        yield Static("", id="status")
        if views:
            yield KeyFooter()  # the keys that fit the width, most important first
        else:  # (built once the lesson is in: it would be rebuilt as the keys come alive)
            yield Static("", id="footer-loading")

    def get_default_screen(self) -> Screen:
        return _DefaultScreen(id="_default")

    #: Set by the command line (smtp-sim app, lesson, sandbox): a theme picked in the app is
    #: the next run's (tui/settings.py). Apps built in tests remember nothing.
    remember_theme = False

    def on_mount(self) -> None:
        if self.remember_theme:
            from .settings import remember_theme

            self.theme_changed_signal.subscribe(self, lambda theme: remember_theme(theme.name))
        self._start_timer()
        if self._loading is None:
            self._open_first(self.lesson, self.playback)
        else:  # the first frame first: reading the lesson takes longer than drawing it
            self.call_after_refresh(self._start_loading)
        self.query_one(Console).input.focus()
        if self.live is not None:
            self.run_worker(self._start_live(), name="bridge", exit_on_error=False)

    def on_resize(self, event: events.Resize) -> None:
        # The event's size: this handler runs before App's own, which sets self.size.
        self.set_class(event.size.width < 100, "-narrow")
        self.set_class(event.size.height < 30, "-short")

    def _open_first(self, lesson: Lesson, playback: Playback) -> None:
        if self.progress.warning:
            self.notify(self.progress.warning, severity="warning", timeout=10)
        self._load(lesson, playback)

    def _load(self, lesson: Lesson, playback: Playback) -> None:
        self.controller.open(lesson, playback)

    def open_lesson(self, lesson: Lesson) -> None:
        """Switch to another lesson (from the command palette)."""
        if self.controller.open_lesson(lesson):
            self.notify(f"Lesson: {lesson.title}")

    def _show_lesson(self, pb: Playback) -> None:
        """Another playback than the views show (the first, or another lesson)."""
        lesson = pb.session.lesson
        self.sub_title = lesson.title
        self._generation = -1
        self.query_one(LessonPanel).display = bool(lesson.steps) or self.size.width >= 100
        # (another lesson: nothing of the last one stays in the Inspector, even a record
        # equal to one of the new trace's)
        self._inspector().show(None, pb.world)
        self.refresh_bindings()  # the lesson keys come and go with the steps

    # -- keeping the views true ---------------------------------------------------------------

    def refresh_views(self) -> None:
        pb = self.playback
        if pb is not self._shown_playback:
            self._shown_playback = pb
            self._show_lesson(pb)
        world = pb.world
        views = [cast(TraceView, self.query_one(f"#{view}")) for view in TRACE_VIEWS]
        console = self.query_one(Console)
        log = pb.session.terminal.log
        rebuilt = pb.generation != self._generation
        if rebuilt:
            self._generation = pb.generation
            pb.seen = 0
            pb.new_records()
            for view in views:
                view.reset(world)
            console.show_all(log)
            self._log_seen = len(log)
        else:
            new = pb.new_records()
            if new:
                for view in views:
                    view.advance(world, new)
            elif world.now != self._shown_now:  # time passed quietly (a /wait): the map's clock
                cast(TraceView, self.query_one("#map")).advance(world, ())
            if len(log) > self._log_seen:
                console.add(log[self._log_seen :])
                self._log_seen = len(log)
        self._shown_now = world.now
        self.explain_latest(rebuilt)
        terminal = pb.session.terminal
        console.set_prompt(terminal.prompt, data_mode=terminal.in_data)
        hosts = sorted(world.network.hosts)
        addresses = sorted({box.address for box in world.mailboxes()} | set(world.agents))
        console.set_completions(hosts, addresses, terminal.state == "open")
        console.set_placeholder(placeholder(pb))
        panel = self.query_one(LessonPanel)
        if panel.show(pb.session) and panel.has_focus_within:
            # Another step's quiz: a button or box kept focused there would answer it.
            console.input.focus()
        self._update_status()

    @on(LessonPanel.QuizAnswered)
    def _quiz(self, event: LessonPanel.QuizAnswered) -> None:
        panel = self.query_one(LessonPanel)
        with self.controller.changing():  # (the feedback is set before the panel is shown)
            outcome = self.controller.answer_quiz(event.answer)
            step = outcome.step
            quiz = step.quiz if step is not None else None
            if not outcome.taken:  # (the task comes first)
                panel.quiz_feedback = outcome.said or ""
            elif outcome.correct:
                said = "\u2714 Correct. " + (quiz.explanation if quiz else "")
                panel.quiz_feedback = said
                if outcome.moved_on:  # the panel shows the next step: keep the why in view
                    self.notify(said, title="Quiz", timeout=12, markup=False)
            else:
                hint = ", or press F2 for a hint" if step is not None and step.hints else ""
                why = quiz.why(event.answer) if quiz is not None else ""
                panel.quiz_feedback = (
                    f"\u2718 Not quite: {why} Try again{hint}."
                    if why
                    else f"\u2718 Not quite. Try again{hint}."
                )

    def show_tab(self, pane: str) -> None:
        """Bring the tab ``pane`` (its id, "tab-flow") to the front."""
        self.query_one(TabbedContent).active = pane

    def _select_record(self, record) -> None:
        self._inspector().show(record, self.playback.world)
        self.query_one(TabbedContent).active = "tab-inspector"

    # By name, not @on(EventList.RecordSelected): the views' modules load with the lesson,
    # after the app's first frame.
    def on_event_list_record_selected(self, event: EventList.RecordSelected) -> None:
        self._select_record(event.record)

    def on_flow_diagram_record_selected(self, event: Any) -> None:
        self._select_record(event.record)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        allowed = super().check_action(action, parameters)
        if allowed and action in self.STEP_ACTIONS and self._loading is None:
            lesson = getattr(self, "lesson", None)
            if lesson is not None and not lesson.steps:
                return False  # hidden: a lesson without steps has no hint or next step
        return allowed

    # -- actions ------------------------------------------------------------------------------

    def action_help(self) -> None:
        from .screens.help import HelpScreen

        self.push_screen(HelpScreen(self))

    def action_hint(self) -> None:
        with self.controller.changing():  # (the hint is set before the panel is shown)
            hint = self.controller.hint()
            self.query_one(LessonPanel).hint_text = hint or "No hint for this step."

    def action_previous_step(self) -> None:
        self.controller.go_to_step(self.playback.session.index - 1)

    def action_next_step(self) -> None:
        self.controller.go_to_step(self.playback.session.index + 1)

    def action_toggle_lesson(self) -> None:
        panel = self.query_one(LessonPanel)
        panel.display = not panel.display

    def action_high_contrast(self) -> None:
        self.theme = "textual-dark" if self.theme == HIGH_CONTRAST.name else HIGH_CONTRAST.name

    def action_filter_events(self) -> None:
        """A small palette of the event list's filters (layers, hosts, show all)."""
        from textual.command import CommandPalette

        self.push_screen(
            CommandPalette(
                providers=[EventFilterCommands], placeholder="Filter the event list\u2026"
            )
        )

    @property
    def event_filter(self) -> tuple[frozenset[Layer] | None, str | None]:
        """The event list's filter: (layers, host); None is no filter."""
        events = self._event_list()
        return events.shown_layers, events.host

    def filter_events(
        self, *, layers: Iterable[Layer | str] | Keep | None = KEEP, host: str | Keep | None = KEEP
    ) -> None:
        """Filter the event list (a filter left out stays) and show it."""
        self._event_list().set_filter(layers=layers, host=host)
        self.query_one(TabbedContent).active = "tab-events"  # its border names the filter

    def _event_list(self) -> EventList:
        return cast("EventList", self.query_one("#events"))

    def _inspector(self) -> Inspector:
        return cast("Inspector", self.query_one("#inspector"))

    def apply_fault(self, kind: str, **params: Any) -> None:
        """A fault from the palette (the controller's: the same path as ``/fault``)."""
        self.controller.apply_fault(kind, **params)


def start_lesson(
    lesson_id: str | None = None, *, seed: int | None = None, **options: Any
) -> SmtpSimApp:
    """The app on the course: a given lesson, else where the student left off, else lesson 1,
    read before the app starts. ``options``: the app's other keyword arguments (``listen``,
    ``export_dir``)."""
    store = default_store()
    return SmtpSimApp(course_loader(store, lesson_id)(), store=store, seed=seed, **options)
