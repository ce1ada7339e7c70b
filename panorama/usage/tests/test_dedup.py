"""Nothing stored twice, nothing half-stored, and rollups independent of arrival order.

Retries (the same batch again), repeats inside one batch, concurrent duplicates through the
real group-commit path (``live_server``), all-or-nothing batches, and sessions counted the same
whatever order a contact's events arrive in. Expected rollups are worked out by hand.
"""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.test import Client

from panorama.customers.models import Account, Contact, Membership
from panorama.usage.models import AccountDay, ContactDay, Event, EventDay, WriteKey
from panorama.usage.tests.conftest import (
    PostJson,
    http_post,
    rollups,
    wait_for_live_server_requests,
)


@pytest.fixture(autouse=True)
def _utc(settings: Any) -> None:
    """Days in these tests are UTC days, whatever the environment says."""
    settings.TIME_ZONE = "UTC"


def iso(moment: dt.datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=dt.UTC) + dt.timedelta(
        minutes=minute
    )


def days_ago(n: int) -> dt.date:
    return dt.datetime.now(dt.UTC).date() - dt.timedelta(days=n)


def ok(response: Any) -> None:
    assert response.status_code == 200, response.content[:500]
    assert response.json() == {"success": True}


def account_day(group_id: str, day: dt.date) -> tuple[int, int, int, int]:
    row = AccountDay.objects.get(account__external_id=group_id, day=day)
    return row.events, row.pageviews, row.sessions, row.active_users


def contact_day(user_id: str, group_id: str, day: dt.date) -> tuple[int, int, int]:
    row = ContactDay.objects.get(
        contact__external_id=user_id, account__external_id=group_id, day=day
    )
    return row.events, row.pageviews, row.sessions


def event_days(group_id: str, day: dt.date) -> dict[str, int]:
    rows = EventDay.objects.filter(account__external_id=group_id, day=day)
    return dict(rows.values_list("name", "count"))


# ----------------------------------------------------------------------------------------
# Retries and repeats
# ----------------------------------------------------------------------------------------


def retry_batch(day: dt.date) -> list[dict[str, Any]]:
    """identify + group, then 3 tracks, a page and a screen in two sessions (gap 45 min)."""
    u, g = {"userId": "u1"}, {"userId": "u1", "groupId": "g1"}
    return [
        {"type": "identify", **u, "traits": {"email": "u1@example.com"}, "messageId": "r-id",
         "timestamp": iso(at(day, 9))},
        {"type": "group", **g, "traits": {"name": "One"}, "messageId": "r-gr",
         "timestamp": iso(at(day, 9))},
        {"type": "track", **g, "event": "Report Built", "messageId": "r-1",
         "timestamp": iso(at(day, 9, 1))},
        {"type": "track", **g, "event": "Report Built", "messageId": "r-2",
         "timestamp": iso(at(day, 9, 5))},
        {"type": "track", **g, "event": "Exported", "messageId": "r-3",
         "timestamp": iso(at(day, 9, 50))},
        {"type": "page", **g, "name": "Home", "messageId": "r-4",
         "timestamp": iso(at(day, 9, 55))},
        {"type": "screen", **g, "name": "Inbox", "messageId": "r-5",
         "timestamp": iso(at(day, 10))},
    ]  # fmt: skip


def test_the_same_batch_twice_is_stored_once_and_rollups_do_not_move(
    tracking: Client, post_json: PostJson
):
    day = days_ago(2)
    body = {"batch": retry_batch(day)}
    ok(post_json(tracking, "/v1/batch", body))
    assert Event.objects.count() == 7
    # By hand: 5 activity events (3 tracks, a page, a screen), 2 pageviews, sessions starting
    # 09:01 and 09:50 (the 45-minute gap), one active user.
    assert account_day("g1", day) == (5, 2, 2, 1)
    assert contact_day("u1", "g1", day) == (5, 2, 2)
    assert event_days("g1", day) == {"Report Built": 2, "Exported": 1}
    first = rollups()

    ok(post_json(tracking, "/v1/batch", body))
    assert Event.objects.count() == 7
    assert rollups() == first
    assert (Contact.objects.count(), Account.objects.count(), Membership.objects.count()) == (
        1,
        1,
        1,
    )

    # The retry arrives gzipped and as single calls: still nothing new.
    ok(post_json(tracking, "/v1/batch", body, gzip=True))
    for message in body["batch"]:
        single = {k: v for k, v in message.items() if k != "type"}
        ok(post_json(tracking, f"/v1/{message['type']}", single))
    assert Event.objects.count() == 7
    assert rollups() == first


def test_a_resent_batch_is_acknowledged_from_the_stored_copies_without_revalidation(
    tracking: Client, post_json: PostJson
):
    """The first copy of a message id is the one kept: a copy sent again changes nothing,
    whatever it holds, so it is answered 200 from the stored ids alone."""
    day = days_ago(2)
    messages = retry_batch(day)
    ok(post_json(tracking, "/v1/batch", {"batch": messages}))
    first = rollups()
    altered = [{**m, "timestamp": "not a time", "userId": "someone-else"} for m in messages]

    ok(post_json(tracking, "/v1/batch", {"batch": altered}))
    ok(post_json(tracking, "/v1/track", {k: v for k, v in altered[2].items() if k != "type"}))
    assert Event.objects.count() == 7
    assert not Contact.objects.filter(external_id="someone-else").exists()
    assert rollups() == first

    # One message the server has not seen yet: the whole request is validated as usual.
    fresh = {**altered[2], "messageId": "r-new"}
    response = post_json(tracking, "/v1/batch", {"batch": [*altered, fresh]})
    assert response.status_code == 400
    assert "timestamp" in response.json()["message"]
    assert Event.objects.count() == 7


def test_a_retry_with_one_new_message_counts_only_that_one(tracking: Client, post_json: PostJson):
    day = days_ago(2)
    messages = retry_batch(day)
    ok(post_json(tracking, "/v1/batch", {"batch": messages}))
    late = {"type": "track", "userId": "u1", "groupId": "g1", "event": "Exported",
            "messageId": "r-6", "timestamp": iso(at(day, 10, 5))}  # fmt: skip
    ok(post_json(tracking, "/v1/batch", {"batch": [*messages, late]}))
    assert Event.objects.count() == 8
    assert account_day("g1", day) == (6, 2, 2, 1)
    assert contact_day("u1", "g1", day) == (6, 2, 2)
    assert event_days("g1", day) == {"Report Built": 2, "Exported": 2}


def test_a_message_id_twice_in_one_batch_is_stored_once(tracking: Client, post_json: PostJson):
    day = days_ago(1)
    first = {"type": "track", "userId": "u1", "groupId": "g1", "event": "First",
             "messageId": "dup", "timestamp": iso(at(day, 9))}  # fmt: skip
    second = {**first, "event": "Second", "timestamp": iso(at(day, 11))}
    ok(post_json(tracking, "/v1/batch", {"batch": [first, second, first]}))
    event = Event.objects.get()
    assert (event.message_id, event.name) == ("dup", "First")
    assert account_day("g1", day) == (1, 0, 1, 1)
    assert event_days("g1", day) == {"First": 1}


def test_a_message_id_seen_on_another_endpoint_is_not_counted_again(
    tracking: Client, post_json: PostJson
):
    day = days_ago(1)
    stamp = iso(at(day, 9))
    track = {
        "userId": "u1",
        "groupId": "g1",
        "event": "Clicked",
        "messageId": "x",
        "timestamp": stamp,
    }
    ok(post_json(tracking, "/v1/track", track))
    page = {"userId": "u1", "groupId": "g1", "name": "Home", "messageId": "x", "timestamp": stamp}
    ok(post_json(tracking, "/v1/page", page))
    assert list(Event.objects.values_list("type", flat=True)) == ["track"]
    assert account_day("g1", day) == (1, 0, 1, 1)


def test_a_batch_whose_last_message_is_invalid_stores_nothing(
    tracking: Client, post_json: PostJson
):
    day = days_ago(2)
    messages = retry_batch(day)
    bad = {"type": "track", "userId": "u1", "groupId": "g1", "messageId": "r-bad"}  # no event
    response = post_json(tracking, "/v1/batch", {"batch": [*messages, bad]})
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "missing_field"
    assert "batch[7].event" in response.json()["message"]
    assert Event.objects.count() == 0
    assert (Contact.objects.count(), Account.objects.count(), Membership.objects.count()) == (
        0,
        0,
        0,
    )
    assert rollups() == {"account_days": [], "contact_days": [], "event_days": []}

    # Nothing was half-stored: the same messages, without the bad one, all count.
    ok(post_json(tracking, "/v1/batch", {"batch": messages}))
    assert Event.objects.count() == 7
    assert account_day("g1", day) == (5, 2, 2, 1)


# ----------------------------------------------------------------------------------------
# Concurrent duplicates through the real group-commit path
# ----------------------------------------------------------------------------------------

SENDERS = 8


def concurrent_batch(day: dt.date) -> list[dict[str, Any]]:
    """A group call, then 49 events a minute apart: 9 pages (i % 5 == 0), 20 "Viewed" (odd i),
    20 "Clicked" (even i) — one session, one active user."""
    messages: list[dict[str, Any]] = [
        {"type": "group", "userId": "u-c", "groupId": "g-c", "traits": {"name": "Conc"},
         "messageId": "c-0", "timestamp": iso(at(day, 10))}
    ]  # fmt: skip
    for i in range(1, 50):
        base = {"userId": "u-c", "groupId": "g-c", "messageId": f"c-{i}",
                "timestamp": iso(at(day, 10, i))}  # fmt: skip
        if i % 5 == 0:
            messages.append({**base, "type": "page", "name": "Docs"})
        else:
            messages.append({**base, "type": "track", "event": "Viewed" if i % 2 else "Clicked"})
    return messages


def send_concurrently(base_url: str, requests: list[tuple[str, Any]]) -> None:
    """POST every (path, body) from its own thread, all released at once; all must be 200."""
    _, key = WriteKey.issue(name="concurrent")
    start = threading.Barrier(len(requests))

    def send(request: tuple[str, Any]) -> Any:
        path, body = request
        start.wait(timeout=10)
        return http_post(f"{base_url}{path}", body, key=key)

    with ThreadPoolExecutor(len(requests)) as pool:
        results = list(pool.map(send, requests))
    wait_for_live_server_requests()
    assert [r.status for r in results] == [200] * len(requests), [
        (r.status, r.body) for r in results
    ]
    assert all(r.body == {"success": True} for r in results)


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicate_batches_are_stored_once(live_server: Any) -> None:
    day = days_ago(1)
    body = {"batch": concurrent_batch(day)}
    send_concurrently(live_server.url, [("/v1/batch", body)] * SENDERS)

    assert Event.objects.count() == 50
    assert Event.objects.values("message_id").distinct().count() == 50
    assert Account.objects.get().external_id == "g-c"
    assert Account.objects.get().name == "Conc"
    assert Contact.objects.get().external_id == "u-c"
    assert Membership.objects.get().is_primary
    # By hand: 49 activity events, 9 pageviews, one session, one active user.
    assert account_day("g-c", day) == (49, 9, 1, 1)
    assert contact_day("u-c", "g-c", day) == (49, 9, 1)
    assert event_days("g-c", day) == {"Viewed": 20, "Clicked": 20}
    assert AccountDay.objects.count() == 1
    assert ContactDay.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_batches_for_the_same_new_ids_create_each_once(live_server: Any) -> None:
    """Different messages (no duplicates) from 8 senders at once, all naming a contact and an
    account never seen before: one contact, one account, every event counted."""
    day = days_ago(1)
    requests = []
    for sender in range(SENDERS):
        messages = [
            {"type": "track", "userId": "u-new", "groupId": "g-new", "event": "Used",
             "messageId": f"n{sender}-{i}", "timestamp": iso(at(day, 12, i))}
            for i in range(10)
        ]  # fmt: skip
        requests.append(("/v1/batch", {"batch": messages}))
    send_concurrently(live_server.url, requests)

    assert Event.objects.count() == 80
    assert Contact.objects.get().external_id == "u-new"
    account = Account.objects.get()
    assert (account.external_id, account.name) == ("g-new", "g-new")
    assert set(Event.objects.values_list("contact_id", "account_id")) == {
        (Contact.objects.get().pk, account.pk)
    }
    # By hand: 80 events between 12:00 and 12:09, one session, one active user.
    assert account_day("g-new", day) == (80, 0, 1, 1)
    assert contact_day("u-new", "g-new", day) == (80, 0, 1)
    assert event_days("g-new", day) == {"Used": 80}


@pytest.mark.django_db(transaction=True)
def test_concurrent_single_events_of_one_contact_count_sessions_right(live_server: Any) -> None:
    """The 8 session events below, each in its own request, all at once: whatever order the
    group commit sees them in, the sessions are the ones worked out by hand."""
    day = days_ago(3)
    requests = []
    for index in range(len(SESSION_EVENTS)):
        message = session_message(index, day)
        requests.append((f"/v1/{message.pop('type')}", message))
    send_concurrently(live_server.url, requests)

    next_day = day + dt.timedelta(days=1)
    assert Event.objects.count() == 8
    assert contact_day("u-s", "g-s", day) == (6, 1, 3)
    assert contact_day("u-s", "g-s", next_day) == (2, 1, 1)
    assert account_day("g-s", day) == (6, 1, 3, 1)
    assert account_day("g-s", next_day) == (2, 1, 1, 1)


# ----------------------------------------------------------------------------------------
# Sessions whatever the arrival order
# ----------------------------------------------------------------------------------------

# Minutes after 22:00 on day D, and whether the event is a page view.
# Times:  22:00  22:10  22:50  22:55  23:25  23:40  00:05  01:20 (D+1)
# Gaps:          10     40*    5      30*    15     25     75*     (* = 30 or more: new session)
# Sessions start at 22:00, 22:50 and 23:25 on D, and at 01:20 on D+1 (00:05 continues the
# 23:25 session, which counts on the day it started).
SESSION_EVENTS = [(0, False), (10, False), (50, True), (55, False), (85, False), (100, False),
                  (125, False), (200, True)]  # fmt: skip
ORDERS = {
    "in-order": [0, 1, 2, 3, 4, 5, 6, 7],
    "reversed": [7, 6, 5, 4, 3, 2, 1, 0],
    "shuffled": [3, 7, 0, 5, 1, 6, 2, 4],
    "interleaved": [1, 3, 5, 7, 0, 2, 4, 6],
}


def session_message(index: int, day: dt.date, user: str = "u-s", group: str = "g-s") -> dict:
    minutes, is_page = SESSION_EVENTS[index]
    message: dict[str, Any] = {
        "userId": user,
        "groupId": group,
        "messageId": f"{user}-{group}-s{index}",
        "timestamp": iso(at(day, 22, minutes)),
    }
    if is_page:
        return {**message, "type": "page", "name": "Docs"}
    return {**message, "type": "track", "event": "Used"}


@pytest.mark.parametrize("order", ORDERS.values(), ids=ORDERS.keys())
def test_sessions_do_not_depend_on_arrival_order(
    tracking: Client, post_json: PostJson, order: list[int]
):
    day = days_ago(3)
    for index in order:
        message = session_message(index, day)
        ok(post_json(tracking, f"/v1/{message.pop('type')}", message))
    next_day = day + dt.timedelta(days=1)
    # Day D: 6 events (one page), 3 sessions; D+1: 2 events (one page), 1 session.
    assert contact_day("u-s", "g-s", day) == (6, 1, 3)
    assert contact_day("u-s", "g-s", next_day) == (2, 1, 1)
    assert account_day("g-s", day) == (6, 1, 3, 1)
    assert account_day("g-s", next_day) == (2, 1, 1, 1)
    assert event_days("g-s", day) == {"Used": 5}
    assert event_days("g-s", next_day) == {"Used": 1}


def test_sessions_are_the_same_in_one_shuffled_batch(tracking: Client, post_json: PostJson):
    day = days_ago(3)
    body = {"batch": [session_message(i, day) for i in ORDERS["shuffled"]]}
    ok(post_json(tracking, "/v1/batch", body))
    assert contact_day("u-s", "g-s", day) == (6, 1, 3)
    assert contact_day("u-s", "g-s", day + dt.timedelta(days=1)) == (2, 1, 1)


def test_a_late_event_between_two_sessions_joins_them(tracking: Client, post_json: PostJson):
    day = days_ago(2)

    def send(minute: int) -> None:
        body = {"userId": "u-j", "groupId": "g-j", "event": "Used", "messageId": f"j{minute}",
                "timestamp": iso(at(day, 10, minute))}  # fmt: skip
        ok(post_json(tracking, "/v1/track", body))

    send(0)
    send(50)
    assert contact_day("u-j", "g-j", day) == (2, 0, 2)  # a 50-minute gap: two sessions
    send(25)  # gaps of 25 and 25 minutes now: one session
    assert contact_day("u-j", "g-j", day) == (3, 0, 1)
    assert account_day("g-j", day) == (3, 0, 1, 1)


def test_sessions_are_per_account(tracking: Client, post_json: PostJson):
    day = days_ago(2)
    # The same contact alternates between two accounts every 5 minutes for 40 minutes: each
    # account sees events 10 minutes apart, so one session in each.
    for i in range(8):
        group = "g-a" if i % 2 == 0 else "g-b"
        body = {"userId": "u-ab", "groupId": group, "event": "Used", "messageId": f"ab{i}",
                "timestamp": iso(at(day, 14, 5 * i))}  # fmt: skip
        ok(post_json(tracking, "/v1/track", body))
    assert contact_day("u-ab", "g-a", day) == (4, 0, 1)
    assert contact_day("u-ab", "g-b", day) == (4, 0, 1)
    assert account_day("g-a", day) == (4, 0, 1, 1)
    assert account_day("g-b", day) == (4, 0, 1, 1)
