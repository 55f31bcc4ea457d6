"""SVG snapshots of each main screen at a fixed size on a fixed lesson (pytest-textual-snapshot).

Update them after an intended change with: pytest tests/tui/test_snapshots.py --snapshot-update
"""

import os

import pytest

from smtp_sim.course.lesson import load_lesson, sandbox_lesson
from smtp_sim.course.progress import ProgressStore
from smtp_sim.tui.app import SmtpSimApp

SIZE = (120, 40)
FOOBAR = [
    "telnet mail.cs.tcd.ie 25",
    "helo FooBar",
    "mail from: alice@crepes.fr",
    "rcpt to: bob@cs.tcd.ie",
    "data",
    "Subject: FooBar",
    "",
    "Hello World",
    ".",
]


@pytest.fixture(autouse=True)
def _no_user_data(tmp_path, monkeypatch):
    monkeypatch.setenv("SMTP_SIM_DATA_DIR", str(tmp_path))


def _foobar_app(tmp_path) -> SmtpSimApp:
    return SmtpSimApp(load_lesson("foobar"), store=ProgressStore(tmp_path / "p.json"))


async def _settle(pilot) -> None:
    # (the screenshot's pilot starts as soon as the app is ready: its main screen composes
    # its widgets in its own task, a moment later)
    await pilot.pause()
    pilot.app.query_one("Console").input.cursor_blink = False
    await pilot.pause()
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()


async def _type_foobar(pilot) -> None:
    await pilot.pause()
    for line in FOOBAR:
        pilot.app.query_one("Console").input.value = line
        await pilot.press("enter")
        await pilot.pause()
    await _settle(pilot)


@pytest.mark.parametrize(
    "tab", ["tab-map", "tab-flow", "tab-events", "tab-mailboxes", "tab-queues"]
)
def test_main_screen_views(snap_compare, tmp_path, tab):
    async def run_before(pilot):
        await _type_foobar(pilot)
        pilot.app.query_one("TabbedContent").active = tab
        await _settle(pilot)

    assert snap_compare(_foobar_app(tmp_path), terminal_size=SIZE, run_before=run_before)


def test_inspector_on_a_reply(snap_compare, tmp_path):
    async def run_before(pilot):
        await _type_foobar(pilot)
        app = pilot.app
        record = next(
            r
            for r in app.main.playback.world.trace.records
            if r.kind.value == "reply" and 354 in r.get("codes", ())
        )
        app.main.select_record(record)
        await _settle(pilot)

    assert snap_compare(_foobar_app(tmp_path), terminal_size=SIZE, run_before=run_before)


def test_help_screen(snap_compare, tmp_path):
    async def run_before(pilot):
        await _settle(pilot)
        await pilot.press("f1")
        await _settle(pilot)

    assert snap_compare(_foobar_app(tmp_path), terminal_size=SIZE, run_before=run_before)


def test_sandbox_at_80x24(snap_compare):
    app = SmtpSimApp(sandbox_lesson("classroom"), sandbox=True)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_settle)


def test_high_contrast_theme(snap_compare, tmp_path):
    async def run_before(pilot):
        await pilot.press("ctrl+t")
        await _settle(pilot)

    assert snap_compare(_foobar_app(tmp_path), terminal_size=SIZE, run_before=run_before)


assert os  # the environment fixture above keeps progress out of the user's home
