"""Show untrusted text exactly as typed: no markup, control characters made visible.

Whatever a student typed or a message carries may hold ``[bold]``, ``[link=...]`` or terminal
escape sequences. Views build :class:`rich.text.Text` from it (never markup strings) and pass it
through :func:`visible` first, so ``\\x1b[31m`` shows as ``^[[31m`` instead of turning the screen
red. Caret notation (``^[``, ``^M``, ``^J``, as ``cat -v`` writes them) renders in every terminal
font, where the Unicode control pictures (␛) are missing from common ones such as DejaVu Sans
Mono; :func:`literal` also styles each stand-in (reverse video by default) so it cannot be
mistaken for a typed ``^``. Imports only Rich, so every part of the UI can use it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from rich.style import Style
from rich.text import Text

# C0 controls and DEL in caret notation: ESC -> ^[, NUL -> ^@, CR -> ^M, LF -> ^J, DEL -> ^?.
_TABLE: dict[int, str] = {code: "^" + chr(code + 0x40) for code in range(0x20)}
_TABLE[0x7F] = "^?"
# C1 controls (a lone 0x9B is a CSI on some terminals) and the invisible or bidirectional
# characters that can make text read backwards are shown by code.
_TABLE.update({code: f"<{code:02X}>" for code in range(0x80, 0xA0)})
_TABLE.update({code: f"<U+{code:04X}>" for code in (
    0x200B, 0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E,
    0x2066, 0x2067, 0x2068, 0x2069, 0xFEFF)})
# Bytes that are not UTF-8 arrive as lone surrogates (surrogateescape): show them as \xNN.
_TABLE.update({0xDC00 + byte: f"\\x{byte:02X}" for byte in range(0x80, 0x100)})

_TABLE_KEEP_TABS = dict(_TABLE)
del _TABLE_KEEP_TABS[0x09]

_SPECIAL = re.compile("[" + "".join(re.escape(chr(code)) for code in _TABLE) + "]")
_SPECIAL_KEEP_TABS = re.compile(
    "[" + "".join(re.escape(chr(code)) for code in _TABLE_KEEP_TABS) + "]")

CONTROL_STYLE = Style(reverse=True)


def visible(text: str, *, tabs: bool = False) -> str:
    """``text`` with every control character replaced by a visible stand-in.

    With ``tabs=True`` a TAB stays a TAB (for reading a message body); otherwise it is ``^I``.
    """
    return text.translate(_TABLE_KEEP_TABS if tabs else _TABLE)


def decode(data: bytes) -> str:
    """Bytes as text; bytes that are not UTF-8 survive as surrogates that :func:`visible`
    shows as ``\\xNN``."""
    return data.decode("utf-8", "surrogateescape")


def pieces(text: str, *, tabs: bool = False) -> Iterator[tuple[str, bool]]:
    """``text`` as (piece, is_stand_in) pairs: plain runs, and each control character's
    visible stand-in, so a view can style the stand-ins apart."""
    table, special = (_TABLE_KEEP_TABS, _SPECIAL_KEEP_TABS) if tabs else (_TABLE, _SPECIAL)
    position = 0
    for match in special.finditer(text):
        if match.start() > position:
            yield text[position:match.start()], False
        yield table[ord(match.group())], True
        position = match.end()
    if position < len(text):
        yield text[position:], False


def literal(text: str, style: Style | str = "", *, tabs: bool = False,
            control_style: Style | str | None = CONTROL_STYLE) -> Text:
    """A :class:`Text` that displays ``text`` exactly, markup and escapes included; each
    control character's stand-in gets ``control_style`` on top of ``style``."""
    out = Text(style=style, end="")
    for piece, stand_in in pieces(text, tabs=tabs):
        out.append(piece, control_style if stand_in else None)
    return out
