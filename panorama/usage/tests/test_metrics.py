"""Usage metrics against hand-computed figures (DESIGN.md "Definitions").

D is Tuesday 2026-03-10 unless a test says otherwise: D-1 = 03-09, D-6 = 03-04, D-7 = 03-03,
D-29 = 02-09, D-30 = 02-08.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from panorama.core import clock
from panorama.customers.models import Account, Contact, Membership
from panorama.usage.metrics import (
    AccountUsage,
    ContactUsage,
    account_usage,
    contact_usage,
    event_trends,
    usage_map,
)
from panorama.usage.models import AccountDay, ContactDay, EventDay
from panorama.usage.storage import EventRow, SqlEventStore

pytestmark = pytest.mark.django_db

D = dt.date(2026, 3, 10)
UTC = dt.UTC
_ids = itertools.count()


def day(n: int) -> dt.date:
    """D - n."""
    return D - dt.timedelta(days=n)


def account(name: str = "Acme") -> Account:
    return Account.objects.create(name=name)


def contact(email: str) -> Contact:
    return Contact.objects.create(email=email)


def active(
    acc: Account,
    person: Contact,
    on: dt.date,
    sessions: int = 1,
    events: int = 1,
    last: dt.datetime | None = None,
) -> None:
    ContactDay.objects.create(
        account=acc, contact=person, day=on, sessions=sessions, events=events, pageviews=0,
        last_event_at=last,
    )  # fmt: skip


def event(acc: Account, person: Contact | None, type_: str, at: dt.datetime) -> None:
    """Stored as ingestion stores it: the raw event and its rollups."""
    SqlEventStore().store(
        [
            EventRow(
                message_id=f"m{next(_ids)}",
                type=type_,
                name="Clicked" if type_ == "track" else "",
                account_id=acc.pk,
                contact_id=person.pk if person else None,
                user_id=None,
                anonymous_id=None,
                timestamp=at,
                received_at=at,
                properties={},
                context={},
            )
        ]
    )


def test_dau_wau_mau_and_stickiness_windows() -> None:
    acme = account()
    c1, c2, c3, c4, c5 = (contact(f"c{n}@acme.com") for n in range(1, 6))
    active(acme, c1, day(1))  # DAU, WAU, MAU
    active(acme, c1, day(8))
    active(acme, c2, day(7))  # just outside the week: MAU only
    active(acme, c3, day(0))  # today: WAU and MAU, not DAU
    active(acme, c4, day(30))  # outside the month
    active(acme, c5, day(29))  # last day of the month: MAU only

    usage = account_usage([acme.pk], today=D)[acme.pk]

    assert (usage.dau, usage.wau, usage.mau) == (1, 2, 4)
    assert usage.stickiness == 0.5


def test_account_without_data_gets_empty_figures() -> None:
    acme, globex = account(), account("Globex")
    active(globex, contact("g@globex.io"), day(1))

    result = account_usage([acme.pk, globex.pk], today=D)

    assert set(result) == {acme.pk, globex.pk}
    assert result[acme.pk] == AccountUsage(
        dau=0,
        wau=0,
        mau=0,
        stickiness=None,
        sessions_7d=0,
        sessions_30d=0,
        pct_active_contacts=None,
        last_activity_at=None,
        events_30d=0,
        pageviews_30d=0,
    )
    assert account_usage([], today=D) == {}


def test_contact_in_two_accounts_counts_in_each() -> None:
    acme, initech = account(), account("Initech")
    jane, john = contact("jane@acme.com"), contact("john@initech.com")
    active(acme, jane, day(1))
    active(initech, jane, day(1))
    active(initech, john, day(2))

    result = account_usage([acme.pk, initech.pk], today=D)

    assert (result[acme.pk].dau, result[acme.pk].wau, result[acme.pk].mau) == (1, 1, 1)
    assert (result[initech.pk].dau, result[initech.pk].wau, result[initech.pk].mau) == (1, 2, 2)


def test_sessions_events_and_pageviews_from_account_days() -> None:
    acme = account()
    for n, sessions, events, pageviews in [
        (0, 2, 10, 4),
        (6, 3, 5, 1),
        (7, 5, 7, 2),  # in 30d, not in 7d
        (29, 1, 1, 1),
        (30, 100, 100, 100),  # outside both windows
    ]:
        AccountDay.objects.create(
            account=acme, day=day(n), sessions=sessions, events=events, pageviews=pageviews
        )

    usage = account_usage([acme.pk], today=D)[acme.pk]

    assert (usage.sessions_7d, usage.sessions_30d) == (5, 11)
    assert (usage.events_30d, usage.pageviews_30d) == (23, 8)


def test_pct_active_contacts_counts_members_active_in_that_account() -> None:
    acme, globex, empty = account(), account("Globex"), account("Empty")
    m1, m2, m3, m4 = (contact(f"m{n}@acme.com") for n in range(1, 5))
    for m in (m1, m2, m3, m4):
        Membership.objects.create(contact=m, account=acme)
    stranger = contact("stranger@example.com")  # not a member of Acme
    active(acme, m1, day(29))  # active member
    active(acme, m2, day(30))  # active too long ago
    active(globex, m4, day(1))  # active, but in another account
    active(acme, stranger, day(1))  # counts in MAU, not in the percentage

    result = account_usage([acme.pk, empty.pk], today=D)

    assert result[acme.pk].pct_active_contacts == 25.0  # 1 of 4 members
    assert result[acme.pk].mau == 2  # m1 and the stranger
    assert result[empty.pk].pct_active_contacts is None


def test_last_activity_ignores_identify_group_and_alias() -> None:
    acme, quiet = account(), account("Quiet")
    jane = contact("jane@acme.com")
    event(acme, jane, "track", dt.datetime(2026, 3, 1, 9, 0, tzinfo=UTC))
    event(acme, None, "page", dt.datetime(2026, 3, 2, 9, 0, tzinfo=UTC))  # anonymous: counts
    event(acme, jane, "identify", dt.datetime(2026, 3, 5, 9, 0, tzinfo=UTC))
    event(acme, jane, "group", dt.datetime(2026, 3, 6, 9, 0, tzinfo=UTC))
    event(quiet, jane, "identify", dt.datetime(2026, 3, 7, 9, 0, tzinfo=UTC))
    event(quiet, jane, "alias", dt.datetime(2026, 3, 7, 9, 0, tzinfo=UTC))

    result = account_usage([acme.pk, quiet.pk], today=D)

    assert result[acme.pk].last_activity_at == dt.datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert result[quiet.pk].last_activity_at is None


def test_account_usage_query_count_does_not_grow_with_accounts(
    django_assert_num_queries,
) -> None:
    accounts = [account(f"Account {n}") for n in range(50)]
    for n, acc in enumerate(accounts):
        person = contact(f"p{n}@example.com")
        Membership.objects.create(contact=person, account=acc)
        active(acc, person, day(1))
        AccountDay.objects.create(account=acc, day=day(1), sessions=1, events=1, active_users=1)
        event(acc, person, "track", dt.datetime(2026, 3, 9, 12, 0, tzinfo=UTC))

    with django_assert_num_queries(4):
        one = account_usage([accounts[0].pk], today=D)
    with django_assert_num_queries(4):
        fifty = account_usage([a.pk for a in accounts], today=D)

    assert len(one) == 1 and len(fifty) == 50
    assert all(u.dau == 1 and u.pct_active_contacts == 100.0 for u in fifty.values())


def test_contact_usage_within_one_account_and_across_all(django_assert_num_queries) -> None:
    acme, initech = account(), account("Initech")
    jane, john = contact("jane@acme.com"), contact("john@initech.com")
    active(acme, jane, day(1), sessions=2, events=5, last=dt.datetime(2026, 3, 9, 10, tzinfo=UTC))
    active(acme, jane, day(3), sessions=1, events=2, last=dt.datetime(2026, 3, 7, 23, tzinfo=UTC))
    # the same day in another account
    active(
        initech, jane, day(1), sessions=1, events=3, last=dt.datetime(2026, 3, 9, 11, tzinfo=UTC)
    )
    active(initech, jane, day(10), sessions=4, events=4)
    active(acme, jane, day(30), sessions=9, events=9)  # outside the month

    in_acme = contact_usage([jane.pk, john.pk], account_id=acme.pk, today=D)
    with django_assert_num_queries(2):
        everywhere = contact_usage([jane.pk, john.pk], today=D)
    in_initech = contact_usage([jane.pk], account_id=initech.pk, today=D)

    assert in_acme[jane.pk] == ContactUsage(
        active_yesterday=True,
        active_days_7d=2,
        active_days_30d=2,
        sessions_7d=3,
        sessions_30d=3,
        events_30d=7,
        last_activity_at=dt.datetime(2026, 3, 9, 10, 0, tzinfo=UTC),
    )
    assert everywhere[jane.pk] == ContactUsage(
        active_yesterday=True,
        active_days_7d=2,  # D-1 counts once although active in both accounts
        active_days_30d=3,
        sessions_7d=4,
        sessions_30d=8,
        events_30d=14,
        last_activity_at=dt.datetime(2026, 3, 9, 11, 0, tzinfo=UTC),
    )
    assert in_initech[jane.pk] == ContactUsage(
        active_yesterday=True,
        active_days_7d=1,
        active_days_30d=2,
        sessions_7d=1,
        sessions_30d=5,
        events_30d=7,
        last_activity_at=dt.datetime(2026, 3, 9, 11, 0, tzinfo=UTC),
    )
    assert everywhere[john.pk] == ContactUsage(
        active_yesterday=False,
        active_days_7d=0,
        active_days_30d=0,
        sessions_7d=0,
        sessions_30d=0,
        events_30d=0,
        last_activity_at=None,
    )


def test_usage_map_is_zero_filled_and_a_year_long() -> None:
    acme = account()
    AccountDay.objects.create(account=acme, day=dt.date(2026, 3, 10), pageviews=7)  # D
    AccountDay.objects.create(account=acme, day=dt.date(2026, 2, 28), pageviews=5)  # D-10
    AccountDay.objects.create(account=acme, day=dt.date(2025, 3, 11), pageviews=3)  # D-364
    AccountDay.objects.create(account=acme, day=dt.date(2025, 3, 10), pageviews=99)  # D-365

    series = usage_map(acme.pk, today=D)

    assert len(series) == 365
    assert series[0] == (dt.date(2025, 3, 11), 3)
    assert series[1] == (dt.date(2025, 3, 12), 0)
    assert series[354] == (dt.date(2026, 2, 28), 5)
    assert series[-1] == (dt.date(2026, 3, 10), 7)
    assert sum(n for _, n in series) == 15
    assert usage_map(acme.pk, today=D, days=3) == [
        (dt.date(2026, 3, 8), 0),
        (dt.date(2026, 3, 9), 0),
        (dt.date(2026, 3, 10), 7),
    ]


def test_event_trends_daily() -> None:
    acme, globex = account(), account("Globex")
    for on, name, count in [
        (dt.date(2026, 3, 10), "Report created", 2),  # D
        (dt.date(2026, 3, 4), "Report created", 3),  # D-6
        (dt.date(2026, 3, 3), "Report created", 50),  # D-7
        (dt.date(2026, 2, 9), "Report created", 4),  # D-29
        (dt.date(2026, 3, 9), "Export", 1),  # not asked for
    ]:
        EventDay.objects.create(account=acme, day=on, name=name, count=count)
    EventDay.objects.create(account=globex, day=D, name="Report created", count=1000)

    week = event_trends(acme.pk, ["Report created", "Never sent"], period="7d", today=D)
    month = event_trends(acme.pk, ["Report created"], period="30d", today=D)

    assert week == {
        "Report created": [
            (dt.date(2026, 3, 4), 3),
            (dt.date(2026, 3, 5), 0),
            (dt.date(2026, 3, 6), 0),
            (dt.date(2026, 3, 7), 0),
            (dt.date(2026, 3, 8), 0),
            (dt.date(2026, 3, 9), 0),
            (dt.date(2026, 3, 10), 2),
        ],
        "Never sent": [(dt.date(2026, 3, d), 0) for d in range(4, 11)],
    }
    points = month["Report created"]
    assert len(points) == 30
    assert points[0] == (dt.date(2026, 2, 9), 4)
    assert points[22] == (dt.date(2026, 3, 3), 50)
    assert sum(n for _, n in points) == 59


def test_event_trends_weekly_buckets_by_monday() -> None:
    acme = account()
    for on, count in [
        (dt.date(2026, 3, 10), 1),  # Tuesday D → week of Monday 03-09
        (dt.date(2026, 3, 9), 2),  # Monday 03-09
        (dt.date(2026, 3, 8), 4),  # Sunday → week of 03-02
        (dt.date(2026, 3, 2), 8),  # Monday 03-02
        (dt.date(2025, 9, 21), 64),  # Sunday → first week, Monday 09-15
        (dt.date(2025, 9, 15), 16),  # Monday of the first of 26 weeks
        (dt.date(2025, 9, 14), 32),  # the week before: left out
    ]:
        EventDay.objects.create(account=acme, day=on, name="Login", count=count)

    points = event_trends(acme.pk, ["Login"], period="6m", today=D)["Login"]

    assert len(points) == 26
    assert points[0] == (dt.date(2025, 9, 15), 80)
    assert points[1] == (dt.date(2025, 9, 22), 0)
    assert points[-2] == (dt.date(2026, 3, 2), 12)
    assert points[-1] == (dt.date(2026, 3, 9), 3)
    assert sum(n for _, n in points) == 95
    assert all(monday.weekday() == 0 for monday, _ in points)


def test_event_trends_rejects_unknown_period() -> None:
    with pytest.raises(ValueError, match="Unknown period"):
        event_trends(account().pk, ["Login"], period="1y", today=D)  # type: ignore[arg-type]


def test_today_defaults_to_the_clock_in_the_organisation_time_zone(settings) -> None:
    settings.TIME_ZONE = "America/New_York"
    acme = account()
    a, b, c = (contact(f"{n}@acme.com") for n in "abc")
    active(acme, a, dt.date(2026, 3, 8))  # D-1 in New York
    active(acme, b, dt.date(2026, 3, 8))
    active(acme, c, dt.date(2026, 3, 9))  # D-1 in UTC
    AccountDay.objects.create(account=acme, day=dt.date(2026, 3, 9), pageviews=6)

    with clock.frozen_at(dt.datetime(2026, 3, 10, 3, 0, tzinfo=UTC)):  # 22:00 on 03-09 in NY
        assert clock.today() == dt.date(2026, 3, 9)
        usage = account_usage([acme.pk])[acme.pk]
        series = usage_map(acme.pk, days=2)
        people = contact_usage([a.pk, c.pk], account_id=acme.pk)

    assert usage.dau == 2
    assert series == [(dt.date(2026, 3, 8), 0), (dt.date(2026, 3, 9), 6)]
    assert people[a.pk].active_yesterday and not people[c.pk].active_yesterday

    settings.TIME_ZONE = "UTC"
    with clock.frozen_at(dt.datetime(2026, 3, 10, 3, 0, tzinfo=UTC)):
        assert account_usage([acme.pk])[acme.pk].dau == 1
