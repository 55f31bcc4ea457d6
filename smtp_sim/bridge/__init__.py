"""The only real sockets: asyncio listeners that carry real clients into the simulated world.

A real TCP connection becomes a simulated one into a scenario host's listener, so the same
engines and MTAs answer; the world's clock runs at wall-clock pace while the bridge runs.
Imports ``protocol`` and ``world``; nothing in those imports this.
"""

from .bridge import BoundListener, Bridge, BridgeError, BridgeStats
from .listen import ListenError, ListenSpec, parse_listen
from .maildir import MaildirWriter

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
