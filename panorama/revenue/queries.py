"""Reads of the revenue domain, always from what the user may see.

``*_for_list(user)`` are the visible records (for lists and the REST API); ``access_*``
answers one record or 404; ``fetch_account_*`` is what an account's page shows, each in a
fixed number of queries whatever the number of records. Figures come from ``metrics`` (pure).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TypeVar

from django.db import models
from django.db.models import Avg, Count, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from panorama.core import clock
from panorama.core.models import User
from panorama.core.visibility import visible_accounts
from panorama.customers.models import Account
from panorama.revenue import metrics
from panorama.revenue.metrics import Amounts, DealFacts, DealMetrics
from panorama.revenue.models import (
    Contract,
    Deal,
    DealStageChange,
    DealStatus,
    Invoice,
    InvoiceStatus,
    Order,
    Quote,
)

M = TypeVar("M", bound=models.Model)
INVOICES_ON_PAGE = 50


# --- Visible records ---------------------------------------------------------------------


def _visible(
    queryset: QuerySet[M], user: User, account_path: str, account: Account | None
) -> QuerySet[M]:
    accounts = visible_accounts(user).values("pk")
    queryset = queryset.filter(**{f"{account_path}__in": accounts})
    if account is not None:
        queryset = queryset.filter(**{account_path: account.pk})
    return queryset


def deals_for_list(user: User, *, account: Account | None = None) -> QuerySet[Deal]:
    """Visible deals (of ``account`` only, if given), newest first, with what a row shows."""
    return _visible(
        Deal.objects.select_related("account", "pipeline", "stage", "owner"),
        user,
        "account_id",
        account,
    ).order_by("-created_at", "-id")


def quotes_for_list(user: User, *, account: Account | None = None) -> QuerySet[Quote]:
    return _visible(
        Quote.objects.select_related("deal", "deal__account"), user, "deal__account_id", account
    ).order_by("-sent_at", "-id")


def orders_for_list(user: User, *, account: Account | None = None) -> QuerySet[Order]:
    return _visible(
        Order.objects.select_related("account", "deal"), user, "account_id", account
    ).order_by("-placed_at", "-id")


def contracts_for_list(
    user: User, *, account: Account | None = None, active_on: dt.date | None = None
) -> QuerySet[Contract]:
    """Visible contracts, those ending soonest first (open-ended last); only the ones active
    on ``active_on`` when given."""
    contracts = Contract.objects.select_related("account", "plan")
    if active_on is not None:
        contracts = contracts.active_on(active_on)
    return _visible(contracts, user, "account_id", account).order_by(
        models.F("end_date").asc(nulls_last=True), "account__name", "id"
    )


@dataclass
class ContractRow:
    """A row of the contracts page: the contract and its renewal on ``today``."""

    contract: Contract
    is_active: bool
    notice_date: dt.date | None
    days_to_renewal: int | None  # to the notice date; negative once passed

    @property
    def renewal_soon(self) -> bool:
        """Renew in the next 30 days (notice date in D…D+29)."""
        days = self.days_to_renewal
        return days is not None and 0 <= days < metrics.RENEWAL_WARNING_DAYS


def contract_rows(contracts: Iterable[Contract], today: dt.date) -> list[ContractRow]:
    return [
        ContractRow(c, c.is_active_on(today), c.notice_date, c.days_to_renewal(today))
        for c in contracts
    ]


def invoices_for_list(user: User, *, account: Account | None = None) -> QuerySet[Invoice]:
    return _visible(
        Invoice.objects.select_related("account", "contract"), user, "account_id", account
    ).order_by("-issued_on", "-id")


def _access(queryset: QuerySet[M], pk: int, what: str) -> M:
    record = queryset.filter(pk=pk).first()
    if record is None:
        raise Http404(f"No such {what}")
    return record


def access_deal(user: User, pk: int) -> Deal:
    """The deal ``pk`` if ``user`` may see its account, else 404."""
    return _access(deals_for_list(user), pk, "deal")


def access_quote(user: User, pk: int) -> Quote:
    return _access(quotes_for_list(user), pk, "quote")


def access_order(user: User, pk: int) -> Order:
    return _access(orders_for_list(user), pk, "order")


def access_contract(user: User, pk: int) -> Contract:
    return _access(contracts_for_list(user), pk, "contract")


def access_invoice(user: User, pk: int) -> Invoice:
    return _access(invoices_for_list(user), pk, "invoice")


# --- Deals -------------------------------------------------------------------------------


def days_in_stage(deal: Deal, today: dt.date | None = None) -> int:
    """Calendar days the deal has been in its current stage (until it closed, if closed)."""
    end = timezone.localdate(deal.closed_at) if deal.closed_at else (today or clock.today())
    return metrics.days_between(timezone.localdate(deal.stage_entered_at), end)


def cycle_length(deal: Deal, today: dt.date | None = None) -> int:
    """Calendar days from creation to close; for an open deal, to ``today`` (its age)."""
    end = timezone.localdate(deal.closed_at) if deal.closed_at else (today or clock.today())
    return metrics.days_between(timezone.localdate(deal.created_at), end)


def stage_average_days(stage_ids: list[int] | None = None) -> dict[int, float]:
    """Average calendar days deals stayed in each stage (over every stay that has ended, in
    every account), by stage id. One query."""
    changes = DealStageChange.objects.filter(days_in_from_stage__isnull=False)
    if stage_ids is not None:
        changes = changes.filter(from_stage_id__in=stage_ids)
    rows = changes.values("from_stage_id").annotate(average=Avg("days_in_from_stage"))
    return {row["from_stage_id"]: float(row["average"]) for row in rows}


def deal_facts(deal: Deal) -> DealFacts:
    return DealFacts(
        status=deal.status,
        value=deal.value,
        currency=deal.currency,
        created_on=timezone.localdate(deal.created_at),
        closed_on=timezone.localdate(deal.closed_at) if deal.closed_at else None,
    )


@dataclass
class OpenDeal:
    """An open deal as the deals tab shows it."""

    deal: Deal
    days_in_stage: int
    stage_average_days: float | None
    is_stalled: bool


@dataclass
class ClosedDeal:
    deal: Deal
    duration_days: int  # from creation to close


@dataclass
class AccountDeals:
    """Seed 003's deals section: active deals, deal history and the summary bar."""

    open: list[OpenDeal] = field(default_factory=list)
    closed: list[ClosedDeal] = field(default_factory=list)
    metrics: DealMetrics = field(default_factory=DealMetrics)


def fetch_account_deals(account: Account, *, today: dt.date | None = None) -> AccountDeals:
    """An account's deals with days in stage, stage averages and metrics. Two queries."""
    today = today or clock.today()
    deals = list(
        Deal.objects.filter(account=account)
        .select_related("pipeline", "stage", "owner")
        .order_by("-created_at", "-id")
    )
    open_deals = [d for d in deals if d.status == DealStatus.OPEN]
    averages = stage_average_days(sorted({d.stage_id for d in open_deals})) if open_deals else {}
    result = AccountDeals(metrics=metrics.deal_metrics(deal_facts(d) for d in deals))
    for deal in deals:
        if deal.status == DealStatus.OPEN:
            days = days_in_stage(deal, today)
            average = averages.get(deal.stage_id)
            result.open.append(OpenDeal(deal, days, average, metrics.is_stalled(days, average)))
        else:
            result.closed.append(ClosedDeal(deal, cycle_length(deal)))
    result.closed.sort(key=lambda c: (c.deal.closed_at, c.deal.pk), reverse=True)
    return result


# --- Contracts and invoices --------------------------------------------------------------


@dataclass
class AccountContracts:
    """An account's contracts and DESIGN.md's figures from them on ``today``."""

    today: dt.date
    contracts: list[Contract]
    current: Contract | None
    mrr: Amounts
    start_date: dt.date | None  # start of the latest-starting contract

    @property
    def arr(self) -> Amounts:
        return {currency: value * 12 for currency, value in self.mrr.items()}

    @property
    def notice_date(self) -> dt.date | None:
        return self.current.notice_date if self.current else None

    @property
    def days_to_renewal(self) -> int | None:
        return self.current.days_to_renewal(self.today) if self.current else None

    @property
    def renewal_soon(self) -> bool:
        """Renew in the next 30 days: the notice date is in D…D+29."""
        days = self.days_to_renewal
        return days is not None and 0 <= days < metrics.RENEWAL_WARNING_DAYS

    @property
    def active(self) -> list[Contract]:
        return [c for c in self.contracts if c.is_active_on(self.today)]


def fetch_account_contracts(account: Account, *, today: dt.date | None = None) -> AccountContracts:
    """An account's contracts, latest first, with MRR and the current contract. One query."""
    today = today or clock.today()
    contracts = list(
        Contract.objects.filter(account=account)
        .select_related("plan")
        .order_by("-start_date", "-id")
    )
    return AccountContracts(
        today=today,
        contracts=contracts,
        current=metrics.current_contract(contracts, today),
        mrr=metrics.mrr_on(contracts, today),
        start_date=metrics.latest_start(contracts),
    )


@dataclass
class AccountInvoices:
    """Seed 004's revenue figures from invoices: outstanding balance and payment status."""

    today: dt.date
    invoices: list[Invoice]  # the latest INVOICES_ON_PAGE
    total_count: int
    outstanding: Amounts  # open invoices, overdue or not
    overdue: Amounts
    overdue_count: int
    payment_status: str | None


def fetch_account_invoices(account: Account, *, today: dt.date | None = None) -> AccountInvoices:
    """An account's latest invoices and balances. Two queries."""
    today = today or clock.today()
    is_open = Q(status=InvoiceStatus.OPEN)
    is_overdue = is_open & Q(due_on__lt=today)
    rows = list(
        Invoice.objects.filter(account=account)
        .values("currency")
        .annotate(
            count=Count("id"),
            open_count=Count("id", filter=is_open),
            overdue_count=Count("id", filter=is_overdue),
            paid_count=Count("id", filter=Q(status=InvoiceStatus.PAID)),
            outstanding=Sum("amount", filter=is_open),
            overdue=Sum("amount", filter=is_overdue),
        )
        .order_by("currency")
    )
    invoices = list(
        Invoice.objects.filter(account=account)
        .select_related("contract")
        .order_by("-issued_on", "-id")[:INVOICES_ON_PAGE]
    )

    def amounts(key: str) -> Amounts:
        return {r["currency"]: Decimal(r[key]) for r in rows if r[key]}

    return AccountInvoices(
        today=today,
        invoices=invoices,
        total_count=sum(r["count"] for r in rows),
        outstanding=amounts("outstanding"),
        overdue=amounts("overdue"),
        overdue_count=sum(r["overdue_count"] for r in rows),
        payment_status=metrics.payment_status(
            open_count=sum(r["open_count"] for r in rows),
            overdue_count=sum(r["overdue_count"] for r in rows),
            paid_count=sum(r["paid_count"] for r in rows),
        ),
    )


@dataclass
class AccountRevenue:
    """The "Revenue" part of an account's page."""

    contracts: AccountContracts
    invoices: AccountInvoices
    quotes: list[Quote]
    orders: list[Order]


def fetch_account_revenue(account: Account, *, today: dt.date | None = None) -> AccountRevenue:
    """Contracts, invoices, quotes and orders of an account. Five queries."""
    today = today or clock.today()
    return AccountRevenue(
        contracts=fetch_account_contracts(account, today=today),
        invoices=fetch_account_invoices(account, today=today),
        quotes=list(
            Quote.objects.filter(deal__account=account)
            .select_related("deal")
            .order_by("-sent_at", "-id")[:INVOICES_ON_PAGE]
        ),
        orders=list(
            Order.objects.filter(account=account)
            .select_related("deal")
            .order_by("-placed_at", "-id")[:INVOICES_ON_PAGE]
        ),
    )
