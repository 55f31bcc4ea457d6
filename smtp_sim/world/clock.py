"""A discrete-event clock with virtual time, in the manner of SimPy's core.

A heap of ``(time, priority, sequence, action, args)``: the sequence number from
``itertools.count`` breaks ties, so events at the same moment always run in the order they were
scheduled. The model never reads the wall clock; playback speed belongs to the UI.

The heap holds plain tuples rather than :class:`Scheduled` objects: tuples compare in C, and the
sequence number is unique, so nothing after it is ever compared. An event scheduled with
:meth:`Clock.schedule` may be cancelled, so its entry is ``(time, priority, seq, Scheduled,
None)`` and the run loop looks at the handle; most events (a segment arriving, a DNS answer)
are never cancelled and go in with :meth:`Clock.call_later` as ``(time, NORMAL, seq, action,
args)``, without a handle. A large world spends much of its time in the heap.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

URGENT = 0
NORMAL = 1


@dataclass(order=True, slots=True)
class Scheduled:
    time: float
    priority: int
    seq: int
    action: Callable[..., Any] = field(compare=False)
    args: tuple[Any, ...] = field(compare=False, default=())
    label: str = field(compare=False, default="")
    cancelled: bool = field(compare=False, default=False)

    def cancel(self) -> None:
        self.cancelled = True
        # The entry stays in the heap until its time comes (lazy deletion); let go of what it
        # would have called, or a cancelled 30 s connect timeout keeps its whole connection
        # (sessions, engines, the message) alive for 30 virtual seconds.
        self.action = _cancelled
        self.args = ()


def _cancelled(*args: Any) -> None:
    """What a cancelled event does, should anything run it."""


class Clock:
    """Virtual seconds since the scenario's start."""

    def __init__(self) -> None:
        self.now: float = 0.0
        # (time, priority, seq, Scheduled, None) or (time, NORMAL, seq, action, args)
        self._heap: list[tuple[float, int, int, Any, tuple[Any, ...] | None]] = []
        self._seq = itertools.count()
        self.steps = 0

    def schedule(
        self,
        delay: float,
        action: Callable[..., Any],
        *args: Any,
        priority: int = NORMAL,
        label: str = "",
    ) -> Scheduled:
        if delay < 0:
            raise ValueError("cannot schedule in the past")
        time = self.now + delay
        seq = next(self._seq)
        item = Scheduled(time, priority, seq, action, args, label)
        heapq.heappush(self._heap, (time, priority, seq, item, None))
        return item

    def call_later(self, delay: float, action: Callable[..., Any], *args: Any) -> None:
        """``schedule(delay, action, *args)`` for an event that is never cancelled: no handle
        (and nothing to build one from). It runs in the same order ``schedule`` would run it."""
        if delay < 0:
            raise ValueError("cannot schedule in the past")
        time = self.now + delay
        heapq.heappush(self._heap, (time, NORMAL, next(self._seq), action, args))

    def at(
        self,
        time: float,
        action: Callable[..., Any],
        *args: Any,
        priority: int = NORMAL,
        label: str = "",
    ) -> Scheduled:
        return self.schedule(
            max(0.0, time - self.now), action, *args, priority=priority, label=label
        )

    def peek(self) -> float | None:
        """The time of the next event, or None when nothing is scheduled."""
        heap = self._heap
        while heap and heap[0][4] is None and heap[0][3].cancelled:
            heapq.heappop(heap)
        return heap[0][0] if heap else None

    def step(self) -> bool:
        """Run the next event. False when there was none."""
        heap = self._heap
        while heap:
            time, _, _, action, args = heapq.heappop(heap)
            if args is None:  # a Scheduled handle
                if action.cancelled:
                    continue
                action, args = action.action, action.args
            self.now = time
            self.steps += 1
            action(*args)
            return True
        return False

    def run(self, until: float | None = None, *, max_steps: int | None = None) -> None:
        """Run events until the heap is empty, virtual time passes ``until``, or max_steps."""
        # step() and peek() inlined: this loop is the world's innermost one.
        heap = self._heap
        pop = heapq.heappop
        if until is None and max_steps is None:  # to the end: nothing to look at before popping
            while heap:
                time, _, _, action, args = pop(heap)
                if args is None:  # a Scheduled handle
                    if action.cancelled:
                        continue
                    action, args = action.action, action.args
                self.now = time
                self.steps += 1
                action(*args)
            return
        steps = 0
        while heap:
            time, _, _, action, args = heap[0]
            if args is None:  # a Scheduled handle
                if action.cancelled:
                    pop(heap)
                    continue
                action, args = action.action, action.args
            if until is not None and time > until:
                break
            if max_steps is not None and steps >= max_steps:
                return
            pop(heap)
            self.now = time
            self.steps += 1
            action(*args)
            steps += 1
        if until is not None and until > self.now:
            self.now = until

    @property
    def pending(self) -> int:
        return sum(1 for entry in self._heap if entry[4] is not None or not entry[3].cancelled)
