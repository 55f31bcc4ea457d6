"""Reading scenario and lesson files: a path, a built-in id (``classroom``) or ``-``; TOML
validated against a model, then cross-checked. Every mistake is a :class:`Problem` at its line.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from ..textio import STDIN, STDIN_NAME, stdin_bytes
from .build import scenario_issues
from .builtin import builtin_dir, list_builtin, names_a_file
from .model import Scenario
from .problems import (
    Issue,
    Problem,
    ScenarioError,
    TomlLocator,
    issues_from_validation,
    to_problems,
    toml_problem,
)

M = TypeVar("M", bound=BaseModel)


def parse_document(
    source: str,
    model: type[M],
    file: str = "<string>",
    check: Callable[[M], list[Issue]] | None = None,
) -> M:
    """Validate TOML text against ``model``, then its cross-checks: ``check(document)``, or
    the document's own ``check()`` method (a lesson's); raises :class:`ScenarioError`."""
    try:
        raw = tomllib.loads(source)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError([toml_problem(file, source, str(exc))]) from None
    try:
        # (the context: a document may name other files relative to its own folder)
        document = model.model_validate(raw, context={"file": file})
    except ValidationError as exc:
        raise ScenarioError(
            to_problems(issues_from_validation(exc, model), file, TomlLocator(source))
        ) from None
    if check is not None:
        issues = check(document)
    else:
        own = getattr(document, "check", None)
        issues = own() if callable(own) else []
    if issues:  # (the lines of the keys are looked for only when there is a problem)
        raise ScenarioError(to_problems(issues, file, TomlLocator(source)))
    return document


def parse_scenario(source: str, file: str = "<string>") -> Scenario:
    """A scenario from TOML text, validated and cross-checked."""
    return parse_document(source, Scenario, file, scenario_issues)


def read_document(ref: str | Path) -> tuple[str, str]:
    """``(source, file name to show)`` for a path or a built-in id; ScenarioError if neither."""
    text = str(ref)
    if not text.strip():
        raise ScenarioError(
            [
                Problem(
                    "(nothing)",
                    1,
                    "(file)",
                    "no file or id given",
                    "a path to a .toml file or a built-in id, e.g. classroom",
                )
            ]
        )
    if text == STDIN and not isinstance(ref, Path):  # (`smtp-sim check -`)
        return _decoded(stdin_bytes(), STDIN_NAME)
    path = Path(ref)
    is_path = isinstance(ref, Path) or names_a_file(text) or path.exists()
    if not is_path:
        builtin = builtin_dir() / f"{text}.toml"
        if not builtin.is_file():
            known = ", ".join(list_builtin()) or "none installed"
            raise ScenarioError(
                [
                    Problem(
                        text,
                        1,
                        "(file)",
                        f"no scenario file or built-in scenario named {text!r}",
                        f"a path to a .toml file or a built-in id: {known}",
                    )
                ]
            )
        path, text = builtin, str(builtin)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ScenarioError(
            [Problem(text, 1, "(file)", "no such file", "a scenario .toml file")]
        ) from None
    except IsADirectoryError:
        raise ScenarioError(
            [Problem(text, 1, "(file)", "is a directory", "a scenario .toml file")]
        ) from None
    except OSError as exc:
        raise ScenarioError(
            [Problem(text, 1, "(file)", f"cannot read: {exc.strerror}", "a readable .toml file")]
        ) from None
    return _decoded(data, text)


def _decoded(data: bytes, text: str) -> tuple[str, str]:
    try:
        return data.decode("utf-8"), text
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ScenarioError(
            [Problem(text, line, "(file)", "not UTF-8 text", "a TOML file in UTF-8")]
        ) from None


def load_scenario(ref: str | Path) -> Scenario:
    """Read and validate a scenario from a path or a built-in id (``classroom``)."""
    source, file = read_document(ref)
    return parse_scenario(source, file)
