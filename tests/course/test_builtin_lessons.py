"""Every built-in lesson is valid, solvable with its own solutions, and not passed by a wrong
attempt (each lesson has one in wrong_attempts/<id>.txt)."""

from pathlib import Path

import pytest

from smtp_sim.cli import main
from smtp_sim.course.grading import play, read_answers, solve
from smtp_sim.course.lesson import builtin_lessons, load_lesson
from smtp_sim.scenario.builtin import list_builtin

WRONG = Path(__file__).parent / "wrong_attempts"
LESSONS = {lesson.id: lesson for lesson in builtin_lessons()}


def test_the_course_has_the_foobar_lesson_and_builtin_ids_load():
    assert "foobar" in LESSONS
    assert set(LESSONS) <= set(list_builtin())


@pytest.mark.parametrize("lesson_id", sorted(LESSONS))
def test_lesson_is_solvable_with_its_solutions(lesson_id):
    grade = solve(LESSONS[lesson_id])
    assert grade.passed, grade.report()
    assert grade.exit_status == 0


@pytest.mark.parametrize("lesson_id", sorted(LESSONS))
def test_a_wrong_attempt_does_not_pass(lesson_id):
    path = WRONG / f"{lesson_id}.txt"
    assert path.exists(), f"write a wrong attempt for {lesson_id} in {path}"
    grade = play(LESSONS[lesson_id], read_answers(path))
    assert not grade.passed, grade.report()
    assert grade.exit_status >= 11


@pytest.mark.parametrize("lesson_id", sorted(LESSONS))
def test_every_step_teaches_and_checks(lesson_id):
    lesson = LESSONS[lesson_id]
    assert lesson.summary and lesson.topics
    for step in lesson.steps:
        assert step.text.strip(), f"{lesson_id}/{step.id} has no text"
        assert step.checks or step.quiz is not None
        assert step.solution or step.quiz is not None, f"{lesson_id}/{step.id}: no solution"


def test_solve_via_cli_exit_status(capsys):
    assert main(["run", "foobar", "--solve"]) == 0
    assert "8 of 8 steps passed" in capsys.readouterr().out


def test_answers_via_cli_gives_the_first_failing_step(tmp_path, capsys):
    answers = tmp_path / "attempt.txt"
    answers.write_text("telnet mail.cs.tcd.ie 25\nhelo FooBar\nquit\n")
    assert main(["run", "foobar", "--answers", str(answers)]) == 13  # step 3 fails first
    out = capsys.readouterr().out
    assert "PASS  step 2" in out and "FAIL  step 3" in out


def test_answers_file_missing_is_exit_2(capsys):
    assert main(["run", "foobar", "--answers", "/nonexistent/attempt.txt"]) == 2
    assert "no such file" in capsys.readouterr().err


def test_load_by_path_and_by_id_agree():
    by_id = load_lesson("foobar")
    by_path = load_lesson(Path(__file__).resolve().parents[2] / "lessons" / "foobar.toml")
    assert by_id == by_path


def test_no_lesson_text_shows_four_dots():
    """Issue 15: "`queued as ...`." read as `queued as ....` on screen."""
    from smtp_sim.course.lesson import builtin_lessons

    for lesson in builtin_lessons():
        for step in lesson.steps:
            shown = step.text.replace("`", "")
            assert "...." not in shown and "...:" not in shown, (lesson.id, step.id)


def test_the_course_is_read_once_per_process(monkeypatch):
    """Review finding: every caller (the summary screen, opening by id, the course overview,
    the palette's lessons) parsed all the lessons with pydantic again."""
    import pydantic

    import smtp_sim.course.lesson as lesson_module

    first = builtin_lessons()
    parsed = []
    real = lesson_module.parse_document
    monkeypatch.setattr(
        lesson_module, "parse_document", lambda *a, **k: parsed.append(a) or real(*a, **k)
    )
    again = builtin_lessons()
    assert parsed == []
    assert again == first and again is not first  # a list of its own for each caller
    again.clear()
    assert builtin_lessons() == first
    with pytest.raises(pydantic.ValidationError):  # shared, so nobody may change one
        first[0].title = "changed"
