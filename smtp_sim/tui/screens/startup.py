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

from ..loading import prepare

if TYPE_CHECKING:
    from ...course.lesson import Lesson
    from ...course.playback import Playback
    from ...course.progress import Progress, ProgressStore


class Loading:
    """The lesson being read behind the first frame."""

    def __init__(self, load: Callable[[], Lesson], name: str) -> None:
        self.load = load
        self.name = name  # what the problem page calls it
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
