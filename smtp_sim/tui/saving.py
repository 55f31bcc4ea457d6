"""A student's progress in the app: what is saved as they go (steps passed, quiz answers,
hints used) and what a returning student is told and spared (quizzes answered before).

A mixin of :class:`~smtp_sim.tui.app.SmtpSimApp`. The progress file itself (where it lives,
its format, a damaged one) is the model's :mod:`smtp_sim.course.progress`; the app saves after
every change, and only when something a student would miss changed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..course.lesson import Lesson
    from ..course.playback import Playback
    from ..course.progress import Progress, ProgressStore


class SavingProgress:
    """Saving and restoring the progress of the lesson on screen (never in the sandbox)."""

    lesson: Lesson
    playback: Playback
    progress: Progress
    store: ProgressStore | None
    sandbox: bool
    _saved_steps: tuple | None

    def _restore_progress(self) -> None:
        """A returning student finds an unfinished lesson where they left it: their own lines
        typed again (the steps they did ticked, their connection open). A finished lesson
        starts afresh, its quizzes asked again."""
        saved = self.progress.lessons.get(self.lesson.id)
        if saved is None:
            return
        steps = len(self.lesson.steps)
        if saved.completed:
            self.notify(
                f"You finished “{self.lesson.title}” before: here it is "
                "again, from the start, quizzes included.",
                title="Welcome back",
                markup=False,
            )
            return
        if saved.inputs:
            self.playback.resume(saved.inputs, saved.clock_steps)
            session = self.playback.session
            done = sum(session.passed_steps())
            self.notify(
                f"Your {len(saved.inputs)} earlier lines were typed again: {done} of "
                f"{steps} steps done, you are at step {session.index + 1}.",
                title="Welcome back",
                timeout=12,
                markup=False,
            )
            return
        # (a progress file from before lines were saved: say which lines to type again)
        session = self.playback.session
        for i, step in enumerate(self.lesson.steps):
            if step.id in saved.steps_done and step.quiz is not None and not step.checks:
                session.progress[i].quiz_correct = True
        typed = [s for s in self.lesson.steps if s.id in saved.steps_done and s.checks]
        if typed:
            done = sum(s.id in saved.steps_done for s in self.lesson.steps)
            lines = [line for s in typed for line in s.solution if not line.startswith("/")]
            again = "; ".join(lines) if lines else "the commands of those steps"
            self.notify(
                f"Last time you got through {done} of {steps} steps of this lesson. "
                f"The network starts afresh: type again {again}.",
                title="Welcome back",
                timeout=15,
                markup=False,
            )

    def _save_progress(self) -> None:
        if self.sandbox or self.store is None or not self.lesson.steps:
            return
        session = self.playback.session
        key = (
            self.lesson.id,
            tuple(session.passed_steps()),
            tuple(len(p.answers) for p in session.progress),
            tuple(p.hints_shown for p in session.progress),
            len(session.inputs),
        )
        if key == self._saved_steps:
            return
        self._saved_steps = key
        record = self.progress.lesson(self.lesson.id)
        for step, p in zip(self.lesson.steps, session.progress, strict=True):
            if p.done and step.id not in record.steps_done:
                record.steps_done.append(step.id)
            if p.answers:
                record.answers[step.id] = list(p.answers)
            if p.hints_shown:
                record.hints_used[step.id] = max(p.hints_shown, record.hints_used.get(step.id, 0))
        record.completed = record.completed or session.complete
        # (an unfinished lesson's lines, to replay for a returning student; a finished one
        # starts afresh)
        record.inputs = [] if record.completed else list(session.inputs)
        record.clock_steps = 0 if record.completed else self.playback.steps
        self.progress.current = self.lesson.id
        try:
            self.store.save(self.progress)
        except OSError as exc:
            self.notify(f"could not save progress: {exc}", severity="error")
