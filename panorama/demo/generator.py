"""Deterministic demo data: the same ``(accounts, seed, today)`` always gives the same records.

Pure: no ORM, no clock, no global random state. Everything random comes from
``random.Random`` instances seeded from ``seed`` and from Faker seeded with ``seed`` (Faker is
pinned in ``pyproject.toml`` because its word lists change between releases). Iteration is
over lists and dicts only, never over sets, whose order depends on ``PYTHONHASHSEED``.

Time is anchored on ``today`` (see ``naming.horizon``), never on the clock.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from panorama.customers.custom_fields import FieldType
from panorama.demo import accounts as account_rules
from panorama.demo.contacts import generate_contacts
from panorama.demo.naming import NamePools, horizon
from panorama.demo.records import DemoDataset, DemoFieldDefinition, DemoPlan, DemoTag
from panorama.demo.users import generate_users
from panorama.demo.vocabulary import COUNTRIES, LANGUAGES

PLANS = (
    DemoPlan("Starter", Decimal("99.00")),
    DemoPlan("Growth", Decimal("490.00")),
    DemoPlan("Business", Decimal("1490.00")),
    DemoPlan("Enterprise", Decimal("4900.00")),
)
TAGS = (
    DemoTag("Strategic", "#7c3aed"),
    DemoTag("Beta program", "#0891b2"),
    DemoTag("Reference customer", "#16a34a"),
    DemoTag("Needs exec sponsor", "#dc2626"),
    DemoTag("Upsell candidate", "#ea580c"),
)
FIELD_DEFINITIONS = (
    DemoFieldDefinition(
        "account",
        "seats_purchased",
        "Seats purchased",
        FieldType.NUMBER,
        is_pinned=True,
        position=1,
    ),
    DemoFieldDefinition(
        "account",
        "salesforce_id",
        "Salesforce ID",
        FieldType.TEXT,
        is_synced=True,
        source="Salesforce",
        position=2,
    ),
    DemoFieldDefinition(
        "contact",
        "preferred_language",
        "Preferred language",
        FieldType.CHOICE,
        options=LANGUAGES,
        position=1,
    ),
)


def generate(accounts: int, seed: int, today: dt.date) -> DemoDataset:
    """Describe a demo organisation with ``accounts`` accounts and their people.

    Raises ``ValueError`` when ``accounts`` is below 1.
    """
    if accounts < 1:
        raise ValueError("The demo needs at least one account.")
    rng = random.Random(seed)
    pools = NamePools(seed, dict.fromkeys(c.locale for c in COUNTRIES))
    end = horizon(today)
    users = generate_users(rng, pools, end)
    csm_emails = [u.email for u in users if not u.is_admin]
    generated = account_rules.AccountFactory(rng, pools, today, csm_emails).build(accounts)
    return DemoDataset(
        seed=seed,
        today=today,
        users=users,
        plans=PLANS,
        tags=TAGS,
        field_definitions=FIELD_DEFINITIONS,
        accounts=generated,
        stages=account_rules.STAGE_NAMES,
        _contacts=lambda: generate_contacts(generated, pools, seed, today),
    )
