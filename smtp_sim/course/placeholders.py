"""Facts about the simulated servers written into lesson text from the one place they live.

A lesson says which server version it shows, or what a server answers, by naming the
personality instead of copying its data, so the text stays true when the personality changes:

- ``{{postfix-3}}`` is the personality's name, e.g. ``Postfix 3.9``;
- ``{{postfix-3:relay_denied <carol@example.org>}}`` is the reply of that kind (a
  :class:`~smtp_sim.protocol.replies.ReplyKind` value) as the personality words it, e.g.
  ``554 5.7.1 <carol@example.org>: Relay access denied``. A bare word fills ``{address}`` and
  ``{argument}``; ``name=value`` fills any other field (``hostname=mail.cs.tcd.ie``).

The text is filled in when the lesson is read, so every view, the checker and the grader see
the same words. An unknown personality or reply kind is an error in the lesson file.
"""

from __future__ import annotations

import re

from ..protocol.personalities import PERSONALITIES, Personality
from ..protocol.replies import ReplyKind, render

__all__ = ["PLACEHOLDER", "fill_placeholders"]

#: ``{{id}}`` or ``{{id:kind words...}}``; ids may hold dots (``postfix-3.7``).
PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9][\w.-]*)\s*(?::\s*([a-z_]+)([^{}]*))?\}\}")


def fill_placeholders(text: str) -> str:
    """``text`` with every ``{{...}}`` replaced; raises ``ValueError`` naming a bad one."""
    if "{{" not in text:
        return text
    out = PLACEHOLDER.sub(_replacement, text)
    if "{{" in out:
        left = out[out.index("{{") :][:40]
        raise ValueError(
            f"{left!r} is not a placeholder: write {{{{personality}}}} or "
            f"{{{{personality:reply_kind address}}}}, e.g. {{{{postfix-3}}}}"
        )
    return out


def _replacement(match: re.Match[str]) -> str:
    ident, kind, rest = match.group(1), match.group(2), match.group(3) or ""
    personality = _personality(ident)
    if kind is None:
        return personality.name
    return _reply_text(personality, kind, rest.split())


def _personality(ident: str) -> Personality:
    try:
        return PERSONALITIES[ident]
    except KeyError:
        raise ValueError(
            f"{{{{{ident}}}}}: no personality {ident!r}; known: {', '.join(PERSONALITIES)}"
        ) from None


def _reply_text(personality: Personality, kind: str, words: list[str]) -> str:
    try:
        reply_kind = ReplyKind(kind)
    except ValueError:
        raise ValueError(
            f"{{{{{personality.id}:{kind}}}}}: no reply kind {kind!r}; known: "
            f"{', '.join(k.value for k in ReplyKind)}"
        ) from None
    fields: dict[str, str] = {}
    for word in words:
        name, sep, value = word.partition("=")
        if sep:
            fields[name] = value
        else:
            fields.setdefault("address", word)
            fields.setdefault("argument", word)
    reply = render(
        personality.reply(reply_kind),
        enhanced_codes=personality.enhanced_codes,
        kind=reply_kind,
        extra_lines=(),
        **fields,
    )
    return " / ".join(reply.wire_lines())
