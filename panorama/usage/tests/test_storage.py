"""The event store: the stored copy of a message is the one the rollups count."""

import datetime as dt
import random
from collections import Counter
from zoneinfo import ZoneInfo

import pytest

from panorama.customers.models import Account, Contact
from panorama.usage.models import AccountDay, ContactDay, Event
from panorama.usage.sessions import micros, session_starts
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


def test_a_contacts_far_history_keeps_its_counts_when_a_new_event_arrives():
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


def _stored_sessions(account):
    """(per contact-day, per account-day) session counts as the rollups hold them."""
    contact_days = Counter(
        {
            (c, d): n
            for c, d, n in ContactDay.objects.filter(account=account).values_list(
                "contact_id", "day", "sessions"
            )
        }
    )
    account_days = Counter(
        dict(AccountDay.objects.filter(account=account).values_list("day", "sessions"))
    )
    return +contact_days, +account_days


@pytest.mark.parametrize("seed", range(6))
def test_rollups_count_the_sessions_of_the_whole_history_in_any_arrival_order(seed, settings):
    """Through the real store, in a zone with DST (a 23-hour day): late and out-of-order events
    spread over days and midnights give the sessions of one in-order pass, per contact and
    per account, and a rebuild from raw events agrees."""
    settings.TIME_ZONE = "Europe/Paris"
    zone = ZoneInfo("Europe/Paris")
    rng = random.Random(seed)
    account = Account.objects.create(name="Acme")
    people = [Contact.objects.create(email=f"p{i}@acme.com") for i in range(3)]
    start = dt.datetime(2026, 3, 28, 22, 0, tzinfo=dt.UTC)  # DST starts 2026-03-29 in Paris
    history = []
    for person in people:
        moment = start
        for _ in range(40):
            moment += dt.timedelta(minutes=rng.choice([1, 10, 29, 31, 45, 200, 600]))
            history.append((person, moment))
    expected_contact: Counter = Counter()
    expected_account: Counter = Counter()
    for person in people:
        times = [t for p, t in history if p == person]
        for first in session_starts(times):
            expected_contact[(person.pk, first.astimezone(zone).date())] += 1
            expected_account[first.astimezone(zone).date()] += 1
    arrivals = list(enumerate(history))
    rng.shuffle(arrivals)
    store = SqlEventStore()
    while arrivals:
        size = rng.randint(1, 15)
        batch, arrivals = arrivals[:size], arrivals[size:]
        store.store([_row(f"m{n}", t, account, p) for n, (p, t) in batch])
    assert _stored_sessions(account) == (expected_contact, expected_account)
    store.rebuild_rollups([account.pk])
    assert _stored_sessions(account) == (expected_contact, expected_account)


@pytest.mark.parametrize("late_first", [True, False])
def test_a_late_event_before_midnight_joins_the_next_days_first_session(late_first):
    """23:50 and 00:10 are one session, counted on the first day, whichever arrives first."""
    account, contact = Account.objects.create(name="Acme"), Contact.objects.create()
    evening = _row("eve", dt.datetime(2026, 3, 1, 23, 50, tzinfo=dt.UTC), account, contact)
    morning = _row("morn", dt.datetime(2026, 3, 2, 0, 10, tzinfo=dt.UTC), account, contact)
    store = SqlEventStore()
    for row in [morning, evening] if late_first else [evening, morning]:
        store.store([row])
    assert dict(ContactDay.objects.values_list("day", "sessions")) == {
        dt.date(2026, 3, 1): 1,
        dt.date(2026, 3, 2): 0,
    }
    assert dict(AccountDay.objects.values_list("day", "sessions")) == {
        dt.date(2026, 3, 1): 1,
        dt.date(2026, 3, 2): 0,
    }


def test_last_event_time_is_kept_per_contact_day_and_account_day():
    account, contact = Account.objects.create(name="Acme"), Contact.objects.create()
    early = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    late = dt.datetime(2026, 3, 2, 17, 30, tzinfo=dt.UTC)
    store = SqlEventStore()
    store.store([_row("a", late, account, contact)])
    store.store([_row("b", early, account, contact)])  # arrives later, happened earlier
    assert ContactDay.objects.get().last_event_at == late
    assert AccountDay.objects.get().last_event_at == late


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


@pytest.mark.parametrize("kind", ["track", "identify"])
def test_forms_prepared_in_the_web_process_are_what_the_writer_would_compute(kind, settings):
    from panorama.usage.storage import prepare
    from panorama.usage.validation import Message

    settings.TIME_ZONE = "America/New_York"
    moment = dt.datetime(2026, 3, 2, 3, 30, 0, 250000, tzinfo=dt.UTC)  # still 03-01 in New York
    message = Message(
        type=kind, message_id="p1", timestamp=moment, user_id="u1",
        properties={"plan": "pro", "seats": 3}, traits={"email": "a@b.co"},
        context={"ip": "203.0.113.9"},
    )  # fmt: skip
    row = EventRow(
        message_id="p1", type=kind, name="", account_id=None, contact_id=None, user_id="u1",
        anonymous_id=None, timestamp=moment, received_at=moment,
        properties=message.traits if kind == "identify" else message.properties,
        context=message.context,
    )  # fmt: skip
    (prepared,) = prepare([message])
    # What crosses to the writer: the stored forms, and of the dicts only the traits.
    assert (prepared.properties, prepared.context) == ({}, {})
    assert prepared.traits == {"email": "a@b.co"}
    store = SqlEventStore()
    with_forms = EventRow(
        **{**{f: getattr(row, f) for f in row.__slots__}, "prepared": prepared.prepared}
    )
    assert store._insert_params(with_forms) == store._insert_params(row)
    assert prepared.prepared.day == dt.date(2026, 3, 1)
    assert prepared.prepared.micros == micros(moment)
