"""The console: a telnet that explains itself.

Output lines are kept in a virtualised, selectable list: what the student typed, the server's
replies coloured by class (2xx, 3xx, 4xx, 5xx), and the terminal's own notes. Selecting a reply
posts :class:`Console.ReplySelected` so the app can explain it. The input line has history
(up/down) and completion of verbs, hosts and addresses (right arrow or tab accepts).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from ..literal import literal
from .line_input import LineInput

if TYPE_CHECKING:  # types only: the console is on the first frame, before the simulation loads
    from ...protocol.replies import Reply
    from ...world.student_terminal import TerminalOutput

#: A TAB shows as spaces to the next multiple of 8, as telnet in a terminal shows it (a
#: header's folded line starts with one: "\tby mail.cs.tcd.ie ..."), not as ^I.
TAB_SIZE = 8

# Theme variables, so the replies' colours follow the theme (high contrast on a projector).
REPLY_CLASS_STYLE = {2: "$success", 3: "$accent", 4: "$warning", 5: "$error"}

VERBS = [
    "HELO ",
    "EHLO ",
    "MAIL FROM:<",
    "RCPT TO:<",
    "DATA",
    "RSET",
    "NOOP",
    "VRFY ",
    "EXPN ",
    "HELP",
    "QUIT",
    "DEBUG",
    "USER ",
    "PASS ",
    "STAT",
    "LIST",
    "RETR ",
    "DELE ",
    "TOP ",
    "UIDL",
]
#: The console's own commands (course.lesson.SLASH_COMMANDS, which the first frame does not
#: import; tests/tui/test_console_view.py keeps the two the same), completed connected or not.
SLASH = [
    "/send ",
    "/wait ",
    "/run",
    "/answer ",
    "/hint",
    "/fault ",
    "/base64 ",
    "/dns txt ",
    "/tap ",
    "/help",
]
LOCAL = ["telnet ", "connect ", *SLASH]


def _themed(wire: str, style: str) -> Content:
    """A line of the wire, literally (control characters made visible, a TAB as the spaces
    a terminal shows for it), in ``style``: a theme variable such as ``$success``, read when
    drawn, so a theme switch recolours it at once."""
    line = Content.from_rich_text(literal(wire.expandtabs(TAB_SIZE)))
    return line.stylize_before(style) if style else line


class CompletionSuggester:
    """Completes the word being typed: a verb at the start, then hosts and addresses.

    Asked by the input line as each key changes its text, in the same frame (not as Textual's
    Suggester is, in a worker whose answer is a second frame: two screen updates a key for
    every web session)."""

    def __init__(self) -> None:
        self.hosts: list[str] = []
        self.addresses: list[str] = []
        self.connected = False

    def suggest(self, value: str) -> str | None:
        if not value:
            return None
        if " " not in value and "<" not in value:
            pool = SLASH if value.startswith("/") else VERBS if self.connected else LOCAL
            for word in pool:
                if word.lower().startswith(value.lower()) and len(word) > len(value):
                    rest = word[len(value) :]
                    # Follow the student's case: "rcp" completes to "rcpt to:<".
                    return value + (rest.lower() if value.islower() else rest)
            return None
        head, _sep, last = value.rpartition(" ") if " " in value else ("", "", value)
        if "<" in last:
            _before, _, partial = last.rpartition("<")
            for address in self.addresses:
                if address.lower().startswith(partial.lower()) and len(address) > len(partial):
                    return value + address[len(partial) :] + ">"
            return None
        words = head.split()
        first = words[0].lower() if words else ""
        pool = self.hosts if first in ("telnet", "connect", "open") else self.addresses
        for item in pool:
            if item.lower().startswith(last.lower()) and len(item) > len(last):
                return value + item[len(last) :]
        return None


class ConsoleInput(LineInput):
    """An input line with history on up/down (a key repaints only the line: LineInput)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "history(-1)", "Previous line", show=False, id="console.history_up"),
        Binding("down", "history(1)", "Next line", show=False, id="console.history_down"),
        Binding("tab", "accept_suggestion", "Complete", show=False, id="console.complete"),
        # (the output scrolls while typing: no need to leave the line to read back)
        Binding("pageup", "scroll_output(-1)", "Scroll up", show=False, id="console.page_up"),
        Binding("pagedown", "scroll_output(1)", "Scroll down", show=False, id="console.page_down"),
    ]

    def __init__(self, completion: CompletionSuggester | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.completion = completion
        self.history: list[str] = []
        self._cursor = 0
        self._draft = ""

    def _watch_value(self, value: str) -> None:
        super()._watch_value(value)  # (the suggestion cleared; no suggester: no worker)
        if value and self.completion is not None:
            self._suggestion = self.completion.suggest(value) or ""

    def on_mount(self) -> None:
        if getattr(self.app, "steady_cursor", False):
            self.cursor_blink = False

    def remember(self, line: str) -> None:
        if line and (not self.history or self.history[-1] != line):
            self.history.append(line)
        self._cursor = len(self.history)
        self._draft = ""

    def action_history(self, delta: int) -> None:
        if not self.history:
            return
        if self._cursor == len(self.history):
            self._draft = self.value
        self._cursor = max(0, min(len(self.history), self._cursor + delta))
        self.value = self.history[self._cursor] if self._cursor < len(self.history) else self._draft
        self.cursor_position = len(self.value)

    def _on_paste(self, event: events.Paste) -> None:
        """Several lines pasted are entered one by one, as a telnet sends them (an Input keeps
        only the first); a last line without its line end stays here to be finished."""
        lines = event.text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        if len(lines) == 1:
            return  # (Input's own handler runs next: one line is pasted in place)
        event.prevent_default()  # (not Input's handler, which keeps the first line only)
        event.stop()
        *whole, rest = lines
        whole[0] = self.value[: self.cursor_position] + whole[0]
        after = self.value[self.cursor_position :]
        self.post_message(self.LinesPasted(whole))
        self.value = rest + after
        self.cursor_position = len(rest)

    class LinesPasted(Message):
        """Whole lines pasted at once: each is entered as if typed and sent with Enter."""

        def __init__(self, lines: list[str]) -> None:
            super().__init__()
            self.lines = lines

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Enter is handled as a key, in order with the keys before it (see _on_key): as a
        # binding it would run before the keys typed just before it reach this input.
        return False if action == "submit" else super().check_action(action, parameters)

    async def _on_key(self, event: events.Key) -> None:
        """Enter takes the line as typed so far, in key order: a paste without bracketed
        paste, or fast typing, arrives as keys, and each line leaves on its own."""
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            line = self.value
            self.value = ""
            self.post_message(self.Submitted(self, line))

    def action_scroll_output(self, direction: int) -> None:
        """PageUp/PageDown while typing: the console's output scrolls a page."""
        output = self.parent.query_one(OptionList) if self.parent is not None else None
        if output is None:
            return
        if direction < 0:
            output.scroll_page_up(animate=False)
        else:
            output.scroll_page_down(animate=False)

    def action_accept_suggestion(self) -> None:
        if self._suggestion and self._suggestion != self.value:
            self.value = self._suggestion
            self.cursor_position = len(self.value)
        elif not getattr(self.screen, "focus_answer_box", lambda: False)():
            self.screen.focus_next()  # (a quiz's answer box, when one is shown, comes first)


def fit_placeholder(text: str, width: int) -> str:
    """``text`` as it fits ``width`` cells: whole; else with "e.g. " for its lead-in ("type
    here, e.g. ", "an SMTP command: "), so it still reads as a suggestion, not as a line
    typed (walkA at 80 columns); then without its last items (", QUIT, HELP"); then without
    the "e.g. "; else cut with an ellipsis."""
    if cell_len(text) <= width:
        return text
    rest = text
    for lead in ("e.g. ", ": "):
        if lead in text:
            rest = text.split(lead, 1)[1]
            break
    for lead_in in ("e.g. ", ""):
        fitted = lead_in + rest
        while cell_len(fitted) > width and ", " in fitted:
            fitted = fitted.rsplit(", ", 1)[0]
        if cell_len(fitted) <= width:
            return fitted
    return rest[: max(width - 1, 0)] + "\u2026"


class Console(Vertical):
    """Output list, prompt and input line."""

    # scrollbar-gutter: stable, because OptionList measures an option's wrapped height at the
    # width it has when the option is added; the scrollbar that appeared when the lines
    # overflowed took two columns and no resize told the list, so a note wrapped one line
    # more than measured and lost its last line (walk1: "...as things" without "are).").
    DEFAULT_CSS = """
    Console { height: 1fr; }
    Console > OptionList { height: 1fr; border: none; padding: 0 1; scrollbar-gutter: stable; }
    Console > #prompt { height: 1; padding: 0 1; }
    Console > ConsoleInput { height: 3; }
    """

    class Submitted(Message):
        """The student pressed Enter on a line."""

        def __init__(self, line: str) -> None:
            super().__init__()
            self.line = line

    class ReplySelected(Message):
        """A server reply in the output was selected (clicked, or Enter on it)."""

        def __init__(self, reply: Reply) -> None:
            super().__init__()
            self.reply = reply

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.suggester = CompletionSuggester()
        self._replies: dict[str, Reply] = {}
        self._count = 0
        self._placeholder: str | None = None  # (in full: fitted to the width when shown)
        self._prompt: tuple[str, bool, str | None] | None = None  # (the same for the prompt)

    def compose(self) -> ComposeResult:
        yield OptionList(id="output")
        yield Label("", id="prompt")
        # Not select_on_focus: coming back (Escape, or a key typed elsewhere) must not let the
        # next key replace the line half typed.
        yield ConsoleInput(
            placeholder="type here: telnet mail.cs.tcd.ie 25",
            id="line",
            completion=self.suggester,
            select_on_focus=False,
        )

    @property
    def input(self) -> ConsoleInput:
        return self.query_one(ConsoleInput)

    @property
    def output(self) -> OptionList:
        return self.query_one(OptionList)

    # -- feeding it ---------------------------------------------------------------------------

    def clear(self) -> None:
        self.output.clear_options()
        self._replies.clear()
        self._count = 0

    def show_all(self, items: Iterable[TerminalOutput | tuple[str, str]]) -> None:
        """Replace the output (after a rebuild): terminal outputs and typed lines in order."""
        self.clear()
        self.add(items)

    def add(self, items: Iterable[TerminalOutput | tuple[str, str]]) -> None:
        options = []
        for item in items:
            options.extend(self._options(item))
        if options:
            self.output.add_options(options)
            self.output.scroll_end(animate=False)

    def typed(self, line: str) -> None:
        self.add([("typed", line)])

    def note(self, text: str) -> None:
        self.add([("note", text)])

    def _options(self, item: TerminalOutput | tuple[str, str]) -> list[Option]:
        out = []
        if isinstance(item, tuple):
            kind, text = item
            if kind == "typed":
                line = Text("» ", style="bold")
                line.append_text(
                    literal(text.expandtabs(TAB_SIZE), style="bold")
                    if text
                    else literal("(empty line)", style="dim")
                )
                out.append(self._option(line))
            else:  # a note of the console's own: one option a line (/help is a list)
                out += [
                    self._option(literal(part.expandtabs(TAB_SIZE), style="italic"))
                    for part in text.split("\n")
                ]
            return out
        if item.reply is not None:
            style = REPLY_CLASS_STYLE.get(item.reply.reply_class, "")
            first = True
            for wire in item.text.split("\n"):
                out.append(self._option(_themed(wire, style), item.reply if first else None))
                first = False
        elif item.pop3 is not None:
            style = "$success" if item.pop3.ok else "$error"
            for i, wire in enumerate(item.text.split("\n")):
                out.append(self._option(_themed(wire, style if i == 0 else "")))
        else:
            out.append(self._option(literal(item.text.expandtabs(TAB_SIZE), style="dim italic")))
        return out

    def _option(self, prompt: Text | Content, reply: Reply | None = None) -> Option:
        self._count += 1
        ident = f"o{self._count}"
        if reply is not None:
            self._replies[ident] = reply
        return Option(prompt, id=ident)

    def set_prompt(self, text: str, *, data_mode: bool = False, short: str | None = None) -> None:
        """The prompt above the input line; ``short`` in its place when ``text`` does not fit
        (80 columns: ``DATA: end with .`` for ``DATA (end with a line holding only '.')``)."""
        self._prompt = (text, data_mode, short)
        label = self.query_one("#prompt", Label)
        room = self.content_size.width - label.styles.padding.width  # (the label's width: auto)
        if short is not None and self.size.width and cell_len(text) > room:
            text = short
        # (in DATA the prompt itself says how the message ends: shown once, reversed)
        label.update(Text(text, style="bold reverse" if data_mode else "bold"))

    def set_placeholder(self, text: str) -> None:
        """What the empty input line suggests typing (it follows the session's state), fitted
        to the line's width (80 columns): shortened, never cut mid-word."""
        self._placeholder = text
        line = self.query_one("#line", Input)
        fitted = fit_placeholder(text, line.content_region.width) if line.size.width else text
        if line.placeholder != fitted:
            line.placeholder = fitted

    def on_resize(self) -> None:
        self.call_after_refresh(self._refit)

    def _refit(self) -> None:
        """The placeholder and the prompt fitted to the new width: those the console has now,
        not those it had at the resize (a line entered since had changed them)."""
        if self._placeholder is not None:
            self.set_placeholder(self._placeholder)
        if self._prompt is not None:
            text, data_mode, short = self._prompt
            self.set_prompt(text, data_mode=data_mode, short=short)

    def set_completions(self, hosts: list[str], addresses: list[str], connected: bool) -> None:
        self.suggester.hosts = hosts
        self.suggester.addresses = addresses
        self.suggester.connected = connected

    # -- events -------------------------------------------------------------------------------

    @on(Input.Submitted, "#line")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        line = event.value
        self.input.remember(line)  # (the input emptied itself when Enter was pressed)
        self.post_message(self.Submitted(line))

    @on(ConsoleInput.LinesPasted)
    def _pasted(self, event: ConsoleInput.LinesPasted) -> None:
        event.stop()
        for line in event.lines:
            self.input.remember(line)
            self.post_message(self.Submitted(line))

    @on(OptionList.OptionSelected, "#output")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        reply = self._replies.get(event.option.id or "")
        if reply is not None:
            self.post_message(self.ReplySelected(reply))
