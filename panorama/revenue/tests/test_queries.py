"""Revenue reads: figures against hand-computed expectations, visibility, query counts."""

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from panorama.core.clock import frozen_at
from panorama.customers.models import Account
from panorama.revenue import queries, services
from panorama.revenue.tests.conftest import NOW, TODAY

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def _at(days: int) -> dt.datetime:
    return NOW + days * DAY


def _deal_moving(account, sales, name, moves, value=1000, currency="EUR", lost_reason=""):
    """A deal created at day 0 of ``moves`` then moved to each (day, stage name) in turn."""
    (start, _), *rest = moves
    with frozen_at(_at(start)):
        deal = services.record_deal_created(
            account=account, name=name, value=value, currency=currency
        )
    for day, stage in rest:
        with frozen_at(_at(day)):
            reason = lost_reason if stage == "Closed lost" else ""
            services.move_deal_stage(deal=deal, stage=sales[stage], lost_reason=reason)
    return deal


def test_account_deals_by_hand(book, sales):
    # Two deals that went through Demo (4 and 10 days there) make Demo's average 7 days.
    _deal_moving(book.globex, sales, "Globex A", [(-30, None), (-28, "Demo"), (-24, "Proposal")])
    won = _deal_moving(
        book.acme,
        sales,
        "Won",
        [(-60, None), (-50, "Demo"), (-40, "Closed won")],
        value=3000,
    )
    lost = _deal_moving(
        book.acme,
        sales,
        "Lost",
        [(-20, None), (-15, "Closed lost")],
        value=500,
        lost_reason="Price",
    )
    stalled = _deal_moving(book.acme, sales, "Stalled", [(-12, None), (-9, "Demo")], value=8000)
    fresh = _deal_moving(book.acme, sales, "Fresh", [(-2, None)], value=200, currency="USD")
    with frozen_at(NOW):
        result = queries.fetch_account_deals(book.acme)
    assert [o.deal for o in result.open] == [fresh, stalled]
    by_deal = {o.deal: o for o in result.open}
    assert by_deal[stalled].days_in_stage == 9
    assert by_deal[stalled].stage_average_days == 7.0  # (4 + 10) / 2
    assert by_deal[stalled].is_stalled
    assert by_deal[fresh].days_in_stage == 2
    assert by_deal[fresh].stage_average_days == 5.0  # Qualification: (2 + 10 + 5 + 3) / 4
    assert not by_deal[fresh].is_stalled
    assert [(c.deal, c.duration_days) for c in result.closed] == [(lost, 5), (won, 20)]
    m = result.metrics
    assert m.lifetime_value == {"EUR": Decimal(3000)}
    assert m.active_pipeline == {"EUR": Decimal(8000), "USD": Decimal(200)}
    assert m.win_rate == 0.5
    assert m.average_deal_size == {"EUR": Decimal("3000.00")}
    assert m.average_sales_cycle_days == 12.5  # (20 + 5) / 2


def test_stage_averages_count_only_ended_stays(book, sales):
    _deal_moving(book.acme, sales, "A", [(-10, None), (-7, "Demo")])
    _deal_moving(book.acme, sales, "B", [(-10, None), (-5, "Demo"), (-1, "Proposal")])
    averages = queries.stage_average_days()
    assert averages[sales["Qualification"].pk] == 4.0  # 3 and 5 days
    assert averages[sales["Demo"].pk] == 4.0  # B's 4 days; A is still there
    assert sales["Proposal"].pk not in averages


def test_days_in_stage_count_calendar_days_in_the_org_time_zone(book, sales, settings):
    settings.TIME_ZONE = "Europe/Paris"
    created = dt.datetime(2026, 3, 1, 22, 30, tzinfo=dt.UTC)  # 23:30 in Paris, March 1st
    with frozen_at(created):
        deal = services.record_deal_created(account=book.acme, name="Late")
    # 23:10 UTC is already March 3rd in Paris: two calendar days, though under 49 hours.
    with frozen_at(dt.datetime(2026, 3, 2, 23, 10, tzinfo=dt.UTC)):
        assert queries.days_in_stage(deal) == 2
        change = services.move_deal_stage(deal=deal, stage=sales["Demo"])
    assert change.days_in_from_stage == 2


def test_account_contracts_by_hand(book, now):
    services.record_contract_signed(
        account=book.acme,
        mrr=300,
        currency="EUR",
        start_date=dt.date(2025, 1, 1),
        end_date=dt.date(2025, 12, 31),
    )
    tacit = services.record_contract_signed(
        account=book.acme,
        mrr=490,
        currency="EUR",
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2026, 12, 31),
        auto_renew=True,
        notice_period_days=300,
    )
    services.record_contract_signed(
        account=book.acme,
        mrr=100,
        currency="EUR",
        start_date=dt.date(2026, 2, 1),
        end_date=dt.date(2027, 1, 31),
    )
    services.record_contract_signed(
        account=book.acme, mrr=50, currency="EUR", start_date=dt.date(2026, 4, 1)
    )
    result = queries.fetch_account_contracts(book.acme)
    assert result.mrr == {"EUR": Decimal(590)}
    assert result.arr == {"EUR": Decimal(7080)}
    assert result.current == tacit
    assert result.notice_date == dt.date(2026, 3, 6)  # Dec 31 - 300 days
    assert result.days_to_renewal == 4 and result.renewal_soon
    assert result.start_date == dt.date(2026, 4, 1)  # the latest-starting contract
    assert len(result.active) == 2


def test_account_invoices_by_hand(book, now):
    def invoice(number, amount, issued, due, currency="EUR"):
        return services.record_invoice_issued(
            account=book.acme,
            number=number,
            amount=amount,
            currency=currency,
            issued_on=issued,
            due_on=due,
        )

    invoice("F-1", 100, dt.date(2026, 1, 1), dt.date(2026, 1, 31))  # overdue
    invoice("F-2", 250, dt.date(2026, 2, 1), dt.date(2026, 3, 2))  # due today: not overdue
    invoice("F-3", 40, dt.date(2026, 2, 1), dt.date(2026, 2, 10), "USD")  # overdue
    paid = invoice("F-4", 999, dt.date(2026, 1, 1), dt.date(2026, 1, 31))
    services.record_invoice_paid(invoice=paid, paid_on=dt.date(2026, 1, 20))
    void = invoice("F-5", 500, dt.date(2026, 1, 1), dt.date(2026, 1, 2))
    services.update_invoice(invoice=void, status="void")
    invoice("F-6", 70, dt.date(2026, 2, 1), dt.date(2026, 2, 2)).delete()
    result = queries.fetch_account_invoices(book.acme)
    assert result.outstanding == {"EUR": Decimal(350), "USD": Decimal(40)}
    assert result.overdue == {"EUR": Decimal(100), "USD": Decimal(40)}
    assert result.overdue_count == 2 and result.total_count == 5
    assert result.payment_status == "overdue"
    assert [i.number for i in result.invoices] == ["F-3", "F-2", "F-5", "F-4", "F-1"]
    assert queries.fetch_account_invoices(book.globex).payment_status is None


# --- Visibility --------------------------------------------------------------------------


@pytest.fixture
def records(book, sales, now):
    """One record of every kind at Acme (member's) and at Initech (admin's only)."""
    made = {}
    for account in (book.acme, book.initech):
        key = account.name
        deal = services.record_deal_created(account=account, name=f"{key} deal")
        made[key] = {
            "deal": deal,
            "quote": services.record_quote_sent(deal=deal, number=f"Q-{key}", amount=1),
            "order": services.record_order_placed(account=account, number=f"O-{key}", amount=1),
            "contract": services.record_contract_signed(account=account, mrr=1, start_date=TODAY),
            "invoice": services.record_invoice_issued(
                account=account, number=f"F-{key}", amount=1, issued_on=TODAY, due_on=TODAY
            ),
        }
    return made


LISTS: dict[str, tuple[Callable[..., Any], Callable[..., Any]]] = {
    "deal": (queries.deals_for_list, queries.access_deal),
    "quote": (queries.quotes_for_list, queries.access_quote),
    "order": (queries.orders_for_list, queries.access_order),
    "contract": (queries.contracts_for_list, queries.access_contract),
    "invoice": (queries.invoices_for_list, queries.access_invoice),
}


@pytest.mark.parametrize("kind", sorted(LISTS))
@pytest.mark.parametrize(
    ("who", "visible"),
    [("admin", {"Acme", "Initech"}), ("member", {"Acme"}), ("outsider", set())],
)
def test_each_persona_sees_only_the_records_of_visible_accounts(
    request, records, kind, who, visible
):
    user = request.getfixturevalue(who)
    for_list, access = LISTS[kind]
    assert set(for_list(user)) == {records[name][kind] for name in visible}
    for name in ("Acme", "Initech"):
        record = records[name][kind]
        if name in visible:
            assert access(user, record.pk) == record
        else:
            with pytest.raises(Http404):
                access(user, record.pk)
    with pytest.raises(Http404):
        access(user, 999_999)


def test_a_list_narrows_to_one_account(records, admin, book):
    assert list(queries.deals_for_list(admin, account=book.acme)) == [records["Acme"]["deal"]]
    assert list(queries.contracts_for_list(admin, active_on=TODAY - DAY)) == []


# --- Query counts ------------------------------------------------------------------------


def _populate(account: Account, sales, n: int, offset: int) -> None:
    for i in range(offset, offset + n):
        deal = services.record_deal_created(account=account, name=f"D{i}", value=i)
        services.move_deal_stage(deal=deal, stage=sales["Closed won" if i % 2 else "Demo"])
        services.record_quote_sent(deal=deal, number=f"Q{i}", amount=i)
        services.record_order_placed(account=account, number=f"O{i}", amount=i, deal=deal)
        services.record_contract_signed(account=account, mrr=i, start_date=TODAY)
        services.record_invoice_issued(
            account=account, number=f"F{i}", amount=i, issued_on=TODAY, due_on=TODAY
        )


def _count(function, *args, **kwargs) -> int:
    with CaptureQueriesContext(connection) as ctx:
        result = function(*args, **kwargs)
        if hasattr(result, "__iter__") and not isinstance(result, dict):
            for row in result:
                str(row)
                getattr(row, "account", None)
    return len(ctx.captured_queries)


READS: dict[str, Callable[[Any, Account], Any]] = {
    "fetch_account_deals": lambda user, account: queries.fetch_account_deals(account),
    "fetch_account_revenue": lambda user, account: queries.fetch_account_revenue(account),
    "deals_for_list": lambda user, account: queries.deals_for_list(user),
    "quotes_for_list": lambda user, account: queries.quotes_for_list(user),
    "orders_for_list": lambda user, account: queries.orders_for_list(user),
    "contracts_for_list": lambda user, account: queries.contracts_for_list(user),
    "invoices_for_list": lambda user, account: queries.invoices_for_list(user),
}


def test_reads_make_the_same_number_of_queries_at_1_and_50_records(book, sales, member, now):
    _populate(book.acme, sales, 1, 0)
    one = {name: _count(read, member, book.acme) for name, read in READS.items()}
    _populate(book.acme, sales, 49, 1)
    assert {name: _count(read, member, book.acme) for name, read in READS.items()} == one
