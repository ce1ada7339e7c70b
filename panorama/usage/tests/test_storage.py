"""The event store: the stored copy of a message is the one the rollups count."""

import datetime as dt

import pytest

from panorama.customers.models import Account, Contact
from panorama.usage.models import AccountDay, ContactDay, Event
from panorama.usage.storage import EventRow, SqlEventStore

pytestmark = pytest.mark.django_db


def _row(message_id, timestamp, account, contact):
    return EventRow(
        message_id=message_id, type="track", name="Used", account_id=account.pk,
        contact_id=contact.pk, user_id="u", anonymous_id=None, timestamp=timestamp,
        received_at=timestamp, properties={}, context={},
    )  # fmt: skip


def test_two_copies_in_one_write_count_on_the_day_of_the_stored_copy():
    account, contact = Account.objects.create(name="Acme"), Contact.objects.create()
    first = dt.datetime(2026, 11, 20, 23, 50, tzinfo=dt.UTC)
    retry = first + dt.timedelta(minutes=20)  # same message, skew-corrected differently
    SqlEventStore().store(
        [_row("m1", first, account, contact), _row("m1", retry, account, contact)]
    )
    assert Event.objects.get().timestamp == first
    assert list(AccountDay.objects.values_list("day", "events", "sessions")) == [
        (dt.date(2026, 11, 20), 1, 1)
    ]


def test_a_contacts_old_history_is_not_read_to_place_a_new_event():
    """Sessions far from the new event keep their counts (they are not re-read)."""
    account, contact = Account.objects.create(name="Acme"), Contact.objects.create()
    start = dt.datetime(2026, 1, 1, 9, tzinfo=dt.UTC)
    store = SqlEventStore()
    store.store(
        [_row(f"old{i}", start + dt.timedelta(days=i), account, contact) for i in range(30)]
    )
    store.store([_row("new", start + dt.timedelta(days=40), account, contact)])
    sessions = dict(ContactDay.objects.values_list("day", "sessions"))
    assert sum(sessions.values()) == 31
    assert all(n == 1 for n in sessions.values())


@pytest.mark.parametrize(
    "moment",
    [
        dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.UTC),
        dt.datetime(2026, 3, 1, 10, 0, 0, 123000, tzinfo=dt.UTC),
        dt.datetime(2026, 3, 1, 1, 30, 5, 7, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
    ],
)
def test_the_fast_time_adapter_writes_what_django_writes(moment):
    from django.db import connection

    from panorama.usage.storage import _time_adapter

    assert _time_adapter()(moment) == connection.ops.adapt_datetimefield_value(moment)
