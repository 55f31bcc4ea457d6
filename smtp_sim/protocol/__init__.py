"""The sans-IO protocol layer: SMTP server and client engines, the state table, the reply
catalog and its explanations, server personalities. Imports only the standard library."""

from .address import Address, AddressError
from .client import ClientConnection
from .delivery import DeliveryResult, MailSender
from .errors import LocalProtocolError, ProtocolError, RemoteProtocolError
from .events import (
    Command,
    CommandReplied,
    ConnectionClosed,
    Envelope,
    Event,
    Greeting,
    MessageReceived,
    ReplyReceived,
    Signal,
)
from .personalities import PERSONALITIES, Personality, get_personality
from .policy import MailPolicy, Stage, Verdict, default_policy
from .replies import Reply, ReplyKind, ReplySpec
from .server import ServerConnection
from .states import State

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
