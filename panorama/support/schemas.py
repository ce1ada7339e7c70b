"""Shapes of the support API (``panorama.support.api``): tickets and survey answers.

Conventions as in ``panorama.revenue.schemas``: strict bodies, relations written as ids and
read back as small objects, read-only fields declared in the ``*Patch`` bodies so that
changing one is a 400 saying why.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import Field

from panorama.customers.schemas import (
    ContactRefOut,
    ExternalId,
    Id,
    LongText,
    NamedRefOut,
    StrictBody,
    Text255,
)
from panorama.revenue.api_records import seen_contact
from panorama.revenue.schemas import Moment, MomentWindow, Name300, ReadOnly, UpdatedSince
from panorama.support.models import (
    SurveyKind,
    TicketChannel,
    TicketPriority,
    TicketStatus,
)

Csat = Annotated[int, Field(ge=1, le=5)]

# --- Tickets ------------------------------------------------------------------------------


class TicketRefOut(Schema):
    """A ticket as other records show it."""

    id: int
    subject: str


class TicketOut(Schema):
    """A support ticket. ``is_open``: new, open or pending (solved and closed are resolved)."""

    id: int
    account: NamedRefOut
    contact: ContactRefOut | None
    external_id: str | None
    subject: str
    description: str
    status: TicketStatus
    is_open: bool
    priority: TicketPriority
    channel: TicketChannel
    created_at: dt.datetime
    first_response_at: dt.datetime | None
    resolved_at: dt.datetime | None
    escalated: bool
    escalated_at: dt.datetime | None
    csat: int | None
    updated_at: dt.datetime

    @staticmethod
    def resolve_contact(obj: Any) -> Any:
        return seen_contact(obj)


class TicketPageOut(Schema):
    items: list[TicketOut]
    next: str | None


class TicketFields(StrictBody):
    contact: Id | None = Field(None, description="Id of a contact, a member of the account.")
    description: LongText = ""
    status: TicketStatus = TicketStatus.NEW
    priority: TicketPriority = TicketPriority.NORMAL
    channel: TicketChannel = TicketChannel.EMAIL
    first_response_at: Moment | None = None
    resolved_at: Moment | None = Field(
        None, description="Set exactly when solved or closed; default: now."
    )
    escalated: bool = False
    escalated_at: Moment | None = Field(None, description="Set when escalated; default: now.")
    csat: Csat | None = Field(None, description="The customer's rating, 1 to 5.")
    external_id: ExternalId = Field(None, description="The helpdesk's id; unique.")


class TicketIn(TicketFields):
    """A new ticket; one recorded solved or closed (history from a helpdesk) is resolved at
    ``resolved_at`` (default now)."""

    account: Id = Field(description="Id of an account you may see.")
    subject: Name300
    created_at: Moment | None = Field(None, description="Default: now.")


class TicketPatch(TicketFields):
    """Only the fields sent change. Solving or closing sets ``resolved_at`` (default now),
    reopening clears it; escalating sets ``escalated_at``, de-escalating clears it."""

    subject: Name300 = None  # type: ignore[assignment]
    description: LongText = None  # type: ignore[assignment]
    status: TicketStatus = None  # type: ignore[assignment]
    priority: TicketPriority = None  # type: ignore[assignment]
    channel: TicketChannel = None  # type: ignore[assignment]
    escalated: bool = None  # type: ignore[assignment]
    account: ReadOnly = None
    created_at: ReadOnly = None


class ResolutionIn(StrictBody):
    resolved_at: Moment | None = Field(None, description="Default: now.")
    status: Literal["solved", "closed"] = "solved"


class TicketFilters(MomentWindow):
    """``since``/``until`` bound the ticket's creation."""

    contact: Id | None = None
    status: TicketStatus | None = None
    is_open: bool | None = Field(None, description="New, open or pending.")
    priority: TicketPriority | None = None
    channel: TicketChannel | None = None
    escalated: bool | None = None
    external_id: Text255 | None = None
    updated_since: UpdatedSince = None


# --- Survey answers -----------------------------------------------------------------------


class SurveyResponseOut(Schema):
    """An NPS (0-10) or CSAT (1-5) answer. ``nps_category``: promoter (9-10), passive (7-8)
    or detractor (0-6), null for CSAT."""

    id: int
    account: NamedRefOut
    contact: ContactRefOut | None
    ticket: TicketRefOut | None
    external_id: str | None
    kind: SurveyKind
    score: int
    nps_category: str | None
    comment: str
    responded_at: dt.datetime
    created_at: dt.datetime

    @staticmethod
    def resolve_contact(obj: Any) -> Any:
        return seen_contact(obj)


class SurveyResponsePageOut(Schema):
    items: list[SurveyResponseOut]
    next: str | None


Score = Annotated[int, Field(ge=0, le=10, description="NPS: 0 to 10; CSAT: 1 to 5.")]


class SurveyResponseIn(StrictBody):
    account: Id = Field(description="Id of an account you may see.")
    kind: SurveyKind
    score: Score
    contact: Id | None = Field(None, description="Id of a contact, a member of the account.")
    comment: LongText = ""
    responded_at: Moment | None = Field(None, description="Default: now.")
    ticket: Id | None = Field(None, description="The ticket a CSAT answer rates.")
    external_id: ExternalId = None


class SurveyResponsePatch(StrictBody):
    kind: SurveyKind = None  # type: ignore[assignment]
    score: Score = None  # type: ignore[assignment]
    contact: Id | None = None
    comment: LongText = None  # type: ignore[assignment]
    responded_at: Moment = None  # type: ignore[assignment]
    ticket: Id | None = None
    external_id: ExternalId = None
    account: ReadOnly = None


class SurveyResponseFilters(MomentWindow):
    """``since``/``until`` bound the time of the answer."""

    kind: SurveyKind | None = None
    contact: Id | None = None
    ticket: Id | None = None
