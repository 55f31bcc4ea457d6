"""``smtp-sim run``: headless runs, both formats, --until, -o, and exit 2 for a bad file."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from smtp_sim import runner
from smtp_sim.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_run_classroom_jsonl_parses(capsys):
    assert main(["run", "classroom", "--format", "jsonl"]) == 0
    out, err = capsys.readouterr()
    records = [json.loads(line) for line in out.splitlines()]
    assert records[0]["seq"] == 0
    assert [r["seq"] for r in records] == list(range(len(records)))
    assert any(r["kind"] == "stored" and "bob@cs.tcd.ie" in r["summary"] for r in records)
    assert err == ""


def test_run_classroom_text(capsys):
    assert main(["run", "classroom"]) == 0
    out, err = capsys.readouterr()
    assert "<-  mail.cs.tcd.ie -> smtp.crepes.fr: 220 mail.cs.tcd.ie ESMTP Postfix (1.1.13)" in out
    assert err == ""


def test_until_stops_the_clock(capsys):
    assert main(["run", "classroom", "--until", "1s", "--format", "jsonl"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert records and max(r["time"] for r in records) <= 1.0


def test_bad_until_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as info:
        main(["run", "classroom", "--until", "soon"])
    assert info.value.code == 2
    assert "cannot read 'soon' as a duration" in capsys.readouterr().err


def test_output_file(tmp_path, capsys):
    target = tmp_path / "trace.txt"
    assert main(["run", "classroom", "-o", str(target), "--until", "2s"]) == 0
    assert capsys.readouterr().out == ""
    assert target.read_text(encoding="utf-8").startswith("[  0.000] === pc.crepes.fr")


def test_invalid_file_exits_2_with_one_line_problems(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text(
        'id = "x"\ntitle = "X"\n\n[[hosts]]\nname = "a.test"\nip = "10.0.0.1"\n'
        'role = "client"\ncolour = "blue"\n\n[[links]]\na = "a.test"\nb = "b.test"\n',
        encoding="utf-8",
    )
    assert main(["run", str(bad)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [
        f"{bad}:8: hosts[0].colour: unknown key 'colour' (expected one of: name, ip, role, "
        "description, mta, tls)",
    ]


@pytest.mark.parametrize("ref", ["no-such-scenario", "missing/file.toml"])
def test_unknown_scenarios_exit_2(ref, capsys):
    assert main(["run", ref]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{ref}:1: (file): ") and err.count("\n") == 1


def test_progress_bar_only_on_a_terminal(monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(runner, "PROGRESS_AFTER", 0.0)
    monkeypatch.setattr(runner, "STEPS_PER_CHUNK", 20)
    outputs = []
    for err in (io.StringIO(), Terminal()):
        out = io.StringIO()
        assert runner.run_scenario("classroom", fmt="jsonl", stdout=out, stderr=err) == 0
        outputs.append((out.getvalue(), err.getvalue()))
    (plain_out, plain_err), (tty_out, tty_err) = outputs
    assert plain_err == ""
    assert tty_err != ""  # the bar was drawn (and cleared) on standard error
    assert tty_out == plain_out  # standard output carries only the trace


def test_python_dash_m_in_a_pipe():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "smtp_sim", "run", "classroom", "--format", "jsonl"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert all(json.loads(line) for line in done.stdout.splitlines())
