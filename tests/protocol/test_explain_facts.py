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
    "exit",
    "",
    "mail from:<alice@crepes.fr> SIZE = 10",
    "mail from:<alice@crepes.fr>SIZE=10",
    "auth plain AGFsaWNl",
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


def _next(code: int, command: str, text: str, enhanced: str | None = None, **known) -> str:
    said = explain_reply(code, enhanced, command=command, text=text, **known)
    return next(line for line in said.splitlines() if line.startswith("Next: "))


@pytest.mark.parametrize("word", ["exit", "logout", "bye", "quit()", "close", "logoff"])
def test_a_word_for_leaving_is_told_to_type_quit(word) -> None:
    """A student who wants out types what a shell or an FTP client takes: the advice is
    QUIT (RFC 5321 section 4.1.1.10), not a guess at a verb that looks alike (EXIT: EXPN)."""
    advice = _next(502, word, "5.5.2 Error: command not recognized")
    assert "QUIT" in advice and "4.1.1.10" in advice
    assert "Did you mean" not in advice and "EXPN" not in advice


def test_an_empty_line_is_told_as_what_it_is() -> None:
    """Postfix answers an empty line '500 5.5.2 Error: bad syntax': not a misspelt verb."""
    advice = _next(500, "", "Error: bad syntax", "5.5.2")
    assert "empty line" in advice and "RECV" not in advice
    assert "nothing changed" in advice and "RFC 5322 section 2.1" in advice


def test_vrfy_and_expn_refusals_are_each_explained() -> None:
    """RFC 5321 section 3.5.3: 252 where an address 'cannot reasonably be verified' (and
    section 4.2.3's text: 'Cannot VRFY user, but will accept message and attempt
    delivery'); 550 when the server knows no such user or list."""
    vrfy = _next(252, "vrfy bob", "2.0.0 bob")
    assert "neither confirms nor denies that bob exists" in vrfy and "3.5.3" in vrfy
    assert "will accept" in vrfy and "RCPT TO" in vrfy
    expn = _next(252, "expn staff", "Cannot EXPN list")
    assert "will not list the members of staff" in expn and "3.5.3" in expn
    unknown = _next(550, "vrfy nobody", "nobody... User unknown")
    assert "knows no user nobody" in unknown and "RCPT" not in unknown.split(".")[0]
    nolist = _next(550, "expn stuff", "stuff... User unknown")
    assert "knows no list or user stuff" in nolist and "section 3.5.1" in nolist


def test_552_to_rcpt_follows_the_server_text() -> None:
    """A full mailbox (552 5.2.2) and too many recipients (RFC 821's 552, RFC 5321 section
    4.5.3.1.10's 452, 'the client SHOULD also be prepared for a 552')."""
    full = _next(552, "rcpt to:<bob@cs.tcd.ie>", "<bob@cs.tcd.ie>: Mailbox full", "5.2.2")
    assert "mailbox is full" in full and "accepted before still count" in full
    many = _next(552, "rcpt to:<x@cs.tcd.ie>", "Too many recipients")
    assert "no more recipients" in many and "4.5.3.1.10" in many and "DATA" in many
    assert "no more recipients" in _next(452, "rcpt to:<x@y>", "Error: too many recipients")


@pytest.mark.parametrize("text", ["Error: nested MAIL command", "Sender already specified"])
def test_a_second_mail_is_told_rset_first(text) -> None:
    """sendmail's 'Sender already specified' was told to greet the server first."""
    advice = _next(503, "mail from:<carol@crepes.fr>", text, greeting="HELO")
    assert advice.startswith("Next: A message is already under way") and "RSET" in advice
    assert "Greet" not in advice and "section 4.1.1.5" in advice


def test_auth_before_starttls_is_told_starttls_first() -> None:
    """Postfix with smtpd_tls_auth_only answers AUTH before TLS '503 5.5.1 Error:
    authentication not enabled': the way on is STARTTLS, not 'the missing step'."""
    text = "Error: authentication not enabled"
    first = _next(503, "auth plain AGFsaWNl", text, "5.5.1", login="STARTTLS, then AUTH")
    assert "STARTTLS first" in first and "RFC 3207" in first and "missing step" not in first
    plain = _next(503, "auth login", text, "5.5.1")
    assert "does not offer AUTH" in plain and "missing step" not in plain


def test_parameter_mistakes_are_named() -> None:
    """'SIZE = 10' (spaces around '=') and '<a>SIZE=10' (no space after the path)."""
    spaced = _next(555, "mail from:<a@crepes.fr> SIZE = 10", "5.5.4 Unsupported option: SIZE")
    assert "SIZE=10" in spaced and "SIZE==" not in spaced and "no spaces" in spaced
    glued = _next(501, "mail from:<a@crepes.fr>SIZE=10", "5.1.7 Bad sender address syntax")
    assert "space" in glued and "MAIL FROM:<a@crepes.fr> SIZE=10" in glued
    assert "section 4.1.1.2" in glued


def _pop3_next(command: str, text: str = "unknown command") -> str:
    from smtp_sim.protocol.pop3_replies import Pop3Reply, explain_pop3_reply

    said = explain_pop3_reply(Pop3Reply(ok=False, text=text), command=command)
    return said.splitlines()[0]


def test_pop3_typos_are_named_with_the_verb_meant() -> None:
    """walk notes: `del 1` got only 'The server does not know this command'."""
    dele = _pop3_next("del 1")
    assert dele.startswith("Next: ") and "type DELE 1" in dele
    assert "type RETR 2" in _pop3_next("retrieve 2")
    assert "type LIST" in _pop3_next("lsit")
    assert "type RETR 1" in _pop3_next("get 1")
    assert "type RETR 1" in _pop3_next("retr1")


@pytest.mark.parametrize("line", ["telnet mail.cs.tcd.ie 110", "open mail.cs.tcd.ie 25"])
def test_a_telnet_typed_to_a_pop3_server_is_told_quit_first(line) -> None:
    """walkC (push-pull step 2): 'telnet mail.cs.tcd.ie 110' typed while connected was told
    'type DELE mail.cs.tcd.ie 110', the nearest verb: it is a new connection meant."""
    advice = _pop3_next(line)
    assert "still connected" in advice and "QUIT first" in advice
    assert "DELE" not in advice


@pytest.mark.parametrize("word", ["exit", "logout", "bye"])
def test_pop3_leaving_words_are_told_quit(word) -> None:
    advice = _pop3_next(word)
    assert "type QUIT" in advice and "RFC 1939 sections 4 and 6" in advice


def test_pop3_advice_only_for_an_unknown_command() -> None:
    from smtp_sim.protocol.pop3_replies import Pop3Reply, explain_pop3_reply

    said = explain_pop3_reply(Pop3Reply(ok=False, text="no such message"), command="retr 9")
    assert not said.startswith("Next: ")
    # (an SMTP verb typed on port 110 is no typo)
    assert "SMTP command" in _pop3_next("helo me") and "port 25" in _pop3_next("helo me")


def test_parameter_mistakes_are_named_whatever_the_server_answers() -> None:
    """sendmail 8 answers 'SIZE = 10' with '501 5.5.2 SIZE requires a value', and takes
    '<a@crepes.fr>SIZE=10' whole as the sender ('250 2.1.0 <a@crepes.fr>SIZE=10... Sender ok')."""
    spaced = _next(501, "mail from:<a@crepes.fr> SIZE = 10", "SIZE requires a value", "5.5.2")
    assert "SIZE=10" in spaced and "no spaces" in spaced
    took = _next(250, "mail from:<a@crepes.fr>SIZE=10", "<a@crepes.fr>SIZE=10... Sender ok")
    assert "took <a@crepes.fr>SIZE=10 as the sender" in took and "RSET" in took
    assert "MAIL FROM:<a@crepes.fr> SIZE=10" in took


def test_sendmail_refusing_auth_is_not_told_a_missing_step() -> None:
    """sendmail 8 without SASL: '503 5.3.3 AUTH not available'."""
    advice = _next(503, "auth login", "AUTH not available", "5.3.3")
    assert "does not offer AUTH" in advice and "missing step" not in advice


def test_an_empty_line_to_a_pop3_server_is_told_as_what_it_is() -> None:
    advice = _pop3_next("")
    assert advice.startswith("Next: An empty line is no command") and "USER" in advice
