"""``/v1/…``: the Segment-compatible tracking endpoints."""

from django.urls import path

from panorama.usage.tracking import tracking_endpoint

urlpatterns = [path("<str:kind>", tracking_endpoint, name="tracking")]
