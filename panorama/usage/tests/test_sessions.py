"""The 30-minute session rule, including late and out-of-order arrival."""

import datetime as dt
import random
from collections import Counter

import pytest

from panorama.usage.sessions import merged_windows, session_deltas, session_starts

T0 = dt.datetime(2026, 3, 1, 23, 0, tzinfo=dt.UTC)


def at(minutes: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def day_of(moment: dt.datetime) -> dt.date:
    return moment.date()


def test_a_gap_of_thirty_minutes_starts_a_new_session():
    assert session_starts([at(0), at(29.9), at(59.9), at(120)]) == [at(0), at(59.9), at(120)]


def test_a_session_counts_on_the_day_it_starts_even_past_midnight():
    # 23:00, 23:40 (new), 00:05 next day (same session as 23:40), 00:50 (new)
    deltas = session_deltas([], [at(0), at(40), at(65), at(110)], day_of)
    assert deltas == Counter({dt.date(2026, 3, 1): 2, dt.date(2026, 3, 2): 1})


def test_a_late_event_can_join_two_sessions_into_one():
    stored = [at(0), at(40)]  # two sessions
    deltas = session_deltas(stored, [at(20)], day_of)  # 0 → 20 → 40: now one
    assert deltas == Counter({dt.date(2026, 3, 1): -1})


def test_windows_are_thirty_minutes_either_side_merged_when_they_overlap():
    assert merged_windows([at(100), at(0), at(50)]) == [(at(-30), at(130))]
    assert merged_windows([at(0), at(61)]) == [(at(-30), at(30)), (at(31), at(91))]


def test_a_late_event_inside_a_session_changes_nothing():
    assert session_deltas([at(0), at(20)], [at(10)], day_of) == Counter()


@pytest.mark.parametrize("seed", range(25))
def test_any_arrival_order_gives_the_sessions_of_one_in_order_pass(seed):
    rng = random.Random(seed)
    times = sorted(
        at(rng.choice([0, 5, 25, 31, 45, 90]) * i / 3 + rng.random() * 40) for i in range(40)
    )
    expected = Counter(day_of(t) for t in session_starts(times))

    stored: list[dt.datetime] = []
    counted: Counter[dt.date] = Counter()
    arrivals = times[:]
    rng.shuffle(arrivals)
    while arrivals:
        size = rng.randint(1, 6)
        batch, arrivals = arrivals[:size], arrivals[size:]
        windows = merged_windows(batch)
        # Exactly what storage reads back: stored events within 30 minutes of a new one.
        nearby = [t for t in stored if any(low <= t <= high for low, high in windows)]
        counted.update(session_deltas(nearby, batch, day_of))
        stored += batch
    assert sorted(stored) == times
    assert +counted == expected
