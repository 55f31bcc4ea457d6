"""What the app's mixins (loading, playing, console_keys, live, exporting) may use of the
app, for the type checker: at run time their base is ``object`` and the app itself
(:class:`~smtp_sim.tui.app.SmtpSimApp`) gives them all of it.

A stopgap until the mixins are folded into a main screen: it names, in one place, every
attribute one mixin reads from another.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from textual.app import App
    from textual.timer import Timer

    from ..course.lesson import Lesson
    from ..course.playback import Playback
    from ..course.progress import Progress, ProgressStore
    from .controller import PlaybackController
    from .live import LiveBridge
    from .widgets.console import Console

    class AppMixin(App[None]):
        controller: PlaybackController
        live: LiveBridge | None
        export_dir: Path | None
        _loading: Callable[[], Lesson] | None
        _problems: list[str] | None
        _typed_while_loading: list[str]
        _on_loaded: list[Callable[[], object]]
        _load_name: str
        _explained: int
        _timer: Timer | None

        @property
        def playback(self) -> Playback: ...
        @property
        def lesson(self) -> Lesson: ...
        @property
        def progress(self) -> Progress: ...
        @progress.setter
        def progress(self, progress: Progress) -> None: ...
        @property
        def store(self) -> ProgressStore | None: ...
        @property
        def seed(self) -> int | None: ...
        @property
        def sandbox(self) -> bool: ...
        def refresh_views(self) -> None: ...
        def _open_first(self, lesson: Lesson, playback: Playback) -> None: ...
        def _live_error(self, text: str) -> None: ...
        def on_console_submitted(self, event: Console.Submitted) -> None: ...
        def _explain(
            self, code: int, enhanced: str | None, *, command: str | None = None, text: str = ""
        ) -> None: ...

else:
    AppMixin = object
