"""Scenario files: the classroom runs end to end, routing follows MX rules, and every mistake in
a file is one line naming the file, the line and the key."""

from email import message_from_bytes, policy

import pytest

from smtp_sim.scenario.build import build_world
from smtp_sim.scenario.builtin import builtin_dir, list_builtin
from smtp_sim.scenario.files import load_scenario, parse_scenario
from smtp_sim.scenario.model import HostSpec, LinkSpec, MessageSpec, UserSpec
from smtp_sim.scenario.problems import ScenarioError
from smtp_sim.world.queue import EntryState
from smtp_sim.world.trace import Kind, Layer
from smtp_sim.world.transcript import to_jsonl
from smtp_sim.world.values import parse_duration


def _parsed(stored):
    return message_from_bytes(stored.data, policy=policy.default)


def _by_subject(world, address, subject):
    box = world.mailbox(address)
    assert box is not None, f"no mailbox {address}"
    found = [m for m in box.messages if m.subject == subject]
    assert len(found) == 1, [m.subject for m in box.messages]
    return _parsed(found[0])


@pytest.fixture(scope="module")
def classroom():
    scenario = load_scenario("classroom")
    world = build_world(scenario)
    world.run()
    return scenario, world


# -- the classroom ----------------------------------------------------------------------------


def test_classroom_is_built_in():
    assert "classroom" in list_builtin()
    assert (builtin_dir() / "classroom.toml").is_file()


def test_classroom_loads_and_runs_to_the_end(classroom):
    scenario, world = classroom
    assert scenario.id == "classroom"
    assert {h.name for h in scenario.hosts} >= {
        "pc.crepes.fr",
        "smtp.crepes.fr",
        "mail.cs.tcd.ie",
        "ns.example.net",
    }
    assert world.peek() is None  # nothing left to happen
    for mta in world.mtas.values():
        assert all(e.finished for e in mta.queue.entries.values())
    assert world.mtas["mail.cs.tcd.ie"].personality.id == "postfix-1.1"
    errors = [r for r in world.trace if r.kind is Kind.ERROR]
    assert errors == []


def test_foobar_reaches_bob_with_one_received_line_per_hop_newest_first(classroom):
    _, world = classroom
    msg = _by_subject(world, "bob@cs.tcd.ie", "FooBar")
    assert msg.get_content().strip() == "Hello World"
    received = [" ".join(str(r).split()) for r in msg.get_all("Received")]
    assert len(received) == 2
    assert received[0].startswith(
        "from smtp.crepes.fr (smtp.crepes.fr [192.0.2.25]) by mail.cs.tcd.ie (Postfix)"
    )
    assert received[1].startswith("from pc.crepes.fr (pc.crepes.fr [192.0.2.10]) by smtp.crepes.fr")
    assert msg["Return-Path"] == "<alice@crepes.fr>"


def test_the_gif_attachment_arrives_byte_for_byte(classroom):
    scenario, world = classroom
    sent = scenario.messages[1].attachments[0]
    msg = _by_subject(world, "bob@cs.tcd.ie", "A picture of an envelope")
    assert msg.get_content_type() == "multipart/mixed"
    parts = list(msg.iter_attachments())
    assert [p.get_filename() for p in parts] == ["envelope.gif"]
    assert parts[0].get_content_type() == "image/gif"
    assert parts[0]["Content-Transfer-Encoding"] == "base64"
    data = parts[0].get_content()
    assert data == sent.data
    assert data.startswith(b"GIF89a") and data.endswith(b";")


def test_mail_to_an_unknown_user_bounces_to_alice_as_a_delivery_status_report(classroom):
    _, world = classroom
    box = world.mailbox("alice@crepes.fr")
    assert [m.sender for m in box.messages] == [""]  # from the null sender <>
    report = _parsed(box.messages[0])
    assert report.get_content_type() == "multipart/report"
    assert report.get_param("report-type") == "delivery-status"
    status = next(p for p in report.walk() if p.get_content_type() == "message/delivery-status")
    blocks = status.get_payload()
    assert blocks[0]["Reporting-MTA"] == "dns; smtp.crepes.fr"
    assert blocks[1]["Final-Recipient"] == "rfc822; rob@cs.tcd.ie"
    assert blocks[1]["Action"] == "failed"
    assert blocks[1]["Status"].startswith("5.")
    assert "550" in blocks[1]["Diagnostic-Code"]
    headers = next(p for p in report.walk() if p.get_content_type() == "text/rfc822-headers")
    assert "Subject: Are you there?" in headers.get_payload()


def test_lists_and_aliases(classroom):
    _, world = classroom
    assert _by_subject(world, "bob@cs.tcd.ie", "Staff meeting")
    assert _by_subject(world, "dave@cs.tcd.ie", "Staff meeting")
    assert world.mtas["mail.cs.tcd.ie"].aliases == {"b.smith": "bob"}


def test_carol_gets_mail_from_the_primary_mx(classroom):
    _, world = classroom
    msg = _by_subject(world, "carol@example.org", "Lunch on Friday?")
    assert "by mx1.example.org" in " ".join(str(msg["Received"]).split())


def test_same_seed_same_trace_byte_for_byte():
    runs = []
    for _ in range(2):
        world = build_world(load_scenario("classroom"))
        world.run()
        runs.append(to_jsonl(world.trace))
    assert runs[0] == runs[1]
    assert build_world(load_scenario("classroom"), seed=7).seed == 7


# -- routing ----------------------------------------------------------------------------------


def test_primary_mx_down_mail_goes_to_the_backup_which_forwards_later():
    world = build_world(load_scenario("classroom"))
    primary = world.network.hosts["mx1.example.org"]
    primary.up = False

    def primary_back() -> None:
        primary.up = True
        world.network.topology_changed()

    world.clock.at(200.0, primary_back)
    world.run(until=120)
    relayed = [r for r in world.trace if r.kind is Kind.SENT and r.src == "mail.cs.tcd.ie"]
    assert [r.dst for r in relayed] == ["mx2.example.org"]
    backup_queue = world.mtas["mx2.example.org"].queue
    assert [e.state for e in backup_queue.entries.values()] == [EntryState.DEFERRED]
    assert not world.mailbox("carol@example.org").messages

    world.run()  # the backup retries after 5 minutes and the primary answers
    msg = _by_subject(world, "carol@example.org", "Lunch on Friday?")
    hops = [" ".join(str(r).split()) for r in msg.get_all("Received")]
    assert [h.split(" by ")[1].split()[0] for h in hops] == [
        "mx1.example.org",
        "mx2.example.org",
        "mail.cs.tcd.ie",
    ]


NO_MX = """
id = "no-mx"
title = "A domain without MX"

[[hosts]]
name = "pc.one.test"
ip = "10.0.1.10"
role = "client"

[[hosts]]
name = "mx.one.test"
ip = "10.0.1.25"
role = "mta"
mta = {{ domains = ["one.test"], relay_for = ["pc.one.test"] }}

[[hosts]]
name = "{box}"
ip = "10.0.2.25"
role = "mta"
mta = {{ domains = ["two.test"] }}

[[links]]
a = "pc.one.test"
b = "mx.one.test"
latency = "1ms"

[[links]]
a = "mx.one.test"
b = "{box}"
latency = "20ms"

[[dns.mx]]
domain = "one.test"
priority = 10
host = "mx.one.test"
{a_record}
[[users]]
address = "u@one.test"
client = "pc.one.test"

[[users]]
address = "v@two.test"

[[messages]]
from = "u@one.test"
to = "v@two.test"
subject = "implicit MX"
"""


@pytest.mark.parametrize(
    "box, a_record",
    [
        ("box.two.test", '[[dns.a]]\nname = "two.test"\nip = "10.0.2.25"\n'),
        ("two.test", ""),  # the domain's A record is the host's own
    ],
    ids=["a-record", "host-named-like-the-domain"],
)
def test_a_domain_without_mx_gets_mail_at_its_a_record(box, a_record):
    world = build_world(parse_scenario(NO_MX.format(box=box, a_record=a_record)))
    world.run()
    answer = next(
        r
        for r in world.trace
        if r.layer is Layer.DNS and r.kind is Kind.ANSWER and r.get("name") == "two.test"
    )
    assert answer.get("fallback") == "A"
    assert _by_subject(world, "v@two.test", "implicit MX")


def test_relaying_is_refused_for_a_client_not_in_relay_for():
    scenario = load_scenario("classroom")
    stranger = scenario.model_copy(
        update={
            "hosts": [
                *scenario.hosts,
                HostSpec(name="cafe.example.com", ip="192.0.2.200", role="client"),
            ],
            "links": [
                *scenario.links,
                LinkSpec(a="cafe.example.com", b="ix.example.net", latency=0.03),
            ],
            "users": [
                *scenario.users,
                UserSpec(address="eve@crepes.fr", name="Eve", client="cafe.example.com"),
            ],
            "messages": [
                MessageSpec(
                    sender="eve@crepes.fr", to=["bob@cs.tcd.ie"], subject="hi", body="from the cafe"
                ),
                MessageSpec(
                    sender="eve@crepes.fr",
                    to=["alice@crepes.fr"],
                    subject="local",
                    body="local mail is not relaying",
                ),
            ],
        }
    )
    world = build_world(stranger)
    world.run()
    # (Postfix 3's default smtpd_relay_restrictions end in defer_unauth_destination: 454)
    replies = [
        r
        for r in world.trace
        if r.kind is Kind.REPLY and r.dst == "cafe.example.com" and 454 in r.get("codes", ())
    ]
    assert len(replies) == 1 and b"Relay access denied" in replies[0].data
    results = [result for _, result in world.agents["eve@crepes.fr"].sent]
    assert not results[0].delivered
    assert results[0].rejected["bob@cs.tcd.ie"].code == 454
    assert results[1].delivered  # a local recipient needs no relaying
    assert all(m.subject != "hi" for m in world.mailbox("bob@cs.tcd.ie").messages)


# -- durations --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, seconds",
    [
        (0, 0.0),
        (2.5, 2.5),
        ("30", 30.0),
        ("2ms", 0.002),
        ("1.5s", 1.5),
        ("10min", 600.0),
        ("5m", 300.0),
        ("1h", 3600.0),
        ("5d", 432000.0),
        ("1h30min", 5400.0),
        (" 2 s ", 2.0),
    ],
)
def test_durations(text, seconds):
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize(
    "text", ["", "fast", "2 parsecs", "-1", -1, "1.5.s", True, [1], "nan", "inf"]
)
def test_bad_durations_say_why(text):
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


# -- problems: one line, with file, line and key path ----------------------------------------

BASE = """\
id = "t"
title = "T"

[[hosts]]
name = "a.test"
ip = "10.0.0.1"
role = "client"

[[hosts]]
name = "mx.test"
ip = "10.0.0.2"
role = "mta"

[hosts.mta]
domains = ["test"]
relay_for = ["a.test"]

[[links]]
a = "a.test"
b = "mx.test"
latency = "2ms"

[[users]]
address = "u@test"
client = "a.test"

[[messages]]
from = "u@test"
to = ["u@test"]
subject = "hi"
"""


def _problems(tmp_path, text):
    path = tmp_path / "s.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return str(path), info.value.problems


def test_the_base_file_is_valid(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(BASE, encoding="utf-8")
    assert load_scenario(path).hosts[1].mta.domains == ["test"]


@pytest.mark.parametrize(
    "old, new, line, keypath, words",
    [
        (
            'relay_for = ["a.test"]',
            'relay_for = ["a.test"]\npersonalty = "postfix-3"',
            17,
            "hosts[1].mta.personalty",
            ["unknown key 'personalty'", "did you mean 'personality'"],
        ),
        ('ip = "10.0.0.2"', "ip = 10", 11, "hosts[1].ip", ["wrong type", "a string"]),
        (
            'relay_for = ["a.test"]',
            'relay_for = ["a.test"]\npersonality = "exim"',
            17,
            "hosts[1].mta.personality",
            [
                "unknown personality 'exim'",
                "postfix-1.1",
                "postfix-3",
                "sendmail-8",
                "sendmail-1988",
                "rfc5321",
            ],
        ),
        (
            'b = "mx.test"',
            'b = "mx.tset"',
            20,
            "links[0].b",
            ["no host named 'mx.tset'", "did you mean 'mx.test'"],
        ),
        (
            'latency = "2ms"',
            'latency = "2 parsecs"',
            21,
            "links[0].latency",
            ["'2 parsecs'", "duration", "10min"],
        ),
        ('role = "mta"', 'role = "mta', 12, "hosts[1]", ["TOML syntax error"]),
        ('ip = "10.0.0.2"', 'ip = "10.0.0.256"', 11, "hosts[1].ip", ["not an IPv4 address"]),
        ('ip = "10.0.0.2"\n', "", 9, "hosts[1].ip", ["required key 'ip' is missing"]),
        ('role = "client"', 'role = "laptop"', 7, "hosts[0].role", ["'laptop'", "'router'"]),
        ('ip = "10.0.0.2"', 'ip = "10.0.0.1"', 11, "hosts[1].ip", ["used twice"]),
        (
            "[[messages]]",
            '[[users]]\naddress = "w@other.test"\n\n[[messages]]',
            28,
            "users[1].address",
            ["no MTA serves other.test"],
        ),
        ('client = "a.test"', "", 28, "messages[0].from", ["has no mail program"]),
        (
            'subject = "hi"',
            'subjekt = "hi"',
            30,
            "messages[0].subjekt",
            ["unknown key", "did you mean 'subject'"],
        ),
        ('id = "t"', 'id = "t"\nstart = "monday"', 2, "start", ["wrong type", "date-time"]),
        (
            "[[users]]",
            '[[dns.mx]]\ndomain = "test"\npriority = 10\nhost = "nowhere.test"\n\n[[users]]',
            26,
            "dns.mx[0].host",
            ["no host named 'nowhere.test'"],
        ),
    ],
    ids=[
        "unknown-key",
        "bad-type",
        "unknown-personality",
        "unknown-host-in-link",
        "bad-duration",
        "toml-syntax",
        "bad-ip",
        "missing-key",
        "bad-role",
        "duplicate-ip",
        "domain-not-served",
        "sender-without-client",
        "typo-in-message",
        "bad-start",
        "unknown-mx-host",
    ],
)
def test_each_problem_is_one_line_with_file_line_and_key(tmp_path, old, new, line, keypath, words):
    assert old in BASE
    path, problems = _problems(tmp_path, BASE.replace(old, new, 1))
    assert len(problems) == 1, [str(p) for p in problems]
    text = str(problems[0])
    assert "\n" not in text
    assert text.startswith(f"{path}:{line}: {keypath}: "), text
    for word in words:
        assert word in text, text


def test_several_problems_are_all_reported(tmp_path):
    text = BASE.replace('b = "mx.test"', 'b = "nowhere"').replace(
        'client = "a.test"', 'client = "elsewhere"'
    )
    _, problems = _problems(tmp_path, text)
    assert [p.keypath for p in problems] == ["links[0].b", "users[0].client"]


def test_attachment_needs_exactly_one_source(tmp_path):
    text = BASE + '\n[[messages.attachments]]\nfilename = "a.txt"\ncontent_type = "text/plain"\n'
    _, problems = _problems(tmp_path, text)
    assert problems[0].keypath == "messages[0].attachments[0]"
    assert problems[0].line == 32
    assert "exactly one of base64" in str(problems[0])


def test_missing_file(tmp_path):
    path = tmp_path / "nothing.toml"
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert str(info.value) == f"{path}:1: (file): no such file (expected a scenario .toml file)"


def test_unknown_builtin_id_lists_the_known_ones():
    with pytest.raises(ScenarioError) as info:
        load_scenario("clasroom")
    text = str(info.value.problems[0])
    assert text.startswith("clasroom:1: (file): no scenario file or built-in scenario named")
    assert "classroom" in text and "\n" not in text


@pytest.mark.parametrize(
    "data",
    [
        b"\xff\xfe not text",
        b"id = 1\n[[hosts]]\nname = 5\n",
        b"just words",
        b"[[hosts]]\n[hosts]\n",
        b"",
    ],
)
def test_bad_input_never_raises_anything_but_scenario_error(tmp_path, data):
    path = tmp_path / "bad.toml"
    path.write_bytes(data)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert info.value.problems
    for problem in info.value.problems:
        assert str(problem).startswith(f"{path}:") and "\n" not in str(problem)


def test_a_scenario_built_in_python_is_checked_too():
    scenario = load_scenario("classroom")
    broken = scenario.model_copy(update={"links": [LinkSpec(a="pc.crepes.fr", b="nowhere")]})
    with pytest.raises(ScenarioError, match=r"links\[0\]\.b: no host named 'nowhere'"):
        build_world(broken)


def test_each_element_of_an_array_written_over_lines_has_its_line():
    from smtp_sim.scenario.problems import TomlLocator

    source = '''id = "x"
checks = [
  { kind = "sent", pattern = "^\\\\[a, b\\\\]" },   # brackets and a comma in a regex
  { kind = "mailbox", address = "bob@x.org",
    subject = "y" },
  { kind = "reply", code = 250 },
]
hints = [
  "one, with a comma",
  """two \\
over lines""", "three",
]
after = 1
'''
    lines = TomlLocator(source).lines
    assert lines[("checks", 0)] == 3 and lines[("checks", 0, "pattern")] == 3
    assert lines[("checks", 1)] == 4 and lines[("checks", 1, "address")] == 4
    assert lines[("checks", 2)] == 6 and lines[("checks", 2, "code")] == 6
    assert [lines[("hints", i)] for i in range(3)] == [9, 10, 11]
    assert lines[("after",)] == 13


def test_a_check_of_any_kind_is_named_with_its_key_and_line(tmp_path, capsys):
    from smtp_sim.cli import main

    path = tmp_path / "lesson.toml"
    path.write_text("""id = "mini"
title = "Mini"
summary = "A tiny lesson"
scenario = "classroom"

[[steps]]
id = "hello"
title = "Say hello"
text = "Connect."
solution = ["telnet mail.cs.tcd.ie 25"]
checks = [
  { kind = "reply", code = 220 },
  { kind = "mailbox", address = "bob@cs.tcd.ie", subjct = "x" },
  { kind = "state", state = "DATA", now = 3 },
]
""")
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith(
        f"{path}:13: steps[0].checks[1].subjct: unknown key 'subjct'; did you mean 'subject'?"
    )
    assert err[1] == (
        f"{path}:14: steps[0].checks[2].now: wrong type: the number 3 (expected true or false)"
    )


def test_a_check_kind_that_does_not_exist_gets_the_nearest_one(tmp_path, capsys):
    from smtp_sim.cli import main

    path = tmp_path / "lesson.toml"
    path.write_text(
        'id = "mini"\ntitle = "Mini"\nsummary = "A tiny lesson"\n'
        'scenario = "classroom"\n\n[[steps]]\nid = "hello"\ntitle = "Hello"\n'
        'text = "Connect."\nsolution = ["telnet mail.cs.tcd.ie 25"]\n'
        'checks = [\n  { kind = "snet", verb = "HELO" },\n]\n'
    )
    assert main(["check", str(path)]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith(
        f"{path}:12: steps[0].checks[0].kind: unknown kind 'snet'; "
        "did you mean 'sent'? (expected one of: sent, data, part, reply"
    )
