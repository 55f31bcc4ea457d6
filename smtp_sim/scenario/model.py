"""Scenario files: a whole virtual network in one TOML file, as pydantic models.

A scenario names its hosts, the links between them, DNS, the MTAs and their users, lists and
aliases, and the messages the users send on a timeline. These models say what each table may
hold (unknown keys are errors, never silently ignored); ``files.load_scenario`` reads a file
into a :class:`Scenario`, ``cross_checks`` finds what no single table can know, and
``build.build_world`` turns it into a ready world with the messages scheduled on its clock.

The models are meant to be extended: a later ``[[faults]]`` list is one more field on
:class:`Scenario` and one more loop in ``build_world``; a lesson format can hold a
:class:`Scenario` and load with :func:`files.parse_document`.
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, model_validator

from ..protocol.personalities import DEFAULT_PERSONALITY
from ..world.mta import DEFAULT_LIFETIME, DEFAULT_RETRY
from ..world.world import DEFAULT_START
from .fields import (
    AddressList,
    AddressOrLocal,
    AwareDatetime,
    ContentType,
    DkimPrivateKey,
    DnsLabel,
    DnsName,
    Duration,
    HostName,
    IPv4,
    MailAddress,
    PersonalityId,
    ScenarioId,
    SpecModel,
)
from .problems import invalid_value

# -- the tables --------------------------------------------------------------------------------


class MtaSpec(SpecModel):
    """``[hosts.mta]``: the mail server running on a host."""

    personality: PersonalityId = DEFAULT_PERSONALITY
    hostname: HostName | None = None  # the name in its banner; default: the host's name
    domains: list[HostName] = Field(default_factory=list)  # final destination for these
    relay_for: list[HostName] = Field(default_factory=list)  # client hosts it relays for
    relay_domains: list[HostName] = Field(default_factory=list)  # e.g. as a backup MX
    open_relay: bool = False
    retry: list[Duration] = Field(default_factory=lambda: list(DEFAULT_RETRY), min_length=1)
    lifetime: Duration = DEFAULT_LIFETIME
    quota: Annotated[int, Field(ge=0)] | None = None  # bytes per mailbox
    # How it relays: MAIL, RCPT and DATA as one group when the next server offers PIPELINING
    # (RFC 2920), and how long an idle relay connection is kept open for more mail to the same
    # domain (Postfix's connection cache; 0: a new connection for every message, the classic).
    pipelining: bool = False
    connection_cache: Duration = 0.0
    # Postfix's main.cf settings that change what a client sees, by their Postfix names.
    # Unset: the personality's own behaviour (Postfix's default for its version).
    smtpd_relay_restrictions: (
        Literal["defer_unauth_destination", "reject_unauth_destination"] | None
    ) = None
    myorigin: HostName | None = None  # unqualified addresses get @myorigin (default: domains[0])
    recipient_delimiter: Annotated[str, Field(max_length=1)] = ""  # Debian sets "+"
    disable_vrfy_command: bool | None = None
    smtpd_helo_required: bool | None = None
    message_size_limit: Annotated[int, Field(ge=1)] | None = None
    smtpd_forbid_unauth_pipelining: bool | None = None
    smtpd_forbid_bare_newline: Literal["no", "normalize", "reject"] | None = None
    smtpd_hard_error_limit: Annotated[int, Field(ge=1)] | None = None
    smtpd_soft_error_limit: Annotated[int, Field(ge=1)] | None = None
    # SMTP AUTH (PLAIN and LOGIN, the users' passwords) and STARTTLS (Postfix personalities):
    # smtpd_tls_security_level = "may" offers STARTTLS; smtpd_tls_auth_only: AUTH only in TLS
    smtpd_sasl_auth_enable: bool | None = None
    smtpd_tls_security_level: Literal["none", "may"] | None = None
    smtpd_tls_auth_only: bool | None = None
    # sendmail's PrivacyOptions beyond Debian's default .mc (sendmail personalities only)
    privacy_options: Literal["goaway"] | None = None
    # Mail authentication (world/mail_auth.py): sign what its users send with the key of the
    # From: domain ([[dkim]], or one derived from the seed, published in DNS); check SPF, DKIM
    # and DMARC on mail arriving on port 25 and write Authentication-Results:; answer a
    # DMARC p=reject with 550 (OpenDMARC's RejectFailures; false: deliver, header only).
    dkim_sign: bool = False
    auth_checks: bool = False
    dmarc_reject_failures: bool = True
    # What it does about TLS when it relays (world/tls.py): STARTTLS whenever the next server
    # offers it; "opportunistic" (RFC 7435) warns about a bad certificate and goes on, or
    # sends in plaintext when STARTTLS is not offered; "required" (MTA-STS enforce, RFC 8461
    # section 5) refuses both, and the message waits in the queue
    tls_policy: Literal["opportunistic", "required"] = "opportunistic"


class TlsSpec(SpecModel):
    """``[hosts.tls]``: the host's mail server offers TLS, with a certificate made from the
    scenario's seed (world/tls.py): STARTTLS on ports 25 and 587 (RFC 3207), and with
    ``implicit`` TLS from the first byte on port 465 (RFC 8314 section 3). ``problems``:
    what is wrong with its certificate (made for another name, expired, self-signed)."""

    starttls: bool = True
    implicit: bool = False
    problems: list[Literal["wrong_name", "expired", "self_signed"]] = Field(default_factory=list)


class HostSpec(SpecModel):
    """``[[hosts]]``: a machine on the network. It gets an A record for its name."""

    name: HostName
    ip: IPv4
    role: Literal["client", "mta", "dns", "router"]
    description: str = ""
    mta: MtaSpec | None = None
    tls: TlsSpec | None = None

    @model_validator(mode="after")
    def _default_mta(self) -> HostSpec:
        if self.role == "mta" and self.mta is None:
            self.mta = MtaSpec()
        return self


class LinkSpec(SpecModel):
    """``[[links]]``: a cable between two hosts; packets take the lowest-latency path."""

    a: HostName
    b: HostName
    latency: Duration = 0.01
    # who else is on the cable (world/tap.py): a tap records every segment as it crossed
    # (plaintext before STARTTLS, ciphertext after); an attacker "striptls" removes STARTTLS
    # from the EHLO replies that cross it
    tap: bool = False
    attacker: Literal["striptls"] | None = None


class MxSpec(SpecModel):
    domain: HostName
    priority: Annotated[int, Field(ge=0, le=65535)]
    host: HostName


class ARecordSpec(SpecModel):
    name: HostName
    ip: IPv4


class TxtSpec(SpecModel):
    """``[[dns.txt]]``: a TXT record: an SPF policy (``v=spf1 ...`` at the domain), a DMARC
    policy (``v=DMARC1; p=...`` at ``_dmarc.DOMAIN``), a DKIM key."""

    name: DnsName
    text: Annotated[str, Field(min_length=1)]


class DnsSpec(SpecModel):
    """``[dns]``: where MTAs send their queries, and the records beyond the hosts' own."""

    server: HostName | None = None  # None: answers come instantly, without a DNS host
    mx: list[MxSpec] = Field(default_factory=list)
    a: list[ARecordSpec] = Field(default_factory=list)
    txt: list[TxtSpec] = Field(default_factory=list)


class DkimSpec(SpecModel):
    """``[[dkim]]``: a domain's DKIM signing key (Ed25519, RFC 8463) and selector. Without
    ``private_key`` the key is derived from the scenario's seed. Its public key is published
    at ``SELECTOR._domainkey.DOMAIN`` unless ``publish = false`` (or a ``[[dns.txt]]`` is
    there already)."""

    domain: HostName
    selector: DnsLabel = "mail"
    private_key: DkimPrivateKey | None = None
    publish: bool = True


class UserSpec(SpecModel):
    """``[[users]]``: a person with a mailbox at the MTA serving their domain."""

    address: MailAddress
    name: str = ""
    client: HostName | None = None  # the host where their mail program runs
    outgoing: HostName | None = None  # submission server; default: their domain's MTA
    port: Annotated[int, Field(ge=1, le=65535)] = 587
    password: str = "secret"  # POP3 (port 110), and SMTP AUTH where the MTA enables it
    pipelining: bool = False  # their mail program pipelines MAIL, RCPT, DATA when offered
    # their mail program's TLS (as [hosts.mta] tls_policy); port = 465: TLS from the start
    tls_policy: Literal["opportunistic", "required"] = "opportunistic"

    @property
    def local(self) -> str:
        return self.address.rpartition("@")[0]

    @property
    def domain(self) -> str:
        return self.address.rpartition("@")[2]


class ListSpec(SpecModel):
    address: MailAddress
    members: Annotated[list[AddressOrLocal], Field(min_length=1)]


class AliasSpec(SpecModel):
    address: MailAddress
    target: AddressOrLocal


class AttachmentSpec(SpecModel):
    filename: Annotated[str, Field(min_length=1)]
    content_type: ContentType
    base64: str | None = None
    text: str | None = None

    @model_validator(mode="after")
    def _one_source(self) -> AttachmentSpec:
        if (self.base64 is None) == (self.text is None):
            raise invalid_value(
                "give the attachment's content once", "exactly one of base64 = ... or text = ..."
            )
        if self.base64 is not None:
            try:
                base64.b64decode("".join(self.base64.split()), validate=True)
            except binascii.Error as exc:
                raise invalid_value(
                    f"base64 content does not decode: {exc}",
                    "base64 text (A-Z, a-z, 0-9, +, /, = padding)",
                ) from None
        return self

    @property
    def data(self) -> bytes:
        if self.base64 is not None:
            return base64.b64decode("".join(self.base64.split()))
        return (self.text or "").encode("utf-8")


class MessageSpec(SpecModel):
    """``[[messages]]``: at time ``at``, the user ``from`` presses Send in their mail program."""

    model_config = ConfigDict(populate_by_name=True)

    at: Duration = 0.0
    sender: MailAddress = Field(alias="from")
    to: Annotated[AddressList, Field(min_length=1)]
    cc: AddressList = Field(default_factory=list)
    subject: str = ""
    body: str = ""
    encoding: Literal["quoted-printable", "base64", "7bit", "8bit"] | None = None
    attachments: list[AttachmentSpec] = Field(default_factory=list)
    # The From: the mail program writes instead of the sender's own: a forged author (the
    # envelope's MAIL FROM stays the sender's), what SPF alone does not see and DMARC does
    header_from: MailAddress | None = None


def _fault_schema(schema: dict[str, Any]) -> None:
    """The JSON Schema of ``[[faults]]``: the kinds, and for each kind the keys it takes."""
    from ..world.faults import FAULT_KINDS

    schema["properties"]["kind"]["enum"] = list(FAULT_KINDS)
    schema["allOf"] = [
        {
            "if": {"properties": {"kind": {"const": name}}, "required": ["kind"]},
            "then": {
                "description": fault.summary,
                "properties": {"at": True, "kind": True, **fault.json_schema()},
                "required": list(fault.required),
                "additionalProperties": False,
            },
        }
        for name, fault in FAULT_KINDS.items()
    ]


class FaultSpec(SpecModel):
    """``[[faults]]``: at time ``at``, something goes wrong (or is mended).

    ``kind`` is one of the fault kinds (``host-down``, ``reply``, ``greylist``...: see
    ``smtp_sim.world.faults.FAULT_KINDS``); the other keys are its parameters, checked with
    the scenario (:meth:`Scenario.check`) by the fault module's own rules."""

    model_config = ConfigDict(extra="allow", json_schema_extra=_fault_schema)

    at: Duration = 0.0
    kind: str

    @property
    def params(self) -> dict[str, object]:
        return dict(self.model_extra or {})


class Scenario(SpecModel):
    """The root of a scenario file."""

    id: ScenarioId
    title: str
    description: str = ""
    seed: int = 0
    start: AwareDatetime = DEFAULT_START
    hosts: Annotated[list[HostSpec], Field(min_length=1)]
    links: list[LinkSpec] = Field(default_factory=list)
    dns: DnsSpec = Field(default_factory=DnsSpec)
    users: list[UserSpec] = Field(default_factory=list)
    lists: list[ListSpec] = Field(default_factory=list)
    aliases: list[AliasSpec] = Field(default_factory=list)
    messages: list[MessageSpec] = Field(default_factory=list)
    faults: list[FaultSpec] = Field(default_factory=list)
    dkim: list[DkimSpec] = Field(default_factory=list)

    def host(self, name: str) -> HostSpec | None:
        return next((h for h in self.hosts if h.name == name), None)

    def mta_for(self, domain: str) -> HostSpec | None:
        """The MTA host that is the final destination for ``domain``."""
        domain = domain.lower()
        return next((h for h in self.hosts if h.mta and domain in h.mta.domains), None)
