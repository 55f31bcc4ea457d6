"""The line under the console explains the last reply with advice for the command typed."""

from smtp_sim.course.lesson import load_lesson
from smtp_sim.tui.app import SmtpSimApp


async def enter(app, pilot, *lines: str) -> None:
    """Type each line into the console and press Enter, as a student does."""
    for line in lines:
        app.query_one("Console").input.value = line
        await pilot.press("enter")
        await pilot.pause()


async def test_a_misspelt_verb_is_named_with_the_command_it_resembles():
    app = SmtpSimApp(load_lesson("foobar"))
    async with app.run_test(size=(120, 40)) as pilot:
        await enter(
            app, pilot, "telnet mail.cs.tcd.ie 25", "helo FooBar", "mial from: alice@crepes.fr"
        )
        explained = str(app.query_one("#explain").render())
        # The advice first: on a short screen it may be all that shows (the rest scrolls).
        assert explained.startswith("Next: 'MIAL' is not an SMTP command")
        assert "Did you mean MAIL?" in explained.splitlines()[0]
        assert explained.splitlines()[1].startswith("502 Command not implemented")


async def test_the_empty_input_line_suggests_what_fits_the_session():
    app = SmtpSimApp(load_lesson("telnet-yourself"))
    async with app.run_test(size=(120, 40)) as pilot:
        line = app.query_one("#line")
        first = app.main.lesson.steps[0].solution[0]  # this lesson's server, not another one
        assert line.placeholder == f"type here, e.g. {first}"
        # (connected: the task's next line where the task shows one, test_console_view)
        smtp = ("an SMTP command", "e.g. ")
        steps = [
            (first, smtp),
            ("helo me", smtp),
            ("mail from:<alice@crepes.fr>", smtp),
            ("rcpt to:<bob@cs.tcd.ie>", smtp),
            ("data", ("message text",)),
        ]
        for typed, expected in steps:
            app.query_one("Console").input.value = typed
            await pilot.press("enter")
            await pilot.pause()
            assert line.placeholder.startswith(expected), (typed, line.placeholder)


async def test_pasted_lines_are_each_entered_as_telnet_sends_them():
    from textual import events

    app = SmtpSimApp(load_lesson("foobar"))
    async with app.run_test(size=(120, 40)) as pilot:
        await enter(
            app,
            pilot,
            "telnet mail.cs.tcd.ie 25",
            "helo FooBar",
            "mail from: alice@crepes.fr",
            "rcpt to: bob@cs.tcd.ie",
            "data",
        )
        line = app.query_one("#line")
        line.post_message(
            events.Paste("To: Someone@S\r\nSubject: FooBar\r\n\r\nHello World\r\n.\r\nqu")
        )
        for _ in range(20):
            await pilot.pause(0.05)
        typed = [
            entry[1]
            for entry in app.main.playback.session.terminal.log
            if isinstance(entry, tuple) and entry[0] == "typed"
        ][-5:]
        assert typed == ["To: Someone@S", "Subject: FooBar", "", "Hello World", "."]
        assert line.value == "qu"  # the unfinished last line waits for Enter
        line.post_message(events.Paste("it"))  # one line: pasted in place, once
        await pilot.pause()
        assert line.value == "quit"
        codes = [o.reply.code for o in app.main.playback.session.terminal.output if o.reply]
        assert codes[-1] == 250


async def test_quiz_feedback_offers_a_hint_only_when_there_is_one():
    from smtp_sim.tui.widgets.lesson_panel import LessonPanel

    lesson = load_lesson("foobar")
    recap = lesson.steps[7]
    assert recap.quiz.hints  # (the recap quiz's own hint, offered after a wrong answer)
    no_hints = recap.model_copy(update={"quiz": recap.quiz.model_copy(update={"hints": []})})
    lesson = lesson.model_copy(update={"steps": [*lesson.steps[:7], no_hints]})
    app = SmtpSimApp(lesson)
    async with app.run_test(size=(120, 40)) as pilot:
        app.main.playback.session.go_to(7)  # the recap quiz, its hints taken away
        app.main.controller.changed()
        await pilot.pause()
        panel = app.query_one(LessonPanel)
        quiz = app.main.lesson.steps[7].quiz
        wrong = next(chr(ord("a") + i) for i in range(len(quiz.choices)) if i + 1 != quiz.correct)
        panel.post_message(LessonPanel.QuizAnswered(wrong))
        await pilot.pause()
        # Why that choice is wrong (the lesson's `explain`), and no offer of a hint.
        assert panel.quiz_feedback == (f"\u2718 Not quite: {quiz.why(wrong)} Try again.")
        assert quiz.why(wrong) and "hint" not in panel.quiz_feedback
        panel.post_message(LessonPanel.QuizAnswered(quiz.solution))
        await pilot.pause()
        assert panel.quiz_feedback == "\u2714 Correct. " + quiz.explanation


async def test_after_a_wrong_answer_f2_gives_the_questions_own_hint():
    """A quiz's hint nudges toward the question (the step's hints are for its task)."""
    from smtp_sim.tui.widgets.lesson_panel import LessonPanel

    app = SmtpSimApp(load_lesson("foobar"))
    async with app.run_test(size=(120, 40)) as pilot:
        app.main.playback.session.go_to(7)
        app.main.controller.changed()
        await pilot.pause()
        panel = app.query_one(LessonPanel)
        quiz = app.main.lesson.steps[7].quiz
        panel.post_message(LessonPanel.QuizAnswered("a" if quiz.correct != 1 else "b"))
        await pilot.pause()
        assert panel.quiz_feedback.endswith("Try again, or press F2 for a hint.")
        await pilot.press("f2")
        await pilot.pause()
        assert panel.hint_text == quiz.hints[0]


async def test_keys_typed_in_a_burst_make_one_line_per_enter():
    """A paste without bracketed paste arrives as keys, Enter among them: each line its own."""
    app = SmtpSimApp(load_lesson("foobar"))
    async with app.run_test(size=(120, 40)) as pilot:
        await enter(app, pilot, "telnet mail.cs.tcd.ie 25")
        from textual import events

        # As a terminal delivers them: all queued before any is handled (pilot.press would
        # wait for each key, and hide the race between Enter and the keys before it).
        for ch in "noop\rnoop 2\rhe":
            key = {"\r": "enter", " ": "space"}.get(ch, ch)
            app.post_message(events.Key(key, ch))
        for _ in range(20):
            await pilot.pause(0.05)
        typed = [
            entry[1]
            for entry in app.main.playback.session.terminal.log
            if isinstance(entry, tuple) and entry[0] == "typed"
        ]
        assert typed[-2:] == ["noop", "noop 2"]
        assert app.query_one("#line").value == "he"


async def test_help_shows_one_command_a_line():
    app = SmtpSimApp(load_lesson("foobar"))
    async with app.run_test(size=(120, 40)) as pilot:
        await enter(app, pilot, "/help")
        shown = [str(option.prompt) for option in app.query_one("Console").output.options]
        assert "the console's own commands:" in shown
        assert any(line.strip().startswith("/send FROM TO [SUBJECT]") for line in shown)
        assert not any("^J" in line for line in shown)


async def test_the_explanation_follows_a_reply_that_comes_while_time_passes():
    from smtp_sim.course.lesson import sandbox_lesson

    app = SmtpSimApp(sandbox_lesson("press-send-net"), sandbox=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await enter(app, pilot, "telnet mail.cs.tcd.ie 25", "helo pc.crepes.fr", "/wait 6m")
        for _ in range(200):  # played at the app's speed until the wait is over
            if app.main.playback.session.play_until is None:
                break
            await pilot.pause(0.05)
        assert str(app.query_one("#explain").render()).startswith("421 ")
        await pilot.press("f9")  # reset: no reply to explain any more
        await pilot.pause()
        assert str(app.query_one("#explain").render()) == ""


async def test_at_80x24_the_advice_comes_first_and_the_rest_scrolls():
    """Issue 15: at 80x24 the useful line ("did you mean HELO?") was cut off below."""
    app = SmtpSimApp(load_lesson("foobar"))
    async with app.run_test(size=(80, 24)) as pilot:
        await enter(app, pilot, "telnet mail.cs.tcd.ie 25", "hleo FooBar")
        box = app.query_one("#explain-box")
        assert box.outer_size.height >= 3
        shown = str(app.query_one("#explain").render()).splitlines()
        assert "Did you mean HELO?" in shown[0]
        assert box.max_scroll_y > 0  # the rest is there, scrolled to
        assert app.query_one("Console").output.size.height >= 6


async def explained_after(*lines: str) -> list[str]:
    """The explanation's lines after typing ``lines`` in lesson 2 (the FooBar session)."""
    app = SmtpSimApp(load_lesson("foobar"))
    async with app.run_test(size=(120, 40)) as pilot:
        await enter(app, pilot, "telnet mail.cs.tcd.ie 25", *lines)
        return str(app.query_one("#explain").render()).splitlines()


async def test_relay_denied_after_a_domain_typo_is_explained_as_relaying():
    """Issue 15: `rcpt to: bob@cs.tcd.ei` got "554 Transaction failed (at connection: No
    SMTP service here)" as its explanation."""
    first = (
        await explained_after("helo FooBar", "mail from: alice@crepes.fr", "rcpt to: bob@cs.tcd.ei")
    )[0]
    assert first.startswith("Next: Relaying refused: is cs.tcd.ei spelt right?"), first


async def test_the_advice_follows_the_session_helo_or_ehlo():
    """Issue 15: RCPT before MAIL in a HELO lesson was told "EHLO, then MAIL ..."."""
    from smtp_sim.protocol.explain import explain_reply

    explained = await explained_after("helo FooBar", "rcpt to:<bob@cs.tcd.ie>")
    assert "MAIL FROM" in explained[0] and "EHLO" not in "".join(explained)
    # (Postfix takes MAIL before any greeting; a server that wants one first is answered in
    # the greeting of the session)
    advice = explain_reply(
        503,
        "5.5.1",
        command="mail from:<a@crepes.fr>",
        text="send HELO/EHLO first",
        greeting="HELO",
    ).splitlines()[1]
    assert "HELO and your host's name" in advice and "EHLO" not in advice


async def test_a_missing_colon_is_named():
    first = (await explained_after("helo FooBar", "mail from alice@crepes.fr"))[0]
    assert "colon after FROM is missing" in first and "MAIL FROM:<alice@crepes.fr>" in first
