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
        self._mail_date = ""  # mail_date_text's, for the clock times in _mail_span
        self._mail_span = (1.0, 0.0)
        self._mail_start = start

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

    def mail_date_text(self, t: float | None = None) -> str:
        """The date as Postfix writes it in a Received: line, mail_date() of
        src/global/mail_date.c (v1.1.13 to v3.7.11): strftime "%a, %e %b %Y %H:%M:%S ", the
        offset, then " (%Z)": "Mon,  5 Jan 2026 09:00:00 +0000 (UTC)"."""
        now = self.clock.now if t is None else t
        # (written once a second at most, as date_text: every message's Received: line asks)
        low, high = self._mail_span
        if low <= now <= high and self.start is self._mail_start:
            return self._mail_date
        start = self.start
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
        low = (moment.replace(microsecond=0) - start).total_seconds()
        self._mail_span = (low + 1e-6, low + 1 - 1e-6)
        self._mail_start = start
        self._mail_date = text
        return text

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
