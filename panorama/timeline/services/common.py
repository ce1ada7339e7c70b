"""What every record service shares: posting and rewriting a record's entry, applying
named changes, and writing the audit log (``core.RecordChange``) of each write."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from django.db import models

from panorama.core.actors import current_actor
from panorama.core.audit import log_change, values_of
from panorama.core.models import ChangeAction, User
from panorama.customers.models import Account
from panorama.timeline import rules
from panorama.timeline.describe import EntryContent
from panorama.timeline.entries import post_entry, rewrite_entry
from panorama.timeline.models import Entry


def acting_user() -> User | None:
    return current_actor().user


def post_record_entry(record: models.Model, account: Account, content: EntryContent) -> Entry:
    return post_entry(
        kind=content.kind,
        occurred_at=content.occurred_at,
        title=content.title,
        body=content.body,
        accounts=[account],
        contacts=content.contacts,
        details=content.details,
        actor=content.actor,
        subject=record,
    )


def rewrite_record_entry(record: Any, content: EntryContent) -> None:
    """Write ``content`` over the record's entry of that kind (posting it if it is missing)."""
    entry = record.timeline_entries.filter(kind=content.kind).first()
    if entry is None:
        post_record_entry(record, record.account, content)
        return
    rewrite_entry(
        entry,
        occurred_at=content.occurred_at,
        title=content.title,
        body=content.body,
        accounts=[record.account],
        contacts=content.contacts,
        details=content.details,
        actor=content.actor,
    )


def apply_changes(
    record: models.Model, changes: Mapping[str, Any], editable: frozenset[str]
) -> None:
    """Set the named plain fields on ``record`` (many-to-many names are left to the caller)."""
    rules.refuse_unknown(changes, editable)
    for name, value in changes.items():
        field = record._meta.get_field(name)
        if not field.many_to_many:
            setattr(record, name, value)


def log_created(record: Any) -> None:
    """The audit row of a new record (its values are in the record and its entry)."""
    log_change(record=record, account=record.account, action=ChangeAction.CREATED)


@contextmanager
def audited_update(record: Any, changes: Mapping[str, Any]) -> Iterator[None]:
    """Log the fields ``changes`` names, old → new, once the block has written them (no row
    when nothing really changed)."""
    names = list(changes)
    before = values_of(record, names)
    yield
    after = values_of(record, names)
    log_change(
        record=record,
        account=record.account,
        action=ChangeAction.UPDATED,
        before=before,
        after=after,
    )


def log_deleted(record: Any) -> None:
    """The audit row of a deletion, with the record's last values: all that is left of it."""
    names = [f.name for f in record._meta.concrete_fields if not f.primary_key]
    names += [f.name for f in record._meta.many_to_many]
    log_change(
        record=record,
        account=record.account,
        action=ChangeAction.DELETED,
        before=values_of(record, names),
    )
