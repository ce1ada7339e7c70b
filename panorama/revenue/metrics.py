"""Revenue figures as pure functions of plain values: no ORM, no clock (``today`` is given).

Seed 003's deal metrics and DESIGN.md's contract definitions. Amounts are summed per currency
(``Amounts``: currency → total): nothing converts between currencies, so an account billed in
two currencies has two totals.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol, TypeVar

Amounts = dict[str, Decimal]
CENT = Decimal("0.01")
RENEWAL_WARNING_DAYS = 30  # "days to renewal" warns at 30 or fewer (seed 004)


def add_amount(amounts: Amounts, currency: str, value: Decimal) -> None:
    amounts[currency] = amounts.get(currency, Decimal(0)) + value


def days_between(start: dt.date, end: dt.date) -> int:
    """Calendar days from ``start`` to ``end``."""
    return (end - start).days


@dataclass(frozen=True)
class DealFacts:
    """What the deal metrics need of one deal (dates are calendar days, org time zone)."""

    status: str  # open, won, lost
    value: Decimal
    currency: str
    created_on: dt.date
    closed_on: dt.date | None = None


@dataclass(frozen=True)
class DealMetrics:
    """Seed 003's summary bar.

    - ``lifetime_value``: sum of won deals' values;
    - ``active_pipeline``: sum of open deals' values;
    - ``win_rate``: won ÷ (won + lost), 0-1, None with no closed deal;
    - ``average_deal_size``: mean value of won deals (per currency);
    - ``average_sales_cycle_days``: mean days from creation to close of closed (won and lost)
      deals, None with no closed deal.
    """

    lifetime_value: Amounts = field(default_factory=dict)
    active_pipeline: Amounts = field(default_factory=dict)
    average_deal_size: Amounts = field(default_factory=dict)
    win_rate: float | None = None
    average_sales_cycle_days: float | None = None
    open_count: int = 0
    won_count: int = 0
    lost_count: int = 0


def deal_metrics(deals: Iterable[DealFacts]) -> DealMetrics:
    won: Amounts = {}
    won_counts: dict[str, int] = {}
    pipeline: Amounts = {}
    cycles: list[int] = []
    counts = {"open": 0, "won": 0, "lost": 0}
    for deal in deals:
        counts[deal.status] += 1
        if deal.status == "open":
            add_amount(pipeline, deal.currency, deal.value)
            continue
        if deal.closed_on is not None:
            cycles.append(days_between(deal.created_on, deal.closed_on))
        if deal.status == "won":
            add_amount(won, deal.currency, deal.value)
            won_counts[deal.currency] = won_counts.get(deal.currency, 0) + 1
    closed = counts["won"] + counts["lost"]
    return DealMetrics(
        lifetime_value=won,
        active_pipeline=pipeline,
        average_deal_size={c: (v / won_counts[c]).quantize(CENT) for c, v in won.items()},
        win_rate=counts["won"] / closed if closed else None,
        average_sales_cycle_days=sum(cycles) / len(cycles) if cycles else None,
        open_count=counts["open"],
        won_count=counts["won"],
        lost_count=counts["lost"],
    )


def is_stalled(days_in_stage: int, stage_average_days: float | None) -> bool:
    """Seed 003's "deal stalled": longer in its stage than that stage's average stay."""
    return stage_average_days is not None and days_in_stage > stage_average_days


class ContractTerms(Protocol):
    @property
    def start_date(self) -> dt.date: ...
    @property
    def end_date(self) -> dt.date | None: ...
    @property
    def notice_date(self) -> dt.date | None: ...
    @property
    def mrr(self) -> Decimal: ...
    @property
    def currency(self) -> str: ...


C = TypeVar("C", bound=ContractTerms)


def notice_date(end: dt.date | None, auto_renew: bool, notice_period_days: int) -> dt.date | None:
    """End - notice period when the contract renews tacitly, else its end (DESIGN.md)."""
    if end is None:
        return None
    return end - dt.timedelta(days=notice_period_days) if auto_renew else end


def is_active(contract: ContractTerms, day: dt.date) -> bool:
    return contract.start_date <= day and (contract.end_date is None or day <= contract.end_date)


def mrr_on(contracts: Iterable[ContractTerms], day: dt.date) -> Amounts:
    """MRR = sum of the MRR of the contracts active on ``day``, per currency."""
    total: Amounts = {}
    for contract in contracts:
        if is_active(contract, day):
            add_amount(total, contract.currency, contract.mrr)
    return total


def current_contract(contracts: Sequence[C], day: dt.date) -> C | None:
    """DESIGN.md: the active contract with the earliest notice date (so no renewal is missed;
    one without an end comes last); with none active, the latest-ending one."""
    active = [c for c in contracts if is_active(c, day)]
    if active:
        return min(active, key=lambda c: (c.notice_date is None, c.notice_date or day))
    if not contracts:
        return None
    return max(contracts, key=lambda c: (c.end_date is None, c.end_date or day))


def latest_start(contracts: Iterable[ContractTerms]) -> dt.date | None:
    """DESIGN.md's "start date": the start of the latest-starting contract."""
    return max((c.start_date for c in contracts), default=None)


def payment_status(*, open_count: int, overdue_count: int, paid_count: int) -> str | None:
    """An account's payment status: ``overdue`` when an open invoice is past due, ``due`` when
    one is open, ``paid`` when all issued invoices are paid, None without invoices."""
    if overdue_count:
        return "overdue"
    if open_count:
        return "due"
    if paid_count:
        return "paid"
    return None
