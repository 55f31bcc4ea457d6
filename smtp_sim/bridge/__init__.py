"""The only real sockets: asyncio listeners that carry real clients into the simulated world.

A real TCP connection becomes a simulated one into a scenario host's listener, so the same
engines and MTAs answer; the world's clock runs at wall-clock pace while the bridge runs.
Imports ``protocol`` and ``world``; nothing in those imports this.
"""

from importlib import import_module
from typing import Any

from .listen import ListenError, ListenSpec, parse_listen

# The asyncio machinery loads only when a bridge is really used: the app imports ListenSpec
# for its --listen option and must not pay for asyncio servers at start-up.
_LAZY = {
    "BoundListener": ".bridge",
    "Bridge": ".bridge",
    "BridgeError": ".bridge",
    "BridgeStats": ".bridge",
    "MaildirWriter": ".maildir",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(module, __name__), name)


__all__ = [
    "BoundListener",
    "Bridge",
    "BridgeError",
    "BridgeStats",
    "ListenError",
    "ListenSpec",
    "MaildirWriter",
    "parse_listen",
]
