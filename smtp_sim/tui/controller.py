"""The app's behaviour without the app: what each key and each typed line does to the
:class:`~smtp_sim.course.playback.Playback`, with no Textual in it.

:class:`PlaybackController` holds the playing state (playing or paused, the speed), steps,
goes back, resets, enters the lines typed and the quiz answers, injects faults (the palette's
and the console's ``/fault`` alike: one ``apply_fault`` and the console line recorded for the
replay), defers to the ``--listen`` bridge while it owns the clock, and saves the student's
progress after every change (and their name, for exported attempts). It tells its listener
(the app's main screen) three things only: ``changed`` (once per change, however many the
playback went through), ``say`` (a notification) and ``pace`` (how often to tick, or not at
all): the screen keeps the timer and the views.

It lives in tui/ rather than course/: play/pause, the speed and the notifications are the
app's, and the presenter has its own pacing; course/ keeps the model (Playback,
LessonSession, the progress file) that this drives.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol

from ..course.progress import Progress, ProgressStore

if TYPE_CHECKING:
    from ..course.lesson import Lesson, Step
    from ..course.playback import Playback
    from ..protocol.replies import Reply
    from ..world.trace import TraceRecord

SPEEDS = (1, 2, 5, 10, 25, 100)  # events per second while playing

Severity = Literal["information", "warning", "error"]


def event_number(record: TraceRecord) -> int:
    """The number of a trace record as every view says it (the status line's ``event N``, the
    event list's No. column, the Inspector's ``#N``): counted from 1, like Wireshark's
    frames, so the newest record's number is how many events happened (the JSON Lines export
    keeps ``seq``, from 0)."""
    return record.seq + 1


#: What a TCP or DNS record means, for a student stepping through the events.
_KIND_MEANINGS = {
    "SYN": "TCP: the client asks to open a connection (1 of the three-way handshake).",
    "SYN-ACK": "TCP: the server agrees to open the connection (2 of 3).",
    "ACK": "TCP: the client confirms, and the connection is open (3 of 3).",
    "FIN": "TCP: this side has nothing more to send; it closes its half of the connection.",
    "RST": "TCP: the connection is refused (nothing listens there) or broken.",
    "retransmit": "TCP: a segment was lost and is sent again.",
    "timeout": "TCP: the SYN got no answer (the host is down or unreachable): the attempt failed.",
    "query": "DNS: a question to the name server.",
    "answer": "DNS: the name server's answer.",
}


def describe_event(record: TraceRecord | None) -> str:
    """The event ``record`` in words, for the line under the console after F6 or F7: its
    number, time, hosts and summary, then what it means (a reply's code explained, a TCP
    segment's part in the handshake)."""
    if record is None:
        return "No event yet: this is the beginning."
    from ..world.trace import Kind, Layer
    from ..world.visible import visible

    route = visible(record.src) + (f" \u2192 {visible(record.dst)}" if record.dst else "")
    lines = [
        f"Event {event_number(record)} at {record.time:.3f} s, {route}: "
        f"{record.layer.value} {record.kind.value}: {visible(record.summary[:200])}"
    ]
    meaning = _KIND_MEANINGS.get(record.kind.value)
    if record.layer in (Layer.TCP, Layer.DNS) and meaning:
        lines.append(meaning)
    elif record.layer is Layer.SMTP and record.kind is Kind.REPLY:
        code = record.summary[:3]
        if code.isdigit():
            from ..protocol.explain import UnknownTopic, explain_reply

            with suppress(UnknownTopic):
                lines.append(explain_reply(int(code)).splitlines()[0])
    return "\n".join(lines)


class PlaybackListener(Protocol):
    """What the controller tells the app's main screen."""

    def playback_changed(self) -> None:
        """The playback (or what is saved of it) changed: the views follow."""

    def say(
        self,
        text: str,
        *,
        title: str = "",
        severity: Severity = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """A notification for the student."""

    def pace(self, interval: float, playing: bool) -> None:
        """Tick every ``interval`` seconds while ``playing``; the timer is paused otherwise."""


class LiveClock(Protocol):
    """The ``--listen`` bridge as the controller sees it (``tui.live.LiveBridge``)."""

    @property
    def running(self) -> bool: ...

    def advance(self) -> None: ...


@dataclass(frozen=True)
class QuizOutcome:
    """What a quiz answer did: ``taken`` False when the step's task must come first."""

    taken: bool
    correct: bool
    said: str | None
    step: Step | None  # the step answered (the lesson may have moved on since)
    moved_on: bool


@dataclass(frozen=True)
class TypedAnswer:
    """The reply a server gave to a command line the student typed."""

    command: str
    reply: Reply


class PlaybackController:
    """Play, pause, step, back, reset, speed, live, faults, lines typed and progress saved,
    for one playback at a time (:meth:`open` another lesson)."""

    def __init__(
        self,
        listener: PlaybackListener,
        *,
        store: ProgressStore | None = None,
        seed: int | None = None,
        sandbox: bool = False,
    ) -> None:
        self.listener = listener
        self.store = store
        self.seed = seed
        self.sandbox = sandbox
        self.progress = Progress()
        #: --student NAME on the command line: the name, whatever the progress file says.
        self.student_given: str | None = None
        self.live: LiveClock | None = None
        self.speed = 2  # an index in SPEEDS
        self.playing = False
        self._saved_steps: tuple[object, ...] | None = None
        #: The seconds the lesson has been on screen, earlier visits included (the screen's
        #: clock: this module reads none), saved with the progress.
        self.seconds_spent: Callable[[], float] = lambda: 0.0
        self._batch = 0
        self._dirty = False
        # Set by open(); read only after it.
        self.lesson: Lesson
        self.playback: Playback

    # -- telling the app ----------------------------------------------------------------------

    @contextmanager
    def changing(self) -> Iterator[None]:
        """Changes made inside are told once, at the end (the app may set what its views
        show from them first: a hint, a quiz's feedback)."""
        self._batch += 1
        try:
            yield
        finally:
            self._batch -= 1
            if self._batch == 0 and self._dirty:
                self._changed()

    def _changed(self) -> None:
        if self._batch:
            self._dirty = True
            return
        self._dirty = False
        self.listener.playback_changed()
        self.save_progress()

    def changed(self) -> None:
        """Something outside the controller changed the playback (the bridge's records)."""
        self._changed()

    @property
    def interval(self) -> float:
        return 1 / SPEEDS[self.speed]

    @property
    def live_running(self) -> bool:
        return self.live is not None and self.live.running

    def refuses_live(self, what: str) -> bool:
        """True (with a warning) when the bridge owns the clock."""
        if not self.live_running:
            return False
        self.listener.say(
            f"{what} is off while the app listens for real clients (--listen): the "
            "network runs at wall-clock pace.",
            severity="warning",
        )
        return True

    # -- lessons ------------------------------------------------------------------------------

    def open(self, lesson: Lesson, playback: Playback) -> None:
        """Show ``playback`` (of ``lesson``): its progress restored, then saved."""
        self.lesson = lesson
        self.playback = playback
        self._saved_steps = None
        if not self.sandbox and self.store is not None:
            self.progress.current = lesson.id
            self._restore_progress()
        self._changed()

    def open_lesson(self, lesson: Lesson) -> bool:
        """Switch to another lesson (from the command palette); False when refused."""
        if self.refuses_live("Opening another lesson"):
            return False
        from ..course.playback import Playback

        self.pause()
        self.sandbox = False
        self.open(lesson, Playback(lesson, seed=self.seed))
        return True

    def go_to_step(self, index: int) -> None:
        self.playback.session.go_to(index)
        self._changed()

    def hint(self) -> str:
        """F2 and the console's /hint are one action: the line ``/hint`` entered (recorded
        with the attempt, so stepping back and a resumed lesson count the hints as they were
        shown), its text in the console and returned for the lesson panel."""
        said = self.playback.enter("/hint", run=False) or "No hint for this step."
        self._changed()
        return said

    # -- playing ------------------------------------------------------------------------------

    def play_pause(self) -> None:
        if self.refuses_live("Play"):
            return
        if self.playing:
            self.pause()
        else:
            self.play()
        self._changed()

    def play(self) -> None:
        session = self.playback.session
        if self.playback.at_end and session.play_until is not None:
            # (a /wait with nothing scheduled: the time just passes, at once)
            session.run_until(session.play_until)
            session.play_until = None
            return
        if not self.playback.at_end:
            self.playing = True
            self.listener.pace(self.interval, True)

    def pause(self) -> None:
        self.playing = False
        self.listener.pace(self.interval, False)
        self.playback.session.play_until = None

    def tick(self) -> None:
        """One beat of playing: the next event (or the time a /wait asked for)."""
        session = self.playback.session
        target = session.play_until
        nxt = self.playback.world.clock.peek()
        if target is not None and (nxt is None or nxt > target):
            session.run_until(target)  # nothing more happens before it: jump there
            session.play_until = None
            self.pause()
        elif not self.playback.step_forward():
            self.pause()
        self._changed()

    def step_forward(self) -> None:
        if self.refuses_live("Stepping"):
            return
        self.pause()
        if not self.playback.step_forward():
            self.listener.say("Nothing more is scheduled: the network is idle.")
        self._changed()

    def step_back(self) -> None:
        if self.refuses_live("Stepping back"):
            return
        self.pause()
        if not self.playback.step_back():
            self.listener.say("This is the beginning.")
        self._changed()

    def describe_current(self) -> str:
        """The newest event in words (:func:`describe_event`): what F6 and F7 leave under the
        console, so a step either way says where the playback is. A lesson's note (INFO)
        gives way to the network record just before it."""
        from ..world.trace import Layer

        records = self.playback.world.trace.records
        # The newest on the network, not the lesson's own notes ("step 2 done") after it
        # (a few back at most: a note follows a network record).
        newest = None
        for index in range(len(records) - 1, max(-1, len(records) - 8), -1):
            newest = newest or records[index]
            if records[index].layer is not Layer.INFO:
                return describe_event(records[index])
        return describe_event(newest)

    def cycle_speed(self) -> None:
        self.speed = (self.speed + 1) % len(SPEEDS)
        self.listener.pace(self.interval, self.playing)
        self._changed()

    def reset(self) -> None:
        if self.refuses_live("Reset"):
            return
        self.pause()
        self.playback.reset()
        self._changed()
        self.listener.say(
            "Reset to the start. Your typed lines are still in the history (up arrow)."
        )

    # -- what the student does to the network -------------------------------------------------

    def type_line(self, line: str) -> TypedAnswer | None:
        """A console line: to the network (answered at once), or a slash command (/send,
        /wait and /run are played, so the student watches the message travel hop by hop).
        Returns the reply to a command line, to explain with the command."""
        if self.live_running:
            assert self.live is not None
            # The bridge owns the clock: what is typed is scheduled, and runs at wall pace.
            self.playback.enter(line, run=False)
            self.playback.session.play_until = None
            self.live.advance()
            self._changed()
            return None
        slash = line.strip().startswith("/")
        session = self.playback.session
        # (a line typed as message content is no command: the 354's or the dot's reply then)
        command = None if slash or session.terminal.in_data else line
        before = len(session.terminal.output)
        self.playback.enter(line, run=not slash)
        if session.play_until is not None:
            self.play()
        self._changed()
        answer = next(
            (o for o in reversed(session.terminal.output[before:]) if o.reply is not None), None
        )
        if answer is None or answer.reply is None or command is None:
            return None
        return TypedAnswer(command, answer.reply)

    def answer_quiz(self, answer: str) -> QuizOutcome:
        """Through the console's /answer, so the answer is part of the attempt (exports)."""
        session = self.playback.session
        index = session.index
        step = session.current  # (a right answer may move the lesson on to the next step)
        tries = len(session.progress[index].answers)
        said = self.playback.enter(f"/answer {answer}", run=False)
        taken = len(session.progress[index].answers) != tries
        correct = session.progress[index].quiz_correct
        self._changed()
        return QuizOutcome(taken, bool(correct), said, step, session.index != index)

    def apply_fault(self, kind: str, **params: Any) -> None:
        """A fault from the palette: the same ``apply_fault`` as the console's ``/fault``,
        and the console line that does the same recorded for the replay and the attempt."""
        from ..world.fault_params import FaultError
        from ..world.faults import apply_fault

        try:
            text = apply_fault(self.playback.world, kind, **params)
        except FaultError as exc:
            self.listener.say(str(exc), severity="error")
            return
        line = f"/fault {kind} " + " ".join(f"{k}={v}" for k, v in params.items())
        self.playback.session.record_input(line.rstrip())
        self.listener.say(text, title="Fault")
        if self.live is not None:
            self.live.advance()
        self._changed()

    # -- progress -----------------------------------------------------------------------------

    def _restore_progress(self) -> None:
        """A returning student finds an unfinished lesson where they left it: their own lines
        typed again (the steps they did ticked, their connection open). A finished lesson
        starts afresh, its quizzes asked again."""
        saved = self.progress.lessons.get(self.lesson.id)
        if saved is None:
            return
        steps = len(self.lesson.steps)
        say = self.listener.say
        if saved.completed:
            say(
                f"You finished “{self.lesson.title}” before: here it is "
                "again, from the start, quizzes included.",
                title="Welcome back",
                markup=False,
            )
            return
        if saved.inputs:
            self.playback.resume(saved.inputs, saved.clock_steps)
            session = self.playback.session
            done = sum(session.passed_steps())
            say(
                f"Your {len(saved.inputs)} earlier lines were typed again: {done} of "
                f"{steps} steps done, you are at step {session.index + 1}.",
                title="Welcome back",
                markup=False,
                timeout=12,
            )
            return
        # (a progress file from before lines were saved: say which lines to type again)
        session = self.playback.session
        for i, step in enumerate(self.lesson.steps):
            if step.id in saved.steps_done and step.quiz is not None and not step.checks:
                session.progress[i].quiz_correct = True
        typed = [s for s in self.lesson.steps if s.id in saved.steps_done and s.checks]
        if typed:
            done = sum(s.id in saved.steps_done for s in self.lesson.steps)
            lines = [line for s in typed for line in s.solution if not line.startswith("/")]
            again = "; ".join(lines) if lines else "the commands of those steps"
            say(
                f"Last time you got through {done} of {steps} steps of this lesson. "
                f"The network starts afresh: type again {again}.",
                title="Welcome back",
                markup=False,
                timeout=15,
            )

    @property
    def student(self) -> str | None:
        """Who is working: --student, else the name kept in the progress file."""
        return self.student_given or self.progress.student

    def set_student(self, name: str) -> None:
        """A new name or id (the Export dialog asks for it once; it can be changed there),
        kept in the progress file for next time."""
        name = " ".join(name.split())[:80]
        if not name or name == self.progress.student:
            return
        self.progress.student = name
        self.student_given = None
        if self.store is not None:
            try:
                self.store.save(self.progress)
            except OSError as exc:
                self.listener.say(
                    f"could not save your name: {exc.strerror or exc}", severity="warning"
                )

    def save_progress(self) -> None:
        """Saved when something a student would miss changed (never in the sandbox)."""
        if self.sandbox or self.store is None or not self.lesson.steps:
            return
        session = self.playback.session
        key = (
            self.lesson.id,
            tuple(session.passed_steps()),
            tuple(len(p.answers) for p in session.progress),
            tuple(p.hints_shown + p.quiz_hints_shown for p in session.progress),
            len(session.inputs),
        )
        if key == self._saved_steps:
            return
        self._saved_steps = key
        record = self.progress.lesson(self.lesson.id)
        for step, p in zip(self.lesson.steps, session.progress, strict=True):
            if p.done and step.id not in record.steps_done:
                record.steps_done.append(step.id)
            if p.answers:
                record.answers[step.id] = list(p.answers)
            used = p.hints_shown + p.quiz_hints_shown  # (the task's and the question's)
            if used:
                record.hints_used[step.id] = max(used, record.hints_used.get(step.id, 0))
        record.completed = record.completed or session.complete
        # (an unfinished lesson's lines, to replay for a returning student; a finished one
        # starts afresh)
        record.inputs = [] if record.completed else list(session.inputs)
        record.clock_steps = 0 if record.completed else self.playback.steps
        record.seconds = 0.0 if record.completed else round(self.seconds_spent(), 1)
        self.progress.current = self.lesson.id
        try:
            self.store.save(self.progress)
        except OSError as exc:
            self.listener.say(f"could not save progress: {exc}", severity="error")
