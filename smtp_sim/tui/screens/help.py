"""The help screen (F1): every key binding with its description, and how to use the app."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

from ..palette import key_actions, key_label

INTRO = """
# smtp-sim help

**The console** (bottom right) is a telnet inside the simulated network. Type
`telnet HOST PORT` (25 SMTP, 587 submission, 110 POP3), then speak the protocol line by line:
`HELO`, `MAIL FROM:<...>`, `RCPT TO:<...>`, `DATA`, the message, a line with only `.`, `QUIT`.
Up/down recall earlier lines; right arrow or tab accepts a completion; PageUp/PageDown scroll
the console's output while you type. Click (or Enter on) a reply to have it explained below
the console.

Console commands for the simulator itself: `/answer TEXT` answers a quiz, `/wait 30s` lets
virtual time pass, `/run` runs until the network is idle, `/send FROM TO [SUBJECT]` makes a
user press Send, `/fault KIND key=value` injects a fault (`/fault striptls a=HOST b=HOST`
puts an attacker on a link who removes STARTTLS from the EHLO replies crossing it),
`/tap HOST HOST` puts a tap on the link between two hosts (the palette's "Show what the taps
saw" lists what crossed it), `/base64 TEXT` encodes (`/base64 -d TEXT` decodes),
`/dns txt NAME` shows a name's TXT records (`/dns txt NAME "TEXT"` publishes one), `/hint`
shows a hint and `/help` lists them all.

**The views** (tabs, top right): the network map, the flow diagram (one arrow per command or
reply), the event list (every trace record), the inspector (a record in full: bytes, the
explanation, headers, MIME parts), the mailboxes and the queues. Select a line in the flow or
the event list to open it in the inspector.

**Without a mouse**: `Ctrl+L` puts the keys in the lesson text (arrows, PageUp/PageDown,
Home/End scroll it); `Ctrl+Pgdn` and `Ctrl+Pgup` switch the views' tabs; `Escape`, or
just typing, goes back to the console.

**Time** is virtual: play, pause, step forward and back through every event. Stepping back
re-shows an earlier moment; what you typed stays in the history.

**The command palette** (ctrl+p) holds every key's action as well, and opens lessons, injects
faults (in a sandbox), filters the event list by layer or host (also ctrl+f) and exports.

**Exports** (ctrl+s): the transcript, the trace as JSON Lines, your attempt (everything you
typed, for `smtp-sim run LESSON --answers FILE`), this screen or the whole flow diagram as SVG
or HTML, saved as `smtp-sim-<lesson>-<what>` (in a browser: downloaded).

## Keys
"""


def _cell(text: str) -> str:
    """Text for a Markdown table cell: no pipe or line break can end the cell early."""
    return " ".join(text.split()).replace("|", "\\|")


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f1,q", "dismiss", "Close help", id="help.close"),
    ]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 90%; max-width: 100; height: 90%;
                                  border: thick $accent; background: $surface; }
    """

    def __init__(self, keys: Sequence[BindingType]) -> None:
        """``keys``: every key of the app, in the order listed (``tui.keys.KEYS``)."""
        super().__init__()
        self.app_keys = keys

    def compose(self) -> ComposeResult:
        rows = ["| key | action | what it does |", "| --- | --- | --- |"]
        for item in key_actions(self.app_keys):
            keys = " or ".join(f"`{key_label(k)}`" for k in item.keys)
            rows.append(f"| {keys} | {item.description} | {_cell(item.tooltip)} |")
        rows.append(
            "| `Ctrl+P` | Command palette | every action above, lessons, faults, "
            "event filters, exports, themes |"
        )
        with VerticalScroll():
            yield Markdown(INTRO + "\n".join(rows))
