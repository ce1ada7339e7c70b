"""Importing Segment messages from a JSON Lines file (``panorama import-events``).

Each line is one message as it would appear in a ``/v1/batch`` entry (it may also carry
``sentAt`` and ``receivedAt``). Lines are validated exactly like the HTTP API does
(``validation.parse_message``) and written through the same ``ingest.write_batches``, so the
rules — identity resolution, rollups, one event per ``messageId`` — are the HTTP API's. What
differs: errors name the line instead of ``batch[i]``, a bad line is reported and skipped
rather than failing the whole file, and a line's own ``receivedAt`` is kept so history keeps
its original receive times.
"""

from __future__ import annotations

import datetime as dt
import gzip
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Protocol

from django.db import connection, transaction

from panorama.core import clock
from panorama.usage.ingest import write_batches
from panorama.usage.models import Event
from panorama.usage.validation import (
    MAX_EVENT_BYTES,
    MAX_FUTURE,
    InvalidPayload,
    Message,
    decode_json,
    parse_message,
    parse_time,
)

CHUNK_SIZE = 2000  # messages per transaction: big enough to amortise, small enough to not hog
MAX_KEPT_ERRORS = 1000  # rejected lines remembered with their reason (all are counted)
GZIP_MAGIC = b"\x1f\x8b"
BOM = b"\xef\xbb\xbf"
READ_BLOCK = 64 * 1024

Progress = Callable[[int], None]  # called with the number of (compressed) bytes newly read


@dataclass
class ImportSummary:
    """What an import did: line counts, and the first rejected lines with their reason.

    Every line is exactly one of blank, stored, duplicate or rejected, so
    ``lines_read == blank + stored + duplicates + rejected``. In a dry run ``stored`` counts
    the messages that would have been stored.
    """

    lines_read: int = 0
    blank: int = 0
    stored: int = 0
    duplicates: int = 0
    rejected: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    dry_run: bool = False

    def reject(self, line: int, reason: str) -> None:
        """Count a rejected line; remember its reason while under ``MAX_KEPT_ERRORS``."""
        self.rejected += 1
        if len(self.errors) < MAX_KEPT_ERRORS:
            self.errors.append((line, reason))


class ImportAborted(Exception):
    """The file could not be read to the end; ``summary`` says what was done before."""

    def __init__(self, message: str, summary: ImportSummary) -> None:
        super().__init__(message)
        self.summary = summary


class _LineStream(Protocol):
    """What is read line by line: the file itself, or a gzip reader over it."""

    def readline(self, size: int = -1, /) -> bytes: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class _Parsed:
    """A valid line: its number, its message and the receive time it is stored with."""

    line: int
    message: Message
    received_at: dt.datetime


def _open(path: str | os.PathLike[str]) -> tuple[IO[bytes], _LineStream]:
    """The raw file (for progress) and the stream of its lines (gunzipped if need be)."""
    raw = open(path, "rb")  # noqa: SIM115 — closed by the caller, with the gzip wrapper
    try:
        # Recognise gzip by content as well as by name: ``events.jsonl`` is sometimes gzip.
        magic = raw.read(2)
        raw.seek(0)
    except OSError:
        raw.close()
        raise
    if magic == GZIP_MAGIC or os.fspath(path).endswith(".gz"):
        return raw, gzip.GzipFile(fileobj=raw, mode="rb")
    return raw, raw


def _lines(stream: _LineStream) -> Iterator[bytes | None]:
    """Each line without its line ending, or None for a line over the size limit.

    Lines are read with a limit so one enormous line (a corrupt file, a missing newline)
    costs a bounded amount of memory: the rest of it is read and thrown away.
    """
    limit = MAX_EVENT_BYTES + 2  # the event, plus room for "\r\n"
    while True:
        line = stream.readline(limit)
        if not line:
            return
        if not line.endswith(b"\n") and len(line) == limit:
            while (rest := stream.readline(READ_BLOCK)) and not rest.endswith(b"\n"):
                pass
            yield None
            continue
        line = line.rstrip(b"\r\n")
        yield None if len(line) > MAX_EVENT_BYTES else line


def _parse_line(line: bytes, started_at: dt.datetime) -> tuple[Message, dt.datetime]:
    """Validate one line as the HTTP API validates a batch entry (raises ``InvalidPayload``)."""
    raw = decode_json(line, what="")
    if not isinstance(raw, dict):
        raise InvalidPayload("invalid_event", "must be a JSON object (one message per line)")
    received_at = started_at
    if raw.get("receivedAt") is not None:
        received_at = parse_time(raw["receivedAt"], "receivedAt")
        if received_at - started_at > MAX_FUTURE:
            raise InvalidPayload(
                "invalid_timestamp", "receivedAt is more than 24 hours in the future"
            )
    # index=None: parse_message then names fields bare ("event is required …"), and the
    # caller prefixes the line number instead of "batch[i]".
    message = parse_message(
        raw, kind=None, index=None, received_at=received_at, sent_at=raw.get("sentAt")
    )
    return message, received_at


class _Writer:
    """Collects valid messages and writes (or, in a dry run, only counts) a chunk at a time."""

    def __init__(self, summary: ImportSummary, *, dry_run: bool) -> None:
        self.summary = summary
        self.dry_run = dry_run
        self.pending: list[_Parsed] = []
        self.pending_ids: set[str] = set()
        # A dry run stores nothing, so repeats across chunks are only known from memory.
        self.seen: set[str] = set()

    def add(self, parsed: _Parsed) -> None:
        """Queue a message; a repeat of one already queued is a duplicate straight away."""
        message_id = parsed.message.message_id
        if message_id in self.pending_ids or (self.dry_run and message_id in self.seen):
            self.summary.duplicates += 1
            return
        self.pending.append(parsed)
        self.pending_ids.add(message_id)
        if len(self.pending) >= CHUNK_SIZE:
            self.flush()

    def flush(self) -> None:
        """Write the queued messages in one transaction and count new versus duplicates."""
        chunk, ids = self.pending, self.pending_ids
        self.pending, self.pending_ids = [], set()
        if not chunk:
            return
        if self.dry_run:
            existing = set(
                Event.objects.filter(message_id__in=ids).values_list("message_id", flat=True)
            )
            self.summary.duplicates += len(existing)
            self.summary.stored += len(chunk) - len(existing)
            self.seen |= ids
            return
        with transaction.atomic():
            # Counted inside the transaction (SQLite takes the write lock at BEGIN), so no
            # other writer can store one of these ids between the look-up and the insert.
            existing = set(
                Event.objects.filter(message_id__in=ids).values_list("message_id", flat=True)
            )
            # Stored messages are not passed on at all: re-importing an old file must not
            # re-apply its identify/group traits over newer ones, and it stays cheap.
            fresh = [p for p in chunk if p.message.message_id not in existing]
            error = self._write(fresh)
        self.summary.duplicates += len(chunk) - len(fresh)
        if error is None:
            self.summary.stored += len(fresh)
            return
        for parsed in fresh:
            self.summary.reject(parsed.line, f"not stored: {error}")

    @staticmethod
    def _write(fresh: list[_Parsed]) -> Exception | None:
        """Store new messages as one batch (rolled back alone if it fails); return its error."""
        if not fresh:
            return None
        written_as = fresh[0].received_at
        (error,) = write_batches([([p.message for p in fresh], written_as)])
        if error is None:
            _keep_receive_times(fresh, written_as)
        return error


def _keep_receive_times(stored: list[_Parsed], written_as: dt.datetime) -> None:
    """Set ``received_at`` of the events just stored whose line had its own ``receivedAt``.

    ``write_batches`` takes one receive time per batch. One batch per line would keep each
    line's own time but resolve identities line by line (30 times slower for a history
    export, where every line has a different ``receivedAt``); so the chunk is written as one
    batch and the times are corrected here, in the same transaction. Rollups and event
    times don't depend on ``received_at``: the clock-skew correction already used the line's.
    """
    differing = [p for p in stored if p.received_at != written_as]
    if not differing:
        return
    # One prepared UPDATE run for many rows: far cheaper than an ORM update per row, or a
    # CASE with a branch per row that Django has to compile.
    table = connection.ops.quote_name(Event._meta.db_table)
    adapt_time = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET received_at = %s WHERE message_id = %s",
            [(adapt_time(p.received_at), p.message.message_id) for p in differing],
        )


def import_events(
    path: str | os.PathLike[str], *, dry_run: bool = False, progress: Progress | None = None
) -> ImportSummary:
    """Validate and store every message of a JSON Lines file (``.gz`` read transparently).

    Bad lines are counted and skipped; valid ones are stored in chunks of ``CHUNK_SIZE``, each
    in its own transaction, so an interrupted import keeps what it committed and re-running it
    stores only the rest. ``progress`` gets the bytes read from disk (compressed bytes for
    gzip). Raises ``OSError`` if the file can't be opened, and ``ImportAborted`` (with the
    summary so far) if it can't be read to the end.
    """
    summary = ImportSummary(dry_run=dry_run)
    writer = _Writer(summary, dry_run=dry_run)
    started_at = clock.now()
    raw, stream = _open(path)
    reported = 0
    try:
        for number, line in enumerate(_lines(stream), start=1):
            summary.lines_read = number
            if number == 1 and line is not None and line.startswith(BOM):
                line = line[len(BOM) :]
            if line is None:
                summary.reject(number, "larger than 32 KB (event_too_large)")
            elif not line.strip():
                summary.blank += 1
            else:
                try:
                    message, received_at = _parse_line(line, started_at)
                except InvalidPayload as exc:
                    summary.reject(number, exc.message)
                else:
                    writer.add(_Parsed(number, message, received_at))
            if progress is not None and number % 256 == 0:
                position = raw.tell()
                progress(position - reported)
                reported = position
        writer.flush()
    except (OSError, EOFError) as exc:
        # A truncated or corrupt gzip shows up only part-way through: store the lines read
        # before it, as earlier chunks were, and say what was done rather than just failing.
        writer.flush()
        raise ImportAborted(f"{os.fspath(path)}: {exc}", summary) from exc
    finally:
        if progress is not None and not raw.closed:
            progress(raw.tell() - reported)
        stream.close()
        raw.close()
    return summary
