"""Importing accounts: keys, relations, custom fields, history, dry run and bad rows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import Book
from panorama.customers.models import Account, AttributeChange, CustomFieldDefinition, Tag
from panorama.imports.columns import MappingError
from panorama.imports.tests.conftest import errors, run, table_counts

pytestmark = pytest.mark.django_db

NEW_AND_CHANGED = """
    Company Name,Website,External ID,Lifecycle stage,Owner,Employees,Status
    Umbrella,umbrella.com,umb-1,Onboarding,bob@example.com,"1,200",Paying
    Acme Corp,acme.com,,,,,
"""


def test_a_dry_run_lists_creates_and_updates_and_writes_nothing(book: Book, admin):
    before = table_counts()
    report = run("accounts", NEW_AND_CHANGED, user=admin, dry_run=True)
    assert (report.created, report.updated, report.failed) == (1, 1, 0)
    assert not report.applied
    assert table_counts() == before
    create, update = report.rows
    assert create.action == "create" and create.label == "Umbrella"
    assert update.action == "update" and update.label == "Acme Corp"
    assert [(c.field, c.old, c.new) for c in update.changes] == [("Name", "Acme", "Acme Corp")]


def test_apply_creates_then_updates_by_key_with_the_importer_as_author(book: Book, admin, member):
    history = AttributeChange.objects.count()
    report = run("accounts", NEW_AND_CHANGED, user=admin)
    assert report.applied and (report.created, report.updated) == (1, 1)
    umbrella = Account.objects.get(external_id="umb-1")
    assert umbrella.name == "Umbrella" and umbrella.domain == "umbrella.com"
    assert umbrella.stage is not None and umbrella.stage.name == "Onboarding"
    assert umbrella.owner == member and umbrella.employee_count == 1200
    assert umbrella.status == "paying"
    book.acme.refresh_from_db()
    assert book.acme.name == "Acme Corp"
    change = AttributeChange.objects.get(account=book.acme)
    assert (change.field, change.old_value, change.new_value) == ("name", "Acme", "Acme Corp")
    assert change.changed_by == admin and change.source == "import"

    again = run("accounts", NEW_AND_CHANGED, user=admin)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert AttributeChange.objects.count() == history + 1

    run("accounts", "external_id,employees\numb-1,1300\n", user=admin)
    umbrella.refresh_from_db()
    assert umbrella.employee_count == 1300 and umbrella.name == "Umbrella"  # empty = unchanged
    change = AttributeChange.objects.get(account=umbrella)
    assert (change.old_value, change.new_value, change.changed_by) == (1200, 1300, admin)


def test_the_domain_matches_an_account_without_external_id_and_gives_it_one(book: Book):
    run("accounts", "domain,external_id\nhttps://www.Globex.io/about,gx-9\n")
    book.globex.refresh_from_db()
    assert book.globex.external_id == "gx-9"
    assert Account.objects.count() == 4


def test_an_external_id_is_read_only_once_set(book: Book):
    Account.objects.filter(pk=book.acme.pk).update(external_id="acme-1")
    report = run("accounts", "domain,external_id,name\nacme.com,acme-2,Acme\n")
    # acme-2 is new, and acme.com's account has another id: it is another account.
    assert report.created == 1
    report = run("accounts", "name,domain,external_id\nA,acme.com,\n")
    assert report.failed == 1 and "2 accounts have the domain acme.com" in errors(report)[0][2]


def test_a_parent_is_found_by_domain_or_by_a_row_above(book: Book):
    report = run(
        "accounts",
        """
        name,external_id,parent
        Umbrella,umb,globex.io
        Umbrella EU,umb-eu,umb
        """,
    )
    assert report.created == 2, errors(report)
    eu = Account.objects.get(external_id="umb-eu")
    assert eu.parent is not None and eu.parent.external_id == "umb"
    assert eu.parent.parent == book.globex


def test_a_cycle_in_the_hierarchy_is_a_row_error(book: Book):
    report = run("accounts", "domain,parent\nacme.com,acme.com\n")
    assert errors(report) == [(2, "parent", "an account cannot be its own parent")]
    Account.objects.filter(pk=book.acme.pk).update(external_id="acme")
    Account.objects.filter(pk=book.acme_emea.pk).update(external_id="emea")
    report = run("accounts", "external_id,parent\nacme,emea\n")
    assert report.failed == 1 and "cycle" in errors(report)[0][2]


def test_wrong_types_are_row_errors_naming_column_and_value(book: Book):
    before = table_counts()
    report = run(
        "accounts",
        """
        name,employees,customer since,csm pulse,segment,annual revenue,linkedin
        Ok Inc,10,2024-01-31,3,SMB,1000.50,https://linkedin.com/company/ok
        Bad Inc,ten,31/01/2024,9,Huge,lots,javascript:alert(1)
        """,
    )
    assert report.failed == 1 and report.created == 1
    assert errors(report) == [
        (3, "employees", "expects a whole number, got 'ten'"),
        (3, "customer since", "expects a date as YYYY-MM-DD, got '31/01/2024'"),
        (3, "segment", "expects one of Enterprise, Mid-Market, SMB, got 'Huge'"),
        (3, "annual revenue", "expects a number like 1234.56, got 'lots'"),
    ]
    assert table_counts() == before  # nothing applied
    report = run("accounts", "name,csm pulse,linkedin\nX,9,javascript:alert(1)\n")
    found = errors(report)
    assert (2, "csm pulse", "Ensure this value is less than or equal to 5.") in found
    assert (2, "linkedin", "'javascript:alert(1)' is not an http(s) URL.") in found


def test_unknown_relations_are_row_errors(book: Book):
    report = run(
        "accounts",
        "name,owner,stage,plan,tags\nX,nobody@example.com,Nowhere,Gold,Nope\n",
    )
    messages = {column: message for _, column, message in errors(report)}
    assert messages["owner"] == "no active user has the e-mail 'nobody@example.com'"
    assert messages["stage"].startswith("no lifecycle stage is named 'Nowhere' (known: ")


def test_tags_are_set_by_name(book: Book):
    Tag.objects.create(name="Beta")
    Tag.objects.create(name="Strategic")
    report = run("accounts", "domain,tags\nacme.com,beta; Strategic\n")
    assert report.updated == 1
    assert sorted(book.acme.tags.values_list("name", flat=True)) == ["Beta", "Strategic"]
    assert run("accounts", "domain,tags\nacme.com,Strategic;Beta\n").unchanged == 1


def test_custom_fields_by_key_or_label_and_synced_ones_refused(book: Book, admin):
    CustomFieldDefinition.objects.create(
        entity="account",
        key="tier",
        label="Support tier",
        field_type="choice",
        options=["Gold", "Silver"],
    )
    CustomFieldDefinition.objects.create(
        entity="account", key="seats", label="Seats", field_type="number"
    )
    CustomFieldDefinition.objects.create(
        entity="account",
        key="sf_arr",
        label="ARR (Salesforce)",
        field_type="number",
        is_synced=True,
        source="Salesforce",
    )
    report = run("accounts", "domain,Support tier,custom:seats\nacme.com,gold,12\n", user=admin)
    assert report.updated == 1, errors(report)
    book.acme.refresh_from_db()
    assert book.acme.custom_fields == {"tier": "Gold", "seats": 12}
    change = AttributeChange.objects.get(account=book.acme, field="seats")
    assert change.is_custom and change.changed_by == admin

    report = run("accounts", "domain,seats,ARR (Salesforce)\nacme.com,many,1000\n", user=admin)
    assert errors(report) == [
        (2, "seats", "custom field 'Seats' (seats) expects a number, got 'many'"),
        (
            2,
            "ARR (Salesforce)",
            "custom field 'ARR (Salesforce)' (sf_arr) is synced from Salesforce and read-only",
        ),
    ]


def test_duplicate_keys_in_the_file_are_row_errors(book: Book):
    report = run(
        "accounts",
        """
        name,external_id,domain
        One,x-1,
        Two,x-1,
        Acme again,,acme.com
        Acme twice,,ACME.com
        """,
    )
    assert errors(report) == [
        (3, "external_id", "duplicate key: row 2 has the same external_id"),
        (5, "domain", "duplicate key: row 4 has the same domain"),
    ]
    assert Account.objects.count() == 4


def test_unknown_columns_are_an_error_naming_them_unless_ignored(book: Book):
    with pytest.raises(MappingError, match="Unknown columns: Colour, Mood"):
        run("accounts", "name,Colour,Mood\nX,red,happy\n")
    report = run(
        "accounts",
        "name,Colour,Mood\nX,red,happy\n",
        mapping={"Colour": "ignore", "Mood": "description"},
    )
    assert report.created == 1
    assert Account.objects.get(name="X").description == "happy"


def test_skip_errors_applies_only_the_good_rows(book: Book, admin):
    report = run(
        "accounts",
        """
        name,external_id,employees
        Good,g-1,10
        Bad,b-1,ten
        Also good,g-2,20
        """,
        user=admin,
        skip_errors=True,
    )
    assert report.applied and (report.created, report.failed) == (2, 1)
    assert set(
        Account.objects.filter(external_id__isnull=False).values_list("external_id", flat=True)
    ) == {"g-1", "g-2"}


def test_a_child_of_a_bad_row_is_an_error_too(book: Book):
    report = run(
        "accounts",
        "name,external_id,employees,parent\nParent,p,many,\nChild,c,,p\n",
        skip_errors=True,
    )
    assert errors(report)[-1] == (3, "parent", "the parent account is on row 2, which has errors")
    assert not Account.objects.filter(external_id__in=["p", "c"]).exists()


def _accounts_csv(count: int) -> str:
    lines = ["name,external_id,domain,parent,owner,stage,plan,tags"]
    for i in range(count):
        lines.append(f"Company {i},ext-{i},c{i}.example,globex.io,bob@example.com,Run,Growth,Beta")
    return "\n".join(lines) + "\n"


def test_relations_are_looked_up_in_bulk_not_per_row(book: Book, admin):
    Tag.objects.create(name="Beta")
    with CaptureQueriesContext(connection) as small:
        assert run("accounts", _accounts_csv(5), user=admin, dry_run=True).created == 5
    with CaptureQueriesContext(connection) as large:
        assert run("accounts", _accounts_csv(200), user=admin, dry_run=True).created == 200
    assert len(large) == len(small), [q["sql"] for q in large.captured_queries]
    assert len(large) <= 10

    with CaptureQueriesContext(connection) as applied:
        report = run("accounts", _accounts_csv(200), user=admin)
    assert report.created == 200
    # Writes are per row and go through the model's save(): the savepoint, the insert, its
    # own checks (custom field definitions, the parent's ancestors) and the tags with their
    # history. Look-ups of related records are not per row: they are the dry run's, above.
    per_row = (len(applied) - len(large)) / 200
    assert per_row <= 12, per_row
