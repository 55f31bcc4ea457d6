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
    {
        ReplyKind.MAIL_OK,
        ReplyKind.RCPT_OK,
        ReplyKind.RCPT_PIPE_OK,
        ReplyKind.QUEUED,
        ReplyKind.CHUNKS_QUEUED,
    }
)


def postfix_queue_id(n: int, digits: int = 9, salt: int = 0) -> str:
    """The n-th queue id, Postfix style: ``digits`` hexadecimal digits, the first id of 9
    the slides' ``A04537DB3`` (of 11: ``A04537DB300``)."""
    base = 0xA04537DB3 << 4 * (digits - 9) if digits >= 9 else 0xA04537DB3 >> 4 * (9 - digits)
    return f"{(base + salt + n * 0x1F3A5C7) & ((1 << 4 * digits) - 1):0{digits}X}"


_BASE60 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwx"


def sendmail_queue_id(n: int) -> str:
    """The n-th queue id, sendmail style: 14 characters, eight of sendmail's base 60 (its id
    starts with the date in them: year, month, day, hour, minute, second, sequence) and a
    six-digit process number, as in ``6B6K9JJl027900``."""
    head = []
    value = 0x6B6E3A1 + n * 7919
    for _ in range(8):
        value, digit = divmod(value, 60)
        head.append(_BASE60[digit])
    return "".join(reversed(head)) + f"{(27900 + n) % 1_000_000:06d}"


def sendmail_dated_queue_id(
    year: int, month: int, day: int, hour: int, minute: int, second: int, sequence: int, pid: int
) -> str:
    """sendmail 8's queue id for a message taken at that moment (UTC), assign_queueid() of
    queue.c: tm_year (years since 1900) modulo 60, the month (0 to 11), day, hour, minute and second as base-60
    digits, two base-60 digits of a sequence number, the process id in six digits. The real
    sendmail 8.17.1.9 named a message it took on 7 December 2026 at 03:27:31 UTC
    ``6B73RV2V007014`` (tests/world/data/sendmail-8.17-headers.txt)."""
    digits = (
        (year - 1900) % 60,
        month - 1,
        day,
        hour,
        minute,
        second,
        sequence // 60 % 60,
        sequence % 60,
    )
    return "".join(_BASE60[d] for d in digits) + f"{pid % 1_000_000:06d}"


class MailPolicy:
    """A final destination for ``domains`` with local ``users`` (local part -> full name) and
    mailing ``lists`` (name -> local parts). Mail for other domains is relaying, accepted only
    when ``relay`` is True (an open relay) or the client is in ``relay_clients``; refused with
    ``relay_refusal`` (RELAY_DENIED, or RELAY_DEFERRED for Postfix's
    defer_unauth_destination).

    Postfix's settings, with its names: ``myorigin`` qualifies an unqualified address (None:
    the first of ``domains``), ``recipient_delimiter`` separates an extension from the user
    (``alice+tag``: alice). A local part holding ``%``, ``!`` or ``@`` routes the mail onwards
    (``carol%example.org@cs.tcd.ie``): never local (allow_untrusted_routing = no).

    SMTP AUTH asks :meth:`authenticate` (``passwords``: user -> password, the user as a local
    part or an address); an authenticated client may relay (permit_sasl_authenticated)."""

    def __init__(
        self,
        domains: Iterable[str] = (),
        users: Mapping[str, str] | None = None,
        lists: Mapping[str, Iterable[str]] | None = None,
        *,
        relay: bool = False,
        relay_clients: Iterable[str] = (),
        relay_refusal: ReplyKind = ReplyKind.RELAY_DENIED,
        myorigin: str | None = None,
        recipient_delimiter: str = "",
        literals: Iterable[str] = (),
        queue_id_digits: int = 9,
        passwords: Mapping[str, str] | None = None,
    ) -> None:
        self.passwords = {k.lower(): v for k, v in (passwords or {}).items()}
        # (the server's own address literals, [192.0.2.25], are local like its domains)
        self.domains = {d.lower().rstrip(".") for d in (*domains, *literals)}
        self._named = {d.lower().rstrip(".") for d in domains}
        self.users = dict(users or {})
        self.lists = {k: tuple(v) for k, v in (lists or {}).items()}
        self.relay = relay
        self.relay_clients = set(relay_clients)
        self.relay_refusal = relay_refusal
        self.myorigin = myorigin.lower().rstrip(".") if myorigin else None
        self.recipient_delimiter = recipient_delimiter
        self.queue_id_digits = queue_id_digits  # (the personality's: Personality.queue_id_digits)
        self._queued = 0
        self.queue_id_style = "postfix"  # or "sendmail"; the engine sets its personality's

    @property
    def primary_domain(self) -> str | None:
        return min(self._named) if self._named else None

    def is_local(self, address: Address) -> bool:
        if address.domain is None:
            domain = self.myorigin
            if domain is None:
                return True
        else:
            domain = address.domain.lower().rstrip(".")
        return domain in self.domains and not _routed(address.local)

    def base_local(self, local: str) -> str:
        """The local part without its extension (recipient_delimiter), lower case."""
        wanted = local.lower()
        delimiter = self.recipient_delimiter
        if delimiter and delimiter in wanted and not wanted.startswith(delimiter):
            wanted = wanted.split(delimiter, 1)[0]
        return wanted

    def user(self, address: Address) -> str | None:
        """The full name of a local user (local parts match case-insensitively here)."""
        if not self.is_local(address):
            return None
        wanted = self.base_local(address.local)
        for local, name in self.users.items():
            if local.lower() == wanted:
                return name
        return None

    def qualify(self, address: Address) -> Address:
        origin = self.myorigin or self.primary_domain
        if address.domain is None and origin:
            return Address(address.local, origin)
        return address

    # -- the questions the engine asks ----------------------------------------------------

    def fault(self, stage: Stage, argument: str, envelope: Envelope) -> Verdict | None:
        """An injected answer for this stage, or None. The world overrides this."""
        return None

    def check_sender(self, address: Address, envelope: Envelope, client_ip: str) -> Verdict:
        return Verdict(ReplyKind.MAIL_OK)

    def authenticate(self, user: str, password: str) -> str | None:
        """SMTP AUTH: the name the client is now known by, or None for bad credentials.
        ``user`` as the client gave it: a local part, or an address in one of our domains
        (Dovecot's username_format = %n)."""
        name = user.strip().lower()
        local, at, domain = name.rpartition("@")
        if at and domain in self._named:
            name = local
        expected = self.passwords.get(name)
        return name if expected is not None and expected == password else None

    def tls_ready(self) -> bool:
        """Can STARTTLS start now (a certificate and key are there)? False: 454."""
        return True

    def check_recipient(self, address: Address, envelope: Envelope, client_ip: str) -> Verdict:
        shown = address.bracketed
        local = self.is_local(address)
        if address.is_postmaster and (address.domain is None or local):
            return Verdict(ReplyKind.RCPT_OK, {"address": shown})
        if local:
            if self.user(address) is not None or self._list(address.local) is not None:
                return Verdict(ReplyKind.RCPT_OK, {"address": shown})
            return Verdict(ReplyKind.USER_UNKNOWN, {"address": shown})
        if self.relay or client_ip in self.relay_clients or envelope.auth is not None:
            return Verdict(ReplyKind.RCPT_OK, {"address": shown})
        return Verdict(self.relay_refusal, {"address": shown})

    def domain_exists(self, domain: str) -> bool:
        """Does the name resolve (an A or MX record)? sendmail refuses a sender whose domain
        does not. Without a network to ask, every name does."""
        return True

    def accept_message(self, envelope: Envelope, content: bytes) -> Verdict:
        if self.queue_id_style == "sendmail":
            queue_id = sendmail_queue_id(self._queued)
        else:
            queue_id = postfix_queue_id(self._queued, self.queue_id_digits)
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
        wanted = self.base_local(name)
        for list_name, members in self.lists.items():
            if list_name.lower() == wanted:
                return members
        return None


def _routed(local: str) -> bool:
    """A local part that routes the mail elsewhere (``user%host``, ``host!user``,
    ``user@host``): Postfix's resolver flags it RESOLVE_FLAG_ROUTED."""
    return "%" in local or "!" in local or "@" in local


def _loose_address(argument: str) -> Address | None:
    text = argument.strip()
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1]
    try:
        return Address.parse(text)
    except ValueError:
        return None


def default_policy(
    hostname: str, relay_refusal: ReplyKind = ReplyKind.RELAY_DENIED, queue_id_digits: int = 9
) -> MailPolicy:
    """The mail system of ``smtp-sim session``: the hostname without its first label is the
    local domain (``mail.cs.tcd.ie`` serves ``cs.tcd.ie``), with users alice, bob and
    postmaster and a mailing list ``staff``; every other domain is relaying, refused with
    ``relay_refusal``."""
    return MailPolicy(
        [_local_domain(hostname)],
        users=_DEFAULT_USERS,
        lists=_DEFAULT_LISTS,
        relay_refusal=relay_refusal,
        queue_id_digits=queue_id_digits,
    )


_DEFAULT_USERS = {"alice": "Alice Liddell", "bob": "Bob Smith", "postmaster": "Postmaster"}
_DEFAULT_LISTS = {"staff": ("alice", "bob")}  # (MailPolicy copies both)


@lru_cache(maxsize=256)
def _local_domain(hostname: str) -> str:
    parts = hostname.rstrip(".").split(".")
    return ".".join(parts[1:]) if len(parts) > 2 else hostname
