"""The one rule for the engine's memo tables: :class:`BoundedCache`.

Engines and the world remember things that recur word for word (a parsed ``MAIL FROM`` path,
a rendered reply, a reply's parsed event, a trace record's summary) so that the next time
costs one lookup. Every such table is a ``BoundedCache``: memory stays bounded however long a
server runs, and keys seen once (queue ids, dates) age out while the recurring ones stay.

A pure function of hashable arguments needs no table: ``functools.lru_cache`` is the memo
there. ``BoundedCache`` is for values worked out with more than the key at hand, or kept only
for some keys.
"""

from __future__ import annotations

from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class BoundedCache(Generic[K, V]):
    """``get(key)``/``put(key, value)`` for immutable values (never None), at most ``2 * limit``
    entries. When the current table holds ``limit`` entries it becomes the previous one and the
    one before is dropped; a key found in the previous table is brought forward. So a key that
    keeps coming back survives every turnover, and nothing is ever searched for long."""

    __slots__ = ("_current", "_previous", "limit")

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("a BoundedCache holds at least one entry")
        self.limit = limit
        self._current: dict[K, V] = {}
        self._previous: dict[K, V] = {}

    def get(self, key: K) -> V | None:
        """The value remembered for ``key``, or None."""
        value = self._current.get(key)
        if value is None and self._previous:
            value = self._previous.get(key)
            if value is not None:
                self.put(key, value)
        return value

    def put(self, key: K, value: V) -> V:
        """Remember ``value`` for ``key``; returns ``value``."""
        current = self._current
        if len(current) >= self.limit:
            self._previous = current
            self._current = current = {}
        current[key] = value
        return value

    def __len__(self) -> int:
        return len(self._current) + len(self._previous)

    def clear(self) -> None:
        self._current = {}
        self._previous = {}
