"""MailSender as a busy MTA uses it: MAIL/RCPT/DATA pipelined as one group (RFC 2920) and the
session kept open for the next message (a connection cache), against the real server engine."""

from __future__ import annotations

import pytest
from helpers import HOST, crlf

from smtp_sim.protocol.delivery import MailSender, Step
from smtp_sim.protocol.events import MessageReceived, Signal
from smtp_sim.protocol.server import ServerConnection

CONTENT = b"From: alice@crepes.fr\r\nTo: bob@cs.tcd.ie\r\nSubject: hi\r\n\r\n.dot line\r\n"


class Wire:
    """A MailSender and a ServerConnection joined in memory, writes recorded per side."""

    def __init__(self, server: ServerConnection, sender: MailSender) -> None:
        self.server = server
        self.sender = sender
        self.client_writes: list[bytes] = []
        self.server_writes: list[bytes] = []
        self.messages: list[MessageReceived] = []
        self._out = self._drain()

    def _drain(self) -> bytes:
        while (event := self.server.next_event()) not in (Signal.NEED_DATA, Signal.CLOSED):
            if isinstance(event, MessageReceived):
                self.messages.append(event)
        out = self.server.data_to_send()
        if out:
            self.server_writes.append(out)
        return out

    def run(self) -> None:
        """Until the sender is done or idle (or nobody has anything to say)."""
        for _ in range(100):
            if self.sender.done or self.sender.idle:
                return
            self.push()
        raise AssertionError("the conversation did not settle")

    def push(self) -> None:
        """The client's pending bytes (if any) to the server, the server's answer back."""
        if self._out:
            self.sender.receive_data(self._out)
            self._out = b""
        data = self.sender.data_to_send()
        if data:
            self.client_writes.append(data)
            self.server.receive_data(data)
            self._out = self._drain()
        elif not self._out and not (self.sender.done or self.sender.idle):
            raise AssertionError(f"stuck at {self.sender.step}")


def test_mail_rcpt_and_data_go_out_as_one_group_when_offered() -> None:
    sender = MailSender(
        "client.example",
        "alice@crepes.fr",
        ["bob@cs.tcd.ie", "alice@cs.tcd.ie"],
        CONTENT,
        pipeline=True,
    )
    wire = Wire(ServerConnection("postfix-3", HOST), sender)
    wire.run()
    assert sender.done and sender.result.delivered, sender.result
    group = crlf(
        f"MAIL FROM:<alice@crepes.fr> SIZE={len(CONTENT)}",
        "RCPT TO:<bob@cs.tcd.ie>",
        "RCPT TO:<alice@cs.tcd.ie>",
        "DATA",
    )
    assert wire.client_writes[1] == group  # after EHLO: one write
    assert sender.result.accepted == ["bob@cs.tcd.ie", "alice@cs.tcd.ie"]
    (message,) = wire.messages
    assert message.content == CONTENT
    # the server answered the group with all four replies in one write
    assert wire.server_writes[2].count(b"\r\n") == 4
    assert wire.server_writes[2].startswith(b"250 2.1.0") and b"354 " in wire.server_writes[2]


def test_no_group_when_the_server_does_not_offer_pipelining() -> None:
    sender = MailSender(
        "client.example", "alice@crepes.fr", ["bob@cs.tcd.ie"], CONTENT, pipeline=True
    )
    wire = Wire(ServerConnection("sendmail-1988", HOST), sender)
    wire.run()
    assert sender.result.delivered
    assert all(w.count(b"\r\n") == 1 for w in wire.client_writes if not w.startswith(b"From"))


def test_a_refused_sender_in_a_group_sends_no_content() -> None:
    sender = MailSender(
        "client.example", "not an address", ["bob@cs.tcd.ie"], CONTENT, pipeline=True
    )
    wire = Wire(ServerConnection("postfix-3", HOST), sender)
    wire.run()
    result = sender.result
    assert sender.done and not result.delivered
    assert result.failed_step is Step.MAIL and result.failure is not None
    assert result.failure.code == 501  # the MAIL reply, not the 503s that follow it
    assert wire.messages == []
    assert wire.client_writes[-1] == crlf("QUIT")
    assert not any(w.startswith(b"From:") for w in wire.client_writes)


def test_every_recipient_refused_in_a_group_means_no_message() -> None:
    sender = MailSender(
        "client.example", "alice@crepes.fr", ["nobody@cs.tcd.ie"], CONTENT, pipeline=True
    )
    wire = Wire(ServerConnection("postfix-3", HOST), sender)
    wire.run()
    result = sender.result
    assert sender.done and not result.delivered
    assert result.failed_step is Step.RCPT
    assert set(result.rejected) == {"nobody@cs.tcd.ie"}
    assert wire.messages == []
    assert wire.client_writes[-1] == crlf("QUIT")


def test_some_recipients_refused_in_a_group_the_rest_get_the_message() -> None:
    sender = MailSender(
        "client.example",
        "alice@crepes.fr",
        ["nobody@cs.tcd.ie", "bob@cs.tcd.ie"],
        CONTENT,
        pipeline=True,
    )
    wire = Wire(ServerConnection("postfix-3", HOST), sender)
    wire.run()
    assert sender.result.delivered
    assert sender.result.accepted == ["bob@cs.tcd.ie"]
    assert sender.result.rejected["nobody@cs.tcd.ie"].code == 550
    (message,) = wire.messages
    assert [str(r) for r in message.envelope.recipients] == ["bob@cs.tcd.ie"]


@pytest.mark.parametrize("pipeline", [False, True])
def test_keep_open_carries_several_messages_over_one_session(pipeline: bool) -> None:
    server = ServerConnection("postfix-3", HOST)
    sender = MailSender(
        "client.example",
        "alice@crepes.fr",
        ["bob@cs.tcd.ie"],
        CONTENT,
        pipeline=pipeline,
        keep_open=True,
    )
    wire = Wire(server, sender)
    wire.run()
    assert sender.idle and not sender.done and sender.result.delivered
    assert not server.closed
    second = CONTENT.replace(b"hi", b"again")
    sender.next_message("alice@crepes.fr", ["alice@cs.tcd.ie"], second)
    wire.run()
    assert sender.idle and sender.result.delivered
    assert sender.result.accepted == ["alice@cs.tcd.ie"]
    assert [m.content for m in wire.messages] == [CONTENT, second]
    assert sum(w.startswith(b"EHLO") for w in wire.client_writes) == 1  # one greeting only
    sender.quit()
    wire.run()
    assert sender.done and server.closed
    assert wire.client_writes[-1] == crlf("QUIT")


def test_a_failed_transaction_is_not_kept_open() -> None:
    sender = MailSender(
        "client.example", "alice@crepes.fr", ["nobody@cs.tcd.ie"], CONTENT, keep_open=True
    )
    wire = Wire(ServerConnection("postfix-3", HOST), sender)
    wire.run()
    assert sender.done and not sender.idle
    assert wire.client_writes[-1] == crlf("QUIT")


def test_next_message_only_on_an_idle_session() -> None:
    sender = MailSender(
        "client.example", "alice@crepes.fr", ["bob@cs.tcd.ie"], CONTENT, keep_open=True
    )
    with pytest.raises(ValueError, match="not idle"):
        sender.next_message("alice@crepes.fr", ["bob@cs.tcd.ie"], CONTENT)
    sender.quit()  # not idle: nothing happens
    assert sender.data_to_send() == b"" and sender.step is Step.GREETING


def test_an_idle_session_hears_421_and_ends() -> None:
    sender = MailSender(
        "client.example", "alice@crepes.fr", ["bob@cs.tcd.ie"], CONTENT, keep_open=True
    )
    wire = Wire(ServerConnection("postfix-3", HOST), sender)
    wire.run()
    assert sender.idle
    wire.server.timeout()  # the server's idle timer: 421 and close
    sender.receive_data(wire.server.data_to_send())
    assert sender.done
    assert sender.result.failure is not None and sender.result.failure.code == 421
