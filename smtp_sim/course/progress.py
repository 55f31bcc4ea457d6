"""A self-paced student's progress, saved atomically under the user's data directory.

A crash or a kill at any moment leaves either the previous file or the new one, never a torn
one: we write a temporary file in the same directory, fsync it, and ``os.replace`` it over the
old. A corrupt file found at start is set aside (renamed) with a warning, not a traceback.

``SMTP_SIM_PROGRESS=memory`` keeps progress in the process only (``smtp-sim web`` sets it, so
each browser session has its own progress and nobody writes to the server's disk).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

# tempfile and platformdirs are imported where used: the app imports this module before its
# first frame, and needs them only once the lesson is loaded.

ENV_DIR = "SMTP_SIM_DATA_DIR"
ENV_PROGRESS = "SMTP_SIM_PROGRESS"  # "memory": never written to disk
VERSION = 1


def data_dir() -> Path:
    override = os.environ.get(ENV_DIR)
    if override:
        return Path(override)
    from platformdirs import user_data_dir

    return Path(user_data_dir("smtp-sim", appauthor=False))


@dataclass
class LessonProgress:
    steps_done: list[str] = field(default_factory=list)
    answers: dict[str, list[str]] = field(default_factory=dict)
    hints_used: dict[str, int] = field(default_factory=dict)
    completed: bool = False
    #: An unfinished lesson's lines as typed, each with the clock step it was typed at, and
    #: the clock step reached: a returning student's session is replayed from them.
    inputs: list[tuple[int, str]] = field(default_factory=list)
    clock_steps: int = 0
    #: An unfinished lesson's time on screen so far, in seconds (the app's clock, not the
    #: model's): the summary's "Time taken" counts on from it after a quit and a resume.
    seconds: float = 0.0


@dataclass
class Progress:
    current: str | None = None
    lessons: dict[str, LessonProgress] = field(default_factory=dict)
    warning: str | None = None  # set when a corrupt file was set aside
    student: str | None = None  # the name or id put in exported attempts (asked once)

    def lesson(self, lesson_id: str) -> LessonProgress:
        return self.lessons.setdefault(lesson_id, LessonProgress())

    def to_json(self) -> dict[str, Any]:
        return {
            "version": VERSION,
            "current": self.current,
            "student": self.student,
            "lessons": {k: asdict(v) for k, v in sorted(self.lessons.items())},
        }


class ProgressStore:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or data_dir() / "progress.json"

    def load(self) -> Progress:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return Progress()
        except OSError as exc:
            return Progress(warning=f"could not read {self.path}: {exc.strerror}")
        try:
            data = json.loads(raw.decode("utf-8"))  # (not UTF-8: corrupt too)
            return _parse(data)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            aside = self._set_aside()
            return Progress(
                warning=f"the progress file {self.path} was corrupt ({exc}); it was "
                f"kept as {aside.name} and a fresh one started"
            )

    def save(self, progress: Progress) -> None:
        import tempfile

        self.path.parent.mkdir(parents=True, exist_ok=True)
        payload = json.dumps(progress.to_json(), indent=2, sort_keys=True) + "\n"
        fd, tmp = tempfile.mkstemp(prefix=".progress-", suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(payload)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        try:
            dir_fd = os.open(self.path.parent, os.O_RDONLY)
        except OSError:
            return
        try:
            os.fsync(dir_fd)
        except OSError:
            pass
        finally:
            os.close(dir_fd)

    def _set_aside(self) -> Path:
        n = 1
        while True:
            aside = self.path.with_name(f"{self.path.stem}.corrupt-{n}{self.path.suffix}")
            if not aside.exists():
                break
            n += 1
        os.replace(self.path, aside)
        return aside


def _parse(data: Any) -> Progress:
    if not isinstance(data, dict) or data.get("version") != VERSION:
        raise ValueError("not a smtp-sim progress file of version 1")
    lessons = {}
    for key, value in data.get("lessons", {}).items():
        if not isinstance(value, dict):
            raise ValueError(f"lesson {key!r} is not a table")
        lp = LessonProgress(
            steps_done=[str(s) for s in value.get("steps_done", [])],
            answers={str(k): [str(a) for a in v] for k, v in value.get("answers", {}).items()},
            hints_used={str(k): int(v) for k, v in value.get("hints_used", {}).items()},
            completed=bool(value.get("completed", False)),
            inputs=[(int(step), str(line)) for step, line in value.get("inputs", [])],
            clock_steps=int(value.get("clock_steps", 0)),
            seconds=float(value.get("seconds", 0.0)),
        )
        lessons[str(key)] = lp
    current = data.get("current")
    student = data.get("student")
    return Progress(
        current=str(current) if current is not None else None,
        lessons=lessons,
        student=str(student) if student else None,
    )


class MemoryProgressStore(ProgressStore):
    """Progress that lives as long as the process: a web visitor's own session."""

    def __init__(self) -> None:
        super().__init__(Path("(memory)"))
        self._saved: dict[str, Any] | None = None

    def load(self) -> Progress:
        return Progress() if self._saved is None else _parse(self._saved)

    def save(self, progress: Progress) -> None:
        self._saved = json.loads(json.dumps(progress.to_json()))


def default_store() -> ProgressStore:
    """The store the app uses: the user's progress file, or memory (``SMTP_SIM_PROGRESS``)."""
    if os.environ.get(ENV_PROGRESS, "").lower() == "memory":
        return MemoryProgressStore()
    return ProgressStore()
