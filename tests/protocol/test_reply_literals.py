"""Every reply text lives in the catalog: no ``"NNN text"`` literal anywhere else in smtp_sim/.

A reply literal is a string (or bytes) constant that starts with a three-digit SMTP code and a
space or a dash, as a reply line does (``"550 No such user"``, ``"250-PIPELINING"``, also the
head of an f-string). Docstrings are prose and are not read.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import smtp_sim

PACKAGE = Path(smtp_sim.__file__).parent

#: The catalog modules: the kinds and their texts, the other reply texts, the servers'
#: own wording (personalities are data), the POP3 catalog and sendmail's helpfile (verbatim).
CATALOG = frozenset(
    {
        "protocol/replies.py",
        "protocol/reply_texts.py",
        "protocol/personalities.py",
        "protocol/pop3_replies.py",
        "protocol/sendmail_helpfile.py",
    }
)

REPLY_LITERAL = re.compile(r"^[2-5][0-9][0-9][ -]")


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def reply_literals(source: str) -> list[tuple[int, str]]:
    """(line, text) of each reply literal in ``source``."""
    tree = ast.parse(source)
    skip = _docstrings(tree)
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and id(node) not in skip:
            value = node.value
            if isinstance(value, bytes):
                value = value.decode("latin-1")
            if isinstance(value, str) and REPLY_LITERAL.match(value):
                out.append((node.lineno, value))
    return sorted(out)


def test_the_finder_sees_reply_literals() -> None:
    source = 'A = "550 No such user"\nB = f"250-{x}"\nC = b"354 go"\nD = "2500 bytes"\n'
    assert [line for line, _ in reply_literals(source)] == [1, 2, 3]
    assert reply_literals('"""550 in a docstring is prose."""\n') == []


def test_the_catalog_modules_exist() -> None:
    for name in CATALOG:
        assert (PACKAGE / name).is_file(), name


def test_no_reply_literal_outside_the_catalog() -> None:
    strays = []
    for path in sorted(PACKAGE.rglob("*.py")):
        name = path.relative_to(PACKAGE).as_posix()
        if name in CATALOG:
            continue
        for line, text in reply_literals(path.read_text(encoding="utf-8")):
            strays.append(f"smtp_sim/{name}:{line}: {text[:60]!r}")
    assert not strays, (
        "reply texts outside the catalog (protocol/replies.py, reply_texts.py):\n"
        + "\n".join(strays)
    )
