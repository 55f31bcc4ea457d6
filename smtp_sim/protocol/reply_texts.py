"""The rest of the reply catalog: texts that are not one ``ReplyKind``'s template.

:mod:`.replies` holds each kind's code, enhanced code and text. This module holds the other
reply texts the program shows or sends, so that none lives anywhere else:

- :data:`CODE_TEXTS`: each reply code's standard text (RFC 5321 sections 4.2.2 and 4.2.3, RFC
  7504 for 521), the title of its explanation (explain_data.py). Where a kind's default text is
  that text, it is read from the kind (``<domain>`` where the template says ``{hostname}``).
- the lines of a HELP reply (the server's own HELP; sendmail's comes from its helpfile);
- the replies a fault injects: the default text of a ``reply`` fault, greylisting's reply, and
  the ready-made faults the app's command palette offers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from .policy import Stage
from .replies import DEFAULT_REPLIES, ReplyKind, ReplySpec

K = ReplyKind


def _standard(kind: ReplyKind) -> str:
    """A kind's default text as the RFC writes it (``<domain>`` for the server's name)."""
    return DEFAULT_REPLIES[kind].text.replace("{hostname}", "<domain>")


#: code -> the RFC's text for it (explain_data.py's titles)
CODE_TEXTS: Mapping[int, str] = MappingProxyType(
    {
        211: "System status, or system help reply",
        214: "Help message",
        220: _standard(K.GREETING),
        221: _standard(K.BYE),
        235: "Authentication Succeeded",  # RFC 4954 section 6
        250: "Requested mail action okay, completed",
        251: "User not local; will forward to <forward-path>",
        252: _standard(K.VRFY_AMBIGUOUS),
        334: "Server challenge",  # RFC 4954 section 4 (a base64 SASL challenge)
        354: _standard(K.DATA_START),
        421: _standard(K.SERVICE_UNAVAILABLE),
        450: _standard(K.TEMPORARY_FAILURE),
        451: _standard(K.LOCAL_ERROR),
        452: "Requested action not taken: insufficient system storage",
        455: "Server unable to accommodate parameters",
        500: _standard(K.UNKNOWN_COMMAND),
        501: "Syntax error in parameters or arguments",
        502: _standard(K.NOT_IMPLEMENTED),
        503: _standard(K.BAD_SEQUENCE),
        504: _standard(K.PARAMETER_NOT_IMPLEMENTED),
        521: "Host does not accept mail",
        550: "Requested action not taken: mailbox unavailable",
        551: "User not local; please try <forward-path>",
        552: _standard(K.MESSAGE_TOO_BIG),
        535: "Authentication credentials invalid",  # RFC 4954 section 6
        553: "Requested action not taken: mailbox name not allowed",
        554: "Transaction failed (at connection: No SMTP service here)",
        555: _standard(K.UNSUPPORTED_OPTION).removesuffix(": {option}"),
    }
)

# -- HELP -------------------------------------------------------------------------------------

#: the last line of every HELP reply (Postfix's and sendmail's words)
HELP_END = "End of HELP info"
#: HelpStyle.LIST: one line naming the commands ({verbs}: space-separated)
HELP_LIST = "Commands: {verbs}"
#: HELP without a topic ({server}: the personality's name, {topics}: two spaces between)
HELP_TOPICS = (
    "This is {server} (simulated)",
    "Topics:",
    "    {topics}",
    'For more info use "HELP <topic>".',
    HELP_END,
)
#: HELP <topic>: the command's syntax and purpose (explain.COMMANDS)
HELP_TOPIC = ("{syntax}", "    {purpose}", HELP_END)

# -- faults -----------------------------------------------------------------------------------

#: the text of an injected reply given none: by its class (4yz, 5yz)
FAULT_TEXT_TEMPORARY = "Service temporarily unavailable"
FAULT_TEXT_PERMANENT = "Rejected"


def fault_text(code: int) -> str:
    """The text of an injected ``code`` reply given no text of its own."""
    return FAULT_TEXT_TEMPORARY if code < 500 else FAULT_TEXT_PERMANENT


#: greylisting (postgrey's words): the first try of every sender and recipient pair
GREYLIST = ReplySpec(
    450, "4.2.0", "Recipient address rejected: Greylisted, see https://postgrey.schweikert.ch/"
)
#: what the app's palette says of greylisting and of a full mailbox
GREYLIST_SUMMARY = f"{GREYLIST.code} on every first try"
MAILBOX_FULL_SUMMARY = "552 mailbox full"


@dataclass(frozen=True, slots=True)
class FaultPreset:
    """A ready-made ``reply`` fault: answer ``code text`` at ``stage``."""

    code: int
    stage: Stage
    text: str


#: the reply faults the command palette offers for every mail server
FAULT_PRESETS = (
    FaultPreset(450, Stage.RCPT, "Mailbox busy, try later"),
    FaultPreset(550, Stage.RCPT, "No such user here"),
    FaultPreset(421, Stage.CONNECT, "Service not available"),
    FaultPreset(451, Stage.END_OF_DATA, "Local error in processing"),
    FaultPreset(554, Stage.END_OF_DATA, "Transaction failed"),
)


#: DMARC's rejection at the final dot, as OpenDMARC (the milter Postfix sites run) words it:
#: opendmarc/opendmarc.c, mlfi_eom, case DMARC_POLICY_REJECT: ``"rejected by DMARC policy for
#: %s"`` with DMARC_REJECT_SMTP "550" and DMARC_REJECT_ESC "5.7.1"; Postfix sends it as given.
DMARC_REJECTION = ReplySpec(550, "5.7.1", "rejected by DMARC policy for {domain}")


def dmarc_rejection(domain: str) -> ReplySpec:
    """The reply rejecting a message that fails the ``p=reject`` policy of ``domain``."""
    spec = DMARC_REJECTION
    return ReplySpec(spec.code, spec.enhanced, spec.text.format(domain=domain))


#: sendmail 8's own lines in a bounce's transcript (world/sendmail_mail.py), {address} the
#: recipient in angle brackets, their codes also the DSN's Status: a destination its host lookup did not find (recorded from
#: Debian 12's sendmail 8.17.1.9, tests/world/data/sendmail-8.17-headers.txt), and a route
#: whose MX list leads back to itself (domain.c's "MX list for %s points back to %s" and
#: EX_CONFIG's "Local configuration error", 5.3.5; not yet seen from the real one)
SENDMAIL_HOST_UNKNOWN = ReplySpec(
    550, "5.1.2", "{address}... Host unknown (Name server: {domain}: host not found)"
)
#: what it says of a recipient a remote server refused, by that reply's code (usersmtp.c: 550,
#: 551, 553 are EX_NOUSER; the others EX_UNAVAILABLE), recorded: "550 5.1.1 ...", "554 5.7.1
#: ..." at RCPT and "554 5.7.1 ..." after DATA
SENDMAIL_USER_UNKNOWN = ReplySpec(550, "5.1.1", "{address}... User unknown")
SENDMAIL_UNAVAILABLE = ReplySpec(554, "5.0.0", "Service unavailable")
SENDMAIL_MX_LOOP = ReplySpec(554, "5.3.5", "MX list for {domain}. points back to {hostname}")
SENDMAIL_LOCAL_CONFIG = ReplySpec(554, "5.3.5", "{address}... Local configuration error")
