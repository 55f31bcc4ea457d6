"""The simulated sendmail-8 answers byte for byte as the real one did.

tests/protocol/data/sendmail-8.17-dialogues.json holds dialogues recorded from Debian 12's
sendmail 8.17.1.9 with its default sendmail.mc (conformance/setup_sendmail.sh; recorded by
conformance/record_sendmail.py from 127.0.0.5): each chunk the client sent and the bytes that
came back before the next. Here the same chunks go to the engine, with the reference's
configuration as a policy, and every reply must be the recorded one (the date and the queue id
aside, which differ from run to run). KNOWN lists the few replies the simulation does not give,
each with its reason (see docs/conformance.md).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from smtp_sim.protocol.events import Signal
from smtp_sim.protocol.policy import MailPolicy
from smtp_sim.protocol.server import ServerConnection

DATA = Path(__file__).parent / "data" / "sendmail-8.17-dialogues.json"
FIXTURE = json.loads(DATA.read_text(encoding="utf-8"))
DIALOGUES = {d["name"]: d for d in FIXTURE["dialogues"]}

#: the names the reference resolves (its /etc/hosts): a sender elsewhere is refused at RCPT
RESOLVES = {
    "cs.tcd.ie",
    "mail.cs.tcd.ie",
    "localhost",
    "example.org",
    "mail.example.org",
    "example.net",
    "mail.example.net",
    "example.com",
    "mail.example.com",
    "tcd.ie",
    "www.tcd.ie",
    "gmail.com",
    "yahoo.com",
    "crepes.fr",
    "smtp.crepes.fr",
}

#: (dialogue, chunk index) -> why the simulation answers otherwise
KNOWN = {
    # The reference's [127.0.0.1] is one of its own addresses (the host's loopback); the
    # simulated server's address is the scenario's.
    # A RET= that was refused stays remembered by sendmail for the next MAIL of the session
    # ("501 5.5.0 Duplicate RET parameter"); the simulation forgets a refused MAIL entirely.
    ("mail-params", 10): "sendmail remembers the RET= of a refused MAIL",
}


class ReferencePolicy(MailPolicy):
    """The reference's mail system: cs.tcd.ie and localhost, users alice, bob and root (a
    user of every Debian system), the alias staff: alice, bob; names resolve as its hosts."""

    def __init__(self) -> None:
        super().__init__(
            ["cs.tcd.ie", "localhost"],
            users={"alice": "Alice Liddell", "bob": "Bob Smith", "root": "root"},
            lists={"staff": ("alice", "bob")},
        )
        self.queue_id_style = "sendmail"

    def domain_exists(self, domain: str) -> bool:
        return domain.lower().rstrip(".") in RESOLVES


def _normalise(text: str) -> str:
    text = re.sub(
        r"[A-Z][a-z]{2}, \d{1,2} [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d [+-]\d{4}", "DATE", text
    )
    return re.sub(r"\b[0-9A-Za-z]{14}( Message accepted)", r"QUEUEID\1", text)


def _drain(server: ServerConnection) -> None:
    while server.next_event() not in (Signal.NEED_DATA, Signal.CLOSED):
        pass


def play(name: str) -> tuple[str, list[str], bool]:
    server = ServerConnection(
        "sendmail-8", "mail.cs.tcd.ie", ReferencePolicy(), client_ip="127.0.0.5"
    )
    greeting = server.data_to_send().decode("latin-1")
    replies = []
    for chunk in DIALOGUES[name]["client"]:
        if server.closed:
            break
        server.receive_data(chunk.encode("latin-1"))
        _drain(server)
        replies.append(server.data_to_send().decode("latin-1"))
    return greeting, replies, server.closed


def test_the_fixture_says_where_it_came_from() -> None:
    assert "sendmail 8.17.1.9" in FIXTURE["source"]
    assert "conformance/setup_sendmail.sh" in FIXTURE["source"]
    assert len(DIALOGUES) >= 100


def test_greeting_is_debians_banner() -> None:
    greeting, _, _ = play("greeting-ehlo-help")
    recorded = DIALOGUES["greeting-ehlo-help"]["greeting"]
    assert recorded == (
        "220 mail.cs.tcd.ie ESMTP Sendmail 8.17.1.9/8.17.1.9/Debian-2+deb12u2; "
        "DATE; (No UCE/UBE) logging access from: [127.0.0.5](FAIL)-[127.0.0.5]"
        "\r\n"
    )
    assert _normalise(greeting) == recorded


@pytest.mark.parametrize("name", list(DIALOGUES))
def test_dialogue_replies_are_the_real_ones(name: str) -> None:
    recorded = DIALOGUES[name]
    _, replies, closed = play(name)
    for i, want in enumerate(recorded["replies"]):
        got = _normalise(replies[i]) if i < len(replies) else ""
        if (name, i) in KNOWN:
            assert got != want, f"{KNOWN[name, i]}: now equal, drop it from KNOWN"
            continue
        sent = recorded["client"][i]
        assert got == want, f"after {sent!r}"
    assert len(replies) <= len(recorded["replies"]) or not any(replies[len(recorded["replies"]) :])
    assert closed == recorded["closed"]


def test_an_eighth_bit_cleared_into_a_line_end_is_no_line_end() -> None:
    """The fuzz test's find: EXPN of U+23340 (f0 a3 8d 80) cleared to 'p#' CR NUL raised
    'reply text may not contain CR or LF' out of the engine."""
    from smtp_sim.protocol.events import Signal
    from smtp_sim.protocol.server import ServerConnection

    server = ServerConnection("sendmail-8", "mail.cs.tcd.ie")
    for line in (b"EHLO bob", "EXPN \U00023340".encode(), "VRFY a\u010ab".encode()):
        server.receive_data(line + b"\r\n")
        while server.next_event() not in (Signal.NEED_DATA, Signal.CLOSED):
            pass
    out = server.data_to_send()
    assert out.endswith(b"550 5.1.1 p#?\x00... User unknown\r\n550 5.1.1 aD?b... User unknown\r\n")
