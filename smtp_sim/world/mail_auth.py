"""SPF (RFC 7208), DKIM (RFC 6376) and DMARC (RFC 7489) in the simulated network.

A sending MTA signs the mail its users submit (a ``DKIM-Signature:`` field, RFC 6376 3.5); a
receiving MTA checks mail arriving on port 25 from the rest of the network: SPF for the client's
address against the MAIL FROM domain (and the HELO name, RFC 7208 2.3 and 2.4), the DKIM
signature, and the DMARC policy of the From: domain (alignment, RFC 7489 3.1; the policy, 6.3),
then writes an ``Authentication-Results:`` field (RFC 8601 2.2) on the message. Every lookup
goes to the world's zone (:meth:`Resolver.lookup`, with its records in the trace); no wall clock
is read: signatures carry the simulated calendar's time (``t=``), and expiry is judged by it.

Libraries, each pointed at the simulated DNS, imported only when a check or a signature runs
(a world that does not opt in never loads them):

- **DKIM: dkimpy** signs and verifies; its ``dnsfunc`` answers key lookups from the zone. The
  keys are Ed25519 (RFC 8463, ``a=ed25519-sha256``, PyNaCl): a key is a 32-byte seed, so one
  can be derived from the scenario's seed (RSA key generation takes the system's randomness).
  dkimpy reads ``time.time()`` for the ``t=`` it writes and for its ``t=``/``x=`` checks and
  takes no clock: :class:`_SimulatedTime` stands in its module's ``time`` and answers the
  simulated time while a signature or check of ours runs (a context variable, so another
  thread, or a caller of dkimpy outside the simulation, gets the real time).
- **SPF: pyspf** (the SPF implementation of the RFC's authors, used by pypolicyd-spf), a
  subclass of its ``query`` whose ``dns()`` answers TXT, A and MX from the zone (its own goes
  to the real DNS with dnspython, with no way to give it a resolver).
- **DMARC: authheaders** ``check_dmarc`` with a ``dnsfunc`` for the ``_dmarc.`` lookups; the
  organizational domain from its bundled public suffix list (its ``get_org_domain`` parses
  the list on every call: it is wrapped in an ``lru_cache`` once). Its ``pct=`` is not
  applied (authheaders ignores it; OpenDMARC samples it with ``random()``).
- **Authentication-Results: authres** (authheaders' own dependency) writes each result.

Written here by hand: only the glue (which identities are checked, what the MTA does with the
DMARC result), because that is the receiving server's policy, not a library's.
"""

from __future__ import annotations

import base64
import contextvars
import functools
import hashlib
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import getaddresses
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .dns import Resolver

#: the headers a signature covers (RFC 6376 5.4.1's recommended set, those a mail program writes)
SIGNED_HEADERS = (
    "from",
    "to",
    "cc",
    "subject",
    "date",
    "message-id",
    "reply-to",
    "mime-version",
    "content-type",
    "content-transfer-encoding",
)
DEFAULT_SELECTOR = "mail"


class Disposition(StrEnum):
    """What the receiving MTA does with a message after the checks."""

    DELIVER = "deliver"
    JUNK = "junk"  # DMARC quarantine: into the mailbox's Junk folder
    REJECT = "reject"  # DMARC reject: 550 at the final dot


@dataclass(frozen=True, slots=True)
class DkimKey:
    """A domain's signing key: an Ed25519 seed, base64 (the form dkimpy's ``dknewkey
    --ktype ed25519`` writes), published at ``SELECTOR._domainkey.DOMAIN``."""

    domain: str
    selector: str
    private_key: str

    @property
    def record_name(self) -> str:
        return f"{self.selector}._domainkey.{self.domain}"

    def public_record(self) -> str:
        """The TXT record that publishes the public key (RFC 6376 3.6.1, RFC 8463 4)."""
        import nacl.signing

        seed = base64.b64decode(self.private_key)
        public = nacl.signing.SigningKey(seed).verify_key.encode()
        return f"v=DKIM1; k=ed25519; p={base64.b64encode(public).decode()}"


def derived_key(seed: int, domain: str, selector: str = DEFAULT_SELECTOR) -> DkimKey:
    """The key of ``domain`` in a world of ``seed``: the same seed, the same key."""
    material = hashlib.sha256(f"smtp-sim dkim {seed} {domain} {selector}".encode()).digest()
    return DkimKey(domain, selector, base64.b64encode(material).decode())


def valid_private_key(text: str) -> bool:
    """Whether ``text`` is a base64 Ed25519 seed (32 bytes)."""
    try:
        return len(base64.b64decode("".join(text.split()), validate=True)) == 32
    except ValueError:
        return False


@dataclass
class MailAuthConfig:
    """An MTA's switches: sign what its users send, check what arrives from outside, and
    whether a DMARC ``p=reject`` is answered with a rejection (OpenDMARC's
    ``RejectFailures``; without it the message is delivered with its header)."""

    sign: bool = False
    check: bool = False
    reject_failures: bool = True
    keys: dict[str, DkimKey] = field(default_factory=dict)  # signing domain -> key


@dataclass(frozen=True, slots=True)
class AuthResult:
    """The checks of one message and what the MTA does with it."""

    spf: str  # pass, fail, softfail, neutral, none, permerror, temperror
    spf_identity: str  # the MAIL FROM address, or postmaster@HELO for <>
    helo_spf: str
    dkim: str  # pass, fail, none
    dkim_domain: str  # the signature's d=
    dkim_reason: str
    dmarc: str  # pass, fail, none, permerror
    from_domain: str
    policy: str  # the From: domain's policy (p=, or sp= for a subdomain), "" without one
    disposition: Disposition
    header: str  # the Authentication-Results field, folded, without the final CRLF

    def summary(self) -> str:
        """One line for the trace: what each check found and what follows."""
        dkim = f"dkim={self.dkim}"
        if self.dkim_domain:
            dkim += f" (d={self.dkim_domain}{': ' + self.dkim_reason if self.dkim_reason else ''})"
        policy = f" p={self.policy}" if self.policy else ""
        verdict = {
            Disposition.DELIVER: "delivered",
            Disposition.JUNK: "quarantined: into the Junk folder",
            Disposition.REJECT: "rejected",
        }[self.disposition]
        return (
            f"mail authentication: spf={self.spf} ({self.spf_identity}), {dkim}, "
            f"dmarc={self.dmarc} (From: {self.from_domain or '-'}{policy}): {verdict}"
        )

    def info(self) -> tuple[tuple[str, Any], ...]:
        return (
            ("spf", self.spf),
            ("spf_identity", self.spf_identity),
            ("helo_spf", self.helo_spf),
            ("dkim", self.dkim),
            ("dkim_domain", self.dkim_domain),
            ("dmarc", self.dmarc),
            ("from_domain", self.from_domain),
            ("policy", self.policy),
            ("disposition", self.disposition.value),
        )


# -- the simulated time, for dkimpy ------------------------------------------------------------

_NOW: contextvars.ContextVar[int | None] = contextvars.ContextVar("smtp_sim_dkim_now", default=None)


class _SimulatedTime:
    """Stands in for the ``time`` module inside dkimpy: the simulated time while ours runs."""

    @staticmethod
    def time() -> float:
        now = _NOW.get()
        return time.time() if now is None else float(now)

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)


def _dkim() -> Any:
    import dkim  # type: ignore[import-untyped]  # (dkimpy has no type hints)

    if not isinstance(dkim.time, _SimulatedTime):
        dkim.time = _SimulatedTime()
    return dkim


@contextmanager
def _at(now: int) -> Iterator[None]:
    token = _NOW.set(now)
    try:
        yield
    finally:
        _NOW.reset(token)


# -- signing -----------------------------------------------------------------------------------


def from_domain(content: bytes) -> str:
    """The domain of the message's (first) From: address, lower case; "" without one."""
    head = content.split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n"
    value = BytesHeaderParser(policy=compat32).parsebytes(head).get("From")
    if value is None:
        return ""
    addresses = getaddresses([str(value)])
    address = addresses[0][1] if addresses else ""
    return address.rpartition("@")[2].lower() if "@" in address else ""


def sign_message(key: DkimKey, content: bytes, now: int) -> bytes:
    """The ``DKIM-Signature:`` field (ending in CRLF) for ``content``, signed at ``now``
    (seconds since the epoch on the simulated calendar)."""
    dkim = _dkim()
    with _at(now):
        signer = dkim.DKIM(content, signature_algorithm=b"ed25519-sha256")
        field_bytes: bytes = signer.sign(
            key.selector.encode(),
            key.domain.encode(),
            key.private_key.encode(),
            canonicalize=(b"relaxed", b"relaxed"),
            include_headers=[h.encode() for h in SIGNED_HEADERS],
        )
    return field_bytes.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


# -- checking ----------------------------------------------------------------------------------


def check_message(
    resolver: Resolver,
    *,
    checker: str,
    authserv_id: str,
    client_ip: str,
    helo: str,
    mail_from: str,
    content: bytes,
    now: int,
    reject_failures: bool = True,
    message: str | None = None,
) -> AuthResult:
    """SPF, DKIM and DMARC for one message received by the host ``checker``; each DNS
    lookup is asked of ``resolver`` (and recorded)."""
    from authres import (  # type: ignore[import-untyped]  # (untyped)
        DKIMAuthenticationResult,
        SPFAuthenticationResult,
    )

    helo_spf, _ = _spf(resolver, checker, client_ip, "", helo, message)
    if mail_from:
        spf, reason = _spf(resolver, checker, client_ip, mail_from, helo, message)
        identity = mail_from
        spf_result = SPFAuthenticationResult(result=spf, smtp_mailfrom=mail_from)
    else:  # the null sender: the HELO identity stands for it (RFC 7208 2.4)
        spf, identity = helo_spf, f"postmaster@{helo}"
        spf_result = SPFAuthenticationResult(result=spf, smtp_helo=helo)

    dkim_result, dkim_domain, dkim_reason = _dkim_verify(resolver, checker, content, now, message)
    dkim_ar = DKIMAuthenticationResult(
        result=dkim_result, header_d=dkim_domain or None, header_i=None
    )

    def dmarc_txt(name: str) -> str | None:
        found = resolver.lookup(checker, "TXT", name, message)
        records = [t for t in found if t.startswith("v=DMARC1")]
        return records[0] if records else None

    author_domain = from_domain(content)
    try:
        dmarc_ar = _check_dmarc()(content, spf_result, dkim_ar, dnsfunc=dmarc_txt)
    except UnboundLocalError:
        # authheaders 0.16's check_dmarc, for a message with no From: field, returns a
        # result naming a variable it never set. Without a From: field there is no author
        # domain and no policy to apply: RFC 7489 section 5 leaves such a message (invalid
        # under RFC 5322) out of DMARC's scope (a student's From: line typed after the
        # empty line ended the headers stopped the world)
        from authres.dmarc import DMARCAuthenticationResult  # type: ignore[import-untyped]

        dmarc_ar = DMARCAuthenticationResult(result="none")
    if mail_from:  # (the domain alone: RFC 8601 2.7.2 would not have the local-part)
        spf_result.smtp_mailfrom = mail_from.rpartition("@")[2].lower()
    dmarc = str(dmarc_ar.result or "none")
    policy = str(getattr(dmarc_ar, "policy", "") or "") if dmarc != "none" else ""
    disposition = Disposition.DELIVER
    if dmarc == "fail" and policy == "reject" and reject_failures:
        disposition = Disposition.REJECT
    elif dmarc == "fail" and policy in ("quarantine", "reject"):
        disposition = Disposition.JUNK
    # (pyspf's result and reason; the header names the identity checked)
    del reason
    results = [spf_result, dkim_ar, dmarc_ar]
    header = f"Authentication-Results: {authserv_id};" + ";".join(
        f"\r\n\t{result}" for result in results
    )
    return AuthResult(
        spf=spf,
        spf_identity=identity,
        helo_spf=helo_spf,
        dkim=dkim_result,
        dkim_domain=dkim_domain,
        dkim_reason=dkim_reason,
        dmarc=dmarc,
        from_domain=author_domain,
        policy=policy,
        disposition=disposition,
        header=header,
    )


def _check_dmarc() -> Any:
    """authheaders' check_dmarc, its organizational domains remembered: its get_org_domain
    reads and parses the whole public suffix list on every call (about 0.15 s, up to four
    calls a message), and the answer for a name never changes."""
    import authheaders  # type: ignore[import-untyped]  # (untyped)
    import authheaders.dmarc_lookup as lookup  # type: ignore[import-untyped]  # (untyped)

    if not hasattr(lookup.get_org_domain, "cache_info"):
        remembered = functools.lru_cache(maxsize=1024)(lookup.get_org_domain)
        lookup.get_org_domain = authheaders.get_org_domain = remembered
    return authheaders.check_dmarc


def _spf(
    resolver: Resolver, checker: str, ip: str, sender: str, helo: str, message: str | None
) -> tuple[str, str]:
    """pyspf's result and explanation for one identity, its lookups asked of ``resolver``."""
    import spf  # type: ignore[import-untyped]  # (pyspf has no type hints)

    class ZoneQuery(spf.query):  # type: ignore[misc]  # (pyspf is untyped: its class is Any)
        def dns(
            self, name: str, qtype: str, cnames: object = None, ignore_void: bool = False
        ) -> list[Any]:
            name = str(name).rstrip(".").lower()
            answers: list[Any] = []
            if qtype in ("TXT", "A", "MX"):
                found = resolver.lookup(checker, qtype, name, message)
                if qtype == "TXT":
                    answers = [[t.encode()] for t in found]
                elif qtype == "A":
                    answers = found
                else:
                    answers = [(int(p), h) for p, _, h in (f.partition(" ") for f in found)]
            if not answers and not ignore_void:
                self.void_lookups += 1
                if self.void_lookups > spf.MAX_VOID_LOOKUPS:
                    raise spf.PermError(f"Void lookup limit of {spf.MAX_VOID_LOOKUPS} exceeded")
            return answers

    query = ZoneQuery(i=ip, s=sender, h=helo, receiver=checker)
    result, _code, explanation = query.check()
    return str(result), str(explanation)


def _dkim_verify(
    resolver: Resolver, checker: str, content: bytes, now: int, message: str | None
) -> tuple[str, str, str]:
    """(result, the signature's d=, why it failed) for the first DKIM signature."""
    dkim = _dkim()

    def key_txt(name: bytes, timeout: int = 5) -> bytes | None:
        found = resolver.lookup(checker, "TXT", name.decode("ascii", "replace"), message)
        return found[0].encode() if found else None

    with _at(now):
        verifier = dkim.DKIM(content)
        if not verifier.present():
            return "none", "", ""
        try:
            ok = bool(verifier.verify(dnsfunc=key_txt))
            reason = "" if ok else "signature does not verify"
        except dkim.DKIMException as exc:
            ok, reason = False, str(exc)
        except Exception as exc:  # (an author's malformed key record, read by dkimpy's or
            # PyNaCl's decoders: a failed signature, as authheaders counts it)
            ok, reason = False, f"unusable key record: {exc}"
    domain = verifier.signature_fields.get(b"d", b"").decode("ascii", "replace")
    if not domain:  # (dkimpy failed before reading the fields: read d= ourselves)
        domain = _signature_tag(content, "d")
    return ("pass" if ok else "fail"), domain, reason.split(" (got ")[0]


def _signature_tag(content: bytes, tag: str) -> str:
    head = content.split(b"\r\n\r\n", 1)[0].decode("utf-8", "replace")
    unfolded = head.replace("\r\n\t", " ").replace("\r\n ", " ")
    for line in unfolded.split("\r\n"):
        if line.lower().startswith("dkim-signature:"):
            for part in line.partition(":")[2].split(";"):
                name, _, value = part.strip().partition("=")
                if name.strip() == tag:
                    return value.strip()
    return ""
