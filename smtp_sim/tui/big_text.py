"""Large type for the projector: a headline drawn three rows tall in box-drawing letters.

A terminal cannot make one line's text bigger than another's (only kitty's text-sizing escape
can, and neither xterm.js in the browser nor most terminals know it), so the presenter draws
its headline in block letters: toilet's ``future`` font, rendered by pyfiglet (1.0.4 is the first to ship it). Its strokes
are box-drawing characters, which every terminal font and the browser's terminal draw, and
its letters are three cells tall and about three wide, readable from the back of a room at
100x30. Only a short headline is drawn that way; the rest of a narration stays normal-size.

:func:`headline` picks the words to draw large: the whole text when it fits on one big line,
else its first clause (up to the first ``: `` or sentence end) when that fits, else nothing.
"""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyfiglet import Figlet

FONT = "future"
ROWS = 3  # the font's height in rows
_CLAUSE_END = re.compile(r"(?<=\S)(?::\s|[.!?](?:\s|$))")


@cache
def _figlet() -> Figlet:
    from pyfiglet import Figlet  # (loaded by the presenter only: the app never needs it)

    return Figlet(font=FONT, width=10_000)


@cache
def _drawable(char: str) -> bool:
    """The font draws this character with strokes of its own, three cells wide at most (it
    echoes the ones it lacks, such as ``<`` or ``#``, as themselves; its few accented
    letters are twice as wide and are left out)."""
    if char == " ":
        return True
    if not char.isascii():
        return False
    glyph = _figlet().Font.chars.get(ord(char))
    if not glyph:
        return False
    strokes = "".join(glyph)
    return bool(strokes.strip()) and not any(c.isascii() and c != " " for c in strokes)


def render(text: str, width: int) -> str | None:
    """``text`` in large letters (ROWS lines) if every character can be drawn and it fits in
    ``width`` cells, else None."""
    text = " ".join(text.split())
    if not text or not all(_drawable(c) for c in text):
        return None
    lines = _figlet().renderText(text).rstrip("\n").split("\n")[:ROWS]
    lines = [line.rstrip() for line in lines]
    if max(len(line) for line in lines) > width:
        return None
    return "\n".join(lines)


def headline(text: str, width: int) -> tuple[str, str, str] | None:
    """(the words drawn large, those words drawn, the rest of the text) for the first line
    of ``text``, or None when not even its first clause fits ``width``.

    The rest keeps the other lines of ``text`` and drops the clause's own ``:`` (a sentence's
    full stop stays in the headline)."""
    first, _, others = text.strip().partition("\n")
    candidates = [(first, "")]
    match = _CLAUSE_END.search(first)
    if match:
        end = match.start() + (0 if first[match.start()] == ":" else 1)
        candidates.append((first[:end], first[match.end() :]))
    for words, rest in candidates:
        drawn = render(words, width)
        if drawn is not None:
            rest = rest.strip()
            if others.strip():
                rest = f"{rest}\n{others.strip()}" if rest else others.strip()
            return words, drawn, rest
    return None
