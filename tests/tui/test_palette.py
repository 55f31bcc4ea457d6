"""Every key in the palette, the footer and the help screen; the event list's filter by key and
by palette; the footer and the network map's header at 80 columns. Driven with Pilot."""

import pytest
from textual.binding import Binding
from textual.command import CommandPalette
from textual.widgets import Markdown

from smtp_sim.course.lesson import load_lesson, sandbox_lesson
from smtp_sim.course.progress import ProgressStore
from smtp_sim.tui.app import SmtpSimApp
from smtp_sim.tui.keys import FOOTER_PRIORITY, KEYS
from smtp_sim.tui.palette import BindingCommands, EventFilterCommands, key_actions, key_label
from smtp_sim.tui.screens.main import MainScreen
from smtp_sim.tui.widgets.console import Console
from smtp_sim.tui.widgets.event_list import EventList
from smtp_sim.tui.widgets.footer import KeyFooter, fit_keys
from smtp_sim.tui.widgets.lesson_panel import LessonPanel
from smtp_sim.tui.widgets.network_map import NetworkMap
from smtp_sim.world.trace import Layer

BINDINGS = list(Binding.make_bindings(KEYS))  # the App's and its main screen's
HOST = "mail.cs.tcd.ie"


@pytest.fixture(autouse=True)
def _no_user_data(tmp_path, monkeypatch):
    monkeypatch.setenv("SMTP_SIM_DATA_DIR", str(tmp_path))


def sandbox() -> SmtpSimApp:
    return SmtpSimApp(sandbox_lesson("classroom"), sandbox=True)


async def run_palette(pilot, query: str) -> None:
    """Open the palette with ctrl+p, type ``query`` and choose the first hit."""
    await pilot.press("ctrl+p")
    await type_into_palette(pilot, query)


async def type_into_palette(pilot, query: str) -> None:
    await pilot.pause()
    assert isinstance(pilot.app.screen, CommandPalette)
    for char in query:
        await pilot.press("space" if char == " " else char)
    await pilot.pause(0.3)  # the palette searches in a worker
    await pilot.press("down", "enter")
    await pilot.pause()
    await pilot.pause()


async def run_until(app: SmtpSimApp, pilot, time: float) -> None:
    while app.main.playback.world.now < time and app.main.playback.step_forward():
        pass
    app.main.controller.changed()
    await pilot.pause()


# -- every key, everywhere ---------------------------------------------------------------------


def test_key_labels_are_written_as_people_write_them():
    assert key_label("f7") == "F7"
    assert key_label("ctrl+s") == "Ctrl+S"
    assert key_label("question_mark") == "?"
    assert key_label("escape") == "Esc"
    two_keys = [Binding("f1", "help", "Help"), Binding("question_mark", "help", "Help")]
    assert [item.label for item in key_actions(two_keys)] == ["Help (F1 or ?)"]
    # In the app, ? is typed: only function keys and ctrl combinations are bindings there.
    assert all(b.key.startswith(("f", "ctrl+")) or b.key == "escape" for b in KEYS)


async def test_every_binding_is_in_the_palette_and_in_the_help_screen(tmp_path):
    app = SmtpSimApp(load_lesson("foobar"), store=ProgressStore(tmp_path / "p.json"))
    async with app.run_test(size=(120, 40)) as pilot:
        names = [name for name, _help, _callback in BindingCommands(app.screen).items()]
        assert len(names) == len({b.action for b in BINDINGS})  # one command per action
        for binding in BINDINGS:
            assert binding.description, binding
            assert any(
                name.startswith(binding.description + " (") and key_label(binding.key) in name
                for name in names
            ), binding
        assert "Step forward (F7)" in names and "Filter events (Ctrl+F)" in names
        await pilot.press("f1")
        await pilot.pause()
        source = app.screen.query_one(Markdown).source
        for binding in BINDINGS:
            assert f"`{key_label(binding.key)}`" in source, binding
            assert f"| {binding.description} |" in source, binding
        assert "`question_mark`" not in source and "`F1` | Help |" in source
        for item in key_actions(BINDINGS):  # each explained, from its tooltip
            if item.tooltip:
                assert " ".join(item.tooltip.split()) in source, item


async def test_choosing_a_key_command_in_the_palette_runs_it():
    app = sandbox()
    async with app.run_test(size=(120, 40)) as pilot:
        assert app.main.playback.steps == 0
        await run_palette(pilot, "step forward")
        assert app.main.playback.steps == 1
        panel = app.query_one(LessonPanel)
        shown = panel.display
        await run_palette(pilot, "lesson panel")
        assert panel.display is not shown
        await run_palette(pilot, "help (f1")
        assert type(app.screen).__name__ == "HelpScreen"


# -- the event list's filter -------------------------------------------------------------------


async def test_filter_events_by_key_then_step_back_and_show_all():
    app = sandbox()
    async with app.run_test(size=(120, 40)) as pilot:
        await run_until(app, pilot, 60)
        events = app.query_one(EventList)
        everything = len(app.main.playback.world.trace.records)
        assert events.row_count == everything and not events.has_class("-filtered")
        assert isinstance(app.focused, type(app.query_one(Console).input))
        await pilot.press("ctrl+f")  # from the console: the input does not use ctrl+f
        await type_into_palette(pilot, "layer SMTP")
        assert events.shown_layers == {Layer.SMTP}
        assert events.row_count and all(r.layer is Layer.SMTP for r in events.rows)
        assert app.query_one("TabbedContent").active == "tab-events"
        assert events.has_class("-filtered")
        assert str(events.border_title).startswith(f"Filter: layer SMTP — {events.row_count}")
        # The filter outlives a rebuild of the world (stepping back replays it).
        before = events.row_count
        await pilot.press("f6")
        await pilot.pause()
        assert events.shown_layers == {Layer.SMTP}
        assert all(r.layer is Layer.SMTP for r in events.rows)
        assert events.row_count <= before
        await pilot.press("f7")
        await pilot.pause()
        assert events.row_count == before
        await pilot.press("ctrl+f")
        await type_into_palette(pilot, "show all")
        assert events.shown_layers is None and events.host is None
        assert events.row_count == len(app.main.playback.world.trace.records)
        assert not events.has_class("-filtered") and not events.border_title


async def test_filter_events_by_host_and_layer_from_the_palette():
    app = sandbox()
    async with app.run_test(size=(120, 40)) as pilot:
        await run_until(app, pilot, 60)
        events = app.query_one(EventList)
        names = [name for name, _h, _c in EventFilterCommands(app.screen).items()]
        for host in app.main.playback.world.network.hosts:
            assert f"Filter events: host {host}" in names
        for layer in Layer:
            assert f"Filter events: layer {layer.value}" in names
        await run_palette(pilot, f"filter events host {HOST}")
        assert events.host == HOST
        assert events.row_count and all(HOST in (r.src, r.dst) for r in events.rows)
        await run_palette(pilot, "filter events layer TCP")  # keeps the host
        assert events.host == HOST and events.shown_layers == {Layer.TCP}
        assert all(r.layer is Layer.TCP and HOST in (r.src, r.dst) for r in events.rows)
        assert f"layer TCP · host {HOST}" in str(events.border_title)
        events.scroll_home(animate=False, immediate=True)
        await pilot.pause()
        shown = events.render_line(1).text  # the first row under the column header
        first = events.rows[0]
        # (beside a lesson the host is the label that tells it apart: "mail")
        assert first.kind.value in shown and f" {HOST.split('.')[0]} " in shown


async def test_typing_in_the_console_never_filters():
    app = sandbox()
    async with app.run_test(size=(80, 24)) as pilot:
        for key in "ff telnet":
            await pilot.press("space" if key == " " else key)
        await pilot.pause()
        assert app.query_one(Console).input.value == "ff telnet"
        assert not isinstance(app.screen, CommandPalette)
        assert app.query_one(EventList).shown_layers is None


# -- 80 columns --------------------------------------------------------------------------------


def test_fit_keys_keeps_the_most_important_in_order():
    widths, ranks = [8, 8, 14, 13, 8], [0, 4, 1, 2, 3]
    assert fit_keys(widths, ranks, 100) == [0, 1, 2, 3, 4]
    assert fit_keys(widths, ranks, 35) == [0, 2, 3]  # ranks 0, 1, 2; rank 3 would not fit
    assert fit_keys(widths, ranks, 5) == []


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (200, 40), (240, 40)])
@pytest.mark.parametrize("kind", ["sandbox", "lesson"])
async def test_the_footer_fits_the_width_and_keeps_the_important_keys(size, kind, tmp_path):
    app = (
        sandbox()
        if kind == "sandbox"
        else SmtpSimApp(load_lesson("foobar"), store=ProgressStore(tmp_path / "p.json"))
    )
    # The sandbox has no steps: no Hint, Prev step or Next step.
    shown = {
        b.key
        for b in BINDINGS
        if b.show and (kind == "lesson" or b.action not in MainScreen.STEP_ACTIONS)
    }
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        footer = app.query_one(KeyFooter)
        keys = footer.shown_keys
        for key in ("f1", "f5", "f6", "f7", "ctrl+q") + (("f2",) if kind == "lesson" else ()):
            assert key in keys, (size, keys)
        assert set(keys) <= shown
        right = max(key.region.right for key in footer.children)
        assert right <= size[0]
        assert len({key.region.y for key in footer.children}) == 1
        if size[0] >= 200:
            assert set(keys) == shown
        if size[0] >= 120:  # short descriptions let all but two keys fit
            assert len(keys) >= len(shown) - 2, keys
        labels = [key.description for key in footer.children]
        # Every key with its whole description needs 240 columns (200 without the step keys).
        if size[0] < (200 if kind == "sandbox" else 240):
            assert "Step" in labels and "Step forward" not in labels  # FOOTER_SHORT
        else:  # room for every key with its whole description
            assert "Step forward" in labels and "High contrast" in labels


async def test_network_map_header_is_one_line_at_80_columns():
    app = sandbox()
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.query_one(NetworkMap)
        flights = 0
        while app.main.playback.step_forward() and app.main.playback.world.now < 30:
            app.main.controller.changed()
            await pilot.pause()
            width = view.scrollable_content_region.width
            assert len(view.lines[0].rstrip()) <= width, view.lines[:2]
            assert view.lines[1].strip() == "", view.lines[:2]  # the spacer: nothing wrapped
            if view.in_flight is not None:
                flights += 1
                assert "t = " in view.lines[0]
        assert flights


def test_every_key_shown_in_the_footer_has_a_footer_priority():
    ids = [b.id for b in BINDINGS if b.show]
    assert all(ids) and set(ids) <= set(FOOTER_PRIORITY)
    assert len(set(FOOTER_PRIORITY)) == len(FOOTER_PRIORITY)


def test_every_key_is_bound_once_on_the_app_or_its_main_screen():
    """The key table is split, not copied: the App binds help, the theme and quit; the main
    screen binds the rest; together they are every key of the table, once."""
    app_ids = [b.id for b in SmtpSimApp.BINDINGS if isinstance(b, Binding)]
    screen_ids = [b.id for b in MainScreen.BINDINGS if isinstance(b, Binding)]
    assert app_ids == ["app.help", "view.high_contrast", "app.quit"]
    assert sorted(app_ids + screen_ids) == sorted(b.id for b in KEYS)


async def test_tabs_and_faults_are_found_by_their_names():
    """Issue 15: typing `flow` finds the Flow tab; `a full mailbox` (the README's words) finds
    the fault."""
    app = sandbox()
    async with app.run_test(size=(120, 40)) as pilot:
        await run_palette(pilot, "flow tab")
        await pilot.pause()
        assert app.query_one("TabbedContent").active == "tab-flow"
        await run_palette(pilot, "a full mailbox")
        await pilot.pause()
        typed = [line for _step, line in app.main.playback.session.inputs]
        assert typed and typed[-1].startswith("/fault mailbox-full address="), typed


async def test_show_what_the_taps_saw_filters_events_to_the_tap_layer():
    app = SmtpSimApp(load_lesson("starttls"))
    async with app.run_test(size=(120, 40)) as pilot:
        names = [name for name, _h, _c in EventFilterCommands(app.screen).items()]
        assert "Show what the taps saw" in names
        await run_palette(pilot, "what the taps saw")
        events = app.query_one(EventList)
        assert events.shown_layers == {Layer.TAP}
        assert app.query_one("TabbedContent").active == "tab-events"
