"""Start-up: the app's first frame comes before its lesson.

The command line gives the app a function that reads the lesson (:func:`course_loader`). The
first frame is the header, "Loading lesson..." where the lesson panel and the tabbed views go,
and the console's input line; then, in a thread, the lesson is read and validated, its first
world built and the views' modules imported (:func:`prepare`), and the lesson panel, the tabs
with their views and the footer are mounted in one frame (the main screen does it:
:class:`~smtp_sim.tui.screens.main.MainScreen`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from ..course.progress import Progress, ProgressStore

if TYPE_CHECKING:
    from textual.widget import Widget

    from ..course.lesson import Lesson
    from ..course.playback import Playback
    from ..course.preview import LessonPreview
    from .widgets.following import Following, PlaybackSource

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
    so they are imported with the lesson (:func:`prepare`), not for the first
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


def make_views(source: PlaybackSource) -> dict[str, Widget]:
    """A new view for each tab, by pane id, each reading the playback from ``source`` (the
    controller) when its ``revision`` moves (the screen binds it: widgets/following.py)."""
    views = {pane: cls(id=view) for pane, (view, cls) in view_classes().items()}
    for view in views.values():
        cast("Following", view).follower.source = source
    return views


def prepare(
    load: Callable[[], Lesson], store: ProgressStore | None, seed: int | None
) -> tuple[Lesson, Playback, Progress]:
    """In a thread: the progress file, the lesson (read and validated), its first world,
    and the modules of the views, all imported here rather than on the event loop."""
    from textual.widgets import Markdown  # noqa: F401  (the lesson panel's)

    from ..course.playback import Playback

    progress = store.load() if store is not None else Progress()
    lesson = load()
    playback = Playback(lesson, seed=seed)
    view_classes()
    return lesson, playback, progress


def prepare_preview(preview: Callable[[], LessonPreview | None]) -> LessonPreview | None:
    """In a thread: the lesson's preview, and the lesson panel's modules (Markdown)."""
    from .widgets import lesson_markdown  # noqa: F401  (the lesson panel's)

    return preview()


def course_lesson_id(
    store: ProgressStore, first: Callable[[], str | None], lesson_id: str | None = None
) -> str | None:
    """The built-in lesson the course opens on: ``lesson_id``, else where the student left
    off (``store``), else lesson 1 (``first()``); None when there is none."""
    from ..scenario.builtin import list_builtin

    if lesson_id is not None:
        return lesson_id
    current = store.load().current
    # Only the lesson opened is read and validated: start-up stays quick.
    return current if current in list_builtin() else first()


def course_loader(store: ProgressStore, lesson_id: str | None = None) -> Callable[[], Lesson]:
    """A function that reads the lesson the course opens on (:func:`course_lesson_id`). It
    raises ScenarioError when there is none."""

    def load() -> Lesson:
        from ..course.lesson import first_lesson_id, load_builtin_lesson
        from ..scenario.problems import Problem, ScenarioError

        ident = course_lesson_id(store, first_lesson_id, lesson_id)
        if ident is None:
            raise ScenarioError([Problem("lessons", None, "(course)", "no built-in lessons found")])
        return load_builtin_lesson(ident)

    return load


def lesson_previewer(
    store: ProgressStore | None, ref: str | None
) -> Callable[[], LessonPreview | None]:
    """A function that reads the preview of the lesson ``ref`` (a path or a built-in id; None:
    the one the course opens on), at the step the student left it; None when the file does
    not read as a lesson."""

    def preview() -> LessonPreview | None:
        from ..course.preview import first_lesson_file, preview_lesson

        if ref is not None:
            ident: str | None = ref
        elif store is not None:
            ident = course_lesson_id(store, first_lesson_file)
        else:
            return None
        if ident is None:
            return None
        return preview_lesson(ident, store.load() if store is not None else None)

    return preview


def course_at_hand() -> bool:
    """The built-in course has been read in this process: ``smtp-sim web``'s sessions, whose
    zygote read it, open their lesson at once, no preview needed (nor its extra frame)."""
    import sys

    lesson_module = sys.modules.get("smtp_sim.course.lesson")  # (not imported for this)
    return lesson_module is not None and bool(lesson_module._builtin_course.cache_info().currsize)


#: Whether start-up paused the cyclic garbage collector (:func:`pause_gc`).
_gc_paused = False


def pause_gc() -> None:
    """Pause the cyclic garbage collector for start-up: the imports, the first frame, the
    lesson read and its world built create some hundred thousand objects, and collecting
    them as they come took 30-40 ms of it. :func:`resume_gc` ends the pause (the main screen
    calls it once the lesson is on screen, when it cannot be read, and when it closes)."""
    global _gc_paused
    import gc

    if gc.isenabled():
        gc.disable()
        _gc_paused = True


def resume_gc() -> None:
    """The end of :func:`pause_gc`'s pause (nothing when nothing was paused): what start-up
    built is moved out of the collector's view (``gc.freeze``: it lives as long as the app)
    and the collector runs again."""
    global _gc_paused
    import gc

    if _gc_paused:
        _gc_paused = False
        gc.freeze()
        gc.enable()
