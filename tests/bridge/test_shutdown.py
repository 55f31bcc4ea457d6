"""Stopping: open sessions get 421, a message answered 250 is never lost, and ``smtp-sim
serve`` stops cleanly on SIGINT and SIGTERM."""

from __future__ import annotations

import ast
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import Raw, in_thread, maildir_messages, open_transaction, smtp_port

from smtp_sim.bridge.bridge import Bridge
from smtp_sim.bridge.listen import ListenError, ListenSpec, parse_listen
from smtp_sim.cli import main

ROOT = Path(__file__).resolve().parents[2]
BOB = "bob@cs.tcd.ie"


async def test_stop_sends_421_and_keeps_what_was_acknowledged(serve, maildir):
    bridge = await serve()
    port = smtp_port(bridge)

    def prepare() -> tuple[Raw, Raw]:
        done = open_transaction(port)
        done.send(b"Subject: acknowledged\r\n\r\nkeep me\r\n.\r\n")
        assert done.reply().startswith(b"250 Ok: queued as ")
        half = open_transaction(port)
        half.send(b"Subject: unfinished\r\n\r\nnot yet...\r\n")
        return done, half

    done, half = await in_thread(prepare)
    await bridge.stop()
    shutting = b"421 mail.cs.tcd.ie Server shutting down\r\n"
    assert await in_thread(done.rest) == shutting
    assert await in_thread(half.rest) == shutting
    (stored,) = maildir_messages(maildir, BOB)
    assert stored.endswith(b"Subject: acknowledged\r\n\r\nkeep me\r\n")
    assert [m.data for m in bridge.world.mailbox(BOB).messages] == [stored]
    with pytest.raises(ConnectionRefusedError):
        await in_thread(Raw, port)


async def test_bridge_runs_in_the_callers_loop_and_reports_records(maildir):
    from conftest import classroom

    seen = []
    bridge = Bridge(
        classroom(), [ListenSpec(port=0, target="mail.cs.tcd.ie")], on_record=seen.append
    )
    await bridge.start()
    try:
        raw = await in_thread(Raw, smtp_port(bridge))
        assert (await in_thread(raw.reply)).startswith(b"220 ")
        raw.close()
    finally:
        await bridge.stop()
    assert any("real client 127.0.0.1:" in r.summary for r in seen)
    assert not bridge.running and not bridge.clients


def test_listen_specs():
    assert parse_listen("2525") == ListenSpec(2525, "127.0.0.1", None, None, False)
    spec = parse_listen("0.0.0.0:25=Mail.CS.TCD.IE")
    assert (spec.host, spec.port, spec.target, spec.simulated_port, spec.exposed) == (
        "0.0.0.0",
        25,
        "mail.cs.tcd.ie",
        25,
        True,
    )
    assert parse_listen("2110=mail.cs.tcd.ie").simulated_port == 110
    assert parse_listen("2587=smtp.crepes.fr").simulated_port == 587
    assert parse_listen("2526=mail.cs.tcd.ie:110").simulated_port == 110
    v6 = parse_listen("[::1]:0=mx1.example.org")
    assert (v6.host, v6.port, v6.exposed, str(v6)) == ("::1", 0, False, "[::1]:0=mx1.example.org")
    assert not parse_listen("localhost:2525").exposed
    for bad in ("", "x", "70000", "::1:25", "127.0.0.1:", "2525=", "2525=h:0", ":25"):
        with pytest.raises(ListenError):
            parse_listen(bad)
    with pytest.raises(ListenError, match=r"did you mean 2525=mail\.cs\.tcd\.ie\?"):
        parse_listen("2525:mail.cs.tcd.ie")


def test_a_port_given_twice_is_named(capsys):
    assert main(["serve", "--listen", "27999", "--listen", "127.0.0.1:27999=mail.cs.tcd.ie"]) == 2
    assert "127.0.0.1:27999 is given twice" in capsys.readouterr().err
    assert main(["serve", "--timeout", "0"]) == 2
    assert "(--timeout) must be more than 0 seconds" in capsys.readouterr().err


def test_listen_names_must_exist():
    from conftest import classroom

    with pytest.raises(ListenError, match="no host named"):
        Bridge(classroom(), ["2525=nowhere.example"])
    with pytest.raises(ListenError, match=r"nothing listens on pc\.crepes\.fr port 25"):
        Bridge(classroom(), ["2525=pc.crepes.fr"])
    assert Bridge(classroom(), ["2525"]).listeners[0].target == "smtp.crepes.fr"  # first MTA


def test_the_bridge_never_connects_out():
    """Listening only: no module of the bridge opens a connection of its own."""
    calls = set()
    for path in (ROOT / "smtp_sim" / "bridge").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute):
                calls.add(node.attr)
    assert not calls & {
        "create_connection",
        "open_connection",
        "sock_connect",
        "connect_ex",
        "create_unix_connection",
        "urlopen",
    }


# -- the command ------------------------------------------------------------------------------


def _start_cli(maildir: Path, *extra: str) -> tuple[subprocess.Popen, int]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "smtp_sim",
            "serve",
            "--listen",
            "127.0.0.1:0=mail.cs.tcd.ie",
            "--maildir",
            str(maildir),
            "--no-messages",
            *extra,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stderr is not None
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        line = proc.stderr.readline().decode()
        found = re.search(r"listening on 127\.0\.0\.1:(\d+) -> mail\.cs\.tcd\.ie port 25", line)
        if found:
            return proc, int(found.group(1))
        if not line and proc.poll() is not None:
            break
    proc.kill()
    raise AssertionError(f"smtp-sim serve did not start: {proc.communicate()}")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_serve_stops_cleanly_on_a_signal(tmp_path, sig):
    maildir = tmp_path / "out"
    proc, port = _start_cli(maildir)
    try:
        done = open_transaction(port, b"helo FooBar")
        done.send(b"Subject: FooBar\r\n\r\nHello World\r\n.\r\n")
        assert done.reply().startswith(b"250 Ok: queued as ")
        half = open_transaction(port)
        half.send(b"Subject: cut short\r\n\r\n")
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert done.rest() == half.rest() == b"421 mail.cs.tcd.ie Server shutting down\r\n"
    (stored,) = maildir_messages(maildir, BOB)
    assert stored.endswith(b"Subject: FooBar\r\n\r\nHello World\r\n")
    log = out.decode()
    assert re.search(
        r"=== client-127\.0\.0\.1 -> mail\.cs\.tcd\.ie: real client "
        rf"127\.0\.0\.1:\d+ connected to 127\.0\.0\.1:{port}\n",
        log,
    )
    assert "<-  mail.cs.tcd.ie -> client-127.0.0.1: 250 Ok: queued as " in log
    assert "stopped: 2 connections, 1 message written to the Maildir" in err.decode()


def test_serve_rejects_bad_arguments(capsys):
    with pytest.raises(SystemExit) as info:
        main(["serve", "--listen", "70000"])
    assert info.value.code == 2
    assert "out of range" in capsys.readouterr().err
    assert main(["serve", "--listen", "0=nowhere.example"]) == 2
    assert "no host named 'nowhere.example'" in capsys.readouterr().err


def test_serve_given_a_lesson_serves_its_network(capsys):
    # (a host the network lacks: serve stops before listening, after reading the lesson)
    assert main(["serve", "foobar", "--listen", "0=nowhere.example"]) == 2
    err = capsys.readouterr().err
    from smtp_sim.course.lesson import load_lesson

    network = load_lesson("foobar").resolved_scenario().id
    assert f"foobar is a lesson; its network is the scenario {network!r}" in err
    assert "no host named 'nowhere.example'" in err
    assert "unknown key" not in err


def test_serve_refuses_a_maildir_it_cannot_use(tmp_path, capsys):
    a_file = tmp_path / "passwd"
    a_file.write_text("not a folder")
    assert main(["serve", "--listen", "0", "--maildir", str(a_file)]) == 2
    assert " ".join(capsys.readouterr().err.split()) == (  # (folded to the terminal's width)
        f"smtp-sim serve: cannot keep delivered mail in {a_file}: it is a file, not a folder"
    )
    assert main(["serve", "--listen", "0", "--maildir", str(a_file / "below")]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert err.startswith(f"smtp-sim serve: cannot keep delivered mail in {a_file / 'below'}: ")
    assert "Traceback" not in err


def test_serve_warns_about_an_exposed_address(capsys):
    # 192.0.2.1 (TEST-NET-1) is no address of this machine: the warning comes before the
    # attempt to listen, which then fails, so nothing is ever exposed by this test.
    assert main(["serve", "--listen", "192.0.2.1:0", "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "warning: 192.0.2.1 is not a loopback address" in err
    assert "cannot listen on 192.0.2.1:0" in err


async def test_mail_still_queued_at_exit_is_kept(serve, maildir):
    """mx1 is down: mx2 takes mail for carol and holds it; at exit it goes to DIR/_queue."""
    import io
    import mailbox

    from conftest import classroom

    from smtp_sim.bridge.serve import _report

    world = classroom()
    world.network.hosts["mx1.example.org"].up = False
    world.network.topology_changed()
    bridge = await serve(world=world, target="mx2.example.org")

    def send() -> None:
        raw = Raw(smtp_port(bridge))
        raw.reply()
        # (EHLO on its own: sendmail 8.17 refuses an EHLO with commands already behind it)
        raw.send(b"EHLO laptop\r\n")
        assert raw.reply().startswith(b"250")
        raw.send(b"MAIL FROM:<alice@crepes.fr>\r\nRCPT TO:<carol@example.org>\r\nDATA\r\n")
        assert [r[:3] for r in raw.replies(3)] == [b"250", b"250", b"354"]
        raw.send(b"Subject: held\r\n\r\nwait for me\r\n.\r\nQUIT\r\n")
        assert raw.reply().startswith(b"250 ")

    await in_thread(send)
    await bridge.stop(drain=1.0)
    err = io.StringIO()
    _report(bridge, err)
    assert "still queued at mx2.example.org" in err.getvalue()
    box = mailbox.Maildir(maildir / "_queue", create=False)
    (kept,) = [box.get_bytes(key) for key in box.iterkeys()]
    assert b"X-Smtp-Sim-Envelope: from <alice@crepes.fr> to <carol@example.org>" in kept
    assert kept.endswith(b"Subject: held\n\nwait for me\n")  # LF line ends in a Maildir
