"""What SQLite alone costs for ingestion's writes: the floor under ``/v1/batch``.

Plain ``sqlite3`` (no Django, no HTTP, no Python-side work) inserts 500-event batches, each in
its own transaction, into a table shaped like ``usage_event`` and upserts the per-contact-day
rollup, with Panorama's pragmas (WAL, ``synchronous=NORMAL``, the writer's 64 MB cache). Each
variant has other indexes, to show what each costs once the table holds ``--batches`` times 500
rows; timestamps are spread over 30 days like ``make bench``'s events, so entries ordered by
event time land on random pages, and entries ordered by arrival don't.

    .venv/bin/python bench/write_floor.py [--batches 200]
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import tempfile
import time
import uuid
from pathlib import Path

BATCH = 500
VARIANTS = {
    "by event time (until 2026-11-23)": ("event_time", "contact_day_by_contact"),
    "account by time, contact by arrival (now)": ("event_now", "contact_day_by_contact"),
    "both by arrival": ("event_arrival", "contact_day_by_contact"),
    "message id and contact-day keys only": (),
}


def _rows(rng: random.Random) -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = []
    for _ in range(BATCH):
        day = rng.randint(1, 28)
        rows.append((
            str(uuid.UUID(int=rng.getrandbits(128))), "track", "Report Built",
            rng.randint(1, 200), rng.randint(1, 2000), "u1", "a1",
            f"2026-11-{day:02d} {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00",
            "2026-11-23 10:00:00", json.dumps({"plan": "pro", "seats": 12}),
            json.dumps({"library": {"name": "analytics-python", "version": "2.3"},
                        "ip": "203.0.113.7", "userAgent": "Mozilla/5.0 (X11; Linux x86_64)"}),
        ))  # fmt: skip
    return rows


def measure(path: Path, indexes: tuple[str, ...], batches: int) -> list[float]:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA cache_size=-65536")  # the writer's 64 MB
    db.execute(
        "CREATE TABLE event (id INTEGER PRIMARY KEY AUTOINCREMENT, message_id VARCHAR(100) "
        "NOT NULL UNIQUE, type TEXT, name TEXT, account_id INT, contact_id INT, user_id TEXT, "
        "anonymous_id TEXT, timestamp TEXT, received_at TEXT, properties TEXT, context TEXT)"
    )
    if "event_time" in indexes:
        db.execute("CREATE INDEX event_account ON event (account_id, timestamp)")
        db.execute("CREATE INDEX event_contact ON event (contact_id, timestamp)")
    if "event_arrival" in indexes:  # entries in arrival order: new ones land at each run's end
        db.execute("CREATE INDEX event_account ON event (account_id, received_at, timestamp)")
        db.execute("CREATE INDEX event_contact ON event (contact_id)")
    if "event_now" in indexes:  # the live view by event time; a contact's events by arrival
        db.execute("CREATE INDEX event_account ON event (account_id, timestamp)")
        db.execute("CREATE INDEX event_contact ON event (contact_id)")
    db.execute(
        "CREATE TABLE contact_day (id INTEGER PRIMARY KEY AUTOINCREMENT, account_id INT, "
        "day TEXT, contact_id INT, events INT, UNIQUE (account_id, day, contact_id))"
    )
    if "contact_day_by_contact" in indexes:
        db.execute("CREATE INDEX contact_day_contact ON contact_day (contact_id, day)")
    rng = random.Random(1)
    spent = []
    for _ in range(batches):
        rows = _rows(rng)
        start = time.perf_counter()
        db.execute("BEGIN IMMEDIATE")
        db.executemany(
            "INSERT INTO event (message_id, type, name, account_id, contact_id, user_id, "
            "anonymous_id, timestamp, received_at, properties, context) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        db.executemany(
            "INSERT INTO contact_day (account_id, day, contact_id, events) VALUES (?, ?, ?, 1) "
            "ON CONFLICT (account_id, day, contact_id) DO UPDATE SET events = events + 1",
            [(r[3], str(r[7])[:10], r[4]) for r in rows],
        )
        db.execute("COMMIT")
        spent.append(time.perf_counter() - start)
    db.close()
    return spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batches", type=int, default=200, help="500-event batches to write")
    args = parser.parse_args()
    print(f"{args.batches} batches of {BATCH} events; per batch over the last quarter:")
    with tempfile.TemporaryDirectory(prefix="panorama-floor-") as directory:
        for n, (label, indexes) in enumerate(VARIANTS.items()):
            spent = measure(Path(directory) / f"{n}.sqlite3", indexes, args.batches)
            late = sorted(spent[len(spent) * 3 // 4 :])  # once the table is full-size
            fastest, median = late[0], late[len(late) // 2]
            print(f"  {label:36} fastest {fastest * 1000:5.1f} ms, median {median * 1000:5.1f} ms"
                  f"  ({BATCH / median:,.0f} events/s)")  # fmt: skip


if __name__ == "__main__":
    main()
