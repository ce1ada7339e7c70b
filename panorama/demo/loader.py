"""Write a generated demo dataset to an empty database, fast.

Everything happens in one transaction (all or nothing, one commit instead of a million) and
as the ``demo`` actor. No row goes through ``save()``: attribute history must not record a
change for every generated value, and the values are valid by construction (the tests check
them against the models' own validation).

Accounts, contacts and memberships, nearly all of the rows, are written with
``rows.RowWriter`` (``executemany``) and explicit account and contact ids counted up from the
highest existing one, so children point at parents and memberships at both without asking
the database; the id sequences are moved past them at the end (PostgreSQL). The small tables
use ``bulk_create``. Contacts are streamed in chunks, so memory stays flat at any size.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TypeVar

from django.db import connection, models, transaction

from panorama.core.actors import Actor, acting_as
from panorama.customers.models import Account, AccountFollower, Contact, Membership
from panorama.demo.records import DemoDataset
from panorama.demo.reference import DemoLoadError, References, write_references
from panorama.demo.rows import RowWriter, next_id, reset_sequences

__all__ = ["DemoLoadError", "LoadSummary", "check_empty", "load"]

BATCH_SIZE = 2000  # rows per bulk_create INSERT; SQLite caps it further at 999 parameters
CONTACT_CHUNK = 5000  # contacts held in memory at once
SQLITE_CACHE_KIB = 512 * 1024  # an upper bound: SQLite only takes pages as it needs them

T = TypeVar("T")
M = TypeVar("M", bound=models.Model)


@dataclass
class LoadSummary:
    """How many rows of each kind were written, and how long each step took (seconds)."""

    counts: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)


def load(dataset: DemoDataset, progress: Callable[[str], None] | None = None) -> LoadSummary:
    """Write ``dataset`` into a database without accounts or contacts; say what was written.

    Raises ``DemoLoadError`` (and writes nothing) when the database is not empty or lacks
    something the demo relies on. ``progress`` receives a line per finished step.
    """
    summary = LoadSummary()
    report = progress or (lambda _message: None)
    with acting_as(Actor(source="demo")), transaction.atomic(), _large_sqlite_cache():
        check_empty()
        _Load(dataset, summary, report).run()
    return summary


def check_empty() -> None:
    """Raise ``DemoLoadError`` unless the database has no accounts and no contacts.

    ``load`` checks again inside its transaction, where SQLite already holds the write lock
    (IMMEDIATE), so nothing can slip in between the check and the load; callers may check
    early too, before spending time generating.
    """
    accounts, contacts = Account.objects.count(), Contact.objects.count()
    if accounts or contacts:
        raise DemoLoadError(
            f"The database already has {accounts:,} account(s) and {contacts:,} contact(s); "
            "demo data only loads into a database without any. Point DATABASE_URL at a "
            "fresh database (e.g. sqlite:////tmp/demo.sqlite3) or delete them first."
        )


@contextmanager
def _large_sqlite_cache() -> Iterator[None]:
    """Give SQLite a page cache that holds the indexes being filled.

    The e-mail and external id indexes receive keys in random order; with SQLite's default
    2 MB cache each insert then reads and writes index pages from disk.
    """
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        previous = int(cursor.fetchone()[0])
        cursor.execute(f"PRAGMA cache_size = {-SQLITE_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {previous}")


def _batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


class _Load:
    """One load of one dataset: the steps, and the ids later rows point to."""

    def __init__(
        self, dataset: DemoDataset, summary: LoadSummary, report: Callable[[str], None]
    ) -> None:
        self.dataset = dataset
        self.summary = summary
        self.report = report
        self.refs = References()
        self.first_account_id = 0

    def run(self) -> None:
        for name, step in (
            ("reference data", self._references),
            ("accounts", self._accounts),
            ("contacts", self._contacts),
        ):
            started = time.perf_counter()
            step()
            elapsed = time.perf_counter() - started
            self.summary.timings[name] = elapsed
            self.report(f"{name}: {elapsed:.1f} s")
        reset_sequences(Account, Contact)

    def _count(self, name: str, number: int) -> None:
        self.summary.counts[name] = self.summary.counts.get(name, 0) + number

    def _references(self) -> None:
        self.refs = write_references(self.dataset)
        for name, number in self.refs.created.items():
            self._count(name, number)

    def _accounts(self) -> None:
        refs, accounts = self.refs, self.dataset.accounts
        self.first_account_id = first = next_id(Account)
        self._count(
            "accounts",
            RowWriter(Account).write(
                {
                    "id": first + a.index,
                    "name": a.name,
                    "domain": a.domain,
                    "external_id": a.external_id,
                    "industry": a.industry,
                    "employee_count": a.employee_count,
                    "annual_revenue": a.annual_revenue,
                    "city": a.city,
                    "country": a.country,
                    "linkedin_url": a.linkedin_url,
                    "description": a.description,
                    "parent_id": None if a.parent_index is None else first + a.parent_index,
                    "account_type": a.account_type,
                    "owner_id": refs.users[a.owner_email],
                    "stage_id": refs.stages[a.stage],
                    "status": a.status,
                    "segment": a.segment,
                    "service_tier": a.service_tier,
                    "plan_id": None if a.plan is None else refs.plans[a.plan],
                    "customer_since": a.customer_since,
                    "csm_pulse": a.csm_pulse,
                    "qualification_state": a.qualification_state,
                    "custom_fields": a.custom_fields,
                    "created_at": a.created_at,
                    "updated_at": a.updated_at,
                }
                for a in accounts
            ),
        )
        self._count("sub-accounts", sum(a.parent_index is not None for a in accounts))
        links = Account.tags.through
        self._count(
            "tag links",
            self._bulk_create(
                links(account_id=first + a.index, tag_id=refs.tags[name])
                for a in accounts
                for name in a.tags
            ),
        )
        self._count(
            "followers",
            self._bulk_create(
                AccountFollower(
                    account_id=first + a.index, user_id=refs.users[f.email], added_at=f.added_at
                )
                for a in accounts
                for f in a.followers
            ),
        )

    def _contacts(self) -> None:
        contacts, memberships = RowWriter(Contact), RowWriter(Membership)
        next_contact = next_id(Contact)
        for chunk in _batched(self.dataset.contacts(), CONTACT_CHUNK):
            ids = range(next_contact, next_contact + len(chunk))
            next_contact += len(chunk)
            self._count(
                "contacts",
                contacts.write(
                    {
                        "id": pk,
                        "email": c.email,
                        "first_name": c.first_name,
                        "last_name": c.last_name,
                        "title": c.title,
                        "phone": c.phone,
                        "external_id": c.external_id,
                        "buying_role": c.buying_role,
                        "is_sponsor": c.is_sponsor,
                        "custom_fields": c.custom_fields,
                        "created_at": c.created_at,
                        "updated_at": c.updated_at,
                    }
                    for pk, c in zip(ids, chunk, strict=True)
                ),
            )
            self._count(
                "memberships",
                memberships.write(
                    {
                        "contact_id": pk,
                        "account_id": self.first_account_id + m.account_index,
                        "role": m.role,
                        "is_primary": m.is_primary,
                        "created_at": m.created_at,
                    }
                    for pk, c in zip(ids, chunk, strict=True)
                    for m in c.memberships
                ),
            )

    @staticmethod
    def _bulk_create(rows: Iterable[M]) -> int:
        """``bulk_create`` ``rows`` (all of one model) in chunks; return how many."""
        written = 0
        for chunk in _batched(rows, CONTACT_CHUNK):
            type(chunk[0])._default_manager.bulk_create(chunk, batch_size=BATCH_SIZE)
            written += len(chunk)
        return written
