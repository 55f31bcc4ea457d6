"""The Textual app: a view over a :class:`Playback` (a lesson or a sandbox) and its trace.

It owns no protocol logic: what the student types goes to the playback; after every change
the views are given the new trace records (or reset after a rebuild). Every action is a Binding
with a description and an id, so the footer, the help screen and the command palette explain
the app, and keys can be remapped.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.timer import Timer
from textual.widgets import Footer, Header, Static, TabbedContent, TabPane

from ..bridge.listen import ListenSpec
from ..course.lesson import Lesson
from ..course.playback import Playback
from ..course.progress import Progress, ProgressStore, default_store
from ..protocol.explain import explain_reply
from ..world.problems import Problem, ScenarioError
from .commands import ExportCommands, FaultCommands, LessonCommands
from .exports import ExportActions
from .live import LiveActions, LiveBridge
from .theme import HIGH_CONTRAST
from .widgets.console import Console
from .widgets.event_list import EventList
from .widgets.flow_diagram import FlowDiagram
from .widgets.inspector import Inspector
from .widgets.lesson_panel import LessonPanel
from .widgets.mailboxes import MailboxView
from .widgets.network_map import NetworkMap
from .widgets.queue_view import QueueView

SPEEDS = (1, 2, 5, 10, 25, 100)  # events per second while playing


class SmtpSimApp(LiveActions, ExportActions, App):
    CSS_PATH: ClassVar[list[str]] = ["styles/views.tcss", "styles/app.tcss"]
    TITLE = "smtp-sim"
    COMMANDS = App.COMMANDS | {LessonCommands, FaultCommands, ExportCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "help", "Help", id="app.help"),
        Binding("question_mark", "help", "Help", show=False, id="app.help_key"),
        Binding("f2", "hint", "Hint", id="lesson.hint"),
        Binding("f3", "previous_step", "Prev step", id="lesson.previous"),
        Binding("f4", "next_step", "Next step", id="lesson.next"),
        Binding("f5", "play_pause", "Play/Pause", id="sim.play"),
        Binding("f6", "step_back", "Back", id="sim.back"),
        Binding("f7", "step_forward", "Step", id="sim.step"),
        Binding("f8", "speed", "Speed", id="sim.speed"),
        Binding("f9", "reset", "Reset", id="sim.reset"),
        Binding("f10", "toggle_lesson", "Lesson panel", id="view.lesson_panel"),
        Binding("ctrl+t", "high_contrast", "High contrast", show=False,
                id="view.high_contrast"),
        Binding("ctrl+s", "export", "Export\u2026", id="app.export"),
        Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True),
    ]

    def __init__(self, lesson: Lesson, *, sandbox: bool = False,
                 store: ProgressStore | None = None, seed: int | None = None,
                 listen: Sequence[ListenSpec] | None = None,
                 export_dir: str | Path | None = None) -> None:
        """``listen``: real ports in front of the scenario's servers (``--listen``); raises
        ListenError when one names nothing in the scenario. ``export_dir``: where exports go
        (default: the current directory)."""
        super().__init__()
        self.lesson = lesson
        self.sandbox = sandbox
        self.store = store
        self.seed = seed
        self.progress: Progress = store.load() if store is not None else Progress()
        self.playback = Playback(lesson, seed=seed)
        self._generation = -1
        self._log_seen = 0
        self._speed = 2
        self._timer: Timer | None = None
        self._saved_steps: tuple | None = None
        self.export_dir = Path(export_dir) if export_dir is not None else None
        self.live: LiveBridge | None = None
        if listen is not None:
            self.live = LiveBridge(self.playback.world, listen, self.post_message,
                                   on_error=self._live_error)
        self.register_theme(HIGH_CONTRAST)

    # -- layout -------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="main"):
            yield LessonPanel(id="lesson")
            with Vertical(id="right"):
                with TabbedContent(id="views"):
                    with TabPane("Map", id="tab-map"):
                        yield NetworkMap(id="map")
                    with TabPane("Flow", id="tab-flow"):
                        yield FlowDiagram(id="flow")
                    with TabPane("Events", id="tab-events"):
                        yield EventList(id="events")
                    with TabPane("Inspector", id="tab-inspector"):
                        yield Inspector(id="inspector")
                    with TabPane("Mailboxes", id="tab-mailboxes"):
                        yield MailboxView(id="mailboxes")
                    with TabPane("Queues", id="tab-queues"):
                        yield QueueView(id="queues")
                yield Console(id="console")
                yield Static("", id="explain")
        yield Static("", id="status")
        yield Footer()

    def on_mount(self) -> None:
        if self.progress.warning:
            self.notify(self.progress.warning, severity="warning", timeout=10)
        self._timer = self.set_interval(1 / SPEEDS[self._speed], self._tick, pause=True)
        self._load(self.lesson, self.playback)
        self.query_one(Console).input.focus()
        if self.live is not None:
            self.run_worker(self._start_live(), name="bridge", exit_on_error=False)

    def on_resize(self) -> None:
        self.set_class(self.size.width < 100, "-narrow")
        self.set_class(self.size.height < 30, "-short")

    # -- loading ------------------------------------------------------------------------------

    def _load(self, lesson: Lesson, playback: Playback) -> None:
        self.lesson = lesson
        self.playback = playback
        self.sub_title = lesson.title
        self._generation = -1
        self._saved_steps = None
        if not self.sandbox and self.store is not None:
            self.progress.current = lesson.id
            self._restore_progress()
            self._save_progress()
        self.query_one(LessonPanel).display = bool(lesson.steps) or self.size.width >= 100
        self.refresh_views()

    def open_lesson(self, lesson: Lesson) -> None:
        """Switch to another lesson (from the command palette)."""
        if self._live_refuses("Opening another lesson"):
            return
        self._pause()
        self.sandbox = False
        self._load(lesson, Playback(lesson, seed=self.seed))
        self.notify(f"Lesson: {lesson.title}")

    def _restore_progress(self) -> None:
        """A returning student's quiz answers and finished steps are not asked again."""
        saved = self.progress.lessons.get(self.lesson.id)
        if saved is None:
            return
        session = self.playback.session
        for i, step in enumerate(self.lesson.steps):
            if step.id in saved.steps_done and step.quiz is not None and not step.checks:
                session.progress[i].quiz_correct = True

    # -- keeping the views true ---------------------------------------------------------------

    def refresh_views(self) -> None:
        pb = self.playback
        world = pb.world
        views = (self.query_one(NetworkMap), self.query_one(FlowDiagram),
                 self.query_one(EventList), self.query_one(MailboxView),
                 self.query_one(QueueView))
        console = self.query_one(Console)
        log = pb.session.terminal.log
        if pb.generation != self._generation:
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
            if len(log) > self._log_seen:
                console.add(log[self._log_seen:])
                self._log_seen = len(log)
        terminal = pb.session.terminal
        console.set_prompt(terminal.prompt, data_mode=terminal.in_data)
        hosts = sorted(world.network.hosts)
        addresses = sorted({box.address for box in world.mailboxes()} | set(world.agents))
        console.set_completions(hosts, addresses, terminal.state == "open")
        self.query_one(LessonPanel).show(pb.session)
        self._update_status()
        self._save_progress()

    def _update_status(self) -> None:
        pb = self.playback
        playing = self._timer is not None and self._timer_running
        text = Text()
        text.append(" \u25b6 playing " if playing else " \u23f8 paused ", style="bold reverse")
        text.append(f"  t = {pb.world.now:,.3f} s   event {pb.steps}   "
                    f"speed {SPEEDS[self._speed]}/s")
        if pb.at_end:
            text.append("   (nothing more scheduled)", style="dim")
        session = pb.session
        if self.lesson.steps:
            done = sum(session.passed_steps())
            text.append(f"   steps {done}/{len(self.lesson.steps)}")
        self.query_one("#status", Static).update(text)

    _timer_running = False

    def _save_progress(self) -> None:
        if self.sandbox or self.store is None or not self.lesson.steps:
            return
        session = self.playback.session
        key = (self.lesson.id, tuple(session.passed_steps()),
               tuple(len(p.answers) for p in session.progress),
               tuple(p.hints_shown for p in session.progress))
        if key == self._saved_steps:
            return
        self._saved_steps = key
        record = self.progress.lesson(self.lesson.id)
        for step, p in zip(self.lesson.steps, session.progress, strict=True):
            if p.done and step.id not in record.steps_done:
                record.steps_done.append(step.id)
            if p.answers:
                record.answers[step.id] = list(p.answers)
            if p.hints_shown:
                record.hints_used[step.id] = max(p.hints_shown,
                                                 record.hints_used.get(step.id, 0))
        record.completed = record.completed or session.complete
        self.progress.current = self.lesson.id
        try:
            self.store.save(self.progress)
        except OSError as exc:
            self.notify(f"could not save progress: {exc}", severity="error")

    # -- the console --------------------------------------------------------------------------

    @on(Console.Submitted)
    def _line(self, event: Console.Submitted) -> None:
        line = event.line
        slash = line.strip().startswith("/")
        if self.live is not None and self.live.running:
            # The bridge owns the clock: what is typed is scheduled, and runs at wall pace.
            self.playback.enter(line, run=False)
            self.playback.session.play_until = None
            self.live.advance()
            self.refresh_views()
            return
        # Lines for a server are answered at once; /send, /wait and /run are played, so the
        # student watches the message travel hop by hop.
        self.playback.enter(line, run=not slash)
        session = self.playback.session
        if session.play_until is not None:
            self._play()
        self.refresh_views()
        last = next((o for o in reversed(self.playback.session.terminal.output)
                     if o.reply is not None), None)
        if last is not None and last.reply is not None:
            self._explain(last.reply.code, last.reply.enhanced)

    @on(Console.ReplySelected)
    def _reply_selected(self, event: Console.ReplySelected) -> None:
        self._explain(event.reply.code, event.reply.enhanced)

    def _explain(self, code: int, enhanced: str | None) -> None:
        text = explain_reply(code, enhanced)
        self.query_one("#explain", Static).update(Text(text, style="italic"))

    @on(LessonPanel.QuizAnswered)
    def _quiz(self, event: LessonPanel.QuizAnswered) -> None:
        session = self.playback.session
        index = session.index
        # Through the console's /answer, so the answer is part of the attempt (exports).
        self.playback.enter(f"/answer {event.answer}", run=False)
        ok = session.progress[index].quiz_correct
        quiz = session.current.quiz if session.current is not None else None
        panel = self.query_one(LessonPanel)
        if ok:
            panel.quiz_feedback = "\u2714 Correct. " + (quiz.explanation if quiz else "")
        else:
            panel.quiz_feedback = "\u2718 Not quite. Try again, or press F2 for a hint."
        self.refresh_views()

    def _select_record(self, record) -> None:
        self.query_one(Inspector).show(record, self.playback.world)
        self.query_one(TabbedContent).active = "tab-inspector"

    @on(EventList.RecordSelected)
    def _event_selected(self, event: EventList.RecordSelected) -> None:
        self._select_record(event.record)

    @on(FlowDiagram.RecordSelected)
    def _flow_selected(self, event: FlowDiagram.RecordSelected) -> None:
        self._select_record(event.record)

    # -- actions ------------------------------------------------------------------------------

    def action_help(self) -> None:
        from .screens.help import HelpScreen

        self.push_screen(HelpScreen(self))

    def action_hint(self) -> None:
        hint = self.playback.session.hint()
        panel = self.query_one(LessonPanel)
        panel.hint_text = hint or "No hint for this step."
        self.refresh_views()

    def action_previous_step(self) -> None:
        session = self.playback.session
        session.go_to(session.index - 1)
        self.refresh_views()

    def action_next_step(self) -> None:
        session = self.playback.session
        session.go_to(session.index + 1)
        self.refresh_views()

    def action_play_pause(self) -> None:
        if self._live_refuses("Play"):
            return
        if self._timer_running:
            self._pause()
        else:
            self._play()
        self._update_status()

    def _play(self) -> None:
        if self._timer is not None and not self.playback.at_end:
            self._timer.resume()
            self._timer_running = True

    def _pause(self) -> None:
        if self._timer is not None:
            self._timer.pause()
        self._timer_running = False
        self.playback.session.play_until = None

    def _tick(self) -> None:
        session = self.playback.session
        target = session.play_until
        nxt = self.playback.world.clock.peek()
        if target is not None and (nxt is None or nxt > target):
            session.run_until(target)  # nothing more happens before it: jump there
            session.play_until = None
            self._pause()
        elif not self.playback.step_forward():
            self._pause()
        self.refresh_views()

    def action_step_forward(self) -> None:
        if self._live_refuses("Stepping"):
            return
        self._pause()
        if not self.playback.step_forward():
            self.notify("Nothing more is scheduled: the network is idle.")
        self.refresh_views()

    def action_step_back(self) -> None:
        if self._live_refuses("Stepping back"):
            return
        self._pause()
        if not self.playback.step_back():
            self.notify("This is the beginning.")
        self.refresh_views()

    def action_speed(self) -> None:
        self._speed = (self._speed + 1) % len(SPEEDS)
        if self._timer is not None:
            running = self._timer_running
            self._timer.stop()
            self._timer = self.set_interval(1 / SPEEDS[self._speed], self._tick,
                                            pause=not running)
        self._update_status()

    def action_reset(self) -> None:
        if self._live_refuses("Reset"):
            return
        self._pause()
        self.playback.reset()
        self.refresh_views()
        self.notify("Reset to the start. Your typed lines are still in the history (up arrow).")

    def action_toggle_lesson(self) -> None:
        panel = self.query_one(LessonPanel)
        panel.display = not panel.display

    def action_high_contrast(self) -> None:
        self.theme = "textual-dark" if self.theme == HIGH_CONTRAST.name else HIGH_CONTRAST.name

    def apply_fault(self, kind: str, **params) -> None:
        from ..world.faults import FaultError, apply_fault

        try:
            text = apply_fault(self.playback.world, kind, **params)
        except FaultError as exc:
            self.notify(str(exc), severity="error")
            return
        line = f"/fault {kind} " + " ".join(f"{k}={v}" for k, v in params.items())
        self.playback.session.record_input(line.rstrip())
        self.notify(text, title="Fault")
        if self.live is not None:
            self.live.advance()
        self.refresh_views()


def start_lesson(lesson_id: str | None = None, *, seed: int | None = None,
                 **options: Any) -> SmtpSimApp:
    """The app on the course: a given lesson, else where the student left off, else lesson 1.
    ``options``: the app's other keyword arguments (``listen``, ``export_dir``)."""
    from ..course.lesson import first_lesson_id, load_lesson
    from ..world.scenario import list_builtin

    store = default_store()
    if lesson_id is None:
        current = store.load().current
        # Only the lesson opened is read and validated: start-up stays quick.
        lesson_id = current if current in list_builtin() else first_lesson_id()
    if lesson_id is None:
        raise ScenarioError([Problem("lessons", None, "(course)", "no built-in lessons found")])
    return SmtpSimApp(load_lesson(lesson_id), store=store, seed=seed, **options)
