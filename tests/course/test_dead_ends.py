"""A step whose task cannot be done any more in the session as it is says, when that happens,
how to get out: the lesson's ``stuck`` notes (walkthroughs: replies step 2 after a MAIL FROM,
submission-auth step 5 after an AUTH that logged in too early)."""

from __future__ import annotations

from test_not_yet import notes, typed


def test_replies_step_2_after_a_mail_from_says_rset():
    session = typed(
        "replies",
        "telnet mail.cs.tcd.ie 25",
        "helo pc.crepes.fr",
        "mail from:<alice@crepes.fr>",  # a sender given: RCPT will not get its 503
        "rcpt to:<bob@cs.tcd.ie>",
    )
    assert session.terminal.output[-1].reply.code == 250
    assert session.index == 1
    said = notes(session)[-1]
    assert said.startswith("Not yet:") and "rset" in said.lower(), said
    # the way out works: RSET, then the RCPT the task asks for
    session.enter("rset")
    session.enter("rcpt to:<bob@cs.tcd.ie>")
    assert session.index == 2


def test_the_way_out_is_said_once_a_step():
    session = typed(
        "replies",
        "telnet mail.cs.tcd.ie 25",
        "helo pc.crepes.fr",
        "mail from:<alice@crepes.fr>",
        "rcpt to:<bob@cs.tcd.ie>",
        "rcpt to:<carol@cs.tcd.ie>",
    )
    assert sum("rset" in n.lower() for n in notes(session)) == 1


def test_the_right_way_says_nothing_of_the_kind():
    session = typed(
        "replies", "telnet mail.cs.tcd.ie 25", "helo pc.crepes.fr", "rcpt to:<bob@cs.tcd.ie>"
    )
    assert session.index == 2
    assert not any(n.startswith("Not yet") for n in notes(session))


AUTH_EARLY = [
    "telnet smtp.crepes.fr 587",
    "ehlo laptop.cafe.example",
    "auth plain AGFsaWNlAHdvbmRlcmxhbmQ=",
    "mail from:<alice@crepes.fr>",
    "rcpt to:<bob@cs.tcd.ie>",
    "starttls",
    # logged in at once, without the second EHLO: real Postfix 3.7.11 says 235 too
    "auth plain AGFsaWNlAHdvbmRlcmxhbmQ=",
    "ehlo laptop.cafe.example",
    "/base64 \\0alice\\0wonderland",
    "/answer AGJv",
]


def test_submission_auth_step_5_after_an_early_auth_says_quit_and_reconnect():
    session = typed("submission-auth", *AUTH_EARLY, "auth plain AGFsaWNlAHdvbmRlcmxuZA==")
    assert session.index == 4
    assert session.terminal.output[-1].reply.code == 503
    said = notes(session)[-1]
    assert said.startswith("Not yet:"), said
    assert "quit" in said and "telnet smtp.crepes.fr 587" in said, said
    for line in (
        "quit",
        "telnet smtp.crepes.fr 587",
        "ehlo laptop.cafe.example",
        "starttls",
        "ehlo laptop.cafe.example",
        "auth plain AGFsaWNlAHdvbmRlcmxuZA==",
    ):
        session.enter(line)
    assert session.index == 5


def test_mime_headers_typed_after_the_empty_line_say_how_to_start_again():
    from test_not_yet import solved_through

    session = solved_through("mime", 2)
    for line in ("From: Alice <alice@crepes.fr>", "", "MIME-Version: 1.0"):
        session.enter(line)
    said = notes(session)[-1]
    assert said.startswith("Not yet:") and "empty line" in said, said
    assert "mail from:<alice@crepes.fr>" in said, said
    for line in (
        ".",
        "mail from:<alice@crepes.fr>",
        "rcpt to:<bob@cs.tcd.ie>",
        "data",
        *session.lesson.steps[2].solution,
    ):
        session.enter(line)
    assert session.index == 3


def test_mime_first_part_without_the_empty_line_says_how_to_start_again():
    from test_not_yet import solved_through

    session = solved_through("mime", 3)
    session.enter("--b")
    said = notes(session)[-1]
    assert said.startswith("Not yet:") and "empty line" in said, said


def test_open_relay_from_typed_in_the_body_says_how_to_start_again():
    from test_not_yet import solved_through

    session = solved_through("open-relay", 4)
    for line in ("data", "Subject: New bank details", "", "From: Alice Liddell <alice@crepes.fr>"):
        session.enter(line)
    said = notes(session)[-1]
    assert said.startswith("Not yet:") and "empty line" in said, said


def test_base64_multipart_header_typed_after_the_empty_line_says_how_to_start_again():
    from test_not_yet import solved_through

    session = solved_through("base64", 2)
    for line in ("Subject: A red dot", "", 'Content-Type: multipart/mixed; boundary="b"'):
        session.enter(line)
    said = notes(session)[-1]
    assert said.startswith("Not yet:") and "header section" in said, said


def test_a_right_message_hears_of_no_dead_end():
    from test_not_yet import solved_through

    for lesson, count in (
        ("mime", 7),
        ("base64", 6),
        ("open-relay", 7),
        ("push-pull", 6),
        ("submission-auth", 7),
    ):
        session = solved_through(lesson, count)
        assert not any(n.startswith("Not yet") for n in notes(session)), lesson


def test_in_the_app_the_way_out_comes_after_the_reply_that_shows_the_dead_end():
    """The app plays the clock event by event: the server's 250 is on its way (in the trace)
    before the console shows it, and the note came first, above the reply it explains."""
    from smtp_sim.world.student_terminal import TerminalOutput

    session = typed("replies", "telnet mail.cs.tcd.ie 25", "helo pc.crepes.fr")
    session.enter("mail from:<alice@crepes.fr>")
    session.enter("rcpt to:<bob@cs.tcd.ie>", run=False)
    log = session.terminal.log
    typed_at = len(log) - 1

    def reply_shown() -> bool:
        return any(isinstance(item, TerminalOutput) for item in log[typed_at:])

    while not reply_shown():
        assert session.step()
    after = log[typed_at + 1 :]
    assert isinstance(after[0], TerminalOutput) and after[0].reply.code == 250, after
    assert after[1][0] == "note" and after[1][1].startswith("Not yet:"), after


def test_submission_auth_step_6_after_a_login_by_another_mechanism_says_start_again():
    from test_not_yet import solved_through

    session = solved_through("submission-auth", 5)
    for line in (
        "auth login",
        "YWxpY2U=",
        "d29uZGVybGFuZA==",
        "auth plain AGFsaWNlAHdvbmRlcmxhbmQ=",
    ):
        session.enter(line)
    assert session.terminal.output[-1].reply.code == 503
    said = notes(session)[-1]
    assert said.startswith("Not yet:") and "telnet smtp.crepes.fr 587" in said, said


def test_telnet_yourself_quit_after_an_early_dot_says_how_to_try_it_again():
    """Step 6 wants quit typed inside DATA; after a lone dot typed too early, quit ends the
    session (221) and the step can never pass in it."""
    from test_not_yet import solved_through

    session = solved_through("telnet-yourself", 4)
    for line in ("Subject: Hi", "", "Hello Carol.", ".", "quit"):
        session.enter(line)
    assert session.terminal.state == "closed"
    said = notes(session)[-1]
    assert said.startswith("Not yet:") and "telnet smtp.crepes.fr 25" in said, said
    for line in (
        "telnet smtp.crepes.fr 25",
        "helo pc.crepes.fr",
        "mail from:<alice@crepes.fr>",
        "rcpt to:<carol@example.org>",
        "data",
        "Subject: Hi",
        "",
        "Hello Carol.",
        "quit",
    ):
        session.enter(line)
    assert session.index == 6


def test_mail_auth_from_typed_in_the_body_says_how_to_start_again():
    from test_not_yet import solved_through

    session = solved_through("mail-auth", 2)
    for line in (
        "telnet relay.example.com 25",
        "helo smtp.crepes.fr",
        "mail from:<alice@crepes.fr>",
        "rcpt to:<bob@cs.tcd.ie>",
        "data",
        "Subject: New bank details",
        "",
        "From: Alice Liddell <alice@crepes.fr>",
    ):
        session.enter(line)
    said = notes(session)[-1]
    assert said.startswith("Not yet:") and "header section" in said, said


def test_push_pull_quit_before_dele_says_how_to_log_in_again():
    from test_not_yet import solved_through

    session = solved_through("push-pull", 5)
    session.enter("QUIT")
    said = notes(session)[-1]
    assert said.startswith("Not yet:") and "telnet mail.cs.tcd.ie 110" in said, said
    for line in ("telnet mail.cs.tcd.ie 110", "USER bob", "PASS secret", "DELE 1", "QUIT"):
        session.enter(line)
    assert session.progress[5].done


def test_submission_auth_step_2_after_an_early_starttls_says_start_again():
    from test_not_yet import solved_through

    session = solved_through("submission-auth", 1)
    for line in ("starttls", "auth plain AGFsaWNlAHdvbmRlcmxhbmQ="):
        session.enter(line)
    assert session.terminal.output[-1].reply.code == 235
    said = notes(session)[-1]
    assert said.startswith("Not yet:") and "telnet smtp.crepes.fr 587" in said, said
    for line in (
        "quit",
        "telnet smtp.crepes.fr 587",
        "ehlo laptop.cafe.example",
        *session.lesson.steps[1].solution,
    ):
        session.enter(line)
    assert session.index == 2


def test_a_part_whose_text_follows_its_headers_says_the_empty_line_at_once():
    # walkB, mime step 4: --b, Content-Type, then the text with no empty line between
    from test_not_yet import solved_through

    session = solved_through("mime", 3)
    for line in ["", "--b", "Content-Type: text/plain", "Hello Bob, here is the picture."]:
        session.enter(line)
    assert session.index == 3  # the part's step is not done
    said = notes(session)[-1]
    assert said.startswith("Not yet:") and "empty line" in said and "5.1.1" in said, said


def test_base64_close_names_the_gif_part_that_lost_its_empty_line():
    # walkB, base64 step 5: the message went with a GIF part whose base64 followed its
    # headers at once; the Not yet must name that part, not "the body as the task describes"
    from test_not_yet import solved_through

    session = solved_through("base64", 3)
    gif = [
        "--b",
        "Content-Type: image/gif",
        "Content-Transfer-Encoding: base64",
        "R0lGODlhAQABAIAAAP8AAP///ywAAAAAAQABAAACAkQBADs=",
    ]
    for line in [*gif, *gif[:3], "", gif[3], "/answer 2", "--b--", "."]:
        session.enter(line)
    assert session.index == 4  # the message is refused by the step
    said = [n for n in notes(session) if n.startswith("Not yet:")][-1]
    assert "image/gif part" in said and "empty line" in said, said


def test_esmtp_step_1_with_ehlo_says_helo_was_wanted():
    # walkB: 'ehlo pc.crepes.fr' instead of HELO, then quit: the step stayed open, silently
    session = typed("esmtp", "telnet mail.cs.tcd.ie 25", "ehlo pc.crepes.fr")
    assert session.index == 0
    said = [n for n in notes(session) if n.startswith("Not yet")]
    assert said and "HELO" in said[-1], said


def test_submission_auth_step_1_on_port_25_says_587():
    # walkB: telnet smtp.crepes.fr 25 and EHLO: nothing said the port was wrong
    session = typed("submission-auth", "telnet smtp.crepes.fr 25", "ehlo laptop.cafe.example")
    assert session.index == 0
    said = [n for n in notes(session) if n.startswith("Not yet")]
    assert said and "587" in said[-1] and "port 25" in said[-1], said


def test_starttls_send_without_the_tap_says_put_the_tap_first_and_not_the_answer():
    """walkC (starttls step 3): a /send with no tap on Alice's cable got 'still wants ... a
    tap seeing ciphertext', the quiz's answer, and never said that the tap was missing."""
    from test_not_yet import notes, solved_through

    session = solved_through("starttls", 2)
    session.enter("/send alice@crepes.fr bob@cs.tcd.ie Password inside")
    session.enter("/wait 1min")
    said = " ".join(notes(session))
    assert "no tap on Alice's cable" in said and "/tap pc.crepes.fr gw.crepes.fr" in said
    assert "ciphertext" not in said
    session.enter("/tap pc.crepes.fr gw.crepes.fr")
    session.enter("/send alice@crepes.fr bob@cs.tcd.ie Password inside")
    session.enter("/answer B")
    assert session.progress[2].done


def test_smuggling_ehlo_to_another_server_names_the_tasks_host():
    """walkC (smuggling step 1): connected to mail.cs.tcd.ie instead of smtp.crepes.fr, the
    EHLO got 250 and nothing said why the step did not tick (a minute lost)."""
    from smtp_sim.course.lesson import load_lesson
    from smtp_sim.course.session import LessonSession

    session = LessonSession(load_lesson("smuggling"))
    for line in ("telnet mail.cs.tcd.ie 25", "ehlo pc.crepes.fr"):
        session.enter(line)
    said = " ".join(notes(session))
    assert "another server than the task's" in said and "telnet smtp.crepes.fr 25" in said
    for line in ("quit", "telnet smtp.crepes.fr 25", "ehlo pc.crepes.fr"):
        session.enter(line)
    assert session.progress[0].done
