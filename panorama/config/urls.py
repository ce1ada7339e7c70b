"""URL map: each app mounts its own urls; the admin is reachable for the admin role only."""

from django.contrib import admin
from django.urls import include, path

from panorama.config.api import api

urlpatterns = [
    path("", include("panorama.core.urls")),
    path("customers/", include("panorama.customers.urls")),
    path("settings/write-keys/", include("panorama.usage.urls")),
    path("settings/import/", include("panorama.imports.urls")),
    path("v1/", include("panorama.usage.tracking_urls")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
]
