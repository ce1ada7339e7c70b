"""Importing contacts: upsert by e-mail, else external id; memberships; read-only fields."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import Book
from panorama.customers.models import AttributeChange, Contact, Membership
from panorama.imports.tests.conftest import errors, run, table_counts

pytestmark = pytest.mark.django_db


def test_contacts_are_created_as_members_and_updated_by_email(book: Book, admin):
    report = run(
        "contacts",
        """
        E-mail,First Name,Last Name,Job Title,Account,Role,Sponsor
        Ann@Globex.io,Ann,Lee,CTO,globex.io,Tech lead,yes
        JANE@acme.com,,,COO,initech.com,Board,
        """,
        user=admin,
    )
    assert (report.created, report.updated) == (1, 1), errors(report)
    ann = Contact.objects.get(email="ann@globex.io")
    assert (ann.first_name, ann.title, ann.is_sponsor) == ("Ann", "CTO", True)
    membership = Membership.objects.get(contact=ann)
    assert membership.account == book.globex and membership.is_primary
    assert membership.role == "Tech lead"
    book.jane.refresh_from_db()
    assert book.jane.title == "COO" and book.jane.first_name == "Jane"
    assert Membership.objects.get(contact=book.jane, account=book.initech).role == "Board"
    change = AttributeChange.objects.get(contact=book.jane)
    assert (change.field, change.new_value, change.changed_by) == ("title", "COO", admin)


def test_the_external_id_is_the_key_without_email(book: Book):
    book.john.external_id = "u-42"
    book.john.save()
    report = run("contacts", "user id,email,phone\nu-42,john.smith@initech.com,+1 555\n")
    assert report.updated == 1, errors(report)
    book.john.refresh_from_db()
    assert book.john.email == "john.smith@initech.com" and book.john.phone == "+1 555"


def test_bad_contact_rows_are_errors_and_nothing_is_written(book: Book):
    book.john.external_id = "u-42"
    book.john.save()
    before = table_counts()
    report = run(
        "contacts",
        """
        email,external_id,account,traits,buying role
        new@acme.com,,,,
        ,,acme.com,,
        jane@acme.com,u-42,,,
        x@acme.com,,nowhere.example,,
        y@acme.com,,acme.com,"{""plan"": ""pro""}",
        z@acme.com,,acme.com,,Wizard
        not-an-email,,acme.com,,
        """,
    )
    assert errors(report) == [
        (2, "account", "a new contact needs an account (its external id or domain)"),
        (3, "email", "a contact needs an e-mail or an external id"),
        (4, "external_id", "'u-42' is another contact's external id"),
        (5, "account", "no account has the external id or domain 'nowhere.example'"),
        (6, "traits", "traits are synced from the product (Segment identify) and read-only"),
        (
            7,
            "buying role",
            "expects one of Champion, Decision Maker, Economic Buyer, Influencer, "
            "Blocker, End User, got 'Wizard'",
        ),
        (8, "email", "Enter a valid email address."),
    ]
    assert table_counts() == before


def test_duplicate_emails_in_the_file(book: Book):
    report = run("contacts", "email,account\nsam@acme.com,acme.com\nSam@acme.com,acme.com\n")
    assert errors(report) == [(3, "email", "duplicate key: row 2 has the same email")]


def _contacts_csv(count: int) -> str:
    lines = ["email,first name,account,role"]
    lines += [f"p{i}@acme.com,P{i},acme.com,User" for i in range(count)]
    lines += ["jane@acme.com,Janet,globex.io,Advisor"]
    return "\n".join(lines) + "\n"


def test_contacts_and_their_accounts_are_looked_up_in_bulk(book: Book):
    with CaptureQueriesContext(connection) as small:
        assert run("contacts", _contacts_csv(5), dry_run=True).created == 5
    with CaptureQueriesContext(connection) as large:
        assert run("contacts", _contacts_csv(200), dry_run=True).created == 200
    assert len(large) == len(small) <= 6
