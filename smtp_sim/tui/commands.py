"""Command palette providers: open a lesson, inject a fault (built from the current world)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from .app import SmtpSimApp


class _ListProvider(Provider):
    def items(self) -> list[tuple[str, str, Callable[[], object]]]:  # pragma: no cover
        raise NotImplementedError

    async def discover(self) -> Hits:
        for name, help_text, callback in self.items():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, callback in self.items():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)


class LessonCommands(_ListProvider):
    """Open any lesson of the built-in course."""

    def items(self):
        from ..course.lesson import builtin_lessons

        app: SmtpSimApp = self.app  # type: ignore[assignment]
        out = []
        for n, lesson in enumerate(builtin_lessons(), 1):
            out.append((f"Lesson {n}: {lesson.title}", lesson.summary,
                        partial(app.open_lesson, lesson)))
        return out


class FaultCommands(_ListProvider):
    """Faults for the hosts, links, servers and mailboxes of the network on screen."""

    def items(self):
        app: SmtpSimApp = self.app  # type: ignore[assignment]
        world = app.playback.world
        out = []
        for host in world.network.hosts.values():
            if host.up:
                out.append((f"Fault: take {host.name} down", "the host stops answering",
                            partial(app.apply_fault, "host-down", host=host.name)))
            else:
                out.append((f"Fault: bring {host.name} back up", "the host answers again",
                            partial(app.apply_fault, "host-up", host=host.name)))
        for link in world.network.links:
            verb = "cut" if link.up else "restore"
            kind = "link-down" if link.up else "link-up"
            out.append((f"Fault: {verb} the link {link.a} \u2014 {link.b}", "",
                        partial(app.apply_fault, kind, a=link.a, b=link.b)))
        for name in world.mtas:
            for code, stage, text in ((450, "rcpt", "Mailbox busy, try later"),
                                      (550, "rcpt", "No such user here"),
                                      (421, "connect", "Service not available"),
                                      (451, "end-of-data", "Local error in processing"),
                                      (554, "end-of-data", "Transaction failed")):
                out.append((f"Fault: {name} answers {code} at {stage}", text,
                            partial(app.apply_fault, "reply", host=name, stage=stage,
                                    code=code, text=text)))
            out.append((f"Fault: {name} greylists", "450 on every first try",
                        partial(app.apply_fault, "greylist", host=name)))
            out.append((f"Fault: {name} becomes an open relay", "relays mail from anyone",
                        partial(app.apply_fault, "open-relay", host=name)))
            out.append((f"Fault: {name} answers normally again", "removes injected replies",
                        partial(app.apply_fault, "clear-replies", host=name)))
        for box in world.mailboxes():
            out.append((f"Fault: fill the mailbox of {box.address}", "552 mailbox full",
                        partial(app.apply_fault, "mailbox-full", address=box.address)))
        out.append(("Fault: the DNS server stops answering", "lookups time out",
                    partial(app.apply_fault, "dns-down")))
        out.append(("Fault: the DNS server answers again", "",
                    partial(app.apply_fault, "dns-up")))
        return out


class ExportCommands(_ListProvider):
    """Export the transcript, the trace, the attempt, the screen or the flow diagram."""

    def items(self):
        from .exports import EXPORT_KINDS, export_filename

        app: SmtpSimApp = self.app  # type: ignore[assignment]
        if app.is_web:
            where = "to your browser"
        else:
            where = f"into {app.export_dir}" if app.export_dir else "into the current folder"
        return [(f"Export: {kind.label}",
                 f"{export_filename(app.lesson.id, kind.id)} {where}",
                 partial(app.call_after_refresh, app.export, kind.id))
                for kind in EXPORT_KINDS]
