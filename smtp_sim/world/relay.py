"""An MTA's queue and relaying: delivery attempts, MX routing, the connection cache, retries
with backoff, and bounces. :class:`MTA` inherits it; everything here works on an MTA's
``clock``, ``recorder``, ``stamps``, ``network``, ``resolver``, ``host``, ``hostname``,
``queue`` and settings.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from ..protocol.delivery import DeliveryResult, Step, TlsPolicy
from ..protocol.replies import Reply
from .dns import DnsFailure, MailRoute
from .network import SMTP_PORT, TcpConnection
from .queue import EntryState, QueueEntry
from .sessions import SmtpClientSession
from .trace import Kind, Layer

if TYPE_CHECKING:
    from ..protocol.personalities import Personality
    from .clock import Clock
    from .dns import Resolver
    from .network import Host, Network
    from .queue import MailQueue
    from .stamps import Stamps
    from .trace import Recorder

#: Postfix-like backoff: first retry after 5 minutes, doubling up to about 67 minutes.
DEFAULT_RETRY = (300.0, 600.0, 1200.0, 2400.0, 4000.0)
DEFAULT_LIFETIME = 5 * 24 * 3600.0  # Postfix's maximal_queue_lifetime: 5 days


def _wait_text(seconds: float) -> str:
    """A retry delay as a person says it: "30 s", "1.5 min", "5 min", "67 min", "2 h"."""
    if seconds < 60:
        return f"{seconds:g} s"
    minutes = seconds / 60
    if minutes < 10:
        return f"{round(minutes, 1):g} min"
    if minutes < 120:
        return f"{round(minutes):d} min"
    return f"{round(minutes / 60, 1):g} h"


class Relaying:
    """The queue and relaying half of an :class:`MTA` (which sets these in its __init__)."""

    clock: Clock
    recorder: Recorder
    stamps: Stamps
    network: Network
    resolver: Resolver
    host: Host
    hostname: str
    queue: MailQueue
    retry: tuple[float, ...]
    lifetime: float
    pipelining: bool
    connection_cache: float
    tls_policy: TlsPolicy
    personality: Personality
    _idle: dict[str, list[tuple[SmtpClientSession, TcpConnection]]]

    def next_queue_id(self) -> str:  # pragma: no cover - the MTA's
        raise NotImplementedError

    def is_local_domain(self, domain: str | None) -> bool:
        raise NotImplementedError  # pragma: no cover - the MTA's

    def route(self, sender: str, rcpt: str, content: bytes, message: str | None) -> None:
        raise NotImplementedError  # pragma: no cover - the MTA's: its mailboxes or the queue

    def enqueue(
        self,
        sender: str,
        recipients: list[str],
        domain: str,
        content: bytes,
        message: str | None,
        queue_id: str | None = None,
    ) -> QueueEntry:
        entry = QueueEntry(
            queue_id or self.next_queue_id(),
            sender,
            recipients,
            domain.lower(),
            content,
            self.clock.now,
            message,
        )
        self.queue.add(entry)
        self.recorder.log(
            Layer.QUEUE,
            Kind.QUEUED,
            self.host.name,
            None,
            f"{entry.queue_id} queued for {', '.join(recipients)} (to {domain})",
            message=message,
            info=(("queue_id", entry.queue_id), ("domain", domain)),
        )
        self.clock.call_later(0.0, self.attempt, entry)
        return entry

    def attempt(self, entry: QueueEntry) -> None:
        if entry.finished or entry.state is EntryState.ACTIVE:
            return
        entry.state = EntryState.ACTIVE
        entry.attempts += 1
        cached = self._take_idle(entry.domain)
        via = "" if cached is None else f" over the open connection to {cached[0].target}"
        self.recorder.log(
            Layer.QUEUE,
            Kind.ATTEMPT,
            self.host.name,
            None,
            f"{entry.queue_id} delivery attempt {entry.attempts} to {entry.domain}{via}",
            message=entry.message,
            info=(("queue_id", entry.queue_id), ("attempt", entry.attempts)),
        )
        if cached is not None:
            session, conn = cached
            session.carry(conn, entry, partial(self._cached_done, entry, session.target))
            return
        self._look_up(entry)

    def _look_up(self, entry: QueueEntry) -> None:
        """Ask DNS where mail for the entry's domain goes; :meth:`_routed` hears the answer."""
        # (partial objects rather than closures here and in _try_hosts: the collector looks at
        # everything alive while a message is on its way, and a closure is several objects)
        self.resolver.mail_route(
            self.host.name, entry.domain, partial(self._routed, entry), entry.message
        )

    # -- the connection cache ----------------------------------------------------------------

    def park(self, session: SmtpClientSession, conn: TcpConnection) -> None:
        """Keep an idle relay connection for more mail to its domain, for a while."""
        now = self.clock.now
        session.idle_since = now
        self._idle.setdefault(session.domain, []).append((session, conn))
        self.clock.call_later(self.connection_cache, session.expire, conn, now)

    def unpark(self, session: SmtpClientSession) -> None:
        """The session is no longer idle in the cache (it carries mail again, or ends)."""
        idle = self._idle.get(session.domain)
        if idle:
            for i, (s, _) in enumerate(idle):
                if s is session:
                    del idle[i]
                    break
        session.idle_since = -1.0

    def _take_idle(self, domain: str) -> tuple[SmtpClientSession, TcpConnection] | None:
        """The most recently parked open connection to ``domain``, if any."""
        idle = self._idle.get(domain)
        while idle:
            session, conn = idle.pop()
            if conn.state == "ESTABLISHED" and session.sender.idle:
                return session, conn
        return None

    def _cached_done(self, entry: QueueEntry, target: str, result: DeliveryResult) -> None:
        if result.error is not None and result.final is None and result.failure is None:
            self._look_up(entry)  # the cached connection died under us: start afresh
            return
        self._attempt_done(entry, target, [], [], result)

    def _routed(self, entry: QueueEntry, result: MailRoute | DnsFailure) -> None:
        if isinstance(result, DnsFailure):
            reason = f"DNS lookup of {entry.domain} failed: {result.value}"
            if result.temporary:
                self.defer(entry, reason)
            else:
                self.fail(entry, f"Host or domain name not found ({result.value})", None)
            return
        hosts = [h for _, h in result.hosts]
        if self.hostname in hosts or self.host.name in hosts:
            # We are an MX for this domain: only more preferred hosts may be used (5.1).
            mine = min(p for p, h in result.hosts if h in (self.hostname, self.host.name))
            hosts = [h for p, h in result.hosts if p < mine]
            if not hosts:
                self.fail(entry, f"mail for {entry.domain} loops back to myself", None, looped=True)
                return
        self._try_hosts(entry, hosts, [])

    def _try_hosts(self, entry: QueueEntry, hosts: list[str], reasons: list[str]) -> None:
        if not hosts:
            self.defer(entry, "; ".join(reasons) or "no mail host answered")
            return
        target, rest = hosts[0], hosts[1:]
        target_host = self.resolver.host_named(target)
        if target_host is None:
            reasons.append(f"{target}: no address record")
            self._try_hosts(entry, rest, reasons)
            return

        done = partial(self._attempt_done, entry, target_host.name, rest, reasons)
        session = SmtpClientSession(self, entry, target_host.name, done)
        self.network.connect(
            self.host.name,
            target_host.name,
            SMTP_PORT,
            session,
            on_fail=partial(self._connect_failed, entry, rest, reasons),
            message=entry.message,
        )

    def _connect_failed(
        self, entry: QueueEntry, rest: list[str], reasons: list[str], reason: str
    ) -> None:
        reasons.append(reason)
        self._try_hosts(entry, rest, reasons)

    def _attempt_done(
        self,
        entry: QueueEntry,
        target: str,
        rest: list[str],
        reasons: list[str],
        result: DeliveryResult,
    ) -> None:
        if result.delivered and not result.rejected:
            entry.state = EntryState.SENT
            entry.relayed_to = target
            reply = result.final
            self.recorder.log(
                Layer.QUEUE,
                Kind.SENT,
                self.host.name,
                target,
                f"{entry.queue_id} relayed to {target}: {reply}",
                message=entry.message,
                info=(("queue_id", entry.queue_id), ("relay", target)),
            )
            return
        if result.delivered and result.rejected:
            # Some recipients accepted, some refused: bounce the refused ones only.
            entry.state = EntryState.SENT
            entry.relayed_to = target
            for rcpt, reply in result.rejected.items():
                self._bounce_or_defer(entry, [rcpt], reply, target, Step.RCPT)
            return
        reply = result.final or result.failure
        if reply is None and result.rejected:
            reply = next(iter(result.rejected.values()))
        if reply is None:
            reasons.append(f"{target}: {result.error or 'no reply'}")
            self._try_hosts(entry, rest, reasons)
            return
        if (
            reply.reply_class == 4
            and rest
            and result.failed_step in (Step.GREETING, Step.EHLO, Step.HELO)
        ):
            reasons.append(f"{target} said {reply}")
            self._try_hosts(entry, rest, reasons)
            return
        step = Step.CONTENT if result.final is not None else result.failed_step
        self._bounce_or_defer(entry, entry.recipients, reply, target, step)

    def _bounce_or_defer(
        self,
        entry: QueueEntry,
        recipients: list[str],
        reply: Reply,
        target: str,
        step: Step | None = None,
    ) -> None:
        text = f"{target} said: {str(reply).replace(chr(10), ' ')}"
        if reply.reply_class == 4:
            self.defer(entry, text, reply=reply, target=target, step=step)
        else:
            self.fail(entry, text, reply, recipients, target=target, step=step)

    def defer(
        self,
        entry: QueueEntry,
        reason: str,
        *,
        reply: Reply | None = None,
        target: str | None = None,
        step: Step | None = None,
    ) -> None:
        """Put ``entry`` off for a retry (``reply`` from ``target`` at ``step``, when a server
        said 4xx), or give up when it has been queued for the whole lifetime."""
        now = self.clock.now
        age = now - entry.arrived
        if age >= self.lifetime:
            self.fail(
                entry,
                f"gave up after {entry.attempts} attempts: {reason}",
                None,
                target=target,
                step=step,
                deferred=reason,
                deferred_reply=reply,
            )
            return
        delay = self.retry[min(entry.attempts - 1, len(self.retry) - 1)]
        entry.state = EntryState.DEFERRED
        entry.last_reason = reason
        entry.next_attempt = now + delay
        entry.history.append((now, reason))
        self.recorder.log(
            Layer.QUEUE,
            Kind.DEFERRED,
            self.host.name,
            None,
            f"{entry.queue_id} deferred ({reason}); next try in {_wait_text(delay)}",
            message=entry.message,
            info=(("queue_id", entry.queue_id), ("reason", reason), ("retry_in", delay)),
        )
        self.clock.call_later(delay, self.attempt, entry)

    def fail(
        self,
        entry: QueueEntry,
        reason: str,
        reply: Reply | None,
        recipients: list[str] | None = None,
        *,
        target: str | None = None,
        step: Step | None = None,
        deferred: str | None = None,
        deferred_reply: Reply | None = None,
        looped: bool = False,
    ) -> None:
        """Give up on ``recipients`` (all of ``entry``'s by default) and bounce them: for a
        ``reply`` from ``target`` at ``step``, a ``deferred`` reason that outlived the queue's
        lifetime (``deferred_reply``: the 4xx that put it off last, from ``target``), a route that ``looped`` back to this MTA, or (none of them) a domain the DNS
        does not know."""
        from .bounce import build_bounce
        from .sendmail_mail import build_sendmail_bounce

        entry.last_reason = reason
        entry.history.append((self.clock.now, reason))
        rcpts = recipients or entry.recipients
        if entry.sender == "":
            entry.state = EntryState.EXPIRED
            self.recorder.log(
                Layer.QUEUE,
                Kind.EXPIRED,
                self.host.name,
                None,
                f"{entry.queue_id} undeliverable bounce dropped ({reason}): a bounce "
                "is never bounced",
                message=entry.message,
                info=(("queue_id", entry.queue_id), ("reason", reason)),
            )
            return
        if set(rcpts) >= set(entry.recipients):
            entry.state = EntryState.BOUNCED
        self.recorder.log(
            Layer.QUEUE,
            Kind.BOUNCED,
            self.host.name,
            None,
            f"{entry.queue_id} bounced to <{entry.sender}>: {reason}",
            message=entry.message,
            info=(("queue_id", entry.queue_id), ("reason", reason)),
        )
        if self.personality.id == "sendmail-8":
            bounce = build_sendmail_bounce(
                self.hostname,
                self.personality.version,
                self.stamps,
                entry,
                rcpts,
                reply,
                queue_id=self.next_queue_id(),
                target=target,
                step=step,
                deferred=deferred,
                deferred_reply=deferred_reply,
                lifetime=self.lifetime,
                looped=looped,
                local=self.is_local_domain(entry.sender.rpartition("@")[2] or None),
            )
        else:
            bounce = build_bounce(self.hostname, self.stamps, entry, rcpts, reason, reply)
        bounce_id = self.stamps.new_message_id()
        self.route("", entry.sender, bounce, bounce_id)
