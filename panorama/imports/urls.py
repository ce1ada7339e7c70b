"""CSV import pages, mounted under ``settings/import/``."""

from django.urls import path

from panorama.imports import views

app_name = "imports"

urlpatterns = [
    path("", views.upload, name="upload"),
    path("<str:token>/", views.preview, name="preview"),
    path("<str:token>/apply/", views.apply, name="apply"),
]
