"""``smtp-sim web`` serves its page on an ephemeral port, and each browser session (a
websocket) gets its own app process, with progress in memory only."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import aiohttp
import pytest

from smtp_sim.web import app_command

ROOT = Path(__file__).resolve().parents[2]


def children(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (from /proc)."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid:
            out.append(int(entry.name))
    return out


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def zygotes(server: int) -> list[int]:
    """The server's preloaded process that forks the sessions (smtp_sim/web_fork.py)."""
    return [pid for pid in children(server) if b"smtp_sim.web_fork" in _cmdline(pid)]


def sessions(server: int) -> list[int]:
    """The server's session processes: forked by its zygote, or its own children without one."""
    forks = zygotes(server)  # (one read of /proc, not one per child)
    forked = [pid for z in forks for pid in children(z)]
    direct = [p for p in children(server) if b"smtp_sim" in _cmdline(p) and p not in forks]
    return forked + direct


def environ(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(item.decode().split("=", 1) for item in raw if b"=" in item)


def start_web(tmp_path: Path, *args: str) -> tuple[subprocess.Popen, str]:
    """``smtp-sim web --port 0 ARGS`` in its own process; returns it and its URL."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), SMTP_SIM_DATA_DIR=str(tmp_path / "data"))
    proc = subprocess.Popen(
        [sys.executable, "-m", "smtp_sim", "web", "--port", "0", *args],
        cwd=tmp_path,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        if " on http://" in line:
            return proc, line.rsplit(" on ", 1)[1].strip()
    stop_web(proc)
    raise AssertionError("smtp-sim web did not start")


def stop_web(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def server(tmp_path):
    proc, url = start_web(tmp_path)
    try:
        yield proc, url
    finally:
        stop_web(proc)


def test_web_serves_its_page_on_an_ephemeral_port(server):
    proc, url = server
    assert url.startswith("http://127.0.0.1:")
    port = int(url.rsplit(":", 1)[1])
    assert port not in (0, 8000)
    with urllib.request.urlopen(url + "/", timeout=10) as response:
        assert response.status == 200
        page = response.read().decode()
    assert "<div>smtp-sim</div>" in page
    assert f'data-session-websocket-url="ws://127.0.0.1:{port}/ws"' in page
    with urllib.request.urlopen(url + "/static/js/textual.js", timeout=10) as response:
        assert response.status == 200
    # The websocket's address fetched as a page (a prefetch, a scanner): a 400 that says
    # what it is, and nothing on the server's terminal.
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(url + "/ws", timeout=10)
    assert refused.value.code == 400
    assert b"open / in a web browser" in refused.value.read()
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(15) == 0
    rest = proc.stderr.read()
    assert "Traceback" not in rest and "Bad Request" not in rest, rest


async def _session(
    url: str, received: dict[int, int], index: int, opened: asyncio.Event, done: asyncio.Event
) -> None:
    async with (
        aiohttp.ClientSession() as http,
        http.ws_connect(url.replace("http", "ws") + "/ws?width=100&height=30") as ws,
    ):
        await ws.send_json(["resize", {"width": 100, "height": 30}])
        while not done.is_set():
            try:
                message = await asyncio.wait_for(ws.receive(), 0.2)
            except TimeoutError:
                continue
            if message.type == aiohttp.WSMsgType.BINARY:
                received[index] = received.get(index, 0) + len(message.data)
                if received[index] > 5000:  # the app drew its first screen
                    opened.set()
            elif message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
                return


async def test_each_browser_session_is_its_own_process(server):
    proc, url = server
    received: dict[int, int] = {}
    done = asyncio.Event()
    opened = [asyncio.Event(), asyncio.Event()]
    tasks = [asyncio.create_task(_session(url, received, i, opened[i], done)) for i in range(2)]
    try:
        await asyncio.wait_for(asyncio.gather(*(e.wait() for e in opened)), 60)
        apps = sessions(proc.pid)
        assert len(apps) == 2  # one app process per session
        (zygote,) = zygotes(proc.pid)  # forked from the one preloaded process
        assert all(pid in children(zygote) for pid in apps)
        for pid in apps:
            assert environ(pid)["SMTP_SIM_PROGRESS"] == "memory"
            assert environ(pid)["TEXTUAL_DRIVER"].endswith("WebDriver")
    finally:
        done.set()
        await asyncio.gather(*tasks, return_exceptions=True)
    deadline = time.monotonic() + 15
    while sessions(proc.pid) and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    assert sessions(proc.pid) == []  # a closed tab ends its process
    assert zygotes(proc.pid) == [zygote]  # (the zygote stays for the next visitor)
    stop_web(proc)
    assert not Path(f"/proc/{zygote}").exists() or b"web_fork" not in _cmdline(zygote)


async def _one_session_drawn(url: str) -> None:
    received: dict[int, int] = {}
    done, opened = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(_session(url, received, 0, opened, done))
    try:
        await asyncio.wait_for(opened.wait(), 60)
    finally:
        done.set()
        await asyncio.gather(task, return_exceptions=True)


async def test_without_forking_each_session_is_a_fresh_process(tmp_path, monkeypatch):
    monkeypatch.setenv("SMTP_SIM_WEB_FORK", "0")
    proc, url = start_web(tmp_path)
    try:
        assert zygotes(proc.pid) == []
        received: dict[int, int] = {}
        done, opened = asyncio.Event(), asyncio.Event()
        task = asyncio.create_task(_session(url, received, 0, opened, done))
        await asyncio.wait_for(opened.wait(), 60)
        (app,) = sessions(proc.pid)
        assert app in children(proc.pid) and b"-m\0smtp_sim\0app" in _cmdline(app)
        done.set()
        await asyncio.gather(task, return_exceptions=True)
    finally:
        stop_web(proc)


async def test_a_session_still_opens_when_the_zygote_is_gone(server):
    proc, url = server
    (zygote,) = zygotes(proc.pid)
    os.kill(zygote, signal.SIGKILL)
    await _one_session_drawn(url)  # a fresh process instead
    await _one_session_drawn(url)
    assert proc.poll() is None


async def test_an_export_is_downloaded_by_the_browser(tmp_path):
    """ctrl+s in a browser: the file is offered for download, nothing is written on the server."""
    proc, url = start_web(tmp_path, "--sandbox")
    try:
        async with (
            aiohttp.ClientSession() as http,
            http.ws_connect(url.replace("http", "ws") + "/ws?width=120&height=40") as ws,
        ):
            await ws.send_json(["resize", {"width": 120, "height": 40}])
            received, key, sent = b"", None, False
            deadline = time.monotonic() + 60
            while key is None and time.monotonic() < deadline:
                try:
                    message = await asyncio.wait_for(ws.receive(), 0.5)
                except TimeoutError:
                    continue
                if message.type == aiohttp.WSMsgType.BINARY:
                    received += message.data
                    # drawn with the network loaded (its hosts on the map, not the first
                    # frame's placeholders): step 5 events, then export
                    if b"crepes" in received and not sent:
                        sent = True
                        await asyncio.sleep(1.5)  # (a busy machine: the keys after the frame)
                        for keys in ["\x1b[18~"] * 5 + ["\x13"]:  # F7 x5, ctrl+s
                            await ws.send_json(["stdin", keys])
                            await asyncio.sleep(0.3)
                        await ws.send_json(["stdin", "\r"])  # past the name field (empty)
                        await asyncio.sleep(0.3)
                        await ws.send_json(["stdin", "\r"])  # the first: the transcript
                elif message.type == aiohttp.WSMsgType.TEXT:
                    kind, *rest = json.loads(message.data)
                    if kind == "deliver_file_start":
                        key = rest[0]
            assert key is not None, "no download offered"
            async with http.get(f"{url}/download/{key}") as response:
                assert response.status == 200
                assert "smtp-sim-sandbox-transcript.txt" in response.headers["Content-Disposition"]
                text = await response.text()
        assert "alice@crepes.fr presses Send" in text
        assert not list(tmp_path.glob("smtp-sim-*"))  # nothing written where the server runs
    finally:
        stop_web(proc)


def test_app_command_keeps_progress_in_memory():
    command = app_command(["lesson", "foo bar"], python="/usr/bin/python3")
    assert command == (
        "SMTP_SIM_PROGRESS=memory SMTP_SIM_WEB_SESSION=1 exec /usr/bin/python3 "
        "-m smtp_sim lesson 'foo bar'"
    )


def test_a_lesson_that_does_not_exist_fails_before_serving(capsys):
    from smtp_sim.cli import main

    assert main(["web", "--lesson", "no-such-lesson", "--port", "0"]) == 2
    assert "no-such-lesson" in capsys.readouterr().err


def test_the_web_benchmark_runs(capsys):
    """bench/bench_web.py --quick: two sessions measured (no timing assertions)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_web", ROOT / "bench" / "bench_web.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    assert bench.main(["--quick", "--no-baseline"]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    (run,) = result["smtp_sim"]
    assert run["sessions"] == run["processes"] == 2
    assert run["rss_mib_per_session"] > 10 and run["key_latency_ms_median"] > 0


def test_the_web_benchmark_kills_what_a_server_leaves_behind(capsys):
    """A session still running after its server's SIGTERM counted in the next run's figures:
    bench_web kills it, and says so."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_web", ROOT / "bench" / "bench_web.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    stays = "import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\nprint(1, flush=True)\ntime.sleep(60)"
    server = (
        "import subprocess, sys, time\n"
        f"child = subprocess.Popen([sys.executable, '-c', {stays!r}], stdout=subprocess.PIPE)\n"
        "child.stdout.readline()\nprint(child.pid, flush=True)\ntime.sleep(60)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", server], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    left = int(proc.stdout.readline())
    bench.stop_server(proc)
    proc.stdout.close()
    assert bench.started_at(left) is None  # ended
    assert f"killed process {left} (" in capsys.readouterr().err
