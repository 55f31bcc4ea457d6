"""Every use of Textual's private API in smtp-sim, in one place.

Textual has no public way to do these; each is small and named here so that a Textual
upgrade is checked in one file (``tests/tui/test_textual_private.py`` asserts each still
exists, and names the versions it was checked on: ``CHECKED_ON``). pyproject.toml bounds
``textual`` to the versions tested.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from textual._compositor import Compositor
from textual.geometry import Region
from textual.widgets import Footer
from textual.widgets._footer import FooterKey  # the footer's keys (KeyFooter draws its own)

if TYPE_CHECKING:
    from rich.console import RenderableType
    from textual import events
    from textual.app import App
    from textual.css.model import RuleSet
    from textual.css.stylesheet import Stylesheet
    from textual.screen import Screen
    from textual.strip import Strip
    from textual.widget import Widget

#: The Textual versions these were checked on (the lowest supported and the one developed on).
CHECKED_ON = ("8.2.7", "8.2.8")

__all__ = [
    "CHECKED_ON",
    "FooterKey",
    "bindings_told",
    "forward_key",
    "going_away",
    "handle_key_now",
    "render_only_what_changed",
    "screen_render",
    "share_parsed_css",
]


def screen_render(app: App[object]) -> RenderableType:
    """The composited screen, modal layers included: what ``App.export_screenshot`` draws
    (it returns only an SVG; the HTML export needs the same cells)."""
    render: RenderableType | None = app.screen._compositor.render_update(
        full=True, screen_stack=app._background_screens, simplify=True
    )
    assert render is not None  # (None only for a partial update)
    return render


def going_away(widget: Widget) -> bool:
    """The widget (a screen) is being closed or pruned, or the app is exiting: a worker that
    outlived it finds its children gone (a lesson's loading when the app closes at once)."""
    return bool(widget._closing or widget._closed or widget._pruning or widget.app._exit)


def forward_key(widget: Widget, event: events.Key) -> None:
    """Give ``widget`` a key through its own queue, after the keys already in it (typed keys
    stay in order when the focus moves to the console)."""
    widget._forward_event(event)


async def handle_key_now(app: App[Any], event: events.Key) -> None:
    """``event`` handled as Textual handles a key, but now: the priority bindings, then those
    of the focused widget and its ancestors, else the focused widget gets it. Textual checks
    the second after the key's trip up the widgets' queues, so a key posted right after it
    with a priority binding (ctrl+p) was handled first."""
    if await app._check_bindings(event.key, priority=True):
        return
    if await app._check_bindings(event.key):
        return
    (app.focused or app.screen)._forward_event(event)


def bindings_told(footer: Footer) -> None:
    """A footer mounted on a running screen: the screen's bindings are told already, so it
    composes its keys as it mounts instead of at the next bindings signal."""
    footer.set_reactive(Footer._bindings_ready, True)


#: Parsed CSS kept for every app of the process: (the theme's variables, Textual's own key
#: of a source) -> its rules. smtp-sim web's zygote parses it once for all its sessions.
_PARSED_CSS: dict[tuple[object, ...], list[RuleSet]] = {}


class _SharedParseCache:
    """What a Stylesheet's ``_parse_cache`` is asked (get, set, clear), kept in
    :data:`_PARSED_CSS`. Textual's own is an LRU cache of 64 sources per stylesheet: the app
    has more (its styles and every widget class's), so each parse of the stylesheet (23
    between the first frame and the lesson on screen) parsed most of them again."""

    def __init__(self, stylesheet: Stylesheet) -> None:
        self._stylesheet = stylesheet
        self._variables: dict[str, str] | None = None
        self._key: tuple[object, ...] = ()

    def _theme(self) -> tuple[object, ...]:
        variables = self._stylesheet._variables
        if variables is not self._variables:  # (set_variables gives it a new dict)
            self._variables, self._key = variables, tuple(sorted(variables.items()))
        return self._key

    def __getitem__(self, key: tuple[object, ...]) -> list[RuleSet]:
        return _PARSED_CSS[(self._theme(), key)]

    def __setitem__(self, key: tuple[object, ...], rules: list[RuleSet]) -> None:
        _PARSED_CSS[(self._theme(), key)] = rules

    def clear(self) -> None:
        """(other variables: other entries)"""


def share_parsed_css(app: App[Any]) -> None:
    """``app``'s stylesheet parses each source once per theme in this process."""
    app.stylesheet._parse_cache = _SharedParseCache(app.stylesheet)  # type: ignore[assignment]


class _PartialCompositor(Compositor):
    """Textual's compositor, rendering for a partial update only the widgets that show in it.

    Textual renders every widget whose clip (its container's area) overlaps the changed
    part of the screen: a key typed in the console rendered the header, the footer, the
    lesson panel and the status line again (13 widgets a key, where 5 show in the line).
    Here a widget whose visible part (its region within its clip) is outside the changed
    part is left out; what it would have drawn lies outside the update, which writes only
    the changed spans, so the update is the same."""

    def _get_renders(
        self, crop: Region | None = None
    ) -> Iterable[tuple[Region, Region, list[Strip]]]:
        if crop is None:  # (a full update: everything)
            yield from super()._get_renders(crop)
            return
        shown = self.visible_widgets
        overlaps, intersection = crop.overlaps, Region.intersection
        changed = {
            widget: (region, clip)
            for widget, (region, clip) in shown.items()
            if overlaps(intersection(region, clip))
        }
        self._visible_widgets = changed  # (what Compositor._get_renders reads)
        try:
            yield from super()._get_renders(crop)
        finally:
            if self._visible_widgets is changed:  # (unless a reflow made it anew meanwhile)
                self._visible_widgets = shown


def render_only_what_changed(screen: Screen[Any]) -> None:
    """``screen``'s partial updates render only the widgets that show in them (a key typed
    renders the input line, not the screen's every widget): a new compositor, before the
    screen is mounted."""
    screen._compositor = _PartialCompositor()
