"""The protocol error family. Any other exception escaping an engine is a bug."""

from __future__ import annotations


class ProtocolError(Exception):
    """Something broke the SMTP or POP3 rules."""

    def __init__(self, message: str, *, reply_hint: int | None = None) -> None:
        super().__init__(message)
        #: the reply code a server would send for this error (like h11's error_status_hint)
        self.reply_hint = reply_hint


class LocalProtocolError(ProtocolError):
    """Our side tried to break the rules (for example a command sent before the greeting)."""


class RemoteProtocolError(ProtocolError):
    """The peer broke the rules (for example a malformed reply line)."""
