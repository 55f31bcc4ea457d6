"""The TUI commands (lesson, sandbox, present) refuse to start without a terminal (a pipe or
/dev/null as standard input would make Textual's driver read a closed input for ever), unless
TEXTUAL_DRIVER says how to drive them; and after the problem page of a file with problems
they exit 2, as `run` and `check` do (tried in a real terminal, tmux)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BAD = 'id = "bad"\ntitle = "t"\nsummary = "s"\n[[steps]]\nid = "a"\ntitle = 3\n'


def _env(**more: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "TEXTUAL_DRIVER"}
    return {**env, "PYTHONPATH": str(ROOT), **more}


@pytest.mark.parametrize(
    "args", [["lesson", "foobar"], ["sandbox"], ["present", "demo-journey"], ["lesson", "nosuch"]]
)
def test_no_terminal_is_refused_at_once(args, tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "smtp_sim", *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env=_env(SMTP_SIM_DATA_DIR=str(tmp_path)),
    )
    assert done.returncode == 2
    assert "standard input is not a terminal" in done.stderr
    assert "Traceback" not in done.stderr


def test_textual_driver_lets_it_start():
    from smtp_sim.tui.launch import no_terminal

    os.environ["TEXTUAL_DRIVER"] = "textual.drivers.web_driver:WebDriver"
    try:
        assert no_terminal("lesson") is None
    finally:
        del os.environ["TEXTUAL_DRIVER"]


TMUX = shutil.which("tmux")


def _tmux(socket: str, *args: str, **run) -> subprocess.CompletedProcess[str]:
    """tmux on the test's own server (``-L``): a session started on the user's default server
    while none ran made that server with the test's environment (COLUMNS=80, LINES=24, the
    tests' XDG_* folders) as its global environment, so every later tmux session of the user
    drew the app at 80x24 and shared one progress file. ``-f /dev/null``: no user config."""
    assert TMUX is not None
    return subprocess.run([TMUX, "-L", socket, "-f", "/dev/null", *args], text=True, **run)


class _Terminal:
    """``smtp-sim ARGS`` in a tmux session of the test's own server (``-L``), started with a
    clean environment in ``tmp_path``; the server is killed, and its socket file removed, at
    the end (``with``)."""

    def __init__(self, name: str, tmp_path: Path, args: str, size: tuple[int, int]) -> None:
        self.socket = f"smtp-sim-test-{os.getpid()}-{name}"
        self.session = name
        env = " ".join(
            f"{k}={v}" for k, v in {"PYTHONPATH": ROOT, "SMTP_SIM_DATA_DIR": tmp_path}.items()
        )
        shell = f"cd {tmp_path} && env -u TEXTUAL_DRIVER {env} {sys.executable} -m smtp_sim {args}"
        x, y = (str(n) for n in size)
        _tmux(self.socket, "new-session", "-d", "-s", name, "-x", x, "-y", y, shell, check=True)
        where = ("display-message", "-p", "-t", name, "#{socket_path}")
        self.path = _tmux(self.socket, *where, capture_output=True).stdout.strip()
        self.deadline = time.monotonic() + 60

    def keys(self, *keys: str) -> None:
        _tmux(self.socket, "send-keys", "-t", self.session, *keys, check=True)

    def screen_once(self, text: str) -> str:
        """The screen once it shows ``text`` (or as it is after a minute)."""
        screen = ""
        while time.monotonic() < self.deadline and text not in screen:
            time.sleep(0.5)
            capture = ("capture-pane", "-p", "-t", self.session)
            screen = _tmux(self.socket, *capture, capture_output=True).stdout
        return screen

    def __enter__(self) -> _Terminal:
        return self

    def __exit__(self, *_exc: object) -> None:
        _tmux(self.socket, "kill-server", capture_output=True)  # the test's own server
        if self.path:  # (tmux leaves its socket file behind)
            Path(self.path).unlink(missing_ok=True)


@pytest.mark.skipif(TMUX is None, reason="tmux is not installed (Debian: apt-get install tmux)")
@pytest.mark.parametrize("command", ["lesson", "sandbox", "present"])
def test_a_file_with_problems_exits_2_after_its_page(command, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(BAD if command != "sandbox" else 'id = "x"\ntitle = 3\n')
    status = tmp_path / "status"
    args = f"{command} {bad}; echo $? > {status}"
    with _Terminal(command, tmp_path, args, (100, 30)) as terminal:
        screen = terminal.screen_once("problems:")
        assert "problems:" in screen, screen
        # (a long temporary path wraps: read the page as one line)
        assert "bad.toml" in "".join(line.strip() for line in screen.splitlines())
        terminal.keys("q")
        while time.monotonic() < terminal.deadline and not status.exists():
            time.sleep(0.2)
        assert status.read_text().strip() == "2"


@pytest.mark.skipif(TMUX is None, reason="tmux is not installed (Debian: apt-get install tmux)")
def test_lines_typed_as_the_app_starts_are_entered(tmp_path):
    """Keys typed before the first frame (walkA, walkB: the first second's were lost), their
    Enter a line feed (the terminal was still in line mode), reach the console in order."""
    with _Terminal("early-keys", tmp_path, "lesson foobar", (120, 40)) as terminal:
        # (sent at once: the interpreter has not even imported Textual yet)
        terminal.keys("telnet mail.cs.tcd.ie 25", "Enter")
        terminal.keys("helo early", "Enter")
        screen = terminal.screen_once("» helo early")
        assert "» telnet mail.cs.tcd.ie 25" in screen, screen
        assert "» helo early" in screen, screen
        assert screen.index("» telnet") < screen.index("» helo early")
