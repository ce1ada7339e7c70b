"""The usage read API (``/api/usage/…``): access for the three personas, then each answer
against rows made with the ORM and figures computed by hand.

D (today) is Tuesday 2026-03-10, fixed by the ``today`` fixture: D-1 = 03-09, D-29 = 02-09.
"""

from __future__ import annotations

import base64
import datetime as dt
import itertools
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from conftest import Book
from panorama.core import clock
from panorama.core.models import ApiToken, User
from panorama.customers.models import Account, Contact, Membership
from panorama.usage.models import AccountDay, ContactDay, Event, EventDay
from panorama.usage.storage import EventRow, SqlEventStore

pytestmark = pytest.mark.django_db

D = dt.date(2026, 3, 10)
NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)
_ids = itertools.count()

ACCOUNT_ENDPOINTS = [
    "/api/usage/accounts/{id}/metrics",
    "/api/usage/accounts/{id}/usage-map?days=30",
    "/api/usage/accounts/{id}/event-trends?names=Exported&period=7d",
    "/api/usage/accounts/{id}/events?limit=5",
    "/api/usage/accounts/{id}/contacts",
    "/api/usage/accounts/{id}/event-names",
]
CONTACT_ENDPOINT = "/api/usage/contacts/{id}/metrics"

Get = Callable[..., Any]


def day(n: int) -> dt.date:
    """D - n."""
    return D - dt.timedelta(days=n)


def at(n: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    """A moment on D - n."""
    return dt.datetime.combine(day(n), dt.time(hour, minute), tzinfo=dt.UTC)


def event(
    account: Account | None,
    contact: Contact | None,
    when: dt.datetime,
    *,
    type_: str = "track",
    name: str = "Exported",
) -> Event:
    """Stored as ingestion stores it: the raw event and its rollups."""
    message_id = f"m{next(_ids)}"
    SqlEventStore().store(
        [
            EventRow(
                message_id=message_id,
                type=type_,
                name=name,
                account_id=account.pk if account else None,
                contact_id=contact.pk if contact else None,
                user_id=None,
                anonymous_id=None,
                timestamp=when,
                received_at=when,
                properties={"n": 1},
                context={},
            )
        ]
    )
    return Event.objects.get(message_id=message_id)


@pytest.fixture(autouse=True)
def today() -> Iterator[dt.datetime]:
    with clock.frozen_at(NOW) as now:
        yield now


@pytest.fixture
def tokens(book: Book, admin: User, member: User, outsider: User) -> dict[str, str]:
    """A plain API token for each persona."""
    return {
        user_name: ApiToken.issue(user=user, name="test")[1]
        for user_name, user in [("admin", admin), ("member", member), ("outsider", outsider)]
    }


@pytest.fixture
def get(tokens: dict[str, str]) -> Get:
    """``get(path, as_="member")`` → the response to a GET with that persona's token."""
    client = Client()

    def send(path: str, *, as_: str = "member") -> Any:
        return client.get(path, headers={"Authorization": f"Bearer {tokens[as_]}"})

    return send


def database() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the customer and usage tables (API tokens and sessions left out)."""
    return {
        model._meta.label: sorted(model._default_manager.values_list(), key=repr)
        for app in ("customers", "usage")
        for model in apps.get_app_config(app).get_models()
    }


# Who may read what


@pytest.mark.parametrize("endpoint", ACCOUNT_ENDPOINTS)
def test_account_endpoints_answer_only_inside_the_book(book: Book, get: Get, endpoint: str):
    event(book.initech, book.john, at(1))
    event(book.acme, book.jane, at(1))
    before = database()
    url = endpoint.replace("{id}", "{}").format
    assert get(url(book.initech.pk), as_="admin").status_code == 200
    assert get(url(book.acme.pk), as_="member").status_code == 200
    hidden = get(url(book.initech.pk), as_="member")
    assert hidden.status_code == 404 and hidden.json() == {"detail": "No such account"}
    assert get(url(book.acme.pk), as_="outsider").status_code == 404
    assert get(url(987654), as_="admin").status_code == 404
    assert database() == before


def test_contact_metrics_answer_only_inside_the_book(book: Book, get: Get):
    before = database()
    url = CONTACT_ENDPOINT.replace("{id}", "{}").format
    assert get(url(book.john.pk), as_="admin").status_code == 200
    assert get(url(book.jane.pk), as_="member").status_code == 200
    hidden = get(url(book.john.pk), as_="member")
    assert hidden.status_code == 404 and hidden.json() == {"detail": "No such contact"}
    assert get(url(book.jane.pk), as_="outsider").status_code == 404
    assert database() == before


def test_openapi_schema_is_served_and_lists_the_paths(db: None):
    response = Client().get("/api/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "Panorama API"
    paths = set(schema["paths"])
    assert {e.split("?")[0].replace("{id}", "{account_id}") for e in ACCOUNT_ENDPOINTS} <= paths
    assert "/api/usage/contacts/{contact_id}/metrics" in paths


# What they answer


def test_account_metrics(book: Book, get: Get):
    kim = Contact.objects.create(email="kim@acme.com")
    Membership.objects.create(contact=kim, account=book.acme)
    ContactDay.objects.create(account=book.acme, contact=book.jane, day=day(1), sessions=2)
    ContactDay.objects.create(account=book.acme, contact=kim, day=day(10), sessions=1)
    AccountDay.objects.create(
        account=book.acme, day=day(1), sessions=2, events=5, pageviews=3,
        last_event_at=at(1, 10),
    )  # fmt: skip
    AccountDay.objects.create(account=book.acme, day=day(10), sessions=1, events=4, pageviews=2)
    AccountDay.objects.create(account=book.acme, day=day(30), sessions=9, events=9, pageviews=9)

    assert get(f"/api/usage/accounts/{book.acme.pk}/metrics").json() == {
        "dau": 1,
        "wau": 1,
        "mau": 2,
        "stickiness": 0.5,
        "sessions_7d": 2,
        "sessions_30d": 3,
        "pct_active_contacts": 100.0,
        "last_activity_at": "2026-03-09T10:00:00Z",
        "events_30d": 9,
        "pageviews_30d": 5,
    }


def test_usage_map_is_zero_filled_oldest_first(book: Book, get: Get):
    AccountDay.objects.create(account=book.acme, day=day(2), pageviews=4)
    AccountDay.objects.create(account=book.acme, day=day(0), pageviews=1)
    AccountDay.objects.create(account=book.acme, day=day(3), pageviews=7)  # before the window
    response = get(f"/api/usage/accounts/{book.acme.pk}/usage-map?days=3")
    assert response.json() == [
        {"day": "2026-03-08", "pageviews": 4},
        {"day": "2026-03-09", "pageviews": 0},
        {"day": "2026-03-10", "pageviews": 1},
    ]
    assert len(get(f"/api/usage/accounts/{book.acme.pk}/usage-map").json()) == 365


@pytest.mark.parametrize("days", ["0", "731", "many"])
def test_usage_map_days_are_validated(book: Book, get: Get, days: str):
    response = get(f"/api/usage/accounts/{book.acme.pk}/usage-map?days={days}")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "days"]


def test_event_trends(book: Book, get: Get):
    EventDay.objects.create(account=book.acme, day=day(1), name="Signed up", count=2)
    EventDay.objects.create(account=book.acme, day=day(0), name="Signed up", count=1)
    EventDay.objects.create(account=book.acme, day=day(0), name="Exported", count=5)
    EventDay.objects.create(account=book.acme, day=day(7), name="Exported", count=9)  # too old
    EventDay.objects.create(account=book.initech, day=day(0), name="Exported", count=50)
    url = f"/api/usage/accounts/{book.acme.pk}/event-trends"
    body = get(f"{url}?names=Signed+up&names=Exported&names=Never&period=7d").json()
    assert body["period"] == "7d" and set(body["series"]) == {"Signed up", "Exported", "Never"}
    signed_up = body["series"]["Signed up"]
    assert [p["day"] for p in signed_up] == [str(day(n)) for n in range(6, -1, -1)]
    assert [p["count"] for p in signed_up] == [0, 0, 0, 0, 0, 2, 1]
    assert [p["count"] for p in body["series"]["Exported"]] == [0] * 6 + [5]
    assert [p["count"] for p in body["series"]["Never"]] == [0] * 7

    weekly = get(f"{url}?names=Exported&period=6m").json()["series"]["Exported"]
    # 26 Mondays; D's week (from Monday 03-09) holds 5, the week before it 9.
    assert len(weekly) == 26 and weekly[-1] == {"day": "2026-03-09", "count": 5}
    assert weekly[-2] == {"day": "2026-03-02", "count": 9}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("names=Exported&period=1y", "period"),
        ("period=7d", "names"),
        ("&".join(f"names=e{n}" for n in range(21)), "names"),
    ],
)
def test_event_trends_validation_names_the_field(book: Book, get: Get, query: str, field: str):
    response = get(f"/api/usage/accounts/{book.acme.pk}/event-trends?{query}")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", field]


def test_an_event_name_with_a_nul_character_is_refused_not_a_server_error(book: Book, get: Get):
    response = get(f"/api/usage/accounts/{book.acme.pk}/event-trends?names=Ex%00ported")
    assert response.status_code == 400
    assert response.json()["detail"] == "names: an event name cannot contain a NUL character"


def test_event_names_over_the_window(book: Book, get: Get):
    EventDay.objects.create(account=book.acme, day=day(0), name="Exported", count=5)
    EventDay.objects.create(account=book.acme, day=day(40), name="Exported", count=100)
    EventDay.objects.create(account=book.acme, day=day(1), name="Signed up", count=2)
    EventDay.objects.create(account=book.acme, day=day(3), name="Signed up", count=1)
    EventDay.objects.create(account=book.acme, day=day(29), name="Invited", count=1)
    EventDay.objects.create(account=book.initech, day=day(0), name="Hidden", count=9)
    url = f"/api/usage/accounts/{book.acme.pk}/event-names"
    assert get(url).json() == [
        {"name": "Exported", "count": 5, "last_day": "2026-03-10"},
        {"name": "Signed up", "count": 3, "last_day": "2026-03-09"},
        {"name": "Invited", "count": 1, "last_day": "2026-02-09"},
    ]
    assert get(f"{url}?days=60").json()[0] == {
        "name": "Exported",
        "count": 105,
        "last_day": "2026-03-10",
    }
    assert get(f"{url}?days=731").status_code == 422


def test_account_contacts_by_sessions_with_paging(book: Book, get: Get):
    kim = Contact.objects.create(email="kim@acme.com", first_name="Kim", last_name="Lee")
    lou = Contact.objects.create(email="lou@acme.com")
    for person in (kim, lou):
        Membership.objects.create(contact=person, account=book.acme)
    ContactDay.objects.create(
        account=book.acme, contact=kim, day=day(1), sessions=3, events=7, pageviews=1,
        last_event_at=at(1, 9),
    )  # fmt: skip
    ContactDay.objects.create(
        account=book.acme, contact=book.jane, day=day(20), sessions=1, events=2
    )
    # Jane's sessions in Initech do not count in Acme.
    ContactDay.objects.create(account=book.initech, contact=book.jane, day=day(1), sessions=9)

    url = f"/api/usage/accounts/{book.acme.pk}/contacts"
    body = get(url).json()
    assert body["count"] == 3
    assert [row["contact"]["email"] for row in body["items"]] == [
        "kim@acme.com",
        "jane@acme.com",
        "lou@acme.com",
    ]
    assert body["items"][0] == {
        "contact": {"id": kim.pk, "name": "Kim Lee", "email": "kim@acme.com"},
        "active_yesterday": True,
        "active_days_7d": 1,
        "active_days_30d": 1,
        "sessions_7d": 3,
        "sessions_30d": 3,
        "events_30d": 7,
        "last_activity_at": "2026-03-09T09:00:00Z",
    }
    assert body["items"][1]["sessions_30d"] == 1 and body["items"][2]["sessions_30d"] == 0
    second = get(f"{url}?limit=1&offset=1").json()
    assert second["count"] == 3
    assert [row["contact"]["id"] for row in second["items"]] == [book.jane.pk]
    assert get(f"{url}?limit=201").status_code == 422


def test_contact_metrics_sum_only_the_accounts_the_caller_sees(book: Book, get: Get):
    ContactDay.objects.create(
        account=book.acme, contact=book.jane, day=day(1), sessions=1, events=2,
        last_event_at=at(1, 8),
    )  # fmt: skip
    ContactDay.objects.create(
        account=book.initech, contact=book.jane, day=day(1), sessions=2, events=3,
        last_event_at=at(1, 20),
    )  # fmt: skip
    ContactDay.objects.create(
        account=book.initech, contact=book.jane, day=day(12), sessions=4, events=5
    )
    url = f"/api/usage/contacts/{book.jane.pk}/metrics"

    assert get(url, as_="admin").json() == {
        "active_yesterday": True,
        "active_days_7d": 1,
        "active_days_30d": 2,  # D-1 in two accounts is one day
        "sessions_7d": 3,
        "sessions_30d": 7,
        "events_30d": 10,
        "last_activity_at": "2026-03-09T20:00:00Z",
    }
    # Bob sees Acme but not Initech: Jane's Initech activity stays out of his figures.
    assert get(url, as_="member").json() == {
        "active_yesterday": True,
        "active_days_7d": 1,
        "active_days_30d": 1,
        "sessions_7d": 1,
        "sessions_30d": 1,
        "events_30d": 2,
        "last_activity_at": "2026-03-09T08:00:00Z",
    }


# The live view of events


def _page(get: Get, account: Account, limit: int, cursor: str | None = None) -> dict[str, Any]:
    url = f"/api/usage/accounts/{account.pk}/events?limit={limit}"
    response = get(url + (f"&before={cursor}" if cursor else ""))
    assert response.status_code == 200, response.content
    return response.json()


def test_events_newest_first_with_contact_and_only_product_types(book: Book, get: Get):
    page_view = event(book.acme, book.jane, at(1, 9), type_="page", name="Home")
    anonymous = event(book.acme, None, at(1, 10))
    event(book.acme, book.jane, at(1, 11), type_="identify", name="")
    event(book.acme, book.jane, at(1, 12), type_="group", name="")
    event(book.initech, book.jane, at(1, 13))
    body = _page(get, book.acme, 50)
    assert body["next"] is None
    assert [item["id"] for item in body["items"]] == [anonymous.pk, page_view.pk]
    assert body["items"][1] == {
        "id": page_view.pk,
        "message_id": page_view.message_id,
        "type": "page",
        "name": "Home",
        "timestamp": "2026-03-09T09:00:00Z",
        "properties": {"n": 1},
        "contact": {"id": book.jane.pk, "name": "Jane Doe", "email": "jane@acme.com"},
    }
    assert body["items"][0]["contact"] is None


def test_events_keyset_pages_have_no_gaps_or_duplicates(book: Book, get: Get):
    # Two events share every timestamp, so the id tie-break is exercised at page edges.
    Event.objects.bulk_create(
        Event(
            message_id=f"k{n}",
            type="track",
            name="Clicked",
            account=book.acme,
            contact=book.jane,
            timestamp=at(2) + dt.timedelta(minutes=n // 2),
            received_at=at(2),
        )
        for n in range(120)
    )
    expected = list(
        Event.objects.filter(account=book.acme)
        .order_by("-timestamp", "-id")
        .values_list("id", flat=True)
    )
    first = _page(get, book.acme, 50)
    # A newer event arriving between requests must not shift the older pages.
    event(book.acme, book.jane, at(0))
    second = _page(get, book.acme, 50, first["next"])
    third = _page(get, book.acme, 50, second["next"])
    sizes = [len(p["items"]) for p in (first, second, third)]
    assert sizes == [50, 50, 20] and third["next"] is None
    seen = [item["id"] for p in (first, second, third) for item in p["items"]]
    assert seen == expected


@pytest.mark.parametrize(
    "cursor",
    [
        "not-a-cursor",
        base64.urlsafe_b64encode(b"2026-03-09T10:00:00|12").decode(),  # naive time
        base64.urlsafe_b64encode(b"yesterday|12").decode(),
        base64.urlsafe_b64encode(b"2026-03-09T10:00:00+00:00|x").decode(),
        "%FF%FE",
    ],
)
def test_a_bad_cursor_is_400_naming_before(book: Book, get: Get, cursor: str):
    response = get(f"/api/usage/accounts/{book.acme.pk}/events?before={cursor}")
    assert response.status_code == 400
    assert "'before'" in response.json()["detail"]


# Query counts: the same at 1 row and at 50


def _queries(get: Get, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert get(url).status_code == 200
    return len(ctx.captured_queries)


def test_events_query_count_does_not_grow_with_the_page(book: Book, get: Get):
    people = Contact.objects.bulk_create(Contact(email=f"p{n}@acme.com") for n in range(60))
    for n, person in enumerate(people):
        event(book.acme, person, at(1) + dt.timedelta(seconds=n))
    url = f"/api/usage/accounts/{book.acme.pk}/events"
    get(url)  # the token's last_used_at is written on the first use only
    assert _queries(get, f"{url}?limit=1") == _queries(get, f"{url}?limit=50")


def test_contacts_query_count_does_not_grow_with_the_page(book: Book, get: Get):
    people = Contact.objects.bulk_create(Contact(email=f"p{n}@acme.com") for n in range(60))
    Membership.objects.bulk_create(Membership(contact=p, account=book.acme) for p in people)
    ContactDay.objects.bulk_create(
        ContactDay(account=book.acme, contact=p, day=day(n % 5), sessions=n)
        for n, p in enumerate(people)
    )
    for person in people[:10]:
        event(book.acme, person, at(1))
    url = f"/api/usage/accounts/{book.acme.pk}/contacts"
    get(url)
    one, fifty = _queries(get, f"{url}?limit=1"), _queries(get, f"{url}?limit=50")
    assert one == fifty
    assert len(get(f"{url}?limit=50").json()["items"]) == 50
