"""TLS on the simulated network: a teaching model of a handshake and its records, not a TLS
stack.

After a STARTTLS's 220 (RFC 3207 section 4) or as soon as a connection to port 465 is open
(implicit TLS, RFC 8314 section 3.3) the client starts a handshake of three flights, each a
segment on the link and a ``TLS``/``handshake`` record in the trace:

1. **ClientHello**: the client's random and its X25519 key share, and the name it wants
   (server_name, RFC 6066 section 3);
2. **ServerHello + Certificate**: the server's random and key share, its X.509 certificate
   (a real one, made with the ``cryptography`` package: subject, issuer, validity and
   subjectAltName in the record's info), a CertificateVerify (an Ed25519 signature of the
   handshake so far with the certificate's key) and the server's Finished;
3. **Finished**: the client's, once it has judged the certificate by its policy
   (:class:`~smtp_sim.protocol.delivery.TlsPolicy`): the name (RFC 6125 section 6), the
   validity period against the simulated calendar (the world's start, ``Stamps.start``, plus
   the clock's seconds: the clock's 0 is that moment), and the issuer's signature against the
   one CA every simulated client trusts. Opportunistic: a warning record and on; required: an
   alert, a record that says why, and the connection closed (RFC 8461 section 5).

Then every byte either end writes crosses the link as AES-128-GCM records (real ciphertext: a
tap on the link, :mod:`smtp_sim.world.tap`, reads only that), and is plaintext again at the
other end. The trace's SMTP records keep what the ends read and wrote (so lessons, views and
transcripts are unchanged); their ``ciphertext`` info holds the record bytes that crossed the
link (the capture export writes those).

What this simplifies, against RFC 8446 (TLS 1.3):

- one cipher suite (AES-128-GCM with SHA-256) and one group (X25519); nothing is
  negotiated, and there are no HelloRetryRequest, resumption, 0-RTT, KeyUpdate or
  post-handshake messages;
- the Certificate crosses in the clear, as in TLS 1.2 (RFC 5246 section 7.4.2), so that a tap
  shows who the server claims to be; TLS 1.3 encrypts it (RFC 8446 section 2);
- the key schedule is one HKDF-SHA256 (RFC 5869) over the X25519 shared secret, salted with
  the two randoms, instead of TLS 1.3's (RFC 8446 section 7.1); Finished is an HMAC of the
  handshake's hash, sent encrypted;
- each record carries its sequence number, as TLS 1.2's AES-GCM records carry an explicit
  nonce (RFC 5288 section 3), so a segment the simulated TCP delivers late still decrypts;
  the messages are framed as TLS's (type, length, body) but with simplified bodies: a real
  TLS parser will not read them;
- the randoms, key shares and keys come from the scenario's seed (SHA-256 of the seed and a
  label): the same seed gives the same bytes, and none of it is secret. Never use them for
  anything real;
- certificates: one CA ("smtp-sim Teaching CA"), no chains, no revocation, no key usage.

``cryptography`` is imported only here, inside functions, when a handshake happens
(tests/test_layers.py).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from ..protocol.delivery import TlsPolicy
from .trace import Kind, Layer

if TYPE_CHECKING:
    from .network import TcpConnection
    from .stamps import Stamps

CA_NAME = "smtp-sim Teaching CA"
#: content types of TLS records (RFC 8446 section 5.1)
ALERT, HANDSHAKE, APPLICATION_DATA = 21, 22, 23
_VERSION = b"\x03\x03"  # the legacy_record_version of RFC 8446 section 5.1
MAX_FRAGMENT = 16384  # octets of plaintext in one record (RFC 8446 section 5.1)
#: handshake message types (RFC 8446 section 4)
_CLIENT_HELLO, _SERVER_HELLO, _CERTIFICATE, _CERTIFICATE_VERIFY, _FINISHED = 1, 2, 11, 15, 20
#: alert descriptions (RFC 8446 section 6.2)
_ALERTS = {"wrong_name": 42, "expired": 45, "self_signed": 48}  # bad_certificate, ..., unknown_ca


class CertProblem(StrEnum):
    """What can be wrong with a server's certificate (a scenario's ``[hosts.tls] problems``)."""

    WRONG_NAME = "wrong_name"  # made for another name
    EXPIRED = "expired"  # its notAfter is before the simulated clock's now
    SELF_SIGNED = "self_signed"  # signed with its own key: no trusted CA vouches for it


@dataclass(frozen=True, slots=True)
class TlsOffer:
    """What a host offers: STARTTLS on its SMTP ports, TLS on port 465, and what is wrong
    with its certificate."""

    starttls: bool = True
    implicit: bool = False
    problems: frozenset[CertProblem] = frozenset()


@dataclass(frozen=True, slots=True)
class Certificate:
    """A server's certificate, as the trace shows it."""

    der: bytes
    subject: str
    issuer: str
    names: tuple[str, ...]
    not_before: datetime
    not_after: datetime

    def info(self) -> tuple[tuple[str, Any], ...]:
        return (
            ("subject", self.subject),
            ("issuer", self.issuer),
            ("not_before", self.not_before.isoformat()),
            ("not_after", self.not_after.isoformat()),
            ("names", self.names),
        )


def derive(seed: int, *label: object) -> bytes:
    """32 octets from the seed and a label: the same seed, the same octets."""
    text = "\0".join(str(part) for part in ("smtp-sim teaching tls", seed, *label))
    return hashlib.sha256(text.encode()).digest()


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


class TlsKeys:
    """A world's TLS material, made from its seed when first asked: the CA every simulated
    client trusts, and each host's certificate and key."""

    def __init__(self, seed: int, stamps: Stamps) -> None:
        self.seed = seed
        self.stamps = stamps
        self._certificates: dict[tuple[str, frozenset[CertProblem]], tuple[Certificate, Any]] = {}
        self._ca: Any = None

    def now(self) -> datetime:
        """The simulated clock's now on the world's calendar."""
        return self.stamps.start + timedelta(seconds=self.stamps.clock.now)

    def _ca_key(self) -> Any:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        if self._ca is None:
            self._ca = Ed25519PrivateKey.from_private_bytes(derive(self.seed, "ca"))
        return self._ca

    def certificate(
        self, names: tuple[str, ...], problems: frozenset[CertProblem]
    ) -> tuple[Certificate, Any]:
        """The certificate for a server known by ``names`` (its MTA's name first), with
        ``problems``, and its private key."""
        key_ = (names[0], problems)
        made = self._certificates.get(key_)
        if made is None:
            made = self._certificates[key_] = self._make(names, problems)
        return made

    def _make(
        self, names: tuple[str, ...], problems: frozenset[CertProblem]
    ) -> tuple[Certificate, Any]:
        from cryptography import x509
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
        from cryptography.x509.oid import NameOID

        key = Ed25519PrivateKey.from_private_bytes(derive(self.seed, "host", names[0]))
        if CertProblem.WRONG_NAME in problems:  # the web server's certificate, say
            names = (f"www.{names[0].partition('.')[2] or names[0]}",)
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
        signer = key
        issuer = subject
        if CertProblem.SELF_SIGNED not in problems:
            signer = self._ca_key()
            issuer = x509.Name(
                [
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "smtp-sim"),
                    x509.NameAttribute(NameOID.COMMON_NAME, CA_NAME),
                ]
            )
        start = self.stamps.start.replace(microsecond=0)
        if CertProblem.EXPIRED in problems:
            not_before, not_after = start - timedelta(days=400), start - timedelta(days=35)
        else:
            not_before, not_after = start - timedelta(days=30), start + timedelta(days=365)
        serial = int.from_bytes(derive(self.seed, "serial", names[0])[:16], "big") >> 1 | 1
        cert = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer)
            .public_key(key.public_key())
            .serial_number(serial)
            .not_valid_before(not_before)
            .not_valid_after(not_after)
            .add_extension(
                x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False
            )
            .sign(signer, None)  # Ed25519: no separate hash; deterministic (RFC 8032)
        )
        from cryptography.hazmat.primitives.serialization import Encoding

        shown = Certificate(
            der=cert.public_bytes(Encoding.DER),
            subject=subject.rfc4514_string(),
            issuer=issuer.rfc4514_string(),
            names=tuple(names),
            not_before=not_before,
            not_after=not_after,
        )
        return shown, key

    def judge(self, der: bytes, expected: str) -> list[tuple[CertProblem, str]]:
        """What a client finds wrong with the certificate ``der`` of a server it reached as
        ``expected``, now on the simulated calendar: each problem and why, in words."""
        from cryptography import x509
        from cryptography.exceptions import InvalidSignature

        cert = x509.load_der_x509_certificate(der)
        try:
            san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
            names = [n.lower() for n in san.value.get_values_for_type(x509.DNSName)]
        except x509.ExtensionNotFound:
            names = []
        found: list[tuple[CertProblem, str]] = []
        if expected.lower().rstrip(".") not in names:
            found.append(
                (
                    CertProblem.WRONG_NAME,
                    f"the certificate is for {', '.join(names) or 'no name'}, not {expected} "
                    "(RFC 6125 section 6)",
                )
            )
        now = self.now()
        not_before, not_after = _validity(cert)
        if now > not_after:
            found.append(
                (
                    CertProblem.EXPIRED,
                    f"the certificate expired on {_when(not_after)} (the simulated clock says "
                    f"{_when(now)}; RFC 5280 section 4.1.2.5)",
                )
            )
        elif now < not_before:
            found.append(
                (CertProblem.EXPIRED, f"the certificate is not valid before {_when(not_before)}")
            )
        try:
            self._ca_key().public_key().verify(cert.signature, cert.tbs_certificate_bytes)
        except InvalidSignature:
            why = (
                "the certificate is self-signed: no CA the client trusts vouches for it"
                if cert.issuer == cert.subject
                else "the certificate is not signed by a CA the client trusts"
            )
            found.append((CertProblem.SELF_SIGNED, why))
        return found


def _validity(cert: Any) -> tuple[datetime, datetime]:
    """notBefore and notAfter, aware (``_utc`` since cryptography 42)."""
    return cert.not_valid_before_utc, cert.not_valid_after_utc


# -- framing ----------------------------------------------------------------------------------


def _record(content_type: int, payload: bytes) -> bytes:
    return bytes([content_type]) + _VERSION + len(payload).to_bytes(2, "big") + payload


def _message(msg_type: int, body: bytes) -> bytes:
    return bytes([msg_type]) + len(body).to_bytes(3, "big") + body


def is_record(data: bytes) -> bool:
    """Do these octets start like a TLS record (and not like an SMTP line)?"""
    return (
        len(data) >= 5 and data[0] in (ALERT, HANDSHAKE, APPLICATION_DATA) and data[1:3] == _VERSION
    )


def records(data: bytes) -> list[tuple[int, bytes]]:
    """The (content type, payload) of each whole record in ``data``."""
    out = []
    at = 0
    while at + 5 <= len(data):
        length = int.from_bytes(data[at + 3 : at + 5], "big")
        out.append((data[at], data[at + 5 : at + 5 + length]))
        at += 5 + length
    return out


def _messages(payload: bytes) -> dict[int, bytes]:
    """The handshake messages of a record, by type."""
    out = {}
    at = 0
    while at + 4 <= len(payload):
        length = int.from_bytes(payload[at + 1 : at + 4], "big")
        out[payload[at]] = payload[at + 4 : at + 4 + length]
        at += 4 + length
    return out


def certificate_seen(payload: bytes) -> str | None:
    """The subject of the certificate in a server's handshake record, as anyone on the link
    reads it (None: no certificate there)."""
    from cryptography import x509

    der = _messages(payload).get(_CERTIFICATE)
    if der is None:
        return None
    try:
        return str(x509.load_der_x509_certificate(der[3:]).subject.rfc4514_string())
    except ValueError:
        return None


# -- one connection's TLS -------------------------------------------------------------------


@dataclass(slots=True)
class _Direction:
    """One direction's traffic key: AES-128-GCM key, 4-octet salt, next sequence number."""

    aead: Any
    salt: bytes
    seq: int = 0


@dataclass(slots=True)
class _End:
    """What one end knows: the handshake so far, its keys (each end derives its own)."""

    transcript: bytes = b""
    finished_key: bytes = b""
    send: _Direction | None = None
    receive: _Direction | None = None


@dataclass(slots=True)
class TlsChannel:
    """The TLS of one connection, both ends (``conn.tls``): the handshake's progress, the
    traffic keys, and what each end wrote before its side of the handshake was done (sent
    once it is). Made by the client when it sends its ClientHello, or by a port-465 server
    waiting for one."""

    conn: TcpConnection
    keys: TlsKeys
    policy: TlsPolicy = TlsPolicy.OPPORTUNISTIC
    expected: str = ""  # the name the client asked for
    on_refused: Callable[[str], None] | None = None  # the client's policy ended the session
    client_started: bool = False  # the client sent its ClientHello
    client_ready: bool = False  # the client sent its Finished
    server_ready: bool = False  # the server read the client's Finished
    hello_seen: bool = False  # the server read a ClientHello
    failed: bool = False
    held: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)
    _client_random: bytes = b""
    _client_share: Any = None
    _ends: dict[str, _End] = field(default_factory=dict)

    def _end(self, side: str) -> _End:
        end = self._ends.get(side)
        if end is None:
            end = self._ends[side] = _End()
        return end

    # -- what TcpConnection asks -------------------------------------------------------------

    def engaged(self, side: str) -> bool:
        """Does what ``side`` writes go through TLS? The client's only once it has sent its
        ClientHello (a telnet on port 465 never does: its lines cross as they are)."""
        return side != self.conn.client or self.client_started

    def ready(self, side: str) -> bool:
        """May ``side`` write application data now (its side of the handshake is done)?"""
        return self.client_ready if side == self.conn.client else self.server_ready

    def hold(self, side: str, args: tuple[Any, ...]) -> None:
        self.held.setdefault(side, []).append(args)

    def seal(self, side: str, data: bytes, content_type: int = APPLICATION_DATA) -> bytes:
        """``data`` written by ``side`` as the records that cross the link."""
        direction = self._end(side).send
        assert direction is not None
        out = bytearray()
        for at in range(0, max(len(data), 1), MAX_FRAGMENT):
            chunk = data[at : at + MAX_FRAGMENT]
            seq = direction.seq.to_bytes(8, "big")
            direction.seq += 1
            aad = seq + bytes([content_type]) + _VERSION + len(chunk).to_bytes(2, "big")
            sealed = direction.aead.encrypt(direction.salt + seq, chunk, aad)
            out += _record(content_type, seq + sealed)
        return bytes(out)

    def _open(self, receiver: str, content_type: int, payload: bytes) -> bytes | None:
        direction = self._end(receiver).receive
        if direction is None or len(payload) < 8 + 16:
            return None
        from cryptography.exceptions import InvalidTag

        seq, sealed = payload[:8], payload[8:]
        aad = seq + bytes([content_type]) + _VERSION + (len(sealed) - 16).to_bytes(2, "big")
        try:
            return bytes(direction.aead.decrypt(direction.salt + seq, sealed, aad))
        except InvalidTag:
            return None

    def deliver(self, dst: str, data: bytes) -> bytes | None:
        """Octets arriving at ``dst``: the plaintext for its endpoint (None: nothing for it,
        the TLS layer took them)."""
        conn = self.conn
        if self.failed:
            return None
        if not is_record(data):
            if dst == conn.server and not self.hello_seen and self.on_refused is None:
                self._not_tls(data)  # a port-465 server reading plaintext
                return None
            return data  # (plaintext sent before the handshake began)
        plain = bytearray()
        for content_type, payload in records(data):
            if content_type == APPLICATION_DATA:
                opened = self._open(dst, content_type, payload)
                if opened is None:
                    self._fail(dst, "a record did not decrypt (bad record MAC)")
                    return None
                plain += opened
            elif content_type == ALERT:
                self.failed = True
                return None  # (the client refused; it closes the connection)
            elif dst == conn.server and not self.hello_seen:
                self._client_hello(payload)
            elif dst == conn.client and not self.client_ready:
                if not self._server_flight(content_type, payload):
                    return None
            elif dst == conn.server and not self.server_ready:
                self._client_finished(payload)
        return bytes(plain) if plain else None

    # -- the handshake -----------------------------------------------------------------------

    def start(self) -> None:
        """The client's first flight: ClientHello."""
        from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

        conn, seed = self.conn, self.keys.seed
        self.client_started = True
        self._client_random = derive(seed, "client random", conn.id, conn.client, conn.server)
        self._client_share = X25519PrivateKey.from_private_bytes(
            derive(seed, "client share", conn.id, conn.client, conn.server)
        )
        share = _raw(self._client_share.public_key())
        name = self.expected.encode("idna")
        body = _VERSION + self._client_random + bytes([len(name)]) + name + share
        hello = _message(_CLIENT_HELLO, body)
        self._end(conn.client).transcript = hello
        conn.send_tls(
            conn.client,
            _record(HANDSHAKE, hello),
            f"TLS ClientHello: AES-128-GCM, X25519 key share, server name {self.expected}",
            (("tls", "ClientHello"), ("server_name", self.expected)),
        )

    def _client_hello(self, payload: bytes) -> None:
        """The server's flight: ServerHello, Certificate, CertificateVerify, Finished."""
        from cryptography.hazmat.primitives.asymmetric.x25519 import (
            X25519PrivateKey,
            X25519PublicKey,
        )

        conn, keys = self.conn, self.keys
        self.hello_seen = True
        hello = _messages(payload).get(_CLIENT_HELLO)
        try:  # (octets typed at a telnet may look like a record: never a traceback)
            if hello is None:
                raise ValueError("no ClientHello")
            client_random = hello[2:34]
            name_length = hello[34]
            client_share = X25519PublicKey.from_public_bytes(
                hello[35 + name_length : 35 + name_length + 32]
            )
        except (ValueError, IndexError):
            self._not_tls(payload)
            return
        end = self._end(conn.server)
        end.transcript = _message(_CLIENT_HELLO, hello)
        server_random = derive(keys.seed, "server random", conn.id, conn.client, conn.server)
        share = X25519PrivateKey.from_private_bytes(
            derive(keys.seed, "server share", conn.id, conn.client, conn.server)
        )
        host = conn.network.hosts[conn.server]
        offer: TlsOffer = host.tls or TlsOffer()
        names = tuple(dict.fromkeys(n for n in (host.tls_name, host.name) if n))
        certificate, key = keys.certificate(names, offer.problems)
        flight = _message(_SERVER_HELLO, _VERSION + server_random + _raw(share.public_key()))
        flight += _message(_CERTIFICATE, len(certificate.der).to_bytes(3, "big") + certificate.der)
        signature = key.sign(hashlib.sha256(end.transcript + flight).digest())
        flight += _message(_CERTIFICATE_VERIFY, signature)
        end.transcript += flight
        self._keys(conn.server, share.exchange(client_share), client_random + server_random)
        finished = _message(_FINISHED, self._verify_data(conn.server, b"server finished"))
        end.transcript += finished
        wire = _record(HANDSHAKE, flight) + self.seal(conn.server, finished, HANDSHAKE)
        conn.send_tls(
            conn.server,
            wire,
            f"TLS ServerHello + Certificate: subject {certificate.subject}, issuer "
            f"{certificate.issuer}, valid {_when(certificate.not_before)} to "
            f"{_when(certificate.not_after)} (+ CertificateVerify, Finished)",
            (("tls", "ServerHello+Certificate"), *certificate.info()),
        )

    def _keys(self, side: str, shared: bytes, randoms: bytes) -> None:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM
        from cryptography.hazmat.primitives.kdf.hkdf import HKDF

        block = HKDF(
            algorithm=hashes.SHA256(), length=72, salt=randoms, info=b"smtp-sim teaching tls"
        ).derive(shared)
        client = _Direction(AESGCM(block[0:16]), block[32:36])
        server = _Direction(AESGCM(block[16:32]), block[36:40])
        end = self._end(side)
        end.send, end.receive = (client, server) if side == self.conn.client else (server, client)
        end.finished_key = block[40:72]

    def _verify_data(self, side: str, label: bytes) -> bytes:
        end = self._end(side)
        digest = hashlib.sha256(end.transcript).digest()
        return hmac.new(end.finished_key, label + digest, hashlib.sha256).digest()

    def _server_flight(self, content_type: int, payload: bytes) -> bool:
        """At the client: the server's flight (False: the client refused it)."""
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
        from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey
        from cryptography.x509 import load_der_x509_certificate

        conn = self.conn
        end = self._end(conn.client)
        if content_type == HANDSHAKE and end.send is None:
            messages = _messages(payload)
            hello, cert = messages[_SERVER_HELLO], messages[_CERTIFICATE]
            der = cert[3:]
            share = X25519PublicKey.from_public_bytes(hello[34:66])
            # (CertificateVerify, 4 + 64 octets, is the flight's last message: it signs the rest)
            signed = end.transcript + payload[: len(payload) - 68]
            public = load_der_x509_certificate(der).public_key()
            try:
                if not isinstance(public, Ed25519PublicKey):
                    raise InvalidSignature
                public.verify(messages[_CERTIFICATE_VERIFY], hashlib.sha256(signed).digest())
            except InvalidSignature:  # pragma: no cover - the simulated server never lies
                self._fail(conn.client, "the server's CertificateVerify does not verify")
                return False
            end.transcript += payload
            self._keys(
                conn.client, self._client_share.exchange(share), self._client_random + hello[2:34]
            )
            self._judge(der)
            return not self.failed
        # the server's Finished, encrypted
        finished = self._open(conn.client, content_type, payload)
        if finished is None or _messages(finished).get(_FINISHED) != self._verify_data(
            conn.client, b"server finished"
        ):
            self._fail(conn.client, "the server's Finished does not verify")
            return False
        end.transcript += finished
        mine = _message(_FINISHED, self._verify_data(conn.client, b"client finished"))
        end.transcript += mine
        conn.send_tls(
            conn.client,
            self.seal(conn.client, mine, HANDSHAKE),
            "TLS Finished: the handshake is done; from here both ways are encrypted (AES-128-GCM)",
            (("tls", "Finished"),),
        )
        self.client_ready = True
        self._flush(conn.client)
        return True

    def _judge(self, der: bytes) -> None:
        """The client's policy on the certificate's problems."""
        conn = self.conn
        problems = self.keys.judge(der, self.expected)
        if not problems:
            conn.trace.append(
                conn.clock.now,
                Layer.TLS,
                Kind.NOTE,
                conn.client,
                conn.server,
                f"the certificate of {self.expected} is valid: right name, in date, signed by "
                f"{CA_NAME}, which the client trusts",
                b"",
                conn.id,
                conn.message,
                (("verdict", "valid"),),
            )
            return
        why = "; ".join(text for _, text in problems)
        tags = tuple(problem.value for problem, _ in problems)
        if self.policy is TlsPolicy.REQUIRED:
            reason = (
                f"TLS is required (MTA-STS, RFC 8461 section 5) and {why}: the client "
                "refuses the certificate, sends an alert and closes the connection; "
                "nothing is sent"
            )
            conn.trace.append(
                conn.clock.now,
                Layer.TLS,
                Kind.ERROR,
                conn.client,
                conn.server,
                reason,
                b"",
                conn.id,
                conn.message,
                (("verdict", "refused"), ("problems", tags)),
            )
            self.failed = True
            alert = _record(ALERT, bytes([2, _ALERTS[problems[0][0].value]]))
            conn.send_tls(
                conn.client,
                alert,
                f"TLS alert: {problems[0][0].value.replace('_', ' ')} (fatal)",
                (("tls", "alert"),),
            )
            if self.on_refused is not None:
                self.on_refused(f"TLS handshake refused: {why}")
            return
        conn.trace.append(
            conn.clock.now,
            Layer.TLS,
            Kind.NOTE,
            conn.client,
            conn.server,
            f"warning: {why}. Opportunistic TLS goes on (RFC 7435): the session is "
            "encrypted, but the client cannot know who it talks to",
            b"",
            conn.id,
            conn.message,
            (("verdict", "warned"), ("problems", tags)),
        )

    def _client_finished(self, payload: bytes) -> None:
        conn = self.conn
        finished = self._open(conn.server, HANDSHAKE, payload)
        end = self._end(conn.server)
        if finished is not None:
            expected = self._verify_data(conn.server, b"client finished")
            end.transcript += finished
        if finished is None or _messages(finished).get(_FINISHED) != expected:
            self._fail(conn.server, "the client's Finished does not verify")
            return
        self.server_ready = True
        self._flush(conn.server)

    def _flush(self, side: str) -> None:
        for args in self.held.pop(side, []):
            self.conn.send(*args[:-1], recorded=args[-1])

    def _not_tls(self, data: bytes) -> None:
        conn = self.conn
        self._fail(
            conn.server,
            "the server expected a TLS ClientHello (implicit TLS, RFC 8314 section 3.3) and "
            "read plaintext: the handshake fails",
        )

    def _fail(self, side: str, why: str) -> None:
        conn = self.conn
        self.failed = True
        conn.trace.append(
            conn.clock.now,
            Layer.TLS,
            Kind.ERROR,
            side,
            conn.peer_of(side),
            why,
            b"",
            conn.id,
            conn.message,
            (),
        )
        if self.on_refused is not None:
            self.on_refused(f"TLS handshake failed: {why}")
        conn.close(side)


def _raw(public_key: Any) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return bytes(public_key.public_bytes(Encoding.Raw, PublicFormat.Raw))


def start_client_tls(
    conn: TcpConnection,
    policy: TlsPolicy,
    on_refused: Callable[[str], None],
) -> None:
    """The client's side of a handshake on ``conn`` (after STARTTLS's 220, or at once on
    port 465): what it writes until it is done waits."""
    keys = conn.network.tls_keys
    assert keys is not None
    channel = conn.tls
    if channel is None:
        channel = conn.tls = TlsChannel(conn, keys)
    channel.policy = policy
    channel.expected = conn.server
    channel.on_refused = on_refused
    channel.start()


def await_client_hello(conn: TcpConnection) -> None:
    """A port-465 server: nothing it writes leaves before the handshake is done."""
    if conn.tls is None and conn.network.tls_keys is not None:
        conn.tls = TlsChannel(conn, conn.network.tls_keys)
