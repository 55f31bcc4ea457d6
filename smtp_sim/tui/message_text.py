"""A mail message laid out for reading: headers, the Received: chain, the MIME tree, and each
part's encoded text beside its decoded content.

Rich renderables only (no Textual), built from Text objects so that nothing in a message is
ever taken for markup. Styles come from a callable (the view's component styles), so themes
apply. Used by the Inspector and the mailbox reader.
"""

from __future__ import annotations

import binascii
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage, Message

from rich.console import RenderableType
from rich.style import Style
from rich.table import Table
from rich.text import Text

from ..world.visible import decode, visible
from .literal import literal
from .wire import human_size

StyleOf = Callable[[str], Style]

MAX_PART_LINES = 120  # lines of one part worth showing; the rest is summarised


def unstuff(content: bytes) -> bytes:
    """The message inside a DATA transfer: the final ``.`` line removed, dots unstuffed."""
    if content.endswith(b"\r\n.\r\n"):
        content = content[:-3]
    elif content in (b".\r\n", b"."):
        return b""
    lines = content.split(b"\r\n")
    return b"\r\n".join(line[1:] if line.startswith(b"..") else line for line in lines)


def parse(data: bytes) -> EmailMessage:
    return message_from_bytes(data, policy=policy.default)  # type: ignore[return-value]


@dataclass(frozen=True, slots=True)
class PartInfo:
    """One node of the MIME tree."""

    depth: int
    path: str  # "1", "1.2", ...
    content_type: str
    encoding: str
    filename: str | None
    charset: str | None
    raw_size: int  # bytes of the body as sent (encoded)
    size: int  # bytes once decoded
    part: Message
    is_multipart: bool  # a container: its children are the parts


def walk(message: Message) -> Iterator[PartInfo]:
    """Every part, depth first, with its place in the tree (``1.2`` is the 2nd of the 1st)."""

    def visit(part: Message, depth: int, path: str) -> Iterator[PartInfo]:
        encoding = str(part.get("Content-Transfer-Encoding", "7bit")).strip().lower()
        container = part.is_multipart() and part.get_content_type() not in _BLOCKS
        raw = b"" if container else _raw_payload(part)
        decoded = b"" if container else _decoded_payload(part) or raw
        yield PartInfo(
            depth,
            path,
            part.get_content_type(),
            encoding,
            _filename(part),
            part.get_content_charset(),
            len(raw),
            len(decoded),
            part,
            container,
        )
        if container:
            for index, child in enumerate(part.get_payload() or [], 1):  # type: ignore[union-attr]
                if isinstance(child, Message):
                    yield from visit(child, depth + 1, f"{path}.{index}" if path else str(index))

    yield from visit(message, 0, "")


# Parsed into header blocks by the email package, but read as one text part.
_BLOCKS = ("message/delivery-status",)


def _filename(part: Message) -> str | None:
    try:
        name = part.get_filename()
    except Exception:  # a malformed parameter must not stop the view
        return None
    return str(name) if name else None


def _raw_payload(part: Message) -> bytes:
    payload = part.get_payload(decode=False)
    if isinstance(payload, str):
        return payload.encode("utf-8", "surrogateescape")
    if isinstance(payload, list):  # message/delivery-status: blocks of fields
        return b"\n".join(block.as_bytes() for block in payload if isinstance(block, Message))
    return payload if isinstance(payload, bytes) else b""


def _decoded_payload(part: Message) -> bytes:
    if part.is_multipart():
        return b""
    try:
        data = part.get_payload(decode=True)
    except (binascii.Error, ValueError):
        return b""
    return data if isinstance(data, bytes) else b""


def decoded_text(part: Message) -> str:
    """A text part's content as a string, whatever its charset claims."""
    data = _decoded_payload(part)
    charset = part.get_content_charset() or "utf-8"
    try:
        return data.decode(charset, "replace")
    except LookupError:  # an unknown charset name
        return data.decode("utf-8", "replace")


#: The machine-readable parts of a delivery report (a bounce, RFC 3462/3464), with the title
#: a reader shows them under.
REPORT_PARTS = {
    "message/delivery-status": "Delivery status (RFC 3464): what happened, per recipient",
    "text/rfc822-headers": "The returned message's headers",
    "message/rfc822": "The returned message",
}


def attachments(message: Message) -> list[PartInfo]:
    """The leaf parts that are files (a filename, or not text); a delivery report's own parts
    are not files (see :func:`report_sections`)."""
    return [
        info
        for info in walk(message)
        if not info.is_multipart
        and info.depth > 0
        and info.content_type not in REPORT_PARTS
        and (info.filename or not info.content_type.startswith("text/"))
    ]


def report_sections(message: Message, style: StyleOf) -> list[RenderableType]:
    """A bounce's delivery status and returned headers, as text under their headings (empty
    for a message that is no delivery report)."""
    out: list[RenderableType] = []
    for info in walk(message):
        title = REPORT_PARTS.get(info.content_type)
        if title is not None and not info.is_multipart:
            out += [heading(title, style), _decoded_body(info, style)]
    return out


def header_value(message: Message, name: str) -> str:
    try:
        value = message.get(name)
    except Exception:  # a header the policy cannot parse still has its raw text
        value = None
    return "" if value is None else str(value)


# -- renderables --------------------------------------------------------------------------------


def heading(text: str, style: StyleOf) -> Text:
    return Text(f"\n{text}", style=style("pane--heading"))


def raw_headers(data: bytes, style: StyleOf) -> Text:
    """The header block exactly as stored, folded lines kept, names highlighted."""
    head = data.split(b"\r\n\r\n", 1)[0] if b"\r\n\r\n" in data else data.split(b"\n\n", 1)[0]
    out = Text(end="")
    for index, line in enumerate(head.replace(b"\r\n", b"\n").split(b"\n")):
        if index:
            out.append("\n")
        text = decode(line).expandtabs(8)
        if line[:1] in (b" ", b"\t") or b":" not in line:
            out.append_text(literal(text))
            continue
        name, _, rest = text.partition(":")
        spaces = len(rest) - len(rest.lstrip(" "))
        key = "pane--received" if name.lower() == "received" else "pane--header-name"
        out.append_text(literal(name + ":" + rest[:spaces], style(key)))
        out.append_text(literal(rest[spaces:]))
    return out


def received_chain(message: Message, style: StyleOf) -> list[RenderableType]:
    """The Received: lines, in the order they are written (newest first), numbered as hops."""
    received = message.get_all("Received") or []
    if not received:
        return [
            Text(
                "No Received: lines: no mail server has relayed this message (a bounce "
                "is written by the server that stores it).",
                style=style("pane--muted"),
            )
        ]
    table = Table.grid(padding=(0, 1))
    table.add_column(style=style("pane--label"), no_wrap=True)
    table.add_column()
    total = len(received)
    for index, value in enumerate(received):
        hop = total - index
        label = f"hop {hop}"
        if total > 1:
            label += " (last)" if index == 0 else " (first)" if index == total - 1 else ""
        table.add_row(
            label, Text(visible(" ".join(str(value).split())), style=style("pane--received"))
        )
    note = Text(
        "Each server adds its line at the top: read from the bottom up to follow the message.",
        style=style("pane--muted"),
    )
    return [table, note]


def mime_tree(message: Message, style: StyleOf) -> Text:
    """The MIME structure: content type, transfer encoding, filename and size of each part."""
    out = Text(end="")
    infos = list(walk(message))
    last = [_is_last_sibling(infos, i) for i in range(len(infos))]
    open_levels: list[bool] = []  # per depth: does a later sibling still follow?
    for number, info in enumerate(infos):
        if number:
            out.append("\n")
        del open_levels[max(0, info.depth - 1) :]
        prefix = "".join("│  " if more else "   " for more in open_levels)
        if info.depth:
            prefix += "└─ " if last[number] else "├─ "
            open_levels.append(not last[number])
        out.append(prefix, style("pane--muted"))
        out.append(visible(info.content_type), style("pane--mime"))
        details = []
        if info.charset:
            details.append(f"charset={info.charset}")
        if not info.is_multipart:
            details.append(info.encoding)
            if info.encoding in ("base64", "quoted-printable"):
                details.append(f"{human_size(info.raw_size)} encoded → {human_size(info.size)}")
            else:
                details.append(human_size(info.size))
        if details:
            out.append("  " + ", ".join(details), style("pane--label"))
        if info.filename:
            out.append("  ")
            out.append(visible(info.filename), style("pane--value") + Style(bold=True))
    return out


def _is_last_sibling(infos: list[PartInfo], index: int) -> bool:
    depth = infos[index].depth
    for later in infos[index + 1 :]:
        if later.depth < depth:
            return True
        if later.depth == depth:
            return False
    return True


def part_contents(message: Message, style: StyleOf, width: int = 120) -> list[RenderableType]:
    """Each leaf part's content; base64 and quoted-printable shown encoded beside decoded
    (one above the other when the pane is too narrow for both)."""
    out: list[RenderableType] = []
    for info in walk(message):
        if info.is_multipart:
            continue
        name = f"part {info.path}" if info.path else "body"
        title = f"{name}: {info.content_type}, {info.encoding}"
        if info.filename:
            title += f", {info.filename}"
        out.append(Text(visible(title), style=style("pane--mime") + Style(bold=True)))
        decoded = _decoded_body(info, style)
        if info.encoding in ("base64", "quoted-printable"):
            encoded_text = decode(_raw_payload(info.part)).replace("\r\n", "\n").rstrip("\n")
            encoded = _visible_lines(encoded_text, style("pane--muted"))
            natural = max((len(line) for line in encoded_text.split("\n")), default=0)
            label = style("pane--label")
            header = f"as sent ({info.encoding})"
            natural = max(natural, len(header))
            if width >= natural + 39:  # room for the hex dump beside it
                table = Table(
                    box=None,
                    padding=(0, 2, 0, 0),
                    show_edge=False,
                    pad_edge=False,
                    header_style=label,
                    expand=False,
                )
                table.add_column(header, width=natural, overflow="fold")
                table.add_column("decoded", overflow="fold")
                table.add_row(encoded, decoded)
                out.append(table)
            else:
                out += [
                    Text(f"as sent ({info.encoding}):", style=label),
                    encoded,
                    Text("decoded:", style=label),
                    decoded,
                ]
        else:
            out.append(decoded)
        out.append(Text(""))
    return out


def _limited(text: str) -> str:
    lines = text.split("\n")
    if len(lines) <= MAX_PART_LINES:
        return text
    return "\n".join(lines[:MAX_PART_LINES]) + f"\n… {len(lines) - MAX_PART_LINES} more lines"


def _visible_lines(text: str, style: Style | str = "") -> Text:
    """Each line made visible (tabs expanded), line breaks kept, long texts cut."""
    out = Text(style=style, end="")
    for index, line in enumerate(_limited(text).split("\n")):
        if index:
            out.append("\n")
        out.append_text(literal(line.expandtabs(8)))
    return out


def _decoded_body(info: PartInfo, style: StyleOf) -> Text:
    maintype = info.content_type.split("/", 1)[0]
    if maintype in ("text", "message"):
        if info.content_type in _BLOCKS or maintype == "message":
            body = decode(_raw_payload(info.part))
        else:
            body = decoded_text(info.part)
        return _visible_lines(body.replace("\r\n", "\n").rstrip("\n"))
    data = _decoded_payload(info.part)
    return binary_summary(data, info.content_type, style)


def binary_summary(data: bytes, content_type: str, style: StyleOf) -> Text:
    """A binary body as its size, what its first bytes say it is, and a short hex dump."""
    out = Text(f"{len(data)} bytes of {content_type}", style=style("pane--value"), end="")
    magic = _magic(data)
    if magic:
        out.append(f" (starts like a {magic} file)", style("pane--muted"))
    for offset in range(0, min(len(data), 64), 8):
        chunk = data[offset : offset + 8]
        hexes = " ".join(f"{byte:02x}" for byte in chunk)
        ascii_ = "".join(chr(b) if 32 <= b < 127 else "." for b in chunk)
        out.append(f"\n{offset:04x} {hexes:<23} {ascii_}", style("pane--muted"))
    if len(data) > 64:
        out.append(f"\n… {len(data) - 64} more bytes", style("pane--muted"))
    return out


def _magic(data: bytes) -> str | None:
    for prefix, name in (
        (b"GIF8", "GIF"),
        (b"\x89PNG", "PNG"),
        (b"\xff\xd8\xff", "JPEG"),
        (b"%PDF", "PDF"),
        (b"PK\x03\x04", "ZIP"),
    ):
        if data.startswith(prefix):
            return name
    return None


def message_sections(data: bytes, style: StyleOf, width: int = 120) -> list[RenderableType]:
    """Everything about one message: headers, Received: chain, MIME tree and contents."""
    message = parse(data)
    out: list[RenderableType] = [
        heading(f"Headers ({human_size(len(data))} message)", style),
        raw_headers(data, style),
        heading("Received: chain", style),
        *received_chain(message, style),
        heading("MIME structure", style),
        mime_tree(message, style),
        heading("Contents", style),
        *part_contents(message, style, width),
    ]
    return out
