"""The 30-minute session rule, as pure functions (no ORM).

A session is a contact's run of events in one account with gaps under 30 minutes; it counts
on the day it starts. Events arrive late and out of order, so rollups can't count starts as
events go by. Instead each contact-day rollup keeps the day's *clusters*: the runs of that
day's events with gaps under 30 minutes, as ``[first, last]`` pairs of epoch microseconds.
Clusters are all a session count needs, and they are exact whatever the arrival order:

- an event inside a cluster changes nothing (gaps only shrink); one within 30 minutes of a
  cluster extends it; one that bridges two clusters merges them;
- a day's sessions are its clusters, less one if its first cluster continues a session from
  the day before (that day's last event under 30 minutes earlier): a day lasts longer than
  30 minutes, so no other day can matter.

A day holds at most 48 clusters (they are 30 minutes apart), so the state is small however
busy the contact is, and a new event needs only its own day's row, plus a neighbour day's
when it falls within 30 minutes of midnight: no stored events are read back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

SESSION_GAP = dt.timedelta(minutes=30)
GAP_US = SESSION_GAP // dt.timedelta(microseconds=1)

Cluster = tuple[int, int]  # first and last event, epoch microseconds


def micros(moment: dt.datetime) -> int:
    """An aware datetime as epoch microseconds, exactly (a float ``timestamp()`` of whole
    seconds is exact; its microseconds are added as an integer)."""
    return int(moment.replace(microsecond=0).timestamp()) * 1_000_000 + moment.microsecond


def session_starts(times: Iterable[dt.datetime]) -> list[dt.datetime]:
    """The events of ``times`` that start a session (their predecessor is 30+ minutes back).

    The definition itself, over a whole history; storage counts through clusters instead.
    """
    starts = []
    previous: dt.datetime | None = None
    for moment in sorted(times):
        if previous is None or moment - previous >= SESSION_GAP:
            starts.append(moment)
        previous = moment
    return starts


def add_to_clusters(clusters: Sequence[Cluster], times: Iterable[int]) -> list[Cluster]:
    """The day's clusters once events at ``times`` (epoch µs, that day) join them."""
    spans = sorted([*clusters, *((t, t) for t in times)])
    merged: list[Cluster] = []
    for first, last in spans:
        if merged and first - merged[-1][1] < GAP_US:
            if last > merged[-1][1]:
                merged[-1] = (merged[-1][0], last)
        else:
            merged.append((first, last))
    return merged


def sessions_in_day(clusters: Sequence[Cluster], day_before: Sequence[Cluster]) -> int:
    """Sessions starting on a day with these clusters, after a day with ``day_before``'s."""
    if not clusters:
        return 0
    continues = bool(day_before) and clusters[0][0] - day_before[-1][1] < GAP_US
    return len(clusters) - continues
