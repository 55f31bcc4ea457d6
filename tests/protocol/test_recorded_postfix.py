"""The postfix-3.7 personality, byte for byte against Debian 12's Postfix 3.7.11.

The expectations are not the simulator's: each file in data/postfix-3.7/ is what the real
server answered, recorded by conformance/capture.py from the dialogues in
conformance/scripts/postfix-3.7/ (the server installed and configured by
conformance/setup_postfix.sh: mail.cs.tcd.ie, mydestination = cs.tcd.ie, localhost, users alice
and bob, alias staff, Debian's recipient_delimiter = +, myorigin = /etc/mailname; the client at
127.0.0.5, a stranger). Only the queue id differs by nature: its shape is compared (11 hex
digits, the microseconds and the inode number).
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

import pytest

from smtp_sim.protocol.events import Signal
from smtp_sim.protocol.policy import MailPolicy
from smtp_sim.protocol.replies import ReplyKind
from smtp_sim.protocol.server import ServerConnection

DATA = Path(__file__).parent / "data" / "postfix-3.7"
FILES = sorted(DATA.glob("*.txt"))
_QUEUE_ID = re.compile(rb"(queued as )([0-9A-F]+)")


def reference_policy() -> MailPolicy:
    """The reference server's mail system (setup_postfix.sh), as the simulator models it."""
    return MailPolicy(
        ["cs.tcd.ie", "localhost"],
        users={"alice": "alice", "bob": "bob", "root": "root"},
        lists={"staff": ("alice", "bob"), "postmaster": ("root",)},
        relay_refusal=ReplyKind.RELAY_DEFERRED,
        myorigin="mail.cs.tcd.ie",
        recipient_delimiter="+",
        literals=["[127.0.0.1]"],
        queue_id_digits=11,
    )


def read(path: Path) -> tuple[list[bytes], list[tuple[bytes, ...]]]:
    """(the client's sends, the server's reply lines after the greeting and each send)."""
    sends: list[bytes] = []
    replies: list[list[bytes]] = [[]]
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("C: "):
            sends.append(codecs.escape_decode(line[3:].encode())[0])
            replies.append([])
        elif line.startswith("S: "):
            replies[-1].append(codecs.escape_decode(line[3:].encode())[0])
    return sends, [tuple(r) for r in replies]


def shape(line: bytes) -> bytes:
    return _QUEUE_ID.sub(lambda m: m.group(1) + b"H" * len(m.group(2)), line)


def play(sends: list[bytes]) -> list[tuple[bytes, ...]]:
    server = ServerConnection(
        "postfix-3.7", "mail.cs.tcd.ie", reference_policy(), client_ip="127.0.0.5"
    )
    out = []
    for data in [None, *sends]:
        if server.closed:
            break
        if data is not None:
            server.receive_data(data)
        while server.next_event() not in (Signal.NEED_DATA, Signal.CLOSED):
            pass
        lines = server.data_to_send().split(b"\r\n")[:-1]
        if server.closed:
            lines.append(b"[closed]")
        out.append(tuple(lines))
    return out


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_postfix_3_7_answers_as_recorded(path: Path) -> None:
    sends, recorded = read(path)
    played = play(sends)
    assert len(played) == len(recorded)
    for sent, real, simulated in zip([b"(connect)", *sends], recorded, played, strict=True):
        assert [shape(x) for x in simulated] == [shape(x) for x in real], sent


def test_the_fixtures_are_there() -> None:
    assert {p.stem for p in FILES} >= {
        "relay-and-addresses",
        "mail-parameters",
        "other-commands",
        "bare-lf-ends-data",
    }
    for path in FILES:
        assert path.read_text().startswith("# recorded from '220 mail.cs.tcd.ie ESMTP Postfix'")
