"""How Postfix reads a command line and an address: ports of its own parsers, so that a
personality with ``CommandSyntax.POSTFIX`` accepts and refuses exactly what Postfix does.

Each function names the Postfix source it follows (Postfix 3.7.11, the v3.7.11 tag of the
Postfix repository; the same code in 1.1.13 unless said):

- :func:`smtpd_tokens`: ``src/smtpd/smtpd_token.c`` (words split at white space, ``<...>`` and
  ``"..."`` kept whole, ``FROM:`` and ``TO:`` split off their address)
- :func:`extract_address`: ``extract_addr()`` of ``src/smtpd/smtpd.c`` on top of the RFC 822
  parser ``src/global/tok822_parse.c`` (comments dropped, quotes removed, two addresses or a
  missing comma refused)
- :func:`valid_hostname`, :func:`valid_literal`: ``src/util/valid_hostname.c``
- :func:`is_header`: ``src/global/is_header.c``
- :func:`valid_utf8`: ``src/util/valid_utf8_string.c`` (the same rules as Python's decoder)
"""

from __future__ import annotations

import functools
import ipaddress
from dataclasses import dataclass

_C_SPACE = " \t\n\r\v\f"  # ISSPACE() in the C locale


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    error: bool = False  # a '<' or '"' without its closing partner


def smtpd_tokens(line: str) -> list[Token]:
    """The words of a command line as ``smtpd_token()`` splits them."""
    out: list[Token] = []
    i, n = 0, len(line)
    while True:
        buf: list[str] = []
        error = False
        while i < n:
            c = line[i]
            i += 1
            if c in _C_SPACE:
                while i < n and line[i] in _C_SPACE:
                    i += 1
                if buf:
                    break
            elif c in '<"':
                i, err = _quoted(line, i, buf, c, ">" if c == "<" else '"')
                error = error or err
            elif c == ":":
                buf.append(c)
                word = "".join(buf).lower()
                if word in ("to:", "from:"):
                    break
            else:
                if c == "\\":
                    buf.append(c)
                    if i >= n:
                        break
                    c = line[i]
                    i += 1
                buf.append(c)
        if not buf:
            return out
        out.append(Token("".join(buf), error))


def _quoted(line: str, i: int, buf: list[str], start: str, last: str) -> tuple[int, bool]:
    """``smtp_quoted()``: up to the matching ``last``, nested quotes and brackets kept."""
    stack = [last]
    buf.append(start)
    n = len(line)
    while i < n:
        c = line[i]
        i += 1
        buf.append(c)
        if c == "\\":
            if i >= n:
                break
            buf.append(line[i])
            i += 1
        elif c == stack[-1]:
            if len(stack) == 1:
                return i, False
            stack.pop()
        elif c == '"':
            stack.append('"')
        elif c == "<" and stack[-1] == ">":
            stack.append(">")
    return i, True


# -- RFC 822 addresses (tok822_parse.c) ------------------------------------------------------

_OPCHARS = '|%!()<>@,;:\\".[]'
_ATOM, _QSTRING, _DOMLIT, _COMMENT, _ADDR, _STARTGRP = (
    "atom",
    "qstring",
    "domlit",
    "comment",
    "addr",
    "startgrp",
)


class _Tok:
    __slots__ = ("head", "kind", "next", "prev", "value")

    def __init__(self, kind: str, value: str = "") -> None:
        self.kind = kind
        self.value = value
        self.prev: _Tok | None = None
        self.next: _Tok | None = None
        self.head: _Tok | None = None  # an address group's first token


def _scan(text: str) -> list[_Tok]:
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        i += 1
        if c in " \t\r\n":
            continue
        if c == "(":
            depth, buf = 1, ["("]
            while i < n:
                c = text[i]
                i += 1
                if c == "\\":
                    if i < n:
                        buf.append(text[i])
                        i += 1
                    continue
                buf.append(c)
                if c == "(":
                    depth += 1
                elif c == ")":
                    depth -= 1
                    if depth == 0:
                        break
            out.append(_Tok(_COMMENT, "".join(buf)))
        elif c in '["':
            close = "]" if c == "[" else '"'
            value, i = _collect(text, i, close)
            if i < n:
                i += 1  # (COLLECT_SKIP_LAST)
            out.append(_Tok(_DOMLIT if close == "]" else _QSTRING, value))
        elif c != "\\" and c in _OPCHARS:
            out.append(_Tok(c))
        else:
            value, i = _collect(text, i - 1, None)
            out.append(_Tok(_ATOM, value))
    return out


def _collect(text: str, i: int, close: str | None) -> tuple[str, int]:
    """tok822's COLLECT: up to ``close`` (or, for an atom, white space or an operator), a
    backslash quoting the next character, white space inside quotes made a space."""
    buf = []
    n = len(text)
    while i < n:
        c = text[i]
        if c == "\\":
            i += 1
            if i >= n:
                break
            c = text[i]
        elif c == close or (close is None and (c in " \t\r\n" or c in _OPCHARS)):
            break
        buf.append(" " if c in " \t\r\n" else c)
        i += 1
    return "".join(buf), i


def _link(tokens: list[_Tok]) -> tuple[_Tok, _Tok]:
    head, tail = _Tok(""), _Tok("")
    prev = head
    for t in tokens:
        prev.next, t.prev = t, prev
        prev = t
    prev.next, tail.prev = tail, prev
    return head, tail


def _unlink(t: _Tok) -> _Tok:
    prev = t.prev
    assert prev is not None and t.next is not None
    prev.next, t.next.prev = t.next, prev
    t.prev = t.next = None
    return prev


def _insert_after(left: _Tok, t: _Tok) -> None:
    right = left.next
    assert right is not None
    left.next, t.prev, t.next, right.prev = t, left, right, t


def _group(left: _Tok, right: _Tok, comma: bool) -> _Tok:
    """``tok822_group()``: the tokens strictly between ``left`` and ``right`` become one
    address; with ``comma``, a ',' goes before it (a missing comma is put back)."""
    first = left.next
    if left is not right and first is not right and first is not None:
        last = right.prev
        assert last is not None
        group = _Tok(_ADDR)
        group.head = first
        first.prev = None
        last.next = None
        left.next, group.prev, group.next, right.prev = group, left, right, group
        if comma:
            _insert_after(left, _Tok(","))
    return left


def _words(t: _Tok) -> bool:
    return t.kind in (_ATOM, _QSTRING, _DOMLIT)


def _parse(text: str) -> list[_Tok]:
    """``tok822_parse()``: the top-level tokens, with addresses grouped."""
    tokens = _scan(text)
    if not tokens:
        return []
    head, tail = _link(tokens)
    do_word, do_group = True, False
    right = tail
    tp = tail.prev
    while tp is not None and tp.kind != "":
        if tp.kind == _COMMENT:  # moved out of the way, to the right
            prev = _unlink(tp)
            before = right.prev
            assert before is not None
            _insert_after(before, tp)  # (prepend to right)
            right = tp
            tp = prev
            continue
        if tp.kind == ";":
            right = _group(tp, right, True)
            do_group = do_word = True
        elif tp.kind == ":" and do_group:
            tp.kind = _STARTGRP
            _group(tp, right, False)
            while tp.kind != "" and tp.kind != ",":
                tp = tp.prev
                assert tp is not None
            right = tp
            continue
        elif tp.kind == ">":
            right = _group(tp, right, True)
            while tp.kind != "" and tp.kind != "<":
                if tp.kind == _COMMENT:
                    prev = _unlink(tp)
                    before = right.prev
                    assert before is not None
                    _insert_after(before, tp)
                    right = tp
                    tp = prev
                    continue
                tp = tp.prev
                assert tp is not None
            _group(tp, right, False)
            while tp.kind != "" and not (len(tp.kind) == 1 and tp.kind in ">;,:"):
                tp = tp.prev
                assert tp is not None
            right = tp
            do_word = True
            continue
        elif _words(tp):
            if not do_word:
                after = _group(tp, right, True).next
                assert after is not None
                right = after
            do_word = False
        elif tp.kind == ",":
            right = _group(tp, right, False)
            do_word = True
        else:
            do_word = True
        tp = tp.prev
        assert tp is not None
    assert tp is not None
    _group(tp, right, False)
    out = []
    t = head.next
    while t is not None and t is not tail:
        out.append(t)
        t = t.next
    return out


def _internal(t: _Tok | None) -> str:
    """``tok822_internalize()`` of an address's tokens (no spaces inside an address)."""
    out = []
    while t is not None:
        if t.kind in (_ATOM, _QSTRING, _COMMENT):
            out.append(t.value)
        elif t.kind == _DOMLIT:
            out.append(f"[{t.value}]")
        elif t.kind == _STARTGRP:
            out.append(":")
        elif t.kind == _ADDR:
            out.append(_internal(t.head))
        else:
            out.append(t.kind)
        t = t.next
    return "".join(out)


@functools.lru_cache(maxsize=1024)  # (a pure function; the same paths recur)
def extract_address(token: str) -> str | None:
    """``extract_addr()``: the address in a MAIL FROM, RCPT TO or VRFY argument, in Postfix's
    internal form (quotes and comments removed), or None when Postfix refuses its syntax (two
    addresses, a missing comma between words). The domain is checked separately
    (:func:`domain_ok`, ``smtpd_check_addr()``)."""
    text = token[1:-1] if token.startswith("<") and token.endswith(">") else token
    if text.startswith("@") and ":" in text:
        text = text.split(":", 1)[1]
    tree = _parse(text)
    addresses = [t for t in tree if t.kind == _ADDR]
    if len(addresses) > 1:
        return None
    address = _internal(addresses[0].head) if addresses else ""
    # trivial-rewrite cannot resolve what still holds an angle bracket (Postfix answers
    # "Bad ... address syntax" to <<alice@cs.tcd.ie>)
    return None if "<" in address or ">" in address else address


def split_address(address: str) -> tuple[str, str | None]:
    """(local part, domain or None) at the last '@'."""
    local, at, domain = address.rpartition("@")
    return (local, domain) if at else (address, None)


@functools.lru_cache(maxsize=1024)  # (a pure function; the same addresses recur)
def domain_ok(address: str, utf8: bool = True) -> bool:
    """``smtpd_check_addr()``: False when trivial-rewrite would flag the address's domain as
    bad syntax (not a host name, not an address literal)."""
    _, domain = split_address(address)
    if domain is None:
        return True
    if domain.endswith("."):
        domain = domain[:-1]
    if domain.startswith("[") and domain.endswith("]"):
        return valid_literal(domain)
    if utf8 and not domain.isascii():
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError:
            return False
    return valid_hostname(domain)


def valid_hostname(name: str) -> bool:
    """``valid_hostname()``: letters, digits, '_' and inner '-', labels of 1 to 63, at most
    255 in all, and not all digits."""
    if not name or len(name) > 255:
        return False
    non_numeric = False
    for label in name.split("."):
        if not label or len(label) > 63:
            return False
        for ch in label:
            if ch == "-":
                non_numeric = True
            elif not (ch.isascii() and (ch.isalnum() or ch == "_")):
                return False
            elif not ch.isdigit():
                non_numeric = True
        if label[0] == "-" or label[-1] == "-":
            return False
    return non_numeric


def valid_literal(text: str) -> bool:
    """``valid_mailhost_literal()``: ``[1.2.3.4]`` or ``[IPv6:...]``."""
    inner = text[1:-1]
    if inner[:5].lower() == "ipv6:":
        try:
            ipaddress.IPv6Address(inner[5:])
            return True
        except ValueError:
            return False
    parts = inner.split(".")
    return len(parts) == 4 and all(p.isdigit() and int(p) <= 255 for p in parts)


def is_header(word: str) -> bool:
    """``is_header()``: a printable ASCII name (spaces allowed after it) and a colon."""
    state = 0  # 0: nothing yet, 1: in the name, 2: spaces after it
    for c in word:
        if c == ":":
            return state > 0
        if c in " \t":
            if state == 0:
                return False
            state = 2
            continue
        if not (" " < c < "\x7f") or state == 2:
            return False
        state = 1
    return False


def valid_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
