"""Shapes of the contracts and invoices endpoints of the revenue API
(``panorama.revenue.api_contracts``); conventions as in ``panorama.revenue.schemas``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import Field

from panorama.core import clock
from panorama.customers.schemas import ExternalId, Id, NamedRefOut, StrictBody, Text255
from panorama.revenue.models import InvoiceStatus, PaymentStatus
from panorama.revenue.models.contracts import MAX_NOTICE_DAYS
from panorama.revenue.schemas import (
    Currency,
    Day,
    DayWindow,
    Moment,
    Money,
    Name64,
    ReadOnly,
    UpdatedSince,
)


class ContractRefOut(Schema):
    """A contract as other records show it."""

    id: int
    start_date: dt.date
    end_date: dt.date | None


# --- Contracts ----------------------------------------------------------------------------


class ContractOut(Schema):
    """A contract. ``notice_date`` is end - notice period when it renews tacitly, else the
    end; ``is_active`` and ``days_to_renewal`` (to the notice date) are as of today."""

    id: int
    account: NamedRefOut
    plan: NamedRefOut | None
    deal: NamedRefOut | None
    renewed_from: ContractRefOut | None
    external_id: str | None
    mrr: Decimal
    arr: Decimal
    currency: str
    start_date: dt.date
    end_date: dt.date | None
    auto_renew: bool
    notice_period_days: int
    notice_date: dt.date | None
    is_active: bool
    days_to_renewal: int | None
    signed_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_is_active(obj: Any) -> bool:
        return bool(obj.is_active_on(clock.today()))

    @staticmethod
    def resolve_days_to_renewal(obj: Any) -> int | None:
        return obj.days_to_renewal(clock.today())


class ContractPageOut(Schema):
    items: list[ContractOut]
    next: str | None


NoticeDays = Annotated[int, Field(ge=0, le=MAX_NOTICE_DAYS)]


class ContractIn(StrictBody):
    account: Id = Field(description="Id of an account you may see.")
    plan: Id | None = None
    deal: Id | None = Field(None, description="Id of one of the account's deals.")
    mrr: Money
    currency: Currency = "USD"
    start_date: Day
    end_date: Day | None = Field(None, description="After the start; null: open-ended.")
    auto_renew: bool = Field(False, description="Renews tacitly unless notice is given.")
    notice_period_days: NoticeDays = 0
    signed_at: Moment | None = None
    external_id: ExternalId = Field(None, description="The billing system's id; unique.")


class ContractPatch(StrictBody):
    plan: Id | None = None
    deal: Id | None = None
    mrr: Money = None  # type: ignore[assignment]
    currency: Currency = None  # type: ignore[assignment]
    start_date: Day = None  # type: ignore[assignment]
    end_date: Day | None = None
    auto_renew: bool = None  # type: ignore[assignment]
    notice_period_days: NoticeDays = None  # type: ignore[assignment]
    signed_at: Moment | None = None
    external_id: ExternalId = None
    account: ReadOnly = None
    renewed_from: ReadOnly = None


class RenewalIn(StrictBody):
    """The renewal of a contract: a new contract from the day after its end (unless
    ``start_date``), with its terms unless others are given."""

    end_date: Day | None = Field(description="The renewal's end; null: open-ended.")
    start_date: Day | None = None
    mrr: Money | None = None
    plan: Id | None = None
    currency: Currency | None = None
    auto_renew: bool | None = None
    notice_period_days: NoticeDays | None = None
    signed_at: Moment | None = None
    external_id: ExternalId = None


class ContractFilters(DayWindow):
    """``since``/``until`` bound the start date."""

    active_on: dt.date | None = Field(None, description="Contracts running on this day.")
    external_id: Text255 | None = None
    updated_since: UpdatedSince = None


# --- Invoices -----------------------------------------------------------------------------


class InvoiceOut(Schema):
    """An invoice. ``payment_status`` is as of today: draft, due, overdue, paid or void."""

    id: int
    account: NamedRefOut
    contract: ContractRefOut | None
    number: str
    amount: Decimal
    currency: str
    status: InvoiceStatus
    payment_status: PaymentStatus
    days_overdue: int
    issued_on: dt.date
    due_on: dt.date
    paid_on: dt.date | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_payment_status(obj: Any) -> str:
        return str(obj.payment_status(clock.today()))

    @staticmethod
    def resolve_days_overdue(obj: Any) -> int:
        return int(obj.days_overdue(clock.today()))


class InvoicePageOut(Schema):
    items: list[InvoiceOut]
    next: str | None


class InvoiceIn(StrictBody):
    """A new invoice: issued (``open``, the default), a ``draft``, or recorded ``paid`` (on
    ``paid_on``, default today) or ``void`` (as never issued: no timeline entry)."""

    account: Id = Field(description="Id of an account you may see.")
    contract: Id | None = Field(None, description="Id of one of the account's contracts.")
    number: Name64
    amount: Money
    currency: Currency | None = Field(None, description="Default: the contract's, else USD.")
    issued_on: Day
    due_on: Day
    status: InvoiceStatus = InvoiceStatus.OPEN
    paid_on: Day | None = None


class InvoicePatch(StrictBody):
    contract: Id | None = None
    number: Name64 = None  # type: ignore[assignment]
    amount: Money = None  # type: ignore[assignment]
    currency: Currency = None  # type: ignore[assignment]
    issued_on: Day = None  # type: ignore[assignment]
    due_on: Day = None  # type: ignore[assignment]
    status: InvoiceStatus = None  # type: ignore[assignment]
    paid_on: Day | None = None
    account: ReadOnly = None


class PaymentIn(StrictBody):
    paid_on: Day | None = Field(None, description="Default: today.")


class InvoiceFilters(DayWindow):
    """``since``/``until`` bound the issue date."""

    contract: Id | None = None
    status: InvoiceStatus | None = None
    payment_status: Literal["draft", "due", "overdue", "paid", "void"] | None = Field(
        None, description="As of today (overdue: open and past due)."
    )
    updated_since: UpdatedSince = None
