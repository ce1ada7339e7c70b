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
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol
from zoneinfo import ZoneInfo

import orjson
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DatabaseError, connection

from panorama.usage.sessions import (
    GAP_US,
    Cluster,
    add_to_clusters,
    micros,
    sessions_in_day,
)
from panorama.usage.sql import in_values
from panorama.usage.validation import Message

ACTIVITY_TYPES = ("track", "page", "screen")
PAGE_TYPES = ("page", "screen")
KEYS_PER_QUERY = 300  # contact-day keys per look-up: far below any limit on parameters
LOOKUP_CHUNK = 5000  # message ids per IN (...) look-up
ONE_DAY = dt.timedelta(days=1)
# The later of the stored and the new time (SQLite's MAX() would answer NULL for a NULL).
_LATEST = (
    "CASE WHEN {table}.last_event_at IS NULL OR excluded.last_event_at > {table}.last_event_at "
    "THEN excluded.last_event_at ELSE {table}.last_event_at END"
)

DayKey = tuple[int, dt.date]  # account, day
ContactDayKey = tuple[int, dt.date, int]  # account, day, contact


@dataclass(slots=True)  # not frozen: a frozen dataclass's __init__ costs three times as much
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
    prepared: Prepared | None = None  # the stored forms, when computed ahead (``prepare``)

    @property
    def is_activity(self) -> bool:
        return self.type in ACTIVITY_TYPES


class Prepared(NamedTuple):
    """A message's stored forms, computed where it is validated rather than in the writer.

    Web processes validate requests in parallel, while one writer stores them in turn: every
    microsecond of per-event work moved out of the writer raises what it can take. A named
    tuple, not a dataclass: it crosses to the writer pickled, and a slotted dataclass takes
    ten times as long to unpickle.
    """

    properties: str  # JSON; an identify's or group's traits
    context: str
    timestamp: Any  # as the database takes it
    day: dt.date  # in the organisation's time zone
    micros: int  # epoch microseconds (``sessions``)


def prepare(messages: Sequence[Message]) -> list[Message]:
    """The messages as the writer needs them: their ``Prepared`` stored forms attached, and
    the properties and context those encode dropped (they cross a socket to the writer, and
    only identity resolution reads a message's dicts: its traits, which are kept)."""
    adapt_time = _time_adapter()
    day_of = _day_function()
    prepared = []
    for m in messages:
        stamp = m.timestamp
        values = m.traits if m.type in ("identify", "group") else m.properties
        forms = Prepared(
            _json(values), _json(m.context), adapt_time(stamp), day_of(stamp),
            micros(stamp),
        )  # fmt: skip
        prepared.append(m.ready_to_store(forms))
    return prepared


@dataclass
class _Change:
    """What a write adds to one rollup row."""

    events: int = 0
    pageviews: int = 0
    sessions: int = 0  # a delta: a late event can join two sessions into one
    last: dt.datetime | None = None

    def latest(self, moment: dt.datetime) -> None:
        if self.last is None or moment > self.last:
            self.last = moment


@dataclass
class _AccountDayChange(_Change):
    active_users: int = 0


@dataclass
class _ContactDayChange(_Change):
    times: list[int] = field(default_factory=list)  # the new events, epoch µs
    clusters: list[Cluster] = field(default_factory=list)  # the day's, once they are added
    is_new_user: bool = False


@dataclass(frozen=True)
class _StoredContactDay:
    events: int
    sessions: int
    clusters: list[Cluster]


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


def _json(value: Any) -> str:
    """A JSON column's text: orjson for what came as JSON (the fast, usual case)."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:  # a value orjson refuses (an import's dates, a huge integer…)
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
        self.zone = ZoneInfo(settings.TIME_ZONE)
        self._midnights: dict[dt.date, int] = {}
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
            self._add_to_rollups(new_activity)
        return stored

    def known_message_ids(self, message_ids: Sequence[str]) -> set[str]:
        """Which of these message ids are stored already (one index look-up per chunk)."""
        known: set[str] = set()
        unique = list(dict.fromkeys(message_ids))
        with connection.cursor() as cursor:
            for start in range(0, len(unique), LOOKUP_CHUNK):
                condition, params = in_values("message_id", unique[start : start + LOOKUP_CHUNK])
                cursor.execute(f"SELECT message_id FROM usage_event WHERE {condition}", params)
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
        p = r.prepared
        if p is not None:
            return (
                r.message_id, r.type, r.name, r.account_id, r.contact_id, r.user_id,
                r.anonymous_id, p.timestamp, self._received(r.received_at), p.properties,
                p.context,
            )  # fmt: skip
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

    def _as_datetime(self, value: Any) -> dt.datetime:
        if isinstance(value, str):  # SQLite hands back text from raw cursors
            value = dt.datetime.fromisoformat(value)
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value

    # --- rollups --------------------------------------------------------------------------

    def _add_to_rollups(self, rows: Sequence[EventRow]) -> None:
        """Fold new activity into the three daily rollups (see ``sessions`` for clusters)."""
        day_of = self.day_of
        account_days: dict[DayKey, _AccountDayChange] = defaultdict(_AccountDayChange)
        contact_days: dict[ContactDayKey, _ContactDayChange] = defaultdict(_ContactDayChange)
        event_days: Counter[tuple[int, dt.date, str]] = Counter()
        for r in rows:
            assert r.account_id is not None
            p = r.prepared
            day = p.day if p is not None else day_of(r.timestamp)
            is_page = r.type in PAGE_TYPES
            totals = account_days[(r.account_id, day)]
            totals.events += 1
            totals.pageviews += is_page
            totals.latest(r.timestamp)
            if r.type == "track":
                event_days[(r.account_id, day, r.name)] += 1
            if r.contact_id is not None:
                change = contact_days[(r.account_id, day, r.contact_id)]
                change.events += 1
                change.pageviews += is_page
                change.latest(r.timestamp)
                change.times.append(p.micros if p is not None else micros(r.timestamp))
        if contact_days:
            self._count_sessions(contact_days, account_days)
        self._upsert(account_days, contact_days, event_days)

    def _count_sessions(
        self,
        contact_days: dict[ContactDayKey, _ContactDayChange],
        account_days: dict[DayKey, _AccountDayChange],
    ) -> None:
        """Merge the new events into their days' clusters and turn them into session deltas.

        Reads the changed contact-days' rows, and a neighbour day's only where an event is
        within 30 minutes of midnight; a day's count changes with its own clusters or with the
        day before's last event, so the changed days and the days after them are recounted.
        """
        midnight = self._midnight_us
        wanted: set[ContactDayKey] = set(contact_days)
        for (account_id, day, contact_id), change in contact_days.items():
            if min(change.times) - midnight(day) < GAP_US:
                wanted.add((account_id, day - ONE_DAY, contact_id))
            if midnight(day + ONE_DAY) - max(change.times) <= GAP_US:
                wanted.add((account_id, day + ONE_DAY, contact_id))
        stored = self._stored_contact_days(wanted)
        clusters = {key: row.clusters for key, row in stored.items()}
        for key, change in contact_days.items():
            before = stored.get(key)
            change.is_new_user = before is None or before.events == 0
            change.clusters = add_to_clusters(clusters.get(key, ()), change.times)
            clusters[key] = change.clusters
        recount = set(contact_days) | {
            (a, day + ONE_DAY, c) for a, day, c in contact_days if (a, day + ONE_DAY, c) in stored
        }
        missing = {
            (a, day - ONE_DAY, c)
            for a, day, c in recount
            if clusters.get((a, day, c)) and clusters[(a, day, c)][0][0] - midnight(day) < GAP_US
        } - set(clusters)
        if missing:  # a recounted day starts near midnight: its eve wasn't read yet
            clusters.update(
                (k, row.clusters) for k, row in self._stored_contact_days(missing).items()
            )
        for a, day, c in recount:
            eve = clusters.get((a, day - ONE_DAY, c), ())
            now = sessions_in_day(clusters.get((a, day, c), ()), eve)
            before = stored.get((a, day, c))
            delta = now - (before.sessions if before else 0)
            if not delta:
                continue
            account_days[(a, day)].sessions += delta
            if (a, day, c) not in contact_days:  # a day after: only its count changes
                contact_days[(a, day, c)].clusters = clusters[(a, day, c)]
            contact_days[(a, day, c)].sessions += delta
        for (a, day, _c), change in contact_days.items():
            account_days[(a, day)].active_users += change.is_new_user and change.events > 0

    def _midnight_us(self, day: dt.date) -> int:
        midnight = self._midnights.get(day)
        if midnight is None:
            midnight = micros(dt.datetime.combine(day, dt.time(), tzinfo=self.zone))
            self._midnights[day] = midnight
        return midnight

    def _stored_contact_days(
        self, keys: Iterable[ContactDayKey]
    ) -> dict[ContactDayKey, _StoredContactDay]:
        """The contact-day rows for these keys that exist (one query per chunk)."""
        day = self.ops.adapt_datefield_value
        mark = "(%s, %s, %s)" if connection.vendor == "sqlite" else "(%s, %s::date, %s)"
        chunks = list(keys)
        found: dict[ContactDayKey, _StoredContactDay] = {}
        with connection.cursor() as cursor:
            for start in range(0, len(chunks), KEYS_PER_QUERY):
                chunk = chunks[start : start + KEYS_PER_QUERY]
                params: list[Any] = []
                for a, d, c in chunk:
                    params += [a, day(d), c]
                # A join, not "(…) IN (VALUES …)", which SQLite answers with a full scan.
                cursor.execute(
                    f"WITH k (a, d, c) AS (VALUES {', '.join([mark] * len(chunk))}) "
                    "SELECT account_id, day, contact_id, events, sessions, clusters "
                    "FROM k JOIN usage_contactday ON account_id = k.a AND day = k.d "
                    "AND contact_id = k.c",
                    params,
                )
                for a, d, c, events, sessions, text in cursor.fetchall():
                    if isinstance(d, str):
                        d = dt.date.fromisoformat(d)
                    pairs = json.loads(text) if isinstance(text, str) else text or []
                    clusters = [(first, last) for first, last in pairs]
                    found[(a, d, c)] = _StoredContactDay(events, sessions, clusters)
        return found

    def _upsert(
        self,
        account_days: dict[DayKey, _AccountDayChange],
        contact_days: dict[ContactDayKey, _ContactDayChange],
        event_days: Counter[tuple[int, dt.date, str]],
    ) -> None:
        day = self.ops.adapt_datefield_value
        time = self.adapt_time
        with connection.cursor() as cursor:
            if contact_days:
                cursor.executemany(
                    "INSERT INTO usage_contactday (account_id, day, contact_id, events, pageviews, "
                    "sessions, clusters, last_event_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) "
                    "ON CONFLICT (account_id, day, contact_id) DO UPDATE SET "
                    "events = usage_contactday.events + excluded.events, "
                    "pageviews = usage_contactday.pageviews + excluded.pageviews, "
                    "sessions = usage_contactday.sessions + excluded.sessions, "
                    "clusters = excluded.clusters, "
                    f"last_event_at = {_LATEST.format(table='usage_contactday')}",
                    [
                        (
                            a, day(d), c, v.events, v.pageviews, v.sessions,
                            _json(v.clusters), time(v.last) if v.last else None,
                        )
                        for (a, d, c), v in contact_days.items()
                    ],
                )  # fmt: skip
            if account_days:
                cursor.executemany(
                    "INSERT INTO usage_accountday (account_id, day, events, pageviews, sessions, "
                    "active_users, last_event_at) VALUES (%s, %s, %s, %s, %s, %s, %s) "
                    "ON CONFLICT (account_id, day) DO UPDATE SET "
                    "events = usage_accountday.events + excluded.events, "
                    "pageviews = usage_accountday.pageviews + excluded.pageviews, "
                    "sessions = usage_accountday.sessions + excluded.sessions, "
                    "active_users = usage_accountday.active_users + excluded.active_users, "
                    f"last_event_at = {_LATEST.format(table='usage_accountday')}",
                    [
                        (
                            a, day(d), v.events, v.pageviews, v.sessions, v.active_users,
                            time(v.last) if v.last else None,
                        )
                        for (a, d), v in account_days.items()
                    ],
                )  # fmt: skip
            if event_days:
                cursor.executemany(
                    "INSERT INTO usage_eventday (account_id, day, name, count) "
                    "VALUES (%s, %s, %s, %s) ON CONFLICT (account_id, day, name) DO UPDATE SET "
                    "count = usage_eventday.count + excluded.count",
                    [(a, day(d), n, c) for (a, d, n), c in event_days.items()],
                )

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
                f"active_users = 0, last_event_at = NULL WHERE account_id IN ({marks})",
                ids,
            )
            cursor.execute(
                "UPDATE usage_contactday SET events = 0, pageviews = 0, sessions = 0, "
                f"clusters = '[]', last_event_at = NULL WHERE account_id IN ({marks})",
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
        self._add_to_rollups(rows)
        with connection.cursor() as cursor:
            for table, column in (
                ("usage_contactday", "events"),
                ("usage_eventday", "count"),
                ("usage_accountday", "events"),
            ):
                cursor.execute(
                    f"DELETE FROM {table} WHERE account_id IN ({marks}) AND {column} = 0", ids
                )
