"""Two small tools of the lesson console, for what a student would do beside telnet.

``/base64 TEXT`` and ``/base64 -d TEXT`` are ``printf 'TEXT' | base64`` and ``base64 -d``:
the AUTH PLAIN string (RFC 4616 section 2: NUL, the user, NUL, the password) is written with
``\\0`` for the NUL byte, as in printf. ``/dns txt NAME`` shows the TXT records of a name
(``dig +short txt NAME``), and ``/dns txt NAME "TEXT"`` publishes one in the simulated zone,
as the domain's administrator would: an SPF, DMARC or DKIM record replaces the name's record
of the same kind (``v=spf1``, ``v=DMARC1``, ``v=DKIM1``), any other text is added beside.

Each tool has a ``*_refusal`` that says why a line would be refused (the console asks it
before running the line, and ``smtp-sim check`` asks it of every solution line), and a
function that runs it and returns the console's answer.
"""

from __future__ import annotations

import binascii
import re
from base64 import b64decode, b64encode
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..world.world import World

BASE64_USAGE = "/base64 TEXT (\\0 is a NUL byte), or /base64 -d BASE64 to decode"
DNS_USAGE = '/dns txt NAME to look, /dns txt NAME "TEXT" to publish'

#: The kinds of TXT record a name holds one of: publishing one replaces the old one.
_RECORD_TAGS = ("v=spf1", "v=dmarc1", "v=dkim1")


def _unescape(text: str) -> bytes | str:
    """The bytes of ``text`` with ``\\0`` a NUL and ``\\\\`` a backslash, or a message
    naming an escape it does not know."""
    out = bytearray()
    i = 0
    while i < len(text):
        c = text[i]
        if c != "\\":
            out += c.encode("utf-8")
            i += 1
            continue
        nxt = text[i + 1 : i + 2]
        if nxt == "0":
            out.append(0)
        elif nxt == "\\":
            out += b"\\"
        else:
            return f"unknown escape \\{nxt} (write \\0 for a NUL byte, \\\\ for a backslash)"
        i += 2
    return bytes(out)


def _shown(data: bytes) -> str:
    """Bytes as the student typed them: \\0 for NUL, \\xNN for other control bytes."""
    text = data.decode("utf-8", "backslashreplace")
    out = []
    for ch in text:
        if ch == "\0":
            out.append("\\0")
        elif ord(ch) < 32 or ord(ch) == 127:
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(ch)
    return "".join(out)


def base64_refusal(rest: str) -> tuple[str, str] | None:
    """Why ``/base64 rest`` would be refused, as ``(message, expected)``; None if it runs."""
    words = rest.split(maxsplit=1)
    if not words:
        return "/base64 needs a text", BASE64_USAGE
    if words[0] == "-d":
        if len(words) < 2:
            return "/base64 -d needs the base64 text to decode", BASE64_USAGE
        if _decode(words[1]) is None:
            return f"/base64 -d: {words[1]!r} is not base64", "A-Z a-z 0-9 + / and = at the end"
        return None
    encoded = _unescape(rest)
    if isinstance(encoded, str):
        return f"/base64: {encoded}", BASE64_USAGE
    return None


def _decode(text: str) -> bytes | None:
    try:
        return b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None


def run_base64(rest: str) -> str:
    """``/base64 rest``, already checked by :func:`base64_refusal`."""
    words = rest.split(maxsplit=1)
    if words[0] == "-d":
        data = _decode(words[1])
        assert data is not None
        return f'{words[1].strip()} decodes to "{_shown(data)}" ({len(data)} bytes)'
    raw = _unescape(rest)
    assert isinstance(raw, bytes)
    return f'base64 of "{_shown(raw)}" ({len(raw)} bytes): {b64encode(raw).decode()}'


def _dns_words(rest: str) -> tuple[str, str, str | None]:
    """``txt NAME ["TEXT"]`` as (type, name, text or None); the text may be quoted."""
    words = rest.split(maxsplit=2)
    kind = words[0].lower() if words else ""
    name = words[1] if len(words) > 1 else ""
    text = words[2].strip() if len(words) > 2 else None
    if text is not None and len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        text = text[1:-1]
    return kind, name, text


def dns_refusal(rest: str) -> tuple[str, str] | None:
    """Why ``/dns rest`` would be refused, as ``(message, expected)``; None if it runs."""
    kind, name, text = _dns_words(rest)
    if kind != "txt":
        said = f" (not {kind.upper()}: the scenario gives those)" if kind else ""
        return f"/dns: only TXT records are looked at or published here{said}", DNS_USAGE
    if not name or "." not in name.strip("."):
        return "/dns txt needs a domain name, like crepes.fr", DNS_USAGE
    if text is not None and not text.strip():
        return "/dns txt: the record's text is empty", DNS_USAGE
    return None


#: An SPF record's terms (RFC 7208 section 12): a directive, a qualifier then a mechanism,
#: or a modifier, name=value.
_SPF_MECHANISM = re.compile(
    r"[+?~-]?(all|include:\S+|exists:\S+|ptr(:\S+)?|(a|mx)(:[^/\s]+)?(/\d+)?(//\d+)?"
    r"|ip4:[0-9.]+(/\d+)?|ip6:[0-9a-f:.]+(/\d+)?)",
    re.IGNORECASE,
)
_SPF_MODIFIER = re.compile(r"[a-z][a-z0-9_.-]*=\S*", re.IGNORECASE)


def spf_problem(text: str) -> str | None:
    """Why ``text``, a TXT record starting v=spf1, is not valid SPF, or None: each term after
    the version is a mechanism (with its qualifier) or a modifier (RFC 7208 section 12)."""
    terms = text.split()
    if not terms or terms[0].lower() != "v=spf1":
        return None
    for term in terms[1:]:
        if _SPF_MECHANISM.fullmatch(term) or _SPF_MODIFIER.fullmatch(term):
            continue
        fix = ""
        if re.fullmatch(r"[0-9.]+(/\d+)?", term):
            fix = f" (an address is written ip4:{term})"
        elif ":" in term and re.fullmatch(r"[0-9a-f:.]+(/\d+)?", term, re.IGNORECASE):
            fix = f" (an address is written ip6:{term})"
        return f'"{term}" is neither a mechanism nor a modifier{fix}'
    return None


def run_dns(world: World, rest: str) -> str:
    """``/dns rest``, already checked by :func:`dns_refusal`: show or publish TXT records,
    with a record in the trace for what was published."""
    from ..world.trace import Kind, Layer

    _, name, text = _dns_words(rest)
    name = name.lower().rstrip(".")
    records = world.zone.txt.get(name, [])
    if text is None:
        if not records:
            return f"TXT {name}: no record"
        return f"TXT {name}: " + "; ".join(f'"{r}"' for r in records)
    tag = next((t for t in _RECORD_TAGS if text.lower().startswith(t)), None)
    old = [r for r in records if tag is not None and r.lower().startswith(tag)]
    kept = [r for r in records if r not in old]
    world.zone.txt[name] = [*kept, text]
    replaced = f' (instead of "{old[0]}")' if old else ""
    summary = f'TXT {name} published: "{text}"{replaced}'
    problem = spf_problem(text)
    if problem is not None:  # (published all the same, as a DNS server would: a warning)
        summary += (
            f". Warning: this is not valid SPF: {problem}. With a syntax error anywhere in "
            "the record, a receiver's SPF check gives permerror for all of it (RFC 7208 "
            "section 4.6; the record's syntax is in section 12)."
        )
    world.record(
        Layer.INFO,
        Kind.NOTE,
        "student",
        None,
        summary,
        info=(("rrtype", "TXT"), ("name", name), ("published", text)),
    )
    return summary
