"""Interactions with a customer: e-mails (in threads), calls, meetings, notes and tasks.

Each record belongs to one account (the customer it is filed under; visibility follows it) and
names the contacts involved. Records are written only through ``panorama.timeline.services``,
which also writes their timeline entry in the same transaction.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from panorama.core import clock


class Direction(models.TextChoices):
    INBOUND = "inbound", "Inbound"
    OUTBOUND = "outbound", "Outbound"


class EmailThread(models.Model):
    """A conversation: the messages that reply to one another (or share subject and people)."""

    account = models.ForeignKey(
        "customers.Account", on_delete=models.CASCADE, related_name="email_threads"
    )
    subject = models.CharField(max_length=500, blank=True)
    normalized_subject = models.CharField(
        max_length=500, blank=True, db_index=True, help_text="Subject without Re:/Fwd: prefixes."
    )
    first_message_at = models.DateTimeField(null=True, blank=True)
    last_message_at = models.DateTimeField(null=True, blank=True)
    message_count = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return self.subject or "(no subject)"


class Email(models.Model):
    """One e-mail message, with its new text (quoted replies and forwards stripped)."""

    account = models.ForeignKey(
        "customers.Account", on_delete=models.CASCADE, related_name="emails"
    )
    thread = models.ForeignKey(EmailThread, on_delete=models.CASCADE, related_name="messages")
    message_id = models.CharField(
        max_length=500, unique=True, help_text="The Message-ID header, without angle brackets."
    )
    in_reply_to = models.CharField(max_length=500, blank=True)
    references = models.TextField(blank=True, help_text="Message ids, one per line.")
    direction = models.CharField(max_length=8, choices=Direction.choices)
    from_address = models.EmailField(max_length=254)
    from_name = models.CharField(max_length=200, blank=True)
    to = models.JSONField(default=list, blank=True, help_text="Addresses.")
    cc = models.JSONField(default=list, blank=True, help_text="Addresses.")
    subject = models.CharField(max_length=500, blank=True)
    body = models.TextField(blank=True, help_text="The whole text body as received.")
    new_text = models.TextField(blank=True, help_text="The body without quotes and forwards.")
    sent_at = models.DateTimeField()
    attachments = models.JSONField(
        default=list,
        blank=True,
        encoder=DjangoJSONEncoder,
        help_text="Metadata only: [{filename, content_type, size}].",
    )
    contacts: models.ManyToManyField[Any, Any] = models.ManyToManyField(
        "customers.Contact", blank=True, related_name="emails", help_text="Participants we know."
    )
    created_at = models.DateTimeField(default=clock.now, editable=False)
    # Deleting the record deletes its timeline entries (and their links).
    timeline_entries = GenericRelation(
        "timeline.Entry", content_type_field="subject_type", object_id_field="subject_id"
    )

    class Meta:
        indexes = [models.Index(fields=["thread", "sent_at"], name="email_thread_order")]

    def __str__(self) -> str:
        return self.subject or "(no subject)"


class CallDisposition(models.TextChoices):
    CONNECTED = "connected", "Connected"
    VOICEMAIL = "voicemail", "Voicemail"
    NO_ANSWER = "no_answer", "No answer"


class Call(models.Model):
    """A phone or video call, with its outcome and notes."""

    account = models.ForeignKey("customers.Account", on_delete=models.CASCADE, related_name="calls")
    direction = models.CharField(max_length=8, choices=Direction.choices)
    started_at = models.DateTimeField()
    duration_seconds = models.PositiveIntegerField(default=0)
    disposition = models.CharField(max_length=10, choices=CallDisposition.choices)
    contacts: models.ManyToManyField[Any, Any] = models.ManyToManyField(
        "customers.Contact", blank=True, related_name="calls"
    )
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    notes = models.TextField("summary notes", blank=True)
    recording_url = models.URLField("recording URL", max_length=500, blank=True)
    created_at = models.DateTimeField(default=clock.now, editable=False)
    # Deleting the record deletes its timeline entries (and their links).
    timeline_entries = GenericRelation(
        "timeline.Entry", content_type_field="subject_type", object_id_field="subject_id"
    )

    def __str__(self) -> str:
        return f"{self.get_direction_display()} call, {self.started_at:%Y-%m-%d}"


class MeetingType(models.TextChoices):
    DISCOVERY = "discovery", "Discovery"
    DEMO = "demo", "Demo"
    NEGOTIATION = "negotiation", "Negotiation"
    REVIEW = "review", "Review"
    QBR = "qbr", "QBR"


class Meeting(models.Model):
    """A scheduled meeting (past or upcoming) with its attendees, agenda, notes and outcome."""

    account = models.ForeignKey(
        "customers.Account", on_delete=models.CASCADE, related_name="meetings"
    )
    title = models.CharField(max_length=300)
    meeting_type = models.CharField("type", max_length=12, choices=MeetingType.choices)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    internal_attendees: models.ManyToManyField[Any, Any] = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="meetings"
    )
    external_attendees: models.ManyToManyField[Any, Any] = models.ManyToManyField(
        "customers.Contact", blank=True, related_name="meetings"
    )
    agenda = models.TextField(blank=True)
    notes = models.TextField(blank=True)
    outcome = models.TextField(blank=True)
    deal = models.ForeignKey(
        "revenue.Deal",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="meetings",
        help_text="The deal this meeting was about, if any (same account).",
    )
    created_at = models.DateTimeField(default=clock.now, editable=False)
    # Deleting the record deletes its timeline entries (and their links).
    timeline_entries = GenericRelation(
        "timeline.Entry", content_type_field="subject_type", object_id_field="subject_id"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gte=models.F("starts_at")), name="meeting_ends_after"
            )
        ]

    def __str__(self) -> str:
        return self.title


class Note(models.Model):
    """An internal note a team member wrote about an account (and maybe one contact)."""

    account = models.ForeignKey("customers.Account", on_delete=models.CASCADE, related_name="notes")
    contact = models.ForeignKey(
        "customers.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="notes"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField()
    created_at = models.DateTimeField(default=clock.now, editable=False)
    # Deleting the record deletes its timeline entries (and their links).
    timeline_entries = GenericRelation(
        "timeline.Entry", content_type_field="subject_type", object_id_field="subject_id"
    )

    def __str__(self) -> str:
        return self.body[:60]


class TaskStatus(models.TextChoices):
    OPEN = "open", "Open"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


class Task(models.Model):
    """Something a team member has to do for a customer, by a due date."""

    account = models.ForeignKey("customers.Account", on_delete=models.CASCADE, related_name="tasks")
    contact = models.ForeignKey(
        "customers.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks"
    )
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    due_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tasks",
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now, editable=False)
    # Deleting the record deletes its timeline entries (and their links).
    timeline_entries = GenericRelation(
        "timeline.Entry", content_type_field="subject_type", object_id_field="subject_id"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="completed", completed_at__isnull=False)
                | ~models.Q(status="completed"),
                name="task_completed_has_time",
            )
        ]

    def __str__(self) -> str:
        return self.title
