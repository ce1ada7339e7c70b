"""Contracts, renewals and invoices: their rules, timeline entries and audit rows."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from panorama.core.audit import changes_of
from panorama.core.models import RecordChange
from panorama.customers.models import Plan
from panorama.revenue import services
from panorama.revenue.models import Contract, Invoice
from panorama.revenue.tests.conftest import NOW, TODAY
from panorama.timeline.entries import entries_about
from panorama.timeline.models import Entry

pytestmark = pytest.mark.django_db

JAN_1 = dt.date(2026, 1, 1)
DEC_31 = dt.date(2026, 12, 31)


def _contract(book, **kwargs) -> Contract:
    defaults = {
        "account": book.acme,
        "mrr": 490,
        "currency": "EUR",
        "start_date": JAN_1,
        "end_date": DEC_31,
    }
    return services.record_contract_signed(**(defaults | kwargs))


def test_a_signed_contract_has_its_entry_and_notice_date(book, now):
    growth = Plan.objects.get(name="Growth")
    contract = _contract(book, plan=growth, auto_renew=True, notice_period_days=60)
    assert contract.notice_date == dt.date(2026, 11, 1)  # Dec 31 - 60 days
    assert contract.arr == Decimal("5880.00")
    entry = entries_about(contract).get()
    assert entry.kind == "contract_signed"
    assert entry.title == "Contract signed: Growth, 490.00 EUR MRR"
    assert entry.occurred_at == dt.datetime(2026, 1, 1, tzinfo=dt.UTC)  # no signing time
    assert entry.details["notice_date"] == "2026-11-01"
    assert list(entry.accounts.all()) == [book.acme]
    assert RecordChange.objects.get().action == "created"


def test_without_tacit_renewal_the_notice_date_is_the_end(book, now):
    contract = _contract(book, auto_renew=False, notice_period_days=60)
    assert contract.notice_date == DEC_31
    assert _contract(book, end_date=None).notice_date is None


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"end_date": JAN_1}, "end_date"),
        ({"end_date": dt.date(2025, 12, 1)}, "end_date"),
        ({"mrr": -1}, "mrr"),
        ({"currency": "E"}, "currency"),
        ({"notice_period_days": 5000}, "notice_period_days"),
    ],
)
def test_a_bad_contract_is_refused_naming_the_field_and_nothing_is_written(
    book, now, kwargs, field
):
    with pytest.raises(ValidationError) as caught:
        _contract(book, **kwargs)
    assert field in caught.value.message_dict
    assert not Contract.objects.exists()
    assert not Entry.objects.filter(kind="contract_signed").exists()
    assert not RecordChange.objects.exists()


def test_updating_a_contract_rewrites_its_entry_and_is_audited(book, now):
    contract = _contract(book)
    services.update_contract(contract=contract, mrr="590", auto_renew=True)
    entry = entries_about(contract).get()
    assert entry.title == "Contract signed: 590.00 EUR MRR"
    assert entry.details["auto_renew"] is True
    change = changes_of(contract).first()
    assert change is not None
    assert change.changes == {
        "auto_renew": {"old": False, "new": True},
        "mrr": {"old": "490.00", "new": "590.00"},
    }
    with pytest.raises(ValidationError) as caught:
        services.update_contract(contract=contract, end_date=dt.date(2025, 1, 1))
    assert "end_date" in caught.value.message_dict
    assert Contract.objects.get().end_date == DEC_31
    with pytest.raises(ValidationError) as caught:
        services.update_contract(contract=contract, account=book.globex)
    assert "account" in caught.value.message_dict


def test_a_renewal_follows_the_contract_with_its_terms(book, now):
    contract = _contract(book, auto_renew=True, notice_period_days=30)
    renewal = services.renew_contract(contract=contract, end_date=dt.date(2027, 12, 31), mrr=520)
    assert (renewal.start_date, renewal.end_date) == (dt.date(2027, 1, 1), dt.date(2027, 12, 31))
    assert (renewal.mrr, renewal.currency, renewal.auto_renew) == (Decimal(520), "EUR", True)
    assert renewal.notice_period_days == 30 and renewal.renewed_from == contract
    entry = entries_about(renewal).get()
    assert entry.title == "Contract renewed: 520.00 EUR MRR"
    assert entry.details["renewal"] is True
    open_ended = _contract(book, end_date=None)
    with pytest.raises(ValidationError) as caught:
        services.renew_contract(contract=open_ended, end_date=None)
    assert "start_date" in caught.value.message_dict


def test_a_contract_of_another_accounts_deal_is_refused(book, now):
    deal = services.record_deal_created(account=book.globex, name="Globex")
    with pytest.raises(ValidationError) as caught:
        _contract(book, deal=deal)
    assert "deal" in caught.value.message_dict


def test_deleting_a_contract_removes_its_entry_and_unlinks_its_invoices(book, now):
    contract = _contract(book)
    invoice = services.record_invoice_issued(
        account=book.acme,
        contract=contract,
        number="F-1",
        amount=490,
        issued_on=JAN_1,
        due_on=JAN_1,
    )
    services.delete_contract(contract=contract)
    assert not Entry.objects.filter(kind="contract_signed").exists()
    invoice.refresh_from_db()
    assert invoice.contract is None
    assert RecordChange.objects.filter(action="deleted", record_label=str(contract)).exists()


# --- Invoices ----------------------------------------------------------------------------


def _invoice(book, **kwargs) -> Invoice:
    defaults = {
        "account": book.acme,
        "number": "F-2026-001",
        "amount": 1470,
        "currency": "EUR",
        "issued_on": dt.date(2026, 2, 1),
        "due_on": dt.date(2026, 2, 28),
    }
    return services.record_invoice_issued(**(defaults | kwargs))


def test_an_issued_invoice_is_open_and_then_overdue(book, now):
    invoice = _invoice(book)
    assert invoice.status == "open"
    assert invoice.payment_status(dt.date(2026, 2, 28)) == "due"
    assert invoice.payment_status(TODAY) == "overdue" and invoice.days_overdue(TODAY) == 2
    entry = entries_about(invoice).get()
    assert (entry.kind, entry.title) == (
        "invoice_issued",
        "Invoice F-2026-001 issued: 1,470.00 EUR",
    )
    assert entry.occurred_at == dt.datetime(2026, 2, 1, tzinfo=dt.UTC)
    assert list(entry.accounts.all()) == [book.acme]


def test_paying_an_invoice_posts_its_entry(book, now):
    invoice = _invoice(book)
    services.record_invoice_paid(invoice=invoice, paid_on=dt.date(2026, 3, 1))
    assert (invoice.status, invoice.paid_on) == ("paid", dt.date(2026, 3, 1))
    assert invoice.payment_status(TODAY) == "paid" and not invoice.is_overdue(TODAY)
    paid = entries_about(invoice).get(kind="invoice_paid")
    assert paid.title == "Invoice F-2026-001 paid: 1,470.00 EUR"
    assert paid.details["days_late"] == 1
    with pytest.raises(ValidationError) as caught:
        services.record_invoice_paid(invoice=invoice)
    assert "status" in caught.value.message_dict


def test_paid_today_is_on_the_timeline_now(book, now):
    invoice = _invoice(book)
    services.record_invoice_paid(invoice=invoice)
    assert invoice.paid_on == TODAY
    assert entries_about(invoice).get(kind="invoice_paid").occurred_at == NOW


def test_unpaying_an_invoice_removes_its_payment_entry(book, now):
    invoice = _invoice(book)
    services.record_invoice_paid(invoice=invoice, paid_on=dt.date(2026, 2, 10))
    services.update_invoice(invoice=invoice, status="open")
    assert (invoice.status, invoice.paid_on) == ("open", None)
    assert list(entries_about(invoice).values_list("kind", flat=True)) == ["invoice_issued"]


def test_a_draft_has_no_entry_until_issued(book, now):
    invoice = _invoice(book, draft=True)
    assert invoice.status == "draft" and not entries_about(invoice).exists()
    services.update_invoice(invoice=invoice, status="open")
    assert entries_about(invoice).get().kind == "invoice_issued"
    services.update_invoice(invoice=invoice, status="void")
    assert entries_about(invoice).get().details["status"] == "void"
    assert invoice.payment_status(TODAY) == "void"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"due_on": dt.date(2026, 1, 31)}, "due_on"),
        ({"amount": -1}, "amount"),
        ({"number": " "}, "number"),
        ({"currency": "EURO"}, "currency"),
    ],
)
def test_a_bad_invoice_is_refused_naming_the_field_and_nothing_is_written(book, now, kwargs, field):
    with pytest.raises(ValidationError) as caught:
        _invoice(book, **kwargs)
    assert field in caught.value.message_dict
    assert not Invoice.objects.exists()
    assert not Entry.objects.filter(kind="invoice_issued").exists()


def test_invoice_numbers_are_unique(book, now):
    _invoice(book)
    with pytest.raises(ValidationError) as caught:
        _invoice(book, account=book.globex)
    assert "number" in caught.value.message_dict
    assert Invoice.objects.count() == 1


def test_payment_rules(book, now):
    invoice = _invoice(book)
    with pytest.raises(ValidationError) as caught:
        services.record_invoice_paid(invoice=invoice, paid_on=dt.date(2026, 1, 1))
    assert "paid_on" in caught.value.message_dict
    assert Invoice.objects.get().status == "open" and invoice.status == "open"
    with pytest.raises(ValidationError) as caught:
        services.update_invoice(invoice=invoice, paid_on=dt.date(2026, 2, 2))
    assert "paid_on" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.update_invoice(invoice=invoice, status="paid")
    assert "paid_on" in caught.value.message_dict
    assert not entries_about(invoice).filter(kind="invoice_paid").exists()


def test_an_invoice_of_another_accounts_contract_is_refused(book, now):
    contract = _contract(book, account=book.globex)
    with pytest.raises(ValidationError) as caught:
        _invoice(book, contract=contract)
    assert "contract" in caught.value.message_dict


def test_deleting_an_invoice_removes_its_entries(book, now):
    invoice = _invoice(book)
    services.record_invoice_paid(invoice=invoice)
    services.delete_invoice(invoice=invoice)
    assert not Entry.objects.filter(kind__startswith="invoice").exists()
    assert RecordChange.objects.get(action="deleted").changes["number"]["old"] == "F-2026-001"


def test_a_voided_draft_never_shows_as_issued(book, now):
    invoice = _invoice(book, draft=True)
    services.update_invoice(invoice=invoice, status="void")
    assert not entries_about(invoice).exists()
