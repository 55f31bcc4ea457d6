"""``smtp-sim web``'s sessions forked from one preloaded process, not started from scratch.

A fresh ``python -m smtp_sim app`` per visitor imports Python's standard library, Textual,
Rich, pydantic and smtp_sim again: about 0.6 s of CPU and 68 MiB each, so a class of 40
opening the page together waits while the machine imports the same modules 40 times.
Instead, ``smtp-sim web`` starts one *zygote* (``python -m smtp_sim.web_fork``) that imports
all of that once, with the environment every session has (Textual reads its settings when
imported), freezes the garbage collector's view of those objects (``gc.freeze``: the pages
stay shared, copy-on-write), and then forks a child per visitor. The child gets the visitor's
pipes as its standard input, output and error and runs the same ``main(args)`` as
``python -m smtp_sim`` would: to textual-serve it is an ordinary app process.

The server's side (:class:`Zygote`, :class:`ForkedProcess`) gives textual-serve's
``AppService`` what it uses of an ``asyncio.subprocess.Process``: ``pid``, ``returncode``,
``stdin``, ``stdout``, ``stderr``, ``wait()``, ``terminate()``, ``kill()``. The zygote is
the children's parent and reaps them (``SIGCHLD`` ignored); the server learns that a child
ended from a pidfd (Linux 5.3). Where that is missing, or when ``SMTP_SIM_WEB_FORK=0``,
:meth:`Zygote.start` returns ``None`` and every session is a fresh process as before.

Linux only; standard library only (the zygote must not import aiohttp, the server's side
imports nothing of the app).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import importlib
import json
import os
import pkgutil
import signal
import socket
import subprocess
import sys
import traceback
from collections.abc import Mapping, Sequence
from typing import Any

ENV_FORK = "SMTP_SIM_WEB_FORK"  # "0": a fresh process per session (no zygote)
READY_TIMEOUT = 60.0  # seconds the zygote may take to import everything
FORK_TIMEOUT = 10.0  # seconds for one fork's answer
# Imported in the zygote only for their side effects (what a session would import anyway);
# the web server and the bridge's sockets are never needed in a session.
SKIP = ("smtp_sim.web", "smtp_sim.web_fork", "smtp_sim.bridge", "smtp_sim.__main__")


def forking_possible() -> bool:
    return (
        sys.platform == "linux"
        and hasattr(os, "pidfd_open")
        and hasattr(socket, "send_fds")
        and os.environ.get(ENV_FORK, "1") != "0"
    )


# -- the server's side ------------------------------------------------------------------------


class ForkedProcess:
    """A session forked by the zygote, as textual-serve sees a process."""

    def __init__(
        self,
        pid: int,
        stdin: asyncio.StreamWriter,
        stdout: asyncio.StreamReader,
        stderr: asyncio.StreamReader,
    ) -> None:
        self.pid = pid
        self.stdin = stdin
        self.stdout = stdout
        self.stderr = stderr
        self.returncode: int | None = None
        self._exited: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._watch()

    def _watch(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            pidfd = os.pidfd_open(self.pid)
        except ProcessLookupError:  # it has ended already
            self._ended()
            return

        def readable() -> None:
            loop.remove_reader(pidfd)
            os.close(pidfd)
            self._ended()

        loop.add_reader(pidfd, readable)

    def _ended(self) -> None:
        # The zygote reaped it: its exit status is not ours to read. 0 says only "ended".
        if self.returncode is None:
            self.returncode = 0
            self._exited.set_result(0)

    async def wait(self) -> int:
        return await asyncio.shield(self._exited)

    def send_signal(self, signum: int) -> None:
        if self.returncode is not None:
            raise ProcessLookupError(self.pid)
        os.kill(self.pid, signum)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class Zygote:
    """The preloaded process that forks a session per visitor (see the module's docstring)."""

    def __init__(self, process: asyncio.subprocess.Process, sock: socket.socket) -> None:
        self.process = process
        self._sock = sock
        self._lock = asyncio.Lock()

    @classmethod
    async def start(cls, args: Sequence[str], env: Mapping[str, str]) -> Zygote | None:
        """Start the zygote for ``smtp-sim ARGS`` sessions with the environment ``env``;
        ``None`` when forking is not possible here or the zygote did not become ready."""
        if not forking_possible():
            return None
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "smtp_sim.web_fork",
                str(theirs.fileno()),
                *args,
                pass_fds=(theirs.fileno(),),
                env=dict(env),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                start_new_session=True,  # a Ctrl-C on the server's terminal is the server's
            )
        except OSError:
            ours.close()
            return None
        finally:
            theirs.close()
        ours.setblocking(False)
        zygote = cls(process, ours)
        try:
            answer = await asyncio.wait_for(
                asyncio.get_running_loop().sock_recv(ours, 4096), READY_TIMEOUT
            )
            if json.loads(answer or b"{}").get("ready") is not True:
                raise ValueError(answer)
        except (TimeoutError, OSError, ValueError):
            await zygote.stop()
            return None
        return zygote

    async def fork(self, env: Mapping[str, str]) -> ForkedProcess:
        """A new session with ``env`` as its environment; OSError when the zygote is gone."""
        loop = asyncio.get_running_loop()
        stdin_r, stdin_w = os.pipe()
        stdout_r, stdout_w = os.pipe()
        stderr_r, stderr_w = os.pipe()
        theirs = (stdin_r, stdout_w, stderr_w)
        try:
            async with self._lock:
                request = json.dumps({"env": dict(env)}).encode()
                socket.send_fds(self._sock, [request], list(theirs))
                answer = await asyncio.wait_for(loop.sock_recv(self._sock, 4096), FORK_TIMEOUT)
            if not answer:
                raise OSError("the zygote is gone")
            pid = int(json.loads(answer)["pid"])
        except BaseException:
            for fd in (stdin_w, stdout_r, stderr_r):
                os.close(fd)
            raise
        finally:
            for fd in theirs:
                os.close(fd)
        stdout = asyncio.StreamReader(limit=2**20)
        await loop.connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(stdout), os.fdopen(stdout_r, "rb", 0)
        )
        stderr = asyncio.StreamReader()
        await loop.connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(stderr), os.fdopen(stderr_r, "rb", 0)
        )
        transport, protocol = await loop.connect_write_pipe(
            _WriteProtocol, os.fdopen(stdin_w, "wb", 0)
        )
        stdin = asyncio.StreamWriter(transport, protocol, None, loop)
        return ForkedProcess(pid, stdin, stdout, stderr)

    async def stop(self) -> None:
        """The zygote ends (its sessions are the server's to end, before this)."""
        with contextlib.suppress(OSError):
            self._sock.close()
        if self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.terminate()
            try:
                await asyncio.wait_for(self.process.wait(), 3.0)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    self.process.kill()
                await self.process.wait()


class _WriteProtocol(asyncio.streams.FlowControlMixin, asyncio.Protocol):
    """A pipe's writing end for a StreamWriter (drain() waits when the pipe is full)."""


# -- the zygote -------------------------------------------------------------------------------


def preload(args: Sequence[str] = ()) -> None:
    """Import what a session imports: Textual (through the app's modules), pydantic and the
    whole of smtp_sim but the server's own modules; then rehearse a session of
    ``smtp-sim ARGS`` once (``smtp_sim.tui.launch.rehearse``: the built-in course read, the
    app run headless to its lesson on screen)."""
    import smtp_sim

    for module in pkgutil.walk_packages(smtp_sim.__path__, "smtp_sim."):
        if not module.name.startswith(SKIP):
            importlib.import_module(module.name)
    # (by name, as above: this module imports nothing of the app)
    importlib.import_module("smtp_sim.tui.launch").rehearse(args)


def child(sock: socket.socket, fds: list[int], env: dict[str, str], args: list[str]) -> None:
    """The forked session: the visitor's pipes as 0, 1, 2, the visitor's environment, then
    what ``python -m smtp_sim ARGS`` runs. Never returns."""
    status = 1
    try:
        sock.close()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        for target, fd in zip((0, 1, 2), fds, strict=True):
            os.dup2(fd, target)
        for fd in fds:
            if fd > 2:
                os.close(fd)
        os.environ.clear()
        os.environ.update(env)
        from smtp_sim.cli import main

        status = main(args) or 0
    except SystemExit as exc:
        status = exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(status)


def zygote_main(argv: list[str]) -> int:
    sock = socket.socket(fileno=int(argv[0]))
    args = argv[1:]
    try:
        preload(args)
    except Exception:
        traceback.print_exc()
        sock.send(json.dumps({"ready": False}).encode())
        return 1
    gc.collect()
    gc.freeze()  # the preloaded objects: never scanned again, so their pages stay shared
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the children are reaped as they end
    sock.send(json.dumps({"ready": True}).encode())
    while True:
        try:
            message, fds, _flags, _address = socket.recv_fds(sock, 2**16, 3)
        except OSError:
            return 0
        if not message:
            return 0  # the server is gone
        if len(fds) != 3:
            for fd in fds:
                os.close(fd)
            continue
        request: dict[str, Any] = json.loads(message)
        pid = os.fork()
        if pid == 0:
            child(sock, fds, request["env"], args)
        for fd in fds:
            os.close(fd)
        sock.send(json.dumps({"pid": pid}).encode())


if __name__ == "__main__":
    sys.exit(zygote_main(sys.argv[1:]))
