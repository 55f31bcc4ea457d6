"""From a checked :class:`Scenario` to a ready world: hosts, links, DNS and MTAs wired, the
users' mail programs added, the messages and faults scheduled on the clock."""

from __future__ import annotations

from ..protocol.delivery import TlsPolicy
from ..protocol.personalities import configured, get_personality, with_privacy_options
from ..protocol.replies import ReplyKind
from ..world.agent import Attachment, UserAgent
from ..world.faults import schedule_fault
from ..world.mail_auth import DkimKey, MailAuthConfig, derived_key
from ..world.tls import CertProblem, TlsOffer
from ..world.world import World
from .cross_checks import FaultEntry, check_faults, check_scenario, fault_entries
from .model import HostSpec, MessageSpec, MtaSpec, Scenario
from .problems import Issue, ScenarioError, to_problems


def scenario_issues(scenario: Scenario, entries: list[FaultEntry] | None = None) -> list[Issue]:
    """What is wrong with ``scenario`` beyond its tables' types: the cross-checks between
    tables (names that must exist, domains served once, ...), then the mistakes in
    ``entries`` (by default its own ``[[faults]]``; a lesson gives its timeline's), what
    ``faults.apply_fault`` would refuse: checked against its network, built without messages
    or faults, when the scenario has no other problem; else their values only."""
    if entries is None:
        entries = fault_entries(scenario)
    issues = check_scenario(scenario)
    if not entries:
        return issues
    return issues + check_faults(entries, None if issues else build_network(scenario))


def build_world(scenario: Scenario, *, seed: int | None = None) -> World:
    """A world wired as ``scenario`` says, its messages scheduled on the clock.

    ``seed`` overrides the scenario's seed. Raises :class:`ScenarioError` when the scenario's
    cross-checks fail (a scenario built in Python is checked as a file would be)."""
    issues = check_scenario(scenario)
    world = None if issues else build_network(scenario, seed=seed)
    issues += check_faults(fault_entries(scenario), world)
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
            password=user.password,  # (AUTH PLAIN where the server offers it)
            tls_policy=TlsPolicy(user.tls_policy),
        )
    for i, message in enumerate(scenario.messages):
        world.clock.at(
            message.at, _send, agents[message.sender.lower()], message, label=f"messages[{i}]"
        )
    for fault in scenario.faults:
        schedule_fault(world, fault.at, fault.kind, **fault.params)
    return world


def build_network(scenario: Scenario, *, seed: int | None = None) -> World:
    """The scenario's hosts, links, DNS and MTAs (no users' mail programs, nothing scheduled);
    the scenario's cross-checks must have passed."""
    world = World(seed=scenario.seed if seed is None else seed, start=scenario.start)
    for host in scenario.hosts:
        added = world.add_host(host.name, host.ip, host.role, description=host.description)
        if host.tls is not None:
            added.tls = TlsOffer(
                starttls=host.tls.starttls,
                implicit=host.tls.implicit,
                problems=frozenset(CertProblem(p) for p in host.tls.problems),
            )
    for link in scenario.links:
        made = world.add_link(link.a, link.b, link.latency)
        made.tap, made.attacker = link.tap, link.attacker
    world.network.watch_changed()
    world.set_dns_server(scenario.dns.server)
    for record in scenario.dns.a:
        world.zone.add_a(record.name, record.ip)
    for mx in scenario.dns.mx:
        world.zone.add_mx(mx.domain, mx.priority, mx.host)
    for txt in scenario.dns.txt:
        world.zone.add_txt(txt.name, txt.text)
    keys = _dkim_keys(world, scenario)
    for host in scenario.hosts:
        if host.mta is not None:
            _add_mta(world, scenario, host, keys)
    return world


def _dkim_keys(world: World, scenario: Scenario) -> dict[str, DkimKey]:
    """Each signing domain's key: given, or derived from the world's seed for the domains
    of a signing MTA; public keys published where no TXT record is given."""
    keys: dict[str, DkimKey] = {}
    publish: set[str] = set()
    for spec in scenario.dkim:
        key = derived_key(world.seed, spec.domain, spec.selector)
        if spec.private_key is not None:
            key = DkimKey(spec.domain, spec.selector, spec.private_key)
        keys[spec.domain] = key
        if spec.publish:
            publish.add(spec.domain)
    for host in scenario.hosts:
        if host.mta is not None and host.mta.dkim_sign:
            for domain in host.mta.domains:
                if domain not in keys:
                    keys[domain] = derived_key(world.seed, domain)
                    publish.add(domain)
    for domain, key in keys.items():
        if domain in publish and key.record_name not in world.zone.txt:
            world.zone.add_txt(key.record_name, key.public_record())
    return keys


def _add_mta(world: World, scenario: Scenario, host: HostSpec, keys: dict[str, DkimKey]) -> None:
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
        smtpd_sasl_auth_enable=mta.smtpd_sasl_auth_enable,
        smtpd_tls_security_level=mta.smtpd_tls_security_level
        or ("may" if host.tls is not None and host.tls.starttls else None),
        smtpd_tls_auth_only=mta.smtpd_tls_auth_only,
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
        auth=_auth_config(mta, keys),
        tls_policy=TlsPolicy(mta.tls_policy),
    )
    added.passwords.update(
        {u.address.lower(): u.password for u in scenario.users if u.domain in domains}
    )


def _auth_config(mta: MtaSpec, keys: dict[str, DkimKey]) -> MailAuthConfig | None:
    """The MTA's mail-authentication switches (None when it uses none: the classic)."""
    if not (mta.dkim_sign or mta.auth_checks):
        return None
    return MailAuthConfig(
        sign=mta.dkim_sign,
        check=mta.auth_checks,
        reject_failures=mta.dmarc_reject_failures,
        keys={d: k for d, k in keys.items() if d in mta.domains} if mta.dkim_sign else {},
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
        **({"header_from": message.header_from} if message.header_from else {}),
    )
