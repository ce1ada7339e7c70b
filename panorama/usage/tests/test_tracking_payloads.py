"""The tracking API against malformed and hostile payloads, and a few valid edge cases.

Every rejected request must answer the documented status and ``code`` with a message naming
the problem (the field, with its index inside a batch) and store nothing at all: no event, no
contact, no account, no rollup. The valid edge cases pin down what real SDKs send.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from panorama.customers.models import Account, Contact, Membership, Plan
from panorama.usage.models import (
    AccountDay,
    AnonymousId,
    ContactDay,
    Event,
    EventDay,
    WriteKey,
)
from panorama.usage.tests.conftest import NO_KEY, PostJson, basic_auth

pytestmark = pytest.mark.django_db

KB = 1024


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def iso(moment: dt.datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def track(i: int = 0, **extra: Any) -> dict[str, Any]:
    """A valid track message for a batch."""
    return {"type": "track", "userId": f"u{i}", "event": "Clicked", "messageId": f"m{i}", **extra}


def batch(*messages: Any) -> dict[str, Any]:
    return {"batch": list(messages)}


def padded_track(i: int, size: int) -> dict[str, Any]:
    """A valid track message of about ``size`` bytes of JSON."""
    return track(i, properties={"blob": "x" * size})


def deep(depth: int) -> Any:
    value: Any = {"leaf": True}
    for _ in range(depth):
        value = {"child": value}
    return value


@dataclass(frozen=True)
class Case:
    id: str
    path: str
    body: Any  # a JSON value, raw bytes, or a callable returning either (for times)
    status: int
    code: str | None
    # Fragments that must all appear in the message (case-insensitive); empty: not checked.
    fragments: tuple[str, ...] = ()
    key: Any = "default"  # "default", "revoked", NO_KEY or a literal key
    gzip: bool = False
    headers: dict[str, str] = field(default_factory=dict)
    method: str = "post"


def case(
    id: str,
    path: str,
    body: Any,
    status: int,
    code: str | None,
    *fragments: str,
    **options: Any,
) -> Any:
    return pytest.param(Case(id, path, body, status, code, fragments, **options), id=id)


T, ID, G, A, B = "/v1/track", "/v1/identify", "/v1/group", "/v1/alias", "/v1/batch"
OK = {"userId": "u1", "event": "Clicked"}

CASES = [
    # --- JSON itself -------------------------------------------------------------------
    case("bad-json", T, b'{"userId": "u1", "event": ', 400, "invalid_json", "json"),
    case("json-array-body", T, [OK], 400, "invalid_json", "object"),
    case("json-array-batch-body", B, [track(0)], 400, "invalid_json", "object"),
    case("empty-body", T, b"", 400, "invalid_json"),
    case("null-body", T, b"null", 400, "invalid_json", "object"),
    case("string-body", T, b'"hello"', 400, "invalid_json", "object"),
    case("invalid-utf8", T, b'{"userId": "\xff\xfe", "event": "x"}', 400, "invalid_json"),
    case(
        "nan-is-not-json",
        T,
        b'{"userId":"u1","event":"x","properties":{"v":NaN}}',
        400,
        "invalid_json",
    ),
    case(
        "infinity-is-not-json",
        T,
        b'{"userId":"u1","event":"x","properties":{"v":-Infinity}}',
        400,
        "invalid_json",
    ),
    case(
        "nesting-deeper-than-the-parser",
        T,
        b'{"userId":"u1","event":"x","properties":{"a":' + b"[" * 100_000 + b"]" * 100_000 + b"}}",
        400,
        "invalid_json",
    ),
    # --- wrong types -------------------------------------------------------------------
    case("event-number", T, {"userId": "u1", "event": 5}, 400, "missing_field", "event"),
    case("event-blank", T, {"userId": "u1", "event": "   "}, 400, "missing_field", "event"),
    case("properties-string", T, {**OK, "properties": "x"}, 400, "invalid_field", "properties"),
    case(
        "page-properties-list",
        "/v1/page",
        {"userId": "u1", "properties": [1]},
        400,
        "invalid_field",
        "properties",
    ),
    case("traits-list", ID, {"userId": "u1", "traits": []}, 400, "invalid_field", "traits"),
    case(
        "context-traits-list",
        ID,
        {"userId": "u1", "context": {"traits": []}},
        400,
        "invalid_field",
        "traits",
    ),
    case("context-string", T, {**OK, "context": "x"}, 400, "invalid_field", "context"),
    case(
        "integrations-string",
        T,
        {**OK, "integrations": "all"},
        400,
        "invalid_field",
        "integrations",
    ),
    case("user-id-object", T, {"userId": {}, "event": "x"}, 400, "invalid_field", "userId"),
    case("user-id-bool", T, {"userId": True, "event": "x"}, 400, "invalid_field", "userId"),
    case(
        "user-id-too-long", T, {"userId": "u" * 256, "event": "x"}, 400, "invalid_field", "userId"
    ),
    case(
        "anonymous-id-list",
        T,
        {"anonymousId": ["a"], "event": "x"},
        400,
        "invalid_field",
        "anonymousId",
    ),
    case(
        "group-id-object",
        G,
        {"userId": "u1", "groupId": {"id": 1}},
        400,
        "invalid_field",
        "groupId",
    ),
    case("page-name-number", "/v1/page", {"userId": "u1", "name": 5}, 400, "invalid_field", "name"),
    case(
        "event-name-too-long",
        T,
        {"userId": "u1", "event": "e" * 201},
        400,
        "invalid_field",
        "event",
    ),
    case(
        "type-mismatch-on-endpoint",
        T,
        {"type": "identify", "userId": "u1"},
        400,
        "invalid_field",
        "type",
    ),
    # --- timestamps --------------------------------------------------------------------
    case("timestamp-number", T, {**OK, "timestamp": 12345}, 400, "invalid_timestamp", "timestamp"),
    case(
        "timestamp-word", T, {**OK, "timestamp": "yesterday"}, 400, "invalid_timestamp", "timestamp"
    ),
    case(
        "timestamp-two-days-ahead",
        T,
        lambda: {**OK, "timestamp": iso(now() + dt.timedelta(days=2))},
        400,
        "invalid_timestamp",
        "timestamp",
        "future",
    ),
    case(
        "batch-timestamp-two-days-ahead",
        B,
        lambda: batch(track(0), track(1, timestamp=iso(now() + dt.timedelta(days=2)))),
        400,
        "invalid_timestamp",
        "batch[1].timestamp",
        "future",
    ),
    case(
        "sent-at-garbage",
        T,
        {**OK, "timestamp": "2026-01-01T00:00:00Z", "sentAt": "soon"},
        400,
        "invalid_timestamp",
        "sentAt",
    ),
    # --- required fields ---------------------------------------------------------------
    case(
        "no-user-id-nor-anonymous-id",
        T,
        {"event": "x"},
        400,
        "missing_field",
        "userId",
        "anonymousId",
    ),
    case(
        "empty-ids",
        T,
        {"userId": "", "anonymousId": None, "event": "x"},
        400,
        "missing_field",
        "userId",
    ),
    case("track-without-event", T, {"userId": "u1"}, 400, "missing_field", "event"),
    case(
        "group-without-group-id",
        G,
        {"userId": "u1", "traits": {"name": "Acme"}},
        400,
        "missing_field",
        "groupId",
    ),
    case("alias-without-previous-id", A, {"userId": "u1"}, 400, "missing_field", "previousId"),
    case("alias-without-user-id", A, {"previousId": "anon-1"}, 400, "missing_field", "userId"),
    # --- batches -----------------------------------------------------------------------
    case("batch-not-a-list", B, {"batch": {"type": "track"}}, 400, "missing_field", "batch"),
    case("batch-missing", B, {"messages": [track(0)]}, 400, "missing_field", "batch"),
    case(
        "batch-unknown-type",
        B,
        batch(track(0), {**track(1), "type": "purchase"}),
        400,
        "invalid_type",
        "batch[1].type",
    ),
    case(
        "batch-missing-type",
        B,
        batch({"userId": "u1", "event": "x"}),
        400,
        "invalid_type",
        "batch[0].type",
    ),
    case(
        "batch-element-not-an-object", B, batch(track(0), "oops"), 400, "invalid_event", "batch[1]"
    ),
    case(
        "batch-one-bad-among-good",
        B,
        batch(track(0), {"type": "track", "userId": "u9", "messageId": "m9"}, track(2)),
        400,
        "missing_field",
        "batch[1].event",
    ),
    case(
        "batch-last-message-bad",
        B,
        batch(track(0), track(1), {"type": "identify", "userId": "u2", "traits": []}),
        400,
        "invalid_field",
        "batch[2].traits",
    ),
    case(
        "batch-group-without-group-id",
        B,
        batch({"type": "group", "userId": "u1", "traits": {"name": "Acme"}}),
        400,
        "missing_field",
        "batch[0].groupId",
    ),
    case(
        "batch-user-id-object",
        B,
        batch(track(0), track(1), {**track(2), "userId": {}}),
        400,
        "invalid_field",
        "batch[2].userId",
    ),
    # --- messageId ---------------------------------------------------------------------
    case(
        "message-id-101-chars", T, {**OK, "messageId": "m" * 101}, 400, "invalid_field", "messageId"
    ),
    case("message-id-number", T, {**OK, "messageId": 5}, 400, "invalid_field", "messageId"),
    case("message-id-empty", T, {**OK, "messageId": ""}, 400, "invalid_field", "messageId"),
    case(
        "batch-message-id-too-long",
        B,
        batch(track(0), track(1, messageId="m" * 101)),
        400,
        "invalid_field",
        "batch[1].messageId",
    ),
    # --- sizes -------------------------------------------------------------------------
    case(
        "event-over-32kb",
        T,
        {**OK, "properties": {"blob": "x" * 33 * KB}},
        413,
        "event_too_large",
        "32",
    ),
    case(
        "batch-event-over-32kb",
        B,
        batch(track(0), padded_track(1, 33 * KB)),
        413,
        "event_too_large",
        "batch[1]",
        "32",
    ),
    case(
        "request-over-500kb",
        B,
        batch(*(padded_track(i, 26 * KB) for i in range(20))),
        413,
        "request_too_large",
        "500",
    ),
    case(
        "gzip-bomb-over-500kb-decompressed",
        B,
        batch(*(padded_track(i, 30 * KB) for i in range(40))),
        413,
        "request_too_large",
        "500",
        gzip=True,
    ),
    case(
        "gzip-raw-body-over-500kb",
        B,
        b'{"batch": [], "pad": "' + os.urandom(600 * KB).hex().encode() + b'"}',
        413,
        "request_too_large",
        "500",
        gzip=True,
    ),
    case(
        "batch-2501-messages",
        B,
        batch(*({"type": "track", "userId": "u", "event": "e"} for _ in range(2501))),
        413,
        "batch_too_large",
        "2500",
    ),
    # --- write keys --------------------------------------------------------------------
    case("unknown-write-key", T, OK, 401, "invalid_write_key", "key", key="pk_not_a_real_key"),
    case("missing-write-key", T, OK, 401, "invalid_write_key", "key", key=NO_KEY),
    case("revoked-write-key", T, OK, 401, "invalid_write_key", "key", key="revoked"),
    case(
        "unknown-write-key-in-body",
        T,
        {**OK, "writeKey": "pk_bogus"},
        401,
        "invalid_write_key",
        "key",
        key=NO_KEY,
    ),
    case(
        "revoked-write-key-in-batch-body",
        B,
        {"writeKey": "revoked", **batch(track(0))},
        401,
        "invalid_write_key",
        "key",
        key=NO_KEY,
    ),
    case(
        "basic-auth-not-base64",
        T,
        OK,
        401,
        "invalid_write_key",
        "key",
        key=NO_KEY,
        headers={"Authorization": "Basic !!!not-base64!!!"},
    ),
    case(
        "bearer-instead-of-basic",
        T,
        OK,
        401,
        "invalid_write_key",
        "key",
        key=NO_KEY,
        headers={"Authorization": "Bearer pk_whatever"},
    ),
    case(
        "write-key-not-a-string",
        T,
        {**OK, "writeKey": 12345},
        401,
        "invalid_write_key",
        "key",
        key=NO_KEY,
    ),
    # --- encodings ---------------------------------------------------------------------
    case(
        "gzip-garbage",
        T,
        b"this is not a gzip stream",
        400,
        "invalid_gzip",
        "gzip",
        headers={"Content-Encoding": "gzip"},
    ),
    case(
        "gzip-truncated",
        T,
        gzip.compress(json.dumps(OK).encode())[:-12],
        400,
        "invalid_gzip",
        "gzip",
        headers={"Content-Encoding": "gzip"},
    ),
    case(
        "content-encoding-br",
        T,
        OK,
        415,
        "unsupported_encoding",
        "encoding",
        headers={"Content-Encoding": "br"},
    ),
    case(
        "content-encoding-deflate",
        T,
        OK,
        415,
        "unsupported_encoding",
        "encoding",
        headers={"Content-Encoding": "deflate"},
    ),
    # --- routing -----------------------------------------------------------------------
    case("get-on-track", T, None, 405, None, method="get"),
    case("unknown-endpoint", "/v1/nope", OK, 404, "not_found"),
]


@pytest.fixture
def revoked_key(db: None) -> str:
    key, plain = WriteKey.issue(name="revoked")
    key.revoke()
    return plain


def nothing_stored() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (
            Event,
            Contact,
            Account,
            Membership,
            AccountDay,
            ContactDay,
            EventDay,
            AnonymousId,
        )
    }


@pytest.mark.parametrize("c", CASES)
def test_rejected_payload(
    c: Case, tracking: Client, post_json: PostJson, write_key: str, revoked_key: str
) -> None:
    before = nothing_stored()
    assert set(before.values()) == {0}
    body: Any = c.body() if callable(c.body) else c.body
    if isinstance(body, dict) and body.get("writeKey") == "revoked":
        body = {**body, "writeKey": revoked_key}
    key = {"default": write_key, "revoked": revoked_key}.get(c.key, c.key)

    if c.method == "get":
        response = tracking.get(c.path, headers={"Authorization": basic_auth(write_key)})
    else:
        response = post_json(tracking, c.path, body, key=key, gzip=c.gzip, headers=c.headers)

    assert response.status_code == c.status, response.content[:500]
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    answer = response.json()
    assert isinstance(answer, dict), answer
    if c.code is not None:
        assert answer.get("code") == c.code, answer
        assert isinstance(answer.get("message"), str), answer
        assert answer["message"], answer
    for fragment in c.fragments:
        assert fragment.lower() in answer["message"].lower(), (fragment, answer)
    if c.status == 405:
        assert "POST" in response.get("Allow", ""), dict(response.items())
    assert nothing_stored() == before


# Strings JSON allows but a database may not store: NUL (PostgreSQL text and jsonb refuse it)
# and lone UTF-16 surrogates (not Unicode scalar values; neither UTF-8 nor jsonb take them).
# Either answer is fine — stored (200) or refused as bad input (400) — but never a 5xx: a
# server error makes the SDKs retry a message that can never succeed.
HOSTILE_STRINGS = {
    "nul-in-event": rb'{"userId":"u1","event":"a\u0000b"}',
    "nul-in-user-id": rb'{"userId":"u\u0000","event":"x"}',
    "nul-in-property-value": rb'{"userId":"u1","event":"x","properties":{"n":"a\u0000b"}}',
    "nul-in-property-key": rb'{"userId":"u1","event":"x","properties":{"a\u0000":1}}',
    "surrogate-in-event": rb'{"userId":"u1","event":"x\ud800"}',
    "surrogate-in-user-id": rb'{"userId":"u\udfff","event":"x"}',
    "surrogate-in-message-id": rb'{"userId":"u1","event":"x","messageId":"m\ud800"}',
    "surrogate-in-property-value": rb'{"userId":"u1","event":"x","properties":{"s":"\ud800"}}',
    "surrogate-in-property-key": rb'{"userId":"u1","event":"x","properties":{"\ud800":1}}',
    "surrogate-in-trait": rb'{"userId":"u1","traits":{"firstName":"\ud800"}}',
}


@pytest.mark.parametrize("raw", HOSTILE_STRINGS.values(), ids=HOSTILE_STRINGS.keys())
def test_hostile_strings_are_stored_or_refused_never_a_server_error(
    tracking: Client, post_json: PostJson, raw: bytes
) -> None:
    path = ID if b'"traits"' in raw else T
    response = post_json(tracking, path, raw)
    assert response.status_code in (200, 400), (response.status_code, response.content[:300])
    if response.status_code == 400:
        assert response.json()["code"] in ("invalid_json", "invalid_field"), response.json()
        assert Event.objects.count() == 0
        assert Contact.objects.count() == 0
    else:
        assert Event.objects.count() == 1


def test_the_table_is_large_enough() -> None:
    assert len(CASES) >= 30


# ----------------------------------------------------------------------------------------
# Valid edge cases (what real SDKs send)
# ----------------------------------------------------------------------------------------


def ok(response: Any) -> None:
    assert response.status_code == 200, response.content[:500]
    assert response.json() == {"success": True}


def test_anonymous_id_null_with_user_id_is_accepted(tracking: Client, post_json: PostJson):
    ok(post_json(tracking, T, {"userId": "u1", "anonymousId": None, "event": "Clicked"}))
    event = Event.objects.get()
    assert (event.type, event.name, event.user_id, event.anonymous_id) == (
        "track",
        "Clicked",
        "u1",
        None,
    )


def test_numeric_user_id_is_stored_as_text(tracking: Client, post_json: PostJson):
    ok(post_json(tracking, T, {"userId": 42, "event": "Clicked", "messageId": "num-1"}))
    event = Event.objects.get(message_id="num-1")
    assert event.user_id == "42"
    assert event.contact is not None
    assert event.contact.external_id == "42"
    assert Contact.objects.get().external_id == "42"


def test_millisecond_timestamp_with_offset_is_stored_in_utc(tracking: Client, post_json: PostJson):
    body = {"userId": "u1", "event": "Clicked", "timestamp": "2026-03-01T10:00:00.123+02:00"}
    ok(post_json(tracking, T, body))
    assert Event.objects.get().timestamp == dt.datetime(2026, 3, 1, 8, 0, 0, 123000, tzinfo=dt.UTC)


def test_naive_timestamp_is_taken_as_utc(tracking: Client, post_json: PostJson):
    ok(post_json(tracking, T, {**OK, "timestamp": "2026-03-01T10:00:00"}))
    assert Event.objects.get().timestamp == dt.datetime(2026, 3, 1, 10, tzinfo=dt.UTC)


def test_clock_skew_is_corrected_with_sent_at(tracking: Client, post_json: PostJson):
    # The client's clock is a year ahead; the event happened an hour before it was sent.
    client_now = now() + dt.timedelta(days=365)
    body = {
        **OK,
        "timestamp": iso(client_now - dt.timedelta(hours=1)),
        "sentAt": iso(client_now),
    }
    ok(post_json(tracking, T, body))
    stored = Event.objects.get().timestamp
    assert abs(stored - (now() - dt.timedelta(hours=1))) < dt.timedelta(minutes=1)


def test_future_timestamp_explained_by_sent_at_is_accepted(tracking: Client, post_json: PostJson):
    client_now = now() + dt.timedelta(days=2)  # a wrong clock, not a future event
    body = batch(track(0, timestamp=iso(client_now)))
    body["sentAt"] = iso(client_now)
    ok(post_json(tracking, B, body))
    assert abs(Event.objects.get().timestamp - now()) < dt.timedelta(minutes=1)


def test_timestamp_23_hours_ahead_is_accepted(tracking: Client, post_json: PostJson):
    ok(post_json(tracking, T, {**OK, "timestamp": iso(now() + dt.timedelta(hours=23))}))
    assert Event.objects.count() == 1


def test_identify_with_traits_under_context_traits(tracking: Client, post_json: PostJson):
    body = {
        "userId": "u-ctx",
        "context": {"traits": {"email": "ctx@example.com", "firstName": "Cora"}},
    }
    ok(post_json(tracking, ID, body))
    contact = Contact.objects.get(external_id="u-ctx")
    assert (contact.email, contact.first_name) == ("ctx@example.com", "Cora")


def test_write_key_in_body_instead_of_basic_auth(
    tracking: Client, post_json: PostJson, write_key: str
):
    ok(post_json(tracking, T, {**OK, "writeKey": write_key}, key=NO_KEY))
    ok(post_json(tracking, B, {"writeKey": write_key, **batch(track(7))}, key=NO_KEY))
    assert Event.objects.count() == 2


def test_gzip_body(tracking: Client, post_json: PostJson):
    ok(post_json(tracking, B, batch(track(0), track(1), track(2)), gzip=True))
    assert Event.objects.count() == 3


def test_deeply_nested_properties_are_accepted_and_kept(tracking: Client, post_json: PostJson):
    properties = {"tree": deep(60), "list": [[[[[1, 2, {"k": [3]}]]]]], "unicode": "héllo ✓"}
    ok(post_json(tracking, T, {**OK, "properties": properties, "messageId": "deep"}))
    assert Event.objects.get(message_id="deep").properties == properties


def test_message_without_message_id_is_stored(tracking: Client, post_json: PostJson):
    ok(post_json(tracking, T, OK))
    assert Event.objects.get().message_id


def test_batch_of_exactly_2500_messages_is_accepted(tracking: Client, post_json: PostJson):
    body = batch(*({"type": "track", "userId": "u", "event": "e"} for _ in range(2500)))
    ok(post_json(tracking, B, body))
    assert Event.objects.count() == 2500


def test_every_type_on_its_endpoint_is_stored(tracking: Client, post_json: PostJson):
    bodies = {
        "/v1/identify": {"userId": "u1", "traits": {"email": "u1@example.com"}},
        "/v1/group": {"userId": "u1", "groupId": "g1", "traits": {"name": "G One"}},
        "/v1/track": {"userId": "u1", "event": "Clicked"},
        "/v1/page": {"userId": "u1", "name": "Home"},
        "/v1/screen": {"userId": "u1", "name": "Inbox"},
        "/v1/alias": {"userId": "u1", "previousId": "anon-1"},
    }
    for path, body in bodies.items():
        ok(post_json(tracking, path, body))
    assert sorted(Event.objects.values_list("type", flat=True)) == sorted(
        ["identify", "group", "track", "page", "screen", "alias"]
    )
    day = AccountDay.objects.get(account__external_id="g1")
    assert (day.events, day.pageviews, day.active_users, day.sessions) == (3, 2, 1, 1)
    assert EventDay.objects.get().name == "Clicked"


# ----------------------------------------------------------------------------------------
# Identity
# ----------------------------------------------------------------------------------------


def test_identify_maps_standard_traits_and_keeps_the_rest(tracking: Client, post_json: PostJson):
    traits = {
        "email": "ada@example.com",
        "firstName": "Ada",
        "lastName": "Lovelace",
        "title": "CTO",
        "phone": "+44 20 1234",
        "avatar": "https://example.com/ada.png",
        "role": "owner",
        "logins": 12,
    }
    ok(post_json(tracking, ID, {"userId": "u-ada", "traits": traits}))
    contact = Contact.objects.get(external_id="u-ada")
    assert (contact.email, contact.first_name, contact.last_name, contact.title) == (
        "ada@example.com",
        "Ada",
        "Lovelace",
        "CTO",
    )
    assert contact.phone == "+44 20 1234"
    assert contact.avatar_url == "https://example.com/ada.png"
    assert contact.traits["role"] == "owner"
    assert contact.traits["logins"] == 12


def test_identify_finds_a_contact_by_email_when_the_user_id_is_new(
    tracking: Client, post_json: PostJson
):
    jane = Contact.objects.create(email="jane@acme.com", first_name="J")
    body = {"userId": "u-jane", "traits": {"email": "jane@acme.com", "firstName": "Jane"}}
    ok(post_json(tracking, ID, body))
    ok(post_json(tracking, T, {"userId": "u-jane", "event": "Clicked", "messageId": "j1"}))
    assert Contact.objects.count() == 1
    jane.refresh_from_db()
    assert (jane.first_name, jane.external_id) == ("Jane", "u-jane")
    assert Event.objects.get(message_id="j1").contact_id == jane.pk


def test_identify_matches_the_email_whatever_its_case(tracking: Client, post_json: PostJson):
    # Contact e-mails are stored lower-cased (customers.models.normalise_email).
    jane = Contact.objects.create(email="jane@acme.com")
    body = {"userId": "u-jane", "traits": {"email": " Jane@ACME.com ", "lastName": "Doe"}}
    ok(post_json(tracking, ID, body))
    assert Contact.objects.count() == 1
    jane.refresh_from_db()
    assert (jane.email, jane.last_name, jane.external_id) == ("jane@acme.com", "Doe", "u-jane")


def test_group_upserts_the_account_and_links_the_contact(tracking: Client, post_json: PostJson):
    growth = Plan.objects.create(name="Growth", list_mrr=490)
    traits = {
        "name": "Acme",
        "domain": "acme.com",
        "plan": "Growth",
        "industry": "Software",
        "employees": 120,
    }
    ok(post_json(tracking, G, {"userId": "u1", "groupId": "g-acme", "traits": traits}))
    ok(post_json(tracking, G, {"userId": "u1", "groupId": "g-beta", "traits": {"name": "Beta"}}))
    acme = Account.objects.get(external_id="g-acme")
    assert (acme.name, acme.domain, acme.plan, acme.industry, acme.employee_count) == (
        "Acme",
        "acme.com",
        growth,
        "Software",
        120,
    )
    contact = Contact.objects.get(external_id="u1")
    memberships = {m.account.external_id: m.is_primary for m in contact.memberships.all()}
    assert memberships == {"g-acme": True, "g-beta": False}

    # A second group call updates the same account rather than making another.
    ok(post_json(tracking, G, {"userId": "u1", "groupId": "g-acme", "traits": {"employees": 150}}))
    assert Account.objects.filter(external_id="g-acme").count() == 1
    acme.refresh_from_db()
    assert (acme.name, acme.employee_count) == ("Acme", 150)


def test_unknown_ids_create_the_contact_and_the_account(tracking: Client, post_json: PostJson):
    ok(post_json(tracking, T, {"userId": "u-new", "groupId": "g-new", "event": "Clicked"}))
    account = Account.objects.get(external_id="g-new")
    assert account.name == "g-new"
    contact = Contact.objects.get(external_id="u-new")
    event = Event.objects.get()
    assert (event.account_id, event.contact_id) == (account.pk, contact.pk)
    # A later group call names it.
    ok(post_json(tracking, G, {"userId": "u-new", "groupId": "g-new", "traits": {"name": "New"}}))
    account.refresh_from_db()
    assert account.name == "New"
    assert Account.objects.count() == 1


def test_top_level_group_id_wins_and_primary_account_is_the_fallback(
    tracking: Client, post_json: PostJson
):
    ok(post_json(tracking, G, {"userId": "u1", "groupId": "g-home", "traits": {"name": "Home"}}))
    body = {
        "userId": "u1",
        "event": "Clicked",
        "groupId": "g-top",
        "context": {"groupId": "g-ctx"},
        "messageId": "top",
    }
    ok(post_json(tracking, T, body))
    ctx = {"userId": "u1", "event": "Clicked", "context": {"groupId": "g-ctx"}, "messageId": "ctx"}
    ok(post_json(tracking, T, ctx))
    ok(post_json(tracking, T, {"userId": "u1", "event": "Clicked", "messageId": "none"}))
    accounts = dict(
        Event.objects.filter(type="track").values_list("message_id", "account__external_id")
    )
    assert accounts == {"top": "g-top", "ctx": "g-ctx", "none": "g-home"}


def test_anonymous_events_count_for_the_account_then_for_the_contact_once_identified(
    tracking: Client, post_json: PostJson
):
    page = {"anonymousId": "anon-1", "name": "Pricing", "context": {"groupId": "g-anon"}}
    ok(post_json(tracking, "/v1/page", {**page, "messageId": "a1"}))
    event = Event.objects.get(message_id="a1")
    assert event.contact_id is None
    day = AccountDay.objects.get(account__external_id="g-anon")
    assert (day.events, day.pageviews, day.active_users) == (1, 1, 0)
    assert not ContactDay.objects.exists()

    ok(post_json(tracking, ID, {"userId": "u-anon", "anonymousId": "anon-1"}))
    contact = Contact.objects.get(external_id="u-anon")
    event.refresh_from_db()
    assert event.contact_id == contact.pk
    assert AnonymousId.objects.get(anonymous_id="anon-1").contact_id == contact.pk
    day.refresh_from_db()
    assert (day.events, day.pageviews, day.active_users, day.sessions) == (1, 1, 1, 1)
    row = ContactDay.objects.get(contact=contact)
    assert (row.account_id, row.events, row.pageviews, row.sessions) == (day.account_id, 1, 1, 1)


def test_alias_links_an_anonymous_id_retroactively(tracking: Client, post_json: PostJson):
    body = {"anonymousId": "anon-2", "event": "Clicked", "groupId": "g-al", "messageId": "t1"}
    ok(post_json(tracking, T, body))
    ok(post_json(tracking, A, {"previousId": "anon-2", "userId": "u-al"}))
    contact = Contact.objects.get(external_id="u-al")
    assert Event.objects.get(message_id="t1").contact_id == contact.pk
    row = ContactDay.objects.get(contact=contact)
    assert (row.events, row.sessions) == (1, 1)
    assert AccountDay.objects.get(account__external_id="g-al").active_users == 1


def test_rollup_days_are_in_the_organisation_time_zone(
    tracking: Client, post_json: PostJson, settings: Any
):
    settings.TIME_ZONE = "America/New_York"
    body = {**OK, "groupId": "g-tz", "timestamp": "2026-03-10T03:00:00Z"}  # 23:00 the day before
    ok(post_json(tracking, T, body))
    day = AccountDay.objects.get(account__external_id="g-tz")
    assert day.day == dt.date(2026, 3, 9)
    assert timezone.localtime(Event.objects.get().timestamp).date() == dt.date(2026, 3, 9)


def test_timestamps_too_far_apart_to_correct_are_a_400(tracking: Client, post_json: PostJson):
    body = {"userId": "u", "event": "e", "timestamp": "9999-12-31T00:00:00Z",
            "sentAt": "0001-01-01T00:00:00Z"}  # fmt: skip
    response = post_json(tracking, "/v1/track", body)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_timestamp"
    assert not Event.objects.exists()


def test_a_content_length_that_is_not_a_number_is_a_400(tracking: Client, write_key: str):
    response = tracking.post(
        "/v1/track", b"{}", content_type="application/json", CONTENT_LENGTH="abc"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_request"
