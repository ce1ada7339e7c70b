"""Every change of a field of an account or contact is recorded, by the right actor."""

import pytest

from panorama.core.actors import Actor, acting_as
from panorama.customers.models import (
    Account,
    AttributeChange,
    Contact,
    CustomFieldDefinition,
    Entity,
    Stage,
    Tag,
)

pytestmark = pytest.mark.django_db


def test_creating_records_no_history():
    Account.objects.create(name="Acme")
    Contact.objects.create(email="jane@acme.com")
    assert not AttributeChange.objects.exists()


def test_a_person_changing_a_field_is_recorded_with_old_and_new_value(member):
    account = Account.objects.create(name="Acme")
    with acting_as(Actor(source="web", user=member)):
        account.name = "Acme Corp"
        account.save()
    change = AttributeChange.objects.get()
    assert (change.account, change.field, change.old_value, change.new_value) == (
        account,
        "name",
        "Acme",
        "Acme Corp",
    )
    assert (change.changed_by, change.source, change.author) == (member, "web", str(member))


def test_an_integration_change_is_recorded_with_its_source():
    account = Account.objects.create(name="Acme")
    with acting_as(Actor(source="segment")):
        account.employee_count = 250
        account.save()
    change = AttributeChange.objects.get()
    assert (change.field, change.old_value, change.new_value) == ("employee_count", None, 250)
    assert (change.changed_by, change.source, change.author) == (None, "segment", "segment")


def test_saving_without_changes_records_nothing():
    account = Account.objects.create(name="Acme")
    account.save()
    Account.objects.get().save()
    assert not AttributeChange.objects.exists()


def test_related_and_choice_fields_are_shown_as_people_read_them(admin):
    run = Stage.objects.get(name="Run")
    account = Account.objects.create(name="Acme", status="trial")
    account.stage, account.owner, account.status = run, admin, "paying"
    account.save()
    shown = {c.field: (c.old_display, c.new_display) for c in AttributeChange.objects.all()}
    assert shown == {
        "stage": ("", "Run"),
        "owner": ("", "Ada Admin"),
        "status": ("Trial", "Paying"),
    }
    stage_change = AttributeChange.objects.get(field="stage")
    assert (stage_change.old_value, stage_change.new_value) == (None, run.pk)


def test_each_custom_key_is_its_own_change():
    CustomFieldDefinition.objects.create(
        entity=Entity.CONTACT, key="lang", label="Language", field_type="text"
    )
    CustomFieldDefinition.objects.create(
        entity=Entity.CONTACT, key="seats", label="Seats", field_type="number"
    )
    contact = Contact.objects.create(email="jane@acme.com", custom_fields={"lang": "fr"})
    contact.custom_fields = {"lang": "de", "seats": 3}
    contact.save()
    changes = {
        (c.field, c.is_custom): (c.old_value, c.new_value) for c in contact.attribute_changes.all()
    }
    assert changes == {("lang", True): ("fr", "de"), ("seats", True): (None, 3)}


def test_update_fields_limits_what_is_compared():
    account = Account.objects.create(name="Acme", city="Paris")
    account.name, account.city = "Acme Corp", "Lyon"
    account.save(update_fields=["name"])
    assert list(AttributeChange.objects.values_list("field", flat=True)) == ["name"]
    account.refresh_from_db()
    assert account.city == "Paris"


def test_a_deferred_field_is_compared_with_the_stored_value():
    Account.objects.create(name="Acme", city="Paris")
    account = Account.objects.only("id", "name").get()
    account.city = "Lyon"
    account.save()
    change = AttributeChange.objects.get()
    assert (change.field, change.old_value, change.new_value) == ("city", "Paris", "Lyon")


def test_team_members_and_tags_changes_are_recorded(member, admin):
    account = Account.objects.create(name="Acme")
    strategic = Tag.objects.create(name="Strategic")
    with acting_as(Actor(source="web", user=admin)):
        account.team_members.add(member)
        account.tags.add(strategic)
        account.team_members.remove(member)
    changes = [
        (c.field, c.old_display, c.new_display, c.changed_by)
        for c in AttributeChange.objects.order_by("id")
    ]
    assert changes == [
        ("team_members", "", "Bob Member", admin),
        ("tags", "", "Strategic", admin),
        ("team_members", "Bob Member", "", admin),
    ]


def test_following_from_the_user_side_is_recorded_on_the_account(member):
    acme, globex = Account.objects.create(name="Acme"), Account.objects.create(name="Globex")
    member.followed_accounts.add(acme, globex)
    assert set(AttributeChange.objects.values_list("account__name", "new_display")) == {
        ("Acme", "Bob Member"),
        ("Globex", "Bob Member"),
    }
