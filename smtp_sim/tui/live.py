"""``--listen`` in the app: a Bridge inside the app's own event loop, real clients on screen.

While the bridge runs it owns the world's clock (virtual time at wall-clock pace), so the
controller turns stepping, going back and reset off (the main screen starts and stops it). Records from real clients arrive one by one, up to
thousands a second; they are merged: the views are refreshed at most every ``REFRESH``
seconds, never once per record.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from ..bridge.bridge import Bridge
    from ..bridge.listen import ListenSpec
    from ..world.trace import TraceRecord
    from ..world.world import World

REFRESH = 0.1  # seconds between two refreshes of the views while records arrive


class LiveRecords(Message):
    """New trace records came from the bridge (posted once per refresh, not per record)."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, LiveRecords)


class LiveBridge:
    """The app's bridge: ``start()`` in the app's loop, ``stop()`` before it exits."""

    def __init__(
        self,
        world: World,
        listen: Sequence[ListenSpec],
        post: Callable[[Message], object],
        on_error: Callable[[str], None] | None = None,
    ) -> None:
        """Raises ListenError when a listener names nothing in the world."""
        from ..bridge.bridge import Bridge  # only with --listen: start-up stays quick
        from ..bridge.listen import ListenSpec
        from ..bridge.tls import self_signed, served_names

        self.post = post
        specs = list(listen) or [ListenSpec()]
        # (as `smtp-sim serve`: a real client's STARTTLS gets a real handshake, with a
        # certificate made now for the served names)
        tls = self_signed(served_names(world, specs), [s.host for s in specs])
        self.bridge: Bridge = Bridge(
            world, specs, on_record=self._record, on_error=on_error, tls=tls
        )
        self.pending = False  # a LiveRecords is posted and not yet handled

    @property
    def running(self) -> bool:
        return self.bridge.running

    @property
    def world(self) -> World:
        return self.bridge.world

    def describe(self) -> list[str]:
        return [str(bound) for bound in self.bridge.listeners]

    def exposed(self) -> list[str]:
        return [bound.spec.host for bound in self.bridge.listeners if bound.spec.exposed]

    async def start(self) -> str | None:
        """Open the listeners; an error message when one cannot be opened."""
        from ..bridge.bridge import BridgeError

        try:
            await self.bridge.start()
        except BridgeError as exc:
            return str(exc)
        return None

    async def stop(self) -> None:
        if self.bridge.running:
            await self.bridge.stop(grace=1.0)

    def advance(self) -> None:
        """Run what is due now (after the console scheduled something) and re-arm."""
        if self.bridge.running:
            self.bridge.advance()

    def handled(self) -> None:
        """The app refreshed its views: the next record posts again."""
        self.pending = False

    def _record(self, record: TraceRecord) -> None:
        if not self.pending:
            self.pending = True
            self.post(LiveRecords())


async def start_live(live: LiveBridge, notify: Callable[..., object]) -> bool:
    """Start ``live``'s listeners, warning of any address other machines can reach; True
    once they listen (what they are and what is off then is told)."""
    for host in live.exposed():
        notify(
            f"{host} is not a loopback address: other machines can connect",
            severity="warning",
            timeout=10,
        )
    error = await live.start()
    if error is not None:
        notify(error, title="--listen", severity="error", timeout=15)
        return False
    notify(
        "\n".join(live.describe()) + "\nTime runs at wall-clock pace: stepping, "
        "going back and reset are off.",
        title="Listening",
        timeout=10,
    )
    return True
