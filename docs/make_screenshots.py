"""Regenerate the README's screenshots (docs/screenshots/*.svg), exported by the app itself.

    PYTHONPATH=. python docs/make_screenshots.py

Each shot drives the real app headless (``App.run_test``) at a fixed size on a built-in lesson
or scenario, as a student or an instructor would (typed lines, keys), then saves the screen
with the app's own exporter (the same code as ctrl+s). Same code, same lessons: the same
pictures, so a diff in git means the app changed.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from smtp_sim.course.lesson import load_lesson, load_presentation, sandbox_lesson  # noqa: E402
from smtp_sim.course.progress import MemoryProgressStore  # noqa: E402
from smtp_sim.scenario.build import build_world  # noqa: E402
from smtp_sim.scenario.files import load_scenario  # noqa: E402
from smtp_sim.tui import exporting as exports  # noqa: E402
from smtp_sim.tui.app import SmtpSimApp  # noqa: E402
from smtp_sim.tui.presenter import PresenterApp  # noqa: E402
from smtp_sim.tui.widgets.console import Console  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
SIZE = (120, 40)
FOOBAR = [
    "telnet mail.cs.tcd.ie 25",
    "helo FooBar",
    "mail from: alice@crepes.fr",
    "rcpt to: bob@cs.tcd.ie",
    "data",
    "To: Someone@S",
    "From: SomeOneElse@S",
    "Subject: FooBar",
    "",
    "Hello World",
    ".",
    "quit",
]


async def type_lines(pilot, lines: list[str]) -> None:
    console = pilot.app.query_one(Console)
    for line in lines:
        console.input.value = line
        await pilot.press("enter")
        await pilot.pause()


def save(name: str, svg: str) -> None:
    path = OUT / name
    path.write_text(svg, encoding="utf-8")
    print(path.relative_to(ROOT))


async def shot_lesson() -> None:
    """The FooBar lesson, typed: the lesson panel, the map, the console with the replies."""
    app = SmtpSimApp(load_lesson("foobar"), store=MemoryProgressStore())
    async with app.run_test(size=SIZE) as pilot:
        app.query_one(Console).input.cursor_blink = False
        await type_lines(pilot, FOOBAR[:-1])
        await pilot.pause()
        save("lesson.svg", exports.screen_svg(app, "smtp-sim lesson foobar"))


async def shot_flow_tab() -> None:
    """The sandbox on the classroom network, 10 s in: the Flow tab."""
    app = SmtpSimApp(sandbox_lesson("classroom"), sandbox=True, store=MemoryProgressStore())
    async with app.run_test(size=SIZE) as pilot:
        app.query_one(Console).input.cursor_blink = False
        while app.main.playback.world.now < 8 and app.main.playback.step_forward():
            pass
        app.main.controller.changed()
        app.query_one("TabbedContent").active = "tab-flow"
        await pilot.pause()
        await pilot.pause()
        save("sandbox-flow.svg", exports.screen_svg(app, "smtp-sim sandbox classroom"))


async def shot_presenter() -> None:
    """The presenter at 100x30, the fourth pause of demo-journey: the destination is down."""
    app = PresenterApp(load_presentation("demo-journey"), animate=False)
    async with app.run_test(size=(100, 30)) as pilot:
        for _ in range(4):
            await pilot.press("space")
        await pilot.pause()
        save("presenter.svg", exports.screen_svg(app, "smtp-sim present demo-journey"))


async def shot_whole_flow() -> None:
    """The whole flow diagram of the classroom scenario's first message (smtp-sim run --svg)."""
    world = build_world(load_scenario("classroom"))
    world.run(until=4.0)
    save(
        "flow-classroom.svg",
        await exports.render_flow(world, title="smtp-sim run classroom --until 4s --svg"),
    )


async def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for shot in (shot_lesson, shot_flow_tab, shot_presenter, shot_whole_flow):
        await shot()


if __name__ == "__main__":
    asyncio.run(main())
