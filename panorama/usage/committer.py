"""Group commit: requests from many threads share one transaction, written by one thread.

A commit (an fsync on SQLite, a WAL flush on PostgreSQL) costs the same for one event as for
thousands, and SQLite lets one writer in at a time. So request threads queue their validated
messages here and wait; a single writer thread per process takes everything queued (up to
``MAX_GROUP_EVENTS``), writes it in one transaction and wakes the waiting requests, which
answer 200 only then. When more is waiting than the writer can take (``MAX_PENDING_EVENTS``)
new requests are refused at once with 503 and ``Retry-After`` instead of queueing without
bound, which keeps latency bounded under overload.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import logging
import threading
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import close_old_connections, connection

from panorama.usage.ingest import write_batches
from panorama.usage.validation import Message

log = logging.getLogger(__name__)

MAX_GROUP_EVENTS = 10_000
MAX_PENDING_EVENTS = 40_000
WAIT_SECONDS = 15.0
WRITER_AUTOCHECKPOINT_PAGES = 20_000  # the writer checkpoints itself past ~80 MB of WAL
WRITER_CACHE_KIB = 64 * 1024  # the writer's page cache: the hot index pages of a burst
CHECKPOINT_WAL_BYTES = 16 * 1024 * 1024  # the checkpointer copies the WAL past ~4,000 pages
KEEP_WARM_SECONDS = 2.0  # an idle SQLite writer keeps its connection (and cache) this long


class Busy(Exception):
    """The server can't take this now; the client should retry after ``retry_after`` s."""

    def __init__(self, reason: str, retry_after: int = 1) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


@dataclass
class _Pending:
    messages: Sequence[Message]
    received_at: dt.datetime
    done: threading.Event = field(default_factory=threading.Event)
    error: Exception | None = None


class GroupCommitter:
    """One per process; ``submit`` blocks until the messages are committed."""

    def __init__(self) -> None:
        self._queue: deque[_Pending] = deque()
        self._pending_events = 0
        self._lock = threading.Condition()
        self._writer: threading.Thread | None = None
        self._checkpointer = Checkpointer()

    def submit(self, messages: Sequence[Message], received_at: dt.datetime) -> None:
        """Queue the messages and wait for their commit; raise ``Busy`` or the write error."""
        item = _Pending(messages, received_at)
        with self._lock:
            if self._pending_events + len(messages) > MAX_PENDING_EVENTS:
                raise Busy("too many events are waiting to be written", retry_after=1)
            self._queue.append(item)
            self._pending_events += len(messages)
            self._start_writer()
            self._lock.notify()
        if not item.done.wait(WAIT_SECONDS):
            # It may still be written later; the client's retry is then a harmless duplicate.
            raise Busy("the write took too long", retry_after=2)
        if item.error is not None:
            raise item.error

    def _start_writer(self) -> None:
        # Started lazily, in the process that serves requests (after gunicorn forks).
        if self._writer is None or not self._writer.is_alive():
            self._writer = threading.Thread(
                target=self._run, name="panorama-group-commit", daemon=True
            )
            self._writer.start()

    def _take(self) -> list[_Pending]:
        with self._lock:
            if not self._lock.wait_for(lambda: bool(self._queue), timeout=KEEP_WARM_SECONDS):
                # Idle: give the connection back (with its page cache) until work comes.
                connection.close()
                self._lock.wait_for(lambda: bool(self._queue))
            group: list[_Pending] = []
            size = 0
            while self._queue and (
                not group or size + len(self._queue[0].messages) <= MAX_GROUP_EVENTS
            ):
                item = self._queue.popleft()
                group.append(item)
                size += len(item.messages)
            self._pending_events -= size
            return group

    def _run(self) -> None:
        while True:
            group = self._take()
            if connection.vendor != "sqlite":
                close_old_connections()  # SQLite's is kept open through a burst, see below
            try:
                with _writers_take_turns():
                    errors = write_batches([(item.messages, item.received_at) for item in group])
            except Exception as exc:  # the whole group failed (e.g. database unavailable)
                log.exception("group commit of %d requests failed", len(group))
                connection.close()
                errors = [exc] * len(group)
            if not self._queue and connection.vendor != "sqlite":
                # Idle: give the connection back rather than hold it open between bursts
                # (PostgreSQL counts it, and a database can't be dropped while it's open).
                # Before waking the requests, so nothing they do next finds it still open.
                # SQLite's stays open while requests keep coming: reopening it cost the
                # writer its page cache, so every group re-read the indexes it writes to.
                connection.close()
            for item, error in zip(group, errors, strict=True):
                item.error = error
                item.done.set()
            self._checkpointer.request()


@contextmanager
def _writers_take_turns() -> Iterator[None]:
    """On SQLite, let one process's writer in at a time through a file lock.

    Every web process has its own writer, and SQLite admits one writer: the others would wait
    in SQLite's busy handler, which polls with sleeps of up to 100 ms. A lock in the kernel
    wakes the next writer the moment the previous one commits.
    """
    if connection.vendor != "sqlite":
        yield
        return
    path = Path(settings.DATA_DIR) / "ingest.lock"
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            with connection.cursor() as cursor:
                # The checkpointer copies the WAL into the database after each commit; the
                # writer's own commit checkpoints only if that falls far behind.
                cursor.execute(f"PRAGMA wal_autocheckpoint={WRITER_AUTOCHECKPOINT_PAGES}")
                cursor.execute(f"PRAGMA cache_size=-{WRITER_CACHE_KIB}")
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class Checkpointer:
    """Copies SQLite's write-ahead log into the database file on a thread of its own.

    By default the connection whose commit takes the WAL past 1,000 pages does that copy and
    its fsync, inside the commit, while every other writer waits on the write lock. A group
    of events touches thousands of pages (one per index entry), so that was nearly every
    group. A ``PASSIVE`` checkpoint from another connection runs beside the writers instead
    (SQLite allows it) and never waits for them; it is asked for after each group once the log
    holds ``CHECKPOINT_WAL_BYTES``, and runs one at a time, so requests arriving during one
    coalesce into the next.
    """

    def __init__(self) -> None:
        self._wanted = threading.Event()
        self._thread: threading.Thread | None = None

    def request(self) -> None:
        if connection.vendor != "sqlite":
            return  # PostgreSQL checkpoints on its own
        wal = Path(f"{connection.settings_dict['NAME']}-wal")
        try:
            if wal.stat().st_size < CHECKPOINT_WAL_BYTES:
                # Let the log grow a while: a page rewritten by several groups (the hot
                # rollup pages) is then copied and synced once, not once per group.
                return
        except OSError:
            pass  # no log file to measure (an in-memory database): checkpoint as asked
        self._wanted.set()
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(
                target=self._run, name="panorama-checkpoint", daemon=True
            )
            self._thread.start()

    def _run(self) -> None:
        while True:
            self._wanted.wait()
            self._wanted.clear()
            try:
                with connection.cursor() as cursor:
                    cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
            except Exception:  # the next commit's checkpoint will do; keep the thread alive
                log.warning("WAL checkpoint failed", exc_info=True)
            finally:
                connection.close()


committer = GroupCommitter()
