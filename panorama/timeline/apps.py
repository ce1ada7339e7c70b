from django.apps import AppConfig


class TimelineConfig(AppConfig):
    """Interactions (e-mails, calls, meetings, notes, tasks, signals) and the timeline."""

    name = "panorama.timeline"
    label = "timeline"
    verbose_name = "Timeline"

    def ready(self) -> None:
        from panorama.timeline import receivers  # noqa: F401  (connects the receivers)
