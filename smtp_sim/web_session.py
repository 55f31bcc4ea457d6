"""One ``smtp-sim web`` session's process: the app, and a SIGTERM that always ends it.

textual-serve runs ``python -m smtp_sim app`` (or lesson, sandbox, present) per visitor with
``SMTP_SIM_WEB_SESSION=1``. Textual's web driver turns SIGTERM into a quit message for the
app, which is not enough: an app that got its quit before its first frame (Textual 8) keeps
redrawing at full CPU and never finishes quitting, and a second quit changes nothing. Here
SIGTERM asks the app to quit and, if it has not within ``EXIT_GRACE`` seconds, ends the
process. Its progress lives in memory only (``SMTP_SIM_PROGRESS=memory``): nothing is lost
that quitting would have kept.
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
from typing import Any

EXIT_GRACE = 2.0
WATCH_FOR = 60.0  # seconds during which the driver may install its own handler


def run(app: Any) -> None:
    """``app.run()``, with SIGTERM ending the process whatever state the app is in."""
    asyncio.run(_run(app))


async def _run(app: Any) -> None:
    loop = asyncio.get_running_loop()

    def on_sigterm(signum: int, frame: Any) -> None:
        loop.call_soon_threadsafe(app.exit)  # a clean quit when the app can
        timer = threading.Timer(EXIT_GRACE, os._exit, (128 + signal.SIGTERM,))
        timer.daemon = True
        timer.start()

    signal.signal(signal.SIGTERM, on_sigterm)
    app.steady_cursor = True  # (no blink: idle sessions send the browser nothing)
    app.stays_focused = True  # (a blur restyles every widget: the first key paid for it)
    task = asyncio.ensure_future(app.run_async())
    # Textual's web driver installs its own SIGTERM handler once it starts: put ours back.
    end = loop.time() + WATCH_FOR
    while not task.done() and loop.time() < end:
        if signal.getsignal(signal.SIGTERM) is not on_sigterm:
            signal.signal(signal.SIGTERM, on_sigterm)
        await asyncio.wait([task], timeout=0.1)
    await task
