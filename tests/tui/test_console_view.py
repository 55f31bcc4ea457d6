"""What the console shows: every wrapped line of a long note, a header's TAB as spaces, and
completion of the console's own commands (walk1, walk2). Driven with Pilot."""

from __future__ import annotations

import pytest
from textual.geometry import Region

from smtp_sim.course.lesson import SLASH_COMMANDS, load_lesson
from smtp_sim.tui.app import SmtpSimApp
from smtp_sim.tui.widgets.console import CompletionSuggester


@pytest.fixture(autouse=True)
def _no_user_data(tmp_path, monkeypatch):
    monkeypatch.setenv("SMTP_SIM_DATA_DIR", str(tmp_path))


async def enter(app, pilot, *lines: str) -> None:
    for line in lines:
        app.query_one("Console").input.value = line
        await pilot.press("enter")
        await pilot.pause()


def shown(app) -> list[str]:
    """The console's output lines as drawn, scrolled to the end."""
    output = app.query_one("Console").output
    strips = output.render_lines(Region(0, 0, output.size.width, output.size.height))
    return [strip.text.strip() for strip in strips]


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
async def test_a_note_that_wraps_shows_its_last_line(size):
    """walk1 (reliable-delivery step 3): the nudge ended "...as things" and "are)." was never
    drawn: the list measured the note before its scrollbar took two columns."""
    app = SmtpSimApp(load_lesson("reliable-delivery"))
    async with app.run_test(size=size) as pilot:
        await enter(app, pilot, "telnet mail.cs.tcd.ie 25", "quit")
        for _ in range(20):
            await pilot.pause(0.05)
        assert app.main.playback.session.index == 2  # server-down: /fault, then /send
        await enter(app, pilot, "/send alice@crepes.fr bob@cs.tcd.ie Are you there?")
        await pilot.pause(0.1)
        lines = shown(app)
        note = app.main.playback.session.terminal.log[-1][1]
        assert note.startswith("Not sent yet") and note.endswith("as things are).")
        assert lines[-1].endswith("as things are).") or lines[-1] == "are).", lines


async def test_a_header_tab_shows_as_spaces_not_caret_i():
    """walk2 (push-pull): RETR showed `^Iby mail.cs.tcd.ie (Postfix) ...`."""
    app = SmtpSimApp(load_lesson("push-pull"))
    async with app.run_test(size=(120, 40)) as pilot:
        app.main.playback.enter("/send alice@crepes.fr bob@cs.tcd.ie Crepes tonight?")
        app.main.controller.changed()
        await pilot.pause()
        await enter(app, pilot, "telnet mail.cs.tcd.ie 110", "USER bob", "PASS secret", "RETR 1")
        prompts = [str(o.prompt) for o in app.query_one("Console").output.options]
        folded = [p for p in prompts if p.lstrip().startswith("by mail.cs.tcd.ie")]
        assert folded and folded[0].startswith(" " * 8), prompts
        assert not any("^I" in p for p in prompts)


def test_completion_lists_every_console_command():
    """walk: /base64, /dns and /tap were not completed like the other slash commands."""
    from smtp_sim.tui.widgets.console import SLASH

    assert {word.split()[0] for word in SLASH} == {u.split()[0] for u, _ in SLASH_COMMANDS}


@pytest.mark.parametrize("connected", [False, True])
@pytest.mark.parametrize(
    "typed,completed",
    [("/ba", "/base64 "), ("/d", "/dns txt "), ("/ta", "/tap "), ("/w", "/wait ")],
)
def test_slash_commands_complete_connected_or_not(connected, typed, completed):
    suggester = CompletionSuggester()
    suggester.connected = connected
    assert suggester.suggest(typed) == completed


def test_help_names_the_console_tools():
    from smtp_sim.tui.screens.help import INTRO

    console = INTRO.split("Console commands", 1)[1].split("**The views**", 1)[0]
    for command in ("/tap HOST HOST", "/base64", "/dns txt", "/fault striptls", "/help"):
        assert command in console, command


async def test_tab_after_telnet_offers_a_mail_server_first():
    """The first host in alphabetical order was a gateway (gw.crepes.fr), which runs no SMTP:
    Tab after "telnet " completed to a host that refuses the connection."""
    app = SmtpSimApp(load_lesson("esmtp"))
    async with app.run_test(size=(120, 40)) as pilot:
        line = app.query_one("Console").input
        line.focus()
        await pilot.press(*"telnet ")
        await pilot.pause()
        await pilot.press("tab")
        await pilot.pause()
        host = line.value.removeprefix("telnet ")
        assert host in app.screen.controller.playback.world.mtas, line.value


async def test_page_up_while_typing_scrolls_the_output():
    """walk2: scrolling back needed shift+tab first; PageUp while typing did nothing."""
    app = SmtpSimApp(load_lesson("foobar"))
    async with app.run_test(size=(120, 40)) as pilot:
        await enter(app, pilot, "telnet mail.cs.tcd.ie 25", "help", "ehlo FooBar", "help")
        output = app.query_one("Console").output
        assert output.max_scroll_y > 0 and output.scroll_y == output.max_scroll_y
        app.query_one("Console").input.value = "mail fr"
        await pilot.press("pageup")
        await pilot.pause()
        assert output.scroll_y < output.max_scroll_y
        assert app.query_one("Console").input.value == "mail fr"  # (the line stays)
        await pilot.press("pagedown")
        await pilot.pause()
        assert output.scroll_y == output.max_scroll_y


async def test_a_web_session_has_a_steady_cursor_and_a_terminal_a_blinking_one():
    """smtp-sim web's sessions (web_session.run sets steady_cursor): a blink is a frame sent to
    every browser twice a second, and 60 idle sessions blinking filled both CPUs here."""
    from smtp_sim.course.lesson import load_lesson
    from smtp_sim.tui.app import SmtpSimApp
    from smtp_sim.tui.widgets.console import ConsoleInput

    for steady in (False, True):
        app = SmtpSimApp(load_lesson("foobar"))
        app.steady_cursor = steady
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            assert app.main.query_one(ConsoleInput).cursor_blink is (not steady)


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
async def test_the_advice_box_grows_to_show_long_advice(size):
    """A second MAIL's advice (RSET first) took seven rows at 80x24 and the box under the
    console showed three: the way out was below, in a box without the focus. It grows to the
    advice's rows (the views keep theirs above a few); a short explanation keeps it small."""
    app = SmtpSimApp(load_lesson("foobar"))
    async with app.run_test(size=size) as pilot:
        mail = "mail from:<alice@crepes.fr>"
        await enter(app, pilot, "telnet mail.cs.tcd.ie 25", "helo crepes.fr", mail, mail)
        await pilot.pause()
        await pilot.pause()
        box, said = app.query_one("#explain-box"), app.query_one("#explain")
        width = said.content_size.width
        rows = [
            strip.text.strip()
            for strip in said.render_lines(Region(0, 0, said.size.width, said.virtual_size.height))
        ]
        end = next(i for i, row in enumerate(rows) if row.endswith("DATA."))
        assert rows[0].startswith("Next: A message is already under way") and end >= 3, rows
        assert box.scroll_y == 0 and end < box.content_size.height, (width, rows)
        views = app.query_one("#views")
        assert views.outer_size.height >= 4  # (at 80x24: the tabs and two rows)
        await enter(app, pilot, "rset")  # a short explanation: the box as small as before
        await pilot.pause()
        assert box.outer_size.height <= (4 if size[1] >= 30 else 3)


async def test_pop3_quit_shows_the_close_at_once():
    """SMTP's QUIT showed '221 Bye' and 'Connection closed by foreign host.' together; POP3's
    showed '+OK ... signing off' and the prompt stayed connected until the next key played
    the server's FIN (push-pull step 6): the close comes with the goodbye."""
    app = SmtpSimApp(load_lesson("push-pull"))
    async with app.run_test(size=(120, 40)) as pilot:
        await enter(app, pilot, "telnet mail.cs.tcd.ie 110", "USER bob", "PASS secret", "QUIT")
        await pilot.pause()
        lines = [line for line in shown(app) if line]
        assert lines[-2].startswith("+OK") and "signing off" in lines[-2], lines
        assert lines[-1] == "Connection closed by foreign host.", lines
        terminal = app.main.playback.session.terminal
        assert terminal.state == "closed" and "not connected" in terminal.prompt


async def test_a_resize_refits_the_placeholder_and_prompt_the_console_has_when_it_refits():
    """A resize refits the placeholder and the prompt after the next refresh; a line typed in
    between (entered as the lesson opened) had changed them, and the refit put back what
    they said before it: "type here, e.g. telnet ..." over a session already connected."""
    from textual.app import App

    from smtp_sim.tui.widgets.console import Console

    class OneConsole(App[None]):
        def compose(self):
            yield Console()

    app = OneConsole()
    async with app.run_test(size=(100, 20)) as pilot:
        console = app.query_one(Console)
        console.set_placeholder("type here, e.g. telnet mail.cs.tcd.ie 25")
        console.set_prompt("telnet>")
        await pilot.pause()
        console.on_resize()  # (a resize: the refit comes after the next refresh)
        console.set_placeholder("an SMTP command: HELO, QUIT")
        console.set_prompt("mail.cs.tcd.ie:25>")
        for _ in range(3):
            await pilot.pause()
        assert console.input.placeholder == "an SMTP command: HELO, QUIT"
        assert "mail.cs.tcd.ie:25>" in str(console.query_one("#prompt").render())


async def test_the_placeholder_suggests_the_tasks_next_line():
    """Connected, the empty line listed the protocol's commands whatever the step asked; it
    suggests the task's own next line (a line the task shows, not yet typed in the step)."""
    app = SmtpSimApp(load_lesson("foobar"))
    async with app.run_test(size=(120, 40)) as pilot:
        line = app.query_one("Console").input
        await enter(app, pilot, "telnet mail.cs.tcd.ie 25")
        assert "helo FooBar" in line.placeholder, line.placeholder
        await enter(app, pilot, "helo FooBar")
        assert "mail from: alice@crepes.fr" in line.placeholder, line.placeholder
    app = SmtpSimApp(load_lesson("push-pull"))
    async with app.run_test(size=(120, 40)) as pilot:
        line = app.query_one("Console").input
        app.main.playback.session.go_to(1)
        app.main.controller.changed()
        await enter(app, pilot, "telnet mail.cs.tcd.ie 110")
        assert "USER bob" in line.placeholder, line.placeholder
        await enter(app, pilot, "USER bob")
        assert "PASS secret" in line.placeholder, line.placeholder


async def test_the_placeholder_suggests_no_message_line_as_a_command():
    """walkC (mime step 6): after a dot typed too early the session has left DATA, and the
    placeholder said 'e.g. --b--', a line of the message, which the server answered 502."""
    app = SmtpSimApp(load_lesson("mime"))
    async with app.run_test(size=(120, 40)) as pilot:
        line = app.query_one("Console").input
        app.main.playback.session.go_to(5)  # (step 6: '--b--', then the dot)
        app.main.controller.changed()
        await enter(app, pilot, "telnet mail.cs.tcd.ie 25")
        await enter(app, pilot, "helo crepes.fr")
        assert "--b--" not in line.placeholder, line.placeholder
