"""The POP3 engine (RFC 1939): byte-exact dialogues, the state table, the catalog, fuzzing."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smtp_sim.protocol.errors import LocalProtocolError, ProtocolError
from smtp_sim.protocol.events import Event, Signal
from smtp_sim.protocol.explain import UnknownTopic, explain
from smtp_sim.protocol.pop3_client import Pop3ReplyParser, multiline_for, unstuffed_content
from smtp_sim.protocol.pop3_replies import (
    POP3_COMMANDS,
    POP3_REPLIES,
    Pop3Reply,
    Pop3ReplyKind,
    UnknownPop3Topic,
    explain_pop3,
    explain_pop3_reply,
)
from smtp_sim.protocol.pop3_server import (
    POP3_VERBS,
    TRANSITIONS,
    MemoryMaildrop,
    MemoryProvider,
    Pop3Closed,
    Pop3CommandReplied,
    Pop3Greeting,
    Pop3Input,
    Pop3ServerConnection,
    Pop3State,
    diagram,
    wire_form,
)

HOST = "mail.cs.tcd.ie"
M1 = (
    b"From: alice@crepes.fr\r\nTo: bob@cs.tcd.ie\r\nSubject: one\r\n\r\n"
    b"line 1\r\n.hidden dot\r\nline 3\r\n"
)  # 87 octets; one line starts with a dot
M2 = b"Subject: two\r\n\r\nshort\r\n"  # 23 octets
A, T, U, X = (Pop3State.AUTHORIZATION, Pop3State.TRANSACTION, Pop3State.UPDATE, Pop3State.CLOSED)
LOGIN = b"USER bob\r\nPASS secret\r\n"
LOGGED_IN = b"+OK bob: send PASS\r\n+OK bob's maildrop has 2 messages (110 octets)\r\n"


def test_fixture_sizes() -> None:
    assert (len(M1), len(M2)) == (87, 23)


def crlf(*lines: str) -> bytes:
    return "".join(line + "\r\n" for line in lines).encode()


class Session:
    """One engine with a two-message maildrop; ``feed`` drains events and reply bytes."""

    def __init__(self, messages=(("1", M1), ("2", M2)), **kwargs) -> None:
        self.maildrop = MemoryMaildrop(messages)
        provider = MemoryProvider(
            {"bob": ("secret", self.maildrop), "carol": ("two words", MemoryMaildrop())}
        )
        self.server = Pop3ServerConnection(HOST, provider, **kwargs)
        self.events: list[Event] = []
        self.out = b""
        self.feed()
        assert self.take() == b"+OK mail.cs.tcd.ie POP3 server ready\r\n"

    def feed(self, *chunks: bytes) -> Session:
        for chunk in chunks or (None,):
            if chunk is not None:
                self.server.receive_data(chunk)
            while (event := self.server.next_event()) not in (Signal.NEED_DATA, Signal.CLOSED):
                self.events.append(event)
            self.out += self.server.data_to_send()
        return self

    def take(self) -> bytes:
        out, self.out = self.out, b""
        return out

    @property
    def replied(self) -> list[Pop3CommandReplied]:
        return [e for e in self.events if isinstance(e, Pop3CommandReplied)]

    @property
    def closes(self) -> list[Pop3Closed]:
        return [e for e in self.events if isinstance(e, Pop3Closed)]


# -- byte-exact dialogues: (id, client bytes, server bytes after the greeting, final state) ---

DIALOGUES = [
    ("login", LOGIN, LOGGED_IN, T),
    ("login-lower-case-verbs", b"user bob\r\npass secret\r\n", LOGGED_IN, T),
    ("login-bare-lf", b"USER bob\nPASS secret\n", LOGGED_IN, T),
    (
        "login-full-password-with-spaces",
        b"USER carol\r\nPASS two words\r\n",
        crlf("+OK carol: send PASS", "+OK carol's maildrop has 0 messages (0 octets)"),
        T,
    ),
    (
        "bad-password",
        b"USER bob\r\nPASS guess\r\n",
        crlf("+OK bob: send PASS", "-ERR invalid user name or password"),
        A,
    ),
    (
        "bad-password-then-good",
        b"USER bob\r\nPASS guess\r\n" + LOGIN,
        crlf("+OK bob: send PASS", "-ERR invalid user name or password") + LOGGED_IN,
        T,
    ),
    (
        "unknown-user-looks-like-bad-password",
        b"USER mallory\r\nPASS secret\r\n",
        crlf("+OK mallory: send PASS", "-ERR invalid user name or password"),
        A,
    ),
    ("pass-without-user", b"PASS secret\r\n", crlf("-ERR send USER first"), A),
    (
        "pass-not-straight-after-user",
        b"USER bob\r\nCAPA\r\nPASS secret\r\n",
        crlf(
            "+OK bob: send PASS",
            "+OK Capability list follows",
            "USER",
            "TOP",
            "UIDL",
            "RESP-CODES",
            "PIPELINING",
            ".",
            "-ERR send USER first",
        ),
        A,
    ),
    ("user-needs-a-name", b"USER\r\n", crlf("-ERR syntax: USER name"), A),
    ("stat", LOGIN + b"STAT\r\n", LOGGED_IN + crlf("+OK 2 110"), T),
    (
        "list",
        LOGIN + b"LIST\r\n",
        LOGGED_IN + crlf("+OK 2 messages (110 octets)", "1 87", "2 23", "."),
        T,
    ),
    ("list-one", LOGIN + b"LIST 2\r\n", LOGGED_IN + crlf("+OK 2 23"), T),
    (
        "list-no-such-message",
        LOGIN + b"LIST 3\r\n",
        LOGGED_IN + crlf("-ERR no such message, only 2 messages in maildrop"),
        T,
    ),
    (
        "list-zero",
        LOGIN + b"LIST 0\r\n",
        LOGGED_IN + crlf("-ERR no such message, only 2 messages in maildrop"),
        T,
    ),
    (
        "list-not-a-number",
        LOGIN + b"LIST one\r\nLIST 1 2\r\n",
        LOGGED_IN + crlf("-ERR syntax: LIST [msg]", "-ERR syntax: LIST [msg]"),
        T,
    ),
    (
        "uidl",
        LOGIN + b"UIDL\r\nUIDL 1\r\n",
        LOGGED_IN + crlf("+OK unique-id listing follows", "1 1", "2 2", ".", "+OK 1 1"),
        T,
    ),
    (
        "retr-byte-stuffed",
        LOGIN + b"RETR 1\r\n",
        LOGGED_IN + b"+OK 87 octets\r\n" + M1.replace(b"\r\n.hidden", b"\r\n..hidden") + b".\r\n",
        T,
    ),
    ("retr-no-argument", LOGIN + b"RETR\r\n", LOGGED_IN + crlf("-ERR syntax: RETR msg"), T),
    (
        "top-0-header-only",
        LOGIN + b"TOP 1 0\r\n",
        LOGGED_IN
        + crlf(
            "+OK top of message follows",
            "From: alice@crepes.fr",
            "To: bob@cs.tcd.ie",
            "Subject: one",
            "",
            ".",
        ),
        T,
    ),
    (
        "top-2-lines-stuffed",
        LOGIN + b"TOP 1 2\r\n",
        LOGGED_IN
        + crlf(
            "+OK top of message follows",
            "From: alice@crepes.fr",
            "To: bob@cs.tcd.ie",
            "Subject: one",
            "",
            "line 1",
            "..hidden dot",
            ".",
        ),
        T,
    ),
    (
        "top-more-than-the-body",
        LOGIN + b"TOP 2 99\r\n",
        LOGGED_IN + crlf("+OK top of message follows", "Subject: two", "", "short", "."),
        T,
    ),
    (
        "top-bad-arguments",
        LOGIN + b"TOP 1\r\nTOP 1 -1\r\nTOP x 1\r\n",
        LOGGED_IN + crlf("-ERR syntax: TOP msg n") * 3,
        T,
    ),
    (
        "dele-then-stat-list",
        LOGIN + b"DELE 1\r\nSTAT\r\nLIST\r\nRETR 1\r\nDELE 1\r\n",
        LOGGED_IN
        + crlf(
            "+OK message 1 deleted",
            "+OK 1 23",
            "+OK 1 messages (23 octets)",
            "2 23",
            ".",
            "-ERR message 1 already deleted",
            "-ERR message 1 already deleted",
        ),
        T,
    ),
    (
        "dele-then-rset",
        LOGIN + b"DELE 1\r\nDELE 2\r\nRSET\r\nSTAT\r\n",
        LOGGED_IN
        + crlf(
            "+OK message 1 deleted",
            "+OK message 2 deleted",
            "+OK maildrop has 2 messages (110 octets)",
            "+OK 2 110",
        ),
        T,
    ),
    (
        "dele-then-quit",
        LOGIN + b"DELE 1\r\nQUIT\r\n",
        LOGGED_IN
        + crlf(
            "+OK message 1 deleted", "+OK mail.cs.tcd.ie POP3 server signing off (1 message left)"
        ),
        X,
    ),
    ("noop", LOGIN + b"NOOP\r\n", LOGGED_IN + crlf("+OK"), T),
    (
        "no-argument-commands",
        LOGIN + b"STAT 1\r\nNOOP x\r\nRSET x\r\n",
        LOGGED_IN + crlf("-ERR syntax: STAT", "-ERR syntax: NOOP", "-ERR syntax: RSET"),
        T,
    ),
    ("quit-in-authorization", b"QUIT\r\n", crlf("+OK mail.cs.tcd.ie POP3 server signing off"), X),
    (
        "quit-after-login",
        LOGIN + b"QUIT\r\n",
        LOGGED_IN + crlf("+OK mail.cs.tcd.ie POP3 server signing off (2 messages left)"),
        X,
    ),
    (
        "transaction-command-before-login",
        b"STAT\r\nRETR 1\r\nNOOP\r\n",
        crlf(
            "-ERR STAT is not allowed in the AUTHORIZATION state",
            "-ERR RETR is not allowed in the AUTHORIZATION state",
            "-ERR NOOP is not allowed in the AUTHORIZATION state",
        ),
        A,
    ),
    (
        "authorization-command-after-login",
        LOGIN + b"USER bob\r\nPASS secret\r\n",
        LOGGED_IN
        + crlf(
            "-ERR USER is not allowed in the TRANSACTION state",
            "-ERR PASS is not allowed in the TRANSACTION state",
        ),
        T,
    ),
    (
        "unknown-commands",
        b"APOP bob c4c9334bac560ecc979e58001b3e22fb\r\nHELO x\r\n\r\n",
        crlf("-ERR unknown command") * 3,
        A,
    ),
    (
        "capa-in-both-states",
        b"CAPA\r\n" + LOGIN + b"CAPA\r\n",
        crlf("+OK Capability list follows", "USER", "TOP", "UIDL", "RESP-CODES", "PIPELINING", ".")
        + LOGGED_IN
        + crlf(
            "+OK Capability list follows", "USER", "TOP", "UIDL", "RESP-CODES", "PIPELINING", "."
        ),
        T,
    ),
    (
        "overlong-line-then-good-command",
        b"NOOP " + b"x" * 300 + b"\r\nUSER bob\r\n",
        crlf("-ERR command line too long", "+OK bob: send PASS"),
        A,
    ),
    (
        "line-of-255-octets-is-fine",
        b"USER " + b"b" * 248 + b"\r\n",
        crlf(f"+OK {'b' * 248}: send PASS"),
        A,
    ),
    (
        "line-of-256-octets-is-too-long",
        b"USER " + b"b" * 249 + b"\r\n",
        crlf("-ERR command line too long"),
        A,
    ),
]


@pytest.mark.parametrize(
    ("chunk", "expected", "state"), [d[1:] for d in DIALOGUES], ids=[d[0] for d in DIALOGUES]
)
def test_dialogue_in_one_chunk(chunk: bytes, expected: bytes, state: Pop3State) -> None:
    s = Session().feed(chunk)
    assert s.take() == expected
    assert s.server.state is state


@pytest.mark.parametrize(
    ("chunk", "expected", "state"), [d[1:] for d in DIALOGUES], ids=[d[0] for d in DIALOGUES]
)
def test_dialogue_byte_by_byte(chunk: bytes, expected: bytes, state: Pop3State) -> None:
    s = Session().feed(*(chunk[i : i + 1] for i in range(len(chunk))))
    assert s.take() == expected
    assert s.server.state is state


def test_pipelined_commands_in_one_chunk_give_one_event_each_in_order() -> None:
    s = Session().feed(LOGIN + b"STAT\r\nLIST 1\r\nRETR 2\r\nDELE 2\r\nQUIT\r\n")
    verbs = [e.command.verb for e in s.replied]
    assert verbs == ["USER", "PASS", "STAT", "LIST", "RETR", "DELE", "QUIT"]
    assert [e.state_after for e in s.replied] == [A, T, T, T, T, T, U]
    assert s.replied[4].uid == "2" and s.replied[4].reply.lines == (b"Subject: two", b"", b"short")
    assert s.replied[-1].deleted == ("2",)
    assert isinstance(s.events[-1], Pop3Closed) and s.events[-1].updated
    assert s.maildrop.messages == (("1", M1),)


def test_deletions_take_effect_only_at_quit() -> None:
    s = Session().feed(LOGIN + b"DELE 1\r\nDELE 2\r\n")
    assert len(s.maildrop.messages) == 2 and s.server.marked == ("1", "2")
    s.feed(b"QUIT\r\n")
    assert s.maildrop.messages == ()
    assert s.take().endswith(b"+OK mail.cs.tcd.ie POP3 server signing off (maildrop empty)\r\n")
    assert s.replied[-1].deleted == ("1", "2")


def test_peer_close_in_transaction_deletes_nothing() -> None:
    s = Session().feed(LOGIN + b"DELE 1\r\n", b"")
    assert s.server.closed
    assert s.closes == [Pop3Closed(reason="the client closed the connection", by_server=False)]
    assert len(s.maildrop.messages) == 2
    assert s.server.next_event() is Signal.CLOSED
    s.feed(b"QUIT\r\n")  # ignored once closed
    assert s.take() == LOGGED_IN + b"+OK message 1 deleted\r\n"


def test_peer_close_with_half_a_line_buffered() -> None:
    s = Session().feed(b"USER b", b"")
    assert s.server.closed and s.take() == b"" and not s.replied


def test_quit_in_authorization_closes_without_update() -> None:
    s = Session().feed(b"QUIT\r\n")
    assert s.replied[0].state_after is X
    assert s.closes[0].by_server and not s.closes[0].updated
    assert s.server.next_event() is Signal.CLOSED


def test_error_budget_closes_the_session() -> None:
    s = Session(error_limit=3).feed(b"FOO\r\nBAR\r\nBAZ\r\nUSER bob\r\n")
    assert s.take() == crlf(
        "-ERR unknown command",
        "-ERR unknown command",
        "-ERR unknown command",
        "-ERR too many errors, closing connection",
    )
    assert s.server.closed and s.closes[0].reason == "too many errors"
    assert len(s.replied) == 3  # USER was never read


def test_wrong_passwords_close_the_session_after_three_and_are_noted() -> None:
    s = Session().feed(b"USER bob\r\nPASS a\r\nUSER bob\r\nPASS b\r\n")
    assert not s.server.closed and s.server.auth_failures == 2
    assert "plain text" in (s.replied[1].note or "")
    s.take()
    s.feed(b"USER bob\r\nPASS c\r\nUSER bob\r\n")
    assert s.take() == crlf(
        "+OK bob: send PASS",
        "-ERR invalid user name or password",
        "-ERR too many failed logins, closing connection",
    )
    assert s.server.closed and s.closes[0].reason == "too many failed logins"


def test_mistakes_about_one_message_do_not_count_towards_the_error_budget() -> None:
    s = Session(error_limit=2).feed(
        LOGIN + b"RETR 9\r\nDELE 1\r\nDELE 1\r\nRETR 1\r\nLIST 7\r\nUIDL 8\r\nNOOP\r\n"
    )
    assert not s.server.closed and s.server.error_count == 0
    assert s.take().endswith(
        crlf(
            "-ERR message 1 already deleted",
            "-ERR no such message, only 2 messages in maildrop",
            "-ERR no such message, only 2 messages in maildrop",
            "+OK",
        )
    )
    s.feed(b"BOGUS\r\nRETR x\r\n")  # commands the server cannot use still count
    assert s.server.closed and s.closes[0].reason == "too many errors"


def test_quit_with_words_after_it_still_quits() -> None:
    s = Session().feed(LOGIN + b"DELE 1\r\nQUIT now please\r\n")
    assert s.take().endswith(crlf("+OK mail.cs.tcd.ie POP3 server signing off (1 message left)"))
    assert s.closes[0].updated


def test_overlong_line_split_across_chunks_keeps_sync() -> None:
    s = Session().feed(b"USER " + b"x" * 200, b"y" * 200, b"z" * 100 + b"\r", b"\nNOOP\r\n")
    assert s.take() == crlf(
        "-ERR command line too long", "-ERR NOOP is not allowed in the AUTHORIZATION state"
    )
    assert s.replied[0].command.raw.startswith(b"USER xxx") and s.replied[0].command.verb == ""


def test_timeout_is_an_autologout_without_update() -> None:
    s = Session().feed(LOGIN + b"DELE 1\r\n")
    s.take()
    s.server.timeout()
    s.feed()
    assert s.take() == crlf("-ERR autologout: idle too long, closing connection")
    assert s.server.closed and len(s.maildrop.messages) == 2


def test_empty_maildrop() -> None:
    s = Session(messages=()).feed(LOGIN + b"LIST\r\nUIDL\r\nRETR 1\r\nQUIT\r\n")
    assert s.take() == crlf(
        "+OK bob: send PASS",
        "+OK bob's maildrop has 0 messages (0 octets)",
        "+OK 0 messages (0 octets)",
        ".",
        "+OK unique-id listing follows",
        ".",
        "-ERR no such message, only 0 messages in maildrop",
        "+OK mail.cs.tcd.ie POP3 server signing off (maildrop empty)",
    )


def test_bare_lf_messages_are_sent_with_crlf_and_sized_so() -> None:
    s = Session(messages=(("a", b"Subject: x\n\nbody"),)).feed(LOGIN + b"LIST 1\r\nRETR 1\r\n")
    assert s.take() == (
        b"+OK bob: send PASS\r\n+OK bob's maildrop has 1 messages (20 octets)\r\n"
        b"+OK 1 20\r\n+OK 20 octets\r\nSubject: x\r\n\r\nbody\r\n.\r\n"
    )
    assert wire_form(b"") == b"" and wire_form(b"a\r\nb") == b"a\r\nb\r\n"


def test_custom_banner() -> None:
    provider = MemoryProvider({})
    server = Pop3ServerConnection(HOST, provider, banner="Dovecot ready.")
    assert isinstance(server.next_event(), Pop3Greeting)
    assert server.data_to_send() == b"+OK Dovecot ready.\r\n"


def test_a_bad_unique_id_from_the_store_is_our_error() -> None:
    s = Session(messages=(("has space", M2),))
    with pytest.raises(LocalProtocolError):
        s.feed(LOGIN)


# -- the state table ------------------------------------------------------------------------

_SETUP = {A: b"", T: LOGIN}
_VALID = {
    "USER": "USER bob",
    "PASS": "PASS secret",
    "LIST": "LIST 1",
    "UIDL": "UIDL 1",
    "RETR": "RETR 1",
    "DELE": "DELE 1",
    "TOP": "TOP 1 1",
}


@pytest.mark.parametrize("state", [A, T])
@pytest.mark.parametrize("verb", sorted(POP3_VERBS))
def test_every_transition_and_every_refusal(state: Pop3State, verb: str) -> None:
    setup = _SETUP[state] + (b"USER bob\r\n" if verb == "PASS" and state is A else b"")
    s = Session().feed(setup) if setup else Session()
    s.take()
    s.feed(_VALID.get(verb, verb).encode() + b"\r\n")
    event = s.replied[-1]
    target = TRANSITIONS[state].get(Pop3Input(verb))
    if target is None:
        assert s.take() == crlf(f"-ERR {verb} is not allowed in the {state} state")
        assert event.state_after is state
    else:
        assert event.ok, event
        assert event.state_after is target
        assert s.server.state is (X if target is U else target)


def test_pseudo_inputs_and_diagram() -> None:
    assert TRANSITIONS[U] == {Pop3Input.COMMIT: X}
    assert TRANSITIONS[A][Pop3Input.CLOSE] is X and TRANSITIONS[T][Pop3Input.CLOSE] is X
    assert TRANSITIONS[X] == {}
    text = diagram()
    assert "TRANSACTION --> UPDATE: QUIT" in text and "UPDATE --> CLOSED" in text


def test_command_docs_match_the_table() -> None:
    assert set(POP3_COMMANDS) == set(POP3_VERBS)
    for verb, info in POP3_COMMANDS.items():
        allowed = tuple(s.value for s in (A, T) if Pop3Input(verb) in TRANSITIONS[s])
        assert info.states == allowed, verb


# -- the catalog and explanations ---------------------------------------------------------


def test_every_reply_kind_is_in_the_catalog_with_an_explanation() -> None:
    assert set(POP3_REPLIES) == set(Pop3ReplyKind)
    for kind, spec in POP3_REPLIES.items():
        assert spec.explanation and spec.rfc.startswith("RFC "), kind
        assert (spec.text + spec.explanation).isascii(), kind


def test_reply_wire_form_and_validation() -> None:
    reply = Pop3Reply(True, "x", (b".", b"..a", b"b", b""))
    assert reply.to_bytes() == b"+OK x\r\n..\r\n...a\r\nb\r\n\r\n.\r\n"
    assert Pop3Reply(False, "").to_bytes() == b"-ERR\r\n"
    with pytest.raises(ValueError):
        Pop3Reply(True, "a\r\nb")
    with pytest.raises(ValueError):
        Pop3Reply(False, "x", ())


def test_explain_pop3() -> None:
    assert explain_pop3("retr").startswith("RETR (POP3): ")
    assert "TRANSACTION" in explain_pop3("DELE 1") and "RFC 1939 section 5" in explain_pop3("DELE")
    assert explain_pop3("-ERR").startswith("-ERR: ")
    assert "RFC 1939" in explain_pop3("")
    with pytest.raises(UnknownPop3Topic):
        explain_pop3("HELO")
    reply = Session().feed(b"STAT\r\n").replied[0].reply
    assert "RFC 1939" in explain_pop3_reply(reply)


def test_explain_falls_back_to_pop3() -> None:
    assert explain("RETR").startswith("RETR (POP3)")
    assert explain("pop3 quit").startswith("QUIT (POP3)")
    assert explain("POP3: top").startswith("TOP (POP3)")
    assert not explain("QUIT").startswith("QUIT (POP3)")  # SMTP keeps its verbs
    assert explain("+OK").startswith("+OK")
    assert explain("pop3").startswith("POP3")
    with pytest.raises(UnknownTopic):
        explain("pop3 ehlo")


# -- the client-side parser: un-stuffing round trip ---------------------------------------


def test_parser_reads_a_whole_session() -> None:
    parser = Pop3ReplyParser()
    for line in ("USER bob", "PASS secret", "LIST", "RETR 1", "LIST 9", "QUIT"):
        parser.expect(multiline_for(line))
    s = Session()
    s.feed(LOGIN + b"LIST\r\nRETR 1\r\nLIST 9\r\nQUIT\r\n")
    parser.receive_data(b"+OK mail.cs.tcd.ie POP3 server ready\r\n" + s.take())
    replies = []
    while (reply := parser.next_reply()) is not None:
        replies.append(reply)
    assert [r.ok for r in replies] == [True, True, True, True, True, False, True]
    assert replies[3].lines == (b"1 87", b"2 23")
    assert unstuffed_content(replies[4]) == M1
    assert parser.waiting == 0


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(alphabet=".ab \t", max_size=6), max_size=8))
def test_retr_round_trips_any_lines(lines: list[str]) -> None:
    message = "".join(line + "\r\n" for line in lines).encode()
    s = Session(messages=(("1", message),)).feed(LOGIN + b"RETR 1\r\n")
    parser = Pop3ReplyParser()
    for line in ("USER bob", "PASS secret", "RETR 1"):  # the greeting is expected already
        parser.expect(multiline_for(line))
    parser.receive_data(b"+OK ready\r\n" + s.take())
    replies = [parser.next_reply() for _ in range(4)]
    assert unstuffed_content(replies[-1]) == message
    assert replies[-1].text == f"{len(message)} octets"


# -- fuzzing --------------------------------------------------------------------------------

_TOKENS = [
    LOGIN,
    b"STAT\r\n",
    b"LIST\r\n",
    b"RETR 1\r\n",
    b"DELE 1\r\n",
    b"DELE 2\r\n",
    b"RSET\r\n",
    b"TOP 2 1\r\n",
    b"UIDL\r\n",
    b"QUIT\r\n",
    b"\r\n",
    b"\n",
    b"\r",
]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.binary(max_size=300), st.sampled_from(_TOKENS)), max_size=12))
def test_fuzz_no_exception_escapes(chunks: list[bytes]) -> None:
    s = Session()
    try:
        s.feed(*chunks, b"")
    except ProtocolError:  # the only family an engine may raise
        return
    assert s.server.closed and s.server.next_event() is Signal.CLOSED
    assert len(s.closes) == 1
    out = s.take()
    assert out == b"" or out.endswith(b"\r\n")
    deleted = [uid for e in s.replied for uid in e.deleted]
    assert len(s.maildrop.messages) == 2 - len(deleted)


def test_a_reply_read_off_the_wire_is_known_by_its_text_or_not_at_all():
    """A client sees only +OK/-ERR and the text: the catalog's kind is found from the text
    when one template fits it, and never a wrong one."""
    from smtp_sim.protocol.pop3_replies import pop3_reply_kind, render_pop3

    fields = dict(
        hostname="mail.cs.tcd.ie", user="bob", count=4, size=3171, msg=2, uid="a1b2",
        left="2 messages left", line="RETR", state="AUTHORIZATION", status="x", syntax="RETR n",
        verb="RETR",
    )  # fmt: skip
    known = 0
    for kind in POP3_REPLIES:
        reply = render_pop3(kind, **fields)
        found = pop3_reply_kind(reply.ok, reply.text)
        assert found in (kind, None), (kind, found)
        known += found is kind
    assert known >= len(POP3_REPLIES) - 4  # (only the bare-number ones are ambiguous)
    assert pop3_reply_kind(False, "invalid user name or password") is Pop3ReplyKind.PASS_BAD
