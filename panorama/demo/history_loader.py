"""Load a year of customer records (``history``) for the demo accounts already in the database.

The records are generated purely, then written as rows (``history_rows``) with ``RowWriter``
(``executemany`` on SQLite, ``COPY`` on PostgreSQL) in one transaction, as the ``demo`` actor:
writing them one by one through the record services would take minutes for a few hundred
accounts. The rows are those the services write (``tests/test_history_shapes.py`` proves it
against ``history_services``), and the timeline's search index follows by itself: SQLite's FTS5
table is kept by triggers on ``timeline_entry``, PostgreSQL's ``tsvector`` is a generated
column.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction

from panorama.core.actors import Actor, acting_as
from panorama.core.models import RecordChange, User
from panorama.customers.models import Account, Contact, Membership, Plan
from panorama.demo.history import generate_histories, records_limit
from panorama.demo.history_records import DemoMember
from panorama.demo.history_rows import (
    CALL_CONTACTS,
    EMAIL_CONTACTS,
    MEETING_CONTACTS,
    MEETING_USERS,
    NUMBERED,
    HistoryRows,
    Known,
)
from panorama.demo.history_rows_revenue import DEAL_CONTACTS
from panorama.demo.loader import _large_sqlite_cache
from panorama.demo.phrases import DEFAULT_COMPETITORS
from panorama.demo.records import DemoDataset
from panorama.demo.reference import DemoLoadError
from panorama.demo.rows import RowWriter, next_id, reset_sequences
from panorama.revenue.models import DealStageChange, PipelineStage
from panorama.revenue.services import ensure_default_pipeline
from panorama.timeline.models import Email, EmailThread, Entry, EntryAccount, EntryContact

ACCOUNTS_PER_WRITE = 100  # accounts whose rows are built before they are written
LOOKUP_CHUNK = 500  # ids per IN (…) when reading back accounts and memberships
# What the summary calls the rows of each table.
LABELS: dict[type[models.Model], str] = {
    EMAIL_CONTACTS: "",
    CALL_CONTACTS: "",
    MEETING_CONTACTS: "",
    MEETING_USERS: "",
    DEAL_CONTACTS: "",
    EntryAccount: "",
    EntryContact: "",
    EmailThread: "e-mail threads",
    Email: "e-mails",
    DealStageChange: "deal stage changes",
    RecordChange: "audit rows",
    Entry: "timeline entries",
}


@dataclass
class HistorySummary:
    """What ``load_history`` wrote."""

    accounts: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def load_history(
    dataset: DemoDataset,
    limit: int | None = None,
    competitors: Sequence[str] = DEFAULT_COMPETITORS,
    progress: Callable[[str], None] | None = None,
) -> HistorySummary:
    """Generate and write the records of the first ``limit`` accounts of a loaded ``dataset``
    (default: ``history.records_limit``). Raises ``DemoLoadError`` (and writes nothing) when
    the database lacks what the records point to."""
    started = time.perf_counter()
    report = progress or (lambda _message: None)
    limit = records_limit(len(dataset.accounts), limit)
    summary = HistorySummary(accounts=limit)
    with acting_as(Actor(source="demo")), transaction.atomic(), _large_sqlite_cache():
        known, members = read_known(dataset, limit)
        rows = HistoryRows(known, {model: next_id(model) for model in NUMBERED})
        writers: dict[type[models.Model], RowWriter] = {}
        histories = generate_histories(dataset, members, limit, competitors)
        for number, history in enumerate(histories, start=1):
            rows.add(history)
            if number % ACCOUNTS_PER_WRITE == 0 or number == limit:
                _write(rows.take(), writers, summary.counts)
                report(
                    f"records: {number:,} of {limit:,} accounts "
                    f"({time.perf_counter() - started:.1f} s)"
                )
        reset_sequences(*NUMBERED)
    summary.seconds = time.perf_counter() - started
    return summary


def _write(
    rows: dict[type[models.Model], list[dict[str, Any]]],
    writers: dict[type[models.Model], RowWriter],
    counts: dict[str, int],
) -> None:
    for model, table_rows in rows.items():
        writer = writers.setdefault(model, RowWriter(model))
        written = writer.write(table_rows)
        label = LABELS.get(model, str(model._meta.verbose_name_plural))
        if label:
            counts[label] = counts.get(label, 0) + written


def read_known(dataset: DemoDataset, limit: int) -> tuple[Known, dict[int, list[DemoMember]]]:
    """What the rows point to (ids of accounts, contacts, memberships, users, stages, plans,
    content types), and the contacts of each account as the generator wants them."""
    chosen = dataset.accounts[:limit]
    by_external: dict[str | None, int] = {a.external_id: a.index for a in chosen}
    accounts: dict[int, Account] = {}
    ids = [a.external_id for a in chosen]
    for start in range(0, len(ids), LOOKUP_CHUNK):
        part = ids[start : start + LOOKUP_CHUNK]
        for external_id, pk, name in Account.objects.filter(external_id__in=part).values_list(
            "external_id", "pk", "name"
        ):
            accounts[by_external[external_id]] = Account(pk=pk, name=name)
    missing = len(chosen) - len(accounts)
    if missing:
        raise DemoLoadError(f"{missing:,} demo account(s) are missing; load the demo first.")
    index_of = {a.pk: i for i, a in accounts.items()}
    contacts: dict[str, Contact] = {}
    memberships: dict[tuple[int, str], Membership] = {}
    members: dict[int, list[DemoMember]] = {i: [] for i in accounts}
    account_ids = sorted(index_of)
    for start in range(0, len(account_ids), LOOKUP_CHUNK):
        chunk = account_ids[start : start + LOOKUP_CHUNK]
        for row in Membership.objects.filter(account_id__in=chunk).values(
            "pk",
            "account_id",
            "contact_id",
            "role",
            "is_primary",
            "created_at",
            "contact__email",
            "contact__first_name",
            "contact__last_name",
            "contact__title",
            "contact__buying_role",
            "contact__is_sponsor",
            "contact__created_at",
        ):
            email = row["contact__email"]
            if not email:
                continue  # only people the generator made (all have an e-mail)
            index = index_of[row["account_id"]]
            if email not in contacts:
                contacts[email] = Contact(
                    pk=row["contact_id"],
                    email=email,
                    first_name=row["contact__first_name"],
                    last_name=row["contact__last_name"],
                    title=row["contact__title"],
                )
            memberships[(index, email)] = Membership(
                pk=row["pk"],
                account_id=row["account_id"],
                contact_id=row["contact_id"],
                role=row["role"],
                is_primary=row["is_primary"],
                created_at=row["created_at"],
            )
            members[index].append(
                DemoMember(
                    email=email,
                    first_name=row["contact__first_name"],
                    last_name=row["contact__last_name"],
                    title=row["contact__title"],
                    buying_role=row["contact__buying_role"],
                    is_sponsor=row["contact__is_sponsor"],
                    is_primary=row["is_primary"],
                    role=row["role"],
                    joined_at=max(row["contact__created_at"], row["created_at"]),
                )
            )
    for people in members.values():
        people.sort(key=lambda m: m.email)
    users = {
        u.email.lower(): u for u in User.objects.filter(email__in=[u.email for u in dataset.users])
    }
    if len(users) < len(dataset.users):
        raise DemoLoadError("The demo's users are missing; load the demo first.")
    pipeline = ensure_default_pipeline()
    stages = {s.name: s for s in PipelineStage.objects.filter(pipeline=pipeline)}
    needed = {
        "Qualification",
        "Discovery",
        "Demo",
        "Proposal",
        "Negotiation",
        "Closed won",
        "Closed lost",
    }
    if not needed <= stages.keys():
        raise DemoLoadError(
            f"The default pipeline {pipeline.name!r} lacks the stages "
            f"{', '.join(sorted(needed - stages.keys()))}; demo deals move through them."
        )
    for stage in stages.values():
        stage.pipeline = pipeline
    plans = {p.name: p for p in Plan.objects.filter(name__in=[p.name for p in dataset.plans])}
    subjects: list[type[models.Model]] = [Membership, *(m for m in NUMBERED if m is not Entry)]
    content_types = {m: ContentType.objects.get_for_model(m).pk for m in subjects}
    known = Known(
        accounts=accounts,
        contacts=contacts,
        memberships=memberships,
        users=users,
        pipeline=pipeline,
        stages=stages,
        plans=plans,
        content_types=content_types,
    )
    return known, members
