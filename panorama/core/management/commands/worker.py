"""``panorama worker``: runs background tasks from the database queue until stopped."""

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the background worker (django-tasks' database backend) until stopped."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--interval", type=float, default=1.0, help="Seconds between polls when idle."
        )

    def handle(self, *args: Any, interval: float, **options: Any) -> None:
        call_command("db_worker", interval=interval, verbosity=options["verbosity"])
