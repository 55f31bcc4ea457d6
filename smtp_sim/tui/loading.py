"""Start-up: the app's first frame comes before its lesson.

The command line gives the app a function that reads the lesson (:func:`course_loader`). The
first frame is the header, "Loading lesson..." where the lesson panel and the tabbed views go,
and the console's input line; then, in a thread, the lesson is read and validated, its first
world built and the views' modules imported, and the lesson panel, the tabs with their views
and the footer are mounted in one frame (:class:`LoadingActions`, a mixin of the app).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from textual.binding import Binding
from textual.widgets import TabbedContent, TabPane

from ..course.progress import Progress, ProgressStore
from .mixin_base import AppMixin
from .widgets.console import Console
from .widgets.footer import KeyFooter
from .widgets.lesson_panel import LessonPanel

if TYPE_CHECKING:
    from textual.widget import Widget

    from ..course.lesson import Lesson
    from ..course.playback import Playback

LOADING = "Loading lesson\u2026"
#: The tabs on the right: title and pane id (the views in them: :func:`view_classes`).
TABS = (
    ("Map", "tab-map"),
    ("Flow", "tab-flow"),
    ("Events", "tab-events"),
    ("Inspector", "tab-inspector"),
    ("Mailboxes", "tab-mailboxes"),
    ("Queues", "tab-queues"),
)


def view_classes() -> dict[str, tuple[str, type[Widget]]]:
    """The view of each tab: pane id -> (view id, class). Their modules import the simulation,
    so they are imported with the lesson (:meth:`SmtpSimApp._prepare`), not for the first
    frame."""
    from .widgets.event_list import EventList
    from .widgets.flow_diagram import FlowDiagram
    from .widgets.inspector import Inspector
    from .widgets.mailboxes import MailboxView
    from .widgets.network_map import NetworkMap
    from .widgets.queue_view import QueueView

    return {
        "tab-map": ("map", NetworkMap),
        "tab-flow": ("flow", FlowDiagram),
        "tab-events": ("events", EventList),
        "tab-inspector": ("inspector", Inspector),
        "tab-mailboxes": ("mailboxes", MailboxView),
        "tab-queues": ("queues", QueueView),
    }


def make_views() -> dict[str, Widget]:
    """A new view for each tab, by pane id."""
    return {pane: cls(id=view) for pane, (view, cls) in view_classes().items()}


class LoadingActions(AppMixin):
    """The app's start-up (see the module): what it does before and as the lesson arrives."""

    @property
    def is_loaded(self) -> bool:
        """True once the lesson is on screen (from the start when given a lesson)."""
        return self._loading is None

    def when_loaded(self, callback: Callable[[], object]) -> None:
        """Call ``callback`` once the lesson is on screen: the views filled and the step's
        text mounted (soon, if it is already)."""
        if self._loading is None:
            self.call_next(callback)
        else:
            self._on_loaded.append(callback)

    #: App actions that need no lesson: they work while it loads.
    ACTIONS_WITHOUT_LESSON: ClassVar[frozenset[str]] = frozenset({"help", "quit", "high_contrast"})

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self._loading is None or action == "quit":
            return True
        own = action == "command_palette" or any(
            isinstance(b, Binding) and b.action == action for b in self.BINDINGS
        )
        if not own:
            return True  # Textual's own (focus, ...)
        if self._problems is not None:
            return False  # the problem page: Quit only
        # Dimmed in the footer until the lesson is on screen.
        return True if action in self.ACTIONS_WITHOUT_LESSON else None

    def _prepare(self) -> tuple[Lesson, Playback, Progress]:
        """In a thread: the progress file, the lesson (read and validated), its first world,
        and the modules of the views, all imported here rather than on the event loop."""
        from textual.widgets import Markdown  # noqa: F401  (the lesson panel's)

        from ..course.playback import Playback

        progress = self.store.load() if self.store is not None else Progress()
        assert self._loading is not None
        lesson = self._loading()
        playback = Playback(lesson, seed=self.seed)
        view_classes()
        return lesson, playback, progress

    def _start_loading(self) -> None:
        self.run_worker(self._load_in_background(), name="load lesson")

    async def _load_in_background(self) -> None:
        try:
            lesson, playback, progress = await asyncio.to_thread(self._prepare)
        except Exception as exc:
            from ..scenario.problems import ScenarioError

            if not isinstance(exc, ScenarioError):
                raise
            self._show_problems([str(p) for p in exc.problems])
            return
        self.progress = progress
        # One frame with everything: the views filled and the step's text in place.
        with self.batch_update():
            await self._mount_views()
            self._loading = None
            self._open_first(lesson, playback)
            self.refresh_bindings()  # the footer's keys, no longer dimmed
            text = self.query_one(LessonPanel).text_updated
            if text is not None:
                await text
        typed, self._typed_while_loading = self._typed_while_loading, []
        for line in typed:
            self.on_console_submitted(Console.Submitted(line))
        callbacks, self._on_loaded = self._on_loaded, []
        for callback in callbacks:
            callback()

    async def _mount_views(self) -> None:
        """The lesson panel and the views, in place of the first frame's placeholders."""
        footer = self.query_one("#footer-loading")
        await self.mount(KeyFooter(), before=footer)
        await footer.remove()
        placeholder = self.query_one("#lesson-loading")
        await self.query_one("#main").mount(LessonPanel(id="lesson"), before=placeholder)
        await placeholder.remove()
        waiting = self.query_one("#views-loading")
        tabs = TabbedContent(id="views")
        await self.query_one("#right").mount(tabs, before=waiting)
        await waiting.remove()
        views = make_views()
        for title, pane in TABS:
            await tabs.add_pane(TabPane(title, views[pane], id=pane))

    @property
    def shows_problems(self) -> bool:
        """The lesson could not be used: the command exits 2 after the problem page."""
        return self._problems is not None

    def _show_problems(self, problems: list[str]) -> None:
        from .screens.error import ProblemScreen

        self._problems = problems
        self.refresh_bindings()
        self.push_screen(ProblemScreen(self._load_name, problems))


def course_loader(store: ProgressStore, lesson_id: str | None = None) -> Callable[[], Lesson]:
    """A function that reads the lesson the course opens on: ``lesson_id``, else where the
    student left off (``store``), else lesson 1. It raises ScenarioError when there is none."""

    def load() -> Lesson:
        from ..course.lesson import first_lesson_id, load_lesson
        from ..scenario.files import list_builtin
        from ..scenario.problems import Problem, ScenarioError

        ident = lesson_id
        if ident is None:
            current = store.load().current
            # Only the lesson opened is read and validated: start-up stays quick.
            ident = current if current in list_builtin() else first_lesson_id()
        if ident is None:
            raise ScenarioError([Problem("lessons", None, "(course)", "no built-in lessons found")])
        return load_lesson(ident)

    return load
