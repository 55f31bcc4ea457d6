"""The lesson panel's step text: a lesson's Markdown drawn by ONE widget (:class:`LessonText`).

Textual's Markdown mounts a widget for every paragraph, heading, list, list item, bullet and code
block (a step text held 15 to 40 of them): styled, laid out and rendered one by one, they were a
third of a web session's widgets and the largest part of its start-up after the imports (issue
16). Here markdown-it's blocks are laid out as rows by one visual, as Textual's Markdown drew them
(same parser, same inline styles, margins, bullets and wrapping; the course's every step compared
row for row at 120 and 80 columns, ``tests/tui/test_lesson_text.py``), with two differences:
code blocks are not coloured by a guessed lexer, and host names are not links.

A lesson's code blocks are lines a student types or reads byte by byte (``MAIL
FROM:<ceo@bank.example><CR><LF>``, a MIME header with its boundary): a long line is broken
after its last space that fits (a word longer than the row at the width), no character moved
or dropped, and each continuation row starts with a dim ``↪`` so it reads as the same line.
Tables share the width by what their columns hold (:func:`column_widths`), or are stacked
(``header: cell``) when even their words do not fit side by side.

The mouse selects text as in any Textual widget: what is copied is the text as written, a
paragraph on one line, code without the continuation marks.

Imported with the lesson (it imports markdown-it, which the app's first frame does not load).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import accumulate
from typing import TYPE_CHECKING, ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from textual.content import Content, Span
from textual.strip import Strip
from textual.style import Style
from textual.visual import RenderOptions, Visual
from textual.widget import Widget

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token
    from textual.css.styles import RulesMap
    from textual.geometry import Spacing
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


def _words(columns: list[list[str]], pad: int) -> int:
    """The cells a table's longest words need, with ``pad`` beside each column's."""
    return sum(
        max((cell_len(word) for text in cells for word in text.split()), default=0) + pad
        for cells in columns
    )


def _stacked(headers: list[str], rows: list[list[str]]) -> Content:
    """A table as lines, a row at a time: ``header: cell``, a blank line between rows."""
    out: list[Content] = []
    for number, row in enumerate(rows):
        if number:
            out.append(Content(""))
        for header, cell in zip(headers, row, strict=False):
            out.append(Content.assemble((f"{header}: ", "bold"), cell))
    return Content("\n").join(out)


# -- the blocks ---------------------------------------------------------------------------------

#: Unordered lists' bullets, by depth (Textual's Markdown.BULLETS).
BULLETS = ["\u2022 ", "\u25aa ", "\u2023 ", "\u2b51 ", "\u25e6 "]

_PARSER: MarkdownIt | None = None


def _parser() -> MarkdownIt:
    """Textual's Markdown parser ("gfm-like"), made once for the process (smtp-sim web's
    zygote makes it before it forks its sessions)."""
    global _PARSER
    if _PARSER is None:
        from markdown_it import MarkdownIt

        _PARSER = MarkdownIt("gfm-like")
    return _PARSER


@dataclass(eq=False)
class Block:
    """One of markdown-it's blocks: ``heading``, ``paragraph``, ``code``, ``list``, ``item``
    (a list's), ``table``, ``quote`` or ``rule``."""

    kind: str
    content: Content = field(default_factory=Content)
    level: int = 0  # a heading's
    bullet: str = ""  # an item's
    children: list[Block] = field(default_factory=list)
    headers: list[Content] = field(default_factory=list)  # a table's
    rows: list[list[Content]] = field(default_factory=list)


def inline_content(token: Token) -> Content:
    """An inline token as Textual's Markdown shows it (``MarkdownBlock._token_to_content``):
    spaces collapsed, a soft break a space; `code`, *em*, **strong** and ~~s~~ as component
    classes of :class:`LessonText`. Links are their text."""
    import re

    pieces: list[str] = []
    spans: list[Span] = []
    stack: list[tuple[str, int]] = []
    position = 0

    def add(text: str) -> None:
        nonlocal position
        pieces.append(text)
        position += len(text)

    for child in token.children or []:
        kind = child.type
        if kind == "text":
            add(re.sub(r"\s+", " ", child.content))
        elif kind == "hardbreak":
            add("\n")
        elif kind == "softbreak":
            add(" ")
        elif kind == "code_inline":
            start = position
            add(child.content)
            spans.append(Span(start, position, ".code_inline"))
        elif kind in ("em_open", "strong_open", "s_open"):
            stack.append((f".{kind[:-5]}", position))
        elif kind == "image":
            add(f"({child.attrs.get('alt', '') or child.content})")
        elif kind in ("em_close", "strong_close", "s_close") and stack:
            style, start = stack.pop()
            spans.append(Span(start, position, style))
    return Content("".join(pieces), spans=spans)


def parse_blocks(markdown: str) -> list[Block]:
    """``markdown``'s blocks, as Textual's Markdown builds its widgets from markdown-it's
    tokens (``Markdown._parse_markdown``)."""
    blocks: list[Block] = []
    stack: list[Block] = []
    cells: list[tuple[str, Content]] = []  # the open table's: ("tr", ...), ("th"/"td", cell)

    def close(block: Block) -> None:
        (stack[-1].children if stack else blocks).append(block)

    for token in _parser().parse(markdown):
        kind = token.type
        if kind == "heading_open":
            stack.append(Block("heading", level=int(token.tag[1:])))
        elif kind == "paragraph_open":
            stack.append(Block("paragraph"))
        elif kind == "blockquote_open":
            stack.append(Block("quote"))
        elif kind in ("bullet_list_open", "ordered_list_open"):
            stack.append(Block("list", level=kind == "ordered_list_open"))
        elif kind == "list_item_open":
            depth = sum(1 for b in stack if b.kind == "item" and not b.level)
            ordered = bool(token.info)
            item = Block("item", bullet=token.info if ordered else BULLETS[depth % len(BULLETS)])
            item.level = ordered
            stack.append(item)
        elif kind == "table_open":
            stack.append(Block("table"))
            cells = []
        elif kind in ("tr_open", "th_open", "td_open"):
            cells.append((kind[:2], Content()))
        elif kind == "inline":
            if stack and stack[-1].kind == "table":
                if cells:
                    cells[-1] = (cells[-1][0], inline_content(token))
            elif stack:
                stack[-1].content = inline_content(token)
        elif kind in ("fence", "code_block"):
            close(Block("code", content=Content(token.content.rstrip())))
        elif kind == "hr":
            close(Block("rule"))
        elif kind in ("thead_open", "tbody_open") or kind in (
            "thead_close",
            "tbody_close",
            "tr_close",
            "th_close",
            "td_close",
        ):
            pass
        elif kind.endswith("_close") and stack:
            block = stack.pop()
            if block.kind == "table":
                for what, cell in cells:
                    if what == "th":
                        block.headers.append(cell)
                    elif what == "tr":
                        block.rows.append([])
                    elif block.rows:
                        block.rows[-1].append(cell)
                block.rows = [row for row in block.rows if row]
            elif block.kind == "list" and block.level:  # numbered as Textual numbers them
                try:
                    first = int(block.children[0].bullet) if block.children else 1
                except ValueError:
                    first = 1
                numbers = [f"{n}. " for n in range(first, first + len(block.children))]
                size = max((len(n) for n in numbers), default=0)
                for item, number in zip(block.children, numbers, strict=True):
                    item.bullet = number.rjust(size + 1)
            close(block)
    return blocks


# -- the layout ---------------------------------------------------------------------------------

#: A piece of a row: its content, and where its text is in the selectable text (line, offset;
#: line -1: none, as an indent).
Piece = tuple[Content, int, int]
Row = list[Piece]


class _Layout:
    """The rows of a document at a width, and the text the mouse selects in it (``lines``)."""

    def __init__(self, margins: dict[str, tuple[int, int]]) -> None:
        self.margins = margins
        self.lines: list[str] = []
        self.rows: list[Row] = []
        #: Each top-level block's kind and rows (start, end).
        self.blocks: list[tuple[str, int, int]] = []

    def line(self, text: str) -> int:
        self.lines.append(text)
        return len(self.lines) - 1

    def stack(self, blocks: list[Block], width: int, parent: str, last_margin: bool) -> list[Row]:
        """Blocks one below the other as Textual's vertical layout puts them: the margins
        between two blocks collapse (the larger counts), the first's top margin counts, the
        last's bottom margin only when ``last_margin``."""
        rows: list[Row] = []
        below: int | None = None
        blank = -1
        for block in blocks:
            top, bottom = self.margin(block, parent)
            gap = top if below is None else max(below, top)
            if gap:
                blank = self.line("") if below is not None else -1
                rows.extend([[(Content(""), blank, 0)] for _ in range(gap)])
            elif below is not None and parent == "":
                self.line("")  # (a paragraph break in the selected text all the same)
            start = len(rows)
            rows.extend(self.block(block, width))
            if parent == "":
                self.blocks.append((block.kind, start, len(rows)))
            below = bottom
        if below and last_margin:
            rows.extend([[(Content(""), -1, 0)] for _ in range(below)])
        return rows

    def margin(self, block: Block, parent: str) -> tuple[int, int]:
        kind = block.kind
        if kind in ("heading", "code"):
            return self.margins[kind]
        if kind == "paragraph":
            return (0, 1) if parent == "" else (0, 0)
        if kind == "list":
            return (0, 0) if parent == "item" else (0, 1)
        if kind == "quote":
            return (1, 1)
        if kind in ("table", "rule"):
            return (0, 1)
        return (0, 0)

    def block(self, block: Block, width: int) -> list[Row]:
        kind = block.kind
        if kind == "heading":
            return self.text(block.content, width, ".lesson-text--heading")
        if kind == "paragraph":
            return self.text(block.content, width, "")
        if kind == "code":
            return self.code(block.content, width)
        if kind == "list":
            return [row for item in block.children for row in self.item(item, width)]
        if kind == "item":
            return self.item(block, width)
        if kind == "table":
            return self.table(block, width)
        if kind == "quote":
            bar = Content.styled("\u258e ", ".lesson-text--bullet")
            inner = self.stack(block.children, max(width - 2, 1), "quote", False)
            return [[(bar, -1, 0), *row] for row in inner]
        return [[(Content.styled("\u2500" * width, ".lesson-text--rule"), -1, 0)]]

    def text(self, content: Content, width: int, style: str, prefix: str = "") -> list[Row]:
        """``content`` wrapped to ``width`` as a Static wraps it; ``style`` fills its rows."""
        rows: list[Row] = []
        for line_number, line in enumerate(content.split("\n", allow_blank=True)):
            y = self.line((prefix if line_number == 0 else "") + line.plain)
            plain = line.plain
            x = 0
            for piece in line.wrap(max(width, 1)):
                found = plain.find(piece.plain, x) if piece.plain else x
                x = found if found != -1 else x
                offset = x + (len(prefix) if line_number == 0 else 0)
                row: Row = [(piece.stylize_before(style) if style else piece, y, offset)]
                if style and piece.cell_length < width:
                    row.append((Content.styled(" " * (width - piece.cell_length), style), -1, 0))
                rows.append(row)
                x += len(piece.plain)
        return rows

    def code(self, content: Content, width: int) -> list[Row]:
        style = ".lesson-text--code"
        rows: list[Row] = []
        for line in content.split("\n", allow_blank=True):
            line = line.expand_tabs(8)
            y = self.line(line.plain)
            for x, piece in code_rows(line, width):
                row: Row = []
                if x:
                    row.append((Content.styled(CONTINUED, f"{style} dim"), -1, 0))
                row.append((piece.stylize_before(style), y, x))
                used = (len(CONTINUED) if x else 0) + piece.cell_length
                if used < width:
                    row.append((Content.styled(" " * (width - used), style), -1, 0))
                rows.append(row)
        return rows

    def item(self, item: Block, width: int) -> list[Row]:
        """A list item: its bullet, and beside it its blocks (Textual's Horizontal(bullet,
        Vertical(blocks)))."""
        bullet = Content.styled(item.bullet, ".lesson-text--bullet")
        size = bullet.cell_length
        inner = self.stack(item.children, max(width - size, 1), "item", True) or [[]]
        indent = Content(" " * size)
        return [[(bullet if n == 0 else indent, -1, 0), *row] for n, row in enumerate(inner)]

    def table(self, table: Block, width: int) -> list[Row]:
        return _table_rows(self, table, width)


def _table_rows(layout: _Layout, table: Block, width: int) -> list[Row]:
    headers = [h.plain for h in table.headers]
    rows = [[c.plain for c in row] for row in table.rows]
    if not headers:
        return []
    columns = [[headers[i], *(row[i] for row in rows if i < len(row))] for i in range(len(headers))]
    room = width - 2 - (len(headers) - 1)  # (the keylines: one cell each side, one between)
    out: list[Row] = []
    if _words(columns, 0) > room:  # stacked: "header: cell", a row at a time
        for number, row in enumerate(table.rows):
            if number:
                out.append([(Content(""), layout.line(""), 0)])
            for header, cell in zip(table.headers, row, strict=False):
                label = Content.assemble((f"{header.plain}: ", "bold"), cell)
                out.extend(layout.text(label, width, ""))
        return out
    pad = 0 if _words(columns, 1) > room else 1
    widths = _expanded(column_widths(columns, room, pad=pad), room)
    line = ".lesson-text--keyline"

    def rule(left: str, middle: str, right: str) -> Row:
        text = left + middle.join("\u2500" * w for w in widths) + right
        return [(Content.styled(text, line), -1, 0)]

    def cells_row(cells: list[Content], header: bool) -> list[Row]:
        wrapped = []
        for cell, w in zip(cells, widths, strict=False):
            room_ = max(w - pad, 1)
            cell = cell.stylize_before(".lesson-text--table-header") if header else cell
            wrapped.append(cell.wrap(room_))
        height = max((len(w) for w in wrapped), default=1)
        y = layout.line(" ".join(c.plain for c in cells))
        drawn: list[Row] = []
        for r in range(height):
            row: Row = [(Content.styled("\u2502", line), -1, 0)]
            for n, (pieces, w) in enumerate(zip(wrapped, widths, strict=False)):
                if n:
                    row.append((Content.styled("\u2502", line), -1, 0))
                # (header cells sit at the bottom of their row, as Textual aligns them)
                shift = height - len(pieces) if header else 0
                piece = pieces[r - shift] if 0 <= r - shift < len(pieces) else Content("")
                cell_text = Content(" " * pad) + piece
                row.append((cell_text.pad_right(max(w - cell_text.cell_length, 0)), y, 0))
            row.append((Content.styled("\u2502", line), -1, 0))
            drawn.append(row)
        return drawn

    out.append(rule("\u250c", "\u252c", "\u2510"))
    out.extend(cells_row(table.headers, True))
    for row in table.rows:
        out.append(rule("\u251c", "\u253c", "\u2524"))
        out.extend(cells_row(row, False))
    out.append(rule("\u2514", "\u2534", "\u2518"))
    return out


def _expanded(widths: list[int], room: int) -> list[int]:
    """Columns narrower than the room together widened to fill it, each by its share, as
    Textual's grid does (``_resolve.resolve`` with ``expand``): a column ends at the floor of
    the columns' running total."""
    used = sum(widths)
    if not used or used >= room:
        return widths
    ends = [total * room // used for total in accumulate(widths)]
    return [end - start for start, end in zip([0, *ends], ends, strict=False)]


class Document(Visual):
    """A lesson's Markdown as rows (see the module), laid out once a width."""

    def __init__(self, blocks: list[Block], margins: dict[str, tuple[int, int]]) -> None:
        self.blocks = blocks
        self.margins = margins
        self._layouts: dict[int, _Layout] = {}

    def layout(self, width: int) -> _Layout:
        layout = self._layouts.get(width)
        if layout is None:
            layout = _Layout(self.margins)
            layout.rows = layout.stack(self.blocks, width, "", False)
            if len(self._layouts) > 3:
                self._layouts.clear()
            self._layouts[width] = layout
        return layout

    def get_optimal_width(self, rules: RulesMap, container_width: int) -> int:
        return container_width

    def get_height(self, rules: RulesMap, width: int) -> int:
        return len(self.layout(width).rows)

    def render_strips(
        self, width: int, height: int | None, style: Style, options: RenderOptions
    ) -> list[Strip]:
        if not width:
            return []
        layout = self.layout(width)
        selection, selected = options.selection, options.selection_style
        lines = layout.lines
        strips = []
        for row in layout.rows[:height] if height is not None else layout.rows:
            segments: list[Segment] = []
            used = 0
            for content, y, x in row:
                if y >= 0 and selection is not None and selected is not None:
                    span = selection.get_span(y)
                    if span is not None:
                        start, end = span
                        end = len(lines[y]) if end == -1 else end
                        start, end = max(start - x, 0), min(end - x, len(content.plain))
                        if start < end:
                            content = content.stylize(selected, start, end)
                for text, text_style in content.render(
                    style, end="", parse_style=options.get_style
                ):
                    full = style + text_style
                    if y >= 0:  # (the offset in the text: selection maps the screen back by it)
                        segments.append(Segment(text, full.rich_style_with_offset(x, y)))
                        x += len(text)
                    else:
                        segments.append(Segment(text, full.rich_style))
                used += content.cell_length
            if used < width:
                segments.append(Segment(" " * (width - used), style.rich_style))
            strips.append(Strip(segments, width))
        return strips


class LessonText(Widget):
    """A step's text (Markdown) in one widget: :meth:`update` it with the text."""

    ALLOW_SELECT = True
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "code_inline",
        "em",
        "strong",
        "s",
        "lesson-text--heading",
        "lesson-text--code",
        "lesson-text--bullet",
        "lesson-text--table-header",
        "lesson-text--keyline",
        "lesson-text--rule",
    }
    # (the styles of Textual's Markdown: inline code, an H3, a fence, a bullet, a table)
    DEFAULT_CSS = """
    LessonText {
        width: 1fr; height: auto; padding: 0 2; color: $foreground;
        &:dark > .code_inline { background: $warning 10%; color: $text-warning 95%; }
        &:light > .code_inline { background: $error 5%; color: $text-error 95%; }
        &:ansi > .code_inline { background: ansi_default; }
        & > .em { text-style: italic; }
        & > .strong { text-style: bold; }
        & > .s { text-style: strike; }
        & > .lesson-text--heading {
            color: $markdown-h3-color; background: $markdown-h3-background;
            text-style: $markdown-h3-text-style; margin: 1 0;
        }
        & > .lesson-text--code { color: rgb(210,210,210); background: $primary 15%; margin: 1 0; }
        &:ansi > .lesson-text--code { background: transparent; margin: 0; }
        & > .lesson-text--bullet { color: $text-primary; }
        &:light > .lesson-text--bullet { color: $text-secondary; }
        & > .lesson-text--table-header { color: $primary; text-style: bold; }
        & > .lesson-text--keyline { color: $foreground 20%; }
        & > .lesson-text--rule { color: $secondary; }
    }
    """

    def __init__(self, markdown: str = "", **kwargs) -> None:
        super().__init__(**kwargs)
        self._source = markdown
        self._blocks = parse_blocks(markdown) if markdown else []
        self._document: Document | None = None

    @property
    def source(self) -> str:
        """The Markdown shown."""
        return self._source

    def update(self, markdown: str) -> None:
        """Show ``markdown`` (laid out and drawn at the next refresh)."""
        if markdown == self._source:
            return
        self._source = markdown
        self._blocks = parse_blocks(markdown)
        self._document = None
        self.refresh(layout=True)

    def _margins(self) -> dict[str, tuple[int, int]]:
        def vertical(name: str) -> tuple[int, int]:
            margin: Spacing = self.get_component_styles(name).margin
            return margin.top, margin.bottom

        return {"heading": vertical("lesson-text--heading"), "code": vertical("lesson-text--code")}

    def render(self) -> Document:
        margins = self._margins()
        document = self._document
        if document is None or document.margins != margins:
            if document is not None:  # (a style changed the margins: the height follows)
                self.call_later(self.refresh, layout=True)
            document = self._document = Document(self._blocks, margins)
        return document

    def drawn_rows(self, width: int | None = None) -> list[str]:
        """The rows drawn at ``width`` (the widget's), as plain text."""
        layout = self.render().layout(self.content_region.width if width is None else width)
        return ["".join(content.plain for content, _y, _x in row) for row in layout.rows]

    def drawn_blocks(self, width: int | None = None) -> list[tuple[str, list[str]]]:
        """Each block's kind (``code``, ``table``...) and its rows as :meth:`drawn_rows`."""
        rows = self.drawn_rows(width)
        layout = self.render().layout(self.content_region.width if width is None else width)
        return [(kind, rows[start:end]) for kind, start, end in layout.blocks]

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        width = self.content_region.width or self.size.width
        text = "\n".join(self.render().layout(width).lines)
        return selection.extract(text), "\n"
