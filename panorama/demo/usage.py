"""A year of product usage for the demo accounts, written through the real ingestion code.

Two halves:

* **Generation** (pure: no ORM, no clock, no global random state). ``plan_usage`` decides who
  uses the product and how much: each account gets a trend (mostly flat; some growing, some
  declining), an active period following its lifecycle (churned accounts stop 60-200 days
  before ``today``, trials only use it in their last 30 days, onboarding customers ramp up),
  and the features it adopted; each contact in it (a *seat*) gets an activity level (many end
  users light, champions heavy, some never active). The account's cast (``personalities``,
  shared with the customer records) bends this: at-risk customers decline, healthy ones
  don't, ghosts stop using the product the day they stop answering (``quiet_since``), and
  churned customers stop the day their records say the relationship ended.
  ``UsagePlan.messages`` then replays the 365 days ending yesterday, day by day, as Segment
  messages (``validation.Message``):
  sessions of 2-12 events minutes apart in working hours, weekends at ~15% of weekdays, an
  ``identify`` before a contact's first event and a ``group`` before an account's first one.
  Each account draws from its own ``Random`` seeded with the seed and its external id, so
  an account's events do not depend on which other accounts get usage; message ids
  (``demo-{seed}-{groupId}-{n}``) are therefore stable too, and loading twice stores nothing
  new. Nothing depends on database ids.

* **Loading** (``load_usage``): reads the demo's accounts, contacts and memberships back by
  external id, generates the messages and hands them to ``ingest.write_batches`` in chunks,
  exactly as the tracking API would, so identity resolution, raw events and rollups are the
  product's own.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction

from panorama.core.actors import Actor, acting_as
from panorama.customers.models import Account, Contact, Membership
from panorama.demo.loader import _large_sqlite_cache
from panorama.demo.personalities import AccountCast, cast_accounts
from panorama.demo.records import DemoAccount, DemoDataset
from panorama.demo.reference import DemoLoadError
from panorama.usage.ingest import write_batches
from panorama.usage.models import Event
from panorama.usage.validation import Message

# --- how much activity ---------------------------------------------------------------------

DAYS = 365
DEFAULT_USAGE_ACCOUNTS = 500  # accounts that get usage unless told otherwise
WEEKEND_FACTOR = 0.15  # a weekend day has this share of a weekday's activity
# Per level: chance to be active on a weekday (at trend 1), and weights of 1, 2, 3 sessions.
LEVELS: dict[str, tuple[float, tuple[int, int, int]]] = {
    "never": (0.0, (1, 0, 0)),
    "light": (0.035, (85, 13, 2)),
    "regular": (0.14, (60, 32, 8)),
    "heavy": (0.32, (35, 45, 20)),
}
# Levels by buying role of a contact's primary account (secondary accounts: mostly never).
LEVEL_WEIGHTS: dict[str, tuple[int, int, int, int]] = {  # never, light, regular, heavy
    "champion": (0, 5, 25, 70),
    "end_user": (18, 50, 26, 6),
    "influencer": (20, 45, 28, 7),
    "": (30, 50, 17, 3),
    "other": (45, 48, 6, 1),  # executives, buyers, blockers with a product login
    "secondary": (60, 35, 5, 0),
}
LEVEL_NAMES = ("never", "light", "regular", "heavy")
MAX_EVENTS_PER_ACCOUNT = 3500  # a year; bigger accounts are scaled down to it (expected)
TREND_SHARE = {"growing": 0.12, "declining": 0.12}  # of paying accounts active all year
TRIAL_BOOST = 1.6  # people evaluating the product use it more
RAMP_DAYS = 45  # onboarding: from 30% to full use
CHURN_STOP_DAYS = (60, 200)  # churned accounts stop this many days before today
MIN_EVENTS, MAX_EVENTS = 2, 12  # per session
EVENT_GAP_SECONDS = (15, 300)  # between events of a session (far under 30 minutes)
SESSION_GAP_MINUTES = 40  # at least this between one session's end and the next's start

# --- what the product looks like -----------------------------------------------------------

PAGES: tuple[tuple[str, str, int], ...] = (  # name, path, weight
    ("Dashboard", "/dashboard", 40),
    ("Reports", "/reports", 22),
    ("Search", "/search", 9),
    ("Alerts", "/alerts", 5),
    ("Integrations", "/settings/integrations", 4),
    ("Team", "/settings/team", 4),
    ("Settings", "/settings", 6),
    ("Billing", "/settings/billing", 2),
)
# name, weight, share of accounts that use it at all
FEATURES: tuple[tuple[str, int, float], ...] = (
    ("Dashboard Viewed", 30, 1.0),
    ("Search Performed", 18, 0.95),
    ("Report Created", 12, 0.9),
    ("Comment Added", 9, 0.7),
    ("Export Downloaded", 7, 0.75),
    ("Alert Configured", 3, 0.5),
    ("Invite Sent", 2, 0.8),
    ("Integration Connected", 1, 0.45),
)
PAGE_SHARE = 0.35  # of a session's events after the first, which is always a page view
DASHBOARDS = ("Overview", "Pipeline", "Revenue", "Support", "Product usage", "Team goals")
REPORT_FORMATS = ("table", "chart", "pivot")
EXPORT_FORMATS = ("csv", "xlsx", "pdf")
INVITE_ROLES = ("viewer", "viewer", "editor", "editor", "admin")
PROVIDERS = ("Salesforce", "HubSpot", "Slack", "Zendesk", "Jira", "Snowflake", "Intercom")
METRICS = ("revenue", "churn risk", "active users", "tickets", "NPS", "pipeline")
CONTEXT = {"library": {"name": "analytics.js", "version": "4.4.1"}}
APP_URL = "https://app.panorama-demo.example"


# --- inputs and plan -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UsageAccount:
    """What the generator needs of an account (``external_id`` becomes the ``groupId``)."""

    external_id: str
    name: str
    status: str  # paying, churned, trial or not_converted
    plan: str | None
    created_at: dt.datetime
    customer_since: dt.date | None
    # From the account's cast (``personalities``): at-risk customers' use declines, healthy
    # ones' doesn't, ghosts stop on ``quiet_since``, churned customers on theirs.
    personality: str = ""
    quiet_since: dt.date | None = None


@dataclass(frozen=True, slots=True)
class UsageSeat:
    """A contact with a product login in one of its accounts (one membership)."""

    user_id: str
    group_id: str
    email: str | None
    first_name: str
    last_name: str
    buying_role: str
    is_primary: bool
    since: dt.datetime  # the later of the contact's and the membership's creation


@dataclass(frozen=True, slots=True)
class AccountProfile:
    """How an account uses the product over the year."""

    account: UsageAccount
    trend: str  # flat, growing, declining, churning, ramping or trial
    first_day: dt.date
    last_day: dt.date  # inclusive; before first_day when the account has no activity
    engagement: float
    features: tuple[tuple[str, int], ...]  # adopted features and their weights


@dataclass(frozen=True, slots=True)
class SeatProfile:
    """How one person uses the product in one account."""

    seat: UsageSeat
    level: str
    first_day: dt.date


@dataclass(frozen=True)
class UsagePlan:
    """Who uses the product, when and how much; ``messages()`` plays it out."""

    seed: int
    today: dt.date
    accounts: tuple[AccountProfile, ...]
    seats: dict[str, tuple[SeatProfile, ...]]  # by account external id
    scale: dict[str, float]  # by account external id: brings big accounts under the cap

    @property
    def first_day(self) -> dt.date:
        """The first day with possible activity."""
        return self.today - dt.timedelta(days=DAYS)

    @property
    def last_day(self) -> dt.date:
        """The last day with possible activity (yesterday: today is still going on)."""
        return self.today - dt.timedelta(days=1)

    def messages(self, zone: dt.tzinfo = dt.UTC) -> Iterator[Message]:
        """Every message of the year, oldest first; days are calendar days in ``zone``."""
        return _Player(self, zone).play()


def inputs_from_dataset(
    dataset: DemoDataset, limit: int | None = None
) -> tuple[list[UsageAccount], list[UsageSeat]]:
    """The generator's inputs for the first ``limit`` accounts of ``dataset`` (all if None).

    Streams every contact of the dataset; the loader reads the same rows from the database
    instead, which is faster for large demos.
    """
    chosen = dataset.accounts if limit is None else dataset.accounts[:limit]
    casts = cast_accounts(dataset.accounts, dataset.seed, dataset.today)
    accounts = [usage_account(a, casts[a.index]) for a in chosen]
    seats: list[UsageSeat] = []
    for contact in dataset.contacts():
        if not contact.external_id:
            continue
        for m in contact.memberships:
            if m.account_index < len(chosen):
                seats.append(
                    UsageSeat(
                        user_id=contact.external_id,
                        group_id=chosen[m.account_index].external_id,
                        email=contact.email,
                        first_name=contact.first_name,
                        last_name=contact.last_name,
                        buying_role=contact.buying_role,
                        is_primary=m.is_primary,
                        since=max(contact.created_at, m.created_at),
                    )
                )
    return accounts, seats


def usage_account(account: DemoAccount, cast: AccountCast | None = None) -> UsageAccount:
    """The generator's view of a generated account (and of its cast, if given)."""
    return UsageAccount(
        external_id=account.external_id,
        name=account.name,
        status=account.status,
        plan=account.plan,
        created_at=account.created_at,
        customer_since=account.customer_since,
        personality=cast.personality.value if cast is not None else "",
        quiet_since=cast.quiet_since if cast is not None else None,
    )


def plan_usage(
    accounts: Sequence[UsageAccount], seats: Iterable[UsageSeat], seed: int, today: dt.date
) -> UsagePlan:
    """Decide trends, active periods, features and activity levels (see the module doc)."""
    by_account: dict[str, list[UsageSeat]] = {}
    for seat in seats:
        by_account.setdefault(seat.group_id, []).append(seat)
    first, last = today - dt.timedelta(days=DAYS), today - dt.timedelta(days=1)
    profiles: list[AccountProfile] = []
    seat_profiles: dict[str, tuple[SeatProfile, ...]] = {}
    scale: dict[str, float] = {}
    for account in sorted(accounts, key=lambda a: a.external_id):
        rng = random.Random(f"panorama-demo-usage-plan:{seed}:{account.external_id}")
        profile = _account_profile(rng, account, first, last, today)
        people = sorted(by_account.get(account.external_id, []), key=lambda s: s.user_id)
        chosen = tuple(
            SeatProfile(s, _level(rng, s), max(profile.first_day, s.since.date())) for s in people
        )
        profiles.append(profile)
        seat_profiles[account.external_id] = chosen
        expected = _expected_events(profile, chosen, first)
        scale[account.external_id] = min(1.0, MAX_EVENTS_PER_ACCOUNT / expected) if expected else 1
    return UsagePlan(seed, today, tuple(profiles), seat_profiles, scale)


def _account_profile(
    rng: random.Random, account: UsageAccount, first: dt.date, last: dt.date, today: dt.date
) -> AccountProfile:
    created = account.created_at.date()
    start, end, trend = max(first, created), last, "flat"
    if account.status == "churned":
        stop = today - dt.timedelta(days=rng.randint(*CHURN_STOP_DAYS))
        if account.customer_since is not None:
            stop = max(stop, account.customer_since + dt.timedelta(days=30))
        if account.quiet_since is not None:
            stop = account.quiet_since  # the day the records say the relationship ended
        end, trend = min(end, stop, today - dt.timedelta(days=CHURN_STOP_DAYS[0])), "churning"
    elif account.status == "trial":
        start, trend = max(start, today - dt.timedelta(days=30)), "trial"
    elif account.status == "not_converted":
        # A trial that ended without a purchase: a few weeks of use after sign-up.
        end, trend = min(end, created + dt.timedelta(days=rng.randint(5, 30))), "trial"
    elif start > first + dt.timedelta(days=30):
        trend = "ramping"  # a new customer: use grows during onboarding
    else:
        draw = rng.random()
        if draw < TREND_SHARE["growing"]:
            trend = "growing"
        elif draw < TREND_SHARE["growing"] + TREND_SHARE["declining"]:
            trend = "declining"
    if account.personality == "at_risk" and trend in {"flat", "growing"}:
        trend = "declining"
    elif account.personality == "healthy" and trend == "declining":
        trend = "flat"
    elif account.personality == "ghost" and account.quiet_since is not None:
        end = min(end, account.quiet_since)  # nobody has logged in since
    features = tuple((name, weight) for name, weight, share in FEATURES if rng.random() < share)
    return AccountProfile(
        account=account,
        trend=trend,
        first_day=start,
        last_day=end,
        engagement=rng.lognormvariate(0, 0.3),
        features=features or (FEATURES[0][:2],),
    )


def _level(rng: random.Random, seat: UsageSeat) -> str:
    if not seat.is_primary:
        key = "secondary"
    elif seat.buying_role in LEVEL_WEIGHTS:
        key = seat.buying_role
    else:
        key = "other"
    return rng.choices(LEVEL_NAMES, weights=LEVEL_WEIGHTS[key])[0]


def _trend_factor(profile: AccountProfile, day: dt.date, year_start: dt.date) -> float:
    """How much of its usual activity the account has on ``day``."""
    trend = profile.trend
    if trend == "growing":
        return 0.35 + 0.95 * (day - year_start).days / DAYS
    if trend == "declining":
        return 1.3 - 0.95 * (day - year_start).days / DAYS
    if trend == "churning":  # fading towards the end of the contract
        span = max(1, (profile.last_day - profile.first_day).days)
        return 1.1 - 0.7 * (day - profile.first_day).days / span
    if trend == "ramping":
        return min(1.0, 0.3 + 0.7 * (day - profile.first_day).days / RAMP_DAYS)
    if trend == "trial":
        return TRIAL_BOOST
    return 1.0


def _seasonal(day: dt.date) -> float:
    """Fewer people at work over the year-end holidays and in August."""
    if (day.month == 12 and day.day >= 23) or (day.month == 1 and day.day <= 2):
        return 0.35
    if day.month == 8:
        return 0.8
    return 1.0


def _weekday_factor(day: dt.date) -> float:
    return WEEKEND_FACTOR if day.weekday() >= 5 else 1.0


def _mean_sessions(level: str) -> float:
    weights = LEVELS[level][1]
    return sum((i + 1) * w for i, w in enumerate(weights)) / sum(weights)


def _expected_events(
    profile: AccountProfile, seats: Sequence[SeatProfile], year_start: dt.date
) -> float:
    """Expected events of the account over its active period (no noise, no cap)."""
    per_session = (MIN_EVENTS + MAX_EVENTS) / 2
    total = 0.0
    for seat in seats:
        chance, _ = LEVELS[seat.level]
        if not chance:
            continue
        day = max(seat.first_day, profile.first_day)
        days = 0.0
        while day <= profile.last_day:
            days += min(
                0.95,
                chance
                * profile.engagement
                * _trend_factor(profile, day, year_start)
                * _seasonal(day)
                * _weekday_factor(day),
            )
            day += dt.timedelta(days=1)
        total += days * _mean_sessions(seat.level) * per_session
    return total


# --- playing the plan out ------------------------------------------------------------------


@dataclass
class _AccountState:
    """One account's random stream and message counter while the year is played."""

    profile: AccountProfile
    seats: tuple[SeatProfile, ...]
    scale: float
    rng: random.Random
    sent: int = 0
    grouped: bool = False
    feature_names: list[str] = field(default_factory=list)
    feature_cum: list[int] = field(default_factory=list)


class _Player:
    """Replays a ``UsagePlan`` day by day (all accounts' day, sorted, then the next day)."""

    def __init__(self, plan: UsagePlan, zone: dt.tzinfo) -> None:
        self.plan = plan
        self.zone = zone
        self.identified: set[str] = set()
        self.page_cum = _cumulative(w for _, _, w in PAGES)
        self.states = []
        for profile in plan.accounts:
            group_id = profile.account.external_id
            state = _AccountState(
                profile=profile,
                seats=plan.seats[group_id],
                scale=plan.scale[group_id],
                rng=random.Random(f"panorama-demo-usage:{plan.seed}:{group_id}"),
                feature_names=[n for n, _ in profile.features],
                feature_cum=_cumulative(w for _, w in profile.features),
            )
            self.states.append(state)

    def play(self) -> Iterator[Message]:
        day = self.plan.first_day
        while day <= self.plan.last_day:
            messages: list[Message] = []
            for state in self.states:
                profile = state.profile
                if profile.first_day <= day <= profile.last_day and state.seats:
                    messages.extend(self._account_day(state, day))
            messages.sort(key=lambda m: (m.timestamp, m.message_id))
            yield from messages
            day += dt.timedelta(days=1)

    def _account_day(self, state: _AccountState, day: dt.date) -> Iterator[Message]:
        rng, profile = state.rng, state.profile
        # One draw per account and day, shared by its people: busy days and quiet days.
        mood = rng.lognormvariate(0, 0.25)
        base = (
            profile.engagement
            * state.scale
            * mood
            * _trend_factor(profile, day, self.plan.first_day)
            * _seasonal(day)
            * _weekday_factor(day)
        )
        for seat in state.seats:
            chance, session_weights = LEVELS[seat.level]
            if day < seat.first_day or not chance:
                continue
            if rng.random() >= min(0.95, chance * base):
                continue
            count = rng.choices((1, 2, 3), weights=session_weights)[0]
            yield from self._sessions(state, seat.seat, day, count)

    def _sessions(
        self, state: _AccountState, seat: UsageSeat, day: dt.date, count: int
    ) -> Iterator[Message]:
        rng = state.rng
        # Session starts in local working hours (a few early birds and late workers).
        starts = sorted(_clamp(rng.gauss(mu, 1.6), 7.0, 20.0) for mu in _session_peaks(rng, count))
        not_before = dt.datetime.combine(day, dt.time(), tzinfo=self.zone)
        for hour in starts:
            moment = dt.datetime.combine(day, dt.time(), tzinfo=self.zone) + dt.timedelta(
                seconds=int(hour * 3600) + rng.randrange(60)
            )
            moment = max(moment, not_before)
            if moment.date() != day:
                break  # pushed past midnight by earlier sessions: that's enough for today
            utc = moment.astimezone(dt.UTC)
            if seat.user_id not in self.identified:
                self.identified.add(seat.user_id)
                yield self._identify(seat, utc - dt.timedelta(seconds=2))
            if not state.grouped:
                state.grouped = True
                yield self._group(state, seat, utc - dt.timedelta(seconds=1))
            events = rng.randint(MIN_EVENTS, MAX_EVENTS)
            for n in range(events):
                if n:
                    utc += dt.timedelta(seconds=rng.randint(*EVENT_GAP_SECONDS))
                yield self._activity(state, seat, utc, first=n == 0)
            not_before = utc.astimezone(self.zone) + dt.timedelta(minutes=SESSION_GAP_MINUTES)

    def _next_id(self, state: _AccountState) -> str:
        state.sent += 1
        return f"demo-{self.plan.seed}-{state.profile.account.external_id}-{state.sent}"

    def _identify(self, seat: UsageSeat, at: dt.datetime) -> Message:
        traits: dict[str, Any] = {"firstName": seat.first_name, "lastName": seat.last_name}
        if seat.email:
            traits = {"email": seat.email, **traits}
        return Message(
            type="identify",
            message_id=f"demo-{self.plan.seed}-identify-{seat.user_id}",
            timestamp=at,
            user_id=seat.user_id,
            traits=traits,
            context=CONTEXT,
        )

    def _group(self, state: _AccountState, seat: UsageSeat, at: dt.datetime) -> Message:
        account = state.profile.account
        traits: dict[str, Any] = {"name": account.name}
        if account.plan:
            traits["plan"] = account.plan
        return Message(
            type="group",
            message_id=f"demo-{self.plan.seed}-group-{account.external_id}",
            timestamp=at,
            user_id=seat.user_id,
            group_id=account.external_id,
            traits=traits,
            context=CONTEXT,
        )

    def _activity(
        self, state: _AccountState, seat: UsageSeat, at: dt.datetime, *, first: bool
    ) -> Message:
        rng = state.rng
        if first or rng.random() < PAGE_SHARE:
            index = 0 if first and rng.random() < 0.7 else _pick(rng, self.page_cum)
            name, path, _ = PAGES[index]
            return Message(
                type="page",
                message_id=self._next_id(state),
                timestamp=at,
                user_id=seat.user_id,
                group_id=seat.group_id,
                name=name,
                properties={"path": path, "title": name, "url": APP_URL + path},
                context=CONTEXT,
            )
        name = state.feature_names[_pick(rng, state.feature_cum)]
        return Message(
            type="track",
            message_id=self._next_id(state),
            timestamp=at,
            user_id=seat.user_id,
            group_id=seat.group_id,
            name=name,
            properties=_properties(rng, name),
            context=CONTEXT,
        )


def _properties(rng: random.Random, event: str) -> dict[str, Any]:
    """Plausible properties of a track event."""
    if event == "Dashboard Viewed":
        return {"dashboard": rng.choice(DASHBOARDS)}
    if event == "Report Created":
        return {"format": rng.choice(REPORT_FORMATS), "rows": int(rng.lognormvariate(4, 1.2))}
    if event == "Search Performed":
        return {"results": int(rng.expovariate(1 / 25))}
    if event == "Export Downloaded":
        return {"format": rng.choice(EXPORT_FORMATS)}
    if event == "Comment Added":
        return {"length": 10 + int(rng.expovariate(1 / 120))}
    if event == "Alert Configured":
        return {"metric": rng.choice(METRICS)}
    if event == "Invite Sent":
        return {"role": rng.choice(INVITE_ROLES)}
    return {"provider": rng.choice(PROVIDERS)}


def _session_peaks(rng: random.Random, count: int) -> list[float]:
    """Centre hours of ``count`` sessions: mornings and afternoons, round a lunch break."""
    return [rng.choice((10.0, 11.0, 14.0, 15.5)) for _ in range(count)]


def _clamp(value: float, low: float, high: float) -> float:
    return min(high, max(low, value))


def _cumulative(weights: Iterable[int]) -> list[int]:
    total, out = 0, []
    for w in weights:
        total += w
        out.append(total)
    return out


def _pick(rng: random.Random, cumulative: list[int]) -> int:
    """An index drawn with the weights whose running totals are ``cumulative``."""
    target = rng.random() * cumulative[-1]
    for index, bound in enumerate(cumulative):
        if target < bound:
            return index
    return len(cumulative) - 1


def generate_usage(
    accounts: Sequence[UsageAccount],
    seats: Iterable[UsageSeat],
    seed: int,
    today: dt.date,
    zone: dt.tzinfo = dt.UTC,
) -> Iterator[Message]:
    """Every message of the 365 days ending yesterday, oldest first (``plan_usage``, played)."""
    return plan_usage(accounts, seats, seed, today).messages(zone)


# --- loading ---------------------------------------------------------------------------------

CHUNK = 5000  # messages per write_batches call (one transaction's worth of ingestion)
PROGRESS_EVERY = 50_000  # events between progress lines
RECEIVE_DELAY_SECONDS = (1, 8)  # how long after its timestamp a message arrives


@dataclass
class UsageSummary:
    """What ``load_usage`` wrote."""

    accounts: int = 0
    messages: int = 0
    events: int = 0  # track and page messages
    seconds: float = 0.0


def load_usage(
    dataset: DemoDataset,
    limit: int | None = DEFAULT_USAGE_ACCOUNTS,
    progress: Callable[[str], None] | None = None,
) -> UsageSummary:
    """Generate usage for the first ``limit`` accounts of a loaded ``dataset`` and ingest it.

    The accounts and contacts must be in the database (``loader.load``). Messages go through
    ``ingest.write_batches`` in chunks of ``CHUNK``, all in one transaction, as the ``demo``
    actor. Loading again stores nothing new (message ids are deterministic). Raises
    ``DemoLoadError`` (and keeps nothing) when ingestion rejects a chunk.
    """
    started = time.perf_counter()
    report = progress or (lambda _message: None)
    chosen = dataset.accounts if limit is None else dataset.accounts[:limit]
    summary = UsageSummary(accounts=len(chosen))
    seats = _seats_from_database([a.external_id for a in chosen])
    casts = cast_accounts(dataset.accounts, dataset.seed, dataset.today)
    accounts = [usage_account(a, casts[a.index]) for a in chosen]
    plan = plan_usage(accounts, seats, dataset.seed, dataset.today)
    delays = random.Random(f"panorama-demo-usage-delays:{dataset.seed}")
    next_report = PROGRESS_EVERY
    with acting_as(Actor(source="demo")), transaction.atomic(), _large_sqlite_cache():
        stamps = _UpdatedAt(chosen)
        for chunk in _batched(plan.messages(ZoneInfo(settings.TIME_ZONE)), CHUNK):
            _write(chunk, delays)
            summary.messages += len(chunk)
            summary.events += sum(m.is_activity for m in chunk)
            if summary.events >= next_report:
                next_report += PROGRESS_EVERY
                report(
                    f"usage: {summary.events:,} events up to {chunk[-1].timestamp:%Y-%m-%d} "
                    f"({time.perf_counter() - started:.1f} s)"
                )
        stamps.restore()
    summary.seconds = time.perf_counter() - started
    return summary


def _seats_from_database(group_ids: Sequence[str]) -> list[UsageSeat]:
    """Product logins (contacts with an external id) in these accounts, by external ids."""
    seats: list[UsageSeat] = []
    for start in range(0, len(group_ids), 500):
        rows = Membership.objects.filter(
            account__external_id__in=group_ids[start : start + 500],
            contact__external_id__isnull=False,
        ).values_list(
            "account__external_id",
            "contact__external_id",
            "contact__email",
            "contact__first_name",
            "contact__last_name",
            "contact__buying_role",
            "is_primary",
            "contact__created_at",
            "created_at",
        )
        for group_id, user_id, email, first, last, role, primary, created, joined in rows:
            seats.append(
                UsageSeat(
                    user_id=str(user_id),  # both filtered to be set
                    group_id=str(group_id),
                    email=email,
                    first_name=first,
                    last_name=last,
                    buying_role=role,
                    is_primary=primary,
                    since=max(created, joined),
                )
            )
    seats.sort(key=lambda s: (s.group_id, s.user_id))
    return seats


def _write(chunk: Sequence[Message], rng: random.Random) -> None:
    """Ingest ``chunk`` as one request, then give each event its own receive time.

    ``write_batches`` takes one receive time per request, and identity resolution costs
    about the same per request whatever its size; one request per user and session would
    take ten times as long. So, like ``panorama import-events``, the chunk is written as one
    request and each event's ``received_at`` is then set to its timestamp plus a few seconds,
    in the same transaction (rollups don't depend on it).
    """
    received = {
        m.message_id: m.timestamp + dt.timedelta(seconds=rng.randint(*RECEIVE_DELAY_SECONDS))
        for m in chunk
    }
    errors = [e for e in write_batches([(chunk, max(received.values()))]) if e is not None]
    if errors:
        raise DemoLoadError(f"Ingesting demo usage failed: {errors[0]}") from errors[0]
    adapt = connection.ops.adapt_datetimefield_value
    table = connection.ops.quote_name(Event._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET received_at = %s WHERE message_id = %s",
            [(adapt(at), message_id) for message_id, at in received.items()],
        )


class _UpdatedAt:
    """Keeps the generated ``updated_at`` of accounts and contacts across ingestion.

    ``identify`` and ``group`` messages carry the values the records already have, but saving
    a record stamps ``updated_at`` with the current time; the demo's records should keep
    their generated history instead.
    """

    def __init__(self, accounts: Sequence[DemoAccount]) -> None:
        ids = [a.external_id for a in accounts]
        self.accounts: dict[int, dt.datetime] = {}
        self.contacts: dict[int, dt.datetime] = {}
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            self.accounts.update(
                Account.objects.filter(external_id__in=part).values_list("pk", "updated_at")
            )
            self.contacts.update(
                Membership.objects.filter(
                    account__external_id__in=part, contact__external_id__isnull=False
                ).values_list("contact_id", "contact__updated_at")
            )

    def restore(self) -> None:
        """Put back every ``updated_at`` that ingestion changed."""
        adapt = connection.ops.adapt_datetimefield_value
        for model, stamps in ((Account, self.accounts), (Contact, self.contacts)):
            keys = sorted(stamps)
            now: dict[int, dt.datetime] = {}
            for start in range(0, len(keys), 500):
                now.update(
                    model._default_manager.filter(pk__in=keys[start : start + 500]).values_list(
                        "pk", "updated_at"
                    )
                )
            changed = [(adapt(stamps[pk]), pk) for pk, at in now.items() if at != stamps[pk]]
            if changed:
                table = connection.ops.quote_name(model._meta.db_table)
                with connection.cursor() as cursor:
                    cursor.executemany(f"UPDATE {table} SET updated_at = %s WHERE id = %s", changed)


def _batched(items: Iterable[Message], size: int) -> Iterator[list[Message]]:
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk
