"""The engines' line receiver (protocol/receiver.py) and memo tables (protocol/caching.py)."""

from __future__ import annotations

import pytest

from smtp_sim.protocol.caching import BoundedCache
from smtp_sim.protocol.receiver import LineReceiver


def test_lines_end_at_lf_with_one_cr_dropped() -> None:
    r = LineReceiver()
    r += b"HELO a\r\nNOOP\nQUIT\r\r\nMAIL"
    assert r.line(512, 80) == (b"HELO a", False)
    assert r.line(512, 80) == (b"NOOP", False)
    assert r.line(512, 80) == (b"QUIT\r", False)
    assert r.line(512, 80) is None  # no LF yet
    assert bytes(r) == b"MAIL"


def test_an_over_long_line_is_reported_at_its_end_and_memory_stays_bounded() -> None:
    r = LineReceiver()
    for _ in range(100):
        r += b"x" * 100
        assert r.line(512, 80) is None
        assert len(r) <= 512
    r += b"\r"
    assert r.line(512, 80) is None
    r += b"\nNOOP\r\n"
    assert r.line(512, 80) == (b"x" * 80, True)
    assert r.line(512, 80) == (b"NOOP", False)


def test_a_line_arriving_whole_is_measured_with_its_crlf() -> None:
    r = LineReceiver()
    r += b"a" * 510 + b"\r\n" + b"b" * 511 + b"\r\n"
    assert r.line(512, 80) == (b"a" * 510, False)
    assert r.line(512, 80) == (b"b" * 80, True)


def test_take_and_closed() -> None:
    r = LineReceiver()
    assert not r and not r.closed
    r += b"12345"
    assert r.take(3) == b"123"
    assert r.take(10) == b"45"
    r.closed = True
    assert not r and r.closed
    assert LineReceiver().closed is False  # (the flag is each receiver's own)


def test_bounded_cache_starts_over_when_full() -> None:
    cache: BoundedCache[str, int] = BoundedCache(2)
    assert cache.put("a", 1) == 1
    cache.put("b", 2)
    assert cache.get("a") == 1 and len(cache) == 2
    cache.put("c", 3)
    assert dict(cache) == {"c": 3}
    assert cache.get("a") is None
    with pytest.raises(ValueError):
        BoundedCache(0)
