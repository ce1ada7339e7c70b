"""Request middleware that makes the signed-in user the author of the request's changes."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from panorama.core.actors import Actor, acting_as


class ActorMiddleware:
    """Attribute changes made while handling a request to the signed-in user."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        source = "admin" if request.path.startswith("/admin/") else "web"
        with acting_as(Actor(source=source, user=user)):
            return self.get_response(request)
