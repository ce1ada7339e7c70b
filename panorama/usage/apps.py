from django.apps import AppConfig


class UsageConfig(AppConfig):
    """Segment-compatible ingestion, raw events, daily rollups and usage metrics."""

    name = "panorama.usage"
    label = "usage"
    verbose_name = "Product usage"
