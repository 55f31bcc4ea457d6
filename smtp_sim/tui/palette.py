"""Command palette providers: every key binding's action, event filters, lessons, faults (built
from the current world) and exports.

Names and help texts are shown literally (never parsed as markup): host names, addresses and
lesson summaries come from scenario files.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.binding import Binding, BindingType
from textual.command import DiscoveryHit, Hit, Hits, Matcher, Provider
from textual.content import Content
from textual.keys import format_key

if TYPE_CHECKING:
    from .screens.main import MainScreen


def _highlight(matcher: Matcher, name: str) -> Content:
    """``name`` as literal content, the characters the query matched highlighted."""
    content = Content(name)
    _score, offsets = matcher.fuzzy_search.match(matcher.query, name)
    for offset in offsets:
        if not name[offset].isspace():
            content = content.stylize(matcher.match_style, offset, offset + 1)
    return content


class _ListProvider(Provider):
    """A list of (name, help, callback). Every provider but BindingCommands is the main
    screen's (its COMMANDS): ``self.screen`` is the screen the palette was opened on."""

    @property
    def main(self) -> MainScreen:
        return cast("MainScreen", self.screen)

    def items(self) -> list[tuple[str, str, Callable[[], object]]]:  # pragma: no cover
        raise NotImplementedError

    async def discover(self) -> Hits:
        for name, help_text, callback in self.items():
            # (a Content is drawn as is; a str would be read as markup: Hit's annotation says str)
            yield DiscoveryHit(
                Content(name),
                callback,
                text=name,
                help=Content(help_text),  # type: ignore[arg-type]
            )

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, callback in self.items():
            score = matcher.match(name)
            if score > 0:
                yield Hit(
                    score,
                    _highlight(matcher, name),
                    callback,
                    text=name,
                    help=Content(help_text),  # type: ignore[arg-type]
                )


# -- key bindings ----------------------------------------------------------------------------

_FUNCTION_KEY = re.compile(r"f\d+")


def key_label(key: str) -> str:
    """A key as people write it: ``f7`` -> ``F7``, ``ctrl+s`` -> ``Ctrl+S``,
    ``question_mark`` -> ``?``."""
    *modifiers, name = key.split("+")
    if _FUNCTION_KEY.fullmatch(name):
        name = name.upper()
    else:
        name = format_key(name)
        if len(name) == 1 and modifiers:
            name = name.upper()
        elif len(name) > 1:
            name = name.capitalize()
    return "+".join([*(m.capitalize() for m in modifiers), name])


@dataclass(frozen=True)
class KeyAction:
    """One action of the app with every key bound to it (in BINDINGS order)."""

    action: str
    description: str
    keys: tuple[str, ...]
    tooltip: str = ""

    @property
    def label(self) -> str:
        """The description and its keys: ``Step forward (F7)``, ``Help (F1 or ?)``."""
        return f"{self.description} ({' or '.join(key_label(k) for k in self.keys)})"


def key_actions(bindings: Sequence[BindingType]) -> list[KeyAction]:
    """Every action in ``bindings`` once, with all its keys, in the order first bound.
    The palette and the help screen are built from this, so they cannot drift from BINDINGS."""
    found: dict[str, KeyAction] = {}
    for binding in Binding.make_bindings(bindings):
        known = found.get(binding.action)
        if known is None:
            found[binding.action] = KeyAction(
                binding.action, binding.description, (binding.key,), binding.tooltip
            )
        elif binding.key not in known.keys:
            found[binding.action] = KeyAction(
                known.action,
                known.description,
                (*known.keys, binding.key),
                known.tooltip or binding.tooltip,
            )
    return list(found.values())


class BindingCommands(_ListProvider):
    """Every action that has a key, named by its description and key (from the app's KEYS,
    in their order), run where it is bound: the App's own (help, theme, quit) on the App,
    the others on the main screen; not those hidden now (check_action False: no Next step
    in the sandbox)."""

    def items(self):
        from .keys import APP_KEYS, KEYS

        app, main = self.app, self.main
        app_actions = {binding.action for binding in APP_KEYS}
        out = []
        for item in key_actions(KEYS):
            node = app if item.action in app_actions else main
            if node.check_action(item.action, ()) is False:
                continue
            run = partial(app.call_after_refresh, app.run_action, item.action, node)
            out.append((item.label, item.tooltip, run))
        return out


# -- the event list's filter -----------------------------------------------------------------


#: What a layer's records are, where its name does not say (the palette's filters).
LAYER_WHAT = {
    "TAP": ": what a tap (/tap HOST HOST) saw cross its link",
    "TLS": ": handshakes and certificate verdicts",
    "INFO": ": the lesson's and the simulator's notes",
}


def event_filter_items(main: MainScreen) -> list[tuple[str, str, Callable[[], object]]]:
    """The event list's filters: show all, one layer, one host of the world on screen.
    Shared by the palette and the filter dialog (the filter key)."""
    layers, host = main.event_filter
    layer_names = ", ".join(sorted(layer.value for layer in layers)) if layers else ""
    keep_host = f"; keeps the host filter ({host})" if host else ""
    keep_layers = f"; keeps the layer filter ({layer_names})" if layers else ""
    out: list[tuple[str, str, Callable[[], object]]] = [
        (
            "Filter events: show all",
            "every layer, every host",
            partial(main.filter_events, layers=None, host=None),
        )
    ]
    if layers is not None and host is not None:  # else "show all" clears the one filter
        out.append(
            (
                "Filter events: every layer",
                f"keeps the host filter ({host})",
                partial(main.filter_events, layers=None),
            )
        )
        out.append(
            (
                "Filter events: every host",
                f"keeps the layer filter ({layer_names})",
                partial(main.filter_events, host=None),
            )
        )
    from ..world.trace import Layer  # (not before the app's first frame)

    out.append(
        (
            "Show what the taps saw",
            "the Events list, TAP layer only: what crossed a link a tap is on (/tap HOST HOST)"
            + keep_host,
            partial(main.filter_events, layers=[Layer.TAP]),
        )
    )
    for layer in Layer:
        out.append(
            (
                f"Filter events: layer {layer.value}",
                f"only {layer.value} records{LAYER_WHAT.get(layer.value, '')}{keep_host}",
                partial(main.filter_events, layers=[layer]),
            )
        )
    for name in sorted(main.playback.world.network.hosts):
        out.append(
            (
                f"Filter events: host {name}",
                f"only records from or to {name}{keep_layers}",
                partial(main.filter_events, host=name),
            )
        )
    return out


class EventFilterCommands(_ListProvider):
    """Filter the event list by layer or by a host of the network on screen."""

    def items(self):
        return event_filter_items(self.main)


class LessonCommands(_ListProvider):
    """Open any lesson of the built-in course."""

    def items(self):
        from ..course.lesson import builtin_lessons
        from .screens.course import progress_label

        main = self.main
        out = []
        for n, lesson in enumerate(builtin_lessons(), 1):
            mark, word = progress_label(lesson, main.progress)
            out.append(
                (
                    f"Lesson {n}: {lesson.title}  {mark} {word}",
                    lesson.summary,
                    partial(main.open_lesson, lesson),
                )
            )
        out.append(
            (
                "Course overview",
                "every lesson with your progress (ctrl+o)",
                main.action_course_overview,
            )
        )
        return out


class TabCommands(_ListProvider):
    """The tabs on the right, by name: typing "flow" finds the Flow tab."""

    def items(self):
        from .loading import TABS

        main = self.main
        return [
            (f"Show the {title} tab", TAB_HELP.get(pane, ""), partial(main.show_tab, pane))
            for title, pane in TABS
        ]


TAB_HELP = {
    "tab-map": "the network: hosts, links, connections, queues",
    "tab-flow": "the conversation as a sequence diagram",
    "tab-events": "every trace record, newest last",
    "tab-inspector": "the record selected in Events or Flow, in full",
    "tab-mailboxes": "every user's mailbox and messages",
    "tab-queues": "the mail queues of the servers",
}


class FaultCommands(_ListProvider):
    """Faults for the hosts, links, servers and mailboxes of the network on screen."""

    def items(self):
        from ..protocol.reply_texts import FAULT_PRESETS, GREYLIST_SUMMARY, MAILBOX_FULL_SUMMARY

        main = self.main
        world = main.playback.world
        out = []
        for host in world.network.hosts.values():
            if host.up:
                out.append(
                    (
                        f"Fault: take {host.name} down (a host down)",
                        "the host stops answering",
                        partial(main.apply_fault, "host-down", host=host.name),
                    )
                )
            else:
                out.append(
                    (
                        f"Fault: bring {host.name} back up",
                        "the host answers again",
                        partial(main.apply_fault, "host-up", host=host.name),
                    )
                )
        for link in world.network.links:
            verb = "cut" if link.up else "restore"
            kind = "link-down" if link.up else "link-up"
            out.append(
                (
                    f"Fault: {verb} the link {link.a} \u2014 {link.b}",
                    "",
                    partial(main.apply_fault, kind, a=link.a, b=link.b),
                )
            )
        for name in world.mtas:
            for code, stage, text in ((p.code, p.stage.value, p.text) for p in FAULT_PRESETS):
                out.append(
                    (
                        f"Fault: {name} answers {code} at {stage}",
                        text,
                        partial(
                            main.apply_fault, "reply", host=name, stage=stage, code=code, text=text
                        ),
                    )
                )
            out.append(
                (
                    f"Fault: {name} greylists (greylisting)",
                    GREYLIST_SUMMARY,
                    partial(main.apply_fault, "greylist", host=name),
                )
            )
            out.append(
                (
                    f"Fault: {name} becomes an open relay",
                    "relays mail from anyone",
                    partial(main.apply_fault, "open-relay", host=name),
                )
            )
            out.append(
                (
                    f"Fault: {name} answers normally again",
                    "removes injected replies",
                    partial(main.apply_fault, "clear-replies", host=name),
                )
            )
            if world.mtas[name].connection_cache > 0:
                out.append(
                    (
                        f"Fault: {name} relays the classic way",
                        "a new connection for every message, one command per round trip",
                        partial(main.apply_fault, "busy-relay", host=name, enabled=False),
                    )
                )
            else:
                out.append(
                    (
                        f"Fault: {name} relays like a busy server",
                        "MAIL, RCPT and DATA pipelined; idle connections kept 2 s",
                        partial(main.apply_fault, "busy-relay", host=name),
                    )
                )
        for box in world.mailboxes():
            out.append(
                (
                    f"Fault: fill the mailbox of {box.address} (a full mailbox)",
                    MAILBOX_FULL_SUMMARY,
                    partial(main.apply_fault, "mailbox-full", address=box.address),
                )
            )
        out.append(
            (
                "Fault: the DNS server stops answering",
                "lookups time out",
                partial(main.apply_fault, "dns-down"),
            )
        )
        out.append(("Fault: the DNS server answers again", "", partial(main.apply_fault, "dns-up")))
        return out


class ExportCommands(_ListProvider):
    """Export the transcript, the trace, the attempt, the screen or the flow diagram."""

    def items(self):
        from .exporting import EXPORT_KINDS, export_filename

        main = self.main
        if main.app.is_web:
            where = "to your browser"
        else:
            where = f"into {main.export_dir}" if main.export_dir else "into the current folder"
        return [
            (
                f"Export: {kind.label}",
                f"{export_filename(main.lesson.id, kind.id)} {where}",
                partial(main.call_after_refresh, main.export, kind.id),
            )
            for kind in EXPORT_KINDS
        ]
