"""Demo product usage: the pure generator's rhythm and trends, and loading it for real."""

from __future__ import annotations

import datetime as dt
import functools
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command

from panorama.customers.models import Account, AttributeChange, Contact
from panorama.demo.generator import generate
from panorama.demo.usage import UsagePlan, inputs_from_dataset, load_usage, plan_usage
from panorama.usage.models import AccountDay, ContactDay, Event, EventDay
from panorama.usage.validation import Message, parse_message

TODAY = dt.date(2026, 11, 1)


@functools.cache
def sample(accounts: int = 60, seed: int = 5) -> tuple[UsagePlan, tuple[Message, ...]]:
    """A plan and all its messages (generated once per test session)."""
    dataset = generate(accounts, seed, TODAY)
    plan = plan_usage(*inputs_from_dataset(dataset), seed, TODAY)
    return plan, tuple(plan.messages())


def events_by_account(messages: tuple[Message, ...]) -> dict[str, list[Message]]:
    found: dict[str, list[Message]] = {}
    for m in messages:
        if m.is_activity:
            found.setdefault(str(m.group_id), []).append(m)
    return found


def test_the_same_seed_and_day_give_the_same_messages():
    dataset = generate(12, 9, TODAY)
    inputs = inputs_from_dataset(dataset)
    first = list(plan_usage(*inputs, 9, TODAY).messages())
    again = list(plan_usage(*inputs_from_dataset(generate(12, 9, TODAY)), 9, TODAY).messages())
    assert first and first == again
    other = list(plan_usage(*inputs, 10, TODAY).messages())
    assert [m.timestamp for m in other] != [m.timestamp for m in first]


def test_an_accounts_messages_do_not_depend_on_the_other_accounts():
    accounts, seats = inputs_from_dataset(generate(12, 9, TODAY))
    alone = [s for s in seats if s.group_id == accounts[0].external_id]
    together = [
        m
        for m in plan_usage(accounts, seats, 9, TODAY).messages()
        if m.group_id == accounts[0].external_id and m.is_activity
    ]
    single = [m for m in plan_usage(accounts[:1], alone, 9, TODAY).messages() if m.is_activity]
    assert together == single


def test_messages_are_valid_segment_messages_in_time_order():
    plan, messages = sample()
    assert [m.timestamp for m in messages] == sorted(m.timestamp for m in messages)
    assert len({m.message_id for m in messages}) == len(messages)
    first = dt.datetime.combine(plan.first_day, dt.time(), tzinfo=dt.UTC)
    end = dt.datetime.combine(TODAY, dt.time(), tzinfo=dt.UTC)
    assert first <= messages[0].timestamp and messages[-1].timestamp < end
    for m in messages[:: max(1, len(messages) // 500)]:
        raw = {
            "type": m.type,
            "messageId": m.message_id,
            "timestamp": m.timestamp.isoformat(),
            "userId": m.user_id,
            "groupId": m.group_id,
            "context": m.context,
        }
        if m.type == "track":
            raw |= {"event": m.name, "properties": m.properties}
        elif m.type == "page":
            raw |= {"name": m.name, "properties": m.properties}
        else:
            raw["traits"] = m.traits
        parsed = parse_message(raw, kind=None, index=None, received_at=end)
        assert parsed == m
    kinds = Counter(m.type for m in messages)
    assert kinds["track"] > kinds["page"] > kinds["identify"] > kinds["group"] > 0
    names = {m.name for m in messages if m.type == "track"}
    assert {"Report Created", "Dashboard Viewed", "Search Performed"} <= names
    assert len(names) == 8


def test_one_identify_per_active_contact_and_one_group_per_active_account():
    _, messages = sample()
    active_users = {m.user_id for m in messages if m.is_activity}
    active_groups = {m.group_id for m in messages if m.is_activity}
    identifies = Counter(m.user_id for m in messages if m.type == "identify")
    groups = Counter(m.group_id for m in messages if m.type == "group")
    assert set(identifies) == active_users and set(identifies.values()) == {1}
    assert set(groups) == active_groups and set(groups.values()) == {1}
    seen: set[str | None] = set()
    for m in messages:  # identify comes before the contact's first event
        if m.type == "identify":
            seen.add(m.user_id)
        elif m.is_activity:
            assert m.user_id in seen


def test_weekdays_are_much_busier_than_weekends():
    _, messages = sample()
    per_day = Counter(m.timestamp.date() for m in messages if m.is_activity)
    weekdays = [n for day, n in per_day.items() if day.weekday() < 5]
    weekends = [n for day, n in per_day.items() if day.weekday() >= 5]
    weekday_mean = sum(weekdays) / len(weekdays)
    weekend_mean = sum(weekends) / 104  # every weekend day of the year, active or not
    assert weekday_mean > 3 * weekend_mean


def test_growing_accounts_grow_and_declining_ones_decline():
    plan, messages = sample()
    by_account = events_by_account(messages)
    quarter = dt.timedelta(days=91)
    first_end, last_start = plan.first_day + quarter, plan.last_day - quarter
    checked: Counter[str] = Counter()
    for profile in plan.accounts:
        # Only people there all year: those who joined later make any account busier late.
        seats = plan.seats[profile.account.external_id]
        all_year = {s.seat.user_id for s in seats if s.first_day <= plan.first_day}
        events = [
            m for m in by_account.get(profile.account.external_id, []) if m.user_id in all_year
        ]
        if profile.trend not in ("growing", "declining") or len(events) < 150:
            continue
        early = sum(m.timestamp.date() < first_end for m in events)
        late = sum(m.timestamp.date() > last_start for m in events)
        if profile.trend == "growing":
            assert late > early, profile.account.external_id
        else:
            assert early > late, profile.account.external_id
        checked[profile.trend] += 1
    assert checked["growing"] and checked["declining"]


def test_churned_accounts_stop_and_trials_only_use_their_last_month():
    plan, messages = sample()
    by_account = events_by_account(messages)
    statuses: Counter[str] = Counter()
    for profile in plan.accounts:
        events = by_account.get(profile.account.external_id, [])
        status = profile.account.status
        if not events:
            continue
        statuses[status] += 1
        latest = max(m.timestamp.date() for m in events)
        earliest = min(m.timestamp.date() for m in events)
        if status == "churned":
            assert latest < TODAY - dt.timedelta(days=60)
        if status == "trial":
            assert earliest >= TODAY - dt.timedelta(days=30)
    assert statuses["churned"] and statuses["trial"] and statuses["paying"]


def test_contacts_use_the_product_unevenly():
    plan, messages = sample()
    per_user = Counter(m.user_id for m in messages if m.is_activity)
    seats = {s.seat.user_id for seats in plan.seats.values() for s in seats}
    never = seats - set(per_user)
    assert never, "some contacts with a login never use the product"
    counts = sorted(per_user.values())
    assert counts[-1] > 10 * counts[len(counts) // 2]  # heavy users and many light ones


@pytest.fixture
def loaded(db: None) -> str:
    out = StringIO()
    call_command("demo", accounts=8, seed=3, today="2026-11-01", verbosity=2, stdout=out)
    return out.getvalue()


def test_loading_the_demo_ingests_usage(loaded):
    assert "usage events" in loaded
    events = Event.objects.filter(type__in=["track", "page"])
    assert events.count() > 1000
    assert not events.filter(account__isnull=True).exists()
    assert not events.filter(contact__isnull=True).exists()
    assert Event.objects.filter(type="identify").exists()
    assert Event.objects.filter(type="group").exists()
    days = AccountDay.objects.all()
    assert days.filter(sessions__gt=0, active_users__gt=0).exists()
    assert sum(days.values_list("events", flat=True)) == events.count()
    assert ContactDay.objects.filter(sessions__gt=0).exists()
    assert EventDay.objects.exists()
    # Only contacts with a product login send events, and ingestion created no one.
    senders = set(events.values_list("contact_id", flat=True))
    assert not Contact.objects.filter(pk__in=senders, external_id__isnull=True).exists()
    assert Contact.objects.count() == sum(1 for _ in generate(8, 3, TODAY).contacts())
    assert Account.objects.count() == 8
    # Each event arrived a few seconds after it happened.
    for timestamp, received in events.values_list("timestamp", "received_at")[:200]:
        assert dt.timedelta(seconds=1) <= received - timestamp <= dt.timedelta(seconds=8)
    # identify and group repeat what the records hold: no history, generated times kept.
    assert not AttributeChange.objects.exists()
    assert max(Contact.objects.values_list("updated_at", flat=True)).date() < TODAY


def test_the_loader_reads_the_same_inputs_the_dataset_gives(loaded):
    from panorama.demo.usage import _seats_from_database

    dataset = generate(8, 3, TODAY)
    accounts, seats = inputs_from_dataset(dataset)
    from_db = _seats_from_database([a.external_id for a in accounts])
    assert from_db == sorted(seats, key=lambda s: (s.group_id, s.user_id))


def test_loading_usage_again_stores_nothing_new(loaded):
    counts = (Event.objects.count(), sum(AccountDay.objects.values_list("events", flat=True)))
    summary = load_usage(generate(8, 3, TODAY))
    assert summary.events > 0
    assert counts == (
        Event.objects.count(),
        sum(AccountDay.objects.values_list("events", flat=True)),
    )


@pytest.mark.django_db
def test_usage_can_be_left_out_or_limited():
    call_command("demo", accounts=6, seed=3, today="2026-11-01", usage=False, stdout=StringIO())
    assert not Event.objects.exists()
    Account.objects.all().delete()
    Contact.objects.all().delete()
    call_command("demo", "--accounts=6", "--seed=3", "--usage-accounts=2", stdout=StringIO())
    assert 0 < Event.objects.values("account").distinct().count() <= 2
