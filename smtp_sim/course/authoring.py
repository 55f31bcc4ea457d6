"""What ``smtp-sim check`` proves about a lesson beyond its types: every step has a solution
(and a quiz step's solution answers it, since ``--solve`` types only what the author wrote;
a built-in lesson's quizzes explain every choice), no hint gives an answer away,
every check names hosts and mail servers the network has, and (a warning) every
``telnet HOST`` of a solution names a host the student's telnet can find.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..scenario.problems import Issue, Loc
from .checks import AllOf, AnyOf, BaseCheck, Not

if TYPE_CHECKING:
    from ..scenario.model import Scenario
    from .lesson import Lesson, Quiz

#: A check's keys that name a host, and whether that host must be a mail server.
_HOST_KEYS = {
    "connected": {"host": False},
    "tcp": {"host": False},
    "reply": {"host": True},
    "queue": {"host": True, "via": True},
    "tls": {"host": False},
    "tap": {"host": False},
}
_TELNET = ("telnet", "connect", "open")


def solution_issues(lesson: Lesson) -> list[Issue]:
    """A step with no solution, and a quiz step whose solution never answers the quiz."""
    issues = []
    for i, step in enumerate(lesson.steps):
        if not step.solution:
            issues.append(
                Issue(
                    ("steps", i, "solution"),
                    f"step {step.id!r} has no solution",
                    "solution = [the exact lines that pass the step], which `smtp-sim run "
                    "--solve` types"
                    + (f', e.g. ["/answer {_answer(step.quiz)}"]' if step.quiz is not None else ""),
                )
            )
        elif step.quiz is not None and not any(
            line.strip().lower().startswith("/answer") for line in step.solution
        ):
            issues.append(
                Issue(
                    ("steps", i, "solution"),
                    f"step {step.id!r} has a quiz its solution never "
                    "answers (`--solve` types only the solution's lines)",
                    f'"/answer {_answer(step.quiz)}" as a line of the solution',
                )
            )
    return issues


def hint_issues(lesson: Lesson) -> list[Issue]:
    """A hint that gives the answer away: any hint (the step's or its quiz's) with an
    ``/answer`` line in it, and a quiz's hint that holds an answer the quiz accepts (for
    multiple choice, the right choice's text); likewise a short answer's why for a wrong
    answer (``wrong``) and a wrong choice's ``explain``. A hint nudges toward the idea, a why
    says why an answer is wrong; the answer is the student's to find."""
    issues = []
    for i, step in enumerate(lesson.steps):
        quiz = step.quiz
        for key, hints in (("hints", step.hints), ("quiz", quiz.hints if quiz else [])):
            for j, hint in enumerate(hints):
                loc: Loc = (
                    ("steps", i, "hints", j) if key == "hints" else ("steps", i, "quiz", "hints", j)
                )
                where = "hint" if key == "hints" else "quiz's hint"
                if "/answer" in hint.lower():
                    issues.append(
                        Issue(
                            loc,
                            f"step {step.id!r}: a {where} holds an /answer line: it gives the "
                            "answer away",
                            "a nudge toward the idea; the task says how to answer",
                        )
                    )
                elif key == "quiz" and quiz is not None:
                    held = _answer_in(hint, quiz)
                    if held is not None:
                        issues.append(
                            Issue(
                                loc,
                                f"step {step.id!r}: the quiz's hint holds the answer {held!r}",
                                "a nudge toward the idea, without an answer the quiz accepts",
                            )
                        )
        if quiz is None:
            continue
        # A why for a wrong answer says why it is wrong, never what is right.
        for answer, why in quiz.wrong.items():
            held = _answer_in(why, quiz)
            if held is not None:
                issues.append(
                    Issue(
                        ("steps", i, "quiz", "wrong"),
                        f"step {step.id!r}: the quiz's why for {answer!r} holds the answer "
                        f"{held!r}",
                        "why that answer is wrong, without an answer the quiz accepts",
                    )
                )
        for j, why in enumerate(quiz.explain):
            held = _answer_in(why, quiz) if j + 1 != quiz.correct else None
            if held is not None:
                issues.append(
                    Issue(
                        ("steps", i, "quiz", "explain", j),
                        f"step {step.id!r}: the explain of a wrong choice holds the right "
                        "choice's text",
                        "why that choice is wrong, not which one is right",
                    )
                )
    return issues


def _answer_in(hint: str, quiz: Quiz) -> str | None:
    """An answer ``quiz`` accepts that ``hint`` holds, as words of their own (case aside)."""
    import re

    assert quiz.correct is not None or not quiz.choices
    answers = [quiz.choices[quiz.correct - 1]] if quiz.correct else list(quiz.accept)
    text = " ".join(hint.casefold().split())
    for answer in answers:
        words = " ".join(answer.casefold().split()).strip(" .!?;:'\"`")
        before = r"(?<!\w)" if re.match(r"\w", words) else ""
        after = r"(?!\w)" if re.search(r"\w$", words) else ""
        if words and re.search(before + re.escape(words) + after, text):
            return answer
    return None


def explain_issues(lesson: Lesson) -> list[Issue]:
    """A multiple-choice quiz without ``explain`` (why each choice is right or wrong): a
    student's wrong answer would be told only "not quite". Required of built-in lessons."""
    return [
        Issue(
            ("steps", i, "quiz", "explain"),
            f"step {step.id!r}: a built-in lesson's quiz explains every choice",
            f"explain = [{len(step.quiz.choices)} strings, one for each choice, in order: "
            "why it is right or wrong, citing the source of any fact]",
        )
        for i, step in enumerate(lesson.steps)
        if step.quiz is not None and step.quiz.choices and not step.quiz.explain
    ]


def _answer(quiz: Quiz) -> str:
    return quiz.solution.upper() if quiz.choices else quiz.solution


def _hosts(scenario: Scenario) -> tuple[dict[str, str], set[str]]:
    """The names a check may give (host names and the MTAs' banner names) with their role."""
    names: dict[str, str] = {}
    for host in scenario.hosts:
        names[host.name.lower()] = host.role
        if host.mta is not None and host.mta.hostname:
            names.setdefault(host.mta.hostname.lower(), host.role)
    telnet = set(names) | {a.name.lower() for a in scenario.dns.a}
    return names, telnet


def _walk(
    checks: list[BaseCheck], loc: Loc, *, indexed: bool = True
) -> Iterator[tuple[BaseCheck, Loc]]:
    """Each check and where it is (``indexed``: ``loc`` is a list's, else the one check's)."""
    for k, check in enumerate(checks):
        here = (*loc, k) if indexed else loc
        yield check, here
        if isinstance(check, AllOf | AnyOf):
            yield from _walk(check.checks, (*here, "checks"))
        elif isinstance(check, Not):
            yield from _walk([check.check], (*here, "check"), indexed=False)


def check_host_issues(lesson: Lesson, scenario: Scenario) -> list[Issue]:
    """Every host or mail server a step's checks or the grading checks name is one of the
    network's (a check on a host that does not exist can never pass)."""
    names, _ = _hosts(scenario)
    hosts = ", ".join(sorted(n for n in names))
    servers = ", ".join(sorted(n for n, role in names.items() if role == "mta"))
    groups: list[tuple[list[BaseCheck], Loc, bool]] = [
        (step.checks, ("steps", i, "checks"), True) for i, step in enumerate(lesson.steps)
    ]
    groups += [  # (a dead end's check too: on a host that does not exist it never speaks)
        ([stuck.when], ("steps", i, "stuck", j, "when"), False)
        for i, step in enumerate(lesson.steps)
        for j, stuck in enumerate(step.stuck)
    ]
    groups.append((lesson.grading, ("grading",), True))
    issues = []
    for checks, loc, indexed in groups:
        for check, at in _walk(checks, loc, indexed=indexed):
            for key, mail_server in _HOST_KEYS.get(getattr(check, "kind", ""), {}).items():
                value = getattr(check, key, None)
                if value is None:
                    continue
                role = names.get(value.lower())
                if role is None:
                    issues.append(
                        Issue(
                            (*at, key),
                            f"no host named {value!r} in the scenario {scenario.id!r}",
                            "one of: " + (servers if mail_server else hosts),
                        )
                    )
                elif mail_server and role != "mta":
                    issues.append(
                        Issue(
                            (*at, key),
                            f"{value!r} is a {role}, not a mail server",
                            "a mail server of the scenario: " + servers,
                        )
                    )
    return issues


def telnet_warnings(lesson: Lesson, scenario: Scenario) -> list[Issue]:
    """Solution lines that telnet to a name the network does not have: the student's telnet
    answers "could not resolve" (a lesson may mean it; usually a typo). Lines typed while
    connected go to the server, so only a ``telnet`` before a connection counts: every line
    starting with telnet is looked at (a QUIT may come between)."""
    _, known = _hosts(scenario)
    warnings = []
    for i, step in enumerate(lesson.steps):
        for j, line in enumerate(step.solution):
            words = line.split()
            if (
                len(words) in (2, 3)
                and words[0].lower() in _TELNET
                and words[1].lower().rstrip(".") not in known
            ):
                warnings.append(
                    Issue(
                        ("steps", i, "solution", j),
                        f"step {step.id!r}: {line.strip()!r} telnets to "
                        f"{words[1]!r}, a name the network does not have (the "
                        "console answers: could not resolve)",
                        "a host of the scenario: "
                        + ", ".join(sorted(h.name for h in scenario.hosts)),
                    )
                )
    return warnings
