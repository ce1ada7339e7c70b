"""Writing timeline entries: the one function every record service calls.

Each ``record_*`` service (here and in the revenue and support apps) writes its record and
then calls ``post_entry`` inside the same transaction, so a record never exists without its
timeline entry, nor an entry without its record.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction

from panorama.core.actors import current_actor
from panorama.customers.models import Account, Contact
from panorama.timeline.models import Entry, EntryAccount, EntryContact
from panorama.timeline.registry import entry_type

TITLE_LENGTH = Entry._meta.get_field("title").max_length or 300


def post_entry(
    *,
    kind: str,
    occurred_at: dt.datetime,
    title: str,
    accounts: Iterable[Account],
    contacts: Iterable[Contact] = (),
    body: str = "",
    actor: Any = None,
    source: str | None = None,
    details: Mapping[str, Any] | None = None,
    subject: models.Model | None = None,
) -> Entry:
    """Add an entry of type ``kind`` to the timelines of ``accounts`` and ``contacts``.

    ``actor`` is the team member who did it (a ``User``); by default the person acting in the
    current request or command, if a person is. ``source`` defaults to the current actor's
    source (``web``, ``api``, ``import``…). ``subject`` is the record the entry is about.
    """
    entry_type(kind)  # refuses an unregistered kind before anything is written
    acting = current_actor()
    if actor is None and acting.is_person:
        actor = acting.user
    with transaction.atomic():
        entry = Entry.objects.create(
            kind=kind,
            occurred_at=occurred_at,
            title=title[:TITLE_LENGTH],
            body=body,
            actor=actor,
            source=acting.source if source is None else source,
            details=dict(details or {}),
            subject_type=ContentType.objects.get_for_model(subject) if subject else None,
            subject_id=subject.pk if subject else None,
        )
        account_ids = list(dict.fromkeys(a.pk for a in accounts))
        contact_ids = list(dict.fromkeys(c.pk for c in contacts))
        EntryAccount.objects.bulk_create(
            EntryAccount(entry=entry, account_id=pk, occurred_at=occurred_at, kind=kind)
            for pk in account_ids
        )
        EntryContact.objects.bulk_create(
            EntryContact(entry=entry, contact_id=pk, occurred_at=occurred_at, kind=kind)
            for pk in contact_ids
        )
    return entry


def rewrite_entry(
    entry: Entry,
    *,
    occurred_at: dt.datetime,
    title: str,
    accounts: Iterable[Account],
    contacts: Iterable[Contact] = (),
    body: str = "",
    details: Mapping[str, Any] | None = None,
    actor: Any = None,
) -> Entry:
    """Write a record's new state over its entry: text, time, facts and links.

    Called by every update service so that an entry never drifts from its record. The links
    are re-synced (accounts and contacts added or removed) and carry the new ``occurred_at``.
    ``actor`` replaces the entry's when given; the entry keeps its own otherwise.
    """
    with transaction.atomic():
        entry.occurred_at = occurred_at
        entry.title = title[:TITLE_LENGTH]
        entry.body = body
        entry.details = dict(details or {})
        fields = ["occurred_at", "title", "body", "details"]
        if actor is not None:
            entry.actor = actor
            fields.append("actor")
        entry.save(update_fields=fields)
        _relink(entry, EntryAccount, "account_id", [a.pk for a in accounts])
        _relink(entry, EntryContact, "contact_id", [c.pk for c in contacts])
    return entry


def _relink(entry: Entry, link: Any, column: str, wanted: list[int]) -> None:
    """Make ``entry``'s rows in the ``link`` table (accounts or contacts) exactly ``wanted``."""
    links = link.objects.filter(entry=entry)
    current = set(links.values_list(column, flat=True))
    target = set(wanted)
    if current - target:
        links.filter(**{f"{column}__in": current - target}).delete()
    links.exclude(occurred_at=entry.occurred_at, kind=entry.kind).update(
        occurred_at=entry.occurred_at, kind=entry.kind
    )
    link.objects.bulk_create(
        link(entry=entry, occurred_at=entry.occurred_at, kind=entry.kind, **{column: pk})
        for pk in dict.fromkeys(wanted)
        if pk not in current
    )


def entries_about(subject: models.Model) -> models.QuerySet[Entry]:
    """The entries whose subject is ``subject`` (e.g. a deal's creation and stage changes)."""
    return Entry.objects.filter(
        subject_type=ContentType.objects.get_for_model(subject), subject_id=subject.pk
    )
