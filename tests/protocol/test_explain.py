"""The explanations students read: checked against RFC 5321, RFC 3463 and the reply catalog."""

from __future__ import annotations

import re

import pytest

from smtp_sim.protocol.explain import (
    CATEGORY_MEANING,
    CLASS_MEANING,
    COMMANDS,
    ENHANCED_CLASSES,
    ENHANCED_CODES,
    ENHANCED_SUBJECTS,
    REPLY_CODES,
    CodeInfo,
    CommandInfo,
    EnhancedInfo,
    UnknownTopic,
    explain,
    explain_code,
    explain_command,
    explain_enhanced,
    explain_reply,
)
from smtp_sim.protocol.explain_data import ANY_COMMAND_CODES, CONNECTION, RFC5321_VERBS
from smtp_sim.protocol.personalities import PERSONALITIES
from smtp_sim.protocol.replies import DEFAULT_REPLIES, ReplyKind

RFC5321_CODES = (
    211,
    214,
    220,
    221,
    250,
    251,
    252,
    354,
    421,
    450,
    451,
    452,
    455,
    500,
    501,
    502,
    503,
    504,
    550,
    551,
    552,
    553,
    554,
    555,
)

#: RFC 5321 section 4.3.2, copied from the reference facts (success, errors).
SECTION_4_3_2 = {
    "EHLO": ({250}, {504, 550, 502}),
    "HELO": ({250}, {504, 550, 502}),
    "MAIL": ({250}, {552, 451, 452, 550, 553, 503, 455, 555}),
    "RCPT": ({250, 251}, {550, 551, 552, 553, 450, 451, 452, 503, 455, 555}),
    "DATA": ({354, 250}, {503, 554, 552, 451, 452, 450, 550}),
    "RSET": ({250}, set()),
    "VRFY": ({250, 251, 252}, {550, 551, 553, 502, 504}),
    "EXPN": ({250, 252}, {550, 500, 502, 504}),
    "HELP": ({211, 214}, {502, 504}),
    "NOOP": ({250}, set()),
    "QUIT": ({221}, set()),
}

#: RFC 3463 section 3: the detail codes of each subject.
RFC3463_DETAILS = {
    0: range(1),
    1: range(9),
    2: range(5),
    3: range(6),
    4: range(8),
    5: range(6),
    6: range(6),
    7: range(8),
}


# -- reply codes ------------------------------------------------------------------------------


#: Codes of SMTP extensions that a modelled server answers (Postfix 3: 454 4.7.1 relay
#: deferred, RFC 3207/4954's 454; ETRN's 459, RFC 1985): explained, citing their own RFC.
EXTENSION_CODES = {
    235: "RFC 4954",
    334: "RFC 4954",
    454: "RFC 3207",
    459: "RFC 1985",
    521: "RFC 7504",
    535: "RFC 4954",
}


def test_reply_codes_cover_rfc5321_and_the_historic_200() -> None:
    assert set(REPLY_CODES) == {*RFC5321_CODES, 200, *EXTENSION_CODES}
    for code, rfc in EXTENSION_CODES.items():
        assert REPLY_CODES[code].rfc.startswith(rfc)
    for code, info in REPLY_CODES.items():
        assert isinstance(info, CodeInfo)
        assert info.code == code
        assert info.title and info.meaning and info.next_step and info.commands


@pytest.mark.parametrize("code", RFC5321_CODES)
def test_explain_code_cites_its_rfc5321_section(code: int) -> None:
    info = REPLY_CODES[code]
    assert re.fullmatch(r"RFC 5321 section \d+(\.\d+)*", info.rfc)
    text = explain_code(code)
    assert text.splitlines()[0] == f"{code} {info.title}"
    assert info.rfc in text
    assert info.next_step in text
    assert CLASS_MEANING[code // 100] in text
    assert CATEGORY_MEANING[code // 10 % 10] in text


def test_200_is_flagged_as_not_rfc5321() -> None:
    info = REPLY_CODES[200]
    assert "Not in RFC 5321" in info.rfc
    assert info.commands == ("DEBUG",)
    text = explain_code(200)
    assert "Debug set" in text and "Morris worm" in text and "CVE-1999-0095" in text


@pytest.mark.parametrize(
    ("code", "words"),
    [
        (354, ["<CRLF>.<CRLF>"]),
        (500, ["not know the command", "512"]),
        (502, ["recognizes the command but does not implement"]),
        (252, ["will accept", "3.5.3"]),
        (251, ["will forward"]),
        (551, ["will not forward", "3.4"]),
        (452, ["too many recipients", "552"]),
        (421, ["any command", "3.8", "timeout"]),
        (554, ["No SMTP service here", "3.1"]),
        (455, ["4.1.1.11"]),
        (555, ["4.1.1.11"]),
    ],
)
def test_key_facts_of_codes(code: int, words: list[str]) -> None:
    text = explain_code(code)
    for word in words:
        assert word in text


def test_class_and_category_tables() -> None:
    assert set(CLASS_MEANING) == {2, 3, 4, 5}
    assert set(CATEGORY_MEANING) == {0, 1, 2, 3, 4, 5}
    assert "Syntax" in CATEGORY_MEANING[0]
    assert "Information" in CATEGORY_MEANING[1]
    assert "Connections" in CATEGORY_MEANING[2]
    assert "Unspecified" in CATEGORY_MEANING[3] and "Unspecified" in CATEGORY_MEANING[4]
    assert "Mail system" in CATEGORY_MEANING[5]
    assert "temporary" in CLASS_MEANING[4] and "not repeat" in CLASS_MEANING[5]


@pytest.mark.parametrize("code", [432, 299, 599, 230])
def test_undefined_code_is_explained_from_its_digits(code: int) -> None:
    text = explain_code(code)
    assert "not defined by RFC 5321" in text
    assert CLASS_MEANING[code // 100] in text
    assert f"x{code // 10 % 10}z" in text


def test_second_digit_above_five_is_reported() -> None:
    assert "0-5" in explain_code(261)


@pytest.mark.parametrize("code", [0, 100, 199, 600, 999, -250])
def test_codes_outside_200_599_are_refused(code: int) -> None:
    with pytest.raises(UnknownTopic):
        explain_code(code)


# -- agreement between codes and commands (RFC 5321 section 4.3.2) ----------------------------


@pytest.mark.parametrize("verb", sorted(SECTION_4_3_2))
def test_command_replies_match_section_4_3_2(verb: str) -> None:
    success, errors = SECTION_4_3_2[verb]
    info = COMMANDS[verb]
    assert set(info.success) == success
    assert set(info.errors) == errors


def test_specific_reply_facts() -> None:
    assert 354 in COMMANDS["DATA"].success
    assert 252 in COMMANDS["VRFY"].success
    assert 452 in COMMANDS["RCPT"].errors
    assert 552 not in COMMANDS["RCPT"].success
    assert 502 in COMMANDS["VRFY"].errors
    assert 200 in COMMANDS["DEBUG"].success
    assert COMMANDS["TURN"].success == (250,)


def test_codes_list_the_commands_that_may_get_them() -> None:
    for code, info in REPLY_CODES.items():
        if code not in (*RFC5321_CODES, 200):
            continue  # EXTENSION_CODES: not in RFC 5321's section 4.3.2 lists
        for verb in info.commands:
            if verb == CONNECTION:
                assert code in (220, 554)
                continue
            cmd = COMMANDS[verb]
            assert code in cmd.success + cmd.errors or code in ANY_COMMAND_CODES, (code, verb)


def test_commands_replies_are_listed_back_on_the_codes() -> None:
    for verb in RFC5321_VERBS:
        cmd = COMMANDS[verb]
        for code in cmd.success + cmd.errors:
            assert verb in REPLY_CODES[code].commands, (verb, code)
    for code in ANY_COMMAND_CODES:
        assert set(RFC5321_VERBS) <= set(REPLY_CODES[code].commands)
        assert "any command" in explain_code(code)
    assert REPLY_CODES[220].commands == (CONNECTION,)
    assert CONNECTION in REPLY_CODES[554].commands


# -- enhanced status codes ----------------------------------------------------------------------


def test_enhanced_tables() -> None:
    assert set(ENHANCED_CLASSES) == {2, 4, 5}
    assert "Persistent Transient Failure" in ENHANCED_CLASSES[4]
    assert "Permanent Failure" in ENHANCED_CLASSES[5]
    assert set(ENHANCED_SUBJECTS) == set(range(8))
    assert "Security or Policy" in ENHANCED_SUBJECTS[7]
    expected = {f"{s}.{d}" for s, details in RFC3463_DETAILS.items() for d in details}
    auth = {"5.6", "7.8"}  # RFC 4954 section 6 (SMTP AUTH)
    assert set(ENHANCED_CODES) == expected | auth
    assert all(ENHANCED_CODES[key].rfc == "RFC 4954 section 6" for key in auth)
    for key, info in ENHANCED_CODES.items():
        assert isinstance(info, EnhancedInfo)
        assert info.code == f"X.{key}"
        if key not in auth:
            assert info.rfc == f"RFC 3463 section 3.{int(key.split('.')[0]) + 1}"
        assert info.title and info.meaning


@pytest.mark.parametrize(
    ("key", "title"),
    [
        ("1.1", "Bad destination mailbox address"),
        ("2.2", "Mailbox full"),
        ("3.4", "Message too big for system"),
        ("5.3", "Too many recipients"),
        ("7.1", "Delivery not authorized, message refused"),
    ],
)
def test_enhanced_titles(key: str, title: str) -> None:
    assert ENHANCED_CODES[key].title == title


def test_explain_enhanced_571() -> None:
    text = explain("5.7.1")
    assert text == explain_enhanced("5.7.1")
    assert "Security or Policy" in text
    assert "Permanent Failure" in text
    assert "RFC 3463 section 3.8" in text


def test_unknown_detail_falls_back_to_class_and_subject() -> None:
    text = explain_enhanced("4.7.99")
    assert "not defined by RFC 3463" in text
    assert "Persistent Transient Failure" in text and "Security or Policy" in text
    text = explain_enhanced("5.9.1")
    assert "Permanent Failure" in text and "subjects run 0 to 7" in text


@pytest.mark.parametrize("code", ["6.1.1", "3.0.0", "5.07.1", "5.1", "5.1.1.1", "x.1.1"])
def test_bad_enhanced_codes_are_refused(code: str) -> None:
    with pytest.raises(UnknownTopic):
        explain_enhanced(code)


# -- commands -----------------------------------------------------------------------------------


def test_command_table() -> None:
    assert set(COMMANDS) == {*RFC5321_VERBS, "DEBUG", "TURN"}
    for verb, info in COMMANDS.items():
        assert isinstance(info, CommandInfo)
        assert info.verb == verb
        assert info.syntax.startswith(verb)
        assert info.example.upper().startswith(verb)
        for text in (info.syntax, info.purpose):  # quoted in HELP replies: one short line
            assert "\n" not in text and "\r" not in text and len(text) < 200
    for verb in RFC5321_VERBS:
        assert COMMANDS[verb].rfc.startswith("RFC 5321 section 4.1.1.")
    assert "F.1" in COMMANDS["TURN"].rfc
    assert "Not in any RFC" in COMMANDS["DEBUG"].rfc


@pytest.mark.parametrize(
    ("verb", "words"),
    [
        (
            "DATA",
            [
                "4.5.2",
                "<CRLF>.<CRLF>",
                "<LF>.<LF>",
                "smuggling",
                "CVE-2023-51764",
                "1000",
                "10 minutes",
            ],
        ),
        ("MAIL", ["MAIL FROM:<>", "4.5.5", "64", "255", "256", "5 minutes", "555"]),
        ("RCPT", ["<postmaster>", "4.5.1", "100", "452", "RECV TO", "relay"]),
        (
            "EHLO",
            [
                "RFC 1869",
                "SIZE",
                "RFC 1870",
                "8BITMIME",
                "RFC 6152",
                "PIPELINING",
                "RFC 2920",
                "ENHANCEDSTATUSCODES",
                "RFC 2034",
                "RSET",
                "4.1.4",
            ],
        ),
        ("HELO", ["4.1.4"]),
        ("VRFY", ["RFC 2505", "252", "7.3"]),
        ("EXPN", ["RFC 2505"]),
        ("NOOP", ["ignored"]),
        ("RSET", ["501"]),
        ("QUIT", ["501", "221"]),
        ("DEBUG", ["Morris", "1988", "CVE-1999-0095", "200 Debug set"]),
        ("TURN", ["RFC 821", "deprecate"]),
    ],
)
def test_key_facts_of_commands(verb: str, words: list[str]) -> None:
    text = explain_command(verb)
    for word in words:
        assert word in text, word


def test_explain_command_lists_replies_and_rfc() -> None:
    text = explain_command("rcpt")
    assert "RCPT TO:<forward-path>" in text
    assert "RFC 5321 section 4.1.1.3" in text
    assert "452 Requested action not taken: insufficient system storage" in text


# -- dispatch -----------------------------------------------------------------------------------


def test_explain_dispatch() -> None:
    assert explain("354") == explain_code(354)
    assert explain("  354 ") == explain_code(354)
    assert explain("vrfy") == explain("VRFY") == explain_command("Vrfy")
    assert explain("rcpt to") == explain_command("RCPT")
    assert explain("RCPT TO:<bob@someschool.edu>") == explain_command("RCPT")
    assert explain("mail from") == explain_command("MAIL")
    assert "not defined" in explain("432")


def test_recv_is_explained_as_a_slip_for_rcpt() -> None:
    text = explain("RECV TO")
    assert "not an SMTP command" in text and "RCPT TO:<forward-path>" in text


@pytest.mark.parametrize("topic", ["abc", "999", "6.1.1", "", "   ", "100", "RECIEVE", "5.7"])
def test_unknown_topics(topic: str) -> None:
    with pytest.raises(UnknownTopic) as exc:
        explain(topic)
    message = str(exc.value)
    assert repr(topic) in message or topic.strip() in message
    assert "200" in message and "5.7.1" in message and "VRFY" in message


def test_unknown_topic_is_a_value_error() -> None:
    assert issubclass(UnknownTopic, ValueError)


# -- session summaries --------------------------------------------------------------------------


def test_explain_reply() -> None:
    text = explain_reply(550, "5.1.1")
    lines = text.splitlines()
    assert 1 <= len(lines) <= 3
    assert lines[0].startswith("550 ")
    assert "Bad destination mailbox address" in lines[-1]
    assert len(explain_reply(354).splitlines()) == 2
    assert "not defined by RFC 5321" in explain_reply(299)
    assert "not in RFC 3463" in explain_reply(421, "4.7.99")
    with pytest.raises(UnknownTopic):
        explain_reply(600)


def test_output_is_plain_text() -> None:
    texts = [explain_code(c) for c in REPLY_CODES]
    texts += [explain_command(v) for v in COMMANDS]
    texts += [explain_enhanced(f"5.{k}") for k in ENHANCED_CODES]
    for text in texts:
        assert text.isascii()
        assert "\x1b" not in text and "[/" not in text and "[bold" not in text


# -- the reply catalog and the personalities are all explained ------------------------------------


def _check_spec(code: int, enhanced: str | None) -> None:
    assert code in REPLY_CODES, code
    if enhanced is not None:
        klass, detail = enhanced.split(".", 1)
        assert int(klass) in ENHANCED_CLASSES, enhanced
        assert detail in ENHANCED_CODES, enhanced
        assert "not in RFC 3463" not in explain_reply(code, enhanced)


@pytest.mark.parametrize("kind", list(ReplyKind))
def test_every_default_reply_is_explained(kind: ReplyKind) -> None:
    spec = DEFAULT_REPLIES[kind]
    _check_spec(spec.code, spec.enhanced)


def test_every_personality_reply_is_explained() -> None:
    for personality in PERSONALITIES.values():
        for spec in personality.replies.values():
            _check_spec(spec.code, spec.enhanced)


@pytest.mark.parametrize(
    "code,command,text,expected",
    [
        (
            502,
            "mial from: alice@crepes.fr",
            "Error: command not implemented",
            "'MIAL' is not an SMTP command: check the spelling and type it again. Did you mean MAIL?",
        ),
        (500, "recv to:<bob@cs.tcd.ie>", "", "Type RCPT instead."),
        (500, "debug", "Syntax error, command unrecognized", "the Morris worm used DEBUG"),
        (501, "rcpt to bob", "Syntax error", "RCPT TO:<recipient@domain>"),
        (501, "vrfy", "5.5.4 Argument required", "VRFY and a user name or address"),
        (502, "VRFY bob", "VRFY command is disabled", "RCPT TO tells whether"),
        (500, "x" * 600, "Error: line too long", "send shorter lines"),
    ],
)
def test_next_step_fits_the_command(code, command, text, expected):
    summary = explain_reply(code, None, command=command, text=text)
    advice = next(line for line in summary.splitlines() if line.startswith("Next: "))
    assert expected in advice
    assert "RECV" not in advice or command.startswith("recv")  # not the generic advice
    assert advice != explain_reply(code).splitlines()[1]


def test_without_the_command_the_advice_is_the_codes():
    assert (
        explain_reply(250, None, command="NOOP").splitlines()[1]
        == explain_reply(250).splitlines()[1]
    )


@pytest.mark.parametrize(
    "command,expected",
    [
        ("helo FooBar", "MAIL FROM:<sender> starts a message."),
        ("mail from:<alice@crepes.fr>", "RCPT TO:<recipient>, once for each recipient."),
        ("rcpt to:<bob@cs.tcd.ie>", "Another RCPT TO for one more recipient, or DATA"),
    ],
)
def test_after_a_250_the_next_command_of_the_transaction(command, expected):
    assert explain_reply(250, None, command=command).splitlines()[1].startswith(f"Next: {expected}")


def test_telnet_typed_while_connected_says_to_quit_first():
    advice = explain_reply(500, "5.5.2", command="telnet relay.example.com 25").splitlines()[1]
    assert "still connected" in advice and "QUIT first" in advice


def test_a_dot_line_outside_data_says_the_message_already_ended():
    advice = explain_reply(500, "5.5.2", command=" .").splitlines()[1]
    assert "an earlier line holding only '.' ended it" in advice


def test_the_enhanced_code_line_of_a_reply_says_each_thing_once_and_whole():
    """Issue 15: '2.0.0 Other undefined Status: Success, Other or Undefined Status (RFC 3463'
    said the same twice and was cut inside its nested brackets."""
    from smtp_sim.protocol.explain import explain_reply

    line = explain_reply(250, "2.0.0", command="DATA", text="Ok: queued as 4F3A").splitlines()[-1]
    assert line == "2.0.0: Success, no more detail (RFC 3463 section 3.1)."
    line = explain_reply(250, "2.1.0", command="MAIL FROM:<a@b>", text="Ok").splitlines()[-1]
    assert line == "2.1.0: Success, Addressing Status, no more detail (RFC 3463 section 3.2)."
    line = explain_reply(
        550, "5.1.1", text="<rob@cs.tcd.ie>: Recipient address rejected"
    ).splitlines()[-1]
    assert line.startswith("5.1.1 Bad destination mailbox address: Permanent Failure")
    assert line.count("(") == line.count(")") == 1


def test_ehlo_refused_falls_back_to_helo():
    """RFC 5321 section 3.2: after "command not recognized" to EHLO a client SHOULD be able
    to fall back and send HELO (a 1988 server answers EHLO with 500, not only 502)."""
    for code in (500, 502):
        advice = explain_reply(code, None, command="ehlo pc.crepes.fr").splitlines()[1]
        assert "Fall back to HELO" in advice and "RECV" not in advice


def test_a_greeting_without_esmtp_advises_helo():
    advice = explain_reply(220, None, command="telnet old 25", esmtp=False).splitlines()[1]
    assert "send HELO" in advice and "send EHLO" not in advice
    assert "send EHLO" in explain_reply(220, None, esmtp=True).splitlines()[1]


def test_a_relay_refused_where_a_login_would_allow_it():
    said = explain_reply(
        554, "5.7.1", command="rcpt to:<bob@cs.tcd.ie>", text="Relay access denied", login="AUTH"
    ).splitlines()
    assert said[1].startswith("Next: Log in first (AUTH)")
    # (the greeting's "No SMTP service here" is not the title of a 554 to RCPT)
    assert said[0] == "554 Transaction failed (Permanent Negative Completion)."


@pytest.mark.parametrize(
    ("command", "named"),
    [("mail from:<ada@example.edu>,", "','"), ("rcpt to:<smith@example.edu>.", "'.'")],
)
def test_a_501_for_punctuation_after_the_address_names_it(command, named):
    """walkA, commands step 6: 'mail from:<ada@example.edu>,' copied with the task's list
    comma got 501 and 'Fix the argument and resend', which did not say the comma was it."""
    said = explain_reply(501, "5.5.4", command=command, text="5.5.4 Syntax: MAIL FROM:<address>")
    assert named in said and "after the >" in said, said
