"""SPF, DKIM and DMARC in the simulated network (world/mail_auth.py): the checks' results for
pass, fail, softfail and none, a signature broken in transit, DMARC's quarantine and reject of
a spoofed From:, the Authentication-Results field, and the same bytes from the same seed."""

from email import message_from_bytes, policy

import pytest

from smtp_sim.protocol.reply_texts import dmarc_rejection
from smtp_sim.scenario.build import build_world
from smtp_sim.scenario.files import parse_scenario
from smtp_sim.world.mail_auth import Disposition, check_message, derived_key, sign_message
from smtp_sim.world.trace import Kind, Layer
from smtp_sim.world.transcript import to_jsonl
from smtp_sim.world.world import World

SCENARIO = """
id = "mail-auth"
title = "SPF, DKIM and DMARC between Paris and Dublin"
seed = 7
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
domains = ["paris.example"]
relay_for = ["pc.paris.example"]
dkim_sign = true

[[hosts]]
name = "pc.stranger.example"
ip = "198.18.7.66"
role = "client"

[[hosts]]
name = "mx.dublin.example"
ip = "198.51.100.25"
role = "mta"

[hosts.mta]
domains = ["dublin.example"]
auth_checks = true

[[links]]
a = "pc.paris.example"
b = "smtp.paris.example"

[[links]]
a = "smtp.paris.example"
b = "mx.dublin.example"

[[links]]
a = "pc.stranger.example"
b = "mx.dublin.example"

[[dns.mx]]
domain = "dublin.example"
priority = 10
host = "mx.dublin.example"

[[dns.mx]]
domain = "paris.example"
priority = 10
host = "smtp.paris.example"

[[dns.txt]]
name = "paris.example"
text = "v=spf1 ip4:192.0.2.25 -all"

[[dns.txt]]
name = "_dmarc.paris.example"
text = "v=DMARC1; p=POLICY"

[[users]]
address = "alice@paris.example"
name = "Alice"
client = "pc.paris.example"

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


def _world(dmarc_policy: str = "reject", seed: int | None = None) -> World:
    scenario = parse_scenario(SCENARIO.replace("POLICY", dmarc_policy), "mail-auth.toml")
    return build_world(scenario, seed=seed)


def _spoof(world: World) -> None:
    """The stranger writes as Alice, straight to Dublin's server."""
    agent = world.add_agent(
        "pc.stranger.example", "alice@paris.example", "Alice", "mx.dublin.example", 25
    )
    world.clock.at(5.0, agent.send, ["bob@dublin.example"], "Pay this invoice", "Now.")


def _auth_notes(world: World) -> list:
    return [r for r in world.trace if r.layer is Layer.INFO and r.get("disposition")]


def test_signed_mail_from_the_right_server_passes_all_three():
    world = _world()
    world.run()
    box = world.mailbox("bob@dublin.example")
    assert box is not None and len(box.messages) == 1 and not box.junk
    message = message_from_bytes(box.messages[0].data, policy=policy.default)
    results = str(message["Authentication-Results"])
    assert results.startswith("mx.dublin.example;")
    assert "spf=pass smtp.mailfrom=paris.example" in results
    assert "dkim=pass header.d=paris.example" in results
    assert "dmarc=pass" in results and "header.from=paris.example" in results
    signature = str(message["DKIM-Signature"])
    assert "a=ed25519-sha256" in signature and "d=paris.example" in signature
    # t= is the simulated calendar's time (signed 1.13 s after the start), not the wall clock's
    tags = dict(
        part.strip().split("=", 1) for part in "".join(signature.split()).split(";") if part
    )
    assert tags["t"] == str(int(world.start.timestamp()) + 1)
    (note,) = _auth_notes(world)
    assert note.get("spf") == "pass" and note.get("dkim") == "pass" and note.get("dmarc") == "pass"


def test_a_spoofed_from_is_rejected_by_dmarc_with_the_reply_and_a_record_saying_why():
    world = _world("reject")
    _spoof(world)
    world.run()
    box = world.mailbox("bob@dublin.example")
    assert box is not None
    assert [m.subject for m in box.messages] == ["Lunch"]
    spec = dmarc_rejection("paris.example")
    reply = f"{spec.code} {spec.enhanced} {spec.text}\r\n".encode()
    assert reply == b"550 5.7.1 rejected by DMARC policy for paris.example\r\n"
    replies = [r for r in world.trace if r.kind is Kind.REPLY and r.data == reply]
    assert len(replies) == 1 and replies[0].src == "mx.dublin.example"
    notes = _auth_notes(world)
    spoof = notes[-1]
    assert spoof.get("spf") == "fail"
    assert spoof.get("dkim") == "none"
    assert spoof.get("dmarc") == "fail" and spoof.get("policy") == "reject"
    assert spoof.get("disposition") == "reject"
    assert "spf=fail" in spoof.summary and "p=reject" in spoof.summary
    assert "rejected" in spoof.summary


def test_quarantine_puts_the_spoof_in_the_junk_folder():
    world = _world("quarantine")
    _spoof(world)
    world.run()
    box = world.mailbox("bob@dublin.example")
    assert box is not None
    assert [m.subject for m in box.messages] == ["Lunch"]
    assert [m.subject for m in box.junk] == ["Pay this invoice"]
    results = str(box.junk[0].parsed()["Authentication-Results"])
    assert (
        "spf=fail" in results and "dmarc=fail" in results and "policy.dmarc=quarantine" in results
    )
    stored = [r for r in world.trace if r.kind is Kind.STORED and r.get("folder") == "Junk"]
    assert len(stored) == 1


def test_policy_none_delivers_the_spoof_with_its_header():
    world = _world("none")
    _spoof(world)
    world.run()
    box = world.mailbox("bob@dublin.example")
    assert box is not None and not box.junk
    spoof = next(m for m in box.messages if m.subject == "Pay this invoice")
    assert "dmarc=fail" in str(spoof.parsed()["Authentication-Results"])


# -- the checks one by one, against a zone -------------------------------------------------------

MESSAGE = (
    b"From: Alice <alice@paris.example>\r\nTo: bob@dublin.example\r\nSubject: Hi\r\n"
    b"Date: Mon, 05 Jan 2026 09:00:01 +0000\r\nMessage-ID: <1@paris.example>\r\n\r\nHello\r\n"
)


def _zone_world(spf: str | None) -> World:
    world = World(seed=3)
    world.add_host("mx.dublin.example", "198.51.100.25", "mta")
    if spf is not None:
        world.zone.add_txt("paris.example", spf)
    return world


def _check(world: World, content: bytes = MESSAGE, ip: str = "192.0.2.25"):
    return check_message(
        world.resolver,
        checker="mx.dublin.example",
        authserv_id="mx.dublin.example",
        client_ip=ip,
        helo="smtp.paris.example",
        mail_from="alice@paris.example",
        content=content,
        now=world.stamps.unix_time(),
    )


@pytest.mark.parametrize(
    ("record", "ip", "expected"),
    [
        ("v=spf1 ip4:192.0.2.25 -all", "192.0.2.25", "pass"),
        ("v=spf1 ip4:192.0.2.25 -all", "198.18.7.66", "fail"),
        ("v=spf1 ip4:192.0.2.25 ~all", "198.18.7.66", "softfail"),
        (None, "198.18.7.66", "none"),
        ("v=spf1 a:smtp.paris.example -all", "192.0.2.25", "pass"),
    ],
)
def test_spf_results(record, ip, expected):
    world = _zone_world(record)
    world.zone.add_a("smtp.paris.example", "192.0.2.25")
    result = _check(world, ip=ip)
    assert result.spf == expected
    assert f"spf={expected} smtp.mailfrom=paris.example" in result.header
    lookups = [r for r in world.trace if r.layer is Layer.DNS and r.kind is Kind.QUERY]
    assert lookups[0].summary == "query TXT smtp.paris.example?"  # the HELO identity first
    assert any(r.summary == "query TXT paris.example?" for r in lookups)


def test_dkim_passes_and_a_body_changed_in_transit_breaks_the_signature():
    world = _zone_world("v=spf1 -all")
    key = derived_key(world.seed, "paris.example")
    world.zone.add_txt(key.record_name, key.public_record())
    signed = sign_message(key, MESSAGE, world.stamps.unix_time()) + MESSAGE
    assert _check(world, signed).dkim == "pass"
    broken = _check(world, signed.replace(b"Hello", b"Hullo"))
    assert broken.dkim == "fail" and broken.dkim_domain == "paris.example"
    assert broken.dkim_reason == "body hash mismatch"
    assert "dkim=fail header.d=paris.example" in broken.header
    assert _check(world, MESSAGE).dkim == "none"


def test_the_authentication_results_field():
    world = _zone_world("v=spf1 ip4:192.0.2.25 -all")
    world.zone.add_txt("_dmarc.paris.example", "v=DMARC1; p=quarantine")
    result = _check(world, ip="198.18.7.66")
    assert result.header == (
        "Authentication-Results: mx.dublin.example;\r\n"
        "\tspf=fail smtp.mailfrom=paris.example;\r\n"
        "\tdkim=none;\r\n"
        "\tdmarc=fail (Used From Domain Record) header.from=paris.example"
        " policy.dmarc=quarantine"
    )
    assert result.disposition is Disposition.JUNK


def test_the_same_seed_gives_the_same_bytes():
    def run() -> str:
        world = _world("reject", seed=11)
        _spoof(world)
        world.run()
        return to_jsonl(world.trace)

    first, second = run(), run()
    assert first == second
    assert "DKIM-Signature" in first
    assert run() != to_jsonl(_ran(_world("reject", seed=12)).trace)


def _ran(world: World) -> World:
    world.run()
    return world


# -- the scenario keys -----------------------------------------------------------------------------


def test_unknown_and_wrong_keys_are_errors_naming_the_file_and_line():
    from smtp_sim.scenario.problems import ScenarioError

    bad = SCENARIO.replace("POLICY", "reject").replace(
        "auth_checks = true", "auth_checks = true\ndmarc_policy = 'reject'"
    )
    with pytest.raises(ScenarioError) as info:
        parse_scenario(bad, "mail-auth.toml")
    assert "mail-auth.toml:" in str(info.value) and "dmarc_policy" in str(info.value)
    keyed = SCENARIO.replace("POLICY", "reject") + (
        '\n[[dkim]]\ndomain = "nowhere.example"\nprivate_key = "c2hvcnQ="\n'
    )
    with pytest.raises(ScenarioError) as info:
        parse_scenario(keyed, "mail-auth.toml")
    text = str(info.value)
    assert "dkim[0].private_key" in text or "private_key" in text
    assert "Ed25519" in text


def test_a_given_key_signs_and_is_published_under_its_selector():
    key = derived_key(99, "paris.example", "s2026")
    scenario = SCENARIO.replace("POLICY", "reject") + (
        f'\n[[dkim]]\ndomain = "paris.example"\nselector = "s2026"\n'
        f'private_key = "{key.private_key}"\n'
    )
    world = build_world(parse_scenario(scenario, "mail-auth.toml"))
    assert world.zone.txt["s2026._domainkey.paris.example"] == [key.public_record()]
    world.run()
    box = world.mailbox("bob@dublin.example")
    assert box is not None
    message = box.messages[0].parsed()
    assert "s=s2026" in str(message["DKIM-Signature"])
    assert "dkim=pass" in str(message["Authentication-Results"])


def test_a_scenario_that_does_not_opt_in_has_no_txt_records_and_loads_no_library():
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from smtp_sim.scenario.build import build_world\n"
        "from smtp_sim.scenario.files import load_scenario\n"
        "w = build_world(load_scenario('classroom')); w.run()\n"
        "assert not w.zone.txt\n"
        "print(sorted(m for m in ('dkim', 'spf', 'authheaders', 'nacl') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_built_in_network_shows_a_spoof_rejected_by_dmarc():
    from smtp_sim.scenario.files import load_scenario

    world = build_world(load_scenario("mail-auth-net"))
    world.run()
    box = world.mailbox("bob@cs.tcd.ie")
    assert box is not None and [m.subject for m in box.messages] == ["Lunch on Friday"]
    results = str(box.messages[0].parsed()["Authentication-Results"])
    assert "spf=pass" in results and "dkim=pass" in results and "dmarc=pass" in results
    reply = b"550 5.7.1 rejected by DMARC policy for crepes.fr\r\n"
    assert [r.src for r in world.trace if r.kind is Kind.REPLY and r.data == reply] == [
        "mail.cs.tcd.ie"
    ]
    spoof = _auth_notes(world)[-1]
    assert (spoof.get("spf"), spoof.get("dkim"), spoof.get("dmarc")) == ("none", "none", "fail")
    bounced = world.mailbox("mallory@example.com")
    assert bounced is not None and len(bounced.messages) == 1  # the relay's bounce


def test_signatures_are_judged_by_the_simulated_clock_not_the_wall_clock():
    from datetime import UTC, datetime

    import dkim

    world = _zone_world("v=spf1 -all")
    world.start = datetime(2099, 1, 1, tzinfo=UTC)  # far past any real clock running this
    key = derived_key(world.seed, "paris.example")
    world.zone.add_txt(key.record_name, key.public_record())
    signed = sign_message(key, MESSAGE, world.stamps.unix_time()) + MESSAGE
    assert f"t={int(world.start.timestamp())}".encode() in signed
    assert _check(world, signed).dkim == "pass"
    # the same signature read by dkimpy on the wall clock: its t= is in the future
    with pytest.raises(dkim.ValidationError, match="in the future"):
        dkim.DKIM(signed).verify(dnsfunc=lambda name, timeout=5: key.public_record().encode())


def test_the_capture_has_the_checks_txt_lookups(tmp_path):
    import dpkt

    from smtp_sim.scenario.files import load_scenario
    from smtp_sim.world.pcap import write_pcapng

    world = build_world(load_scenario("mail-auth-net"))
    world.run()
    path = tmp_path / "auth.pcapng"
    with path.open("wb") as out:
        write_pcapng(world, out)
    answers = {}
    with path.open("rb") as capture:
        for _, frame in dpkt.pcapng.Reader(capture):
            udp = dpkt.ethernet.Ethernet(frame).data.data
            if isinstance(udp, dpkt.udp.UDP) and udp.sport == 53:
                message = dpkt.dns.DNS(udp.data)
                for rr in message.an:
                    if rr.type == dpkt.dns.DNS_TXT:
                        answers[message.qd[0].name] = rr.text
    assert answers["_dmarc.crepes.fr"] == ["v=DMARC1; p=reject"]
    assert answers["crepes.fr"] == ["v=spf1 ip4:192.0.2.25 -all"]
    assert answers["mail._domainkey.crepes.fr"][0].startswith("v=DKIM1; k=ed25519; p=")


@pytest.mark.parametrize(
    "record", ["v=DKIM1; k=ed25519; p=garbage!!", "nonsense", "v=DKIM1; k=rsa; p=AAAA"]
)
def test_a_wrong_key_record_fails_the_signature_and_nothing_else(record):
    world = _zone_world("v=spf1 ip4:192.0.2.25 -all")
    key = derived_key(world.seed, "paris.example")
    world.zone.add_txt(key.record_name, record)
    world.zone.add_txt("_dmarc.paris.example", "v=DMARC1; p=reject")
    signed = sign_message(key, MESSAGE, world.stamps.unix_time()) + MESSAGE
    result = _check(world, signed)
    assert (result.spf, result.dkim, result.dmarc) == ("pass", "fail", "pass")
    assert result.disposition is Disposition.DELIVER


def test_a_message_without_a_from_field_has_no_dmarc_result_and_is_delivered():
    """mail-auth step 3 with the From: line typed after the empty line: the message had no
    From: field, and authheaders' check_dmarc raised UnboundLocalError (its 'no From' branch
    names a variable it never set): the world stopped. With no author domain there is no
    DMARC policy to apply (RFC 7489 section 6.6.1 leaves such messages to local policy)."""
    world = _zone_world("v=spf1 ip4:192.0.2.25 -all")
    world.zone.add_txt("_dmarc.paris.example", "v=DMARC1; p=reject")
    head, _, body = MESSAGE.partition(b"\r\n\r\n")
    without = b"\r\n".join(h for h in head.split(b"\r\n") if not h.startswith(b"From:"))
    result = _check(world, without + b"\r\n\r\n" + body, ip="198.18.7.66")
    assert result.dmarc == "none" and result.from_domain == ""
    assert result.disposition is Disposition.DELIVER
    assert result.header.endswith("\tdmarc=none")
