"""Reads for the account page's Usage tab: figures, usage map, event trends, live view."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Sum
from django.utils.safestring import SafeString

from panorama.core import clock
from panorama.customers.models import Account, Contact, Membership
from panorama.usage import charts, metrics
from panorama.usage.models import Event, EventDay

LIVE_EVENTS = 25
TOP_EVENTS = 8
TOP_CONTACTS = 10


@dataclass
class EventTrend:
    """One event name's count over the last 30 days and its daily bars."""

    name: str
    total: int
    chart: SafeString


@dataclass
class ContactActivity:
    contact: Contact
    usage: metrics.ContactUsage


@dataclass
class AccountUsageTab:
    """Everything the Usage tab shows, read from rollups (and the newest raw events)."""

    figures: metrics.AccountUsage
    heatmap: SafeString
    pageviews_year: int
    trends: list[EventTrend]
    live: list[Event]
    contacts: list[ContactActivity]


def fetch_account_usage_tab(account: Account, *, today: dt.date | None = None) -> AccountUsageTab:
    """A constant number of queries whatever the account's size (no raw-event scans but the
    newest ``LIVE_EVENTS``, read through the (account, timestamp) index)."""
    today = today or clock.today()
    figures = metrics.account_usage([account.pk], today=today)[account.pk]
    year = metrics.usage_map(account.pk, today=today)
    since = today - dt.timedelta(days=29)
    top = list(
        EventDay.objects.filter(account=account, day__gte=since, day__lte=today)
        .values("name")
        .annotate(total=Sum("count"))
        .order_by("-total", "name")[:TOP_EVENTS]
    )
    series = metrics.event_trends(account.pk, [t["name"] for t in top], period="30d", today=today)
    trends = [
        EventTrend(t["name"], t["total"], charts.sparkline(series[t["name"]], label=t["name"]))
        for t in top
    ]
    live = list(
        Event.objects.filter(account=account, type__in=("track", "page", "screen"))
        .select_related("contact")
        .order_by("-timestamp", "-id")[:LIVE_EVENTS]
    )
    hide_non_member_contacts(account, live)
    return AccountUsageTab(
        figures=figures,
        heatmap=charts.usage_heatmap(year),
        pageviews_year=sum(v for _, v in year),
        trends=trends,
        live=live,
        contacts=_most_active_contacts(account, today),
    )


def hide_non_member_contacts(account: Account, events: list[Event]) -> None:
    """Show an event's contact only if they are a member of the event's account.

    An event's contact can belong to other accounts only (a membership removed since, or an
    identity merged): their name must not reach someone who may see this account but not
    theirs. Such events read as anonymous.
    """
    ids = {e.contact_id for e in events if e.contact_id is not None}
    members = set(
        Membership.objects.filter(account=account, contact_id__in=ids).values_list(
            "contact_id", flat=True
        )
    )
    for event in events:
        if event.contact_id is not None and event.contact_id not in members:
            event.contact = None


def _most_active_contacts(account: Account, today: dt.date) -> list[ContactActivity]:
    members = list(
        Contact.objects.filter(
            pk__in=Membership.objects.filter(account=account).values("contact_id")
        )
    )
    usage: dict[int, Any] = metrics.contact_usage(
        [c.pk for c in members], account_id=account.pk, today=today
    )
    ranked = sorted(
        members,
        key=lambda c: (-usage[c.pk].sessions_30d, -usage[c.pk].events_30d, str(c)),
    )
    return [
        ContactActivity(c, usage[c.pk]) for c in ranked[:TOP_CONTACTS] if usage[c.pk].events_30d
    ]
