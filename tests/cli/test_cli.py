"""The command line as users of other command-line tools expect it: --version, help with a
description and examples, shell completion, - for standard input, text wrapped to the
terminal, a clear message when the web extra is missing."""

import argparse
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

import smtp_sim
from smtp_sim.cli import SHELLS, _build_parser, main
from smtp_sim.textio import wrap

ROOT = Path(__file__).resolve().parents[2]
FOOBAR = (ROOT / "lessons" / "foobar.toml").read_bytes()


def _stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = _build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_version_from_another_folder_without_a_terminal(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "smtp_sim", "--version"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=True,
    )
    assert done.stdout == f"smtp-sim {smtp_sim.__version__}\n"


def test_version_in_process(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"smtp-sim {smtp_sim.__version__}"


@pytest.mark.parametrize("name", sorted(_subcommands()))
def test_every_subcommand_has_a_description_and_an_example(name, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "72")
    with pytest.raises(SystemExit):
        main([name, "--help"])
    out = capsys.readouterr().out
    parser = _subcommands()[name]
    assert parser.description and len(parser.description) > 40
    assert "examples:" in out
    examples = out.split("examples:", 1)[1].strip("\n").splitlines()
    assert examples and all(
        line.startswith("  ") and ("smtp-sim " in line or "swaks" in line) for line in examples
    ), examples
    # the prose is wrapped to the terminal; only the examples (to copy as they are) may not be
    prose = out.split("examples:", 1)[0]
    assert max(len(line) for line in prose.splitlines()) <= 72


def test_explain_wraps_to_columns(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "60")
    assert main(["explain", "5.7.1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert max(map(len, lines)) <= 60
    assert lines[0] == "5.7.1 Delivery not authorized, message refused"
    assert any(line.startswith("  ") for line in lines)  # continuations under their label


def test_explain_piped_wraps_at_80(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    done = subprocess.run(
        [sys.executable, "-m", "smtp_sim", "explain", "vrfy"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        check=True,
        stdin=subprocess.DEVNULL,
    )
    assert max(len(line) for line in done.stdout.splitlines()) <= 80
    assert "RFC 5321 section 4.1.1.6" in done.stdout


def test_personalities_wrap(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "50")
    assert main(["personalities"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert max(map(len, lines)) <= 50 and lines[0].startswith("postfix-1.1")


def test_lessons_fold_a_long_title_under_its_column(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "60")
    assert main(["lessons"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert max(map(len, lines)) <= 60
    assert any(line.startswith("    ") for line in lines)  # a title went on under its row
    monkeypatch.setenv("COLUMNS", "200")
    assert main(["lessons"]) == 0
    assert not any(line.startswith(" " * 4) for line in capsys.readouterr().out.splitlines())


def test_grade_folds_the_reason_and_the_summary(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "60")
    attempt = tmp_path / "ada.txt"
    attempt.write_text("helo FooBar\n")
    main(["grade", "foobar", str(attempt)])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("student  file") and lines[0].endswith("first step not met")
    assert max(map(len, lines[1:])) <= 60  # (the heading stays one line)
    assert lines[1].startswith("ada ") and lines[2].startswith("    ")  # the reason folds
    assert any(line.startswith("1 attempt at foobar") for line in lines)


def test_serve_messages_fold_to_the_terminals_width(monkeypatch):
    from smtp_sim.bridge.listen import parse_listen
    from smtp_sim.bridge.serve import serve

    monkeypatch.setenv("COLUMNS", "50")
    err = io.StringIO()
    spec = parse_listen("127.0.0.1:0=no-such-host.example.test")
    assert serve("classroom", [spec], stdout=io.StringIO(), stderr=err) == 2
    lines = err.getvalue().splitlines()
    assert lines[0].startswith("smtp-sim serve:") and len(lines) > 1, lines
    assert max(map(len, lines)) <= 50 and "no-such-host.example.test" in err.getvalue()


def test_wrap_keeps_short_lines_and_indentation():
    assert wrap("short\n\n  also short", 20) == "short\n\n  also short"
    assert wrap("    alpha beta gamma delta", 16) == "    alpha beta\n      gamma\n      delta"


def test_check_reads_standard_input(capsys, monkeypatch):
    _stdin(monkeypatch, FOOBAR)
    assert main(["check", "-"]) == 0
    assert capsys.readouterr().out == "<stdin>: ok (lesson)\n"
    _stdin(monkeypatch, b"[[steps]]\ntitle = 3\n")
    assert main(["check", "-"]) == 2
    assert capsys.readouterr().err.startswith("<stdin>:")


def test_run_answers_from_standard_input(capsys, monkeypatch):
    _stdin(monkeypatch, b"telnet mail.cs.tcd.ie 25\nhelo FooBar\n")
    assert main(["run", "foobar", "--answers", "-"]) == 13  # step 3, MAIL FROM, not reached
    out = capsys.readouterr().out
    assert "PASS  step 2" in out and "FAIL  step 3" in out


@pytest.mark.parametrize("command", ["lesson", "sandbox", "present"])
def test_the_app_does_not_take_its_file_from_standard_input(command, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "60")
    assert main([command, "-"]) == 2
    err = capsys.readouterr().err
    assert "give the file's name" in " ".join(err.split())
    assert max(map(len, err.splitlines())) <= 60


def test_web_without_the_extra_says_how_to_get_it(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "aiohttp", None)  # (import aiohttp raises ImportError)
    monkeypatch.delitem(sys.modules, "smtp_sim.web", raising=False)
    assert main(["web", "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert "pip install 'smtp-sim[web]'" in err and "aiohttp" in err


@pytest.mark.parametrize("shell", SHELLS)
def test_completion_scripts(shell, capsys):
    assert main(["completion", shell]) == 0
    script = capsys.readouterr().out
    assert "smtp-sim" in script and "_ARGCOMPLETE" in script


def _complete(line: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[str]:
    """What argcomplete answers the shell for ``line`` (cursor at its end), as the scripts of
    smtp-sim completion ask it (in a process of its own: argcomplete ends it with os._exit)."""
    out = tmp_path / "completions"
    env = {
        **os.environ,
        "_ARGCOMPLETE": "1",
        "COMP_LINE": line,
        "COMP_POINT": str(len(line)),
        "_ARGCOMPLETE_IFS": "\n",
        "_ARGCOMPLETE_STDOUT_FILENAME": str(out),
        "_ARGCOMPLETE_SHELL": "bash",
    }
    subprocess.run(
        [sys.executable, "-m", "smtp_sim"],
        cwd=tmp_path,
        env=env,
        check=True,
        stdin=subprocess.DEVNULL,
        capture_output=True,
    )
    return [word.strip() for word in out.read_text().split("\n")]


def test_completion_of_subcommands_lesson_ids_and_scenarios(monkeypatch, tmp_path):
    assert {"lesson", "lessons"} == set(_complete("smtp-sim le", monkeypatch, tmp_path))
    assert "completion" in _complete("smtp-sim ", monkeypatch, tmp_path)
    lessons = _complete("smtp-sim lesson ", monkeypatch, tmp_path)
    assert "foobar" in lessons and "classroom" not in lessons  # (a scenario, not a lesson)
    assert _complete("smtp-sim run cla", monkeypatch, tmp_path) == ["classroom"]
    (tmp_path / "mine.toml").write_text("")
    assert "mine.toml" in _complete("smtp-sim check m", monkeypatch, tmp_path)
    assert "postfix-1.1" in _complete("smtp-sim session --personality p", monkeypatch, tmp_path)
