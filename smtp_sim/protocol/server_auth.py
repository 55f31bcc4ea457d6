"""STARTTLS (RFC 3207) and SMTP AUTH (RFC 4954) with PLAIN (RFC 4616) and LOGIN, as Postfix
3.7 answers them with Dovecot as its SASL server.

Sources (v3.7.11): ``starttls_cmd()`` of ``src/smtpd/smtpd.c``; ``smtpd_sasl_auth_cmd()`` and
``smtpd_sasl_mail_opt()`` of ``src/smtpd/smtpd_sasl_proto.c``; ``smtpd_sasl_authenticate()``
of ``src/smtpd/smtpd_sasl_glue.c`` (the 334 loop, "*", 535 with a reason);
``xsasl_dovecot_server_first()``/``_next()`` of ``src/xsasl/xsasl_dovecot_server.c`` (the
reasons: an unknown mechanism, invalid base64; Dovecot's own failures carry none, so Postfix
says "(reason unavailable)"). Every text was also recorded from a real Postfix 3.7.11 with
Dovecot 2.3 (tests/protocol/data/postfix-3.7-auth/).

The engine (:class:`ServerConnection`) reads the lines that answer a 334 challenge as SASL
responses, not commands (``conn._sasl`` is the exchange under way), and makes the session
switch after a STARTTLS's 220 (``ServerConnection._start_tls``).
"""

from __future__ import annotations

import binascii
from base64 import b64decode
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .replies import Reply, ReplyKind
from .server_commands import Outcome
from .states import State

if TYPE_CHECKING:
    from .server import ServerConnection

K = ReplyKind
#: LOGIN's challenges, base64 of "Username:" and "Password:" (Dovecot's mech-login.c)
USERNAME_CHALLENGE = "VXNlcm5hbWU6"
PASSWORD_CHALLENGE = "UGFzc3dvcmQ6"
#: octets of one SASL response line (Postfix's smtpd_sasl_resp_limit)
SASL_RESPONSE_LIMIT = 12288
#: Postfix's reason when the SASL server gives none (smtpd_sasl_authenticate())
NO_REASON = "(reason unavailable)"
#: Dovecot's auth_username_chars (its default, doveconf -d, 2.3.19.1): a user name with any
#: other character fails at once, for LOGIN before its password is asked for
#: (auth_request_fix_username() of src/auth/auth-request.c, called by mech-login.c).
USERNAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ01234567890.-_@")
_BASE64 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")


@dataclass(slots=True)
class SaslExchange:
    """An AUTH waiting for the client's answer to a 334 challenge."""

    mechanism: str  # PLAIN or LOGIN
    username: str | None = None  # LOGIN: the name given, the password still to come


def _in_transaction(conn: ServerConnection) -> bool:
    return conn.state is State.MAIL or conn.state is State.RCPT


def pf_starttls(conn: ServerConnection, argument: str) -> Outcome:
    """starttls_cmd(): the engine switches the session once the 220 is out."""
    p = conn.personality
    if len(conn._words) != 1:
        return conn._reply(K.NO_ARGUMENT_ALLOWED, verb="STARTTLS"), False, None
    if conn.tls_active:
        return conn._reply(K.TLS_ALREADY_ACTIVE), False, None
    if not p.starttls:
        return conn._reply(K.TLS_NOT_AVAILABLE), False, None
    if not conn.policy.tls_ready():
        return conn._reply(K.TLS_LOCAL_PROBLEM), False, None
    return conn._reply(K.TLS_READY), True, None


def pf_auth(conn: ServerConnection, argument: str) -> Outcome:
    """smtpd_sasl_auth_cmd() and the first round of smtpd_sasl_authenticate()."""
    p = conn.personality
    if p.require_helo and conn.helo_name is None:
        return conn._reply(K.NEED_HELO), False, None
    if not p.auth_offered(conn.tls_active):
        return conn._reply(K.AUTH_NOT_ENABLED), False, None
    if _in_transaction(conn):
        return conn._reply(K.IN_TRANSACTION), False, None
    if conn.sasl_username is not None:
        return conn._reply(K.ALREADY_AUTHENTICATED), False, None
    words = conn._words
    if not 2 <= len(words) <= 3:
        return conn._reply(K.AUTH_SYNTAX), False, None
    mechanism = words[1].text.upper()
    if mechanism not in p.sasl_mechanisms:
        return _failed(conn, "Invalid authentication mechanism"), False, None
    initial = words[2].text if len(words) == 3 else None
    if initial is None:
        conn._sasl = SaslExchange(mechanism)
        challenge = "" if mechanism == "PLAIN" else USERNAME_CHALLENGE
        return _challenge(conn, challenge), True, None
    if not _is_base64(initial):
        return _failed(conn, "Invalid base64 data in initial response"), False, None
    return _step(conn, SaslExchange(mechanism), initial)


def sasl_response(conn: ServerConnection, line: str) -> Outcome:
    """The client's answer to a 334 challenge: "*" cancels (RFC 4954 section 4)."""
    exchange = conn._sasl
    assert exchange is not None
    conn._sasl = None
    # Postfix hands the line on as a C string (STR(state->buffer)): it ends at a NUL
    line = line.split("\0", 1)[0]
    if line == "*":
        return conn._reply(K.AUTH_ABORTED), False, "the client cancelled the AUTH exchange"
    if not _is_base64(line):
        return _failed(conn, "Invalid base64 data in continued response"), False, None
    return _step(conn, exchange, line)


def _step(conn: ServerConnection, exchange: SaslExchange, response: str) -> Outcome:
    """One response, base64 already checked: Dovecot's PLAIN (one round) or LOGIN (two)."""
    data = _decode(response)
    if exchange.mechanism == "LOGIN" and exchange.username is None:
        if data is None:
            return _failed(conn, NO_REASON), False, None
        username = data.split(b"\0", 1)[0].decode("utf-8", "replace")  # (t_strndup)
        if not _valid_username(username):
            return _failed(conn, NO_REASON), False, f"a user name Dovecot refuses: {username!r}"
        exchange.username = username
        conn._sasl = exchange
        return _challenge(conn, PASSWORD_CHALLENGE), True, None
    if exchange.mechanism == "LOGIN":
        assert exchange.username is not None
        user, password = exchange.username, data
    else:  # PLAIN: authzid NUL authcid NUL passwd (RFC 4616 section 2)
        parts = data.split(b"\0") if data is not None else []
        if len(parts) != 3 or (parts[0] and parts[0] != parts[1]):
            return _failed(conn, NO_REASON), False, None  # (Dovecot: no master users here)
        user, password = parts[1].decode("utf-8", "replace"), parts[2]
    if password is None:
        return _failed(conn, NO_REASON), False, None
    name = conn.policy.authenticate(user, password.decode("utf-8", "replace"))
    if name is None:
        return _failed(conn, NO_REASON), False, f"authentication failed for {user!r}"
    conn.sasl_username = name
    return conn._reply(K.AUTH_OK), True, f"authenticated as {name} ({exchange.mechanism})"


def _valid_username(name: str) -> bool:
    """Dovecot's check: not empty, every character in auth_username_chars."""
    return bool(name) and all(c in USERNAME_CHARS for c in name)


def _challenge(conn: ServerConnection, challenge: str) -> Reply:
    return conn._reply(K.AUTH_CHALLENGE, challenge=challenge)


def _failed(conn: ServerConnection, reason: str) -> Reply:
    return conn._reply(K.AUTH_FAILED, reason=reason)


def _is_base64(text: str) -> bool:
    """is_valid_base64() of xsasl_dovecot_server.c: only the alphabet's characters."""
    return all(c in _BASE64 for c in text)


def _decode(text: str) -> bytes | None:
    try:
        return b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
