"""Nothing says more than the task: a quiz has hints of its own (nudges, never the answer),
shown by /hint once the task is done; `check` refuses a hint that gives an answer away;
/base64 declines to answer a question that asks for base64 by hand; a short answer can count
case, and a common wrong answer is told why."""

from __future__ import annotations

import pytest
from test_not_yet import notes, solved_through
from test_validator import GOOD, _check

from smtp_sim.course.lesson import Quiz, builtin_lessons, load_lesson
from smtp_sim.course.session import LessonSession

QUIZ = '[steps.quiz]\nquestion = "Which code greets?"\naccept = ["220"]\n'


def test_hint_gives_the_tasks_hints_then_the_questions_once_the_task_is_done():
    """base64 step 3: its step hints help type the lines; once they are typed, /hint nudges
    toward the question (walkE: the step's last hint was '/answer Mar')."""
    session = solved_through("base64", 2)
    step = session.current
    assert session.enter("/hint") == step.hints[0]
    for line in step.solution[:-1]:  # (the lines, not the /answer)
        session.enter(line)
    assert session.task_done() and not session.progress[2].done
    assert session.enter("/hint") == step.quiz.hints[0]
    assert session.enter("/hint") == step.quiz.hints[1]
    assert session.enter("/hint") == step.quiz.hints[1]  # (the last one again)
    assert session.progress[2].hints_shown == 1 and session.progress[2].quiz_hints_shown == 2


def test_a_quiz_only_step_hints_at_its_question():
    session = LessonSession(load_lesson("foobar"))
    session.go_to(7)
    assert session.enter("/hint") == session.lesson.steps[7].quiz.hints[0]


def test_every_builtin_quiz_has_a_hint_that_holds_no_answer():
    from smtp_sim.course.authoring import _answer_in

    quizzes = [
        (lesson.id, step.id, step.quiz)
        for lesson in builtin_lessons()
        for step in lesson.steps
        if step.quiz is not None
    ]
    assert len(quizzes) >= 34
    assert [(who, s) for who, s, q in quizzes if not q.hints] == []
    assert [(who, s) for who, s, q in quizzes for h in q.hints if _answer_in(h, q)] == []
    assert not [
        (lesson.id, step.id)
        for lesson in builtin_lessons()
        for step in lesson.steps
        for hint in [*step.hints, *(step.quiz.hints if step.quiz else [])]
        if "/answer" in hint.lower()
    ]


@pytest.mark.parametrize(
    "hints,key,needle",
    [
        ('hints = ["Look at the greeting. /answer 220"]\n', "steps[0].hints[0]", "/answer"),
        ('hints = ["It starts with 2: 220 Ready"]\n', "steps[0].quiz.hints[0]", "'220'"),
    ],
)
def test_check_refuses_a_hint_that_gives_the_answer(tmp_path, capsys, hints, key, needle):
    lesson = GOOD.replace('solution = ["telnet', 'solution = ["/answer 220", "telnet')
    if key.startswith("steps[0].hints"):
        lesson = lesson.replace('text = "Connect."', 'text = "Connect."\n' + hints) + QUIZ
    else:
        lesson += QUIZ + hints
    status, err, path = _check(tmp_path, lesson, capsys)
    assert status == 2, err
    line = next(e for e in err if key in e)
    assert line.startswith(path + ":") and needle in line, line
    good = lesson.replace('/answer 220"]', 'Three digits"]').replace(": 220 Ready", "xx")
    assert _check(tmp_path, good, capsys)[0] == 0


def test_base64_declines_to_answer_a_by_hand_question():
    session = solved_through("base64", 2)
    for line in session.current.solution[:-1]:
        session.enter(line)
    said = session.enter("/base64 -d TWFy")
    assert "Mar" not in said and "by hand" in said, said
    assert "Man" in session.enter("/base64 -d TWFu")  # (no answer to the question)
    assert not session.progress[2].quiz_correct


def test_a_case_sensitive_answer_counts_case_and_a_common_wrong_one_is_told_why():
    quiz = Quiz(
        question="What does TWFy decode to?",
        accept=["Mar"],
        case_sensitive=True,
        wrong={"Man": "That is TWFu."},
    )
    assert quiz.grade("Mar") and not quiz.grade("MAR") and not quiz.grade("mar")
    assert quiz.why("man") == "That is TWFu."
    assert Quiz(question="?", accept=["Mar"]).grade("MAR")
    with pytest.raises(ValueError, match="accept"):
        Quiz(question="?", accept=["Mar"], wrong={"mar": "no"})


def test_a_wrong_short_answer_is_told_its_why_or_pointed_to_the_hint():
    session = solved_through("base64", 2)
    step = session.current
    for line in step.solution[:-1]:
        session.enter(line)
    wrong, why = next(iter(step.quiz.wrong.items()))
    assert session.enter(f"/answer {wrong}") == f"Not quite: {why} Try again (or /hint)."
    assert session.enter("/answer Mbr") == "Not quite. Try again (or /hint)."
    assert session.enter("/answer MAR").startswith("Not quite")  # (case counts)
    assert notes(session)[-1].startswith("Not quite")


#: Quizzes the text right above them answered (walkE and the review), with the words that did.
ANSWERED_ABOVE = {
    ("open-relay", "delivered"): ["Return-Path"],
    ("smuggling", "bytes"): ["CR LF", "\\r\\n"],
    ("starttls", "encrypted"): ["EHLO smtp.crepes.fr", "only ciphertext"],
    ("starttls", "own-cable"): ["only after STARTTLS", "only then"],
    ("starttls", "required"): ["deferred", "waits in the queue"],
    ("mail-auth", "recap"): ["address people read", "From:"],
}


def test_no_quiz_is_answered_by_the_text_right_above_it():
    steps = {(lesson.id, step.id): step for lesson in builtin_lessons() for step in lesson.steps}
    said = [
        (key, words)
        for key, phrases in ANSWERED_ABOVE.items()
        for words in phrases
        if words.casefold() in steps[key].text.casefold()
    ]
    assert said == []
    short = [
        (lesson.id, step.id)
        for lesson in builtin_lessons()
        for step in lesson.steps
        if step.quiz is not None and step.quiz.accept and step.quiz.accept[0] in step.text
    ]
    # (base64 4 applies the text's rule to another size; mail-auth 1's server is named in
    # passing, the question being which of the network's servers wrote the field)
    assert short == [("base64", "gif-part"), ("mail-auth", "read-results")]


def test_check_refuses_a_why_for_a_wrong_answer_that_holds_the_right_one(tmp_path, capsys):
    lesson = GOOD.replace('solution = ["telnet', 'solution = ["/answer 220", "telnet') + QUIZ
    wrong = 'wrong = { "221" = "221 closes; the greeting is 220." }\n'
    status, err, path = _check(tmp_path, lesson + wrong, capsys)
    assert status == 2, err
    line = next(e for e in err if "steps[0].quiz.wrong" in e)
    assert line.startswith(path + ":") and "'220'" in line, line
    fine = 'wrong = { "221" = "221 says the server closes the connection." }\n'
    assert _check(tmp_path, lesson + fine, capsys)[0] == 0


def test_an_answer_typed_while_a_wait_plays_is_judged_after_the_wait():
    """walkA, telnet-yourself step 8: a right '/answer B' typed while '/wait 5s' was still
    playing (a few real seconds) got 'First the task: ... still wants ...'; after the pause it
    was accepted. The answer now plays the wait out (virtual time) and is then judged."""
    from test_not_yet import solved_through

    session = solved_through("telnet-yourself", 7)
    session.enter("quit", run=False)
    session.run_until_answer()
    session.enter("/wait 5s", run=False)  # (the app plays it: nothing has run yet)
    said = session.enter("/answer B", run=False)
    assert said is not None and "Correct." in said and "First the task" not in said, said
    session.evaluate()  # (the app evaluates after every line)
    assert session.progress[7].done


def test_a_quiz_step_waiting_for_its_answer_does_not_tell_the_queue():
    # walkB, starttls step 5: after /wait 15s, "Not yet: a message still waits in
    # smtp.crepes.fr's queue ... /wait 270s" gave away the answer (B: it waits in the queue)
    # and sent the student to /wait instead of /answer.
    from test_not_yet import notes, solved_through

    session = solved_through("starttls", 4)
    for line in session.lesson.steps[4].solution:
        if not line.startswith("/answer"):
            session.enter(line)
    session.enter("/wait 15s")
    said = [n for n in notes(session) if n.startswith("Not yet")]
    assert not any("queue" in n or "/wait" in n for n in said), said
    assert said and "/answer" in said[-1], said
