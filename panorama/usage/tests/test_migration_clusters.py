"""Migration 0004 gives rollups stored before it their clusters and latest event times.

The database is taken back to 0003, filled the way that version stored events (events and
rollups with session counts, no clusters), then migrated forward: the rows must then hold what
the store itself writes for the same events, so new events fold in correctly.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from panorama.customers.models import Account, Contact
from panorama.usage.models import AccountDay, ContactDay
from panorama.usage.storage import EventRow, SqlEventStore

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("usage", "0003_rollup_fk_indexes")]
AFTER = [("usage", "0004_rollup_clusters")]
UTC = dt.UTC


def _migrate(target: list[tuple[str, str]]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)


def _rollups() -> tuple[list[tuple], list[tuple]]:
    contact_days = sorted(
        ContactDay.objects.values_list(
            "account_id", "contact_id", "day", "events", "sessions", "clusters", "last_event_at"
        )
    )
    account_days = sorted(
        AccountDay.objects.values_list("account_id", "day", "events", "sessions", "last_event_at")
    )
    return contact_days, account_days


def test_old_rollups_get_the_clusters_and_times_the_store_would_write():
    acme = Account.objects.create(name="Acme")
    jane = Contact.objects.create(email="jane@acme.com")
    times = [
        dt.datetime(2026, 3, 1, 23, 50, tzinfo=UTC),  # one session across midnight…
        dt.datetime(2026, 3, 2, 0, 10, tzinfo=UTC),
        dt.datetime(2026, 3, 2, 9, 0, tzinfo=UTC),  # …and a second one that morning
    ]
    rows = [
        EventRow(f"m{n}", "track", "Built", acme.pk, jane.pk, "u", None, t, t, {}, {})
        for n, t in enumerate(times)
    ]
    SqlEventStore().store(rows)
    expected = _rollups()
    assert expected[1][1][3] == 1  # 2026-03-02 counts one session: the morning's

    _migrate(BEFORE)
    with connection.cursor() as cursor:  # what 0003 held: no clusters, no latest times
        cursor.execute("SELECT COUNT(*) FROM usage_contactday")
        assert cursor.fetchone()[0] == 2
    _migrate(AFTER)

    assert _rollups() == expected
