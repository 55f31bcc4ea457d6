"""The client engine: reply parsing, its rules for sending, and a client joined in memory to
every server personality."""

from __future__ import annotations

import pytest
from helpers import HOST, PERSONALITY_IDS, converse, crlf
from hypothesis import given, settings
from hypothesis import strategies as st

from smtp_sim.protocol.delivery import MailSender, Step
from smtp_sim.protocol.errors import LocalProtocolError, ProtocolError, RemoteProtocolError
from smtp_sim.protocol.events import ReplyReceived, Signal
from smtp_sim.protocol.personalities import PERSONALITIES
from smtp_sim.protocol.replies import Reply
from smtp_sim.protocol.server import ServerConnection
from smtp_sim.protocol.smtp_client import ClientConnection, parse_reply_lines, stuff


def receive(client: ClientConnection, data: bytes) -> list[ReplyReceived]:
    client.receive_data(data)
    out = []
    while isinstance(event := client.next_event(), ReplyReceived):
        out.append(event)
    return out


def greeted(extensions: tuple[str, ...] | None = ("PIPELINING", "SIZE 1000")) -> ClientConnection:
    """A client past the greeting and EHLO (or HELO when ``extensions`` is None)."""
    client = ClientConnection()
    receive(client, b"220 mail.example.com ESMTP\r\n")
    if extensions is None:
        client.send("HELO me.example")
        receive(client, b"250 mail.example.com\r\n")
    else:
        client.send("EHLO me.example")
        lines = ["mail.example.com", *extensions]
        receive(
            client,
            b"".join(
                f"250{'-' if i < len(lines) - 1 else ' '}{line}\r\n".encode()
                for i, line in enumerate(lines)
            ),
        )
    assert client.awaiting == 0
    return client


# -- parsing replies ----------------------------------------------------------------------------


def test_single_line_reply() -> None:
    client = ClientConnection()
    (event,) = receive(client, b"220 mail.example.com ESMTP Postfix\r\n")
    assert event.reply == Reply(220, ("mail.example.com ESMTP Postfix",))
    assert event.raw == b"220 mail.example.com ESMTP Postfix\r\n"
    assert client.last_reply == event.reply


def test_multi_line_reply_and_extensions() -> None:
    client = ClientConnection()
    receive(client, b"220 hi\r\n")
    assert client.send("EHLO me.example") == b"EHLO me.example\r\n"
    data = b"250-mail.example.com\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250 8BITMIME\r\n"
    (event,) = receive(client, data)
    assert event.reply.code == 250
    assert event.reply.lines == ("mail.example.com", "PIPELINING", "SIZE 10240000", "8BITMIME")
    assert event.reply.enhanced is None
    assert event.raw == data
    assert client.esmtp and client.pipelining
    assert client.extensions == {"PIPELINING": "", "SIZE": "10240000", "8BITMIME": ""}
    assert client.offers("size") and not client.offers("STARTTLS")


@pytest.mark.parametrize(
    ("wire", "code", "enhanced", "lines"),
    [
        ([b"250 2.1.0 Ok"], 250, "2.1.0", ("Ok",)),
        ([b"250-2.1.5 first", b"250 2.1.5 second"], 250, "2.1.5", ("first", "second")),
        ([b"550 5.7.1 <x@y>: Relay access denied"], 550, "5.7.1", ("<x@y>: Relay access denied",)),
        ([b"250 2.0.0"], 250, "2.0.0", ("",)),
        ([b"250 Ok"], 250, None, ("Ok",)),
        ([b"550 2.1.0 class does not match"], 550, None, ("2.1.0 class does not match",)),
        ([b"250-2.1.5 a", b"250 2.1.0 b"], 250, None, ("2.1.5 a", "2.1.0 b")),
        ([b"250-2.1.5 a", b"250 plain"], 250, None, ("2.1.5 a", "plain")),
        ([b"250 1.2.3 not a status class"], 250, None, ("1.2.3 not a status class",)),
        ([b"354 End data with <CR><LF>.<CR><LF>"], 354, None, ("End data with <CR><LF>.<CR><LF>",)),
        ([b"214"], 214, None, ("",)),
    ],
)
def test_enhanced_code_split_off_when_present(
    wire: list[bytes], code: int, enhanced: str | None, lines: tuple
) -> None:
    reply = parse_reply_lines(wire)
    assert (reply.code, reply.enhanced, reply.lines) == (code, enhanced, lines)


def test_reply_split_across_chunks() -> None:
    client = ClientConnection()
    data = b"220-mail.example.com\r\n220 welcome\r\n"
    for byte in data[:-1]:
        client.receive_data(bytes([byte]))
        assert client.next_event() is Signal.NEED_DATA
    client.receive_data(data[-1:])
    event = client.next_event()
    assert isinstance(event, ReplyReceived)
    assert event.reply.lines == ("mail.example.com", "welcome")


def test_bare_lf_reply_lines_are_tolerated() -> None:
    client = ClientConnection()
    (event,) = receive(client, b"220 old server\n")
    assert event.reply.code == 220


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"abc\r\n", ["malformed reply line", "'abc'", "3-digit code"]),
        (b"99 x\r\n", ["malformed reply line", "'99 x'"]),
        (b"600 x\r\n", ["malformed reply line", "'600 x'", "200 to 599"]),
        (b"250x\r\n", ["malformed reply line", "space or a hyphen"]),
        (b"\r\n", ["malformed reply line"]),
        (b"250-a\r\n251 b\r\n", ["changed its code from 250 to 251"]),
        (b"250-a\r\nnonsense\r\n", ["malformed reply line", "'nonsense'"]),
        (b"2" * 5000, ["longer than"]),
    ],
)
def test_malformed_replies_raise_remote_protocol_error(data: bytes, words: list[str]) -> None:
    client = ClientConnection()
    client.receive_data(data)
    with pytest.raises(RemoteProtocolError) as info:
        while client.next_event() is not Signal.NEED_DATA:
            pass
    message = str(info.value)
    for word in words:
        assert word in message
    assert isinstance(info.value, ProtocolError)


def test_421_and_221_close_the_client() -> None:
    client = greeted()
    receive(client, b"421 4.7.0 mail.example.com Error: too many errors\r\n")
    assert client.closed
    with pytest.raises(LocalProtocolError):
        client.send("NOOP")
    client = greeted()
    client.send("QUIT")
    receive(client, b"221 2.0.0 Bye\r\n")
    assert client.closed


def test_connection_closed_by_peer() -> None:
    client = ClientConnection()
    client.receive_data(b"")
    assert client.next_event() is Signal.CLOSED


# -- the rules for sending --------------------------------------------------------------------


def test_no_command_before_the_greeting() -> None:
    client = ClientConnection()
    with pytest.raises(LocalProtocolError, match="PIPELINING"):
        client.send("EHLO me.example")


def test_pipelining_only_when_offered() -> None:
    client = greeted(extensions=("SIZE 1000",))
    client.send("MAIL FROM:<a@b.example>")
    with pytest.raises(LocalProtocolError, match="did not offer PIPELINING"):
        client.send("RCPT TO:<c@d.example>")

    client = greeted(extensions=None)  # HELO: no extensions at all
    assert not client.pipelining
    client.send("MAIL FROM:<a@b.example>")
    with pytest.raises(LocalProtocolError):
        client.send("RCPT TO:<c@d.example>")


def test_pipelined_group_when_offered() -> None:
    client = greeted()
    sent = b"".join(
        client.send(c)
        for c in [
            "MAIL FROM:<a@b.example>",
            "RCPT TO:<c@d.example>",
            "RCPT TO:<e@f.example>",
            "DATA",
        ]
    )
    assert sent == crlf(
        "MAIL FROM:<a@b.example>", "RCPT TO:<c@d.example>", "RCPT TO:<e@f.example>", "DATA"
    )
    assert client.awaiting == 4
    with pytest.raises(LocalProtocolError, match="DATA must be the last"):
        client.send("NOOP")
    replies = receive(
        client,
        crlf(
            "250 2.1.0 Ok",
            "250 2.1.5 Ok",
            "550 5.1.1 unknown",
            "354 End data with <CR><LF>.<CR><LF>",
        ),
    )
    assert [r.reply.code for r in replies] == [250, 250, 550, 354]
    assert client.awaiting == 0


@pytest.mark.parametrize("command", ["NOOP\r\nQUIT", "RSET\n", "X\rY"])
def test_no_line_breaks_inside_a_command(command: str) -> None:
    with pytest.raises(LocalProtocolError):
        greeted().send(command)


def test_command_line_limit() -> None:
    client = greeted()
    client.send("NOOP " + "x" * (512 - 7))  # 512 with CRLF
    receive(client, b"250 Ok\r\n")
    with pytest.raises(LocalProtocolError, match="limit is 512"):
        client.send("NOOP " + "x" * (512 - 6))


def test_send_data_dot_stuffs_and_normalises_line_endings() -> None:
    client = greeted()
    client.send("DATA")
    with pytest.raises(LocalProtocolError, match="354"):
        client.send_data(b"too early")
    receive(client, b"354 go ahead\r\n")
    body = b"a\n.b\r\n..c\rd"
    assert client.send_data(body) == b"a\r\n..b\r\n...c\r\nd\r\n.\r\n"
    assert client.awaiting == 1
    (event,) = receive(client, b"250 2.0.0 Ok: queued as 1\r\n")
    assert event.reply.code == 250


@pytest.mark.parametrize(
    ("body", "wire"),
    [
        (b"", b""),
        (b".", b"..\r\n"),
        (b"\n", b"\r\n"),
        (b"x\r\n.\r\ny", b"x\r\n..\r\ny\r\n"),
        (b"\r\n.\r\n", b"\r\n..\r\n"),
        (b"no newline at end", b"no newline at end\r\n"),
    ],
)
def test_stuff(body: bytes, wire: bytes) -> None:
    assert stuff(body) == wire


def _stuff_line_by_line(body: bytes) -> bytes:
    """The rule as RFC 5321 4.5.2 states it, one line at a time (what stuff() must equal)."""
    text = body.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    if text and not text.endswith(b"\n"):
        text += b"\n"
    lines = text.split(b"\n")[:-1] if text else []
    return b"".join((b"." + line if line.startswith(b".") else line) + b"\r\n" for line in lines)


@settings(max_examples=500)
@given(st.lists(st.sampled_from([b"\r", b"\n", b"\r\n", b".", b"..", b"a", b" "]), max_size=12))
def test_stuff_is_the_line_by_line_rule(pieces: list[bytes]) -> None:
    body = b"".join(pieces)
    assert stuff(body) == _stuff_line_by_line(body)


def test_a_reply_seen_before_gives_the_same_event_and_still_teaches_the_client() -> None:
    ehlo = b"250-mail.example.com\r\n250-PIPELINING\r\n250 SIZE 1000\r\n"
    first, second = greeted(None), greeted(None)
    for client in (first, second):  # the second client hears bytes the first one parsed
        client.send("EHLO me.example")
        (event,) = receive(client, ehlo)
        assert event.raw == ehlo and client.pipelining and client.offers("SIZE")
    # the same bytes in two pieces, and two replies in one piece, parse as before
    client = greeted()
    client.send("MAIL FROM:<a@b.example>")
    client.send("RCPT TO:<c@d.example>")
    client.receive_data(b"250 2.1.0 Ok\r\n250 2.1")
    assert client.next_event().reply.lines == ("Ok",)
    assert client.next_event() is Signal.NEED_DATA
    (event,) = receive(client, b".5 Ok\r\n")
    assert event.reply.enhanced == "2.1.5" and event.raw == b"250 2.1.5 Ok\r\n"
    assert client.awaiting == 0


# -- client and server joined in memory ---------------------------------------------------------

CONTENT = (
    b"From: alice@crepes.fr\r\n"
    b"To: bob@cs.tcd.ie\r\n"
    b"Subject: in memory\r\n"
    b"\r\n"
    b".a line starting with a dot\r\n"
    b"..two dots\r\n"
    b".\r\n"
    b"\r\n"
    b"the end\r\n"
)


@pytest.mark.parametrize("personality", PERSONALITY_IDS)
def test_mail_sender_delivers_byte_identical_content(personality: str) -> None:
    server = ServerConnection(personality, HOST)
    sender = MailSender("client.example", "alice@crepes.fr", ["bob@cs.tcd.ie"], CONTENT)
    run = converse(server, sender)
    assert sender.done
    assert sender.result.delivered, sender.result
    assert sender.result.error is None
    (message,) = run.messages
    assert message.content == CONTENT
    assert message.accepted
    assert [str(r) for r in message.envelope.recipients] == ["bob@cs.tcd.ie"]
    assert server.closed  # the sender said QUIT
    assert run.replied[-1].command.verb == "QUIT"
    if PERSONALITIES[personality].offers("SIZE"):
        assert dict(message.envelope.mail_params)["SIZE"] == str(len(CONTENT))
    assert not any(e.reply.kind and e.reply.kind.value == "sync_error" for e in run.replied)


@pytest.mark.parametrize("personality", PERSONALITY_IDS)
def test_bare_lf_content_arrives_as_crlf(personality: str) -> None:
    server = ServerConnection(personality, HOST)
    sender = MailSender(
        "client.example", "alice@crepes.fr", ["bob@cs.tcd.ie"], CONTENT.replace(b"\r\n", b"\n")
    )
    (message,) = converse(server, sender).messages
    assert message.content == CONTENT


def test_ehlo_falls_back_to_helo_with_the_1988_server() -> None:
    server = ServerConnection("sendmail-1988", HOST)
    sender = MailSender("client.example", "alice@crepes.fr", ["bob@cs.tcd.ie"], CONTENT)
    run = converse(server, sender)
    assert [e.command.verb for e in run.replied] == ["EHLO", "HELO", "MAIL", "RCPT", "DATA", "QUIT"]
    assert run.replied[0].reply.code == 500
    assert sender.result.delivered
    assert not sender.client.esmtp
    (message,) = run.messages
    assert message.content == CONTENT
    assert message.envelope.mail_params == ()  # no SIZE for an RFC 821 server


@pytest.mark.parametrize("personality", PERSONALITY_IDS)
def test_rejected_recipients_are_reported(personality: str) -> None:
    server = ServerConnection(personality, HOST)
    sender = MailSender(
        "client.example",
        "alice@crepes.fr",
        ["nobody@cs.tcd.ie", "bob@cs.tcd.ie", "carol@elsewhere.org"],
        CONTENT,
    )
    run = converse(server, sender)
    result = sender.result
    assert result.accepted == ["bob@cs.tcd.ie"]
    assert set(result.rejected) == {"nobody@cs.tcd.ie", "carol@elsewhere.org"}
    assert result.rejected["nobody@cs.tcd.ie"].code == 550
    # (454: Postfix 3's defer_unauth_destination, the default since Postfix 2.10)
    assert result.rejected["carol@elsewhere.org"].code in (454, 550, 554)
    assert result.delivered
    (message,) = run.messages
    assert [str(r) for r in message.envelope.recipients] == ["bob@cs.tcd.ie"]


@pytest.mark.parametrize("personality", PERSONALITY_IDS)
def test_all_recipients_rejected_means_no_data(personality: str) -> None:
    server = ServerConnection(personality, HOST)
    sender = MailSender("client.example", "alice@crepes.fr", ["nobody@cs.tcd.ie"], CONTENT)
    run = converse(server, sender)
    assert not sender.result.delivered
    assert sender.result.failed_step is Step.RCPT
    assert run.messages == []
    assert "DATA" not in [e.command.verb for e in run.replied]
    assert server.closed


def test_recipients_are_pipelined_only_when_offered() -> None:
    chunks: dict[str, list[bytes]] = {}
    for personality in ("postfix-3", "sendmail-1988"):
        server = ServerConnection(personality, HOST)
        sender = MailSender(
            "client.example",
            "alice@crepes.fr",
            ["bob@cs.tcd.ie", "alice@cs.tcd.ie", "postmaster@cs.tcd.ie"],
            CONTENT,
        )
        sent: list[bytes] = []
        out = server.data_to_send()
        while not sender.done:
            sender.receive_data(out)
            data = sender.data_to_send()
            if data:
                sent.append(data)
                server.receive_data(data)
            while server.next_event() not in (Signal.NEED_DATA, Signal.CLOSED):
                pass
            out = server.data_to_send()
        assert sender.result.accepted == [
            "bob@cs.tcd.ie",
            "alice@cs.tcd.ie",
            "postmaster@cs.tcd.ie",
        ]
        chunks[personality] = sent
    assert (
        crlf(
            "RCPT TO:<bob@cs.tcd.ie>", "RCPT TO:<alice@cs.tcd.ie>", "RCPT TO:<postmaster@cs.tcd.ie>"
        )
        in chunks["postfix-3"]
    )
    rcpts = [chunk for chunk in chunks["sendmail-1988"] if chunk.startswith(b"RCPT")]
    assert rcpts == [
        crlf("RCPT TO:<bob@cs.tcd.ie>"),
        crlf("RCPT TO:<alice@cs.tcd.ie>"),
        crlf("RCPT TO:<postmaster@cs.tcd.ie>"),
    ]


def test_sender_refused_at_mail_quits() -> None:
    server = ServerConnection("rfc5321", HOST)
    sender = MailSender("client.example", "not an address", ["bob@cs.tcd.ie"], CONTENT)
    run = converse(server, sender)
    assert sender.result.failed_step is Step.MAIL
    assert sender.result.failure is not None and sender.result.failure.code == 501
    assert not sender.result.delivered and not sender.result.temporary
    assert run.replied[-1].command.verb == "QUIT"


def test_421_greeting_ends_the_delivery() -> None:
    sender = MailSender("client.example", "alice@crepes.fr", ["bob@cs.tcd.ie"], CONTENT)
    sender.receive_data(b"421 4.3.2 busy, try later\r\n")
    assert sender.done
    assert sender.result.failure is not None and sender.result.failure.code == 421
    assert sender.result.temporary


def test_garbage_from_the_server_is_a_delivery_error_not_a_crash() -> None:
    sender = MailSender("client.example", "alice@crepes.fr", ["bob@cs.tcd.ie"], CONTENT)
    sender.receive_data(b"HTTP/1.1 400 Bad Request\r\n")
    assert sender.done
    assert sender.result.error is not None and "malformed reply line" in sender.result.error
    assert sender.result.temporary


def test_connection_lost_mid_delivery() -> None:
    sender = MailSender("client.example", "alice@crepes.fr", ["bob@cs.tcd.ie"], CONTENT)
    sender.receive_data(b"220 hi\r\n")
    sender.receive_data(b"")
    assert sender.done
    assert sender.result.error == "connection lost during ehlo"


@pytest.mark.parametrize(("length", "ok"), [(2048, True), (2049, False), (5000, False)])
def test_reply_line_limit_does_not_depend_on_chunking(length: int, ok: bool) -> None:
    data = b"250 " + b"x" * (length - 4) + b"\r\n"
    outcomes = []
    for chunks in ([data], [data[i : i + 1] for i in range(len(data))]):
        client = ClientConnection()
        try:
            events = [e for chunk in chunks for e in receive(client, chunk)]
            outcomes.append(len(events) == 1 and len(events[0].raw) == length + 2)
        except RemoteProtocolError as exc:
            assert "longer than 2048" in str(exc)
            outcomes.append(False)
    assert outcomes == [ok, ok]
