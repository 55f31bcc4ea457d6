"""Smoke test for bench/bench_engine.py: it runs, and a broken engine cannot pass it.

No timing assertions: only that the transactions complete with the right replies.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from smtp_sim.protocol.server import ServerConnection

BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_engine.py"


def test_body_is_1kb_of_crlf_lines(bench):
    body = bench.make_body()
    assert len(body) == bench.BODY_SIZE
    assert body.endswith(b"\r\n")
    lines = body[:-2].split(b"\r\n")
    assert max(map(len, lines)) <= 78
    assert not any(line.startswith(b".") for line in lines)


def test_engine_transactions_complete(bench):
    count = bench.QUICK["engine_tx"]
    assert bench.run_engine_transactions(count) == count


def test_engine_check_catches_a_refused_recipient(bench):
    # On mail.example.net, bob@example.com is relaying and gets 554: the bench must stop.
    def wrong_domain() -> ServerConnection:
        return ServerConnection(personality=bench.PERSONALITY, hostname="mail.example.net")

    with pytest.raises(bench.BenchError):
        bench.run_engine_transactions(1, connection_factory=wrong_domain)


def test_reply_check_wants_the_code_and_a_complete_reply(bench):
    bench._check_reply(b"250-mail.example.com\r\n250 PIPELINING\r\n", b"250", "EHLO")
    for bad in (b"", b"554 5.7.1 no\r\n", b"250-more to come\r\n", b"250 no line end"):
        with pytest.raises(bench.BenchError):
            bench._check_reply(bad, b"250", "test")


def test_reference_transactions_complete(bench):
    pytest.importorskip("aiosmtpd")
    body = bench.make_body()
    with bench.ReferenceServer() as server:
        assert bench.run_reference_transactions(server, 3, body) == 3
        assert server.handler.octets == 3 * len(body)


def test_main_quick_engine_only(bench, capsys):
    assert bench.main(["--quick", "--rounds", "1", "--engine-tx", "20", "--no-reference"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["engine_median_tx_per_s"] > 0
    assert summary["reference_median_tx_per_s"] is None
