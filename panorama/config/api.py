"""The REST API (django-ninja): one ``NinjaAPI`` that mounts each app's router.

Docs at ``/api/docs``, the OpenAPI schema at ``/api/openapi.json``. Every operation needs a
bearer token or a signed-in session (``panorama.core.api_auth``) and reads only what that
user may see; anything outside answers 404, as if it did not exist. Errors are JSON with a
``detail`` naming the problem (a list of field errors for 422), and ``errors`` by field when
the models refuse a write (400, or 409 for a conflict with other records).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as SchemaError

from panorama.core.api_auth import api_auth
from panorama.customers.api import router as customers_router
from panorama.customers.services import CONFLICT_CODES
from panorama.revenue.api import router as revenue_router
from panorama.support.api import router as support_router
from panorama.timeline.api import router as timeline_router
from panorama.usage.api import router as usage_router

# Codes of a write that collides with other records (409): the customers' ones, and the
# timeline's "duplicate" (an e-mail whose Message-ID is already stored).
CONFLICTS = CONFLICT_CODES | {"duplicate"}

AUTH_REQUIRED = (
    "Authentication required: send 'Authorization: Bearer <token>' with a valid, unrevoked "
    "API token (Settings > API tokens), or sign in."
)

UNPROCESSABLE = {
    "description": "A parameter or the body does not fit the schema: one entry per problem, "
    '`loc` naming where (e.g. `["body", "payload", "name"]`), `msg` saying what.',
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "properties": {"detail": {"type": "array", "items": {"type": "object"}}},
                "required": ["detail"],
            }
        }
    },
}

REFUSED = {
    "description": "The body has fields the API does not know, or the models refuse the "
    "write: `errors` names each field and why.",
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "properties": {"detail": {"type": "string"}, "errors": {"type": "object"}},
                "required": ["detail"],
            }
        }
    },
}


class PanoramaAPI(NinjaAPI):
    """A ``NinjaAPI`` whose operations answer 401 themselves instead of redirecting to login.

    The site-wide ``LoginRequiredMiddleware`` would send a script without a session to the
    login page (302 to HTML); API operations and the schema are exempt from it because they
    authenticate on their own. The docs page stays behind the login: it is for people.
    """

    def get_openapi_schema(self, **kwargs: Any) -> Any:
        """The schema, with the 422 every operation with parameters or a body may answer.

        django-ninja answers 422 when a parameter or body does not fit its schema but leaves
        it out of the operation's documented answers; clients (and the fuzz test) rely on
        every status being listed.
        """
        schema = super().get_openapi_schema(**kwargs)
        for operations in schema["paths"].values():
            for operation in operations.values():
                if operation.get("parameters") or operation.get("requestBody"):
                    operation["responses"].setdefault(422, UNPROCESSABLE)
                if operation.get("requestBody"):
                    operation["responses"].setdefault(400, REFUSED)
        return schema

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
        "Read and write what Panorama knows about your customers. Authenticate with a "
        "personal API token (`Authorization: Bearer pat_…`, from Settings > API tokens) or a "
        "signed-in session. Every answer is limited to the accounts you may see; anything "
        "else is 404."
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


@api.exception_handler(SchemaError)
def does_not_fit(request: HttpRequest, exc: SchemaError) -> HttpResponse:
    """422 listing what does not fit the schema; 400 when the body has fields the API does
    not know, naming each (a typo must never be dropped silently while the rest is saved)."""
    problems = exc.errors
    unknown = [
        ".".join(map(str, e["loc"][2:])) for e in problems if e.get("type") == "extra_forbidden"
    ]
    if not unknown:
        return api.create_response(request, {"detail": problems}, status=422)
    errors: dict[str, list[str]] = {}
    for problem in problems:
        where = ".".join(map(str, problem["loc"][2:])) or "__all__"
        message = "Unknown field." if problem.get("type") == "extra_forbidden" else problem["msg"]
        errors.setdefault(where, []).append(message)
    detail = f"Unknown field{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}."
    return api.create_response(request, {"detail": detail, "errors": errors}, status=400)


@api.exception_handler(ValidationError)
def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """A write the models refused: 400 naming each field and why, or 409 when it collides
    with other records (a duplicate, a record still in use)."""
    if hasattr(exc, "error_dict"):
        errors = exc.message_dict
        codes = {e.code for errs in exc.error_dict.values() for e in errs}
    else:
        errors = {"__all__": exc.messages}
        codes = {e.code for e in exc.error_list}
    conflict = bool(codes) and codes <= CONFLICTS
    fields = ", ".join(errors)
    detail = f"Conflicts with existing records: {fields}." if conflict else f"Invalid: {fields}."
    body = {"detail": detail, "errors": errors}
    return api.create_response(request, body, status=409 if conflict else 400)


@api.exception_handler(IntegrityError)
def collided(request: HttpRequest, exc: IntegrityError) -> HttpResponse:
    """A write that passed the models' checks but met a database constraint: another request
    saved the same record meanwhile (two creates racing). A conflict, like a duplicate the
    checks find; the service's transaction has rolled back, so nothing was written."""
    body = {
        "detail": "Conflicts with existing records: another change was saved meanwhile.",
        "errors": {"__all__": ["Conflicts with another record saved meanwhile; try again."]},
    }
    return api.create_response(request, body, status=409)


# Each app's router, at its own prefix; later apps add theirs here.
api.add_router("/usage", usage_router, tags=["usage"])
api.add_router("/customers", customers_router)
api.add_router("/revenue", revenue_router)
api.add_router("/support", support_router)
api.add_router("/timeline", timeline_router)
