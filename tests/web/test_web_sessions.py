"""`smtp-sim web` for a whole class: every session process ends. A one-shot headless Chromium
screenshot (which closes its websocket before the app's first frame: Textual then never
finishes quitting, redraws at full CPU and ignores SIGTERM) leaves nothing behind after 10 s; a
session process ends on SIGTERM in any state; the server's SIGTERM ends every session; past
--max-sessions the page and the websocket say the class is full; --idle-timeout and
--max-memory end a session with a line saying why."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import aiohttp
import pytest
from test_web import ROOT, sessions, start_web, stop_web  # (tests/ is on the path)

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def apps_of(pid: int) -> list[int]:
    return sessions(pid)


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def gone_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not apps_of(pid):
            return True
        time.sleep(0.2)
    return False


def _packet(kind: bytes, payload: bytes) -> bytes:
    return kind + len(payload).to_bytes(4, "big") + payload


def test_a_session_quit_before_its_first_frame_still_ends_on_sigterm():
    """The runaway itself: quit sent before the first frame (as the server does when a
    one-shot browser has gone) leaves a bare Textual 8 app running; ours ends on SIGTERM."""
    env = dict(
        os.environ,
        TEXTUAL_DRIVER="textual.drivers.web_driver:WebDriver",
        COLUMNS="100",
        ROWS="30",
        SMTP_SIM_PROGRESS="memory",
        SMTP_SIM_WEB_SESSION="1",
        PYTHONPATH=str(ROOT),
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "smtp_sim", "app"],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    try:
        proc.stdin.write(
            _packet(b"M", json.dumps({"type": "resize", "width": 100, "height": 30}).encode())
            + _packet(b"M", b'{"type": "quit"}')
        )
        proc.stdin.flush()
        time.sleep(3)
        start = time.monotonic()
        proc.terminate()
        proc.wait(10)
        assert time.monotonic() - start < 5
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.skipif(
    CHROMIUM is None,
    reason="chromium is not installed (Debian: apt-get "
    "install chromium); the websocket tests below cover the server's side",
)
def test_one_shot_headless_screenshots_leave_no_session_behind(tmp_path):
    proc, url = start_web(tmp_path)
    try:
        for i in range(2):
            profile = tempfile.mkdtemp(dir=tmp_path)
            subprocess.run(
                [
                    CHROMIUM,
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--no-first-run",
                    f"--user-data-dir={profile}",
                    f"--screenshot={tmp_path / f'shot{i}.png'}",
                    "--window-size=1000,700",
                    url + "/",
                ],
                capture_output=True,
                timeout=120,
            )
            assert gone_within(proc.pid, 10), "a session outlived its browser by 10 s"
    finally:
        stop_web(proc)


async def _open(url: str, *, close_after: float | None = None) -> bytes:
    """A websocket session: what the terminal showed until the server closed it (or, with
    ``close_after``, until we closed it)."""
    shown = b""
    async with (
        aiohttp.ClientSession() as http,
        http.ws_connect(url.replace("http", "ws") + "/ws?width=100&height=30") as ws,
    ):
        await ws.send_json(["resize", {"width": 100, "height": 30}])
        end = time.monotonic() + (close_after if close_after is not None else 120)
        while time.monotonic() < end:
            try:
                message = await asyncio.wait_for(ws.receive(), max(0.05, end - time.monotonic()))
            except TimeoutError:
                break
            if message.type == aiohttp.WSMsgType.BINARY:
                shown += message.data
            elif message.type in (
                aiohttp.WSMsgType.CLOSE,
                aiohttp.WSMsgType.CLOSED,
                aiohttp.WSMsgType.CLOSING,
            ):
                break
    return shown


async def test_closed_at_once_the_session_ends_within_10_s(tmp_path):
    proc, url = start_web(tmp_path)
    try:
        await asyncio.gather(*(_open(url, close_after=0.05 * i) for i in range(3)))
        assert await asyncio.to_thread(gone_within, proc.pid, 10)
    finally:
        stop_web(proc)


async def test_full_class_idle_and_memory_limits(tmp_path):
    proc, url = start_web(tmp_path, "--max-sessions", "1", "--idle-timeout", "1s")
    try:
        first = asyncio.ensure_future(_open(url))
        deadline = time.monotonic() + 60
        while not apps_of(proc.pid) and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        assert apps_of(proc.pid)
        shown = await _open(url)
        assert b"The class is full: 1 sessions are open" in shown
        with pytest.raises(urllib.error.HTTPError) as full:
            await asyncio.to_thread(urllib.request.urlopen, url + "/", timeout=10)
        assert full.value.code == 503 and b"The class is full" in full.value.read()
        shown = await asyncio.wait_for(first, 60)  # ended by the idle timeout
        assert b"nobody typed in it for" in shown
        assert await asyncio.to_thread(gone_within, proc.pid, 10)
    finally:
        stop_web(proc)
    proc, url = start_web(tmp_path, "--max-memory", "1")
    try:
        shown = await asyncio.wait_for(_open(url), 90)
        assert b"more than the 1 MiB a session may" in shown
    finally:
        stop_web(proc)


async def test_stopping_the_server_ends_every_session(tmp_path):
    proc, url = start_web(tmp_path)
    sessions = [asyncio.ensure_future(_open(url)) for _ in range(2)]
    try:
        deadline = time.monotonic() + 60
        while len(apps_of(proc.pid)) < 2 and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        apps = apps_of(proc.pid)
        assert len(apps) == 2
        await asyncio.to_thread(stop_web, proc)
        assert proc.returncode == 0
        assert all(not _cmdline(pid) for pid in apps)  # (gone, not orphaned)
        shown = await asyncio.wait_for(asyncio.gather(*sessions), 30)
        assert all(b"The server is stopping" in s for s in shown)
    finally:
        stop_web(proc)
