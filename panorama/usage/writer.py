"""One ingestion writer for all web processes, reached over a local Unix socket.

Group commit pays off with the size of the group, and a group can only hold requests of the
process that writes it. With a writer per web process, every process wrote small groups in
turn, its writer thread competing for its process's GIL with the request threads parsing the
next bodies. ``panorama run`` therefore starts one writer process (``panorama ingest-writer``)
and points the web processes at it through ``PANORAMA_INGEST_SOCKET``: request threads still
read, authenticate and validate in parallel, then hand the validated messages to the writer
and wait for its answer, so one group holds the requests of every process and the writer has
a core's worth of Python to itself.

The protocol is one frame each way per request: an 8-byte length, then a pickle. Pickle is
safe here because the socket lives in the data dir (mode 0700) and is made 0600: only the
user Panorama runs as can connect, and that user can read the database anyway. Without a
socket (tests, ``runserver``, a writer that is not up) requests fall back to the group
committer of their own process.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import pickle
import socket
import socketserver
import struct
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DatabaseError

from panorama.usage.committer import WAIT_SECONDS, Busy, committer
from panorama.usage.validation import Message

log = logging.getLogger(__name__)

_LENGTH = struct.Struct("!Q")
MAX_FRAME = 64 * 1024 * 1024  # far above a 500 KB request's messages, pickled
REPLY_TIMEOUT = WAIT_SECONDS + 5.0  # the writer answers Busy itself after WAIT_SECONDS


class WriterUnavailable(Exception):
    """No writer process to hand messages to: write them in this process instead."""


def _send(sock: socket.socket, payload: Any) -> None:
    data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
    sock.sendall(_LENGTH.pack(len(data)) + data)


def _receive_exactly(sock: socket.socket, size: int) -> bytes:
    buffer = bytearray(size)
    view = memoryview(buffer)
    while view:
        n = sock.recv_into(view)
        if n == 0:
            raise ConnectionError("the peer closed the connection")
        view = view[n:]
    return bytes(buffer)


def _receive(sock: socket.socket) -> Any:
    (size,) = _LENGTH.unpack(_receive_exactly(sock, _LENGTH.size))
    if size > MAX_FRAME:
        raise ConnectionError(f"a frame of {size} bytes is over the limit")
    return pickle.loads(_receive_exactly(sock, size))


# --- the web side -------------------------------------------------------------------------


class RemoteWriter:
    """Hands messages to the writer process; one connection per request thread."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._local = threading.local()

    def submit(self, messages: Sequence[Message], received_at: dt.datetime) -> None:
        """Like ``GroupCommitter.submit``: return once committed, or raise what the writer
        raised (``Busy``, a ``DatabaseError``…); ``WriterUnavailable`` before anything is sent."""
        sock = self._connection()
        try:
            _send(sock, (received_at, list(messages)))
            outcome, error = _receive(sock)
        except (OSError, ConnectionError, EOFError, pickle.UnpicklingError) as exc:
            # Sent, but no answer: it may or may not be stored. The client's retry is then
            # either stored or acknowledged as a duplicate, so nothing is lost or doubled.
            self._drop()
            log.warning("ingest writer: no answer (%s); asking the client to retry", exc)
            raise Busy("the writer did not answer", retry_after=2) from exc
        if outcome != "ok":
            raise error

    def _connection(self) -> socket.socket:
        sock: socket.socket | None = getattr(self._local, "sock", None)
        if sock is None:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(REPLY_TIMEOUT)
            try:
                sock.connect(self.path)
            except OSError as exc:
                sock.close()
                raise WriterUnavailable(str(exc)) from exc
            self._local.sock = sock
        return sock

    def _drop(self) -> None:
        sock = getattr(self._local, "sock", None)
        if sock is not None:
            sock.close()
            self._local.sock = None


_remote: RemoteWriter | None = None


def submit(messages: Sequence[Message], received_at: dt.datetime) -> None:
    """Store validated messages through the writer process if there is one, else here."""
    global _remote
    path = settings.USAGE_WRITER_SOCKET
    if path:
        if _remote is None or _remote.path != path:
            _remote = RemoteWriter(path)
        try:
            _remote.submit(messages, received_at)
            return
        except WriterUnavailable as exc:
            log.warning("ingest writer unavailable (%s): writing in this process", exc)
    committer.submit(messages, received_at)


# --- the writer side ----------------------------------------------------------------------


class _Handler(socketserver.BaseRequestHandler):
    """Serves one web thread's connection: a request in, its outcome out, until it closes."""

    def handle(self) -> None:
        sock: socket.socket = self.request
        while True:
            try:
                received_at, messages = _receive(sock)
            except (ConnectionError, EOFError, OSError):
                return
            try:
                committer.submit(messages, received_at)
                reply: tuple[str, Exception | None] = ("ok", None)
            except Exception as exc:  # relayed to the web thread, which answers for it
                reply = ("error", _picklable(exc))
            self.server.served += 1  # type: ignore[attr-defined]
            try:
                _send(sock, reply)
            except OSError:
                return


def _picklable(exc: Exception) -> Exception:
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:  # an exception that can't cross: keep its kind of answer and its text
        kind = DatabaseError if isinstance(exc, DatabaseError) else RuntimeError
        return kind(f"{type(exc).__name__}: {exc}")


class WriterServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    """The writer process's socket server; ``served`` counts the requests it answered."""

    daemon_threads = True
    served = 0

    def __init__(self, path: str | Path) -> None:
        path = Path(path)
        if path.is_socket():
            path.unlink()  # left by a writer that did not stop cleanly
        old_mask = os.umask(0o177)  # the socket is created 0600
        try:
            super().__init__(str(path), _Handler)
        finally:
            os.umask(old_mask)

    def server_close(self) -> None:
        super().server_close()
        Path(self.server_address).unlink(missing_ok=True)  # type: ignore[arg-type]
