"""The state table, through the real engine: every edge taken, every missing edge refused.

``states.TRANSITIONS`` is the only thing that moves a session. For every edge we drive a real
``ServerConnection`` into the edge's state, send the input and check where it ends up; for every
(state, verb) pair the table leaves out we check that the server refuses it and stays put.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from helpers import PERSONALITY_IDS, Run, crlf, greeting_command, start

from smtp_sim.protocol.events import CommandReplied, ConnectionClosed, Envelope
from smtp_sim.protocol.personalities import (
    PERSONALITIES,
    DebugPolicy,
    ExpnPolicy,
    HelpStyle,
    Personality,
)
from smtp_sim.protocol.replies import ReplyKind
from smtp_sim.protocol.states import (
    COMMAND_VERBS,
    GUARDS,
    REFUSALS,
    TRANSITIONS,
    Input,
    State,
    diagram,
    refusal,
    transitions,
)

COMMAND_STATES = (State.CONNECTED, State.READY, State.MAIL, State.RCPT)

# The line that makes each command happen, written so that a server accepts it.
LINES: dict[Input, bytes] = {
    Input.HELO: b"HELO client.example\r\n",
    Input.EHLO: b"EHLO client.example\r\n",
    Input.MAIL: b"MAIL FROM:<alice@crepes.fr>\r\n",
    Input.RCPT: b"RCPT TO:<bob@cs.tcd.ie>\r\n",
    Input.DATA: b"DATA\r\n",
    Input.RSET: b"RSET\r\n",
    Input.NOOP: b"NOOP\r\n",
    Input.VRFY: b"VRFY bob\r\n",
    Input.EXPN: b"EXPN staff\r\n",
    Input.HELP: b"HELP\r\n",
    Input.QUIT: b"QUIT\r\n",
    Input.DEBUG: b"DEBUG\r\n",
}

# What each accepted command may answer (RFC 5321 4.3.2; 200 for the 1988 NOOP and DEBUG).
POSITIVE: dict[Input, set[int]] = {
    Input.HELO: {250},
    Input.EHLO: {250},
    Input.MAIL: {250},
    Input.RCPT: {250, 251},
    Input.DATA: {354},
    Input.RSET: {250},
    Input.NOOP: {200, 250},
    Input.VRFY: {250, 251, 252, 502},  # 502 when the server disables VRFY
    Input.EXPN: {250, 252, 502},  # 502 when the server disables EXPN
    Input.HELP: {211, 214},
    Input.QUIT: {221},
    Input.DEBUG: {200},
}


def implements(p: Personality, verb: Input) -> bool:
    """Does this server know the verb at all (independently of the engine's own check)?"""
    if verb is Input.EHLO:
        return p.esmtp
    if verb is Input.EXPN:
        return p.expn is not ExpnPolicy.UNRECOGNIZED
    if verb is Input.HELP:
        return p.help is not HelpStyle.NONE
    if verb is Input.DEBUG:
        return p.debug is DebugPolicy.ENABLED
    return True


def into(personality: str, state: State) -> Run:
    """A server driven into ``state`` by the shortest accepted route, its output drained."""
    run = start(personality)
    route = {
        State.CONNECTED: [],
        State.READY: [greeting_command(personality)],
        State.MAIL: [greeting_command(personality), LINES[Input.MAIL]],
        State.RCPT: [greeting_command(personality), LINES[Input.MAIL], LINES[Input.RCPT]],
        State.DATA: [
            greeting_command(personality),
            LINES[Input.MAIL],
            LINES[Input.RCPT],
            LINES[Input.DATA],
        ],
        State.CLOSED: [greeting_command(personality), LINES[Input.QUIT]],
    }[state]
    run.feed(*route)
    assert run.server.state is state
    run.take()
    run.events.clear()
    return run


COMMAND_EDGES = [(s, i, t) for s, i, t in transitions() if i.value in COMMAND_VERBS]


def _edge_id(edge: tuple[State, Input, State]) -> str:
    s, i, t = edge
    return f"{s.value}-{i.name}-{t.value}"


@pytest.mark.parametrize("personality", PERSONALITY_IDS)
@pytest.mark.parametrize("edge", COMMAND_EDGES, ids=[_edge_id(e) for e in COMMAND_EDGES])
def test_command_edge(edge: tuple[State, Input, State], personality: str) -> None:
    state, verb, target = edge
    p = PERSONALITIES[personality]
    run = into(personality, state)
    envelope_before = run.server.envelope
    run.feed(LINES[verb])
    (event,) = run.replied
    assert event.state_before is state
    guard = GUARDS.get((state, verb))
    if not implements(p, verb):
        assert event.reply.code in (500, 502)
        assert not event.accepted
        assert run.server.state is state
    elif guard is not None and getattr(p, guard[0]):
        assert event.reply.code == 503
        assert event.reply.kind is guard[1]
        assert not event.accepted
        assert run.server.state is state
    else:
        assert event.accepted, event.reply
        assert event.reply.code in POSITIVE[verb], event.reply
        assert event.state_after is target
        assert run.server.state is target
        if verb in (Input.HELO, Input.EHLO, Input.RSET):  # these reset the transaction
            assert run.server.envelope.sender is None
            assert run.server.envelope.recipients == ()
        elif verb is Input.RCPT:
            assert run.server.envelope.recipients == (
                *envelope_before.recipients,
                run.server.envelope.recipients[-1],
            )
        elif target is state:  # the commands allowed at any time touch nothing
            assert run.server.envelope == envelope_before


def test_every_command_edge_is_taken_by_some_personality() -> None:
    for state, verb, target in COMMAND_EDGES:
        takers = [
            pid
            for pid, p in PERSONALITIES.items()
            if implements(p, verb)
            and not (GUARDS.get((state, verb)) and getattr(p, GUARDS[(state, verb)][0]))
        ]
        assert takers, f"no personality takes {state} --{verb}--> {target}"


@pytest.mark.parametrize("personality", PERSONALITY_IDS)
def test_end_of_data_edge(personality: str) -> None:
    run = into(personality, State.DATA)
    run.feed(b"Subject: edge\r\n\r\nbody\r\n.\r\n")
    (message,) = run.messages
    assert message.accepted
    assert run.server.state is TRANSITIONS[State.DATA][Input.END_OF_DATA] is State.READY
    assert run.server.envelope.sender is None  # the transaction is over


CLOSERS: dict[str, Callable[[Run], None]] = {
    "timeout": lambda run: run.server.timeout(),
    "shutdown": lambda run: run.server.shutdown(),
    "peer-closed": lambda run: run.server.receive_data(b""),
}
CLOSE_EDGES = [(s, t) for s, i, t in transitions() if i is Input.CLOSE]


@pytest.mark.parametrize("personality", PERSONALITY_IDS)
@pytest.mark.parametrize("closer", list(CLOSERS))
@pytest.mark.parametrize("edge", CLOSE_EDGES, ids=[s.value for s, _ in CLOSE_EDGES])
def test_close_edge(edge: tuple[State, State], closer: str, personality: str) -> None:
    state, target = edge
    run = into(personality, state)
    CLOSERS[closer](run)
    run.feed()
    assert run.server.state is target is State.CLOSED
    (closed,) = run.closes
    assert closed.by_server is (closer != "peer-closed")
    assert closed.lost_data is (state is State.DATA)
    if closed.by_server:
        assert run.out.startswith(b"421 ") and run.out.count(b"\r\n") == 1
    else:
        assert run.out == b""


@pytest.mark.parametrize("personality", PERSONALITY_IDS)
@pytest.mark.parametrize("state", COMMAND_STATES)
def test_close_edge_by_error_budget(state: State, personality: str) -> None:
    run = into(personality, state)
    p = PERSONALITIES[personality]
    if p.error_limit is None:  # sendmail counts unknown commands only, and 421s the next
        assert p.bad_command_limit is not None
        run.feed(*[b"XYZZY\r\n"] * (p.bad_command_limit + 1))
    else:
        run.feed(*[b"XYZZY\r\n"] * (p.error_limit - run.server.error_count))
    assert run.server.state is State.CLOSED
    assert run.closes[-1].reply is not None and run.closes[-1].reply.code == 421


def test_every_edge_is_exercised_here() -> None:
    covered = {(s, i, t) for s, i, t in COMMAND_EDGES}
    covered |= {(State.DATA, Input.END_OF_DATA, State.READY)}
    covered |= {(s, Input.CLOSE, t) for s, t in CLOSE_EDGES}
    assert covered == set(transitions())


# -- the missing edges -------------------------------------------------------------------------

MISSING = [
    (s, Input(v)) for s in State for v in sorted(COMMAND_VERBS) if Input(v) not in TRANSITIONS[s]
]


def test_missing_pairs_are_what_rfc5321_forbids() -> None:
    in_command_states = {(s, i) for s, i in MISSING if s in COMMAND_STATES}
    assert in_command_states == {
        (State.CONNECTED, Input.RCPT),
        (State.READY, Input.RCPT),
        (State.CONNECTED, Input.DATA),
        (State.READY, Input.DATA),
        (State.MAIL, Input.DATA),
        (State.MAIL, Input.MAIL),
        (State.RCPT, Input.MAIL),
    }
    assert set(REFUSALS) == in_command_states  # each has a specific 503 text
    assert all(TRANSITIONS[s].get(i) is not None for s, i in GUARDS)  # guards sit on edges
    assert {i for s, i in MISSING if s is State.DATA} == {Input(v) for v in COMMAND_VERBS}
    assert {i for s, i in MISSING if s is State.CLOSED} == {Input(v) for v in COMMAND_VERBS}


@pytest.mark.parametrize("personality", PERSONALITY_IDS)
@pytest.mark.parametrize("pair", MISSING, ids=[f"{s.value}-{i.name}" for s, i in MISSING])
def test_missing_pair_is_refused_and_changes_nothing(
    pair: tuple[State, Input], personality: str
) -> None:
    state, verb = pair
    p = PERSONALITIES[personality]
    run = into(personality, state)
    envelope: Envelope = run.server.envelope
    run.feed(LINES[verb])
    assert run.server.state is state
    if state is State.CLOSED:  # nothing is read after the close
        assert run.out == b"" and run.events == []
        assert run.server.next_event() is not None and run.server.closed
        return
    if state is State.DATA:  # inside DATA a command line is just message content
        assert run.out == b"" and run.events == []
        run.feed(b".\r\n")
        (message,) = run.messages
        assert message.content == LINES[verb]
        return
    (event,) = run.replied
    assert isinstance(event, CommandReplied)
    assert not event.accepted
    kind = refusal(state, verb)
    if (state, verb) == (State.MAIL, Input.DATA):  # Postfix: 554 Error: no valid recipients
        kind = p.data_without_recipients
    assert event.reply.code in (503, 554), event.reply
    assert event.reply.kind is kind
    assert run.out == event.reply.to_bytes()
    expected = p.reply(kind)
    assert event.reply.lines == (expected.text,)
    assert event.state_before is event.state_after is state
    assert run.server.envelope == envelope


@pytest.mark.parametrize("personality", PERSONALITY_IDS)
@pytest.mark.parametrize("state", COMMAND_STATES)
def test_end_of_data_outside_data_is_not_a_command(state: State, personality: str) -> None:
    run = into(personality, state)
    run.feed(b".\r\n")
    (event,) = run.replied
    assert run.messages == []
    if PERSONALITIES[personality].forbid_non_letter:
        # Postfix 3 (smtpd_forbid_cmds' /^[^A-Z]/): a line not starting with a letter is no
        # SMTP client talking: 221 2.7.0 Error: I can break rules, too. Goodbye.
        assert event.reply.kind is ReplyKind.BREAK_RULES
        assert run.server.state is State.CLOSED
        return
    assert event.reply.code == 500 or (event.reply.code == 502 and personality == "postfix-1.1")
    assert run.server.state is state


def test_refusal_defaults_to_bad_sequence() -> None:
    assert refusal(State.DATA, Input.HELO) is ReplyKind.BAD_SEQUENCE
    assert refusal(State.MAIL, Input.MAIL) is ReplyKind.NESTED_MAIL


def test_refused_data_after_rejected_recipients_says_no_valid_recipients() -> None:
    run = into("postfix-3", State.MAIL)
    run.feed(b"RCPT TO:<nobody@cs.tcd.ie>\r\n", b"DATA\r\n")
    rcpt, data = run.replied
    assert rcpt.reply.code == 550
    assert data.reply.kind is ReplyKind.NO_VALID_RECIPIENTS
    assert run.server.state is State.MAIL


# -- the diagram ----------------------------------------------------------------------------


def test_diagram_mentions_every_edge_and_nothing_else() -> None:
    text = diagram()
    lines = text.splitlines()
    assert lines[0] == "stateDiagram-v2"
    assert "    [*] --> CONNECTED: 220 greeting" in lines
    assert lines[-1] == "    CLOSED --> [*]"
    drawn = set()
    for line in lines[2:-1]:
        match = re.fullmatch(r" {4}(\w+) --> (\w+): (.+)", line)
        assert match, line
        source, target, inputs = match.groups()
        for value in inputs.split(", "):
            drawn.add((State(source), Input(value), State(target)))
    assert drawn == set(transitions())
    assert len(transitions()) == sum(len(t) for t in TRANSITIONS.values())


def test_greeting_and_closed_connection() -> None:
    run = start("postfix-3")
    assert run.server.state is State.CONNECTED
    assert run.out == crlf("220 mail.cs.tcd.ie ESMTP Postfix")
    run.server.receive_data(b"")
    run.feed()
    assert isinstance(run.events[-1], ConnectionClosed)
