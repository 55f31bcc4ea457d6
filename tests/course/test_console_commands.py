"""The console's own commands answer a student's mistakes with what to type instead."""

import re

from smtp_sim.course.lesson import SLASH_COMMANDS, load_lesson
from smtp_sim.course.session import LessonSession


def _session(step: int = 0) -> LessonSession:
    session = LessonSession(load_lesson("foobar"))
    session.go_to(step)
    return session


def test_help_lists_every_console_command():
    answer = _session().enter("/help")
    for usage, what in SLASH_COMMANDS:
        assert usage in answer and what in answer
    assert "/fault" in answer


def test_an_unknown_command_points_to_help():
    assert _session().enter("/frob").startswith("unknown command /frob; /help lists")


def test_a_fault_without_key_value_gets_the_form_and_a_guess():
    answer = _session().enter("/fault host-down mx1.example.org")
    assert answer.startswith("/fault: write KIND key=value")
    assert "did you mean host=mx1.example.org?" in answer
    assert "dictionary" not in answer


def test_a_duration_it_cannot_read_shows_the_forms_it_can():
    answer = _session().enter("/wait 1 minute")
    assert "cannot read '1 minute' as a duration" in answer and '"10min"' in answer


def test_an_answer_that_is_no_choice_is_not_graded():
    session = _session(7)  # the recap quiz: four choices, and a hint of its own
    answer = session.enter("/answer Z")
    assert answer == "/answer: choose one of A-D (or 1-4), e.g. /answer A"
    assert session.progress[7].answers == []  # not counted as a wrong answer
    quiz = session.lesson.steps[7].quiz
    assert session.enter("/answer a") == f"Not quite: {quiz.why('a')} Try again (or /hint)."
    assert "empty line ends the headers" in quiz.why("a")  # its own why, not a generic one
    assert session.progress[7].answers == ["a"]


def test_telnet_without_a_port_says_which_it_used():
    session = _session()
    session.enter("telnet mail.cs.tcd.ie")
    shown = [o.text for o in session.terminal.output]
    assert shown[0].startswith("(no port given: 25, the SMTP port; a real telnet would try 23")
    assert any(text.startswith("220 ") for text in shown)


def test_run_refuses_what_it_cannot_do_with_a_line_each(tmp_path, capsys):
    import pytest

    from smtp_sim.cli import main
    from smtp_sim.course.attempt import MAX_ATTEMPT_BYTES

    assert main(["run", ""]) == 2
    assert "no file or id given" in capsys.readouterr().err
    for args in (
        ["run", "classroom", "--svg", str(tmp_path / "flow.png")],
        ["run", "foobar", "--solve", "--answers", str(tmp_path / "a.txt")],
    ):
        with pytest.raises(SystemExit) as stopped:
            main(args)
        assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert "name it .svg or .html" in err and "not allowed with argument --solve" in err
    huge = tmp_path / "huge.txt"
    huge.write_bytes(b"NOOP\n" * (MAX_ATTEMPT_BYTES // 5 + 1))
    assert main(["run", "foobar", "--answers", str(huge)]) == 2
    assert "longer than 10 MB" in capsys.readouterr().err


def test_a_letter_typed_at_a_quiz_with_no_server_is_pointed_to_answer():
    session = _session(7)  # the recap quiz, not connected
    assert session.enter("b") == "To answer the question, type /answer B"
    assert session.progress[7].answers == []


def test_foobar_message_without_the_empty_line_does_not_pass_and_the_hint_says_why():
    """Issue 15: lesson 2 step 6 asks for the empty line between the headers and the body."""
    from smtp_sim.course.lesson import load_lesson
    from smtp_sim.course.session import LessonSession

    def typed(lines: list[str]) -> LessonSession:
        session = LessonSession(load_lesson("foobar"))
        for line in [
            "telnet mail.cs.tcd.ie 25",
            "helo FooBar",
            "mail from: alice@crepes.fr",
            "rcpt to: bob@cs.tcd.ie",
            "data",
            *lines,
        ]:
            session.enter(line)
        return session

    without = typed(["To: Someone@S", "From: SomeOneElse@S", "Subject: FooBar", "Hello World", "."])
    assert without.passed_steps()[:6] == [True] * 5 + [False]
    hints = [without.hint() for _ in range(3)]
    assert any("RFC 5322 section 2.1" in h and "empty line" in h for h in hints)
    with_it = typed(
        ["To: Someone@S", "From: SomeOneElse@S", "Subject: FooBar", "", "Hello World", "."]
    )
    assert with_it.passed_steps()[:6] == [True] * 6


def test_a_quiz_about_a_task_is_not_answered_before_the_task():
    """Issue 15: lesson 1 step 4 asks about Bob's answer to a /send not yet done."""
    from smtp_sim.course.lesson import load_lesson
    from smtp_sim.course.session import LessonSession

    session = LessonSession(load_lesson("press-send"))
    session.go_to(3)
    said = session.enter("/answer b")
    assert said.startswith("First the task: the question is about what it shows, and it still")
    assert "alice@crepes.fr" in said  # (what is missing: the reply in Alice's mailbox)
    assert session.progress[3].answers == [] and not session.progress[3].quiz_correct
    session.enter("/send bob@cs.tcd.ie alice@crepes.fr Re: Hello")
    assert session.enter("/answer b").startswith("Correct.")


def test_built_in_lessons_explain_every_choice_and_check_requires_it(tmp_path, monkeypatch):
    import io
    import shutil

    from smtp_sim.course import subcommands as commands
    from smtp_sim.course.lesson import builtin_lessons
    from smtp_sim.scenario.builtin import builtin_dir

    for lesson in builtin_lessons():
        for step in lesson.steps:
            if step.quiz is not None and step.quiz.choices:
                assert len(step.quiz.explain) == len(step.quiz.choices), (lesson.id, step.id)
    source = (builtin_dir() / "foobar.toml").read_text()
    start = source.index("explain = [")
    copy = tmp_path / "foobar.toml"
    copy.write_text(source[:start] + source[source.index("]\n", start) + 2 :])
    shutil.copy(builtin_dir() / "classroom.toml", tmp_path / "classroom.toml")

    def check() -> tuple[int, str]:
        out, err = io.StringIO(), io.StringIO()
        return commands.check_files([str(copy)], out, err), err.getvalue()

    assert check() == (0, "")  # a lesson of one's own may leave it out
    monkeypatch.setattr(commands, "_is_builtin", lambda file: True)
    code, err = check()  # a built-in lesson may not
    assert code == 2 and "steps[7].quiz.explain" in err and "explains every choice" in err


def test_a_misspelt_console_command_gets_did_you_mean():
    """Issue 15: `/sned` gets "did you mean /send?"; a question is not followed by ";"."""
    session = _session()
    said = session.enter("/sned bob@cs.tcd.ie alice@crepes.fr")
    assert said.startswith("unknown command /sned; did you mean /send? /help lists")
    said = session.enter("/fault greylst host=mail.cs.tcd.ie")
    assert "did you mean 'greylist'? " in said and "?;" not in said


def test_a_send_before_the_fault_it_should_meet_is_held_once_with_a_nudge():
    """Issue 15: lesson 8's server-down step, /send typed before /fault host-down."""
    session = LessonSession(load_lesson("reliable-delivery"))
    session.go_to(2)  # server-down
    records = len(session.world.trace)
    said = session.enter("/send alice@crepes.fr bob@cs.tcd.ie Are you there?")
    assert said.startswith("Not sent yet") and "/fault host-down host=mail.cs.tcd.ie" in said
    assert len(session.world.trace) == records  # nothing happened in the network
    # the same /send again: sent as things are (nothing typed is refused twice)
    said = session.enter("/send alice@crepes.fr bob@cs.tcd.ie Are you there?")
    assert "pressed Send" in said and len(session.world.trace) > records


def test_a_send_after_its_fault_gets_no_nudge():
    session = LessonSession(load_lesson("reliable-delivery"))
    session.go_to(2)
    session.enter("/fault   host-down host=mail.cs.tcd.ie")  # spaces do not matter
    said = session.enter("/send alice@crepes.fr bob@cs.tcd.ie Are you there?")
    assert "pressed Send" in said


def test_a_fault_whose_text_has_spaces_replays_as_the_palette_recorded_it():
    """The palette records its reply presets as /fault lines with a spaced text=: the console
    (and so a replay of the attempt) reads the whole text back."""
    from smtp_sim.course.lesson import fault_params

    assert fault_params("host=a code=450 text=Mailbox busy, try later stage=rcpt") == {
        "host": "a",
        "code": "450",
        "text": "Mailbox busy, try later",
        "stage": "rcpt",
    }
    session = LessonSession(load_lesson("reliable-delivery"))
    line = "/fault reply host=mail.cs.tcd.ie stage=rcpt code=450 text=Mailbox busy, try later"
    said = session.enter(line)
    assert "/fault:" not in said and "write KIND" not in said, said
    session.enter("/send alice@crepes.fr bob@cs.tcd.ie Busy?")
    replies = [r.summary for r in session.world.trace if r.summary.startswith("450")]
    assert any("Mailbox busy, try later" in r for r in replies), replies


def test_tap_names_a_link_or_lists_them():
    session = _session()
    answer = session.enter("/tap pc.crepes.fr mx1.example.org")
    assert answer.startswith("/tap: no link between pc.crepes.fr and mx1.example.org; ")
    assert "/tap and one of the links: pc.crepes.fr gw.crepes.fr; smtp.crepes.fr" in answer
    assert session.enter("/tap nosuch gw.crepes.fr").startswith("/tap: no host named 'nosuch'")
    assert session.enter("/tap").startswith("/tap needs a link: its two hosts, e.g. /tap A B")
    assert not session.world.network.watching  # nothing attached by a refused line
    answer = session.enter("/tap ix.example.net gw.crepes.fr")
    assert answer == (
        "a tap on the link gw.crepes.fr \u2014 ix.example.net records every segment that "
        "crosses it."
    )
    assert session.world.network.watching
    assert session.world.network.link_between("gw.crepes.fr", "ix.example.net").tap


def test_a_send_whose_recipient_is_no_address_is_refused_saying_what_was_taken():
    """walkA, push-pull step 1: Tab left '/send  bob@cs.tcd.ie Crepes tonight?' (the grey
    suggestion alice@crepes.fr was no text): 'Crepes' went out as the recipient, unsaid."""
    session = LessonSession(load_lesson("push-pull"))
    records = len(session.world.trace)
    said = session.enter("/send  bob@cs.tcd.ie Crepes tonight?")
    assert "pressed Send" not in said and len(session.world.trace) == records
    assert "Crepes" in said and "no @" in said, said
    assert "bob@cs.tcd.ie as the sender" in said, said


def test_a_send_says_its_recipient_and_subject():
    session = LessonSession(load_lesson("push-pull"))
    said = session.enter("/send alice@crepes.fr bob@cs.tcd.ie Crepes tonight?")
    assert 'to bob@cs.tcd.ie, subject "Crepes tonight?"' in said, said


def test_an_answer_before_the_task_does_not_give_the_answer_away():
    """walkA, press-send step 4: '/answer A' before the /send was told the step still wants
    'mail.cs.tcd.ie passing the message on to smtp.crepes.fr': choice B's hop, the answer."""
    from smtp_sim.course.lesson import load_lesson
    from smtp_sim.course.session import LessonSession

    session = LessonSession(load_lesson("press-send"))
    session.go_to(3)
    said = session.enter("/answer A")
    assert said.startswith("First the task"), said
    assert not re.search(r"mail\.cs\.tcd\.ie.*smtp\.crepes\.fr", said), said
    assert session.progress[3].answers == []
