"""The admin site, open to the admin role only; for anyone else signed in it does not exist."""

from functools import wraps
from typing import Any

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import Http404, HttpRequest, HttpResponse


class PanoramaAdminSite(admin.AdminSite):
    """Django's admin, answering 404 to signed-in members (existence is not leaked)."""

    site_header = "Panorama administration"
    site_title = "Panorama admin"
    index_title = "Settings"

    def has_permission(self, request: HttpRequest) -> bool:
        user: Any = request.user
        return bool(user.is_active and getattr(user, "is_admin", False))

    def login(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        # Django's admin login is not wrapped by admin_view: guard it the same way.
        if request.user.is_authenticated and not self.has_permission(request):
            raise Http404("Not found")
        return super().login(request, extra_context)

    def admin_view(self, view: Any, cacheable: bool = False) -> Any:
        inner = super().admin_view(view, cacheable)

        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.user.is_authenticated and not self.has_permission(request):
                raise Http404("Not found")
            return inner(request, *args, **kwargs)

        return guarded


class PanoramaAdminConfig(AdminConfig):
    """Makes ``PanoramaAdminSite`` the default admin site, so every ``@admin.register`` uses it."""

    default_site = "panorama.core.admin_site.PanoramaAdminSite"
