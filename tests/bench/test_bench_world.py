"""Smoke test for bench/bench_world.py: its worlds deliver every message once over three hops,
its checks catch a world that does not, and its report runs.

No timing assertions: only correctness, with tiny message counts.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from smtp_sim.world.trace import Kind, Layer
from smtp_sim.world.transcript import to_jsonl

BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_world.py"


def test_every_message_arrives_once_over_three_hops(bench):
    run = bench.run_world(40)
    bench.check_world(run, 40)
    world = run.world
    boxes = world.mtas[bench.FINAL].mailboxes
    assert sum(len(box.messages) for box in boxes.values()) == 40
    first = boxes["staff00@cs.tcd.ie"].messages[0]
    assert bench._received_by(first.data) == ["mail.cs.tcd.ie", "hub.tcd.ie", "smtp.crepes.fr"]
    # Each hop was found by an MX lookup and relayed over its own connection.
    queries = {r.get("name") for r in world.trace if r.kind is Kind.QUERY}
    assert queries == {"tcd.ie", "cs.tcd.ie"}
    relays = {(r.src, r.dst) for r in world.trace if r.kind is Kind.SENT}
    assert relays == {("smtp.crepes.fr", "hub.tcd.ie"), ("hub.tcd.ie", "mail.cs.tcd.ie")}
    assert not [r for r in world.trace if r.kind is Kind.DEFERRED]
    # Hops 2 and 3 reuse open connections (the cache): far fewer of them than messages.
    relay_syns = [r for r in world.trace if r.kind is Kind.SYN and r.src != "pc.crepes.fr"]
    assert 2 <= len(relay_syns) < 40


def test_the_classic_world_opens_a_connection_per_message_per_hop(bench):
    run = bench.run_world(12, classic=True)
    bench.check_world(run, 12)
    syns = [r for r in run.world.trace if r.kind is Kind.SYN]
    assert len(syns) == 12 * 3
    assert not [r for r in run.world.trace if r.kind is Kind.COMMAND and len(r.get("verbs")) > 1]


def test_a_third_deferred_then_delivered_once(bench):
    run = bench.run_world(45, deferred=True)
    bench.check_world(run, 45, deferred=True)
    deferred = {r.message for r in run.world.trace if r.kind is Kind.DEFERRED}
    assert len(deferred) == 33  # staff00..staff32 of 99 recipients, messages 0..44
    faults = [r for r in run.world.trace if r.layer is Layer.FAULT]
    assert [r.get("fault") for r in faults] == ["reply", "clear-replies"]


def test_the_engine_baseline_delivers_the_same_messages(bench):
    run = bench.run_engines(20)
    bench.check_engines(run, 20)
    assert sorted(run.delivered) == sorted({s.mailbox for s in bench.plan(20)})


def test_the_baseline_composes_what_the_world_sends(bench):
    world_run = bench.run_world(3)
    engine_run = bench.run_engines(3)

    def composed(data: bytes) -> list[bytes]:
        # The message as the user agent wrote it (below the stamps), but its Date: line,
        # which in the world is the virtual time of sending.
        lines = data[data.index(b"\r\nFrom: ") + 2 :].split(b"\r\n")
        return [line for line in lines if not line.startswith(b"Date: ")]

    assert len(engine_run.delivered) == 3
    for address, contents in engine_run.delivered.items():
        stored = world_run.world.mailbox(address).messages[0].data
        assert composed(stored) == composed(contents[0])
        assert b"please find my notes for exercise" in stored


def test_same_plan_same_trace_byte_for_byte(bench):
    traces = []
    for _ in range(2):
        world, _ = bench.build_three_hop_world(bench.plan(12), deferred=True)
        world.run()
        traces.append(to_jsonl(world.trace))
    assert traces[0] == traces[1]


def test_the_check_catches_a_duplicate(bench):
    run = bench.run_world(10)
    box = run.world.mailbox("staff01@cs.tcd.ie")
    box.messages.append(box.messages[0])
    with pytest.raises(bench.BenchError, match="twice"):
        bench.check_world(run, 10)


def test_the_check_catches_a_wrong_mailbox_and_a_missing_message(bench):
    run = bench.run_world(10)
    moved = run.world.mailbox("staff02@cs.tcd.ie").messages.pop()
    run.world.mailbox("staff03@cs.tcd.ie").messages.append(moved)
    with pytest.raises(bench.BenchError, match="is in"):
        bench.check_world(run, 10)
    run.world.mailbox("staff03@cs.tcd.ie").messages.pop()
    with pytest.raises(bench.BenchError, match="9 of 10"):
        bench.check_world(run, 10)


def test_the_check_catches_a_short_received_chain(bench):
    run = bench.run_world(5)
    box = run.world.mailbox("staff04@cs.tcd.ie")
    stored = box.messages[0]
    start = stored.data.index(b"Received:")
    one_hop = stored.data[:start] + stored.data[stored.data.index(b"Received:", start + 1) :]
    box.messages[0] = replace(stored, body=one_hop)
    with pytest.raises(bench.BenchError, match="Received"):
        bench.check_world(run, 5)


def test_the_check_wants_the_deferrals(bench):
    run = bench.run_world(10)
    with pytest.raises(bench.BenchError, match="deferred"):
        bench.check_world(run, 10, deferred=True)


def test_main_quick(bench, capsys):
    assert bench.main(["--quick", "--messages", "20", "--rounds", "1", "--no-memory"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["benchmark"] == "bench_world"
    assert summary["messages_per_round"] == 20
    assert summary["trace_records"] > 20 * 25
    assert summary["classic_trace_records"] > summary["trace_records"]
    for key in (
        "world_median_msg_per_s",
        "classic_median_msg_per_s",
        "deferred_median_msg_per_s",
        "engines_median_msg_per_s",
        "ratio",
    ):
        assert summary[key] > 0
    assert summary["tracemalloc_peak_mb"] is None
