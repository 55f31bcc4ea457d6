"""Property-based fuzzing: whatever the peer sends, the engines answer or raise a ProtocolError,
and never crash; and every command line gets exactly one reply."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from helpers import HOST, PERSONALITY_IDS, drain
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smtp_sim.protocol.errors import ProtocolError
from smtp_sim.protocol.events import (
    CommandReplied,
    ConnectionClosed,
    Event,
    MessageReceived,
    Signal,
)
from smtp_sim.protocol.personalities import PERSONALITIES, CommandSyntax
from smtp_sim.protocol.replies import ReplyKind
from smtp_sim.protocol.server import ServerConnection
from smtp_sim.protocol.smtp_client import ClientConnection
from smtp_sim.protocol.states import COMMAND_VERBS, TRANSITIONS, Input, State

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_REPLY_LINE = re.compile(rb"[2-5][0-9][0-9][ -][^\r\n]*\r\n")

# Pieces of real sessions, so that random input also reaches the deeper states.
FRAGMENTS = [
    b"HELO x\r\n",
    b"EHLO client.example\r\n",
    b"MAIL FROM:<alice@crepes.fr>\r\n",
    b"MAIL FROM:<>\r\n",
    b"RCPT TO:<bob@cs.tcd.ie>\r\n",
    b"RCPT TO:<postmaster>\r\n",
    b"DATA\r\n",
    b"\r\n.\r\n",
    b".\r\n",
    b"\n.\n",
    b"..\r\n",
    b"DEBUG\r\n",
    b"QUIT\r\n",
    b"RSET\r\n",
    b"VRFY bob\r\n",
    b"EXPN staff\r\n",
    b"HELP\r\n",
    b"GET / HTTP/1.0\r\n",
    b'rcpt to:<"| /bin/sh">\r\n',
    b"\r",
    b"\n",
    b"\x00",
    b"\xff\xfe",
]

chunks_strategy = st.lists(
    st.one_of(
        st.binary(max_size=80),
        st.sampled_from(FRAGMENTS),
        st.integers(1, 5000).map(lambda n: b"A" * n),
    ),
    max_size=40,
)


def _check_wire(out: bytes) -> None:
    """Everything a server sends is a sequence of well-formed reply lines."""
    assert _REPLY_LINE.sub(b"", out) == b"", out[:200]


@pytest.mark.parametrize("personality", PERSONALITY_IDS)
@FUZZ
@given(chunks=chunks_strategy)
def test_server_survives_random_bytes(personality: str, chunks: list[bytes]) -> None:
    server = ServerConnection(personality, HOST)
    out = bytearray()
    try:
        for chunk in [*chunks, b""]:
            server.receive_data(chunk)
            events = drain(server)
            out += server.data_to_send()
            assert all(isinstance(e, Event) for e in events)
    except ProtocolError:
        return  # the only exceptions allowed out (in practice the server raises none)
    _check_wire(bytes(out))
    assert server.closed  # b"" always ends the session
    assert server.next_event() is Signal.CLOSED
    server.receive_data(b"NOOP\r\n")
    assert server.next_event() is Signal.CLOSED and server.data_to_send() == b""


@FUZZ
@given(
    chunks=st.lists(
        st.one_of(
            st.binary(max_size=40),
            st.sampled_from(
                [
                    b"250-mail\r\n",
                    b"250 ok\r\n",
                    b"220 hi\r\n",
                    b"354 go\r\n",
                    b"421 bye\r\n",
                    b"250-2.1.0 a\r\n",
                    b"550 5.1.1 no\r\n",
                    b"\r\n",
                ]
            ),
        ),
        max_size=30,
    )
)
def test_client_survives_random_bytes(chunks: list[bytes]) -> None:
    client = ClientConnection()
    try:
        for chunk in chunks:
            client.receive_data(chunk)
            while client.next_event() not in (Signal.NEED_DATA, Signal.CLOSED):
                pass
    except ProtocolError:
        pass


# -- one reply per command line ----------------------------------------------------------------

ARGUMENTS = st.one_of(
    st.just(""),
    st.sampled_from(
        [
            "FROM:<alice@crepes.fr>",
            "FROM:<>",
            "FROM: alice@crepes.fr",
            "TO:<bob@cs.tcd.ie>",
            "TO:<postmaster>",
            "TO:<nobody@cs.tcd.ie>",
            "TO:<x@elsewhere.org>",
            "bob",
            "staff",
            "client.example",
            "FROM:<a@b.example> SIZE=100",
            "FROM:<a@b.example> FOO=BAR",
            "TO:<\"| sed '1,/^$/d' | /bin/sh ; exit 0\">",
            "FROM:<" + "l" * 70 + "@x.example>",
            "MAIL",
            "/ HTTP/1.0",
        ]
    ),
    st.text(st.characters(blacklist_characters="\n", blacklist_categories=("Cs",)), max_size=40),
    st.integers(400, 2100).map(lambda n: "x" * n),
)
VERBS = st.sampled_from([*sorted(COMMAND_VERBS), "XYZZY", "GET", "Subject:", "", ".", "TURN"])


@st.composite
def command_lines(draw) -> bytes:
    verb = draw(VERBS)
    verb = draw(st.sampled_from([verb, verb.lower(), verb.capitalize()]))
    argument = draw(ARGUMENTS)
    line = f"{verb} {argument}" if argument else verb
    return line.encode("utf-8")


@pytest.mark.parametrize("personality", PERSONALITY_IDS)
@FUZZ
@given(lines=st.lists(command_lines(), min_size=1, max_size=40))
def test_every_command_line_gets_exactly_one_reply(personality: str, lines: list[bytes]) -> None:
    server = ServerConnection(personality, HOST)
    drain(server)
    server.data_to_send()
    for line in lines:
        before = server.state
        if before is State.CLOSED:
            break
        server.receive_data(line + b"\r\n")
        events = drain(server)
        out = server.data_to_send()
        _check_wire(out)
        replied = [e for e in events if isinstance(e, CommandReplied)]
        messages = [e for e in events if isinstance(e, MessageReceived)]
        closes = [e for e in events if isinstance(e, ConnectionClosed)]
        if before is State.DATA:  # a line of message content, not a command
            assert replied == []
            assert len(messages) == (1 if line == b"." else 0)
            assert out == b"".join(m.reply.to_bytes() for m in messages)
            continue
        assert messages == []
        (event,) = replied
        assert event.state_before is before
        p = server.personality
        assert (
            event.command.raw == line
            or (event.reply.kind is ReplyKind.LINE_TOO_LONG and line.startswith(event.command.raw))
            or (  # Postfix cuts a line at line_length_limit and drops trailing CRs
                p.syntax is CommandSyntax.POSTFIX
                and event.command.raw == line[: p.max_command_line].rstrip(b"\r")
            )
        )
        sent = event.reply.to_bytes()
        if closes:
            (closed,) = closes
            assert server.closed
            assert closed.reply is not None and closed.reply.code in (221, 421, 554)
            if closed.reply is not event.reply:  # 421: the error budget ran out
                assert closed.reply.code == 421
                sent += closed.reply.to_bytes()
        assert out == sent
        # nothing but the table moves the session
        if event.accepted:
            assert event.state_after is TRANSITIONS[before][Input(event.command.verb)]
        elif event.state_after is not before:
            assert event.state_after is State.CLOSED
            assert event.reply.kind in (ReplyKind.BREAK_RULES, ReplyKind.SYNC_ERROR)
        assert server.state is (State.CLOSED if closes else event.state_after)


# -- the chunking of the input never matters ------------------------------------------------

SMALL_LIMITS = {
    "max_message_size": 300,
    "max_command_line": 100,  # not below 80: a too-long line is reported by its first 80
    "max_data_line": 40,
    "max_recipients": 2,
    "error_limit": 6,
}


def _transcript(personality, chunks: list[bytes]) -> tuple[bytes, list]:
    server = ServerConnection(personality, HOST)
    events: list = []
    for chunk in [*chunks, b""]:
        server.receive_data(chunk)
        events += drain(server)
    return server.data_to_send(), events


@pytest.mark.parametrize("small", [False, True], ids=["real-limits", "small-limits"])
@pytest.mark.parametrize(
    "personality", [p for p in PERSONALITY_IDS if p not in ("postfix-3", "sendmail-8")]
)
@FUZZ
@given(chunks=chunks_strategy, data=st.data())
def test_chunking_never_changes_the_outcome(
    personality: str, small: bool, chunks: list[bytes], data
) -> None:
    """Whole, or cut anywhere: the same replies and the same events. (Postfix 3 is left out:
    its pipelining check rightly depends on what arrived together, and so does sendmail 8's
    refusal of a HELO/EHLO with commands already behind it: 554 5.5.0 SMTP protocol error.)"""
    p = PERSONALITIES[personality]
    if small:
        p = replace(p, **SMALL_LIMITS)
    stream = b"".join(chunks)
    cuts = sorted(data.draw(st.sets(st.integers(1, max(1, len(stream) - 1)), max_size=12)))
    pieces = [stream[a:b] for a, b in zip([0, *cuts], [*cuts, len(stream)], strict=True)]
    assert _transcript(p, [stream]) == _transcript(p, [piece for piece in pieces if piece])


@FUZZ
@given(lines=st.lists(command_lines(), max_size=30), data=st.data())
def test_postfix3_chunking_of_single_commands_never_matters(lines: list[bytes], data) -> None:
    """Postfix 3 with one command at a time, each cut anywhere: the same as whole lines."""
    p = PERSONALITIES["postfix-3"]
    whole = [line + b"\r\n" for line in lines]
    cut = []
    for line in whole:
        at = data.draw(st.integers(0, len(line)))
        cut += [piece for piece in (line[:at], line[at:]) if piece]
    assert _transcript(p, whole) == _transcript(p, cut)
