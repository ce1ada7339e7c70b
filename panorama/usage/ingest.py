"""Writing validated messages: identity, raw events and rollups in one transaction."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

from django.db import transaction

from panorama.core.actors import Actor, acting_as
from panorama.usage.identity import resolve
from panorama.usage.storage import EventRow, SqlEventStore
from panorama.usage.validation import Message

log = logging.getLogger(__name__)

Batch = tuple[Sequence[Message], dt.datetime]  # one request's messages and when it arrived


def write_batches(batches: Sequence[Batch]) -> list[Exception | None]:
    """Store several requests' messages in one transaction; return each request's error.

    Each request resolves identities inside its own savepoint, so one that fails (say, a
    record rule it breaks) is rolled back alone and reported to its sender, while the others
    commit. Raw events of all requests are then inserted together, which is where group
    commit saves its time.

    Messages already stored (a retry, a re-sent batch) are dropped before anything else:
    only the first copy of a message counts, so a retried identify must not re-apply its
    traits over newer ones, and an all-duplicate request costs one indexed look-up.
    """
    errors: list[Exception | None] = []
    rows: list[EventRow] = []
    rebuild: set[int] = set()
    store = SqlEventStore()
    with acting_as(Actor(source="segment")), transaction.atomic():
        seen = store.known_message_ids([m.message_id for ms, _ in batches for m in ms])
        for messages, received_at in batches:
            new = [m for m in messages if m.message_id not in seen]
            seen.update(m.message_id for m in new)
            if not new:
                errors.append(None)
                continue
            try:
                with transaction.atomic():
                    resolution = resolve(new, received_at)
            except Exception as exc:  # reported to that request's sender, logged here
                log.exception("ingestion: a request failed and was rolled back alone")
                errors.append(exc)
                continue
            rows.extend(resolution.rows)
            rebuild |= resolution.rebuild_accounts
            errors.append(None)
        store.store(rows)
        store.rebuild_rollups(rebuild)
    return errors
