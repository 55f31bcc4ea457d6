"""The wheel ships every sub-package and the built-in lessons (see pyproject.toml)."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _config() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
        "setuptools"]


def test_every_sub_package_is_listed():
    listed = set(_config()["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts)
             for p in (ROOT / "smtp_sim").rglob("__init__.py")}
    missing = sorted(found - listed)
    assert not missing, f"add {missing} to [tool.setuptools] packages in pyproject.toml"


def test_lessons_ship_as_smtp_sim_lessons():
    config = _config()
    assert config["package-dir"]["smtp_sim.lessons"] == "lessons"
    assert "*.toml" in config["package-data"]["smtp_sim.lessons"]
    assert (ROOT / "lessons" / "classroom.toml").is_file()
