from django.apps import AppConfig


class RevenueConfig(AppConfig):
    """Deals (pipelines, stages, stage history), quotes, orders, contracts and invoices."""

    name = "panorama.revenue"
    label = "revenue"
    verbose_name = "Revenue"
