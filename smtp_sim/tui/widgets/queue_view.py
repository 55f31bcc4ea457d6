"""QueueView: every MTA's mail queue, one row per entry, updated in place as entries change.

State (queued, active, deferred, sent, bounced, expired), attempts, the next attempt in virtual
time and the last reason a delivery failed: what ``mailq`` shows on a real server.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.widgets import DataTable

from ...world.queue import EntryState, QueueEntry
from ...world.trace import TraceRecord
from ...world.world import World
from ..literal import literal

COLUMNS = (
    ("mta", "MTA"),
    ("id", "Queue ID"),
    ("state", "State"),
    ("attempts", "Tries"),
    ("next", "Next attempt"),
    ("to", "Recipients"),
    ("reason", "Last reason"),
)


class QueueView(DataTable):
    """The MTAs' queues as a table (DataTable renders only the visible rows)."""

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
        self.world: World | None = None
        self._shown: dict[str, tuple] = {}  # row key -> the values last shown

    def on_mount(self) -> None:
        for key, label in COLUMNS:
            self.add_column(label, key=key)
        if self.world is not None:
            self._sync(self.world)

    # -- the contract ----------------------------------------------------------------------

    def reset(self, world: World) -> None:
        self.world = world
        self.clear()
        self._shown.clear()
        self._sync(world)

    def advance(self, world: World, new: Sequence[TraceRecord]) -> None:
        """Entries change in place (their records name them), so compare what is shown."""
        self.world = world
        if new:
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
        for host, entry in self.entries():
            key = f"{host}/{entry.queue_id}"
            values = self._values(host, entry, now)
            old = self._shown.get(key)
            if old == values:
                continue
            cells = self._cells(values)
            if old is None:
                self.add_row(*cells, key=key)
            else:
                for (column, _), before, after, cell in zip(
                    COLUMNS, old, values, cells, strict=True
                ):
                    if before != after:
                        self.update_cell(key, column, cell)
            self._shown[key] = values
