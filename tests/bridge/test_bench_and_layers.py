"""bench/bench_bridge.py runs and cannot pass with a lost or doubled message; the bridge keeps
to its layer; IPv6 loopback works like IPv4."""

from __future__ import annotations

import ast
import json
import socket
from pathlib import Path

import pytest
from conftest import classroom, in_thread

from smtp_sim.bridge import Bridge

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench" / "bench_bridge.py"


def test_bench_messages_are_1kb_unique_and_need_no_stuffing(bench):
    first, second = bench.make_message(0, 0), bench.make_message(0, 1)
    assert len(first) == len(second) == bench.BODY_SIZE
    assert first != second and first.endswith(b"\r\n")
    assert not any(line.startswith(b".") for line in first.split(b"\r\n"))


def test_bench_check_catches_a_doubled_or_missing_message(bench, tmp_path):
    import mailbox

    box = mailbox.Maildir(tmp_path / bench.RECIPIENT, create=True)
    for number in range(2):
        box.add(bench.make_message(0, number))
    bench.check_maildir(tmp_path, 1, 2)
    box.add(bench.make_message(0, 1))
    with pytest.raises(bench.BenchError, match="1 twice"):
        bench.check_maildir(tmp_path, 1, 2)
    with pytest.raises(bench.BenchError, match="2 missing"):
        bench.check_maildir(tmp_path, 2, 2)


def test_bench_quick_run(bench, capsys):
    pytest.importorskip("aiosmtpd")
    assert bench.main(["--quick", "--clients", "3", "--messages", "2"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["bridge_median_msg_per_s"] > 0
    assert summary["reference_median_msg_per_s"] > 0


def test_the_bridge_imports_no_ui_and_no_course():
    forbidden = ("textual", "rich", "smtp_sim.tui", "smtp_sim.course")
    for path in (ROOT / "smtp_sim" / "bridge").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] if not node.level else [f"smtp_sim.{node.module}"]
            for name in names:
                assert not name.startswith(forbidden), f"{path.name} imports {name}"


def _ipv6_loopback() -> bool:
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as sock:
            sock.bind(("::1", 0))
        return True
    except OSError:
        return False


@pytest.mark.skipif(not _ipv6_loopback(), reason="no IPv6 loopback here")
async def test_ipv6_loopback():
    bridge = Bridge(classroom(), ["[::1]:0=mail.cs.tcd.ie"])
    await bridge.start()

    def talk() -> bytes:
        with socket.create_connection(("::1", bridge.listeners[0].port), timeout=10) as sock:
            sock.sendall(b"HELO v6.example\r\nQUIT\r\n")
            out = b""
            while chunk := sock.recv(4096):
                out += chunk
            return out

    try:
        out = await in_thread(talk)
    finally:
        await bridge.stop()
    assert out == (
        b"220 mail.cs.tcd.ie ESMTP Postfix (1.1.13)\r\n250 mail.cs.tcd.ie\r\n221 Bye\r\n"
    )
    assert "client-::1" in bridge.world.network.hosts
    assert str(bridge.listeners[0]).startswith("[::1]:")


def test_bench_soak_reports_memory_and_empties_the_maildir_over_pop3(bench, capsys):
    assert bench.main(["--soak", "--soak-mb", "10", "--soak-clients", "1", "--no-reference"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    rss = summary["rss_mb"]["bridge"]
    if rss["start"] is not None:  # (Linux /proc)
        assert rss["start"] <= rss["peak"] and rss["after_pop3"] > 0
