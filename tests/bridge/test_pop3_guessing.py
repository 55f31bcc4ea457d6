"""Wrong POP3 passwords are answered slowly (the delay lives in the bridge, the socket layer;
the engine reads no clock) and the third one ends the session; the right one is not slowed."""

from __future__ import annotations

import time

from conftest import Raw, in_thread


async def test_a_wrong_password_is_answered_after_a_pause_and_three_end_the_session(serve):
    bridge = await serve(auth_failure_delays=(0.4, 0.8))
    port = bridge.listeners[1].port

    def guess() -> list[tuple[float, bytes]]:
        raw = Raw(port)
        raw.line()
        got = []
        for password in (b"a", b"b", b"c"):
            raw.send(b"USER bob\r\n")
            raw.line()
            started = time.monotonic()
            raw.send(b"PASS " + password + b"\r\n")
            line = raw.line()
            got.append((time.monotonic() - started, line))
        got.append((0.0, raw.rest()))
        return got

    first, second, third, rest = await in_thread(guess)
    assert first[1] == second[1] == third[1] == b"-ERR invalid user name or password\r\n"
    assert first[0] >= 0.4  # the address had no failure before
    assert second[0] >= 0.8 and third[0] >= 0.8  # ... and now it has
    assert rest[1] == b"-ERR too many failed logins, closing connection\r\n"


async def test_the_right_password_is_not_delayed_and_pipelined_guesses_wait(serve):
    bridge = await serve(auth_failure_delays=(0.5, 0.5))
    port = bridge.listeners[1].port

    def pipelined() -> tuple[float, bytes]:
        raw = Raw(port)
        raw.line()
        started = time.monotonic()
        raw.send(b"USER bob\r\nPASS nope\r\nUSER bob\r\nPASS secret\r\nSTAT\r\nQUIT\r\n")
        out = raw.rest()
        return time.monotonic() - started, out

    elapsed, out = await in_thread(pipelined)
    assert out.split(b"\r\n")[:5] == [
        b"+OK bob: send PASS",
        b"-ERR invalid user name or password",
        b"+OK bob: send PASS",
        b"+OK bob's maildrop has 0 messages (0 octets)",
        b"+OK 0 0",
    ]
    assert elapsed >= 0.5
