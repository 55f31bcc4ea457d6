"""Playing the simulation in the app: play and pause (a timer steps the clock), step forward
and back, the speed, reset, and the status line that says where the playback is.

A mixin of :class:`~smtp_sim.tui.app.SmtpSimApp`: the keys F5-F9 land here. The playback
itself (stepping, replaying up to an event) is the model's :class:`Playback`; this only
drives it on a timer and tells the views.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

if TYPE_CHECKING:
    from textual.timer import Timer

    from ..course.lesson import Lesson
    from ..course.playback import Playback
    from .live import LiveBridge

SPEEDS = (1, 2, 5, 10, 25, 100)  # events per second while playing


class PlayingActions:
    """Play, pause, step, speed, reset; the status line."""

    playback: Playback
    lesson: Lesson
    _timer: Timer | None
    _speed: int
    live: LiveBridge | None
    _timer_running = False

    def _start_timer(self) -> None:
        """The timer that plays, paused until F5 (or a /send) starts it."""
        self._timer = self.set_interval(1 / SPEEDS[self._speed], self._tick, pause=True)

    def _update_status(self) -> None:
        pb = self.playback
        playing = self._timer is not None and self._timer_running
        live = self.live is not None and self.live.running
        text = Text()
        if live:  # the bridge runs the clock at wall-clock pace: no pause, no speed
            text.append(" \u25cf live ", style="bold reverse")
            text.append(
                f"  t = {pb.world.now:,.3f} s   event {pb.steps}   wall-clock pace (--listen)"
            )
        else:
            text.append(" \u25b6 playing " if playing else " \u23f8 paused ", style="bold reverse")
            text.append(
                f"  t = {pb.world.now:,.3f} s   event {pb.steps}   speed {SPEEDS[self._speed]}/s"
            )
            if pb.at_end:
                text.append("   (nothing more scheduled)", style="dim")
        session = pb.session
        if self.lesson.steps:
            done = sum(session.passed_steps())
            text.append(f"   steps {done}/{len(self.lesson.steps)}")
        self.query_one("#status", Static).update(text)

    def action_play_pause(self) -> None:
        if self._live_refuses("Play"):
            return
        if self._timer_running:
            self._pause()
        else:
            self._play()
        self._update_status()

    def _play(self) -> None:
        session = self.playback.session
        if self.playback.at_end and session.play_until is not None:
            # (a /wait with nothing scheduled: the time just passes, at once)
            session.run_until(session.play_until)
            session.play_until = None
            return
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
            self._timer = self.set_interval(1 / SPEEDS[self._speed], self._tick, pause=not running)
        self._update_status()

    def action_reset(self) -> None:
        if self._live_refuses("Reset"):
            return
        self._pause()
        self.playback.reset()
        self.refresh_views()
        self.notify("Reset to the start. Your typed lines are still in the history (up arrow).")
