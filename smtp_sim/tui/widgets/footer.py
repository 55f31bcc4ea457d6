"""KeyFooter: Textual's footer, fitted to the width instead of cut off mid-word.

The app has more keys than an 80-column line holds. When they do not all fit, the footer is
drawn compact and the least important keys are left out (the app's ``FOOTER_PRIORITY``: binding
ids, most important first; a key the focused widget binds comes before the app's). Keys keep
the order of the app's key table (``KEYS``: the App's and its main screen's) on the line. The
help screen (F1) and the command palette list every key, so nothing is lost.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from rich.cells import cell_len
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer

from ..textual_private import FooterKey, bindings_told


class _Key(NamedTuple):
    binding: Binding
    display: str
    enabled: bool
    tooltip: str
    rank: int  # lower is more important
    order: int  # place on the line
    label: str  # the description shown


def fit_keys(widths: Sequence[int], ranks: Sequence[int], room: int) -> list[int]:
    """Indices of the keys shown: the most important first (lowest rank), as many as fit in
    ``room`` cells, stopping at the first that does not (so a less important key never
    takes the place of a more important one)."""
    shown, used = [], 0
    for index in sorted(range(len(widths)), key=lambda i: (ranks[i], i)):
        if used + widths[index] > room:
            break
        shown.append(index)
        used += widths[index]
    return sorted(shown)


class KeyFooter(Footer):
    """The footer keys that fit the width, most important first (``FOOTER_PRIORITY``)."""

    def __init__(
        self,
        *,
        bindings_ready: bool = False,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        """``bindings_ready``: the screen's bindings are told already (a footer mounted on a
        screen that runs): its keys are composed as it is mounted, not at the next signal."""
        super().__init__(name=name, id=id, classes=classes)
        if bindings_ready:
            bindings_told(self)
        self._fitted: _Shown | None = None  # what the keys on the line show

    @property
    def _width(self) -> int:
        """The footer's width; before its first layout, the screen's (it spans the screen:
        its keys are fitted as it is mounted, not again once laid out)."""
        return self.size.width or (self.screen.size.width if self.is_attached else 0)

    def _keys(self) -> list[_Key]:
        app = self.app
        priority = list(getattr(app, "FOOTER_PRIORITY", ()))
        # The app's key table (its own keys and its main screen's), in the order listed.
        app_order = {
            (b.id or b.action): i
            for i, b in enumerate(Binding.make_bindings(getattr(app, "KEYS", app.BINDINGS)))
        }
        keys: list[_Key] = []
        seen: set[str] = set()
        for position, (_node, binding, enabled, tooltip) in enumerate(
            self.screen.active_bindings.values()
        ):
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            key = binding.id or binding.action
            if key in app_order:
                rank = priority.index(key) if key in priority else len(priority)
                order = 1000 + app_order.get(key, position)
            else:  # the focused widget's own keys: what is in hand now
                rank, order = -1, position
            if not enabled:
                rank += 10_000
            keys.append(
                _Key(
                    binding,
                    app.get_key_display(binding),
                    enabled,
                    tooltip or binding.tooltip,
                    rank,
                    order,
                    binding.description,
                )
            )
        keys.sort(key=lambda k: k.order)
        return keys

    def _fit(self, keys: list[_Key]) -> tuple[list[_Key], bool]:
        """The keys to show and whether compact, for the current width. When they do not all
        fit, the descriptions get shorter (the app's ``FOOTER_SHORT``) before keys go."""
        width = self._width
        if width <= 0:
            return keys, False
        palette = 14 if self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE else 0
        # Cells per key: " KEY DESCRIPTION " normally, "KEY DESCRIPTION" + a gap when compact.
        normal = [cell_len(k.display) + cell_len(k.binding.description) + 3 for k in keys]
        if sum(normal) + palette <= width:
            return keys, False
        short = getattr(self.app, "FOOTER_SHORT", {})
        keys = [k._replace(label=short.get(k.binding.id or "", k.label)) for k in keys]
        compact = [cell_len(k.display) + cell_len(k.label) + 2 for k in keys]
        palette = 11 if palette else 0
        shown = fit_keys(compact, [k.rank for k in keys], width - palette - 1)
        return [keys[i] for i in shown], True

    def compose(self) -> ComposeResult:
        # (no width to fit yet: it is composed on resize)
        if not self._bindings_ready or self._width <= 0:
            return
        keys, compact = self._fit(self._keys())
        self._fitted = _shown(keys, compact)
        self.set_reactive(Footer.compact, compact)
        self.set_class(compact, "-compact")
        for key in keys:
            binding = key.binding
            yield _styled(
                FooterKey(
                    binding.key,
                    key.display,
                    key.label,
                    binding.action,
                    disabled=not key.enabled,
                    tooltip=key.tooltip,
                    classes=_compact_class(compact),
                ),
                compact,
            )
        if self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE:
            active = self.screen.active_bindings.get(self.app.COMMAND_PALETTE_BINDING)
            if active is not None:
                _node, binding, enabled, _tooltip = active
                yield _styled(
                    FooterKey(
                        binding.key,
                        self.app.get_key_display(binding),
                        binding.description,
                        binding.action,
                        classes="-command-palette " + _compact_class(compact),
                        disabled=not enabled,
                        tooltip=binding.tooltip or binding.description,
                    ),
                    compact,
                )

    def on_resize(self, event: events.Resize) -> None:
        if self._bindings_ready and _shown(*self._fit(self._keys())) != self._fitted:
            self.call_after_refresh(self.recompose)

    def bindings_changed(self, screen: Screen) -> None:
        """Textual's footer is composed again whenever the screen's bindings are told again
        (the focus moved, a key came alive); this one only when the line would change."""
        unfitted = not self._bindings_ready or self._width <= 0
        if unfitted or (screen is self.screen and _shown(*self._fit(self._keys())) != self._fitted):
            super().bindings_changed(screen)

    @property
    def shown_keys(self) -> list[str]:
        """The keys on the line now (what a test reads)."""
        return [key.key for key in self.query(FooterKey) if not key.has_class("-command-palette")]


#: What the footer's line shows: each key (its key, display, label, enabled, tooltip), compact.
_Shown = tuple[tuple[tuple[str, str, str, bool, str], ...], bool]


def _shown(keys: list[_Key], compact: bool) -> _Shown:
    return tuple((k.binding.key, k.display, k.label, k.enabled, k.tooltip) for k in keys), compact


def _compact_class(compact: bool) -> str:
    return "-compact" if compact else ""


def _styled(key: FooterKey, compact: bool) -> FooterKey:
    """A key born with the footer's ``compact`` and its class: Textual's footer binds each
    key's ``compact`` to its own, and each key then restyles itself twice as it mounts (its
    default, then the footer's): 60 restyles, a seventh of the CPU between the first frame
    and the lesson on screen. The footer is composed again when ``compact`` changes."""
    key.set_reactive(FooterKey.compact, compact)
    return key
