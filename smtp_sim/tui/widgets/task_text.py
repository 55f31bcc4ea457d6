"""The task line's text, wrapped so that a command stays whole on its row where it can.

Wrapped at any space, ``Task: Type: mail from:<alice@crepes.fr>`` read as two lines in a
narrow lesson panel (80x24): ``Task: Type: mail`` and ``from:<alice@crepes.fr>``. Here the
space after a command's verb (``mail``, ``rcpt``, ``telnet``, ``/send``...) and after
``from:`` and ``to:`` does not break, nor the one between telnet's host and its port; a command
longer than the row is still broken at its spaces. The text and its spaces are as written
(a copied line is the command).
"""

from __future__ import annotations

import itertools
import re
from typing import TYPE_CHECKING

from rich.cells import cell_len
from textual.content import Content
from textual.visual import Visual

if TYPE_CHECKING:
    from textual.css.styles import RulesMap
    from textual.strip import Strip
    from textual.style import Style
    from textual.visual import RenderOptions

#: Words whose next word belongs to them: a command's verb and what it takes.
VERBS = frozenset(
    [
        "telnet",
        "helo",
        "ehlo",
        "mail",
        "rcpt",
        "from:",
        "to:",
        "vrfy",
        "expn",
        "auth",
        "plain",
        "login",
        "/send",
        "/fault",
        "/wait",
        "/answer",
        "/dns",
        "txt",
        "/tap",
        "/base64",
    ]
)


def glued_spaces(text: str) -> set[int]:
    """The offsets of the spaces in ``text`` that hold a command together."""
    words = list(re.finditer(r"\S+", text))
    glued: set[int] = set()
    for i, (word, after) in enumerate(itertools.pairwise(words)):
        if after.start() != word.end() + 1:  # ("quit   then:": the gap is a break)
            continue
        lower = word.group().lower()
        host_port = i and words[i - 1].group().lower() == "telnet" and after.group().isdigit()
        if lower in VERBS or host_port:
            glued.add(word.end())
    return glued


def wrap_spans(text: str, width: int, glued: set[int]) -> list[tuple[int, int]]:
    """``text`` in rows of at most ``width`` cells, as (start, end) offsets: broken at the
    spaces not in ``glued``; a piece longer than a row at its glued spaces, then anywhere."""
    pieces = [(m.start(), m.end()) for m in re.finditer(r"(?:\S| (?=\S)(?<=\S ))+", text)]
    # (a piece: words joined by single spaces; its breakable spaces split it below)
    units: list[tuple[int, int]] = []
    for start, end in pieces:
        cut = start
        for space in range(start, end):
            if text[space] == " " and space not in glued:
                units.append((cut, space))
                cut = space + 1
        units.append((cut, end))
    rows: list[tuple[int, int]] = []
    for start, end in units:
        if rows and cell_len(text[rows[-1][0] : end]) <= width:
            rows[-1] = (rows[-1][0], end)
        elif cell_len(text[start:end]) <= width:
            rows.append((start, end))
        else:  # longer than a row: at its own spaces, then at the width
            rows.extend(_split(text, start, end, width))
    return rows or [(0, 0)]


def _split(text: str, start: int, end: int, width: int) -> list[tuple[int, int]]:
    rows: list[tuple[int, int]] = []
    while start < end:
        stop, cells = start, 0
        while stop < end and cells + cell_len(text[stop]) <= width:
            cells += cell_len(text[stop])
            stop += 1
        stop = max(stop, start + 1)
        space = text.rfind(" ", start, stop) if stop < end else -1
        if space > start:
            stop = space
        rows.append((start, stop))
        start = stop + 1 if stop < end and text[stop] == " " else stop
    return rows


class TaskText(Visual):
    """``content`` wrapped by :func:`wrap_spans` (see the module)."""

    def __init__(self, content: Content) -> None:
        self.content = content
        self._glued = glued_spaces(content.plain)
        self._rows: dict[int, Content] = {}

    def __str__(self) -> str:
        return self.content.plain

    def wrapped(self, width: int) -> Content:
        if width not in self._rows:
            spans = wrap_spans(self.content.plain, max(width, 1), self._glued)
            self._rows[width] = Content("\n").join(self.content[s:e] for s, e in spans)
        return self._rows[width]

    def get_optimal_width(self, rules: RulesMap, container_width: int) -> int:
        return self.content.cell_length

    def get_height(self, rules: RulesMap, width: int) -> int:
        return self.wrapped(width).get_height(rules, width)

    def render_strips(
        self, width: int, height: int | None, style: Style, options: RenderOptions
    ) -> list[Strip]:
        return self.wrapped(width).render_strips(width, height, style, options)
