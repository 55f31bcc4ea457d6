"""What a finished lesson taught and how it went: the end-of-lesson screen's content.

Everything here comes from the lesson file and the session's own trace (deterministic): what
was learnt (the lesson's ``summary_points``, else its ``summary``), the commands the student
typed and the ports they connected to, the steps passed, the quizzes (right on the first try,
wrong tries), and the next lesson of the course. The time the student took is the view's to
measure: the model never reads the wall clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..protocol.explain import POP3_VERBS
from ..protocol.states import COMMAND_VERBS
from ..world.trace import Kind

if TYPE_CHECKING:
    from .lesson import Lesson
    from .session import LessonSession


@dataclass(frozen=True)
class LessonSummary:
    lesson_id: str
    title: str
    points: tuple[str, ...]
    commands: tuple[str, ...]  # the verbs the student typed, in the order first typed
    ports: tuple[int, ...]  # the ports the student's terminal connected to, in order
    steps_passed: int
    steps_total: int
    quizzes: int
    quizzes_right_first_try: int
    wrong_tries: int
    next_lesson: tuple[str, str] | None  # (id, title) of the next lesson in the course

    @property
    def quiz_line(self) -> str:
        if not self.quizzes:
            return "no quiz in this lesson"
        line = f"{self.quizzes_right_first_try} of {self.quizzes} right on the first try"
        if self.wrong_tries:
            line += f" ({self.wrong_tries} wrong {'try' if self.wrong_tries == 1 else 'tries'})"
        return line


#: The verbs a summary lists: SMTP's (RFC 5321 and the extensions the lessons meet: STARTTLS,
#: RFC 3207; AUTH, RFC 4954; ETRN, RFC 1985; BDAT, RFC 3030; sendmail's VERB) and POP3's
#: (RFC 1939, RFC 2449's CAPA): a typo such as MIAL is not "a command you typed".
KNOWN_VERBS = COMMAND_VERBS | {"STARTTLS", "AUTH", "ETRN", "BDAT", "VERB", "TURN"} | POP3_VERBS


def summarize(session: LessonSession, course: list[Lesson]) -> LessonSummary:
    """The summary of ``session``'s lesson as it stands; ``course`` gives the next lesson."""
    lesson = session.lesson
    commands: list[str] = []
    ports: list[int] = []
    host = session.terminal.host
    # (the terminal's own connections, not the mail program's /send from the same PC)
    mine = {conn.id for conn in session.terminal.connections}
    for record in session.world.trace.records:
        if record.src != host:
            continue
        if record.kind is Kind.COMMAND and record.get("student"):
            verb = str(record.get("verb") or "").upper()
            if verb in KNOWN_VERBS and verb not in commands:
                commands.append(verb)
        elif record.kind is Kind.SYN and record.conn in mine:
            port = record.get("ports")[1]
            if port not in ports:
                ports.append(port)
    tries = [
        [step.quiz.grade(answer) for answer in progress.answers]
        for step, progress in zip(lesson.steps, session.progress, strict=True)
        if step.quiz is not None
    ]
    ids = [other.id for other in course]
    after = ids.index(lesson.id) + 1 if lesson.id in ids else len(ids)
    following = course[after] if after < len(course) else None
    return LessonSummary(
        lesson.id,
        lesson.title,
        tuple(lesson.summary_points) or (lesson.summary,),
        tuple(commands),
        tuple(ports),
        sum(1 for ok in session.passed_steps() if ok),
        len(lesson.steps),
        len(tries),
        sum(1 for t in tries if t and t[0]),
        sum(t.count(False) for t in tries),
        (following.id, following.title) if following is not None else None,
    )
