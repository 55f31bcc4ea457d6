"""Start-up on the main screen: the first frame, then the lesson in its place.

From the command line the main screen is given a function that reads the lesson. Its first
frame is the header, "Loading lesson..." where the lesson panel and the tabbed views go, and
the console's input line; :func:`read_lesson` reads the lesson, builds its world and imports
the views in a thread (loading.py's :func:`~smtp_sim.tui.loading.prepare`), and
:func:`replace_placeholders` mounts the lesson panel, the tabs with their views and the footer.
Meanwhile :class:`Loading` keeps what the student typed and who waits for the lesson.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING

from textual import events

from ..loading import prepare, prepare_preview

if TYPE_CHECKING:
    from ...course.lesson import Lesson
    from ...course.playback import Playback
    from ...course.preview import LessonPreview
    from ...course.progress import Progress, ProgressStore


class Loading:
    """The lesson being read behind the first frame."""

    def __init__(
        self,
        load: Callable[[], Lesson],
        name: str,
        preview: Callable[[], LessonPreview | None] | None = None,
    ) -> None:
        self.load = load
        self.preview = preview
        self.name = name  # what the problem page calls it
        #: Called once the lesson panel shows the lesson (its preview, or the lesson).
        self.shown: list[Callable[[], object]] | None = []
        #: The lesson could not be used: its problems (the page shows them).
        self.problems: list[str] | None = None
        #: Lines entered meanwhile: entered once the lesson is on screen.
        self.typed: list[str] = []
        #: Called once the lesson is on screen.
        self.waiting: list[Callable[[], object]] = []

    def check_action(self, action: str, own_actions: frozenset[str]) -> bool | None:
        """Textual's own actions work; the screen's are dimmed until the lesson is on screen
        (gone on the problem page, where only Quit works)."""
        if action not in own_actions:
            return True
        if self.problems is not None:
            return False
        return None


async def read_lesson(
    load: Callable[[], Lesson], store: ProgressStore | None, seed: int | None
) -> tuple[Lesson, Playback, Progress] | list[str]:
    """In a thread: the lesson, its first playback and the progress file, or the lesson's
    problems (a file that cannot be used)."""
    try:
        return await asyncio.to_thread(prepare, load, store, seed)
    except Exception as exc:
        from ...scenario.problems import ScenarioError

        if not isinstance(exc, ScenarioError):
            raise
        return [str(p) for p in exc.problems]


async def read_preview(preview: Callable[[], LessonPreview | None]) -> LessonPreview | None:
    """In a thread: the lesson's preview (None: none to show) and the lesson panel's modules."""
    return await asyncio.to_thread(prepare_preview, preview)


class HeldKeys:
    """The keys held while the lesson loads: a key that needs the lesson (F2, F5, ctrl+p...)
    and every key typed after it, to be handled once the lesson is loaded, in the order typed.

    The main screen posts them to the app again (:meth:`batch`); a key that comes meanwhile
    (it was on its way as they were posted) is held too, until the last of them has been
    handled: no key overtakes another."""

    def __init__(self) -> None:
        self.held: list[events.Key] = []
        #: Keys posted again and not handled yet.
        self.posted: list[events.Key] = []
        #: The lesson is loaded: no key needs holding for it any more.
        self.loaded = False

    def take(self, event: events.Key, needs_lesson: bool) -> bool:
        """True when ``event`` (not one posted again) is held, to be handled later."""
        if self.held or self.posted or (needs_lesson and not self.loaded):
            self.held.append(events.Key(event.key, event.character))
            return True
        return False

    def was_posted(self, event: events.Key) -> bool:
        """True when ``event`` is one posted again (no longer on its way)."""
        if not any(event is key for key in self.posted):
            return False
        self.posted = [key for key in self.posted if key is not event]
        return True

    def batch(self) -> list[events.Key]:
        """The keys held so far, to post again (they are then :attr:`posted`)."""
        self.posted, self.held = self.held, []
        return self.posted

    @property
    def done(self) -> bool:
        """Nothing held or on its way, and nothing will be."""
        return self.loaded and not self.held and not self.posted
