"""The customer pages, for each persona: what they list, what they open, what is 404."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import Book, client_for
from panorama.core.actors import Actor, acting_as
from panorama.customers.models import Account, Contact, Membership

pytestmark = pytest.mark.django_db

LIST = reverse("customers:list")


def _names(html: str) -> set[str]:
    return set(re.findall(r'<a href="/customers/accounts/\d+/"><strong>([^<]+)</strong>', html))


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("admin", {"Acme", "Acme EMEA", "Globex", "Initech"}),
        ("member", {"Acme", "Acme EMEA", "Globex"}),
        ("outsider", set()),
    ],
)
def test_customer_list_shows_the_visible_accounts(request, book: Book, who, expected):
    response = client_for(request.getfixturevalue(who)).get(LIST)
    assert response.status_code == 200
    assert _names(response.content.decode()) == expected
    if not expected:
        assert "No customers to show yet." in response.content.decode()


def test_customer_list_rows_show_stage_owner_and_plan(book: Book, admin):
    html = client_for(admin).get(LIST).content.decode()
    row = html[html.index(">Acme<") :]
    row = row[: row.index("</tr>")]
    assert "Run" in row and "Bob Member" in row and "Growth" in row


def test_customer_list_search_and_htmx_partial(book: Book, member):
    client = client_for(member)
    response = client.get(LIST, {"q": "acme"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert _names(html) == {"Acme", "Acme EMEA"}
    assert "<nav" not in html  # only the results region, not the whole page
    assert "Initech" not in client.get(LIST, {"q": "initech"}).content.decode()


def test_customer_list_paginates(admin):
    Account.objects.bulk_create(Account(name=f"Customer {i:03}") for i in range(60))
    client = client_for(admin)
    first = client.get(LIST, {"per_page": 25}).content.decode()
    assert len(_names(first)) == 25 and "1–25 of 60" in first
    last = client.get(LIST, {"per_page": 25, "page": 3}).content.decode()
    assert _names(last) == {f"Customer {i:03}" for i in range(50, 60)}
    fallback = client.get(LIST, {"per_page": "nonsense", "page": "2"}).content.decode()
    assert "51–60 of 60" in fallback


@pytest.mark.parametrize(("who", "status"), [("admin", 200), ("member", 404), ("outsider", 404)])
def test_account_page_is_404_outside_visibility(request, book: Book, who, status):
    client = client_for(request.getfixturevalue(who))
    assert client.get(book.initech.get_absolute_url()).status_code == status
    assert client.get(reverse("customers:account", args=[999_999])).status_code == 404


def test_account_page_shows_fields_contacts_hierarchy_and_history(book: Book, member):
    with acting_as(Actor(source="web", user=member)):
        book.acme.industry = "Manufacturing"
        book.acme.save()
    client = client_for(member)
    html = client.get(book.acme.get_absolute_url()).content.decode()
    assert "<h1>Acme</h1>" in html
    assert "acme.com" in html and "Manufacturing" in html
    assert "Acme EMEA" in html  # sub-account
    assert "Jane Doe" in html  # contact
    assert "Industry" in html and "Bob Member" in html  # the recorded change and who made it

    sub = client.get(book.acme_emea.get_absolute_url()).content.decode()
    assert re.search(r'<nav class="breadcrumb".*?Acme</a>', sub, re.S)  # parent in the breadcrumb


def test_account_page_hides_related_accounts_the_user_cannot_see(book: Book, member):
    book.initech.parent = book.acme
    book.initech.save()
    html = client_for(member).get(book.acme.get_absolute_url()).content.decode()
    assert "Initech" not in html


def test_account_tabs_render_as_htmx_regions(book: Book, member):
    client = client_for(member)
    contacts = client.get(
        book.acme.get_absolute_url(), {"tab": "contacts"}, headers={"HX-Request": "true"}
    )
    html = contacts.content.decode()
    assert html.lstrip().startswith('<div id="tab">') and "Jane Doe" in html and "VP Ops" in html
    history = client.get(book.acme.get_absolute_url(), {"tab": "history"}).content.decode()
    assert "Attribute history" in history


@pytest.mark.parametrize(
    ("who", "jane", "john"), [("admin", 200, 200), ("member", 200, 404), ("outsider", 404, 404)]
)
def test_contact_page_is_404_outside_visibility(request, book: Book, who, jane, john):
    client = client_for(request.getfixturevalue(who))
    assert client.get(book.jane.get_absolute_url()).status_code == jane
    assert client.get(book.john.get_absolute_url()).status_code == john


def test_contact_page_lists_only_visible_accounts(book: Book, member):
    html = client_for(member).get(book.jane.get_absolute_url()).content.decode()
    assert "Acme" in html and "Initech" not in html


@pytest.mark.parametrize(
    ("who", "expected"),
    [("admin", {"Jane Doe", "John Smith"}), ("member", {"Jane Doe"}), ("outsider", set())],
)
def test_contact_list_shows_visible_contacts(request, book: Book, who, expected):
    html = (
        client_for(request.getfixturevalue(who)).get(reverse("customers:contacts")).content.decode()
    )
    assert (
        set(re.findall(r'<a href="/customers/contacts/\d+/"><strong>([^<]+)</strong>', html))
        == expected
    )
    if who == "member":
        assert "Initech" not in html  # Jane's other account is not visible to Bob


@pytest.mark.parametrize(("who", "run_count"), [("admin", 3), ("member", 2), ("outsider", 0)])
def test_kanban_counts_visible_accounts_per_stage(request, book: Book, who, run_count):
    html = (
        client_for(request.getfixturevalue(who)).get(reverse("customers:kanban")).content.decode()
    )
    run = re.search(
        r'aria-label="Run">\s*<h2><span>Run</span><span class="badge">(\d+)</span>', html
    )
    assert run is not None and int(run.group(1)) == run_count
    assert ("Initech" in html) is (who == "admin")


@pytest.mark.parametrize(
    "name",
    ["customers:list", "customers:contacts", "customers:kanban", "customers:contracts", "settings"],
)
def test_pages_need_a_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


# --- Query counts: the same number of queries at 1 row and at 50 --------------------------


def _queries(client, url, **params) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params).status_code == 200
    return len(ctx.captured_queries)


def _make_accounts(n: int, owner) -> None:
    start = Account.objects.count()
    for i in range(start, start + n):
        account = Account.objects.create(name=f"Co {i}", owner=owner)
        contact = Contact.objects.create(email=f"p{i}@co{i}.com", first_name="P", last_name=str(i))
        Membership.objects.create(contact=contact, account=account, is_primary=True)


@pytest.mark.parametrize("url", [LIST, reverse("customers:contacts"), reverse("customers:kanban")])
def test_lists_make_a_constant_number_of_queries(admin, url):
    client = client_for(admin)
    _make_accounts(1, admin)
    one = _queries(client, url)
    _make_accounts(49, admin)
    assert _queries(client, url) == one


def test_account_page_queries_do_not_grow_with_contacts_or_sub_accounts(admin):
    client = client_for(admin)
    acme = Account.objects.create(name="Acme")
    _make_accounts(1, admin)
    Account.objects.exclude(pk=acme.pk).update(parent=acme)
    Membership.objects.exclude(account=acme).update(account=acme)
    one = _queries(client, acme.get_absolute_url())
    _make_accounts(49, admin)
    Account.objects.exclude(pk=acme.pk).update(parent=acme)
    Membership.objects.exclude(account=acme).update(account=acme)
    assert _queries(client, acme.get_absolute_url()) == one
