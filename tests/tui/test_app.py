"""The app, driven with Pilot as a student would: typing, stepping, selecting, injecting faults."""

import random

import pytest

from smtp_sim.course.lesson import load_lesson, sandbox_lesson
from smtp_sim.course.progress import ProgressStore
from smtp_sim.tui.app import SmtpSimApp
from smtp_sim.tui.widgets.console import Console
from smtp_sim.tui.widgets.event_list import EventList
from smtp_sim.tui.widgets.inspector import Inspector

FOOBAR = ["telnet mail.cs.tcd.ie 25", "helo FooBar", "mail from: alice@crepes.fr",
          "rcpt to: bob@cs.tcd.ie", "data", "To: Someone@S", "From: SomeOneElse@S",
          "Subject: FooBar", "", "Hello World", ".", "quit"]


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
        session = app.playback.session
        assert session.passed_steps()[:7] == [True] * 7
        await pilot.click("#choice-1")  # B: a line holding only a dot
        await pilot.pause()
        assert session.complete
        assert app.query_one("LessonPanel").has_class("-complete")
    saved = store.load()
    assert saved.current == "foobar" and saved.lessons["foobar"].completed


async def test_wrong_quiz_answer_is_not_accepted(store):
    app = SmtpSimApp(load_lesson("foobar"), store=store)
    async with app.run_test(size=(120, 40)) as pilot:
        app.playback.session.go_to(7)
        app.refresh_views()
        await pilot.pause()
        await pilot.click("#choice-0")
        await pilot.pause()
        assert not app.playback.session.progress[7].done


async def test_step_forward_and_back_shows_the_same_screen_again(store):
    app = SmtpSimApp(load_lesson("foobar"), store=store)
    async with app.run_test(size=(120, 40)) as pilot:
        for line in FOOBAR[:4]:
            await type_line(pilot, line)
        for _ in range(3):
            await pilot.press("f7")
        await pilot.pause()
        before = app.export_screenshot()
        steps = app.playback.steps
        await pilot.press("f6")
        await pilot.pause()
        assert app.playback.steps == steps - 1
        await pilot.press("f7")
        await pilot.pause()
        assert app.playback.steps == steps
        assert app.export_screenshot() == before


async def test_selecting_an_event_opens_it_in_the_inspector(store):
    app = SmtpSimApp(load_lesson("foobar"), store=store)
    async with app.run_test(size=(120, 40)) as pilot:
        await type_line(pilot, "telnet mail.cs.tcd.ie 25")
        await type_line(pilot, "helo FooBar")
        events = app.query_one(EventList)
        records = app.playback.world.trace.records
        target = next(r for r in records if r.kind.value == "command")
        events.post_message(EventList.RecordSelected(events, target))
        await pilot.pause()
        inspector = app.query_one(Inspector)
        assert app.query_one("TabbedContent").active == "tab-inspector"
        assert inspector.record is target


async def test_injecting_a_fault_makes_the_queue_grow():
    app = SmtpSimApp(sandbox_lesson("classroom"), sandbox=True)
    async with app.run_test(size=(120, 40)) as pilot:
        from smtp_sim.tui.commands import FaultCommands

        provider = FaultCommands(app.screen)
        name, _, callback = next(item for item in provider.items()
                                 if item[0] == "Fault: take mail.cs.tcd.ie down")
        callback()  # what choosing it in the command palette does
        while app.playback.world.now < 120 and app.playback.step_forward():
            pass
        app.refresh_views()
        await pilot.pause()
        mta = app.playback.world.mtas["smtp.crepes.fr"]
        waiting = [e for e in mta.queue.entries.values() if e.state.value == "deferred"]
        assert waiting, "mail for the dead host waits in the queue"
        queues = app.query_one("QueueView")
        assert queues.row_count >= len(waiting)
        assert any(r.layer.value == "FAULT" for r in app.playback.world.trace.records)


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
        assert not any(span.style == "bold" and "not bold" == typed.plain[span.start:span.end]
                       for span in typed.spans)


async def test_five_thousand_random_keys_do_not_crash(store):
    rng = random.Random(42)
    keys = (list("abcdefghijklmnopqrstuvwxyz0123456789 .:<>@/") +
            ["enter", "up", "down", "left", "right", "tab", "backspace", "f2", "f3", "f4",
             "f6", "f7", "f8", "f10", "escape", "pageup", "pagedown", "home", "end"])
    app = SmtpSimApp(load_lesson("foobar"), store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        for i in range(5000):
            await pilot.press(rng.choice(keys))
            if i % 250 == 0:
                await pilot.pause()
        await pilot.pause()
        assert app.is_running
