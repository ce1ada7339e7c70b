"""Accounts in the REST API (``/api/customers/accounts``): what each persona may read and
write, validation that names the field and changes nothing, paging, filters, history."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from conftest import Book
from panorama.core import clock
from panorama.core.actors import Actor, acting_as
from panorama.core.models import User
from panorama.core.tests.api_client import Api, database, ids
from panorama.customers.models import (
    Account,
    AccountFollower,
    AttributeChange,
    CustomFieldDefinition,
    Entity,
    Stage,
    Tag,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(book: Book, admin: User, member: User, outsider: User) -> Api:
    return Api("/customers", {"admin": admin, "member": member, "outsider": outsider})


@pytest.fixture
def seats(db: None) -> CustomFieldDefinition:
    return CustomFieldDefinition.objects.create(
        entity=Entity.ACCOUNT, key="seats", label="Seats", field_type="number"
    )


@pytest.fixture
def sf_id(db: None) -> CustomFieldDefinition:
    return CustomFieldDefinition.objects.create(
        entity=Entity.ACCOUNT,
        key="sf_id",
        label="Salesforce ID",
        field_type="text",
        is_synced=True,
        source="Salesforce",
    )


# Who sees what


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("admin", "all"), ("member", "visible_to_member"), ("outsider", None)],
)
def test_the_list_holds_exactly_the_accounts_the_caller_may_see(
    api: Api, book: Book, persona: str, expected: str | None
):
    response = api.get("/accounts", as_=persona)

    assert response.status_code == 200
    assert ids(response) == (getattr(book, expected) if expected else set())


def test_an_account_reads_with_its_relations(api: Api, book: Book, member: User):
    Tag.objects.create(name="VIP").accounts.add(book.acme)

    body = api.get(f"/accounts/{book.acme_emea.pk}").json()
    acme = api.get(f"/accounts/{book.acme.pk}").json()

    assert body["parent"] == {"id": book.acme.pk, "name": "Acme"}
    assert acme["owner"] == {"id": member.pk, "name": "Bob Member", "email": member.email}
    assert acme["stage"]["name"] == "Run"
    assert acme["plan"]["name"] == "Growth"
    assert [t["name"] for t in acme["tags"]] == ["VIP"]


def test_a_parent_the_caller_may_not_see_is_not_named(api: Api, book: Book, member: User):
    labs = Account.objects.create(name="Initech Labs", parent=book.initech, owner=member)

    assert api.get(f"/accounts/{labs.pk}").json()["parent"] is None
    assert api.get(f"/accounts/{labs.pk}", as_="admin").json()["parent"]["name"] == "Initech"
    listed = api.get("/accounts").json()["items"]
    assert next(a for a in listed if a["id"] == labs.pk)["parent"] is None


@pytest.mark.parametrize(("persona", "account"), [("outsider", "acme"), ("member", "initech")])
def test_accounts_outside_the_book_answer_404_and_nothing_changes(
    api: Api, book: Book, persona: str, account: str
):
    pk = getattr(book, account).pk
    tag = Tag.objects.create(name="VIP")
    before = database()

    answers = [
        api.get(f"/accounts/{pk}", as_=persona),
        api.patch(f"/accounts/{pk}", {"name": "Mine now"}, as_=persona),
        api.delete(f"/accounts/{pk}", as_=persona),
        api.put(f"/accounts/{pk}/tags/{tag.pk}", as_=persona),
        api.delete(f"/accounts/{pk}/tags/{tag.pk}", as_=persona),
        api.get(f"/accounts/{pk}/memberships", as_=persona),
    ]

    assert [r.status_code for r in answers] == [404] * len(answers)
    assert answers[0].json() == {"detail": "No such account"}
    assert database() == before


# Creating


def test_a_member_creates_an_account_and_owns_it(
    api: Api, member: User, stages: dict[str, Stage], seats: CustomFieldDefinition
):
    response = api.post(
        "/accounts",
        {
            "name": " Hooli ",
            "domain": "hooli.com",
            "stage": stages["Run"].pk,
            "custom_fields": {"seats": 25},
        },
    )

    assert response.status_code == 201
    body = response.json()
    account = Account.objects.get(pk=body["id"])
    assert account.name == "Hooli"
    assert account.owner == member
    assert account.custom_fields == {"seats": 25}
    assert body["owner"]["id"] == member.pk and body["stage"]["name"] == "Run"
    assert body["status"] == "trial" and body["account_type"] == "company"
    assert api.get(f"/accounts/{account.pk}").status_code == 200


def test_a_member_naming_another_owner_keeps_following_the_account(
    api: Api, admin: User, member: User
):
    response = api.post("/accounts", {"name": "Hooli", "owner": admin.pk})

    account = Account.objects.get(pk=response.json()["id"])
    assert response.status_code == 201
    assert account.owner == admin
    assert AccountFollower.objects.filter(account=account, user=member).exists()


def test_an_account_without_a_name_is_refused(api: Api):
    before = database()

    response = api.post("/accounts", {"domain": "x.com"})

    assert response.status_code == 422
    assert ["body", "payload", "name"] in [e["loc"] for e in response.json()["detail"]]
    assert database() == before


# Updating


def test_a_patch_changes_the_fields_sent_and_records_who_changed_them(
    api: Api, book: Book, member: User
):
    response = api.patch(f"/accounts/{book.acme.pk}", {"name": "Acme Corp", "csm_pulse": 4})

    assert response.status_code == 200
    book.acme.refresh_from_db()
    assert (book.acme.name, book.acme.csm_pulse, book.acme.domain) == ("Acme Corp", 4, "acme.com")
    changes = {c.field: c for c in AttributeChange.objects.filter(account=book.acme)}
    assert set(changes) == {"name", "csm_pulse"}
    assert changes["name"].old_value == "Acme" and changes["name"].new_value == "Acme Corp"
    assert {(c.changed_by, c.source) for c in changes.values()} == {(member, "api")}


def test_custom_values_merge_and_null_clears_one(
    api: Api, book: Book, member: User, seats: CustomFieldDefinition
):
    CustomFieldDefinition.objects.create(
        entity=Entity.ACCOUNT, key="tier", label="Tier", field_type="choice", options=["A", "B"]
    )
    api.patch(f"/accounts/{book.acme.pk}", {"custom_fields": {"seats": 10, "tier": "A"}})

    response = api.patch(f"/accounts/{book.acme.pk}", {"custom_fields": {"seats": None}})

    assert response.json()["custom_fields"] == {"tier": "A"}
    seat_changes = AttributeChange.objects.filter(account=book.acme, field="seats", is_custom=True)
    assert {(c.old_value, c.new_value) for c in seat_changes} == {(None, 10), (10, None)}
    assert {c.changed_by for c in seat_changes} == {member}


def test_handing_an_account_to_another_owner_keeps_the_member_following(
    api: Api, book: Book, admin: User, member: User
):
    response = api.patch(f"/accounts/{book.acme.pk}", {"owner": admin.pk})

    assert response.status_code == 200
    assert response.json()["owner"]["id"] == admin.pk
    assert api.get(f"/accounts/{book.acme.pk}").status_code == 200


def test_unknown_fields_are_refused_each_named_and_nothing_changes(api: Api, book: Book):
    before = database()

    response = api.patch(
        f"/accounts/{book.acme.pk}", {"name": "Acme Corp", "colour": "red", "mrr": 10}
    )

    assert response.status_code == 400
    assert response.json()["detail"] == "Unknown fields: colour, mrr."
    assert response.json()["errors"] == {"colour": ["Unknown field."], "mrr": ["Unknown field."]}
    assert database() == before


def test_writing_a_synced_custom_field_is_refused_and_nothing_changes(
    api: Api, book: Book, sf_id: CustomFieldDefinition
):
    with acting_as(Actor(source="salesforce")):
        book.acme.custom_fields = {"sf_id": "001A"}
        book.acme.save()
    before = database()

    response = api.patch(
        f"/accounts/{book.acme.pk}", {"name": "Acme Corp", "custom_fields": {"sf_id": "002B"}}
    )

    assert response.status_code == 400
    body = response.json()
    assert "custom_fields" in body["detail"]
    assert body["errors"]["custom_fields"] == [
        "Custom field 'Salesforce ID' (sf_id) is synced from Salesforce and read-only."
    ]
    assert database() == before


def test_the_external_id_is_read_only_once_set(api: Api, book: Book):
    Account.objects.filter(pk=book.acme.pk).update(external_id="grp_acme")
    before = database()

    refused = api.patch(f"/accounts/{book.acme.pk}", {"external_id": "grp_other", "name": "X"})

    assert refused.status_code == 400
    assert list(refused.json()["errors"]) == ["external_id"]
    assert database() == before
    same = api.patch(f"/accounts/{book.acme.pk}", {"external_id": "grp_acme"})
    assert same.status_code == 200
    first = api.patch(f"/accounts/{book.acme_emea.pk}", {"external_id": "grp_emea"})
    assert first.status_code == 200 and first.json()["external_id"] == "grp_emea"


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"parent": "emea"}, 400, "parent"),  # a sub-account as parent: a cycle
        ({"parent": "initech"}, 400, "parent"),  # not in the member's book
        ({"parent": 999_999}, 400, "parent"),
        ({"stage": 999_999}, 400, "stage"),
        ({"owner": 999_999}, 400, "owner"),
        ({"plan": 999_999}, 400, "plan"),
        ({"logo_url": "javascript:alert(1)"}, 400, "logo_url"),
        ({"linkedin_url": "not a url"}, 400, "linkedin_url"),
        ({"custom_fields": {"seats": "many"}}, 400, "custom_fields"),
        ({"custom_fields": {"nope": 1}}, 400, "custom_fields"),
        ({"external_id": "grp_initech"}, 409, "external_id"),
        ({"csm_pulse": 9}, 422, "csm_pulse"),
        ({"status": "happy"}, 422, "status"),
        ({"name": ""}, 422, "name"),
        ({"name": None}, 422, "name"),
        ({"domain": "a\x00b"}, 422, "domain"),
        ({"annual_revenue": "1.234"}, 422, "annual_revenue"),
    ],
)
def test_invalid_values_are_refused_naming_the_field_and_nothing_changes(
    api: Api,
    book: Book,
    seats: CustomFieldDefinition,
    body: dict[str, Any],
    status: int,
    field: str,
):
    Account.objects.filter(pk=book.initech.pk).update(external_id="grp_initech")
    refs = {"emea": book.acme_emea.pk, "initech": book.initech.pk}
    body = {
        k: refs.get(v, v) if isinstance(v, str) and k == "parent" else v for k, v in body.items()
    }
    before = database()

    response = api.patch(f"/accounts/{book.acme.pk}", body)

    assert response.status_code == status, response.json()
    if status == 422:
        assert field in {e["loc"][2] for e in response.json()["detail"]}
    else:
        assert list(response.json()["errors"]) == [field]
    assert database() == before


# Deleting


def test_only_admins_delete_accounts(api: Api, book: Book):
    before = database()

    response = api.delete(f"/accounts/{book.acme.pk}")

    assert response.status_code == 403
    assert "Only admins may delete accounts" in response.json()["detail"]
    assert database() == before


def test_deleting_an_account_moves_its_sub_accounts_up_with_history(
    api: Api, book: Book, admin: User
):
    response = api.delete(f"/accounts/{book.acme.pk}", as_="admin")

    assert response.status_code == 204
    assert not Account.objects.filter(pk=book.acme.pk).exists()
    book.acme_emea.refresh_from_db()
    assert book.acme_emea.parent is None
    change = AttributeChange.objects.get(account=book.acme_emea, field="parent")
    assert (change.old_display, change.new_display, change.changed_by) == ("Acme", "", admin)


# Paging and filters


def test_pages_follow_each_other_without_gaps_or_repeats(api: Api, book: Book, admin: User):
    for n in range(7):
        Account.objects.create(name=f"Extra {n}", owner=admin)
    expected = sorted(Account.objects.values_list("pk", flat=True))

    seen: list[int] = []
    page = api.get("/accounts?limit=3", as_="admin").json()
    while True:
        seen += [a["id"] for a in page["items"]]
        if page["next"] is None:
            break
        if len(seen) == 3:  # a new account between two pages shifts nothing
            expected.append(Account.objects.create(name="Late", owner=admin).pk)
        page = api.get(f"/accounts?limit=3&after={page['next']}", as_="admin").json()

    assert seen == expected


def test_a_bad_cursor_is_a_400_naming_after(api: Api):
    response = api.get("/accounts?after=bm9wZQ")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["after"]


def test_filters(api: Api, book: Book, admin: User, member: User, stages: dict[str, Stage]):
    vip = Tag.objects.create(name="VIP")
    book.globex.tags.add(vip)
    Account.objects.filter(pk=book.globex.pk).update(
        updated_at=clock.now() - dt.timedelta(days=10), status="paying"
    )
    since = (clock.now() - dt.timedelta(days=1)).isoformat()
    run = stages["Run"].pk

    def found(query: str, as_: str = "member") -> set[int]:
        response = api.get(f"/accounts?{query}", as_=as_)
        assert response.status_code == 200, response.json()
        return ids(response)

    assert found(f"stage={run}") == {book.acme.pk, book.acme_emea.pk}
    assert found(f"stage={run}", as_="admin") == {book.acme.pk, book.acme_emea.pk, book.initech.pk}
    assert found(f"owner={admin.pk}") == {book.globex.pk}
    assert found(f"parent={book.acme.pk}") == {book.acme_emea.pk}
    assert found(f"tag={vip.pk}") == {book.globex.pk}
    assert found("status=paying") == {book.globex.pk}
    assert found("q=ACME") == {book.acme.pk, book.acme_emea.pk}
    assert found("q=globex.io") == {book.globex.pk}
    assert found(f"updated_since={since.replace('+', '%2B')}") == {book.acme.pk, book.acme_emea.pk}


def test_children_of_a_hidden_parent_are_not_listed_by_parent(api: Api, book: Book, member: User):
    Account.objects.create(name="Initech Labs", parent=book.initech, owner=member)

    assert ids(api.get(f"/accounts?parent={book.initech.pk}")) == set()


@pytest.mark.parametrize("persona", ["admin", "member"])
def test_the_list_costs_the_same_queries_for_one_account_or_many(
    api: Api, book: Book, member: User, persona: str, django_assert_num_queries: Any
):
    """Token, accounts (with stage, owner, plan, parent), tags, which parents to show."""
    url = f"/accounts?parent={book.acme.pk}&limit=200"
    api.get(url, as_=persona)  # the token's "last used" is written at most once a minute
    vip, beta = Tag.objects.create(name="VIP"), Tag.objects.create(name="Beta")
    book.acme_emea.tags.add(vip, beta)

    with django_assert_num_queries(4):
        one = api.get(url, as_=persona)
    for n in range(30):
        child = Account.objects.create(
            name=f"Sub {n}", parent=book.acme, owner=member, stage=book.acme.stage
        )
        child.tags.add(vip)
    with django_assert_num_queries(4):
        many = api.get(url, as_=persona)

    assert len(one.json()["items"]) == 1 and len(many.json()["items"]) == 31
    assert {a["parent"]["name"] for a in many.json()["items"]} == {"Acme"}
