"""Issue 15, the Flow tab: TCP and DNS lanes a student switches on (ctrl+l, or a click on the
header's ☐ TCP DNS), on from the start in a lesson whose file asks (``flow_layers``); the SYN
of a connection that failed drawn with them off; labels as wide as the row allows; the empty
line that ends a message's headers labelled."""

from pathlib import Path

import pytest
from pydantic import ValidationError
from textual.app import App, ComposeResult

from smtp_sim.course.lesson import Lesson, load_lesson
from smtp_sim.course.playback import Playback
from smtp_sim.course.progress import ProgressStore
from smtp_sim.scenario.build import build_world
from smtp_sim.scenario.files import load_scenario
from smtp_sim.tui.app import SmtpSimApp
from smtp_sim.tui.widgets.flow_diagram import TIME_WIDTH, FlowDiagram, time_text
from smtp_sim.world.faults import apply_fault
from smtp_sim.world.trace import Kind, Layer

VIEWS_TCSS = Path(__file__).resolve().parents[2] / "smtp_sim" / "tui" / "styles" / "views.tcss"


class ViewApp(App):
    """The flow alone, with the views' stylesheet."""

    CSS_PATH = VIEWS_TCSS

    def __init__(self, view: FlowDiagram) -> None:
        super().__init__()
        self.view = view

    def compose(self) -> ComposeResult:
        yield self.view


def classroom(until: float):
    world = build_world(load_scenario("classroom"))
    world.run(until=until)
    return world


def line_texts(view: FlowDiagram) -> list[str]:
    return [view.render_line(y).text for y in range(view.scrollable_content_region.height)]


@pytest.fixture
def store(tmp_path):
    return ProgressStore(tmp_path / "progress.json")


async def test_ctrl_l_and_the_header_toggle_show_the_tcp_and_dns_lanes():
    world = classroom(12)
    view = FlowDiagram()
    async with ViewApp(view).run_test(size=(120, 40)) as pilot:
        view.reset(world)
        view.focus()
        await pilot.pause()
        assert not view.network_shown and {r.layer for r in view.rows} == {Layer.SMTP}
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert view.network_shown
        kinds = {r.kind for r in view.rows}
        assert {Kind.SYN, Kind.SYN_ACK, Kind.ACK, Kind.FIN, Kind.QUERY, Kind.ANSWER} <= kinds
        assert "ns.example.net" in view.lanes
        await pilot.click(view, offset=(2, 0))  # the header's toggle
        await pilot.pause()
        assert not view.network_shown and {r.layer for r in view.rows} == {Layer.SMTP}


async def test_the_toggle_is_in_the_app_flow_header_and_a_lesson_file_turns_lanes_on(store):
    app = SmtpSimApp(load_lesson("reliable-delivery"), store=store)  # lesson 8: the handshake
    async with app.run_test(size=(120, 40)) as pilot:
        flow = app.query_one(FlowDiagram)
        assert Layer.TCP in flow.shown_layers and flow.network_shown
        app.main.show_tab("tab-flow")
        await pilot.pause()
        assert flow.render_line(0).text.startswith("\u2611 TCP DNS")
        app.main.playback.enter("telnet mail.cs.tcd.ie 25")
        app.main.controller.changed()
        await pilot.pause()
        assert [r.kind for r in flow.rows[:3]] == [Kind.SYN, Kind.SYN_ACK, Kind.ACK]
        flow.action_toggle_network()  # the student's choice stands across a step back
        await pilot.press("f6")
        await pilot.pause()
        assert not flow.network_shown
        assert flow.render_line(0).text.startswith("\u2610 TCP DNS")
        app.main.open_lesson(load_lesson("mx-lookup"))  # lesson 6: the MX lookups
        await pilot.pause()
        assert flow.shown_layers & {Layer.TCP, Layer.DNS} == {Layer.DNS}
        app.main.open_lesson(load_lesson("foobar"))
        await pilot.pause()
        assert not flow.network_shown


def test_flow_layers_in_a_lesson_file_are_checked():
    base = {"id": "x", "title": "X", "summary": "X.", "steps": []}
    steps = [{"id": "s", "title": "S", "text": "T.", "solution": ["/answer A"]}]
    with pytest.raises(ValidationError, match="tcp"):
        Lesson.model_validate({**base, "flow_layers": ["udp"], "steps": steps})
    with pytest.raises(ValidationError, match="twice"):
        Lesson.model_validate({**base, "flow_layers": ["dns", "dns"], "steps": steps})


async def test_a_failed_connection_shows_its_syn_with_the_tcp_lane_off():
    world = build_world(load_scenario("classroom"))
    apply_fault(world, "host-down", host="mail.cs.tcd.ie")
    world.run(1)
    view = FlowDiagram()
    async with ViewApp(view).run_test(size=(120, 40)) as pilot:
        view.reset(world)
        await pilot.pause()
        assert not any(r.layer is Layer.TCP for r in view.rows)  # nothing failed yet
        seen = len(world.trace)
        world.run(120)
        view.advance(world, world.trace.records[seen:])  # the timeout comes 30 s later
        await pilot.pause()
        timeouts = [r for r in view.rows if r.kind is Kind.TIMEOUT]
        assert timeouts
        syns = [r for r in view.rows if r.kind is Kind.SYN]
        assert {r.conn for r in syns} >= {r.conn for r in timeouts}
        assert all(r.dst == "mail.cs.tcd.ie" for r in syns)  # (not the answered ones)
        assert [r.seq for r in view.rows] == sorted(r.seq for r in view.rows)
        again = FlowDiagram()
        async with ViewApp(again).run_test(size=(120, 40)):
            again.reset(world)  # (after a rebuild: the same rows)
            assert [r.seq for r in again.rows] == [r.seq for r in view.rows]


async def test_a_two_lane_label_is_whole_and_the_empty_line_says_what_it_is(store):
    pb = Playback(load_lesson("foobar"))
    for line in ("telnet mail.cs.tcd.ie 25", "helo x", "mail from:<a@crepes.fr>"):
        pb.enter(line)
    for line in ("rcpt to:<bob@cs.tcd.ie>", "data", "Subject: hi", "", "one", "", "two", "."):
        pb.enter(line)
    view = FlowDiagram()
    async with ViewApp(view).run_test(size=(76, 40)) as pilot:  # the Flow beside a lesson
        view.reset(pb.world)
        await pilot.pause()
        text = "\n".join(line_texts(view))
        assert "220 mail.cs.tcd.ie ESMTP Postfix (1.1.13)" in text  # was "220 mail.cs.tcd…"
        assert "(empty line: the headers end, the body begins)" in text
        assert text.count("(empty line)") == 1  # the one inside the body
        xs = [view.lane_x(host) for host in view.lanes]
        assert xs == [TIME_WIDTH + 1, view.scrollable_content_region.width - 3]


def test_a_time_of_days_keeps_its_digits():
    assert time_text(0.144) == "    0.144"
    assert time_text(432165.178) == " 432165.2"  # was "32165.178"
    assert len(time_text(12345678.9)) == TIME_WIDTH - 1
