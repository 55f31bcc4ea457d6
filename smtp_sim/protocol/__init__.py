"""The sans-IO protocol layer: SMTP server and client engines, the state table, the reply
catalog and its explanations, server personalities. Imports only the standard library."""

from importlib import import_module
from typing import Any

# Each name loads its module on first use: ``from smtp_sim.protocol.records import ...`` (the
# trace does) must not import every engine, so the app's first frame stays quick.
_MODULES = {
    "address": ("Address", "AddressError"),
    "client": ("ClientConnection",),
    "delivery": ("DeliveryResult", "MailSender"),
    "errors": ("LocalProtocolError", "ProtocolError", "RemoteProtocolError"),
    "events": (
        "Command",
        "CommandReplied",
        "ConnectionClosed",
        "Envelope",
        "Event",
        "Greeting",
        "MessageReceived",
        "ReplyReceived",
        "Signal",
    ),
    "personalities": ("PERSONALITIES", "Personality", "get_personality"),
    "policy": ("MailPolicy", "Stage", "Verdict", "default_policy"),
    "replies": ("Reply", "ReplyKind", "ReplySpec"),
    "server": ("ServerConnection",),
    "states": ("State",),
}
_LAZY = {name: module for module, names in _MODULES.items() for name in names}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    # Kept in the module: later uses are plain attribute reads.
    value = globals()[name] = getattr(import_module(f".{module}", __name__), name)
    return value


__all__ = [
    "PERSONALITIES",
    "Address",
    "AddressError",
    "ClientConnection",
    "Command",
    "CommandReplied",
    "ConnectionClosed",
    "DeliveryResult",
    "Envelope",
    "Event",
    "Greeting",
    "LocalProtocolError",
    "MailPolicy",
    "MailSender",
    "MessageReceived",
    "Personality",
    "ProtocolError",
    "RemoteProtocolError",
    "Reply",
    "ReplyKind",
    "ReplyReceived",
    "ReplySpec",
    "ServerConnection",
    "Signal",
    "Stage",
    "State",
    "Verdict",
    "default_policy",
    "get_personality",
]
