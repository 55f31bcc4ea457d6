"""Starting the app from the command line: the course, a lesson, or a sandbox."""

from __future__ import annotations

from ..world.problems import ScenarioError


def build_app(command: str, ref: str | None, *, seed: int | None = None):
    """The app to run, or a ProblemApp that explains why the file cannot be used."""
    from ..course.lesson import load_lesson, sandbox_lesson
    from ..course.progress import ProgressStore
    from .app import SmtpSimApp, start_lesson
    from .screens.error import ProblemApp

    try:
        if command == "sandbox":
            return SmtpSimApp(sandbox_lesson(ref or "classroom"), sandbox=True, seed=seed)
        if command == "lesson" and ref is not None:
            return SmtpSimApp(load_lesson(ref), store=ProgressStore(), seed=seed)
        return start_lesson(seed=seed)
    except ScenarioError as exc:
        return ProblemApp(ref or "The course", [str(p) for p in exc.problems])


def launch(command: str, ref: str | None, *, seed: int | None = None) -> int:
    app = build_app(command, ref, seed=seed)
    app.run()
    return 0 if app.return_code is None else app.return_code
