"""Calls, meetings, notes and tasks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from panorama.core import clock
from panorama.core.models import User
from panorama.customers.models import Account, Contact
from panorama.revenue.models import Deal
from panorama.timeline import describe, rules
from panorama.timeline.models import Call, Meeting, Note, Task, TaskStatus
from panorama.timeline.services.common import (
    acting_user,
    apply_changes,
    audited_update,
    log_created,
    post_record_entry,
    rewrite_record_entry,
)


def record_call_logged(
    *,
    account: Account,
    direction: str,
    started_at: dt.datetime,
    disposition: str,
    duration_seconds: int = 0,
    contacts: Iterable[Contact] = (),
    notes: str = "",
    recording_url: str = "",
    logged_by: User | None = None,
) -> Call:
    """Log a call (connected, voicemail or no answer) with its summary notes.

    ``logged_by`` defaults to the person acting; the entry is theirs.
    """
    rules.check_aware(started_at=started_at)
    people = rules.check_members(account, contacts)
    call = Call(
        account=account,
        direction=direction,
        started_at=started_at,
        duration_seconds=duration_seconds,
        disposition=disposition,
        notes=notes,
        recording_url=recording_url,
        logged_by=logged_by or acting_user(),
    )
    _check_call(call)
    with transaction.atomic():
        call.save()
        log_created(call)
        call.contacts.set(people)
        post_record_entry(call, account, describe.call_entry(call, people))
    return call


CALL_EDITABLE = frozenset(
    {"direction", "started_at", "duration_seconds", "disposition", "notes", "recording_url",
     "logged_by", "contacts"}
)  # fmt: skip


def update_call(*, call: Call, **changes: Any) -> Call:
    """Change a call's fields (``CALL_EDITABLE``) and re-sync its entry."""
    rules.refuse_unknown(changes, CALL_EDITABLE)
    rules.check_aware(started_at=changes.get("started_at"))
    people = (
        rules.check_members(call.account, changes["contacts"]) if "contacts" in changes else None
    )
    with transaction.atomic(), audited_update(call, changes):
        apply_changes(call, changes, CALL_EDITABLE)
        _check_call(call)
        call.save()
        if people is not None:
            call.contacts.set(people)
        rewrite_record_entry(call, describe.call_entry(call, list(call.contacts.all())))
    return call


def _check_call(call: Call) -> None:
    seconds = call.duration_seconds
    if isinstance(seconds, bool) or not isinstance(seconds, int) or seconds < 0:
        raise ValidationError({"duration_seconds": "A duration is a number of seconds ≥ 0."})
    rules.check_record(call, urls=("recording_url",))


# --- meetings ------------------------------------------------------------------------------


def record_meeting(
    *,
    account: Account,
    title: str,
    meeting_type: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    external_attendees: Iterable[Contact] = (),
    internal_attendees: Iterable[User] = (),
    agenda: str = "",
    notes: str = "",
    outcome: str = "",
    deal: Deal | None = None,
) -> Meeting:
    """Record a meeting, past or upcoming; its entry sits at its start time.

    ``external_attendees`` are the customer's contacts (members of ``account``),
    ``internal_attendees`` our team. Agenda, notes and outcome are the entry's searchable body.
    ``deal`` is the opportunity it was about (one of ``account``'s deals).
    """
    rules.check_aware(starts_at=starts_at, ends_at=ends_at)
    people = rules.check_members(account, external_attendees, field="external_attendees")
    team = list({u.pk: u for u in internal_attendees}.values())
    meeting = Meeting(
        account=account,
        title=title,
        meeting_type=meeting_type,
        starts_at=starts_at,
        ends_at=ends_at,
        agenda=agenda,
        notes=notes,
        outcome=outcome,
        deal=deal,
    )
    _check_meeting(meeting)
    with transaction.atomic():
        meeting.save()
        log_created(meeting)
        meeting.external_attendees.set(people)
        meeting.internal_attendees.set(team)
        post_record_entry(meeting, account, describe.meeting_entry(meeting, people, team))
    return meeting


MEETING_EDITABLE = frozenset(
    {"title", "meeting_type", "starts_at", "ends_at", "external_attendees",
     "internal_attendees", "agenda", "notes", "outcome", "deal"}
)  # fmt: skip


def update_meeting(*, meeting: Meeting, **changes: Any) -> Meeting:
    """Change a meeting's fields (``MEETING_EDITABLE``) and re-sync its entry."""
    rules.refuse_unknown(changes, MEETING_EDITABLE)
    rules.check_aware(starts_at=changes.get("starts_at"), ends_at=changes.get("ends_at"))
    people = None
    if "external_attendees" in changes:
        people = rules.check_members(
            meeting.account, changes["external_attendees"], field="external_attendees"
        )
    with transaction.atomic(), audited_update(meeting, changes):
        apply_changes(meeting, changes, MEETING_EDITABLE)
        _check_meeting(meeting)
        meeting.save()
        if people is not None:
            meeting.external_attendees.set(people)
        if "internal_attendees" in changes:
            meeting.internal_attendees.set(list(changes["internal_attendees"]))
        content = describe.meeting_entry(
            meeting, list(meeting.external_attendees.all()), list(meeting.internal_attendees.all())
        )
        rewrite_record_entry(meeting, content)
    return meeting


def _check_meeting(meeting: Meeting) -> None:
    if meeting.ends_at <= meeting.starts_at:
        raise ValidationError({"ends_at": "A meeting ends after it starts."})
    if meeting.deal is not None and meeting.deal.account_id != meeting.account_id:
        raise ValidationError({"deal": "That deal belongs to another account."})
    rules.check_record(meeting)


# --- notes ---------------------------------------------------------------------------------


def record_note_added(
    *,
    account: Account,
    body: str,
    contact: Contact | None = None,
    author: User | None = None,
    created_at: dt.datetime | None = None,
) -> Note:
    """Add an internal note about ``account`` (and maybe one of its contacts).

    ``author`` defaults to the person acting, ``created_at`` to now (an import gives the
    note's own time). The note's first line is the entry's title.
    """
    rules.check_aware(created_at=created_at)
    if contact is not None:
        rules.check_members(account, [contact], field="contact")
    note = Note(
        account=account,
        contact=contact,
        author=author or acting_user(),
        body=body,
        created_at=created_at or clock.now(),
    )
    if not (body or "").strip():
        raise ValidationError({"body": "A note needs some text."})
    rules.check_record(note)
    with transaction.atomic():
        note.save()
        log_created(note)
        post_record_entry(note, account, describe.note_entry(note))
    return note


NOTE_EDITABLE = frozenset({"body", "contact"})


def update_note(*, note: Note, **changes: Any) -> Note:
    """Change a note's text or contact and re-sync its entry."""
    rules.refuse_unknown(changes, NOTE_EDITABLE)
    if changes.get("contact") is not None:
        rules.check_members(note.account, [changes["contact"]], field="contact")
    if "body" in changes and not (changes["body"] or "").strip():
        raise ValidationError({"body": "A note needs some text."})
    with transaction.atomic(), audited_update(note, changes):
        apply_changes(note, changes, NOTE_EDITABLE)
        rules.check_record(note)
        note.save()
        rewrite_record_entry(note, describe.note_entry(note))
    return note


# --- tasks ---------------------------------------------------------------------------------


def record_task_created(
    *,
    account: Account,
    title: str,
    description: str = "",
    due_on: dt.date | None = None,
    assignee: User | None = None,
    contact: Contact | None = None,
    status: str = TaskStatus.OPEN,
    completed_at: dt.datetime | None = None,
    created_at: dt.datetime | None = None,
) -> Task:
    """Create a task for ``account``: a ``task_created`` entry (at ``created_at``, default
    now), and a ``task_completed`` one too when it is created already completed
    (``completed_at`` defaults to now)."""
    rules.check_aware(created_at=created_at)
    if contact is not None:
        rules.check_members(account, [contact], field="contact")
    task = Task(
        account=account,
        title=title,
        description=description,
        due_on=due_on,
        assignee=assignee,
        contact=contact,
        status=status,
        completed_at=completed_at,
        created_at=created_at or clock.now(),
    )
    _check_task(task)
    with transaction.atomic():
        task.save()
        log_created(task)
        post_record_entry(task, account, describe.task_created_entry(task))
        if task.status == TaskStatus.COMPLETED:
            post_record_entry(task, account, describe.task_completed_entry(task))
    return task


def complete_task(
    *, task: Task, completed_at: dt.datetime | None = None, completed_by: User | None = None
) -> Task:
    """Mark ``task`` completed (at ``completed_at``, default now) and post ``task_completed``.

    ``completed_by`` (default: the person acting) is the entry's team member. Completing a
    completed task again moves its completion time.
    """
    return update_task(
        task=task,
        status=TaskStatus.COMPLETED,
        completed_at=completed_at or clock.now(),
        completed_by=completed_by,
    )


TASK_EDITABLE = frozenset(
    {"title", "description", "due_on", "assignee", "contact", "status", "completed_at"}
)


def update_task(*, task: Task, completed_by: User | None = None, **changes: Any) -> Task:
    """Change a task's fields (``TASK_EDITABLE``) and re-sync its entries: completing it posts
    ``task_completed``, reopening or cancelling it removes that entry."""
    rules.refuse_unknown(changes, TASK_EDITABLE)
    if changes.get("contact") is not None:
        rules.check_members(task.account, [changes["contact"]], field="contact")
    if changes.get("status", task.status) != TaskStatus.COMPLETED and "completed_at" not in changes:
        changes["completed_at"] = None  # reopened or cancelled: no longer completed
    was_completed = task.status == TaskStatus.COMPLETED
    with transaction.atomic(), audited_update(task, changes):
        apply_changes(task, changes, TASK_EDITABLE)
        _check_task(task)
        task.save()
        rewrite_record_entry(task, describe.task_created_entry(task))
        if task.status == TaskStatus.COMPLETED:
            # Who completed it: said, or the person acting now; an edit keeps the completer.
            completer = completed_by or (None if was_completed else acting_user())
            rewrite_record_entry(task, describe.task_completed_entry(task, completer))
        else:
            task.timeline_entries.filter(kind="task_completed").delete()
    return task


def _check_task(task: Task) -> None:
    rules.check_aware(completed_at=task.completed_at)
    if task.status == TaskStatus.COMPLETED and task.completed_at is None:
        task.completed_at = clock.now()
    if task.status != TaskStatus.COMPLETED and task.completed_at is not None:
        raise ValidationError({"completed_at": "Only a completed task has a completion time."})
    if task.due_on is not None and not isinstance(task.due_on, dt.date):
        raise ValidationError({"due_on": "Must be a date."})
    rules.check_record(task)
