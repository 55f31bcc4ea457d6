"""The lesson panel in the app: stepping through quizzes, hints and code in view, focus, keys."""

from __future__ import annotations

import asyncio
import re
import time

import pytest
from textual import events
from textual.widget import Widget
from textual.widgets import Button, Input

from smtp_sim.course.lesson import Quiz, builtin_lessons, load_lesson
from smtp_sim.course.progress import ProgressStore
from smtp_sim.tui.app import SmtpSimApp
from smtp_sim.tui.widgets.console import Console
from smtp_sim.tui.widgets.lesson_markdown import parse_blocks
from smtp_sim.tui.widgets.lesson_panel import LessonPanel

SIZE = (120, 40)
CONTINUED = "\u21aa "  # what starts a code block's continued row


@pytest.fixture
def store(tmp_path):
    return ProgressStore(tmp_path / "progress.json")


def quiz_lesson():
    """foobar with a quiz on every step: three multiple-choice in a row (4, 2 and 3 choices),
    then two short answers in a row, then multiple choice again."""
    lesson = load_lesson("foobar")
    quizzes = [
        Quiz(question="First?", choices=["a1", "a2", "a3", "a4"], correct=1),
        Quiz(question="Second?", choices=["b1", "b2"], correct=2),
        Quiz(question="Third?", choices=["c1", "c2", "c3"], correct=3),
        Quiz(question="Fourth?", accept=["four"]),
        Quiz(question="Fifth?", accept=["five"]),
        Quiz(question="Sixth?", choices=["f1", "f2"], correct=1),
    ]
    # (no checks: a quiz about a task is answered only once the task is done)
    steps = [
        step.model_copy(update={"quiz": quiz, "checks": []})
        for step, quiz in zip(lesson.steps, quizzes, strict=False)
    ]
    return lesson.model_copy(update={"steps": steps})


def on_screen(widget: Widget) -> bool:
    """Displayed, and so are all its containers."""
    return all(node.display for node in widget.ancestors_with_self if isinstance(node, Widget))


def shown_quiz(app: SmtpSimApp) -> tuple[list[str], bool]:
    """The labels of the choice buttons on screen, and whether the short-answer box is."""
    panel = app.query_one(LessonPanel)
    buttons = [str(b.label) for b in panel.query(Button) if on_screen(b)]
    short = [i for i in panel.query(Input) if on_screen(i)]
    return buttons, bool(short)


async def test_base64_steps_with_two_short_answers_in_a_row(store):
    """F4 three times in base64 (steps 3 and 4 are both short answers) crashed with
    DuplicateIds: the old answer box was still there when the new one was mounted."""
    app = SmtpSimApp(load_lesson("base64"), store=store)
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(6):
            await pilot.press("f4")
            await pilot.pause()
            assert app.is_running
        assert app.main.playback.session.index == 6
        assert shown_quiz(app) == ([], True)


async def type_line(pilot, line: str) -> None:
    pilot.app.query_one(Console).input.value = line
    await pilot.press("enter")
    await pilot.pause()


async def test_answering_a_short_answer_moves_on_to_the_next_one(store):
    """base64 step 3 done and answered (/answer Mar: TWFy): step 4, another short answer."""
    lesson = load_lesson("base64")
    app = SmtpSimApp(lesson, store=store)
    async with app.run_test(size=SIZE) as pilot:
        for n, step in enumerate(lesson.steps[:3]):
            for line in step.solution:
                if n < 2 or not line.startswith("/answer"):  # (step 3's answer: below)
                    await type_line(pilot, line)
        assert app.main.playback.session.index == 2
        await type_line(pilot, "/answer Mar")
        assert app.is_running and app.main.playback.session.index == 3
        assert len(app.query("#short-answer")) == 1
        assert shown_quiz(app) == ([], True)


async def test_consecutive_quizzes_of_the_same_kind(store):
    lesson = quiz_lesson()
    app = SmtpSimApp(lesson, store=store)
    async with app.run_test(size=SIZE) as pilot:
        expected = []
        for step in lesson.steps:
            quiz = step.quiz
            labels = [f"{chr(ord('A') + i)}. {c}" for i, c in enumerate(quiz.choices)]
            expected.append((labels, not quiz.choices))
        for i in range(len(lesson.steps)):
            assert app.main.playback.session.index == i
            assert shown_quiz(app) == expected[i], i
            await pilot.press("f4")
            await pilot.pause()
        await pilot.press(*["f3"] * (len(lesson.steps) - 1))  # and back, quickly
        await pilot.pause()
        assert shown_quiz(app) == expected[0]
        # Several keys at once: the quiz shown is the last step's.
        await pilot.press("f4", "f4", "f4", "f4", "f3", "f4")
        await pilot.pause()
        assert shown_quiz(app) == expected[4]
        # The buttons of the current step answer the current step's quiz.
        app.main.playback.session.go_to(1)
        app.main.controller.changed()
        await pilot.pause()
        await pilot.click("#choice-1")  # B is right for the second quiz
        await pilot.pause()
        assert app.main.playback.session.progress[1].quiz_correct


async def press_until(pilot, keys: list[str], index: int) -> None:
    """Press keys as the terminal sends them, without Pilot.press's idle waits (40 ms a key at
    least), and wait until the lesson is at step ``index``: keys are handled in order, so once
    what the last one does is seen, all are handled. An exception in a handler stops the app:
    it fails here."""
    app = pilot.app
    for key in keys:
        event = events.Key(key, None)
        event.set_sender(app)
        assert app.post_message(event), f"the app stopped before {key}"
    deadline = time.monotonic() + 10
    while app.main.playback.session.index != index:
        assert app.return_code is None, "the app stopped"
        assert time.monotonic() < deadline, "the keys had no effect"
        await asyncio.sleep(0)
    app.screen._on_timer_update()  # draw what changed, as Pilot.pause does


async def test_every_builtin_lesson_steps_from_first_to_last(store):
    """Every built-in lesson opened in one app and stepped through with F4, then back with F3:
    no exception, and each step shows its own quiz."""
    app = SmtpSimApp(load_lesson("foobar"), store=store)
    async with app.run_test(size=SIZE) as pilot:
        for lesson in builtin_lessons():
            app.main.open_lesson(lesson)
            await pilot.pause()
            for i, step in enumerate(lesson.steps):
                assert app.main.playback.session.index == i, lesson.id
                choices, short = shown_quiz(app)
                quiz = step.quiz
                assert len(choices) == (len(quiz.choices) if quiz else 0), (lesson.id, i)
                assert short == bool(quiz and not quiz.choices), (lesson.id, i)
                if i + 1 < len(lesson.steps):
                    await press_until(pilot, ["f4"], i + 1)
            # F4 on the last step, then back to the first.
            await press_until(pilot, ["f4"] + ["f3"] * len(lesson.steps), 0)
            await pilot.pause()


# -- hints, feedback and choices in view -------------------------------------------------------


def inside(widget: Widget, container: Widget) -> bool:
    """The widget is drawn whole inside the container's visible area."""
    area, region = container.content_region, widget.region
    return bool(region.height) and area.y <= region.y and region.bottom <= area.bottom


async def open_at(app: SmtpSimApp, pilot, step: int) -> LessonPanel:
    app.main.playback.session.go_to(step)
    app.main.controller.changed()
    panel = app.query_one(LessonPanel)
    if panel.text_updated is not None:
        await panel.text_updated
    # (laid out, and what follows the layout, as the quiz's top line, done)
    await pilot.pause()
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()
    return panel


async def test_a_hint_is_scrolled_into_view(store):
    """smuggling step 7's text is longer than the panel: F2's hint went below the fold."""
    app = SmtpSimApp(load_lesson("smuggling"), store=store)
    async with app.run_test(size=SIZE) as pilot:
        panel = await open_at(app, pilot, 6)
        await pilot.press("f2")
        await pilot.pause()
        await pilot.wait_for_scheduled_animations()
        hint = panel.query_one("#hint")
        assert "Hint:" in str(hint.render())
        assert inside(hint, panel.query_one("#step-scroll"))


async def test_the_quiz_choices_and_the_feedback_are_in_view(store):
    """push-pull's last question: its choices A-D were below the fold, under a long text."""
    app = SmtpSimApp(load_lesson("push-pull"), store=store)
    async with app.run_test(size=SIZE) as pilot:
        panel = await open_at(app, pilot, 6)
        buttons = [b for b in panel.query(".choice") if on_screen(b)]
        assert [str(b.label)[:2] for b in buttons] == ["A.", "B.", "C.", "D."]
        quiz = panel.query_one("#quiz")
        for button in buttons:
            assert inside(button, quiz) and inside(button, panel), button.label
        assert inside(panel.query_one("#quiz-question"), quiz)
        await pilot.click("#choice-0")  # wrong: the feedback says so, in view
        await pilot.pause()
        await pilot.wait_for_scheduled_animations()
        feedback = panel.query_one("#quiz-feedback")
        assert "Not quite" in str(feedback.render())
        assert inside(feedback, quiz)
        await pilot.click("#choice-1")
        await pilot.pause()
        await pilot.wait_for_scheduled_animations()
        assert "Correct" in str(feedback.render()) and inside(feedback, quiz)


# -- code blocks -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lesson_id", "step", "line"),
    [
        ("mime", 3, 'Content-Type: multipart/mixed; boundary="b"'),
        ("base64", 3, "010011 010110 000101 101110"),
        ("smuggling", 7, "MAIL FROM:<ceo@bank.example><CR><LF>"),
        ("open-relay", 5, "From: Alice Liddell <alice@crepes.fr>"),
    ],
)
@pytest.mark.parametrize("size", [SIZE, (80, 24)])
async def test_code_blocks_show_whole_lines(store, lesson_id, step, line, size):
    """Every row of a code block fits the panel, and the rows read back (without the
    continuation marks) as the lesson's lines: nothing cut off."""
    from rich.cells import cell_len

    app = SmtpSimApp(load_lesson(lesson_id), store=store)
    async with app.run_test(size=size) as pilot:
        panel = await open_at(app, pilot, step - 1)
        text = panel.step_text
        width = text.content_region.width
        code = [b.content.plain for b in parse_blocks(text.source) if b.kind == "code"]
        drawn = [rows for kind, rows in text.drawn_blocks() if kind == "code"]
        assert any(line in block.splitlines() for block in code)
        assert len(drawn) == len(code)
        for block, rows in zip(code, drawn, strict=True):
            assert all(cell_len(row) == width for row in rows)  # (filled to the width)
            lines: list[str] = []
            previous = ""
            for row in rows:  # a row continued ends at a space (then padding), or is full
                if row.startswith(CONTINUED) and lines:
                    lines[-1] += (" " if previous.endswith(" ") else "") + row[len(CONTINUED) :]
                else:
                    lines.append(row)
                previous = row
            assert [text.split() for text in lines] == [
                text.split() for text in block.splitlines()
            ]  # (every word whole, in order: nothing cut off, no word broken where it fits)


def test_code_rows_break_exactly_and_mark_continuations():
    from textual.content import Content

    from smtp_sim.tui.widgets import lesson_markdown
    from smtp_sim.tui.widgets.lesson_markdown import WrappedCode, code_rows

    assert lesson_markdown.CONTINUED == CONTINUED

    line = Content("MAIL FROM:<ceo@bank.example><CR><LF>")
    rows = code_rows(line, 16)
    # a word longer than a row is cut at the width, the rows filled: "MAIL" alone on a row
    # (then "FROM:<ceo@bank.example><CR><" and "LF>") read as a command of its own (issue 15)
    assert [piece.plain for _x, piece in rows] == [
        "MAIL FROM:<ceo@b",
        "ank.example><C",
        "R><LF>",
    ]
    assert [x for x, _piece in rows] == [0, 16, 30]
    pieces = [piece.plain for _x, piece in code_rows(line, 30)]
    assert pieces == ["MAIL FROM:<ceo@bank.example><C", "R><LF>"]
    # a word that fits a row of its own gets one: the base64 to type, whole
    auth = Content("auth plain AGFsaWNlAHdvbmRlcmxhbmQ=")
    pieces = [piece.plain for _x, piece in code_rows(auth, 30)]
    assert pieces == ["auth plain ", "AGFsaWNlAHdvbmRlcmxhbmQ="]
    assert code_rows(line, 80) == [(0, line)]
    code = WrappedCode(Content("short\n" + line.plain + "\n\nend"))
    assert code.get_height({}, 16) == 6
    # Issue 15: the slides' recipe broke inside a word (crlf.crl / f)
    recipe = Content("Helo, mail from, rcpt to, data, crlf.crlf, quit")
    pieces = [piece.plain for _x, piece in code_rows(recipe, 36)]
    assert pieces == ["Helo, mail from, rcpt to, data, ", "crlf.crlf, quit"]


@pytest.mark.parametrize("size", [SIZE, (80, 24)])
async def test_a_lesson_table_shares_the_width_by_what_its_columns_hold(store, size):
    """Issue 15: lesson 1's port table cut ``(submission)`` to ``(submissio…`` while its
    first column had room to spare: no cell's word is cut or broken where the words fit."""
    app = SmtpSimApp(load_lesson("press-send"), store=store)
    async with app.run_test(size=size) as pilot:
        panel = await open_at(app, pilot, 5)
        await pilot.pause()
        text = panel.step_text
        (table,) = [b for b in parse_blocks(text.source) if b.kind == "table"]
        headers = [h.plain for h in table.headers]
        (rows,) = [rows for kind, rows in text.drawn_blocks() if kind == "table"]
        assert all(len(row) <= text.content_region.width for row in rows)
        stacked = not rows[0].startswith("\u250c")
        # too narrow for its words side by side (80x24): a row at a time, "header: cell"
        assert stacked == (size == (80, 24))
        if stacked:
            shown = " ".join(rows).split()
            told = [
                f"{h}: {c.plain}" for row in table.rows for h, c in zip(headers, row, strict=True)
            ]
            assert shown == " ".join(told).split()
        else:  # each cell's words whole, in order, in its column
            grid: list[list[str]] = []
            inside_row = False
            for row in rows:
                if row.startswith("\u2502"):
                    parts = row[1:-1].split("\u2502")
                    if not inside_row:
                        grid.append(["" for _ in parts])
                    grid[-1] = [f"{a} {b}" for a, b in zip(grid[-1], parts, strict=True)]
                inside_row = row.startswith("\u2502")
            grid = [[" ".join(cell.split()) for cell in row] for row in grid]
            assert grid == [headers] + [[c.plain for c in row] for row in table.rows]
            assert len(grid) * len(headers) == 15
            shown = " ".join(" ".join(row) for row in grid).split()
        for word in ("(submission)", "smtp.crepes.fr", "answers)"):
            assert word in shown


def test_column_widths_give_each_column_its_words_and_the_rest_to_the_longest():
    from smtp_sim.tui.widgets.lesson_markdown import column_widths

    columns = [["hop", "smtp.crepes.fr asks where cs.tcd.ie's mail goes"], ["port", "TCP 25"]]
    assert column_widths(columns, 80) == [48, 7]  # all fits: as wide as the longest cells
    assert column_widths(columns, 30) == [23, 7]  # the long one wraps, the short one whole
    assert sum(column_widths(columns, 12)) == 12  # words do not fit: shared, nothing lost


# -- focus: nothing typed is lost --------------------------------------------------------------


async def test_typing_on_a_quiz_button_goes_to_the_console(store):
    app = SmtpSimApp(load_lesson("push-pull"), store=store)
    async with app.run_test(size=SIZE) as pilot:
        await open_at(app, pilot, 6)
        console = app.query_one(Console).input
        app.query_one("#choice-2").focus()
        await pilot.pause()
        for key in ("h", "e", "l", "o", "space", "x"):
            await pilot.press(key)
        await pilot.pause()
        assert console.value == "helo x" and app.focused is console
        assert not app.main.playback.session.progress[6].answers  # no button was pressed


async def test_escape_returns_to_the_console_from_anywhere(store):
    app = SmtpSimApp(load_lesson("base64"), store=store)
    async with app.run_test(size=SIZE) as pilot:
        panel = await open_at(app, pilot, 2)
        console = app.query_one(Console).input
        for target in (
            panel.query_one("#short-answer"),
            panel.query_one("#step-scroll"),
            app.query_one("Tabs"),
            app.query_one("#events"),
        ):
            target.focus()
            await pilot.pause()
            assert app.focused is target
            await pilot.press("escape")
            await pilot.pause()
            assert app.focused is console, target
        # A dialog's own Escape still closes it, and leaves the console alone.
        await pilot.press("f1")
        await pilot.pause()
        assert type(app.screen).__name__ == "HelpScreen"
        await pilot.press("escape")
        await pilot.pause()
        assert len(app.screen_stack) == 1 and app.focused is console


async def test_after_clicking_a_tab_typed_lines_reach_the_console(store):
    app = SmtpSimApp(load_lesson("foobar"), store=store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.click("#--content-tab-tab-events")
        await pilot.pause()
        assert app.query_one("TabbedContent").active == "tab-events"
        assert not isinstance(app.focused, Input)
        for key in "telnet mail.cs.tcd.ie 25":
            await pilot.press("space" if key == " " else key)
        await pilot.press("enter")
        await pilot.pause()
        assert app.main.playback.session.inputs[-1][1] == "telnet mail.cs.tcd.ie 25"


async def test_function_keys_stay_bindings_wherever_the_focus_is(store):
    """Typed keys go to the console (tests/tui/test_typing.py); F-keys keep their use, and a
    dialog's own keys stay its own."""
    app = SmtpSimApp(load_lesson("foobar"), store=store)
    async with app.run_test(size=SIZE) as pilot:
        await open_at(app, pilot, 7)
        app.query_one("Tabs").focus()
        await pilot.press("f1")  # the app's: help
        await pilot.pause()
        assert type(app.screen).__name__ == "HelpScreen"
        await pilot.press("q")  # the help screen's own key, not typed into the console
        await pilot.pause()
        assert len(app.screen_stack) == 1
        assert app.query_one(Console).input.value == ""


async def test_a_new_step_takes_the_focus_off_the_old_quiz(store):
    """A focused choice button of the last step would answer the next step's quiz."""
    app = SmtpSimApp(quiz_lesson(), store=store)
    async with app.run_test(size=SIZE) as pilot:
        app.query_one("#choice-3").focus()
        await pilot.pause()
        await pilot.press("f4")
        await pilot.pause()
        assert app.focused is app.query_one(Console).input


# -- the sandbox and small screens -------------------------------------------------------------


async def test_the_sandbox_hides_the_step_keys():
    from smtp_sim.course.lesson import sandbox_lesson
    from smtp_sim.tui.palette import BindingCommands
    from smtp_sim.tui.widgets.footer import KeyFooter

    app = SmtpSimApp(sandbox_lesson("classroom"), sandbox=True)
    async with app.run_test(size=(200, 40)) as pilot:
        await pilot.pause()
        shown = app.query_one(KeyFooter).shown_keys
        assert "f5" in shown and not {"f2", "f3", "f4"} & set(shown)
        names = [name for name, _help, _call in BindingCommands(app.screen).items()]
        assert not [n for n in names if n.startswith(("Hint", "Prev step", "Next step"))]
        app.main.open_lesson(load_lesson("foobar"))  # a lesson: the keys are back
        await pilot.pause()
        await pilot.pause()
        assert {"f2", "f3", "f4"} <= set(app.query_one(KeyFooter).shown_keys)


async def test_the_lesson_panel_narrows_when_the_window_does(store):
    app = SmtpSimApp(load_lesson("foobar"), store=store)
    async with app.run_test(size=SIZE) as pilot:
        panel = app.query_one(LessonPanel)
        wide = panel.outer_size.width
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert panel.outer_size.width < wide and panel.outer_size.width <= 33
        await pilot.resize_terminal(*SIZE)
        await pilot.pause()
        assert panel.outer_size.width == wide


async def test_a_short_screen_gives_the_step_list_rows_to_the_step():
    from smtp_sim.course.lesson import load_lesson
    from smtp_sim.tui.app import SmtpSimApp

    app = SmtpSimApp(load_lesson("base64"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert not app.query_one("#steps").display  # (hidden by the -short class)
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        assert app.query_one("#steps").region.height > 0


async def test_f2_and_the_consoles_hint_are_one_action(store):
    """F2 showed a hint in the panel only, uncounted by the attempt, and /hint in the console
    only: the same text, the same count, in both places, whichever the student uses."""
    lesson = load_lesson("foobar")
    hints = lesson.steps[0].hints
    app = SmtpSimApp(lesson, store=store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        panel = app.query_one(LessonPanel)
        session = app.main.playback.session
        await pilot.press("f2")
        await pilot.pause()
        assert panel.hint_text == hints[0]
        assert session.terminal.log[-2:] == [("typed", "/hint"), ("note", hints[0])]
        await type_line(pilot, "/hint")
        assert panel.hint_text == hints[1]
        assert session.terminal.log[-1] == ("note", hints[1])
        assert session.progress[0].hints_shown == 2
        assert [line for _, line in session.inputs] == ["/hint", "/hint"]


# -- the quiz from the keyboard ----------------------------------------------------------------


async def test_tab_from_the_text_reaches_the_first_choice_and_arrows_move_between_them(store):
    """At 80x24 Tab from the lesson text (ctrl+l) gave the focus to the quiz's box: Down
    scrolled it, and Enter sent an empty line into the console (in the middle of a DATA)."""
    app = SmtpSimApp(load_lesson("push-pull"), store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        panel = await open_at(app, pilot, 6)
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert app.focused is panel.query_one("#step-scroll")
        await pilot.press("tab")
        await pilot.pause()
        assert app.focused is panel.query_one("#choice-0")
        for key, choice in (("down", 1), ("down", 2), ("down", 3), ("down", 3), ("up", 2)):
            await pilot.press(key)
            await pilot.pause()
            assert app.focused is panel.query_one(f"#choice-{choice}"), key
        await pilot.wait_for_scheduled_animations()
        assert inside(app.focused, panel.query_one("#quiz"))
        await pilot.press("up", "up", "up")
        await pilot.pause()
        assert app.focused is panel.query_one("#choice-0")
        await pilot.press("enter")
        await pilot.pause()
        assert app.main.playback.session.progress[6].answers == ["a"]
        # (the choice is recorded as its /answer; no empty line went to the console)
        assert [line for _at, line in app.main.playback.session.inputs] == ["/answer a"]


async def test_a_line_names_the_choices_out_of_view(store):
    """At 80x24 push-pull's last quiz shows two of its four choices: the quiz's top line says
    which are out of view, and where."""
    app = SmtpSimApp(load_lesson("push-pull"), store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        panel = await open_at(app, pilot, 6)
        quiz = panel.query_one("#quiz")

        def told() -> tuple[set[str], set[str]]:
            line = str(quiz.border_title or "")
            above = re.search(r"([A-Z][A-Z, ]*) above", line)
            below = re.search(r"([A-Z][A-Z, ]*) below", line)
            return tuple(  # type: ignore[return-value]
                set(m.group(1).replace(",", " ").split()) if m else set() for m in (above, below)
            )

        def hidden() -> tuple[set[str], set[str]]:
            area = quiz.content_region
            above, below = set(), set()
            for button in panel.choice_buttons:
                letter = str(button.label)[0]
                if button.region.y < area.y:
                    above.add(letter)
                elif button.region.y >= area.bottom:
                    below.add(letter)
            return above, below

        above, below = hidden()
        assert below and not above  # (the case at hand: C and D below)
        assert told() == (above, below)
        # (walkA, mx-lookup at 80x24: B-D were reached by keys found by trial)
        assert "ctrl+l" in str(quiz.border_title), quiz.border_title
        panel.query_one("#choice-3").focus()
        await pilot.pause()
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()
        above, below = hidden()
        assert above and not below
        assert told() == (above, below)
    app = SmtpSimApp(load_lesson("push-pull"), store=store)
    async with app.run_test(size=SIZE) as pilot:  # all in view: nothing said
        panel = await open_at(app, pilot, 6)
        assert not panel.query_one("#quiz").border_title


async def test_lesson_titles_stay_distinct_when_shortened_at_80x24(store):
    """At 80x24 the steps line cut both 'E-mail address lookup' and 'E-mail address
    verification' to 'E-mail address…': a shortened title keeps what tells it apart."""
    from smtp_sim.tui.widgets.lesson_panel import StepsLine

    shown = {}
    for lesson_id in ("mx-lookup", "verify-expand"):
        app = SmtpSimApp(load_lesson(lesson_id), store=store)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            line = app.query_one(StepsLine)
            await pilot.pause()
            text = str(line.render()).split("  ")[0].strip()
            assert "\u2026" in text  # (shortened)
            shown[lesson_id] = text
    assert shown["mx-lookup"] != shown["verify-expand"], shown
    assert shown["mx-lookup"].endswith("lookup") and shown["mx-lookup"].startswith("E-mail")


def test_every_course_title_is_distinct_at_80x24s_width():
    from smtp_sim.course.lesson import builtin_lessons
    from smtp_sim.tui.widgets.lesson_panel import distinct_title

    titles = [lesson.title for lesson in builtin_lessons()]
    for room in (12, 16, 20):
        short = [distinct_title(title, titles, room) for title in titles]
        assert all(len(s) <= room for s in short)
        assert len(set(short)) == len(short), (room, short)
