"""Fixtures shared by every test: the three personas and a small book of accounts.

Like healthchecks' alice/bob/charlie, every access test uses all three:
``admin`` sees everything, ``member`` has a book of accounts (owns Acme, follows Globex),
``outsider`` is a member with no accounts at all.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

import pytest
from django.test import Client

from panorama.core.models import Role, User
from panorama.customers.models import Account, Contact, Membership, Plan, Stage

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _static_files_without_collectstatic(settings) -> None:
    """Serve static files from the apps, as in development: tests don't run collectstatic."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.WHITENOISE_AUTOREFRESH = True
    settings.WHITENOISE_USE_FINDERS = True
    # Hashing passwords the production way costs ~0.3 s per user; tests create many.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def stages(db: None) -> dict[str, Stage]:
    """The default lifecycle stages. A migration creates them, but transactional tests
    (browser, live server) flush the database between tests, so they are made again here."""
    from django.apps import apps

    migration = importlib.import_module("panorama.customers.migrations.0002_default_stages")
    migration.create_stages(apps, None)
    return {stage.name: stage for stage in Stage.objects.all()}


@pytest.fixture
def admin(db: None) -> User:
    return User.objects.create_user(
        "ada@example.com", PASSWORD, role=Role.ADMIN, first_name="Ada", last_name="Admin"
    )


@pytest.fixture
def member(db: None) -> User:
    return User.objects.create_user(
        "bob@example.com", PASSWORD, first_name="Bob", last_name="Member"
    )


@pytest.fixture
def outsider(db: None) -> User:
    return User.objects.create_user(
        "carl@example.com", PASSWORD, first_name="Carl", last_name="Outsider"
    )


@dataclass
class Book:
    """Accounts of the test organisation and who may see them."""

    acme: Account  # owned by member
    acme_emea: Account  # sub-account of Acme, owned by member
    globex: Account  # owned by admin, followed by member
    initech: Account  # owned by admin only: hidden from member and outsider
    jane: Contact  # at Acme and Initech
    john: Contact  # at Initech only

    @property
    def visible_to_member(self) -> set[int]:
        return {self.acme.pk, self.acme_emea.pk, self.globex.pk}

    @property
    def all(self) -> set[int]:
        return {self.acme.pk, self.acme_emea.pk, self.globex.pk, self.initech.pk}


@pytest.fixture
def book(admin: User, member: User, outsider: User, stages: dict[str, Stage]) -> Book:
    run = stages["Run"]
    growth = Plan.objects.create(name="Growth", list_mrr=490)
    acme = Account.objects.create(
        name="Acme", domain="acme.com", owner=member, stage=run, plan=growth
    )
    acme_emea = Account.objects.create(name="Acme EMEA", parent=acme, owner=member, stage=run)
    globex = Account.objects.create(name="Globex", domain="globex.io", owner=admin)
    globex.team_members.add(member)
    initech = Account.objects.create(name="Initech", domain="initech.com", owner=admin, stage=run)
    jane = Contact.objects.create(
        email="jane@acme.com", first_name="Jane", last_name="Doe", title="VP Ops"
    )
    john = Contact.objects.create(email="john@initech.com", first_name="John", last_name="Smith")
    Membership.objects.create(contact=jane, account=acme, is_primary=True)
    Membership.objects.create(contact=jane, account=initech)
    Membership.objects.create(contact=john, account=initech, is_primary=True)
    return Book(acme, acme_emea, globex, initech, jane, john)


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture(params=["admin", "member", "outsider"])
def persona(request: pytest.FixtureRequest, book: Book) -> User:
    """Each of the three personas in turn (the book is always set up)."""
    return request.getfixturevalue(request.param)
