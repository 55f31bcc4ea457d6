"""Bytes as they crossed the wire, for the views: one wire line per screen line, CR and LF
made visible (``\\r\\n``), and a bare LF or CR marked, since SMTP smuggling relies on them.

The escapes are written as in Python and C (``\\r``, ``\\n``) rather than with the Unicode
control pictures (␍␊), which common terminal fonts lack; their style sets them apart from text.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text

from ..world.visible import decode, pieces
from .literal import CONTROL_STYLE

CR_MARK = "\\r"
LF_MARK = "\\n"


def split_wire_lines(data: bytes) -> list[bytes]:
    """Split bytes after each LF, each piece keeping its ending (CRLF, bare LF, or none).

    A bare CR does not end a line: it stays inside the piece, where :func:`wire_line` marks it.
    """
    parts = data.split(b"\n")
    out = [part + b"\n" for part in parts[:-1]]
    if parts[-1]:
        out.append(parts[-1])
    return out


def wire_line(
    line: bytes, *, text: Style | str = "", eol: Style | str = "", bad_eol: Style | str = ""
) -> Text:
    """One line as it crossed the wire: its text literally, then its ending made visible.

    ``\\r\\n`` is the proper SMTP line end (styled ``eol``); a bare ``\\n``, or a ``\\r``
    anywhere else, gets ``bad_eol``. Other control characters show in caret notation (``^[``).
    """
    out = Text(style=text, end="")
    body, ending = line, ""
    if body.endswith(b"\r\n"):
        body, ending = body[:-2], CR_MARK + LF_MARK
    elif body.endswith(b"\n"):
        body, ending = body[:-1], LF_MARK
    for index, chunk in enumerate(body.split(b"\r")):
        if index:
            out.append(CR_MARK, bad_eol)
        for piece, stand_in in pieces(decode(chunk)):
            out.append(piece, CONTROL_STYLE if stand_in else None)
    if ending:
        out.append(ending, eol if ending == CR_MARK + LF_MARK else bad_eol)
    return out


def human_size(size: int) -> str:
    """``532 B``, ``1.2 KiB``, ``3.4 MiB``."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KiB"
    return f"{size / (1024 * 1024):.1f} MiB"
