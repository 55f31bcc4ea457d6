"""smtp-sim: an interactive SMTP teaching simulator for the terminal."""

from __future__ import annotations


def __getattr__(name: str) -> str:
    # The version is read from the installed metadata (pyproject.toml's, the one place it is
    # written) only when asked for: importlib.metadata imports the email package, which the
    # app's first frame does without (tests/tui/test_startup.py).
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("smtp-sim")
        except PackageNotFoundError:  # pragma: no cover - a checkout that was never installed
            return "0+unknown"
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
