"""Starting the app from the command line: the course, a lesson, a sandbox, the presenter.

The app paints its first frame before the lesson is read: reading and validating it (pydantic),
importing the simulation and building the first world happen after, off the event loop (see
``SmtpSimApp``'s ``load``). So nothing here imports them at module level.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textual.app import App

    from ..bridge.listen import ListenSpec
    from ..course.lesson import Lesson


def build_app(
    command: str,
    ref: str | None,
    *,
    seed: int | None = None,
    listen: Sequence[ListenSpec] | None = None,
    export_dir: str | Path | None = None,
):
    """The app to run, or a ProblemApp that explains why the file cannot be used.
    ``listen``: real ports in front of the scenario's servers (``--listen``).

    Without ``listen`` the lesson is loaded by the app after its first frame (a file with
    problems then shows them in the app). With ``listen`` it is loaded here: the listeners
    are checked against the scenario before the app starts."""
    from .loading import course_at_hand, course_loader, lesson_previewer, pause_gc

    if listen is None:
        pause_gc()  # (until the lesson is on screen: the main screen resumes it)
    from ..course.progress import default_store
    from .app import SmtpSimApp

    what = ref or "The course"  # how the problem page names what cannot be used
    load: Callable[[], Lesson]
    preview = None
    if command == "sandbox":
        sandbox, store, load = True, None, _sandbox_loader(ref or "classroom")
    elif command == "lesson" and ref is not None:
        sandbox, store = False, default_store()
        load, preview = _lesson_loader(ref), lesson_previewer(store, ref)
    else:
        sandbox, store = False, default_store()
        load = course_loader(store)
        if not course_at_hand():
            preview = lesson_previewer(store, None)
    if listen is None:
        return SmtpSimApp(
            load=load,
            preview=preview,
            load_name=what,
            sandbox=sandbox,
            store=store,
            seed=seed,
            export_dir=export_dir,
        )

    from ..bridge.listen import ListenError
    from ..scenario.problems import ScenarioError
    from .screens.error import ProblemApp

    try:
        return SmtpSimApp(
            load(),
            sandbox=sandbox,
            store=store,
            listen=listen,
            seed=seed,
            export_dir=export_dir,
        )
    except ScenarioError as exc:
        return ProblemApp(what, [str(p) for p in exc.problems])
    except ListenError as exc:
        return ProblemApp("--listen", [str(exc)])


def _sandbox_loader(scenario: str) -> Callable[[], Lesson]:
    def load() -> Lesson:
        from ..course.lesson import sandbox_lesson

        return sandbox_lesson(scenario)

    return load


def _lesson_loader(ref: str) -> Callable[[], Lesson]:
    def load() -> Lesson:
        from ..course.lesson import load_lesson

        return load_lesson(ref)

    return load


#: The exit status after the problem page (a file that cannot be used), as `run` and `check`.
PROBLEM_EXIT = 2


def no_terminal(command: str) -> str | None:
    """Why the app cannot start here: standard input is not a terminal (a pipe, /dev/null,
    a service) and no TEXTUAL_DRIVER says how to drive it (textual-serve sets one). Without
    this Textual's terminal driver reads a closed input for ever, at full CPU."""
    import os
    import sys

    if os.environ.get("TEXTUAL_DRIVER"):
        return None
    try:
        if sys.stdin is not None and sys.stdin.isatty():
            return None
    except (AttributeError, ValueError):
        pass
    return (
        f"smtp-sim {command}: standard input is not a terminal, and the app needs one: "
        "run it in a terminal (a browser: smtp-sim web; graded without a screen: "
        "smtp-sim run LESSON --answers FILE)"
    )


def _run(app, command: str) -> int:
    import os
    import sys

    problem = no_terminal(command)
    if problem is not None:
        print(problem, file=sys.stderr)
        return PROBLEM_EXIT
    if os.environ.get("SMTP_SIM_WEB_SESSION"):  # a visitor of smtp-sim web
        from ..web_session import run

        run(app)
    else:
        app.run()
    if getattr(app, "shows_problems", False):
        return PROBLEM_EXIT
    return 0 if app.return_code is None else app.return_code


def launch(
    command: str,
    ref: str | None,
    *,
    seed: int | None = None,
    listen: Sequence[ListenSpec] | None = None,
    export_dir: str | Path | None = None,
    student: str | None = None,
    theme: str | None = None,
) -> int:
    """``theme`` (``--theme``) for this run; without it the theme last picked in the app.
    A theme picked in the app (ctrl+t, the palette's "Change theme") is remembered."""
    from .app import SmtpSimApp

    app = build_app(command, ref, seed=seed, listen=listen, export_dir=export_dir)
    use_theme(app, theme)
    if student and isinstance(app, SmtpSimApp):
        # --student: in every exported attempt, and kept once the student exports
        app.main.controller.student_given = " ".join(student.split())
    return _run(app, command)


def use_theme(app: App, theme: str | None) -> None:
    """``theme``, else the one last picked in the app; and remember what is picked next."""
    from .app import SmtpSimApp
    from .settings import remembered_theme

    chosen = theme or remembered_theme()
    if chosen in app.available_themes:  # (a theme of another Textual version: the default)
        app.theme = chosen
    if isinstance(app, SmtpSimApp):  # (not a ProblemApp: nothing to pick a theme in)
        app.remember_theme = True


def build_presenter(ref: str, *, seed: int | None = None, animate: bool = True):
    from ..course.lesson import load_presentation
    from ..scenario.problems import ScenarioError
    from .presenter import PresenterApp
    from .screens.error import ProblemApp

    try:
        return PresenterApp(load_presentation(ref), seed=seed, animate=animate)
    except ScenarioError as exc:
        return ProblemApp(ref, [str(p) for p in exc.problems])


def launch_presenter(
    ref: str, *, seed: int | None = None, animate: bool = True, theme: str | None = None
) -> int:
    """The presenter starts in high contrast, for a projector, unless ``theme`` says."""
    app = build_presenter(ref, seed=seed, animate=animate)
    if theme in app.available_themes:
        app.theme = theme
    return _run(app, "present")


#: Imported by a session of ``smtp-sim web`` only once it runs (Textual's web driver and
#: input parser, Rich's emoji table): the modules a forked session had that its zygote had not.
SESSION_MODULES = (
    "textual.drivers.web_driver",
    "textual._xterm_parser",
    "textual.layouts.factory",
    "textual.scrollbar",
    "rich._emoji_codes",
    "concurrent.futures.thread",
)
REHEARSAL_TIMEOUT = 30.0  # seconds the rehearsal may take


def rehearse(args: Sequence[str]) -> None:
    """What ``smtp-sim web``'s zygote does before it forks a session of ``smtp-sim ARGS``
    (web_fork.py): import :data:`SESSION_MODULES`, read the built-in course (each session
    opens its lesson from it), and run the app once, headless, to its lesson on screen, so
    that what Textual, Rich and pydantic import, cache or build on first use is done once
    for every session. For the course, a lesson or the sandbox; a failure costs only speed."""
    import asyncio
    import importlib
    import traceback

    from ..course.lesson import builtin_lessons

    for module in SESSION_MODULES:
        importlib.import_module(module)
    builtin_lessons()
    command = args[0] if args else "app"
    ref = args[1] if len(args) > 1 and not args[1].startswith("-") else None
    if command not in ("app", "lesson", "sandbox"):
        return

    async def run() -> None:
        app = build_app(command, ref)
        async with app.run_test(size=(120, 40)) as pilot:
            main = getattr(app, "main", None)
            if main is None:  # (a problem page)
                return
            loaded = asyncio.Event()
            main.when_loaded(loaded.set)
            await asyncio.wait_for(loaded.wait(), REHEARSAL_TIMEOUT)
            await pilot.pause()

    try:
        asyncio.run(run())
    except Exception:
        traceback.print_exc()
