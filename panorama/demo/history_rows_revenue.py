"""Rows of the revenue and support records of a history: deals with their stage moves,
quotes and orders, contracts, invoices, tickets and survey answers (see ``history_rows``).

Their timeline entries and audit rows follow the revenue and support services to the letter
(``revenue.services``, ``support.services``): the titles, bodies and details of their
``post_entry`` calls, and ``log_change``'s rows for creations and for the updates a deal's
stage moves and an invoice's payment make.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from panorama.core.audit import json_value
from panorama.customers.models import Account, Contact
from panorama.demo.history_records import DemoContract, DemoDeal, DemoInvoice, DemoTicket
from panorama.revenue.models import Contract, Deal, DealStageChange, Invoice, Order, Quote
from panorama.revenue.models.deals import calendar_days
from panorama.revenue.services.common import money_text, start_of_day
from panorama.support.models import SurveyResponse, Ticket
from panorama.timeline.describe import EntryContent

if TYPE_CHECKING:
    from panorama.demo.history_rows import HistoryRows

CENT = Decimal("0.01")
DEAL_CONTACTS = Deal.contacts.through
# A deal's audited fields (``revenue.services.deals.DEAL_AUDITED``) that a stage move changes.
DEAL_MOVE_FIELDS = ("close_date", "closed_at", "lost_reason", "stage", "status")


# --- deals, quotes, orders ---------------------------------------------------------------


def add_deal(rows: HistoryRows, account: Account, demo: DemoDeal) -> int:
    """A deal created in its first stage, then moved (``record_deal_created``, then
    ``move_deal_stage`` per move), with its quotes and orders."""
    known = rows.known
    pk = rows.new_id(Deal)
    owner = known.users[demo.owner]
    people = rows.people(demo.contacts)
    stage = known.stages[demo.first_stage]
    value = demo.value.quantize(CENT)
    products = list(dict.fromkeys(p.strip() for p in demo.products))
    # Its state after creation, then after each move.
    state: dict[str, Any] = {
        "stage": stage,
        "status": stage.status,
        "close_date": demo.close_date,
        "closed_at": None,
        "lost_reason": "",
        "stage_entered_at": demo.created_at,
        "updated_at": demo.created_at,
    }
    name = demo.name.strip()
    rows.add_entry(
        EntryContent(
            kind="deal_created",
            occurred_at=demo.created_at,
            title=f"Deal created: {name}",
            body=demo.next_step.strip(),
            contacts=people,
            details={
                "deal_id": pk,
                "value": str(value),
                "currency": demo.currency,
                "pipeline": known.pipeline.name,
                "stage": stage.name,
                "probability": stage.probability,
                "owner_id": owner.pk,
                "products": products,
                "close_date": demo.close_date,
            },
        ),
        subject=Deal,
        subject_id=pk,
        account_id=account.pk,
        created_at=demo.created_at,
    )
    rows.add_audit(Deal, pk, name, account.pk, demo.created_at)
    rows.add_row(
        DealStageChange,
        deal_id=pk,
        from_stage_id=None,
        to_stage_id=stage.pk,
        changed_at=demo.created_at,
        changed_by_id=None,
        days_in_from_stage=None,
    )
    for move in demo.moves:
        to = known.stages[move.stage]
        before = {k: state[k] for k in DEAL_MOVE_FIELDS}
        previous = state["stage"]
        days = calendar_days(state["stage_entered_at"], move.at)
        state.update(stage=to, status=to.status, stage_entered_at=move.at, updated_at=move.at)
        state["lost_reason"] = move.lost_reason.strip() if to.is_lost else ""
        if to.is_closing:
            state["closed_at"] = move.at
            state["close_date"] = timezone.localdate(move.at)
        else:
            state["closed_at"] = None
        rows.add_row(
            DealStageChange,
            deal_id=pk,
            from_stage_id=previous.pk,
            to_stage_id=to.pk,
            changed_at=move.at,
            changed_by_id=owner.pk,
            days_in_from_stage=days,
        )
        rows.add_entry(
            EntryContent(
                kind="deal_stage_changed",
                occurred_at=move.at,
                title=f"{name}: {previous.name} → {to.name}",
                body=state["lost_reason"],
                contacts=people,
                details={
                    "deal_id": pk,
                    "from_stage": previous.name,
                    "to_stage": to.name,
                    "from_stage_id": previous.pk,
                    "to_stage_id": to.pk,
                    "status": state["status"],
                    "probability": to.probability,
                    "days_in_from_stage": days,
                    "lost_reason": state["lost_reason"],
                    "value": str(value),
                    "currency": demo.currency,
                },
                actor=owner,
            ),
            subject=Deal,
            subject_id=pk,
            account_id=account.pk,
            created_at=move.at,
        )
        after = {k: state[k] for k in DEAL_MOVE_FIELDS}
        changes = audit_changes(before, after, relations=("stage",))
        rows.add_audit(Deal, pk, name, account.pk, move.at, changes)
    stage = state["stage"]
    rows.add_row(
        Deal,
        id=pk,
        account_id=account.pk,
        name=name,
        pipeline_id=known.pipeline.pk,
        stage_id=stage.pk,
        status=state["status"],
        value=value,
        currency=demo.currency,
        close_date=state["close_date"],
        owner_id=owner.pk,
        next_step=demo.next_step.strip(),
        products=products,
        lost_reason=state["lost_reason"],
        external_id=None,
        created_at=demo.created_at,
        stage_entered_at=state["stage_entered_at"],
        closed_at=state["closed_at"],
        updated_at=state["updated_at"],
    )
    for contact in people:
        rows.add_row(DEAL_CONTACTS, deal_id=pk, contact_id=contact.pk)
    rows.deal_people[pk] = people
    for quote in demo.quotes:
        _quote(rows, account, pk, name, demo.currency, people, quote)
    for order in demo.orders:
        _order(rows, account, pk, name, demo.currency, people, order)
    return pk


def _quote(
    rows: HistoryRows,
    account: Account,
    deal_id: int,
    deal: str,
    currency: str,
    people: list[Contact],
    demo: Any,
) -> None:
    pk = rows.new_id(Quote)
    amount = demo.amount.quantize(CENT)
    rows.add_row(
        Quote,
        id=pk,
        deal_id=deal_id,
        number=demo.number,
        amount=amount,
        currency=currency,
        sent_at=demo.sent_at,
        valid_until=demo.valid_until,
        created_at=demo.sent_at,
    )
    rows.add_entry(
        EntryContent(
            kind="quote_sent",
            occurred_at=demo.sent_at,
            title=f"Quote {demo.number} sent: {money_text(amount)} {currency}",
            contacts=people,
            details={
                "deal_id": deal_id,
                "deal": deal,
                "number": demo.number,
                "amount": str(amount),
                "currency": currency,
                "valid_until": demo.valid_until,
            },
        ),
        subject=Quote,
        subject_id=pk,
        account_id=account.pk,
        created_at=demo.sent_at,
    )
    rows.add_audit(Quote, pk, f"Quote {demo.number}", account.pk, demo.sent_at)


def _order(
    rows: HistoryRows,
    account: Account,
    deal_id: int,
    deal: str,
    currency: str,
    people: list[Contact],
    demo: Any,
) -> None:
    pk = rows.new_id(Order)
    amount = demo.amount.quantize(CENT)
    rows.add_row(
        Order,
        id=pk,
        account_id=account.pk,
        deal_id=deal_id,
        number=demo.number,
        amount=amount,
        currency=currency,
        placed_at=demo.placed_at,
        created_at=demo.placed_at,
    )
    rows.add_entry(
        EntryContent(
            kind="order_placed",
            occurred_at=demo.placed_at,
            title=f"Order {demo.number} placed: {money_text(amount)} {currency}",
            contacts=people,
            details={
                "deal_id": deal_id,
                "deal": deal,
                "number": demo.number,
                "amount": str(amount),
                "currency": currency,
            },
        ),
        subject=Order,
        subject_id=pk,
        account_id=account.pk,
        created_at=demo.placed_at,
    )
    rows.add_audit(Order, pk, f"Order {demo.number}", account.pk, demo.placed_at)


# --- contracts and invoices --------------------------------------------------------------


def add_contract(
    rows: HistoryRows,
    account: Account,
    demo: DemoContract,
    deal_ids: list[int],
    contract_ids: list[int],
) -> int:
    known = rows.known
    pk = rows.new_id(Contract)
    plan = known.plans[demo.plan] if demo.plan else None
    mrr = demo.mrr.quantize(CENT)
    deal_id = None if demo.deal is None else deal_ids[demo.deal]
    renewed_from = None if demo.renewed_from is None else contract_ids[demo.renewed_from]
    at = demo.recorded_at
    rows.add_row(
        Contract,
        id=pk,
        account_id=account.pk,
        plan_id=plan.pk if plan else None,
        deal_id=deal_id,
        renewed_from_id=renewed_from,
        external_id=None,
        mrr=mrr,
        currency=demo.currency,
        start_date=demo.start_date,
        end_date=demo.end_date,
        auto_renew=demo.auto_renew,
        notice_period_days=demo.notice_period_days,
        signed_at=demo.signed_at,
        created_at=at,
        updated_at=at,
    )
    deal_contacts = rows.deal_people.get(deal_id, []) if deal_id is not None else []
    plan_text = f"{plan.name}, " if plan else ""
    renewal = renewed_from is not None
    rows.add_entry(
        EntryContent(
            kind="contract_signed",
            occurred_at=demo.signed_at or start_of_day(demo.start_date),
            title=(
                f"Contract {'renewed' if renewal else 'signed'}: "
                f"{plan_text}{money_text(mrr)} {demo.currency} MRR"
            ),
            contacts=deal_contacts,
            details={
                "contract_id": pk,
                "plan": plan.name if plan else None,
                "mrr": str(mrr),
                "currency": demo.currency,
                "start_date": demo.start_date,
                "end_date": demo.end_date,
                "auto_renew": demo.auto_renew,
                "notice_period_days": demo.notice_period_days,
                "notice_date": demo.notice_date,
                "renewal": renewal,
                "renewed_from_id": renewed_from,
                "deal_id": deal_id,
            },
        ),
        subject=Contract,
        subject_id=pk,
        account_id=account.pk,
        created_at=at,
    )
    label = f"{plan.name} " if plan else ""
    rows.add_audit(Contract, pk, f"{label}contract from {demo.start_date:%Y-%m-%d}", account.pk, at)
    return pk


def add_invoice(
    rows: HistoryRows, account: Account, demo: DemoInvoice, contract_ids: list[int]
) -> None:
    """Issued (open), then paid or voided (``update_invoice``) at the start of that day."""
    pk = rows.new_id(Invoice)
    amount = demo.amount.quantize(CENT)
    contract_id = None if demo.contract is None else contract_ids[demo.contract]
    issued_at = start_of_day(demo.issued_on)
    changed_on = demo.paid_on or demo.voided_on
    changed_at = start_of_day(changed_on) if changed_on else issued_at
    rows.add_row(
        Invoice,
        id=pk,
        account_id=account.pk,
        contract_id=contract_id,
        number=demo.number,
        amount=amount,
        currency=demo.currency,
        status=demo.status,
        issued_on=demo.issued_on,
        due_on=demo.due_on,
        paid_on=demo.paid_on,
        created_at=issued_at,
        updated_at=changed_at,
    )
    title = f"{money_text(amount)} {demo.currency}"
    rows.add_entry(
        EntryContent(
            kind="invoice_issued",
            occurred_at=issued_at,
            title=f"Invoice {demo.number} issued: {title}",
            details={
                "invoice_id": pk,
                "number": demo.number,
                "amount": str(amount),
                "currency": demo.currency,
                "issued_on": demo.issued_on,
                "due_on": demo.due_on,
                "status": demo.status,
                "contract_id": contract_id,
            },
        ),
        subject=Invoice,
        subject_id=pk,
        account_id=account.pk,
        created_at=issued_at,
    )
    label = f"Invoice {demo.number}"
    rows.add_audit(Invoice, pk, label, account.pk, issued_at)
    if demo.paid_on is not None:
        rows.add_entry(
            EntryContent(
                kind="invoice_paid",
                occurred_at=changed_at,
                title=f"Invoice {demo.number} paid: {title}",
                details={
                    "invoice_id": pk,
                    "number": demo.number,
                    "amount": str(amount),
                    "currency": demo.currency,
                    "due_on": demo.due_on,
                    "paid_on": demo.paid_on,
                    "days_late": max(0, (demo.paid_on - demo.due_on).days),
                },
            ),
            subject=Invoice,
            subject_id=pk,
            account_id=account.pk,
            created_at=changed_at,
        )
    if changed_on is not None:
        before = {"paid_on": None, "status": "open"}
        after = {"paid_on": demo.paid_on, "status": demo.status}
        rows.add_audit(Invoice, pk, label, account.pk, changed_at, audit_changes(before, after))


# --- support -----------------------------------------------------------------------------


def add_ticket(rows: HistoryRows, account: Account, demo: DemoTicket) -> int:
    pk = rows.new_id(Ticket)
    contact = rows.known.contacts[demo.contact] if demo.contact else None
    subject = demo.subject.strip()
    at = demo.recorded_at
    rows.add_row(
        Ticket,
        id=pk,
        account_id=account.pk,
        contact_id=contact.pk if contact else None,
        external_id=demo.external_id,
        subject=subject,
        description=demo.description,
        status=demo.status,
        priority=demo.priority,
        channel=demo.channel,
        created_at=demo.created_at,
        first_response_at=demo.first_response_at,
        resolved_at=demo.resolved_at,
        escalated=demo.escalated_at is not None,
        escalated_at=demo.escalated_at,
        csat=demo.csat,
        updated_at=at,
    )
    people = [contact] if contact else []
    rows.add_entry(
        EntryContent(
            kind="ticket_opened",
            occurred_at=demo.created_at,
            title=f"Ticket opened: {subject}",
            body=demo.description,
            contacts=people,
            details={
                "ticket_id": pk,
                "external_id": demo.external_id,
                "priority": demo.priority,
                "channel": demo.channel,
            },
        ),
        subject=Ticket,
        subject_id=pk,
        account_id=account.pk,
        created_at=at,
    )
    if demo.resolved_at is not None:
        seconds = int((demo.resolved_at - demo.created_at).total_seconds())
        rows.add_entry(
            EntryContent(
                kind="ticket_resolved",
                occurred_at=demo.resolved_at,
                title=f"Ticket resolved: {subject}",
                contacts=people,
                details={
                    "ticket_id": pk,
                    "status": demo.status,
                    "priority": demo.priority,
                    "resolution_seconds": seconds,
                },
            ),
            subject=Ticket,
            subject_id=pk,
            account_id=account.pk,
            created_at=at,
        )
    rows.add_audit(Ticket, pk, subject, account.pk, at)
    return pk


def add_survey(rows: HistoryRows, account: Account, demo: Any, ticket_ids: list[int]) -> None:
    pk = rows.new_id(SurveyResponse)
    contact = rows.known.contacts[demo.contact] if demo.contact else None
    ticket_id = None if demo.ticket is None else ticket_ids[demo.ticket]
    rows.add_row(
        SurveyResponse,
        id=pk,
        account_id=account.pk,
        contact_id=contact.pk if contact else None,
        ticket_id=ticket_id,
        external_id=None,
        kind=demo.kind,
        score=demo.score,
        comment=demo.comment,
        responded_at=demo.responded_at,
        created_at=demo.responded_at,
    )
    label = "NPS" if demo.kind == "nps" else "CSAT"
    category = None
    if demo.kind == "nps":
        category = "promoter" if demo.score >= 9 else "passive" if demo.score >= 7 else "detractor"
    who = f" from {contact}" if contact else ""
    rows.add_entry(
        EntryContent(
            kind="survey_response",
            occurred_at=demo.responded_at,
            title=f"{label} {demo.score}{who}",
            body=demo.comment,
            contacts=[contact] if contact else [],
            details={
                "survey_response_id": pk,
                "kind": demo.kind,
                "score": demo.score,
                "nps_category": category,
                "ticket_id": ticket_id,
            },
        ),
        subject=SurveyResponse,
        subject_id=pk,
        account_id=account.pk,
        created_at=demo.responded_at,
    )
    rows.add_audit(SurveyResponse, pk, f"{label} {demo.score}", account.pk, demo.responded_at)


def audit_changes(
    before: Mapping[str, Any], after: Mapping[str, Any], relations: tuple[str, ...] = ()
) -> dict[str, dict[str, Any]]:
    """The ``changes`` of an update audit row (``core.audit.log_change``): the fields whose
    value differs, related objects as ids with their display texts."""
    changes: dict[str, dict[str, Any]] = {}
    for name in sorted(before):
        old, new = before[name], after[name]
        if name in relations:
            if old.pk == new.pk:
                continue
            changes[name] = {
                "old": old.pk,
                "new": new.pk,
                "old_display": str(old),
                "new_display": str(new),
            }
        elif old != new:
            changes[name] = {"old": json_value(old), "new": json_value(new)}
    return changes
