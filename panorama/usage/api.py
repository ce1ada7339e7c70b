"""The usage read API, mounted at ``/api/usage/``: metrics, usage map, event trends, events.

Every operation starts with ``access_account``/``access_contact``: an account or contact the
caller may not see answers 404, exactly like one that does not exist. Figures come from
``panorama.usage.metrics`` (the same functions as the 360 page), so the API and the pages
always agree. The one read of raw events is the live view (``/events``), paged by keyset.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from dataclasses import asdict
from typing import Annotated, Any, Literal

from django.db.models import Max, Q, Sum
from django.http import HttpRequest
from ninja import Query, Router
from ninja.errors import HttpError

from panorama.core import clock
from panorama.core.visibility import access_account, access_contact, visible_accounts
from panorama.customers.models import Contact
from panorama.usage.metrics import (
    PRODUCT_EVENT_TYPES,
    ContactUsage,
    account_usage,
    contact_usage,
    event_trends,
    usage_map,
)
from panorama.usage.models import ContactDay, Event, EventDay
from panorama.usage.queries import hide_non_member_contacts
from panorama.usage.schemas import (
    AccountUsageOut,
    ContactUsageOut,
    ContactUsagePageOut,
    ErrorOut,
    EventNameOut,
    EventPageOut,
    EventTrendsOut,
    UsageDayOut,
)

router = Router()

NOT_FOUND = {404: ErrorOut}
MAX_WINDOW_DAYS = 730
MAX_PAGE = 200


def _contact_ref(contact: Contact | None) -> dict[str, Any] | None:
    """The short form of a contact embedded in other answers."""
    if contact is None:
        return None
    return {"id": contact.pk, "name": contact.full_name, "email": contact.email}


@router.get("/accounts/{account_id}/metrics", response={200: AccountUsageOut, **NOT_FOUND})
def account_metrics(request: HttpRequest, account_id: int) -> dict[str, Any]:
    """The account's usage figures today: DAU/WAU/MAU, stickiness, sessions, events."""
    account = access_account(request.auth, account_id)  # type: ignore[attr-defined]
    return asdict(account_usage([account.pk])[account.pk])


@router.get("/accounts/{account_id}/usage-map", response={200: list[UsageDayOut], **NOT_FOUND})
def account_usage_map(
    request: HttpRequest,
    account_id: int,
    days: int = Query(365, ge=1, le=MAX_WINDOW_DAYS, description="Days ending today."),
) -> list[dict[str, Any]]:
    """Pageviews per day over the last ``days`` days, oldest first, days without any as 0."""
    account = access_account(request.auth, account_id)  # type: ignore[attr-defined]
    return [{"day": day, "pageviews": n} for day, n in usage_map(account.pk, days=days)]


@router.get(
    "/accounts/{account_id}/event-trends",
    response={200: EventTrendsOut, 400: ErrorOut, **NOT_FOUND},
)
def account_event_trends(
    request: HttpRequest,
    account_id: int,
    names: Annotated[
        list[str], Query(..., min_length=1, max_length=20, description="Event names.")
    ],
    period: Literal["7d", "30d", "6m"] = Query("30d", description="Daily 7d/30d, weekly 6m."),
) -> dict[str, Any]:
    """How often the account sent each named event: one point a day, or a week for "6m"."""
    account = access_account(request.auth, account_id)  # type: ignore[attr-defined]
    if any("\x00" in name for name in names):
        # No stored name holds one (ingestion refuses them), and PostgreSQL can't compare it.
        raise HttpError(400, "names: an event name cannot contain a NUL character")
    series = event_trends(account.pk, names, period=period)
    return {
        "period": period,
        "series": {
            name: [{"day": day, "count": count} for day, count in points]
            for name, points in series.items()
        },
    }


@router.get(
    "/accounts/{account_id}/events",
    response={200: EventPageOut, 400: ErrorOut, **NOT_FOUND},
)
def account_events(
    request: HttpRequest,
    account_id: int,
    limit: int = Query(50, ge=1, le=MAX_PAGE),
    before: str | None = Query(None, description="The `next` cursor of the previous page."),
) -> dict[str, Any]:
    """The live view: the account's product events (track, page, screen), newest first.

    Paged by keyset on (timestamp, id), not by offset: an event arriving between two page
    requests neither shifts nor repeats anything on the older pages.
    """
    account = access_account(request.auth, account_id)  # type: ignore[attr-defined]
    events = (
        Event.objects.filter(account_id=account.pk, type__in=PRODUCT_EVENT_TYPES)
        .select_related("contact")
        .only(
            *("id", "message_id", "type", "name", "timestamp", "properties", "contact"),
            *("contact__id", "contact__first_name", "contact__last_name", "contact__email"),
        )
        .order_by("-timestamp", "-id")
    )
    if before:
        at, pk = _decode_cursor(before)
        # Bounded above first, so the index range starts at the cursor, not at the newest.
        events = events.filter(timestamp__lte=at).filter(
            Q(timestamp__lt=at) | Q(timestamp=at, id__lt=pk)
        )
    # One more than asked tells whether there is a next page, without a COUNT.
    rows = list(events[: limit + 1])
    page = rows[:limit]
    hide_non_member_contacts(account, page)
    return {
        "items": [
            {
                "id": event.pk,
                "message_id": event.message_id,
                "type": event.type,
                "name": event.name,
                "timestamp": event.timestamp,
                "properties": event.properties,
                "contact": _contact_ref(event.contact),
            }
            for event in page
        ],
        "next": _encode_cursor(page[-1]) if len(rows) > limit else None,
    }


def _encode_cursor(event: Event) -> str:
    """An opaque cursor for "events older than this one"."""
    raw = f"{event.timestamp.isoformat()}|{event.pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[dt.datetime, int]:
    """The (timestamp, id) in a cursor; a 400 naming ``before`` for anything else."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, pk = raw.split("|")
        at = dt.datetime.fromisoformat(stamp)
        if at.tzinfo is None:
            raise ValueError("naive timestamp")
        return at, int(pk)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise HttpError(
            400,
            "Invalid cursor in 'before': pass the 'next' value of a previous page unchanged.",
        ) from exc


@router.get("/accounts/{account_id}/contacts", response={200: ContactUsagePageOut, **NOT_FOUND})
def account_contacts(
    request: HttpRequest,
    account_id: int,
    limit: int = Query(50, ge=1, le=MAX_PAGE),
    offset: int = Query(0, ge=0),
) -> dict[str, Any]:
    """The account's member contacts with their usage in it, most sessions (30 days) first.

    Every member's usage is computed (two queries, whatever their number) because the order
    depends on it; ties go by contact id so pages are stable.
    """
    account = access_account(request.auth, account_id)  # type: ignore[attr-defined]
    members = list(
        Contact.objects.filter(memberships__account_id=account.pk).only(
            "id", "first_name", "last_name", "email"
        )
    )
    usage = contact_usage([c.pk for c in members], account_id=account.pk)
    members.sort(key=lambda c: (-usage[c.pk].sessions_30d, c.pk))
    return {
        "items": [
            {"contact": _contact_ref(c), **asdict(usage[c.pk])}
            for c in members[offset : offset + limit]
        ],
        "count": len(members),
    }


@router.get("/accounts/{account_id}/event-names", response={200: list[EventNameOut], **NOT_FOUND})
def account_event_names(
    request: HttpRequest,
    account_id: int,
    days: int = Query(30, ge=1, le=MAX_WINDOW_DAYS, description="Days ending today."),
) -> list[dict[str, Any]]:
    """Each event name the account sent over the last ``days`` days, most frequent first."""
    account = access_account(request.auth, account_id)  # type: ignore[attr-defined]
    today = clock.today()
    start = today - dt.timedelta(days=days - 1)
    return list(
        EventDay.objects.filter(account_id=account.pk, day__range=(start, today))
        .values("name")
        .annotate(count=Sum("count"), last_day=Max("day"))
        .order_by("-count", "name")
    )


@router.get("/contacts/{contact_id}/metrics", response={200: ContactUsageOut, **NOT_FOUND})
def contact_metrics(request: HttpRequest, contact_id: int) -> dict[str, Any]:
    """The contact's usage today, summed over their accounts that the caller may see."""
    user = request.auth  # type: ignore[attr-defined]
    contact = access_contact(user, contact_id)
    visible = visible_accounts(user).values("pk")
    hidden_activity = (
        ContactDay.objects.filter(contact_id=contact.pk).exclude(account_id__in=visible).exists()
    )
    if not hidden_activity:
        return asdict(contact_usage([contact.pk])[contact.pk])
    return asdict(_contact_usage_in_visible(contact.pk, visible))


def _contact_usage_in_visible(contact_id: int, visible: Any) -> ContactUsage:
    """``metrics.contact_usage`` over all accounts, restricted to the visible ones.

    Only for a contact also active in accounts the caller may not see: summing those in
    would leak activity from outside their book (DESIGN.md "Security rules"). Same windows
    and definitions as ``contact_usage``, which takes one account or all, not a set.
    """
    d = clock.today()
    week, month = d - dt.timedelta(days=6), d - dt.timedelta(days=29)
    days = ContactDay.objects.filter(
        contact_id=contact_id, account_id__in=visible, day__range=(month, d)
    )
    active_days = set(days.values_list("day", flat=True))
    totals = days.aggregate(
        sessions_7d=Sum("sessions", filter=Q(day__gte=week)),
        sessions_30d=Sum("sessions"),
        events_30d=Sum("events"),
    )
    last = ContactDay.objects.filter(contact_id=contact_id, account_id__in=visible).aggregate(
        last=Max("last_event_at")
    )["last"]
    return ContactUsage(
        active_yesterday=(d - dt.timedelta(days=1)) in active_days,
        active_days_7d=sum(1 for day in active_days if day >= week),
        active_days_30d=len(active_days),
        sessions_7d=totals["sessions_7d"] or 0,
        sessions_30d=totals["sessions_30d"] or 0,
        events_30d=totals["events_30d"] or 0,
        last_activity_at=last,
    )
