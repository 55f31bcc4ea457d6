"""bench/bench_bridge.py runs and cannot pass with a lost or doubled message; its soak mode
reports memory."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_bridge.py"


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


def test_bench_soak_reports_memory_and_empties_the_maildir_over_pop3(bench, capsys):
    assert bench.main(["--soak", "--soak-mb", "10", "--soak-clients", "1", "--no-reference"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    rss = summary["rss_mb"]["bridge"]
    if rss["start"] is not None:  # (Linux /proc)
        assert rss["start"] <= rss["peak"] and rss["after_pop3"] > 0
