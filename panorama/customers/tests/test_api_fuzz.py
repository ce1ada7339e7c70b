"""The whole REST API fuzzed from its own OpenAPI schema with schemathesis.

Every operation gets generated requests, valid and invalid, as an admin (who sees every
record, so writes reach the models). No answer may be a server error, and every answer must
be one the schema declares, in the declared shape. Examples are few per operation and
derandomized, so the run is short and the same on every machine.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, models
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from conftest import Book
from panorama.core.actors import Actor, acting_as
from panorama.core.models import ApiToken, User
from panorama.customers.models import (
    Account,
    Contact,
    CustomFieldDefinition,
    Entity,
    Membership,
    Plan,
    Stage,
    Tag,
)
from panorama.revenue import services as revenue
from panorama.revenue.models import (
    Contract,
    Deal,
    Invoice,
    Order,
    Pipeline,
    PipelineStage,
    Quote,
)
from panorama.support import services as support
from panorama.support.models import SurveyResponse, Ticket
from panorama.timeline import services as timeline
from panorama.timeline.models import (
    Call,
    Email,
    EmailThread,
    EnrichmentUpdate,
    MarketSignal,
    Meeting,
    Note,
    Task,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


# Loaded as a client would: the schema the app serves at /api/openapi.json (no database
# needed for it). One pytest item per operation.
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", WSGIHandler())


@pytest.fixture
def _requests_in_test_transaction() -> Iterator[None]:
    """A real WSGI handler closes the database connection after each request; the test
    database lives in that connection's open transaction, so (as Django's test client does)
    the closing is switched off for the test."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def admin_headers(book: Book, admin: User, _requests_in_test_transaction: None) -> dict[str, str]:
    """An admin's bearer token, and a few records for the fuzzer to hit besides the book."""
    Tag.objects.create(name="Beta")
    CustomFieldDefinition.objects.create(
        entity=Entity.ACCOUNT, key="tier", label="Tier", field_type="choice", options=["A", "B"]
    )
    CustomFieldDefinition.objects.create(
        entity=Entity.CONTACT,
        key="sf_id",
        label="SF",
        field_type="text",
        is_synced=True,
        source="Salesforce",
    )
    _seed_records(book)
    return {"Authorization": f"Bearer {ApiToken.issue(user=admin, name='fuzz')[1]}"}


def _seed_records(book: Book) -> None:
    """One record of each kind the record APIs write, so that generated requests reach the
    services behind them (an update, a stage move, a renewal, a payment…)."""
    day = dt.date(2026, 1, 1)
    with acting_as(Actor(source="test")):
        deal = revenue.record_deal_created(
            account=book.acme, name="Expansion", value=1000, contacts=[book.jane]
        )
        revenue.record_quote_sent(deal=deal, number="Q-1", amount=100)
        revenue.record_order_placed(account=book.acme, number="O-1", amount=100, deal=deal)
        contract = revenue.record_contract_signed(
            account=book.acme, mrr=100, start_date=day, end_date=day.replace(month=12, day=31)
        )
        revenue.record_invoice_issued(
            account=book.acme,
            number="I-1",
            amount=100,
            issued_on=day,
            due_on=day.replace(day=31),
            contract=contract,
        )
        ticket = support.record_ticket_opened(
            account=book.acme, subject="Export fails", contact=book.jane
        )
        support.record_survey_response(
            account=book.acme, kind="csat", score=4, ticket=ticket, contact=book.jane
        )
        moment = dt.datetime(2026, 1, 5, 10, tzinfo=dt.UTC)
        timeline.record_email(
            account=book.acme,
            message_id="m-1@acme.com",
            direction="inbound",
            from_address="jane@acme.com",
            sent_at=moment,
            subject="Renewal",
            contacts=[book.jane],
        )
        timeline.record_call_logged(
            account=book.acme,
            direction="outbound",
            started_at=moment,
            disposition="connected",
            contacts=[book.jane],
        )
        timeline.record_meeting(
            account=book.acme,
            title="QBR",
            meeting_type="qbr",
            starts_at=moment,
            ends_at=moment + dt.timedelta(hours=1),
            external_attendees=[book.jane],
            deal=deal,
        )
        timeline.record_note_added(account=book.acme, body="Champion leaving", contact=book.jane)
        timeline.record_task_created(account=book.acme, title="Send deck", contact=book.jane)
        timeline.record_market_signal(
            account=book.acme, title="Raised B", sentiment="positive", occurred_at=moment
        )
        timeline.record_enrichment_update(
            account=book.acme, source="clearbit", changes={"industry": {"new": "SaaS"}}
        )


# Which records an id names, in paths and bodies.
ID_MODELS: dict[str, type[models.Model]] = {
    "account_id": Account,
    "contact_id": Contact,
    "membership_id": Membership,
    "tag_id": Tag,
    "field_id": CustomFieldDefinition,
    "parent": Account,
    "account": Account,
    "contact": Contact,
    "owner": User,
    "stage": Stage,
    "plan": Plan,
    "deal_id": Deal,
    "quote_id": Quote,
    "order_id": Order,
    "contract_id": Contract,
    "invoice_id": Invoice,
    "ticket_id": Ticket,
    "response_id": SurveyResponse,
    "deal": Deal,
    "contract": Contract,
    "ticket": Ticket,
    "pipeline": Pipeline,
    "contacts": Contact,
    "email_id": Email,
    "call_id": Call,
    "meeting_id": Meeting,
    "note_id": Note,
    "task_id": Task,
    "signal_id": MarketSignal,
    "update_id": EnrichmentUpdate,
    "thread": EmailThread,
    "external_attendees": Contact,
    "internal_attendees": User,
    "assignee": User,
    "logged_by": User,
    "author": User,
}
# Where a name means another model: a deal's ``stage`` is a stage of a sales pipeline.
ID_MODELS_UNDER: dict[str, dict[str, type[models.Model]]] = {
    "/api/revenue/": {"stage": PipelineStage},
}


def _existing(path: str, name: str, value: Any) -> Any:
    """An id of an existing record in place of a generated integer id (each of a list of
    ids); anything else (a string, a negative case) as generated."""
    model = ID_MODELS.get(name)
    for prefix, overrides in ID_MODELS_UNDER.items():
        if path.startswith(prefix):
            model = overrides.get(name, model)
    if isinstance(value, list):
        return [_existing(path, name, v) for v in value]
    if model is None or not isinstance(value, int) or isinstance(value, bool):
        return value
    ids = sorted(model._default_manager.values_list("pk", flat=True))
    return ids[value % len(ids)] if ids else value


def aim_at_existing_records(case: schemathesis.Case) -> None:
    """Generated ids almost never exist, so almost every request would be a 404 or a 400
    about the id; pointing them at the records in the database reaches the code behind."""
    for name, value in (case.path_parameters or {}).items():
        case.path_parameters[name] = _existing(case.path, name, value)
    if isinstance(case.body, dict):
        for name, value in case.body.items():
            case.body[name] = _existing(case.path, name, value)


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_server_error_and_every_answer_as_documented(
    case: schemathesis.Case, admin_headers: dict[str, str]
) -> None:
    aim_at_existing_records(case)
    case.call_and_validate(headers=admin_headers, checks=CHECKS)
