"""Tickets in the REST API (``/api/support/tickets``): who sees what, writes through the
services with their entries and audit rows, resolution, read-only fields, filters, paging."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from conftest import Book
from panorama.core.actors import Actor, acting_as
from panorama.core.audit import changes_of
from panorama.core.clock import frozen_at
from panorama.core.models import User
from panorama.core.tests.api_client import Api, database, ids
from panorama.customers.models import Account
from panorama.support import services
from panorama.support.models import Ticket

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)


@pytest.fixture
def api(book: Book, admin: User, member: User, outsider: User) -> Api:
    return Api("/support", {"admin": admin, "member": member, "outsider": outsider})


@pytest.fixture
def now() -> Any:
    with frozen_at(NOW):
        yield NOW


def a_ticket(account: Account, subject: str = "Cannot export", **kw: Any) -> Ticket:
    with acting_as(Actor(source="test")):
        return services.record_ticket_opened(account=account, subject=subject, **kw)


# Who sees what


@pytest.mark.parametrize(
    ("persona", "visible"),
    [("admin", {"acme", "globex", "initech"}), ("member", {"acme", "globex"}), ("outsider", set())],
)
def test_the_list_holds_exactly_the_visible_tickets(
    api: Api, book: Book, persona: str, visible: set[str]
):
    tickets = {name: a_ticket(getattr(book, name)) for name in ("acme", "globex", "initech")}

    response = api.get("/tickets", as_=persona)

    assert response.status_code == 200
    assert ids(response) == {tickets[name].pk for name in visible}
    assert ids(api.get(f"/tickets?account={book.initech.pk}", as_=persona)) == (
        {tickets["initech"].pk} if persona == "admin" else set()
    )


@pytest.mark.parametrize(("persona", "account"), [("outsider", "acme"), ("member", "initech")])
def test_tickets_outside_the_book_answer_404_and_nothing_changes(
    api: Api, book: Book, persona: str, account: str
):
    ticket = a_ticket(getattr(book, account))
    before = database()

    answers = [
        api.get(f"/tickets/{ticket.pk}", as_=persona),
        api.patch(f"/tickets/{ticket.pk}", {"priority": "urgent"}, as_=persona),
        api.delete(f"/tickets/{ticket.pk}", as_=persona),
        api.post(f"/tickets/{ticket.pk}/resolve", {}, as_=persona),
    ]

    assert [r.status_code for r in answers] == [404] * 4
    assert answers[0].json() == {"detail": "No such ticket"}
    assert database() == before


# Creating


def test_a_member_records_a_ticket_with_its_entry_and_audit_row(
    api: Api, book: Book, member: User, now: dt.datetime
):
    response = api.post(
        "/tickets",
        {
            "account": book.acme.pk,
            "contact": book.jane.pk,
            "subject": "Export fails",
            "description": "CSV export times out",
            "priority": "high",
            "channel": "chat",
            "external_id": "zd-1",
        },
    )

    body = response.json()
    assert response.status_code == 201, body
    assert body["contact"] == {"id": book.jane.pk, "name": "Jane Doe", "email": "jane@acme.com"}
    assert (body["status"], body["is_open"], body["priority"]) == ("new", True, "high")
    ticket = Ticket.objects.get(pk=body["id"])
    entry = ticket.timeline_entries.get()
    assert (entry.kind, entry.actor, entry.source) == ("ticket_opened", member, "api")
    (created,) = changes_of(ticket)
    assert (created.changed_by, created.source) == (member, "api")


def test_a_ticket_recorded_solved_gets_its_resolution(api: Api, book: Book, now: dt.datetime):
    response = api.post(
        "/tickets",
        {
            "account": book.acme.pk,
            "subject": "Old one",
            "status": "solved",
            "created_at": "2026-01-01T10:00:00Z",
            "resolved_at": "2026-01-01T12:00:00Z",
            "escalated": True,
        },
    )

    body = response.json()
    assert response.status_code == 201, body
    assert body["is_open"] is False and body["resolved_at"] == "2026-01-01T12:00:00Z"
    assert body["escalated_at"] == "2026-03-02T09:30:00Z"
    kinds = sorted(e.kind for e in Ticket.objects.get().timeline_entries.all())
    assert kinds == ["ticket_opened", "ticket_resolved"]


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"account": "initech"}, 400, "account"),
        ({"contact": "john"}, 400, "contact"),  # at Initech only: not visible
        ({"contact": "jane", "account": "globex"}, 400, "contact"),  # not a member
        ({"external_id": "taken"}, 409, "external_id"),
        ({"status": "solved", "resolved_at": "2020-01-01T00:00:00Z"}, 400, "resolved_at"),
        ({"first_response_at": "2020-01-01T00:00:00Z"}, 400, "first_response_at"),
        ({"csat": 6}, 422, "csat"),
        ({"status": "lost"}, 422, "status"),
        ({"subject": ""}, 422, "subject"),
        ({"description": "a\x00b"}, 422, "description"),
        ({"colour": "red"}, 400, "colour"),
    ],
)
def test_a_refused_ticket_names_the_field_and_writes_nothing(
    api: Api, book: Book, now: dt.datetime, body: dict[str, Any], status: int, field: str
):
    a_ticket(book.initech, external_id="taken")
    refs = {
        "initech": book.initech.pk,
        "globex": book.globex.pk,
        "john": book.john.pk,
        "jane": book.jane.pk,
    }
    body = {k: refs[v] if k in {"account", "contact"} and v in refs else v for k, v in body.items()}
    before = database()

    response = api.post("/tickets", {"account": book.acme.pk, "subject": "Help", **body})

    assert response.status_code == status, response.json()
    if status == 422:
        assert field in {e["loc"][-1] for e in response.json()["detail"]}
    else:
        assert list(response.json()["errors"]) == [field]
    assert database() == before


# Updating and resolving


def test_a_patch_changes_the_fields_sent(api: Api, book: Book, member: User, now: dt.datetime):
    ticket = a_ticket(book.acme)

    response = api.patch(
        f"/tickets/{ticket.pk}", {"priority": "urgent", "escalated": True, "csat": 4}
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["priority"], body["escalated"], body["csat"]) == ("urgent", True, 4)
    assert body["escalated_at"] == "2026-03-02T09:30:00Z"
    update = changes_of(ticket).get(action="updated")
    assert {"priority", "escalated", "escalated_at", "csat"} <= set(update.changes)
    assert update.changed_by == member


@pytest.mark.parametrize(
    ("body", "field"),
    [({"account": "globex"}, "account"), ({"created_at": "2026-01-01T00:00:00Z"}, "created_at")],
)
def test_read_only_fields_are_refused_by_name_and_nothing_changes(
    api: Api, book: Book, now: dt.datetime, body: dict[str, Any], field: str
):
    ticket = a_ticket(book.acme)
    body = {k: book.globex.pk if v == "globex" else v for k, v in body.items()}
    before = database()

    response = api.patch(f"/tickets/{ticket.pk}", {**body, "priority": "low"})
    same = api.patch(f"/tickets/{ticket.pk}", {"account": book.acme.pk})

    assert response.status_code == 400 and list(response.json()["errors"]) == [field]
    assert same.status_code == 200
    assert database() == before


def test_resolving_a_ticket(api: Api, book: Book, member: User, now: dt.datetime):
    ticket = a_ticket(book.acme, created_at=NOW - dt.timedelta(hours=5))

    closed = api.post(f"/tickets/{ticket.pk}/resolve", {"status": "closed"})
    again = api.post(f"/tickets/{ticket.pk}/resolve", {})

    assert closed.status_code == 200, closed.json()
    assert closed.json()["status"] == "closed" and closed.json()["is_open"] is False
    assert closed.json()["resolved_at"] == "2026-03-02T09:30:00Z"
    assert again.status_code == 400 and list(again.json()["errors"]) == ["status"]
    entry = ticket.timeline_entries.get(kind="ticket_resolved")
    assert entry.details["resolution_seconds"] == 5 * 3600 and entry.actor == member


def test_deleting_a_ticket_deletes_its_entries(api: Api, book: Book):
    ticket = a_ticket(book.acme)

    response = api.delete(f"/tickets/{ticket.pk}")

    assert response.status_code == 204
    assert not Ticket.objects.exists() and not ticket.timeline_entries.exists()
    assert changes_of(ticket).filter(action="deleted").exists()


# Filters, paging, query counts


def test_filters(api: Api, book: Book, now: dt.datetime):
    old = a_ticket(book.acme, created_at=NOW - dt.timedelta(days=60), status="solved")
    urgent = a_ticket(book.acme, priority="urgent", contact=book.jane, escalated=True)
    chat = a_ticket(book.globex, channel="chat", external_id="zd-9")
    cut = (NOW - dt.timedelta(days=30)).isoformat().replace("+", "%2B")

    def found(query: str) -> set[int]:
        response = api.get(f"/tickets?{query}")
        assert response.status_code == 200, response.json()
        return ids(response)

    assert found("is_open=true") == {urgent.pk, chat.pk}
    assert found("is_open=false") == found("status=solved") == {old.pk}
    assert found("priority=urgent") == found("escalated=true") == {urgent.pk}
    assert found(f"contact={book.jane.pk}") == {urgent.pk}
    assert found("channel=chat") == found("external_id=zd-9") == {chat.pk}
    assert found(f"until={cut}") == {old.pk}
    assert found(f"since={cut}&account={book.acme.pk}") == {urgent.pk}


def test_pages_follow_each_other(api: Api, book: Book):
    expected = [a_ticket(book.acme, subject=f"T{n}").pk for n in range(5)]

    first = api.get("/tickets?limit=2").json()
    second = api.get(f"/tickets?limit=2&after={first['next']}").json()
    third = api.get(f"/tickets?limit=2&after={second['next']}").json()

    assert [t["id"] for t in first["items"] + second["items"] + third["items"]] == expected
    assert third["next"] is None


def test_the_list_costs_the_same_queries_for_one_ticket_or_many(
    api: Api, book: Book, django_assert_num_queries: Any
):
    """Token, tickets (with account and contact)."""
    a_ticket(book.acme, contact=book.jane)
    api.get("/tickets")  # the token's "last used" is written at most once a minute
    with django_assert_num_queries(2):
        one = api.get("/tickets")
    for n in range(30):
        a_ticket(book.acme, subject=f"T{n}", contact=book.jane)
    with django_assert_num_queries(2):
        many = api.get("/tickets?limit=200")

    assert (len(one.json()["items"]), len(many.json()["items"])) == (1, 31)
