"""Writes of interactions: one keyword-only function per record event (Saleor's ``events.py``).

Each ``record_*`` function checks the record's rules (``rules.py``; a ``ValidationError``
names the field), saves the record and posts its timeline entry in one transaction, so a
record never exists without its entry. ``update_*`` functions change named fields (an unknown
or read-only name is refused, nothing changed) and write the record's new state over its entry
(title, body, time, people). ``delete_record`` removes a record and, through the models'
``GenericRelation``, its entries.

Rules common to every kind:

- times are aware datetimes; a record is filed under one ``account`` (visibility follows it);
- the contacts of a call, meeting, note, task or enrichment must be members of that account;
  an e-mail's contacts are its known participants, whatever their accounts (the importer
  matched them by address: an e-mail is evidence they took part);
- durations are ≥ 0, a meeting ends after it starts, a completed task has a completion time
  (``completed_at`` defaults to now) and only a completed task has one.
"""

from __future__ import annotations

from django.db import transaction

from panorama.timeline.models import (
    Call,
    Email,
    EnrichmentUpdate,
    MarketSignal,
    Meeting,
    Note,
    Task,
)
from panorama.timeline.services.activities import (
    CALL_EDITABLE,
    MEETING_EDITABLE,
    NOTE_EDITABLE,
    TASK_EDITABLE,
    complete_task,
    record_call_logged,
    record_meeting,
    record_note_added,
    record_task_created,
    update_call,
    update_meeting,
    update_note,
    update_task,
)
from panorama.timeline.services.common import log_deleted
from panorama.timeline.services.emails import (
    EMAIL_EDITABLE,
    normalise_subject,
    record_email,
    refresh_thread,
    update_email,
)
from panorama.timeline.services.market import (
    SIGNAL_EDITABLE,
    record_enrichment_update,
    record_market_signal,
    update_market_signal,
)
from panorama.timeline.services.memberships import post_contact_added, record_contact_added

__all__ = [
    "CALL_EDITABLE",
    "EMAIL_EDITABLE",
    "MEETING_EDITABLE",
    "NOTE_EDITABLE",
    "SIGNAL_EDITABLE",
    "TASK_EDITABLE",
    "complete_task",
    "delete_record",
    "normalise_subject",
    "post_contact_added",
    "record_call_logged",
    "record_contact_added",
    "record_email",
    "record_enrichment_update",
    "record_market_signal",
    "record_meeting",
    "record_note_added",
    "record_task_created",
    "update_call",
    "update_email",
    "update_market_signal",
    "update_meeting",
    "update_note",
    "update_task",
]


def delete_record(
    *, record: Email | Call | Meeting | Note | Task | MarketSignal | EnrichmentUpdate
) -> None:
    """Delete an interaction record with its timeline entries; an e-mail's thread is recounted
    (and deleted with its last message)."""
    with transaction.atomic():
        thread = record.thread if isinstance(record, Email) else None
        log_deleted(record)
        record.delete()  # the GenericRelation deletes the entries and their links
        if thread is not None:
            refresh_thread(thread)
