"""What every connection of one personality at one hostname shares, worked out once (the
server engine's cache): reply templates, implemented verbs, EHLO keywords, rendered replies."""

from __future__ import annotations

from .caching import BoundedCache
from .personalities import CommandSyntax, DebugPolicy, ExpnPolicy, HelpStyle, Personality
from .replies import Reply, ReplyKind, ReplySpec, render
from .server_commands import HANDLERS
from .server_postfix import POSTFIX_HANDLERS
from .server_sendmail import SENDMAIL_HANDLERS
from .states import COMMAND_VERBS, Input

K = ReplyKind
#: each CommandSyntax's own handlers (the others: server_commands.py's)
_SYNTAX_HANDLERS = {
    CommandSyntax.POSTFIX: POSTFIX_HANDLERS,
    CommandSyntax.SENDMAIL: SENDMAIL_HANDLERS,
}


def _implemented(p: Personality, verb: str) -> bool:
    if verb == "EHLO":
        return p.esmtp
    if verb == "EXPN":
        return p.expn is not ExpnPolicy.UNRECOGNIZED
    if verb == "HELP":
        return p.help is not HelpStyle.NONE
    if verb == "DEBUG":
        return p.debug is DebugPolicy.ENABLED
    return True


def _personal(template: str) -> bool:
    """True when a template may name a field that differs between the connections of one
    server: the client's HELO name, its IP address or the date (conservative: a substring)."""
    return "{client" in template or "{ip" in template or "{date" in template or "{peer" in template


_MAX_SHARED = 64  # personality/hostname pairs
_MAX_REPLIES = 512  # rendered replies per pair (a queue id makes a new one per message)


class _Shared:
    """What every connection of one personality at one hostname shares, worked out once: the
    template of each reply kind, the verbs the personality implements, its EHLO keywords, and
    the replies rendered so far (a Reply keeps its wire bytes), so that a reply is formatted
    once rather than once per connection. Personalities are immutable records."""

    __slots__ = (
        "_banner_personal",
        "ehlo_lines",
        "ehlo_lines_tls",
        "greetings",
        "handlers",
        "hostname",
        "personal",
        "personality",
        "replies",
        "size",
        "specs",
        "verbs",
    )

    def __init__(self, personality: Personality, hostname: str) -> None:
        self.personality = personality
        self.hostname = hostname
        self.specs = {kind: personality.reply(kind) for kind in ReplyKind}
        self.personal = frozenset(k for k, spec in self.specs.items() if _personal(spec.text))
        self.verbs = {v: Input(v) for v in COMMAND_VERBS if _implemented(personality, v)}
        self.ehlo_lines = tuple(personality.ehlo_keywords())
        self.ehlo_lines_tls = tuple(personality.ehlo_keywords(tls_active=True))
        self.handlers = _SYNTAX_HANDLERS.get(personality.syntax, HANDLERS)
        self.size = str(personality.max_message_size)
        #: see ServerConnection._reply for the keys
        self.replies: BoundedCache[object, Reply] = BoundedCache(_MAX_REPLIES)
        #: by date and client, or None for a banner naming neither
        self.greetings: BoundedCache[object, Reply] = BoundedCache(_MAX_REPLIES)
        self._banner_personal = _personal(personality.banner)

    def greeting(self, date: str, peer: dict[str, str]) -> Reply:
        """The 220 banner (no enhanced code, RFC 2034 section 3), with the hostname, the date
        and the client (``peer``: ServerConnection._peer_fields)."""
        key = (date, *peer.values()) if self._banner_personal else None
        reply = self.greetings.get(key)
        if reply is None:
            reply = render(
                ReplySpec(220, None, self.personality.banner),
                enhanced_codes=False,
                kind=K.GREETING,
                extra_lines=(),
                hostname=self.hostname,
                date=date,
                **peer,
            )
            self.greetings.put(key, reply)
        return reply


_SHARED: BoundedCache[tuple[int, str], _Shared] = BoundedCache(_MAX_SHARED)


def _shared(personality: Personality, hostname: str) -> _Shared:
    # Keyed by id(): a Personality holds dicts and is not hashable. The entry keeps the
    # personality alive, so no other object can take its id while the entry exists.
    key = (id(personality), hostname)
    found = _SHARED.get(key)
    if found is None or found.personality is not personality:
        found = _SHARED.put(key, _Shared(personality, hostname))
    return found
