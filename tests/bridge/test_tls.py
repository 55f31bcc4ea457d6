"""STARTTLS, implicit TLS and SMTP AUTH through the bridge, with real TLS on real sockets.

The served server is smtp.crepes.fr (Postfix 3) of the classroom, set up as ``smtp-sim serve``
sets it up (``offer_tls_and_auth``: STARTTLS, AUTH PLAIN LOGIN, AUTH only after STARTTLS).
Replies are Postfix 3.7.11's (smtpd.c's starttls_cmd(), smtpd_sasl_glue.c's
smtpd_sasl_authenticate()), checked against the literal texts and the engine's catalog.
"""

from __future__ import annotations

import base64
import io
import os
import re
import shutil
import signal
import smtplib
import ssl
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import Raw, in_thread, maildir_messages, wait_for
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from smtp_sim.bridge.bridge import Bridge
from smtp_sim.bridge.listen import ListenError, ListenSpec, parse_listen
from smtp_sim.bridge.serve import LiveLog, serve
from smtp_sim.bridge.tls import TlsError, load, offer_tls_and_auth, self_signed
from smtp_sim.protocol.replies import ReplyKind
from smtp_sim.scenario.build import build_world
from smtp_sim.scenario.files import load_scenario
from smtp_sim.scenario.model import Scenario
from smtp_sim.world.trace import Kind

CREPES = "smtp.crepes.fr"  # postfix-3 in the classroom; alice@crepes.fr's password: secret
TLS = self_signed([CREPES], ["127.0.0.1"])  # one key for the file (made in a few ms)
NO_CHECK = ssl.create_default_context()
NO_CHECK.check_hostname = False
NO_CHECK.verify_mode = ssl.CERT_NONE

READY = b"220 2.0.0 Ready to start TLS\r\n"
AUTH_OK = b"235 2.7.0 Authentication successful\r\n"
AUTH_FAILED = b"535 5.7.8 Error: authentication failed: (reason unavailable)\r\n"
NOT_ENABLED = b"503 5.5.1 Error: authentication not enabled\r\n"
ALREADY_TLS = b"554 5.5.1 Error: TLS already active\r\n"


def classroom_spec() -> Scenario:
    return load_scenario("classroom").model_copy(update={"messages": []})


@pytest.fixture
async def tls_serve(maildir: Path):
    """``await tls_serve()``: smtp.crepes.fr with STARTTLS on ``listeners[0]`` (port 25) and
    implicit TLS on ``listeners[1]`` (port 587 inside TLS), as serve sets it up."""
    bridges: list[Bridge] = []

    async def start(*, scenario: Scenario | None = None, **options: Any) -> Bridge:
        spec = scenario or classroom_spec()
        world = build_world(spec)
        listen = [
            ListenSpec(port=0, target=CREPES, sim_port=25),
            ListenSpec(port=0, target=CREPES, tls=True),
        ]
        options.setdefault("maildir", maildir)
        options.setdefault("auth_failure_delays", (0.0, 0.0))  # (the delay: test_auth_delay)
        bridge = Bridge(world, listen, tls=TLS, **options)
        offer_tls_and_auth(world, [CREPES], spec)
        await bridge.start()
        bridges.append(bridge)
        return bridge

    yield start
    for bridge in bridges:
        await bridge.stop(grace=1.0)


def starttls(raw: Raw, context: ssl.SSLContext = NO_CHECK) -> None:
    """EHLO, STARTTLS (220), then the handshake on the same socket."""
    assert raw.reply().startswith(b"220 smtp.crepes.fr ESMTP")
    raw.send(b"EHLO laptop.example\r\n")
    assert b"250-STARTTLS\r\n" in raw.reply()
    raw.send(b"STARTTLS\r\n")
    assert raw.reply() == READY
    assert raw.buf == b""
    raw.sock = context.wrap_socket(raw.sock, server_hostname=CREPES)


def plain(user: str, password: str) -> bytes:
    return base64.b64encode(f"\0{user}\0{password}".encode())


def tls_records(bridge: Bridge) -> list[dict[str, Any]]:
    """The bridge's records of real handshakes (the world notes STARTTLS's 220 on its own)."""
    return [dict(r.info) for r in bridge.world.trace if "tls_version" in dict(r.info)]


async def test_starttls_then_auth_login_byte_exact(tls_serve):
    bridge = await tls_serve()
    catalog = bridge.world.mtas[CREPES].personality

    def talk() -> tuple[list[bytes], str, bytes]:
        raw = Raw(bridge.listeners[0].port)
        assert raw.reply().startswith(b"220 ")
        raw.send(b"EHLO laptop.example\r\n")
        before = raw.reply()
        raw.send(b"AUTH PLAIN " + plain("alice", "secret") + b"\r\n")
        got = [before, raw.reply()]
        raw.send(b"STARTTLS\r\n")
        got.append(raw.reply())
        raw.sock = NO_CHECK.wrap_socket(raw.sock, server_hostname=CREPES)
        version = raw.sock.version() or ""
        cert = raw.sock.getpeercert(binary_form=True) or b""
        for line in (b"EHLO laptop.example", b"AUTH LOGIN", b"YWxpY2U=", b"c2VjcmV0"):
            raw.send(line + b"\r\n")
            got.append(raw.reply())
        raw.send(b"QUIT\r\n")
        got.append(raw.reply())
        raw.close()
        return got, version, cert

    got, version, cert = await in_thread(talk)
    before, refused, ready, after, user, password, ok, bye = got
    # smtpd_tls_auth_only: no AUTH before STARTTLS, no STARTTLS after it
    assert b"250-STARTTLS\r\n" in before and b"AUTH" not in before
    assert refused == NOT_ENABLED
    assert ready == READY
    assert b"250-AUTH PLAIN LOGIN\r\n" in after and b"STARTTLS" not in after
    assert (user, password) == (b"334 VXNlcm5hbWU6\r\n", b"334 UGFzc3dvcmQ6\r\n")
    assert ok == AUTH_OK
    assert bye == b"221 2.0.0 Bye\r\n"
    # the same bytes as the engine's catalog renders (a real client gets the simulated replies)
    listener = bridge.listeners[0]
    assert refused == listener.reply_bytes(ReplyKind.AUTH_NOT_ENABLED)
    assert catalog.auth_offered(True) and not catalog.auth_offered(False)
    # the handshake was real: the trace names the version the client saw
    (started,) = tls_records(bridge)
    assert started["tls_version"] == version and version.startswith("TLSv1.")
    assert started["cipher"]
    names = x509.load_der_x509_certificate(cert).extensions.get_extension_for_class(
        x509.SubjectAlternativeName
    )
    assert CREPES in names.value.get_values_for_type(x509.DNSName)


async def test_wrong_password_gets_postfix_535(tls_serve):
    bridge = await tls_serve()

    def talk() -> list[bytes]:
        raw = Raw(bridge.listeners[0].port)
        starttls(raw)
        raw.send(b"EHLO laptop.example\r\n")
        raw.reply()
        raw.send(b"AUTH PLAIN " + plain("alice", "wrong") + b"\r\n")
        bad = raw.reply()
        raw.send(b"AUTH PLAIN " + plain("mallory", "secret") + b"\r\n")
        unknown = raw.reply()
        raw.send(b"MAIL FROM:<alice@crepes.fr>\r\nRCPT TO:<bob@cs.tcd.ie>\r\n")
        mail, relay = raw.replies(2)
        raw.close()
        return [bad, unknown, mail, relay]

    bad, unknown, mail, relay = await in_thread(talk)
    assert bad == unknown == AUTH_FAILED
    assert bad == bridge.listeners[0].reply_bytes(
        ReplyKind.AUTH_FAILED, reason="(reason unavailable)"
    )
    assert mail == b"250 2.1.0 Ok\r\n"
    # not authenticated: a stranger may not relay (Postfix's defer_unauth_destination)
    assert relay.startswith(b"454 4.7.1 <bob@cs.tcd.ie>: Relay access denied")


async def test_smtplib_starttls_login_lands_in_maildir(tls_serve, maildir):
    bridge = await tls_serve()

    def send() -> tuple[Any, ...]:
        with smtplib.SMTP("127.0.0.1", bridge.listeners[0].port, timeout=10) as client:
            client.ehlo("laptop.example")
            no_auth = client.has_extn("auth")
            reply = client.starttls(context=NO_CHECK)
            client.ehlo("laptop.example")
            login = client.login("alice", "secret")
            refused = client.sendmail(
                "alice@crepes.fr",
                ["alice@crepes.fr", "bob@cs.tcd.ie"],
                b"From: alice@crepes.fr\r\nSubject: over TLS\r\n\r\nsecret things\r\n",
            )
            return no_auth, reply, login, refused

    no_auth, reply, login, refused = await in_thread(send)
    assert (no_auth, reply, login, refused) == (
        False,
        (220, b"2.0.0 Ready to start TLS"),
        (235, b"2.7.0 Authentication successful"),
        {},
    )
    (own,) = maildir_messages(maildir, "alice@crepes.fr")
    queue_id = own.split(b" id ", 1)[1].split(b";", 1)[0]
    # Postfix 3.7.11 receive_data_message(): "with ESMTPSA" after STARTTLS and AUTH (RFC 3848)
    assert own.startswith(
        b"Return-Path: <alice@crepes.fr>\r\nX-Original-To: alice@crepes.fr\r\n"
        b"Delivered-To: alice@crepes.fr\r\n"
        b"Received: from laptop.example (client-127.0.0.1 [127.0.0.1])\r\n"
        b"\tby smtp.crepes.fr (Postfix) with ESMTPSA id "
        + queue_id
        + b";\r\n\tMon,  5 Jan 2026 09:00:"  # (two recipients: no "for", the date below)
    )
    assert own.endswith(b"Subject: over TLS\r\n\r\nsecret things\r\n")
    # authenticated: relayed on to cs.tcd.ie inside the simulation
    await wait_for(lambda: bool(maildir_messages(maildir, "bob@cs.tcd.ie")), timeout=10)
    (relayed,) = maildir_messages(maildir, "bob@cs.tcd.ie")
    assert b"by smtp.crepes.fr (Postfix) with ESMTPSA id " in relayed


async def test_implicit_tls(tls_serve, maildir):
    bridge = await tls_serve()
    port = bridge.listeners[1].port
    assert bridge.listeners[1].sim_port == 587

    def talk() -> tuple[list[bytes], dict]:
        raw = Raw(port)
        raw.sock = NO_CHECK.wrap_socket(raw.sock, server_hostname=CREPES)
        got = [raw.reply()]
        for line in (
            b"EHLO laptop.example",
            b"STARTTLS",
            b"AUTH PLAIN " + plain("alice", "secret"),
        ):
            raw.send(line + b"\r\n")
            got.append(raw.reply())
        raw.close()
        with smtplib.SMTP_SSL("127.0.0.1", port, timeout=10, context=NO_CHECK) as client:
            client.login("alice@crepes.fr", "secret")
            refused = client.sendmail(
                "alice@crepes.fr", ["alice@crepes.fr"], b"Subject: 465\r\n\r\nx\r\n"
            )
        return got, refused

    (greeting, ehlo, again, auth), refused = await in_thread(talk)
    assert greeting == b"220 smtp.crepes.fr ESMTP Postfix\r\n"
    assert b"250-AUTH PLAIN LOGIN\r\n" in ehlo and b"STARTTLS" not in ehlo
    assert again == ALREADY_TLS
    assert auth == AUTH_OK
    assert refused == {}
    (stored,) = maildir_messages(maildir, "alice@crepes.fr")
    assert b"with ESMTPSA id " in stored
    notes = [r.summary for r in bridge.world.trace if "tls_version" in dict(r.info)]
    assert len(notes) == 2
    assert all("before the greeting (implicit TLS, RFC 8314)" in note for note in notes)


async def test_pipelined_after_starttls_is_thrown_away(tls_serve):
    """Bytes sent behind STARTTLS before the handshake never count as commands (the STARTTLS
    command injection, CVE-2011-0411)."""
    bridge = await tls_serve()

    def talk() -> list[bytes]:
        raw = Raw(bridge.listeners[0].port)
        raw.reply()
        raw.send(b"EHLO laptop.example\r\n")
        raw.reply()
        raw.send(b"STARTTLS\r\nMAIL FROM:<mallory@evil.example>\r\n")
        ready = raw.reply()
        raw.sock = NO_CHECK.wrap_socket(raw.sock, server_hostname=CREPES)
        raw.send(b"RCPT TO:<alice@crepes.fr>\r\n")  # no MAIL inside TLS: out of sequence
        rcpt = raw.reply()
        raw.close()
        return [ready, rcpt]

    ready, rcpt = await in_thread(talk)
    assert ready == READY
    assert rcpt.startswith(b"503 5.5.1 Error: need MAIL command")


async def test_failed_handshake_is_recorded_and_forgotten(tls_serve):
    bridge = await tls_serve()

    def talk() -> bytes:
        raw = Raw(bridge.listeners[0].port)
        raw.reply()
        raw.send(b"STARTTLS\r\n")
        assert raw.reply() == READY
        raw.send(b"EHLO this is not a ClientHello\r\n")
        try:
            return raw.rest()
        except ConnectionResetError:
            return b""
        finally:
            raw.close()

    assert b"EHLO" not in await in_thread(talk)
    await wait_for(lambda: not bridge.clients)
    errors = [r for r in bridge.world.trace if dict(r.info).get("tls") == "failed"]
    assert len(errors) == 1 and errors[0].kind is Kind.ERROR
    assert "the TLS handshake after STARTTLS failed" in errors[0].summary


async def test_live_log_shows_tls_started_then_plaintext(tls_serve):
    log = io.StringIO()
    bridge = await tls_serve(on_record=LiveLog(log))

    def send() -> None:
        with smtplib.SMTP("127.0.0.1", bridge.listeners[0].port, timeout=10) as client:
            client.starttls(context=NO_CHECK)
            client.login("alice", "secret")
            client.sendmail("alice@crepes.fr", ["alice@crepes.fr"], b"Subject: seen\r\n\r\nx\r\n")

    await in_thread(send)
    text = log.getvalue()
    started = text.index("TLS started with real client 127.0.0.1:")
    assert "after STARTTLS: TLSv1." in text[started:]
    after = text[started:]
    assert "AUTH PLAIN " in after and "Subject: seen" in after  # the ends see plaintext


async def test_aiosmtplib_start_tls_and_login(tls_serve, maildir):
    aiosmtplib = pytest.importorskip("aiosmtplib")
    bridge = await tls_serve()
    errors, reply = await aiosmtplib.send(
        b"From: alice@crepes.fr\r\nSubject: aio\r\n\r\nhello\r\n",
        sender="alice@crepes.fr",
        recipients=["alice@crepes.fr"],
        hostname="127.0.0.1",
        port=bridge.listeners[0].port,
        start_tls=True,
        validate_certs=False,
        username="alice",
        password="secret",
        timeout=10,
    )
    assert errors == {} and reply.startswith("2.0.0 Ok: queued as ")
    (stored,) = maildir_messages(maildir, "alice@crepes.fr")
    assert b"with ESMTPSA id " in stored


def run(command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


SWAKS = ["swaks", "--server", "127.0.0.1", "--from", "alice@crepes.fr", "--timeout", "10"]


@pytest.mark.skipif(
    shutil.which("swaks") is None, reason="swaks is not installed (apt install swaks)"
)
@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
async def test_swaks_tls_auth(tls_serve, maildir, mechanism):
    bridge = await tls_serve()
    command = [
        *SWAKS,
        "--port",
        str(bridge.listeners[0].port),
        "--to",
        "alice@crepes.fr",
        "--tls",
        "--auth",
        mechanism,
        "--auth-user",
        "alice",
        "--auth-password",
        "secret",
        "--header",
        "Subject: swaks over TLS",
    ]
    done = await in_thread(run, command)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "<-  220 2.0.0 Ready to start TLS" in done.stdout
    assert "=== TLS started with cipher TLSv1." in done.stdout
    assert "<~  235 2.7.0 Authentication successful" in done.stdout
    (stored,) = maildir_messages(maildir, "alice@crepes.fr")
    assert b"with ESMTPSA id " in stored and b"Subject: swaks over TLS\r\n" in stored


@pytest.mark.skipif(
    shutil.which("swaks") is None, reason="swaks is not installed (apt install swaks)"
)
async def test_swaks_implicit_tls_and_wrong_password(tls_serve, maildir):
    bridge = await tls_serve()
    good = [*SWAKS, "--port", str(bridge.listeners[1].port), "--to", "bob@cs.tcd.ie", "--tlsc"]
    good += ["--auth", "PLAIN", "--auth-user", "alice", "--auth-password", "secret"]
    done = await in_thread(run, good)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "<~  250 2.0.0 Ok: queued as " in done.stdout
    bad = [*SWAKS, "--port", str(bridge.listeners[0].port), "--to", "bob@cs.tcd.ie", "--tls"]
    bad += ["--auth", "PLAIN", "--auth-user", "alice", "--auth-password", "wrong"]
    refused = await in_thread(run, bad)
    assert refused.returncode != 0
    assert "<~* " + AUTH_FAILED.decode().strip() in refused.stdout
    await wait_for(lambda: bool(maildir_messages(maildir, "bob@cs.tcd.ie")), timeout=10)


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
async def test_curl_ssl_reqd(tls_serve, maildir, tmp_path):
    bridge = await tls_serve()
    message = tmp_path / "message.txt"
    message.write_bytes(b"From: alice@crepes.fr\r\nSubject: curl\r\n\r\nfrom curl\r\n")
    port = bridge.listeners[0].port
    command = ["curl", "-sS", "--url", f"smtp://127.0.0.1:{port}", "--ssl-reqd", "--insecure"]
    command += ["--user", "alice:secret", "--mail-from", "alice@crepes.fr"]
    command += ["--mail-rcpt", "alice@crepes.fr", "--upload-file", str(message)]
    done = await in_thread(run, command)
    assert done.returncode == 0, done.stderr
    (stored,) = maildir_messages(maildir, "alice@crepes.fr")
    assert stored.endswith(b"Subject: curl\r\n\r\nfrom curl\r\n")
    wrong = await in_thread(run, [*command[:7], "alice:wrong", *command[8:]])
    assert wrong.returncode == 67  # CURLE_LOGIN_DENIED


# -- what serve sets up ----------------------------------------------------------------------


def test_serve_offers_tls_and_auth_where_the_scenario_is_silent():
    spec = classroom_spec()
    world = build_world(spec)
    notes = offer_tls_and_auth(world, [CREPES, "mail.cs.tcd.ie"], spec)
    crepes = world.mtas[CREPES].personality
    assert (crepes.starttls, crepes.sasl_mechanisms, crepes.tls_auth_only) == (
        True,
        ("PLAIN", "LOGIN"),
        True,
    )
    assert not world.mtas["mail.cs.tcd.ie"].personality.starttls  # Postfix 1.1.13 had none
    assert "mail.cs.tcd.ie (Postfix 1.1.13) has no STARTTLS" in notes[1]
    # what a scenario says is kept
    hosts = [
        h.model_copy(update={"mta": h.mta.model_copy(update={"smtpd_tls_auth_only": False})})
        if h.name == CREPES and h.mta is not None
        else h
        for h in spec.hosts
    ]
    spec = spec.model_copy(update={"hosts": hosts})
    world = build_world(spec)
    offer_tls_and_auth(world, [CREPES], spec)
    assert world.mtas[CREPES].personality.auth_offered(False)


def test_listen_tls_specs():
    spec = parse_listen("2465", tls=True)
    assert (spec.tls, spec.simulated_port) == (True, 587)
    world = build_world(classroom_spec())
    with pytest.raises(ListenError, match="needs a certificate"):
        Bridge(world, [spec])
    with pytest.raises(ListenError, match="POP3 over TLS"):
        Bridge(world, [parse_listen("2995=smtp.crepes.fr:110", tls=True)], tls=TLS)


# -- --tls-cert and --tls-key ------------------------------------------------------------------


def write_pair(
    folder: Path, name: str = "mail.example", *, encrypt: bool = False, days: int = 30
) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=60))
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / f"{name}.crt", folder / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(b"pass") if encrypt else serialization.NoEncryption()
    )
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
    )
    return cert_path, key_path


def test_load_brought_certificate(tmp_path):
    cert, key = write_pair(tmp_path)
    setup = load(cert, key)
    assert (setup.subject, setup.self_signed, setup.source) == ("CN=mail.example", False, str(cert))
    assert len(setup.fingerprint) == 95


def test_warnings_for_what_checking_clients_refuse(tmp_path):
    assert load(*write_pair(tmp_path, CREPES)).warnings([CREPES]) == []
    assert TLS.warnings([CREPES, "localhost"]) == []
    expired = load(*write_pair(tmp_path, CREPES, days=-1))
    (warning,) = expired.warnings([CREPES])
    assert warning.startswith("warning: the certificate expired on ")
    other = load(*write_pair(tmp_path, "*.example.org"))
    assert other.warnings(["mx1.example.org"]) == []
    assert other.warnings([CREPES]) == [
        "warning: the certificate does not name smtp.crepes.fr (it names *.example.org): "
        "clients that check the name refuse it"
    ]


def test_tls_cert_errors(tmp_path):
    cert, key = write_pair(tmp_path)
    other_cert, other_key = write_pair(tmp_path, "other.example")
    _, locked = write_pair(tmp_path, "locked.example", encrypt=True)
    text = tmp_path / "notes.txt"
    text.write_text("not a certificate\n")
    missing = tmp_path / "missing.pem"
    cases = [
        (missing, key, f"cannot read --tls-cert {missing}: No such file or directory"),
        (cert, missing, f"cannot read --tls-key {missing}: No such file or directory"),
        (text, key, f"--tls-cert {text} holds no PEM certificate"),
        (cert, text, f"--tls-key {text} holds no PEM private key"),
        (cert, other_key, f"the key in {other_key} does not belong to the certificate in {cert}"),
        (other_cert, locked, f"--tls-key {locked} is protected by a passphrase"),
    ]
    for cert_file, key_file, message in cases:
        with pytest.raises(TlsError) as caught:
            load(cert_file, key_file)
        assert str(caught.value).startswith(message)


def test_serve_refuses_bad_certificates_without_a_traceback(tmp_path):
    cert, _ = write_pair(tmp_path)
    _, other_key = write_pair(tmp_path, "other.example")
    for options, message in [
        ({"tls_cert": cert, "tls_key": other_key}, "does not belong to the certificate"),
        ({"tls_cert": cert}, "give --tls-cert and --tls-key together"),
        ({"tls_cert": cert, "tls_key": tmp_path / "nope"}, "cannot read --tls-key"),
    ]:
        err = io.StringIO()
        assert (
            serve("classroom", [ListenSpec(port=0)], stdout=io.StringIO(), stderr=err, **options)
            == 2
        )
        assert err.getvalue().startswith("smtp-sim serve: ")
        assert message in " ".join(err.getvalue().split())
        assert "Traceback" not in err.getvalue()


async def test_authenticated_submission_is_signed_and_checked(maildir):
    """The mail-auth network: alice submits on 587 over TLS with AUTH; smtp.crepes.fr signs
    (DKIM), mail.cs.tcd.ie checks SPF, DKIM and DMARC and writes Authentication-Results:."""
    spec = load_scenario("mail-auth-net").model_copy(update={"messages": []})
    world = build_world(spec)
    bridge = Bridge(
        world, [ListenSpec(port=0, target=CREPES, sim_port=587)], maildir=maildir, tls=TLS
    )
    offer_tls_and_auth(world, [CREPES], spec)
    await bridge.start()
    try:

        def send() -> None:
            with smtplib.SMTP("127.0.0.1", bridge.listeners[0].port, timeout=10) as client:
                client.starttls(context=NO_CHECK)
                client.login("alice", "secret")
                client.sendmail(
                    "alice@crepes.fr",
                    ["bob@cs.tcd.ie"],
                    b"From: Alice <alice@crepes.fr>\r\nTo: bob@cs.tcd.ie\r\nSubject: signed\r\n"
                    b"\r\nover TLS, signed, checked\r\n",
                )

        await in_thread(send)
        await wait_for(lambda: bool(maildir_messages(maildir, "bob@cs.tcd.ie")), timeout=10)
    finally:
        await bridge.stop(grace=1.0)
    (stored,) = maildir_messages(maildir, "bob@cs.tcd.ie")
    assert stored.startswith(
        b"Return-Path: <alice@crepes.fr>\r\nX-Original-To: bob@cs.tcd.ie\r\nDelivered-To: bob@cs.tcd.ie\r\n"
        b"Authentication-Results: mail.cs.tcd.ie;\r\n\tspf=pass smtp.mailfrom=crepes.fr;\r\n"
        b"\tdkim=pass header.d=crepes.fr;\r\n"
    )
    assert b"by smtp.crepes.fr (Postfix) with ESMTPSA id " in stored
    assert b"DKIM-Signature: v=1; " in stored


def test_the_serve_command_end_to_end(tmp_path):
    """`smtp-sim serve --listen-tls`: STARTTLS and implicit TLS with the certificate made at
    start, smtplib logging in on both, the live log and the Maildir."""
    maildir = tmp_path / "out"
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen(
        [
            *(sys.executable, "-m", "smtp_sim", "serve", "--no-messages"),
            *("--maildir", str(maildir), "--listen", "127.0.0.1:0", "--listen-tls", "127.0.0.1:0"),
        ],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stderr is not None
    ports: dict[str, int] = {}
    told = ""
    deadline = time.monotonic() + 20
    while len(ports) < 2 or "Ctrl-C stops" not in told:
        line = proc.stderr.readline().decode()
        told += line
        found = re.search(r"listening on 127\.0\.0\.1:(\d+) -> smtp\.crepes\.fr port (\d+)", line)
        if found:
            ports[found.group(2)] = int(found.group(1))
        if time.monotonic() > deadline or (not line and proc.poll() is not None):
            proc.kill()
            raise AssertionError(f"smtp-sim serve did not start: {told}{proc.communicate()}")
    try:
        with smtplib.SMTP("127.0.0.1", ports["25"], timeout=10) as client:
            client.starttls(context=NO_CHECK)
            client.login("alice", "secret")
            client.sendmail("alice@crepes.fr", ["alice@crepes.fr"], b"Subject: 25\r\n\r\nx\r\n")
        with smtplib.SMTP_SSL("127.0.0.1", ports["587"], timeout=10, context=NO_CHECK) as client:
            client.login("alice@crepes.fr", "secret")
            client.sendmail("alice@crepes.fr", ["alice@crepes.fr"], b"Subject: 465\r\n\r\nx\r\n")
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    told = " ".join(told.split())
    assert "smtp.crepes.fr offers STARTTLS and AUTH PLAIN LOGIN after STARTTLS" in told
    assert "a self-signed certificate made at start: O=smtp-sim serve,CN=smtp.crepes.fr" in told
    log = out.decode()
    assert "after STARTTLS: TLSv1." in log
    assert "before the greeting (implicit TLS, RFC 8314): TLSv1." in log
    assert len(maildir_messages(maildir, "alice@crepes.fr")) == 2


async def test_plain_smtp_on_the_implicit_tls_port_is_recorded(tls_serve):
    bridge = await tls_serve()

    def talk() -> bytes:
        raw = Raw(bridge.listeners[1].port)
        raw.send(b"EHLO laptop.example\r\n")  # plain text where a ClientHello belongs
        try:
            return raw.rest()
        except ConnectionResetError:
            return b""
        finally:
            raw.close()

    assert b"220" not in await in_thread(talk)
    await wait_for(lambda: any(dict(r.info).get("tls") == "failed" for r in bridge.world.trace))
    (error,) = [r for r in bridge.world.trace if dict(r.info).get("tls") == "failed"]
    assert "the TLS handshake on an implicit-TLS port failed" in error.summary
    assert not bridge.clients and bridge.stats.connections == 0


async def test_auth_failure_is_answered_after_a_pause(tls_serve):
    """Dovecot's auth_failure_delay holds a wrong password's 535 (2 s, longer for an address
    that failed just before); a right password is not held."""
    bridge = await tls_serve(auth_failure_delays=(0.4, 0.8))

    def guess() -> list[tuple[float, bytes]]:
        raw = Raw(bridge.listeners[0].port)
        starttls(raw)
        raw.send(b"EHLO laptop.example\r\n")
        raw.reply()
        got = []
        for password in ("a", "b", "secret"):
            started = time.monotonic()
            raw.send(b"AUTH PLAIN " + plain("alice", password) + b"\r\n")
            reply = raw.reply()
            got.append((time.monotonic() - started, reply))
        raw.close()
        return got

    first, second, right = await in_thread(guess)
    assert first[1] == second[1] == AUTH_FAILED
    assert first[0] >= 0.4 and second[0] >= 0.8
    assert right[1] == AUTH_OK
