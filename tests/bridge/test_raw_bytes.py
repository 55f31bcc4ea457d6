"""Exact bytes over raw sockets: transparency, SMTP smuggling, over-long lines, clients that
vanish or fall silent, and the limits (connections, idle time, bad commands, message size)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import sys
import time

import pytest
from conftest import Raw, in_thread, maildir_messages, open_transaction, smtp_port, wait_for

from smtp_sim.bridge.maildir import to_file
from smtp_sim.bridge.real_client import MESSAGE_EXCERPT
from smtp_sim.world.trace import Kind

BOB = "bob@cs.tcd.ie"

# -- transparency and smuggling ---------------------------------------------------------------


async def test_dot_stuffing_both_ways(serve, maildir):
    bridge = await serve()
    body = b"Subject: dots\r\n\r\n..one dot\r\n...two dots\r\n. dot space\r\n..\r\nend\r\n"

    def talk() -> bytes:
        raw = open_transaction(smtp_port(bridge))
        raw.send(body + b".\r\n")
        reply = raw.reply()
        raw.send(b"QUIT\r\n")
        raw.reply()
        raw.close()
        return reply

    assert (await in_thread(talk)).startswith(b"250 Ok: queued as ")
    (stored,) = maildir_messages(maildir, BOB)
    # RFC 5321 4.5.2: the server removes one leading dot from every line that has one
    assert stored.endswith(
        b"Subject: dots\r\n\r\n.one dot\r\n..two dots\r\n dot space\r\n.\r\nend\r\n"
    )

    def fetch() -> bytes:  # POP3 stuffs them again on the way out (RFC 1939 section 3)
        raw = Raw(bridge.listeners[1].port)
        raw.line()
        raw.send(b"USER bob\r\nPASS secret\r\nRETR 1\r\nQUIT\r\n")
        return raw.rest()

    out = await in_thread(fetch)
    assert b"\r\n..one dot\r\n...two dots\r\n dot space\r\n..\r\nend\r\n.\r\n" in out


SEQUENCES = {
    "LF.LF": b"\n.\n",
    "LF.CRLF": b"\n.\r\n",
    "CR.CRLF": b"\r.\r\n",
    "CRLF.LF": b"\r\n.\n",
    "CRLF.CR": b"\r\n.\r",
    "CR.LF": b"\r.\n",
    "LF.": b"\n.",
}
SMUGGLED = (
    b"MAIL FROM:<admin@cs.tcd.ie>\r\nRCPT TO:<bob@cs.tcd.ie>\r\nDATA\r\n"
    b"From: admin@cs.tcd.ie\r\nSubject: smuggled\r\n\r\nSend me your password.\r\n"
)
PREFIXES = {
    "at-start": b"",
    "after-a-line": b"Subject: real\r\n\r\nHello Bob\r\n",
    "mid-line": b"Subject: real\r\n\r\nHello Bob",
}


@pytest.mark.parametrize("position", list(PREFIXES))
@pytest.mark.parametrize("sequence", list(SEQUENCES))
async def test_smtp_smuggling_delivers_exactly_one_message(serve, maildir, sequence, position):
    bridge = await serve()
    body = PREFIXES[position] + SEQUENCES[sequence] + SMUGGLED

    def talk() -> list[bytes]:
        raw = open_transaction(smtp_port(bridge))
        raw.send(body + b".\r\nQUIT\r\n")  # one write: a receiver fooled would run MAIL...
        replies = raw.replies(2)
        assert raw.rest() == b""
        raw.close()
        return replies

    queued, bye = await in_thread(talk)
    assert queued.startswith(b"250 Ok: queued as ") and bye == b"221 Bye\r\n"
    (stored,) = maildir_messages(maildir, BOB)  # exactly one message, never two
    content = body.replace(b"\r\n.", b"\r\n")
    # (in the file, with LF line ends, a bare LF the client sent is a line end too)
    assert to_file(stored).endswith(to_file(content))
    (kept,) = bridge.world.mailbox(BOB).messages  # (read back from that file)
    assert to_file(kept.data).endswith(to_file(content))


# -- lines too long, clients that vanish ------------------------------------------------------


async def test_a_1mb_line_without_crlf_is_an_error_and_the_session_goes_on(serve, maildir):
    bridge = await serve()
    line = b"X" * 1_000_000

    def talk() -> list[bytes]:
        raw = Raw(smtp_port(bridge))
        raw.reply()
        raw.send(b"HELO FooBar\r\n")
        raw.reply()
        raw.send(line)  # a megabyte with no line end in sight: nothing to answer yet
        raw.sock.settimeout(0.3)
        with pytest.raises(TimeoutError):
            raw.reply()
        raw.sock.settimeout(5)
        raw.send(b"\r\nNOOP\r\n")
        got = raw.replies(2)
        raw.send(b"MAIL FROM:<alice@crepes.fr>\r\nRCPT TO:<bob@cs.tcd.ie>\r\nDATA\r\n")
        got += raw.replies(3)
        raw.send(b"Subject: long\r\n\r\n" + line + b"\r\n.\r\n")  # the same inside DATA
        got.append(raw.reply())
        raw.send(b"MAIL FROM:<alice@crepes.fr>\r\nRCPT TO:<bob@cs.tcd.ie>\r\nDATA\r\n")
        got += raw.replies(3)
        raw.send(b"Subject: short\r\n\r\nfine\r\n.\r\nQUIT\r\n")
        got += raw.replies(2)
        raw.close()
        return got

    got = await in_thread(talk)
    # Postfix reads at most line_length_limit (2048) octets of a command: what it got of the
    # megabyte is no command it knows
    assert got[0] == b"502 Error: command not implemented\r\n"
    assert got[1] == b"250 Ok\r\n"
    # Inside DATA Postfix takes the megabyte line (under its 10 MB message limit) whole.
    assert got[5].startswith(b"250 Ok: queued as ")
    assert got[9].startswith(b"250 Ok: queued as ") and got[10] == b"221 Bye\r\n"
    stored = maildir_messages(maildir, BOB)
    assert len(stored) == 2
    assert any(m.endswith(b"Subject: long\r\n\r\n" + line + b"\r\n") for m in stored)
    assert any(m.endswith(b"Subject: short\r\n\r\nfine\r\n") for m in stored)


async def test_a_client_that_vanishes_mid_data_delivers_nothing(serve, maildir):
    bridge = await serve()

    def vanish() -> None:
        raw = open_transaction(smtp_port(bridge))
        raw.send(b"Subject: half\r\n\r\nhalf a message\r\n")
        raw.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        raw.close()  # RST: gone without a word

    await in_thread(vanish)
    await wait_for(lambda: not bridge.clients)
    assert maildir_messages(maildir, BOB) == []
    assert bridge.world.mailbox(BOB).messages == []
    assert not any(r.kind.value == "stored" for r in bridge.world.trace)

    def polite() -> bytes:  # the server is none the worse
        raw = open_transaction(smtp_port(bridge))
        raw.send(b"Subject: whole\r\n\r\nall of it\r\n.\r\n")
        return raw.reply()

    assert (await in_thread(polite)).startswith(b"250 Ok: queued as ")
    assert len(maildir_messages(maildir, BOB)) == 1


# -- limits -----------------------------------------------------------------------------------


async def test_an_idle_client_is_timed_out(serve):
    bridge = await serve(idle_timeout=0.3)

    def idle() -> tuple[bytes, bytes, float]:
        raw = Raw(smtp_port(bridge))
        greeting = raw.reply()
        started = time.monotonic()
        rest = raw.rest()
        return greeting, rest, time.monotonic() - started

    greeting, rest, waited = await in_thread(idle)
    assert greeting.startswith(b"220 ")
    assert rest == b"421 mail.cs.tcd.ie Error: timeout exceeded\r\n"
    assert 0.25 <= waited < 3
    assert bridge.stats.timed_out == 1


async def test_traffic_keeps_a_session_alive_and_data_times_out_too(serve, maildir):
    bridge = await serve(idle_timeout=1.0)

    def talk() -> tuple[bytes, bytes]:
        raw = Raw(smtp_port(bridge))
        raw.reply()
        for _ in range(6):  # 0.2 s apart for 1.2 s: never idle for a whole second
            time.sleep(0.2)
            raw.send(b"NOOP\r\n")
            assert raw.reply() == b"250 Ok\r\n"
        raw.send(b"HELO x\r\nMAIL FROM:<alice@crepes.fr>\r\nRCPT TO:<bob@cs.tcd.ie>\r\nDATA\r\n")
        raw.replies(4)
        raw.send(b"Subject: never finished\r\n")
        return raw.rest(), b""

    rest, _ = await in_thread(talk)
    assert rest == b"421 mail.cs.tcd.ie Error: timeout exceeded\r\n"
    assert maildir_messages(maildir, BOB) == []


async def test_pop3_idle_client_gets_autologout(serve):
    bridge = await serve(idle_timeout=0.2)

    def idle() -> bytes:
        raw = Raw(bridge.listeners[1].port)
        raw.line()
        return raw.rest()

    assert await in_thread(idle) == b"-ERR autologout: idle too long, closing connection\r\n"


async def test_rfc_timeouts_by_default(serve):
    bridge = await serve()
    raw = await in_thread(open_transaction, smtp_port(bridge))
    (client,) = bridge.clients
    assert client.idle_limit() == 180.0  # inside DATA: a data block, 3 minutes
    await in_thread(raw.send, b"Subject: x\r\n\r\nx\r\n.\r\n")
    await in_thread(raw.reply)
    assert client.idle_limit() == 300.0  # waiting for a command: 5 minutes
    raw.close()


async def test_past_the_connection_limit_a_client_gets_421(serve):
    bridge = await serve(max_connections=2)
    port = smtp_port(bridge)

    def crowd() -> tuple[bytes, bytes]:
        first, second = Raw(port), Raw(port)
        first.reply()
        second.reply()
        third = Raw(port)
        refused = third.rest()
        first.send(b"QUIT\r\n")
        first.rest()
        first.close()
        time.sleep(0.1)
        fourth = Raw(port)
        return refused, fourth.reply()

    refused, greeting = await in_thread(crowd)
    assert refused == b"421 mail.cs.tcd.ie Too many connections\r\n"
    assert greeting == b"220 mail.cs.tcd.ie ESMTP Postfix (1.1.13)\r\n"
    assert bridge.stats.refused == 1


async def test_the_bad_command_budget(serve):
    bridge = await serve()

    def pester() -> list[bytes]:
        raw = Raw(smtp_port(bridge))
        raw.reply()
        raw.send(b"BOGUS\r\n" * 105)
        return raw.rest().split(b"\r\n")

    lines = await in_thread(pester)
    # Postfix 1.1.13: "error_count > var_smtpd_hard_erlim" (DEF_SMTPD_HARD_ERLIM 100), and a
    # 421 without the host name (smtpd.c smtpd_proto())
    assert lines[:101] == [b"502 Error: command not implemented"] * 101
    assert lines[101:] == [b"421 Error: too many errors", b""]


async def test_the_message_size_limit(serve, maildir):
    bridge = await serve()
    big = b"Subject: big\r\n\r\n" + (b"y" * 998 + b"\r\n") * 10_300  # over 10,240,000 octets

    def talk() -> list[bytes]:
        raw = Raw(smtp_port(bridge))
        raw.reply()
        raw.send(b"EHLO x\r\nMAIL FROM:<alice@crepes.fr> SIZE=20000000\r\n")
        got = raw.replies(2)
        raw.send(b"MAIL FROM:<alice@crepes.fr>\r\nRCPT TO:<bob@cs.tcd.ie>\r\nDATA\r\n")
        got += raw.replies(3)
        raw.send(big + b".\r\nNOOP\r\n")
        got += raw.replies(2)
        raw.close()
        return got

    got = await in_thread(talk)
    assert got[1] == b"552 Message size exceeds fixed limit\r\n"
    assert got[5] == b"552 Error: message file too big\r\n"
    assert got[6] == b"250 Ok\r\n"
    assert maildir_messages(maildir, BOB) == []


async def test_slow_and_silent_clients_hold_up_nobody(serve, maildir):
    bridge = await serve()
    port = smtp_port(bridge)

    def silent() -> Raw:
        return Raw(port)  # connects and never says or reads anything

    def dribble(stop: list[bool]) -> None:
        raw = Raw(port)
        raw.reply()
        for byte in b"HELO slowly.example\r\n" * 100:
            if stop:
                break
            raw.send(bytes([byte]))
            time.sleep(0.02)
        raw.close()

    def quick() -> float:
        started = time.monotonic()
        raw = open_transaction(port)
        raw.send(b"Subject: quick\r\n\r\nquick\r\n.\r\nQUIT\r\n")
        raw.replies(2)
        return time.monotonic() - started

    quiet = [await in_thread(silent) for _ in range(5)]
    stop: list[bool] = []
    slow = asyncio.ensure_future(in_thread(dribble, stop))
    await asyncio.sleep(0.1)
    times = [await in_thread(quick) for _ in range(3)]
    stop.append(True)
    await slow
    for raw in quiet:
        raw.close()
    assert max(times) < 2.0
    assert len(maildir_messages(maildir, BOB)) == 3


async def test_pop3_past_the_connection_limit(serve):
    bridge = await serve(max_connections=1)

    def crowd() -> bytes:
        first = Raw(bridge.listeners[1].port)
        first.line()
        return Raw(bridge.listeners[1].port).rest()

    assert await in_thread(crowd) == b"-ERR [SYS/TEMP] too many connections, try again later\r\n"


async def test_a_client_that_never_reads_is_not_buffered_without_end(serve):
    """Replies pile up only to asyncio's high-water mark; then the bridge stops reading."""
    bridge = await serve()
    raw = await in_thread(Raw, smtp_port(bridge))
    await in_thread(raw.reply)
    raw.sock.settimeout(1.5)

    def flood() -> None:
        with contextlib.suppress(OSError):  # TimeoutError is one
            raw.sock.sendall(b"NOOP\r\n" * 2_000_000)  # 12 MB of commands, no reading

    sender = asyncio.ensure_future(in_thread(flood))
    (client,) = bridge.clients
    transport = client.transport
    assert transport is not None
    await wait_for(lambda: not transport.is_reading(), timeout=20)
    # (the kernel may take a little more now and then, so reading can resume for a moment:
    # what matters is that the replies held stay bounded and most of the flood is never read)
    for _ in range(5):
        await asyncio.sleep(0.1)
        assert transport.get_write_buffer_size() < 1_000_000
    assert client.conn is not None
    taken = client.conn.bytes_sent[client.host] + len(client._backlog)
    assert taken < 6_000_000, taken  # of 12 MB sent
    raw.close()
    await sender


async def test_endless_bytes_without_a_reply_are_cut_off(serve, maildir):
    bridge = await serve()
    limit = bridge.listeners[0].max_unanswered

    def endless() -> bytes:
        raw = Raw(smtp_port(bridge))  # a command line that never ends (a message: see
        raw.reply()  # test_big_messages.py)
        chunk = b"z" * 65536
        try:
            for _ in range(limit // len(chunk) + 100):
                raw.send(chunk)
        except OSError:
            pass
        try:
            return raw.rest()
        except OSError:
            return b""

    assert await in_thread(endless) == b""
    assert maildir_messages(maildir, BOB) == []
    assert any("without a reply: disconnected" in r.summary for r in bridge.world.trace)


async def test_a_failing_record_listener_breaks_no_session(serve, maildir):
    problems = []

    def broken(record) -> None:
        raise RuntimeError("a view's bug")

    bridge = await serve(on_record=broken, on_error=problems.append)

    def talk() -> bytes:
        raw = open_transaction(smtp_port(bridge))
        raw.send(b"Subject: still fine\r\n\r\nok\r\n.\r\n")
        return raw.reply()

    assert (await in_thread(talk)).startswith(b"250 Ok: queued as ")
    assert len(maildir_messages(maildir, BOB)) == 1
    assert problems and "a view's bug" in problems[0]


# The quick client of the flood test, in a process of its own: in a thread it would wait
# for the interpreter lock the busy bridge holds, and on a loaded machine lose the race to
# the flood for a reason that is not the bridge's.
_QUICK_CLIENT = r"""
import socket, sys
sock = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=30)
buf = b""
def reply():
    global buf
    while True:
        lines = buf.split(b"\r\n")
        for i, line in enumerate(lines[:-1]):
            if line[3:4] == b" ":
                out = b"\r\n".join(lines[: i + 1])
                buf = b"\r\n".join(lines[i + 1 :])
                return out
        chunk = sock.recv(65536)
        if not chunk:
            return buf
        buf += chunk
reply()
sock.sendall(b"EHLO quick.example\r\n")
reply()
print("ready", flush=True)
sys.stdin.readline()
for line in (b"MAIL FROM:<alice@crepes.fr>", b"RCPT TO:<bob@cs.tcd.ie>", b"DATA"):
    sock.sendall(line + b"\r\n")
    reply()
sock.sendall(b"Subject: quick\r\n\r\nquick\r\n.\r\n")
print(reply().decode(), flush=True)
"""


async def test_a_pipelining_flood_holds_up_nobody(serve):
    """200,000 pipelined NOOPs in one write: the bridge feeds them in turns, so another
    client's whole transaction goes through long before the flood is answered (the bridge's
    own order: the quick message is queued before the flood's QUIT is answered)."""
    bridge = await serve()
    port = smtp_port(bridge)
    quick = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        _QUICK_CLIENT,
        str(port),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert quick.stdin is not None and quick.stdout is not None
    assert await asyncio.wait_for(quick.stdout.readline(), 30) == b"ready\n"

    def flood() -> bytes:
        raw = Raw(port)
        raw.reply()
        raw.send(b"NOOP\r\n" * 200_000 + b"QUIT\r\n")
        return raw.rest()

    flooding = asyncio.ensure_future(in_thread(flood))
    await wait_for(lambda: any(r.summary.startswith("NOOP (+") for r in bridge.world.trace))
    quick.stdin.write(b"go\n")
    await quick.stdin.drain()
    reply = await asyncio.wait_for(quick.stdout.readline(), 60)
    await quick.wait()
    out = await flooding
    assert reply.startswith(b"250 Ok: queued as ")
    assert out.count(b"250 Ok\r\n") == 200_000 and out.endswith(b"221 Bye\r\n")
    trace = list(bridge.world.trace)
    queued = next(r for r in trace if r.summary.startswith("250 Ok: queued as "))
    flood_answered = max(r.seq for r in trace if r.kind is Kind.REPLY and r.conn != queued.conn)
    assert queued.seq < flood_answered


async def test_a_half_closed_client_still_gets_every_reply(serve, maildir):
    """Like ``nc`` with a script: everything in one go, then the sending half closed."""
    bridge = await serve()

    def scripted() -> bytes:
        raw = Raw(smtp_port(bridge))
        raw.send(
            b"helo FooBar\r\nmail from: alice@crepes.fr\r\nrcpt to: bob@cs.tcd.ie\r\n"
            b"data\r\nSubject: piped\r\n\r\n" + b"line\r\n" * 200 + b".\r\nquit\r\n"
        )
        raw.sock.shutdown(socket.SHUT_WR)
        return raw.rest()

    out = (await in_thread(scripted)).split(b"\r\n")
    assert out[0] == b"220 mail.cs.tcd.ie ESMTP Postfix (1.1.13)"
    assert out[1:5] == [
        b"250 mail.cs.tcd.ie",
        b"250 Ok",
        b"250 Ok",
        b"354 End data with <CR><LF>.<CR><LF>",
    ]
    assert out[5].startswith(b"250 Ok: queued as ") and out[6:] == [b"221 Bye", b""]
    (stored,) = maildir_messages(maildir, BOB)
    assert stored.endswith(b"Subject: piped\r\n\r\n" + b"line\r\n" * 200)


async def test_a_line_typed_a_character_at_a_time_is_one_command(serve, maildir):
    """Character-mode telnet sends every key in its own segment: the world gets the line
    once its end arrives, so the trace (and serve's live log) shows the command, not its
    letters; a line cut off by the client's close still reaches the server."""
    bridge = await serve()

    def type_slowly() -> tuple[bytes, bytes]:
        raw = Raw(smtp_port(bridge))
        assert raw.reply().startswith(b"220 ")
        for byte in b"HELO segmented\r\n":
            raw.send(bytes([byte]))
            time.sleep(0.002)
        helo = raw.reply()
        raw.send(b"NOOP\r\nQU")
        time.sleep(0.05)
        raw.send(b"IT\r\n")
        return helo, raw.reply() + raw.reply()

    helo, rest = await in_thread(type_slowly)
    assert helo.startswith(b"250 ")
    assert rest.startswith(b"250 ") and b"221 " in rest
    commands = [r for r in bridge.world.trace if r.kind.value == "command"]
    assert [r.data for r in commands] == [b"HELO segmented\r\n", b"NOOP\r\n", b"QUIT\r\n"]
    assert commands[0].summary == "HELO segmented"


async def test_a_client_gone_mid_data_is_explained(serve, maildir):
    bridge = await serve()

    def half() -> None:
        raw = open_transaction(smtp_port(bridge))
        raw.send(b"Subject: half\r\n\r\nhalf a message\r\n.")  # the final dot's CRLF never comes
        raw.close()

    await in_thread(half)
    await wait_for(lambda: not bridge.clients)
    notes = [r.summary for r in bridge.world.trace if r.kind.value == "note"]
    assert any(n.startswith("lost connection after DATA") for n in notes), notes
    assert bridge.world.mailbox(BOB).messages == []


async def test_a_long_message_goes_into_the_world_in_whole_lines(serve, maildir):
    """Segments of message content end at line ends, so the live log never shows one line
    of the message cut in two at a 64 KiB read."""
    bridge = await serve()
    body = b"".join(b"line %05d of the big message\r\n" % n for n in range(5000))

    def send() -> bytes:
        raw = open_transaction(smtp_port(bridge))
        raw.send(b"Subject: big\r\n\r\n" + body + b".\r\n")
        return raw.reply()

    assert (await in_thread(send)).startswith(b"250 ")
    contents = [r.data for r in bridge.world.trace if r.kind.value == "content"]
    assert len(contents) > 1  # it did arrive in several reads
    assert all(data.endswith(b"\n") for data in contents if data)
    (stored,) = maildir_messages(maildir, BOB)
    assert stored.endswith(b"Subject: big\r\n\r\n" + body)
    # The trace keeps the message's start (the mailbox, on disk, all of it).
    assert sum(map(len, contents)) <= MESSAGE_EXCERPT + 5
    assert b"".join(contents).startswith(b"Subject: big\r\n\r\nline 00000 of the big")
