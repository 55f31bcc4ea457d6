"""What a simulated Postfix writes above a message it delivers locally, against the real one.

The real Postfix 3.7.11 (Debian 12, conformance/setup_postfix.sh) delivered these on
7 December 2026 to /var/mail/bob, one message to one recipient and one to two (swaks and the
conformance harness as clients):

    Return-Path: <alice@cs.tcd.ie>
    X-Original-To: bob@cs.tcd.ie
    Delivered-To: bob@cs.tcd.ie
    Received: from client.example.net (localhost [127.0.0.1])
        by mail.cs.tcd.ie (Postfix) with ESMTP id 9401A16C1B4
        for <bob@cs.tcd.ie>; Mon,  7 Dec 2026 03:04:44 +0000 (UTC)

    Received: from [1.2.3.4] (stranger.example.net [127.0.0.5])
        by mail.cs.tcd.ie (Postfix) with ESMTP id 674CD16C387;
        Mon,  7 Dec 2026 02:57:18 +0000 (UTC)

Postfix 1.1.13 writes the same single-recipient form, and for several recipients
"\\tby %s (%s) with %s" then "\\tid %s; %s" (smtpd.c of v1.1.13, lines 943-959), and has no
X-Original-To (mail_copy.h of v1.1.13 has no MAIL_COPY_ORIG_RCPT).
"""

from __future__ import annotations

import re

from smtp_sim.course.lesson import load_lesson
from smtp_sim.course.session import LessonSession

QUEUE_ID = re.compile(rb"id [0-9A-F]+")
DATE = re.compile(
    rb"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [ 1-3]\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d \+0000 \(UTC\)"
)


def delivered(server: str, rcpts: list[str]) -> bytes:
    session = LessonSession(load_lesson("telnet-yourself"))
    lines = [f"telnet {server} 25", "ehlo client.example.net", "mail from:<carol@cs.tcd.ie>"]
    lines += [f"rcpt to:<{rcpt}>" for rcpt in rcpts]
    lines += ["data", "Subject: t", "", "hi", ".", "quit"]
    for line in lines:
        session.enter(line)
    session.run_idle()
    box = session.world.mailbox(rcpts[0])
    assert box is not None and box.messages
    return box.messages[-1].data


def shape(data: bytes) -> bytes:
    head = data.split(b"\r\n\r\n", 1)[0]
    return DATE.sub(b"DATE", QUEUE_ID.sub(b"id QID", head))


def test_postfix_3_writes_the_real_ones_headers_for_one_recipient():
    data = delivered("smtp.crepes.fr", ["alice@crepes.fr"])
    assert shape(data).startswith(
        b"Return-Path: <carol@cs.tcd.ie>\r\n"
        b"X-Original-To: alice@crepes.fr\r\n"
        b"Delivered-To: alice@crepes.fr\r\n"
        b"Received: from client.example.net (pc.crepes.fr [192.0.2.10])\r\n"
        b"\tby smtp.crepes.fr (Postfix) with ESMTP id QID\r\n"
        b"\tfor <alice@crepes.fr>; DATE\r\n"
    )
    assert b"Mon,  5 Jan 2026 09:00:" in data  # %e: the day space-padded


def test_postfix_3_puts_the_date_on_its_own_line_for_two_recipients():
    data = delivered("smtp.crepes.fr", ["alice@crepes.fr", "bob@cs.tcd.ie"])
    assert b"\tby smtp.crepes.fr (Postfix) with ESMTP id QID;\r\n\tDATE\r\n" in shape(data)


def test_postfix_1_1_as_its_source_writes_them():
    one = shape(delivered("mail.cs.tcd.ie", ["bob@cs.tcd.ie"]))
    assert one.startswith(
        b"Return-Path: <carol@cs.tcd.ie>\r\nDelivered-To: bob@cs.tcd.ie\r\n"
        b"Received: from client.example.net (pc.crepes.fr [192.0.2.10])\r\n"
        b"\tby mail.cs.tcd.ie (Postfix) with ESMTP id QID\r\n\tfor <bob@cs.tcd.ie>; DATE\r\n"
    )
    two = shape(delivered("mail.cs.tcd.ie", ["bob@cs.tcd.ie", "dave@cs.tcd.ie"]))
    assert b"\tby mail.cs.tcd.ie (Postfix) with ESMTP\r\n\tid QID; DATE\r\n" in two
