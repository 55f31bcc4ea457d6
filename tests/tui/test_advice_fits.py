"""The advice under the console fits the server the student talks to (issue 15, walk1 and
walk2): HELO for a server without ESMTP, a login for a relay refused on the submission port,
and "not yet" when the last action worked but the step is not done."""

from __future__ import annotations

from smtp_sim.course.lesson import load_lesson
from smtp_sim.course.playback import Playback
from smtp_sim.tui.console_text import explanation


def advice_after(lesson: str, *lines: str) -> str:
    """The "Next:" line of the explanation of the reply to the last of ``lines``, as the
    console explains it (with the line typed)."""
    pb = Playback(load_lesson(lesson))
    reply = None
    for line in lines:
        before = len(pb.session.terminal.output)
        pb.enter(line)
        got = [o.reply for o in pb.session.terminal.output[before:] if o.reply is not None]
        reply = got[-1] if got else reply
    assert reply is not None
    said = str(
        explanation(pb, reply.code, reply.enhanced, command=lines[-1], text=" ".join(reply.lines))
    )
    return next(line for line in said.splitlines() if line.startswith("Next: "))


def test_the_1988_sendmail_greeting_advises_helo_not_ehlo():
    """walk2 (morris-worm), walk1 (verify-expand): "send EHLO" to a server whose greeting
    has no ESMTP."""
    advice = advice_after("verify-expand", "telnet ucbvax.example.edu 25")
    assert "send HELO" in advice and "send EHLO" not in advice


def test_an_esmtp_greeting_still_advises_ehlo():
    advice = advice_after("foobar", "telnet mail.cs.tcd.ie 25")
    assert "send EHLO" in advice


def test_500_to_ehlo_advises_falling_back_to_helo():
    """walk1 (verify-expand): "Check the verb (RCPT, not RECV)" after a 500 to EHLO."""
    advice = advice_after("verify-expand", "telnet ucbvax.example.edu 25", "ehlo pc.crepes.fr")
    assert "Fall back to HELO" in advice and "RECV" not in advice
    assert "RFC 5321 section 3.2" in advice


def test_a_relay_refused_on_the_submission_port_asks_for_a_login():
    """On 587 before AUTH, "554 5.7.1 Relay access denied" is not a typo in the domain."""
    advice = advice_after(
        "submission-auth",
        "telnet smtp.crepes.fr 587",
        "ehlo laptop.cafe.example",
        "mail from:<alice@crepes.fr>",
        "rcpt to:<bob@cs.tcd.ie>",
    )
    assert advice.startswith("Next: Log in first (STARTTLS, then AUTH)"), advice
    assert "authenticated" in advice and "spelt" not in advice


def test_a_relay_refused_on_port_25_is_still_the_typo():
    advice = advice_after(
        "foobar",
        "telnet mail.cs.tcd.ie 25",
        "helo FooBar",
        "mail from: alice@crepes.fr",
        "rcpt to: bob@cs.tcd.ei",
    )
    assert "is cs.tcd.ei spelt right?" in advice and "Log in" not in advice


async def test_the_app_says_not_yet_when_a_played_send_bounced(tmp_path, monkeypatch):
    """In the app a /send is played (the clock runs at the app's pace): once its minute is
    up, the console says why the step is still open."""
    from smtp_sim.tui.app import SmtpSimApp

    monkeypatch.setenv("SMTP_SIM_DATA_DIR", str(tmp_path))
    app = SmtpSimApp(load_lesson("press-send"))
    async with app.run_test(size=(120, 40)) as pilot:
        app.main.playback.enter("/send alice@crepes.fr bob@cs.tcd.ie")
        app.main.controller.changed()
        await pilot.pause()
        app.main.controller.speed = 5  # (100 events a second)
        app.query_one("Console").input.value = "/send alice@crepes.fr carol@exmaple.org"
        await pilot.press("enter")
        for _ in range(400):
            if app.main.playback.session.play_until is None:
                break
            await pilot.pause(0.05)
        await pilot.pause()
        shown = [str(o.prompt) for o in app.query_one("Console").output.options]
        assert any(line.startswith("Not yet: step 2 still wants") for line in shown), shown[-4:]


def test_a_failed_pass_read_off_the_wire_is_explained_as_itself():
    """walk2 (push-pull step 3): after `-ERR invalid user name or password` the console said
    "The command failed and nothing changed", but the server had forgotten the USER name."""
    from smtp_sim.tui.console_text import pop3_explanation

    pb = Playback(load_lesson("push-pull"))
    for line in ("telnet mail.cs.tcd.ie 110", "USER bob", "PASS secrte"):
        pb.enter(line)
    output = pb.session.terminal.output[-1]
    assert output.pop3 is not None and output.pop3.kind is None  # (read off the wire)
    said = str(pop3_explanation(output))
    assert "start again with USER" in said and "nothing changed" not in said


async def test_a_pop3_typo_is_explained_with_the_verb_meant(tmp_path, monkeypatch):
    """`del 1` on port 110 got only "The server does not know this command"."""
    from test_reply_advice import enter

    from smtp_sim.tui.app import SmtpSimApp

    monkeypatch.setenv("SMTP_SIM_DATA_DIR", str(tmp_path))
    app = SmtpSimApp(load_lesson("push-pull"))
    async with app.run_test(size=(120, 40)) as pilot:
        await enter(app, pilot, "telnet mail.cs.tcd.ie 110", "user bob", "del 1")
        explained = str(app.query_one("#explain").render())
        assert explained.startswith("Next: 'del' is not a POP3 command: type DELE 1"), explained


def test_auth_before_starttls_on_the_submission_port_says_starttls_first():
    advice = advice_after(
        "submission-auth",
        "telnet smtp.crepes.fr 587",
        "ehlo laptop.cafe.example",
        "auth plain AGFsaWNlAGFsaWNlAHNlY3JldA==",
    )
    assert "type STARTTLS first" in advice and "missing step" not in advice


def notes_after(lesson: str, *lines: str) -> list[str]:
    """The console's notes after the last of ``lines``."""
    pb = Playback(load_lesson(lesson))
    for line in lines[:-1]:
        pb.enter(line)
    before = len(pb.session.terminal.log)
    pb.enter(lines[-1])
    log = pb.session.terminal.log[before:]
    return [item[1] for item in log if isinstance(item, tuple) and item[0] == "note"]


def test_a_dot_with_a_space_in_data_is_told_it_does_not_end_the_message():
    start = ("telnet mail.cs.tcd.ie 25", "helo me", "mail from:<alice@crepes.fr>")
    start += ("rcpt to:<bob@cs.tcd.ie>", "data", "Subject: hi", "", "hello")
    for typed in (" .", ". ", "\t."):
        notes = notes_after("foobar", *start, typed)
        assert any("not the end of the message" in n for n in notes), (typed, notes)
        assert any("RFC 5321 section 4.1.1.4" in n for n in notes)
    assert not any("end of the message" in n for n in notes_after("foobar", *start, "."))


def test_a_refused_port_names_the_ports_that_listen():
    notes = notes_after("push-pull", "telnet mail.cs.tcd.ie 26")
    said = " ".join(notes)
    assert "Nothing listens on port 26 of mail.cs.tcd.ie" in said, notes
    assert "25 (SMTP)" in said and "110 (POP3)" in said


def test_a_bounce_for_an_unknown_domain_names_it_with_a_guess():
    """press-send: 'The message bounced (Host or domain name not found (NXDOMAIN))' did not
    say which domain, nor which one was meant."""
    said = " ".join(notes_after("press-send", "/send alice@crepes.fr carol@exmaple.org"))
    assert "exmaple.org does not exist" in said and "did you mean example.org?" in said, said
    far = " ".join(notes_after("press-send", "/send alice@crepes.fr carol@nowhere.invalid"))
    assert "nowhere.invalid does not exist" in far and "did you mean" not in far, far


def test_send_from_a_user_without_a_mail_program_says_who_has_one():
    said = " ".join(notes_after("press-send", "/send root@mail.cs.tcd.ie bob@cs.tcd.ie"))
    assert "root@mail.cs.tcd.ie has no mail client" in said, said
    assert "`client`" not in said and "scenario" not in said
    assert "e.g. /send alice@crepes.fr bob@cs.tcd.ie" in said


def test_wait_reads_its_time_in_words():
    """walk notes: '/wait 6m' said 'letting 360 s of virtual time pass'."""
    pb = Playback(load_lesson("reliable-delivery"))
    assert pb.enter("/wait 6m", run=False).startswith("letting 6 minutes of virtual time pass")
    said = Playback(load_lesson("reliable-delivery")).enter("/wait 90s")
    assert said.startswith("1 minute 30 seconds of virtual time passed"), said
    from smtp_sim.world.values import duration_words

    assert [duration_words(s) for s in (1, 45, 60, 3600, 5400, 86400, 0.5)] == [
        "1 second",
        "45 seconds",
        "1 minute",
        "1 hour",
        "1 hour 30 minutes",
        "1 day",
        "0.5 seconds",
    ]


def test_a_wait_before_the_next_try_names_only_the_wait_that_sees_it():
    """A /run after a host went down played a virtual day of failed tries: the note names
    the /wait that reaches the next try (and its delivery), not /run."""
    pb = Playback(load_lesson("mx-lookup"))
    for line in (
        "/send bob@cs.tcd.ie carol@example.org Lunch on Friday?",
        "/fault host-down host=mx1.example.org",
        "/send bob@cs.tcd.ie carol@example.org Minutes",
        "/wait 1min",
        "/wait 5min",
        "/fault host-up host=mx1.example.org",
    ):
        pb.enter(line)
    before = len(pb.session.terminal.log)
    pb.enter("/wait 5min")
    said = [i[1] for i in pb.session.terminal.log[before:] if isinstance(i, tuple)][-1]
    assert said.startswith("Not yet: a message still waits in "), said
    assert "/run" not in said and "next try is in" in said and "minute" in said


def test_fault_refusals_speak_of_the_network_not_of_the_scenario_file():
    """/fault link-down between two hosts with no link said 'two hosts joined by a [[links]]
    entry': the scenario file's markup, not the student's words."""
    said = Playback(load_lesson("reliable-delivery")).enter(
        "/fault link-down a=pc.crepes.fr b=mail.cs.tcd.ie"
    )
    assert "[[" not in said and "two hosts joined by a link: pc.crepes.fr \u2014 " in said, said
