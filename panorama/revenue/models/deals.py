"""Deals (opportunities) with their stage history, and the quotes and orders around them.

Records are written through ``panorama.revenue.services``, which also writes their timeline
entries and audit rows in the same transaction; the rules below hold on every save.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from panorama.core import clock
from panorama.revenue.models.common import MONEY, OnTimeline, currency_field
from panorama.revenue.models.pipelines import Pipeline, PipelineStage

MAX_PRODUCTS = 50
PRODUCT_LENGTH = 100


class DealStatus(models.TextChoices):
    OPEN = "open", "Open"
    WON = "won", "Won"
    LOST = "lost", "Lost"


def clean_products(value: Any) -> list[str]:
    """A deal's products or SKUs: a list of distinct non-empty names, in the given order."""
    if not isinstance(value, list | tuple):
        raise ValidationError({"products": "A list of product names or SKUs."})
    names: list[str] = []
    for item in value:
        if not isinstance(item, str) or not item.strip():
            raise ValidationError({"products": "Each product is a non-empty text."})
        name = item.strip()
        if len(name) > PRODUCT_LENGTH:
            raise ValidationError(
                {"products": f"{name[:30]!r}… is longer than {PRODUCT_LENGTH} characters."}
            )
        if name not in names:
            names.append(name)
    if len(names) > MAX_PRODUCTS:
        raise ValidationError({"products": f"At most {MAX_PRODUCTS} products."})
    return names


class Deal(OnTimeline):
    """An opportunity with an account: its value, where it stands in a pipeline, who owns it.

    ``status`` is derived from the stage on every save (a won or lost stage closes the deal);
    ``stage_entered_at`` is when it entered its current stage, so days in stage need no join;
    ``close_date`` is the expected close date while open and the day it closed once closed.
    """

    account = models.ForeignKey("customers.Account", on_delete=models.CASCADE, related_name="deals")
    name = models.CharField(max_length=200)
    pipeline = models.ForeignKey(Pipeline, on_delete=models.PROTECT, related_name="deals")
    stage = models.ForeignKey(PipelineStage, on_delete=models.PROTECT, related_name="deals")
    status = models.CharField(
        max_length=4, choices=DealStatus.choices, default=DealStatus.OPEN, editable=False
    )
    value = models.DecimalField(**MONEY, default=Decimal(0), validators=[MinValueValidator(0)])
    currency = currency_field()
    close_date = models.DateField(null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deals",
    )
    next_step = models.CharField(max_length=500, blank=True)
    products = models.JSONField(default=list, blank=True, help_text="Product names or SKUs.")
    lost_reason = models.CharField(max_length=500, blank=True)
    contacts: models.ManyToManyField[Any, Any] = models.ManyToManyField(
        "customers.Contact", blank=True, related_name="deals"
    )
    external_id = models.CharField(
        "external ID", max_length=255, unique=True, null=True, blank=True
    )
    created_at = models.DateTimeField(default=clock.now)
    stage_entered_at = models.DateTimeField(default=clock.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["account", "status"], name="deal_account_status")]
        constraints = [
            models.CheckConstraint(condition=Q(value__gte=0), name="deal_value_not_negative"),
            models.CheckConstraint(
                condition=~Q(status="lost") | ~Q(lost_reason=""), name="deal_lost_has_reason"
            ),
            models.CheckConstraint(
                condition=(Q(status="open") & Q(closed_at__isnull=True))
                | (~Q(status="open") & Q(closed_at__isnull=False)),
                name="deal_closed_iff_won_or_lost",
            ),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True) | Q(closed_at__gte=F("created_at")),
                name="deal_closes_after_creation",
            ),
            models.CheckConstraint(
                condition=Q(stage_entered_at__gte=F("created_at")),
                name="deal_stage_entered_after_creation",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.status == DealStatus.OPEN

    @property
    def probability(self) -> int:
        return self.stage.probability

    @property
    def weighted_value(self) -> Decimal:
        """Value times the stage's probability."""
        return (self.value * self.stage.probability / 100).quantize(Decimal("0.01"))

    def normalise(self) -> None:
        self.currency = (self.currency or "").strip().upper()
        self.name = (self.name or "").strip()
        self.next_step = (self.next_step or "").strip()
        self.lost_reason = (self.lost_reason or "").strip()

    def clean(self) -> None:
        errors: dict[str, str] = {}
        try:
            self.products = clean_products(self.products)
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
        if self.stage_id is not None:
            stage = self.stage
            if self.pipeline_id is None:
                self.pipeline_id = stage.pipeline_id
            if stage.pipeline_id != self.pipeline_id:
                errors["stage"] = f"{stage.name!r} is not a stage of this deal's pipeline."
            self.status = stage.status
        if self.status == DealStatus.LOST:
            if not self.lost_reason:
                errors["lost_reason"] = "A lost deal needs a reason."
        elif self.lost_reason:
            errors["lost_reason"] = "Only a lost deal has a lost reason."
        if self.status == DealStatus.OPEN:
            if self.closed_at is not None:
                errors["closed_at"] = "Only a won or lost deal has a closing time."
        elif self.closed_at is None:
            errors["closed_at"] = "A won or lost deal has a closing time."
        elif self.created_at and self.closed_at < self.created_at:
            errors["closed_at"] = "A deal cannot close before it was created."
        if self.created_at and self.stage_entered_at and self.stage_entered_at < self.created_at:
            errors["stage_entered_at"] = "A deal cannot enter a stage before it was created."
        if errors:
            raise ValidationError(errors)

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.updated_at = clock.now()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "updated_at", "status"}
        super().save(*args, **kwargs)


class DealStageChange(models.Model):
    """A deal entering a stage. The first row of a deal (``from_stage`` empty) is its creation.

    ``days_in_from_stage`` is how many calendar days (organisation time zone) the deal spent in
    the stage it left, kept so a stage's average duration is one ``AVG`` over its rows.
    """

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.ForeignKey(
        PipelineStage, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_stage = models.ForeignKey(PipelineStage, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(default=clock.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    days_in_from_stage = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["deal", "changed_at", "id"]
        indexes = [
            models.Index(fields=["deal", "changed_at"], name="deal_stage_change_order"),
            models.Index(fields=["from_stage", "days_in_from_stage"], name="deal_stage_durations"),
        ]

    def __str__(self) -> str:
        return f"{self.deal_id}: {self.from_stage_id} → {self.to_stage_id}"


def calendar_days(start: Any, end: Any) -> int:
    """Calendar days between two aware datetimes, in the organisation's time zone."""
    return (timezone.localdate(end) - timezone.localdate(start)).days


class Quote(OnTimeline):
    """A priced offer sent to the customer for a deal."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="quotes")
    number = models.CharField(max_length=64, unique=True)
    amount = models.DecimalField(**MONEY, validators=[MinValueValidator(0)])
    currency = currency_field()
    sent_at = models.DateTimeField(default=clock.now)
    valid_until = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="quote_amount_not_negative")
        ]

    def __str__(self) -> str:
        return f"Quote {self.number}"

    def normalise(self) -> None:
        self.currency = (self.currency or "").strip().upper()
        self.number = (self.number or "").strip()

    def clean(self) -> None:
        sent_on = timezone.localdate(self.sent_at) if self.sent_at else None
        if self.valid_until and sent_on and self.valid_until < sent_on:
            raise ValidationError({"valid_until": "A quote cannot expire before it was sent."})


class Order(OnTimeline):
    """An order the customer placed, for a deal or directly."""

    account = models.ForeignKey(
        "customers.Account", on_delete=models.CASCADE, related_name="orders"
    )
    deal = models.ForeignKey(
        Deal, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders"
    )
    number = models.CharField(max_length=64, unique=True)
    amount = models.DecimalField(**MONEY, validators=[MinValueValidator(0)])
    currency = currency_field()
    placed_at = models.DateTimeField(default=clock.now)
    created_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        ordering = ["-placed_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="order_amount_not_negative")
        ]

    def __str__(self) -> str:
        return f"Order {self.number}"

    def normalise(self) -> None:
        self.currency = (self.currency or "").strip().upper()
        self.number = (self.number or "").strip()

    def clean(self) -> None:
        if self.deal is not None and self.deal.account_id != self.account_id:
            raise ValidationError({"deal": "The deal belongs to another account."})
