"""Dependencies point one way: protocol <- world <- scenario <- course <- tui; nothing imports
the UI.

Checked on the source text (imports), so a violation fails here before it spreads."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "smtp_sim"

# layer -> top-level modules and smtp_sim sub-packages it must never import
FORBIDDEN = {
    "protocol": {
        "textual",
        "asyncio",
        "rich",
        "smtp_sim.world",
        "smtp_sim.course",
        "smtp_sim.tui",
        "smtp_sim.bridge",
        "pydantic",
    },
    "world": {
        "textual",
        "asyncio",
        "rich",
        "pydantic",
        "tomllib",
        "smtp_sim.scenario",
        "smtp_sim.course",
        "smtp_sim.tui",
        "smtp_sim.bridge",
    },
    "scenario": {
        "textual",
        "asyncio",
        "rich",
        "smtp_sim.course",
        "smtp_sim.tui",
        "smtp_sim.bridge",
    },
    "course": {"textual", "asyncio", "smtp_sim.tui", "smtp_sim.bridge"},
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(parts[: len(parts) - node.level])
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.add(module)
    return found


def _violations(layer: str) -> list[str]:
    bad = []
    for path in sorted((PACKAGE / layer).rglob("*.py")):
        for module in _imports(path):
            for forbidden in FORBIDDEN[layer]:
                if module == forbidden or module.startswith(forbidden + "."):
                    bad.append(f"{path.relative_to(PACKAGE.parent)} imports {module}")
    return bad


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports_point_one_way(layer):
    if not (PACKAGE / layer).is_dir():
        pytest.skip(f"no {layer} layer yet")
    assert _violations(layer) == []


def test_the_checker_sees_a_violation(tmp_path, monkeypatch):
    fake = tmp_path / "smtp_sim" / "protocol"
    fake.mkdir(parents=True)
    (fake / "bad.py").write_text("import textual\nfrom ..world import World\n")
    monkeypatch.setattr(__import__(__name__), "PACKAGE", tmp_path / "smtp_sim")
    found = _violations("protocol")
    assert any("textual" in v for v in found)
    assert any("smtp_sim.world" in v for v in found)


def test_the_running_simulation_does_not_need_pydantic():
    """The scenario files need pydantic; a world built in code (the benchmarks, the bridge's
    engines, faults applied at run time) does not load it: a lighter process."""
    import subprocess
    import sys

    script = (
        "import sys\n"
        "import smtp_sim.world.world, smtp_sim.world.faults, smtp_sim.world.agent\n"
        "print('pydantic' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=PACKAGE.parent,
        check=True,
    )
    assert done.stdout.strip() == "False"
