"""The 30-minute session rule, as pure functions (no ORM).

A session is a contact's run of events in one account with gaps under 30 minutes; it counts
on the day it starts. Events arrive late and out of order, so the rollups are kept right by
recounting session starts only where a new event can change them: from 30 minutes before the
earliest new event to 30 minutes after the latest one.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable

SESSION_GAP = dt.timedelta(minutes=30)


def session_starts(times: Iterable[dt.datetime]) -> list[dt.datetime]:
    """The events of ``times`` that start a session (their predecessor is 30+ minutes back)."""
    starts = []
    previous: dt.datetime | None = None
    for moment in sorted(times):
        if previous is None or moment - previous >= SESSION_GAP:
            starts.append(moment)
        previous = moment
    return starts


def session_deltas(
    existing: Iterable[dt.datetime],
    new: Iterable[dt.datetime],
    day_of: Callable[[dt.datetime], dt.date],
) -> Counter[dt.date]:
    """How many sessions each day gains (or loses) when ``new`` events join ``existing``.

    ``existing`` must hold the contact's stored events in the account within 30 minutes of
    each new event (``merged_windows``); others cannot change status. A new event can start a
    session, and can also join two sessions into one (the later one loses its start).
    """
    new_times = list(new)
    if not new_times:
        return Counter()
    before = list(existing)
    if not before:
        # Nothing stored nearby (the usual case): the new events' own starts are the change.
        if len(new_times) == 1:
            return Counter({day_of(new_times[0]): 1})
        return Counter(day_of(t) for t in session_starts(new_times))
    low, high = min(new_times), max(new_times) + SESSION_GAP

    def counted(times: list[dt.datetime]) -> Counter[dt.date]:
        # Only starts in [low, high] can differ; earlier events are read for context.
        return Counter(day_of(t) for t in session_starts(times) if low <= t <= high)

    after = counted(before + new_times)
    after.subtract(counted(before))
    return Counter({day: n for day, n in after.items() if n})


def merged_windows(new: Iterable[dt.datetime]) -> list[tuple[dt.datetime, dt.datetime]]:
    """The stored events to read around ``new``: 30 minutes either side of each, merged.

    That is enough: a stored event's start can only change if a new event lands within 30
    minutes before it, and then its own predecessor, if under 30 minutes back, is in the same
    window too; every other stored event counts the same before and after, so it cancels out
    in ``session_deltas``.
    """
    merged: list[tuple[dt.datetime, dt.datetime]] = []
    for moment in sorted(new):
        low, high = moment - SESSION_GAP, moment + SESSION_GAP
        if merged and low <= merged[-1][1]:
            merged[-1] = (merged[-1][0], high)
        else:
            merged.append((low, high))
    return merged
