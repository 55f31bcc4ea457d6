"""Themes: the colours the views write follow the theme (switched at any time), --theme picks
one, and the theme picked in the app is the next run's."""

from __future__ import annotations

import pytest
from textual.color import Color
from textual.widget import Widget

from smtp_sim.cli import main
from smtp_sim.course.lesson import load_lesson
from smtp_sim.tui.app import SmtpSimApp
from smtp_sim.tui.launch import build_app, use_theme
from smtp_sim.tui.screens.error import ProblemApp
from smtp_sim.tui.settings import remember_theme, remembered_theme, settings_path
from smtp_sim.tui.theme import HIGH_CONTRAST
from smtp_sim.tui.widgets.console import Console

THEMES = ("textual-dark", "nord", HIGH_CONTRAST.name)


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("SMTP_SIM_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("SMTP_SIM_PROGRESS", raising=False)
    return tmp_path


def colour_of(widget: Widget, starting: str) -> str:
    """The foreground colour (hex) of the first piece of text on ``widget`` starting with
    ``starting``, as drawn."""
    for y in range(widget.size.height):
        for segment in widget.render_line(y):
            if segment.text.strip().startswith(starting) and segment.style and segment.style.color:
                return Color.from_rich_color(segment.style.color).hex
    raise AssertionError(f"{starting!r} is not on {widget}")


def variable(app, name: str) -> str:
    return Color.parse(app.theme_variables[name]).hex


async def test_replies_and_the_task_follow_the_theme():
    app = SmtpSimApp(load_lesson("foobar"))
    async with app.run_test(size=(120, 40)) as pilot:
        console = app.query_one(Console)
        console.input.value = "telnet mail.cs.tcd.ie 25"
        await pilot.press("enter")
        await pilot.pause()
        console.input.value = "helo"  # 501: a 5yz reply
        await pilot.press("enter")
        await pilot.pause()
        seen = set()
        for theme in THEMES:
            app.theme = theme
            await pilot.pause()
            greeting = colour_of(console.output, "220")
            assert greeting == variable(app, "success"), theme
            assert colour_of(console.output, "501") == variable(app, "error"), theme
            assert colour_of(app.query_one("#task"), "Task:") == variable(app, "accent"), theme
            seen.add(greeting)
        assert len(seen) == len(THEMES)  # (so the test can tell the themes apart)


async def test_the_problem_page_title_follows_the_theme():
    app = ProblemApp("bad.toml", ["bad.toml:1: x: unknown key"])
    async with app.run_test(size=(100, 30)) as pilot:
        for theme in ("textual-dark", HIGH_CONTRAST.name):
            app.theme = theme
            await pilot.pause()
            title = colour_of(app.screen.query_one("#problems"), "bad.toml has problems")
            assert title == variable(app, "error")


async def test_the_theme_picked_in_the_app_is_remembered(data_dir):
    assert remembered_theme() is None
    app = build_app("sandbox", "classroom")
    use_theme(app, None)
    async with app.run_test(size=(120, 40)) as pilot:
        assert app.theme == "textual-dark"
        await pilot.press("ctrl+t")  # the high-contrast switch
        await pilot.pause()
        assert app.theme == HIGH_CONTRAST.name
    assert remembered_theme() == HIGH_CONTRAST.name
    assert settings_path().parent == data_dir
    again = build_app("app", None)
    use_theme(again, None)
    assert again.theme == HIGH_CONTRAST.name
    given = build_app("app", None)
    use_theme(given, "nord")  # --theme, for this run only
    assert given.theme == "nord" and remembered_theme() == HIGH_CONTRAST.name


def test_a_damaged_settings_file_or_an_unknown_theme_is_no_preference(data_dir):
    settings_path().write_text("{not json", encoding="utf-8")
    assert remembered_theme() is None
    remember_theme("gone-in-this-textual")
    app = build_app("app", None)
    use_theme(app, None)
    assert app.theme == "textual-dark"


def test_web_visitors_neither_read_nor_write_it(monkeypatch, data_dir):
    remember_theme("nord")
    monkeypatch.setenv("SMTP_SIM_PROGRESS", "memory")
    assert remembered_theme() is None
    remember_theme("gruvbox")
    monkeypatch.delenv("SMTP_SIM_PROGRESS")
    assert remembered_theme() == "nord"


def test_theme_option(monkeypatch, capsys):
    given = {}
    monkeypatch.setattr("smtp_sim.tui.launch.launch", lambda *a, **k: given.update(k) or 0)
    monkeypatch.setattr(
        "smtp_sim.tui.launch.launch_presenter", lambda *a, **k: given.update(k) or 0
    )
    for command in (["app"], ["lesson", "foobar"], ["sandbox"], ["present", "demo-journey"]):
        given.clear()
        assert main([*command, "--theme", "nord"]) == 0
        assert given["theme"] == "nord"
    with pytest.raises(SystemExit) as exit_:
        main(["app", "--theme", "neon"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "'neon' is not a theme" in err and "nord" in err
