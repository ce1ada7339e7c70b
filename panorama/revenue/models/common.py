"""What every revenue and support record shares: money fields, validation on save, and the
link to the record's timeline entries.

The support app reuses these (and ``panorama.core.audit``): they are record plumbing, not
revenue rules, and belong in ``core`` once it has an audit log of its own.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.db import models

# Amounts are in the record's own currency; nothing converts between currencies.
DEFAULT_CURRENCY = "USD"
MONEY: dict[str, Any] = {"max_digits": 14, "decimal_places": 2}
ISO_4217 = re.compile(r"^[A-Z]{3}$")


def validate_currency(value: str) -> None:
    if not ISO_4217.match(value or ""):
        raise ValidationError(
            f"{value!r} is not an ISO 4217 currency code (three capital letters, e.g. EUR).",
            code="invalid_currency",
        )


def currency_field() -> models.CharField[str, str]:
    return models.CharField(
        max_length=3,
        default=DEFAULT_CURRENCY,
        validators=[validate_currency],
        help_text="ISO 4217 code, e.g. EUR.",
    )


def validate_record(record: models.Model) -> None:
    """Check a record's fields, its own rules (``clean``) and its unique fields.

    ``normalise()``, when the model has one, tidies values first (codes upper-cased, names
    stripped). Foreign keys are checked for presence but not looked up again (the database
    enforces them), so validating costs no query beyond the unique checks and ``clean``'s own.
    """
    normalise = getattr(record, "normalise", None)
    if normalise is not None:
        normalise()
    relations = [f for f in record._meta.concrete_fields if f.is_relation]
    errors: dict[str, Any] = {}
    for field in relations:
        if not field.null and getattr(record, field.attname) is None:
            errors[field.name] = ["This field is required."]
    try:
        record.clean_fields(exclude=[f.name for f in relations])
    except ValidationError as exc:
        errors = exc.update_error_dict(errors)
    if not errors:
        _quantize_decimals(record)
        try:
            record.clean()
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
    if not errors:
        try:
            record.validate_unique()
            for constraint in record._meta.constraints:
                if isinstance(constraint, models.UniqueConstraint):
                    unique: Any = constraint  # django-stubs lack BaseConstraint.validate
                    unique.validate(type(record), record)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


def _quantize_decimals(record: models.Model) -> None:
    """Give decimals their column's places (12000 -> 12000.00), as they will be stored."""
    for field in record._meta.concrete_fields:
        if isinstance(field, models.DecimalField):
            value = getattr(record, field.attname)
            if isinstance(value, Decimal):
                setattr(record, field.attname, value.quantize(Decimal(10) ** -field.decimal_places))


class ValidatedModel(models.Model):
    """Abstract base: every ``save()`` validates the record first, so no write path (services,
    admin, importers) can store one that breaks its rules. Errors name the fields."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        validate_record(self)
        super().save(*args, **kwargs)


class OnTimeline(ValidatedModel):
    """Abstract base of a record that has timeline entries (``post_entry(subject=record)``);
    deleting the record deletes them."""

    timeline_entries = GenericRelation(
        "timeline.Entry", content_type_field="subject_type", object_id_field="subject_id"
    )

    class Meta:
        abstract = True
