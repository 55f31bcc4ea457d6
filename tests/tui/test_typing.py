"""What the student types reaches the console's input line, whatever they clicked before, and
in a fast burst no key is lost or reordered (issue 15: "typed keys go to the console")."""

import pytest
from test_app import settle
from textual import events

from smtp_sim.course.lesson import load_lesson, sandbox_lesson
from smtp_sim.course.progress import ProgressStore
from smtp_sim.tui.app import SmtpSimApp
from smtp_sim.tui.widgets.console import Console

SIZE = (120, 40)


@pytest.fixture
def store(tmp_path):
    return ProgressStore(tmp_path / "progress.json")


def key_of(character: str) -> events.Key:
    if character == "\n":
        return events.Key("enter", "\r")
    if character == " ":
        return events.Key("space", " ")
    if character == "?":
        return events.Key("question_mark", "?")
    return events.Key(character, character)


async def burst(app, text: str) -> None:
    """Every key of ``text`` posted at once, as a fast typist's keys reach the app (each
    before the previous has been handled), then wait until they all have been."""
    for character in text:
        event = key_of(character)
        event.set_sender(app)
        app.post_message(event)
    await settle(app)


def typed(app) -> list[str]:
    return [line for _step, line in app.main.playback.session.inputs]


async def test_a_burst_after_clicking_a_tab_arrives_whole_and_in_order(store):
    app = SmtpSimApp(load_lesson("foobar"), store=store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.click("#--content-tab-tab-events")
        await pilot.pause()
        await burst(app, "telnet mail.cs.tcd.ie 25\n")
        await pilot.pause()
        await pilot.click("#--content-tab-tab-flow")
        await burst(app, "helo Are you there?\n")
        await pilot.pause()
        assert typed(app)[-2:] == ["telnet mail.cs.tcd.ie 25", "helo Are you there?"]


async def test_a_line_feed_ends_a_line_as_enter_does(store):
    """Enter typed before the terminal left line mode (as the app starts) arrives as a line
    feed, ctrl+j: the line is entered, not kept waiting for an Enter that was already typed."""
    app = SmtpSimApp(load_lesson("foobar"), store=store)
    async with app.run_test(size=SIZE) as pilot:
        await burst(app, "telnet mail.cs.tcd.ie 25")
        line_feed = events.Key("ctrl+j", "\n")
        line_feed.set_sender(app)
        app.post_message(line_feed)
        await settle(app)
        await pilot.pause()
        assert typed(app)[-1:] == ["telnet mail.cs.tcd.ie 25"]


@pytest.mark.parametrize("tab", ["mailboxes", "inspector", "queues", "map"])
async def test_space_question_mark_and_enter_after_a_click_are_typed(store, tab):
    """`?` opened Help in the middle of a line; the first space after clicking a mailbox was
    swallowed; Enter pressed a button or selected a row instead of sending the line."""
    app = SmtpSimApp(sandbox_lesson("classroom"), sandbox=True, store=store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.click(f"#--content-tab-tab-{tab}")
        await pilot.pause()
        await pilot.click(f"#{tab}", offset=(3, 2))  # into the view itself
        await pilot.pause()
        await pilot.press("question_mark")  # the first key after the click
        assert len(app.screen_stack) == 1  # no help screen
        await pilot.click(f"#{tab}", offset=(3, 2))
        await pilot.pause()
        await pilot.press("space")
        await pilot.click(f"#{tab}", offset=(3, 2))
        await pilot.pause()
        await pilot.press("x")
        assert app.query_one(Console).input.value == "? x"
        await pilot.click(f"#{tab}", offset=(3, 2))
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert typed(app)[-1] == "? x"


async def test_a_lesson_opened_from_the_palette_gets_every_key(store):
    app = SmtpSimApp(load_lesson("foobar"), store=store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.click("#--content-tab-tab-events")
        await pilot.press("ctrl+p")
        await pilot.pause()
        for key in "Lesson 2: The FooBar":
            await pilot.press(key)
        await pilot.pause()
        await pilot.press("enter")
        await burst(app, "telnet mail.cs.tcd.ie 25\n")
        await pilot.pause()
        assert len(app.screen_stack) == 1
        assert typed(app) == ["telnet mail.cs.tcd.ie 25"]


async def test_the_quiz_box_keeps_its_keys_and_function_keys_stay_bindings(store):
    app = SmtpSimApp(load_lesson("base64"), store=store)
    async with app.run_test(size=SIZE) as pilot:
        session = app.main.playback.session
        quiz_step = next(
            i
            for i, s in enumerate(app.main.lesson.steps)
            if s.quiz is not None and not s.quiz.choices
        )
        session.go_to(quiz_step)
        app.main.controller.changed()
        await pilot.pause()
        box = app.query_one("#short-answer")
        box.focus()
        await pilot.pause()
        await burst(app, "1 2?")
        assert box.value == "1 2?" and app.query_one(Console).input.value == ""
        await pilot.press("f1")  # a function key is the app's
        await pilot.pause()
        assert type(app.screen).__name__ == "HelpScreen"


async def test_a_key_typed_in_the_console_does_not_lay_out_the_screen(store):
    """Each key set the input's virtual size (the text's width), a layout reactive: the whole
    screen (some 70 widgets) was laid out again and the map's scrollbar repainted, which made
    most of the screen render again, for every key of every browser session (issue 16: 60
    sessions typing at once). The line still scrolls to keep the cursor in view."""
    app = SmtpSimApp(load_lesson("foobar"), store=store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        layouts = []
        app.main.screen_layout_refresh_signal.subscribe(app.main, layouts.append)
        line = app.query_one(Console).input
        text = "telnet mail.cs.tcd.ie 25 and a tail that goes on past the width of the line"
        for character in text:
            await pilot.press(key_of(character).key)
        await pilot.pause()
        assert line.value == text
        assert layouts == []
        assert line.scroll_offset.x == len(text) + 1 - line.scrollable_content_region.width
        await pilot.press("home")
        await pilot.pause()
        assert line.scroll_offset.x == 0 and layouts == []


async def test_the_completion_is_drawn_with_the_key_that_asks_for_it(store):
    """Textual's Suggester answers from a worker, after the frame that shows the key: two
    screen updates a key (to every browser, with ``smtp-sim web``). The console's completion
    is in the line as soon as its text changes."""
    app = SmtpSimApp(load_lesson("foobar"), store=store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        line = app.query_one(Console).input
        line.value = "tel"  # (no await: nothing else has run since)
        assert line.render_line(0).text.strip() == "telnet"
        line.value = "telnet mail.cs"
        assert line.render_line(0).text.strip() == "telnet mail.cs.tcd.ie"
        line.value = "zz"
        assert line.render_line(0).text.strip() == "zz"


async def into_view(app, pilot, line: str, tab: str) -> None:
    """``line`` entered (headless), the tab ``tab`` shown, then ctrl+g pressed."""
    app.main.playback.session.enter(line)
    app.main.controller.changed()
    await pilot.pause()
    app.main.show_tab(f"tab-{tab}")
    await pilot.pause()
    await pilot.press("ctrl+g")
    await pilot.pause()


async def test_without_a_mouse_ctrl_g_and_enter_open_a_message_in_mailboxes(store):
    """walkA, walkB: the Mailboxes tab listed a message but no key opened it (Enter went to
    the console as an empty line)."""
    app = SmtpSimApp(load_lesson("press-send"), store=store)
    async with app.run_test(size=SIZE) as pilot:
        await into_view(app, pilot, "/send alice@crepes.fr bob@cs.tcd.ie Hello", "mailboxes")
        tree = app.query_one("#mailbox-tree")
        assert app.focused is tree
        assert tree.cursor_line == 0  # (walkA2: the first Down seemed not to move)
        shown = app.query_one("#mailbox-message")
        before = "\n".join(shown.lines)
        for _ in range(8):  # down to Bob's message
            await pilot.press("down")
            await pilot.pause()
            node = tree.cursor_node
            if node is not None and node.data is not None and node.data[1] is not None:
                break
        await pilot.press("enter")
        await pilot.pause()
        assert "Subject: Hello" in "\n".join(shown.lines), before
        assert typed(app) == ["/send alice@crepes.fr bob@cs.tcd.ie Hello"] or typed(app) == []
        await pilot.press("escape")
        assert app.focused is app.query_one(Console).input


async def test_keys_typed_in_the_quiz_answer_it_not_the_console(store):
    """walkB: ctrl+l, Tab, then the answer went into the console, inside a message's DATA;
    and Enter on a choice reached with Tab went to the console too."""
    app = SmtpSimApp(load_lesson("base64"), store=store)
    async with app.run_test(size=SIZE) as pilot:
        session = app.main.playback.session
        steps = app.main.lesson.steps
        short = next(i for i, s in enumerate(steps) if s.quiz is not None and not s.quiz.choices)
        session.go_to(short)
        app.main.controller.changed()
        await pilot.pause()
        await pilot.press("ctrl+l", "tab")
        await pilot.pause()
        for key in "Mar":  # (one at a time: walkB2 lost the first to select-on-focus)
            await pilot.press(key)
            await pilot.pause()
        assert app.query_one("#short-answer").value == "Mar"
        assert app.query_one(Console).input.value == ""
    app = SmtpSimApp(load_lesson("foobar"), store=store)
    async with app.run_test(size=SIZE) as pilot:
        session = app.main.playback.session
        step = next(i for i, s in enumerate(app.main.lesson.steps) if s.quiz is not None)
        session.go_to(step)
        app.main.controller.changed()
        await pilot.pause()
        await pilot.press("ctrl+l", "tab")  # the lesson text, then choice A (not the box)
        await pilot.pause()
        assert app.focused is app.query_one("#choice-0")
        await pilot.press("enter")
        await pilot.pause()
        assert session.progress[step].answers  # A was pressed
        assert typed(app) == ["/answer a"]  # (the press, and no empty line to the console)


async def test_enter_on_an_event_reached_with_ctrl_g_opens_it_in_the_inspector(store):
    """walkB (lessons 15 and 17): "open a record with Enter" sent an empty line instead."""
    app = SmtpSimApp(load_lesson("foobar"), store=store)
    async with app.run_test(size=SIZE) as pilot:
        await into_view(app, pilot, "telnet mail.cs.tcd.ie 25", "events")
        assert app.focused is app.query_one("#events")
        await pilot.press("up", "enter")
        await pilot.pause()
        assert app.query_one("TabbedContent").active == "tab-inspector"
        assert typed(app) == ["telnet mail.cs.tcd.ie 25"]


async def test_a_key_typed_in_the_console_renders_only_what_shows_the_line(store, monkeypatch):
    """Textual rendered every widget whose container overlaps the line (the header, the
    footer, the lesson panel, the status line...) for each key; the main screen renders the
    line and what lies under it (tui/textual_private.py: render_only_what_changed)."""
    from textual.widget import Widget

    app = SmtpSimApp(load_lesson("foobar"), store=store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t")
        await pilot.pause()
        rendered = set()
        render_lines = Widget.render_lines

        def counted(widget, crop):
            rendered.add(widget)
            return render_lines(widget, crop)

        monkeypatch.setattr(Widget, "render_lines", counted)
        await pilot.press("e")
        await pilot.pause()
        line = app.query_one(Console).input
        assert line in rendered
        assert rendered <= {line, *line.ancestors}, rendered - {line, *line.ancestors}


async def test_a_web_session_keeps_its_focus_when_the_browser_blurs(store):
    """Textual's web driver blurs every app as it starts, and a blur or the focus back
    restyles every widget of the screen: a web session's first key took 160 ms of CPU and
    its echo 300 ms (at 60 sessions up to 2 s). A session stays focused (web_session sets
    stays_focused); a terminal's app still blurs."""
    import signal

    from smtp_sim import web_session

    class Stub:
        async def run_async(self) -> None:
            pass

    stub = Stub()
    sigterm = signal.getsignal(signal.SIGTERM)
    try:
        await web_session._run(stub)
    finally:
        signal.signal(signal.SIGTERM, sigterm)  # (the session's rule is for its process)
    assert stub.stays_focused is True and stub.steady_cursor is True

    for stays in (False, True):
        app = SmtpSimApp(load_lesson("foobar"), store=store)
        app.stays_focused = stays
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            app.post_message(events.AppBlur())
            await pilot.pause()
            assert app.app_focus is stays


async def test_keys_right_after_ctrl_g_go_into_the_view(store):
    """tmux, 'C-g Down Down Enter' in one burst: the focus moved after the burst, whose Enter
    reached the console as an empty line."""
    app = SmtpSimApp(load_lesson("press-send"), store=store)
    async with app.run_test(size=SIZE) as pilot:
        app.main.show_tab("tab-mailboxes")
        await pilot.pause()
        for key in ("ctrl+g", "down", "enter"):
            event = events.Key(key, "\r" if key == "enter" else None)
            event.set_sender(app)
            app.post_message(event)
        await settle(app)
        assert typed(app) == []
        assert app.focused is app.query_one("#mailbox-tree")


async def test_tab_from_the_console_reaches_the_short_answer_box_mid_data(store):
    """walkB, mime step 5 at 80x24: the quiz showed 'your answer, then Enter'; Tab did not
    move the focus there, and 'text/plain' Enter went into the message's DATA. Tab from the
    console (and from the lesson text) reaches the box, and the box says so."""
    app = SmtpSimApp(load_lesson("mime"), store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        session = app.main.playback.session
        steps = app.main.lesson.steps
        quiz_step = next(i for i, s in enumerate(steps) if s.id == "second-part")
        for step in steps[:quiz_step]:
            for line in step.solution:
                session.enter(line)
        for line in steps[quiz_step].solution:
            if not line.startswith("/answer"):
                session.enter(line)
        app.main.controller.changed()
        await pilot.pause()
        assert session.terminal.in_data and not session.progress[quiz_step].done
        box = app.query_one("#short-answer")
        assert "Tab" in box.placeholder
        before = len(typed(app))
        await pilot.press("tab")
        await pilot.pause()
        assert app.focused is box
        for key in "text/plain":
            await pilot.press(key if key != "/" else "slash")
        await pilot.press("enter")
        await settle(app)
        assert session.progress[quiz_step].done
        assert typed(app)[before:] == ["/answer text/plain"]  # (nothing went into the DATA)
        # from the lesson text too (ctrl+l, then Tab)
        session.go_to(quiz_step)
        app.main.controller.changed()
        await pilot.pause()
        await pilot.press("ctrl+l", "tab")
        await pilot.pause()
        assert app.focused is box


async def test_the_mailboxes_view_says_how_to_get_in_without_a_mouse_at_80x24(store):
    """walkA, mx-lookup step 6 at 80x24: 'read Carol's second message' could not be done
    without a mouse: nothing on screen named ctrl+g, and Tab/Down/Enter went to the console."""
    app = SmtpSimApp(load_lesson("mx-lookup"), store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.main.show_tab("tab-mailboxes")
        await pilot.pause()
        reader = app.query_one("#mailbox-message")
        said = " ".join(" ".join(str(line) for line in reader.lines).split())
        assert "ctrl+g" in said, said
        await into_view(app, pilot, "/send bob@cs.tcd.ie carol@example.org Minutes", "mailboxes")
        assert app.focused is app.query_one("#mailbox-tree")
        assert typed(app) == ["/send bob@cs.tcd.ie carol@example.org Minutes"] or typed(app) == []
