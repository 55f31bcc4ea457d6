"""Faults are checked with the file: `smtp-sim check` reports each bad fault at its line and
key, `run` refuses it (exit 2, no traceback), and fault durations take units.

The rules are the fault module's own (``faults.check_fault``): what `check` reports is what
``apply_fault`` would refuse, word for word."""

import re
import tomllib

import pytest
from small_world import build

from smtp_sim.cli import main
from smtp_sim.scenario.build import build_world
from smtp_sim.scenario.files import parse_scenario
from smtp_sim.scenario.model import Scenario
from smtp_sim.scenario.problems import ScenarioError
from smtp_sim.world.faults import FAULT_KINDS, FaultError, apply_fault, check_fault, schedule_fault
from smtp_sim.world.trace import Kind, Layer

NETWORK = """\
id = "faults"
title = "Faults"

[[hosts]]
name = "pc.a.test"
ip = "192.0.2.10"
role = "client"

[[hosts]]
name = "mail.a.test"
ip = "192.0.2.25"
role = "mta"
[hosts.mta]
domains = ["a.test"]
relay_for = ["pc.a.test"]

[[hosts]]
name = "mx.b.test"
ip = "198.51.100.25"
role = "mta"
[hosts.mta]
domains = ["b.test"]

[[hosts]]
name = "ix.test"
ip = "203.0.113.1"
role = "router"

[[links]]
a = "pc.a.test"
b = "mail.a.test"

[[links]]
a = "mail.a.test"
b = "ix.test"

[[links]]
a = "mx.b.test"
b = "ix.test"

[[dns.mx]]
domain = "b.test"
priority = 10
host = "mx.b.test"

[[users]]
address = "ann@a.test"
client = "pc.a.test"

[[users]]
address = "ben@b.test"

[[messages]]
at = "1s"
from = "ann@a.test"
to = ["ben@b.test"]
subject = "Hi"
body = "Hi Ben"
"""
FAULT_LINE = NETWORK.count("\n") + 2  # the [[faults]] header is written after one blank line

# (the fault's keys, the key path reported, words of the message, words of what is expected)
BAD_FAULTS = [
    (
        {"kind": "host-down", "host": "nosuch"},
        "faults[0].host",
        "no host named 'nosuch'",
        "a host of this network: pc.a.test, mail.a.test",
    ),
    (
        {"kind": "host-down", "host": "mx.b.tst"},
        "faults[0].host",
        "no host named 'mx.b.tst'; did you mean 'mx.b.test'?",
        "a host of this network",
    ),
    (
        {"kind": "host-down"},
        "faults[0].host",
        "fault host-down needs host=...",
        "the name of a host",
    ),
    (
        {"kind": "host-down", "host": "mx.b.test", "hots": "x"},
        "faults[0].hots",
        "unknown key 'hots' for fault host-down",
        "the parameters of host-down: host",
    ),
    (
        {"kind": "host-sideways", "host": "mx.b.test"},
        "faults[0].kind",
        "unknown fault kind 'host-sideways'",
        "one of host-down, host-up",
    ),
    (
        {"kind": "dns-failure", "domain": "b.test", "failure": "explode"},
        "faults[0].failure",
        "the string 'explode' is not a DNS failure",
        "one of nxdomain, no-mx, servfail, clear",
    ),
    (
        {"kind": "loss", "a": "mx.b.test", "b": "ix.test", "probability": 7},
        "faults[0].probability",
        "the number 7 is out of range",
        "from 0 up to (not including) 1",
    ),
    (
        {"kind": "loss", "a": "mx.b.test", "b": "ix.test", "probability": "lots"},
        "faults[0].probability",
        "the string 'lots' is not a number",
        "from 0 up to",
    ),
    (
        {"kind": "link-down", "a": "mx.b.test", "b": "pc.a.test"},
        "faults[0]",
        "no link between mx.b.test and pc.a.test",
        "two hosts joined by a link: ",
    ),
    (
        {"kind": "mailbox-full", "address": "zed@b.test"},
        "faults[0].address",
        "no mailbox 'zed@b.test'",
        "the address of a user with a mailbox: ann@a.test, ben@b.test",
    ),
    (
        {"kind": "reply", "host": "mx.b.test", "stage": "rcpt", "code": 999},
        "faults[0].code",
        "999 is not a 4xx or 5xx code",
        "a reply code from 400 to 599",
    ),
    (
        {"kind": "reply", "host": "mx.b.test", "stage": "lunch", "code": 450},
        "faults[0].stage",
        "the string 'lunch' is not a stage",
        "one of connect, helo, mail, rcpt, data, end-of-data",
    ),
    (
        {"kind": "reply", "host": "pc.a.test", "stage": "rcpt", "code": 450},
        "faults[0].host",
        "pc.a.test is not a mail server",
        "a host with a mail server: mail.a.test, mx.b.test",
    ),
    (
        {"kind": "reply", "host": "mx.b.test", "stage": "rcpt", "code": 450, "enhanced": "4.2"},
        "faults[0].enhanced",
        "the string '4.2' is not an enhanced status code",
        "like 4.2.0",
    ),
    (
        {"kind": "slow-server", "host": "mx.b.test", "delay": "soon"},
        "faults[0].delay",
        "cannot read 'soon' as a duration",
        "a number with a unit",
    ),
    (
        {"kind": "latency", "a": "mail.a.test", "b": "ix.test", "extra": -1},
        "faults[0].extra",
        "a duration must be zero or more seconds",
        "a number with a unit",
    ),
    (
        {"kind": "open-relay", "host": "mx.b.test", "enabled": "maybe"},
        "faults[0].enabled",
        "the string 'maybe' is not true or false",
        "true or false",
    ),
    (
        {"kind": "busy-relay", "host": "mail.a.test", "cache": "0s"},
        "faults[0].cache",
        "the string '0s' is not more than 0 seconds",
        "more than 0 seconds",
    ),
]
IDS = [f"{case[0]['kind']}-{case[1]}-{n}" for n, case in enumerate(BAD_FAULTS)]


def _toml(value):
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return repr(value)


def _scenario_with(fault: dict) -> str:
    lines = ["", "[[faults]]", 'at = "2s"', *(f"{k} = {_toml(v)}" for k, v in fault.items())]
    return NETWORK + "\n".join(lines) + "\n"


def _line_of(source: str, key: str) -> int:
    """The line of ``key = ...`` in the [[faults]] table (its header for the table itself)."""
    lines = source.splitlines()
    for number in range(FAULT_LINE, len(lines) + 1):
        if re.match(rf"{re.escape(key)}\s*=", lines[number - 1]):
            return number
    return FAULT_LINE


def _expected_line(source: str, keypath: str) -> int:
    key = keypath.rpartition(".")[2] if "." in keypath else ""
    return _line_of(source, key) if key else FAULT_LINE


@pytest.mark.parametrize("fault,keypath,message,expected", BAD_FAULTS, ids=IDS)
def test_check_reports_a_bad_fault_at_its_line_and_key(
    tmp_path, capsys, fault, keypath, message, expected
):
    source = _scenario_with(fault)
    path = tmp_path / "bad.toml"
    path.write_text(source, encoding="utf-8")
    assert main(["check", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    line = _expected_line(source, keypath)
    problems = err.splitlines()
    assert len(problems) == 1, err
    assert problems[0].startswith(f"{path}:{line}: {keypath}: {message}"), err
    assert "(expected " in problems[0] and expected in problems[0], err


@pytest.mark.parametrize("fault,keypath,message,expected", BAD_FAULTS, ids=IDS)
def test_run_refuses_a_bad_fault_with_exit_2(tmp_path, capsys, fault, keypath, message, expected):
    path = tmp_path / "bad.toml"
    path.write_text(_scenario_with(fault), encoding="utf-8")
    assert main(["run", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert f": {keypath}: {message}" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("fault,keypath,message,expected", BAD_FAULTS, ids=IDS)
def test_check_says_what_apply_fault_would_say(fault, keypath, message, expected):
    """One set of rules: the file's problem is the FaultError of applying the fault."""
    scenario = parse_scenario(NETWORK)
    world = build_world(scenario)
    params = {k: v for k, v in fault.items() if k != "kind"}
    with pytest.raises(FaultError) as info:
        apply_fault(world, fault["kind"], **params)
    assert message in str(info.value)
    assert not [r for r in world.trace if r.layer is Layer.FAULT]  # nothing was applied


def test_every_mistake_of_a_file_is_reported_at_once(tmp_path, capsys):
    source = (
        NETWORK
        + """
[[faults]]
kind = "host-down"
host = "nosuch"

[[faults]]
kind = "loss"
a = "mx.b.test"
b = "ix.test"
probability = 5
"""
    )
    path = tmp_path / "bad.toml"
    path.write_text(source, encoding="utf-8")
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert [p.split(": ")[1] for p in err] == ["faults[0].host", "faults[1].probability"]
    assert err[0].startswith(f"{path}:{FAULT_LINE + 2}: ")
    assert err[1].startswith(f"{path}:{FAULT_LINE + 8}: ")


def test_fault_values_are_checked_even_when_the_network_has_problems(tmp_path, capsys):
    source = _scenario_with(
        {"kind": "loss", "a": "mx.b.test", "b": "ix.test", "probability": 2}
    ).replace('host = "mx.b.test"', 'host = "mx9"')
    path = tmp_path / "bad.toml"
    path.write_text(source, encoding="utf-8")
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert "dns.mx[0].host: no host named 'mx9'" in err
    assert "faults[0].probability: the number 2 is out of range" in err


def test_a_scenario_built_in_python_is_refused_too():
    data = tomllib.loads(_scenario_with({"kind": "host-down", "host": "nosuch"}))
    scenario = Scenario.model_validate(data)  # validated, not cross-checked
    with pytest.raises(ScenarioError, match=r"faults\[0\]\.host: no host named 'nosuch'"):
        build_world(scenario)


# -- timelines ---------------------------------------------------------------------------------

LESSON = """\
id = "timeline-faults"
title = "Timeline faults"
summary = "A presentation whose faults are checked."
scenario = "{scenario}"

[[timeline]]
at = "0s"
action = "narrate"
text = "Watch."

[[timeline]]
at = "1s"
action = "fault"
fault = "{kind}"
params = {params}
"""


def _lesson(tmp_path, kind, params):
    network = tmp_path / "net.toml"
    network.write_text(NETWORK, encoding="utf-8")
    path = tmp_path / "talk.toml"
    path.write_text(
        LESSON.format(scenario=network.as_posix(), kind=kind, params=params), encoding="utf-8"
    )
    return path


@pytest.mark.parametrize(
    "kind,params,keypath,message",
    [
        ("host-down", '{ host = "nosuch" }', "timeline[1].params.host", "no host named 'nosuch'"),
        (
            "loss",
            '{ a = "mx.b.test", b = "ix.test", probability = 5 }',
            "timeline[1].params.probability",
            "the number 5 is out of range",
        ),
        ("host-down", "{}", "timeline[1].params.host", "fault host-down needs host=..."),
        (
            "host-down",
            '{ host = "mx.b.test", colour = "red" }',
            "timeline[1].params.colour",
            "unknown key 'colour' for fault host-down",
        ),
        (
            "link-up",
            '{ a = "pc.a.test", b = "mx.b.test" }',
            "timeline[1].params",
            "no link between pc.a.test and mx.b.test",
        ),
        ("explode", "{}", "timeline[1].fault", "unknown fault kind 'explode'"),
    ],
)
def test_timeline_faults_are_checked_like_the_scenarios(
    tmp_path, capsys, kind, params, keypath, message
):
    path = _lesson(tmp_path, kind, params)
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    line = 14 if keypath.endswith(".fault") else 15  # fault = ..., params = {...}
    assert f"{path}:{line}: {keypath}: {message}" in err, err
    assert main(["run", str(path)]) == 2
    assert f"{keypath}: {message}" in capsys.readouterr().err


def test_a_good_timeline_fault_passes(tmp_path, capsys):
    path = _lesson(tmp_path, "slow-server", '{ host = "mx.b.test", delay = "1.5s" }')
    assert main(["check", str(path)]) == 0
    assert "ok (presentation)" in capsys.readouterr().out


# -- durations with units ------------------------------------------------------------------------


def test_fault_durations_take_units_in_files(tmp_path, capsys):
    source = (
        NETWORK
        + """
[[faults]]
kind = "slow-server"
host = "mx.b.test"
delay = "1s"

[[faults]]
kind = "latency"
a = "mail.a.test"
b = "ix.test"
extra = "500ms"

[[faults]]
kind = "busy-relay"
host = "mail.a.test"
cache = "1min"
"""
    )
    path = tmp_path / "units.toml"
    path.write_text(source, encoding="utf-8")
    assert main(["check", str(path)]) == 0
    capsys.readouterr()
    assert main(["run", str(path)]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert "mx.b.test now waits 1 s before each reply" in out
    assert "the link mail.a.test \u2014 ix.test now adds 500 ms" in out
    assert "an idle connection kept 60 s for more mail" in out
    world = build_world(parse_scenario(source))
    world.run(until=1)
    assert world.mtas["mx.b.test"].reply_delay == 1.0
    assert world.network.link_between("mail.a.test", "ix.test").extra_latency == 0.5
    assert world.mtas["mail.a.test"].connection_cache == 60.0


@pytest.mark.parametrize(
    "kind,params,check",
    [
        (
            "slow-server",
            {"host": "smtp.crepes.fr", "delay": "1.5s"},
            lambda w: w.mtas["smtp.crepes.fr"].reply_delay == 1.5,
        ),
        (
            "latency",
            {"a": "pc.crepes.fr", "b": "smtp.crepes.fr", "extra": "250ms"},
            lambda w: (
                w.network.link_between("pc.crepes.fr", "smtp.crepes.fr").extra_latency == 0.25
            ),
        ),
        (
            "busy-relay",
            {"host": "smtp.crepes.fr", "cache": "2min"},
            lambda w: w.mtas["smtp.crepes.fr"].connection_cache == 120,
        ),
        (
            "latency",
            {"a": "pc.crepes.fr", "b": "smtp.crepes.fr", "extra": 0.5},
            lambda w: w.network.link_between("pc.crepes.fr", "smtp.crepes.fr").extra_latency == 0.5,
        ),
    ],
)
def test_apply_fault_reads_durations_with_units(kind, params, check):
    world = build()
    apply_fault(world, kind, **params)
    assert check(world)


def test_console_fault_command_takes_units_and_address_lists():
    from smtp_sim.course.lesson import sandbox_lesson
    from smtp_sim.course.session import LessonSession

    session = LessonSession(sandbox_lesson("classroom"))
    answer = session.enter("/fault slow-server host=mail.cs.tcd.ie delay=2s")
    assert answer == "mail.cs.tcd.ie now waits 2 s before each reply"
    answer = session.enter(
        "/fault reply host=mail.cs.tcd.ie stage=rcpt code=550 "
        "addresses=bob@cs.tcd.ie,Carol@cs.tcd.ie"
    )
    assert answer.endswith("for bob@cs.tcd.ie, carol@cs.tcd.ie")
    assert session.world.mtas["mail.cs.tcd.ie"].faults[-1].addresses == (
        "bob@cs.tcd.ie",
        "carol@cs.tcd.ie",
    )
    answer = session.enter("/fault loss a=smtp.crepes.fr b=nowhere probability=2")
    assert answer.startswith("/fault: ")
    assert "b: no host named 'nowhere'" in answer
    assert "probability: the string '2' is out of range" in answer


# -- at run time ---------------------------------------------------------------------------------


def test_a_scheduled_fault_that_fails_when_its_time_comes_is_traced_not_raised():
    world = build()
    schedule_fault(world, 5.0, "mailbox-full", address="bob@cs.tcd.ie")
    del world.mtas["mail.cs.tcd.ie"].mailboxes["bob@cs.tcd.ie"]  # gone before the fault
    world.run(until=10)
    errors = [r for r in world.trace if r.kind is Kind.ERROR]
    assert len(errors) == 1 and errors[0].time == 5.0
    assert "fault mailbox-full failed: address: no mailbox 'bob@cs.tcd.ie'" in errors[0].summary
    assert not [r for r in world.trace if r.layer is Layer.FAULT]


def test_schedule_fault_checks_its_parameters_at_once():
    with pytest.raises(FaultError, match="probability: the number 3 is out of range"):
        schedule_fault(build(), 5.0, "loss", a="pc.crepes.fr", b="smtp.crepes.fr", probability=3)


# -- the rules' table --------------------------------------------------------------------------


def test_check_fault_without_a_world_checks_values_only():
    values, errors = check_fault("loss", {"a": "anywhere", "b": "x", "probability": "0.25"})
    assert errors == [] and values == {"a": "anywhere", "b": "x", "probability": 0.25}
    _, errors = check_fault("reply", {"host": 3, "stage": "rcpt"})
    assert [(e.key, e.message) for e in errors] == [
        ("host", "the number 3 is not a name"),
        ("code", "fault reply needs code=..."),
    ]


def test_the_schema_describes_each_fault_kind():
    from smtp_sim.scenario.model import Scenario

    spec = Scenario.model_json_schema(by_alias=True)["$defs"]["FaultSpec"]
    assert spec["properties"]["kind"]["enum"] == list(FAULT_KINDS)
    cases = {case["if"]["properties"]["kind"]["const"]: case["then"] for case in spec["allOf"]}
    assert set(cases) == set(FAULT_KINDS)
    loss = cases["loss"]
    assert loss["required"] == ["a", "b", "probability"]
    assert loss["additionalProperties"] is False
    assert loss["properties"]["probability"]["exclusiveMaximum"] == 1
    assert cases["reply"]["required"] == ["host", "stage", "code"]
    assert cases["reply"]["properties"]["code"]["maximum"] == 599
    assert cases["busy-relay"]["properties"]["cache"]["default"] == 2.0
    assert cases["dns-down"]["required"] == [] and set(cases["dns-down"]["properties"]) == {
        "at",
        "kind",
    }


def test_the_authoring_guide_lists_every_fault_kind_and_key():
    from pathlib import Path

    guide = (Path(__file__).resolve().parents[2] / "docs" / "authoring.md").read_text("utf-8")
    section = guide.split("Fault kinds and their keys", 1)[1].split("\n\n", 2)[1]
    table = {
        line.split("|")[1]: line.split("|")[2]
        for line in section.splitlines()
        if line.startswith("| `")
    }
    for name, fault in FAULT_KINDS.items():
        row = next((keys for kinds, keys in table.items() if f"`{name}`" in kinds), None)
        assert row is not None, f"{name} is not in the guide's table of fault kinds"
        for key in fault.params:
            assert f"`{key}`" in row, f"{name}: the guide does not name its key {key}"


# -- lists and aliases (not faults, but checked the same way) ----------------------------------


def _with_lists(tmp_path, lists: str):
    from pathlib import Path

    from smtp_sim.cli import main

    source = (Path(__file__).resolve().parents[2] / "lessons" / "classroom.toml").read_text()
    path = tmp_path / "lists.toml"
    path.write_text(source + "\n" + lists)
    return main(["check", str(path)]), path


def test_a_list_member_who_is_nobody_is_named(tmp_path, capsys):
    status, _ = _with_lists(
        tmp_path,
        '[[lists]]\naddress = "crew@cs.tcd.ie"\nmembers = ["bob", "zed", "carol@example.org"]\n',
    )
    assert status == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert ".members[1]: zed: no user, list or alias zed@cs.tcd.ie" in err[0]


def test_a_list_that_includes_itself_is_a_loop(tmp_path, capsys):
    status, _ = _with_lists(
        tmp_path,
        '[[lists]]\naddress = "a@cs.tcd.ie"\nmembers = ["b"]\n\n'
        '[[lists]]\naddress = "b@cs.tcd.ie"\nmembers = ["bob", "a"]\n',
    )
    assert status == 2
    err = capsys.readouterr().err
    assert "mail to it would come back to it: a@cs.tcd.ie -> b@cs.tcd.ie -> a@cs.tcd.ie" in err
