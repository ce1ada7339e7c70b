"""``panorama demo``: load deterministic demo data into an empty database."""

from __future__ import annotations

import argparse
import datetime as dt
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from panorama.core import clock
from panorama.demo.generator import generate
from panorama.demo.history import DEFAULT_RECORDS_ACCOUNTS, records_limit
from panorama.demo.history_loader import load_history
from panorama.demo.loader import DemoLoadError, check_empty, load
from panorama.demo.phrases import DEFAULT_COMPETITORS
from panorama.demo.usage import DEFAULT_USAGE_ACCOUNTS, load_usage
from panorama.demo.users import DEMO_ADMIN_EMAIL, DEMO_PASSWORD


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date like 2025-01-31") from None


class Command(BaseCommand):
    """Generate accounts, contacts, users, plans and tags for a seed, load them, then ingest
    a year of their product usage (``demo.usage``) through the tracking API's code, and write
    a year of their customer records (``demo.history``)."""

    help = (
        "Load deterministic demo data (accounts with hierarchy, contacts, CSMs, plans, tags) "
        "into a database without accounts or contacts. The same --accounts, --seed and "
        "--today always give the same data, including a year of product usage and of customer "
        "records (e-mails, calls, meetings, deals, contracts, invoices, tickets…) for the "
        "first accounts (--no-usage, --no-records to skip them)."
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
        parser.add_argument(
            "--usage",
            action=argparse.BooleanOptionalAction,
            default=True,
            help="Also generate a year of product usage, ingested like tracking API calls "
            "(default: on).",
        )
        parser.add_argument(
            "--usage-accounts",
            type=int,
            default=None,
            help=f"How many accounts (the first ones) get usage (default: all, at most "
            f"{DEFAULT_USAGE_ACCOUNTS:,}).",
        )
        parser.add_argument(
            "--records",
            action=argparse.BooleanOptionalAction,
            default=True,
            help="Also generate a year of customer records: e-mail threads, calls, meetings, "
            "notes, tasks, deals, contracts, invoices, tickets, surveys, market signals "
            "(default: on).",
        )
        parser.add_argument(
            "--records-accounts",
            type=int,
            default=None,
            help=f"How many accounts (the first ones) get records (default: all, at most "
            f"{DEFAULT_RECORDS_ACCOUNTS:,}).",
        )
        parser.add_argument(
            "--competitors",
            default=",".join(DEFAULT_COMPETITORS),
            help="Comma-separated competitor names customers mention in the records "
            f"(default: {', '.join(DEFAULT_COMPETITORS)}).",
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
        usage_accounts: int | None = options["usage_accounts"]
        if usage_accounts is None:
            usage_accounts = min(count, DEFAULT_USAGE_ACCOUNTS)
        elif usage_accounts < 0:
            raise CommandError(f"--usage-accounts must not be negative (got {usage_accounts}).")
        with_usage = bool(options["usage"]) and usage_accounts > 0
        requested: int | None = options["records_accounts"]
        if requested is not None and requested < 0:
            raise CommandError(f"--records-accounts must not be negative (got {requested}).")
        records_accounts = records_limit(count, requested)
        with_records = bool(options["records"]) and records_accounts > 0
        competitors = [c.strip() for c in str(options["competitors"]).split(",") if c.strip()]
        if not competitors:
            raise CommandError("--competitors needs at least one name.")
        verbose = options["verbosity"] >= 2
        started = time.perf_counter()
        try:
            check_empty()  # before generating, which takes a while for large counts
            dataset = generate(count, seed, today)
            progress = self.stdout.write if verbose else None
            summary = load(dataset, progress=progress)
            if with_usage:
                usage = load_usage(dataset, limit=usage_accounts, progress=progress)
                summary.counts["usage events"] = usage.events
                summary.counts["identify/group messages"] = usage.messages - usage.events
                summary.timings["usage"] = usage.seconds
                if verbose:
                    self.stdout.write(
                        f"usage: {usage.events:,} events for {usage.accounts:,} accounts: "
                        f"{usage.seconds:.1f} s"
                    )
            if with_records:
                history = load_history(
                    dataset, records_accounts, competitors=competitors, progress=progress
                )
                summary.counts.update(history.counts)
                summary.timings["records"] = history.seconds
                if verbose:
                    self.stdout.write(
                        f"records for {history.accounts:,} accounts: {history.seconds:.1f} s"
                    )
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
