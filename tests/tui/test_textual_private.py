"""Textual's private API that smtp-sim uses lives in one module (tui/textual_private.py):
each piece is still there in the installed Textual, which is one the module was checked on,
and no other module reaches into Textual's private names."""

import inspect
import re
from importlib import metadata
from pathlib import Path

from textual._compositor import Compositor
from textual.app import App
from textual.geometry import Region
from textual.reactive import Reactive
from textual.screen import Screen
from textual.widget import Widget

from smtp_sim.tui import textual_private

TUI = Path(textual_private.__file__).parent


def test_the_installed_textual_is_one_the_private_api_was_checked_on():
    # Checked on Textual 8.2.7 (.ci/lowest.txt) and 8.2.8: a new version is added to
    # CHECKED_ON once this file's tests and tests/tui pass on it.
    assert metadata.version("textual") in textual_private.CHECKED_ON


def test_each_private_name_used_still_exists():
    from textual.widgets._footer import FooterKey

    assert textual_private.FooterKey is FooterKey
    assert callable(Widget._forward_event)
    from textual.app import App

    assert list(inspect.signature(App._check_bindings).parameters) == ["self", "key", "priority"]
    from textual.css.stylesheet import Stylesheet
    from textual.widgets import Footer

    assert isinstance(Footer._bindings_ready, Reactive)
    sheet = Stylesheet(variables={"a": "b"})
    assert sheet._variables == {"a": "b"}
    assert {"_parse_cache[cache_key]", "_parse_cache.clear()"} <= _source_words(Stylesheet)
    assert "_compositor" in Screen.__init__.__code__.co_names
    assert "visible_widgets" in Compositor._get_renders.__code__.co_names
    assert "_visible_widgets" in Compositor.visible_widgets.fget.__code__.co_names


async def test_going_away_tells_a_closing_screen():
    """going_away: a worker that outlives its screen (the lesson's loading, when the app
    closes at once) can tell, and lets the NoMatches of its vanished widgets pass."""
    from textual.app import App

    app = App()
    async with app.run_test():
        screen = app.screen
        assert not textual_private.going_away(screen)
        app.exit()
        assert textual_private.going_away(screen)
    for name in ("_closing", "_closed", "_pruning"):
        assert isinstance(getattr(screen, name), bool)


def _source_words(cls) -> set[str]:
    import inspect

    return set(re.findall(r"_parse_cache(?:\[cache_key\]|\.clear\(\))", inspect.getsource(cls)))


async def test_a_second_app_parses_no_css_the_first_parsed(monkeypatch):
    """share_parsed_css: each source is parsed once a theme in a process (smtp-sim web's
    zygote parses them for its sessions); Textual's cache was the stylesheet's own."""
    import textual.css.stylesheet as stylesheet_module

    from smtp_sim.course.lesson import load_lesson
    from smtp_sim.tui.app import SmtpSimApp

    async def run() -> int:
        parsed = []
        real = stylesheet_module.parse
        monkeypatch.setattr(
            stylesheet_module, "parse", lambda *a, **k: parsed.append(a) or real(*a, **k)
        )
        async with SmtpSimApp(load_lesson("foobar")).run_test(size=(120, 40)) as pilot:
            await pilot.pause()
        return len(parsed)

    await run()
    assert await run() == 0


async def test_the_screen_renders_as_export_screenshot_draws_it():
    app = App()
    async with app.run_test(size=(40, 10)) as pilot:
        await pilot.pause()
        assert textual_private.screen_render(app) is not None


async def test_a_partial_update_is_the_same_rendering_only_the_widgets_in_it(tmp_path):
    """render_only_what_changed: the main screen's updates, for the input line, for a part of
    the screen across several widgets and for all of it, are Textual's own to the byte."""
    from smtp_sim.course.lesson import load_lesson
    from smtp_sim.course.progress import ProgressStore
    from smtp_sim.tui.app import SmtpSimApp

    app = SmtpSimApp(load_lesson("foobar"), store=ProgressStore(tmp_path / "p.json"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("t", "e", "l")
        await pilot.pause()
        screen = app.main
        ours = screen._compositor
        assert isinstance(ours, textual_private._PartialCompositor)
        stock = Compositor()
        stock.reflow(screen, ours.size)
        line = app.query_one("#line").region
        for dirty in [{line}, {Region(30, 2, 40, 30)}, {line, Region(0, 0, 5, 1)}]:
            updates = []
            for compositor in (ours, stock):
                compositor._dirty_regions.clear()
                compositor._dirty_regions.update(dirty)
                update = compositor.render_update()
                assert update is not None
                updates.append(update.render_segments(app.console))
            assert updates[0] == updates[1]
            assert "tel" in updates[0] or dirty != {line}
        assert ours.render_update(full=True).render_segments(app.console) == stock.render_update(
            full=True
        ).render_segments(app.console)


def test_no_other_module_uses_textual_private_names():
    private = re.compile(
        r"textual\.\w+\._\w|\._compositor|\._background_screens|\._highlighted_code|\._forward_event"
    )
    for path in TUI.rglob("*.py"):
        if path.name == "textual_private.py":
            continue
        assert not private.search(path.read_text(encoding="utf-8")), path
