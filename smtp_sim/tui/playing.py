"""Playing the simulation in the app: the timer that plays, the keys F5-F9 and the status
line that says where the playback is.

A mixin of :class:`~smtp_sim.tui.app.SmtpSimApp`. What the keys do is the controller's
(:class:`~smtp_sim.tui.controller.PlaybackController`); this keeps the timer it asks for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

from .controller import SPEEDS
from .mixin_base import AppMixin

if TYPE_CHECKING:
    pass


class PlayingActions(AppMixin):
    """Play, pause, step, speed, reset; the timer; the status line."""

    _timer_interval: float

    @property
    def _timer_running(self) -> bool:
        return self.controller.playing

    def _start_timer(self) -> None:
        """The timer that plays, paused until F5 (or a /send) starts it."""
        self._timer_interval = self.controller.interval
        self._timer = self.set_interval(self._timer_interval, self.controller.tick, pause=True)

    def pace(self, interval: float, playing: bool) -> None:
        """The controller's: tick every ``interval`` seconds while ``playing``."""
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

    def _update_status(self) -> None:
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
        session = pb.session
        if control.lesson.steps:
            done = sum(session.passed_steps())
            text.append(f"   steps {done}/{len(control.lesson.steps)}")
        self.query_one("#status", Static).update(text)

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
