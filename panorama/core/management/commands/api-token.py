"""``panorama api-token``: create, list and revoke personal API tokens from the command line.

``create`` prints the plain token on stdout, alone on its line, so it can be captured
(``TOKEN=$(panorama api-token create --user ada@example.com)``); the reminder that it is not
shown again goes to stderr. Only the token's SHA-256 is stored.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.timezone import localtime

from panorama.core.hashed_keys import find_by_reference, write_table
from panorama.core.models import ApiToken, User


class Command(BaseCommand):
    """Manage API tokens (``Authorization: Bearer …`` for the REST API)."""

    help = "Create, list or revoke API tokens (each acts as its user in the REST API)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", metavar="{create,list,revoke}")
        actions.required = True
        create = actions.add_parser("create", help="Issue a token for a user and print it once.")
        create.add_argument("--user", required=True, metavar="EMAIL", help="Whose token.")
        create.add_argument("--name", default="", help="What uses it, e.g. 'nightly export'.")
        listing = actions.add_parser("list", help="List tokens: user, name, prefix, status.")
        listing.add_argument("--user", metavar="EMAIL", help="Only this user's tokens.")
        revoke = actions.add_parser("revoke", help="Revoke a token by its prefix or id.")
        revoke.add_argument("token", metavar="PREFIX_OR_ID", help="The token's prefix or id.")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "create":
            self._create(options["user"], options["name"])
        elif action == "list":
            self._list(options["user"])
        else:
            self._revoke(options["token"])

    def _user(self, email: str) -> User:
        try:
            return User.objects.get_by_natural_key(email)
        except User.DoesNotExist:
            raise CommandError(f"No user has the e-mail address “{email}”.") from None

    def _create(self, email: str, name: str) -> None:
        user = self._user(email)
        name = name.strip() or "Command line"
        if len(name) > ApiToken._meta.get_field("name").max_length:  # type: ignore[operator]
            raise CommandError("NAME must be at most 100 characters.")
        if not user.is_active:
            raise CommandError(f"User “{user.email}” is deactivated: a token would not work.")
        token, plain = ApiToken.issue(user=user, name=name)
        self.stdout.write(plain)
        self.stderr.write(
            f"API token “{token.name}” ({token.prefix}…) created for {user.email}. "
            "Copy it now: it is not shown again."
        )

    def _list(self, email: str | None) -> None:
        tokens = ApiToken.objects.select_related("user").order_by("-created_at", "-pk")
        if email:
            tokens = tokens.filter(user=self._user(email))
        rows = [
            (
                str(token.pk),
                token.user.email,
                token.name,
                f"{token.prefix}…",
                f"{localtime(token.created_at):%Y-%m-%d %H:%M}",
                f"{localtime(token.last_used_at):%Y-%m-%d %H:%M}" if token.last_used_at else "-",
                token.status,
            )
            for token in tokens
        ]
        if not rows:
            self.stderr.write("No API tokens yet. Create one with: panorama api-token create")
            return
        write_table(
            self.stdout, ("ID", "USER", "NAME", "PREFIX", "CREATED", "LAST USED", "STATUS"), rows
        )

    def _revoke(self, ref: str) -> None:
        token = find_by_reference(ApiToken.objects.select_related("user"), ref, "API token")
        if not token.is_active:
            raise CommandError(
                f"API token “{token.name}” ({token.prefix}…) was already revoked "
                f"on {localtime(token.revoked_at):%Y-%m-%d %H:%M}."
            )
        token.revoke()
        self.stdout.write(
            f"Revoked API token “{token.name}” ({token.prefix}…) of {token.user.email}."
        )
