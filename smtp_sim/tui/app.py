"""The Textual app: a small App around its main screen, as frogmouth's is.

The App holds what is app-wide: the theme (and remembering it), help (F1), quit, the key
table's order for the footer, F1 and the palette (``tui/keys.py``). Everything about the
lesson or sandbox (the layout, its keys, the palette's commands, the views, the console, the
playback through its controller, start-up, ``--listen``, exports) is the main screen's:
:class:`~smtp_sim.tui.screens.main.MainScreen`, the app's default screen (``app.main``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events
from textual.app import App
from textual.binding import BindingType

from ..course.progress import ProgressStore, default_store
from .keys import APP_KEYS, FOOTER_PRIORITY, FOOTER_SHORT, KEYS
from .loading import course_loader
from .screens.main import MainScreen
from .textual_private import share_parsed_css
from .theme import HIGH_CONTRAST

if TYPE_CHECKING:
    from textual.screen import Screen

    from ..bridge.listen import ListenSpec
    from ..course.lesson import Lesson
    from ..course.preview import LessonPreview


class SmtpSimApp(App[None]):
    CSS_PATH: ClassVar[list[str | PurePath]] = ["styles/views.tcss", "styles/app.tcss"]
    TITLE = "smtp-sim"
    #: The app-wide keys; the main screen binds the others (tui/keys.py has them all).
    BINDINGS: ClassVar[list[BindingType]] = list(APP_KEYS)
    #: Every key in the order listed (F1, the palette, the footer's line), and what the footer
    #: keeps and shortens when the line is narrow (KeyFooter reads them from the app).
    KEYS = KEYS
    FOOTER_PRIORITY = FOOTER_PRIORITY
    FOOTER_SHORT = FOOTER_SHORT
    #: The App's actions that work while the lesson loads (the palette's is dimmed).
    ACTIONS_WITHOUT_LESSON: ClassVar[frozenset[str]] = frozenset({"help", "quit", "high_contrast"})
    #: A steady cursor in the console (``smtp-sim web`` sets it for its sessions: a blink is a
    #: frame sent to every student's browser twice a second, and 60 of them fill the CPUs).
    steady_cursor = False
    #: The app keeps its focus when the browser's terminal loses it (``smtp-sim web`` sets it
    #: for its sessions). Textual's web driver blurs every app as it starts, and a blur or a
    #: focus restyles every widget (some 300: 160 ms of CPU, the first key's echo 300 ms);
    #: all it shows is the header's title faded.
    stays_focused = False

    def __init__(
        self,
        lesson: Lesson | None = None,
        *,
        load: Callable[[], Lesson] | None = None,
        preview: Callable[[], LessonPreview | None] | None = None,
        load_name: str = "The course",
        sandbox: bool = False,
        store: ProgressStore | None = None,
        seed: int | None = None,
        listen: Sequence[ListenSpec] | None = None,
        export_dir: str | Path | None = None,
    ) -> None:
        """Give ``lesson``, or ``load``: a function that reads the lesson, called in a thread
        after the first frame is on screen (the command line's way: the views and the lesson
        panel show "Loading lesson..." for a moment); a ScenarioError it raises is shown as the
        problem page for ``load_name``. ``preview`` (with ``load``): a function that reads what
        the lesson panel shows first (course/preview.py), called before ``load``: the lesson
        is on screen while it is validated and its network built. Until it is loaded
        (``main.is_loaded``) only Help, Quit and the theme work; lines typed are entered and
        the other keys handled once it is, in the order typed.

        ``listen`` (with ``lesson`` only): real ports in front of the scenario's servers
        (``--listen``); raises ListenError when one names nothing in the scenario.
        ``export_dir``: where exports go (default: the current directory)."""
        super().__init__()
        share_parsed_css(self)  # (smtp-sim web's sessions: parsed once, in their zygote)
        self.main = MainScreen(
            lesson,
            load=load,
            preview=preview,
            load_name=load_name,
            sandbox=sandbox,
            store=store,
            seed=seed,
            listen=listen,
            export_dir=export_dir,
        )
        self.register_theme(HIGH_CONTRAST)

    def get_default_screen(self) -> Screen:
        return self.main

    @property
    def shows_problems(self) -> bool:
        """The lesson could not be used: the command exits 2 after the problem page."""
        return self.main.shows_problems

    #: Set by the command line (smtp-sim app, lesson, sandbox): a theme picked in the app is
    #: the next run's (tui/settings.py). Apps built in tests remember nothing.
    remember_theme = False

    def on_mount(self) -> None:
        if self.remember_theme:
            from .settings import remember_theme

            self.theme_changed_signal.subscribe(self, lambda theme: remember_theme(theme.name))

    async def on_event(self, event: events.Event) -> None:
        # What is typed on the main screen reaches its console before a binding or the
        # focused widget sees it (MainScreen.take_typed_key): Textual gives keys to the
        # focused widget first, so only the App can ask before.
        # While the lesson loads, a key that needs it is held (and the keys after it).
        if isinstance(event, events.Key) and not event.is_forwarded:
            if event.key == "ctrl+j":
                # Enter pressed before the terminal left line mode (keys typed as the app
                # starts) arrives as a line feed, ctrl+j: it ends the line as Enter does
                # (and a line feed ends an SMTP command line for Postfix too).
                event = events.Key("enter", "\r")
            if not self.main.is_mounted:
                if self.main.hold_early_key(event):
                    return  # (typed before the first frame: handled once the lesson is open)
            elif (
                self.main.hold_key(event)
                or self.main.take_typed_key(event)
                or await self.main.replay_key(event)
            ):
                return
        if isinstance(event, events.AppBlur) and self.stays_focused:
            return
        await super().on_event(event)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "quit":
            return True
        own = action == "command_palette" or action in self.ACTIONS_WITHOUT_LESSON
        if not own:
            return True  # Textual's own (focus, ...)
        if self.main.shows_problems:
            return False  # the problem page: Quit only
        if not self.main.is_loaded and action not in self.ACTIONS_WITHOUT_LESSON:
            return None  # dimmed in the footer until the lesson is on screen
        return True

    # -- actions ------------------------------------------------------------------------------

    def action_help(self) -> None:
        from .screens.help import HelpScreen

        self.push_screen(HelpScreen(self.KEYS))

    def action_high_contrast(self) -> None:
        self.theme = "textual-dark" if self.theme == HIGH_CONTRAST.name else HIGH_CONTRAST.name

    async def action_quit(self) -> None:
        await self.main.stop_live()
        self.exit()


def start_lesson(
    lesson_id: str | None = None, *, seed: int | None = None, **options: Any
) -> SmtpSimApp:
    """The app on the course: a given lesson, else where the student left off, else lesson 1,
    read before the app starts. ``options``: the app's other keyword arguments (``listen``,
    ``export_dir``)."""
    store = default_store()
    return SmtpSimApp(course_loader(store, lesson_id)(), store=store, seed=seed, **options)
