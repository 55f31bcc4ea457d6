"""Cross-checks of a scenario: what no single table can know on its own.

Each check appends an :class:`Issue` at the key to fix: a link to a host that does not exist, a
user whose domain no MTA serves (or two do), a message from someone without a mail program.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..protocol.personalities import CommandSyntax, get_personality
from ..world.faults import check_fault
from .problems import Issue, Loc

if TYPE_CHECKING:
    from ..world.world import World
    from .model import Scenario

HOST_EXPECTED = "the name of a [[hosts]] entry"


class _Checker:
    def __init__(self, scenario: Scenario) -> None:
        self.s = scenario
        self.issues: list[Issue] = []
        self.hosts: dict[str, int] = {}
        for i, host in enumerate(scenario.hosts):
            self.hosts.setdefault(host.name, i)
        self.serving: dict[str, str] = {}  # domain -> MTA host name

    def add(self, loc: tuple[str | int, ...], message: str, expected: str | None = None) -> None:
        self.issues.append(Issue(loc, message, expected))

    def need_host(
        self, loc: tuple[str | int, ...], name: str, *, also: set[str] | None = None
    ) -> bool:
        if name in self.hosts or (also and name in also):
            return True
        known = list(self.hosts) + sorted(also or ())
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.7)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        self.add(loc, f"no host named {name!r}{hint}", HOST_EXPECTED)
        return False

    # -- the checks ------------------------------------------------------------------------

    def hosts_and_links(self) -> None:
        names: dict[str, int] = {}
        ips: dict[str, int] = {}
        for i, host in enumerate(self.s.hosts):
            if host.name in names:
                self.add(
                    ("hosts", i, "name"),
                    f"host name {host.name!r} is used twice (also hosts[{names[host.name]}])",
                    "each host name once",
                )
            names.setdefault(host.name, i)
            if host.ip in ips:
                self.add(
                    ("hosts", i, "ip"),
                    f"address {host.ip} is used twice "
                    f"(also hosts[{ips[host.ip]}], {self.s.hosts[ips[host.ip]].name})",
                    "a different IPv4 address for each host",
                )
            ips.setdefault(host.ip, i)
            if host.tls is not None:
                self._tls_offer(i, host)
            if host.role != "mta" and host.mta is not None:
                self.add(
                    ("hosts", i, "mta"),
                    f"{host.name} has an mta table but its role is {host.role!r}",
                    'role = "mta"',
                )
        pairs: dict[frozenset[str], int] = {}
        for i, link in enumerate(self.s.links):
            ok = self.need_host(("links", i, "a"), link.a)
            ok = self.need_host(("links", i, "b"), link.b) and ok
            if ok and link.a == link.b:
                self.add(
                    ("links", i, "b"), f"a link from {link.a} to itself", "two different hosts"
                )
            pair = frozenset((link.a, link.b))
            if pair in pairs:
                self.add(
                    ("links", i),
                    f"a second link between {link.a} and {link.b} (also links[{pairs[pair]}])",
                    "one link per pair of hosts",
                )
            pairs.setdefault(pair, i)

    def mtas(self) -> None:
        aliases: dict[str, int] = {}
        for i, host in enumerate(self.s.hosts):
            mta = host.mta
            if mta is None or host.role != "mta":
                continue
            if mta.hostname and mta.hostname != host.name:
                if mta.hostname in self.hosts:
                    self.add(
                        ("hosts", i, "mta", "hostname"),
                        f"{mta.hostname!r} is the name of another host",
                        "a name no other host has",
                    )
                aliases.setdefault(mta.hostname, i)
            for j, client in enumerate(mta.relay_for):
                self.need_host(("hosts", i, "mta", "relay_for", j), client)
            self._tls_and_sasl(i, mta.personality, mta)
            for j, domain in enumerate(mta.domains):
                if domain in self.serving and self.serving[domain] != host.name:
                    self.add(
                        ("hosts", i, "mta", "domains", j),
                        f"{domain} is already served by {self.serving[domain]}",
                        "each domain served by one MTA (a backup MX lists it in relay_domains)",
                    )
                self.serving.setdefault(domain, host.name)
        self.mta_aliases = set(aliases)

    def _tls_offer(self, i: int, host: Any) -> None:
        """[hosts.tls]: a Postfix 3 mail server (the one that answers STARTTLS here)."""
        mta = host.mta
        if mta is None:
            self.add(("hosts", i, "tls"), f"{host.name} runs no mail server", 'role = "mta"')
            return
        p = get_personality(mta.personality)
        if p.syntax is not CommandSyntax.POSTFIX or "STARTTLS" not in p.recognised:
            self.add(
                ("hosts", i, "tls"),
                f"{mta.personality} does not offer TLS",
                "a Postfix 3 personality (postfix-3, postfix-3.7)",
            )
        if host.tls.starttls and mta.smtpd_tls_security_level == "none":
            self.add(
                ("hosts", i, "tls", "starttls"),
                'STARTTLS offered, but its mta says smtpd_tls_security_level = "none"',
                'starttls = false, or smtpd_tls_security_level = "may" (or unset)',
            )

    def _tls_and_sasl(self, i: int, personality: str, mta: Any) -> None:
        """STARTTLS and AUTH are modelled for the Postfix personalities that recognise them."""
        p = get_personality(personality)
        for key, verb in (
            ("smtpd_sasl_auth_enable", "AUTH"),
            ("smtpd_tls_security_level", "STARTTLS"),
            ("smtpd_tls_auth_only", "AUTH"),
        ):
            if getattr(mta, key) is not None and (
                p.syntax is not CommandSyntax.POSTFIX or verb not in p.recognised
            ):
                self.add(
                    ("hosts", i, "mta", key),
                    f"{personality} does not offer {verb}",
                    "a Postfix 3 personality (postfix-3, postfix-3.7)",
                )

    def dns(self) -> None:
        dns = self.s.dns
        if dns.server is not None:
            self.need_host(("dns", "server"), dns.server)
        a_names: dict[str, int] = {}
        for i, record in enumerate(dns.a):
            if record.name in self.hosts or record.name in self.mta_aliases:
                self.add(
                    ("dns", "a", i, "name"),
                    f"{record.name} is a host, and hosts get their A record automatically",
                    "a name that is not a host",
                )
            elif record.name in a_names:
                self.add(
                    ("dns", "a", i, "name"),
                    f"a second A record for {record.name}",
                    "one A record per name",
                )
            a_names.setdefault(record.name, i)
        targets = set(a_names) | self.mta_aliases
        for i, mx in enumerate(dns.mx):
            self.need_host(("dns", "mx", i, "host"), mx.host, also=targets)
        self.dkim()

    def dkim(self) -> None:
        """A ``[[dkim]]`` key belongs to a domain an MTA serves, once per domain."""
        served = {d for h in self.s.hosts if h.mta for d in h.mta.domains}
        seen: set[str] = set()
        for i, spec in enumerate(self.s.dkim):
            if spec.domain not in served:
                self.add(
                    ("dkim", i, "domain"),
                    f"no mail server serves {spec.domain}, so nothing signs for it",
                    "a domain in some [hosts.mta] domains",
                )
            elif spec.domain in seen:
                self.add(
                    ("dkim", i, "domain"),
                    f"a second [[dkim]] key for {spec.domain}",
                    "one signing key per domain",
                )
            seen.add(spec.domain)

    def users(self) -> None:
        seen: dict[str, int] = {}
        for i, user in enumerate(self.s.users):
            key = user.address.lower()
            if key in seen:
                self.add(
                    ("users", i, "address"),
                    f"{user.address} is listed twice (also users[{seen[key]}])",
                    "each user once",
                )
            seen.setdefault(key, i)
            if user.domain not in self.serving:
                self.add(
                    ("users", i, "address"),
                    f"no MTA serves {user.domain}, the domain of {user.address}",
                    "an MTA host with the domain in its mta.domains",
                )
            if user.client is not None:
                self.need_host(("users", i, "client"), user.client)
            if user.outgoing is not None and self.need_host(
                ("users", i, "outgoing"), user.outgoing
            ):
                host = self.s.host(user.outgoing)
                if host is not None and host.mta is None:
                    self.add(
                        ("users", i, "outgoing"),
                        f"{user.outgoing} runs no MTA",
                        'a host with role = "mta"',
                    )
            if user.port == 465 and user.client is not None:
                served = (
                    self.s.host(user.outgoing) if user.outgoing else self.s.mta_for(user.domain)
                )
                if served is not None and (served.tls is None or not served.tls.implicit):
                    self.add(
                        ("users", i, "port"),
                        f"port 465 is implicit TLS, and {served.name} does not offer it",
                        f"[hosts.tls] implicit = true on {served.name}, or port 587",
                    )
        self.user_addresses = set(seen)

    def lists_and_aliases(self) -> None:
        taken: dict[str, str] = {a: "a user" for a in self.user_addresses}
        for table in ("lists", "aliases"):
            for i, entry in enumerate(getattr(self.s, table)):
                domain = entry.address.rpartition("@")[2]
                key = entry.address.lower()
                if domain not in self.serving:
                    self.add(
                        (table, i, "address"),
                        f"no MTA serves {domain}, the domain of {entry.address}",
                        "an MTA host with the domain in its mta.domains",
                    )
                if key in taken:
                    self.add(
                        (table, i, "address"),
                        f"{entry.address} is already {taken[key]}",
                        "an address that is not a user, list or alias",
                    )
                taken.setdefault(key, "a list" if table == "lists" else "an alias")
        self._members(taken)

    def _members(self, known: dict[str, str]) -> None:
        """Each member of a list (and each alias target) in a domain of this network is a user,
        list or alias there; and no list reaches itself (mail would loop, and copies pile up
        in the mailboxes)."""
        graph: dict[str, list[str]] = {}
        places: dict[str, tuple[str, int]] = {}
        for table in ("lists", "aliases"):
            for i, entry in enumerate(getattr(self.s, table)):
                domain = entry.address.rpartition("@")[2].lower()
                targets = entry.members if table == "lists" else [entry.target]
                key = entry.address.lower()
                places.setdefault(key, (table, i))
                graph.setdefault(key, [])
                for j, member in enumerate(targets):
                    full = (member if "@" in member else f"{member}@{domain}").lower()
                    loc: tuple[str | int, ...] = (
                        (table, i, "members", j) if table == "lists" else (table, i, "target")
                    )
                    if full.rpartition("@")[2] in self.serving and full not in known:
                        self.add(
                            loc,
                            f"{member}: no user, list or alias {full}",
                            "a [[users]] address of the domain, another list or alias, "
                            "or an address in a domain this network does not serve",
                        )
                    graph[key].append(full)
        for start, (table, i) in places.items():
            path = _path_back(graph, start)
            if path is not None:
                self.add(
                    (table, i, "members" if table == "lists" else "target"),
                    "mail to it would come back to it: " + " -> ".join(path),
                    "lists and aliases that do not include themselves",
                )

    def messages(self) -> None:
        users = {u.address.lower(): u for u in self.s.users}
        for i, message in enumerate(self.s.messages):
            user = users.get(message.sender.lower())
            if user is None:
                self.add(
                    ("messages", i, "from"),
                    f"{message.sender} is not a [[users]] entry",
                    "the address of a user with a client host",
                )
            elif user.client is None:
                self.add(
                    ("messages", i, "from"),
                    f"{message.sender} has no mail program: their [[users]] entry has no client",
                    'client = "HOST" in the user',
                )
            if message.encoding == "7bit" and not message.body.isascii():
                self.add(
                    ("messages", i, "encoding"),
                    "7bit cannot carry the non-ASCII characters of the body",
                    "8bit, quoted-printable or base64",
                )


def _path_back(graph: dict[str, list[str]], start: str) -> list[str] | None:
    """A path of list members from ``start`` back to ``start``, or None."""
    stack = [(start, [start])]
    seen: set[str] = set()
    while stack:
        node, path = stack.pop()
        for nxt in graph.get(node, ()):
            if nxt == start:
                return [*path, start]
            if nxt not in seen:
                seen.add(nxt)
                stack.append((nxt, [*path, nxt]))
    return None


def check_scenario(scenario: Scenario) -> list[Issue]:
    checker = _Checker(scenario)
    checker.hosts_and_links()
    checker.mtas()
    checker.dns()
    checker.users()
    checker.lists_and_aliases()
    checker.messages()
    return checker.issues


# -- faults: the fault module's own rules ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FaultEntry:
    """One fault written in a file: where its kind is (``("faults", 0, "kind")``), where its
    parameters are (``("faults", 0)``, or a timeline event's ``("timeline", 2, "params")``)."""

    kind_loc: Loc
    params_loc: Loc
    kind: str
    params: Mapping[str, Any]


def fault_entries(scenario: Scenario) -> list[FaultEntry]:
    """The scenario's own ``[[faults]]``, each with the key paths of its kind and parameters."""
    return [
        FaultEntry(("faults", i, "kind"), ("faults", i), f.kind, f.params)
        for i, f in enumerate(scenario.faults)
    ]


def check_faults(entries: Iterable[FaultEntry], world: World | None) -> list[Issue]:
    """Each fault's mistakes, found by :func:`faults.check_fault` (what ``apply_fault`` would
    refuse), at the key to fix. ``world``: the scenario's network, to check the names it uses
    (None when the scenario has other problems: then only the values are checked)."""
    issues = []
    for entry in entries:
        _, errors = check_fault(entry.kind, entry.params, world)
        for error in errors:
            if error.key == "kind":
                loc = entry.kind_loc
            elif error.key is None:
                loc = entry.params_loc
            else:
                loc = (*entry.params_loc, error.key)
            issues.append(Issue(loc, error.message, error.expected))
    return issues
