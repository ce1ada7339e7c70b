"""The 30-minute session rule, including late and out-of-order arrival."""

import datetime as dt
import random
from collections import Counter, defaultdict

import pytest

from panorama.usage.sessions import add_to_clusters, micros, session_starts, sessions_in_day

T0 = dt.datetime(2026, 3, 1, 23, 0, tzinfo=dt.UTC)
MINUTE = 60_000_000  # µs


def at(minutes: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def us(minutes: float) -> int:
    return micros(at(minutes))


def test_a_gap_of_thirty_minutes_starts_a_new_session():
    assert session_starts([at(0), at(29.9), at(59.9), at(120)]) == [at(0), at(59.9), at(120)]


def test_micros_is_exact_where_a_float_timestamp_is_not():
    moment = dt.datetime(2026, 3, 1, 10, 0, 0, 123457, tzinfo=dt.UTC)
    assert micros(moment) % 1_000_000 == 123457
    assert micros(moment + dt.timedelta(microseconds=1)) - micros(moment) == 1
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    rng = random.Random(7)
    for _ in range(2000):
        offset = dt.timezone(dt.timedelta(minutes=rng.randrange(-720, 720, 15)))
        when = (epoch + dt.timedelta(microseconds=rng.randrange(2**52))).astimezone(offset)
        assert micros(when) == (when - epoch) // dt.timedelta(microseconds=1)


def test_events_under_thirty_minutes_apart_make_one_cluster():
    assert add_to_clusters([], [us(0), us(29.9), us(59.8), us(120)]) == [
        (us(0), us(59.8)),
        (us(120), us(120)),
    ]


def test_an_event_exactly_thirty_minutes_after_starts_a_cluster_of_its_own():
    assert add_to_clusters([(us(0), us(0))], [us(30)]) == [(us(0), us(0)), (us(30), us(30))]


def test_a_late_event_inside_a_cluster_changes_nothing():
    assert add_to_clusters([(us(0), us(20))], [us(10)]) == [(us(0), us(20))]


def test_a_late_event_can_join_two_clusters_into_one():
    assert add_to_clusters([(us(0), us(0)), (us(40), us(50))], [us(20)]) == [(us(0), us(50))]


def test_a_late_event_extends_a_cluster_at_either_end():
    assert add_to_clusters([(us(40), us(50))], [us(15), us(79)]) == [(us(15), us(79))]


def test_a_day_continuing_the_session_of_the_day_before_counts_one_less():
    eve = [(us(0), us(40))]  # 23:00-23:40
    assert sessions_in_day([(us(65), us(65)), (us(110), us(110))], eve) == 1  # 00:05 continues
    assert sessions_in_day([(us(71), us(71))], eve) == 1  # 00:11: 31 minutes on, a new one
    assert sessions_in_day([(us(65), us(65))], []) == 1
    assert sessions_in_day([], eve) == 0


def _sessions_by_day(times: list[dt.datetime]) -> Counter[dt.date]:
    return Counter(t.date() for t in session_starts(times))


@pytest.mark.parametrize("seed", range(25))
def test_clusters_built_in_any_arrival_order_count_the_sessions_of_the_whole_history(seed):
    rng = random.Random(seed)
    times = sorted(
        at(rng.choice([0, 5, 25, 31, 45, 90]) * i / 3 + rng.random() * 40) for i in range(60)
    )
    arrivals = times[:]
    rng.shuffle(arrivals)
    clusters: dict[dt.date, list[tuple[int, int]]] = defaultdict(list)
    while arrivals:
        size = rng.randint(1, 6)
        batch, arrivals = arrivals[:size], arrivals[size:]
        by_day: dict[dt.date, list[int]] = defaultdict(list)
        for moment in batch:
            by_day[moment.date()].append(micros(moment))
        for day, moments in by_day.items():
            clusters[day] = add_to_clusters(clusters[day], moments)
    counted = Counter(
        {
            day: sessions_in_day(own, clusters.get(day - dt.timedelta(days=1), []))
            for day, own in clusters.items()
        }
    )
    assert +counted == _sessions_by_day(times)
    assert all(len(own) <= 48 for own in clusters.values())
