"""Record short dialogues with the reference sendmail, as fixtures for the byte-exact tests.

    sudo conformance/setup_sendmail.sh          # Debian 12's sendmail 8.17 on 127.0.0.2:25
    python conformance/record_sendmail.py > tests/protocol/data/sendmail-8.17-dialogues.json

Each dialogue is played on a fresh connection from 127.0.0.5 (a stranger, as in the harness);
after every chunk the replies that came are kept, exactly (the date becomes DATE and queue ids
QUEUEID: they differ from run to run). tests/protocol/test_sendmail_reference.py plays the
same chunks to the simulated sendmail-8 and wants the same bytes.
"""

from __future__ import annotations

import argparse
import json
import re
import socket
import sys
import time
from concurrent.futures import ThreadPoolExecutor

U, D = "alice", "cs.tcd.ie"
EHLO = "EHLO client.example.net"
HELO = "HELO client.example.net"
MAIL = "MAIL FROM:<s@example.net>"

#: The address forms of the harness's grammar (conformance/dialogues.py), each as a sender
#: and as a recipient.
ADDRESSES = [
    f"<{U}@{D}>",
    "<bob@cs.tcd.ie>",
    "<staff@cs.tcd.ie>",
    "<postmaster@cs.tcd.ie>",
    "<carol@cs.tcd.ie>",
    "<Alice@cs.tcd.ie>",
    "<root@cs.tcd.ie>",
    "<carol@example.org>",
    "<>",
    f"{U}@{D}",
    "< s@example.net >",
    "<a@b@example.net>",
    f'<"{U}"@{D}>',
    f"<{U}>",
    f"{U}",
    f"<@relay.example.org:{U}@{D}>",
    f"<{U}+tag@{D}>",
    f"<{U}@localhost>",
    f"<{U}@[127.0.0.9]>",
    f"<{'x' * 70}@example.net>",
    f"<carol%example.org@{D}>",
    f"<example.org!carol@{D}>",
    f"<{U}@{D}",
    f"Alice <{U}@{D}>",
    "<ünïcødé@example.net>",
    f"<{U}@exa mple.net>",
    f"<{U}@.example.net>",
    f"<{U}@{D.upper()}>",
    f"<{U}.@{D}>",
    f"<{U}@{D}.>",
    "<postmaster>",
    "<POSTMASTER>",
    f"<{U}@{D}>>",
    f"<<{U}@{D}>",
    f"<{U} @{D}>",
    f"<{U}@mail.cs.tcd.ie>",
    f'<"a b"@{D}>',
    f"<{U}@123.45.67.89>",
    "<@>",
    "<x@>",
    "<@example.net>",
    f"<|/bin/sh -c 'id'@{D}>",
    "<../../etc/passwd>",
    f"<{'a' * 300}@example.net>",
    f"<{U}\x01@{D}>",
    f"<{'b' * 40}@{'c' * 60}.{'d' * 60}.{'e' * 60}.{'f' * 60}.example.net>",
]


def _lines(*lines: str) -> list[bytes]:
    return [line.encode("utf-8") + b"\r\n" for line in lines]


def dialogues() -> dict[str, list[bytes]]:
    out: dict[str, list[bytes]] = {}
    for i, address in enumerate(ADDRESSES):
        out[f"mail-{i:02d}"] = _lines(HELO, f"MAIL FROM:{address}")
        out[f"rcpt-{i:02d}"] = _lines(HELO, MAIL, f"RCPT TO:{address}")
    out.update(
        {
            "greeting-ehlo-help": _lines(
                EHLO, "HELP", "HELP mail", "help vrfy", "HELP foo", "HELP DEBUG", "QUIT now"
            ),
            # (three HELO/EHLO at most each: past that sendmail slows its answers down)
            "helo-names": _lines("HELO", "ehlo", "HELO foo bar", "QUIT"),
            "helo-names-2": _lines("HELO bad<", "HELO -bad-", "HELO [IPv6:::1]", "QUIT"),
            "helo-names-3": _lines("EHLO a_b.example", "HELO x y", "HELO \xff", "QUIT"),
            "before-helo": _lines(
                "MAIL FROM:<s@example.net>",
                "VRFY alice",
                "EXPN staff",
                "RCPT TO:<alice@cs.tcd.ie>",
                "DATA",
                "NOOP",
                "RSET x",
            ),
            "sequence": _lines(
                HELO,
                "DATA",
                "RCPT TO:<alice@cs.tcd.ie>",
                MAIL,
                "DATA",
                MAIL,
                "RCPT TO:<carol@cs.tcd.ie>",
                "DATA",
                "HELO again",
                "RCPT TO:<alice@cs.tcd.ie>",
                "QUIT",
            ),
            "unknown-commands": [
                b"FOO bar\r\n",
                b"   \r\n",
                b"\r\n",
                b"\x1b[2J\r\n",
                b"\x7f\r\n",
                b"NO\x00OP\r\n",
                b"NOOP\x00\r\n",
                b"8bit: caf\xc3\xa9\r\n",
                b"\xff\xfe raw\r\n",
                b"  NOOP  \r\n",
                b"noop\thello\r\n",
                b"DEBUG\r\n",
                b"WIZ\r\n",
                b"TURN\r\n",
                b"SEND FROM:<x@y.z>\r\n",
                b"x" * 1200 + b"\r\n",
                b"QUIT\t\r\n",
            ],
            "too-long-line": [
                b"NOOP " + b"a" * 2041 + b"\r\n",
                b"NOOP " + b"a" * 2042 + b"\r\n",
                b"NOOP\r\n",
            ],
            "bad-command-limit": [b"XYZZY\r\n"] * 27,
            "vrfy-expn": _lines(
                HELO, "VRFY alice", "VRFY BOB", "VRFY carol", "VRFY", "VRFY <alice@cs.tcd.ie>"
            ),
            "vrfy-expn-2": _lines(
                HELO, "VRFY carol@example.org", "VRFY staff", "EXPN staff", "VRFY alice extra"
            ),
            "vrfy-expn-3": _lines(HELO, "EXPN carol", "EXPN", "VRFY root", "VRFY postmaster"),
            "mail-params": _lines(
                EHLO,
                f"{MAIL} SIZE=999999999 BODY=8BITMIME",
                "RSET",
                f"{MAIL} SIZE=abc",
                "RSET",
                f"{MAIL} SIZE",
                f"{MAIL} BODY=foo",
                f"{MAIL} RET=bad",
                f"{MAIL} SMTPUTF8",
                f"{MAIL} XFOO=bar",
                f"{MAIL} RET=HDRS ENVID=abc123 AUTH=<>",
            ),
            "rcpt-params": _lines(
                EHLO,
                MAIL,
                "RCPT TO:<alice@cs.tcd.ie> NOTIFY=BAD",
                "RCPT TO:<alice@cs.tcd.ie> ORCPT=bad",
                "RCPT TO:<alice@cs.tcd.ie> SIZE=10",
                "RCPT TO:<alice@cs.tcd.ie> NOTIFY=SUCCESS,FAILURE",
                "RCPT TO:<bob@cs.tcd.ie> ORCPT=rfc822;bob@cs.tcd.ie",
            ),
            "syntax": _lines(
                HELO,
                "MAIL",
                "MAIL FROM:",
                "MAIL TO:<a@b.c>",
                "MAIL FROM <a@b.c>",
                "mail from:",
                MAIL,
                "RCPT",
                "RCPT TO:",
                "RCPT FROM:<alice@cs.tcd.ie>",
            ),
            "duplicate-recipient": _lines(
                HELO,
                MAIL,
                "RCPT TO:<alice@cs.tcd.ie>",
                "RCPT TO:<alice@localhost>",
                "RCPT TO:<Alice>",
            ),
            "sender-checks": _lines(
                HELO,
                "MAIL FROM:<x@nowhere.invalid>",
                "RCPT TO:<carol@example.org>",
                "RCPT TO:<carol@cs.tcd.ie>",
                "RCPT TO:<postmaster@cs.tcd.ie>",
                "RSET",
                "MAIL FROM:<alice>",
                "RCPT TO:<bob@cs.tcd.ie>",
            ),
            "data": [
                *_lines(EHLO, MAIL, "RCPT TO:<alice@cs.tcd.ie>", "DATA x"),
                b"Subject: t\r\n\r\n..stuffed\r\n" + b"y" * 2100 + b"\r\n.\r\n",
                *_lines("RSET now", "QUIT"),
            ],
            "data-nul": [
                *_lines(EHLO, MAIL, "RCPT TO:<alice@cs.tcd.ie>", "DATA"),
                b"Subject: t\r\n\r\nNUL\x00inside\r\n.\r\n",
                *_lines("NOOP"),
            ],
            "data-bare-lf": [
                *_lines(EHLO, MAIL, "RCPT TO:<alice@cs.tcd.ie>", "DATA"),
                b"Subject: t\r\n\r\nbare\nLF\r\n.\r\n",
                *_lines("NOOP"),
            ],
            "data-bare-cr": [
                *_lines(EHLO, MAIL, "RCPT TO:<alice@cs.tcd.ie>", "DATA"),
                b"Subject: t\r\n\r\nbare\rCR\r\n.\r\n",
                *_lines("NOOP"),
            ],
            "data-smuggling": [
                *_lines(EHLO, MAIL, "RCPT TO:<alice@cs.tcd.ie>", "DATA"),
                b"Subject: t\r\n\r\nx\r\n.\nRSET\r\n",
                *_lines("NOOP"),
            ],
            "extensions": _lines(
                EHLO,
                "STARTTLS x",
                "STARTTLS",
                "AUTH PLAIN AGFsaWNl",
                "AUTH",
                "ETRN",
                "ETRN #queue",
                "VERB",
                "XCLIENT NAME=x",
                "ONEX",
            ),
            "pipelined-ehlo": [
                b"EHLO x\r\nNOOP\r\n",
                *_lines(MAIL, "VRFY alice", "HELP", "RSET"),
                b"EHLO y\r\n",
                b"HELO z\r\n",
                *_lines("QUIT"),
            ],
        }
    )
    return out


def play(chunks: list[bytes], host: str, port: int, bind: str) -> dict:
    sock = socket.create_connection((host, port), timeout=10, source_address=(bind, 0))
    replies: list[bytes] = []
    closed = False

    def read(first: float) -> bytes:
        nonlocal closed
        got = b""
        sock.settimeout(first)
        while not closed:
            try:
                data = sock.recv(65536)
            except TimeoutError:
                break
            except OSError:
                closed = True
                break
            if not data:
                closed = True
                break
            got += data
            sock.settimeout(0.8)  # sendmail may slow down a little; then it is quiet
        return got

    greeting = read(8)
    for chunk in chunks:
        if closed:
            break
        try:
            sock.sendall(chunk)
        except OSError:
            closed = True
            break
        replies.append(read(8))
    sock.close()
    return {"greeting": greeting, "replies": replies, "closed": closed}


def normalise(data: bytes) -> str:
    data = re.sub(
        rb"(?:[A-Z][a-z]{2}, )?\d{1,2} [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d "
        rb"(?:GMT|[+-]\d{4})",
        b"DATE",
        data,
    )
    data = re.sub(rb"\b[0-9A-Za-z]{14}( Message accepted)", rb"QUEUEID\1", data)
    return data.decode("latin-1")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--real", default="127.0.0.2:25")
    ap.add_argument("--bind", default="127.0.0.5")
    args = ap.parse_args()
    host, _, port = args.real.rpartition(":")
    todo = dialogues()
    with ThreadPoolExecutor(8) as pool:
        results = dict(
            zip(
                todo,
                pool.map(lambda c: play(c, host, int(port), args.bind), todo.values()),
                strict=False,
            )
        )
    fixture = {
        "source": "Debian 12 sendmail 8.17.1.9-2+deb12u2, default sendmail.mc as configured by "
        "conformance/setup_sendmail.sh, client 127.0.0.5; recorded by "
        f"conformance/record_sendmail.py on {time.strftime('%Y-%m-%d', time.gmtime())}",
        "dialogues": [
            {
                "name": name,
                "client": [c.decode("latin-1") for c in chunks],
                "greeting": normalise(results[name]["greeting"]),
                "replies": [normalise(r) for r in results[name]["replies"]],
                "closed": results[name]["closed"],
            }
            for name, chunks in todo.items()
        ],
    }
    json.dump(fixture, sys.stdout, indent=1, ensure_ascii=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
