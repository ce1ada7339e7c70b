from django.apps import AppConfig


class TimelineConfig(AppConfig):
    """Interactions (e-mails, calls, meetings, notes, tasks, signals) and the timeline."""

    name = "panorama.timeline"
    label = "timeline"
    verbose_name = "Timeline"
