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
    # (the step of the part finds no text/plain part after --b: it stops there)
    first = next(i for i, s in enumerate(load_lesson("mime").steps) if s.id == "first-part") + 1
    assert status == 10 + first, out
    assert "a text/plain part after --b" in out


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


def _run_until(tmp_path, lesson_id: str, step_id: str, lines: list[str]) -> tuple[int, int]:
    """Run a lesson's solutions up to ``step_id``, then ``lines`` in its place: the exit
    status and the 1-based number of that step."""
    lesson = load_lesson(lesson_id)
    typed: list[str] = []
    for i, step in enumerate(lesson.steps):
        if step.id == step_id:
            typed += lines
            path = tmp_path / "attempt.txt"
            path.write_text("\n".join(typed) + "\n")
            return main(["run", lesson_id, "--answers", str(path)]), i + 1
        typed += step.solution
        if step.quiz is not None and not any(x.startswith("/answer") for x in step.solution):
            typed.append(f"/answer {step.quiz.solution}")
    raise AssertionError(step_id)


def test_a_part_without_the_empty_line_after_its_headers_is_not_done(tmp_path, capsys):
    # RFC 2046 section 5.1.1: a part is built like a message, its header lines, an empty
    # line, its content; the text typed right after Content-Type is a broken header.
    squeezed = ["", "--b", "Content-Type: text/plain", "Hello Bob, here is the picture."]
    status, number = _run_until(tmp_path, "mime", "first-part", squeezed)
    out = capsys.readouterr().out
    assert status == 10 + number, out
    assert "header lines end with an empty line" in out
    assert "RFC 2046 section 5.1.1" in out


def test_a_gif_part_without_the_empty_line_is_not_done(tmp_path, capsys):
    squeezed = [
        "--b",
        "Content-Type: image/gif",
        "Content-Transfer-Encoding: base64",
        "R0lGODlhAQABAIAAAP8AAP///ywAAAAAAQABAAACAkQBADs=",
        "/answer 2",
    ]
    status, number = _run_until(tmp_path, "base64", "gif-part", squeezed)
    out = capsys.readouterr().out
    assert status == 10 + number, out
    assert "image/gif part" in out and "empty line" in out
