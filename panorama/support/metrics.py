"""Support figures as pure functions of plain values (no ORM).

NPS: promoters answer 9-10, passives 7-8, detractors 0-6; the NPS of a set of answers is
% promoters - % detractors, from -100 to 100 (rounded to a whole number).
"""

from __future__ import annotations

from collections.abc import Iterable


def nps_score(*, promoters: int, detractors: int, total: int) -> int | None:
    """% promoters - % detractors over ``total`` answers; None without answers."""
    if not total:
        return None
    return round(100 * (promoters - detractors) / total)


def weighted_average(parts: Iterable[tuple[float | None, int]]) -> float | None:
    """The average of several groups, each given as (its average, its size)."""
    total = count = 0.0
    for average, size in parts:
        if average is not None and size:
            total += average * size
            count += size
    return total / count if count else None
