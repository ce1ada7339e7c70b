"""Writing contracts (signatures, changes, renewals) and invoices (issue, payment), each with
its timeline entries.

Every function runs in one transaction: the record, its timeline entries (``post_entry``) and
its audit row (``RecordChange``) are written together or not at all. Errors are
``ValidationError``s naming the fields.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from panorama.core import clock
from panorama.core.audit import apply_changes, log_change, values_of
from panorama.core.models import ChangeAction
from panorama.customers.models import Account, Plan
from panorama.revenue.models import Contract, Deal, Invoice, InvoiceStatus
from panorama.revenue.models.common import DEFAULT_CURRENCY
from panorama.revenue.services.common import (
    entry_of,
    money_text,
    refresh_entry,
    save_or_restore,
    start_of_day,
)
from panorama.timeline.entries import post_entry

CONTRACT_EDITABLE = frozenset(
    {
        "plan",
        "mrr",
        "currency",
        "start_date",
        "end_date",
        "auto_renew",
        "notice_period_days",
        "signed_at",
        "external_id",
        "deal",
    }
)
CONTRACT_AUDITED = (*sorted(CONTRACT_EDITABLE), "renewed_from")
INVOICE_EDITABLE = frozenset(
    {"number", "amount", "currency", "issued_on", "due_on", "paid_on", "status", "contract"}
)


def _day_time(day: dt.date) -> dt.datetime:
    """When a dated event goes on the timeline: now if it is today, else the day's start."""
    return clock.now() if day == clock.today() else start_of_day(day)


# --- Contracts ---------------------------------------------------------------------------


def _contract_entry(contract: Contract) -> dict[str, Any]:
    renewal = contract.renewed_from_id is not None
    plan = f"{contract.plan.name}, " if contract.plan is not None else ""
    deal = contract.deal
    return {
        "title": (
            f"Contract {'renewed' if renewal else 'signed'}: "
            f"{plan}{money_text(contract.mrr)} {contract.currency} MRR"
        ),
        "occurred_at": contract.signed_at or start_of_day(contract.start_date),
        "accounts": [contract.account],
        "contacts": list(deal.contacts.all()) if deal is not None else [],
        "details": {
            "contract_id": contract.pk,
            "plan": contract.plan.name if contract.plan is not None else None,
            "mrr": str(contract.mrr),
            "currency": contract.currency,
            "start_date": contract.start_date,
            "end_date": contract.end_date,
            "auto_renew": contract.auto_renew,
            "notice_period_days": contract.notice_period_days,
            "notice_date": contract.notice_date,
            "renewal": renewal,
            "renewed_from_id": contract.renewed_from_id,
            "deal_id": contract.deal_id,
        },
    }


@transaction.atomic
def record_contract_signed(
    *,
    account: Account,
    mrr: Decimal | int | str,
    start_date: dt.date,
    end_date: dt.date | None = None,
    currency: str = DEFAULT_CURRENCY,
    plan: Plan | None = None,
    auto_renew: bool = False,
    notice_period_days: int = 0,
    signed_at: dt.datetime | None = None,
    deal: Deal | None = None,
    renewed_from: Contract | None = None,
    external_id: str | None = None,
) -> Contract:
    """Record a contract of ``account`` and its "contract signed" entry (dated ``signed_at``,
    else the start date). ``end_date`` empty: it runs until an end is set."""
    contract = Contract(
        account=account,
        plan=plan,
        deal=deal,
        renewed_from=renewed_from,
        external_id=external_id,
        mrr=mrr,
        currency=currency,
        start_date=start_date,
        end_date=end_date,
        auto_renew=auto_renew,
        notice_period_days=notice_period_days,
        signed_at=signed_at,
    )
    contract.save()
    post_entry(kind="contract_signed", subject=contract, **_contract_entry(contract))
    log_change(record=contract, account=account, action=ChangeAction.CREATED)
    return contract


@transaction.atomic
def update_contract(*, contract: Contract, **changes: Any) -> Contract:
    """Change a contract's fields (any of ``CONTRACT_EDITABLE``) and refresh its entry."""
    before = values_of(contract, CONTRACT_AUDITED)
    apply_changes(contract, changes, CONTRACT_EDITABLE)
    save_or_restore(contract)
    after = values_of(contract, CONTRACT_AUDITED)
    if before != after:
        refresh_entry(contract, "contract_signed", _contract_entry(contract))
    log_change(
        record=contract,
        account=contract.account,
        action=ChangeAction.UPDATED,
        before=before,
        after=after,
    )
    return contract


@transaction.atomic
def renew_contract(
    *,
    contract: Contract,
    end_date: dt.date | None,
    start_date: dt.date | None = None,
    mrr: Decimal | int | str | None = None,
    plan: Plan | None = None,
    currency: str | None = None,
    auto_renew: bool | None = None,
    notice_period_days: int | None = None,
    signed_at: dt.datetime | None = None,
    external_id: str | None = None,
) -> Contract:
    """Record the renewal of ``contract``: a new contract following it (from the day after
    its end unless ``start_date`` says otherwise), with its terms unless others are given.

    The renewal is a contract of its own (``renewed_from`` = the old one) so that the old
    term's MRR, dates and invoices stay as they were.
    """
    if start_date is None:
        if contract.end_date is None:
            raise ValidationError(
                {"start_date": "The contract has no end date: say when the renewal starts."}
            )
        start_date = contract.end_date + dt.timedelta(days=1)
    return record_contract_signed(
        account=contract.account,
        mrr=contract.mrr if mrr is None else mrr,
        start_date=start_date,
        end_date=end_date,
        currency=currency or contract.currency,
        plan=plan or contract.plan,
        auto_renew=contract.auto_renew if auto_renew is None else auto_renew,
        notice_period_days=(
            contract.notice_period_days if notice_period_days is None else notice_period_days
        ),
        signed_at=signed_at,
        renewed_from=contract,
        external_id=external_id,
    )


@transaction.atomic
def delete_contract(*, contract: Contract) -> None:
    """Delete a contract and its entry (its invoices and renewals stay, unlinked)."""
    log_change(
        record=contract,
        account=contract.account,
        action=ChangeAction.DELETED,
        before=values_of(contract, CONTRACT_AUDITED),
    )
    contract.delete()


# --- Invoices ----------------------------------------------------------------------------


def _issued_entry(invoice: Invoice) -> dict[str, Any]:
    return {
        "title": (
            f"Invoice {invoice.number} issued: {money_text(invoice.amount)} {invoice.currency}"
        ),
        "occurred_at": _day_time(invoice.issued_on),
        "accounts": [invoice.account],
        "details": {
            "invoice_id": invoice.pk,
            "number": invoice.number,
            "amount": str(invoice.amount),
            "currency": invoice.currency,
            "issued_on": invoice.issued_on,
            "due_on": invoice.due_on,
            "status": invoice.status,
            "contract_id": invoice.contract_id,
        },
    }


def _paid_entry(invoice: Invoice) -> dict[str, Any]:
    assert invoice.paid_on is not None
    return {
        "title": f"Invoice {invoice.number} paid: {money_text(invoice.amount)} {invoice.currency}",
        "occurred_at": _day_time(invoice.paid_on),
        "accounts": [invoice.account],
        "details": {
            "invoice_id": invoice.pk,
            "number": invoice.number,
            "amount": str(invoice.amount),
            "currency": invoice.currency,
            "due_on": invoice.due_on,
            "paid_on": invoice.paid_on,
            "days_late": max(0, (invoice.paid_on - invoice.due_on).days),
        },
    }


@transaction.atomic
def record_invoice_issued(
    *,
    account: Account,
    number: str,
    amount: Decimal | int | str,
    issued_on: dt.date,
    due_on: dt.date,
    currency: str | None = None,
    contract: Contract | None = None,
    draft: bool = False,
) -> Invoice:
    """Record an invoice issued to ``account`` (open, awaiting payment) and its entry.

    ``draft=True`` stores a draft instead, with no entry until it is issued
    (``update_invoice(status="open")``). The currency defaults to the contract's.
    """
    invoice = Invoice(
        account=account,
        contract=contract,
        number=number,
        amount=amount,
        currency=currency or (contract.currency if contract is not None else DEFAULT_CURRENCY),
        status=InvoiceStatus.DRAFT if draft else InvoiceStatus.OPEN,
        issued_on=issued_on,
        due_on=due_on,
    )
    invoice.save()
    if not draft:
        post_entry(kind="invoice_issued", subject=invoice, **_issued_entry(invoice))
    log_change(record=invoice, account=account, action=ChangeAction.CREATED)
    return invoice


@transaction.atomic
def record_invoice_paid(*, invoice: Invoice, paid_on: dt.date | None = None) -> Invoice:
    """Mark an open invoice paid in full on ``paid_on`` (default today), with its entry."""
    if invoice.status != InvoiceStatus.OPEN:
        raise ValidationError(
            {"status": f"Only an open invoice can be paid; this one is {invoice.status}."}
        )
    return update_invoice(
        invoice=invoice, status=InvoiceStatus.PAID, paid_on=paid_on or clock.today()
    )


@transaction.atomic
def update_invoice(*, invoice: Invoice, **changes: Any) -> Invoice:
    """Change an invoice's fields (any of ``INVOICE_EDITABLE``), keeping its entries in step:

    draft → open posts "invoice issued"; → paid (with ``paid_on``) posts "invoice paid";
    leaving paid clears ``paid_on`` and removes that entry; back to draft removes "invoice
    issued". Entries are refreshed when what they show changed.
    """
    before = values_of(invoice, INVOICE_EDITABLE)
    if "status" in changes and changes["status"] != InvoiceStatus.PAID and "paid_on" not in changes:
        changes = {**changes, "paid_on": None}
    apply_changes(invoice, changes, INVOICE_EDITABLE)
    save_or_restore(invoice)
    after = values_of(invoice, INVOICE_EDITABLE)
    if before != after:
        _sync_invoice_entries(invoice)
    log_change(
        record=invoice,
        account=invoice.account,
        action=ChangeAction.UPDATED,
        before=before,
        after=after,
    )
    return invoice


def _sync_invoice_entries(invoice: Invoice) -> None:
    """Make the invoice's "issued" and "paid" entries match its state."""
    issued = entry_of(invoice, "invoice_issued")
    if invoice.status == InvoiceStatus.DRAFT:
        invoice.timeline_entries.filter(kind="invoice_issued").delete()
    elif issued is not None or invoice.status != InvoiceStatus.VOID:  # a voided draft: none
        refresh_entry(invoice, "invoice_issued", _issued_entry(invoice))
    if invoice.status == InvoiceStatus.PAID:
        refresh_entry(invoice, "invoice_paid", _paid_entry(invoice))
    elif entry_of(invoice, "invoice_paid") is not None:
        invoice.timeline_entries.filter(kind="invoice_paid").delete()


@transaction.atomic
def delete_invoice(*, invoice: Invoice) -> None:
    """Delete an invoice and its entries; the audit log keeps its last values."""
    log_change(
        record=invoice,
        account=invoice.account,
        action=ChangeAction.DELETED,
        before=values_of(invoice, INVOICE_EDITABLE),
    )
    invoice.delete()
