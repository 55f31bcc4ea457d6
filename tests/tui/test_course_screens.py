"""The end-of-lesson summary screen and the course overview, each in a bare app."""

from __future__ import annotations

from textual.app import App
from textual.widgets import Markdown, OptionList

from smtp_sim.course.lesson import builtin_lessons, load_lesson
from smtp_sim.course.lesson_summary import LessonSummary, summarize
from smtp_sim.course.progress import Progress
from smtp_sim.course.session import LessonSession
from smtp_sim.tui.screens.course import CourseScreen, progress_label
from smtp_sim.tui.screens.summary import SummaryScreen, summary_markdown, took


class Host(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.result: list[str | None] = []


def a_summary(
    next_lesson: tuple[str, str] | None = ("telnet-yourself", "Talking"),
) -> LessonSummary:
    return LessonSummary(
        "foobar",
        "The FooBar session",
        ("HELO names the client.", "A lone dot ends the message."),
        ("HELO", "MAIL", "RCPT", "DATA", "QUIT"),
        (25,),
        8,
        8,
        1,
        0,
        2,
        next_lesson,
    )


def test_the_summary_says_what_was_learnt_and_how_it_went():
    text = summary_markdown(a_summary(), 754.0)
    assert "# Lesson complete: The FooBar session" in text
    assert "- HELO names the client." in text and "- A lone dot ends the message." in text
    assert "8 of 8 passed" in text
    assert "0 of 1 right on the first try (2 wrong tries)" in text
    assert "`HELO`, `MAIL`, `RCPT`, `DATA`, `QUIT`" in text
    assert "25 (SMTP)" in text
    assert "12 minutes" in text
    assert "**Next:** Talking" in text
    last = summary_markdown(a_summary(next_lesson=None), None)
    assert "last lesson of the course" in last and "Time taken" not in last
    assert [took(s) for s in (5, 60, 61 * 60 + 5)] == ["under a minute", "1 minute", "1 h 01"]


async def test_enter_on_the_summary_opens_the_next_lesson_and_escape_stays():
    for key, expected in (("enter", "telnet-yourself"), ("escape", None)):
        app = Host()
        async with app.run_test(size=(80, 24)) as pilot:
            app.push_screen(SummaryScreen(a_summary(), 90.0), app.result.append)
            await pilot.pause()
            shown = app.screen.query_one(Markdown).source
            assert "What you learnt" in shown
            await pilot.press(key)
            await pilot.pause()
        assert app.result == [expected]


async def test_a_real_finished_lesson_summary_fits_80x24():
    session = LessonSession(load_lesson("foobar"))
    for i, step in enumerate(session.lesson.steps):
        for line in step.solution:
            session.enter(line)
        if not session.progress[i].done:
            session.run_idle(horizon=600.0)
            session.evaluate()
    summary = summarize(session, builtin_lessons())
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(SummaryScreen(summary, 300.0), app.result.append)
        await pilot.pause()
        box = app.screen.query_one("VerticalScroll")
        assert box.region.height <= 24 and box.region.width <= 80
        await pilot.press("enter")
        await pilot.pause()
    assert app.result == [summary.next_lesson[0]]


def progress_with(done: dict[str, list[str]], completed: set[str]) -> Progress:
    progress = Progress(current="telnet-yourself")
    for lesson_id, steps in done.items():
        progress.lesson(lesson_id).steps_done = steps
    for lesson_id in completed:
        progress.lesson(lesson_id).completed = True
    return progress


async def test_the_course_overview_shows_each_lessons_progress_and_opens_one():
    lessons = builtin_lessons()
    second = lessons[1]
    progress = progress_with({second.id: [second.steps[0].id]}, {lessons[0].id})
    assert progress_label(lessons[0], progress) == ("\u2714", "done")
    assert progress_label(second, progress)[1] == f"1 of {len(second.steps)} steps"
    assert progress_label(lessons[2], progress)[1] == "not begun"
    app = Host()
    async with app.run_test(size=(100, 40)) as pilot:
        app.push_screen(CourseScreen(lessons, progress), app.result.append)
        await pilot.pause()
        options = app.screen.query_one(OptionList)
        assert options.option_count == len(lessons)
        first = str(options.get_option_at_index(0).prompt)
        assert first.startswith("\u2714") and lessons[0].title in first and "done" in first
        heading = str(app.screen.query_one("#course-heading").render())
        assert f"1 of {len(lessons)} lessons done" in heading
        assert options.highlighted == [le.id for le in lessons].index("telnet-yourself")
        await pilot.press("down", "enter")
        await pilot.pause()
    ids = [le.id for le in lessons]
    assert app.result == [ids[ids.index("telnet-yourself") + 1]]
