"""What is wrong with a scenario file, one line per problem, pointing at the line to fix.

A :class:`Problem` prints as ``FILE:LINE: KEYPATH: MESSAGE (expected ...)``, the shape compilers
use, so editors can jump to it. Validation works on the parsed TOML, which has no line numbers;
:class:`TomlLocator` finds them again by scanning the source for table headers and keys (best
effort: a key it cannot find is reported at the line of its table).
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import PydanticCustomError

from ..world.values import shown_value

Loc = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a scenario. ``line`` is 1-based; ``keypath`` like
    ``hosts[2].mta.personality``, or ``(file)`` when the whole file is the problem.
    (``line`` None and ``keypath`` "" are printed without their fields.)"""

    file: str
    line: int | None
    keypath: str
    message: str
    expected: str | None = None

    def __str__(self) -> str:
        text = self.file if self.line is None else f"{self.file}:{self.line}"
        text += f": {self.keypath}: {self.message}" if self.keypath else f": {self.message}"
        if self.expected:
            text += f" (expected {self.expected})"
        return re.sub(r"\s*[\r\n]+\s*", " ", text)


class ScenarioError(Exception):
    """A scenario that cannot be used; ``problems`` says every reason found."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class Issue:
    """A problem found on the parsed data, before it has a file and a line."""

    loc: Loc
    message: str
    expected: str | None = None
    #: Already placed in another file (a lesson's scenario file): reported as it is.
    elsewhere: Problem | None = None


def invalid_value(message: str, expected: str) -> PydanticCustomError:
    """The error a field validator raises (a scenario's value types, a lesson's checks): its
    problem line reads ``FILE:LINE: KEY: MESSAGE (expected EXPECTED)``."""
    return PydanticCustomError(
        "scenario_value", "{message}", {"message": message, "expected": expected}
    )


def keypath(loc: Loc) -> str:
    """``("hosts", 2, "mta", "personality")`` -> ``hosts[2].mta.personality``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


# -- finding lines again ------------------------------------------------------------------------

_BARE = r"[A-Za-z0-9_-]+"
_QUOTED = r'"(?:[^"\\]|\\.)*"|\'[^\']*\''
_KEY = rf"(?:{_BARE}|{_QUOTED})"
_DOTTED = rf"{_KEY}(?:\s*\.\s*{_KEY})*"
_HEADER_RE = re.compile(rf"^\s*(\[\[|\[)\s*({_DOTTED})\s*\]\]?\s*(?:#.*)?$")
_KEYLINE_RE = re.compile(rf"^\s*({_DOTTED})\s*=\s*(.*)$")
_INLINE_KEY_RE = re.compile(rf"[{{,]\s*({_BARE})\s*=")


def _split_dotted(text: str) -> tuple[str, ...]:
    parts = re.findall(_KEY, text)
    return tuple(p[1:-1] if p[:1] in "\"'" else p for p in parts)


class _ArrayScan:
    """The elements of an array value written over several lines, each to its line (and an
    inline table's keys to theirs): ``checks = [`` then one ``{ kind = ... }`` a line. Strings
    are skipped whole (brackets and commas in a regex are not the array's), multi-line ones
    too."""

    def __init__(self, path: Loc) -> None:
        self.path = path
        self.depth = 0  # brackets open
        self.braces = 0  # inline tables open
        self.index = 0
        self.expect = False  # the next value starts an element
        self.in_string: str | None = None  # the delimiter of a multi-line string
        self.done = False

    def feed(self, text: str, number: int, lines: dict[Loc, int]) -> None:
        i = 0
        if self.in_string is not None:
            end = text.find(self.in_string)
            if end < 0:
                return
            i, self.in_string = end + 3, None
        while i < len(text) and not self.done:
            c = text[i]
            top = self.depth == 1 and self.braces == 0
            if top and self.expect and c not in " \t,]#":
                self.expect = False
                lines.setdefault((*self.path, self.index), number)
                if c == "{":
                    for key in _INLINE_KEY_RE.findall(text[i:]):
                        lines.setdefault((*self.path, self.index, key), number)
            if c in "\"'":
                triple = text[i : i + 3] == c * 3
                quote = c * 3 if triple else c
                j = i + len(quote)
                while True:
                    end = text.find(quote, j)
                    if end < 0 or quote == "'" * len(quote) or text[end - 1] != "\\":
                        break
                    j = end + 1
                if end < 0:
                    if triple:
                        self.in_string = quote
                    return
                i = end + len(quote)
                continue
            if c == "#":
                return
            if c == "[":
                self.depth += 1
                if self.depth == 1:
                    self.expect = True
            elif c == "]":
                self.depth -= 1
                self.done = self.depth == 0
            elif c == "{":
                self.braces += 1
            elif c == "}":
                self.braces -= 1
            elif c == "," and top:
                self.index += 1
                self.expect = True
            i += 1


class TomlLocator:
    """Maps concrete key paths (``("hosts", 2, "mta")``) to the line where they are written."""

    def __init__(self, source: str) -> None:
        self.lines: dict[Loc, int] = {(): 1}
        self._tables: list[tuple[int, Loc]] = [(1, ())]  # (line, table path) in file order
        self._scan(source)

    def _scan(self, source: str) -> None:
        arrays: dict[Loc, int] = {}  # array-of-tables path -> elements seen so far
        current: Loc = ()
        open_string: str | None = None  # the delimiter of a multi-line string being skipped
        value_array: _ArrayScan | None = None  # a key's array value still open (its elements)
        for number, text in enumerate(source.splitlines(), 1):
            if value_array is not None:
                value_array.feed(text, number, self.lines)
                if value_array.done:
                    value_array = None
                continue
            if open_string is not None:
                if text.count(open_string) % 2 == 1:
                    open_string = None
                continue
            header = _HEADER_RE.match(text)
            if header:
                names = _split_dotted(header.group(2))
                path: Loc = ()
                for i, name in enumerate(names):
                    path = (*path, name)
                    last = i == len(names) - 1
                    if last and header.group(1) == "[[":
                        index = arrays.get(path, 0)
                        arrays[path] = index + 1
                        path = (*path, index)
                    elif path in arrays:
                        path = (*path, arrays[path] - 1)
                current = path
                self.lines.setdefault(current, number)
                self._tables.append((number, current))
                continue
            keyline = _KEYLINE_RE.match(text)
            if not keyline:
                continue
            names = _split_dotted(keyline.group(1))
            for i in range(1, len(names) + 1):
                self.lines.setdefault((*current, *names[:i]), number)
            value = keyline.group(2)
            if value.startswith("{"):
                for inner in _INLINE_KEY_RE.findall(value):
                    self.lines.setdefault((*current, *names, inner), number)
            if value.startswith("["):  # each element's line: checks = [ {...}, {...} ]
                scan = _ArrayScan((*current, *names))
                scan.feed(value, number, self.lines)
                if not scan.done:
                    value_array = scan
                continue
            for delimiter in ('"""', "'''"):
                if value.startswith(delimiter) and value.count(delimiter) % 2 == 1:
                    open_string = delimiter

    def line_of(self, loc: Loc) -> int:
        """The line of ``loc`` or of its nearest enclosing key or table that was found."""
        path = tuple(loc)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return 1

    def path_at(self, line: int) -> Loc:
        """The table path in force at ``line`` (for syntax errors, which have only a line)."""
        found: Loc = ()
        for number, path in self._tables:
            if number > line:
                break
            found = path
        return found


# -- turning pydantic's errors into problems ------------------------------------------------------

_EXPECTED = {
    "string_type": "a string in quotes",
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "int_parsing": "a whole number",
    "float_parsing": "a number",
    "list_type": 'a list like ["a", "b"]',
    "tuple_type": 'a list like ["a", "b"]',
    "dict_type": "a table",
    "model_type": "a table",
    "model_attributes_type": "a table",
    "datetime_type": "a date-time like 2026-01-05T09:00:00Z",
    "datetime_parsing": "a date-time like 2026-01-05T09:00:00Z",
}


def _inner_models(annotation: Any) -> list[type[BaseModel]]:
    """Every model a field may hold: the members of ``list[A | B]``, ``Annotated[...]``..."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    origin = typing.get_origin(annotation)
    if origin is None:
        return []
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return _inner_models(args[0])
    if origin in (list, tuple, typing.Union, types.UnionType):
        return [model for arg in args for model in _inner_models(arg)]
    return []


def _union_member(models: list[type[BaseModel]], tag: str | int) -> type[BaseModel] | None:
    """The member of a union that pydantic names ``tag`` in a key path: the value of its
    discriminator (``kind = "mailbox"``) or its class name."""
    for model in models:
        kind = model.model_fields.get("kind")
        if model.__name__ == tag or (kind is not None and kind.default == tag):
            return model
    return None


def _field(model: type[BaseModel], key: str | int) -> Any:
    return next((f for n, f in model.model_fields.items() if (f.alias or n) == key), None)


def model_keys(model: type[BaseModel]) -> list[str]:
    """The keys a file may write for ``model`` (field aliases where given)."""
    return [field.alias or name for name, field in model.model_fields.items()]


def model_at(root: type[BaseModel], loc: Loc) -> type[BaseModel] | None:
    """The model class that validates the table at ``loc`` (list indexes skipped; a union's
    tag, as pydantic puts it in a path, picks its member)."""
    models: list[type[BaseModel]] = [root]
    for part in loc:
        if isinstance(part, int):
            continue
        member = _union_member(models, part) if len(models) > 1 else None
        if member is not None:  # a union's tag (a check's kind can also be a key: "state")
            models = [member]
            continue
        model = next((m for m in models if _field(m, part) is not None), None)
        if model is None:
            return None
        models = _inner_models(_field(model, part).annotation)
    return models[0] if len(models) == 1 else None


def clean_loc(root: type[BaseModel] | None, loc: Loc, *, last_is_key: bool = False) -> Loc:
    """``loc`` without pydantic's union tags (``("scenario", "Scenario", "hosts")`` ->
    ``("scenario", "hosts")``): a name that is not a field of the model there is dropped,
    except a last name that is an unknown key (``last_is_key``)."""
    models: list[type[BaseModel]] = [root] if root is not None else []
    out: list[str | int] = []
    for i, part in enumerate(loc):
        if isinstance(part, int) or not models:
            out.append(part)
            continue
        member = _union_member(models, part) if len(models) > 1 else None
        if member is not None:  # a union's tag: not a key of the file
            models = [member]
            continue
        model = next((m for m in models if _field(m, part) is not None), None)
        if model is None:
            if _union_member(models, part) is None and last_is_key and i == len(loc) - 1:
                out.append(part)
            continue
        out.append(part)
        models = _inner_models(_field(model, part).annotation)  # []: keep every part below
    return tuple(out)


def _describe(error: dict[str, Any], root: type[BaseModel] | None) -> Issue:
    kind = error["type"]
    raw: Loc = tuple(error["loc"])
    loc: Loc = clean_loc(root, raw, last_is_key=kind == "extra_forbidden")
    ctx = error.get("ctx") or {}
    given = error.get("input")
    if kind == "extra_forbidden":
        model = model_at(root, raw[:-1]) if root else None  # (the union's tag picks the table)
        allowed = model_keys(model) if model else []
        key = str(loc[-1])
        moved = _belongs_above(root, raw, loc, key, allowed)
        if moved is not None:
            return moved
        message = f"unknown key {key!r}"
        close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
        if close:
            message += f"; did you mean {close[0]!r}?"
        return Issue(loc, message, f"one of: {', '.join(allowed)}" if allowed else None)
    if kind == "missing":
        return Issue(loc, f"required key {loc[-1]!r} is missing", _EXPECTED.get(kind))
    if "expected" in ctx and "message" in ctx:  # our own validators (invalid_value)
        return Issue(loc, str(ctx["message"]), str(ctx["expected"]))
    if kind == "union_tag_invalid":  # e.g. a check's kind that does not exist
        tag, field = str(ctx.get("tag")), str(ctx.get("discriminator", "kind")).strip("'")
        known = [t.strip(" '") for t in str(ctx.get("expected_tags", "")).split(",")]
        close = difflib.get_close_matches(tag, known, n=1, cutoff=0.6)
        message = f"unknown {field} {tag!r}" + (f"; did you mean {close[0]!r}?" if close else "")
        return Issue((*loc, field), message, "one of: " + ", ".join(known))
    if kind == "literal_error":
        return Issue(loc, f"{shown_value(given)} is not allowed", f"one of {ctx.get('expected')}")
    if kind in _EXPECTED:
        expected = _EXPECTED[kind]
        if kind in ("int_type", "float_type") and isinstance(given, str) and _is_number(given):
            expected += f" without quotes: {given.strip()}"  # (strict: "220" is a string)
        return Issue(loc, f"wrong type: {shown_value(given)}", expected)
    if kind in ("too_short", "too_long"):
        bound = ctx.get("min_length") if kind == "too_short" else ctx.get("max_length")
        which = "at least" if kind == "too_short" else "at most"
        return Issue(
            loc,
            f"{ctx.get('actual_length', '?')} items given",
            f"{which} {bound} item{'s' if bound != 1 else ''}",
        )
    bounds = {
        "greater_than_equal": ("ge", "at least"),
        "greater_than": ("gt", "more than"),
        "less_than_equal": ("le", "at most"),
        "less_than": ("lt", "less than"),
    }
    if kind in bounds:
        key, words = bounds[kind]
        return Issue(loc, f"{shown_value(given)} is out of range", f"{words} {ctx.get(key)}")
    message = str(error.get("msg", "invalid value"))
    message = message.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    return Issue(loc, message)


def _belongs_above(
    root: type[BaseModel] | None, raw: Loc, loc: Loc, key: str, allowed: list[str]
) -> Issue | None:
    """A key of the enclosing table written after a sub-table's header (``solution`` after
    ``[steps.quiz]``): TOML puts it in the sub-table, so say where it belongs."""
    if root is None or len(loc) < 2 or key in allowed:
        return None
    outer = model_at(root, raw[:-2])
    if outer is None or key not in model_keys(outer):
        return None
    table = ".".join(str(p) for p in loc[:-1] if not isinstance(p, int))
    owner = outer.__name__.removesuffix("Spec").lower()
    return Issue(
        loc,
        f"`{key}` belongs to the {owner}, not to [{table}]: a key written after "
        f"the header [{table}] is one of its keys",
        f"`{key}` moved above [{table}]",
    )


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def issues_from_validation(exc: ValidationError, root: type[BaseModel] | None) -> list[Issue]:
    """One issue per pydantic error; ``root`` (the validated model) names the keys allowed
    where an unknown key was found, and strips union tags from the key paths."""
    return [_describe(dict(e), root) for e in exc.errors(include_url=False)]


def problems_from_validation(
    exc: ValidationError, file: str, source: str, model: type[BaseModel] | None = None
) -> list[Problem]:
    """Pydantic's errors for the TOML text ``source`` of ``file``, as problems with lines."""
    return to_problems(issues_from_validation(exc, model), file, TomlLocator(source))


def to_problems(issues: list[Issue], file: str, locator: TomlLocator | None) -> list[Problem]:
    out = []
    for issue in issues:
        if issue.elsewhere is not None:
            out.append(issue.elsewhere)
            continue
        line = locator.line_of(issue.loc) if locator else 1
        out.append(Problem(file, line, keypath(issue.loc), issue.message, issue.expected))
    return out


_TOML_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_TOML_END = re.compile(r"\s*\(at end of document\)\s*$")


def toml_problem(file: str, source: str, message: str) -> Problem:
    """A tomllib error as a problem, with its line (tomllib puts it in the message)."""
    match = _TOML_AT.search(message)
    if match:
        line = int(match.group(1))
        text = message[: match.start()]
    else:
        line = max(1, source.count("\n") + (0 if source.endswith("\n") else 1))
        text = _TOML_END.sub("", message)
    path = TomlLocator(source).path_at(line)
    return Problem(
        file, line, keypath(path), f"TOML syntax error: {text}", "valid TOML, see https://toml.io"
    )
