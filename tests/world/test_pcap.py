"""Captures for Wireshark: `smtp-sim run ... --pcap FILE` writes pcapng with real Ethernet,
IPv4, TCP and UDP headers from the simulated network. Read back with dpkt always, and with
Debian's tshark when it is installed: the SMTP dissector lists each command and reply, `follow
tcp` gives back the bytes of the trace, and a clean run has no TCP analysis warnings."""

from __future__ import annotations

import itertools
import shutil
import socket
import subprocess
from pathlib import Path

import dpkt
import pytest

from smtp_sim.cli import main
from smtp_sim.course.grading import solve
from smtp_sim.course.lesson import load_lesson
from smtp_sim.scenario.build import build_world
from smtp_sim.scenario.files import load_scenario
from smtp_sim.world.pcap import save_pcapng
from smtp_sim.world.trace import Kind, Layer

TSHARK = shutil.which("tshark")
needs_tshark = pytest.mark.skipif(
    TSHARK is None,
    reason="tshark is not installed (Debian: apt-get install tshark); the "
    "capture is still read back with dpkt by the other tests",
)


def tshark(path: Path, *args: str) -> str:
    done = subprocess.run(
        [TSHARK, "-r", str(path), *args], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def foobar(tmp_path_factory):
    """The FooBar lesson solved, and its capture."""
    world = solve(load_lesson("foobar")).world
    path = tmp_path_factory.mktemp("pcap") / "foobar.pcapng"
    save_pcapng(world, path)
    return world, path


@pytest.fixture(scope="module")
def classroom(tmp_path_factory):
    """A relayed delivery with a DNS server: two connections, MX lookups over UDP."""
    world = build_world(load_scenario("classroom"))
    world.run(3600)
    path = tmp_path_factory.mktemp("pcap") / "classroom.pcapng"
    save_pcapng(world, path)
    return world, path


def packets(path: Path):
    with path.open("rb") as handle:
        return [(ts, dpkt.ethernet.Ethernet(frame)) for ts, frame in dpkt.pcapng.Reader(handle)]


def test_headers_come_from_the_simulated_network(foobar):
    world, path = foobar
    frames = packets(path)
    syn = next(r for r in world.trace if r.kind is Kind.SYN)
    sport, dport = syn.get("ports")
    first_ts, first = frames[0]
    ip, tcp = first.data, first.data.data
    assert socket.inet_ntoa(ip.src) == world.network.hosts[syn.src].ip
    assert socket.inet_ntoa(ip.dst) == world.network.hosts[syn.dst].ip
    assert (tcp.sport, tcp.dport) == (sport, dport) and tcp.flags == dpkt.tcp.TH_SYN
    assert first_ts == pytest.approx(world.start.timestamp() + syn.time)
    flags = [f.data.data.flags for _, f in frames[:3]]
    assert flags == [dpkt.tcp.TH_SYN, dpkt.tcp.TH_SYN | dpkt.tcp.TH_ACK, dpkt.tcp.TH_ACK]
    # sequence numbers count the bytes each side sent
    client = [f.data.data for _, f in frames if f.data.data.sport == sport]
    for before, after in itertools.pairwise(client):
        grown = len(before.data) + (1 if before.flags & (dpkt.tcp.TH_SYN | dpkt.tcp.TH_FIN) else 0)
        assert after.seq == (before.seq + grown) & 0xFFFFFFFF
    data = b"".join(
        r.data
        for r in world.trace
        if r.conn == syn.conn and r.src == syn.src and r.layer is Layer.SMTP
    )
    assert b"".join(t.data for t in client) == data


def test_dns_is_udp_port_53(classroom):
    world, path = classroom
    udp = [f.data.data for _, f in packets(path) if isinstance(f.data.data, dpkt.udp.UDP)]
    records = [
        r for r in world.trace if r.layer is Layer.DNS and r.kind in (Kind.QUERY, Kind.ANSWER)
    ]
    assert len(udp) == len(records) > 0
    assert all(53 in (u.sport, u.dport) for u in udp)
    answer = dpkt.dns.DNS(udp[1].data)
    assert answer.qr == dpkt.dns.DNS_R and answer.an[0].mxname == "mail.cs.tcd.ie"


def test_run_writes_the_capture(tmp_path, capsys):
    path = tmp_path / "run.pcapng"
    assert main(["run", "classroom", "--until", "10min", "--pcap", str(path)]) == 0
    assert path.read_bytes()[:4] == b"\x0a\x0d\x0d\x0a"  # a pcapng section header
    assert main(["run", "foobar", "--solve", "--pcap", str(tmp_path / "l.pcapng")]) == 0
    assert len(packets(tmp_path / "l.pcapng")) > 20
    status = main(["run", "classroom", "--pcap", str(tmp_path / "no" / "such" / "x.pcapng")])
    assert status == 1 and "cannot write" in capsys.readouterr().err


@needs_tshark
def test_tshark_lists_each_command_and_reply(foobar):
    world, path = foobar
    out = tshark(
        path, "-Y", "smtp", "-T", "fields", "-e", "smtp.req.command", "-e", "smtp.response.code"
    )
    seen = [line.split("\t") for line in out.splitlines()]
    commands = [c for c, _ in seen if c]
    codes = [int(code) for _, code in seen if code]
    expected_commands = [
        r.data.split()[0].decode().upper() for r in world.trace if r.kind is Kind.COMMAND
    ]
    expected_codes = [code for r in world.trace if r.kind is Kind.REPLY for code in r.get("codes")]
    assert [c.upper() for c in commands] == expected_commands
    assert codes == expected_codes


@needs_tshark
@pytest.mark.parametrize("which", ["foobar", "classroom"])
def test_follow_tcp_gives_back_the_trace_and_no_analysis_warnings(which, request):
    world, path = request.getfixturevalue(which)
    assert tshark(path, "-Y", "tcp.analysis.flags") == ""
    conns = sorted({r.conn for r in world.trace if r.kind is Kind.SYN})
    for stream, conn in enumerate(conns):
        out = tshark(path, "-q", "-z", f"follow,tcp,raw,{stream}")
        got = []  # (from the server?, bytes), as Wireshark reassembled them
        for line in out.splitlines():
            text = line.strip()
            if text and all(c in "0123456789abcdef" for c in text):
                got.append((line.startswith("\t"), bytes.fromhex(text)))
        syn = next(r for r in world.trace if r.kind is Kind.SYN and r.conn == conn)
        expected = [
            (r.src != syn.src, r.data)
            for r in world.trace
            if r.conn == conn and r.layer is not Layer.TCP and r.data
        ]
        assert _joined(got) == _joined(expected), f"stream {stream}"


def _joined(chunks):
    """Consecutive chunks of one direction joined (Wireshark shows a direction's run whole)."""
    out: list[tuple[bool, bytes]] = []
    for server, data in chunks:
        if out and out[-1][0] == server:
            out[-1] = (server, out[-1][1] + data)
        else:
            out.append((server, data))
    return out


@needs_tshark
def test_a_failed_connection_is_a_syn_without_answer(tmp_path):
    world = build_world(load_scenario("classroom"))
    from smtp_sim.world.faults import apply_fault

    apply_fault(world, "host-down", host="mail.cs.tcd.ie")
    world.run(120)
    path = tmp_path / "down.pcapng"
    save_pcapng(world, path)
    out = tshark(
        path,
        "-Y",
        "tcp.flags.syn == 1 && tcp.flags.ack == 0 && ip.dst == "
        + world.network.hosts["mail.cs.tcd.ie"].ip,
        "-T",
        "fields",
        "-e",
        "tcp.dstport",
    )
    assert "25" in out.split()  # the relay tries the dead server (and its mail clients, 587)
    answered = tshark(
        path,
        "-Y",
        "tcp.flags.syn == 1 && tcp.flags.ack == 1 && ip.src == "
        + world.network.hosts["mail.cs.tcd.ie"].ip,
    )
    assert answered == ""
