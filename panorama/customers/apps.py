from django.apps import AppConfig


class CustomersConfig(AppConfig):
    """Accounts, contacts, memberships, stages, tags, custom fields and their history."""

    name = "panorama.customers"
    label = "customers"
    verbose_name = "Customers"

    def ready(self) -> None:
        from panorama.customers import receivers  # noqa: F401  (connects the signal receivers)
