"""Where one ``/v1/batch`` request's time goes, in-process: cProfile of ``write_batches``.

Runs against a fresh temporary SQLite data dir: migrates, loads ``--prime`` events through
``write_batches`` (so the tables are the size they are part-way through ``make bench``), then
profiles one more 500-event batch of new events and the same batch again (duplicates), and
times the request's other steps (JSON decoding, validation) for comparison.

    .venv/bin/python bench/profile_ingest.py [--prime 20000] [--top 10]
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import json
import os
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ingest import BATCH_SIZE, encode, make_batches


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--prime", type=int, default=20_000, help="events stored beforehand")
    parser.add_argument("--top", type=int, default=10, help="functions to list")
    parser.add_argument(
        "--statements", action="store_true", help="also time each kind of SQL statement"
    )
    parser.add_argument(
        "--cache-mb", type=int, default=0, help="SQLite page cache of the writing connection"
    )
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="panorama-profile-"))
    os.environ["PANORAMA_DATA_DIR"] = str(data_dir)
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "panorama.config.settings")
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import transaction

        from panorama.usage.ingest import write_batches
        from panorama.usage.validation import parse_body

        call_command("migrate", verbosity=0)
        if args.cache_mb:
            from django.db import connection

            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA cache_size=-{args.cache_mb * 1024}")
        *prime, target = make_batches(args.prime + BATCH_SIZE, seed=7)

        def parse(batch: list[dict]) -> tuple[list, dt.datetime]:
            body = encode(batch)
            received_at = dt.datetime.now(dt.UTC)
            return parse_body(
                json.loads(body), kind="batch", received_at=received_at, body_size=len(body)
            ), received_at

        def write(batch: list[dict]) -> float:
            messages, received_at = parse(batch)
            start = time.perf_counter()
            with transaction.atomic():
                errors = write_batches([(messages, received_at)])
            assert errors == [None], errors
            return time.perf_counter() - start

        start, cpu_start = time.perf_counter(), time.process_time()
        spent = [write(batch) for batch in prime]
        primed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
        count = len(prime) * BATCH_SIZE
        rate = count / primed if primed else 0.0
        print(f"primed {count:,} events in {primed:.1f} s ({rate:,.0f} events/s in-process; "
              f"{cpu * 1e6 / count:.0f} µs of CPU an event)")  # fmt: skip
        # The fastest batches of the second half: what the code costs when the machine is
        # not busy with something else (other processes share the cores).
        late = sorted(spent[len(spent) // 2 :])
        fastest, quarter, median = (late[i] * 1000 for i in (0, len(late) // 4, len(late) // 2))
        print(f"batches of the second half: fastest {fastest:.1f} ms, fastest quarter "
              f"{quarter:.1f} ms, median {median:.1f} ms")  # fmt: skip

        if args.statements:
            time_statements(write, make_batches(10 * BATCH_SIZE, seed=8))

        body = encode(target)
        start = time.perf_counter()
        for _ in range(10):
            decoded = json.loads(body)
        decode_ms = (time.perf_counter() - start) * 100
        start = time.perf_counter()
        for _ in range(10):
            parse_body(
                decoded, kind="batch", received_at=dt.datetime.now(dt.UTC), body_size=len(body)
            )
        validate_ms = (time.perf_counter() - start) * 100
        print(f"one {BATCH_SIZE}-event request, {len(body) / 1024:.0f} KB: json.loads "
              f"{decode_ms:.1f} ms, parse_body {validate_ms:.1f} ms")  # fmt: skip

        for label in ("new events", "duplicates"):
            messages, received_at = parse(target)
            profile = cProfile.Profile()
            start = time.perf_counter()
            profile.enable()
            with transaction.atomic():
                write_batches([(messages, received_at)])
            profile.disable()
            elapsed = (time.perf_counter() - start) * 1000
            print(f"\n=== write_batches, one {BATCH_SIZE}-event batch of {label}: "
                  f"{elapsed:.0f} ms (under cProfile) ===")  # fmt: skip
            stats = pstats.Stats(profile)
            stats.sort_stats("tottime").print_stats(args.top)
            stats.sort_stats("cumulative").print_stats(args.top + 15)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def time_statements(write, batches: list) -> None:
    """Wall time per kind of SQL statement (its first words) over a few more batches."""
    from collections import defaultdict

    from django.db import connection

    spent: dict[str, list[float]] = defaultdict(lambda: [0.0, 0])

    def timed(execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            key = " ".join(sql.split()[:4])[:60]
            spent[key][0] += time.perf_counter() - start
            spent[key][1] += 1

    total_start = time.perf_counter()
    with connection.execute_wrapper(timed):
        for batch in batches:
            write(batch)
    total = time.perf_counter() - total_start
    per_batch = total * 1000 / len(batches)
    print(f"\n=== SQL over {len(batches)} batches: {per_batch:.1f} ms a batch in all ===")
    for key, (seconds, calls) in sorted(spent.items(), key=lambda kv: -kv[1][0]):
        print(f"{seconds * 1000 / len(batches):7.1f} ms/batch {calls:5d} calls  {key}")


if __name__ == "__main__":
    main()
