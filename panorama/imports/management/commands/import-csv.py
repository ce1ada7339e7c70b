"""``panorama import-csv KIND FILE``: create or update accounts, contacts, deals or contracts
from a CSV file (see docs/csv-import.md).

Rows are matched to records by their key (external id, e-mail, domain…), checked with the
models' own rules, and written in one transaction: with any row in error nothing is written
(exit status 1) unless ``--skip-errors`` is given. ``--dry-run`` checks and reports only.
The summary goes to stdout, each row error ("row N, column: problem") to stderr.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from panorama.core.models import User
from panorama.imports.columns import KINDS, MappingError, parse_mapping_options
from panorama.imports.csvfile import MAX_FILE_BYTES, CsvFileError, read_table
from panorama.imports.report import ImportReport
from panorama.imports.services import run_import


class Command(BaseCommand):
    """Import accounts, contacts, deals or contracts from a CSV file."""

    help = (
        "Create or update accounts, contacts, deals or contracts from a CSV file with a header "
        "row. Nothing is written while any row has an error, unless --skip-errors is given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        """KIND and FILE, and the options that change what is written and shown."""
        parser.add_argument(
            "kind",
            metavar="KIND",
            choices=sorted(KINDS),
            help=f"What the rows are: {', '.join(KINDS)}.",
        )
        parser.add_argument("file", metavar="FILE", help="A CSV file (UTF-8) with a header row.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check and report only; write nothing."
        )
        parser.add_argument(
            "--skip-errors",
            action="store_true",
            help="Write the good rows and report the bad ones (default: write nothing if any "
            "row has an error).",
        )
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="HEADER=FIELD",
            help="Import column HEADER into FIELD (or 'ignore' it); repeat for several columns.",
        )
        parser.add_argument(
            "--as",
            dest="as_user",
            metavar="EMAIL",
            help="The user the changes are attributed to in the history (default: none; "
            "source 'import').",
        )
        parser.add_argument("--no-progress", action="store_true", help="Don't show a progress bar.")
        parser.add_argument(
            "--show-errors",
            type=int,
            default=50,
            metavar="N",
            help="Show at most N row errors (default 50).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        """Read the file, import it with a progress bar on a terminal, report, set the status."""
        path: str = options["file"]
        try:
            mapping = parse_mapping_options(options["map"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        user = self._user(options["as_user"])
        try:
            if os.path.isdir(path):
                raise IsADirectoryError(21, "Is a directory")
            if os.stat(path).st_size > MAX_FILE_BYTES:
                raise CsvFileError(
                    f"The file is larger than {MAX_FILE_BYTES // 1024 // 1024} MB; split it "
                    "into smaller files."
                )
            with open(path, "rb") as handle:
                table = read_table(handle.read(MAX_FILE_BYTES + 1))
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror or exc}") from exc
        except CsvFileError as exc:
            raise CommandError(f"{path}: {exc}") from exc
        # The bar goes to the real stream: Django's OutputWrapper appends a newline to each
        # write, which would break tqdm's carriage-return redraws.
        stream = getattr(self.stderr, "_out", sys.stderr)
        show_bar = not options["no_progress"] and stream.isatty()
        rows = len(table.rows) * (1 if options["dry_run"] else 2)  # checked, then written
        with tqdm(
            total=rows,
            unit="row",
            desc=os.path.basename(path),
            file=stream,
            disable=not show_bar,
            leave=False,
        ) as bar:
            try:
                report = run_import(
                    kind=options["kind"],
                    table=table,
                    user=user,
                    mapping=mapping,
                    dry_run=options["dry_run"],
                    skip_errors=options["skip_errors"],
                    progress=bar.update if show_bar else None,
                )
            except MappingError as exc:
                raise CommandError(f"{path}: {exc}") from exc
        self._report(report, options["show_errors"])
        if report.failed and not options["skip_errors"]:
            raise CommandError(
                f"{report.failed} row(s) with errors; nothing was written. Fix them, or use "
                "--skip-errors to import the other rows."
            )

    @staticmethod
    def _user(email: str | None) -> User | None:
        if email is None:
            return None
        user = User.objects.filter(email=email.strip().lower(), is_active=True).first()
        if user is None:
            raise CommandError(f"--as {email}: no active user has this e-mail.")
        return user

    def _report(self, report: ImportReport, show_errors: int) -> None:
        """Print the counts, then the first ``show_errors`` row errors."""
        will = "would be " if report.dry_run or not report.applied else ""
        rows = [
            ("Rows read", len(report.rows)),
            (f"Records {will}created", report.created),
            (f"Records {will}updated", report.updated),
            ("Rows unchanged", report.unchanged),
            ("Rows with errors" + (" (skipped)" if report.applied else ""), report.failed),
        ]
        width = max(len(label) for label, _ in rows)
        if report.dry_run:
            self.stdout.write("Dry run: nothing was written.")
        elif not report.applied:
            self.stdout.write("Nothing was written.")
        for label, count in rows:
            self.stdout.write(f"{label + ':':<{width + 1}} {count:>8,}")
        errors = report.errors
        for error in errors[: max(show_errors, 0)]:
            self.stderr.write(str(error))
        if len(errors) > show_errors:
            self.stderr.write(f"… and {len(errors) - show_errors:,} more error(s).")
