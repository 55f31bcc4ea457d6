"""A lesson naming its scenario file by a relative path finds it beside itself, so lessons kept
in git with their networks run from any folder."""

from pathlib import Path

from smtp_sim.cli import main
from smtp_sim.course.lesson import load_lesson

ROOT = Path(__file__).resolve().parents[2]

LESSON = """
id = "beside"
title = "Beside"
summary = "A lesson whose network is a file next to it"
scenario = "{ref}"

[[steps]]
id = "hello"
title = "Say hello"
text = "Connect."
solution = ["telnet mail.cs.tcd.ie 25"]
checks = [{{ kind = "reply", code = 220 }}]
"""


def _course(tmp_path: Path, ref: str) -> Path:
    folder = tmp_path / "course"
    (folder / "nets").mkdir(parents=True)
    network = (ROOT / "lessons" / "classroom.toml").read_text()
    (folder / "nets" / "net.toml").write_text(network.replace('id = "classroom"', 'id = "mine"'))
    lesson = folder / "lesson.toml"
    lesson.write_text(LESSON.format(ref=ref))
    return lesson


def test_a_relative_scenario_is_found_beside_the_lesson(tmp_path, monkeypatch, capsys):
    lesson = _course(tmp_path, "nets/net.toml")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert load_lesson(lesson).resolved_scenario().id == "mine"
    assert main(["check", str(lesson)]) == 0
    assert main(["run", str(lesson), "--solve"]) == 0
    assert "PASS" in capsys.readouterr().out


def test_a_missing_file_is_named_where_it_was_looked_for(tmp_path, monkeypatch, capsys):
    lesson = _course(tmp_path, "nets/none.toml")
    monkeypatch.chdir(tmp_path)
    assert main(["check", str(lesson)]) == 2
    err = capsys.readouterr().err
    assert str(lesson.parent / "nets" / "none.toml") in err and "no such file" in err
