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

        start = time.perf_counter()
        for batch in prime:
            write(batch)
        primed = time.perf_counter() - start
        count = len(prime) * BATCH_SIZE
        rate = count / primed if primed else 0.0
        print(f"primed {count:,} events in {primed:.1f} s ({rate:,.0f} events/s in-process)")

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


if __name__ == "__main__":
    main()
