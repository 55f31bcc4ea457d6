"""The protocol error family. Any other exception escaping an engine is a bug.

The server engines raise none of these at a peer's mistakes: they answer them with a reply from
the catalog and carry on (or close), as a real server does. So an error carries no reply to send
(h11's ``error_status_hint``): it is raised where there is no one to answer, by the clients
reading a server's replies and by the POP3 engine given a maildrop it cannot serve.
"""

from __future__ import annotations


class ProtocolError(Exception):
    """Something broke the SMTP or POP3 rules."""


class LocalProtocolError(ProtocolError):
    """Our side tried to break the rules (for example a command sent before the greeting)."""


class RemoteProtocolError(ProtocolError):
    """The peer broke the rules (for example a malformed reply line)."""
