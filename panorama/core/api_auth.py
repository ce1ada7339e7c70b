"""Authentication of the REST API: personal access tokens, or the browser's session.

Scripts send ``Authorization: Bearer pat_…`` (tokens are issued in Settings > API tokens or
with ``panorama api-token create``). A signed-in browser is accepted through its session
cookie, so the interactive docs at ``/api/docs`` work without a token. Either way the request
then acts as that user and sees exactly what they see (``panorama.core.visibility``).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, django_auth

from panorama.core.models import ApiToken, User


class BearerToken(HttpBearer):
    """``Authorization: Bearer <token>`` → the token's user, if active and not revoked."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        token = token.strip()
        if not token:
            return None
        found = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=ApiToken.hash(token), revoked_at__isnull=True)
            .first()
        )
        if found is None or not found.user.is_active:
            return None
        found.touch()
        # The views (and anything else reading request.user) see the token's user, as they
        # would a signed-in one: without this, request.user stays anonymous for scripts.
        request.user = found.user
        return found.user


def api_auth() -> list[Any]:
    """The API's authentication, tried in order: a bearer token, then the session cookie."""
    return [BearerToken(), django_auth]
