"""Contracts (renewals) and invoices (payments) in the REST API (``/api/revenue``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from conftest import Book
from panorama.core.actors import Actor, acting_as
from panorama.core.audit import changes_of
from panorama.core.models import User
from panorama.core.tests.api_client import Api, database, ids
from panorama.customers.models import Account, Plan
from panorama.revenue import services
from panorama.revenue.models import Contract, Invoice
from panorama.revenue.tests.conftest import TODAY
from panorama.timeline.models import Entry

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(book: Book, admin: User, member: User, outsider: User) -> Api:
    return Api("/revenue", {"admin": admin, "member": member, "outsider": outsider})


def a_contract(account: Account, **kw: Any) -> Contract:
    values = {"mrr": 100, "start_date": dt.date(2026, 1, 1), "end_date": dt.date(2026, 12, 31)}
    with acting_as(Actor(source="test")):
        return services.record_contract_signed(account=account, **{**values, **kw})


def an_invoice(account: Account, number: str, **kw: Any) -> Invoice:
    values = {"amount": 100, "issued_on": dt.date(2026, 1, 1), "due_on": dt.date(2026, 1, 31)}
    with acting_as(Actor(source="test")):
        return services.record_invoice_issued(account=account, number=number, **{**values, **kw})


# Contracts


def test_a_member_records_a_contract_with_its_figures(
    api: Api, book: Book, member: User, now: dt.datetime
):
    growth = Plan.objects.get(name="Growth")

    response = api.post(
        "/contracts",
        {
            "account": book.acme.pk,
            "plan": growth.pk,
            "mrr": "490",
            "currency": "eur",
            "start_date": "2026-01-01",
            "end_date": "2026-12-31",
            "auto_renew": True,
            "notice_period_days": 60,
        },
    )

    body = response.json()
    assert response.status_code == 201, body
    assert body["plan"] == {"id": growth.pk, "name": "Growth"} and body["currency"] == "EUR"
    assert (body["mrr"], body["arr"]) == ("490.00", "5880.00")
    assert body["notice_date"] == "2026-11-01" and body["is_active"] is True
    assert body["days_to_renewal"] == (dt.date(2026, 11, 1) - TODAY).days
    contract = Contract.objects.get(pk=body["id"])
    assert Entry.objects.get(kind="contract_signed").subject == contract
    (created,) = changes_of(contract)
    assert (created.changed_by, created.source) == (member, "api")


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"account": "initech"}, 400, "account"),
        ({"plan": 999_999}, 400, "plan"),
        ({"deal": "hidden"}, 400, "deal"),
        ({"end_date": "2025-06-01"}, 400, "end_date"),
        ({"external_id": "taken"}, 409, "external_id"),
        ({"notice_period_days": 5000}, 422, "notice_period_days"),
        ({"mrr": -1}, 422, "mrr"),
        ({"start_date": "1066-10-14"}, 422, "start_date"),
        ({"currency": "euro"}, 422, "currency"),
    ],
)
def test_a_refused_contract_names_the_field_and_writes_nothing(
    api: Api, book: Book, sales: Any, body: dict[str, Any], status: int, field: str
):
    with acting_as(Actor(source="test")):
        hidden = services.record_deal_created(account=book.initech, name="Hidden")
    a_contract(book.initech, external_id="taken")
    refs = {"initech": book.initech.pk, "hidden": hidden.pk}
    body = {k: refs.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    before = database()

    response = api.post(
        "/contracts", {"account": book.acme.pk, "mrr": 1, "start_date": "2026-01-01", **body}
    )

    assert response.status_code == status, response.json()
    if status == 422:
        assert field in {e["loc"][-1] for e in response.json()["detail"]}
    else:
        assert list(response.json()["errors"]) == [field]
    assert database() == before


def test_a_contract_patch_changes_the_fields_sent(api: Api, book: Book, member: User):
    contract = a_contract(book.acme)

    response = api.patch(f"/contracts/{contract.pk}", {"mrr": 250, "auto_renew": True})

    assert response.status_code == 200, response.json()
    assert response.json()["mrr"] == "250.00" and response.json()["auto_renew"] is True
    update = changes_of(contract).get(action="updated")
    assert set(update.changes) == {"mrr", "auto_renew"} and update.changed_by == member


@pytest.mark.parametrize("field", ["account", "renewed_from"])
def test_a_contract_keeps_its_account_and_origin(api: Api, book: Book, field: str):
    contract = a_contract(book.acme)
    other = a_contract(book.acme, start_date=dt.date(2025, 1, 1), end_date=dt.date(2025, 12, 31))
    value = book.globex.pk if field == "account" else other.pk
    before = database()

    response = api.patch(f"/contracts/{contract.pk}", {field: value, "mrr": 1})

    assert response.status_code == 400 and list(response.json()["errors"]) == [field]
    assert database() == before


def test_renewing_a_contract_starts_the_day_after_it_ends(api: Api, book: Book):
    contract = a_contract(book.acme, auto_renew=True, notice_period_days=30)

    response = api.post(f"/contracts/{contract.pk}/renew", {"end_date": "2027-12-31", "mrr": 120})

    body = response.json()
    assert response.status_code == 201, body
    assert body["renewed_from"] == {
        "id": contract.pk,
        "start_date": "2026-01-01",
        "end_date": "2026-12-31",
    }
    assert (body["start_date"], body["end_date"], body["mrr"]) == (
        "2027-01-01",
        "2027-12-31",
        "120.00",
    )
    assert body["auto_renew"] is True and body["notice_period_days"] == 30
    assert Entry.objects.filter(kind="contract_signed", title__contains="renewed").exists()


def test_an_open_ended_contract_needs_the_renewal_start(api: Api, book: Book):
    contract = a_contract(book.acme, end_date=None)
    before = database()

    response = api.post(f"/contracts/{contract.pk}/renew", {"end_date": None})

    assert response.status_code == 400 and list(response.json()["errors"]) == ["start_date"]
    assert database() == before


def test_deleting_a_contract_keeps_its_invoices(api: Api, book: Book):
    contract = a_contract(book.acme)
    invoice = an_invoice(book.acme, "INV-1", contract=contract)

    response = api.delete(f"/contracts/{contract.pk}")

    assert response.status_code == 204
    invoice.refresh_from_db()
    assert invoice.contract is None and not Contract.objects.exists()


def test_contract_filters(api: Api, book: Book, now: dt.datetime):
    running = a_contract(book.acme)
    ended = a_contract(book.acme, start_date=dt.date(2024, 1, 1), end_date=dt.date(2024, 12, 31))
    other = a_contract(book.globex, external_id="sub_9")
    a_contract(book.initech)

    assert ids(api.get("/contracts")) == {running.pk, ended.pk, other.pk}
    assert ids(api.get(f"/contracts?account={book.acme.pk}")) == {running.pk, ended.pk}
    assert ids(api.get("/contracts?active_on=2024-06-01")) == {ended.pk}
    assert ids(api.get("/contracts?since=2025-01-01")) == {running.pk, other.pk}
    assert ids(api.get("/contracts?until=2025-01-01")) == {ended.pk}
    assert ids(api.get("/contracts?external_id=sub_9")) == {other.pk}


# Invoices


@pytest.mark.parametrize(
    ("status", "entries"),
    [
        ("open", ["invoice_issued"]),
        ("draft", []),
        ("paid", ["invoice_issued", "invoice_paid"]),
        ("void", []),
    ],
)
def test_an_invoice_is_recorded_in_any_status_with_its_entries(
    api: Api, book: Book, now: dt.datetime, status: str, entries: list[str]
):
    body: dict[str, Any] = {
        "account": book.acme.pk,
        "number": "INV-1",
        "amount": "99.90",
        "issued_on": "2026-02-01",
        "due_on": "2026-02-28",
        "status": status,
    }
    if status == "paid":
        body["paid_on"] = "2026-02-10"

    response = api.post("/invoices", body)

    assert response.status_code == 201, response.json()
    assert response.json()["status"] == status
    invoice = Invoice.objects.get()
    assert sorted(e.kind for e in invoice.timeline_entries.all()) == entries
    assert {c.source for c in changes_of(invoice)} == {"api"}


def test_a_payment_date_needs_a_paid_invoice(api: Api, book: Book):
    before = database()

    response = api.post(
        "/invoices",
        {
            "account": book.acme.pk,
            "number": "INV-1",
            "amount": 1,
            "issued_on": "2026-02-01",
            "due_on": "2026-02-28",
            "paid_on": "2026-02-10",
        },
    )

    assert response.status_code == 400 and list(response.json()["errors"]) == ["paid_on"]
    assert database() == before


def test_a_paid_invoice_recorded_paid_before_issue_leaves_nothing(api: Api, book: Book):
    before = database()

    response = api.post(
        "/invoices",
        {
            "account": book.acme.pk,
            "number": "INV-1",
            "amount": 1,
            "issued_on": "2026-02-01",
            "due_on": "2026-02-28",
            "status": "paid",
            "paid_on": "2026-01-10",
        },
    )

    assert response.status_code == 400 and list(response.json()["errors"]) == ["paid_on"]
    assert database() == before


def test_paying_an_invoice(api: Api, book: Book, member: User, now: dt.datetime):
    invoice = an_invoice(book.acme, "INV-1")

    paid = api.post(f"/invoices/{invoice.pk}/pay", {})
    again = api.post(f"/invoices/{invoice.pk}/pay", {"paid_on": "2026-02-01"})

    assert paid.status_code == 200, paid.json()
    assert paid.json()["status"] == "paid" and paid.json()["paid_on"] == TODAY.isoformat()
    assert again.status_code == 400 and list(again.json()["errors"]) == ["status"]
    assert Entry.objects.get(kind="invoice_paid").actor == member


def test_an_invoice_patch_moves_its_status_and_keeps_its_account(
    api: Api, book: Book, now: dt.datetime
):
    invoice = an_invoice(book.acme, "INV-1", draft=True)

    issued = api.patch(f"/invoices/{invoice.pk}", {"status": "open", "amount": 120})
    moved = api.patch(f"/invoices/{invoice.pk}", {"account": book.globex.pk})
    foreign = api.patch(f"/invoices/{invoice.pk}", {"contract": a_contract(book.globex).pk})

    assert issued.status_code == 200 and issued.json()["payment_status"] == "overdue"
    assert Entry.objects.filter(kind="invoice_issued").count() == 1
    assert moved.status_code == 400 and list(moved.json()["errors"]) == ["account"]
    assert foreign.status_code == 400
    assert foreign.json()["errors"] == {"contract": ["The contract belongs to another account."]}


def test_invoice_filters(api: Api, book: Book, now: dt.datetime):
    overdue = an_invoice(book.acme, "INV-1")
    due = an_invoice(book.acme, "INV-2", issued_on=TODAY, due_on=TODAY + dt.timedelta(days=30))
    draft = an_invoice(book.globex, "INV-3", draft=True)
    an_invoice(book.initech, "INV-4")

    assert ids(api.get("/invoices")) == {overdue.pk, due.pk, draft.pk}
    assert ids(api.get("/invoices?payment_status=overdue")) == {overdue.pk}
    assert ids(api.get("/invoices?payment_status=due")) == {due.pk}
    assert ids(api.get("/invoices?status=open")) == {overdue.pk, due.pk}
    assert ids(api.get(f"/invoices?account={book.globex.pk}")) == {draft.pk}
    assert ids(api.get(f"/invoices?since={TODAY}")) == {due.pk}
    assert ids(api.get(f"/invoices?until={TODAY}")) == {overdue.pk, draft.pk}


@pytest.mark.parametrize(
    ("path", "queries"),
    [
        ("/contracts", 2),  # token, contracts (account, plan, deal, renewed contract)
        ("/invoices", 2),  # token, invoices (account, contract)
    ],
)
def test_lists_cost_the_same_queries_for_one_row_or_many(
    api: Api, book: Book, path: str, queries: int, django_assert_num_queries: Any
):
    def add_rows(n: int, start: int) -> None:
        for i in range(start, start + n):
            contract = a_contract(book.acme, external_id=f"c{i}", plan=Plan.objects.first())
            with acting_as(Actor(source="test")):
                services.renew_contract(contract=contract, end_date=dt.date(2027, 12, 31))
            an_invoice(book.acme, f"INV-{i}", contract=contract)

    add_rows(1, 0)
    api.get(path)  # the token's "last used" is written at most once a minute
    with django_assert_num_queries(queries):
        one = api.get(path)
    add_rows(20, 1)
    with django_assert_num_queries(queries):
        many = api.get(f"{path}?limit=200")

    assert len(many.json()["items"]) > len(one.json()["items"]) >= 1
