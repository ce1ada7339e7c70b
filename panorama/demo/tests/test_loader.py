"""Loading demo data: what lands in the database, and ``panorama demo`` itself."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db.models import Count

from panorama.core.models import Role, User
from panorama.customers.models import (
    Account,
    AccountFollower,
    AttributeChange,
    Contact,
    CustomFieldDefinition,
    Membership,
    Plan,
    Tag,
)
from panorama.demo.users import DEMO_ADMIN_EMAIL, DEMO_PASSWORD

# Product usage has its own tests (test_usage.py); these check the records, so skip it.
ARGS = ("--accounts=40", "--seed=7", "--today=2025-06-01", "--no-usage")


def load_demo(*args: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command("demo", *(args or ARGS), stdout=out)
    return out.getvalue()


def content_digest() -> str:
    """The loaded data by natural keys (ids differ between loads, nothing else may)."""
    accounts = Account.objects.order_by("external_id").values_list(
        "external_id",
        "name",
        "domain",
        "parent__external_id",
        "owner__email",
        "stage__name",
        "status",
        "segment",
        "service_tier",
        "plan__name",
        "customer_since",
        "csm_pulse",
        "annual_revenue",
        "employee_count",
        "custom_fields",
        "created_at",
        "updated_at",
    )
    tags = Account.tags.through.objects.order_by("account__external_id", "tag__name")
    followers = AccountFollower.objects.order_by("account__external_id", "user__email")
    contacts = Contact.objects.order_by("email").values_list(
        "email",
        "first_name",
        "last_name",
        "title",
        "phone",
        "external_id",
        "buying_role",
        "is_sponsor",
        "custom_fields",
        "created_at",
        "updated_at",
    )
    memberships = Membership.objects.order_by("contact__email", "account__external_id")
    parts = [
        list(accounts),
        list(tags.values_list("account__external_id", "tag__name")),
        list(followers.values_list("account__external_id", "user__email", "added_at")),
        list(contacts),
        list(
            memberships.values_list(
                "contact__email", "account__external_id", "is_primary", "role", "created_at"
            )
        ),
    ]
    return hashlib.sha256(repr(parts).encode()).hexdigest()


@pytest.fixture
def loaded(db: None) -> str:
    return load_demo()


def test_every_account_has_one_to_thirty_contacts(loaded):
    counts = Account.objects.annotate(n=Count("memberships")).values_list("n", flat=True)
    assert len(counts) == 40
    assert all(1 <= n <= 30 for n in counts)


def test_about_one_contact_in_ten_belongs_to_two_accounts(loaded):
    per_contact = Counter(Membership.objects.values_list("contact_id", flat=True))
    assert set(per_contact.values()) <= {1, 2}
    share = sum(n == 2 for n in per_contact.values()) / Contact.objects.count()
    assert 0.04 < share < 0.18


def test_each_contact_has_exactly_one_primary_membership(loaded):
    primaries = Counter(
        Membership.objects.filter(is_primary=True).values_list("contact_id", flat=True)
    )
    assert len(primaries) == Contact.objects.count()
    assert set(primaries.values()) == {1}


def test_hierarchy_has_no_cycles_and_three_levels(loaded):
    parents = dict(Account.objects.values_list("id", "parent_id"))
    depths: list[int] = []
    for start in parents:
        seen, node = set(), start
        while node is not None:
            assert node not in seen, f"cycle through account {start}"
            seen.add(node)
            node = parents[node]
        depths.append(len(seen))
    assert max(depths) == 3
    children = Account.objects.filter(parent__isnull=False)
    assert set(children.values_list("account_type", flat=True)) <= {"region", "line_of_business"}


def test_emails_are_lower_case_and_unique(loaded):
    emails = list(Contact.objects.values_list("email", flat=True))
    assert all(e and e == e.lower() for e in emails)
    assert len(set(emails)) == len(emails)


def test_rows_pass_the_models_validation(loaded):
    for account in Account.objects.all():
        account.full_clean()
    for contact in Contact.objects.order_by("id")[:150]:
        contact.full_clean()
    for membership in Membership.objects.order_by("id")[:150]:
        membership.full_clean()


def test_stages_and_statuses_agree(loaded):
    allowed = {
        "Trial": {"trial", "not_converted"},
        "Onboarding": {"paying"},
        "Run": {"paying"},
        "Churn": {"churned"},
    }
    rows = Account.objects.values_list("stage__name", "status", "customer_since", "created_at")
    for stage, status, since, created in rows:
        assert status in allowed[stage]
        assert (since is not None) == (status in {"paying", "churned"})
        if since is not None:
            assert created.date() <= since


def test_reference_data_and_no_history(loaded):
    assert set(Plan.objects.values_list("name", flat=True)) == {
        "Starter",
        "Growth",
        "Business",
        "Enterprise",
    }
    assert Tag.objects.count() == 5
    assert CustomFieldDefinition.objects.count() == 3
    # Generated values are the starting point, not changes.
    assert not AttributeChange.objects.exists()


def test_users_and_the_admin_login(loaded):
    admin = authenticate(username=DEMO_ADMIN_EMAIL, password=DEMO_PASSWORD)
    assert admin is not None and admin.role == Role.ADMIN
    assert admin.is_staff and admin.is_superuser
    members = User.objects.filter(role=Role.MEMBER)
    assert members.count() == 6
    assert not members.filter(is_staff=True).exists()
    assert not members.filter(is_superuser=True).exists()
    assert all(authenticate(username=m.email, password=DEMO_PASSWORD) for m in members[:1])
    owned = Counter(Account.objects.values_list("owner__role", flat=True))
    assert owned == {Role.MEMBER: 40}
    assert "Log in as admin@panorama.demo with password panorama-demo" in loaded


def test_loading_again_gives_the_same_content(loaded):
    first = content_digest()
    Account.objects.all().delete()
    Contact.objects.all().delete()
    load_demo()  # users, plans, tags and custom fields exist now: they are reused
    assert content_digest() == first
    assert User.objects.count() == 7 and Tag.objects.count() == 5


@pytest.mark.django_db
def test_the_command_refuses_a_database_with_accounts(loaded):
    with pytest.raises(CommandError, match="already has 40 account"):
        load_demo()


@pytest.mark.django_db
def test_the_command_refuses_a_database_with_contacts_only():
    Contact.objects.create(email="someone@example.com")
    with pytest.raises(CommandError, match="already has 0 account"):
        load_demo()
    assert not Account.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("count", [0, -3])
def test_the_command_needs_at_least_one_account(count):
    with pytest.raises(CommandError, match="at least 1"):
        call_command("demo", accounts=count)


@pytest.mark.django_db
def test_the_command_rejects_a_bad_date():
    with pytest.raises(CommandError, match="not a date"):
        call_command("demo", today="2025-13-01")


@pytest.mark.django_db
def test_the_default_day_is_today():
    from panorama.core import clock

    moment = dt.datetime(2024, 3, 15, 12, tzinfo=dt.UTC)
    with clock.frozen_at(moment):
        out = load_demo("--accounts=3")
    assert "today 2024-03-15" in out
    latest = max(Account.objects.values_list("updated_at", flat=True))
    assert latest < moment
