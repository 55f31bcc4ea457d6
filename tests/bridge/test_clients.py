"""Real mail clients against the bridge: the slides' FooBar session byte for byte, smtplib
(plain and pipelined), aiosmtplib, swaks, poplib, and relaying inside the simulation."""

from __future__ import annotations

import io
import poplib
import shutil
import smtplib
import subprocess
import time

import pytest
from conftest import SERVER, Raw, classroom, in_thread, maildir_messages, smtp_port, wait_for

from smtp_sim.bridge.serve import LiveLog
from smtp_sim.world.trace import Kind, Layer

FOOBAR = [
    (None, b"220 mail.cs.tcd.ie ESMTP Postfix (1.1.13)\r\n"),
    (b"helo FooBar\r\n", b"250 mail.cs.tcd.ie\r\n"),
    (b"mail from: alice@crepes.fr\r\n", b"250 Ok\r\n"),
    (b"rcpt to: bob@cs.tcd.ie\r\n", b"250 Ok\r\n"),
    (b"data\r\n", b"354 End data with <CR><LF>.<CR><LF>\r\n"),
    (b"Subject: FooBar\r\n\r\nHello World\r\n.\r\n", b"250 Ok: queued as {queue_id}\r\n"),
    (b"quit\r\n", b"221 Bye\r\n"),
]


def first_queue_id() -> str:
    """What mail.cs.tcd.ie calls its first message (a fresh world numbers the same way)."""
    return classroom().mtas[SERVER].next_queue_id()


async def test_foobar_session_exact_bytes(serve, maildir):
    bridge = await serve()
    expected = [(c, r.replace(b"{queue_id}", first_queue_id().encode())) for c, r in FOOBAR]

    def talk() -> list[bytes]:
        raw = Raw(smtp_port(bridge))
        got = []
        for command, _ in expected:
            if command is not None:
                raw.send(command)
            got.append(raw.reply())
        assert raw.rest() == b""  # then the server closes
        raw.close()
        return got

    assert await in_thread(talk) == [reply for _, reply in expected]
    (stored,) = maildir_messages(maildir, "bob@cs.tcd.ie")
    assert stored.startswith(
        b"Return-Path: <alice@crepes.fr>\r\nDelivered-To: bob@cs.tcd.ie\r\n"
        b"Received: from FooBar (client-127.0.0.1 [127.0.0.1])\r\n"
    )
    assert stored.endswith(b"Subject: FooBar\r\n\r\nHello World\r\n")
    assert [m.data for m in bridge.world.mailbox("bob@cs.tcd.ie").messages] == [stored]


async def test_smtplib_plain(serve, maildir):
    bridge = await serve()

    def send() -> tuple:
        with smtplib.SMTP("127.0.0.1", smtp_port(bridge), timeout=5) as client:
            code, banner = client.ehlo("laptop.example")
            refused = client.sendmail(
                "alice@crepes.fr",
                ["bob@cs.tcd.ie", "dave@cs.tcd.ie"],
                b"Subject: two\r\n\r\nto Bob and Dave\r\n",
            )
            return code, banner, refused, client.noop()

    code, banner, refused, noop = await in_thread(send)
    assert (code, refused, noop) == (250, {}, (250, b"Ok"))
    # (Postfix 1.1.13's ehlo_cmd() also offers ETRN and XVERP)
    assert banner.split(b"\n") == [
        b"mail.cs.tcd.ie",
        b"PIPELINING",
        b"SIZE 10240000",
        b"VRFY",
        b"ETRN",
        b"XVERP",
        b"8BITMIME",
    ]
    for who in ("bob@cs.tcd.ie", "dave@cs.tcd.ie"):
        (message,) = maildir_messages(maildir, who)
        assert message.endswith(b"Subject: two\r\n\r\nto Bob and Dave\r\n")


async def test_smtplib_refusals_are_the_simulated_servers(serve):
    bridge = await serve()

    def send() -> None:
        with smtplib.SMTP("127.0.0.1", smtp_port(bridge), timeout=5) as client:
            with pytest.raises(smtplib.SMTPRecipientsRefused) as info:
                client.sendmail("alice@crepes.fr", ["rob@cs.tcd.ie"], b"Subject: x\r\n\r\nx\r\n")
            assert info.value.recipients == {
                "rob@cs.tcd.ie": (550, b"<rob@cs.tcd.ie>: User unknown")
            }
            # A real client is a stranger: mail.cs.tcd.ie does not relay for it.
            with pytest.raises(smtplib.SMTPRecipientsRefused) as info:
                client.sendmail("bob@cs.tcd.ie", ["carol@example.org"], b"x\r\n")
            assert info.value.recipients["carol@example.org"] == (
                554,
                b"<carol@example.org>: Relay access denied",
            )

    await in_thread(send)


async def test_smtplib_pipelined(serve, maildir):
    """MAIL, RCPT, RCPT and DATA in one write (PIPELINING, RFC 2920), the replies read after."""
    bridge = await serve()

    def send() -> list[tuple[int, bytes]]:
        client = smtplib.SMTP("127.0.0.1", smtp_port(bridge), timeout=5)
        client.ehlo("laptop.example")
        assert client.has_extn("pipelining")
        client.send(
            b"MAIL FROM:<alice@crepes.fr>\r\nRCPT TO:<bob@cs.tcd.ie>\r\n"
            b"RCPT TO:<nobody@cs.tcd.ie>\r\nDATA\r\n"
        )
        got = [client.getreply() for _ in range(4)]
        client.send(b"Subject: pipelined\r\n\r\n..dot\r\n.\r\nRSET\r\nNOOP\r\nQUIT\r\n")
        got += [client.getreply() for _ in range(4)]
        client.close()
        return got

    got = await in_thread(send)
    assert [code for code, _ in got] == [250, 250, 550, 354, 250, 250, 250, 221]
    assert got[2][1] == b"<nobody@cs.tcd.ie>: User unknown"
    (message,) = maildir_messages(maildir, "bob@cs.tcd.ie")
    assert message.endswith(b"Subject: pipelined\r\n\r\n.dot\r\n")


async def test_aiosmtplib(serve, maildir):
    aiosmtplib = pytest.importorskip("aiosmtplib")
    bridge = await serve()
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"] = "alice@crepes.fr"
    message["To"] = "bob@cs.tcd.ie"
    message["Subject"] = "from aiosmtplib"
    message.set_content("Hello from asyncio\n.starts with a dot\n")
    errors, response = await aiosmtplib.send(
        message, hostname="127.0.0.1", port=smtp_port(bridge), start_tls=False, timeout=5
    )
    assert errors == {}
    assert response.startswith("Ok: queued as ")
    (stored,) = maildir_messages(maildir, "bob@cs.tcd.ie")
    assert b"Subject: from aiosmtplib" in stored
    assert b"\n.starts with a dot\r\n" in stored


@pytest.mark.skipif(shutil.which("swaks") is None, reason="swaks is not installed")
async def test_swaks(serve, maildir):
    bridge = await serve()
    command = [
        "swaks",
        "--server",
        "127.0.0.1",
        "--port",
        str(smtp_port(bridge)),
        "--helo",
        "FooBar",
        "--from",
        "alice@crepes.fr",
        "--to",
        "bob@cs.tcd.ie",
        "--header",
        "Subject: FooBar",
        "--body",
        "Hello World",
        "--timeout",
        "5",
    ]
    done = await in_thread(
        lambda: subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "<-  220 mail.cs.tcd.ie ESMTP Postfix (1.1.13)" in done.stdout
    assert " -> EHLO FooBar" in done.stdout
    assert "<-  250 Ok: queued as " in done.stdout
    assert "<-  221 Bye" in done.stdout
    (stored,) = maildir_messages(maildir, "bob@cs.tcd.ie")
    assert b"Subject: FooBar\r\n" in stored and b"Hello World" in stored


async def test_poplib_fetches_what_was_delivered(serve):
    bridge = await serve()

    def deliver_then_fetch() -> tuple[bytes, list[bytes], tuple]:
        with smtplib.SMTP("127.0.0.1", smtp_port(bridge), timeout=5) as client:
            client.sendmail(
                "alice@crepes.fr",
                ["bob@cs.tcd.ie"],
                b"Subject: collect me\r\n\r\n.line with a dot\r\nbye\r\n",
            )
        pop = poplib.POP3("127.0.0.1", bridge.listeners[1].port, timeout=5)
        welcome = pop.getwelcome()
        pop.user("bob")
        pop.pass_("secret")
        _, lines, _ = pop.retr(1)
        pop.dele(1)
        pop.quit()
        return welcome, lines, pop  # type: ignore[return-value]

    welcome, lines, _ = await in_thread(deliver_then_fetch)
    assert welcome == b"+OK mail.cs.tcd.ie POP3 server ready"
    assert lines[0] == b"Return-Path: <alice@crepes.fr>"
    assert lines[-3:] == [b"", b".line with a dot", b"bye"]
    assert bridge.world.mailbox("bob@cs.tcd.ie").messages == []  # DELE, then QUIT


async def test_relay_and_bounce_happen_in_the_simulation_at_wall_pace(serve, maildir):
    """mx2.example.org, the backup MX, takes mail for example.org and relays it to mx1 across
    the simulated Internet; mx1 refuses an unknown user, so mx2 bounces to the sender."""
    bridge = await serve(target="mx2.example.org")
    started = time.monotonic()

    def send() -> None:
        with smtplib.SMTP("127.0.0.1", smtp_port(bridge), timeout=5) as client:
            client.sendmail("alice@crepes.fr", ["carol@example.org"], b"Subject: hi\r\n\r\nhi\r\n")
            client.sendmail("alice@crepes.fr", ["nobody@example.org"], b"Subject: x\r\n\r\nx\r\n")

    await in_thread(send)
    await wait_for(
        lambda: (
            maildir_messages(maildir, "carol@example.org")
            and maildir_messages(maildir, "alice@crepes.fr")
        )
    )
    elapsed = time.monotonic() - started
    (relayed,) = maildir_messages(maildir, "carol@example.org")
    assert relayed.count(b"Received: ") == 2  # by mx2, then by mx1
    (bounce,) = maildir_messages(maildir, "alice@crepes.fr")
    assert b"Return-Path: <>" in bounce and b"nobody@example.org" in bounce
    stored = [r for r in bridge.world.trace if r.kind is Kind.STORED]
    accepted = next(
        r for r in bridge.world.trace if r.layer is Layer.QUEUE and r.kind is Kind.QUEUED
    )
    # Virtual time ran at wall pace: the relay took the links' latency, in real seconds too.
    assert stored[0].time - accepted.time > 0.1
    assert stored[-1].time - stored[0].time >= 0
    assert bridge.virtual_now() <= elapsed + 0.5


async def test_live_log_names_the_real_peer(serve):
    log = io.StringIO()
    bridge = await serve(on_record=LiveLog(log))

    def talk() -> int:
        raw = Raw(smtp_port(bridge))
        raw.reply()
        port = raw.sock.getsockname()[1]
        raw.send(b"QUIT\r\n")
        raw.reply()
        raw.close()
        return port

    port = await in_thread(talk)
    await wait_for(lambda: "disconnected" in log.getvalue())
    text = log.getvalue()
    assert (
        f"=== client-127.0.0.1 -> mail.cs.tcd.ie: real client 127.0.0.1:{port} connected "
        f"to 127.0.0.1:{smtp_port(bridge)}"
    ) in text
    assert (
        "<-  mail.cs.tcd.ie -> client-127.0.0.1: 220 mail.cs.tcd.ie ESMTP Postfix (1.1.13)" in text
    )
    assert " -> client-127.0.0.1 -> mail.cs.tcd.ie: QUIT" in text
    assert f"real client 127.0.0.1:{port} disconnected" in text


def test_live_log_counts_the_lines_of_a_long_message_instead_of_printing_them():
    from smtp_sim.bridge.serve import LOG_CONTENT_LINES
    from smtp_sim.world.trace import Kind, Layer, TraceRecord

    log = io.StringIO()
    body = b"".join(b"line %d\r\n" % n for n in range(1000)) + b".\r\n"
    LiveLog(log)(
        TraceRecord(
            0,
            1.0,
            Layer.SMTP,
            Kind.CONTENT,
            "client-127.0.0.1",
            "mail.cs.tcd.ie",
            "message content",
            data=body,
        )
    )
    lines = log.getvalue().splitlines()
    assert len(lines) == LOG_CONTENT_LINES
    assert lines[0].endswith(": line 0")
    shown = LOG_CONTENT_LINES - 2
    assert lines[shown - 1].endswith(f": line {shown - 1}")
    assert lines[-2].endswith(
        f": ... the rest of the message not shown ({1001 - shown - 1:,} "
        f"more lines here, {len(body):,} bytes in the message)"
    )
    assert lines[-1].endswith("mail.cs.tcd.ie: .")  # the final dot stays in view


def test_live_log_shortens_a_message_once_not_each_segment():
    from smtp_sim.bridge.serve import LOG_CONTENT_LINES
    from smtp_sim.world.trace import Kind, Layer, TraceRecord

    log = io.StringIO()
    live = LiveLog(log)
    segment = b"".join(b"line %d\r\n" % n for n in range(1000))
    for n in range(80):  # a 5 MB message comes in about 80 segments of 64 KB
        data = segment + (b".\r\n" if n == 79 else b"")
        live(
            TraceRecord(
                n,
                1.0,
                Layer.SMTP,
                Kind.CONTENT,
                "client-127.0.0.1",
                "mail.cs.tcd.ie",
                "message content",
                data=data,
                conn=7,
            )
        )
    lines = log.getvalue().splitlines()
    assert len(lines) == LOG_CONTENT_LINES
    assert lines[-2].endswith(
        f": ... the rest of the message not shown "
        f"({80_000 - LOG_CONTENT_LINES + 2:,} more lines here, "
        f"{80 * len(segment) + 3:,} bytes in the message)"
    )
    assert lines[-1].endswith(": .")
