"""Where the built-in scenarios and lessons are, standard library only: the app's lesson
preview (course/preview.py) finds its file before pydantic and the file format are imported."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path


@cache
def builtin_dir() -> Path:
    """Where the built-in scenarios and lessons are: ``smtp_sim/lessons`` in an installed wheel
    (the top-level ``lessons/`` folder, shipped inside the package), or that ``lessons/`` folder
    itself beside the package in a checkout or an editable install."""
    package = Path(str(resources.files("smtp_sim")))  # (a folder: lessons name files beside them)
    shipped = package / "lessons"
    return shipped if shipped.is_dir() else package.parent / "lessons"


def list_builtin() -> list[str]:
    """The ids of the built-in scenarios and lessons, sorted."""
    directory = builtin_dir()
    return sorted(p.stem for p in directory.glob("*.toml")) if directory.is_dir() else []


def names_a_file(ref: str) -> bool:
    """True when ``ref`` is written as a file name (``x.toml``, ``dir/x``), not a built-in id."""
    return ref.endswith(".toml") or "/" in ref or "\\" in ref
