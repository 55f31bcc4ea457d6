"""The trace's storage (rows and column chunks behind TraceRecord objects) and the clock's two
ways of scheduling: what goes in comes out, in order, as the same objects while held."""

from __future__ import annotations

import gc

import pytest

from smtp_sim.world.clock import Clock
from smtp_sim.world.trace import Kind, Layer, Trace, TraceRecord


def _fill(trace: Trace, count: int) -> list[TraceRecord]:
    """``count`` records of every shape, and what each should read back as."""
    expected = []
    for i in range(count):
        fields = {
            "data": b"EHLO x\r\n" if i % 3 == 0 else b"",
            "conn": i % 4 or None,
            "message": f"m{i}" if i % 5 else None,
            "info": (("codes", (250,)), ("n", i)) if i % 2 else (),
        }
        layer, kind = (Layer.SMTP, Kind.COMMAND) if i % 2 else (Layer.TCP, Kind.SYN_ACK)
        if i % 7 == 0:
            trace.append(
                i * 0.5,
                layer,
                kind,
                "a",
                "b" if i % 2 else None,
                f"s{i}",
                fields["data"],
                fields["conn"],
                fields["message"],
                fields["info"],
            )
        else:
            trace.add(i * 0.5, layer, kind, "a", "b" if i % 2 else None, f"s{i}", **fields)
        expected.append(
            TraceRecord(i, i * 0.5, layer, kind, "a", "b" if i % 2 else None, f"s{i}", **fields)
        )
    return expected


@pytest.mark.parametrize("chunk", [1, 3, 4, 1024])
def test_records_read_back_as_added_across_chunks(chunk: int) -> None:
    trace = Trace()
    trace.CHUNK = chunk
    expected = _fill(trace, 13)
    assert len(trace) == len(trace.records) == 13
    assert list(trace) == list(trace.records) == expected
    assert [trace[i] for i in range(13)] == expected
    assert trace[-1] == expected[-1] and trace[-13] == expected[0]
    assert trace[2:11:3] == expected[2:11:3] and trace.records[5:] == expected[5:]
    assert trace.since(9) == expected[9:]
    assert list(reversed(trace.records)) == expected[::-1]
    assert trace[4] in trace.records and trace.records.index(trace[4]) == 4
    assert all(type(r.layer) is Layer and type(r.kind) is Kind for r in trace)
    assert trace[1].get("n") == 1 and trace[1].to_json()["info"] == {"codes": [250], "n": 1}
    for bad in (13, -14):
        with pytest.raises(IndexError):
            trace[bad]


def test_a_record_is_the_same_object_while_anyone_holds_it() -> None:
    trace = Trace()
    trace.CHUNK = 2
    _fill(trace, 5)
    held = trace[1]
    assert trace[1] is held and trace.records[1] is held and list(trace)[1] is held
    returned = trace.add(9.0, Layer.INFO, Kind.NOTE, "a", None, "noted")
    assert trace[5] is returned
    with pytest.raises(AttributeError):
        held.summary = "changed"  # type: ignore[misc]


def test_listeners_get_each_record_and_iteration_sees_records_added_meanwhile() -> None:
    trace = Trace()
    trace.CHUNK = 2
    heard: list[TraceRecord] = []
    trace.subscribe(heard.append)
    _fill(trace, 3)
    assert [r.seq for r in heard] == [0, 1, 2] and heard[2] is trace[2]
    seen = []
    for record in trace:
        seen.append(record.seq)
        if record.seq == 2:
            trace.append(5.0, Layer.INFO, Kind.NOTE, "a", None, "late")
    assert seen == [0, 1, 2, 3]


def test_the_garbage_collector_does_not_track_the_stored_records() -> None:
    trace = Trace()
    trace.CHUNK = 4
    _fill(trace, 10)
    for _ in range(5):  # (each collection untracks the tuples whose items it has untracked)
        gc.collect()
    columns = [column for chunk in trace._chunks for column in chunk]
    stored = [c for c in columns if type(c) is tuple] + trace._rows
    assert len(stored) == 2 * 7 + 2 and not any(gc.is_tracked(x) for x in stored)
    # (the layers and kinds are bytes; the times an array of doubles, holding no references)
    assert [type(c).__name__ for c in columns[:3]] == ["array", "bytes", "bytes"]


def test_times_read_back_as_given_floats_and_ints() -> None:
    trace = Trace()
    trace.CHUNK = 2
    for time in (0.1, 2.0, 3, 0.30000000000000004, 5.0):
        trace.append(time, Layer.INFO, Kind.NOTE, "a", None, "x")
    times = [r.time for r in trace]
    assert times == [0.1, 2.0, 3, 0.30000000000000004, 5.0]
    assert [type(t) for t in times] == [float, float, int, float, float]
    assert trace[2].to_json()["time"] == 3 and isinstance(trace[2].to_json()["time"], int)


def test_call_later_runs_in_schedule_order_and_cancelled_events_do_not_run() -> None:
    clock = Clock()
    ran: list[str] = []
    clock.call_later(1.0, ran.append, "a")
    timer = clock.schedule(1.0, ran.append, "cancelled")
    clock.schedule(1.0, ran.append, "b")
    clock.call_later(0.5, ran.append, "first")
    clock.schedule(1.0, ran.append, "urgent", priority=0)
    timer.cancel()
    assert clock.pending == 4
    clock.run(until=0.75)
    assert ran == ["first"] and clock.now == 0.75
    assert clock.peek() == 1.0
    assert clock.step() and ran == ["first", "urgent"]
    clock.run()
    assert ran == ["first", "urgent", "a", "b"] and clock.steps == 4 and clock.pending == 0
    with pytest.raises(ValueError):
        clock.call_later(-1.0, ran.append, "past")


def test_a_data_budget_drops_the_oldest_bytes_and_keeps_everything_else() -> None:
    trace = Trace()
    trace.CHUNK = 4
    trace.limit_data(3 * 4 * 100)  # about three chunks of 100-byte records
    for i in range(40):
        trace.append(
            float(i), Layer.SMTP, Kind.CONTENT, "a", "b", f"s{i}", bytes([65 + i % 26]) * 100
        )
    held = sum(len(r.data) for r in trace)
    assert held <= 3 * 4 * 100 + 4 * 100  # the budget, with the chunk being filled
    assert trace.data_dropped_before > 0
    old, new = trace[0], trace[39]
    assert old.data == b"" and old.get("data_dropped") == 100 and old.summary == "s0"
    assert new.data == bytes([65 + 39 % 26]) * 100 and new.get("data_dropped") is None
    assert [r.summary for r in trace] == [f"s{i}" for i in range(40)]  # no record lost


def test_without_a_budget_nothing_is_dropped() -> None:
    trace = Trace()
    trace.CHUNK = 4
    for i in range(40):
        trace.append(float(i), Layer.SMTP, Kind.CONTENT, "a", "b", f"s{i}", b"x" * 100)
    assert all(r.data == b"x" * 100 for r in trace) and trace.data_dropped_before == 0


def test_a_budget_given_late_counts_the_bytes_already_filed() -> None:
    trace = Trace()
    trace.CHUNK = 4
    for i in range(40):
        trace.append(float(i), Layer.SMTP, Kind.CONTENT, "a", "b", f"s{i}", b"x" * 100)
    trace.limit_data(3 * 4 * 100)
    assert trace.data_dropped_before > 0
    assert sum(len(r.data) for r in trace) <= 3 * 4 * 100 + 4 * 100
