from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The deterministic demo-data generator (``panorama demo``)."""

    name = "panorama.demo"
    label = "demo"
