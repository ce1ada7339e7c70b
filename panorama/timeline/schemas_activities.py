"""Shapes of the e-mail, call, meeting, note and task endpoints of the timeline API
(``panorama.timeline.api_activities``); conventions as in ``panorama.revenue.schemas``."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from ninja import Schema
from pydantic import AfterValidator, Field

from panorama.customers.schemas import (
    ContactRefOut,
    Id,
    LongText,
    NamedRefOut,
    StrictBody,
    Text100,
    Url500,
    UserRefOut,
    _storable,
)
from panorama.revenue.api_records import seen_contact
from panorama.revenue.schemas import (
    Day,
    DayWindow,
    Ids,
    Moment,
    MomentWindow,
    Name300,
    ReadOnly,
)
from panorama.timeline.models import CallDisposition, Direction, MeetingType, TaskStatus

Text200 = Annotated[str, Field(max_length=200), AfterValidator(_storable)]
Text500 = Annotated[str, Field(max_length=500), AfterValidator(_storable)]
Address = Annotated[str, Field(max_length=254), AfterValidator(_storable)]
Addresses = Annotated[list[Address], Field(max_length=500)]
MessageId = Annotated[str, Field(min_length=1, max_length=500), AfterValidator(_storable)]
Seconds = Annotated[int, Field(ge=0, le=2_147_483_647)]


# --- E-mails --------------------------------------------------------------------------------


class ThreadRefOut(Schema):
    id: int
    subject: str
    message_count: int


class AttachmentIn(StrictBody):
    filename: Annotated[str, Field(min_length=1, max_length=255), AfterValidator(_storable)]
    content_type: Text100 = "application/octet-stream"
    size: Annotated[int, Field(ge=0, le=2**53)] = 0


class AttachmentOut(Schema):
    filename: str
    content_type: str
    size: int


class EmailOut(Schema):
    """An e-mail message. ``new_text`` is its body without quoted replies and forwards."""

    id: int
    account: NamedRefOut
    thread: ThreadRefOut
    message_id: str
    in_reply_to: str
    references: list[str]
    direction: Direction
    from_address: str
    from_name: str
    to: list[str]
    cc: list[str]
    subject: str
    body: str
    new_text: str
    sent_at: dt.datetime
    attachments: list[AttachmentOut]
    contacts: list[ContactRefOut]
    created_at: dt.datetime

    @staticmethod
    def resolve_references(obj: Any) -> list[str]:
        return [r for r in obj.references.split("\n") if r]

    @staticmethod
    def resolve_contacts(obj: Any) -> list[Any]:
        return list(obj.visible_contacts)


class EmailPageOut(Schema):
    items: list[EmailOut]
    next: str | None


class EmailFields(StrictBody):
    direction: Direction
    from_name: Text200 = ""
    to: Addresses = []
    cc: Addresses = []
    subject: Text500 = ""
    body: LongText = ""
    new_text: LongText = Field("", description="The body without quotes; default: the body.")
    sent_at: Moment
    attachments: Annotated[list[AttachmentIn], Field(max_length=100)] = Field(
        [], description="Metadata only."
    )
    contacts: Ids = Field([], description="Ids of the participants you know (any account).")


class EmailIn(EmailFields):
    """A message to store. It joins ``thread`` (one of the account's) or starts a new one;
    ``message_id`` (the Message-ID header) is unique."""

    account: Id = Field(description="Id of an account you may see.")
    message_id: MessageId
    thread: Id | None = None
    from_address: Address
    in_reply_to: Text500 = ""
    references: Annotated[list[Text500], Field(max_length=200)] = []


class EmailPatch(EmailFields):
    direction: Direction = None  # type: ignore[assignment]
    from_name: Text200 = None  # type: ignore[assignment]
    to: Addresses = None  # type: ignore[assignment]
    cc: Addresses = None  # type: ignore[assignment]
    subject: Text500 = None  # type: ignore[assignment]
    body: LongText = None  # type: ignore[assignment]
    new_text: LongText = None  # type: ignore[assignment]
    sent_at: Moment = None  # type: ignore[assignment]
    attachments: Annotated[list[AttachmentIn], Field(max_length=100)] = None  # type: ignore[assignment]
    contacts: Ids = None  # type: ignore[assignment]
    account: ReadOnly = None
    message_id: ReadOnly = None
    thread: ReadOnly = None
    from_address: ReadOnly = None


class EmailFilters(MomentWindow):
    """``since``/``until`` bound the time sent."""

    thread: Id | None = None
    direction: Direction | None = None
    contact: Id | None = Field(None, description="Messages with this participant.")


# --- Calls ----------------------------------------------------------------------------------


class CallOut(Schema):
    id: int
    account: NamedRefOut
    direction: Direction
    started_at: dt.datetime
    duration_seconds: int
    disposition: CallDisposition
    contacts: list[ContactRefOut]
    logged_by: UserRefOut | None
    notes: str
    recording_url: str
    created_at: dt.datetime

    @staticmethod
    def resolve_contacts(obj: Any) -> list[Any]:
        return list(obj.visible_contacts)


class CallPageOut(Schema):
    items: list[CallOut]
    next: str | None


class CallFields(StrictBody):
    direction: Direction
    started_at: Moment
    disposition: CallDisposition
    duration_seconds: Seconds = 0
    contacts: Ids = Field([], description="Ids of contacts, members of the account.")
    notes: LongText = ""
    recording_url: Url500 = ""
    logged_by: Id | None = Field(None, description="Id of the user who called; default: you.")


class CallIn(CallFields):
    account: Id = Field(description="Id of an account you may see.")


class CallPatch(CallFields):
    direction: Direction = None  # type: ignore[assignment]
    started_at: Moment = None  # type: ignore[assignment]
    disposition: CallDisposition = None  # type: ignore[assignment]
    duration_seconds: Seconds = None  # type: ignore[assignment]
    contacts: Ids = None  # type: ignore[assignment]
    notes: LongText = None  # type: ignore[assignment]
    recording_url: Url500 = None  # type: ignore[assignment]
    account: ReadOnly = None


class CallFilters(MomentWindow):
    """``since``/``until`` bound the call's start."""

    direction: Direction | None = None
    disposition: CallDisposition | None = None
    contact: Id | None = None


# --- Meetings -------------------------------------------------------------------------------


class MeetingOut(Schema):
    id: int
    account: NamedRefOut
    title: str
    meeting_type: MeetingType
    starts_at: dt.datetime
    ends_at: dt.datetime
    external_attendees: list[ContactRefOut]
    internal_attendees: list[UserRefOut]
    agenda: str
    notes: str
    outcome: str
    deal: NamedRefOut | None
    created_at: dt.datetime

    @staticmethod
    def resolve_external_attendees(obj: Any) -> list[Any]:
        return list(obj.visible_contacts)

    @staticmethod
    def resolve_internal_attendees(obj: Any) -> list[Any]:
        return list(obj.internal_attendees.all())


class MeetingPageOut(Schema):
    items: list[MeetingOut]
    next: str | None


class MeetingFields(StrictBody):
    title: Name300
    meeting_type: MeetingType
    starts_at: Moment
    ends_at: Moment = Field(description="After the start.")
    external_attendees: Ids = Field([], description="Ids of the customer's contacts.")
    internal_attendees: Ids = Field([], description="Ids of team members (users).")
    agenda: LongText = ""
    notes: LongText = ""
    outcome: LongText = ""
    deal: Id | None = Field(None, description="Id of the account's deal it was about.")


class MeetingIn(MeetingFields):
    account: Id = Field(description="Id of an account you may see.")


class MeetingPatch(MeetingFields):
    title: Name300 = None  # type: ignore[assignment]
    meeting_type: MeetingType = None  # type: ignore[assignment]
    starts_at: Moment = None  # type: ignore[assignment]
    ends_at: Moment = None  # type: ignore[assignment]
    external_attendees: Ids = None  # type: ignore[assignment]
    internal_attendees: Ids = None  # type: ignore[assignment]
    agenda: LongText = None  # type: ignore[assignment]
    notes: LongText = None  # type: ignore[assignment]
    outcome: LongText = None  # type: ignore[assignment]
    account: ReadOnly = None


class MeetingFilters(MomentWindow):
    """``since``/``until`` bound the meeting's start."""

    meeting_type: MeetingType | None = None
    contact: Id | None = Field(None, description="Meetings this contact attends.")
    attendee: Id | None = Field(None, description="Meetings this team member attends.")
    deal: Id | None = Field(None, description="Meetings about this deal.")


# --- Notes ----------------------------------------------------------------------------------


class NoteOut(Schema):
    id: int
    account: NamedRefOut
    contact: ContactRefOut | None
    author: UserRefOut | None
    body: str
    created_at: dt.datetime

    @staticmethod
    def resolve_contact(obj: Any) -> Any:
        return seen_contact(obj)


class NotePageOut(Schema):
    items: list[NoteOut]
    next: str | None


NoteBody = Annotated[str, Field(min_length=1, max_length=20_000), AfterValidator(_storable)]


class NoteIn(StrictBody):
    account: Id = Field(description="Id of an account you may see.")
    body: NoteBody
    contact: Id | None = Field(None, description="Id of a contact, a member of the account.")
    author: Id | None = Field(None, description="Id of the user who wrote it; default: you.")
    created_at: Moment | None = Field(None, description="Default: now.")


class NotePatch(StrictBody):
    body: NoteBody = None  # type: ignore[assignment]
    contact: Id | None = None
    account: ReadOnly = None
    author: ReadOnly = None
    created_at: ReadOnly = None


class NoteFilters(MomentWindow):
    """``since``/``until`` bound the note's time."""

    contact: Id | None = None
    author: Id | None = None


# --- Tasks ----------------------------------------------------------------------------------


class TaskOut(Schema):
    id: int
    account: NamedRefOut
    contact: ContactRefOut | None
    title: str
    description: str
    due_on: dt.date | None
    status: TaskStatus
    assignee: UserRefOut | None
    completed_at: dt.datetime | None
    created_at: dt.datetime

    @staticmethod
    def resolve_contact(obj: Any) -> Any:
        return seen_contact(obj)


class TaskPageOut(Schema):
    items: list[TaskOut]
    next: str | None


class TaskFields(StrictBody):
    title: Name300
    description: LongText = ""
    due_on: Day | None = None
    assignee: Id | None = Field(None, description="Id of the user who should do it.")
    contact: Id | None = Field(None, description="Id of a contact, a member of the account.")
    status: TaskStatus = TaskStatus.OPEN
    completed_at: Moment | None = Field(None, description="Completed only; default: now.")


class TaskIn(TaskFields):
    account: Id = Field(description="Id of an account you may see.")
    created_at: Moment | None = Field(None, description="Default: now.")


class TaskPatch(TaskFields):
    title: Name300 = None  # type: ignore[assignment]
    description: LongText = None  # type: ignore[assignment]
    status: TaskStatus = None  # type: ignore[assignment]
    account: ReadOnly = None
    created_at: ReadOnly = None


class CompletionIn(StrictBody):
    completed_at: Moment | None = Field(None, description="Default: now.")


class TaskFilters(DayWindow):
    """``since``/``until`` bound the due date."""

    status: TaskStatus | None = None
    assignee: Id | None = None
    contact: Id | None = None
