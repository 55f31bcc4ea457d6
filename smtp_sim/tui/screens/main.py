"""The main screen: a lesson (or the sandbox) and its network.

The lesson panel on the left; on the right the views in tabs (map, flow, events, inspector,
mailboxes, queues), the console and the explanation of the last reply; the status line and
the footer at the bottom. Everything the keys, the console and the palette do to the
playback goes through the :class:`~smtp_sim.tui.controller.PlaybackController` (no Textual),
which tells this screen once per change: its ``revision`` goes up, and the views follow in
the watcher (:meth:`MainScreen.watch_revision`). No caller refreshes a view.

From the command line the screen is given a function that reads the lesson: it paints a
first frame (the header, "Loading lesson..." where the lesson panel and the tabbed views go,
the console's input line), reads the lesson, builds its world and imports the views in a
thread, then mounts the lesson panel, the tabs with their views and the footer in one frame.
"""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, cast

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.command import Provider
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.reactive import var
from textual.screen import Screen
from textual.widgets import Header, Input, Static, TabbedContent, TabPane

from ...course.progress import Progress, ProgressStore
from ..console_text import explanation, latest_reply, placeholder, pop3_explanation
from ..controller import SPEEDS, PlaybackController, Severity
from ..exporting import export_content, export_filename
from ..filtering import KEEP, Keep
from ..keys import MAIN_KEYS
from ..live import REFRESH, LiveBridge, LiveRecords
from ..loading import LOADING, TABS, make_views, prepare
from ..palette import (
    BindingCommands,
    EventFilterCommands,
    ExportCommands,
    FaultCommands,
    LessonCommands,
    TabCommands,
)
from ..textual_private import forward_key
from ..widgets.console import Console
from ..widgets.footer import KeyFooter
from ..widgets.lesson_panel import LessonPanel
from ..widgets.record_lines import RecordLines

if TYPE_CHECKING:
    from textual.timer import Timer
    from textual.widget import Widget

    from ...bridge.listen import ListenSpec
    from ...course.lesson import Lesson
    from ...course.playback import Playback
    from ...world.trace import Layer, TraceRecord
    from ..widgets.event_list import EventList
    from ..widgets.inspector import Inspector


class MainScreen(Screen[None]):
    """The lesson or sandbox: its keys, its palette commands, its views (see the module)."""

    # Straight to the console's input line (with "*" the tabs would have it first, and the
    # footer would be built twice before the first frame).
    AUTO_FOCUS = "#line"
    #: The main screen's keys (tui/keys.py: the app-wide ones are the App's).
    BINDINGS: ClassVar[list[BindingType]] = list(MAIN_KEYS)
    COMMANDS: ClassVar[set[type[Provider] | Callable[[], type[Provider]]]] = {
        BindingCommands,
        EventFilterCommands,
        LessonCommands,
        FaultCommands,
        ExportCommands,
        TabCommands,
    }
    #: Lesson keys: hidden when the lesson has no steps (the sandbox).
    STEP_ACTIONS: ClassVar[frozenset[str]] = frozenset({"hint", "previous_step", "next_step"})
    #: The screen's actions that work before the lesson is on screen (none: dimmed).
    OWN_ACTIONS: ClassVar[frozenset[str]] = frozenset(key.action for key in MAIN_KEYS)

    #: Bumped by the controller at every change (its one "changed"): the views follow, in
    #: the same handler (a key's effect is on screen with it). Floods are merged before
    #: they get here: the bridge's records by LiveRecords (can_replace), the timer's ticks
    #: by its pace.
    revision: var[int] = var(0, init=False)

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
        """See :class:`~smtp_sim.tui.app.SmtpSimApp`, which passes its arguments on."""
        super().__init__(id="_default")
        if (lesson is None) == (load is None):
            raise TypeError("SmtpSimApp needs a lesson or a load function (not both)")
        self.controller = PlaybackController(self, store=store, seed=seed, sandbox=sandbox)
        self._loading = load
        self._load_name = load_name
        self._problems: list[str] | None = None
        self._typed_while_loading: list[str] = []
        self._on_loaded: list[Callable[[], object]] = []
        if lesson is not None:
            from ...course.playback import Playback

            # (opened once mounted: open() tells the views)
            self.controller.progress = store.load() if store is not None else Progress()
            self.controller.lesson = lesson
            self.controller.playback = Playback(lesson, seed=seed)
        self._generation = -1
        self._shown_playback: Playback | None = None
        self._log_seen = 0
        self._explained = 0
        self._was_complete = False  # the lesson on screen had passed every step
        self._shown_since = time.monotonic()
        self._timer: Timer | None = None
        self._timer_interval = self.controller.interval
        self._live_timer: Timer | None = None
        self.export_dir = Path(export_dir) if export_dir is not None else None
        self.live: LiveBridge | None = None
        if listen is not None:
            if lesson is None:
                raise TypeError("listen needs the lesson itself, not a load function")
            self.live = LiveBridge(
                self.playback.world, listen, self.post_message, on_error=self._live_error
            )
            self.controller.live = self.live

    # -- the controller's state ---------------------------------------------------------------

    @property
    def playback(self) -> Playback:
        return self.controller.playback

    @property
    def lesson(self) -> Lesson:
        return self.controller.lesson

    @property
    def progress(self) -> Progress:
        return self.controller.progress

    @property
    def store(self) -> ProgressStore | None:
        return self.controller.store

    @property
    def seed(self) -> int | None:
        return self.controller.seed

    @property
    def sandbox(self) -> bool:
        return self.controller.sandbox

    # -- what the controller tells the screen (PlaybackListener) -------------------------------

    def playback_changed(self) -> None:
        self.revision += 1

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

    def pace(self, interval: float, playing: bool) -> None:
        """Tick every ``interval`` seconds while ``playing``."""
        if self._timer is None:
            return
        if interval != self._timer_interval:
            self._timer.stop()
            self._timer_interval = interval
            self._timer = self.set_interval(interval, self.controller.tick, pause=not playing)
        elif playing:
            self._timer.resume()
        else:
            self._timer.pause()

    # -- layout -------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        # While the lesson loads: placeholders where the lesson panel and the views go.
        views = self._bind(make_views(self.controller)) if self._loading is None else {}
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

    def on_mount(self) -> None:
        # The timer that plays, paused until F5 (or a /send) starts it.
        self._timer = self.set_interval(self._timer_interval, self.controller.tick, pause=True)
        if self._loading is None:
            self._open_first(self.lesson, self.playback)
        else:  # the first frame first: reading the lesson takes longer than drawing it
            self.call_after_refresh(self._start_loading)
        self.query_one(Console).input.focus()
        if self.live is not None:
            self.run_worker(self._start_live(), name="bridge", exit_on_error=False)

    @on(events.Resize)
    def _resized(self, event: events.Resize) -> None:
        self.set_class(event.size.width < 100, "-narrow")
        self.set_class(event.size.height < 30, "-short")

    def _open_first(self, lesson: Lesson, playback: Playback) -> None:
        if self.progress.warning:
            self.notify(self.progress.warning, severity="warning", timeout=10)
        self.controller.open(lesson, playback)

    def open_lesson(self, lesson: Lesson) -> None:
        """Switch to another lesson (from the command palette)."""
        if self.controller.open_lesson(lesson):
            self.notify(f"Lesson: {lesson.title}")

    # -- start-up: the first frame before the lesson ------------------------------------------

    @property
    def is_loaded(self) -> bool:
        """True once the lesson is on screen (from the start when given a lesson)."""
        return self._loading is None

    @property
    def shows_problems(self) -> bool:
        """The lesson could not be used: the command exits 2 after the problem page."""
        return self._problems is not None

    def when_loaded(self, callback: Callable[[], object]) -> None:
        """Call ``callback`` once the lesson is on screen: the views filled and the step's
        text mounted (soon, if it is already)."""
        if self._loading is None:
            self.call_next(callback)
        else:
            self._on_loaded.append(callback)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self._loading is not None:
            if action not in self.OWN_ACTIONS:
                return True  # Textual's own (focus, ...)
            if self._problems is not None:
                return False  # the problem page: Quit only
            return None  # dimmed in the footer until the lesson is on screen
        # (hidden: a lesson without steps has no hint or next step)
        return action not in self.STEP_ACTIONS or bool(self.lesson.steps)

    def _start_loading(self) -> None:
        self.run_worker(self._load_in_background(), name="load lesson")

    async def _load_in_background(self) -> None:
        assert self._loading is not None
        try:
            lesson, playback, progress = await asyncio.to_thread(
                prepare, self._loading, self.store, self.seed
            )
        except Exception as exc:
            from ...scenario.problems import ScenarioError

            if not isinstance(exc, ScenarioError):
                raise
            self._show_problems([str(p) for p in exc.problems])
            return
        self.controller.progress = progress
        # One frame with everything: the views filled and the step's text in place.
        with self.app.batch_update():
            await self._mount_views()
            self._loading = None
            self._open_first(lesson, playback)
            self.refresh_bindings()  # the footer's keys, no longer dimmed
            text = self.query_one(LessonPanel).text_updated
            if text is not None:
                await text
        typed, self._typed_while_loading = self._typed_while_loading, []
        for line in typed:
            self._enter(line)
        callbacks, self._on_loaded = self._on_loaded, []
        for callback in callbacks:
            callback()

    async def _mount_views(self) -> None:
        """The lesson panel and the views, in place of the first frame's placeholders."""
        footer = self.query_one("#footer-loading")
        await self.mount(KeyFooter(), before=footer)
        await footer.remove()
        waiting = self.query_one("#lesson-loading")
        await self.query_one("#main").mount(LessonPanel(id="lesson"), before=waiting)
        await waiting.remove()
        waiting = self.query_one("#views-loading")
        tabs = TabbedContent(id="views")
        await self.query_one("#right").mount(tabs, before=waiting)
        await waiting.remove()
        views = make_views(self.controller)
        # (data_bind binds to the screen running the call: this worker runs in the app's)
        bound = asyncio.Event()

        def bind() -> None:
            self._bind(views)
            bound.set()

        self.call_next(bind)
        await bound.wait()
        for title, pane in TABS:
            await tabs.add_pane(TabPane(title, views[pane], id=pane))

    def _bind(self, views: dict[str, Widget]) -> dict[str, Widget]:
        """Each view's ``revision`` follows this screen's (set in the same call)."""
        for view in views.values():
            view.data_bind(MainScreen.revision)
        return views

    def _show_problems(self, problems: list[str]) -> None:
        from .error import ProblemScreen

        self._problems = problems
        self.refresh_bindings()
        self.app.push_screen(ProblemScreen(self._load_name, problems))

    # -- the views follow the playback --------------------------------------------------------

    def watch_revision(self) -> None:
        """After every change the controller tells: the console, the explanation, the lesson
        panel and the status line (none on screen while the app closes). The views follow
        on their own: their ``revision`` is bound to this one (:meth:`_bind`), and each pulls
        what it has not shown from the controller (widgets/following.py)."""
        if not self.query("#map"):
            return
        pb = self.playback
        if pb is not self._shown_playback:
            self._shown_playback = pb
            self._show_lesson(pb)
        world = pb.world
        console = self.query_one(Console)
        log = pb.session.terminal.log
        rebuilt = pb.generation != self._generation
        if rebuilt:
            self._generation = pb.generation
            console.show_all(log)
            self._log_seen = len(log)
        elif len(log) > self._log_seen:
            console.add(log[self._log_seen :])
            self._log_seen = len(log)
        self._explain_latest(rebuilt)
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
        self.query_one("#status", Static).update(self._status())
        self._summary_if_finished(pb)

    # -- the end of a lesson, the course ------------------------------------------------------

    def _summary_if_finished(self, pb: Playback) -> None:
        """The last step has just passed: the summary screen (what was learnt, how it went,
        the next lesson)."""
        session = pb.session
        done = session.complete and bool(session.lesson.steps)
        finished_now = done and not self._was_complete
        self._was_complete = done
        if not finished_now or self.sandbox or self.controller.live_running:
            return
        from ...course.lesson import builtin_lessons
        from ...course.lesson_summary import summarize
        from .summary import SummaryScreen

        summary = summarize(session, builtin_lessons())
        took = time.monotonic() - self._shown_since
        self.app.push_screen(SummaryScreen(summary, took), self._open_by_id)

    def action_course_overview(self) -> None:
        from ...course.lesson import builtin_lessons
        from .course import CourseScreen

        self.app.push_screen(CourseScreen(builtin_lessons(), self.progress), self._open_by_id)

    def _open_by_id(self, lesson_id: str | None) -> None:
        """Open the lesson a summary or the course overview chose (None: stay)."""
        if lesson_id is None:
            return
        from ...course.lesson import builtin_lessons

        lesson = next((le for le in builtin_lessons() if le.id == lesson_id), None)
        if lesson is not None and lesson.id != self.lesson.id:
            self.open_lesson(lesson)

    def _show_lesson(self, pb: Playback) -> None:
        """Another playback than the views show (the first, or another lesson)."""
        lesson = pb.session.lesson
        # (a lesson opened already finished, or resumed, shows no summary until done again)
        self._was_complete = pb.session.complete
        self._shown_since = time.monotonic()  # (the view's clock: how long the student took)
        self.app.sub_title = lesson.title
        self._generation = -1
        self.query_one(LessonPanel).display = bool(lesson.steps) or self.size.width >= 100
        self.refresh_bindings()  # the lesson keys come and go with the steps

    def _status(self) -> Text:
        """Where the playback is: playing or paused, the virtual time, the event, the steps."""
        control = self.controller
        pb = control.playback
        text = Text()
        if control.live_running:  # the bridge runs the clock at wall-clock pace: no pause, no speed
            text.append(" \u25cf live ", style="bold reverse")
            text.append(
                f"  t = {pb.world.now:,.3f} s   event {len(pb.world.trace)}   wall-clock pace (--listen)"
            )
        else:
            playing = self._timer is not None and control.playing
            text.append(" \u25b6 playing " if playing else " \u23f8 paused ", style="bold reverse")
            text.append(
                f"  t = {pb.world.now:,.3f} s   event {len(pb.world.trace)}   speed {SPEEDS[control.speed]}/s"
            )
            if pb.at_end:
                text.append("   (nothing more scheduled)", style="dim")
        if control.lesson.steps:
            done = sum(pb.session.passed_steps())
            text.append(f"   steps {done}/{len(control.lesson.steps)}")
        return text

    # -- the console: lines typed, replies explained, keys routed to it ------------------------

    @on(Console.Submitted)
    def _submitted(self, event: Console.Submitted) -> None:
        self._enter(event.line)

    def _enter(self, line: str) -> None:
        if self._loading is not None:
            if self._problems is None:
                self._typed_while_loading.append(line)  # entered once the lesson is loaded
            return
        answer = self.controller.type_line(line)
        if answer is not None:
            # This reply is explained with the advice for the line typed (the views, when
            # they follow the change, look only at the replies after it).
            self._explained = len(self.playback.session.terminal.output)
            self._explain(
                answer.reply.code,
                answer.reply.enhanced,
                command=answer.command,
                text=" ".join(answer.reply.lines),
            )

    @on(Console.ReplySelected)
    def _reply_selected(self, event: Console.ReplySelected) -> None:
        self._explain(event.reply.code, event.reply.enhanced)

    def _explain_latest(self, rebuilt: bool) -> None:
        """The line under the console follows the replies as they come (a 421 while time
        passes, a reply to a line typed earlier), not only the reply to the last line typed;
        after a rebuild, the last reply of the replayed session (none after a reset)."""
        seen = 0 if rebuilt else self._explained
        self._explained = len(self.playback.session.terminal.output)
        latest = latest_reply(self.playback, seen)
        if latest is not None and latest.reply is not None:
            reply = latest.reply
            self._explain(reply.code, reply.enhanced, text=" ".join(reply.lines))
        elif latest is not None:
            self.query_one("#explain", Static).update(pop3_explanation(latest))
        elif rebuilt:
            self.query_one("#explain", Static).update("")

    def _explain(
        self, code: int, enhanced: str | None, *, command: str | None = None, text: str = ""
    ) -> None:
        said = explanation(self.playback, code, enhanced, command=command, text=text)
        self.query_one("#explain", Static).update(said)
        self.query_one("#explain-box").scroll_home(animate=False)

    def take_typed_key(self, event: events.Key) -> bool:
        """Whatever the student types on this screen reaches the console's input line: a
        printable key, space or Enter while no text box has the focus goes there before
        anything else sees it, in the order typed (after a click on a tab, a mailbox or the
        Inspector, no key of a burst is taken by a binding or left behind while the focus
        moves). Function keys and ctrl combinations stay bindings; a box that takes text
        (the quiz's) keeps its keys. True when the key was taken (the App asks, before it
        gives the key to the focused widget)."""
        if event.key != "enter" and not event.is_printable:
            return False
        if not self.is_active or isinstance(self.focused, Input) or not self.query(Console):
            return False
        console = self.query_one(Console).input
        self.set_focus(console, scroll_visible=False)  # now, not after the queue
        forward_key(console, event)  # (the input's own queue keeps the keys in order)
        return True

    def action_focus_console(self) -> None:
        if self.is_active:
            self.query_one(Console).input.focus()

    # -- the lesson panel ---------------------------------------------------------------------

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

    # -- playing: F5-F9 (the controller's; the timer above is the screen's) -------------------

    def action_play_pause(self) -> None:
        self.controller.play_pause()

    def action_step_forward(self) -> None:
        self.controller.step_forward()
        self.query_one("#explain", Static).update(Text(self.controller.describe_current()))

    def action_step_back(self) -> None:
        self.controller.step_back()
        self.query_one("#explain", Static).update(Text(self.controller.describe_current()))

    def action_speed(self) -> None:
        self.controller.cycle_speed()

    def action_reset(self) -> None:
        self.controller.reset()

    def apply_fault(self, kind: str, **params: Any) -> None:
        """A fault from the palette (the controller's: the same path as ``/fault``)."""
        self.controller.apply_fault(kind, **params)

    # -- the views: tabs, the event list's filter, the Inspector -------------------------------

    def show_tab(self, pane: str) -> None:
        """Bring the tab ``pane`` (its id, "tab-flow") to the front."""
        self.query_one(TabbedContent).active = pane

    @on(RecordLines.RecordSelected)
    def _record_selected(self, event: RecordLines.RecordSelected) -> None:
        """A record chosen in the event list or the flow diagram: in full in the Inspector."""
        self.select_record(event.record)

    def select_record(self, record: TraceRecord) -> None:
        self._inspector().show(record, self.playback.world)
        self.show_tab("tab-inspector")

    def action_filter_events(self) -> None:
        """A small palette of the event list's filters (layers, hosts, show all)."""
        from textual.command import CommandPalette

        self.app.push_screen(
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
        self.show_tab("tab-events")  # its border names the filter

    def _event_list(self) -> EventList:
        return cast("EventList", self.query_one("#events"))

    def _inspector(self) -> Inspector:
        return cast("Inspector", self.query_one("#inspector"))

    # -- --listen: the bridge in the app's loop ------------------------------------------------

    async def _start_live(self) -> None:
        live = self.live
        assert live is not None  # (started only with --listen)
        for host in live.exposed():
            self.notify(
                f"{host} is not a loopback address: other machines can connect",
                severity="warning",
                timeout=10,
            )
        error = await live.start()
        if error is not None:
            self.notify(error, title="--listen", severity="error", timeout=15)
            return
        self.notify(
            "\n".join(live.describe()) + "\nTime runs at wall-clock pace: stepping, "
            "going back and reset are off.",
            title="Listening",
            timeout=10,
        )
        self.controller.changed()

    def _live_error(self, text: str) -> None:
        self.notify(text, title="--listen", severity="error")

    @on(LiveRecords)
    def _live_records(self) -> None:
        if self._live_timer is None:
            self._live_timer = self.set_timer(REFRESH, self._live_flush)

    def _live_flush(self) -> None:
        self._live_timer = None
        if self.live is not None:
            self.live.handled()
        self.controller.changed()

    async def stop_live(self) -> None:
        """Close the bridge's listeners (before the app exits)."""
        if self.live is not None:
            await self.live.stop()

    async def on_unmount(self) -> None:
        await self.stop_live()

    # -- exports: ctrl+s, the dialog, the files -----------------------------------------------

    @property
    def student(self) -> str | None:
        """Who is working (the controller's: --student, else the progress file's name)."""
        return self.controller.student

    def action_export(self) -> None:
        from .export import ExportChoice, ExportScreen

        def chosen(choice: ExportChoice | None) -> None:
            if choice is not None:  # after the dialog is gone, so a screenshot shows the app
                if choice.student:
                    self.controller.set_student(choice.student)
                self.call_after_refresh(self.export, choice.kind, choice.directory)

        directory = None if self.app.is_web else (self.export_dir or Path.cwd())
        self.app.push_screen(ExportScreen(self.lesson.id, directory, self.student), chosen)

    def export(self, kind: str, directory: str | Path | None = None) -> Path | None:
        """Export ``kind`` (an ExportKind id) as ``smtp-sim-<lesson>-<what>`` into
        ``directory`` (default: ``export_dir``, else the current directory); in a browser
        (``smtp-sim web``) the browser downloads it. Returns the path written, if any."""
        name = export_filename(self.lesson.id, kind, self.student)
        try:
            text = export_content(
                kind, self.app, self.playback.session, seed=self.seed, student=self.student
            )
        except Exception as exc:  # an export must never take the app down
            self.notify(f"could not export {name}: {exc}", severity="error")
            return None
        if self.app.is_web:
            if isinstance(text, bytes):
                self.app.deliver_binary(io.BytesIO(text), save_filename=name)
            else:
                self.app.deliver_text(io.StringIO(text), save_filename=name)
            self.notify(f"{name} sent to your browser", title="Export")
            return None
        path = Path(directory or self.export_dir or Path.cwd()) / name
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(text, bytes):
                path.write_bytes(text)
            else:
                path.write_text(text, encoding="utf-8")
        except OSError as exc:
            self.notify(f"could not write {path}: {exc.strerror or exc}", severity="error")
            return None
        self.notify(str(path), title="Exported")
        return path
