"""Review: bad input to the timeline reads is a 4xx, never a 500; a record's contact the
reader may no longer see is not named."""

from __future__ import annotations

import base64
import datetime as dt

import pytest

from conftest import Book, client_for
from panorama.core.actors import Actor, acting_as
from panorama.core.models import User
from panorama.core.tests.api_client import Api
from panorama.customers.models import Membership
from panorama.support import services as support_services
from panorama.timeline import services

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def api(book: Book, admin: User, member: User, outsider: User) -> Api:
    return Api("/timeline", {"admin": admin, "member": member, "outsider": outsider})


def _cursor(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


# A well-formed cursor naming an id no database holds, or a time that leaves the calendar
# once in UTC.
BAD_CURSORS = [
    _cursor(f"{T0.isoformat()}|{10**22}"),
    _cursor("0001-01-01T00:00:00+05:00|1"),
    _cursor("9999-12-31T23:59:59-05:00|1"),
]


@pytest.mark.parametrize("cursor", BAD_CURSORS)
def test_an_api_cursor_out_of_range_is_a_400_naming_it(api: Api, book: Book, cursor: str):
    response = api.get(f"/accounts/{book.acme.pk}/entries?after={cursor}")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["after"]


@pytest.mark.parametrize("cursor", BAD_CURSORS)
def test_a_page_cursor_out_of_range_is_a_400(book: Book, member: User, cursor: str):
    response = client_for(member).get(
        f"/customers/accounts/{book.acme.pk}/timeline/?cursor={cursor}",
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 400


@pytest.mark.parametrize("query", ["to=9999-12-31", "from=9999-12-31", "from=0001-01-01"])
def test_days_at_the_ends_of_the_calendar_are_left_out_of_the_page_filters(
    book: Book, member: User, query: str
):
    with acting_as(Actor(source="test")):
        services.record_note_added(account=book.acme, body="Kick-off", created_at=T0)
    client = client_for(member)

    partial = client.get(
        f"/customers/accounts/{book.acme.pk}/timeline/?{query}", headers={"HX-Request": "true"}
    )
    page = client.get(f"/customers/accounts/{book.acme.pk}/?tab=timeline&{query}")
    contact_page = client.get(f"/customers/contacts/{book.jane.pk}/?{query}")

    assert partial.status_code == 200 and "Kick-off" in partial.content.decode()
    assert page.status_code == 200
    assert contact_page.status_code == 200


def test_a_contact_the_reader_may_no_longer_see_is_not_named_on_records(
    book: Book, admin: User, member: User, outsider: User
):
    """Jane leaves Acme (she stays at Initech, hidden from the member): Acme's note, task,
    enrichment update, ticket and survey answer about her stay, without her name, as on the
    timeline."""
    with acting_as(Actor(source="test")):
        note = services.record_note_added(
            account=book.acme, body="Met Jane", contact=book.jane, created_at=T0
        )
        task = services.record_task_created(account=book.acme, title="Call Jane", contact=book.jane)
        update = services.record_enrichment_update(
            account=book.acme,
            source="clearbit",
            contact=book.jane,
            changes={"title": {"new": "VP"}},
        )
        ticket = support_services.record_ticket_opened(
            account=book.acme, subject="Login fails", contact=book.jane
        )
        answer = support_services.record_survey_response(
            account=book.acme, kind="nps", score=9, contact=book.jane
        )
    Membership.objects.filter(contact=book.jane, account=book.acme).delete()
    users = {"admin": admin, "member": member, "outsider": outsider}
    timeline, support = Api("/timeline", users), Api("/support", users)
    reads = [
        timeline.get(f"/notes/{note.pk}"),
        timeline.get(f"/tasks/{task.pk}"),
        timeline.get(f"/enrichment-updates/{update.pk}"),
        support.get(f"/tickets/{ticket.pk}"),
        support.get(f"/survey-responses/{answer.pk}"),
    ]
    lists = [
        timeline.get("/notes"),
        timeline.get("/tasks"),
        timeline.get("/enrichment-updates"),
        support.get("/tickets"),
        support.get("/survey-responses"),
    ]

    assert timeline.get(f"/contacts/{book.jane.pk}/entries").status_code == 404
    assert [r.status_code for r in reads] == [200] * 5
    assert [r.json()["contact"] for r in reads] == [None] * 5
    assert [[i["contact"] for i in r.json()["items"]] for r in lists] == [[None]] * 5
    # The admin, who sees Initech, still sees who it was.
    admin_read = timeline.get(f"/notes/{note.pk}", as_="admin").json()
    assert admin_read["contact"]["id"] == book.jane.pk
