"""Dependencies point one way: protocol <- world <- scenario <- course <- tui; nothing imports
the UI. One table places every module under smtp_sim/ and says what it may import.

Read from the source (every import in the file: top level, under TYPE_CHECKING, inside
functions), so a violation fails here before it spreads. A module the table does not place
fails too: a new package or top-level module gets its row in ``LAYERS`` (a module inside a
package is placed by the package's row, unless it has a row of its own, like the Textual-free
controller inside tui/).

Direct imports are enough to keep the rules transitively: the world may import only protocol
and itself, and neither imports pydantic or TOML, so a world built in code (the benchmarks, the
bridge's engines) never loads the validator.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "smtp_sim"

#: The Textual app and its rendering library, and the web server's.
UI = frozenset({"textual", "rich", "textual_serve", "aiohttp"})
#: The file format's validator and reader.
FILES = frozenset({"pydantic", "pydantic_core", "tomllib"})
#: SPF, DKIM and DMARC's libraries: world/mail_auth.py alone imports them (inside functions).
MAIL_AUTH = frozenset({"dkim", "spf", "authheaders", "authres", "nacl", "dns"})
#: The simulated TLS's library: world/tls.py alone imports it (inside functions).
TLS = frozenset({"cryptography"})
#: Third-party packages: a module marked ``stdlib_only`` imports none of them (nor any other
#: package outside the standard library).
STDLIB = frozenset(sys.stdlib_module_names)


@dataclass(frozen=True)
class Layer:
    """What the modules of one row may import: ``allowed``, the parts of smtp_sim (besides
    the root package's ``__version__``); ``forbidden``, top-level modules from outside."""

    allowed: frozenset[str]
    forbidden: frozenset[str] = frozenset()
    stdlib_only: bool = False


def _layer(allowed: str, forbidden: frozenset[str] = frozenset(), **kw: bool) -> Layer:
    return Layer(frozenset(allowed.split()), frozenset(forbidden), **kw)


#: Row: a package or a module of smtp_sim (the longest row that names a module places it).
#: ``textio`` is allowed everywhere: standard library only, every layer may use it.
LAYERS: dict[str, Layer] = {
    "smtp_sim": _layer("", stdlib_only=True),  # the package's __init__: its version
    "smtp_sim.__main__": _layer("cli", stdlib_only=True),
    "smtp_sim.textio": _layer("", stdlib_only=True),
    "smtp_sim.protocol": _layer("protocol", FILES | {"asyncio"}, stdlib_only=True),
    "smtp_sim.world": _layer(
        "protocol world textio", UI | FILES | MAIL_AUTH | TLS | {"asyncio", "platformdirs"}
    ),
    "smtp_sim.world.mail_auth": _layer(
        "protocol world textio", UI | FILES | TLS | {"asyncio", "platformdirs"}
    ),
    "smtp_sim.world.tls": _layer(
        "protocol world textio", UI | FILES | MAIL_AUTH | {"asyncio", "platformdirs"}
    ),
    "smtp_sim.scenario": _layer(
        "protocol world scenario textio", UI | MAIL_AUTH | TLS | {"asyncio"}
    ),
    "smtp_sim.course": _layer("protocol world scenario course textio", UI | {"asyncio"}),
    "smtp_sim.bridge": _layer(
        "protocol world scenario bridge textio", UI | FILES | {"cryptography"}
    ),
    # the certificate of serve's TLS: the only module of the bridge that makes keys
    "smtp_sim.bridge.tls": _layer("protocol world scenario bridge textio", UI | FILES),
    "smtp_sim.tui": _layer(
        "protocol world scenario course bridge tui web_session textio",
        FILES | {"aiohttp", "textual_serve"},
    ),
    # The app's behaviour without the app: every action goes through it, no Textual.
    "smtp_sim.tui.controller": _layer(
        "protocol world scenario course textio", UI | FILES | {"asyncio"}
    ),
    # How a view reads the playback: a protocol, so a view imports neither the controller
    # nor the screen (types only; no Textual).
    "smtp_sim.tui.widgets.following": _layer("world course textio", UI | FILES | {"asyncio"}),
    "smtp_sim.runner": _layer("protocol world scenario textio", {"textual", "asyncio"} | FILES),
    "smtp_sim.stdio_session": _layer("protocol world scenario textio", UI | FILES | {"asyncio"}),
    "smtp_sim.web": _layer("bridge course web_fork web_session textio", FILES | {"textual"}),
    "smtp_sim.web_session": _layer("textio", stdlib_only=True),
    "smtp_sim.web_fork": _layer("cli web_session textio", stdlib_only=True),
    "smtp_sim.cli": _layer(
        "protocol world scenario course bridge tui runner stdio_session web textio",
        UI | FILES | {"asyncio"},
    ),
}


def module_name(path: Path, package: Path) -> str:
    parts = path.relative_to(package.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, package: Path) -> set[str]:
    """Every module ``path`` imports, absolute (``from . import x`` gives ``pkg.x``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    parts = path.relative_to(package.parent).with_suffix("").parts
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join(parts[: len(parts) - node.level])
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            if node.module is None:  # from . import x: x may be a module
                found.update(f"{module}.{alias.name}" for alias in node.names)
            else:
                found.add(module)
    return found


def place(module: str, layers: dict[str, Layer]) -> str | None:
    """The row of ``module``: the longest row that is the module or a package holding it."""
    rows = [row for row in layers if module == row or module.startswith(row + ".")]
    deeper = [row for row in rows if row != "smtp_sim"]  # the root's row: its __init__ only
    if deeper:
        return max(deeper, key=len)
    return "smtp_sim" if module == "smtp_sim" and "smtp_sim" in layers else None


def violations(package: Path = PACKAGE, layers: dict[str, Layer] = LAYERS) -> list[str]:
    bad = []
    for path in sorted(package.rglob("*.py")):
        name = module_name(path, package)
        row = place(name, layers)
        if row is None:
            bad.append(f"{name}: no row in LAYERS places it (add one, see tests/test_layers.py)")
            continue
        rule = layers[row]
        allowed = {f"smtp_sim.{part}" for part in rule.allowed}
        for imported in sorted(imports(path, package)):
            top = imported.partition(".")[0]
            if top == "smtp_sim":
                if imported in ("smtp_sim", "smtp_sim.__version__"):
                    continue
                if not any(imported == a or imported.startswith(a + ".") for a in allowed):
                    bad.append(f"{name} ({row}) imports {imported}")
            elif top in rule.forbidden:
                bad.append(f"{name} ({row}) imports {imported}")
            elif rule.stdlib_only and top not in STDLIB and top != "__future__":
                bad.append(f"{name} ({row}) imports {imported}: standard library only")
    return bad


def test_every_module_keeps_to_its_layer():
    assert violations() == []


def test_every_row_places_a_module():
    """A row for a module or package that is gone is a stale rule: remove or rename it."""
    names = {module_name(path, PACKAGE) for path in PACKAGE.rglob("*.py")}
    stale = [row for row in LAYERS if not any(place(n, LAYERS) == row for n in names)]
    assert stale == []


def test_the_world_cannot_load_the_file_format():
    world = LAYERS["smtp_sim.world"]
    assert {"pydantic", "tomllib", "textual", "asyncio"} <= world.forbidden
    assert world.allowed == {"protocol", "world", "textio"}


def test_the_checker_sees_a_violation(tmp_path):
    fake = tmp_path / "smtp_sim"
    (fake / "protocol").mkdir(parents=True)
    (fake / "__init__.py").write_text("")
    (fake / "protocol" / "__init__.py").write_text("")
    (fake / "protocol" / "bad.py").write_text(
        "import textual\nfrom ..world import World\n"
        "def f():\n    import pydantic\n    from smtp_sim.tui import app\n"
    )
    (fake / "protocol" / "stdlib.py").write_text("import dpkt\n")
    (fake / "stray.py").write_text("")
    found = "\n".join(violations(fake))
    for expected in (
        "imports textual",
        "imports smtp_sim.world",
        "imports pydantic",  # inside a function
        "imports smtp_sim.tui",
        "imports dpkt: standard library only",
        "smtp_sim.stray: no row",
    ):
        assert expected in found
