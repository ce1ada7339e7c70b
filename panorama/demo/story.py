"""One account's story while its history is generated: who is involved, when, in what mood.

``Story`` is what every record generator (``conversations``, ``interactions``, ``commercial``,
``support_history``) shares for one account: its random stream, its people on both sides,
the window its history fits in, the tone of the customer at any moment, and the slot values
texts are filled with. Pure: no ORM, no clock.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from panorama.demo import phrases
from panorama.demo.history_records import DemoContract, DemoMember, DemoTeamMember
from panorama.demo.naming import horizon
from panorama.demo.personalities import AccountCast, Personality
from panorama.demo.phrases_mail import PROBLEMS
from panorama.demo.records import DemoAccount

YEAR = dt.timedelta(days=365)
DAY = dt.timedelta(days=1)
TONES = ("positive", "neutral", "negative")
PLAN_ORDER = ("Starter", "Growth", "Business", "Enterprise")
WORK_START, WORK_END = 8 * 3600, 18 * 3600  # seconds after midnight UTC
# How customers in each personality sound: chances of a positive, neutral, negative tone.
TONE_WEIGHTS: dict[Personality, tuple[float, float, float]] = {
    Personality.HEALTHY: (0.6, 0.35, 0.05),
    Personality.NEW: (0.6, 0.35, 0.05),
    Personality.TRIAL: (0.45, 0.45, 0.1),
    Personality.PROSPECT: (0.2, 0.5, 0.3),
    Personality.GHOST: (0.3, 0.55, 0.15),
}
# At-risk customers sour over the year: (days ago at least, weights), most recent last.
AT_RISK_TONES = ((180, (0.45, 0.4, 0.15)), (60, (0.2, 0.45, 0.35)), (0, (0.05, 0.3, 0.65)))
# A young account's history is busy: counts are for at least this share of a year.
MIN_YEARS = {Personality.TRIAL: 0.5, Personality.NEW: 0.4, Personality.PROSPECT: 0.3}
# Roles that speak for the customer, by weight (sponsors get a bonus in ``pick_contact``).
ROLE_WEIGHTS = {
    "champion": 6.0,
    "decision_maker": 3.0,
    "economic_buyer": 1.5,
    "influencer": 2.0,
    "end_user": 1.0,
    "blocker": 0.5,
    "": 0.5,
}


@dataclass(frozen=True, slots=True)
class Departure:
    """A contact who leaves the customer: nobody hears from them after ``at``."""

    email: str
    at: dt.datetime
    new_company: str


class Story:
    """The shared state of one account's generated history (see the module doc)."""

    def __init__(
        self,
        *,
        account: DemoAccount,
        cast: AccountCast,
        members: Sequence[DemoMember],
        owner: DemoTeamMember,
        colleagues: Sequence[DemoTeamMember],
        seed: int,
        today: dt.date,
        competitors: Sequence[str],
        list_mrr: Mapping[str, Decimal],
    ) -> None:
        self.account = account
        self.cast = cast
        self.personality = cast.personality
        self.members = list(members)
        self.owner = owner
        self.colleagues = list(colleagues)
        self.today = today
        self.end = horizon(today)  # nothing in the past after this instant
        self.year_start = _at(today - YEAR, 0)
        self.rng = random.Random(f"panorama-demo-history:{seed}:{account.external_id}")
        self.list_mrr = list_mrr
        self.competitor = self.rng.choice(list(competitors)) if competitors else "a competitor"
        self.integration = self.rng.choice(phrases.INTEGRATIONS)
        self.code = account.external_id.removeprefix("acc_")
        self.number = account.index + 1  # in invoice, quote and order numbers
        self.departure: Departure | None = None
        self.current_contract: DemoContract | None = None
        self.overdue: tuple[str, Decimal] | None = None  # an overdue invoice's number, amount
        self.quote_count = 0
        self.order_count = 0
        created = max(account.created_at, self.year_start)
        self.start = min(created, self.end - DAY)
        # Nothing inbound (answers, meetings held, connected calls) after this instant.
        quiet = cast.quiet_since
        self.inbound_until = self.end if quiet is None else min(self.end, _at(quiet, WORK_END))

    # --- time ------------------------------------------------------------------------------

    def moment(self, start: dt.datetime, end: dt.datetime) -> dt.datetime:
        """A working-hours instant (whole minutes, Monday-Friday) between ``start`` and ``end``;
        ``start`` itself when the window is empty."""
        if end <= start:
            return start
        for _ in range(4):
            at = start + (end - start) * self.rng.random()
            candidate = self.at_work(at.date())
            if start <= candidate < end:
                return candidate
        return start + (end - start) * self.rng.random()

    def at_work(self, day: dt.date) -> dt.datetime:
        """A working-hours instant on ``day`` (moved off weekends to the Friday before)."""
        while day.weekday() >= 5:
            day -= DAY
        seconds = self.rng.randint(WORK_START, WORK_END - 1800)
        return _at(day, seconds - seconds % 60)

    def times(
        self,
        count: int,
        start: dt.datetime,
        end: dt.datetime,
        weight: Callable[[dt.datetime], float] | None = None,
    ) -> list[dt.datetime]:
        """``count`` sorted working-hours instants in ``[start, end)``, denser where
        ``weight`` (0-1) is higher."""
        chosen: list[dt.datetime] = []
        if end <= start:
            return chosen
        attempts = 0
        while len(chosen) < count and attempts < count * 20:
            attempts += 1
            at = self.moment(start, end)
            if weight is None or self.rng.random() < weight(at):
                chosen.append(at)
        return sorted(chosen)

    def years(self, start: dt.datetime, end: dt.datetime) -> float:
        """The share of a year that volumes for ``[start, end)`` are counted over."""
        years = max(0.0, (end - start) / YEAR)
        return max(years, MIN_YEARS.get(self.personality, 0.0)) if years else 0.0

    def activity_weight(self, at: dt.datetime) -> float:
        """How busy the relationship is at ``at``: at-risk customers fade over the year."""
        if self.personality is Personality.AT_RISK:
            days_ago = (self.end - at).days
            return 0.3 + 0.7 * min(1.0, days_ago / 300)
        return 1.0

    def inbound_ok(self, at: dt.datetime) -> bool:
        """Whether the customer may answer, meet or pick up the phone at ``at``."""
        return at < self.inbound_until

    # --- people ----------------------------------------------------------------------------

    def present(self, at: dt.datetime) -> list[DemoMember]:
        """Contacts of the account at ``at``: joined, and not gone."""
        gone = self.departure
        return [
            m
            for m in self.members
            if m.joined_at <= at
            and not (gone is not None and m.email == gone.email and at >= gone.at)
        ]

    def pick_contact(
        self,
        at: dt.datetime,
        prefer: Mapping[str, float] | None = None,
        exclude: Sequence[str] = (),
    ) -> DemoMember | None:
        """A contact likely to be involved at ``at`` (champions and sponsors most often)."""
        people = [m for m in self.present(at) if m.email not in exclude]
        if not people:
            return None
        weights = []
        for m in people:
            w = (prefer or ROLE_WEIGHTS).get(m.buying_role, ROLE_WEIGHTS.get(m.buying_role, 0.5))
            w *= 2.5 if m.is_sponsor else 1.0
            w *= 1.0 if m.is_primary else 0.3
            weights.append(max(w, 0.05))
        return self.rng.choices(people, weights=weights)[0]

    def pick_contacts(self, at: dt.datetime, most: int) -> list[DemoMember]:
        """One to ``most`` distinct contacts present at ``at`` (the first the likeliest)."""
        first = self.pick_contact(at)
        if first is None:
            return []
        chosen = [first]
        for _ in range(self.rng.randint(1, max(1, most)) - 1):
            other = self.pick_contact(at, exclude=[m.email for m in chosen])
            if other is not None:
                chosen.append(other)
        return chosen

    def teammate(self) -> DemoTeamMember:
        """Someone from our side other than the owner, e.g. for a meeting."""
        return self.rng.choice(self.colleagues) if self.colleagues else self.owner

    # --- tone and words ----------------------------------------------------------------------

    def tone(self, at: dt.datetime) -> str:
        """The customer's mood at ``at``: positive, neutral or negative."""
        personality = self.personality
        if personality is Personality.AT_RISK:
            days_ago = (self.end - at).days
            weights = next(w for limit, w in AT_RISK_TONES if days_ago >= limit)
        elif personality is Personality.CHURNED:
            before_end = (self.inbound_until - at).days
            weights = (0.35, 0.45, 0.2) if before_end > 120 else (0.05, 0.35, 0.6)
        else:
            weights = TONE_WEIGHTS[personality]
        return self.rng.choices(TONES, weights=weights)[0]

    def slots(self, at: dt.datetime, recipient: str = "", **given: Any) -> Slots:
        """Values for the text slots (``phrases_mail.SLOTS``) of a text at ``at``, each drawn
        when a template first asks for it."""
        rng = self.rng
        plan = self.account.plan or "Growth"

        def features() -> tuple[str, str]:
            first, second = rng.sample(phrases.FEATURES, 2)
            return first, second

        def colleague() -> DemoMember | None:
            return self.pick_contact(at, exclude=[recipient]) if self.members else None

        def problem() -> str:
            return rng.choice(PROBLEMS).format(
                feature=values["feature"], integration=self.integration, team=values["team"]
            )

        pair = Slots.pair  # two slots drawn together
        makers: dict[str, Callable[[], Any]] = {
            "company": lambda: self.account.name,
            "vendor": lambda: phrases.VENDOR,
            "feature": lambda: pair(values, ("feature", "feature2"), features()),
            "feature2": lambda: pair(values, ("feature", "feature2"), features(), second=True),
            "integration": lambda: self.integration,
            "competitor": lambda: self.competitor,
            "plan": lambda: plan,
            "next_plan": lambda: _next_plan(plan),
            "seats": lambda: rng.choice((5, 10, 15, 20, 25, 40, 50)),
            "renewal_date": lambda: day_text(self.renewal_day(at)),
            "weekday": lambda: rng.choice(phrases.WEEKDAYS),
            "date": lambda: day_text(at.date() + dt.timedelta(days=rng.randint(3, 20))),
            "discount": lambda: rng.choice((5, 10, 10, 15, 20)),
            "team": lambda: rng.choice(phrases.TEAMS),
            "colleague": lambda: pair(
                values, ("colleague", "colleague_first"), _names(colleague())
            ),
            "colleague_first": lambda: pair(
                values, ("colleague", "colleague_first"), _names(colleague()), second=True
            ),
            "invoice": lambda: self.overdue[0] if self.overdue else f"INV-{self.number:05d}-001",
            "amount": lambda: money(self.overdue[1] if self.overdue else self.monthly()),
            "quarter": lambda: quarter_after(at.date()),
            "last_day": lambda: day_text(self.departure.at.date()) if self.departure else "Friday",
            "problem": problem,
            "Problem": lambda: values["problem"][:1].upper() + values["problem"][1:],
        }
        values = Slots(makers, given)
        return values

    def monthly(self) -> Decimal:
        contract = self.current_contract
        if contract is not None:
            return contract.mrr
        return self.list_mrr.get(self.account.plan or "Growth", Decimal("490.00"))

    def renewal_day(self, at: dt.datetime) -> dt.date:
        """The end of the contract running at ``at`` (or of the current one)."""
        contract = self.current_contract
        if contract is not None:
            return contract.end_date
        return at.date() + dt.timedelta(days=60)


class Slots(dict[str, Any]):
    """Text slot values, each made by its maker the first time a template asks for it (so
    a text draws only the random values it shows)."""

    def __init__(self, makers: Mapping[str, Callable[[], Any]], given: Mapping[str, Any]):
        super().__init__(given)
        self.makers = makers

    def __missing__(self, key: str) -> Any:
        value = self.makers[key]()
        self[key] = value
        return value

    @staticmethod
    def pair(
        values: dict[str, Any], keys: tuple[str, str], drawn: tuple[Any, Any], second: bool = False
    ) -> Any:
        """Store two slots drawn together; return the first or the ``second``."""
        values.setdefault(keys[0], drawn[0])
        values.setdefault(keys[1], drawn[1])
        return values[keys[1] if second else keys[0]]


def _names(person: DemoMember | None) -> tuple[str, str]:
    if person is None:
        return "my manager", "my manager"
    return person.name, person.first_name


def fill(template: str, values: Mapping[str, Any]) -> str:
    return template.format_map(values)


def day_text(day: dt.date) -> str:
    """A date as people write it in a message: "March 4"."""
    return f"{day:%B} {day.day}"


def money(amount: Decimal, currency: str = "USD") -> str:
    symbol = {"USD": "$", "EUR": "€", "GBP": "£"}.get(currency, "")
    return f"{symbol}{amount:,.2f}" if symbol else f"{amount:,.2f} {currency}"


def quarter_after(day: dt.date) -> str:
    """The next calendar quarter, e.g. "Q3" (what a roadmap promise names)."""
    quarter = (day.month - 1) // 3 + 1
    return f"Q{quarter % 4 + 1}"


def _next_plan(plan: str) -> str:
    if plan in PLAN_ORDER and plan != PLAN_ORDER[-1]:
        return PLAN_ORDER[PLAN_ORDER.index(plan) + 1]
    return "Premium support"


def _at(day: dt.date, seconds: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC) + dt.timedelta(seconds=seconds)
