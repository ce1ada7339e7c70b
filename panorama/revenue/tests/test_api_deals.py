"""Pipelines, deals (stage moves, stage history), quotes and orders in the REST API
(``/api/revenue``): writes through the services with their entry and audit row, validation
that names the field and changes nothing, read-only fields, filters, paging, query counts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from conftest import Book
from panorama.core.actors import Actor, acting_as
from panorama.core.audit import changes_of
from panorama.core.models import User
from panorama.core.tests.api_client import Api, database, ids
from panorama.revenue import services
from panorama.revenue.models import Deal, Order, PipelineStage, Quote
from panorama.revenue.tests.conftest import NOW
from panorama.timeline.models import Entry

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(book: Book, admin: User, member: User, outsider: User) -> Api:
    return Api("/revenue", {"admin": admin, "member": member, "outsider": outsider})


def a_deal(account: Any, name: str = "Expansion", **kw: Any) -> Deal:
    with acting_as(Actor(source="test")):
        return services.record_deal_created(account=account, name=name, **kw)


# Pipelines


def test_pipelines_list_their_stages_in_order(api: Api, sales: dict[str, PipelineStage]):
    body = api.get("/pipelines").json()

    (sales_pipeline,) = body["items"]
    assert sales_pipeline["name"] == "Sales" and sales_pipeline["is_default"] is True
    assert [s["name"] for s in sales_pipeline["stages"]][:2] == ["Qualification", "Discovery"]
    won = next(s for s in sales_pipeline["stages"] if s["is_won"])
    assert (won["name"], won["probability"]) == ("Closed won", 100)


# Creating


def test_a_member_opens_a_deal_with_its_entry_and_audit_row(
    api: Api, book: Book, member: User, sales: dict[str, PipelineStage], now: dt.datetime
):
    response = api.post(
        "/deals",
        {
            "account": book.acme.pk,
            "name": " Expansion ",
            "value": "12000",
            "currency": "eur",
            "contacts": [book.jane.pk],
            "products": ["Seats", "SSO"],
            "close_date": "2026-06-30",
        },
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    deal = Deal.objects.get(pk=body["id"])
    assert (deal.name, deal.value, deal.currency) == ("Expansion", Decimal("12000.00"), "EUR")
    assert deal.stage == sales["Qualification"] and deal.owner == member
    assert body["stage"] == {
        "id": sales["Qualification"].pk,
        "name": "Qualification",
        "probability": 10,
    }
    assert body["status"] == "open" and body["weighted_value"] == "1200.00"
    assert body["contacts"] == [{"id": book.jane.pk, "name": "Jane Doe", "email": "jane@acme.com"}]
    assert body["owner"]["id"] == member.pk and body["days_in_stage"] == 0
    entry = Entry.objects.get(kind="deal_created")
    assert (entry.actor, entry.source, entry.subject) == (member, "api", deal)
    (created,) = changes_of(deal)
    assert (created.action, created.changed_by, created.source) == ("created", member, "api")


def test_a_deal_recorded_won_is_closed_at_its_creation(
    api: Api, book: Book, sales: dict[str, PipelineStage]
):
    response = api.post(
        "/deals",
        {
            "account": book.acme.pk,
            "name": "Old win",
            "stage": sales["Closed won"].pk,
            "created_at": "2025-01-10T09:00:00Z",
            "owner": None,
        },
    )

    body = response.json()
    assert response.status_code == 201, body
    assert body["status"] == "won" and body["owner"] is None
    assert body["closed_at"] == "2025-01-10T09:00:00Z" and body["close_date"] == "2025-01-10"


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"account": "initech"}, "account", "No such account."),
        ({"contacts": ["john"]}, "contacts", "No such contact: #{john}."),
        ({"owner": 999_999}, "owner", "No such active user."),
        ({"stage": 999_999}, "stage", "No such pipeline stage."),
        ({"pipeline": 999_999}, "pipeline", "No such pipeline."),
        ({"stage": "lost"}, "lost_reason", "A lost deal needs a reason."),
        ({"lost_reason": "Price"}, "lost_reason", "Only a lost deal has a lost reason."),
        ({"closed_at": "2026-01-01T00:00:00Z"}, "closed_at", None),
    ],
)
def test_a_refused_deal_names_the_field_and_writes_nothing(
    api: Api,
    book: Book,
    sales: dict[str, PipelineStage],
    body: dict[str, Any],
    field: str,
    message: str | None,
):
    refs = {"initech": book.initech.pk, "john": book.john.pk, "lost": sales["Closed lost"].pk}
    body = {
        k: [refs[i] for i in v]
        if isinstance(v, list)
        else refs.get(v, v)
        if k != "lost_reason"
        else v
        for k, v in body.items()
    }
    before = database()

    response = api.post("/deals", {"account": book.acme.pk, "name": "X", **body})

    assert response.status_code == 400, response.json()
    errors = response.json()["errors"]
    assert list(errors) == [field]
    if message:
        assert errors[field] == [message.format(john=book.john.pk)]
    assert database() == before


def test_unknown_and_malformed_fields_are_refused(api: Api, book: Book, sales: Any):
    before = database()

    unknown = api.post("/deals", {"account": book.acme.pk, "name": "X", "amount": 3, "prob": 1})
    malformed = api.post("/deals", {"account": book.acme.pk, "name": "X", "value": -1})
    too_old = api.post(
        "/deals", {"account": book.acme.pk, "name": "X", "created_at": "0001-01-01T00:00:00Z"}
    )

    assert unknown.status_code == 400
    assert unknown.json()["errors"] == {"amount": ["Unknown field."], "prob": ["Unknown field."]}
    assert malformed.status_code == 422 and too_old.status_code == 422
    assert database() == before


# Updating


def test_a_patch_changes_the_fields_sent_with_an_audit_row(
    api: Api, book: Book, member: User, sales: Any
):
    deal = a_deal(book.acme, value=1000)

    response = api.patch(
        f"/deals/{deal.pk}",
        {"value": "1500.50", "next_step": "Call CFO", "contacts": [book.jane.pk]},
    )

    assert response.status_code == 200, response.json()
    assert response.json()["value"] == "1500.50" and response.json()["next_step"] == "Call CFO"
    assert [c["id"] for c in response.json()["contacts"]] == [book.jane.pk]
    update = changes_of(deal).get(action="updated")
    assert set(update.changes) == {"value", "next_step", "contacts"}
    assert (update.changed_by, update.source) == (member, "api")


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"stage": "won", "name": "Closed!"}, ["stage"]),
        ({"status": "won"}, ["status"]),
        ({"account": "globex"}, ["account"]),
        ({"pipeline": 999}, ["pipeline"]),
        ({"status": "lost", "stage": "won"}, ["stage", "status"]),
    ],
)
def test_read_only_fields_are_refused_by_name_and_nothing_changes(
    api: Api, book: Book, sales: dict[str, PipelineStage], body: dict[str, Any], fields: list[str]
):
    deal = a_deal(book.acme)
    refs = {"won": sales["Closed won"].pk, "globex": book.globex.pk}
    body = {k: refs.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    before = database()

    response = api.patch(f"/deals/{deal.pk}", body)

    assert response.status_code == 400
    assert sorted(response.json()["errors"]) == fields
    assert database() == before


def test_read_only_fields_sent_unchanged_are_accepted(api: Api, book: Book, sales: Any):
    deal = a_deal(book.acme)

    response = api.patch(
        f"/deals/{deal.pk}",
        {"account": book.acme.pk, "stage": deal.stage_id, "status": "open", "name": "Renamed"},
    )

    assert response.status_code == 200, response.json()
    assert response.json()["name"] == "Renamed"


def test_a_contact_outside_the_account_is_refused(api: Api, book: Book, sales: Any):
    deal = a_deal(book.globex)
    before = database()

    response = api.patch(f"/deals/{deal.pk}", {"contacts": [book.jane.pk]})

    assert response.status_code == 400
    assert response.json()["errors"] == {"contacts": [f"Not members of Globex: #{book.jane.pk}."]}
    assert database() == before


# Stage moves and history


def test_moving_a_deal_records_its_stage_history(
    api: Api, book: Book, member: User, sales: dict[str, PipelineStage]
):
    deal = a_deal(book.acme, created_at=NOW - dt.timedelta(days=10))

    demo = api.post(f"/deals/{deal.pk}/stage", {"stage": sales["Demo"].pk})
    lost = api.post(
        f"/deals/{deal.pk}/stage", {"stage": sales["Closed lost"].pk, "lost_reason": "Price"}
    )
    history = api.get(f"/deals/{deal.pk}/stage-changes").json()["items"]

    assert demo.status_code == 200 and demo.json()["stage"]["name"] == "Demo"
    assert lost.json()["status"] == "lost" and lost.json()["lost_reason"] == "Price"
    assert lost.json()["closed_at"] is not None
    assert [
        (h["from_stage"] and h["from_stage"]["name"], h["to_stage"]["name"]) for h in history
    ] == [
        (None, "Qualification"),
        ("Qualification", "Demo"),
        ("Demo", "Closed lost"),
    ]
    assert history[1]["days_in_from_stage"] >= 10
    assert history[2]["changed_by"]["id"] == member.pk
    assert Entry.objects.filter(kind="deal_stage_changed", source="api").count() == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"stage": "lost"}, "lost_reason"),
        ({"stage": "qualification"}, "stage"),  # already there
        ({"stage": 999_999}, "stage"),
        ({"stage": "demo", "lost_reason": "Price"}, "lost_reason"),
        ({"stage": "demo", "changed_at": "2000-01-01T00:00:00Z"}, "changed_at"),
    ],
)
def test_a_refused_move_names_the_field_and_writes_nothing(
    api: Api, book: Book, sales: dict[str, PipelineStage], body: dict[str, Any], field: str
):
    deal = a_deal(book.acme)
    refs = {
        "lost": sales["Closed lost"].pk,
        "qualification": sales["Qualification"].pk,
        "demo": sales["Demo"].pk,
    }
    body = {k: refs.get(v, v) if k == "stage" else v for k, v in body.items()}
    before = database()

    response = api.post(f"/deals/{deal.pk}/stage", body)

    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]
    assert database() == before


# Deleting


def test_deleting_a_deal_deletes_its_quotes_and_entries_and_keeps_orders(
    api: Api, book: Book, sales: Any
):
    deal = a_deal(book.acme)
    api.post("/quotes", {"deal": deal.pk, "number": "Q-1", "amount": 10})
    order = api.post(
        "/orders", {"account": book.acme.pk, "deal": deal.pk, "number": "O-1", "amount": 10}
    )

    response = api.delete(f"/deals/{deal.pk}")

    assert response.status_code == 204
    assert not Deal.objects.exists() and not Quote.objects.exists()
    assert Order.objects.get(pk=order.json()["id"]).deal is None
    assert not Entry.objects.filter(kind__in=["deal_created", "quote_sent"]).exists()
    assert changes_of(deal).filter(action="deleted").exists()


# Quotes and orders


def test_quotes_are_recorded_changed_and_deleted_through_their_deal(
    api: Api, book: Book, member: User, sales: Any
):
    deal = a_deal(book.acme, currency="EUR")

    created = api.post(
        "/quotes", {"deal": deal.pk, "number": "Q-7", "amount": "900", "valid_until": "2030-01-01"}
    )
    quote_id = created.json()["id"]
    changed = api.patch(f"/quotes/{quote_id}", {"amount": 950, "deal": deal.pk})
    moved = api.patch(f"/quotes/{quote_id}", {"deal": a_deal(book.acme).pk})
    deleted = api.delete(f"/quotes/{quote_id}")

    assert created.status_code == 201, created.json()
    assert created.json()["currency"] == "EUR" and created.json()["account"]["id"] == book.acme.pk
    assert changed.status_code == 200 and changed.json()["amount"] == "950.00"
    assert moved.status_code == 400 and list(moved.json()["errors"]) == ["deal"]
    assert deleted.status_code == 204 and not Quote.objects.exists()
    assert [c.action for c in changes_of(Quote(pk=quote_id))] == ["deleted", "updated", "created"]


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"deal": "hidden"}, 400, "deal"),
        ({"number": "Q-1"}, 409, "number"),
        ({"valid_until": "2000-01-01"}, 400, "valid_until"),
        ({"amount": "1.234"}, 422, "amount"),
        ({"number": "   "}, 422, "number"),
    ],
)
def test_a_refused_quote_names_the_field(
    api: Api, book: Book, sales: Any, body: dict[str, Any], status: int, field: str
):
    deal = a_deal(book.acme)
    hidden = a_deal(book.initech)
    with acting_as(Actor(source="test")):
        services.record_quote_sent(deal=hidden, number="Q-1", amount=1)
    body = {k: hidden.pk if v == "hidden" else v for k, v in body.items()}
    before = database()

    response = api.post("/quotes", {"deal": deal.pk, "number": "Q-2", "amount": 1, **body})

    assert response.status_code == status, response.json()
    if status == 422:
        assert field in {e["loc"][-1] for e in response.json()["detail"]}
    else:
        assert list(response.json()["errors"]) == [field]
    assert database() == before


def test_an_order_for_a_deal_of_another_account_is_refused(api: Api, book: Book, sales: Any):
    deal = a_deal(book.globex)
    before = database()

    response = api.post(
        "/orders", {"account": book.acme.pk, "deal": deal.pk, "number": "O-1", "amount": 5}
    )
    fixed = api.post(
        "/orders", {"account": book.globex.pk, "deal": deal.pk, "number": "O-1", "amount": 5}
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {"deal": ["The deal belongs to another account."]}
    assert fixed.status_code == 201 and fixed.json()["deal"] == {"id": deal.pk, "name": "Expansion"}
    assert Order.objects.count() == 1 and database() != before


def test_an_order_stays_with_its_account(api: Api, book: Book):
    created = api.post("/orders", {"account": book.acme.pk, "number": "O-1", "amount": 5})
    before = database()

    response = api.patch(f"/orders/{created.json()['id']}", {"account": book.globex.pk})

    assert response.status_code == 400 and list(response.json()["errors"]) == ["account"]
    assert database() == before


# Lists: filters, paging, query counts


def test_deal_filters(api: Api, book: Book, admin: User, sales: dict[str, PipelineStage]):
    old = a_deal(book.acme, name="Old", created_at=NOW - dt.timedelta(days=400), owner=admin)
    new = a_deal(book.acme, name="New", contacts=[book.jane], external_id="crm-1")
    won = a_deal(book.globex, name="Won", stage=sales["Closed won"])
    a_deal(book.initech, name="Hidden")

    def found(query: str) -> set[int]:
        response = api.get(f"/deals?{query}")
        assert response.status_code == 200, response.json()
        return ids(response)

    assert found("") == {old.pk, new.pk, won.pk}
    assert found(f"account={book.acme.pk}") == {old.pk, new.pk}
    assert found(f"account={book.initech.pk}") == set()
    assert found("status=won") == {won.pk}
    assert found(f"stage={sales['Closed won'].pk}") == {won.pk}
    assert found(f"owner={admin.pk}") == {old.pk}
    assert found(f"contact={book.jane.pk}") == {new.pk}
    assert found("external_id=crm-1") == {new.pk}
    cut = (NOW - dt.timedelta(days=30)).isoformat().replace("+", "%2B")
    assert found(f"until={cut}") == {old.pk}
    assert found(f"since={cut}") == {new.pk, won.pk}


def test_quote_and_order_filters(api: Api, book: Book, sales: Any):
    deal, other = a_deal(book.acme), a_deal(book.globex)
    with acting_as(Actor(source="test")):
        early = services.record_quote_sent(
            deal=deal, number="Q-1", amount=1, sent_at=NOW - dt.timedelta(days=90)
        )
        late = services.record_quote_sent(deal=other, number="Q-2", amount=1)
        o1 = services.record_order_placed(account=book.acme, number="O-1", amount=1, deal=deal)
        o2 = services.record_order_placed(
            account=book.globex, number="O-2", amount=1, placed_at=NOW - dt.timedelta(days=90)
        )
    cut = (NOW - dt.timedelta(days=30)).isoformat().replace("+", "%2B")

    assert ids(api.get(f"/quotes?account={book.acme.pk}")) == {early.pk}
    assert ids(api.get(f"/quotes?deal={other.pk}")) == {late.pk}
    assert ids(api.get(f"/quotes?until={cut}")) == {early.pk}
    assert ids(api.get(f"/orders?deal={deal.pk}")) == {o1.pk}
    assert ids(api.get(f"/orders?since={cut}")) == {o1.pk}
    assert ids(api.get(f"/orders?account={book.globex.pk}")) == {o2.pk}


def test_deal_pages_follow_each_other_without_gaps_or_repeats(api: Api, book: Book, sales: Any):
    expected = [a_deal(book.acme, name=f"D{n}").pk for n in range(7)]

    seen: list[int] = []
    page = api.get("/deals?limit=3").json()
    while True:
        seen += [d["id"] for d in page["items"]]
        if page["next"] is None:
            break
        page = api.get(f"/deals?limit=3&after={page['next']}").json()

    assert seen == expected


@pytest.mark.parametrize(
    ("path", "queries"),
    [
        ("/deals", 3),  # token, deals (account, pipeline, stage, owner), contacts
        ("/quotes", 2),  # token, quotes (deal, account)
        ("/orders", 2),  # token, orders (account, deal)
        ("/pipelines", 3),  # token, pipelines, stages
        ("/deals/{deal}/stage-changes", 3),  # token, deal, changes (stages, author)
    ],
)
def test_lists_cost_the_same_queries_for_one_row_or_many(
    api: Api,
    book: Book,
    sales: Any,
    path: str,
    queries: int,
    django_assert_num_queries: Any,
):
    deal = a_deal(book.acme, contacts=[book.jane])
    moves = [sales["Discovery"], sales["Demo"]]

    def add_rows(n: int) -> None:
        for i in range(n):
            other = a_deal(book.acme, name=f"More {n}-{i}", contacts=[book.jane])
            with acting_as(Actor(source="test")):
                services.record_quote_sent(deal=other, number=f"Q-{n}-{i}", amount=1)
                services.record_order_placed(
                    account=book.acme, number=f"O-{n}-{i}", amount=1, deal=other
                )
                moves.reverse()
                services.move_deal_stage(deal=deal, stage=moves[0])

    url = path.format(deal=deal.pk) + "?limit=200"
    add_rows(1)
    api.get(url)  # the token's "last used" is written at most once a minute
    with django_assert_num_queries(queries):
        one = api.get(url)
    add_rows(20)
    with django_assert_num_queries(queries):
        many = api.get(url)

    assert one.status_code == many.status_code == 200
    if path != "/pipelines":
        assert len(many.json()["items"]) > len(one.json()["items"])
