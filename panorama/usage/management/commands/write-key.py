"""``panorama write-key``: create, list and revoke the keys integrations send events with.

``create`` prints the plain key on stdout, alone on its line, so it can be captured
(``KEY=$(panorama write-key create web)``); the reminder that it is not shown again goes to
stderr. Only the key's SHA-256 is stored.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.timezone import localtime

from panorama.core.hashed_keys import find_by_reference, write_table
from panorama.usage.models import WriteKey


class Command(BaseCommand):
    """Manage write keys (Segment source keys) from the command line."""

    help = "Create, list or revoke write keys (the keys your product sends events with)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", metavar="{create,list,revoke}")
        actions.required = True
        create = actions.add_parser("create", help="Issue a key and print it once.")
        create.add_argument("name", help="What sends events with it, e.g. 'web app'.")
        actions.add_parser("list", help="List keys: name, prefix, created, status.")
        revoke = actions.add_parser("revoke", help="Revoke a key by its prefix or id.")
        revoke.add_argument("key", metavar="PREFIX_OR_ID", help="The key's prefix or its id.")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "create":
            self._create(options["name"])
        elif action == "list":
            self._list()
        else:
            self._revoke(options["key"])

    def _create(self, name: str) -> None:
        name = name.strip()
        if not name:
            raise CommandError("NAME must not be empty: name the key after what sends events.")
        if len(name) > WriteKey._meta.get_field("name").max_length:  # type: ignore[operator]
            raise CommandError("NAME must be at most 100 characters.")
        key, plain = WriteKey.issue(name=name)
        self.stdout.write(plain)
        self.stderr.write(
            f"Write key “{key.name}” ({key.prefix}…) created. Copy it now: it is not shown again."
        )

    def _list(self) -> None:
        keys = list(WriteKey.objects.order_by("-created_at", "-pk"))
        if not keys:
            self.stderr.write("No write keys yet. Create one with: panorama write-key create NAME")
            return
        rows = [
            (
                str(key.pk),
                key.name,
                f"{key.prefix}…",
                f"{localtime(key.created_at):%Y-%m-%d %H:%M}",
                key.status,
            )
            for key in keys
        ]
        write_table(self.stdout, ("ID", "NAME", "PREFIX", "CREATED", "STATUS"), rows)

    def _revoke(self, ref: str) -> None:
        key = find_by_reference(WriteKey.objects.all(), ref, "write key")
        if not key.is_active:
            raise CommandError(
                f"Write key “{key.name}” ({key.prefix}…) was already revoked "
                f"on {localtime(key.revoked_at):%Y-%m-%d %H:%M}."
            )
        key.revoke()
        self.stdout.write(f"Revoked write key “{key.name}” ({key.prefix}…).")
