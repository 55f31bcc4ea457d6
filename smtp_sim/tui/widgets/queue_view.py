"""QueueView: every MTA's mail queue, one row per entry, updated in place as entries change.

State (queued, active, deferred, sent, bounced, expired), attempts, the next attempt in virtual
time and the last reason a delivery failed: what ``mailq`` shows on a real server.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.reactive import var
from textual.widgets import DataTable

from ...world.queue import EntryState, QueueEntry
from ...world.trace import TraceRecord
from ...world.world import World
from ..literal import literal
from .flow_diagram import abbreviate
from .following import TraceFollower

COLUMNS = (
    ("mta", "MTA"),
    ("id", "Queue ID"),
    ("state", "State"),
    ("attempts", "Tries"),
    ("next", "Next try"),
    ("to", "Recipients"),
    ("reason", "Last reason"),
)


_REBUILD_ROWS = 300  # a bigger queue is updated in place (its reasons on one line)
_MIN_TEXT = 10  # the recipients' and the last reason's narrowest (they wrap)
_NARROW = 90
_NARROWER = 60
_SHORT_NAME = 12
_NARROW_LABELS = {"next": "Next"}


class QueueView(DataTable):
    """The MTAs' queues as a table (DataTable renders only the visible rows)."""

    #: The main screen's revision, bound with ``data_bind``: the view follows the playback
    #: on its own (widgets/following.py).
    revision: var[int] = var(0, init=False)

    COMPONENT_CLASSES: ClassVar[set[str]] = DataTable.COMPONENT_CLASSES | {
        f"queue--{state.value}" for state in EntryState
    }

    DEFAULT_CSS = """
    QueueView {
        height: 1fr;
    }
    """

    def __init__(
        self,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(
            name=name,
            id=id,
            classes=classes,
            disabled=disabled,
            cursor_type="row",
            zebra_stripes=True,
        )
        self.follower = TraceFollower()
        self.world: World | None = None
        self._shown: dict[str, tuple] = {}  # row key -> the values last shown
        self._widths_shown: tuple[int, ...] = ()

    def on_mount(self) -> None:
        for key, label in COLUMNS:
            self.add_column(label, key=key)
        if self.world is not None:
            self._sync(self.world)

    # -- the contract ----------------------------------------------------------------------

    def watch_revision(self, revision: int) -> None:
        self.follower.follow(self, revision)

    def reset(self, world: World) -> None:
        self.world = world
        self.clear()
        self._shown.clear()
        self._sync(world)

    def advance(self, world: World, new: Sequence[TraceRecord]) -> None:
        """Entries change in place (their records name them), so compare what is shown."""
        self.world = world
        # (a waiting entry's "in N s" counts down as virtual time passes, events or not:
        # walkA saw "in 571 s" with 271 s left after a /wait)
        if new or any(e.next_attempt is not None and not e.finished for _h, e in self.entries()):
            self._sync(world)

    # -- model state -----------------------------------------------------------------------

    def entries(self) -> list[tuple[str, QueueEntry]]:
        """(MTA host, entry) for every entry of every queue, in table order."""
        if self.world is None:
            return []
        return [
            (host, entry)
            for host, mta in self.world.mtas.items()
            for entry in mta.queue.entries.values()
        ]

    # -- rows ------------------------------------------------------------------------------

    def _values(self, host: str, entry: QueueEntry, now: float) -> tuple:
        if entry.next_attempt is not None and not entry.finished:
            wait = entry.next_attempt - now
            nxt = f"{entry.next_attempt:.1f} s" + (f" (in {wait:.0f} s)" if wait > 0 else "")
        else:
            nxt = "—"
        return (
            host,
            entry.queue_id,
            entry.state.value,
            str(entry.attempts),
            nxt,
            ", ".join(entry.recipients),
            entry.last_reason,
        )

    def _cells(self, values: tuple) -> list[Text]:
        state = values[2]
        full = self.get_component_rich_style(f"queue--{state}", default=Style())
        # colour and weight only: the row's own background (cursor, zebra) must show through
        style = Style(color=full.color, bold=full.bold, italic=full.italic)
        cells = [literal(str(value)) for value in values]
        cells[2] = literal(state, style)
        return cells

    def _sync(self, world: World) -> None:
        if not self.columns:
            return
        now = world.now
        rows = [
            (f"{host}/{entry.queue_id}", self._values(host, entry, now))
            for host, entry in self.entries()
        ]
        widths = self._widths([values for _, values in rows])
        if len(rows) <= _REBUILD_ROWS and (
            widths != self._widths_shown
            or any(self._shown.get(key, (None,) * 7)[6] != values[6] for key, values in rows)
        ):
            self._rebuild(rows, widths)  # (the last reason wraps: its row's height changes)
            return
        shown = {column.key.value for column in self.ordered_columns}
        for key, values in rows:
            old = self._shown.get(key)
            if old == values:
                continue
            cells = self._cells(values)
            if old is None:
                self.add_row(
                    *(c for (k, _), c in zip(COLUMNS, cells, strict=True) if k in shown), key=key
                )
            else:
                for (column, _), before, after, cell in zip(
                    COLUMNS, old, values, cells, strict=True
                ):
                    if before != after and column in shown:  # (a big queue: columns grow)
                        self.update_cell(key, column, cell, update_width=True)
            self._shown[key] = values

    def _widths(self, rows: list[tuple]) -> tuple[int, ...]:
        """Each column as wide as its widest cell, the recipients and the last reason
        sharing the width left (they wrap in it) instead of running off the right edge; a
        pane narrower than ``_NARROW`` hides the queue ID (0), which the Events and the
        Inspector show, and one narrower than ``_NARROWER`` the tries too."""
        room = self.scrollable_content_region.width
        widths = [
            max([len(self._label(key, room)), *(len(str(values[i])) for values in rows)])
            for i, (key, _) in enumerate(COLUMNS)
        ]
        if room < _NARROW:
            widths[1] = 0
            if room < _NARROWER:
                widths[3] = 0  # (the tries: the Events say "delivery attempt N")
            names = self._short_names()
            widths[0] = max([len(COLUMNS[0][1]), *(len(names[v[0]]) for v in rows)])
        fixed = sum(w + 2 for w in widths[:5] if w)
        left = max(0, room - fixed - 4)  # (the two text columns' padding)
        need_to, need_reason = widths[5], widths[6]
        if need_to + need_reason > left:
            # the recipients whole when the reason keeps a useful width, else half each
            fits = left - need_to >= _MIN_TEXT + 2
            to = need_to if fits else min(need_to, max(_MIN_TEXT, left // 2))
            widths[5:] = [to, max(_MIN_TEXT, left - to)]
        return tuple(widths)

    @staticmethod
    def _label(key: str, room: int) -> str:
        """A column's header, shorter in a narrow pane ("Next" for "Next try")."""
        label = dict(COLUMNS)[key]
        return _NARROW_LABELS.get(key, label) if room < _NARROW else label

    def _short_names(self) -> dict[str, str]:
        hosts = sorted(self.world.mtas) if self.world is not None else []
        return dict(zip(hosts, abbreviate(hosts, _SHORT_NAME), strict=True))

    def _rebuild(self, rows: list[tuple[str, tuple]], widths: tuple[int, ...]) -> None:
        cursor = self.cursor_row
        self.clear(columns=True)
        room = self.scrollable_content_region.width
        for (key, _), width in zip(COLUMNS, widths, strict=True):
            if width:
                self.add_column(self._label(key, room), key=key, width=width)
        self._shown.clear()
        names = self._short_names() if not widths[1] else {}  # (narrow)
        for key, values in rows:
            cells = self._cells(values)
            if names:  # (narrow: "smtp" for smtp.crepes.fr, the label that tells the MTAs apart)
                cells[0] = literal(names[values[0]])
            cells = [c for c, w in zip(cells, widths, strict=True) if w]
            self.add_row(*cells, key=key, height=None)
            self._shown[key] = values
        self._widths_shown = widths
        if rows:
            self.move_cursor(row=min(cursor, len(rows) - 1), animate=False)

    def on_resize(self) -> None:
        if self.world is not None:
            self._sync(self.world)
