"""sendmail-8 inside a simulated network: the client's name from the world's DNS, and
PrivacyOptions=goaway as a scenario setting. The texts are the reference's (Debian 12's
sendmail 8.17.1.9, conformance/setup_sendmail.sh), probed by hand from 127.0.0.5: with
"127.0.0.5 client.example.net" added to its /etc/hosts it greeted "logging access from:
client.example.net(OK)-client.example.net [127.0.0.5]", said "Hello client.example.net
[127.0.0.5]" and refused relaying with a plain "550 5.7.1 <carol@example.org>... Relaying
denied"; with "O PrivacyOptions=goaway" in its sendmail.cf it answered VRFY (even before HELO,
even without an argument) 252 2.5.2 and EXPN 502 5.7.0, and listed neither EXPN nor VERB."""

from smtp_sim.scenario.build import build_world
from smtp_sim.scenario.files import load_scenario
from smtp_sim.world.student_terminal import StudentTerminal
from smtp_sim.world.trace import Kind


def _replies(scenario: str, client: str, server: str, lines: list[str]) -> list[bytes]:
    world = build_world(load_scenario(scenario).model_copy(update={"messages": []}))
    terminal = StudentTerminal(world, client)
    terminal.connect(server, 25)
    terminal.run_until_answer()
    for line in lines:
        terminal.enter(line)
        terminal.run_until_answer()
    return [r.data for r in world.trace if r.kind is Kind.REPLY and r.src == server]


def test_a_scenario_host_is_greeted_by_its_name():
    """sendmail says Hello with the name its reverse lookup found, whatever HELO said."""
    greeting, helo = _replies("classroom", "pc.crepes.fr", "mx2.example.org", ["HELO x"])
    assert b"logging access from: pc.crepes.fr(OK)-pc.crepes.fr [192.0.2.10]" in greeting
    assert helo == b"250 mx2.example.org Hello pc.crepes.fr [192.0.2.10], pleased to meet you\r\n"


def test_goaway_keeps_vrfy_and_expn_quiet():
    replies = _replies(
        "verify-expand-net",
        "pc.crepes.fr",
        "mail.example.org",
        [
            "VRFY alice",
            "EXPN staff",
            "MAIL FROM:<a@crepes.fr>",
            "EHLO x",
            "VRFY carol",
            "VRFY",
            "EXPN",
        ],
    )
    vrfy = b"252 2.5.2 Cannot VRFY user; try RCPT to attempt delivery (or try finger)\r\n"
    expn = b"502 5.7.0 Sorry, we do not allow this operation\r\n"
    assert replies[1:4] == [vrfy, expn, b"503 5.0.0 Polite people say HELO first\r\n"]
    assert b"250-EXPN" not in replies[4] and b"250-VERB" not in replies[4]
    assert b"250-ETRN\r\n" in replies[4]
    assert replies[5:] == [vrfy, vrfy, expn]
