"""Timeline entries: one row per interaction or record event, linked to accounts and contacts.

The record itself (an e-mail, a call, a deal…) lives in its own table and app; its entry holds
what the timeline shows and searches (title, body), when it happened, who on the team did it,
and a reference back to the record. Links to accounts and contacts are separate rows carrying a
copy of ``occurred_at`` and ``kind`` so that "this account's timeline, newest first, of these
types" is one index range scan, whatever the size of the whole table.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from panorama.core import clock
from panorama.timeline.registry import KIND_CHOICES, entry_type


class Entry(models.Model):
    """One line of a customer's timeline (seed 003's event types, see ``registry``)."""

    kind = models.CharField(max_length=32, choices=KIND_CHOICES)
    occurred_at = models.DateTimeField(db_index=True)
    title = models.CharField(max_length=300)
    body = models.TextField(
        blank=True, help_text="The searchable text: an e-mail's new text, notes, a description."
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="timeline_entries",
        help_text="The team member who did it, if one did.",
    )
    source = models.CharField(
        max_length=40, blank=True, help_text="Where it came from: ui, api, import, an integration."
    )
    details = models.JSONField(
        default=dict,
        blank=True,
        encoder=DjangoJSONEncoder,
        help_text="Small facts the entry displays, e.g. the stages of a stage change.",
    )
    subject_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    subject_id = models.PositiveBigIntegerField(null=True, blank=True)
    subject = GenericForeignKey("subject_type", "subject_id")
    accounts: models.ManyToManyField[Any, Any] = models.ManyToManyField(
        "customers.Account", through="EntryAccount", related_name="timeline_entries"
    )
    contacts: models.ManyToManyField[Any, Any] = models.ManyToManyField(
        "customers.Contact", through="EntryContact", related_name="timeline_entries"
    )
    created_at = models.DateTimeField(default=clock.now, editable=False)

    # Not stored: what the timeline queries attach to the entries of a page they return.
    people: list[Any]  # the contacts on it, each with ``linkable``
    on_accounts: list[Any]  # the sub-accounts it comes from, on a parent's timeline
    link: str | None  # a safe http(s) link to the record elsewhere (a recording, an article)

    class Meta:
        verbose_name_plural = "entries"
        indexes = [
            models.Index(fields=["subject_type", "subject_id"], name="entry_subject"),
            # The timeline's team-member filter: one person's entries, newest first.
            models.Index(fields=["actor", "-occurred_at", "-id"], name="entry_actor_timeline"),
        ]

    def __str__(self) -> str:
        return f"{self.type.label}: {self.title}"

    @property
    def type(self) -> Any:
        """The registry's ``EntryType`` (label, icon, group) of this entry."""
        return entry_type(self.kind)


class EntryAccount(models.Model):
    """An entry on an account's timeline (copies ``occurred_at`` and ``kind`` for the index)."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="account_links")
    account = models.ForeignKey(
        "customers.Account", on_delete=models.CASCADE, related_name="timeline_links"
    )
    occurred_at = models.DateTimeField()
    kind = models.CharField(max_length=32, choices=KIND_CHOICES)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "entry"], name="entry_account_unique")
        ]
        indexes = [
            models.Index(fields=["account", "-occurred_at", "-entry"], name="account_timeline"),
            models.Index(
                fields=["account", "kind", "-occurred_at", "-entry"], name="account_timeline_kind"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entry_id} on account {self.account_id}"


class EntryContact(models.Model):
    """An entry on a contact's timeline (copies ``occurred_at`` and ``kind`` for the index)."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="contact_links")
    contact = models.ForeignKey(
        "customers.Contact", on_delete=models.CASCADE, related_name="timeline_links"
    )
    occurred_at = models.DateTimeField()
    kind = models.CharField(max_length=32, choices=KIND_CHOICES)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contact", "entry"], name="entry_contact_unique")
        ]
        indexes = [
            models.Index(fields=["contact", "-occurred_at", "-entry"], name="contact_timeline"),
        ]

    def __str__(self) -> str:
        return f"{self.entry_id} on contact {self.contact_id}"
