"""telnet in any mode: character mode's CR NUL ends a line, option negotiation is refused
(WONT/DONT) and stripped, nothing is echoed; 8-bit message content is left alone."""

from __future__ import annotations

import time

import pytest
from conftest import Raw, in_thread, maildir_messages, smtp_port

from smtp_sim.bridge.telnet import TelnetFilter

BOB = "bob@cs.tcd.ie"
IAC, DO, WILL, WONT, DONT, SB, SE = b"\xff", b"\xfd", b"\xfb", b"\xfc", b"\xfe", b"\xfa", b"\xf0"
SGA, ECHO, TTYPE, LINEMODE = b"\x03", b"\x01", b"\x18", b"\x22"


def typed(raw: Raw, text: bytes) -> None:
    """Character mode: one byte per segment, Enter as CR NUL."""
    for byte in text:
        raw.send(bytes([byte]))
        time.sleep(0.001)


async def test_character_mode_telnet_gets_answers_line_by_line(serve, maildir):
    bridge = await serve()

    def session() -> tuple[bytes, list[bytes]]:
        raw = Raw(smtp_port(bridge))
        greeting = raw.reply()
        # What telnet sends on "mode character": options first, then keystrokes.
        raw.send(IAC + DO + SGA + IAC + WILL + TTYPE + IAC + DO + ECHO)
        answer = b""
        while len(answer) < 9:
            answer += raw.sock.recv(9 - len(answer))
        assert raw.buf == b""
        got = [greeting, answer]
        for line in (
            b"HELO telnet.example",
            b"MAIL FROM:<alice@crepes.fr>",
            b"RCPT TO:<bob@cs.tcd.ie>",
            b"DATA",
        ):
            typed(raw, line + b"\r\0")
            got.append(raw.reply())  # each answered at once, not at disconnect
        typed(raw, b"Subject: typed\r\0\r\0one key at a time\r\0.\r\0")
        got.append(raw.reply())
        typed(raw, b"QUIT\r\0")
        got.append(raw.reply())
        return answer, got

    answer, got = await in_thread(session)
    assert answer == IAC + WONT + SGA + IAC + DONT + TTYPE + IAC + WONT + ECHO
    assert [g[:3] for g in got[2:]] == [b"250", b"250", b"250", b"354", b"250", b"221"]
    (stored,) = maildir_messages(maildir, BOB)
    assert stored.endswith(b"\r\nSubject: typed\r\n\r\none key at a time\r\n")
    notes = [r.summary for r in bridge.world.trace if "telnet options" in r.summary]
    assert len(notes) == 1 and "DO SUPPRESS-GO-AHEAD, WILL TERMINAL-TYPE, DO ECHO" in notes[0]


async def test_toggle_crlf_options_glued_to_the_first_command_are_stripped(serve):
    bridge = await serve()

    def session() -> bytes:
        raw = Raw(smtp_port(bridge))
        raw.reply()
        raw.send(
            IAC + DO + SGA + IAC + SB + TTYPE + b"\x00xterm" + IAC + SE + b"HELO glued.example\r\n"
        )
        raw.sock.settimeout(5)
        out = b""
        while not out.endswith(b"\r\n"):
            out += raw.sock.recv(100)
        return out

    assert await in_thread(session) == IAC + WONT + SGA + b"250 mail.cs.tcd.ie\r\n"


async def test_pop3_in_character_mode(serve):
    bridge = await serve()

    def session() -> list[bytes]:
        raw = Raw(bridge.listeners[1].port)
        raw.line()
        typed(raw, b"USER bob\r\0")
        first = raw.line()
        typed(raw, b"PASS secret\r\0")
        return [first, raw.line()]

    assert await in_thread(session) == [
        b"+OK bob: send PASS\r\n",
        b"+OK bob's maildrop has 0 messages (0 octets)\r\n",
    ]


async def test_8bit_content_with_byte_255_is_left_alone(serve, maildir):
    bridge = await serve()

    def send() -> bytes:
        raw = Raw(smtp_port(bridge))
        raw.reply()
        for command in (
            b"EHLO x",
            b"MAIL FROM:<alice@crepes.fr> BODY=8BITMIME",
            b"RCPT TO:<bob@cs.tcd.ie>",
            b"DATA",
        ):
            raw.send(command + b"\r\n")
            raw.reply()
        raw.send(b"Subject: bytes\r\n\r\n\xff\xfd\x03 stays\r\xff\r\n.\r\n")
        return raw.reply()

    assert (await in_thread(send)).startswith(b"250 ")
    (stored,) = maildir_messages(maildir, BOB)
    assert stored.endswith(b"\r\n\r\n\xff\xfd\x03 stays\r\xff\r\n")


@pytest.mark.parametrize("cut", range(1, 12))
def test_the_filter_handles_a_sequence_split_between_reads(cut):
    data = b"A" + IAC + DO + SGA + b"B\r\0" + IAC + IAC + b"C"
    f = TelnetFilter()
    first = f.feed(data[:cut])
    second = f.feed(data[cut:])
    assert first[0] + second[0] == b"AB\r\n\xffC"
    assert first[1] + second[1] == IAC + WONT + SGA


def test_the_filter_leaves_plain_text_alone():
    f = TelnetFilter()
    assert f.feed(b"EHLO x\r\nMAIL FROM:<a@b>\r\n") == (b"EHLO x\r\nMAIL FROM:<a@b>\r\n", b"")
    assert f.feed(b"half a line\r") == (b"half a line", b"")  # CR LF split between reads
    assert f.feed(b"\nrest") == (b"\r\nrest", b"")
    assert f.feed(b"bare\r") == (b"bare", b"")
    assert f.flush() == b"\r"


@pytest.mark.parametrize(
    "line",
    [
        b"NOOP \xff\xfe\r\n",
        b"\xff\xfe\xfd\r\n",
        b"HELO \xff\r\n",
        b"MAIL FROM:<\xff\xfb\xfe@x>\r\n",
        b"\xff\xfe raw bytes\r\n",
    ],
)
def test_a_byte_255_that_starts_no_negotiation_is_a_data_byte(line):
    """A real MTA knows no telnet: Postfix 3.7.11 answers 'NOOP \\xff\\xfe' with 500 5.5.2
    (tests/protocol/data/postfix-3.7/other-commands.txt), so the bytes must reach the engine."""
    f = TelnetFilter()
    assert f.feed(line) == (line, b"")
    assert not f.negotiated


def test_a_real_negotiation_turns_the_filter_on():
    f = TelnetFilter()
    assert f.feed(IAC + DO + SGA + b"HELO x\r\0") == (b"HELO x\r\n", IAC + WONT + SGA)
    assert f.negotiated
    assert f.feed(b"NOOP " + IAC + DONT + b"\xfd\r\n") == (b"NOOP \r\n", b"")
