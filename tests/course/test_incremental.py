"""The step's checks are watched as the trace grows (course/incremental.py): the same answers
as asking every check about every record since the step began, and work that grows with the
attempt, not with its square."""

import random
from pathlib import Path

import pytest

from smtp_sim.course.checks import CheckContext
from smtp_sim.course.grading import play, read_answers, solve
from smtp_sim.course.incremental import Combined, StepWatch, Watch
from smtp_sim.course.lesson import builtin_lessons, load_lesson
from smtp_sim.course.session import LessonSession
from smtp_sim.world.trace import Trace

WRONG = Path(__file__).parent / "wrong_attempts"
LESSONS = {lesson.id: lesson for lesson in builtin_lessons()}


def _compare(watch: Watch, ctx: CheckContext, where: str) -> None:
    """Each watch (and each part of one) answers as its check does over all the records since
    the step began (``ctx``)."""
    assert watch.passed(ctx) == watch.check.passed(ctx), f"{where}: {watch.check!r}"
    if isinstance(watch, Combined):
        for part in watch.parts:
            _compare(part, ctx, where)


@pytest.fixture
def cross_checked(monkeypatch):
    """Every time a session asks whether a step passed, ask every check the old way too."""
    calls = {"steps": 0, "checks": 0}
    step_passed = LessonSession.step_passed

    def checked(self: LessonSession, index: int | None = None) -> bool:
        result = step_passed(self, index)
        i = self.index if index is None else index
        ctx = self.context(i)
        step = self.lesson.steps[i]
        expected = (step.quiz is None or ctx.quiz_correct) and all(
            check.passed(ctx) for check in step.checks
        )
        assert result == expected, f"{self.lesson.id} step {i + 1} at record {len(ctx.records)}"
        watch: StepWatch | None = self._watch
        if watch is not None and watch.index == i and watch.fed == len(self.world.trace):
            where = f"{self.lesson.id} step {i + 1}"
            for w in watch.watches:
                _compare(w, ctx, where)
                calls["checks"] += 1
        calls["steps"] += 1
        return result

    monkeypatch.setattr(LessonSession, "step_passed", checked)
    return calls


@pytest.mark.parametrize("lesson_id", sorted(LESSONS))
def test_solutions_and_wrong_attempts_are_graded_as_before(lesson_id, cross_checked):
    lesson = LESSONS[lesson_id]
    assert solve(lesson).passed
    assert not play(lesson, read_answers(WRONG / f"{lesson_id}.txt")).passed
    assert cross_checked["checks"] > 0


def _lines_of(lesson) -> list[str]:
    lines = [line for step in lesson.steps for line in step.solution]
    lines += [
        f"/answer {step.quiz.solution}"
        for step in lesson.steps
        if step.quiz is not None and step.quiz.solution
    ]
    return lines


EXTRA = [
    "NOOP",
    "RSET",
    "QUIT",
    "quit",
    "helo x",
    "EHLO pc",
    "DATA",
    ".",
    "Subject: x",
    "",
    "telnet mail.cs.tcd.ie 25",
    "telnet mail.cs.tcd.ie 110",
    "telnet smtp.crepes.fr 587",
    "USER bob",
    "PASS secret",
    "LIST",
    "RETR 1",
    "DELE 1",
    "/wait 30s",
    "/hint",
    "/answer 1",
    "/answer B",
    "/fault host-down host=mail.cs.tcd.ie",
    "/run",
    "/send alice@crepes.fr bob@cs.tcd.ie Hi",
    "mail from:<a@b.c>",
    "rcpt to:<x@y.z>",
]


@pytest.mark.parametrize("lesson_id", sorted(LESSONS))
def test_random_attempts_are_graded_as_before(lesson_id, cross_checked):
    """Solution lines shuffled with others (reconnections, POP3, faults, going to another
    step and back), in many orders: every answer along the way is the old one."""
    lesson = LESSONS[lesson_id]
    rng = random.Random(lesson_id)
    pool = _lines_of(lesson) + EXTRA
    for _ in range(3):
        session = LessonSession(lesson, seed=rng.randrange(100))
        for line in rng.choices(pool, k=40):
            session.enter(line)
            if rng.random() < 0.1 and lesson.steps:
                here = session.index
                session.go_to(rng.randrange(len(lesson.steps)))
                session.evaluate()
                session.go_to(here)
            session.evaluate()
        session.run_idle(horizon=600.0)
        session.evaluate()
    assert cross_checked["steps"] > 0


class _Counting:
    """Counts the trace records built for readers (every check's look at a record is one)."""

    def __init__(self, monkeypatch) -> None:
        self.count = 0
        build = Trace._record

        def counted(trace: Trace, seq: int):
            self.count += 1
            return build(trace, seq)

        monkeypatch.setattr(Trace, "_record", counted)


def _records_read(monkeypatch, lines: list[str]) -> tuple[int, int]:
    counter = _Counting(monkeypatch)
    grade = play(load_lesson("foobar"), lines)
    return counter.count, len(grade.world.trace)


ATTEMPTS = {
    "NOOPs on step 2": lambda n: ["telnet mail.cs.tcd.ie 25"] + ["NOOP"] * n,
    "MAIL/RSET on step 3": lambda n: (
        ["telnet mail.cs.tcd.ie 25", "helo x"] + ["mail from:<a@b.c>", "rset"] * (n // 2)
    ),
    "a long message on step 6": lambda n: (
        [
            "telnet mail.cs.tcd.ie 25",
            "helo FooBar",
            "mail from: alice@crepes.fr",
            "rcpt to: bob@cs.tcd.ie",
            "data",
            "Subject: FooBar",
            "",
        ]
        + [f"line {i}" for i in range(n)]
        + [".", "quit"]
    ),
}


@pytest.mark.parametrize("name", sorted(ATTEMPTS))
def test_grading_reads_each_record_a_bounded_number_of_times(monkeypatch, name):
    """A long attempt stuck on one step: the records read grow like the trace. (The checks
    used to read every record since the step began after every clock event: for 300 more
    lines, 2.5 times as many reads going from 600 to 900 lines as from 300 to 600.)"""
    reads, sizes = zip(
        *(_records_read(monkeypatch, ATTEMPTS[name](n)) for n in (300, 600, 900)), strict=True
    )
    assert sizes[2] - sizes[1] == sizes[1] - sizes[0] > 0
    # Read once by the checks as they come, once by the grading checks at the end, and a few
    # more by the world itself.
    assert reads[2] <= 4 * sizes[2], (name, reads, sizes)
    assert reads[2] - reads[1] <= 1.1 * (reads[1] - reads[0]), (name, reads, sizes)


def test_a_step_watch_starts_again_with_its_step(cross_checked):
    """Going to a step that is not done makes its checks count from then: what the step's
    watch had seen before no longer counts."""
    session = LessonSession(load_lesson("foobar"))
    session.enter("telnet mail.cs.tcd.ie 25")
    session.go_to(3)  # RCPT TO: needs the student's RCPT for bob and a 250 to a RCPT
    for line in ["helo x", "mail from: alice@crepes.fr", "rcpt to: postmaster@cs.tcd.ie"]:
        session.enter(line)
    assert session.index == 3 and not session.step_passed()
    session.go_to(3)
    session.enter("rset")
    session.enter("rcpt to: bob@cs.tcd.ie")  # 503: the 250 to RCPT came before the step began
    assert session.index == 3 and not session.step_passed()
    session.enter("mail from: alice@crepes.fr")
    session.enter("rcpt to: bob@cs.tcd.ie")
    assert session.progress[3].done and session.index == 4
