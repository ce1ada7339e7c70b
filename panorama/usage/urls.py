"""Write-key settings, mounted under ``settings/write-keys/``."""

from django.urls import path

from panorama.usage import views

app_name = "usage"

urlpatterns = [
    path("", views.write_keys, name="write_keys"),
    path("<int:pk>/revoke/", views.write_key_revoke, name="write_key_revoke"),
]
