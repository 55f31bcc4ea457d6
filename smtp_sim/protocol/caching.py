"""The one rule for the engine's memo tables: :class:`BoundedCache`.

Engines and the world remember things that recur word for word (a parsed ``MAIL FROM`` path,
a rendered reply, a reply's parsed event, a trace record's summary) so that the next time
costs one lookup. Every such table is a ``BoundedCache``: memory stays bounded however long a
server runs, whatever keys it meets (a queue id or a date makes a new one each time).

A pure function of hashable arguments needs no table: ``functools.lru_cache`` is the memo
there. ``BoundedCache`` is for values worked out with more than the key at hand, or kept only
for some keys.
"""

from __future__ import annotations

from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")


class BoundedCache(dict[K, V]):
    """A dict of immutable values that starts over when full: :meth:`put` clears it once it
    holds ``limit`` entries, so memory stays bounded and keys seen once (queue ids, dates) do
    not pile up; a recurring key is worked out once more after a clear. Lookups are the dict's
    own (``get``, ``in``), as fast as a plain dict's: a two-generation table, whose ``get`` had
    to be Python, cost 135 against 56 ns a lookup, several lookups a command."""

    __slots__ = ("limit",)

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("a BoundedCache holds at least one entry")
        super().__init__()
        self.limit = limit

    def put(self, key: K, value: V) -> V:
        """Remember ``value`` for ``key``; returns ``value``."""
        if len(self) >= self.limit:
            self.clear()
        self[key] = value
        return value
