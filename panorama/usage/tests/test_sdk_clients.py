"""The real Segment and RudderStack Python SDKs against a live Panorama.

Each SDK sends identify, group, track and page — one request per call in sync mode (plain and
gzipped), and as one batch after ``flush()`` in the default async mode — and the test checks the
contact, the account, the membership, the stored events and the rollups. Errors surface: sync
clients raise ``APIError`` on a non-2xx answer, async clients call ``on_error``; a bad key must
be reported as a 401 either way.

Requires ``segment-analytics-python`` (module ``segment.analytics``) and ``rudder-sdk-python``
(module ``rudderstack.analytics``).
"""

from __future__ import annotations

import contextlib
import queue
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import rudderstack.analytics as rudder_analytics
import rudderstack.analytics.request as rudder_request
import segment.analytics as segment_analytics
import segment.analytics.request as segment_request
from django.utils import timezone

from panorama.customers.models import Account, Contact, Membership, Plan
from panorama.usage.models import AccountDay, ContactDay, Event, EventDay, WriteKey
from panorama.usage.tests.conftest import wait_for_live_server_requests

pytestmark = pytest.mark.django_db(transaction=True)


@dataclass(frozen=True)
class Sdk:
    name: str
    client_class: type
    api_error: Any  # the SDK's APIError class (status, code, message)


SEGMENT = Sdk("segment", segment_analytics.Client, segment_request.APIError)
RUDDER = Sdk("rudder", rudder_analytics.Client, rudder_request.APIError)

# (sdk, gzip) for the sync tests: both SDKs, with and without gzip.
VARIANTS = [
    pytest.param(SEGMENT, False, id="segment"),
    pytest.param(SEGMENT, True, id="segment-gzip"),
    pytest.param(RUDDER, True, id="rudder-gzip"),
    pytest.param(RUDDER, False, id="rudder"),
]
SDKS = [pytest.param(SEGMENT, id="segment"), pytest.param(RUDDER, id="rudder")]


class Errors:
    """An ``on_error`` callback that keeps what it is given (in ``reported``).

    Not a list subclass: the SDKs test ``if self.on_error:``, and an empty list is false.
    """

    def __init__(self) -> None:
        self.reported: list[tuple[Any, list[Any]]] = []

    def __call__(self, error: Exception, batch: list[Any]) -> None:
        self.reported.append((error, batch))


def make_client(
    sdk: Sdk, *, key: str, host: str, sync: bool, gzip: bool, on_error: Callable[..., Any]
) -> Any:
    return sdk.client_class(
        write_key=key,
        host=host,
        sync_mode=sync,
        gzip=gzip,
        on_error=on_error,
        max_retries=0,
        timeout=30,
        upload_interval=0.1,
    )


def hang_up(session: Any) -> None:
    """Shut down every pooled connection of a ``requests`` session, then close it.

    ``close()`` alone is not enough: a reported error keeps its response alive (through the
    exception or the log capture), and the response's file object keeps the socket open, so
    the live server's thread would go on waiting on it — and fail when the live server stops
    at the end of the session. ``shutdown()`` ends the connection whatever refers to it.
    """
    for adapter in session.adapters.values():
        pools = adapter.poolmanager.pools
        for pool_key in list(pools.keys()):
            pool = pools.get(pool_key)
            while pool is not None and pool.pool is not None:
                try:
                    connection = pool.pool.get(block=False)
                except queue.Empty:
                    break
                if connection is not None and connection.sock is not None:
                    with contextlib.suppress(OSError):
                        connection.sock.shutdown(socket.SHUT_RDWR)
                    connection.close()
    session.close()


@pytest.fixture(autouse=True)
def _hang_up_after_each_test() -> Any:
    """The SDKs post through module-level ``requests`` sessions that keep connections open."""
    yield
    hang_up(segment_request._session)
    hang_up(rudder_request._session)
    wait_for_live_server_requests()


@pytest.fixture
def key(transactional_db: None) -> str:
    return WriteKey.issue(name="sdk")[1]


@pytest.fixture
def growth(transactional_db: None) -> Plan:
    return Plan.objects.create(name="Growth", list_mrr=490)


def check_profile(prefix: str, plan: Plan) -> tuple[Contact, Account]:
    contact = Contact.objects.get(external_id=f"{prefix}-user")
    assert contact.email == f"{prefix}@example.com"
    assert contact.first_name == "Ada"
    assert contact.traits.get("tier") == "gold"
    account = Account.objects.get(external_id=f"{prefix}-group")
    assert account.name == f"{prefix} Inc"
    assert account.plan == plan
    membership = Membership.objects.get(contact=contact, account=account)
    assert membership.is_primary
    return contact, account


def send_profile(client: Any, prefix: str) -> str:
    user = f"{prefix}-user"
    client.identify(
        user_id=user, traits={"email": f"{prefix}@example.com", "firstName": "Ada", "tier": "gold"}
    )
    client.group(
        user_id=user, group_id=f"{prefix}-group", traits={"name": f"{prefix} Inc", "plan": "Growth"}
    )
    return user


@pytest.mark.parametrize(("sdk", "gzip"), VARIANTS)
def test_sync_client_identify_group_track_page(
    sdk: Sdk, gzip: bool, live_server: Any, key: str, growth: Plan
) -> None:
    errors = Errors()
    client = make_client(sdk, key=key, host=live_server.url, sync=True, gzip=gzip, on_error=errors)
    prefix = f"{sdk.name}{int(gzip)}"
    user = send_profile(client, prefix)
    client.track(user_id=user, event="Report Built", properties={"rows": 10})
    client.page(user_id=user, name="Dashboard", properties={"path": "/dash"})
    assert errors.reported == []

    contact, account = check_profile(prefix, growth)
    assert sorted(Event.objects.values_list("type", flat=True)) == [
        "group",
        "identify",
        "page",
        "track",
    ]
    tracked = Event.objects.get(type="track")
    assert (tracked.name, tracked.properties) == ("Report Built", {"rows": 10})
    # No groupId on the track: it goes to the contact's primary account.
    assert (tracked.account_id, tracked.contact_id) == (account.pk, contact.pk)
    page = Event.objects.get(type="page")
    assert (page.name, page.account_id, page.contact_id) == ("Dashboard", account.pk, contact.pk)

    day = timezone.localdate(tracked.timestamp)
    row = AccountDay.objects.get(account=account, day=day)
    assert (row.events, row.pageviews, row.sessions, row.active_users) == (2, 1, 1, 1)
    person = ContactDay.objects.get(account=account, contact=contact, day=day)
    assert (person.events, person.pageviews, person.sessions) == (2, 1, 1)
    assert list(EventDay.objects.values_list("name", "count")) == [("Report Built", 1)]


@pytest.mark.parametrize(("sdk", "gzip"), VARIANTS)
def test_async_client_sends_a_batch_on_flush(
    sdk: Sdk, gzip: bool, live_server: Any, key: str, growth: Plan
) -> None:
    errors = Errors()
    client = make_client(sdk, key=key, host=live_server.url, sync=False, gzip=gzip, on_error=errors)
    prefix = f"batch-{sdk.name}{int(gzip)}"
    try:
        user = send_profile(client, prefix)
        for i in range(5):
            client.track(user_id=user, event="Exported" if i % 2 else "Viewed")
        client.page(user_id=user, name="Dashboard")
        client.screen(user_id=user, name="Inbox")
        client.flush()
    finally:
        client.shutdown()
    assert errors.reported == []

    contact, account = check_profile(prefix, growth)
    assert Event.objects.count() == 9
    assert Event.objects.filter(contact=contact).count() == 9
    tracked = Event.objects.filter(type="track").first()
    assert tracked is not None
    day = timezone.localdate(tracked.timestamp)
    row = AccountDay.objects.get(account=account, day=day)
    assert (row.events, row.pageviews, row.sessions, row.active_users) == (7, 2, 1, 1)
    person = ContactDay.objects.get(account=account, contact=contact, day=day)
    assert (person.events, person.pageviews, person.sessions) == (7, 2, 1)
    assert dict(EventDay.objects.values_list("name", "count")) == {"Viewed": 3, "Exported": 2}


def test_segment_retry_with_the_same_message_id_is_stored_once(live_server: Any, key: str) -> None:
    client = make_client(
        SEGMENT, key=key, host=live_server.url, sync=True, gzip=True, on_error=Errors()
    )
    message_id = str(uuid.uuid4())
    for _ in range(3):
        client.track(user_id="u-retry", event="Clicked", message_id=message_id)
    assert Event.objects.get().message_id == message_id
    assert AccountDay.objects.count() == 0  # no account known for this contact yet
    assert Contact.objects.get().external_id == "u-retry"


@pytest.mark.parametrize("sdk", SDKS)
def test_sync_client_raises_on_a_bad_key(sdk: Sdk, live_server: Any, key: str) -> None:
    client = make_client(
        sdk, key="pk_wrong", host=live_server.url, sync=True, gzip=False, on_error=Errors()
    )
    with pytest.raises(sdk.api_error) as raised:
        client.track(user_id="u1", event="Clicked")
    assert raised.value.status == 401
    assert raised.value.code == "invalid_write_key"
    assert Event.objects.count() == 0


@pytest.mark.parametrize("sdk", SDKS)
def test_async_client_reports_a_revoked_key_through_on_error(
    sdk: Sdk, live_server: Any, key: str
) -> None:
    WriteKey.objects.get().revoke()
    errors = Errors()
    client = make_client(sdk, key=key, host=live_server.url, sync=False, gzip=True, on_error=errors)
    try:
        client.track(user_id="u1", event="Clicked")
        client.page(user_id="u1", name="Home")
        client.flush()
    finally:
        client.shutdown()
    assert errors.reported, "the client reported nothing"
    for error, _ in errors.reported:
        assert isinstance(error, sdk.api_error), error
        assert (error.status, error.code) == (401, "invalid_write_key")
    # Every message was reported (in one batch, or two if the consumer split them).
    assert [m["type"] for _, batch in errors.reported for m in batch] == ["track", "page"]
    assert Event.objects.count() == 0
    assert Contact.objects.count() == 0
