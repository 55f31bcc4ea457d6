"""The SMTP server's session states and the one table of transitions between them.

Nothing else in the engine changes state: ``ServerConnection`` looks up
``TRANSITIONS[state][input]`` for an accepted command and moves there; a command with no entry
is refused with the reply that ``REFUSALS`` names (503 family), leaving the state unchanged.
A rejected command (syntax error, unknown user, ...) also leaves the state unchanged.

``GUARDS`` names transitions that a personality can close: ``require_helo`` closes
CONNECTED --MAIL--> MAIL for servers that insist on HELO/EHLO first (RFC 5321 section 4.1.4).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from types import MappingProxyType

from .replies import DEFAULT_REPLIES, ReplyKind


class State(StrEnum):
    CONNECTED = "CONNECTED"  # greeting sent, no HELO/EHLO yet
    READY = "READY"  # no mail transaction open
    MAIL = "MAIL"  # MAIL FROM accepted, no recipient yet
    RCPT = "RCPT"  # at least one RCPT TO accepted
    DATA = "DATA"  # 354 sent, receiving the message until <CRLF>.<CRLF>
    CLOSED = "CLOSED"


class Input(StrEnum):
    """What moves the session: a command verb, or one of the pseudo-inputs at the end."""

    HELO = "HELO"
    EHLO = "EHLO"
    MAIL = "MAIL"
    RCPT = "RCPT"
    DATA = "DATA"
    RSET = "RSET"
    NOOP = "NOOP"
    VRFY = "VRFY"
    EXPN = "EXPN"
    HELP = "HELP"
    QUIT = "QUIT"
    DEBUG = "DEBUG"
    END_OF_DATA = "<CRLF>.<CRLF>"
    CLOSE = "close"  # 421 (too many errors, timeout, shutdown) or the peer went away


COMMAND_VERBS: frozenset[str] = frozenset(
    i.value for i in Input if i not in (Input.END_OF_DATA, Input.CLOSE)
)

_COMMAND_STATES = (State.CONNECTED, State.READY, State.MAIL, State.RCPT)
# Allowed at any time outside DATA, leaving the state as it is (RFC 5321 section 4.1.4).
_ANYTIME = (Input.NOOP, Input.VRFY, Input.EXPN, Input.HELP, Input.DEBUG)


def _build() -> dict[State, dict[Input, State]]:
    table: dict[State, dict[Input, State]] = {s: {} for s in State}
    for s in _COMMAND_STATES:
        for verb in _ANYTIME:
            table[s][verb] = s
        table[s][Input.HELO] = State.READY  # HELO/EHLO also resets an open transaction
        table[s][Input.EHLO] = State.READY
        table[s][Input.RSET] = State.CONNECTED if s is State.CONNECTED else State.READY
        table[s][Input.QUIT] = State.CLOSED
        table[s][Input.CLOSE] = State.CLOSED
    table[State.CONNECTED][Input.MAIL] = State.MAIL  # guarded by require_helo
    table[State.READY][Input.MAIL] = State.MAIL
    table[State.MAIL][Input.RCPT] = State.RCPT
    table[State.RCPT][Input.RCPT] = State.RCPT
    table[State.RCPT][Input.DATA] = State.DATA
    table[State.DATA][Input.END_OF_DATA] = State.READY
    table[State.DATA][Input.CLOSE] = State.CLOSED
    return table


#: state -> input -> new state, for accepted commands.
TRANSITIONS: Mapping[State, Mapping[Input, State]] = MappingProxyType(
    {s: MappingProxyType(t) for s, t in _build().items()}
)

#: (state, input) -> personality flag that, when set, closes the transition; and its reply.
GUARDS: Mapping[tuple[State, Input], tuple[str, ReplyKind]] = MappingProxyType(
    {
        (State.CONNECTED, Input.MAIL): ("require_helo", ReplyKind.NEED_HELO),
        (State.CONNECTED, Input.VRFY): ("require_helo_for_vrfy", ReplyKind.VRFY_NEED_HELO),
        (State.CONNECTED, Input.EXPN): ("require_helo_for_vrfy", ReplyKind.VRFY_NEED_HELO),
    }
)

#: The reply for a command that has no transition from this state (always a 503 kind).
REFUSALS: Mapping[tuple[State, Input], ReplyKind] = MappingProxyType(
    {
        (State.CONNECTED, Input.RCPT): ReplyKind.NEED_MAIL,
        (State.READY, Input.RCPT): ReplyKind.NEED_MAIL,
        (State.CONNECTED, Input.DATA): ReplyKind.DATA_NEED_MAIL,
        (State.READY, Input.DATA): ReplyKind.DATA_NEED_MAIL,
        (State.MAIL, Input.DATA): ReplyKind.NEED_RCPT,
        (State.MAIL, Input.MAIL): ReplyKind.NESTED_MAIL,
        (State.RCPT, Input.MAIL): ReplyKind.NESTED_MAIL,
    }
)


def refusal(state: State, verb: Input) -> ReplyKind:
    return REFUSALS.get((state, verb), ReplyKind.BAD_SEQUENCE)


def transitions() -> list[tuple[State, Input, State]]:
    """Every edge of the table, in a stable order (for diagrams and tests)."""
    return [(s, i, t) for s in State for i, t in TRANSITIONS[s].items()]


def mermaid(edges: Iterable[tuple[StrEnum, StrEnum, StrEnum]], first: str, greeting: str) -> str:
    """A state table's edges (state, input, new state) as a Mermaid state diagram: one arrow
    per pair of states, labelled with every input that takes it; ``first`` is the state the
    ``greeting`` enters."""
    lines = ["stateDiagram-v2", f"    [*] --> {first}: {greeting}"]
    grouped: dict[tuple[StrEnum, StrEnum], list[str]] = {}
    for s, i, t in edges:
        grouped.setdefault((s, t), []).append(i.value)
    for (s, t), inputs in grouped.items():
        lines.append(f"    {s.value} --> {t.value}: {', '.join(inputs)}")
    lines.append("    CLOSED --> [*]")
    return "\n".join(lines)


def diagram() -> str:
    """The state diagram as Mermaid text, drawn from the table so it never drifts from the code."""
    return mermaid(
        transitions(), "CONNECTED", f"{DEFAULT_REPLIES[ReplyKind.GREETING].code} greeting"
    )
