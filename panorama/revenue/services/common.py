"""Helpers the revenue and support services share: timeline entries kept in step with their
record, contacts checked against the account, days turned into times."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from panorama.customers.models import Account, Contact, Membership
from panorama.timeline.entries import post_entry, rewrite_entry
from panorama.timeline.models import Entry


def money_text(value: Any) -> str:
    """An amount as titles show it: 12,500.00."""
    return f"{Decimal(value).quantize(Decimal('0.01')):,.2f}"


def start_of_day(day: dt.date) -> dt.datetime:
    """Midnight at the start of ``day`` in the organisation's time zone (when a record has a
    date but its timeline entry needs a time)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def check_members(account: Account, contacts: Iterable[Contact], field: str = "contacts") -> None:
    """Refuse contacts that are not members of ``account`` (an error naming ``field``)."""
    ids = {c.pk for c in contacts}
    if not ids:
        return
    members = set(
        Membership.objects.filter(account=account, contact_id__in=ids).values_list(
            "contact_id", flat=True
        )
    )
    strangers = sorted(ids - members)
    if strangers:
        listed = ", ".join(f"#{pk}" for pk in strangers)
        raise ValidationError({field: f"Not members of {account.name}: {listed}."})


def entry_of(record: models.Model, kind: str) -> Entry | None:
    """The record's latest timeline entry of ``kind``."""
    entries: Any = getattr(record, "timeline_entries")  # noqa: B009  (GenericRelation)
    return entries.filter(kind=kind).order_by("-id").first()


def refresh_entry(record: models.Model, kind: str, content: Mapping[str, Any]) -> Entry:
    """Make the record's entry of ``kind`` show ``content`` (title, body, details,
    occurred_at, accounts, contacts); post it if the record has none yet."""
    entry = entry_of(record, kind)
    if entry is None:
        return post_entry(kind=kind, subject=record, **content)
    return rewrite_entry(entry, **content)


def save_or_restore(record: models.Model) -> None:
    """Save ``record``; when it is refused, put back its stored values before re-raising, so
    the caller's instance does not keep the refused ones."""
    try:
        record.save()
    except ValidationError:
        if record.pk is not None:
            record.refresh_from_db()
        raise
