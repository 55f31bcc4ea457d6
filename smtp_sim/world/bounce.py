"""Bounces: delivery status notifications (RFC 3464) sent from the null sender ``<>``."""

from __future__ import annotations

import re
from datetime import timedelta
from email.message import EmailMessage, Message
from email.policy import SMTP
from typing import TYPE_CHECKING, cast

from ..protocol.delivery import Step
from ..protocol.replies import Reply

if TYPE_CHECKING:
    from .queue import QueueEntry
    from .stamps import Stamps


def build_bounce(
    hostname: str,
    stamps: Stamps,
    entry: QueueEntry,
    recipients: list[str],
    reason: str,
    reply: Reply | None,
) -> bytes:
    """A ``multipart/report; report-type=delivery-status`` message for ``entry``'s sender,
    from the MTA named ``hostname``."""
    date = stamps.date_text()
    status = _status(reply)
    human = EmailMessage()
    human.set_content(
        f"This is the mail system at host {hostname}.\n\n"
        "I'm sorry to have to inform you that your message could not\n"
        "be delivered to one or more recipients. It's attached below.\n\n"
        "The mail system\n\n" + "".join(f"<{r}>: {reason}\n" for r in recipients)
    )
    report = Message()
    report.set_type("message/delivery-status")
    per_message = Message()
    per_message["Reporting-MTA"] = f"dns; {hostname}"
    per_message["X-Postfix-Queue-ID"] = entry.queue_id
    per_message["Arrival-Date"] = stamps.date_text(entry.arrived)
    blocks: list[Message | str] = [per_message]
    for rcpt in recipients:
        block = Message()
        block["Final-Recipient"] = f"rfc822; {rcpt}"
        block["Action"] = "failed"
        block["Status"] = status
        if reply is not None:
            block["Diagnostic-Code"] = "smtp; " + " ".join(str(reply).splitlines())
        blocks.append(block)
    report.set_payload(blocks)
    original = Message()
    original.set_type("text/rfc822-headers")
    head, _, _ = entry.content.partition(b"\r\n\r\n")
    original.set_payload(head.decode("utf-8", "replace") + "\r\n")

    bounce = EmailMessage()
    bounce["From"] = f"MAILER-DAEMON@{hostname} (Mail Delivery System)"
    bounce["To"] = entry.sender
    bounce["Subject"] = "Undelivered Mail Returned to Sender"
    bounce["Date"] = date
    bounce["Message-ID"] = f"<bounce.{entry.queue_id}@{hostname}>"
    bounce["Auto-Submitted"] = "auto-replied"
    bounce.set_type("multipart/report")
    bounce.set_param("report-type", "delivery-status")
    bounce.set_boundary(f"{entry.queue_id}.bounce/{hostname}")
    bounce.attach(human)
    # (attach takes any Message, as Message.attach does; typeshed asks for an EmailMessage)
    bounce.attach(cast(EmailMessage, report))
    bounce.attach(cast(EmailMessage, original))
    return bounce.as_bytes(policy=SMTP)


def _status(reply: Reply | None) -> str:
    if reply is not None and reply.enhanced:
        return reply.enhanced
    if reply is not None:
        return f"{reply.reply_class}.0.0"
    return "5.4.4"  # unable to route (RFC 3463)


# -- sendmail 8 ----------------------------------------------------------------------------------
# Recorded from Debian 12's sendmail 8.17.1.9 (tests/world/data/sendmail-8.17-headers.txt: a
# recipient its host lookup did not find, and one a remote server refused at RCPT with 550
# 5.1.1); returnToSender() and errbody() of sendmail/savemail.c write it.

#: what sendmail says of a refused recipient, by the reply code (usersmtp.c's reply_to_rcpt():
#: 550, 551, 553 EX_NOUSER; the others EX_UNAVAILABLE; their texts, sm_errstring())
_SENDMAIL_EXIT_TEXT = {550: "User unknown", 551: "User unknown", 553: "User unknown"}

#: the command sendmail sent when a step's reply refused the mail (>>> in the transcript)
_SENDMAIL_COMMANDS = {
    Step.MAIL: "MAIL From:<{sender}>",
    Step.RCPT: "RCPT To:<{rcpt}>",
    Step.DATA: "DATA",
    Step.CONTENT: ".",
}


def build_sendmail_bounce(
    hostname: str,
    version: str,
    stamps: Stamps,
    entry: QueueEntry,
    recipients: list[str],
    reply: Reply | None,
    *,
    queue_id: str,
    target: str | None = None,
    step: Step | None = None,
    deferred: str | None = None,
    lifetime: float = 0.0,
    looped: bool = False,
) -> bytes:
    """sendmail 8's bounce of ``recipients`` of ``entry``, its own message ``queue_id``, as it
    leaves by SMTP: a remote server's refusal (``reply`` from ``target`` at ``step``), a
    message still ``deferred`` when ``lifetime`` ran out (Timeout.queuereturn), a route that
    ``looped`` back to itself, else a destination its host lookup did not find (Host unknown,
    5.1.2). All but the loop recorded from the real one; the loop's texts are sendmail's
    (domain.c's "MX list for %s points back to %s", 5.3.5), not yet seen from it."""
    from .mta import sendmail_received

    date = stamps.arpa_date_text()
    moment = stamps.start + timedelta(seconds=stamps.clock.now)
    arrived = stamps.arpa_date_text(entry.arrived)
    boundary = f"{queue_id}.{stamps.unix_time()}/{hostname}"
    head = sendmail_received(hostname, version, "localhost", "localhost", "", queue_id, [], date)
    head += (
        f"Date: {date}\r\n"
        f"From: Mail Delivery Subsystem <MAILER-DAEMON@{hostname}>\r\n"
        f"Message-Id: <{moment:%Y%m%d%H%M}.{queue_id}@{hostname}>\r\n"
        f"To: <{entry.sender}>\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: multipart/report; report-type=delivery-status;\r\n"
        f'\tboundary="{boundary}"\r\n'
        "Subject: Returned mail: see transcript for details\r\n"
        "Auto-Submitted: auto-generated (failure)\r\n"
    ).encode()

    remote = " ".join(str(reply).splitlines()) if reply is not None else ""
    addresses: list[str] = []
    transcript: list[str] = []
    blocks: list[str] = []
    later = _sendmail_deferral(deferred) if deferred is not None else None
    if reply is not None and target is not None:
        transcript.append(f"... while talking to {target}.:")
    for rcpt in recipients:
        addresses.append(f"<{rcpt}>")
        if later is not None:
            text, host = later
            status = "4.4.7"
            transcript.append(f"<{rcpt}>... Deferred: {text}")
            where = f"Remote-MTA: DNS; {host}\r\n" if host else ""
        elif looped:
            status = "5.3.5"
            transcript.append(f"554 5.3.5 MX list for {entry.domain}. points back to {hostname}")
            transcript.append(f"554 5.3.5 <{rcpt}>... Local configuration error")
            where = ""
        elif reply is not None:
            addresses.append(f"    (reason: {remote})")
            command = _SENDMAIL_COMMANDS.get(step or Step.RCPT)
            if command is not None:
                transcript.append(">>> " + command.format(sender=entry.sender, rcpt=rcpt))
            transcript += [f"<<< {line}" for line in str(reply).splitlines()]
            text = _SENDMAIL_EXIT_TEXT.get(reply.code, "Service unavailable")
            status = reply.enhanced or f"{reply.reply_class}.0.0"
            transcript.append(f"{reply.code} {status} <{rcpt}>... {text}")
            where = f"Remote-MTA: DNS; {target}\r\nDiagnostic-Code: SMTP; {remote}\r\n"
        else:
            status = "5.1.2"
            transcript.append(
                f"550 5.1.2 <{rcpt}>... Host unknown (Name server: {entry.domain}: host not found)"
            )
            where = f"Remote-MTA: DNS; {entry.domain}\r\n"
        blocks.append(
            f"Final-Recipient: RFC822; {rcpt}\r\n"
            f"X-Actual-Recipient: rfc822; {rcpt}\r\n"
            "Action: failed\r\n"
            f"Status: {status}\r\n"
            f"{where}"
            f"Last-Attempt-Date: {date}\r\n"
        )
    if later is not None:
        transcript.append(f"Message could not be delivered for {_pintvl(lifetime)}")
        transcript.append("Message will be deleted from queue")
    original = entry.content.partition(b"\r\n\r\n")[0].decode("utf-8", "replace")
    peer = _sendmail_peer(original)
    body = (
        f"This is a MIME-encapsulated message\r\n\r\n--{boundary}\r\n\r\n"
        f"The original message was received at {arrived}\r\n"
        + (f"from {peer}\r\n" if peer else "")
        + "\r\n   ----- The following addresses had permanent fatal errors -----\r\n"
        + "".join(f"{line}\r\n" for line in addresses)
        + "\r\n   ----- Transcript of session follows -----\r\n"
        + "".join(f"{line}\r\n" for line in transcript)
        + f"\r\n--{boundary}\r\nContent-Type: message/delivery-status\r\n\r\n"
        f"Reporting-MTA: dns; {hostname}\r\nArrival-Date: {arrived}\r\n\r\n"
        + "\r\n".join(blocks)
        + f"\r\n--{boundary}\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"Return-Path: <{entry.sender}>\r\n{original}\r\n"
        f"\r\n--{boundary}--\r\n\r\n"
    )
    return head + b"\r\n" + body.encode()


def _sendmail_deferral(reason: str) -> tuple[str, str | None]:
    """What sendmail says of the last try that deferred a message, and the host it tried:
    "Connection refused by example.org." (recorded), "Connection timed out with HOST.", or
    the reply that put it off; the simulator's own words for anything else."""
    last = reason.rsplit("; ", 1)[-1]
    match = re.fullmatch(r"connection refused by (\S+) port \d+", last)
    if match:
        return f"Connection refused by {match[1]}.", match[1]
    match = re.fullmatch(r"connection to (\S+) port \d+ timed out", last)
    if match:
        return f"Connection timed out with {match[1]}.", match[1]
    match = re.fullmatch(r"(\S+) said: (.*)", last)
    if match:
        return match[2], match[1]
    return last, None


def _pintvl(seconds: float) -> str:
    """A time as sendmail writes it in words, pintvl() of convtime.c (not brief): "5 days",
    "1 second", "1 day, 2 hours"."""
    left = int(seconds)
    parts = []
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1)):
        count, left = divmod(left, size)
        if count:
            parts.append(f"{count} {unit}" + "s" * (count > 1))
    return ", ".join(parts)


def _sendmail_peer(headers: str) -> str:
    """The client the message came from as sendmail's Received: line named it ($_): "from
    HELO (PEER)" or "(from PEER)" in the first Received: field, "" if none."""
    match = re.search(r"^Received: (?:from \S+ \(([^)]*)\)|\(from ([^)]*)\))", headers, re.M)
    if match is None:
        return ""
    return match.group(1) or match.group(2)
