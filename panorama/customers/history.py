"""Field-level change tracking for accounts and contacts.

``TracksHistory`` remembers the values a row was loaded with; on ``save()`` it compares them
with the values being written and records one ``AttributeChange`` per changed standard field
and per changed custom-field key, attributed to the current actor (see ``core.actors``).
Creating a row records nothing: ``created_at`` already says when and the first change shows
the starting value. ``QuerySet.update()``, ``bulk_create`` and raw inserts bypass this on
purpose (bulk loaders such as the demo's row writer); code that changes existing records must
go through ``save()``.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterable
from typing import Any

from django.db import models

from panorama.core.actors import current_actor

# Bookkeeping columns whose change is not a change of the customer's attributes.
UNTRACKED = frozenset({"id", "created_at", "updated_at", "custom_fields", "traits"})


def _json_safe(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


class TracksHistory(models.Model):
    """Abstract base: records every change of a tracked field as an ``AttributeChange``."""

    history_fk_name: str  # the AttributeChange foreign key pointing at this model

    class Meta:
        abstract = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._loaded: dict[str, Any] | None = None

    @classmethod
    def from_db(cls, db: str | None, field_names: Any, values: Any) -> Any:
        instance = super().from_db(db, field_names, values)
        instance._loaded = instance._tracked_state(only=set(field_names))
        return instance

    @classmethod
    def tracked_fields(cls) -> list[models.Field[Any, Any]]:
        return [
            f for f in cls._meta.concrete_fields if f.name not in UNTRACKED and not f.primary_key
        ]

    def _tracked_state(self, only: set[str] | None = None) -> dict[str, Any]:
        state: dict[str, Any] = {}
        for field in self.tracked_fields():
            if only is None or field.attname in only:
                state[field.attname] = getattr(self, field.attname)
        if only is None or "custom_fields" in only:
            state["custom_fields"] = dict(getattr(self, "custom_fields", None) or {})
        return state

    def _previous_state(self) -> dict[str, Any] | None:
        """The values as stored, from the load snapshot or, for deferred fields, the database."""
        if self._state.adding or self.pk is None:
            return None
        loaded = dict(self._loaded or {})
        wanted = [f.attname for f in self.tracked_fields()] + ["custom_fields"]
        missing = [name for name in wanted if name not in loaded]
        if missing:
            row = type(self)._base_manager.filter(pk=self.pk).values(*missing).first()
            if row is None:
                return None
            loaded.update(row)
            loaded["custom_fields"] = dict(loaded.get("custom_fields") or {})
        return loaded

    def save(self, *args: Any, **kwargs: Any) -> None:
        previous = self._previous_state()
        super().save(*args, **kwargs)
        current = self._tracked_state()
        if previous is not None:
            update_fields = kwargs.get("update_fields")
            self._record_changes(previous, current, update_fields)
        self._loaded = current

    def _record_changes(
        self,
        previous: dict[str, Any],
        current: dict[str, Any],
        update_fields: Iterable[str] | None,
    ) -> None:
        from panorama.customers.models import AttributeChange

        saved = None if update_fields is None else set(update_fields)
        actor = current_actor()
        common = {
            self.history_fk_name: self,
            "changed_by": actor.user,
            "source": actor.source,
        }
        changes: list[AttributeChange] = []
        for field in self.tracked_fields():
            if saved is not None and field.name not in saved and field.attname not in saved:
                continue
            old, new = previous.get(field.attname), current.get(field.attname)
            if old == new:
                continue
            changes.append(
                AttributeChange(
                    field=field.name,
                    old_value=_json_safe(old),
                    new_value=_json_safe(new),
                    old_display=self._display(field, old),
                    new_display=self._display(field, new),
                    **common,
                )
            )
        if saved is None or "custom_fields" in saved:
            old_custom, new_custom = previous["custom_fields"], current["custom_fields"]
            for key in sorted(old_custom.keys() | new_custom.keys()):
                old, new = old_custom.get(key), new_custom.get(key)
                if old == new:
                    continue
                changes.append(
                    AttributeChange(
                        field=key,
                        is_custom=True,
                        old_value=old,
                        new_value=new,
                        old_display="" if old is None else str(old),
                        new_display="" if new is None else str(new),
                        **common,
                    )
                )
        if changes:
            AttributeChange.objects.bulk_create(changes)

    @staticmethod
    def _display(field: models.Field[Any, Any], value: Any) -> str:
        """Human text for a raw value, resolved now so history survives renames and deletes."""
        if value is None or value == "":
            return ""
        related_model = field.related_model
        if field.is_relation and isinstance(related_model, type):
            related = related_model._base_manager.filter(pk=value).first()
            return str(related) if related is not None else f"#{value}"
        if field.choices:
            return str(dict(field.flatchoices).get(value, value))
        return str(_json_safe(value))
