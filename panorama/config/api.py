"""The REST API (django-ninja): one ``NinjaAPI`` that mounts each app's router.

Docs at ``/api/docs``, the OpenAPI schema at ``/api/openapi.json``. Every operation needs a
bearer token or a signed-in session (``panorama.core.api_auth``) and reads only what that
user may see; anything outside answers 404, as if it did not exist. Errors are JSON with a
``detail`` naming the problem (a list of field errors for 422).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver
from ninja import NinjaAPI
from ninja.errors import AuthenticationError

from panorama.core.api_auth import api_auth
from panorama.usage.api import router as usage_router

AUTH_REQUIRED = (
    "Authentication required: send 'Authorization: Bearer <token>' with a valid, unrevoked "
    "API token (Settings > API tokens), or sign in."
)


class PanoramaAPI(NinjaAPI):
    """A ``NinjaAPI`` whose operations answer 401 themselves instead of redirecting to login.

    The site-wide ``LoginRequiredMiddleware`` would send a script without a session to the
    login page (302 to HTML); API operations and the schema are exempt from it because they
    authenticate on their own. The docs page stays behind the login: it is for people.
    """

    def _get_urls(self) -> list[URLPattern | URLResolver]:
        urls = super()._get_urls()
        for pattern in urls:
            if isinstance(pattern, URLPattern) and pattern.name != "openapi-view":
                login_not_required(pattern.callback)
        return urls


api = PanoramaAPI(
    title="Panorama API",
    version="1",
    description=(
        "Read what Panorama knows about your customers. Authenticate with a personal API "
        "token (`Authorization: Bearer pat_…`, from Settings > API tokens) or a signed-in "
        "session. Every answer is limited to the accounts you may see; anything else is 404."
    ),
    auth=api_auth(),
    docs_url="/docs",
    openapi_url="/openapi.json",
    urls_namespace="api",
)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    """404 with what was not found ("No such account"), never whether it exists elsewhere."""
    return api.create_response(request, {"detail": str(exc) or "Not found"}, status=404)


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    """401 saying how to authenticate, with the challenge RFC 6750 asks for."""
    response = api.create_response(request, {"detail": AUTH_REQUIRED}, status=401)
    response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


# Each app's router, at its own prefix; later apps add theirs here.
api.add_router("/usage", usage_router, tags=["usage"])
