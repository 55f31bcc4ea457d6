"""Control characters made visible, for anything that shows untrusted text: what a student
typed, what a real client sent, what a message carries.

Caret notation (``^[`` for ESC, ``^@`` for NUL, as ``cat -v`` writes them) for C0 controls and
DEL; C1 controls and the invisible or bidirectional characters by code; bytes that are not
UTF-8 as ``\\xNN``. The text transcript (:mod:`smtp_sim.world.transcript`, the live log of
``smtp-sim serve``) and the app's views (``tui/literal.py``, which styles the stand-ins) share
this one table, so an escape sequence sent by a client never reaches a terminal.
Standard library only.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

# C0 controls and DEL in caret notation: ESC -> ^[, NUL -> ^@, CR -> ^M, LF -> ^J, DEL -> ^?.
_TABLE: dict[int, str] = {code: "^" + chr(code + 0x40) for code in range(0x20)}
_TABLE[0x7F] = "^?"
# C1 controls (a lone 0x9B is a CSI on some terminals) and the invisible or bidirectional
# characters that can make text read backwards are shown by code.
_TABLE.update({code: f"<{code:02X}>" for code in range(0x80, 0xA0)})
_TABLE.update(
    {
        code: f"<U+{code:04X}>"
        for code in (
            0x200B,
            0x200E,
            0x200F,
            0x202A,
            0x202B,
            0x202C,
            0x202D,
            0x202E,
            0x2066,
            0x2067,
            0x2068,
            0x2069,
            0xFEFF,
        )
    }
)
# Bytes that are not UTF-8 arrive as lone surrogates (surrogateescape): show them as \xNN.
_TABLE.update({0xDC00 + byte: f"\\x{byte:02X}" for byte in range(0x80, 0x100)})

_TABLE_KEEP_TABS = dict(_TABLE)
del _TABLE_KEEP_TABS[0x09]

_SPECIAL = re.compile("[" + "".join(re.escape(chr(code)) for code in _TABLE) + "]")
_SPECIAL_KEEP_TABS = re.compile(
    "[" + "".join(re.escape(chr(code)) for code in _TABLE_KEEP_TABS) + "]"
)


def visible(text: str, *, tabs: bool = False) -> str:
    """``text`` with every control character replaced by a visible stand-in.

    With ``tabs=True`` a TAB stays a TAB (for reading a message body); otherwise it is ``^I``.
    """
    if tabs:
        return text.translate(_TABLE_KEEP_TABS) if _SPECIAL_KEEP_TABS.search(text) else text
    return text.translate(_TABLE) if _SPECIAL.search(text) else text  # (most text has none)


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
            yield text[position : match.start()], False
        yield table[ord(match.group())], True
        position = match.end()
    if position < len(text):
        yield text[position:], False
