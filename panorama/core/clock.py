"""The one clock: every "now" and "today" in Panorama comes from here.

Tests and the demo generator fix time with ``frozen_at``; daily figures use ``today()``, which
is the calendar day in the organisation's time zone (the ``TIME_ZONE`` setting).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.utils import timezone

_frozen: ContextVar[dt.datetime | None] = ContextVar("panorama_frozen_now", default=None)


def now() -> dt.datetime:
    """The current time, aware, in UTC."""
    return _frozen.get() or timezone.now()


def today() -> dt.date:
    """Today's date in the organisation's time zone."""
    return timezone.localdate(now())


@contextmanager
def frozen_at(moment: dt.datetime) -> Iterator[dt.datetime]:
    """Make ``now()`` return ``moment`` (which must be aware) inside the block."""
    if timezone.is_naive(moment):
        raise ValueError("frozen_at needs an aware datetime")
    token = _frozen.set(moment)
    try:
        yield moment
    finally:
        _frozen.reset(token)
