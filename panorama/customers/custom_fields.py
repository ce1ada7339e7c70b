"""Validation of custom field values against their definitions (pure: no ORM).

Every write of an account's or contact's custom values goes through ``clean_custom_values``;
errors are keyed by the field's key and name the field by its label, so a form, the admin or
an API client can say exactly what is wrong.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from typing import Any, Protocol


class FieldType:
    TEXT = "text"
    NUMBER = "number"
    DATE = "date"
    BOOLEAN = "boolean"
    CHOICE = "choice"

    CHOICES = (
        (TEXT, "Text"),
        (NUMBER, "Number"),
        (DATE, "Date"),
        (BOOLEAN, "Yes / no"),
        (CHOICE, "Choice"),
    )


TEXT_MAX_LENGTH = 2000


class Definition(Protocol):
    """What validation needs to know of a custom field definition."""

    key: str
    label: str
    field_type: str
    options: list[str]


class CustomValueError(ValueError):
    """Raised with ``errors``: a mapping of field key to a message naming the field."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(self.errors.values()))


def clean_value(definition: Definition, value: Any) -> Any:
    """Return ``value`` in its stored JSON form, or raise ``ValueError`` saying why not."""
    if value is None:
        return None
    kind = definition.field_type
    if kind == FieldType.TEXT:
        if not isinstance(value, str):
            raise ValueError(f"expects text, got {value!r}")
        if len(value) > TEXT_MAX_LENGTH:
            raise ValueError(f"is longer than {TEXT_MAX_LENGTH} characters")
        return value
    if kind == FieldType.NUMBER:
        # bool is an int in Python, but True is not a number anyone meant to type.
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise ValueError(f"expects a number, got {value!r}")
        if isinstance(value, str):
            try:
                value = float(value) if any(c in value for c in ".eE") else int(value)
            except ValueError:
                raise ValueError(f"expects a number, got {value!r}") from None
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"expects a finite number, got {value!r}")
        return value
    if kind == FieldType.DATE:
        if isinstance(value, dt.datetime):
            raise ValueError(f"expects a date without a time, got {value!r}")
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value).isoformat()
            except ValueError:
                raise ValueError(f"expects a date as YYYY-MM-DD, got {value!r}") from None
        raise ValueError(f"expects a date as YYYY-MM-DD, got {value!r}")
    if kind == FieldType.BOOLEAN:
        if not isinstance(value, bool):
            raise ValueError(f"expects true or false, got {value!r}")
        return value
    if kind == FieldType.CHOICE:
        if value not in definition.options:
            allowed = ", ".join(definition.options)
            raise ValueError(f"expects one of {allowed}, got {value!r}")
        return value
    raise ValueError(f"has an unknown type {kind!r}")


def clean_custom_values(
    definitions: Iterable[Definition], values: Mapping[str, Any]
) -> dict[str, Any]:
    """Validate every value against its definition; unknown keys are errors too.

    Returns the cleaned values without ``None`` entries (a ``None`` clears a value).
    """
    by_key = {d.key: d for d in definitions}
    cleaned: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for key, value in values.items():
        definition = by_key.get(key)
        if definition is None:
            errors[key] = f"Unknown custom field {key!r}"
            continue
        try:
            value = clean_value(definition, value)
        except ValueError as exc:
            errors[key] = f"Custom field {definition.label!r} ({key}) {exc}"
            continue
        if value is not None:
            cleaned[key] = value
    if errors:
        raise CustomValueError(errors)
    return cleaned
