"""``panorama import-events FILE.jsonl[.gz]``: load Segment messages from a file, one per line.

Validation, identity resolution and idempotency are the HTTP API's (see
``panorama.usage.importer``); re-running an import stores nothing twice. The summary goes to
stdout, rejected lines ("line N: reason") to stderr, and the exit status is 1 when any line was
rejected unless ``--allow-rejects`` is given.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from panorama.usage.importer import ImportAborted, ImportSummary, import_events


class Command(BaseCommand):
    """Import Segment messages from a JSON Lines file (optionally gzip-compressed)."""

    help = (
        "Import Segment messages from a JSON Lines file (.jsonl or .jsonl.gz), one message per "
        "line as in a /v1/batch entry. Messages already stored (same messageId) are skipped."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        """FILE, and the options that change what is stored, shown and returned."""
        parser.add_argument("file", metavar="FILE", help="A .jsonl file, or .jsonl.gz.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Validate and count only; store nothing."
        )
        parser.add_argument("--no-progress", action="store_true", help="Don't show a progress bar.")
        parser.add_argument(
            "--show-errors",
            type=int,
            default=20,
            metavar="N",
            help="Show at most N rejected lines with their reason (default 20).",
        )
        parser.add_argument(
            "--allow-rejects",
            action="store_true",
            help="Exit with status 0 even if some lines were rejected.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        """Import the file with a progress bar on a terminal, then report and set the status."""
        path: str = options["file"]
        try:
            size = os.stat(path).st_size
            if os.path.isdir(path):
                raise IsADirectoryError(21, "Is a directory")
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror or exc}") from exc
        # The bar goes to the real stream: Django's OutputWrapper appends a newline to each
        # write, which would break tqdm's carriage-return redraws.
        stream = getattr(self.stderr, "_out", sys.stderr)
        show_bar = not options["no_progress"] and stream.isatty()
        with tqdm(
            total=size,
            unit="B",
            unit_scale=True,
            unit_divisor=1024,
            desc=os.path.basename(path),
            file=stream,
            disable=not show_bar,
            leave=False,
        ) as bar:
            try:
                summary = import_events(
                    path, dry_run=options["dry_run"], progress=bar.update if show_bar else None
                )
            except ImportAborted as exc:
                bar.close()
                self._report(exc.summary, options["show_errors"])
                raise CommandError(
                    f"Stopped reading {path}: {exc.__cause__ or exc}. Lines before this point "
                    "were imported; fix the file and run again (stored messages are skipped)."
                ) from exc
            except OSError as exc:
                raise CommandError(f"Cannot read {path}: {exc.strerror or exc}") from exc
        self._report(summary, options["show_errors"])
        if summary.rejected and not options["allow_rejects"]:
            raise CommandError(
                f"{summary.rejected} line(s) rejected; use --allow-rejects to accept that."
            )

    def _report(self, summary: ImportSummary, show_errors: int) -> None:
        """Print the counts, then the first ``show_errors`` rejected lines with their reason."""
        stored = (
            "Messages that would be stored (new)" if summary.dry_run else "Messages stored (new)"
        )
        rows = [
            ("Lines read", summary.lines_read),
            (stored, summary.stored),
            ("Duplicates skipped", summary.duplicates),
            ("Lines rejected", summary.rejected),
        ]
        if summary.blank:
            rows.insert(1, ("Blank lines skipped", summary.blank))
        width = max(len(label) for label, _ in rows)
        if summary.dry_run:
            self.stdout.write("Dry run: nothing was stored.")
        for label, count in rows:
            self.stdout.write(f"{label + ':':<{width + 1}} {count:>10,}")
        shown = summary.errors[: max(show_errors, 0)]
        for line, reason in shown:
            self.stderr.write(f"line {line}: {reason}")
        if summary.rejected > len(shown):
            self.stderr.write(f"… and {summary.rejected - len(shown):,} more rejected line(s).")
