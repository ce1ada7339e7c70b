"""``panorama import-emails PATH [PATH…]``: file e-mails (.eml, .mbox, directories) under customers.

The rules (direction, threads, accounts, contacts, new text) are in ``panorama.timeline.mail``
and docs/email-import.md. Re-running an import stores nothing twice. The summary goes to
stdout, rejected messages ("where: reason") to stderr, and the exit status is 1 when any
message was rejected unless ``--allow-rejects`` is given.
"""

from __future__ import annotations

import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from panorama.timeline.mail.importer import EmailImport, EmailImportSummary


class Command(BaseCommand):
    """Import e-mail messages into customers' timelines."""

    help = (
        "Import e-mails from .eml files, .mbox files or directories of them (searched "
        "recursively). Each message is filed under the customer account its external "
        "participants belong to; messages already imported are skipped."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", metavar="PATH", help=".eml, .mbox or directory")
        parser.add_argument(
            "--own-domains",
            metavar="DOMAINS",
            help="Comma-separated own e-mail domains, instead of PANORAMA_OWN_EMAIL_DOMAINS.",
        )
        parser.add_argument("--no-progress", action="store_true", help="Don't show a progress bar.")
        parser.add_argument(
            "--show-errors",
            type=int,
            default=20,
            metavar="N",
            help="Show at most N rejected messages with their reason (default 20).",
        )
        parser.add_argument(
            "--allow-rejects",
            action="store_true",
            help="Exit with status 0 even if some messages were rejected.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["own_domains"] is not None:
            own_domains = [d.strip() for d in options["own_domains"].split(",") if d.strip()]
        else:
            own_domains = list(settings.OWN_EMAIL_DOMAINS)
        if not own_domains:
            self.stderr.write(
                "PANORAMA_OWN_EMAIL_DOMAINS is not set: every message counts as inbound and "
                "every participant as external."
            )
        try:
            run = EmailImport(options["paths"], own_domains=own_domains)
        except FileNotFoundError as exc:
            raise CommandError(f"Cannot read {exc.filename}: no such file or directory") from exc
        total = run.locate()
        # The bar goes to the real stream: Django's OutputWrapper appends a newline to each
        # write, which would break tqdm's carriage-return redraws.
        stream = getattr(self.stderr, "_out", sys.stderr)
        show_bar = not options["no_progress"] and stream.isatty()
        with tqdm(
            total=total, unit="msg", desc="E-mails", file=stream, disable=not show_bar, leave=False
        ) as bar:
            summary = run.run(progress=bar.update if show_bar else None)
        self._report(summary, options["show_errors"])
        if summary.rejected and not options["allow_rejects"]:
            raise CommandError(
                f"{summary.rejected} message(s) rejected; use --allow-rejects to accept that."
            )

    def _report(self, summary: EmailImportSummary, show_errors: int) -> None:
        """Counts, skipped reasons grouped, then the first ``show_errors`` rejections."""
        rows = [
            ("Messages found", summary.found),
            ("Imported (new)", summary.imported),
            ("Already imported", summary.already_imported),
            ("Skipped", summary.skipped_total),
            ("Rejected", summary.rejected),
            ("Threads created", summary.threads_created),
            ("Contacts created", summary.contacts_created),
        ]
        width = max(len(label) for label, _ in rows)
        for label, count in rows:
            self.stdout.write(f"{label + ':':<{width + 1}} {count:>10,}")
        if summary.skipped:
            self.stdout.write("Skipped, by reason:")
            for reason, count in summary.skipped.most_common():
                self.stdout.write(f"  {count:>8,}  {reason}")
        if summary.unmatched_domains:
            top = ", ".join(
                f"{domain} ({count:,})"
                for domain, count in summary.unmatched_domains.most_common(10)
            )
            self.stdout.write(f"Domains without an account (most frequent first): {top}")
        shown = summary.errors[: max(show_errors, 0)]
        for where, reason in shown:
            self.stderr.write(f"{where}: {reason}")
        if summary.rejected > len(shown):
            self.stderr.write(f"… and {summary.rejected - len(shown):,} more rejected message(s).")
