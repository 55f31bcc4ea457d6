"""Progress is saved atomically; a corrupt file is set aside with a warning."""

import contextlib
import json
import os

from smtp_sim.course.progress import Progress, ProgressStore


def test_round_trip(tmp_path):
    store = ProgressStore(tmp_path / "progress.json")
    p = Progress(current="foobar")
    p.lesson("foobar").steps_done = ["connect", "helo"]
    p.lesson("foobar").answers["recap"] = ["b"]
    p.lesson("foobar").hints_used["helo"] = 2
    store.save(p)
    back = store.load()
    assert back.current == "foobar"
    assert back.lessons["foobar"].steps_done == ["connect", "helo"]
    assert back.lessons["foobar"].answers == {"recap": ["b"]}
    assert back.warning is None


def test_missing_file_is_a_fresh_start(tmp_path):
    assert ProgressStore(tmp_path / "none.json").load() == Progress()


def test_corrupt_file_is_set_aside_with_a_warning(tmp_path):
    path = tmp_path / "progress.json"
    path.write_text('{"version": 1, "lessons": {"foobar": ')
    progress = ProgressStore(path).load()
    assert progress.lessons == {}
    assert "corrupt" in progress.warning
    assert not path.exists()
    assert (tmp_path / "progress.corrupt-1.json").read_text().startswith('{"version": 1')


def test_wrong_shape_is_corrupt_too(tmp_path):
    path = tmp_path / "progress.json"
    path.write_text(json.dumps({"version": 1, "lessons": {"x": 5}}))
    assert "corrupt" in ProgressStore(path).load().warning


def test_a_file_that_is_not_text_is_corrupt_too(tmp_path):
    path = tmp_path / "progress.json"
    garbage = bytes(range(128, 256)) * 2
    path.write_bytes(garbage)
    progress = ProgressStore(path).load()
    assert progress.lessons == {} and "corrupt" in progress.warning
    assert (tmp_path / "progress.corrupt-1.json").read_bytes() == garbage


def test_a_crash_mid_write_leaves_the_old_file(tmp_path, monkeypatch):
    store = ProgressStore(tmp_path / "progress.json")
    store.save(Progress(current="one"))

    def boom(*args, **kwargs):
        raise OSError("disk on fire")

    monkeypatch.setattr(os, "replace", boom)
    with contextlib.suppress(OSError):
        store.save(Progress(current="two"))
    monkeypatch.undo()
    assert store.load().current == "one"
    assert [p.name for p in tmp_path.iterdir()] == ["progress.json"]  # no temp file left


def test_data_dir_override(tmp_path, monkeypatch):
    monkeypatch.setenv("SMTP_SIM_DATA_DIR", str(tmp_path))
    assert ProgressStore().path == tmp_path / "progress.json"
