"""The pure generator: deterministic, consistent with itself and with the models' rules."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import subprocess
import sys
from collections import Counter
from functools import cache

import pytest

from panorama.customers.custom_fields import clean_custom_values
from panorama.customers.models import (
    SYSTEM_TAG_NAMES,
    AccountStatus,
    AccountType,
    BuyingRole,
    CustomFieldDefinition,
    QualificationState,
    Segment,
    ServiceTier,
)
from panorama.demo.generator import generate
from panorama.demo.naming import horizon, scrambled_hex
from panorama.demo.records import DemoContact, DemoDataset

TODAY = dt.date(2025, 6, 1)


@cache
def dataset(accounts: int, seed: int = 42, today: dt.date = TODAY) -> DemoDataset:
    return generate(accounts, seed, today)


@cache
def contacts(accounts: int, seed: int = 42) -> tuple[DemoContact, ...]:
    return tuple(dataset(accounts, seed).contacts())


def digest(data: DemoDataset) -> str:
    text = repr(data) + "".join(repr(c) for c in data.contacts())
    return hashlib.sha256(text.encode()).hexdigest()


def test_same_seed_and_day_give_identical_data():
    assert digest(generate(300, 42, TODAY)) == digest(generate(300, 42, TODAY))


def test_contacts_replay_identically():
    data = dataset(300)
    assert list(data.contacts()) == list(data.contacts())


def test_another_seed_or_day_gives_other_data():
    reference = digest(dataset(300))
    assert digest(generate(300, 43, TODAY)) != reference
    assert digest(generate(300, 42, TODAY + dt.timedelta(days=1))) != reference


def test_at_least_one_account_is_required():
    with pytest.raises(ValueError, match="at least one"):
        generate(0, 1, TODAY)


def test_a_single_account_works():
    data = generate(1, 1, TODAY)
    assert len(data.accounts) == 1
    assert all(len(c.memberships) == 1 for c in data.contacts())


def test_values_are_among_the_models_choices():
    accounts = dataset(2000).accounts
    assert {a.status for a in accounts} <= set(AccountStatus.values)
    assert {a.account_type for a in accounts} <= set(AccountType.values)
    assert {a.segment for a in accounts} <= set(Segment.values)
    assert {a.service_tier for a in accounts} <= set(ServiceTier.values)
    assert {a.qualification_state for a in accounts} <= {"", *QualificationState.values}
    assert {c.buying_role for c in contacts(2000)} <= {"", *BuyingRole.values}


def test_custom_values_follow_their_definitions():
    data = dataset(2000)
    by_entity = {
        entity: [
            CustomFieldDefinition(
                entity=d.entity,
                key=d.key,
                label=d.label,
                field_type=d.field_type,
                options=list(d.options),
            )
            for d in data.field_definitions
            if d.entity == entity
        ]
        for entity in ("account", "contact")
    }
    for account in data.accounts:
        assert clean_custom_values(by_entity["account"], account.custom_fields) == dict(
            account.custom_fields
        )
    for contact in contacts(2000):
        assert clean_custom_values(by_entity["contact"], contact.custom_fields) == dict(
            contact.custom_fields
        )


def test_tags_avoid_system_tag_names():
    reserved = {n.casefold() for n in SYSTEM_TAG_NAMES}
    assert not {t.name.casefold() for t in dataset(300).tags} & reserved


def test_identifiers_and_domains_are_unique():
    accounts = dataset(2000).accounts
    for attribute in ("domain", "external_id"):
        values = [getattr(a, attribute) for a in accounts]
        assert len(set(values)) == len(values), attribute
    linkedin = [a.linkedin_url for a in accounts if a.linkedin_url]
    assert len(set(linkedin)) == len(linkedin)
    people = contacts(2000)
    emails = [c.email for c in people]
    assert len(set(emails)) == len(emails)
    assert all(e == e.lower() and e.isascii() for e in emails)
    external = [c.external_id for c in people if c.external_id]
    assert len(set(external)) == len(external)


def test_scrambled_ids_never_collide():
    ids = {scrambled_hex(n, salt=0xDEADBEEF) for n in range(100_000)}
    assert len(ids) == 100_000
    assert all(len(i) == 12 for i in ids)


def test_proportions_are_plausible():
    accounts = dataset(2000).accounts
    n = len(accounts)
    stages = Counter(a.stage for a in accounts)
    assert 0.08 < stages["Trial"] / n < 0.16
    assert 0.11 < stages["Onboarding"] / n < 0.19
    assert 0.56 < stages["Run"] / n < 0.70
    assert 0.06 < stages["Churn"] / n < 0.14
    assert 0.07 <= sum(a.parent_index is not None for a in accounts) / n <= 0.09
    assert any(a.depth == 2 for a in accounts), "some hierarchies have three levels"
    assert 0.15 < sum(bool(a.tags) for a in accounts) / n < 0.25
    assert 0.25 < sum(bool(a.followers) for a in accounts) / n < 0.35
    owners = Counter(a.owner_email for a in accounts)
    assert owners.most_common(1)[0][1] > n / 4, "one CSM carries a big book"
    people = contacts(2000)
    assert 8 <= len(people) / n <= 11
    assert 0.08 < sum(len(c.memberships) == 2 for c in people) / len(people) < 0.12
    per_account = Counter(m.account_index for c in people for m in c.memberships)
    assert set(per_account) == set(range(n))
    assert max(per_account.values()) <= 30


def test_segment_size_plan_and_tier_agree():
    for a in dataset(2000).accounts:
        if a.segment == "enterprise":
            assert a.employee_count >= 2000
            assert a.plan in {None, "Business", "Enterprise"}
            assert a.service_tier in {"high_touch", "mid_touch"}
        elif a.segment == "smb":
            assert a.employee_count < 200
            assert a.plan in {None, "Starter", "Growth", "Business"}
        if a.parent_index is None:
            assert a.account_type == "company"
        else:
            assert a.account_type in {"region", "line_of_business"}


def test_lifecycle_fields_agree_with_the_stage():
    end = horizon(TODAY)
    statuses = {
        "Trial": {"trial", "not_converted"},
        "Onboarding": {"paying"},
        "Run": {"paying"},
        "Churn": {"churned"},
    }
    for a in dataset(2000).accounts:
        assert a.status in statuses[a.stage]
        customer = a.status in {"paying", "churned"}
        assert (a.customer_since is not None) == customer
        assert (a.plan is not None) == customer
        if a.customer_since is not None:
            assert a.created_at.date() <= a.customer_since <= TODAY
            assert a.customer_since >= TODAY - dt.timedelta(days=5 * 365 + 1)
        else:
            assert a.csm_pulse is None
        assert a.created_at <= a.updated_at <= end
        assert all(a.created_at <= f.added_at <= end for f in a.followers)


def test_hierarchy_has_no_cycles_and_parents_come_first():
    accounts = dataset(2000).accounts
    for a in accounts:
        if a.parent_index is not None:
            parent = accounts[a.parent_index]
            assert a.parent_index < a.index
            assert a.depth == parent.depth + 1
            assert parent.created_at <= a.created_at
            assert a.domain.endswith("." + parent.domain)


def test_sponsors_and_primary_memberships():
    data = dataset(2000)
    sponsors: Counter[int] = Counter()
    for c in contacts(2000):
        assert c.memberships[0].is_primary
        assert sum(m.is_primary for m in c.memberships) == 1
        assert len({m.account_index for m in c.memberships}) == len(c.memberships)
        home = data.accounts[c.memberships[0].account_index]
        if c.is_sponsor:
            assert c.buying_role in {"champion", "decision_maker"}
            assert home.status == "paying"
            sponsors[home.index] += 1
        assert c.created_at <= c.updated_at <= horizon(TODAY)
    assert max(sponsors.values()) == 1
    paying = [a for a in data.accounts if a.status == "paying"]
    assert len(sponsors) / len(paying) > 0.8


def test_output_does_not_depend_on_the_hash_seed():
    """Sets and string hashing vary per process (PYTHONHASHSEED); the data must not."""
    script = (
        "import datetime as dt, hashlib\n"
        "from panorama.demo.generator import generate\n"
        "d = generate(300, 42, dt.date(2025, 6, 1))\n"
        "text = repr(d) + ''.join(repr(c) for c in d.contacts())\n"
        "print(hashlib.sha256(text.encode()).hexdigest())\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "4242"}
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == digest(dataset(300))
