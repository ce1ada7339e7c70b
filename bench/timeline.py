"""``make bench``: reading a big account's timeline, against hand-written SQL for the same page.

Builds, in a fresh temporary data dir on the embedded SQLite, ``--entries`` timeline entries
(default 1,000,000) over ``--accounts`` accounts, ``--account-entries`` of them (default
100,000) on one account, with realistic text: titles and bodies drawn from a vocabulary with
a Zipf-like frequency, a *common* word in about a quarter of the entries, a *rare* one in
about one in 20,000, and one common on the other accounts but rare on the big one. Rows go in
through ``RowWriter`` (bulk inserts, as the demo loader does), the full-text index is built
at the end.

Then, for the big account, it times ``panorama.timeline.queries.timeline_for_account`` (the
code the page and the API run: page ids, entries, their people) and the minimal hand-written
SQL for the same page (one statement through Python's ``sqlite3``):

1. the first page (50 entries);
2. a deep keyset page (after 90% of the account's entries);
3. a search for the rare word;
4. a search for the common word;
5. a search for the word common elsewhere (the walk's window runs out: the fallback);

each ``--runs`` times (default 30), printing p50 and p95 beside the target (p95 ≤ 50 ms) and
checking both return the same entries. A measurement, not a test: it exits 0 even when a
target is missed (non-zero only when the run fails or the results differ).

    .venv/bin/python bench/timeline.py [--entries 1000000 --account-entries 100000]
    .venv/bin/python bench/timeline.py --entries 100000 --account-entries 10000   # quick try
    .venv/bin/python bench/timeline.py --keep            # then measure again without building:
    .venv/bin/python bench/timeline.py --data-dir /tmp/panorama-bench-timeline-…
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PAGE = 50
TARGET_P95_MS = 50.0
COMMON_WORD = "renewal"
RARE_WORD = "zeppelin"
ELSEWHERE_WORD = "globex"  # common on other accounts, rare on the big one
COMMON_SHARE = 0.25
RARE_SHARE = 1 / 20_000
ELSEWHERE_SHARE = (0.25, 1 / 5_000)  # other accounts, the big one
KINDS = (
    ("email_received", 30),
    ("email_sent", 30),
    ("call_logged", 10),
    ("meeting", 8),
    ("note_added", 8),
    ("task_completed", 5),
    ("ticket_opened", 4),
    ("deal_stage_changed", 3),
    ("market_signal", 2),
)


def setup_django(data_dir: Path) -> None:
    os.environ["PANORAMA_DATA_DIR"] = str(data_dir)
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "panorama.config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


# --- building -----------------------------------------------------------------------------


def vocabulary() -> tuple[list[str], list[float]]:
    """Words and cumulative weights (Zipf: the n-th word is 1/n as frequent as the first)."""
    from faker.providers.lorem.en_US import Provider

    business = [
        "account",
        "usage",
        "onboarding",
        "dashboard",
        "invoice",
        "contract",
        "pricing",
        "discount",
        "budget",
        "integration",
        "export",
        "report",
        "security",
        "review",
        "champion",
        "sponsor",
        "escalation",
        "ticket",
        "feature",
        "roadmap",
        "migration",
        "training",
        "rollout",
        "adoption",
        "license",
        "seats",
        "expansion",
        "churn",
        "risk",
        "feedback",
        "survey",
        "quarterly",
        "business",
        "kickoff",
        "workshop",
        "deadline",
    ]
    words = list(dict.fromkeys([*business, *Provider.word_list]))
    words = [w for w in words if w not in (COMMON_WORD, RARE_WORD, ELSEWHERE_WORD)]
    total = 0.0
    cumulative = []
    for rank in range(1, len(words) + 1):
        total += 1 / rank
        cumulative.append(total)
    return words, cumulative


def build(entries: int, account_entries: int, accounts: int, seed: int = 7) -> int:
    """Write accounts, contacts, entries and their links; the big account's id."""
    from django.db import connection, transaction

    from panorama.customers.models import Account, Contact
    from panorama.demo.rows import RowWriter
    from panorama.timeline.models import Entry, EntryAccount, EntryContact

    rng = random.Random(seed)
    words, cumulative = vocabulary()
    now = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    span = 3 * 365 * 24 * 3600
    with transaction.atomic():
        RowWriter(Account).write(
            {"id": i, "name": f"Account {i}", "domain": f"a{i}.example.com"}
            for i in range(1, accounts + 1)
        )
        contacts_per_account = 5
        RowWriter(Contact).write(
            {"id": i, "email": f"c{i}@example.com", "first_name": "C", "last_name": str(i)}
            for i in range(1, accounts * contacts_per_account + 1)
        )

    kinds = [k for k, _ in KINDS]
    kind_weights = [w for _, w in KINDS]

    def text(n: int) -> list[str]:
        return rng.choices(words, cum_weights=cumulative, k=n)

    def rows() -> Iterator[tuple[dict[str, Any], dict[str, Any], dict[str, Any] | None]]:
        for pk in range(1, entries + 1):
            account = 1 if pk <= account_entries else 2 + (pk % (accounts - 1))
            moment = now - dt.timedelta(seconds=rng.randrange(span))
            kind = rng.choices(kinds, kind_weights)[0]
            title = text(rng.randint(3, 8))
            body = text(rng.randint(15, 60))
            if rng.random() < COMMON_SHARE:
                body.insert(rng.randrange(len(body)), COMMON_WORD)
            if rng.random() < RARE_SHARE:
                body.insert(rng.randrange(len(body)), RARE_WORD)
            if rng.random() < ELSEWHERE_SHARE[account == 1]:
                body.insert(rng.randrange(len(body)), ELSEWHERE_WORD)
            entry = {
                "id": pk,
                "kind": kind,
                "occurred_at": moment,
                "title": " ".join(title).capitalize(),
                "body": " ".join(body),
                "source": "bench",
                "created_at": moment,
            }
            link = {"entry_id": pk, "account_id": account, "occurred_at": moment, "kind": kind}
            contact = None
            if rng.random() < 0.6:
                contact = {
                    "entry_id": pk,
                    "contact_id": (account - 1) * contacts_per_account + rng.randrange(1, 6),
                    "occurred_at": moment,
                    "kind": kind,
                }
            yield entry, link, contact

    # The full-text index is built in one pass at the end ("rebuild"): the same index the
    # insert trigger would have kept up row by row, in a third of the time.
    sqlite = connection.vendor == "sqlite"  # (on PostgreSQL the tsvector column is generated)
    insert_trigger = next(sql for sql in _search_migration().SQLITE_FORWARD if "_insert" in sql)
    if sqlite:
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER timeline_entry_fts_insert")
    writers = RowWriter(Entry), RowWriter(EntryAccount), RowWriter(EntryContact)
    chunk: list[tuple[dict[str, Any], dict[str, Any], dict[str, Any] | None]] = []
    written = 0
    started = time.perf_counter()

    def flush() -> None:
        with transaction.atomic():
            writers[0].write(e for e, _, _ in chunk)
            writers[1].write(a for _, a, _ in chunk)
            writers[2].write(c for _, _, c in chunk if c is not None)

    for row in rows():
        chunk.append(row)
        if len(chunk) == 50_000:
            flush()
            written += len(chunk)
            chunk = []
            rate = written / (time.perf_counter() - started)
            print(f"  {written:,} entries ({rate:,.0f}/s)", flush=True)
    if chunk:
        flush()
    if sqlite:
        print("  full-text index …", flush=True)
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO timeline_entry_fts(timeline_entry_fts) VALUES ('rebuild')")
            cursor.execute(insert_trigger)
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return 1


def _search_migration() -> Any:
    import importlib

    return importlib.import_module("panorama.timeline.migrations.0003_search")


# --- measuring ----------------------------------------------------------------------------


def timed(runs: int, fn: Callable[[], list[int]]) -> tuple[list[float], list[int]]:
    fn()  # warm the page cache and statement caches
    times = []
    result: list[int] = []
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    return times, result


def p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20, method="inclusive")[18] if len(times) > 1 else times[0]


# The minimal hand-written statement for each page: the account's links newest first and the
# entries' columns; for search, the FTS5 table joined on rowid. A rare word is best read from
# the full-text index first (CROSS JOIN fixes that order: left to itself, SQLite walks the
# account and probes every entry, seconds for a word the account hardly holds); a common one
# is best met along the account's walk, which is what SQLite does with the plain join.
ENTRY_COLUMNS = "e.id, e.kind, e.occurred_at, e.title, e.body, e.actor_id, e.details"
SQL_FIRST = f"""
SELECT {ENTRY_COLUMNS} FROM timeline_entryaccount l JOIN timeline_entry e ON e.id = l.entry_id
WHERE l.account_id = ? ORDER BY l.occurred_at DESC, l.entry_id DESC LIMIT {PAGE}"""
SQL_DEEP = f"""
SELECT {ENTRY_COLUMNS} FROM timeline_entryaccount l JOIN timeline_entry e ON e.id = l.entry_id
WHERE l.account_id = ? AND l.occurred_at <= ? AND (l.occurred_at < ? OR l.entry_id < ?)
ORDER BY l.occurred_at DESC, l.entry_id DESC LIMIT {PAGE}"""
SQL_SEARCH_WALK = f"""
SELECT {ENTRY_COLUMNS} FROM timeline_entryaccount l
JOIN timeline_entry_fts f ON f.rowid = l.entry_id JOIN timeline_entry e ON e.id = l.entry_id
WHERE l.account_id = ? AND timeline_entry_fts MATCH ?
ORDER BY l.occurred_at DESC, l.entry_id DESC LIMIT {PAGE}"""
SQL_SEARCH_LOOKUP = f"""
SELECT {ENTRY_COLUMNS} FROM timeline_entry_fts f CROSS JOIN timeline_entryaccount l
ON l.entry_id = f.rowid JOIN timeline_entry e ON e.id = l.entry_id
WHERE l.account_id = ? AND timeline_entry_fts MATCH ?
ORDER BY l.occurred_at DESC, l.entry_id DESC LIMIT {PAGE}"""


def measure(account_id: int, account_entries: int, runs: int, database: Path) -> list[Any]:
    from panorama.core.models import Role, User
    from panorama.customers.models import Account
    from panorama.timeline.models import Entry
    from panorama.timeline.queries import encode_cursor, timeline_for_account

    user, _ = User.objects.get_or_create(email="bench@example.com", defaults={"role": Role.ADMIN})
    account = Account.objects.get(pk=account_id)
    db = sqlite3.connect(database)

    deep_offset = int(account_entries * 0.9)
    deep_at, deep_id = db.execute(
        "SELECT occurred_at, entry_id FROM timeline_entryaccount WHERE account_id = ? "
        "ORDER BY occurred_at DESC, entry_id DESC LIMIT 1 OFFSET ?",
        (account_id, deep_offset),
    ).fetchone()
    deep_entry = Entry.objects.get(pk=deep_id)
    cursor = encode_cursor(deep_entry)

    def panorama(**kwargs: Any) -> Callable[[], list[int]]:
        return lambda: [e.pk for e in timeline_for_account(account, user=user, **kwargs).entries]

    def sql(statement: str, *params: Any) -> Callable[[], list[int]]:
        return lambda: [row[0] for row in db.execute(statement, (account_id, *params)).fetchall()]

    cases = [
        ("first page", panorama(), sql(SQL_FIRST)),
        (
            f"deep keyset page (after {deep_offset:,})",
            panorama(cursor=cursor),
            sql(SQL_DEEP, deep_at, deep_at, deep_id),
        ),
        (
            f"search, rare word ({RARE_WORD!r})",
            panorama(search=RARE_WORD),
            sql(SQL_SEARCH_LOOKUP, f'"{RARE_WORD}"'),
        ),
        (
            f"search, common word ({COMMON_WORD!r})",
            panorama(search=COMMON_WORD),
            sql(SQL_SEARCH_WALK, f'"{COMMON_WORD}"'),
        ),
        (
            f"search, common elsewhere ({ELSEWHERE_WORD!r})",
            panorama(search=ELSEWHERE_WORD),
            sql(SQL_SEARCH_LOOKUP, f'"{ELSEWHERE_WORD}"'),
        ),
    ]
    results = []
    for label, ours, theirs in cases:
        print(f"  {label} …", flush=True)
        our_times, our_ids = timed(runs, ours)
        sql_times, sql_ids = timed(runs, theirs)
        results.append((label, our_times, sql_times, our_ids == sql_ids, len(our_ids)))
    db.close()
    return results


def report(entries: int, account_entries: int, results: list[Any]) -> bool:
    print()
    print(
        f"Timeline benchmark: {entries:,} entries, {account_entries:,} on one account, "
        f"embedded SQLite, {os.cpu_count()} CPUs, pages of {PAGE}"
    )
    print()
    header = f"{'':<38}{'p50':>9}{'p95':>9}   {'SQL p50':>9}{'SQL p95':>9}   {'target':<12}"
    print(header)
    print("-" * (len(header) + 16))
    same = True
    for label, ours, theirs, equal, count in results:
        ok = p95(ours) <= TARGET_P95_MS
        print(
            f"{label:<38}{statistics.median(ours):>7.1f}ms{p95(ours):>7.1f}ms   "
            f"{statistics.median(theirs):>7.1f}ms{p95(theirs):>7.1f}ms   "
            f"p95 <= {TARGET_P95_MS:.0f} ms  {'meets' if ok else 'BELOW TARGET'}"
            + ("" if equal else f"  RESULTS DIFFER ({count} rows)")
        )
        same = same and equal
    print()
    print("p50/p95: timeline_for_account (page ids, entries, their people: the page's queries);")
    print("SQL: one hand-written statement for the same entries through sqlite3.")
    return same


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=1_000_000, help="entries in all")
    parser.add_argument(
        "--account-entries", type=int, default=100_000, help="entries on the big account"
    )
    parser.add_argument("--accounts", type=int, default=1_000, help="accounts in all")
    parser.add_argument("--runs", type=int, default=30, help="timed runs of each query")
    parser.add_argument("--keep", action="store_true", help="keep the temporary data dir")
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="measure the database a previous --keep run built there (no build step)",
    )
    args = parser.parse_args(argv)
    if not 0 < args.account_entries <= args.entries or args.accounts < 2:
        parser.error("need 0 < --account-entries <= --entries and --accounts >= 2")

    reuse = args.data_dir is not None
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="panorama-bench-timeline-"))
    try:
        setup_django(data_dir)
        if reuse:
            account_id = 1
            print(f"Reusing the entries built in {data_dir}", flush=True)
        else:
            print(f"Building {args.entries:,} entries in {data_dir} …", flush=True)
            started = time.perf_counter()
            account_id = build(args.entries, args.account_entries, args.accounts)
            print(f"  built in {time.perf_counter() - started:.0f} s", flush=True)
        print(f"Timing {args.runs} runs of each query …", flush=True)
        results = measure(
            account_id, args.account_entries, args.runs, data_dir / "panorama.sqlite3"
        )
        return 0 if report(args.entries, args.account_entries, results) else 1
    except KeyboardInterrupt:
        print("\nInterrupted.", file=sys.stderr)
        return 130
    finally:
        if args.keep or reuse:
            print(f"Kept {data_dir} (panorama.sqlite3)", file=sys.stderr)
        else:
            shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
