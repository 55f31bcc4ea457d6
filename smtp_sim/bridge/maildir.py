"""Delivered mail written out as it is delivered: ``DIR/<address>/`` is a Maildir.

A trace listener: every MAILBOX ``stored`` record puts that message, byte for byte as the
simulated mailbox holds it (CRLF line endings, ``Return-Path:`` first), into the recipient's
Maildir with the standard library's :mod:`mailbox`, before the reply that acknowledges it
reaches the client. Anything can read the result::

    import mailbox
import os
    for message in mailbox.Maildir("DIR/bob@cs.tcd.ie", create=False): ...

Messages later removed over POP3 stay in the Maildir: it is the delivery record, not a mirror.
"""

from __future__ import annotations

import mailbox
import os
from collections.abc import Callable
from pathlib import Path

from ..world.mailbox import StoredMessage
from ..world.queue import QueueEntry
from ..world.trace import Kind, Layer, TraceRecord
from ..world.world import World

QUEUE_FOLDER = "_queue"  # addresses always hold an "@", so this cannot clash with one


def folder_name(address: str) -> str:
    """A safe directory name for ``address``: no path separators, no leading dot."""
    name = address.lower().replace("/", "_").replace("\\", "_").replace("\0", "_")
    return "_" + name[1:] if name.startswith(".") else name or "_"


class MaildirError(ValueError):
    """The folder for delivered mail cannot be made or written (``--maildir``)."""


class MaildirWriter:
    """Subscribe it to ``world.trace``; it writes each delivered message once."""

    def __init__(self, world: World, directory: str | Path,
                 on_error: Callable[[str], None] | None = None) -> None:
        self.world = world
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
        self.errors = 0
        self._boxes: dict[str, mailbox.Maildir] = {}

    def __call__(self, record: TraceRecord) -> None:
        if record.kind is not Kind.STORED or record.layer is not Layer.MAILBOX:
            return
        address = record.get("mailbox")
        stored = self._find(record.src, address, record.get("uid"))
        if stored is None:
            self._error(f"maildir: message {record.get('uid')} of {address} not found")
            return
        self._add(folder_name(address), stored.data)

    def write_queue(self, host: str, entry: QueueEntry) -> None:
        """Keep a message still waiting in a simulated queue (at shutdown) in ``_queue/``."""
        head = (f"X-Smtp-Sim-Queue: {entry.queue_id} at {host} ({entry.state.value})\r\n"
                f"X-Smtp-Sim-Envelope: from <{entry.sender}> to "
                f"{', '.join(f'<{r}>' for r in entry.recipients)}\r\n")
        self._add(QUEUE_FOLDER, head.encode() + entry.content)

    def _find(self, mta_host: str, address: str, uid: int) -> StoredMessage | None:
        mta = self.world.mtas.get(mta_host)
        box = mta.mailbox_for(address) if mta is not None else self.world.mailbox(address)
        if box is None:
            return None
        for stored in reversed(box.messages):  # the newest is almost always the one
            if stored.uid == uid:
                return stored
        return None

    def _add(self, folder: str, data: bytes) -> None:
        try:
            box = self._boxes.get(folder)
            if box is None:
                box = mailbox.Maildir(self.directory / folder, create=True)
                self._boxes[folder] = box
            box.add(data)  # bytes are written as they are
            self.written += 1
        except OSError as exc:
            self._error(f"maildir: cannot write into {self.directory / folder}: {exc}")

    def _error(self, text: str) -> None:
        self.errors += 1
        if self.on_error is not None:
            self.on_error(text)
