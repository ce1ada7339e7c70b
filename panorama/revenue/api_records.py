"""What the record APIs (revenue, support, timeline) share beyond ``customers.api_base``:
ids in bodies resolved to records the caller may see, read-only fields, windows of time.

An id in a body that the caller may not see is refused as if it did not exist: a 400 "No
such account." naming the field, never a hint that it exists elsewhere. Records themselves are
written only by their app's services (record, timeline entry and audit row in one
transaction); these helpers only resolve and check what the API hands them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from panorama.core.models import User
from panorama.core.visibility import visible_accounts, visible_contacts
from panorama.customers.models import Account, Contact

M = TypeVar("M", bound=models.Model)


def no_such(field: str, what: str) -> ValidationError:
    return ValidationError({field: f"No such {what}."})


def visible_account(user: User, pk: int, field: str = "account") -> Account:
    """The account a body names, if the caller may see it; else a 400 naming ``field``."""
    account = visible_accounts(user).filter(pk=pk).first()
    if account is None:
        raise no_such(field, "account")
    return account


def visible_record(queryset: QuerySet[M], pk: int | None, field: str, what: str) -> M | None:
    """The record ``pk`` of ``queryset`` (a visible set: ``deals_for_list(user)``…), None for
    None; else a 400 naming ``field``."""
    if pk is None:
        return None
    record = queryset.filter(pk=pk).first()
    if record is None:
        raise no_such(field, what)
    return record


def visible_contact(user: User, pk: int | None, field: str = "contact") -> Contact | None:
    return visible_record(visible_contacts(user), pk, field, "contact")


def visible_contacts_of(user: User, ids: Iterable[int], field: str = "contacts") -> list[Contact]:
    """The contacts ``ids`` (in that order, once each) if the caller may see every one; else
    a 400 naming ``field`` and the ids it does not know."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return []
    found = visible_contacts(user).in_bulk(wanted)
    missing = [pk for pk in wanted if pk not in found]
    if missing:
        listed = ", ".join(f"#{pk}" for pk in missing)
        raise ValidationError({field: f"No such contact: {listed}."})
    return [found[pk] for pk in wanted]


def active_user(pk: int | None, field: str) -> User | None:
    """The active user ``pk`` (a deal's owner, a task's assignee…); else a 400."""
    if pk is None:
        return None
    user = User.objects.filter(pk=pk, is_active=True).first()
    if user is None:
        raise no_such(field, "active user")
    return user


def active_users(ids: Iterable[int], field: str) -> list[User]:
    wanted = list(dict.fromkeys(ids))
    found = User.objects.filter(is_active=True).in_bulk(wanted)
    missing = [pk for pk in wanted if pk not in found]
    if missing:
        listed = ", ".join(f"#{pk}" for pk in missing)
        raise ValidationError({field: f"No such active user: {listed}."})
    return [found[pk] for pk in wanted]


def stored_value(record: models.Model, name: str) -> Any:
    """A field's stored value as a body writes it: relations as ids."""
    field = record._meta.get_field(name)
    if field.is_relation and not field.many_to_many:
        return getattr(record, field.attname)  # type: ignore[union-attr]
    return getattr(record, name)


def _same(sent: Any, stored: Any) -> bool:
    """Whether a value sent in a body is the stored one (a time compared as a time)."""
    if isinstance(stored, dt.datetime) and isinstance(sent, str):
        try:
            moment = parse_datetime(sent)
        except ValueError:
            return False
        return moment is not None and timezone.is_aware(moment) and moment == stored
    return bool(sent == stored)


def refuse_read_only(
    record: models.Model, changes: dict[str, Any], messages: Mapping[str, str]
) -> None:
    """Drop the read-only fields of ``changes`` that repeat the stored value (a record read
    and written back); a 400 naming each that would change it, with what to do instead."""
    errors = {}
    for name, message in messages.items():
        if name not in changes:
            continue
        if not _same(changes.pop(name), stored_value(record, name)):
            errors[name] = message
    if errors:
        raise ValidationError(errors)


def in_window(
    queryset: QuerySet[M],
    field: str,
    since: dt.date | dt.datetime | None,
    until: dt.date | dt.datetime | None,
) -> QuerySet[M]:
    """Records whose ``field`` is at or after ``since`` and before ``until``."""
    if since is not None:
        queryset = queryset.filter(**{f"{field}__gte": since})
    if until is not None:
        queryset = queryset.filter(**{f"{field}__lt": until})
    return queryset


def with_visible_contacts(user: User, lookup: str = "contacts") -> Prefetch:
    """Prefetch a record's contacts that ``user`` may see into ``visible_contacts`` (one
    query per page): a contact since removed from every account the user sees is not named."""
    return Prefetch(
        lookup,
        queryset=visible_contacts(user).order_by("last_name", "first_name", "id"),
        to_attr="visible_contacts",
    )


def seen_contact(record: Any) -> Contact | None:
    """A record's contact if the reader may see it (``with_contact_visibility``), else None."""
    if record.contact_id is None or not getattr(record, "contact_visible", False):
        return None
    return record.contact
