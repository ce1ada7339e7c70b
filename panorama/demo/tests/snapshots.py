"""Every row the demo's records touch, comparable between two loads whatever their ids.

Two loads of the same data get different ids (PostgreSQL sequences are not rolled back, SQLite
keeps counting after deletes), but in the same order. So each id is taken as its distance from
its table's first id, in the rows, in foreign keys, in ``Entry.subject_id``, in the audit
rows' ``record_id`` and in the ids ``Entry.details`` holds.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from panorama.core.models import RecordChange, User
from panorama.customers.models import Account, Contact, Membership
from panorama.demo.history_rows import (
    CALL_CONTACTS,
    EMAIL_CONTACTS,
    MEETING_CONTACTS,
    MEETING_USERS,
    NUMBERED,
)
from panorama.demo.history_rows_revenue import DEAL_CONTACTS
from panorama.revenue.models import Contract, Deal, DealStageChange, Invoice
from panorama.support.models import SurveyResponse, Ticket
from panorama.timeline.models import EmailThread, Entry, EntryAccount, EntryContact

# Entry.details keys holding ids, and their tables.
DETAIL_IDS: dict[str, type[models.Model]] = {
    "thread_id": EmailThread,
    "deal_id": Deal,
    "contract_id": Contract,
    "renewed_from_id": Contract,
    "invoice_id": Invoice,
    "ticket_id": Ticket,
    "survey_response_id": SurveyResponse,
    "membership_id": Membership,
    "owner_id": User,
}
LINKS: tuple[type[models.Model], ...] = (
    EntryAccount,
    EntryContact,
    EMAIL_CONTACTS,
    CALL_CONTACTS,
    MEETING_CONTACTS,
    MEETING_USERS,
    DEAL_CONTACTS,
    DealStageChange,
    RecordChange,
)
PEOPLE: tuple[type[models.Model], ...] = (Account, Contact, Membership, User)


class Offsets:
    """Each table's first id, to compare ids as distances from it."""

    def __init__(self, tables: tuple[type[models.Model], ...]) -> None:
        self.first = {
            m: (m._default_manager.aggregate(low=models.Min("pk"))["low"] or 0) for m in tables
        }
        self.by_type = {ContentType.objects.get_for_model(m).pk: m for m in tables}

    def of(self, model: Any, pk: Any) -> Any:
        if pk is None or model not in self.first:
            return pk
        return pk - self.first[model]


def table(model: type[models.Model], offsets: Offsets) -> list[tuple[Any, ...]]:
    """Every row of ``model``, ids as offsets (its own id only for tables with given ids)."""
    rows = []
    fields = model._meta.concrete_fields
    for values in model._default_manager.order_by().values(*[f.attname for f in fields]):
        row: list[Any] = []
        for f in fields:
            value = values[f.attname]
            if f.primary_key:
                if model not in NUMBERED and model not in PEOPLE:
                    continue
                value = offsets.of(model, value)
            elif f.is_relation:
                value = offsets.of(f.related_model, value)
            row.append((f.attname, _normalised(model, f.attname, value, values, offsets)))
        rows.append(tuple(row))
    return sorted(rows, key=repr)


def _normalised(
    model: type[models.Model], name: str, value: Any, row: dict[str, Any], offsets: Offsets
) -> Any:
    if model is Entry and name == "subject_id":
        return offsets.of(offsets.by_type.get(row["subject_type_id"]), value)
    if model is RecordChange and name == "record_id":
        return offsets.of(offsets.by_type.get(row["record_type_id"]), value)
    if model is Entry and name == "details":
        return {k: offsets.of(DETAIL_IDS[k], v) if k in DETAIL_IDS else v for k, v in value.items()}
    return value


def snapshot(*, people: bool = False) -> dict[str, list[tuple[Any, ...]]]:
    """The rows of the records' tables (and of accounts, contacts, memberships and users)."""
    tables = (*NUMBERED, *LINKS, *(PEOPLE if people else ()))
    offsets = Offsets((*NUMBERED, *PEOPLE))
    return {m._meta.label: table(m, offsets) for m in tables}


def fingerprint(rows: dict[str, list[tuple[Any, ...]]]) -> str:
    return hashlib.sha256(repr(sorted(rows.items())).encode()).hexdigest()


def first_difference(
    one: dict[str, list[tuple[Any, ...]]], other: dict[str, list[tuple[Any, ...]]]
) -> str:
    """The first table whose rows differ, and a few rows on each side (empty when equal)."""
    for name, rows in one.items():
        theirs = other[name]
        if rows != theirs:
            mine = [r for r in rows if r not in theirs][:2]
            missing = [r for r in theirs if r not in rows][:2]
            return (
                f"{name}: {len(rows)} rows against {len(theirs)}\n"
                f"only in the first: {mine}\nonly in the second: {missing}"
            )
    return ""
