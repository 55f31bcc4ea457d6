"""TextPane: a scrollable pane of Rich renderables, rendered with the line API.

The content is a list of renderables (Text, Table, ...) that a subclass builds from the model;
they are rendered to lines once per width, and only the visible lines are drawn. Used by the
Inspector, the mailbox reader and the network map. Build content with Text objects, never
markup strings: what a message contains must show literally.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import ClassVar

from rich.console import RenderableType
from rich.style import Style
from rich.text import Text
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ..theme import text_style

#: Component classes every pane may use; their colours live in styles/views.tcss.
PANE_COMPONENTS = {
    "pane--heading",
    "pane--label",
    "pane--value",
    "pane--eol",
    "pane--bad-eol",
    "pane--client",
    "pane--server",
    "pane--reply-2",
    "pane--reply-3",
    "pane--reply-4",
    "pane--reply-5",
    "pane--muted",
    "pane--header-name",
    "pane--received",
    "pane--mime",
}


class TextPane(ScrollView, can_focus=True):
    """Shows what :meth:`build` returns, re-rendered when the width or the theme changes."""

    COMPONENT_CLASSES: ClassVar[set[str]] = set(PANE_COMPONENTS)

    DEFAULT_CSS = """
    TextPane {
        height: 1fr;
        overflow-y: auto;
        overflow-x: auto;
        scrollbar-gutter: stable;
        padding: 0 1;
    }
    """

    def __init__(
        self,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._builder: Callable[[int], Iterable[RenderableType]] = lambda width: ()
        self._lines: list[Strip] = []
        self._rendered_width = -1
        self._styles: dict[str, Style] = {}
        #: The width its content will have, when known before its first layout (the main
        #: screen's views take the place of a placeholder of that width): drawn once at the
        #: right width, not at a guess and again, with a second layout, once laid out.
        self.width_hint = 0

    # -- content -----------------------------------------------------------------------------

    def set_content(
        self, builder: Callable[[int], Iterable[RenderableType]], *, keep_scroll: bool = False
    ) -> None:
        """Show what ``builder(width)`` returns. It is called again when the width or the theme
        changes, so it should read styles with :meth:`style` each time."""
        self._builder = builder
        self._render_content()
        if not keep_scroll:
            self.scroll_home(animate=False, immediate=True)

    @property
    def lines(self) -> list[str]:
        """The rendered lines as plain text (what a test or a screen reader wants)."""
        return [strip.text for strip in self._lines]

    def style(self, name: str) -> Style:
        """A component's text style (colour and attributes, no background)."""
        style = self._styles.get(name)
        if style is None:
            style = self._styles[name] = text_style(self, name)
        return style

    # -- rendering ---------------------------------------------------------------------------

    def _content_width(self) -> int:
        width = self.scrollable_content_region.width
        if width <= 0:
            width = self.width_hint or max(20, self.size.width - 2)
        return width

    def _render_content(self) -> None:
        if not self.is_mounted:
            return
        width = self._content_width()
        console = self.app.console
        options = console.options.update_width(width).update(highlight=False, markup=False)
        lines: list[Strip] = []
        for renderable in self._builder(width):
            opts = options
            if isinstance(renderable, Text) and renderable.no_wrap:  # a picture: never wrapped
                opts = options.update(
                    width=max(width, renderable.cell_len), no_wrap=True, overflow="ignore"
                )
            for line in console.render_lines(renderable, opts, pad=False, new_lines=False):
                lines.append(Strip(line))
        self._lines = lines
        self._rendered_width = width
        widest = max((strip.cell_length for strip in lines), default=0)
        self.virtual_size = Size(widest, len(lines))
        self.refresh()

    def on_mount(self) -> None:  # Textual also runs ScrollView.on_mount (handlers per class)
        self._render_content()

    def on_resize(self) -> None:
        if self._content_width() != self._rendered_width:
            self._render_content()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()
        if self.is_mounted and self._rendered_width >= 0:
            self._render_content()

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width
        index = scroll_y + y
        base = self.rich_style
        if index >= len(self._lines):
            return Strip.blank(width, base)
        strip = self._lines[index].crop_extend(scroll_x, scroll_x + width, None)
        return strip.apply_style(base)
