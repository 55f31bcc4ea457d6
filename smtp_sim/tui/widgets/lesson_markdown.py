"""The lesson panel's Markdown: code blocks wrap to the panel's width instead of being cut off.

A lesson's code blocks are lines a student types or reads byte by byte (``MAIL
FROM:<ceo@bank.example><CR><LF>``, a MIME header with its boundary). Textual's fence scrolls
sideways with its scrollbar hidden, so in a panel 40 columns wide the end of a line was
simply not there. Here a long line is broken at the width, exactly (never at a space, so no
character moves or vanishes), and each continuation row starts with a dim ``↪`` so it reads as
the same line. Selecting and copying gives the original lines, without the marks.

Imported with the lesson (it imports Markdown, which the app's first frame does not load).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.segment import Segment
from textual.content import Content
from textual.strip import Strip
from textual.style import Style
from textual.visual import RenderOptions, Visual
from textual.widgets import Label, Markdown
from textual.widgets.markdown import MarkdownBlock, MarkdownFence

from ..textual_private import fence_code

if TYPE_CHECKING:
    from textual.app import ComposeResult
    from textual.css.styles import RulesMap
    from textual.selection import Selection

#: What starts a continuation row.
CONTINUED = "\u21aa "
_MARK_STYLE = Style(dim=True)


def code_rows(line: Content, width: int) -> list[tuple[int, Content]]:
    """``line`` cut into rows of at most ``width`` cells: (offset in the line, piece). Rows
    after the first leave room for the continuation mark."""
    room = max(width - len(CONTINUED), 1)
    if line.cell_length <= width or width <= len(CONTINUED):
        return [(0, line)]
    rows: list[tuple[int, Content]] = []
    start = 0
    first = True
    plain = line.plain
    while start < len(plain):
        take = width if first else room
        # Cells, not characters: a wide character never straddles two rows.
        end, cells = start, 0
        while end < len(plain):
            cell = cell_len(plain[end])
            if cells + cell > take and end > start:
                break
            cells += cell
            end += 1
        rows.append((start, line[start:end]))
        start, first = end, False
    return rows


class WrappedCode(Visual):
    """Code whose long lines wrap, each continuation row marked with :data:`CONTINUED`."""

    def __init__(self, content: Content) -> None:
        self.content = content
        self._lines = [line.expand_tabs(8) for line in content.split("\n", allow_blank=True)]

    def rows(self, width: int) -> list[tuple[int, int, Content]]:
        """(line number, offset in the line, piece) for each row at ``width`` cells."""
        return [
            (y, x, piece)
            for y, line in enumerate(self._lines)
            for x, piece in code_rows(line, width)
        ]

    def get_optimal_width(self, rules: RulesMap, container_width: int) -> int:
        return max((line.cell_length for line in self._lines), default=0)

    def get_height(self, rules: RulesMap, width: int) -> int:
        return len(self.rows(width))

    def render_strips(
        self, width: int, height: int | None, style: Style, options: RenderOptions
    ) -> list[Strip]:
        if not width:
            return []
        selection = options.selection
        strips = []
        mark = (style + _MARK_STYLE).rich_style
        for y, x, piece in self.rows(width):
            if selection is not None and options.selection_style is not None:
                span = selection.get_span(y)
                if span is not None:
                    start, end = span
                    end = len(self._lines[y].plain) if end == -1 else end
                    start, end = max(start - x, 0), min(end - x, len(piece.plain))
                    if start < end:
                        piece = piece.stylize(options.selection_style, start, end)
            segments = [Segment(CONTINUED, mark)] if x else []
            for text, text_style in piece.render(style, end="", parse_style=options.get_style):
                # The offset in the line (selection maps the screen back to the text by it).
                segments.append(Segment(text, (style + text_style).rich_style_with_offset(x, y)))
                x += len(text)
            strips.append(Strip(segments))
            if height is not None and len(strips) >= height:
                break
        return strips


class CodeLabel(Label):
    """The fence's label: its content drawn as :class:`WrappedCode`."""

    def render(self) -> Visual:
        visual = self.visual
        return WrappedCode(visual if isinstance(visual, Content) else Content(str(visual)))

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        visual = self.visual
        text = visual.plain if isinstance(visual, Content) else str(visual)
        return selection.extract(text), "\n"


class WrappedFence(MarkdownFence):
    """A code block that wraps (see the module)."""

    DEFAULT_CSS = """
    WrappedFence { overflow: hidden hidden; margin: 1 0; background: $primary 15%; }
    WrappedFence > CodeLabel { width: 1fr; padding: 0; }
    """

    @property
    def allow_horizontal_scroll(self) -> bool:
        return False

    def compose(self) -> ComposeResult:
        yield CodeLabel(fence_code(self), id="code-content", expand=True)


class LessonMarkdown(Markdown):
    """Markdown whose code blocks wrap (:class:`WrappedFence`), and headings too (Textual's
    are as wide as their text, so a long step title was cut off)."""

    DEFAULT_CSS = """
    LessonMarkdown MarkdownHeader { width: 1fr; }
    """

    # (Markdown declares BLOCKS without ClassVar: a ClassVar here would not override it)
    BLOCKS: dict[str, type[MarkdownBlock]] = {  # noqa: RUF012
        **Markdown.BLOCKS,
        "fence": WrappedFence,
        "code_block": WrappedFence,
    }
