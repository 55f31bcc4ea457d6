"""The lesson on the main screen, beyond its steps: what a quiz answer gets back, and the
end of a lesson (its summary screen, the course overview, the next lesson they open).

Plain helpers the main screen calls: the words and the bookkeeping live here, the screen
shows them.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ...course.lesson import Lesson
    from ...course.session import LessonSession
    from ..controller import QuizOutcome
    from .summary import SummaryScreen


def quiz_feedback(outcome: QuizOutcome, answer: str) -> str:
    """The line under the quiz after ``answer``: the task first, right (and why), or not
    quite (why, and where the hint is)."""
    step = outcome.step
    quiz = step.quiz if step is not None else None
    if not outcome.taken:  # (the task comes first)
        return outcome.said or ""
    if outcome.correct:
        return "\u2714 Correct. " + (quiz.explanation if quiz else "")
    hint = ", or press F2 for a hint" if quiz is not None and quiz.hints else ""
    why = quiz.why(answer) if quiz is not None else ""
    return (
        f"\u2718 Not quite: {why} Try again{hint}."
        if why
        else f"\u2718 Not quite. Try again{hint}."
    )


class LessonEnd:
    """When the lesson on screen has just been finished, and how long it took."""

    def __init__(self) -> None:
        self._was_complete = False  # the lesson on screen had passed every step
        self._shown_since = time.monotonic()

    def shown(self, session: LessonSession, earlier: float = 0.0) -> None:
        """Another lesson is on screen (a lesson opened already finished, or resumed, shows
        no summary until done again); ``earlier``: the seconds a resumed lesson was on
        screen before (its progress keeps them)."""
        self._was_complete = session.complete
        # (the view's clock: how long the student took)
        self._shown_since = time.monotonic() - max(earlier, 0.0)

    def spent(self) -> float:
        """The seconds the lesson on screen has taken so far, earlier visits included."""
        return time.monotonic() - self._shown_since

    def finished_now(self, session: LessonSession) -> bool:
        """The last step of a lesson with steps has just passed."""
        done = session.complete and bool(session.lesson.steps)
        finished_now = done and not self._was_complete
        self._was_complete = done
        return finished_now

    def summary(self, session: LessonSession) -> SummaryScreen:
        """The summary screen: what was learnt, how it went, the next lesson."""
        from ...course.lesson import builtin_lessons
        from ...course.lesson_summary import summarize
        from .summary import SummaryScreen

        return SummaryScreen(summarize(session, builtin_lessons()), self.spent())


def builtin_lesson(lesson_id: str) -> Lesson | None:
    """The built-in lesson ``lesson_id`` (a summary or the course overview chose it)."""
    from ...course.lesson import builtin_lessons

    return next((le for le in builtin_lessons() if le.id == lesson_id), None)
