"""Every key of the app in one table: the order F1, the footer and the palette list them in,
which are app-wide (bound on the App: help, the theme, quit) and which are the main screen's
(bound on :class:`~smtp_sim.tui.screens.main.MainScreen`: the lesson, the playback, the views).

Each key is a Binding with a description, a tooltip and an id, so the footer, the help
screen and the command palette explain the app, and keys can be remapped.
"""

from __future__ import annotations

from textual.binding import Binding

#: The keys, in the order they are listed (the help screen, the palette, the footer's line).
#: ctrl+f: the console's input does not use it.
KEYS: tuple[Binding, ...] = (
    Binding("f1", "help", "Help", id="app.help", tooltip="Every key, and how to use the app"),
    Binding("f2", "hint", "Hint", id="lesson.hint", tooltip="A hint for this step"),
    Binding(
        "f3",
        "previous_step",
        "Prev step",
        id="lesson.previous",
        tooltip="The lesson's previous step",
    ),
    Binding("f4", "next_step", "Next step", id="lesson.next", tooltip="The lesson's next step"),
    Binding(
        "f5",
        "play_pause",
        "Play/Pause",
        id="sim.play",
        tooltip="Run the simulation event by event, or pause it",
    ),
    Binding(
        "f6",
        "step_back",
        "Step back",
        id="sim.back",
        tooltip="Undo the last event (the network is replayed up to it)",
    ),
    Binding(
        "f7", "step_forward", "Step forward", id="sim.step", tooltip="Run the next scheduled event"
    ),
    Binding(
        "f8",
        "speed",
        "Speed",
        id="sim.speed",
        tooltip="Cycle the playing speed (events per second)",
    ),
    Binding(
        "f9",
        "reset",
        "Reset",
        id="sim.reset",
        tooltip="Back to the start; typed lines stay in the history",
    ),
    Binding(
        "f10",
        "toggle_lesson",
        "Lesson panel",
        id="view.lesson_panel",
        tooltip="Show or hide the lesson panel",
    ),
    # Not in the footer (full at 80 columns): F1 and the palette list them. Keys a typing
    # student never types (the console's input binds none of them).
    Binding(
        "ctrl+l",
        "focus_lesson",
        "Read the lesson",
        show=False,
        id="view.lesson_text",
        tooltip="Focus the lesson text: Up/Down, PageUp/PageDown, Home/End scroll it; Tab goes "
        "on to the quiz (Tab again to a choice, Enter chooses it; or type a short answer), "
        "Escape back to the console",
    ),
    Binding(
        "ctrl+g",
        "focus_view",
        "Go into the view",
        show=False,
        id="view.focus",
        tooltip="Move into the tab on show (Mailboxes, Events, Flow...): Up/Down choose, Enter "
        "opens; Escape (or typing) goes back to the console",
    ),
    Binding(
        "ctrl+pagedown",
        "next_tab",
        "Next view",
        show=False,
        id="view.next_tab",
        tooltip="The next tab: Map, Flow, Events, Inspector, Mailboxes, Queues",
    ),
    Binding(
        "ctrl+pageup",
        "previous_tab",
        "Previous view",
        show=False,
        id="view.previous_tab",
        tooltip="The tab before",
    ),
    Binding(
        "ctrl+t",
        "high_contrast",
        "High contrast",
        id="view.high_contrast",
        tooltip="Switch the high-contrast theme on or off",
    ),
    Binding(
        "ctrl+f",
        "filter_events",
        "Filter events",
        id="events.filter",
        tooltip="Show one layer or one host in the event list",
    ),
    Binding(
        "ctrl+s",
        "export",
        "Export\u2026",
        id="app.export",
        tooltip="Save the transcript, the trace, your attempt or a picture",
    ),
    Binding(
        "ctrl+o",
        "course_overview",
        "Course",
        show=False,  # (the footer is full: F1 and the palette list it)
        id="lesson.course",
        tooltip="Every lesson of the course with your progress; Enter opens one",
    ),
    Binding(
        "ctrl+q",
        "quit",
        "Quit",
        id="app.quit",
        priority=True,
        tooltip="Leave smtp-sim (progress is saved)",
    ),
    Binding(
        "escape",
        "focus_console",
        "Back to the console",
        show=False,
        id="app.console",
        tooltip="Back to the console's input line, from anywhere",
    ),
)

#: Bound on the App (the main screen binds the others): help, the theme and quit, which
#: work while the lesson loads (SmtpSimApp.check_action).
APP_WIDE: frozenset[str] = frozenset({"app.help", "view.high_contrast", "app.quit"})
APP_KEYS: list[Binding] = [key for key in KEYS if key.id in APP_WIDE]
MAIN_KEYS: list[Binding] = [key for key in KEYS if key.id not in APP_WIDE]

#: What the footer keeps when the line is too narrow for every key (binding ids, most
#: important first); F1 and the palette list them all. At 80 columns: F1-F7 and Quit.
FOOTER_PRIORITY: tuple[str, ...] = (
    "app.help",
    "lesson.hint",
    "sim.play",
    "sim.step",
    "sim.back",
    "app.quit",
    "lesson.next",
    "lesson.previous",
    "events.filter",
    "app.export",
    "sim.reset",
    "sim.speed",
    "view.lesson_panel",
    "view.high_contrast",
)

#: Shorter descriptions for a footer too narrow for every key (the tooltips, F1 and the
#: palette keep the full ones).
FOOTER_SHORT: dict[str, str] = {
    "lesson.previous": "Prev",
    "lesson.next": "Next",
    "sim.play": "Play",
    "sim.back": "Back",
    "sim.step": "Step",
    "events.filter": "Filter",
    "app.export": "Export",
    "view.lesson_panel": "Panel",
    "view.high_contrast": "Contrast",
}
