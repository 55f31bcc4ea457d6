"""MailSender's TLS policy (protocol/delivery.py): STARTTLS whenever offered with a policy,
plaintext or a refusal when it is not (RFC 7435 against RFC 8461 section 5), never STARTTLS
inside implicit TLS, and abandon() for a handshake the caller refused."""

import pytest

from smtp_sim.protocol.delivery import MailSender, Step, TlsPolicy

GREETING = b"220 mx.example ESMTP Postfix\r\n"
EHLO_TLS = b"250-mx.example\r\n250-PIPELINING\r\n250-STARTTLS\r\n250 8BITMIME\r\n"
EHLO_PLAIN = b"250-mx.example\r\n250-PIPELINING\r\n250 8BITMIME\r\n"


def sender(**kw):
    s = MailSender("client.example", "a@client.example", ["b@mx.example"], b"x\r\n", **kw)
    s.receive_data(GREETING)
    assert s.data_to_send() == b"EHLO client.example\r\n"
    return s


@pytest.mark.parametrize("policy", list(TlsPolicy))
def test_a_policy_says_starttls_when_offered_without_credentials(policy):
    s = sender(tls_policy=policy)
    s.receive_data(EHLO_TLS)
    assert s.data_to_send() == b"STARTTLS\r\n"
    s.receive_data(b"220 2.0.0 Ready to start TLS\r\n")
    assert s.tls and s.data_to_send() == b"EHLO client.example\r\n"
    s.receive_data(EHLO_PLAIN)  # (inside TLS: no STARTTLS any more)
    assert s.data_to_send() == b"MAIL FROM:<a@client.example>\r\n"


def test_without_a_policy_or_credentials_starttls_is_not_said():
    s = sender()
    s.receive_data(EHLO_TLS)
    assert s.data_to_send() == b"MAIL FROM:<a@client.example>\r\n"


def test_opportunistic_goes_on_in_plaintext_when_starttls_is_not_offered():
    s = sender(tls_policy=TlsPolicy.OPPORTUNISTIC)
    s.receive_data(EHLO_PLAIN)
    assert s.data_to_send() == b"MAIL FROM:<a@client.example>\r\n"
    assert s.tls_refusal is None


def test_required_refuses_when_starttls_is_not_offered():
    s = sender(tls_policy=TlsPolicy.REQUIRED)
    s.receive_data(EHLO_PLAIN)
    assert s.data_to_send() == b"QUIT\r\n"
    assert s.tls_refusal is not None and "did not offer STARTTLS" in s.tls_refusal
    assert s.result.error == s.tls_refusal and s.result.failed_step is Step.EHLO
    s.receive_data(b"221 2.0.0 Bye\r\n")
    assert s.done and not s.result.delivered and s.result.temporary


def test_implicit_tls_never_says_starttls():
    s = sender(tls_policy=TlsPolicy.REQUIRED, implicit_tls=True)
    s.receive_data(EHLO_TLS)
    assert s.data_to_send() == b"MAIL FROM:<a@client.example>\r\n"


def test_abandon_ends_the_session_at_once_and_drops_what_waits():
    s = sender(tls_policy=TlsPolicy.REQUIRED)
    s.receive_data(EHLO_TLS)
    s.receive_data(b"220 2.0.0 Ready to start TLS\r\n")  # EHLO waits for the handshake
    s.abandon("TLS handshake refused: the certificate expired")
    assert s.done and s.data_to_send() == b""
    assert s.result.error == "TLS handshake refused: the certificate expired"


REFUSED = b"454 4.7.0 TLS not available due to local problem\r\n"  # Postfix 3.7.11 smtpd.c


def test_opportunistic_goes_on_in_plaintext_when_starttls_is_refused():
    """smtp_proto.c of Postfix 3.7.11: at "may", a STARTTLS the server offered but refused
    ("Else try to continue in plain-text mode"): no second STARTTLS, the mail goes on."""
    s = sender(tls_policy=TlsPolicy.OPPORTUNISTIC)
    s.receive_data(EHLO_TLS)
    assert s.data_to_send() == b"STARTTLS\r\n"
    s.receive_data(REFUSED)
    assert not s.tls and s.starttls_refused
    assert s.data_to_send() == b"MAIL FROM:<a@client.example>\r\n"
    assert s.tls_refusal is None and s.result.failure is None


def test_required_gives_up_when_starttls_is_refused():
    """smtp_proto.c: "TLS is required, but host %s refused to start TLS: %s"."""
    s = sender(tls_policy=TlsPolicy.REQUIRED)
    s.receive_data(EHLO_TLS)
    assert s.data_to_send() == b"STARTTLS\r\n"
    s.receive_data(REFUSED)
    assert s.data_to_send() == b"QUIT\r\n"
    assert s.tls_refusal == (
        "TLS is required, but the server refused to start TLS: "
        "454 4.7.0 TLS not available due to local problem"
    )
    s.receive_data(b"221 2.0.0 Bye\r\n")
    assert s.done and not s.result.delivered and s.result.temporary
