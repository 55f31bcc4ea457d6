"""Lessons 9 to 15 walked as a student would: a correct way the task allows passes its step, a
mistake the step cannot see is caught before the lesson says all went well, and the hint a
stuck student gets names the way out."""

from __future__ import annotations

import re

import pytest

from smtp_sim.course.checks import MailboxHas
from smtp_sim.course.grading import play
from smtp_sim.course.lesson import Lesson, builtin_lessons, load_lesson
from smtp_sim.course.session import LessonSession


def _index(lesson: Lesson, step_id: str) -> int:
    return next(i for i, s in enumerate(lesson.steps) if s.id == step_id)


def _solutions(lesson: Lesson, replace: dict[str, list[str]] | None = None) -> list[str]:
    """Every step's solution, with some steps typed another way."""
    lines: list[str] = []
    for step in lesson.steps:
        lines += (replace or {}).get(step.id, step.solution)
    return lines


@pytest.mark.parametrize(
    ("lesson_id", "step_id", "lines"),
    [
        ("mime", "connect", ["telnet mail.cs.tcd.ie 25", "ehlo pc.crepes.fr"]),
        ("base64", "why", ["telnet mail.cs.tcd.ie 25", "ehlo pc.crepes.fr"]),
        (
            "open-relay",
            "connect-closed",
            ["telnet smtp.crepes.fr 25", "ehlo pc.stranger.example.net"],
        ),
        ("open-relay", "open-relay", ["telnet relay.example.com 25", "ehlo smtp.crepes.fr"]),
    ],
)
def test_ehlo_passes_a_connect_and_say_helo_step(lesson_id, step_id, lines):
    # The console's own advice after the greeting is "send EHLO <your-domain> (or HELO ...)":
    # a student who follows it has greeted the server as the step asks.
    lesson = load_lesson(lesson_id)
    index = _index(lesson, step_id)
    grade = play(lesson, _solutions(lesson, {step_id: lines}))
    assert grade.steps[index].passed, grade.report()
    assert grade.passed, grade.report()


def test_mime_a_first_part_without_the_empty_line_after_the_headers_is_caught():
    # --b straight after the Content-Type header: --b and the part's Content-Type sit among the
    # message's headers (RFC 5322 section 2.1), and Bob's copy would have no first part in its
    # body. The step that asks for the empty line and the part says so (it caught it only at
    # the close, two steps on, with the whole message to send again).
    lesson = load_lesson("mime")
    index = _index(lesson, "first-part")
    first = lesson.steps[index].solution
    assert first[0] == ""
    grade = play(lesson, _solutions(lesson, {"first-part": first[1:]}))
    assert not grade.steps[index].passed, grade.report()
    assert grade.exit_status == 11 + index
    assert "in the body (after the empty line ending the headers)" in " ".join(
        grade.steps[index].missing
    ), grade.report()


def test_mime_a_first_part_with_a_preamble_still_passes():
    # A preamble before the first --b is allowed (RFC 2046 section 5.1.1): not a dead end.
    lesson = load_lesson("mime")
    first = lesson.steps[_index(lesson, "first-part")].solution
    grade = play(lesson, _solutions(lesson, {"first-part": ["", "This is MIME.", *first[1:]]}))
    assert grade.passed, grade.report()


def test_base64_a_mistyped_line_before_the_right_one_breaks_the_picture():
    lesson = load_lesson("base64")
    gif = list(lesson.steps[_index(lesson, "gif-part")].solution)
    good = gif.index("R0lGODlhAQABAIAAAP8AAP///ywAAAAAAQABAAACAkQBADs=")
    typo = [*gif[:good], "R0lGODlhAQABAIAAAP8AAP///ywAAAAAAQABAAACAkQBAD=", *gif[good:]]
    grade = play(lesson, _solutions(lesson, {"gif-part": typo}))
    close = _index(lesson, "close")
    assert grade.steps[close - 1].passed  # the right line was typed too
    assert not grade.steps[close].passed, grade.report()
    assert "send the message again" in lesson.steps[close].hints[-1]
    # typed once, right: the picture decodes, the lesson passes
    assert play(lesson, _solutions(lesson)).passed


def test_base64_the_envelope_picture_is_there_after_the_wait_the_text_names():
    lesson = load_lesson("base64")
    session = LessonSession(lesson)
    quit_step = _index(lesson, "quit")
    for step in lesson.steps[:quit_step]:
        for line in step.solution:
            session.enter(line)
    picture = MailboxHas(
        address="bob@cs.tcd.ie", subject="picture of an envelope", during_step=False
    )
    # typed at once, the student reaches the step before the timeline has delivered it
    assert not picture.passed(session.context())
    assert "/wait 15s" in lesson.steps[quit_step].text
    session.enter("/wait 15s")
    assert picture.passed(session.context())


def test_esmtp_the_pipelining_step_takes_the_students_own_subject_and_text():
    lesson = load_lesson("esmtp")
    step = _index(lesson, "pipelining")
    own = ["data", "Subject: pipelining", "", "hello", ".", "quit", "/wait 10s"]
    lines = _solutions(lesson, {lesson.steps[step].id: own})
    grade = play(lesson, lines)
    assert grade.steps[step].passed, grade.report()


def test_push_pull_after_a_wrong_password_the_first_hint_says_start_again_with_user():
    lesson = load_lesson("push-pull")
    session = LessonSession(lesson)
    login = _index(lesson, "login")
    for step in lesson.steps[:login]:
        for line in step.solution:
            session.enter(line)
    session.enter("USER bob")
    session.enter("PASS secrte")
    session.enter("PASS secret")
    replies = b"".join(r.data for r in session.world.trace.records if r.kind.name == "REPLY")
    assert replies.endswith(b"-ERR send USER first\r\n")
    assert not session.step_passed(login)
    hint = session.hint()
    assert hint is not None and "start again with USER" in hint
    session.enter("USER bob")
    session.enter("PASS secret")
    assert session.step_passed(login)


def test_morris_worm_a_script_without_the_empty_line_can_be_sent_again_as_the_hint_says():
    lesson = load_lesson("morris-worm")
    script = _index(lesson, "script")
    hint = lesson.steps[script].hints[-1]
    assert "mail from:</dev/null>" in hint
    again = [
        "echo this would have run",
        ".",  # 250, but sed would have eaten the line: the step stays open
        "mail from:</dev/null>",
        lesson.steps[_index(lesson, "rcpt-pipe")].solution[0],
        "data",
        *lesson.steps[script].solution,
    ]
    session = LessonSession(lesson)
    for step in lesson.steps[:script]:
        for line in step.solution:
            session.enter(line)
    for line in again[:2]:
        session.enter(line)
    assert not session.step_passed(script)
    for line in again[2:]:
        session.enter(line)
    assert session.step_passed(script)


def test_no_code_span_of_dots_is_followed_by_a_full_stop():
    """`..`. reads as an ellipsis, "..." (the smuggling lesson's two-dots line)."""
    for lesson in builtin_lessons():
        for step in lesson.steps:
            assert not re.search(r"`\.+`\.", step.text), (lesson.id, step.id)


def test_the_mime_recap_does_not_call_another_boundary_the_messages():
    # The student's message said boundary="b"; the quiz's long boundary is another message's.
    lesson = load_lesson("mime")
    for step in lesson.steps:
        assert not re.search(r"[Tt]he message's header said[^.]*boundary=\"(?!b\")", step.text)


def test_the_base64_quiz_asks_for_a_decoding_the_text_does_not_show():
    # "What does TWFu decode to?" was answered word for word above it ("So Man is TWFu").
    import base64

    lesson = load_lesson("base64")
    step = lesson.steps[_index(lesson, "three-to-four")]
    assert step.quiz is not None and step.quiz.accept
    asked = re.search(r"base64 text (\S+) decode", step.quiz.question)
    assert asked is not None
    encoded, answer = asked.group(1), step.quiz.accept[0]
    assert base64.b64decode(encoded).decode() == answer  # the answer is the real decoding
    assert f"`{answer}` is `{encoded}`" not in step.text
    assert play(lesson, _solutions(lesson)).passed


def test_after_a_greeting_step_that_takes_ehlo_the_text_quotes_no_helo_only_reply():
    # EHLO's reply is several lines (250-mail.cs.tcd.ie ... 250 8BITMIME): "The server answered
    # `250 mail.cs.tcd.ie`" fits HELO only.
    for lesson_id, step_id in [("mime", "connect"), ("base64", "why")]:
        lesson = load_lesson(lesson_id)
        following = lesson.steps[_index(lesson, step_id) + 1]
        assert not re.search(r"answered `250 [a-z.]+`", following.text), lesson_id
