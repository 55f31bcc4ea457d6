"""Stepping forward and back shows the same moments again; typed lines are never lost."""

from smtp_sim.course.lesson import load_lesson
from smtp_sim.course.playback import Playback


def _snapshot(pb: Playback):
    return [r.to_json() for r in pb.world.trace.records], pb.steps, pb.session.index


def test_back_then_forward_is_the_same_moment():
    pb = Playback(load_lesson("foobar"))
    pb.enter("telnet mail.cs.tcd.ie 25")
    pb.enter("helo FooBar")
    for _ in range(5):
        pb.step_forward()
    before = _snapshot(pb)
    assert pb.step_back()
    middle = _snapshot(pb)
    assert middle[1] == before[1] - 1
    assert middle[0] == before[0][: len(middle[0])]
    assert pb.step_forward()
    assert _snapshot(pb) == before


def test_stepping_back_across_an_input_replays_it_going_forward():
    pb = Playback(load_lesson("foobar"))
    pb.enter("telnet mail.cs.tcd.ie 25")
    pb.enter("helo FooBar", run=False)
    typed_at = pb.steps
    for _ in range(8):
        pb.step_forward()
    end = _snapshot(pb)
    while pb.steps > typed_at - 2:
        pb.step_back()
    assert not any(b"helo FooBar" in r.data for r in pb.world.trace.records)
    while pb.steps < end[1]:
        pb.step_forward()
    assert _snapshot(pb) == end
    assert pb.history == ["telnet mail.cs.tcd.ie 25", "helo FooBar"]


def test_typing_in_the_past_keeps_the_line_in_history():
    pb = Playback(load_lesson("foobar"))
    pb.enter("telnet mail.cs.tcd.ie 25")
    pb.enter("helo FooBar")
    for _ in range(20):
        pb.step_back()
    pb.enter("telnet mail.cs.tcd.ie 25")
    assert pb.history == ["telnet mail.cs.tcd.ie 25", "helo FooBar", "telnet mail.cs.tcd.ie 25"]


def test_reset_starts_over_and_bumps_the_generation():
    pb = Playback(load_lesson("foobar"))
    pb.enter("telnet mail.cs.tcd.ie 25")
    gen = pb.generation
    pb.reset()
    assert pb.generation == gen + 1 and pb.steps == 0
    assert pb.session.terminal.state == "idle"
