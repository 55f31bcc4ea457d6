"""``--listen`` in the app: a real SMTP client (smtplib, in a thread) sends mail to a port the
app opened, and the message shows up live in the app's views. Real sockets on 127.0.0.1, an
ephemeral port."""

from __future__ import annotations

import asyncio
import smtplib
from email.message import EmailMessage

from smtp_sim.bridge.listen import parse_listen
from smtp_sim.course.lesson import sandbox_lesson
from smtp_sim.tui.app import SmtpSimApp
from smtp_sim.tui.launch import build_app
from smtp_sim.tui.widgets.event_list import EventList
from smtp_sim.tui.widgets.mailboxes import MailboxView

SERVER = "mail.cs.tcd.ie"


def send(port: int, subject: str) -> None:
    message = EmailMessage()
    message["From"] = "alice@crepes.fr"
    message["To"] = "bob@cs.tcd.ie"
    message["Subject"] = subject
    message.set_content("Sent by a real client.\n")
    with smtplib.SMTP("127.0.0.1", port, local_hostname="FooBar", timeout=15) as client:
        client.send_message(message)


async def wait_for(pilot, condition, seconds: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not condition():
        assert loop.time() < deadline, "timed out"
        await pilot.pause(0.05)


async def test_mail_from_a_real_client_shows_up_live():
    app = SmtpSimApp(
        sandbox_lesson("press-send-net"),
        sandbox=True,
        listen=[parse_listen(f"127.0.0.1:0={SERVER}")],
    )
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.main.live is not None and app.main.live.running)
        port = app.main.live.bridge.listeners[0].port
        assert port > 0
        events = app.query_one(EventList)
        mailboxes = app.query_one(MailboxView)
        before = events.row_count
        assert mailboxes.message_count("bob@cs.tcd.ie") == 0

        await asyncio.to_thread(send, port, "Live from smtplib")
        await wait_for(pilot, lambda: mailboxes.message_count("bob@cs.tcd.ie") == 1)
        assert events.row_count > before + 10  # TCP, every command and reply, the mailbox
        assert any(b"Live from smtplib" in r.data for r in app.main.playback.world.trace.records)

        # Many messages at once: the views keep up, refreshed in merged batches.
        await asyncio.gather(*(asyncio.to_thread(send, port, f"Flood {n}") for n in range(5)))
        await wait_for(pilot, lambda: mailboxes.message_count("bob@cs.tcd.ie") == 6)

        # The bridge owns the clock: going back or resetting would fight it.
        generation = app.main.playback.generation
        for key in ("f6", "f9", "f7", "f5"):
            await pilot.press(key)
        await pilot.pause()
        assert app.main.playback.generation == generation
        assert not app.main.controller.playing
        status = str(app.query_one("#status").render())
        assert "live" in status and "wall-clock pace" in status and "paused" not in status

        # The console still works, scheduled and run at wall-clock pace by the bridge.
        app.query_one("Console").input.value = f"telnet {SERVER} 25"
        await pilot.press("enter")
        await wait_for(
            pilot,
            lambda: any(
                o.reply is not None and o.reply.code == 220
                for o in app.main.playback.session.terminal.output
            ),
        )
        bridge = app.main.live.bridge
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert not bridge.running  # stopped cleanly on quit


async def test_a_listen_spec_for_a_host_that_does_not_exist_is_explained():
    app = build_app("sandbox", "press-send-net", listen=[parse_listen("0=nosuch.example")])
    assert app.__class__.__name__ == "ProblemApp"
    assert "nosuch.example" in app.problems[0]


async def test_a_port_in_use_is_a_notification_not_a_crash():
    blocker = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = blocker.sockets[0].getsockname()[1]
    try:
        app = SmtpSimApp(
            sandbox_lesson("press-send-net"),
            sandbox=True,
            listen=[parse_listen(f"127.0.0.1:{port}")],
        )
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause(0.3)
            assert not app.main.live.running
            await pilot.press("f7")  # stepping works again: nothing is listening
            await pilot.pause()
            assert app.main.playback.steps >= 0 and app.is_running
    finally:
        blocker.close()
        await blocker.wait_closed()


def send_over_starttls(port: int) -> bytes:
    import ssl

    message = EmailMessage()
    message["From"] = "alice@crepes.fr"
    message["To"] = "bob@cs.tcd.ie"
    message["Subject"] = "Over TLS from the app's port"
    message.set_content("Sent by a real client, after STARTTLS.\n")
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # (a certificate made at start: self-signed)
    with smtplib.SMTP("127.0.0.1", port, local_hostname="laptop.example", timeout=15) as client:
        client.starttls(context=context)
        code, _ = client.ehlo("laptop.example")
        assert code == 250
        client.login("alice", "wonderland")
        client.send_message(message)
        return client.sock.version().encode() if client.sock else b""


async def test_a_real_client_makes_a_real_tls_handshake_with_the_apps_listen_port():
    """As with `smtp-sim serve`: after the simulated server's 220 to STARTTLS, a real
    handshake (issue 19), then the session goes on inside TLS."""
    app = SmtpSimApp(
        sandbox_lesson("submission-auth-net"),
        sandbox=True,
        listen=[parse_listen("127.0.0.1:0=smtp.crepes.fr:587")],
    )
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.main.live is not None and app.main.live.running)
        port = app.main.live.bridge.listeners[0].port
        version = await asyncio.to_thread(send_over_starttls, port)
        assert version.startswith(b"TLSv1.")
        world = app.main.playback.world
        await wait_for(pilot, lambda: any(b"after STARTTLS" in r.data for r in world.trace.records))
        assert any(
            "TLS started" in r.summary and "real client" in r.summary for r in world.trace.records
        )
