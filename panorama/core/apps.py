from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Users and roles, account visibility, the acting user or source, the clock, the UI shell."""

    name = "panorama.core"
    label = "core"
    verbose_name = "Users and access"
