"""The lesson format: TOML, pure data, never code.

A lesson is a scenario (by id or inline) plus ordered steps. A step has Markdown prose, a task,
automatic checks, progressive hints, an optional quiz, and a solution (the exact input that
solves it, which ``smtp-sim run LESSON --solve`` types to prove the lesson can be solved).
Instructor scenarios use the same file: a timeline of scripted events and grading checks.
A file with a timeline and no steps is a presentation (``smtp-sim present``): it loads and
validates like a lesson, and is not part of the course.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from ..scenario.build import scenario_issues
from ..scenario.builtin import list_builtin, names_a_file
from ..scenario.cross_checks import FaultEntry
from ..scenario.fields import Duration
from ..scenario.files import load_scenario, parse_document, parse_scenario, read_document
from ..scenario.model import Scenario
from ..scenario.problems import Issue, ScenarioError, model_keys
from .authoring import check_host_issues, hint_issues, solution_issues, telnet_warnings
from .checks import AnyCheck
from .placeholders import fill_placeholders
from .preview import first_lesson_file

if TYPE_CHECKING:
    from ..world.network import Link
    from ..world.world import World

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class _Model(BaseModel):
    """Unknown keys are errors, and TOML types are taken as they are: ``correct = "2"`` is a
    string where the schema says integer, refused as the scenario's tables refuse it. Frozen,
    as the checks are: the built-in course is read once and shared (:func:`builtin_lessons`)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


def _filled(value: str | list[str]) -> str | list[str]:
    """Prose with its ``{{personality}}`` placeholders filled in (see placeholders.py)."""
    if isinstance(value, list):
        return [fill_placeholders(v) if isinstance(v, str) else v for v in value]
    return fill_placeholders(value) if isinstance(value, str) else value


class Quiz(_Model):
    """Multiple choice (``choices`` and ``correct``, counted from 1) or a short answer
    (``accept``: accepted variants, compared without case, extra spaces or end punctuation;
    with ``case_sensitive``, case counts)."""

    question: str
    choices: list[str] = Field(default_factory=list)
    correct: int | None = Field(default=None, ge=1)
    accept: list[str] = Field(default_factory=list)
    explanation: str = ""
    #: Why each choice is right or wrong, in the order of ``choices``: shown after that
    #: choice is picked (a wrong answer says why it is wrong). Required of built-in lessons.
    explain: list[str] = Field(default_factory=list)
    #: Wrong answers allowed; past them the quiz closes (the step goes on, the quiz not
    #: right), so trying every choice shows in the grade. None: as many as the student likes.
    max_tries: int | None = Field(default=None, ge=1)
    #: The question's own hints, one at a time (/hint or F2 once the step's task is done):
    #: a nudge toward the idea, never the answer (`smtp-sim check` refuses a hint that holds
    #: an accepted answer or an /answer line). The step's hints are for its task.
    hints: list[str] = Field(
        default_factory=list,
        description="the question's own hints, shown one at a time by /hint or F2 once the "
        "step's task is done: a nudge toward the idea, never an answer the quiz accepts",
    )
    #: A short answer's common wrong answers, each with why it is wrong: a student who gives
    #: one is told its why instead of a bare "Not quite" (compared as answers are).
    wrong: dict[str, str] = Field(
        default_factory=dict,
        description="a short answer's common wrong answers, each with why it is wrong "
        '(e.g. { "MAR" = "..." }): told instead of a bare "Not quite"',
    )
    #: The question asks for base64 worked out by hand: /base64 declines to answer on its step.
    by_hand: bool = Field(
        default=False,
        description="the question asks for base64 worked out by hand: /base64 declines to "
        "answer it on its step",
    )
    #: A short answer whose case counts (base64: "Mar" is not "MAR", whose bytes differ).
    case_sensitive: bool = Field(
        default=False, description="a short answer whose case counts (base64)"
    )

    _prose = field_validator("question", "choices", "explanation", "explain", "hints")(_filled)

    @model_validator(mode="after")
    def _one_kind(self) -> Quiz:
        if self.choices:
            if self.correct is None:
                raise ValueError("a multiple-choice quiz needs `correct` (1 for the first choice)")
            if self.correct > len(self.choices):
                raise ValueError(
                    f"`correct` is {self.correct} but there are only {len(self.choices)} choices"
                )
            if self.accept:
                raise ValueError("use either `choices` with `correct`, or `accept`, not both")
            if self.explain and len(self.explain) != len(self.choices):
                raise ValueError(
                    f"`explain` has {len(self.explain)} entries for "
                    f"{len(self.choices)} choices: give one for each choice"
                )
            if self.wrong or self.case_sensitive:
                raise ValueError(
                    "`wrong` and `case_sensitive` go with a short answer (`accept`); a choice's "
                    "why is its `explain`"
                )
        elif self.explain:
            raise ValueError("`explain` goes with `choices` (one for each choice)")
        elif not self.accept:
            raise ValueError("a quiz needs `choices` with `correct`, or `accept` (short answer)")
        for answer in self.wrong:
            if self.grade(answer):
                raise ValueError(f"`wrong` lists {answer!r}, an answer `accept` takes")
        return self

    def grade(self, answer: str) -> bool:
        given = _normal(answer)
        if self.choices:
            assert self.correct is not None
            letter = chr(ord("a") + self.correct - 1)
            right = _normal(self.choices[self.correct - 1])
            return given in (letter, str(self.correct), right)
        fold = not self.case_sensitive
        given = _normal(answer, fold=fold)
        accepted = {_normal(a, fold=fold) for a in self.accept}
        return given in accepted or self._with_its_unit(given, accepted)

    def _with_its_unit(self, given: str, accepted: set[str]) -> bool:
        """An accepted short answer followed by the unit the question counts in, in the
        question's own words (the few after "how many"): "8 characters" to "How many base64
        characters encode 6 bytes?" (walkE), "2 = signs" to "How many = signs ...?"; not
        "8 bytes"."""
        head, _, unit = given.partition(" ")
        counted = re.search(r"\bhow many\s+((?:[^\s?]+\s*){1,3})", self.question.casefold())
        if not unit or head not in accepted or counted is None:
            return False
        words = set(counted.group(1).split())
        return all(
            word in words or word + "s" in words or word.removesuffix("s") in words
            for word in unit.split()
        )

    def not_a_choice(self, answer: str) -> str | None:
        """What is wrong with ``answer`` as an answer at all (not a letter, number or text of
        a choice), or None: a wrong choice is still a choice."""
        if not self.choices:
            return None if _normal(answer) else "type your answer after /answer"
        given = _normal(answer)
        last = len(self.choices)
        letters = [chr(ord("a") + i) for i in range(last)]
        if (
            given in letters
            or given in {str(i) for i in range(1, last + 1)}
            or given in {_normal(c) for c in self.choices}
        ):
            return None
        return (
            f"choose one of {letters[0].upper()}-{letters[-1].upper()} (or 1-{last}), "
            f"e.g. /answer {letters[0].upper()}"
        )

    def why(self, answer: str) -> str:
        """The ``explain`` of the choice ``answer`` picks (a letter, a number or its text),
        or a short answer's ``wrong`` entry for it, or "" when there is none."""
        given = _normal(answer)
        for wrong, why in self.wrong.items():
            if given == _normal(wrong):
                return why
        for i, choice in enumerate(self.choices):
            if given in (chr(ord("a") + i), str(i + 1), _normal(choice)):
                return self.explain[i] if i < len(self.explain) else ""
        return ""

    def by_hand_refusal(self, said: str) -> tuple[str, str] | None:
        """Why the console keeps back ``said`` (what /base64 would answer) on a ``by_hand``
        question's step: it holds the question's answer, which the student is to work out
        by hand. None: the tool may answer (it is no answer to the question)."""
        if not self.by_hand:
            return None
        answers = [self.choices[self.correct - 1]] if self.correct else self.accept
        text = said if self.case_sensitive else said.casefold()
        if not any(
            (a if self.case_sensitive else a.casefold()) in text for a in answers if a.strip()
        ):
            return None
        return (
            "/base64 would answer the question, which asks you to work it out by hand",
            "the table and the bit groups in the step's text (and /hint for a nudge)",
        )

    @property
    def solution(self) -> str:
        if self.choices:
            assert self.correct is not None
            return chr(ord("a") + self.correct - 1)
        return self.accept[0]


def _normal(text: str, *, fold: bool = True) -> str:
    return " ".join((text.casefold() if fold else text).split()).strip(" .!?;:'\"`")


class Stuck(_Model):
    """A dead end and the way out of it: when ``when`` passes over the step's records while
    the step is still open, the console says ``say`` (once), as "Not yet: ..." (a step whose
    task cannot be done any more in the session as it is, such as a RCPT that is to get 503
    after a MAIL FROM was given)."""

    when: AnyCheck
    say: str

    _prose = field_validator("say")(_filled)


class Step(_Model):
    id: str
    title: str
    text: str  # Markdown shown in the lesson panel
    task: str = ""  # one line: what to do now
    checks: list[AnyCheck] = Field(default_factory=list)
    hints: list[str] = Field(default_factory=list)
    quiz: Quiz | None = None
    solution: list[str] = Field(default_factory=list)
    stuck: list[Stuck] = Field(default_factory=list)

    _prose = field_validator("title", "text", "task", "hints")(_filled)

    @field_validator("id")
    @classmethod
    def _slug(cls, v: str) -> str:
        if not _SLUG.match(v):
            raise ValueError(
                "a step id is lower-case letters, digits and hyphens, like `send-helo`"
            )
        return v

    @model_validator(mode="after")
    def _something_to_do(self) -> Step:
        if not self.checks and self.quiz is None:
            raise ValueError("a step needs `checks` or a `quiz`: no step is only text to read")
        return self


HEADLINE_MAX = 30


class TimelineEvent(_Model):
    """Something scripted: a narration, a pause for the presenter, a fault, a message sent."""

    at: Duration = 0.0
    action: Literal["narrate", "pause", "fault", "send"]
    text: str = ""
    # A few words the presenter draws in large letters above the text (at most
    # HEADLINE_MAX characters: one line of them fits 100 columns).
    headline: str = Field(default="", max_length=HEADLINE_MAX)
    fault: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    sender: str | None = Field(default=None, alias="from")
    to: list[str] = Field(default_factory=list)
    subject: str = ""
    body: str = ""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, populate_by_name=True)

    _prose = field_validator("text")(_filled)

    @model_validator(mode="after")
    def _complete(self) -> TimelineEvent:
        if self.action == "fault" and not self.fault:
            raise ValueError("a fault event needs `fault` (its kind, e.g. host-down)")
        if self.action == "send" and (not self.sender or not self.to):
            raise ValueError("a send event needs `from` and `to`")
        if self.action in ("narrate", "pause") and not self.text:
            raise ValueError(f"a {self.action} event needs `text`")
        if self.headline and self.action not in ("narrate", "pause"):
            raise ValueError("`headline` belongs to a narrate or pause event")
        return self


class Lesson(_Model):
    id: str
    title: str
    summary: str
    #: What the student has learnt, a sentence each: shown on the screen at the lesson's end.
    summary_points: list[str] = Field(default_factory=list, max_length=8)
    topics: list[str] = Field(default_factory=list)
    minutes: int = Field(default=10, ge=1, le=240)
    order: int | None = None  # position in the built-in course
    scenario: str | Scenario = "classroom"
    console: str | None = None  # the host whose terminal the student types at
    #: Lanes the app's Flow tab shows from the start besides SMTP and POP3: "tcp" (SYN,
    #: SYN-ACK, ACK, FIN), "dns" (queries and answers), for a lesson whose text talks of them.
    flow_layers: list[Literal["tcp", "dns"]] = Field(default_factory=list)
    timeline: list[TimelineEvent] = Field(default_factory=list)
    grading: list[AnyCheck] = Field(default_factory=list)
    steps: list[Step] = Field(default_factory=list)

    _prose = field_validator("title", "summary", "summary_points")(_filled)

    @field_validator("flow_layers")
    @classmethod
    def _once_each(cls, v: list[str]) -> list[str]:
        for name in v:
            if v.count(name) > 1:
                raise ValueError(f"flow_layers names {name!r} twice")
        return v

    @field_validator("id")
    @classmethod
    def _slug(cls, v: str) -> str:
        if not _SLUG.match(v):
            raise ValueError("a lesson id is lower-case letters, digits and hyphens")
        return v

    @field_validator("scenario")
    @classmethod
    def _beside_the_lesson(cls, v: str | Scenario, info: ValidationInfo) -> str | Scenario:
        """A scenario file named by a relative path is looked for in the lesson's folder, so a
        lesson and its network kept together in git run from anywhere (then, as before, from
        the current folder)."""
        file = (info.context or {}).get("file")
        if not isinstance(v, str) or not file or file.startswith("<") or not names_a_file(v):
            return v
        if Path(v).is_absolute():
            return v
        beside = Path(file).parent / v
        return str(beside) if beside.exists() or not Path(v).exists() else v

    @model_validator(mode="after")
    def _unique_steps(self) -> Lesson:
        if not self.steps and not self.timeline:
            raise ValueError(
                "a lesson needs `[[steps]]`; a presentation (no steps) needs a `[[timeline]]`"
            )
        seen: set[str] = set()
        for step in self.steps:
            if step.id in seen:
                raise ValueError(f"two steps have the id {step.id!r}")
            seen.add(step.id)
        return self

    @property
    def is_presentation(self) -> bool:
        """A timeline to present, with no steps for a student (not part of the course)."""
        return not self.steps and bool(self.timeline)

    def check(self) -> list[Issue]:
        """Cross-checks: the scenario exists and is valid; the timeline's faults are known
        and its senders are users of the scenario; the console is one of its hosts, and the
        console accepts each ``/`` line of the solutions."""
        if isinstance(self.scenario, Scenario):
            issues = [
                Issue(("scenario", *i.loc), i.message, i.expected)
                for i in scenario_issues(self.scenario)
            ]
            scenario = self.scenario
        else:
            try:
                scenario = load_scenario(self.scenario)
            except ScenarioError as exc:  # at the scenario file's own lines (a built-in
                # id or a missing file: at the lesson's `scenario =` line)
                return (
                    [
                        Issue(
                            ("scenario",),
                            f"scenario {self.scenario!r}: {p.message}",
                            p.expected,
                            None if p.keypath == "(file)" else p,
                        )
                        for p in exc.problems
                    ]
                    + solution_issues(self)
                    + hint_issues(self)
                )
            issues = []
        issues += _timeline_issues(self.timeline, scenario)
        issues += solution_issues(self) + hint_issues(self) + check_host_issues(self, scenario)
        return issues + _console_issues(self, scenario)

    def warnings(self) -> list[Issue]:
        """What may be meant but is usually a mistake (``smtp-sim check`` prints it and
        still says ok): a solution telnetting to a name the network does not have."""
        try:
            return telnet_warnings(self, self.resolved_scenario())
        except ScenarioError:
            return []

    def resolved_scenario(self) -> Scenario:
        if isinstance(self.scenario, Scenario):
            return self.scenario
        return load_scenario(self.scenario)


def _timeline_issues(timeline: list[TimelineEvent], scenario: Scenario) -> list[Issue]:
    """A fault event is checked as the scenario's own ``[[faults]]`` are (the fault module's
    rules, against the scenario's network); a send must come from a user of the scenario."""
    users = {u.address.lower() for u in scenario.users}
    faults = [
        FaultEntry(("timeline", i, "fault"), ("timeline", i, "params"), event.fault, event.params)
        for i, event in enumerate(timeline)
        if event.action == "fault" and event.fault is not None
    ]
    # (the scenario's own problems are reported where it is loaded, not here again)
    issues = [i for i in scenario_issues(scenario, faults) if i.loc[:1] == ("timeline",)]
    for i, event in enumerate(timeline):
        if event.action == "send" and event.sender and event.sender.lower() not in users:
            issues.append(
                Issue(
                    ("timeline", i, "from"),
                    f"{event.sender} is not a user of the scenario",
                    ", ".join(sorted(users)) or "a [[users]] address",
                )
            )
    return sorted(issues, key=lambda issue: issue.loc[1])


def load_lesson(ref: str | Path) -> Lesson:
    """Load a lesson from a path or a built-in id. Raises ScenarioError listing every problem,
    one line each (file, line, key path, what was expected)."""
    source, file = read_document(ref)
    return parse_document(source, Lesson, file)


def parse_lesson(source: str, file: str = "<string>") -> Lesson:
    return parse_document(source, Lesson, file)


def is_lesson_source(source: str) -> bool:
    """True when a TOML document is a lesson (it has steps) or a presentation (a timeline),
    False for a scenario. A file with neither is a lesson when it has more of a lesson's own
    keys (``summary``, ``scenario``, ``console``...) than of a scenario's (``hosts``...), so a
    lesson missing its ``[[steps]]`` is told that, not that ``summary`` is an unknown key."""
    try:
        document = tomllib.loads(source)
    except tomllib.TOMLDecodeError:
        return bool(re.search(r"^\s*\[\[(steps|timeline)\]\]", source, re.M))
    if "steps" in document or "timeline" in document:
        return True
    lesson_keys, scenario_keys = set(model_keys(Lesson)), set(model_keys(Scenario))
    return len(document.keys() & (lesson_keys - scenario_keys)) > len(
        document.keys() & (scenario_keys - lesson_keys)
    )


def first_lesson_id() -> str | None:
    """The built-in lesson with the lowest ``order``, found without validating every file
    (start-up reads only the lesson it opens), or from the course if it has been read."""
    if _builtin_course.cache_info().currsize:
        course = _builtin_course()
        return course[0][0] if course else None
    return first_lesson_file()


def builtin_lessons() -> list[Lesson]:
    """The built-in course, in order (presentations, which have no steps, are not in it).
    Read and validated once per process: a new list each call, of the same frozen lessons
    (the summary screen, the course overview, the palette and opening by id all ask)."""
    return [lesson for _ident, lesson in _builtin_course()]


def load_builtin_lesson(ident: str) -> Lesson:
    """The built-in lesson in the file ``ident``: from the course when it has been read in
    this process (``smtp-sim web`` reads it once, before it forks its sessions), else read
    now, alone. Raises ScenarioError as :func:`load_lesson`."""
    if _builtin_course.cache_info().currsize:
        for known, lesson in _builtin_course():
            if known == ident:
                return lesson
    return load_lesson(ident)


@cache
def _builtin_course() -> tuple[tuple[str, Lesson], ...]:
    """The course's lessons, in order, each with the id of its file."""
    lessons = []
    for ident in list_builtin():
        source, file = read_document(ident)
        if is_lesson_source(source):
            lesson = parse_document(source, Lesson, file)
            if not lesson.is_presentation:
                lessons.append((ident, lesson))
    return tuple(
        sorted(
            lessons,
            key=lambda pair: (pair[1].order if pair[1].order is not None else 999, pair[1].id),
        )
    )


def load_presentation(ref: str | Path) -> Lesson:
    """What ``smtp-sim present`` shows: a presentation or lesson file as it is, or a plain
    scenario as a lesson with no steps and no timeline (the presenter then stops at each
    delivery, deferral, bounce and fault)."""
    source, file = read_document(ref)
    if is_lesson_source(source):
        return parse_document(source, Lesson, file)
    scenario = parse_scenario(source, file)
    lesson = sandbox_lesson(scenario)
    return lesson.model_copy(update={"id": scenario.id, "title": scenario.title})


def sandbox_lesson(scenario: str | Scenario = "classroom") -> Lesson:
    """Free play on a scenario: a lesson with no steps (built directly, not from a file)."""
    resolved = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    return Lesson.model_construct(
        id="sandbox",
        title=f"Sandbox: {resolved.title}",
        summary=resolved.description.strip(),
        topics=[],
        minutes=0,
        order=None,
        scenario=resolved,
        console=None,
        timeline=[],
        grading=[],
        steps=[],
    )


# -- the console and the solutions ------------------------------------------------------------


def _console_issues(lesson: Lesson, scenario: Scenario) -> list[Issue]:
    """The console is a host of the scenario, and every solution line starting with ``/`` is
    one the console accepts (asked of the scenario's world as it starts)."""
    hosts = [h.name for h in scenario.hosts]
    issues = []
    if lesson.console is not None and lesson.console not in hosts:
        issues.append(
            Issue(
                ("console",),
                f"no host named {lesson.console!r} in the scenario {scenario.id!r}",
                "the host the student types at, one of: " + ", ".join(hosts),
            )
        )
    if not any(line.strip().startswith("/") for step in lesson.steps for line in step.solution):
        return issues
    from ..scenario.build import build_world

    try:
        world = build_world(scenario)
    except (ScenarioError, ValueError):  # the scenario's own problems are reported already
        return issues
    for i, step in enumerate(lesson.steps):
        for j, line in enumerate(step.solution):
            refused = console_refusal(line, world, step)
            if refused is not None:
                issues.append(
                    Issue(
                        ("steps", i, "solution", j),
                        f"step {step.id!r}: the console refuses {line.strip()!r}: {refused[0]}",
                        refused[1],
                    )
                )
    return issues


#: The console's own commands (everything else goes to the server, or is telnet), for /help
#: and for the messages that name them.
SLASH_COMMANDS = (
    ("/send FROM TO [SUBJECT]", "a user presses Send in their mail program"),
    ("/wait [TIME]", "let virtual time pass (30s, 10min, 1h; default 10s)"),
    ("/run", "play until the network is idle"),
    ("/answer TEXT", "answer the step's question (a letter, a number, or the text)"),
    ("/hint", "a hint for this step (also F2)"),
    ("/fault KIND key=value ...", "inject a fault, e.g. /fault host-down host=NAME"),
    ("/base64 TEXT", "base64 of TEXT (\\0 a NUL byte); /base64 -d TEXT decodes"),
    ("/dns txt NAME [TEXT]", "the TXT records of NAME; with TEXT, publish one"),
    ("/tap HOST HOST", "put a tap on the link between two hosts: see what crosses it"),
    ("/help", "this list"),
)
CONSOLE_COMMANDS = ", ".join(usage for usage, _ in SLASH_COMMANDS)


def fault_params(text: str) -> dict[str, str]:
    """``/fault``'s ``key=value`` words as a dict; a word without ``=`` goes on the value
    before it, so a value may hold spaces (``text=452 4.2.2 Mailbox full``: the palette's
    presets are recorded so). The words before the first ``key=`` are left out (the console
    refuses them first: :func:`console_refusal`)."""
    params: dict[str, str] = {}
    key: str | None = None
    for word in text.split():
        if "=" in word:
            key, value = word.split("=", 1)
            params[key] = value
        elif key is not None:
            params[key] += " " + word
    return params


def tap_link(text: str, world: World) -> tuple[Link | None, tuple[str, str] | None]:
    """``/tap``'s link: two host names (a link's ends, in either order), the ``A — B``
    the links are shown as, or ``A-B`` when that is not a host's own name. Returns the link,
    or None and why not, as ``(message, expected)``, listing the links."""
    from ..world.fault_params import FaultError, find_host
    from ..world.tap import link_names

    words = text.replace("\u2014", " ").split()
    if len(words) == 1 and "--" in words[0]:
        words = words[0].split("--", 1)
    links = "/tap and one of the links: " + link_names(world.network)
    if len(words) != 2:
        return None, ("/tap needs a link: its two hosts, e.g. /tap A B", links)
    try:
        a, b = (find_host(world, word).name for word in words)
    except FaultError as exc:
        return None, (f"/tap: {exc.message}", links)
    link = world.network.link_between(a, b)
    if link is None:
        return None, (f"/tap: no link between {a} and {b}", links)
    return link, None


def tap_refusal(text: str, world: World) -> tuple[str, str] | None:
    return tap_link(text, world)[1]


def console_refusal(line: str, world: World, step: Step | None) -> tuple[str, str] | None:
    """Why the lesson console would refuse a ``/`` command in ``world``, as
    ``(message, expected)``; None when it would accept it (or the line is not a slash
    command). It asks what the console asks (``LessonSession._slash``): the command, a
    duration, a user with a mail client, and for a fault what ``check_fault`` asks of it (its
    kind, keys, values and the names they give in ``world``)."""
    from ..world.faults import FAULT_KINDS, check_fault
    from ..world.values import DURATION_HELP, parse_duration
    from .console_tools import base64_refusal, dns_refusal, run_base64

    stripped = line.strip()
    if not stripped.startswith("/"):
        return None
    word, _, rest = stripped[1:].partition(" ")
    word, rest = word.lower(), rest.strip()
    if word in ("run", "hint", "help"):
        return None
    if word == "base64":
        refused = base64_refusal(rest)
        if refused is None and step is not None and step.quiz is not None:
            return step.quiz.by_hand_refusal(run_base64(rest))
        return refused
    if word == "dns":
        return dns_refusal(rest)
    if word == "answer":
        if step is not None and step.quiz is None:
            return "this step has no quiz to answer", "a [steps.quiz], or no /answer line"
        problem = step.quiz.not_a_choice(rest) if step is not None and step.quiz else None
        if problem is not None:
            return f"/answer: {problem}", "/answer and a choice of the quiz"
        return None
    if word == "wait":
        try:
            parse_duration(rest or "10s")
        except ValueError as exc:
            return f"/wait: {exc}", DURATION_HELP
        return None
    if word == "send":
        words = rest.split(maxsplit=2)
        if len(words) < 2:
            return "/send needs a sender and a recipient", "/send FROM TO [SUBJECT]"
        if words[0].lower() not in world.agents:
            users = list(world.agents)
            return (
                f"/send: {words[0]} has no mail client here (a mail program to press Send in)",
                (
                    f"only these users have one: {', '.join(users)}; "
                    f"e.g. /send {users[0]} {words[1]}"
                    if users
                    else "no user of this network has one"
                ),
            )
        if "@" not in words[1]:
            # (walkA: Tab's grey suggestion is no text, so '/send  bob@cs.tcd.ie Crepes
            # tonight?' made Bob the sender and sent to 'Crepes': say what was taken)
            subject = f', "{words[2]}" as the subject' if len(words) > 2 else ""
            return (
                f"/send: {words[1]} is not an address (no @); /send took {words[0]} as the "
                f"sender, {words[1]} as the recipient{subject}",
                "/send FROM TO [SUBJECT], the sender first, "
                f"e.g. /send {words[0]} someone@{words[0].rpartition('@')[2]} Hello",
            )
        return None
    if word == "tap":
        return tap_refusal(rest, world)
    if word == "fault":
        kind, _, params = rest.partition(" ")
        pairs = params.split()
        # (a word without "=" after a key=value goes on its value: text=452 4.2.2 Mailbox full)
        bad = pairs[0] if pairs and "=" not in pairs[0] else None
        if not kind or bad is not None:
            known = FAULT_KINDS.get(kind)
            key = next(iter(known.params), "host") if known is not None else "host"
            guess = f" (did you mean {key}={bad}?)" if bad is not None else ""
            return (
                f"/fault: write KIND key=value ...{guess}",
                "e.g. /fault host-down host=mail.cs.tcd.ie; the command palette (ctrl+p) "
                "lists every fault",
            )
        errors = check_fault(kind, fault_params(params), world)[1]
        if errors:
            parts = [f"{e.key}: {e.message}" if e.key else e.message for e in errors]
            # (a part that ends with its question, "did you mean 'greylist'?", takes no ";")
            said = "".join(
                p + ("" if i == len(parts) - 1 else " " if p.endswith("?") else "; ")
                for i, p in enumerate(parts)
            )
            return f"/fault: {said}", errors[0].expected or "/fault KIND key=value ..."
        return None
    import difflib

    words = [usage.split()[0][1:] for usage, _ in SLASH_COMMANDS]
    close = difflib.get_close_matches(word, words, n=1, cutoff=0.6)
    guess = f"; did you mean /{close[0]}?" if close else ""
    return (
        f"unknown command /{word}{guess}",
        "/help lists the console's commands: " + CONSOLE_COMMANDS,
    )
