"""`smtp-sim check`: one line per problem, naming file, line, key path and what was expected."""

import re

import pytest

from smtp_sim.cli import main

GOOD = """
id = "mini"
title = "Mini"
summary = "A tiny lesson"
topics = ["x"]
scenario = "classroom"

[[steps]]
id = "hello"
title = "Say hello"
text = "Connect."
solution = ["telnet mail.cs.tcd.ie 25"]
checks = [{ kind = "reply", code = 220 }]
"""


def _check(tmp_path, text, capsys):
    path = tmp_path / "lesson.toml"
    path.write_text(text)
    status = main(["check", str(path)])
    return status, capsys.readouterr().err.strip().splitlines(), str(path)


def test_good_lesson_passes(tmp_path, capsys):
    status, err, _ = _check(tmp_path, GOOD, capsys)
    assert status == 0 and err == []


@pytest.mark.parametrize(
    "bad,keypath,needle",
    [
        (
            GOOD.replace('title = "Say hello"', 'titel = "Say hello"'),
            "steps[0].titel",
            "unknown key",
        ),
        (GOOD.replace("code = 220", "code = 999"), "steps[0].checks[0]", "599"),
        (GOOD.replace('kind = "reply"', 'kind = "replied"'), "steps[0].checks[0]", "kind"),
        (GOOD.replace('scenario = "classroom"', 'scenario = "nowhere"'), "scenario", "nowhere"),
        (GOOD.replace('id = "hello"', 'id = "Hello World"'), "steps[0].id", "lower-case"),
        (GOOD.replace('checks = [{ kind = "reply", code = 220 }]', ""), "steps[0]", "checks"),
        (
            GOOD + '[steps.quiz]\nquestion = "?"\nchoices = ["a", "b"]\ncorrect = 3\n',
            "steps[0].quiz",
            "only 2 choices",
        ),
        (GOOD.replace("minutes", "x").replace('topics = ["x"]', 'topics = "x"'), "topics", "list"),
        (GOOD.replace('summary = "A tiny lesson"', ""), "summary", "missing"),
    ],
)
def test_each_kind_of_error_is_one_line_with_its_place(tmp_path, capsys, bad, keypath, needle):
    status, err, path = _check(tmp_path, bad, capsys)
    assert status == 2
    assert err, "no problem reported"
    line = next((e for e in err if keypath in e), None)
    assert line is not None, err
    assert line.startswith(path + ":")
    assert re.match(re.escape(path) + r":\d+: ", line), line
    assert needle.lower() in line.lower()


def test_toml_syntax_error_names_the_line(tmp_path, capsys):
    status, err, path = _check(tmp_path, GOOD + "\n[[steps]\n", capsys)
    assert status == 2 and len(err) == 1
    assert err[0].startswith(f"{path}:")


def test_all_builtin_files_are_valid(capsys):
    from smtp_sim.scenario.builtin import list_builtin

    assert main(["check", *list_builtin()]) == 0
