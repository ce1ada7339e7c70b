"""Contracts (with renewals) and invoices (with payments) in the REST API.

As for deals: reads start from ``revenue.queries`` (404 outside the caller's accounts), writes
go through ``revenue.services`` only, one transaction each, attributed to the caller.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from ninja import Query, Router, Status

from panorama.core import clock
from panorama.core.models import User
from panorama.customers.api_base import READ_ERRORS, WRITE_ERRORS, authored_by, caller, keyset_page
from panorama.customers.models import Plan
from panorama.revenue import queries, services
from panorama.revenue.api_records import (
    in_window,
    refuse_read_only,
    visible_account,
    visible_record,
)
from panorama.revenue.models import Contract, Invoice, InvoiceStatus
from panorama.revenue.schemas_contracts import (
    ContractFilters,
    ContractIn,
    ContractOut,
    ContractPageOut,
    ContractPatch,
    InvoiceFilters,
    InvoiceIn,
    InvoiceOut,
    InvoicePageOut,
    InvoicePatch,
    PaymentIn,
    RenewalIn,
)

router = Router()


def _plan(pk: int | None) -> Plan | None:
    return visible_record(Plan.objects.all(), pk, "plan", "plan")


# --- Contracts ------------------------------------------------------------------------------


def _contracts(user: User, active_on: dt.date | None = None) -> QuerySet[Contract]:
    """The caller's contracts with what an answer shows (one query per page)."""
    contracts = queries.contracts_for_list(user, active_on=active_on)
    return contracts.select_related("deal", "renewed_from")


def _contract(user: User, pk: int) -> Contract:
    return queries.access_contract(user, pk)


def _answer(user: User, pk: int) -> Contract:
    contract = _contracts(user).filter(pk=pk).first()
    if contract is None:
        raise Http404("No such contract")
    return contract


@router.get("/contracts", response={200: ContractPageOut, **READ_ERRORS}, tags=["contracts"])
def list_contracts(request: HttpRequest, filters: Query[ContractFilters]) -> dict[str, Any]:
    """The contracts you may see, by id; ``since``/``until`` bound the start date."""
    contracts = _contracts(caller(request), filters.active_on)
    contracts = in_window(contracts, "start_date", filters.since, filters.until)
    if filters.account is not None:
        contracts = contracts.filter(account_id=filters.account)
    if filters.external_id is not None:
        contracts = contracts.filter(external_id=filters.external_id)
    if filters.updated_since is not None:
        contracts = contracts.filter(updated_at__gte=filters.updated_since)
    return keyset_page(contracts, filters)


@router.post("/contracts", response={201: ContractOut, **WRITE_ERRORS}, tags=["contracts"])
def create_contract(request: HttpRequest, payload: ContractIn) -> Status[Contract]:
    """Record a contract signed by an account you may see."""
    user = caller(request)
    values = payload.model_dump(exclude_unset=True)
    values["account"] = visible_account(user, payload.account)
    values["plan"] = _plan(payload.plan)
    values["deal"] = visible_record(queries.deals_for_list(user), payload.deal, "deal", "deal")
    with authored_by(request):
        contract = services.record_contract_signed(**values)
    return Status(201, _answer(user, contract.pk))


@router.get(
    "/contracts/{contract_id}", response={200: ContractOut, **READ_ERRORS}, tags=["contracts"]
)
def read_contract(request: HttpRequest, contract_id: int) -> Contract:
    """One contract."""
    return _answer(caller(request), contract_id)


@router.patch(
    "/contracts/{contract_id}", response={200: ContractOut, **WRITE_ERRORS}, tags=["contracts"]
)
def update_contract(request: HttpRequest, contract_id: int, payload: ContractPatch) -> Contract:
    """Change the fields sent, all or nothing."""
    user = caller(request)
    contract = _contract(user, contract_id)
    changes = payload.model_dump(exclude_unset=True)
    refuse_read_only(
        contract,
        changes,
        {
            "account": "A contract stays with its account.",
            "renewed_from": "Renew with POST /api/revenue/contracts/{id}/renew.",
        },
    )
    if "plan" in changes:
        changes["plan"] = _plan(changes["plan"])
    if "deal" in changes:
        changes["deal"] = visible_record(
            queries.deals_for_list(user), changes["deal"], "deal", "deal"
        )
    with authored_by(request):
        services.update_contract(contract=contract, **changes)
    return _answer(user, contract_id)


@router.delete("/contracts/{contract_id}", response={204: None, **WRITE_ERRORS}, tags=["contracts"])
def delete_contract(request: HttpRequest, contract_id: int) -> Status[None]:
    """Delete a contract (its invoices and renewals stay, unlinked)."""
    contract = _contract(caller(request), contract_id)
    with authored_by(request):
        services.delete_contract(contract=contract)
    return Status(204, None)


@router.post(
    "/contracts/{contract_id}/renew",
    response={201: ContractOut, **WRITE_ERRORS},
    tags=["contracts"],
)
def renew_contract(request: HttpRequest, contract_id: int, payload: RenewalIn) -> Status[Contract]:
    """Record the contract's renewal: a new contract following it, from the day after its
    end unless ``start_date`` is given, with its terms unless others are given."""
    user = caller(request)
    contract = _contract(user, contract_id)
    values = payload.model_dump(exclude_unset=True)
    values["plan"] = _plan(payload.plan)
    with authored_by(request):
        renewal = services.renew_contract(contract=contract, **values)
    return Status(201, _answer(user, renewal.pk))


# --- Invoices -------------------------------------------------------------------------------


def _invoice(user: User, pk: int) -> Invoice:
    return queries.access_invoice(user, pk)


def _contract_field(user: User, pk: int | None) -> Contract | None:
    return visible_record(queries.contracts_for_list(user), pk, "contract", "contract")


@router.get("/invoices", response={200: InvoicePageOut, **READ_ERRORS}, tags=["contracts"])
def list_invoices(request: HttpRequest, filters: Query[InvoiceFilters]) -> dict[str, Any]:
    """The invoices you may see, by id; ``since``/``until`` bound the issue date."""
    invoices = in_window(
        queries.invoices_for_list(caller(request)), "issued_on", filters.since, filters.until
    )
    for name in ("account", "contract", "status"):
        value = getattr(filters, name)
        if value is not None:
            invoices = invoices.filter(**{name: value})
    if filters.payment_status is not None:
        invoices = invoices.filter(_payment_status(filters.payment_status, clock.today()))
    if filters.updated_since is not None:
        invoices = invoices.filter(updated_at__gte=filters.updated_since)
    return keyset_page(invoices, filters)


def _payment_status(status: str, today: dt.date) -> Q:
    """Invoices with that payment status on ``today`` (``Invoice.payment_status``)."""
    if status == "due":
        return Q(status=InvoiceStatus.OPEN, due_on__gte=today)
    if status == "overdue":
        return Q(status=InvoiceStatus.OPEN, due_on__lt=today)
    return Q(status=status)


@router.post("/invoices", response={201: InvoiceOut, **WRITE_ERRORS}, tags=["contracts"])
def create_invoice(request: HttpRequest, payload: InvoiceIn) -> Status[Invoice]:
    """Record an invoice issued to an account you may see (or a draft, or one already paid
    or void: history from a billing system)."""
    user = caller(request)
    values = payload.model_dump(exclude_unset=True)
    status = values.pop("status", InvoiceStatus.OPEN)
    paid_on = values.pop("paid_on", None)
    if paid_on is not None and status != InvoiceStatus.PAID:
        raise ValidationError({"paid_on": "Only a paid invoice has a payment date."})
    values["account"] = visible_account(user, payload.account)
    values["contract"] = _contract_field(user, payload.contract)
    # Recorded by the services that post each step's timeline entry: issued then paid, or
    # a draft then voided (one never sent has no "issued" entry). One transaction: a refused
    # step leaves nothing behind.
    draft = status in (InvoiceStatus.DRAFT, InvoiceStatus.VOID)
    with authored_by(request), transaction.atomic():
        invoice = services.record_invoice_issued(**values, draft=draft)
        if status == InvoiceStatus.PAID:
            services.record_invoice_paid(invoice=invoice, paid_on=paid_on)
        elif status == InvoiceStatus.VOID:
            services.update_invoice(invoice=invoice, status=InvoiceStatus.VOID)
    return Status(201, _invoice(user, invoice.pk))


@router.get("/invoices/{invoice_id}", response={200: InvoiceOut, **READ_ERRORS}, tags=["contracts"])
def read_invoice(request: HttpRequest, invoice_id: int) -> Invoice:
    """One invoice."""
    return _invoice(caller(request), invoice_id)


@router.patch(
    "/invoices/{invoice_id}", response={200: InvoiceOut, **WRITE_ERRORS}, tags=["contracts"]
)
def update_invoice(request: HttpRequest, invoice_id: int, payload: InvoicePatch) -> Invoice:
    """Change the fields sent, all or nothing. A status change keeps the timeline in step:
    draft → open posts "invoice issued", → paid posts "invoice paid"."""
    user = caller(request)
    invoice = _invoice(user, invoice_id)
    changes = payload.model_dump(exclude_unset=True)
    refuse_read_only(invoice, changes, {"account": "An invoice stays with its account."})
    if "contract" in changes:
        changes["contract"] = _contract_field(user, changes["contract"])
    with authored_by(request):
        services.update_invoice(invoice=invoice, **changes)
    return _invoice(user, invoice_id)


@router.delete("/invoices/{invoice_id}", response={204: None, **WRITE_ERRORS}, tags=["contracts"])
def delete_invoice(request: HttpRequest, invoice_id: int) -> Status[None]:
    """Delete an invoice."""
    invoice = _invoice(caller(request), invoice_id)
    with authored_by(request):
        services.delete_invoice(invoice=invoice)
    return Status(204, None)


@router.post(
    "/invoices/{invoice_id}/pay", response={200: InvoiceOut, **WRITE_ERRORS}, tags=["contracts"]
)
def pay_invoice(request: HttpRequest, invoice_id: int, payload: PaymentIn) -> Invoice:
    """Mark an open invoice paid in full, on ``paid_on`` (default today)."""
    user = caller(request)
    invoice = _invoice(user, invoice_id)
    with authored_by(request):
        services.record_invoice_paid(invoice=invoice, paid_on=payload.paid_on)
    return _invoice(user, invoice_id)
