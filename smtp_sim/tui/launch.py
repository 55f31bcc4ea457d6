"""Starting the app from the command line: the course, a lesson, a sandbox, the presenter."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..bridge.listen import ListenError, ListenSpec
from ..world.problems import ScenarioError


def build_app(command: str, ref: str | None, *, seed: int | None = None,
              listen: Sequence[ListenSpec] | None = None,
              export_dir: str | Path | None = None):
    """The app to run, or a ProblemApp that explains why the file cannot be used.
    ``listen``: real ports in front of the scenario's servers (``--listen``)."""
    from ..course.lesson import load_lesson, sandbox_lesson
    from ..course.progress import default_store
    from .app import SmtpSimApp, start_lesson
    from .screens.error import ProblemApp

    options = {"seed": seed, "listen": listen, "export_dir": export_dir}
    try:
        if command == "sandbox":
            return SmtpSimApp(sandbox_lesson(ref or "classroom"), sandbox=True, **options)
        if command == "lesson" and ref is not None:
            return SmtpSimApp(load_lesson(ref), store=default_store(), **options)
        return start_lesson(**options)
    except ScenarioError as exc:
        return ProblemApp(ref or "The course", [str(p) for p in exc.problems])
    except ListenError as exc:
        return ProblemApp("--listen", [str(exc)])


def launch(command: str, ref: str | None, *, seed: int | None = None,
           listen: Sequence[ListenSpec] | None = None,
           export_dir: str | Path | None = None) -> int:
    app = build_app(command, ref, seed=seed, listen=listen, export_dir=export_dir)
    app.run()
    return 0 if app.return_code is None else app.return_code


def build_presenter(ref: str, *, seed: int | None = None, animate: bool = True):
    from ..course.lesson import load_presentation
    from .presenter import PresenterApp
    from .screens.error import ProblemApp

    try:
        return PresenterApp(load_presentation(ref), seed=seed, animate=animate)
    except ScenarioError as exc:
        return ProblemApp(ref, [str(p) for p in exc.problems])


def launch_presenter(ref: str, *, seed: int | None = None, animate: bool = True) -> int:
    app = build_presenter(ref, seed=seed, animate=animate)
    app.run()
    return 0 if app.return_code is None else app.return_code
