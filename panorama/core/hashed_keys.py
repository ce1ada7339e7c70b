"""Secrets that integrations and scripts present: write keys and API tokens.

Both are random strings shown once and stored only as a SHA-256 hash. They are 32 random
bytes, so a fast hash is as safe as a slow one and keeps the check cheap on every request;
``prefix`` (the first characters) lets people tell them apart. A revoked one stays on record.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from typing import Any, Self, TypeVar

from django.core.management.base import CommandError, OutputWrapper
from django.db import models
from django.db.models import Q
from django.utils.timezone import localtime

from panorama.core import clock

K = TypeVar("K", bound="HashedKey")


class HashedKey(models.Model):
    """Abstract base: a named secret stored as its hash, revocable, shown once when issued."""

    PLAIN_PREFIX = ""  # what every plain key starts with, e.g. "pk_"
    SHOWN_PREFIX = 10  # how many characters of the plain key are kept to tell keys apart

    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=clock.now, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash(plain: str) -> str:
        """The stored form of a plain key."""
        return hashlib.sha256(plain.encode()).hexdigest()

    @classmethod
    def issue(cls, **fields: Any) -> tuple[Self, str]:
        """Create one; return it with its plain text, which is shown once and never stored."""
        plain = cls.PLAIN_PREFIX + secrets.token_urlsafe(32)
        key = cls._default_manager.create(
            prefix=plain[: cls.SHOWN_PREFIX], key_hash=cls.hash(plain), **fields
        )
        return key, plain

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def status(self) -> str:
        if self.revoked_at is None:
            return "active"
        return f"revoked {localtime(self.revoked_at):%Y-%m-%d %H:%M}"

    def revoke(self) -> None:
        self.revoked_at = clock.now()
        self.save(update_fields=["revoked_at"])


def find_by_reference(queryset: models.QuerySet[K], ref: str, noun: str) -> K:
    """The one key whose prefix or id is ``ref`` (as people copy it from a list), or a
    ``CommandError`` saying why not."""
    ref = ref.strip().rstrip("…")
    match = Q(prefix=ref)
    if ref.isdigit():
        match |= Q(pk=int(ref))
    found = list(queryset.filter(match)[:2])
    if not found:
        raise CommandError(f"No {noun} has the prefix or id “{ref}”.")
    if len(found) > 1:
        raise CommandError(f"“{ref}” matches more than one {noun}; use its id instead.")
    return found[0]


def write_table(out: OutputWrapper, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """Columns padded to their widest cell, as ``panorama … list`` commands print them."""
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        out.write("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
