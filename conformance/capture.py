"""Record a real server's replies to fixed dialogues: the fixtures of the byte-exact tests.

    python conformance/capture.py conformance/scripts/postfix-3.7 tests/protocol/data/postfix-3.7

Each ``*.smtp`` file in the script folder is one dialogue on a fresh connection (the client
bound to 127.0.0.5, like the harness): every line is one ``send()``, written with Python's
backslash escapes (``\\r\\n`` ends a command line; ``MAIL FROM:<a@b.c>\\r\\nRCPT TO:<x>\\r\\n`` is
a pipelined group). After each send the replies are read until the server is quiet for
``--quiet`` seconds or closes. A line ``[tls]`` (after a STARTTLS that got its 220) makes the TLS
handshake, certificate unchecked; the dialogue goes on inside TLS and the transcript says
``C: [tls]``. The transcript goes to OUT/NAME.txt:

    # recorded from <the server's greeting> at 127.0.0.1:25 by conformance/capture.py
    C: EHLO x\\r\\n
    S: 250-mail.cs.tcd.ie
    ...
    S: [closed]

``tests/protocol/test_recorded_postfix.py`` plays the C: lines to the simulator and compares.
"""

from __future__ import annotations

import argparse
import codecs
import socket
import ssl
import time
from pathlib import Path


def read_replies(sock: socket.socket, quiet: float, patience: float = 3.0) -> tuple[bytes, bool]:
    data = b""
    deadline = time.monotonic() + max(quiet, patience)  # the first reply may take a while
    while True:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            chunk = sock.recv(65536)
        except (TimeoutError, ssl.SSLWantReadError):
            return data, False
        if not chunk:
            return data, True
        data += chunk
        if data.endswith(b"\r\n"):
            deadline = time.monotonic() + quiet


_TLS = b"[tls]"


def record(
    script: Path, host: str, port: int, bind: str, quiet: float, patience: float = 3.0
) -> str:
    steps = [
        codecs.escape_decode(line.encode("utf-8"))[0]
        for line in script.read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    ]
    sock: socket.socket = socket.socket()
    sock.bind((bind, 0))
    sock.connect((host, port))
    greeting, closed = read_replies(sock, quiet)
    banner = greeting.decode("utf-8", "replace").strip()
    out = [
        f"# recorded from {banner!r} at {host}:{port} by conformance/capture.py "
        f"(client {bind}) from {script.name}"
    ]
    out += _server_lines(greeting)
    for step in steps:
        if closed:
            break
        if step == _TLS:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE  # (the reference's snake-oil certificate)
            sock = context.wrap_socket(sock)
            out.append("C: [tls]")
            continue
        sock.sendall(step)
        out.append("C: " + _escaped(step))
        replies, closed = read_replies(sock, quiet, patience)
        out += _server_lines(replies)
    if closed:
        out.append("S: [closed]")
    sock.close()
    return "\n".join(out) + "\n"


def _escaped(data: bytes) -> str:
    return codecs.escape_encode(data)[0].decode("ascii")


def _server_lines(data: bytes) -> list[str]:
    return ["S: " + _escaped(line) for line in data.split(b"\r\n")[:-1]]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("scripts", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--real", default="127.0.0.1:25")
    ap.add_argument("--bind", default="127.0.0.5")
    ap.add_argument("--quiet", type=float, default=0.5)
    # (Dovecot delays its answer after failed logins from one address: up to 15 s)
    ap.add_argument("--patience", type=float, default=3.0, help="seconds to wait for a reply")
    args = ap.parse_args()
    host, _, port = args.real.rpartition(":")
    args.out.mkdir(parents=True, exist_ok=True)
    for script in sorted(args.scripts.glob("*.smtp")):
        text = record(script, host, int(port), args.bind, args.quiet, args.patience)
        (args.out / f"{script.stem}.txt").write_text(text, encoding="utf-8")
        print(f"{script.stem}: {text.count(chr(10)) - 1} lines")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
