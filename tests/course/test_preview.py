"""The lesson preview (course/preview.py): what the app's lesson panel shows before the lesson
is validated, read straight from the TOML, must be what the validated lesson shows."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from smtp_sim.course.lesson import builtin_lessons, first_lesson_id, load_lesson
from smtp_sim.course.preview import StepCursor, first_lesson_file, preview_lesson, step_task
from smtp_sim.course.progress import LessonProgress, Progress

ROOT = Path(__file__).resolve().parents[2]
COURSE = builtin_lessons()


@pytest.mark.parametrize("lesson", COURSE, ids=[lesson.id for lesson in COURSE])
def test_the_preview_says_what_the_validated_lesson_says(lesson):
    preview = preview_lesson(lesson.id)
    assert preview is not None
    assert preview.id == lesson.id
    assert preview.title == lesson.title  # (placeholders filled as the model fills them)
    assert preview.steps == tuple(step.title for step in lesson.steps)
    assert preview.index == 0
    first = lesson.steps[0]
    assert preview.text == first.text
    assert preview.task == step_task(first.task, first.quiz is not None)


def test_a_returning_student_is_previewed_at_the_first_step_not_done():
    lesson = load_lesson("foobar")
    ids = [step.id for step in lesson.steps]
    saved = LessonProgress(steps_done=ids[:3], inputs=[(0, "telnet mail.cs.tcd.ie 25")])
    preview = preview_lesson("foobar", Progress(current="foobar", lessons={"foobar": saved}))
    assert preview is not None
    assert preview.index == 3
    assert preview.done == (True, True, True) + (False,) * (len(ids) - 3)
    assert preview.text == lesson.steps[3].text
    # A finished lesson starts afresh; one without saved lines too (the controller's rules).
    finished = LessonProgress(steps_done=ids, completed=True, inputs=[(0, "x")])
    assert StepCursor.resumed(ids, finished).index == 0
    assert StepCursor.resumed(ids, LessonProgress(steps_done=ids[:2])).index == 0
    assert StepCursor.resumed(ids, None).index == 0
    # All done but not marked complete: the last step.
    assert StepCursor.resumed(ids, LessonProgress(steps_done=ids, inputs=[(0, "x")])).index == (
        len(ids) - 1
    )


def test_no_preview_of_what_is_not_a_lesson(tmp_path):
    broken = tmp_path / "broken.toml"
    broken.write_text('id = "x"\ntitle = "X"\n[[steps]]\nid = "a"\n', encoding="utf-8")
    assert preview_lesson(str(broken)) is None  # (a step without its title and text)
    bad = tmp_path / "bad.toml"
    bad.write_text("this is = not TOML =", encoding="utf-8")
    assert preview_lesson(str(bad)) is None
    assert preview_lesson("classroom") is None  # a scenario: no steps
    assert preview_lesson(str(tmp_path / "missing.toml")) is None


def test_the_step_cursor_moves_within_the_steps():
    cursor = StepCursor(3)
    assert cursor.current == 0
    assert cursor.advance() and cursor.advance() and not cursor.advance()
    assert cursor.current == 2
    assert not cursor.go_to(3) and cursor.index == 2
    assert cursor.go_to(0) and cursor.index == 0
    assert StepCursor(0).current is None


def test_lesson_one_is_found_without_the_lesson_format():
    assert first_lesson_file() == first_lesson_id() == COURSE[0].id


def test_the_preview_imports_neither_pydantic_nor_the_simulation():
    script = (
        "import sys\n"
        "from smtp_sim.course.preview import preview_lesson\n"
        "assert preview_lesson('press-send') is not None\n"
        "heavy = ['pydantic', 'smtp_sim.world.world', 'smtp_sim.course.lesson',\n"
        "         'smtp_sim.scenario.files', 'smtp_sim.protocol.server']\n"
        "print(' '.join(m for m in heavy if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert out.stdout.strip() == ""
