"""Scenario files: a whole virtual network in one TOML file, validated before anything runs.

A scenario names its hosts, the links between them, DNS, the MTAs and their users, lists and
aliases, and the messages the users send on a timeline. ``load_scenario`` reads a file (or a
built-in id such as ``classroom``) into a :class:`Scenario`; ``build_world`` turns that into a
ready :class:`World` with the messages scheduled on its clock. Every mistake in a file is a
:class:`Problem` pointing at its line: unknown keys are errors, never silently ignored.

The models are meant to be extended: a later ``[[faults]]`` list is one more field on
:class:`Scenario` and one more loop in ``build_world``; a lesson format can subclass
:class:`Scenario` (and its ``check``) and load with :func:`parse_document`.
"""

from __future__ import annotations

import base64
import binascii
import tomllib
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..protocol.personalities import (
    DEFAULT_PERSONALITY,
    configured,
    get_personality,
    with_privacy_options,
)
from ..protocol.replies import ReplyKind
from ..textio import STDIN, STDIN_NAME, stdin_bytes
from .agent import Attachment, UserAgent
from .faults import schedule_fault
from .mta import DEFAULT_LIFETIME, DEFAULT_RETRY
from .problems import (
    Issue,
    Problem,
    ScenarioError,
    TomlLocator,
    issues_from_validation,
    problems_from_validation,
    to_problems,
    toml_problem,
)
from .scenario_checks import FaultEntry, check_faults, check_scenario
from .scenario_types import (
    AddressList,
    AddressOrLocal,
    AwareDatetime,
    ContentType,
    Duration,
    HostName,
    IPv4,
    MailAddress,
    PersonalityId,
    ScenarioId,
    SpecModel,
    invalid,
    parse_duration,
)
from .world import DEFAULT_START, World

__all__ = [
    "Duration",
    "Problem",
    "Scenario",
    "ScenarioError",
    "build_world",
    "builtin_dir",
    "list_builtin",
    "load_scenario",
    "parse_duration",
    "parse_scenario",
    "problems_from_validation",
]


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
    # sendmail's PrivacyOptions beyond Debian's default .mc (sendmail personalities only)
    privacy_options: Literal["goaway"] | None = None


class HostSpec(SpecModel):
    """``[[hosts]]``: a machine on the network. It gets an A record for its name."""

    name: HostName
    ip: IPv4
    role: Literal["client", "mta", "dns", "router"]
    description: str = ""
    mta: MtaSpec | None = None

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


class MxSpec(SpecModel):
    domain: HostName
    priority: Annotated[int, Field(ge=0, le=65535)]
    host: HostName


class ARecordSpec(SpecModel):
    name: HostName
    ip: IPv4


class DnsSpec(SpecModel):
    """``[dns]``: where MTAs send their queries, and the records beyond the hosts' own."""

    server: HostName | None = None  # None: answers come instantly, without a DNS host
    mx: list[MxSpec] = Field(default_factory=list)
    a: list[ARecordSpec] = Field(default_factory=list)


class UserSpec(SpecModel):
    """``[[users]]``: a person with a mailbox at the MTA serving their domain."""

    address: MailAddress
    name: str = ""
    client: HostName | None = None  # the host where their mail program runs
    outgoing: HostName | None = None  # submission server; default: their domain's MTA
    port: Annotated[int, Field(ge=1, le=65535)] = 587
    password: str = "secret"  # for collecting mail over POP3 (port 110)
    pipelining: bool = False  # their mail program pipelines MAIL, RCPT, DATA when offered

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
            raise invalid(
                "give the attachment's content once", "exactly one of base64 = ... or text = ..."
            )
        if self.base64 is not None:
            try:
                base64.b64decode("".join(self.base64.split()), validate=True)
            except binascii.Error as exc:
                raise invalid(
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


def _fault_schema(schema: dict[str, Any]) -> None:
    """The JSON Schema of ``[[faults]]``: the kinds, and for each kind the keys it takes."""
    from .faults import FAULT_KINDS

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

    def check(self) -> list[Issue]:
        """Cross-checks between tables (names that must exist, domains served once, ...),
        and the faults' parameters (what ``faults.apply_fault`` would refuse)."""
        return self.fault_issues(self.fault_entries())

    def fault_entries(self) -> list[FaultEntry]:
        return [
            FaultEntry(("faults", i, "kind"), ("faults", i), f.kind, f.params)
            for i, f in enumerate(self.faults)
        ]

    def fault_issues(self, entries: list[FaultEntry]) -> list[Issue]:
        """This scenario's cross-check issues, then the mistakes in ``entries`` (its own
        faults, or a lesson's timeline): checked against its network, built without messages
        or faults, when the scenario has no other problem; else their values only."""
        issues = check_scenario(self)
        if not entries:
            return issues
        return issues + check_faults(entries, None if issues else _network(self))

    def host(self, name: str) -> HostSpec | None:
        return next((h for h in self.hosts if h.name == name), None)

    def mta_for(self, domain: str) -> HostSpec | None:
        """The MTA host that is the final destination for ``domain``."""
        domain = domain.lower()
        return next((h for h in self.hosts if h.mta and domain in h.mta.domains), None)


# -- loading -----------------------------------------------------------------------------------

M = TypeVar("M", bound=BaseModel)


def parse_document(source: str, model: type[M], file: str = "<string>") -> M:
    """Validate TOML text against ``model`` and its ``check()``; raises :class:`ScenarioError`."""
    try:
        raw = tomllib.loads(source)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError([toml_problem(file, source, str(exc))]) from None
    locator = TomlLocator(source)
    try:
        # (the context: a document may name other files relative to its own folder)
        document = model.model_validate(raw, context={"file": file})
    except ValidationError as exc:
        raise ScenarioError(
            to_problems(issues_from_validation(exc, model), file, locator)
        ) from None
    check = getattr(document, "check", None)
    issues = check() if callable(check) else []
    if issues:
        raise ScenarioError(to_problems(issues, file, locator))
    return document


def parse_scenario(source: str, file: str = "<string>") -> Scenario:
    return parse_document(source, Scenario, file)


def builtin_dir() -> Path:
    """Where the built-in scenarios and lessons are: ``smtp_sim/lessons`` in an installed wheel
    (the top-level ``lessons/`` folder, shipped inside the package), or that ``lessons/`` folder
    itself beside the package in a checkout or an editable install."""
    package = Path(str(resources.files("smtp_sim")))  # (a folder: lessons name files beside them)
    shipped = package / "lessons"
    return shipped if shipped.is_dir() else package.parent / "lessons"


def list_builtin() -> list[str]:
    """The ids of the built-in scenarios and lessons, sorted."""
    directory = builtin_dir()
    return sorted(p.stem for p in directory.glob("*.toml")) if directory.is_dir() else []


def names_a_file(ref: str) -> bool:
    """True when ``ref`` is written as a file name (``x.toml``, ``dir/x``), not a built-in id."""
    return ref.endswith(".toml") or "/" in ref or "\\" in ref


def read_document(ref: str | Path) -> tuple[str, str]:
    """``(source, file name to show)`` for a path or a built-in id; ScenarioError if neither."""
    text = str(ref)
    if not text.strip():
        raise ScenarioError(
            [
                Problem(
                    "(nothing)",
                    1,
                    "(file)",
                    "no file or id given",
                    "a path to a .toml file or a built-in id, e.g. classroom",
                )
            ]
        )
    if text == STDIN and not isinstance(ref, Path):  # (`smtp-sim check -`)
        return _decoded(stdin_bytes(), STDIN_NAME)
    path = Path(ref)
    is_path = isinstance(ref, Path) or names_a_file(text) or path.exists()
    if not is_path:
        builtin = builtin_dir() / f"{text}.toml"
        if not builtin.is_file():
            known = ", ".join(list_builtin()) or "none installed"
            raise ScenarioError(
                [
                    Problem(
                        text,
                        1,
                        "(file)",
                        f"no scenario file or built-in scenario named {text!r}",
                        f"a path to a .toml file or a built-in id: {known}",
                    )
                ]
            )
        path, text = builtin, str(builtin)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ScenarioError(
            [Problem(text, 1, "(file)", "no such file", "a scenario .toml file")]
        ) from None
    except IsADirectoryError:
        raise ScenarioError(
            [Problem(text, 1, "(file)", "is a directory", "a scenario .toml file")]
        ) from None
    except OSError as exc:
        raise ScenarioError(
            [Problem(text, 1, "(file)", f"cannot read: {exc.strerror}", "a readable .toml file")]
        ) from None
    return _decoded(data, text)


def _decoded(data: bytes, text: str) -> tuple[str, str]:
    try:
        return data.decode("utf-8"), text
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ScenarioError(
            [Problem(text, line, "(file)", "not UTF-8 text", "a TOML file in UTF-8")]
        ) from None


def load_scenario(ref: str | Path) -> Scenario:
    """Read and validate a scenario from a path or a built-in id (``classroom``)."""
    source, file = read_document(ref)
    return parse_scenario(source, file)


# -- building the world ------------------------------------------------------------------------


def build_world(scenario: Scenario, *, seed: int | None = None) -> World:
    """A world wired as ``scenario`` says, its messages scheduled on the clock.

    ``seed`` overrides the scenario's seed. Raises :class:`ScenarioError` when the scenario's
    cross-checks fail (a scenario built in Python is checked as a file would be)."""
    issues = check_scenario(scenario)
    world = None if issues else _network(scenario, seed=seed)
    issues += check_faults(scenario.fault_entries(), world)
    if issues or world is None:
        raise ScenarioError(to_problems(issues, f"<scenario {scenario.id}>", None))
    agents: dict[str, UserAgent] = {}
    for user in scenario.users:
        if user.client is None:
            continue
        served_by = scenario.mta_for(user.domain)
        outgoing = user.outgoing or (served_by.name if served_by else "")
        agents[user.address.lower()] = world.add_agent(
            user.client,
            user.address,
            user.name,
            outgoing,
            user.port,
            pipelining=user.pipelining,
        )
    for i, message in enumerate(scenario.messages):
        world.clock.at(
            message.at, _send, agents[message.sender.lower()], message, label=f"messages[{i}]"
        )
    for fault in scenario.faults:
        schedule_fault(world, fault.at, fault.kind, **fault.params)
    return world


def _network(scenario: Scenario, *, seed: int | None = None) -> World:
    """The scenario's hosts, links, DNS and MTAs (no users' mail programs, nothing scheduled);
    the scenario's cross-checks must have passed."""
    world = World(seed=scenario.seed if seed is None else seed, start=scenario.start)
    for host in scenario.hosts:
        world.add_host(host.name, host.ip, host.role, description=host.description)
    for link in scenario.links:
        world.add_link(link.a, link.b, link.latency)
    world.set_dns_server(scenario.dns.server)
    for record in scenario.dns.a:
        world.zone.add_a(record.name, record.ip)
    for mx in scenario.dns.mx:
        world.zone.add_mx(mx.domain, mx.priority, mx.host)
    for host in scenario.hosts:
        if host.mta is not None:
            _add_mta(world, scenario, host)
    return world


def _add_mta(world: World, scenario: Scenario, host: HostSpec) -> None:
    mta = host.mta
    assert mta is not None
    domains = set(mta.domains)
    users = {u.local: u.name for u in scenario.users if u.domain in domains}
    lists = {
        entry.address.rpartition("@")[0].lower(): list(entry.members)
        for entry in scenario.lists
        if entry.address.rpartition("@")[2] in domains
    }
    aliases = {
        entry.address.rpartition("@")[0].lower(): entry.target
        for entry in scenario.aliases
        if entry.address.rpartition("@")[2] in domains
    }
    personality = configured(
        get_personality(mta.personality),
        disable_vrfy_command=mta.disable_vrfy_command,
        smtpd_helo_required=mta.smtpd_helo_required,
        message_size_limit=mta.message_size_limit,
        smtpd_forbid_unauth_pipelining=mta.smtpd_forbid_unauth_pipelining,
        smtpd_forbid_bare_newline=mta.smtpd_forbid_bare_newline,
        smtpd_hard_error_limit=mta.smtpd_hard_error_limit,
        smtpd_soft_error_limit=mta.smtpd_soft_error_limit,
    )
    if mta.privacy_options:
        personality = with_privacy_options(personality, mta.privacy_options)
    added = world.add_mta(
        host.name,
        personality=personality,
        hostname=mta.hostname or host.name,
        domains=list(mta.domains),
        users=users,
        lists=lists,
        aliases=aliases,
        relay_clients=list(mta.relay_for),
        relay_domains=list(mta.relay_domains),
        open_relay=mta.open_relay,
        retry=tuple(mta.retry),
        lifetime=mta.lifetime,
        quota=mta.quota,
        pipelining=mta.pipelining,
        connection_cache=mta.connection_cache,
        relay_refusal=_RELAY_REFUSALS.get(
            mta.smtpd_relay_restrictions or "", personality.relay_refusal
        ),
        myorigin=mta.myorigin,
        recipient_delimiter=mta.recipient_delimiter,
    )
    added.passwords.update(
        {u.address.lower(): u.password for u in scenario.users if u.domain in domains}
    )


#: smtpd_relay_restrictions' last word: how a refused relay is answered
_RELAY_REFUSALS = {
    "defer_unauth_destination": ReplyKind.RELAY_DEFERRED,
    "reject_unauth_destination": ReplyKind.RELAY_DENIED,
}


def _send(agent: UserAgent, message: MessageSpec) -> None:
    attachments = tuple(Attachment(a.filename, a.content_type, a.data) for a in message.attachments)
    agent.send(
        list(message.to),
        message.subject,
        message.body,
        attachments=attachments,
        cc=list(message.cc) or None,
        transfer_encoding=message.encoding,
    )
