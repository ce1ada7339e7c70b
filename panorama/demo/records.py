"""Plain records describing demo data, independent of the ORM.

The generator produces them and the loader turns them into model rows. Rows refer to each
other by natural keys (e-mail, name) or by an account's ``index`` in the generated list, never
by database id, so the same records load the same way into any database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any


@dataclass(frozen=True, slots=True)
class DemoUser:
    """A person signing in to Panorama: the demo admin or one of the CSMs."""

    email: str
    first_name: str
    last_name: str
    is_admin: bool
    date_joined: dt.datetime


@dataclass(frozen=True, slots=True)
class DemoPlan:
    """An offer of the price list."""

    name: str
    list_mrr: Decimal


@dataclass(frozen=True, slots=True)
class DemoTag:
    """A custom tag."""

    name: str
    colour: str


@dataclass(frozen=True, slots=True)
class DemoFieldDefinition:
    """A custom field definition; values in accounts and contacts follow it."""

    entity: str
    key: str
    label: str
    field_type: str
    options: tuple[str, ...] = ()
    is_synced: bool = False
    source: str = ""
    is_pinned: bool = False
    position: int = 0


@dataclass(frozen=True, slots=True)
class DemoFollower:
    """A CSM following an account, and since when."""

    email: str
    added_at: dt.datetime


@dataclass(frozen=True, slots=True)
class DemoAccount:
    """An account. ``index`` is its position in the generated list; ``parent_index`` that of
    its parent, always smaller, so loading in order never meets an unknown parent.

    ``contact_count`` is how many contacts have this account as their primary one.
    """

    index: int
    parent_index: int | None
    depth: int
    name: str
    domain: str
    external_id: str
    industry: str
    employee_count: int
    annual_revenue: Decimal
    city: str
    country: str
    linkedin_url: str
    description: str
    account_type: str
    owner_email: str
    stage: str
    status: str
    segment: str
    service_tier: str
    plan: str | None
    customer_since: dt.date | None
    csm_pulse: int | None
    qualification_state: str
    tags: tuple[str, ...]
    followers: tuple[DemoFollower, ...]
    custom_fields: Mapping[str, Any]
    created_at: dt.datetime
    updated_at: dt.datetime
    contact_count: int


@dataclass(frozen=True, slots=True)
class DemoMembership:
    """A contact's belonging to the account at ``account_index``."""

    account_index: int
    is_primary: bool
    role: str
    created_at: dt.datetime


@dataclass(frozen=True, slots=True)
class DemoContact:
    """A person at a customer; the first membership is the primary one."""

    email: str
    first_name: str
    last_name: str
    title: str
    phone: str
    external_id: str | None
    buying_role: str
    is_sponsor: bool
    custom_fields: Mapping[str, Any]
    created_at: dt.datetime
    updated_at: dt.datetime
    memberships: tuple[DemoMembership, ...]


@dataclass(frozen=True)
class DemoDataset:
    """Everything one ``(accounts, seed, today)`` produces.

    Contacts are streamed (``contacts()``) rather than held: at 100,000 accounts there are
    about a million of them. Each call replays the same sequence from the start.
    """

    seed: int
    today: dt.date
    users: tuple[DemoUser, ...]
    plans: tuple[DemoPlan, ...]
    tags: tuple[DemoTag, ...]
    field_definitions: tuple[DemoFieldDefinition, ...]
    accounts: tuple[DemoAccount, ...]
    stages: tuple[str, ...]
    _contacts: Callable[[], Iterator[DemoContact]] = field(repr=False, compare=False)

    def contacts(self) -> Iterator[DemoContact]:
        """Every contact, in a fixed order, with its memberships."""
        return self._contacts()

    @property
    def admin(self) -> DemoUser:
        """The demo administrator."""
        return next(u for u in self.users if u.is_admin)
