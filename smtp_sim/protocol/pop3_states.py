"""The POP3 session states (RFC 1939 sections 3 to 6) and the one table of transitions.

Nothing else changes a POP3 session's state: :class:`~smtp_sim.protocol.pop3_server.Pop3ServerConnection`
looks up ``TRANSITIONS[state][input]`` for an accepted command and moves there; a command with no
entry gets ``-ERR ... not allowed in the ... state`` and the state does not change, nor does it
for a rejected command (bad argument, wrong password).

QUIT in TRANSACTION moves to UPDATE, where the messages marked with DELE are removed, and the
pseudo-input COMMIT then closes the session. Any other ending (the peer goes away, too many
errors, autologout) is CLOSE, which never passes through UPDATE: nothing is deleted.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

from .states import mermaid


class Pop3State(StrEnum):
    AUTHORIZATION = "AUTHORIZATION"  # greeting sent, not logged in
    TRANSACTION = "TRANSACTION"  # logged in, maildrop locked
    UPDATE = "UPDATE"  # after QUIT: marked messages are being removed
    CLOSED = "CLOSED"


class Pop3Input(StrEnum):
    USER = "USER"
    PASS = "PASS"
    QUIT = "QUIT"
    STAT = "STAT"
    LIST = "LIST"
    UIDL = "UIDL"
    RETR = "RETR"
    DELE = "DELE"
    NOOP = "NOOP"
    RSET = "RSET"
    TOP = "TOP"
    CAPA = "CAPA"
    COMMIT = "deletions applied"  # UPDATE is left once the maildrop is updated
    CLOSE = "close"  # the peer went away, too many errors, autologout


_PSEUDO = (Pop3Input.COMMIT, Pop3Input.CLOSE)
POP3_VERBS: frozenset[str] = frozenset(i.value for i in Pop3Input if i not in _PSEUDO)


def _build() -> dict[Pop3State, dict[Pop3Input, Pop3State]]:
    A, T, U, X = (
        Pop3State.AUTHORIZATION,
        Pop3State.TRANSACTION,
        Pop3State.UPDATE,
        Pop3State.CLOSED,
    )
    I = Pop3Input  # noqa: E741
    table: dict[Pop3State, dict[Pop3Input, Pop3State]] = {s: {} for s in Pop3State}
    table[A] = {I.USER: A, I.PASS: T, I.CAPA: A, I.QUIT: X, I.CLOSE: X}
    for verb in (I.STAT, I.LIST, I.UIDL, I.RETR, I.DELE, I.NOOP, I.RSET, I.TOP, I.CAPA):
        table[T][verb] = T
    table[T][I.QUIT] = U
    table[T][I.CLOSE] = X  # not through UPDATE: nothing is deleted (RFC 1939 section 6)
    table[U][I.COMMIT] = X
    return table


#: state -> input -> new state. A command without an entry gets -ERR and changes nothing.
TRANSITIONS: Mapping[Pop3State, Mapping[Pop3Input, Pop3State]] = MappingProxyType(
    {s: MappingProxyType(t) for s, t in _build().items()}
)


#: Only mistakes made while commands are being taken count towards the error budget.
BUDGETED_STATES = frozenset({Pop3State.AUTHORIZATION, Pop3State.TRANSACTION})


def transitions() -> list[tuple[Pop3State, Pop3Input, Pop3State]]:
    """Every edge of the table, in a stable order (for diagrams and tests)."""
    return [(s, i, t) for s in Pop3State for i, t in TRANSITIONS[s].items()]


def diagram() -> str:
    """The POP3 state diagram as Mermaid text, drawn from the table."""
    return mermaid(transitions(), "AUTHORIZATION", "+OK greeting")
