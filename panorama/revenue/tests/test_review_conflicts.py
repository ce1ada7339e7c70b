"""Review: two requests creating the same unique record at once. The second passes the
models' uniqueness check before the first commits and meets the database's constraint; that
must be the same 409 as a duplicate found by the check, never a 500."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db.models import Model

from conftest import Book
from panorama.core.actors import Actor, acting_as
from panorama.core.models import User
from panorama.core.tests.api_client import Api, database
from panorama.revenue import services
from panorama.revenue.models import Invoice
from panorama.timeline import services as timeline_services
from panorama.timeline.models import Email

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def users(admin: User, member: User, outsider: User) -> dict[str, User]:
    return {"admin": admin, "member": member, "outsider": outsider}


def _race(monkeypatch: pytest.MonkeyPatch, model: type[Model]) -> None:
    """The check ran before the other request committed: it found nothing."""
    monkeypatch.setattr(model, "validate_unique", lambda self, exclude=None: None)


def test_an_invoice_number_taken_meanwhile_is_a_conflict(
    users: dict[str, User], book: Book, monkeypatch: pytest.MonkeyPatch
):
    with acting_as(Actor(source="test")):
        services.record_invoice_issued(
            account=book.acme,
            number="INV-1",
            amount=100,
            issued_on=dt.date(2026, 1, 1),
            due_on=dt.date(2026, 1, 31),
        )
    api = Api("/revenue", users)
    before = database()
    _race(monkeypatch, Invoice)

    response = api.post(
        "/invoices",
        {
            "account": book.acme.pk,
            "number": "INV-1",
            "amount": "1",
            "issued_on": "2026-02-01",
            "due_on": "2026-02-28",
        },
    )

    assert response.status_code == 409, response.content
    assert database() == before


def test_an_email_stored_meanwhile_is_a_conflict(
    users: dict[str, User], book: Book, monkeypatch: pytest.MonkeyPatch
):
    with acting_as(Actor(source="test")):
        timeline_services.record_email(
            account=book.acme,
            message_id="m1@acme.com",
            direction="inbound",
            from_address="jane@acme.com",
            sent_at=T0,
        )
    api = Api("/timeline", users)
    before = database()
    _race(monkeypatch, Email)
    body: dict[str, Any] = {
        "account": book.acme.pk,
        "message_id": "m1@acme.com",
        "direction": "inbound",
        "from_address": "jane@acme.com",
        "sent_at": T0.isoformat(),
    }

    response = api.post("/emails", body)

    assert response.status_code == 409, response.content
    assert database() == before
