"""Product usage: write keys, raw events as received, identity links and daily rollups.

Raw events and rollups are written by ``storage.SqlEventStore`` with plain SQL (the ingestion
hot path); these models define the tables, their constraints and the admin's view of them.
The 360 page and the lists never scan ``Event``: they read the rollups.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from panorama.core import clock
from panorama.core.hashed_keys import HashedKey
from panorama.customers.models import Account, Contact

WRITE_KEY_PREFIX = "pk_"


class WriteKey(HashedKey):
    """A secret an integration sends with events (Segment's "write key"); see ``HashedKey``."""

    PLAIN_PREFIX = WRITE_KEY_PREFIX

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]


class Event(models.Model):
    """One message exactly as received (any type), stored once per ``message_id``.

    ``timestamp`` is the event time after clock-skew correction. ``contact`` and ``account``
    are what identity resolution attached it to; either may be empty (an anonymous visitor,
    a user in no account yet) and be filled in later when the visitor is identified.
    """

    message_id = models.CharField(max_length=100, unique=True)
    type = models.CharField(max_length=10)
    name = models.CharField(max_length=200, blank=True)
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    # NULL, not "", when the sender gave no such id: SDKs send null, and we keep what they sent.
    user_id = models.CharField(max_length=255, null=True, blank=True)  # noqa: DJ001
    anonymous_id = models.CharField(max_length=255, null=True, blank=True)  # noqa: DJ001
    timestamp = models.DateTimeField()
    received_at = models.DateTimeField()
    properties = models.JSONField(default=dict, blank=True)
    context = models.JSONField(default=dict, blank=True)

    class Meta:
        # Every index is paid for on each insert, so only what reads need: an account's events
        # newest first (the live view), a contact's (identity merges: new entries land at the
        # end of the contact's run, not on a random page as a time-ordered key would put late
        # events), and events of an anonymous visitor not yet known to be a contact (only
        # those are ever looked up by that id). Sessions and last activity come from the
        # rollups, never from reading events back.
        indexes = [
            models.Index(fields=["account", "timestamp"], name="event_account_time_idx"),
            models.Index(fields=["contact"], name="event_contact_idx"),
            models.Index(
                fields=["anonymous_id"],
                name="event_unlinked_anonymous_idx",
                condition=models.Q(contact__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.name} at {self.timestamp:%Y-%m-%d %H:%M}"


class AnonymousId(models.Model):
    """An ``anonymousId`` known to be a contact (from an identify with both ids, or alias)."""

    anonymous_id = models.CharField(max_length=255, unique=True)
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="anonymous_ids")
    linked_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return f"{self.anonymous_id} → {self.contact}"


class AccountDay(models.Model):
    """An account's product activity on one day (organisation time zone).

    ``events`` counts track, page and screen messages; ``pageviews`` page and screen ones;
    ``sessions`` the sessions that started that day; ``active_users`` the distinct contacts
    with at least one event that day; ``last_event_at`` the latest of those events.
    """

    # No index of its own: the unique (account, day) serves look-ups by account.
    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="usage_days", db_index=False
    )
    day = models.DateField()
    events = models.PositiveIntegerField(default=0)
    pageviews = models.PositiveIntegerField(default=0)
    # Not "positive": a late event that joins two sessions is written as a -1 delta, and the
    # database checks the proposed insert values before ON CONFLICT adds them up.
    sessions = models.IntegerField(default=0)
    active_users = models.PositiveIntegerField(default=0)
    last_event_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "day"], name="account_day_unique")
        ]

    def __str__(self) -> str:
        return f"{self.account_id} on {self.day}"


class ContactDay(models.Model):
    """A contact's activity in one account on one day (a contact in two accounts has two).

    ``clusters`` holds the day's runs of events with gaps under 30 minutes, as ``[first,
    last]`` epoch microseconds: what sessions are counted from (``usage.sessions``).
    """

    # No indexes of their own: (account, day, contact) and (contact, day) serve both, and
    # each index is one more random page written per row on the ingestion path.
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+", db_index=False)
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="usage_days", db_index=False
    )
    day = models.DateField()
    events = models.PositiveIntegerField(default=0)
    pageviews = models.PositiveIntegerField(default=0)
    # Not "positive": a late event that joins two sessions is written as a -1 delta, and the
    # database checks the proposed insert values before ON CONFLICT adds them up.
    sessions = models.IntegerField(default=0)
    clusters = models.JSONField(default=list, blank=True)
    last_event_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "day", "contact"], name="contact_day_unique")
        ]
        indexes = [models.Index(fields=["contact", "day"], name="contact_day_contact_idx")]

    def __str__(self) -> str:
        return f"{self.contact_id} in {self.account_id} on {self.day}"


class EventDay(models.Model):
    """How many times an account's users sent one event name on one day (event trends)."""

    # No index of its own: the unique (account, day, name) serves look-ups by account.
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField()
    name = models.CharField(max_length=200)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "day", "name"], name="event_day_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name} × {self.count} in {self.account_id} on {self.day}"
