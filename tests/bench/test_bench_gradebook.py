"""Smoke test for bench/bench_gradebook.py: its class of attempts grades as a class would
(some complete, some not, wrong quiz tries), and its check catches a gradebook that is wrong.
No timing assertions."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from smtp_sim.course.gradebook import grade_files

BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_gradebook.py"


def test_the_class_grades_as_written_and_a_wrong_book_is_caught(bench, tmp_path):
    paths = bench.write_attempts(tmp_path, 8)
    book = tmp_path / "book.csv"
    out = io.StringIO()
    assert (
        grade_files(
            "foobar",
            [str(p) for p in paths],
            csv_path=str(book),
            as_json=False,
            seed=None,
            stdout=out,
            stderr=io.StringIO(),
        )
        == 0
    )
    bench.check_book(book, paths)
    text = " ".join(out.getvalue().split())  # (folded to the terminal's width)
    assert "8 attempts at foobar: 4 complete" in text
    assert "s21360002" in text and "4 wrong quiz tries" in text
    book.write_text(book.read_text().replace("s21360000,", "someone-else,", 1))
    with pytest.raises(bench.BenchError):
        bench.check_book(book, paths)
