"""Facts in the explanation catalog, checked against their sources, and explanations that never
contradict the reply they explain."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from smtp_sim.protocol.explain import (
    CLASS_MEANING,
    COMMANDS,
    REPLY_CODES,
    explain,
    explain_reply,
)
from smtp_sim.protocol.personalities import PERSONALITIES
from smtp_sim.protocol.replies import ReplyKind, render

#: Command lines a student types, right and wrong.
_LINES = (
    "RECV TO:<bob@cs.tcd.ie>",
    "recv",
    "DEBUG",
    "wiz",
    "VRFY bob",
    "EXPN staff",
    "EHLO pc.crepes.fr",
    "HELO",
    "MAIL FROM:<alice@crepes.fr>",
    "RCPT TO:<bob@cs.tcd.ie>",
    "DATA",
    "DATA now",
    "FOO",
    "RCTP TO:<bob@cs.tcd.ie>",
    ".",
    "telnet mx 25",
    "RSET",
    "QUIT now",
    "x" * 600,
)

#: "answers RECV with 500", "this server answered 502", "gets 554": a claim about the reply.
_CLAIM = re.compile(
    r"\b(?:answer(?:s|ed)?|repl(?:y|ies|ied)|gets?|got)\b"
    r"(?:\W+[A-Za-z']+){0,4}?\W+([2-5]\d\d)\b"
)


def _every_reply():
    for ident, personality in sorted(PERSONALITIES.items()):
        for kind in ReplyKind:
            spec = personality.reply(kind)
            reply = render(
                spec,
                enhanced_codes=personality.enhanced_codes,
                kind=kind,
                address="<bob@cs.tcd.ie>",
                argument="bob",
                verb="DATA",
                option="FOO=bar",
                hostname="mail.cs.tcd.ie",
                line="recv",
                client="pc.crepes.fr",
                ip="192.0.2.10",
                queue_id="4F2A1C3D9",
                size="10240000",
            )
            yield pytest.param(reply, id=f"{ident}-{kind.value}")


def test_the_claim_pattern_catches_a_contradiction() -> None:
    old = "RECV is not an SMTP command, and a server answers RECV with 500."
    assert _CLAIM.findall(old) == ["500"]


@pytest.mark.parametrize("reply", list(_every_reply()))
def test_advice_never_contradicts_the_reply_it_explains(reply) -> None:
    """The advice fitted to the command typed (the "Next:" line, when it differs from the
    code's general advice) claims no other reply than the one given."""
    general = explain_reply(reply.code, reply.enhanced).splitlines()[1]
    for line in _LINES:
        advice = explain_reply(
            reply.code, reply.enhanced, command=line, text=reply.text
        ).splitlines()[1]
        if advice != general:
            assert set(_CLAIM.findall(advice)) <= {str(reply.code)}, (line, advice)


def test_recv_advice_names_the_code_the_server_gave() -> None:
    postfix_1_1 = PERSONALITIES["postfix-1.1"].reply(ReplyKind.UNKNOWN_COMMAND)
    assert postfix_1_1.code == 502  # Postfix 1.1.13 smtpd.c: "502 Error: command not implemented"
    text = explain_reply(502, None, command="RECV TO:<bob@cs.tcd.ie>", text=postfix_1_1.text)
    assert "answered 502" in text and "RCPT" in text and "500" not in text
    general = explain("RECV")
    assert "500" in general and "502" in general and "Postfix 1.1" in general


def test_ehlo_came_with_rfc_1425_in_1993() -> None:
    details = COMMANDS["EHLO"].details
    assert "RFC 1425 (February 1993)" in details
    assert "RFC 1651 (1994)" in details and "RFC 1869 (1995)" in details


def test_354_is_the_only_3yz_of_base_smtp_and_auth_adds_334() -> None:
    for text in (CLASS_MEANING[3], REPLY_CODES[354].meaning):
        assert "base SMTP" in text and "334" in text and "RFC 4954" in text


def test_relay_refusal_codes_of_postfix_are_both_named() -> None:
    """Postfix: reject_unauth_destination 554 5.7.1, defer_unauth_destination (the default
    since 2.11, smtpd_relay_restrictions in mail_params.h) 454 4.7.1."""
    rcpt = COMMANDS["RCPT"].details
    assert "RFC 2505 section 2.1" in rcpt and "454 4.7.1" in rcpt and "554 5.7.1" in rcpt
    assert "454 4.7.1" in REPLY_CODES[554].meaning


#: Publication dates checked on the RFC editor's pages / the RFCs' own headers.
RFC_YEARS = {
    821: 1982,
    822: 1982,
    1341: 1992,
    1425: 1993,
    1651: 1994,
    1869: 1995,
    2505: 1999,
    2821: 2001,
    5321: 2008,
    5322: 2008,
}

_DATED = (
    re.compile(r"RFC (\d+) \((?:[A-Z][a-z]+ )?(\d{4})\)"),  # RFC 1425 (February 1993)
    re.compile(r"RFC (\d+) in (\d{4})"),  # RFC 1869 in 1995
    re.compile(r"RFC (\d+) section [\d.]+ \((\d{4})\)"),  # RFC 2505 section 2.11 (1999)
)


def _course_texts() -> list[tuple[str, str]]:
    root = Path(__file__).resolve().parents[2]
    files = [
        *sorted((root / "lessons").glob("*.toml")),
        root / "smtp_sim" / "protocol" / "explain_data.py",
        root / "smtp_sim" / "protocol" / "pop3_replies.py",
    ]
    return [(f.name, re.sub(r"\s+", " ", f.read_text(encoding="utf-8"))) for f in files]


def test_every_dated_rfc_has_its_true_year() -> None:
    seen = set()
    for name, text in _course_texts():
        for pattern in _DATED:
            for number, year in pattern.findall(text):
                seen.add(int(number))
                assert int(number) in RFC_YEARS, f"{name}: RFC {number} ({year}) is not checked"
                assert RFC_YEARS[int(number)] == int(year), f"{name}: RFC {number} ({year})"
    assert {821, 1425, 1869} <= seen


def test_a_221_to_a_command_other_than_quit_is_explained_as_a_hang_up() -> None:
    """Postfix (smtpd.c, smtpd_forbidden_commands: CONNECT GET POST and, since 3.7, any line
    not starting with a letter) answers 221 2.7.0 and hangs up; QUIT's 221 is the usual end."""
    text = "Error: I can break rules, too. Goodbye."
    for line in (".", "From: alice@crepes.fr", "GET / HTTP/1.1"):
        assert "hung up" in explain_reply(221, "2.7.0", command=line, text=text)
    assert "hung up" not in explain_reply(221, "2.0.0", command="QUIT", text="Bye")
    assert "does not start with a letter" in REPLY_CODES[221].meaning


def test_454_is_explained_with_its_rfcs_and_postfix_relay_refusal() -> None:
    """RFC 3207 section 4 (STARTTLS), RFC 4954 section 6 (AUTH); Postfix's
    defer_unauth_destination answers 454 4.7.1 (smtpd_check.c: var_relay_code - 100)."""
    info = REPLY_CODES[454]
    assert "RFC 3207 section 4" in info.rfc and "RFC 4954 section 6" in info.rfc
    assert "454 4.7.1" in info.meaning and "defer_unauth_destination" in info.meaning
    advice = explain_reply(
        454,
        "4.7.1",
        command="RCPT TO:<carol@example.org>",
        text="<carol@example.org>: Relay access denied",
    )
    assert "Relaying refused" in advice and "may not be final" in advice
    assert "example.org spelt right" in advice  # the likely typo named (issue 15)
    assert "Relaying refused" not in explain_reply(
        454, "4.7.0", command="AUTH PLAIN x", text="Temporary authentication failure"
    )


def test_advice_fits_the_walkthroughs_cases():
    """walkA/walkB: USER on port 25 got 'Did you mean RSET?'; 'rcpt ot:' was told about a
    space; a second AUTH was told 'or RSET'; a relay refused for a real domain (the lesson's
    point) asked whether it was spelt right; the HELO example named another lesson's host."""
    from smtp_sim.protocol.explain import explain_reply

    def advice(code: int, command: str, text: str, **known) -> str:
        said = explain_reply(code, command=command, text=text, **known)
        return next(line for line in said.splitlines() if line.startswith("Next: "))

    pop3 = advice(502, "USER alice", "5.5.2 Error: command not recognized")
    assert "POP3 command" in pop3 and "port 110" in pop3 and "RSET" not in pop3
    typo = advice(501, "rcpt ot:<carol@example.org>", "5.5.4 Syntax: RCPT TO:<address>")
    assert "RCPT is followed by TO:" in typo and "'ot'" in typo
    again = advice(503, "auth plain AGFsaWNl", "5.5.1 Error: already authenticated")
    assert "RFC 4954 section 4" in again and "RSET" not in again
    domains = {"cs.tcd.ie", "crepes.fr", "example.org"}
    text = "5.7.1 <bob@cs.tcd.ie>: Relay access denied"
    real = advice(554, "rcpt to:<bob@cs.tcd.ie>", text, domains=domains)
    assert "spelt" not in real and "not this server's own domain" in real
    text = "5.7.1 <bob@cs.tcd.ei>: Relay access denied"
    typo = advice(554, "rcpt to:<bob@cs.tcd.ei>", text, domains=domains)
    assert "is cs.tcd.ei spelt right? (did you mean cs.tcd.ie?)" in typo
    rob = advice(550, "rcpt to: rob@cs.tcd.ie", "5.1.1 <rob@cs.tcd.ie>: User unknown")
    assert "Recipients accepted before still count" in rob and "the whole message" not in rob
    size = advice(555, "mail from:<a@crepes.fr> SIZE 99999999", "5.5.4 Unsupported option: SIZE")
    assert "SIZE=99999999" in size  # (walkB2: 'resend without the parameter' dropped SIZE)
    assert "Did you mean EHLO?" in advice(502, "elho x", "5.5.2 Error: command not recognized")
    helo = advice(501, "helo", "Syntax: HELO hostname", client="lab.example.edu")
    assert helo.endswith("e.g. HELO lab.example.edu.")
