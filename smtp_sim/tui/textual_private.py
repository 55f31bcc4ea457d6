"""Every use of Textual's private API in smtp-sim, in one place.

Textual has no public way to do these; each is small and named here so that a Textual
upgrade is checked in one file (``tests/tui/test_textual_private.py`` asserts each still
exists, and names the versions it was checked on: ``CHECKED_ON``). pyproject.toml bounds
``textual`` to the versions tested.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets._footer import FooterKey  # the footer's keys (KeyFooter draws its own)

if TYPE_CHECKING:
    from rich.console import RenderableType
    from textual import events
    from textual.app import App
    from textual.widget import Widget
    from textual.widgets.markdown import MarkdownFence

#: The Textual versions these were checked on (the lowest supported and the one developed on).
CHECKED_ON = ("8.2.7", "8.2.8")

__all__ = ["CHECKED_ON", "FooterKey", "fence_code", "forward_key", "screen_render"]


def screen_render(app: App[object]) -> RenderableType:
    """The composited screen, modal layers included: what ``App.export_screenshot`` draws
    (it returns only an SVG; the HTML export needs the same cells)."""
    render: RenderableType | None = app.screen._compositor.render_update(
        full=True, screen_stack=app._background_screens, simplify=True
    )
    assert render is not None  # (None only for a partial update)
    return render


def fence_code(fence: MarkdownFence) -> RenderableType:
    """A Markdown code block's highlighted code (a wrapping fence draws it its own way)."""
    code: RenderableType = fence._highlighted_code
    return code


def forward_key(widget: Widget, event: events.Key) -> None:
    """Give ``widget`` a key through its own queue, after the keys already in it (typed keys
    stay in order when the focus moves to the console)."""
    widget._forward_event(event)
