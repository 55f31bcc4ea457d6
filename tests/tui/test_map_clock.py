"""/wait lets virtual time pass even when nothing is scheduled, and the map's clock follows
it though nothing crossed the wire."""

from smtp_sim.course.lesson import sandbox_lesson
from smtp_sim.tui.app import SmtpSimApp


async def _enter(app, pilot, line: str) -> None:
    app.query_one("Console").input.value = line
    await pilot.press("enter")
    for _ in range(50):
        await pilot.pause(0.05)
        if app.main.playback.session.play_until is None:
            return


async def test_waits_pass_on_a_quiet_network_and_the_map_clock_follows():
    app = SmtpSimApp(sandbox_lesson("press-send-net"), sandbox=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await _enter(app, pilot, "/wait 90s")
        assert app.main.playback.world.now == 90
        await _enter(app, pilot, "/wait 10m")
        now = app.main.playback.world.now
        assert now == 690
        caption = str(app.query_one("#map").lines[0])
        assert caption.startswith(f"t = {now:.3f} s"), caption
