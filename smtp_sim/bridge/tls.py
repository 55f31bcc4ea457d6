"""TLS for real clients: the certificate and the ``ssl`` context of ``smtp-sim serve``.

The simulated servers answer STARTTLS with their own ``220 2.0.0 Ready to start TLS``; the
bridge then makes a real TLS handshake on the socket (``asyncio``'s ``start_tls``, see
:mod:`.real_client`), and on a ``--listen-tls`` port (RFC 8314's implicit TLS, port 465) before
the greeting. The certificate is one the user brings (``--tls-cert FILE --tls-key FILE``) or a
self-signed one made at start with the ``cryptography`` package for the served host names.

This is the socket layer: it reads the wall clock (a certificate's validity) and makes keys
from the operating system's randomness; nothing in the simulated world depends on it.
"""

from __future__ import annotations

import ipaddress
import os
import ssl
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from ..protocol.personalities import CommandSyntax, Personality, configured
from ..world.mailbox import DEFAULT_PASSWORD

if TYPE_CHECKING:
    from ..scenario.model import Scenario
    from ..world.world import World
    from .listen import ListenSpec

#: days a certificate made at start is valid (from a day before, for clocks a little behind)
SELF_SIGNED_DAYS = 365
#: seconds a client gets to finish its TLS handshake (asyncio's default is 60)
HANDSHAKE_TIMEOUT = 30.0


class TlsError(Exception):
    """A certificate or key that cannot be used: the message says which file and why."""


@dataclass(frozen=True)
class TlsSetup:
    """A server-side ``ssl`` context and what the user is told about its certificate."""

    context: ssl.SSLContext
    subject: str  # the certificate's subject, e.g. CN=smtp.crepes.fr
    names: tuple[str, ...]  # its subjectAltNames (DNS names and addresses)
    fingerprint: str  # SHA-256, as openssl x509 -fingerprint -sha256 writes it
    not_after: datetime
    self_signed: bool
    source: str  # "made at start" or the certificate file's name

    def describe(self) -> str:
        how = "a self-signed certificate made at start" if self.self_signed else self.source
        names = ", ".join(self.names) or "no subjectAltName"
        return (
            f"STARTTLS and implicit TLS use {how}: {self.subject} ({names}), valid until "
            f"{self.not_after:%Y-%m-%d}, SHA-256 {self.fingerprint}"
        )

    def warnings(self, hostnames: Iterable[str]) -> list[str]:
        """What clients that check the certificate will refuse: expired, or not naming a
        served host (names as in RFC 6125, a wildcard for one label)."""
        out = []
        if self.not_after < datetime.now(UTC):
            out.append(f"warning: the certificate expired on {self.not_after:%Y-%m-%d}")
        missing = [name for name in hostnames if not any(_matches(n, name) for n in self.names)]
        if missing:
            named = ", ".join(self.names) or "nothing: no subjectAltName"
            out.append(
                f"warning: the certificate does not name {', '.join(missing)} (it names "
                f"{named}): clients that check the name refuse it"
            )
        return out


def _matches(pattern: str, name: str) -> bool:
    pattern, name = pattern.lower().rstrip("."), name.lower().rstrip(".")
    if pattern.startswith("*."):
        return name.partition(".")[2] == pattern[2:] and "." in name
    return pattern == name


def _context(cert_file: str, key_file: str, password: bytes | None = None) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file, password=password or (lambda: b""))
    return context


def self_signed(names: Sequence[str], addresses: Iterable[str] = ()) -> TlsSetup:
    """A fresh key (ECDSA P-256) and a self-signed certificate for ``names`` (the first is the
    subject's CN; all are DNS subjectAltNames, with ``localhost``) and ``addresses`` (IP
    subjectAltNames, so a client that connects to 127.0.0.1 and trusts it can check it)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    dns = list(dict.fromkeys([*names, "localhost"]))
    ips = []
    for text in dict.fromkeys(addresses):
        try:
            ips.append(ipaddress.ip_address(text))
        except ValueError:
            continue
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, dns[0]),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "smtp-sim serve"),
        ]
    )
    now = datetime.now(UTC)
    san: list[x509.GeneralName] = [x509.DNSName(name) for name in dns]
    san += [x509.IPAddress(ip) for ip in ips]
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=SELF_SIGNED_DAYS))
        .add_extension(x509.SubjectAlternativeName(san), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    # load_cert_chain reads files only: the key is on disk (mode 600) for a moment.
    with tempfile.TemporaryDirectory(prefix="smtp-sim-tls-") as folder:
        cert_path = os.path.join(folder, "cert.pem")
        key_path = os.path.join(folder, "key.pem")
        with open(cert_path, "wb") as out:
            out.write(cert_pem)
        fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(key_pem)
        context = _context(cert_path, key_path)
    return _setup(context, cert, self_signed=True, source="made at start")


def load(cert_file: str | Path, key_file: str | Path) -> TlsSetup:
    """The context for a certificate (PEM, the chain may follow it) and its key (PEM, not
    protected by a passphrase). Raises :class:`TlsError` with a clear message."""
    from cryptography import x509

    cert_name, key_name = str(cert_file), str(key_file)
    texts: dict[str, bytes] = {}
    for option, name in (("--tls-cert", cert_name), ("--tls-key", key_name)):
        try:
            with open(name, "rb") as file:
                texts[option] = file.read()
        except OSError as exc:
            raise TlsError(f"cannot read {option} {name}: {exc.strerror or exc}") from None
    try:
        certs = x509.load_pem_x509_certificates(texts["--tls-cert"])
    except ValueError:
        raise TlsError(
            f"--tls-cert {cert_name} holds no PEM certificate (-----BEGIN CERTIFICATE-----)"
        ) from None
    if b"PRIVATE KEY-----" not in texts["--tls-key"]:
        raise TlsError(f"--tls-key {key_name} holds no PEM private key (-----BEGIN ... KEY-----)")
    if b"ENCRYPTED" in texts["--tls-key"]:
        raise TlsError(
            f"--tls-key {key_name} is protected by a passphrase: give a key without one "
            f"(openssl pkey -in {key_name} -out plain-key.pem)"
        )
    try:
        context = _context(cert_name, key_name)
    except ssl.SSLError as exc:
        if "KEY_VALUES_MISMATCH" in str(exc) or exc.reason == "KEY_VALUES_MISMATCH":
            raise TlsError(
                f"the key in {key_name} does not belong to the certificate in {cert_name}"
            ) from None
        raise TlsError(
            f"cannot use --tls-cert {cert_name} with --tls-key {key_name}: {exc.reason or exc}"
        ) from None
    except OSError as exc:  # (read between the check above and now)
        raise TlsError(f"cannot read {cert_name} or {key_name}: {exc.strerror or exc}") from None
    return _setup(context, certs[0], self_signed=False, source=cert_name)


def _setup(context: ssl.SSLContext, cert: object, *, self_signed: bool, source: str) -> TlsSetup:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    assert isinstance(cert, x509.Certificate)
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names = tuple(str(v) for v in san.get_values_for_type(x509.DNSName))
        names += tuple(str(v) for v in san.get_values_for_type(x509.IPAddress))
    except x509.ExtensionNotFound:
        names = ()
    digest = cert.fingerprint(hashes.SHA256()).hex().upper()
    return TlsSetup(
        context=context,
        subject=cert.subject.rfc4514_string(),
        names=names,
        fingerprint=":".join(digest[i : i + 2] for i in range(0, len(digest), 2)),
        not_after=cert.not_valid_after_utc,
        self_signed=self_signed,
        source=source,
    )


# -- the simulated servers' side ----------------------------------------------------------


def offers_tls(personality: Personality) -> bool:
    """The personality models STARTTLS and AUTH (Postfix 3, with Postfix's replies)."""
    return personality.syntax is CommandSyntax.POSTFIX and {"STARTTLS", "AUTH"} <= (
        personality.recognised
    )


def offer_tls_and_auth(world: World, targets: Iterable[str], scenario: Scenario) -> list[str]:
    """Turn on STARTTLS and AUTH in the served MTAs where the scenario leaves them unset, as
    a submission server is set up today (Postfix's ``smtpd_tls_security_level = may``,
    ``smtpd_sasl_auth_enable = yes``, ``smtpd_tls_auth_only = yes``: no password before
    STARTTLS). What the scenario sets is kept. Returns what to tell the user."""
    notes: list[str] = []
    for name in dict.fromkeys(targets):
        mta = world.mtas.get(name)
        host = scenario.host(name)
        if mta is None or host is None or host.mta is None:
            continue
        spec = host.mta
        if not offers_tls(mta.personality):
            notes.append(
                f"{mta.hostname} ({mta.personality.name}) has no STARTTLS and no AUTH, as the "
                "real one: real clients talk plain SMTP to it"
            )
            continue
        mta.personality = configured(
            mta.personality,
            smtpd_tls_security_level="may" if spec.smtpd_tls_security_level is None else None,
            smtpd_sasl_auth_enable=True if spec.smtpd_sasl_auth_enable is None else None,
            smtpd_tls_auth_only=True if spec.smtpd_tls_auth_only is None else None,
        )
        p = mta.personality
        offers = ["STARTTLS"] if p.starttls else []
        if p.sasl_mechanisms:
            after = " after STARTTLS" if p.tls_auth_only else ""
            offers.append(f"AUTH {' '.join(p.sasl_mechanisms)}{after}")
        if offers:
            notes.append(
                f"{mta.hostname} offers {' and '.join(offers)} (the users' passwords: "
                f"the scenario's, else {DEFAULT_PASSWORD!r})"
            )
    return notes


def served_names(world: World, specs: Sequence[ListenSpec]) -> list[str]:
    """The names the served servers greet with: a self-signed certificate is for them."""
    names: list[str] = []
    for spec in specs:
        host = world.host_named(spec.target) if spec.target else None
        name = host.name if host is not None else next(iter(world.mtas), None)
        mta = world.mtas.get(name) if name is not None else None
        if mta is not None:
            names.append(mta.hostname)
        elif name is not None:
            names.append(name)
    return list(dict.fromkeys(names)) or ["localhost"]
