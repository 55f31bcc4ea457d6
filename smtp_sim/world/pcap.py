"""The trace as a Wireshark capture: pcapng, with Ethernet/IPv4/TCP (and UDP for DNS) headers
built from the simulated network.

Each TCP record of the trace becomes the segment it stands for: the SYN, SYN-ACK and ACK of
the handshake, each SMTP/POP3 record's bytes as the segment(s) the simulation sent (split at
the MSS announced in the SYN, 1460 bytes, as on Ethernet), the FIN of each side and the last
ACK, a RST; a retransmission repeats the side's last data segment. The simulation does not
number bytes, so sequence numbers start at an initial sequence number drawn from the
connection's id (deterministic: the same run gives the same file) and count the bytes each side
sent, as TCP does; each segment acknowledges everything the peer had sent before it. A DNS
query and its answer are UDP packets to and from port 53 (the scenario's DNS server, or the
host's local stub resolver 127.0.0.53 when the scenario has none); a query that timed out has
no answer packet. Timestamps are the scenario's start plus the virtual time.

The file format is written by dpkt (``dpkt.pcapng.Writer``), which also builds the headers
with their lengths and checksums: a small pure-Python library with no dependencies of its
own (scapy does the same but costs a second of imports and configures itself at import;
python-pcapng writes only the file format, the headers would be ours to compute).
"""

from __future__ import annotations

import hashlib
import socket
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from .trace import Kind, Layer, TraceRecord

if TYPE_CHECKING:
    from .world import World

MSS = 1460
WINDOW = 64240
STUB_RESOLVER = "127.0.0.53"  # where a host asks when the scenario has no DNS server
DNS_PORT = 53
_DATA_LAYERS = (Layer.SMTP, Layer.POP3, Layer.TLS)  # (TLS: handshake flights, as they crossed)


@dataclass
class _Side:
    ip: str
    port: int
    next_seq: int
    last: tuple[int, bytes] | None = None  # the last data segment: (seq, bytes)


@dataclass
class _Conn:
    client: _Side
    server: _Side
    names: tuple[str, str]  # (client host, server host)
    fins: list[str] = field(default_factory=list)

    def sides(self, src: str) -> tuple[_Side, _Side]:
        return (self.client, self.server) if src == self.names[0] else (self.server, self.client)


def _isn(conn: int, side: str) -> int:
    digest = hashlib.sha256(f"{conn}/{side}".encode()).digest()
    return int.from_bytes(digest[:4], "big")


def _mac(ip: str) -> bytes:
    """A locally administered MAC address that carries the host's IPv4 address."""
    return b"\x02\x00" + socket.inet_aton(ip)


class _Packets:
    """Builds the frames, in trace order, with their timestamps."""

    def __init__(self, world: World) -> None:
        import dpkt  # type: ignore[import-untyped]  # (dpkt ships no type hints)

        self.dpkt = dpkt
        self.world = world
        self.epoch = world.start.timestamp()
        self.frames: list[tuple[float, bytes]] = []
        self.conns: dict[int, _Conn] = {}
        self.ip_ids: dict[str, int] = {}
        self.dns_ids: dict[tuple[str, str, str], list[int]] = {}
        self.dns_next = 0x1000

    # -- addresses --------------------------------------------------------------------------

    def ip_of(self, name: str | None) -> str:
        if name is None or name == "DNS":
            return STUB_RESOLVER
        host = self.world.network.hosts.get(name)
        if host is not None:
            return host.ip
        return self.world.resolver.address_of(name) or "0.0.0.0"

    def _frame(self, time: float, src_ip: str, dst_ip: str, proto: int, payload: Any) -> None:
        dpkt = self.dpkt
        ident = self.ip_ids.get(src_ip, 0)
        self.ip_ids[src_ip] = (ident + 1) & 0xFFFF
        ip = dpkt.ip.IP(
            src=socket.inet_aton(src_ip),
            dst=socket.inet_aton(dst_ip),
            p=proto,
            ttl=64,
            id=ident,
            df=1,
            data=payload,
        )
        ip.len = len(ip)
        eth = dpkt.ethernet.Ethernet(
            src=_mac(src_ip), dst=_mac(dst_ip), type=dpkt.ethernet.ETH_TYPE_IP, data=ip
        )
        self.frames.append((self.epoch + time, bytes(eth)))

    # -- TCP --------------------------------------------------------------------------------

    def _segment(
        self,
        time: float,
        src: _Side,
        dst: _Side,
        flags: int,
        seq: int,
        ack: int,
        data: bytes = b"",
        opts: bytes = b"",
    ) -> None:
        tcp = self.dpkt.tcp.TCP(
            sport=src.port,
            dport=dst.port,
            seq=seq & 0xFFFFFFFF,
            ack=ack & 0xFFFFFFFF,
            flags=flags,
            win=WINDOW,
            opts=opts,
            data=data,
        )
        tcp.off = (20 + len(opts)) // 4
        self._frame(time, src.ip, dst.ip, self.dpkt.ip.IP_PROTO_TCP, tcp)

    def _conn(self, r: TraceRecord) -> _Conn | None:
        if r.conn is None:
            return None
        conn = self.conns.get(r.conn)
        if conn is None:  # its SYN is not in the trace (or the trace began later)
            ports = r.get("ports") or (49152 + r.conn % 16000, 25)
            client, server = (
                (r.src, r.dst or "") if r.kind is not Kind.SYN_ACK else (r.dst or "", r.src)
            )
            conn = _Conn(
                _Side(self.ip_of(client), ports[0], _isn(r.conn, "c")),
                _Side(self.ip_of(server), ports[1], _isn(r.conn, "s")),
                (client, server),
            )
            self.conns[r.conn] = conn
        return conn

    def tcp(self, r: TraceRecord) -> None:
        t = self.dpkt.tcp
        conn = self._conn(r)
        if conn is None:
            return
        src, dst = conn.sides(r.src)
        if r.kind is Kind.SYN:
            mss = struct.pack("!BBH", t.TCP_OPT_MSS, 4, MSS)
            self._segment(r.time, src, dst, t.TH_SYN, src.next_seq, 0, opts=mss)
            src.next_seq += 1
        elif r.kind is Kind.SYN_ACK:
            mss = struct.pack("!BBH", t.TCP_OPT_MSS, 4, MSS)
            self._segment(
                r.time, src, dst, t.TH_SYN | t.TH_ACK, src.next_seq, dst.next_seq, opts=mss
            )
            src.next_seq += 1
        elif r.kind is Kind.ACK:
            self._segment(r.time, src, dst, t.TH_ACK, src.next_seq, dst.next_seq)
        elif r.kind is Kind.FIN:
            self._segment(r.time, src, dst, t.TH_FIN | t.TH_ACK, src.next_seq, dst.next_seq)
            src.next_seq += 1
            conn.fins.append(r.src)
            if len(conn.fins) == 2:  # the first to close acknowledges the second FIN
                back = self.world.network.latency(r.src, conn.fins[0]) or 0.0
                self._segment(r.time + back, dst, src, t.TH_ACK, dst.next_seq, src.next_seq)
        elif r.kind is Kind.RST:
            if conn.server.next_seq == _isn(r.conn or 0, "s") and r.src == conn.names[1]:
                # refused: the answer to the SYN, acknowledging it (RFC 9293 3.10.7.1)
                self._segment(r.time, src, dst, t.TH_RST | t.TH_ACK, 0, dst.next_seq)
            else:
                self._segment(r.time, src, dst, t.TH_RST | t.TH_ACK, src.next_seq, dst.next_seq)
        elif r.kind is Kind.RETRANSMIT and src.last is not None:
            seq, data = src.last
            self._segment(r.time, src, dst, t.TH_PUSH | t.TH_ACK, seq, dst.next_seq, data)

    def data(self, r: TraceRecord) -> None:
        t = self.dpkt.tcp
        conn = self._conn(r)
        if conn is None:
            return
        src, dst = conn.sides(r.src)
        # inside TLS the link carried the records, not what the ends read (world/tls.py)
        sealed = r.get("ciphertext")
        payload = r.data if sealed is None else bytes.fromhex(sealed)
        for at in range(0, len(payload), MSS):
            chunk = payload[at : at + MSS]
            src.last = (src.next_seq, chunk)
            self._segment(r.time, src, dst, t.TH_PUSH | t.TH_ACK, src.next_seq, dst.next_seq, chunk)
            src.next_seq += len(chunk)

    # -- DNS --------------------------------------------------------------------------------

    def dns(self, r: TraceRecord) -> None:
        dns = self.dpkt.dns
        rrtype = str(r.get("rrtype") or "MX")  # (TXT and A: the mail-authentication checks')
        qtype = {"TXT": dns.DNS_TXT, "A": dns.DNS_A}.get(rrtype, dns.DNS_MX)
        name = r.get("name") or ""
        query = r.kind is Kind.QUERY
        client = r.src if query else (r.dst or "")
        key = (client, name, rrtype)
        if query:
            ident = self.dns_next
            self.dns_next = (self.dns_next + 1) & 0xFFFF
            self.dns_ids.setdefault(key, []).append(ident)
        else:
            waiting = self.dns_ids.get(key) or []
            if not waiting or r.get("failure") == "timeout":
                return  # no answer reached the asker
            ident = waiting.pop(0)
        message = dns.DNS(id=ident, op=dns.DNS_RD | (0 if query else dns.DNS_QR | dns.DNS_RA))
        message.qd = [dns.DNS.Q(name=name, type=qtype, cls=dns.DNS_IN)]
        if not query:
            failure = r.get("failure")
            message.rcode = {
                "NXDOMAIN": dns.DNS_RCODE_NXDOMAIN,
                "SERVFAIL": dns.DNS_RCODE_SERVFAIL,
            }.get(failure, dns.DNS_RCODE_NOERR)
            answers, extra = [], []
            if rrtype != "MX":
                answers = [self._answer(name, qtype, value) for value in r.get("answers") or ()]
            for preference, host in self._mx_answers(r) if rrtype == "MX" else ():
                answers.append(
                    dns.DNS.RR(
                        name=name,
                        type=dns.DNS_MX,
                        cls=dns.DNS_IN,
                        ttl=3600,
                        preference=preference,
                        mxname=host,
                    )
                )
                address = self.world.resolver.address_of(host)
                if address is not None:
                    extra.append(
                        dns.DNS.RR(
                            name=host,
                            type=dns.DNS_A,
                            cls=dns.DNS_IN,
                            ttl=3600,
                            ip=socket.inet_aton(address),
                        )
                    )
            message.an, message.ar = answers, extra
        port = 33000 + ident % 28000  # the asker's port for this query
        sport, dport = (port, DNS_PORT) if query else (DNS_PORT, port)
        udp = self.dpkt.udp.UDP(sport=sport, dport=dport, data=bytes(message))
        udp.ulen = len(udp)
        self._frame(r.time, self.ip_of(r.src), self.ip_of(r.dst), self.dpkt.ip.IP_PROTO_UDP, udp)

    @staticmethod
    def _mx_answers(r: TraceRecord) -> list[tuple[int, str]]:
        """An MX answer's (preference, host) pairs (a check's lookup writes "PREF HOST")."""
        pairs = []
        for answer in r.get("answers") or ():
            if isinstance(answer, str):
                preference, _, host = answer.partition(" ")
                pairs.append((int(preference), host))
            else:
                pairs.append((answer[0], answer[1]))
        return pairs

    def _answer(self, name: str, qtype: int, value: str) -> Any:
        """A TXT record (its text in strings of at most 255 octets, RFC 1035 3.3.14) or an A
        record."""
        dns = self.dpkt.dns
        if qtype == dns.DNS_A:
            return dns.DNS.RR(
                name=name, type=qtype, cls=dns.DNS_IN, ttl=3600, ip=socket.inet_aton(value)
            )
        data = value.encode()
        chunks = [data[i : i + 255] for i in range(0, len(data), 255)] or [b""]
        return dns.DNS.RR(name=name, type=qtype, cls=dns.DNS_IN, ttl=3600, text=chunks)


def write_pcapng(world: World, out: BinaryIO) -> int:
    """Write the world's trace as pcapng to ``out``; returns the number of packets."""
    from dpkt.pcapng import Writer  # type: ignore[import-untyped]  # (no type hints)

    packets = _Packets(world)
    for r in world.trace:
        if r.layer is Layer.TCP:
            packets.tcp(r)
        elif r.layer in _DATA_LAYERS and r.data and r.conn is not None:
            packets.data(r)
        elif r.layer is Layer.DNS and r.kind in (Kind.QUERY, Kind.ANSWER):
            packets.dns(r)
    frames = sorted(packets.frames, key=lambda frame: frame[0])  # (stable: trace order kept)
    writer = Writer(out, snaplen=65535)
    for ts, frame in frames:
        writer.writepkt(frame, ts=ts)
    return len(frames)


def save_pcapng(world: World, path: str | Path) -> int:
    with open(path, "wb") as out:
        return write_pcapng(world, out)


def pcapng_bytes(world: World) -> bytes:
    import io

    out = io.BytesIO()
    write_pcapng(world, out)
    return out.getvalue()
