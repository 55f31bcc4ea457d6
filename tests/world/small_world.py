"""A small hand-built network for world tests: alice@crepes.fr -> bob@cs.tcd.ie, plus
example.org with a primary and a backup MX."""

from smtp_sim.world.world import World


def build(seed: int = 1, **mta_kwargs) -> World:
    w = World(seed=seed)
    hosts = [
        ("pc.crepes.fr", "10.0.1.10", "client"),
        ("smtp.crepes.fr", "10.0.1.25", "mta"),
        ("mail.cs.tcd.ie", "10.0.2.25", "mta"),
        ("pc.cs.tcd.ie", "10.0.2.10", "client"),
        ("mx1.example.org", "10.0.3.25", "mta"),
        ("mx2.example.org", "10.0.3.26", "mta"),
        ("ns.example.net", "10.0.0.53", "dns"),
        ("stranger.example.com", "10.9.9.9", "client"),
    ]
    for name, ip, role in hosts:
        w.add_host(name, ip, role)
    w.add_link("pc.crepes.fr", "smtp.crepes.fr", 0.002)
    w.add_link("smtp.crepes.fr", "mail.cs.tcd.ie", 0.030)
    w.add_link("mail.cs.tcd.ie", "pc.cs.tcd.ie", 0.002)
    w.add_link("smtp.crepes.fr", "mx1.example.org", 0.020)
    w.add_link("smtp.crepes.fr", "mx2.example.org", 0.025)
    w.add_link("smtp.crepes.fr", "ns.example.net", 0.010)
    w.add_link("stranger.example.com", "smtp.crepes.fr", 0.050)
    w.set_dns_server("ns.example.net")
    w.zone.add_mx("crepes.fr", 10, "smtp.crepes.fr")
    w.zone.add_mx("cs.tcd.ie", 10, "mail.cs.tcd.ie")
    w.zone.add_mx("example.org", 10, "mx1.example.org")
    w.zone.add_mx("example.org", 20, "mx2.example.org")
    w.add_mta(
        "smtp.crepes.fr",
        domains=["crepes.fr"],
        users={"alice": "Alice Liddell"},
        relay_clients=["pc.crepes.fr"],
        **mta_kwargs,
    )
    w.add_mta(
        "mail.cs.tcd.ie",
        personality="postfix-1.1",
        domains=["cs.tcd.ie"],
        users={"bob": "Bob Smith"},
        lists={"staff": ["bob", "alice@crepes.fr"]},
    )
    w.add_mta("mx1.example.org", domains=["example.org"], users={"carol": "Carol"})
    # The backup MX relays for example.org: it queues and forwards to the primary.
    w.add_mta("mx2.example.org", domains=[], users={}, open_relay=True)
    w.add_agent("pc.crepes.fr", "alice@crepes.fr", "Alice Liddell", "smtp.crepes.fr")
    return w
