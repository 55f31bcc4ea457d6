"""The app, driven with Pilot as a student would: typing, stepping, selecting, injecting faults."""

import asyncio
import random
import time

import pytest
from textual import events

from smtp_sim.course.lesson import load_lesson, sandbox_lesson
from smtp_sim.course.progress import ProgressStore
from smtp_sim.tui.app import SmtpSimApp
from smtp_sim.tui.screens.course import CourseScreen
from smtp_sim.tui.screens.main import MainScreen
from smtp_sim.tui.screens.summary import SummaryScreen
from smtp_sim.tui.widgets.console import Console
from smtp_sim.tui.widgets.event_list import EventList
from smtp_sim.tui.widgets.inspector import Inspector

FOOBAR = [
    "telnet mail.cs.tcd.ie 25",
    "helo FooBar",
    "mail from: alice@crepes.fr",
    "rcpt to: bob@cs.tcd.ie",
    "data",
    "To: Someone@S",
    "From: SomeOneElse@S",
    "Subject: FooBar",
    "",
    "Hello World",
    ".",
    "quit",
]


async def type_line(pilot, line: str) -> None:
    console = pilot.app.query_one(Console)
    console.input.value = line
    await pilot.press("enter")
    await pilot.pause()


@pytest.fixture
def store(tmp_path):
    return ProgressStore(tmp_path / "progress.json")


async def test_complete_the_foobar_lesson_by_typing_it(store):
    app = SmtpSimApp(load_lesson("foobar"), store=store)
    async with app.run_test(size=(120, 40)) as pilot:
        for line in FOOBAR[:3]:
            for key in line:  # really typed, key by key
                await pilot.press("space" if key == " " else key)
            await pilot.press("enter")
            await pilot.pause()
        for line in FOOBAR[3:]:
            await type_line(pilot, line)
        session = app.main.playback.session
        assert session.passed_steps()[:7] == [True] * 7
        await pilot.click("#choice-1")  # B: a line holding only a dot
        await pilot.pause()
        assert session.complete
        assert app.main.query_one("LessonPanel").has_class("-complete")
        # the end-of-lesson summary (issue 15): what was learnt, how it went, what is next
        assert isinstance(app.screen, SummaryScreen)
        summary = app.screen.summary
        assert summary.steps_passed == 8 and summary.quizzes_right_first_try == 1
        assert summary.commands[:2] == ("HELO", "MAIL") and summary.ports == (25,)
        shown = app.screen.query_one("Markdown").source
        assert "What you learnt" in shown and session.lesson.summary_points[0][:30] in shown
        await pilot.press("escape")  # stay here
        await pilot.pause()
        assert app.screen is app.main and app.main.lesson.id == "foobar"
    saved = store.load()
    assert saved.current == "foobar" and saved.lessons["foobar"].completed


async def test_the_summary_opens_the_next_lesson_and_ctrl_o_the_course(store):
    app = SmtpSimApp(load_lesson("foobar"), store=store)
    async with app.run_test(size=(120, 40)) as pilot:
        for line in [*FOOBAR, "/answer b"]:
            await type_line(pilot, line)
        assert isinstance(app.screen, SummaryScreen)
        following = app.screen.summary.next_lesson
        assert following is not None
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is app.main and app.main.lesson.id == following[0]
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert isinstance(app.screen, CourseScreen)
        options = app.screen.query_one("OptionList")
        rows = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert any("The FooBar session" in row and "done" in row for row in rows)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is app.main


async def test_wrong_quiz_answer_is_not_accepted(store):
    app = SmtpSimApp(load_lesson("foobar"), store=store)
    async with app.run_test(size=(120, 40)) as pilot:
        app.main.playback.session.go_to(7)
        app.main.controller.changed()
        await pilot.pause()
        await pilot.click("#choice-0")
        await pilot.pause()
        assert not app.main.playback.session.progress[7].done


async def test_step_forward_and_back_shows_the_same_screen_again(store):
    app = SmtpSimApp(load_lesson("foobar"), store=store)
    async with app.run_test(size=(120, 40)) as pilot:
        for line in FOOBAR[:4]:
            await type_line(pilot, line)
        for _ in range(3):
            await pilot.press("f7")
        await pilot.pause()
        before = app.export_screenshot()
        steps = app.main.playback.steps
        await pilot.press("f6")
        await pilot.pause()
        assert app.main.playback.steps == steps - 1
        await pilot.press("f7")
        await pilot.pause()
        assert app.main.playback.steps == steps
        assert app.export_screenshot() == before


async def test_selecting_an_event_opens_it_in_the_inspector(store):
    app = SmtpSimApp(load_lesson("foobar"), store=store)
    async with app.run_test(size=(120, 40)) as pilot:
        await type_line(pilot, "telnet mail.cs.tcd.ie 25")
        await type_line(pilot, "helo FooBar")
        events = app.query_one(EventList)
        records = app.main.playback.world.trace.records
        target = next(r for r in records if r.kind.value == "command")
        events.post_message(EventList.RecordSelected(events, target))
        await pilot.pause()
        inspector = app.query_one(Inspector)
        assert app.query_one("TabbedContent").active == "tab-inspector"
        assert inspector.record is target


async def test_injecting_a_fault_makes_the_queue_grow():
    app = SmtpSimApp(sandbox_lesson("classroom"), sandbox=True)
    async with app.run_test(size=(120, 40)) as pilot:
        from smtp_sim.tui.palette import FaultCommands

        provider = FaultCommands(app.screen)
        _name, _, callback = next(
            item
            for item in provider.items()
            if item[0].startswith("Fault: take mail.cs.tcd.ie down")
        )
        callback()  # what choosing it in the command palette does
        while app.main.playback.world.now < 120 and app.main.playback.step_forward():
            pass
        app.main.controller.changed()
        await pilot.pause()
        mta = app.main.playback.world.mtas["smtp.crepes.fr"]
        waiting = [e for e in mta.queue.entries.values() if e.state.value == "deferred"]
        assert waiting, "mail for the dead host waits in the queue"
        queues = app.query_one("QueueView")
        assert queues.row_count >= len(waiting)
        assert any(r.layer.value == "FAULT" for r in app.main.playback.world.trace.records)


async def test_history_and_completion(store):
    app = SmtpSimApp(load_lesson("foobar"), store=store)
    async with app.run_test(size=(120, 40)) as pilot:
        await type_line(pilot, "telnet mail.cs.tcd.ie 25")
        await type_line(pilot, "helo FooBar")
        console = app.query_one(Console)
        await pilot.press("up")
        assert console.input.value == "helo FooBar"
        await pilot.press("up")
        assert console.input.value == "telnet mail.cs.tcd.ie 25"
        await pilot.press("down", "down")
        assert console.input.value == ""
        for key in "rcp":
            await pilot.press(key)
        await pilot.pause()
        await pilot.press("tab")
        assert console.input.value == "rcpt to:<"
        for key in "bo":
            await pilot.press(key)
        await pilot.pause()
        await pilot.press("tab")
        assert console.input.value == "rcpt to:<bob@cs.tcd.ie>"


async def test_markup_in_typed_text_is_shown_literally(store):
    app = SmtpSimApp(load_lesson("foobar"), store=store)
    async with app.run_test(size=(120, 40)) as pilot:
        await type_line(pilot, "[bold]not bold[/bold] \x1b[31m")
        await pilot.pause()
        output = app.query_one(Console).output
        shown = [output.get_option_at_index(i).prompt for i in range(output.option_count)]
        typed = next(p for p in shown if "not bold" in p.plain)
        assert "[bold]not bold[/bold]" in typed.plain
        assert "^[[31m" in typed.plain  # the escape made visible, caret notation
        assert "\x1b" not in typed.plain
        assert not any(
            span.style == "bold" and typed.plain[span.start : span.end] == "not bold"
            for span in typed.spans
        )


# The random keys as Pilot.press sends them: (key, character). The same 62 keys in the same
# order as the list this test first drew from, so Random(42) gives the same 5,000 keys.
RANDOM_KEYS = (
    [(c, c) for c in "abcdefghijklmnopqrstuvwxyz0123456789"]
    + [
        ("space", " "),
        ("full_stop", "."),
        ("colon", ":"),
        ("less_than_sign", "<"),
        ("greater_than_sign", ">"),
        ("at", "@"),
        ("slash", "/"),
    ]
    + [(k, None) for k in ("enter", "up", "down", "left", "right")]
    + [("tab", "\t"), ("backspace", "\b")]
    + [(k, None) for k in ("f2", "f3", "f4", "f6", "f7", "f8", "f10")]
    + [("escape", "\x1b")]
    + [(k, None) for k in ("pageup", "pagedown", "home", "end")]
)


def random_keys(n: int = 5000, seed: int = 42) -> list[tuple[str, str | None]]:
    rng = random.Random(seed)
    return [rng.choice(RANDOM_KEYS) for _ in range(n)]


async def settle(app, timeout: float = 10.0) -> None:
    """Return when every message queue of the app is empty: the last key and all it caused
    (the key forwarded to the focused widget, bubbled back for the bindings, the messages of
    the handlers) are handled. Or when the app has stopped (a crash)."""
    deadline = time.monotonic() + timeout
    while True:
        await asyncio.sleep(0)
        if app.return_code is not None:
            return
        nodes = [
            app,
            *(node for screen in app.screen_stack for node in screen.walk_children(with_self=True)),
        ]
        if not any(node.message_queue_size for node in nodes):
            return
        assert time.monotonic() < deadline, "the app never settled"


async def type_keys(pilot, keys: list[tuple[str, str | None]]) -> None:
    """Type keys into the app one by one, as the terminal driver sends them: each is handled,
    and the screen drawn, before the next is sent, as with Pilot.press. Pilot.press also
    waits for the process to go idle twice a key (at least 40 ms; 5,000 keys took 6 minutes);
    settle() waits only for the work the key caused (a few ms).
    A crash (an exception in any handler) stops the app: this fails at that key, and
    run_test re-raises the exception itself on exit. One while drawing fails here."""
    app = pilot.app
    for n, (key, character) in enumerate(keys):
        event = events.Key(key, character)
        event.set_sender(app)
        assert app.post_message(event), f"the app stopped before key {n} ({key!r})"
        await settle(app)
        assert app.return_code is None, f"the app stopped at key {n} ({key!r})"
        app.screen._on_timer_update()  # draw what changed, as Pilot.pause does


async def test_five_thousand_random_keys_do_not_crash(store):
    app = SmtpSimApp(load_lesson("foobar"), store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_keys(pilot, random_keys())
        await pilot.pause()
        assert app.is_running


async def test_a_returning_student_is_told_where_they_got_to(store):
    lesson = load_lesson("foobar")
    progress = store.load()
    progress.current = "foobar"
    progress.lesson("foobar").steps_done += ["connect", "helo"]
    store.save(progress)
    app = SmtpSimApp(lesson, store=store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        texts = [n.message for n in app._notifications]
        assert any(
            "2 of 8 steps" in t and "telnet mail.cs.tcd.ie 25" in t and "helo" in t for t in texts
        ), texts  # which lines to type again
    fresh = SmtpSimApp(lesson, store=ProgressStore(store.path.parent / "other.json"))
    async with fresh.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert not [n for n in fresh._notifications if n.title == "Welcome back"]


async def test_a_returning_student_finds_their_steps_done_and_their_session_open(store):
    """Issue 15: quitting in lesson 3 at step 2 and coming back showed step 1 unticked,
    `steps 0/8`, and F4 led to a step whose connection no longer existed."""
    lesson = load_lesson("telnet-yourself")
    first = lesson.steps[0].solution
    app = SmtpSimApp(lesson, store=store)
    async with app.run_test(size=(120, 40)) as pilot:
        for line in first:
            await type_line(pilot, line)
        assert app.main.playback.session.index == 1
    back = SmtpSimApp(lesson, store=store)
    async with back.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        session = back.main.playback.session
        assert session.passed_steps()[0] and session.index == 1
        assert session.terminal.state == app.main.playback.session.terminal.state
        assert "steps 1/8" in str(back.query_one("#status").render())
        texts = [n.message for n in back._notifications if n.title == "Welcome back"]
        assert texts and "typed again" in texts[0] and "step 2" in texts[0], texts


async def test_replaying_a_finished_lesson_asks_its_quiz_again(store):
    """Issue 15: `smtp-sim lesson foobar` after finishing it said "Lesson complete" and
    `steps 8/8` without /answer."""
    app = SmtpSimApp(load_lesson("foobar"), store=store)
    async with app.run_test(size=(120, 40)) as pilot:
        for line in [*FOOBAR, "/answer b"]:
            await type_line(pilot, line)
        assert app.main.playback.session.complete
        assert isinstance(app.screen, SummaryScreen)
    again = SmtpSimApp(load_lesson("foobar"), store=store)
    async with again.run_test(size=(120, 40)) as pilot:
        for line in FOOBAR:
            await type_line(pilot, line)
        session = again.main.playback.session
        assert session.passed_steps() == [True] * 7 + [False]
        assert not session.complete
        assert not again.query_one("LessonPanel").has_class("-complete")


async def test_the_inspector_is_cleared_when_another_lesson_opens(store):
    """Issue 15: the Inspector kept a record of the previous lesson."""
    app = SmtpSimApp(load_lesson("foobar"), store=store)
    async with app.run_test(size=(120, 40)) as pilot:
        await type_line(pilot, "telnet mail.cs.tcd.ie 25")
        app.main.select_record(app.main.playback.world.trace[1])
        await pilot.pause()
        inspector = app.query_one(Inspector)
        assert inspector.record is not None
        app.main.open_lesson(load_lesson("telnet-yourself"))
        await pilot.pause()
        assert inspector.record is None


async def test_the_event_list_says_how_many_new_events_came_below(store):
    """Issue 15: scrolled up, the Events list stays where the student reads and says that new
    events came; End follows them again."""
    app = SmtpSimApp(load_lesson("foobar"), store=store)
    async with app.run_test(size=(120, 40)) as pilot:
        for line in FOOBAR[:5]:  # more events than the list has rows
            await type_line(pilot, line)
        await pilot.click("#--content-tab-tab-events")
        await pilot.pause()
        events = app.query_one(EventList)
        events.focus()
        await pilot.press("home")
        await pilot.pause()
        assert not events.following
        top = events.scroll_y
        await type_line(pilot, "To: Someone@S")
        await type_line(pilot, "Subject: FooBar")
        assert events.scroll_y == top
        assert "new events below" in str(events.border_subtitle)
        events.focus()  # (Enter took the focus to the console)
        await pilot.press("end")
        await pilot.pause()
        assert events.following and not events.border_subtitle


def test_the_app_is_a_small_app_around_a_main_screen():
    """Issue 14: no mixins. The App and the main screen are plain Textual classes, and the
    screen handles messages with @on, not by names Textual matches (only the lifecycle
    events keep theirs)."""
    from textual.app import App
    from textual.screen import Screen

    assert SmtpSimApp.__bases__ == (App,) and MainScreen.__bases__ == (Screen,)
    assert sorted(n for n in vars(MainScreen) if n.startswith("on_")) == ["on_mount", "on_unmount"]
    assert sorted(n for n in vars(SmtpSimApp) if n.startswith("on_")) == ["on_event", "on_mount"]
    app = SmtpSimApp(sandbox_lesson("classroom"), sandbox=True)
    assert app.get_default_screen() is app.main


async def test_time_taken_survives_quit_and_resume(store):
    """The summary's 'Time taken' counted from the app's last start: a student who quit
    halfway and came back was told the second half only. The time spent is kept with the
    lesson's progress and counted on; a finished lesson starts afresh."""
    app = SmtpSimApp(load_lesson("foobar"), store=store)
    async with app.run_test(size=(120, 40)) as pilot:
        for line in FOOBAR[:3]:
            await type_line(pilot, line)
    saved = store.load().lessons["foobar"]
    assert saved.seconds >= 0 and saved.inputs
    saved_progress = store.load()
    saved_progress.lessons["foobar"].seconds = 1500.0  # as if 25 minutes had gone by
    store.save(saved_progress)
    app = SmtpSimApp(load_lesson("foobar"), store=store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert app.main.playback.session.index == 3  # resumed
        for line in [*FOOBAR[3:], "/answer b"]:
            await type_line(pilot, line)
        assert isinstance(app.screen, SummaryScreen)
        assert app.screen.seconds is not None and app.screen.seconds >= 1500
        assert "Time taken:** 25 minutes" in app.screen.query_one("Markdown").source or (
            "Time taken:** 2" in app.screen.query_one("Markdown").source
        )
    assert store.load().lessons["foobar"].seconds == 0  # finished: the next visit afresh
