"""What `smtp-sim check` and `smtp-sim run LESSON --solve/--answers` say about files they cannot
use: one clear line per problem (file, line where known, key path, what was expected), exit 2,
never a traceback; and what a grading report says about a step that failed."""

import json
import re

import pytest

from smtp_sim.cli import main
from smtp_sim.course.grading import solve
from smtp_sim.course.lesson import Lesson

LESSON = """
id = "mini"
title = "Mini"
summary = "A tiny lesson"
topics = ["x"]
scenario = "classroom"

[[steps]]
id = "hello"
title = "Say hello"
text = "Connect."
solution = ["telnet mail.cs.tcd.ie 25", "/wait 1s"]
checks = [{ kind = "reply", code = 220 }]
"""

CHECK = '{ kind = "reply", code = 220 }'
SOLUTION = '"/wait 1s"'


def _write(tmp_path, text, name="lesson.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return status, out, err.strip().splitlines()


def _only_line(err, path, keypath):
    """The one problem line about ``keypath`` (or a key below it): FILE:LINE: KEYPATH..."""
    found = [
        e
        for e in err
        if e.startswith(f"{path}:") and re.search(rf": {re.escape(keypath)}[.:\[]", e)
    ]
    assert len(found) == 1, err
    assert re.match(re.escape(path) + r":\d+: ", found[0]), found[0]
    return found[0]


def test_the_base_lesson_is_valid_and_solvable(tmp_path, capsys):
    path = _write(tmp_path, LESSON)
    assert _run(capsys, "check", path)[0] == 0
    assert _run(capsys, "run", path, "--solve")[0] == 0


# -- B3: every regular expression is checked when the file is read -------------------------------


@pytest.mark.parametrize(
    "check,key",
    [
        ('{ kind = "mailbox", address = "bob@cs.tcd.ie", subject = "(" }', "subject"),
        ('{ kind = "mailbox", address = "bob@cs.tcd.ie", body = "[a" }', "body"),
        ('{ kind = "mailbox", address = "bob@cs.tcd.ie", header = { Subject = "(" } }', "header"),
        ('{ kind = "sent", pattern = "(" }', "pattern"),
        ('{ kind = "data", pattern = "(" }', "pattern"),
        ('{ kind = "narrated", pattern = "*x" }', "pattern"),
        (
            '{ kind = "not", check = { kind = "mailbox", address = "bob@cs.tcd.ie", subject = "(" } }',
            "subject",
        ),
    ],
)
def test_a_bad_regex_is_a_problem_of_the_file_in_every_check(tmp_path, capsys, check, key):
    path = _write(tmp_path, LESSON.replace(CHECK, f"{CHECK}, {check}"))
    status, _, err = _run(capsys, "check", path)
    assert status == 2
    line = _only_line(err, path, "steps[0].checks[1]")
    assert "not a valid regular expression" in line and f"`{key}`" in line
    assert "(expected a Python regular expression" in line
    status, out, err = _run(capsys, "run", path, "--solve")
    assert status == 2 and out == ""
    assert any("not a valid regular expression" in e for e in err)


def test_a_bad_regex_in_grading_is_found_too(tmp_path, capsys):
    text = LESSON + (
        '\n[[grading]]\nkind = "mailbox"\naddress = "bob@cs.tcd.ie"\n'
        'body = "a)"\nduring_step = false\n'
    )
    path = _write(tmp_path, text)
    status, _, err = _run(capsys, "check", path)
    assert status == 2
    assert "not a valid regular expression" in _only_line(err, path, "grading[0]")


# -- B5: the console must be a host of the scenario -----------------------------------------------


def test_an_unknown_console_host_is_a_problem_at_its_line(tmp_path, capsys):
    path = _write(
        tmp_path,
        LESSON.replace('scenario = "classroom"', 'scenario = "classroom"\nconsole = "pc.nosuch"'),
    )
    status, _, err = _run(capsys, "check", path)
    assert status == 2
    line = _only_line(err, path, "console")
    assert line.startswith(f"{path}:7: console: no host named 'pc.nosuch'")
    assert "pc.crepes.fr" in line  # what would do
    status, out, err = _run(capsys, "run", path, "--solve")
    assert status == 2 and out == "" and any("pc.nosuch" in e for e in err)


def test_a_known_console_host_is_fine(tmp_path, capsys):
    path = _write(
        tmp_path,
        LESSON.replace(
            'scenario = "classroom"', 'scenario = "classroom"\nconsole = "pc.cs.tcd.ie"'
        ),
    )
    assert _run(capsys, "check", path)[0] == 0


# -- B10: solution lines the console would refuse --------------------------------------------------


@pytest.mark.parametrize(
    "line,needle",
    [
        ("/frobnicate", "unknown command /frobnicate"),
        ("/wait forever", "forever"),
        ("/send zed@crepes.fr bob@cs.tcd.ie Hi", "zed@crepes.fr has no mail client"),
        ("/send dave@cs.tcd.ie bob@cs.tcd.ie Hi", "dave@cs.tcd.ie has no mail client"),
        ("/send alice@crepes.fr", "/send FROM TO"),
        ("/fault host-down host=nosuch", "nosuch"),
        ("/fault host-down mail.cs.tcd.ie", "write KIND key=value"),
        ("/fault no-such-fault", "no-such-fault"),
        ("/fault host-down host=mail.cs.tcd.ie colour=red", "colour"),
        ("/answer 42", "no quiz"),
    ],
)
def test_a_solution_line_the_console_refuses_is_a_problem(tmp_path, capsys, line, needle):
    path = _write(tmp_path, LESSON.replace(SOLUTION, json.dumps(line)))
    status, _, err = _run(capsys, "check", path)
    assert status == 2, err
    found = _only_line(err, path, "steps[0].solution[1]")
    assert "step 'hello'" in found and "the console refuses" in found
    assert needle in found


@pytest.mark.parametrize(
    "line",
    [
        "/wait 2min",
        "/run",
        "/hint",
        "/send alice@crepes.fr bob@cs.tcd.ie Hello there",
        "/fault host-down host=mail.cs.tcd.ie",
        "/fault dns-down",
        "  /WAIT 5s  ",
    ],
)
def test_solution_lines_the_console_accepts_pass(tmp_path, capsys, line):
    path = _write(tmp_path, LESSON.replace(SOLUTION, json.dumps(line)))
    status, _, err = _run(capsys, "check", path)
    assert status == 0, err


def test_solve_warns_about_a_line_refused_while_it_runs(tmp_path):
    """A lesson built without the file checks (as a program may): --solve still says which
    solution line of which step the console refused."""
    import tomllib

    data = tomllib.loads(LESSON.replace(SOLUTION, '"/frobnicate"'))
    lesson = Lesson.model_validate(data)  # validated, but not cross-checked
    grade = solve(lesson)
    assert len(grade.warnings) == 1
    assert "step 1 (hello)" in grade.warnings[0] and "/frobnicate" in grade.warnings[0]
    assert grade.exit_status == 0  # the step itself passed: the exit status says so


# -- B8: answers files that are not attempts -------------------------------------------------------


@pytest.mark.parametrize(
    "content,needle",
    [
        ({"format": "other", "version": 1, "lesson": "foobar", "inputs": []}, "format:"),
        (
            {"format": "smtp-sim-attempt", "version": 99, "lesson": "foobar", "inputs": []},
            "version:",
        ),
        (
            {
                "format": "smtp-sim-attempt",
                "version": 1,
                "lesson": "foobar",
                "inputs": [{"line": 5}],
            },
            "inputs[0].line:",
        ),
        (
            {"format": "smtp-sim-attempt", "version": 1, "lesson": "foobar", "inputs": [{}]},
            "inputs[0].line: required key 'line' is missing",
        ),
        ([], "holds a list, not an smtp-sim attempt"),
        ({"lesson": "foobar"}, "inputs: required key 'inputs' is missing"),
        ({"lesson": "foobar", "inputs": "nope"}, "inputs: wrong type"),
        ({"lesson": "foobar", "inputs": ["quit"]}, "inputs[0]: wrong type"),
        ({"lesson": "foobar", "seed": "abc", "inputs": []}, "seed:"),
        ({"lesson": "foobar", "inputs": [], "extra": 1}, "unknown key 'extra'"),
        (
            {"lesson": "foobar", "inputs": [{"line": "quit", "time": "NaN", "step": 0}]},
            "inputs[0].time:",
        ),
        ({"lesson": "foobar", "inputs": [{"line": "quit", "step": True}]}, "inputs[0].step:"),
        (
            {"lesson": "foobar", "inputs": [{"line": "a", "step": 0}, {"line": "b"}]},
            "inputs[1].step: missing",
        ),
        (
            {"lesson": "foobar", "inputs": [{"line": "a", "step": 5}, {"line": "b", "step": 2}]},
            "inputs[1].step:",
        ),
    ],
)
def test_an_answers_file_that_is_not_an_attempt_is_refused(tmp_path, capsys, content, needle):
    path = _write(tmp_path, json.dumps(content), "attempt.json")
    status, out, err = _run(capsys, "run", "foobar", "--answers", path)
    assert status == 2 and out == ""
    assert err and all(e.startswith(f"smtp-sim run: {path}") for e in err), err
    assert any(needle in e for e in err), err
    assert not any("list indices" in e for e in err)


def test_json_syntax_errors_name_the_line(tmp_path, capsys):
    path = _write(
        tmp_path, '{"lesson": "foobar",\n "inputs": [\n  {"line": "quit",}]}', "attempt.json"
    )
    status, _, err = _run(capsys, "run", "foobar", "--answers", path)
    assert status == 2 and err[0].startswith(f"smtp-sim run: {path}:3: not valid JSON")


def test_a_nan_time_is_refused(tmp_path, capsys):
    path = _write(
        tmp_path, '{"lesson": "foobar", "inputs": [{"line": "q", "time": NaN}]}', "attempt.json"
    )
    status, _, err = _run(capsys, "run", "foobar", "--answers", path)
    assert status == 2 and "inputs[0].time" in err[0]


def test_a_real_attempt_is_still_graded(tmp_path, capsys):
    content = {
        "format": "smtp-sim-attempt",
        "version": 1,
        "lesson": "foobar",
        "seed": None,
        "inputs": [{"line": "telnet mail.cs.tcd.ie 25", "time": 0.0, "step": 0}],
    }
    path = _write(tmp_path, json.dumps(content), "attempt.json")
    status, out, _ = _run(capsys, "run", "foobar", "--answers", path)
    assert status == 12 and "PASS  step 1" in out


# -- C1: a scenario where a lesson is needed ---------------------------------------------------


@pytest.mark.parametrize("option", [["--solve"], ["--answers", "attempt.txt"]])
def test_grading_a_scenario_says_it_needs_a_lesson(tmp_path, capsys, option, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "60")
    (tmp_path / "attempt.txt").write_text("quit\n")
    status, out, err = _run(capsys, "run", "classroom", *option)
    assert status == 2 and out == ""
    # one message, wrapped to the terminal (COLUMNS=60 here; a long path stays whole on a line)
    assert all(len(line) <= 60 or " " not in line.strip() for line in err)
    assert err[0].startswith("smtp-sim run: ")
    message = " ".join(line.strip() for line in err)
    assert message.startswith("smtp-sim run: classroom (") and "is a scenario" in message
    assert "not a lesson" in message
    assert option[0] in message and "foobar" in message and "smtp-sim lessons" in message
    assert "unknown key" not in message


def test_a_lesson_without_steps_is_told_so(tmp_path, capsys):
    head = LESSON.split("[[steps]]")[0]
    path = _write(tmp_path, head)
    for argv in (["check", path], ["run", path, "--solve"], ["run", path]):
        status, _, err = _run(capsys, *argv)
        assert status == 2
        assert len(err) == 1 and "a lesson needs `[[steps]]`" in err[0], err
        assert "unknown key" not in err[0]


def test_a_scenario_is_still_a_scenario(capsys):
    status, _, err = _run(capsys, "check", "classroom", "press-send-net")
    assert status == 0, err


# -- C2: what a failed step still needed, and the steps never reached ---------------------------


def test_the_report_says_why_a_step_failed_and_which_were_not_reached(tmp_path, capsys):
    answers = tmp_path / "attempt.txt"
    answers.write_text("telnet mail.cs.tcd.ie 25\nhelo FooBar\nquit\n")
    status, out, _ = _run(capsys, "run", "foobar", "--answers", str(answers))
    assert status == 13  # the exit status is unchanged: step 3 fails first
    lines = out.splitlines()
    at = next(i for i, line in enumerate(lines) if "FAIL  step 3" in line)
    assert "not reached" not in lines[at]
    assert lines[at + 1].strip().startswith("not met: ")
    assert "MAIL" in lines[at + 1]
    later = [line for line in lines if re.match(r"\s+FAIL  step [4-8]:", line)]
    assert len(later) == 5 and all("(not reached" in line for line in later)
    assert all("not met" not in line for line in lines[:at])  # passed steps say nothing more
    assert "3 of 8 steps passed" not in out and "2 of 8 steps passed" in out


def test_a_quiz_not_answered_is_named(tmp_path, capsys):
    from smtp_sim.course.grading import play
    from smtp_sim.course.lesson import load_lesson

    lesson = load_lesson("foobar")
    lines = [
        line for step in lesson.steps for line in step.solution if not line.startswith("/answer")
    ]  # (the recap's solution answers its quiz)
    grade = play(lesson, lines)
    failed = grade.first_failure
    assert failed is not None and failed.id == lesson.steps[-1].id
    assert failed.missing and "quiz" in failed.missing[0] and "not answered" in failed.missing[0]
    assert grade.exit_status == 10 + len(lesson.steps)


def test_grading_checks_are_described(tmp_path):
    text = LESSON + (
        '\n[[grading]]\nkind = "mailbox"\naddress = "bob@cs.tcd.ie"\n'
        'subject = "Nothing like this"\nduring_step = false\n'
    )
    from smtp_sim.course.lesson import parse_lesson

    grade = solve(parse_lesson(text))
    report = grade.report()
    assert "FAIL  grading check 1: a message in the mailbox of bob@cs.tcd.ie" in report
    assert 'with the subject "Nothing like this"' in report
