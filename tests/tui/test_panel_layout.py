"""80x24 is a supported size (issue 15, "80x24"): where the student is in the lesson, the
task, the console, the explanation, the keys to move between steps, the status line's steps
and the console's suggestion all show, whole."""

from __future__ import annotations

import pytest
from rich.cells import cell_len
from test_lesson_panel import open_at
from textual.geometry import Region
from textual.widget import Widget
from textual.widgets import Static

from smtp_sim.course.lesson import load_lesson
from smtp_sim.course.progress import ProgressStore
from smtp_sim.tui.app import SmtpSimApp
from smtp_sim.tui.widgets.console import Console
from smtp_sim.tui.widgets.footer import KeyFooter
from smtp_sim.tui.widgets.lesson_panel import LessonPanel

SMALL = (80, 24)
REPLIES_ROB = 2  # replies step 3: "Type: mail from:<alice@crepes.fr>   then: rcpt to:<rob@...>"


@pytest.fixture
def store(tmp_path):
    return ProgressStore(tmp_path / "progress.json")


def visible(widget: Widget) -> bool:
    """Drawn with some height, inside the screen."""
    region = widget.region
    return region.height > 0 and region.bottom <= widget.screen.size.height


async def enter(app: SmtpSimApp, pilot, *lines: str) -> None:
    for line in lines:
        app.query_one(Console).input.value = line
        await pilot.press("enter")
        await pilot.pause()


async def test_at_80x24_the_step_list_task_keys_and_steps_count_show(store):
    app = SmtpSimApp(load_lesson("foobar"), store=store)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        panel = app.query_one(LessonPanel)
        await enter(app, pilot, "telnet mail.cs.tcd.ie 25")  # step 1 done: on step 2
        assert app.main.playback.session.index == 1
        # Where the student is: one line, step 1 ticked, step 2 the current of 8.
        line = panel.query_one("#steps-line")
        assert visible(line) and line.region.height == 1
        assert str(line.render()).endswith("\u2714\u25b6\u00b7\u00b7\u00b7\u00b7\u00b7\u00b7  2/8")
        # The task, whole, without scrolling.
        task = panel.query_one("#task", Static)
        assert visible(task) and task.region.bottom <= panel.region.bottom
        assert "Task:" in str(task.render())
        assert task.region.height >= len(str(task.render()).splitlines())
        # The keys to the previous and next step, and the steps done on the status line.
        assert {"f3", "f4"} <= set(app.query_one(KeyFooter).shown_keys)
        status = str(app.query_one("#status", Static).render())
        assert "steps 1/8" in status[: SMALL[0]]
        # At least six lines of console output, three of explanation.
        assert app.query_one(Console).output.size.height >= 6
        assert app.query_one("#explain-box").outer_size.height >= 3


async def test_at_120x40_every_step_is_listed_one_line_each(store):
    """telnet-yourself at 120x40 listed steps 1-7: step 8's title was below the list's end."""
    app = SmtpSimApp(load_lesson("telnet-yourself"), store=store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        steps = app.query_one(LessonPanel).query_one("#steps", Static)
        assert steps.region.height == 8
        assert str(steps.render()).splitlines()[7].startswith("\u00b7 8. QUIT")


@pytest.mark.parametrize(
    ("lesson_id", "lines"),
    [
        ("press-send", []),  # type here, e.g. /send alice@crepes.fr bob@cs.tcd.ie Hello
        ("foobar", ["telnet mail.cs.tcd.ie 25"]),  # an SMTP command: HELO, ...
        ("push-pull", ["telnet mail.cs.tcd.ie 110"]),  # a POP3 command: ...
        (  # message text; a line holding only . ends… (at 33 columns for the lesson)
            "foobar",
            [
                "telnet mail.cs.tcd.ie 25",
                "helo pc.crepes.fr",
                "mail from:<alice@crepes.fr>",
                "rcpt to:<bob@cs.tcd.ie>",
                "data",
            ],
        ),
    ],
)
async def test_at_80x24_the_console_suggestion_is_not_cut(store, lesson_id, lines):
    app = SmtpSimApp(load_lesson(lesson_id), store=store)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        await enter(app, pilot, *lines)
        await pilot.pause()
        line = app.query_one(Console).input
        assert line.placeholder
        assert cell_len(line.placeholder) <= line.content_region.width, line.placeholder
        assert not line.placeholder.endswith("\u2026")


def test_a_suggestion_too_long_loses_its_lead_in_then_its_last_items():
    from smtp_sim.tui.widgets.console import fit_placeholder

    long = "an SMTP command: HELO, MAIL FROM:<\u2026>, RCPT TO:<\u2026>, DATA, QUIT, HELP"
    assert fit_placeholder(long, 80) == long
    assert fit_placeholder(long, 46) == "e.g. HELO, MAIL FROM:<\u2026>, RCPT TO:<\u2026>, DATA"
    # (walkA: without its "e.g." a suggestion looked like a line typed, waiting for Enter)
    assert fit_placeholder("type here, e.g. /send a@b c@d Hi", 24) == "e.g. /send a@b c@d Hi"
    assert fit_placeholder("type here, e.g. /send a@b c@d Hi", 20) == "/send a@b c@d Hi"
    assert fit_placeholder("abcdefgh", 5) == "abcd\u2026"


# -- the quiz beside the step's text and task --------------------------------------------------


@pytest.mark.parametrize(
    ("lesson_id", "index", "size", "rows"),
    [
        ("commands", 7, (120, 40), 10),  # "Task: Type: quit   then answer with" and no more
        ("push-pull", 6, (120, 40), 10),  # the prose cut after "The slides group SMTP with HTTP:"
        ("smuggling", 7, SMALL, 4),  # three rows: the step's title, and nothing of its text
    ],
)
async def test_the_quiz_leaves_the_task_whole_and_rows_for_the_text(
    store, lesson_id, index, size, rows
):
    app = SmtpSimApp(load_lesson(lesson_id), store=store)
    async with app.run_test(size=size) as pilot:
        panel = await open_at(app, pilot, index)
        quiz, task = panel.query_one("#quiz"), panel.query_one("#task", Static)
        assert quiz.display and quiz.region.height > 0
        # The task, whole, above the quiz (not under it, not below the text's fold).
        told = str(task.render())
        assert told.startswith("Task:") and task.region.height >= len(told.splitlines())
        assert task.region.bottom <= quiz.region.y
        # The step's text keeps rows of its own.
        assert panel.query_one("#step-scroll").region.height >= rows


async def test_hints_and_quizzes_show_code_as_the_step_text_does(store):
    """Hints and quiz questions kept the Markdown's backticks ("e.g. `Subject: FooBar`")."""
    app = SmtpSimApp(load_lesson("foobar"), store=store)
    async with app.run_test(size=(120, 40)) as pilot:
        panel = await open_at(app, pilot, 5)
        await pilot.press("f2")
        await pilot.pause()
        hint = str(panel.query_one("#hint", Static).render())
        assert hint.startswith("Hint:") and "Subject: FooBar" in hint and "`" not in hint
    app = SmtpSimApp(load_lesson("telnet-yourself"), store=store)
    async with app.run_test(size=(120, 40)) as pilot:
        panel = await open_at(app, pilot, 7)
        question = str(panel.query_one("#quiz-question", Static).render())
        assert "a line quit." in question.replace("\n", " ") and "`" not in question


async def test_welcome_back_is_not_over_the_input_line(store):
    """At 80x24 the "Welcome back" notification covered the console's input line."""
    progress = store.load()
    progress.current = "foobar"
    progress.lesson("foobar").steps_done += ["connect"]
    store.save(progress)
    app = SmtpSimApp(load_lesson("foobar"), store=store)
    async with app.run_test(size=SMALL, notifications=True) as pilot:
        await pilot.pause()
        await pilot.pause()
        toasts = list(app.screen.query("Toast"))
        assert toasts
        line = app.query_one(Console).input.region
        for toast in toasts:
            assert toast.region.height and not toast.region.overlaps(line), toast.region


@pytest.mark.parametrize("size", [(120, 40), SMALL])
async def test_notifications_come_below_the_tab_bar(store, size):
    """A toast docked at the top covered the right half of the tab bar (Mailboxes, Queues)
    for its seconds: it comes below it, over the view, and above the console."""
    from textual.widgets import Tabs

    app = SmtpSimApp(load_lesson("foobar"), store=store)
    async with app.run_test(size=size, notifications=True) as pilot:
        await pilot.pause()
        app.notify("Correct: the server greets first.", title="Quiz", timeout=30)
        await pilot.pause()
        await pilot.pause()
        toasts = list(app.screen.query("Toast"))
        tabs = app.query_one("#views").query_one(Tabs)
        assert toasts and tabs.region.height
        for toast in toasts:
            assert toast.region.height and toast.region.y >= tabs.region.bottom, toast.region
            assert toast.region.bottom <= app.query_one(Console).region.y


# -- moving around without a mouse -------------------------------------------------------------


async def test_ctrl_pagedown_and_pageup_switch_the_views_tabs_and_typing_stays_typing(store):
    app = SmtpSimApp(load_lesson("foobar"), store=store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        tabs = app.query_one("TabbedContent")
        line = app.query_one(Console).input
        assert tabs.active == "tab-map" and app.focused is line
        await pilot.press("ctrl+pagedown", "ctrl+pagedown")
        await pilot.pause()
        assert tabs.active == "tab-events" and app.focused is line
        await pilot.press("ctrl+pageup", "ctrl+pageup", "ctrl+pageup")
        await pilot.pause()
        assert tabs.active == "tab-queues"  # (before the first: the last)
        for key in ("h", "e", "l", "o"):
            await pilot.press(key)
        await pilot.pause()
        assert line.value == "helo" and app.focused is line


async def test_ctrl_l_scrolls_the_lesson_text_from_the_keyboard(store):
    """press-send step 1's text is longer than the panel: no key reached it (three
    shift+tab, a different number in each step)."""
    app = SmtpSimApp(load_lesson("press-send"), store=store)
    async with app.run_test(size=SMALL) as pilot:
        panel = app.query_one(LessonPanel)
        if panel.text_updated is not None:
            await panel.text_updated
        await pilot.pause()
        text = panel.query_one("#step-scroll")
        assert text.max_scroll_y > 0 and text.scroll_y == 0
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert app.focused is text
        await pilot.press("pagedown")
        await pilot.pause()
        await pilot.wait_for_scheduled_animations()
        assert text.scroll_y > 0
        await pilot.press("x")  # typing goes back to the console
        await pilot.pause()
        assert app.focused is app.query_one(Console).input
        assert app.query_one(Console).input.value == "x"


async def test_help_names_the_keys_that_move_around(store):
    app = SmtpSimApp(load_lesson("foobar"), store=store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f1")
        await pilot.pause()
        shown = app.screen.query_one("Markdown").source
        for key in ("`Ctrl+L`", "`Ctrl+Pgdn`", "`Ctrl+Pgup`"):
            assert f"| {key} |" in shown, key


async def test_the_sandbox_shows_its_intro_at_80x24():
    """The sandbox at 80x24 hid its lesson panel: nothing said what it was or what to do."""
    from smtp_sim.course.lesson import sandbox_lesson

    app = SmtpSimApp(sandbox_lesson("classroom"), sandbox=True)
    async with app.run_test(size=SMALL) as pilot:
        panel = app.query_one(LessonPanel)
        if panel.text_updated is not None:
            await panel.text_updated
        await pilot.pause()
        assert visible(panel) and panel.region.width >= 25
        assert "Free play" in panel.query_one("#step-text").source
        assert not panel.query_one("#task").display  # (no task in the sandbox)


def drawn_text(widget: Widget) -> str:
    """The words the widget draws in its size (what is cut off is not there)."""
    from textual.geometry import Region

    strips = widget.render_lines(Region(0, 0, widget.size.width, widget.size.height))
    return " ".join(" ".join("".join(s.text for s in strip).split()) for strip in strips)


@pytest.mark.parametrize("size", [SMALL, (120, 40)])
async def test_every_quiz_choice_is_drawn_whole(store, size):
    """A choice button kept the height of the last quiz's choice in its place: at 80x24
    starttls's "C. No: mail programs never send a password" showed "C. No: mail programs"
    (smuggling's A and B cut to one line; at 120x40 a last wrapped word lost)."""
    lesson = load_lesson("starttls")
    app = SmtpSimApp(lesson, store=store)
    async with app.run_test(size=size) as pilot:
        for index, step in enumerate(lesson.steps):
            if step.quiz is None or not step.quiz.choices:
                continue
            panel = await open_at(app, pilot, index)
            await pilot.pause()
            for button in panel.choice_buttons:
                label = " ".join(str(button.label).split())
                assert label in drawn_text(button), (index, label, button.size)


# -- 80x24: the step's text gets the room to be read (issue 15, "through a keyhole") -----------


def code_rows_shown(panel: LessonPanel) -> list[list[str]]:
    """Each code block of the step's text as the rows it is drawn in (wrapped or not)."""
    return [
        [row.rstrip() for row in rows]
        for kind, rows in panel.step_text.drawn_blocks()
        if kind == "code"
    ]


@pytest.mark.parametrize(
    ("lesson_id", "index", "rows"),
    [
        ("base64", 3, 10),  # step 4: its title, then straight the Task box
        ("base64", 2, 10),  # step 3: two lines of text
    ],
)
async def test_at_80x24_a_step_with_a_quiz_keeps_rows_for_its_text(store, lesson_id, index, rows):
    app = SmtpSimApp(load_lesson(lesson_id), store=store)
    async with app.run_test(size=SMALL) as pilot:
        panel = await open_at(app, pilot, index)
        scroll = panel.query_one("#step-scroll")
        assert scroll.region.height >= rows
        # The task and the quiz are still whole, the console keeps its six lines.
        task = panel.query_one("#task", Static)
        assert task.region.height >= len(str(task.render()).splitlines())
        assert panel.query_one("#quiz").region.bottom <= panel.region.bottom
        assert app.query_one(Console).output.size.height >= 6


async def test_at_80x24_a_short_text_leaves_its_rows_to_a_long_quiz(store):
    """foobar's last step: the quiz took at most 45% of the panel, so choice D was under a
    scrollbar while rows of the text's stood empty."""
    app = SmtpSimApp(load_lesson("foobar"), store=store)
    async with app.run_test(size=SMALL) as pilot:
        panel = await open_at(app, pilot, 7)
        await pilot.pause()
        quiz, scroll = panel.query_one("#quiz"), panel.query_one("#step-scroll")
        assert scroll.max_scroll_y == 0 and quiz.max_scroll_y == 0
        assert len(panel.choice_buttons) == 4
        for button in panel.choice_buttons:
            assert quiz.region.contains_region(button.region), button.label


async def test_at_80x24_the_step_list_is_one_line_with_where_the_student_is(store):
    app = SmtpSimApp(load_lesson("foobar"), store=store)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        await enter(app, pilot, "telnet mail.cs.tcd.ie 25")  # step 1 done: on step 2
        panel = app.query_one(LessonPanel)
        line = panel.query_one("#steps-line")
        assert visible(line) and line.region.height == 1
        shown = str(line.render())
        assert "2/8" in shown and "\u2714\u25b6" in shown  # step 1 ticked, step 2 current
        assert shown.startswith("The FooBar")
        assert (
            not panel.query_one("#steps").display and not panel.query_one("#lesson-title").display
        )
        # Everything above the step's text: one row.
        assert panel.query_one("#step-scroll").region.y == panel.region.y + 1
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        assert not line.display and panel.query_one("#steps", Static).region.height == 8


async def test_at_80x24_a_command_line_of_code_is_one_row_and_the_bit_table_unwrapped(store):
    """'mail' / '↪ from:<alice@crepes.fr>' read as two lines; base64's bit table wrapped into
    rows nobody could read."""
    app = SmtpSimApp(load_lesson("open-relay"), store=store)
    async with app.run_test(size=SMALL) as pilot:
        panel = await open_at(app, pilot, 1)
        blocks = code_rows_shown(panel)
        assert blocks[0] == ["mail from:<alice@crepes.fr>", "rcpt to:<bob@cs.tcd.ie>"]
    app = SmtpSimApp(load_lesson("base64"), store=store)
    async with app.run_test(size=SMALL) as pilot:
        panel = await open_at(app, pilot, 2)
        table = code_rows_shown(panel)[0]
        assert not any(row.startswith("\u21aa") for row in table), table
        assert any("01001101" in row for row in table)


async def test_at_80x24_the_data_prompt_is_shortened_not_cut(store):
    for size, shown in ((SMALL, "mail.cs.tcd.ie:25 DATA: end with ."), ((120, 40), "only '.')")):
        app = SmtpSimApp(load_lesson("foobar"), store=store)
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            await enter(
                app,
                pilot,
                "telnet mail.cs.tcd.ie 25",
                "helo pc.crepes.fr",
                "mail from:<alice@crepes.fr>",
                "rcpt to:<bob@cs.tcd.ie>",
                "data",
            )
            await pilot.pause()
            prompt = app.query_one(Console).query_one("#prompt", Static)
            text = str(prompt.render())
            assert text.endswith(shown) and cell_len(text) <= prompt.content_region.width
            if size == SMALL:  # (wider again: the whole prompt)
                await pilot.resize_terminal(120, 40)
                await pilot.pause()
                assert str(prompt.render()).endswith("only '.')")


async def test_at_80x24_the_status_line_drops_its_least_important_parts_first(store):
    app = SmtpSimApp(load_lesson("foobar"), store=store)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        assert app.main.playback.at_end  # (nothing typed yet: nothing scheduled)
        status = str(app.query_one("#status", Static).render())
        assert cell_len(status.rstrip()) <= SMALL[0], status
        for part in ("paused", "steps 0/8", "t = ", "event 0", "speed"):
            assert part in status
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        assert "(nothing more scheduled)" in str(app.query_one("#status", Static).render())


async def test_the_status_line_gives_up_the_speed_then_the_event_count_before_the_steps(store):
    from smtp_sim.tui.status import status_line

    app = SmtpSimApp(load_lesson("foobar"), store=store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        control = app.main.controller
        whole = str(status_line(control, timer_running=True))
        assert whole.endswith("(nothing more scheduled)")
        assert str(status_line(control, timer_running=True, width=len(whole))) == whole
        narrow = str(status_line(control, timer_running=True, width=50))
        assert "event 0" in narrow and "speed" not in narrow and "nothing" not in narrow
        narrowest = str(status_line(control, timer_running=True, width=36))
        assert narrowest == " \u23f8 paused   steps 0/8   t = 0.000 s"


async def test_at_80x24_the_task_keeps_a_command_whole_on_its_row(store):
    """'Task: Type: mail' / 'from:<alice@crepes.fr>' read as two commands."""
    app = SmtpSimApp(load_lesson("replies"), store=store)
    async with app.run_test(size=SMALL) as pilot:
        panel = await open_at(app, pilot, REPLIES_ROB)
        task = panel.query_one("#task", Static)
        rows = [strip.text.strip() for strip in task.render_lines(Region(0, 0, *task.outer_size))]
        assert "mail from:<alice@crepes.fr>" in rows, rows
        assert "then: rcpt to:<rob@cs.tcd.ie>" in rows, rows
        assert task.region.height == len([row for row in rows if row])  # (with its top border)
    app = SmtpSimApp(load_lesson("foobar"), store=store)
    async with app.run_test(size=SMALL) as pilot:
        panel = await open_at(app, pilot, 0)
        task = panel.query_one("#task", Static)
        rows = [strip.text.strip() for strip in task.render_lines(Region(0, 0, *task.outer_size))]
        assert "telnet mail.cs.tcd.ie 25" in rows, rows


def test_a_task_wraps_at_the_spaces_that_do_not_hold_a_command_together():
    from smtp_sim.tui.widgets.task_text import glued_spaces, wrap_spans

    def rows(text: str, width: int) -> list[str]:
        return [text[s:e] for s, e in wrap_spans(text, width, glued_spaces(text))]

    assert rows("Task: Type /send a@b.c d@e.f Typo, then /wait 5min", 22) == [
        "Task: Type /send a@b.c",
        "d@e.f Typo, then",
        "/wait 5min",
    ]
    long = "Task: Type: rcpt to:<\"| sed '1,/^$/d' | /bin/sh ; exit 0\">"
    assert rows(long, 30) == ['Task: Type: rcpt to:<"| sed', "'1,/^$/d' | /bin/sh ; exit 0\">"]
    assert rows("abcdefghij", 4) == ["abcd", "efgh", "ij"]
    assert rows("", 10) == [""]


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
async def test_the_sandbox_shows_its_title_once(size):
    """walkB: at 80x24 "Sandbox: The classroom network" was drawn twice, the panel's title
    line and a heading of the text under it."""
    from smtp_sim.course.lesson import sandbox_lesson

    app = SmtpSimApp(sandbox_lesson("classroom"), sandbox=True)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        region = app.query_one(LessonPanel).region
        rows = [strip.text for strip in app.screen._compositor.render_strips()]
        text = "\n".join(row[region.x : region.right] for row in rows[region.y : region.bottom])
        assert text.count("Sandbox: The classroom network") == 1, text


async def test_at_80x24_every_view_tab_is_named_whole(store):
    """Beside the 33-column lesson panel the tab bar ended at 'Queue'."""
    from textual.widgets import Tab

    app = SmtpSimApp(load_lesson("foobar"), store=store)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        tabs = list(app.query_one("#views").query(Tab))
        assert [str(tab.label) for tab in tabs][-1] == "Queues"
        for tab in tabs:
            assert tab.region.right <= SMALL[0] and tab.region.width >= len(str(tab.label)), tab
