"""Show untrusted text exactly as typed: no markup, control characters made visible.

Whatever a student typed or a message carries may hold ``[bold]``, ``[link=...]`` or terminal
escape sequences. Views build :class:`rich.text.Text` from it (never markup strings) and pass it
through :func:`visible` first, so ``\\x1b[31m`` shows as ``␛[31m`` instead of turning the screen
red. Imports only Rich, so every part of the UI can use it.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text

# C0 controls become the Unicode "control pictures" (U+2400 block): ESC -> ␛, NUL -> ␀.
_TABLE: dict[int, str] = {code: chr(0x2400 + code) for code in range(0x20)}
_TABLE[0x7F] = "␡"
# C1 controls (a lone 0x9B is a CSI on some terminals) and the bidirectional overrides that
# can make text read backwards are shown by name.
_TABLE.update({code: f"<{code:02X}>" for code in range(0x80, 0xA0)})
_TABLE.update({code: f"<U+{code:04X}>" for code in (
    0x200B, 0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E,
    0x2066, 0x2067, 0x2068, 0x2069, 0xFEFF)})
# Bytes that are not UTF-8 arrive as lone surrogates (surrogateescape): show them as \xNN.
_TABLE.update({0xDC00 + byte: f"\\x{byte:02X}" for byte in range(0x80, 0x100)})

_TABLE_KEEP_TABS = dict(_TABLE)
del _TABLE_KEEP_TABS[0x09]


def visible(text: str, *, tabs: bool = False) -> str:
    """``text`` with every control character replaced by a visible stand-in.

    With ``tabs=True`` a TAB stays a TAB (for reading a message body); otherwise it shows as ␉.
    """
    return text.translate(_TABLE_KEEP_TABS if tabs else _TABLE)


def decode(data: bytes) -> str:
    """Bytes as text; bytes that are not UTF-8 survive as surrogates that :func:`visible`
    shows as ``\\xNN``."""
    return data.decode("utf-8", "surrogateescape")


def literal(text: str, style: Style | str = "", *, tabs: bool = False) -> Text:
    """A :class:`Text` that displays ``text`` exactly, markup and escapes included."""
    return Text(visible(text, tabs=tabs), style=style, end="")
