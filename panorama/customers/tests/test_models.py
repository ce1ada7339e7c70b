"""Rules the customer models keep on every write."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from panorama.core.actors import Actor, acting_as
from panorama.customers.models import (
    Account,
    Contact,
    CustomFieldDefinition,
    Entity,
    Membership,
    Tag,
)

pytestmark = pytest.mark.django_db


# --- Hierarchy ---------------------------------------------------------------------------


def test_an_account_cannot_be_its_own_parent():
    acme = Account.objects.create(name="Acme")
    acme.parent = acme
    with pytest.raises(ValidationError) as exc:
        acme.save()
    assert "its own parent" in str(exc.value.message_dict["parent"])


def test_a_descendant_cannot_become_the_parent():
    top = Account.objects.create(name="Top")
    middle = Account.objects.create(name="Middle", parent=top)
    bottom = Account.objects.create(name="Bottom", parent=middle)
    top.parent = bottom
    with pytest.raises(ValidationError) as exc:
        top.save()
    assert "cycle" in str(exc.value.message_dict["parent"])
    top.refresh_from_db()
    assert top.parent_id is None


def test_hierarchies_of_any_depth_are_allowed():
    node = Account.objects.create(name="Level 0")
    for depth in range(1, 12):
        node = Account.objects.create(name=f"Level {depth}", parent=node)
    assert [a.name for a in node.ancestors()][:2] == ["Level 10", "Level 9"]
    assert len(node.ancestors()) == 11


def test_moving_a_subtree_elsewhere_is_fine():
    a = Account.objects.create(name="A")
    b = Account.objects.create(name="B", parent=a)
    c = Account.objects.create(name="C")
    b.parent = c
    b.save()
    assert b.ancestors() == [c]


# --- Contacts ----------------------------------------------------------------------------


def test_email_is_normalised():
    contact = Contact.objects.create(email="  Jane.Doe@ACME.com ")
    assert contact.email == "jane.doe@acme.com"


def test_email_is_unique_whatever_its_case():
    Contact.objects.create(email="jane@acme.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        Contact.objects.create(email="JANE@acme.com")


def test_a_blank_email_is_stored_as_none_so_many_contacts_may_lack_one():
    Contact.objects.create(email="", external_id="u1")
    Contact.objects.create(email="   ", external_id="u2")
    assert Contact.objects.filter(email__isnull=True).count() == 2


def test_an_invalid_email_is_refused_naming_the_field():
    with pytest.raises(ValidationError) as exc:
        Contact.objects.create(email="not an address")
    assert "'not an address' is not a valid e-mail address." in exc.value.message_dict["email"]
    assert not Contact.objects.exists()


def test_a_contact_has_at_most_one_primary_account():
    jane = Contact.objects.create(email="jane@acme.com")
    Membership.objects.create(
        contact=jane, account=Account.objects.create(name="A"), is_primary=True
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(
            contact=jane, account=Account.objects.create(name="B"), is_primary=True
        )


def test_a_contact_may_belong_to_several_accounts():
    jane = Contact.objects.create(email="jane@acme.com")
    a, b = Account.objects.create(name="A"), Account.objects.create(name="B")
    Membership.objects.create(contact=jane, account=a, is_primary=True)
    Membership.objects.create(contact=jane, account=b, role="Billing contact")
    assert set(jane.accounts.values_list("name", flat=True)) == {"A", "B"}


# --- Tags --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Ghosts", "churn risk", " Top Customers "])
def test_system_tag_names_are_reserved(name):
    with pytest.raises(ValidationError) as exc:
        Tag.objects.create(name=name)
    assert "reserved for a system tag" in str(exc.value.message_dict["name"])


def test_tag_names_are_unique_whatever_their_case():
    Tag.objects.create(name="Strategic")
    with pytest.raises(IntegrityError), transaction.atomic():
        Tag.objects.create(name="strategic")


def test_tag_colour_must_be_a_hex_colour():
    with pytest.raises(ValidationError):
        Tag.objects.create(name="Beta", colour="red")


# --- Custom fields -----------------------------------------------------------------------


@pytest.fixture
def seats(db):
    return CustomFieldDefinition.objects.create(
        entity=Entity.ACCOUNT, key="seats", label="Seats", field_type="number"
    )


@pytest.fixture
def sf_id(db):
    return CustomFieldDefinition.objects.create(
        entity=Entity.ACCOUNT,
        key="sf_id",
        label="Salesforce ID",
        field_type="text",
        is_synced=True,
        source="Salesforce",
    )


def test_custom_values_are_validated_on_save(seats):
    account = Account.objects.create(name="Acme", custom_fields={"seats": "40"})
    assert account.custom_fields == {"seats": 40}
    account.custom_fields = {"seats": "lots"}
    with pytest.raises(ValidationError) as exc:
        account.save()
    assert exc.value.message_dict["custom_fields"] == [
        "Custom field 'Seats' (seats) expects a number, got 'lots'"
    ]
    assert Account.objects.get().custom_fields == {"seats": 40}


def test_contact_custom_values_use_contact_definitions(seats):
    with pytest.raises(ValidationError) as exc:
        Contact.objects.create(email="a@b.co", custom_fields={"seats": 3})
    assert exc.value.message_dict["custom_fields"] == ["Unknown custom field 'seats'"]


def test_people_cannot_write_synced_fields(sf_id, member):
    account = Account.objects.create(name="Acme")
    with acting_as(Actor(source="salesforce")):
        account.custom_fields = {"sf_id": "001A"}
        account.save()
    with acting_as(Actor(source="web", user=member)):
        account.custom_fields = {"sf_id": "002B"}
        with pytest.raises(ValidationError) as exc:
            account.save()
    assert exc.value.message_dict["custom_fields"] == [
        "Custom field 'Salesforce ID' (sf_id) is synced from Salesforce and read-only."
    ]
    assert Account.objects.get().custom_fields == {"sf_id": "001A"}


def test_people_may_change_other_fields_of_an_account_with_synced_values(sf_id, seats, member):
    with acting_as(Actor(source="salesforce")):
        account = Account.objects.create(name="Acme", custom_fields={"sf_id": "001A"})
    account = Account.objects.get()
    with acting_as(Actor(source="web", user=member)):
        account.custom_fields = {**account.custom_fields, "seats": 10}
        account.name = "Acme Corp"
        account.save()
    assert Account.objects.get().custom_fields == {"sf_id": "001A", "seats": 10}


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"field_type": "choice"}, "options", "A choice field needs a list of options."),
        ({"field_type": "choice", "options": ["a", "a"]}, "options", "Options must be distinct."),
        ({"field_type": "text", "options": ["a"]}, "options", "Only a choice field has options."),
        (
            {"field_type": "text", "is_synced": True},
            "source",
            "A synced field names the integration",
        ),
        (
            {"field_type": "text", "key": "domain"},
            "key",
            "'domain' is a standard field of accounts.",
        ),
    ],
)
def test_definitions_are_validated(db, kwargs, field, message):
    values = {"entity": Entity.ACCOUNT, "key": "region", "label": "Region", **kwargs}
    with pytest.raises(ValidationError) as exc:
        CustomFieldDefinition.objects.create(**values)
    assert message in " ".join(exc.value.message_dict[field])
