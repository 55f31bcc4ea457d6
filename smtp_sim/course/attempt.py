"""A student's attempt: everything typed at the console, read from an answers file.

Two kinds of file: plain text, one typed line per line; or the app's JSON export (ctrl+s,
"Attempt"), every input with the virtual time and the clock step at which it was typed.
A JSON file is checked before anything is graded: a file that is not an attempt (another
format, a version this program does not read, a list, an input without its line) is refused,
every problem one line, ``FILE[:LINE]: KEY: MESSAGE (expected ...)`` as for lessons.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..scenario.problems import Problem
from ..textio import STDIN, STDIN_NAME, stdin_bytes

if TYPE_CHECKING:
    from .session import LessonSession

ATTEMPT_FORMAT = "smtp-sim-attempt"
ATTEMPT_VERSION = 1
_KEYS = ("format", "version", "lesson", "student", "seed", "inputs")
_INPUT_KEYS = ("line", "time", "step")
_SHAPE = (
    f'an attempt exported by the app: {{"format": "{ATTEMPT_FORMAT}", "version": '
    f'{ATTEMPT_VERSION}, "lesson": ..., "inputs": [{{"line": ..., "step": ...}}, ...]}}'
)
_MOST = 10  # problems listed; the rest are counted


@dataclass
class Attempt:
    """Everything a student typed, in order. ``steps`` holds the clock step of each input
    when known (an exported attempt), so a re-grade replays it exactly as it happened; a plain
    text file has only the lines, typed one after the other as each is answered."""

    lines: list[str]
    steps: list[int] | None = None
    lesson: str | None = None
    seed: int | None = None
    student: str | None = None  # the name or id the student gave the app


class AttemptError(ValueError):
    """An answers file that cannot be graded; ``problems`` says every reason, one line each."""

    def __init__(self, problems: list[Problem]) -> None:
        shown = [str(p) for p in problems[:_MOST]]
        if len(problems) > _MOST:
            shown.append(f"{problems[0].file}: ... and {len(problems) - _MOST} more problems")
        super().__init__("\n".join(shown))
        self.problems = problems


def attempt_json(
    session: LessonSession, *, seed: int | None = None, student: str | None = None
) -> dict[str, Any]:
    """A session's attempt as the app exports it: who made it, every input (every quiz try
    among them) with the virtual time and the clock step at which it was typed.
    ``smtp-sim run LESSON --answers FILE`` and ``smtp-sim grade`` grade it."""
    times = session.input_times
    return {
        "format": ATTEMPT_FORMAT,
        "version": ATTEMPT_VERSION,
        "lesson": session.lesson.id,
        "student": student,
        "seed": seed,
        "inputs": [
            {"line": line, "time": round(time, 6), "step": step}
            for (step, line), time in zip(session.inputs, times, strict=True)
        ],
    }


def attempt_text(
    session: LessonSession, *, seed: int | None = None, student: str | None = None
) -> str:
    return (
        json.dumps(attempt_json(session, seed=seed, student=student), indent=2, ensure_ascii=False)
        + "\n"
    )


#: The largest answers file read (a lesson's worth of typing is a few kilobytes).
MAX_ATTEMPT_BYTES = 10_000_000


def read_attempt(path: str | Path) -> Attempt:
    """An answers file: plain text, one typed line per line; or (``.json``) the app's export
    of an attempt; ``-`` is standard input (JSON when it starts with ``{``). Raises
    :class:`AttemptError` (a ValueError) naming every problem."""
    p = Path(path)
    name = str(path)
    from_stdin = name == STDIN and not isinstance(path, Path)
    if from_stdin:  # (`smtp-sim run foobar --answers -`)
        name = STDIN_NAME
    try:
        if from_stdin:
            data = stdin_bytes()
        else:
            with p.open("rb") as handle:  # (at most the limit: /dev/zero never ends)
                data = handle.read(MAX_ATTEMPT_BYTES + 1)
        if len(data) > MAX_ATTEMPT_BYTES:
            raise _error(
                name,
                f"longer than {MAX_ATTEMPT_BYTES // 1_000_000} MB",
                "an answers file: the lines a student typed",
            )
        text = data.decode("utf-8")
    except FileNotFoundError:
        raise _error(
            name,
            "no such file",
            "an answers file: the lines typed, or an attempt .json exported by the app",
        ) from None
    except IsADirectoryError:
        raise _error(name, "is a directory", "an answers file") from None
    except UnicodeDecodeError as exc:
        raise _error(
            name,
            f"not UTF-8 text (byte {exc.start})",
            "the lines typed as text, or an attempt .json exported by the app",
        ) from None
    except OSError as exc:
        raise _error(name, f"cannot read: {exc.strerror or exc}", "a readable file") from None
    if p.suffix.lower() == ".json" or (from_stdin and text.lstrip().startswith("{")):
        return parse_attempt(text, name)
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return Attempt([line.rstrip("\r") for line in lines])


def read_answers(path: str | Path) -> list[str]:
    """The lines of an answers file (see :func:`read_attempt`)."""
    return read_attempt(path).lines


def parse_attempt(text: str, file: str = "<attempt>") -> Attempt:
    """The JSON text of an exported attempt, checked: raises :class:`AttemptError`."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise AttemptError(
            [
                Problem(
                    file, exc.lineno, "", f"not valid JSON: {exc.msg} (column {exc.colno})", _SHAPE
                )
            ]
        ) from None
    problems: list[Problem] = []

    def bad(key: str, message: str, expected: str) -> None:
        problems.append(Problem(file, None, key, message, expected))

    if not isinstance(data, dict):
        raise AttemptError(
            [Problem(file, None, "", f"holds {_shown(data)}, not an smtp-sim attempt", _SHAPE)]
        )
    for key in data:
        if key not in _KEYS:
            bad(str(key), f"unknown key {key!r}", "one of: " + ", ".join(_KEYS))
    if "format" in data and data["format"] != ATTEMPT_FORMAT:
        bad(
            "format",
            f"{_shown(data['format'])} is not the format of an smtp-sim attempt",
            f'"{ATTEMPT_FORMAT}"',
        )
    version = data.get("version", ATTEMPT_VERSION)
    if not _is_int(version) or version != ATTEMPT_VERSION:
        bad(
            "version",
            f"{_shown(version)} is not a version of the attempt format this "
            "smtp-sim reads (a newer smtp-sim may read it)",
            str(ATTEMPT_VERSION),
        )
    lesson = data.get("lesson")
    if lesson is not None and not isinstance(lesson, str):
        bad("lesson", f"wrong type: {_shown(lesson)}", "the lesson id, a string")
    student = data.get("student")
    if student is not None and not isinstance(student, str):
        bad("student", f"wrong type: {_shown(student)}", "the student's name or id, a string")
    seed = data.get("seed")
    if seed is not None and not _is_int(seed):
        bad("seed", f"wrong type: {_shown(seed)}", "a whole number, or null")
    lines, steps = _inputs(data, bad)
    if problems:
        raise AttemptError(problems)
    return Attempt(lines, steps, lesson, seed, student if isinstance(student, str) else None)


def _inputs(data: dict[str, Any], bad: Any) -> tuple[list[str], list[int] | None]:
    if "inputs" not in data:
        bad("inputs", "required key 'inputs' is missing", 'a list like [{"line": "HELO x"}]')
        return [], None
    items = data["inputs"]
    if not isinstance(items, list):
        bad("inputs", f"wrong type: {_shown(items)}", 'a list like [{"line": "HELO x"}]')
        return [], None
    lines: list[str] = []
    steps: list[int | None] = []
    for i, item in enumerate(items):
        at = f"inputs[{i}]"
        if not isinstance(item, dict):
            bad(at, f"wrong type: {_shown(item)}", '{"line": ..., "time": ..., "step": ...}')
            steps.append(None)
            continue
        for key in item:
            if key not in _INPUT_KEYS:
                bad(f"{at}.{key}", f"unknown key {key!r}", "one of: " + ", ".join(_INPUT_KEYS))
        line = item.get("line")
        if not isinstance(line, str):
            bad(
                f"{at}.line",
                "required key 'line' is missing" if line is None else f"wrong type: {_shown(line)}",
                "the line typed, a string",
            )
        else:
            lines.append(line)
        time = item.get("time")
        if time is not None and not (
            isinstance(time, int | float)
            and not isinstance(time, bool)
            and math.isfinite(time)
            and time >= 0
        ):
            bad(
                f"{at}.time", f"{_shown(time)} is not a time", "virtual seconds, a number 0 or more"
            )
        step = item.get("step")
        if step is not None and not (_is_int(step) and step >= 0):
            bad(f"{at}.step", f"{_shown(step)} is not a clock step", "a whole number 0 or more")
            step = None
        steps.append(step)
    known = [s for s in steps if s is not None]
    if not known:
        return lines, None
    if len(known) < len(steps):
        missing = steps.index(None)
        bad(
            f"inputs[{missing}].step",
            "missing, while other inputs have a `step`",
            "a `step` on every input (as the app exports it), or on none",
        )
        return lines, None
    for i in range(1, len(known)):
        if known[i] < known[i - 1]:
            bad(
                f"inputs[{i}].step",
                f"{known[i]} comes after the step {known[i - 1]}",
                "clock steps that never decrease, in the order typed",
            )
            break
    return lines, known


def _shown(value: Any) -> str:
    """A JSON value as a person reads it: ``the string 'x'``, ``null``, ``an object``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"the string {value if len(value) <= 40 else value[:37] + '...'!r}"
    return f"the number {value!r}"


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _error(file: str, message: str, expected: str) -> AttemptError:
    return AttemptError([Problem(file, None, "", message, expected)])
