"""The pure revenue figures against hand-computed expectations (no database)."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from panorama.revenue import metrics
from panorama.revenue.metrics import DealFacts

D = dt.date


def test_deal_metrics_by_hand():
    deals = [
        DealFacts("won", Decimal(1000), "EUR", D(2026, 1, 1), D(2026, 1, 31)),  # 30 days
        DealFacts("won", Decimal(3000), "EUR", D(2026, 1, 1), D(2026, 3, 2)),  # 60 days
        DealFacts("lost", Decimal(500), "EUR", D(2026, 2, 1), D(2026, 2, 4)),  # 3 days
        DealFacts("won", Decimal(200), "USD", D(2026, 2, 1), D(2026, 2, 28)),  # 27 days
        DealFacts("open", Decimal(7000), "EUR", D(2026, 2, 1)),
        DealFacts("open", Decimal(50), "USD", D(2026, 2, 1)),
    ]
    result = metrics.deal_metrics(deals)
    assert result.lifetime_value == {"EUR": Decimal(4000), "USD": Decimal(200)}
    assert result.active_pipeline == {"EUR": Decimal(7000), "USD": Decimal(50)}
    assert result.average_deal_size == {"EUR": Decimal("2000.00"), "USD": Decimal("200.00")}
    assert result.win_rate == 0.75  # 3 won of 4 closed
    assert result.average_sales_cycle_days == 30  # (30 + 60 + 3 + 27) / 4
    assert (result.open_count, result.won_count, result.lost_count) == (2, 3, 1)


def test_deal_metrics_without_closed_deals_are_empty_not_zero():
    result = metrics.deal_metrics([DealFacts("open", Decimal(10), "EUR", D(2026, 1, 1))])
    assert result.win_rate is None and result.average_sales_cycle_days is None
    assert result.lifetime_value == {} and result.average_deal_size == {}
    assert metrics.deal_metrics([]).active_pipeline == {}


def test_a_deal_is_stalled_past_its_stage_average():
    assert metrics.is_stalled(8, 7.5)
    assert not metrics.is_stalled(7, 7.5)
    assert not metrics.is_stalled(100, None)  # no stay has ended in that stage yet


@dataclass
class Terms:
    start_date: dt.date
    end_date: dt.date | None
    mrr: Decimal = Decimal(100)
    currency: str = "EUR"
    auto_renew: bool = False
    notice_period_days: int = 0

    @property
    def notice_date(self) -> dt.date | None:
        return metrics.notice_date(self.end_date, self.auto_renew, self.notice_period_days)


def test_notice_date_tacit_or_not():
    assert metrics.notice_date(D(2026, 12, 31), True, 90) == D(2026, 10, 2)
    assert metrics.notice_date(D(2026, 12, 31), False, 90) == D(2026, 12, 31)
    assert metrics.notice_date(None, True, 90) is None


def test_mrr_sums_the_contracts_active_that_day():
    contracts = [
        Terms(D(2026, 1, 1), D(2026, 12, 31), Decimal(100)),
        Terms(D(2026, 3, 1), None, Decimal(50)),
        Terms(D(2026, 3, 2), D(2027, 3, 1), Decimal(30), "USD"),  # starts the day after
        Terms(D(2025, 1, 1), D(2025, 12, 31), Decimal(999)),  # ended
    ]
    assert metrics.mrr_on(contracts, D(2026, 3, 1)) == {"EUR": Decimal(150)}
    assert metrics.mrr_on(contracts, D(2026, 3, 2)) == {"EUR": Decimal(150), "USD": Decimal(30)}
    assert metrics.mrr_on(contracts, D(2026, 12, 31)) == {"EUR": Decimal(150), "USD": Decimal(30)}
    assert metrics.mrr_on(contracts, D(2027, 1, 1)) == {"EUR": Decimal(50), "USD": Decimal(30)}


def test_current_contract_is_the_active_one_with_the_earliest_notice_date():
    tacit = Terms(D(2026, 1, 1), D(2026, 12, 31), auto_renew=True, notice_period_days=90)
    plain = Terms(D(2026, 1, 1), D(2026, 11, 30))
    open_ended = Terms(D(2025, 1, 1), None)
    today = D(2026, 6, 1)
    # Tacit notice date Oct 2 comes before the plain contract's Nov 30.
    assert metrics.current_contract([plain, open_ended, tacit], today) is tacit
    assert metrics.current_contract([open_ended], today) is open_ended
    old = Terms(D(2024, 1, 1), D(2024, 12, 31))
    older = Terms(D(2023, 1, 1), D(2023, 12, 31))
    assert metrics.current_contract([older, old], today) is old  # none active: latest-ending
    assert metrics.current_contract([], today) is None
    assert metrics.latest_start([plain, open_ended, tacit]) == D(2026, 1, 1)


def test_payment_status():
    assert metrics.payment_status(open_count=2, overdue_count=1, paid_count=5) == "overdue"
    assert metrics.payment_status(open_count=2, overdue_count=0, paid_count=5) == "due"
    assert metrics.payment_status(open_count=0, overdue_count=0, paid_count=5) == "paid"
    assert metrics.payment_status(open_count=0, overdue_count=0, paid_count=0) is None
