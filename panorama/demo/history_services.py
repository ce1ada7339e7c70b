"""The reference for the demo's bulk records: the same histories written through the services.

``write_through_services`` calls the ``record_*`` services (and ``move_deal_stage``,
``complete_task``, ``record_invoice_paid``…) one record at a time, each under the clock the
bulk rows assume (``clock.frozen_at`` the record's ``recorded_at``), as the ``demo`` actor.
It is slow (a few queries per record) and is not how demos load: ``history_loader`` writes
rows directly. ``tests/test_history_shapes.py`` loads a small demo both ways and asserts the
rows are the same, so the bulk rows cannot drift from what the services write.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.db import transaction

from panorama.core.actors import Actor, acting_as
from panorama.core.clock import frozen_at
from panorama.core.models import User
from panorama.customers.models import Account, Contact, Membership, Plan
from panorama.demo.history import generate_histories, records_limit
from panorama.demo.history_loader import read_known
from panorama.demo.history_records import AccountHistory
from panorama.demo.phrases import DEFAULT_COMPETITORS
from panorama.demo.records import DemoDataset
from panorama.revenue.models import Contract, Deal, PipelineStage
from panorama.revenue.services import (
    move_deal_stage,
    record_contract_signed,
    record_deal_created,
    record_invoice_issued,
    record_invoice_paid,
    record_order_placed,
    record_quote_sent,
    update_invoice,
)
from panorama.revenue.services.common import start_of_day
from panorama.support.models import Ticket
from panorama.support.services import record_survey_response, record_ticket_opened
from panorama.timeline.models import EmailThread
from panorama.timeline.services import (
    complete_task,
    post_contact_added,
    record_call_logged,
    record_email,
    record_enrichment_update,
    record_market_signal,
    record_meeting,
    record_note_added,
    record_task_created,
)


def write_through_services(
    dataset: DemoDataset,
    limit: int | None = None,
    competitors: Sequence[str] = DEFAULT_COMPETITORS,
) -> None:
    """Write the records ``history_loader.load_history`` would, through the services."""
    limit = records_limit(len(dataset.accounts), limit)
    with acting_as(Actor(source="demo")), transaction.atomic():
        known, members = read_known(dataset, limit)
        users = {u.email.lower(): u for u in User.objects.all()}
        plans = {p.name: p for p in Plan.objects.all()}
        for history in generate_histories(dataset, members, limit, competitors):
            account = Account.objects.get(pk=known.accounts[history.account_index].pk)
            emails = {m.email for m in members[history.account_index]}
            people = {str(c.email): c for c in Contact.objects.filter(email__in=emails)}
            _write(history, account, people, users, plans, known.stages)


def _write(
    history: AccountHistory,
    account: Account,
    people: dict[str, Contact],
    users: dict[str, User],
    plans: dict[str, Plan],
    stages: Mapping[str, PipelineStage],
) -> None:
    def contacts(emails: Sequence[str]) -> list[Contact]:
        return [people[e] for e in emails]

    for member in history.contacts_added:
        membership = Membership.objects.get(account=account, contact=people[member.email])
        with frozen_at(membership.created_at):
            post_contact_added(membership, account=account, contact=people[member.email])
    deals: list[Deal] = []
    for demo in history.deals:
        owner = users[demo.owner]
        with frozen_at(demo.created_at):
            deal = record_deal_created(
                account=account,
                name=demo.name,
                value=demo.value,
                currency=demo.currency,
                stage=stages[demo.first_stage],
                close_date=demo.close_date,
                owner=owner,
                next_step=demo.next_step,
                products=demo.products,
                contacts=contacts(demo.contacts),
                created_at=demo.created_at,
            )
        for move in demo.moves:
            with frozen_at(move.at):
                move_deal_stage(
                    deal=deal,
                    stage=stages[move.stage],
                    lost_reason=move.lost_reason,
                    changed_at=move.at,
                    changed_by=owner,
                )
        for quote in demo.quotes:
            with frozen_at(quote.sent_at):
                record_quote_sent(
                    deal=deal,
                    number=quote.number,
                    amount=quote.amount,
                    sent_at=quote.sent_at,
                    valid_until=quote.valid_until,
                )
        for order in demo.orders:
            with frozen_at(order.placed_at):
                record_order_placed(
                    account=account,
                    number=order.number,
                    amount=order.amount,
                    placed_at=order.placed_at,
                    deal=deal,
                )
        deals.append(deal)
    contracts: list[Contract] = []
    for c in history.contracts:
        with frozen_at(c.recorded_at):
            contracts.append(
                record_contract_signed(
                    account=account,
                    mrr=c.mrr,
                    start_date=c.start_date,
                    end_date=c.end_date,
                    currency=c.currency,
                    plan=plans[c.plan] if c.plan else None,
                    auto_renew=c.auto_renew,
                    notice_period_days=c.notice_period_days,
                    signed_at=c.signed_at,
                    deal=None if c.deal is None else deals[c.deal],
                    renewed_from=None if c.renewed_from is None else contracts[c.renewed_from],
                )
            )
    for i in history.invoices:
        with frozen_at(start_of_day(i.issued_on)):
            invoice = record_invoice_issued(
                account=account,
                number=i.number,
                amount=i.amount,
                issued_on=i.issued_on,
                due_on=i.due_on,
                currency=i.currency,
                contract=None if i.contract is None else contracts[i.contract],
            )
        if i.paid_on is not None:
            with frozen_at(start_of_day(i.paid_on)):
                record_invoice_paid(invoice=invoice, paid_on=i.paid_on)
        elif i.voided_on is not None:
            with frozen_at(start_of_day(i.voided_on)):
                update_invoice(invoice=invoice, status="void")
    for t in history.threads:
        thread: EmailThread | None = None
        for m in t.messages:
            with frozen_at(m.sent_at):
                email = record_email(
                    account=account,
                    message_id=m.message_id,
                    thread=thread,
                    direction=m.direction,
                    from_address=m.from_address,
                    from_name=m.from_name,
                    to=m.to,
                    cc=m.cc,
                    subject=m.subject,
                    body=m.body,
                    new_text=m.new_text,
                    sent_at=m.sent_at,
                    attachments=m.attachments,
                    contacts=contacts(m.contacts),
                    in_reply_to=m.in_reply_to,
                    references=m.references,
                )
            thread = email.thread
    for call in history.calls:
        with frozen_at(call.recorded_at):
            record_call_logged(
                account=account,
                direction=call.direction,
                started_at=call.started_at,
                disposition=call.disposition,
                duration_seconds=call.duration_seconds,
                contacts=contacts(call.contacts),
                notes=call.notes,
                recording_url=call.recording_url,
                logged_by=users[call.logged_by],
            )
    for meeting in history.meetings:
        with frozen_at(meeting.recorded_at):
            record_meeting(
                account=account,
                title=meeting.title,
                meeting_type=meeting.meeting_type,
                starts_at=meeting.starts_at,
                ends_at=meeting.ends_at,
                external_attendees=contacts(meeting.external),
                internal_attendees=[users[e] for e in meeting.internal],
                agenda=meeting.agenda,
                notes=meeting.notes,
                outcome=meeting.outcome,
                deal=None if meeting.deal is None else deals[meeting.deal],
            )
    for note in history.notes:
        with frozen_at(note.created_at):
            record_note_added(
                account=account,
                body=note.body,
                contact=people[note.contact] if note.contact else None,
                author=users[note.author],
                created_at=note.created_at,
            )
    for todo in history.tasks:
        with frozen_at(todo.created_at):
            task = record_task_created(
                account=account,
                title=todo.title,
                description=todo.description,
                due_on=todo.due_on,
                assignee=users[todo.assignee],
                contact=people[todo.contact] if todo.contact else None,
                created_at=todo.created_at,
            )
        if todo.completed_at is not None:
            with frozen_at(todo.completed_at):
                complete_task(
                    task=task, completed_at=todo.completed_at, completed_by=users[todo.assignee]
                )
    tickets: list[Ticket] = []
    for k in history.tickets:
        with frozen_at(k.recorded_at):
            tickets.append(
                record_ticket_opened(
                    account=account,
                    subject=k.subject,
                    description=k.description,
                    contact=people[k.contact] if k.contact else None,
                    status=k.status,
                    priority=k.priority,
                    channel=k.channel,
                    created_at=k.created_at,
                    first_response_at=k.first_response_at,
                    resolved_at=k.resolved_at,
                    escalated=k.escalated_at is not None,
                    escalated_at=k.escalated_at,
                    csat=k.csat,
                    external_id=k.external_id,
                )
            )
    for s in history.surveys:
        with frozen_at(s.responded_at):
            record_survey_response(
                account=account,
                kind=s.kind,
                score=s.score,
                contact=people[s.contact] if s.contact else None,
                comment=s.comment,
                responded_at=s.responded_at,
                ticket=None if s.ticket is None else tickets[s.ticket],
            )
    for signal in history.signals:
        with frozen_at(signal.occurred_at):
            record_market_signal(
                account=account,
                title=signal.title,
                sentiment=signal.sentiment,
                occurred_at=signal.occurred_at,
                summary=signal.summary,
                source_url=signal.source_url,
            )
    for update in history.enrichments:
        with frozen_at(update.occurred_at):
            record_enrichment_update(
                account=account,
                source=update.source,
                changes=update.changes,
                contact=people[update.contact] if update.contact else None,
                occurred_at=update.occurred_at,
            )
