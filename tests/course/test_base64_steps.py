"""The base64 lesson's closing steps, as students typed them (walkE): a wrong image part is
told at its 250, a mistyped closing line is named first, and "8 characters" is an answer."""

from __future__ import annotations

from test_not_yet import notes, solved_through

GIF = "R0lGODlhAQABAIAAAP8AAP///ywAAAAAAQABAAACAkQBADs="
PART = [
    "--b",
    "Content-Type: image/gif",
    "Content-Transfer-Encoding: base64",
    'Content-Disposition: attachment; filename="dot.gif"',
    "",
]


def test_a_mistyped_image_line_is_told_at_the_250_not_after_the_classrooms_mail():
    """The classroom's own message sits in smtp.crepes.fr's queue when the student ends
    theirs: the judgement waited for it, so no Not-yet came at the dot."""
    session = solved_through("base64", 3)
    for line in [*PART, GIF.replace("ADs=", "ADS="), GIF, "/answer 2", "--b--", "."]:
        session.enter(line)
    assert session.terminal.output[-1].reply.code == 250
    assert any(mta.queue.waiting() for mta in session.world.mtas.values())  # (the classroom's)
    assert session.index == 4
    assert notes(session)[-1].startswith("Not yet: step 5 still wants"), notes(session)[-1]


def test_a_mistyped_closing_line_is_named_first():
    session = solved_through("base64", 4)
    session.enter("--b-")
    session.enter(".")
    said = notes(session)[-1]
    assert said.startswith('Not yet: step 5 still wants a message line like "--b--"'), said


def test_eight_characters_is_an_answer_to_how_many_characters():
    session = solved_through("base64", 6)
    said = session.enter("/answer 8 characters")
    assert said.startswith("Correct"), said
    assert session.complete


def test_a_unit_the_question_does_not_count_in_is_not_taken():
    from smtp_sim.course.lesson import load_lesson

    quiz = load_lesson("base64").steps[6].quiz
    assert quiz.grade("eight characters") and quiz.grade("8 Characters.")
    assert not quiz.grade("8 bytes")  # (the question's bytes are what is encoded)
    assert not quiz.grade("9 characters")
