"""How sendmail 8 reads a command line and the address in it (CommandSyntax.SENDMAIL).

Pure functions, no engine state. The behaviour is Debian 12's sendmail 8.17.1.9 as recorded by
the differential harness (conformance/harness.py, the reference of conformance/setup_sendmail.sh)
and the fixtures under tests/protocol/fixtures/; the names follow sendmail's srvrsmtp.c and
parseaddr.c (skipword, prescan, shortenstring).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A command line ends at a NUL (a C string); its octets are taken as they are (latin-1 here),
# and whatever sendmail quotes of it in a reply goes out with the eighth bit of every octet
# cleared: "caf\xc3\xa9" is shown as "cafC)".
_SEVEN_BIT = {c: c & 0x7F for c in range(128, 256)}
# Clearing the eighth bit of 0x8a and 0x8d would make LF and CR, which no reply line can hold:
# they show as '?', as a CR or LF left inside an echoed command does (echo below).
_SEVEN_BIT.update({0x8A: ord("?"), 0x8D: ord("?")})
_SPACE = " \t\n\v\f\r"  # C's isspace()
MAXSHORTSTR = 203  # shortenstring(): longer texts are shown as their first and last 100
MAXNAME = 256  # an address of 256 octets or more is too long ("255 bytes max")
MAXTOKEN = 255  # prescan(): a token longer than this is "token too long"


def command_text(raw: bytes) -> str:
    """The command line as sendmail reads it: up to the first NUL, one character per octet."""
    nul = raw.find(b"\0")
    if nul >= 0:
        raw = raw[:nul]
    return raw.decode("latin-1")


def seven_bit(text: str) -> str:
    """Text as a reply shows it: the eighth bit of every character cleared (but never into a
    line end: 0x8a and 0x8d show as '?')."""
    return text.translate(_SEVEN_BIT) if not text.isascii() else text


def split_command(text: str) -> tuple[str, str]:
    """(verb, argument): the verb runs from the first non-space to the next white space; the
    argument is the rest without its leading white space (its trailing white space stays)."""
    line = text.lstrip(_SPACE)
    end = 0
    while end < len(line) and line[end] not in _SPACE:
        end += 1
    return line[:end], line[end:].lstrip(_SPACE)


def shorten(text: str) -> str:
    """shortenstring(text, MAXSHORTSTR): the first and last 100 characters around '...'."""
    if len(text) <= MAXSHORTSTR:
        return text
    return f"{text[:100]}...{text[-100:]}"


def echo(text: str) -> str:
    """A command line quoted in a reply ('Command unrecognized: "..."'): shortened, seven
    bits; a reply line cannot hold CR or LF, so those (left inside a line) are shown as '?'."""
    return seven_bit(shorten(text)).replace("\r", "?").replace("\n", "?")


def skipword(argument: str, word: str) -> tuple[str | None, str]:
    """srvrsmtp.c skipword(): ``FROM:`` / ``TO:`` before the path. Returns (the rest, or None
    on a syntax error; the first word as typed, which the 501 quotes)."""
    text = argument.lstrip(_SPACE)
    end = 0
    while end < len(text) and text[end] != ":" and text[end] not in _SPACE:
        end += 1
    first = text[:end]
    rest = text[end:].lstrip(_SPACE)
    if not rest.startswith(":"):
        return None, first
    rest = rest[1:].lstrip(_SPACE)
    if not rest or first.lower() != word:
        return None, first
    return rest, first


@dataclass(frozen=True, slots=True)
class Path:
    """A MAIL or RCPT path as sendmail takes it apart."""

    shown: str  # the address as typed (what "... Sender ok" repeats)
    params: str  # the ESMTP parameters after it
    local: str = ""  # the mailbox, normalised: route, quotes, spaces and brackets gone
    domain: str | None = None
    error: tuple[int, str, str] | None = None  # (code, enhanced code, text after "shown... ")


def split_path(text: str) -> tuple[str, str]:
    """The address (up to a space outside <> and quotes) and the parameters after it."""
    depth = 0
    quoted = False
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            i += 2
            continue
        if c == '"':
            quoted = not quoted
        elif not quoted:
            if c == "<":
                depth += 1
            elif c == ">":
                depth -= 1
            elif c == " " and depth <= 0:
                break
        i += 1
    return text[:i], text[i:].strip(" ")


def parse_path(text: str, *, sender: bool) -> Path:
    """Take a path apart as sendmail's parseaddr() and rulesets 3/0 do, as far as the replies
    they give show it: the error of a bad address, else its mailbox and domain."""
    shown, params = split_path(text)
    whole = text.rstrip(_SPACE)  # what a prescan() error shows: the rest of the line
    inner = shown
    opens, closes = shown.count("<"), shown.count(">")
    if opens > closes or (opens and shown.rfind("<") > shown.rfind(">")):
        return _bad(whole, params, 553, "5.0.0", "Unbalanced '<'")
    if closes > opens:
        return _bad(whole, params, 553, "5.0.0", "Unbalanced '>'")
    if opens:
        inner = shown[shown.find("<") + 1 : shown.rfind(">")]
    bad = next((c for c in inner if ord(c) < 32 or ord(c) == 127), None)
    if bad is not None:
        mailbox = inner[: inner.find(bad) + 1]
        mailbox = "".join("?" if ord(c) < 32 or ord(c) == 127 else c for c in mailbox)
        code = "5.1.7" if sender else "5.1.3"
        text = f'Syntax error in mailbox address "{seven_bit(mailbox)}" (non-printable character)'
        return Path(shown, params, error=(501, code, text))
    if any(len(token) > MAXTOKEN for token in _tokens(inner)):
        return _bad(whole, params, 553, "5.1.0", "prescan: token too long")
    if len(shown) >= MAXNAME:
        return _bad(
            whole[: MAXNAME - 1],
            params,
            553,
            "5.1.0",
            f'Address "{shown[: MAXNAME - 1]}" too long (255 bytes max)',
        )
    if not inner.strip():
        if sender:
            return Path(shown, params, local="", domain=None)  # <>: the null sender
        return _bad(shown, params, 553, "5.0.0", "User address required")
    # white space beside an operator goes; between two words it reads as a dot ("exa mple.net"
    # is exa.mple.net to sendmail)
    address = re.sub(r"\s+", ".", re.sub(r"\s*([@<>:,;.\"])\s*", r"\1", inner.strip()))
    if address.startswith("@"):  # a source route: @relay.example.org:alice@cs.tcd.ie
        colon = address.find(":")
        if colon < 0:
            if address == "@":
                return _bad(
                    shown, params, 553, "5.1.3", "List:; syntax illegal for recipient addresses"
                )
            return _bad(shown, params, 553, "5.1.3", "User address required")
        address = address[colon + 1 :]
    if address.startswith("|") or address.startswith('"|'):
        if sender:
            return _bad(shown, params, 553, "5.1.7", "Invalid sender address")
        return _bad(shown, params, 550, "5.7.1", "Cannot mail directly to programs")
    local, at, domain = _split_at(address)
    if at and "@" in domain:
        return _bad(shown, params, 553, "5.1.3", "Invalid route address")
    if at and not domain:
        return _bad(shown, params, 553, "5.1.3", "Hostname required")
    if at and not local:
        return _bad(shown, params, 553, "5.1.3", "User address required")
    if at and (domain.startswith(".") or ".." in domain):
        return _bad(shown, params, 553, "5.1.2", "Invalid host name")
    if len(local) >= 2 and local.startswith('"') and local.endswith('"'):
        local = local[1:-1]
    return Path(shown, params, local=local, domain=domain.rstrip(".") if at else None)


def _bad(shown: str, params: str, code: int, enhanced: str, problem: str) -> Path:
    """A refused path: the reply repeats what was typed (shortened, seven bits) before the
    problem, as sendmail's usrerr("... %s... %s") does."""
    return Path(shown, params, error=(code, enhanced, f"{seven_bit(shorten(shown))}... {problem}"))


def _split_at(address: str) -> tuple[str, bool, str]:
    """(local part, whether there was an @, domain), split at the first @ outside quotes; a
    second @ stays in the domain (parse_path refuses it as a route address)."""
    quoted = False
    for i, c in enumerate(address):
        if c == '"':
            quoted = not quoted
        elif c == "@" and not quoted:
            return address[:i], True, address[i + 1 :]
    return address, False, ""


def _tokens(text: str) -> list[str]:
    """prescan()'s atoms, roughly: runs of characters between sendmail's operators."""
    out: list[str] = []
    word: list[str] = []
    for c in text:
        if c in '.:%@!^/[]<>,;"()= \t':
            if word:
                out.append("".join(word))
                word = []
        else:
            word.append(c)
    if word:
        out.append("".join(word))
    return out


def helo_name_ok(argument: str) -> bool:
    """srvrsmtp.c: a HELO/EHLO name of letters, digits and "[].-_#:", up to MAXNAME octets;
    white space only at its end."""
    if len(argument) > MAXNAME:
        return False
    name = argument.rstrip(_SPACE)
    return all(c.isascii() and (c.isalnum() or c in "[].-_#:") for c in name)


def parse_params(params: str) -> list[tuple[str, str | None]]:
    """ESMTP parameters: KEY or KEY=VALUE, separated by spaces (a key may be empty)."""
    out = []
    for word in params.split(" "):
        if not word:
            continue
        key, eq, value = word.partition("=")
        if key.startswith("<"):
            key = ""
        out.append((key, value if eq else None))
    return out
