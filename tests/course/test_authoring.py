"""What `check` and `--solve` prove about what an author wrote: --solve types exactly the
solution lines (a wrong /answer fails, naming the step and the line), check holds steps,
checks and types to the network and the schema, and the docs' lessons are valid."""

import re
from pathlib import Path

import pytest

from smtp_sim.cli import main
from smtp_sim.world.trace import Kind

DOCS = Path(__file__).resolve().parents[2] / "docs" / "authoring.md"

LESSON = """
id = "backup-mx"
title = "Backup MX"
summary = "s"
scenario = "classroom"
console = "pc.crepes.fr"

[[steps]]
id = "connect"
title = "Connect"
text = "Connect."
solution = ["telnet mail.cs.tcd.ie 25"]
checks = [
  { kind = "connected", host = "mail.cs.tcd.ie", port = 25 },
  { kind = "reply", code = 220 },
]

[[steps]]
id = "which"
title = "Which reply"
text = "Q"
solution = ["/answer 3"]
[steps.quiz]
question = "Which?"
choices = ["a", "b", "c"]
correct = 2
"""


def _run(tmp_path, capsys, text, *args):
    path = tmp_path / "lesson.toml"
    path.write_text(text)
    status = main([*args[:1], str(path), *args[1:]])
    out = capsys.readouterr()
    return status, out.out, out.err.strip().splitlines(), str(path)


def _line_of(text, needle):
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def test_solve_types_only_the_authors_lines_and_names_the_wrong_one(tmp_path, capsys):
    status, out, _, _ = _run(tmp_path, capsys, LESSON, "run", "--solve")
    out = " ".join(out.split())  # (the report wraps long lines)
    assert status == 12  # step 2 is the first not passed
    assert "FAIL step 2: Which reply" in out
    assert "solution line 1 '/answer 3': not the quiz's answer (its answer is B" in out
    from smtp_sim.course.grading import solve
    from smtp_sim.course.lesson import parse_lesson

    grade = solve(parse_lesson(LESSON))
    answers = [
        r.summary for r in grade.world.trace if r.kind is Kind.NOTE and "quiz answer" in r.summary
    ]
    assert answers == ["quiz answer '3': not right"]  # no answer of the solver's own


def test_solve_passes_with_the_right_answer(tmp_path, capsys):
    status, out, _, _ = _run(
        tmp_path, capsys, LESSON.replace("/answer 3", "/answer b"), "run", "--solve"
    )
    assert status == 0, out


def test_solve_names_the_last_line_when_checks_are_not_met(tmp_path, capsys):
    text = LESSON.replace(
        'solution = ["telnet mail.cs.tcd.ie 25"]', 'solution = ["telnet smtp.crepes.fr 25"]'
    )
    status, out, _err, _ = _run(tmp_path, capsys, text, "run", "--solve")
    out = " ".join(out.split())  # (the report wraps long lines)
    assert status == 11
    out = " ".join(out.split())  # the report is wrapped to the terminal
    assert "after solution line 1 'telnet smtp.crepes.fr 25', the step had not passed" in out
    assert "not met: a connection from the student's terminal to mail.cs.tcd.ie on port 25" in out


@pytest.mark.parametrize(
    "old,new,needle,key",
    [
        (
            'solution = ["telnet mail.cs.tcd.ie 25"]',
            "",
            "step 'connect' has no solution",
            "steps[0].solution",
        ),
        (
            'solution = ["/answer 3"]',
            'solution = ["quit"]',
            "quiz its solution never answers",
            "steps[1].solution",
        ),
        (
            'host = "mail.cs.tcd.ie", port',
            'host = "smtp.nosuch.test", port',
            "no host named 'smtp.nosuch.test'",
            "steps[0].checks[0].host",
        ),
        (
            '{ kind = "reply", code = 220 },',
            '{ kind = "queue", event = "sent", via = "mx3.shop.test" },',
            "no host named 'mx3.shop.test'",
            "steps[0].checks[1].via",
        ),
        (
            '{ kind = "reply", code = 220 },',
            '{ kind = "reply", host = "pc.crepes.fr" },',
            "'pc.crepes.fr' is a client, not a mail server",
            "steps[0].checks[1].host",
        ),
        (
            'solution = ["telnet mail.cs.tcd.ie 25"]',
            'stuck = [{ when = { kind = "reply", code = 554, host = "mx9.nosuch.test" }, '
            'say = "Quit." }]\nsolution = ["telnet mail.cs.tcd.ie 25"]',
            "no host named 'mx9.nosuch.test'",
            "steps[0].stuck[0].when.host",
        ),
        ("code = 220", 'code = "220"', "the string '220' (expected a whole number", "code"),
        ("port = 25", 'port = "25"', "the string '25' (expected a whole number", "port"),
        (
            "correct = 2",
            'correct = "2"',
            "the string '2' (expected a whole number",
            "steps[1].quiz.correct",
        ),
    ],
)
def test_check_reports_each_at_its_line(tmp_path, capsys, old, new, needle, key):
    assert old in LESSON
    text = LESSON.replace(old, new)
    status, _, err, path = _run(tmp_path, capsys, text, "check")
    assert status == 2
    line = next((e for e in err if needle in e), None)
    assert line is not None, err
    at = _line_of(text, new.strip().splitlines()[0]) if new.strip() else None
    match = re.match(re.escape(path) + r":(\d+): (\S+): ", line)
    assert match and key in match.group(2), line
    if at is not None:
        assert int(match.group(1)) == at, line


def test_a_key_after_the_quiz_header_belongs_to_the_step(tmp_path, capsys):
    text = LESSON.replace('solution = ["/answer 3"]\n', "") + 'solution = ["/answer b"]\n'
    status, _, err, path = _run(tmp_path, capsys, text, "check")
    assert status == 2
    at = _line_of(text, "/answer b")
    assert err == [
        f"{path}:{at}: steps[1].quiz.solution: "
        "`solution` belongs to the step, not to [steps.quiz]: a key written after "
        "the header [steps.quiz] is one of its keys (expected `solution` moved "
        "above [steps.quiz])"
    ]
    assert "did you mean" not in err[0]


def test_telnet_to_an_unknown_name_is_a_warning(tmp_path, capsys):
    text = LESSON.replace(
        'solution = ["telnet mail.cs.tcd.ie 25"]', 'solution = ["telnet smtp.nosuch.test 25"]'
    )
    status, out, err, path = _run(tmp_path, capsys, text, "check")
    assert status == 0 and "ok (lesson)" in out
    assert len(err) == 1
    assert err[0].startswith(
        f"{path}:{_line_of(text, 'smtp.nosuch.test')}: steps[0].solution[0]: warning: "
    )
    assert "'smtp.nosuch.test'" in err[0]
    status, _, err, _ = _run(tmp_path, capsys, text, "run", "--solve")
    assert status == 11 and any("warning:" in e and "smtp.nosuch.test" in e for e in err)


def test_a_scenario_files_mistake_is_at_its_own_line(tmp_path, capsys):
    net = tmp_path / "net.toml"
    net.write_text(
        'id = "net"\ntitle = "t"\n\n[[hosts]]\nname = "a.test"\nip = "192.0.2.1"\n'
        'role = "client"\n\n[[hosts]]\nname = "b.test"\nip = "192.0.2.1x"\n'
        'role = "mta"\n'
    )
    text = LESSON.replace('scenario = "classroom"', 'scenario = "net.toml"').replace(
        'console = "pc.crepes.fr"\n', ""
    )
    status, _, err, _ = _run(tmp_path, capsys, text, "check")
    assert status == 2
    assert f"{net}:11: hosts[1].ip: '192.0.2.1x' is not an IPv4 address" in err[0]


def _toml_blocks():
    return re.findall(r"```toml\n(.*?)```", DOCS.read_text(), re.S)


def test_the_docs_show_a_self_contained_lesson():
    assert any("[scenario]" in block and "[[steps]]" in block for block in _toml_blocks())


@pytest.mark.parametrize(
    "block", [b for b in _toml_blocks() if "[[steps]]" in b and b.lstrip().startswith("id =")]
)
def test_every_lesson_in_the_docs_checks_and_solves(tmp_path, capsys, block):
    status, _, err, _ = _run(tmp_path, capsys, block, "check")
    assert status == 0 and err == []
    status, out, _, _ = _run(tmp_path, capsys, block, "run", "--solve")
    assert status == 0, out
