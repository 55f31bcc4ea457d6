"""The main screen: a lesson (or the sandbox) and its network.

Everything the keys, the console and the palette do to the playback goes through the
:class:`~smtp_sim.tui.controller.PlaybackController` (no Textual), which tells this screen
once per change: its ``revision`` goes up. Data flows down from there: each view's
``revision`` is bound to the screen's (``data_bind``) and the view pulls what it has not shown
(widgets/following.py); the screen's own watcher follows the console, the lesson panel and
the status line. No caller refreshes a view, and the screen calls none to update it.

The screen's parts, each a plain module: layout.py (the widgets, and the first frame's
placeholders), startup.py (the lesson read behind the first frame), ../console_follow.py
(the console and the explanation under it), ../status.py (the timer that plays, the status
line), lesson_flow.py (quiz feedback, the end of a lesson), ../exporting.py and ../live.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, cast

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.command import Provider
from textual.css.query import NoMatches
from textual.reactive import var
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import (
    Button,
    DataTable,
    Input,
    ListView,
    OptionList,
    Static,
    TabbedContent,
    Tree,
)

from ...course.progress import Progress, ProgressStore
from ..console_follow import ConsoleFollower
from ..controller import PlaybackController, Severity
from ..filtering import KEEP, Keep
from ..keys import MAIN_KEYS
from ..live import REFRESH, LiveBridge, LiveRecords, start_live
from ..loading import TABS, make_views, resume_gc
from ..status import PlayTimer, status_line
from ..textual_private import (
    forward_key,
    going_away,
    handle_key_now,
    render_only_what_changed,
)
from ..widgets.console import Console
from ..widgets.lesson_panel import LessonPanel
from ..widgets.record_lines import RecordLines
from .layout import compose_main, mount_footer, replace_placeholders
from .lesson_flow import LessonEnd, builtin_lesson, quiz_feedback
from .startup import HeldKeys, Loading, read_lesson, read_preview

if TYPE_CHECKING:
    from textual.timer import Timer
    from textual.widget import Widget

    from ...bridge.listen import ListenSpec
    from ...course.lesson import Lesson
    from ...course.playback import Playback
    from ...course.preview import LessonPreview
    from ...world.trace import Layer, TraceRecord
    from ..widgets.event_list import EventList
    from ..widgets.inspector import Inspector


#: Widgets whose Enter chooses something (a message, an event, a quiz's choice): Enter goes to
#: them, not to the console, when the student has moved the focus there.
CHOOSERS = (Button, DataTable, ListView, OptionList, Tree, RecordLines)


#: The keys that move the focus (ctrl+g, ctrl+l): taken before the focused widget sees them.
_FOCUS_KEYS = {
    key: binding.action
    for binding in MAIN_KEYS
    if binding.action in ("focus_view", "focus_lesson")
    for key in binding.key.split(",")
}


def _palette(name: str) -> Callable[[], type[Provider]]:
    """The palette's provider ``name`` (tui/palette.py), imported when the palette opens
    rather than for the first frame."""

    def provider() -> type[Provider]:
        from .. import palette

        found: type[Provider] = getattr(palette, name)
        return found

    return provider


#: The keys that need the lesson: the main screen's (and the App's command palette).
_LESSON_KEYS = {key for binding in MAIN_KEYS for key in binding.key.split(",")}


class MainScreen(Screen[None]):
    """The lesson or sandbox: its keys, its palette commands, its views (see the module)."""

    # Straight to the console's input line (with "*" the tabs would have it first, and the
    # footer would be built twice before the first frame).
    AUTO_FOCUS = "#line"
    #: The main screen's keys (tui/keys.py: the app-wide ones are the App's).
    BINDINGS: ClassVar[list[BindingType]] = list(MAIN_KEYS)
    COMMANDS: ClassVar[set[type[Provider] | Callable[[], type[Provider]]]] = {
        _palette("BindingCommands"),
        _palette("EventFilterCommands"),
        _palette("LessonCommands"),
        _palette("FaultCommands"),
        _palette("ExportCommands"),
        _palette("TabCommands"),
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
        preview: Callable[[], LessonPreview | None] | None = None,
        load_name: str = "The course",
        sandbox: bool = False,
        store: ProgressStore | None = None,
        seed: int | None = None,
        listen: Sequence[ListenSpec] | None = None,
        export_dir: str | Path | None = None,
    ) -> None:
        """See :class:`~smtp_sim.tui.app.SmtpSimApp`, which passes its arguments on."""
        super().__init__(id="_default")
        render_only_what_changed(self)  # (a key repaints the input line, not every widget)
        if (lesson is None) == (load is None):
            raise TypeError("SmtpSimApp needs a lesson or a load function (not both)")
        self.controller = PlaybackController(self, store=store, seed=seed, sandbox=sandbox)
        self._loading = Loading(load, load_name, preview) if load is not None else None
        #: Keys typed while the lesson loads that wait for it (None: none will).
        self._held_keys = HeldKeys() if load is not None else None
        self._replaying: events.Key | None = None
        if lesson is not None:
            from ...course.playback import Playback

            # (opened once mounted: open() tells the views)
            self.controller.progress = store.load() if store is not None else Progress()
            self.controller.lesson = lesson
            self.controller.playback = Playback(lesson, seed=seed)
        self._shown_playback: Playback | None = None
        #: The console and the explanation under it follow the playback.
        self.console_follower = ConsoleFollower(self)
        self._lesson_end = LessonEnd()
        self.controller.seconds_spent = self._lesson_end.spent
        self._timer = PlayTimer(self.controller.interval)  # (started once mounted)
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
        self._timer.pace(interval, playing)

    # -- layout -------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        # While the lesson loads: placeholders where the lesson panel and the views go.
        views = self._bind(make_views(self.controller)) if self._loading is None else {}
        yield from compose_main(views)

    def on_mount(self) -> None:
        # The timer that plays, paused until F5 (or a /send) starts it.
        self._timer.start(self, self.controller.tick)
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
        if self.query("#status") and self.is_loaded:
            self._show_status(event.size.width)  # (what fits the new width)
            self.call_after_refresh(self.console_follower.fit)  # (the advice's new rows)

    def _open_first(self, lesson: Lesson, playback: Playback) -> None:
        if self.progress.warning:
            self.notify(self.progress.warning, severity="warning", timeout=10)
        self.controller.open(lesson, playback)

    def open_lesson(self, lesson: Lesson) -> None:
        """Switch to another lesson (from the command palette)."""
        if self.controller.open_lesson(lesson):
            self.notify(f"Lesson: {lesson.title}")

    # -- start-up: the first frame before the lesson (startup.py) ------------------------------

    @property
    def is_loaded(self) -> bool:
        """True once the lesson is on screen (from the start when given a lesson)."""
        return self._loading is None

    @property
    def shows_problems(self) -> bool:
        """The lesson could not be used: the command exits 2 after the problem page."""
        return self._loading is not None and self._loading.problems is not None

    def when_shown(self, callback: Callable[[], object]) -> None:
        """Call ``callback`` once the lesson is on screen: its title, steps, the step's text
        and task in the lesson panel, the console taking keys (its views may come after:
        :meth:`when_loaded`); soon, if it is already."""
        shown = self._loading.shown if self._loading is not None else None
        if shown is None:
            self.call_next(callback)
        else:
            shown.append(callback)

    def when_loaded(self, callback: Callable[[], object]) -> None:
        """Call ``callback`` once the lesson is on screen: the views filled and the step's
        text mounted (soon, if it is already)."""
        if self._loading is None:
            self.call_next(callback)
        else:
            self._loading.waiting.append(callback)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self._loading is not None:
            return self._loading.check_action(action, self.OWN_ACTIONS)
        # (hidden: a lesson without steps has no hint or next step)
        return action not in self.STEP_ACTIONS or bool(self.lesson.steps)

    def _start_loading(self) -> None:
        self.run_worker(self._load_in_background(), name="load lesson")

    async def _load_in_background(self) -> None:
        try:
            await self._load()
        except NoMatches:
            if not going_away(self):
                raise
            # (the app closed while the lesson was read: its placeholders are gone, and
            # nothing is left to show it in; a test closing at once met this under load)
        finally:
            resume_gc()  # (start-up's pause ends, whatever happened)

    async def _load(self) -> None:
        loading = self._loading
        assert loading is not None
        if loading.preview is not None:
            preview = await read_preview(loading.preview)
            if preview is not None:
                await self._show_preview(preview)
        read = await read_lesson(loading.load, self.store, self.seed)
        if isinstance(read, list):
            self._show_problems(read)
            return
        lesson, playback, progress = read
        self.controller.progress = progress
        views = make_views(self.controller)
        # (data_bind binds to the node running the call: this worker runs in the app's)
        bound = asyncio.Event()

        def bind() -> None:
            self._bind(views)
            bound.set()

        self.call_next(bind)
        await bound.wait()
        # One frame with everything: the views filled and the step's text in place.
        with self.app.batch_update():
            await replace_placeholders(self, views)
            self._loading = None
            self._open_first(lesson, playback)
            self.refresh_bindings()  # the keys, no longer dimmed
            await mount_footer(self)
            text = self.query_one(LessonPanel).text_updated
            if text is not None:
                await text
        for callback in loading.shown or ():
            callback()
        for line in loading.typed:
            self._enter(line)
        for callback in loading.waiting:
            callback()
        if self._held_keys is not None:
            self._held_keys.loaded = True
            self._post_held_keys()

    async def _show_preview(self, preview: LessonPreview) -> None:
        """The lesson panel with the lesson's preview (course/preview.py), in place of its
        placeholder; those waiting for the lesson on screen are told, and the lesson is read
        after the frame that draws it (the thread would slow the frame down)."""
        loading = self._loading
        assert loading is not None
        waiting = self.query_one("#lesson-loading")
        panel = LessonPanel(id="lesson")
        with self.app.batch_update():
            await self.query_one("#main").mount(panel, before=waiting)
            await waiting.remove()
            panel.show_preview(preview)
            if panel.text_updated is not None:
                await panel.text_updated
        shown, loading.shown = loading.shown or [], None
        for callback in shown:
            callback()
        drawn = asyncio.Event()
        self.call_after_refresh(drawn.set)
        await drawn.wait()

    def _bind(self, views: dict[str, Widget]) -> dict[str, Widget]:
        """Each view's ``revision`` follows this screen's (set in the same call)."""
        for view in views.values():
            view.data_bind(MainScreen.revision)
        return views

    def _show_problems(self, problems: list[str]) -> None:
        from .error import ProblemScreen

        assert self._loading is not None
        self._loading.problems = problems
        self._held_keys = None  # (the problem page takes no lesson keys)
        self.refresh_bindings()
        self.app.push_screen(ProblemScreen(self._loading.name, problems))

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
        self.console_follower.follow(pb)
        panel = self.query_one(LessonPanel)
        if panel.show(pb.session) and panel.has_focus_within:
            # Another step's quiz: a button or box kept focused there would answer it.
            self.query_one(Console).input.focus()
        self._show_status()
        self._summary_if_finished(pb)

    def _show_status(self, width: int | None = None) -> None:
        """The status line, its least important parts dropped when the screen is narrow."""
        status = self.query_one("#status", Static)
        width = width or self.size.width or None
        status.update(status_line(self.controller, timer_running=self._timer.started, width=width))

    # -- the end of a lesson, the course ------------------------------------------------------

    def _summary_if_finished(self, pb: Playback) -> None:
        """The last step has just passed: the summary screen (lesson_flow.py)."""
        finished_now = self._lesson_end.finished_now(pb.session)
        if finished_now and not self.sandbox and not self.controller.live_running:
            self.app.push_screen(self._lesson_end.summary(pb.session), self._open_by_id)

    def action_course_overview(self) -> None:
        from ...course.lesson import builtin_lessons
        from .course import CourseScreen

        self.app.push_screen(CourseScreen(builtin_lessons(), self.progress), self._open_by_id)

    def _open_by_id(self, lesson_id: str | None) -> None:
        """Open the lesson a summary or the course overview chose (None: stay)."""
        lesson = builtin_lesson(lesson_id) if lesson_id is not None else None
        if lesson is not None and lesson.id != self.lesson.id:
            self.open_lesson(lesson)

    def _show_lesson(self, pb: Playback) -> None:
        """Another playback than the views show (the first, or another lesson)."""
        lesson = pb.session.lesson
        earlier = 0.0
        if not self.sandbox and not pb.session.complete and lesson.id in self.progress.lessons:
            earlier = self.progress.lessons[lesson.id].seconds  # (resumed: counted on)
        self._lesson_end.shown(pb.session, earlier)
        self.app.sub_title = lesson.title
        self.console_follower.generation = -1
        # (the sandbox's panel too, at any width: its intro says what to do; F10 hides it)
        self.query_one(LessonPanel).display = True
        self.refresh_bindings()  # the lesson keys come and go with the steps

    # -- the console: lines typed, replies explained, keys routed to it ------------------------

    @on(Console.Submitted)
    def _submitted(self, event: Console.Submitted) -> None:
        self._enter(event.line)

    def _enter(self, line: str) -> None:
        if self._loading is not None:
            if self._loading.problems is None:
                self._loading.typed.append(line)  # entered once the lesson is loaded
            return
        if line.strip().lower() == "/hint":
            self.action_hint()  # (F2's action: the hint in the panel too, counted once)
            return
        answer = self.controller.type_line(line)
        if answer is not None:
            reply = answer.reply
            self.console_follower.answered(
                self.playback, reply.code, reply.enhanced, answer.command, " ".join(reply.lines)
            )

    @on(Console.ReplySelected)
    def _reply_selected(self, event: Console.ReplySelected) -> None:
        self.console_follower.explain(self.playback, event.reply.code, event.reply.enhanced)

    def hold_early_key(self, event: events.Key) -> bool:
        """A key typed before this screen is mounted (as the app starts, before its first
        frame) is held with the keys of the lesson's loading, to be handled in the order typed
        once the lesson is open (walkA, walkB: the keys of the first second were lost). False
        when nothing loads (the key then goes Textual's way)."""
        keys = self._held_keys
        return keys is not None and keys.take(event, needs_lesson=True)

    def hold_key(self, event: events.Key) -> bool:
        """While the lesson loads, a key that needs it (F2, F5, ctrl+p...) is held, and every
        key typed after it, to be handled once it is loaded, in the order typed (a line typed
        before such a key is entered then too). True when the key was held (the App asks
        before anything else sees a key)."""
        keys = self._held_keys
        if keys is None:
            return False
        if keys.was_posted(event):
            self._replaying = event  # (handled now: replay_key)
            if not keys.posted:
                self._post_held_keys()  # (those held meanwhile, if any)
            return False
        if not self.is_active:  # (help, the palette: the key is theirs)
            return False
        needs = event.key in _LESSON_KEYS or event.key == self.app.COMMAND_PALETTE_BINDING
        return keys.take(event, needs)

    async def replay_key(self, event: events.Key) -> bool:
        """A key held while the lesson loaded, now posted again: handled at once, so that the
        next one (ctrl+p's palette) does not overtake it. False when ``event`` is another."""
        if event is not self._replaying:
            return False
        self._replaying = None
        await handle_key_now(self.app, event)
        return True

    def _post_held_keys(self) -> None:
        """The keys held, to the app again (handled after those already on their way)."""
        keys = self._held_keys
        if keys is None:
            return
        if keys.done:
            self._held_keys = None
            return
        for key in keys.batch():
            self.app.post_message(key)

    def take_typed_key(self, event: events.Key) -> bool:
        """Whatever the student types on this screen reaches the console's input line: a
        printable key, space or Enter while no text box has the focus goes there before
        anything else sees it, in the order typed (after a click on a tab, a mailbox or the
        Inspector, no key of a burst is taken by a binding or left behind while the focus
        moves). Function keys and ctrl combinations stay bindings; a box that takes text
        (the quiz's) keeps its keys. True when the key was taken (the App asks, before it
        gives the key to the focused widget)."""
        focus_move = _FOCUS_KEYS.get(event.key)
        if focus_move is not None and self.is_active and self.query(Console):
            # (here, not as a binding of the focused widget: the keys typed right after it,
            # already on their way, must find the focus moved; tmux's 'C-g Down Enter')
            getattr(self, f"action_{focus_move}")()
            return True
        if event.key == "tab" and self.is_active and self._tab_from_lesson_text():
            return True
        if event.key != "enter" and not event.is_printable:
            return False
        if not self.is_active or isinstance(self.focused, Input) or not self.query(Console):
            return False
        focused = self.focused
        console = self.query_one(Console).input
        if event.key == "enter" and isinstance(focused, CHOOSERS) and not console.value:
            # Enter on what the student moved to (shift+tab, ctrl+g) opens or presses it: a
            # mailbox's message, an event, a quiz's choice (walkA, walkB: with no mouse, the
            # Mailboxes tab could not be read). A line being typed is sent instead, and after
            # a printable key the console has the focus: a burst's Enter reaches it.
            return False
        if event.is_printable and focused is not None and self._answer_in_quiz(focused, event):
            return True
        self.set_focus(console, scroll_visible=False)  # now, not after the queue
        forward_key(console, event)  # (the input's own queue keeps the keys in order)
        return True

    def focus_answer_box(self) -> bool:
        """Tab from the console (with nothing to complete) or the lesson text: the focus goes
        to the quiz's short-answer box when one is shown, whose placeholder says so (walkB,
        mime step 5: Tab went elsewhere and the answer became a line of the message)."""
        panels = self.query(LessonPanel)
        box = panels.first().answer_box() if panels else None
        if box is None:
            return False
        self.set_focus(box)  # (now: the keys typed right after it go there)
        return True

    def _tab_from_lesson_text(self) -> bool:
        focused = self.focused
        if focused is None or focused.id != "step-scroll":
            return False
        return self.focus_answer_box()

    def _answer_in_quiz(self, focused: Widget, event: events.Key) -> bool:
        """A key typed while the focus is in the quiz's box (ctrl+l, then Tab), not on one of
        its buttons, goes into the short-answer box (walkB: the answer went into the console,
        in the middle of a message's DATA). A choice is pressed with Enter or a click; a
        letter typed on a button is the start of a command, for the console."""
        panel = self.query_one(LessonPanel)
        quiz = panel.query_one("#quiz")
        if isinstance(focused, Button) or (focused is not quiz and quiz not in focused.ancestors):
            return False
        answer = panel.query_one("#short-answer", Input)
        if not answer.display:
            return False
        self.set_focus(answer, scroll_visible=False)  # (now, not after the queued keys)
        forward_key(answer, event)
        return True

    def action_focus_view(self) -> None:
        """The keys go into the tab on show (its list, tree or table): Up/Down choose, Enter
        opens; Escape or typing goes back to the console."""
        pane = self.query_one(TabbedContent).active_pane
        if pane is None:
            return
        target = next((w for w in pane.query("*") if w.focusable), None)
        if target is not None:
            self.set_focus(target)  # (now: the keys typed right after it go there)
            if isinstance(target, Tree) and target.cursor_line < 0:
                target.cursor_line = 0  # (a cursor from the start: Down then goes one down)
        else:
            self.notify("Nothing to choose in this view.", timeout=3)

    def action_focus_console(self) -> None:
        if self.is_active:
            self.query_one(Console).input.focus()

    # -- the lesson panel ---------------------------------------------------------------------

    @on(LessonPanel.QuizAnswered)
    def _quiz(self, event: LessonPanel.QuizAnswered) -> None:
        with self.controller.changing():  # (the feedback is set before the panel is shown)
            outcome = self.controller.answer_quiz(event.answer)
            said = quiz_feedback(outcome, event.answer)
            self.query_one(LessonPanel).quiz_feedback = said
            if outcome.taken and outcome.correct and outcome.moved_on:
                # the panel shows the next step: keep the why in view (8 s: longer, walkB2 saw
                # it still covering the next steps' output)
                self.notify(said, title="Quiz", timeout=8, markup=False)

    def action_hint(self) -> None:
        with self.controller.changing():  # (the hint is set before the panel is shown)
            self.query_one(LessonPanel).hint_text = self.controller.hint()

    def action_previous_step(self) -> None:
        self.controller.go_to_step(self.playback.session.index - 1)

    def action_next_step(self) -> None:
        self.controller.go_to_step(self.playback.session.index + 1)

    def action_toggle_lesson(self) -> None:
        panel = self.query_one(LessonPanel)
        panel.display = not panel.display

    def action_focus_lesson(self) -> None:
        """The lesson text takes the keys (arrows and PageUp/PageDown scroll it), the panel
        shown if F10 had hidden it; Escape or typing goes back to the console."""
        panel = self.query_one(LessonPanel)
        panel.display = True
        self.set_focus(panel.query_one("#step-scroll"))  # (now, not after the queued keys)

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

    def action_next_tab(self) -> None:
        self._move_tab(1)

    def action_previous_tab(self) -> None:
        self._move_tab(-1)

    def _move_tab(self, by: int) -> None:
        """The tab ``by`` places after the one in front (the last wraps to the first); the
        focus stays where it is (the console's line, usually)."""
        panes = [pane for _title, pane in TABS]
        active = self.query_one(TabbedContent).active
        here = panes.index(active) if active in panes else 0
        self.show_tab(panes[(here + by) % len(panes)])

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

        from ..palette import EventFilterCommands

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
        assert self.live is not None  # (started only with --listen)
        if await start_live(self.live, self.notify):
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
        resume_gc()  # (closed before the lesson was read: start-up's pause ends)
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
        from ..exporting import save_export

        return save_export(
            self.app,
            kind,
            self.playback.session,
            directory=Path(directory or self.export_dir or Path.cwd()),
            seed=self.seed,
            student=self.student,
        )
