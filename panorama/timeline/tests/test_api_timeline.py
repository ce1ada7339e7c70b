"""Reading timelines in the REST API (``/api/timeline/{accounts,contacts}/{id}/entries``):
visibility, the filters of the page (types and groups, time, person, team member, search,
sub-accounts), keyset paging, grouped mode, errors naming the parameter, query counts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import Book
from panorama.core.actors import Actor, acting_as
from panorama.core.models import User
from panorama.core.tests.api_client import Api
from panorama.customers.models import Account
from panorama.timeline import services

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)


@pytest.fixture
def api(book: Book, admin: User, member: User, outsider: User) -> Api:
    return Api("/timeline", {"admin": admin, "member": member, "outsider": outsider})


def note(account: Account, body: str, at: dt.datetime, **kw: Any) -> Any:
    with acting_as(Actor(source="test")):
        return services.record_note_added(account=account, body=body, created_at=at, **kw)


def call(account: Account, at: dt.datetime, **kw: Any) -> Any:
    with acting_as(Actor(source="test")):
        return services.record_call_logged(
            account=account, direction="outbound", started_at=at, disposition="connected", **kw
        )


def titles(response: Any) -> list[str]:
    assert response.status_code == 200, response.json()
    return [e["title"] for e in response.json()["items"] if e["kind"] != "contact_added"]


# Who sees what


@pytest.mark.parametrize(
    ("persona", "account", "status"),
    [
        ("admin", "initech", 200),
        ("member", "acme", 200),
        ("member", "globex", 200),
        ("member", "initech", 404),
        ("outsider", "acme", 404),
    ],
)
def test_an_account_timeline_is_read_only_by_who_may_see_the_account(
    api: Api, book: Book, persona: str, account: str, status: int
):
    note(getattr(book, account), "Kick-off", T0)

    response = api.get(f"/accounts/{getattr(book, account).pk}/entries", as_=persona)

    assert response.status_code == status
    if status == 404:
        assert response.json() == {"detail": "No such account"}
    else:
        assert titles(response) == ["Kick-off"]


def test_a_contact_timeline_holds_only_the_accounts_the_caller_may_see(
    api: Api, book: Book, member: User
):
    note(book.acme, "About Jane at Acme", T0, contact=book.jane)
    note(book.initech, "About Jane at Initech", T0 + HOUR, contact=book.jane)

    mine = api.get(f"/contacts/{book.jane.pk}/entries")
    everything = api.get(f"/contacts/{book.jane.pk}/entries", as_="admin")
    john = api.get(f"/contacts/{book.john.pk}/entries")  # at Initech only

    assert titles(mine) == ["About Jane at Acme"]
    assert titles(everything) == ["About Jane at Initech", "About Jane at Acme"]
    assert john.status_code == 404 and john.json() == {"detail": "No such contact"}


def test_contacts_on_an_entry_are_only_those_the_caller_may_see(api: Api, book: Book):
    with acting_as(Actor(source="test")):
        services.record_email(
            account=book.acme,
            message_id="m1",
            direction="inbound",
            from_address="john@initech.com",
            sent_at=T0,
            subject="Intro",
            contacts=[book.jane, book.john],
        )

    entry = next(
        e
        for e in api.get(f"/accounts/{book.acme.pk}/entries").json()["items"]
        if e["kind"] == "email_received"
    )
    admin_entry = next(
        e
        for e in api.get(f"/accounts/{book.acme.pk}/entries", as_="admin").json()["items"]
        if e["kind"] == "email_received"
    )

    assert [c["name"] for c in entry["contacts"]] == ["Jane Doe"]
    assert [c["name"] for c in admin_entry["contacts"]] == ["Jane Doe", "John Smith"]
    assert entry["subject"]["type"] == "timeline.email"


# Filters


def test_types_and_groups(api: Api, book: Book):
    note(book.acme, "A note", T0)
    call(book.acme, T0 + HOUR, notes="A call")
    url = f"/accounts/{book.acme.pk}/entries"

    assert titles(api.get(f"{url}?kinds=note_added")) == ["A note"]
    assert len(titles(api.get(f"{url}?kinds=note_added&kinds=call_logged"))) == 2
    assert len(titles(api.get(f"{url}?kinds=communications"))) == 2
    assert titles(api.get(f"{url}?kinds=deals")) == []


def test_time_window_person_team_member_and_search(api: Api, book: Book, admin: User, member: User):
    note(book.acme, "Renewal risk flagged", T0 - 10 * 24 * HOUR)
    note(book.acme, "Jane asked for SSO", T0, contact=book.jane)
    note(book.acme, "Admin's view on renewal", T0 + HOUR, author=admin)
    url = f"/accounts/{book.acme.pk}/entries"
    since = (T0 - HOUR).isoformat().replace("+", "%2B")

    assert titles(api.get(f"{url}?since={since}")) == [
        "Admin's view on renewal",
        "Jane asked for SSO",
    ]
    assert titles(api.get(f"{url}?until={since}")) == ["Renewal risk flagged"]
    assert titles(api.get(f"{url}?contact={book.jane.pk}")) == ["Jane asked for SSO"]
    assert titles(api.get(f"{url}?actor={admin.pk}")) == ["Admin's view on renewal"]
    assert titles(api.get(f"{url}?q=renewal")) == [
        "Admin's view on renewal",
        "Renewal risk flagged",
    ]
    assert titles(api.get(f"{url}?q=renew")) == ["Admin's view on renewal", "Renewal risk flagged"]
    assert titles(api.get(f"{url}?q=nothing+like+it")) == []


def test_sub_accounts_on_request_and_only_visible_ones(
    api: Api, book: Book, admin: User, member: User
):
    labs = Account.objects.create(name="Acme Labs", parent=book.acme, owner=admin)
    note(book.acme, "Parent", T0)
    note(book.acme_emea, "EMEA", T0 + HOUR)
    note(labs, "Labs", T0 + 2 * HOUR)
    url = f"/accounts/{book.acme.pk}/entries"

    assert titles(api.get(url)) == ["Parent"]
    with_subs = api.get(f"{url}?include_sub_accounts=true")
    assert titles(with_subs) == ["EMEA", "Parent"]
    emea = next(e for e in with_subs.json()["items"] if e["title"] == "EMEA")
    assert emea["accounts"] == [{"id": book.acme_emea.pk, "name": "Acme EMEA"}]
    assert titles(api.get(f"{url}?include_sub_accounts=true", as_="admin")) == [
        "Labs",
        "EMEA",
        "Parent",
    ]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("kinds=nope", "kinds"),
        ("after=garbage", "after"),
        ("contact={john}", "contact"),  # not visible to the member
        ("contact=999999", "contact"),
        ("actor=999999", "actor"),
    ],
)
def test_bad_parameters_are_400s_naming_them(api: Api, book: Book, query: str, field: str):
    response = api.get(f"/accounts/{book.acme.pk}/entries?{query.format(john=book.john.pk)}")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]


def test_out_of_range_parameters_are_422s(api: Api, book: Book):
    assert api.get(f"/accounts/{book.acme.pk}/entries?limit=0").status_code == 422
    assert api.get(f"/accounts/{book.acme.pk}/entries?limit=201").status_code == 422


# Paging and grouping


def test_pages_follow_each_other_newest_first(api: Api, book: Book):
    for n in range(7):
        note(book.acme, f"N{n}", T0 + n * HOUR)

    seen: list[str] = []
    url = f"/accounts/{book.acme.pk}/entries?kinds=note_added&limit=3"
    page = api.get(url).json()
    while True:
        seen += [e["title"] for e in page["items"]]
        if page["next"] is None:
            break
        page = api.get(f"{url}&after={page['next']}").json()

    assert seen == [f"N{n}" for n in reversed(range(7))]


def test_grouped_mode_gives_each_group_its_latest_entries(api: Api, book: Book):
    for n in range(7):
        note(book.acme, f"N{n}", T0 + n * HOUR)
    with acting_as(Actor(source="test")):
        services.record_task_created(account=book.acme, title="Send deck")

    body = api.get(
        f"/accounts/{book.acme.pk}/entries?grouped=true&kinds=communications&kinds=tasks"
    ).json()

    groups = {g["group"]: g for g in body["groups"]}
    assert set(groups) == {"communications", "tasks"}
    assert [e["title"] for e in groups["communications"]["entries"]] == [
        "N6",
        "N5",
        "N4",
        "N3",
        "N2",
    ]
    assert groups["communications"]["has_more"] is True
    assert groups["tasks"]["has_more"] is False and groups["tasks"]["label"] == "Tasks"
    assert body["next"] is None


@pytest.mark.parametrize("persona", ["admin", "member"])
def test_a_page_costs_the_same_queries_for_one_entry_or_many(
    api: Api, book: Book, persona: str, django_assert_num_queries: Any
):
    call(book.acme, T0, contacts=[book.jane])
    url = f"/accounts/{book.acme.pk}/entries?limit=200"
    api.get(url, as_=persona)  # the token's "last used" is written at most once a minute

    with CaptureQueriesContext(connection) as one_queries:
        one = api.get(url, as_=persona)
    for n in range(30):
        call(book.acme, T0 + n * HOUR, contacts=[book.jane])
        note(book.acme, f"N{n}", T0 + n * HOUR, contact=book.jane)
    with django_assert_num_queries(len(one_queries)):
        many = api.get(url, as_=persona)

    assert len(many.json()["items"]) > len(one.json()["items"])
