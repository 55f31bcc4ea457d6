"""The presenter, driven with Pilot as an instructor would: space to the next pause, left arrow
back to the previous one, exactly as it was; a scenario without pauses stops at deliveries;
a lesson is walked through, one step's solution at a time."""

from __future__ import annotations

from smtp_sim.course.lesson import load_presentation
from smtp_sim.tui.presenter import PresenterApp
from smtp_sim.tui.theme import HIGH_CONTRAST
from smtp_sim.tui.widgets.flow_diagram import FlowDiagram
from smtp_sim.tui.widgets.network_map import NetworkMap
from smtp_sim.world.trace import Kind

SIZE = (100, 30)  # a projector


def shown(app: PresenterApp) -> list[str]:
    """The text of the views, the bar and the narration as drawn (scroll bars aside)."""
    flow = app.query_one(FlowDiagram)
    lines = [flow.render_line(y).text for y in range(flow.scrollable_content_region.height)]
    lines += app.query_one(NetworkMap).lines
    lines.append(str(app.query_one("#present-bar").render()))
    lines.append(str(app.query_one("#present-narration").render()))
    return lines


def presenter(ref: str = "demo-journey", **kwargs) -> PresenterApp:
    return PresenterApp(load_presentation(ref), animate=False, **kwargs)


async def test_space_plays_to_each_pause_and_shows_its_text():
    app = presenter()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.theme == HIGH_CONTRAST.name
        assert app.playback.steps == 0
        assert app.narration == app.lesson.summary  # the title card
        texts = [e.text.strip() for e in app.lesson.timeline if e.action == "pause"]
        for n, text in enumerate(texts, 1):
            await pilot.press("space")
            await pilot.pause()
            assert app.pauses_reached == n
            assert app.narration == text
            last = app.playback.world.trace.records[-1]
            assert last.kind is Kind.NARRATION and last.get("pause")  # stopped right there
            shown = str(app.query_one("#present-narration").render())
            assert text[:40] in shown
        assert app.stops == sorted(app.stops) and len(app.stops) == len(texts) + 1
        await pilot.press("space")  # after the last pause: the rest, then the end
        await pilot.pause()
        assert app.playback.at_end


async def test_back_returns_to_the_previous_pause_exactly():
    app = presenter()
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(2):
            await pilot.press("right")
        await pilot.pause()
        second = (app.playback.steps, app.narration, len(app.playback.world.trace))
        flow_rows = app.query_one(FlowDiagram).row_count
        screen = shown(app)
        await pilot.press("n", "n")
        await pilot.pause()
        assert app.pauses_reached == 4
        await pilot.press("left", "p")
        await pilot.pause()
        assert (app.playback.steps, app.narration, len(app.playback.world.trace)) == second
        assert app.query_one(FlowDiagram).row_count == flow_rows
        assert shown(app) == screen
        await pilot.press("backspace", "backspace")
        await pilot.pause()
        assert app.playback.steps == 0
        await pilot.press("left")  # nothing before the start: a notification, no crash
        await pilot.pause()
        assert app.playback.steps == 0


async def test_animated_play_steps_with_a_timer_and_space_jumps_to_the_pause():
    app = PresenterApp(load_presentation("demo-journey"), animate=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space")
        await pilot.press("space")  # the first pause is the first event
        await pilot.pause(0.3)
        assert app.playing and app.pauses_reached >= 1
        steps = app.playback.steps
        await pilot.pause(0.3)
        assert app.playback.steps > steps  # moving on its own, event by event
        await pilot.press("space")  # impatient: straight to the pause
        await pilot.pause()
        assert not app.playing and app.pauses_reached == 2


async def test_the_same_pauses_every_time():
    async def stops() -> list[int]:
        app = presenter()
        async with app.run_test(size=SIZE) as pilot:
            for _ in range(7):
                await pilot.press("space")
            await pilot.pause()
            return app.stops

    assert await stops() == await stops()


async def test_a_scenario_without_pauses_stops_at_deliveries():
    app = presenter("classroom")
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(3):
            await pilot.press("space")
            await pilot.pause()
        assert len(app.stops) == 4
        stored = [r for r in app.playback.world.trace.records if r.kind is Kind.STORED]
        assert stored and app.playback.world.now == stored[-1].time  # stopped right there
        assert "stored in the mailbox" in app.narration


async def test_a_lesson_is_walked_through_step_by_step():
    app = presenter("foobar")
    steps = app.lesson.steps
    async with app.run_test(size=SIZE) as pilot:
        assert app.walkthrough
        await pilot.press("space")
        await pilot.pause()
        assert app.shown == 1 and app.narration.startswith(f"Step 1: {steps[0].title}")
        assert app.playback.session.passed_steps()[0]
        after_first = (app.playback.steps, len(app.playback.world.trace))
        for _ in range(len(steps) - 1):
            await pilot.press("space")
        await pilot.pause()
        assert app.playback.session.complete  # the solutions, typed, pass every step
        assert steps[-1].quiz is not None and steps[-1].quiz.question in app.narration
        await pilot.press("space")  # nothing more: a notification
        for _ in range(len(steps) - 1):
            await pilot.press("left")
        await pilot.pause()
        assert app.shown == 1
        assert (app.playback.steps, len(app.playback.world.trace)) == after_first
        await pilot.press("space")  # typed again from there
        await pilot.pause()
        assert app.shown == 2 and app.playback.session.passed_steps()[:2] == [True, True]
        await pilot.press("home")
        await pilot.pause()
        assert app.shown == 0 and app.playback.steps == 0


async def test_help_and_contrast_and_quit():
    app = presenter()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f1")
        await pilot.pause()
        assert app.screen.__class__.__name__ == "PresenterHelp"
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("ctrl+t")
        assert app.theme != HIGH_CONTRAST.name
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code in (None, 0)


async def test_readable_at_100x30():
    """The narration is on screen whole, the flow has its lanes, the map is there."""
    app = presenter()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space", "space")
        await pilot.pause()
        box = app.query_one("#present-narration-box")
        assert box.size.height >= 4
        assert app.query_one("#present-map").size.width >= 36
        flow = app.query_one(FlowDiagram)
        assert flow.size.width >= 50 and len(flow.lanes) == 3
        assert all(flow.lane_x(lane) is not None for lane in flow.lanes)


async def test_the_footer_names_what_next_goes_to_in_each_mode():
    """A pause of the timeline, a step of a walked-through lesson, a stop of a scenario
    without pauses: the footer and the help say which."""
    for ref, word in [("demo-journey", "pause"), ("foobar", "step"), ("classroom", "stop")]:
        app = presenter(ref)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            assert app.stop_word == word
            labels = [str(key.render()) for key in app.query("FooterKey")]
            assert any(f"Next {word}" in label for label in labels), (ref, labels)
            assert not any(
                f"Next {other}" in label
                for label in labels
                for other in {"pause", "step", "stop"} - {word}
            ), (ref, labels)
            await pilot.press("f1")
            await pilot.pause()
            help_text = app.screen.query_one("Markdown").source
            assert f"| Next {word} |" in help_text, ref
