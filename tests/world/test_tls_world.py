"""TLS on the simulated network (world/tls.py, world/tap.py): the handshake after STARTTLS's
220 and on port 465, a real X.509 certificate judged by the simulated clock, ciphertext on the
link and plaintext at the ends, each certificate problem under each client policy, a tap, the
STRIPTLS attacker, and the same seed giving the same bytes."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID

from smtp_sim.scenario.build import build_world
from smtp_sim.scenario.files import parse_scenario
from smtp_sim.scenario.problems import ScenarioError
from smtp_sim.world.pcap import pcapng_bytes
from smtp_sim.world.tls import records
from smtp_sim.world.trace import Kind, Layer, TraceRecord
from smtp_sim.world.transcript import to_jsonl
from smtp_sim.world.world import World

NETWORK = (Path(__file__).resolve().parents[2] / "lessons" / "starttls-net.toml").read_text("utf-8")
RELAY = "smtp.crepes.fr"
DUBLIN = "mail.cs.tcd.ie"
SECRET = b"Nobody else needs to know"


def world_of(text: str = NETWORK, **replace: str) -> World:
    for old, new in replace.items():
        assert old in text, old
        text = text.replace(old, new)
    world = build_world(parse_scenario(text))
    world.run(until=3600)
    return world


def with_problems(*problems: str, policy: str = "opportunistic") -> World:
    listed = ", ".join(f'"{p}"' for p in problems)
    return world_of(
        **{
            '[hosts.tls]\nstarttls = true\n\n[[hosts]]\nname = "pc.cs.tcd.ie"': (
                f"[hosts.tls]\nstarttls = true\nproblems = [{listed}]\n\n[[hosts]]\n"
                'name = "pc.cs.tcd.ie"'
            ),
            'tls_policy = "opportunistic"      #': f'tls_policy = "{policy}" #',
        }
    )


def relay_records(world: World) -> list[TraceRecord]:
    """The records of the relay connection, Paris to Dublin."""
    conn = next(r.conn for r in world.trace if r.layer is Layer.TCP and r.dst == DUBLIN)
    return [r for r in world.trace if r.conn == conn]


def handshake_messages(payload: bytes) -> dict[int, bytes]:
    """A handshake record's messages by type: type (1 octet), length (3), body."""
    out, at = {}, 0
    while at + 4 <= len(payload):
        length = int.from_bytes(payload[at + 1 : at + 4], "big")
        out[payload[at]] = payload[at + 4 : at + 4 + length]
        at += 4 + length
    return out


def delivered(world: World) -> bool:
    box = world.mailbox("bob@cs.tcd.ie")
    return box is not None and any(SECRET in m.data for m in box.messages)


def test_the_handshake_is_three_named_steps_with_the_certificate():
    records_ = relay_records(world_of())
    steps = [r.get("tls") for r in records_ if r.layer is Layer.TLS and r.kind is Kind.HANDSHAKE]
    assert steps == ["ClientHello", "ServerHello+Certificate", "Finished"]
    hello = next(r for r in records_ if r.get("tls") == "ServerHello+Certificate")
    assert hello.src == DUBLIN and hello.dst == RELAY
    assert hello.get("subject") == "CN=mail.cs.tcd.ie"
    assert hello.get("issuer") == "CN=smtp-sim Teaching CA,O=smtp-sim"
    # start = 2026-01-05T09:00:00Z: made 30 days before, valid for a year after
    assert hello.get("not_before") == "2025-12-06T09:00:00+00:00"
    assert hello.get("not_after") == "2027-01-05T09:00:00+00:00"
    assert hello.get("names") == ("mail.cs.tcd.ie",)
    # the bytes that crossed hold a real DER certificate saying the same
    der = handshake_messages(records(hello.data)[0][1])[11][3:]  # (Certificate: 3-octet length)
    cert = x509.load_der_x509_certificate(der)
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == DUBLIN
    assert cert.not_valid_after_utc.isoformat() == hello.get("not_after")
    verdict = next(r for r in records_ if r.layer is Layer.TLS and r.kind is Kind.NOTE)
    assert verdict.get("verdict") == "valid"
    # then the session starts over inside TLS, EHLO first (RFC 3207 section 4.2)
    finished = records_.index(next(r for r in records_ if r.get("tls") == "Finished"))
    after = [r for r in records_[finished:] if r.kind is Kind.COMMAND]
    assert after[0].data == b"EHLO smtp.crepes.fr\r\n"


def test_the_ends_read_plaintext_the_link_carries_ciphertext():
    world = world_of()
    assert delivered(world)
    inside = [r for r in relay_records(world) if r.get("ciphertext") is not None]
    content = next(r for r in inside if r.kind is Kind.CONTENT)
    assert SECRET in content.data  # what the relay wrote
    sealed = bytes.fromhex(content.get("ciphertext"))
    assert SECRET not in sealed and b"Subject" not in sealed
    assert [t for t, _ in records(sealed)] == [23]  # TLS application data
    assert all(r.layer is Layer.SMTP for r in inside)
    # the commands before STARTTLS crossed as they were
    plain = [r for r in relay_records(world) if r.kind is Kind.COMMAND and not r.get("ciphertext")]
    assert [r.data for r in plain] == [b"EHLO smtp.crepes.fr\r\n", b"STARTTLS\r\n"]


def test_the_tap_reads_plaintext_before_starttls_and_only_ciphertext_after():
    world = world_of()
    tapped = [r for r in relay_records(world) if r.kind is Kind.TAPPED]
    assert tapped and all(r.layer is Layer.TAP for r in tapped)
    hello = next(i for i, r in enumerate(tapped) if r.data[:1] == b"\x16")
    before, after = tapped[:hello], tapped[hello:]
    assert [r.data.split(b"\r\n")[0] for r in before] == [
        b"220 mail.cs.tcd.ie ESMTP Postfix",
        b"EHLO smtp.crepes.fr",
        b"250-mail.cs.tcd.ie",
        b"STARTTLS",
        b"220 2.0.0 Ready to start TLS",
    ]
    assert not any(r.get("encrypted") for r in before)
    assert all(r.get("encrypted") for r in after)
    for r in after:
        assert b"MAIL FROM" not in r.data and SECRET not in r.data and b"bob@" not in r.data
    assert "ciphertext" in after[-1].summary and "tap on gw.crepes.fr" in after[-1].summary
    # the handshake's names cross in the clear in this model (TLS 1.3 would encrypt them)
    assert "the client asks for mail.cs.tcd.ie" in after[0].summary
    assert "who the server says it is: CN=mail.cs.tcd.ie" in after[1].summary
    # Alice's own submission did not cross the tapped link
    assert {r.conn for r in tapped} == {relay_records(world)[0].conn}


def test_same_seed_same_bytes_other_seed_other_ciphertext():
    one, two = world_of(), world_of()
    assert to_jsonl(one.trace) == to_jsonl(two.trace)
    assert pcapng_bytes(one) == pcapng_bytes(two)
    other = world_of(**{"seed = 1": "seed = 2"})

    def sealed(world: World) -> list[str]:
        return [r.get("ciphertext") for r in world.trace if r.get("ciphertext")]

    assert len(sealed(one)) == len(sealed(other))
    assert not set(sealed(one)) & set(sealed(other))
    assert [r.data for r in one.trace if r.kind is Kind.CONTENT] == [
        r.data for r in other.trace if r.kind is Kind.CONTENT
    ]


def test_the_capture_holds_the_ciphertext_not_the_message():
    capture = pcapng_bytes(world_of())
    assert SECRET not in capture and b"Lunch on Friday" not in capture
    assert b"STARTTLS" in capture  # before the handshake: in the clear
    assert b"\x17\x03\x03" in capture


WHY = {
    "wrong_name": "the certificate is for www.cs.tcd.ie, not mail.cs.tcd.ie",
    "expired": "the certificate expired on 2025-12-01 09:00 UTC (the simulated clock says "
    "2026-01-05 09:00 UTC",
    "self_signed": "the certificate is self-signed",
}


@pytest.mark.parametrize("problem", sorted(WHY))
def test_a_certificate_problem_warns_an_opportunistic_client(problem):
    world = with_problems(problem)
    verdict = next(r for r in relay_records(world) if r.get("verdict"))
    assert verdict.layer is Layer.TLS and verdict.kind is Kind.NOTE
    assert verdict.get("verdict") == "warned" and verdict.get("problems") == (problem,)
    assert verdict.summary.startswith(f"warning: {WHY[problem]}")
    assert "Opportunistic TLS goes on (RFC 7435)" in verdict.summary
    assert delivered(world)


@pytest.mark.parametrize("problem", sorted(WHY))
def test_a_certificate_problem_stops_a_client_that_requires_tls(problem):
    world = with_problems(problem, policy="required")
    records_ = relay_records(world)
    verdict = next(r for r in records_ if r.get("verdict"))
    assert verdict.layer is Layer.TLS and verdict.kind is Kind.ERROR
    assert verdict.get("verdict") == "refused" and verdict.get("problems") == (problem,)
    assert verdict.summary.startswith("TLS is required (MTA-STS, RFC 8461 section 5) and ")
    assert WHY[problem] in verdict.summary
    alert = records_[records_.index(verdict) + 1]
    assert alert.get("tls") == "alert" and alert.data[:1] == b"\x15"
    assert not any(r.kind is Kind.COMMAND and r.get("ciphertext") for r in records_)
    assert not delivered(world)
    deferred = next(r for r in world.trace if r.kind is Kind.DEFERRED)
    assert "TLS handshake refused" in deferred.summary and WHY[problem] in deferred.summary


def test_every_problem_at_once_is_named():
    world = with_problems("wrong_name", "expired", "self_signed")
    verdict = next(r for r in relay_records(world) if r.get("verdict"))
    assert verdict.get("problems") == ("wrong_name", "expired", "self_signed")


STRIP = {'# attacker = "striptls"           # someone': 'attacker = "striptls"           # someone'}


def test_striptls_downgrades_an_opportunistic_client_and_the_tap_reads_everything():
    world = world_of(**STRIP)
    records_ = relay_records(world)
    tampered = next(r for r in records_ if r.kind is Kind.TAMPERED)
    assert (
        b"STARTTLS" not in tampered.data
        and b"250-STARTTLS" in records_[records_.index(tampered) - 1].data
    )  # the server offered it; the client read the reply without it
    assert not any(r.layer is Layer.TLS for r in records_)
    tapped = b"".join(r.data for r in records_ if r.kind is Kind.TAPPED)
    assert SECRET in tapped and b"MAIL FROM:<alice@crepes.fr>" in tapped
    assert delivered(world)


def test_striptls_makes_a_client_that_requires_tls_refuse():
    world = world_of(
        **STRIP,
        **{'tls_policy = "opportunistic"      #': 'tls_policy = "required" #'},
    )
    records_ = relay_records(world)
    refusal = next(r for r in records_ if r.layer is Layer.TLS)
    assert refusal.kind is Kind.ERROR and refusal.src == RELAY
    assert refusal.summary.startswith(
        "smtp.crepes.fr refuses to go on: TLS is required (MTA-STS, RFC 8461 section 5) but "
        "the server did not offer STARTTLS"
    )
    commands = [r.data for r in records_ if r.kind is Kind.COMMAND]
    assert commands == [b"EHLO smtp.crepes.fr\r\n", b"QUIT\r\n"]
    assert not delivered(world)
    assert any(
        r.kind is Kind.DEFERRED and "did not offer STARTTLS" in r.summary for r in world.trace
    )


def test_port_465_is_tls_from_the_first_byte():
    world = world_of(**{"# port = 465 ": "port = 465 "})
    conn = next(r.conn for r in world.trace if r.layer is Layer.TCP and "465" in r.summary)
    records_ = [r for r in world.trace if r.conn == conn and r.layer is not Layer.TCP]
    assert [r.get("tls") for r in records_[:2]] == ["ClientHello", "ServerHello+Certificate"]
    greeting = next(r for r in records_ if r.kind is Kind.REPLY)
    assert records_.index(greeting) > records_.index(
        next(r for r in records_ if r.get("tls") == "Finished")
    )
    assert greeting.get("ciphertext") is not None
    # no STARTTLS inside TLS; AUTH offered at once (smtpd_tls_auth_only is satisfied)
    ehlo_reply = next(r for r in records_ if r.kind is Kind.REPLY and r.data.startswith(b"250-"))
    assert b"STARTTLS" not in ehlo_reply.data and b"AUTH PLAIN LOGIN" in ehlo_reply.data
    assert not any(r.kind is Kind.COMMAND and r.data == b"STARTTLS\r\n" for r in records_)
    assert delivered(world)


def test_a_plaintext_client_on_port_465_fails_the_handshake():
    from smtp_sim.world.student_terminal import StudentTerminal

    world = world_of()
    terminal = StudentTerminal(world, "pc.crepes.fr")
    terminal.enter("telnet smtp.crepes.fr 465")
    world.run(until=world.now + 5)
    terminal.enter("EHLO me")
    world.run(until=world.now + 5)
    mine = [r for r in world.trace if r.conn is not None and r.dst == RELAY and r.time > 3000]
    assert not any(r.kind is Kind.REPLY for r in world.trace if r.time > 3000)  # no greeting
    failure = next(r for r in world.trace if r.layer is Layer.TLS and r.kind is Kind.ERROR)
    assert "expected a TLS ClientHello (implicit TLS, RFC 8314 section 3.3)" in failure.summary
    assert mine


def test_scenario_keys_are_checked():
    sendmail = NETWORK.replace(
        'personality = "postfix-3"\ndomains = ["cs.tcd.ie"]',
        'personality = "sendmail-8"\ndomains = ["cs.tcd.ie"]',
    )
    with pytest.raises(ScenarioError, match=r"hosts\[4\]\.tls: sendmail-8 does not offer TLS"):
        parse_scenario(sendmail)
    no_465 = NETWORK.replace("implicit = true ", "implicit = false").replace(
        "# port = 465 ", "port = 465 "
    )
    with pytest.raises(
        ScenarioError, match=r"port 465 is implicit TLS, and smtp\.crepes\.fr does not offer it"
    ):
        parse_scenario(no_465)
    with pytest.raises(ScenarioError, match="problems"):
        parse_scenario(NETWORK.replace('# problems = ["expired"]', 'problems = ["stale"]'))


def test_a_world_without_tls_keys_looks_at_no_segment():
    world = world_of(**{"tap = true  ": "tap = false "})
    assert not world.network.watching
    assert not any(r.layer is Layer.TAP for r in world.trace)


@pytest.mark.parametrize(
    "typed",
    [
        b"\x16\x03\x03\x00\x06\x01\x00\x00\x02ab\r\n",
        b"\x16\x03\x03\x00\x00\r\n",
        b"\x17\x03\x03\x00\x01x\r\n",
    ],
)
def test_octets_that_look_like_a_record_fail_the_handshake_without_a_traceback(typed):
    from smtp_sim.world.network import SUBMISSIONS_PORT

    world = world_of()
    conn = world.network.connect(
        "pc.crepes.fr", RELAY, SUBMISSIONS_PORT, _Silent(), on_fail=lambda reason: None
    )
    world.run(until=world.now + 1)
    conn.send("pc.crepes.fr", typed, Kind.COMMAND, "typed")
    world.run(until=world.now + 5)
    assert conn.tls is not None and conn.tls.failed
    assert not any(r.kind is Kind.REPLY and r.conn == conn.id for r in world.trace)


class _Silent:
    """A client endpoint that does nothing by itself: a person at the simulated telnet."""

    may_fall_silent = True

    def on_open(self, conn):
        pass

    def on_data(self, conn, data):
        pass

    def on_close(self, conn):
        pass


def test_an_attacker_strips_a_starttls_that_was_the_last_line():
    from smtp_sim.world.tap import crossing

    world = world_of(**STRIP)
    conn = next(
        c for c in [world.network.connect("smtp.crepes.fr", DUBLIN, 25, _Silent(), on_fail=print)]
    )
    world.run(until=world.now + 1)
    reply = b"250-mail.cs.tcd.ie\r\n250-PIPELINING\r\n250 STARTTLS\r\n"
    assert crossing(conn, DUBLIN, RELAY, reply) == b"250-mail.cs.tcd.ie\r\n250 PIPELINING\r\n"
    assert crossing(conn, DUBLIN, RELAY, b"250 2.1.0 Ok\r\n") == b"250 2.1.0 Ok\r\n"


def test_validity_is_judged_by_the_simulated_clock():
    """The certificate is valid for a year from the scenario's start; a message sent 366
    virtual days later meets it expired (the clock's 0 is ``start``: Stamps.start)."""
    world = build_world(parse_scenario(NETWORK.replace('at = "1s"', 'at = "366d"')))
    world.run(until=367 * 86400)
    verdict = next(r for r in relay_records(world) if r.get("verdict"))
    assert verdict.get("verdict") == "warned" and verdict.get("problems") == ("expired",)
    assert verdict.summary.startswith(
        "warning: the certificate expired on 2027-01-05 09:00 UTC (the simulated clock says "
        "2027-01-06 09:00 UTC"
    )


class _Real(_Silent):
    """A real client over the bridge: its TLS was made on the real socket."""

    may_fall_silent = False

    def __init__(self):
        self.received = b""

    def on_data(self, conn, data):
        self.received += data


def test_a_real_client_over_the_bridge_speaks_plaintext_inside_the_simulation():
    from smtp_sim.world.network import SUBMISSIONS_PORT

    world = world_of()
    real = _Real()
    conn = world.network.connect(
        "pc.crepes.fr", RELAY, SUBMISSIONS_PORT, real, on_fail=lambda reason: None
    )
    world.run(until=world.now + 1)
    assert conn.tls is None and real.received == b"220 smtp.crepes.fr ESMTP Postfix\r\n"
    conn.send("pc.crepes.fr", b"EHLO real.example\r\n", Kind.COMMAND, "EHLO")
    world.run(until=world.now + 1)
    assert b"250-AUTH PLAIN LOGIN" in real.received and b"STARTTLS" not in real.received


def test_the_students_console_makes_the_handshake_after_starttls_as_openssl_would():
    """telnet cannot speak TLS: after STARTTLS's 220 the console makes the handshake itself
    (openssl s_client -starttls smtp), so what the student types next crosses the link as
    ciphertext while the student still reads plain text."""
    from smtp_sim.course.lesson import load_lesson
    from smtp_sim.course.session import LessonSession

    session = LessonSession(load_lesson("submission-auth"))
    for line in [
        "telnet smtp.crepes.fr 587",
        "ehlo laptop.cafe.example",
        "starttls",
        "ehlo laptop.cafe.example",
        "auth plain AGFsaWNlAHdvbmRlcmxhbmQ=",
    ]:
        session.enter(line)
    records = session.world.trace.records
    steps = [r.summary.split(":")[0] for r in records if r.kind is Kind.HANDSHAKE]
    assert steps == ["TLS ClientHello", "TLS ServerHello + Certificate", "TLS Finished"]
    student = [r for r in records if r.kind is Kind.COMMAND and r.get("student")]
    before, after = student[:2], student[2:]  # (ehlo, starttls; then ehlo, auth)
    assert [r.get("ciphertext") for r in before] == [None, None]
    assert after and all(r.get("ciphertext") for r in after)
    assert "auth plain" in after[-1].summary  # plain text at the two ends
    shown = [o.text for o in session.terminal.output]
    assert any("makes the TLS handshake for you" in text for text in shown)
    assert any(text.startswith("235 2.7.0") for text in shown)
