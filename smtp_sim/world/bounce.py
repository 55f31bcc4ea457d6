"""Bounces: delivery status notifications (RFC 3464) sent from the null sender ``<>``."""

from __future__ import annotations

from email.message import EmailMessage, Message
from email.policy import SMTP
from typing import TYPE_CHECKING, cast

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
