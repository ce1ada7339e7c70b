"""Writing validated messages: identity, raw events and rollups in one transaction."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

from django.db import connection, transaction

from panorama.core.actors import Actor, acting_as
from panorama.usage.identity import resolve
from panorama.usage.storage import SqlEventStore
from panorama.usage.validation import Message

log = logging.getLogger(__name__)

INGEST_LOCK_KEY = 0x50414E4F  # "PANO": the advisory lock ingestion writers take turns on

Batch = tuple[Sequence[Message], dt.datetime]  # one request's messages and when it arrived


def write_batches(batches: Sequence[Batch]) -> list[Exception | None]:
    """Store several requests' messages in one transaction; return each request's error.

    Each request resolves identities and stores its events inside its own savepoint, so one
    that fails (say, a record rule it breaks) is rolled back alone and reported to its
    sender, while the others commit together: one commit for the group is where group commit
    saves its time. Each request's events are stored before the next request is resolved,
    so an identify in a later request also links the events of an earlier one.

    Messages already stored (a retry, a re-sent batch) are dropped before anything else:
    only the first copy of a message counts, so a retried identify must not re-apply its
    traits over newer ones, and an all-duplicate request costs one indexed look-up.
    """
    errors: list[Exception | None] = []
    rebuild: set[int] = set()
    store = SqlEventStore()
    with acting_as(Actor(source="segment")), transaction.atomic():
        _one_writer_at_a_time()
        seen = store.known_message_ids([m.message_id for ms, _ in batches for m in ms])
        for messages, received_at in batches:
            new = [m for m in messages if m.message_id not in seen]
            if not new:
                errors.append(None)
                continue
            try:
                with transaction.atomic():
                    resolution = resolve(new, received_at)
                    store.store(resolution.rows)
            except Exception as exc:  # reported to that request's sender, logged here
                log.exception("ingestion: a request failed and was rolled back alone")
                errors.append(exc)
                continue
            seen.update(m.message_id for m in new)  # only once they are really stored
            rebuild |= resolution.rebuild_accounts
            errors.append(None)
        store.rebuild_rollups(rebuild)
    return errors


def _one_writer_at_a_time() -> None:
    """On PostgreSQL, serialise ingestion transactions (SQLite's write lock already does).

    Sessions are recounted from the stored events around new ones; two transactions writing
    the same contact at once would each miss the other's uncommitted events and both count a
    session start. A transaction-level advisory lock makes them take turns, as on SQLite.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [INGEST_LOCK_KEY])
