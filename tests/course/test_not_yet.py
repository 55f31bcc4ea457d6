"""When the student's last action worked (250 to the final dot, a /send that went out) but the
step is still open, the console says why, from what the step's checks report as not met
(walk1: foobar step 6 without the empty line, press-send step 2 with a typo)."""

from __future__ import annotations

import re

from smtp_sim.course.lesson import load_lesson
from smtp_sim.course.session import LessonSession

FOOBAR = [
    "telnet mail.cs.tcd.ie 25",
    "helo FooBar",
    "mail from: alice@crepes.fr",
    "rcpt to: bob@cs.tcd.ie",
    "data",
    "Subject: FooBar",
]


def notes(session: LessonSession) -> list[str]:
    return [text for kind, text in _tuples(session) if kind == "note"]


def _tuples(session: LessonSession):
    return [item for item in session.terminal.log if isinstance(item, tuple)]


def solved_through(lesson: str, count: int) -> LessonSession:
    """A session with its first ``count`` steps done by their solutions (a quiz the solution
    leaves open answered with its own)."""
    session = LessonSession(load_lesson(lesson))
    for i, step in enumerate(session.lesson.steps[:count]):
        for line in step.solution:
            session.enter(line)
        if step.quiz is not None and not session.progress[i].done:
            session.enter(f"/answer {step.quiz.solution}")
    assert session.index == count
    return session


def typed(lesson: str, *lines: str) -> LessonSession:
    session = LessonSession(load_lesson(lesson))
    for line in lines:
        session.enter(line)
    return session


def test_a_message_without_the_empty_line_is_told_not_yet_at_its_250():
    session = typed("foobar", *FOOBAR, "Hello World", ".")
    assert session.terminal.output[-1].reply.code == 250
    assert session.index == 5  # the message step is still open
    said = notes(session)[-1]
    assert said.startswith("Not yet: step 6 still wants a message in the mailbox of bob@cs.tcd.ie")
    assert "after the empty line ending the headers" in said


def test_the_right_message_gets_no_not_yet():
    session = typed("foobar", *FOOBAR, "", "Hello World", ".")
    assert session.index == 6
    assert not any(n.startswith("Not yet") for n in notes(session))


def test_a_send_that_bounced_on_a_typo_is_told_not_yet_after_its_minute():
    session = typed(
        "press-send",
        "/send alice@crepes.fr bob@cs.tcd.ie",
        "/send alice@crepes.fr carol@exmaple.org",
    )
    assert session.index == 1
    said = notes(session)
    assert said[-2].startswith("alice@crepes.fr pressed Send")  # (the /send's own line first)
    assert said[-1].startswith("Not yet: step 2 still wants")
    assert "mailbox of carol@example.org" in said[-1]


def test_a_send_that_passes_gets_no_not_yet():
    session = typed(
        "press-send",
        "/send alice@crepes.fr bob@cs.tcd.ie",
        "/send alice@crepes.fr carol@example.org Hello Carol",
    )
    assert session.index == 2
    assert not any(n.startswith("Not yet") for n in notes(session))


def test_a_message_still_travelling_is_not_judged():
    """reliable-delivery step 3: the message waits in the queue (deferred): no verdict."""
    session = typed(
        "reliable-delivery",
        "telnet mail.cs.tcd.ie 25",
        "quit",
        "/fault host-down host=mail.cs.tcd.ie",
        "/send alice@crepes.fr bob@cs.tcd.ie Are you there?",
    )
    assert not any(n.startswith("Not yet") for n in notes(session))


def test_not_yet_reads_as_text_not_as_regular_expressions():
    """Seen in a walkthrough: 'still wants the student types a message line (after 354)
    matching /^Subject:\\s*FooBar/; ... body /\\S/': patterns and "the student" in a line
    addressed to the student."""
    session = typed("foobar", *FOOBAR[:-1], "Hello", ".")
    said = notes(session)[-1]
    assert 'a message line like "Subject: FooBar" typed by you (after 354)' in said, said
    assert 'with the subject "FooBar", a body (after the empty line' in said, said
    assert "/" not in said and "the student" not in said, said


def test_not_yet_says_why_a_send_bounced_and_how_to_try_a_message_again():
    """walkA: a /send to bob@cs.tcd.i bounced (NXDOMAIN) and "Not yet" did not say so;
    walkB: after a dot typed too early nothing said the transaction was over."""
    session = typed("press-send", "/send alice@crepes.fr bob@cs.tcd.i Hello")
    said = notes(session)[-1]
    assert "The message bounced (Host or domain name not found" in said, said
    assert "a server passing the message on; a message in the mailbox of bob@cs" in said, said
    session = typed("foobar", *FOOBAR, "", ".")
    said = notes(session)[-1]
    assert said.endswith("To try again, start a new message: MAIL FROM:, RCPT TO:, then DATA."), (
        said
    )


def test_a_pattern_that_is_no_text_is_described_by_the_task_for_the_student():
    from smtp_sim.course.checks import MailboxHas, for_the_student

    check = MailboxHas(address="b@x", body="^--b\\r?\\n", header={"Received": "by (a|b)"})
    assert "/^--b\\r?\\n/" in check.describe()  # (the instructor's report: the pattern)
    with for_the_student():
        said = check.describe()
    assert "the body as the task describes" in said and "a Received: header as the task" in said


def test_no_not_yet_after_a_dot_whose_message_did_all_it_had_to():
    """walkA (replies step 5): after the dot, before the QUIT the task asks next, the console
    said 'Not yet: step 5 still wants a 221 reply': a scolding in the middle of the task."""
    session = solved_through("replies", 4)
    for line in ("data", "Subject: Are you there?", "", "Did you get my last message?", "."):
        session.enter(line)
    assert session.index == 4 and session.terminal.output[-1].reply.code == 250
    session.run_idle()
    session.evaluate()
    assert not any(n.startswith("Not yet") for n in notes(session)), notes(session)
    session.enter("quit")
    assert session.index == 4 or session.progress[4].done


def test_a_wait_that_ends_before_the_queues_next_try_says_when_it_is():
    """walkA (mx-lookup step 4): a /wait typed before bringing mx1 back moved mx2's retry
    ten minutes on; after host-up and /wait 5min nothing ticked and nothing said why."""
    session = typed(
        "mx-lookup",
        "/send bob@cs.tcd.ie carol@example.org Lunch on Friday?",
        "/fault host-down host=mx1.example.org",
        "/send bob@cs.tcd.ie carol@example.org Minutes",
        "/wait 1min",
        "/wait 5min",
        "/fault host-up host=mx1.example.org",
        "/wait 5min",
    )
    assert not session.progress[3].done  # (mx2's next try is after the wait)
    said = notes(session)[-1]
    assert said.startswith("Not yet: a message still waits in "), said
    assert "next try is in" in said and "/wait" in said


def test_a_line_pattern_that_is_no_text_reads_as_the_task_describes():
    """layout80 helper: base64 step 3 said 'a message line like as the task describes'."""
    from smtp_sim.course.checks import DataLine, Sent, for_the_student

    with for_the_student():
        line = DataLine(pattern="^[A-Za-z0-9+/]{4}$").describe()
        sent = Sent(verb="rcpt", pattern="<(a|b)@x>").describe()
    assert line.startswith("a message line as the task describes"), line
    assert sent == "RCPT as the task describes sent by the student", sent
    assert DataLine(pattern="^(a|b)$").describe().startswith("a message line like /^(a|b)$/")


def test_a_line_that_is_no_header_is_told_when_typed():
    """walkB2 (mime step 3): 'MIME-Version 1.0' without its colon ended the headers; every
    later header became body text and nothing said so until the last step failed."""
    session = typed("foobar", *FOOBAR[:5], "To: Someone@S", "MIME-Version 1.0")
    said = notes(session)[-1]
    assert said.startswith("'MIME-Version 1.0' is not a header field"), said
    assert "RFC 5322 section 2.2" in said
    before = len(notes(session))
    session.enter("Subject: FooBar")  # (the body now: no second note)
    session.enter("  folded")
    assert len(notes(session)) == before
    clean = typed("foobar", *FOOBAR, "X-Test : spaced", "\tfolded", "", "Hello World")
    assert not any("is not a header field" in n for n in notes(clean)), notes(clean)


def test_the_worm_script_step_needs_a_script_line_not_only_the_dot():
    """walkB2 (morris-worm step 6): the empty line and the dot ticked the step, no script."""
    session = solved_through("morris-worm", 5)
    session.enter("")
    session.enter(".")
    assert not session.progress[5].done


def test_a_misspelt_telnet_gets_a_guess():
    session = typed("foobar", "telent mail.cs.tcd.ie 25")
    assert "(did you mean telnet?)" in session.terminal.output[-1].text


def test_run_stops_when_the_network_is_idle_not_a_day_later():
    """walkA2: after /run the status bar read t = 86,882 s (the horizon, a day on)."""
    session = typed(
        "mx-lookup",
        "/fault host-down host=mx1.example.org",
        "/send bob@cs.tcd.ie carol@example.org Minutes",
        "/fault host-up host=mx1.example.org",
    )
    said = session.enter("/run")
    now = session.world.now
    assert now - session.world.trace.records[-1].time < 1 and now < 3600, said
    assert session.world.clock.peek() is None  # (idle indeed)
    session.enter("/wait 10s")  # (a /wait after it still lets its time pass)
    assert session.world.now == now + 10


def test_a_dot_too_early_is_told_while_the_message_still_travels():
    """walkB2 (smuggling step 5, in the app): the dot ended the data, the message sat in a
    queue while the app was paused, and nothing was said."""
    session = solved_through("smuggling", 4)
    session.enter(".", run=False)  # (the app: the clock is stepped by the player)
    while not session.terminal.output[-1].text.startswith("250"):
        assert not any(n.startswith("Not yet") for n in notes(session))  # (not before the 250)
        assert session.step()
    for _ in range(3):
        session.step()
    said = notes(session)[-1]
    assert said.startswith('Not yet: step 5 still wants a message line like ".."'), said
    assert "your session still in the state DATA" in said


# -- what a "Not yet" may name ------------------------------------------------------------


def _named_values(check) -> list[str]:
    """The texts a check could name to a student: its hosts, addresses, codes, verbs, ports,
    states, header names, parts, and the text a plain pattern reads as (every kind's fields
    that hold a literal; composite checks through their children)."""
    from smtp_sim.course.checks import _reads_as

    values: list[str] = []
    for inner in getattr(check, "checks", None) or []:
        values += _named_values(inner)
    inner = getattr(check, "check", None)
    if inner is not None and not isinstance(inner, bool):
        values += _named_values(inner)
    for name in ("verb", "host", "address", "domain", "via", "state", "to"):
        value = getattr(check, name, None)
        if isinstance(value, str) and value and not value.startswith("<"):
            values.append(value)
    for name in ("code", "port"):
        value = getattr(check, name, None)
        if isinstance(value, int) and not isinstance(value, bool):
            values.append(str(value))
    for name in ("pattern", "subject", "text", "body"):
        value = getattr(check, name, None)
        if isinstance(value, str) and _reads_as(value):
            values.append(_reads_as(value))
    for name, pattern in (getattr(check, "header", None) or {}).items():
        values.append(name)
        if _reads_as(pattern):
            values.append(_reads_as(pattern))
    values += getattr(check, "parts", None) or []
    return values


def _says(text: str, value: str) -> bool:
    """``text`` holds ``value`` as words of their own ("MAIL" is not in "mailbox")."""
    import re

    value = " ".join(value.casefold().split())
    before = r"(?<!\w)" if re.match(r"\w", value) else ""
    after = r"(?!\w)" if re.search(r"\w$", value) else ""
    return (
        re.search(before + re.escape(value) + after, " ".join(text.casefold().split())) is not None
    )


def test_no_not_yet_of_any_builtin_step_names_a_text_its_task_does_not_hold():
    """The principle: nothing the app says to a student gives away more than the task asks
    them to find. A "Not yet" names a host, an address, a code, a command or a line only when
    the title, text or task of the step or of a step before it holds it; otherwise "as the
    task describes". Every check of every built-in lesson, as the console would say it."""
    from smtp_sim.course.checks import for_the_student
    from smtp_sim.course.lesson import builtin_lessons
    from smtp_sim.course.session import shown_to_student

    given_away = []
    described = 0
    for lesson in builtin_lessons():
        for number, step in enumerate(lesson.steps, 1):
            shown = shown_to_student(lesson, number - 1)
            for check in step.checks:
                with for_the_student(shown):
                    said = check.describe()
                described += 1
                for value in _named_values(check):
                    if _says(said, value) and not _says(shown, value):
                        given_away.append(f"{lesson.id} step {number}: {value!r} in {said!r}")
    assert described > 200
    assert not given_away, "\n".join(given_away)


def test_a_not_yet_names_what_the_task_shows_and_not_what_it_hides():
    from smtp_sim.course.checks import MailboxHas, ReplyCheck, Sent, for_the_student

    with for_the_student("Ask the server whether bob exists, and find the reply code."):
        assert Sent(verb="VRFY").describe() == "a command as the task describes sent by the student"
        assert ReplyCheck(code=252).describe() == (
            "a reply, as the task describes, on the student's connection"
        )
        box = MailboxHas(address="carol@example.org", subject="^Hi$").describe()
    assert "carol" not in box and "Hi" not in box, box
    with for_the_student("Send Carol (carol@example.org) a message, subject Hi, with VRFY"):
        assert Sent(verb="VRFY").describe() == "VRFY sent by the student"
        box = MailboxHas(address="carol@example.org", subject="^Hi$").describe()
    assert 'mailbox of carol@example.org with the subject "Hi"' in box, box


def test_the_consoles_placeholder_suggests_only_a_line_the_lesson_has_shown():
    """The empty console line suggests the step's telnet or /send line: only when the
    lesson's steps so far show it (a step that asks the student to find the server, or a
    subject, keeps it to itself)."""
    from smtp_sim.course.playback import Playback
    from smtp_sim.tui.console_text import placeholder

    lesson = load_lesson("foobar")
    assert placeholder(Playback(lesson)) == "type here, e.g. telnet mail.cs.tcd.ie 25"
    hidden = lesson.steps[0].model_copy(
        update={"text": "Find Bob's mail server and connect.", "task": "Connect to it."}
    )
    lesson = lesson.model_copy(update={"steps": [hidden, *lesson.steps[1:]]})
    said = placeholder(Playback(lesson))
    assert "mail.cs.tcd.ie" not in said, said


def test_a_bounce_in_a_not_yet_is_the_students_own_message():
    """walkA, push-pull step 1: the Not yet after the student's /send named the bounce of the
    classroom's own staff-list message (550 <rob@cs.tcd.ie> at t=20 s), not the student's."""
    session = typed("push-pull", "/send alice@crepes.fr nobody@cs.tcd.ie Crepes")
    said = notes(session)[-1]
    assert "550 <nobody@cs.tcd.ie>: User unknown" in said, said
    assert "rob@" not in said, said


def test_a_send_refused_by_the_mail_program_s_server_is_said_not_a_background_bounce():
    session = typed("push-pull", "/send bob@cs.tcd.ie nobody@cs.tcd.ie Crepes")
    said = notes(session)[-1]
    assert "rob@" not in said, said
    assert "550 <nobody@cs.tcd.ie>: User unknown" in said, said
    assert "refused" in said, said


def test_a_wait_whose_next_try_meets_a_host_still_down_says_it_is_down():
    """walkA, reliable-delivery step 5: /wait 10min without /fault host-up said only 'next try
    is in 4 minutes 30 seconds. /wait 300s lets it happen', and that try failed too: a loop."""
    session = solved_through("reliable-delivery", 4)
    session.enter("/wait 10min")
    said = notes(session)[-1]
    assert said.startswith("Not yet:"), said
    assert "mail.cs.tcd.ie is still down" in said, said
    assert "/fault host-up host=mail.cs.tcd.ie" in said, said
    assert "lets it happen" not in said, said
    session.enter("/wait 300s")  # (the advice walkA followed: the try under way fails too)
    said = notes(session)[-1]
    assert "mail.cs.tcd.ie is still down" in said, said


def test_the_wait_told_for_a_try_at_a_host_that_is_down_sees_the_try_end():
    """walkC (reliable-delivery step 4): '/wait 180s lets it happen' ended at 360.3 s, the
    try's SYN timed out at 360.4 s (a host that is down answers nothing: the try waits 30 s),
    so the step did not tick and nothing more was said. The /wait told must see it end."""
    session = solved_through("reliable-delivery", 3)
    session.enter("/wait 2min")
    told = notes(session)[-1]
    assert "mail.cs.tcd.ie is down" in told and "30 s" in told
    wait = re.search(r"/wait (\d+)s", told)
    assert wait is not None
    session.enter(f"/wait {wait.group(1)}s")
    assert session.progress[3].done


def test_a_wanted_line_that_starts_with_a_space_says_so():
    """walkC (smuggling step 4): '"."' read as the '.' just typed (the wanted line is ' .',
    its space invisible in quotes), and 'your session in the state DATA' had no verb."""
    session = solved_through("smuggling", 3)
    for line in (
        "telnet smtp.crepes.fr 25",
        "ehlo pc.crepes.fr",
        "mail from:<alice@crepes.fr>",
        "rcpt to:<bob@cs.tcd.ie>",
        "data",
        "Subject: Dots",
        "",
        "first line",
        ".",
    ):
        session.enter(line)
    told = [n for n in notes(session) if n.startswith("Not yet")][-1]
    assert '" ." (starting with a space)' in told
    assert "your session still in the state DATA" in told


def test_a_wait_before_the_tasks_fault_line_names_that_line():
    """walkC (starttls step 6): the attacker left on the link, '/wait 6min' told '/wait 510s
    lets it happen', that one '/wait 1201s', and so on: the tries could not succeed."""
    session = solved_through("starttls", 5)
    session.enter("/wait 6min")
    told = notes(session)[-1]
    assert "/fault striptls a=gw.crepes.fr b=gw.cs.tcd.ie enabled=false is not typed yet" in told
    assert "lets it happen" not in told
