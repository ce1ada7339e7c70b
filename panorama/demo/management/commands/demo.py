"""``panorama demo``: load deterministic demo data into an empty database."""

from __future__ import annotations

import argparse
import datetime as dt
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from panorama.core import clock
from panorama.demo.generator import generate
from panorama.demo.loader import DemoLoadError, check_empty, load
from panorama.demo.users import DEMO_ADMIN_EMAIL, DEMO_PASSWORD


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date like 2025-01-31") from None


class Command(BaseCommand):
    """Generate accounts, contacts, users, plans and tags for a seed, and load them."""

    help = (
        "Load deterministic demo data (accounts with hierarchy, contacts, CSMs, plans, tags) "
        "into a database without accounts or contacts. The same --accounts, --seed and "
        "--today always give the same data."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--accounts", type=int, default=300, help="How many accounts (default 300)."
        )
        parser.add_argument("--seed", type=int, default=42, help="Random seed (default 42).")
        parser.add_argument(
            "--today",
            type=_date,
            default=None,
            help="Date the data is generated relative to, YYYY-MM-DD (default: today).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        count: int = options["accounts"]
        if count < 1:
            raise CommandError(f"--accounts must be at least 1 (got {count}).")
        today = options["today"] or clock.today()
        if isinstance(today, str):  # call_command(today="…") skips the parser's conversion
            try:
                today = _date(today)
            except argparse.ArgumentTypeError as exc:
                raise CommandError(f"--today: {exc}") from None
        seed: int = options["seed"]
        verbose = options["verbosity"] >= 2
        started = time.perf_counter()
        try:
            check_empty()  # before generating, which takes a while for large counts
            dataset = generate(count, seed, today)
            summary = load(dataset, progress=self.stdout.write if verbose else None)
        except DemoLoadError as exc:
            raise CommandError(str(exc)) from exc
        elapsed = time.perf_counter() - started
        counts = ", ".join(f"{n:,} {name}" for name, n in summary.counts.items())
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded demo data (seed {seed}, today {today.isoformat()}) in {elapsed:.1f} s: "
                f"{counts}."
            )
        )
        self.stdout.write(f"Log in as {DEMO_ADMIN_EMAIL} with password {DEMO_PASSWORD}")
