"""An Input whose typing repaints only itself.

Textual's Input sets its virtual size (the text's width) on every key, and a widget's virtual
size is a layout reactive: each key laid the whole screen out again (some 70 widgets on the
main screen), and the layout repainted every visible scrollbar (the map's), so most of the
screen was rendered again for one character. An input line's size is fixed by its CSS
(Input's own asks for a layout when its width or height is ``auto``) and it scrolls within
itself (its scroll limits read the virtual size as it is set), so a repaint of the input is
enough. With ``smtp-sim web``, every key of every student's session paid for that.
"""

from __future__ import annotations

from textual.geometry import Size
from textual.reactive import Reactive
from textual.widgets import Input


class LineInput(Input):
    """An Input of fixed size: a change of its text repaints it, without a layout."""

    virtual_size = Reactive(Size(0, 0), layout=False)
