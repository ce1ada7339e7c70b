"""Where raw events and their daily rollups are kept: the seam to a columnar store.

``EventStore`` is what ingestion and metrics need from storage; ``SqlEventStore`` keeps both
in the records database (SQLite or PostgreSQL) with plain SQL, because this is the hot path:
one multi-row INSERT … ON CONFLICT DO NOTHING RETURNING per chunk tells which messages are
new, and rollups are upserted with additive ON CONFLICT DO UPDATE for those only. Moving
events to a ClickHouse-class engine means another implementation of this interface.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DatabaseError, connection

from panorama.usage.sessions import merged_windows, session_deltas

ACTIVITY_TYPES = ("track", "page", "screen")
PAGE_TYPES = ("page", "screen")
INSERT_CHUNK = 500  # rows per multi-row upsert: far below any limit on parameters
WINDOWS_PER_QUERY = 200  # time windows OR-ed in one neighbour query
LOOKUP_CHUNK = 5000  # message ids per IN (...) look-up


@dataclass(frozen=True)
class EventRow:
    """A message ready to store, with the contact and account identity resolution chose."""

    message_id: str
    type: str
    name: str
    account_id: int | None
    contact_id: int | None
    user_id: str | None
    anonymous_id: str | None
    timestamp: dt.datetime
    received_at: dt.datetime
    properties: dict[str, Any]
    context: dict[str, Any]

    @property
    def is_activity(self) -> bool:
        return self.type in ACTIVITY_TYPES


class ConcurrentWrite(DatabaseError):
    """Events were stored by a writer that did not take its turn: nothing is kept, and the
    sender is asked to retry (a database error answers 503 with ``Retry-After``)."""


class EventStore(Protocol):
    """What Panorama needs from wherever raw events and rollups live."""

    def store(self, rows: Sequence[EventRow]) -> list[EventRow]:
        """Store rows whose message id is new; update rollups for them; return them."""
        ...

    def rebuild_rollups(self, account_ids: Iterable[int]) -> None:
        """Recompute every rollup of these accounts from their raw events."""
        ...

    def known_message_ids(self, message_ids: Sequence[str]) -> set[str]:
        """Which of these message ids are stored already."""
        ...


def _json(value: dict[str, Any]) -> str:
    """A JSON column's text: the plain encoder for what came as JSON (the fast, usual case)."""
    try:
        return json.dumps(value)
    except TypeError:  # a value that didn't come from JSON (an import's dates, say)
        return json.dumps(value, cls=DjangoJSONEncoder)


def _day_function() -> Any:
    zone = ZoneInfo(settings.TIME_ZONE)
    return lambda moment: moment.astimezone(zone).date()


def _time_adapter() -> Any:
    """Aware datetimes as the database takes them, without Django's per-value checks.

    On SQLite that is Django's own stored form, naive UTC text (what
    ``adapt_datetimefield_value`` produces, at a fraction of its cost on the hot path).
    """
    if connection.vendor != "sqlite":
        return connection.ops.adapt_datetimefield_value
    utc = dt.UTC
    return lambda value: str(value.astimezone(utc).replace(tzinfo=None))


class SqlEventStore:
    """Raw events and rollups in the records database, written with plain SQL."""

    def __init__(self) -> None:
        self.ops = connection.ops
        self.day_of = _day_function()
        self.adapt_time = _time_adapter()
        self._received_at: dt.datetime | None = None
        self._received_value: Any = None

    # --- raw events -----------------------------------------------------------------------

    def store(self, rows: Sequence[EventRow]) -> list[EventRow]:
        """Insert the rows not stored yet (by message id) and fold them into the rollups.

        Must run inside the caller's transaction: events and rollups commit together.
        """
        # The first copy of a message id is the one stored (and so the one counted), also
        # when a request and its retry land in the same group commit.
        unique: dict[str, EventRow] = {}
        for row in rows:
            unique.setdefault(row.message_id, row)
        rows = list(unique.values())
        if not rows:
            return []
        known = self.known_message_ids(list(unique))
        stored = [row for row in rows if row.message_id not in known]
        if not stored:
            return []
        stored_ids = {row.message_id for row in stored}
        with connection.cursor() as cursor:
            # One prepared statement for every row: cheaper than a multi-row VALUES with
            # thousands of parameters to parse. Ingestion writers take turns (SQLite's write
            # lock, PostgreSQL's advisory lock), so rows not known above are new; a count that
            # disagrees means a writer that doesn't take turns: refuse rather than miscount.
            cursor.executemany(self._insert_sql(), [self._insert_params(r) for r in stored])
            if cursor.rowcount not in (len(stored), -1):
                raise ConcurrentWrite(
                    f"{len(stored) - cursor.rowcount} of {len(stored)} events were stored by "
                    "another writer meanwhile"
                )
        new_activity = [r for r in stored if r.is_activity and r.account_id is not None]
        if new_activity:
            neighbours = self._neighbour_times(
                [r for r in new_activity if r.contact_id is not None], stored_ids
            )
            self._add_to_rollups(new_activity, neighbours)
        return stored

    def known_message_ids(self, message_ids: Sequence[str]) -> set[str]:
        """Which of these message ids are stored already (one index look-up per chunk)."""
        known: set[str] = set()
        unique = list(dict.fromkeys(message_ids))
        with connection.cursor() as cursor:
            for start in range(0, len(unique), LOOKUP_CHUNK):
                chunk = unique[start : start + LOOKUP_CHUNK]
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(
                    f"SELECT message_id FROM usage_event WHERE message_id IN ({marks})", chunk
                )
                known.update(row[0] for row in cursor.fetchall())
        return known

    def _insert_sql(self) -> str:
        return (
            "INSERT INTO usage_event (message_id, type, name, account_id, contact_id, user_id, "
            "anonymous_id, timestamp, received_at, properties, context) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (message_id) DO NOTHING"
        )

    def _insert_params(self, r: EventRow) -> tuple[Any, ...]:
        adapt_time = self.adapt_time
        return (
            r.message_id,
            r.type,
            r.name,
            r.account_id,
            r.contact_id,
            r.user_id,
            r.anonymous_id,
            adapt_time(r.timestamp),
            self._received(r.received_at),
            _json(r.properties),
            _json(r.context),
        )

    def _received(self, moment: dt.datetime) -> Any:
        # A request's rows share one arrival time: adapt it once.
        if moment != self._received_at:
            self._received_at, self._received_value = moment, self.adapt_time(moment)
        return self._received_value

    def _neighbour_times(
        self, rows: Sequence[EventRow], new_ids: set[str]
    ) -> dict[tuple[int, int], list[dt.datetime]]:
        """Already-stored activity of each (account, contact) within 30 minutes of a new event.

        Only those can change a session start (see ``sessions``): reading ±30 minutes around
        each new event, windows merged per contact, keeps this a handful of index range scans
        however long the contact's history is.
        """
        times: dict[tuple[int, int], list[dt.datetime]] = defaultdict(list)
        for r in rows:
            assert r.account_id is not None and r.contact_id is not None
            times[(r.account_id, r.contact_id)].append(r.timestamp)
        windows: list[tuple[int, int, dt.datetime, dt.datetime]] = []
        for (account_id, contact_id), moments in times.items():
            for low, high in merged_windows(moments):
                windows.append((account_id, contact_id, low, high))
        adapt = self.adapt_time
        found: dict[tuple[int, int], list[dt.datetime]] = defaultdict(list)
        with connection.cursor() as cursor:
            for start in range(0, len(windows), WINDOWS_PER_QUERY):
                chunk = windows[start : start + WINDOWS_PER_QUERY]
                ranges = " OR ".join(
                    ["(contact_id = %s AND timestamp BETWEEN %s AND %s AND account_id = %s)"]
                    * len(chunk)
                )
                params: list[Any] = []
                for account_id, contact_id, low, high in chunk:
                    params += [contact_id, adapt(low), adapt(high), account_id]
                cursor.execute(
                    "SELECT message_id, account_id, contact_id, timestamp FROM usage_event "
                    f"WHERE type IN ('track', 'page', 'screen') AND ({ranges})",
                    params,
                )
                for message_id, account_id, contact_id, moment in cursor.fetchall():
                    if message_id not in new_ids:
                        found[(account_id, contact_id)].append(self._as_datetime(moment))
        return found

    def _as_datetime(self, value: Any) -> dt.datetime:
        if isinstance(value, str):  # SQLite hands back text from raw cursors
            value = dt.datetime.fromisoformat(value)
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value

    # --- rollups --------------------------------------------------------------------------

    def _add_to_rollups(
        self, rows: Sequence[EventRow], neighbours: dict[tuple[int, int], list[dt.datetime]]
    ) -> None:
        day_of = self.day_of
        account_days: dict[tuple[int, dt.date], list[int]] = defaultdict(lambda: [0, 0, 0])
        contact_days: dict[tuple[int, dt.date, int], list[int]] = defaultdict(lambda: [0, 0, 0])
        event_days: Counter[tuple[int, dt.date, str]] = Counter()
        by_pair: dict[tuple[int, int], list[dt.datetime]] = defaultdict(list)
        for r in rows:
            assert r.account_id is not None
            day = day_of(r.timestamp)
            is_page = r.type in PAGE_TYPES
            totals = account_days[(r.account_id, day)]
            totals[0] += 1
            totals[1] += is_page
            if r.type == "track":
                event_days[(r.account_id, day, r.name)] += 1
            if r.contact_id is not None:
                per_contact = contact_days[(r.account_id, day, r.contact_id)]
                per_contact[0] += 1
                per_contact[1] += is_page
                by_pair[(r.account_id, r.contact_id)].append(r.timestamp)
        for (account_id, contact_id), times in by_pair.items():
            deltas = session_deltas(neighbours.get((account_id, contact_id), []), times, day_of)
            for day, delta in deltas.items():
                contact_days[(account_id, day, contact_id)][2] += delta
                account_days[(account_id, day)][2] += delta
        self._upsert(account_days, contact_days, event_days)

    def _upsert(
        self,
        account_days: dict[tuple[int, dt.date], list[int]],
        contact_days: dict[tuple[int, dt.date, int], list[int]],
        event_days: Counter[tuple[int, dt.date, str]],
    ) -> None:
        day = self.ops.adapt_datefield_value
        active = self._upsert_contact_days(contact_days)
        with connection.cursor() as cursor:
            if account_days:
                cursor.executemany(
                    "INSERT INTO usage_accountday (account_id, day, events, pageviews, sessions, "
                    "active_users) VALUES (%s, %s, %s, %s, %s, %s) "
                    "ON CONFLICT (account_id, day) DO UPDATE SET "
                    "events = usage_accountday.events + excluded.events, "
                    "pageviews = usage_accountday.pageviews + excluded.pageviews, "
                    "sessions = usage_accountday.sessions + excluded.sessions, "
                    "active_users = usage_accountday.active_users + excluded.active_users",
                    [
                        (a, day(d), *v, active[(a, d.isoformat())])
                        for (a, d), v in account_days.items()
                    ],
                )
            if event_days:
                cursor.executemany(
                    "INSERT INTO usage_eventday (account_id, day, name, count) "
                    "VALUES (%s, %s, %s, %s) ON CONFLICT (account_id, day, name) DO UPDATE SET "
                    "count = usage_eventday.count + excluded.count",
                    [(a, day(d), n, c) for (a, d, n), c in event_days.items()],
                )

    def _upsert_contact_days(
        self, contact_days: dict[tuple[int, dt.date, int], list[int]]
    ) -> Counter[tuple[int, str]]:
        """Add to the per-contact rows; return how many contacts are new to each account-day.

        A row whose total after the upsert equals what this write added was empty before: its
        contact is a new active user that day. Reading that from the upsert itself (RETURNING)
        stays right when two PostgreSQL transactions add the same contact at once, where
        looking first would count them twice.
        """
        day = self.ops.adapt_datefield_value
        new_users: Counter[tuple[int, str]] = Counter()
        items = list(contact_days.items())
        with connection.cursor() as cursor:
            for start in range(0, len(items), INSERT_CHUNK):
                chunk = items[start : start + INSERT_CHUNK]
                params: list[Any] = []
                for (a, d, c), (events, pageviews, sessions) in chunk:
                    params += [a, day(d), c, events, pageviews, sessions]
                values = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(chunk))
                cursor.execute(
                    "INSERT INTO usage_contactday (account_id, day, contact_id, events, pageviews, "
                    f"sessions) VALUES {values} "
                    "ON CONFLICT (account_id, day, contact_id) DO UPDATE SET "
                    "events = usage_contactday.events + excluded.events, "
                    "pageviews = usage_contactday.pageviews + excluded.pageviews, "
                    "sessions = usage_contactday.sessions + excluded.sessions "
                    "RETURNING account_id, day, contact_id, events",
                    params,
                )
                added = {(a, d.isoformat(), c): v[0] for (a, d, c), v in chunk}
                for a, d, c, total in cursor.fetchall():
                    key = (a, d if isinstance(d, str) else d.isoformat(), c)
                    if added[key] > 0 and total == added[key]:
                        new_users[(a, key[1])] += 1
        return new_users

    def rebuild_rollups(self, account_ids: Iterable[int]) -> None:
        """Recompute the rollups of ``account_ids`` from raw events (after identity merges).

        Deletes and re-adds through the same code path as ingestion, so a rebuild and the
        incremental result agree by construction as well as by test.
        """
        ids = sorted(set(account_ids))
        if not ids:
            return
        marks = ", ".join(["%s"] * len(ids))
        with connection.cursor() as cursor:
            # Zero the counts rather than delete the rows, so each day keeps its row; rows
            # still empty after the re-count (a contact merged away) are removed after.
            cursor.execute(
                "UPDATE usage_accountday SET events = 0, pageviews = 0, sessions = 0, "
                f"active_users = 0 WHERE account_id IN ({marks})",
                ids,
            )
            cursor.execute(
                "UPDATE usage_contactday SET events = 0, pageviews = 0, sessions = 0 "
                f"WHERE account_id IN ({marks})",
                ids,
            )
            cursor.execute(
                f"UPDATE usage_eventday SET count = 0 WHERE account_id IN ({marks})", ids
            )
            cursor.execute(
                "SELECT message_id, type, name, account_id, contact_id, timestamp FROM usage_event "
                f"WHERE account_id IN ({marks}) AND type IN ('track', 'page', 'screen')",
                ids,
            )
            rows = [
                EventRow(m, t, n, a, c, None, None, self._as_datetime(ts), ts, {}, {})
                for m, t, n, a, c, ts in cursor.fetchall()
            ]
        self._add_to_rollups(rows, {})
        with connection.cursor() as cursor:
            for table, column in (
                ("usage_contactday", "events"),
                ("usage_eventday", "count"),
                ("usage_accountday", "events"),
            ):
                cursor.execute(
                    f"DELETE FROM {table} WHERE account_id IN ({marks}) AND {column} = 0", ids
                )
