from django.apps import AppConfig


class SupportConfig(AppConfig):
    """Support tickets and survey answers (NPS, CSAT)."""

    name = "panorama.support"
    label = "support"
    verbose_name = "Support"
