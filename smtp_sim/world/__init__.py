"""The simulation: clock, hosts, links and TCP, DNS, MTAs and queues, mailboxes, user agents,
faults, the trace and its exports. Imports ``protocol``, never Textual or asyncio."""

from importlib import import_module
from typing import Any

# Each name loads its module on first use: ``from smtp_sim.world.trace import Layer`` (the app's
# first frame) must not build the whole simulation's modules.
_LAZY = {
    "Clock": ".clock",
    "Kind": ".trace",
    "Layer": ".trace",
    "Trace": ".trace",
    "TraceRecord": ".trace",
    "World": ".world",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    # Kept in the module: later uses are plain attribute reads.
    value = globals()[name] = getattr(import_module(module, __name__), name)
    return value


__all__ = ["Clock", "Kind", "Layer", "Trace", "TraceRecord", "World"]
