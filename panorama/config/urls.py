"""URL map: each app mounts its own urls; the admin is reachable for the admin role only."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("panorama.core.urls")),
    path("customers/", include("panorama.customers.urls")),
    path("admin/", admin.site.urls),
]
