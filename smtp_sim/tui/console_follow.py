"""The console and the explanation under it, following the playback.

The main screen owns one :class:`ConsoleFollower` and asks it to follow after every change the
controller tells: the console is given the lines its log has gained (all of them after a
rebuild), its prompt, completions and placeholder; the line under it explains the latest
reply. The texts themselves are console_text.py's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

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
            said = pop3_explanation(latest, typed_before(pb, latest))
            self.screen.query_one("#explain", Static).update(said)
        elif rebuilt:
            self.screen.query_one("#explain", Static).update("")

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
        self.screen.query_one("#explain", Static).update(said)
        self.screen.query_one("#explain-box").scroll_home(animate=False)
