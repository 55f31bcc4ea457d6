"""What mail programs and servers write on a message: the date on the world's calendar (the
clock's virtual seconds after the scenario's start) and the message's trace id."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from email.utils import format_datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .clock import Clock


class Stamps:
    """The calendar and the message ids of one world."""

    def __init__(self, clock: Clock, start: datetime) -> None:
        self.clock = clock
        self.start = start
        self._message_ids = itertools.count(1)
        self._date_key: tuple[datetime, Any] | None = None
        self._date_text = ""
        self._date_span = (1.0, 0.0)  # clock times _date_text is right for (none yet)
        self._date_start = start

    def date_text(self, t: float | None = None) -> str:
        """An RFC 5322 date: now, or the clock time ``t``."""
        now = self.clock.now if t is None else t
        # The text changes once a second (format_datetime drops the microseconds) but is asked
        # for several times per message (each session's greeting, each Received: line).
        low, high = self._date_span
        if low <= now <= high and self.start is self._date_start:
            return self._date_text
        start = self.start
        moment = start + timedelta(seconds=now)
        # Keyed with the zone too: equal instants in two zones are written differently.
        second = moment.replace(microsecond=0)
        key = (second, moment.tzinfo)
        if key != self._date_key:
            self._date_key = key
            self._date_text = format_datetime(moment)
        # The clock times that fall in the same second of the calendar, less a microsecond at
        # each end (timedelta rounds to microseconds): the same text without the arithmetic.
        low = (second - start).total_seconds()
        self._date_span = (low + 1e-6, low + 1 - 1e-6)
        self._date_start = start
        return self._date_text

    def unix_time(self, t: float | None = None) -> int:
        """Seconds since the epoch on the world's calendar: now, or the clock time ``t`` (a
        DKIM signature's ``t=``)."""
        now = self.clock.now if t is None else t
        return int((self.start + timedelta(seconds=now)).timestamp())

    def new_message_id(self) -> str:
        """The next message's trace id: m1, m2..."""
        return f"m{next(self._message_ids)}"
