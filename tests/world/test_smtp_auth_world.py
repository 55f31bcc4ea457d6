"""SMTP AUTH and STARTTLS in the simulated network: a Postfix MTA with
smtpd_sasl_auth_enable relays for a user who authenticates (permit_sasl_authenticated), not
for a stranger; the mail client sends AUTH PLAIN with its password; STARTTLS leaves a "TLS
started" record; nothing changes without the options."""

from smtp_sim.scenario.build import build_world
from smtp_sim.scenario.files import parse_scenario
from smtp_sim.world.student_terminal import StudentTerminal
from smtp_sim.world.trace import Kind, Layer
from smtp_sim.world.world import World

SCENARIO = """
id = "submission"
title = "Submission with AUTH"
seed = 3
start = 2026-01-05T09:00:00Z

[[hosts]]
name = "pc.paris.example"
ip = "192.0.2.10"
role = "client"

[[hosts]]
name = "smtp.paris.example"
ip = "192.0.2.25"
role = "mta"

[hosts.mta]
personality = "postfix-3.7"
domains = ["paris.example"]
OPTIONS

[[hosts]]
name = "mx.dublin.example"
ip = "198.51.100.25"
role = "mta"

[hosts.mta]
domains = ["dublin.example"]

[[links]]
a = "pc.paris.example"
b = "smtp.paris.example"

[[links]]
a = "smtp.paris.example"
b = "mx.dublin.example"

[[dns.mx]]
domain = "dublin.example"
priority = 10
host = "mx.dublin.example"

[[users]]
address = "alice@paris.example"
name = "Alice"
client = "pc.paris.example"
PASSWORD

[[users]]
address = "bob@dublin.example"
name = "Bob"

[[messages]]
at = "1s"
from = "alice@paris.example"
to = "bob@dublin.example"
subject = "Lunch"
body = "Crepes at noon?"
"""

SASL = 'smtpd_sasl_auth_enable = true\nsmtpd_tls_security_level = "may"'


def _world(options: str = SASL, password: str = "") -> World:
    text = SCENARIO.replace("OPTIONS", options).replace("PASSWORD", password)
    return build_world(parse_scenario(text, "submission.toml"))


def _wire(world: World) -> bytes:
    return b"".join(r.data for r in world.trace if r.layer is Layer.SMTP)


def test_an_authenticated_user_relays_through_submission() -> None:
    world = _world()
    world.run()
    wire = _wire(world)
    assert b"250-STARTTLS\r\n250-AUTH PLAIN LOGIN\r\n" in wire
    assert b"STARTTLS\r\n220 2.0.0 Ready to start TLS\r\nEHLO pc.paris.example\r\n" in wire
    assert b"AUTH PLAIN AGFsaWNlQHBhcmlzLmV4YW1wbGUAc2VjcmV0\r\n" in wire  # \0alice@...\0secret
    assert b"235 2.7.0 Authentication successful\r\n" in wire
    box = world.mailbox("bob@dublin.example")
    assert box is not None and len(box.messages) == 1


def test_a_wrong_password_gets_535_and_nothing_is_sent() -> None:
    world = _world()
    world.agents["alice@paris.example"].password = "guess"
    world.run()
    wire = _wire(world)
    assert b"535 5.7.8 Error: authentication failed: (reason unavailable)\r\n" in wire
    assert b"MAIL FROM" not in wire
    box = world.mailbox("bob@dublin.example")
    assert box is not None and not box.messages


def test_without_sasl_a_stranger_is_not_relayed() -> None:
    world = _world(options="")
    world.run()
    wire = _wire(world)
    assert b"AUTH" not in wire and b"STARTTLS" not in wire
    assert b"454 4.7.1 <bob@dublin.example>: Relay access denied\r\n" in wire


def test_starttls_leaves_a_tls_started_record() -> None:
    world = _world()
    terminal = StudentTerminal(world, "pc.paris.example")
    terminal.connect("smtp.paris.example", 25)
    terminal.run_until_answer()
    for line in ("EHLO pc.paris.example", "STARTTLS", "EHLO pc.paris.example"):
        terminal.enter(line)
        terminal.run_until_answer()
    wire = _wire(world)
    assert b"220 2.0.0 Ready to start TLS\r\n" in wire
    (note,) = [r for r in world.trace if r.layer is Layer.INFO and r.get("tls") == "started"]
    assert note.kind is Kind.NOTE and note.summary.startswith("TLS started")
    after = wire.split(b"Ready to start TLS")[1]
    assert b"250-STARTTLS" not in after and b"250-AUTH PLAIN LOGIN" in after


def test_the_same_seed_gives_the_same_bytes() -> None:
    first, second = _world(), _world()
    first.run()
    second.run()
    assert _wire(first) == _wire(second)


def test_only_postfix_3_takes_the_options() -> None:
    import pytest

    from smtp_sim.scenario.problems import ScenarioError

    text = SCENARIO.replace("OPTIONS", "smtpd_sasl_auth_enable = true").replace("PASSWORD", "")
    with pytest.raises(ScenarioError, match="does not offer AUTH"):
        build_world(parse_scenario(text.replace('"postfix-3.7"', '"sendmail-8"'), "s.toml"))


def test_with_auth_only_in_tls_the_client_says_starttls_first() -> None:
    world = _world(SASL + "\nsmtpd_tls_auth_only = true")
    world.run()
    wire = _wire(world)
    before, after = wire.split(b"220 2.0.0 Ready to start TLS\r\n")
    assert b"AUTH PLAIN LOGIN" not in before and b"250-AUTH PLAIN LOGIN" in after
    assert b"235 2.7.0 Authentication successful\r\n" in after
    box = world.mailbox("bob@dublin.example")
    assert box is not None and len(box.messages) == 1


def test_received_says_esmtpsa_after_starttls_and_auth() -> None:
    """RFC 3848's protocol names, as receive_data_message() of Postfix 3.7.11's smtpd.c
    writes them ("with %s%s%s id %s": ESMTP, S inside TLS, A after AUTH)."""
    world = _world()
    world.run()
    box = world.mailbox("bob@dublin.example")
    assert box is not None
    (message,) = box.messages
    received = [line for line in message.data.split(b"\r\n") if b" with " in line]
    assert received[1].startswith(b"\tby smtp.paris.example (Postfix) with ESMTPSA id ")
    assert b" with ESMTP id " in received[0]  # the relay to mx.dublin.example: no TLS, no AUTH
