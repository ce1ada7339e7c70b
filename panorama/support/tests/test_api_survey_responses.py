"""NPS and CSAT answers in the REST API (``/api/support/survey-responses``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from conftest import Book
from panorama.core.actors import Actor, acting_as
from panorama.core.audit import changes_of
from panorama.core.models import User
from panorama.core.tests.api_client import Api, database, ids
from panorama.customers.models import Account
from panorama.support import services
from panorama.support.models import SurveyResponse, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(book: Book, admin: User, member: User, outsider: User) -> Api:
    return Api("/support", {"admin": admin, "member": member, "outsider": outsider})


def an_answer(account: Account, kind: str = "nps", score: int = 9, **kw: Any) -> SurveyResponse:
    with acting_as(Actor(source="test")):
        return services.record_survey_response(account=account, kind=kind, score=score, **kw)


def a_ticket(account: Account) -> Ticket:
    with acting_as(Actor(source="test")):
        return services.record_ticket_opened(account=account, subject="Help")


@pytest.mark.parametrize(
    ("persona", "visible"),
    [("admin", {"acme", "globex", "initech"}), ("member", {"acme", "globex"}), ("outsider", set())],
)
def test_the_list_holds_exactly_the_visible_answers(
    api: Api, book: Book, persona: str, visible: set[str]
):
    answers = {name: an_answer(getattr(book, name)) for name in ("acme", "globex", "initech")}

    response = api.get("/survey-responses", as_=persona)

    assert response.status_code == 200
    assert ids(response) == {answers[name].pk for name in visible}


@pytest.mark.parametrize(("persona", "account"), [("outsider", "acme"), ("member", "initech")])
def test_answers_outside_the_book_answer_404_and_nothing_changes(
    api: Api, book: Book, persona: str, account: str
):
    answer = an_answer(getattr(book, account))
    before = database()

    answers = [
        api.get(f"/survey-responses/{answer.pk}", as_=persona),
        api.patch(f"/survey-responses/{answer.pk}", {"score": 3}, as_=persona),
        api.delete(f"/survey-responses/{answer.pk}", as_=persona),
    ]

    assert [r.status_code for r in answers] == [404] * 3
    assert answers[0].json() == {"detail": "No such survey response"}
    assert database() == before


def test_a_csat_answer_about_a_ticket_rates_it(api: Api, book: Book, member: User):
    ticket = a_ticket(book.acme)

    response = api.post(
        "/survey-responses",
        {
            "account": book.acme.pk,
            "kind": "csat",
            "score": 2,
            "contact": book.jane.pk,
            "ticket": ticket.pk,
            "comment": "Slow answer",
        },
    )

    body = response.json()
    assert response.status_code == 201, body
    assert body["ticket"] == {"id": ticket.pk, "subject": "Help"}
    assert body["nps_category"] is None and body["contact"]["id"] == book.jane.pk
    ticket.refresh_from_db()
    assert ticket.csat == 2
    answer = SurveyResponse.objects.get()
    entry = answer.timeline_entries.get()
    assert (entry.kind, entry.actor, entry.title) == (
        "survey_response",
        member,
        "CSAT 2 from Jane Doe",
    )
    assert changes_of(answer).get().source == "api"


def test_an_nps_answer_reads_with_its_category(api: Api, book: Book):
    response = api.post(
        "/survey-responses",
        {"account": book.acme.pk, "kind": "nps", "score": 6, "responded_at": "2026-01-05T10:00"},
    )

    assert response.status_code == 201, response.json()
    assert response.json()["nps_category"] == "detractor"


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"account": "initech"}, 400, "account"),
        ({"ticket": "hidden"}, 400, "ticket"),
        ({"ticket": "globex"}, 400, "ticket"),  # of another account
        ({"kind": "nps", "ticket": "acme"}, 400, "ticket"),  # only CSAT rates a ticket
        ({"contact": "john"}, 400, "contact"),
        ({"kind": "csat", "score": 0}, 400, "score"),
        ({"score": 11}, 422, "score"),
        ({"kind": "ces"}, 422, "kind"),
    ],
)
def test_a_refused_answer_names_the_field_and_writes_nothing(
    api: Api, book: Book, body: dict[str, Any], status: int, field: str
):
    tickets = {
        "hidden": a_ticket(book.initech).pk,
        "globex": a_ticket(book.globex).pk,
        "acme": a_ticket(book.acme).pk,
    }
    refs: dict[str, Any] = {"initech": book.initech.pk, "john": book.john.pk}
    body = {
        k: tickets[v] if k == "ticket" else refs.get(v, v) if isinstance(v, str) else v
        for k, v in body.items()
    }
    before = database()

    response = api.post(
        "/survey-responses", {"account": book.acme.pk, "kind": "csat", "score": 4, **body}
    )

    assert response.status_code == status, response.json()
    if status == 422:
        assert field in {e["loc"][-1] for e in response.json()["detail"]}
    else:
        assert list(response.json()["errors"]) == [field]
    assert database() == before


def test_a_patch_changes_the_fields_sent_and_keeps_the_account(api: Api, book: Book):
    answer = an_answer(book.acme, score=9)

    changed = api.patch(f"/survey-responses/{answer.pk}", {"score": 10, "comment": "Great"})
    before = database()
    moved = api.patch(f"/survey-responses/{answer.pk}", {"account": book.globex.pk})

    assert changed.status_code == 200 and changed.json()["score"] == 10
    assert moved.status_code == 400 and list(moved.json()["errors"]) == ["account"]
    assert database() == before


def test_deleting_a_rating_gives_the_ticket_its_previous_one(api: Api, book: Book):
    ticket = a_ticket(book.acme)
    an_answer(
        book.acme,
        kind="csat",
        score=5,
        ticket=ticket,
        responded_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )
    latest = an_answer(book.acme, kind="csat", score=1, ticket=ticket)

    response = api.delete(f"/survey-responses/{latest.pk}")

    assert response.status_code == 204
    ticket.refresh_from_db()
    assert ticket.csat == 5


def test_filters(api: Api, book: Book):
    old = an_answer(book.acme, responded_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    csat = an_answer(book.acme, kind="csat", score=4, contact=book.jane)
    other = an_answer(book.globex)

    assert ids(api.get("/survey-responses?kind=csat")) == {csat.pk}
    assert ids(api.get(f"/survey-responses?contact={book.jane.pk}")) == {csat.pk}
    assert ids(api.get(f"/survey-responses?account={book.globex.pk}")) == {other.pk}
    assert ids(api.get("/survey-responses?until=2026-01-01T00:00:00Z")) == {old.pk}
    assert ids(api.get("/survey-responses?since=2026-01-01T00:00:00Z")) == {csat.pk, other.pk}


def test_the_list_costs_the_same_queries_for_one_answer_or_many(
    api: Api, book: Book, django_assert_num_queries: Any
):
    """Token, answers (with account, contact and ticket)."""
    ticket = a_ticket(book.acme)
    an_answer(book.acme, kind="csat", score=3, contact=book.jane, ticket=ticket)
    api.get("/survey-responses")  # the token's "last used" is written at most once a minute
    with django_assert_num_queries(2):
        one = api.get("/survey-responses")
    for _ in range(30):
        an_answer(book.acme, kind="csat", score=4, contact=book.jane, ticket=a_ticket(book.acme))
    with django_assert_num_queries(2):
        many = api.get("/survey-responses?limit=200")

    assert (len(one.json()["items"]), len(many.json()["items"])) == (1, 31)
