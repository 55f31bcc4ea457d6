"""The pull side in the world: bob's MTA serves POP3 on port 110, bob's PC fetches his mail."""

from __future__ import annotations

import json

from smtp_sim.world.network import POP3_PORT
from smtp_sim.world.pop3_service import DEFAULT_PASSWORD, FetchedMessage, fetch_mail, install_pop3
from smtp_sim.world.trace import Kind, Layer
from smtp_sim.world.world import World

BODY = "Hello Bob,\n.a line that starts with a dot\n..and one with two\n.\nbye\n"


def build(seed: int = 3) -> World:
    w = World(seed=seed)
    for name, ip in [
        ("pc.crepes.fr", "10.0.1.10"),
        ("smtp.crepes.fr", "10.0.1.25"),
        ("mail.cs.tcd.ie", "10.0.2.25"),
        ("pc.cs.tcd.ie", "10.0.2.10"),
        ("ns.example.net", "10.0.0.53"),
    ]:
        w.add_host(name, ip)
    w.add_link("pc.crepes.fr", "smtp.crepes.fr", 0.002)
    w.add_link("smtp.crepes.fr", "mail.cs.tcd.ie", 0.030)
    w.add_link("mail.cs.tcd.ie", "pc.cs.tcd.ie", 0.002)
    w.add_link("smtp.crepes.fr", "ns.example.net", 0.010)
    w.set_dns_server("ns.example.net")
    w.zone.add_mx("crepes.fr", 10, "smtp.crepes.fr")
    w.zone.add_mx("cs.tcd.ie", 10, "mail.cs.tcd.ie")
    w.add_mta(
        "smtp.crepes.fr",
        domains=["crepes.fr"],
        users={"alice": "Alice Liddell"},
        relay_clients=["pc.crepes.fr"],
    )
    w.add_mta("mail.cs.tcd.ie", domains=["cs.tcd.ie"], users={"bob": "Bob Smith"})
    w.add_agent("pc.crepes.fr", "alice@crepes.fr", "Alice Liddell", "smtp.crepes.fr")
    w.add_agent("pc.cs.tcd.ie", "bob@cs.tcd.ie", "Bob Smith", "mail.cs.tcd.ie")
    return w


def deliver_then_fetch(seed: int = 3, **fetch_kwargs):
    w = build(seed)
    install_pop3(w.mtas["mail.cs.tcd.ie"])
    w.agents["alice@crepes.fr"].send(["bob@cs.tcd.ie"], "dots", BODY)
    w.run(until=60)
    box = w.mailbox("bob@cs.tcd.ie")
    assert box is not None and len(box.messages) == 1
    stored = box.messages[0]
    done = []
    fetch = fetch_mail(
        w, w.agents["bob@cs.tcd.ie"], "mail.cs.tcd.ie", on_done=done.append, **fetch_kwargs
    )
    w.run(until=120)
    return w, stored, fetch, done


def pop3_records(w: World):
    return [r for r in w.trace if r.layer is Layer.POP3]


def test_bob_fetches_his_mail_byte_exact_and_the_mailbox_is_emptied() -> None:
    w, stored, fetch, done = deliver_then_fetch()
    bob = w.agents["bob@cs.tcd.ie"]
    assert done == [fetch] and fetch.error is None
    # lines that start with a dot, even a lone dot: the message really needs stuffing
    assert b"\r\n.a line that starts" in stored.data and b"\r\n.\r\nbye" in stored.data
    assert bob.inbox == [FetchedMessage(stored.data, 1, "mail.cs.tcd.ie", bob.inbox[0].time)]
    assert bob.inbox[0].data == stored.data
    assert w.mailbox("bob@cs.tcd.ie").messages == []


def test_the_trace_shows_the_pop3_dialogue() -> None:
    w, stored, _, _ = deliver_then_fetch()
    records = pop3_records(w)
    commands = [r.summary for r in records if r.kind is Kind.COMMAND]
    assert commands == [
        "USER bob@cs.tcd.ie",
        f"PASS {DEFAULT_PASSWORD}",
        "LIST",
        "RETR 1",
        "DELE 1",
        "QUIT",
    ]
    replies = [r for r in records if r.kind is Kind.REPLY]
    assert all(r.get("pop3") is True for r in records)
    assert all(r.src == "mail.cs.tcd.ie" and r.dst == "pc.cs.tcd.ie" for r in replies)
    assert [r.data.split(b" ", 1)[0] for r in replies] == [b"+OK"] * 7
    assert replies[0].summary == "+OK mail.cs.tcd.ie POP3 server ready"
    retr = replies[4]
    assert retr.data.startswith(f"+OK {len(stored.data)} octets\r\n".encode())
    assert retr.data.endswith(b"\r\n.\r\n") and b"\r\n...and one with two\r\n" in retr.data
    assert replies[-1].summary == "+OK mail.cs.tcd.ie POP3 server signing off (maildrop empty)"
    conns = {r.conn for r in records}
    assert len(conns) == 1
    syn = next(r for r in w.trace if r.kind is Kind.SYN and r.conn in conns)
    assert syn.summary.endswith(f"\u2192 {POP3_PORT}")


def test_retrieved_and_deleted_records_follow_the_message() -> None:
    w, stored, _, _ = deliver_then_fetch()
    mailbox = [r for r in w.trace if r.layer is Layer.MAILBOX]
    assert [r.kind for r in mailbox] == [Kind.STORED, Kind.RETRIEVED, Kind.DELETED]
    for record in mailbox:
        assert record.message == stored.message
        assert record.get("mailbox") == "bob@cs.tcd.ie" and record.get("uid") == 1
    seq = {r.kind: r.seq for r in w.trace}
    quit_reply = [r for r in pop3_records(w) if r.kind is Kind.REPLY][-1]
    # removed in the UPDATE state, before the goodbye is sent
    assert seq[Kind.RETRIEVED] < seq[Kind.DELETED] < quit_reply.seq


def test_keep_on_server_and_local_part_login() -> None:
    w, stored, fetch, _ = deliver_then_fetch(delete=False, user="bob")
    assert fetch.error is None and len(fetch.retrieved) == 1
    assert w.mailbox("bob@cs.tcd.ie").messages == [stored]
    assert not any(r.kind is Kind.DELETED for r in w.trace)
    assert "DELE 1" not in [r.summary for r in pop3_records(w)]


def test_wrong_password_is_refused_and_nothing_changes() -> None:
    w, stored, fetch, done = deliver_then_fetch(password="guess")
    assert done == [fetch] and "PASS refused" in (fetch.error or "")
    assert w.mailbox("bob@cs.tcd.ie").messages == [stored]
    assert not getattr(w.agents["bob@cs.tcd.ie"], "inbox", [])
    summaries = [r.summary for r in pop3_records(w)]
    assert "-ERR invalid user name or password" in summaries and summaries[-2] == "QUIT"
    assert any(r.kind is Kind.ERROR and "fetching failed" in r.summary for r in w.trace)


def test_passwords_from_the_mta_when_it_has_them() -> None:
    w = build()
    mta = w.mtas["mail.cs.tcd.ie"]
    mta.passwords = {"bob@cs.tcd.ie": "hunter2"}
    service = install_pop3(mta)
    assert service.password_for("bob@cs.tcd.ie") == "hunter2"
    assert service.password_for("nobody@cs.tcd.ie") == DEFAULT_PASSWORD
    assert service.authenticate("bob", "secret") is None
    assert service.authenticate("BOB@cs.tcd.ie", "hunter2") is not None


def test_no_pop3_server_means_connection_refused() -> None:
    w = build()
    del w.network.hosts["mail.cs.tcd.ie"].listeners[110]  # a mail server without POP3
    done = []
    fetch_mail(w, w.agents["bob@cs.tcd.ie"], "mail.cs.tcd.ie", on_done=done.append)
    w.run(until=10)
    assert done and "refused" in (done[0].error or "")


def test_same_run_twice_gives_the_same_trace() -> None:
    def serialized() -> str:
        w, _, _, _ = deliver_then_fetch()
        return json.dumps([r.to_json() for r in w.trace], sort_keys=True)

    assert serialized() == serialized()
