"""The rules every interaction record obeys, checked by the services before anything is written.

Each check raises Django's ``ValidationError`` with a dict naming the offending field, so the
REST API answers 400 ``{"field": [message]}`` and a form shows the message at the field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import models

from panorama.customers.models import Account, Contact, Membership, check_web_urls

_email = EmailValidator()


def check_record(record: models.Model, *, urls: tuple[str, ...] = ()) -> None:
    """The model's own field rules (lengths, choices, blanks, uniques, check constraints),
    foreign keys excepted (the services were given objects), plus http(s)-only links."""
    exclude = [f.name for f in record._meta.concrete_fields if isinstance(f, models.ForeignKey)]
    errors: dict[str, Any] = {}
    try:
        record.full_clean(exclude=exclude)
    except ValidationError as exc:
        errors = exc.update_error_dict(errors)  # keeps each error's code ("unique"…)
    try:
        check_web_urls(record, urls)
    except ValidationError as exc:
        errors = exc.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


def check_aware(**moments: dt.datetime | None) -> None:
    """Times are instants: a naive datetime (or something else) is refused, naming it."""
    for name, value in moments.items():
        if value is None:
            continue
        if not isinstance(value, dt.datetime):
            raise ValidationError({name: "Must be a date and time."})
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValidationError({name: "Must be a date and time with a time zone."})


def check_members(
    account: Account, contacts: Iterable[Contact], *, field: str = "contacts"
) -> list[Contact]:
    """The contacts, deduplicated, if each is a member of ``account``; else an error naming
    the field and the contacts that aren't (a call with someone at another customer is
    filed under that customer)."""
    unique = list({c.pk: c for c in contacts}.values())
    if not unique:
        return unique
    members = set(
        Membership.objects.filter(account=account, contact__in=unique).values_list(
            "contact_id", flat=True
        )
    )
    strangers = [c for c in unique if c.pk not in members]
    if strangers:
        names = ", ".join(str(c) for c in strangers)
        raise ValidationError({field: f"Not a contact of {account}: {names}."})
    return unique


def check_addresses(field: str, addresses: Iterable[Any]) -> list[str]:
    """A list of e-mail addresses, stripped; anything else is an error naming the field."""
    if isinstance(addresses, str):
        raise ValidationError({field: "Must be a list of e-mail addresses."})
    cleaned = []
    for address in addresses:
        if not isinstance(address, str) or not address.strip():
            raise ValidationError({field: f"{address!r} is not an e-mail address."})
        address = address.strip()
        try:
            _email(address)
        except ValidationError:
            raise ValidationError({field: f"{address!r} is not an e-mail address."}) from None
        cleaned.append(address)
    return cleaned


def check_attachments(attachments: Iterable[Any]) -> list[dict[str, Any]]:
    """Attachment metadata: ``[{filename, content_type, size}]`` (size a count of bytes ≥ 0)."""
    cleaned = []
    for item in attachments:
        if not isinstance(item, Mapping) or not isinstance(item.get("filename"), str):
            raise ValidationError({"attachments": "Each attachment needs a filename."})
        size = item.get("size", 0)
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise ValidationError({"attachments": f"{item['filename']!r}: size must be ≥ 0."})
        content_type = item.get("content_type") or "application/octet-stream"
        if not isinstance(content_type, str):
            raise ValidationError({"attachments": f"{item['filename']!r}: bad content type."})
        cleaned.append(
            {"filename": item["filename"][:255], "content_type": content_type, "size": size}
        )
    return cleaned


def check_changes(changes: Any) -> dict[str, dict[str, Any]]:
    """An enrichment's ``{"field": {"old": …, "new": …}}``: at least one field, each with a
    new value."""
    if not isinstance(changes, Mapping) or not changes:
        raise ValidationError({"changes": 'Name at least one field: {"field": {"old", "new"}}.'})
    cleaned = {}
    for name, change in changes.items():
        if not isinstance(name, str) or not name.strip():
            raise ValidationError({"changes": "Field names must be non-empty texts."})
        if not isinstance(change, Mapping) or "new" not in change:
            raise ValidationError({"changes": f"{name!r} needs a new value."})
        cleaned[name.strip()] = {"old": change.get("old"), "new": change["new"]}
    return cleaned


def refuse_unknown(changes: Mapping[str, Any], editable: frozenset[str]) -> None:
    """An update naming a field that doesn't exist or can't be changed writes nothing."""
    unknown = sorted(set(changes) - editable)
    if unknown:
        raise ValidationError(
            dict.fromkeys(unknown, "Unknown or read-only field; nothing was changed.")
        )
