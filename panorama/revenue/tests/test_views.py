"""The contracts page and the account page's Deals and Revenue & support tabs, per persona."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import Book, client_for
from panorama.core.clock import frozen_at
from panorama.revenue import services
from panorama.revenue.tests.conftest import NOW, TODAY
from panorama.support import services as support

pytestmark = pytest.mark.django_db

CONTRACTS = reverse("customers:contracts")
YEAR_END = dt.date(2026, 12, 31)


@pytest.fixture
def signed(book: Book, now):
    """A contract at Acme (member's, renewing soon) and one at Initech (admin's only)."""
    services.record_contract_signed(
        account=book.acme,
        mrr=490,
        currency="EUR",
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2026, 3, 31),
    )
    services.record_contract_signed(
        account=book.initech,
        mrr=1200,
        start_date=dt.date(2025, 1, 1),
        end_date=YEAR_END,
        auto_renew=True,
        notice_period_days=90,
    )
    services.record_contract_signed(
        account=book.globex, mrr=99, start_date=dt.date(2024, 1, 1), end_date=dt.date(2024, 12, 31)
    )


@pytest.mark.parametrize(
    ("who", "expected"),
    [("admin", {"Acme", "Initech"}), ("member", {"Acme"}), ("outsider", set())],
)
def test_the_contracts_page_lists_active_contracts_of_visible_accounts(
    request, signed, who, expected
):
    with frozen_at(NOW):
        html = client_for(request.getfixturevalue(who)).get(CONTRACTS).content.decode()
    shown = {name for name in ("Acme", "Initech", "Globex") if f"<strong>{name}</strong>" in html}
    assert shown == expected
    if not expected:
        assert "No active contract among the customers you can see." in html


def test_the_contracts_page_shows_mrr_renewal_and_auto_renew(signed, admin):
    with frozen_at(NOW):
        html = client_for(admin).get(CONTRACTS).content.decode()
    acme = html[html.index("<strong>Acme</strong>") :]
    acme = acme[: acme.index("</tr>")]
    assert "490.00 EUR" in acme and "Mar 31, 2026" in acme
    assert 'class="small health-critical">in 29 d' in acme  # notice date within 30 days
    initech = html[html.index("<strong>Initech</strong>") :]
    initech = initech[: initech.index("</tr>")]
    assert "Oct 2, 2026" in initech  # Dec 31 - 90 days: tacit renewal
    assert "90 d notice" in initech and "1,200.00 USD" in initech


def test_all_contracts_include_ended_ones_and_the_region_renders_alone(signed, member):
    client = client_for(member)
    with frozen_at(NOW):
        html = client.get(CONTRACTS, {"show": "all"}, headers={"HX-Request": "true"})
    text = html.content.decode()
    assert text.lstrip().startswith('<div id="results"')
    assert "<strong>Globex</strong>" in text and "Ended" in text
    assert "<strong>Initech</strong>" not in text


def test_the_contracts_page_makes_a_constant_number_of_queries(book, admin, now):
    client = client_for(admin)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(CONTRACTS, {"show": "all"}).status_code == 200
        return len(ctx.captured_queries)

    services.record_contract_signed(account=book.acme, mrr=1, start_date=TODAY)
    one = count()
    for i in range(49):
        account = [book.acme, book.globex, book.initech][i % 3]
        services.record_contract_signed(account=account, mrr=i, start_date=TODAY)
    assert count() == one


# --- Account tabs ------------------------------------------------------------------------


@pytest.mark.parametrize("tab", ["deals", "revenue"])
@pytest.mark.parametrize(("who", "status"), [("admin", 200), ("member", 404), ("outsider", 404)])
def test_account_tabs_are_404_outside_visibility(request, book, tab, who, status):
    client = client_for(request.getfixturevalue(who))
    response = client.get(book.initech.get_absolute_url(), {"tab": tab})
    assert response.status_code == status


def test_the_deals_tab_shows_active_deals_history_and_metrics(book, sales, member):
    with frozen_at(NOW - dt.timedelta(days=30)):
        won = services.record_deal_created(
            account=book.acme, name="First seats", value=5000, currency="EUR", products=["Seats"]
        )
        services.record_deal_created(account=book.acme, name="Upsell", value=3000, currency="EUR")
    with frozen_at(NOW - dt.timedelta(days=10)):
        services.move_deal_stage(deal=won, stage=sales["Closed won"])
    services.record_deal_created(account=book.initech, name="Hidden deal")
    with frozen_at(NOW):
        response = client_for(member).get(
            book.acme.get_absolute_url(), {"tab": "deals"}, headers={"HX-Request": "true"}
        )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="tab">')
    assert "Upsell" in html and "First seats" in html and "Hidden deal" not in html
    assert "5,000.00 EUR" in html  # lifetime value
    assert "3,000.00 EUR" in html  # active pipeline
    assert "100 %" in html  # win rate
    assert "20 days" in html  # average sales cycle
    assert "status-paying" in html  # the won badge


def test_the_revenue_tab_shows_contracts_invoices_and_support(book, member, now):
    services.record_contract_signed(
        account=book.acme, mrr=490, currency="EUR", start_date=dt.date(2026, 1, 1)
    )
    services.record_invoice_issued(
        account=book.acme,
        number="F-1",
        amount=490,
        currency="EUR",
        issued_on=dt.date(2026, 1, 1),
        due_on=dt.date(2026, 1, 31),
    )
    ticket = support.record_ticket_opened(account=book.acme, subject="Export fails")
    support.record_survey_response(account=book.acme, kind="nps", score=9, contact=book.jane)
    support.record_ticket_opened(account=book.initech, subject="Hidden ticket")
    with frozen_at(NOW + dt.timedelta(hours=2)):
        support.resolve_ticket(ticket=ticket)
        html = client_for(member).get(book.acme.get_absolute_url(), {"tab": "revenue"})
    text = html.content.decode()
    assert "Revenue &amp; support" in text
    assert "5,880.00 EUR" in text  # ARR
    assert "Overdue" in text and "F-1" in text
    assert "Export fails" in text and "Hidden ticket" not in text
    assert "2 h" in text  # resolution time
    assert ">100</strong>" in text  # NPS of one promoter


def test_account_tabs_make_a_constant_number_of_queries(book, sales, admin, now):
    client = client_for(admin)

    def add(i: int) -> None:
        deal = services.record_deal_created(account=book.acme, name=f"D{i}", value=i)
        if i % 2:
            services.move_deal_stage(deal=deal, stage=sales["Closed won"])
        services.record_quote_sent(deal=deal, number=f"Q{i}", amount=i)
        services.record_order_placed(account=book.acme, number=f"O{i}", amount=i, deal=deal)
        services.record_contract_signed(account=book.acme, mrr=i, start_date=TODAY)
        services.record_invoice_issued(
            account=book.acme, number=f"F{i}", amount=i, issued_on=TODAY, due_on=TODAY
        )
        support.record_ticket_opened(account=book.acme, subject=f"T{i}", contact=book.jane)
        support.record_survey_response(account=book.acme, kind="csat", score=3)

    def count(tab: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(book.acme.get_absolute_url(), {"tab": tab})
            assert response.status_code == 200
        return len(ctx.captured_queries)

    add(0)
    one = {tab: count(tab) for tab in ("deals", "revenue")}
    for i in range(1, 50):
        add(i)
    assert {tab: count(tab) for tab in ("deals", "revenue")} == one
