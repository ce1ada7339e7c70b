"""Panorama's users: an e-mail login, a role and the set of accounts they may see."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from panorama.core import clock
from panorama.core.hashed_keys import HashedKey


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    MEMBER = "member", "Member"


class AccountScope(models.TextChoices):
    """What an admin grants a member beyond nothing: which accounts they may see."""

    OWNED_OR_FOLLOWED = "owned_or_followed", "Accounts they own or follow"
    ALL = "all", "All accounts"


class UserManager(DjangoUserManager["User"]):
    """Creates users keyed by e-mail address instead of a username."""

    def _create_user_object(self, email: str, password: str | None, **extra_fields: Any) -> User:
        if not email:
            raise ValueError("A user needs an e-mail address")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        return user

    def create_user(  # type: ignore[override]
        self, email: str, password: str | None = None, **extra_fields: Any
    ) -> User:
        extra_fields.setdefault("role", Role.MEMBER)
        user = self._create_user_object(email, password, **extra_fields)
        user.save(using=self._db)
        return user

    def get_by_natural_key(self, username: str | None) -> User:
        # Sign-in is by e-mail, whatever case the person types it in.
        return self.get(email=(username or "").strip().lower())

    def create_superuser(  # type: ignore[override]
        self, email: str, password: str | None = None, **extra_fields: Any
    ) -> User:
        extra_fields["role"] = Role.ADMIN
        return self.create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person who signs in to Panorama: a CSM, account manager or admin.

    ``role`` is the source of truth for privileges: admins see every account and may use the
    admin site, so ``is_staff``/``is_superuser`` are kept in step with it on every save.
    """

    username = None  # type: ignore[assignment]
    email = models.EmailField("e-mail address", unique=True)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    account_scope = models.CharField(
        "may see",
        max_length=32,
        choices=AccountScope.choices,
        default=AccountScope.OWNED_OR_FOLLOWED,
        help_text="Admins always see every account.",
    )

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects: ClassVar[UserManager] = UserManager()

    class Meta:
        ordering = ["first_name", "last_name", "email"]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.email = self.email.strip().lower()
        self.is_staff = self.is_superuser = self.role == Role.ADMIN
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "role" in update_fields:
            kwargs["update_fields"] = {*update_fields, "is_staff", "is_superuser"}
        super().save(*args, **kwargs)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def initials(self) -> str:
        parts = [p for p in (self.first_name, self.last_name) if p]
        return "".join(p[0] for p in parts).upper() or self.email[:2].upper()


API_TOKEN_PREFIX = "pat_"
# How stale ``ApiToken.last_used_at`` may get: writing it on every request would turn every
# API read into a write (and a lock on SQLite), so it is refreshed at most once a minute.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


class ApiToken(HashedKey):
    """A personal access token: lets a script call the REST API as the user who created it.

    Stored and shown like every ``HashedKey``. A token sees exactly what its user sees, and
    stops working when the user is deactivated or the token is revoked.
    """

    PLAIN_PREFIX = API_TOKEN_PREFIX
    SHOWN_PREFIX = 12

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "API token"

    def touch(self) -> None:
        """Record a use, unless one was recorded less than a minute ago."""
        now = clock.now()
        if self.last_used_at is not None and now - self.last_used_at < LAST_USED_RESOLUTION:
            return
        self.last_used_at = now
        # A queryset update: no model save signals and no race with a concurrent revoke.
        ApiToken.objects.filter(pk=self.pk).update(last_used_at=now)


class ChangeAction(models.TextChoices):
    CREATED = "created", "Created"
    UPDATED = "updated", "Updated"
    DELETED = "deleted", "Deleted"


class RecordChange(models.Model):
    """One write to a record other than an account or contact: the audit log.

    Accounts and contacts keep field history in ``customers.AttributeChange``; deals, contracts,
    invoices, tickets, calls, notes… log here, one row per create, update or delete with each
    changed field's old and new value (``changes``: ``{field: {"old", "new"}}``). Rows point at
    the record by content type and id, not a foreign key, so the row of a deletion outlives it.
    """

    account = models.ForeignKey(
        "customers.Account", on_delete=models.CASCADE, related_name="record_changes"
    )
    record_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    record_id = models.PositiveBigIntegerField()
    record_label = models.CharField(
        max_length=300, help_text="The record's name at the time, kept after it is deleted."
    )
    action = models.CharField(max_length=7, choices=ChangeAction.choices)
    changes = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=50)
    changed_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [
            models.Index(
                fields=["record_type", "record_id", "-changed_at"], name="record_change_idx"
            ),
            models.Index(fields=["account", "-changed_at"], name="record_change_account_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.record_label} {self.action}"

    @property
    def author(self) -> str:
        return str(self.changed_by) if self.changed_by is not None else self.source
