"""How generated accounts look: size, lifecycle, plan, owner, tags and hierarchy.

Attributes are drawn so they agree with each other the way real CRM data does: the segment
follows the head count and the revenue the size; the plan and service tier follow the
segment; the status follows the stage, and ``created_at`` comes before ``customer_since``.
Sub-accounts always come after their parent in the list, so the hierarchy has no cycles.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import random
import string
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from panorama.demo.companies import CompanyNamer
from panorama.demo.naming import NamePools, horizon, moment, scrambled_hex
from panorama.demo.records import DemoAccount, DemoFollower
from panorama.demo.vocabulary import COUNTRIES, INDUSTRIES, LINES_OF_BUSINESS, REGIONS, Country

STAGE_NAMES = ("Trial", "Onboarding", "Run", "Churn")
STAGE_WEIGHTS = (12, 15, 63, 10)
SEGMENTS = ("smb", "mid_market", "enterprise")
SEGMENT_WEIGHTS = (55, 30, 15)
# Head count bounds per segment; the segment is always recomputed from the head count.
EMPLOYEES = {"smb": (3, 199), "mid_market": (200, 1999), "enterprise": (2000, 120_000)}
TIERS = {
    "enterprise": (("high_touch", 85), ("mid_touch", 15)),
    "mid_market": (("mid_touch", 75), ("high_touch", 10), ("tech_touch", 15)),
    "smb": (("tech_touch", 85), ("mid_touch", 15)),
}
PLANS_BY_SEGMENT = {
    "smb": (("Starter", 60), ("Growth", 35), ("Business", 5)),
    "mid_market": (("Growth", 45), ("Business", 45), ("Enterprise", 10)),
    "enterprise": (("Business", 35), ("Enterprise", 65)),
}
# Bigger customers are likelier to be split into regions or lines of business.
PARENT_WEIGHT = {"smb": 1, "mid_market": 4, "enterprise": 12}
PULSE_WEIGHTS = (4, 12, 36, 36, 12)  # for 1..5: most CSMs feel "fine" or "good"
CSM_WEIGHTS = (34, 22, 15, 12, 10, 7)  # the first CSM carries the biggest book

SUB_ACCOUNT_SHARE = 0.08
THIRD_LEVEL_SHARE = 0.2  # of sub-accounts, those under another sub-account
FOLLOWED_SHARE = 0.3
TAGGED_SHARE = {"paying": 0.24, "churned": 0.06, "trial": 0.05, "not_converted": 0.02}

# Contacts per account: log-normal (most accounts have a few, some many), bigger with size.
CONTACTS_MU = {"smb": 1.65, "mid_market": 2.15, "enterprise": 2.55}
CONTACTS_SIGMA = 0.7
MAX_CONTACTS = 30

HISTORY_DAYS = 5 * 365
# stage -> how many days ago (at most, at least) its customers signed
SIGNED_DAYS_AGO = {"Onboarding": (90, 0), "Run": (HISTORY_DAYS, 91), "Churn": (HISTORY_DAYS, 180)}
WORKDAY_SECONDS = (8 * 3600, 18 * 3600)


@dataclass(frozen=True, slots=True)
class _Lifecycle:
    stage: str
    status: str
    customer_since: dt.date | None
    created_at: dt.datetime


def segment_for(employees: int) -> str:
    """The segment a company of ``employees`` people belongs to."""
    if employees >= EMPLOYEES["enterprise"][0]:
        return "enterprise"
    if employees >= EMPLOYEES["mid_market"][0]:
        return "mid_market"
    return "smb"


class AccountFactory:
    """Builds the account list for one seed; keeps what must be unique across accounts."""

    def __init__(
        self,
        rng: random.Random,
        pools: NamePools,
        today: dt.date,
        csm_emails: list[str],
    ) -> None:
        self.rng = rng
        self.today = today
        self.end = horizon(today)
        # The last whole day before the horizon: a day's events all happen before it.
        self.last_day = self.end.date() - dt.timedelta(days=1)
        self.csm_emails = csm_emails
        self.id_salt = rng.getrandbits(48)
        self.names = CompanyNamer(rng, pools)
        self.country_cum = list(itertools.accumulate(c.weight for c in COUNTRIES))
        self.industry_names = list(INDUSTRIES)
        self.industry_cum = list(itertools.accumulate(i.weight for i in INDUSTRIES.values()))
        self.countries_by_name = {c.name: c for c in COUNTRIES}

    def build(self, count: int) -> tuple[DemoAccount, ...]:
        """``count`` accounts: companies first, then their sub-accounts, then sub-sub-accounts."""
        subs = round(count * SUB_ACCOUNT_SHARE) if count > 1 else 0
        third = round(subs * THIRD_LEVEL_SHARE)
        accounts = [self._company(i) for i in range(count - subs)]
        parents = [a for a in accounts if _may_have_divisions(a)]
        parent_cum = list(itertools.accumulate(PARENT_WEIGHT[a.segment] for a in parents))
        labels: dict[int, list[str]] = {}
        for _ in range(subs - third):
            if parents:
                parent = self.rng.choices(parents, cum_weights=parent_cum)[0]
                accounts.append(self._sub_account(len(accounts), parent, labels))
            else:
                accounts.append(self._company(len(accounts)))
        second_level = [a for a in accounts if a.depth == 1 and _may_have_divisions(a)]
        for _ in range(third):
            if second_level:
                parent = self.rng.choice(second_level)
                accounts.append(self._sub_account(len(accounts), parent, labels))
            else:
                accounts.append(self._company(len(accounts)))
        return tuple(accounts)

    # --- companies ----------------------------------------------------------------------

    def _company(self, index: int) -> DemoAccount:
        rng = self.rng
        country = rng.choices(COUNTRIES, cum_weights=self.country_cum)[0]
        industry = rng.choices(self.industry_names, cum_weights=self.industry_cum)[0]
        trade = INDUSTRIES[industry]
        segment = rng.choices(SEGMENTS, weights=SEGMENT_WEIGHTS)[0]
        low, high = EMPLOYEES[segment]
        # Log scale, pulled towards the bottom of the band: small firms outnumber big ones.
        employees = round(math.exp(math.log(low) + math.log(high / low) * rng.random() ** 1.6))
        name, label, page = self.names.name(country, trade.name_words)
        city = rng.choice(country.cities)
        return self._account(
            index=index,
            parent=None,
            name=name,
            domain=self.names.domain(label, country, trade.name_words),
            industry=industry,
            employees=employees,
            city=city,
            country=country,
            linkedin_url=self.names.linkedin_url(page),
            description=(
                f"{rng.choice(trade.offerings)} for {rng.choice(trade.audiences)}. "
                f"Headquartered in {city}, {country.name}."
            ),
            account_type="company",
            owner_email=rng.choices(self.csm_emails, weights=CSM_WEIGHTS)[0],
            earliest=self.today - dt.timedelta(days=HISTORY_DAYS + 150),
        )

    # --- sub-accounts -------------------------------------------------------------------

    def _sub_account(
        self, index: int, parent: DemoAccount, labels: dict[int, list[str]]
    ) -> DemoAccount:
        """A region or line of business of ``parent``, never the same kind twice in a row."""
        rng = self.rng
        used = labels.setdefault(parent.index, [])
        if parent.depth == 0:
            kind = "region" if rng.random() < 0.55 else "line_of_business"
        else:
            kind = "line_of_business" if parent.account_type == "region" else "region"
        pool = list(REGIONS) if kind == "region" else list(LINES_OF_BUSINESS)
        free = [label for label in pool if label not in used] or [
            f"{label} {len(used) + 1}" for label in pool
        ]
        label = rng.choice(free)
        used.append(label)
        country = self.countries_by_name[REGIONS[label]] if label in REGIONS else None
        country = country or self.countries_by_name[parent.country]
        city = rng.choice(country.cities) if country.name != parent.country else parent.city
        unit = "region" if kind == "region" else "business unit"
        domain = self.names.subdomain(label, parent.domain)
        share = rng.uniform(0.05, 0.4)
        return self._account(
            index=index,
            parent=parent,
            name=f"{parent.name} – {label}",
            domain=domain,
            industry=parent.industry,
            employees=max(5, round(parent.employee_count * share)),
            city=city,
            country=country,
            linkedin_url="",  # divisions rarely have a company page of their own
            description=f"The {label} {unit} of {parent.name}.",
            account_type=kind,
            # Most divisions stay with the CSM who owns the group.
            owner_email=(
                parent.owner_email
                if rng.random() < 0.7
                else rng.choices(self.csm_emails, weights=CSM_WEIGHTS)[0]
            ),
            earliest=parent.created_at.date() + dt.timedelta(days=1),
        )

    # --- what every account gets ----------------------------------------------------------

    def _account(
        self,
        *,
        index: int,
        parent: DemoAccount | None,
        name: str,
        domain: str,
        industry: str,
        employees: int,
        city: str,
        country: Country,
        linkedin_url: str,
        description: str,
        account_type: str,
        owner_email: str,
        earliest: dt.date,
    ) -> DemoAccount:
        rng = self.rng
        segment = segment_for(employees)
        per_head = math.exp(rng.uniform(math.log(60_000), math.log(350_000)))
        revenue = max(10_000, int(round(employees * per_head, -4)))
        life = self._lifecycle(rng.choices(STAGE_NAMES, weights=STAGE_WEIGHTS)[0], earliest)
        customer = life.status in {"paying", "churned"}
        plan = _weighted(rng, PLANS_BY_SEGMENT[segment]) if customer else None
        pulse = self._pulse(life.status)
        sponsor_gap = life.status == "paying" and pulse is not None and pulse <= 2
        return DemoAccount(
            index=index,
            parent_index=None if parent is None else parent.index,
            depth=0 if parent is None else parent.depth + 1,
            name=name,
            domain=domain,
            external_id=f"acc_{scrambled_hex(index, self.id_salt)}",
            industry=industry,
            employee_count=employees,
            annual_revenue=Decimal(revenue),
            city=city,
            country=country.name,
            linkedin_url=linkedin_url,
            description=description,
            account_type=account_type,
            owner_email=owner_email,
            stage=life.stage,
            status=life.status,
            segment=segment,
            service_tier=_weighted(rng, TIERS[segment]),
            plan=plan,
            customer_since=life.customer_since,
            csm_pulse=pulse,
            qualification_state=self._qualification(life.status),
            tags=self._tags(life.status, segment, plan, pulse, sponsor_gap, life.stage),
            followers=self._followers(owner_email, life.created_at),
            custom_fields=self._custom_fields(life.status, plan, employees),
            created_at=life.created_at,
            updated_at=moment(rng, life.created_at, self.end, bias=0.5),
            contact_count=self._contact_count(segment, life.status),
        )

    def _day_between(self, first: dt.date, last: dt.date) -> dt.date:
        return first + dt.timedelta(days=self.rng.randint(0, max(0, (last - first).days)))

    def _lifecycle(self, stage: str, earliest: dt.date) -> _Lifecycle:
        """Status, start of the contract and creation date consistent with ``stage``."""
        rng, today = self.rng, self.today
        earliest = min(earliest, self.last_day)
        since: dt.date | None = None
        if stage == "Trial":
            cutoff = today - dt.timedelta(days=31)
            if rng.random() < 0.25 and earliest <= cutoff:
                status = "not_converted"
                created = self._day_between(max(earliest, today - dt.timedelta(days=730)), cutoff)
            else:
                status = "trial"
                created = self._day_between(
                    max(earliest, today - dt.timedelta(days=30)), self.last_day
                )
        else:
            status = "churned" if stage == "Churn" else "paying"
            oldest, newest = SIGNED_DAYS_AGO[stage]
            first = max(earliest + dt.timedelta(days=14), today - dt.timedelta(days=oldest))
            last = min(self.last_day, today - dt.timedelta(days=newest))
            if first > last:  # a parent too young for this stage: the division just signed
                if stage != "Onboarding":
                    return self._lifecycle("Onboarding", earliest)
                first = last
            since = self._day_between(first, last)
            created = max(earliest, since - dt.timedelta(days=rng.randint(7, 120)))
        at = dt.datetime.combine(created, dt.time(), tzinfo=dt.UTC)
        at += dt.timedelta(seconds=rng.randint(*WORKDAY_SECONDS))
        return _Lifecycle(stage, status, since, at)

    def _pulse(self, status: str) -> int | None:
        rng = self.rng
        if status == "paying" and rng.random() < 0.9:
            return rng.choices(range(1, 6), weights=PULSE_WEIGHTS)[0]
        if status == "churned" and rng.random() < 0.5:
            return rng.choice((1, 1, 2))
        return None

    def _qualification(self, status: str) -> str:
        if status == "trial":
            return _weighted(self.rng, (("qualified", 50), ("not_qualified", 20), ("", 30)))
        if status == "not_converted":
            return _weighted(self.rng, (("not_qualified", 60), ("qualified", 25), ("", 15)))
        return ""

    def _tags(
        self,
        status: str,
        segment: str,
        plan: str | None,
        pulse: int | None,
        sponsor_gap: bool,
        stage: str,
    ) -> tuple[str, ...]:
        rng = self.rng
        if rng.random() >= TAGGED_SHARE[status]:
            return ()
        paying = status == "paying"
        weights = {
            "Strategic": {"enterprise": 3.0, "mid_market": 1.0, "smb": 0.2}[segment]
            if paying
            else 0,
            "Beta program": 1.0 if paying else 0.4,
            "Reference customer": 2.0 if paying and stage == "Run" and (pulse or 0) >= 4 else 0,
            "Needs exec sponsor": 3.0 if sponsor_gap else 0.2 * paying,
            "Upsell candidate": 1.5 if paying and plan != "Enterprise" and (pulse or 0) >= 3 else 0,
        }
        names = [n for n, w in weights.items() if w > 0]
        chosen: list[str] = []
        for _ in range(1 if rng.random() < 0.75 else 2):
            left = [n for n in names if n not in chosen]
            if left:
                chosen.append(rng.choices(left, weights=[weights[n] for n in left])[0])
        return tuple(sorted(chosen))

    def _followers(self, owner_email: str, created_at: dt.datetime) -> tuple[DemoFollower, ...]:
        rng = self.rng
        if rng.random() >= FOLLOWED_SHARE:
            return ()
        others = [e for e in self.csm_emails if e != owner_email]
        picked = rng.sample(others, 1 if rng.random() < 0.7 else 2)
        return tuple(DemoFollower(e, moment(rng, created_at, self.end)) for e in picked)

    def _custom_fields(self, status: str, plan: str | None, employees: int) -> dict[str, Any]:
        rng = self.rng
        values: dict[str, Any] = {}
        if plan is not None and rng.random() < 0.9:
            values["seats_purchased"] = max(3, min(5000, round(employees * rng.uniform(0.03, 0.3))))
        if rng.random() < (0.85 if status != "trial" else 0.3):
            tail = "".join(rng.choices(string.ascii_letters + string.digits, k=8))
            values["salesforce_id"] = f"0015g00000{tail}"
        return values

    def _contact_count(self, segment: str, status: str) -> int:
        count = round(self.rng.lognormvariate(CONTACTS_MU[segment], CONTACTS_SIGMA))
        if status == "not_converted":
            count = min(count, 4)  # prospects who walked away leave few traces
        elif status == "trial":
            count = round(count * 0.6)
        return max(1, min(MAX_CONTACTS, count))


def _may_have_divisions(account: DemoAccount) -> bool:
    # A prospect still on trial is not split into regions or business units yet; customers
    # are, and were created at least a week before the horizon, so divisions come after.
    return account.status not in {"trial", "not_converted"}


def _weighted(rng: random.Random, options: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([o for o, _ in options], weights=[w for _, w in options])[0]
