"""The lesson panel's Markdown: code blocks wrap to the panel's width instead of being cut off.

A lesson's code blocks are lines a student types or reads byte by byte (``MAIL
FROM:<ceo@bank.example><CR><LF>``, a MIME header with its boundary). Textual's fence scrolls
sideways with its scrollbar hidden, so in a panel 40 columns wide the end of a line was
simply not there. Here a long line is broken after its last space that fits (a word longer
than the row at the width), no character moved or dropped, and each continuation row starts
with a dim ``↪`` so it reads as the same line. Selecting and copying gives the original lines, without the marks.

Imported with the lesson (it imports Markdown, which the app's first frame does not load).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.segment import Segment
from textual import events
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
    after the first leave room for the continuation mark. A row ends after a space when it
    has one, so words stay whole (``crlf.crlf``, not ``crlf.crl`` and ``f``); a word longer
    than a row is cut at the width, and then the row before it is filled, not ended at its
    space (``MAIL FROM:<ceo@bank.example><C`` and ``R><LF>``, not ``MAIL`` alone). The space stays at the end of its row: no character
    moves or vanishes."""
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
        if end < len(plain) and plain[end] != " ":  # the row would end inside a word
            space = plain.rfind(" ", start, end)
            after = plain.find(" ", space + 1)
            word = plain[space + 1 : after if after != -1 else len(plain)]
            # After the space, unless the word after it is cut anyway: "MAIL" alone on a row
            # read as a command of its own ("MAIL" / "FROM:<ceo@bank.example><CR><" / "LF>").
            if space > start and plain[start:space].strip() and cell_len(word) <= room:
                end = space + 1
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


def column_widths(columns: list[list[str]], room: int, pad: int = 1) -> list[int]:
    """Widths for a table's columns (each a list of its cells' texts) in ``room`` cells, as a
    browser lays out a table: every column as wide as its longest cell when they all fit;
    else each gets its longest word (so no word is broken) and the room left goes to the
    columns with more to say, those that lack least filled first; when even the words do not
    fit, they share the room in proportion to them. ``pad``: the cells' padding."""
    natural = [max((cell_len(text) for text in cells), default=0) + pad for cells in columns]
    words = [
        max((cell_len(word) for text in cells for word in text.split()), default=0) + pad
        for cells in columns
    ]
    if sum(natural) <= room:
        return natural
    if sum(words) > room:
        total = sum(words) or 1
        widths = [max(1 + pad, room * w // total) for w in words]
    else:  # the room left, shared as water fills: the columns that lack least are filled first
        widths = list(words)
        spare = room - sum(words)
        order = sorted(range(len(widths)), key=lambda i: natural[i] - words[i])
        for left, i in enumerate(order):
            give = min(natural[i] - words[i], spare // (len(order) - left))
            widths[i] += give
            spare -= give
    widths[max(range(len(widths)), key=lambda i: natural[i] - widths[i])] += room - sum(widths)
    return widths


#: Textual's Markdown table block (its module does not export the class; BLOCKS names it).
_MarkdownTable: type[MarkdownBlock] = Markdown.BLOCKS["table_open"]


def _words(columns: list[list[str]], pad: int) -> int:
    """The cells a table's longest words need, with ``pad`` beside each column's."""
    return sum(
        max((cell_len(word) for text in cells for word in text.split()), default=0) + pad
        for cells in columns
    )


class LessonTable(_MarkdownTable):  # type: ignore[valid-type,misc]
    """A table whose columns share the panel's width by what they hold (:func:`column_widths`):
    Textual's shrinks every column alike, so a short cell (``(submission)``) was cut while a
    long one had room to spare. Without padding when the words fit only so; stacked, one
    ``header: cell`` line each, when even the words do not fit side by side (a 3-column
    table in a panel 26 cells wide)."""

    DEFAULT_CSS = """
    LessonTable MarkdownTableContent > .cell { text-overflow: fold; padding: 0 0 0 1; }
    LessonTable MarkdownTableContent > .header { text-overflow: fold; padding: 0 0 0 1; }
    LessonTable.-tight MarkdownTableContent > .cell { padding: 0; }
    LessonTable.-tight MarkdownTableContent > .header { padding: 0; }
    LessonTable > .stacked { display: none; width: 1fr; height: auto; }
    LessonTable.-stacked > .stacked { display: block; }
    LessonTable.-stacked > MarkdownTableContent { display: none; }
    """

    def compose(self) -> ComposeResult:
        yield from super().compose()
        yield Label("", classes="stacked", expand=True)

    def on_resize(self, event: events.Resize) -> None:
        for content in self.query("MarkdownTableContent"):
            headers = [str(h) for h in getattr(content, "headers", ())]
            rows = [[str(c) for c in row] for row in getattr(content, "rows", ())]
            if not headers:
                continue
            columns = [
                [headers[i], *(row[i] for row in rows if i < len(row))] for i in range(len(headers))
            ]
            # (the grid's keylines: one cell each side, one between columns)
            room = event.size.width - 2 - (len(headers) - 1)
            stacked = _words(columns, 0) > room
            tight = not stacked and _words(columns, 1) > room
            self.set_class(stacked, "-stacked")
            self.set_class(tight, "-tight")
            if stacked:
                self.query_one(".stacked", Label).update(_stacked(headers, rows))
            else:
                widths = column_widths(columns, room, pad=0 if tight else 1)
                content.styles.grid_columns = " ".join(str(width) for width in widths)


def _stacked(headers: list[str], rows: list[list[str]]) -> Content:
    """A table as lines, a row at a time: ``header: cell``, a blank line between rows."""
    out: list[Content] = []
    for number, row in enumerate(rows):
        if number:
            out.append(Content(""))
        for header, cell in zip(headers, row, strict=False):
            out.append(Content.assemble((f"{header}: ", "bold"), cell))
    return Content("\n").join(out)


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
        "table_open": LessonTable,
    }
