"""The command line's text: ``-`` for standard input where a file is read, and prose wrapped to
the terminal's width. Standard library only: the protocol, the world and the course use it."""

from __future__ import annotations

import shutil
import sys
import textwrap

#: Where a file name is asked for, this reads standard input instead (as cat, tar and pip do).
STDIN = "-"
#: The name standard input goes by in messages (``<stdin>:3: steps[0].title: ...``).
STDIN_NAME = "<stdin>"


#: the standard input read last and what it held; the stream itself is kept (not its id, which
#: Python gives again to a new object once the old one is gone: a replaced stdin then looked
#: already read)
_read: list[tuple[object, bytes]] = []


def stdin_bytes() -> bytes:
    """Everything on standard input, read once: ``run foobar --answers -`` asks twice (is it a
    lesson? then the lesson) and a pipe can be read only once."""
    stream = sys.stdin
    if not _read or _read[0][0] is not stream:
        binary = getattr(stream, "buffer", None)
        if binary is not None:
            data = binary.read()
        else:  # (closed, or replaced by a text-only object)
            data = (stream.read() if stream else "").encode("utf-8")
        _read[:] = [(stream, data)]
    return _read[0][1]


def terminal_width() -> int:
    """``COLUMNS`` when set, else the terminal's width, else 80 (piped, or no terminal)."""
    return max(shutil.get_terminal_size((80, 24)).columns, 20)


def wrap(text: str, width: int | None = None) -> str:
    """``text`` with every line longer than ``width`` (default: the terminal's) folded at
    spaces; a folded line's continuations keep its indentation, and under ``Label: `` lines
    line up after the label. Short lines, blank lines and line breaks are left alone."""
    width = width or terminal_width()
    out = []
    for line in text.split("\n"):
        if len(line) <= width:
            out.append(line)
            continue
        indent = line[: len(line) - len(line.lstrip(" "))]
        out.append(_fold(line.strip(" "), width, indent, indent + "  "))
    return "\n".join(out)


def hang(line: str, column: int, width: int | None = None) -> str:
    """One row of a table whose last column is free text: when ``line`` is longer than
    ``width`` (default: the terminal's), that text is folded at spaces and its continuation
    lines start under it, at ``column`` (or at 4 when the column leaves less than 20 places)."""
    width = width or terminal_width()
    if len(line) <= width:
        return line
    indent = " " * (column if width - column >= 20 else 4)
    return _fold(line.rstrip(), width, "", indent)


def _fold(text: str, width: int, first: str, rest: str) -> str:
    """``text`` folded at spaces only (a long word or path stays whole)."""
    return textwrap.fill(
        text,
        width,
        initial_indent=first,
        subsequent_indent=rest,
        break_long_words=False,
        break_on_hyphens=False,
    )
