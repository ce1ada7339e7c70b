"""What every endpoint of the customers API shares: the answers it may give, keyset paging,
who is the author of a change, and the admin-only rule.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpRequest
from ninja.errors import HttpError

from panorama.core.actors import Actor, acting_as
from panorama.core.models import User
from panorama.customers.schemas import (
    MAX_ID,
    ErrorOut,
    FieldErrorsOut,
    PageParams,
)

M = TypeVar("M", bound=models.Model)

# Declared on every operation so the OpenAPI schema lists each answer it may give (the 422
# of a body or parameter that does not fit the schema is added by ``config.api``).
READ_ERRORS: dict[int, Any] = {400: FieldErrorsOut, 404: ErrorOut}
WRITE_ERRORS: dict[int, Any] = {
    400: FieldErrorsOut,
    403: ErrorOut,
    404: ErrorOut,
    409: FieldErrorsOut,
}

CURSOR_PREFIX = "id:"


def caller(request: HttpRequest) -> User:
    """The user the request acts as (token or session), set by the API's authentication."""
    return request.auth  # type: ignore[attr-defined]


@contextmanager
def authored_by(request: HttpRequest) -> Iterator[Actor]:
    """Attribute the changes made inside the block to the caller, through the API: the
    attribute history then names them (``core.actors``, read by the models' ``save()``)."""
    with acting_as(Actor(source="api", user=caller(request))) as actor:
        yield actor


def require_admin(user: User, action: str) -> None:
    """403 unless ``user`` is an admin, saying what only admins may do."""
    if not user.is_admin:
        raise HttpError(403, f"Only admins may {action}; ask an admin of your organisation.")


def keyset_page(queryset: models.QuerySet[M], params: PageParams) -> dict[str, Any]:
    """One page of ``queryset`` by ascending id, after the ``params.after`` cursor.

    By keyset, not offset: records created or deleted between two requests neither shift
    nor repeat anything on later pages. One row more than asked says whether a next page
    exists, without a COUNT.
    """
    rows = queryset.order_by("pk")
    if params.after:
        rows = rows.filter(pk__gt=decode_cursor(params.after))
    found = list(rows[: params.limit + 1])
    page = found[: params.limit]
    last = page[-1].pk if page and len(found) > params.limit else None
    return {"items": page, "next": None if last is None else encode_cursor(last)}


def encode_cursor(pk: int) -> str:
    """An opaque cursor for "records after this one"."""
    return base64.urlsafe_b64encode(f"{CURSOR_PREFIX}{pk}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The id in a cursor; a 400 naming ``after`` for anything else."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if not raw.startswith(CURSOR_PREFIX):
            raise ValueError("not a cursor")
        pk = int(raw.removeprefix(CURSOR_PREFIX))
        if not 0 <= pk <= MAX_ID:
            raise ValueError("out of range")
        return pk
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise ValidationError(
            {"after": "Invalid cursor: pass the 'next' value of a previous page unchanged."}
        ) from exc
