"""Smoke test for bench/bench_grading.py: its attempts grade as it expects, and its checks
catch a grade that is wrong. No timing assertions."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_grading.py"


def test_each_attempt_grades_as_expected_and_leaves_the_world_alone(bench):
    lesson = bench.load_lesson(bench.LESSON)
    for attempt in bench.ATTEMPTS:
        graded, baseline, records = bench.run_pair(lesson, attempt, 20)
        assert graded > 0 and baseline > 0 and records > 20


def test_a_wrong_grade_stops_the_benchmark(bench):
    lesson = bench.load_lesson(bench.LESSON)
    wrong = replace(bench.ATTEMPTS[0], exit_status=0)
    with pytest.raises(bench.BenchError):
        bench.run_pair(lesson, wrong, 10)


def test_the_report_ends_with_a_json_line(bench, capsys):
    assert bench.main(["--quick", "--sizes", "10,20", "--attempts", "noop"]) == 0
    last = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert last["benchmark"] == "bench_grading"
    assert [r["lines"] for r in last["results"]] == [10, 20]
