"""Exports of the trace: a swaks-style transcript for people, JSON Lines for programs.

The transcript marks each line the way swaks does: `` -> `` bytes a client sent, ``<-  `` a
server's reply, ``<** `` a server's error reply (4xx/5xx, ``-ERR``), ``=== `` information and
``*** `` an error. Every line starts with the virtual time and names both hosts::

    [  0.006] <-  smtp.crepes.fr -> pc.crepes.fr: 220 smtp.crepes.fr ESMTP Postfix
    [  0.008]  -> pc.crepes.fr -> smtp.crepes.fr: EHLO pc.crepes.fr

Protocol data is shown exactly, one line per line on the wire (CR LF not shown); a bare CR or
LF inside a line is shown as ``<CR>`` or ``<LF>``, any other control character in caret
notation (``^[`` for ESC: what a real client sends never drives the reader's terminal) and a
byte that is not UTF-8 as ``\\xNN`` (:mod:`smtp_sim.world.visible`). Both exports depend only on
the records.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from .trace import Kind, Layer, TraceRecord
from .visible import decode, visible

CLIENT = " ->"
SERVER = "<- "
SERVER_ERROR = "<**"
INFO = "==="
ERROR = "***"

_ERROR_KINDS = frozenset({Kind.ERROR, Kind.RST, Kind.TIMEOUT, Kind.BOUNCED, Kind.EXPIRED})
_WIRE_KINDS = frozenset({Kind.COMMAND, Kind.CONTENT, Kind.REPLY})


def wire_lines(data: bytes) -> list[str]:
    """The lines of ``data`` as sent: split at CR LF; a bare CR or LF, any other control
    character and a byte that is not UTF-8 made visible; a last line without its CR LF ends
    with ``<no line end>``."""
    lines = decode(data).split("\r\n")
    # (a segment that stops inside a line: a client gone mid-line, or a huge line)
    unfinished = lines[-1] != ""
    if not unfinished:
        lines.pop()
    shown = [visible(line.replace("\r", "<CR>").replace("\n", "<LF>"), tabs=True) for line in lines]
    if unfinished:
        shown[-1] += "<no line end>"
    return shown


def _is_error_reply(line: str) -> bool:
    return (line[:1] in ("4", "5") and line[1:3].isdigit()) or line.startswith("-ERR")


def _route(record: TraceRecord) -> str:
    return f"{record.src} -> {record.dst}" if record.dst else record.src


def record_lines(record: TraceRecord) -> list[str]:
    """The transcript lines of one record."""
    stamp = f"[{record.time:7.3f}]"
    route = _route(record)
    if record.kind in _WIRE_KINDS and record.data:
        out = []
        for line in wire_lines(record.data):
            if record.kind is Kind.REPLY:
                mark = SERVER_ERROR if _is_error_reply(line) else SERVER
            else:
                mark = CLIENT
            out.append(_line(f"{stamp} {mark} {route}:", line))
        return out
    mark = ERROR if record.kind in _ERROR_KINDS else INFO
    label = "" if record.layer is Layer.INFO else f"{record.layer.value} "
    summary = record.summary.splitlines() or [""]
    return [_line(f"{stamp} {mark} {label}{route}:", visible(line, tabs=True)) for line in summary]


def _line(prefix: str, text: str) -> str:
    return f"{prefix} {text}" if text else prefix  # no trailing space for an empty line


def to_text(records: Iterable[TraceRecord]) -> str:
    """The whole transcript, one line per wire line or event, ending with a newline."""
    lines = [line for record in records for line in record_lines(record)]
    return "\n".join(lines) + "\n" if lines else ""


def to_jsonl(records: Iterable[TraceRecord]) -> str:
    """One JSON object per record (``TraceRecord.to_json``), one per line."""
    lines = [json.dumps(record.to_json(), ensure_ascii=False) for record in records]
    return "\n".join(lines) + "\n" if lines else ""
