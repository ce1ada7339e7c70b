"""Shapes of the usage API's answers (``panorama.usage.api``), as pydantic/ninja schemas.

Field names and meanings are those of ``panorama.usage.metrics``: see ``AccountUsage`` and
``ContactUsage`` there for the definitions (windows include today, D).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Schema


class AccountUsageOut(Schema):
    """An account's usage figures today (``metrics.AccountUsage``)."""

    dau: int
    wau: int
    mau: int
    stickiness: float | None
    sessions_7d: int
    sessions_30d: int
    pct_active_contacts: float | None
    last_activity_at: dt.datetime | None
    events_30d: int
    pageviews_30d: int


class ContactUsageOut(Schema):
    """A contact's usage today (``metrics.ContactUsage``)."""

    active_yesterday: bool
    active_days_7d: int
    active_days_30d: int
    sessions_7d: int
    sessions_30d: int
    events_30d: int
    last_activity_at: dt.datetime | None


class UsageDayOut(Schema):
    """Pageviews (page and screen events) of one day."""

    day: dt.date
    pageviews: int


class TrendPointOut(Schema):
    """How often an event was sent on a day (or, for "6m", in the week starting that day)."""

    day: dt.date
    count: int


class EventTrendsOut(Schema):
    """One series per requested event name, zero-filled and oldest first."""

    period: str
    series: dict[str, list[TrendPointOut]]


class ContactRefOut(Schema):
    """Who a record is about; ``name`` is empty when only an e-mail or id is known."""

    id: int
    name: str
    email: str | None


class EventOut(Schema):
    """One product event (track, page or screen) as received, after clock-skew correction."""

    id: int
    message_id: str
    type: str
    name: str
    timestamp: dt.datetime
    properties: dict[str, Any]
    contact: ContactRefOut | None


class EventPageOut(Schema):
    """A page of events, newest first; ``next`` is the ``before`` cursor of the next page."""

    items: list[EventOut]
    next: str | None


class ContactUsageRowOut(ContactUsageOut):
    """A member contact of the account and their usage in that account."""

    contact: ContactRefOut


class ContactUsagePageOut(Schema):
    """A page of the account's contacts by sessions in the last 30 days; ``count`` is all."""

    items: list[ContactUsageRowOut]
    count: int


class EventNameOut(Schema):
    """How often an event name was sent over the window, and the last day it was."""

    name: str
    count: int
    last_day: dt.date


class ErrorOut(Schema):
    """What went wrong, in words."""

    detail: str
