"""The end-of-lesson summary's content (course/lesson_summary.py), from a real session."""

from __future__ import annotations

import re

import pytest

from smtp_sim.course.lesson import builtin_lessons, load_lesson
from smtp_sim.course.lesson_summary import summarize
from smtp_sim.course.session import LessonSession


def solved(ref: str, wrong_first: str | None = None) -> LessonSession:
    session = LessonSession(load_lesson(ref))
    for i, step in enumerate(session.lesson.steps):
        assert session.index == i
        if step.quiz is not None and wrong_first is not None:
            session.enter(wrong_first)
        for line in step.solution:
            session.enter(line)
        if not session.progress[i].done:
            session.run_idle(horizon=600.0)
            session.evaluate()
    return session


def test_a_solved_foobar_lists_its_commands_ports_quiz_and_the_next_lesson():
    course = builtin_lessons()
    session = solved("foobar")
    summary = summarize(session, course)
    assert summary.steps_passed == summary.steps_total == len(session.lesson.steps)
    assert summary.commands[:2] == ("HELO", "MAIL")
    assert {"RCPT", "DATA", "QUIT"} <= set(summary.commands)
    assert summary.ports == (25,)
    quizzes = sum(1 for step in session.lesson.steps if step.quiz is not None)
    assert summary.quizzes == quizzes == summary.quizzes_right_first_try
    assert summary.wrong_tries == 0
    ids = [lesson.id for lesson in course]
    following = course[ids.index("foobar") + 1]
    assert summary.next_lesson == (following.id, following.title)
    assert summary.points == tuple(session.lesson.summary_points or [session.lesson.summary])


def test_wrong_quiz_tries_are_counted_and_the_last_lesson_has_no_next():
    course = builtin_lessons()
    session = solved("foobar", wrong_first="/answer A")  # (B is right)
    summary = summarize(session, course)
    assert summary.quizzes_right_first_try == 0 < summary.quizzes
    assert summary.wrong_tries == summary.quizzes
    assert "0 of" in summary.quiz_line and "wrong tr" in summary.quiz_line
    last = course[-1]
    assert summarize(LessonSession(last), course).next_lesson is None


def test_an_unfinished_session_counts_what_was_done():
    session = LessonSession(load_lesson("foobar"))
    session.enter(session.lesson.steps[0].solution[0])
    session.run_idle()
    session.evaluate()
    summary = summarize(session, builtin_lessons())
    assert summary.steps_passed == 1
    assert summary.commands == ()  # a telnet is not an SMTP command
    assert summary.ports == (25,)


_CODE = re.compile(r"`[^`]*`")  # `<CR><LF>.<CR><LF>`, `250 2.0.0 Ok: queued as`: no sentence ends
_SENTENCE_END = re.compile(r"[.!?]\s+(?=[A-Z0-9])")
COURSE = [lesson for lesson in builtin_lessons() if lesson.steps]


def sentences(point: str) -> int:
    return len(_SENTENCE_END.findall(_CODE.sub("code", point))) + 1


def test_sentences_are_counted_outside_code():
    assert sentences("Only `<CR><LF>.<CR><LF>` ends the data (RFC 5321 section 4.1.1.4).") == 1
    assert sentences("HELO gets one line. EHLO gets many.") == 2
    assert sentences("503 is a syntax error. 550 is not. 421 closes.") == 3


@pytest.mark.parametrize("lesson", COURSE, ids=[lesson.id for lesson in COURSE])
def test_every_lesson_of_the_course_says_what_was_learnt(lesson):
    """At least 3 points on the summary screen, each one or two sentences with a full stop."""
    assert len(lesson.summary_points) >= 3, f"{lesson.id}: give it at least 3 summary_points"
    for point in lesson.summary_points:
        assert point.rstrip().endswith(".") and not point.rstrip().endswith(".."), point
        assert "{{" not in point, point  # a placeholder left unfilled
        assert 1 <= sentences(point) <= 2, f"{lesson.id}: one or two sentences: {point}"


def test_typos_and_the_mail_programs_connections_are_not_the_students():
    """walkA, walkB: 'Commands you typed: HELO, MIAL, MAIL' and 'Ports you connected to: 587
    (submission), 25' for a student who typed only telnet ... 25 (the 587 was /send's)."""
    session = LessonSession(load_lesson("press-send"))
    session.enter("/send alice@crepes.fr bob@cs.tcd.ie Hello")  # (the mail program: 587)
    for line in ("telnet mail.cs.tcd.ie 25", "helo pc.crepes.fr", "mial from:<a@crepes.fr>"):
        session.enter(line)
    session.enter("quit")
    summary = summarize(session, builtin_lessons())
    assert summary.ports == (25,)
    assert summary.commands == ("HELO", "QUIT")


def test_a_send_without_a_subject_says_it_is_hello():
    session = LessonSession(load_lesson("press-send"))
    said = session.enter("/send alice@crepes.fr carol@example.org")
    assert 'no subject given: the subject is "Hello"' in said
    assert "no subject given" not in session.enter("/send alice@crepes.fr bob@cs.tcd.ie Hi")
