"""Fixtures for the Segment-compatible tracking API tests.

``write_key`` issues a key and returns its plain text. ``post_json`` sends a body to a
``/v1/...`` endpoint through a Django test client (or raw bytes, gzip, custom headers).
``tracking`` is a ready-made Django test client for the request-thread write path: it turns
``USAGE_GROUP_COMMIT`` off (the test database is not transactional) and enforces CSRF checks, so
the endpoints are also shown to be CSRF-exempt.

Tests against ``live_server`` (transactional database) leave ``USAGE_GROUP_COMMIT`` at its
default (True) so the real group-commit path runs; ``http_post`` sends to them with urllib.
"""

from __future__ import annotations

import base64
import gzip as gzip_module
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from panorama.usage.models import AccountDay, ContactDay, EventDay, WriteKey

# Pass ``key=NO_KEY`` to send no Authorization header at all.
NO_KEY = object()
# The default: the ``write_key`` fixture's key, as HTTP Basic user with an empty password.
DEFAULT_KEY = object()


def basic_auth(key: str) -> str:
    return "Basic " + base64.b64encode(f"{key}:".encode()).decode()


def encode_body(body: Any, *, gzip: bool = False) -> bytes:
    """JSON-encode ``body`` unless it is already bytes; gzip it when asked."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return gzip_module.compress(raw) if gzip else raw


@pytest.fixture
def write_key(db: None) -> str:
    """The plain text of a fresh, active write key."""
    return WriteKey.issue(name="test")[1]


PostJson = Callable[..., Any]


@pytest.fixture
def post_json(write_key: str) -> PostJson:
    """``post_json(client, path, body, key=..., gzip=False, headers=None)`` → response.

    ``body`` is JSON-encoded unless it is bytes. ``key`` defaults to the ``write_key`` fixture;
    ``key=NO_KEY`` sends no Authorization header. ``gzip=True`` compresses the body and sends
    ``Content-Encoding: gzip``. ``headers`` are added (and win over the defaults).
    """

    def post(
        client: Client,
        path: str,
        body: Any,
        *,
        key: Any = DEFAULT_KEY,
        gzip: bool = False,
        headers: dict[str, str] | None = None,
    ) -> Any:
        sent_headers: dict[str, str] = {}
        if key is DEFAULT_KEY:
            key = write_key
        if key is not NO_KEY:
            sent_headers["Authorization"] = basic_auth(key)
        if gzip:
            sent_headers["Content-Encoding"] = "gzip"
        sent_headers.update(headers or {})
        return client.post(
            path,
            data=encode_body(body, gzip=gzip),
            content_type="application/json",
            headers=sent_headers,
        )

    return post


@pytest.fixture
def tracking(settings: Any, db: None) -> Client:
    """A Django test client for the tracking API, writing in the request thread."""
    settings.USAGE_GROUP_COMMIT = False
    return Client(enforce_csrf_checks=True)


@dataclass
class HttpResult:
    status: int
    body: Any
    headers: dict[str, str]


def http_post(
    url: str, body: Any, *, key: str | None, gzip: bool = False, timeout: float = 30
) -> HttpResult:
    """POST to a live server with urllib; never raises on an HTTP error status."""
    headers = {"Content-Type": "application/json"}
    if key is not None:
        headers["Authorization"] = basic_auth(key)
    if gzip:
        headers["Content-Encoding"] = "gzip"
    request = urllib.request.Request(
        url, data=encode_body(body, gzip=gzip), headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw, got = response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        status, raw, got = error.code, error.read(), dict(error.headers)
    try:
        parsed = json.loads(raw)
    except ValueError:
        parsed = raw
    return HttpResult(status, parsed, got)


def rollups() -> dict[str, list[tuple[Any, ...]]]:
    """Every rollup row as comparable tuples (ids and values), sorted."""
    return {
        "account_days": sorted(
            AccountDay.objects.values_list(
                "account_id", "day", "events", "pageviews", "sessions", "active_users"
            )
        ),
        "contact_days": sorted(
            ContactDay.objects.values_list(
                "account_id", "contact_id", "day", "events", "pageviews", "sessions"
            )
        ),
        "event_days": sorted(EventDay.objects.values_list("account_id", "day", "name", "count")),
    }


def wait_for_live_server_requests(timeout: float = 5) -> None:
    """Wait until the live server has finished every request thread.

    Its request threads close their database connection after answering; one still doing so
    when the session's live server stops fails with "DatabaseWrapper objects created in a
    thread…" (the shared in-memory SQLite connection is no longer shared by then).
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        busy = [t for t in threading.enumerate() if "process_request_thread" in t.name]
        if not busy:
            return
        time.sleep(0.01)
