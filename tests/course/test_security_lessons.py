"""The lessons on submission with AUTH and STARTTLS, and on SPF, DKIM and DMARC: their own
solutions pass (tests/course/test_builtin_lessons.py), the replies their texts quote are the
engine's, and the mistakes students make get the reply the lesson explains."""

from __future__ import annotations

from base64 import b64encode

from smtp_sim.course.lesson import load_lesson
from smtp_sim.course.session import LessonSession


def _replies(session: LessonSession) -> list[str]:
    return [o.text for o in session.terminal.output if o.reply is not None]


def _typed(session: LessonSession, *lines: str) -> list[str]:
    """The replies shown for ``lines``, typed one by one."""
    before = len(_replies(session))
    for line in lines:
        session.enter(line)
    return _replies(session)[before:]


def _lesson_text(lesson_id: str) -> str:
    lesson = load_lesson(lesson_id)
    return "\n".join(step.text for step in lesson.steps)


# -- submission-auth ------------------------------------------------------------------------


def _submission_after_tls() -> LessonSession:
    session = LessonSession(load_lesson("submission-auth"))
    _typed(session, "telnet smtp.crepes.fr 587", "ehlo laptop.cafe.example", "starttls")
    _typed(session, "ehlo laptop.cafe.example")
    return session


def test_the_plain_string_of_the_lesson_is_alices_login() -> None:
    assert b64encode(b"\0alice\0wonderland").decode() == "AGFsaWNlAHdvbmRlcmxhbmQ="
    session = LessonSession(load_lesson("submission-auth"))
    assert session.enter("/base64 \\0alice\\0wonderland").endswith("AGFsaWNlAHdvbmRlcmxhbmQ=")


def test_auth_before_starttls_is_not_offered_and_the_lesson_quotes_the_reply() -> None:
    session = LessonSession(load_lesson("submission-auth"))
    ehlo = _typed(session, "telnet smtp.crepes.fr 587", "ehlo laptop.cafe.example")
    assert any("STARTTLS" in line for line in ehlo)
    assert not any("AUTH" in line for line in ehlo)
    (refusal,) = _typed(session, "auth plain AGFsaWNlAHdvbmRlcmxhbmQ=")
    assert refusal == "503 5.5.1 Error: authentication not enabled"
    assert refusal in _lesson_text("submission-auth")


def test_after_starttls_ehlo_offers_auth_and_not_starttls() -> None:
    session = LessonSession(load_lesson("submission-auth"))
    _typed(session, "telnet smtp.crepes.fr 587", "ehlo laptop.cafe.example")
    assert _typed(session, "starttls") == ["220 2.0.0 Ready to start TLS"]
    ehlo = _typed(session, "ehlo laptop.cafe.example")
    assert any("AUTH PLAIN LOGIN" in line for line in ehlo)
    assert not any("STARTTLS" in line for line in ehlo)


def test_a_wrong_plain_string_gets_535_as_the_lesson_says() -> None:
    """The typical mistakes: a wrong password, the leading NUL left out, user:password."""
    text = _lesson_text("submission-auth")
    for wrong in (b"\0alice\0wonderlnd", b"alice\0wonderland", b"alice:wonderland"):
        session = _submission_after_tls()
        (reply,) = _typed(session, "auth plain " + b64encode(wrong).decode())
        assert reply == "535 5.7.8 Error: authentication failed: (reason unavailable)", wrong
        assert reply in text
        # the session goes on: the right string still logs in
        assert _typed(session, "auth plain AGFsaWNlAHdvbmRlcmxhbmQ=") == [
            "235 2.7.0 Authentication successful"
        ]
    assert "235 2.7.0 Authentication successful" in text


def test_without_login_the_relay_is_refused_with_the_quoted_reply() -> None:
    session = _submission_after_tls()
    replies = _typed(session, "mail from:<alice@crepes.fr>", "rcpt to:<bob@cs.tcd.ie>")
    assert replies[-1] == "554 5.7.1 <bob@cs.tcd.ie>: Relay access denied"
    assert replies[-1] in _lesson_text("submission-auth")


# -- mail-auth --------------------------------------------------------------------------------

SPOOF = [
    "mail from:<alice@crepes.fr>",
    "rcpt to:<bob@cs.tcd.ie>",
    "data",
    "From: Alice Liddell <alice@crepes.fr>",
    "To: Bob Smith <bob@cs.tcd.ie>",
    "Subject: New bank details",
    "",
    "Bob, please send the money to my new account from now on. Alice",
    ".",
]
DMARC_REJECT = "550 5.7.1 rejected by DMARC policy for crepes.fr"


def test_the_open_relay_spoof_is_rejected_by_dmarc_as_the_lesson_says() -> None:
    session = LessonSession(load_lesson("mail-auth"))
    _typed(session, "/wait 10s", "telnet relay.example.com 25", "helo smtp.crepes.fr")
    assert _typed(session, *SPOOF)[-1].startswith("250 2.0.0 ")  # the relay checks nothing
    _typed(session, "quit", "/wait 30s")
    replies = [r.data.decode().strip() for r in session.world.trace if r.src == "mail.cs.tcd.ie"]
    assert DMARC_REJECT in replies
    notes = [r.summary for r in session.world.trace if "mail authentication:" in r.summary]
    said = "spf=fail (alice@crepes.fr), dkim=none, dmarc=fail (From: crepes.fr p=reject)"
    assert any(said in note for note in notes)
    text = _lesson_text("mail-auth")
    assert DMARC_REJECT in text and said in text
    bob = session.world.mailbox("bob@cs.tcd.ie")
    assert bob is not None and [m.subject for m in bob.messages] == ["Lunch on Friday"]
    alice = session.world.mailbox("alice@crepes.fr")  # the relay's bounce: backscatter
    assert alice is not None and len(alice.messages) == 1


def test_a_spoof_sent_straight_to_bobs_server_gets_the_reply_itself() -> None:
    session = LessonSession(load_lesson("mail-auth"))
    _typed(session, "telnet mail.cs.tcd.ie 25", "ehlo pc.stranger.example.net")
    assert _typed(session, *SPOOF)[-1] == DMARC_REJECT


def test_the_newsletter_passes_once_spf_lists_its_server_and_only_then() -> None:
    session = LessonSession(load_lesson("mail-auth"))
    session.enter("/send news@crepes.fr bob@cs.tcd.ie Crepe of the month")
    bob = session.world.mailbox("bob@cs.tcd.ie")
    assert bob is not None and "Crepe of the month" not in [m.subject for m in bob.messages]
    session.enter('/dns txt crepes.fr "v=spf1 ip4:192.0.2.25 ip4:198.18.30.25 -all"')
    session.enter("/send news@crepes.fr bob@cs.tcd.ie Crepe of the month")
    news = [m for m in bob.messages if m.subject == "Crepe of the month"]
    assert len(news) == 1
    results = " ".join(str(news[0].parsed()["Authentication-Results"]).split())
    assert "spf=pass smtp.mailfrom=crepes.fr; dkim=none; dmarc=pass" in results


def test_a_reply_to_the_final_dot_of_a_server_is_found_by_a_reply_check() -> None:
    """A relay sends the message as chunks, the last ending with the final dot: the reply
    after it answers <end of data>, as a student's lone dot does."""
    from smtp_sim.course.checks import CheckContext, ReplyCheck

    session = LessonSession(load_lesson("mail-auth"))
    session.enter("/wait 10s")  # Mallory's spoof, relayed at 5 s, is refused at the dot
    check = ReplyCheck(code=550, to="<end of data>", host="mail.cs.tcd.ie", student=False)
    assert check.passed(CheckContext(session.world, list(session.world.trace)))
    data = ReplyCheck(code=550, to="DATA", host="mail.cs.tcd.ie", student=False)
    assert not data.passed(CheckContext(session.world, list(session.world.trace)))


# -- starttls ---------------------------------------------------------------------------------


def _tapped(session: LessonSession, *, encrypted: bool) -> list[bytes]:
    from smtp_sim.world.trace import Kind, Layer

    return [
        r.data
        for r in session.world.trace
        if r.layer is Layer.TAP and r.kind is Kind.TAPPED and bool(r.get("encrypted")) == encrypted
    ]


def test_the_tap_reads_a_plain_session_word_for_word() -> None:
    session = LessonSession(load_lesson("starttls"))
    _typed(session, "telnet mail.cs.tcd.ie 25", "ehlo pc.crepes.fr")
    _typed(session, "mail from:<alice@crepes.fr>", "rcpt to:<bob@cs.tcd.ie>", "data")
    _typed(session, "Subject: My new PIN", "", "My new PIN is 4711.", ".")
    plain = b"".join(_tapped(session, encrypted=False))
    assert b"My new PIN is 4711.\r\n" in plain and b"rcpt to:<bob@cs.tcd.ie>" in plain
    assert _tapped(session, encrypted=True) == []


def test_after_starttls_the_tap_reads_only_the_start_and_then_ciphertext() -> None:
    session = LessonSession(load_lesson("starttls"))
    session.enter("/send alice@crepes.fr bob@cs.tcd.ie Lunch on Friday")
    plain = b"".join(_tapped(session, encrypted=False))
    assert b"STARTTLS\r\n" in plain and b"220 2.0.0 Ready to start TLS" in plain
    assert b"Lunch" not in plain and b"RCPT TO" not in plain
    assert b"Lunch" not in b"".join(_tapped(session, encrypted=True))
    bob = session.world.mailbox("bob@cs.tcd.ie")
    assert bob is not None and "Lunch on Friday" in [m.subject for m in bob.messages]


def test_striptls_gives_the_tap_the_message_and_required_tls_keeps_it_queued() -> None:
    session = LessonSession(load_lesson("starttls"))
    session.enter("/fault striptls a=gw.crepes.fr b=gw.cs.tcd.ie")
    session.enter("/send alice@crepes.fr bob@cs.tcd.ie Bank details")
    assert b"Subject: Bank details" in b"".join(_tapped(session, encrypted=False))
    session.enter("/fault tls-policy host=smtp.crepes.fr policy=required")
    session.enter("/send alice@crepes.fr bob@cs.tcd.ie Bank details again")
    assert b"Bank details again" not in b"".join(_tapped(session, encrypted=False))
    bob = session.world.mailbox("bob@cs.tcd.ie")
    assert bob is not None and "Bank details again" not in [m.subject for m in bob.messages]
    session.enter("/fault striptls a=gw.crepes.fr b=gw.cs.tcd.ie enabled=false")
    session.enter("/wait 6min")
    assert "Bank details again" in [m.subject for m in bob.messages]
    assert b"Bank details again" not in b"".join(_tapped(session, encrypted=False))


def test_the_tls_and_tap_checks_read_the_records_they_name() -> None:
    from smtp_sim.course.checks import CheckContext, Tapped, TlsEvent

    session = LessonSession(load_lesson("starttls"))
    session.enter("/fault striptls a=gw.crepes.fr b=gw.cs.tcd.ie")
    session.enter("/fault tls-policy host=smtp.crepes.fr policy=required")
    session.enter("/send alice@crepes.fr bob@cs.tcd.ie Bank details")
    ctx = CheckContext(session.world, list(session.world.trace))
    assert TlsEvent(verdict="refused", host="smtp.crepes.fr").passed(ctx)
    assert TlsEvent(step="Finished", host="smtp.crepes.fr").passed(ctx)  # Alice's submission
    assert not TlsEvent(step="Finished", host="mail.cs.tcd.ie").passed(ctx)  # stripped
    assert Tapped(tampered=True).passed(ctx)
    assert Tapped(encrypted=False, pattern="^EHLO smtp\\.crepes\\.fr").passed(ctx)
    assert not Tapped(pattern="Bank details").passed(ctx)
    assert Tapped(tampered=True).describe() == "an attacker on a link changing a segment"
    assert Tapped(encrypted=True, pattern="x").describe() == 'a tap seeing ciphertext matching "x"'
    assert TlsEvent(verdict="refused").describe() == "a TLS verdict: refused"


def test_a_tap_on_alices_cable_sees_starttls_but_not_her_password() -> None:
    from smtp_sim.course.checks import CheckContext, Tapped

    session = LessonSession(load_lesson("starttls"))
    session.enter("/tap pc.crepes.fr gw.crepes.fr")
    session.enter("/send alice@crepes.fr bob@cs.tcd.ie Password inside")
    sent = [r.data for r in session.world.trace if r.summary.startswith("AUTH PLAIN ")]
    assert sent  # her mail program did log in ...
    plain = b"".join(_tapped(session, encrypted=False))
    assert b"STARTTLS\r\n" in plain and b"AUTH" not in plain.replace(b"250-AUTH", b"")
    assert sent[0].split()[-1] not in b"".join(_tapped(session, encrypted=True))
    ctx = CheckContext(session.world, list(session.world.trace))
    assert Tapped(encrypted=True, host="pc.crepes.fr").passed(ctx)
    assert not Tapped(host="pc.cs.tcd.ie").passed(ctx)
    assert (
        Tapped(host="pc.crepes.fr").describe() == "a tap seeing a segment to or from pc.crepes.fr"
    )


def test_check_names_a_tls_or_tap_host_the_network_lacks(tmp_path, capsys) -> None:
    from smtp_sim.cli import main

    path = tmp_path / "hosts.toml"
    path.write_text(
        """
id = "hosts"
title = "Hosts"
summary = "s"
scenario = "starttls-net"
[[steps]]
id = "one"
title = "One"
text = "t"
solution = ["/wait 10s"]
checks = [{ kind = "tls", host = "smtp.nosuch.test" }, { kind = "tap", host = "pc.crepes.fr" }]
"""
    )
    assert main(["check", str(path)]) == 2
    problems = capsys.readouterr().err.splitlines()
    assert [p for p in problems if "no host named" in p] == [
        p for p in problems if "steps[0].checks[0].host" in p and "smtp.nosuch.test" in p
    ]
    assert any("steps[0].checks[0].host" in p for p in problems)
    assert not any("checks[1]" in p for p in problems)


def test_the_deferred_message_ticks_the_attacker_leaves_step_whatever_its_subject():
    """walkB (lesson 17 step 6): the message deferred under required TLS was sent with the
    subject of the step before ("Bank details"); once delivered over TLS the step stayed
    open, as the check wanted "Bank details again"."""
    from smtp_sim.course.lesson import load_lesson
    from smtp_sim.course.session import LessonSession

    session = LessonSession(load_lesson("starttls"))
    steps = session.lesson.steps
    for i, step in enumerate(steps[:6]):
        lines = [
            line.replace("Bank details again", "Bank details") if i == 4 else line
            for line in step.solution
        ]
        for line in lines:
            session.enter(line)
        if step.quiz is not None:
            session.enter(f"/answer {step.quiz.solution}")
    assert all(session.passed_steps()[:6]), session.passed_steps()
