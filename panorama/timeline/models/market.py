"""What the world says about a customer: market signals and enrichment updates."""

from __future__ import annotations

from django.contrib.contenttypes.fields import GenericRelation
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from panorama.core import clock


class Sentiment(models.TextChoices):
    POSITIVE = "positive", "Positive"
    NEUTRAL = "neutral", "Neutral"
    NEGATIVE = "negative", "Negative"


class MarketSignal(models.Model):
    """A piece of news about the customer (funding, layoffs, a launch…) with its sentiment."""

    account = models.ForeignKey(
        "customers.Account", on_delete=models.CASCADE, related_name="market_signals"
    )
    title = models.CharField(max_length=300)
    summary = models.TextField(blank=True)
    sentiment = models.CharField(max_length=8, choices=Sentiment.choices)
    source_url = models.URLField("source URL", max_length=500, blank=True)
    occurred_at = models.DateTimeField()
    created_at = models.DateTimeField(default=clock.now, editable=False)
    # Deleting the record deletes its timeline entries (and their links).
    timeline_entries = GenericRelation(
        "timeline.Entry", content_type_field="subject_type", object_id_field="subject_id"
    )

    def __str__(self) -> str:
        return self.title


class EnrichmentUpdate(models.Model):
    """Fields an integration changed on an account or contact, e.g. a contact's new title."""

    account = models.ForeignKey(
        "customers.Account", on_delete=models.CASCADE, related_name="enrichment_updates"
    )
    contact = models.ForeignKey(
        "customers.Contact",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="enrichment_updates",
    )
    source = models.CharField(max_length=40, help_text="The integration, e.g. clearbit.")
    changes = models.JSONField(
        encoder=DjangoJSONEncoder, help_text='{"field": {"old": …, "new": …}, …}'
    )
    occurred_at = models.DateTimeField()
    created_at = models.DateTimeField(default=clock.now, editable=False)
    # Deleting the record deletes its timeline entries (and their links).
    timeline_entries = GenericRelation(
        "timeline.Entry", content_type_field="subject_type", object_id_field="subject_id"
    )

    def __str__(self) -> str:
        return f"{self.source} update, {self.occurred_at:%Y-%m-%d}"
