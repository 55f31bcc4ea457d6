"""postfix-1.1 against Postfix 1.1.13's own source (tag v1.1.13 of the Postfix repository), the
points issue 13 lists: no 1.1.13 can be installed to record, so each expected reply is the
string of src/smtpd/smtpd.c that answers it (line numbers of that file)."""

from __future__ import annotations

import pytest
from helpers import crlf, session

CASES = [
    # ehlo_cmd(), lines 480-498: ETRN and XVERP offered
    (
        ["EHLO x"],
        [
            "250-mail.cs.tcd.ie",
            "250-PIPELINING",
            "250-SIZE 10240000",
            "250-VRFY",
            "250-ETRN",
            "250-XVERP",
            "250 8BITMIME",
        ],
    ),
    # quit_cmd(), line 1270: "Don't bother checking the syntax."
    (["QUIT now"], ["221 Bye"]),
    # mail_cmd(), lines 700-715: BODY= and SIZE= after HELO; "501 Bad message size syntax"
    (
        [
            "HELO x",
            "MAIL FROM:<alice@crepes.fr> BODY=8BITMIME SIZE=1000",
            "RSET",
            "MAIL FROM:<alice@crepes.fr> SIZE=abc",
        ],
        ["250 mail.cs.tcd.ie", "250 Ok", "250 Ok", "501 Bad message size syntax"],
    ),
    # extract_addr(), lines 624-646: one "501 Bad address syntax", no path-length check
    (
        [
            "HELO x",
            "MAIL FROM:<alice@crepes.fr",
            "MAIL FROM:<a b@crepes.fr>",
            "MAIL FROM:<" + "l" * 80 + "@crepes.fr>",
            "RCPT TO:<>",
        ],
        [
            "250 mail.cs.tcd.ie",
            "501 Bad address syntax",
            "501 Bad address syntax",
            "250 Ok",
            "501 Bad address syntax",
        ],
    ),
    # data_cmd(), line 924
    (
        ["HELO x", "MAIL FROM:<alice@crepes.fr>", "DATA"],
        ["250 mail.cs.tcd.ie", "250 Ok", "554 Error: no valid recipients"],
    ),
    # smtpd_cmd_table, lines 1310-1327: header names as commands, SMTPD_CMD_FLAG_HEADER
    (["Received: from x"], ["221 Error: I can break rules, too. Goodbye."]),
    (["Subject: hi"], ["221 Error: I can break rules, too. Goodbye."]),
    (["From: x"], ["221 Error: I can break rules, too. Goodbye."]),
    # etrn_cmd(), lines 1194-1260
    (
        ["ETRN", "ETRN example.org"],
        ["500 Syntax: ETRN domain", "459 <example.org>: service unavailable"],
    ),
]


@pytest.mark.parametrize(("client", "server"), CASES, ids=[c[0][-1] for c in CASES])
def test_postfix_1_1_13_answers_as_its_source(client: list[str], server: list[str]) -> None:
    run = session("postfix-1.1", [crlf(line) for line in client])
    assert run.out_lines[1:] == server


def test_postfix_1_1_13_error_limit_and_421_without_the_host_name() -> None:
    """smtpd_proto(), line 1380: "error_count > var_smtpd_hard_erlim" (DEF_SMTPD_HARD_ERLIM
    100 in mail_params.h), then "421 Error: too many errors"."""
    run = session("postfix-1.1", [crlf("XYZZY")] * 102)
    assert run.out_lines[1:102] == ["502 Error: command not implemented"] * 101
    assert run.out_lines[102:] == ["421 Error: too many errors"]
    assert run.server.closed
