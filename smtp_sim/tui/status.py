"""Playing on the main screen: the timer that ticks the controller, and the status line under
the views that says where the playback is (playing or paused, or live; the virtual time, the
event count, the speed, the steps passed).

The timer is wall-clock pacing, the UI's alone (the model never reads the clock): the
controller says how fast (``pace``) and the timer calls its ``tick``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

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


def status_line(control: PlaybackController, *, timer_running: bool) -> Text:
    """The status line for ``control``'s playback (``timer_running``: the screen's timer is
    there to play)."""
    pb = control.playback
    text = Text()
    # The steps first after the badge: a narrow line (80 columns) is cut at the right.
    steps = ""
    if control.lesson.steps:
        steps = f"  steps {sum(pb.session.passed_steps())}/{len(control.lesson.steps)} "
    if control.live_running:  # the bridge runs the clock at wall-clock pace: no pause, no speed
        text.append(" \u25cf live ", style="bold reverse")
        text.append(steps)
        text.append(
            f"  t = {pb.world.now:,.3f} s   event {len(pb.world.trace)}   wall-clock pace (--listen)"
        )
    else:
        playing = timer_running and control.playing
        text.append(" \u25b6 playing " if playing else " \u23f8 paused ", style="bold reverse")
        text.append(steps)
        text.append(
            f"  t = {pb.world.now:,.3f} s   event {len(pb.world.trace)}   speed {SPEEDS[control.speed]}/s"
        )
        if pb.at_end:
            text.append("   (nothing more scheduled)", style="dim")
    return text
