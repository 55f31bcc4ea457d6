"""`smtp-sim grade`: a class's attempts in one process, one row each (student, file, steps,
quiz right first try, wrong tries, grade, first step not met and why), CSV and JSON; `run
--answers --report json` gives the same object; a quiz's max_tries closes it."""

from __future__ import annotations

import csv
import json

import pytest

from smtp_sim.cli import main
from smtp_sim.course.grading import play
from smtp_sim.course.lesson import load_lesson, parse_lesson
from smtp_sim.course.progress import Progress, ProgressStore

FOOBAR = load_lesson("foobar")
SOLUTION = [line for step in FOOBAR.steps for line in step.solution]


@pytest.fixture(autouse=True)
def _wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """The table's rows whole (tests/cli/test_cli.py folds them at 60 columns)."""
    monkeypatch.setenv("COLUMNS", "250")


@pytest.fixture
def attempts(tmp_path):
    files = {
        "ada.txt": SOLUTION,
        # every choice tried: right only on the third try
        "bob.txt": [x for x in SOLUTION if not x.startswith("/answer")]
        + ["/answer a", "/answer c", "/answer b"],
        "cy.txt": SOLUTION[:3],
    }
    paths = []
    for name, lines in files.items():
        (tmp_path / name).write_text("\n".join(lines) + "\n")
        paths.append(str(tmp_path / name))
    exported = {
        "format": "smtp-sim-attempt",
        "version": 1,
        "lesson": "foobar",
        "student": "Dee 2137",
        "inputs": [{"line": line} for line in SOLUTION[:2]],
    }
    (tmp_path / "dee.json").write_text(json.dumps(exported))
    paths.append(str(tmp_path / "dee.json"))
    return paths


def test_the_table_has_a_row_per_attempt_and_a_summary(attempts, capsys):
    assert main(["grade", "foobar", *attempts]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == [
        "student",
        "file",
        "steps",
        "quiz",
        "1st",
        "wrong",
        "grade",
        "first",
        "step",
        "not",
        "met",
    ]
    rows = {line.split()[0]: line for line in out[1:5]}
    assert rows["ada"].split()[2:6] == ["8/8", "1/1", "0", "100"]
    assert rows["bob"].split()[2:6] == ["8/8", "0/1", "2", "100"]
    assert rows["cy"].split()[2:6] == ["3/8", "0/1", "0", "37.5"]
    assert "4 rcpt-to: Give the recipient" in rows["cy"]
    assert 'a 250 reply to RCPT with "bob@cs.tcd.ie"' in rows["cy"]  # why
    assert out[4].startswith("Dee 2137  dee.json  2/8")  # the name inside the attempt
    assert out[5].startswith("4 attempts at foobar: 2 complete; grade mean")
    assert "2 wrong quiz tries" in out[5]


def test_csv_opens_as_a_gradebook_and_json_is_one_object_per_attempt(attempts, tmp_path, capsys):
    book = tmp_path / "book.csv"
    assert main(["grade", "foobar", *attempts, "--csv", str(book), "--json"]) == 0
    objects = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    with book.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["student"] for r in rows] == ["ada", "bob", "cy", "Dee 2137"]
    assert [o["student"] for o in objects] == ["ada", "bob", "cy", "Dee 2137"]
    assert rows[1]["wrong_quiz_tries"] == "2" and rows[1]["quiz_right_first_try"] == "0"
    assert rows[2]["first_step_not_met"] == "4 rcpt-to: Give the recipient: RCPT TO"
    assert float(rows[2]["grade"]) == objects[2]["grade"] == 37.5
    assert objects[2]["exit_status"] == 14


def test_run_report_json_is_the_same_object(attempts, capsys):
    main(["grade", "foobar", attempts[2], "--json"])
    from_grade = json.loads(capsys.readouterr().out)
    status = main(["run", "foobar", "--answers", attempts[2], "--report", "json"])
    assert status == 14
    assert json.loads(capsys.readouterr().out) == from_grade
    main(["run", "foobar", "--answers", attempts[2], "--report", "json", "--student", "C. Y."])
    assert json.loads(capsys.readouterr().out)["student"] == "C. Y."


def test_an_unusable_file_is_a_row_and_exit_2(attempts, tmp_path, capsys):
    junk = tmp_path / "junk.json"
    junk.write_text("[1]")
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"lesson": "mime", "inputs": []}))
    assert main(["grade", "foobar", attempts[0], str(junk), str(other)]) == 2
    captured = capsys.readouterr()
    assert "unusable: " in captured.out and "not an smtp-sim attempt" in captured.out
    assert "not 'foobar'" in captured.out
    assert "2 attempt files could not be graded" in captured.out
    assert f"{junk}: not graded" in captured.err


def test_grading_a_scenario_or_a_bad_lesson_is_exit_2(attempts, capsys):
    assert main(["grade", "nosuch-lesson", attempts[0]]) == 2
    assert "nosuch-lesson" in capsys.readouterr().err


QUIZ = """
id = "tries"
title = "t"
summary = "s"
scenario = "classroom"

[[steps]]
id = "q"
title = "Q"
text = "?"
solution = ["/answer b"]
[steps.quiz]
question = "?"
choices = ["x", "y", "z"]
correct = 2
max_tries = 2

[[steps]]
id = "connect"
title = "Connect"
text = "."
solution = ["telnet mail.cs.tcd.ie 25"]
checks = [{ kind = "connected" }]
"""


def test_max_tries_closes_the_quiz_and_counts_against_the_grade():
    lesson = parse_lesson(QUIZ)
    grade = play(lesson, ["/answer a", "/answer c", "/answer b", "telnet mail.cs.tcd.ie 25"])
    assert grade.quiz_tries == [[False, False]]  # the third answer came too late
    assert [s.passed for s in grade.steps] == [False, True]  # closed: the student went on
    assert grade.exit_status == 11
    assert "max_tries is 2" in grade.steps[0].missing[0]
    assert grade.score == 50.0
    right = play(lesson, ["/answer a", "/answer b", "telnet mail.cs.tcd.ie 25"])
    assert right.passed and right.wrong_tries == 1 and right.quiz_right_first_try == 0


def test_the_console_says_no_tries_are_left():
    from smtp_sim.course.session import LessonSession

    session = LessonSession(parse_lesson(QUIZ))
    session.enter("/answer a")
    said = session.enter("/answer c")
    assert "last of 2 tries" in said and "The answer: B" in said
    assert session.index == 1  # closed: on to the next step
    session.go_to(0)
    assert session.enter("/answer b").startswith("No tries left (2 given)")
    assert session.progress[0].answers == ["a", "c"]


def test_the_progress_file_keeps_the_student(tmp_path):
    store = ProgressStore(tmp_path / "p.json")
    store.save(Progress(student="Ada 2136"))
    assert store.load().student == "Ada 2136"
