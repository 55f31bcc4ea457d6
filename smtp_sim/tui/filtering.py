"""The "leave it as it is" value of the event list's filter arguments, in a module of its own so
that the app can name it before the event list's module is loaded (after the first frame)."""

from enum import Enum


class Keep(Enum):
    """The type of :data:`KEEP`."""

    KEEP = "keep"


KEEP = Keep.KEEP
"""Pass (or leave out) to keep a filter as it is."""
