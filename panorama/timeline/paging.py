"""Finding the ids of a timeline page in one or two SQL statements, whatever the table's size.

- Every entry is linked to its accounts and contacts by rows that copy ``occurred_at`` and
  ``kind``; the link indexes ``(account, -occurred_at, -entry)``, ``(account, kind, …)`` and
  ``(contact, -occurred_at, -entry)`` give any timeline newest-first as one index range scan,
  stopped after ``limit`` rows past the keyset cursor (a *walk*).
- A type filter walks one ``(account, kind)`` range per kind and merges the walks (a page's
  worth of rows each) instead of sorting every entry of those kinds.
- A parent account with its sub-accounts walks each account and merges them.
- A person filter walks the contact's range and keeps entries also on the account(s). A team
  member who wrote few entries: walk theirs (index ``entry_actor_timeline``) and keep those on
  the account(s); one who wrote many: walk the account's and check each entry's author.
- Search on SQLite (FTS5): ``plan_search`` counts the matches, stopping at the number past
  which probing beats looking up. Few matches are *looked up* first (the full-text index,
  then each match's link to the account: cost ∝ matches). Many are met along the walk,
  which *probes* each entry (an FTS5 rowid seek, cost ∝ rows walked, about page size *
  entries / matches). A probing walk looks at most ``window`` rows; if those hold too few
  matches (the word is common elsewhere, rare here), a second statement looks the matches
  up instead.
- Search on PostgreSQL: one form (``entry_id IN (entries whose tsvector matches)``), planned
  by PostgreSQL from its statistics of the ``search_vector`` column.

Everything the user typed reaches the database as parameters; table and column names come
from the models, never from input.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection

from panorama.timeline.models import Entry, EntryAccount, EntryContact
from panorama.timeline.registry import ENTRY_TYPES
from panorama.timeline.search import SearchTerms, fts5_query

ACCOUNT_LINKS = EntryAccount._meta.db_table
CONTACT_LINKS = EntryContact._meta.db_table
ENTRIES = Entry._meta.db_table
FTS = "timeline_entry_fts"
VOCAB = "timeline_entry_fts_vocab"
ORDER = "ORDER BY {a}.occurred_at DESC, {a}.entry_id DESC"
# Entries as a walkable source like the link tables: one team member's, newest first (the
# index ``entry_actor_timeline``), for the person filter when they wrote few entries.
ENTRIES_BY_ACTOR = f"(SELECT id AS entry_id, occurred_at, kind, actor_id FROM {ENTRIES})"
ACTOR_WALK_LIMIT = 20_000

# SQLite caps a compound SELECT at 500 terms; past this many walks, walk per account.
MAX_BRANCHES = 120
# A prefix ("renew") stands for the words of the vocabulary it starts ("renewal"…).
PREFIX_ALTERNATIVES = 40
# Measured on SQLite 3.40: probing one walked entry (an FTS5 rowid seek) costs about as much
# as looking up ~100 matches (reading a doclist entry, probing the link's unique index).
PROBE_COST = 100
WINDOW_FACTOR = 2  # a probing walk looks at twice the rows it expects to need…
MIN_WINDOW = 500


@dataclass(frozen=True)
class Source:
    """One index range to walk: a link table's rows of one account or contact."""

    table: str
    column: str
    owner_id: int


@dataclass(frozen=True)
class Subquery:
    """SQL returning ids, with its parameters."""

    sql: str
    params: tuple[Any, ...]


@dataclass
class Keyset:
    """A position in a timeline: entries before it come next."""

    occurred_at: dt.datetime
    entry_id: int


@dataclass
class Filters:
    kinds: list[str] | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    actor_id: int | None = None
    # Entries must also be on one of these accounts: ids, or a subquery of ids.
    on_accounts: list[int] | Subquery | None = None
    after: Keyset | None = None


@dataclass(frozen=True)
class SearchPlan:
    """A search ready for the engine: FTS5 MATCH text or tsquery text, and how to run it."""

    query: str
    lookup_first: bool = False
    window: int = 0  # SQLite probing walks: rows looked at before looking matches up


def plan_search(terms: SearchTerms, limit: int) -> SearchPlan | None:
    """The engine's query for ``terms`` and, on SQLite, its plan (see the module doc).

    The last word is taken as a prefix only when no entry holds it as a whole word (the
    person is still typing it). None when nothing can match. SQLite: one query (two when
    the last word is a prefix); PostgreSQL: one.
    """
    if connection.vendor == "postgresql":
        return _plan_postgresql(terms)
    words = list(terms.words)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT coalesce(max(id), 0) FROM {ENTRIES}")
        total = cursor.fetchone()[0]
        # Past this many matches, probing a walk costs less than looking them all up.
        enough = max(1, math.ceil(math.sqrt(PROBE_COST * limit * total)))
        query = fts5_query(words)
        matches = _count(cursor, query, enough)
        if not matches and terms.prefix:
            cursor.execute(
                f"SELECT term FROM {VOCAB} WHERE term > %s AND term < %s LIMIT %s",
                [words[-1], words[-1] + "\uffff", PREFIX_ALTERNATIVES],
            )
            alternatives = [row[0] for row in cursor.fetchall()]
            if alternatives:
                query = fts5_query(words[:-1], alternatives)
                matches = _count(cursor, query, enough)
    if not matches:
        return None
    if matches < enough:
        return SearchPlan(query, lookup_first=True)
    walked = limit * total / matches  # rows a walk needs for a page, matches spread evenly
    return SearchPlan(query, window=max(MIN_WINDOW, math.ceil(WINDOW_FACTOR * walked)))


def _count(cursor: Any, query: str, enough: int) -> int:
    """How many entries match, counting no further than ``enough`` (the index's first
    rowids: cheap even for a word in every entry)."""
    cursor.execute(
        f"SELECT count(*) FROM (SELECT rowid FROM {FTS} WHERE {FTS} MATCH %s LIMIT %s)",
        [query, enough],
    )
    return int(cursor.fetchone()[0])


def _plan_postgresql(terms: SearchTerms) -> SearchPlan | None:
    exact = terms.tsquery(prefix=False)
    if not terms.prefix:
        return SearchPlan(exact)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT EXISTS (SELECT 1 FROM {ENTRIES} "
            f"WHERE search_vector @@ to_tsquery('simple', %s))",
            [exact],
        )
        held = cursor.fetchone()[0]
    return SearchPlan(exact if held else terms.tsquery(prefix=True))


def page_ids(
    sources: list[Source], filters: Filters, search: SearchPlan | None, limit: int
) -> list[int]:
    """The ids of the first ``limit`` entries of the sources' merged walks, newest first."""
    if search is not None and search.lookup_first:
        return _ids(*_lookup(sources, filters, search, limit), limit)
    per_kind = (
        filters.kinds is not None
        and len(filters.kinds) < len(ENTRY_TYPES)
        and all(s.table == ACCOUNT_LINKS for s in sources)
        and len(sources) * len(filters.kinds) <= MAX_BRANCHES
    )
    kinds: list[str | None] = list(filters.kinds or []) if per_kind else [None]
    windowed = search is not None and bool(search.window)
    branches = []
    edges: list[tuple[str, list[Any]]] = []
    for source in sources:
        for kind in kinds:
            edge = f"edge{len(edges)}" if windowed else None
            if edge is not None:
                assert search is not None
                edges.append(_edge(edge, source, filters, kind, search.window))
            branches.append(_walk(source, filters, search, kind, limit, edge))
    if len(branches) == 1:
        sql, params = branches[0]
    else:
        union = " UNION ALL ".join(
            f"SELECT * FROM ({sql}) b{i}" for i, (sql, _) in enumerate(branches)
        )
        sql = (
            f"SELECT DISTINCT u.entry_id, u.occurred_at FROM ({union}) u "
            f"{ORDER.format(a='u')} LIMIT %s"
        )
        params = [p for _, branch_params in branches for p in branch_params] + [limit]
    if not windowed:
        return _ids(sql, params, limit)
    assert search is not None
    # A row of NULLs says a window ran out before a page of matches: the words are rarer
    # here than in the whole table. Then (only then) look the matches up instead.
    ran_out = " + ".join(f"(SELECT n FROM edge{i})" for i in range(len(edges)))
    sql = (
        f"WITH {', '.join(e for e, _ in edges)}, page AS ({sql}) "
        f"SELECT entry_id, occurred_at FROM page UNION ALL "
        f"SELECT NULL, NULL WHERE (SELECT count(*) FROM page) < %s AND {ran_out} > 0"
    )
    edge_params = [p for _, ps in edges for p in ps]
    rows = _rows(sql, [*edge_params, *params, limit])
    if (None, None) in rows:
        return _ids(*_lookup(sources, filters, search, limit), limit)
    return _newest(rows, limit)


def writes_few(actor_id: int) -> bool:
    """Whether the team member wrote fewer than ``ACTOR_WALK_LIMIT`` entries (counting no
    further): then walking their entries beats walking an account's looking for theirs."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM {ENTRIES} WHERE actor_id = %s LIMIT %s) n",
            [actor_id, ACTOR_WALK_LIMIT],
        )
        return int(cursor.fetchone()[0]) < ACTOR_WALK_LIMIT


def _rows(sql: str, params: Sequence[Any]) -> set[tuple[Any, Any]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return set(cursor.fetchall())


def _newest(rows: set[tuple[Any, Any]], limit: int) -> list[int]:
    """Distinct ids of ``(entry_id, occurred_at)`` rows, newest first, at most ``limit``."""
    return [pk for pk, _ in sorted(rows, key=lambda row: (row[1], row[0]), reverse=True)][:limit]


def _ids(sql: str, params: Sequence[Any], limit: int) -> list[int]:
    return _newest(_rows(sql, params), limit)


def _dt(value: dt.datetime) -> Any:
    return connection.ops.adapt_datetimefield_value(value)


def _conditions(alias: str, filters: Filters, kind: str | None) -> tuple[list[str], list[Any]]:
    """Conditions on a link row that its index range serves: type, dates, cursor."""
    where: list[str] = []
    params: list[Any] = []
    if kind is not None:
        where.append(f"{alias}.kind = %s")
        params.append(kind)
    elif filters.kinds is not None:
        where.append(f"{alias}.kind IN ({', '.join(['%s'] * len(filters.kinds))})")
        params += filters.kinds
    if filters.since is not None:
        where.append(f"{alias}.occurred_at >= %s")
        params.append(_dt(filters.since))
    if filters.until is not None:
        where.append(f"{alias}.occurred_at < %s")
        params.append(_dt(filters.until))
    if filters.after is not None:
        # "<=" bounds the index range; the OR only sorts out entries at the same instant.
        where.append(
            f"{alias}.occurred_at <= %s AND ({alias}.occurred_at < %s OR {alias}.entry_id < %s)"
        )
        moment = _dt(filters.after.occurred_at)
        params += [moment, moment, filters.after.entry_id]
    return where, params


def _checks(alias: str, filters: Filters) -> tuple[list[str], list[Any]]:
    """Per-entry checks: also on these accounts, by this team member."""
    where: list[str] = []
    params: list[Any] = []
    if filters.on_accounts is not None:
        if isinstance(filters.on_accounts, Subquery):
            accounts = filters.on_accounts.sql
            params += filters.on_accounts.params
        else:
            accounts = ", ".join(["%s"] * len(filters.on_accounts))
            params += filters.on_accounts
        where.append(
            f"EXISTS (SELECT 1 FROM {ACCOUNT_LINKS} x WHERE x.account_id IN ({accounts}) "
            f"AND x.entry_id = {alias}.entry_id)"
        )
    if filters.actor_id is not None:
        where.append(
            f"EXISTS (SELECT 1 FROM {ENTRIES} e WHERE e.id = {alias}.entry_id AND e.actor_id = %s)"
        )
        params.append(filters.actor_id)
    return where, params


def _probe(alias: str, search: SearchPlan) -> tuple[str, list[Any]]:
    """Does the walked entry hold the words?"""
    if connection.vendor == "postgresql":
        return (
            f"{alias}.entry_id IN (SELECT s.id FROM {ENTRIES} s "
            f"WHERE s.search_vector @@ to_tsquery('simple', %s))"
        ), [search.query]
    # FTS5 serves "MATCH and rowid =" as a seek into each word's document list.
    return (
        f"EXISTS (SELECT 1 FROM {FTS} f WHERE {FTS} MATCH %s AND f.rowid = {alias}.entry_id)"
    ), [search.query]


def _edge(
    name: str, source: Source, filters: Filters, kind: str | None, window: int
) -> tuple[str, list[Any]]:
    """A one-row CTE: the walk's ``window``-th row (``n`` = 1), or a bound below every row."""
    where, params = _conditions("l", filters, kind)
    conditions = " AND ".join([f"l.{source.column} = %s", *where])
    sql = (
        f"{name}(at, id, n) AS (SELECT coalesce(max(occurred_at), ''), coalesce(max(entry_id), 0), "
        f"count(*) FROM (SELECT l.occurred_at, l.entry_id FROM {source.table} l "
        f"WHERE {conditions} {ORDER.format(a='l')} LIMIT 1 OFFSET %s))"
    )
    return sql, [source.owner_id, *params, window - 1]


def _walk(
    source: Source,
    filters: Filters,
    search: SearchPlan | None,
    kind: str | None,
    limit: int,
    edge: str | None,
) -> tuple[str, list[Any]]:
    """One index range, newest first: its first ``limit`` rows passing every check (within
    the ``edge`` CTE's window when there is one)."""
    where, params = _conditions("l", filters, kind)
    checks, check_params = _checks("l", filters)
    conditions = [f"l.{source.column} = %s", *where]
    if edge is not None:
        # A bound of the index range itself, so the walk stops at the window's edge.
        conditions.append(
            f"l.occurred_at >= (SELECT at FROM {edge}) AND "
            f"(l.occurred_at > (SELECT at FROM {edge}) OR l.entry_id >= (SELECT id FROM {edge}))"
        )
    conditions += checks
    all_params = [source.owner_id, *params, *check_params]
    if search is not None:
        probe, probe_params = _probe("l", search)
        conditions.append(probe)
        all_params += probe_params
    sql = (
        f"SELECT l.entry_id, l.occurred_at FROM {source.table} l "
        f"WHERE {' AND '.join(conditions)} {ORDER.format(a='l')} LIMIT %s"
    )
    return sql, [*all_params, limit]


def _lookup(
    sources: list[Source], filters: Filters, search: SearchPlan, limit: int
) -> tuple[str, list[Any]]:
    """SQLite: the words' matches first (the full-text index), then their links to the
    sources (the links' unique index), sorted. ``CROSS JOIN`` keeps that join order."""
    where, params = _conditions("l", filters, None)
    checks, check_params = _checks("l", filters)
    table, column = sources[0].table, sources[0].column
    owners = ", ".join(["%s"] * len(sources))
    conditions = [f"{FTS} MATCH %s", f"l.{column} IN ({owners})", *where, *checks]
    distinct = "DISTINCT " if len(sources) > 1 else ""
    sql = (
        f"SELECT {distinct}l.entry_id, l.occurred_at FROM {FTS} f "
        f"CROSS JOIN {table} l ON l.entry_id = f.rowid "
        f"WHERE {' AND '.join(conditions)} {ORDER.format(a='l')} LIMIT %s"
    )
    return sql, [search.query, *(s.owner_id for s in sources), *params, *check_params, limit]
