"""Mail transfer agents: accept mail over SMTP, deliver it locally or relay it hop by hop.

An MTA listens on ports 25 and 587 with a :class:`ServerConnection` of its personality per
connection. Accepted mail gets a ``Received:`` header, then each recipient is either local
(aliases and lists expanded, stored in a mailbox) or remote (queued per domain, routed by MX
lookup, tried in order of preference, retried on temporary failure, bounced on permanent).

With a :class:`MailAuthConfig` (world/mail_auth.py) it signs what its users send (DKIM) and
checks what arrives from outside on port 25 (SPF, DKIM, DMARC) before answering the final dot:
a DMARC ``p=reject`` is answered 550, ``p=quarantine`` goes to the Junk folder, and the message
gets an ``Authentication-Results:`` field.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..protocol.address import Address
from ..protocol.caching import BoundedCache
from ..protocol.delivery import TlsPolicy
from ..protocol.events import Envelope, MessageReceived
from ..protocol.personalities import Personality
from ..protocol.policy import (
    MailPolicy,
    Stage,
    Verdict,
    postfix_queue_id,
    sendmail_dated_queue_id,
    sendmail_queue_id,
)
from ..protocol.replies import ReplyKind
from ..protocol.reply_texts import dmarc_rejection
from .mail_auth import AuthResult, Disposition, MailAuthConfig, from_domain
from .mailbox import DEFAULT_PASSWORD, Mailbox, MailStore
from .network import SMTP_PORT, SUBMISSION_PORT, SUBMISSIONS_PORT, Host, TcpConnection
from .queue import MailQueue
from .relay import DEFAULT_LIFETIME, DEFAULT_RETRY, Relaying
from .sendmail_mail import sendmail_local_copy, sendmail_received
from .sessions import SmtpServerSession
from .trace import Kind, Layer

if TYPE_CHECKING:
    from .clock import Clock
    from .dns import Resolver
    from .network import Network
    from .sessions import SmtpClientSession
    from .stamps import Stamps
    from .trace import Recorder

__all__ = ["DEFAULT_LIFETIME", "DEFAULT_RETRY", "MTA", "Fault", "MTAPolicy"]


@dataclass
class Fault:
    """A server answering a chosen reply at a chosen stage, for chosen addresses (or all)."""

    stage: Stage
    code: int
    text: str
    enhanced: str | None = None
    addresses: tuple[str, ...] = ()  # empty: every address
    once_per_sender: bool = False  # greylisting: only the first try of a sender/recipient pair
    seen: set[tuple[str, str]] = field(default_factory=set)


class MTAPolicy(MailPolicy):
    """The MTA's answers for one connection: local users and lists, relaying, faults."""

    def __init__(self, mta: MTA, client_host: str, client_ip: str, port: int) -> None:
        super().__init__(
            mta.domains,
            mta.users,
            mta.lists,
            relay=mta.open_relay,
            relay_clients=mta.relay_clients,
            relay_refusal=mta.relay_refusal,
            myorigin=mta.myorigin,
            recipient_delimiter=mta.recipient_delimiter,
            literals=(f"[{mta.host.ip}]",),
        )
        self.mta = mta
        self.client_host = client_host
        self.client_ip = client_ip
        self.port = port
        self.connection: weakref.ref[TcpConnection] | None = None  # (set with mail auth)

    def fault(self, stage: Stage, argument: str, envelope: Envelope) -> Verdict | None:
        for fault in self.mta.faults:
            if fault.stage is not stage:
                continue
            if fault.addresses and argument.lower() not in fault.addresses:
                continue
            if fault.once_per_sender:
                key = (str(envelope.sender or ""), argument.lower())
                if key in fault.seen:
                    continue
                fault.seen.add(key)
            from ..protocol.replies import ReplySpec

            return Verdict(
                ReplyKind.TEMPORARY_FAILURE if fault.code < 500 else ReplyKind.LOCAL_ERROR,
                spec=ReplySpec(fault.code, fault.enhanced, fault.text),
            )
        return None

    def authenticate(self, user: str, password: str) -> str | None:
        """SMTP AUTH with the users' POP3 passwords: ``mta.passwords[address]``, else
        DEFAULT_PASSWORD; the user a local part (in the first domain that has the mailbox)
        or an address. An authenticated client may relay (permit_sasl_authenticated)."""
        mta = self.mta
        name = user.strip().lower()
        candidates = [name] if "@" in name else [f"{name}@{d}" for d in mta.domains]
        for address in candidates:
            if mta.mailbox_for(address) is not None:
                expected = mta.passwords.get(address, DEFAULT_PASSWORD)
                return address if password == expected else None
        return None

    def check_recipient(self, address: Address, envelope: Envelope, client_ip: str) -> Verdict:
        relaying = (
            self.client_host in self.relay_clients
            or self.relay
            or (address.domain or "").lower() in self.mta.relay_domains
        )
        if not self.is_local(address) and relaying:
            return Verdict(ReplyKind.RCPT_OK, {"address": address.bracketed})
        if self.is_local(address) and self.base_local(address.local) in self.mta.aliases:
            return Verdict(ReplyKind.RCPT_OK, {"address": address.bracketed})
        verdict = super().check_recipient(address, envelope, client_ip)
        if verdict.accepted and self.is_local(address):
            box = self.mta.mailbox_for(str(self.qualify(address)))
            if box is not None and not box.has_room_for(1):
                return Verdict(ReplyKind.MAILBOX_FULL, {"address": address.bracketed})
        return verdict

    def accept_message(self, envelope: Envelope, content: bytes) -> Verdict:
        mta = self.mta
        auth = mta.auth
        if (
            auth is not None
            and auth.check
            and self.port == SMTP_PORT
            and self.client_host not in self.relay_clients
        ):
            conn = self.connection() if self.connection is not None else None
            result = mta.check_auth(self.client_ip, envelope, content, conn)
            if result.disposition is Disposition.REJECT:
                return Verdict(ReplyKind.LOCAL_ERROR, spec=dmarc_rejection(result.from_domain))
            queue_id = mta.next_queue_id()
            mta.auth_results[queue_id] = result
            return Verdict(ReplyKind.QUEUED, {"queue_id": queue_id})
        return Verdict(ReplyKind.QUEUED, {"queue_id": mta.next_queue_id()})

    def domain_exists(self, domain: str) -> bool:
        name = domain.lower().rstrip(".")
        if name.startswith("[") and name.endswith("]"):
            return True  # an address literal names no domain to look up
        zone = self.mta.resolver.zone
        return name in zone.a or name in zone.mx or self.mta.is_local_domain(name)


_ADDRESSES: BoundedCache[str, Address] = BoundedCache(4096)  # Address.parse of recipients seen


def _parse_address(text: str) -> Address:
    """``Address.parse(text)``, remembered: a relay expands the same addresses again and again."""
    address = _ADDRESSES.get(text)
    if address is None:
        address = Address.parse(text)  # (a ValueError is not remembered)
        _ADDRESSES.put(text, address)
    return address


class MTA(Relaying):
    """A mail server: its domains, users, aliases and lists, mailboxes, and (from Relaying)
    its queue."""

    def __init__(
        self,
        host: Host,
        *,
        clock: Clock,
        recorder: Recorder,
        stamps: Stamps,
        network: Network,
        resolver: Resolver,
        hostname: str,
        personality: Personality,
        domains: list[str],
        users: dict[str, str],
        lists: dict[str, list[str]],
        aliases: dict[str, str] | None = None,
        relay_clients: list[str] | None = None,
        open_relay: bool = False,
        retry: tuple[float, ...] = DEFAULT_RETRY,
        lifetime: float = DEFAULT_LIFETIME,
        quota: int | None = None,
        relay_domains: list[str] | None = None,
        pipelining: bool = False,
        connection_cache: float = 0.0,
        relay_refusal: ReplyKind = ReplyKind.RELAY_DENIED,
        myorigin: str | None = None,
        recipient_delimiter: str = "",
        auth: MailAuthConfig | None = None,
        tls_policy: TlsPolicy = TlsPolicy.OPPORTUNISTIC,
    ) -> None:
        self.clock = clock
        self.recorder = recorder
        self.stamps = stamps
        self.network = network
        self.resolver = resolver
        self.host = host
        self.hostname = hostname
        self.personality = personality
        self.domains = [d.lower() for d in domains]
        self.users = dict(users)
        self.lists = {k: list(v) for k, v in lists.items()}
        self.aliases = dict(aliases or {})
        self.relay_clients = list(relay_clients or [])
        # Domains it accepts for and passes on (Postfix relay_domains), as a backup MX does.
        self.relay_domains = [d.lower() for d in relay_domains or []]
        self.open_relay = open_relay
        # Postfix's settings (MailPolicy explains them): how a relay is refused, the domain of
        # unqualified addresses, the separator of address extensions (alice+tag)
        self.relay_refusal = relay_refusal
        self.myorigin = myorigin
        self.recipient_delimiter = recipient_delimiter
        # SPF, DKIM and DMARC (None: none of it, the classic); results of the checks made at
        # the final dot, by queue id, until the message is received
        self.auth = auth
        self.auth_results: dict[str, AuthResult] = {}
        self.retry = retry
        self.lifetime = lifetime
        self.queue = MailQueue()
        self.faults: list[Fault] = []
        self.passwords: dict[str, str] = {}  # POP3 logins; the default is "secret"
        self.reply_delay = 0.0
        # How it sends: MAIL, RCPT and DATA as one group when the server offers PIPELINING
        # (RFC 2920), and how long an idle connection is kept for more mail to the same domain
        # (Postfix's connection cache; 0: every message its own connection, the classic).
        self.pipelining = pipelining
        self.connection_cache = connection_cache
        # what it does about TLS when it relays (STARTTLS when offered; required: or nothing)
        self.tls_policy = tls_policy
        self._idle: dict[str, list[tuple[SmtpClientSession, TcpConnection]]] = {}
        self.sessions: dict[int, SmtpServerSession] = {}
        self.mailboxes: dict[str, Mailbox] = {}
        self.mail_store: MailStore | None = None  # where new mailboxes keep mail (serve)
        self._queue_counter = 0
        self._salt = sum(hostname.encode()) * 7919
        for domain in self.domains:
            for local, name in self.users.items():
                address = f"{local}@{domain}"
                self.mailboxes[address] = Mailbox(address, name, quota)
        host.listen(SMTP_PORT, self._accept)
        host.listen(SUBMISSION_PORT, self._accept)
        if host.tls is not None and host.tls.implicit:  # submissions (RFC 8314 section 3)
            host.listen(SUBMISSIONS_PORT, self._accept)
        host.tls_name = hostname

    # -- identity ---------------------------------------------------------------------------

    def next_queue_id(self) -> str:
        n = self._queue_counter
        self._queue_counter += 1
        if self.personality.id == "sendmail-8":
            # the date of the simulated calendar (UTC), a sequence and a process id of its own
            at = self.stamps.utc_moment()
            return sendmail_dated_queue_id(
                at.year,
                at.month,
                at.day,
                at.hour,
                at.minute,
                at.second,
                self._salt + n,
                7000 + self._salt % 3000 + 3 * n,
            )
        if self.personality.queue_id_style == "sendmail":
            return sendmail_queue_id(n + self._salt)
        return postfix_queue_id(n, self.personality.queue_id_digits, self._salt)

    def is_local_domain(self, domain: str | None) -> bool:
        return domain is None or domain.lower() in self.domains

    def mailbox_for(self, address: str) -> Mailbox | None:
        return self.mailboxes.get(address.lower()) or self.mailboxes.get(address)

    def _accept(self, conn: TcpConnection) -> SmtpServerSession:
        session = SmtpServerSession(self, conn)
        if self.auth is not None and isinstance(session.engine.policy, MTAPolicy):
            # (weakly, as the session does: the checks' records name the connection's message)
            session.engine.policy.connection = weakref.ref(conn)
        return session

    def policy_for(self, client_host: str, client_ip: str, port: int) -> MTAPolicy:
        """The answers for one connection from ``client_host``."""
        return MTAPolicy(self, client_host, client_ip, port)

    # -- receiving --------------------------------------------------------------------------

    def receive(self, event: MessageReceived, conn: TcpConnection) -> None:
        """Stamp an accepted message and send each recipient's copy on its way."""
        envelope = event.envelope
        message = conn.message or self.stamps.new_message_id()
        queue_id = event.queue_id or self.next_queue_id()
        client = self.network.hosts[conn.client]
        sender = str(envelope.sender or "")
        rcpts = [str(r) for r in envelope.recipients]
        session = self.sessions.get(conn.id)
        tls = session is not None and session.engine.tls_active
        # (the client's name as the server's reverse lookup found it: sendmail writes that)
        peer_name = session.engine.client_name if session is not None else None
        received = self._received(envelope, client, queue_id, rcpts, tls=tls, peer_name=peer_name)
        checked = self.auth_results.pop(queue_id, None)
        stamped = received + self._signature(conn, event.content, message) + event.content
        if checked is not None:  # (the checking milter's field goes on top, OpenDMARC's way)
            stamped = checked.header.encode() + b"\r\n" + stamped
        junk = checked is not None and checked.disposition is Disposition.JUNK
        remote: dict[str, list[str]] = {}
        # (each final address once: a member of two lists both named gets one copy)
        finals: dict[str, str] = {}  # each final address, and the recipient it came from
        for rcpt in rcpts:
            for final in self.expand(rcpt, message):
                finals.setdefault(final, rcpt)
        for final, original in finals.items():
            domain = final.rpartition("@")[2].lower()
            if self.is_local_domain(domain):
                self.store(sender, final, stamped, message, junk=junk, original=original)
            else:
                remote.setdefault(domain, []).append(final)
        for i, (domain, group) in enumerate(remote.items()):
            self.enqueue(
                sender, group, domain, stamped, message, queue_id=queue_id if i == 0 else None
            )

    def check_auth(
        self,
        client_ip: str,
        envelope: Envelope,
        content: bytes,
        conn: TcpConnection | None = None,
    ) -> AuthResult:
        """SPF, DKIM and DMARC for a message at its final dot, with a trace record of what
        they found and what follows (on ``conn``'s message, when it is known)."""
        from .mail_auth import check_message

        assert self.auth is not None
        message = conn.message if conn is not None else None
        result = check_message(
            self.resolver,
            checker=self.host.name,
            authserv_id=self.hostname,
            client_ip=client_ip,
            helo=envelope.helo_name or "",
            mail_from=str(envelope.sender or ""),
            content=content,
            now=self.stamps.unix_time(),
            reject_failures=self.auth.reject_failures,
            message=message,
        )
        self.recorder.log(
            Layer.INFO,
            Kind.NOTE,
            self.host.name,
            conn.client if conn is not None else None,
            result.summary(),
            conn=conn.id if conn is not None else None,
            message=message,
            info=result.info(),
        )
        return result

    def _signature(self, conn: TcpConnection, content: bytes, message: str | None) -> bytes:
        """A DKIM-Signature field when this MTA signs what its users send (b"" otherwise)."""
        auth = self.auth
        if auth is None or not auth.sign:
            return b""
        if conn.port != SUBMISSION_PORT and conn.client not in self.relay_clients:
            return b""
        key = auth.keys.get(from_domain(content))
        if key is None:
            return b""
        from .mail_auth import sign_message

        signature = sign_message(key, content, self.stamps.unix_time())
        self.recorder.log(
            Layer.INFO,
            Kind.NOTE,
            self.host.name,
            None,
            f"DKIM-signed for {key.domain} (selector {key.selector}, key at {key.record_name})",
            message=message,
            info=(("dkim_domain", key.domain), ("selector", key.selector)),
        )
        return signature

    def _received(
        self,
        envelope: Envelope,
        client: Host,
        queue_id: str,
        rcpts: list[str],
        *,
        tls: bool,
        peer_name: str | None = None,
    ) -> bytes:
        helo = envelope.helo_name or client.name
        proto = "ESMTP" if envelope.esmtp else "SMTP"
        if envelope.esmtp:
            # RFC 3848's ESMTPS, ESMTPA, ESMTPSA: receive_data_message() of Postfix 3.7.11's
            # smtpd.c ("with %s%s%s id %s": protocol, "S" in TLS, "A" after AUTH; ESMTP only)
            proto += "S" * tls + "A" * (envelope.auth is not None)
        head = f"Received: from {helo} ({client.name} [{client.ip}])\r\n"
        if self.personality.id.startswith("postfix"):
            # smtpd.c (v1.1.13, v3.7.11): "by %s (%s)" with var_mail_name, "Postfix"; the
            # recipient only when there is exactly one; mail_date()'s date
            date = self.stamps.mail_date_text()
            by = f"\tby {self.hostname} (Postfix) with {proto}"
            if len(rcpts) == 1:
                tail = f"{by} id {queue_id}\r\n\tfor <{rcpts[0]}>; {date}\r\n"
            elif self.personality.id == "postfix-1.1":
                tail = f"{by}\r\n\tid {queue_id}; {date}\r\n"
            else:
                tail = f"{by} id {queue_id};\r\n\t{date}\r\n"
            return (head + tail).encode()
        if self.personality.id == "sendmail-8":
            return sendmail_received(
                self.hostname,
                self.personality.version,
                envelope.helo_name,
                f"{peer_name} [{client.ip}]" if peer_name else f"[{client.ip}]",
                proto,
                queue_id,
                rcpts,
                self.stamps.arpa_date_text(),
            )
        # (the other servers: not yet taken from a real one's output)
        date = self.stamps.date_text()
        target = f"\r\n\tfor <{rcpts[0]}>" if len(rcpts) == 1 else ""
        return (
            f"{head}\tby {self.hostname} ({self.personality.name}) with {proto} id {queue_id}"
            f"{target}; {date}\r\n"
        ).encode()

    def expand(self, rcpt: str, message: str | None, depth: int = 0) -> list[str]:
        """The final addresses for ``rcpt``: aliases and lists of our domains expanded."""
        try:
            address = _parse_address(rcpt)
        except ValueError:
            self.recorder.log(
                Layer.MAILBOX,
                Kind.ERROR,
                self.host.name,
                None,
                f"cannot deliver to {rcpt!r}: not an address",
                message=message,
            )
            return []
        if address.domain is None:
            if address.local.lstrip('"').startswith("|"):
                self.recorder.log(
                    Layer.INFO,
                    Kind.NOTE,
                    self.host.name,
                    None,
                    f"a 1988 sendmail would now run the program {address.local}; "
                    "the simulator executes nothing",
                    message=message,
                )
                return []
            address = Address(address.local, self.domains[0] if self.domains else None)
        if not self.is_local_domain(address.domain) or depth >= 8:
            return [str(address)]
        local = address.local.lower()
        delimiter = self.recipient_delimiter
        if delimiter and delimiter in local[1:]:  # alice+tag: alice's (recipient_delimiter)
            local = local.split(delimiter, 1)[0]
            address = Address(local, address.domain)
        if local in self.aliases:
            target = self.aliases[local]
            full = target if "@" in target else f"{target}@{address.domain}"
            return self.expand(full, message, depth + 1)
        if local in self.lists:
            out: list[str] = []
            for member in self.lists[local]:
                full = member if "@" in member else f"{member}@{address.domain}"
                out.extend(self.expand(full, message, depth + 1))
            return out
        return [str(address)]

    def route(self, sender: str, rcpt: str, content: bytes, message: str | None) -> None:
        """Deliver ``content`` to ``rcpt``: into a local mailbox, or onto the queue."""
        # (once each: a member on two lists of the same message gets one copy)
        for final in dict.fromkeys(self.expand(rcpt, message)):
            domain = final.rpartition("@")[2].lower()
            if self.is_local_domain(domain):
                self.store(sender, final, content, message, original=rcpt)
            else:
                self.enqueue(sender, [final], domain, content, message)

    def store(
        self,
        sender: str,
        rcpt: str,
        content: bytes,
        message: str | None,
        *,
        junk: bool = False,
        original: str | None = None,
    ) -> None:
        box = self.mailbox_for(rcpt)
        if box is None:
            box = self.mailboxes.setdefault(
                rcpt.lower(), Mailbox(rcpt.lower(), "", store=self.mail_store)
            )
        # local delivery's mail_copy() (Postfix 3.7.11, src/global/mail_copy.c): Return-Path,
        # then X-Original-To (since Postfix 2.0; not in 1.1.13's), then Delivered-To
        orig = ""
        if original is not None and self.personality.id.startswith("postfix-3"):
            orig = f"X-Original-To: {original}\r\n"
        if self.personality.id == "sendmail-8":
            data = sendmail_local_copy(sender, content)
        else:
            data = f"Return-Path: <{sender}>\r\n{orig}Delivered-To: {rcpt}\r\n".encode() + content
        if junk:
            stored = box.deliver_junk(data, sender, self.clock.now, message)
            where = f"the Junk folder of {box.address}"
        else:
            stored = box.deliver(data, sender, self.clock.now, message)
            where = f"the mailbox of {box.address}"
        info: tuple[tuple[str, object], ...] = (
            ("mailbox", box.address),
            ("uid", stored.uid),
            ("bytes", len(data)),
        )
        self.recorder.log(
            Layer.MAILBOX,
            Kind.STORED,
            self.host.name,
            None,
            f"stored in {where} (message {stored.uid})",
            message=message,
            info=(*info, ("folder", "Junk")) if junk else info,
        )
