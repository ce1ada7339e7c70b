"""Who each demo account is as a customer: healthy, at risk, a ghost, churned, new or a trial.

A *personality* decides the volume and the tone of everything else the demo generates for an
account: its e-mails, calls and meetings (``history``), and its product usage (``usage``
reads ``quiet_since`` and the personality, so an account that stopped answering also stopped
using the product). It follows the account's lifecycle (stage and status) and, for running
customers, the CSM's pulse: a CSM who rates a customer 1 or 2 usually has a reason.

Besides the personality, each account gets the *situations* that make the health figures
interesting: a renewal whose notice date falls in the next 30 days (tacit or not), an overdue
invoice, a stalled deal, a champion who leaves or is promoted. They are drawn with chances
that follow the personality, and the first suitable accounts of every demo are cast in the
ones a CSM must see at least once (``SHOWCASES``), so even a small demo shows every case.

Pure: no ORM, no clock. Each account draws from its own ``Random`` seeded with the seed and
its external id, so an account's cast does not depend on the other accounts, except for the
showcases, which go to the first accounts that fit.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from panorama.demo.records import DemoAccount


class Personality(StrEnum):
    HEALTHY = "healthy"  # engaged, positive, renews, expands
    AT_RISK = "at_risk"  # fewer contacts lately, negative tone, tickets piling up
    GHOST = "ghost"  # no answer and no product use for 30+ days
    CHURNED = "churned"  # lifecycle stage Churn: the story ends months ago
    NEW = "new"  # onboarding: signed in the last 90 days
    TRIAL = "trial"  # evaluating the product, a deal in progress
    PROSPECT = "prospect"  # a trial that did not convert: a lost deal


class Renewal(StrEnum):
    """When the current contract's notice date falls in the next 30 days: tacit or not."""

    TACIT = "tacit"  # auto-renews unless notice is given by the notice date
    EXPLICIT = "explicit"  # ends unless renewed: the notice date is the end date


# Running customers: chances of at-risk and ghost by CSM pulse (None: no pulse given).
AT_RISK_BY_PULSE = {1: 0.7, 2: 0.5, 3: 0.15, 4: 0.05, 5: 0.03, None: 0.2}
GHOST_BY_PULSE = {1: 0.15, 2: 0.15, 3: 0.14, 4: 0.08, 5: 0.05, None: 0.2}
SUB_ACCOUNT_GHOST_BONUS = 0.1  # divisions get less attention than their group
GHOST_QUIET_DAYS = (35, 150)  # a ghost's last touch and product use, days before today
CHURN_QUIET_DAYS = (60, 200)  # a churned customer's last day of use (as usage.CHURN_STOP_DAYS)
AT_RISK_QUIET_DAYS = (14, 28)  # at-risk customers often haven't been heard from in a while
AT_RISK_QUIET_SHARE = 0.6
# Chances of each situation by personality.
OVERDUE = {"healthy": 0.05, "at_risk": 0.45, "ghost": 0.3, "new": 0.05}
STALLED = {"healthy": 0.1, "at_risk": 0.45, "ghost": 0.2, "new": 0.05, "trial": 0.35}
CHAMPION_LEAVES = {"healthy": 0.03, "at_risk": 0.18, "ghost": 0.1}
PROMOTED = {"healthy": 0.06, "at_risk": 0.03, "ghost": 0.03, "new": 0.03}
# Volume of interactions by service tier (high-touch customers get more of everything).
SHOWCASE_MIN_DAYS = 340  # a showcase customer signed at least this long ago
TIER_INTENSITY = {"high_touch": 1.5, "mid_touch": 1.0, "tech_touch": 0.55}


@dataclass(frozen=True, slots=True)
class AccountCast:
    """An account's personality and situations (see the module doc)."""

    index: int
    personality: Personality
    # The last day with a touch (an answer, a meeting held, a connected call) or product use:
    # for ghosts and churned customers nothing inbound happens after it; for at-risk ones
    # nothing inbound happens after it either, until today. None: people are in touch.
    quiet_since: dt.date | None
    intensity: float
    renewal: Renewal | None = None
    overdue_invoice: bool = False
    stalled_deal: bool = False
    champion_leaves: bool = False
    promoted: bool = False
    showcase: str = ""  # the SHOWCASES entry this account was cast for, if any


# What the first suitable accounts of every demo are cast as: name, the personality an
# account must have (or be given) and the situations it gets.
SHOWCASES: tuple[tuple[str, Personality, dict[str, object]], ...] = (
    ("tacit renewal in 30 days", Personality.HEALTHY, {"renewal": Renewal.TACIT}),
    (
        "renewal in 30 days without auto-renew, overdue invoice, stalled deal",
        Personality.AT_RISK,
        {"renewal": Renewal.EXPLICIT, "overdue_invoice": True, "stalled_deal": True},
    ),
    ("ghost", Personality.GHOST, {}),
    ("champion leaves", Personality.AT_RISK, {"champion_leaves": True}),
    ("healthy with an expansion", Personality.HEALTHY, {"promoted": True}),
)


def cast_accounts(accounts: Sequence[DemoAccount], seed: int, today: dt.date) -> list[AccountCast]:
    """Every account's cast, in the order of ``accounts`` (see the module doc)."""
    casts = [cast_account(a, seed, today) for a in accounts]
    taken: set[int] = set()
    for name, personality, situations in SHOWCASES:
        for account in accounts:
            if account.index in taken or not _may_showcase(account, personality, today):
                continue
            rng = _rng(seed, account, "showcase")
            quiet = _quiet_since(rng, personality, today)
            base = replace(casts[account.index], personality=personality, quiet_since=quiet)
            if personality is not Personality.HEALTHY:
                base = replace(base, promoted=False)
            casts[account.index] = replace(base, showcase=name, **situations)  # type: ignore[arg-type]
            taken.add(account.index)
            break
    return casts


def cast_account(account: DemoAccount, seed: int, today: dt.date) -> AccountCast:
    """One account's cast, without the showcases."""
    rng = _rng(seed, account, "cast")
    personality = _personality(rng, account)
    quiet = _quiet_since(rng, personality, today)
    if personality is Personality.CHURNED and quiet is not None and account.customer_since:
        # As usage does: a customer used the product for at least a month before leaving.
        quiet = max(quiet, account.customer_since + dt.timedelta(days=30))
    if personality is Personality.AT_RISK and rng.random() >= AT_RISK_QUIET_SHARE:
        quiet = None  # at risk, but still talking (angrily)
    key = personality.value
    intensity = TIER_INTENSITY.get(account.service_tier, 1.0) * rng.uniform(0.75, 1.3)
    if account.depth:
        intensity *= 0.6
    return AccountCast(
        index=account.index,
        personality=personality,
        quiet_since=quiet,
        intensity=round(intensity, 3),
        renewal=None,  # most renewals fall where the contract dates put them (history)
        overdue_invoice=rng.random() < OVERDUE.get(key, 0.0),
        stalled_deal=rng.random() < STALLED.get(key, 0.0),
        champion_leaves=rng.random() < CHAMPION_LEAVES.get(key, 0.0),
        promoted=rng.random() < PROMOTED.get(key, 0.0),
    )


def _rng(seed: int, account: DemoAccount, purpose: str) -> random.Random:
    return random.Random(f"panorama-demo-{purpose}:{seed}:{account.external_id}")


def _personality(rng: random.Random, account: DemoAccount) -> Personality:
    if account.status == "churned":
        return Personality.CHURNED
    if account.status == "trial":
        return Personality.TRIAL
    if account.status == "not_converted":
        return Personality.PROSPECT
    if account.stage == "Onboarding":
        return Personality.NEW
    draw = rng.random()
    at_risk = AT_RISK_BY_PULSE.get(account.csm_pulse, 0.2)
    ghost = GHOST_BY_PULSE.get(account.csm_pulse, 0.2)
    if account.depth:
        ghost += SUB_ACCOUNT_GHOST_BONUS
    if draw < at_risk:
        return Personality.AT_RISK
    if draw < at_risk + ghost:
        return Personality.GHOST
    return Personality.HEALTHY


def _quiet_since(rng: random.Random, personality: Personality, today: dt.date) -> dt.date | None:
    days = {
        Personality.GHOST: GHOST_QUIET_DAYS,
        Personality.CHURNED: CHURN_QUIET_DAYS,
        Personality.AT_RISK: AT_RISK_QUIET_DAYS,
    }.get(personality)
    if days is None:
        return None
    return today - dt.timedelta(days=rng.randint(*days))


def _may_showcase(account: DemoAccount, personality: Personality, today: dt.date) -> bool:
    """Only a running customer of about a year or more (so a renewal can be coming) and of
    the right mood: nobody believes a CSM pulse of 5 on a customer at risk."""
    if account.status != "paying" or account.stage != "Run" or account.customer_since is None:
        return False
    if account.depth or account.customer_since > today - dt.timedelta(days=SHOWCASE_MIN_DAYS):
        return False
    pulse = account.csm_pulse
    if personality is Personality.HEALTHY:
        return pulse is None or pulse >= 3
    return pulse is None or pulse <= 3
