"""What a server knows about its mail system: its domains, users and lists, whom it relays for.

The engine asks its :class:`MailPolicy` synchronously; the answer is a :class:`Verdict` naming a
reply kind (worded by the personality) or carrying an exact reply (a fault a scenario injects).
The simulated MTAs subclass it; ``smtp-sim session`` uses it as it is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache

from .address import Address
from .events import Envelope
from .replies import ReplyKind, ReplySpec


class Stage(StrEnum):
    """Where a fault can make the server answer something else (see ``MailPolicy.fault``)."""

    CONNECT = "connect"
    HELO = "helo"
    MAIL = "mail"
    RCPT = "rcpt"
    DATA = "data"
    END_OF_DATA = "end-of-data"


@dataclass(frozen=True, slots=True)
class Verdict:
    """An answer: a reply kind, the fields its template needs, or an exact reply."""

    kind: ReplyKind
    fields: Mapping[str, str] = field(default_factory=dict)
    spec: ReplySpec | None = None  # overrides the personality's wording (injected faults)
    note: str | None = None

    @property
    def accepted(self) -> bool:
        code = self.spec.code if self.spec else None
        if code is not None:
            return code < 400
        return self.kind in _ACCEPTING


_ACCEPTING = frozenset(
    {ReplyKind.MAIL_OK, ReplyKind.RCPT_OK, ReplyKind.RCPT_PIPE_OK, ReplyKind.QUEUED}
)


def postfix_queue_id(n: int) -> str:
    """The n-th queue id, Postfix style (hex). The first is the slides' ``A04537DB3``."""
    return f"{(0xA04537DB3 + n * 0x1F3A5C7) & 0xFFFFFFFFF:09X}"


class MailPolicy:
    """A final destination for ``domains`` with local ``users`` (local part -> full name) and
    mailing ``lists`` (name -> local parts). Mail for other domains is relaying, accepted only
    when ``relay`` is True (an open relay) or the client is in ``relay_clients``."""

    def __init__(
        self,
        domains: Iterable[str] = (),
        users: Mapping[str, str] | None = None,
        lists: Mapping[str, Iterable[str]] | None = None,
        *,
        relay: bool = False,
        relay_clients: Iterable[str] = (),
    ) -> None:
        self.domains = {d.lower().rstrip(".") for d in domains}
        self.users = dict(users or {})
        self.lists = {k: tuple(v) for k, v in (lists or {}).items()}
        self.relay = relay
        self.relay_clients = set(relay_clients)
        self._queued = 0

    @property
    def primary_domain(self) -> str | None:
        return min(self.domains) if self.domains else None

    def is_local(self, address: Address) -> bool:
        return address.domain is None or address.domain.lower().rstrip(".") in self.domains

    def user(self, address: Address) -> str | None:
        """The full name of a local user (local parts match case-insensitively here)."""
        if not self.is_local(address):
            return None
        wanted = address.local.lower()
        for local, name in self.users.items():
            if local.lower() == wanted:
                return name
        return None

    def qualify(self, address: Address) -> Address:
        if address.domain is None and self.primary_domain:
            return Address(address.local, self.primary_domain)
        return address

    # -- the questions the engine asks ----------------------------------------------------

    def fault(self, stage: Stage, argument: str, envelope: Envelope) -> Verdict | None:
        """An injected answer for this stage, or None. The world overrides this."""
        return None

    def check_sender(self, address: Address, envelope: Envelope, client_ip: str) -> Verdict:
        return Verdict(ReplyKind.MAIL_OK)

    def check_recipient(self, address: Address, envelope: Envelope, client_ip: str) -> Verdict:
        shown = address.bracketed
        local = self.is_local(address)
        if address.is_postmaster and (address.domain is None or local):
            return Verdict(ReplyKind.RCPT_OK, {"address": shown})
        if local:
            if self.user(address) is not None or self._list(address.local) is not None:
                return Verdict(ReplyKind.RCPT_OK, {"address": shown})
            return Verdict(ReplyKind.USER_UNKNOWN, {"address": shown})
        if self.relay or client_ip in self.relay_clients:
            return Verdict(ReplyKind.RCPT_OK, {"address": shown})
        return Verdict(ReplyKind.RELAY_DENIED, {"address": shown})

    def accept_message(self, envelope: Envelope, content: bytes) -> Verdict:
        queue_id = postfix_queue_id(self._queued)
        self._queued += 1
        return Verdict(ReplyKind.QUEUED, {"queue_id": queue_id})

    def verify(self, argument: str) -> tuple[str, Address] | None:
        """(full name, address) of a local user named by ``argument``, or None."""
        address = _loose_address(argument)
        if address is None:
            return None
        name = self.user(address)
        if name is None:
            return None
        return name, self.qualify(address)

    def expand(self, argument: str) -> list[tuple[str, Address]] | None:
        """The members of a list (or the user itself), or None when nothing matches."""
        address = _loose_address(argument)
        if address is None:
            return None
        if self.is_local(address):
            members = self._list(address.local)
            if members is not None:
                out = []
                for m in members:
                    member = Address(m, self.primary_domain)
                    out.append((self.user(member) or m, member))
                return out
        found = self.verify(argument)
        return [found] if found else None

    def is_unknown_local(self, argument: str) -> bool:
        address = _loose_address(argument)
        return (
            address is not None
            and self.is_local(address)
            and self.user(address) is None
            and self._list(address.local) is None
            and not address.is_postmaster
        )

    def _list(self, name: str) -> tuple[str, ...] | None:
        for list_name, members in self.lists.items():
            if list_name.lower() == name.lower():
                return members
        return None


def _loose_address(argument: str) -> Address | None:
    text = argument.strip()
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1]
    try:
        return Address.parse(text)
    except ValueError:
        return None


def default_policy(hostname: str) -> MailPolicy:
    """The mail system of ``smtp-sim session``: the hostname without its first label is the
    local domain (``mail.cs.tcd.ie`` serves ``cs.tcd.ie``), with users alice, bob and
    postmaster and a mailing list ``staff``; every other domain is relaying, refused."""
    return MailPolicy([_local_domain(hostname)], users=_DEFAULT_USERS, lists=_DEFAULT_LISTS)


_DEFAULT_USERS = {"alice": "Alice Liddell", "bob": "Bob Smith", "postmaster": "Postmaster"}
_DEFAULT_LISTS = {"staff": ("alice", "bob")}  # (MailPolicy copies both)


@lru_cache(maxsize=256)
def _local_domain(hostname: str) -> str:
    parts = hostname.rstrip(".").split(".")
    return ".".join(parts[1:]) if len(parts) > 2 else hostname
