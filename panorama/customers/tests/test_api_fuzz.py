"""The whole REST API fuzzed from its own OpenAPI schema with schemathesis.

Every operation gets generated requests, valid and invalid, as an admin (who sees every
record, so writes reach the models). No answer may be a server error, and every answer must
be one the schema declares, in the declared shape. Examples are few per operation and
derandomized, so the run is short and the same on every machine.
"""

from __future__ import annotations

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
    return {"Authorization": f"Bearer {ApiToken.issue(user=admin, name='fuzz')[1]}"}


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
}


def _existing(name: str, value: Any) -> Any:
    """An id of an existing record in place of a generated integer id; anything else (a
    string, a negative case) as generated."""
    model = ID_MODELS.get(name)
    if model is None or not isinstance(value, int) or isinstance(value, bool):
        return value
    ids = sorted(model._default_manager.values_list("pk", flat=True))
    return ids[value % len(ids)] if ids else value


def aim_at_existing_records(case: schemathesis.Case) -> None:
    """Generated ids almost never exist, so almost every request would be a 404 or a 400
    about the id; pointing them at the records in the database reaches the code behind."""
    for name, value in (case.path_parameters or {}).items():
        case.path_parameters[name] = _existing(name, value)
    if isinstance(case.body, dict):
        for name, value in case.body.items():
            case.body[name] = _existing(name, value)


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
