"""Usage metrics read from the daily rollups (DESIGN.md "Definitions").

Every day is a calendar day in the organisation's time zone and D is ``clock.today()`` unless
a ``today`` is given. Windows include D: "7 days" is D-6…D and "30 days" D-29…D; DAU is the
previous day, D-1. A ``ContactDay`` row exists only for a contact with at least one product
event (track, page, screen) in that account that day, so a row means "active".

Each function issues a fixed number of queries, whatever the number of ids it is given, and
reads only the rollups, never the raw events: ``last_activity_at`` is the latest of the
rollup rows' ``last_event_at``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from django.db.models import Count, Exists, Max, OuterRef, Q, Sum

from panorama.core import clock
from panorama.customers.models import Membership
from panorama.usage.models import AccountDay, ContactDay, EventDay

PRODUCT_EVENT_TYPES = ("track", "page", "screen")
Period = Literal["7d", "30d", "6m"]
WEEKS_IN_6M = 26


@dataclass(frozen=True)
class AccountUsage:
    """An account's usage figures on day D.

    ``stickiness`` is WAU / MAU as a fraction 0-1 (None when MAU is 0); ``pct_active_contacts``
    is a percentage 0-100 of the account's members active in it over D-29…D (None when the
    account has no members). Contacts active in the account without a membership count in
    DAU/WAU/MAU but not in that percentage.
    """

    dau: int = 0
    wau: int = 0
    mau: int = 0
    stickiness: float | None = None
    sessions_7d: int = 0
    sessions_30d: int = 0
    pct_active_contacts: float | None = None
    last_activity_at: dt.datetime | None = None
    events_30d: int = 0
    pageviews_30d: int = 0


@dataclass(frozen=True)
class ContactUsage:
    """A contact's usage on day D, in one account or summed over all their accounts."""

    active_yesterday: bool = False
    active_days_7d: int = 0
    active_days_30d: int = 0
    sessions_7d: int = 0
    sessions_30d: int = 0
    events_30d: int = 0
    last_activity_at: dt.datetime | None = None


def _day(today: dt.date | None) -> dt.date:
    """D: the given day, or today in the organisation's time zone."""
    return clock.today() if today is None else today


def account_usage(
    account_ids: Sequence[int], *, today: dt.date | None = None
) -> dict[int, AccountUsage]:
    """Usage figures of every given account (each id is in the result), in four queries."""
    ids = list(dict.fromkeys(account_ids))
    if not ids:
        return {}
    d = _day(today)
    week, month = d - dt.timedelta(days=6), d - dt.timedelta(days=29)
    yesterday = d - dt.timedelta(days=1)

    active = {
        row["account_id"]: row
        for row in ContactDay.objects.filter(account_id__in=ids, day__range=(month, d))
        .values("account_id")
        .annotate(
            dau=Count("contact_id", distinct=True, filter=Q(day=yesterday)),
            wau=Count("contact_id", distinct=True, filter=Q(day__gte=week)),
            mau=Count("contact_id", distinct=True),
        )
        .order_by()
    }
    totals = {
        row["account_id"]: row
        for row in AccountDay.objects.filter(account_id__in=ids, day__range=(month, d))
        .values("account_id")
        .annotate(
            sessions_7d=Sum("sessions", filter=Q(day__gte=week)),
            sessions_30d=Sum("sessions"),
            events_30d=Sum("events"),
            pageviews_30d=Sum("pageviews"),
        )
        .order_by()
    }
    member_active_in_window = ContactDay.objects.filter(
        account_id=OuterRef("account_id"),
        contact_id=OuterRef("contact_id"),
        day__range=(month, d),
    )
    members = {
        row["account_id"]: row
        for row in Membership.objects.filter(account_id__in=ids)
        .values("account_id")
        .annotate(
            total=Count("contact_id"),
            active=Count("contact_id", filter=Q(Exists(member_active_in_window))),
        )
        .order_by()
    }
    last = dict(
        AccountDay.objects.filter(account_id__in=ids)
        .values("account_id")
        .annotate(last=Max("last_event_at"))
        .order_by()
        .values_list("account_id", "last")
    )

    result: dict[int, AccountUsage] = {}
    for account_id in ids:
        a = active.get(account_id, {})
        t = totals.get(account_id, {})
        m = members.get(account_id, {})
        mau = a.get("mau") or 0
        wau = a.get("wau") or 0
        total_members = m.get("total") or 0
        result[account_id] = AccountUsage(
            dau=a.get("dau") or 0,
            wau=wau,
            mau=mau,
            stickiness=wau / mau if mau else None,
            sessions_7d=t.get("sessions_7d") or 0,
            sessions_30d=t.get("sessions_30d") or 0,
            pct_active_contacts=(
                100 * (m.get("active") or 0) / total_members if total_members else None
            ),
            last_activity_at=last.get(account_id),
            events_30d=t.get("events_30d") or 0,
            pageviews_30d=t.get("pageviews_30d") or 0,
        )
    return result


def contact_usage(
    contact_ids: Sequence[int],
    *,
    account_id: int | None = None,
    today: dt.date | None = None,
) -> dict[int, ContactUsage]:
    """Usage of every given contact (each id is in the result), in two queries.

    With ``account_id`` only activity in that account counts; without it, activity in all the
    contact's accounts: a day active in two accounts is one active day, while sessions and
    events add up (sessions are per account).
    """
    ids = list(dict.fromkeys(contact_ids))
    if not ids:
        return {}
    d = _day(today)
    week, month = d - dt.timedelta(days=6), d - dt.timedelta(days=29)
    yesterday = d - dt.timedelta(days=1)
    scope = Q(contact_id__in=ids)
    if account_id is not None:
        scope &= Q(account_id=account_id)

    days = {
        row["contact_id"]: row
        for row in ContactDay.objects.filter(scope, day__range=(month, d))
        .values("contact_id")
        .annotate(
            yesterday=Count("day", distinct=True, filter=Q(day=yesterday)),
            days_7d=Count("day", distinct=True, filter=Q(day__gte=week)),
            days_30d=Count("day", distinct=True),
            sessions_7d=Sum("sessions", filter=Q(day__gte=week)),
            sessions_30d=Sum("sessions"),
            events_30d=Sum("events"),
        )
        .order_by()
    }
    last = dict(
        ContactDay.objects.filter(scope)
        .values("contact_id")
        .annotate(last=Max("last_event_at"))
        .order_by()
        .values_list("contact_id", "last")
    )

    result: dict[int, ContactUsage] = {}
    for contact_id in ids:
        r = days.get(contact_id, {})
        result[contact_id] = ContactUsage(
            active_yesterday=bool(r.get("yesterday")),
            active_days_7d=r.get("days_7d") or 0,
            active_days_30d=r.get("days_30d") or 0,
            sessions_7d=r.get("sessions_7d") or 0,
            sessions_30d=r.get("sessions_30d") or 0,
            events_30d=r.get("events_30d") or 0,
            last_activity_at=last.get(contact_id),
        )
    return result


def usage_map(
    account_id: int, *, today: dt.date | None = None, days: int = 365
) -> list[tuple[dt.date, int]]:
    """Daily pageviews of the account over the ``days`` days ending D, oldest first, zero-filled."""
    d = _day(today)
    start = d - dt.timedelta(days=days - 1)
    counts = dict(
        AccountDay.objects.filter(account_id=account_id, day__range=(start, d)).values_list(
            "day", "pageviews"
        )
    )
    return [(day, counts.get(day, 0)) for day in _days(start, d)]


def event_trends(
    account_id: int,
    names: Sequence[str],
    *,
    period: Period,
    today: dt.date | None = None,
) -> dict[str, list[tuple[dt.date, int]]]:
    """How often the account sent each named event, zero-filled and oldest first.

    "7d" and "30d" give one point a day (D-6…D, D-29…D); "6m" one point a week for the last 26
    weeks (Monday to Sunday, labelled by the Monday; the last one is D's week, so far).
    """
    d = _day(today)
    if period == "7d":
        start = d - dt.timedelta(days=6)
    elif period == "30d":
        start = d - dt.timedelta(days=29)
    elif period == "6m":
        start = d - dt.timedelta(days=d.weekday(), weeks=WEEKS_IN_6M - 1)
    else:
        raise ValueError(f"Unknown period {period!r}; expected '7d', '30d' or '6m'.")
    weekly = period == "6m"
    buckets = _days(start, d)[:: 7 if weekly else 1]
    series: dict[str, dict[dt.date, int]] = {name: dict.fromkeys(buckets, 0) for name in names}
    rows = EventDay.objects.filter(
        account_id=account_id, name__in=list(series), day__range=(start, d)
    ).values_list("name", "day", "count")
    for name, day, count in rows:
        bucket = day - dt.timedelta(days=day.weekday()) if weekly else day
        series[name][bucket] += count
    return {name: list(points.items()) for name, points in series.items()}


def _days(first: dt.date, last: dt.date) -> list[dt.date]:
    """Every day from ``first`` to ``last``, both included."""
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
