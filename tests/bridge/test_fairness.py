"""Silent connections lock nobody out: SMTP and POP3 have caps of their own, one address may
hold only its share (Postfix's smtpd_client_connection_count_limit), and while a service is
busy a connection that has said nothing is timed out quickly (Postfix's stress timeout)."""

from __future__ import annotations

from conftest import Raw, in_thread, smtp_port, wait_for


async def test_silent_smtp_sockets_do_not_keep_pop3_users_out(serve):
    bridge = await serve(max_connections=4)
    silent = [await in_thread(Raw, smtp_port(bridge)) for _ in range(4)]
    await wait_for(lambda: bridge.open_count(False) == 4)

    def pop3_greeting() -> bytes:
        raw = Raw(bridge.listeners[1].port)
        line = raw.line()
        raw.send(b"QUIT\r\n")
        raw.close()
        return line

    assert (await in_thread(pop3_greeting)).startswith(b"+OK ")
    for raw in silent:
        raw.close()


async def test_one_address_may_hold_only_its_share(serve):
    bridge = await serve(max_connections=10, max_per_address=3)
    port = smtp_port(bridge)
    held = [await in_thread(Raw, port) for _ in range(3)]
    for raw in held:
        assert (await in_thread(raw.reply)).startswith(b"220 ")

    def one_more(source: str | None) -> bytes:
        raw = Raw(port, source=source)
        try:
            return raw.reply()
        finally:
            raw.close()

    # The text is Postfix's own (smtpd.c, 3.12): 421 4.7.0 <host> Error: too many connections
    # from <address>; postfix-1.1 uses no enhanced codes.
    assert await in_thread(one_more, None) == (
        b"421 mail.cs.tcd.ie Error: too many connections from 127.0.0.1\r\n"
    )
    assert (await in_thread(one_more, "127.0.0.2")).startswith(b"220 ")  # another address
    assert bridge.stats.refused == 1
    for raw in held:
        raw.close()


async def test_while_busy_a_silent_connection_is_timed_out_quickly(serve):
    bridge = await serve(max_connections=4, busy_timeout=0.5)
    port = smtp_port(bridge)

    def talker() -> Raw:
        raw = Raw(port)
        raw.reply()
        raw.send(b"HELO talker.example\r\n")
        assert raw.reply() == b"250 mail.cs.tcd.ie\r\n"
        return raw

    speaking = await in_thread(talker)
    silent = [await in_thread(Raw, port) for _ in range(3)]  # now full, so busy
    # Silent ones are cut until the service is no longer busy (under three quarters full:
    # two or three of them, depending on when the first ones are gone).
    await wait_for(lambda: bridge.stats.timed_out >= 2, timeout=5.0)  # not RFC 5321's 300 s

    def ending(raw: Raw) -> bytes:
        raw.sock.settimeout(1.0)
        try:
            return raw.rest()
        except TimeoutError:
            return b"(still open)"

    cut = [
        got for got in [await in_thread(ending, raw) for raw in silent] if got != b"(still open)"
    ]
    assert (
        cut
        == [
            b"220 mail.cs.tcd.ie ESMTP Postfix (1.1.13)\r\n"
            b"421 mail.cs.tcd.ie Error: timeout exceeded\r\n"
        ]
        * bridge.stats.timed_out
    )
    assert (await in_thread(lambda: Raw(port).reply())).startswith(b"220 ")
    speaking.send(b"NOOP\r\n")  # the one that spoke is still served
    assert await in_thread(speaking.reply) == b"250 Ok\r\n"
    speaking.close()


async def test_when_not_busy_a_silent_connection_keeps_the_full_timeout(serve):
    bridge = await serve(max_connections=100, busy_timeout=0.5)
    raw = await in_thread(Raw, smtp_port(bridge))
    await wait_for(lambda: len(bridge.clients) == 1)
    (client,) = bridge.clients
    assert client.idle_limit() == 300.0
    raw.close()
