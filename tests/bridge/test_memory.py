"""Memory follows the connections, not the mail: message bodies live on disk (the Maildir, or
a spool without one), the trace keeps an excerpt of each, POP3 reads a message only for RETR."""

from __future__ import annotations

import poplib
import smtplib

import pytest
from conftest import in_thread, smtp_port

from smtp_sim.bridge.real_client import MESSAGE_EXCERPT
from smtp_sim.protocol.pop3_server import wire_form
from smtp_sim.world.mailbox import wire_size
from smtp_sim.world.pop3_service import REPLY_RECORD_LIMIT
from smtp_sim.world.trace import Kind

BOB = "bob@cs.tcd.ie"


@pytest.mark.parametrize("maildir_on", [True, False])
async def test_a_big_message_is_kept_on_disk_not_in_memory_nor_in_the_trace(serve, maildir_on):
    bridge = await serve(**({} if maildir_on else {"maildir": None}))
    body = b"".join(b"line %06d of a two megabyte message\r\n" % n for n in range(55_000))

    def send_then_fetch() -> bytes:
        with smtplib.SMTP("127.0.0.1", smtp_port(bridge), timeout=10) as client:
            client.sendmail("alice@crepes.fr", [BOB], b"Subject: big\r\n\r\n" + body)
        pop = poplib.POP3("127.0.0.1", bridge.listeners[1].port, timeout=10)
        pop.user("bob")
        pop.pass_("secret")
        _, lines, _ = pop.retr(1)
        pop.quit()
        return b"\r\n".join(lines) + b"\r\n"

    fetched = await in_thread(send_then_fetch)
    assert fetched.endswith(b"Subject: big\r\n\r\n" + body)  # every byte, from the disk
    (stored,) = bridge.world.mailbox(BOB).messages
    assert stored.body is None and stored.key is not None  # not held in memory
    assert stored.size > len(body) and stored.data.endswith(body)
    records = list(bridge.world.trace)
    content = sum(len(r.data) for r in records if r.kind is Kind.CONTENT)
    assert content <= MESSAGE_EXCERPT + 5
    biggest = max(len(r.data) for r in records)
    assert biggest <= max(REPLY_RECORD_LIMIT, MESSAGE_EXCERPT)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"a",
        b"a\r\n",
        b"a\n",
        b"a\r",
        b"\n\n",
        b"a\r\nb",
        b"a\nb\r\nc\n",
        b"\r\r\n",
        b"x" * 10 + b"\n.",
    ],
)
def test_wire_size_is_the_length_of_the_wire_form(data):
    assert wire_size(data) == len(wire_form(data))


async def test_the_trace_keeps_its_data_budget_however_much_mail_comes(serve):
    """Issue 17: what still grew with the mail was the trace's excerpts; past its budget
    the oldest records lose their bytes, never the records themselves."""
    bridge = await serve(trace_data_budget=50_000)
    body = b"".join(b"line %04d of a message of some size\r\n" % n for n in range(200))

    def send() -> None:
        with smtplib.SMTP("127.0.0.1", smtp_port(bridge), timeout=10) as client:
            for n in range(120):  # (records fill more than one chunk of the trace)
                client.sendmail("alice@crepes.fr", [BOB], b"Subject: %d\r\n\r\n" % n + body)

    await in_thread(send)
    trace = bridge.world.trace
    held = sum(len(r.data) for r in trace)
    assert trace.data_dropped_before > 0
    assert held <= 50_000 + trace.CHUNK * max(REPLY_RECORD_LIMIT, MESSAGE_EXCERPT)
    assert len(bridge.world.mailbox(BOB).messages) == 120  # nothing lost but old excerpts
    assert trace[0].summary and trace[0].data == b""
