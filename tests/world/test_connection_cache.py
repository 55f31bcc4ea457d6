"""An MTA's connection cache and pipelining: several messages over one relay connection."""

from __future__ import annotations

import pytest
from small_world import build

from smtp_sim.scenario.build import build_world
from smtp_sim.scenario.files import parse_scenario
from smtp_sim.scenario.problems import ScenarioError
from smtp_sim.world.faults import schedule_fault
from smtp_sim.world.trace import Kind, Layer

RELAY, FINAL = "smtp.crepes.fr", "mail.cs.tcd.ie"


def _send_at(world, times):
    alice = world.agents["alice@crepes.fr"]
    for i, t in enumerate(times):
        world.clock.schedule(t, alice.send, ["bob@cs.tcd.ie"], f"note {i}", f"body {i}\n")


def _relay_syns(world):
    return [
        r
        for r in world.trace
        if r.layer is Layer.TCP and r.kind is Kind.SYN and r.src == RELAY and r.dst == FINAL
    ]


def _bob(world):
    return world.mtas[FINAL].mailboxes["bob@cs.tcd.ie"].messages


def test_without_the_cache_every_message_has_its_own_connection():
    world = build()
    _send_at(world, [0.0, 0.3, 0.6])
    world.run()
    assert len(_bob(world)) == 3
    assert len(_relay_syns(world)) == 3


def test_with_the_cache_messages_share_one_connection_and_it_quits_when_idle():
    world = build(connection_cache=2.0, pipelining=True)
    _send_at(world, [0.0, 1.0, 2.0])  # each after the one before has gone
    world.run()
    assert [m.data.split(b"Subject: ")[1][:6] for m in _bob(world)] == [
        b"note 0",
        b"note 1",
        b"note 2",
    ]
    (syn,) = _relay_syns(world)
    conn = syn.conn
    on_conn = [r for r in world.trace if r.conn == conn and r.layer is Layer.SMTP]
    verbs = [r.get("verb") for r in on_conn if r.kind is Kind.COMMAND]
    assert verbs == ["EHLO", "MAIL", "MAIL", "MAIL", "QUIT"]  # MAIL+RCPT+DATA as one group
    groups = [r for r in on_conn if r.kind is Kind.COMMAND and r.get("verb") == "MAIL"]
    assert all(r.get("verbs") == ("MAIL", "RCPT", "DATA") for r in groups)
    # each transaction's records carry its own message id, the QUIT none
    messages = [r.message for r in on_conn if r.kind is Kind.CONTENT]
    assert len(set(messages)) == 3
    assert on_conn[-1].kind is Kind.REPLY and on_conn[-2].get("verb") == "QUIT"
    assert on_conn[-2].message is None
    attempts = [r.summary for r in world.trace if r.kind is Kind.ATTEMPT]
    assert sum("over the open connection to mail.cs.tcd.ie" in a for a in attempts) == 2
    # the idle connection was closed about 2 s after the last delivery, by the client
    last_sent = max(r.time for r in world.trace if r.kind is Kind.SENT)
    fin = next(r for r in world.trace if r.conn == conn and r.kind is Kind.FIN)
    assert fin.time == pytest.approx(last_sent + 2.0, abs=0.2)
    assert world.peek() is None


def test_after_the_cache_time_a_new_connection_is_opened():
    world = build(connection_cache=2.0)
    _send_at(world, [0.0, 10.0])
    world.run()
    assert len(_bob(world)) == 2
    assert len(_relay_syns(world)) == 2


def test_a_cached_connection_that_died_is_not_used_and_mail_still_arrives():
    world = build(connection_cache=30.0, pipelining=True)
    _send_at(world, [0.0, 5.0])
    schedule_fault(world, 2.0, "host-down", host=FINAL)
    schedule_fault(world, 2.5, "host-up", host=FINAL)
    world.run()
    assert len(_bob(world)) == 2
    assert len(_relay_syns(world)) == 2
    assert not [r for r in world.trace if r.kind is Kind.DEFERRED]


def test_busy_destinations_get_parallel_connections_that_are_reused():
    world = build(connection_cache=2.0, pipelining=True)
    _send_at(world, [i * 0.01 for i in range(40)])  # faster than one connection can carry
    world.run()
    assert len(_bob(world)) == 40
    syns = len(_relay_syns(world))
    assert 1 < syns < 40


def test_the_same_run_twice_gives_the_same_trace():
    def trace():
        world = build(connection_cache=2.0, pipelining=True)
        _send_at(world, [i * 0.05 for i in range(12)])
        world.run()
        return [r.to_json() for r in world.trace]

    assert trace() == trace()


SCENARIO = """
id = "cache"
title = "t"
[[hosts]]
name = "pc.a.example"
ip = "10.0.0.1"
role = "client"
[[hosts]]
name = "mx.a.example"
ip = "10.0.0.2"
role = "mta"
[hosts.mta]
domains = ["a.example"]
relay_for = ["pc.a.example"]
pipelining = true
connection_cache = "{cache}"
[[links]]
a = "pc.a.example"
b = "mx.a.example"
[[users]]
address = "ann@a.example"
client = "pc.a.example"
pipelining = true
"""


def test_scenario_keys_set_pipelining_and_the_cache():
    world = build_world(parse_scenario(SCENARIO.format(cache="2s"), "cache.toml"))
    mta = world.mtas["mx.a.example"]
    assert mta.pipelining and mta.connection_cache == 2.0
    assert world.agents["ann@a.example"].pipelining


def test_a_bad_cache_time_names_the_key():
    with pytest.raises(ScenarioError) as err:
        parse_scenario(SCENARIO.format(cache="soon"), "cache.toml")
    assert "connection_cache" in str(err.value) and "cache.toml" in str(err.value)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (30, "30 s"),
        (90, "1.5 min"),
        (300, "5 min"),
        (4000, "67 min"),
        (7200, "2 h"),
        (9000, "2.5 h"),
    ],
)
def test_retry_delays_read_as_a_person_says_them(seconds, text):
    from smtp_sim.world.relay import _wait_text

    assert _wait_text(seconds) == text


def test_busy_relay_fault_switches_the_behaviour_at_run_time():
    from smtp_sim.world.faults import FaultError, apply_fault

    world = build()
    _send_at(world, [0.0, 1.0, 2.0, 20.0, 21.0])
    schedule_fault(world, 0.5, "busy-relay", host=RELAY)
    schedule_fault(world, 10.0, "busy-relay", host=RELAY, enabled="false")
    world.run()
    assert len(_bob(world)) == 5
    # message 0 before the switch: its own connection, closed with QUIT; message 1 opens one
    # that is kept, and message 2 goes over it; after switching back, one connection each
    assert len(_relay_syns(world)) == 4
    mta = world.mtas[RELAY]
    assert not mta.pipelining and mta.connection_cache == 0
    faults = [r.summary for r in world.trace if r.layer is Layer.FAULT]
    assert "busy server" in faults[0] and "classic way" in faults[1]
    for bad in ({"cache": "soon"}, {"cache": 0}, {"enabled": "maybe"}):
        with pytest.raises(FaultError):
            apply_fault(world, "busy-relay", host=RELAY, **bad)
