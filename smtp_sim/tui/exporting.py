"""Exports for handouts and grading: the transcript (text, JSON Lines), the student's attempt,
any screen (SVG, HTML) and the flow diagram alone (SVG, HTML).

Screens and the flow diagram are drawn by Textual and recorded by a Rich console, so an SVG
is what the terminal shows, and the HTML is the same cells as text (copyable, searchable).
The flow diagram is rendered whole, every row of it, at a width that fits its lanes, not
just the part visible on screen. File names are deterministic, ``smtp-sim-<lesson>-<what>``,
so a second export of the same kind replaces the first.
"""

from __future__ import annotations

import asyncio
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.segment import Segment, Segments
from textual.app import App, ComposeResult
from textual.strip import Strip

from .textual_private import screen_render

# The main screen imports this module before the app's first frame: what an export needs (the
# simulation, the flow diagram) is imported when it runs.
if TYPE_CHECKING:
    from ..course.session import LessonSession
    from ..world.world import World
    from .widgets.flow_diagram import FlowDiagram

STYLES = Path(str(resources.files("smtp_sim") / "tui" / "styles"))
FLOW_MIN_WIDTH = 80
FLOW_MAX_WIDTH = 240
FLOW_LANE_MIN = 36  # cells between lanes: room for "MAIL FROM:<alice@crepes.fr>" on an arrow


@dataclass(frozen=True)
class ExportKind:
    id: str
    label: str
    suffix: str  # the end of the file name, extension included


EXPORT_KINDS: tuple[ExportKind, ...] = (
    ExportKind("transcript", "Transcript (text)", "transcript.txt"),
    ExportKind("jsonl", "Trace (JSON Lines)", "trace.jsonl"),
    ExportKind("attempt", "Attempt: everything typed (JSON, for --answers)", "attempt.json"),
    ExportKind("screen-svg", "This screen (SVG)", "screen.svg"),
    ExportKind("screen-html", "This screen (HTML)", "screen.html"),
    ExportKind("flow-svg", "Flow diagram, all of it (SVG)", "flow.svg"),
    ExportKind("flow-html", "Flow diagram, all of it (HTML)", "flow.html"),
    ExportKind("pcap", "Capture for Wireshark (pcapng)", "capture.pcapng"),
)
KINDS = {kind.id: kind for kind in EXPORT_KINDS}


def export_filename(lesson_id: str, kind: str, student: str | None = None) -> str:
    """``smtp-sim-foobar-transcript.txt``: the same name for the same lesson and kind; an
    attempt carries who made it, ``smtp-sim-foobar-attempt-<student>.json``."""
    name = f"smtp-sim-{lesson_id}-{KINDS[kind].suffix}"
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", student or "").strip("-.")[:60]
    if kind == "attempt" and slug:
        stem, _, ext = name.rpartition(".")
        name = f"{stem}-{slug}.{ext}"
    return name


# -- text exports -------------------------------------------------------------------------------


def transcript(world: World) -> str:
    from ..world.transcript import to_text

    return to_text(world.trace)


def trace_jsonl(world: World) -> str:
    from ..world.transcript import to_jsonl

    return to_jsonl(world.trace)


def attempt(session: LessonSession, seed: int | None = None, student: str | None = None) -> str:
    from ..course.grading import attempt_text

    return attempt_text(session, seed=seed, student=student)


# -- screens ------------------------------------------------------------------------------------


def _recorder(width: int) -> Console:
    return Console(
        width=width,
        file=io.StringIO(),
        force_terminal=True,
        color_system="truecolor",
        record=True,
        legacy_windows=False,
        safe_box=False,
    )


def screen_console(app: App) -> Console:
    """A Rich console that has recorded the app's current screen (as ``export_screenshot``
    draws it), ready for ``export_svg`` or ``export_html``."""
    width, height = app.size
    console = _recorder(width)
    console.height = height
    console.print(screen_render(app))  # (the composited screen, as export_screenshot draws it)
    return console


def screen_svg(app: App, title: str | None = None) -> str:
    return screen_console(app).export_svg(title=title or app.title)


def screen_html(app: App, title: str | None = None) -> str:
    return _html(screen_console(app), title or app.title)


def _html(console: Console, title: str) -> str:
    html = console.export_html(inline_styles=True)
    return html.replace("<head>", f"<head>\n<title>{_escape(title)}</title>", 1)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# -- the flow diagram, whole --------------------------------------------------------------------


def flow_width(lanes: Iterable[str]) -> int:
    """A width at which the lanes keep their names and arrows have room for a command."""
    from .widgets.flow_diagram import TIME_WIDTH

    names = list(lanes)
    if not names:
        return FLOW_MIN_WIDTH
    spacing = max(FLOW_LANE_MIN, max(len(name) for name in names) + 3)
    return max(FLOW_MIN_WIDTH, min(FLOW_MAX_WIDTH, TIME_WIDTH + spacing * len(names)))


def flow_console(flow: FlowDiagram, width: int | None = None) -> Console:
    """Every row of a mounted FlowDiagram (not only those on screen) recorded by a console,
    with the widget's own colours, at ``width`` (default: :func:`flow_width`)."""
    width = width or flow_width(flow.lanes)
    console = _recorder(width)
    header = flow.component_background("records--header")
    base = flow.rich_style
    lines = [Strip(flow.render_header(width)).adjust_cell_length(width).apply_style(header)]
    for record in flow.rows:
        lines.append(
            Strip(flow.render_row(record, width)).adjust_cell_length(width).apply_style(base)
        )
    for strip in lines:
        console.print(Segments([*strip, Segment.line()]), end="")
    return console


def flow_svg(flow: FlowDiagram, title: str, width: int | None = None) -> str:
    return flow_console(flow, width).export_svg(title=title)


def flow_html(flow: FlowDiagram, title: str, width: int | None = None) -> str:
    return _html(flow_console(flow, width), title)


class FlowExportApp(App):
    """A headless app holding only a FlowDiagram of a world: ``smtp-sim run --svg``."""

    CSS_PATH = STYLES / "views.tcss"

    def __init__(self, world: World, theme: str | None = None) -> None:
        super().__init__()
        self.world = world
        if theme is not None:
            from .theme import HIGH_CONTRAST

            self.register_theme(HIGH_CONTRAST)
            self.theme = theme

    def compose(self) -> ComposeResult:
        from .widgets.flow_diagram import FlowDiagram

        yield FlowDiagram(id="flow")

    def on_mount(self) -> None:
        from .widgets.flow_diagram import FlowDiagram

        self.query_one(FlowDiagram).reset(self.world)


async def render_flow(
    world: World, *, title: str, fmt: str = "svg", theme: str | None = None
) -> str:
    """The world's whole flow diagram as SVG or HTML, drawn by a headless app."""
    from .widgets.flow_diagram import FlowDiagram

    app = FlowExportApp(world, theme)
    async with app.run_test(size=(FLOW_MIN_WIDTH, 24)) as pilot:
        await pilot.pause()
        flow = app.query_one(FlowDiagram)
        return flow_svg(flow, title) if fmt == "svg" else flow_html(flow, title)


def write_flow(world: World, path: str | Path, *, title: str) -> None:
    """Write the flow diagram to ``path`` (``.html`` for HTML, anything else SVG). Needs no
    running event loop (the command line)."""
    fmt = "html" if str(path).lower().endswith((".html", ".htm")) else "svg"
    text = asyncio.run(render_flow(world, title=title, fmt=fmt))
    Path(path).write_text(text, encoding="utf-8")


# -- one export's content ---------------------------------------------------------------------


def export_content(
    kind: str,
    app: App,
    session: LessonSession,
    *,
    seed: int | None = None,
    student: str | None = None,
) -> str | bytes:
    """The content of one export (an ExportKind id) of ``session``, shown by ``app``: a
    string, or bytes for the capture. A screen is the app's current screen; the flow
    diagram is the FlowDiagram on it."""
    world = session.world
    if kind == "pcap":
        from ..world.pcap import pcapng_bytes

        return pcapng_bytes(world)
    title = f"smtp-sim \u00b7 {session.lesson.title}"
    if kind == "transcript":
        return transcript(world)
    if kind == "jsonl":
        return trace_jsonl(world)
    if kind == "attempt":
        return attempt(session, seed, student)
    if kind in ("screen-svg", "screen-html"):
        app.clear_notifications()
        render = screen_svg if kind == "screen-svg" else screen_html
        return render(app, title)
    if kind in ("flow-svg", "flow-html"):
        from .widgets.flow_diagram import FlowDiagram

        flow = app.query_one(FlowDiagram)
        draw = flow_svg if kind == "flow-svg" else flow_html
        return draw(flow, f"{title} \u00b7 flow")
    raise ValueError(f"unknown export {kind!r}")


def save_export(
    app: App,
    kind: str,
    session: LessonSession,
    *,
    directory: Path,
    seed: int | None = None,
    student: str | None = None,
) -> Path | None:
    """Export ``kind`` of ``session`` as ``smtp-sim-<lesson>-<what>`` into ``directory``; in
    a browser (``smtp-sim web``) the browser downloads it. Every failure is a notification
    (an export must never take the app down). Returns the path written, if any."""
    name = export_filename(session.lesson.id, kind, student)
    try:
        text = export_content(kind, app, session, seed=seed, student=student)
    except Exception as exc:
        app.notify(f"could not export {name}: {exc}", severity="error")
        return None
    if app.is_web:
        if isinstance(text, bytes):
            app.deliver_binary(io.BytesIO(text), save_filename=name)
        else:
            app.deliver_text(io.StringIO(text), save_filename=name)
        app.notify(f"{name} sent to your browser", title="Export")
        return None
    path = directory / name
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
    except OSError as exc:
        app.notify(f"could not write {path}: {exc.strerror or exc}", severity="error")
        return None
    app.notify(str(path), title="Exported")
    return path
