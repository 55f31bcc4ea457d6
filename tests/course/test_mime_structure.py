"""The MIME lesson's message must really have its two parts: a mail program reading the
boundaries finds text/plain, then text/enriched (the `parts` of a mailbox check)."""

from smtp_sim.cli import main
from smtp_sim.course.checks import MailboxHas
from smtp_sim.course.lesson import load_lesson


def _attempt(tmp_path, first_part: list[str]) -> str:
    lesson = load_lesson("mime")
    lines: list[str] = []
    for step in lesson.steps:
        lines += first_part if step.id == "first-part" else step.solution
        if step.quiz is not None:
            lines.append(f"/answer {step.quiz.solution}")
    path = tmp_path / "attempt.txt"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def test_the_parts_in_order_pass(tmp_path, capsys):
    good = load_lesson("mime").steps[3].solution
    assert main(["run", "mime", "--answers", _attempt(tmp_path, good)]) == 0


def test_a_part_typed_before_its_boundary_is_no_part(tmp_path, capsys):
    # The part's Content-Type, the empty line and the text come before --b: a mail program
    # sees them as the multipart's preamble, and finds only one part.
    muddled = [
        "",
        "Content-Type: text/plain; charset=us-ascii",
        "",
        "Hello Bob, this message has two parts.",
        "--b",
    ]
    status = main(["run", "mime", "--answers", _attempt(tmp_path, muddled)])
    out = capsys.readouterr().out
    close = next(i for i, s in enumerate(load_lesson("mime").steps) if s.id == "close") + 1
    assert status == 10 + close, out
    assert "the parts text/plain, text/enriched in this order" in out


def test_parts_compare_the_leaf_types_in_order():
    check = MailboxHas(address="x@y", parts=["text/plain", "image/gif"])
    assert "the parts text/plain, image/gif in this order" in check.describe()


def test_the_worm_script_needs_the_empty_line_sed_cuts_at(tmp_path, capsys):
    lesson = load_lesson("morris-worm")
    lines: list[str] = []
    for step in lesson.steps:
        lines += [x for x in step.solution if x != ""] if step.id == "script" else step.solution
        if step.quiz is not None:
            lines.append(f"/answer {step.quiz.solution}")
    path = tmp_path / "attempt.txt"
    path.write_text("\n".join(lines) + "\n")
    script = next(i for i, s in enumerate(lesson.steps) if s.id == "script") + 1
    assert main(["run", "morris-worm", "--answers", str(path)]) == 10 + script
    assert "not met: an empty message line typed by the student" in capsys.readouterr().out
