"""The line under the console explains the last reply with advice for the command typed."""

from smtp_sim.course.lesson import load_lesson
from smtp_sim.tui.app import SmtpSimApp


async def test_a_misspelt_verb_is_named_with_the_command_it_resembles():
    app = SmtpSimApp(load_lesson("foobar"))
    async with app.run_test(size=(120, 40)) as pilot:
        for line in ["telnet mail.cs.tcd.ie 25", "helo FooBar", "mial from: alice@crepes.fr"]:
            app.query_one("Console").input.value = line
            await pilot.press("enter")
            await pilot.pause()
        explained = str(app.query_one("#explain").render())
        assert explained.startswith("502 Command not implemented")
        assert "'MIAL' is not an SMTP command" in explained and "Did you mean MAIL?" in explained
