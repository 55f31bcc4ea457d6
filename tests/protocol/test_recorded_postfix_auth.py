"""STARTTLS and SMTP AUTH of the postfix-3.7 personality, byte for byte against Debian 12's
Postfix 3.7.11 with Dovecot 2.3 as its SASL server.

The expectations are the real server's: data/postfix-3.7-auth/ was recorded by
conformance/capture.py (``--patience 20``: Dovecot slows its answers after failed logins)
from conformance/scripts/postfix-3.7-auth/ at a second smtpd of the reference
(conformance/setup_postfix.sh's server; ``127.0.0.1:2525 inet ... smtpd`` in master.cf with
``-o smtpd_sasl_auth_enable=yes -o smtpd_sasl_type=dovecot -o smtpd_sasl_path=private/auth
-o smtpd_tls_security_level=may`` and Debian's snake-oil certificate; Dovecot's passwd-file
holds alice:password), and data/postfix-3.7-auth-only/ at a third one (127.0.0.1:2526) that
adds ``-o smtpd_tls_auth_only=yes``. ``C: [tls]`` is where the client made its TLS handshake:
the simulator's engine reports it as a TlsStarted event and reads on.
"""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from test_recorded_postfix import read, reference_policy, shape

from smtp_sim.protocol.events import Signal, TlsStarted
from smtp_sim.protocol.personalities import POSTFIX_3_7, configured
from smtp_sim.protocol.policy import MailPolicy
from smtp_sim.protocol.server import ServerConnection

DATA = Path(__file__).parent / "data"
AUTH = sorted((DATA / "postfix-3.7-auth").glob("*.txt"))
AUTH_ONLY = sorted((DATA / "postfix-3.7-auth-only").glob("*.txt"))
TLS = b"[tls]"

SASL = configured(POSTFIX_3_7, smtpd_sasl_auth_enable=True, smtpd_tls_security_level="may")
SASL_TLS_ONLY = configured(SASL, smtpd_tls_auth_only=True)


def policy() -> MailPolicy:
    p = reference_policy()
    p.passwords = {"alice": "password"}  # the reference's Dovecot passwd-file
    return p


def play(server: ServerConnection, sends: list[bytes]) -> list[tuple[bytes, ...]]:
    out = []
    for data in [None, *sends]:
        if server.closed:
            break
        events = []
        if data == TLS:
            assert server.tls_active  # the 220 before it switched the engine
            out.append(())
            continue
        if data is not None:
            server.receive_data(data)
        while (event := server.next_event()) not in (Signal.NEED_DATA, Signal.CLOSED):
            events.append(event)
        lines = server.data_to_send().split(b"\r\n")[:-1]
        if b"220 2.0.0 Ready to start TLS" in lines:
            assert any(isinstance(e, TlsStarted) for e in events)
        if server.closed:
            lines.append(b"[closed]")
        out.append(tuple(lines))
    return out


def _check(path: Path, server: ServerConnection) -> None:
    sends, recorded = read(path)
    played = play(server, sends)
    assert len(played) == len(recorded)
    for sent, real, simulated in zip([b"(connect)", *sends], recorded, played, strict=True):
        assert [shape(x) for x in simulated] == [shape(x) for x in real], sent


@pytest.mark.parametrize("path", AUTH, ids=[p.stem for p in AUTH])
def test_sasl_and_tls_answer_as_recorded(path: Path) -> None:
    _check(path, ServerConnection(SASL, "mail.cs.tcd.ie", policy(), client_ip="127.0.0.5"))


@pytest.mark.parametrize("path", AUTH_ONLY, ids=[p.stem for p in AUTH_ONLY])
def test_tls_auth_only_answers_as_recorded(path: Path) -> None:
    server = ServerConnection(SASL_TLS_ONLY, "mail.cs.tcd.ie", policy(), client_ip="127.0.0.5")
    _check(path, server)


def test_the_fixtures_are_there() -> None:
    assert {p.stem for p in AUTH} >= {"auth-plain", "auth-login", "starttls"}
    assert {p.stem for p in AUTH_ONLY} == {"auth-only"}
    for path in (*AUTH, *AUTH_ONLY):
        assert path.read_text().startswith("# recorded from '220 mail.cs.tcd.ie ESMTP Postfix'")


def _talk(server: ServerConnection, data: bytes) -> bytes:
    server.receive_data(data)
    while server.next_event() not in (Signal.NEED_DATA, Signal.CLOSED):
        pass
    return server.data_to_send()


def test_an_authenticated_client_may_relay() -> None:
    """permit_sasl_authenticated (the reference's own relay test is out of reach: its
    default_transport = error turns a relayed recipient into a 550)."""
    server = ServerConnection(SASL, "mail.cs.tcd.ie", policy(), client_ip="127.0.0.5")
    server.data_to_send()
    plain = base64.b64encode(b"\0alice\0password")
    assert _talk(server, b"EHLO x\r\nMAIL FROM:<alice@cs.tcd.ie>\r\n").endswith(b"250 2.1.0 Ok\r\n")
    assert _talk(server, b"RCPT TO:<carol@example.org>\r\n") == (
        b"454 4.7.1 <carol@example.org>: Relay access denied\r\n"
    )
    assert _talk(server, b"RSET\r\nAUTH PLAIN " + plain + b"\r\n").endswith(
        b"235 2.7.0 Authentication successful\r\n"
    )
    assert server.sasl_username == "alice"
    assert _talk(server, b"MAIL FROM:<alice@cs.tcd.ie>\r\nRCPT TO:<carol@example.org>\r\n") == (
        b"250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n"
    )
    assert server.envelope.auth == "alice"


def test_input_pipelined_behind_starttls_is_discarded() -> None:
    server = ServerConnection(SASL, "mail.cs.tcd.ie", policy(), client_ip="127.0.0.5")
    server.data_to_send()
    _talk(server, b"EHLO x\r\n")
    server.receive_data(b"STARTTLS\r\nMAIL FROM:<a@b.c>\r\n")
    events = []
    while (event := server.next_event()) not in (Signal.NEED_DATA, Signal.CLOSED):
        events.append(event)
    assert server.data_to_send() == b"220 2.0.0 Ready to start TLS\r\n"
    assert events[-1] == TlsStarted(discarded=len(b"MAIL FROM:<a@b.c>\r\n"))
    assert server.helo_name is None and not server.esmtp


def test_without_the_options_nothing_is_offered() -> None:
    server = ServerConnection(POSTFIX_3_7, "mail.cs.tcd.ie", policy(), client_ip="127.0.0.5")
    server.data_to_send()
    ehlo = _talk(server, b"EHLO x\r\n")
    assert b"STARTTLS" not in ehlo and b"AUTH" not in ehlo
    assert _talk(server, b"STARTTLS\r\n") == b"502 5.5.1 Error: command not implemented\r\n"
    assert _talk(server, b"AUTH PLAIN\r\n") == b"503 5.5.1 Error: authentication not enabled\r\n"


def test_tls_local_problem() -> None:
    class NoCertificate(MailPolicy):
        def tls_ready(self) -> bool:
            return False

    server = ServerConnection(SASL, "mail.cs.tcd.ie", NoCertificate(["cs.tcd.ie"]))
    server.data_to_send()
    _talk(server, b"EHLO x\r\n")
    assert _talk(server, b"STARTTLS\r\n") == (
        b"454 4.7.0 TLS not available due to local problem\r\n"
    )
    assert not server.tls_active
