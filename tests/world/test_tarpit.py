"""Postfix's tarpit in simulated time: once a session has made smtpd_soft_error_limit errors
(10), every reply waits smtpd_error_sleep_time (1 s) first (smtpd_chat.c, Postfix 3.7.11:
"if (state->error_count >= var_smtpd_soft_erlim) sleep(...)"); at smtpd_hard_error_limit
(20) the server says 421 and hangs up. smtp.crepes.fr of the classroom runs postfix-3."""

import itertools

from smtp_sim.scenario.build import build_world
from smtp_sim.scenario.files import load_scenario
from smtp_sim.world.student_terminal import StudentTerminal
from smtp_sim.world.trace import Kind


def _reply_times(world, host="smtp.crepes.fr"):
    return [(r.time, r.data) for r in world.trace if r.kind is Kind.REPLY and r.src == host]


def _session(lines, **mta_settings):
    scenario = load_scenario("classroom").model_copy(update={"messages": []})
    if mta_settings:
        hosts = []
        for host in scenario.hosts:
            if host.name == "smtp.crepes.fr":
                host = host.model_copy(update={"mta": host.mta.model_copy(update=mta_settings)})
            hosts.append(host)
        scenario = scenario.model_copy(update={"hosts": hosts})
    world = build_world(scenario)
    terminal = StudentTerminal(world, "pc.crepes.fr")
    terminal.connect("smtp.crepes.fr", 25)
    terminal.run_until_answer()
    for line in lines:
        terminal.enter(line)
        terminal.run_until_answer()
    return world


def test_from_the_tenth_error_each_reply_waits_a_second():
    world = _session(["XYZZY"] * 12 + ["NOOP"])
    replies = _reply_times(world)[1:]  # after the greeting
    gaps = [b[0] - a[0] for a, b in itertools.pairwise(replies)]
    assert all(gap < 0.5 for gap in gaps[:9])  # errors 1 to 10: no wait
    assert all(gap >= 1.0 for gap in gaps[9:])  # replies 11, 12 and the NOOP: 1 s each
    assert replies[-1][1].startswith(b"250 2.0.0 Ok")


def test_the_soft_limit_is_a_scenario_setting():
    world = _session(["XYZZY"] * 3 + ["NOOP"], smtpd_soft_error_limit=2)
    replies = _reply_times(world)[1:]
    gaps = [b[0] - a[0] for a, b in itertools.pairwise(replies)]
    assert gaps[0] < 0.5 and all(gap >= 1.0 for gap in gaps[1:])
