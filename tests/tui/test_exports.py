"""Exports from the app and from ``smtp-sim run``: the transcript, the trace as JSON Lines,
the attempt (which ``smtp-sim run LESSON --answers`` re-grades to the same result), any screen
and the whole flow diagram as SVG (it parses as XML) and HTML."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest

from smtp_sim.cli import main
from smtp_sim.course.grading import grade_attempt, read_attempt
from smtp_sim.course.lesson import load_lesson
from smtp_sim.course.progress import ProgressStore
from smtp_sim.tui.app import SmtpSimApp
from smtp_sim.tui.exporting import EXPORT_KINDS, export_filename
from smtp_sim.tui.palette import ExportCommands
from smtp_sim.tui.widgets.console import Console
from smtp_sim.world.transcript import to_text

FOOBAR = [
    "telnet mail.cs.tcd.ie 25",
    "helo FooBar",
    "mail from: alice@crepes.fr",
    "rcpt to: bob@cs.tcd.ie",
    "data",
    "To: Someone@S",
    "From: SomeOneElse@S",
    "Subject: FooBar",
    "",
    "Hello World",
    ".",
    "quit",
]
SVG = "{http://www.w3.org/2000/svg}"


async def type_line(pilot, line: str) -> None:
    console = pilot.app.query_one(Console)
    console.input.value = line
    await pilot.press("enter")
    await pilot.pause()


def foobar_app(tmp_path: Path) -> SmtpSimApp:
    return SmtpSimApp(
        load_lesson("foobar"),
        store=ProgressStore(tmp_path / "progress.json"),
        export_dir=tmp_path / "out",
    )


class _Html(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.tags.append(tag)

    def handle_data(self, data) -> None:
        self.text.append(data)


def parse_html(path: Path) -> _Html:
    parser = _Html()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return parser


def svg_text(path: Path) -> str:
    root = ET.parse(path).getroot()  # raises if it is not well-formed XML
    assert root.tag == f"{SVG}svg"
    return "".join(t.text or "" for t in root.iter(f"{SVG}text")).replace("\xa0", " ")


async def test_every_export_of_a_finished_lesson(tmp_path):
    app = foobar_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        for line in FOOBAR:
            await type_line(pilot, line)
        await pilot.click("#choice-1")  # the quiz, with the mouse
        await pilot.pause()
        assert app.main.playback.session.complete
        paths = {kind.id: app.main.export(kind.id) for kind in EXPORT_KINDS}
        world = app.main.playback.world
        records = list(world.trace.records)

    out = tmp_path / "out"
    for kind in EXPORT_KINDS:
        assert paths[kind.id] == out / export_filename("foobar", kind.id)
        assert paths[kind.id].name == f"smtp-sim-foobar-{kind.suffix}"

    assert paths["transcript"].read_text(encoding="utf-8") == to_text(records)
    assert "-> pc.crepes.fr -> mail.cs.tcd.ie: helo FooBar" in paths["transcript"].read_text()

    lines = paths["jsonl"].read_text(encoding="utf-8").splitlines()
    parsed = [json.loads(line) for line in lines]
    assert len(parsed) == len(records)
    assert [p["seq"] for p in parsed] == [r.seq for r in records]

    # Rich draws each run of text as its own <text> (spaces are positions, not characters).
    assert "221" in svg_text(paths["screen-svg"])  # the console's last reply
    assert "helo" in svg_text(paths["flow-svg"])  # the flow's first command: all of it
    for kind, shown in (("screen-html", "221"), ("flow-html", "helo FooBar")):
        html = parse_html(paths[kind])
        assert {"html", "head", "title", "body", "pre"} <= set(html.tags)
        assert shown in "".join(html.text)

    data = json.loads(paths["attempt"].read_text(encoding="utf-8"))
    assert data["format"] == "smtp-sim-attempt" and data["lesson"] == "foobar"
    typed = [item["line"] for item in data["inputs"]]
    assert typed[: len(FOOBAR)] == FOOBAR
    assert typed[-1].startswith("/answer ")  # the quiz clicked with the mouse is in it
    times = [item["time"] for item in data["inputs"]]
    steps = [item["step"] for item in data["inputs"]]
    assert times == sorted(times) and times[-1] > 0
    assert steps == sorted(steps)


async def test_an_exported_attempt_regrades_to_the_same_result(tmp_path, capsys):
    """Complete, partial, and with a fault from the command palette in it."""
    scripts = {
        "complete": (FOOBAR, None),
        "partial": (FOOBAR[:4], None),
        "fault": (FOOBAR, ("mailbox-full", {"address": "bob@cs.tcd.ie"})),
    }
    for name, (lines, fault) in scripts.items():
        app = foobar_app(tmp_path / name)
        async with app.run_test(size=(120, 40)) as pilot:
            if fault is not None:
                app.main.apply_fault(fault[0], **fault[1])
            for line in lines:
                await type_line(pilot, line)
            await type_line(pilot, "/answer b")
            path = app.main.export("attempt")
            session = app.main.playback.session
            session.run_idle(horizon=3600.0)  # what grading does after the last input
            session.evaluate()
            seen = session.passed_steps()
        assert path is not None
        grade = grade_attempt(app.main.lesson, read_attempt(path))
        assert [s.passed for s in grade.steps] == seen, name
        status = main(["run", "foobar", "--answers", str(path)])
        report = capsys.readouterr().out
        assert status == grade.exit_status
        assert f"{sum(seen)} of 8 steps passed" in report
    # The last one: bob's mailbox was full, so RCPT TO failed in the app; without the fault in
    # the attempt, the re-grade would pass.
    assert status == 14


async def test_attempt_for_another_lesson_is_refused(tmp_path, capsys):
    path = tmp_path / "attempt.json"
    path.write_text(json.dumps({"lesson": "mime", "inputs": [{"line": "quit", "step": 0}]}))
    assert main(["run", "foobar", "--answers", str(path)]) == 2
    assert "not 'foobar'" in capsys.readouterr().err


async def test_the_export_dialog_with_keys(tmp_path):
    app = foobar_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await type_line(pilot, "telnet mail.cs.tcd.ie 25")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen.__class__.__name__ == "ExportScreen"
        await pilot.press(*"Ada", "enter")  # asked once: the name field comes first
        await pilot.press("down", "down", "down", "enter")  # the fourth: this screen (SVG)
        await pilot.pause()
        await pilot.pause()
        assert app.screen.__class__.__name__ != "ExportScreen"
        svg = tmp_path / "out" / "smtp-sim-foobar-screen.svg"
        assert svg.is_file()
        text = svg_text(svg)
        assert "220" in text and "Into the folder:" not in text  # the app, not the dialog
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen.__class__.__name__ != "ExportScreen"


async def test_exports_are_in_the_command_palette(tmp_path):
    app = foobar_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        items = ExportCommands(app.screen).items()
        assert len(items) == len(EXPORT_KINDS)
        _, help_text, callback = next(i for i in items if "Transcript" in i[0])
        assert "smtp-sim-foobar-transcript.txt" in help_text
        callback()
        written = tmp_path / "out" / "smtp-sim-foobar-transcript.txt"
        for _ in range(200):  # (the export may finish after a frame or two on a busy machine)
            await pilot.pause(0.05)
            if written.is_file():
                break
        assert written.is_file()
        binding = next(b for b in app.main.BINDINGS if getattr(b, "id", None) == "app.export")
        assert binding.key == "ctrl+s" and binding.description


async def test_an_export_that_cannot_be_written_is_a_notification(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    app = foobar_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        assert app.main.export("transcript", blocked) is None
        await pilot.pause()
        assert app.is_running


@pytest.mark.parametrize("ref", ["classroom", "foobar", "demo-journey"])
def test_run_writes_the_flow_diagram_and_the_trace(tmp_path, ref, capsys):
    svg = tmp_path / "flow.svg"
    jsonl = tmp_path / "trace.jsonl"
    args = ["run", ref, "--svg", str(svg), "--format", "jsonl", "-o", str(jsonl)]
    if ref == "foobar":
        args.append("--solve")
    assert main(args) == 0
    assert "mail from" in svg_text(svg).lower()
    records = [json.loads(line) for line in jsonl.read_text(encoding="utf-8").splitlines()]
    assert records and all("seq" in r for r in records)
    if ref == "foobar":
        assert "8 of 8 steps passed" in capsys.readouterr().out
    html = tmp_path / "flow.html"
    assert main(["run", ref, "--svg", str(html), "-o", str(tmp_path / "t.txt")]) == 0
    assert "mail from" in "".join(parse_html(html).text).lower()


def test_a_trace_it_cannot_write_does_not_stop_the_flow_diagram(tmp_path, capsys):
    svg = tmp_path / "flow.svg"
    nowhere = tmp_path / "missing" / "trace.txt"
    assert main(["run", "classroom", "-o", str(nowhere), "--svg", str(svg)]) == 1
    assert f"cannot write {nowhere}" in capsys.readouterr().err
    assert "mail from" in svg_text(svg).lower()


def test_a_presentation_runs_headless_and_prints_its_trace(capsys):
    assert main(["run", "demo-journey"]) == 0
    out = capsys.readouterr().out
    assert "=== narrator: Alice presses Send" in out
    assert "bounced" in out


async def test_the_student_is_asked_once_and_named_in_the_attempt(tmp_path):
    """No name yet: the dialog asks for it first and refuses an attempt without it; the
    name goes into the attempt and its file name, and is kept in the progress file."""
    app = foobar_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await type_line(pilot, "telnet mail.cs.tcd.ie 25")
        await type_line(pilot, "helo x")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.focused.id == "export-student"
        await pilot.press("enter", "down", "down", "enter")  # the attempt, with no name
        await pilot.pause()
        assert app.screen.__class__.__name__ == "ExportScreen"
        assert app.focused.id == "export-student"
        await pilot.press(*"Ada L. 2136", "enter", "enter")
        await pilot.pause()
        await pilot.pause()
        path = tmp_path / "out" / "smtp-sim-foobar-attempt-Ada-L.-2136.json"
        assert path.is_file(), list((tmp_path / "out").iterdir())
        data = json.loads(path.read_text())
        assert data["student"] == "Ada L. 2136"
        assert [i["line"] for i in data["inputs"]] == ["telnet mail.cs.tcd.ie 25", "helo x"]
        await pilot.press("ctrl+s")  # asked once: next time the list comes first
        await pilot.pause()
        assert app.focused.id == "export-kinds"
    saved = json.loads((tmp_path / "progress.json").read_text())
    assert saved["student"] == "Ada L. 2136"
    assert ProgressStore(tmp_path / "progress.json").load().student == "Ada L. 2136"


def test_the_student_in_an_attempts_file_name():
    assert (
        export_filename("foobar", "attempt", "21364589") == "smtp-sim-foobar-attempt-21364589.json"
    )
    assert (
        export_filename("foobar", "attempt", "Ann / O'Neill")
        == "smtp-sim-foobar-attempt-Ann-O-Neill.json"
    )
    assert export_filename("foobar", "transcript", "Ann") == "smtp-sim-foobar-transcript.txt"
