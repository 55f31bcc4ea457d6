"""A step's checks want what its task says, no less: header lines in the header section, the
MAIL and RCPT the task names accepted, the body the task describes (walkthroughs: a step
that ticked for less left the student in a dead end a step or two later)."""

from __future__ import annotations

import pytest
from test_not_yet import solved_through

from smtp_sim.course.session import LessonSession


def _index(session: LessonSession, step_id: str) -> int:
    return next(i for i, s in enumerate(session.lesson.steps) if s.id == step_id)


def _typed_at(lesson: str, step_id: str, *lines: str) -> tuple[LessonSession, int]:
    probe = solved_through(lesson, 0)
    index = _index(probe, step_id)
    session = solved_through(lesson, index)
    for line in lines:
        session.enter(line)
    return session, index


def test_mime_headers_typed_after_the_empty_line_are_no_headers():
    session, i = _typed_at(
        "mime",
        "mime-headers",
        "From: Alice <alice@crepes.fr>",
        "",
        "MIME-Version: 1.0",
        'Content-Type: multipart/mixed; boundary="b"',
    )
    assert not session.progress[i].done
    wants = session.still_wants(i)
    assert "header" in wants, wants


def test_mime_headers_in_the_header_section_pass():
    session, i = _typed_at(
        "mime", "mime-headers", "mime-version: 1.0", "content-type: multipart/mixed; boundary=b"
    )
    assert session.progress[i].done


def test_open_relay_wants_alices_mail_from_accepted():
    session, i = _typed_at(
        "open-relay",
        "forged-envelope",
        "mail from:<mallory@stranger.example.net>",
        "mail from:<alice@crepes.fr>",  # a second MAIL: refused, the sender stays Mallory
        "rcpt to:<bob@cs.tcd.ie>",
    )
    assert session.terminal.output[-2].reply.code == 503
    assert not session.progress[i].done


def test_open_relay_wants_the_forged_from_in_the_headers_and_the_subject_step_6_reads():
    session, i = _typed_at(
        "open-relay",
        "forged-header",
        "data",
        "To: Bob Smith <bob@cs.tcd.ie>",
        "Subject: New bank details",
        "",
        "From: Alice Liddell <alice@crepes.fr>",  # in the body: no From: header
        ".",
    )
    assert session.terminal.output[-1].reply.code == 250
    assert not session.progress[i].done
    session, i = _typed_at(
        "open-relay",
        "forged-header",
        "data",
        "From: Alice Liddell <alice@crepes.fr>",
        "Subject: Hello",  # step 6 looks for the bank details in Bob's mailbox
        "",
        "Bob, send the money.",
        ".",
    )
    assert not session.progress[i].done


def test_morris_worm_wants_the_script_in_the_body():
    session, i = _typed_at("morris-worm", "script", "echo this would have run", "", ".")
    assert session.terminal.output[-1].reply.code == 250
    assert not session.progress[i].done  # (sed '1,/^$/d' deletes the echo line)


def test_esmtp_wants_bob_and_dave_accepted():
    session, i = _typed_at(
        "esmtp",
        "enhanced-codes",
        "mail from:<alice@crepes.fr>",
        "rcpt to:<nosuchuser@crepes.fr>",
        "rcpt to:<bob@cs.tcd.ie> FOO=bar",  # refused: 555
        "rcpt to:<dave@cs.tcd.ie>",
    )
    assert session.terminal.output[-2].reply.code == 555
    assert not session.progress[i].done
    session.enter("rcpt to:<bob@cs.tcd.ie>")
    assert session.progress[i].done


def test_esmtp_wants_the_message_the_task_describes():
    session, i = _typed_at("esmtp", "pipelining", "data", "Hello Bob and Dave.", ".", "quit")
    session.enter("/wait 10s")
    assert not session.progress[i].done  # no Subject: line, no empty line


def test_mime_takes_a_delimiter_line_with_spaces_after_the_boundary():
    """RFC 2046 section 5.1.1: a delimiter line is the two hyphens, the boundary, optional
    linear whitespace and CRLF: `--b ` is a delimiter line, and a mail program reads the
    parts (the close step's body pattern wanted `--b` and the line end at once)."""
    session, _ = _typed_at("mime", "first-part", "", "--b ", "Content-Type: text/plain", "")
    for line in ["Hello Bob.", "--b", "Content-Type: text/enriched", "", "<bold>Hi</bold>"]:
        session.enter(line)
    session.enter(f"/answer {session.current.quiz.solution}")
    session.enter("--b--")
    session.enter(".")
    assert session.terminal.output[-1].reply.code == 250
    assert session.index == _index(session, "quit"), session.still_wants()


def test_a_header_line_still_wanted_is_named_by_its_field():
    """open-relay's three header checks read alike ('a header line as the task describes',
    three times): each names its field."""
    session, i = _typed_at("open-relay", "forged-header", "data", "Subject: Hi", "", "x", ".")
    wants = session.still_wants(i)
    for field in ("From", "To", "Subject"):
        assert f'a "{field}:" header line as the task describes' in wants, wants


def test_auth_plain_with_its_string_after_the_334_passes_the_auth_steps():
    """RFC 4954 section 4: the initial response may be left out of the AUTH line and sent
    after the server's empty 334. 'auth plain', then the string, is the task done: the 535
    and the 235 answer the AUTH exchange (the string's line was taken for a command of its
    own, its first word for a verb)."""
    session, i = _typed_at("submission-auth", "wrong-password", "auth plain")
    assert session.terminal.output[-1].reply.code == 334
    session.enter("AGFsaWNlAHdvbmRlcmxuZA==")
    assert session.terminal.output[-1].reply.code == 535
    assert session.progress[i].done
    session.enter("auth plain")
    session.enter("AGFsaWNlAHdvbmRlcmxhbmQ=")
    assert session.terminal.output[-1].reply.code == 235
    assert session.progress[i + 1].done


def test_auth_login_is_not_the_auth_plain_the_task_asks_for():
    session, i = _typed_at(
        "submission-auth", "right-password", "auth login", "YWxpY2U=", "d29uZGVybGFuZA=="
    )
    assert session.terminal.output[-1].reply.code == 235
    assert not session.progress[i].done


def test_mail_auth_spoof_wants_the_from_field_in_the_headers():
    """The From: line typed after the empty line: the message has no From: field, DMARC has
    no author domain to judge, Bob gets it, and step 4's 550 never comes (before, the world
    stopped there: authheaders raised on a message without From:)."""
    session, i = _typed_at(
        "mail-auth",
        "spoof",
        "telnet relay.example.com 25",
        "helo smtp.crepes.fr",
        "mail from:<alice@crepes.fr>",
        "rcpt to:<bob@cs.tcd.ie>",
        "data",
        "Subject: New bank details",
        "",
        "From: Alice Liddell <alice@crepes.fr>",
        ".",
        "quit",
        "/wait 30s",
    )
    assert not session.progress[i].done


@pytest.mark.parametrize(
    ("lesson", "step_id", "lines"),
    [
        # another sender accepted, then the task's MAIL refused (503: one sender a transaction)
        ("morris-worm", "mail-from", ["mail from:<worm@vax.example.net>", "mail from:</dev/null>"]),
        ("foobar", "mail-from", ["mail from: carol@example.org", "mail from: alice@crepes.fr"]),
        # the task's recipient refused (a typo in the brackets), another accepted
        ("telnet-yourself", "rcpt-to", ["rcpt to:<carol@example.org", "rcpt to:<alice@crepes.fr>"]),
    ],
)
def test_the_command_the_task_names_must_be_the_one_accepted(lesson, step_id, lines):
    """A 'sent' check and a 'reply' check passed by two different commands: the task's
    command refused beside another one accepted ticked the step (morris-worm's pipe, then,
    was no recipient of the message step 6 judges)."""
    session, i = _typed_at(lesson, step_id, *lines)
    codes = [o.reply.code for o in session.terminal.output[-2:] if o.reply is not None]
    assert 250 in codes and any(c >= 500 for c in codes), codes
    assert not session.progress[i].done
