"""``smtp-sim web``: the app in web browsers, one independent session per visitor.

textual-serve serves a page whose terminal (xterm.js) talks over a websocket; for each
websocket it starts one process running the app, so every browser tab has its own
simulation, its own history and its own progress, and a crash or a runaway scenario in one
tab touches nobody else's. Progress is kept in that process's memory only
(``SMTP_SIM_PROGRESS=memory``): nothing a visitor does is written to the server's disk, and it
is gone when the tab closes. Exports (ctrl+s) are downloaded by the browser.

It listens on 127.0.0.1 unless given another address, and then warns: anyone who can reach the
port can start processes (one per tab) on this machine.

Every session ends: when its websocket is gone (the tab closed, the browser killed), when
nobody typed in it for ``idle_timeout`` (30 min), when it grows past ``max_memory`` (MiB of
resident memory), and when the server stops. Ending is quit (the app saves its progress and
exits), then SIGTERM after ``QUIT_GRACE`` seconds, then SIGKILL after ``TERM_GRACE`` more:
Textual 8 never finishes a quit that arrives before its first frame (a one-shot headless
browser closes that early), and such an app redraws at full CPU and ignores SIGTERM, so the
server does not rely on the app to leave (and the session process exits on SIGTERM by itself,
:mod:`smtp_sim.web_session`). ``max_sessions`` (40) sessions at most: past it the page and the
websocket say the class is full.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shlex
import signal
import sys
import time
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any, TextIO

from aiohttp import web
from textual_serve.app_service import AppService
from textual_serve.server import Server

from .bridge.listen import is_loopback
from .course.progress import ENV_PROGRESS
from .textio import wrap
from .web_fork import Zygote

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
SHUTDOWN_TIMEOUT = 5.0  # seconds open sessions get to close when the server stops
MAX_SESSIONS = 40
IDLE_TIMEOUT = 30 * 60.0  # seconds without a key from the browser
MAX_MEMORY_MIB = 400  # resident memory of one session's process
QUIT_GRACE = 3.0  # seconds an app gets to quit by itself before SIGTERM
TERM_GRACE = 3.0  # then before SIGKILL (so a session ends within 10 s of its websocket)
WATCH_EVERY = 5.0  # seconds between the idle and memory checks
WEB_SESSION = "SMTP_SIM_WEB_SESSION"  # set in every session's environment


def app_command(args: Sequence[str] = ("app",), python: str | None = None) -> str:
    """The shell command textual-serve runs for each visitor: this Python, this package,
    progress in memory, and the session's own SIGTERM rule (:mod:`smtp_sim.web_session`)."""
    exe = shlex.quote(python or sys.executable)
    words = " ".join(shlex.quote(a) for a in args)
    return f"{ENV_PROGRESS}=memory {WEB_SESSION}=1 exec {exe} -m smtp_sim {words}"


def rss_mib(pid: int) -> float:
    try:
        pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        return 0.0
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def session_environment(width: int = 80, height: int = 24, debug: bool = False) -> dict[str, str]:
    """The environment of a session's process: textual-serve's (Textual's web driver, the
    terminal's size...) and ours (progress in memory, the session's SIGTERM rule)."""
    env = AppService._build_environment(SimpleNamespace(debug=debug), width, height)  # type: ignore[arg-type]
    env.update({ENV_PROGRESS: "memory", WEB_SESSION: "1"})
    return env


class Session(AppService):
    """One visitor's app process, with when the browser last sent a key. With a zygote, the
    process is forked from it (:mod:`smtp_sim.web_fork`); otherwise, or when the zygote has
    gone, it is a fresh ``python -m smtp_sim`` as textual-serve starts one."""

    def __init__(self, *args: Any, zygote: Zygote | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.last_input = time.monotonic()
        self.ending: asyncio.Task[None] | None = None
        self.zygote = zygote

    async def _open_app_process(self, width: int = 80, height: int = 24) -> Any:
        if self.zygote is not None:
            try:
                process = await self.zygote.fork(session_environment(width, height, self.debug))
            except (OSError, ValueError, KeyError, TimeoutError):
                self.zygote = None  # (gone: this session and the next start afresh)
            else:
                self._process = process  # type: ignore[assignment]
                self._stdin = process.stdin
                return process
        return await super()._open_app_process(width, height)

    async def send_bytes(self, data: bytes) -> bool:
        self.last_input = time.monotonic()
        return await super().send_bytes(data)

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    async def tell(self, text: str) -> None:
        """A line on the visitor's terminal (the app is gone or going)."""
        with contextlib.suppress(Exception):
            await self.remote_write_bytes(f"\r\n\x1b[0m{text}\r\n".encode())

    async def end(self) -> None:
        """Quit, then SIGTERM, then SIGKILL: the process is gone when this returns."""
        process = self._process
        if process is not None and process.returncode is None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.send_meta({"type": "quit"}), 1.0)
            for grace, then in (
                (QUIT_GRACE, process.terminate),
                (TERM_GRACE, process.kill),
                (None, None),
            ):
                try:
                    await asyncio.wait_for(process.wait(), grace)
                    break
                except TimeoutError:
                    if then is not None:
                        with contextlib.suppress(ProcessLookupError):
                            then()
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
        if process is not None and process.stdin is not None:
            with contextlib.suppress(Exception):
                process.stdin.close()


class WebServer(Server):
    """textual-serve's Server, with the page's websocket address taken from the request (so
    it works on any address and port, 0 included) unless a public URL is given."""

    def __init__(
        self,
        command: str,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        *,
        public_url: str | None = None,
        title: str = "smtp-sim",
        max_sessions: int = MAX_SESSIONS,
        idle_timeout: float = IDLE_TIMEOUT,
        max_memory: float = MAX_MEMORY_MIB,
        fork_args: Sequence[str] | None = None,
    ) -> None:
        """``fork_args``: the ``smtp-sim`` arguments of ``command``, to fork sessions from a
        preloaded zygote (:mod:`smtp_sim.web_fork`) instead of running ``command`` each
        time; without them every session runs ``command``."""
        super().__init__(command, host=host, port=port, title=title, public_url=public_url)
        self.fork_args = fork_args
        self.zygote: Zygote | None = None
        self._fixed_url = public_url is not None
        self.max_sessions = max_sessions
        self.idle_timeout = idle_timeout
        self.max_memory = max_memory
        self.sessions: set[Session] = set()
        self._background: set[asyncio.Future[None]] = set()

    @property
    def full(self) -> bool:
        return len(self.sessions) >= self.max_sessions

    def _full_text(self) -> str:
        return (
            f"The class is full: {len(self.sessions)} sessions are open (the most this "
            "server takes). Try again in a few minutes, or ask your teacher."
        )

    async def handle_index(self, request: web.Request) -> Any:
        if self.full:
            return web.Response(
                status=503,
                content_type="text/html",
                text=(
                    "<!DOCTYPE html><html><head><title>smtp-sim: the class is full</title></head>"
                    f"<body><h1>The class is full</h1><p>{self._full_text()}</p></body></html>"
                ),
                headers={"Retry-After": "120"},
            )
        if not self._fixed_url:
            # No await between here and the template's use of it: one request at a time.
            self.public_url = f"{request.scheme}://{request.host}"
        return await super().handle_index(request)

    async def handle_websocket(self, request: web.Request) -> Any:
        """A plain GET (a prefetch, a scanner, curl) is told what the address is for, instead
        of textual-serve's traceback on the server's terminal."""
        if not web.WebSocketResponse().can_prepare(request).ok:
            return web.Response(
                status=400,
                text="This address is the page's terminal (a "
                "websocket): open / in a web browser.\n",
            )
        websocket = web.WebSocketResponse(heartbeat=15)
        await websocket.prepare(request)
        if self.full:
            await websocket.send_bytes(f"\r\n{self._full_text()}\r\n".encode())
            await websocket.close()
            return websocket
        session = Session(
            self.command,
            write_bytes=websocket.send_bytes,
            write_str=websocket.send_str,
            close=websocket.close,
            download_manager=self.download_manager,
            debug=self.debug,
            zygote=self.zygote,
        )
        self.sessions.add(session)
        try:
            await session.start(_size(request, "width", 80), _size(request, "height", 24))
            await self._process_messages(websocket, session)
        except asyncio.CancelledError:  # the client went away mid-request
            pass
        except (ValueError, TypeError, KeyError, AssertionError):
            pass  # a message that is not textual-serve's: the session ends
        finally:
            # (shielded: a cancelled handler still ends its process)
            await asyncio.shield(self._end(session))
            with contextlib.suppress(Exception):
                await websocket.close()
        return websocket

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        """Run work in the background, keeping a reference until it ends (asyncio keeps
        only weak ones)."""
        task = asyncio.ensure_future(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _end(self, session: Session, why: str | None = None) -> None:
        if session.ending is None:
            if why:
                await session.tell(why)
            session.ending = asyncio.ensure_future(session.end())
        try:
            await asyncio.shield(session.ending)
        finally:
            self.sessions.discard(session)
            with contextlib.suppress(Exception):
                await session.remote_close()  # (a killed app never says "exit")

    async def _watch(self) -> None:
        """Every few seconds: end sessions idle too long or grown too big."""
        while True:
            await asyncio.sleep(WATCH_EVERY)
            now = time.monotonic()
            for session in list(self.sessions):
                if session.ending is not None or session.pid is None:
                    continue
                if now - session.last_input > self.idle_timeout:
                    minutes = self.idle_timeout / 60
                    self._spawn(
                        self._end(
                            session,
                            (
                                f"This session ended: nobody typed in it for {minutes:g} minutes "
                                "(its progress was saved first). Reload the page to start again."
                            ),
                        )
                    )
                elif (size := rss_mib(session.pid)) > self.max_memory:
                    self._spawn(
                        self._end(
                            session,
                            (
                                f"This session ended: it used {size:.0f} MiB of memory, more than "
                                f"the {self.max_memory:g} MiB a session may. Reload the page."
                            ),
                        )
                    )

    async def on_startup(self, app: web.Application) -> None:
        """Quiet: ``serve_web`` says what it serves, on standard error."""

    async def run(self, ready: Callable[[str], None], stop: asyncio.Event) -> None:
        """Serve until ``stop`` is set; ``ready(url)`` once listening (the real port)."""
        app = await self._make_app()
        runner = web.AppRunner(
            app, shutdown_timeout=SHUTDOWN_TIMEOUT, handle_signals=False, access_log=None
        )
        await runner.setup()
        if self.fork_args is not None:
            self.zygote = await Zygote.start(self.fork_args, session_environment(debug=self.debug))
        watch = asyncio.ensure_future(self._watch())
        try:
            site = web.TCPSite(runner, self.host, self.port)
            await site.start()
            host, port = runner.addresses[0][:2]
            shown = f"[{host}]" if ":" in host else host
            ready(self.public_url if self._fixed_url else f"http://{shown}:{port}")
            await stop.wait()
        finally:
            watch.cancel()
            await asyncio.gather(
                *(
                    self._end(s, "The server is stopping: this session ended.")
                    for s in list(self.sessions)
                ),
                return_exceptions=True,
            )
            if self.zygote is not None:
                await self.zygote.stop()
            await runner.cleanup()


def _size(request: web.Request, key: str, default: int) -> int:
    try:
        return max(1, min(1000, int(request.query.get(key, default))))
    except ValueError:
        return default


def serve_web(
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    *,
    args: Sequence[str] = ("app",),
    public_url: str | None = None,
    stderr: TextIO | None = None,
    max_sessions: int = MAX_SESSIONS,
    idle_timeout: float = IDLE_TIMEOUT,
    max_memory: float = MAX_MEMORY_MIB,
) -> int:
    """Serve until SIGINT/SIGTERM. 0 after a clean stop, 1 when the port cannot be opened."""
    err = stderr or sys.stderr
    if not is_loopback(host):
        print(
            wrap(
                f"smtp-sim web: warning: {host} is not a loopback address: anyone who can "
                "reach this port can open sessions, each one a process on this machine"
            ),
            file=err,
        )
    server = WebServer(
        app_command(args),
        host,
        port,
        public_url=public_url,
        fork_args=list(args),
        max_sessions=max_sessions,
        idle_timeout=idle_timeout,
        max_memory=max_memory,
    )

    def ready(url: str) -> None:
        print(wrap(f"smtp-sim web: serving {' '.join(args)} on {url}"), file=err)
        print(
            wrap(
                "smtp-sim web: every browser tab gets its own session (progress in memory "
                "only); Ctrl-C stops"
            ),
            file=err,
            flush=True,
        )

    async def main() -> int:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        try:
            await server.run(ready, stop)
        except OSError as exc:
            print(
                wrap(f"smtp-sim web: cannot listen on {host}:{port}: {exc.strerror or exc}"),
                file=err,
            )
            return 1
        print("smtp-sim web: stopped", file=err, flush=True)
        return 0

    return asyncio.run(main())
