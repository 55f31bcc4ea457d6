"""The presenter's headline in large letters (tui/big_text.py) and the lesson key that names it."""

from __future__ import annotations

import pytest

from smtp_sim.course.lesson import load_presentation, parse_lesson
from smtp_sim.tui.big_text import ROWS, headline, render
from smtp_sim.tui.presenter import PresenterApp

SIZE = (100, 30)  # a projector


def presenter(ref: str = "demo-journey") -> PresenterApp:
    return PresenterApp(load_presentation(ref), animate=False)


def test_render_draws_three_rows_of_strokes_within_the_width():
    drawn = render("Delivered in two hops", 94)
    assert drawn is not None
    lines = drawn.split("\n")
    assert len(lines) == ROWS
    assert max(len(line) for line in lines) <= 94
    assert not any(c.isalnum() for c in drawn)  # strokes, not the letters themselves


def test_render_refuses_what_it_cannot_draw_or_fit():
    assert render("<bob@cs.tcd.ie>", 200) is None  # the font has no < or >
    assert render("Café", 200) is None  # nor accents
    assert render("Delivered in two hops", 30) is None  # too wide
    assert render("   ", 94) is None


def test_headline_is_the_first_clause_when_the_whole_line_is_too_long():
    text = "Alice presses Send: her mail program opens TCP port 587 (submission) on smtp.crepes.fr."
    words, drawn, rest = headline(text, 94) or ("", "", "")
    assert words == "Alice presses Send"
    assert drawn.count("\n") == ROWS - 1
    assert rest.startswith("her mail program opens TCP port 587")
    long = "Delivered. Reliable delivery is the sender's queue trying again.\nsecond line"
    assert headline(long, 94) == (
        "Delivered.",
        render("Delivered.", 94),
        "Reliable delivery is the sender's queue trying again.\nsecond line",
    )
    # a first clause too long to draw: no headline at all, the text stays as it is
    assert headline("Alice's server answered 250 at once, although Dublin is down.", 94) is None


LESSON = """
id = "x"
title = "X"
summary = "x"
scenario = "press-send-net"

[[timeline]]
at = "1s"
action = "{action}"
{fields}
headline = "{headline}"
"""


@pytest.mark.parametrize(
    ("action", "fields", "head", "problem"),
    [
        ("pause", 'text = "Hello."', "x" * 31, "at most 30 characters"),
        ("send", 'from = "alice@crepes.fr"\nto = ["bob@cs.tcd.ie"]', "Hi", "narrate or pause"),
    ],
)
def test_a_headline_too_long_or_on_the_wrong_event_is_refused(action, fields, head, problem):
    with pytest.raises(Exception) as caught:
        parse_lesson(LESSON.format(action=action, fields=fields, headline=head))
    assert problem in str(caught.value)


async def test_the_authors_headline_is_drawn_large_above_the_whole_text():
    app: PresenterApp = presenter()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.headline == app.lesson.title  # the title card: the title, large
        await pilot.press("space")
        await pilot.pause()
        pause = next(e for e in app.lesson.timeline if e.action == "pause")
        assert app.headline == pause.headline == "Where does it go?"
        shown = str(app.query_one("#present-narration").render())
        assert render(pause.headline, 94) in shown
        assert pause.text.strip()[:40] in shown  # the text in full below it


async def test_a_walked_through_step_shows_its_title_large_when_it_fits():
    app = presenter("foobar")
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(8):
            await pilot.press("space")
            await pilot.pause()
            step = app.lesson.steps[app.shown - 1]
            fits = render(step.title, 94) is not None
            assert app.headline == (step.title if fits else ""), step.title
        assert app.headline  # (at least one of foobar's titles is short enough)


async def test_narrow_screens_fall_back_to_normal_text():
    app = presenter()
    async with app.run_test(size=(40, 30)) as pilot:
        await pilot.press("space")
        await pilot.pause()
        assert app.headline == ""
        assert "Alice (pc.crepes.fr) is about to write" in str(
            app.query_one("#present-narration").render()
        )
        await pilot.resize_terminal(100, 30)  # the projector's zoom changes: drawn again
        await pilot.pause()
        await pilot.pause()
        assert app.headline == "Where does it go?"
