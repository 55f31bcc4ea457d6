"""``smtp-sim web``: the app in web browsers, one independent session per visitor.

textual-serve serves a page whose terminal (xterm.js) talks over a websocket; for each
websocket it starts one process running the app, so every browser tab has its own
simulation, its own history and its own progress, and a crash or a runaway scenario in one
tab touches nobody else's. Progress is kept in that process's memory only
(``SMTP_SIM_PROGRESS=memory``): nothing a visitor does is written to the server's disk, and it
is gone when the tab closes. Exports (ctrl+s) are downloaded by the browser.

It listens on 127.0.0.1 unless given another address, and then warns: anyone who can reach the
port can start processes (one per tab) on this machine.
"""

from __future__ import annotations

import asyncio
import shlex
import signal
import sys
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from aiohttp import web
from textual_serve.server import Server

from .bridge.listen import is_loopback
from .course.progress import ENV_PROGRESS

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
SHUTDOWN_TIMEOUT = 5.0  # seconds open sessions get to close when the server stops


def app_command(args: Sequence[str] = ("app",), python: str | None = None) -> str:
    """The shell command textual-serve runs for each visitor: this Python, this package,
    progress in memory."""
    exe = shlex.quote(python or sys.executable)
    words = " ".join(shlex.quote(a) for a in args)
    return f"{ENV_PROGRESS}=memory exec {exe} -m smtp_sim {words}"


class WebServer(Server):
    """textual-serve's Server, with the page's websocket address taken from the request (so
    it works on any address and port, 0 included) unless a public URL is given."""

    def __init__(self, command: str, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, *,
                 public_url: str | None = None, title: str = "smtp-sim") -> None:
        super().__init__(command, host=host, port=port, title=title, public_url=public_url)
        self._fixed_url = public_url is not None

    async def handle_index(self, request: web.Request) -> Any:
        if not self._fixed_url:
            # No await between here and the template's use of it: one request at a time.
            self.public_url = f"{request.scheme}://{request.host}"
        return await super().handle_index(request)

    async def handle_websocket(self, request: web.Request) -> Any:
        """A plain GET (a prefetch, a scanner, curl) is told what the address is for, instead
        of textual-serve's traceback on the server's terminal."""
        if not web.WebSocketResponse().can_prepare(request).ok:
            return web.Response(status=400, text="This address is the page's terminal (a "
                                "websocket): open / in a web browser.\n")
        return await super().handle_websocket(request)

    async def on_startup(self, app: web.Application) -> None:
        """Quiet: ``serve_web`` says what it serves, on standard error."""

    async def run(self, ready: Callable[[str], None], stop: asyncio.Event) -> None:
        """Serve until ``stop`` is set; ``ready(url)`` once listening (the real port)."""
        app = await self._make_app()
        runner = web.AppRunner(app, shutdown_timeout=SHUTDOWN_TIMEOUT, handle_signals=False,
                               access_log=None)
        await runner.setup()
        try:
            site = web.TCPSite(runner, self.host, self.port)
            await site.start()
            host, port = runner.addresses[0][:2]
            shown = f"[{host}]" if ":" in host else host
            ready(self.public_url if self._fixed_url else f"http://{shown}:{port}")
            await stop.wait()
        finally:
            await runner.cleanup()


def serve_web(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, *,
              args: Sequence[str] = ("app",), public_url: str | None = None,
              stderr: TextIO | None = None) -> int:
    """Serve until SIGINT/SIGTERM. 0 after a clean stop, 1 when the port cannot be opened."""
    err = stderr or sys.stderr
    if not is_loopback(host):
        print(f"smtp-sim web: warning: {host} is not a loopback address: anyone who can reach "
              "this port can open sessions, each one a process on this machine", file=err)
    server = WebServer(app_command(args), host, port, public_url=public_url)

    def ready(url: str) -> None:
        print(f"smtp-sim web: serving {' '.join(args)} on {url}", file=err)
        print("smtp-sim web: every browser tab gets its own session (progress in memory "
              "only); Ctrl-C stops", file=err, flush=True)

    async def main() -> int:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        try:
            await server.run(ready, stop)
        except OSError as exc:
            print(f"smtp-sim web: cannot listen on {host}:{port}: {exc.strerror or exc}",
                  file=err)
            return 1
        print("smtp-sim web: stopped", file=err, flush=True)
        return 0

    return asyncio.run(main())
