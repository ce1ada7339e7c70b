"""Writing the audit log (``core.RecordChange``) of records other than accounts and contacts,
and applying the changes an ``update_*`` service is given.

Services call these inside their transaction; the author is the current actor
(``core.actors``), as for the attribute history of accounts and contacts.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Collection, Mapping
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.db.models import QuerySet

from panorama.core.actors import current_actor
from panorama.core.models import ChangeAction, RecordChange
from panorama.customers.models import Account

LABEL_LENGTH = RecordChange._meta.get_field("record_label").max_length or 300


def json_value(value: Any) -> Any:
    """A value as the audit log stores it (dates as ISO text, decimals as text)."""
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, list | tuple | set):
        return [json_value(v) for v in value]
    return value


def values_of(record: models.Model, names: Collection[str]) -> dict[str, Any]:
    """The current values of ``names`` (foreign keys as ids, many-to-many as sorted ids)."""
    values: dict[str, Any] = {}
    for name in names:
        field = record._meta.get_field(name)
        if field.many_to_many:
            values[name] = sorted(getattr(record, name).values_list("pk", flat=True))
        elif field.is_relation:
            values[name] = getattr(record, field.attname)  # type: ignore[union-attr]
        else:
            values[name] = getattr(record, name)
    return values


def apply_changes(
    record: models.Model, changes: Mapping[str, Any], editable: Collection[str]
) -> None:
    """Set ``changes`` on ``record``; a field outside ``editable`` is an error naming it and
    nothing is set."""
    refused: dict[str, str] = {}
    for name in changes:
        if name in editable:
            continue
        try:
            record._meta.get_field(name)
        except FieldDoesNotExist:
            refused[name] = f"{type(record).__name__} has no field {name!r}."
        else:
            refused[name] = f"{name!r} cannot be changed here."
    if refused:
        raise ValidationError(refused)
    for name, value in changes.items():
        if not record._meta.get_field(name).many_to_many:
            setattr(record, name, value)


def _display(record: models.Model, name: str, value: Any) -> str:
    field = record._meta.get_field(name)
    if value is None or value == "":
        return ""
    related = field.related_model
    if field.is_relation and isinstance(related, type) and issubclass(related, models.Model):
        ids = value if isinstance(value, list) else [value]
        found = {o.pk: str(o) for o in related._base_manager.filter(pk__in=ids)}
        return ", ".join(found.get(pk, f"#{pk}") for pk in ids)
    choices = getattr(field, "flatchoices", None)
    if choices:
        return str(dict(choices).get(value, value))
    return str(json_value(value))


def log_change(
    *,
    record: models.Model,
    account: Account,
    action: str,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> RecordChange | None:
    """Write one audit row for ``record``.

    A creation is logged without values (the record and its timeline entry hold them); an
    update keeps only the fields whose value differs between ``before`` and ``after``, and
    writes nothing when none does; a deletion keeps ``before``, the record's last values.
    """
    before, after = dict(before or {}), dict(after or {})
    changes: dict[str, dict[str, Any]] = {}
    for name in sorted(before.keys() | after.keys()):
        old, new = before.get(name), after.get(name)
        if action == ChangeAction.UPDATED and old == new:
            continue
        change = {"old": json_value(old), "new": json_value(new)}
        if record._meta.get_field(name).is_relation:
            change["old_display"] = _display(record, name, old)
            change["new_display"] = _display(record, name, new)
        changes[name] = change
    if action == ChangeAction.UPDATED and not changes:
        return None
    actor = current_actor()
    return RecordChange.objects.create(
        account=account,
        record_type=ContentType.objects.get_for_model(record),
        record_id=record.pk,
        record_label=str(record)[:LABEL_LENGTH],
        action=action,
        changes=changes,
        changed_by=actor.user,
        source=actor.source,
    )


def changes_of(record: models.Model) -> QuerySet[RecordChange]:
    """The audit log of one record (also after it was deleted), newest first."""
    return RecordChange.objects.filter(
        record_type=ContentType.objects.get_for_model(record), record_id=record.pk
    ).select_related("changed_by")
