"""A lesson being worked through: the world, the student's terminal, the steps and their checks.

The same object runs headless (``smtp-sim run LESSON --solve`` / ``--answers``) and under the
app. Everything the student enters goes through :meth:`LessonSession.enter` and is kept in
``inputs`` with the clock's step count, so the session can be rebuilt exactly (stepping back).

Console lines starting with ``/`` are for the simulator, not the server:
``/answer TEXT`` answers the step's quiz, ``/wait DURATION`` lets virtual time pass,
``/send FROM TO [SUBJECT]`` makes a user's mail client send a message, ``/hint`` shows a hint.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from ..scenario.build import build_world
from ..world.fault_params import FaultError
from ..world.faults import apply_fault
from ..world.network import CONNECT_TIMEOUT
from ..world.student_terminal import StudentTerminal, TerminalOutput
from ..world.tap import attach_tap
from ..world.trace import Kind, Layer, TraceRecord
from ..world.values import duration_words, parse_duration
from ..world.world import World
from .checks import (
    BaseCheck,
    CheckContext,
    DataLine,
    MailboxHas,
    QueueEvent,
    ReplyCheck,
    SessionState,
    for_the_student,
)
from .console_tools import run_base64, run_dns
from .incremental import StepWatch
from .lesson import (
    SLASH_COMMANDS,
    Lesson,
    Step,
    TimelineEvent,
    console_refusal,
    fault_params,
    tap_link,
)
from .preview import StepCursor

#: A header field's start (RFC 5322 section 2.2: printable ASCII but the colon, then ":"; the
#: obsolete syntax's spaces before the colon, section 4, accepted too).
_HEADER_FIELD = re.compile(r"[\x21-\x39\x3b-\x7e]+[ \t]*:")

IDLE_HORIZON = 24 * 3600.0
#: The virtual seconds a /send plays (the message submitted, relayed, delivered or bounced),
#: after which a step still open says why.
SETTLE_TIME = 60.0


@dataclass
class StepProgress:
    done: bool = False
    quiz_correct: bool = False
    answers: list[str] = field(default_factory=list)
    hints_shown: int = 0
    quiz_hints_shown: int = 0  # the quiz's own hints, asked for once the task was done
    started_at: int = 0  # trace length when the step began
    quiz_closed: bool = False  # max_tries wrong answers given: the quiz takes no more


def _names_answer(text: str, answer: str) -> bool:
    """``text`` gives ``answer`` away: it holds the answer, or the two or more names
    (``mail.cs.tcd.ie``) the answer holds, in the answer's order."""
    if answer.strip().lower() in text.lower():
        return True
    names = re.findall(r"[\w-]+(?:\.[\w-]+)+", answer)
    if len(names) < 2:
        return False
    pattern = ".*".join(re.escape(name) for name in names)
    return re.search(pattern, text, re.IGNORECASE | re.DOTALL) is not None


class LessonSession:
    def __init__(
        self,
        lesson: Lesson,
        *,
        seed: int | None = None,
        on_output: Callable[[TerminalOutput], None] | None = None,
    ) -> None:
        self.lesson = lesson
        scenario = lesson.resolved_scenario()
        self.world: World = build_world(scenario, seed=seed)
        host = lesson.console or _first_client(self.world)
        self.terminal = StudentTerminal(self.world, host, on_output=on_output)
        #: The current step (shared with the app's preview, which opens where this will be).
        self.cursor = StepCursor(len(lesson.steps))
        self.progress = [StepProgress() for _ in lesson.steps]
        self.inputs: list[tuple[int, str]] = []
        self.input_times: list[float] = []  # the virtual time of each input (attempt exports)
        self.pauses: list[float] = []
        self._evaluated_at = -1
        self._dirty = True
        self._watch: StepWatch | None = None  # the checks of the step last asked about
        #: The dead ends of the step last asked about (its ``stuck``), and those said already.
        self._stuck: StepWatch | None = None
        self._stuck_said: set[int] = set()
        #: Dead ends met whose reply the console has not shown yet: the terminal's output
        #: count when each was met (the note comes under the reply that shows it).
        self._stuck_met: dict[int, int] = {}
        self._nudged: tuple[int, str] | None = None  # the /send told to wait for its fault
        #: The student's last action, to judge once it has settled: (step, time, wait for the
        #: time even when the network is quiet, the terminal's outputs before it). A step
        #: still open then is told why.
        self._judge: tuple[int, float, bool, int] | None = None
        #: How many dead-end notes were said, and how many when the judge was set: a message
        #: a dead end's note named already needs no "still wants" after it.
        self._stuck_notes = 0
        self._stuck_at_judge = 0
        #: A final dot the student typed: the server, where the trace stood, how far it has
        #: been read, and the trace ids of the messages that server queued since (the
        #: student's own message among them): only they hold a judgement back while they
        #: travel, not a scenario's own mail in some queue (walkE: base64 step 5's Not-yet
        #: waited for the classroom's message).
        self._dot: tuple[str, int, set[str]] | None = None
        #: The trace ids of the messages the student sent (a /send's): with the ids a final
        #: dot's server queued, the only messages whose bounce a Not yet names (walkA: push-pull
        #: step 1 named the bounce of the classroom's own staff-list message).
        self._sent: set[str] = set()
        #: The step and the end of the last /wait: when it ends with the step still open and
        #: mail waiting in a queue, the console says when the next try is (walkA: a /wait
        #: too early had moved mx2's retry ten minutes on, and nothing said why).
        self._waited: tuple[int, float] | None = None
        self._to_idle = False  # a /run: stop at the last event, not at its horizon
        self._in_headers = False  # in the header section of the message being typed
        self._outputs_seen = 0  # (the terminal's outputs looked at for a 354)
        # With run=False a slash command asks for time to pass: the app plays the clock to here.
        self.play_until: float | None = None
        for event in lesson.timeline:
            self._schedule(event)
        self.evaluate()

    # -- state ------------------------------------------------------------------------------

    @property
    def index(self) -> int:
        """The current step's index (:class:`StepCursor`)."""
        return self.cursor.index

    @property
    def current(self) -> Step | None:
        """The step the student is on (None in a sandbox, which has no steps)."""
        at = self.cursor.current
        return None if at is None else self.lesson.steps[at]

    @property
    def complete(self) -> bool:
        return all(p.done for p in self.progress)

    def passed_steps(self) -> list[bool]:
        return [p.done for p in self.progress]

    # -- what the student does ---------------------------------------------------------------

    def enter(self, line: str, *, run: bool = True) -> str | None:
        """One console line. Returns a message for the console when the simulator itself
        answers (slash commands, quiz results), None when the line went to the network.

        With ``run`` the world then runs until the server answers (clock step by clock step,
        checking the step after each); without, the caller steps the clock (the app animates
        it, and a replay reproduces it exactly)."""
        self.record_input(line)
        stripped = line.strip()
        message: str | None = None
        spaced_dot = False  # (a line " .": message text, said so once the step is known)
        quiz = self.current.quiz if self.current is not None else None
        if stripped.startswith("/"):
            self.terminal.log.append(("typed", line))
            message = self._slash(stripped, run=run)
            self.terminal.note(message)
        elif (
            quiz is not None
            and quiz.choices
            and self.terminal.state not in ("open", "connecting")
            and len(stripped) <= 2
            and quiz.not_a_choice(stripped) is None
        ):
            # A letter typed to answer the question, with no server to take it.
            self.terminal.log.append(("typed", line))
            message = f"To answer the question, type /answer {stripped.upper()}"
            self.terminal.note(message)
        else:
            # (only a line that is one dot and nothing else ends the data: " ." is text)
            ends_data = self.terminal.in_data and line == "."
            spaced_dot = self.terminal.in_data and stripped == "." and not ends_data
            if ends_data and self.terminal.peer is not None:
                self._dot = (self.terminal.peer[0], len(self.world.trace), set())
            if self.terminal.in_data:
                self._header_note(line)
            index = self.index
            outputs = len(self.terminal.output)  # (the dot's reply is judged once it has come)
            stuck_before = self._stuck_notes  # (a dead end the dot's message walked into)
            self.terminal.enter(line)
            if run:
                self.run_until_answer()
            if ends_data:  # the message is handed over: judged when delivered (or 60 s on)
                self._expect(
                    index, self.world.now + SETTLE_TIME, at_once_when_quiet=True, outputs=outputs
                )
                self._stuck_at_judge = stuck_before
        self.evaluate()
        if spaced_dot:
            # (no "Type . alone" while the open step wants the message still open: smuggling
            # step 5 wants '..' next, and walkB, told to end it, lost the message)
            self.terminal.note(
                f"{line!r} is not the end of the message: only a line holding a single "
                "dot, with nothing before or after it, ends it (RFC 5321 section "
                "4.1.1.4), so this line is message text."
                + ("" if self._wants_data_open() else " Type . alone to end the message.")
            )
        return message

    def _wants_data_open(self) -> bool:
        """The open step asks that the message be still open (a ``state`` check for DATA):
        its task is more lines of the message, not its end."""
        step = self.current
        return step is not None and any(
            isinstance(c, SessionState) and c.state == "DATA" for c in step.checks
        )

    def _header_note(self, line: str) -> None:
        """While the message's header section lasts (from the 354 to its empty line), a line
        that is no header field ends it, as a mail program reads it: say so when it happens
        (walkB2: 'MIME-Version 1.0' without its colon made every later header body text, and
        nothing said why the MIME step failed only at the end)."""
        output = self.terminal.output
        for item in output[self._outputs_seen :]:  # (the new outputs only: linear)
            if item.reply is not None and item.reply.code == 354:
                self._in_headers = True  # (a new message: its header section begins)
        self._outputs_seen = len(output)
        if not self._in_headers:
            return
        if line == "" or line.strip() == ".":
            self._in_headers = False
            return
        if line[:1] in (" ", "\t") or _HEADER_FIELD.match(line):
            return  # (a header field, or the folded continuation of one)
        self._in_headers = False
        self.terminal.note(
            f"{line!r} is not a header field (a name, then a colon: RFC 5322 section 2.2): "
            "the header section ends here. A mail program shows this line and the rest as the "
            "body, but without the empty line that must come first (section 2.1) the message "
            "is not well formed."
        )

    def record_input(self, line: str) -> None:
        """Remember an input at this clock step and virtual time (for replay and exports).
        :meth:`enter` calls it; so does a caller that acts on the world directly (the app's
        fault palette), with the console line that would do the same."""
        self.inputs.append((self.world.clock.steps, line))
        self.input_times.append(self.world.now)

    def step(self) -> bool:
        """One clock event, then the checks. False when nothing was scheduled."""
        ran = self.world.clock.step()
        if ran:
            self.evaluate()
        return ran

    def run_until_answer(self, horizon: float = 60.0) -> None:
        """Step until the terminal shows a reply, the connection ends, or ``horizon`` passes,
        checking the lesson step after every clock event."""
        self.terminal.run_until_answer(horizon, step=self.step)

    def run_until(self, time: float) -> None:
        clock = self.world.clock
        to_idle, self._to_idle = self._to_idle, False
        while True:
            nxt = clock.peek()
            if nxt is None or nxt > time:
                break
            self.step()
        if to_idle and clock.peek() is None:
            self._settle()  # (/run: idle now; the clock stays at the last event)
            return
        if clock.now < time:
            clock.now = time
            self._settle()  # (time passed with no event: a /send's minute may be up)

    def answer(self, text: str) -> bool:
        step = self.current
        if step is None or step.quiz is None:
            return False
        progress = self.progress[self.index]
        progress.answers.append(text)
        correct = step.quiz.grade(text)
        if correct:
            progress.quiz_correct = True
        elif step.quiz.max_tries is not None and len(progress.answers) >= step.quiz.max_tries:
            progress.quiz_closed = True
        self._dirty = True
        self.world.record(
            Layer.INFO,
            Kind.NOTE,
            "student",
            None,
            f"quiz answer {text!r}: {'correct' if correct else 'not right'}",
            info=(("quiz", step.id), ("correct", correct)),
        )
        return correct

    def hint(self) -> str | None:
        """The next hint, one at a time: the step's hints for its task; once the task is
        done and the quiz is still open, the quiz's own hints (the step's would only repeat
        the task). None when there is none."""
        step = self.current
        if step is None:
            return None
        progress = self.progress[self.index]
        if self.quiz_open():
            assert step.quiz is not None
            hints = step.quiz.hints
            if not hints:
                return None
            shown = min(progress.quiz_hints_shown, len(hints) - 1)
            progress.quiz_hints_shown = min(progress.quiz_hints_shown + 1, len(hints))
            return hints[shown]
        if not step.hints:
            return None
        shown = min(progress.hints_shown, len(step.hints) - 1)
        progress.hints_shown = min(progress.hints_shown + 1, len(step.hints))
        return step.hints[shown]

    def quiz_open(self) -> bool:
        """The current step's task is done and its quiz waits for its answer."""
        step = self.current
        if step is None or step.quiz is None:
            return False
        progress = self.progress[self.index]
        if progress.quiz_correct or progress.quiz_closed or progress.done:
            return False
        return self.task_done()

    def _advance(self, until: float, run: bool) -> None:
        """Let virtual time pass: now (headless), or later, played by the app (``until``)."""
        if run:
            self.run_until(until)
        else:
            self.play_until = max(self.play_until or 0.0, until)

    def _slash(self, line: str, *, run: bool = True) -> str:
        word, _, rest = line[1:].partition(" ")
        word = word.lower()
        rest = rest.strip()
        # (the same rules `smtp-sim check` applies to a lesson's solution lines)
        refused = console_refusal(line, self.world, self.current)
        if refused is not None:
            message, expected = refused
            sep = " " if message.endswith("?") else "; "  # (not "did you mean /send?;")
            return message if word == "answer" else f"{message}{sep}{expected}"
        if word == "answer":
            quiz = self.current.quiz if self.current is not None else None
            if quiz is None:
                return "This step has no quiz."
            if self.progress[self.index].quiz_closed:
                return (
                    f"No tries left ({quiz.max_tries} given): this question is closed; "
                    "go on with the step."
                )
            played = ""
            until = self.play_until
            if not self.task_done() and until is not None and until > self.world.now:
                # (walkA, telnet-yourself step 8: a right answer typed while a /wait still
                # played was told it came too early; the wait's time passes at once, then the
                # task is judged. play_until stays: the app's player stops there.)
                self.run_until(until)
                played = f"(The wait played to its end first: now {self.world.now:.3f} s.) "
            if not self.task_done():
                # (what is missing, not the whole task again: the student may have done most)
                answer = quiz.choices[quiz.correct - 1] if quiz.choices and quiz.correct else None
                wants = self.still_wants(hide=answer or quiz.solution)
                return (
                    "First the task: the question is about what it shows"
                    + (f", and it still wants {wants}" if wants else "")
                    + ". Then answer."
                )
            ok = self.answer(rest)
            if ok:
                return played + ("Correct. " + quiz.explanation if quiz.explanation else "Correct.")
            if self.progress[self.index].quiz_closed:
                told = f" The answer: {quiz.solution.upper() if quiz.choices else quiz.solution}."
                return (
                    played
                    + f"Not right, and that was the last of {quiz.max_tries} tries.{told} "
                    + quiz.explanation
                ).rstrip()
            more = " (or /hint)" if quiz.hints else ""
            why = quiz.why(rest)
            return played + (
                f"Not quite: {why} Try again{more}." if why else f"Not quite. Try again{more}."
            )
        if word == "wait":
            self._to_idle = False
            seconds = parse_duration(rest or "10s")
            index, until = self.index, self.world.now + seconds
            self._advance(until, run)
            self._waited = (index, until)
            if not run:
                return f"letting {duration_words(seconds)} of virtual time pass (F5 pauses)."
            return f"{duration_words(seconds)} of virtual time passed (now {self.world.now:.3f} s)."
        if word == "run":
            # (until the network is idle, not a day on: walkA2 read t = 86,882 s afterwards)
            self._to_idle = True
            self._advance(self.world.now + IDLE_HORIZON, run)
            return (
                f"the network is idle (now {self.world.now:.3f} s)."
                if run
                else "playing until the network is idle (F5 pauses, F8 speeds up)."
            )
        if word == "hint":
            hint = self.hint()
            if hint is None and self.quiz_open():
                return "No hint for this question."
            return hint or "No hint for this step."
        if word == "send":
            missing = self._fault_untyped("/send ", without_it=False)
            if missing is not None and self._nudged != (self.index, rest):
                self._nudged = (self.index, rest)
                return (
                    f"Not sent yet: this step has you type {missing} first, so that the "
                    "message meets the fault. Type it, then /send again (or type this /send "
                    "once more to send it as things are)."
                )
            return self._send(rest, run)
        if word == "tap":
            link = tap_link(rest, self.world)[0]
            assert link is not None  # (console_refusal said why not)
            return attach_tap(self.world.network, link) + "."
        if word == "fault":
            kind, _, params = rest.partition(" ")
            try:
                kwargs = fault_params(params)
                return apply_fault(self.world, kind, **kwargs)
            except (FaultError, ValueError) as exc:
                return f"/fault: {exc}"
        if word == "base64":
            return run_base64(rest)
        if word == "dns":
            return run_dns(self.world, rest)
        # (/help: the only command left)
        return "the console's own commands:\n" + "\n".join(
            f"  {usage:28} {what}" for usage, what in SLASH_COMMANDS
        )

    def _fault_untyped(self, before: str, *, without_it: bool) -> str | None:
        """The ``/fault`` line the step's solution types before its first ``before`` line
        (``/send``, ``/wait``) and the student has not typed yet (the palette's faults are
        recorded as the same line). A solution without a ``before`` line: every line counts
        when ``without_it``, else there is none."""
        step = self.current
        if step is None:
            return None
        lines = [" ".join(line.split()) for line in step.solution]
        ends = [i for i, line in enumerate(lines) if line.lower().startswith(before)]
        if not ends and not without_it:
            return None
        typed = {" ".join(line.split()).lower() for _, line in self.inputs}
        for line in lines[: ends[0] if ends else len(lines)]:
            if line.lower().startswith("/fault ") and line.lower() not in typed:
                return line
        return None

    def _send(self, rest: str, run: bool = True) -> str:
        """``/send FROM TO [SUBJECT]``, already checked by console_refusal."""
        words = rest.split(maxsplit=2)
        agent = self.world.agents[words[0].lower()]
        subject = words[2] if len(words) > 2 else "Hello"
        self._sent.add(
            agent.send([words[1]], subject, f"{subject}\n\nSent from the smtp-sim console.\n")
        )
        index, until = self.index, self.world.now + SETTLE_TIME
        stuck_before = self._stuck_notes  # (a dead end the message walked into)
        self._advance(until, run)
        self._expect(index, until, at_once_when_quiet=False)
        self._stuck_at_judge = stuck_before
        # (a /send with no subject sends "Hello": say so, or the subject seems to come from
        # nowhere; walkA)
        told = "" if len(words) > 2 else ' (no subject given: the subject is "Hello")'
        # (what was taken as the recipient and the subject, said: walkA)
        told = f', to {words[1]}, subject "{subject}"{told}'
        if not run:
            return f"{agent.address} pressed Send{told}: watch the message travel (F5 pauses, F8 plays faster)."
        return f"{agent.address} pressed Send{told}; 60 s of virtual time passed."

    def run_idle(self, horizon: float = IDLE_HORIZON) -> None:
        """Run until nothing more is scheduled (or ``horizon`` virtual seconds pass)."""
        self.run_until(self.world.now + horizon)

    # -- checks -----------------------------------------------------------------------------

    def context(self, index: int | None = None) -> CheckContext:
        i = self.index if index is None else index
        progress = self.progress[i]
        return CheckContext(
            self.world,
            self.world.trace.since(progress.started_at),
            self.terminal,
            progress.quiz_correct,
            progress.answers,
        )

    def task_done(self) -> bool:
        """The current step's checks pass, its quiz aside: what the quiz asks about has
        been done (a quiz is not answered before)."""
        step = self.current
        if step is None or not step.checks or self.progress[self.index].done:
            return True
        return self._passed(self.index, quiz_aside=True)

    def step_passed(self, index: int | None = None) -> bool:
        """The step's checks over the records since it began, as ``check.passed(context)``
        gives them; watched (:mod:`.incremental`), so that asking after every clock event
        reads each new record once instead of every record since the step began."""
        return self._passed(self.index if index is None else index)

    def _passed(self, i: int, *, quiz_aside: bool = False) -> bool:
        step = self.lesson.steps[i]
        progress = self.progress[i]
        if step.quiz is not None and not (
            progress.quiz_correct or progress.quiz_closed or quiz_aside
        ):
            return False
        watch = self._watch
        if watch is None or watch.index != i or watch.started_at != progress.started_at:
            watch = self._watch = StepWatch(i, progress.started_at, step.checks)
        trace = self.world.trace
        if watch.fed < len(trace):
            watch.catch_up(trace[watch.fed :])
        ctx = CheckContext(
            self.world, (), self.terminal, progress.quiz_correct or quiz_aside, progress.answers
        )
        return watch.passed(ctx)

    def not_met(self, index: int | None = None) -> list[str]:
        """What step ``index`` (the current one by default) still needs: its quiz, and each
        of its checks that does not pass, as the checks describe themselves."""
        i = self.index if index is None else index
        step = self.lesson.steps[i]
        ctx = self.context(i)
        missing = []
        if step.quiz is not None and not ctx.quiz_correct:
            tried = len(ctx.answers)
            closed = self.progress[i].quiz_closed
            missing.append(
                "a correct answer to the quiz"
                + (
                    f" ({tried} answer{'s' if tried != 1 else ''} given, none right"
                    + (f"; max_tries is {step.quiz.max_tries})" if closed else ")")
                    if tried
                    else " (not answered)"
                )
            )
        missing += [check.describe() for check in self._unmet(i, ctx)]
        return missing

    def _unmet(self, index: int, ctx: CheckContext | None = None) -> Iterator[BaseCheck]:
        """Step ``index``'s checks that do not pass (each asked only when reached)."""
        ctx = self.context(index) if ctx is None else ctx
        return (check for check in self.lesson.steps[index].checks if not check.passed(ctx))

    def _expect(
        self, index: int, when: float, *, at_once_when_quiet: bool, outputs: int | None = None
    ) -> None:
        """The student just acted on step ``index`` (a message's final dot, a /send): once
        it has settled, at the virtual time ``when`` (or, ``at_once_when_quiet``, as soon as
        no mail waits in any queue), the step, if still open, says why (the next
        :meth:`evaluate`)."""
        if self.index == index < len(self.progress) and not self.progress[index].done:
            seen = len(self.terminal.output) if outputs is None else outputs
            self._judge = (index, when, not at_once_when_quiet, seen)
            self._stuck_at_judge = self._stuck_notes

    def _queue_note(self) -> None:
        waited = self._waited
        if waited is None or self.world.now < waited[1]:
            return
        self._waited = None
        index = waited[0]
        if self.index != index or index >= len(self.progress) or self.progress[index].done:
            return  # (the step passed, or there is none: the sandbox)
        now = self.world.now
        tries = [
            (entry.next_attempt, mta.host.name, entry.domain)
            for mta in self.world.mtas.values()
            for entry in mta.queue.waiting()
            if entry.next_attempt is not None
        ]
        for when, host, domain in sorted(tries):
            down = self._targets_down(domain)
            way_back = self._way_back(down) if down else None
            if way_back is None:
                continue
            # (walkA, reliable-delivery step 5: "/wait 300s lets it happen" while the server
            # was still down sent the student round in a loop of failed tries)
            names = " and ".join(down)
            attempt = (
                f"its next try (in {duration_words(when - now)})"
                if when > now
                else "the try under way"
            )
            if self._quiz_waits(index):
                return
            self.terminal.note(
                f"Not yet: a message still waits in {host}'s queue, but {names} "
                f"{'is' if len(down) == 1 else 'are'} still down, so {attempt} fails too. "
                f"The task brings it back: type {way_back}, then /wait again."
            )
            return
        tries = [t for t in tries if t[0] > now]
        if not tries:
            return
        when, host, domain = min(tries)
        left = when - now
        # (the /wait that sees that try, not /run: when the try fails again, /run plays
        # every later retry too, a virtual day of failures)
        if self._quiz_waits(index):
            return
        untyped = self._fault_untyped("/wait", without_it=True)
        if untyped is not None:
            # (walkC, starttls step 6: the attacker left on the link, each /wait told a longer
            # one, and the tries failed as before: a loop)
            self.terminal.note(
                f"Not yet: a message still waits in {host}'s queue; its next try is in "
                f"{duration_words(left)}. The task's {untyped} is not typed yet: until it "
                "is, the tries meet the network as it is now."
            )
            return
        down = self._targets_down(domain)
        if down:
            # (walkC, reliable-delivery step 4: a try at a host that is down ends only when
            # its SYN has waited CONNECT_TIMEOUT for an answer; "/wait 180s" ended before)
            names = " and ".join(down)
            self.terminal.note(
                f"Not yet: a message still waits in {host}'s queue; its next try is in "
                f"{duration_words(left)}. {names} {'is' if len(down) == 1 else 'are'} down, "
                f"so that try waits {CONNECT_TIMEOUT:g} s for an answer before it gives up: "
                f"/wait {left + CONNECT_TIMEOUT + 30:.0f}s sees it end."
            )
            return
        self.terminal.note(
            f"Not yet: a message still waits in {host}'s queue; its next try is in "
            f"{duration_words(left)}. /wait {left + 30:.0f}s lets it happen, with time for "
            "the delivery too."
        )

    def _targets_down(self, domain: str) -> list[str]:
        """The hosts a message to ``domain`` is tried at (its MX hosts, else the domain's own
        host) when every one of them is down: a try cannot succeed. Empty otherwise."""
        records = self.world.zone.mx.get(domain.lower(), []) if domain else []
        names = [r.host for r in records] or ([domain] if domain else [])
        hosts = [self.world.host_named(name) for name in names]
        if not hosts or any(h is None or h.up for h in hosts):
            return []
        return [h.name for h in hosts if h is not None]

    def _way_back(self, down: list[str]) -> str | None:
        """The current step's own line that brings a host in ``down`` back (its solution's
        /fault host-up, as its task says it), or None: a step that does not bring it back
        (one that watches the retries fail) is told when the next try is instead."""
        step = self.current
        for line in step.solution if step is not None else []:
            words = line.split()
            if words[:2] == ["/fault", "host-up"] and any(f"host={n}" in words for n in down):
                return " ".join(words)
        return None

    def _quiz_waits(self, index: int) -> bool:
        """Step ``index``'s task is done and only its question is left: said instead of what
        the queue holds, which may be the question's answer (walkB, starttls step 5 was told
        "a message still waits in smtp.crepes.fr's queue ... /wait 270s")."""
        if not self.quiz_open():
            return False
        self.terminal.note(
            f"Not yet: step {index + 1}'s task is done; its question waits for your answer: "
            "/answer and your answer (/hint for a nudge)."
        )
        return True

    def _settle(self) -> None:
        self._queue_note()
        judge = self._judge
        if judge is None:
            return
        index, when, wait, seen = judge
        if self.index != index or self.progress[index].done:
            self._judge = None  # (the step passed: nothing to say)
            return
        in_flight = self._in_flight(wait)
        if (in_flight and self._delivery_missing(index)) or (wait and self.world.now < when):
            return  # (still travelling: a deferred message is not judged)
        if not wait and len(self.terminal.output) <= seen and self.terminal.state == "open":
            return  # (the dot's reply has not come yet: judged once it has)
        self._judge = None
        if not wait and not self._message_missing(index):
            return  # (a final dot whose message did all it had to: the rest, QUIT, comes next)
        wants = self.still_wants(index)
        if self._stuck_notes > self._stuck_at_judge:
            return  # (a dead end's note said what is wrong with it, and the way out)
        if wants:
            self.terminal.note(
                f"Not yet: step {index + 1} still wants {wants}.{self._why_not(index)}"
            )

    def _in_flight(self, after_send: bool) -> bool:
        """Mail that may still pass the step waits in a queue: after a /send, any (the
        message leaves the mail program through its server's queue); after a final dot, the
        messages the student's server queued since (the student's own message, as it goes
        from server to server under one trace id)."""
        waiting = [e for mta in self.world.mtas.values() for e in mta.queue.waiting()]
        if after_send or self._dot is None:
            return bool(waiting)
        ids = self._dot_ids()
        return any(e.message in ids for e in waiting)

    def _dot_ids(self) -> set[str]:
        """The trace ids of the messages the last final dot's server queued since the dot
        (the student's own message among them); none without a dot."""
        if self._dot is None:
            return set()
        server, read, ids = self._dot
        trace = self.world.trace
        for r in trace[read:]:
            if r.kind is Kind.QUEUED and r.src == server and r.message is not None:
                ids.add(r.message)
        self._dot = (server, len(trace), ids)
        return ids

    def _delivery_missing(self, index: int) -> bool:
        """Step ``index`` waits for a delivery (a mailbox or queue check not passed yet): a
        message still travelling may pass it. What was typed (a line, a reply) is judged at
        once (walkB2: a dot typed too early said nothing while the message sat in a queue)."""
        return any(isinstance(check, MailboxHas | QueueEvent) for check in self._unmet(index))

    def _message_missing(self, index: int) -> bool:
        """Step ``index`` has a check about the message itself (its lines, its delivery, the
        reply to its final dot) that does not pass: what a final dot can be judged on. Only
        then is "Not yet" said after a dot; "still wants QUIT" would scold a student who is
        in the middle of the task (walkA, walkB)."""
        return any(
            isinstance(check, DataLine | MailboxHas | QueueEvent)
            or (isinstance(check, ReplyCheck) and (check.to or "").startswith("<"))
            for check in self._unmet(index)
        )

    def still_wants(self, index: int | None = None, *, hide: str | None = None) -> str:
        """What step ``index`` still needs, its quiz aside, in words for the student (the
        console's "Not yet"): "you", and no regular expressions. ``hide``: the quiz's answer;
        a need that names it is left out (walkA: press-send step 4's premature /answer was
        told the hop from mail.cs.tcd.ie to smtp.crepes.fr, which is its answer B)."""
        shown = shown_to_student(self.lesson, self.index if index is None else index)
        with for_the_student(shown):
            missing = [m for m in self.not_met(index) if not m.startswith("a correct answer")]
        if hide:
            missing = [m for m in missing if not _names_answer(m, hide)]
        return "; ".join(missing).replace("the student's", "your").replace("the student", "you")

    def _why_not(self, index: int) -> str:
        """After a "Not yet": what went wrong, when the trace tells (a bounce and its reason),
        and how to try again when the message was handed over (the transaction is over)."""
        records = self.context(index).records
        mine = self._sent | self._dot_ids()
        # (only the student's own messages: a scenario's background mail bounces too)
        bounces = [
            r
            for r in records
            if r.layer is Layer.QUEUE and r.kind is Kind.BOUNCED and r.message in mine
        ]
        refused = [
            r
            for r in records
            if r.layer is Layer.INFO
            and r.kind is Kind.ERROR
            and r.message in mine
            and r.summary.startswith("mail client: ")
        ]
        said = ""
        if refused and (not bounces or refused[-1].seq > bounces[-1].seq):
            why = refused[-1].summary.removeprefix("mail client: ").strip().rstrip(".")
            said += f" Your message was refused by the mail program's server ({why})."
        if any("spf=permerror" in r.summary for r in records if r.layer is Layer.INFO):
            # (walkB, mail-auth step 6: a record with an address but no ip4: was taken)
            said += (
                " The receiver's SPF check gave spf=permerror: the SPF record is not valid SPF"
                " (/dns txt said why when it was published)."
            )
        elif bounces:
            reason = str(bounces[-1].get("reason") or "").strip().rstrip(".")
            said += " The message bounced" + (f" ({reason})" if reason else "") + "."
            said += self._unknown_domain(bounces[-1], reason)
        step = self.lesson.steps[index]
        about_a_message = any(isinstance(c, DataLine | MailboxHas) for c in step.checks)
        if about_a_message and self.terminal.state == "open" and not self.terminal.in_data:
            said += " To try again, start a new message: MAIL FROM:, RCPT TO:, then DATA."
        return said

    def _unknown_domain(self, bounce: TraceRecord, reason: str) -> str:
        """A bounce because the recipient's domain has no DNS name: which domain, and the
        network's domain it most resembles (a typo is the usual cause)."""
        if "NXDOMAIN" not in reason and "not found" not in reason.lower():
            return ""
        mta = self.world.mtas.get(bounce.src or "")
        entry = mta.queue.entries.get(str(bounce.get("queue_id"))) if mta is not None else None
        if entry is None or not entry.domain:
            return ""
        known = {d for m in self.world.mtas.values() for d in m.domains} | set(self.world.zone.mx)
        guess = difflib.get_close_matches(entry.domain.lower(), sorted(known), n=1, cutoff=0.6)
        return f" {entry.domain} does not exist (no such name in the DNS)" + (
            f": did you mean {guess[0]}?" if guess else "."
        )

    def evaluate(self) -> bool:
        """Tick off the current step (and the next ones) while their checks pass; then say
        why a step is still open once the student's last action has settled."""
        moved = self._tick_steps()
        self._stuck_note()
        self._settle()
        return moved

    def _stuck_note(self) -> None:
        """The current step's dead ends (its ``stuck``): one that the session has walked into
        since the step began, while the step is open, is said once, with the way out."""
        i = self.index
        if i >= len(self.lesson.steps) or self.progress[i].done:
            return
        step = self.lesson.steps[i]
        if not step.stuck:
            return
        progress = self.progress[i]
        watch = self._stuck
        if watch is None or watch.index != i or watch.started_at != progress.started_at:
            watch = self._stuck = StepWatch(i, progress.started_at, [s.when for s in step.stuck])
            self._stuck_said = set()
            self._stuck_met = {}
        trace = self.world.trace
        if watch.fed < len(trace):
            watch.catch_up(trace[watch.fed :])
        ctx = CheckContext(self.world, (), self.terminal, progress.quiz_correct, progress.answers)
        term = self.terminal
        shown = len(term.output)
        for k, (stuck, part) in enumerate(zip(step.stuck, watch.watches, strict=True)):
            if k in self._stuck_said:
                continue
            if k not in self._stuck_met:
                if not part.passed(ctx):
                    continue
                self._stuck_met[k] = shown
            # (a reply is in the trace when the server sends it, before the console shows it:
            # wait for it; a message line gets no reply, and a closed session none to come)
            if shown > self._stuck_met[k] or term.in_data or term.state != "open":
                self._stuck_said.add(k)
                self._stuck_notes += 1
                term.note(f"Not yet: {stuck.say}")

    def _tick_steps(self) -> bool:
        size = len(self.world.trace)
        if size == self._evaluated_at and not self._dirty:
            return False
        self._evaluated_at = size
        self._dirty = False
        moved = False
        while self.index < len(self.lesson.steps) and not self.progress[self.index].done:
            if not self.step_passed():
                break
            self.progress[self.index].done = True
            step = self.lesson.steps[self.index]
            self.world.record(
                Layer.INFO,
                Kind.NOTE,
                "lesson",
                None,
                f"step {self.index + 1} done: {step.title}",
                info=(("step", step.id), ("passed", True)),
            )
            moved = True
            if not self.cursor.advance():
                break
            self.progress[self.index].started_at = len(self.world.trace)
        return moved

    def go_to(self, index: int) -> None:
        """Show another step (the app's next/previous); its checks count from now."""
        if self.cursor.go_to(index):
            self._dirty = True
            if not self.progress[index].done:
                self.progress[index].started_at = len(self.world.trace)

    def grade(self) -> list[bool]:
        """The instructor's grading checks over the whole attempt."""
        ctx = CheckContext(self.world, self.world.trace.records, self.terminal)
        return [check.passed(ctx) for check in self.lesson.grading]

    # -- the timeline -------------------------------------------------------------------------

    def _schedule(self, event: TimelineEvent) -> None:
        self.world.clock.at(
            float(event.at), self._fire, event, priority=0, label=f"timeline {event.action}"
        )

    def _fire(self, event: TimelineEvent) -> None:
        world = self.world
        headline = (("headline", event.headline),) if event.headline else ()
        if event.action == "narrate":
            world.record(Layer.INFO, Kind.NARRATION, "narrator", None, event.text, info=headline)
        elif event.action == "pause":
            self.pauses.append(world.now)
            world.record(
                Layer.INFO,
                Kind.NARRATION,
                "narrator",
                None,
                event.text,
                info=(("pause", True), *headline),
            )
        elif event.action == "fault":
            assert event.fault is not None
            try:
                apply_fault(world, event.fault, **event.params)
            except FaultError as exc:
                world.record(Layer.INFO, Kind.ERROR, "timeline", None, f"fault failed: {exc}")
        elif event.action == "send":
            assert event.sender is not None
            agent = world.agents.get(event.sender.lower())
            if agent is None:
                world.record(
                    Layer.INFO,
                    Kind.ERROR,
                    "timeline",
                    None,
                    f"{event.sender} has no mail client in this scenario",
                )
                return
            agent.send(event.to, event.subject or "(no subject)", event.body or "\n")


def replay(
    lesson: Lesson,
    inputs: list[tuple[int, str]],
    *,
    seed: int | None = None,
    upto_steps: int | None = None,
    on_output: Callable[[TerminalOutput], None] | None = None,
) -> LessonSession:
    """Rebuild a session from its inputs, each applied at the clock step where it was typed;
    with ``upto_steps``, stop the clock exactly there (stepping back)."""
    session = LessonSession(lesson, seed=seed, on_output=on_output)
    clock = session.world.clock
    for at_step, line in inputs:
        if upto_steps is not None and at_step > upto_steps:
            break
        while clock.steps < at_step and clock.peek() is not None:
            session.step()
        session.enter(line, run=False)
    limit = upto_steps if upto_steps is not None else max((s for s, _ in inputs), default=0)
    while clock.steps < limit and clock.peek() is not None:
        session.step()
    return session


def shown_to_student(lesson: Lesson, index: int) -> str:
    """What the student has been shown by step ``index``: the titles, texts and tasks of the
    lesson's steps up to it (not their hints, asked for one by one, nor their solutions, nor
    the quizzes' answers): what a "Not yet" may name."""
    return "\n".join(f"{s.title}\n{s.text}\n{s.task}" for s in lesson.steps[: index + 1])


def _first_client(world: World) -> str:
    for host in world.network.hosts.values():
        if host.role == "client":
            return host.name
    return next(iter(world.network.hosts))
