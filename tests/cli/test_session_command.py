"""``smtp-sim session`` and ``smtp-sim explain``: the slides' FooBar session through a pipe."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from smtp_sim.cli import main
from smtp_sim.protocol.personalities import PERSONALITIES

ROOT = Path(__file__).resolve().parents[2]

# What a student types, as a pipe delivers it: bare LF line endings.
FOOBAR_INPUT = (
    b"helo FooBar\n"
    b"mail from: alice@crepes.fr\n"
    b"rcpt to: bob@cs.tcd.ie\n"
    b"data\n"
    b"To: bob@cs.tcd.ie\n"
    b"From: alice@crepes.fr\n"
    b"Subject: Hello\n"
    b"\n"
    b"Hello World\n"
    b".\n"
    b"quit\n"
)

SLIDES = [
    r"220 mail\.cs\.tcd\.ie ESMTP Postfix \(1\.1\.13\)",
    r"250 mail\.cs\.tcd\.ie",
    r"250 Ok",
    r"250 Ok",
    r"354 End data with <CR><LF>\.<CR><LF>",
    r"250 Ok: queued as [0-9A-F]{5,}",  # a Postfix queue id: upper-case hex
    r"221 Bye",
]

SESSION = ["session", "--personality", "postfix-1.1", "--hostname", "mail.cs.tcd.ie"]


def run_main(
    argv: list[str],
    stdin: bytes,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8"))
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def assert_slides(stdout: str) -> None:
    lines = stdout.split("\n")
    assert lines[-1] == ""  # every line ends with a newline, nothing after the last
    assert len(lines[:-1]) == len(SLIDES), stdout
    for line, pattern in zip(lines[:-1], SLIDES, strict=True):
        assert re.fullmatch(pattern, line), (line, pattern)


def test_foobar_session_through_a_real_pipe() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "smtp_sim", *SESSION],
        input=FOOBAR_INPUT,
        capture_output=True,
        cwd=ROOT,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert b"\r" not in done.stdout
    assert_slides(done.stdout.decode())
    assert "note:" in done.stderr.decode()
    assert "220" not in done.stderr.decode()  # replies go to stdout only


def test_foobar_session_in_process(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_main(SESSION, FOOBAR_INPUT, monkeypatch, capsys)
    assert code == 0
    assert_slides(out)
    assert "note: message of" in err and "bob@cs.tcd.ie" in err
    assert "note: connection closed (QUIT)" in err


def test_crlf_input_gives_the_same_session(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_main(SESSION, FOOBAR_INPUT.replace(b"\n", b"\r\n"), monkeypatch, capsys)
    assert code == 0
    assert_slides(out)


def test_explain_writes_to_stderr_only(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _, plain_out, plain_err = run_main(SESSION, FOOBAR_INPUT, monkeypatch, capsys)
    code, out, err = run_main([*SESSION, "--explain"], FOOBAR_INPUT, monkeypatch, capsys)
    assert code == 0
    assert out == plain_out  # standard output is exactly the server's lines, explained or not
    explained = [line for line in err.splitlines() if line.startswith("  | ")]
    assert explained and not any(line.startswith("  | ") for line in plain_err.splitlines())
    for code_seen in ("220", "250", "354", "221"):
        assert any(line.startswith(f"  | {code_seen} ") for line in explained), code_seen


def test_input_after_quit_is_ignored(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_main(SESSION, FOOBAR_INPUT + b"noop\nhelo again\n", monkeypatch, capsys)
    assert code == 0
    assert_slides(out)


def test_end_of_input_without_quit(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_main(SESSION, b"helo FooBar\ndata\n", monkeypatch, capsys)
    assert code == 0
    assert out == (
        "220 mail.cs.tcd.ie ESMTP Postfix (1.1.13)\n250 mail.cs.tcd.ie\n"
        "503 Error: need RCPT command\n"
    )
    assert "note: connection closed" in err


def test_debug_note_goes_to_stderr(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_main(
        ["session", "--personality", "sendmail-1988"], b"debug\nquit\n", monkeypatch, capsys
    )
    assert code == 0
    assert out.splitlines()[1] == "200 Debug set"
    assert "Morris worm" in err and "Morris worm" not in out


def test_explain_354(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_main(["explain", "354"], b"", monkeypatch, capsys)
    assert code == 0
    assert out.startswith("354 ")
    assert "DATA" in out
    assert err == ""


def test_explain_bogus(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_main(["explain", "bogus"], b"", monkeypatch, capsys)
    assert code == 2
    assert out == ""
    assert err.startswith("smtp-sim explain: ") and "bogus" in err


def test_explain_exit_code_through_the_command_line() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    ok = subprocess.run(
        [sys.executable, "-m", "smtp_sim", "explain", "354"],
        capture_output=True,
        cwd=ROOT,
        env=env,
        check=False,
    )
    bad = subprocess.run(
        [sys.executable, "-m", "smtp_sim", "explain", "bogus"],
        capture_output=True,
        cwd=ROOT,
        env=env,
        check=False,
    )
    assert (ok.returncode, bad.returncode) == (0, 2)
    assert bad.stdout == b"" and b"bogus" in bad.stderr


def test_a_reader_that_stops_early_is_no_error() -> None:
    """``smtp-sim explain vrfy | head -1``: the pipe closes before smtp-sim writes."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for command in (["explain", "vrfy"], ["personalities"]):
        read, write = os.pipe()
        os.close(read)  # nobody will read: the first write breaks the pipe
        try:
            done = subprocess.run(
                [sys.executable, "-m", "smtp_sim", *command],
                stdout=write,
                stderr=subprocess.PIPE,
                cwd=ROOT,
                env=env,
                check=False,
            )
        finally:
            os.close(write)
        assert done.stderr == b"", done.stderr.decode()
        assert done.returncode == 0


def test_personalities_lists_every_id(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_main(["personalities"], b"", monkeypatch, capsys)
    assert code == 0
    for ident in PERSONALITIES:
        assert re.search(rf"^{re.escape(ident)} ", out, re.MULTILINE)


def test_unknown_personality_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        run_main(["session", "--personality", "exchange"], b"", monkeypatch, capsys)
    assert info.value.code == 2
