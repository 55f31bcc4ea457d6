"""SMTP smuggling (SEC Consult, December 2023; CVE-2023-51764, -51765, -51766).

A sending server passes a non-standard end of data such as ``<LF>.<CR><LF>`` through; a
receiving server that takes it as the end of the message runs what follows as new, pipelined
commands, and a forged second message arrives. Only ``<CR><LF>.<CR><LF>`` may end the data
(RFC 5321 sections 2.3.8 and 4.1.1.4), so every one of these must stay message content, however
the bytes are split into network chunks. Modelled on aiosmtpd's tests/test_smtpsmuggling.py.
"""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from helpers import PERSONALITY_IDS, Run, crlf, open_transaction

from smtp_sim.protocol.events import CommandReplied, MessageReceived
from smtp_sim.protocol.personalities import PERSONALITIES, BareLinefeed
from smtp_sim.protocol.replies import ReplyKind

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
    b"MAIL FROM:<admin@cs.tcd.ie>\r\n"
    b"RCPT TO:<bob@cs.tcd.ie>\r\n"
    b"DATA\r\n"
    b"From: admin@cs.tcd.ie\r\n"
    b"To: bob@cs.tcd.ie\r\n"
    b"Subject: smuggled\r\n"
    b"\r\n"
    b"Please send me your password.\r\n"
)

# Where the odd sequence sits: right after the DATA line, after a complete line, mid-line.
PREFIXES = {
    "at-start": b"",
    "after-a-line": b"Subject: real\r\n\r\nHello Bob\r\n",
    "mid-line": b"Subject: real\r\n\r\nHello Bob",
}

END = b"\r\n.\r\n"


def content(sequence: str, position: str) -> bytes:
    return PREFIXES[position] + SEQUENCES[sequence] + SMUGGLED + END[2:]


def smuggle(personality, chunks: list[bytes]) -> Run:
    """Open a real transaction, send ``chunks`` as its content, then QUIT on its own."""
    run = open_transaction(personality)
    run.events.clear()
    run.feed(*chunks)
    run.feed(b"QUIT\r\n")
    return run


def check(run: Run, personality) -> MessageReceived:
    p = PERSONALITIES[personality] if isinstance(personality, str) else personality
    (message,) = run.messages  # exactly one message, never two
    replied = [e for e in run.events if isinstance(e, CommandReplied)]
    assert [e.command.verb for e in replied] == ["QUIT"]  # nothing smuggled was a command
    assert str(message.envelope.sender) == "alice@crepes.fr"
    assert [str(r) for r in message.envelope.recipients] == ["bob@cs.tcd.ie"]
    assert run.out == message.reply.to_bytes() + replied[0].reply.to_bytes()
    if p.bare_linefeed is BareLinefeed.KEEP:
        assert message.accepted
        assert (
            b"MAIL FROM:<admin@cs.tcd.ie>\r\nRCPT TO:<bob@cs.tcd.ie>\r\nDATA\r\n" in message.content
        )
        assert b"Subject: smuggled" in message.content
    else:
        assert not message.accepted
        assert message.reply.kind is ReplyKind.BARE_LF_REJECTED
    return message


CASES = [(s, pos) for s in SEQUENCES for pos in PREFIXES]

#: The personalities that resist smuggling: all but those modelling a Postfix older than 3.9
#: with its default smtpd_forbid_bare_newline = no (BareLinefeed.LINE_END), which takes a bare
#: LF as a line end, as the real one does (see test_before_3_9_a_bare_lf_line_ends_data).
SAFE_IDS = [
    p for p in PERSONALITY_IDS if PERSONALITIES[p].bare_linefeed is not BareLinefeed.LINE_END
]
LF_IDS = [p for p in PERSONALITY_IDS if p not in SAFE_IDS]
# Of those, the ones that keep the odd sequence as content (or refuse the message after the
# dot); sendmail 8.17 closes the connection at the first bare CR or LF instead (test_close_mode)
KEEPERS = [p for p in SAFE_IDS if PERSONALITIES[p].bare_linefeed is not BareLinefeed.CLOSE]
CLOSERS = [p for p in SAFE_IDS if p not in KEEPERS]


@pytest.mark.parametrize("personality", KEEPERS)
@pytest.mark.parametrize(("sequence", "position"), CASES)
def test_smuggled_message_stays_content(sequence: str, position: str, personality: str) -> None:
    body = content(sequence, position)
    message = check(smuggle(personality, [body]), personality)
    expected = body[: -len(END[2:])]  # the content, without the final ".<CRLF>"
    assert not expected.startswith(b".")
    # dot-unstuffing (RFC 5321 4.5.2): only a dot after a real CRLF starts a line
    assert message.content == expected.replace(b"\r\n.", b"\r\n")


@pytest.mark.parametrize("personality", KEEPERS)
@pytest.mark.parametrize(("sequence", "position"), CASES)
def test_smuggling_fed_byte_by_byte(sequence: str, position: str, personality: str) -> None:
    body = content(sequence, position)
    whole = check(smuggle(personality, [body]), personality)
    split = check(smuggle(personality, [body[i : i + 1] for i in range(len(body))]), personality)
    assert split.content == whole.content
    assert split.reply == whole.reply


@pytest.mark.parametrize("personality", KEEPERS)
@pytest.mark.parametrize("sequence", list(SEQUENCES))
def test_smuggling_split_at_every_boundary(sequence: str, personality: str) -> None:
    body = content(sequence, "after-a-line")
    whole = check(smuggle(personality, [body]), personality)
    for cut in range(1, len(body)):
        run = smuggle(personality, [body[:cut], body[cut:]])
        message = check(run, personality)
        assert message.content == whole.content, cut


@pytest.mark.parametrize("sequence", list(SEQUENCES))
def test_smuggling_with_the_smuggled_commands_in_their_own_chunk(sequence: str) -> None:
    """The split that fooled real servers: the odd ending closes one TCP segment and the
    forged commands arrive in the next."""
    head = PREFIXES["after-a-line"] + SEQUENCES[sequence]
    for personality in KEEPERS:
        check(smuggle(personality, [head, SMUGGLED, END[2:]]), personality)
    for personality in CLOSERS:
        check_closed(smuggle(personality, [head, SMUGGLED, END[2:]]), head + SMUGGLED)


def check_closed(run: Run, body: bytes) -> None:
    """BareLinefeed.CLOSE (sendmail 8.17.1.9): at the first bare CR or LF the server answers
    421 4.5.0 and closes; no message, and nothing after it is read (so no command either)."""
    first = re.search(rb"\r(?!\n)|(?<!\r)\n", body)
    assert first is not None
    bare_cr = first.group() == b"\r"
    text = (
        "421 4.5.0 Bare carriage return (CR) not allowed"
        if bare_cr
        else "421 4.5.0 Bare linefeed (LF) not allowed"
    )
    assert run.messages == []
    assert [e for e in run.events if isinstance(e, CommandReplied)] == []
    assert run.out == crlf(text)
    assert run.closes and run.closes[-1].lost_data and run.server.closed


@pytest.mark.parametrize("personality", CLOSERS)
@pytest.mark.parametrize(("sequence", "position"), CASES)
def test_close_mode(sequence: str, position: str, personality: str) -> None:
    body = content(sequence, position)
    check_closed(smuggle(personality, [body]), body)
    check_closed(smuggle(personality, [body[i : i + 1] for i in range(len(body))]), body)
    for cut in range(1, len(body), 7):
        check_closed(smuggle(personality, [body[:cut], body[cut:]]), body)


@pytest.mark.parametrize("personality", LF_IDS)
@pytest.mark.parametrize("sequence", ["LF.LF", "LF.CRLF", "CRLF.LF"])
def test_before_3_9_a_bare_lf_line_ends_data(sequence: str, personality: str) -> None:
    """Postfix 1.1 to 3.8 (and 3.7.10+ with smtpd_forbid_bare_newline = no) read DATA line by
    line with smtp_get(), where LF ends a line and trailing CRs go: a line "." ends the
    message, and what follows is read as commands. Recorded from Debian 12's Postfix 3.7.11
    in tests/protocol/data/postfix-3.7/smuggling.txt."""
    run = smuggle(personality, [content(sequence, "after-a-line")])
    first, second = run.messages  # the smuggled message arrives as a second one
    # (the prefix ends with CRLF: the LF before the dot ends one more, empty, line)
    assert first.content == b"Subject: real\r\n\r\nHello Bob\r\n\r\n"
    assert str(second.envelope.sender) == "admin@cs.tcd.ie"
    assert b"Subject: smuggled" in second.content


@pytest.mark.parametrize("sequence", list(SEQUENCES))
def test_bare_newline_reject_mode(sequence: str) -> None:
    """Postfix's smtpd_forbid_bare_newline=reject: one message, refused with 550 5.5.2."""
    p = replace(PERSONALITIES["postfix-3"], bare_linefeed=BareLinefeed.REJECT)
    run = smuggle(p, [content(sequence, "after-a-line")])
    message = check(run, p)
    assert run.out.startswith(crlf("550 5.5.2 mail.cs.tcd.ie Error: bare <LF> received"))
    assert message.content == b""


def test_reject_mode_accepts_clean_crlf() -> None:
    p = replace(PERSONALITIES["postfix-3"], bare_linefeed=BareLinefeed.REJECT)
    run = smuggle(p, [b"Subject: clean\r\n\r\nonly CRLF here\r\n.\r\n"])
    (message,) = run.messages
    assert message.accepted


@pytest.mark.parametrize("personality", SAFE_IDS)
def test_real_end_of_data_then_pipelined_message_is_two_messages(personality: str) -> None:
    """The control: with a real <CRLF>.<CRLF> the second transaction IS a new message, which is
    what makes the odd endings dangerous (when the server offers PIPELINING, or, like the old
    servers, tolerates it)."""
    run = open_transaction(personality)
    run.feed(b"first\r\n.\r\n" + SMUGGLED + b".\r\n")
    p = PERSONALITIES[personality]
    if p.forbid_unauth_pipelining and "DATA" in p.pipeline_last:
        # Postfix 3.9: content sent behind DATA without waiting for the 354 is improper
        # pipelining (SMTPD_CMD_FLAG_LAST): 554 5.5.0 and the connection closes
        assert len(run.messages) == 1
        assert run.replied[-1].reply.kind is ReplyKind.SYNC_ERROR
        assert run.replied[-1].command.verb == "DATA" and run.server.closed
        return
    assert len(run.messages) == 2
    assert run.messages[1].content.startswith(b"From: admin@cs.tcd.ie\r\n")
