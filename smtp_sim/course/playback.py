"""Playing a lesson or a sandbox the way the app does: step forward, step back, play, reset.

The model is deterministic, so stepping back rebuilds the session from its inputs up to the
earlier clock step (Packet Tracer's Back button shows an earlier moment the same way). What the
student typed is never lost: every line stays in ``history`` (the console's up-arrow), even a
line that stepping back removed from the timeline. No wall clock here: the app paces playback.
"""

from __future__ import annotations

from collections.abc import Callable

from ..world.student_terminal import TerminalOutput
from ..world.trace import TraceRecord
from ..world.world import World
from .lesson import Lesson
from .session import LessonSession, replay


class Playback:
    def __init__(
        self,
        lesson: Lesson,
        *,
        seed: int | None = None,
        on_output: Callable[[TerminalOutput], None] | None = None,
    ) -> None:
        self.lesson = lesson
        self.seed = seed
        self.on_output = on_output
        self.session = LessonSession(lesson, seed=seed, on_output=on_output)
        self.history: list[str] = []  # every line ever typed, for the console's history
        self.generation = 0  # bumps when the session is rebuilt: views must reset
        self.seen = 0  # trace records the views have been given
        self.furthest = 0  # the furthest clock step reached (for "step forward" after "back")
        self._future: list[tuple[int, str]] = []  # inputs beyond the present, after stepping back

    # -- looking ------------------------------------------------------------------------------

    @property
    def world(self) -> World:
        return self.session.world

    @property
    def steps(self) -> int:
        return self.session.world.clock.steps

    def new_records(self) -> list[TraceRecord]:
        """Records appended since the last call (what the views have not shown yet)."""
        records = self.world.trace.records
        new = records[self.seen :]
        self.seen = len(records)
        return new

    @property
    def at_end(self) -> bool:
        return self.world.clock.peek() is None

    @property
    def can_step_back(self) -> bool:
        return self.steps > 0

    # -- acting -------------------------------------------------------------------------------

    def enter(self, line: str, *, run: bool = True) -> str | None:
        """The student typed a line. Typing in the past makes the remembered future moot."""
        self.history.append(line)
        self._future.clear()
        message = self.session.enter(line, run=run)
        self.furthest = self.steps
        return message

    def step_forward(self) -> bool:
        """One event forward; re-applies a remembered input when its moment comes."""
        while self._future and self._future[0][0] == self.steps:
            _, line = self._future.pop(0)
            self.session.enter(line, run=False)
        ran = self.session.step()
        self.furthest = max(self.furthest, self.steps)
        return ran

    def step_back(self) -> bool:
        """One event back: rebuild the session up to the previous clock step."""
        if not self.can_step_back:
            return False
        self.go_to_step(self.steps - 1)
        return True

    def go_to_step(self, target: int, *, inputs: int | None = None) -> None:
        """Rebuild the session as it was at clock step ``target`` (an earlier one: the
        presenter's "previous pause"), with every input typed up to then, or only the first
        ``inputs`` of them (lines typed at that very step, after the moment to return to).
        The inputs left out are remembered as the future."""
        target = max(0, target)
        every = self.session.inputs + self._future
        keep = sum(1 for s, _ in every if s <= target) if inputs is None else inputs
        self._future = every[keep:]
        self._rebuild(every[:keep], target)

    def resume(self, inputs: list[tuple[int, str]], clock_steps: int) -> None:
        """Where a returning student left off: their lines typed again, each at its clock
        step, and the clock run to the step it had reached."""
        self.history = [line for _step, line in inputs]
        self._future.clear()
        self._rebuild(list(inputs), max(clock_steps, max((s for s, _ in inputs), default=0)))
        self.furthest = self.steps

    def reset(self) -> None:
        """Back to the start, everything typed forgotten by the world (not by the history)."""
        self._future.clear()
        self.furthest = 0
        self._rebuild([], 0)

    def _rebuild(self, inputs: list[tuple[int, str]], upto: int) -> None:
        self.session = replay(self.lesson, inputs, seed=self.seed, upto_steps=upto)
        self.session.terminal.on_output = self.on_output
        self.generation += 1
        self.seen = 0
