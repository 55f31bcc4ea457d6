"""Mailbox and path syntax of RFC 5321 section 4.1.2, with the limits of section 4.5.3.1."""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_LOCAL_PART = 64
MAX_DOMAIN = 255
MAX_PATH = 256

_ATEXT = r"[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]"
_DOT_STRING = re.compile(rf"^{_ATEXT}+(?:\.{_ATEXT}+)*$")
_QUOTED = re.compile(r'^"(?:[^"\\\r\n]|\\[ -~])*"$')
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_DOMAIN = re.compile(rf"^{_LABEL}(?:\.{_LABEL})*\.?$")
_LITERAL = re.compile(r"^\[(?:\d{1,3}(?:\.\d{1,3}){3}|IPv6:[0-9A-Fa-f:.]+)\]$")


class AddressError(ValueError):
    """The text is not a valid path; ``too_long`` tells a length limit from bad syntax."""

    def __init__(self, message: str, *, too_long: bool = False) -> None:
        super().__init__(message)
        self.too_long = too_long


@dataclass(frozen=True, slots=True)
class Address:
    """A mailbox ``local@domain``; ``domain`` is None for an unqualified name (``<postmaster>``).

    The null reverse-path ``<>`` is ``Address("", None)``. The local part keeps its case
    (RFC 5321 section 2.4); the domain compares case-insensitively.
    """

    local: str
    domain: str | None = None

    @property
    def is_null(self) -> bool:
        return self.local == "" and self.domain is None

    @property
    def is_postmaster(self) -> bool:
        return self.local.lower() == "postmaster"

    def __str__(self) -> str:
        if self.domain is None:
            return self.local
        return f"{self.local}@{self.domain}"

    @property
    def bracketed(self) -> str:
        return f"<{self}>"

    @classmethod
    def parse(cls, text: str) -> Address:
        """Parse ``local@domain`` (no brackets). Raises :class:`AddressError`."""
        if text == "":
            return cls("", None)
        local, at, domain = text.rpartition("@")
        if not at:
            local, domain_opt = text, None
        else:
            domain_opt = domain
        if len(local.encode()) > MAX_LOCAL_PART:
            raise AddressError(
                f"local part is {len(local.encode())} octets; the limit is {MAX_LOCAL_PART}",
                too_long=True,
            )
        if not (_DOT_STRING.match(local) or _QUOTED.match(local)):
            raise AddressError(f"{local!r} is not a valid local part")
        if domain_opt is not None:
            if len(domain_opt.encode()) > MAX_DOMAIN:
                raise AddressError(
                    f"domain is {len(domain_opt.encode())} octets; the limit is {MAX_DOMAIN}",
                    too_long=True,
                )
            if not (_DOMAIN.match(domain_opt) or _LITERAL.match(domain_opt)):
                raise AddressError(f"{domain_opt!r} is not a valid domain")
        return cls(local, domain_opt)


def split_path(argument: str, *, require_brackets: bool) -> tuple[str, str]:
    """Split ``<path> params`` into the path text (brackets and source route removed) and the
    parameter text. Raises :class:`AddressError` for a missing or unbalanced bracket."""
    argument = argument.strip()
    if argument.startswith("<"):
        # Only a quoted local part can hold a '>' that does not close the path.
        end = _closing_bracket(argument) if '"' in argument else argument.find(">")
        if end < 0:
            raise AddressError("the path has no closing '>'")
        if len(argument[: end + 1].encode()) > MAX_PATH:
            raise AddressError(f"the path is longer than {MAX_PATH} octets", too_long=True)
        inner = argument[1:end]
        rest = argument[end + 1 :]
        if rest and not rest.startswith(" "):
            raise AddressError("text follows '>' without a space")
        if inner.startswith("@") and ":" in inner:
            # An obsolete source route (<@a,@b:user@c>): accepted and ignored (RFC 5321 4.1.1.3)
            inner = inner.split(":", 1)[1]
        return inner, rest.strip()
    if require_brackets:
        raise AddressError("the address must be written in angle brackets: <user@domain>")
    if not argument:
        raise AddressError("no address given")
    path, _, rest = argument.partition(" ")
    if ">" in path or "<" in path:
        raise AddressError("unbalanced angle brackets")
    if len(path.encode()) + 2 > MAX_PATH:
        raise AddressError(f"the path is longer than {MAX_PATH} octets", too_long=True)
    return path, rest.strip()


def _closing_bracket(text: str) -> int:
    quoted = False
    escaped = False
    for i, ch in enumerate(text):
        if escaped:
            escaped = False
        elif ch == "\\" and quoted:
            escaped = True
        elif ch == '"':
            quoted = not quoted
        elif ch == ">" and not quoted:
            return i
    return -1


def parse_params(text: str) -> tuple[tuple[str, str | None], ...]:
    """``SIZE=1000 BODY=8BITMIME`` -> ``(("SIZE", "1000"), ("BODY", "8BITMIME"))``."""
    out = []
    for word in text.split():
        key, eq, value = word.partition("=")
        out.append((key.upper(), value if eq else None))
    return tuple(out)
