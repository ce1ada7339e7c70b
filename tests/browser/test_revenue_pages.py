"""A CSM reads an account's deals, revenue and support, and the renewals on the contracts page."""

import datetime as dt

import pytest

from conftest import PASSWORD, Book
from panorama.core.actors import Actor, acting_as
from panorama.revenue import services as revenue
from panorama.revenue.models import PipelineStage
from panorama.support import services as support

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
TODAY = NOW.date()


def _book_of_business(book: Book, member) -> None:
    """Acme: an open deal moving through the pipeline, a won and a lost one, a contract up for
    renewal in three weeks, an overdue invoice, tickets and survey answers."""
    pipeline = revenue.ensure_default_pipeline()
    stage = {s.name: s for s in PipelineStage.objects.filter(pipeline=pipeline)}
    with acting_as(Actor("web", member)):
        expansion = revenue.record_deal_created(
            account=book.acme, name="EMEA expansion", value=48000, owner=member,
            stage=stage["Discovery"], next_step="Security review with their CISO",
            created_at=NOW - dt.timedelta(days=40), products=["Seats", "SSO"],
        )  # fmt: skip
        revenue.move_deal_stage(
            deal=expansion, stage=stage["Proposal"], changed_at=NOW - dt.timedelta(days=12)
        )
        won = revenue.record_deal_created(
            account=book.acme, name="Initial purchase", value=24000,
            created_at=NOW - dt.timedelta(days=400), stage=stage["Qualification"],
        )  # fmt: skip
        revenue.move_deal_stage(
            deal=won, stage=stage["Closed won"], changed_at=NOW - dt.timedelta(days=365)
        )
        lost = revenue.record_deal_created(
            account=book.acme, name="Analytics add-on", value=9000,
            created_at=NOW - dt.timedelta(days=90), stage=stage["Demo"],
        )  # fmt: skip
        revenue.move_deal_stage(
            deal=lost, stage=stage["Closed lost"], lost_reason="Chose a competitor",
            changed_at=NOW - dt.timedelta(days=60),
        )  # fmt: skip
        contract = revenue.record_contract_signed(
            account=book.acme, mrr=2000, start_date=TODAY - dt.timedelta(days=344),
            end_date=TODAY + dt.timedelta(days=21), auto_renew=False, deal=won,
        )  # fmt: skip
        revenue.record_invoice_issued(
            account=book.acme, number="INV-1001", amount=6000, contract=contract,
            issued_on=TODAY - dt.timedelta(days=45), due_on=TODAY - dt.timedelta(days=15),
        )  # fmt: skip
        paid = revenue.record_invoice_issued(
            account=book.acme, number="INV-1000", amount=6000, contract=contract,
            issued_on=TODAY - dt.timedelta(days=135), due_on=TODAY - dt.timedelta(days=105),
        )  # fmt: skip
        revenue.record_invoice_paid(invoice=paid, paid_on=TODAY - dt.timedelta(days=110))
        ticket = support.record_ticket_opened(
            account=book.acme, subject="SSO login loops", contact=book.jane, priority="high",
            created_at=NOW - dt.timedelta(days=3), first_response_at=NOW - dt.timedelta(days=3),
        )  # fmt: skip
        old = support.record_ticket_opened(
            account=book.acme, subject="Export is slow", created_at=NOW - dt.timedelta(days=30),
            first_response_at=NOW - dt.timedelta(days=30) + dt.timedelta(hours=2),
        )  # fmt: skip
        support.resolve_ticket(ticket=old, resolved_at=NOW - dt.timedelta(days=28))
        support.record_survey_response(
            account=book.acme, kind="nps", score=9, contact=book.jane,
            comment="Great support team", responded_at=NOW - dt.timedelta(days=20),
        )  # fmt: skip
        assert ticket.pk


def _log_in(page, user) -> None:
    page.goto("/login/")
    page.fill("input[name=username]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/customers/")


def test_deals_revenue_and_renewals(page, screenshot, book: Book, member):
    _book_of_business(book, member)
    _log_in(page, member)
    page.goto(f"/customers/accounts/{book.acme.pk}/")

    page.get_by_role("tab", name="Deals").click()
    page.wait_for_url("**tab=deals**")
    deals = page.locator("main").inner_text()
    assert "EMEA expansion" in deals and "Security review with their CISO" in deals
    assert "Initial purchase" in deals and "Analytics add-on" in deals
    assert "Chose a competitor" in deals
    screenshot("account-deals")

    page.get_by_role("tab", name="Revenue & support").click()
    page.wait_for_url("**tab=revenue**")
    revenue_text = page.locator("main").inner_text()
    assert "INV-1001" in revenue_text  # overdue and unpaid
    assert "SSO login loops" in revenue_text
    screenshot("account-revenue")

    page.get_by_role("link", name="Contracts").click()
    page.wait_for_url("**/contracts/**")
    contracts = page.locator("main").inner_text()
    assert "Acme" in contracts
    assert "Globex" not in contracts  # not the member's account
    screenshot("contracts")
