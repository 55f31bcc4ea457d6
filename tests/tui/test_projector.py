"""The presenter on a projector, 100x30: the whole map, flow labels as wide as the row allows
(the bounce's 550 readable), a quiz shown with its choices and the right one marked; and the
flow diagram (app, presenter, run --svg) draws connections that failed."""

from __future__ import annotations

from smtp_sim.course.lesson import load_lesson, load_presentation
from smtp_sim.scenario.build import build_world
from smtp_sim.scenario.files import load_scenario
from smtp_sim.tui.exporting import screen_console
from smtp_sim.tui.presenter import PresenterApp
from smtp_sim.tui.widgets.flow_diagram import FlowDiagram
from smtp_sim.world.faults import apply_fault
from smtp_sim.world.trace import Kind, Layer

SIZE = (100, 30)


async def test_demo_journey_at_100x30_shows_the_whole_map_and_the_bounce():
    app = PresenterApp(load_presentation("demo-journey"), animate=False)
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(app.pause_total):
            await pilot.press("space")
            await pilot.pause()
        await pilot.pause()
        screen = screen_console(app).export_text()
    hosts = [h for h in app.playback.world.network.hosts]
    assert len(hosts) == 11
    assert all(host in screen for host in hosts), screen  # mx2, ns.example.net too
    assert "550 <rob@cs.tcd.ie>" in screen  # the key moment, not "550 <rob…"


async def test_a_quiz_is_shown_with_its_choices():
    lesson = load_lesson("foobar")
    app = PresenterApp(lesson, animate=False)
    async with app.run_test(size=SIZE) as pilot:
        for _ in lesson.steps:
            await pilot.press("space")
            await pilot.pause()
        narration = app.narration
    quiz = lesson.steps[-1].quiz
    assert quiz.question in narration
    letter = chr(ord("A") + quiz.correct - 1)
    assert f"\u2714 {letter}. {quiz.choices[quiz.correct - 1]}" in narration
    assert all(choice in narration for choice in quiz.choices)
    # the walk-through answered with the solution's own /answer line, once
    answers = [r for r in app.playback.world.trace if "quiz answer" in r.summary]
    assert len(answers) == 1


def test_the_flow_diagram_draws_failed_connections():
    world = build_world(load_scenario("classroom"))
    apply_fault(world, "host-down", host="mail.cs.tcd.ie")
    world.run(120)
    flow = FlowDiagram()
    failed = [r for r in world.trace if r.layer is Layer.TCP and flow.matches(r)]
    assert failed and all(r.kind in (Kind.TIMEOUT, Kind.RST) for r in failed)
    assert any(r.dst == "mail.cs.tcd.ie" and r.kind is Kind.TIMEOUT for r in failed)
    assert not flow.matches(next(r for r in world.trace if r.kind is Kind.SYN))
