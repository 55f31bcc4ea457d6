"""The course states facts about the simulated servers from the one place they live.

Lessons name a personality (``{{postfix-3}}``, ``{{postfix-3:relay_denied <a@b>}}``) instead
of copying its version or its replies, so the text follows the personality when it changes.
"""

from __future__ import annotations

import re

import pytest

from smtp_sim.course.lesson import builtin_lessons, parse_lesson
from smtp_sim.course.placeholders import fill_placeholders
from smtp_sim.protocol.personalities import PERSONALITIES, POSTFIX_3
from smtp_sim.protocol.replies import ReplyKind, render
from smtp_sim.scenario.builtin import builtin_dir
from smtp_sim.scenario.problems import ScenarioError

_LESSON = '''
id = "facts"
title = "Facts"
summary = "{summary}"
scenario = "press-send-net"
[[steps]]
id = "one"
title = "One"
text = """
{text}
"""
solution = ["telnet smtp.crepes.fr 25"]
checks = [{{ kind = "connected", host = "smtp.crepes.fr", port = 25 }}]
'''


def _lesson(text: str, summary: str = "s"):
    return parse_lesson(_LESSON.format(text=text, summary=summary), "facts.toml")


def test_a_personality_placeholder_is_its_name() -> None:
    lesson = _lesson(
        "It runs {{postfix-3}}; Bob's runs {{ postfix-1.1 }}.", summary="Today: {{postfix-3}}"
    )
    assert lesson.steps[0].text.strip() == (
        f"It runs {POSTFIX_3.name}; Bob's runs {PERSONALITIES['postfix-1.1'].name}."
    )
    assert lesson.summary == f"Today: {POSTFIX_3.name}"


@pytest.mark.parametrize("ident", sorted(PERSONALITIES))
def test_a_reply_placeholder_is_the_personality_reply(ident: str) -> None:
    personality = PERSONALITIES[ident]
    spec = personality.reply(ReplyKind.RELAY_DENIED)
    expected = render(
        spec, enhanced_codes=personality.enhanced_codes, address="<carol@example.org>"
    )
    text = fill_placeholders(f"{{{{{ident}:relay_denied <carol@example.org>}}}}")
    assert text == str(expected)
    assert text.startswith(f"{spec.code} ")


def test_named_fields_fill_the_template() -> None:
    text = fill_placeholders("{{sendmail-8:unknown_command line=debug}}")
    spec = PERSONALITIES["sendmail-8"].reply(ReplyKind.UNKNOWN_COMMAND)
    assert text == str(render(spec, enhanced_codes=True, line="debug"))


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("{{postfix-9}}", ["postfix-9", "postfix-3", "sendmail-8"]),
        ("{{postfix-3:no_such_kind}}", ["no_such_kind", "relay_denied"]),
        ("{{ what is this }}", ["not a placeholder"]),
    ],
)
def test_a_bad_placeholder_is_an_error_in_the_lesson(text: str, words: list[str]) -> None:
    with pytest.raises(ScenarioError) as exc:
        _lesson(text)
    message = str(exc.value)
    assert "facts.toml:" in message and "steps[0].text" in message
    for word in words:
        assert word in message


def test_builtin_lessons_have_no_unfilled_placeholder() -> None:
    for lesson in builtin_lessons():
        for step in lesson.steps:
            prose = [step.text, step.task, *step.hints]
            if step.quiz:
                prose += [step.quiz.question, *step.quiz.choices, step.quiz.explanation]
            for text in prose:
                assert "{{" not in text and "}}" not in text, (lesson.id, step.id)


#: The personalities that stand for today's servers: their versions change when the
#: personality does, so lessons name them only through a placeholder. ("since Postfix 3.9"
#: dates a change in Postfix's history, not the version modelled.)
_TODAY = re.compile(r"(?<!since )\b(Postfix|sendmail)\s+(3|8)\.\d+", re.IGNORECASE)


def test_lessons_read_todays_versions_from_the_personalities() -> None:
    found = []
    for path in sorted(builtin_dir().glob("*.toml")):
        text = re.sub(r"\s+", " ", path.read_text(encoding="utf-8"))
        found += [f"{path.name}: {m.group(0)}" for m in _TODAY.finditer(text)]
    assert found == []
    assert any(
        "{{postfix-3}}" in p.read_text(encoding="utf-8") for p in builtin_dir().glob("*.toml")
    )


_RELAY_LINE = re.compile(r"\b[245]\d\d\b[^`\n]{0,60}(Relay access denied|Relaying denied)")


def test_relay_refusals_are_quoted_from_the_personalities() -> None:
    """Which code refuses a relay depends on the server (Postfix 1.1: 554; today's Postfix by
    default 454 4.7.1; sendmail 550 5.7.1): a lesson quotes it through a placeholder."""
    for path in sorted(builtin_dir().glob("*.toml")):
        lines = [
            line
            for line in path.read_text(encoding="utf-8").splitlines()
            if not line.lstrip().startswith("#")
        ]
        assert not [line for line in lines if _RELAY_LINE.search(line)], path.name
