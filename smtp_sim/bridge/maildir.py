"""Delivered mail kept on disk: ``DIR/<address>/`` is a Maildir, and it IS the mailbox.

:class:`MaildirWriter` is the simulated mailboxes' :class:`~smtp_sim.world.mailbox.MailStore`
while ``smtp-sim serve --maildir DIR`` runs:

- a message delivered into a mailbox is written into the recipient's Maildir at once (before
  the reply that acknowledges it reaches the client), with LF line ends as Maildir readers
  expect (Postfix's local delivery writes LF too); ``Return-Path:`` comes first;
- a message removed over POP3 (DELE, then QUIT) leaves the Maildir;
- at start, and again whenever a POP3 client logs in, the mailbox takes in what the Maildir
  holds: mail kept from an earlier run is there again, and a message a mail reader (neomutt)
  deleted from the Maildir is gone from the POP3 drop too;
- a message's Maildir unique name is its key, from which POP3's UIDL is derived: the same in
  every run, never given to another message (RFC 1939 section 7).

Anything can read the result::

    import mailbox
    for message in mailbox.Maildir("DIR/bob@cs.tcd.ie", create=False): ...

Memory: a message's bytes are not kept in memory once written (the mailbox reads the file when
they are asked for), so serve's memory does not grow with the mail it receives. Without
``--maildir`` the same is done in a spool, a temporary folder (:func:`spool`, files as
delivered, CRLF) removed when serve ends; its unique names serve UIDL just as well.
"""

from __future__ import annotations

import mailbox
import os
import re
import socket
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..world.mailbox import Mailbox, MailStore, StoredMessage
from ..world.queue import QueueEntry
from ..world.world import World

QUEUE_FOLDER = "_queue"  # addresses always hold an "@", so this cannot clash with one
# The standard library's unique names: seconds, microseconds, process id, a counter.
_UNIQUE = re.compile(r"^(\d+)\.M(\d+)P(\d+)Q(\d+)\.")
_STDLIB_MAILDIR: Any = mailbox.Maildir  # (its unique names' counter, _count, is not typed)
_HOST = socket.gethostname().replace("/", r"\057").replace(":", r"\072")  # (as mailbox's)


def folder_name(address: str) -> str:
    """A safe directory name for ``address``: no path separators, no leading dot."""
    name = address.lower().replace("/", "_").replace("\\", "_").replace("\0", "_")
    return "_" + name[1:] if name.startswith(".") else name or "_"


def to_file(data: bytes) -> bytes:
    """A message as the world holds it (CRLF) as a Maildir file holds it (LF). A bare LF a
    client sent stays a line end; a bare CR stays a CR."""
    return data.replace(b"\r\n", b"\n")


def from_file(data: bytes) -> bytes:
    """A Maildir file's message with CRLF line ends again (the inverse of :func:`to_file`)."""
    return data.replace(b"\n", b"\r\n")


def _delivery_order(key: str) -> tuple[int, int, int, str]:
    found = _UNIQUE.match(key)
    if found is None:
        return (1 << 62, 0, 0, key)
    return (int(found[1]), int(found[2]), int(found[4]), key)


def attach(world: World, store: MailStore | None) -> None:
    """Make ``store`` keep the mail of every mailbox in the world (and of ones made later)."""
    for mta in world.mtas.values():
        mta.mail_store = store
        for box in mta.mailboxes.values():
            box.store = store


class MaildirError(ValueError):
    """The folder for delivered mail cannot be made or written (``--maildir``)."""


class MaildirWriter:
    """The mailboxes' store: one Maildir per address under ``directory`` (files with LF line
    ends, unless ``lf`` is False: the spool keeps the bytes exactly as delivered)."""

    keeps_bodies = True

    def __init__(
        self,
        world: World,
        directory: str | Path,
        on_error: Callable[[str], None] | None = None,
        *,
        lf: bool = True,
    ) -> None:
        self.world = world
        self.lf = lf
        self.directory = Path(directory)
        problem = None
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except FileExistsError:
            problem = "it is a file, not a folder"
        except OSError as exc:
            problem = exc.strerror or str(exc)
        else:
            if not os.access(self.directory, os.W_OK | os.X_OK):
                problem = "no permission to write there"
        if problem is not None:
            raise MaildirError(f"cannot keep delivered mail in {directory}: {problem}")
        self.on_error = on_error
        self.written = 0
        self.removed_count = 0
        self.errors = 0
        self._boxes: dict[str, mailbox.Maildir] = {}
        self._paths: dict[str, str] = {}  # folder -> its Maildir's path

    def take_in(self) -> int:
        """Attach to every mailbox and take in what the Maildir already holds (an earlier
        run's mail). Returns how many messages were found."""
        attach(self.world, self)
        found = 0
        for box in self.world.mailboxes():
            if (self.directory / folder_name(box.address)).is_dir():
                found += box.sync(self.world.now)[0]
        known = {folder_name(box.address) for box in self.world.mailboxes()}
        for path in sorted(self.directory.iterdir()):
            if (
                path.is_dir()
                and path.name not in known
                and path.name != QUEUE_FOLDER
                and (path / "new").is_dir()
            ):
                self._error(
                    f"maildir: {path} is not the mailbox of anyone in this scenario: left alone"
                )
        return found

    # -- MailStore ------------------------------------------------------------------------

    def added(self, box: Mailbox, data: bytes) -> str | None:
        key = self._add(folder_name(box.address), data)
        if key is not None:
            self.written += 1
        return key

    def removed(self, box: Mailbox, stored: StoredMessage) -> None:
        if stored.key is None:
            return
        try:
            self._box(folder_name(box.address)).discard(stored.key)
            self.removed_count += 1
        except OSError as exc:
            self._error(f"maildir: cannot remove {stored.key} of {box.address}: {exc}")

    def keys(self, box: Mailbox) -> list[str] | None:
        try:
            return sorted(self._box(folder_name(box.address)).keys(), key=_delivery_order)
        except OSError as exc:
            self._error(f"maildir: cannot read the Maildir of {box.address}: {exc}")
            return None

    def load(self, box: Mailbox, key: str) -> bytes | None:
        try:
            data = self._box(folder_name(box.address)).get_bytes(key)
            return from_file(data) if self.lf else data
        except (KeyError, OSError):
            return None

    # -------------------------------------------------------------------------------------

    def write_queue(self, host: str, entry: QueueEntry) -> None:
        """Keep a message still waiting in a simulated queue (at shutdown) in ``_queue/``."""
        head = (
            f"X-Smtp-Sim-Queue: {entry.queue_id} at {host} ({entry.state.value})\r\n"
            f"X-Smtp-Sim-Envelope: from <{entry.sender}> to "
            f"{', '.join(f'<{r}>' for r in entry.recipients)}\r\n"
        )
        self._add(QUEUE_FOLDER, head.encode() + entry.content)

    def _box(self, folder: str) -> mailbox.Maildir:
        box = self._boxes.get(folder)
        if box is None:
            box = mailbox.Maildir(self.directory / folder, factory=None, create=True)
            self._boxes[folder] = box
        return box

    def _add(self, folder: str, data: bytes) -> str | None:
        try:
            return self._write(folder, to_file(data) if self.lf else data)
        except OSError as exc:
            self._error(f"maildir: cannot write into {self.directory / folder}: {exc}")
            return None

    def _write(self, folder: str, data: bytes) -> str:
        """What ``mailbox.Maildir.add`` does, in fewer steps (it is done for every message):
        the file is made in ``tmp/`` under the standard library's unique name (the seconds,
        microseconds, process id and ``mailbox.Maildir``'s own counter; exclusively, never
        over another), written, flushed to disk (fsync, as ``add`` does), linked into
        ``new/`` and removed from ``tmp/``; without ``add``'s stat first, its buffered file
        object, or its copy of the bytes to convert line ends (already LF here)."""
        path = self._paths.get(folder)
        if path is None:
            self._box(folder)  # (made with its tmp/, new/ and cur/)
            path = self._paths[folder] = os.path.abspath(self.directory / folder)
        now = time.time()
        count = _STDLIB_MAILDIR._count  # (shared: no clash with Maildir.add in this process)
        _STDLIB_MAILDIR._count = count + 1
        uniq = f"{int(now)}.M{int(now % 1 * 1e6)}P{os.getpid()}Q{count}.{_HOST}"
        tmp = f"{path}/tmp/{uniq}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        except BaseException:
            os.close(fd)
            os.remove(tmp)
            raise
        os.close(fd)
        try:
            os.link(tmp, f"{path}/new/{uniq}")  # (never over another message)
        finally:
            os.remove(tmp)
        return uniq

    def _error(self, text: str) -> None:
        self.errors += 1
        if self.on_error is not None:
            self.on_error(text)


def spool(
    world: World, on_error: Callable[[str], None] | None = None
) -> tuple[MaildirWriter, tempfile.TemporaryDirectory[str]]:
    """The mailboxes' store without ``--maildir``: a temporary folder, removed when the
    returned TemporaryDirectory is cleaned up (at exit at the latest)."""
    folder = tempfile.TemporaryDirectory(prefix="smtp-sim-spool-")
    store = MaildirWriter(world, folder.name, on_error, lf=False)
    attach(world, store)
    return store, folder
