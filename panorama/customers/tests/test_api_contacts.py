"""Contacts and memberships in the REST API (``/api/customers/contacts``, ``/memberships``)."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import Book
from panorama.core.models import RecordChange, User
from panorama.core.tests.api_client import Api, database, ids
from panorama.customers.models import (
    Account,
    AttributeChange,
    Contact,
    CustomFieldDefinition,
    Entity,
    Membership,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(book: Book, admin: User, member: User, outsider: User) -> Api:
    return Api("/customers", {"admin": admin, "member": member, "outsider": outsider})


def membership(contact: Contact, account: Account) -> Membership:
    return Membership.objects.get(contact=contact, account=account)


# Who sees what


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("admin", {"jane", "john"}), ("member", {"jane"}), ("outsider", set())],
)
def test_the_list_holds_exactly_the_contacts_the_caller_may_see(
    api: Api, book: Book, persona: str, expected: set[str]
):
    response = api.get("/contacts", as_=persona)

    assert response.status_code == 200
    assert ids(response) == {getattr(book, name).pk for name in expected}


def test_a_contact_shows_only_the_memberships_the_caller_may_see(api: Api, book: Book):
    mine = api.get(f"/contacts/{book.jane.pk}").json()
    everything = api.get(f"/contacts/{book.jane.pk}", as_="admin").json()

    assert [m["account"]["name"] for m in mine["memberships"]] == ["Acme"]
    assert {m["account"]["name"] for m in everything["memberships"]} == {"Acme", "Initech"}
    listed = api.get(f"/contacts/{book.jane.pk}/memberships").json()["items"]
    assert [m["account"]["name"] for m in listed] == ["Acme"]
    assert mine["full_name"] == "Jane Doe" and mine["email"] == "jane@acme.com"


@pytest.mark.parametrize(("persona", "contact"), [("outsider", "jane"), ("member", "john")])
def test_contacts_outside_the_book_answer_404_and_nothing_changes(
    api: Api, book: Book, persona: str, contact: str
):
    pk = getattr(book, contact).pk
    before = database()

    answers = [
        api.get(f"/contacts/{pk}", as_=persona),
        api.patch(f"/contacts/{pk}", {"title": "Owned"}, as_=persona),
        api.delete(f"/contacts/{pk}", as_=persona),
        api.get(f"/contacts/{pk}/memberships", as_=persona),
    ]

    assert [r.status_code for r in answers] == [404] * len(answers)
    assert answers[0].json() == {"detail": "No such contact"}
    assert database() == before


@pytest.mark.parametrize("persona", ["outsider", "member"])
def test_memberships_outside_the_book_answer_404_and_nothing_changes(
    api: Api, book: Book, persona: str
):
    hidden = membership(book.john, book.initech).pk
    if persona == "outsider":
        hidden = membership(book.jane, book.acme).pk
    before = database()

    answers = [
        api.patch(f"/memberships/{hidden}", {"role": "CTO"}, as_=persona),
        api.delete(f"/memberships/{hidden}", as_=persona),
    ]

    assert [r.status_code for r in answers] == [404, 404]
    assert database() == before


def test_a_contact_or_account_outside_the_book_cannot_be_linked(api: Api, book: Book):
    before = database()

    hidden_contact = api.post("/memberships", {"contact": book.john.pk, "account": book.acme.pk})
    hidden_account = api.post("/memberships", {"contact": book.jane.pk, "account": book.initech.pk})
    new_in_hidden = api.post("/contacts", {"email": "x@initech.com", "account": book.initech.pk})

    assert hidden_contact.status_code == 400
    assert hidden_contact.json()["errors"] == {"contact": ["No such contact."]}
    assert hidden_account.json()["errors"] == {"account": ["No such account."]}
    assert new_in_hidden.json()["errors"] == {"account": ["No such account."]}
    assert database() == before


# Contacts: create, update, delete


def test_a_member_creates_a_contact_in_their_account(api: Api, book: Book):
    response = api.post(
        "/contacts",
        {"email": " Max@Acme.COM ", "first_name": "Max", "account": book.acme.pk, "role": "CTO"},
    )

    assert response.status_code == 201
    body = response.json()
    assert body["email"] == "max@acme.com"
    assert body["memberships"] == [
        {
            "id": body["memberships"][0]["id"],
            "account": {"id": book.acme.pk, "name": "Acme"},
            "role": "CTO",
            "is_primary": True,
        }
    ]
    assert api.get(f"/contacts/{body['id']}").status_code == 200


def test_a_duplicate_email_is_a_conflict_naming_the_field(api: Api, book: Book):
    before = database()

    created = api.post("/contacts", {"email": "JOHN@initech.com", "account": book.acme.pk})
    changed = api.patch(f"/contacts/{book.jane.pk}", {"email": "john@initech.com"})

    assert (created.status_code, changed.status_code) == (409, 409)
    assert list(created.json()["errors"]) == ["email"]
    assert list(changed.json()["errors"]) == ["email"]
    assert database() == before


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"email": "not an address"}, 400, "email"),
        ({"avatar_url": "data:image/png;base64,AAAA"}, 400, "avatar_url"),
        ({"custom_fields": {"nps": "high"}}, 400, "custom_fields"),
        ({"buying_role": "ceo"}, 422, "buying_role"),
        ({"is_sponsor": "maybe"}, 422, "is_sponsor"),
        ({"phone": "1" * 51}, 422, "phone"),
        ({"accounts": [1]}, 400, "accounts"),  # not a field of a contact
    ],
)
def test_invalid_contact_values_are_refused_naming_the_field(
    api: Api, book: Book, body: dict[str, Any], status: int, field: str
):
    CustomFieldDefinition.objects.create(
        entity=Entity.CONTACT, key="nps", label="NPS", field_type="number"
    )
    before = database()

    response = api.patch(f"/contacts/{book.jane.pk}", body)

    assert response.status_code == status, response.json()
    if status == 422:
        assert field in {e["loc"][2] for e in response.json()["detail"]}
    else:
        assert list(response.json()["errors"]) == [field]
    assert database() == before


def test_a_patch_records_the_api_user_in_the_contacts_history(api: Api, book: Book, member: User):
    response = api.patch(f"/contacts/{book.jane.pk}", {"title": "COO", "is_sponsor": True})

    assert response.status_code == 200
    assert response.json()["title"] == "COO"
    changes = AttributeChange.objects.filter(contact=book.jane)
    assert {(c.field, c.old_display, c.new_display) for c in changes} == {
        ("title", "VP Ops", "COO"),
        ("is_sponsor", "False", "True"),
    }
    assert {(c.changed_by, c.source) for c in changes} == {(member, "api")}


def test_synced_traits_and_external_id_are_read_only(api: Api, book: Book):
    Contact.objects.filter(pk=book.jane.pk).update(external_id="u_1", traits={"plan": "pro"})
    before = database()

    response = api.patch(
        f"/contacts/{book.jane.pk}",
        {"title": "COO", "traits": {"plan": "free"}, "external_id": "u_2"},
    )

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"traits", "external_id"}
    assert database() == before
    unchanged = {"traits": {"plan": "pro"}, "external_id": "u_1"}  # sent back as read
    assert api.patch(f"/contacts/{book.jane.pk}", unchanged).status_code == 200


def test_synced_custom_fields_of_contacts_are_read_only(api: Api, book: Book):
    CustomFieldDefinition.objects.create(
        entity=Entity.CONTACT,
        key="sf_id",
        label="SF",
        field_type="text",
        is_synced=True,
        source="Salesforce",
    )
    before = database()

    response = api.patch(f"/contacts/{book.jane.pk}", {"custom_fields": {"sf_id": "003"}})

    assert response.status_code == 400
    assert "(sf_id) is synced from Salesforce" in response.json()["errors"]["custom_fields"][0]
    assert database() == before


def test_only_admins_delete_contacts(api: Api, book: Book):
    before = database()

    refused = api.delete(f"/contacts/{book.jane.pk}")

    assert refused.status_code == 403
    assert database() == before
    assert api.delete(f"/contacts/{book.jane.pk}", as_="admin").status_code == 204
    assert not Contact.objects.filter(pk=book.jane.pk).exists()


# Memberships


def test_adding_a_contact_to_another_account_as_primary_moves_the_flag(
    api: Api, book: Book, member: User
):
    response = api.post(
        "/memberships",
        {"contact": book.jane.pk, "account": book.globex.pk, "role": "Buyer", "is_primary": True},
    )

    assert response.status_code == 201
    body = response.json()
    assert body["contact"]["name"] == "Jane Doe" and body["account"]["name"] == "Globex"
    assert body["is_primary"] is True
    assert not membership(book.jane, book.acme).is_primary


def test_a_contact_belongs_to_an_account_once(api: Api, book: Book):
    before = database()

    response = api.post("/memberships", {"contact": book.jane.pk, "account": book.acme.pk})

    assert response.status_code == 409
    assert list(response.json()["errors"]) == ["account"]
    assert database() == before


def test_making_a_membership_primary_takes_the_flag_from_the_others(api: Api, book: Book):
    Membership.objects.create(contact=book.jane, account=book.globex)
    globex = membership(book.jane, book.globex)

    response = api.patch(f"/memberships/{globex.pk}", {"is_primary": True, "role": "CFO"})

    assert response.status_code == 200
    assert (response.json()["is_primary"], response.json()["role"]) == (True, "CFO")
    assert not membership(book.jane, book.acme).is_primary


def test_the_last_membership_of_a_contact_cannot_end(api: Api, book: Book):
    Membership.objects.filter(contact=book.jane, account=book.initech).delete()
    acme = membership(book.jane, book.acme)
    before = database()

    refused = api.delete(f"/memberships/{acme.pk}")

    assert refused.status_code == 409
    assert "delete the contact instead" in refused.json()["errors"]["__all__"][0]
    assert database() == before


def test_ending_a_membership(api: Api, book: Book):
    acme = membership(book.jane, book.acme)

    assert api.delete(f"/memberships/{acme.pk}").status_code == 204
    assert not Membership.objects.filter(pk=acme.pk).exists()
    assert api.get(f"/contacts/{book.jane.pk}").status_code == 404  # left the member's book


def test_membership_changes_are_in_the_audit_log_with_the_api_user(
    api: Api, book: Book, member: User
):
    added = api.post(
        "/memberships", {"contact": book.jane.pk, "account": book.acme_emea.pk, "role": "Buyer"}
    )
    assert added.status_code == 201, added.json()
    emea = membership(book.jane, book.acme_emea)
    api.patch(f"/memberships/{emea.pk}", {"role": "Champion"})
    api.delete(f"/memberships/{emea.pk}")

    log = RecordChange.objects.filter(account=book.acme_emea).order_by("id")
    assert [(c.action, c.changed_by, c.source) for c in log] == [
        ("created", member, "api"),
        ("updated", member, "api"),
        ("deleted", member, "api"),
    ]
    assert log[1].changes == {"role": {"old": "Buyer", "new": "Champion"}}
    assert log[2].changes["role"]["old"] == "Champion"


# Paging, filters, query counts


def test_contact_pages_follow_each_other(api: Api, book: Book):
    for n in range(5):
        Membership.objects.create(
            contact=Contact.objects.create(email=f"p{n}@acme.com"), account=book.acme
        )
    expected = sorted(
        Membership.objects.filter(account=book.acme).values_list("contact_id", flat=True)
    )

    seen: list[int] = []
    url = "/contacts?limit=2"
    while url:
        page = api.get(url).json()
        seen += [c["id"] for c in page["items"]]
        url = page["next"] and f"/contacts?limit=2&after={page['next']}"

    assert seen == expected


def test_contact_filters(api: Api, book: Book):
    sponsor = Contact.objects.create(email="sam@globex.io", first_name="Sam", is_sponsor=True)
    Membership.objects.create(contact=sponsor, account=book.globex)

    def found(query: str, as_: str = "member") -> set[int]:
        response = api.get(f"/contacts?{query}", as_=as_)
        assert response.status_code == 200, response.json()
        return ids(response)

    assert found(f"account={book.globex.pk}") == {sponsor.pk}
    assert found(f"account={book.initech.pk}") == set()  # not the member's account
    assert found(f"account={book.initech.pk}", as_="admin") == {book.jane.pk, book.john.pk}
    assert found("email=JANE@acme.com") == {book.jane.pk}
    assert found("q=sam") == {sponsor.pk}
    assert found("is_sponsor=true") == {sponsor.pk}


def test_contacts_list_costs_the_same_queries_for_one_or_many(
    api: Api, book: Book, django_assert_num_queries: Any
):
    """Token, contacts, their visible memberships with accounts."""
    api.get("/contacts")  # the token's "last used" is written at most once a minute
    with django_assert_num_queries(3):
        one = api.get("/contacts")
    for n in range(30):
        person = Contact.objects.create(email=f"p{n}@acme.com")
        Membership.objects.create(contact=person, account=book.acme)
        Membership.objects.create(contact=person, account=book.globex)
    with django_assert_num_queries(3):
        many = api.get("/contacts?limit=200")

    assert len(one.json()["items"]) == 1 and len(many.json()["items"]) == 31


@pytest.mark.parametrize("path", ["/accounts/{acme}/memberships", "/contacts/{jane}/memberships"])
def test_membership_lists_cost_the_same_queries_for_one_or_many(
    api: Api, book: Book, django_assert_num_queries: Any, path: str
):
    """Token, the account or contact, its memberships with contact and account."""
    url = path.format(acme=book.acme.pk, jane=book.jane.pk) + "?limit=200"
    api.get(url)
    with django_assert_num_queries(3):
        one = api.get(url)
    for n in range(30):
        account = Account.objects.create(name=f"Sub {n}", parent=book.acme, owner=book.acme.owner)
        Membership.objects.create(contact=book.jane, account=account)
        Membership.objects.create(contact=Contact.objects.create(), account=book.acme)
    with django_assert_num_queries(3):
        many = api.get(url)

    assert len(one.json()["items"]) == 1 and len(many.json()["items"]) == 31
