"""What each record's timeline entry says: its type, time, title, searchable body and facts.

One function per record kind turns the record (as saved, with its people) into an
``EntryContent``; the services post it when the record is created and write it over the entry
when the record changes, so an entry never drifts from its record.

``details["facts"]`` is a list of ``[label, value]`` texts the expanded entry shows; other
keys of ``details`` are machine values (ids, durations) for the API.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from panorama.customers.models import Account, Contact, Membership
from panorama.timeline.models import (
    Call,
    CallDisposition,
    Direction,
    Email,
    EnrichmentUpdate,
    MarketSignal,
    Meeting,
    Note,
    Task,
)

NOTE_TITLE_LENGTH = 80


@dataclass
class EntryContent:
    """The parts of a timeline entry that follow from its record."""

    kind: str
    occurred_at: dt.datetime
    title: str
    body: str = ""
    contacts: Sequence[Contact] = ()
    details: dict[str, Any] = field(default_factory=dict)
    actor: Any = None  # a User, or None for "whoever is acting" (see post_entry)


def _names(people: Sequence[Any]) -> str:
    return ", ".join(str(p) for p in people)


def _duration(seconds: int) -> str:
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min" + (f" {seconds:02d} s" if seconds else "")
    return f"{seconds} s"


def _local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def email_entry(email: Email, contacts: Sequence[Contact], actor: Any = None) -> EntryContent:
    sender = f"{email.from_name} <{email.from_address}>" if email.from_name else email.from_address
    facts = [["From", sender], ["To", ", ".join(email.to) or "—"]]
    if email.cc:
        facts.append(["Cc", ", ".join(email.cc)])
    if email.attachments:
        names = ", ".join(a["filename"] for a in email.attachments)
        facts.append(["Attachments", names])
    inbound = email.direction == Direction.INBOUND
    return EntryContent(
        kind="email_received" if inbound else "email_sent",
        occurred_at=email.sent_at,
        title=email.subject or "(no subject)",
        body=email.new_text or email.body,
        contacts=contacts,
        details={
            "direction": email.direction,
            "thread_id": email.thread_id,
            "message_id": email.message_id,
            "facts": facts,
        },
        actor=actor,
    )


def call_entry(call: Call, contacts: Sequence[Contact]) -> EntryContent:
    title = f"{call.get_direction_display()} call"
    if contacts:
        title += f" with {_names(contacts)}"
    if call.disposition != CallDisposition.CONNECTED:
        title += f" ({call.get_disposition_display().lower()})"
    facts = [
        ["Direction", call.get_direction_display()],
        ["Outcome", call.get_disposition_display()],
        ["Duration", _duration(call.duration_seconds)],
    ]
    if call.logged_by_id:
        facts.append(["Logged by", str(call.logged_by)])
    details: dict[str, Any] = {
        "direction": call.direction,
        "disposition": call.disposition,
        "duration_seconds": call.duration_seconds,
        "facts": facts,
    }
    if call.recording_url:
        details["url"] = call.recording_url
        details["url_label"] = "Recording"
    return EntryContent(
        kind="call_logged",
        occurred_at=call.started_at,
        title=title,
        body=call.notes,
        contacts=contacts,
        details=details,
        actor=call.logged_by,
    )


def meeting_entry(
    meeting: Meeting, contacts: Sequence[Contact], team: Sequence[Any]
) -> EntryContent:
    sections = [
        (label, text.strip())
        for label, text in (
            ("Agenda", meeting.agenda),
            ("Notes", meeting.notes),
            ("Outcome", meeting.outcome),
        )
        if text.strip()
    ]
    minutes = int((meeting.ends_at - meeting.starts_at).total_seconds() // 60)
    facts = [
        ["Type", meeting.get_meeting_type_display()],
        ["When", f"{_local(meeting.starts_at)} ({_duration(minutes * 60)})"],
    ]
    if contacts:
        facts.append(["Attendees", _names(contacts)])
    if team:
        facts.append(["Our team", _names(team)])
    return EntryContent(
        kind="meeting",
        occurred_at=meeting.starts_at,
        title=meeting.title,
        body="\n\n".join(f"{label}\n{text}" for label, text in sections),
        contacts=contacts,
        details={
            "meeting_type": meeting.meeting_type,
            "ends_at": meeting.ends_at,
            "facts": facts,
        },
    )


def note_entry(note: Note) -> EntryContent:
    first_line = note.body.strip().splitlines()[0] if note.body.strip() else "Note"
    if len(first_line) > NOTE_TITLE_LENGTH:
        first_line = first_line[: NOTE_TITLE_LENGTH - 1].rstrip() + "…"
    return EntryContent(
        kind="note_added",
        occurred_at=note.created_at,
        title=first_line,
        body=note.body,
        contacts=[note.contact] if note.contact else [],
        details={"facts": [["Author", str(note.author)]] if note.author_id else []},
        actor=note.author,
    )


def _task_facts(task: Task) -> list[list[str]]:
    facts = [["Status", task.get_status_display()]]
    if task.due_on:
        facts.append(["Due", task.due_on.isoformat()])
    if task.assignee_id:
        facts.append(["Assignee", str(task.assignee)])
    return facts


def task_created_entry(task: Task) -> EntryContent:
    return EntryContent(
        kind="task_created",
        occurred_at=task.created_at,
        title=task.title,
        body=task.description,
        contacts=[task.contact] if task.contact else [],
        details={"due_on": task.due_on, "status": task.status, "facts": _task_facts(task)},
    )


def task_completed_entry(task: Task, actor: Any = None) -> EntryContent:
    assert task.completed_at is not None
    return EntryContent(
        kind="task_completed",
        occurred_at=task.completed_at,
        title=task.title,
        body=task.description,
        contacts=[task.contact] if task.contact else [],
        details={"due_on": task.due_on, "facts": _task_facts(task)},
        actor=actor,
    )


def market_signal_entry(signal: MarketSignal) -> EntryContent:
    details: dict[str, Any] = {
        "sentiment": signal.sentiment,
        "facts": [["Sentiment", signal.get_sentiment_display()]],
    }
    if signal.source_url:
        details["url"] = signal.source_url
        details["url_label"] = "Source"
    return EntryContent(
        kind="market_signal",
        occurred_at=signal.occurred_at,
        title=signal.title,
        body=signal.summary,
        details=details,
    )


def _shown(value: Any) -> str:
    return "—" if value in (None, "") else str(value)


def enrichment_entry(update: EnrichmentUpdate) -> EntryContent:
    who = update.contact if update.contact_id else update.account
    fields = list(update.changes)
    lines = [
        f"{name}: {_shown(change.get('old'))} → {_shown(change.get('new'))}"
        for name, change in update.changes.items()
    ]
    return EntryContent(
        kind="enrichment_update",
        occurred_at=update.occurred_at,
        title=f"{update.source} updated {who}: {', '.join(fields)}",
        body="\n".join(lines),
        contacts=[update.contact] if update.contact else [],
        details={"source": update.source, "fields": fields, "facts": [["Source", update.source]]},
    )


def contact_added_entry(membership: Membership, account: Account, contact: Contact) -> EntryContent:
    facts = []
    if membership.role:
        facts.append(["Role", membership.role])
    if contact.title:
        facts.append(["Title", contact.title])
    if contact.email:
        facts.append(["E-mail", contact.email])
    return EntryContent(
        kind="contact_added",
        occurred_at=membership.created_at,
        title=f"{contact} joined {account}",
        body=membership.role,
        contacts=[contact],
        details={"membership_id": membership.pk, "facts": facts},
    )
