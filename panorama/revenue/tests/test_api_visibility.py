"""For every revenue record type: a caller who may not see the account reads and writes
nothing (404 to every method, database unchanged), and lists hold exactly the visible rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from conftest import Book
from panorama.core.actors import Actor, acting_as
from panorama.core.models import User
from panorama.core.tests.api_client import Api, database, ids
from panorama.customers.models import Account
from panorama.revenue import services
from panorama.revenue.models import PipelineStage

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(book: Book, admin: User, member: User, outsider: User) -> Api:
    return Api("/revenue", {"admin": admin, "member": member, "outsider": outsider})


def _deal(account: Account) -> Any:
    return services.record_deal_created(account=account, name=f"{account.name} deal")


def _quote(account: Account) -> Any:
    return services.record_quote_sent(deal=_deal(account), number=f"Q-{account.pk}", amount=1)


def _order(account: Account) -> Any:
    return services.record_order_placed(account=account, number=f"O-{account.pk}", amount=1)


def _contract(account: Account) -> Any:
    return services.record_contract_signed(
        account=account, mrr=1, start_date=dt.date(2026, 1, 1), end_date=dt.date(2026, 12, 31)
    )


def _invoice(account: Account) -> Any:
    return services.record_invoice_issued(
        account=account,
        number=f"I-{account.pk}",
        amount=1,
        issued_on=dt.date(2026, 1, 1),
        due_on=dt.date(2026, 1, 31),
    )


# Each type: its path, how to make one, a valid change, and its other operations.
KINDS: dict[
    str, tuple[str, Callable[[Account], Any], dict[str, Any], list[tuple[str, str, Any]]]
] = {
    "deal": (
        "/deals",
        _deal,
        {"name": "Mine now"},
        [
            ("post", "/stage", {"stage": "demo"}),
            ("get", "/stage-changes", None),
        ],
    ),
    "quote": ("/quotes", _quote, {"amount": 2}, []),
    "order": ("/orders", _order, {"amount": 2}, []),
    "contract": (
        "/contracts",
        _contract,
        {"mrr": 2},
        [("post", "/renew", {"end_date": "2027-12-31"})],
    ),
    "invoice": ("/invoices", _invoice, {"amount": 2}, [("post", "/pay", {})]),
}


def _records(book: Book, kind: str) -> dict[str, Any]:
    make = KINDS[kind][1]
    with acting_as(Actor(source="test")):
        return {name: make(getattr(book, name)) for name in ("acme", "globex", "initech")}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("persona", "account"), [("outsider", "acme"), ("member", "initech")])
def test_records_outside_the_book_answer_404_and_nothing_changes(
    api: Api,
    book: Book,
    sales: dict[str, PipelineStage],
    kind: str,
    persona: str,
    account: str,
):
    path, _, change, actions = KINDS[kind]
    record = _records(book, kind)[account]
    url = f"{path}/{record.pk}"
    before = database()

    answers = [
        api.get(url, as_=persona),
        api.patch(url, change, as_=persona),
        api.delete(url, as_=persona),
    ]
    for method, suffix, body in actions:
        if body is not None:
            body = {k: sales["Demo"].pk if v == "demo" else v for k, v in body.items()}
            answers.append(api.send(method, url + suffix, body, as_=persona))
        else:
            answers.append(api.send(method, url + suffix, as_=persona))

    assert [r.status_code for r in answers] == [404] * len(answers)
    assert answers[0].json() == {"detail": f"No such {kind}"}
    assert database() == before


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("persona", "visible"),
    [("admin", {"acme", "globex", "initech"}), ("member", {"acme", "globex"}), ("outsider", set())],
)
def test_lists_hold_exactly_the_visible_records(
    api: Api, book: Book, sales: Any, kind: str, persona: str, visible: set[str]
):
    records = _records(book, kind)

    response = api.get(KINDS[kind][0], as_=persona)

    assert response.status_code == 200
    assert ids(response) == {records[name].pk for name in visible}


def test_a_list_filtered_by_a_hidden_account_is_empty(api: Api, book: Book, sales: Any):
    for kind in KINDS:
        _records(book, kind)

    for path, *_ in KINDS.values():
        assert ids(api.get(f"{path}?account={book.initech.pk}")) == set(), path


@pytest.mark.parametrize(
    ("path", "body", "field", "what"),
    [
        ("/quotes", {"deal": "deal", "number": "Q", "amount": 1}, "deal", "deal"),
        ("/orders", {"account": "account", "number": "O", "amount": 1}, "account", "account"),
        (
            "/orders",
            {"account": "acme", "deal": "deal", "number": "O", "amount": 1},
            "deal",
            "deal",
        ),
        (
            "/contracts",
            {"account": "acme", "mrr": 1, "start_date": "2026-01-01", "deal": "deal"},
            "deal",
            "deal",
        ),
        (
            "/invoices",
            {
                "account": "acme",
                "contract": "contract",
                "number": "I",
                "amount": 1,
                "issued_on": "2026-01-01",
                "due_on": "2026-01-02",
            },
            "contract",
            "contract",
        ),
    ],
)
def test_ids_of_hidden_records_in_bodies_are_no_such(
    api: Api, book: Book, sales: Any, path: str, body: dict[str, Any], field: str, what: str
):
    with acting_as(Actor(source="test")):
        hidden = {
            "deal": _deal(book.initech).pk,
            "contract": _contract(book.initech).pk,
            "account": book.initech.pk,
            "acme": book.acme.pk,
        }
    body = {k: hidden.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    before = database()

    response = api.post(path, body)

    assert response.status_code == 400
    assert response.json()["errors"] == {field: [f"No such {what}."]}
    assert database() == before
