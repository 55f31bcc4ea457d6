"""How a view follows the playback: data down, pulled by the view itself.

The main screen binds each view's ``revision`` to its own with ``data_bind``; the controller
raises the screen's once per change, and Textual sets the views' in the same call
(synchronously: a key's effect is on screen with it). A view's ``watch_revision`` asks its
:class:`TraceFollower` for what it has not shown yet, from the :class:`PlaybackSource` it was
given (the controller, seen only through this protocol): ``reset`` for another playback or a
rebuilt one (its ``generation`` moved on), ``advance`` with the records since its own count.

Revision 0 is "nothing told yet": a view bound before the lesson is open waits for the first
change. A view without a source (the presenter's) is given its records by hand.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from ...course.playback import Playback
    from ...world.trace import TraceRecord
    from ...world.world import World


class PlaybackSource(Protocol):
    """What a view reads: the playback on screen (the PlaybackController has it)."""

    @property
    def playback(self) -> Playback: ...


class TraceView(Protocol):
    """A view given trace records: all of them after a rebuild, then the new ones."""

    def reset(self, world: World) -> None: ...
    def advance(self, world: World, new: Sequence[TraceRecord]) -> None: ...


class Following(Protocol):
    """A view that follows the playback on its own."""

    follower: TraceFollower


class TraceFollower:
    """One view's own place in the playback: the playback and generation it shows, and how
    many of its trace records it has been given."""

    def __init__(self, *, quiet_time: bool = False) -> None:
        """``quiet_time``: also advance (with no records) when only the clock moved (a /wait):
        the map shows the time."""
        self.source: PlaybackSource | None = None
        self.quiet_time = quiet_time
        self._playback: Playback | None = None
        self._generation = -1
        self._seen = 0
        self._now = 0.0

    def new_playback(self, revision: int) -> Playback | None:
        """The playback if it is another than the one last shown (or None)."""
        if self.source is None or revision == 0:
            return None
        pb = self.source.playback
        if pb is self._playback:
            return None
        self._playback = pb
        self._generation = -1
        return pb

    def follow(self, view: TraceView, revision: int) -> None:
        """Bring ``view`` up to the source's playback (nothing before the first change)."""
        if self.source is None or revision == 0:
            return
        pb = self.source.playback
        if pb is not self._playback:
            self._playback = pb
            self._generation = -1
        world = pb.world
        records = world.trace.records
        if pb.generation != self._generation:
            self._generation = pb.generation
            self._seen = len(records)
            view.reset(world)
        else:
            new = records[self._seen :]
            self._seen = len(records)
            if new:
                view.advance(world, new)
            elif self.quiet_time and world.now != self._now:
                view.advance(world, ())
        self._now = world.now
