"""What a simulated sendmail-8 writes on the mail it takes, against the real one.

tests/world/data/sendmail-8.17-headers.txt holds what Debian 12's sendmail 8.17.1.9 wrote (its
header says when and how it was captured): the simulation plays the same conversations to its
twin, conformance/scenarios/sendmail.toml (mail.cs.tcd.ie, users alice and bob, the list
staff), from a client with no name in the DNS (the reference's 127.0.0.5) and from one whose
address names it (127.0.0.1, localhost), and must write the same bytes, queue id and date
aside.
"""

from __future__ import annotations

import re
from pathlib import Path

from smtp_sim.protocol.policy import Stage
from smtp_sim.scenario.build import build_world
from smtp_sim.scenario.files import load_scenario
from smtp_sim.world.mta import Fault
from smtp_sim.world.student_terminal import StudentTerminal
from smtp_sim.world.trace import Kind

CAPTURED = Path(__file__).parent / "data" / "sendmail-8.17-headers.txt"
TWIN = Path(__file__).parents[2] / "conformance" / "scenarios" / "sendmail.toml"
QUEUE_ID = re.compile(rb"\b[0-9A-Za-x]{8}\d{6}\b")
DATE = re.compile(
    rb"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [1-3]?\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT"
)


def captured(name: str) -> bytes:
    """A section of the capture, its lines ended with CRLF as on the wire."""
    sections = CAPTURED.read_text().split("\n=== ")
    for section in sections[1:]:
        title, _, body = section.partition("\n")
        if title == name:
            return body.rstrip("\n").replace("\n", "\r\n").encode() + b"\r\n"
    raise KeyError(name)


def normalised(data: bytes) -> bytes:
    return DATE.sub(b"DATE", QUEUE_ID.sub(b"QID", data))


def delivered(
    client_ip: str,
    client: str,
    helo: str,
    rcpts: list[str],
    headers: tuple[str, ...] = ("Subject: t",),
    body: tuple[str, ...] = ("hi",),
) -> bytes:
    """The header block of the message the twin stored for ``rcpts[0]``."""
    world = build_world(load_scenario(str(TWIN)).model_copy(update={"messages": []}))
    world.add_host(client, client_ip, "client")
    world.add_link(client, "mail.cs.tcd.ie", latency=0.0)
    terminal = StudentTerminal(world, client)
    terminal.connect("mail.cs.tcd.ie", 25)
    terminal.run_until_answer()
    lines = [helo, "MAIL FROM:<alice@cs.tcd.ie>"]
    lines += [f"RCPT TO:<{rcpt}>" for rcpt in rcpts]
    lines += ["DATA", *headers, "", *body, ".", "QUIT"]
    for line in lines:
        terminal.enter(line)
        terminal.run_until_answer()
    world.run()
    box = world.mailbox(rcpts[0] if "staff" not in rcpts[0] else "alice@cs.tcd.ie")
    assert box is not None and box.messages
    return box.messages[-1].data.split(b"\r\n\r\n", 1)[0] + b"\r\n"


def received(head: bytes) -> bytes:
    """The Received: field of a header block, its continuation lines with it."""
    match = re.search(rb"^Received: .*?\r\n(?=[^\t])", head, re.M | re.S)
    assert match is not None
    return match.group(0)


def test_a_client_without_a_name_one_recipient():
    head = delivered("127.0.0.5", "client-127.0.0.5", "EHLO client.example.net", ["bob@cs.tcd.ie"])
    want = captured("received-esmtp-one-recipient-no-ptr")
    assert normalised(received(head)) == normalised(want)
    # arpadate(): the day unpadded, GMT for a UTC clock
    assert b"; Mon, 5 Jan 2026 09:00:0" in received(head)
    # the queue id starts with the date (assign_queueid(): 2026 % 60, January as 0, the 5th,
    # 09:00:0x), as the real one's 6B73RV2V007014 was taken on 7 December 2026 at 03:27:31
    assert re.search(rb" id 60590[0-9A-Za-x]{3}\d{6}\r\n", received(head))


def test_helo_is_smtp():
    head = delivered("127.0.0.5", "client-127.0.0.5", "HELO client.example.net", ["bob@cs.tcd.ie"])
    assert normalised(received(head)) == normalised(captured("received-smtp-one-recipient-no-ptr"))


def test_a_named_client_two_recipients_put_the_date_on_its_own_line():
    head = delivered(
        "127.0.0.1", "localhost", "EHLO client.example.net", ["bob@cs.tcd.ie", "alice@cs.tcd.ie"]
    )
    assert normalised(received(head)) == normalised(captured("received-esmtp-two-recipients"))


def test_a_list_is_named_as_the_client_gave_it():
    head = delivered("127.0.0.1", "localhost", "EHLO localhost", ["staff@cs.tcd.ie"])
    assert normalised(received(head)) == normalised(captured("received-esmtp-list"))


# -- bounces --------------------------------------------------------------------------------------

SWAKS_HEADERS = [
    "Date: Mon, 07 Dec 2026 03:28:49 +0000",
    "To: carol@example.org",
    "From: alice@cs.tcd.ie",
    "Subject: rejected",
    "Message-Id: <20261207032849.008936@vm>",
    "X-Mailer: swaks v20201014.0 jetmore.org/john/code/swaks/",
]
STAMP = re.compile(rb"<\d{12}\.QID@|\.\d{10}/mail")


def bounce_of(
    sender: str,
    rcpt: str,
    headers: list[str],
    *,
    refusing: bool,
    silent: bool = False,
    relay_denied: bool = False,
    after_data: bool = False,
    later: bool = False,
) -> bytes:
    """The bounce the twin makes of a message from ``sender`` that a relaying client
    (localhost, 127.0.0.1, as the reference's access file lets it relay) sends to ``rcpt``:
    with ``refusing``, example.org has a Postfix that refuses the recipient, as the listener
    that answered the reference did; ``silent``: example.org has a host where nothing
    listens, and messages expire after a second (the reference's -OTimeout.queuereturn=1s);
    neither: the domain has no address at all. ``relay_denied``: the Postfix there does not
    serve example.org (554 5.7.1 Relay access denied); ``after_data``: it refuses the message
    at its final dot ("554 5.7.1 Message rejected: spam", an injected fault); ``later``: it
    puts the recipient off at RCPT (451 4.3.0, a fault) until the message expires."""
    world = build_world(load_scenario(str(TWIN)).model_copy(update={"messages": []}))
    mta = world.mtas["mail.cs.tcd.ie"]
    world.add_host("localhost", "127.0.0.1", "client")
    world.add_link("localhost", "mail.cs.tcd.ie", latency=0.0)
    mta.relay_clients.append("localhost")
    if refusing or silent:
        world.add_host("example.org", "203.0.113.10", "mta")
        world.add_link("example.org", "mail.cs.tcd.ie", latency=0.0)
        mta.lifetime = 1.0
    if refusing:
        domains = ["other.example"] if relay_denied else ["example.org"]
        remote = world.add_mta(
            "example.org", personality="postfix-3", domains=domains, users={"data": "Data"}
        )
        if later:
            remote.faults.append(
                Fault(Stage.RCPT, 451, "<later@example.org>: Temporary lookup failure", "4.3.0")
            )
        if after_data:
            remote.faults.append(Fault(Stage.END_OF_DATA, 554, "Message rejected: spam", "5.7.1"))
    terminal = StudentTerminal(world, "localhost")
    terminal.connect("mail.cs.tcd.ie", 25)
    terminal.run_until_answer()
    lines = ["EHLO client.example.net", f"MAIL FROM:<{sender}>", f"RCPT TO:<{rcpt}>", "DATA"]
    for line in [*lines, *headers, "", "hi", ".", "QUIT"]:
        terminal.enter(line)
        terminal.run_until_answer()
    world.run(until=world.clock.now + 3600)
    bounces = [e for e in mta.queue.entries.values() if e.sender == ""]
    if bounces:
        return bounces[0].content
    box = world.mailbox(sender)
    assert box is not None and box.messages
    return box.messages[-1].data


def test_a_bounce_for_a_host_unknown_as_the_real_one_sent_it():
    headers = [
        "Date: Mon, 07 Dec 2026 03:28:11 +0000",
        "To: carol@nosuch.example",
        "From: dave@example.org",
        "Subject: bounce me remote",
        "Message-Id: <20261207032811.007889@vm>",
        "X-Mailer: swaks v20201014.0 jetmore.org/john/code/swaks/",
    ]
    bounce = bounce_of("dave@example.org", "carol@nosuch.example", headers, refusing=False)
    want = captured("bounce-host-unknown-delivered-by-smtp") + b"\r\n"  # (the df's last line)
    assert STAMP.sub(b"STAMP", normalised(bounce)) == STAMP.sub(b"STAMP", normalised(want))


def test_a_bounce_for_a_recipient_refused_at_rcpt_as_the_real_one_wrote_it():
    stored = bounce_of("alice@cs.tcd.ie", "carol@example.org", SWAKS_HEADERS, refusing=True)
    head, _, body = stored.partition(b"\r\n\r\n")
    want = captured("bounce-user-unknown-queued-body") + b"\r\n"
    assert STAMP.sub(b"STAMP", normalised(body)) == STAMP.sub(b"STAMP", normalised(want))
    # the queue file's header lines as the local mailer writes them: Return-Path (the null
    # sender as MAILER-DAEMON), no Full-Name (the local mailer has no F=x), and procmail's
    # Content-Length last
    queued = captured("bounce-user-unknown-queued-headers").split(b"\r\n")
    local = [line for line in queued if not line.startswith(b"Full-Name:")]
    local[0] = b"Return-Path: <MAILER-DAEMON>"
    local[-1] = b"Content-Length: 1660"  # (the real one's: its mailbox, the same bounce)
    assert STAMP.sub(b"STAMP", normalised(head + b"\r\n")) == STAMP.sub(
        b"STAMP", normalised(b"\r\n".join(local) + b"\r\n")
    )


def test_a_bounce_of_a_message_that_expired_in_the_queue():
    headers = [
        "Date: Mon, 07 Dec 2026 03:32:31 +0000",
        "To: carol@example.org",
        "From: alice@cs.tcd.ie",
        "Subject: expire me",
        "Message-Id: <20261207033231.012418@vm>",
        "X-Mailer: swaks v20201014.0 jetmore.org/john/code/swaks/",
    ]
    bounce = bounce_of("alice@cs.tcd.ie", "carol@example.org", headers, refusing=False, silent=True)
    body = bounce.partition(b"\r\n\r\n")[2]
    want = captured("bounce-expired-queued-body") + b"\r\n"
    assert STAMP.sub(b"STAMP", normalised(body)) == STAMP.sub(b"STAMP", normalised(want))


def test_local_delivery_adds_return_path_and_procmails_content_length_only():
    """No Delivered-To: sendmail's local mailer writes Return-Path, Debian's sensible-mda and
    procmail add Content-Length (the body's octets as the mbox stores them, LF ends)."""
    swaks = (
        "Date: Mon, 07 Dec 2026 03:27:31 +0000",
        "To: bob@cs.tcd.ie",
        "From: alice@cs.tcd.ie",
        "Subject: one",
        "Message-Id: <20261207032731.007012@vm>",
        "X-Mailer: swaks v20201014.0 jetmore.org/john/code/swaks/",
    )
    head = delivered(
        "127.0.0.5",
        "client-127.0.0.5",
        "EHLO client.example.net",
        ["bob@cs.tcd.ie"],
        headers=swaks,
        body=("hi", "", ""),  # (swaks's body: "hi" and two empty lines, 5 octets in the mbox)
    )
    assert normalised(head) == normalised(captured("delivered-one-recipient-mbox-headers"))


def test_a_bounce_delivered_to_a_local_sender_keeps_from_unqualified():
    headers = [
        "Date: Mon, 07 Dec 2026 03:27:56 +0000",
        "To: carol@nosuch.example",
        "From: alice@cs.tcd.ie",
        "Subject: bounce me",
        "Message-Id: <20261207032756.007487@vm>",
        "X-Mailer: swaks v20201014.0 jetmore.org/john/code/swaks/",
    ]
    stored = bounce_of("alice@cs.tcd.ie", "carol@nosuch.example", headers, refusing=False)
    head = stored.partition(b"\r\n\r\n")[0] + b"\r\n"
    want = captured("delivered-bounce-mbox-headers")
    assert STAMP.sub(b"STAMP", normalised(head)) == STAMP.sub(b"STAMP", normalised(want))


def test_the_banner_dates_as_arpadate():
    """The reference greeted swaks from 127.0.0.1 on 7 December 2026 with
    "220 mail.cs.tcd.ie ESMTP Sendmail 8.17.1.9/8.17.1.9/Debian-2+deb12u2; Mon, 7 Dec 2026
    03:27:56 GMT; (No UCE/UBE) logging access from: localhost(OK)-localhost [127.0.0.1]"."""
    world = build_world(load_scenario(str(TWIN)).model_copy(update={"messages": []}))
    world.add_host("localhost", "127.0.0.1", "client")
    world.add_link("localhost", "mail.cs.tcd.ie", latency=0.0)
    terminal = StudentTerminal(world, "localhost")
    terminal.connect("mail.cs.tcd.ie", 25)
    terminal.run_until_answer()
    banner = next(r.data for r in world.trace if r.kind is Kind.REPLY)
    assert banner == (
        b"220 mail.cs.tcd.ie ESMTP Sendmail 8.17.1.9/8.17.1.9/Debian-2+deb12u2; Mon, 5 Jan 2026"
        b" 09:00:00 GMT; (No UCE/UBE) logging access from: localhost(OK)-localhost [127.0.0.1]\r\n"
    )


def original_headers(section: str) -> list[str]:
    """The header lines swaks sent, from the text/rfc822-headers part of a captured bounce."""
    part = captured(section).decode().split("Content-Type: text/rfc822-headers\r\n\r\n")[1]
    lines = part.split("\r\n\r\n")[0].split("\r\n")
    return lines[4:]  # (after Return-Path: and the three lines of Received:)


def test_a_relay_refusal_at_rcpt_is_service_unavailable_5_0_0():
    section = "bounce-relay-denied-at-rcpt-body"
    stored = bounce_of(
        "alice@cs.tcd.ie",
        "relay@example.org",
        original_headers(section),
        refusing=True,
        relay_denied=True,
    )
    body = stored.partition(b"\r\n\r\n")[2]
    want = captured(section) + b"\r\n"
    assert STAMP.sub(b"STAMP", normalised(body)) == STAMP.sub(b"STAMP", normalised(want))


def test_a_refusal_after_the_final_dot_is_shown_as_data_s():
    section = "bounce-refused-after-data-body"
    stored = bounce_of(
        "alice@cs.tcd.ie",
        "data@example.org",
        original_headers(section),
        refusing=True,
        after_data=True,
    )
    body = stored.partition(b"\r\n\r\n")[2]
    want = captured(section) + b"\r\n"
    assert STAMP.sub(b"STAMP", normalised(body)) == STAMP.sub(b"STAMP", normalised(want))


def test_a_message_put_off_by_451_until_it_expired():
    section = "bounce-expired-after-451-body"
    stored = bounce_of(
        "alice@cs.tcd.ie", "later@example.org", original_headers(section), refusing=True, later=True
    )
    body = stored.partition(b"\r\n\r\n")[2]
    want = captured(section) + b"\r\n"
    assert STAMP.sub(b"STAMP", normalised(body)) == STAMP.sub(b"STAMP", normalised(want))
