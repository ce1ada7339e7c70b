"""The support REST API, mounted at ``/api/support/``: tickets (with resolution) and survey
answers (NPS, CSAT).

Reads start from ``support.queries`` (``*_for_list``/``access_*``): a record of an account the
caller may not see answers 404 and is left as it was. Writes go through ``support.services``
only (record, timeline entries and audit row in one transaction), attributed to the caller
(source ``api``). Lists are paged by keyset and filter by ``account`` and time (``since``
inclusive, ``until`` exclusive). See docs/api.md, "Support".
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Status

from panorama.core.models import User
from panorama.customers.api_base import READ_ERRORS, WRITE_ERRORS, authored_by, caller, keyset_page
from panorama.revenue.api_records import (
    in_window,
    refuse_read_only,
    visible_account,
    visible_contact,
    visible_record,
)
from panorama.support import queries, services
from panorama.support.models import OPEN_STATUSES, SurveyResponse, Ticket
from panorama.support.schemas import (
    ResolutionIn,
    SurveyResponseFilters,
    SurveyResponseIn,
    SurveyResponseOut,
    SurveyResponsePageOut,
    SurveyResponsePatch,
    TicketFilters,
    TicketIn,
    TicketOut,
    TicketPageOut,
    TicketPatch,
)

router = Router()

TICKET_READ_ONLY = {
    "account": "A ticket stays with its account.",
    "created_at": "A ticket's creation time is fixed once recorded.",
}


# --- Tickets --------------------------------------------------------------------------------


def _ticket_field(user: User, pk: int | None) -> Ticket | None:
    return visible_record(queries.tickets_for_list(user), pk, "ticket", "ticket")


@router.get("/tickets", response={200: TicketPageOut, **READ_ERRORS}, tags=["support"])
def list_tickets(request: HttpRequest, filters: Query[TicketFilters]) -> dict[str, Any]:
    """The tickets you may see, by id; ``since``/``until`` bound their creation."""
    tickets: QuerySet[Ticket] = in_window(
        queries.tickets_for_list(caller(request)), "created_at", filters.since, filters.until
    )
    for name in ("account", "contact", "status", "priority", "channel", "escalated"):
        value = getattr(filters, name)
        if value is not None:
            tickets = tickets.filter(**{name: value})
    if filters.external_id is not None:
        tickets = tickets.filter(external_id=filters.external_id)
    if filters.is_open is not None:
        tickets = (tickets.filter if filters.is_open else tickets.exclude)(status__in=OPEN_STATUSES)
    if filters.updated_since is not None:
        tickets = tickets.filter(updated_at__gte=filters.updated_since)
    return keyset_page(tickets, filters)


@router.post("/tickets", response={201: TicketOut, **WRITE_ERRORS}, tags=["support"])
def create_ticket(request: HttpRequest, payload: TicketIn) -> Status[Ticket]:
    """Record a ticket of an account you may see (from one of its contacts, if known)."""
    user = caller(request)
    values = payload.model_dump(exclude_unset=True)
    values["account"] = visible_account(user, payload.account)
    values["contact"] = visible_contact(user, payload.contact)
    with authored_by(request):
        ticket = services.record_ticket_opened(**values)
    return Status(201, queries.access_ticket(user, ticket.pk))


@router.get("/tickets/{ticket_id}", response={200: TicketOut, **READ_ERRORS}, tags=["support"])
def read_ticket(request: HttpRequest, ticket_id: int) -> Ticket:
    """One ticket."""
    return queries.access_ticket(caller(request), ticket_id)


@router.patch("/tickets/{ticket_id}", response={200: TicketOut, **WRITE_ERRORS}, tags=["support"])
def update_ticket(request: HttpRequest, ticket_id: int, payload: TicketPatch) -> Ticket:
    """Change the fields sent, all or nothing."""
    user = caller(request)
    ticket = queries.access_ticket(user, ticket_id)
    changes = payload.model_dump(exclude_unset=True)
    refuse_read_only(ticket, changes, TICKET_READ_ONLY)
    if "contact" in changes:
        changes["contact"] = visible_contact(user, changes["contact"])
    with authored_by(request):
        services.update_ticket(ticket=ticket, **changes)
    return queries.access_ticket(user, ticket_id)


@router.delete("/tickets/{ticket_id}", response={204: None, **WRITE_ERRORS}, tags=["support"])
def delete_ticket(request: HttpRequest, ticket_id: int) -> Status[None]:
    """Delete a ticket (CSAT answers about it stay, unlinked)."""
    ticket = queries.access_ticket(caller(request), ticket_id)
    with authored_by(request):
        services.delete_ticket(ticket=ticket)
    return Status(204, None)


@router.post(
    "/tickets/{ticket_id}/resolve", response={200: TicketOut, **WRITE_ERRORS}, tags=["support"]
)
def resolve_ticket(request: HttpRequest, ticket_id: int, payload: ResolutionIn) -> Ticket:
    """Solve (or close) an open ticket, at ``resolved_at`` (default now)."""
    user = caller(request)
    ticket = queries.access_ticket(user, ticket_id)
    with authored_by(request):
        services.resolve_ticket(
            ticket=ticket, resolved_at=payload.resolved_at, status=payload.status
        )
    return queries.access_ticket(user, ticket_id)


# --- Survey answers -------------------------------------------------------------------------


@router.get(
    "/survey-responses", response={200: SurveyResponsePageOut, **READ_ERRORS}, tags=["support"]
)
def list_survey_responses(
    request: HttpRequest, filters: Query[SurveyResponseFilters]
) -> dict[str, Any]:
    """The NPS and CSAT answers you may see, by id; ``since``/``until`` bound their time."""
    responses: QuerySet[SurveyResponse] = in_window(
        queries.survey_responses_for_list(caller(request)),
        "responded_at",
        filters.since,
        filters.until,
    )
    for name in ("account", "kind", "contact", "ticket"):
        value = getattr(filters, name)
        if value is not None:
            responses = responses.filter(**{name: value})
    return keyset_page(responses, filters)


@router.post(
    "/survey-responses", response={201: SurveyResponseOut, **WRITE_ERRORS}, tags=["support"]
)
def create_survey_response(request: HttpRequest, payload: SurveyResponseIn) -> Status[Any]:
    """Record an NPS or CSAT answer of an account you may see; a CSAT answer about a ticket
    becomes that ticket's CSAT."""
    user = caller(request)
    values = payload.model_dump(exclude_unset=True)
    values["account"] = visible_account(user, payload.account)
    values["contact"] = visible_contact(user, payload.contact)
    values["ticket"] = _ticket_field(user, payload.ticket)
    with authored_by(request):
        response = services.record_survey_response(**values)
    return Status(201, queries.access_survey_response(user, response.pk))


@router.get(
    "/survey-responses/{response_id}",
    response={200: SurveyResponseOut, **READ_ERRORS},
    tags=["support"],
)
def read_survey_response(request: HttpRequest, response_id: int) -> SurveyResponse:
    """One survey answer."""
    return queries.access_survey_response(caller(request), response_id)


@router.patch(
    "/survey-responses/{response_id}",
    response={200: SurveyResponseOut, **WRITE_ERRORS},
    tags=["support"],
)
def update_survey_response(
    request: HttpRequest, response_id: int, payload: SurveyResponsePatch
) -> SurveyResponse:
    """Change the fields sent, all or nothing."""
    user = caller(request)
    response = queries.access_survey_response(user, response_id)
    changes = payload.model_dump(exclude_unset=True)
    refuse_read_only(response, changes, {"account": "An answer stays with its account."})
    if "contact" in changes:
        changes["contact"] = visible_contact(user, changes["contact"])
    if "ticket" in changes:
        changes["ticket"] = _ticket_field(user, changes["ticket"])
    with authored_by(request):
        services.update_survey_response(response=response, **changes)
    return queries.access_survey_response(user, response_id)


@router.delete(
    "/survey-responses/{response_id}", response={204: None, **WRITE_ERRORS}, tags=["support"]
)
def delete_survey_response(request: HttpRequest, response_id: int) -> Status[None]:
    """Delete a survey answer (a ticket it rated falls back to the previous rating)."""
    response = queries.access_survey_response(caller(request), response_id)
    with authored_by(request):
        services.delete_survey_response(response=response)
    return Status(204, None)
