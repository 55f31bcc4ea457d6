"""Show untrusted text exactly as typed: no markup, control characters made visible.

Whatever a student typed or a message carries may hold ``[bold]``, ``[link=...]`` or terminal
escape sequences. Views build :class:`rich.text.Text` from it (never markup strings) and pass it
through :func:`visible` first, so ``\\x1b[31m`` shows as ``^[[31m`` instead of turning the screen
red. Caret notation (``^[``, ``^M``, ``^J``, as ``cat -v`` writes them) renders in every terminal
font, where the Unicode control pictures (␛) are missing from common ones such as DejaVu Sans
Mono; :func:`literal` also styles each stand-in (reverse video by default) so it cannot be
mistaken for a typed ``^``. The stand-ins themselves are the model's
(:mod:`smtp_sim.world.visible`, which the text transcript uses too); this adds the styling.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text

from ..world.visible import pieces

CONTROL_STYLE = Style(reverse=True)


def literal(
    text: str,
    style: Style | str = "",
    *,
    tabs: bool = False,
    control_style: Style | str | None = CONTROL_STYLE,
) -> Text:
    """A :class:`Text` that displays ``text`` exactly, markup and escapes included; each
    control character's stand-in gets ``control_style`` on top of ``style``."""
    out = Text(style=style, end="")
    for piece, stand_in in pieces(text, tabs=tabs):
        out.append(piece, control_style if stand_in else None)
    return out
