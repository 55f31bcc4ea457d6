"""The views follow the playback on their own: their ``revision`` is bound to the main
screen's (data_bind), and a change the controller tells reaches every view in the same call,
before the handler that made it returns (no view is called by the screen)."""

from smtp_sim.course.lesson import load_lesson
from smtp_sim.tui.app import SmtpSimApp
from smtp_sim.tui.widgets.following import TraceFollower

VIEWS = ("#map", "#flow", "#events", "#inspector", "#mailboxes", "#queues")


async def test_every_view_is_bound_and_follows_a_change_in_the_same_call():
    app = SmtpSimApp(load_lesson("foobar"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        main = app.main
        views = [main.query_one(view) for view in VIEWS]
        assert all(isinstance(view.follower, TraceFollower) for view in views)
        assert all(view.follower.source is main.controller for view in views)
        assert all(view.revision == main.revision > 0 for view in views)
        events = main.query_one("#events")
        shown = len(events._all)
        before = len(main.playback.world.trace)
        # (no pause after it: the views are up to date when the call returns)
        main.controller.type_line("telnet mail.cs.tcd.ie 25")
        assert len(main.playback.world.trace) > before
        assert all(view.revision == main.revision for view in views)
        assert len(events._all) == len(main.playback.world.trace) > shown


async def test_a_view_starts_over_when_the_playback_is_rebuilt():
    app = SmtpSimApp(load_lesson("foobar"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        main = app.main
        events = main.query_one("#events")
        main.controller.type_line("telnet mail.cs.tcd.ie 25")
        main.controller.type_line("helo")
        generation = main.playback.generation
        main.controller.step_back()  # a rebuild: every record again, none twice
        assert main.playback.generation != generation
        assert events._all == list(main.playback.world.trace.records)
