"""Reads of the support domain, always from what the user may see.

``*_for_list(user)`` are the visible records (for lists and the REST API); ``access_*``
answers one record or 404; ``fetch_account_support`` is what an account's page shows, in a
fixed number of queries whatever the number of tickets and answers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import (
    Avg,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
)
from django.http import Http404

from panorama.core import clock
from panorama.core.models import User
from panorama.core.visibility import visible_accounts, with_contact_visibility
from panorama.customers.models import Account
from panorama.support import metrics
from panorama.support.models import (
    OPEN_STATUSES,
    SurveyKind,
    SurveyResponse,
    Ticket,
)

RECENT_TICKETS = 20
ESCALATION_WINDOW_DAYS = 90  # seed 003: "escalated tickets in the past 90 days"


def tickets_for_list(user: User, *, account: Account | None = None) -> QuerySet[Ticket]:
    """Visible tickets (of ``account`` only, if given), newest first."""
    tickets = Ticket.objects.filter(account_id__in=visible_accounts(user).values("pk"))
    if account is not None:
        tickets = tickets.filter(account_id=account.pk)
    tickets = with_contact_visibility(tickets, user)  # a contact is named only if seen
    return tickets.select_related("account", "contact").order_by("-created_at", "-id")


def survey_responses_for_list(
    user: User, *, account: Account | None = None
) -> QuerySet[SurveyResponse]:
    """Visible survey answers (of ``account`` only, if given), newest first."""
    responses = SurveyResponse.objects.filter(account_id__in=visible_accounts(user).values("pk"))
    if account is not None:
        responses = responses.filter(account_id=account.pk)
    responses = with_contact_visibility(responses, user)  # a contact is named only if seen
    return responses.select_related("account", "contact", "ticket").order_by("-responded_at", "-id")


def access_ticket(user: User, pk: int) -> Ticket:
    """The ticket ``pk`` if ``user`` may see its account, else 404."""
    ticket = tickets_for_list(user).filter(pk=pk).first()
    if ticket is None:
        raise Http404("No such ticket")
    return ticket


def access_survey_response(user: User, pk: int) -> SurveyResponse:
    response = survey_responses_for_list(user).filter(pk=pk).first()
    if response is None:
        raise Http404("No such survey response")
    return response


@dataclass
class SurveyFigures:
    """NPS and CSAT of an account, over all its answers.

    CSAT counts the CSAT answers and the ratings tickets carry without an answer about them
    (a helpdesk's own rating), each once.
    """

    nps_latest: SurveyResponse | None = None
    nps_average: float | None = None
    nps: int | None = None  # -100…100
    nps_count: int = 0
    promoters: int = 0
    passives: int = 0
    detractors: int = 0
    csat_latest: SurveyResponse | None = None
    csat_average: float | None = None
    csat_count: int = 0


@dataclass
class AccountSupport:
    """Seed 004's support figures and seed 003's helpdesk panel for one account."""

    total: int = 0
    open: int = 0
    escalated_recently: int = 0  # escalated in the last 90 days
    average_resolution: dt.timedelta | None = None  # over resolved tickets
    average_first_response: dt.timedelta | None = None  # over answered tickets
    recent: list[Ticket] = field(default_factory=list)
    surveys: SurveyFigures = field(default_factory=SurveyFigures)


def _duration(end: str) -> ExpressionWrapper:
    return ExpressionWrapper(F(end) - F("created_at"), output_field=DurationField())


def fetch_account_support(
    account: Account, *, user: User, now: dt.datetime | None = None
) -> AccountSupport:
    """An account's ticket figures, latest tickets and survey figures. Six queries.

    A ticket's contact is named only while ``user`` may see them (``contact_visible``)."""
    now = now or clock.now()
    since = now - dt.timedelta(days=ESCALATION_WINDOW_DAYS)
    tickets = Ticket.objects.filter(account=account)
    figures = tickets.aggregate(
        total=Count("id"),
        open=Count("id", filter=Q(status__in=OPEN_STATUSES)),
        escalated=Count("id", filter=Q(escalated_at__gte=since)),
        resolution=Avg(_duration("resolved_at"), filter=Q(resolved_at__isnull=False)),
        first_response=Avg(
            _duration("first_response_at"), filter=Q(first_response_at__isnull=False)
        ),
    )
    return AccountSupport(
        total=figures["total"],
        open=figures["open"],
        escalated_recently=figures["escalated"],
        average_resolution=_as_timedelta(figures["resolution"]),
        average_first_response=_as_timedelta(figures["first_response"]),
        recent=list(
            with_contact_visibility(tickets.select_related("contact"), user).order_by(
                "-created_at", "-id"
            )[:RECENT_TICKETS]
        ),
        surveys=fetch_survey_figures(account),
    )


def _as_timedelta(value: object) -> dt.timedelta | None:
    """Average durations come back as a timedelta (PostgreSQL) or microseconds (SQLite)."""
    if value is None or isinstance(value, dt.timedelta):
        return value
    return dt.timedelta(microseconds=float(value))  # type: ignore[arg-type]


def fetch_survey_figures(account: Account) -> SurveyFigures:
    """NPS and CSAT figures of an account. Four queries."""
    responses = SurveyResponse.objects.filter(account=account)
    nps, csat = Q(kind=SurveyKind.NPS), Q(kind=SurveyKind.CSAT)
    answers = responses.aggregate(
        nps_count=Count("id", filter=nps),
        nps_average=Avg("score", filter=nps),
        promoters=Count("id", filter=nps & Q(score__gte=9)),
        passives=Count("id", filter=nps & Q(score__gte=7, score__lte=8)),
        detractors=Count("id", filter=nps & Q(score__lte=6)),
        csat_count=Count("id", filter=csat),
        csat_average=Avg("score", filter=csat),
    )
    rated = SurveyResponse.objects.filter(ticket=OuterRef("pk"), kind=SurveyKind.CSAT)
    ticket_ratings = (
        Ticket.objects.filter(account=account, csat__isnull=False)
        .exclude(Exists(rated))
        .aggregate(count=Count("id"), average=Avg("csat"))
    )
    latest = responses.select_related("contact").order_by("-responded_at", "-id")
    return SurveyFigures(
        nps_latest=latest.filter(nps).first(),
        nps_average=answers["nps_average"],
        nps=metrics.nps_score(
            promoters=answers["promoters"],
            detractors=answers["detractors"],
            total=answers["nps_count"],
        ),
        nps_count=answers["nps_count"],
        promoters=answers["promoters"],
        passives=answers["passives"],
        detractors=answers["detractors"],
        csat_latest=latest.filter(csat).first(),
        csat_average=metrics.weighted_average(
            [
                (answers["csat_average"], answers["csat_count"]),
                (ticket_ratings["average"], ticket_ratings["count"]),
            ]
        ),
        csat_count=answers["csat_count"] + ticket_ratings["count"],
    )
