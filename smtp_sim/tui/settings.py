"""What the app remembers across runs besides progress: the theme. A small JSON file beside the
progress file (``SMTP_SIM_DATA_DIR``, else the user's data directory). With progress kept in
memory (``SMTP_SIM_PROGRESS=memory``, as ``smtp-sim web`` runs each visitor's app) nothing is
read or written. A missing, unreadable or damaged file is the same as no preference."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ..course.progress import ENV_PROGRESS, data_dir

SETTINGS_FILE = "settings.json"


def _in_memory() -> bool:
    return os.environ.get(ENV_PROGRESS, "").lower() == "memory"


def settings_path() -> Path:
    return data_dir() / SETTINGS_FILE


def _load() -> dict[str, Any]:
    try:
        data = json.loads(settings_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def remembered_theme() -> str | None:
    """The theme last chosen in the app, if any."""
    if _in_memory():
        return None
    theme = _load().get("theme")
    return theme if isinstance(theme, str) and theme else None


def remember_theme(name: str) -> None:
    """Keep ``name`` as the theme of the next run (written atomically; a failure to write
    only means it is not remembered)."""
    if _in_memory() or name == remembered_theme():
        return
    path = settings_path()
    data = {**_load(), "theme": name}
    tmp = path.with_name(f".{SETTINGS_FILE}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)


def theme_names() -> list[str]:
    """Every theme ``--theme`` accepts: Textual's own and smtp-sim's high contrast."""
    from textual.theme import BUILTIN_THEMES

    from .theme import HIGH_CONTRAST

    return sorted({*BUILTIN_THEMES, HIGH_CONTRAST.name})
