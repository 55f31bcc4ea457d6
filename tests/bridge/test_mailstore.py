"""The Maildir is the mailbox: POP3 unique-ids that survive a restart and are never reused,
an earlier run's mail served again, DELE + QUIT removing the file, LF line ends on disk."""

from __future__ import annotations

import mailbox
import poplib
import smtplib
from pathlib import Path

from conftest import in_thread, smtp_port

from smtp_sim.bridge.maildir import folder_name

BOB = "bob@cs.tcd.ie"


def send(port: int, subject: str, body: bytes = b"hello\r\n") -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=5) as client:
        client.sendmail(
            "alice@crepes.fr", [BOB], b"Subject: " + subject.encode() + b"\r\n\r\n" + body
        )


def pop(port: int) -> poplib.POP3:
    client = poplib.POP3("127.0.0.1", port, timeout=5)
    client.user("bob")
    client.pass_("secret")
    return client


def uidl(port: int) -> list[str]:
    client = pop(port)
    _, lines, _ = client.uidl()
    client.quit()
    return [line.decode().split(" ", 1)[1] for line in lines]


def files(root: Path) -> list[Path]:
    box = root / folder_name(BOB)
    return sorted(p for sub in ("new", "cur") for p in (box / sub).iterdir())


async def test_uidl_is_stable_across_a_restart_and_never_reused(serve, maildir):
    first = await serve()
    for n in (1, 2):
        await in_thread(send, smtp_port(first), f"run 1 message {n}")
    before = await in_thread(uidl, first.listeners[1].port)
    await first.stop()

    second = await serve()  # a fresh world, the same Maildir
    assert second.loaded == 2
    assert await in_thread(uidl, second.listeners[1].port) == before  # nothing hidden
    for n in (1, 2):
        await in_thread(send, smtp_port(second), f"run 2 message {n}")
    after = await in_thread(uidl, second.listeners[1].port)
    assert after[:2] == before
    assert len(set(after)) == 4  # the new messages have ids of their own
    # The ids are the Maildir's unique names (RFC 1939 section 7: derived from the message).
    keys = set(mailbox.Maildir(maildir / folder_name(BOB), create=False).keys())
    assert set(after) == keys

    def retr_all() -> list[bytes]:
        client = pop(second.listeners[1].port)
        got = [b"\r\n".join(client.retr(n)[1]) for n in range(1, 5)]
        client.quit()
        return got

    subjects = [
        next(line for line in m.split(b"\r\n") if line.startswith(b"Subject:"))
        for m in await in_thread(retr_all)
    ]
    assert subjects == [
        b"Subject: run 1 message 1",
        b"Subject: run 1 message 2",
        b"Subject: run 2 message 1",
        b"Subject: run 2 message 2",
    ]


async def test_without_a_maildir_two_runs_never_share_an_id(serve):
    ids = []
    for _ in range(2):
        bridge = await serve(maildir=None)
        await in_thread(send, smtp_port(bridge), "once")
        ids += await in_thread(uidl, bridge.listeners[1].port)
        await bridge.stop()
    assert len(ids) == 2 and ids[0] != ids[1]


async def test_dele_and_quit_remove_the_maildir_file(serve, maildir):
    bridge = await serve()
    for n in (1, 2, 3):
        await in_thread(send, smtp_port(bridge), f"message {n}")
    assert len(files(maildir)) == 3
    port = bridge.listeners[1].port

    def dele_without_quit() -> None:
        client = pop(port)
        client.dele(1)
        client.sock.close()  # gone without QUIT: nothing is deleted (RFC 1939 section 6)

    await in_thread(dele_without_quit)
    assert len(files(maildir)) == 3

    def dele_then_quit() -> None:
        client = pop(port)
        client.dele(1)
        client.dele(3)
        client.quit()

    await in_thread(dele_then_quit)
    (left,) = files(maildir)
    assert b"Subject: message 2\n" in left.read_bytes()
    assert len(bridge.world.mailbox(BOB).messages) == 1


async def test_a_message_deleted_from_the_maildir_by_a_reader_leaves_the_pop3_drop(serve, maildir):
    bridge = await serve()
    for n in (1, 2):
        await in_thread(send, smtp_port(bridge), f"message {n}")
    box = mailbox.Maildir(maildir / folder_name(BOB), create=False)
    first = min(box.keys(), key=lambda k: box.get_bytes(k).count(b"message 2"))
    box.remove(first)  # what neomutt does when bob deletes it there
    assert len(await in_thread(uidl, bridge.listeners[1].port)) == 1
    assert len(bridge.world.mailbox(BOB).messages) == 1


async def test_maildir_files_have_lf_line_ends(serve, maildir):
    bridge = await serve()

    def raw_send() -> None:
        with smtplib.SMTP("127.0.0.1", smtp_port(bridge), timeout=5) as client:
            client.ehlo()
            client.mail("alice@crepes.fr")
            client.rcpt(BOB)
            # smtplib would make every line end CRLF: send the content as raw bytes.
            client.putcmd("DATA")
            assert client.getreply()[0] == 354
            client.send(b"Subject: ends\r\n\r\nCRLF line\r\nbare CR\rin a line\r\n.\r\n")
            assert client.getreply()[0] == 250

    await in_thread(raw_send)
    (path,) = files(maildir)
    data = path.read_bytes()
    assert b"\r\n" not in data
    assert data.startswith(b"Return-Path: <alice@crepes.fr>\nDelivered-To: bob@cs.tcd.ie\n")
    assert data.endswith(b"Subject: ends\n\nCRLF line\nbare CR\rin a line\n")
    # The world (and POP3) still has CRLF, and the bare CR as it came.
    (stored,) = bridge.world.mailbox(BOB).messages
    assert stored.data.endswith(b"\r\n\r\nCRLF line\r\nbare CR\rin a line\r\n")
