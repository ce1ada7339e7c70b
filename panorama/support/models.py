"""Support tickets and survey answers (NPS, CSAT).

Records are written through ``panorama.support.services``, which also writes their timeline
entries and audit rows in the same transaction; the rules below hold on every save.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from panorama.core import clock
from panorama.customers.models import Membership
from panorama.revenue.models.common import OnTimeline

CSAT_RANGE = (1, 5)
NPS_RANGE = (0, 10)


class TicketStatus(models.TextChoices):
    NEW = "new", "New"
    OPEN = "open", "Open"
    PENDING = "pending", "Pending"
    SOLVED = "solved", "Solved"
    CLOSED = "closed", "Closed"


# A ticket in one of these is resolved (has ``resolved_at``); in any other it is open.
RESOLVED_STATUSES = (TicketStatus.SOLVED, TicketStatus.CLOSED)
OPEN_STATUSES = (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.PENDING)


class TicketPriority(models.TextChoices):
    LOW = "low", "Low"
    NORMAL = "normal", "Normal"
    HIGH = "high", "High"
    URGENT = "urgent", "Urgent"


class TicketChannel(models.TextChoices):
    EMAIL = "email", "E-mail"
    CHAT = "chat", "Chat"
    PHONE = "phone", "Phone"
    WEB = "web", "Web"


def check_member(record: models.Model, contact_field: str = "contact") -> None:
    """Refuse a contact who is not a member of the record's account."""
    contact_id = getattr(record, f"{contact_field}_id")
    account_id = getattr(record, "account_id")  # noqa: B009  (every record here has one)
    if contact_id is None or account_id is None:
        return
    if not Membership.objects.filter(contact_id=contact_id, account_id=account_id).exists():
        raise ValidationError({contact_field: "This contact is not a member of the account."})


class Ticket(OnTimeline):
    """A support request from an account (maybe from one of its contacts).

    ``resolved_at`` is set exactly when the status is solved or closed; ``escalated_at``
    exactly when the ticket is escalated. ``csat`` is the 1-5 rating the customer gave it.
    """

    account = models.ForeignKey(
        "customers.Account", on_delete=models.CASCADE, related_name="tickets"
    )
    contact = models.ForeignKey(
        "customers.Contact",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
    )
    external_id = models.CharField(
        "external ID",
        max_length=255,
        unique=True,
        null=True,
        blank=True,
        help_text="The helpdesk's id (Zendesk, Intercom, Freshdesk…).",
    )
    subject = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=7, choices=TicketStatus.choices, default=TicketStatus.NEW)
    priority = models.CharField(
        max_length=6, choices=TicketPriority.choices, default=TicketPriority.NORMAL
    )
    channel = models.CharField(
        max_length=5, choices=TicketChannel.choices, default=TicketChannel.EMAIL
    )
    created_at = models.DateTimeField(default=clock.now)
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    escalated = models.BooleanField(default=False)
    escalated_at = models.DateTimeField(null=True, blank=True)
    csat = models.PositiveSmallIntegerField(
        "CSAT",
        null=True,
        blank=True,
        validators=[MinValueValidator(CSAT_RANGE[0]), MaxValueValidator(CSAT_RANGE[1])],
    )
    updated_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["account", "-created_at"], name="ticket_account_created"),
            models.Index(fields=["account", "status"], name="ticket_account_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(first_response_at__isnull=True)
                | Q(first_response_at__gte=F("created_at")),
                name="ticket_responds_after_creation",
            ),
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True) | Q(resolved_at__gte=F("created_at")),
                name="ticket_resolves_after_creation",
            ),
            models.CheckConstraint(
                condition=(Q(status__in=RESOLVED_STATUSES) & Q(resolved_at__isnull=False))
                | (~Q(status__in=RESOLVED_STATUSES) & Q(resolved_at__isnull=True)),
                name="ticket_resolved_iff_solved",
            ),
            models.CheckConstraint(
                condition=Q(escalated=True, escalated_at__isnull=False)
                | Q(escalated=False, escalated_at__isnull=True),
                name="ticket_escalated_iff_time",
            ),
            models.CheckConstraint(
                condition=Q(csat__isnull=True) | Q(csat__gte=1, csat__lte=5),
                name="ticket_csat_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return self.subject

    @property
    def is_open(self) -> bool:
        return self.status not in RESOLVED_STATUSES

    @property
    def resolution_time(self) -> Any:
        return None if self.resolved_at is None else self.resolved_at - self.created_at

    @property
    def first_response_time(self) -> Any:
        return None if self.first_response_at is None else self.first_response_at - self.created_at

    def normalise(self) -> None:
        self.subject = (self.subject or "").strip()

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.first_response_at and self.first_response_at < self.created_at:
            errors["first_response_at"] = "A ticket cannot be answered before it was created."
        if self.status in RESOLVED_STATUSES:
            if self.resolved_at is None:
                errors["resolved_at"] = "A solved or closed ticket has a resolution time."
            elif self.resolved_at < self.created_at:
                errors["resolved_at"] = "A ticket cannot be resolved before it was created."
        elif self.resolved_at is not None:
            errors["resolved_at"] = "Only a solved or closed ticket has a resolution time."
        if self.escalated and self.escalated_at is None:
            errors["escalated_at"] = "An escalated ticket has an escalation time."
        elif not self.escalated and self.escalated_at is not None:
            errors["escalated_at"] = "Only an escalated ticket has an escalation time."
        elif self.escalated_at is not None and self.escalated_at < self.created_at:
            errors["escalated_at"] = "A ticket cannot be escalated before it was created."
        if errors:
            raise ValidationError(errors)
        check_member(self)

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.updated_at = clock.now()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "updated_at"}
        super().save(*args, **kwargs)


class SurveyKind(models.TextChoices):
    NPS = "nps", "NPS"
    CSAT = "csat", "CSAT"


SCORE_RANGES = {SurveyKind.NPS: NPS_RANGE, SurveyKind.CSAT: CSAT_RANGE}


class SurveyResponse(OnTimeline):
    """A customer's answer to an NPS (0-10) or CSAT (1-5) survey, maybe about a ticket."""

    account = models.ForeignKey(
        "customers.Account", on_delete=models.CASCADE, related_name="survey_responses"
    )
    contact = models.ForeignKey(
        "customers.Contact",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="survey_responses",
    )
    ticket = models.ForeignKey(
        Ticket,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="survey_responses",
        help_text="The ticket a CSAT answer rates.",
    )
    external_id = models.CharField(
        "external ID", max_length=255, unique=True, null=True, blank=True
    )
    kind = models.CharField(max_length=4, choices=SurveyKind.choices)
    score = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True)
    responded_at = models.DateTimeField(default=clock.now)
    created_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        ordering = ["-responded_at", "-id"]
        indexes = [
            models.Index(fields=["account", "kind", "-responded_at"], name="survey_account_kind")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="nps", score__gte=0, score__lte=10)
                | Q(kind="csat", score__gte=1, score__lte=5),
                name="survey_score_in_range",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.score}"

    @property
    def nps_category(self) -> str | None:
        """promoter (9-10), passive (7-8) or detractor (0-6) for an NPS answer."""
        if self.kind != SurveyKind.NPS:
            return None
        return "promoter" if self.score >= 9 else "passive" if self.score >= 7 else "detractor"

    def clean(self) -> None:
        low, high = SCORE_RANGES.get(SurveyKind(self.kind), (0, 0))
        if not low <= self.score <= high:
            raise ValidationError(
                {"score": f"A {self.get_kind_display()} score is from {low} to {high}."}
            )
        if self.ticket_id is not None:
            if self.kind != SurveyKind.CSAT:
                raise ValidationError({"ticket": "Only a CSAT answer rates a ticket."})
            if self.ticket is not None and self.ticket.account_id != self.account_id:
                raise ValidationError({"ticket": "The ticket belongs to another account."})
        check_member(self)
