"""Lesson texts speak the student's words: a server's setting names, source files and
functions (relay_for, open_relay = true, PrivacyOptions, smtpd_check.c...) are jargon to a
student, so the prose says what they do, and names them only on a step's "Sources:" line,
where a reader who wants to check a fact finds them."""

from __future__ import annotations

import re

from smtp_sim.course.lesson import builtin_lessons

#: Setting names, source files and functions: said in words in the prose.
JARGON = re.compile(
    r"relay_for|open_relay|PrivacyOptions|mynetworks|\bsmtpd_\w+|\w+_restrictions|"
    r"_unauth_destination|\w+_backoff_time|maximal_queue_lifetime|disable_vrfy_command|"
    r"check_\w+_access|\bHISTORY\b|RELEASE_NOTES|\w+_maps\b|\bsrc/\w+|\bsmtpd?\.c\b|\w+/\w+\.[ch]\b|\w+\(\)"
)


def _prose(lesson):
    """(where, text) of everything a student reads, each step's "Sources:" lines left out."""
    yield "summary", lesson.summary
    for i, point in enumerate(lesson.summary_points):
        yield f"summary_points[{i}]", point
    for n, step in enumerate(lesson.steps, 1):
        text = "\n".join(line for line in step.text.splitlines() if not line.startswith("Sources:"))
        yield f"step {n} text", text
        yield f"step {n} task", step.task
        for hint in step.hints:
            yield f"step {n} hint", hint
        quiz = step.quiz
        if quiz is not None:
            for part in (
                quiz.question,
                quiz.explanation,
                *quiz.choices,
                *quiz.explain,
                *quiz.hints,
                *quiz.wrong.values(),
            ):
                yield f"step {n} quiz", part


def test_no_lesson_prose_speaks_a_servers_settings_or_source_files():
    found = [
        f"{lesson.id} {where}: {m.group(0)}"
        for lesson in builtin_lessons()
        for where, text in _prose(lesson)
        for m in JARGON.finditer(text)
    ]
    assert found == []


def test_a_sources_line_names_its_sources_in_words():
    """Each "Sources:" line is the step text's last paragraph, one line, and says what each
    source is (an RFC, a CVE, a program's documentation or source code), not only a name."""
    lines = [
        (lesson.id, step.id, line)
        for lesson in builtin_lessons()
        for step in lesson.steps
        for line in step.text.splitlines()
        if line.startswith("Sources:")
    ]
    assert len(lines) >= 10
    for lesson_id, step_id, line in lines:
        step = next(
            s
            for s in next(x for x in builtin_lessons() if x.id == lesson_id).steps
            if s.id == step_id
        )
        assert step.text.rstrip().endswith(line), (lesson_id, step_id)
        for source in line.removeprefix("Sources: ").rstrip(".").split("; "):
            assert re.match(r"(RFC \d|CVE-|[\w. ]+'s )", source), (lesson_id, step_id, source)


def test_commands_tasks_put_no_punctuation_after_a_command_to_copy():
    """walkA, commands step 6: the task box listed 'mail from:<ada@example.edu>,' and 'rset,'
    one per line, and a student copied the list's commas (501)."""
    from smtp_sim.course.lesson import load_lesson

    for step in load_lesson("commands").steps:
        for line in step.solution:
            if len(line) > 2 and not line.startswith("/answer"):
                assert not re.search(re.escape(line) + r"[,;]", step.task or ""), step.task


def test_a_command_with_a_parameter_after_its_address_is_typed_on_one_line():
    """walkB, esmtp step 3 at 80x24: the task box wrapped 'mail from:<alice@crepes.fr>' and
    'SIZE=99999999' onto two rows, and the student typed them as two lines (250, then 500)."""
    import re

    from smtp_sim.course.lesson import builtin_lessons

    for lesson in builtin_lessons():
        for step in lesson.steps:
            if re.search(r">\s+[A-Za-z0-9-]+=\S*", step.task or ""):
                assert "on one line" in step.task, (lesson.id, step.id, step.task)


def test_submission_auth_names_the_refusal_step_2_showed():
    """walkB: step 3 said STARTTLS makes the server forget 'the refused MAIL FROM', but
    step 2's MAIL FROM got 250; its RCPT TO was the one refused."""
    from smtp_sim.course.lesson import load_lesson

    step = next(s for s in load_lesson("submission-auth").steps if s.id == "starttls")
    assert "refused MAIL FROM" not in step.text
    assert "accepted MAIL FROM" in step.text
