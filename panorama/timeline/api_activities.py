"""E-mails, calls, meetings, notes and tasks in the REST API.

A record belongs to one account and is visible exactly when it is: anything else answers 404
and is left as it was. Writes go through ``timeline.services`` only, which save the record and
its timeline entry in one transaction, attributed to the caller (source ``api``).
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from ninja import Query, Router, Status

from panorama.core.models import User
from panorama.core.visibility import visible_accounts, with_contact_visibility
from panorama.customers.api_base import READ_ERRORS, WRITE_ERRORS, authored_by, caller, keyset_page
from panorama.revenue.api_records import (
    active_user,
    active_users,
    in_window,
    refuse_read_only,
    visible_account,
    visible_contact,
    visible_contacts_of,
    visible_record,
    with_visible_contacts,
)
from panorama.revenue.models import Deal
from panorama.revenue.queries import deals_for_list
from panorama.timeline import services
from panorama.timeline.models import Call, Email, EmailThread, Meeting, Note, Task
from panorama.timeline.schemas_activities import (
    CallFilters,
    CallIn,
    CallOut,
    CallPageOut,
    CallPatch,
    CompletionIn,
    EmailFilters,
    EmailIn,
    EmailOut,
    EmailPageOut,
    EmailPatch,
    MeetingFilters,
    MeetingIn,
    MeetingOut,
    MeetingPageOut,
    MeetingPatch,
    NoteFilters,
    NoteIn,
    NoteOut,
    NotePageOut,
    NotePatch,
    TaskFilters,
    TaskIn,
    TaskOut,
    TaskPageOut,
    TaskPatch,
)

router = Router(tags=["activities"])

M = TypeVar("M", bound=models.Model)
STAYS = "{} stays with its account."


def visible(queryset: QuerySet[M], user: User) -> QuerySet[M]:
    """The records of ``queryset`` filed under an account ``user`` may see."""
    return queryset.filter(account_id__in=visible_accounts(user).values("pk"))


def one(queryset: QuerySet[M], pk: int, what: str) -> M:
    record = queryset.filter(pk=pk).first()
    if record is None:
        raise Http404(f"No such {what}")
    return record


def filtered(queryset: QuerySet[M], filters: Any, names: tuple[str, ...]) -> QuerySet[M]:
    """``queryset`` restricted by each of the ``names`` filters that was given."""
    for name in names:
        value = getattr(filters, name)
        if value is not None:
            queryset = queryset.filter(**{name: value})
    return queryset


# --- E-mails --------------------------------------------------------------------------------


def _emails(user: User) -> QuerySet[Email]:
    return visible(Email.objects.select_related("account", "thread"), user).prefetch_related(
        with_visible_contacts(user)
    )


@router.get("/emails", response={200: EmailPageOut, **READ_ERRORS})
def list_emails(request: HttpRequest, filters: Query[EmailFilters]) -> dict[str, Any]:
    """The e-mails you may see, by id; ``since``/``until`` bound the time sent."""
    emails = in_window(_emails(caller(request)), "sent_at", filters.since, filters.until)
    emails = filtered(emails, filters, ("account", "thread", "direction"))
    if filters.contact is not None:
        emails = emails.filter(contacts__id=filters.contact)
    return keyset_page(emails, filters)


@router.post("/emails", response={201: EmailOut, **WRITE_ERRORS})
def create_email(request: HttpRequest, payload: EmailIn) -> Status[Email]:
    """Store an e-mail message of an account you may see, in a thread or a new one."""
    user = caller(request)
    values = payload.model_dump(exclude_unset=True)
    values["account"] = visible_account(user, payload.account)
    values["thread"] = visible_record(
        visible(EmailThread.objects.all(), user), payload.thread, "thread", "thread"
    )
    values["contacts"] = visible_contacts_of(user, payload.contacts)
    with authored_by(request):
        email = services.record_email(**values)
    return Status(201, one(_emails(user), email.pk, "e-mail"))


@router.get("/emails/{email_id}", response={200: EmailOut, **READ_ERRORS})
def read_email(request: HttpRequest, email_id: int) -> Email:
    """One e-mail."""
    return one(_emails(caller(request)), email_id, "e-mail")


@router.patch("/emails/{email_id}", response={200: EmailOut, **WRITE_ERRORS})
def update_email(request: HttpRequest, email_id: int, payload: EmailPatch) -> Email:
    """Change the fields sent, all or nothing; ``contacts`` replaces the list."""
    user = caller(request)
    email = one(visible(Email.objects.select_related("thread"), user), email_id, "e-mail")
    changes = payload.model_dump(exclude_unset=True)
    refuse_read_only(
        email,
        changes,
        {
            "account": STAYS.format("An e-mail"),
            "message_id": "The Message-ID identifies the message; it is fixed.",
            "thread": "A message stays in its thread.",
            "from_address": "The sender is fixed; store a corrected message instead.",
        },
    )
    if "contacts" in changes:
        changes["contacts"] = visible_contacts_of(user, changes["contacts"])
    with authored_by(request):
        services.update_email(email=email, **changes)
    return one(_emails(user), email_id, "e-mail")


@router.delete("/emails/{email_id}", response={204: None, **WRITE_ERRORS})
def delete_email(request: HttpRequest, email_id: int) -> Status[None]:
    """Delete an e-mail (its thread is recounted, and deleted with its last message)."""
    email = one(
        visible(Email.objects.select_related("thread"), caller(request)), email_id, "e-mail"
    )
    with authored_by(request):
        services.delete_record(record=email)
    return Status(204, None)


# --- Calls ----------------------------------------------------------------------------------


def _calls(user: User) -> QuerySet[Call]:
    return visible(Call.objects.select_related("account", "logged_by"), user).prefetch_related(
        with_visible_contacts(user)
    )


@router.get("/calls", response={200: CallPageOut, **READ_ERRORS})
def list_calls(request: HttpRequest, filters: Query[CallFilters]) -> dict[str, Any]:
    """The calls you may see, by id; ``since``/``until`` bound their start."""
    calls = in_window(_calls(caller(request)), "started_at", filters.since, filters.until)
    calls = filtered(calls, filters, ("account", "direction", "disposition"))
    if filters.contact is not None:
        calls = calls.filter(contacts__id=filters.contact)
    return keyset_page(calls, filters)


@router.post("/calls", response={201: CallOut, **WRITE_ERRORS})
def create_call(request: HttpRequest, payload: CallIn) -> Status[Call]:
    """Log a call with an account you may see; you made it unless you name ``logged_by``."""
    user = caller(request)
    values = payload.model_dump(exclude_unset=True)
    values["account"] = visible_account(user, payload.account)
    values["contacts"] = visible_contacts_of(user, payload.contacts)
    values["logged_by"] = active_user(values.get("logged_by", user.pk), "logged_by")
    with authored_by(request):
        call = services.record_call_logged(**values)
    return Status(201, one(_calls(user), call.pk, "call"))


@router.get("/calls/{call_id}", response={200: CallOut, **READ_ERRORS})
def read_call(request: HttpRequest, call_id: int) -> Call:
    """One call."""
    return one(_calls(caller(request)), call_id, "call")


@router.patch("/calls/{call_id}", response={200: CallOut, **WRITE_ERRORS})
def update_call(request: HttpRequest, call_id: int, payload: CallPatch) -> Call:
    """Change the fields sent, all or nothing; ``contacts`` replaces the list."""
    user = caller(request)
    call = one(visible(Call.objects.all(), user), call_id, "call")
    changes = payload.model_dump(exclude_unset=True)
    refuse_read_only(call, changes, {"account": STAYS.format("A call")})
    if "contacts" in changes:
        changes["contacts"] = visible_contacts_of(user, changes["contacts"])
    if "logged_by" in changes:
        changes["logged_by"] = active_user(changes["logged_by"], "logged_by")
    with authored_by(request):
        services.update_call(call=call, **changes)
    return one(_calls(user), call_id, "call")


@router.delete("/calls/{call_id}", response={204: None, **WRITE_ERRORS})
def delete_call(request: HttpRequest, call_id: int) -> Status[None]:
    """Delete a call."""
    call = one(visible(Call.objects.all(), caller(request)), call_id, "call")
    with authored_by(request):
        services.delete_record(record=call)
    return Status(204, None)


# --- Meetings -------------------------------------------------------------------------------


def _meetings(user: User) -> QuerySet[Meeting]:
    return visible(Meeting.objects.select_related("account", "deal"), user).prefetch_related(
        with_visible_contacts(user, "external_attendees"), "internal_attendees"
    )


def _deal(user: User, pk: int | None) -> Deal | None:
    return visible_record(deals_for_list(user), pk, "deal", "deal")


@router.get("/meetings", response={200: MeetingPageOut, **READ_ERRORS})
def list_meetings(request: HttpRequest, filters: Query[MeetingFilters]) -> dict[str, Any]:
    """The meetings you may see, by id; ``since``/``until`` bound their start."""
    meetings = in_window(_meetings(caller(request)), "starts_at", filters.since, filters.until)
    meetings = filtered(meetings, filters, ("account", "meeting_type", "deal"))
    if filters.contact is not None:
        meetings = meetings.filter(external_attendees__id=filters.contact)
    if filters.attendee is not None:
        meetings = meetings.filter(internal_attendees__id=filters.attendee)
    return keyset_page(meetings, filters)


@router.post("/meetings", response={201: MeetingOut, **WRITE_ERRORS})
def create_meeting(request: HttpRequest, payload: MeetingIn) -> Status[Meeting]:
    """Record a meeting (past or upcoming) with an account you may see."""
    user = caller(request)
    values = payload.model_dump(exclude_unset=True)
    values["account"] = visible_account(user, payload.account)
    values["external_attendees"] = visible_contacts_of(
        user, payload.external_attendees, "external_attendees"
    )
    values["internal_attendees"] = active_users(payload.internal_attendees, "internal_attendees")
    values["deal"] = _deal(user, payload.deal)
    with authored_by(request):
        meeting = services.record_meeting(**values)
    return Status(201, one(_meetings(user), meeting.pk, "meeting"))


@router.get("/meetings/{meeting_id}", response={200: MeetingOut, **READ_ERRORS})
def read_meeting(request: HttpRequest, meeting_id: int) -> Meeting:
    """One meeting."""
    return one(_meetings(caller(request)), meeting_id, "meeting")


@router.patch("/meetings/{meeting_id}", response={200: MeetingOut, **WRITE_ERRORS})
def update_meeting(request: HttpRequest, meeting_id: int, payload: MeetingPatch) -> Meeting:
    """Change the fields sent, all or nothing; attendee lists are replaced."""
    user = caller(request)
    meeting = one(visible(Meeting.objects.all(), user), meeting_id, "meeting")
    changes = payload.model_dump(exclude_unset=True)
    refuse_read_only(meeting, changes, {"account": STAYS.format("A meeting")})
    if "external_attendees" in changes:
        changes["external_attendees"] = visible_contacts_of(
            user, changes["external_attendees"], "external_attendees"
        )
    if "internal_attendees" in changes:
        changes["internal_attendees"] = active_users(
            changes["internal_attendees"], "internal_attendees"
        )
    if "deal" in changes:
        changes["deal"] = _deal(user, changes["deal"])
    with authored_by(request):
        services.update_meeting(meeting=meeting, **changes)
    return one(_meetings(user), meeting_id, "meeting")


@router.delete("/meetings/{meeting_id}", response={204: None, **WRITE_ERRORS})
def delete_meeting(request: HttpRequest, meeting_id: int) -> Status[None]:
    """Delete a meeting."""
    meeting = one(visible(Meeting.objects.all(), caller(request)), meeting_id, "meeting")
    with authored_by(request):
        services.delete_record(record=meeting)
    return Status(204, None)


# --- Notes ----------------------------------------------------------------------------------


def _notes(user: User) -> QuerySet[Note]:
    notes = Note.objects.select_related("account", "contact", "author")
    return with_contact_visibility(visible(notes, user), user)


@router.get("/notes", response={200: NotePageOut, **READ_ERRORS})
def list_notes(request: HttpRequest, filters: Query[NoteFilters]) -> dict[str, Any]:
    """The notes you may see, by id; ``since``/``until`` bound their time."""
    notes = in_window(_notes(caller(request)), "created_at", filters.since, filters.until)
    return keyset_page(filtered(notes, filters, ("account", "contact", "author")), filters)


@router.post("/notes", response={201: NoteOut, **WRITE_ERRORS})
def create_note(request: HttpRequest, payload: NoteIn) -> Status[Note]:
    """Add a note about an account you may see (and maybe one of its contacts)."""
    user = caller(request)
    values = payload.model_dump(exclude_unset=True)
    values["account"] = visible_account(user, payload.account)
    values["contact"] = visible_contact(user, payload.contact)
    values["author"] = active_user(values.get("author", user.pk), "author")
    with authored_by(request):
        note = services.record_note_added(**values)
    return Status(201, one(_notes(user), note.pk, "note"))


@router.get("/notes/{note_id}", response={200: NoteOut, **READ_ERRORS})
def read_note(request: HttpRequest, note_id: int) -> Note:
    """One note."""
    return one(_notes(caller(request)), note_id, "note")


@router.patch("/notes/{note_id}", response={200: NoteOut, **WRITE_ERRORS})
def update_note(request: HttpRequest, note_id: int, payload: NotePatch) -> Note:
    """Change the text or the contact."""
    user = caller(request)
    note = one(visible(Note.objects.all(), user), note_id, "note")
    changes = payload.model_dump(exclude_unset=True)
    refuse_read_only(
        note,
        changes,
        {
            "account": STAYS.format("A note"),
            "author": "A note keeps its author.",
            "created_at": "A note keeps its time.",
        },
    )
    if "contact" in changes:
        changes["contact"] = visible_contact(user, changes["contact"])
    with authored_by(request):
        services.update_note(note=note, **changes)
    return one(_notes(user), note_id, "note")


@router.delete("/notes/{note_id}", response={204: None, **WRITE_ERRORS})
def delete_note(request: HttpRequest, note_id: int) -> Status[None]:
    """Delete a note."""
    note = one(visible(Note.objects.all(), caller(request)), note_id, "note")
    with authored_by(request):
        services.delete_record(record=note)
    return Status(204, None)


# --- Tasks ----------------------------------------------------------------------------------


def _tasks(user: User) -> QuerySet[Task]:
    tasks = Task.objects.select_related("account", "contact", "assignee")
    return with_contact_visibility(visible(tasks, user), user)


@router.get("/tasks", response={200: TaskPageOut, **READ_ERRORS})
def list_tasks(request: HttpRequest, filters: Query[TaskFilters]) -> dict[str, Any]:
    """The tasks you may see, by id; ``since``/``until`` bound the due date."""
    tasks = in_window(_tasks(caller(request)), "due_on", filters.since, filters.until)
    return keyset_page(
        filtered(tasks, filters, ("account", "status", "assignee", "contact")), filters
    )


@router.post("/tasks", response={201: TaskOut, **WRITE_ERRORS})
def create_task(request: HttpRequest, payload: TaskIn) -> Status[Task]:
    """Create a task for an account you may see (completed already, if so recorded)."""
    user = caller(request)
    values = payload.model_dump(exclude_unset=True)
    values["account"] = visible_account(user, payload.account)
    values["contact"] = visible_contact(user, payload.contact)
    values["assignee"] = active_user(payload.assignee, "assignee")
    with authored_by(request):
        task = services.record_task_created(**values)
    return Status(201, one(_tasks(user), task.pk, "task"))


@router.get("/tasks/{task_id}", response={200: TaskOut, **READ_ERRORS})
def read_task(request: HttpRequest, task_id: int) -> Task:
    """One task."""
    return one(_tasks(caller(request)), task_id, "task")


@router.patch("/tasks/{task_id}", response={200: TaskOut, **WRITE_ERRORS})
def update_task(request: HttpRequest, task_id: int, payload: TaskPatch) -> Task:
    """Change the fields sent, all or nothing; completing posts "task completed", reopening
    or cancelling removes it."""
    user = caller(request)
    task = one(visible(Task.objects.all(), user), task_id, "task")
    changes = payload.model_dump(exclude_unset=True)
    refuse_read_only(
        task,
        changes,
        {"account": STAYS.format("A task"), "created_at": "A task keeps its creation time."},
    )
    if "contact" in changes:
        changes["contact"] = visible_contact(user, changes["contact"])
    if "assignee" in changes:
        changes["assignee"] = active_user(changes["assignee"], "assignee")
    with authored_by(request):
        services.update_task(task=task, **changes)
    return one(_tasks(user), task_id, "task")


@router.delete("/tasks/{task_id}", response={204: None, **WRITE_ERRORS})
def delete_task(request: HttpRequest, task_id: int) -> Status[None]:
    """Delete a task."""
    task = one(visible(Task.objects.all(), caller(request)), task_id, "task")
    with authored_by(request):
        services.delete_record(record=task)
    return Status(204, None)


@router.post("/tasks/{task_id}/complete", response={200: TaskOut, **WRITE_ERRORS})
def complete_task(request: HttpRequest, task_id: int, payload: CompletionIn) -> Task:
    """Mark the task completed, at ``completed_at`` (default now), by you."""
    user = caller(request)
    task = one(visible(Task.objects.all(), user), task_id, "task")
    with authored_by(request):
        services.complete_task(task=task, completed_at=payload.completed_at, completed_by=user)
    return one(_tasks(user), task_id, "task")
