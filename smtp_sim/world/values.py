"""Values as scenario files, lessons and the console write them, read and shown: durations
(seconds, or numbers with units: "2ms", "1.5s", "10min", "1h30min", "5d") and any value as a
person reads it in a message ("the string 'x'", "the number 7"). Standard library only, so
the fault rules (world/faults.py) use them without importing the scenario models.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, time
from typing import Any

DURATION_HELP = 'seconds, or a number with a unit: "2ms", "1.5s", "10min", "1h", "5d"'
_UNITS = {
    "ms": 0.001,
    "s": 1.0,
    "sec": 1.0,
    "min": 60.0,
    "m": 60.0,
    "h": 3600.0,
    "d": 86400.0,
    "w": 604800.0,
}
_PART = r"(\d+(?:\.\d+)?|\.\d+)\s*(ms|min|sec|s|m|h|d|w)"
_DURATION_RE = re.compile(rf"^\s*(?:{_PART}\s*)+$")


#: The longest time a scenario may name (its clock and its dates stay in range).
MAX_DURATION = 366 * 24 * 3600.0


def parse_duration(value: object) -> float:
    """Seconds from a number or a string like ``"2ms"``, ``"1.5s"``, ``"10min"``, ``"1h30min"``.

    Raises ``ValueError`` with a message that says what was wrong."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"a duration cannot be {type(value).__name__} {value!r}")
    if isinstance(value, str):
        text = value.strip().lower()
        try:
            seconds = float(text)
        except ValueError:
            if not _DURATION_RE.match(text):
                raise ValueError(f"cannot read {value!r} as a duration") from None
            seconds = sum(float(n) * _UNITS[u] for n, u in re.findall(_PART, text))
    else:
        seconds = float(value)
    if math.isnan(seconds) or math.isinf(seconds) or seconds < 0:
        raise ValueError(f"a duration must be zero or more seconds, not {value!r}")
    if seconds > MAX_DURATION:
        raise ValueError(f"{value!r} is longer than a simulation runs (at most 366 days)")
    return seconds


def duration_words(seconds: float) -> str:
    """A duration as a person says it: "6 minutes", "1 hour 30 minutes", "45 seconds" (the
    two largest units; "0.5 seconds" below one)."""
    if seconds < 1:
        return f"{seconds:g} seconds"
    parts = []
    left = round(seconds)
    for name, size in (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1)):
        count, left = divmod(left, size)
        if count:
            parts.append(f"{count} {name}{'s' if count != 1 else ''}")
    return " ".join(parts[:2])


def shown_value(value: Any) -> str:
    """A value from a file as a person reads it: ``the string 'x'``, ``the number 7``."""
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:37] + "..."
        return f"the string {text!r}"
    if isinstance(value, datetime | date | time):
        return f"the date/time {value.isoformat()}"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    return type(value).__name__
