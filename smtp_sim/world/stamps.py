"""What mail programs and servers write on a message: the date on the world's calendar (the
clock's virtual seconds after the scenario's start) and the message's trace id."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .clock import Clock


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")  # (the C locale's)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class _OncePerSecond:
    """A date text that changes once a second of the calendar, with the clock times it is
    right for (less a microsecond at each end: timedelta rounds to microseconds), so that the
    several askers of one message (each session's greeting, each Received: line) get it
    without the arithmetic."""

    __slots__ = ("span", "start", "text")

    def __init__(self) -> None:
        self.text = ""
        self.span = (1.0, 0.0)  # (none yet)
        self.start: datetime | None = None

    def get(self, now: float, start: datetime) -> str | None:
        """The text kept for the clock time ``now`` of a calendar from ``start``, if any."""
        low, high = self.span
        return self.text if low <= now <= high and start is self.start else None

    def keep(self, text: str, moment: datetime, start: datetime) -> str:
        """``text``, right for the second of ``moment``; returned."""
        low = (moment.replace(microsecond=0) - start).total_seconds()
        self.span = (low + 1e-6, low + 1 - 1e-6)
        self.start = start
        self.text = text
        return text


class Stamps:
    """The calendar and the message ids of one world."""

    def __init__(self, clock: Clock, start: datetime) -> None:
        self.clock = clock
        self.start = start
        self._message_ids = itertools.count(1)
        self._date_key: tuple[datetime, Any] | None = None
        self._date_text = ""  # format_datetime's, for _date_key
        self._date = _OncePerSecond()  # date_text's
        self._mail_date = _OncePerSecond()  # mail_date_text's

    def date_text(self, t: float | None = None) -> str:
        """An RFC 5322 date: now, or the clock time ``t``."""
        now = self.clock.now if t is None else t
        # (the text changes once a second: format_datetime drops the microseconds)
        start = self.start
        kept = self._date.get(now, start)
        if kept is not None:
            return kept
        moment = start + timedelta(seconds=now)
        # Keyed with the zone too: equal instants in two zones are written differently.
        key = (moment.replace(microsecond=0), moment.tzinfo)
        if key != self._date_key:
            self._date_key = key
            self._date_text = format_datetime(moment)
        return self._date.keep(self._date_text, moment, start)

    def mail_date_text(self, t: float | None = None) -> str:
        """The date as Postfix writes it in a Received: line, mail_date() of
        src/global/mail_date.c (v1.1.13 to v3.7.11): strftime "%a, %e %b %Y %H:%M:%S ", the
        offset, then " (%Z)": "Mon,  5 Jan 2026 09:00:00 +0000 (UTC)"."""
        now = self.clock.now if t is None else t
        start = self.start
        kept = self._mail_date.get(now, start)
        if kept is not None:
            return kept
        moment = start + timedelta(seconds=now)
        offset = moment.utcoffset() or timedelta(0)
        minutes = int(offset.total_seconds()) // 60
        sign = "-" if minutes < 0 else "+"
        zone = moment.tzname() or ""
        if not offset and (not zone or zone.startswith("UTC")):
            zone = "UTC"  # (the C library's %Z with TZ unset)
        elif zone.startswith("UTC"):
            zone = ""  # a bare offset has no zone name to give
        text = (
            f"{_DAYS[moment.weekday()]}, {moment.day:2d} {_MONTHS[moment.month - 1]} "
            f"{moment.year} {moment:%H:%M:%S} {sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"
            + (f" ({zone})" if zone else "")
        )
        return self._mail_date.keep(text, moment, start)

    def utc_moment(self, t: float | None = None) -> datetime:
        """The calendar's moment in UTC: now, or the clock time ``t``."""
        now = self.clock.now if t is None else t
        moment = self.start + timedelta(seconds=now)
        if moment.tzinfo is None:  # (a naive start is UTC: never the machine's zone)
            return moment
        return moment.astimezone(UTC)

    def arpa_date_text(self, t: float | None = None) -> str:
        """The date as sendmail 8 writes it ($b in a Received: line, a bounce's Date:),
        arpadate() of sendmail/arpadate.c (8.17): the day unpadded, then "GMT" when the zone
        is UTC, else the offset and the zone's name in parentheses: "Mon, 5 Jan 2026 09:00:00
        GMT" (the real sendmail 8.17.1.9 of Debian 12 wrote "Mon, 7 Dec 2026 03:27:31 GMT")."""
        now = self.clock.now if t is None else t
        moment = self.start + timedelta(seconds=now)
        offset = moment.utcoffset() or timedelta(0)
        minutes = int(offset.total_seconds()) // 60
        head = (
            f"{_DAYS[moment.weekday()]}, {moment.day} {_MONTHS[moment.month - 1]} "
            f"{moment.year} {moment:%H:%M:%S} "
        )
        if not minutes:
            return head + "GMT"
        sign = "-" if minutes < 0 else "+"
        zone = moment.tzname() or ""
        name = f" ({zone})" if zone and not zone.startswith("UTC") else ""
        return f"{head}{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}{name}"

    def unix_time(self, t: float | None = None) -> int:
        """Seconds since the epoch on the world's calendar: now, or the clock time ``t`` (a
        DKIM signature's ``t=``)."""
        now = self.clock.now if t is None else t
        return int((self.start + timedelta(seconds=now)).timestamp())

    def new_message_id(self) -> str:
        """The next message's trace id: m1, m2..."""
        return f"m{next(self._message_ids)}"
