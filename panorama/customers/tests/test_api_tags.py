"""Tags and custom field definitions in the REST API (``/api/customers/tags``,
``/custom-fields``), and tags on accounts."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import Book
from panorama.core.actors import Actor, acting_as
from panorama.core.models import User
from panorama.core.tests.api_client import Api, database, ids
from panorama.customers.models import Account, AttributeChange, CustomFieldDefinition, Entity, Tag

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(book: Book, admin: User, member: User, outsider: User) -> Api:
    return Api("/customers", {"admin": admin, "member": member, "outsider": outsider})


@pytest.fixture
def tier(db: None) -> CustomFieldDefinition:
    return CustomFieldDefinition.objects.create(
        entity=Entity.ACCOUNT, key="tier", label="Tier", field_type="choice", options=["A", "B"]
    )


# Tags


def test_everyone_lists_the_tags(api: Api):
    vip = Tag.objects.create(name="VIP", colour="#ff0000")

    response = api.get("/tags", as_="outsider")

    assert response.status_code == 200
    assert response.json() == {
        "items": [{"id": vip.pk, "name": "VIP", "colour": "#ff0000"}],
        "next": None,
    }


def test_a_member_creates_a_tag(api: Api):
    response = api.post("/tags", {"name": " Beta ", "colour": "#00aa00"})

    assert response.status_code == 201
    assert Tag.objects.get(pk=response.json()["id"]).name == "Beta"


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"name": "vip"}, 409, "name"),  # VIP exists: names are unique whatever the case
        ({"name": "Churn risk"}, 400, "name"),  # a system tag's name
        ({"name": "New", "colour": "red"}, 422, "colour"),
        ({"name": "New", "accounts": [1]}, 400, "accounts"),  # not a field of a tag
    ],
)
def test_invalid_tags_are_refused_naming_the_field(
    api: Api, body: dict[str, Any], status: int, field: str
):
    Tag.objects.create(name="VIP")
    before = database()

    response = api.post("/tags", body)

    assert response.status_code == status, response.json()
    if status == 422:
        assert field in {e["loc"][2] for e in response.json()["detail"]}
    else:
        assert list(response.json()["errors"]) == [field]
    assert database() == before


@pytest.mark.parametrize("persona", ["member", "outsider"])
def test_only_admins_rename_or_delete_tags(api: Api, persona: str):
    vip = Tag.objects.create(name="VIP")
    before = database()

    renamed = api.patch(f"/tags/{vip.pk}", {"name": "Very important"}, as_=persona)
    deleted = api.delete(f"/tags/{vip.pk}", as_=persona)

    assert (renamed.status_code, deleted.status_code) == (403, 403)
    assert renamed.json()["detail"].startswith("Only admins may rename or recolour tags")
    assert database() == before
    assert api.patch(f"/tags/{vip.pk}", {"colour": "#000000"}, as_="admin").json() == {
        "id": vip.pk,
        "name": "VIP",
        "colour": "#000000",
    }


def test_putting_a_tag_on_an_account_and_taking_it_off_is_in_its_history(
    api: Api, book: Book, member: User
):
    vip = Tag.objects.create(name="VIP")

    put = api.put(f"/accounts/{book.acme.pk}/tags/{vip.pk}")
    again = api.put(f"/accounts/{book.acme.pk}/tags/{vip.pk}")
    off = api.delete(f"/accounts/{book.acme.pk}/tags/{vip.pk}")

    assert put.status_code == again.status_code == off.status_code == 200
    assert [t["name"] for t in put.json()] == ["VIP"]
    assert off.json() == []
    changes = AttributeChange.objects.filter(account=book.acme, field="tags").order_by("id")
    assert [(c.old_display, c.new_display) for c in changes] == [("", "VIP"), ("VIP", "")]
    assert {(c.changed_by, c.source) for c in changes} == {(member, "api")}


def test_an_unknown_tag_is_a_404(api: Api, book: Book):
    response = api.put(f"/accounts/{book.acme.pk}/tags/999999")

    assert response.status_code == 404
    assert response.json() == {"detail": "No such tag"}


def test_deleting_a_tag_takes_it_off_every_account_with_history(api: Api, book: Book, admin: User):
    vip = Tag.objects.create(name="VIP")
    book.acme.tags.add(vip)
    book.initech.tags.add(vip)

    response = api.delete(f"/tags/{vip.pk}", as_="admin")

    assert response.status_code == 204
    assert not Tag.objects.exists()
    changes = AttributeChange.objects.filter(field="tags", changed_by=admin)
    assert {(c.account_id, c.old_display, c.new_display) for c in changes} == {
        (book.acme.pk, "VIP", ""),
        (book.initech.pk, "VIP", ""),
    }


# Custom field definitions


def test_everyone_lists_custom_fields_filtered_by_entity(api: Api, tier: CustomFieldDefinition):
    nps = CustomFieldDefinition.objects.create(
        entity=Entity.CONTACT, key="nps", label="NPS", field_type="number"
    )

    assert ids(api.get("/custom-fields", as_="outsider")) == {tier.pk, nps.pk}
    assert ids(api.get("/custom-fields?entity=contact")) == {nps.pk}


@pytest.mark.parametrize("persona", ["member", "outsider"])
def test_members_may_not_change_custom_fields(api: Api, tier: CustomFieldDefinition, persona: str):
    before = database()

    answers = {
        "define": api.post(
            "/custom-fields",
            {"entity": "account", "key": "seats", "label": "Seats", "field_type": "number"},
            as_=persona,
        ),
        "change": api.patch(f"/custom-fields/{tier.pk}", {"label": "Level"}, as_=persona),
        "delete": api.delete(f"/custom-fields/{tier.pk}", as_=persona),
    }

    for action, response in answers.items():
        assert response.status_code == 403
        assert response.json()["detail"] == (
            f"Only admins may {action} custom fields; ask an admin of your organisation."
        )
    assert database() == before


def test_an_admin_defines_a_custom_field(api: Api):
    response = api.post(
        "/custom-fields",
        {
            "entity": "account",
            "key": "tier",
            "label": "Tier",
            "field_type": "choice",
            "options": ["Gold", "Silver"],
            "is_pinned": True,
        },
        as_="admin",
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["key"], body["options"], body["is_pinned"]) == ("tier", ["Gold", "Silver"], True)


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"key": "tier"}, 409, "key"),  # unique among the entity's fields
        ({"key": "domain"}, 400, "key"),  # a standard field of accounts
        ({"key": "seats", "field_type": "choice"}, 400, "options"),  # a choice needs options
        ({"key": "seats", "is_synced": True}, 400, "source"),  # synced from where?
        ({"key": "seats", "field_type": "colour"}, 422, "field_type"),
        ({"key": "two words"}, 422, "key"),
    ],
)
def test_invalid_definitions_are_refused_naming_the_field(
    api: Api, tier: CustomFieldDefinition, body: dict[str, Any], status: int, field: str
):
    before = database()
    body = {"entity": "account", "label": "L", "field_type": "number", **body}

    response = api.post("/custom-fields", body, as_="admin")

    assert response.status_code == status, response.json()
    if status == 422:
        assert field in {e["loc"][2] for e in response.json()["detail"]}
    else:
        assert list(response.json()["errors"]) == [field]
    assert database() == before


def test_a_choice_keeps_the_options_records_hold(api: Api, book: Book, tier: CustomFieldDefinition):
    book.acme.custom_fields = {"tier": "A"}
    book.acme.save()
    before = database()

    refused = api.patch(f"/custom-fields/{tier.pk}", {"options": ["B", "C"]}, as_="admin")

    assert refused.status_code == 409
    assert refused.json()["errors"] == {"options": ["Still held by records, so kept: A."]}
    assert database() == before
    accepted = api.patch(f"/custom-fields/{tier.pk}", {"options": ["A", "C"]}, as_="admin")
    assert accepted.json()["options"] == ["A", "C"]


def test_the_type_and_key_of_a_definition_are_fixed(api: Api, tier: CustomFieldDefinition):
    response = api.patch(
        f"/custom-fields/{tier.pk}", {"key": "level", "field_type": "text"}, as_="admin"
    )

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"key", "field_type"}


def test_deleting_a_custom_field_removes_its_values_with_history(api: Api, book: Book, admin: User):
    sf_id = CustomFieldDefinition.objects.create(
        entity=Entity.ACCOUNT,
        key="sf_id",
        label="SF",
        field_type="text",
        is_synced=True,
        source="Salesforce",
    )
    with acting_as(Actor(source="salesforce")):
        book.acme.custom_fields = {"sf_id": "001"}
        book.acme.save()

    response = api.delete(f"/custom-fields/{sf_id.pk}", as_="admin")

    assert response.status_code == 204
    assert Account.objects.get(pk=book.acme.pk).custom_fields == {}
    change = AttributeChange.objects.get(account=book.acme, field="sf_id", changed_by=admin)
    assert (change.old_value, change.new_value, change.source) == ("001", None, "api")


# Query counts


@pytest.mark.parametrize("path", ["/tags", "/custom-fields"])
def test_lists_cost_the_same_queries_for_one_or_many(
    api: Api, path: str, django_assert_num_queries: Any
):
    """Token, then the rows."""
    Tag.objects.create(name="T")
    CustomFieldDefinition.objects.create(
        entity=Entity.ACCOUNT, key="f", label="F", field_type="text"
    )
    api.get(path)
    with django_assert_num_queries(2):
        one = api.get(f"{path}?limit=200")
    for n in range(30):
        Tag.objects.create(name=f"T{n}")
        CustomFieldDefinition.objects.create(
            entity=Entity.CONTACT, key=f"f{n}", label=f"F{n}", field_type="text"
        )
    with django_assert_num_queries(2):
        many = api.get(f"{path}?limit=200")

    assert len(one.json()["items"]) == 1 and len(many.json()["items"]) == 31
