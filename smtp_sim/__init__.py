"""smtp-sim: an interactive SMTP teaching simulator for the terminal."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("smtp-sim")  # pyproject.toml's, the one place it is written
except PackageNotFoundError:  # pragma: no cover - run from a checkout that was never installed
    __version__ = "0+unknown"
