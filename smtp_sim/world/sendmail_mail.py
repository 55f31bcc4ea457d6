"""What sendmail 8 writes on the mail it takes and about the mail it cannot deliver, as the
real one (Debian 12's sendmail 8.17.1.9, conformance/setup_sendmail.sh) wrote it: its
Received: field and its bounces (tests/world/data/sendmail-8.17-headers.txt holds the
recordings, tests/world/test_sendmail_headers.py plays them)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import TYPE_CHECKING

from ..protocol.delivery import Step
from ..protocol.reply_texts import (
    SENDMAIL_HOST_UNKNOWN,
    SENDMAIL_LOCAL_CONFIG,
    SENDMAIL_MX_LOOP,
    SENDMAIL_UNAVAILABLE,
    SENDMAIL_USER_UNKNOWN,
)

if TYPE_CHECKING:
    from ..protocol.replies import Reply, ReplySpec
    from .queue import QueueEntry
    from .stamps import Stamps


#: sendmail's $Z of Debian 12's package (sendmail.cf: DZ8.17.1.9/Debian-2+deb12u2): $v, then
#: Debian's release
SENDMAIL_DEBIAN_RELEASE = "Debian-2+deb12u2"


def sendmail_received(
    hostname: str,
    version: str,
    helo: str | None,
    peer: str,
    proto: str,
    queue_id: str,
    rcpts: list[str],
    date: str,
) -> bytes:
    """The Received: field of sendmail 8, as Debian 12's sendmail.cf (cf/m4/proto.m4) defines it:

        HReceived: $?sfrom $s $.$?_($?s$|from $.$_)
        \t$.$?{auth_type}(authenticated$?{auth_ssf} bits=${auth_ssf}$.)
        \t$.by $j ($v/$Z)$?r with $r$. id $i$?{tls_version}
        \t(version=...)$.$?u
        \tfor $u; $|;
        \t$.$b

    ``$s`` the HELO name, ``$_`` the client as the reverse lookup named it ("name [ip]", or
    "[ip]" when it found no name), ``$r`` the protocol, ``$u`` the recipient when there is
    exactly one, ``$b`` arpadate()'s date. (Neither AUTH nor STARTTLS is offered by the
    simulated sendmail, so their parts never appear.) tests/world/test_sendmail_headers.py holds
    what the real one wrote."""
    client = f"from {helo} ({peer})" if helo else f"(from {peer})"
    by = f"\tby {hostname} ({version}/{version}/{SENDMAIL_DEBIAN_RELEASE})"
    by += f" with {proto} id {queue_id}" if proto else f" id {queue_id}"
    tail = f"\r\n\tfor <{rcpts[0]}>; {date}" if len(rcpts) == 1 else f";\r\n\t{date}"
    return f"Received: {client}\r\n{by}{tail}\r\n".encode()


def sendmail_local_copy(sender: str, content: bytes) -> bytes:
    """A message as sendmail 8 of Debian 12 delivers it to a local mailbox: the local mailer
    (F=...P...: Return-Path, the null sender written MAILER-DAEMON) hands it to sensible-mda
    and procmail, which add Content-Length: last in the header block, the body's octets with
    the mbox's LF line ends. No Delivered-To (recorded: bob's and alice's mailboxes)."""
    head, sep, body = content.partition(b"\r\n\r\n")
    length = len(body.replace(b"\r\n", b"\n"))
    return_path = f"Return-Path: <{sender or 'MAILER-DAEMON'}>\r\n".encode()
    if not sep:  # (no body: the header block ends the message)
        head = head.removesuffix(b"\r\n")
    return return_path + head + f"\r\nContent-Length: {length}\r\n\r\n".encode() + body


# -- bounces --------------------------------------------------------------------------------------
# returnToSender() and errbody() of sendmail/savemail.c write them.

#: the command sendmail sent when a step's reply refused the mail (>>> in the transcript)
_SENDMAIL_COMMANDS = {
    Step.MAIL: "MAIL From:<{sender}>",
    Step.RCPT: "RCPT To:<{rcpt}>",
    Step.DATA: "DATA",
    Step.CONTENT: "DATA",  # (recorded: a refusal after the final dot is shown as DATA's)
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
    deferred_reply: Reply | None = None,
    lifetime: float = 0.0,
    looped: bool = False,
    local: bool = False,
) -> bytes:
    """sendmail 8's bounce of ``recipients`` of ``entry``, its own message ``queue_id``, as it
    leaves by SMTP: a remote server's refusal (``reply`` from ``target`` at ``step``), a
    message still ``deferred`` when ``lifetime`` ran out (Timeout.queuereturn; by
    ``deferred_reply`` from ``target`` at ``step``, or by a connection), a route that
    ``looped`` back to itself, else a destination its host lookup did not find (Host unknown,
    5.1.2). Recorded from the real one: refusals at RCPT (550 5.1.1: "User unknown", 5.1.1;
    554 5.7.1: "Service unavailable", 5.0.0) and after the final dot (shown as DATA's), Host
    unknown, a queue timeout; not the loop, whose texts are sendmail's (domain.c's "MX list
    for %s points back to %s", 5.3.5). A ``local`` sender's copy keeps From: unqualified (the
    local mailer's header rewriting), as one sent by SMTP does not."""
    date = stamps.arpa_date_text()
    moment = stamps.start + timedelta(seconds=stamps.clock.now)
    arrived = stamps.arpa_date_text(entry.arrived)
    boundary = f"{queue_id}.{stamps.unix_time()}/{hostname}"
    head = sendmail_received(hostname, version, "localhost", "localhost", "", queue_id, [], date)
    head += (
        f"Date: {date}\r\n"
        f"From: Mail Delivery Subsystem <MAILER-DAEMON{'' if local else '@' + hostname}>\r\n"
        f"Message-Id: <{moment:%Y%m%d%H%M}.{queue_id}@{hostname}>\r\n"
        f"To: <{entry.sender}>\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: multipart/report; report-type=delivery-status;\r\n"
        f'\tboundary="{boundary}"\r\n'
        "Subject: Returned mail: see transcript for details\r\n"
        "Auto-Submitted: auto-generated (failure)\r\n"
    ).encode()

    said = reply if reply is not None else deferred_reply  # (the reply the transcript shows)
    remote = " ".join(str(said).splitlines()) if said is not None else ""
    addresses: list[str] = []
    transcript: list[str] = []
    blocks: list[str] = []
    later = _sendmail_deferral(deferred) if deferred is not None else None
    if said is not None and target is not None:
        transcript.append(f"... while talking to {target}.:")
    for rcpt in recipients:
        addresses.append(f"<{rcpt}>")
        if later is not None and deferred_reply is not None:
            status = "4.4.7"
            addresses.append(f"    (reason: {remote})")
            transcript += _exchange(step, entry.sender, rcpt, deferred_reply)
            transcript.append(f"<{rcpt}>... Deferred: {remote}")
            where = f"Remote-MTA: DNS; {target}\r\nDiagnostic-Code: SMTP; {remote}\r\n"
        elif later is not None:
            text, host = later
            status = "4.4.7"
            transcript.append(f"<{rcpt}>... Deferred: {text}")
            where = f"Remote-MTA: DNS; {host}\r\n" if host else ""
        elif looped:
            status = "5.3.5"
            transcript.append(_line(SENDMAIL_MX_LOOP, domain=entry.domain, hostname=hostname))
            transcript.append(_line(SENDMAIL_LOCAL_CONFIG, address=f"<{rcpt}>"))
            where = ""
        elif reply is not None:
            addresses.append(f"    (reason: {remote})")
            transcript += _exchange(step, entry.sender, rcpt, reply)
            refused = (
                SENDMAIL_USER_UNKNOWN if reply.code in (550, 551, 553) else SENDMAIL_UNAVAILABLE
            )
            status = refused.enhanced or ""
            transcript.append(_line(refused, address=f"<{rcpt}>"))
            where = f"Remote-MTA: DNS; {target}\r\nDiagnostic-Code: SMTP; {remote}\r\n"
        else:
            status = "5.1.2"
            transcript.append(
                _line(SENDMAIL_HOST_UNKNOWN, address=f"<{rcpt}>", domain=entry.domain)
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


def _exchange(step: Step | None, sender: str, rcpt: str, reply: Reply) -> list[str]:
    """The command that met ``reply`` (>>>) and the reply (<<<), as the transcript shows them."""
    command = _SENDMAIL_COMMANDS.get(step or Step.RCPT)
    sent = [">>> " + command.format(sender=sender, rcpt=rcpt)] if command is not None else []
    return sent + [f"<<< {line}" for line in str(reply).splitlines()]


def _line(spec: ReplySpec, **fields: str) -> str:
    """One of sendmail's own lines in a transcript: code, status, text."""
    return f"{spec.code} {spec.enhanced} {spec.text.format(**fields)}"


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
