"""The console and the explanation under it, following the playback.

The main screen owns one :class:`ConsoleFollower` and asks it to follow after every change the
controller tells: the console is given the lines its log has gained (all of them after a
rebuild), its prompt, completions and placeholder; the line under it explains the latest
reply. The texts themselves are console_text.py's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

from .console_text import explanation, latest_reply, placeholder, pop3_explanation, typed_before
from .widgets.console import Console

if TYPE_CHECKING:
    from textual.screen import Screen

    from ..course.playback import Playback


class ConsoleFollower:
    """What the console has shown of the playback: its generation, the log lines, the replies
    explained."""

    def __init__(self, screen: Screen[None]) -> None:
        self.screen = screen
        self.generation = -1
        self._log_seen = 0
        self._explained = 0
        self._said: Text | str = ""

    def follow(self, pb: Playback) -> None:
        """The console up to ``pb``: the new log lines, the prompt, the completions, the
        placeholder, and the latest reply explained."""
        console = self.screen.query_one(Console)
        log = pb.session.terminal.log
        rebuilt = pb.generation != self.generation
        if rebuilt:
            self.generation = pb.generation
            console.show_all(log)
            self._log_seen = len(log)
        elif len(log) > self._log_seen:
            console.add(log[self._log_seen :])
            self._log_seen = len(log)
        self._explain_latest(pb, rebuilt)
        world = pb.world
        terminal = pb.session.terminal
        console.set_prompt(terminal.prompt, data_mode=terminal.in_data, short=terminal.short_prompt)
        # (mail servers first: Tab after "telnet " offers one, not a gateway that runs no SMTP)
        servers = sorted(world.mtas)
        hosts = servers + sorted(set(world.network.hosts) - set(servers))
        addresses = sorted({box.address for box in world.mailboxes()} | set(world.agents))
        console.set_completions(hosts, addresses, terminal.state == "open")
        console.set_placeholder(placeholder(pb))

    def answered(
        self, pb: Playback, code: int, enhanced: str | None, command: str, text: str
    ) -> None:
        """The reply to a line typed, explained with the advice for that line (following the
        change then looks only at the replies after it)."""
        self._explained = len(pb.session.terminal.output)
        self.explain(pb, code, enhanced, command=command, text=text)

    def _explain_latest(self, pb: Playback, rebuilt: bool) -> None:
        """The line under the console follows the replies as they come (a 421 while time
        passes, a reply to a line typed earlier), not only the reply to the last line typed;
        after a rebuild, the last reply of the replayed session (none after a reset)."""
        seen = 0 if rebuilt else self._explained
        self._explained = len(pb.session.terminal.output)
        latest = latest_reply(pb, seen)
        if latest is not None and latest.reply is not None:
            reply = latest.reply
            self.explain(pb, reply.code, reply.enhanced, text=" ".join(reply.lines))
        elif latest is not None:
            self._show(pop3_explanation(latest, typed_before(pb, latest)))
        elif rebuilt:
            self._show("")

    def explain(
        self,
        pb: Playback,
        code: int,
        enhanced: str | None,
        *,
        command: str | None = None,
        text: str = "",
    ) -> None:
        said = explanation(pb, code, enhanced, command=command, text=text)
        self._show(said)

    def _show(self, said: Text | str) -> None:
        self._said = said
        self.screen.query_one("#explain", Static).update(said)
        self.screen.query_one("#explain-box").scroll_home(animate=False)
        self.screen.call_after_refresh(self.fit)

    def fit(self) -> None:
        """The box under the console as tall as the explanation up to its advice (its
        "Next:" line), between its usual rows (4, 3 on a short screen) and a limit (8, 7): a
        second MAIL's advice took seven rows at 80x24 and three showed. The views give the
        rows back when the next explanation is short. Again after a resize (new widths)."""
        box = self.screen.query_one("#explain-box")
        width = box.size.width - 3  # (the text's padding, and the scrollbar it may need)
        text = self._said
        usual, most = (3, 7) if self.screen.has_class("-short") else (4, 8)
        rows = 0
        if width > 0 and isinstance(text, Text) and "Next: " in text.plain:
            lines = text.plain.splitlines()
            last = max(i for i, line in enumerate(lines) if line.startswith("Next: "))
            upto = Text("\n".join(lines[: last + 1]))
            rows = len(upto.wrap(self.screen.app.console, width))
        wanted = min(max(rows, usual), most)
        box.styles.max_height = wanted if wanted > usual else None
