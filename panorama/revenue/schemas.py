"""Shapes of the revenue API (``panorama.revenue.api``): pipelines, deals and their stage
history, quotes and orders (contracts and invoices: ``schemas_contracts``).

As in ``panorama.customers.schemas``: bodies are strict (an unknown field is a 400 naming it),
relations are written as ids under the model's field name (``"account": 7``) and read back as
small objects (``"account": {"id": 7, "name": "Acme"}``). Fields a record may not change after
it is created (``account``; a deal's ``stage`` and ``status``) are declared in the ``*Patch``
bodies so that sending them is a 400 saying why, not a silent no-op. The record types shared
by the support and timeline APIs (money, days, moments, time windows) are defined here.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from ninja import Schema
from pydantic import AfterValidator, Field

from panorama.customers.schemas import (
    ContactRefOut,
    ExternalId,
    Id,
    NamedRefOut,
    PageParams,
    StrictBody,
    Text255,
    UserRefOut,
    _storable,
    as_aware,
)
from panorama.revenue import queries
from panorama.revenue.models import DealStatus
from panorama.revenue.models.deals import MAX_PRODUCTS, PRODUCT_LENGTH

# --- Types shared by the record APIs (revenue, support, timeline) -----------------------------

# Records are dated within these years: far enough for any history or plan, and clear of the
# ends of the calendar where time-zone arithmetic overflows.
FIRST_YEAR, LAST_YEAR = 1900, 2999


def _within_years(value: Any) -> Any:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError(f"must be in the years {FIRST_YEAR} to {LAST_YEAR}")
    return value


def _not_blank(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("must not be blank")
    return value


# Texts a database can store; a *name* (or number) has surrounding blanks dropped and must
# keep something.
Text500 = Annotated[str, Field(max_length=500), AfterValidator(_storable)]
Name64 = Annotated[
    str, Field(min_length=1, max_length=64), AfterValidator(_storable), AfterValidator(_not_blank)
]
Name100 = Annotated[
    str, Field(min_length=1, max_length=100), AfterValidator(_storable), AfterValidator(_not_blank)
]
Name200 = Annotated[
    str, Field(min_length=1, max_length=200), AfterValidator(_storable), AfterValidator(_not_blank)
]
Name300 = Annotated[
    str, Field(min_length=1, max_length=300), AfterValidator(_storable), AfterValidator(_not_blank)
]
Day = Annotated[dt.date, AfterValidator(_within_years)]
# A time with a zone; one without is read in the organisation's time zone.
Moment = Annotated[dt.datetime, AfterValidator(as_aware), AfterValidator(_within_years)]
Money = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]
Currency = Annotated[
    str,
    Field(pattern=r"^[A-Za-z]{3}$", examples=["EUR"], description="ISO 4217 code, e.g. EUR."),
]
Ids = Annotated[list[Id], Field(max_length=100)]
ReadOnly = Annotated[Any, Field(description="Read-only: sending a different value is a 400.")]

# Query parameters: a window of time (``since`` inclusive, ``until`` exclusive, as in the
# timeline). Extreme values are clamped: as bounds they still mean "all" or "nothing".
SinceMoment = Annotated[dt.datetime | None, AfterValidator(lambda v: v and as_aware(v))]


class RecordFilters(PageParams):
    """Filters every record list has: the account, and a window of time."""

    account: Id | None = Field(None, description="Records of this account id.")


class MomentWindow(RecordFilters):
    since: SinceMoment = Field(None, description="At or after this time (ISO 8601).")
    until: SinceMoment = Field(None, description="Before this time (ISO 8601).")


class DayWindow(RecordFilters):
    since: dt.date | None = Field(None, description="On or after this day.")
    until: dt.date | None = Field(None, description="Before this day.")


UpdatedSince = Annotated[
    dt.datetime | None,
    AfterValidator(lambda v: v and as_aware(v)),
    Field(description="Only records changed at or after this time (ISO 8601)."),
]


# --- Pipelines ----------------------------------------------------------------------------


class StageOut(Schema):
    id: int
    name: str
    position: int
    probability: int
    is_won: bool
    is_lost: bool


class PipelineOut(Schema):
    """A sales pipeline and its stages, in order."""

    id: int
    name: str
    position: int
    is_default: bool
    stages: list[StageOut]

    @staticmethod
    def resolve_stages(obj: Any) -> list[Any]:
        return list(obj.stages.all())


class PipelinePageOut(Schema):
    items: list[PipelineOut]
    next: str | None


class StageRefOut(Schema):
    """A deal's stage: its name and the probability that a deal in it is won."""

    id: int
    name: str
    probability: int


# --- Deals --------------------------------------------------------------------------------


class DealOut(Schema):
    """A deal. ``status`` follows the stage; ``close_date`` is the expected close date while
    open and the closing day once won or lost."""

    id: int
    account: NamedRefOut
    name: str
    pipeline: NamedRefOut
    stage: StageRefOut
    status: DealStatus
    value: Decimal
    weighted_value: Decimal = Field(description="Value times the stage's probability.")
    currency: str
    close_date: dt.date | None
    owner: UserRefOut | None
    next_step: str
    products: list[str]
    lost_reason: str
    contacts: list[ContactRefOut]
    external_id: str | None
    created_at: dt.datetime
    stage_entered_at: dt.datetime
    days_in_stage: int = Field(description="Calendar days in the current stage (to the close).")
    cycle_days: int = Field(description="Calendar days from creation to close (open: its age).")
    closed_at: dt.datetime | None
    updated_at: dt.datetime

    @staticmethod
    def resolve_contacts(obj: Any) -> list[Any]:
        # Set by the API: the deal's contacts the caller may see.
        return list(obj.visible_contacts)

    @staticmethod
    def resolve_days_in_stage(obj: Any) -> int:
        return queries.days_in_stage(obj)

    @staticmethod
    def resolve_cycle_days(obj: Any) -> int:
        return queries.cycle_length(obj)


class DealPageOut(Schema):
    items: list[DealOut]
    next: str | None


assert PRODUCT_LENGTH == 100
Products = Annotated[list[Name100], Field(max_length=MAX_PRODUCTS)]


class DealFields(StrictBody):
    """What may change of a deal after it is created."""

    value: Money = Decimal(0)
    currency: Currency = "USD"
    close_date: Day | None = Field(None, description="Expected close date.")
    owner: Id | None = Field(None, description="Id of the owning user; default: you.")
    next_step: Text500 = ""
    products: Products = Field([], description="Product names or SKUs.")
    contacts: Ids = Field([], description="Ids of contacts, members of the deal's account.")
    lost_reason: Text500 = Field("", description="Only for a lost deal.")
    external_id: ExternalId = Field(None, description="The CRM's id for it; unique.")


class DealIn(DealFields):
    """A new deal. Without ``stage`` it starts in the first open stage of ``pipeline``
    (default: the default pipeline). A deal recorded in a won or lost stage (history) is
    closed at ``closed_at`` (default: ``created_at``)."""

    account: Id = Field(description="Id of an account you may see.")
    name: Name200
    pipeline: Id | None = None
    stage: Id | None = None
    created_at: Moment | None = Field(None, description="Default: now.")
    closed_at: Moment | None = None


class DealPatch(DealFields):
    """Only the fields sent change. The stage moves with ``POST /deals/{id}/stage``."""

    name: Name200 = None  # type: ignore[assignment]
    value: Money = None  # type: ignore[assignment]
    currency: Currency = None  # type: ignore[assignment]
    next_step: Text500 = None  # type: ignore[assignment]
    products: Products = None  # type: ignore[assignment]
    contacts: Ids = None  # type: ignore[assignment]
    lost_reason: Text500 = None  # type: ignore[assignment]
    account: ReadOnly = None
    pipeline: ReadOnly = None
    stage: ReadOnly = None
    status: ReadOnly = None


class DealFilters(MomentWindow):
    """``since``/``until`` bound the deal's creation."""

    status: DealStatus | None = None
    pipeline: Id | None = None
    stage: Id | None = None
    owner: Id | None = Field(None, description="Owner (user) id.")
    contact: Id | None = Field(None, description="Deals involving this contact id.")
    external_id: Text255 | None = None
    updated_since: UpdatedSince = None


class StageMoveIn(StrictBody):
    """Move a deal to a stage (of its pipeline or another, which it then joins)."""

    stage: Id = Field(description="Id of the stage to move to.")
    lost_reason: Text500 = Field("", description="Required for a lost stage, only there.")
    changed_at: Moment | None = Field(None, description="Default: now.")


class StageChangeOut(Schema):
    """A deal entering a stage; the first (no ``from_stage``) is its creation."""

    id: int
    from_stage: StageRefOut | None
    to_stage: StageRefOut
    changed_at: dt.datetime
    changed_by: UserRefOut | None
    days_in_from_stage: int | None = Field(description="Calendar days spent in the stage left.")


class StageChangePageOut(Schema):
    items: list[StageChangeOut]
    next: str | None


# --- Quotes and orders --------------------------------------------------------------------


class QuoteOut(Schema):
    id: int
    account: NamedRefOut
    deal: NamedRefOut
    number: str
    amount: Decimal
    currency: str
    sent_at: dt.datetime
    valid_until: dt.date | None
    created_at: dt.datetime

    @staticmethod
    def resolve_account(obj: Any) -> Any:
        return obj.deal.account


class QuotePageOut(Schema):
    items: list[QuoteOut]
    next: str | None


class QuoteIn(StrictBody):
    deal: Id = Field(description="Id of a deal you may see.")
    number: Name64
    amount: Money
    currency: Currency | None = Field(None, description="Default: the deal's.")
    sent_at: Moment | None = Field(None, description="Default: now.")
    valid_until: Day | None = None


class QuotePatch(StrictBody):
    number: Name64 = None  # type: ignore[assignment]
    amount: Money = None  # type: ignore[assignment]
    currency: Currency = None  # type: ignore[assignment]
    sent_at: Moment = None  # type: ignore[assignment]
    valid_until: Day | None = None
    deal: ReadOnly = None


class QuoteFilters(MomentWindow):
    """``since``/``until`` bound the time the quote was sent."""

    deal: Id | None = None


class OrderOut(Schema):
    id: int
    account: NamedRefOut
    deal: NamedRefOut | None
    number: str
    amount: Decimal
    currency: str
    placed_at: dt.datetime
    created_at: dt.datetime


class OrderPageOut(Schema):
    items: list[OrderOut]
    next: str | None


class OrderIn(StrictBody):
    account: Id = Field(description="Id of an account you may see.")
    deal: Id | None = Field(None, description="Id of one of the account's deals.")
    number: Name64
    amount: Money
    currency: Currency | None = Field(None, description="Default: the deal's, else USD.")
    placed_at: Moment | None = Field(None, description="Default: now.")


class OrderPatch(StrictBody):
    deal: Id | None = None
    number: Name64 = None  # type: ignore[assignment]
    amount: Money = None  # type: ignore[assignment]
    currency: Currency = None  # type: ignore[assignment]
    placed_at: Moment = None  # type: ignore[assignment]
    account: ReadOnly = None


class OrderFilters(MomentWindow):
    """``since``/``until`` bound the time the order was placed."""

    deal: Id | None = None
