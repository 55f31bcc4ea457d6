"""The main screen's layout: the lesson panel on the left; on the right the views in tabs,
the console and the explanation of the last reply; the status line and the footer at the
bottom.

While the lesson loads (startup.py), the first frame has placeholders where the lesson panel,
the tabbed views and the footer go; :func:`replace_placeholders` puts them in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Header, Static, TabbedContent, TabPane

from ..loading import LOADING, TABS
from ..widgets.console import Console
from ..widgets.footer import KeyFooter
from ..widgets.lesson_panel import LessonPanel
from ..widgets.text_pane import TextPane

if TYPE_CHECKING:
    from textual.app import ComposeResult
    from textual.screen import Screen
    from textual.widget import Widget


def compose_main(views: dict[str, Widget]) -> ComposeResult:
    """The screen with ``views`` (by pane id); none: the first frame's placeholders."""
    yield Header()
    with Horizontal(id="main"):
        if views:
            yield LessonPanel(id="lesson")
        else:
            yield Static(LOADING, id="lesson-loading")
        with Vertical(id="right"):
            if views:
                with TabbedContent(id="views"):
                    for title, pane in TABS:
                        with TabPane(title, id=pane):
                            yield views[pane]
            else:  # (the tab bar is the costliest part of the first frame: it comes later)
                yield Static(LOADING, id="views-loading", classes="loading")
            yield Console(id="console")
            with VerticalScroll(id="explain-box"):  # (a long explanation scrolls)
                yield Static("", id="explain")
    yield Static("", id="status")
    if views:
        yield KeyFooter()  # the keys that fit the width, most important first
    else:  # (built once the lesson is in: it would be rebuilt as the keys come alive)
        yield Static("", id="footer-loading")


async def replace_placeholders(screen: Screen[None], views: dict[str, Widget]) -> None:
    """The lesson panel (unless its preview put it in) and the tabs with ``views`` (by pane
    id), in place of the first frame's placeholders (the footer comes last: :func:`mount_footer`)."""
    for waiting in screen.query("#lesson-loading"):  # (none after a preview: the panel is in)
        await screen.query_one("#main").mount(LessonPanel(id="lesson"), before=waiting)
        await waiting.remove()
    waiting = screen.query_one("#views-loading")
    for view in views.values():  # (the views take its place: its width is theirs)
        if isinstance(view, TextPane):
            view.width_hint = waiting.content_region.width
    tabs = TabbedContent(id="views")
    await screen.query_one("#right").mount(tabs, before=waiting)
    await waiting.remove()
    for title, pane in TABS:
        await tabs.add_pane(TabPane(title, views[pane], id=pane))


async def mount_footer(screen: Screen[None]) -> None:
    """The footer in place of its placeholder, once the lesson is in and the keys are alive:
    its keys are built once, with the screen's bindings as they are now."""
    footer = screen.query_one("#footer-loading")
    await screen.mount(KeyFooter(bindings_ready=True), before=footer)
    await footer.remove()
