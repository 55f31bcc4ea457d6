"""What the student types, in the app: lines to the playback, the explanation of the reply
they got, and where the keys go (whatever is typed on the main screen reaches the console:
printable keys, space and Enter; only function keys and ctrl combinations are bindings).

A mixin of :class:`~smtp_sim.tui.app.SmtpSimApp`; :func:`placeholder` is what the empty input
line suggests typing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import events
from textual.widgets import Input, Static

from ..world.network import POP3_PORT
from .mixin_base import AppMixin
from .textual_private import forward_key
from .widgets.console import Console

if TYPE_CHECKING:
    from ..course.playback import Playback


class ConsoleActions(AppMixin):
    """Lines typed, replies explained, keys routed to the console."""

    # By name, not @on(...): a mixin's @on handlers are not collected (App subclasses only).
    def on_console_submitted(self, event: Console.Submitted) -> None:
        line = event.line
        if self._loading is not None:
            if self._problems is None:
                self._typed_while_loading.append(line)  # entered once the lesson is loaded
            return
        answer = self.controller.type_line(line)
        if answer is not None:
            # This reply is explained with the advice for the line typed (the views, when
            # they follow the change, look only at the replies after it).
            self._explained = len(self.playback.session.terminal.output)
            self._explain(
                answer.reply.code,
                answer.reply.enhanced,
                command=answer.command,
                text=" ".join(answer.reply.lines),
            )

    def explain_latest(self, rebuilt: bool) -> None:
        """The line under the console follows the replies as they come (a 421 while time
        passes, a reply to a line typed earlier), not only the reply to the last line typed;
        after a rebuild, the last reply of the replayed session (none after a reset)."""
        output = self.playback.session.terminal.output
        seen = 0 if rebuilt else self._explained
        self._explained = len(output)
        latest = next(
            (o for o in reversed(output[seen:]) if o.reply is not None or o.pop3 is not None), None
        )
        if latest is not None and latest.reply is not None:
            self._explain(
                latest.reply.code, latest.reply.enhanced, text=" ".join(latest.reply.lines)
            )
        elif latest is not None and latest.pop3 is not None:
            from ..protocol.pop3_replies import explain_pop3_reply

            self.query_one("#explain", Static).update(
                Text(explain_pop3_reply(latest.pop3), style="italic")
            )
        elif rebuilt:
            self.query_one("#explain", Static).update("")

    def on_console_reply_selected(self, event: Console.ReplySelected) -> None:
        self._explain(event.reply.code, event.reply.enhanced)

    def _explain(
        self, code: int, enhanced: str | None, *, command: str | None = None, text: str = ""
    ) -> None:
        from ..protocol.explain import explain_reply

        text = explain_reply(
            code, enhanced, command=command, text=text, greeting=greeting(self.playback)
        )
        lines = text.splitlines()
        # The advice for the line typed first (on a short screen it may be all that shows;
        # the rest scrolls): "Did you mean HELO?" before "500 Syntax error...".
        advice = [line for line in lines if line.startswith("Next: ")]
        if command is not None and advice:
            lines = advice + [line for line in lines if line not in advice]
        self.query_one("#explain", Static).update(Text("\n".join(lines), style="italic"))
        self.query_one("#explain-box").scroll_home(animate=False)

    # -- focus: what is typed reaches the console ----------------------------------------------

    def _on_main_screen(self) -> bool:
        return len(self.screen_stack) == 1

    def _typed_for_console(self, event: events.Key) -> bool:
        """A key the student types (a printable character, space, Enter) while no text box has
        the focus: it belongs to the console's input line. Function keys and ctrl
        combinations stay bindings; a box that takes text (the quiz's) keeps its keys."""
        if event.key != "enter" and not event.is_printable:
            return False
        if not self._on_main_screen() or isinstance(self.focused, Input):
            return False
        return bool(self.query(Console))

    async def on_event(self, event: events.Event) -> None:
        """Typed keys go to the console's input line before anything else sees them, in the
        order they came: after a click on a tab, a mailbox or the Inspector, or with the
        focus anywhere else on the main screen, no key of a burst is taken by a binding
        (``?``, space and Enter included) or left behind while the focus moves."""
        if (
            isinstance(event, events.Key)
            and not event.is_forwarded
            and self._typed_for_console(event)
        ):
            console = self.query_one(Console).input
            self.screen.set_focus(console, scroll_visible=False)  # now, not after the queue
            forward_key(console, event)  # (the input's own queue keeps the keys in order)
            return
        await super().on_event(event)  # type: ignore[misc]

    def action_focus_console(self) -> None:
        if self._on_main_screen():
            self.query_one(Console).input.focus()


def greeting(pb: Playback) -> str | None:
    """HELO or EHLO: the greeting of the student's current connection, else the one the
    lesson's own solutions use (None when neither says)."""
    for item in reversed(pb.session.terminal.log):
        if isinstance(item, tuple) and item[0] == "typed":
            word = item[1].strip().split(None, 1)[0].upper() if item[1].strip() else ""
            if word in ("HELO", "EHLO"):
                return word
            if word in ("TELNET", "CONNECT", "OPEN"):
                break
    for step in pb.session.lesson.steps:
        for line in step.solution:
            word = line.strip().split(None, 1)[0].upper() if line.strip() else ""
            if word in ("HELO", "EHLO"):
                return word
    return None


def placeholder(pb: Playback) -> str:
    """What to type next, as the empty console line suggests it: a command of the protocol
    spoken, message text, or how to connect (from the step's own solution, when it has one)."""
    terminal = pb.session.terminal
    if terminal.in_data:
        return "message text; a line holding only . ends it"
    if terminal.state == "open":
        if terminal.conn is not None and terminal.conn.port == POP3_PORT:
            return "a POP3 command: USER, PASS, STAT, LIST, RETR n, DELE n, QUIT"
        return "an SMTP command: HELO, MAIL FROM:<\u2026>, RCPT TO:<\u2026>, DATA, QUIT, HELP"
    step = pb.session.current
    for line in step.solution if step is not None else ():
        if line.startswith(("telnet ", "/send ")):
            return f"type here, e.g. {line}"
    for other in pb.session.lesson.steps:  # (the lesson's own server, not just any)
        for line in other.solution:
            if line.startswith("telnet "):
                return f"type here: {line}, or /help"
    server = next(iter(pb.world.mtas), None)
    return f"type here: telnet {server} 25, or /help" if server else "type here: /help"
