"""Writing tickets and survey answers, each with its timeline entries.

Every function runs in one transaction: the record, its timeline entries (``post_entry``) and
its audit row (``core.RecordChange``, the audit log) are
written together or not at all. Errors are ``ValidationError``s naming the fields.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from panorama.core import clock
from panorama.core.audit import apply_changes, log_change, values_of
from panorama.core.models import ChangeAction
from panorama.customers.models import Account, Contact
from panorama.revenue.services.common import refresh_entry, save_or_restore
from panorama.support.models import (
    RESOLVED_STATUSES,
    SurveyKind,
    SurveyResponse,
    Ticket,
    TicketChannel,
    TicketPriority,
    TicketStatus,
)
from panorama.timeline.entries import post_entry

TICKET_EDITABLE = frozenset(
    {
        "subject",
        "description",
        "contact",
        "status",
        "priority",
        "channel",
        "first_response_at",
        "resolved_at",
        "escalated",
        "escalated_at",
        "csat",
        "external_id",
    }
)
# A change of one of these re-posts the "ticket opened" entry, which shows them.
TICKET_SHOWN = frozenset({"subject", "description", "contact", "priority", "channel"})
SURVEY_EDITABLE = frozenset(
    {"kind", "score", "comment", "contact", "responded_at", "ticket", "external_id"}
)


# --- Tickets -----------------------------------------------------------------------------


def _opened_entry(ticket: Ticket) -> dict[str, Any]:
    return {
        "title": f"Ticket opened: {ticket.subject}",
        "body": ticket.description,
        "occurred_at": ticket.created_at,
        "accounts": [ticket.account],
        "contacts": [ticket.contact] if ticket.contact is not None else [],
        "details": {
            "ticket_id": ticket.pk,
            "external_id": ticket.external_id,
            "priority": ticket.priority,
            "channel": ticket.channel,
        },
    }


def _resolved_entry(ticket: Ticket) -> dict[str, Any]:
    assert ticket.resolved_at is not None
    return {
        "title": f"Ticket resolved: {ticket.subject}",
        "occurred_at": ticket.resolved_at,
        "accounts": [ticket.account],
        "contacts": [ticket.contact] if ticket.contact is not None else [],
        "details": {
            "ticket_id": ticket.pk,
            "status": ticket.status,
            "priority": ticket.priority,
            "resolution_seconds": int((ticket.resolved_at - ticket.created_at).total_seconds()),
        },
    }


def _fill_times(ticket: Ticket, *, resolved_given: bool, escalated_given: bool) -> None:
    """Times that follow from the status and the escalation flag, unless they were given."""
    now = max(clock.now(), ticket.created_at)
    if ticket.status in RESOLVED_STATUSES:
        if ticket.resolved_at is None and not resolved_given:
            ticket.resolved_at = now
    elif not resolved_given:
        ticket.resolved_at = None
    if ticket.escalated:
        if ticket.escalated_at is None and not escalated_given:
            ticket.escalated_at = now
    elif not escalated_given:
        ticket.escalated_at = None


@transaction.atomic
def record_ticket_opened(
    *,
    account: Account,
    subject: str,
    description: str = "",
    contact: Contact | None = None,
    status: str = TicketStatus.NEW,
    priority: str = TicketPriority.NORMAL,
    channel: str = TicketChannel.EMAIL,
    created_at: dt.datetime | None = None,
    first_response_at: dt.datetime | None = None,
    resolved_at: dt.datetime | None = None,
    escalated: bool = False,
    escalated_at: dt.datetime | None = None,
    csat: int | None = None,
    external_id: str | None = None,
) -> Ticket:
    """Record a ticket of ``account`` (from ``contact``, a member, if known) and its "ticket
    opened" entry. A ticket recorded already solved or closed (an import) also gets its
    "ticket resolved" entry, at ``resolved_at`` (default now); an escalated one without
    ``escalated_at`` is escalated now."""
    ticket = Ticket(
        account=account,
        contact=contact,
        external_id=external_id,
        subject=subject,
        description=description,
        status=status,
        priority=priority,
        channel=channel,
        created_at=created_at or clock.now(),
        first_response_at=first_response_at,
        resolved_at=resolved_at,
        escalated=escalated,
        escalated_at=escalated_at,
        csat=csat,
    )
    _fill_times(
        ticket,
        resolved_given=resolved_at is not None,
        escalated_given=escalated_at is not None,
    )
    ticket.save()
    post_entry(kind="ticket_opened", subject=ticket, **_opened_entry(ticket))
    if ticket.resolved_at is not None:
        post_entry(kind="ticket_resolved", subject=ticket, **_resolved_entry(ticket))
    log_change(record=ticket, account=account, action=ChangeAction.CREATED)
    return ticket


@transaction.atomic
def update_ticket(*, ticket: Ticket, **changes: Any) -> Ticket:
    """Change a ticket's fields (any of ``TICKET_EDITABLE``), keeping its entries in step.

    Solving or closing an open ticket sets ``resolved_at`` (default now) and posts "ticket
    resolved"; reopening clears it (the earlier "resolved" entry stays: it happened).
    Escalating sets ``escalated_at`` (default now); de-escalating clears it.
    """
    was_resolved = ticket.resolved_at is not None
    before = values_of(ticket, TICKET_EDITABLE)
    apply_changes(ticket, changes, TICKET_EDITABLE)
    _fill_times(
        ticket,
        resolved_given="resolved_at" in changes,
        escalated_given="escalated_at" in changes,
    )
    save_or_restore(ticket)
    after = values_of(ticket, TICKET_EDITABLE)
    changed = {name for name in after if before[name] != after[name]}
    if changed & TICKET_SHOWN:
        refresh_entry(ticket, "ticket_opened", _opened_entry(ticket))
    if ticket.resolved_at is not None and not was_resolved:
        post_entry(kind="ticket_resolved", subject=ticket, **_resolved_entry(ticket))
    elif ticket.resolved_at is not None and changed & {"resolved_at", "status", *TICKET_SHOWN}:
        refresh_entry(ticket, "ticket_resolved", _resolved_entry(ticket))
    log_change(
        record=ticket,
        account=ticket.account,
        action=ChangeAction.UPDATED,
        before=before,
        after=after,
    )
    return ticket


@transaction.atomic
def resolve_ticket(
    *,
    ticket: Ticket,
    resolved_at: dt.datetime | None = None,
    status: str = TicketStatus.SOLVED,
) -> Ticket:
    """Solve (or close) an open ticket at ``resolved_at`` (default now)."""
    if ticket.resolved_at is not None:
        raise ValidationError({"status": f"The ticket is already {ticket.status}."})
    if status not in RESOLVED_STATUSES:
        raise ValidationError({"status": "A ticket is resolved as solved or closed."})
    return update_ticket(ticket=ticket, status=status, resolved_at=resolved_at or clock.now())


@transaction.atomic
def delete_ticket(*, ticket: Ticket) -> None:
    """Delete a ticket and its entries (CSAT answers about it stay, unlinked)."""
    log_change(
        record=ticket,
        account=ticket.account,
        action=ChangeAction.DELETED,
        before=values_of(ticket, TICKET_EDITABLE),
    )
    ticket.delete()


# --- Survey answers ----------------------------------------------------------------------


def _survey_entry(response: SurveyResponse) -> dict[str, Any]:
    who = f" from {response.contact}" if response.contact is not None else ""
    return {
        "title": f"{response.get_kind_display()} {response.score}{who}",
        "body": response.comment,
        "occurred_at": response.responded_at,
        "accounts": [response.account],
        "contacts": [response.contact] if response.contact is not None else [],
        "details": {
            "survey_response_id": response.pk,
            "kind": response.kind,
            "score": response.score,
            "nps_category": response.nps_category,
            "ticket_id": response.ticket_id,
        },
    }


def _sync_ticket_csat(ticket_ids: set[int | None]) -> None:
    """A ticket's CSAT is the score of the latest CSAT answer about it (kept when none is)."""
    for ticket in Ticket.objects.filter(pk__in=[pk for pk in ticket_ids if pk is not None]):
        latest = ticket.survey_responses.filter(kind=SurveyKind.CSAT).order_by(
            "-responded_at", "-id"
        )
        score = latest.values_list("score", flat=True).first()
        if score is not None and score != ticket.csat:
            update_ticket(ticket=ticket, csat=score)


@transaction.atomic
def record_survey_response(
    *,
    account: Account,
    kind: str,
    score: int,
    contact: Contact | None = None,
    comment: str = "",
    responded_at: dt.datetime | None = None,
    ticket: Ticket | None = None,
    external_id: str | None = None,
) -> SurveyResponse:
    """Record an NPS (0-10) or CSAT (1-5) answer and its "survey response" entry. A CSAT
    answer about ``ticket`` also becomes that ticket's CSAT."""
    response = SurveyResponse(
        account=account,
        contact=contact,
        ticket=ticket,
        external_id=external_id,
        kind=kind,
        score=score,
        comment=comment,
        responded_at=responded_at or clock.now(),
    )
    response.save()
    post_entry(kind="survey_response", subject=response, **_survey_entry(response))
    log_change(record=response, account=account, action=ChangeAction.CREATED)
    _sync_ticket_csat({response.ticket_id})
    return response


@transaction.atomic
def update_survey_response(*, response: SurveyResponse, **changes: Any) -> SurveyResponse:
    """Change an answer's fields (any of ``SURVEY_EDITABLE``) and refresh its entry."""
    before = values_of(response, SURVEY_EDITABLE)
    apply_changes(response, changes, SURVEY_EDITABLE)
    save_or_restore(response)
    after = values_of(response, SURVEY_EDITABLE)
    if before != after:
        refresh_entry(response, "survey_response", _survey_entry(response))
    log_change(
        record=response,
        account=response.account,
        action=ChangeAction.UPDATED,
        before=before,
        after=after,
    )
    _sync_ticket_csat({before["ticket"], after["ticket"]})
    return response


@transaction.atomic
def delete_survey_response(*, response: SurveyResponse) -> None:
    """Delete an answer and its entry; the audit log keeps its last values."""
    log_change(
        record=response,
        account=response.account,
        action=ChangeAction.DELETED,
        before=values_of(response, SURVEY_EDITABLE),
    )
    ticket_id = response.ticket_id
    response.delete()
    _sync_ticket_csat({ticket_id})
