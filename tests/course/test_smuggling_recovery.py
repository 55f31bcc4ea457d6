"""A student who ends a message too early in the smuggling lesson can start another and go
on: the step asks that the server still be in DATA after the space-dot line, now."""

from smtp_sim.cli import main

EARLY_DOT = [
    "telnet smtp.crepes.fr 25",
    "ehlo pc.crepes.fr",
    "mail from:<alice@crepes.fr>",
    "rcpt to:<alice@crepes.fr>",
    "data",
    "Subject: Dots",
    "",
    "Three lines",
    "/answer c",
    ".",  # too early: the message ends here
    "mail from:<alice@crepes.fr>",
    "rcpt to:<alice@crepes.fr>",
    "data",
    "Subject: Dots",
    "",
    "x",
    " .",
    "..",
    ".",
    "quit",
    "/answer b",
]


def test_a_dot_too_early_does_not_block_the_space_dot_step(tmp_path, capsys):
    attempt = tmp_path / "attempt.txt"
    attempt.write_text("\n".join(EARLY_DOT) + "\n")
    assert main(["run", "smuggling", "--answers", str(attempt)]) == 0
    assert "PASS  step 4: A space and a dot is not the end" in capsys.readouterr().out


def test_a_dot_too_early_in_the_two_dots_step_does_not_block_it_either(tmp_path, capsys):
    lines = [
        *EARLY_DOT[:10],
        "mail from:<alice@crepes.fr>",
        "rcpt to:<alice@crepes.fr>",
        "data",
        "Subject: Dots",
        "",
        "x",
        " .",
        ".",  # too early again, in the two-dots step
        "mail from:<alice@crepes.fr>",
        "rcpt to:<alice@crepes.fr>",
        "data",
        "Subject: Dots",
        "",
        "x",
        " .",
        "..",
        ".",
        "quit",
        "/answer b",
    ]
    attempt = tmp_path / "attempt.txt"
    attempt.write_text("\n".join(lines) + "\n")
    assert main(["run", "smuggling", "--answers", str(attempt)]) == 0
    assert "PASS  step 5: Two dots: dot-stuffing" in capsys.readouterr().out


def test_a_state_check_with_now_looks_at_the_session_as_it_is():
    from smtp_sim.course.checks import CheckContext, SessionState
    from smtp_sim.scenario.build import build_world
    from smtp_sim.scenario.files import load_scenario
    from smtp_sim.world.student_terminal import StudentTerminal

    world = build_world(load_scenario("classroom").model_copy(update={"messages": []}))
    terminal = StudentTerminal(world, "pc.crepes.fr")
    now, reached = SessionState(state="DATA", now=True), SessionState(state="DATA")

    def ctx() -> CheckContext:
        return CheckContext(world=world, records=world.trace.records, terminal=terminal)

    assert not now.passed(ctx())  # not even connected
    terminal.connect("smtp.crepes.fr", 25)
    terminal.run_until_answer()
    for line in (
        "ehlo pc.crepes.fr",
        "mail from:<alice@crepes.fr>",
        "rcpt to:<alice@crepes.fr>",
        "data",
    ):
        terminal.type_line(line)
        terminal.run_until_answer()
    assert now.passed(ctx()) and reached.passed(ctx())
    terminal.type_line(".")
    terminal.run_until_answer()
    assert not now.passed(ctx())  # the dot ended the data
    assert reached.passed(ctx())  # though the step's records still hold the 354
    assert now.describe() == "the student's session still in the state DATA"


def test_the_real_end_needs_no_subject_nothing_asked_to_retype(tmp_path, capsys):
    """Issue 15: after the early dot, the 500's advice (start a new message) followed to the
    letter: MAIL, RCPT, DATA, then the lines steps 4 to 6 ask for. Step 6 ticks at the 250."""
    lines = [
        *EARLY_DOT[:10],
        "mail from:<alice@crepes.fr>",
        "rcpt to:<alice@crepes.fr>",
        "data",
        " .",
        "..",
        ".",
        "quit",
        "/answer b",
    ]
    attempt = tmp_path / "attempt.txt"
    attempt.write_text("\n".join(lines) + "\n")
    assert main(["run", "smuggling", "--answers", str(attempt)]) == 0
    assert "PASS  step 6: Only CR LF . CR LF ends the data" in capsys.readouterr().out


def test_every_step_after_the_message_ended_says_what_to_do():
    """A step that cannot be met any more (the data already ended) says how to start again."""
    from smtp_sim.course.lesson import load_lesson

    lesson = load_lesson("smuggling")
    for step in lesson.steps[3:6]:
        assert any("MAIL FROM" in hint and "DATA" in hint for hint in step.hints), step.id


def test_the_dot_the_end_step_asks_for_ticks_it_whatever_the_message_held():
    """A dot typed too early in the two-dots step (step 5), a stray line answered 500, and a
    new message started as the advice says: MAIL, RCPT, DATA, the two dots (step 5 passes),
    then the dot step 6 asks for. That message holds no space-dot line, and step 6 still ticks:
    its task is the dot, not a message typed again from step 4 on."""
    from test_not_yet import typed

    session = typed(
        "smuggling",
        *EARLY_DOT[:9],
        " .",
        ".",  # too early: the message ends here, in the two-dots step
        "x",  # a stray line: 500
        "mail from:<alice@crepes.fr>",
        "rcpt to:<alice@crepes.fr>",
        "data",
        "..",
    )
    assert session.index == 5  # step 5 passed
    session.enter(".")
    assert session.terminal.output[-1].reply.code == 250
    assert session.progress[5].done
    assert session.index == 6


def test_a_line_after_the_early_dot_that_closes_the_session_says_how_to_get_back():
    """After the early dot, ' .' goes to the server as a command: Postfix answers 221 and
    closes (a command line that does not start with a letter). The step says to connect
    again and start a new message."""
    from test_not_yet import notes, typed

    session = typed("smuggling", *EARLY_DOT[:10], " .")
    assert session.terminal.state == "closed"
    said = notes(session)[-1]
    assert said.startswith("Not yet:") and "telnet smtp.crepes.fr 25" in said, said
    for line in (
        "telnet smtp.crepes.fr 25",
        "ehlo pc.crepes.fr",
        "mail from:<alice@crepes.fr>",
        "rcpt to:<alice@crepes.fr>",
        "data",
        " .",
    ):
        session.enter(line)
    assert session.index == 4


def test_the_space_dot_note_does_not_send_the_student_away_from_the_next_step():
    # walkB, smuggling step 4: the note after ' .' said "Type . alone to end the message";
    # doing so ended the DATA that step 5 ('..') still needs.
    from test_not_yet import notes, solved_through

    session = solved_through("smuggling", 3)
    session.enter(" .")
    said = next(n for n in notes(session) if "is not the end of the message" in n)
    assert "Type . alone" not in said and "message text" in said, said


def test_the_space_dot_note_still_says_how_to_end_elsewhere():
    from test_not_yet import notes, solved_through

    session = solved_through("foobar", 5)
    session.enter(" .")
    said = next(n for n in notes(session) if "is not the end of the message" in n)
    assert "Type . alone to end the message" in said, said
