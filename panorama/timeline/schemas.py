"""Shapes of the timeline API (``panorama.timeline.api``): timeline entries, market signals
and enrichment updates (e-mails, calls, meetings, notes and tasks: ``schemas_activities``).

Conventions as in ``panorama.revenue.schemas``: strict bodies, relations written as ids and
read back as small objects, read-only fields declared in the ``*Patch`` bodies so that
changing one is a 400 saying why. Texts are bounded by their column and storable; the free
JSON of an enrichment update may not hold what a database refuses (NUL, NaN).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Any

from ninja import Schema
from pydantic import AfterValidator, Field

from panorama.customers.schemas import (
    ContactRefOut,
    Id,
    LongText,
    NamedRefOut,
    SearchText,
    StrictBody,
    Text255,
    Url500,
    UserRefOut,
    _storable,
)
from panorama.revenue.api_records import seen_contact
from panorama.revenue.schemas import (
    Moment,
    MomentWindow,
    Name300,
    ReadOnly,
    SinceMoment,
)
from panorama.timeline.models import (
    Sentiment,
)
from panorama.timeline.queries import MAX_LIMIT


def _storable_json(value: Any) -> Any:
    """JSON a database stores as is: no NUL or broken text, no NaN or infinity."""
    if isinstance(value, str):
        return _storable(value)
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("numbers must be finite")
    if isinstance(value, list):
        return [_storable_json(v) for v in value]
    if isinstance(value, dict):
        return {_storable(str(k)): _storable_json(v) for k, v in value.items()}
    return value


JsonValue = Annotated[Any, AfterValidator(_storable_json)]


# --- The timeline ---------------------------------------------------------------------------


class SubjectOut(Schema):
    """The record an entry is about: ``type`` is ``app.model`` (``revenue.deal``)."""

    type: str
    id: int


class EntryOut(Schema):
    """One line of a timeline. ``kind`` is a type of the registry (``call_logged``…) with its
    ``label`` and ``group``; ``contacts`` are the people on it that you may see;
    ``accounts`` the sub-accounts it comes from (on a parent's timeline with
    ``include_sub_accounts``)."""

    id: int
    kind: str
    label: str
    group: str
    occurred_at: dt.datetime
    title: str
    body: str
    actor: UserRefOut | None
    source: str
    details: dict[str, Any]
    subject: SubjectOut | None
    contacts: list[ContactRefOut]
    accounts: list[NamedRefOut]

    @staticmethod
    def resolve_label(obj: Any) -> str:
        return str(obj.type.label)

    @staticmethod
    def resolve_group(obj: Any) -> str:
        return str(obj.type.group.value)

    @staticmethod
    def resolve_subject(obj: Any) -> dict[str, Any] | None:
        # Set by the API (content types come from Django's cache, not a query per entry).
        return obj.subject_ref

    @staticmethod
    def resolve_contacts(obj: Any) -> list[Any]:
        return [c for c in obj.people if c.linkable]

    @staticmethod
    def resolve_accounts(obj: Any) -> list[Any]:
        return list(obj.on_accounts)


class GroupOut(Schema):
    """A heading of the grouped mode: its latest entries, and whether it has more."""

    group: str
    label: str
    entries: list[EntryOut]
    has_more: bool


class TimelineOut(Schema):
    """A page of a timeline, newest first; ``next`` fetches the next page (as ``after``).
    In grouped mode ``groups`` holds each group's latest entries and ``items`` all of them."""

    items: list[EntryOut]
    next: str | None
    groups: list[GroupOut]


class TimelineFilters(Schema):
    kinds: list[Annotated[str, Field(max_length=40)]] | None = Field(
        None,
        description="Entry types (``call_logged``…) or groups (``communications``, ``deals``, "
        "``tasks``, ``support``, ``product``, ``system``); repeat for several.",
    )
    since: SinceMoment = Field(None, description="At or after this time (ISO 8601).")
    until: SinceMoment = Field(None, description="Before this time (ISO 8601).")
    actor: Id | None = Field(None, description="Entries by this team member (user id).")
    q: SearchText | None = Field(None, description="Words to search for (all must appear).")
    grouped: bool = Field(False, description="The latest entries of each group instead.")
    limit: int = Field(50, ge=1, le=MAX_LIMIT, description="Entries per page.")
    after: Annotated[str, Field(max_length=200)] | None = Field(
        None, description="The `next` cursor of the previous page."
    )


class AccountTimelineFilters(TimelineFilters):
    contact: Id | None = Field(None, description="Entries involving this contact id.")
    include_sub_accounts: bool = Field(False, description="Add the sub-accounts' entries.")


# --- Market signals and enrichment updates --------------------------------------------------


class MarketSignalOut(Schema):
    id: int
    account: NamedRefOut
    title: str
    summary: str
    sentiment: Sentiment
    source_url: str
    occurred_at: dt.datetime
    created_at: dt.datetime


class MarketSignalPageOut(Schema):
    items: list[MarketSignalOut]
    next: str | None


class MarketSignalFields(StrictBody):
    title: Name300
    sentiment: Sentiment
    occurred_at: Moment
    summary: LongText = ""
    source_url: Url500 = ""


class MarketSignalIn(MarketSignalFields):
    account: Id = Field(description="Id of an account you may see.")


class MarketSignalPatch(MarketSignalFields):
    title: Name300 = None  # type: ignore[assignment]
    sentiment: Sentiment = None  # type: ignore[assignment]
    occurred_at: Moment = None  # type: ignore[assignment]
    summary: LongText = None  # type: ignore[assignment]
    source_url: Url500 = None  # type: ignore[assignment]
    account: ReadOnly = None


class MarketSignalFilters(MomentWindow):
    """``since``/``until`` bound the time of the news."""

    sentiment: Sentiment | None = None


class FieldChange(StrictBody):
    old: JsonValue = None
    new: JsonValue


FieldName = Annotated[str, Field(min_length=1, max_length=100)]


class EnrichmentUpdateOut(Schema):
    """Which fields an integration changed: ``{"title": {"old": "CTO", "new": "CEO"}}``."""

    id: int
    account: NamedRefOut
    contact: ContactRefOut | None
    source: str
    changes: dict[str, Any]
    occurred_at: dt.datetime
    created_at: dt.datetime

    @staticmethod
    def resolve_contact(obj: Any) -> Any:
        return seen_contact(obj)


class EnrichmentUpdatePageOut(Schema):
    items: list[EnrichmentUpdateOut]
    next: str | None


class EnrichmentUpdateIn(StrictBody):
    """A record of what an integration changed (it writes the values through the account
    and contact endpoints, where synced fields are checked)."""

    account: Id = Field(description="Id of an account you may see.")
    contact: Id | None = Field(None, description="Id of a contact, a member of the account.")
    source: Annotated[str, Field(min_length=1, max_length=40), AfterValidator(_storable)]
    changes: Annotated[dict[FieldName, FieldChange], Field(min_length=1, max_length=100)]
    occurred_at: Moment | None = Field(None, description="Default: now.")


class EnrichmentUpdateFilters(MomentWindow):
    """``since``/``until`` bound the time of the change."""

    contact: Id | None = None
    source: Text255 | None = None
