"""Messages over the size limit: 552 after the final dot however big (no reset at twice the
limit), and a message that never ends gets a 552 the client can read, one line in the log."""

from __future__ import annotations

import io

from conftest import in_thread, maildir_messages, open_transaction, smtp_port

from smtp_sim.bridge.serve import LiveLog

BOB = "bob@cs.tcd.ie"
LINE = b"y" * 998 + b"\r\n"


async def test_a_25mb_message_without_size_gets_552_after_its_final_dot(serve, maildir):
    bridge = await serve()

    def talk() -> list[bytes]:
        raw = open_transaction(smtp_port(bridge))  # MAIL FROM without SIZE=
        raw.send(b"Subject: big\r\n\r\n")
        for _ in range(25_000):  # 25 MB: over twice the 10,240,000 limit
            raw.send(LINE)
        raw.send(b".\r\nNOOP\r\n")
        got = raw.replies(2)
        raw.close()
        return got

    assert await in_thread(talk) == [b"552 Error: message file too big\r\n", b"250 Ok\r\n"]
    assert maildir_messages(maildir, BOB) == []
    kept = sum(len(r.data) for r in bridge.world.trace if r.kind.name == "CONTENT")
    assert kept < 11_000_000  # what was thrown away is not in the trace


async def test_a_100mb_message_without_its_final_dot_gets_a_552_the_client_can_read(serve, maildir):
    log = io.StringIO()
    bridge = await serve(on_record=LiveLog(log))

    def endless() -> bytes:
        raw = open_transaction(smtp_port(bridge))
        block = LINE * 1000  # 1 MB
        try:
            for _ in range(100):
                raw.send(block)
        except OSError as exc:  # the server stopped reading: it must have answered first
            return b"send failed: " + repr(exc).encode() + b" / " + raw.rest()
        raw.sock.shutdown(1)
        return raw.rest()

    got = await in_thread(endless)
    assert got == b"552 Error: message file too big\r\n"
    assert maildir_messages(maildir, BOB) == []
    lines = log.getvalue().splitlines()
    (cut,) = [line for line in lines if "552" in line]
    assert "bytes of message without its final dot: 552 Error: message file too big" in cut
    assert len(lines) < 200
