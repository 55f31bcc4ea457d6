"""Delivery that survives failure: retries, bounces, faults, greylisting, open relays."""

from email import message_from_bytes, policy

import pytest
from small_world import build

from smtp_sim.world.faults import FAULT_KINDS, FaultError, apply_fault, schedule_fault
from smtp_sim.world.queue import EntryState
from smtp_sim.world.trace import Kind, Layer


def _kinds(world, layer):
    return [r.kind for r in world.trace if r.layer is layer]


def test_queue_retries_until_the_host_comes_back():
    w = build()
    apply_fault(w, "host-down", host="mail.cs.tcd.ie")
    schedule_fault(w, 700.0, "host-up", host="mail.cs.tcd.ie")
    w.agents["alice@crepes.fr"].send(["bob@cs.tcd.ie"], "later", "it waits in the queue")
    w.run(until=3600)
    queue = w.mtas["smtp.crepes.fr"].queue
    entry = next(iter(queue.entries.values()))
    assert entry.state is EntryState.SENT
    assert entry.attempts == 3  # t=0, +300 s, +600 s (after the host came back at 700 s)
    deferred = [r for r in w.trace if r.kind is Kind.DEFERRED]
    assert len(deferred) == 2 and "timed out" in deferred[0].summary
    assert len(w.mailbox("bob@cs.tcd.ie").messages) == 1


def test_mx_fallback_to_backup_while_primary_is_down():
    w = build()
    apply_fault(w, "host-down", host="mx1.example.org")
    w.agents["alice@crepes.fr"].send(["carol@example.org"], "hi", "via the backup")
    w.run(until=120)  # 30 s connect timeout on the primary, then the backup
    sent = [r for r in w.trace if r.kind is Kind.SENT and r.src == "smtp.crepes.fr"]
    assert sent and sent[0].dst == "mx2.example.org"
    # The backup holds it in its queue while the primary is down.
    backup = w.mtas["mx2.example.org"].queue
    assert [e.state for e in backup.entries.values()] == [EntryState.DEFERRED]
    apply_fault(w, "host-up", host="mx1.example.org")
    w.run(until=4000)
    assert len(w.mailbox("carol@example.org").messages) == 1


def test_bounce_after_final_failure_is_a_dsn_and_no_bounce_loops():
    w = build()
    apply_fault(
        w,
        "reply",
        host="mail.cs.tcd.ie",
        stage="rcpt",
        code=550,
        text="5.1.1 <bob@cs.tcd.ie>: Recipient address rejected",
    )
    w.agents["alice@crepes.fr"].send(["bob@cs.tcd.ie"], "doomed", "no")
    w.run(until=600)
    inbox = w.mailbox("alice@crepes.fr").messages
    assert len(inbox) == 1
    msg = message_from_bytes(inbox[0].data, policy=policy.default)
    assert msg.get_content_type() == "multipart/report"
    assert msg.get_param("report-type") == "delivery-status"
    status = msg.get_payload()[1]
    assert status.get_content_type() == "message/delivery-status"
    blocks = status.get_payload()
    assert blocks[1]["Final-Recipient"] == "rfc822; bob@cs.tcd.ie"
    assert "550" in blocks[1]["Diagnostic-Code"]
    assert inbox[0].sender == ""  # from the null sender


def test_undeliverable_bounce_is_dropped_not_bounced_again():
    w = build()
    mta = w.mtas["smtp.crepes.fr"]
    mta.enqueue("", ["nobody@example.org"], "example.org", b"Subject: x\r\n\r\nbounce\r\n", "b1")
    apply_fault(w, "reply", host="mx1.example.org", stage="rcpt", code=550, text="no")
    w.run(until=600)
    kinds = _kinds(w, Layer.QUEUE)
    assert Kind.EXPIRED in kinds and Kind.BOUNCED not in kinds


def test_greylisting_defers_then_accepts():
    w = build()
    apply_fault(w, "greylist", host="mail.cs.tcd.ie")
    w.agents["alice@crepes.fr"].send(["bob@cs.tcd.ie"], "grey", "try again later")
    w.run(until=1000)
    replies = [r for r in w.trace if r.kind is Kind.REPLY and 450 in r.get("codes", ())]
    assert len(replies) == 1
    assert len(w.mailbox("bob@cs.tcd.ie").messages) == 1
    assert any(r.kind is Kind.DEFERRED for r in w.trace)


def test_mailbox_full_is_552_and_bounces():
    w = build()
    apply_fault(w, "mailbox-full", address="bob@cs.tcd.ie")
    w.agents["alice@crepes.fr"].send(["bob@cs.tcd.ie"], "big", "no room")
    w.run(until=600)
    assert any(552 in r.get("codes", ()) for r in w.trace if r.kind is Kind.REPLY)
    assert len(w.mailbox("alice@crepes.fr").messages) == 1


def test_dns_failure_temporary_then_permanent():
    w = build()
    apply_fault(w, "dns-failure", domain="cs.tcd.ie", failure="servfail")
    w.agents["alice@crepes.fr"].send(["bob@cs.tcd.ie"], "dns", "x")
    w.run(until=100)
    assert any(r.kind is Kind.DEFERRED for r in w.trace)
    apply_fault(w, "dns-failure", domain="cs.tcd.ie", failure="nxdomain")
    w.run(until=1000)
    assert any(r.kind is Kind.BOUNCED for r in w.trace)


def test_packet_loss_retransmits_and_still_delivers():
    w = build(seed=3)
    apply_fault(w, "loss", a="smtp.crepes.fr", b="mail.cs.tcd.ie", probability=0.3)
    w.agents["alice@crepes.fr"].send(["bob@cs.tcd.ie"], "lossy", "x")
    w.run(until=600)
    assert any(r.kind is Kind.RETRANSMIT for r in w.trace)
    assert len(w.mailbox("bob@cs.tcd.ie").messages) == 1


def test_open_relay_on_and_off():
    from smtp_sim.world.student_terminal import StudentTerminal

    def attempt(open_relay: bool):
        w = build()
        if open_relay:
            apply_fault(w, "open-relay", host="smtp.crepes.fr")
        t = StudentTerminal(w, "stranger.example.com")
        t.connect("smtp.crepes.fr", 25)
        t.run_until_answer()
        for line in ["HELO spammer", "MAIL FROM:<ceo@bank.example>", "RCPT TO:<bob@cs.tcd.ie>"]:
            t.type_line(line)
            t.run_until_answer()
        return t.output[-1].reply.code

    assert attempt(False) == 554
    assert attempt(True) == 250


def test_slow_server_and_latency_delay_replies():
    w = build()
    apply_fault(w, "slow-server", host="smtp.crepes.fr", delay=2.0)
    w.agents["alice@crepes.fr"].send(["bob@cs.tcd.ie"], "slow", "x")
    w.run(until=600)
    greeting = next(r for r in w.trace if r.kind is Kind.REPLY)
    assert greeting.time >= 2.0
    assert len(w.mailbox("bob@cs.tcd.ie").messages) == 1


def test_every_fault_kind_applies_and_is_traced():
    params = {
        "host-down": {"host": "mx1.example.org"},
        "host-up": {"host": "mx1.example.org"},
        "link-down": {"a": "pc.crepes.fr", "b": "smtp.crepes.fr"},
        "link-up": {"a": "pc.crepes.fr", "b": "smtp.crepes.fr"},
        "latency": {"a": "pc.crepes.fr", "b": "smtp.crepes.fr", "extra": 0.5},
        "loss": {"a": "pc.crepes.fr", "b": "smtp.crepes.fr", "probability": 0.1},
        "striptls": {"a": "pc.crepes.fr", "b": "smtp.crepes.fr"},
        "tls-policy": {"host": "smtp.crepes.fr", "policy": "required"},
        "dns-failure": {"domain": "example.org", "failure": "nxdomain"},
        "dns-down": {},
        "dns-up": {},
        "reply": {"host": "smtp.crepes.fr", "stage": "data", "code": 451},
        "clear-replies": {"host": "smtp.crepes.fr"},
        "greylist": {"host": "smtp.crepes.fr"},
        "mailbox-full": {"address": "alice@crepes.fr"},
        "slow-server": {"host": "smtp.crepes.fr", "delay": 1},
        "open-relay": {"host": "smtp.crepes.fr"},
        "busy-relay": {"host": "smtp.crepes.fr"},
    }
    assert set(params) == set(FAULT_KINDS)
    w = build()
    for kind, p in params.items():
        apply_fault(w, kind, **p)
    faults = [r for r in w.trace if r.layer is Layer.FAULT]
    assert [r.get("fault") for r in faults] == list(params)


@pytest.mark.parametrize(
    "kind,params,message",
    [
        ("host-down", {"host": "nowhere"}, "no host named"),
        ("explode", {}, "unknown fault"),
        (
            "reply",
            {"host": "smtp.crepes.fr", "stage": "lunch", "code": 450},
            "'lunch' is not a stage",
        ),
        ("reply", {"host": "smtp.crepes.fr", "stage": "rcpt", "code": 250}, "4xx or 5xx"),
        ("link-down", {"a": "pc.crepes.fr", "b": "mx1.example.org"}, "no link"),
        ("host-down", {"hots": "x"}, "unknown key 'hots'.*did you mean 'host'"),
    ],
)
def test_bad_faults_explain_themselves(kind, params, message):
    with pytest.raises(FaultError, match=message):
        apply_fault(build(), kind, **params)


def test_determinism_with_faults():
    def run():
        w = build(seed=7)
        apply_fault(w, "loss", a="smtp.crepes.fr", b="mail.cs.tcd.ie", probability=0.2)
        schedule_fault(w, 1.0, "greylist", host="mail.cs.tcd.ie")
        w.agents["alice@crepes.fr"].send(["bob@cs.tcd.ie", "carol@example.org"], "s", "x")
        w.run(until=2000)
        return [r.to_json() for r in w.trace.records]

    assert run() == run()
