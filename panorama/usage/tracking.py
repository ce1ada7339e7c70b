"""The Segment-compatible HTTP Tracking API: ``POST /v1/{track,identify,…,batch}``.

A plain Django view rather than a django-ninja route: the body may be gzip, limits apply
before parsing, and answers must be exactly Segment's (``{"success": true}``,
``{"code", "message"}``) for the real SDKs to retry or give up correctly.
"""

from __future__ import annotations

import base64
import binascii
import logging
import zlib
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError, OperationalError, connection, transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from panorama.core import clock
from panorama.usage import writer
from panorama.usage.committer import Busy
from panorama.usage.ingest import write_batches
from panorama.usage.models import WriteKey
from panorama.usage.storage import SqlEventStore, prepare
from panorama.usage.validation import (
    MAX_REQUEST_BYTES,
    InvalidPayload,
    TooLarge,
    declared_message_ids,
    decode_json,
    parse_body,
)

log = logging.getLogger(__name__)

KINDS = ("track", "identify", "group", "page", "screen", "alias", "batch")


def _error(status: int, code: str, message: str, **headers: str) -> JsonResponse:
    response = JsonResponse({"code": code, "message": message}, status=status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def _read_body(request: HttpRequest) -> bytes:
    """The body, decompressed, within the request size limit (raises ``InvalidPayload``)."""
    try:
        declared = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        raise InvalidPayload("invalid_request", "Content-Length is not a number") from None
    if declared > MAX_REQUEST_BYTES:
        raise TooLarge("request_too_large", "the request is larger than 500 KB")
    try:
        raw = request.body
    except RequestDataTooBig:
        raise TooLarge("request_too_large", "the request is larger than 500 KB") from None
    if len(raw) > MAX_REQUEST_BYTES:
        raise TooLarge("request_too_large", "the request is larger than 500 KB")
    encoding = request.headers.get("Content-Encoding", "").strip().lower()
    if encoding in ("", "identity"):
        return raw
    if encoding != "gzip":
        raise InvalidPayload(
            "unsupported_encoding", f"Content-Encoding {encoding!r} is not supported; use gzip"
        )
    # Decompress at most one byte past the limit, so a small bomb can't fill memory.
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        data = inflater.decompress(raw, MAX_REQUEST_BYTES + 1)
    except zlib.error:
        raise InvalidPayload("invalid_gzip", "the body is not valid gzip") from None
    if len(data) > MAX_REQUEST_BYTES:
        raise TooLarge("request_too_large", "the request is larger than 500 KB once decompressed")
    if not inflater.eof:
        raise InvalidPayload("invalid_gzip", "the gzip body is truncated")
    return data


def _write_key(request: HttpRequest, body: Any) -> str | None:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("basic "):
        try:
            user = base64.b64decode(header[6:].strip(), validate=True).decode().partition(":")[0]
        except (binascii.Error, UnicodeDecodeError):
            user = ""
        if user:
            return user
    key = body.get("writeKey") if isinstance(body, dict) else None
    return key if isinstance(key, str) and key else None


def _key_is_valid(key: str | None) -> bool:
    if key is None:
        return False
    # Plain SQL: every request asks, and the ORM's query building cost as much as the look-up.
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {WriteKey._meta.db_table} WHERE key_hash = %s AND revoked_at IS NULL",
            [WriteKey.hash(key)],
        )
        return cursor.fetchone() is not None


def _all_stored_already(body: Any, kind: str) -> bool:
    """True when every message of the request is stored already: its retry is acknowledged.

    The first copy of a message id is the one Panorama keeps, so a copy sent again changes
    nothing whatever it holds; answering it from one index look-up keeps SDK retries and
    re-sent batches cheap.
    """
    message_ids = declared_message_ids(body, kind=kind)
    if not message_ids:
        return False
    unique = set(message_ids)
    try:
        return len(SqlEventStore().known_message_ids(list(unique))) == len(unique)
    except OperationalError:
        # Reads never wait for the writer in WAL mode; SQLite's shared-cache in-memory
        # database (the tests') locks tables instead. The full path queues behind the writer.
        return False


@csrf_exempt
@login_not_required
def tracking_endpoint(request: HttpRequest, kind: str) -> JsonResponse:
    """Store a Segment message or batch; 200 only once it is committed."""
    if kind not in KINDS:
        return _error(
            404, "not_found", f"/v1/{kind} is not an endpoint; use one of {', '.join(KINDS)}"
        )
    if request.method != "POST":
        response = _error(405, "method_not_allowed", f"/v1/{kind} accepts POST only")
        response["Allow"] = "POST"
        return response
    received_at = clock.now()
    try:
        data = _read_body(request)
        body = decode_json(data)
        if not _key_is_valid(_write_key(request, body)):
            return _error(
                401,
                "invalid_write_key",
                "a valid, unrevoked write key is required (HTTP Basic user or writeKey)",
            )
        if _all_stored_already(body, kind):
            return JsonResponse({"success": True})
        messages = prepare(
            parse_body(body, kind=kind, received_at=received_at, body_size=len(data))
        )
    except TooLarge as exc:
        return _error(413, exc.code, exc.message)
    except InvalidPayload as exc:
        status = 415 if exc.code == "unsupported_encoding" else 400
        return _error(status, exc.code, exc.message)
    try:
        if settings.USAGE_GROUP_COMMIT:
            writer.submit(messages, received_at)
        else:
            with transaction.atomic():
                errors = write_batches([(messages, received_at)])
            if errors[0] is not None:
                raise errors[0]
    except Busy as exc:
        return _error(503, "busy", str(exc), Retry_After=str(exc.retry_after))
    except DatabaseError:
        # The write lock stayed taken past the busy timeout, or a concurrent request created
        # the same contact first: nothing was stored, and a retry will succeed.
        log.warning("tracking: write failed; asking the client to retry", exc_info=True)
        return _error(503, "busy", "the database is busy; retry shortly", Retry_After="2")
    return JsonResponse({"success": True})
