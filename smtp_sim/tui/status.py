"""Playing on the main screen: the timer that ticks the controller, and the status line under
the views that says where the playback is (playing or paused, or live; the virtual time, the
event count, the speed, the steps passed).

The timer is wall-clock pacing, the UI's alone (the model never reads the clock): the
controller says how fast (``pace``) and the timer calls its ``tick``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.text import Text

from .controller import SPEEDS, PlaybackController

if TYPE_CHECKING:
    from textual.timer import Timer
    from textual.widget import Widget


class PlayTimer:
    """A widget's interval timer that plays: paused until F5 (or a /send) starts it."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._timer: Timer | None = None
        self._owner: Widget | None = None
        self._tick: Callable[[], object] | None = None

    @property
    def started(self) -> bool:
        return self._timer is not None

    def start(self, owner: Widget, tick: Callable[[], object]) -> None:
        """Call ``tick`` every ``interval`` seconds on ``owner``, paused."""
        self._owner = owner
        self._tick = tick
        self._timer = owner.set_interval(self.interval, tick, pause=True)

    def pace(self, interval: float, playing: bool) -> None:
        """Tick every ``interval`` seconds while ``playing`` (nothing before :meth:`start`)."""
        if self._timer is None or self._owner is None or self._tick is None:
            return
        if interval != self.interval:
            self._timer.stop()
            self.interval = interval
            self._timer = self._owner.set_interval(interval, self._tick, pause=not playing)
        elif playing:
            self._timer.resume()
        else:
            self._timer.pause()


def status_line(
    control: PlaybackController, *, timer_running: bool, width: int | None = None
) -> Text:
    """The status line for ``control``'s playback (``timer_running``: the screen's timer is
    there to play). When it is wider than ``width`` cells its least important parts go first:
    "(nothing more scheduled)", then the speed (or the wall-clock pace), then the event count;
    the badge, the steps and the time stay (80 columns cut "(nothing more" before)."""
    pb = control.playback
    # (text, style, importance: the lowest is dropped first)
    parts: list[tuple[str, str, int]] = []
    live = control.live_running
    if live:  # the bridge runs the clock at wall-clock pace: no pause, no speed
        parts.append((" \u25cf live ", "bold reverse", 9))
    else:
        playing = timer_running and control.playing
        parts.append((" \u25b6 playing " if playing else " \u23f8 paused ", "bold reverse", 9))
    if control.lesson.steps:
        parts.append(
            (f"  steps {sum(pb.session.passed_steps())}/{len(control.lesson.steps)} ", "", 8)
        )
    parts.append((f"  t = {pb.world.now:,.3f} s", "", 7))
    parts.append((f"   event {len(pb.world.trace)}", "", 3))
    if live:
        parts.append(("   wall-clock pace (--listen)", "", 2))
    else:
        parts.append((f"   speed {SPEEDS[control.speed]}/s", "", 2))
        if pb.at_end:
            parts.append(("   (nothing more scheduled)", "dim", 1))
    if width is not None:
        while sum(cell_len(part) for part, _, _ in parts) > width and len(parts) > 1:
            parts.remove(min(parts, key=lambda part: part[2]))
    return Text.assemble(*((part, style) for part, style, _ in parts))
