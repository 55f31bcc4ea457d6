"""Start-up as the command line does it: the first frame first, the lesson read after it.

The app built by ``build_app`` paints its layout with "Loading lesson..." placeholders, then
reads and validates the lesson, builds its world and imports the views in a thread. Until the
lesson is on screen the keys that need it do nothing, and lines typed are entered after.
"""

import asyncio
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from smtp_sim.course.lesson import first_lesson_id, load_lesson
from smtp_sim.course.progress import MemoryProgressStore
from smtp_sim.tui.app import SmtpSimApp
from smtp_sim.tui.launch import build_app
from smtp_sim.tui.loading import lesson_previewer
from smtp_sim.tui.screens.error import ProblemScreen
from smtp_sim.tui.widgets.lesson_panel import LessonPanel

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _no_user_data(tmp_path, monkeypatch):
    monkeypatch.setenv("SMTP_SIM_DATA_DIR", str(tmp_path))


async def loaded(pilot) -> None:
    """Wait until the lesson is on screen."""
    done = asyncio.Event()
    pilot.app.main.when_loaded(done.set)
    await asyncio.wait_for(done.wait(), timeout=60)
    await pilot.pause()


async def shown(pilot) -> None:
    """Wait until the lesson is on screen (its preview, while it loads)."""
    done = asyncio.Event()
    pilot.app.main.when_shown(done.set)
    await asyncio.wait_for(done.wait(), timeout=60)
    await pilot.pause()


async def test_the_course_opens_on_lesson_one_after_the_first_frame():
    app = build_app("app", None)
    assert isinstance(app, SmtpSimApp) and not app.main.is_loaded
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        assert app.main.is_loaded
        assert app.main.lesson.id == first_lesson_id()
        assert app.sub_title == app.main.lesson.title
        assert not app.query("#lesson-loading") and not app.query(".loading")
        assert app.query_one(LessonPanel).step_text.source  # the step's text
        assert app.query_one("#map").display
        assert app.focused is app.query_one("Console").input
        await pilot.press("f4")  # the keys work now
        await pilot.pause()
        assert app.main.playback.session.index == 1


class SlowLoad:
    """A lesson that is read only once the test says (``release``)."""

    def __init__(self, ref: str = "foobar") -> None:
        self.ref = ref
        self.release = threading.Event()

    def __call__(self):
        assert self.release.wait(timeout=60)
        return load_lesson(self.ref)


async def type_in(pilot, text: str) -> None:
    for character in text:
        await pilot.press("space" if character == " " else character)


async def test_keys_that_need_the_lesson_wait_for_it_and_no_key_overtakes_another():
    """F10 (the lesson panel) typed while the lesson loads is handled once it is loaded, and
    the keys typed after it too, after it (ctrl+p's palette gets the letters typed after it);
    the line typed before it is entered first."""
    slow = SlowLoad()
    app = SmtpSimApp(load=slow, store=MemoryProgressStore())
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            assert not app.main.is_loaded
            assert "Loading lesson" in str(app.query_one("#lesson-loading").render())
            await type_in(pilot, "telnet mail.cs.tcd.ie 25")
            await pilot.press("enter")  # a line: entered once the lesson is open
            await type_in(pilot, "hel")
            await pilot.press("f10")  # hide the lesson panel: held, and every key after it
            await type_in(pilot, "o")
            await pilot.press("ctrl+p")  # the palette: held too, after them
            await type_in(pilot, "expo")
            await pilot.pause()
            console = app.query_one("Console")
            assert console.input.value == "hel"
            assert len(app.screen_stack) == 1  # no palette yet
            slow.release.set()
            await loaded(pilot)
            for _ in range(50):
                await pilot.pause()
                if len(app.screen_stack) > 1 and app.screen.query("Input"):
                    break
            session = app.main.playback.session
            assert [line for _step, line in session.inputs] == ["telnet mail.cs.tcd.ie 25"]
            assert session.terminal.state == "open"
            assert not app.query_one(LessonPanel).display  # F10
            assert console.input.value == "helo"
            palette = app.screen
            assert type(palette).__name__ == "CommandPalette"
            assert palette.query_one("Input").value == "expo"
    finally:
        slow.release.set()


async def test_a_line_typed_while_the_lesson_loads_connects_and_the_console_moves_on():
    """The line is entered once the lesson is open, and the console's placeholder says what
    comes next (the task's next line), not "type here, e.g. telnet ..." again: the resize of the
    views' arrival refitted the placeholder it had before the line, later."""
    slow = SlowLoad()
    store = MemoryProgressStore()
    app = SmtpSimApp(load=slow, preview=lesson_previewer(store, "foobar"), store=store)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await shown(pilot)
            await type_in(pilot, "telnet mail.cs.tcd.ie 25")
            await pilot.press("enter")
            await pilot.pause()
            assert not app.main.is_loaded
            slow.release.set()
            await loaded(pilot)
            for _ in range(5):
                await pilot.pause()
            console = app.query_one("Console")
            assert app.main.playback.session.terminal.state == "open"
            assert any(
                "telnet mail.cs.tcd.ie 25" in str(option.prompt)
                for option in console.output.options
            )
            # (the next step's task line: test_console_view)
            assert console.input.placeholder == "e.g. helo FooBar"
            await pilot.resize_terminal(90, 30)
            for _ in range(5):
                await pilot.pause()
            assert "helo FooBar" in console.input.placeholder
    finally:
        slow.release.set()


async def test_a_lesson_file_with_problems_shows_them(tmp_path):
    bad = tmp_path / "bad.toml"
    source = (ROOT / "lessons" / "foobar.toml").read_text(encoding="utf-8")
    bad.write_text("bogus_key = 1\n" + source, encoding="utf-8")
    app = build_app("lesson", str(bad))
    async with app.run_test(size=(100, 30)) as pilot:
        for _ in range(200):
            await pilot.pause(0.05)
            if isinstance(app.screen, ProblemScreen):
                break
        assert isinstance(app.screen, ProblemScreen)
        await pilot.pause()
        text = str(app.screen.query_one("#problems").render())
        assert "bad.toml has problems" in text
        assert "bogus_key" in text
        await pilot.press("f7")  # the app's keys are off: no traceback
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code in (None, 0)


def test_the_first_frame_does_not_import_the_simulation():
    """What the app needs before its first frame stays small: the lesson's preview (tomllib),
    the lesson format (pydantic), the simulation, Markdown, the views, the palette's commands
    and the exports come after it."""
    script = (
        "import sys\n"
        "from smtp_sim.cli import _build_parser\n"
        "_build_parser(personalities=False)\n"
        "from smtp_sim.tui.launch import build_app\n"
        "app = build_app('app', None)\n"
        "heavy = ['pydantic', 'markdown_it', 'smtp_sim.world.world', 'smtp_sim.course.lesson',\n"
        "         'smtp_sim.protocol.server', 'smtp_sim.tui.widgets.network_map',\n"
        "         'email.message', 'tomllib', 'smtp_sim.course.preview',\n"
        "         'smtp_sim.world.network', 'smtp_sim.tui.exporting', 'smtp_sim.tui.palette']\n"
        "print(' '.join(m for m in heavy if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=True,
    )
    assert out.stdout.strip() == ""


async def test_the_footer_keys_are_built_once_and_styled_once(monkeypatch):
    """Between the first frame and the lesson on screen Textual's footer was composed three
    times (at each bindings signal, before it had a width) and each key restyled itself twice
    as it mounted (the footer's ``compact`` bound to its own default)."""
    from textual.widgets._footer import FooterKey

    from smtp_sim.tui.widgets.footer import KeyFooter

    built, restyled = [], []
    init, watch = FooterKey.__init__, FooterKey._watch_compact

    def counted_init(self, *args, **kwargs):
        built.append(args[0])
        init(self, *args, **kwargs)

    def counted_watch(self, compact):
        if self.has_class("-compact") != compact:
            restyled.append(self.key)
        watch(self, compact)

    monkeypatch.setattr(FooterKey, "__init__", counted_init)
    monkeypatch.setattr(FooterKey, "_watch_compact", counted_watch)
    app = build_app("app", None)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        await pilot.pause()
        shown = app.query_one(KeyFooter).query(FooterKey)
        assert len(shown) > 5
        assert len(built) == len(shown)
        assert restyled == []


def test_a_web_session_opens_its_lesson_from_the_course_read_by_its_zygote(monkeypatch):
    """smtp-sim web's zygote reads the built-in course once (launch.rehearse); each session
    it forks then takes its lesson from there instead of reading and validating it again."""
    import smtp_sim.course.lesson as lesson_module
    from smtp_sim.course.lesson import builtin_lessons
    from smtp_sim.tui.loading import course_loader

    course = builtin_lessons()
    parsed = []
    real = lesson_module.parse_document
    monkeypatch.setattr(
        lesson_module, "parse_document", lambda *a, **k: parsed.append(a) or real(*a, **k)
    )
    assert first_lesson_id() == course[0].id
    assert course_loader(MemoryProgressStore())() is course[0]
    assert course_loader(MemoryProgressStore(), "foobar")().id == "foobar"
    assert parsed == []


def test_the_zygote_rehearses_a_session(monkeypatch, capsys):
    """launch.rehearse: the modules a session imports as it runs, the course read, the app
    run once headless to its lesson on screen, and nothing said."""
    import sys

    from smtp_sim.course.lesson import _builtin_course
    from smtp_sim.tui.launch import SESSION_MODULES, rehearse

    monkeypatch.setenv("SMTP_SIM_PROGRESS", "memory")
    _builtin_course.cache_clear()
    rehearse(["app"])
    assert _builtin_course.cache_info().currsize == 1
    assert set(SESSION_MODULES) <= set(sys.modules)
    assert capsys.readouterr() == ("", "")


async def test_no_widget_is_restyled_by_its_order():
    """A rule whose last part was universal (``#step-text > *:last-child``) gave every widget
    of the app an order style, and Textual restyles those (and all they hold) after each
    mount beside them: the lesson on screen took 60% more CPU. (The step text's blocks had
    one, for their last margin: the text is one widget now, and no widget has one.)"""
    app = build_app("app", None)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        assert [n for n in app.screen.walk_children() if n._has_order_style] == []


async def test_the_lesson_is_on_screen_before_its_network_and_its_text_drawn_once():
    """The lesson panel shows the lesson's preview (title, steps, the step's text and task)
    while the lesson is validated and its world built; the lesson then keeps that text."""
    slow = SlowLoad()
    store = MemoryProgressStore()
    app = SmtpSimApp(load=slow, preview=lesson_previewer(store, "foobar"), store=store)
    lesson = load_lesson("foobar")
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await shown(pilot)
            assert not app.main.is_loaded
            assert app.query("#views-loading")  # the network: not yet
            panel = app.query_one(LessonPanel)
            assert lesson.title in str(panel.query_one("#lesson-title").render())
            steps = str(panel.query_one("#steps").render())
            assert all(step.title[:20] in steps for step in lesson.steps)
            assert panel.text == f"### Step 1: {lesson.steps[0].title}\n{lesson.steps[0].text}"
            assert lesson.steps[0].task in str(panel.query_one("#task").render())
            drawn = panel.step_text.render()  # (laid out once a width, until updated)
            slow.release.set()
            await loaded(pilot)
            assert app.query_one(LessonPanel) is panel
            assert panel.step_text.render() is drawn  # (not drawn again)
            assert app.query_one("#map").display
    finally:
        slow.release.set()


async def test_a_returning_student_sees_the_step_left_from_the_first_frame_on():
    """The preview opens where the session will be once the student's lines are typed again
    (StepCursor): no other step's text drawn first."""
    store = MemoryProgressStore()
    lesson = load_lesson("foobar")
    first = SmtpSimApp(lesson, store=store)
    async with first.run_test(size=(120, 40)) as pilot:
        for step in lesson.steps[:2]:
            for line in step.solution:
                first.main._enter(line)
                await pilot.pause()
        for _ in range(20):
            await pilot.pause(0.05)
            if first.main.playback.session.index == 2:
                break
        assert first.main.playback.session.index == 2
        first.main.controller.save_progress()
    slow = SlowLoad()
    app = SmtpSimApp(load=slow, preview=lesson_previewer(store, "foobar"), store=store)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await shown(pilot)
            panel = app.query_one(LessonPanel)
            assert panel.text.startswith(f"### Step 3: {lesson.steps[2].title}\n")
            drawn = panel.step_text.render()
            slow.release.set()
            await loaded(pilot)
            assert app.main.playback.session.index == 2
            assert panel.step_text.render() is drawn
    finally:
        slow.release.set()


def test_start_up_pauses_the_garbage_collector_until_the_lesson_is_on_screen():
    """build_app pauses the cyclic collector (start-up makes some hundred thousand objects);
    it runs again once the lesson is loaded, or when the app closes before."""
    script = (
        "import asyncio, gc\n"
        "from smtp_sim.tui.launch import build_app\n"
        "async def main(wait):\n"
        "    app = build_app('app', None)\n"
        "    assert not gc.isenabled()\n"
        "    async with app.run_test(size=(120, 40)) as pilot:\n"
        "        if wait:\n"
        "            done = asyncio.Event()\n"
        "            app.main.when_loaded(done.set)\n"
        "            await asyncio.wait_for(done.wait(), 60)\n"
        "            assert gc.isenabled()\n"
        "    assert gc.isenabled()\n"
        "asyncio.run(main(True))\n"
        "asyncio.run(main(False))\n"
        "print('ok')\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert out.stdout.strip() == "ok", out.stderr[-2000:]
