"""Trace exports: the swaks-style transcript shows the wire exactly; JSON Lines round-trips."""

import json
import re

import pytest

from smtp_sim.scenario.build import build_world
from smtp_sim.scenario.files import load_scenario
from smtp_sim.world.trace import Kind, Layer, TraceRecord
from smtp_sim.world.transcript import record_lines, to_jsonl, to_text, wire_lines

LINE = re.compile(
    r"^\[ *\d+\.\d{3}\] (===|\*\*\*| ->|<- |<\*\*) "
    r"((TCP|DNS|SMTP|POP3|QUEUE|MAILBOX|FAULT) )?\S+( -> \S+)?:( .*)?$"
)


@pytest.fixture(scope="module")
def world():
    w = build_world(load_scenario("classroom"))
    w.run()
    return w


@pytest.fixture(scope="module")
def text(world):
    return to_text(world.trace)


def test_every_line_has_time_mark_and_hosts(text):
    lines = text.splitlines()
    assert text.endswith("\n")
    bad = [line for line in lines if not LINE.match(line)]
    assert bad == []


def test_the_slides_conversation_reads_like_swaks(text):
    lines = text.splitlines()
    expected = [
        "[  0.006] <-  smtp.crepes.fr -> pc.crepes.fr: 220 smtp.crepes.fr ESMTP Postfix",
        "[  0.008]  -> pc.crepes.fr -> smtp.crepes.fr: EHLO pc.crepes.fr",
        "[  0.010] <-  smtp.crepes.fr -> pc.crepes.fr: 250-smtp.crepes.fr",
        "[  0.010] <-  smtp.crepes.fr -> pc.crepes.fr: 250 CHUNKING",
        "[  0.016]  -> pc.crepes.fr -> smtp.crepes.fr: RCPT TO:<bob@cs.tcd.ie>",
        "[  0.024]  -> pc.crepes.fr -> smtp.crepes.fr: Subject: FooBar",
        "[  0.024]  -> pc.crepes.fr -> smtp.crepes.fr:",  # the empty line before the body
        "[  0.024]  -> pc.crepes.fr -> smtp.crepes.fr: Hello World",
        "[  0.024]  -> pc.crepes.fr -> smtp.crepes.fr: .",
    ]
    for line in expected:
        assert line in lines, line
    assert any(
        line.startswith("[")
        and "<-  mail.cs.tcd.ie -> smtp.crepes.fr: 220 mail.cs.tcd.ie ESMTP Postfix (1.1.13)"
        in line
        for line in lines
    )


def test_errors_are_marked(text):
    assert re.search(
        r"^\[ *15\.\d+\] <\*\* mail\.cs\.tcd\.ie -> smtp\.crepes\.fr: 550 "
        r"<rob@cs\.tcd\.ie>: User unknown$",
        text,
        re.M,
    )
    assert re.search(
        r"^\[ *15\.\d+\] \*\*\* QUEUE smtp\.crepes\.fr: \S+ bounced to "
        r"<alice@crepes\.fr>",
        text,
        re.M,
    )
    assert re.search(
        r"^\[ *0\.\d+\] === DNS ns\.example\.net -> smtp\.crepes\.fr: MX "
        r"cs\.tcd\.ie: 10 mail\.cs\.tcd\.ie$",
        text,
        re.M,
    )


def test_wire_lines_give_back_the_exact_bytes(world):
    wire = [r for r in world.trace if r.kind in (Kind.COMMAND, Kind.REPLY, Kind.CONTENT)]
    assert len(wire) > 100
    for record in wire:
        shown = [line.split(": ", 1)[1] if ": " in line else "" for line in record_lines(record)]
        assert "\r\n".join(shown) + "\r\n" == record.data.decode(), record


def test_bare_cr_and_lf_are_made_visible():
    assert wire_lines(b"data\n.\r\nnext\rline\r\n") == ["data<LF>.", "next<CR>line"]
    # a client that stops after a dot but before its CR LF did not end the data
    assert wire_lines(b"body\r\n.") == ["body", ".<no line end>"]
    assert wire_lines(b"") == []
    record = TraceRecord(
        0, 1.5, Layer.SMTP, Kind.CONTENT, "evil.test", "mx.test", "content", data=b"x\n.\r\n.\r\n"
    )
    assert record_lines(record) == [
        "[  1.500]  -> evil.test -> mx.test: x<LF>.",
        "[  1.500]  -> evil.test -> mx.test: .",
    ]


def test_escape_sequences_from_a_client_never_reach_the_terminal():
    # A real client (smtp-sim serve prints this transcript live) sends a screen clear, a
    # colour, a window title ending in BEL, a NUL and a byte that is not UTF-8.
    evil = b"HELO \x1b[2J\x1b[41mHACKED\x1b[0m\x1b]2;pwned\x07\x00 caf\xc3\xa9 \xff\tok\r\n"
    record = TraceRecord(
        0, 0.0, Layer.SMTP, Kind.COMMAND, "client-127.0.0.1", "mx.test", "HELO \x1b[2J", data=evil
    )
    [line] = record_lines(record)
    assert line.endswith("HELO ^[[2J^[[41mHACKED^[[0m^[]2;pwned^G^@ café \\xFF\tok")
    info = TraceRecord(1, 0.0, Layer.SMTP, Kind.NOTE, "mx.test", None, "said \x1b[2J\x9b")
    assert record_lines(info) == ["[  0.000] === SMTP mx.test: said ^[[2J<9B>"]
    for text in (line, *record_lines(info)):
        assert not any((ord(c) < 32 and c != "\t") or 0x7F <= ord(c) < 0xA0 for c in text)


def test_multi_line_summaries_and_records_without_a_peer():
    record = TraceRecord(3, 1234.5, Layer.INFO, Kind.ERROR, "pc.test", None, "one\ntwo")
    assert record_lines(record) == ["[1234.500] *** pc.test: one", "[1234.500] *** pc.test: two"]


def test_jsonl_is_one_object_per_record(world):
    out = to_jsonl(world.trace)
    lines = out.splitlines()
    assert len(lines) == len(world.trace)
    for line, record in zip(lines, world.trace, strict=True):
        assert json.loads(line) == record.to_json()
    first = json.loads(lines[0])
    assert first["seq"] == 0 and first["src"] == "pc.crepes.fr"


def test_exports_are_deterministic(world):
    again = build_world(load_scenario("classroom"))
    again.run()
    assert to_text(again.trace) == to_text(world.trace)
    assert to_jsonl(again.trace) == to_jsonl(world.trace)


def test_empty_trace():
    assert to_text([]) == "" and to_jsonl([]) == ""
