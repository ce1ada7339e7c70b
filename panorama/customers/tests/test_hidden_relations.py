"""An account page never names, links or counts accounts the user may not see."""

import pytest
from django.core.exceptions import ValidationError

from conftest import Book, client_for
from panorama.customers.models import Account, Contact

pytestmark = pytest.mark.django_db


def test_a_hidden_parent_is_not_named_even_when_a_grandparent_is_visible(book: Book, member):
    book.initech.parent = book.globex  # Globex is visible to the member, Initech is not
    book.initech.save()
    book.acme_emea.parent = book.initech
    book.acme_emea.save()
    html = client_for(member).get(book.acme_emea.get_absolute_url()).content.decode()
    assert "Initech" not in html
    assert "Globex" in html  # the visible grandparent is still in the breadcrumb


def test_history_does_not_name_a_hidden_account(book: Book, member, admin):
    book.acme_emea.parent = book.initech
    book.acme_emea.save()
    hidden = client_for(member).get(book.acme_emea.get_absolute_url(), {"tab": "history"})
    assert "Initech" not in hidden.content.decode()
    assert "an account you can&#x27;t see" in hidden.content.decode()
    shown = client_for(admin).get(book.acme_emea.get_absolute_url(), {"tab": "history"})
    assert "Initech" in shown.content.decode()


def test_sub_account_counts_leave_hidden_accounts_out(book: Book, member):
    Account.objects.create(name="Hidden Sub", parent=book.acme_emea)  # owned by nobody
    html = client_for(member).get(book.acme.get_absolute_url()).content.decode()
    assert "below" not in html  # Acme EMEA's only sub-account is hidden from the member


@pytest.mark.parametrize("field", ["linkedin_url", "logo_url"])
def test_account_links_must_be_http(db, field):
    account = Account.objects.create(name="Acme")
    setattr(account, field, "javascript:alert(document.cookie)")
    with pytest.raises(ValidationError) as exc:
        account.save()
    assert "is not an http(s) URL" in exc.value.message_dict[field][0]


def test_contact_avatar_must_be_http(db):
    with pytest.raises(ValidationError) as exc:
        Contact.objects.create(avatar_url="data:image/svg+xml,<svg onload=alert(1)>")
    assert "avatar_url" in exc.value.message_dict
