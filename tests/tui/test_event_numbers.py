"""Issue 15: one event numbering (the status line's ``event N``, the event list's No. column and
the Inspector's ``#N`` count the same records), and stepping either way (F6, F7) says which
event the playback is at, under the console."""

import pytest

from smtp_sim.course.lesson import load_lesson
from smtp_sim.course.progress import ProgressStore
from smtp_sim.tui.app import SmtpSimApp
from smtp_sim.tui.controller import describe_event
from smtp_sim.tui.widgets.console import Console
from smtp_sim.tui.widgets.event_list import EventList
from smtp_sim.tui.widgets.inspector import Inspector
from smtp_sim.world.trace import Layer


async def type_line(pilot, line: str) -> None:
    pilot.app.query_one(Console).input.value = line
    await pilot.press("enter")
    await pilot.pause()


@pytest.fixture
def store(tmp_path):
    return ProgressStore(tmp_path / "progress.json")


def status(app) -> str:
    return str(app.query_one("#status").render())


def explained(app) -> str:
    return str(app.query_one("#explain").render())


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
async def test_the_status_line_the_event_list_and_the_inspector_count_the_same_events(store, size):
    app = SmtpSimApp(load_lesson("foobar"), store=store)
    async with app.run_test(size=size) as pilot:
        await type_line(pilot, "telnet mail.cs.tcd.ie 25")
        await type_line(pilot, "helo FooBar")
        trace = app.main.playback.world.trace
        newest = len(trace)
        # more records than clock steps: the two counts used to differ
        assert app.main.playback.steps != newest
        assert f"event {newest} " in status(app)
        events = app.query_one(EventList)
        app.main.show_tab("tab-events")
        await pilot.pause()
        last = [line for line in (events.render_line(y).text for y in range(40)) if line.strip()]
        assert last[-1].split()[0] == str(newest)  # the newest row is numbered as the status says
        app.main.select_record(trace[len(trace) - 1])
        await pilot.pause()
        title = app.query_one(Inspector).render_line(0).text
        assert f"#{newest} " in title


async def test_stepping_back_says_which_event_the_playback_is_at_as_stepping_forward_does(store):
    app = SmtpSimApp(load_lesson("foobar"), store=store)
    async with app.run_test(size=(120, 40)) as pilot:
        await type_line(pilot, "telnet mail.cs.tcd.ie 25")
        await type_line(pilot, "helo FooBar")
        await pilot.press("f6")
        await pilot.pause()
        trace = app.main.playback.world.trace
        # the newest network record (a lesson's note, "step 2 done", may follow it)
        newest = next(r for r in reversed(trace.records) if r.layer is not Layer.INFO)
        text = explained(app)
        assert f"Event {newest.seq + 1} at {newest.time:.3f} s" in text
        assert newest.summary in text
        assert "250 Requested mail action okay" in text  # what the reply means
        await pilot.press("f7")
        await pilot.pause()
        assert explained(app).startswith("Event ")
        for _ in range(8):
            await pilot.press("f6")
        await pilot.pause()
        assert app.main.playback.steps == 0  # (the typed line's SYN is there from the start)
        assert explained(app).startswith("Event ") and " at 0.000 s" in explained(app)


def test_a_tcp_segment_is_described_with_its_part_in_the_handshake():
    from smtp_sim.scenario.build import build_world
    from smtp_sim.scenario.files import load_scenario
    from smtp_sim.world.trace import Kind

    world = build_world(load_scenario("classroom"))
    world.run(until=5)
    syn = next(r for r in world.trace.records if r.kind is Kind.SYN)
    text = describe_event(syn)
    assert text.startswith(f"Event {syn.seq + 1} at ")
    assert "asks to open a connection" in text
    reply = next(r for r in world.trace.records if r.kind is Kind.REPLY)
    assert reply.summary[:3] + " " in describe_event(reply).splitlines()[1]
