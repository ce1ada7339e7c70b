"""The demo's people who sign in: one admin with a well-known login, and the CSMs.

``panorama run`` prints ``DEMO_ADMIN_EMAIL`` and ``DEMO_PASSWORD`` after loading the demo;
both are public on purpose (README, command output), which is why they are demo-only.
"""

from __future__ import annotations

import datetime as dt
import random

from panorama.demo.naming import NamePools, email_local_part, moment
from panorama.demo.records import DemoUser

DEMO_ADMIN_EMAIL = "admin@panorama.demo"
DEMO_PASSWORD = "panorama-demo"
STAFF_DOMAIN = "panorama.demo"
CSM_COUNT = 6


def generate_users(rng: random.Random, pools: NamePools, end: dt.datetime) -> tuple[DemoUser, ...]:
    """The demo admin, then ``CSM_COUNT`` CSMs with distinct ``first.last@panorama.demo``."""
    joined_from = end - dt.timedelta(days=6 * 365)
    first, last = pools.person(rng, "en_US")
    users = [
        DemoUser(
            DEMO_ADMIN_EMAIL,
            first,
            last,
            is_admin=True,
            date_joined=moment(rng, joined_from, end, bias=3.0),
        )
    ]
    taken = [DEMO_ADMIN_EMAIL]
    while len(users) < CSM_COUNT + 1:
        first, last = pools.person(rng, "en_US")
        email = f"{email_local_part(first, last)}@{STAFF_DOMAIN}"
        if email in taken:
            continue
        taken.append(email)
        users.append(
            DemoUser(
                email,
                first,
                last,
                is_admin=False,
                date_joined=moment(rng, joined_from, end, bias=2.0),
            )
        )
    return tuple(users)
