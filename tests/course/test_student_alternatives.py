"""What a student walking the first lessons typed and saw (notes/walk1.md): a correct way of
doing a step that is not the task's exact words passes the step, and what a step's text says
a server answered is what the simulated server does answer."""

from __future__ import annotations

import pytest

from smtp_sim.course.lesson import builtin_lessons, parse_lesson
from smtp_sim.course.session import LessonSession
from smtp_sim.world.trace import Kind

LESSONS = {lesson.id: lesson for lesson in builtin_lessons()}


def _session(lesson_id: str, lines: list[str]) -> LessonSession:
    session = LessonSession(LESSONS[lesson_id])
    for line in lines:
        session.enter(line)
    return session


def _step_index(lesson_id: str, step_id: str) -> int:
    return [step.id for step in LESSONS[lesson_id].steps].index(step_id)


def _replies(session: LessonSession, host: str) -> list[str]:
    return [
        record.data.decode().strip()
        for record in session.world.trace
        if record.kind == Kind.REPLY and record.src == host
    ]


@pytest.mark.parametrize(
    ("lesson_id", "step_id", "lines"),
    [
        # The console's own next-step line after the greeting says "send EHLO <your-domain>
        # (or HELO for plain SMTP)", and RFC 5321 section 4.1.1.1 prefers EHLO: the FooBar
        # session's "Say HELO" step refused it.
        ("foobar", "helo", ["telnet mail.cs.tcd.ie 25", "EHLO pc.crepes.fr"]),
        ("replies", "three-digits", ["telnet mail.cs.tcd.ie 25", "ehlo pc.crepes.fr"]),
    ],
)
def test_ehlo_is_as_good_a_hello_as_helo(lesson_id: str, step_id: str, lines: list[str]) -> None:
    index = _step_index(lesson_id, step_id)
    session = _session(lesson_id, lines)
    assert session.passed_steps()[index], f"{lesson_id}: {lines} did not pass step {step_id}"
    assert session.index == index + 1


def test_helo_alone_still_passes_and_a_refused_hello_does_not() -> None:
    index = _step_index("foobar", "helo")
    assert _session("foobar", ["telnet mail.cs.tcd.ie 25", "helo FooBar"]).passed_steps()[index]
    # no name: 501, not a hello
    assert not _session("foobar", ["telnet mail.cs.tcd.ie 25", "helo"]).passed_steps()[index]


def test_any_unknown_user_shows_the_550_not_only_rob() -> None:
    lines = [
        "telnet mail.cs.tcd.ie 25",
        "helo pc.crepes.fr",
        "rcpt to:<bob@cs.tcd.ie>",
        "mail from:<alice@crepes.fr>",
        "rcpt to:<robert@cs.tcd.ie>",
    ]
    session = _session("replies", lines)
    assert "550 <robert@cs.tcd.ie>: User unknown" in _replies(session, "mail.cs.tcd.ie")
    assert session.passed_steps()[_step_index("replies", "unknown-user")]


def test_a_known_user_does_not_pass_the_unknown_user_step() -> None:
    lines = [
        "telnet mail.cs.tcd.ie 25",
        "helo pc.crepes.fr",
        "rcpt to:<bob@cs.tcd.ie>",
        "mail from:<alice@crepes.fr>",
        "rcpt to:<bob@cs.tcd.ie>",
    ]
    session = _session("replies", lines)
    assert not session.passed_steps()[_step_index("replies", "unknown-user")]


_STRANGER = """
id = "stranger"
title = "A stranger asks smtp.crepes.fr to relay"
summary = "s"
scenario = "press-send-net"
console = "pc.cs.tcd.ie"
[[steps]]
id = "one"
title = "One"
text = "t"
solution = ["telnet smtp.crepes.fr 25"]
checks = [{ kind = "connected", host = "smtp.crepes.fr", port = 25 }]
"""


def test_telnet_yourself_names_the_relay_refusal_a_stranger_gets() -> None:
    """telnet-yourself says what smtp.crepes.fr answers a machine outside its mynetworks: the
    text showed 554 5.7.1 (reject_unauth_destination), the server answers 454 4.7.1 (Postfix's
    default defer_unauth_destination)."""
    session = LessonSession(parse_lesson(_STRANGER, "stranger.toml"))
    for line in [
        "telnet smtp.crepes.fr 25",
        "helo pc.cs.tcd.ie",
        "mail from:<bob@cs.tcd.ie>",
        "rcpt to:<carol@example.org>",
    ]:
        session.enter(line)
    refusal = _replies(session, "smtp.crepes.fr")[-1]
    assert refusal == "454 4.7.1 <carol@example.org>: Relay access denied"
    step = LESSONS["telnet-yourself"].steps[_step_index("telnet-yourself", "rcpt-to")]
    assert refusal in step.text
    assert "554 5.7.1" not in step.text


def test_verify_expand_quotes_postfix_vrfy_refusal_as_it_was_sent() -> None:
    """The step after ``vrfy nosuchuser`` repeats the server's answer: Postfix quotes the name as
    typed (``<nosuchuser>``), not a whole address."""
    lesson = LESSONS["verify-expand"]
    lines = [
        line
        for step in lesson.steps[: _step_index("verify-expand", "sendmail-8")]
        for line in step.solution
    ]
    session = _session("verify-expand", lines)
    refusal = _replies(session, "smtp.crepes.fr")[-1]
    assert refusal.startswith("550 5.1.1 <nosuchuser>: ")
    assert refusal in lesson.steps[_step_index("verify-expand", "sendmail-8")].text


def test_replies_finish_takes_any_subject_as_its_task_says() -> None:
    """ "Type: data, a Subject: line, ...": a subject of the student's own passes, as the task
    says; only the hint's example, "Are you there?", did."""
    lines = [
        "telnet mail.cs.tcd.ie 25",
        "helo pc.crepes.fr",
        "rcpt to:<bob@cs.tcd.ie>",
        "mail from:<alice@crepes.fr>",
        "rcpt to:<rob@cs.tcd.ie>",
        "rcpt to:<dave@cs.tcd.ie>",
        "rcpt to:<bob@cs.tcd.ie>",
        "data",
        "Subject: Hello Bob",
        "",
        "Did you get it?",
        ".",
        "quit",
    ]
    session = _session("replies", lines)
    index = _step_index("replies", "finish")
    assert session.task_done(), "the task of the finish step is not done"
    session.enter("/answer C")
    assert session.passed_steps()[index]
